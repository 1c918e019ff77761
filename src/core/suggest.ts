/** "Did you mean" suggestions for misspelt names. */

/** Levenshtein edit distance (insertions, deletions, substitutions), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[y.length] ?? 0;
}

/** The candidate at the least edit distance from `word` (the first of equals), and that distance. */
export function nearest(word: string, candidates: readonly string[]): { best: string; distance: number } | undefined {
  let best: string | undefined;
  let distance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < distance) {
      best = c;
      distance = d;
    }
  }
  return best === undefined ? undefined : { best, distance };
}

/** The closest candidate when it is close enough to be a plausible typo, else undefined. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const n = nearest(word, candidates);
  if (n === undefined) return undefined;
  const limit = Math.max(2, Math.floor(n.best.length / 3));
  return n.distance <= limit ? n.best : undefined;
}

/** ` (did you mean "x"?)` or "". */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const c = closest(word, candidates);
  return c === undefined ? "" : ` (did you mean "${c}"?)`;
}
