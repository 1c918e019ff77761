/**
 * The layout rule "no import cycles", checked on the sources: every relative import (type-only
 * ones too, since they still tie two modules' definitions together) forms a graph without cycles.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../../src");

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** Relative imports and re-exports of each module, resolved to files. */
function importGraph(files: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const text = fs.readFileSync(f, "utf8");
    const deps = [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+["'](\.[^"']+)["']/gms)].map((m) => path.resolve(path.dirname(f), m[1]!));
    graph.set(f, deps);
  }
  return graph;
}

/** Every cycle found by a depth-first walk, as `a -> b -> a` with paths relative to src/. */
function cyclesOf(graph: Map<string, string[]>): string[] {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const found: string[] = [];
  const visit = (n: string): void => {
    state.set(n, "open");
    stack.push(n);
    for (const d of graph.get(n) ?? []) {
      if (state.get(d) === "open") found.push([...stack.slice(stack.indexOf(d)), d].map((x) => path.relative(ROOT, x)).join(" -> "));
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(n, "done");
  };
  for (const n of graph.keys()) if (!state.has(n)) visit(n);
  return found;
}

describe("module layout", () => {
  it("finds a cycle when there is one", () => {
    const a = path.join(ROOT, "a.ts");
    const b = path.join(ROOT, "b.ts");
    expect(cyclesOf(new Map([[a, [b]], [b, [a]]]))).toEqual(["a.ts -> b.ts -> a.ts"]);
  });

  it("src/ has no import cycles", () => {
    expect(cyclesOf(importGraph(sources(ROOT)))).toEqual([]);
  });
});
