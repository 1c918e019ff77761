/**
 * A TypeScript rendition of the stable sort in Go's standard library (`sort.SliceStable`,
 * BSD-licensed): insertion sort on runs of 20 elements, then repeated in-place merging
 * of neighbouring runs with the SymMerge algorithm (Kim & Kutzner, 2004) and block
 * rotation. It is reproduced step by step, comparisons included, because the outcome
 * for a comparator that is not a strict weak order depends on exactly which pairs are
 * compared and in which direction.
 *
 * `less(x, y)` receives the elements themselves (Go's callback receives the indices of
 * the current slice; we look them up the same way).
 */
export function goStableSort<T>(items: T[], less: (x: T, y: T) => boolean): void {
  const s = new GoSortState(items, less);
  s.stable(items.length);
}

/**
 * Whether Go's stable sort would leave `items` as they are: no element is less than the one
 * before it. That settles it for a comparator that is a strict weak order (then no element is
 * less than any earlier one) and for one that looks only at its first argument (then every
 * element but the first was asked about): Go's stable sort only ever asks whether a later
 * element is less than an earlier one, and moves nothing while the answer is no. Every
 * sorter Seldon ships is one of the two. Most decisions find the list already in order
 * (no current server, replicas in index order), so this saves the sort's n·log n comparisons.
 */
function inGoStableOrder<T>(items: readonly T[], less: (x: T, y: T) => boolean): boolean {
  for (let i = 1; i < items.length; i++) if (less(items[i]!, items[i - 1]!)) return false;
  return true;
}

/**
 * `goStableSort`, skipping it when it would move nothing (see `inGoStableOrder`): only for
 * comparators that are strict weak orders or look only at their first argument.
 */
export function goStableSortUnlessOrdered<T>(items: T[], less: (x: T, y: T) => boolean): void {
  if (!inGoStableOrder(items, less)) goStableSort(items, less);
}

/** Sorted copy of `items`, leaving the input alone. */
export function goStableSorted<T>(items: readonly T[], less: (x: T, y: T) => boolean): T[] {
  const copy = items.slice();
  goStableSort(copy, less);
  return copy;
}

const RUN = 20;

class GoSortState<T> {
  constructor(
    private readonly a: T[],
    private readonly lessFn: (x: T, y: T) => boolean,
  ) {}

  private less(i: number, j: number): boolean {
    return this.lessFn(this.a[i] as T, this.a[j] as T);
  }

  private swap(i: number, j: number): void {
    const t = this.a[i] as T;
    this.a[i] = this.a[j] as T;
    this.a[j] = t;
  }

  stable(n: number): void {
    let size = RUN;
    let lo = 0;
    let hi = size;
    while (hi <= n) {
      this.insertion(lo, hi);
      lo = hi;
      hi += size;
    }
    this.insertion(lo, n);

    while (size < n) {
      lo = 0;
      hi = 2 * size;
      while (hi <= n) {
        this.symMerge(lo, lo + size, hi);
        lo = hi;
        hi += 2 * size;
      }
      const m = lo + size;
      if (m < n) this.symMerge(lo, m, n);
      size *= 2;
    }
  }

  /** Sorts [from, to) by moving each element left while it is less than its neighbour. */
  private insertion(from: number, to: number): void {
    for (let i = from + 1; i < to; i++) {
      for (let j = i; j > from && this.less(j, j - 1); j--) this.swap(j, j - 1);
    }
  }

  /** Merges the sorted ranges [a, m) and [m, b); requires a < m < b. */
  private symMerge(a: number, m: number, b: number): void {
    if (m - a === 1) {
      // A single element on the left: binary-search its place in [m, b) and shift it there.
      let i = m;
      let j = b;
      while (i < j) {
        const h = (i + j) >>> 1;
        if (this.less(h, a)) i = h + 1;
        else j = h;
      }
      for (let k = a; k < i - 1; k++) this.swap(k, k + 1);
      return;
    }
    if (b - m === 1) {
      // A single element on the right: binary-search its place in [a, m) and shift it there.
      let i = a;
      let j = m;
      while (i < j) {
        const h = (i + j) >>> 1;
        if (!this.less(m, h)) i = h + 1;
        else j = h;
      }
      for (let k = m; k > i; k--) this.swap(k, k - 1);
      return;
    }

    const mid = (a + b) >>> 1;
    const n = mid + m;
    let start: number;
    let r: number;
    if (m > mid) {
      start = n - b;
      r = mid;
    } else {
      start = a;
      r = m;
    }
    const p = n - 1;
    while (start < r) {
      const c = (start + r) >>> 1;
      if (!this.less(p - c, c)) start = c + 1;
      else r = c;
    }
    const end = n - start;
    if (start < m && m < end) this.rotate(start, m, end);
    if (a < start && start < mid) this.symMerge(a, start, mid);
    if (mid < end && end < b) this.symMerge(mid, end, b);
  }

  /** Exchanges the neighbouring blocks [a, m) and [m, b) with block swaps; requires a < m < b. */
  private rotate(a: number, m: number, b: number): void {
    let i = m - a;
    let j = b - m;
    while (i !== j) {
      if (i > j) {
        this.swapRange(m - i, m, j);
        i -= j;
      } else {
        this.swapRange(m - i, m + j - i, i);
        j -= i;
      }
    }
    this.swapRange(m - i, m, i);
  }

  private swapRange(x: number, y: number, count: number): void {
    for (let k = 0; k < count; k++) this.swap(x + k, y + k);
  }
}
