/**
 * Column tables that fit a width: columns keep their natural width while the row fits; when it
 * does not, the widest columns give way and their cells wrap onto further lines, so every
 * column stays aligned whatever the content. Widths are measured as a terminal shows them
 * (wide characters, colour codes), not as string lengths.
 */
import stringWidth from "string-width";
import wrapAnsi from "wrap-ansi";

export interface TableOptions {
  /** Columns the table may use, indentation included. */
  width: number;
  /** Spaces between columns (kubectl uses 3). */
  gap?: number;
  indent?: number;
  /** Columns that never shrink (short labels such as READY). */
  fixed?: readonly number[];
}

/** A column is never narrowed below this, so a wrapped cell still reads as words. */
const MIN_COLUMN = 6;

export function renderTable(header: readonly string[] | null, rows: readonly (readonly string[])[], o: TableOptions): string[] {
  const indent = " ".repeat(o.indent ?? 0);
  const all = header ? [header, ...rows] : rows;
  const count = Math.max(0, ...all.map((r) => r.length));
  if (count === 0) return [];
  const natural = Array.from({ length: count }, (_, i) => Math.max(1, ...all.map((r) => stringWidth(r[i] ?? ""))));
  // A table that does not fit closes its gaps to two spaces before any cell wraps.
  const wanted = o.gap ?? 3;
  const fits = natural.reduce((a, b) => a + b, 0) + wanted * (count - 1) + indent.length <= o.width;
  const gap = fits ? wanted : Math.min(wanted, 2);
  const words = Array.from({ length: count }, (_, i) => Math.max(1, ...all.flatMap((r) => (r[i] ?? "").split(/\s+/).map((w) => stringWidth(w)))));
  const widths = fit(natural, words, Math.max(count, o.width - indent.length - gap * (count - 1)), new Set(o.fixed ?? []));
  const lines: string[] = [];
  for (const row of all) {
    const cells = widths.map((w, i) => wrapCell(row[i] ?? "", w));
    const height = Math.max(...cells.map((c) => c.length));
    for (let k = 0; k < height; k++) {
      const parts = cells.map((c, i) => pad(c[k] ?? "", i === count - 1 ? 0 : widths[i]!));
      lines.push((indent + parts.join(" ".repeat(gap))).trimEnd());
    }
  }
  return lines;
}

/**
 * Shrinks columns until the row fits: first down to their longest word (headers wrap at their
 * spaces, names stay whole), widest first; only when that is not enough, below it.
 */
function fit(natural: number[], words: number[], room: number, fixed: ReadonlySet<number>): number[] {
  const widths = [...natural];
  const shrink = (floorOf: (i: number) => number) => {
    let total = widths.reduce((a, b) => a + b, 0);
    while (total > room) {
      let widest = -1;
      for (let i = 0; i < widths.length; i++) {
        if (fixed.has(i) || widths[i]! <= floorOf(i)) continue;
        if (widest < 0 || widths[i]! - floorOf(widest) > widths[widest]! - floorOf(widest)) widest = i;
      }
      if (widest < 0) return;
      const w = widths[widest]!;
      const next = Math.max(floorOf(widest), ...widths.filter((x, i) => i !== widest && !fixed.has(i) && x < w));
      const target = Math.max(floorOf(widest), Math.min(w - 1, Math.max(next, w - (total - room))));
      total -= w - target;
      widths[widest] = target;
    }
  };
  shrink((i) => Math.min(natural[i]!, Math.max(MIN_COLUMN, words[i]!)));
  // Still too wide: break words, in the columns of long text (widest naturally) first, so
  // short names stay whole as long as anything else can give.
  let total = widths.reduce((a, b) => a + b, 0);
  const order = widths.map((_, i) => i).filter((i) => !fixed.has(i)).sort((a, b) => natural[b]! - natural[a]!);
  for (const i of order) {
    if (total <= room) break;
    const target = Math.max(Math.min(natural[i]!, MIN_COLUMN * 2), widths[i]! - (total - room));
    if (target >= widths[i]!) continue;
    total -= widths[i]! - target;
    widths[i] = target;
  }
  shrink((i) => Math.min(natural[i]!, MIN_COLUMN));
  return widths;
}

function wrapCell(text: string, width: number): string[] {
  if (stringWidth(text) <= width) return [text];
  return wrapAnsi(text, width, { hard: true, trim: true }).split("\n");
}

function pad(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - stringWidth(text)));
}

/** Wraps prose to a width, continuing lines under a hanging indent. */
export function wrapText(text: string, width: number, indent = 0, hanging = indent): string[] {
  const first = " ".repeat(indent);
  const rest = " ".repeat(hanging);
  const lines = wrapAnsi(text, Math.max(10, width - hanging), { hard: true, trim: true }).split("\n");
  return lines.map((l, i) => (i === 0 ? first : rest) + l);
}

/** Parses a whitespace-aligned table (kubectl's) back into cells, by its header's column starts. */
export function splitAligned(text: string): { header: string[]; rows: string[][] } | null {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  if (lines.length === 0) return null;
  const head = lines[0]!;
  const starts: number[] = [];
  const re = /\S+(?: \S+)*/g;
  for (let m = re.exec(head); m; m = re.exec(head)) starts.push(m.index);
  const cut = (l: string) => starts.map((s, i) => l.slice(s, starts[i + 1] ?? undefined).trim());
  return { header: cut(head), rows: lines.slice(1).map(cut) };
}
