/**
 * The agent's per-model data-plane statistics and the periodic analysis that turns them into
 * scaling events, as v2.9.0's `modelscaling` package keeps them:
 *
 * - lag: requests in flight through a reverse proxy (incremented when one starts, decremented,
 *   never below 0, when it ends). Enabling a model for autoscaling also increments it, so an
 *   enabled model starts with a lag of 1.
 * - last used: the whole second of the latest request (or of enabling the model).
 *
 * Every period the analyser reports, for models enabled for autoscaling only, SCALE_UP for each
 * lag at or above the lag threshold (and resets that lag to 0), then SCALE_DOWN for each model
 * last used at least the inactivity threshold ago (not reset, so it repeats every period while
 * the model stays idle). Statistics are kept for every model that sees traffic, enabled or not.
 *
 * Pure: the caller passes the time. Go iterates a map for the lags and pops a heap for last-used
 * times; here both come out in a fixed order (by name; by time, then name).
 */

export type ScalingEventType = "SCALE_UP" | "SCALE_DOWN";

export interface ScalingEvent {
  type: ScalingEventType;
  /** `<model>_<version>`. */
  model: string;
  /** The lag, or the last-used second. */
  value: number;
}

/** Seldon's numbering of the event types in its log lines (`ScaleUpEvent` = 0). */
export const SCALING_EVENT_NUMBER: Record<ScalingEventType, number> = { SCALE_UP: 0, SCALE_DOWN: 1 };

export interface ScalingThresholds {
  lag: number;
  inactiveSeconds: number;
}

const seconds = (nowMs: number): number => Math.floor(nowMs / 1000);

export class ModelScalingStats {
  private readonly lags = new Map<string, number>();
  private readonly lastUsed = new Map<string, number>();
  private readonly enabled = new Set<string>();

  constructor(private readonly thresholds: ScalingThresholds) {}

  /** A request for `model` reached a proxy. */
  requestStarted(model: string, nowMs: number): void {
    this.lags.set(model, (this.lags.get(model) ?? 0) + 1);
    this.lastUsed.set(model, seconds(nowMs));
  }

  /** A request for `model` is over (answered or failed). */
  requestEnded(model: string): void {
    const lag = this.lags.get(model) ?? 0;
    this.lags.set(model, lag > 0 ? lag - 1 : 0);
  }

  /** LoadModel with `autoscalingEnabled`: report this model from now on. */
  enable(model: string, nowMs: number): void {
    this.enabled.add(model);
    this.requestStarted(model, nowMs);
  }

  /**
   * The model was unloaded: forget it. Undefined, or the error Seldon's last-used heap gives for
   * a model it never saw (the agent logs it as a warning).
   */
  remove(model: string): string | undefined {
    this.enabled.delete(model);
    this.lags.delete(model);
    if (!this.lastUsed.delete(model)) return `could not find item ${model}`;
    return undefined;
  }

  isEnabled(model: string): boolean {
    return this.enabled.has(model);
  }

  lag(model: string): number | undefined {
    return this.lags.get(model);
  }

  lastUsedSecond(model: string): number | undefined {
    return this.lastUsed.get(model);
  }

  /** One period's events: scale-ups first (lags reset), then scale-downs. */
  analyse(nowMs: number): ScalingEvent[] {
    const out: ScalingEvent[] = [];
    for (const model of [...this.lags.keys()].sort()) {
      const lag = this.lags.get(model)!;
      if (lag < this.thresholds.lag) continue;
      this.lags.set(model, 0);
      if (this.enabled.has(model)) out.push({ type: "SCALE_UP", model, value: lag });
    }
    const cutOff = seconds(nowMs) - this.thresholds.inactiveSeconds;
    const cold = [...this.lastUsed.entries()]
      .filter(([, ts]) => ts <= cutOff)
      .sort(([a, x], [b, y]) => x - y || (a < b ? -1 : a > b ? 1 : 0));
    for (const [model, ts] of cold) if (this.enabled.has(model)) out.push({ type: "SCALE_DOWN", model, value: ts });
    return out;
  }
}
