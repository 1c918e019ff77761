import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Engine, Proc, type Pod } from "../../src/runtime/engine.ts";
import type { Component, Listener } from "../../src/core/protocol.ts";

/**
 * `listenerFor` keeps its answers per pod until a process of the pod starts or stops: whatever
 * starts and stops in between, each answer must be what walking the pod's processes gives.
 */
const SERVICES = ["a.A", "b.B", "c.C"];
const METHODS = SERVICES.flatMap((s) => [`/${s}/One`, `/${s}/Two`]);
const PORTS = [1, 2, 3];

function walk(pod: Pod, port: number, method: string): string {
  for (const proc of pod.processes.values()) {
    if (!proc.up) continue;
    for (const l of proc.component!.listeners) {
      if (l.port !== port) continue;
      const service = method.slice(1, method.lastIndexOf("/"));
      return l.services.includes(service) ? proc.id : `unimplemented: unknown service ${service}`;
    }
  }
  return "refused";
}

const show = (a: Proc | { refused: true } | { unimplemented: string }): string =>
  a instanceof Proc ? a.id : "refused" in a ? "refused" : `unimplemented: ${a.unimplemented}`;

const listeners = fc.array(
  fc.record({ port: fc.constantFrom(...PORTS), services: fc.subarray(SERVICES) }),
  { maxLength: 3 },
);
const step = fc.oneof(
  fc.record({ kind: fc.constant("ask" as const), port: fc.constantFrom(...PORTS), method: fc.constantFrom(...METHODS) }),
  fc.record({ kind: fc.constant("toggle" as const), container: fc.nat(2) }),
);

describe("listenerFor", () => {
  it("answers as a walk of the pod's processes does, across starts and stops", () => {
    fc.assert(
      fc.property(fc.array(listeners, { minLength: 3, maxLength: 3 }), fc.array(step, { maxLength: 60 }), (served, steps) => {
        const engine = new Engine();
        const component = (ls: Listener[]): Component => ({ role: "x", name: "x", listeners: ls, handle: () => [] });
        const pod = engine.addPod({
          name: "p", namespace: "ns", ip: "10.0.0.1",
          processes: served.map((ls, i) => ({ container: `c${i}`, role: "x", spawn: () => component(ls), restart: false })),
        });
        engine.startAll();
        for (const s of steps) {
          if (s.kind === "ask") expect(show(engine.listenerFor(pod, s.port, s.method))).toBe(walk(pod, s.port, s.method));
          else {
            const proc = engine.proc("ns", "p", `c${s.container}`);
            if (proc.up) engine.stop(proc, "exit", "test", false);
            else engine.start(proc);
          }
        }
      }),
    );
  });
});
