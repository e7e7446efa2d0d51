/**
 * RStream: the stream type (t_stream.c, stream.h).
 *
 * Redis keeps a stream as a radix tree of listpacks ("nodes"), each holding up to
 * stream-node-max-entries entries or stream-node-max-bytes bytes, in ID order. We keep the same
 * node boundaries — an ordered array of nodes, each an array of entries — because they are
 * observable: approximate trimming (MAXLEN ~ / MINID ~, LIMIT) removes whole nodes only, and a
 * node is freed when its last live entry is deleted. A node's listpack size is tracked
 * byte-exactly (the same element encodings as listpack.c) so a node closes where Redis's does.
 *
 *   XADD               O(1) (append to the tail node)
 *   XRANGE/XREVRANGE   O(log N + M): binary search over nodes, then inside the node
 *   XDEL               O(log N) per ID (plus an array splice when a whole node goes)
 *   XTRIM              O(evicted)
 *
 * IDs are two unsigned 64-bit numbers. They are kept exact as `U64`: a JS number while the value
 * is a safe integer, a bigint beyond (normalized, so a value has one representation and `<`/`>`
 * compare numbers and bigints alike). Millisecond times of today are plain numbers: no bigint
 * work on the hot path.
 *
 * Consumer groups: a group has a PEL (pending entries list) sorted by ID, and each consumer its
 * own PEL over the same NACK objects, as in Redis; both are IdMaps (chunked sorted arrays).
 */
import { RObject, stringMemory, type TypeName } from '../keyspace/object.ts';
import { parseInt64 } from '../bytes.ts';
import { lpEntrySize } from './list.ts';

// ---------------------------------------------------------------------------------------------
// Unsigned 64-bit values and IDs

export type U64 = number | bigint;

export const U64_MAX = 18446744073709551615n;
const TWO_64 = 18446744073709551616n;
const TWO_63 = 9223372036854775808n;
const SAFE = Number.MAX_SAFE_INTEGER;

/** The one representation of a value: a number when safe, else a bigint. */
export function normU64(b: bigint): U64 {
  return b <= 9007199254740991n ? Number(b) : b;
}

export function cmpU64(a: U64, b: U64): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface StreamID {
  ms: U64;
  seq: U64;
}

export const MIN_ID: StreamID = { ms: 0, seq: 0 };
export const MAX_ID: StreamID = { ms: U64_MAX, seq: U64_MAX };

export function cmpId(ams: U64, aseq: U64, bms: U64, bseq: U64): number {
  if (ams < bms) return -1;
  if (ams > bms) return 1;
  return aseq < bseq ? -1 : aseq > bseq ? 1 : 0;
}

export function compareIds(a: StreamID, b: StreamID): number {
  return cmpId(a.ms, a.seq, b.ms, b.seq);
}

export function idIsZero(id: StreamID): boolean {
  return id.ms === 0 && id.seq === 0;
}

export function idString(id: StreamID): string {
  return `${id.ms}-${id.seq}`;
}

function incU64(a: U64): U64 {
  if (typeof a === 'number') return a < SAFE ? a + 1 : BigInt(a) + 1n;
  return a + 1n;
}

function decU64(a: U64): U64 {
  if (typeof a === 'number') return a - 1;
  return normU64(a - 1n);
}

/** streamIncrID: the next ID, or null when id is the last possible one. */
export function incrId(id: StreamID): StreamID | null {
  if (id.seq === U64_MAX) {
    if (id.ms === U64_MAX) return null;
    return { ms: incU64(id.ms), seq: 0 };
  }
  return { ms: id.ms, seq: incU64(id.seq) };
}

/** streamDecrID: the previous ID, or null when id is 0-0. */
export function decrId(id: StreamID): StreamID | null {
  if (id.seq === 0) {
    if (id.ms === 0) return null;
    return { ms: decU64(id.ms), seq: U64_MAX };
  }
  return { ms: id.ms, seq: decU64(id.seq) };
}

/**
 * util.c string2ull: string2ll's strict form first (negative is invalid), else strtoull of the
 * whole C string (leading spaces and a sign accepted, "-n" wraps, overflow rejected). Null when
 * invalid.
 */
export function parseU64(s: string): U64 | null {
  const n = s.length;
  if (n === 0) return null;
  if (n <= 15) {
    // The common case: plain digits.
    let v = 0;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
    }
    if (i === n) return v;
  }
  const ll = parseInt64(s);
  if (ll === ll) {
    if (ll < 0) return null;
    return Number.isSafeInteger(ll) ? ll : normU64(BigInt(s));
  }
  // strtoull(s, &end, 10): isspace*, [+-], digits; the whole string must be consumed.
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)$/.exec(s);
  if (m === null) return null;
  let v = BigInt(m[2]!);
  if (v > U64_MAX) return null;
  if (m[1] === '-') v = (TWO_64 - v) % TWO_64;
  return normU64(v);
}

/**
 * streamGenericParseIDOrReply: `-`, `+` (unless strict), `<ms>`, `<ms>-<seq>`, and `<ms>-*` when
 * allowed (XADD; seqGiven false then). The missing sequence of `<ms>` is missingSeq. Null when
 * invalid ("Invalid stream ID specified as stream command argument").
 */
export function parseStreamId(
  arg: string,
  missingSeq: U64,
  strict: boolean,
  allowSeqStar = false,
): { id: StreamID; seqGiven: boolean } | null {
  if (arg.length > 127) return null;
  // The C code works on a NUL-terminated copy.
  const nul = arg.indexOf('\0');
  const buf = nul < 0 ? arg : arg.slice(0, nul);
  if (buf === '-' || buf === '+') {
    if (strict) return null;
    return { id: buf === '-' ? MIN_ID : MAX_ID, seqGiven: true };
  }
  const dash = buf.indexOf('-');
  const ms = parseU64(dash < 0 ? buf : buf.slice(0, dash));
  if (ms === null) return null;
  if (dash < 0) return { id: { ms, seq: missingSeq }, seqGiven: true };
  const rest = buf.slice(dash + 1);
  if (allowSeqStar && rest === '*') return { id: { ms, seq: 0 }, seqGiven: false };
  const seq = parseU64(rest);
  if (seq === null) return null;
  return { id: { ms, seq }, seqGiven: true };
}

// ---------------------------------------------------------------------------------------------
// Listpack sizes (listpack.c), for node boundaries

/** Bytes of an integer element: encoding + backlen (lpEncodeIntegerGetType). */
function lpIntSize(v: number): number {
  if (v >= 0 && v <= 127) return 2;
  if (v >= -4096 && v <= 4095) return 3;
  if (v >= -32768 && v <= 32767) return 4;
  if (v >= -8388608 && v <= 8388607) return 5;
  if (v >= -2147483648 && v <= 2147483647) return 6;
  return 10;
}

/** Size of `a - b` appended as an int64 (the uint64 difference reinterpreted, as C does). */
function lpDeltaSize(a: U64, b: U64): number {
  if (typeof a === 'number' && typeof b === 'number') return lpIntSize(a - b);
  let d = (BigInt(a) - BigInt(b) + TWO_64) % TWO_64;
  if (d >= TWO_63) d -= TWO_64;
  return d >= -2147483648n && d <= 2147483647n ? lpIntSize(Number(d)) : 10;
}

/** Listpack header and EOF byte. */
const LP_EMPTY = 7;
/** STREAM_LISTPACK_MAX_SIZE. */
const LISTPACK_MAX_SIZE = 1 << 30;

export const STREAM_ITEM_FLAG_SAMEFIELDS = 2;

// ---------------------------------------------------------------------------------------------
// Entries and nodes

export interface StreamEntry {
  ms: U64;
  seq: U64;
  /** field, value, field, value ... */
  fv: string[];
  /** A tombstone (XDEL, or trimmed inside a node): still in its node, skipped by reads. */
  del: boolean;
}

/** Per entry: the object, its fv array header and slots. */
const ENTRY_BYTES = 64;
const NODE_BYTES = 96;
const STREAM_BYTES = 200;
const GROUP_BYTES = 160;
const CONSUMER_BYTES = 120;
const NACK_BYTES = 72;

function entryMemory(fv: readonly string[]): number {
  let m = ENTRY_BYTES + 8 * fv.length;
  for (let i = 0; i < fv.length; i++) m += stringMemory(fv[i]!);
  return m;
}

class StreamNode {
  entries: StreamEntry[] = [];
  /** Live entries (the listpack's count field) and tombstones (its deleted field). */
  live = 0;
  deleted = 0;
  /** Listpack bytes besides the count and deleted fields. */
  fixed = 0;
  mem = NODE_BYTES;
  constructor(
    readonly masterMs: U64,
    readonly masterSeq: U64,
    readonly masterFields: string[],
  ) {}

  get lpBytes(): number {
    return this.fixed + lpIntSize(this.live) + lpIntSize(this.deleted);
  }

  /** Index of the first entry >= id (entries.length when none). */
  lowerBound(ms: U64, seq: U64): number {
    const e = this.entries;
    let lo = 0;
    let hi = e.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const x = e[mid]!;
      if (cmpId(x.ms, x.seq, ms, seq) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  clone(): StreamNode {
    const n = new StreamNode(this.masterMs, this.masterSeq, this.masterFields);
    n.entries = this.entries.map((e) => ({ ms: e.ms, seq: e.seq, fv: e.fv, del: e.del }));
    n.live = this.live;
    n.deleted = this.deleted;
    n.fixed = this.fixed;
    n.mem = this.mem;
    return n;
  }
}

// ---------------------------------------------------------------------------------------------
// Consumer groups

export interface NACK {
  ms: U64;
  seq: U64;
  /** Unix ms of the last delivery. */
  deliveryTime: number;
  deliveryCount: number;
  /** Null only transiently (XCLAIM FORCE before the claim assigns it). */
  consumer: Consumer | null;
}

/** A map from stream IDs to items carrying their ID, ordered by ID: a chunked sorted array. */
export class IdMap<V extends StreamID> {
  private chunks: V[][] = [];
  size = 0;
  private static readonly CHUNK = 256;

  /** Index of the first chunk whose last item is >= id (chunks.length when none). */
  private chunkFor(ms: U64, seq: U64): number {
    const c = this.chunks;
    let lo = 0;
    let hi = c.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const ch = c[mid]!;
      const last = ch[ch.length - 1]!;
      if (cmpId(last.ms, last.seq, ms, seq) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private static lower<V extends StreamID>(ch: V[], ms: U64, seq: U64): number {
    let lo = 0;
    let hi = ch.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const x = ch[mid]!;
      if (cmpId(x.ms, x.seq, ms, seq) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get(ms: U64, seq: U64): V | undefined {
    const ci = this.chunkFor(ms, seq);
    const ch = this.chunks[ci];
    if (ch === undefined) return undefined;
    const x = ch[IdMap.lower(ch, ms, seq)]!;
    return x.ms === ms && x.seq === seq ? x : undefined;
  }

  /** Inserts v; false (and nothing changes) when its ID is present already. */
  insert(v: V): boolean {
    const c = this.chunks;
    if (c.length === 0) {
      c.push([v]);
      this.size++;
      return true;
    }
    let ci = this.chunkFor(v.ms, v.seq);
    if (ci === c.length) {
      // Beyond the last item: the common append.
      ci--;
      const ch = c[ci]!;
      if (ch.length >= IdMap.CHUNK) c.push([v]);
      else ch.push(v);
      this.size++;
      return true;
    }
    const ch = c[ci]!;
    const i = IdMap.lower(ch, v.ms, v.seq);
    const x = ch[i];
    if (x !== undefined && x.ms === v.ms && x.seq === v.seq) return false;
    ch.splice(i, 0, v);
    if (ch.length > IdMap.CHUNK * 2) c.splice(ci + 1, 0, ch.splice(IdMap.CHUNK));
    this.size++;
    return true;
  }

  delete(ms: U64, seq: U64): V | undefined {
    const c = this.chunks;
    const ci = this.chunkFor(ms, seq);
    const ch = c[ci];
    if (ch === undefined) return undefined;
    const i = IdMap.lower(ch, ms, seq);
    const x = ch[i]!;
    if (x.ms !== ms || x.seq !== seq) return undefined;
    ch.splice(i, 1);
    if (ch.length === 0) c.splice(ci, 1);
    this.size--;
    return x;
  }

  first(): V | undefined {
    return this.chunks[0]?.[0];
  }

  last(): V | undefined {
    const ch = this.chunks[this.chunks.length - 1];
    return ch?.[ch.length - 1];
  }

  /** Items >= id in order (a snapshot: callers may change the map meanwhile). */
  *from(ms: U64, seq: U64): IterableIterator<V> {
    let ci = this.chunkFor(ms, seq);
    const c = this.chunks;
    if (ci >= c.length) return;
    let ch = c[ci]!;
    let i = IdMap.lower(ch, ms, seq);
    for (;;) {
      if (i >= ch.length) {
        // Re-find the position after the last yielded item, the map may have changed.
        return yield* this.fromAfter(ch[ch.length - 1]!);
      }
      const x = ch[i]!;
      yield x;
      if (c[ci] !== ch || ch[i] !== x) {
        // Mutated under us: seek past x.
        return yield* this.fromAfter(x);
      }
      i++;
    }
  }

  private *fromAfter(x: V): IterableIterator<V> {
    const next = incrId(x);
    if (next === null) return;
    yield* this.from(next.ms, next.seq);
  }

  *[Symbol.iterator](): IterableIterator<V> {
    for (const ch of this.chunks) yield* ch;
  }

  toArray(): V[] {
    const out: V[] = [];
    for (const ch of this.chunks) for (const x of ch) out.push(x);
    return out;
  }
}

export class Consumer {
  /** -1 until the consumer is first delivered (or claims) something. */
  activeTime = -1;
  readonly pel = new IdMap<NACK>();
  constructor(
    readonly name: string,
    public seenTime: number,
  ) {}
}

/** SCG_INVALID_ENTRIES_READ. */
export const INVALID_ENTRIES_READ = -1;

export class ConsumerGroup {
  readonly pel = new IdMap<NACK>();
  readonly consumers = new Map<string, Consumer>();
  constructor(
    public lastId: StreamID,
    public entriesRead: number,
  ) {}

  /** Consumers in name (byte) order, as Redis's rax iterates them. */
  sortedConsumers(): Consumer[] {
    return [...this.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

// ---------------------------------------------------------------------------------------------
// The stream

export interface NodeLimits {
  /** stream-node-max-entries (0: no limit). */
  maxEntries: number;
  /** stream-node-max-bytes (0: no limit). */
  maxBytes: number;
}

export interface TrimArgs {
  strategy: 'maxlen' | 'minid';
  maxlen: number;
  minid: StreamID;
  approx: boolean;
  /** 0: unlimited. */
  limit: number;
}

export class RStream extends RObject {
  private nodes: StreamNode[] = [];
  length = 0;
  lastId: StreamID = MIN_ID;
  firstId: StreamID = MIN_ID;
  maxDeletedId: StreamID = MIN_ID;
  entriesAdded: U64 = 0;
  /** Groups by name, or null before the first is created. */
  groups: Map<string, ConsumerGroup> | null = null;
  private bytes = STREAM_BYTES;

  get type(): TypeName {
    return 'stream';
  }

  /** Never 0: an empty stream is a value of its own (it keeps its last ID and groups). */
  get size(): number {
    return this.length + 1;
  }

  memory(): number {
    return this.bytes;
  }

  encoding(): string {
    return 'stream';
  }

  /** Radix tree keys (XINFO radix-tree-keys): the number of nodes. */
  get nodeCount(): number {
    return this.nodes.length;
  }

  // -------------------------------------------------------------------------------------------
  // Appending

  /**
   * streamAppendItem with an ID decided by the caller (must be > lastId): appends to the tail
   * node, or opens a new node when the tail is full by entries or bytes.
   */
  append(id: StreamID, fv: string[], limits: NodeLimits): void {
    let totelelen = 0;
    for (let i = 0; i < fv.length; i++) totelelen += fv[i]!.length;
    const nf = fv.length >> 1;
    let node: StreamNode | undefined = this.nodes[this.nodes.length - 1];
    if (node !== undefined) {
      let maxBytes = limits.maxBytes;
      if (maxBytes === 0 || maxBytes > LISTPACK_MAX_SIZE) maxBytes = LISTPACK_MAX_SIZE;
      if (node.lpBytes + totelelen >= maxBytes) node = undefined;
      else if (limits.maxEntries && node.live + node.deleted >= limits.maxEntries) node = undefined;
    }
    let sameFields: boolean;
    if (node === undefined) {
      const fields = new Array<string>(nf);
      let fixed = LP_EMPTY + lpIntSize(nf) + lpIntSize(0);
      for (let i = 0; i < nf; i++) {
        fields[i] = fv[i * 2]!;
        fixed += lpEntrySize(fields[i]!);
      }
      node = new StreamNode(id.ms, id.seq, fields);
      node.fixed = fixed;
      this.nodes.push(node);
      this.bytes += node.mem;
      sameFields = true;
    } else {
      const mf = node.masterFields;
      sameFields = mf.length === nf;
      for (let i = 0; sameFields && i < nf; i++) if (mf[i] !== fv[i * 2]) sameFields = false;
    }
    let add = 2 /* flags */ + lpDeltaSize(id.ms, node.masterMs) + lpDeltaSize(id.seq, node.masterSeq);
    if (!sameFields) add += lpIntSize(nf);
    for (let i = 0; i < nf; i++) {
      if (!sameFields) add += lpEntrySize(fv[i * 2]!);
      add += lpEntrySize(fv[i * 2 + 1]!);
    }
    add += lpIntSize(sameFields ? nf + 3 : nf * 2 + 4);
    node.fixed += add;
    node.entries.push({ ms: id.ms, seq: id.seq, fv, del: false });
    node.live++;
    const m = entryMemory(fv);
    node.mem += m;
    this.bytes += m;
    this.length++;
    this.entriesAdded = incU64(this.entriesAdded);
    this.lastId = id;
    if (this.length === 1) this.firstId = id;
  }

  // -------------------------------------------------------------------------------------------
  // Seeking and reading

  /** Index of the node that may hold id: the last whose first entry is <= id (or 0). */
  private nodeFor(ms: U64, seq: U64): number {
    const nodes = this.nodes;
    let lo = 0;
    let hi = nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const n = nodes[mid]!;
      if (cmpId(n.masterMs, n.masterSeq, ms, seq) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 ? lo - 1 : 0;
  }

  /**
   * Live entries with start <= ID <= end, ascending (or descending with rev, from end), at most
   * count of them (0: all). The streamIterator.
   */
  range(start: StreamID, end: StreamID, rev: boolean, count = 0): StreamEntry[] {
    const out: StreamEntry[] = [];
    const nodes = this.nodes;
    if (nodes.length === 0 || compareIds(start, end) > 0) return out;
    if (!rev) {
      let ni = this.nodeFor(start.ms, start.seq);
      let i = nodes[ni]!.lowerBound(start.ms, start.seq);
      for (; ni < nodes.length; ni++, i = 0) {
        const entries = nodes[ni]!.entries;
        for (; i < entries.length; i++) {
          const e = entries[i]!;
          if (cmpId(e.ms, e.seq, end.ms, end.seq) > 0) return out;
          if (e.del) continue;
          out.push(e);
          if (out.length === count) return out;
        }
      }
    } else {
      let ni = this.nodeFor(end.ms, end.seq);
      const endNode = nodes[ni]!;
      // The last entry <= end: one before the first entry > end.
      const after = incrId(end);
      let i = (after === null ? endNode.entries.length : endNode.lowerBound(after.ms, after.seq)) - 1;
      for (; ni >= 0; ni--) {
        const entries = nodes[ni]!.entries;
        if (i === -2) i = entries.length - 1;
        for (; i >= 0; i--) {
          const e = entries[i]!;
          if (cmpId(e.ms, e.seq, start.ms, start.seq) < 0) return out;
          if (e.del) continue;
          out.push(e);
          if (out.length === count) return out;
        }
        i = -2;
      }
    }
    return out;
  }

  /** The live entry with this ID, if any. */
  get(id: StreamID): StreamEntry | undefined {
    const nodes = this.nodes;
    if (nodes.length === 0) return undefined;
    const node = nodes[this.nodeFor(id.ms, id.seq)]!;
    const e = node.entries[node.lowerBound(id.ms, id.seq)];
    return e !== undefined && !e.del && e.ms === id.ms && e.seq === id.seq ? e : undefined;
  }

  /** streamGetEdgeID skipping tombstones: the first (or last) live ID, or null when empty. */
  edgeId(first: boolean): StreamID | null {
    const r = this.range(MIN_ID, MAX_ID, !first, 1);
    return r.length === 0 ? null : { ms: r[0]!.ms, seq: r[0]!.seq };
  }

  /** streamGetEdgeID(first, no skipping): the ID of the first entry, tombstone or not. */
  firstEntryId(): StreamID | null {
    const n = this.nodes[0];
    if (n === undefined) return null;
    const e = n.entries[0]!;
    return { ms: e.ms, seq: e.seq };
  }

  /** streamLastValidID: the last live entry's ID (0-0 when empty). */
  lastValidId(): StreamID {
    return this.edgeId(false) ?? MIN_ID;
  }

  // -------------------------------------------------------------------------------------------
  // Deleting

  /** streamDeleteItem: tombstones the entry (freeing its node when it was the last live one). */
  delete(id: StreamID): boolean {
    const nodes = this.nodes;
    if (nodes.length === 0) return false;
    const ni = this.nodeFor(id.ms, id.seq);
    const node = nodes[ni]!;
    const e = node.entries[node.lowerBound(id.ms, id.seq)];
    if (e === undefined || e.del || e.ms !== id.ms || e.seq !== id.seq) return false;
    if (node.live === 1) {
      this.removeNodes(ni, 1);
    } else {
      e.del = true;
      node.live--;
      node.deleted++;
    }
    this.length--;
    return true;
  }

  private removeNodes(at: number, n: number): void {
    for (let i = at; i < at + n; i++) this.bytes -= this.nodes[i]!.mem;
    this.nodes.splice(at, n);
  }

  /**
   * streamTrim: removes entries from the head, by MAXLEN or MINID; approximate trimming removes
   * whole nodes only, and LIMIT bounds the work. Returns how many entries went.
   */
  trim(a: TrimArgs): number {
    const nodes = this.nodes;
    const maxlen = a.strategy === 'maxlen';
    let deleted = 0;
    let drop = 0;
    let partial = false;
    for (let ni = 0; ni < nodes.length; ni++) {
      if (maxlen && this.length <= a.maxlen) break;
      const node = nodes[ni]!;
      const entries = node.live;
      if (a.limit && deleted + entries > a.limit) break;
      let remove: boolean;
      if (maxlen) {
        remove = this.length - entries >= a.maxlen;
      } else {
        const last = node.entries[node.entries.length - 1]!;
        remove = cmpId(last.ms, last.seq, a.minid.ms, a.minid.seq) < 0;
      }
      if (remove) {
        drop++;
        this.length -= entries;
        deleted += entries;
        continue;
      }
      if (a.approx) break;
      partial = true;
      for (const e of node.entries) {
        const stop = maxlen ? this.length <= a.maxlen : cmpId(e.ms, e.seq, a.minid.ms, a.minid.seq) >= 0;
        if (stop) break;
        if (!e.del) {
          e.del = true;
          node.live--;
          node.deleted++;
          this.length--;
          deleted++;
        }
      }
      break;
    }
    void partial;
    if (drop > 0) this.removeNodes(0, drop);
    if (this.length === 0) this.firstId = MIN_ID;
    else if (deleted) this.firstId = this.edgeId(true)!;
    return deleted;
  }

  // -------------------------------------------------------------------------------------------
  // Consumer groups

  group(name: string): ConsumerGroup | undefined {
    return this.groups?.get(name);
  }

  /** streamCreateCG: null when the name is taken. */
  createGroup(name: string, id: StreamID, entriesRead: number): ConsumerGroup | null {
    if (this.groups === null) this.groups = new Map();
    if (this.groups.has(name)) return null;
    const g = new ConsumerGroup(id, entriesRead);
    this.groups.set(name, g);
    this.bytes += GROUP_BYTES + stringMemory(name);
    return g;
  }

  destroyGroup(name: string): boolean {
    const g = this.groups?.get(name);
    if (g === undefined) return false;
    this.groups!.delete(name);
    let m = GROUP_BYTES + stringMemory(name) + g.pel.size * NACK_BYTES;
    for (const c of g.consumers.values()) m += CONSUMER_BYTES + stringMemory(c.name);
    this.bytes -= m;
    return true;
  }

  /** Groups in name (byte) order, as Redis's rax iterates them. */
  sortedGroups(): [string, ConsumerGroup][] {
    if (this.groups === null) return [];
    return [...this.groups].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  createConsumer(g: ConsumerGroup, name: string, now: number): Consumer | null {
    if (g.consumers.has(name)) return null;
    const c = new Consumer(name, now);
    g.consumers.set(name, c);
    this.bytes += CONSUMER_BYTES + stringMemory(name);
    return c;
  }

  /** streamDelConsumer: its pending entries leave the group PEL too. Returns how many. */
  deleteConsumer(g: ConsumerGroup, c: Consumer): number {
    const pending = c.pel.size;
    for (const n of c.pel) g.pel.delete(n.ms, n.seq);
    g.consumers.delete(c.name);
    this.bytes -= CONSUMER_BYTES + stringMemory(c.name) + pending * NACK_BYTES;
    return pending;
  }

  /** A new NACK in the group PEL (and the consumer's, when given); false when present. */
  addNack(g: ConsumerGroup, nack: NACK): boolean {
    if (!g.pel.insert(nack)) return false;
    nack.consumer?.pel.insert(nack);
    this.bytes += NACK_BYTES;
    return true;
  }

  /** Removes a NACK from the group PEL and its consumer's. */
  removeNack(g: ConsumerGroup, nack: NACK): void {
    g.pel.delete(nack.ms, nack.seq);
    nack.consumer?.pel.delete(nack.ms, nack.seq);
    this.bytes -= NACK_BYTES;
  }

  /** Moves a NACK to another consumer's PEL. */
  assignNack(nack: NACK, c: Consumer): void {
    if (nack.consumer === c) return;
    nack.consumer?.pel.delete(nack.ms, nack.seq);
    c.pel.insert(nack);
    nack.consumer = c;
  }

  // -------------------------------------------------------------------------------------------
  // Logical read counters (entries-read, lag)

  /**
   * streamRangeHasTombstones: whether a tombstone may lie in [start, end] (judged, as Redis
   * does, by the max deleted ID alone). Callers ensure start < lastId.
   */
  rangeHasTombstones(start: StreamID | null, end: StreamID | null): boolean {
    const md = this.maxDeletedId;
    if (this.length === 0 || idIsZero(md)) return false;
    if (compareIds(this.firstId, md) > 0) return false;
    const s = start ?? MIN_ID;
    const e = end ?? MAX_ID;
    return compareIds(s, md) <= 0 && compareIds(md, e) <= 0;
  }

  /** streamEstimateDistanceFromFirstEverEntry: the logical read counter of id, or -1. */
  estimateDistance(id: StreamID): number {
    const added = Number(this.entriesAdded);
    if (added === 0) return 0;
    const cmpLast = compareIds(id, this.lastId);
    if (this.length === 0 && cmpLast < 1) return added;
    if (cmpLast === 0) return added;
    if (cmpLast > 0) return INVALID_ENTRIES_READ;
    const cmpFirst = compareIds(id, this.firstId);
    const md = this.maxDeletedId;
    if (idIsZero(md) || compareIds(md, this.firstId) < 0) {
      if (cmpFirst < 0) return added - this.length;
      if (cmpFirst === 0) return added - this.length + 1;
    }
    return INVALID_ENTRIES_READ;
  }

  /** streamReplyWithCGLag: the group's lag, or null when it cannot be known. */
  lag(g: ConsumerGroup): number | null {
    const added = Number(this.entriesAdded);
    if (added === 0) return 0;
    if (g.entriesRead !== INVALID_ENTRIES_READ && !this.rangeHasTombstones(g.lastId, null)) return added - g.entriesRead;
    const read = this.estimateDistance(g.lastId);
    return read === INVALID_ENTRIES_READ ? null : added - read;
  }

  // -------------------------------------------------------------------------------------------

  clone(): RStream {
    const s = new RStream();
    s.nodes = this.nodes.map((n) => n.clone());
    s.length = this.length;
    s.lastId = this.lastId;
    s.firstId = this.firstId;
    s.maxDeletedId = this.maxDeletedId;
    s.entriesAdded = this.entriesAdded;
    s.bytes = this.bytes;
    if (this.groups !== null) {
      s.groups = new Map();
      for (const [name, g] of this.groups) {
        const ng = new ConsumerGroup(g.lastId, g.entriesRead);
        const byName = new Map<Consumer, Consumer>();
        for (const [cn, c] of g.consumers) {
          const nc = new Consumer(cn, c.seenTime);
          nc.activeTime = c.activeTime;
          ng.consumers.set(cn, nc);
          byName.set(c, nc);
        }
        for (const n of g.pel) {
          const consumer = n.consumer === null ? null : byName.get(n.consumer)!;
          const nn: NACK = { ms: n.ms, seq: n.seq, deliveryTime: n.deliveryTime, deliveryCount: n.deliveryCount, consumer };
          ng.pel.insert(nn);
          consumer?.pel.insert(nn);
        }
        s.groups.set(name, ng);
      }
    }
    return s;
  }
}
