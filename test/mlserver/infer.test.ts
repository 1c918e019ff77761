import { describe, expect, it } from "vitest";
import { Status } from "../../src/core/protocol.ts";
import { M } from "../../src/proto/index.ts";
import { MlServer } from "../../src/mlserver/server.ts";
import { packBytesElements } from "../../src/mlserver/tensors.ts";
import type { PbModelInferResponse } from "../../src/mlserver/messages.ts";
import { Driver } from "./harness.ts";

const I = M.inference;

function withModel(model = "iris_1"): Driver {
  const d = new Driver(new MlServer({ name: "mlserver-0" })).start();
  expect(d.call(I.RepositoryModelLoad, { model_name: model }).status.code).toBe(Status.OK);
  return d;
}

function infer(d: Driver, request: object) {
  const o = d.call(I.ModelInfer, { model_name: "iris_1", model_version: "", ...request });
  return { status: o.status, message: o.message as PbModelInferResponse | undefined };
}

function le(kind: "f32" | "f64" | "i32" | "i64", values: number[]): Buffer {
  const size = kind === "f32" || kind === "i32" ? 4 : 8;
  const b = Buffer.alloc(values.length * size);
  values.forEach((v, i) => {
    if (kind === "f32") b.writeFloatLE(v, i * 4);
    else if (kind === "f64") b.writeDoubleLE(v, i * 8);
    else if (kind === "i32") b.writeInt32LE(v, i * 4);
    else b.writeBigInt64LE(BigInt(v), i * 8);
  });
  return b;
}

describe("ModelInfer: identity via typed contents", () => {
  it("FP32", () => {
    const d = withModel();
    const { status, message } = infer(d, {
      id: "req-1",
      inputs: [{ name: "x", datatype: "FP32", shape: [2, 2], contents: { fp32_contents: [1.5, -2.25, 0, 1024] } }],
    });
    expect(status.code).toBe(Status.OK);
    expect(message).toMatchObject({ model_name: "iris_1", model_version: "1", id: "req-1" });
    expect(message?.outputs).toHaveLength(1);
    // a client decodes int64 shapes as decimal strings (PROTO_LOAD_OPTIONS.longs)
    expect(message?.outputs[0]).toMatchObject({ name: "output-0", datatype: "FP32", shape: ["2", "2"], contents: { fp32_contents: [1.5, -2.25, 0, 1024] } });
    expect(message?.raw_output_contents ?? []).toEqual([]);
  });

  it("INT64 and BYTES together, outputs named by position", () => {
    const d = withModel();
    const { message } = infer(d, {
      inputs: [
        { name: "ids", datatype: "INT64", shape: [3], contents: { int64_contents: [-5, 0, 2 ** 40] } },
        { name: "text", datatype: "BYTES", shape: [2], contents: { bytes_contents: [Buffer.from("héllo"), Buffer.from("")] } },
      ],
    });
    expect(message?.outputs.map((o) => o.name)).toEqual(["output-0", "output-1"]);
    expect(message?.outputs[0]?.contents?.int64_contents).toEqual(["-5", "0", String(2 ** 40)]);
    expect(message?.outputs[1]?.datatype).toBe("BYTES");
    expect(message?.outputs[1]?.contents?.bytes_contents?.map((b) => Buffer.from(b).toString())).toEqual(["héllo", ""]);
  });

  it("BOOL, INT32, FP64, UINT8", () => {
    const d = withModel();
    const { message } = infer(d, {
      inputs: [
        { name: "b", datatype: "BOOL", shape: [2], contents: { bool_contents: [true, false] } },
        { name: "i", datatype: "INT32", shape: [1], contents: { int_contents: [-7] } },
        { name: "f", datatype: "FP64", shape: [1, 1], contents: { fp64_contents: [0.1] } },
        { name: "u", datatype: "UINT8", shape: [2], contents: { uint_contents: [0, 255] } },
      ],
    });
    expect(message?.outputs.map((o) => o.contents)).toEqual([
      expect.objectContaining({ bool_contents: [true, false] }),
      expect.objectContaining({ int_contents: [-7] }),
      expect.objectContaining({ fp64_contents: [0.1] }),
      expect.objectContaining({ uint_contents: [0, 255] }),
    ]);
  });

  it("accepts the model's own version, echoes an empty id", () => {
    const d = withModel();
    const { status, message } = infer(d, { model_version: "1", inputs: [] });
    expect(status.code).toBe(Status.OK);
    expect(message?.id ?? "").toBe("");
    expect(message?.outputs ?? []).toEqual([]);
  });
});

describe("ModelInfer: identity via raw_input_contents", () => {
  it("FP32, INT64 and BYTES come back in raw_output_contents byte for byte", () => {
    const d = withModel();
    const raw = [le("f32", [1.5, -2, 3.25]), le("i64", [1, -1, 2 ** 50]), packBytesElements(["a", "bc", ""])];
    const { status, message } = infer(d, {
      id: "raw-1",
      inputs: [
        { name: "x", datatype: "FP32", shape: [1, 3] },
        { name: "y", datatype: "INT64", shape: [3] },
        { name: "z", datatype: "BYTES", shape: [3] },
      ],
      raw_input_contents: raw,
    });
    expect(status.code).toBe(Status.OK);
    expect(message?.id).toBe("raw-1");
    expect(message?.outputs.map((o) => [o.name, o.datatype, o.shape])).toEqual([
      ["output-0", "FP32", ["1", "3"]],
      ["output-1", "INT64", ["3"]],
      ["output-2", "BYTES", ["3"]],
    ]);
    // Raw responses carry no typed contents.
    for (const o of message?.outputs ?? []) expect(Object.values(o.contents ?? {}).every((v) => (v as unknown[]).length === 0)).toBe(true);
    expect(message?.raw_output_contents?.map((b) => Buffer.from(b).toString("hex"))).toEqual(raw.map((b) => b.toString("hex")));
  });

  it("raw INT64 beyond 2^53 and odd BOOL bytes come back unchanged", () => {
    const d = withModel();
    const big = Buffer.from("0101010101010101ffffffffffffff7f", "hex");
    const bools = Buffer.from([2, 0]);
    const { message } = infer(d, {
      inputs: [
        { name: "n", datatype: "INT64", shape: [2] },
        { name: "b", datatype: "BOOL", shape: [2] },
      ],
      raw_input_contents: [big, bools],
    });
    expect(message?.raw_output_contents?.map((b) => Buffer.from(b).toString("hex"))).toEqual([big.toString("hex"), "0200"]);
  });

  it("BYTES raw elements are 4-byte little-endian length prefixed", () => {
    expect(packBytesElements(["ab"]).toString("hex")).toBe("020000006162");
  });

  it("BOOL, INT32 and FP64 raw", () => {
    const d = withModel();
    const raw = [Buffer.from([1, 0, 1]), le("i32", [-3, 4]), le("f64", [Math.PI])];
    const { message } = infer(d, {
      inputs: [
        { name: "b", datatype: "BOOL", shape: [3] },
        { name: "i", datatype: "INT32", shape: [2] },
        { name: "f", datatype: "FP64", shape: [] },
      ],
      raw_input_contents: raw,
    });
    expect(message?.raw_output_contents?.map((b) => Buffer.from(b).toString("hex"))).toEqual(raw.map((b) => b.toString("hex")));
  });

  it("mixed: inputs with typed contents keep them, the others take raw entries in order; the response is all raw", () => {
    const d = withModel();
    const { status, message } = infer(d, {
      inputs: [
        { name: "a", datatype: "INT32", shape: [1], contents: { int_contents: [9] } },
        { name: "b", datatype: "FP32", shape: [1] },
      ],
      raw_input_contents: [le("f32", [0.5])],
    });
    expect(status.code).toBe(Status.OK);
    expect(message?.raw_output_contents?.map((b) => Buffer.from(b).toString("hex"))).toEqual([le("i32", [9]).toString("hex"), le("f32", [0.5]).toString("hex")]);
  });

  it("FP16 travels raw", () => {
    const d = withModel();
    const raw = Buffer.from([0x00, 0x3c, 0x00, 0xc0]); // 1.0, -2.0
    const { status, message } = infer(d, { inputs: [{ name: "h", datatype: "FP16", shape: [2] }], raw_input_contents: [raw] });
    expect(status.code).toBe(Status.OK);
    expect(Buffer.from(message?.raw_output_contents?.[0] ?? []).equals(raw)).toBe(true);
  });
});

describe("ModelInfer: model lookup", () => {
  it("unknown model → NOT_FOUND with MLServer's text", () => {
    const d = withModel();
    expect(infer(d, { model_name: "nope", inputs: [] }).status).toEqual({ code: Status.NOT_FOUND, details: "Model nope with version  not found" });
    expect(infer(d, { model_version: "2", inputs: [] }).status).toEqual({ code: Status.NOT_FOUND, details: "Model iris_1 with version 2 not found" });
  });

  it("model still loading → INVALID_ARGUMENT 'not ready yet' (MLServer's ModelNotReady is a 400)", () => {
    const d = new Driver(new MlServer({ name: "mlserver-0" })).start();
    d.server.setLoadBehaviour({ delayMs: 10 });
    d.send(I.RepositoryModelLoad, { model_name: "iris_1" });
    expect(infer(d, { inputs: [] }).status).toEqual({ code: Status.INVALID_ARGUMENT, details: "Model iris_1 with version  is not ready yet." });
    d.advance(10);
    expect(infer(d, { inputs: [] }).status.code).toBe(Status.OK);
  });

  it("after unload → NOT_FOUND", () => {
    const d = withModel();
    expect(infer(d, { inputs: [] }).status.code).toBe(Status.OK);
    d.call(I.RepositoryModelUnload, { model_name: "iris_1" });
    expect(infer(d, { inputs: [] }).status.code).toBe(Status.NOT_FOUND);
  });
});

describe("ModelInfer: malformed tensors → INVALID_ARGUMENT", () => {
  const cases: [string, object, RegExp][] = [
    [
      "shape product ≠ element count",
      { inputs: [{ name: "x", datatype: "FP32", shape: [2, 2], contents: { fp32_contents: [1, 2, 3] } }] },
      /input "x": shape \[2, 2\] has 4 elements but fp32_contents has 3/,
    ],
    ["unknown datatype", { inputs: [{ name: "x", datatype: "FP128", shape: [1], contents: { fp64_contents: [1] } }] }, /input "x": unsupported datatype "FP128"/],
    [
      "contents field not matching the datatype",
      { inputs: [{ name: "x", datatype: "FP32", shape: [2], contents: { int64_contents: [1, 2] } }] },
      /input "x": datatype FP32 expects fp32_contents, got int64_contents/,
    ],
    [
      "raw length mismatch",
      { inputs: [{ name: "x", datatype: "FP32", shape: [3] }], raw_input_contents: [Buffer.alloc(10)] },
      /input "x": raw_input_contents\[0\] has 10 bytes, expected 12 \(3 x FP32 of 4 bytes\)/,
    ],
    [
      "raw BYTES element longer than the buffer",
      { inputs: [{ name: "s", datatype: "BYTES", shape: [1] }], raw_input_contents: [Buffer.from([5, 0, 0, 0, 0x61])] },
      /input "s": raw_input_contents\[0\] is malformed: element 0 declares 5 bytes but only 1 remain/,
    ],
    [
      "raw BYTES element count ≠ shape",
      { inputs: [{ name: "s", datatype: "BYTES", shape: [3] }], raw_input_contents: [packBytesElements(["a", "b"])] },
      /shape \[3\] has 3 elements but raw_input_contents\[0\] holds 2 BYTES elements/,
    ],
    [
      "more raw entries than inputs without contents",
      { inputs: [{ name: "x", datatype: "INT32", shape: [1] }], raw_input_contents: [le("i32", [1]), le("i32", [2])] },
      /raw_input_contents has 2 entries but only 1 inputs without typed contents/,
    ],
    [
      "fewer raw entries than inputs without contents",
      { inputs: [{ name: "x", datatype: "INT32", shape: [1] }, { name: "y", datatype: "INT32", shape: [1] }], raw_input_contents: [le("i32", [1])] },
      /input "y" has no typed contents and raw_input_contents has no entry left/,
    ],
    ["negative dimension", { inputs: [{ name: "x", datatype: "FP32", shape: [-1], contents: { fp32_contents: [] } }] }, /input "x": invalid shape \[-1\]/],
    ["INT8 out of range", { inputs: [{ name: "x", datatype: "INT8", shape: [1], contents: { int_contents: [300] } }] }, /element 0 \(300\) is out of range for INT8/],
    ["FP16 in typed contents", { inputs: [{ name: "h", datatype: "FP16", shape: [1], contents: { fp32_contents: [1] } }] }, /FP16 has no typed contents field/],
  ];

  for (const [title, request, message] of cases) {
    it(title, () => {
      const d = withModel();
      const { status } = infer(d, request);
      expect(status.code).toBe(Status.INVALID_ARGUMENT);
      expect(status.details).toMatch(message);
    });
  }
});
