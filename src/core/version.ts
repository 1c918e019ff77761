/**
 * Which Seldon Core v2 release the components reproduce, and this package's own version.
 * Behaviour that differs between Seldon releases is keyed on `SELDON_VERSION`, so a later
 * release can be added as a switch rather than a fork.
 */
import * as fs from "node:fs";

export const SELDON_VERSION = "2.9.0";

/** The version in package.json (one level above both `src/` and the compiled `dist/`). */
export function packageVersion(): string {
  try {
    const text = fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8");
    const v = (JSON.parse(text) as { version?: unknown }).version;
    return typeof v === "string" ? v : "unknown";
  } catch {
    return "unknown";
  }
}

export function versionLine(): string {
  return `seldon-sim ${packageVersion()} (Seldon Core v${SELDON_VERSION} control plane)`;
}
