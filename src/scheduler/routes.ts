/**
 * The route table the scheduler's incremental processor keeps for envoy (Seldon's xDS cache):
 * per model a route with a traffic split over version clusters, each cluster with the endpoints
 * of the replicas it reaches. Nothing is served to an envoy; the table is what the control plane
 * decides, so logs, version clean-up and reports can follow it.
 */
export interface Endpoint {
  host: string;
  port: number;
}

export interface TrafficSplit {
  modelName: string;
  modelVersion: number;
  weight: number;
  httpCluster: string;
  grpcCluster: string;
}

export interface Route {
  name: string;
  logPayloads: boolean;
  clusters: TrafficSplit[];
}

export interface Cluster {
  name: string;
  grpc: boolean;
  /** `host:port` -> endpoint. */
  endpoints: Map<string, Endpoint>;
  /** `route/model/version` of every route using the cluster. */
  routes: Set<string>;
}

export interface ReplicaEndpoints {
  inferenceSvc: string;
  inferenceHttpPort: number;
  inferenceGrpcPort: number;
}

/** One version's share of a route, as `addVersion` takes it. */
export interface RouteSplit {
  model: string;
  version: number;
  /** The server whose replicas these are (named when one of them is unknown). */
  server: string;
  weight: number;
  logPayloads: boolean;
  replicas: readonly number[];
  /**
   * The server's replicas by index, where the endpoints of `replicas` are read (undefined when
   * the server is gone). A map rather than a lookup function: splits are made on every model
   * event, and a closure per split costs more than the map lookups it wraps.
   */
  serverReplicas: ReadonlyMap<number, ReplicaEndpoints> | undefined;
}

export function clusterNames(model: string, version: number): { http: string; grpc: string } {
  const base = `${model}_${version}`;
  return { http: `${base}_http`, grpc: `${base}_grpc` };
}

const routeKey = (route: string, model: string, version: number): string => `${route}/${model}/${version}`;

export class RouteTable {
  readonly routes = new Map<string, Route>();
  readonly clusters = new Map<string, Cluster>();
  /** Counts the table's changes (the maps are changed only through its methods). */
  private revision = 0;
  /** The route re-added last, and the revision that left the table at. */
  private lastReadd: { route: string; revision: number } | null = null;

  has(route: string): boolean {
    return this.routes.has(route);
  }

  /** Removes a route and frees clusters no other route uses. False when there was none. */
  removeRoute(name: string): boolean {
    const route = this.routes.get(name);
    if (!route) return false;
    this.revision++;
    this.routes.delete(name);
    for (const split of route.clusters) {
      const key = routeKey(name, split.modelName, split.modelVersion);
      this.release(split.httpCluster, key);
      this.release(split.grpcCluster, key);
    }
    return true;
  }

  /** The route `key` no longer uses the cluster, which goes once no route does. */
  private release(name: string, key: string): void {
    const cluster = this.clusters.get(name);
    if (!cluster) return;
    cluster.routes.delete(key);
    if (cluster.routes.size === 0) this.clusters.delete(name);
  }

  /**
   * One version's share of a route: its clusters get the replicas' endpoints (a replica index the
   * server does not have is returned, for the caller to warn about) and the route gets the split.
   */
  addVersion(routeName: string, split: RouteSplit): number[] {
    const { model, version, weight, logPayloads, replicas, serverReplicas } = split;
    this.revision++;
    const names = clusterNames(model, version);
    const invalid: number[] = [];
    const http = this.cluster(names.http, false);
    const grpc = this.cluster(names.grpc, true);
    for (const idx of replicas) {
      const r = serverReplicas?.get(idx);
      if (!r) {
        invalid.push(idx);
        continue;
      }
      http.endpoints.set(`${r.inferenceSvc}:${r.inferenceHttpPort}`, { host: r.inferenceSvc, port: r.inferenceHttpPort });
      grpc.endpoints.set(`${r.inferenceSvc}:${r.inferenceGrpcPort}`, { host: r.inferenceSvc, port: r.inferenceGrpcPort });
    }
    const key = routeKey(routeName, model, version);
    http.routes.add(key);
    grpc.routes.add(key);
    const route = this.routes.get(routeName) ?? { name: routeName, logPayloads, clusters: [] };
    // any version asking for payload logging turns it on for the route, as during a rollout
    if (logPayloads) route.logPayloads = true;
    route.clusters.push({ modelName: model, modelVersion: version, weight, httpCluster: names.http, grpcCluster: names.grpc });
    this.routes.set(routeName, route);
    return invalid;
  }

  /**
   * Whether removing the route and adding `splits` again (in order, each with a non-empty list
   * of replicas) would give the route and clusters it has now: the same splits and payload
   * logging, each cluster used by this route alone and holding, in order, one endpoint per
   * replica. False when in doubt (a replica the server does not have, endpoints two replicas
   * share), for the caller to rebuild the route.
   *
   * Asked on nearly every model event, so it makes no names: a split of the table's names the
   * clusters `clusterNames` gives its version, and the route's key stays in both for as long as
   * the route has the split (`addVersion` makes all three together, only `removeRoute` takes
   * them away), so a cluster it names that one route alone uses is used by this route.
   */
  unchanged(routeName: string, splits: readonly RouteSplit[]): boolean {
    const route = this.routes.get(routeName);
    if (!route || route.clusters.length !== splits.length) return false;
    let logPayloads = false;
    for (let i = 0; i < splits.length; i++) {
      const want = splits[i]!;
      const have = route.clusters[i]!;
      if (have.modelName !== want.model || have.modelVersion !== want.version || have.weight !== want.weight) return false;
      if (!this.holds(have.httpCluster, false, want) || !this.holds(have.grpcCluster, true, want)) return false;
      if (want.logPayloads) logPayloads = true;
    }
    return route.logPayloads === logPayloads;
  }

  /**
   * What removing an unchanged route and adding it again does to the table: the route and its
   * clusters move to the end of their maps, as newly added entries do, with the same contents.
   */
  readdUnchanged(routeName: string): void {
    // Nothing has changed since this route was last re-added: it and its clusters are the last
    // entries of their maps already (a model's events often come several in a row).
    const last = this.lastReadd;
    if (last !== null && last.route === routeName && last.revision === this.revision) return;
    const route = this.routes.get(routeName);
    if (!route) return;
    this.routes.delete(routeName);
    this.routes.set(routeName, route);
    for (const split of route.clusters) {
      this.moveToEnd(split.httpCluster);
      this.moveToEnd(split.grpcCluster);
    }
    this.lastReadd = { route: routeName, revision: ++this.revision };
  }

  /** The cluster moves to the end of the map, as if removed and added again. */
  private moveToEnd(name: string): void {
    const c = this.clusters.get(name);
    if (!c) return;
    this.clusters.delete(name);
    this.clusters.set(name, c);
  }

  /**
   * The cluster a split of the route names exists, no other route uses it, and its endpoints
   * are the split's replicas' in order.
   */
  private holds(name: string, grpc: boolean, split: RouteSplit): boolean {
    const c = this.clusters.get(name);
    if (!c || c.grpc !== grpc || c.routes.size !== 1) return false;
    if (c.endpoints.size !== split.replicas.length) return false;
    // an endpoint's key is always `host:port` of its value (addVersion sets both together)
    let i = 0;
    for (const e of c.endpoints.values()) {
      const r = split.serverReplicas?.get(split.replicas[i++]!);
      if (!r || e.host !== r.inferenceSvc || e.port !== (grpc ? r.inferenceGrpcPort : r.inferenceHttpPort)) return false;
    }
    return true;
  }

  private cluster(name: string, grpc: boolean): Cluster {
    let c = this.clusters.get(name);
    if (!c) {
      c = { name, grpc, endpoints: new Map(), routes: new Set() };
      this.clusters.set(name, c);
    }
    return c;
  }
}

/** How a route's 100 is split between the latest version and the last available one. */
export function trafficShare(latestReplicas: number, lastAvailableReplicas: number, weight: number): { latest: number; lastAvailable: number } {
  const total = lastAvailableReplicas + latestReplicas;
  // Go's integer division; a total of zero cannot reach here as the model can receive traffic
  const lastAvailable = total === 0 ? 0 : Math.floor((lastAvailableReplicas * weight) / total);
  return { latest: weight - lastAvailable, lastAvailable };
}
