/**
 * Every scenario file in the repository parses, and agrees with schema/scenario.schema.json;
 * the schema file is what src/scenario/schema-gen.ts builds; the docs' examples are the fixture
 * files they claim to be.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { parse as parseYaml, parseAllDocuments } from "yaml";
import { describe, expect, test } from "vitest";
import { loadScenarioFile, ScenarioError } from "../../src/scenario/parse.ts";
import { formatSchema, scenarioJsonSchema } from "../../src/scenario/schema-gen.ts";

const SCHEMA_FILE = "schema/scenario.schema.json";
const FIXTURES = "test/fixtures/scenarios";
const INVALID = `${FIXTURES}/invalid`;
const DOCS = "docs/scenarios.md";

/** YAML files under a folder (recursively), skipping Kubernetes manifests (included files). */
function scenarioFiles(dir: string, skip: string[] = []): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => path.join(dir, f))
    .filter((f) => !skip.some((s) => f.startsWith(s)))
    .filter((f) => !isManifest(f))
    .sort();
}

function isManifest(file: string): boolean {
  const docs = parseAllDocuments(fs.readFileSync(file, "utf8"));
  const first = Array.isArray(docs) ? docs[0]?.toJS() : null;
  return first !== null && typeof first === "object" && "apiVersion" in first && "kind" in first;
}

const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
const validate = ajv.compile(schema);
const schemaErrors = (data: unknown): string =>
  (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`).join("\n");

const fixtures = scenarioFiles(FIXTURES, [INVALID]);
const bundled = scenarioFiles("scenarios");

describe("the JSON schema", () => {
  test("is what schema-gen.ts builds (regenerate: npx tsx src/scenario/schema-gen.ts > schema/scenario.schema.json)", () => {
    expect(fs.readFileSync(SCHEMA_FILE, "utf8")).toBe(formatSchema(scenarioJsonSchema()));
  });

  test("is a valid draft 2020-12 schema (Ajv strict mode compiles it)", () => {
    expect(typeof validate).toBe("function");
    expect((schema as { $schema: string }).$schema).toBe("https://json-schema.org/draft/2020-12/schema");
  });

  test("is not vacuous: it refuses an unknown field, a step with two actions, a CRD typo, a bad duration", () => {
    expect(validate({ nmae: "x" })).toBe(false);
    expect(validate({ timeline: [{ advance: "1s", heal: "x" }] })).toBe(false);
    expect(validate({ timeline: [{ advance: "10 seconds" }] })).toBe(false);
    expect(
      validate({ resources: [{ apiVersion: "mlops.seldon.io/v1alpha1", kind: "Model", metadata: { name: "m" }, spec: { storageUri: "s", requirement: [] } }] }),
    ).toBe(false);
    expect(validate({ network: [{ from: { role: "envoy" }, to: "agent" }] })).toBe(false);
    expect(validate({ timeline: [{ advance: "1m30s" }], settle: 0 })).toBe(true);
  });
});

describe("scenario files", () => {
  test("there are fixtures to check", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(4);
  });

  test.each(fixtures)("fixture %s parses and matches the schema", (file) => {
    const s = loadScenarioFile(file);
    expect(s.file).toBe(file);
    expect(validate(parseYaml(fs.readFileSync(file, "utf8"))), schemaErrors(null)).toBe(true);
  });

  test.runIf(bundled.length > 0).each(bundled)("bundled scenario %s parses and matches the schema", (file) => {
    loadScenarioFile(file);
    expect(validate(parseYaml(fs.readFileSync(file, "utf8"))), schemaErrors(null)).toBe(true);
  });

  const invalid = scenarioFiles(INVALID);
  test.each(invalid)("invalid fixture %s is refused with the error its first line names, by the loader and the schema", (file) => {
    const text = fs.readFileSync(file, "utf8");
    const wanted = /^# error: (.*)$/m.exec(text)?.[1];
    expect(wanted, "the first line must be `# error: <expected message>`").toBeDefined();
    let message = "";
    try {
      loadScenarioFile(file);
    } catch (e) {
      expect(e).toBeInstanceOf(ScenarioError);
      message = (e as Error).message;
    }
    const prefix = path.join(INVALID, wanted!);
    expect(message.split("\n").some((l) => l.startsWith(prefix)), `no line starts with ${prefix} in:\n${message}`).toBe(true);
    expect(validate(parseYaml(text))).toBe(false);
  });
});

describe("docs/scenarios.md", () => {
  const docs = fs.readFileSync(DOCS, "utf8");
  const examples = [...docs.matchAll(/<!-- example: (\S+) -->\s*```yaml\n([\s\S]*?)```/g)].map((m) => ({ file: m[1]!, text: m[2]! }));

  test("has three runnable examples", () => {
    expect(examples.length).toBeGreaterThanOrEqual(3);
  });

  test.each(examples.map((e) => [e.file, e.text] as const))("the example %s is that file, word for word", (file, text) => {
    expect(fs.readFileSync(file, "utf8")).toBe(text);
    if (!isManifest(file)) expect(() => loadScenarioFile(file)).not.toThrow();
  });

  test("documents every top-level field and every action", () => {
    for (const word of ["name", "description", "seed", "epoch", "cluster", "resources", "network", "timeline", "settle", "expect"]) {
      expect(docs).toContain(`\`${word}\``);
    }
    for (const action of ["apply", "delete", "scale", "crash", "restart", "drain", "block", "heal", "inference", "traffic", "advance", "wait"]) {
      expect(docs).toMatch(new RegExp(`### \`${action}\``));
    }
  });
});
