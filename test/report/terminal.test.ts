import { describe, expect, it } from "vitest";
import stringWidth from "string-width";
import { main } from "../../src/cli/main.ts";
import type { CliIO } from "../../src/cli/io.ts";
import { stuckModelScenario } from "../cli/stuck-model.ts";
import { renderTable } from "../../src/cli/render/table.ts";
import { terminalOf } from "../../src/cli/render/terminal.ts";
import { loadScenarioFile } from "../../src/scenario/parse.ts";
import { runScenario } from "../../src/scenario/runner.ts";
import { diagnose, formatBytes } from "../../src/report/diagnosis.ts";
import * as fs from "node:fs";
import * as os from "node:os";

function io(columns = 80, color = false): CliIO & { out: string; err: string } {
  const o = {
    out: "", err: "",
    stdout: (t: string) => void (o.out += t),
    stderr: (t: string) => void (o.err += t),
    readFile: (p: string) => fs.readFileSync(p, "utf8"),
    writeFile: () => {},
    cwd: process.cwd(),
    terminal: { columns, color },
  };
  return o;
}

const ANSI = /\u001b\[[0-9;]*m/;

async function decisionOf(file: string) {
  const r = await runScenario(loadScenarioFile(file), { runtime: "sim" });
  return r.decisions.get("financial-ml/test-model-simple")!;
}

describe("diagnosis of a model that is not Ready", () => {
  it("names the rejecting filter and the requirements the server does not offer", async () => {
    const d = diagnose(await decisionOf("scenarios/consultation/01-requirements-not-capabilities.yaml"));
    expect(d.findings).toEqual([{ filter: "ServerRequirementsFilter", server: "mlserver", replica: null, problem: "requirements not offered by mlserver: torch, numpy, scikit-learn" }]);
    expect(d.fix).toContain("scikit-learn → sklearn");
  });

  it("says what memory a replica is short of", async () => {
    const d = diagnose(await decisionOf("scenarios/consultation/04-zero-memory.yaml"));
    expect(d.findings[0]).toMatchObject({ filter: "AvailableMemoryReplicaFilter", server: "mlserver", replica: 0 });
    expect(d.findings[0]!.problem).toBe("needs 100Mi, replica 0 reports no memory at all");
    expect(d.fix).toContain("memory request");
  });

  it("reads a namespace-qualified server name as Seldon does: one name", async () => {
    const d = diagnose(await decisionOf("scenarios/consultation/05-cross-namespace-server.yaml"));
    expect(d.findings[0]!.filter).toBe("SharingServerFilter");
    expect(d.sentence).toContain('"seldon-system/mlserver"');
  });

  it("formats bytes as a manifest writes them", () => {
    expect(formatBytes(2n * 2n ** 30n)).toBe("2Gi");
    expect(formatBytes(100n * 2n ** 20n)).toBe("100Mi");
    expect(formatBytes(1181116006n)).toBe("1.1Gi");
    expect(formatBytes(0n)).toBe("0B");
  });
});

describe("tables that fit the terminal", () => {
  const rows = [["financial-ml", "test-model-simple", "False", "model requirements [mlflow torch numpy scikit-learn], server capabilities [mlserver alibi-detect alibi-explain huggingface]"]];
  for (const width of [40, 60, 80, 120]) {
    it(`never exceeds ${width} columns and keeps columns aligned`, () => {
      const lines = renderTable(["NAMESPACE", "NAME", "READY", "REASON"], rows, { width });
      for (const l of lines) expect(stringWidth(l)).toBeLessThanOrEqual(width);
      // Every line's READY column starts where the header's does.
      const at = lines[0]!.indexOf("READY");
      for (const l of lines.slice(1)) if (l.length > at && l[at] !== " ") expect(l[at - 1]).toBe(" ");
      expect(lines.join(" ").replace(/\s+/g, " ")).toContain("False");
    });
  }

  it("uses colour only on a TTY and never with NO_COLOR", () => {
    expect(terminalOf({ isTTY: true, columns: 100 }, {}).color).toBe(true);
    expect(terminalOf({ isTTY: true, columns: 100 }, { NO_COLOR: "1" }).color).toBe(false);
    expect(terminalOf({ isTTY: false }, {})).toEqual({ columns: 80, color: false });
  });
});

describe("seldon-sim run for people", () => {
  it("sums the bundled scenarios up by folder on one screen, and --details gives a row and a sentence for each", async () => {
    const o = io();
    expect(await main(["run"], o)).toBe(0);
    const lines = o.out.trimEnd().split("\n");
    expect(lines.length + o.err.split("\n").length).toBeLessThan(50);
    for (const l of [...lines, ...o.err.split("\n")]) expect(stringWidth(l)).toBeLessThanOrEqual(80);
    expect(o.out).toMatch(/^FOLDER\s+SCENARIOS\s+RESULT\s+TIME$/m);
    const folders = fs.readdirSync("scenarios", { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    for (const f of folders) {
      const count = fs.readdirSync(`scenarios/${f}`).filter((n) => n.endsWith(".yaml")).length;
      expect(o.out).toMatch(new RegExp(`^${f.replace(/\./g, "\\.")}\\s+${count}\\s+PASS\\s`, "m"));
    }
    expect(o.out).not.toContain("consultation/01-requirements-not-capabilities");
    expect(o.out.replace(/\s+/g, " ")).toMatch(/\d+ models are not Ready at the end of \d+ passing scenarios, as they expect; --details/);
    expect(o.out).not.toMatch(ANSI);

    const d = io();
    expect(await main(["run", "--details", "--logs", "none"], d)).toBe(0);
    expect(d.out).toMatch(/^SCENARIO\s+RESULT\s+TIME/m);
    expect(d.out).toMatch(/consultation\/01-requirements-not-capabilities\s+PASS/);
    expect(d.out).toContain("requirements not offered by\n    mlserver: torch, numpy, scikit-learn");
  });

  it("lists a failing scenario on its own among folders summed up: its row, its expectation, its models and its story", async () => {
    const root = fs.mkdtempSync(`${os.tmpdir()}/seldon-sim-folders-`);
    const body = (want: string) => stuckModelScenario({ expect: `expect:\n  models: [{model: m, state: ${want}}]\n` });
    for (const [folder, name, want] of [["a", "ok", "ScheduleFailed"], ["b", "ok", "ScheduleFailed"], ["b", "broken", "ModelAvailable"]] as const) {
      fs.mkdirSync(`${root}/${folder}`, { recursive: true });
      fs.writeFileSync(`${root}/${folder}/${name}.yaml`, body(want));
    }
    const o = io();
    expect(await main(["run", root, "--logs", "none"], o)).toBe(1);
    expect(o.out).toMatch(/^a\s+1\s+PASS\s/m);
    expect(o.out).toMatch(/^b\s+2\s+1 FAIL\s/m);
    expect(o.out).toMatch(/^broken\s+FAIL\s+\S+\s+1 expectation$/m);
    expect(o.out).not.toMatch(/^ok\s/m);
    expect(o.out).toMatch(/^  broken: .*ns\/m/m);
    expect(o.out).toContain("  broken: ns/m ScheduleFailed");
    expect(o.out.replace(/\s+/g, " ")).toContain("2 models are not Ready at the end of 2 passing scenarios, as they expect");
    expect(o.out).toMatch(/^FAIL broken/m);
    expect(o.out).not.toMatch(/^PASS ok/m);
  });

  it("tells one scenario's story with its diagnosis and, on request, the matrix", async () => {
    const o = io(100, true);
    expect(await main(["run", "scenarios/consultation/04-zero-memory.yaml", "--matrix"], o)).toBe(0);
    expect(o.out).toMatch(ANSI);
    const plain = o.out.replace(/\u001b\[[0-9;]*m/g, "");
    for (const l of plain.split("\n")) expect(stringWidth(l)).toBeLessThanOrEqual(100);
    expect(plain).toContain("AvailableMemoryReplicaFilter rejects mlserver replica 0: needs 100Mi");
    expect(plain).toMatch(/^\s+FILTER\s+mlserver\s+mlserver\/0 ✗/m);
    expect(plain).toMatch(/^\s+AvailableMemoryReplicaFilter\s+model memory 104857600/m);
  });
});

describe("kubectl habits", () => {
  const scenario = (body: string): string => {
    const dir = fs.mkdtempSync(`${os.tmpdir()}/seldon-sim-pods-`);
    fs.writeFileSync(`${dir}/s.yaml`, body);
    return `${dir}/s.yaml`;
  };

  it("shows a crashed container waiting for its restart as CrashLoopBackOff, with its restarts", async () => {
    const file = scenario(`
cluster:
  namespaces: [ns]
  servers: [{name: mlserver, memory: 1Gi}]
resources:
  - {apiVersion: mlops.seldon.io/v1alpha1, kind: Server, metadata: {name: mlserver}, spec: {serverConfig: mlserver}}
timeline:
  - advance: 20s
  - crash: {pod: ns/mlserver-0, container: agent}
settle: 2s
`);
    const o = io();
    expect(await main(["run", file, "--logs", "none"], o)).toBe(0);
    expect(o.out).toContain("$ kubectl get pods -A");
    expect(o.out).toMatch(/ns\s+mlserver-0\s+2\/3\s+CrashLoopBackOff\s+1\s+22s/);
  });

  it("suggests the nearest command and flag", async () => {
    const o = io();
    expect(await main(["rn"], o)).toBe(2);
    expect(o.err.split("\n")[0]).toBe('error: unknown command "rn" (did you mean "run"?)');
    const o2 = io();
    expect(await main(["run", "--detals"], o2)).toBe(2);
    expect(o2.err).toBe(`error: run: Unknown option '--detals' (did you mean "--details"?)\n`);
  });
});
