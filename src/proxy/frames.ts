/**
 * gRPC's length-prefixed messages (1 byte compressed flag, 4 bytes big-endian length) cut out of
 * a byte stream that arrives in arbitrary chunks. Bounded: a declared length beyond `maxBytes`
 * stops decoding for the stream (the bytes still pass through untouched).
 */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  private broken = false;

  constructor(private readonly onMessage: (payload: Buffer, compressed: boolean) => void, private readonly maxBytes = 64 * 1024 * 1024) {}

  push(chunk: Buffer): void {
    if (this.broken) return;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    while (this.buf.length >= 5) {
      const len = this.buf.readUInt32BE(1);
      if (len > this.maxBytes) {
        this.broken = true;
        this.buf = Buffer.alloc(0);
        return;
      }
      if (this.buf.length < 5 + len) return;
      const compressed = this.buf[0] === 1;
      const payload = this.buf.subarray(5, 5 + len);
      this.buf = this.buf.subarray(5 + len);
      this.onMessage(Buffer.from(payload), compressed);
    }
  }
}
