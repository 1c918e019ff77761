import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/scenario/parse.ts";
import { runScenario } from "../../src/scenario/runner.ts";

const noFiles = (): string => {
  throw new Error("no includes here");
};
const parse = (text: string) => parseScenario(text, "s.yaml", noFiles);
const errorOf = (text: string): string => {
  try {
    parse(text);
  } catch (e) {
    return (e as Error).message;
  }
  return "parsed";
};

const MINIO = `
  - apiVersion: v1
    kind: Secret
    metadata: {name: minio-secret}
    stringData:
      s3: |
        {"name": "s3", "type": "s3", "parameters": {"provider": "minio"}}
`;

describe("storage and Secrets in a scenario", () => {
  it("parses storage locations and Secrets (base64 data, stringData merged over it), defaulting the namespace", () => {
    const s = parse(`
cluster: {namespaces: [ns]}
storage:
  - {type: s3, bucket: models, path: /fraud/v3/}
  - {type: gcs, bucket: seldon-models}
resources:
  - apiVersion: v1
    kind: Secret
    metadata: {name: two}
    type: Opaque
    data: {a: ${Buffer.from("hello").toString("base64")}, b: ${Buffer.from("old").toString("base64")}}
    stringData: {b: new}
`);
    expect(s.cluster.artifacts?.storage).toEqual([{ type: "s3", bucket: "models", path: "fraud/v3" }, { type: "gcs", bucket: "seldon-models" }]);
    expect(s.cluster.artifacts?.secrets.map(({ origin: _o, ...rest }) => rest)).toEqual([{ namespace: "ns", name: "two", data: { a: "hello", b: "new" } }]);
    expect(s.resources).toEqual([]);
    expect(parse("cluster: {namespaces: [ns]}").cluster.artifacts).toBeUndefined();
  });

  it("refuses a bad Secret or storage entry with one clear error naming the place", () => {
    expect(errorOf(`resources:\n  - {apiVersion: v1, kind: Secret, metadata: {name: x}, data: {k: "not base64!"}}\n`)).toMatch(/resources\[0\]\.data\.k.*base64/);
    expect(errorOf(`resources:\n  - {apiVersion: v2, kind: Secret, metadata: {name: x}}\n`)).toMatch(/apiVersion `v1`/);
    expect(errorOf(`storage:\n  - {type: s3, bucket: a/b}\n`)).toMatch(/storage\[0\]\.bucket.*without `\/`/);
    expect(errorOf(`storage:\n  - {bucket: a}\n`)).toMatch(/missing required field `type`/);
    expect(errorOf(`storage:\n  - {type: s3, bucket: a, prefix: x}\n`)).toMatch(/prefix/);
    expect(errorOf(`resources:${MINIO}${MINIO}`)).toMatch(/listed twice/);
    expect(errorOf(`timeline:\n  - apply: {apiVersion: v1, kind: Secret, metadata: {name: x}}\n`)).toMatch(/list it under the scenario's `resources`, not in the timeline/);
  });

  it("takes a SeldonRuntime's agentConfig.rclone for its namespace's agents, before the installed defaults", async () => {
    const s = parse(`
cluster:
  servers: [{name: mlserver, namespace: ns}]
storage:
  - {type: s3, bucket: models}
resources:
  - apiVersion: mlops.seldon.io/v1alpha1
    kind: SeldonRuntime
    metadata: {name: seldon, namespace: ns}
    spec:
      seldonConfig: default
      config: {agentConfig: {rclone: {config_secrets: [minio-secret]}}}
${MINIO.replace("{name: minio-secret}", "{name: minio-secret, namespace: ns}")}
  - apiVersion: mlops.seldon.io/v1alpha1
    kind: Model
    metadata: {name: fraud, namespace: ns}
    spec: {storageUri: s3://models/fraud, requirements: [sklearn]}
settle: 30s
`);
    expect(s.warnings.map((w) => w.message).join("\n")).not.toMatch(/agentConfig/);
    const r = await runScenario(s, { runtime: "sim" });
    const agent = r.logs.filter((l) => l.role === "agent").map((l) => `${l.msg} ${l.fields?.secret_name ?? ""}`.trim());
    expect(agent.filter((m) => m.startsWith("retrieving Rclone secret"))).toEqual(["retrieving Rclone secret minio-secret", "retrieving Rclone secret seldon-rclone-gs-public"]);
    expect(agent).toContain("After update current set of remotes is [gs s3]");
    // the model names no secret: the preloaded remote `s3` reaches its bucket
    expect(r.models.map((m) => `${m.name} ${m.state}`)).toEqual(["fraud ModelAvailable"]);
  });

  it("without storage, a secretName that names no Secret still downloads; with storage it fails the model", async () => {
    const model = `
  - apiVersion: mlops.seldon.io/v1alpha1
    kind: Model
    metadata: {name: fraud}
    spec: {storageUri: s3://models/fraud, secretName: nowhere, requirements: [sklearn]}`;
    const open = await runScenario(parse(`cluster: {servers: [{name: mlserver}]}\nresources:${model}\nsettle: 30s\n`), { runtime: "sim" });
    expect(open.models.map((m) => m.state)).toEqual(["ModelAvailable"]);
    const described = await runScenario(parse(`cluster: {servers: [{name: mlserver}]}\nstorage: [{type: s3, bucket: models}]\nresources:${model}\nsettle: 30s\n`), { runtime: "sim" });
    expect(described.models.map((m) => [m.state, m.reason])).toEqual([["ModelFailed", 'secrets "nowhere" not found']]);
  });

  it("a crashed rclone loses its remotes; the agent's retry after reconfiguring it still downloads", async () => {
    const s = parse(`
cluster: {servers: [{name: mlserver}]}
storage: [{type: gcs, bucket: seldon-models}]
timeline:
  - advance: 20s
  - crash: {pod: mlserver-0, container: rclone}
  - advance: 15s   # restarted after kubelet's 10 s back-off, with no remotes
  - apply:
      apiVersion: mlops.seldon.io/v1alpha1
      kind: Model
      metadata: {name: iris}
      spec: {storageUri: gs://seldon-models/mlserver/iris, requirements: [sklearn]}
settle: 30s
`);
    const r = await runScenario(s, { runtime: "sim" });
    const rclone = r.logs.filter((l) => l.role === "rclone").map((l) => l.msg);
    expect(rclone).toContain(`rc: "sync/copy": error: didn't find section in config file ("gs")`);
    expect(r.models.map((m) => `${m.name} ${m.state}`)).toEqual(["iris ModelAvailable"]);
  });
});
