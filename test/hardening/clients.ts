/** Outside clients built the ordinary way from the .proto files, as a real peer's would be. */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { PROTO_FILES, PROTO_LOAD_OPTIONS } from "../../src/proto/index.ts";

export function generated() {
  const def = protoLoader.loadSync(PROTO_FILES, PROTO_LOAD_OPTIONS);
  const pkg = grpc.loadPackageDefinition(def) as any;
  return {
    Scheduler: pkg.seldon.mlops.scheduler.Scheduler as grpc.ServiceClientConstructor,
    Agent: pkg.seldon.mlops.agent.AgentService as grpc.ServiceClientConstructor,
    Inference: pkg.inference.GRPCInferenceService as grpc.ServiceClientConstructor,
  };
}

export const unary = (client: any, method: string, req: object, md: grpc.Metadata = new grpc.Metadata()): Promise<any> =>
  new Promise((resolve, reject) => client[method](req, md, { deadline: Date.now() + 5_000 }, (err: any, resp: any) => (err ? reject(err) : resolve(resp))));

/** Every message of a server stream that ends by itself, e.g. ModelStatus without `watch`. */
export const collect = (client: any, method: string, req: object): Promise<any[]> =>
  new Promise((resolve, reject) => {
    const out: any[] = [];
    const s = client[method](req);
    s.on("data", (m: any) => out.push(m));
    s.on("end", () => resolve(out));
    s.on("error", reject);
  });

/** A stream held open, remembering what it got and how it ended. */
export function hold(stream: grpc.ClientReadableStream<any> | grpc.ClientDuplexStream<any, any>) {
  const held = { messages: [] as any[], status: null as grpc.StatusObject | null };
  stream.on("data", (m: any) => held.messages.push(m));
  stream.on("status", (s: grpc.StatusObject) => (held.status = s));
  stream.on("error", () => {});
  return held;
}

export async function until(predicate: () => boolean | Promise<boolean>, ms = 10_000, step = 50): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await predicate()) return true;
    await new Promise((r) => setTimeout(r, step));
  }
  return predicate();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
