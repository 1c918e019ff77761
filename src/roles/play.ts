/**
 * Plays a scenario's resources and timeline on a running session: on the virtual clock (our own
 * components only), or on the wall clock while real components outside take part (`serve`,
 * `verify`), where `advance` and `wait` take real time and a failed wait is noted, not fatal.
 */
import type { Session } from "../cluster/session.ts";
import type { Scenario } from "../scenario/types.ts";
import { applyResource, holds, perform } from "../scenario/runner.ts";
import { driveRealtime } from "../runtime/realtime.ts";

export interface PlayOptions {
  realtime: boolean;
  /** Apply the scenario's resources at the start (not when a real controller reads them itself). */
  applyResources: boolean;
  /** Stop waiting early, e.g. the component under test exited. */
  abandoned?: () => boolean;
  /** Stop before the settle time (serve runs until interrupted instead). */
  settle?: boolean;
  /** Drive the engine on the wall clock while playing (default); off when the caller drives it. */
  drive?: boolean;
}

/** Plays the scenario; returns notes on what did not go as written. */
export async function playScenario(session: Session, scenario: Scenario, o: PlayOptions): Promise<string[]> {
  const notes: string[] = [];
  session.engine.rules = [...scenario.network];
  const driver = o.realtime && (o.drive ?? true) ? driveRealtime(session.engine) : null;
  const t0 = performance.now();
  const elapsed = () => (o.realtime ? performance.now() - t0 : session.now);
  const advance = async (ms: number) => {
    if (o.realtime) await sleep(ms);
    else await session.advance(ms);
  };
  try {
    if (o.applyResources) for (const r of scenario.resources) applyResource(session, r);
    for (const step of scenario.timeline) {
      if (o.abandoned?.()) break;
      if (step.at !== null && step.at > elapsed()) await advance(step.at - elapsed());
      if (o.abandoned?.()) break;
      if (o.realtime && step.kind === "advance") await sleep(step.ms);
      else if (o.realtime && step.kind === "wait") {
        const until = performance.now() + step.timeoutMs;
        while (!holds(session, step.condition) && performance.now() < until && !o.abandoned?.()) await sleep(50);
        if (!holds(session, step.condition)) notes.push(`${step.origin.file}: ${step.origin.path}: the condition did not hold within ${step.timeoutMs} ms`);
      } else await perform(session, step);
    }
    if (o.settle ?? true) await advance(scenario.settleMs);
  } catch (e) {
    notes.push(`the timeline stopped early: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    await driver?.stop();
  }
  return notes;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));
