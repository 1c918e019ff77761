/** What `seldon-sim run` prints per scenario, and the JUnit and JSON forms for CI. */
import { formatWithSource } from "../runtime/logfmt.ts";
import type { ScenarioResult } from "./runner.ts";

export interface TextOptions {
  /** Print component logs: all, only warnings and worse, or none. */
  logs: "all" | "warnings" | "none";
}

export function renderText(r: ScenarioResult, o: TextOptions): string {
  const out: string[] = [];
  out.push(`${r.passed ? "PASS" : "FAIL"} ${r.name} (${r.file}) [runtime ${r.runtime}, seed ${r.seed}, ${(r.endMs / 1000).toFixed(1)}s simulated]`);
  if (r.description) out.push(`  ${r.description}`);
  if (r.error) out.push(`  error: ${r.error}`);
  for (const e of r.expectations) {
    out.push(`  ${e.passed ? "✓" : "✗"} ${e.description}${e.passed ? "" : `\n      but ${e.actual} (${e.origin.file}:${e.origin.line !== undefined ? `${e.origin.line}:` : ""} ${e.origin.path})`}`);
  }
  if (r.kubectlModels) out.push("", "$ kubectl get models -A", indent(r.kubectlModels));
  if (r.kubectlServers) out.push("", "$ kubectl get servers -A", indent(r.kubectlServers));
  if (r.models.length > 0) {
    out.push("", "Scheduler view:");
    for (const m of r.models) {
      const replicas = Object.entries(m.replicaStates).map(([i, s]) => `${i}:${s}`).join(" ") || "-";
      out.push(`  ${m.namespace}/${m.name}:${m.version} ${m.state}${m.reason ? ` (${m.reason})` : ""} server=${m.server || "\"\""} replicas=${replicas}`);
    }
  }
  for (const [model, text] of r.explanations) {
    out.push("", `Why ${model} is not available (last scheduling decision):`, indent(text));
  }
  if (o.logs !== "none") {
    const logs = r.logs.filter((l) => o.logs === "all" || l.level === "warning" || l.level === "error" || l.level === "fatal");
    if (logs.length > 0) {
      out.push("", `Logs${o.logs === "warnings" ? " (warnings and errors; --logs all for everything)" : ""}:`);
      for (const l of logs) out.push(`  ${formatWithSource(l, r.epochMs)}`);
    }
  }
  return out.join("\n") + "\n";
}

function indent(text: string): string {
  return text.trimEnd().split("\n").map((l) => `  ${l}`).join("\n");
}

export function renderJson(results: ScenarioResult[]): string {
  return JSON.stringify(
    results.map((r) => ({
      name: r.name, file: r.file, runtime: r.runtime, seed: r.seed, passed: r.passed, error: r.error,
      expectations: r.expectations, models: r.models, servers: r.servers,
      explanations: Object.fromEntries(r.explanations),
      logs: r.logs.map((l) => formatWithSource(l, r.epochMs)),
    })),
    (_k, v) => (typeof v === "bigint" ? v.toString() : v),
    2,
  ) + "\n";
}

const xml = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** A file that could not be loaded as a scenario: reported, not run. */
export interface InvalidScenario {
  file: string;
  message: string;
}

export function renderJunit(results: ScenarioResult[], invalid: readonly InvalidScenario[] = []): string {
  const loadErrors = invalid.map((i) => `    <testcase classname="${xml(i.file)}" name="load"><error message="${xml(i.message)}"/></testcase>`);
  const cases = [...loadErrors, ...results.flatMap((r) => {
    const suite = `${r.name} [${r.runtime}]`;
    const items = r.expectations.map((e) =>
      `    <testcase classname="${xml(suite)}" name="${xml(e.description)}">${e.passed ? "" : `<failure message="${xml(e.actual ?? "")}"/>`}</testcase>`,
    );
    if (r.error) items.push(`    <testcase classname="${xml(suite)}" name="run"><error message="${xml(r.error)}"/></testcase>`);
    return items;
  })];
  const failures = results.reduce((a, r) => a + r.expectations.filter((e) => !e.passed).length, 0);
  const errors = results.filter((r) => r.error).length + invalid.length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="seldon-sim" tests="${cases.length}" failures="${failures}" errors="${errors}">\n  <testsuite name="scenarios" tests="${cases.length}" failures="${failures}" errors="${errors}">\n${cases.join("\n")}\n  </testsuite>\n</testsuites>\n`;
}
