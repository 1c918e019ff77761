/** Envoy's view of a namespace's routes: what the scheduler's route table holds for a model. */
import type { Scheduler } from "../scheduler/scheduler.ts";
import type { RouteLookup } from "./envoy.ts";

export function schedulerRoutes(scheduler: () => Scheduler | null): RouteLookup {
  return (model, protocol) => {
    const table = scheduler()?.routes;
    const route = table?.routes.get(model);
    if (!table || !route) return null;
    return route.clusters.map((split) => ({
      version: split.modelVersion,
      weight: split.weight,
      endpoints: [...(table.clusters.get(protocol === "rest" ? split.httpCluster : split.grpcCluster)?.endpoints.keys() ?? [])],
    }));
  };
}
