/** How Go's fmt prints the few value kinds that appear in Seldon's filter descriptions. */

/** `%v` of a `[]string`: elements separated by one space inside brackets, unquoted; nil prints `[]`. */
export function goStringSlice(items: readonly string[]): string {
  return `[${items.join(" ")}]`;
}

/** `%v` / `%t` of a bool. */
export function goBool(b: boolean): string {
  return b ? "true" : "false";
}

/** `%d` of an integer (number or bigint). */
export function goInt(n: number | bigint): string {
  return typeof n === "bigint" ? n.toString(10) : Math.trunc(n).toString(10);
}
