import { describe, expect, it } from "vitest";
import { formatLog, formatLogrus, formatPythonLogging, formatZapConsole } from "../../src/runtime/logfmt.ts";
import type { LogRecord } from "../../src/runtime/engine.ts";

const EPOCH = Date.UTC(2025, 6, 6, 14, 0, 0);
const rec = (role: string, r: Partial<LogRecord>): LogRecord => ({
  t: 1_234, namespace: "seldon-mesh", pod: "p", container: role, role, level: "info", msg: "hello", ...r,
});

describe("log formats", () => {
  it("scheduler and agent lines are logrus text with sorted fields", () => {
    const r = rec("scheduler", { msg: "Sending load model request for iris", fields: { source: "AgentServer", func: "Sync" } });
    expect(formatLogrus(r, EPOCH)).toBe('time="2025-07-06T14:00:01Z" level=info msg="Sending load model request for iris" func=Sync source=AgentServer');
    expect(formatLog(r, EPOCH)).toBe(formatLogrus(r, EPOCH));
  });

  it("operator lines are zap's development console encoder with ISO8601 time and the logger name", () => {
    const r = rec("controller", { level: "warning", msg: "Ignoring event for old generation", fields: { logger: "schedulerClient.SubscribeServerEvents", currentGeneration: 2, server: "mlserver" } });
    expect(formatZapConsole(r, EPOCH)).toBe('2025-07-06T14:00:01.234Z\tWARN\tschedulerClient.SubscribeServerEvents\tIgnoring event for old generation\t{"currentGeneration": 2, "server": "mlserver"}');
    expect(formatLog(rec("controller", { level: "debug", msg: "x" }), EPOCH)).toBe("2025-07-06T14:00:01.234Z\tDEBUG\tx");
  });

  it("MLServer lines are Python logging's asctime [mlserver] LEVEL - message", () => {
    const r = rec("mlserver", { level: "warning", msg: "Loaded model 'iris_1' successfully." });
    expect(formatPythonLogging(r, EPOCH)).toBe("2025-07-06 14:00:01,234 [mlserver] WARNING - Loaded model 'iris_1' successfully.");
    expect(formatLog(r, EPOCH)).toBe(formatPythonLogging(r, EPOCH));
  });
});
