/** The process that takes the place of a real server elsewhere in a cluster (see `ProcessSpec.remote`). */
import type { Component } from "../core/protocol.ts";
import type { ProcessSpec } from "../runtime/engine.ts";

/** A stand-in for a real server elsewhere: it declares the listeners the real one serves and
 * handles nothing (the transport dials the real one). */
export function standIn(spec: ProcessSpec, remote: NonNullable<ProcessSpec["remote"]>): ProcessSpec {
  const listeners = spec.spawn().listeners;
  const probe = spec.spawn();
  return {
    ...spec,
    remote,
    restart: false,
    bootMs: 0,
    spawn: (): Component => ({ role: probe.role, name: probe.name, listeners, handle: () => [] }),
  };
}
