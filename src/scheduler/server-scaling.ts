/**
 * Seldon's native server autoscaling: when a model event or a placement says so, whether a
 * server should run more or fewer replicas, from the two statistics its store keeps.
 */
import type { Rng } from "../core/rng.ts";

export interface ServerStats {
  /** Replicas with no model version loaded or loading. */
  numEmptyReplicas: number;
  /** The most replicas any model whose latest version is on the server asks for. */
  maxNumReplicaHostedModels: number;
}

export interface ScalingView {
  expectedReplicas: number;
  minReplicas: number;
  maxReplicas: number;
  stats: ServerStats;
}

const u32 = (n: number): number => n >>> 0;

/** Scale up to what the biggest model asks for, bounded by the server's max replicas. */
export function shouldScaleUp(s: ScalingView): { scale: boolean; replicas: number } {
  if (s.expectedReplicas < 0 || s.maxReplicas < 1) return { scale: false, replicas: 0 };
  const want = s.stats.maxNumReplicaHostedModels;
  return { scale: want > u32(s.expectedReplicas), replicas: Math.min(want, u32(s.maxReplicas)) };
}

/**
 * Scale down by the empty replicas (never below min replicas, or 1), and with probability
 * `packThreshold` also pack down to what the biggest model needs. Arithmetic is Go's uint32.
 */
export function shouldScaleDown(s: ScalingView, packThreshold: number, rng: Rng | null): { scale: boolean; replicas: number } {
  const current = u32(s.expectedReplicas);
  const min = s.minReplicas === 0 ? 1 : u32(s.minReplicas);
  const { numEmptyReplicas: empty, maxNumReplicaHostedModels: maxHosted } = s.stats;
  let tryPack = false;
  // Seldon draws on every call, packing or not; with a threshold of 0 the draw cannot matter
  const draw = packThreshold > 0 && rng ? rng.next() : 0;
  if (packThreshold > 0 && draw > 1 - packThreshold && maxHosted < current) tryPack = true;
  let target = Math.max(min, u32(current - empty));
  if (tryPack) {
    const toRemove = u32(current - maxHosted);
    const remaining = u32(current - toRemove);
    if (toRemove > empty && remaining > 0) target = Math.max(min, remaining);
  }
  return { scale: (tryPack || empty > 0) && s.expectedReplicas > 1, replicas: target };
}
