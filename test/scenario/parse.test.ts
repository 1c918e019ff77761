import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { isManifestText, loadScenarioFile, parseScenario } from "../../src/scenario/parse.ts";
import type { Origin, Scenario } from "../../src/scenario/types.ts";

const FIXTURES = "test/fixtures/scenarios";
const F = `${FIXTURES}/every-field.yaml`;
const M = `${FIXTURES}/manifests/pytorch.yaml`;
const o = (p: string, line: number, column: number, file = F): Origin => ({ file, path: p, line, column });

/** Parses text with an in-memory file system for includes. */
function parse(text: string, files: Record<string, string> = {}, file = "dir/s.yaml"): Scenario {
  return parseScenario(text, file, (p) => {
    const t = files[p];
    if (t === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: "ENOENT" });
    return t;
  });
}

const MODEL = (name: string, ns?: string, spec = "{storageUri: s3://m}") =>
  `  - apiVersion: mlops.seldon.io/v1alpha1\n    kind: Model\n    metadata: {name: ${name}${ns ? `, namespace: ${ns}` : ""}}\n    spec: ${spec}\n`;

describe("a complete scenario", () => {
  test("every field parses to the expected Scenario", () => {
    const s = loadScenarioFile(F);
    const expected: Scenario = {
      name: "requirements-not-capabilities",
      description: "Model requires torch; MLServer does not offer it",
      file: F,
      seed: 7,
      epochMs: Date.UTC(2025, 6, 6, 14, 0, 0),
      schedulerChains: null,
      settleMs: 45_000,
      warnings: [],
      cluster: {
        install: "helm",
        controllerNamespace: "seldon-system",
        namespaces: [
          { name: "financial-ml", runtime: true },
          { name: "financial-mlops-pytorch", runtime: true },
        ],
        servers: [
          {
            name: "mlserver",
            namespace: "financial-ml",
            replicas: 1,
            type: "mlserver",
            env: {
              MEMORY_REQUEST: "1073741824",
              SELDON_SERVER_CAPABILITIES: "mlserver,sklearn",
              SELDON_OVERCOMMIT_PERCENTAGE: "10",
              SELDON_SERVER_GRPC_PORT: "9500",
            },
            agentFlags: { "inference-host": "10.42.0.70" },
            podIp: "10.42.0.70",
            inference: { loadDelayMs: 2000, loadFailure: "boom", outOfMemory: false },
            origin: o("cluster.servers[0]", 15, 7),
          },
          {
            // from the Server resource in manifests/pytorch.yaml: no cluster.servers entry
            name: "triton",
            namespace: "financial-mlops-pytorch",
            replicas: 2,
            type: "triton",
            env: { SELDON_SERVER_CAPABILITIES: "triton,dali,fil,onnx,openvino,python,pytorch,tensorflow,tensorrt,torch" },
            agentFlags: {},
            inference: { loadDelayMs: 0, loadFailure: null, outOfMemory: false },
            origin: o("document[0]", 2, 1, M),
          },
        ],
      },
      resources: [
        {
          apiVersion: "mlops.seldon.io/v1alpha1",
          kind: "Model",
          metadata: { name: "test-model-simple", namespace: "financial-ml" },
          spec: { storageUri: "s3://models/simple", requirements: ["mlflow", "torch"], server: "mlserver" },
          origin: o("resources[0]", 27, 5),
        },
        {
          apiVersion: "mlops.seldon.io/v1alpha1",
          kind: "Server",
          metadata: { name: "triton", namespace: "financial-mlops-pytorch" },
          spec: { serverConfig: "triton", replicas: 2, extraCapabilities: ["torch"] },
          origin: o("document[0]", 2, 1, M),
        },
        {
          apiVersion: "mlops.seldon.io/v1alpha1",
          kind: "Model",
          metadata: { name: "pytorch-model", namespace: "financial-mlops-pytorch", labels: { team: "risk" } },
          spec: { storageUri: "gs://models/pytorch", requirements: ["pytorch"], memory: "100Mi" },
          origin: o("document[1]", 12, 1, M),
        },
      ],
      network: [
        { id: "pod-local-blocked", from: { role: "agent" }, to: { role: "mlserver" }, mode: "refuse", samePod: true },
        { id: "network[1]", from: { role: "agent" }, to: { role: "scheduler", namespace: "financial-ml" }, mode: "delay", delayMs: 200 },
        { id: "flappy", from: { role: "controller" }, to: { role: "scheduler" }, mode: "flap", periodMs: 10_000, downMs: 5_000 },
      ],
      faults: [],
      timeline: [
        {
          at: 10_000,
          origin: o("timeline[0]", 49, 5),
          kind: "apply",
          resource: {
            apiVersion: "mlops.seldon.io/v1alpha1",
            kind: "Model",
            metadata: { name: "m", namespace: "financial-ml" },
            spec: { storageUri: "gs://x/m" },
            origin: o("timeline[0].apply", 51, 7),
          },
        },
        { at: null, origin: o("timeline[1]", 55, 5), kind: "delete", resource: { kind: "Model", namespace: "financial-ml", name: "m" } },
        { at: null, origin: o("timeline[2]", 56, 5), kind: "scale", server: { namespace: "financial-ml", name: "mlserver" }, replicas: 2 },
        { at: null, origin: o("timeline[3]", 57, 5), kind: "crash", target: { namespace: "financial-ml", pod: "mlserver-0", container: "agent" } },
        { at: null, origin: o("timeline[4]", 58, 5), kind: "restart", target: { namespace: "financial-ml", pod: "seldon-scheduler-0", container: "scheduler" } },
        { at: null, origin: o("timeline[5]", 59, 5), kind: "drain", server: { namespace: "financial-ml", name: "mlserver" }, replica: 0 },
        { at: null, origin: o("timeline[6]", 60, 5), kind: "block", rule: { id: "x", from: { role: "agent" }, to: { role: "scheduler" }, mode: "blackhole" } },
        { at: null, origin: o("timeline[7]", 61, 5), kind: "heal", ruleId: "x" },
        {
          at: null,
          origin: o("timeline[8]", 62, 5),
          kind: "inference",
          server: { namespace: "financial-ml", name: "mlserver" },
          replica: 0,
          behaviour: { loadDelayMs: 5000, loadFailure: "disk full", outOfMemory: true },
        },
        { at: null, origin: o("timeline[9]", 63, 5), kind: "advance", ms: 120_000 },
        { at: null, origin: o("timeline[10]", 64, 5), kind: "wait", condition: { kind: "modelReady", namespace: "financial-ml", name: "test-model-simple" }, timeoutMs: 300_000 },
        {
          at: null,
          origin: o("timeline[11]", 65, 5),
          kind: "wait",
          condition: { kind: "modelState", namespace: "financial-mlops-pytorch", name: "pytorch-model", state: "ModelAvailable" },
          timeoutMs: 300_000,
        },
        {
          at: 300_000,
          origin: o("timeline[12]", 66, 5),
          kind: "wait",
          condition: { kind: "log", component: "agent", namespace: "financial-ml", contains: "Subscribed" },
          timeoutMs: 30_000,
        },
      ],
      expect: {
        properties: [],
        traffic: [],
        tenantIsolation: true,
        models: [
          {
            namespace: "financial-ml",
            name: "test-model-simple",
            ready: false,
            desiredReplicas: 1,
            availableReplicas: 0,
            state: "ScheduleFailed",
            reason: "Failed to schedule model as no matching servers are available",
            server: "mlserver",
            replicaStates: { "0": "Available" },
            when: { kind: "end" },
            origin: o("expect.models[0]", 72, 7),
          },
        ],
        servers: [
          {
            namespace: "financial-ml",
            name: "mlserver",
            connectedReplicas: 0,
            loadedModels: 0,
            replicas: [{ idx: 0, availableMemoryBytes: 1073741824n, totalMemoryBytes: 1073741824n, loadedModels: 1 }],
            when: { kind: "end" },
            origin: o("expect.servers[0]", 81, 7),
          },
        ],
        placements: [],
        logs: [
          {
            component: "scheduler",
            namespace: "financial-ml",
            pod: "seldon-scheduler-0",
            contains: "Empty server for test-model-simple:1 so ignoring event",
            present: true,
            level: "warning",
            origin: o("expect.logs[0]", 86, 7),
          },
          { component: "agent", namespace: null, pod: null, contains: "Subscribed to scheduler", present: false, origin: o("expect.logs[1]", 91, 7) },
        ],
        rejections: [
          { namespace: "financial-ml", model: "test-model-simple", server: "mlserver", filter: "ServerRequirementsFilter", origin: o("expect.rejections[0]", 94, 7) },
          {
            namespace: "financial-ml",
            model: "test-model-simple",
            server: "mlserver",
            replica: 0,
            filter: "AvailableMemoryReplicaFilter",
            origin: o("expect.rejections[1]", 97, 7),
          },
        ],
      },
    };
    expect(s).toStrictEqual(expected);
  });
});

describe("defaults", () => {
  test("a scenario with only a name gets every default", () => {
    const s = parse("name: tiny\n");
    expect(s).toStrictEqual({
      name: "tiny",
      description: "",
      file: "dir/s.yaml",
      seed: 1,
      epochMs: Date.UTC(2025, 0, 1),
      schedulerChains: null,
      settleMs: 30_000,
      cluster: { install: "helm", controllerNamespace: "seldon-system", namespaces: [{ name: "seldon-mesh", runtime: true }], servers: [] },
      warnings: [],
      resources: [],
      network: [],
      faults: [],
      timeline: [],
      expect: { models: [], servers: [], placements: [], logs: [], rejections: [], tenantIsolation: false, properties: [], traffic: [] },
    } satisfies Scenario);
  });

  test("the name defaults to the file name without extension", () => {
    expect(parse("seed: 3\n", {}, "some/where/agent-crash.yml").name).toBe("agent-crash");
    expect(parse("seed: 3\n", {}, "x.yaml").name).toBe("x");
  });

  test("a server entry gets replicas 1, type mlserver, no env and a quiet inference server", () => {
    const s = parse("cluster:\n  servers: [{name: mlserver}]\n");
    expect(s.cluster.servers).toStrictEqual([
      {
        name: "mlserver",
        namespace: "seldon-mesh",
        replicas: 1,
        type: "mlserver",
        env: {},
        agentFlags: {},
        inference: { loadDelayMs: 0, loadFailure: null, outOfMemory: false },
        origin: { file: "dir/s.yaml", path: "cluster.servers[0]", line: 2, column: 13 },
      },
    ]);
  });

  test("network rules default to mode refuse and an id naming their place; flap defaults to 10s/5s", () => {
    const s = parse("network:\n  - {from: agent, to: scheduler}\n  - {from: agent, to: mlserver, mode: flap}\n");
    expect(s.network).toStrictEqual([
      { id: "network[0]", from: { role: "agent" }, to: { role: "scheduler" }, mode: "refuse" },
      { id: "network[1]", from: { role: "agent" }, to: { role: "mlserver" }, mode: "flap", periodMs: 10_000, downMs: 5_000 },
    ]);
  });

  test("a wait times out after 5m by default; a block step's id names the step", () => {
    const s = parse(`resources:\n${MODEL("m")}timeline:\n  - advance: 1s\n  - block: {from: agent, to: scheduler}\n  - wait: {for: {modelReady: m}}\n`);
    expect(s.timeline[1]).toMatchObject({ kind: "block", rule: { id: "timeline[1]" } });
    expect(s.timeline[2]).toMatchObject({ kind: "wait", timeoutMs: 300_000, condition: { kind: "modelReady", namespace: "seldon-mesh", name: "m" } });
  });

  test("epoch takes RFC 3339 with an offset, and Unix milliseconds", () => {
    expect(parse("epoch: 2025-07-06T16:00:00+02:00\n").epochMs).toBe(Date.UTC(2025, 6, 6, 14));
    expect(parse("epoch: 1700000000000\n").epochMs).toBe(1_700_000_000_000);
  });
});

describe("shorthand forms", () => {
  test("a namespace as a bare string has a runtime; {runtime: false} has none", () => {
    const s = parse("cluster:\n  namespaces: [a, {name: b, runtime: false}, {name: c}]\n");
    expect(s.cluster.namespaces).toStrictEqual([
      { name: "a", runtime: true },
      { name: "b", runtime: false },
      { name: "c", runtime: true },
    ]);
  });

  test("controller: false means no controller", () => {
    expect(parse("cluster: {controller: false}\n").cluster.controllerNamespace).toBeNull();
    expect(parse("cluster: {controller: ops}\n").cluster.controllerNamespace).toBe("ops");
  });

  test("references without a namespace use the only declared one; metadata.namespace too", () => {
    const s = parse(
      `cluster: {namespaces: [prod], servers: [{name: mlserver}]}\nresources:\n${MODEL("m")}timeline:\n  - scale: {server: mlserver, replicas: 3}\n  - crash: {pod: mlserver-0, container: mlserver}\n` +
        `expect:\n  models: [{model: m, ready: true}]\n`,
    );
    expect(s.resources[0]!.metadata.namespace).toBe("prod");
    expect(s.cluster.servers[0]!.namespace).toBe("prod");
    expect(s.timeline[0]).toMatchObject({ kind: "scale", server: { namespace: "prod", name: "mlserver" } });
    expect(s.timeline[1]).toMatchObject({ kind: "crash", target: { namespace: "prod", pod: "mlserver-0", container: "mlserver" } });
    expect(s.expect.models[0]).toMatchObject({ namespace: "prod", name: "m" });
  });

  test("the container may be left out where the pod has only one", () => {
    const s = parse("timeline:\n  - crash: {pod: seldon-scheduler-0}\n  - restart: {pod: seldon-v2-controller-manager-0}\n");
    expect(s.timeline.map((t) => (t.kind === "crash" || t.kind === "restart" ? t.target : null))).toStrictEqual([
      { namespace: "seldon-mesh", pod: "seldon-scheduler-0", container: "scheduler" },
      { namespace: "seldon-system", pod: "seldon-v2-controller-manager-0", container: "controller" },
    ]);
  });

  test("delete as `Kind/namespace/name` or `Kind/name`", () => {
    const s = parse(`resources:\n${MODEL("m")}timeline:\n  - delete: Model/seldon-mesh/m\n  - delete: Model/m\n`);
    expect(s.timeline.map((t) => (t.kind === "delete" ? t.resource : null))).toStrictEqual([
      { kind: "Model", namespace: "seldon-mesh", name: "m" },
      { kind: "Model", namespace: "seldon-mesh", name: "m" },
    ]);
  });

  test("capabilities as one comma-separated string; extraCapabilities add to the type's defaults", () => {
    const s = parse("cluster:\n  servers:\n    - {name: a, capabilities: 'sklearn, torch'}\n    - {name: b, type: triton, extraCapabilities: [custom]}\n");
    expect(s.cluster.servers[0]!.env).toStrictEqual({ SELDON_SERVER_CAPABILITIES: "sklearn,torch" });
    expect(s.cluster.servers[1]!.env).toStrictEqual({
      SELDON_SERVER_CAPABILITIES: "triton,dali,fil,onnx,openvino,python,pytorch,tensorflow,tensorrt,custom",
    });
  });

  test("env wins over the shorthands; numbers in env and flags become strings; flags may have dashes", () => {
    const s = parse("cluster:\n  servers:\n    - name: a\n      memory: 1G\n      env: {MEMORY_REQUEST: 2000, SELDON_LOG_LEVEL: debug}\n      agentFlags: {--server-idx: 0}\n");
    expect(s.cluster.servers[0]!.env).toStrictEqual({ MEMORY_REQUEST: "2000", SELDON_LOG_LEVEL: "debug" });
    expect(s.cluster.servers[0]!.agentFlags).toStrictEqual({ "server-idx": "0" });
  });

  test("memory takes every Kubernetes quantity form, rounded up to whole bytes", () => {
    const mem = (q: string) => parse(`cluster:\n  servers: [{name: a, memory: ${q}}]\n`).cluster.servers[0]!.env.MEMORY_REQUEST;
    expect(mem("1Gi")).toBe("1073741824");
    expect(mem("500M")).toBe("500000000");
    expect(mem("1.5Ki")).toBe("1536");
    expect(mem("1e3")).toBe("1000");
    expect(mem("123")).toBe("123");
    expect(mem("1500m")).toBe("2");
  });

  test("selectors as a role name or a full selector", () => {
    const s = parse(
      "cluster: {servers: [{name: mlserver, replicas: 2}]}\nnetwork:\n  - from: {role: agent, server: mlserver, replica: 1, pod: mlserver-1, namespace: seldon-mesh}\n    to: {role: scheduler, port: 9005}\n    mode: reset\n",
    );
    expect(s.network[0]).toStrictEqual({
      id: "network[0]",
      from: { role: "agent", server: "mlserver", replica: 1, pod: "mlserver-1", namespace: "seldon-mesh" },
      to: { role: "scheduler", port: 9005 },
      mode: "reset",
    });
  });

  test("an inference step without replica applies to every replica and changes only what it names", () => {
    const s = parse("cluster: {servers: [{name: a}]}\ntimeline:\n  - inference: {server: a, loadFailure: null}\n");
    expect(s.timeline[0]).toMatchObject({ kind: "inference", replica: null, behaviour: { loadFailure: null } });
    expect(Object.keys((s.timeline[0] as { behaviour: object }).behaviour)).toStrictEqual(["loadFailure"]);
  });

  test("wait for a log line and for a model state", () => {
    const s = parse(`resources:\n${MODEL("m")}timeline:\n  - wait: {for: {log: {component: scheduler, contains: hello}}, timeout: 10s}\n  - wait: {for: {modelState: {model: m, state: ModelFailed}}}\n`);
    expect(s.timeline[0]).toMatchObject({ kind: "wait", timeoutMs: 10_000, condition: { kind: "log", component: "scheduler", namespace: null, contains: "hello" } });
    expect(s.timeline[1]).toMatchObject({ condition: { kind: "modelState", namespace: "seldon-mesh", name: "m", state: "ModelFailed" } });
  });
});

describe("Seldon resources and the topology", () => {
  test("a SeldonRuntime declares its namespace (with a scheduler)", () => {
    const s = parse(
      "resources:\n  - apiVersion: mlops.seldon.io/v1alpha1\n    kind: SeldonRuntime\n    metadata: {name: seldon, namespace: tenant-a}\n    spec: {seldonConfig: default}\n" +
        MODEL("m", "tenant-a"),
    );
    expect(s.cluster.namespaces).toStrictEqual([{ name: "tenant-a", runtime: true }]);
    expect(s.resources.map((r) => `${r.kind}/${r.metadata.namespace}/${r.metadata.name}`)).toStrictEqual(["SeldonRuntime/tenant-a/seldon", "Model/tenant-a/m"]);
  });

  test("a SeldonRuntime turns runtime on for a namespace declared without saying", () => {
    const s = parse(
      "cluster: {namespaces: [{name: a}, b]}\nresources:\n  - apiVersion: mlops.seldon.io/v1alpha1\n    kind: SeldonRuntime\n    metadata: {name: seldon, namespace: a}\n    spec: {seldonConfig: default}\n",
    );
    expect(s.cluster.namespaces).toStrictEqual([
      { name: "a", runtime: true },
      { name: "b", runtime: true },
    ]);
  });

  test("a Server resource without a cluster.servers entry gets pods: replicas, type, capabilities and memory from its spec", () => {
    const s = parse(
      "resources:\n  - apiVersion: mlops.seldon.io/v1alpha1\n    kind: Server\n    metadata: {name: big}\n    spec:\n      serverConfig: mlserver\n      replicas: 3\n      capabilities: [a, b]\n" +
        "      podSpec:\n        containers:\n          - name: mlserver\n            resources: {requests: {memory: 2Gi}}\n",
    );
    expect(s.cluster.servers).toStrictEqual([
      {
        name: "big",
        namespace: "seldon-mesh",
        replicas: 3,
        type: "mlserver",
        env: { SELDON_SERVER_CAPABILITIES: "a,b", MEMORY_REQUEST: "2147483648" },
        agentFlags: {},
        inference: { loadDelayMs: 0, loadFailure: null, outOfMemory: false },
        origin: { file: "dir/s.yaml", path: "resources[0]", line: 2, column: 5 },
      },
    ]);
  });

  test("a cluster.servers entry takes the Server resource's spec and overrides it", () => {
    const s = parse(
      "cluster:\n  servers: [{name: t, capabilities: [x]}]\nresources:\n  - apiVersion: mlops.seldon.io/v1alpha1\n    kind: Server\n    metadata: {name: t}\n    spec: {serverConfig: triton, replicas: 2, capabilities: [y]}\n",
    );
    expect(s.cluster.servers).toHaveLength(1);
    expect(s.cluster.servers[0]).toMatchObject({ name: "t", type: "triton", replicas: 2, env: { SELDON_SERVER_CAPABILITIES: "x" }, origin: { path: "cluster.servers[0]" } });
  });

  test("a cluster.servers entry without a Server resource still has pods", () => {
    const s = parse("cluster:\n  servers: [{name: orphan, replicas: 2}]\n");
    expect(s.resources).toStrictEqual([]);
    expect(s.cluster.servers.map((t) => [t.name, t.replicas])).toStrictEqual([["orphan", 2]]);
  });

  test("a ServerConfig goes to the controller's namespace; status is dropped", () => {
    const s = parse(
      "resources:\n  - apiVersion: mlops.seldon.io/v1alpha1\n    kind: ServerConfig\n    metadata: {name: mlserver}\n    spec: {podSpec: {containers: [{name: agent, image: x}]}}\n    status: {whatever: 1}\n",
    );
    expect(s.resources[0]).toMatchObject({ kind: "ServerConfig", metadata: { name: "mlserver", namespace: "seldon-system" } });
    expect(s.resources[0]).not.toHaveProperty("status");
  });

  test("a Server applied only in the timeline also gets pods", () => {
    const s = parse("timeline:\n  - at: 1m\n    apply: {apiVersion: mlops.seldon.io/v1alpha1, kind: Server, metadata: {name: late}, spec: {serverConfig: mlserver}}\n");
    expect(s.cluster.servers.map((t) => t.name)).toStrictEqual(["late"]);
    expect(s.timeline[0]).toMatchObject({ at: 60_000, kind: "apply", resource: { kind: "Server" } });
  });
});

describe("includes", () => {
  const manifests =
    "apiVersion: mlops.seldon.io/v1alpha1\nkind: Model\nmetadata: {name: a}\nspec: {storageUri: s3://a}\n---\n---\n" +
    "apiVersion: mlops.seldon.io/v1alpha1\nkind: Model\nmetadata: {name: b}\nspec: {storageUri: s3://b}\n";

  test("`file:` resolves against the scenario's folder; every document is a resource, empty ones are skipped", () => {
    const read: string[] = [];
    const s = parseScenario("resources:\n  - file: manifests/models.yaml\n", "scen/x.yaml", (p) => {
      read.push(p);
      return manifests;
    });
    expect(read).toStrictEqual([path.join("scen", "manifests", "models.yaml")]);
    expect(s.resources.map((r) => r.metadata.name)).toStrictEqual(["a", "b"]);
    expect(s.resources[1]!.origin).toStrictEqual({ file: path.join("scen", "manifests", "models.yaml"), path: "document[1]", line: 7, column: 1 });
  });

  test("apply {file} in the timeline becomes one apply step per resource, the first at `at`", () => {
    const s = parse("timeline:\n  - at: 5s\n    apply: {file: m.yaml}\n", { [path.join("dir", "m.yaml")]: manifests });
    expect(s.timeline.map((t) => [t.kind, t.at, t.kind === "apply" ? t.resource.metadata.name : null])).toStrictEqual([
      ["apply", 5000, "a"],
      ["apply", null, "b"],
    ]);
  });

  test("a kind: List (kubectl get -o yaml) is taken apart", () => {
    const s = parse("resources: [{file: l.yaml}]\n", { [path.join("dir", "l.yaml")]: `apiVersion: v1\nkind: List\nitems:\n${MODEL("x")}` });
    expect(s.resources.map((r) => r.metadata.name)).toStrictEqual(["x"]);
  });

  test("loadScenarioFile reads includes from disk relative to the scenario", () => {
    const s = loadScenarioFile(F);
    expect(s.resources.map((r) => r.origin.file)).toStrictEqual([F, M, M]);
  });
});

describe("isManifestText", () => {
  test("tells included manifests from scenarios", () => {
    expect(isManifestText("# c\n---\napiVersion: mlops.seldon.io/v1alpha1\nkind: Model\nmetadata: {name: m}\n")).toBe(true);
    expect(isManifestText("name: s\nresources: []\n")).toBe(false);
    expect(isManifestText("a: [\n")).toBe(false);
  });
});
