/**
 * The contract loader: YAML text → a validated `Contract`. Every problem is reported as
 * `file:line:col: yaml.path: what is wrong`, all of them at once, as the scenario loader does; the
 * scenario a contract names is loaded (and checked) by the scenario loader itself.
 */
import * as fs from "node:fs";
import * as nodePath from "node:path";
import { documents, Issues, parseYaml, type Obj, type Val } from "../scenario/parse-reader.ts";
import { loadScenarioFile } from "../scenario/parse.ts";
import { UserError } from "../core/errors.ts";
import type { Scenario } from "../scenario/types.ts";
import { CLAUSE_KINDS, SUBJECTS, type Clause, type ClauseBody, type Condition, type Contract, type Selector, type Subject } from "./types.ts";

const TOP_FIELDS = ["contract", "description", "component", "replaces", "scenario", "clauses"];
const CLAUSE_FIELDS = ["name", "description", ...CLAUSE_KINDS];
const SELECTOR_FIELDS = ["method", "kind", "direction", "where", "bind"];
const OPS = ["eq", "ne", "gt", "ge", "lt", "le", "in", "contains", "matches", "exists", "nonEmpty"];
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function loadContractFile(file: string): Contract {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code === "ENOENT" ? "no such file" : `cannot read: ${(e as Error).message}`, { file });
  }
  return parseContract(text, file, (f) => loadScenarioFile(nodePath.resolve(nodePath.dirname(file), f)));
}

export function parseContract(text: string, file: string, loadScenario: (relative: string) => Scenario): Contract {
  const issues = new Issues();
  const src = parseYaml(text, file, issues);
  issues.throwIfAny();
  const docs = documents(src!, issues, () => "");
  if (docs.length !== 1) {
    issues.add({ file, path: "" }, `expected one YAML document (a contract), found ${docs.length}`);
    issues.throwIfAny();
  }
  const top = docs[0]!.obj(TOP_FIELDS, "a contract");
  if (!top) {
    issues.throwIfAny();
    throw new UserError("expected a mapping", { file });
  }
  const name = top.req("contract", "the contract's name")?.name() ?? "";
  const description = top.opt("description", (v) => v.text(), "");
  const subject = top.req("component", `one of ${SUBJECTS.join(", ")}`)?.oneOf(SUBJECTS, "component") as Subject | undefined;
  const replaces = top.maybe("replaces", (v) => {
    const o = v.obj(["namespace", "pod"], "replaces");
    const namespace = o?.req("namespace")?.name();
    const pod = o?.req("pod")?.name();
    return namespace !== undefined && pod !== undefined ? { namespace, pod } : undefined;
  }) ?? null;
  const scenarioVal = top.req("scenario", "a scenario file, relative to the contract");
  const scenarioFile = scenarioVal?.name("a scenario file");
  const clauses = (top.req("clauses", "a list of clauses")?.list("a list of clauses") ?? []).map((c) => clause(c)).filter((c): c is Clause => c !== undefined);
  const names = new Set<string>();
  for (const c of clauses) {
    if (names.has(c.name)) issues.add(c.origin, `clause name \`${c.name}\` is used twice`);
    names.add(c.name);
  }
  if (top.has("clauses") && clauses.length === 0 && issues.count === 0) issues.add(top.get("clauses")!.origin, "a contract needs at least one clause");
  issues.throwIfAny();
  let scenario: Scenario;
  try {
    scenario = loadScenario(scenarioFile!);
  } catch (e) {
    if (e instanceof UserError && e.where?.file === undefined) throw new UserError(e.message, { file: nodePath.resolve(nodePath.dirname(file), scenarioFile!) });
    throw e;
  }
  return { name, description, file, subject: subject!, replaces, scenario, clauses };
}

function clause(v: Val): Clause | undefined {
  const o = v.obj(CLAUSE_FIELDS, "a clause");
  if (!o) return undefined;
  const name = o.req("name", "what the clause checks, e.g. subscribe-announces-memory")?.name();
  const description = o.opt("description", (d) => d.text(), "");
  const kinds = CLAUSE_KINDS.filter((k) => o.has(k));
  if (kinds.length !== 1) {
    v.error(kinds.length === 0 ? `a clause needs one of ${CLAUSE_KINDS.map((k) => `\`${k}\``).join(", ")}` : `a clause has one kind, got ${kinds.join(" and ")}`);
    return undefined;
  }
  const kind = kinds[0]!;
  const body = clauseBody(kind, o.get(kind)!);
  if (!body || name === undefined) return undefined;
  return { ...body, name, description, origin: v.origin } as Clause;
}

function clauseBody(kind: (typeof CLAUSE_KINDS)[number], v: Val): ClauseBody | undefined {
  switch (kind) {
    case "order": {
      const o = v.obj(["first", "then"], "an order clause");
      const first = o?.req("first") && selector(o.get("first")!);
      const then = o?.req("then") && selector(o.get("then")!);
      return first && then ? { kind, first, then } : undefined;
    }
    case "content": {
      const o = v.obj(["match", "expect"], "a content clause");
      const match = o?.req("match") && selector(o.get("match")!);
      const expect = o?.req("expect", "field → condition") ? conditions(o.get("expect")!) : undefined;
      return match && expect ? { kind, match, expect } : undefined;
    }
    case "response": {
      const o = v.obj(["after", "expect", "within"], "a response clause");
      const after = o?.req("after") && selector(o.get("after")!);
      const expectVal = o?.req("expect", "a list of selectors, in the order they must come");
      const expect = expectVal ? expectVal.list().map(selector) : [];
      const withinMs = o?.req("within", "a duration such as 5s")?.duration();
      if (expectVal && expect.length === 0) expectVal.error("expected at least one selector");
      if (!after || withinMs === undefined || expect.length === 0 || expect.some((s) => s === undefined)) return undefined;
      return { kind, after, expect: expect as Selector[], withinMs };
    }
    case "never": {
      const o = v.obj(["after", "match"], "a never clause");
      const after = o?.has("after") ? selector(o.get("after")!) : null;
      const match = o?.req("match") && selector(o.get("match")!);
      return match && after !== undefined ? { kind, after, match } : undefined;
    }
    case "retries": {
      const o = v.obj(["after", "attempt", "min", "minGap", "growing", "window"], "a retries clause");
      const after = o?.req("after") && selector(o.get("after")!);
      const attempt = o?.req("attempt") && selector(o.get("attempt")!);
      const min = o?.opt("min", (m) => m.int({ min: 1 }), 2) ?? 2;
      const minGapMs = o?.opt("minGap", (m) => m.duration(), 0) ?? 0;
      const growing = o?.opt("growing", (m) => m.bool(), false) ?? false;
      const windowMs = o?.opt("window", (m) => m.duration(), 60_000) ?? 60_000;
      if (growing && min < 3) o?.get("growing")?.error("`growing` compares waits, so it needs `min` of at least 3 attempts");
      return after && attempt ? { kind, after, attempt, min, minGapMs, growing, windowMs } : undefined;
    }
  }
}

function selector(v: Val): Selector | undefined {
  if (v.kind === "string") {
    const method = v.name("a method name");
    return method === undefined ? undefined : { method, kind: "message", direction: null, where: [], bind: [], origin: v.origin };
  }
  const o: Obj | undefined = v.obj(SELECTOR_FIELDS, "a selector");
  if (!o) return undefined;
  const method = o.req("method", "e.g. Subscribe or AgentService/AgentEvent")?.name();
  const kind = o.opt("kind", (k) => k.oneOf(["message", "status"] as const, "kind"), "message");
  const direction = o.opt("direction", (d) => d.oneOf(["request", "response"] as const, "direction"), null as "request" | "response" | null);
  if (kind === "status" && direction === "request") o.get("direction")!.error("a status is always a response");
  const where = o.has("where") ? conditions(o.get("where")!) : [];
  const bind = o.has("bind") ? binds(o.get("bind")!) : [];
  if (method === undefined || where === undefined || bind === undefined) return undefined;
  return { method, kind, direction, where, bind, origin: v.origin };
}

function conditions(v: Val): Selector["where"] | undefined {
  const out: Selector["where"] = [];
  for (const { key, value } of v.entries("a mapping of field paths to conditions")) {
    const c = condition(value);
    if (c) out.push({ path: key, condition: c });
  }
  return out;
}

function condition(v: Val): Condition | undefined {
  // A plain value (a list included) asks for exactly that value.
  if (v.kind !== "map") return { op: "eq", value: v.plain() };
  const entries = v.entries();
  if (entries.length !== 1) return v.expected(`a mapping with one operator (${OPS.join(", ")})`);
  const { key, keyVal, value } = entries[0]!;
  switch (key) {
    case "eq": case "ne": return { op: key, value: value.plain() };
    case "gt": case "ge": case "lt": case "le": {
      const n = value.scalar;
      return typeof n === "number" ? { op: key, value: n } : value.expected("a number");
    }
    case "in": return { op: "in", values: value.list().map((x) => x.plain()) };
    case "contains": return { op: "contains", value: value.plain() };
    case "matches": {
      const s = value.str("a regular expression");
      if (s === undefined) return undefined;
      try {
        return { op: "matches", pattern: new RegExp(s) };
      } catch (e) {
        return value.expected(`a valid regular expression (${(e as Error).message})`);
      }
    }
    case "exists": {
      const b = value.bool();
      return b === undefined ? undefined : { op: "exists", value: b };
    }
    case "nonEmpty": {
      const b = value.bool();
      if (b === false) return value.expected("`true` (to ask for an empty value use `eq`)");
      return b === undefined ? undefined : { op: "nonEmpty" };
    }
    default:
      keyVal.oneOf(OPS, "operator");
      return undefined;
  }
}

function binds(v: Val): Selector["bind"] | undefined {
  const out: Selector["bind"] = [];
  for (const { key, keyVal, value } of v.entries("a mapping of variable names to field paths")) {
    if (!VAR_NAME.test(key)) {
      keyVal.error(`variable names are letters, digits and _, got \`${key}\``);
      continue;
    }
    if (value.kind === "string") {
      out.push({ name: key, path: value.scalar as string, pattern: null });
      continue;
    }
    const o = value.obj(["path", "pattern"], "a binding");
    const path = o?.req("path")?.name("a field path");
    const p = o?.maybe("pattern", (x) => x.str("a regular expression with one group"));
    let pattern: RegExp | null = null;
    if (p !== undefined) {
      try {
        pattern = new RegExp(p);
      } catch (e) {
        o!.get("pattern")!.error(`expected a valid regular expression (${(e as Error).message})`);
      }
    }
    if (path !== undefined) out.push({ name: key, path, pattern });
  }
  return out;
}
