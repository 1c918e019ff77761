/**
 * Toxiproxy's HTTP API, path for path, over the simulated cluster's links: each listening port of
 * each pod is a proxy (`GET /proxies`), and toxics are added, changed and removed as Toxiproxy
 * clients do, so an existing client library drives seldon-sim unchanged. Proxies are the links
 * the cluster has; they cannot be created or deleted, only enabled, disabled and poisoned.
 */
import type { FastifyInstance } from "fastify";
import type { Faults } from "../faults/faults.ts";
import { parseToxic, TOXIC_TYPES, type Toxic } from "../faults/spec.ts";
import { TOXIC_SCHEMA } from "../faults/schema.ts";
import { packageVersion } from "../core/version.ts";
import { ApiError } from "./errors.ts";

const tags = ["toxiproxy"];

const proxySchema = {
  type: "object",
  properties: {
    name: { type: "string" }, listen: { type: "string" }, upstream: { type: "string" }, enabled: { type: "boolean" },
    toxics: { type: "array", items: { type: "object", additionalProperties: true } },
  },
};

const proxyParams = { type: "object", required: ["proxy"], properties: { proxy: { type: "string", description: "`<namespace>.<pod>.<port>`" } } };
const toxicParams = { type: "object", required: ["proxy", "toxic"], properties: { proxy: { type: "string" }, toxic: { type: "string" } } };

export function toxiproxyRoutes(app: FastifyInstance, faults: Faults, after: () => void): void {
  app.get("/version", { schema: { tags, summary: "Version of the API's implementation" } }, async () => ({ version: `seldon-sim ${packageVersion()}` }));

  app.get("/proxies", { schema: { tags, summary: "Every link of the cluster, as Toxiproxy proxies, by name", response: { 200: { type: "object", additionalProperties: proxySchema } } } }, async () =>
    Object.fromEntries(faults.proxies().map((p) => [p.name, p])));

  app.post("/proxies", { schema: { tags, summary: "Toxiproxy's create: only an existing link's name is accepted (409, as for a duplicate)", body: { type: "object", required: ["name"], properties: { name: { type: "string" }, listen: { type: "string" }, upstream: { type: "string" }, enabled: { type: "boolean" } } } } }, async (req) => {
    const body = req.body as { name: string };
    faults.proxy(body.name); // 404 naming the proxies there are
    throw new ApiError(409, "proxy already exists", "name");
  });

  app.post("/populate", { schema: { tags, summary: "Toxiproxy's populate: sets `enabled` on existing links", body: { type: "array", items: { type: "object", required: ["name"], properties: { name: { type: "string" }, enabled: { type: "boolean" } } } } } }, async (req, reply) => {
    const list = req.body as { name: string; enabled?: boolean }[];
    list.forEach((p, i) => {
      try {
        faults.proxy(p.name);
      } catch {
        throw new ApiError(400, `proxy not found: ${p.name}: seldon-sim's proxies are the links of the cluster (GET /proxies)`, `body[${i}].name`);
      }
    });
    const proxies = list.map((p) => (p.enabled === undefined ? faults.proxy(p.name) : faults.setEnabled(p.name, p.enabled)));
    after();
    return reply.code(201).send({ proxies });
  });

  app.post("/reset", { schema: { tags, summary: "Enable every proxy and remove every toxic" } }, async (_req, reply) => {
    faults.reset();
    after();
    return reply.code(204).send();
  });

  app.get("/proxies/:proxy", { schema: { tags, params: proxyParams, response: { 200: proxySchema } } }, async (req) => faults.proxy((req.params as { proxy: string }).proxy));

  app.post("/proxies/:proxy", { schema: { tags, summary: "Enable or disable a link (a disabled link refuses connections)", params: proxyParams, body: { type: "object", properties: { enabled: { type: "boolean" }, listen: { type: "string" }, upstream: { type: "string" } } }, response: { 200: proxySchema } } }, async (req) => {
    const { proxy } = req.params as { proxy: string };
    const body = req.body as { enabled?: boolean; listen?: string; upstream?: string };
    const current = faults.proxy(proxy);
    if (body.listen !== undefined && body.listen !== current.listen) throw new ApiError(400, "a simulated link's listen address cannot be changed", "listen");
    if (body.upstream !== undefined && body.upstream !== current.upstream) throw new ApiError(400, "a simulated link's upstream cannot be changed", "upstream");
    const view = body.enabled === undefined ? current : faults.setEnabled(proxy, body.enabled);
    after();
    return view;
  });

  app.delete("/proxies/:proxy", { schema: { tags, params: proxyParams } }, async (req) => {
    faults.proxy((req.params as { proxy: string }).proxy);
    throw new ApiError(400, "the links of the simulated cluster cannot be deleted; disable one with POST /proxies/{proxy} {\"enabled\": false}", "proxy");
  });

  app.get("/proxies/:proxy/toxics", { schema: { tags, params: proxyParams } }, async (req) => faults.proxy((req.params as { proxy: string }).proxy).toxics);

  app.post("/proxies/:proxy/toxics", { schema: { tags, summary: `Add a toxic (${TOXIC_TYPES.join(", ")})`, params: proxyParams, body: TOXIC_SCHEMA } }, async (req) => {
    const { proxy } = req.params as { proxy: string };
    const toxic = faults.addToxic(proxy, parseToxic(req.body, ""));
    after();
    return toxic;
  });

  app.get("/proxies/:proxy/toxics/:toxic", { schema: { tags, params: toxicParams } }, async (req) => {
    const { proxy, toxic } = req.params as { proxy: string; toxic: string };
    return faults.toxic(proxy, toxic);
  });

  app.post("/proxies/:proxy/toxics/:toxic", { schema: { tags, summary: "Change a toxic's attributes or toxicity", params: toxicParams, body: { type: "object", additionalProperties: true } } }, async (req) => {
    const { proxy, toxic } = req.params as { proxy: string; toxic: string };
    const current = faults.toxic(proxy, toxic);
    const body = req.body as Partial<Toxic>;
    const merged = { ...current, ...body, name: toxic, attributes: { ...current.attributes, ...(body.attributes ?? {}) } };
    const updated = faults.updateToxic(proxy, toxic, parseToxic(merged, ""));
    after();
    return updated;
  });

  app.delete("/proxies/:proxy/toxics/:toxic", { schema: { tags, params: toxicParams } }, async (req, reply) => {
    const { proxy, toxic } = req.params as { proxy: string; toxic: string };
    faults.removeToxic(proxy, toxic);
    after();
    return reply.code(204).send();
  });
}
