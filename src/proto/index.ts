/**
 * Loads our wire-compatible protos once and exposes, per gRPC method, the serializers that both
 * runtimes use. `sim` pushes every message through exactly these functions, so a message that
 * would not survive the wire does not survive the simulation either.
 */
import { accessSync, constants as fsConstants } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as protoLoader from "@grpc/proto-loader";
import protobuf from "protobufjs";
import type { MethodPath } from "../core/protocol.ts";
import { BoundedMemo } from "../core/memo.ts";
import { CodecBuilder, UnsupportedType, withFallback } from "./codec.ts";

export const PROTOS_DIR = fileURLToPath(new URL("../../protos/", import.meta.url));

export const PROTO_FILES = [
  "mlops/scheduler/scheduler.proto",
  "mlops/agent/agent.proto",
  "mlops/v2_dataplane/v2_dataplane.proto",
  "rclone/rc.proto",
];

/** Decoded messages are plain objects with the proto's own field names, 64-bit integers as
 * numbers, enums as their names, every field present with its default, and the name of the set
 * member of each oneof. */
export const PROTO_LOAD_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTOS_DIR],
};

export const SERVICES = {
  scheduler: "seldon.mlops.scheduler.Scheduler",
  agent: "seldon.mlops.agent.AgentService",
  inference: "inference.GRPCInferenceService",
  rclone: "seldonsim.rclone.RemoteControl",
} as const;

export type ServiceName = (typeof SERVICES)[keyof typeof SERVICES];

let cached: protoLoader.PackageDefinition | undefined;

/**
 * The decoder turns every 64-bit field into a `Long` and then into decimal digits with
 * `Long#toString`, which divides in 64-bit arithmetic digit group by digit group. Every value
 * within ±2^53 is exact as a double, so its digits are the number's own: the same text, several
 * times faster (memory sizes and generations are on every status message).
 */
function useFastLongDigits(): void {
  const Long = protobuf.util.Long as unknown as (new (low: number, high: number, unsigned?: boolean) => LongValue) | undefined;
  if (!Long || (Long as unknown as { fastDigits?: true }).fastDigits) return;
  class FastDigitsLong extends Long {
    static readonly fastDigits = true;
    override toString(radix?: number): string {
      return fastDigits(this, radix) ?? super.toString(radix);
    }
  }
  // The reader builds its 64-bit values with `new util.Long`; static helpers are inherited.
  protobuf.util.Long = FastDigitsLong as unknown as typeof protobuf.util.Long;
  protobuf.configure();
}

interface LongValue {
  low: number;
  high: number;
  unsigned: boolean;
  toNumber(): number;
  toString(radix?: number): string;
}

/** Decimal digits of a 64-bit value within ±2^53, or null (then the slow exact path). */
export function fastDigits(v: LongValue, radix?: number): string | null {
  if (radix !== undefined && radix !== 10) return null;
  const high = v.unsigned ? v.high >>> 0 : v.high | 0;
  // |value| < 2^53 ⇔ high word within ±2^21 (the signed lower bound, exactly −2^53, is exact too).
  if (high >= 0x200000 || high < -0x200000) return null;
  return String(v.toNumber());
}

export function packageDefinition(): protoLoader.PackageDefinition {
  if (!cached) {
    useFastLongDigits();
    cached = protoLoader.loadSync(PROTO_FILES, PROTO_LOAD_OPTIONS);
  }
  return cached;
}

export type MethodDefinition = protoLoader.MethodDefinition<object, object>;

/**
 * The reflection root of the same files with the same options, as proto-loader builds it
 * internally (it does not expose its own), for the codec.
 */
function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  const includeDirs = PROTO_LOAD_OPTIONS.includeDirs ?? [];
  const fallback = root.resolvePath.bind(root);
  root.resolvePath = (origin, target) => {
    if (path.isAbsolute(target)) return target;
    for (const dir of includeDirs) {
      const full = path.join(dir, target);
      try {
        accessSync(full, fsConstants.R_OK);
        return full;
      } catch {
        continue;
      }
    }
    return fallback(origin, target);
  };
  root.loadSync(PROTO_FILES, PROTO_LOAD_OPTIONS as protobuf.IParseOptions);
  root.resolveAll();
  return root;
}

type Serialize = (value: object) => Buffer;
type Deserialize = (bytes: Buffer) => object;

let codecs: Map<string, { serialize: Serialize; deserialize: Deserialize } | null> | undefined;
let builder: CodecBuilder | undefined;
let root: protobuf.Root | undefined;

/** The fast serializers of a message type, or null when the codec cannot reproduce it. */
function codecFor(typeName: string, reference: { serialize: Serialize; deserialize: Deserialize }) {
  codecs ??= new Map();
  if (!codecs.has(typeName)) {
    root ??= loadRoot();
    builder ??= new CodecBuilder();
    let made: { serialize: Serialize; deserialize: Deserialize } | null;
    try {
      made = withFallback(builder.codec(root.lookupType(typeName)), reference);
    } catch (e) {
      if (!(e instanceof UnsupportedType)) throw e;
      made = null;
    }
    codecs.set(typeName, made);
  }
  return codecs.get(typeName) ?? reference;
}

/** The method as proto-loader defines it, with its message types served by our codec. */
function withCodec(m: MethodDefinition, service: string, name: string): MethodDefinition {
  const rpc = (root ??= loadRoot()).lookupService(service).methods[name];
  if (!rpc?.resolvedRequestType || !rpc.resolvedResponseType) throw new Error(`unresolved gRPC method ${m.path}`);
  const req = codecFor(rpc.resolvedRequestType.fullName, { serialize: m.requestSerialize as Serialize, deserialize: m.requestDeserialize as Deserialize });
  const res = codecFor(rpc.resolvedResponseType.fullName, { serialize: m.responseSerialize as Serialize, deserialize: m.responseDeserialize as Deserialize });
  return { ...m, requestSerialize: req.serialize, requestDeserialize: req.deserialize, responseSerialize: res.serialize, responseDeserialize: res.deserialize };
}

const served = new Map<string, protoLoader.ServiceDefinition>();

/** The service definition, in the shape `grpc.Server#addService` accepts, with our codec. */
export function serviceDefinition(service: string): protoLoader.ServiceDefinition {
  let def = served.get(service);
  if (!def) {
    const reference = referenceServiceDefinition(service);
    def = Object.fromEntries(Object.entries(reference).map(([name, m]) => [name, withCodec(m as MethodDefinition, service, name)]));
    served.set(service, def);
  }
  return def;
}

/** The service exactly as proto-loader defines it (the codec's reference). */
export function referenceServiceDefinition(service: string): protoLoader.ServiceDefinition {
  const def = packageDefinition()[service];
  if (!def || !isServiceDefinition(def)) throw new Error(`unknown gRPC service ${service}`);
  return def;
}

function isServiceDefinition(x: unknown): x is protoLoader.ServiceDefinition {
  return typeof x === "object" && x !== null && !("format" in x) && Object.values(x).every((m) => typeof m === "object" && m !== null && "path" in m);
}

let byPath: Map<MethodPath, MethodDefinition> | undefined;
let referenceByPath: Map<MethodPath, MethodDefinition> | undefined;

function indexMethods(of: (service: string) => protoLoader.ServiceDefinition): Map<MethodPath, MethodDefinition> {
  const index = new Map<MethodPath, MethodDefinition>();
  for (const service of Object.values(SERVICES)) {
    for (const m of Object.values(of(service))) index.set(m.path as MethodPath, m as MethodDefinition);
  }
  return index;
}

export function method(path: MethodPath): MethodDefinition {
  byPath ??= indexMethods(serviceDefinition);
  const m = byPath.get(path);
  if (!m) throw new Error(`unknown gRPC method ${path}`);
  return m;
}

/** The method exactly as proto-loader defines it: what `method` must stay equal to. */
export function referenceMethod(path: MethodPath): MethodDefinition {
  referenceByPath ??= indexMethods(referenceServiceDefinition);
  const m = referenceByPath.get(path);
  if (!m) throw new Error(`unknown gRPC method ${path}`);
  return m;
}

/** The reflection root the codec is built from (the same files and options as the loader's). */
export function reflectionRoot(): protobuf.Root {
  packageDefinition();
  return (root ??= loadRoot());
}

/** Every call's service, as `serviceOf` found it (paths can come from outside peers: bounded). */
const services = new BoundedMemo<MethodPath, string>(1_024);

/** The service a method path belongs to: `/a.b.Svc/M` → `a.b.Svc`. */
export function serviceOf(path: MethodPath): string {
  return services.remember(path, servicePart);
}

const servicePart = (path: MethodPath): string => path.slice(1, path.lastIndexOf("/"));

const p = (service: string, name: string): MethodPath => `/${service}/${name}`;

/** Method paths used by the components, spelled once. */
export const M = {
  scheduler: {
    ServerNotify: p(SERVICES.scheduler, "ServerNotify"),
    LoadModel: p(SERVICES.scheduler, "LoadModel"),
    UnloadModel: p(SERVICES.scheduler, "UnloadModel"),
    ServerStatus: p(SERVICES.scheduler, "ServerStatus"),
    ModelStatus: p(SERVICES.scheduler, "ModelStatus"),
    SchedulerStatus: p(SERVICES.scheduler, "SchedulerStatus"),
    SubscribeServerStatus: p(SERVICES.scheduler, "SubscribeServerStatus"),
    SubscribeModelStatus: p(SERVICES.scheduler, "SubscribeModelStatus"),
    SubscribeControlPlane: p(SERVICES.scheduler, "SubscribeControlPlane"),
  },
  agent: {
    AgentEvent: p(SERVICES.agent, "AgentEvent"),
    Subscribe: p(SERVICES.agent, "Subscribe"),
    ModelScalingTrigger: p(SERVICES.agent, "ModelScalingTrigger"),
    AgentDrain: p(SERVICES.agent, "AgentDrain"),
  },
  inference: {
    ServerLive: p(SERVICES.inference, "ServerLive"),
    ServerReady: p(SERVICES.inference, "ServerReady"),
    ModelReady: p(SERVICES.inference, "ModelReady"),
    ServerMetadata: p(SERVICES.inference, "ServerMetadata"),
    ModelMetadata: p(SERVICES.inference, "ModelMetadata"),
    ModelInfer: p(SERVICES.inference, "ModelInfer"),
    RepositoryIndex: p(SERVICES.inference, "RepositoryIndex"),
    RepositoryModelLoad: p(SERVICES.inference, "RepositoryModelLoad"),
    RepositoryModelUnload: p(SERVICES.inference, "RepositoryModelUnload"),
  },
  rclone: {
    Noop: p(SERVICES.rclone, "Noop"),
    ConfigCreate: p(SERVICES.rclone, "ConfigCreate"),
    ConfigUpdate: p(SERVICES.rclone, "ConfigUpdate"),
    ConfigGet: p(SERVICES.rclone, "ConfigGet"),
    ConfigListRemotes: p(SERVICES.rclone, "ConfigListRemotes"),
    ConfigDelete: p(SERVICES.rclone, "ConfigDelete"),
    SyncCopy: p(SERVICES.rclone, "SyncCopy"),
    OperationsPurge: p(SERVICES.rclone, "OperationsPurge"),
  },
} as const;

/** Encode then decode, as a message crossing the wire would be. */
export function roundTripRequest(path: MethodPath, message: unknown): unknown {
  const m = method(path);
  return m.requestDeserialize(m.requestSerialize(message as object));
}

export function roundTripResponse(path: MethodPath, message: unknown): unknown {
  const m = method(path);
  return m.responseDeserialize(m.responseSerialize(message as object));
}
