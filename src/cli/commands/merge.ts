/**
 * `seldon-sim merge`: one report from the shards of a campaign or of a scenario run, e.g. the
 * artifacts of a CI matrix or of a Kubernetes Indexed Job. JSON inputs are `check --json`
 * reports (merged as one campaign) or `run --json` run documents (their scenarios joined); XML inputs are
 * `run --junit` reports (their test cases gathered in one suite).
 */
import { RUN_DOCUMENT_FORMAT, type RunDocument } from "../../report/document.ts";
import { UserError } from "../../core/errors.ts";
import type { CheckReport } from "../../properties/check.ts";
import { mergeCheckReports } from "../../properties/campaign.ts";
import { parseFlags } from "../args.ts";
import type { Command } from "../io.ts";

const USAGE = `usage: seldon-sim merge [--json FILE] [--junit FILE] SHARD-FILE...

Merges the outputs of the shards of 'seldon-sim check --shard I/N --json' (one campaign report)
or of 'seldon-sim run --shard I/N' (--json run documents joined into one, --junit reports gathered in
one suite). Inputs ending in .xml are JUnit reports, the others JSON. Prints the merged JSON
unless --json names a file; exits 1 when a shard failed.
`;

type Json = unknown;

function isCheckReport(v: Json): v is CheckReport {
  return typeof v === "object" && v !== null && !Array.isArray(v) && "runs" in v && "properties" in v && "failed" in v;
}

interface MergedJunit { xml: string; failed: boolean }

/** Gathers every test case of the reports into one suite. */
export function mergeJunit(reports: readonly { file: string; text: string }[]): MergedJunit {
  const cases: string[] = [];
  let failures = 0;
  let errors = 0;
  for (const { file, text } of reports) {
    if (!/<testsuites?\b/.test(text)) throw new UserError("not a JUnit report: no <testsuites> or <testsuite> element", { file });
    for (const m of text.matchAll(/<testcase\b[^>]*?(?:\/>|>[\s\S]*?<\/testcase>)/g)) {
      cases.push(`    ${m[0]}`);
      if (/<failure\b/.test(m[0])) failures++;
      if (/<error\b/.test(m[0])) errors++;
    }
  }
  const counts = `tests="${cases.length}" failures="${failures}" errors="${errors}"`;
  return {
    xml: `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="seldon-sim" ${counts}>\n  <testsuite name="scenarios" ${counts}>\n${cases.join("\n")}\n  </testsuite>\n</testsuites>\n`,
    failed: failures + errors > 0,
  };
}

/** One campaign report from check reports, or one run document of every shard's scenarios. */
export function mergeJson(inputs: readonly { file: string; value: Json }[]): { value: Json; failed: boolean } {
  const checks = inputs.filter((i) => isCheckReport(i.value));
  const runs = inputs.filter((i) => isRunDocument(i.value));
  const other = inputs.find((i) => !isCheckReport(i.value) && !isRunDocument(i.value));
  if (other) throw new UserError("expected the JSON output of 'seldon-sim check --json' or 'seldon-sim run --json'", { file: other.file });
  if (checks.length > 0 && runs.length > 0) {
    throw new UserError("cannot merge check reports with run results", { file: runs[0]!.file });
  }
  if (checks.length > 0) {
    const report = mergeCheckReports(checks.map((c) => c.value as CheckReport));
    return { value: report, failed: report.failed };
  }
  const scenarios = runs.flatMap((r) => (r.value as unknown as RunDocument).scenarios as unknown as { passed?: unknown }[]);
  const merged = { format: RUN_DOCUMENT_FORMAT, scenarios } as unknown as Json;
  return { value: merged, failed: scenarios.some((r) => r.passed !== true) };
}

/** `run --json` output: a run document (schema/run.schema.json) of one or more scenarios. */
function isRunDocument(v: Json): boolean {
  const d = v as unknown as Partial<RunDocument> | null;
  return typeof d === "object" && d !== null && !Array.isArray(d) && d.format === RUN_DOCUMENT_FORMAT && Array.isArray(d.scenarios);
}

export const mergeCommand: Command = async (argv, io) => {
  const { values, positionals } = parseFlags("merge", argv, {
    json: { type: "string" },
    junit: { type: "string" },
    help: { type: "boolean", short: "h" },
  }, true);
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (positionals.length === 0) throw new UserError("merge: expected one or more shard files (JSON, or JUnit XML ending in .xml)");
  const xmlFiles = positionals.filter((f) => f.endsWith(".xml"));
  const jsonFiles = positionals.filter((f) => !f.endsWith(".xml"));
  if (xmlFiles.length > 0 && values.junit === undefined) throw new UserError("merge: JUnit inputs need --junit FILE for the merged report", { file: xmlFiles[0]! });
  let failed = false;
  if (xmlFiles.length > 0) {
    const merged = mergeJunit(xmlFiles.map((file) => ({ file, text: io.readFile(file) })));
    io.writeFile(values.junit!, merged.xml);
    failed ||= merged.failed;
  }
  if (jsonFiles.length > 0) {
    const inputs = jsonFiles.map((file) => {
      const text = io.readFile(file);
      try {
        return { file, value: JSON.parse(text) as Json };
      } catch (e) {
        throw new UserError(`invalid JSON: ${(e as Error).message}`, { file });
      }
    });
    const merged = mergeJson(inputs);
    const text = `${JSON.stringify(merged.value, null, 2)}\n`;
    if (values.json !== undefined) io.writeFile(values.json, text);
    else io.stdout(text);
    failed ||= merged.failed;
  }
  return failed ? 1 : 0;
};
