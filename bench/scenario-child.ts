/**
 * `seldon-sim run` on a generated rollout scenario, in a process of its own, with what `run`
 * records by default. Prints one JSON line (`ScenarioMeasurement`).
 *
 *   node --import tsx bench/scenario-child.ts 100 10 10000
 *   node --import tsx bench/scenario-child.ts 100 10 10000 --logs warnings   # the printed story
 *
 * Flags after the sizes replace `--quiet --logs none`.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { main, nodeIO } from "../src/cli/main.ts";
import { rolloutScenario } from "./scenario-gen.ts";

export interface ScenarioMeasurement {
  agents: number;
  models: number;
  passed: boolean;
  wallS: number;
  cpuS: number;
  peakRssMiB: number;
}

const [servers, replicas, models] = process.argv.slice(2, 5).map(Number) as [number, number, number];
const flags = process.argv.length > 5 ? process.argv.slice(5) : ["--quiet", "--logs", "none"];
const dir = mkdtempSync(path.join(os.tmpdir(), "seldon-sim-bench-"));
const file = path.join(dir, "rollout.yaml");
writeFileSync(file, rolloutScenario(servers, replicas, models));
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const status = await main(["run", file, ...flags], { ...nodeIO(), stdout: () => {} });
const cpu = process.cpuUsage(cpu0);
rmSync(dir, { recursive: true, force: true });
const out: ScenarioMeasurement = {
  agents: servers * replicas, models, passed: status === 0,
  wallS: (performance.now() - t0) / 1000, cpuS: (cpu.user + cpu.system) / 1e6,
  peakRssMiB: process.resourceUsage().maxRSS / 1024,
};
console.log(JSON.stringify(out));
