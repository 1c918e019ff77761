/**
 * Replays one side of a recorded conversation against a real component: the recorded calls of
 * that side (an agent's AgentService calls, a controller's Scheduler calls) are made again at their
 * recorded times, and what comes back is compared, call by call and message by message, with what
 * was recorded. The first divergence is reported as a message diff.
 */
import * as grpc from "@grpc/grpc-js";
import { method as methodDef } from "../proto/index.ts";
import type { MethodPath } from "../core/protocol.ts";
import { toJsonValue, type RecordEntry } from "../recording/entry.ts";
import { SERVICES } from "../proto/index.ts";

export type Side = "agent" | "controller";

/** The service a side calls on the component replayed against. */
export const SIDE_SERVICE: Record<Side, string> = { agent: SERVICES.agent, controller: SERVICES.scheduler };

export interface Divergence {
  method: string;
  /** The recorded call (its `stream`) and the response's index in it. */
  stream: number;
  index: number;
  recorded: unknown;
  actual: unknown;
  /** Field paths that differ, each `path: recorded → actual`. */
  diff: string[];
}

export interface ReplayResult {
  calls: number;
  compared: number;
  divergence: Divergence | null;
}

interface RecordedCall {
  stream: number;
  method: MethodPath;
  requests: { at: number; message: unknown }[];
  responses: unknown[];
  status: { code: number; details: string } | null;
  start: number;
}

export function callsOf(entries: readonly RecordEntry[], side: Side): RecordedCall[] {
  const service = SIDE_SERVICE[side];
  const calls = new Map<number, RecordedCall>();
  for (const e of entries) {
    if (!e.method.startsWith(`/${service}/`)) continue;
    let c = calls.get(e.stream);
    if (!c) {
      c = { stream: e.stream, method: e.method as MethodPath, requests: [], responses: [], status: null, start: e.virtualMs };
      calls.set(e.stream, c);
    }
    if (e.kind === "status") c.status = { code: e.status!.code, details: e.status!.details };
    else if (e.direction === "request") c.requests.push({ at: e.virtualMs, message: e.message });
    else c.responses.push(e.message);
  }
  // Calls refused before reaching anyone carry no request: nothing to replay.
  return [...calls.values()].filter((c) => c.requests.length > 0).sort((a, b) => a.start - b.start);
}

export async function replay(entries: readonly RecordEntry[], side: Side, target: string, settleMs = 2_000): Promise<ReplayResult> {
  const calls = callsOf(entries, side);
  const client = new grpc.Client(target, grpc.credentials.createInsecure());
  const t0 = calls[0]?.start ?? 0;
  const begin = performance.now();
  const wait = (at: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, at - t0 - (performance.now() - begin))));
  const actual = new Map<number, { responses: unknown[]; status: { code: number; details: string } | null }>();
  const running: Promise<void>[] = [];
  const streams: (grpc.ClientReadableStream<object> | grpc.ClientDuplexStream<object, object>)[] = [];
  for (const c of calls) {
    await wait(c.start);
    const def = methodDef(c.method);
    const got = { responses: [] as unknown[], status: null as { code: number; details: string } | null };
    actual.set(c.stream, got);
    const ser = def.requestSerialize as (v: object) => Buffer;
    const des = def.responseDeserialize as (b: Buffer) => object;
    const onStatus = (s: { code: number; details: string }) => { got.status ??= { code: s.code, details: s.details }; };
    running.push(new Promise<void>((resolve) => {
      const first = (c.requests[0]?.message ?? {}) as object;
      if (!def.requestStream && !def.responseStream) {
        client.makeUnaryRequest(c.method, ser, des, first, (err, resp) => {
          if (err) onStatus({ code: err.code, details: err.details });
          else { got.responses.push(toJsonValue(resp)); onStatus({ code: 0, details: "" }); }
          resolve();
        });
        return;
      }
      const stream = def.requestStream
        ? client.makeBidiStreamRequest(c.method, ser, des)
        : client.makeServerStreamRequest(c.method, ser, des, first);
      streams.push(stream);
      stream.on("data", (m: object) => got.responses.push(toJsonValue(m)));
      stream.on("status", (s: grpc.StatusObject) => { onStatus(s); resolve(); });
      stream.on("error", () => {});
      if (def.requestStream) {
        const duplex = stream as grpc.ClientDuplexStream<object, object>;
        void (async () => {
          for (const r of c.requests) {
            await wait(r.at);
            duplex.write(r.message as object);
          }
          if (c.status) duplex.end();
        })();
      }
      // a stream the recording never saw end stays open until the replay settles
      if (!c.status) setTimeout(resolve, 0);
    }));
  }
  const lastAt = Math.max(t0, ...calls.flatMap((c) => c.requests.map((r) => r.at)));
  await wait(lastAt + settleMs);
  for (const s of streams) s.cancel();
  await Promise.race([Promise.all(running), new Promise((r) => setTimeout(r, 1_000))]);
  client.close();

  let compared = 0;
  for (const c of calls) {
    const got = actual.get(c.stream)!;
    const n = Math.max(c.responses.length, c.status ? got.responses.length : 0);
    for (let i = 0; i < n; i++) {
      compared++;
      const rec = c.responses[i];
      const act = got.responses[i];
      const diff = diffPaths(rec, act);
      if (diff.length > 0) return { calls: calls.length, compared, divergence: { method: c.method, stream: c.stream, index: i, recorded: rec ?? null, actual: act ?? null, diff } };
    }
    if (c.status && got.status && c.status.code !== got.status.code) {
      return { calls: calls.length, compared, divergence: { method: c.method, stream: c.stream, index: c.responses.length, recorded: c.status, actual: got.status, diff: [`status: ${c.status.code} → ${got.status.code}`] } };
    }
  }
  return { calls: calls.length, compared, divergence: null };
}

/** Field paths where two JSON values differ: `path: recorded → actual`. */
export function diffPaths(a: unknown, b: unknown, path = ""): string[] {
  const show = (v: unknown) => (v === undefined ? "(missing)" : JSON.stringify(v));
  if (a === b) return [];
  const isObj = (v: unknown) => typeof v === "object" && v !== null;
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: string[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) out.push(...diffPaths(a[i], b[i], `${path}[${i}]`));
    return out;
  }
  if (isObj(a) && isObj(b) && !Array.isArray(a) && !Array.isArray(b)) {
    const out: string[] = [];
    const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
    for (const k of [...keys].sort()) out.push(...diffPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path === "" ? k : `${path}.${k}`));
    return out;
  }
  return [`${path === "" ? "(message)" : path}: ${show(a)} → ${show(b)}`];
}
