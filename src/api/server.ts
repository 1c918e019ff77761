/**
 * The HTTP control API of a running cluster (fastify): read the state, apply and delete Seldon
 * resources, inject and heal faults, act on components, advance virtual time, fetch the
 * recording, follow live events (SSE); Toxiproxy's API at the root paths. The OpenAPI 3 document
 * is generated from the route schemas (`/docs/json`, UI at `/docs`). Loopback unless told.
 */
import Fastify, { type FastifyInstance } from "fastify";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { Session } from "../cluster/session.ts";
import type { Faults } from "../faults/faults.ts";
import { parseFault } from "../faults/spec.ts";
import { FAULT_SCHEMA } from "../faults/schema.ts";
import { parseManifests } from "../scenario/parse.ts";
import { parseDuration } from "../scenario/parse-values.ts";
import { canonicalJson } from "../core/canonical.ts";
import { UserError } from "../core/errors.ts";
import { packageVersion, SELDON_VERSION } from "../core/version.ts";
import { SUPPORTED_KINDS } from "../scenario/parse-crd.ts";
import type { K8sResource } from "../scenario/types.ts";
import { ApiError, ERROR_SCHEMA, installErrorHandler } from "./errors.ts";
import { EventHub } from "./events.ts";
import { decisions, models, namespaces, servers } from "./state.ts";
import { toxiproxyRoutes } from "./toxiproxy.ts";

export interface ControlApiOptions {
  session: Session;
  faults: Faults;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 = any free port. */
  port: number;
  /** Run time follows the wall clock (serve): `advance` is refused. */
  realtime: boolean;
}

export interface ControlApi {
  app: FastifyInstance;
  /** `http://host:port` */
  url: string;
  close(): Promise<void>;
}

const errors = { 400: ERROR_SCHEMA, 404: ERROR_SCHEMA, 409: ERROR_SCHEMA };

export async function buildControlApi(o: Omit<ControlApiOptions, "host" | "port">): Promise<FastifyInstance> {
  const { session, faults } = o;
  const app = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024 });
  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: { title: "seldon-sim control API", version: packageVersion(), description: `Drive a simulated Seldon Core v${SELDON_VERSION} control plane. Toxiproxy's API is at the root paths (tag toxiproxy).` },
      tags: [{ name: "state" }, { name: "resources" }, { name: "faults" }, { name: "components" }, { name: "time" }, { name: "events" }, { name: "toxiproxy" }],
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });
  installErrorHandler(app);
  // Resources come as YAML as often as JSON.
  app.addContentTypeParser(["application/yaml", "application/x-yaml", "text/yaml", "text/plain"], { parseAs: "string" }, (_req, body, done) => done(null, body));

  const hub = new EventHub(session);
  const after = (): void => hub.poll();
  const ref = (p: { namespace: string; name: string }) => p;

  app.get("/api/state", { schema: { tags: ["state"], summary: "Namespaces, servers with replica capacity, models with replica states" } }, async () => ({
    now: session.now, runtime: session.options.runtime, namespaces: namespaces(session), servers: servers(session), models: models(session),
  }));
  app.get("/api/namespaces", { schema: { tags: ["state"] } }, async () => namespaces(session));
  app.get("/api/servers", { schema: { tags: ["state"], summary: "Servers as the schedulers know them, with each replica's memory and loaded models" } }, async () => servers(session));
  app.get("/api/models", { schema: { tags: ["state"] } }, async () => models(session));
  app.get("/api/models/:namespace/:name", { schema: { tags: ["state"], summary: "One model, with the explanation of its last scheduling decision", params: { type: "object", required: ["namespace", "name"], properties: { namespace: { type: "string" }, name: { type: "string" } } }, response: { 404: ERROR_SCHEMA } } }, async (req) => {
    const { namespace, name } = ref(req.params as { namespace: string; name: string });
    const m = models(session).find((x) => x.namespace === namespace && x.name === name);
    if (!m) throw new ApiError(404, `no model ${namespace}/${name} on the controller or any scheduler`, "name");
    const last = decisions(session, { namespace, model: name }).at(-1);
    return { ...m, explanation: last?.explanation ?? null };
  });
  app.get("/api/decisions", { schema: { tags: ["state"], summary: "Every scheduling decision with its explanation (filters' verdicts, Seldon's reasons)", querystring: { type: "object", properties: { namespace: { type: "string" }, model: { type: "string" }, limit: { type: "integer", minimum: 1 } } } } }, async (req) =>
    decisions(session, req.query as { namespace?: string; model?: string; limit?: number }));

  app.post("/api/resources", { schema: { tags: ["resources"], summary: "Apply Seldon resources (YAML or JSON; one, several documents, or a List), as kubectl apply", response: errors } }, async (req) => {
    const text = typeof req.body === "string" ? req.body : JSON.stringify(req.body ?? null);
    if (req.body === undefined || text === "" || text === "null") throw new ApiError(400, "body: expected Seldon resources as YAML or JSON", "body");
    const parsed = parseManifests(text, "body", session.cluster);
    if (!session.controller()) throw new ApiError(409, "this cluster runs no controller to apply resources (serve's scheduler takes a real controller on its Scheduler port)");
    for (const r of parsed) session.apply(r);
    after();
    return { applied: parsed.map((r) => ({ kind: r.kind, namespace: r.metadata.namespace, name: r.metadata.name })) };
  });
  app.delete("/api/resources/:kind/:namespace/:name", { schema: { tags: ["resources"], params: { type: "object", required: ["kind", "namespace", "name"], properties: { kind: { type: "string", enum: [...SUPPORTED_KINDS] }, namespace: { type: "string" }, name: { type: "string" } } }, response: errors } }, async (req) => {
    const { kind, namespace, name } = req.params as { kind: K8sResource["kind"]; namespace: string; name: string };
    if (!session.controller()) throw new ApiError(409, "this cluster runs no controller to delete resources");
    session.delete(kind, namespace, name);
    after();
    return { deleted: { kind, namespace, name } };
  });

  app.get("/api/faults", { schema: { tags: ["faults"], summary: "Link toxics and message rules in force" } }, async () => faults.list());
  app.post("/api/faults", { schema: { tags: ["faults"], summary: "Add (or replace by id) a link toxic or a message rule", body: FAULT_SCHEMA, response: errors } }, async (req) => {
    const f = parseFault(req.body, "", `fault-${faults.list().length}`);
    faults.add(f);
    after();
    return f;
  });
  app.delete("/api/faults/:id", { schema: { tags: ["faults"], summary: "Heal a fault", params: { type: "object", required: ["id"], properties: { id: { type: "string" } } }, response: { ...errors, 204: { type: "null", description: "Healed" } } } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!faults.remove(id)) throw new ApiError(404, `no fault ${id} (faults: ${faults.list().map((f) => f.id).join(", ") || "none"})`, "id");
    after();
    return reply.code(204).send();
  });

  const podParams = { type: "object", required: ["namespace", "pod", "container"], properties: { namespace: { type: "string" }, pod: { type: "string" }, container: { type: "string", enum: ["agent", "mlserver", "scheduler", "controller"] } } };
  const proc = (p: { namespace: string; pod: string; container: string }) => {
    const pod = session.engine.pods.get(`${p.namespace}/${p.pod}`);
    if (!pod) throw new ApiError(404, `no pod ${p.namespace}/${p.pod} (pods: ${[...session.engine.pods.keys()].join(", ")})`, "pod");
    if (!pod.processes.has(p.container)) throw new ApiError(404, `no container ${p.container} in pod ${p.namespace}/${p.pod} (containers: ${[...pod.processes.keys()].join(", ")})`, "container");
  };
  app.post("/api/pods/:namespace/:pod/:container/crash", { schema: { tags: ["components"], summary: "Kill a container; Kubernetes restarts it with back-off", params: podParams, response: errors } }, async (req) => {
    const p = req.params as { namespace: string; pod: string; container: string };
    proc(p);
    session.crash(p.namespace, p.pod, p.container);
    after();
    return { crashed: p };
  });
  app.post("/api/pods/:namespace/:pod/:container/restart", { schema: { tags: ["components"], params: podParams, response: errors } }, async (req) => {
    const p = req.params as { namespace: string; pod: string; container: string };
    proc(p);
    session.restart(p.namespace, p.pod, p.container);
    after();
    return { restarted: p };
  });
  const serverParams = { type: "object", required: ["namespace", "name"], properties: { namespace: { type: "string" }, name: { type: "string" } } };
  const topo = (p: { namespace: string; name: string }) => {
    if (!session.cluster.servers.some((s) => s.namespace === p.namespace && s.name === p.name)) {
      throw new ApiError(404, `no server ${p.namespace}/${p.name} (servers: ${session.cluster.servers.map((s) => `${s.namespace}/${s.name}`).join(", ") || "none"})`, "name");
    }
  };
  app.post("/api/servers/:namespace/:name/scale", { schema: { tags: ["components"], summary: "Scale a server's pods (and its Server resource, when there is a controller)", params: serverParams, body: { type: "object", required: ["replicas"], additionalProperties: false, properties: { replicas: { type: "integer", minimum: 0 } } }, response: errors } }, async (req) => {
    const p = req.params as { namespace: string; name: string };
    topo(p);
    const { replicas } = req.body as { replicas: number };
    await session.scalePods(p.namespace, p.name, replicas);
    const server = session.controller()?.serverResource(p.namespace, p.name);
    if (server) session.apply({ ...server, spec: { ...server.spec, replicas } });
    after();
    return { scaled: { ...p, replicas } };
  });
  app.post("/api/servers/:namespace/:name/drain", { schema: { tags: ["components"], summary: "Drain one replica (the preStop hook's AgentDrain)", params: serverParams, body: { type: "object", required: ["replica"], additionalProperties: false, properties: { replica: { type: "integer", minimum: 0 } } }, response: errors } }, async (req) => {
    const p = req.params as { namespace: string; name: string };
    topo(p);
    const { replica } = req.body as { replica: number };
    if (!session.engine.pods.has(`${p.namespace}/${p.name}-${replica}`)) throw new ApiError(404, `server ${p.namespace}/${p.name} has no replica ${replica}`, "body.replica");
    session.drain(p.namespace, p.name, replica);
    after();
    return { draining: { ...p, replica } };
  });

  app.post("/api/time/advance", { schema: { tags: ["time"], summary: "Let virtual run time pass (not on serve, whose time is the wall clock's)", body: { type: "object", required: ["by"], additionalProperties: false, properties: { by: { type: "string", description: "A duration such as `30s`" } } }, response: errors } }, async (req) => {
    if (o.realtime) throw new ApiError(409, "run time follows the wall clock here (serve); it cannot be advanced");
    const p = parseDuration((req.body as { by: string }).by);
    if (!p.ok) throw new ApiError(400, `body.by: ${p.error}`, "body.by");
    await session.advance(p.value);
    after();
    return { now: session.now };
  });

  app.get("/api/recording", { schema: { tags: ["events"], summary: "The trace so far: one canonical JSON event per line (messages, logs, state changes, faults)" } }, async (_req, reply) => {
    const text = session.engine.trace.map((e) => canonicalJson(e)).join("\n");
    return reply.type("application/x-ndjson").send(text === "" ? "" : `${text}\n`);
  });

  app.get("/api/events", { schema: { tags: ["events"], summary: "Server-Sent Events: model (state and replica states), log, decision, fault" } }, (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    res.write(": seldon-sim events\n\n");
    const unsubscribe = hub.subscribe((e) => {
      res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    });
    // Comments keep proxies from closing an idle stream.
    const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
    req.raw.on("close", () => {
      clearInterval(keepAlive);
      unsubscribe();
    });
  });

  toxiproxyRoutes(app, faults, after);
  return app;
}

export async function startControlApi(o: ControlApiOptions): Promise<ControlApi> {
  const app = await buildControlApi(o);
  const host = o.host ?? "127.0.0.1";
  try {
    await app.listen({ host, port: o.port });
  } catch (e) {
    await app.close();
    throw new ApiListenError(`cannot listen on ${host}:${o.port} for the control API: ${(e as Error).message}`);
  }
  const addr = app.server.address();
  const port = typeof addr === "object" && addr ? addr.port : o.port;
  return {
    app,
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    async close() {
      // Open event streams would keep the server from closing.
      app.server.closeAllConnections?.();
      await app.close();
    },
  };
}

/** The port is taken or the address is not ours: one clean line, as for any bad flag. */
export class ApiListenError extends UserError {}
