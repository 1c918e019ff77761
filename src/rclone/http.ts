/**
 * rclone's remote-control HTTP front (`POST /<command>` with a JSON body), as outside peers reach
 * the fake rclone in the `wire` runtime: a real Seldon agent pointed at it with `--rclone-host`
 * and `--rclone-port` talks to it as to `rclone rcd`. Each request becomes the equivalent call
 * into the component, and its answer (HTTP status and JSON) goes back as it is.
 * The app is returned without listening; the caller listens (or uses `app.inject()`).
 */
import Fastify, { type FastifyInstance } from "fastify";
import type { DispatchResult } from "../mlserver/rest.ts";
import type { MethodPath } from "../core/protocol.ts";
import { commandOfPath, RC_COMMANDS, type RcResponseMsg } from "./commands.ts";

export type RcDispatch = (method: MethodPath, request: unknown) => Promise<DispatchResult>;

export function createRcloneHttpApp(dispatch: RcDispatch): FastifyInstance {
  const app = Fastify({ logger: false });
  // rclone reads the body as JSON whatever its content type; an empty body is an empty input.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => done(null, typeof body === "string" ? body : body.toString("utf8")));

  app.post("/*", async (req, reply) => {
    const path = req.url.split("?")[0]!.replace(/^\/+/, "");
    const command = commandOfPath(path);
    const text = typeof req.body === "string" ? req.body : "";
    if (command === undefined) {
      return reply.code(404).type("application/json").send({ error: `couldn't find method "${path}"`, input: {}, path, status: 404 });
    }
    const res = await dispatch(RC_COMMANDS[command].method, { json: text });
    if (!res.ok) return reply.code(503).type("application/json").send({ error: res.details, input: {}, path, status: 503 });
    const msg = res.message as RcResponseMsg;
    return reply.code(msg.http_status ?? 500).type("application/json").send(msg.json ?? "{}");
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).type("application/json").send({ error: `couldn't find method "${req.url}"`, input: {}, path: req.url, status: 404 });
  });
  return app;
}
