/**
 * The retry timing of the real agent, on the virtual clock.
 *
 * - `ExponentialBackOff`: the rules of github.com/cenkalti/backoff/v4 v4.3.0 — each wait is the
 *   current interval randomised by ±RandomizationFactor (uniform, from our seeded Rng instead of
 *   Go's global rand), the interval then grows by Multiplier up to MaxInterval, and the policy
 *   stops when the time since the last reset plus the next wait would pass MaxElapsedTime
 *   (0 = never). Durations are computed in integer nanoseconds as Go does, and returned in ms.
 * - `MaxCountBackOff`: the agent's wrapper that allows at most `maxCount` attempts (uint8 maths).
 * - `grpcRetryWaitMs`: go-grpc-middleware v1.4.0 BackoffExponential, the wait before attempt n.
 */
import type { Rng } from "../core/rng.ts";
import * as C from "./constants.ts";

export const STOP = -1;

const NS_PER_MS = 1_000_000;

export interface ExponentialBackOffOptions {
  initialIntervalMs?: number;
  randomizationFactor?: number;
  multiplier?: number;
  maxIntervalMs?: number;
  /** 0 = never stop. */
  maxElapsedMs?: number;
}

export class ExponentialBackOff {
  private readonly initialNs: number;
  private readonly randomizationFactor: number;
  private readonly multiplier: number;
  private readonly maxIntervalNs: number;
  private readonly maxElapsedNs: number;
  private currentNs: number;
  private startMs: number;

  constructor(
    private readonly rng: Rng,
    nowMs: number,
    opts: ExponentialBackOffOptions = {},
  ) {
    this.initialNs = (opts.initialIntervalMs ?? C.BACKOFF_DEFAULT_INITIAL_INTERVAL_MS) * NS_PER_MS;
    this.randomizationFactor = opts.randomizationFactor ?? C.BACKOFF_DEFAULT_RANDOMIZATION_FACTOR;
    this.multiplier = opts.multiplier ?? C.BACKOFF_DEFAULT_MULTIPLIER;
    this.maxIntervalNs = (opts.maxIntervalMs ?? C.BACKOFF_DEFAULT_MAX_INTERVAL_MS) * NS_PER_MS;
    this.maxElapsedNs = (opts.maxElapsedMs ?? C.BACKOFF_DEFAULT_MAX_ELAPSED_MS) * NS_PER_MS;
    this.currentNs = this.initialNs;
    this.startMs = nowMs;
  }

  /** Back to the initial interval; elapsed time counts from `nowMs`. RetryNotify does this first. */
  reset(nowMs: number): void {
    this.currentNs = this.initialNs;
    this.startMs = nowMs;
  }

  /** The next wait in ms (whole ms, rounded), or STOP. */
  next(nowMs: number): number {
    const elapsedNs = (nowMs - this.startMs) * NS_PER_MS;
    const waitNs = this.randomised(this.currentNs);
    this.grow();
    if (this.maxElapsedNs !== 0 && elapsedNs + waitNs > this.maxElapsedNs) return STOP;
    return Math.round(waitNs / NS_PER_MS);
  }

  private randomised(intervalNs: number): number {
    if (this.randomizationFactor === 0) return intervalNs;
    const delta = this.randomizationFactor * intervalNs;
    const lo = intervalNs - delta;
    const hi = intervalNs + delta;
    // Uniform over [lo, hi], truncated to whole nanoseconds like time.Duration(float64).
    return Math.trunc(lo + this.rng.next() * (hi - lo + 1));
  }

  private grow(): void {
    if (this.currentNs >= this.maxIntervalNs / this.multiplier) this.currentNs = this.maxIntervalNs;
    else this.currentNs = Math.trunc(this.currentNs * this.multiplier);
  }
}

/** At most `maxCount` attempts in all (the count is a Go uint8: 0 allows 255). */
export class MaxCountBackOff {
  private count = 0;
  constructor(
    private readonly maxCount: number,
    private readonly inner: ExponentialBackOff,
  ) {}

  next(nowMs: number): number {
    const limit = (this.maxCount - 1) & 0xff;
    if (this.count >= limit) return STOP;
    this.count = (this.count + 1) & 0xff;
    return this.inner.next(nowMs);
  }
}

/** Wait before interceptor attempt `attempt` (0-based; attempt 0 does not wait). */
export function grpcRetryWaitMs(attempt: number): number {
  if (attempt === 0) return 0;
  return C.GRPC_RETRY_BACKOFF_MS * 2 ** (attempt - 1);
}
