/**
 * Reading a string field. protobufjs's `BufferReader#string` hands every string to
 * `Buffer#utf8Slice`, a call into C++ that makes a new string each time, though most of ours are
 * short names seen over and over (a model's name, its server, the namespace, its URI) and each
 * new copy is hashed again by the first map it is looked up in. Short ASCII strings are kept in a
 * small table by a hash of their bytes: when the bytes match the string already there, that
 * string is the answer, with no call and no allocation; otherwise `utf8Slice` reads it as before
 * and an ASCII result takes the slot. The bounds are protobufjs's: a length past the end of the
 * message is cut at the end.
 */
import protobuf from "protobufjs";

type Reader = protobuf.Reader;
interface Raw {
  buf: Uint8Array & { utf8Slice?(start: number, end: number): string };
  pos: number;
  len: number;
}

/** Strings this long or longer are not kept. */
const KEEP_BELOW = 48;
/** Slots in the table (a power of two); one string per slot, the latest read. */
const SLOTS = 4096;
const table: string[] = new Array<string>(SLOTS).fill("");

export function readString(r: Reader): string {
  const rr = r as unknown as Raw;
  const buf = rr.buf;
  // a reader over a plain Uint8Array has its own rules (it throws on a length past the end)
  if (buf.utf8Slice === undefined) return r.string();
  const len = r.uint32();
  const start = rr.pos;
  const end = Math.min(start + len, rr.len);
  rr.pos = end;
  const n = end - start;
  if (n === 0) return "";
  if (n >= KEEP_BELOW) return buf.utf8Slice(start, end);
  let h = n;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  const slot = h & (SLOTS - 1);
  const kept = table[slot]!;
  if (kept.length === n) {
    let i = 0;
    while (i < n && kept.charCodeAt(i) === buf[start + i]) i++;
    if (i === n) return kept;
  }
  const fresh = buf.utf8Slice(start, end);
  // only ASCII is kept: its characters are its bytes, which is what the match above compares
  if (fresh.length === n && isAscii(fresh)) table[slot] = fresh;
  return fresh;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}
