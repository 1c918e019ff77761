/** The few statistics the benchmarks report beyond what tinybench measures, and its timing of one task. */
import { Bench } from "tinybench";

export interface Timing {
  medianUs: number;
  p99Us: number;
  samples: number;
}

/**
 * Times `fn` with tinybench for `timeMs` (at least `minSamples` runs, after a short warm-up);
 * `beforeEach` and `afterEach` run around every sample, outside its time. `what` names the
 * benchmark in the error when tinybench does not complete.
 */
export async function timeTask(
  what: string,
  timeMs: number,
  minSamples: number,
  fn: () => void,
  hooks: { beforeEach?: () => void; afterEach?: () => void } = {},
): Promise<Timing> {
  const bench = new Bench({ time: timeMs, iterations: minSamples, warmupTime: Math.min(100, timeMs / 2), warmupIterations: 2 });
  bench.add(what, fn, hooks);
  await bench.run();
  const r = bench.tasks[0]!.result;
  if (r.state !== "completed") throw new Error(`${what}: ${r.state}`);
  return { medianUs: r.latency.p50 * 1000, p99Us: r.latency.p99 * 1000, samples: r.latency.samplesCount };
}

/**
 * The exponent k of the power law y ≈ c·x^k fitted by least squares on log-log axes: 1 means
 * cost grows linearly with size, 2 quadratically. NaN with fewer than two usable points.
 */
export function growthExponent(points: readonly { x: number; y: number }[]): number {
  const usable = points.filter((p) => p.x > 0 && p.y > 0);
  if (usable.length < 2) return Number.NaN;
  const xs = usable.map((p) => Math.log(p.x));
  const ys = usable.map((p) => Math.log(p.y));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
