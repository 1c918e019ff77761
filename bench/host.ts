/**
 * How much of the machine a benchmark run had. On a shared virtual machine the hypervisor can
 * give a vCPU's time to other guests ("steal"); the guest's clocks keep running, so wall times,
 * and CPU times too where the host charges the stolen time to the running process, come out
 * longer for the same work. The share stolen during a run is recorded with its figures, so that
 * a slow result can be told from a slow host.
 */
import { readFileSync } from "node:fs";

/** Cumulative CPU time of all CPUs, in the kernel's clock ticks. */
export interface CpuTimes {
  total: number;
  steal: number;
}

/**
 * The `cpu` line of `/proc/stat` (`user nice system idle iowait irq softirq steal guest
 * guest_nice`): `guest` and `guest_nice` are already counted in `user` and `nice`, so the total
 * is the first eight. Null when the line is missing or a field is not a number.
 */
export function parseProcStat(text: string): CpuTimes | null {
  const line = text.split("\n").find((l) => /^cpu\s/.test(l));
  if (line === undefined) return null;
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (fields.length < 8 || fields.some((v) => !Number.isFinite(v))) return null;
  return { total: fields.reduce((a, b) => a + b, 0), steal: fields[7]! };
}

/** This machine's CPU times now, or null where there is no `/proc/stat` (not Linux). */
export function readCpuTimes(): CpuTimes | null {
  try {
    return parseProcStat(readFileSync("/proc/stat", "utf8"));
  } catch {
    return null;
  }
}

/** The percentage of all CPU time between `from` and `to` that was stolen; null if unknown. */
export function stealPercent(from: CpuTimes | null, to: CpuTimes | null): number | null {
  if (from === null || to === null) return null;
  const total = to.total - from.total;
  return total > 0 ? (100 * (to.steal - from.steal)) / total : null;
}
