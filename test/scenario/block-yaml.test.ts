/**
 * The block-subset reader against the `yaml` library it stands in for: whatever text it accepts,
 * the library reads without an error or a warning, to the same tree (each node's kind, value and
 * start offset, all the loader reads of a node) and the same line index; everything else it
 * leaves to the library.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LineCounter, parseAllDocuments, stringify } from "yaml";
import { isMapNode, isScalarNode, isSeqNode, parseBlockYaml, startOf, type AnyNode, type PairNode } from "../../src/scenario/block-yaml.ts";
import { rolloutScenario } from "../../bench/scenario-gen.ts";

/** What the loader reads of a node of either reader: kind, value or items, start offset. */
function dump(n: unknown): unknown {
  if (n === null || n === undefined) return null;
  const node = n as AnyNode;
  if (isMapNode(node)) return { map: startOf(node), items: (node.items as PairNode[]).map((p) => [dump(p.key), dump(p.value)]) };
  if (isSeqNode(node)) return { seq: startOf(node), items: (node.items as unknown[]).map(dump) };
  if (isScalarNode(node)) return { scalar: startOf(node), type: typeof node.value, value: typeof node.value === "bigint" ? String(node.value) : node.value };
  return { other: String(n) };
}

function byLibrary(text: string) {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [];
  return {
    problems: list.flatMap((d) => [...d.errors, ...d.warnings].map((e) => e.message)),
    docs: list.map((d) => dump(d.contents)),
    lines: lines.lineStarts,
  };
}

/** True when the reader gives up; otherwise checks it against the library. */
function checkAgainstLibrary(text: string): boolean {
  const fast = parseBlockYaml(text);
  if (!fast) return true;
  const lib = byLibrary(text);
  expect(lib.problems).toEqual([]);
  expect(fast.docs.map((d) => dump(d.contents))).toEqual(lib.docs);
  expect(fast.lines.lineStarts).toEqual(lib.lines);
  return false;
}

const SPECIAL_STRINGS = [
  "", " ", "a: b", "a:b", "#x", "x #y", "x#y", "10Mi", "1.5", "1e3", ".5", "0x1F", "0o17", "+1", "-1", "007", "~", "null", "Null", "NULL",
  "true", "True", "FALSE", "yes", "on", ".inf", "-.Inf", ".nan", "'q'", "\"q\"", "a\\b", "it's", "é × ü", "[x]", "{y}", "a, b", "- x", "-x",
  "? x", ": x", "x:", "&a", "*a", "!t", "|", ">", "%x", "@x", "`x", "a  b", "trailing ", "gs://models/m-1", "9007199254740993",
  // whitespace to JavaScript, not to YAML
  "1\u00A0", "x\u2028", "\u2029y", "\u0085", "a\uFEFF", "\u200B", "x\u3000",
];

// Mostly what the subset holds, so that most cases reach the reader's own path; now and then
// what it must leave to the library.
const key = fc.oneof(
  { weight: 40, arbitrary: fc.stringMatching(/^[a-z][a-zA-Z0-9_.\/-]{0,8}$/) },
  { weight: 1, arbitrary: fc.constantFrom("true", "1", "null", "a b", "-x", "k:", "0x1", "é", "\"q\"", "<<", "~") },
);

const scalar = fc.oneof(
  { weight: 30, arbitrary: fc.stringMatching(/^[a-z][a-zA-Z0-9 \/.,-]{0,12}$/) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z][a-zA-Z0-9 :\/.,-]{0,12}$/) },
  { weight: 12, arbitrary: fc.integer() },
  { weight: 6, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 6, unit: "binary" }) },
  { weight: 1, arbitrary: fc.double({ noNaN: false }) },
);

const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, { weight: 3, arbitrary: scalar }, { weight: 1, arbitrary: tie("list") }, { weight: 2, arbitrary: tie("map") }),
  list: fc.oneof({ weight: 19, arbitrary: fc.array(tie("value"), { minLength: 1, maxLength: 3 }) }, { weight: 1, arbitrary: fc.constant([]) }),
  map: fc.oneof({ weight: 19, arbitrary: fc.dictionary(key, tie("value"), { minKeys: 1, maxKeys: 3 }) }, { weight: 1, arbitrary: fc.constant({}) }),
}));

const root = fc.oneof(fc.dictionary(key, value, { minKeys: 1, maxKeys: 5 }), fc.array(value, { minLength: 1, maxLength: 4 }));

const options = fc.record({
  indent: fc.integer({ min: 1, max: 4 }),
  indentSeq: fc.boolean(),
  lineWidth: fc.constantFrom(0, 0, 20, 80),
  defaultStringType: fc.constantFrom("PLAIN", "PLAIN", "PLAIN", "QUOTE_DOUBLE", "QUOTE_SINGLE") as fc.Arbitrary<"PLAIN" | "QUOTE_DOUBLE" | "QUOTE_SINGLE">,
  defaultKeyType: fc.constantFrom(null, null, null, "PLAIN", "QUOTE_DOUBLE") as fc.Arbitrary<null | "PLAIN" | "QUOTE_DOUBLE">,
  nullStr: fc.constantFrom("null", "null", "null", "~", ""),
});

/** Small edits of one line, most of which make text the reader must leave to the library. */
const edit = fc.record({
  line: fc.nat(),
  kind: fc.constantFrom("comment-line", "comment-line", "trailing-comment", "blank", "trailing-comment", "blank", "indent+1", "indent+2", "indent-1", "delete", "duplicate", "no-space", "colon", "dash", "tab", "document", "cr", "unicode-space", "unicode-space"),
  indent: fc.nat({ max: 6 }),
});

/** Whitespace to JavaScript's `trim`, not to YAML. */
const UNICODE_SPACES = ["\u00A0", "\u2028", "\u2029", "\u0085", "\uFEFF", "\u3000", "\u200B"];

function applyEdit(text: string, e: { line: number; kind: string; indent: number }): string {
  const lines = text.split("\n");
  const i = e.line % lines.length;
  const l = lines[i]!;
  switch (e.kind) {
    case "comment-line": lines.splice(i, 0, `${" ".repeat(e.indent)}# a comment: with [things]`); break;
    case "trailing-comment": lines[i] = `${l} # c`; break;
    case "blank": lines.splice(i, 0, " ".repeat(e.indent)); break;
    case "indent+1": lines[i] = ` ${l}`; break;
    case "indent+2": lines[i] = `  ${l}`; break;
    case "indent-1": lines[i] = l.replace(/^ /, ""); break;
    case "delete": lines.splice(i, 1); break;
    case "duplicate": lines.splice(i, 0, l); break;
    case "no-space": lines[i] = l.replace(": ", ":"); break;
    case "colon": lines[i] = `${l}: x`; break;
    case "dash": lines[i] = l.replace(/^(\s*)/, "$1- "); break;
    case "tab": lines[i] = `\t${l}`; break;
    case "document": lines.splice(i, 0, "---"); break;
    case "cr": lines[i] = `${l}\r`; break;
    case "unicode-space": lines[i] = `${l}${UNICODE_SPACES[e.indent % UNICODE_SPACES.length]}`; break;
  }
  return lines.join("\n");
}

describe("the block-subset YAML reader", () => {
  it("reads what yaml.stringify writes as the library does, or leaves it to the library", () => {
    fc.assert(fc.property(root, options, (v, o) => {
      checkAgainstLibrary(stringify(v, { ...o, ...(o.defaultKeyType === null ? { defaultKeyType: null } : {}) }));
    }), { numRuns: 600 });
  });

  it("accepts nothing, after an edit, that the library reads differently or complains about", () => {
    fc.assert(fc.property(root, options, fc.array(edit, { minLength: 1, maxLength: 3 }), (v, o, edits) => {
      checkAgainstLibrary(edits.reduce(applyEdit, stringify(v, o)));
    }), { numRuns: 1500 });
  });

  it("reads a generated 10,000-model scenario's shape itself, to the library's nodes", () => {
    const text = rolloutScenario(3, 2, 50);
    expect(checkAgainstLibrary(text)).toBe(false);
  });

  it("reads a hand-written block file with comments and unindented lists", () => {
    const text = [
      "# a scenario",
      "name: x   # its name",
      "cluster:",
      "  servers:",
      "  - name: mlserver",
      "    replicas:    2   # two",
      "",
      "    memory: '1Gi'",
      "  # between",
      "resources:",
      "- apiVersion: \"mlops.seldon.io/v1alpha1\"",
      "  spec:",
      "    requirements:",
      "      - sklearn",
      "      -   xgboost",
      "settle: 0o17",
      "n: 0x1F",
      "",
    ].join("\n");
    expect(checkAgainstLibrary(text)).toBe(false);
  });

  it("leaves flow collections, anchors, block scalars, empty values and duplicate keys to the library", () => {
    for (const text of [
      "a: {b: 1}\n", "a: [1, 2]\n", "a: &x 1\nb: *x\n", "a: |\n  text\n", "a:\nb: 1\n", "a: 1\na: 2\n", "a: 1.5\n",
      "a: \"x\\ty\"\n", "a: b\n  c\n", "---\na: 1\n", "a: 1\n---\nb: 2\n", "- - x\n", "just a scalar\n", "  a: 1\n", "",
    ]) {
      expect(parseBlockYaml(text), text).toBeNull();
    }
  });

  it("finds a duplicate key in a small mapping and in a large one, wherever it is", () => {
    for (const size of [2, 15, 16, 17, 40]) {
      const keys = Array.from({ length: size }, (_, i) => `k${i}`);
      const distinct = keys.map((k, i) => `${k}: ${i}\n`).join("");
      // read by the reader, as the library reads it
      expect(checkAgainstLibrary(distinct), `${size} keys`).toBe(false);
      for (const at of new Set([1, size - 1, Math.min(16, size - 1)])) {
        // the key at `at` repeats the first one, or the one just before it
        for (const repeated of new Set([0, at - 1])) {
          const text = keys.map((k, i) => `${i === at ? keys[repeated] : k}: ${i}\n`).join("");
          expect(parseBlockYaml(text), `${size} keys, key ${at} repeats key ${repeated}`).toBeNull();
        }
      }
    }
  });
});
