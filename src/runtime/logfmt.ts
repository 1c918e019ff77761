/**
 * Log lines as each component prints them: Seldon's Go components (scheduler, agent) through
 * logrus' text formatter, the operator through zap's development console encoder with ISO8601
 * times, MLServer through Python's logging with MLServer's format, rclone through its own logger.
 */
import type { LogRecord } from "./engine.ts";
import type { LogLevel } from "../core/protocol.ts";

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

const ZAP_LEVELS: Record<LogLevel, string> = { debug: "DEBUG", info: "INFO", warning: "WARN", error: "ERROR", fatal: "FATAL" };

/**
 * `2025-07-06T14:00:00.000Z\tINFO\tschedulerClient\tReceived event\t{"server": "mlserver"}`: zap's
 * console encoder; the logger name comes from the record's `logger` field, the other fields are
 * the context in the order they were given.
 */
export function formatZapConsole(r: LogRecord, epochMs: number): string {
  const parts = [new Date(epochMs + r.t).toISOString(), ZAP_LEVELS[r.level]];
  const { logger, ...context } = r.fields ?? {};
  if (logger !== undefined && logger !== "") parts.push(String(logger));
  parts.push(r.msg);
  const keys = Object.keys(context);
  if (keys.length > 0) parts.push(`{${keys.map((k) => `${JSON.stringify(k)}: ${JSON.stringify(context[k])}`).join(", ")}}`);
  return parts.join("\t");
}

const PYTHON_LEVELS: Record<LogLevel, string> = { debug: "DEBUG", info: "INFO", warning: "WARNING", error: "ERROR", fatal: "CRITICAL" };

/** `2025-07-06 14:00:00,000 [mlserver] INFO - Loaded model 'iris' successfully.` */
export function formatPythonLogging(r: LogRecord, epochMs: number): string {
  const iso = new Date(epochMs + r.t).toISOString(); // 2025-07-06T14:00:00.000Z
  const asctime = `${iso.slice(0, 10)} ${iso.slice(11, 19)},${iso.slice(20, 23)}`;
  return `${asctime} [mlserver] ${PYTHON_LEVELS[r.level]} - ${r.msg}`;
}

const RCLONE_LEVELS: Record<LogLevel, string> = { debug: "DEBUG", info: "INFO", warning: "NOTICE", error: "ERROR", fatal: "CRITICAL" };

/** `2025/07/06 14:00:00 ERROR : rc: "sync/copy": error: directory not found`: rclone's log (warning is its NOTICE). */
export function formatRclone(r: LogRecord, epochMs: number): string {
  const iso = new Date(epochMs + r.t).toISOString();
  const when = `${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)} ${iso.slice(11, 19)}`;
  return `${when} ${RCLONE_LEVELS[r.level].padEnd(6)}: ${r.msg}`;
}

/** The line as the record's component prints it. */
export function formatLog(r: LogRecord, epochMs: number): string {
  if (r.role === "controller") return formatZapConsole(r, epochMs);
  if (r.role === "rclone") return formatRclone(r, epochMs);
  if (r.role === "mlserver") return formatPythonLogging(r, epochMs);
  return formatLogrus(r, epochMs);
}

/** `kubectl logs`-style prefix: which pod and container said it. */
export function formatWithSource(r: LogRecord, epochMs: number): string {
  return `[${r.namespace}/${r.pod}/${r.container}] ${formatLog(r, epochMs)}`;
}
