import { describe, expect, it } from "vitest";
import * as fs from "node:fs";
import { main } from "../../src/cli/main.ts";
import { SELDON_VERSION } from "../../src/core/version.ts";

function capture() {
  let out = "";
  let err = "";
  return {
    io: { stdout: (t: string) => void (out += t), stderr: (t: string) => void (err += t), readFile: () => "", writeFile: () => {}, cwd: process.cwd() },
    out: () => out,
    err: () => err,
  };
}

describe("seldon-sim --version", () => {
  it("prints the package version from package.json and the Seldon release simulated", async () => {
    const pkg = JSON.parse(fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    const c = capture();
    expect(await main(["--version"], c.io)).toBe(0);
    expect(c.out()).toBe(`seldon-sim ${pkg.version} (Seldon Core v${SELDON_VERSION} control plane)\n`);
    expect(c.err()).toBe("");
  });
});
