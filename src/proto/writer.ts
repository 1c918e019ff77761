/**
 * A protobuf writer with the method names and the byte output of protobufjs's `BufferWriter`,
 * writing straight into one growing buffer. protobufjs queues one operation object per value and
 * one state object per nested message, then copies everything out in `finish`; here a nested
 * message reserves one byte for its length and, in the rare case its length needs more, moves
 * its own bytes along when it ends. Varints are canonical either way, so the bytes are the same.
 *
 * Messages are written one after the other into a chunk, and `finish` hands out the part a
 * message took as a view, as Node's own pool hands out small buffers: no copy and no buffer of
 * its own per message. A chunk's bytes are never written again once handed out; a message that
 * does not fit moves to a new chunk.
 *
 * Two writes are its own: `tag` (a field's tag, one byte for the field numbers of our protos)
 * and `nested` (a tag and `fork` in one), which the codec's generated encoders write a few dozen
 * times per message; they give the bytes of `uint32(tag)` and `uint32(tag).fork()`.
 *
 * Values are written as protobufjs writes them, including its coercions (`>>> 0`, `LongBits`),
 * but only the values the codec hands over: numbers, booleans, strings, `Long`s and byte arrays.
 * Anything else in a bytes field throws, and the caller then falls back to protobufjs itself.
 */
import protobuf from "protobufjs";

interface Bits {
  lo: number;
  hi: number;
  zzEncode(): Bits;
}
interface LongBitsStatic {
  from(value: unknown): Bits;
  fromNumber(value: number): Bits;
}

const util = protobuf.util;
const LongBits = util.LongBits as unknown as LongBitsStatic;
const float = util.float as unknown as {
  writeFloatLE(v: number, buf: Uint8Array, pos: number): void;
  writeDoubleLE(v: number, buf: Uint8Array, pos: number): void;
};
const utf8Write = (util.utf8 as unknown as { write(s: string, buf: Uint8Array, pos: number): number }).write;

/** The size of a chunk: a couple of Node's 8 KiB pools, a hundred or so of our messages. */
export const CHUNK_SIZE = 16 * 1024;
/** Strings shorter than this are tried as ASCII first (see `string`); must stay below 128. */
const ASCII_LOOP_BELOW = 40;
const KEEP_AT_MOST = 1 << 20;

export class ByteWriter {
  private buf: Buffer;
  /** Where the message being written starts in `buf`; what is before it has been handed out. */
  private start = 0;
  private pos = 0;
  /** Where each open nested message's reserved length byte is. */
  private readonly open: number[] = [];

  constructor() {
    this.buf = Buffer.allocUnsafe(CHUNK_SIZE);
  }

  /** Ready for the next message, after the last one (an encoding that threw leaves its bytes
   * unused). A chunk grown past 1 MiB for one large message is dropped, so the writer kept
   * between encodings stays small. */
  reset(): void {
    this.start = this.pos;
    // only an encoding that threw leaves a nested value open; setting the length costs even at 0
    if (this.open.length !== 0) this.open.length = 0;
    if (this.buf.length > KEEP_AT_MOST) {
      this.buf = Buffer.allocUnsafe(CHUNK_SIZE);
      this.start = this.pos = 0;
    }
  }

  /** Makes room for `n` more bytes: when the chunk is full, the message so far moves to the
   * front of a new one (at least twice its size, so a large message is copied O(1) times per
   * byte), and the open nested values' length bytes move with it. */
  private room(n: number): void {
    // the check alone, so that it is inlined into every write; the move is `grow`'s
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  private grow(n: number): void {
    const used = this.pos - this.start;
    const next = Buffer.allocUnsafe(Math.max(CHUNK_SIZE, 2 * (used + n)));
    this.buf.copy(next, 0, this.start, this.pos);
    for (let i = 0; i < this.open.length; i++) this.open[i]! -= this.start;
    this.buf = next;
    this.start = 0;
    this.pos = used;
  }

  /** The bytes written, as a view of the chunk that nothing writes again. */
  finish(): Buffer {
    if (this.open.length !== 0) throw new Error("unterminated nested message");
    const out = this.buf.subarray(this.start, this.pos);
    this.start = this.pos;
    return out;
  }

  private varint32(v: number): void {
    this.room(5);
    const buf = this.buf;
    let pos = this.pos;
    while (v > 127) {
      buf[pos++] = (v & 127) | 128;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.pos = pos;
  }

  private varint64(lo: number, hi: number): void {
    this.room(10);
    const buf = this.buf;
    let pos = this.pos;
    while (hi) {
      buf[pos++] = (lo & 127) | 128;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    while (lo > 127) {
      buf[pos++] = (lo & 127) | 128;
      lo = lo >>> 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
  }

  private fixed32raw(v: number): void {
    this.room(4);
    const buf = this.buf;
    const pos = this.pos;
    buf[pos] = v & 255;
    buf[pos + 1] = (v >>> 8) & 255;
    buf[pos + 2] = (v >>> 16) & 255;
    buf[pos + 3] = v >>> 24;
    this.pos = pos + 4;
  }

  uint32(value: number): this {
    this.varint32(value >>> 0);
    return this;
  }

  int32(value: number): this {
    value |= 0;
    if (value < 0) {
      const b = LongBits.fromNumber(value);
      this.varint64(b.lo, b.hi);
    } else this.varint32(value);
    return this;
  }

  sint32(value: number): this {
    this.varint32(((value << 1) ^ (value >> 31)) >>> 0);
    return this;
  }

  fixed32(value: number): this {
    this.fixed32raw(value >>> 0);
    return this;
  }

  sfixed32(value: number): this {
    return this.fixed32(value);
  }

  /** A 64-bit value: a non-negative number below 2^32 is its own low word, as in `LongBits`. */
  private bits(value: unknown): Bits | null {
    if (typeof value === "number" && value >= 0 && value <= 0xffffffff && Number.isInteger(value)) return null;
    return LongBits.from(value);
  }

  uint64(value: unknown): this {
    const b = this.bits(value);
    if (b === null) this.varint32(value as number);
    else this.varint64(b.lo, b.hi);
    return this;
  }

  int64(value: unknown): this {
    return this.uint64(value);
  }

  sint64(value: unknown): this {
    const b = LongBits.from(value);
    // `from` returns a shared zero, which zig-zag encoding leaves as it is.
    const z = b.zzEncode();
    this.varint64(z.lo, z.hi);
    return this;
  }

  fixed64(value: unknown): this {
    const b = LongBits.from(value);
    this.fixed32raw(b.lo);
    this.fixed32raw(b.hi);
    return this;
  }

  sfixed64(value: unknown): this {
    return this.fixed64(value);
  }

  bool(value: boolean): this {
    this.room(1);
    this.buf[this.pos++] = value ? 1 : 0;
    return this;
  }

  float(value: number): this {
    this.room(4);
    float.writeFloatLE(value, this.buf, this.pos);
    this.pos += 4;
    return this;
  }

  double(value: number): this {
    this.room(8);
    float.writeDoubleLE(value, this.buf, this.pos);
    this.pos += 8;
    return this;
  }

  /**
   * As `BufferWriter#string`: `Buffer.byteLength`, then protobufjs's UTF-8 under 40 characters.
   * A short ASCII string (most names and ids) is its own UTF-8, one byte per character: one JS
   * loop writes it, where measuring it and copying it were two calls that each walk it; at 40
   * characters and more the native write is the faster.
   */
  string(value: string): this {
    const n = value.length;
    if (n < ASCII_LOOP_BELOW) {
      this.room(n + 1);
      const buf = this.buf;
      const start = this.pos;
      let i = 0;
      for (; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + 1 + i] = c;
      }
      if (i === n) {
        // n < 128: the length is a one-byte varint
        buf[start] = n;
        this.pos = start + 1 + n;
        return this;
      }
      // not ASCII: the general path below overwrites what the loop wrote
    }
    const len = Buffer.byteLength(value);
    this.varint32(len);
    if (len) {
      this.room(len);
      if (value.length < 40) utf8Write(value, this.buf, this.pos);
      else (this.buf as unknown as { utf8Write(s: string, at: number): number }).utf8Write(value, this.pos);
      this.pos += len;
    }
    return this;
  }

  bytes(value: Uint8Array): this {
    if (!(value instanceof Uint8Array)) throw new TypeError("bytes: not a byte array");
    const len = value.length;
    this.varint32(len);
    if (len) {
      this.room(len);
      this.buf.set(value, this.pos);
      this.pos += len;
    }
    return this;
  }

  /** A field's tag (a varint; one byte for field numbers below 16). */
  tag(value: number): this {
    if (value < 128) {
      this.room(1);
      this.buf[this.pos++] = value;
    } else this.varint32(value >>> 0);
    return this;
  }

  /** A length-delimited nested value's tag, and the value opened (as `uint32(tag).fork()`). */
  nested(tag: number): this {
    if (tag >= 128) return this.uint32(tag).fork();
    this.room(2);
    this.buf[this.pos] = tag;
    this.open.push(this.pos + 1);
    this.pos += 2;
    return this;
  }

  /** Opens a length-delimited nested value (its tag already written). */
  fork(): this {
    this.room(1);
    this.open.push(this.pos);
    this.pos += 1;
    return this;
  }

  /** Closes the innermost nested value: its length goes into the byte `fork` reserved. */
  ldelim(): this {
    const open = this.open;
    if (open.length === 0) throw new Error("ldelim without fork");
    let at = open[open.length - 1]!;
    const len = this.pos - at - 1;
    if (len < 128) {
      open.pop();
      this.buf[at] = len;
      return this;
    }
    const size = len < 16384 ? 2 : len < 2097152 ? 3 : len < 268435456 ? 4 : 5;
    // `room` may move the message, and with it the place it keeps in `open`
    this.room(size - 1);
    at = open.pop()!;
    this.buf.copyWithin(at + size, at + 1, this.pos);
    this.pos += size - 1;
    let v = len;
    let p = at;
    while (v > 127) {
      this.buf[p++] = (v & 127) | 128;
      v >>>= 7;
    }
    this.buf[p] = v;
    return this;
  }
}
