/**
 * Reading a YAML document while keeping, for every value, the file, the YAML path
 * (`timeline[2].crash.pod`) and the line and column it came from, so that every complaint can
 * point at the exact spot. Problems are collected in `Issues` rather than thrown, so that one run
 * reports all of them.
 */
import { isAlias, LineCounter, parseAllDocuments, type Document } from "yaml";
import { UserError } from "../core/errors.ts";
import type { Origin } from "./types.ts";
import { hint, parseBytes, parseDuration } from "./parse-values.ts";
import { isMapNode, isScalarNode, isSeqNode, parseBlockYaml, startOf, type AnyNode, type PairNode } from "./block-yaml.ts";

export interface Issue {
  file: string;
  path: string;
  line?: number;
  column?: number;
  message: string;
}

function describeIssue(i: Issue): string {
  let loc = i.file;
  if (i.line !== undefined) loc += `:${i.line}${i.column !== undefined ? `:${i.column}` : ""}`;
  return [loc, i.path, clip(i.message)].filter((p) => p !== "").join(": ");
}

/** Messages quote the input; a pathological input must not become a pathological message. */
const MAX_MESSAGE = 300;

function clip(message: string): string {
  const oneLine = message.replace(/\s*\n\s*/g, " ");
  return oneLine.length <= MAX_MESSAGE ? oneLine : `${oneLine.slice(0, MAX_MESSAGE)}… (${oneLine.length - MAX_MESSAGE} more characters)`;
}

/**
 * One or more problems in a scenario. `message` (and `describe()`) hold every problem, one a line,
 * each as `file:line:col: path: what is wrong`; `where` points at the first one.
 */
export class ScenarioError extends UserError {
  constructor(readonly issues: readonly Issue[]) {
    const first = issues[0];
    super(
      issues.map(describeIssue).join("\n"),
      first ? { file: first.file, path: first.path, ...(first.line !== undefined ? { line: first.line } : {}), ...(first.column !== undefined ? { column: first.column } : {}) } : undefined,
    );
    this.name = "ScenarioError";
  }

  override describe(): string {
    return this.message;
  }
}

export class Issues {
  readonly list: Issue[] = [];
  private readonly fileOrder: string[] = [];

  add(where: Origin, message: string): void {
    if (!this.fileOrder.includes(where.file)) this.fileOrder.push(where.file);
    const dup = this.list.some((i) => i.file === where.file && i.line === where.line && i.column === where.column && i.message === message);
    if (!dup) this.list.push({ ...where, message });
  }

  get count(): number {
    return this.list.length;
  }

  /** Throws every issue so far, in file order then position order. */
  throwIfAny(): void {
    if (this.list.length === 0) return;
    const order = (f: string) => this.fileOrder.indexOf(f);
    const sorted = this.list
      .map((issue, i) => ({ issue, i }))
      .sort((a, b) => order(a.issue.file) - order(b.issue.file) || (a.issue.line ?? 0) - (b.issue.line ?? 0) || (a.issue.column ?? 0) - (b.issue.column ?? 0) || a.i - b.i)
      .map((x) => x.issue);
    throw new ScenarioError(sorted);
  }
}

/** A parsed YAML file: its documents and how to turn offsets into lines. */
export interface Source {
  file: string;
  docs: SourceDoc[];
  lines: LineCounter;
}

/** A document: the library's, or the block reader's, which has no aliases to resolve in it. */
export interface SourceDoc {
  readonly contents: unknown;
}

/**
 * Parses YAML text. Syntax errors and warnings become issues (with the library's line and
 * column); returns null when there were any, since what follows would only be confusing. Text in
 * the plain block subset (block-yaml.ts) is read by a reader of its own, three times faster on
 * a large file, to the same nodes; the library reads everything else, and has nothing to say
 * about what the subset reader accepts.
 */
export function parseYaml(text: string, file: string, issues: Issues): Source | null {
  const block = parseBlockYaml(text);
  if (block) return { file, ...block };
  const lines = new LineCounter();
  const docs = withPlainEnv(() => parseAllDocuments(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true }));
  if (!Array.isArray(docs)) return { file, docs: [], lines };
  let bad = false;
  for (const doc of docs) {
    for (const e of [...doc.errors, ...doc.warnings]) {
      bad = true;
      const pos = e.linePos?.[0];
      const msg = e.message.split(/ at line \d+, column \d+/)[0]?.trim() ?? e.message;
      issues.add({ file, path: "", ...(pos ? { line: pos.line, column: pos.col } : {}) }, `YAML: ${msg}`);
    }
  }
  return bad ? null : { file, docs, lines };
}

/**
 * Runs `parse` with `process.env` a plain copy of itself. The yaml library reads a debugging
 * switch from `process.env` once for every token, and Node's `process.env` asks the C
 * environment on every read: a file of 10,000 Models has some 800,000 tokens, and those reads
 * were a sixth of its parse. Parsing is synchronous, so nothing else sees the copy; what the
 * environment says is the same in both.
 */
export function withPlainEnv<T>(parse: () => T): T {
  const env = process.env;
  process.env = { ...env };
  try {
    return parse();
  } finally {
    process.env = env;
  }
}

/** One key of a mapping: the key itself (for complaints about it) and its value. */
export interface Entry {
  key: string;
  keyVal: Val;
  value: Val;
}

export type Kind = "map" | "list" | "string" | "number" | "boolean" | "null";

/** Extends a YAML path by a key or an index. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return path === "" ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

/** One value in a YAML document, with where it is. */
export class Val {
  readonly node: AnyNode | null;

  constructor(
    readonly src: Source,
    readonly doc: SourceDoc,
    node: unknown,
    readonly path: string,
    readonly issues: Issues,
    /** Where to point when the value has no position of its own (e.g. a missing key). */
    at?: AnyNode | null,
  ) {
    let n = node as AnyNode | null;
    // an alias comes only from the library's documents
    for (let i = 0; n && isAlias(n) && i < 100; i++) n = (n.resolve(doc as Document.Parsed) as AnyNode | undefined) ?? null;
    this.node = n;
    this.posNode = (node as AnyNode | null) ?? at ?? null;
  }

  private readonly posNode: AnyNode | null;

  get origin(): Origin {
    const start = this.posNode ? startOf(this.posNode) : undefined;
    if (start === undefined) return { file: this.src.file, path: this.path };
    const { line, col } = this.src.lines.linePos(start);
    return { file: this.src.file, path: this.path, line, column: col };
  }

  error(message: string): void {
    this.issues.add(this.origin, message);
  }

  get kind(): Kind {
    const n = this.node;
    if (n === null || n === undefined) return "null";
    if (isMapNode(n)) return "map";
    if (isSeqNode(n)) return "list";
    if (isScalarNode(n)) {
      const v = n.value;
      if (v === null || v === undefined) return "null";
      if (typeof v === "string") return "string";
      if (typeof v === "number" || typeof v === "bigint") return "number";
      if (typeof v === "boolean") return "boolean";
    }
    return "string";
  }

  /** The scalar's JS value (undefined for collections). */
  get scalar(): unknown {
    const n = this.node;
    return n && isScalarNode(n) ? n.value : n === null ? null : undefined;
  }

  /** What was found, for messages: `a list`, `the string "x"`, `the number 3`. */
  get got(): string {
    switch (this.kind) {
      case "map": return "a mapping";
      case "list": return "a list";
      case "null": return "nothing (null)";
      case "string": return `the string ${JSON.stringify(this.scalar)}`;
      case "number": return `the number ${String(this.scalar)}`;
      case "boolean": return `\`${String(this.scalar)}\``;
    }
  }

  expected(what: string): undefined {
    this.error(`expected ${what}, got ${this.got}`);
    return undefined;
  }

  /** A plain JS copy (aliases resolved), as the Kubernetes API server would store it. */
  plain(): unknown {
    return toPlain(this.node, this.doc, 0);
  }

  str(what = "a string"): string | undefined {
    return this.kind === "string" ? (this.scalar as string) : this.expected(what);
  }

  /** A non-empty string. */
  name(what = "a name"): string | undefined {
    const s = this.str(what);
    if (s === undefined) return undefined;
    if (s.trim() === "") return this.expected(`${what}, not an empty string`);
    return s;
  }

  /** A string; numbers and booleans are taken as their text (`9500` → `"9500"`). */
  text(what = "a string"): string | undefined {
    const k = this.kind;
    if (k === "string" || k === "number" || k === "boolean") return String(this.scalar);
    return this.expected(what);
  }

  bool(): boolean | undefined {
    return this.kind === "boolean" ? (this.scalar as boolean) : this.expected("`true` or `false`");
  }

  int(opts: { min?: number; max?: number; what?: string } = {}): number | undefined {
    const what = opts.what ?? (opts.min === 0 ? "a whole number ≥ 0" : opts.min === 1 ? "a whole number ≥ 1" : "a whole number");
    const v = this.scalar;
    if (typeof v !== "number" || !Number.isSafeInteger(v)) return this.expected(what);
    if (opts.min !== undefined && v < opts.min) return this.expected(what);
    if (opts.max !== undefined && v > opts.max) return this.expected(what);
    return v;
  }

  duration(): number | undefined {
    const k = this.kind;
    if (k !== "string" && k !== "number") return this.expected("a duration such as `500ms`, `10s`, `2m` or `1h30m`");
    const d = parseDuration(this.scalar);
    if (!d.ok) {
      this.error(d.error);
      return undefined;
    }
    return d.value;
  }

  bytes(): bigint | undefined {
    const k = this.kind;
    if (k !== "string" && k !== "number") return this.expected("a Kubernetes quantity such as `1Gi`, `500Mi`, `2G` or a number of bytes");
    const d = parseBytes(this.scalar);
    if (!d.ok) {
      this.error(d.error);
      return undefined;
    }
    return d.value;
  }

  /** One of a fixed set of strings, with a suggestion when it is not. */
  oneOf<T extends string>(values: readonly T[], what = "one of"): T | undefined {
    const s = this.kind === "string" || this.kind === "boolean" || this.kind === "number" ? String(this.scalar) : undefined;
    if (s === undefined) return this.expected(`${what} ${values.map((v) => `\`${v}\``).join(", ")}`);
    if ((values as readonly string[]).includes(s)) return s as T;
    this.error(`unknown ${what === "one of" ? "value" : what} \`${s}\`${hint(s, values)}`);
    return undefined;
  }

  /** The items of a list (an error and an empty array when it is not one). */
  list(what = "a list"): Val[] {
    const n = this.node;
    if (n && isSeqNode(n)) return (n.items as unknown[]).map((item, i) => new Val(this.src, this.doc, item, childPath(this.path, i), this.issues, n));
    this.expected(what);
    return [];
  }

  /** A list, or `null`/absent meaning an empty one. */
  optList(what = "a list"): Val[] {
    return this.kind === "null" ? [] : this.list(what);
  }

  /** Built once: a resource's mapping is read by several checks, and each read made every child again. */
  private entryList: readonly Entry[] | undefined;

  /** The entries of a mapping with string keys (an error and [] when it is not one). */
  entries(what = "a mapping"): readonly Entry[] {
    const n = this.node;
    if (!n || !isMapNode(n)) {
      this.expected(what);
      return [];
    }
    if (this.entryList) return this.entryList;
    const out: Entry[] = [];
    for (const pair of n.items as PairNode[]) {
      const keyNode = pair.key as AnyNode | null;
      const k = keyNode && isScalarNode(keyNode) ? keyNode.value : undefined;
      const keyVal = new Val(this.src, this.doc, keyNode, this.path, this.issues, n);
      if (typeof k !== "string" && typeof k !== "number" && typeof k !== "boolean") {
        keyVal.error(`keys must be plain strings, got ${keyVal.got}`);
        continue;
      }
      const key = String(k);
      if (key === "<<") {
        keyVal.error("YAML merge keys (`<<`) are not supported; write the fields out");
        continue;
      }
      const path = childPath(this.path, key);
      out.push({ key, keyVal: new Val(this.src, this.doc, keyNode, path, this.issues, n), value: new Val(this.src, this.doc, pair.value, path, this.issues, keyNode) });
    }
    this.entryList = out;
    return out;
  }

  /**
   * A mapping whose keys must all be among `fields`: every other key is an error with a
   * suggestion. `what` names the thing for messages (`server`, `Model spec`).
   */
  obj(fields: readonly string[], what: string): Obj | undefined {
    if (this.kind !== "map") return this.expected(`a mapping (the fields of ${what})`);
    const known = new Map<string, { keyVal: Val; value: Val }>();
    let unknown = 0;
    for (const e of this.entries()) {
      if (fields.includes(e.key)) known.set(e.key, e);
      else {
        unknown++;
        e.keyVal.error(`unknown field \`${e.key}\` in ${what}${hint(e.key, fields)}`);
      }
    }
    return new Obj(this, known, what, unknown);
  }

  /** A child value that is not there, pointing at this value's position. */
  missing(key: string): Val {
    return new Val(this.src, this.doc, null, childPath(this.path, key), this.issues, this.posNode);
  }
}

export class Obj {
  constructor(
    readonly val: Val,
    private readonly fields: Map<string, { keyVal: Val; value: Val }>,
    readonly what: string,
    /** How many keys were unknown (and reported). */
    readonly unknownCount = 0,
  ) {}

  get origin(): Origin {
    return this.val.origin;
  }

  get path(): string {
    return this.val.path;
  }

  has(key: string): boolean {
    return this.fields.has(key);
  }

  keys(): string[] {
    return [...this.fields.keys()];
  }

  get(key: string): Val | undefined {
    return this.fields.get(key)?.value;
  }

  keyOf(key: string): Val | undefined {
    return this.fields.get(key)?.keyVal;
  }

  /** The value, or an error "missing required field" when absent. */
  req(key: string, expected?: string): Val | undefined {
    const v = this.get(key);
    if (v === undefined) this.val.error(`missing required field \`${key}\` in ${this.what}${expected ? ` (${expected})` : ""}`);
    return v;
  }

  /** `read(value)` when the key is present and not null, else the default. */
  opt<T>(key: string, read: (v: Val) => T | undefined, dflt: T): T {
    const v = this.get(key);
    if (v === undefined) return dflt;
    return read(v) ?? dflt;
  }

  /** `read(value)` when present, else undefined. */
  maybe<T>(key: string, read: (v: Val) => T | undefined): T | undefined {
    const v = this.get(key);
    return v === undefined ? undefined : read(v);
  }
}

function toPlain(node: unknown, doc: SourceDoc, depth: number): unknown {
  if (depth > 200) throw new UserError("YAML nesting too deep (recursive aliases?)");
  let n = node as AnyNode | null | undefined;
  if (n && isAlias(n)) n = n.resolve(doc as Document.Parsed) as AnyNode | undefined;
  if (n === null || n === undefined) return null;
  if (isScalarNode(n)) return n.value ?? null;
  if (isSeqNode(n)) return (n.items as unknown[]).map((i) => toPlain(i, doc, depth + 1));
  if (isMapNode(n)) {
    const out: Record<string, unknown> = {};
    for (const p of n.items as PairNode[]) {
      const k = toPlain(p.key, doc, depth + 1);
      out[String(k)] = toPlain(p.value, doc, depth + 1);
    }
    return out;
  }
  return null;
}

/** The top-level value of every non-empty document of a source. */
export function documents(src: Source, issues: Issues, pathOf: (index: number, count: number) => string): Val[] {
  const nonEmpty = src.docs.filter((d) => d.contents !== null && !(isScalarNode(d.contents) && d.contents.value === null));
  return nonEmpty.map((d, i) => new Val(src, d, d.contents, pathOf(i, nonEmpty.length), issues, null));
}
