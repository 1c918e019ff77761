/** `seldon-sim run [files or folders]`: run scenarios and report; non-zero exit on any failure. */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { CliIO, Command } from "../io.ts";
import { intFlag, loadPlugin, parseFlags } from "../args.ts";
import { UserError } from "../../core/errors.ts";
import { isManifestText, loadScenarioFile } from "../../scenario/parse.ts";
import { runScenario, type ScenarioResult } from "../../scenario/runner.ts";
import { renderJson, renderJunit, renderText } from "../../scenario/report.ts";
import { RUNTIME_KINDS, type RuntimeKind } from "../../runtime/index.ts";
import { openRecording } from "../../recording/file.ts";

export const BUNDLED_SCENARIOS = fileURLToPath(new URL("../../../scenarios/", import.meta.url));

export const RUN_HELP = `usage: seldon-sim run [options] [FILE|FOLDER ...]

Runs scenario files (YAML; folders are searched recursively for *.yaml / *.yml, skipping
folders named "manifests", which hold resource files for includes). With no path, runs the
bundled scenarios.

options:
  --runtime sim|wire   in-memory on a virtual clock (default) or real gRPC on loopback
  --seed N             seed for every random choice (default: the scenario's own)
  --json               print results as JSON
  --junit FILE         also write a JUnit XML report to FILE
  --logs all|warnings|none   component logs to print (default: warnings)
  --quiet              print one line per scenario
  --plugin FILE        load a module that registers properties first (repeatable; see docs/properties.md)
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
    } else if (!explicit.has(p) && isManifestText(fs.readFileSync(p, "utf8"))) {
      // a resource file found by walking a folder: included by scenarios, not one itself
    } else {
      files.push(p);
    }
  };
  const explicit = new Set(paths.map((p) => path.resolve(cwd, p)));
  for (const p of paths) walk(path.resolve(cwd, p));
  return files;
}

export const runCommand: Command = async (argv: string[], io: CliIO) => {
  const { values, positionals } = parseFlags("run", argv, {
    runtime: { type: "string" },
    seed: { type: "string" },
    json: { type: "boolean" },
    junit: { type: "string" },
    logs: { type: "string" },
    quiet: { type: "boolean" },
    plugin: { type: "string", multiple: true },
    record: { type: "string" },
    help: { type: "boolean" },
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
  const files = findScenarioFiles(positionals.length > 0 ? positionals : [BUNDLED_SCENARIOS], io.cwd);
  if (files.length === 0) throw new UserError("run: no scenario files found");
  // Plugins register properties a scenario may name in expect.properties; load them first.
  for (const file of values.plugin ?? []) await loadPlugin("run", io.cwd, file);
  const scenarios = files.map((f) => loadScenarioFile(f));
  const results: ScenarioResult[] = [];
  const recording = values.record === undefined ? null : openRecording(values.record);
  for (const s of scenarios) {
    const r = await runScenario(s, {
      runtime, ...(seed !== undefined ? { seed } : {}),
      ...(recording ? { observe: (engine) => void recording.attach(engine) } : {}),
    });
    recording?.detach();
    results.push(r);
    if (!values.json) io.stdout(values.quiet ? `${r.passed ? "PASS" : "FAIL"} ${r.name} (${path.relative(io.cwd, r.file) || r.file})\n` : `${renderText(r, { logs })}\n`);
  }
  recording?.close();
  if (values.json) io.stdout(renderJson(results));
  if (values.junit) io.writeFile(values.junit, renderJunit(results));
  const failed = results.filter((r) => !r.passed).length;
  if (!values.json) io.stdout(`${results.length - failed} scenario(s) passed, ${failed} failed [runtime ${runtime}]\n`);
  return failed === 0 ? 0 : 1;
};
