/**
 * Every error of the control API is JSON: `{error, status, field?}`. `error` and `status` are
 * the shape Toxiproxy answers with (so its clients read them); `field` names the part of the
 * request at fault when there is one.
 */
import type { FastifyError, FastifyInstance } from "fastify";
import { UserError } from "../core/errors.ts";
import { FaultConflict, FaultNotFound } from "../faults/faults.ts";
import { FaultSpecError } from "../faults/spec.ts";

export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly field?: string) {
    super(message);
  }
}

export interface ErrorBody {
  error: string;
  status: number;
  field?: string;
}

export const ERROR_SCHEMA = {
  type: "object",
  properties: { error: { type: "string" }, status: { type: "integer" }, field: { type: "string" } },
  required: ["error", "status"],
};

function toBody(e: unknown): ErrorBody {
  if (e instanceof ApiError) return { error: e.message, status: e.status, ...(e.field ? { field: e.field } : {}) };
  if (e instanceof FaultSpecError) return { error: e.message, status: 400, field: `body.${e.field}`.replace(/\.$/, "") };
  if (e instanceof FaultNotFound) {
    const field = (e as FaultNotFound & { field?: string }).field;
    return { error: e.message, status: 404, ...(field ? { field } : {}) };
  }
  if (e instanceof FaultConflict) return { error: e.message, status: 409 };
  if (e instanceof UserError) return { error: e.describe(), status: 400, ...(e.where?.path ? { field: `body.${e.where.path}`.replace(/\.$/, "") } : {}) };
  const fe = e as FastifyError;
  if (fe.validation && fe.validation.length > 0) {
    const v = fe.validation[0]!;
    const params = v.params as Record<string, unknown>;
    const base = `${fe.validationContext ?? "body"}${v.instancePath.replace(/\//g, ".")}`;
    const field = typeof params.missingProperty === "string" ? `${base}.${params.missingProperty}` : typeof params.additionalProperty === "string" ? `${base}.${params.additionalProperty}` : base;
    const what = typeof params.additionalProperty === "string" ? `unknown field \`${params.additionalProperty}\`` : v.message ?? "is not valid";
    return { error: `${field}: ${what}`, status: 400, field };
  }
  if (typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) return { error: fe.message, status: fe.statusCode };
  return { error: e instanceof Error ? e.message : String(e), status: 500 };
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((e, _req, reply) => {
    const body = toBody(e);
    if (body.status >= 500) app.log.error(e);
    void reply.code(body.status).type("application/json").send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: `no route ${req.method} ${req.url.split("?")[0]} (the routes are listed at /docs)`, status: 404 } satisfies ErrorBody);
  });
}
