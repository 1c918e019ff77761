/**
 * kubectl's habits over a scenario's end state: `get models|servers|pods`, `describe model`,
 * `logs`. Each runs the scenario given with `-f` (as `kubectl apply -f` names manifests) and
 * prints what kubectl would show of the cluster it leaves.
 */
import * as path from "node:path";
import YAML from "yaml";
import type { CliIO, Command } from "../io.ts";
import { parseFlags } from "../args.ts";
import { UserError } from "../../core/errors.ts";
import { didYouMean } from "../../core/suggest.ts";
import { loadScenarioFile } from "../../scenario/parse.ts";
import { runScenario, type ScenarioResult } from "../../scenario/runner.ts";
import { runDocument } from "../../report/document.ts";
import { formatWithSource } from "../../runtime/logfmt.ts";
import { renderMatrix, whyNotReady } from "../render/story.ts";
import { renderTable, splitAligned } from "../render/table.ts";
import { paint, PLAIN } from "../render/terminal.ts";
import { humanDuration } from "../../controller/kubectl.ts";
import { DEFAULT_CHAINS } from "../../scheduling/registry.ts";
import { RUNTIME_KINDS, type RuntimeKind } from "../../runtime/index.ts";

const COMMON = `  -f, --file FILE          the scenario to run (required)
  -n, --namespace NS       only namespace NS
  -A, --all-namespaces     every namespace (the default)
  --runtime sim|wire       as for run (default sim)
`;

export const GET_HELP = `usage: seldon-sim get models|servers|pods -f FILE [options]

Runs the scenario FILE and prints the resources as kubectl get does when it ends.

options:
${COMMON}  -o, --output wide|yaml|json   wide: more columns (state, reason, server; replica memory;
                           containers); yaml, json: the whole objects
`;

export const DESCRIBE_HELP = `usage: seldon-sim describe model NAME -f FILE [options]

Runs the scenario FILE and describes model NAME: its status, the Model resource's conditions, why
it is not Ready (the rejecting filter and what is missing), the explanation matrix of the last
decision, every decision, and the events the operator recorded for it.

options:
${COMMON}`;

export const LOGS_HELP = `usage: seldon-sim logs -f FILE [options]

Runs the scenario FILE and prints the component logs, each line as the component prints it,
prefixed with [namespace/pod/container].

options:
${COMMON}  --pod POD                only this pod (e.g. mlserver-0)
  -c, --container NAME     only this container (agent, mlserver, scheduler, controller)
  --level LEVEL            this level and worse (debug, info, warning, error, fatal)
  --model NAME             only lines that mention model NAME
`;

/** Prints and succeeds. */
function print(io: CliIO, text: string): number {
  io.stdout(text);
  return 0;
}

const RESOURCES = ["models", "servers", "pods"] as const;
type Resource = (typeof RESOURCES)[number];
const ALIASES: Record<string, Resource> = { model: "models", models: "models", mlm: "models", server: "servers", servers: "servers", pod: "pods", pods: "pods", po: "pods" };

const common = {
  file: { type: "string", short: "f" },
  namespace: { type: "string", short: "n" },
  "all-namespaces": { type: "boolean", short: "A" },
  runtime: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

async function run(command: string, values: { file?: string | undefined; runtime?: string | undefined }, io: CliIO): Promise<ScenarioResult> {
  if (values.file === undefined) throw new UserError(`${command}: -f FILE is required (the scenario to run)`);
  const runtime = (values.runtime ?? "sim") as RuntimeKind;
  if (!RUNTIME_KINDS.includes(runtime)) throw new UserError(`${command}: --runtime must be one of ${RUNTIME_KINDS.join(", ")}, got "${values.runtime}"`);
  // get, describe and logs print tables, decisions and log lines: no message is read.
  return runScenario(loadScenarioFile(path.resolve(io.cwd, values.file)), { runtime, messages: false });
}

function resourceOf(command: string, word: string | undefined, allowed: readonly string[]): Resource {
  if (word === undefined) throw new UserError(`${command}: name a resource: ${allowed.join(", ")}`);
  const r = ALIASES[word];
  if (!r || !allowed.includes(r)) throw new UserError(`${command}: unknown resource type "${word}"${didYouMean(word, allowed)}; expected ${allowed.join(", ")}`);
  return r;
}

export const getCommand: Command = async (argv, io) => {
  const { values, positionals } = parseFlags("get", argv, { ...common, output: { type: "string", short: "o" } }, true);
  if (values.help) return print(io, GET_HELP);
  const resource = resourceOf("get", positionals[0], RESOURCES);
  const output = values.output;
  if (output !== undefined && !["wide", "yaml", "json"].includes(output)) throw new UserError(`get: -o must be wide, yaml or json, got "${output}"${didYouMean(output, ["wide", "yaml", "json"])}`);
  const r = await run("get", values, io);
  const ns = values["all-namespaces"] ? undefined : values.namespace;
  const inNs = (n: string) => ns === undefined || n === ns;
  const doc = runDocument([r]).scenarios[0]!;
  const objects = resource === "models" ? doc.models.filter((m) => inNs(m.namespace)).map(({ decisions: _d, ...m }) => m)
    : resource === "servers" ? doc.servers.filter((s) => inNs(s.namespace))
    : doc.pods.filter((p) => inNs(p.namespace));
  if (output === "json") return print(io, `${JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }, null, 2)}\n`);
  if (output === "yaml") return print(io, YAML.stringify({ apiVersion: "v1", kind: "List", items: objects }));
  const width = (io.terminal ?? PLAIN).columns;
  let header: string[];
  let rows: { namespace: string; cells: string[] }[];
  if (resource === "pods") {
    header = ["NAME", "READY", "STATUS", "RESTARTS", "AGE", ...(output === "wide" ? ["CONTAINERS"] : [])];
    rows = r.pods.filter((p) => inNs(p.namespace)).map((p) => ({
      namespace: p.namespace,
      cells: [p.name, p.ready, p.status, String(p.restarts), p.startedAt === null ? "<none>" : humanDuration(r.endMs - p.startedAt),
        ...(output === "wide" ? [p.containers.map((c) => `${c.name}${c.up ? "" : " (down)"}${c.restarts ? ` ×${c.restarts}` : ""}`).join(", ")] : [])],
    }));
  } else {
    const t = splitAligned(resource === "models" ? r.kubectlModels : r.kubectlServers);
    const nsCol = t?.header.indexOf("NAMESPACE") ?? -1;
    header = (t?.header ?? []).filter((_, i) => i !== nsCol);
    rows = (t?.rows ?? []).map((cells) => ({ namespace: cells[nsCol] ?? "", cells: cells.filter((_, i) => i !== nsCol) })).filter((x) => inNs(x.namespace));
    if (output === "wide" && resource === "models") {
      header = [...header, "STATE", "REASON", "SERVER"];
      rows = rows.map((x) => {
        const m = r.models.find((y) => y.namespace === x.namespace && y.name === x.cells[0]);
        return { ...x, cells: [...x.cells, m?.state ?? "", m?.reason ?? "", m?.server ?? ""] };
      });
    }
    if (output === "wide" && resource === "servers") {
      header = [...header, "REPLICA MEMORY (available/total)"];
      rows = rows.map((x) => {
        const s = doc.servers.find((y) => y.namespace === x.namespace && y.name === x.cells[0]);
        return { ...x, cells: [...x.cells, s?.replicas.map((rep) => `${rep.idx}: ${rep.availableMemoryBytes}/${rep.totalMemoryBytes}`).join(", ") ?? ""] };
      });
    }
  }
  if (rows.length === 0) return print(io, ns === undefined ? "No resources found\n" : `No resources found in ${ns} namespace.\n`);
  const all = ns === undefined;
  io.stdout(`${renderTable(all ? ["NAMESPACE", ...header] : header, rows.map((x) => (all ? [x.namespace, ...x.cells] : x.cells)), { width }).join("\n")}\n`);
  return 0;
};

export const describeCommand: Command = async (argv, io) => {
  const { values, positionals } = parseFlags("describe", argv, common, true);
  if (values.help) return print(io, DESCRIBE_HELP);
  resourceOf("describe", positionals[0], ["models"]);
  const name = positionals[1];
  if (name === undefined) throw new UserError("describe: name the model: describe model NAME -f FILE");
  const r = await run("describe", values, io);
  const matches = r.models.filter((m) => m.name === name && (values.namespace === undefined || m.namespace === values.namespace));
  if (matches.length === 0) {
    throw new UserError(`describe: models "${name}" not found${values.namespace ? ` in namespace ${values.namespace}` : ""}${didYouMean(name, r.models.map((m) => m.name))}`);
  }
  const t = io.terminal ?? PLAIN;
  const p = paint(t);
  const out: string[] = [];
  for (const m of matches) {
    const key = `${m.namespace}/${m.name}`;
    out.push(`Name:         ${m.name}`, `Namespace:    ${m.namespace}`, "Status:",
      `  Ready:               ${m.ready ? "True" : "False"}`,
      `  Replicas:            ${m.desiredReplicas} desired, ${m.availableReplicas} available`,
      `  State:               ${m.state}`, ...(m.reason ? [`  Reason:              ${m.reason}`] : []),
      `  Server:              ${m.server || "<none>"}`,
      `  Replica states:      ${Object.entries(m.replicaStates).map(([i, s]) => `${i}=${s}`).join(", ") || "<none>"}`);
    const object = r.modelObjects.get(key);
    out.push("Conditions:");
    if (!object || object.conditions.length === 0) out.push("  <none>");
    else {
      out.push(...renderTable(["Type", "Status", "Reason", "Message", "Last Transition"], object.conditions.map((c) => [
        c.type, c.status, c.reason || "<none>", c.message || "<none>", `${humanDuration(r.endMs - c.lastTransitionTime)} ago`,
      ]), { width: t.columns, indent: 2, fixed: [0, 1] }));
    }
    if (!m.ready) out.push("Why not Ready:", ...whyNotReady(r, m, p, t.columns).map((l) => l.slice(2)));
    const history = r.history.get(key) ?? [];
    const last = history[history.length - 1];
    if (last) out.push("Last decision:", ...renderMatrix(last.full, DEFAULT_CHAINS, t.columns, 2));
    out.push("Decisions:");
    if (history.length === 0) out.push("  <none>");
    history.forEach((d, i) => out.push(`  #${i + 1} version ${d.full.version}: ${d.full.outcome}${d.full.scheduled ? ` on ${d.full.server} replicas ${d.full.replicaIdxs.join(", ")}` : ` (${d.full.error ?? ""})`}`));
    // The operator's scheduler client records these (GetEventRecorderFor("scheduler-client")).
    out.push("Events:");
    if (!object || object.events.length === 0) out.push("  <none>");
    else {
      out.push(...renderTable(["Type", "Reason", "Age", "From", "Message"], object.events.map((e) => [
        e.type, e.reason, humanDuration(r.endMs - e.t), "scheduler-client", e.message,
      ]), { width: t.columns, indent: 2, fixed: [0, 1, 2, 3] }));
    }
    out.push("");
  }
  io.stdout(`${out.join("\n")}`);
  return 0;
};

const LEVELS = ["debug", "info", "warning", "error", "fatal"] as const;

export const logsCommand: Command = async (argv, io) => {
  const { values } = parseFlags("logs", argv, {
    ...common, pod: { type: "string" }, container: { type: "string", short: "c" }, level: { type: "string" }, model: { type: "string" },
  });
  if (values.help) return print(io, LOGS_HELP);
  const level = values.level;
  if (level !== undefined && !(LEVELS as readonly string[]).includes(level)) throw new UserError(`logs: --level must be one of ${LEVELS.join(", ")}, got "${level}"${didYouMean(level, LEVELS)}`);
  const r = await run("logs", values, io);
  const min = level === undefined ? 0 : LEVELS.indexOf(level as (typeof LEVELS)[number]);
  const lines = r.logs.filter((l) =>
    (values.namespace === undefined || values["all-namespaces"] || l.namespace === values.namespace) &&
    (values.pod === undefined || l.pod === values.pod) &&
    (values.container === undefined || l.container === values.container) &&
    LEVELS.indexOf(l.level) >= min)
    .map((l) => formatWithSource(l, r.epochMs))
    .filter((line) => values.model === undefined || line.includes(values.model));
  io.stdout(lines.map((l) => `${l}\n`).join(""));
  return 0;
};
