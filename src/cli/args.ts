/** Flag parsing for the commands: node's parseArgs, with mistakes turned into UserErrors. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "../core/errors.ts";
import { didYouMean } from "../core/suggest.ts";

type FlagOptions = NonNullable<ParseArgsConfig["options"]>;
/** Named so the declaration files can spell it. */
export type ParsedFlags<T extends FlagOptions> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: boolean; strict: true }>>;

export function parseFlags<T extends FlagOptions>(
  command: string,
  argv: string[],
  options: T,
  allowPositionals = false,
): ParsedFlags<T> {
  try {
    return parseArgs({ args: joinNegativeValues(argv, options), allowPositionals, options, strict: true });
  } catch (e) {
    // parseArgs' messages run over several lines; the first says what is wrong.
    const first = (e as Error).message.split("\n")[0]!.replace(/\. To specify a positional.*$/s, "");
    // A mistyped flag gets the nearest real one, as kubectl and git suggest.
    const unknown = /^Unknown option '(--[^']+)'/.exec(first);
    const hint = unknown ? didYouMean(unknown[1]!, Object.keys(options).map((o) => `--${o}`)) : "";
    throw new UserError(`${command}: ${first}${hint}`);
  }
}

/**
 * `--seed -1`: a value that looks like a negative number is the option's value, as the user
 * meant, so the option's own check can say what it expects (parseArgs would call it ambiguous).
 */
function joinNegativeValues(argv: string[], options: NonNullable<ParseArgsConfig["options"]>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    const name = a.startsWith("--") && !a.includes("=") ? a.slice(2) : null;
    if (name !== null && options[name]?.type === "string" && next !== undefined && /^-[0-9.]/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

export function intFlag(command: string, name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UserError(`${command}: --${name} expects a whole number >= ${min}, got "${value}"`);
  return n;
}

/** Import a user's module (properties registering themselves, an `arbitrary`), relative to `cwd`. */
export async function loadPlugin(command: string, cwd: string, file: string): Promise<Record<string, unknown>> {
  const { pathToFileURL } = await import("node:url");
  const { resolve } = await import("node:path");
  try {
    // The CLI runs compiled JavaScript; a plugin written in TypeScript needs tsx's loader first.
    if (/\.[cm]?tsx?$/.test(file)) (await import("tsx/esm/api")).register();
    return (await import(pathToFileURL(resolve(cwd, file)).href)) as Record<string, unknown>;
  } catch (e) {
    throw new UserError(`${command}: cannot load plugin: ${(e as Error).message}`, { file });
  }
}

/**
 * A report file named by a flag can be written: checked before a long run, so a typo does not
 * cost the run (a folder, a missing folder, no permission).
 */
export function checkWritable(command: string, flag: string, file: string): void {
  let st: fs.Stats | null = null;
  try {
    st = fs.statSync(file);
  } catch {
    // does not exist yet: its folder must
  }
  if (st?.isDirectory()) throw new UserError(`${command}: --${flag} ${file}: is a folder, expected a file to write`);
  const dir = path.dirname(file);
  try {
    fs.accessSync(st ? file : dir, fs.constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`${command}: --${flag} ${file}: ${code === "ENOENT" ? `no such folder ${dir}` : "not writable"}`);
  }
}

/** Write a report named by a flag; a failure is the user's to fix, said in one line. */
export function writeReport(command: string, flag: string, io: { writeFile(p: string, c: string): void }, file: string, content: string): void {
  try {
    io.writeFile(file, content);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "EISDIR" ? "is a folder, expected a file to write" : code === "ENOENT" ? "no such folder" : code === "EACCES" || code === "EPERM" || code === "EROFS" ? "not writable" : (e as Error).message;
    throw new UserError(`${command}: --${flag} ${file}: ${why}`);
  }
}

/** A folder named by a flag can be created or written into (checked before a long campaign). */
export function checkFolderWritable(command: string, flag: string, dir: string): void {
  let probe = dir;
  for (;;) {
    let st: fs.Stats | null = null;
    try {
      st = fs.statSync(probe);
    } catch {
      // not there yet: it will be created inside its parent
    }
    if (st) {
      if (!st.isDirectory()) throw new UserError(`${command}: --${flag} ${dir}: ${probe === dir ? "is a file" : `${probe} is a file`}, expected a folder`);
      try {
        fs.accessSync(probe, fs.constants.W_OK);
      } catch {
        throw new UserError(`${command}: --${flag} ${dir}: ${probe} is not writable`);
      }
      return;
    }
    const parent = path.dirname(probe);
    if (parent === probe) return;
    probe = parent;
  }
}
