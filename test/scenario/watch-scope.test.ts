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
});
