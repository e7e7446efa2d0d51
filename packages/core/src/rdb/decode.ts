/**
 * Reading Redis's RDB object serialization (rdb.c rdbLoadObject), as DUMP payloads carry it:
 * every encoding Redis 7.x writes for strings (raw, integer, LZF), lists (quicklist of ziplists
 * or listpacks, plain nodes, the old linked list and ziplist), sets (intset, listpack, hashtable),
 * sorted sets (listpack, ziplist, skiplist with string or binary scores) and hashes (listpack,
 * ziplist, hashtable) and streams (types 15, 19 and 21, rdb/stream.ts). Modules are not read
 * (RESTORE answers Bad data format).
 *
 * Values are built through the types' own insert paths, so OBJECT ENCODING after RESTORE follows
 * the config limits as after the commands that would build the same contents (as rdbLoadObject
 * converts what it loads). Corrupt or truncated input throws BadData, never reads out of bounds.
 */
import { isInt64Text, parseDouble } from '../bytes.ts';
import type { EngineConfig } from '../config.ts';
import type { Value } from '../keyspace/object.ts';
import { RHash } from '../types/hash.ts';
import { RList } from '../types/list.ts';
import { HASHTABLE, INTSET, LISTPACK, RSet, type SetEncoding } from '../types/set.ts';
import { RZSet } from '../types/zset.ts';
import { crc64Halves } from './crc64.ts';
import { lzfDecompress } from './lzf.ts';
import { RDB_TYPE_STREAM_LISTPACKS, RDB_TYPE_STREAM_LISTPACKS_2, RDB_TYPE_STREAM_LISTPACKS_3, loadStream } from './stream.ts';

export const RDB_VERSION = 11;

export const RDB_TYPE_STRING = 0;
export const RDB_TYPE_LIST = 1;
export const RDB_TYPE_SET = 2;
export const RDB_TYPE_ZSET = 3;
export const RDB_TYPE_HASH = 4;
export const RDB_TYPE_ZSET_2 = 5;
export const RDB_TYPE_HASH_ZIPMAP = 9;
export const RDB_TYPE_LIST_ZIPLIST = 10;
export const RDB_TYPE_SET_INTSET = 11;
export const RDB_TYPE_ZSET_ZIPLIST = 12;
export const RDB_TYPE_HASH_ZIPLIST = 13;
export const RDB_TYPE_LIST_QUICKLIST = 14;
export const RDB_TYPE_HASH_LISTPACK = 16;
export const RDB_TYPE_ZSET_LISTPACK = 17;
export const RDB_TYPE_LIST_QUICKLIST_2 = 18;
export const RDB_TYPE_SET_LISTPACK = 20;

export const RDB_ENC_INT8 = 0;
export const RDB_ENC_INT16 = 1;
export const RDB_ENC_INT32 = 2;
export const RDB_ENC_LZF = 3;

const QUICKLIST_NODE_CONTAINER_PLAIN = 1;
const QUICKLIST_NODE_CONTAINER_PACKED = 2;

/** Corrupt or unsupported serialized data (RESTORE: ERR Bad data format). */
export class BadData extends Error {}

function bad(why: string): never {
  throw new BadData(why);
}

/**
 * verifyDumpPayload: at least the 2-byte RDB version and the 8-byte CRC64 footer, a version not
 * newer than ours, and a CRC64 (little-endian) of everything before it that matches.
 */
export function verifyDumpPayload(p: string): boolean {
  const len = p.length;
  if (len < 10) return false;
  const footer = len - 10;
  const rdbver = p.charCodeAt(footer) | (p.charCodeAt(footer + 1) << 8);
  if (rdbver > RDB_VERSION) return false;
  const [hi, lo] = crc64Halves(p, 0, len - 8);
  const c = len - 8;
  const storedLo = (p.charCodeAt(c) | (p.charCodeAt(c + 1) << 8) | (p.charCodeAt(c + 2) << 16) | (p.charCodeAt(c + 3) << 24)) >>> 0;
  const storedHi = (p.charCodeAt(c + 4) | (p.charCodeAt(c + 5) << 8) | (p.charCodeAt(c + 6) << 16) | (p.charCodeAt(c + 7) << 24)) >>> 0;
  return storedLo === lo && storedHi === hi;
}

/** A cursor over a binary string, bounded by `end`. */
export class RdbReader {
  constructor(
    readonly buf: string,
    public pos = 0,
    readonly end = buf.length,
  ) {}

  byte(): number {
    if (this.pos >= this.end) bad('truncated');
    return this.buf.charCodeAt(this.pos++);
  }

  bytes(n: number): string {
    if (n < 0 || this.pos + n > this.end) bad('truncated');
    const s = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /** rdbLoadLenByRef: [length, isEncoded]; an encoded "length" is the RDB_ENC_* type. */
  lenRef(): [number, boolean] {
    const b = this.byte();
    const type = b >> 6;
    if (type === 3) return [b & 0x3f, true];
    if (type === 0) return [b & 0x3f, false];
    if (type === 1) return [((b & 0x3f) << 8) | this.byte(), false];
    if (b === 0x80) {
      const v = (this.byte() * 0x1000000 + ((this.byte() << 16) | (this.byte() << 8) | this.byte())) >>> 0;
      return [v, false];
    }
    if (b === 0x81) {
      let v = 0;
      for (let i = 0; i < 8; i++) v = v * 256 + this.byte();
      if (v > Number.MAX_SAFE_INTEGER) bad('length too large');
      return [v, false];
    }
    bad('unknown length encoding');
  }

  len(): number {
    const [v, enc] = this.lenRef();
    if (enc) bad('unexpected encoded length');
    return v;
  }

  /** rdbGenericLoadStringObject: raw, integer-encoded or LZF-compressed. */
  string(): string {
    const [len, enc] = this.lenRef();
    if (!enc) return this.bytes(len);
    switch (len) {
      case RDB_ENC_INT8: {
        const v = this.byte();
        return String(v << 24 >> 24);
      }
      case RDB_ENC_INT16: {
        const v = this.byte() | (this.byte() << 8);
        return String(v << 16 >> 16);
      }
      case RDB_ENC_INT32: {
        const v = this.byte() | (this.byte() << 8) | (this.byte() << 16) | (this.byte() << 24);
        return String(v | 0);
      }
      case RDB_ENC_LZF: {
        const clen = this.len();
        const ulen = this.len();
        if (clen > this.end - this.pos) bad('truncated');
        // One 3-byte LZF back reference expands to at most 264 bytes: a larger claimed length is
        // corrupt (and must not size an allocation).
        if (ulen > clen * 88 + 8) bad('invalid LZF length');
        const start = this.pos;
        this.pos += clen;
        const out = lzfDecompress(this.buf, start, start + clen, ulen);
        if (out === null) bad('invalid LZF data');
        return out;
      }
      default:
        bad('unknown string encoding');
    }
  }

  /** rdbLoadBinaryDoubleValue: 8 bytes, little-endian IEEE 754. */
  binaryDouble(): number {
    const s = this.bytes(8);
    for (let i = 0; i < 8; i++) F64U8[i] = s.charCodeAt(i);
    return F64[0]!;
  }

  /** rdbLoadDoubleValue (RDB_TYPE_ZSET): a length byte (253 nan, 254 +inf, 255 -inf) and text. */
  stringDouble(): number {
    const n = this.byte();
    if (n === 253) return NaN;
    if (n === 254) return Infinity;
    if (n === 255) return -Infinity;
    const v = parseDouble(this.bytes(n));
    if (v !== v) bad('invalid double');
    return v;
  }
}

const F64 = new Float64Array(1);
const F64U8 = new Uint8Array(F64.buffer);

// ---------------------------------------------------------------------------------------------
// Compact encodings: listpack, ziplist, intset

function u32le(s: string, i: number): number {
  return (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24)) >>> 0;
}

/** Little-endian two's complement integer of n bytes at s[i..], as a decimal string. */
function intLE(s: string, i: number, n: number): string {
  if (n <= 4) {
    let x = 0;
    for (let k = n - 1; k >= 0; k--) x = x * 256 + s.charCodeAt(i + k);
    const range = 2 ** (n * 8);
    return String(x >= range / 2 ? x - range : x);
  }
  let v = 0n;
  for (let k = n - 1; k >= 0; k--) v = (v << 8n) | BigInt(s.charCodeAt(i + k));
  return BigInt.asIntN(n * 8, v).toString();
}

/** lpEncodeBacklen's size for an entry of `len` bytes. */
function backlenSize(len: number): number {
  return len <= 127 ? 1 : len < 16383 ? 2 : len < 2097151 ? 3 : len < 268435455 ? 4 : 5;
}

/** The entries of a listpack blob (strings; integers as their decimal text). */
export function listpackEntries(lp: string): string[] {
  const n = lp.length;
  if (n < 7 || u32le(lp, 0) !== n || lp.charCodeAt(n - 1) !== 0xff) bad('invalid listpack header');
  const out: string[] = [];
  let p = 6;
  for (;;) {
    if (p >= n) bad('listpack without end');
    const b = lp.charCodeAt(p);
    if (b === 0xff) {
      if (p !== n - 1) bad('listpack end before its size');
      break;
    }
    let hdr: number;
    let len: number;
    let value: string;
    if ((b & 0x80) === 0) {
      hdr = 1;
      len = 0;
      value = String(b & 0x7f);
    } else if ((b & 0xc0) === 0x80) {
      hdr = 1;
      len = b & 0x3f;
      value = lp.slice(p + 1, p + 1 + len);
    } else if ((b & 0xe0) === 0xc0) {
      hdr = 2;
      len = 0;
      let v = ((b & 0x1f) << 8) | lp.charCodeAt(p + 1);
      if (v >= 1 << 12) v -= 1 << 13;
      value = String(v);
    } else if ((b & 0xf0) === 0xe0) {
      hdr = 2;
      len = ((b & 0x0f) << 8) | lp.charCodeAt(p + 1);
      value = lp.slice(p + 2, p + 2 + len);
    } else if (b === 0xf0) {
      hdr = 5;
      len = u32le(lp, p + 1);
      value = lp.slice(p + 5, p + 5 + len);
    } else if (b >= 0xf1 && b <= 0xf4) {
      const size = b === 0xf1 ? 2 : b === 0xf2 ? 3 : b === 0xf3 ? 4 : 8;
      hdr = 1;
      len = size;
      value = intLE(lp, p + 1, size);
    } else bad('invalid listpack entry encoding');
    const entry = hdr + len;
    if (p + entry > n - 1) bad('listpack entry past its end');
    out.push(value);
    p += entry + backlenSize(entry);
  }
  const count = lp.charCodeAt(4) | (lp.charCodeAt(5) << 8);
  // 65535 means "count unknown" (a listpack of more entries).
  if (count !== 65535 && count !== out.length) bad('listpack count mismatch');
  return out;
}

/** The entries of a ziplist blob (Redis < 7 compact encoding). */
export function ziplistEntries(zl: string): string[] {
  const n = zl.length;
  if (n < 11 || u32le(zl, 0) !== n || zl.charCodeAt(n - 1) !== 0xff) bad('invalid ziplist header');
  const out: string[] = [];
  let p = 10;
  for (;;) {
    if (p >= n) bad('ziplist without end');
    if (zl.charCodeAt(p) === 0xff) {
      if (p !== n - 1) bad('ziplist end before its size');
      break;
    }
    // prevlen: 1 byte, or 0xfe and 4 bytes.
    p += zl.charCodeAt(p) === 0xfe ? 5 : 1;
    if (p >= n - 1) bad('truncated ziplist entry');
    const b = zl.charCodeAt(p);
    const top = b >> 6;
    let value: string;
    if (top === 0) {
      const len = b & 0x3f;
      value = zl.slice(p + 1, p + 1 + len);
      p += 1 + len;
    } else if (top === 1) {
      const len = ((b & 0x3f) << 8) | zl.charCodeAt(p + 1);
      value = zl.slice(p + 2, p + 2 + len);
      p += 2 + len;
    } else if (b === 0x80) {
      const len = ((zl.charCodeAt(p + 1) << 24) | (zl.charCodeAt(p + 2) << 16) | (zl.charCodeAt(p + 3) << 8) | zl.charCodeAt(p + 4)) >>> 0;
      value = zl.slice(p + 5, p + 5 + len);
      p += 5 + len;
    } else if (b === 0xc0) {
      value = intLE(zl, p + 1, 2);
      p += 3;
    } else if (b === 0xd0) {
      value = intLE(zl, p + 1, 4);
      p += 5;
    } else if (b === 0xe0) {
      value = intLE(zl, p + 1, 8);
      p += 9;
    } else if (b === 0xf0) {
      value = intLE(zl, p + 1, 3);
      p += 4;
    } else if (b === 0xfe) {
      value = intLE(zl, p + 1, 1);
      p += 2;
    } else if (b >= 0xf1 && b <= 0xfd) {
      value = String((b & 0x0f) - 1);
      p += 1;
    } else bad('invalid ziplist entry encoding');
    if (p > n - 1) bad('ziplist entry past its end');
    out.push(value);
  }
  const count = zl.charCodeAt(8) | (zl.charCodeAt(9) << 8);
  if (count !== 65535 && count !== out.length) bad('ziplist count mismatch');
  return out;
}

/** The members of an intset blob. */
export function intsetMembers(is: string): string[] {
  if (is.length < 8) bad('invalid intset');
  const enc = u32le(is, 0);
  const len = u32le(is, 4);
  if ((enc !== 2 && enc !== 4 && enc !== 8) || is.length !== 8 + enc * len) bad('invalid intset');
  const out: string[] = [];
  for (let i = 0; i < len; i++) out.push(intLE(is, 8 + i * enc, enc));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Objects

/** A listpack/ziplist score entry (integer or float text) as a double. */
function scoreOf(text: string): number {
  // zzlStrtod: a listpack keeps a non-integer score as its text ("1.5", "inf", "-inf").
  const v = parseDouble(text);
  if (v !== v) bad('invalid score');
  return v;
}

function hashFrom(cfg: EngineConfig, pairs: string[]): RHash {
  if (pairs.length === 0 || pairs.length % 2 !== 0) bad('empty or odd hash');
  const h = new RHash(cfg);
  for (let i = 0; i < pairs.length; i += 2) if (!h.set(pairs[i]!, pairs[i + 1]!)) bad('duplicate hash field');
  return h;
}

function setFrom(cfg: EngineConfig, members: string[], enc: SetEncoding): RSet {
  if (members.length === 0) bad('empty set');
  const s = new RSet(cfg, enc);
  for (const m of members) if (!s.add(m)) bad('duplicate set member');
  return s;
}

function zsetFrom(cfg: EngineConfig, members: string[], scores: number[]): RZSet {
  const n = members.length;
  if (n === 0) bad('empty zset');
  let maxLen = 0;
  for (const m of members) if (m.length > maxLen) maxLen = m.length;
  const listpack = n <= cfg['zset-max-listpack-entries'] && maxLen <= cfg['zset-max-listpack-value'];
  const z = new RZSet(listpack);
  if (n >= 32) z.beginBulk();
  for (let i = 0; i < n; i++) {
    if (z.has(members[i]!)) bad('duplicate zset member');
    z.insert(members[i]!, scores[i]!);
  }
  if (n >= 32) z.endBulk();
  return z;
}

function listFrom(cfg: EngineConfig, items: string[]): RList {
  if (items.length === 0) bad('empty list');
  return RList.from(items, cfg['list-max-listpack-size']);
}

/** rdbLoadObject for one value of the given RDB type. */
export function loadObject(type: number, r: RdbReader, cfg: EngineConfig): Value {
  switch (type) {
    case RDB_TYPE_STRING:
      return r.string();
    case RDB_TYPE_LIST: {
      const n = r.len();
      const items: string[] = [];
      for (let i = 0; i < n; i++) items.push(r.string());
      return listFrom(cfg, items);
    }
    case RDB_TYPE_LIST_ZIPLIST:
      return listFrom(cfg, ziplistEntries(r.string()));
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2: {
      const nodes = r.len();
      const items: string[] = [];
      for (let i = 0; i < nodes; i++) {
        let container = QUICKLIST_NODE_CONTAINER_PACKED;
        if (type === RDB_TYPE_LIST_QUICKLIST_2) {
          container = r.len();
          if (container !== QUICKLIST_NODE_CONTAINER_PLAIN && container !== QUICKLIST_NODE_CONTAINER_PACKED) bad('invalid quicklist container');
        }
        const blob = r.string();
        if (container === QUICKLIST_NODE_CONTAINER_PLAIN) {
          items.push(blob);
          continue;
        }
        const entries = type === RDB_TYPE_LIST_QUICKLIST_2 ? listpackEntries(blob) : ziplistEntries(blob);
        // Redis skips empty nodes silently.
        for (const e of entries) items.push(e);
      }
      return listFrom(cfg, items);
    }
    case RDB_TYPE_SET: {
      const n = r.len();
      const members: string[] = [];
      for (let i = 0; i < n; i++) members.push(r.string());
      const big = n > cfg['set-max-intset-entries'] && n > cfg['set-max-listpack-entries'];
      let allInts = true;
      for (const m of members) if (!isInt64Text(m)) allInts = false;
      return setFrom(cfg, members, big ? HASHTABLE : allInts ? INTSET : n <= cfg['set-max-listpack-entries'] ? LISTPACK : HASHTABLE);
    }
    case RDB_TYPE_SET_INTSET:
      return setFrom(cfg, intsetMembers(r.string()), INTSET);
    case RDB_TYPE_SET_LISTPACK: {
      const members = listpackEntries(r.string());
      return setFrom(cfg, members, members.length > cfg['set-max-listpack-entries'] ? HASHTABLE : LISTPACK);
    }
    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2: {
      const n = r.len();
      const members: string[] = [];
      const scores: number[] = [];
      for (let i = 0; i < n; i++) {
        members.push(r.string());
        const s = type === RDB_TYPE_ZSET_2 ? r.binaryDouble() : r.stringDouble();
        if (s !== s) bad('nan score');
        scores.push(s);
      }
      return zsetFrom(cfg, members, scores);
    }
    case RDB_TYPE_ZSET_ZIPLIST:
    case RDB_TYPE_ZSET_LISTPACK: {
      const entries = type === RDB_TYPE_ZSET_LISTPACK ? listpackEntries(r.string()) : ziplistEntries(r.string());
      if (entries.length % 2 !== 0) bad('odd zset listpack');
      const members: string[] = [];
      const scores: number[] = [];
      for (let i = 0; i < entries.length; i += 2) {
        members.push(entries[i]!);
        scores.push(scoreOf(entries[i + 1]!));
      }
      return zsetFrom(cfg, members, scores);
    }
    case RDB_TYPE_HASH: {
      const n = r.len();
      const pairs: string[] = [];
      for (let i = 0; i < n; i++) pairs.push(r.string(), r.string());
      return hashFrom(cfg, pairs);
    }
    case RDB_TYPE_HASH_ZIPLIST:
      return hashFrom(cfg, ziplistEntries(r.string()));
    case RDB_TYPE_HASH_LISTPACK:
      return hashFrom(cfg, listpackEntries(r.string()));
    case RDB_TYPE_STREAM_LISTPACKS:
    case RDB_TYPE_STREAM_LISTPACKS_2:
    case RDB_TYPE_STREAM_LISTPACKS_3:
      return loadStream(type, r);
    default:
      bad(`unsupported RDB type ${type}`);
  }
}

/**
 * RESTORE's reading of a payload already verified by verifyDumpPayload: the type byte, the
 * object, and nothing else before the 10-byte footer.
 */
export function loadDumpPayload(p: string, cfg: EngineConfig): Value {
  const r = new RdbReader(p, 0, p.length - 10);
  const type = r.byte();
  const v = loadObject(type, r, cfg);
  return v;
}
