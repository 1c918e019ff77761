/** Choosing a runtime: the same engine with an in-memory or a real-gRPC transport. */
import { Engine, type EngineOptions } from "./engine.ts";
import { SimTransport } from "./sim/transport.ts";
import { WireTransport, type WireOptions } from "./wire/transport.ts";

export type RuntimeKind = "sim" | "wire";

export const RUNTIME_KINDS: readonly RuntimeKind[] = ["sim", "wire"];

export function createEngine(kind: RuntimeKind, options: EngineOptions = {}): Engine {
  // Both runtimes give every message the same virtual latency: the wire transport holds what
  // arrives on its sockets until then, so the two handle messages at the same times, in the same order.
  const engine = new Engine(options);
  engine.transport = kind === "sim" ? new SimTransport(engine) : new WireTransport(engine);
  return engine;
}

/** Binds the wire transport's servers; call after every pod is added, before starting them. */
export async function prepare(engine: Engine, wire?: WireOptions): Promise<void> {
  if (engine.transport instanceof WireTransport) {
    if (wire) Object.assign((engine.transport as unknown as { options: WireOptions }).options, wire);
    await engine.transport.bind();
  }
}
