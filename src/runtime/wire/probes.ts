/**
 * The standard gRPC health service (grpc.health.v1.Health) and server reflection on every port
 * a fake listens on, so Kubernetes' gRPC probes and grpcurl work without the proto files. Health
 * follows the process: SERVING while it runs, NOT_SERVING while it is down (the port stays bound
 * in `wire`, as a pod's IP stays while its container restarts).
 */
import type * as grpc from "@grpc/grpc-js";
import { HealthImplementation, type ServingStatus } from "grpc-health-check";
import { ReflectionService } from "@grpc/reflection";
import { packageDefinition } from "../../proto/index.ts";
import type { Proc } from "../engine.ts";

export class Probes {
  private readonly watched: { proc: Proc; services: readonly string[]; health: HealthImplementation; last: ServingStatus | null }[] = [];
  private timer: NodeJS.Timeout | null = null;

  /** Add health and reflection for `services` of `proc` to `server`. */
  add(server: grpc.Server, proc: Proc, services: readonly string[]): void {
    const health = new HealthImplementation();
    health.addToServer(server);
    new ReflectionService(packageDefinition(), { services: [...services] }).addToServer(server);
    const w = { proc, services, health, last: null };
    this.watched.push(w);
    this.refresh();
    // Process state changes inside the engine; the health answer catches up within a tick.
    this.timer ??= setInterval(() => this.refresh(), 200).unref();
  }

  private refresh(): void {
    for (const w of this.watched) {
      const status: ServingStatus = w.proc.up ? "SERVING" : "NOT_SERVING";
      if (status === w.last) continue;
      w.last = status;
      for (const s of ["", ...w.services]) w.health.setStatus(s, status);
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
