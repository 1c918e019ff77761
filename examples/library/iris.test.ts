// A test of your own against a simulated Seldon Core v2 control plane (see docs/testing.md).
// Run it with `npx vitest run` in a project that has `seldon-sim` and `vitest` installed.
import { afterEach, describe, expect, it } from "vitest";
import { Simulation } from "seldon-sim";

const iris = (requirements: string[]) => `
apiVersion: mlops.seldon.io/v1alpha1
kind: Model
metadata: {name: iris, namespace: financial-ml}
spec:
  storageUri: gs://seldon-models/mlserver/iris
  requirements: [${requirements.join(", ")}]
  replicas: 2
`;

describe("iris on a two-replica MLServer", () => {
  let sim: Simulation | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  const start = () =>
    Simulation.start({ cluster: { namespaces: ["financial-ml"], servers: [{ name: "mlserver", replicas: 2 }] } });

  it("becomes available on both replicas", async () => {
    sim = await start();
    await sim.apply(iris(["sklearn"]));
    const status = await sim.model("financial-ml/iris").toBeAvailable({ within: "30s" });
    expect(status.availableReplicas).toBe(2);
    expect(status.replicaStates).toEqual({ 0: "Available", 1: "Available" });
  });

  it("is not placed when no server has what it requires, and says why", async () => {
    sim = await start();
    await sim.apply(iris(["torch"]));
    await expect(sim.model("financial-ml/iris").toBeAvailable({ within: "10s" })).rejects.toThrow(/ScheduleFailed/);
    expect(sim.explain("financial-ml/iris")).toContain("ServerRequirementsFilter");
  });

  it("ends ModelTerminateFailed when MLServer's answer to the unload is lost", async () => {
    sim = await start();
    await sim.apply(iris(["sklearn"]));
    await sim.model("financial-ml/iris").toBeAvailable({ within: "30s" });
    sim.addFault({
      id: "unload-answer-lost",
      message: { link: { from: "agent", to: "mlserver" }, method: "RepositoryModelUnload", direction: "response", action: "drop" },
    });
    await sim.delete("Model", "financial-ml/iris");
    await sim.model("financial-ml/iris").toHaveState("ModelTerminateFailed", { within: "3m" });
    expect(sim.trace.some((e) => e.type === "fault" && e.fault === "unload-answer-lost")).toBe(true);
  });
});
