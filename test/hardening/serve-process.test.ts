/** `seldon-sim serve` as a process: its flags, its banner, and how it stops. */
import { afterEach, describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { generated, hold, sleep, until } from "./clients.ts";

const BIN = path.resolve(import.meta.dirname, "../../bin/seldon-sim.js");
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
});

interface Started {
  child: ChildProcess;
  /** listener key → [host, port] from the banner */
  listeners: Map<string, { host: string; port: number }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  signalAt: { t: number };
}

async function startServe(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [BIN, "serve", "--quiet", "--scheduler-port", "0", "--agent-port", "0", "--inference-grpc-port", "0", "--inference-http-port", "0", "--control-port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", () => {});
  const signalAt = { t: 0 };
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, ms: Date.now() - signalAt.t })));
  expect(await until(() => out.includes("Ctrl-C to stop."), 30_000)).toBe(true);
  const listeners = new Map<string, { host: string; port: number }>();
  for (const m of out.matchAll(/^\s+(\S+)\s+(?:grpc|grpc\+tls|http)\s+\[?([^\s\]]+?)\]?:(\d+)(?:[ \t].*)?$/gm)) listeners.set(m[1]!, { host: m[2]!, port: Number(m[3]) });
  return { child, listeners, exited, signalAt };
}

/** TCP ports the process listens on, read from /proc (Linux). */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const table of ["tcp", "tcp6"]) {
    const lines = fs.readFileSync(`/proc/${pid}/net/${table}`, "utf8").trim().split("\n").slice(1);
    for (const line of lines) {
      const f = line.trim().split(/\s+/);
      if (f[3] === "0A" && inodes.has(f[9]!)) ports.push(parseInt(f[1]!.split(":")[1]!, 16));
    }
  }
  return ports.sort((a, b) => a - b);
}

describe("serve flags", () => {
  const bad: [string[], RegExp][] = [
    [["--memory", "18446744073709551616"], /--memory expects a whole number of bytes/],
    [["--memory", "-5"], /--memory/],
    [["--scheduler-port", "70000"], /--scheduler-port expects a port/],
    [["--agent-port", "x"], /--agent-port expects a whole number/],
    [["--host", "no such host!"], /--host expects an IP address or a host name/],
    [["--host", "256.0.0.1"], /--host/],
    [["--server", "Bad_Name"], /--server "Bad_Name"/],
    [["--server", "a:0"], /replicas must be a whole number/],
    [["--tls-cert", "/nonexistent.pem"], /--tls-cert and --tls-key go together/],
    [["--tls-cert", "/nonexistent.pem", "--tls-key", "/nonexistent.key"], /nonexistent\.pem: no such file/],
    [["--retain", "-1"], /--retain/],
    [["--frobnicate"], /Unknown option '--frobnicate'/],
  ];
  for (const [args, message] of bad) {
    it(`refuses ${args.join(" ")} with one line and exit 2, binding nothing`, () => {
      const r = spawnSync(process.execPath, [BIN, "serve", ...args], { encoding: "utf8", timeout: 20_000 });
      expect(r.status).toBe(2);
      const lines = r.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(r.stdout).not.toContain("listening");
    });
  }

  it("exits 2 when a port is taken, without leaving anything bound", async () => {
    const first = await startServe([]);
    const taken = first.listeners.get("seldon-mesh/seldon-scheduler-0:9004")!.port;
    const r = spawnSync(process.execPath, [BIN, "serve", "--scheduler-port", String(taken), "--agent-port", "0", "--control-port", "0"], { encoding: "utf8", timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot listen on 127\.0\.0\.1:\d+/);
  }, 60_000);
});

describe("serve as a process", () => {
  it("lists every port it listens on in its banner, on the host it was given", async () => {
    const s = await startServe(["--server", "mlserver:2", "--host", "localhost"]);
    const banner = [...s.listeners.values()].map((l) => l.port).sort((a, b) => a - b);
    // scheduler 9004 and 9005; per replica MLServer gRPC and REST, the agent's two reverse proxies and rclone HTTP; the control API
    expect(banner.length).toBe(2 + 2 * 5 + 1);
    await sleep(500);
    expect(listeningPorts(s.child.pid!)).toEqual(banner);
    for (const l of s.listeners.values()) expect(["127.0.0.1", "::1"]).toContain(l.host);
  }, 60_000);

  it("exits 0 within 5 s of SIGTERM while outside peers hold streams and keep calling", async () => {
    const s = await startServe(["--server", "mlserver:1"]);
    const { Scheduler, Agent } = generated();
    const sched = s.listeners.get("seldon-mesh/seldon-scheduler-0:9004")!.port;
    const agentP = s.listeners.get("seldon-mesh/seldon-scheduler-0:9005")!.port;
    const controller = new Scheduler(`127.0.0.1:${sched}`, grpc.credentials.createInsecure()) as any;
    const agent = new Agent(`127.0.0.1:${agentP}`, grpc.credentials.createInsecure()) as any;
    const held = [
      hold(agent.Subscribe({ serverName: "external", replicaIdx: 0, replicaConfig: { memoryBytes: 1000 }, availableMemoryBytes: 1000 })),
      hold(controller.SubscribeModelStatus({ subscriberName: "w" })),
      hold(controller.SubscribeServerStatus({ subscriberName: "w" })),
    ];
    let busy = true;
    const hammer = Promise.all(Array.from({ length: 8 }, async () => {
      while (busy) await new Promise((r) => controller.ServerNotify({ servers: [] }, () => r(null)));
    }));
    await sleep(1_000);
    s.signalAt.t = Date.now();
    s.child.kill("SIGTERM");
    const exit = await s.exited;
    busy = false;
    await hammer;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(5_000);
    expect(await until(() => held.every((h) => h.status !== null), 3_000)).toBe(true);
    for (const h of held) expect(h.status!.code).toBe(grpc.status.UNAVAILABLE);
    controller.close();
    agent.close();
  }, 60_000);

  it("exits 0 on SIGINT too", async () => {
    const s = await startServe([]);
    s.signalAt.t = Date.now();
    s.child.kill("SIGINT");
    const exit = await s.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(5_000);
  }, 60_000);
});
