import { describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { parseContract } from "../../src/contracts/parse.ts";
import { loadScenarioFile } from "../../src/scenario/parse.ts";
import { UserError } from "../../src/core/errors.ts";
import { main } from "../../src/cli/main.ts";

const scenario = () => loadScenarioFile(path.resolve("contracts/scenarios/mlserver.yaml"));

function errorOf(text: string): string {
  try {
    parseContract(text, "c.yaml", scenario);
  } catch (e) {
    if (e instanceof UserError) return e.describe();
    throw e;
  }
  return "";
}

describe("contract files", () => {
  it("every shipped contract is valid against the JSON Schema", async () => {
    const { default: Ajv } = await import("ajv/dist/2020.js");
    const ajv = new (Ajv as any)({ allErrors: true, strict: false });
    const validate = ajv.compile(JSON.parse(fs.readFileSync("schema/contract.schema.json", "utf8")));
    for (const f of fs.readdirSync("contracts").filter((x) => x.endsWith(".yaml"))) {
      const ok = validate(parse(fs.readFileSync(path.join("contracts", f), "utf8")));
      expect(ok, `${f}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    expect(validate({ contract: "x", component: "agent", scenario: "s.yaml", clauses: [{ name: "c", sometimes: {} }] })).toBe(false);
  });

  it("names the file, line, path and what was expected for each mistake", () => {
    const err = errorOf([
      "contract: c",
      "component: agnet",
      "scenario: x.yaml",
      "clauses:",
      "  - name: a",
      "    content: {match: {method: Subscribe, direction: sideways}, expect: {x: {gt: high}}}",
      "  - name: a",
      "    retries: {after: Subscribe, attempt: Subscribe, min: 2, growing: true}",
      "  - {name: b}",
    ].join("\n"));
    expect(err).toContain("c.yaml:2:12: component: unknown component `agnet`; did you mean `agent`?");
    expect(err).toMatch(/c\.yaml:6:\d+: clauses\[0\]\.content\.match\.direction: unknown direction `sideways`/);
    expect(err).toMatch(/clauses\[0\]\.content\.expect\.x\.gt: expected a number/);
    expect(err).toMatch(/clauses\[1\]\.retries\.growing: `growing` compares waits, so it needs `min` of at least 3/);
    expect(err).toMatch(/clauses\[2\]: a clause needs one of `order`, `content`, `response`, `never`, `retries`/);
    expect(err).toMatch(/clause name `a` is used twice/);
  });

  it("verify exits 2 with one line for bad input, naming the flag or file", async () => {
    const out: string[] = [];
    const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => out.push(t), readFile: () => "", writeFile: () => {}, cwd: process.cwd() };
    expect(await main(["verify", "--contract", "contracts/agent.yaml"], io)).toBe(2);
    expect(out.join("")).toMatch(/^error: verify: give exactly one of --against HOST:PORT, --fake, or -- COMMAND/);
    out.length = 0;
    expect(await main(["verify", "--contract", "nope.yaml", "--fake"], io)).toBe(2);
    expect(out.join("")).toMatch(/^error: .*nope\.yaml: no such file\n$/);
    out.length = 0;
    expect(await main(["verify", "--contract", "contracts/agent.yaml", "--against", "localhost"], io)).toBe(2);
    expect(out.join("")).toContain('--against expects HOST:PORT, got "localhost"');
    out.length = 0;
    expect(await main(["verify", "--contract", "contracts/agent.yaml", "--against", "127.0.0.1:9"], io)).toBe(2);
    expect(out.join("")).toContain("an agent dials us");
    out.length = 0;
    expect(await main(["verify", "--contract", "contracts/mlserver.yaml", "--", "./no-such-component"], io)).toBe(2);
    expect(out.join("")).toContain('cannot start the command under test "./no-such-component"');
  });

  it("verify exits 0 when every clause holds and 1 when one fails, and writes JUnit", async () => {
    const files = new Map<string, string>();
    const io = { stdout: () => {}, stderr: () => {}, readFile: () => "", writeFile: (p: string, c: string) => void files.set(p, c), cwd: process.cwd() };
    expect(await main(["verify", "--contract", "contracts/mlserver.yaml", "--fake", "--junit", "out.xml"], io)).toBe(0);
    const junit = files.get(path.resolve("out.xml"))!;
    expect(junit).toContain('<testcase classname="seldon-v2.9.0-mlserver" name="repository-load-answers-ok"></testcase>');
    const dir = fs.mkdtempSync("/tmp/contract-");
    fs.writeFileSync(path.join(dir, "c.yaml"), [
      "contract: impossible", "component: mlserver", `scenario: ${path.resolve("contracts/scenarios/mlserver.yaml")}`,
      "clauses:", "  - name: never-answers-live", "    never: {match: {method: ServerLive, direction: response}}",
    ].join("\n"));
    expect(await main(["verify", "--contract", path.join(dir, "c.yaml"), "--fake", "--junit", "out2.xml"], io)).toBe(1);
    expect(files.get(path.resolve("out2.xml"))).toMatch(/<failure message="ServerLive response was seen">/);
    fs.rmSync(dir, { recursive: true });
  });
});
