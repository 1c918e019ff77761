import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";
import type { CliIO } from "../../src/cli/io.ts";
import { scheduleCommand } from "../../src/cli/commands/schedule.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const FIXTURES = "test/fixtures/schedule";

interface FakeIO extends CliIO {
  out: string;
  err: string;
  reads: string[];
}

/** Reads real files under the repository, plus the in-memory `files` (by absolute path). */
function fakeIO(files: Record<string, string> = {}): FakeIO {
  const io: FakeIO = {
    out: "",
    err: "",
    reads: [],
    cwd: ROOT,
    stdout: (t) => {
      io.out += t;
    },
    stderr: (t) => {
      io.err += t;
    },
    readFile: (p) => {
      io.reads.push(p);
      const mem = files[p];
      if (mem !== undefined) return mem;
      return readFileSync(p, "utf8");
    },
    writeFile: () => {
      throw new Error("schedule must not write files");
    },
  };
  return io;
}

async function runJson(args: string[]): Promise<Record<string, unknown>> {
  const io = fakeIO();
  const code = await scheduleCommand([...args, "--json"], io);
  expect(io.err).toBe("");
  expect(code).toBe(0);
  return JSON.parse(io.out) as Record<string, unknown>;
}

describe("seldon-sim schedule --json", () => {
  it("prints the decision with its explanation", async () => {
    const d = await runJson(["--input", `${FIXTURES}/basic.json`]);
    expect(d).toMatchObject({
      scheduled: true,
      server: "mlserver",
      replicaIdxs: [1],
      serverScaleUpEvents: [],
      error: null,
      failedScheduling: null,
      minReplicasFallback: "notAttempted",
    });
    const explanation = d.explanation as {
      servers: { name: string; accepted: boolean; filters: unknown[]; replicas: { idx: number; accepted: boolean; filters: unknown[] }[] }[];
      serverOrder: string[];
      replicaOrder: Record<string, number[]>;
    };
    expect(explanation.serverOrder).toEqual(["mlserver"]);
    expect(explanation.replicaOrder).toEqual({ mlserver: [1, 0] });
    expect(explanation.servers.map((s) => [s.name, s.accepted])).toEqual([
      ["triton", false],
      ["mlserver", true],
    ]);
    expect(explanation.servers[0]?.filters[3]).toEqual({
      name: "ServerRequirementsFilter",
      pass: false,
      reason:
        "model requirements [sklearn], server capabilities [triton dali fil onnx openvino python pytorch tensorflow tensorrt]",
    });
    expect(explanation.servers[1]?.replicas[0]?.filters).toHaveLength(3);
  });

  it.each([
    ["basic.json", { outcome: "scheduled", server: "mlserver", replicaIdxs: [1], serverScaleUpEvents: [] }],
    [
      "requirements-mismatch.json",
      {
        outcome: "noMatchingServers",
        server: null,
        error: "Failed to schedule model as no matching servers are available",
        failedScheduling: { message: "Failed to schedule model as no matching servers are available", clearServer: true },
      },
    ],
    [
      "min-replicas-fallback.json",
      {
        outcome: "scheduledWithMinReplicas",
        server: "mlserver",
        replicaIdxs: [0, 2],
        minReplicasFallback: "succeeded",
        serverScaleUpEvents: [{ serverName: "mlserver", updateContext: "SERVER_SCALE_UP" }],
      },
    ],
    [
      "not-enough-memory.json",
      {
        outcome: "notEnoughReplicas",
        error: "Failed to schedule model as no matching server had enough suitable replicas",
        serverScaleUpEvents: [],
        failedScheduling: { clearServer: true },
      },
    ],
    ["reserved-above-available.json", { outcome: "scheduled", replicaIdxs: [1] }],
    [
      "deleted-model.json",
      { outcome: "deleted", scheduled: false, error: null, deletion: { server: "mlserver", unloadVersions: [1] } },
    ],
  ])("fixture %s", async (file, expected) => {
    expect(await runJson(["--input", `${FIXTURES}/${file}`])).toMatchObject(expected);
  });

  it("takes plugin chains, including empty ones", async () => {
    const d = await runJson([
      "--input",
      `${FIXTURES}/requirements-mismatch.json`,
      "--server-filters=",
      "--replica-filters",
      "ReplicaDrainingFilter,ExplainerFilter",
    ]);
    expect(d).toMatchObject({ outcome: "scheduled", server: "mlserver", replicaIdxs: [0] });
    const explanation = d.explanation as { servers: { filters: unknown[]; replicas: { filters: { name: string }[] }[] }[] };
    expect(explanation.servers[0]?.filters).toEqual([]);
    expect(explanation.servers[0]?.replicas[0]?.filters.map((f) => f.name)).toEqual(["ReplicaDrainingFilter", "ExplainerFilter"]);
  });

  it("reads stdin for --input -", async () => {
    const doc = JSON.stringify({ servers: [{ name: "s", shared: true, replicas: [{ idx: 0 }] }], model: { name: "m", replicas: 1 } });
    const io = fakeIO({ "/dev/stdin": doc });
    expect(await scheduleCommand(["--input", "-", "--json"], io)).toBe(0);
    expect(JSON.parse(io.out)).toMatchObject({ server: "s", replicaIdxs: [0] });
  });
});

describe("seldon-sim schedule (text)", () => {
  it("prints the decision, the filter table with reasons, and the orders", async () => {
    const io = fakeIO();
    expect(await scheduleCommand(["--input", `${FIXTURES}/requirements-mismatch.json`], io)).toBe(0);
    expect(io.err).toBe("");
    expect(io.out).toContain("Not scheduled: Failed to schedule model as no matching servers are available");
    expect(io.out).toContain("FailedScheduling: called, clear server yes");
    expect(io.out).toContain(
      "model requirements [mlflow torch numpy scikit-learn], server capabilities [mlserver alibi-detect alibi-explain huggingface lightgbm mlflow python sklearn spark-mlib xgboost]",
    );
    const header = io.out.split("\n").find((l) => l.includes("ServerReplicaFilter"));
    expect(header).toMatch(/accepted \| ServerReplicaFilter \| SharingServerFilter \| DeletedServerFilter \| ServerRequirementsFilter/);
    expect(io.out).toMatch(/server mlserver \| no +\| ✓ +\| ✓ +\| ✓ +\| model requirements/);
    expect(io.out).toContain("Server order: (none)");
  });

  it("shows draining reasons on replica rows and the replica order", async () => {
    const io = fakeIO();
    await scheduleCommand(["--input", `${FIXTURES}/min-replicas-fallback.json`], io);
    expect(io.out).toMatch(/replica 1 +\| no .*Replica server 1 is draining check true/);
    expect(io.out).toContain("Server scale-up events: mlserver");
    expect(io.out).toContain("  mlserver: 0, 2");
  });
});

describe("seldon-sim schedule: errors", () => {
  it("bad input → exit 2 naming the file and the JSON path", async () => {
    const doc = JSON.stringify({
      servers: [{ name: "a" }, { name: "b", replicas: [{ idx: 0, availableMemoryBytes: -1 }] }],
      model: { name: "m", replicas: 1 },
    });
    const io = fakeIO({ [join(ROOT, "bad.json")]: doc });
    expect(await scheduleCommand(["--input", "bad.json"], io)).toBe(2);
    expect(io.out).toBe("");
    expect(io.err).toMatch(/^error: bad\.json: servers\[1\]\.replicas\[0\]\.availableMemoryBytes: expected a non-negative/);
    expect(io.err).not.toContain("    at ");
  });

  it("unknown plugin → exit 2 listing the valid ones", async () => {
    const io = fakeIO();
    expect(await scheduleCommand(["--input", `${FIXTURES}/basic.json`, "--replica-sorters", "ReplicaIndexSorter,MemorySorter"], io)).toBe(2);
    expect(io.err).toContain('unknown replica sorter "MemorySorter"');
    expect(io.err).toContain("valid replica sorters: ReplicaIndexSorter, AvailableMemorySorter, ModelAlreadyLoadedSorter");
    expect(io.reads).toEqual([]);
  });

  it("a near miss gets a suggestion", async () => {
    const io = fakeIO();
    expect(await scheduleCommand(["--input", `${FIXTURES}/basic.json`, "--server-filters", "SharingServerFiltr"], io)).toBe(2);
    expect(io.err).toContain('(did you mean "SharingServerFilter"?)');
  });

  it.each([
    [[], "missing --input"],
    [["--input"], "--input needs a value"],
    [["--input", "x.json", "--jsn"], 'unknown option --jsn (did you mean "--json"?)'],
    [["snapshot.json"], 'unexpected argument "snapshot.json"'],
    [["--input", "does-not-exist.json"], "does-not-exist.json: cannot read the snapshot: no such file"],
  ])("%j → exit 2", async (args, message) => {
    const io = fakeIO();
    expect(await scheduleCommand(args, io)).toBe(2);
    expect(io.err).toContain(message);
    expect(io.err.startsWith("error: ")).toBe(true);
  });

  it("--help prints usage and exits 0", async () => {
    const io = fakeIO();
    expect(await scheduleCommand(["--help"], io)).toBe(0);
    expect(io.out).toContain("usage: seldon-sim schedule --input");
  });
});
