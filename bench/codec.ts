/**
 * What one message costs to encode and decode, through our codec and through proto-loader's
 * serializers (the reference it is held to), for the heaviest messages a rollout carries:
 * `ModelStatusResponse` (the full model definition in every version), the agent's
 * `ModelOperationMessage`, `ModelEventMessage` and the dataplane's `RepositoryModelLoadRequest`.
 * The messages are the ones a small `sim` rollout actually sends (the last of each kind).
 * Timed by tinybench; medians in microseconds per encode+decode.
 *
 *   node --import tsx bench/codec.ts [TIME_MS]
 */
import { Bench } from "tinybench";
import type { CallId, Component, Effect, Input, MethodPath } from "../src/core/protocol.ts";
import { M, method, referenceMethod, type MethodDefinition } from "../src/proto/index.ts";
import { modelResource, RolloutWatch, startCluster } from "./cluster.ts";

export interface CodecRow {
  message: string;
  bytes: number;
  oursUs: number;
  referenceUs: number;
  /** referenceUs / oursUs. */
  speedup: number;
}

interface Sample {
  message: string;
  path: MethodPath;
  direction: "request" | "response";
  value: object;
}

/** The last message of each kind a small rollout sends. */
async function captureMessages(): Promise<Sample[]> {
  const wanted = new Map<MethodPath, { message: string; direction: "request" | "response" }>([
    [M.scheduler.SubscribeModelStatus, { message: "ModelStatusResponse", direction: "response" }],
    [M.agent.Subscribe, { message: "ModelOperationMessage", direction: "response" }],
    [M.agent.AgentEvent, { message: "ModelEventMessage", direction: "request" }],
    [M.inference.RepositoryModelLoad, { message: "RepositoryModelLoadRequest", direction: "request" }],
  ]);
  const last = new Map<MethodPath, object>();
  const watch = new RolloutWatch();
  const wrap = (component: Component): Component => {
    watch.wrap(component);
    const handle = component.handle.bind(component);
    const incoming = new Map<CallId, MethodPath>();
    component.handle = (input: Input, now) => {
      if (input.kind === "incoming") incoming.set(input.call, input.method as MethodPath);
      const effects = handle(input, now);
      for (const e of effects as Effect[]) {
        if (e.kind === "call" && wanted.get(e.method as MethodPath)?.direction === "request" && e.request) last.set(e.method as MethodPath, e.request as object);
        if (e.kind === "reply") {
          const m = incoming.get(e.call);
          if (m && wanted.get(m)?.direction === "response") last.set(m, e.message as object);
        }
      }
      return effects;
    };
    return component;
  };
  const s = await startCluster("sim", 2, 2, wrap);
  try {
    for (let i = 0; i < 8; i++) s.apply(modelResource(i));
    await s.waitFor(() => watch.available === 8, 3_600_000);
  } finally {
    await s.close();
  }
  return [...wanted].map(([path, w]) => {
    const value = last.get(path);
    if (!value) throw new Error(`codec benchmark: the rollout sent no ${w.message}`);
    return { ...w, path, value };
  });
}

function roundTrip(def: MethodDefinition, direction: "request" | "response"): (v: object) => object {
  const ser = direction === "request" ? def.requestSerialize : def.responseSerialize;
  const des = direction === "request" ? def.requestDeserialize : def.responseDeserialize;
  return (v) => des(ser(v));
}

export async function benchCodec(timeMs: number): Promise<CodecRow[]> {
  const samples = await captureMessages();
  const rows: CodecRow[] = [];
  for (const s of samples) {
    const ours = roundTrip(method(s.path), s.direction);
    const reference = roundTrip(referenceMethod(s.path), s.direction);
    const bench = new Bench({ time: timeMs, warmupTime: Math.min(200, timeMs / 2) });
    bench.add("ours", () => void ours(s.value));
    bench.add("reference", () => void reference(s.value));
    await bench.run();
    const us = (name: string) => {
      const r = bench.getTask(name)!.result;
      if (r.state !== "completed") throw new Error(`codec benchmark ${s.message} ${name}: ${r.state}`);
      return r.latency.p50 * 1000;
    };
    const bytes = (s.direction === "request" ? method(s.path).requestSerialize : method(s.path).responseSerialize)(s.value).length;
    const oursUs = us("ours");
    const referenceUs = us("reference");
    rows.push({ message: s.message, bytes, oursUs, referenceUs, speedup: referenceUs / oursUs });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchCodec(Number(process.argv[2] ?? 1000));
  for (const r of rows) console.log(`${r.message.padEnd(28)} ${String(r.bytes).padStart(5)} B  ours ${r.oursUs.toFixed(2).padStart(7)} µs  proto-loader ${r.referenceUs.toFixed(2).padStart(7)} µs  ×${r.speedup.toFixed(2)}`);
}
