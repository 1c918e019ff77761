/**
 * `run --control-port`: the control API on a scenario's run. It comes up with the cluster, so a
 * client can watch the run; once the run is over and reported, the cluster stays up on its
 * virtual clock (time moves only by POST /api/time/advance) until SIGINT/SIGTERM.
 */
import type { CliIO } from "./io.ts";
import type { RunControl, ScenarioResult } from "../scenario/runner.ts";
import type { ControlApi } from "../api/server.ts";

export function controlForRun(io: CliIO, port: number, report: (r: ScenarioResult) => void, waitForStop: () => Promise<void> = untilSignal): RunControl {
  let api: ControlApi | null = null;
  return {
    async started(session, faults) {
      // Loaded only when a control port is asked for: a run without one never needs fastify.
      const { mountControlApi } = await import("../api/mount.ts");
      const realPorts = session.engine.transport.realPorts ?? new Map<string, number>();
      api = await mountControlApi(session, realPorts, "127.0.0.1", port, false, faults);
      io.stdout(`seldon-sim run: control API at ${api.url} (OpenAPI: ${api.url}/docs)\n`);
    },
    async finished(_session, result) {
      report(result);
      // waiting before saying Ctrl-C stops it, so that a signal sent on reading the line is heard
      const stopped = waitForStop();
      io.stdout(`seldon-sim run: the run is over; the cluster stays up on its virtual clock at ${api?.url}. Ctrl-C to stop.\n`);
      try {
        await stopped;
      } finally {
        await api?.close();
      }
    },
  };
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
}
