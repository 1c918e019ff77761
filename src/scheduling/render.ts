/** Human-readable and JSON renderings of a decision. */
import type { Decision } from "./decide.ts";
import type { SchedulerChains } from "./registry.ts";

const PASS = "✓";

function list(items: readonly (string | number)[]): string {
  return items.length === 0 ? "(none)" : items.join(", ");
}

function decisionLines(d: Decision): string[] {
  const lines = [
    `Model ${d.model} version ${d.version}: desired replicas ${d.desiredReplicas}, min replicas ${d.minReplicas}`,
  ];
  switch (d.outcome) {
    case "scheduled":
      lines.push(`Scheduled on server ${d.server}, replicas ${list(d.replicaIdxs)}`);
      break;
    case "scheduledWithMinReplicas":
      lines.push(
        `Scheduled with the min replicas fallback on server ${d.server}, replicas ${list(d.replicaIdxs)}`,
        `Warning: ${d.warning}`,
      );
      break;
    case "noMatchingServers":
      lines.push(`Not scheduled: ${d.error}`);
      break;
    case "notEnoughReplicas":
      lines.push(
        `Not scheduled: ${d.error}`,
        `Min replicas fallback: ${d.minReplicasFallback === "failed" ? "tried, failed" : "not tried (minReplicas is 0)"}`,
      );
      break;
    case "deleted":
      lines.push(
        "Model is being deleted: nothing is placed and no error is returned",
        `Versions unloaded (they have live replicas): ${list(d.deletion.unloadVersions)}`,
        `Latest version's replicas released on server: ${d.deletion.server ?? "(none)"}`,
      );
      break;
  }
  lines.push(
    d.failedScheduling === null
      ? "FailedScheduling: not called"
      : `FailedScheduling: called, clear server ${d.failedScheduling.clearServer ? "yes" : "no"}`,
    `Server scale-up events: ${list(d.serverScaleUpEvents.map((e) => e.serverName))}`,
  );
  return lines;
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell].length)));
  return rows.map((row) =>
    row
      .map((cell, i) => cell + " ".repeat((widths[i] ?? 0) - [...cell].length))
      .join(" | ")
      .trimEnd(),
  );
}

/** The text report: decision lines, the filter table (servers and replicas × filters), the orders. */
export function renderDecisionText(d: Decision, chains: SchedulerChains): string {
  const out = decisionLines(d);
  out.push("");
  if (d.outcome === "deleted") {
    out.push("Seldon does not evaluate filters or sorters for a deleted model.");
    return `${out.join("\n")}\n`;
  }
  const sf = chains.serverFilters.map((f) => f.name);
  const rf = chains.replicaFilters.map((f) => f.name);
  const rows: string[][] = [["", "accepted", ...sf, ...rf]];
  for (const s of d.explanation.servers) {
    rows.push([
      `server ${s.name}`,
      s.accepted ? "yes" : "no",
      ...s.filters.map((f) => (f.pass ? PASS : f.reason)),
      ...rf.map(() => ""),
    ]);
    for (const r of s.replicas) {
      rows.push([
        `  replica ${r.idx}`,
        s.accepted ? (r.accepted ? "yes" : "no") : r.accepted ? "(yes)" : "(no)",
        ...sf.map(() => ""),
        ...r.filters.map((f) => (f.pass ? PASS : f.reason)),
      ]);
    }
  }
  if (d.explanation.servers.length === 0) out.push("No servers in the snapshot.");
  else {
    out.push(...table(rows));
    out.push(
      `(${PASS} = passes; otherwise Seldon's description of the check that rejects; (yes)/(no) = replica of a rejected server, which Seldon never examines)`,
    );
  }
  out.push("", `Server order: ${list(d.explanation.serverOrder)}`, "Replica order:");
  const entries = Object.entries(d.explanation.replicaOrder);
  if (entries.length === 0) out.push("  (no accepted server)");
  for (const [server, idxs] of entries) out.push(`  ${server}: ${list(idxs)}`);
  return `${out.join("\n")}\n`;
}

/** The JSON report: the decision itself (it holds no bigint), with the explanation last. */
export function renderDecisionJson(d: Decision): string {
  const { explanation, ...rest } = d;
  return `${JSON.stringify({ ...rest, explanation }, null, 2)}\n`;
}
