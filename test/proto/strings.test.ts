import { describe, expect, it } from "vitest";
import fc from "fast-check";
import protobuf from "protobufjs";
import { readString } from "../../src/proto/strings.ts";

/** A length-prefixed field body as protobuf writes it. */
function field(bytes: Uint8Array, claimed = bytes.length): Buffer {
  const w = protobuf.Writer.create();
  w.uint32(claimed);
  return Buffer.concat([Buffer.from(w.finish()), Buffer.from(bytes)]);
}

/** Reads every string of `buf` (`count` of them) through `read`, with the reader's end at `len`. */
function readAll(buf: Uint8Array, count: number, len: number, read: (r: protobuf.Reader) => string): { values: string[]; pos: number } {
  const r = protobuf.Reader.create(buf);
  r.len = len;
  const values: string[] = [];
  for (let i = 0; i < count && r.pos < r.len; i++) values.push(read(r));
  return { values, pos: r.pos };
}

const slow = (r: protobuf.Reader) => r.string();

describe("reading a string field", () => {
  // few distinct bytes, so the same strings come back (kept ones are matched) and slots collide
  const few = fc.uint8Array({ maxLength: 60 }).map((a) => a.map((b) => (b % 7 === 0 ? b : 97 + (b % 3))));
  const bytes = fc.oneof(few, fc.uint8Array({ maxLength: 60 }), fc.string({ unit: "grapheme", maxLength: 20 }).map((s) => new Uint8Array(Buffer.from(s))));

  it("gives what protobufjs's reader gives, kept or not, whatever the bytes", () => {
    fc.assert(
      fc.property(fc.array(bytes, { minLength: 1, maxLength: 12 }), (fields) => {
        const buf = Buffer.concat(fields.map((f) => field(f)));
        // read twice: the second time every short ASCII string is already kept
        for (let round = 0; round < 2; round++) {
          expect(readAll(buf, fields.length, buf.length, readString)).toEqual(readAll(buf, fields.length, buf.length, slow));
        }
      }),
      { seed: 7, numRuns: 2000 },
    );
  });

  it("cuts a length past the message's end at the end, as protobufjs's buffer reader does", () => {
    fc.assert(
      fc.property(bytes, fc.nat(80), fc.nat(80), (b, claimed, cut) => {
        const buf = field(b, claimed);
        const len = Math.min(buf.length, 1 + cut);
        expect(readAll(buf, 1, len, readString)).toEqual(readAll(buf, 1, len, slow));
      }),
      { seed: 8, numRuns: 2000 },
    );
  });

  it("leaves a reader over a plain Uint8Array to protobufjs, which throws past the end", () => {
    const plain = new Uint8Array(field(new Uint8Array([104, 105]), 5));
    expect(() => readString(protobuf.Reader.create(plain))).toThrow(RangeError);
    expect(readString(protobuf.Reader.create(new Uint8Array(field(new Uint8Array([104, 105])))))).toBe("hi");
  });
});
