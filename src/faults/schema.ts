/**
 * JSON Schemas of faults, from the same tables the validator uses: for the scenario schema and
 * for the HTTP API's route schemas (and so its OpenAPI document). The validator in spec.ts stays
 * the judge; these describe the shape for editors and clients.
 */
import { Status } from "../core/protocol.ts";
import { STREAMS, TOXIC_ATTRIBUTES, TOXIC_TYPES } from "./spec.ts";

type Schema = Record<string, unknown>;

const endpoint: Schema = {
  description: "A role name, or a selector: every given field must match.",
  anyOf: [
    { type: "string" },
    {
      type: "object",
      additionalProperties: false,
      properties: {
        role: { type: "string" }, namespace: { type: "string" }, pod: { type: "string" }, server: { type: "string" },
        replica: { type: "integer", minimum: 0 }, port: { type: "integer", minimum: 1, maximum: 65535 },
      },
    },
  ],
};

export const LINK_SCHEMA: Schema = {
  description: "One proxy by name (`<namespace>.<pod>.<port>`, see GET /proxies), or both ends by selector.",
  anyOf: [
    { type: "string" },
    { type: "object", additionalProperties: false, required: ["proxy"], properties: { proxy: { type: "string" } } },
    { type: "object", additionalProperties: false, properties: { from: endpoint, to: endpoint } },
  ],
};

const attributeNames = [...new Set(Object.values(TOXIC_ATTRIBUTES).flatMap((a) => Object.keys(a)))];

export const TOXIC_SCHEMA: Schema = {
  type: "object",
  description: "A toxic, as Toxiproxy writes it.",
  additionalProperties: false,
  required: ["type"],
  properties: {
    name: { type: "string", description: "Default `<type>_<stream>`." },
    type: { type: "string", enum: [...TOXIC_TYPES] },
    stream: { type: "string", enum: [...STREAMS], default: "downstream", description: "upstream: client → server; downstream: server → client." },
    toxicity: { type: "number", minimum: 0, maximum: 1, default: 1, description: "Probability that the toxic applies to a call." },
    attributes: {
      type: "object",
      additionalProperties: false,
      description: "latency/jitter/delay/timeout in ms (slicer's delay in µs), rate in KB/s, sizes in bytes.",
      properties: Object.fromEntries(attributeNames.map((k) => [k, { type: "number", minimum: 0 }])),
    },
  },
};

const DURATION: Schema = { anyOf: [{ type: "string" }, { const: 0 }], description: "A duration such as `500ms` or `5s`." };

export const MESSAGE_RULE_SCHEMA: Schema = {
  type: "object",
  additionalProperties: false,
  required: ["action"],
  properties: {
    id: { type: "string" },
    link: LINK_SCHEMA,
    method: { type: "string", description: "A method name (`RepositoryModelUnload`) or full path." },
    direction: { type: "string", enum: ["request", "response"] },
    match: { type: "object", additionalProperties: { anyOf: [{ type: "string" }, { type: "number" }, { type: "boolean" }] }, description: "Message fields by dotted path, e.g. `modelVersion.model.meta.name: iris`." },
    occurrence: {
      anyOf: [
        { type: "string", enum: ["first", "every"] },
        { type: "object", additionalProperties: false, required: ["nth"], properties: { nth: { type: "integer", minimum: 1 } } },
        { type: "object", additionalProperties: false, required: ["after"], properties: { after: DURATION } },
      ],
    },
    action: {
      anyOf: [
        { type: "string", enum: ["drop", "duplicate", "reorder", "end"] },
        { type: "object", additionalProperties: false, required: ["delay"], properties: { delay: DURATION } },
        { type: "object", additionalProperties: false, required: ["corrupt"], properties: { corrupt: { type: "object", required: ["set"], properties: { set: { type: "object" } } } } },
        {
          type: "object", additionalProperties: false, required: ["status"],
          properties: { status: { type: "object", additionalProperties: false, required: ["code"], properties: { code: { anyOf: [{ type: "string", enum: Object.keys(Status) }, { type: "integer", minimum: 1, maximum: 16 }] }, message: { type: "string" } } } },
        },
      ],
    },
  },
};

export const FAULT_SCHEMA: Schema = {
  type: "object",
  description: "A link toxic (`link` + `toxic`) or a message rule (`message`).",
  additionalProperties: false,
  properties: { id: { type: "string" }, link: LINK_SCHEMA, toxic: TOXIC_SCHEMA, message: MESSAGE_RULE_SCHEMA },
};
