/**
 * The Open Inference Protocol REST (v2) front of the fake MLServer: a fastify app that turns each
 * HTTP request into the equivalent gRPC call, hands it to `dispatch` (which injects it into the
 * component and waits for its answer) and turns the answer back into MLServer's HTTP response.
 * The app is returned without listening; the caller listens (or uses `app.inject()`).
 */
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import type { MethodPath } from "../core/protocol.ts";
import { M } from "../proto/index.ts";
import { UNHANDLED_MODEL_NOT_FOUND_PREFIX, httpStatusOf, restWording } from "./errors.ts";
import { BodyError, inferRequestFromJson, inferResponseToJson } from "./json.ts";
import type { PbModelInferResponse, PbModelMetadataResponse, PbRepositoryIndexResponse } from "./messages.ts";
import { TensorError } from "./tensors.ts";

export type DispatchResult = { ok: true; message: unknown } | { ok: false; code: number; details: string };
export type Dispatch = (method: MethodPath, request: unknown) => Promise<DispatchResult>;

interface ModelParams {
  name: string;
  version?: string;
}

/** Both spellings of a per-model route: `/v2/models/:name<rest>` and `/v2/models/:name/versions/:version<rest>`. */
const modelRoutes = (rest: string): string[] => [`/v2/models/:name${rest}`, `/v2/models/:name/versions/:version${rest}`];

export function createRestApp(dispatch: Dispatch): FastifyInstance {
  const app = Fastify({ logger: false });

  // MLServer (FastAPI) reads a JSON body whatever its content type, and an empty body is fine
  // for the endpoints that take none (the agent posts load/unload with no body at all).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text.trim() === "") return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(Object.assign(new Error(`invalid JSON body: ${(err as Error).message}`), { statusCode: 400 }), undefined);
    }
  });

  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    void reply.code(err.statusCode ?? 500).send({ error: err.message });
  });
  app.setNotFoundHandler((_req, reply) => {
    void reply.code(404).send({ detail: "Not Found" });
  });

  /** Calls the component; on error answers MLServer's error and returns undefined. */
  async function call(reply: FastifyReply, method: MethodPath, request: unknown): Promise<unknown> {
    let res: DispatchResult;
    try {
      res = await dispatch(method, request);
    } catch (err) {
      void reply.code(500).send({ error: err instanceof Error ? err.message : String(err) });
      return undefined;
    }
    if (res.ok) return res.message ?? {};
    // gRPC ModelReady reports an unknown model as an unhandled exception; MLServer's REST
    // server catches the same exception and answers 404.
    if (res.details.startsWith(UNHANDLED_MODEL_NOT_FOUND_PREFIX)) {
      void reply.code(404).send({ error: restWording(res.details.slice(UNHANDLED_MODEL_NOT_FOUND_PREFIX.length)) });
      return undefined;
    }
    void reply.code(httpStatusOf(res.code)).send({ error: restWording(res.details) });
    return undefined;
  }

  /** 200 with an empty body when `flag`, else 400 (MLServer's `to_status_code`). */
  const flagReply = (reply: FastifyReply, flag: unknown) => reply.code(flag === true ? 200 : 400).send();

  app.get("/v2/health/live", async (_req, reply) => {
    const m = (await call(reply, M.inference.ServerLive, {})) as { live?: boolean } | undefined;
    if (m) return flagReply(reply, m.live);
    return reply;
  });

  app.get("/v2/health/ready", async (_req, reply) => {
    const m = (await call(reply, M.inference.ServerReady, {})) as { ready?: boolean } | undefined;
    if (m) return flagReply(reply, m.ready);
    return reply;
  });

  app.get("/v2", async (_req, reply) => {
    const m = (await call(reply, M.inference.ServerMetadata, {})) as { name: string; version: string; extensions?: string[] } | undefined;
    if (m) return reply.code(200).send({ name: m.name, version: m.version, extensions: m.extensions ?? [] });
    return reply;
  });

  for (const path of modelRoutes("/ready")) {
    app.get<{ Params: ModelParams }>(path, async (req, reply) => {
      const { name, version } = req.params;
      const m = (await call(reply, M.inference.ModelReady, { name, version: version ?? "" })) as { ready?: boolean } | undefined;
      if (m) return flagReply(reply, m.ready);
      return reply;
    });
  }

  for (const path of modelRoutes("")) {
    app.get<{ Params: ModelParams }>(path, async (req, reply) => {
      const { name, version } = req.params;
      const m = (await call(reply, M.inference.ModelMetadata, { name, version: version ?? "" })) as PbModelMetadataResponse | undefined;
      if (m) {
        return reply.code(200).send({ name: m.name, versions: m.versions ?? [], platform: m.platform ?? "", inputs: m.inputs ?? [], outputs: m.outputs ?? [] });
      }
      return reply;
    });
  }

  for (const path of modelRoutes("/infer")) {
    app.post<{ Params: ModelParams }>(path, async (req, reply) => {
      const { name, version } = req.params;
      let request;
      try {
        request = inferRequestFromJson(req.body, name, version);
      } catch (err) {
        if (err instanceof BodyError) return reply.code(422).send({ detail: err.message });
        if (err instanceof TensorError) return reply.code(400).send({ error: err.message });
        throw err;
      }
      const m = (await call(reply, M.inference.ModelInfer, request)) as PbModelInferResponse | undefined;
      if (m) return reply.code(200).send(inferResponseToJson(m));
      return reply;
    });
  }

  app.post("/v2/repository/index", async (req, reply) => {
    const body = req.body as { ready?: unknown } | undefined;
    const ready = typeof body === "object" && body !== null && body.ready === true;
    const m = (await call(reply, M.inference.RepositoryIndex, { repository_name: "", ready })) as PbRepositoryIndexResponse | undefined;
    if (m) {
      // MLServer answers a bare list; it leaves out a missing version.
      const list = (m.models ?? []).map((x) => ({ name: x.name, ...(x.version ? { version: x.version } : {}), state: x.state, reason: x.reason ?? "" }));
      return reply.code(200).send(list);
    }
    return reply;
  });

  for (const op of ["load", "unload"] as const) {
    app.post<{ Params: { name: string } }>(`/v2/repository/models/:name/${op}`, async (req, reply) => {
      const method = op === "load" ? M.inference.RepositoryModelLoad : M.inference.RepositoryModelUnload;
      const m = await call(reply, method, { repository_name: "", model_name: req.params.name, parameters: {} });
      if (m) return reply.code(200).send();
      return reply;
    });
  }

  return app;
}
