/**
 * An error caused by the user's input (a file, a flag, a snapshot), not by a bug.
 * The CLI prints its message alone, without a stack trace, and exits with status 2.
 * `where` names the file and the path inside it so the user can go straight to the mistake.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly where?: { file?: string; path?: string; line?: number; column?: number },
  ) {
    super(message);
    this.name = "UserError";
  }

  /** One line: `file:line:col: path: message`, leaving out what is unknown. */
  describe(): string {
    const w = this.where;
    if (!w) return this.message;
    let loc = w.file ?? "";
    if (w.file && w.line !== undefined) loc += `:${w.line}${w.column !== undefined ? `:${w.column}` : ""}`;
    const parts = [loc, w.path].filter((p) => p !== undefined && p !== "");
    return parts.length > 0 ? `${parts.join(": ")}: ${this.message}` : this.message;
  }
}
