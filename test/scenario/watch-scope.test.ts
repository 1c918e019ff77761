/** The controller's watch scope: `--clusterwide` (every namespace) or `--namespace` (one). */
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/scenario/parse.ts";
import { runScenario } from "../../src/scenario/runner.ts";

const scenario = (controller: string) => `
cluster:
  controller: ${controller}
  namespaces: [financial-ml]
  servers: [{name: mlserver, namespace: financial-ml}]
resources:
  - apiVersion: mlops.seldon.io/v1alpha1
    kind: Model
    metadata: {name: iris, namespace: financial-ml}
    spec: {storageUri: gs://seldon-models/mlserver/iris, requirements: [sklearn]}
settle: 30s
`;

const run = (controller: string) => runScenario(parseScenario(scenario(controller), "w.yaml", () => ""), { runtime: "sim" });

describe("the controller's watch scope", () => {
  it("clusterwide (the default) reconciles models of every namespace", async () => {
    for (const c of ["seldon-system", "{namespace: seldon-system, clusterwide: true}"]) {
      const r = await run(c);
      expect(r.models.find((m) => m.name === "iris")?.state).toBe("ModelAvailable");
    }
  });

  it("restricted to its own namespace, it never reconciles a model elsewhere", async () => {
    const r = await run("{namespace: seldon-system, clusterwide: false}");
    expect(r.models.find((m) => m.name === "iris")?.state).toBe("(unknown to any scheduler)");
    expect(r.logs.some((l) => l.role === "scheduler" && l.msg.includes("iris"))).toBe(false);
  });

  it("restricted to the model's namespace, it reconciles it", async () => {
    const r = await run("{clusterwide: false, watchNamespace: financial-ml}");
    expect(r.models.find((m) => m.name === "iris")?.state).toBe("ModelAvailable");
  });

  it("refuses a watch namespace for a clusterwide controller", () => {
    expect(() => parseScenario(scenario("{watchNamespace: financial-ml}"), "w.yaml", () => "")).toThrow(/only applies with `clusterwide: false`/);
  });

  describe("resources alone: the operator only builds what it watches", () => {
    const manifests = (controller: string) => `
cluster: {controller: ${controller}}
resources:
  - {apiVersion: mlops.seldon.io/v1alpha1, kind: SeldonRuntime, metadata: {name: seldon, namespace: financial-ml}, spec: {seldonConfig: default}}
  - {apiVersion: mlops.seldon.io/v1alpha1, kind: Server, metadata: {name: mlserver, namespace: financial-ml}, spec: {serverConfig: mlserver}}
  - {apiVersion: mlops.seldon.io/v1alpha1, kind: Model, metadata: {name: iris, namespace: financial-ml}, spec: {storageUri: gs://seldon-models/mlserver/iris, requirements: [sklearn]}}
settle: 30s
expect:
  models: [{model: financial-ml/iris, state: none}]
`;

    it("outside its watch, a SeldonRuntime gets no scheduler and a Server no pods, and both are said", async () => {
      const parsed = parseScenario(manifests("{namespace: seldon-system, clusterwide: false}"), "w.yaml", () => "");
      expect(parsed.cluster.namespaces.find((n) => n.name === "financial-ml")?.runtime).toBe(false);
      expect(parsed.cluster.servers.find((x) => x.name === "mlserver")?.replicas).toBe(0);
      const notes = parsed.warnings.map((w) => w.message).join("\n");
      expect(notes).toMatch(/SeldonRuntime financial-ml\/seldon: the controller only watches namespace `seldon-system`.*no scheduler pod/);
      expect(notes).toMatch(/Server financial-ml\/mlserver: the controller only watches namespace `seldon-system`.*no StatefulSet/);
      const r = await runScenario(parsed, { runtime: "sim" });
      expect(r.pods.filter((p) => p.namespace === "financial-ml")).toEqual([]);
      expect(r.passed).toBe(true);
    });

    it("inside its watch, both are built and the model is not `state: none`", async () => {
      const parsed = parseScenario(manifests("{clusterwide: false, watchNamespace: financial-ml}"), "w.yaml", () => "");
      expect(parsed.warnings.some((w) => w.message.includes("only watches"))).toBe(false);
      const r = await runScenario(parsed, { runtime: "sim" });
      expect(r.models.find((m) => m.name === "iris")?.state).toBe("ModelAvailable");
      expect(r.passed).toBe(false);
      expect(r.expectations.find((e) => !e.passed)?.actual).toBe("state is ModelAvailable");
    });
  });
});
