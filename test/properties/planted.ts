/**
 * Planted bugs: changed components a property must catch. Each wraps a component's `handle`
 * in place (the session still finds the component it spawned), changing what goes in or out.
 */
import type { Component, Effect, Input } from "../../src/core/protocol.ts";
import type { Proc } from "../../src/runtime/engine.ts";
import { M } from "../../src/proto/index.ts";

type Handle = Component["handle"];
type Wrap = (c: Component, proc: Proc) => Component;

function patch(role: string, change: (orig: Handle, c: Component) => Handle): Wrap {
  return (c) => {
    if (c.role !== role) return c;
    const orig = c.handle.bind(c);
    (c as { handle: Handle }).handle = change(orig, c);
    return c;
  };
}

/** The scheduler adds a replica to every LoadModel it receives. */
export const schedulerAddsReplica: Wrap = patch("scheduler", (orig) => (input, now) => {
  if (input.kind === "incoming" && input.method === M.scheduler.LoadModel) {
    const req = structuredClone(input.request) as { model?: { deploymentSpec?: { replicas?: number } } };
    if (req.model?.deploymentSpec) req.model.deploymentSpec.replicas = (req.model.deploymentSpec.replicas ?? 1) + 1;
    return orig({ ...input, request: req }, now);
  }
  return orig(input, now);
});

/** The scheduler never notices a peer going away (so a crashed agent's replicas stay). */
export const schedulerIgnoresDisconnects: Wrap = patch("scheduler", (orig) => (input, now) =>
  input.kind === "incomingCancelled" ? [] : orig(input, now));

/** The scheduler never tells the controller a model became available. */
export const schedulerHidesAvailable: Wrap = patch("scheduler", (orig) => (input, now) =>
  orig(input, now).filter((e) => {
    if (e.kind !== "reply") return true;
    const m = e.message as { modelName?: string; versions?: { state?: { state?: string } }[] };
    return !(m.modelName !== undefined && m.versions?.[0]?.state?.state === "ModelAvailable");
  }));

/** The scheduler logs a value from an unseeded random generator. */
export const schedulerUsesMathRandom: Wrap = patch("scheduler", (orig) => (input, now) => {
  const out = orig(input, now);
  if (input.kind === "incoming" && input.method === M.scheduler.LoadModel) out.push({ kind: "log", level: "debug", msg: `jitter ${Math.random()}` });
  return out;
});

/** A placement cache kept at module level: it outlives the scheduler and leaks into the next run. */
const placedEver = new Set<string>();
export const schedulerWithGlobalCache: Wrap = patch("scheduler", (orig) => (input, now) => {
  if (input.kind === "incoming" && input.method === M.scheduler.LoadModel) {
    const name = (input.request as { model?: { meta?: { name?: string } } }).model?.meta?.name ?? "";
    if (placedEver.has(name)) return [{ kind: "reply", call: input.call, message: {} }, { kind: "finish", call: input.call, status: { code: 0, details: "" } }];
    placedEver.add(name);
  }
  return orig(input, now);
});

/** The agent never reports a load (or an unload) as done. */
export const agentSwallowsEvent = (event: "LOADED" | "UNLOADED"): Wrap =>
  patch("agent", (orig) => (input, now) =>
    orig(input, now).filter((e: Effect) => !(e.kind === "call" && e.method === M.agent.AgentEvent && (e.request as { event?: string }).event === event)));

/** MLServer answers RepositoryModelUnload with OK but keeps the model. */
export const mlserverIgnoresUnload: Wrap = patch("mlserver", (orig) => (input: Input, now) => {
  if (input.kind === "incoming" && input.method === M.inference.RepositoryModelUnload) {
    return [{ kind: "reply", call: input.call, message: {} }, { kind: "finish", call: input.call, status: { code: 0, details: "" } }];
  }
  return orig(input, now);
});

/** The scheduler never retries failed models when a replica subscribes (no ScheduleFailedModels). */
export const schedulerNeverRetries: Wrap = (c) => {
  if (c.role === "scheduler") (c as unknown as { scheduleFailedModels: () => void }).scheduleFailedModels = () => {};
  return c;
};

/** The scheduler takes an agent's UNLOAD_FAILED for UNLOADED. */
export const schedulerTreatsUnloadFailedAsUnloaded: Wrap = patch("scheduler", (orig) => (input, now) => {
  if (input.kind === "incoming" && input.method === M.agent.AgentEvent && (input.request as { event?: string }).event === "UNLOAD_FAILED") {
    return orig({ ...input, request: { ...(input.request as object), event: "UNLOADED" } }, now);
  }
  return orig(input, now);
});

/** When a version fails to load, the scheduler unloads the model's older versions too. */
export const schedulerDropsOldVersionOnFailure: Wrap = patch("scheduler", (orig, c) => (input, now) => {
  const out = orig(input, now);
  if (input.kind === "incoming" && input.method === M.agent.AgentEvent) {
    const ev = input.request as { event?: string; modelName?: string; modelVersion?: number };
    if (ev.event === "LOAD_FAILED") {
      const store = (c as unknown as { store: { models: Map<string, { versions: { version: number }[] }>; unloadVersionModels(n: string, v: number): boolean } }).store;
      for (const mv of store.models.get(ev.modelName ?? "")?.versions ?? []) {
        if (mv.version < (ev.modelVersion ?? 0)) {
          try {
            store.unloadVersionModels(ev.modelName ?? "", mv.version);
          } catch {
            // a version with nothing to unload
          }
        }
      }
    }
  }
  return out;
});
