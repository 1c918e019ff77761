import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { UserError } from "../../src/core/errors.ts";
import { loadScenarioFile, parseScenario, ScenarioError } from "../../src/scenario/parse.ts";

const FILE = "cases/bad.yaml";

/** The error parsing `text` throws (failing the test when it parses). */
function errorOf(text: string, files: Record<string, string> = {}): ScenarioError {
  try {
    parseScenario(text, FILE, (p) => {
      const t = files[p];
      if (t === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: "ENOENT" });
      return t;
    });
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    expect(e).toBeInstanceOf(UserError);
    return e as ScenarioError;
  }
  throw new Error("expected the scenario to be refused, but it parsed");
}

/** Asserts one error line `file:line:col: path: ...` that contains every `parts`. */
function expectError(text: string, at: { line: number; col: number; path: string; file?: string }, parts: string[], files: Record<string, string> = {}): ScenarioError {
  const e = errorOf(text, files);
  const prefix = `${at.file ?? FILE}:${at.line}:${at.col}: ${at.path}${at.path ? ": " : ""}`;
  const line = e.message.split("\n").find((l) => l.startsWith(prefix));
  expect(line, `no error line starts with ${JSON.stringify(prefix)} in:\n${e.message}`).toBeDefined();
  for (const p of parts) expect(line).toContain(p);
  // what the CLI prints is the same text
  expect(e.describe()).toBe(e.message);
  return e;
}

const MODEL = (name: string, ns?: string, spec = "{storageUri: s3://m}") =>
  `  - apiVersion: mlops.seldon.io/v1alpha1\n    kind: Model\n    metadata: {name: ${name}${ns ? `, namespace: ${ns}` : ""}}\n    spec: ${spec}\n`;

describe("unknown fields, anywhere, with a suggestion", () => {
  test("top level", () => {
    expectError("nmae: x\n", { line: 1, col: 1, path: "nmae" }, ["unknown field `nmae` in the scenario", "did you mean `name`?"]);
  });

  test("a prefix is suggested too", () => {
    expectError("desc: x\n", { line: 1, col: 1, path: "desc" }, ["did you mean `description`?"]);
  });

  test("with no close name, the fields are listed", () => {
    expectError("cluster: {zzzzzz: 1}\n", { line: 1, col: 11, path: "cluster.zzzzzz" }, ["unknown field `zzzzzz` in cluster", "expected one of: controller, namespaces, servers"]);
  });

  test("in a server", () => {
    expectError("cluster:\n  servers:\n    - name: a\n      replica: 2\n", { line: 4, col: 7, path: "cluster.servers[0].replica" }, ["unknown field `replica` in a server", "did you mean `replicas`?"]);
  });

  test("in inference behaviour", () => {
    expectError("cluster:\n  servers:\n    - name: a\n      inference: {loadDelays: 1s}\n", { line: 4, col: 19, path: "cluster.servers[0].inference.loadDelays" }, ["did you mean `loadDelay`?"]);
  });

  test("in a network rule and a selector", () => {
    const e = expectError("network:\n  - from: {rol: agent}\n    to: scheduler\n    samepod: true\n", { line: 2, col: 12, path: "network[0].from.rol" }, ["unknown field `rol` in a network selector", "did you mean `role`?"]);
    expect(e.message).toContain(`${FILE}:4:5: network[0].samepod: unknown field \`samepod\` in a network rule; did you mean \`samePod\`?`);
  });

  test("in a timeline step: an unknown action", () => {
    expectError("timeline:\n  - crsh: {pod: seldon-scheduler-0}\n", { line: 2, col: 5, path: "timeline[0].crsh" }, ["unknown field `crsh` in a timeline step", "did you mean `crash`?"]);
  });

  test("in an expectation", () => {
    const e = expectError(`resources:\n${MODEL("m")}expect:\n  models:\n    - {model: m, avilableReplicas: 1}\n`, { line: 8, col: 18, path: "expect.models[0].avilableReplicas" }, ["did you mean `availableReplicas`?"]);
    // the misspelt field is the one problem: no second complaint that nothing is checked
    expect(e.issues).toHaveLength(1);
  });

  test("in a Model spec, against the v2.9.0 CRD: `requirement` → `requirements`", () => {
    expectError(`cluster: {namespaces: [ns1]}\nresources:\n${MODEL("m", undefined, "{storageUri: s3://x, requirement: [torch]}")}`, { line: 6, col: 32, path: "resources[0].spec.requirement" }, [
      "unknown field `requirement` in Model spec",
      "did you mean `requirements`?",
    ]);
  });

  test("deep in a Server spec (podSpec containers)", () => {
    expectError(
      "resources:\n  - apiVersion: mlops.seldon.io/v1alpha1\n    kind: Server\n    metadata: {name: s}\n    spec:\n      serverConfig: mlserver\n      podSpec:\n        containers:\n          - name: mlserver\n            resource: {}\n",
      { line: 10, col: 13, path: "resources[0].spec.podSpec.containers[0].resource" },
      ["unknown field `resource` in container", "did you mean `resources`?"],
    );
  });

  test("in a SeldonRuntime spec and in metadata", () => {
    const e = expectError(
      "resources:\n  - apiVersion: mlops.seldon.io/v1alpha1\n    kind: SeldonRuntime\n    metadata: {name: r, namespace: a, label: {}}\n    spec: {seldonConfig: default, overides: []}\n",
      { line: 4, col: 39, path: "resources[0].metadata.label" },
      ["unknown field `label` in metadata", "did you mean `labels`?"],
    );
    expect(e.message).toContain("resources[0].spec.overides: unknown field `overides` in SeldonRuntime spec; did you mean `overrides`?");
  });

  test("in an included manifest: the included file is named", () => {
    expectError(
      "resources: [{file: m.yaml}]\n",
      { file: path.join("cases", "m.yaml"), line: 4, col: 23, path: "spec.replica" },
      ["unknown field `replica` in Model spec", "did you mean `replicas`?"],
      { [path.join("cases", "m.yaml")]: "apiVersion: mlops.seldon.io/v1alpha1\nkind: Model\nmetadata: {name: m}\nspec: {storageUri: x, replica: 2}\n" },
    );
  });

  test("an agent env variable the agent does not read", () => {
    expectError("cluster:\n  servers:\n    - name: a\n      env: {SELDON_SERVER_GRCP_PORT: 1}\n", { line: 4, col: 13, path: 'cluster.servers[0].env.SELDON_SERVER_GRCP_PORT' }, [
      "is not an environment variable the v2.9.0 agent reads",
      "did you mean `SELDON_SERVER_GRPC_PORT`?",
    ]);
  });

  test("an agent flag the agent does not have", () => {
    expectError("cluster:\n  servers:\n    - name: a\n      agentFlags: {inference-hots: x}\n", { line: 4, col: 20, path: "cluster.servers[0].agentFlags.inference-hots" }, [
      "is not a flag of the v2.9.0 agent",
      "did you mean `inference-host`?",
    ]);
  });
});

describe("wrong values", () => {
  test("wrong type", () => {
    expectError("seed: abc\n", { line: 1, col: 7, path: "seed" }, ['expected a whole number ≥ 0 (the random seed), got the string "abc"']);
    expectError("cluster:\n  servers: {name: a}\n", { line: 2, col: 12, path: "cluster.servers" }, ["expected a list of servers, got a mapping"]);
    expectError("cluster: {servers: [{name: a, replicas: two}]}\n", { line: 1, col: 41, path: "cluster.servers[0].replicas" }, ['got the string "two"']);
    expectError(`resources:\n${MODEL("m", undefined, "{storageUri: s3://x, requirements: torch}")}`, { line: 5, col: 46, path: "resources[0].spec.requirements" }, ['expected a list, got the string "torch"']);
  });

  test("negative memory, on a server and in a Model spec", () => {
    expectError("cluster:\n  servers:\n    - name: mlserver\n      memory: -1Gi\n", { line: 4, col: 15, path: "cluster.servers[0].memory" }, ["memory cannot be negative", "-1Gi"]);
    expectError(`resources:\n${MODEL("m", undefined, "{storageUri: s3://x, memory: -5M}")}`, { line: 5, col: 40, path: "resources[0].spec.memory" }, ["expected a quantity ≥ 0", "-5M"]);
  });

  test("a memory that is not a quantity suggests the suffix", () => {
    expectError("cluster: {servers: [{name: a, memory: 1GB}]}\n", { line: 1, col: 39, path: "cluster.servers[0].memory" }, ["unknown suffix `GB`", "did you mean `G`?"]);
  });

  test("a duration that does not parse", () => {
    expectError("timeline:\n  - advance: 10 seconds\n", { line: 2, col: 14, path: "timeline[0].advance" }, ["expected a duration such as `500ms`, `10s`"]);
    expectError("settle: 30\n", { line: 1, col: 9, path: "settle" }, ["bare number 30", "`30s`"]);
    expectError("timeline:\n  - at: 1.5x\n    advance: 1s\n", { line: 2, col: 9, path: "timeline[0].at" }, ["units: ms, s, m, h"]);
    expectError("settle: -1s\n", { line: 1, col: 9, path: "settle" }, ["cannot be negative"]);
  });

  test("an unknown role in a network rule", () => {
    const e = expectError("network:\n  - from: {role: agnet}\n    to: {role: schedular}\n", { line: 2, col: 18, path: "network[0].from.role" }, ["unknown role `agnet`", "did you mean `agent`?"]);
    expect(e.message).toContain(`${FILE}:3:16: network[0].to.role: unknown role \`schedular\`; did you mean \`scheduler\`?`);
    expectError("network:\n  - {from: envoy, to: agent}\n", { line: 2, col: 12, path: "network[0].from" }, ["unknown role `envoy`", "expected one of: scheduler, agent, mlserver, controller"]);
  });

  test("an unknown network mode, and mode-specific fields on the wrong mode", () => {
    expectError("network:\n  - {from: agent, to: scheduler, mode: blackhol}\n", { line: 2, col: 40, path: "network[0].mode" }, ["did you mean `blackhole`?"]);
    expectError("network:\n  - {from: agent, to: scheduler, mode: refuse, delay: 1s}\n", { line: 2, col: 48, path: "network[0].delay" }, ["applies only to `mode: delay`"]);
    expectError("network:\n  - {from: agent, to: scheduler, mode: delay}\n", { line: 2, col: 5, path: "network[0]" }, ["missing required field `delay`"]);
  });

  test("a selector naming a server or pod that does not exist", () => {
    expectError("cluster: {servers: [{name: mlserver}]}\nnetwork:\n  - {from: {server: mlservr}, to: scheduler}\n", { line: 3, col: 21, path: "network[0].from.server" }, ["no server `mlservr`", "did you mean `mlserver`?"]);
    expectError("cluster: {servers: [{name: mlserver}]}\nnetwork:\n  - {from: {role: scheduler, pod: mlserver-0}, to: agent}\n", { line: 3, col: 35, path: "network[0].from.pod" }, ["no scheduler runs in pod `mlserver-0`"]);
  });

  test("an unsupported apiVersion or kind names what is supported", () => {
    expectError("resources:\n  - {apiVersion: apps/v1, kind: Model, metadata: {name: x}, spec: {storageUri: s}}\n", { line: 2, col: 18, path: "resources[0].apiVersion" }, [
      "apiVersion `apps/v1` is not supported",
      "mlops.seldon.io/v1alpha1",
    ]);
    expectError("resources:\n  - {apiVersion: mlops.seldon.io/v1alpha1, kind: Pipeline, metadata: {name: x}, spec: {}}\n", { line: 2, col: 50, path: "resources[0].kind" }, [
      "kind `Pipeline` is not simulated",
      "supported kinds: Model, Server, SeldonRuntime, ServerConfig",
    ]);
    expectError("resources:\n  - {apiVersion: mlops.seldon.io/v1alpha1, kind: model, metadata: {name: x}, spec: {}}\n", { line: 2, col: 50, path: "resources[0].kind" }, ["did you mean `Model`?"]);
  });

  test("a Model without storageUri, a resource without metadata.name", () => {
    expectError(`resources:\n${MODEL("m", undefined, "{server: x}")}`, { line: 5, col: 11, path: "resources[0].spec" }, ["missing required field `storageUri` in Model spec"]);
    expectError("resources:\n  - {apiVersion: mlops.seldon.io/v1alpha1, kind: Model, metadata: {}, spec: {storageUri: s}}\n", { line: 2, col: 67, path: "resources[0].metadata" }, ["missing required field `name`"]);
  });

  test("an invalid Kubernetes name", () => {
    expectError(`resources:\n${MODEL("My_Model")}`, { line: 4, col: 22, path: "resources[0].metadata.name" }, ["not a valid Kubernetes name"]);
  });
});

describe("references", () => {
  test("a Model in a namespace that is not declared", () => {
    expectError(`cluster: {namespaces: [financial-ml]}\nresources:\n${MODEL("m", "financial-m")}`, { line: 5, col: 36, path: "resources[0].metadata.namespace" }, [
      "namespace `financial-m` is not declared",
      "did you mean `financial-ml`?",
      "add it under cluster.namespaces",
    ]);
  });

  test("a Server in a namespace that is not declared", () => {
    expectError("cluster: {namespaces: [a]}\nresources:\n  - apiVersion: mlops.seldon.io/v1alpha1\n    kind: Server\n    metadata: {name: s, namespace: b}\n    spec: {serverConfig: mlserver}\n", { line: 5, col: 36, path: "resources[0].metadata.namespace" }, [
      "namespace `b` is not declared (declared: `a`)",
    ]);
  });

  test("with the implicit default namespace, the message says where it came from", () => {
    expectError(`resources:\n${MODEL("m", "prod")}`, { line: 4, col: 36, path: "resources[0].metadata.namespace" }, ["`seldon-mesh`, the default when neither cluster.namespaces nor a SeldonRuntime declares one"]);
  });

  test("a resource without namespace when several are declared", () => {
    expectError(`cluster: {namespaces: [a, b]}\nresources:\n${MODEL("m")}`, { line: 3, col: 5, path: "resources[0]" }, ["needs a namespace: 2 namespaces are declared (a, b)"]);
  });

  test("a reference without namespace when several are declared", () => {
    expectError(`cluster: {namespaces: [a, b], servers: [{name: s, namespace: a}]}\ntimeline:\n  - scale: {server: s, replicas: 2}\n`, { line: 3, col: 21, path: "timeline[0].scale.server" }, [
      "write the server as `namespace/s`: 2 namespaces are declared (a, b)",
    ]);
  });

  test("an expectation naming an unknown model", () => {
    expectError(`resources:\n${MODEL("iris")}expect:\n  models:\n    - model: seldon-mesh/irs\n      ready: true\n`, { line: 8, col: 14, path: "expect.models[0].model" }, [
      "no Model `seldon-mesh/irs` is applied in this scenario",
      "did you mean `seldon-mesh/iris`?",
    ]);
    expectError(`resources:\n${MODEL("iris")}expect:\n  rejections: [{model: nope, server: x, filter: ServerReplicaFilter}]\n`, { line: 7, col: 24, path: "expect.rejections[0].model" }, ["no Model `seldon-mesh/nope`"]);
    expectError("timeline:\n  - wait: {for: {modelReady: m}}\n", { line: 2, col: 30, path: "timeline[0].wait.for.modelReady" }, ["no Model `seldon-mesh/m` is applied in this scenario (no Model resources at all)"]);
  });

  test("an expectation naming an unknown server", () => {
    expectError("cluster: {servers: [{name: mlserver}]}\nexpect:\n  servers: [{server: mlsrver, loadedModels: 1}]\n", { line: 3, col: 22, path: "expect.servers[0].server" }, ["no server `seldon-mesh/mlsrver`", "did you mean `seldon-mesh/mlserver`?"]);
  });

  test("heal of a rule that was never set up", () => {
    expectError("network: [{id: partition, from: agent, to: scheduler}]\ntimeline:\n  - heal: partiton\n", { line: 3, col: 11, path: "timeline[0].heal" }, ["no network rule or fault `partiton`", "did you mean `partition`?"]);
  });

  test("delete of a resource that is not applied", () => {
    expectError(`resources:\n${MODEL("iris")}timeline:\n  - delete: {kind: Model, name: irs}\n`, { line: 7, col: 13, path: "timeline[0].delete" }, ["no Model `seldon-mesh/irs` is applied", "did you mean `seldon-mesh/iris`?"]);
  });

  test("crash of a pod or container that does not exist", () => {
    expectError("cluster: {servers: [{name: mlserver}]}\ntimeline:\n  - crash: {pod: mlserver-0}\n", { line: 3, col: 12, path: "timeline[0].crash" }, ["missing required field `container`: pod `mlserver-0` has rclone, agent and mlserver"]);
    expectError("cluster: {servers: [{name: mlserver}]}\ntimeline:\n  - crash: {pod: triton-0, container: agent}\n", { line: 3, col: 18, path: "timeline[0].crash.pod" }, ["no pod `triton-0` in namespace `seldon-mesh`", "`mlserver-<replica>`"]);
    expectError("cluster: {servers: [{name: mlserver}]}\ntimeline:\n  - crash: {pod: mlserver-0, container: scheduler}\n", { line: 3, col: 41, path: "timeline[0].crash.container" }, ["pod `mlserver-0` has no container `scheduler`"]);
  });

  test("a SeldonRuntime in a namespace declared without runtime", () => {
    expectError("cluster: {namespaces: [{name: a, runtime: false}]}\nresources:\n  - {apiVersion: mlops.seldon.io/v1alpha1, kind: SeldonRuntime, metadata: {name: r, namespace: a}, spec: {seldonConfig: default}}\n", { line: 3, col: 96, path: "resources[0].metadata.namespace" }, [
      "declared with `runtime: false`",
    ]);
  });
});

describe("timeline structure", () => {
  test("a step with two actions", () => {
    expectError("timeline:\n  - advance: 1s\n    heal: x\n", { line: 3, col: 5, path: "timeline[0].heal" }, ["a timeline step takes exactly one action, this one has 2 (`advance`, `heal`)"]);
  });

  test("a step with no action", () => {
    expectError("timeline:\n  - at: 1s\n", { line: 2, col: 5, path: "timeline[0]" }, ["a timeline step needs one action: apply, delete"]);
  });

  test("an `at` earlier than a previous one", () => {
    expectError("timeline:\n  - {at: 10s, advance: 1s}\n  - {at: 5s, advance: 1s}\n", { line: 3, col: 10, path: "timeline[1].at" }, ["`at: 5s` is earlier than a previous step's `at: 10s`", `${FILE}:2:10`]);
  });

  test("a wait with two conditions, and a log expectation with both contains and absent", () => {
    expectError(`resources:\n${MODEL("m")}timeline:\n  - wait: {for: {modelReady: m, log: {component: agent, contains: x}}}\n`, { line: 7, col: 17, path: "timeline[0].wait.for" }, ["takes exactly one of modelReady, modelState, log"]);
    expectError("expect:\n  logs: [{component: agent, contains: a, absent: b}]\n", { line: 2, col: 42, path: "expect.logs[0].absent" }, ["not both"]);
  });

  test("a replica filter needs a replica; a server filter must not have one", () => {
    const base = `cluster: {servers: [{name: s}]}\nresources:\n${MODEL("m")}expect:\n  rejections:\n`;
    expectError(`${base}    - {model: m, server: s, filter: AvailableMemoryReplicaFilter}\n`, { line: 9, col: 7, path: "expect.rejections[0]" }, ["is a replica filter"]);
    expectError(`${base}    - {model: m, server: s, replica: 0, filter: ServerRequirementsFilter}\n`, { line: 9, col: 29, path: "expect.rejections[0].replica" }, ["is a server filter"]);
    expectError(`${base}    - {model: m, server: s, filter: ServerRequirementFilter}\n`, { line: 9, col: 37, path: "expect.rejections[0].filter" }, ["did you mean `ServerRequirementsFilter`?"]);
  });

  test("model and replica states are checked", () => {
    expectError(`resources:\n${MODEL("m")}expect:\n  models: [{model: m, state: Available, replicaStates: {"0": Avaliable}}]\n`, { line: 7, col: 30, path: "expect.models[0].state" }, ["unknown model state `Available`", "did you mean `ModelAvailable`?"]);
    expectError(`resources:\n${MODEL("m")}expect:\n  models: [{model: m, replicaStates: {"0": Avaliable}}]\n`, { line: 7, col: 44, path: 'expect.models[0].replicaStates["0"]' }, ["did you mean `Available`?"]);
  });
});

describe("more checks", () => {
  test("an expectation that checks nothing, an inference step that changes nothing", () => {
    expectError(`resources:\n${MODEL("m")}expect:\n  models: [{model: m}]\n`, { line: 7, col: 12, path: "expect.models[0]" }, ["checks at least one of ready, desiredReplicas"]);
    expectError("cluster: {servers: [{name: s}]}\ntimeline:\n  - inference: {server: s, replica: 0}\n", { line: 3, col: 16, path: "timeline[0].inference" }, ["changes at least one of loadDelay, loadFailure, outOfMemory"]);
  });

  test("a rule without `to`, and a flap whose down time is longer than its period", () => {
    expectError("network:\n  - {from: agent}\n", { line: 2, col: 5, path: "network[0]" }, ["missing required field `to` in a network rule"]);
    expectError("network:\n  - {from: agent, to: scheduler, mode: flap, period: 2s, down: 3s}\n", { line: 2, col: 64, path: "network[0].down" }, ["`down: 3s` is longer than the period (2s)"]);
  });

  test("a namespace or server declared twice", () => {
    expectError("cluster: {namespaces: [a, a]}\n", { line: 1, col: 27, path: "cluster.namespaces[1]" }, ["namespace `a` is declared twice", `${FILE}:1:24`]);
    expectError("cluster: {servers: [{name: s}, {name: s}]}\n", { line: 1, col: 32, path: "cluster.servers[1]" }, ["server `seldon-mesh/s` is declared twice"]);
  });

  test("a server type contradicting the Server resource, and a Server of an unknown ServerConfig", () => {
    const server = (sc: string) => `resources:\n  - {apiVersion: mlops.seldon.io/v1alpha1, kind: Server, metadata: {name: s}, spec: {serverConfig: ${sc}}}\n`;
    expectError(`cluster: {servers: [{name: s, type: mlserver}]}\n${server("triton")}`, { line: 1, col: 37, path: "cluster.servers[0].type" }, ["`type: mlserver` contradicts the Server resource's `serverConfig: triton`"]);
    expectError(server("custom"), { line: 2, col: 5, path: "resources[0]" }, ["serverConfig `custom`, which is not one of Seldon's shipped ServerConfigs", "add a cluster.servers entry with `type:`"]);
  });

  test("a log expectation whose pod does not run the component", () => {
    expectError("cluster: {servers: [{name: s}]}\nexpect:\n  logs: [{component: scheduler, pod: s-0, contains: x}]\n", { line: 3, col: 38, path: "expect.logs[0].pod" }, ["the scheduler does not run in pod `s-0`"]);
  });

  test("a Kubernetes manifest given as a scenario", () => {
    expectError("apiVersion: mlops.seldon.io/v1alpha1\nkind: Model\nmetadata: {name: m}\n", { line: 1, col: 1, path: "" }, ["this is a Kubernetes manifest, not a scenario"]);
  });

  test("an invalid controller namespace, a malformed delete, a bad pod IP", () => {
    expectError("cluster: {controller: Seldon_System}\n", { line: 1, col: 23, path: "cluster.controller" }, ["is not a valid namespace name"]);
    expectError("timeline:\n  - delete: Model\n", { line: 2, col: 13, path: "timeline[0].delete" }, ["expected `{kind, namespace, name}` or `Kind/namespace/name`"]);
    expectError("cluster: {servers: [{name: s, podIp: 10.42.0.300}]}\n", { line: 1, col: 38, path: "cluster.servers[0].podIp" }, ["expected an IPv4 address"]);
  });
});

describe("files and YAML", () => {
  test("a YAML syntax error is reported with file:line:col", () => {
    const e = errorOf("name: x\ncluster:\n  servers: [{name: a}\nseed: 1\n");
    expect(e.message).toMatch(/^cases\/bad\.yaml:\d+:\d+: YAML: /);
    expect(e.where).toMatchObject({ file: FILE });
    expect(e.where?.line).toBeGreaterThanOrEqual(3);
  });

  test("a duplicate key is a YAML error", () => {
    expectError("seed: 1\nseed: 2\n", { line: 2, col: 1, path: "" }, ["YAML: Map keys must be unique"]);
  });

  test("a syntax error in an included file names that file", () => {
    const e = errorOf("resources: [{file: m.yaml}]\n", { [path.join("cases", "m.yaml")]: "kind: Model\n  bad: : indent\n" });
    expect(e.message).toMatch(new RegExp(`^${path.join("cases", "m.yaml").replace(/[.]/g, "\\.")}:\\d+:\\d+: YAML: `));
  });

  test("a missing include", () => {
    expectError("resources:\n  - file: nope.yaml\n", { line: 2, col: 11, path: "resources[0].file" }, ["cannot read `nope.yaml`", "no such file"]);
  });

  test("an empty file, and a file of several documents", () => {
    expectError("", { line: 1, col: 1, path: "" }, ["the scenario file is empty"]);
    expectError("name: a\n---\nname: b\n", { line: 3, col: 1, path: "" }, ["a scenario file holds one YAML document; found 2"]);
  });

  test("a scenario that is not a mapping", () => {
    expectError("- a\n- b\n", { line: 1, col: 1, path: "" }, ["expected a mapping (the fields of the scenario), got a list"]);
  });

  test("loadScenarioFile of a missing file is a UserError naming it", () => {
    expect(() => loadScenarioFile("test/fixtures/scenarios/does-not-exist.yaml")).toThrowError(UserError);
    try {
      loadScenarioFile("test/fixtures/scenarios/does-not-exist.yaml");
    } catch (e) {
      expect((e as UserError).describe()).toBe("test/fixtures/scenarios/does-not-exist.yaml: no such file");
    }
  });
});

describe("several problems are reported together", () => {
  test("one per line, in file order, the first in `where`", () => {
    const e = errorOf("seed: -1\ncluster:\n  servers: [{name: s, replicas: two, typ: triton}]\nexpect: {logs: [{component: agent, contains: x, level: warn}]}\n");
    expect(e.message.split("\n")).toStrictEqual([
      `${FILE}:1:7: seed: expected a whole number ≥ 0 (the random seed), got the number -1`,
      `${FILE}:3:33: cluster.servers[0].replicas: expected a whole number ≥ 0, got the string "two"`,
      `${FILE}:3:38: cluster.servers[0].typ: unknown field \`typ\` in a server; did you mean \`type\`?`,
      `${FILE}:4:56: expect.logs[0].level: unknown log level \`warn\`; did you mean \`warning\`?`,
    ]);
    expect(e.issues).toHaveLength(4);
    expect(e.where).toStrictEqual({ file: FILE, path: "seed", line: 1, column: 7 });
  });
});

describe("faults in scenario files", () => {
  test("name the fault's place in the file and the field inside it", () => {
    const text = "cluster: {namespaces: [seldon-mesh]}\nfaults:\n  - link: {proxy: x}\n    toxic: {type: latenc}\n";
    expect(() => parseScenario(text, "s.yaml", () => "")).toThrow(/^s\.yaml:3:5: faults\[0\]: toxic\.type: .*got `latenc` \(did you mean "latency"\?\)/);
    const heal = "cluster: {namespaces: [seldon-mesh]}\ntimeline:\n  - fault: {id: slow, link: {proxy: x}, toxic: {type: latency}}\n  - heal: slwo\n";
    expect(() => parseScenario(heal, "s.yaml", () => "")).toThrow(/timeline\[1\]\.heal: no network rule or fault `slwo`.*slow/);
  });
});

describe("traffic", () => {
  const withModel = (rest: string) => `resources:\n${MODEL("iris")}${rest}`;

  test("a traffic action is read with its defaults, a rate becomes requests spaced 1 s / rate", () => {
    const s = parseScenario(withModel("timeline:\n  - traffic: {model: iris, requests: 3}\n  - traffic: {model: iris, rate: 4, for: 2s, protocol: grpc}\n"), FILE, () => "");
    expect(s.timeline.map((t) => (t.kind === "traffic" ? [t.model.name, t.protocol, t.count, t.intervalMs] : t.kind))).toEqual([
      ["iris", "rest", 3, 0],
      ["iris", "grpc", 8, 250],
    ]);
  });

  test("an unknown field is named with a suggestion", () => {
    expectError(withModel("timeline:\n  - traffic: {model: iris, requets: 3}\n"), { line: 7, col: 28, path: "timeline[0].traffic.requets" }, ["unknown field `requets` in a traffic action", "did you mean `requests`?"]);
  });

  test("it says how many requests, once", () => {
    expectError(withModel("timeline:\n  - traffic: {model: iris}\n"), { line: 7, col: 14, path: "timeline[0].traffic" }, ["`requests: N`", "`rate: N`"]);
    expectError(withModel("timeline:\n  - traffic: {model: iris, requests: 3, rate: 2}\n"), { line: 7, col: 41, path: "timeline[0].traffic.rate" }, ["not both"]);
    expectError(withModel("timeline:\n  - traffic: {model: iris, rate: 2}\n"), { line: 7, col: 14, path: "timeline[0].traffic" }, ["for"]);
  });

  test("the model must be applied and the protocol known", () => {
    expectError(withModel("timeline:\n  - traffic: {model: irs, requests: 1}\n"), { line: 7, col: 22, path: "timeline[0].traffic.model" }, ["no Model `seldon-mesh/irs`", "did you mean"]);
    expectError(withModel("timeline:\n  - traffic: {model: iris, requests: 1, protocol: http}\n"), { line: 7, col: 51, path: "timeline[0].traffic.protocol" }, ["unknown protocol `http`"]);
  });

  test("expect.traffic names gRPC statuses", () => {
    const s = parseScenario(withModel("expect:\n  traffic:\n    - {model: iris, ok: 2, codes: {NOT_FOUND: 1}}\n"), FILE, () => "");
    expect(s.expect.traffic).toMatchObject([{ namespace: "seldon-mesh", model: "iris", ok: 2, codes: { NOT_FOUND: 1 } }]);
    expectError(withModel("expect:\n  traffic:\n    - {model: iris, codes: {NOTFOUND: 1}}\n"), { line: 8, col: 29, path: "expect.traffic[0].codes.NOTFOUND" }, ["unknown gRPC status `NOTFOUND`", "did you mean `NOT_FOUND`?"]);
  });
});
