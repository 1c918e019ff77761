import { describe, expect, it } from "vitest";
import fc from "fast-check";
import protobuf from "protobufjs";
import { ByteWriter, CHUNK_SIZE } from "../../src/proto/writer.ts";

/**
 * One message as a list of writes: strings, nested messages of any depth, varints, and values
 * under a tag of their own (one byte below 128, more above), which our writer writes with `tag`
 * and `nested` where protobufjs's writes `uint32(tag)` and `uint32(tag).fork()`.
 */
type Part = { s: string } | { n: number } | { nested: Part[] } | { tag: number; n: number } | { tag: number; nested: Part[] };
const anyTag = fc.oneof(fc.integer({ min: 8, max: 127 }), fc.integer({ min: 128, max: 2 ** 29 - 1 }).map((t) => t >>> 0));
const part: fc.Arbitrary<Part> = fc.letrec<{ part: Part }>((tie) => ({
  part: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    // long strings make nested lengths of two and three bytes and run over chunk ends
    fc.record({ s: fc.oneof(fc.string({ maxLength: 20 }), fc.nat(20_000).map((k) => "x".repeat(k)), fc.string({ unit: "grapheme", maxLength: 30 })) }),
    fc.record({ n: fc.nat() }),
    fc.record({ nested: fc.array(tie("part"), { maxLength: 4 }) }),
    fc.record({ tag: anyTag, n: fc.nat() }),
    fc.record({ tag: anyTag, nested: fc.array(tie("part"), { maxLength: 4 }) }),
  ),
})).part;

interface AnyWriter { uint32(v: number): unknown; string(v: string): unknown; fork(): unknown; ldelim(): unknown }

function write(w: AnyWriter, parts: Part[]): void {
  for (const p of parts) {
    if ("tag" in p) {
      const ours = w instanceof ByteWriter;
      if ("n" in p) {
        if (ours) w.tag(p.tag);
        else w.uint32(p.tag);
        w.uint32(p.n);
      } else {
        if (ours) w.nested(p.tag);
        else (w.uint32(p.tag), w.fork());
        write(w, p.nested);
        w.ldelim();
      }
    } else if ("s" in p) (w.uint32(10), w.string(p.s));
    else if ("n" in p) (w.uint32(16), w.uint32(p.n));
    else {
      w.uint32(26);
      w.fork();
      write(w, p.nested);
      w.ldelim();
    }
  }
}

describe("one writer for message after message", () => {
  it("gives each protobufjs's bytes, and what it handed out earlier stays as it was, across chunk ends", () => {
    fc.assert(
      fc.property(fc.array(fc.array(part, { maxLength: 6 }), { minLength: 1, maxLength: 30 }), (messages) => {
        const ours = new ByteWriter();
        const out: Buffer[] = [];
        const expected: Buffer[] = [];
        for (const m of messages) {
          ours.reset();
          write(ours, m);
          out.push(ours.finish());
          const theirs = protobuf.Writer.create();
          write(theirs, m);
          expected.push(Buffer.from(theirs.finish()));
          expect(out.at(-1)!.equals(expected.at(-1)!)).toBe(true);
        }
        for (let i = 0; i < out.length; i++) expect(out[i]!.equals(expected[i]!)).toBe(true);
      }),
      { seed: 16, numRuns: 300 },
    );
  });

  it("moves a message whose nested length needs more bytes right at the end of a chunk", () => {
    // a first message of each size that puts the second one's nested end at or near the chunk's end
    for (let first = CHUNK_SIZE - 400; first <= CHUNK_SIZE; first++) {
      for (const inner of [127, 128, 200, 16_383, 16_384]) {
        const m1: Part[] = [{ s: "a".repeat(first) }];
        const m2: Part[] = [{ nested: [{ n: 1 }, { nested: [{ s: "b".repeat(inner) }] }] }];
        const w = new ByteWriter();
        const out = [m1, m2].map((m) => (w.reset(), write(w, m), w.finish()));
        const expected = [m1, m2].map((m) => {
          const theirs = protobuf.Writer.create();
          write(theirs, m);
          return Buffer.from(theirs.finish());
        });
        expect(out[0]!.equals(expected[0]!) && out[1]!.equals(expected[1]!), `${first} ${inner}`).toBe(true);
      }
    }
  });

  it("starts after what an encoding that threw left half written", () => {
    const w = new ByteWriter();
    w.reset();
    w.uint32(10).string("kept");
    const first = w.finish();
    w.reset();
    w.uint32(26).fork().uint32(10).string("abandoned");
    w.reset();
    w.uint32(10).string("next");
    expect(w.finish().toString("latin1")).toBe("\n\x04next");
    expect(first.toString("latin1")).toBe("\n\x04kept");
  });
});
