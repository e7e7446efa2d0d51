/**
 * Streams in Redis's RDB serialization (rdb.c, the OBJ_STREAM branches of rdbSaveObject and
 * rdbLoadObject; the node layout of t_stream.c).
 *
 * A stream is its radix tree of listpack nodes, each saved as the 16-byte big-endian master ID
 * (the rax key) and the listpack as it is; then length, last ID, first ID, max deleted ID and
 * entries-added; then the consumer groups (name, last ID, entries-read, the group PEL with
 * delivery time and count, the consumers with seen-time and active-time and the IDs of their PEL).
 *
 * A node's listpack (t_stream.c):
 *   master entry:  count | deleted | num-fields | field_1 ... field_N | 0
 *   each entry:    flags | ms-diff | seq-diff | [num-fields | field_1 | value_1 ...] or (SAMEFIELDS)
 *                  value_1 ... value_N | lp-count
 * IDs are deltas from the master ID (int64 reinterpretations of the uint64 differences).
 *
 * We write RDB_TYPE_STREAM_LISTPACKS_3 (what Redis 7.2 writes) with the node boundaries and
 * tombstones the stream has, and read types 15, 19 and 21, keeping the node boundaries of the
 * payload (they decide what approximate trimming removes).
 */
import {
  INVALID_ENTRIES_READ,
  MAX_ID,
  MIN_ID,
  normU64,
  RStream,
  STREAM_ITEM_FLAG_SAMEFIELDS,
  U64_MAX,
  cmpId,
  type Consumer,
  type NACK,
  type StreamEntry,
  type StreamID,
  type U64,
} from '../types/stream.ts';
import { parseInt64Exact } from '../bytes.ts';
import { BadData, listpackEntries, type RdbReader } from './decode.ts';
import type { RdbWriter } from './encode.ts';

export const RDB_TYPE_STREAM_LISTPACKS = 15;
export const RDB_TYPE_STREAM_LISTPACKS_2 = 19;
export const RDB_TYPE_STREAM_LISTPACKS_3 = 21;

const STREAM_ITEM_FLAG_DELETED = 1;
const TWO_64 = 18446744073709551616n;

function bad(why: string): never {
  throw new BadData(why);
}

/**
 * What the serializer reads of a stream's nodes. RStream keeps them private (only the type's
 * own code changes them); the shape is the one of its StreamNode.
 */
interface NodeView {
  readonly entries: readonly StreamEntry[];
  readonly live: number;
  readonly deleted: number;
  readonly masterMs: U64;
  readonly masterSeq: U64;
  readonly masterFields: readonly string[];
}

function nodesOf(s: RStream): readonly NodeView[] {
  return (s as unknown as { nodes: NodeView[] }).nodes;
}

// ---------------------------------------------------------------------------------------------
// Writing

/** A listpack under construction (listpack.c lpAppend / lpAppendInteger). */
class ListpackWriter {
  private parts: string[] = [];
  private bytes = 0;
  private count = 0;

  /** An int64 (number when safe, else bigint), in the smallest integer encoding. */
  int(v: number | bigint): void {
    let enc: string;
    if (typeof v === 'number' && v >= -2147483648 && v <= 2147483647) {
      if (v >= 0 && v <= 127) enc = String.fromCharCode(v);
      else if (v >= -4096 && v <= 4095) {
        const u = v < 0 ? 8192 + v : v;
        enc = String.fromCharCode((u >> 8) | 0xc0, u & 0xff);
      } else if (v >= -32768 && v <= 32767) {
        const u = v < 0 ? 65536 + v : v;
        enc = String.fromCharCode(0xf1, u & 0xff, u >> 8);
      } else if (v >= -8388608 && v <= 8388607) {
        const u = v < 0 ? 16777216 + v : v;
        enc = String.fromCharCode(0xf2, u & 0xff, (u >> 8) & 0xff, u >> 16);
      } else {
        const u = v >>> 0;
        enc = String.fromCharCode(0xf3, u & 0xff, (u >>> 8) & 0xff, (u >>> 16) & 0xff, u >>> 24);
      }
    } else {
      let u = BigInt.asUintN(64, BigInt(v));
      enc = String.fromCharCode(0xf4);
      for (let i = 0; i < 8; i++) {
        enc += String.fromCharCode(Number(u & 0xffn));
        u >>= 8n;
      }
    }
    this.entry(enc);
  }

  /** A string element: integer-encoded when it is a canonical int64 of up to 20 chars (lpStringToInt64). */
  string(s: string): void {
    const len = s.length;
    if (len > 0 && len <= 20) {
      const c = s.charCodeAt(0);
      if ((c >= 48 && c <= 57) || c === 45) {
        const v = parseInt64Exact(s);
        if (v !== null) {
          this.int(v);
          return;
        }
      }
    }
    let hdr: string;
    if (len < 64) hdr = String.fromCharCode(0x80 | len);
    else if (len < 4096) hdr = String.fromCharCode(0xe0 | (len >> 8), len & 0xff);
    else hdr = String.fromCharCode(0xf0, len & 0xff, (len >>> 8) & 0xff, (len >>> 16) & 0xff, len >>> 24);
    this.entry(hdr + s);
  }

  /** The element and its backlen (lpEncodeBacklen: the high 7-bit group first). */
  private entry(enc: string): void {
    const l = enc.length;
    let back: string;
    if (l <= 127) back = String.fromCharCode(l);
    else if (l < 16383) back = String.fromCharCode(l >> 7, (l & 127) | 128);
    else if (l < 2097151) back = String.fromCharCode(l >> 14, ((l >> 7) & 127) | 128, (l & 127) | 128);
    else if (l < 268435455) back = String.fromCharCode(l >> 21, ((l >> 14) & 127) | 128, ((l >> 7) & 127) | 128, (l & 127) | 128);
    else back = String.fromCharCode(Math.floor(l / 2 ** 28), ((l >> 21) & 127) | 128, ((l >> 14) & 127) | 128, ((l >> 7) & 127) | 128, (l & 127) | 128);
    this.parts.push(enc, back);
    this.bytes += l + back.length;
    this.count++;
  }

  /** The blob: total bytes (u32 LE), element count (u16 LE, 65535 when larger), elements, 0xFF. */
  finish(): string {
    const total = 6 + this.bytes + 1;
    const n = this.count < 65535 ? this.count : 65535;
    const header = String.fromCharCode(total & 0xff, (total >>> 8) & 0xff, (total >>> 16) & 0xff, total >>> 24, n & 0xff, n >> 8);
    return header + this.parts.join('') + '\xff';
  }
}

/** a - b of two uint64 as the int64 C gets by reinterpreting the uint64 difference. */
function int64Diff(a: U64, b: U64): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const d = BigInt.asIntN(64, BigInt(a) - BigInt(b));
  return d >= -9007199254740991n && d <= 9007199254740991n ? Number(d) : d;
}

/** The 16-byte rax key of an ID: ms and seq, big-endian. */
function rawId(ms: U64, seq: U64): string {
  return u64BE(ms) + u64BE(seq);
}

function u64BE(v: U64): string {
  if (typeof v === 'number') {
    const hi = Math.floor(v / 4294967296);
    const lo = v >>> 0;
    return String.fromCharCode(hi >>> 24, (hi >>> 16) & 0xff, (hi >>> 8) & 0xff, hi & 0xff, lo >>> 24, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff);
  }
  let s = '';
  let b = v;
  for (let i = 0; i < 8; i++) {
    s = String.fromCharCode(Number(b & 0xffn)) + s;
    b >>= 8n;
  }
  return s;
}

/** rdbSaveLen of a uint64 (a bigint beyond 2^53). */
function saveLenU64(w: RdbWriter, v: U64): void {
  if (typeof v === 'number') w.len(v);
  else w.raw('\x81' + u64BE(v));
}

/** rdbSaveMillisecondTime: int64, little-endian. */
function saveMillis(w: RdbWriter, t: number): void {
  const u = BigInt.asUintN(64, BigInt(t));
  let s = '';
  for (let i = 0n; i < 64n; i += 8n) s += String.fromCharCode(Number((u >> i) & 0xffn));
  w.raw(s);
}

function nodeListpack(node: NodeView): string {
  const lp = new ListpackWriter();
  const mf = node.masterFields;
  const nf = mf.length;
  lp.int(node.live);
  lp.int(node.deleted);
  lp.int(nf);
  for (let i = 0; i < nf; i++) lp.string(mf[i]!);
  lp.int(0);
  for (const e of node.entries) {
    const fv = e.fv;
    const n = fv.length >> 1;
    let same = n === nf;
    for (let i = 0; same && i < n; i++) if (fv[i * 2] !== mf[i]) same = false;
    lp.int((same ? STREAM_ITEM_FLAG_SAMEFIELDS : 0) | (e.del ? STREAM_ITEM_FLAG_DELETED : 0));
    lp.int(int64Diff(e.ms, node.masterMs));
    lp.int(int64Diff(e.seq, node.masterSeq));
    if (same) {
      for (let i = 1; i < fv.length; i += 2) lp.string(fv[i]!);
    } else {
      lp.int(n);
      for (let i = 0; i < fv.length; i++) lp.string(fv[i]!);
    }
    lp.int(same ? n + 3 : n * 2 + 4);
  }
  return lp.finish();
}

/** rdbSaveObject's OBJ_STREAM branch (after the RDB_TYPE_STREAM_LISTPACKS_3 type byte). */
export function saveStream(w: RdbWriter, s: RStream): void {
  const nodes = nodesOf(s);
  w.len(nodes.length);
  for (const node of nodes) {
    // rdbSaveRawString: 16 bytes are never integer-encoded.
    w.len(16);
    w.raw(rawId(node.masterMs, node.masterSeq));
    const lp = nodeListpack(node);
    w.len(lp.length);
    w.raw(lp);
  }
  w.len(s.length);
  saveLenU64(w, s.lastId.ms);
  saveLenU64(w, s.lastId.seq);
  saveLenU64(w, s.firstId.ms);
  saveLenU64(w, s.firstId.seq);
  saveLenU64(w, s.maxDeletedId.ms);
  saveLenU64(w, s.maxDeletedId.seq);
  saveLenU64(w, s.entriesAdded);
  const groups = s.sortedGroups();
  w.len(groups.length);
  for (const [name, g] of groups) {
    w.len(name.length);
    w.raw(name);
    saveLenU64(w, g.lastId.ms);
    saveLenU64(w, g.lastId.seq);
    // A long long saved as uint64: -1 (unknown) is 2^64-1.
    saveLenU64(w, g.entriesRead < 0 ? normU64(BigInt.asUintN(64, BigInt(g.entriesRead))) : g.entriesRead);
    w.len(g.pel.size);
    for (const n of g.pel) {
      w.raw(rawId(n.ms, n.seq));
      saveMillis(w, n.deliveryTime);
      w.len(n.deliveryCount);
    }
    const consumers = g.sortedConsumers();
    w.len(consumers.length);
    for (const c of consumers) {
      w.len(c.name.length);
      w.raw(c.name);
      saveMillis(w, c.seenTime);
      saveMillis(w, c.activeTime);
      w.len(c.pel.size);
      for (const n of c.pel) w.raw(rawId(n.ms, n.seq));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

/** rdbLoadLen of a uint64 (a bigint beyond 2^53). */
function loadLenU64(r: RdbReader): U64 {
  if (r.pos < r.end && r.buf.charCodeAt(r.pos) === 0x81) {
    r.pos++;
    let v = 0n;
    for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(r.byte());
    return normU64(v);
  }
  return r.len();
}

/** rdbLoadMillisecondTime: int64, little-endian. */
function loadMillis(r: RdbReader): number {
  const b = r.bytes(8);
  const lo = (b.charCodeAt(0) | (b.charCodeAt(1) << 8) | (b.charCodeAt(2) << 16) | (b.charCodeAt(3) << 24)) >>> 0;
  const hi = b.charCodeAt(4) | (b.charCodeAt(5) << 8) | (b.charCodeAt(6) << 16) | (b.charCodeAt(7) << 24);
  return hi * 4294967296 + lo;
}

function u64At(s: string, i: number): U64 {
  const hi = ((s.charCodeAt(i) << 24) | (s.charCodeAt(i + 1) << 16) | (s.charCodeAt(i + 2) << 8) | s.charCodeAt(i + 3)) >>> 0;
  const lo = ((s.charCodeAt(i + 4) << 24) | (s.charCodeAt(i + 5) << 16) | (s.charCodeAt(i + 6) << 8) | s.charCodeAt(i + 7)) >>> 0;
  if (hi < 0x200000) return hi * 4294967296 + lo;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

function idAt(s: string, i: number): StreamID {
  return { ms: u64At(s, i), seq: u64At(s, i + 8) };
}

/** A listpack integer element (its decimal text) as a number, bigint beyond 2^53. */
function lpInt(text: string | undefined): number | bigint {
  if (text === undefined) bad('truncated stream listpack');
  const v = parseInt64Exact(text);
  if (v === null) bad('stream listpack integer expected');
  return v;
}

function lpSmall(text: string | undefined): number {
  const v = lpInt(text);
  if (typeof v !== 'number' || v < 0) bad('invalid stream listpack count');
  return v;
}

/** master + delta, wrapping as uint64 arithmetic does. */
function addDelta(master: U64, delta: number | bigint): U64 {
  if (typeof master === 'number' && typeof delta === 'number') {
    const r = master + delta;
    if (r >= 0 && r <= Number.MAX_SAFE_INTEGER) return r;
  }
  return normU64((((BigInt(master) + BigInt(delta)) % TWO_64) + TWO_64) % TWO_64);
}

interface LoadedEntry {
  id: StreamID;
  fv: string[];
  del: boolean;
}

/** The entries of one node's listpack (its master ID given by the rax key). */
function nodeEntries(master: StreamID, lp: string): LoadedEntry[] {
  const el = listpackEntries(lp);
  if (el.length === 0) bad('Empty listpack inside stream');
  let p = 0;
  const count = lpSmall(el[p++]);
  const deleted = lpSmall(el[p++]);
  const nf = lpSmall(el[p++]);
  if (p + nf + 1 > el.length) bad('truncated stream master entry');
  const masterFields = el.slice(p, p + nf);
  p += nf;
  if (lpInt(el[p++]) !== 0) bad('invalid stream master entry terminator');
  const out: LoadedEntry[] = [];
  let live = 0;
  while (p < el.length) {
    const flags = lpSmall(el[p++]);
    if (flags > (STREAM_ITEM_FLAG_SAMEFIELDS | STREAM_ITEM_FLAG_DELETED)) bad('invalid stream entry flags');
    const id = { ms: addDelta(master.ms, lpInt(el[p++])), seq: addDelta(master.seq, lpInt(el[p++])) };
    let fv: string[];
    let n: number;
    if (flags & STREAM_ITEM_FLAG_SAMEFIELDS) {
      n = nf;
      if (p + nf > el.length) bad('truncated stream entry');
      fv = new Array<string>(nf * 2);
      for (let i = 0; i < nf; i++) {
        fv[i * 2] = masterFields[i]!;
        fv[i * 2 + 1] = el[p++]!;
      }
    } else {
      n = lpSmall(el[p++]);
      if (p + n * 2 > el.length) bad('truncated stream entry');
      fv = el.slice(p, p + n * 2);
      p += n * 2;
    }
    if (n === 0) bad('stream entry without fields');
    const lpCount = lpSmall(el[p++]);
    if (lpCount !== (flags & STREAM_ITEM_FLAG_SAMEFIELDS ? n + 3 : n * 2 + 4)) bad('invalid stream entry lp-count');
    const del = (flags & STREAM_ITEM_FLAG_DELETED) !== 0;
    if (!del) live++;
    out.push({ id, fv, del });
  }
  if (live !== count || out.length - live !== deleted) bad('stream node counts mismatch');
  return out;
}

const ONE_NODE = { maxEntries: 0, maxBytes: 0 };
const NEW_NODE = { maxEntries: 1, maxBytes: 0 };

/** rdbLoadObject's stream branch (after the type byte): types 15, 19 and 21. */
export function loadStream(type: number, r: RdbReader): RStream {
  const s = new RStream();
  const listpacks = r.len();
  const tombstones: StreamID[] = [];
  let prev: StreamID | null = null;
  for (let i = 0; i < listpacks; i++) {
    const key = r.string();
    if (key.length !== 16) bad('Stream node key entry is not the size of a stream ID');
    const master = idAt(key, 0);
    const entries = nodeEntries(master, r.string());
    // The nodes of the payload stay nodes: a new one opens at each listpack's first entry.
    let limits = NEW_NODE;
    for (const e of entries) {
      if (prev !== null && cmpId(e.id.ms, e.id.seq, prev.ms, prev.seq) <= 0) bad('stream entries out of order');
      s.append(e.id, e.fv, limits);
      limits = ONE_NODE;
      if (e.del) tombstones.push(e.id);
      prev = e.id;
    }
  }
  for (const id of tombstones) s.delete(id);
  const length = r.len();
  if (length !== s.length) bad('Stream length inconsistent with its entries');
  const lastId = { ms: loadLenU64(r), seq: loadLenU64(r) };
  if (prev !== null && cmpId(lastId.ms, lastId.seq, prev.ms, prev.seq) < 0) bad('stream last ID before its last entry');
  s.lastId = lastId;
  if (type >= RDB_TYPE_STREAM_LISTPACKS_2) {
    s.firstId = { ms: loadLenU64(r), seq: loadLenU64(r) };
    s.maxDeletedId = { ms: loadLenU64(r), seq: loadLenU64(r) };
    s.entriesAdded = loadLenU64(r);
  } else {
    // As Redis migrates an older payload: no tombstone known, entries-added is the length.
    s.maxDeletedId = MIN_ID;
    s.entriesAdded = s.length;
    s.firstId = s.edgeId(true) ?? MAX_ID;
  }

  const groups = r.len();
  for (let gi = 0; gi < groups; gi++) {
    const name = r.string();
    const lastGroupId = { ms: loadLenU64(r), seq: loadLenU64(r) };
    let entriesRead: number;
    if (type >= RDB_TYPE_STREAM_LISTPACKS_2) {
      const v = loadLenU64(r);
      entriesRead = v === U64_MAX ? INVALID_ENTRIES_READ : Number(v);
    } else {
      entriesRead = s.estimateDistance(lastGroupId);
    }
    const g = s.createGroup(name, lastGroupId, entriesRead);
    if (g === null) bad('Duplicated consumer group name');
    const pelSize = r.len();
    for (let i = 0; i < pelSize; i++) {
      const id = idAt(r.bytes(16), 0);
      const nack: NACK = { ms: id.ms, seq: id.seq, deliveryTime: loadMillis(r), deliveryCount: r.len(), consumer: null };
      if (!s.addNack(g, nack)) bad('Duplicated global PEL entry loading stream consumer group');
    }
    const consumers = r.len();
    for (let ci = 0; ci < consumers; ci++) {
      const cname = r.string();
      const c: Consumer | null = s.createConsumer(g, cname, 0);
      if (c === null) bad('Duplicate stream consumer detected');
      c.seenTime = loadMillis(r);
      // Before 7.2 the best estimate of the active time is the seen time.
      c.activeTime = type >= RDB_TYPE_STREAM_LISTPACKS_3 ? loadMillis(r) : c.seenTime;
      const n = r.len();
      for (let i = 0; i < n; i++) {
        const id = idAt(r.bytes(16), 0);
        const nack = g.pel.get(id.ms, id.seq);
        if (nack === undefined) bad('Consumer entry not found in group global PEL');
        if (nack.consumer !== null) bad('Duplicated consumer PEL entry loading a stream consumer group');
        nack.consumer = c;
        c.pel.insert(nack);
      }
    }
    // Redis checks this under deep sanitization only; here an owner-less NACK would break
    // XPENDING/XCLAIM, so it is always refused.
    for (const nack of g.pel) if (nack.consumer === null) bad('Stream CG PEL entry without consumer');
  }
  return s;
}
