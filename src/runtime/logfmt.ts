/** Log lines in logrus' text format, as Seldon's Go components print them. */
import type { LogRecord } from "./engine.ts";

function quoteIfNeeded(v: string): string {
  return /^[A-Za-z0-9_\-.\/:@]+$/.test(v) ? v : JSON.stringify(v);
}

export function isoTime(epochMs: number, t: number): string {
  return new Date(epochMs + t).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** `time="2025-07-06T14:00:00Z" level=info msg="Subscribed to scheduler" Name=Client` */
export function formatLogrus(r: LogRecord, epochMs: number): string {
  let line = `time="${isoTime(epochMs, r.t)}" level=${r.level} msg=${JSON.stringify(r.msg)}`;
  if (r.fields) {
    for (const k of Object.keys(r.fields).sort()) line += ` ${k}=${quoteIfNeeded(String(r.fields[k]))}`;
  }
  return line;
}

/** `kubectl logs`-style prefix: which pod and container said it. */
export function formatWithSource(r: LogRecord, epochMs: number): string {
  return `[${r.namespace}/${r.pod}/${r.container}] ${formatLogrus(r, epochMs)}`;
}
