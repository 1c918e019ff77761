/**
 * fast-check arbitraries for clusters, models and timelines. Exported so users can compose
 * their own cases (e.g. only their namespaces, only their capability lists).
 *
 * Timelines are generated as raw operations with small numbers that pick their targets modulo
 * what exists, then `resolveTimeline` walks them in order, keeping track of replica counts,
 * open blocks and models, and drops what no longer makes sense (crashing a pod that was scaled
 * away, healing a rule that was never put in place). That keeps every generated case valid and
 * lets fast-check shrink operations freely.
 */
import fc from "fast-check";
import { MiB, type CaseEvent, type CaseLink, type CaseModel, type CaseNamespace, type CaseServer, type CaseStep, type PropertyCase } from "./case.ts";

/** MLServer's default capabilities, then what users add or mistype. */
export const CAPABILITY_POOL = [
  "alibi-detect", "alibi-explain", "huggingface", "lightgbm", "mlflow", "python", "sklearn", "spark-mlib", "xgboost",
  "torch", "numpy", "scikit-learn", "gpu",
] as const;

/** Requirements as users write them: mostly real capability names, sometimes not. */
export const REQUIREMENT_POOL = ["sklearn", "mlflow", "xgboost", "python", "lightgbm", "alibi-explain", "torch", "scikit-learn", "numpy"] as const;

export const NAMESPACE_POOL = ["team-a", "team-b", "team-c"] as const;
export const SERVER_NAME_POOL = ["mlserver", "mlserver-large"] as const;

export interface CaseLimits {
  namespaces: number;
  serversPerNamespace: number;
  replicas: number;
  models: number;
  steps: number;
  /** Crashes, blocks, slow or failing loads and drains in timelines. */
  faults: boolean;
}

export const DEFAULT_LIMITS: CaseLimits = { namespaces: 2, serversPerNamespace: 2, replicas: 3, models: 4, steps: 8, faults: true };

export const namespacesArb = (max = DEFAULT_LIMITS.namespaces): fc.Arbitrary<CaseNamespace[]> =>
  fc.uniqueArray(fc.constantFrom(...NAMESPACE_POOL), { minLength: 1, maxLength: Math.min(max, NAMESPACE_POOL.length) }).chain((names) =>
    fc.tuple(...names.map((name) => fc.record({ name: fc.constant(name), runtime: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }) }))),
  );

export const capabilitiesArb: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<string[]>(["alibi-detect", "alibi-explain", "huggingface", "lightgbm", "mlflow", "python", "sklearn", "spark-mlib", "xgboost"]) },
  { weight: 2, arbitrary: fc.subarray<string>([...CAPABILITY_POOL], { minLength: 1 }) },
);

export const serverArb = (namespace: string, name: string, maxReplicas = DEFAULT_LIMITS.replicas): fc.Arbitrary<CaseServer> =>
  fc.record({
    namespace: fc.constant(namespace),
    name: fc.constant(name),
    replicas: fc.integer({ min: 0, max: maxReplicas }),
    memoryMiB: fc.constantFrom(1024, 512, 256, 2048, 0),
    capabilities: capabilitiesArb,
    overCommitPercentage: fc.constantFrom(10, 0, 50),
  });

export const serversArb = (namespaces: CaseNamespace[], limits: CaseLimits = DEFAULT_LIMITS): fc.Arbitrary<CaseServer[]> =>
  fc
    .tuple(...namespaces.map((ns) => fc.subarray([...SERVER_NAME_POOL], { minLength: 0, maxLength: limits.serversPerNamespace }).chain((names) =>
      fc.tuple(...names.map((n) => serverArb(ns.name, n, limits.replicas))))))
    .map((perNs) => perNs.flat());

export const modelSpecArb = (namespace: string, name: string, serverNames: readonly string[]): fc.Arbitrary<CaseModel> =>
  fc
    .record({
      requirements: fc.oneof({ weight: 3, arbitrary: fc.subarray(["sklearn", "mlflow"]) }, { weight: 1, arbitrary: fc.subarray([...REQUIREMENT_POOL], { maxLength: 3 }) }),
      memoryMiB: fc.constantFrom<number | null>(100, null, 200, 400, 800),
      replicas: fc.integer({ min: 1, max: 3 }),
      min: fc.integer({ min: 0, max: 3 }),
      maxExtra: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }),
      server: fc.oneof({ weight: 3, arbitrary: fc.constant<string | null>(null) }, { weight: 2, arbitrary: fc.constantFrom<string | null>(...serverNames, "mlserver") }),
      explainer: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      uri: fc.integer({ min: 1, max: 3 }),
    })
    .map((r) => ({
      namespace,
      name,
      requirements: r.requirements,
      memoryMiB: r.memoryMiB,
      replicas: r.replicas,
      minReplicas: Math.min(r.min, r.replicas),
      maxReplicas: r.maxExtra === null ? 0 : r.replicas + r.maxExtra,
      server: r.server,
      explainer: r.explainer,
      storageUri: `gs://seldon-models/${name}/v${r.uri}`,
    }));

/** One raw timeline operation: what to do, and small numbers that pick the target. */
export interface RawOp {
  op: "apply" | "update" | "delete" | "scale" | "crash" | "restart" | "drain" | "block" | "heal" | "inference";
  afterMs: number;
  a: number;
  b: number;
  c: number;
}

const FAULT_OPS: RawOp["op"][] = ["crash", "restart", "drain", "block", "heal", "inference"];

export const rawOpArb = (faults: boolean): fc.Arbitrary<RawOp> =>
  fc.record({
    op: fc.constantFrom<RawOp["op"]>("apply", "update", "delete", "scale", ...(faults ? FAULT_OPS : [])),
    afterMs: fc.constantFrom(1_000, 0, 100, 5_000, 30_000, 60_000),
    a: fc.nat(7),
    b: fc.nat(7),
    c: fc.nat(7),
  });

/** A whole case: topology, initial models and a timeline. */
export const caseArb = (limits: Partial<CaseLimits> = {}): fc.Arbitrary<PropertyCase> => {
  const l = { ...DEFAULT_LIMITS, ...limits };
  return namespacesArb(l.namespaces).chain((namespaces) =>
    serversArb(namespaces, l).chain((servers) => {
      const modelArb = fc.nat(namespaces.length - 1).chain((i) => {
        const ns = namespaces[i]!.name;
        return fc.constant(ns);
      });
      const specs = (ns: string, name: string) => modelSpecArb(ns, name, servers.filter((s) => s.namespace === ns).map((s) => s.name));
      return fc.record({
        seed: fc.nat(1_000_000),
        models: fc.array(modelArb, { maxLength: l.models }).chain((nss) => fc.tuple(...nss.map((ns, i) => specs(ns, `model-${i}`)))),
        pool: fc.array(fc.nat(namespaces.length - 1), { minLength: 4, maxLength: 4 }).chain((nss) =>
          fc.tuple(...nss.map((i, k) => specs(namespaces[i]!.name, `model-${l.models + k}`)))),
        ops: fc.array(rawOpArb(l.faults), { maxLength: l.steps }),
      }).map(({ seed, models, pool, ops }) => {
        const c: PropertyCase = { seed, namespaces, servers, models, timeline: [], settleMs: 15 * 60_000 };
        c.timeline = resolveTimeline(c, pool, ops);
        return c;
      });
    }),
  );
};

/**
 * Turn raw operations into valid steps. `pool` holds model specs for applies of new models and
 * for updates (an update takes the pool spec's fields under the existing name).
 */
export function resolveTimeline(c: PropertyCase, pool: readonly CaseModel[], ops: readonly RawOp[]): CaseStep[] {
  const replicas = new Map(c.servers.map((s) => [`${s.namespace}/${s.name}`, s.replicas]));
  const models = new Map(c.models.map((m) => [`${m.namespace}/${m.name}`, m]));
  const open: string[] = [];
  /** Pods whose agent was killed: a drain there could find it down (the preStop hook has no agent to ask). */
  const agentKilled = new Set<string>();
  const steps: CaseStep[] = [];
  let blocks = 0;
  let fresh = 0;
  const pick = <T>(xs: readonly T[], n: number): T | undefined => (xs.length === 0 ? undefined : xs[n % xs.length]);
  const pods = () =>
    c.servers.flatMap((s) => Array.from({ length: replicas.get(`${s.namespace}/${s.name}`) ?? 0 }, (_, i) => ({ server: s, replica: i })));
  const runtimeNamespaces = c.namespaces.filter((n) => n.runtime).map((n) => n.name);
  for (const o of ops) {
    let event: CaseEvent | undefined;
    switch (o.op) {
      case "apply": {
        const spec = pick(pool, fresh++);
        if (spec && !models.has(`${spec.namespace}/${spec.name}`)) event = { kind: "apply", model: spec };
        break;
      }
      case "update": {
        const target = pick([...models.values()], o.a);
        const spec = pick(pool, o.b);
        if (target && spec) {
          const changed: CaseModel = { ...spec, namespace: target.namespace, name: target.name, server: o.c % 2 === 0 ? target.server : spec.server };
          event = { kind: "apply", model: changed };
        }
        break;
      }
      case "delete": {
        const target = pick([...models.values()], o.a);
        if (target) event = { kind: "delete", namespace: target.namespace, name: target.name };
        break;
      }
      case "scale": {
        const s = pick(c.servers, o.a);
        if (s) event = { kind: "scale", namespace: s.namespace, server: s.name, replicas: o.b % 4 };
        break;
      }
      case "crash":
      case "restart": {
        const p = pick(pods(), o.a);
        if (p) event = { kind: o.op, namespace: p.server.namespace, pod: `${p.server.name}-${p.replica}`, container: o.b % 2 === 0 ? "agent" : "mlserver" };
        break;
      }
      case "drain": {
        const p = pick(pods(), o.a);
        if (p && !agentKilled.has(`${p.server.namespace}/${p.server.name}-${p.replica}`)) {
          event = { kind: "drain", namespace: p.server.namespace, server: p.server.name, replica: p.replica };
        }
        break;
      }
      case "block": {
        const link = pick<CaseLink>(["agent-scheduler", "agent-mlserver", "controller-scheduler"], o.a)!;
        const ns = pick(runtimeNamespaces, o.b);
        if (!ns) break;
        const servers = c.servers.filter((s) => s.namespace === ns);
        const server = link === "controller-scheduler" ? null : (pick([null, ...servers.map((s) => s.name)], o.c) ?? null);
        // Blackholed streams would hang for good without keepalives; only unary links get them.
        const mode = link === "agent-mlserver" ? pick(["refuse", "blackhole", "reset"] as const, o.c)! : pick(["refuse", "reset"] as const, o.c)!;
        const id = `fault-${blocks++}`;
        open.push(id);
        event = { kind: "block", id, link, namespace: ns, server, mode };
        break;
      }
      case "heal": {
        const id = pick(open, o.a);
        if (id) {
          open.splice(open.indexOf(id), 1);
          event = { kind: "heal", id };
        }
        break;
      }
      case "inference": {
        const s = pick(c.servers, o.a);
        if (s) event = { kind: "inference", namespace: s.namespace, server: s.name, loadDelayMs: pick([0, 500, 5_000], o.b)!, failing: o.c === 0 };
        break;
      }
    }
    if (!event) continue;
    if (event.kind === "apply") models.set(`${event.model.namespace}/${event.model.name}`, event.model);
    if (event.kind === "delete") models.delete(`${event.namespace}/${event.name}`);
    if (event.kind === "scale") replicas.set(`${event.namespace}/${event.server}`, event.replicas);
    // An inference server that is down or cut off makes its agent exit at the next readiness check.
    if (event.kind === "crash" || event.kind === "restart") agentKilled.add(`${event.namespace}/${event.pod}`);
    if (event.kind === "block" && event.link === "agent-mlserver") for (const p of pods()) if (p.server.namespace === event.namespace) agentKilled.add(`${p.server.namespace}/${p.server.name}-${p.replica}`);
    steps.push({ afterMs: o.afterMs, event });
  }
  return steps;
}

/** Sizes of a case, for the distribution `seldon-sim check` reports. */
export function caseSize(c: PropertyCase): { namespaces: number; servers: number; replicas: number; models: number; steps: number; faults: number } {
  return {
    namespaces: c.namespaces.length,
    servers: c.servers.length,
    replicas: c.servers.reduce((a, s) => a + s.replicas, 0),
    models: c.models.length + c.timeline.filter((s) => s.event.kind === "apply").length,
    steps: c.timeline.length,
    faults: c.timeline.filter((s) => ["crash", "restart", "drain", "block", "inference"].includes(s.event.kind)).length,
  };
}

export { MiB };
