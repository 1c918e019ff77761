/** A `sim` run loads none of what only `wire` and the control API need (grpc-js, fastify). */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");
const ONLY_FOR_WIRE = ["@grpc/grpc-js", "@grpc/reflection", "grpc-health-check", "fastify", "@fastify/swagger", "@fastify/swagger-ui"];

function loadedBy(runtime: "sim" | "wire"): string[] {
  const r = spawnSync(process.execPath, ["--import", "tsx", "test/runtime/fixtures/loaded-packages.ts", runtime], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { code: number; packages: string[] };
  expect(out.code).toBe(0);
  return out.packages;
}

describe("loading the runtime", () => {
  it("a sim run never loads grpc-js or fastify; a wire run of the same scenario does", () => {
    const sim = loadedBy("sim");
    expect(sim).toContain("protobufjs"); // every message is still encoded
    expect(sim.filter((p) => ONLY_FOR_WIRE.includes(p))).toEqual([]);
    // the same check sees them when they are loaded
    const wire = loadedBy("wire");
    expect(wire).toContain("@grpc/grpc-js");
    expect(wire).toContain("fastify");
  }, 240_000);
});
