/**
 * What a scenario run keeps while it runs, decided before it starts from what will read it: the
 * caller's outputs (`RunOptions.reads`), the scenario's expectations and its properties. A run of
 * 10,000 Models logs half a million lines and makes tens of thousands of placement decisions;
 * keeping what nothing reads costs memory and, with every major collection walking it, time.
 */
import type { TraceEvent } from "../runtime/engine.ts";
import type { Scenario } from "./types.ts";

/** The log lines a printed story shows (`run --logs`). */
export type StoryLogs = "all" | "warnings" | "none";

/**
 * What the caller will read of a run's result:
 * - `everything`: all of it (the run document, the control API, a library caller; the default);
 * - `{story}`: what `run` prints for people: expectations, the kubectl tables, pods, traffic, the
 *   explanations of the models not available, and the log lines of `--logs`;
 * - `verdicts`: only whether each expectation holds (`run --quiet`, JUnit).
 */
export type RunReads = "everything" | "verdicts" | { story: StoryLogs };

export interface Keeping {
  /**
   * The trace's events besides log lines: `all`; `read`, only those a result's pods, traffic and
   * placement expectations read (lifecycles, inference answers, the decisions' observations
   * when `expect.placements` reads them); or `none` (the trace is then empty).
   */
  events: "all" | "read" | "none";
  /** The log lines kept (in `logs` and, with events, in the trace): `all`, or only those levels. */
  logLevels: "all" | readonly string[];
  /** Every placement decision with the snapshot it was made on (explanations, `expect.rejections`). */
  decisions: boolean;
}

export const KEEP_EVERYTHING: Keeping = { events: "all", logLevels: "all", decisions: true };

/** Levels the story reads: `--logs warnings` shows warnings and errors, and every story names an
 * agent's last error when its server has no replica connected. */
const STORY_LEVELS: Record<Exclude<StoryLogs, "all">, readonly string[]> = {
  warnings: ["warning", "error", "fatal"],
  none: ["error", "fatal"],
};

/**
 * What a run of `scenario` keeps when its caller reads `reads`. Properties read the whole trace
 * (and compare whole runs), so a run with any keeps everything.
 */
export function keepingFor(scenario: Scenario, reads: RunReads, hasProperties: boolean): Keeping {
  if (reads === "everything" || hasProperties) return KEEP_EVERYTHING;
  const e = scenario.expect;
  const story = typeof reads === "object" ? reads.story : null;
  // The lines expectations and log conditions read: only the levels they name, if each names one.
  const waitsForLog = scenario.timeline.some((s) => s.kind === "wait" && s.condition.kind === "log");
  let levels: "all" | string[] = waitsForLog || e.logs.some((l) => l.level === undefined) ? "all" : e.logs.map((l) => l.level!);
  if (story !== null && levels !== "all") levels = story === "all" ? "all" : [...STORY_LEVELS[story], ...levels];
  const events = story !== null || e.placements.length > 0 || e.traffic.length > 0 ? "read" : "none";
  return { events, logLevels: levels === "all" ? "all" : [...new Set(levels)], decisions: story !== null || e.rejections.length > 0 };
}

/** Whether a kept run keeps `ev` (a log line by its level, another event by what reads it). */
export function keeps(kept: Keeping, placements: boolean): (ev: TraceEvent) => boolean {
  const levels = kept.logLevels === "all" ? null : new Set(kept.logLevels);
  return (ev) => {
    if (ev.type === "log") return levels === null || levels.has(ev.level);
    if (kept.events !== "read") return kept.events === "all";
    if (ev.type === "lifecycle") return true;
    if (ev.type !== "observe") return false;
    return ev.event.type === "traffic.response" || (placements && ev.event.type === "scheduler.decision");
  };
}
