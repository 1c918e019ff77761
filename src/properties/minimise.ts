/**
 * A last pass after fast-check's shrinking: fast-check shrinks well inside each generated part,
 * but a topology chosen first (namespaces, then servers) keeps parts the failure does not need.
 * Greedy removal — one timeline step, model, server or namespace at a time, keeping a removal
 * when the case still fails the same way — leaves the smallest file a user has to read.
 */
import type { CaseEvent, PropertyCase } from "./case.ts";

/** Events that name the server `ns/name` (its pods, its links, its inference behaviour). */
function touchesServer(e: CaseEvent, ns: string, name: string): boolean {
  switch (e.kind) {
    case "scale":
    case "inference":
    case "drain":
      return e.namespace === ns && e.server === name;
    case "crash":
    case "restart":
      return e.namespace === ns && e.pod.startsWith(`${name}-`) && /^\d+$/.test(e.pod.slice(name.length + 1));
    case "block":
      return e.namespace === ns && e.server === name;
    default:
      return false;
  }
}

function touchesNamespace(e: CaseEvent, ns: string): boolean {
  if (e.kind === "apply") return e.model.namespace === ns;
  if (e.kind === "heal") return false;
  return e.namespace === ns;
}

/** Drop heals whose block is gone, so every candidate stays a valid scenario. */
function repair(c: PropertyCase): PropertyCase {
  const blocks = new Set<string>();
  const timeline = c.timeline.filter((s) => {
    if (s.event.kind === "block") blocks.add(s.event.id);
    return s.event.kind !== "heal" || blocks.has(s.event.id);
  });
  return { ...c, timeline };
}

function* candidates(c: PropertyCase): Iterable<PropertyCase> {
  for (let i = c.timeline.length - 1; i >= 0; i--) yield repair({ ...c, timeline: c.timeline.filter((_, j) => j !== i) });
  for (let i = c.models.length - 1; i >= 0; i--) yield { ...c, models: c.models.filter((_, j) => j !== i) };
  for (const s of c.servers) {
    yield repair({
      ...c,
      servers: c.servers.filter((x) => x !== s),
      timeline: c.timeline.filter((st) => !touchesServer(st.event, s.namespace, s.name)),
    });
    if (s.replicas > 1) yield { ...c, servers: c.servers.map((x) => (x === s ? { ...x, replicas: x.replicas - 1 } : x)) };
  }
  if (c.namespaces.length > 1) {
    for (const n of c.namespaces) {
      yield repair({
        ...c,
        namespaces: c.namespaces.filter((x) => x !== n),
        servers: c.servers.filter((s) => s.namespace !== n.name),
        models: c.models.filter((m) => m.namespace !== n.name),
        timeline: c.timeline.filter((st) => !touchesNamespace(st.event, n.name)),
      });
    }
  }
}

/**
 * Remove what the failure does not need. `failsTheSameWay` runs a candidate and says whether it
 * fails as the original did; it is called at most `budget` times.
 */
export async function minimise(c: PropertyCase, failsTheSameWay: (c: PropertyCase) => Promise<boolean>, budget = 200): Promise<PropertyCase> {
  let best = c;
  let tries = 0;
  for (let progress = true; progress && tries < budget; ) {
    progress = false;
    for (const candidate of candidates(best)) {
      if (tries++ >= budget) break;
      if (await failsTheSameWay(candidate)) {
        best = candidate;
        progress = true;
        break;
      }
    }
  }
  return best;
}
