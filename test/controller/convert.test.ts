import { describe, expect, it } from "vitest";
import {
  ConversionError,
  effectiveCapabilities,
  modelToLoadModelRequest,
  modelToUnloadModelRequest,
  serverToServerNotify,
  validatedScalingSpec,
} from "../../src/controller/convert.ts";
import { parseResource, ResourceError, type ModelResource, type ServerResource } from "../../src/controller/resources.ts";
import { M, roundTripRequest } from "../../src/proto/index.ts";
import { CONSULTATION_MODEL, SERVER } from "./harness.ts";

const model = (spec: Record<string, unknown>, meta: Record<string, unknown> = {}): ModelResource =>
  parseResource({ ...CONSULTATION_MODEL, metadata: { ...CONSULTATION_MODEL.metadata, ...meta }, spec: { storageUri: "gs://b/m", ...spec } }) as ModelResource;
const server = (spec: Record<string, unknown>, meta: Record<string, unknown> = {}): ServerResource =>
  parseResource({ ...SERVER, metadata: { ...SERVER.metadata, ...meta }, spec: { serverConfig: "mlserver", ...spec } }) as ServerResource;

describe("Model → LoadModelRequest (AsSchedulerModel)", () => {
  it("converts the consultation model exactly", () => {
    const req = modelToLoadModelRequest(parseResource(CONSULTATION_MODEL) as ModelResource);
    expect(req).toStrictEqual({
      model: {
        meta: { name: "test-model-simple", kubernetesMeta: { namespace: "financial-ml", generation: 1 } },
        modelSpec: {
          uri: "s3://mlflow-artifacts/28/models/m-d6d788df1b5849b3a3df1d04434c17b9/artifacts/",
          requirements: ["mlflow", "torch", "numpy", "scikit-learn"],
          server: "mlserver",
          storageConfig: { storageSecretName: "ml-platform" },
        },
        deploymentSpec: { replicas: 1, minReplicas: 0, maxReplicas: 0, logPayloads: false },
      },
    });
    // and survives the wire: unset optionals stay unset, the secret is the oneof member
    const wire = roundTripRequest(M.scheduler.LoadModel, req) as {
      model: { modelSpec: Record<string, unknown>; meta: { kubernetesMeta: { generation: string } } };
    };
    expect(wire.model.modelSpec.memoryBytes).toBeUndefined();
    expect(wire.model.modelSpec.artifactVersion).toBeUndefined();
    expect(wire.model.modelSpec.storageConfig).toMatchObject({ storageSecretName: "ml-platform", config: "storageSecretName" });
    expect(wire.model.meta.kubernetesMeta.generation).toBe("1"); // int64: decimal digits
  });

  it("appends modelType to the requirements, sets memory, artifact version, parameters", () => {
    const req = modelToLoadModelRequest(
      model({
        requirements: ["sklearn"], modelType: "mlflow", memory: "100Ki", artifactVersion: 3,
        parameters: [{ name: "a", value: "1" }], logger: { percent: 10 }, replicas: 3, minReplicas: 2, maxReplicas: 4,
      }, { generation: 5 }),
    );
    expect(req.model?.modelSpec).toStrictEqual({
      uri: "gs://b/m", artifactVersion: 3, requirements: ["sklearn", "mlflow"], parameters: [{ name: "a", value: "1" }], memoryBytes: 102400,
    });
    expect(req.model?.deploymentSpec).toStrictEqual({ replicas: 3, minReplicas: 2, maxReplicas: 4, logPayloads: true });
    expect(req.model?.meta?.kubernetesMeta).toStrictEqual({ namespace: "financial-ml", generation: 5 });
  });

  it("sends an explainer or an llm as the oneof", () => {
    const e = modelToLoadModelRequest(model({ explainer: { type: "anchor_tabular", modelRef: "income" } }));
    expect(e.model?.modelSpec?.explainer).toStrictEqual({ type: "anchor_tabular", modelRef: "income" });
    const wire = roundTripRequest(M.scheduler.LoadModel, e) as { model: { modelSpec: { model_spec: string } } };
    expect(wire.model.modelSpec.model_spec).toBe("explainer");
    const l = modelToLoadModelRequest(model({ llm: { pipelineRef: "p" } }));
    expect(l.model?.modelSpec?.llm).toStrictEqual({ pipelineRef: "p" });
    expect(() => modelToLoadModelRequest(model({ explainer: { type: "x" }, llm: {} }))).toThrow("Can't have both explainer and llm in model spec.");
  });

  it("defaults and checks replicas as GetValidatedScalingSpec", () => {
    expect(validatedScalingSpec()).toStrictEqual({ replicas: 1, minReplicas: 0, maxReplicas: 0 });
    expect(validatedScalingSpec(undefined, 2)).toStrictEqual({ replicas: 2, minReplicas: 2, maxReplicas: 0 });
    expect(validatedScalingSpec(0, -1, 0)).toStrictEqual({ replicas: 1, minReplicas: 0, maxReplicas: 0 });
    expect(() => validatedScalingSpec(1, 2)).toThrow(new ConversionError("number of replicas 1 must be >= min replicas  2"));
    expect(() => validatedScalingSpec(5, undefined, 3)).toThrow(new ConversionError("number of replicas 5 must be <= min replicas  3"));
  });

  it("refuses memory Kubernetes does not hold as an int64", () => {
    expect(() => modelToLoadModelRequest(model({ memory: "1.5Gi" }))).toThrow("Can't convert model memory quantity to bytes. 1536Mi");
  });

  it("UnloadModelRequest carries name, namespace and generation", () => {
    expect(modelToUnloadModelRequest(model({}, { generation: 2 }))).toStrictEqual({
      model: { name: "test-model-simple" }, kubernetesMeta: { namespace: "financial-ml", generation: 2 },
    });
  });
});

describe("Server → ServerNotify", () => {
  it("defaults expected replicas to 1 and leaves shared unset (false), as v2.9.0 does", () => {
    expect(serverToServerNotify(server({}))).toStrictEqual({
      name: "mlserver", expectedReplicas: 1, minReplicas: 0, maxReplicas: 0, shared: false,
      kubernetesMeta: { namespace: "financial-ml", generation: 1 },
    });
  });

  it("takes replicas from minReplicas when unset, and zero when deleting", () => {
    expect(serverToServerNotify(server({ minReplicas: 2, maxReplicas: 5 }, { generation: 3 }))).toMatchObject({
      expectedReplicas: 2, minReplicas: 2, maxReplicas: 5, kubernetesMeta: { generation: 3 },
    });
    expect(serverToServerNotify(server({ replicas: 4 }), { deleting: true })).toMatchObject({ expectedReplicas: 0, minReplicas: 0, maxReplicas: 0 });
    expect(() => serverToServerNotify(server({ replicas: 1, minReplicas: 3 }))).toThrow(ConversionError);
  });

  it("capabilities replace, extraCapabilities extend the ServerConfig's", () => {
    expect(effectiveCapabilities(server({ capabilities: ["a", "b"] }), "mlserver,sklearn")).toBe("a,b");
    expect(effectiveCapabilities(server({ extraCapabilities: ["torch"] }), "mlserver,sklearn")).toBe("mlserver,sklearn,torch");
    expect(effectiveCapabilities(server({}), "mlserver")).toBe("mlserver");
    expect(effectiveCapabilities(server({ capabilities: ["a"] }), undefined)).toBeUndefined();
  });
});

describe("what the API server refuses", () => {
  const refuse = (r: object): string => {
    try {
      parseResource(r);
    } catch (e) {
      expect(e).toBeInstanceOf(ResourceError);
      return (e as Error).message;
    }
    throw new Error("accepted");
  };

  it("an invalid memory quantity, with the CRD pattern", () => {
    expect(refuse({ ...CONSULTATION_MODEL, spec: { ...CONSULTATION_MODEL.spec, memory: "1 GB" } })).toMatch(
      /^Model "test-model-simple" is invalid: spec\.memory: Invalid value: "1 GB": spec\.memory in body should match '\^\(\\\+\|-\)\?/,
    );
  });

  it("unknown fields (kubectl's strict validation), missing and mistyped ones", () => {
    expect(refuse({ ...CONSULTATION_MODEL, spec: { ...CONSULTATION_MODEL.spec, requirement: ["x"] } })).toBe(
      'Model in version "v1alpha1" cannot be handled as a Model: strict decoding error: unknown field "spec.requirement"',
    );
    expect(refuse({ ...CONSULTATION_MODEL, spec: { server: "mlserver" } })).toBe('Model "test-model-simple" is invalid: spec.storageUri: Required value');
    expect(refuse({ ...SERVER, spec: { serverConfig: "mlserver", replicas: "2" } })).toContain("spec.replicas in body must be of type integer");
    expect(refuse({ ...SERVER, apiVersion: "mlops.seldon.io/v1" })).toBe('no matches for kind "Server" in version "mlops.seldon.io/v1"');
    expect(refuse({ ...SERVER, metadata: { name: "MLServer", namespace: "x" } })).toContain("a lowercase RFC 1123 subdomain");
  });

  it("accepts numbers for memory and keeps pod-shaping fields opaque", () => {
    const m = parseResource({ ...CONSULTATION_MODEL, spec: { ...CONSULTATION_MODEL.spec, memory: 1000000 } }) as ModelResource;
    expect(m.spec.memory).toBe(1000000);
    const s = parseResource({ ...SERVER, spec: { serverConfig: "mlserver", podSpec: { containers: [{ name: "mlserver" }] } } }) as ServerResource;
    expect(s.spec.podSpec).toStrictEqual({ containers: [{ name: "mlserver" }] });
  });
});
