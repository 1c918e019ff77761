/** Link toxics (Toxiproxy's vocabulary) and message rules, applied to deliveries in flight. */
export { Faults, FaultConflict, FaultNotFound, type ProxyView } from "./faults.ts";
export { FaultInjector } from "./injector.ts";
export { listProxies, proxyName, type ProxyInfo } from "./links.ts";
export * from "./spec.ts";
export { FAULT_SCHEMA, LINK_SCHEMA, MESSAGE_RULE_SCHEMA, TOXIC_SCHEMA } from "./schema.ts";
