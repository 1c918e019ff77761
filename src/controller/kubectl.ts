/**
 * What `kubectl get` prints for a table: the API server turns each object into cells using the
 * CRD's additionalPrinterColumns (a JSONPath that finds nothing gives an empty cell), and kubectl
 * aligns them with a tab writer (minimum cell width 6, padding 3, spaces; the last column is not
 * padded). Ages are Kubernetes' `duration.HumanDuration`.
 */
import type { Millis } from "../core/protocol.ts";

/** Cells of one row; `null` is a cell the JSONPath did not find (printed empty). */
export type Cell = string | number | null;

const MIN_WIDTH = 6;
const PADDING = 3;

const width = (s: string): number => [...s].length;

/** Aligns rows as kubectl's tab writer does. Every line ends with a newline. */
export function tabulate(rows: Cell[][]): string {
  const text = rows.map((r) => r.map((c) => (c === null ? "" : String(c))));
  const cols = Math.max(0, ...text.map((r) => r.length));
  const widths: number[] = [];
  for (let j = 0; j < cols - 1; j++) {
    let w = MIN_WIDTH;
    for (const r of text) {
      const c = r[j];
      if (c !== undefined && j < r.length - 1) w = Math.max(w, width(c) + PADDING);
    }
    widths.push(w);
  }
  return text
    .map((r) => r.map((c, j) => (j < r.length - 1 ? c + " ".repeat((widths[j] ?? 0) - width(c)) : c)).join("") + "\n")
    .join("");
}

/** `duration.HumanDuration` of k8s.io/apimachinery: about two significant figures. */
export function humanDuration(ms: Millis): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    return dy === 0 ? `${Math.trunc(hours / 24 / 365)}y` : `${Math.trunc(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/**
 * A `kubectl get <resource> [-n namespace | -A]` listing: header in capitals, one row per object
 * (callers pass them in the API server's order: namespace, then name), a NAMESPACE column first
 * for all namespaces, and kubectl's message when there is nothing to show.
 */
export function kubectlTable(headers: string[], rows: { namespace: string; cells: Cell[] }[], namespace: string | undefined): string {
  if (rows.length === 0) return namespace === undefined ? "No resources found\n" : `No resources found in ${namespace} namespace.\n`;
  const all = namespace === undefined;
  const head = (all ? ["NAMESPACE", ...headers] : headers).map((h) => h.toUpperCase());
  return tabulate([head, ...rows.map((r) => (all ? [r.namespace, ...r.cells] : r.cells))]);
}
