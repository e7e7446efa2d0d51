/**
 * StrBuf: a string value that is mutated in place (Redis's raw sds). A plain JS string is
 * immutable, so SETRANGE/SETBIT/APPEND/BITFIELD on one would copy the whole value on every call;
 * the first in-place mutation turns the value into a StrBuf, a growable byte array with spare
 * capacity, which makes each later mutation cost O(bytes touched) amortized.
 *
 * A string key therefore holds either a binary string or a StrBuf (type 'string'); code that reads
 * string values generically uses the helpers at the end of this file.
 */
import { fromBytes } from '../bytes.ts';
import { RObject, stringEncoding, type Value } from '../keyspace/object.ts';

/** Object header, the Uint8Array and its ArrayBuffer, roughly, on V8. */
const STRBUF_OVERHEAD = 120;

export class StrBuf extends RObject {
  readonly type = 'string' as const;
  /** Bytes [0, len) are the value; the rest is spare capacity, always zero. */
  buf: Uint8Array;
  len: number;
  /**
   * OBJECT ENCODING says 'embstr': set for a value Redis creates with createStringObject, never
   * int-encoded (INCRBYFLOAT's "3"), until the first in-place mutation makes it 'raw'.
   */
  embstr = false;

  constructor(capacity = 0) {
    super();
    this.buf = new Uint8Array(capacity);
    this.len = 0;
  }

  /** A StrBuf holding a binary string's bytes, with room for `extra` more. */
  static from(s: string, extra = 0): StrBuf {
    const n = s.length;
    const sb = new StrBuf(growCapacity(n, n + extra));
    const buf = sb.buf;
    for (let i = 0; i < n; i++) buf[i] = s.charCodeAt(i);
    sb.len = n;
    return sb;
  }

  memory(): number {
    return STRBUF_OVERHEAD + this.buf.length;
  }

  encoding(): string {
    return this.embstr ? 'embstr' : 'raw';
  }

  get size(): number {
    return this.len;
  }

  clone(): StrBuf {
    const c = new StrBuf(0);
    c.buf = this.buf.slice(0, this.len);
    c.len = this.len;
    // dupStringObject keeps the encoding: a copied embstr is still embstr.
    c.embstr = this.embstr;
    return c;
  }

  /** The value as a binary string (O(N)). */
  override toString(): string {
    return fromBytes(this.buf, 0, this.len);
  }

  /** Bytes [start, end) as a binary string. */
  slice(start: number, end: number): string {
    return fromBytes(this.buf, start, end);
  }

  /** Makes the value at least n bytes long, zero-padded (sdsgrowzero). */
  growZero(n: number): void {
    if (n <= this.len) return;
    if (n > this.buf.length) this.realloc(growCapacity(this.len, n));
    // Spare capacity is kept zeroed, so extending is just moving len.
    this.len = n;
  }

  /** Writes a binary string at offset, growing (zero-padded) as needed. */
  setRange(offset: number, s: string): void {
    const n = s.length;
    this.growZero(offset + n);
    const buf = this.buf;
    for (let i = 0; i < n; i++) buf[offset + i] = s.charCodeAt(i);
  }

  /** Writes bytes at offset, growing (zero-padded) as needed. */
  setBytes(offset: number, src: Uint8Array): void {
    this.growZero(offset + src.length);
    this.buf.set(src, offset);
  }

  append(s: string): void {
    this.setRange(this.len, s);
  }

  private realloc(capacity: number): void {
    const next = new Uint8Array(capacity);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
}

/** sdsMakeRoomFor's policy: double below 1MB, then add 1MB, so appends are amortized O(1). */
const PREALLOC_MAX = 1024 * 1024;

function growCapacity(len: number, needed: number): number {
  if (needed <= len) return needed;
  return needed < PREALLOC_MAX ? needed * 2 : needed + PREALLOC_MAX;
}

// -----------------------------------------------------------------------------------------------
// Generic access to string values (plain binary string or StrBuf), for every family.

/** A string value as stored under a key. */
export type StringValue = string | StrBuf;

/** True when a key's value is a string (either form). */
export function isStringValue(v: Value): v is StringValue {
  return typeof v === 'string' || v.type === 'string';
}

/** The bytes of a string value as a binary string. */
export function stringValue(v: StringValue): string {
  return typeof v === 'string' ? v : v.toString();
}

/** Length in bytes of a string value (O(1)). */
export function stringLength(v: StringValue): number {
  return typeof v === 'string' ? v.length : v.len;
}

/** Byte at index i (0 <= i < length) of a string value. */
export function byteAt(v: StringValue, i: number): number {
  return typeof v === 'string' ? v.charCodeAt(i) : v.buf[i]!;
}

/** Bytes [start, end) of a string value as a binary string. */
export function stringSlice(v: StringValue, start: number, end: number): string {
  return typeof v === 'string' ? v.slice(start, end) : v.slice(start, end);
}

/** An independent copy (COPY, MOVE into a snapshot): plain strings are immutable and shared. */
export function copyStringValue(v: StringValue): StringValue {
  return typeof v === 'string' ? v : v.clone();
}

/** OBJECT ENCODING of a string value. */
export function stringValueEncoding(v: StringValue): string {
  return typeof v === 'string' ? stringEncoding(v) : v.encoding();
}
