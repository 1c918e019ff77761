/**
 * Drives an engine on the wall clock, for `seldon-sim serve`: outside peers (a real agent, a
 * real controller) talk to us in real time, so run time follows real time instead of jumping.
 */
import type { Engine } from "./engine.ts";

export interface RealtimeDriver {
  stop(): Promise<void>;
}

export function driveRealtime(engine: Engine, tickMs = 10): RealtimeDriver {
  const start = performance.now() - engine.now;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(async () => {
      if (!stopped) await engine.runUntil(performance.now() - start);
    });
  }, tickMs);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
