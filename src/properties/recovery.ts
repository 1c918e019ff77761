/**
 * What Seldon v2.9.0 guarantees after a failure, as properties. v2.9.0 does not retry a failed
 * load or unload by itself, so "eventually available" is not owed to such a model; what it does
 * promise is narrower, and each promise here is one a broken scheduler would break:
 *
 * - a failed model is retried whenever a server replica connects (`ScheduleFailedModels`);
 * - a failed unload leaves the replica `UnloadFailed`, never counted as unloaded, until the
 *   agent reports it unloaded or the replica goes away;
 * - a rollout that fails keeps the last available version: older versions are only unloaded once
 *   the latest version is `ModelAvailable` (or the model is deleted).
 */
import { M } from "../proto/index.ts";
import type { Proc, TraceEvent } from "../runtime/engine.ts";
import type { Scheduler } from "../scheduler/scheduler.ts";
import type { ReplicaState } from "../scheduler/states.ts";
import type { RunProperty, RunView } from "./property.ts";

/** Model states `ScheduleFailedModels` picks up (besides available ones short of replicas). */
const RETRIED: ReadonlySet<string> = new Set(["ModelFailed", "ScheduleFailed"]);

/** Replica states of a version asked to unload (before the agent is at it). */
const UNLOAD_ASKED: ReadonlySet<ReplicaState> = new Set<ReplicaState>(["UnloadEnvoyRequested", "UnloadRequested"]);

function schedulerIn(proc: Proc): Scheduler | null {
  return proc.role === "scheduler" && proc.component ? (proc.component as Scheduler) : null;
}

/**
 * A watch over scheduler steps that sees the trace events of every step: `absorb` takes those of
 * each step (a message is traced when its sender sends it, so an agent's event shows up in the
 * agent's step), `check` runs after each step of a scheduler. `state` is kept per run.
 */
function stepRule<S>(
  name: string,
  category: "safety" | "liveness",
  description: string,
  init: () => S,
  check: (s: Scheduler, state: S, fresh: readonly TraceEvent[], proc: Proc) => string | null,
  absorb?: (state: S, fresh: readonly TraceEvent[]) => void,
): RunProperty {
  return {
    kind: "run",
    name,
    category,
    description,
    watch: (view: RunView) => {
      let seen = 0;
      const state = init();
      return {
        step: (proc) => {
          const trace = view.session.engine.trace;
          const fresh = trace.slice(seen);
          seen = trace.length;
          absorb?.(state, fresh);
          const s = schedulerIn(proc);
          return s ? check(s, state, fresh, proc) : null;
        },
      };
    },
  };
}

// ------------------------------------------------------------------------------------------------

interface RetryState {
  /** Per scheduler: models whose latest version was failed after its previous step. */
  failed: WeakMap<Scheduler, Set<string>>;
}

function failedModels(s: Scheduler): Set<string> {
  const out = new Set<string>();
  for (const m of s.store.models.values()) {
    const st = m.latest()?.status.state;
    if (!m.deleted && st !== undefined && RETRIED.has(st)) out.add(m.name);
  }
  return out;
}

export const failedModelsRetried = stepRule<RetryState>(
  "failed-models-retried",
  "liveness",
  "Whenever a server replica subscribes, the scheduler tries again to place every model whose latest version is ModelFailed or ScheduleFailed (v2.9.0's ScheduleFailedModels): a failed model is never left alone by a new replica.",
  () => ({ failed: new WeakMap() }),
  (s, st, fresh, proc) => {
    const before = st.failed.get(s) ?? new Set<string>();
    const subscribed = fresh.find((ev) => ev.type === "log" && ev.proc === proc.id && ev.msg.startsWith("Received subscribe request from ") && ev.fields?.["source"] === "AgentServer");
    let problem: string | null = null;
    if (subscribed && subscribed.type === "log") {
      const decided = new Set(fresh.flatMap((ev) => (ev.type === "observe" && ev.proc === proc.id && ev.event.type === "scheduler.decision" ? [String(ev.event["model"])] : [])));
      for (const name of before) {
        const model = s.store.models.get(name);
        if (!model || model.deleted) continue;
        if (!decided.has(name)) {
          problem = `${proc.pod.namespace}/${name} was ${model.latest()?.status.state ?? "failed"} when ${subscribed.msg.slice("Received subscribe request from ".length)} subscribed, and the scheduler did not try to place it again`;
          break;
        }
      }
    }
    st.failed.set(s, failedModels(s));
    return problem;
  },
);

// ------------------------------------------------------------------------------------------------

interface UnloadState {
  /** `namespace/model:version@server/idx` whose last event sent by the agent was UNLOAD_FAILED. */
  failedUnloads: Set<string>;
  /** The scheduler's replica state of each of those keys at its previous step. */
  before: Map<string, ReplicaState | undefined>;
}

function replicaStateOf(s: Scheduler, key: string): ReplicaState | undefined {
  const m = /^[^/]*\/(.*):(\d+)@(.*)\/(\d+)$/.exec(key);
  if (!m) return undefined;
  const mv = s.store.models.get(m[1]!)?.version(Number(m[2]));
  if (!mv || mv.server !== m[3]) return undefined;
  return mv.replicas.get(Number(m[4]))?.state;
}

export const failedUnloadKept = stepRule<UnloadState>(
  "failed-unload-kept",
  "safety",
  "An UNLOAD_FAILED from an agent never turns into Unloaded on the scheduler: the replica stays UnloadFailed (and keeps the version's memory accounted) until the agent reports UNLOADED or the replica disconnects (which v2.9.0 takes as unloaded).",
  () => ({ failedUnloads: new Set(), before: new Map() }),
  (s, st, fresh, proc) => {
    let problem: string | null = null;
    const prefix = `${proc.pod.namespace}/`;
    // A replica that went away takes its failed unloads with it: v2.9.0 marks a deleted (or
    // superseded) model's replica Unloaded when its server replica is removed.
    const gone = new Set(fresh.flatMap((ev) => {
      const m = ev.type === "log" && ev.proc === proc.id ? /^Client replica (.+):(\d+) has disconnected$/.exec(ev.msg) : null;
      return m ? [`@${m[1]}/${m[2]}`] : [];
    }));
    for (const key of st.failedUnloads) {
      if (!key.startsWith(prefix)) continue;
      if ([...gone].some((g) => key.endsWith(g))) {
        st.failedUnloads.delete(key);
        st.before.delete(key);
        continue;
      }
      const state = replicaStateOf(s, key);
      const was = st.before.get(key);
      st.before.set(key, state);
      if (problem === null && state === "Unloaded" && was !== undefined && was !== "Unloaded") {
        problem = `${key}: the agent reported UNLOAD_FAILED, and the scheduler moved the replica from ${was} to Unloaded`;
      }
    }
    return problem;
  },
  (st, fresh) => {
    for (const ev of fresh) {
      if (ev.type !== "message" || ev.method !== M.agent.AgentEvent || ev.dir !== "request") continue;
      const m = ev.message as { modelName?: string; modelVersion?: number; serverName?: string; replicaIdx?: number; event?: string };
      const key = `${ev.from.split("/")[0]}/${m.modelName ?? ""}:${m.modelVersion ?? 0}@${m.serverName ?? ""}/${m.replicaIdx ?? 0}`;
      if (m.event === "UNLOAD_FAILED") st.failedUnloads.add(key);
      else if (m.event === "UNLOADED" || m.event === "LOADED") {
        st.failedUnloads.delete(key);
        st.before.delete(key);
      }
    }
  },
);

// ------------------------------------------------------------------------------------------------

interface RolloutState {
  /** Per scheduler: `model:version/idx` of non-latest versions already asked to unload. */
  asked: WeakMap<Scheduler, Set<string>>;
}

function olderVersionsAskedToUnload(s: Scheduler): Map<string, { model: string; version: number }> {
  const out = new Map<string, { model: string; version: number }>();
  for (const model of s.store.models.values()) {
    const latest = model.latest();
    for (const mv of model.versions) {
      if (mv === latest) continue;
      for (const [idx, r] of mv.replicas) if (UNLOAD_ASKED.has(r.state)) out.set(`${model.name}:${mv.version}/${idx}`, { model: model.name, version: mv.version });
    }
  }
  return out;
}

export const rolloutKeepsLastAvailable = stepRule<RolloutState>(
  "rollout-keeps-last-available",
  "safety",
  "An older version of a model is only asked to unload once the latest version is ModelAvailable (or the model is deleted): a rollout whose new version fails keeps serving the last available one.",
  () => ({ asked: new WeakMap() }),
  (s, st, _fresh, proc) => {
    const asked = olderVersionsAskedToUnload(s);
    const before = st.asked.get(s) ?? new Set<string>();
    let problem: string | null = null;
    for (const [key, { model: name, version }] of asked) {
      if (before.has(key)) continue;
      const model = s.store.models.get(name);
      const latest = model?.latest();
      if (!model || model.deleted || !latest || latest.status.state === "ModelAvailable") continue;
      problem = `${proc.pod.namespace}/${name}:${version} was asked to unload (${key}) while the latest version ${latest.version} is ${latest.status.state}`;
      break;
    }
    st.asked.set(s, new Set(asked.keys()));
    return problem;
  },
);

export const RECOVERY_PROPERTIES: readonly RunProperty[] = [failedModelsRetried, failedUnloadKept, rolloutKeepsLastAvailable];
