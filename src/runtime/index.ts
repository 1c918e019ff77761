/** Choosing a runtime: the same engine with an in-memory or a real-gRPC transport. */
import { Engine, type EngineOptions } from "./engine.ts";
import { SimTransport } from "./sim/transport.ts";
import type { WireOptions } from "./wire/transport.ts";

export type RuntimeKind = "sim" | "wire";

export const RUNTIME_KINDS: readonly RuntimeKind[] = ["sim", "wire"];

/**
 * An engine with the runtime's transport. `wire` is loaded only when asked for: grpc-js, the
 * REST servers and the probes take about 0.2 s to load, which a `sim` run never needs.
 */
export async function createEngine(kind: RuntimeKind, options: EngineOptions = {}, wire: WireOptions = {}): Promise<Engine> {
  // Both runtimes give every message the same virtual latency: the wire transport holds what
  // arrives on its sockets until then, so the two handle messages at the same times, in the same order.
  const engine = new Engine(options);
  if (kind === "sim") engine.transport = new SimTransport(engine);
  else engine.transport = new (await import("./wire/transport.ts")).WireTransport(engine, wire);
  return engine;
}

/** Binds the transport's servers (wire); call after every pod is added, before starting them. */
export async function prepare(engine: Engine): Promise<void> {
  await engine.transport.bind?.();
}
