/**
 * What `seldon-sim run` prints for people: one scenario as a story that fits a screen
 * (expectations, the kubectl tables, one diagnosis per model that is not Ready), and a run of
 * several as one summary table with details only for the failures.
 */
import * as path from "node:path";
import stringWidth from "string-width";
import { formatLogrus, formatWithSource } from "../../runtime/logfmt.ts";
import type { LogRecord } from "../../runtime/engine.ts";
import { NO_SCHEDULER_STATE, type ModelRow, type ScenarioResult } from "../../scenario/runner.ts";
import { diagnose } from "../../report/diagnosis.ts";
import { DEFAULT_CHAINS, type SchedulerChains } from "../../scheduling/registry.ts";
import type { Decision } from "../../scheduling/decide.ts";
import { paint, type Paint, type Terminal } from "./terminal.ts";
import { humanDuration } from "../../controller/kubectl.ts";
import { renderTable, splitAligned, wrapText } from "./table.ts";

export interface StoryOptions {
  terminal: Terminal;
  logs: "all" | "warnings" | "none";
  /** Every filter's verdict on every server and replica, for each model not Ready. */
  matrix: boolean;
  /** Paths are shown relative to it. */
  cwd: string;
}

/** Warning and error lines shown in a story; the rest are counted (--logs all prints every line). */
const STORY_LOG_LINES = 4;

export function renderStory(r: ScenarioResult, o: StoryOptions): string {
  const p = paint(o.terminal);
  const width = o.terminal.columns;
  const out: string[] = [];
  const verdict = r.passed ? p.pass("PASS") : p.fail("FAIL");
  out.push(`${verdict} ${p.bold(r.name)}  ${p.dim(`${r.runtime}, seed ${r.seed}, ${(r.endMs / 1000).toFixed(1)}s simulated`)}`);
  out.push(...wrapText(p.dim(relative(o.cwd, r.file)), width, 2));
  if (r.description) out.push(...wrapText(r.description, width, 2));
  if (r.error) out.push(...wrapText(p.fail(`error: ${r.error}`), width, 2, 4));
  const held = r.expectations.filter((e) => e.passed).length;
  out.push("", p.heading(`Expectations (${held} of ${r.expectations.length} hold)`));
  for (const e of r.expectations) {
    out.push(...wrapText(`${e.passed ? p.pass("✓") : p.fail("✗")} ${e.description}`, width, 2, 4));
    if (!e.passed) {
      const at = `${relative(o.cwd, e.origin.file)}:${e.origin.line !== undefined ? `${e.origin.line}:` : ""} ${e.origin.path}`;
      out.push(...wrapText(`but ${e.actual} (${at})`, width, 6));
    }
  }
  for (const [title, text] of [["$ kubectl get models -A", r.kubectlModels], ["$ kubectl get servers -A", r.kubectlServers]] as const) {
    const t = text ? splitAligned(text) : null;
    if (!t) continue;
    out.push("", p.heading(title), ...renderTable(t.header, t.rows, { width, indent: 2 }));
  }
  if (r.traffic.length > 0) {
    out.push("", p.heading("Inference traffic"), ...renderTable(["NAMESPACE", "MODEL", "SENT", "OK", "FAILED", "PENDING", "ANSWERS"],
      r.traffic.map((t) => [t.namespace, t.model, String(t.sent), String(t.ok), t.failed > 0 ? p.warn(String(t.failed)) : "0", String(t.pending),
        Object.entries(t.codes).map(([c, n]) => `${c} ${n}`).join(", ") || "-"]),
      { width, indent: 2 }));
  }
  // Pods are shown when one is not simply running: that is when they tell something.
  if (r.pods.some((x) => x.status !== "Running" || x.restarts > 0)) {
    out.push("", p.heading("$ kubectl get pods -A"), ...renderTable(["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"],
      r.pods.map((x) => [x.namespace, x.name, x.ready, x.status === "Running" ? x.status : p.warn(x.status), String(x.restarts), x.startedAt === null ? "<none>" : humanDuration(r.endMs - x.startedAt)]),
      { width, indent: 2 }));
  }
  const unready = notReady(r);
  if (unready.length > 0) {
    out.push("", p.heading("Why not Ready"));
    for (const m of unready) {
      out.push(...whyNotReady(r, m, p, width));
      const d = r.decisions.get(`${m.namespace}/${m.name}`);
      if (o.matrix && d) out.push(...renderMatrix(d.full, DEFAULT_CHAINS, width, 4));
    }
    if (!o.matrix && r.decisions.size > 0) out.push(p.dim("  (--matrix: every filter's verdict on every server and replica)"));
  }
  if (o.logs !== "none") out.push(...logSection(r, o, p));
  return out.join("\n") + "\n";
}

/** The model, its state, one sentence naming what rejects it and why, and the fix when clear. */
export function whyNotReady(r: ScenarioResult, m: ModelRow, p: Paint, width: number): string[] {
  const out: string[] = [];
  out.push(`  ${p.bold(`${m.namespace}/${m.name}`)}  ${p.warn(m.state)}`);
  const d = r.decisions.get(`${m.namespace}/${m.name}`);
  const sentence = diagnosisSentence(r, m);
  out.push(...wrapText(sentence.text, width, 4));
  if (sentence.fix) out.push(...wrapText(`${p.pass("Fix:")} ${sentence.fix}`, width, 4, 9));
  const evidence = d ? agentEvidence(r, m.namespace, d.full) : null;
  if (evidence) out.push(...wrapText(p.dim(`agent ${evidence.pod} last said: ${evidence.msg}`), width, 4, 6));
  return out;
}

export function diagnosisSentence(r: ScenarioResult, m: ModelRow): { text: string; fix: string | null } {
  const d = r.decisions.get(`${m.namespace}/${m.name}`);
  if (d && !d.full.scheduled) {
    const dx = diagnose(d);
    return { text: dx.sentence, fix: dx.fix };
  }
  if (m.state === NO_SCHEDULER_STATE) return { text: "no scheduler knows this model: the controller could not hand it to the scheduler of its namespace.", fix: null };
  const replicas = Object.entries(m.replicaStates).map(([i, s]) => `replica ${i} ${s}`).join(", ");
  return { text: `${m.state}${m.reason ? ` (${m.reason})` : ""} on server ${m.server || "(none)"}${replicas ? `: ${replicas}` : ""}.`, fix: null };
}

/** The last error an agent of a server without connected replicas logged: usually the reason it never subscribed. */
function agentEvidence(r: ScenarioResult, namespace: string, d: Decision): { pod: string; msg: string } | null {
  const empty = d.explanation.servers.filter((s) => s.replicas.length === 0).map((s) => `${s.name}-`);
  if (empty.length === 0) return null;
  for (let i = r.logs.length - 1; i >= 0; i--) {
    const l = r.logs[i]!;
    if (l.role !== "agent" || l.namespace !== namespace || (l.level !== "error" && l.level !== "fatal")) continue;
    if (!empty.some((prefix) => l.pod.startsWith(prefix))) continue;
    const err = l.fields?.["error"];
    return { pod: l.pod, msg: `${l.msg}${err !== undefined ? `: ${String(err)}` : ""}` };
  }
  return null;
}

/** Filters down, candidates across: the shape that fits a terminal for a handful of replicas. */
export function renderMatrix(d: Decision, chains: SchedulerChains, width: number, indent: number): string[] {
  if (d.outcome === "deleted") return [`${" ".repeat(indent)}Seldon evaluates no filter for a deleted model.`];
  const servers = d.explanation.servers;
  if (servers.length === 0) return [`${" ".repeat(indent)}No servers in the snapshot.`];
  const columns: string[] = [];
  const cell: ((filter: string) => string)[] = [];
  for (const s of servers) {
    columns.push(`${s.name}${s.accepted ? "" : " ✗"}`);
    cell.push((f) => verdict(s.filters.find((x) => x.name === f)));
    for (const r of s.replicas) {
      columns.push(`${s.name}/${r.idx}${s.accepted ? (r.accepted ? "" : " ✗") : " (not examined)"}`);
      cell.push((f) => verdict(r.filters.find((x) => x.name === f)));
    }
  }
  const filters = [...chains.serverFilters, ...chains.replicaFilters].map((f) => f.name);
  const rows = filters.map((f) => [f, ...cell.map((c) => c(f))]);
  const pad = " ".repeat(indent);
  const order = Object.entries(d.explanation.replicaOrder).map(([s, idxs]) => `${s}: ${idxs.join(", ") || "(none)"}`).join("; ");
  return [
    ...renderTable(["FILTER", ...columns], rows, { width, indent, gap: 2 }),
    ...wrapText(`server order: ${d.explanation.serverOrder.join(", ") || "(none)"}; replica order: ${order || "(no accepted server)"}`, width, indent),
    `${pad}(✓ passes; otherwise Seldon's reason; blank: not a check of that candidate)`,
  ];
}

function verdict(f: { pass: boolean; reason: string } | undefined): string {
  return f === undefined ? "" : f.pass ? "✓" : f.reason;
}

function logSection(r: ScenarioResult, o: StoryOptions, p: Paint): string[] {
  const width = o.terminal.columns;
  if (o.logs === "all") {
    // Every line whole, as `kubectl logs` prints it: these are for grep, not for the eye.
    return r.logs.length === 0 ? [] : ["", p.heading(`Logs (${r.logs.length} lines)`), ...r.logs.map((l) => formatWithSource(l, r.epochMs))];
  }
  const bad = r.logs.filter((l) => l.level === "warning" || l.level === "error" || l.level === "fatal");
  if (bad.length === 0) return [];
  // The same message from the same pod, repeated, is one line with a count.
  const groups = new Map<string, { first: LogRecord; count: number }>();
  for (const l of bad) {
    const k = `${l.namespace}/${l.pod}/${l.container}\u0000${l.msg}\u0000${String(l.fields?.["error"] ?? "")}`;
    const g = groups.get(k);
    if (g) g.count++;
    else groups.set(k, { first: l, count: 1 });
  }
  const all = [...groups.values()];
  const shown = all.slice(-STORY_LOG_LINES);
  const out = ["", ...wrapText(p.heading(`Warnings and errors in the logs (${bad.length} lines, ${all.length} distinct${shown.length < all.length ? `, last ${shown.length} shown` : ""}; --logs all for every line)`), width, 0, 2)];
  for (const g of shown) {
    // The line as the component prints it, without its timestamp (the story is in virtual time).
    const line = formatLogrus(g.first, r.epochMs).replace(/^time="[^"]*" /, "");
    const source = `${g.first.namespace}/${g.first.pod}/${g.first.container}`;
    out.push(...wrapText(`${g.count > 1 ? `${g.count}× ` : ""}${p.dim(`[${source} t=${(g.first.t / 1000).toFixed(1)}s]`)} ${line}`, width, 2, 6));
  }
  return out;
}

/** Cuts a line to a width with an ellipsis, counting columns as a terminal does. */
export function elide(text: string, width: number): string {
  if (stringWidth(text) <= width) return text;
  let out = "";
  for (const ch of text) {
    if (stringWidth(out + ch) > width - 1) break;
    out += ch;
  }
  return `${out}…`;
}

function relative(cwd: string, file: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith("..") ? rel : file;
}

export interface Timed {
  result: ScenarioResult;
  wallMs: number;
}

/** The models a reader wants explained: not Ready, and not deleted (a terminated model is done, not stuck). */
function notReady(r: ScenarioResult): ScenarioResult["models"] {
  return r.models.filter((m) => !m.ready && m.state !== "ModelTerminated");
}

/** Paths under the working folder inside a message, as the user would type them. */
function relativeIn(text: string, cwd: string): string {
  return text.split(`${cwd}/`).join("");
}

/** The folder a scenario is counted under when a run is summed up by folder. */
function folderOf(file: string): string {
  return path.dirname(path.resolve(file));
}

/** The folder all the files sit under (the files' own folder when there is one). */
function commonFolder(files: readonly string[]): string {
  const parts = files.map((f) => folderOf(f).split(path.sep));
  const first = parts[0] ?? [];
  let n = first.length;
  for (const p of parts) {
    let i = 0;
    while (i < n && p[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join(path.sep) || path.sep;
}

/**
 * A run whose scenarios sit in several folders is summed up by folder: one screen for the
 * bundled suite, where a row per scenario and a sentence per model not Ready run to pages.
 * The failures are still shown one by one, whole.
 */
export function summedByFolder(files: readonly string[], details: boolean): boolean {
  return !details && new Set(files.map(folderOf)).size > 1;
}

interface FolderRow {
  folder: string;
  count: number;
  failed: number;
  wallMs: number;
}

function folderRows(runs: readonly Timed[]): FolderRow[] {
  const root = commonFolder(runs.map((t) => t.result.file));
  const rows = new Map<string, FolderRow>();
  for (const { result: r, wallMs } of runs) {
    const folder = path.relative(root, folderOf(r.file)) || ".";
    const row = rows.get(folder) ?? { folder, count: 0, failed: 0, wallMs: 0 };
    row.count++;
    if (!r.passed) row.failed++;
    row.wallMs += wallMs;
    rows.set(folder, row);
  }
  return [...rows.values()];
}

/**
 * Several scenarios: a table (a row per scenario, or per folder when they span several), the
 * failing expectations, a sentence for each model not Ready, then the stories of the failures.
 */
export function renderSummary(runs: readonly Timed[], o: StoryOptions & { details: boolean }): string {
  const p = paint(o.terminal);
  const width = o.terminal.columns;
  const byFolder = summedByFolder(runs.map((t) => t.result.file), o.details);
  // The table says how many expectations failed; what they are is listed below it at full width,
  // where a long message (a file path, a reason) stays readable.
  const failing = runs.map(({ result: r }) =>
    r.error ? [`error: ${relativeIn(r.error, o.cwd)}`] : r.expectations.filter((e) => !e.passed).map((e) => `${e.description}: ${relativeIn(e.actual ?? "", o.cwd)}`));
  const out: string[] = [];
  if (byFolder) {
    const rows = folderRows(runs).map((f) => [
      f.folder, String(f.count), f.failed === 0 ? p.pass("PASS") : p.fail(`${f.failed} FAIL`), `${(f.wallMs / 1000).toFixed(1)}s`,
    ]);
    out.push(...renderTable(["FOLDER", "SCENARIOS", "RESULT", "TIME"], rows, { width, fixed: [1, 2, 3] }));
  }
  // A row per scenario: every one, or only the failures when the folders were summed up.
  const listed = runs.map((t, i) => ({ ...t, failing: failing[i]! })).filter((t) => !byFolder || !t.result.passed);
  if (listed.length > 0) {
    const rows = listed.map(({ result: r, wallMs, failing: f }) => {
      const count = r.error ? "run error" : f.length === 0 ? "" : `${f.length} expectation${f.length === 1 ? "" : "s"}`;
      return [r.name, r.passed ? p.pass("PASS") : p.fail("FAIL"), `${(wallMs / 1000).toFixed(1)}s`, count];
    });
    const anyFailing = rows.some((r) => r[3] !== "");
    const header = ["SCENARIO", "RESULT", "TIME", ...(anyFailing ? ["FAILING"] : [])];
    if (out.length > 0) out.push("");
    out.push(...renderTable(header, anyFailing ? rows : rows.map((r) => r.slice(0, 3)), { width, fixed: [1, 2, 3] }));
    if (anyFailing) {
      out.push("", p.heading("Failing expectations"));
      for (const { result: r, failing: f } of listed) for (const line of f) out.push(...wrapText(`${p.bold(r.name)}: ${line}`, width, 2, 4));
    }
  }
  // Models not Ready: each one of a listed scenario; of the scenarios summed up, a count (most
  // bundled scenarios reproduce a bug, so their models end not Ready on purpose).
  const unready = listed.flatMap(({ result: r }) => notReady(r).map((m) => ({ r, m })));
  if (unready.length > 0) {
    out.push("", p.heading("Models not Ready at the end") + p.dim(" (seldon-sim run FILE for one scenario's story)"));
    for (const { r, m } of unready) {
      out.push(...wrapText(`${p.bold(r.name)}: ${m.namespace}/${m.name} ${p.warn(m.state)}`, width, 2, 4));
      out.push(...wrapText(diagnosisSentence(r, m).text, width, 4));
    }
  }
  if (byFolder) {
    const counts = runs.filter(({ result: r }) => r.passed).map(({ result: r }) => notReady(r).length).filter((n) => n > 0);
    const models = counts.reduce((a, b) => a + b, 0);
    const scenarios = counts.length;
    if (models > 0) {
      out.push("", ...wrapText(p.dim(`${models} model${models === 1 ? " is" : "s are"} not Ready at the end of ${scenarios} passing scenario${scenarios === 1 ? "" : "s"}, as ${scenarios === 1 ? "it expects" : "they expect"}; --details explains each, seldon-sim run FILE tells one scenario's story.`), width));
    }
  }
  for (const { result: r } of runs) {
    if (r.passed && !o.details) continue;
    out.push("", renderStory(r, o).trimEnd());
  }
  out.push("");
  return out.join("\n") + "\n";
}
