/**
 * "Why is this model not Ready?" in one sentence: from the last placement decision (every
 * filter's verdict) and the snapshot it was made on, name the filter that rejects each
 * candidate and what is missing or short, and the change that would let Seldon place it where
 * Seldon's behaviour makes that change clear. The full matrix stays available; this is the
 * line a person reads first.
 */
import { goTrimSpace } from "../core/goparse.ts";
import { nearest } from "../core/suggest.ts";
import type { Decision, FilterResult } from "../scheduling/decide.ts";
import { filterFreeMemory, firstReplicaCapabilities } from "../scheduling/filters.ts";
import type { ModelSnapshot, SchedulingSnapshot, ServerReplicaSnapshot, ServerSnapshot } from "../scheduling/types.ts";

export interface Finding {
  /** The Seldon filter that rejects, or null when no filter is involved. */
  readonly filter: string | null;
  readonly server: string | null;
  readonly replica: number | null;
  /** What is missing or short, e.g. "requirements not offered by mlserver: torch, numpy". */
  readonly problem: string;
}

export interface Diagnosis {
  readonly findings: readonly Finding[];
  /** One sentence: the findings joined. */
  readonly sentence: string;
  /** What to change, when Seldon's behaviour makes it clear; null when it does not. */
  readonly fix: string | null;
}

export interface DecisionInput {
  readonly full: Decision;
  readonly snapshot: SchedulingSnapshot;
}

/** Kubernetes binary units, as a person writes them in a manifest (1Gi, 100Mi, 1.1Gi). */
export function formatBytes(bytes: bigint): string {
  const units = ["", "Ki", "Mi", "Gi", "Ti", "Pi"] as const;
  let n = Number(bytes);
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  const text = Number.isInteger(n) ? String(n) : n.toFixed(n < 10 ? 2 : 1).replace(/\.?0+$/, "");
  return `${text}${units[u]}${u === 0 ? "B" : ""}`;
}

export function diagnose(view: DecisionInput): Diagnosis {
  const { full: d, snapshot } = view;
  const model = snapshot.model;
  if (d.outcome === "deleted") return make([{ filter: null, server: null, replica: null, problem: "the model is being deleted" }], null);
  if (d.scheduled) return make([{ filter: null, server: d.server, replica: null, problem: `placed on ${d.server} (replicas ${d.replicaIdxs.join(", ")}), not yet loaded` }], null);
  if (snapshot.servers.length === 0) {
    return make(
      [{ filter: null, server: null, replica: null, problem: "no server was registered with this namespace's scheduler when it last tried to place the model" }],
      "create a Server in the model's namespace (a scheduler only sees the servers of its own namespace) and make sure its agents can reach the scheduler",
    );
  }
  const findings: Finding[] = [];
  const fixes: string[] = [];
  for (const s of d.explanation.servers) {
    const server = snapshot.servers.find((x) => x.name === s.name);
    if (!server) continue;
    if (!s.accepted) {
      const f = s.filters.find((x) => !x.pass)!;
      const found = serverProblem(f, model, server, snapshot);
      findings.push({ filter: f.name, server: s.name, replica: null, problem: found.problem });
      if (found.fix) fixes.push(found.fix);
      continue;
    }
    for (const r of s.replicas) {
      if (r.accepted) continue;
      const f = r.filters.find((x) => !x.pass)!;
      const replica = server.replicas.find((x) => x.idx === r.idx);
      if (!replica) continue;
      const found = replicaProblem(f, model, replica);
      findings.push({ filter: f.name, server: s.name, replica: r.idx, problem: found.problem });
      if (found.fix) fixes.push(found.fix);
    }
    const suitable = d.explanation.replicaOrder[s.name]?.length ?? s.replicas.filter((r) => r.accepted).length;
    if (suitable < model.replicas && suitable > 0) {
      findings.push({ filter: null, server: s.name, replica: null, problem: `${s.name} has ${suitable} suitable replica(s), the model wants ${model.replicas}` });
      fixes.push(model.minReplicas === 0 ? `set spec.minReplicas so Seldon may place fewer replicas, or scale ${s.name} up` : `scale ${s.name} up`);
    }
  }
  return make(findings, fixes.length > 0 ? [...new Set(fixes)].join("; ") : null);
}

function make(findings: Finding[], fix: string | null): Diagnosis {
  const parts = findings.map((f) => (f.filter ? `${f.filter} rejects ${f.server}${f.replica !== null ? ` replica ${f.replica}` : ""}: ${f.problem}` : f.problem));
  return { findings, sentence: `${parts.join("; ") || "no filter rejects a candidate"}.`, fix };
}

interface Found {
  problem: string;
  fix: string | null;
}

function serverProblem(f: FilterResult, model: ModelSnapshot, server: ServerSnapshot, snapshot: SchedulingSnapshot): Found {
  switch (f.name) {
    case "ServerReplicaFilter":
      return {
        problem: `no replica of ${server.name} is connected to the scheduler`,
        fix: `the agents of ${server.name} never subscribed: their log says why (an unreachable inference server, or the scheduler's port 9005 blocked)`,
      };
    case "SharingServerFilter": {
      if (model.server !== null) {
        const known = snapshot.servers.some((s) => s.name === model.server);
        if (model.server.includes("/")) {
          return { problem: `the model asks for server "${model.server}", and Seldon takes the whole string as a server name`, fix: `set spec.server to a Server in the model's own namespace (a plain name, e.g. "${server.name}")` };
        }
        return known
          ? { problem: `the model asks for server ${model.server}`, fix: null }
          : { problem: `the model asks for server ${model.server}, which has no replica in this namespace`, fix: `set spec.server to one of: ${snapshot.servers.map((s) => s.name).join(", ")}, or create Server ${model.server} in the model's namespace` };
      }
      return { problem: `${server.name} is not shared and the model does not name it in spec.server`, fix: null };
    }
    case "DeletedServerFilter":
      return { problem: `${server.name} is being deleted (expected replicas 0)`, fix: null };
    case "ServerRequirementsFilter": {
      if (server.replicas.length === 0) return { problem: `capabilities of ${server.name} unknown (no replica connected)`, fix: null };
      const caps = firstReplicaCapabilities(server);
      const missing = model.requirements.map(goTrimSpace).filter((r) => !caps.includes(r));
      const near = missing.flatMap((m) => {
        const n = nearest(m, caps);
        return n && n.distance <= Math.max(2, Math.floor(m.length / 3)) ? [`${m} → ${n.best}`] : [];
      });
      const alias = missing.flatMap((m) => (ALIASES[m] && caps.includes(ALIASES[m]) ? [`${m} → ${ALIASES[m]}`] : []));
      const renames = [...new Set([...alias, ...near])];
      const fix = renames.length > 0
        ? `rename the model's requirements (${renames.join(", ")}) and drop the rest, or add them to the Server's spec.capabilities`
        : `remove ${missing.join(", ")} from the model's spec.requirements, or add them to the Server (spec.capabilities replaces the list, spec.extraCapabilities adds to it)`;
      return { problem: `requirements not offered by ${server.name}: ${missing.join(", ")}`, fix };
    }
    default:
      return { problem: f.reason, fix: null };
  }
}

/** Library names people write for runtimes MLServer advertises under another name. */
const ALIASES: Record<string, string> = { "scikit-learn": "sklearn", "scikit_learn": "sklearn" };

function replicaProblem(f: FilterResult, model: ModelSnapshot, replica: ServerReplicaSnapshot): Found {
  switch (f.name) {
    case "AvailableMemoryReplicaFilter": {
      const free = filterFreeMemory(replica);
      if (replica.memoryBytes === 0n) {
        return {
          problem: `needs ${formatBytes(model.memoryBytes)}, replica ${replica.idx} reports no memory at all`,
          fix: "give the Server's inference container a memory request (the agent's MEMORY_REQUEST comes from it)",
        };
      }
      const reserved = replica.reservedMemoryBytes > 0n ? ` (${formatBytes(replica.reservedMemoryBytes)} reserved)` : "";
      return { problem: `needs ${formatBytes(model.memoryBytes)}, replica ${replica.idx} has ${formatBytes(free)} free${reserved}`, fix: null };
    }
    case "ExplainerFilter":
      return { problem: `replica ${replica.idx} lacks the alibi-explain capability an explainer needs`, fix: null };
    case "ReplicaDrainingFilter":
      return { problem: `replica ${replica.idx} is draining`, fix: null };
    default:
      return { problem: f.reason, fix: null };
  }
}
