/** The JUnit form of a run, for CI: one test case per expectation, one error per file that did not load. */
import type { ScenarioResult } from "./result.ts";

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
