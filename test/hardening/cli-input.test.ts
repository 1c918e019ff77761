/** Bad input on the command line and in files: one line naming the flag or file, exit 2, never a stack trace. */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "bin/seldon-sim.js");
const GOOD = path.join(ROOT, "scenarios/consultation/01-requirements-not-capabilities.yaml");

function cli(args: string[], cwd = ROOT) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", cwd, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, errors: r.stderr.split("\n").filter((l) => l.startsWith("error: ")) };
}

function noStack(text: string): void {
  expect(text).not.toMatch(/^\s+at .*[:(]\d+:\d+\)?$/m);
  expect(text).not.toContain("internal error");
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "seldon-sim-cli-"));

describe("bad flags", () => {
  const cases: [string[], RegExp][] = [
    [["run", "--junit", tmp, GOOD], /--junit .*: is a folder, expected a file to write/],
    [["run", "--junit", "/nonexistent-dir/report.xml", GOOD], /--junit .*: no such folder/],
    [["run", "--seed", "-1", GOOD], /--seed expects a whole number >= 0, got "-1"/],
    [["check", "--path", "zz:1", "--runs", "1"], /--path expects fast-check's replay path/],
    [["check", "--out", GOOD, "--runs", "1"], /--out .*: is a file, expected a folder/],
    [["check", "--runs", "-3"], /--runs expects a whole number >= 1/],
    [["run", "--runtime", "wires", GOOD], /--runtime must be one of sim, wire/],
  ];
  for (const [args, message] of cases) {
    it(`${args.slice(0, 3).join(" ")}: one line, exit 2`, () => {
      const r = cli(args);
      expect(r.status).toBe(2);
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]).toMatch(message);
      noStack(r.stderr);
    });
  }
});

describe("bad files", () => {
  it("says a binary file is not text, in one short line", () => {
    const file = path.join(tmp, "image.yaml");
    fs.writeFileSync(file, Buffer.from(Array.from({ length: 10_000 }, (_, i) => (i * 7919) % 256)));
    const r = cli(["run", file]);
    expect(r.status).toBe(2);
    expect(r.errors).toEqual([`error: ${file}: not a text file (binary or not UTF-8); expected a YAML scenario or manifest`]);
  });

  it("runs every file of a folder, reports each bad one, and puts them in the JUnit report", () => {
    const dir = fs.mkdtempSync(path.join(tmp, "mixed-"));
    fs.cpSync(path.join(ROOT, "test/fixtures/scenarios/examples/manifests"), path.join(dir, "manifests"), { recursive: true });
    fs.copyFileSync(path.join(ROOT, "test/fixtures/scenarios/examples/two-tenants.yaml"), path.join(dir, "a-good.yaml"));
    fs.writeFileSync(path.join(dir, "b-broken.yaml"), "name: broken\nfoo: [\n");
    fs.writeFileSync(path.join(dir, "c-binary.yaml"), Buffer.from([0, 1, 2, 255, 254]));
    fs.copyFileSync(path.join(ROOT, "test/fixtures/scenarios/examples/two-tenants.yaml"), path.join(dir, "d-good.yaml"));
    const junit = path.join(tmp, "mixed.xml");
    const r = cli(["run", "--quiet", "--junit", junit, dir]);
    expect(r.status).toBe(2);
    expect(r.stdout.match(/^PASS /gm)).toHaveLength(2);
    expect(r.errors.map((e) => path.basename(e.split(":")[1]!))).toEqual(["b-broken.yaml", "c-binary.yaml"]);
    expect(r.stdout).toContain("2 scenario(s) passed, 0 failed, 2 could not be loaded");
    const xml = fs.readFileSync(junit, "utf8");
    expect(xml).toMatch(/errors="2"/);
    expect(xml).toContain("b-broken.yaml\" name=\"load\"><error");
    expect(xml).toContain("c-binary.yaml\" name=\"load\"><error");
    noStack(r.stderr);
  });

  it("clips what a scenario error quotes of a pathological line", () => {
    const file = path.join(tmp, "long.yaml");
    fs.writeFileSync(file, `name: x\ncluster: {namespaces: [${"a".repeat(20_000)}\n`);
    const r = cli(["run", file]);
    expect(r.status).toBe(2);
    for (const line of r.stderr.split("\n")) expect(line.length).toBeLessThan(600);
  });
});
