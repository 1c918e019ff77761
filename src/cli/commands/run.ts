/** `seldon-sim run [files or folders]`: run scenarios and report; non-zero exit on any failure. */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { CliIO, Command } from "../io.ts";
import { checkWritable, intFlag, loadPlugin, parseFlags, writeReport } from "../args.ts";
import { UserError } from "../../core/errors.ts";
import { isManifestText, loadScenarioFile, readScenarioText } from "../../scenario/parse.ts";
import { runScenario, type ScenarioResult } from "../../scenario/runner.ts";
import type { RunReads } from "../../scenario/keep.ts";
import { renderJunit, type InvalidScenario } from "../../scenario/junit.ts";
import { runDocument } from "../../report/document.ts";
import { renderHtml } from "../../report/html.ts";
import { sequenceDiagram } from "../../report/mermaid.ts";
import { renderStory, renderSummary, type StoryOptions, type Timed } from "../render/story.ts";
import { PLAIN } from "../render/terminal.ts";
import { wrapText } from "../render/table.ts";
import type { Scenario } from "../../scenario/types.ts";
import { RUNTIME_KINDS, type RuntimeKind } from "../../runtime/index.ts";
import { parseShard } from "../../properties/campaign.ts";
import { controlForRun } from "../control.ts";
import { openRecording } from "../../recording/file.ts";

export const BUNDLED_SCENARIOS = fileURLToPath(new URL("../../../scenarios/", import.meta.url));

export const RUN_HELP = `usage: seldon-sim run [options] [FILE|FOLDER ...]

Runs scenario files (YAML; folders are searched recursively for *.yaml / *.yml, skipping
folders named "manifests", which hold resource files for includes). With no path, runs the
bundled scenarios.

options:
  --runtime sim|wire   in-memory on a virtual clock (default) or real gRPC on loopback
  --seed N             seed for every random choice (default: the scenario's own)
  --json               print the run as JSON (schema/run.schema.json)
  --html FILE          write the run as one self-contained HTML report to FILE
  --open               with --html, print the report's file:// link
  --mermaid FILE       write the message sequence as a Mermaid diagram to FILE (one scenario)
  --model NAME         with --mermaid, only the messages about model NAME
  --junit FILE         also write a JUnit XML report to FILE
  --logs all|warnings|none   component logs to print (default: warnings, grouped, the last few)
  --details            a row per scenario (not per folder), every model not Ready and every story,
                       not only the failures' (alias --verbose)
  --matrix             with each model not Ready, every filter's verdict on every server and replica
  --quiet              print one line per scenario
  --plugin FILE        load a module that registers properties first (repeatable; see docs/properties.md)
  --shard I/N          run only the I-th of N parts of the scenario files (I from 0), in file order;
                       'seldon-sim merge' joins the parts' --json and --junit outputs
  --control-port N     serve the HTTP control API (and Toxiproxy's API) on 127.0.0.1:N during the run
                       and after it, until interrupted, on the run's virtual clock (one scenario only;
                       0 = any free port; see docs/api.md)
  --record FILE        record every gRPC message of every run as JSON Lines (schema/recording.schema.json)
`;

export function findScenarioFiles(paths: string[], cwd: string): string[] {
  const files: string[] = [];
  const walk = (p: string) => {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      throw new UserError("no such file or folder", { file: p });
    }
    if (st.isDirectory()) {
      for (const entry of fs.readdirSync(p).sort()) {
        const child = path.join(p, entry);
        // Folders named `manifests` hold resource files that scenarios include, not scenarios.
        if (fs.statSync(child).isDirectory() ? entry !== "manifests" : /\.ya?ml$/.test(entry)) walk(child);
      }
    } else if (!explicit.has(p) && isManifestTextFile(p)) {
      // a resource file found by walking a folder: included by scenarios, not one itself
    } else {
      files.push(p);
    }
  };
  const explicit = new Set(paths.map((p) => path.resolve(cwd, p)));
  for (const p of paths) walk(path.resolve(cwd, p));
  return files;
}

/** A manifest found by walking a folder (skipped); an unreadable file is left for the loader to report. */
function isManifestTextFile(p: string): boolean {
  try {
    return isManifestText(readScenarioText(p));
  } catch {
    return false;
  }
}

export const runCommand: Command = async (argv: string[], io: CliIO) => {
  const { values, positionals } = parseFlags("run", argv, {
    runtime: { type: "string" },
    seed: { type: "string" },
    json: { type: "boolean" },
    html: { type: "string" },
    open: { type: "boolean" },
    mermaid: { type: "string" },
    model: { type: "string" },
    junit: { type: "string" },
    logs: { type: "string" },
    quiet: { type: "boolean" },
    details: { type: "boolean" },
    verbose: { type: "boolean" },
    matrix: { type: "boolean" },
    plugin: { type: "string", multiple: true },
    shard: { type: "string" },
    "control-port": { type: "string" },
    record: { type: "string" },
    help: { type: "boolean", short: "h" },
  }, true);
  if (values.help) {
    io.stdout(RUN_HELP);
    return 0;
  }
  const runtime = (values.runtime ?? "sim") as RuntimeKind;
  if (!RUNTIME_KINDS.includes(runtime)) throw new UserError(`run: --runtime must be one of ${RUNTIME_KINDS.join(", ")}, got "${values.runtime}"`);
  const logs = values.logs ?? "warnings";
  if (logs !== "all" && logs !== "warnings" && logs !== "none") throw new UserError(`run: --logs must be all, warnings or none, got "${logs}"`);
  const seed = values.seed === undefined ? undefined : intFlag("run", "seed", values.seed, 0);
  const shard = values.shard === undefined ? null : parseShard("run", values.shard);
  const found = findScenarioFiles(positionals.length > 0 ? positionals : [BUNDLED_SCENARIOS], io.cwd);
  if (found.length === 0) throw new UserError("run: no scenario files found");
  // Every shard sees the same file list, in the same order, and takes every N-th file.
  const files = shard === null ? found : found.filter((_, i) => i % shard.count === shard.index);
  if (values.junit !== undefined) checkWritable("run", "junit", path.resolve(io.cwd, values.junit));
  if (values.html !== undefined) checkWritable("run", "html", path.resolve(io.cwd, values.html));
  if (values.mermaid !== undefined) checkWritable("run", "mermaid", path.resolve(io.cwd, values.mermaid));
  if (values.open && values.html === undefined) throw new UserError("run: --open needs --html FILE (the report to link to)");
  if (values.model !== undefined && values.mermaid === undefined) throw new UserError("run: --model needs --mermaid FILE (it filters the diagram)");
  const controlPort = values["control-port"] === undefined ? null : intFlag("run", "control-port", values["control-port"], 0);
  if (controlPort !== null && files.length !== 1) throw new UserError(`run: --control-port serves one run; ${files.length} scenario files were given`);
  // Plugins register properties a scenario may name in expect.properties; load them first.
  for (const file of values.plugin ?? []) await loadPlugin("run", io.cwd, file);
  // A file that does not load is reported and counted; the others still run.
  const results: ScenarioResult[] = [];
  const timed: Timed[] = [];
  const story: StoryOptions = { terminal: io.terminal ?? PLAIN, logs, matrix: values.matrix === true, cwd: io.cwd };
  const details = values.details === true || values.verbose === true;
  let storyShown = false;
  const warned = new Set<string>();
  const invalid: InvalidScenario[] = [];
  const progress = (line: string) => io.stderr(`… ${line}\n`);
  const recording = values.record === undefined ? null : openRecording(values.record);
  // Messages are most of what a run keeps; only the run document (--json, --html, --mermaid)
  // and the control API's recording read them from the trace (--record taps them as they pass).
  const messages = values.json === true || values.html !== undefined || values.mermaid !== undefined || controlPort !== null;
  // What else the outputs read: the run document and the API everything, the printed story what
  // it shows, `--quiet` (and JUnit) only the verdicts; the run adds what its expectations read.
  const reads: RunReads = messages ? "everything" : values.quiet ? "verdicts" : { story: logs };
  const report = (r: ScenarioResult) => {
    if (!values.json && values.quiet) io.stdout(`${r.passed ? "PASS" : "FAIL"} ${r.name} (${path.relative(io.cwd, r.file) || r.file})\n`);
  };
  // With a control API the run is told as soon as it ends: the API stays up after it.
  const reportNow = (r: ScenarioResult) => {
    report(r);
    if (!values.json && !values.quiet) io.stdout(renderStory(r, story));
    storyShown = true;
  };
  for (const file of files) {
    let scenario: Scenario;
    try {
      const size = fs.statSync(file).size;
      if (size > LARGE_FILE_BYTES) progress(`loading ${path.relative(io.cwd, file) || file} (${(size / 2 ** 20).toFixed(1)} MiB)`);
      scenario = loadScenarioFile(file);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      invalid.push({ file, message: e.describe() });
      if (!values.json) io.stderr(`error: ${e.describe()}\n`);
      continue;
    }
    // Fields of the pasted manifests that have no effect in the simulation: said, never ignored;
    // a manifest several scenarios include is said once.
    for (const w of scenario.warnings) {
      const at = w.line !== undefined ? `${path.relative(io.cwd, w.file) || w.file}:${w.line}:${w.column ?? 1}` : w.file;
      const line = `warning: ${at}: ${w.path}: ${w.message}`;
      if (warned.has(line)) continue;
      warned.add(line);
      io.stderr(`${wrapText(line, story.terminal.columns, 0, 2).join("\n")}\n`);
    }
    // With a control API, the run is reported when it ends and the API stays up after it.
    const control = controlPort === null ? undefined : controlForRun(io, controlPort, reportNow);
    const started = performance.now();
    const r = await runScenario(scenario, {
      runtime, progress, messages, reads, ...(seed !== undefined ? { seed } : {}), ...(control ? { control } : {}),
      ...(recording ? { observe: (engine) => void recording.attach(engine) } : {}),
    });
    recording?.detach();
    results.push(r);
    timed.push({ result: r, wallMs: performance.now() - started });
    if (!control) report(r);
  }
  recording?.close();
  if (!values.json && !values.quiet && !storyShown) {
    // One scenario is a story; several are a table, with the stories of the failures.
    if (files.length === 1 && timed.length === 1) io.stdout(renderStory(timed[0]!.result, story));
    else if (timed.length > 0) io.stdout(renderSummary(timed, { ...story, details }));
  }
  if (values.json || values.html !== undefined || values.mermaid !== undefined) {
    const doc = runDocument(results);
    if (values.json) io.stdout(`${JSON.stringify(doc, null, 2)}\n`);
    if (values.html !== undefined) {
      const file = path.resolve(io.cwd, values.html);
      writeReport("run", "html", io, file, renderHtml(doc));
      if (values.open) io.stdout(`report: ${pathToFileURL(file).href}\n`);
    }
    if (values.mermaid !== undefined) {
      const text = doc.scenarios.map((s) => sequenceDiagram(s, values.model !== undefined ? { model: values.model } : {})).join("\n");
      writeReport("run", "mermaid", io, path.resolve(io.cwd, values.mermaid), text);
    }
  }
  if (values.junit) writeReport("run", "junit", io, values.junit, renderJunit(results, invalid));
  const failed = results.filter((r) => !r.passed).length;
  if (!values.json) {
    const bad = invalid.length > 0 ? `, ${invalid.length} could not be loaded` : "";
    io.stdout(`${results.length - failed} scenario(s) passed, ${failed} failed${bad} [runtime ${runtime}]\n`);
  }
  if (invalid.length > 0) return 2;
  return failed === 0 ? 0 : 1;
};

/** Above this, loading a scenario takes long enough to say so first. */
const LARGE_FILE_BYTES = 5 * 2 ** 20;
