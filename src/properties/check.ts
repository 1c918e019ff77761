/**
 * Checking properties over generated cases with fast-check: each case becomes a scenario, runs
 * in `sim` (deterministic, seeded by the case), and every property watches the run. On a
 * failure fast-check shrinks the case; the smallest failing case is written as a scenario file
 * that names the failing properties, so `seldon-sim run <file>` shows the same failure.
 */
import * as fs from "node:fs";
import * as nodePath from "node:path";
import fc from "fast-check";
import type { RuntimeKind } from "../runtime/index.ts";
import { runScenario, type RunOptions, type ScenarioResult } from "../scenario/runner.ts";
import { caseArb, caseSize } from "./arbitraries.ts";
import { caseToScenario, caseToYaml, type PropertyCase } from "./case.ts";
import type { Property, Violation } from "./property.ts";
import { minimise } from "./minimise.ts";

export interface CheckOptions {
  properties: readonly Property[];
  /** Generated cases (fast-check's numRuns). */
  runs: number;
  seed: number;
  /** Cases; default `caseArb()`. */
  arbitrary?: fc.Arbitrary<PropertyCase>;
  runtime?: RuntimeKind;
  /** Planted scheduler plugins or components (not written to counterexample files). */
  chains?: RunOptions["chains"];
  wrap?: RunOptions["wrap"];
  /** Folder for counterexample files; null writes none. Default `counterexamples`. */
  counterexampleDir?: string | null;
  /** Called after every case run, shrinking included. */
  onRun?: (progress: { runs: number; shrinking: boolean; failed: boolean }) => void;
  /** fast-check's replay path, to go straight to a known counterexample. */
  path?: string;
}

export interface Counterexample {
  case: PropertyCase;
  violations: Violation[];
  /** The scenario file written, or null when none was asked for or it could not be written. */
  file: string | null;
  /** Why the file could not be written (the case is still here, and in `text`). */
  writeError?: string;
  /** The counterexample as a scenario file's text. */
  text?: string;
  /** fast-check's seed and path, to repeat the search (the file holds the case after a final
   * pass that removes the parts the failure does not need). */
  seed: number;
  path: string;
}

export interface CheckReport {
  properties: string[];
  /** Cases that ran before the first failure (or all of them). */
  runs: number;
  shrinks: number;
  timeMs: number;
  failed: boolean;
  counterexample: Counterexample | null;
  /** How big the generated cases were: per measure, value → count of cases. */
  sizes: Record<string, Record<number, number>>;
}

/** Run one case with the properties; the violations (empty when every property held). */
export async function runCase(c: PropertyCase, properties: readonly Property[], options: Pick<CheckOptions, "runtime" | "chains" | "wrap"> = {}): Promise<ScenarioResult> {
  const scenario = caseToScenario(c);
  return runScenario(scenario, {
    runtime: options.runtime ?? "sim",
    ...(options.chains ? { chains: options.chains } : {}),
    ...(options.wrap ? { wrap: options.wrap } : {}),
    properties,
  });
}

export async function checkProperties(options: CheckOptions): Promise<CheckReport> {
  const started = performance.now();
  const sizes: Record<string, Record<number, number>> = {};
  let runs = 0;
  let shrinking = false;
  let lastFailure: { case: PropertyCase; violations: Violation[] } | null = null;
  const prop = fc.asyncProperty(options.arbitrary ?? caseArb(), async (c) => {
    if (!shrinking) {
      runs++;
      for (const [k, v] of Object.entries(caseSize(c))) (sizes[k] ??= {})[v] = ((sizes[k] ??= {})[v] ?? 0) + 1;
    }
    const result = await runCase(c, options.properties, options);
    const failed = result.violations.length > 0 || result.error !== null;
    if (failed) {
      const violations = result.error !== null && result.violations.length === 0
        ? [{ property: "(run)", t: result.endMs, message: result.error }]
        : result.violations;
      lastFailure = { case: c, violations };
      shrinking = true;
    }
    options.onRun?.({ runs, shrinking, failed });
    return !failed;
  });
  const details = await fc.check(prop, {
    numRuns: options.runs,
    seed: options.seed,
    ...(options.path !== undefined ? { path: options.path } : {}),
    endOnFailure: false,
  });
  const report: CheckReport = {
    properties: options.properties.map((p) => p.name),
    runs,
    shrinks: details.numShrinks,
    timeMs: Math.round(performance.now() - started),
    failed: details.failed,
    counterexample: null,
    sizes,
  };
  if (details.failed) {
    if (details.errorInstance && !details.counterexample) throw details.errorInstance;
    const shrunk = details.counterexample![0] as PropertyCase;
    const first = await runCase(shrunk, options.properties, options);
    const failing = new Set(first.violations.map((v) => v.property));
    const failsTheSameWay = async (candidate: PropertyCase): Promise<boolean> => {
      try {
        const r = await runCase(candidate, options.properties, options);
        return r.error === null && r.violations.some((v) => failing.has(v.property));
      } catch {
        return false; // not a valid scenario
      }
    };
    const c = failing.size > 0 ? await minimise(shrunk, failsTheSameWay) : shrunk;
    const again = c === shrunk ? first : await runCase(c, options.properties, options);
    const violations = again.violations.length > 0 ? again.violations : (lastFailure as { violations: Violation[] } | null)?.violations ?? [];
    const cx: Counterexample = { case: c, violations, file: null, seed: details.seed, path: details.counterexamplePath ?? "" };
    const dir = options.counterexampleDir === undefined ? "counterexamples" : options.counterexampleDir;
    cx.text = counterexampleText(cx, options, dir === null ? null : counterexampleFile(dir, cx));
    if (dir !== null) {
      // A folder we cannot write must not lose what the campaign found.
      try {
        cx.file = writeCounterexample(dir, cx, options);
      } catch (e) {
        cx.writeError = (e as Error).message;
      }
    }
    report.counterexample = cx;
  }
  return report;
}

/** Write the counterexample as a scenario file that checks the failing properties; returns its path. */
export function writeCounterexample(dir: string, cx: Omit<Counterexample, "file">, options: Pick<CheckOptions, "chains" | "wrap"> = {}): string {
  const file = counterexampleFile(dir, cx);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, counterexampleText(cx, options, file));
  return file;
}

function failingNames(cx: Pick<Counterexample, "violations">): string[] {
  return [...new Set(cx.violations.map((v) => v.property).filter((n) => n !== "(run)"))];
}

function counterexampleFile(dir: string, cx: Pick<Counterexample, "violations" | "seed">): string {
  const names = failingNames(cx);
  return nodePath.join(dir, `${names.length > 0 ? names.join("+") : "run-error"}-seed${cx.seed}.yaml`);
}

/** The counterexample as a scenario file that checks the failing properties. */
export function counterexampleText(cx: Omit<Counterexample, "file">, options: Pick<CheckOptions, "chains" | "wrap"> = {}, file: string | null = null): string {
  const names = failingNames(cx);
  const label = names.length > 0 ? names.join("+") : "run-error";
  const header = [
    `# Counterexample found by seldon-sim check: fast-check seed ${cx.seed}, path "${cx.path}".`,
    `# Replay: seldon-sim run ${file ?? "<this file>"}`,
    ...cx.violations.map((v) => `# ${v.property} at t=${v.t}ms: ${v.message}`),
    ...(options.chains || options.wrap ? ["# The failing run used planted scheduler plugins or components that this file cannot name."] : []),
    "",
  ].join("\n");
  const yaml = caseToYaml(cx.case, {
    name: `counterexample-${label}-seed${cx.seed}`,
    description: `Shrunk counterexample for ${names.join(", ") || "a run error"} (fast-check seed ${cx.seed}, path ${cx.path}).`,
    properties: names,
  });
  return header + yaml;
}

/** fast-check's own replay line, so a failure can be repeated exactly. */
export function replayHint(report: CheckReport): string {
  const cx = report.counterexample;
  return cx ? `{ seed: ${cx.seed}, path: "${cx.path}", endOnFailure: true }` : "";
}
