import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { NODE_FLAGS } from "../../src/cli/node-flags.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

describe("the Node.js flags the command starts with", () => {
  it("are the ones the shebang of the command and the benchmark script pass", () => {
    const shebang = readFileSync(path.join(ROOT, "bin/seldon-sim.js"), "utf8").split("\n")[0]!;
    expect(shebang).toBe(`#!/usr/bin/env -S node ${NODE_FLAGS.join(" ")}`);
    const bench = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts.bench as string;
    expect(bench).toBe(`node ${NODE_FLAGS.join(" ")} --import tsx bench/run.ts`);
  });

  it("are accepted by this Node.js", () => {
    const r = spawnSync(process.execPath, [...NODE_FLAGS, "-e", "process.exit(0)"], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
