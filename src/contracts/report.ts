/** A contract's verdict for people (per clause, with the messages that decided it) and for CI (JUnit). */
import { methodName, type RecordEntry } from "../recording/entry.ts";
import type { Seen } from "./select.ts";
import type { VerifyResult } from "./verify.ts";

export function renderVerdict(r: VerifyResult): string {
  const lines = [`contract ${r.contract.name} (${r.contract.file})`, `  component under test: ${r.contract.subject} ${r.place.namespace}/${r.place.pod}: ${r.under}`];
  for (const v of r.verdicts) {
    lines.push(`  ${v.passed ? "PASS" : "FAIL"} ${v.clause.name}: ${v.reason}`);
    if (v.clause.description && !v.passed) lines.push(`       ${v.clause.description.trim()}`);
    for (const s of v.deciding.slice(0, 6)) lines.push(`       ${describeEntry(s)}`);
  }
  for (const n of r.notes) lines.push(`  note: ${n}`);
  const failed = r.verdicts.filter((v) => !v.passed).length;
  lines.push(`${r.verdicts.length - failed} clause(s) passed, ${failed} failed; ${r.entries.length} messages and statuses recorded`);
  return `${lines.join("\n")}\n`;
}

/** `#12 +4219ms outside 127.0.0.1:5000 → ns/mlserver-0/mlserver ServerLive request[0] {...}` */
export function describeEntry(s: Seen): string {
  const e: RecordEntry = s.entry;
  const what = e.kind === "status" ? `status ${e.status!.name}${e.status!.details ? ` "${e.status!.details}"` : ""}` : `${e.direction}[${e.index}] ${truncate(JSON.stringify(e.message), 240)}`;
  return `#${s.at} ${e.virtualMs}ms ${e.from} → ${e.to} ${methodName(e.method)} ${what}`;
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

export function renderContractJunit(results: readonly VerifyResult[]): string {
  const suites = results.map((r) => {
    const failures = r.verdicts.filter((v) => !v.passed).length;
    const cases = r.verdicts.map((v) => {
      const detail = [v.reason, ...v.deciding.map(describeEntry)].join("\n");
      return `    <testcase classname="${xml(r.contract.name)}" name="${xml(v.clause.name)}">${v.passed ? "" : `<failure message="${xml(v.reason)}">${xml(detail)}</failure>`}</testcase>`;
    });
    return `  <testsuite name="${xml(r.contract.name)}" tests="${r.verdicts.length}" failures="${failures}" errors="0">\n${cases.join("\n")}\n  </testsuite>`;
  });
  const tests = results.reduce((a, r) => a + r.verdicts.length, 0);
  const failures = results.reduce((a, r) => a + r.verdicts.filter((v) => !v.passed).length, 0);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="seldon-sim verify" tests="${tests}" failures="${failures}" errors="0">\n${suites.join("\n")}\n</testsuites>\n`;
}

function xml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
