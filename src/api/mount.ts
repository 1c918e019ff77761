/** The one call that puts the control API on a running session (serve, run --control-port). */
import type { Session } from "../cluster/session.ts";
import { Faults } from "../faults/faults.ts";
import { startControlApi, type ControlApi } from "./server.ts";

export async function mountControlApi(session: Session, realPorts: ReadonlyMap<string, number>, host: string, port: number, realtime = true, faults?: Faults): Promise<ControlApi> {
  const f = faults ?? new Faults(session.engine, session.options.seed);
  f.realPorts = realPorts;
  return startControlApi({ session, faults: f, host, port, realtime });
}
