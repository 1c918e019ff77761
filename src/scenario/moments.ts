/**
 * Judging state expectations at other moments than the end of the run: at a run time, over an
 * interval, or never. A probe looks at the live cluster and lists what differs from the expected
 * state (nothing: the state holds). The runner stops the clock at every checkpoint (`at`, the
 * start of an interval) and calls `step` after every input handled, so a state is judged as it
 * was at that moment, not as it is at the end.
 */
import type { Moment } from "./types.ts";

export interface Probe {
  when: Moment;
  /** What differs from the expected state now; empty when it holds. */
  differences(): string[];
}

/** The verdict of a timed expectation: null while it holds (or is still open), else why not. */
interface Verdict {
  probe: Probe;
  /** Whether its moment has been reached and judged (for `at`), or entered (for `during`). */
  reached: boolean;
  failure: string | null;
}

export class MomentJudge {
  private readonly verdicts: Verdict[];
  /** Probes judged after every input: intervals once entered, `never` always. */
  private readonly continuous: Verdict[];

  constructor(probes: readonly Probe[]) {
    this.verdicts = probes.filter((p) => p.when.kind !== "end").map((probe) => ({ probe, reached: false, failure: null }));
    this.continuous = this.verdicts.filter((v) => v.probe.when.kind === "during" || v.probe.when.kind === "never");
  }

  get watchesSteps(): boolean {
    return this.continuous.length > 0;
  }

  /** Checkpoint times after `now` and up to `until`, in order. */
  checkpointsIn(now: number, until: number): number[] {
    const times = new Set<number>();
    for (const v of this.verdicts) {
      const w = v.probe.when;
      const t = w.kind === "at" ? w.ms : w.kind === "during" ? w.fromMs : null;
      if (t !== null && t > now && t <= until) times.add(t);
    }
    return [...times].sort((a, b) => a - b);
  }

  /** The clock stands at `now` with every input up to it handled. */
  checkpoint(now: number): void {
    for (const v of this.verdicts) {
      const w = v.probe.when;
      if (w.kind === "at" && !v.reached && w.ms <= now) {
        v.reached = true;
        const d = v.probe.differences();
        if (d.length > 0) v.failure = `at t=${now}ms: ${d.join("; ")}`;
      }
    }
    this.step(now);
  }

  /** After an input handled at `now`. */
  step(now: number): void {
    for (const v of this.continuous) {
      if (v.failure !== null) continue;
      const w = v.probe.when;
      if (w.kind === "never") {
        if (v.probe.differences().length === 0) v.failure = `it held at t=${now}ms`;
      } else if (w.kind === "during" && now >= w.fromMs && now <= w.toMs) {
        v.reached = true;
        const d = v.probe.differences();
        if (d.length > 0) v.failure = `at t=${now}ms: ${d.join("; ")}`;
      }
    }
  }

  /** The final verdict of a timed probe, once the run is over at `endMs`: null when it held. */
  verdict(probe: Probe, endMs: number): string | null {
    const v = this.verdicts.find((x) => x.probe === probe);
    if (!v) return null;
    if (v.failure !== null) return v.failure;
    const w = probe.when;
    if (w.kind === "at" && !v.reached) return `the run ended at t=${endMs}ms, before t=${w.ms}ms`;
    if (w.kind === "during" && endMs < w.toMs) return `the run ended at t=${endMs}ms, before the interval ended at t=${w.toMs}ms`;
    return null;
  }
}

/** How a moment reads in an expectation's description. */
export function describeMoment(w: Moment): string {
  switch (w.kind) {
    case "end": return "";
    case "at": return ` at t=${w.ms}ms`;
    case "during": return ` throughout t=${w.fromMs}ms..${w.toMs}ms`;
    case "never": return ", never";
  }
}
