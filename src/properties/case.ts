/**
 * A generated test case: a cluster, the models applied to it and a timeline of changes and
 * faults. A case is data, and it is turned into a scenario *file* — the very text a user would
 * write — which is then parsed and run. So every case a property runs is exactly what its
 * counterexample file replays with `seldon-sim run`.
 */
import { stringify } from "yaml";
import { parseScenario } from "../scenario/parse.ts";
import type { Scenario } from "../scenario/types.ts";
import type { ChainNames } from "../scheduling/registry.ts";

export const MiB = 1024 * 1024;

export interface CaseNamespace {
  name: string;
  /** Has a `SeldonRuntime` (its own scheduler). */
  runtime: boolean;
}

export interface CaseServer {
  namespace: string;
  name: string;
  replicas: number;
  /** Memory request of the inference container, in MiB (0 allowed: an agent with no capacity). */
  memoryMiB: number;
  capabilities: string[];
  overCommitPercentage: number;
  /** The agent's `SELDON_SCHEDULER_HOST`, when not its own namespace's `seldon-scheduler`. */
  schedulerHost?: string;
}

export interface CaseModel {
  namespace: string;
  name: string;
  requirements: string[];
  /** `spec.memory` in MiB; null leaves it out (the scheduler then counts 0). */
  memoryMiB: number | null;
  replicas: number;
  /** 0 leaves `minReplicas` out. */
  minReplicas: number;
  /** 0 leaves `maxReplicas` out. */
  maxReplicas: number;
  /** `spec.server`, or null for any shared server. */
  server: string | null;
  /** Carries an `explainer` (needs `alibi-explain`). */
  explainer: boolean;
  /** Changed by an update so the spec differs and Seldon makes a new version. */
  storageUri: string;
}

/** Links a fault can cut: the agent's stream to its scheduler, the agent to its own inference
 * server, and the controller to a namespace's scheduler. */
export type CaseLink = "agent-scheduler" | "agent-mlserver" | "controller-scheduler";

export type CaseEvent =
  | { kind: "apply"; model: CaseModel }
  | { kind: "delete"; namespace: string; name: string }
  | { kind: "scale"; namespace: string; server: string; replicas: number }
  | { kind: "crash"; namespace: string; pod: string; container: "agent" | "mlserver" }
  | { kind: "restart"; namespace: string; pod: string; container: "agent" | "mlserver" }
  | { kind: "drain"; namespace: string; server: string; replica: number }
  | { kind: "block"; id: string; link: CaseLink; namespace: string; server: string | null; mode: "refuse" | "reset" | "blackhole" }
  | { kind: "heal"; id: string }
  | { kind: "inference"; namespace: string; server: string; loadDelayMs: number; failing: boolean };

export interface CaseStep {
  /** Milliseconds after the previous step. */
  afterMs: number;
  event: CaseEvent;
}

export interface PropertyCase {
  seed: number;
  namespaces: CaseNamespace[];
  servers: CaseServer[];
  /** Applied at t=0. */
  models: CaseModel[];
  timeline: CaseStep[];
  /** Run time after the last step, once every fault is healed: long enough for agents to come back. */
  settleMs: number;
  /** Scheduler plugin chains by name; null keeps Seldon's defaults. */
  chains?: ChainNames | null;
}

export const CONTROLLER_NAMESPACE = "seldon-system";

const duration = (ms: number): string => (ms % 60_000 === 0 && ms > 0 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);
const mib = (n: number): string => `${n}Mi`;

function modelResource(m: CaseModel): Record<string, unknown> {
  const spec: Record<string, unknown> = { storageUri: m.storageUri };
  if (m.requirements.length > 0) spec.requirements = m.requirements;
  if (m.memoryMiB !== null) spec.memory = mib(m.memoryMiB);
  spec.replicas = m.replicas;
  if (m.minReplicas > 0) spec.minReplicas = m.minReplicas;
  if (m.maxReplicas > 0) spec.maxReplicas = m.maxReplicas;
  if (m.server !== null) spec.server = m.server;
  if (m.explainer) spec.explainer = { type: "anchor_tabular", modelRef: "income" };
  return { apiVersion: "mlops.seldon.io/v1alpha1", kind: "Model", metadata: { name: m.name, namespace: m.namespace }, spec };
}

function serverResource(s: CaseServer, replicas: number): Record<string, unknown> {
  return {
    apiVersion: "mlops.seldon.io/v1alpha1",
    kind: "Server",
    metadata: { name: s.name, namespace: s.namespace },
    spec: { serverConfig: "mlserver", replicas },
  };
}

function rule(e: Extract<CaseEvent, { kind: "block" }>): Record<string, unknown> {
  const own = e.server === null ? { namespace: e.namespace } : { namespace: e.namespace, server: e.server };
  switch (e.link) {
    case "agent-scheduler":
      return { id: e.id, from: { role: "agent", ...own }, to: { role: "scheduler", namespace: e.namespace }, mode: e.mode };
    case "agent-mlserver":
      return { id: e.id, from: { role: "agent", ...own }, to: { role: "mlserver" }, samePod: true, mode: e.mode };
    case "controller-scheduler":
      return { id: e.id, from: { role: "controller" }, to: { role: "scheduler", namespace: e.namespace }, mode: e.mode };
  }
}

function step(e: CaseEvent, servers: Map<string, CaseServer>): Record<string, unknown> {
  switch (e.kind) {
    case "apply": return { apply: modelResource(e.model) };
    case "delete": return { delete: `Model/${e.namespace}/${e.name}` };
    case "scale": return { scale: { server: `${e.namespace}/${e.server}`, replicas: e.replicas } };
    case "crash": return { crash: { pod: `${e.namespace}/${e.pod}`, container: e.container } };
    case "restart": return { restart: { pod: `${e.namespace}/${e.pod}`, container: e.container } };
    case "drain": return { drain: { server: `${e.namespace}/${e.server}`, replica: e.replica } };
    case "block": return { block: rule(e) };
    case "heal": return { heal: e.id };
    case "inference": {
      if (!servers.has(`${e.namespace}/${e.server}`)) throw new Error(`no server ${e.namespace}/${e.server}`);
      return { inference: { server: `${e.namespace}/${e.server}`, loadDelay: duration(e.loadDelayMs), loadFailure: e.failing ? "simulated load failure" : null } };
    }
  }
}

/**
 * The scenario document of a case. Faults still in place after the last step are healed and
 * inference servers made well again, so the run ends in a state where liveness can be judged.
 */
export function caseToDocument(c: PropertyCase, extra: { name?: string; description?: string; properties?: readonly string[] } = {}): Record<string, unknown> {
  const servers = new Map(c.servers.map((s) => [`${s.namespace}/${s.name}`, s]));
  const timeline: Record<string, unknown>[] = [];
  let at = 0;
  const open = new Set<string>();
  const failing = new Set<string>();
  for (const s of c.timeline) {
    at += s.afterMs;
    timeline.push({ at: duration(at), ...step(s.event, servers) });
    if (s.event.kind === "block") open.add(s.event.id);
    if (s.event.kind === "heal") open.delete(s.event.id);
    if (s.event.kind === "inference") {
      const key = `${s.event.namespace}/${s.event.server}`;
      if (s.event.failing || s.event.loadDelayMs > 0) failing.add(key);
      else failing.delete(key);
    }
  }
  for (const id of open) timeline.push({ heal: id });
  for (const key of failing) timeline.push({ inference: { server: key, loadDelay: "0ms", loadFailure: null } });
  const doc: Record<string, unknown> = {
    name: extra.name ?? `case-${c.seed}`,
    ...(extra.description ? { description: extra.description } : {}),
    seed: c.seed,
    ...(c.chains ? { scheduler: c.chains } : {}),
    cluster: {
      controller: CONTROLLER_NAMESPACE,
      namespaces: c.namespaces.map((n) => ({ name: n.name, runtime: n.runtime })),
      servers: c.servers.map((s) => ({
        name: s.name,
        namespace: s.namespace,
        replicas: s.replicas,
        memory: mib(s.memoryMiB),
        capabilities: s.capabilities,
        overCommitPercentage: s.overCommitPercentage,
        ...(s.schedulerHost ? { env: { SELDON_SCHEDULER_HOST: s.schedulerHost } } : {}),
      })),
    },
    resources: [...c.servers.map((s) => serverResource(s, s.replicas)), ...c.models.map(modelResource)],
    timeline,
    settle: duration(c.settleMs),
    ...(extra.properties && extra.properties.length > 0 ? { expect: { properties: [...extra.properties] } } : {}),
  };
  return doc;
}

export function caseToYaml(c: PropertyCase, extra: Parameters<typeof caseToDocument>[1] = {}): string {
  return stringify(caseToDocument(c, extra), { lineWidth: 0, aliasDuplicateObjects: false });
}

/** The scenario of a case, through its file text (so a counterexample file replays it exactly). */
export function caseToScenario(c: PropertyCase, properties: readonly string[] = []): Scenario {
  const text = caseToYaml(c, { properties });
  return parseScenario(text, `case-${c.seed}.yaml`, () => {
    throw new Error("generated cases include no files");
  });
}
