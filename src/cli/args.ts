/** Flag parsing for the commands: node's parseArgs, with mistakes turned into UserErrors. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UserError } from "../core/errors.ts";

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
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (e) {
    throw new UserError(`${command}: ${(e as Error).message.replace(/\. To specify a positional.*$/s, "")}`);
  }
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
