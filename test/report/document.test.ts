import { describe, expect, it } from "vitest";
import * as fs from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { loadScenarioFile } from "../../src/scenario/parse.ts";
import { runScenario } from "../../src/scenario/runner.ts";
import { runDocument } from "../../src/report/document.ts";
import { renderHtml } from "../../src/report/html.ts";
import { sequenceDiagram } from "../../src/report/mermaid.ts";

const schema = JSON.parse(fs.readFileSync("schema/run.schema.json", "utf8"));
const validate = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true }).compile(schema);
const consultation = fs.readdirSync("scenarios/consultation").filter((f) => f.endsWith(".yaml")).map((f) => `scenarios/consultation/${f}`);

async function documentOf(files: string[]) {
  const results = [];
  for (const f of files) results.push(await runScenario(loadScenarioFile(f), { runtime: "sim" }));
  return runDocument(results);
}

describe("the run document", () => {
  it("matches schema/run.schema.json for every consultation scenario", async () => {
    const doc = await documentOf(consultation);
    const ok = validate(JSON.parse(JSON.stringify(doc)));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    expect(doc.scenarios).toHaveLength(consultation.length);
  });

  it("carries every inference answer of a scenario with traffic, and matches the schema", async () => {
    const doc = await documentOf(["scenarios/traffic/01-evicted-model-reloaded-on-demand.yaml"]);
    expect(validate(JSON.parse(JSON.stringify(doc)))).toBe(true);
    const [s] = doc.scenarios;
    expect(s!.traffic.map((t) => [t.model, t.sent, t.ok, t.failed, t.pending, t.responses.length])).toEqual([["a", 3, 3, 0, 0, 3], ["b", 1, 1, 0, 0, 1]]);
    expect(s!.traffic[0]!.responses[0]).toMatchObject({ protocol: "rest", version: 1, endpoint: "mlserver-0:9001", code: "OK", httpStatus: 200 });
    expect(s!.traffic[1]!.responses[0]).toMatchObject({ protocol: "grpc", endpoint: "mlserver-0:9501", code: "OK" });
    expect((await documentOf(["scenarios/consultation/04-zero-memory.yaml"])).scenarios[0]!.traffic).toEqual([]);
  });

  it("carries the diagnosis, the decision history and the failed links of a scenario", async () => {
    const [s] = (await documentOf(["scenarios/consultation/03-inference-server-unreachable.yaml"])).scenarios;
    const m = s!.models.find((x) => x.name === "test-model-simple")!;
    expect(m.diagnosis!.findings[0]!.filter).toBe("ServerReplicaFilter");
    expect(m.decisions.length).toBeGreaterThan(0);
    expect(m.decisions.every((d) => d.t !== null)).toBe(true);
    const refused = s!.links.find((l) => l.from === "financial-ml/mlserver-0/agent" && l.to === "10.42.0.70:9500");
    expect(refused).toBeDefined();
    expect(refused!.failures).toBe(refused!.calls);
    expect(s!.messages.some((x) => x.kind === "error" && x.code === 14)).toBe(true);
  });
});

describe("the HTML report and the Mermaid export", () => {
  it("is one file that loads nothing from elsewhere", async () => {
    const html = renderHtml(await documentOf(["scenarios/consultation/01-requirements-not-capabilities.yaml"]));
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=/i);
    expect(html).toContain("default-src 'none'");
    expect(Buffer.byteLength(html)).toBeLessThan(4 * 2 ** 20);
    // The embedded document cannot end its script element early.
    const json = html.slice(html.indexOf('id="run-document">'), html.indexOf("</script>", html.indexOf('id="run-document">')));
    expect(json).not.toContain("</");
  });

  it("writes the message sequence, failed calls as crossed arrows, filtered by model", async () => {
    const [s] = (await documentOf(["scenarios/consultation/03-inference-server-unreachable.yaml"])).scenarios;
    const all = sequenceDiagram(s!);
    expect(all.split("\n")[0]).toBe("sequenceDiagram");
    expect(all).toMatch(/participant p\d+ as 10\.42\.0\.70:9500/);
    expect(all).toMatch(/-xp\d+: t=\d+ms ServerLive ✗ code 14/);
    const one = sequenceDiagram(s!, { model: "test-model-simple" });
    expect(one).toContain("LoadModel");
    expect(one).not.toContain("ServerLive");
  });
});
