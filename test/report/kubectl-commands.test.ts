import { describe, expect, it } from "vitest";
import * as fs from "node:fs";
import YAML from "yaml";
import { main } from "../../src/cli/main.ts";
import type { CliIO } from "../../src/cli/io.ts";

function io(): CliIO & { out: string; err: string } {
  const o = {
    out: "", err: "",
    stdout: (t: string) => void (o.out += t),
    stderr: (t: string) => void (o.err += t),
    readFile: (p: string) => fs.readFileSync(p, "utf8"),
    writeFile: () => {},
    cwd: process.cwd(),
    terminal: { columns: 120, color: false },
  };
  return o;
}

const F = "scenarios/consultation/01-requirements-not-capabilities.yaml";

describe("get, describe, logs", () => {
  it("get models -n drops the NAMESPACE column; -o wide adds state and reason; -o json lists the objects", async () => {
    const a = io();
    expect(await main(["get", "models", "-f", F, "-n", "financial-ml"], a)).toBe(0);
    expect(a.out).toMatch(/^NAME\s+READY/);
    expect(a.out).toMatch(/test-model-simple\s+False/);
    const b = io();
    expect(await main(["get", "model", "-f", F, "-o", "wide"], b)).toBe(0);
    expect(b.out).toMatch(/^NAMESPACE\s+NAME.*STATE\s+REASON\s+SERVER/);
    expect(b.out).toContain("ScheduleFailed");
    const c = io();
    expect(await main(["get", "servers", "-f", F, "-o", "json", "-n", "financial-mlops-pytorch"], c)).toBe(0);
    const list = JSON.parse(c.out);
    expect(list.items.map((s: { namespace: string; name: string }) => `${s.namespace}/${s.name}`)).toEqual(["financial-mlops-pytorch/mlserver"]);
    const d = io();
    expect(await main(["get", "pods", "-f", F, "-o", "yaml", "-A"], d)).toBe(0);
    expect(YAML.parse(d.out).items.some((p: { name: string; status: string }) => p.name === "seldon-scheduler-0" && p.status === "Running")).toBe(true);
  });

  it("describe model says why it is not Ready and lists every decision", async () => {
    const o = io();
    expect(await main(["describe", "model", "test-model-simple", "-f", F], o)).toBe(0);
    expect(o.out).toMatch(/^Name:\s+test-model-simple$/m);
    expect(o.out).toContain("ServerRequirementsFilter rejects mlserver: requirements not offered by mlserver: torch, numpy, scikit-learn.");
    expect(o.out).toMatch(/^ {2}#1 version 1: noMatchingServers/m);
    // the Model resource's conditions, as the controller wrote them
    expect(o.out).toMatch(/^Conditions:\n {2}Type\s+Status\s+Reason\s+Message\s+Last Transition\n {2}ModelReady\s+False\s+Failed to schedule model/m);
    expect(o.out).toMatch(/^Events:\n {2}<none>$/m); // never Ready, so no ModelReady/ModelNotReady event
    const bad = io();
    expect(await main(["describe", "model", "test-model-simpel", "-f", F], bad)).toBe(2);
    expect(bad.err).toContain('(did you mean "test-model-simple"?)');
  });

  it("describe model shows the events the operator records when a model becomes Ready", async () => {
    const o = io();
    const file = "scenarios/scheduler/01-server-scales-up-for-model-replicas.yaml";
    expect(await main(["describe", "model", "iris", "-f", file], o)).toBe(0);
    expect(o.out).toMatch(/^ {2}ModelReady\s+True\s/m);
    expect(o.out).toMatch(/^Events:\n {2}Type\s+Reason\s+Age\s+From\s+Message\n {2}Normal\s+ModelReady\s+\d+s\s+scheduler-client\s+Model \[iris\] is Ready$/m);
  });

  it("logs filters by container, level and model", async () => {
    const o = io();
    expect(await main(["logs", "-f", F, "-c", "scheduler", "--level", "warning", "--model", "test-model-simple"], o)).toBe(0);
    const lines = o.out.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) {
      expect(l).toMatch(/^\[financial-ml\/seldon-scheduler-0\/scheduler\] /);
      expect(l).toMatch(/level=(warning|error|fatal)/);
      expect(l).toContain("test-model-simple");
    }
    const bad = io();
    expect(await main(["logs", "-f", F, "--level", "warn"], bad)).toBe(2);
    expect(bad.err).toContain('--level must be one of debug, info, warning, error, fatal, got "warn"');
  });

  it("prints a bash completion script naming every command and each command's flags", async () => {
    const o = io();
    expect(await main(["completion", "bash"], o)).toBe(0);
    expect(o.out).toContain("complete -F _seldon_sim seldon-sim");
    expect(o.out).toMatch(/run\) words="[^"]*--html[^"]*--matrix/);
    expect(o.out).toMatch(/get\) words="[^"]*--output[^"]* models servers pods"/);
  });
});
