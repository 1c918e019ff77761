/** Go string functions whose behaviour Seldon relies on and JavaScript's differ from. */
/** Unicode White_Space as Go's `unicode.IsSpace` sees it (U+0085 included, U+FEFF not, unlike JS `trim`). */
const GO_SPACE_RUN = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

/** Go's `strings.TrimSpace`, as Seldon trims requirements and capabilities. */
export function goTrimSpace(s: string): string {
  return s.replace(GO_SPACE_RUN, "");
}
