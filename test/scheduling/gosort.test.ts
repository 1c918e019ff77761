import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { goStableSorted } from "../../src/scheduling/index.ts";

/** A comparator shaped like ModelAlreadyLoadedOnServerSorter's: it looks at its first argument only. */
const firstArgOnly = (marked: ReadonlySet<number>) => (a: number, _b: number) => marked.has(a);

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("goStableSorted (Go's sort.SliceStable)", () => {
  it("behaves as a stable sort for a strict weak order", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 120 }), (keys) => {
        const ids = keys.map((_, i) => i);
        const got = goStableSorted(ids, (a, b) => (keys[a] ?? 0) < (keys[b] ?? 0));
        const expected = ids.slice().sort((a, b) => (keys[a] ?? 0) - (keys[b] ?? 0));
        expect(got).toEqual(expected);
      }),
    );
  });

  it("does not modify its input", () => {
    const input = [3, 1, 2];
    expect(goStableSorted(input, (a, b) => a < b)).toEqual([1, 2, 3]);
    expect(input).toEqual([3, 1, 2]);
  });

  it("insertion sort only (n <= 20): marked elements bubble past each other, ending reversed", () => {
    // i=5 moves to the front; i=10 then moves past everything including 5.
    expect(goStableSorted(range(12), firstArgOnly(new Set([5, 10])))).toEqual([10, 5, 0, 1, 2, 3, 4, 6, 7, 8, 9, 11]);
  });

  it("n = 22 (hand-worked through insertion blocks of 20, symMerge and rotate)", () => {
    // Blocks: [5,0,1,2,3,4,6..19] and [21,20]. symMerge(0,20,22): mid=11, start=10, end=21,
    // rotate(10,20,21) puts 21 at 10, symMerge(0,10,11) moves it to the front,
    // symMerge(11,21,22) leaves 20 last.
    const expected = [21, 5, 0, 1, 2, 3, 4, ...range(20).slice(6), 20];
    expect(goStableSorted(range(22), firstArgOnly(new Set([5, 21])))).toEqual(expected);
    // A correct stable partition would keep 5 before 21; Go's algorithm does not.
    expect(expected.indexOf(21)).toBeLessThan(expected.indexOf(5));
  });

  // Vectors produced by running sort.SliceStable (Go 1.19, linux/amd64) with the same comparator.
  const goVectors: { marks: string; out: number[] }[] = [
    {
      marks: "0000000000100000000000010100100001000100000000",
      out: [37, 33, 28, 25, 23, 10, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 24, 26, 27, 29, 30, 31, 32, 34, 35, 36, 38, 39, 40, 41, 42, 43, 44, 45],
    },
    {
      marks: "00001000000101000000000000000100001000000000000000100",
      out: [50, 34, 29, 13, 11, 4, 0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 30, 31, 32, 33, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 51, 52],
    },
    {
      marks: "10001010001000001000000000100010001000011000100000100001",
      out: [55, 50, 44, 40, 39, 34, 30, 26, 16, 10, 6, 4, 0, 1, 2, 3, 5, 7, 8, 9, 11, 12, 13, 14, 15, 17, 18, 19, 20, 21, 22, 23, 24, 25, 27, 28, 29, 31, 32, 33, 35, 36, 37, 38, 41, 42, 43, 45, 46, 47, 48, 49, 51, 52, 53, 54],
    },
  ];
  it.each(goVectors.map((v, i) => [i, v] as const))("matches Go's output, vector %i", (_i, v) => {
    const marked = new Set([...v.marks].flatMap((c, i) => (c === "1" ? [i] : [])));
    expect(goStableSorted(range(v.marks.length), firstArgOnly(marked))).toEqual(v.out);
  });

  // An inconsistent comparator exercises every branch of the merge; outputs of Go 1.19's
  // sort.SliceStable (linux/amd64) with less(a, b) = (31a + 17b) mod 7 < 3 over ids 0..n-1.
  const formula = (a: number, b: number) => (a * 31 + b * 17) % 7 < 3;
  it.each([
    [22, [0, 2, 4, 1, 3, 5, 6, 7, 9, 20, 11, 8, 10, 12, 13, 14, 16, 18, 15, 21, 17, 19]],
    [24, [0, 2, 4, 1, 3, 5, 6, 7, 9, 11, 8, 10, 12, 13, 14, 16, 20, 18, 21, 23, 15, 17, 19, 22]],
    [45, [40, 0, 2, 41, 4, 1, 3, 20, 21, 23, 42, 5, 25, 44, 22, 43, 6, 24, 26, 27, 28, 30, 32, 29, 31, 7, 9, 11, 8, 10, 12, 13, 14, 16, 18, 33, 34, 35, 37, 39, 15, 17, 19, 36, 38]],
    [64, [40, 41, 42, 44, 46, 60, 43, 45, 61, 47, 0, 2, 48, 49, 51, 62, 4, 1, 3, 20, 21, 23, 5, 25, 22, 6, 24, 26, 27, 28, 30, 32, 29, 31, 7, 9, 11, 8, 10, 12, 13, 14, 16, 18, 33, 34, 35, 37, 39, 53, 15, 17, 50, 63, 52, 54, 55, 56, 58, 19, 36, 38, 57, 59]],
    [90, [0, 2, 4, 1, 3, 20, 21, 23, 5, 25, 22, 6, 24, 26, 27, 40, 28, 30, 41, 32, 29, 31, 7, 9, 11, 42, 44, 46, 8, 10, 43, 45, 47, 48, 49, 51, 53, 50, 52, 54, 55, 56, 58, 12, 60, 57, 61, 62, 13, 63, 65, 67, 64, 66, 68, 14, 16, 69, 18, 70, 33, 81, 34, 80, 82, 83, 84, 35, 37, 39, 72, 74, 86, 88, 15, 17, 19, 36, 38, 59, 71, 73, 75, 85, 76, 87, 89, 77, 79, 78]],
  ])("matches Go's output for an inconsistent comparator, n = %i", (n, expected) => {
    expect(goStableSorted(range(n), formula)).toEqual(expected);
  });

  it("counts comparisons like Go: an already sorted run of 20 costs 19 comparisons", () => {
    let calls = 0;
    goStableSorted(range(20), (a, b) => {
      calls++;
      return a < b;
    });
    expect(calls).toBe(19);
  });
});
