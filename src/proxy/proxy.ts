/**
 * `seldon-sim proxy`: an HTTP/2 (h2c) relay between two real components. Every stream is passed
 * through byte for byte, headers and trailers included, whatever its method; the messages of
 * Seldon's own services are also decoded and recorded, each direction, with the call's status.
 */
import * as http2 from "node:http2";
import type * as net from "node:net";
import { method as methodDef, type MethodDefinition } from "../proto/index.ts";
import type { MethodPath } from "../core/protocol.ts";
import { STATUS_NAMES } from "../core/protocol.ts";
import { toJsonValue, type RecordEntry } from "../recording/entry.ts";
import { FrameReader } from "./frames.ts";
import { UserError } from "../core/errors.ts";

export interface ProxyOptions {
  listen: { host: string; port: number };
  target: { host: string; port: number };
  onEntry: (e: RecordEntry) => void;
  /** Note a method we pass through without decoding (once per method). */
  onUnknownMethod?: (path: string) => void;
}

export interface RunningProxy {
  port: number;
  close(): Promise<void>;
}

const HOP_HEADERS = new Set([":path", ":method", ":scheme", ":authority", ":status", "connection", "keep-alive", "transfer-encoding", "upgrade", "http2-settings"]);

export async function startProxy(o: ProxyOptions): Promise<RunningProxy> {
  const t0 = performance.now();
  let nextStream = 1;
  const unknown = new Set<string>();
  const server = http2.createServer();
  const sessions = new Set<http2.Http2Session>();
  server.on("session", (inbound) => {
    sessions.add(inbound);
    inbound.on("error", () => {});
    inbound.on("close", () => sessions.delete(inbound));
  });
  server.on("stream", (stream, headers) => {
    const inbound = stream.session!;
    const outbound = pair(inbound);
    const path = String(headers[":path"] ?? "");
    const peer = `outside ${(inbound.socket as net.Socket | undefined)?.remoteAddress ?? "?"}:${(inbound.socket as net.Socket | undefined)?.remotePort ?? "?"}`;
    const target = `${o.target.host}:${o.target.port}`;
    const id = nextStream++;
    let def: MethodDefinition | null = null;
    try {
      def = methodDef(path as MethodPath);
    } catch {
      if (!unknown.has(path)) {
        unknown.add(path);
        o.onUnknownMethod?.(path);
      }
    }
    const counts = { request: 0, response: 0 };
    const emit = (e: Omit<RecordEntry, "wallTime" | "virtualMs" | "method" | "stream">) =>
      o.onEntry({ wallTime: new Date().toISOString(), virtualMs: Math.round((performance.now() - t0) * 1000) / 1000, method: path, stream: id, ...e } as RecordEntry);
    const decoder = (dir: "request" | "response") => new FrameReader((payload, compressed) => {
      if (!def) return;
      let message: unknown;
      try {
        message = compressed ? { _compressed: payload.toString("base64") } : (dir === "request" ? def.requestDeserialize : def.responseDeserialize)(payload);
      } catch {
        message = { _undecodable: payload.toString("base64") };
      }
      emit({ from: dir === "request" ? peer : target, to: dir === "request" ? target : peer, kind: "message", direction: dir, index: counts[dir]++, message: toJsonValue(message) });
    });
    const up = decoder("request");
    const down = decoder("response");
    const forward: http2.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(headers)) if (!HOP_HEADERS.has(k) || k === ":path" || k === ":method") forward[k] = v;
    const out = outbound.request(forward, { endStream: false });
    stream.on("data", (chunk: Buffer) => { if (def) up.push(chunk); out.write(chunk); });
    stream.on("end", () => out.end());
    stream.on("close", () => { if (!out.closed) out.close(http2.constants.NGHTTP2_CANCEL); });
    let status: { code: number; details: string } | null = null;
    const noteStatus = (h: http2.IncomingHttpHeaders) => {
      if (h["grpc-status"] === undefined || status) return;
      const code = Number(h["grpc-status"]);
      status = { code, details: decodeURIComponent(String(h["grpc-message"] ?? "")) };
      emit({ from: target, to: peer, kind: "status", direction: "response", index: counts.response, status: { code, name: STATUS_NAMES[code] ?? String(code), details: status.details } });
    };
    out.on("response", (h: http2.IncomingHttpHeaders, flags: number) => {
      const resp: http2.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(h)) if (!HOP_HEADERS.has(k) || k === ":status") resp[k] = v as http2.OutgoingHttpHeaders[string];
      const endStream = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
      if (endStream) noteStatus(h); // trailers-only: an error before any message
      if (!stream.closed) stream.respond(resp, endStream ? { endStream: true } : { waitForTrailers: true });
    });
    let trailers: http2.OutgoingHttpHeaders = {};
    out.on("trailers", (h) => {
      noteStatus(h);
      trailers = Object.fromEntries(Object.entries(h).filter(([k]) => !k.startsWith(":"))) as http2.OutgoingHttpHeaders;
    });
    stream.on("wantTrailers", () => stream.sendTrailers(trailers));
    out.on("data", (chunk: Buffer) => { if (def) down.push(chunk); if (!stream.closed) stream.write(chunk); });
    out.on("end", () => { if (!stream.closed) stream.end(); });
    out.on("error", () => {
      if (!status) emit({ from: target, to: peer, kind: "status", direction: "response", index: counts.response, status: { code: 14, name: "UNAVAILABLE", details: "proxy: target unreachable" } });
      if (!stream.closed) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    });
  });
  // Each accepted connection gets its own connection to the target, as the client would have had.
  const pairs = new WeakMap<http2.Http2Session, http2.ClientHttp2Session>();
  function pair(inbound: http2.Http2Session): http2.ClientHttp2Session {
    let p = pairs.get(inbound);
    if (!p) {
      const c = http2.connect(`http://${o.target.host}:${o.target.port}`);
      c.on("error", () => inbound.destroy());
      inbound.on("close", () => c.close());
      sessions.add(c);
      c.on("close", () => sessions.delete(c));
      pairs.set(inbound, c);
      p = c;
    }
    return p;
  }
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", (e) => reject(new UserError(`proxy: cannot listen on ${o.listen.host}:${o.listen.port}: ${e.message}`)));
    server.listen(o.listen.port, o.listen.host, () => resolve((server.address() as net.AddressInfo).port));
  });
  return {
    port,
    async close() {
      for (const s of sessions) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
