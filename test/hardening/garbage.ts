/**
 * Generated garbage for any request type, from the protos themselves: every field may be missing
 * (nested messages too), numbers sit at and beyond their edges (uint64 max, int32 min, 2^53+1),
 * strings are long, odd or the names of real servers, enums take values no version defines, and
 * a request can also be raw bytes that need not decode at all. Messages are encoded here, so what
 * reaches the server is exactly the bytes a hostile client would send.
 */
import fc from "fast-check";
import protobuf from "protobufjs";
import { PROTOS_DIR, PROTO_FILES } from "../../src/proto/index.ts";

let root: protobuf.Root | undefined;

export function protoRoot(): protobuf.Root {
  if (!root) {
    const r = new protobuf.Root();
    r.resolvePath = (_origin, target) => PROTOS_DIR + target;
    r.loadSync(PROTO_FILES, { keepCase: true });
    r.resolveAll();
    root = r;
  }
  return root;
}

/** Names that hit real state (the bundled server, its replicas) next to ones that hit nothing. */
const NAMES = ["mlserver", "mlserver-0", "iris", "fuzz", "", " ", "Mlserver", "a.b", "x:1", "../etc/passwd", "%s%d%n", "\u0000", "名前", "x".repeat(300)];

const stringArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NAMES) },
  { weight: 2, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 12 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 20_000 }).map((n) => "y".repeat(n)) },
);

const uint64Arb = fc.oneof(
  fc.constantFrom("0", "1", "1073741824", "9007199254740992", "9007199254740993", "9223372036854775808", "18446744073709551615"),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
);
const int64Arb = fc.oneof(
  fc.constantFrom("-1", "-9223372036854775808", "9223372036854775807", "0"),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
);

function scalar(field: protobuf.Field, depth: number): fc.Arbitrary<unknown> {
  const t = field.resolvedType;
  if (t instanceof protobuf.Enum) {
    return fc.oneof(fc.constantFrom(...Object.values(t.values)), fc.integer({ min: 0, max: 1_000 }));
  }
  if (t instanceof protobuf.Type) return depth > 0 ? messageArb(t, depth - 1) : fc.constant({});
  switch (field.type) {
    case "string": return stringArb;
    case "bool": return fc.boolean();
    case "bytes": return fc.uint8Array({ maxLength: 32 });
    case "uint32": case "fixed32": return fc.oneof(fc.constantFrom(0, 1, 2, 0xffff_ffff), fc.nat());
    case "int32": case "sint32": case "sfixed32": return fc.oneof(fc.constantFrom(-0x8000_0000, -1, 0, 0x7fff_ffff), fc.integer());
    case "uint64": case "fixed64": return uint64Arb;
    case "int64": case "sint64": case "sfixed64": return int64Arb;
    case "float": case "double": return fc.double();
    default: return fc.constant(undefined);
  }
}

/** A plain object for `type`, every field optional. */
export function messageArb(type: protobuf.Type, depth = 3): fc.Arbitrary<Record<string, unknown>> {
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of type.fieldsArray) {
    field.resolve();
    const one = scalar(field, depth);
    if (field instanceof protobuf.MapField) {
      shape[field.name] = fc.dictionary(fc.constantFrom("0", "1", "a", "4294967295"), one, { maxKeys: 3 });
    } else if (field.repeated) {
      shape[field.name] = fc.array(one, { maxLength: 3 });
    } else {
      shape[field.name] = one;
    }
  }
  return fc.record(shape, { requiredKeys: [] }) as fc.Arbitrary<Record<string, unknown>>;
}

/** Bytes for a request of `type`: a generated message encoded, or raw bytes. */
export function requestBytesArb(type: protobuf.Type): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 5, arbitrary: messageArb(type).map((m) => Buffer.from(type.encode(m).finish())) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) },
  );
}

export interface MethodInfo {
  service: string;
  name: string;
  path: string;
  requestType: protobuf.Type;
  requestStream: boolean;
  responseStream: boolean;
}

export function methodsOf(service: string): MethodInfo[] {
  const svc = protoRoot().lookupService(service);
  return svc.methodsArray.map((m) => {
    m.resolve();
    return {
      service, name: m.name, path: `/${service}/${m.name}`,
      requestType: m.resolvedRequestType!, requestStream: !!m.requestStream, responseStream: !!m.responseStream,
    };
  });
}
