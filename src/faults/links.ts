/**
 * Links as Toxiproxy sees them: one "proxy" per listening port of each pod, named
 * `<namespace>.<pod>.<port>` (a name that fits in a URL path), and which calls a selector covers.
 */
import type { Call, Engine, Proc } from "../runtime/engine.ts";
import { splitTarget } from "../runtime/engine.ts";
import { matches, type Endpoint, type EndpointFacts } from "../network/rules.ts";
import type { LinkSelector } from "./spec.ts";
import { serviceOf } from "../proto/index.ts";

export interface ProxyInfo {
  name: string;
  namespace: string;
  pod: string;
  port: number;
  /** The role serving on that port (`scheduler`, `agent`, `mlserver`, ...). */
  role: string;
}

export function proxyName(namespace: string, pod: string, port: number): string {
  return `${namespace}.${pod}.${port}`;
}

/** Every listening port of every pod, in pod order. */
export function listProxies(engine: Engine): ProxyInfo[] {
  const out: ProxyInfo[] = [];
  for (const pod of engine.pods.values()) {
    for (const proc of pod.processes.values()) {
      const ports = proc.up ? proc.component!.listeners.map((l) => l.port) : [...proc.knownPorts];
      for (const port of ports.length > 0 ? ports : proc.spec.spawn().listeners.map((l) => l.port)) {
        out.push({ name: proxyName(pod.namespace, pod.name, port), namespace: pod.namespace, pod: pod.name, port, role: proc.role });
      }
    }
  }
  return out;
}

const OUTSIDE: EndpointFacts = { role: "outside", namespace: "", pod: "" };


/** The server port a call is on; for a call from outside (whose target is its peer), the port
 * of the server's listener for the call's service. */
export function callPort(call: Call, server: Proc): number {
  if (call.client) return splitTarget(call.target).port;
  const service = serviceOf(call.method);
  return server.component?.listeners.find((l) => l.services.includes(service))?.port ?? 0;
}

/** Does the selector cover this call (which has reached its server)? */
export function linkCovers(link: LinkSelector, call: Call, server: Proc): boolean {
  const port = callPort(call, server);
  if ("proxy" in link) return link.proxy === proxyName(server.pod.namespace, server.pod.name, port);
  return matches(link.from, call.client ? call.client.facts() : OUTSIDE) && matches(link.to, server.facts(port));
}

/** The endpoints a proxy stands for, as a network rule's `to`. */
export function proxyEndpoint(p: ProxyInfo): Endpoint {
  return { namespace: p.namespace, pod: p.pod, port: p.port };
}
