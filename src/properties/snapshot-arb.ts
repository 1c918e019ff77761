/**
 * A fast-check arbitrary for one placement decision's input (`SchedulingSnapshot`): a few
 * servers with replicas, and the model to place with its scheduler-side history. Values are
 * drawn from small pools so that interesting coincidences (equal free memory, the model's
 * current server being one of the candidates, capabilities matching requirements) are common,
 * and everything is built from records and arrays so that counterexamples shrink well.
 */
import fc from "fast-check";
import { MODEL_REPLICA_STATES, MODEL_STATES } from "../scheduling/states.ts";
import type {
  ModelSnapshot,
  ModelVersionState,
  NonEmptyList,
  SchedulingSnapshot,
  ServerReplicaSnapshot,
  ServerSnapshot,
} from "../scheduling/types.ts";

export interface SnapshotArbOptions {
  /** At most this many servers (default 4). */
  readonly maxServers?: number;
  /** At most this many replicas per server (default 4). */
  readonly maxReplicas?: number;
  /** Sometimes draw memory amounts near 2^64 (default true). */
  readonly hugeMemory?: boolean;
}

const UINT64_MAX = (1n << 64n) - 1n;

/** Server names; the model may also name one that does not exist. */
export const SNAPSHOT_SERVER_NAMES = ["mlserver", "triton", "mlserver-large", "custom"] as const;
const MISSING_SERVER = "seldon-system/mlserver";

/** What an mlserver ServerConfig announces by default. */
export const MLSERVER_CAPABILITIES = [
  "mlserver", "alibi-detect", "alibi-explain", "huggingface", "lightgbm", "mlflow", "python", "sklearn", "spark-mlib", "xgboost",
] as const;
/** Defaults plus what users add or mistype, including a capability stored with spaces. */
const CAPABILITY_POOL = [...MLSERVER_CAPABILITIES, "torch", "numpy", "scikit-learn", " sklearn "] as const;
/** Mostly real capability names, sometimes what users mistype. */
const REQUIREMENT_NAMES = ["sklearn", "mlflow", "xgboost", "python", "alibi-explain"] as const;
const MISTYPED_REQUIREMENTS = ["torch", "numpy", "scikit-learn"] as const;

/** Empty now and then; fast-check's size bias would otherwise make it empty far too often. */
function mostlyNonEmpty<T>(nonEmpty: fc.Arbitrary<T[]>): fc.Arbitrary<T[]> {
  return fc.oneof({ withCrossShrink: true }, { weight: 1, arbitrary: fc.constant<T[]>([]) }, { weight: 6, arbitrary: nonEmpty });
}

function uint64Arb(hugeMemory: boolean): fc.Arbitrary<bigint> {
  const small = [
    { weight: 4, arbitrary: fc.constantFrom(0n, 100n, 1000n) },
    { weight: 4, arbitrary: fc.bigInt({ min: 0n, max: 2000n }) },
  ];
  // Cross-shrinking lets a huge amount in a counterexample shrink to a small one when that suffices.
  if (!hugeMemory) return fc.oneof({ withCrossShrink: true }, ...small);
  return fc.oneof(
    { withCrossShrink: true },
    ...small,
    { weight: 1, arbitrary: fc.bigInt({ min: UINT64_MAX - 4096n, max: UINT64_MAX }) },
    { weight: 1, arbitrary: fc.constantFrom(1n << 63n, (1n << 63n) - 1n, (1n << 53n) + 1n, UINT64_MAX) },
  );
}

const capabilitiesArb: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<string[]>([...MLSERVER_CAPABILITIES]) },
  { weight: 1, arbitrary: fc.subarray<string>([...CAPABILITY_POOL]) },
);

/** Requirement names, sometimes padded with spaces or tabs. */
const requirementsArb: fc.Arbitrary<string[]> = fc.array(
  fc
    .tuple(
      fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...REQUIREMENT_NAMES) }, { weight: 1, arbitrary: fc.constantFrom(...MISTYPED_REQUIREMENTS) }),
      fc.constantFrom("", "", "", " ", "\t"),
    )
    .map(([name, pad]) => pad + name + pad),
  { maxLength: 2 },
);

function replicaArb(hugeMemory: boolean): fc.Arbitrary<Omit<ServerReplicaSnapshot, "serverName">> {
  const mem = uint64Arb(hugeMemory);
  return fc.record({
    idx: fc.integer({ min: 0, max: 5 }),
    memoryBytes: mem,
    availableMemoryBytes: mem,
    reservedMemoryBytes: fc.oneof({ weight: 2, arbitrary: fc.constant(0n) }, { weight: 3, arbitrary: mem }),
    capabilities: capabilitiesArb,
    overCommitPercentage: fc.constantFrom(10, 0),
    draining: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    loadedModels: fc.subarray(["m", "m:1", "other"]),
  });
}

function serverArb(maxReplicas: number, hugeMemory: boolean): fc.Arbitrary<ServerSnapshot> {
  return fc
    .record({
      name: fc.constantFrom(...SNAPSHOT_SERVER_NAMES),
      shared: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      expectedReplicas: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 1, arbitrary: fc.constantFrom(-1, 0) }),
      replicas: mostlyNonEmpty(fc.uniqueArray(replicaArb(hugeMemory), { selector: (r) => r.idx, minLength: 1, maxLength: maxReplicas })),
    })
    .map((s) => ({ ...s, replicas: s.replicas.map((r) => ({ ...r, serverName: s.name })) }));
}

/** A known server name or "" mostly, a missing one sometimes. */
const scheduledServerArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant("") },
  { weight: 4, arbitrary: fc.constantFrom(...SNAPSHOT_SERVER_NAMES) },
  { weight: 1, arbitrary: fc.constant(MISSING_SERVER) },
);

const versionArb: fc.Arbitrary<Omit<ModelVersionState, "version">> = fc.record({
  scheduledServer: scheduledServerArb,
  modelState: fc.constantFrom(...MODEL_STATES),
  replicaStates: fc
    .uniqueArray(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.constantFrom(...MODEL_REPLICA_STATES)), {
      selector: ([idx]) => idx,
      maxLength: 4,
    })
    .map((entries) => new Map(entries)),
});

const modelArb = (hugeMemory: boolean): fc.Arbitrary<ModelSnapshot> =>
  fc
    .record({
      requirements: requirementsArb,
      memoryBytes: uint64Arb(hugeMemory),
      replicas: fc.integer({ min: 0, max: 4 }),
      minFraction: fc.integer({ min: 0, max: 4 }),
      maxExtra: fc.integer({ min: 0, max: 2 }),
      server: fc.oneof(
        { weight: 4, arbitrary: fc.constant(null) },
        { weight: 2, arbitrary: fc.constantFrom(...SNAPSHOT_SERVER_NAMES) },
        { weight: 1, arbitrary: fc.constant(MISSING_SERVER) },
      ),
      explainer: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      deleted: fc.oneof({ weight: 19, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      versions: fc.array(versionArb, { minLength: 1, maxLength: 3 }),
    })
    .map(({ minFraction, maxExtra, versions, ...m }) => ({
      name: "m",
      ...m,
      // minReplicas in 0..replicas, shrinking towards 0.
      minReplicas: Math.min(minFraction, m.replicas),
      maxReplicas: m.replicas + maxExtra,
      existingState: { versions: numbered(versions) },
    }));

/** Versions 1, 2, … in order (the array is never empty). */
function numbered(versions: Omit<ModelVersionState, "version">[]): NonEmptyList<ModelVersionState> {
  const [first, ...rest] = versions.map((v, i) => ({ ...v, version: i + 1 }));
  if (first === undefined) throw new Error("a model needs at least one version");
  return [first, ...rest];
}

/** Snapshots of 0..4 servers (unique names) and one model. */
export function schedulingSnapshotArb(options: SnapshotArbOptions = {}): fc.Arbitrary<SchedulingSnapshot> {
  const maxServers = options.maxServers ?? 4;
  const maxReplicas = options.maxReplicas ?? 4;
  const hugeMemory = options.hugeMemory ?? true;
  return fc.record({
    servers: mostlyNonEmpty(
      fc.uniqueArray(serverArb(maxReplicas, hugeMemory), { selector: (s) => s.name, minLength: 1, maxLength: maxServers }),
    ),
    model: modelArb(hugeMemory),
  });
}
