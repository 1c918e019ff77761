/**
 * The faults in force on one running cluster, by id: link toxics (Toxiproxy's, per proxy or per
 * selector), message rules, and disabled proxies. A `down` toxic and a disabled proxy become a
 * refusing network rule, so a new connection is refused for real in `wire` and open calls break;
 * everything else acts through the engine's delivery interceptor.
 */
import type { Engine } from "../runtime/engine.ts";
import type { NetworkRule } from "../network/rules.ts";
import { FaultInjector } from "./injector.ts";
import { listProxies, proxyEndpoint, type ProxyInfo } from "./links.ts";
import { FaultSpecError, type Fault, type LinkSelector, type LinkToxic, type MessageRule, type Toxic } from "./spec.ts";

export interface ProxyView {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: Toxic[];
}

/** A fault that names something that is not there (a proxy, a toxic, a rule): HTTP 404. */
export class FaultNotFound extends Error {}
/** A fault whose name is taken: HTTP 409, as Toxiproxy answers. */
export class FaultConflict extends Error {}

export class Faults {
  readonly injector: FaultInjector;
  private readonly byId = new Map<string, Fault>();
  private readonly disabled = new Set<string>();
  /** Real ports in `wire` (`namespace/pod:port` → port), for a proxy's `listen` address. */
  realPorts: ReadonlyMap<string, number> = new Map();

  constructor(private readonly engine: Engine, seed: number) {
    this.injector = new FaultInjector(engine, seed);
    engine.interceptor = this.injector;
  }

  list(): Fault[] {
    return [...this.byId.values()];
  }

  get(id: string): Fault | undefined {
    return this.byId.get(id);
  }

  /** Add (or replace, by id) a fault. */
  add(fault: Fault): void {
    if (fault.family === "toxic" && "proxy" in fault.link) this.proxyInfo(fault.link.proxy, "link.proxy");
    if (fault.family === "message" && fault.link && "proxy" in fault.link) this.proxyInfo(fault.link.proxy, "message.link.proxy");
    this.remove(fault.id);
    this.byId.set(fault.id, fault);
    this.sync();
    if (fault.family === "toxic" && fault.toxic.type === "down") this.block(this.downRule(fault.id, fault.link));
  }

  remove(id: string): boolean {
    const had = this.byId.delete(id);
    if (had) {
      this.engine.rules = this.engine.rules.filter((r) => r.id !== `fault:${id}`);
      this.engine.releaseHealedCalls();
      this.injector.resetCount(id);
      this.sync();
    }
    return had;
  }

  // ------------------------------------------------------------------------------------------
  // Toxiproxy's model: proxies with toxics

  proxies(): ProxyView[] {
    return listProxies(this.engine).map((p) => this.view(p));
  }

  proxy(name: string): ProxyView {
    return this.view(this.proxyInfo(name, "proxy"));
  }

  setEnabled(name: string, enabled: boolean): ProxyView {
    const p = this.proxyInfo(name, "proxy");
    const id = `proxy-disabled:${name}`;
    if (enabled) {
      this.disabled.delete(name);
      this.engine.rules = this.engine.rules.filter((r) => r.id !== id);
      this.engine.releaseHealedCalls();
    } else if (!this.disabled.has(name)) {
      this.disabled.add(name);
      this.block({ id, from: {}, to: proxyEndpoint(p), mode: "refuse" });
    }
    return this.view(p);
  }

  addToxic(proxy: string, toxic: Toxic): Toxic {
    this.proxyInfo(proxy, "proxy");
    const id = toxicId(proxy, toxic.name);
    if (this.byId.has(id)) throw new FaultConflict(`toxic already exists: ${toxic.name}`);
    this.add({ family: "toxic", id, link: { proxy }, toxic });
    return toxic;
  }

  toxic(proxy: string, name: string): Toxic {
    this.proxyInfo(proxy, "proxy");
    const f = this.byId.get(toxicId(proxy, name));
    if (!f || f.family !== "toxic") throw new FaultNotFound(`toxic not found: ${name}`);
    return f.toxic;
  }

  updateToxic(proxy: string, name: string, toxic: Toxic): Toxic {
    this.toxic(proxy, name);
    this.add({ family: "toxic", id: toxicId(proxy, name), link: { proxy }, toxic: { ...toxic, name } });
    return this.toxic(proxy, name);
  }

  removeToxic(proxy: string, name: string): void {
    this.toxic(proxy, name);
    this.remove(toxicId(proxy, name));
  }

  /** Toxiproxy's reset: every proxy enabled, every toxic gone (message rules stay). */
  reset(): void {
    for (const name of [...this.disabled]) this.setEnabled(name, true);
    for (const f of this.list()) if (f.family === "toxic") this.remove(f.id);
  }

  // ------------------------------------------------------------------------------------------

  private sync(): void {
    const faults = this.list();
    this.injector.toxics = faults.filter((f): f is { family: "toxic" } & LinkToxic => f.family === "toxic").map(({ id, link, toxic }) => ({ id, link, toxic }));
    this.injector.rules = faults.filter((f): f is { family: "message" } & MessageRule => f.family === "message");
  }

  private block(rule: NetworkRule): void {
    this.engine.rules = [...this.engine.rules.filter((r) => r.id !== rule.id), rule];
    this.engine.breakCallsMatching(rule);
  }

  private downRule(id: string, link: LinkSelector): NetworkRule {
    const to = "proxy" in link ? proxyEndpoint(this.proxyInfo(link.proxy, "link.proxy")) : link.to;
    const from = "proxy" in link ? {} : link.from;
    return { id: `fault:${id}`, from, to, mode: "refuse" };
  }

  private proxyInfo(name: string, field: string): ProxyInfo {
    const p = listProxies(this.engine).find((x) => x.name === name);
    if (!p) {
      const names = listProxies(this.engine).map((x) => x.name);
      const e = new FaultNotFound(`proxy not found: ${name} (proxies: ${names.join(", ")})`);
      (e as FaultNotFound & { field?: string }).field = field;
      throw e;
    }
    return p;
  }

  private view(p: ProxyInfo): ProxyView {
    const pod = this.engine.pods.get(`${p.namespace}/${p.pod}`);
    const upstream = `${pod?.spec.ip ?? p.pod}:${p.port}`;
    const real = this.realPorts.get(`${p.namespace}/${p.pod}:${p.port}`);
    const toxics = this.list().filter((f): f is { family: "toxic" } & LinkToxic => f.family === "toxic" && "proxy" in f.link && f.link.proxy === p.name).map((f) => f.toxic);
    return { name: p.name, listen: real !== undefined ? `127.0.0.1:${real}` : upstream, upstream, enabled: !this.disabled.has(p.name), toxics };
  }
}

function toxicId(proxy: string, name: string): string {
  return `${proxy}/${name}`;
}

export { FaultSpecError };
