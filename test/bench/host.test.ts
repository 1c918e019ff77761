import { describe, expect, it } from "vitest";
import { parseProcStat, stealPercent } from "../../bench/host.ts";

const stat = (steal: number, idle: number) =>
  `cpu  400000 278 30000 ${idle} 1400 0 2900 ${steal} 50 0\ncpu0 200000 139 15000 1 700 0 1450 1 0 0\nintr 1 2 3\n`;

describe("the host's stolen CPU time (bench/host.ts)", () => {
  it("reads the first eight times of /proc/stat's cpu line, guest time being counted in user time already", () => {
    expect(parseProcStat(stat(28000, 8000000))).toEqual({ total: 400000 + 278 + 30000 + 8000000 + 1400 + 0 + 2900 + 28000, steal: 28000 });
  });

  it("is the stolen share of all CPU time between two readings", () => {
    const a = parseProcStat(stat(1000, 10000));
    // 300 ticks of idle and 100 stolen between the readings
    const b = parseProcStat(stat(1100, 10300));
    expect(stealPercent(a, b)).toBeCloseTo(25, 10);
  });

  it("is unknown without a reading, or a cpu line, or time passing", () => {
    expect(parseProcStat("intr 1 2 3\n")).toBeNull();
    expect(parseProcStat("cpu  1 2 3\n")).toBeNull();
    expect(parseProcStat("cpu  1 2 x 4 5 6 7 8 9 10\n")).toBeNull();
    const a = parseProcStat(stat(1000, 10000));
    expect(stealPercent(a, null)).toBeNull();
    expect(stealPercent(null, a)).toBeNull();
    expect(stealPercent(a, a)).toBeNull();
  });
});
