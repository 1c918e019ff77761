import { describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import { main } from "../../src/cli/main.ts";
import type { CliIO } from "../../src/cli/io.ts";
import { CHUNK_RUNS, campaignChunks, mergeCheckReports, parseShard, shardChunks } from "../../src/properties/campaign.ts";
import type { CheckReport } from "../../src/properties/check.ts";
import { mergeJunit } from "../../src/cli/commands/merge.ts";
import { UserError } from "../../src/core/errors.ts";

function io(files = new Map<string, string>()): CliIO & { out: string; err: string; files: Map<string, string> } {
  const o = {
    out: "", err: "", files,
    stdout: (t: string) => void (o.out += t),
    stderr: (t: string) => void (o.err += t),
    readFile: (p: string) => files.get(p) ?? fs.readFileSync(p, "utf8"),
    writeFile: (p: string, c: string) => void files.set(p, c),
    cwd: process.cwd(),
  };
  return o;
}

describe("campaign chunks and shards", () => {
  it("every split into shards runs each chunk of the campaign exactly once", () => {
    const chunks = campaignChunks(260, 42);
    expect(chunks.reduce((a, c) => a + c.runs, 0)).toBe(260);
    expect(chunks).toHaveLength(Math.ceil(260 / CHUNK_RUNS));
    for (let count = 1; count <= 7; count++) {
      const seen = Array.from({ length: count }, (_, index) => shardChunks(chunks, { index, count })).flat();
      expect(seen.map((c) => c.index).sort((a, b) => a - b)).toEqual(chunks.map((c) => c.index));
    }
    // The chunks depend on the seed and run count only.
    expect(campaignChunks(260, 42)).toEqual(chunks);
    expect(campaignChunks(260, 43)[0]!.seed).not.toBe(chunks[0]!.seed);
  });

  it("reads --shard I/N and refuses anything else with one clear line", () => {
    expect(parseShard("check", "2/5")).toEqual({ index: 2, count: 5 });
    for (const bad of ["5/5", "1/0", "-1/3", "a/b", "3"]) {
      expect(() => parseShard("check", bad)).toThrow(UserError);
      expect(() => parseShard("check", bad)).toThrow(/--shard expects I\/N/);
    }
  });

  it("merges chunk reports as one campaign: sums, size histograms, the first failure", () => {
    const base = { properties: ["a"], shrinks: 0, timeMs: 10, failed: false, counterexample: null };
    const cx = { case: {} as never, violations: [{ property: "a", t: 1, message: "x" }], file: null, seed: 9, path: "0" };
    const reports: CheckReport[] = [
      { ...base, runs: 25, sizes: { models: { 1: 20, 2: 5 } } },
      { ...base, runs: 3, shrinks: 4, failed: true, counterexample: cx, sizes: { models: { 2: 3 } } },
    ];
    const merged = mergeCheckReports(reports);
    expect(merged).toMatchObject({ runs: 28, shrinks: 4, timeMs: 20, failed: true, counterexample: cx, properties: ["a"] });
    expect(merged.sizes).toEqual({ models: { 1: 20, 2: 8 } });
  });

  it("gathers JUnit test cases of every shard into one suite with the counts", () => {
    const a = `<testsuites><testsuite><testcase classname="s" name="one"></testcase>\n<testcase classname="s" name="two"><failure message="no"/></testcase></testsuite></testsuites>`;
    const b = `<testsuites><testsuite><testcase classname="t" name="three"><error message="boom"/></testcase></testsuite></testsuites>`;
    const m = mergeJunit([{ file: "a.xml", text: a }, { file: "b.xml", text: b }]);
    expect(m.failed).toBe(true);
    expect(m.xml).toContain('tests="3" failures="1" errors="1"');
    expect(m.xml.match(/<testcase /g)).toHaveLength(3);
    expect(() => mergeJunit([{ file: "c.xml", text: "<html/>" }])).toThrow(/not a JUnit report/);
  });
});

describe("seldon-sim check --shard / --workers and seldon-sim merge", () => {
  const flags = ["--runs", "30", "--seed", "5", "--models", "2", "--steps", "2", "--json"];

  it("two shards merged are the campaign two workers run", async () => {
    const files = new Map<string, string>();
    for (const shard of ["0/2", "1/2"]) {
      const o = io(files);
      expect(await main(["check", ...flags, "--shard", shard], o)).toBe(0);
      files.set(`shard-${shard[0]}.json`, o.out);
    }
    const merged = io(files);
    expect(await main(["merge", "shard-0.json", "shard-1.json"], merged)).toBe(0);
    const whole = io();
    expect(await main(["check", ...flags, "--workers", "2"], whole)).toBe(0);
    const a = JSON.parse(merged.out) as CheckReport;
    const b = JSON.parse(whole.out) as CheckReport;
    expect(a.runs).toBe(30);
    expect(a.sizes).toEqual(b.sizes);
    expect({ ...a, timeMs: 0 }).toEqual({ ...b, timeMs: 0 });
  }, 120_000);

  it("merge names a file that is not a shard output", async () => {
    const files = new Map([["x.json", '{"hello": 1}']]);
    const o = io(files);
    expect(await main(["merge", "x.json"], o)).toBe(2);
    expect(o.err).toMatch(/x\.json.*expected the JSON output of 'seldon-sim check --json'/);
  });
});

describe("seldon-sim run --shard", () => {
  it("splits the sorted scenario files between shards, and merge joins their JSON and JUnit", async () => {
    const dir = fs.mkdtempSync(`${os.tmpdir()}/seldon-sim-shards-`);
    for (const name of ["a", "b", "c"]) {
      fs.writeFileSync(`${dir}/${name}.yaml`, `name: shard-${name}
cluster:
  namespaces: [ns]
  servers: [{name: mlserver, memory: 1Gi}]
resources:
  - {apiVersion: mlops.seldon.io/v1alpha1, kind: Server, metadata: {name: mlserver}, spec: {serverConfig: mlserver}}
settle: 10s
expect:
  servers: [{server: mlserver, connectedReplicas: 1}]
`);
    }
    const files = new Map<string, string>();
    const names: string[][] = [];
    for (const shard of ["0/2", "1/2"]) {
      const o = io(files);
      expect(await main(["run", dir, "--shard", shard, "--json", "--junit", `s${shard[0]}.xml`], o)).toBe(0);
      files.set(`s${shard[0]}.json`, o.out);
      names.push((JSON.parse(o.out) as { scenarios: { name: string }[] }).scenarios.map((r) => r.name));
    }
    expect(names).toEqual([["shard-a", "shard-c"], ["shard-b"]]);
    const m = io(files);
    expect(await main(["merge", "s0.json", "s1.json", "--json", "all.json", "s0.xml", "s1.xml", "--junit", "all.xml"], m)).toBe(0);
    expect((JSON.parse(files.get("all.json")!) as { scenarios: unknown[] }).scenarios.length).toBe(3);
    expect(files.get("all.xml")).toContain('tests="3" failures="0" errors="0"');
  }, 120_000);
});
