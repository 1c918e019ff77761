/**
 * What the output is drawn for: how many columns fit and whether colour is wanted. Colour only
 * on a TTY and never with NO_COLOR set (https://no-color.org); 80 columns when not a TTY, so
 * piped or captured output reads the same on any machine.
 */
import pc from "picocolors";

export interface Terminal {
  readonly columns: number;
  readonly color: boolean;
}

export const PLAIN: Terminal = { columns: 80, color: false };

/** Narrower than this and tables cannot keep one cell per column readable. */
const MIN_COLUMNS = 40;

export function terminalOf(stream: { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv): Terminal {
  const tty = stream.isTTY === true;
  const fromEnv = Number(env["COLUMNS"]);
  const columns = tty && stream.columns ? stream.columns : Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 80;
  const noColor = env["NO_COLOR"] !== undefined && env["NO_COLOR"] !== "";
  return { columns: Math.max(MIN_COLUMNS, columns), color: tty && !noColor && env["TERM"] !== "dumb" };
}

/** Colour helpers that do nothing when the terminal wants plain text. */
export function paint(t: Terminal) {
  const c = pc.createColors(t.color);
  return {
    pass: (s: string) => c.green(s),
    fail: (s: string) => c.red(c.bold(s)),
    warn: (s: string) => c.yellow(s),
    dim: (s: string) => c.dim(s),
    bold: (s: string) => c.bold(s),
    heading: (s: string) => c.bold(c.cyan(s)),
  };
}
export type Paint = ReturnType<typeof paint>;
