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
  let current: Promise<void> | null = null;
  // One catch-up at a time: a tick that finds the previous one still running is skipped.
  const timer = setInterval(() => {
    if (stopped || current) return;
    current = engine.runUntil(performance.now() - start).finally(() => {
      current = null;
    });
  }, tickMs);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current;
    },
  };
}
