/**
 * What a scenario run keeps while it runs, decided before it starts from what will read it: the
 * caller's outputs (`RunOptions.reads`), the scenario's expectations and its properties. A run of
 * 10,000 Models logs half a million lines and makes tens of thousands of placement decisions;
 * keeping what nothing reads costs memory and, with every major collection walking it, time.
 */
import type { Scenario } from "./types.ts";

/**
 * What the caller will read of a run's result:
 * - `everything`: all of it (the run document, the control API, a library caller; the default);
 * - `story`: what `run` prints for people (expectations, the kubectl tables, pods, traffic, the
 *   explanations of the models not available, the logs);
 * - `verdicts`: only whether each expectation holds (`run --quiet`, JUnit).
 */
export type RunReads = "everything" | "story" | "verdicts";

export interface Keeping {
  /**
   * The engine's trace (calls' openings and endings, lifecycles, observations, log lines) and
   * its log of every line: what pods, traffic, the story and the run document read.
   */
  trace: boolean;
  /**
   * Without the trace: the log lines kept, by level (`all`, or only those levels; none when the
   * list is empty), for the log expectations and the timeline's log conditions. With the trace
   * every line is kept, as the engine keeps a line once, in both.
   */
  logLevels: "all" | readonly string[];
  /** Every placement decision with the snapshot it was made on (explanations, `expect.rejections`). */
  decisions: boolean;
}

export const KEEP_EVERYTHING: Keeping = { trace: true, logLevels: "all", decisions: true };

/**
 * What a run of `scenario` keeps when its caller reads `reads`. Properties read the whole trace
 * (and compare whole runs), so a run with any keeps everything.
 */
export function keepingFor(scenario: Scenario, reads: RunReads, hasProperties: boolean): Keeping {
  if (reads !== "verdicts" || hasProperties) return KEEP_EVERYTHING;
  const e = scenario.expect;
  // Placement expectations read the decisions' observations, traffic ones the answers'.
  const trace = e.placements.length > 0 || e.traffic.length > 0;
  if (trace) return { trace, logLevels: "all", decisions: e.rejections.length > 0 };
  const waitsForLog = scenario.timeline.some((s) => s.kind === "wait" && s.condition.kind === "log");
  const anyLevel = waitsForLog || e.logs.some((l) => l.level === undefined);
  const logLevels = anyLevel ? "all" : [...new Set(e.logs.map((l) => l.level!))];
  return { trace, logLevels, decisions: e.rejections.length > 0 };
}
