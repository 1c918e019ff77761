import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/scenario/parse.ts";
import { runScenario } from "../../src/scenario/runner.ts";
import { checkTraffic, trafficRows } from "../../src/scenario/traffic.ts";

const SCENARIO = `
cluster:
  namespaces: [seldon-mesh]
  servers: [{name: mlserver, replicas: 2}]
resources:
  - apiVersion: mlops.seldon.io/v1alpha1
    kind: Model
    metadata: {name: iris, namespace: seldon-mesh}
    spec: {storageUri: gs://m/iris, requirements: [sklearn], replicas: 2}
timeline:
  - traffic: {model: iris, requests: 1}
  - wait: {for: {modelReady: iris}, timeout: 2m}
  - traffic: {model: iris, requests: 4, every: 100ms, protocol: grpc}
settle: 5s
expect:
  traffic:
    - {model: iris, sent: 5, ok: 4, failed: 1, codes: {UNIMPLEMENTED: 1, OK: 4}}
    - {model: iris, ok: 5}
`;

describe("inference traffic in a run", () => {
  it("is answered by Envoy before the model has a route, then spread over the replicas; expect.traffic checks the counts", async () => {
    const result = await runScenario(parseScenario(SCENARIO, "traffic.yaml", () => ""), { runtime: "sim" });
    expect(result.error).toBeNull();
    expect(result.traffic).toEqual([{ namespace: "seldon-mesh", model: "iris", sent: 5, ok: 4, failed: 1, pending: 0, codes: { UNIMPLEMENTED: 1, OK: 4 } }]);
    const [right, wrong] = result.expectations.filter((e) => e.description.startsWith("traffic"));
    expect(right!.passed).toBe(true);
    expect(wrong).toMatchObject({ passed: false, actual: "ok is 4 (answers: UNIMPLEMENTED 1, OK 4)" });
    const endpoints = result.trace.flatMap((ev) => (ev.type === "observe" && ev.event.type === "traffic.response" && ev.event["endpoint"] ? [ev.event["endpoint"]] : []));
    expect(endpoints).toEqual(["mlserver-0:9501", "mlserver-1:9501", "mlserver-0:9501", "mlserver-1:9501"]);
    // the requests went through the engine's links, into the trace
    expect(result.trace.filter((ev) => ev.type === "callOpen" && ev.from === "seldon-mesh/seldon-envoy-0/envoy")).toHaveLength(4);
  }, 60_000);

  it("counts requests still waiting as sent and pending", () => {
    const rows = trafficRows([], () => new Map([["iris", 2]]), ["ns"]);
    expect(rows).toEqual([{ namespace: "ns", model: "iris", sent: 2, ok: 0, failed: 0, pending: 2, codes: {} }]);
    const r = checkTraffic(rows, { namespace: "ns", model: "iris", sent: 2, ok: 2, origin: { file: "f", path: "expect.traffic[0]" } });
    expect(r).toMatchObject({ passed: false, description: "traffic to ns/iris: sent 2, ok 2", actual: "ok is 0 (answers: none)" });
  });
});
