import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { DATATYPES, TensorError, outputTensor, packRaw, readFromContents, readFromRaw, type Tensor } from "../../src/mlserver/tensors.ts";
import { LoadBehaviours } from "../../src/mlserver/faults.ts";
import { Status } from "../../src/core/protocol.ts";
import { httpStatusOf, restWording } from "../../src/mlserver/errors.ts";

/** Elements of each datatype that survive the datatype's raw encoding exactly. */
function elements(datatype: string): fc.Arbitrary<unknown> {
  switch (datatype) {
    case "BOOL": return fc.boolean();
    case "UINT8": return fc.integer({ min: 0, max: 255 });
    case "UINT16": return fc.integer({ min: 0, max: 65535 });
    case "UINT32": return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    case "UINT64": return fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
    case "INT8": return fc.integer({ min: -128, max: 127 });
    case "INT16": return fc.integer({ min: -32768, max: 32767 });
    case "INT32": return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case "INT64": return fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
    case "FP32": return fc.float({ noNaN: true }).map((x) => Math.fround(x));
    case "FP64": return fc.double({ noNaN: true });
    case "BYTES": return fc.uint8Array({ maxLength: 6 }).map((a) => Buffer.from(a));
    default: throw new Error(datatype);
  }
}

const typed = Object.keys(DATATYPES).filter((d) => DATATYPES[d]?.field !== undefined);

describe("tensor encodings", () => {
  it("typed contents → raw → decoded gives back the same elements, for every datatype", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...typed).chain((datatype) => fc.tuple(fc.constant(datatype), fc.array(elements(datatype), { maxLength: 8 }))),
        ([datatype, data]) => {
          const field = DATATYPES[datatype]?.field;
          if (!field) throw new Error("typed");
          const t = readFromContents({ name: "x", datatype, shape: [data.length], contents: { [field]: data } });
          const raw = packRaw(t);
          const back = readFromRaw({ name: "x", datatype, shape: [data.length] }, raw, 0);
          expect(back.data).toEqual(data);
          expect(packRaw(back).equals(raw)).toBe(true);
          // And typed outputs carry the elements in the datatype's own field.
          expect(outputTensor(t, false).tensor.contents).toEqual({ [field]: data });
        },
      ),
    );
  });

  it("raw sizes per element", () => {
    const t: Tensor = { name: "x", datatype: "INT16", shape: [3], data: [1, -1, 256] };
    expect(packRaw(t).toString("hex")).toBe("0100ffff0001");
    expect(packRaw({ name: "x", datatype: "FP64", shape: [1], data: [1] }).length).toBe(8);
    expect(packRaw({ name: "x", datatype: "BOOL", shape: [2], data: [true, false] }).toString("hex")).toBe("0100");
  });

  it("a BYTES raw entry with a truncated length prefix is rejected", () => {
    expect(() => readFromRaw({ name: "s", datatype: "BYTES", shape: [1] }, Buffer.from([1, 0, 0, 0, 0x61, 0, 0]), 0)).toThrow(
      /element 1 has a truncated 4-byte length prefix/,
    );
  });

  it("wrong element types are rejected", () => {
    expect(() => readFromContents({ name: "x", datatype: "INT32", shape: [1], contents: { int_contents: [1.5] } })).toThrow(TensorError);
    expect(() => readFromContents({ name: "x", datatype: "UINT8", shape: [1], contents: { uint_contents: [-1] } })).toThrow(/out of range/);
  });
});

describe("load behaviour rules", () => {
  it("globs match whole names; ? is one character; regex characters are literal", () => {
    const b = new LoadBehaviours();
    b.set({ delayMs: 1 }, "iris_?");
    b.set({ delayMs: 2 }, "a.b*");
    expect(b.behaviourFor("iris_1")).toEqual({ delayMs: 1 });
    expect(b.behaviourFor("iris_12")).toEqual({});
    expect(b.behaviourFor("xiris_1")).toEqual({});
    expect(b.behaviourFor("a.b_3")).toEqual({ delayMs: 2 });
    expect(b.behaviourFor("aXb_3")).toEqual({});
  });

  it("setting the same pattern again replaces it and makes it the latest", () => {
    const b = new LoadBehaviours();
    b.set({ delayMs: 1 }, "m*");
    b.set({ delayMs: 2 }, "*_1");
    expect(b.behaviourFor("m_1")).toEqual({ delayMs: 2 });
    b.set({ delayMs: 3 }, "m*");
    expect(b.behaviourFor("m_1")).toEqual({ delayMs: 3 });
    b.set({ delayMs: 4 }, /^m/g);
    expect(b.behaviourFor("m_1")).toEqual({ delayMs: 4 });
    expect(b.behaviourFor("m_1")).toEqual({ delayMs: 4 }); // a global regex keeps no state between matches
  });

  it("outcomes: failCode alone fails; OOM wins over fail", () => {
    const b = new LoadBehaviours();
    b.set({ failCode: Status.UNAVAILABLE });
    expect(b.outcomeFor("x")).toEqual({ delayMs: 0, error: { code: Status.UNAVAILABLE, details: "injected load failure" } });
    b.set({ delayMs: 9, fail: "f", outOfMemory: true });
    expect(b.outcomeFor("x")).toEqual({ delayMs: 9, error: { code: Status.INTERNAL, details: "Worker process stopped unexpectedly with exit code -9." } });
  });
});

describe("error mapping", () => {
  it("gRPC codes to MLServer's HTTP statuses", () => {
    expect(httpStatusOf(Status.INVALID_ARGUMENT)).toBe(400);
    expect(httpStatusOf(Status.NOT_FOUND)).toBe(404);
    expect(httpStatusOf(Status.FAILED_PRECONDITION)).toBe(422);
    expect(httpStatusOf(Status.INTERNAL)).toBe(500);
    expect(httpStatusOf(Status.UNKNOWN)).toBe(500);
  });

  it("REST wording drops an empty version only", () => {
    expect(restWording("Model m with version  not found")).toBe("Model m not found");
    expect(restWording("Model m with version  is not ready yet.")).toBe("Model m is not ready yet.");
    expect(restWording("Model m with version 2 not found")).toBe("Model m with version 2 not found");
  });
});
