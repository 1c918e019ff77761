import { describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../src/cli/main.ts";
import type { CliIO } from "../../src/cli/io.ts";
import { stuckModelScenario } from "./stuck-model.ts";

function io(): CliIO & { out: string; err: string; files: Map<string, string> } {
  const o = {
    out: "", err: "", files: new Map<string, string>(),
    stdout: (t: string) => void (o.out += t),
    stderr: (t: string) => void (o.err += t),
    readFile: (p: string) => fs.readFileSync(p, "utf8"),
    writeFile: (p: string, c: string) => void o.files.set(p, c),
    cwd: process.cwd(),
  };
  return o;
}

const scenario = (body: string): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "seldon-sim-"));
  const file = path.join(dir, "s.yaml");
  fs.writeFileSync(file, body);
  return file;
};

describe("seldon-sim run", () => {
  it("exits 1 on a failed expectation and says what was found instead", async () => {
    const file = scenario(`
cluster:
  namespaces: [ns]
  servers: [{name: mlserver, memory: 1Gi}]
resources:
  - {apiVersion: mlops.seldon.io/v1alpha1, kind: Server, metadata: {name: mlserver}, spec: {serverConfig: mlserver}}
  - {apiVersion: mlops.seldon.io/v1alpha1, kind: Model, metadata: {name: m}, spec: {storageUri: "gs://m", requirements: [sklearn]}}
settle: 1m
expect:
  models: [{model: m, state: ScheduleFailed}]
`);
    const o = io();
    const junit = path.join(path.dirname(file), "out.xml");
    expect(await main(["run", file, "--junit", junit, "--logs", "none"], o)).toBe(1);
    expect(o.out).toContain("FAIL");
    expect(o.out).toContain("state is ModelAvailable");
    expect(o.files.get(junit)).toContain('<failure message="state is ModelAvailable"');
  });

  it("exits 0 and prints the kubectl tables when every expectation holds", async () => {
    const file = scenario(`
cluster:
  namespaces: [ns]
  servers: [{name: mlserver, memory: 1Gi}]
resources:
  - {apiVersion: mlops.seldon.io/v1alpha1, kind: Server, metadata: {name: mlserver}, spec: {serverConfig: mlserver}}
  - {apiVersion: mlops.seldon.io/v1alpha1, kind: Model, metadata: {name: m}, spec: {storageUri: "gs://m", requirements: [sklearn], replicas: 1}}
settle: 1m
expect:
  models: [{model: m, ready: true, desiredReplicas: 1, availableReplicas: 1}]
`);
    const o = io();
    expect(await main(["run", file, "--logs", "none"], o)).toBe(0);
    expect(o.out).toMatch(/NAMESPACE\s+NAME\s+READY\s+DESIRED REPLICAS\s+AVAILABLE REPLICAS\s+AGE/);
    expect(o.out).toMatch(/ns\s+m\s+True\s+1\s+1/);
  });

  it("explains a stuck model, but not one that was deleted", async () => {
    const body = (deleted: boolean) => stuckModelScenario({ steps: deleted ? "  - delete: {kind: Model, name: m}\n" : "" });
    for (const deleted of [false, true]) {
      const first = scenario(body(deleted));
      const second = path.join(path.dirname(first), "t.yaml");
      fs.copyFileSync(first, second);
      const single = io();
      await main(["run", first, "--logs", "none"], single);
      expect(single.out.includes("Why not Ready"), `one scenario, deleted ${deleted}`).toBe(!deleted);
      const several = io();
      await main(["run", first, second, "--logs", "none"], several);
      expect(several.out.includes("Models not Ready at the end"), `two scenarios, deleted ${deleted}`).toBe(!deleted);
      // In two folders the passing scenarios are summed up, and so are their models not Ready.
      const apart = io();
      await main(["run", first, scenario(body(deleted)), "--logs", "none"], apart);
      expect(apart.out).not.toContain("Models not Ready at the end");
      expect(apart.out.includes("2 models are not Ready at the end of 2 passing scenarios"), `two folders, deleted ${deleted}`).toBe(!deleted);
    }
  });

  it("reports a typo with file, line, path and a suggestion, exit 2, no stack trace", async () => {
    const file = scenario(`
cluster:
  namespaces: [ns]
  servers: [{name: mlserver, memroy: 1Gi}]
`);
    const o = io();
    expect(await main(["run", file], o)).toBe(2);
    expect(o.err).toContain(`${file}:4:`);
    expect(o.err).toContain("cluster.servers[0].memroy");
    expect(o.err).toContain("did you mean `memory`");
    expect(o.err).not.toContain("    at ");
  });

  it("refuses an unknown runtime and an unknown flag", async () => {
    const o = io();
    expect(await main(["run", "--runtime", "kube"], o)).toBe(2);
    expect(o.err).toContain("--runtime must be one of sim, wire");
    const o2 = io();
    expect(await main(["run", "--frobnicate"], o2)).toBe(2);
    expect(o2.err).toContain("frobnicate");
  });
});

describe("seldon-sim run, on what it keeps", () => {
  const file = () => scenario(`
cluster:
  namespaces: [ns]
  servers: [{name: mlserver, memory: 1Gi}]
resources:
  - {apiVersion: mlops.seldon.io/v1alpha1, kind: Server, metadata: {name: mlserver}, spec: {serverConfig: mlserver}}
  - {apiVersion: mlops.seldon.io/v1alpha1, kind: Model, metadata: {name: m}, spec: {storageUri: "gs://m", requirements: [sklearn], memory: 100Mi}}
settle: 1m
expect:
  models: [{model: m, state: ModelAvailable}]
`);

  it("keeps the messages for the outputs that show them: --json and --mermaid", async () => {
    const f = file();
    const o = io();
    expect(await main(["run", f, "--json"], o)).toBe(0);
    const doc = JSON.parse(o.out) as { scenarios: { messages: { kind: string; method: string }[] }[] };
    const kinds = new Set(doc.scenarios[0]!.messages.map((m) => m.kind));
    expect(kinds.has("request")).toBe(true);
    expect(kinds.has("response")).toBe(true);
    const m = io();
    const mermaid = path.join(path.dirname(f), "seq.mmd");
    expect(await main(["run", f, "--quiet", "--mermaid", mermaid], m)).toBe(0);
    expect(m.files.get(mermaid) ?? fs.readFileSync(mermaid, "utf8")).toContain("LoadModel");
  });
});
