/**
 * A reader for the plain block subset of YAML that large scenario files are written in (what
 * `yaml.stringify` writes, and most files people write): block mappings and sequences, one-line
 * plain or simply quoted scalars, comments and blank lines. It builds the same tree, with the
 * same start offsets and line index, as the `yaml` library's `parseAllDocuments`, in a fifth of
 * its time on a file of 10,000 Models (the library goes through two generator levels a token, and
 * keeps a concrete syntax tree of the whole file until the document is composed).
 *
 * Anything outside the subset (flow collections, anchors, tags, block or multi-line scalars,
 * escapes, several documents, an empty value, a duplicate key, tabs, odd indentation, numbers
 * other than integers) makes it give up and return null, so that the library reads the file and
 * says what it says about it: every error and warning the loader reports still comes from there.
 */
import { isMap, isScalar, isSeq, LineCounter, type Node, type Pair, type Scalar, type YAMLMap, type YAMLSeq } from "yaml";

/**
 * The reader's nodes: what the loader reads of a node (its value or items, and where it starts)
 * and no more. The library's nodes carry a range, a source, a type and a schema besides, and a
 * file of 10,000 Models has a quarter of a million of them.
 */
export class BlockScalar {
  constructor(readonly value: unknown, readonly start: number) {}
}

export class BlockPair {
  constructor(readonly key: BlockScalar, readonly value: BlockNode) {}
}

export class BlockMap {
  readonly items: BlockPair[] = [];
  constructor(readonly start: number) {}
}

export class BlockSeq {
  readonly items: BlockNode[] = [];
  constructor(readonly start: number) {}
}

export type BlockNode = BlockScalar | BlockMap | BlockSeq;

/** A node of either reader. */
export type AnyNode = Node | BlockNode;

export const isMapNode = (n: unknown): n is YAMLMap<unknown, unknown> | BlockMap => n instanceof BlockMap || isMap(n);
export const isSeqNode = (n: unknown): n is YAMLSeq<unknown> | BlockSeq => n instanceof BlockSeq || isSeq(n);
export const isScalarNode = (n: unknown): n is Scalar | BlockScalar => n instanceof BlockScalar || isScalar(n);
export type PairNode = Pair<unknown, unknown> | BlockPair;

/** Where a node starts in its text (undefined for a library node without a position). */
export function startOf(n: AnyNode): number | undefined {
  return n instanceof BlockScalar || n instanceof BlockMap || n instanceof BlockSeq ? n.start : n.range?.[0];
}

/** Thrown to give up; caught at the top. */
class OutsideSubset extends Error {}

const outside = (): never => {
  throw new OutsideSubset();
};

/**
 * The lines with content (not blank, not only a comment), as offsets into the text rather than
 * an object and a string for each of a large file's 120,000 lines.
 */
class Lines {
  readonly start: number[] = [];
  readonly indent: number[] = [];

  constructor(readonly text: string) {}

  get length(): number {
    return this.start.length;
  }

  /** Line `i` after its indentation, from `col` on. */
  body(i: number, col = 0): string {
    const from = this.start[i]! + this.indent[i]! + col;
    const nl = this.text.indexOf("\n", from);
    return this.text.slice(from, nl < 0 ? this.text.length : nl);
  }

  /** Whether line `i` is a sequence item (`- ` or a lone `-`). */
  isItem(i: number): boolean {
    return itemAt(this.text, this.start[i]! + this.indent[i]!);
  }
}

/**
 * The document of `text` as `parseAllDocuments(text, {lineCounter})` gives it, and that line
 * counter, when `text` is in the subset, with the reader's nodes for the library's (the same
 * values and start offsets); otherwise null.
 */
export function parseBlockYaml(text: string): { docs: { contents: BlockNode }[]; lines: LineCounter } | null {
  // Characters whose handling the subset leaves to the library: tabs, carriage returns, a byte
  // order mark, other control characters.
  if (/[\t\r\uFEFF\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/.test(text)) return null;
  const lines = new LineCounter();
  const content = new Lines(text);
  let start = 0;
  lines.addNewLine(0);
  for (;;) {
    const nl = text.indexOf("\n", start);
    const end = nl < 0 ? text.length : nl;
    let indent = start;
    while (indent < end && text.charCodeAt(indent) === 0x20) indent++;
    if (indent < end && text.charCodeAt(indent) !== 0x23 /* # */) {
      content.start.push(start);
      content.indent.push(indent - start);
    }
    if (nl < 0) break;
    start = nl + 1;
    lines.addNewLine(start);
  }
  try {
    const reader = new BlockReader(content);
    const contents = reader.root();
    return { docs: [{ contents }], lines };
  } catch (e) {
    // Nesting deeper than the stack is the library's to read too.
    if (e instanceof OutsideSubset || e instanceof RangeError) return null;
    throw e;
  }
}

/** `key:` followed by a space or the end of the line; the key a plain name. */
const KEY = /^([A-Za-z0-9_$][A-Za-z0-9_$./-]*):(?: |$)/;

/** First characters a plain scalar of the subset may not have (YAML's indicators, and quotes). */
const NOT_PLAIN_START = new Set("-?:,[]{}#&*!|>'\"%@`");

class BlockReader {
  private i = 0;

  constructor(private readonly lines: Lines) {}

  root(): BlockNode {
    if (this.lines.length === 0 || this.lines.indent[0] !== 0) return outside();
    const node = this.block(0);
    if (this.i < this.lines.length) return outside();
    return node;
  }

  /** The mapping or sequence whose first line is the current one, at `indent`. */
  private block(indent: number): BlockMap | BlockSeq {
    return this.lines.isItem(this.i) ? this.seq(indent) : this.map(indent, 0);
  }

  /** The indentation of the current line; -1 past the last. */
  private get indent(): number {
    return this.i < this.lines.length ? this.lines.indent[this.i]! : -1;
  }

  /**
   * A block mapping whose entries start at column `indent`; the first one at `col` of the
   * current line (after `- ` for a mapping in a sequence item, else 0).
   */
  private map(indent: number, col: number): BlockMap {
    const lines = this.lines;
    const map = new BlockMap(lines.start[this.i]! + indent);
    const seen = new Set<unknown>();
    for (;;) {
      const text = lines.body(this.i, col);
      const m = KEY.exec(text);
      // the library's limit on an implicit key is 1,024 characters
      if (!m || m[1]!.length > 1000) return outside();
      const keyStart = lines.start[this.i]! + indent;
      const key = plainScalar(m[1]!, keyStart);
      if (seen.has(key.value)) return outside();
      seen.add(key.value);
      const rest = text.slice(m[0].length);
      let value: BlockNode;
      if (isBlank(rest)) {
        this.i++;
        const next = this.indent;
        if (next > indent) value = this.block(next);
        else if (next === indent && lines.isItem(this.i)) value = this.seq(indent);
        else return outside(); // an empty value: its position is the library's to say
      } else {
        value = inlineScalar(rest, keyStart + m[0].length);
        this.i++;
      }
      map.items.push(new BlockPair(key, value));
      col = 0;
      const next = this.indent;
      if (next < indent) return map;
      if (next > indent || lines.isItem(this.i)) return outside();
    }
  }

  /** A block sequence whose `- ` are at column `indent`, from the current line. */
  private seq(indent: number): BlockSeq {
    const lines = this.lines;
    const seq = new BlockSeq(lines.start[this.i]! + indent);
    for (;;) {
      const line = lines.body(this.i);
      // after the dash, the item's own column
      let col = 1;
      while (col < line.length && line.charCodeAt(col) === 0x20) col++;
      const rest = line.slice(col);
      if (isBlank(rest)) {
        this.i++;
        const next = this.indent;
        if (next > indent) seq.items.push(this.block(next));
        else return outside();
      } else if (itemAt(rest, 0)) {
        return outside(); // `- - x`
      } else if (KEY.test(rest)) {
        seq.items.push(this.map(indent + col, col));
      } else {
        seq.items.push(inlineScalar(rest, lines.start[this.i]! + indent + col));
        this.i++;
      }
      const next = this.indent;
      if (next < indent) return seq;
      if (next > indent) return outside();
      if (!lines.isItem(this.i)) return seq; // the mapping this sequence is the value of goes on
    }
  }
}

/** Whether a sequence item (`- `, or a `-` that ends its line) starts at `at` of `text`. */
function itemAt(text: string, at: number): boolean {
  if (text.charCodeAt(at) !== 0x2d /* - */) return false;
  const next = text.charCodeAt(at + 1);
  return at + 1 === text.length || next === 0x20 || next === 0x0a;
}

/** Nothing, or only a comment. */
function isBlank(rest: string): boolean {
  let i = 0;
  while (rest.charCodeAt(i) === 0x20) i++;
  return i === rest.length || rest.charCodeAt(i) === 0x23;
}

/**
 * Without its trailing spaces. Only spaces: to YAML (and the library), a no-break space or a
 * line separator is part of the scalar, where `String.prototype.trimEnd` would take it off.
 */
function withoutTrailingSpaces(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0x20) end--;
  return s.slice(0, end);
}

/** A scalar that is the rest of a line (after `key: ` or `- `), starting at `offset`. */
function inlineScalar(rest: string, offset: number): BlockScalar {
  let lead = 0;
  while (rest.charCodeAt(lead) === 0x20) lead++;
  const text = rest.slice(lead);
  const start = offset + lead;
  const q = text.charCodeAt(0);
  if (q === 0x22 /* " */ || q === 0x27 /* ' */) {
    const close = text.indexOf(text[0]!, 1);
    if (close < 0) return outside();
    const inner = text.slice(1, close);
    // escapes, and a doubled single quote, are the library's to read
    if (q === 0x22 ? inner.includes("\\") : text.charCodeAt(close + 1) === 0x27) return outside();
    if (!isBlank(text.slice(close + 1)) || (close + 1 < text.length && text.charCodeAt(close + 1) !== 0x20)) return outside();
    return new BlockScalar(inner, start);
  }
  // A plain scalar ends at ` #` (a comment); trailing spaces are not part of it.
  const hash = text.indexOf(" #");
  const value = withoutTrailingSpaces(hash < 0 ? text : text.slice(0, hash));
  if (value.includes("#")) return outside();
  return plainScalar(value, start);
}

/** Plain scalars resolved as the library's core schema resolves them, or outside the subset. */
function plainScalar(value: string, start: number): BlockScalar {
  if (NOT_PLAIN_START.has(value[0]!)) return outside();
  if (value.includes(": ") || value.endsWith(":") || /[[\]{}]/.test(value)) return outside();
  return new BlockScalar(resolvePlain(value), start);
}

/** The core schema's tags in its order; floats, infinities and NaN are left to the library. */
function resolvePlain(v: string): unknown {
  if (/^(?:~|[Nn]ull|NULL)$/.test(v)) return null;
  if (/^(?:[Tt]rue|TRUE)$/.test(v)) return true;
  if (/^(?:[Ff]alse|FALSE)$/.test(v)) return false;
  if (/^0o[0-7]+$/.test(v)) return parseInt(v.substring(2), 8);
  if (/^[-+]?[0-9]+$/.test(v)) return parseInt(v, 10);
  if (/^0x[0-9a-fA-F]+$/.test(v)) return parseInt(v.substring(2), 16);
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/.test(v) || /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(v)) return outside();
  return v;
}
