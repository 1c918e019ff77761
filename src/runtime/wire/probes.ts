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

interface Watched {
  proc: Proc;
  services: readonly string[];
  health: HealthImplementation;
  last: ServingStatus | null;
}

export class Probes {
  private readonly watched: Watched[] = [];
  private timer: NodeJS.Timeout | null = null;
  /**
   * Reflection answers depend only on the services listed, and building them decodes every
   * file descriptor of the package: one per set of services, shared by every listener that
   * serves that set, keeps a thousand pods' start-up from decoding the protos a thousand times.
   */
  private readonly reflection = new Map<string, ReflectionService>();

  /** Add health and reflection for `services` of `proc` to `server`. */
  add(server: grpc.Server, proc: Proc, services: readonly string[]): void {
    const health = new HealthImplementation();
    health.addToServer(server);
    const key = services.join("\n");
    let reflection = this.reflection.get(key);
    if (!reflection) {
      reflection = new ReflectionService(packageDefinition(), { services: [...services] });
      this.reflection.set(key, reflection);
    }
    reflection.addToServer(server);
    const w: Watched = { proc, services, health, last: null };
    this.watched.push(w);
    this.update(w);
    // Process state changes inside the engine; the health answer catches up within a tick.
    this.timer ??= setInterval(() => this.refresh(), 200).unref();
  }

  private refresh(): void {
    for (const w of this.watched) this.update(w);
  }

  private update(w: Watched): void {
    const status: ServingStatus = w.proc.up ? "SERVING" : "NOT_SERVING";
    if (status === w.last) return;
    w.last = status;
    for (const s of ["", ...w.services]) w.health.setStatus(s, status);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
