import { describe, expect, it } from "vitest";
import { createEngine, prepare } from "../../src/runtime/index.ts";
import { canonicalJson } from "../../src/core/canonical.ts";
import type { Component, Effect, Input } from "../../src/core/protocol.ts";

/** Logs two lines (one with fields) and an observation between them, on start. */
class Talker implements Component {
  readonly listeners = [];
  constructor(readonly role: string, readonly name: string) {}
  handle(input: Input): Effect[] {
    if (input.kind !== "start") return [];
    return [
      { kind: "log", level: "info", msg: `${this.name} up` },
      { kind: "observe", event: { type: "test.between" } },
      { kind: "log", level: "warning", msg: "disk low", fields: { free: "1Gi", Name: this.name } },
    ];
  }
}

async function twoTalkers(options: Parameters<typeof createEngine>[1] = {}) {
  const engine = await createEngine("sim", options);
  engine.addPod({ name: "a-0", namespace: "ns1", ip: "10.42.0.2", processes: [{ container: "agent", role: "agent", spawn: () => new Talker("agent", "a") }] });
  engine.addPod({ name: "b-0", namespace: "ns2", ip: "10.42.0.3", processes: [{ container: "mlserver", role: "mlserver", spawn: () => new Talker("mlserver", "b") }] });
  await prepare(engine);
  engine.startAll();
  await engine.runUntil(5);
  return engine;
}

describe("log lines, kept once", () => {
  it("read as the same records in `logs` as a record built from the process would be", async () => {
    const engine = await twoTalkers();
    expect(engine.logs.map((l) => ({ t: l.t, namespace: l.namespace, pod: l.pod, container: l.container, role: l.role, level: l.level, msg: l.msg, fields: l.fields }))).toEqual([
      { t: 0, namespace: "ns1", pod: "a-0", container: "agent", role: "agent", level: "info", msg: "a up", fields: undefined },
      { t: 0, namespace: "ns1", pod: "a-0", container: "agent", role: "agent", level: "warning", msg: "disk low", fields: { free: "1Gi", Name: "a" } },
      { t: 0, namespace: "ns2", pod: "b-0", container: "mlserver", role: "mlserver", level: "info", msg: "b up", fields: undefined },
      { t: 0, namespace: "ns2", pod: "b-0", container: "mlserver", role: "mlserver", level: "warning", msg: "disk low", fields: { free: "1Gi", Name: "b" } },
    ]);
  });

  it("are the trace's log events, in trace order between the other events, with the event's fields only", async () => {
    const engine = await twoTalkers();
    const kinds = engine.trace.map((ev) => (ev.type === "observe" ? ev.event.type : ev.type));
    expect(kinds).toEqual(["lifecycle", "log", "test.between", "log", "lifecycle", "log", "test.between", "log"]);
    const logEvents = engine.trace.filter((ev) => ev.type === "log");
    expect(logEvents).toHaveLength(engine.logs.length);
    logEvents.forEach((ev, i) => expect(ev).toBe(engine.logs[i]));
    expect(logEvents.map((ev) => Object.keys(ev))).toEqual([
      ["t", "type", "proc", "level", "msg"],
      ["t", "type", "proc", "level", "msg", "fields"],
      ["t", "type", "proc", "level", "msg"],
      ["t", "type", "proc", "level", "msg", "fields"],
    ]);
    expect(canonicalJson(logEvents[1])).toBe('{"fields":{"Name":"a","free":"1Gi"},"level":"warning","msg":"disk low","proc":"ns1/a-0/agent","type":"log"}');
    expect(JSON.parse(JSON.stringify(logEvents[0]))).toEqual({ t: 0, type: "log", proc: "ns1/a-0/agent", level: "info", msg: "a up" });
  });

  it("are still heard by log listeners when nothing is recorded", async () => {
    const engine = await createEngine("sim", { record: false });
    const heard: string[] = [];
    engine.onLog.push((r) => heard.push(`${r.namespace}/${r.pod}/${r.container} ${r.role} ${r.msg}`));
    engine.addPod({ name: "a-0", namespace: "ns1", ip: "10.42.0.2", processes: [{ container: "agent", role: "agent", spawn: () => new Talker("agent", "a") }] });
    await prepare(engine);
    engine.startAll();
    await engine.runUntil(5);
    expect(heard).toEqual(["ns1/a-0/agent agent a up", "ns1/a-0/agent agent disk low"]);
    expect(engine.logs).toEqual([]);
    expect(engine.trace).toEqual([]);
  });
});
