/**
 * Snapshot records (issue 4): one key — its db, name, absolute expire time and value — as a plain
 * array that msgpackr packs without records or extensions (any MessagePack decoder reads it), and
 * the FUNCTION libraries as one record of their code.
 *
 * What is kept is what a client can observe after a reload, for the same config: contents, TTL,
 * OBJECT ENCODING (Redis 7.2 never converts a big hash/set/zset/list back to its compact
 * encoding, so the encoding is history, not just contents, and is stored), a compact container's
 * order (listpack hashes and sets iterate in insertion order), stream node boundaries (approximate
 * XTRIM removes whole nodes; XINFO reports radix-tree-keys), tombstones, consumer groups, their
 * PELs and consumers' times. Not kept, as the brief says: the LRU/LFU word (a loaded key starts
 * fresh, as after DEBUG RELOAD with a different maxmemory-policy).
 *
 * Binary strings are stored as MessagePack strings (UTF-8 on the wire, the same chars back), as
 * the journal does; StrBuf bytes as bin; zset scores as raw little-endian float64 bytes, because
 * MessagePack integers cannot carry -0 and a skiplist zset may hold it.
 *
 * Some value types keep restore-relevant state private (RHash.compact, RStream.nodes); this file
 * reaches it through narrow casts (see `internals` below) rather than widen those classes' APIs.
 */
import type { EngineConfig } from '../config.ts';
import type { Shard } from '../engine/shard.ts';
import type { Keyspace } from '../keyspace/keyspace.ts';
import type { Value } from '../keyspace/object.ts';
import { scriptingState } from '../scripting/state.ts';
import { RHash } from '../types/hash.ts';
import { RList } from '../types/list.ts';
import { HASHTABLE, INTSET, LISTPACK, RSet, type SetEncoding } from '../types/set.ts';
import { StrBuf } from '../types/strbuf.ts';
import { normU64, RStream, type NACK, type StreamEntry, type U64 } from '../types/stream.ts';
import { RZSet } from '../types/zset.ts';

/** Type tags of key records. */
export const T_STRING = 0;
export const T_STRBUF = 1;
export const T_LIST = 2;
export const T_SET = 3;
export const T_ZSET = 4;
export const T_HASH = 5;
export const T_STREAM = 6;

/**
 * One key: [db, key, expireAt (unix ms, -1 without a TTL), type tag, ...data]. The data per tag:
 * - T_STRING  value
 * - T_STRBUF  bytes, embstr (0/1)
 * - T_LIST    quicklist (0/1), items[]
 * - T_SET     encoding (0 intset, 1 listpack, 2 hashtable), members[] (in iteration order)
 * - T_ZSET    listpack (0/1), members[], scores (float64 LE bytes, one per member)
 * - T_HASH    listpack (0/1), [field, value, field, value, ...] (in iteration order)
 * - T_STREAM  see encodeStream
 */
export type KeyRecord = [db: number, key: string, expireAt: number, type: number, ...data: unknown[]];

/** The function libraries: [FUNCTIONS_DB, code of each library, in load order]. */
export type FunctionsRecord = [db: typeof FUNCTIONS_DB, codes: string[]];

/** The db field of the functions record (key records have db >= 0). */
export const FUNCTIONS_DB = -1;

export type SnapshotRecord = KeyRecord | FunctionsRecord;

/** A snapshot's data does not decode as records. */
export class SnapshotFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotFormatError';
  }
}

/**
 * The data does not fit this engine's config (a key of a database beyond `databases`): every
 * snapshot of the same data would fail alike, so recovery stops rather than fall back.
 */
export class SnapshotConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotConfigError';
  }
}

/** The config a decoded value needs (encoding thresholds): a shard's EngineConfig. */
export type CodecConfig = Pick<
  EngineConfig,
  | 'hash-max-listpack-entries'
  | 'hash-max-listpack-value'
  | 'set-max-intset-entries'
  | 'set-max-listpack-entries'
  | 'set-max-listpack-value'
  | 'list-max-listpack-size'
>;

// ---------------------------------------------------------------------------------------------
// Private state of the value types that a restore must set (see the file comment).

interface HashInternals {
  compact: boolean;
}
interface StreamNodeInternals {
  entries: StreamEntry[];
  live: number;
  deleted: number;
}
interface StreamInternals {
  nodes: StreamNodeInternals[];
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** The record of one key. */
export function encodeKey(db: number, key: string, value: Value, expireAt: number): KeyRecord {
  if (typeof value === 'string') return [db, key, expireAt, T_STRING, value];
  if (value instanceof StrBuf) return [db, key, expireAt, T_STRBUF, value.buf.subarray(0, value.len), value.embstr ? 1 : 0];
  if (value instanceof RList) return [db, key, expireAt, T_LIST, value.quicklist ? 1 : 0, value.items.toArray()];
  if (value instanceof RSet) return [db, key, expireAt, T_SET, value.enc, value.dict.keyList()];
  if (value instanceof RZSet) {
    const n = value.dict.size;
    const members = new Array<string>(n);
    const scores = new Uint8Array(n * 8);
    const view = new DataView(scores.buffer);
    let i = 0;
    value.dict.forEach((m, s) => {
      members[i] = m;
      view.setFloat64(i * 8, s, true);
      i++;
    });
    return [db, key, expireAt, T_ZSET, value.listpack ? 1 : 0, members, scores];
  }
  if (value instanceof RHash) {
    const fv = new Array<string>(value.size * 2);
    let i = 0;
    value.dict.forEach((f, v) => {
      fv[i++] = f;
      fv[i++] = v;
    });
    return [db, key, expireAt, T_HASH, value.isListpack ? 1 : 0, fv];
  }
  if (value instanceof RStream) return [db, key, expireAt, T_STREAM, ...encodeStream(value)];
  throw new SnapshotFormatError(`cannot encode a value of type ${(value as Value & object).constructor?.name}`);
}

/** A U64 as MessagePack carries it exactly: a number when safe, else its decimal text. */
const u64 = (v: U64): number | string => (typeof v === 'number' ? v : v.toString());

function readU64(v: unknown): U64 {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return normU64(BigInt(v));
  if (typeof v === 'bigint') return normU64(v);
  throw new SnapshotFormatError('malformed stream ID');
}

/**
 * [length, lastId ms, seq, firstId ms, seq, maxDeletedId ms, seq, entriesAdded,
 *  nodes: [[ms, seq, fv[], deleted(0/1)], ...][],
 *  groups: [name, lastId ms, seq, entriesRead, consumers: [name, seenTime, activeTime][],
 *           pel: [ms, seq, deliveryTime, deliveryCount, consumer name | null][]][]]
 */
function encodeStream(s: RStream): unknown[] {
  const nodes = (s as unknown as StreamInternals).nodes.map((n) => {
    const out = new Array<unknown>(n.entries.length);
    for (let i = 0; i < n.entries.length; i++) {
      const e = n.entries[i]!;
      out[i] = [u64(e.ms), u64(e.seq), e.fv, e.del ? 1 : 0];
    }
    return out;
  });
  const groups: unknown[] = [];
  if (s.groups !== null) {
    for (const [name, g] of s.groups) {
      const consumers: unknown[] = [];
      for (const c of g.consumers.values()) consumers.push([c.name, c.seenTime, c.activeTime]);
      const pel: unknown[] = [];
      for (const n of g.pel) pel.push([u64(n.ms), u64(n.seq), n.deliveryTime, n.deliveryCount, n.consumer?.name ?? null]);
      groups.push([name, u64(g.lastId.ms), u64(g.lastId.seq), g.entriesRead, consumers, pel]);
    }
  }
  return [
    s.length,
    u64(s.lastId.ms),
    u64(s.lastId.seq),
    u64(s.firstId.ms),
    u64(s.firstId.seq),
    u64(s.maxDeletedId.ms),
    u64(s.maxDeletedId.seq),
    u64(s.entriesAdded),
    nodes,
    groups,
  ];
}

/** The record of the shard's function libraries, or null when there are none. */
export function encodeFunctions(shard: Shard): FunctionsRecord | null {
  const libs = scriptingState(shard).libraries;
  if (libs.size === 0) return null;
  const codes: string[] = [];
  for (const lib of libs.values()) codes.push(lib.code);
  return [FUNCTIONS_DB, codes];
}

// ---------------------------------------------------------------------------------------------
// Decoding

const isArr = Array.isArray;

function strings(v: unknown, what: string): string[] {
  if (!isArr(v)) throw new SnapshotFormatError(`malformed ${what}`);
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') throw new SnapshotFormatError(`malformed ${what}`);
  return v as string[];
}

/** Checks the shape of a decoded record (anything MessagePack gave back). */
export function checkRecord(r: unknown): SnapshotRecord {
  if (!isArr(r) || typeof r[0] !== 'number') throw new SnapshotFormatError('malformed record');
  if (r[0] === FUNCTIONS_DB) {
    strings(r[1], 'functions record');
    return r as FunctionsRecord;
  }
  if (r.length < 5 || !Number.isInteger(r[0]) || r[0] < 0 || typeof r[1] !== 'string' || typeof r[2] !== 'number' || typeof r[3] !== 'number') {
    throw new SnapshotFormatError('malformed key record');
  }
  return r as KeyRecord;
}

/** The value of a key record, built as the engine would hold it under `cfg`. */
export function decodeValue(r: KeyRecord, cfg: CodecConfig): Value {
  switch (r[3]) {
    case T_STRING:
      if (typeof r[4] !== 'string') break;
      return r[4];
    case T_STRBUF: {
      const bytes = r[4];
      if (!(bytes instanceof Uint8Array)) break;
      const sb = new StrBuf(bytes.length);
      sb.buf.set(bytes);
      sb.len = bytes.length;
      sb.embstr = r[5] === 1;
      return sb;
    }
    case T_LIST: {
      const l = RList.from(strings(r[5], 'list'), cfg['list-max-listpack-size']);
      l.quicklist = r[4] === 1;
      return l;
    }
    case T_SET: {
      const enc = r[4];
      if (enc !== INTSET && enc !== LISTPACK && enc !== HASHTABLE) break;
      // Added one by one in their order: a compact set keeps it, and an intset its longest member.
      return RSet.fromMembers(cfg, strings(r[5], 'set'), enc as SetEncoding);
    }
    case T_ZSET: {
      const members = strings(r[5], 'sorted set');
      const scores = r[6];
      if (!(scores instanceof Uint8Array) || scores.length !== members.length * 8) break;
      const view = new DataView(scores.buffer, scores.byteOffset, scores.length);
      const z = new RZSet(r[4] === 1);
      if (members.length === 0) return z;
      z.beginBulk();
      for (let i = 0; i < members.length; i++) z.insert(members[i]!, view.getFloat64(i * 8, true));
      z.endBulk();
      return z;
    }
    case T_HASH: {
      const fv = strings(r[5], 'hash');
      const h = new RHash(cfg);
      for (let i = 0; i + 1 < fv.length; i += 2) h.set(fv[i]!, fv[i + 1]!);
      if (r[4] !== 1) (h as unknown as HashInternals).compact = false;
      return h;
    }
    case T_STREAM:
      return decodeStream(r);
  }
  throw new SnapshotFormatError(`malformed value of type ${r[3]} at key record`);
}

/** A new node for the first entry (any tail is "full" at one entry), then appends to it. */
const NEW_NODE = { maxEntries: 1, maxBytes: 0 };
const SAME_NODE = { maxEntries: 0, maxBytes: 0 };

function decodeStream(r: KeyRecord): RStream {
  const [length, lms, lseq, fms, fseq, dms, dseq, added, nodes, groups] = r.slice(4) as unknown[];
  if (typeof length !== 'number' || !isArr(nodes) || !isArr(groups)) throw new SnapshotFormatError('malformed stream');
  const s = new RStream();
  // Re-appending every entry, tombstones included, rebuilds each node's listpack size and memory
  // exactly as they grew; the node limits force the stored boundaries.
  for (const node of nodes) {
    if (!isArr(node) || node.length === 0) throw new SnapshotFormatError('malformed stream node');
    for (let i = 0; i < node.length; i++) {
      const e = node[i];
      if (!isArr(e)) throw new SnapshotFormatError('malformed stream entry');
      s.append({ ms: readU64(e[0]), seq: readU64(e[1]) }, strings(e[2], 'stream entry'), i === 0 ? NEW_NODE : SAME_NODE);
    }
  }
  const internal = (s as unknown as StreamInternals).nodes;
  for (let ni = 0; ni < nodes.length; ni++) {
    const node = nodes[ni] as unknown[][];
    const target = internal[ni]!;
    for (let i = 0; i < node.length; i++) {
      if (node[i]![3] !== 1) continue;
      target.entries[i]!.del = true;
      target.live--;
      target.deleted++;
    }
  }
  s.length = length;
  s.lastId = { ms: readU64(lms), seq: readU64(lseq) };
  s.firstId = { ms: readU64(fms), seq: readU64(fseq) };
  s.maxDeletedId = { ms: readU64(dms), seq: readU64(dseq) };
  s.entriesAdded = readU64(added);
  for (const g of groups) {
    if (!isArr(g) || typeof g[0] !== 'string' || typeof g[3] !== 'number' || !isArr(g[4]) || !isArr(g[5])) {
      throw new SnapshotFormatError('malformed stream consumer group');
    }
    const group = s.createGroup(g[0], { ms: readU64(g[1]), seq: readU64(g[2]) }, g[3])!;
    for (const c of g[4] as unknown[][]) {
      const consumer = s.createConsumer(group, c[0] as string, c[1] as number)!;
      consumer.activeTime = c[2] as number;
    }
    for (const p of g[5] as unknown[][]) {
      const owner = p[4] === null ? null : group.consumers.get(p[4] as string);
      if (owner === undefined) throw new SnapshotFormatError('stream PEL entry of an unknown consumer');
      const nack: NACK = {
        ms: readU64(p[0]),
        seq: readU64(p[1]),
        deliveryTime: p[2] as number,
        deliveryCount: p[3] as number,
        consumer: owner,
      };
      s.addNack(group, nack);
    }
  }
  return s;
}

/**
 * Adds a key record's key to its database (it must not exist there). Keys whose TTL has passed
 * are loaded anyway: the journal's DELs, or expiry once serving, remove them as Redis does.
 */
export function loadKeyRecord(shard: Shard, r: KeyRecord): void {
  const db: Keyspace | undefined = shard.dbs[r[0]];
  if (db === undefined) throw new SnapshotConfigError(`key record of database ${r[0]}, beyond 'databases' (${shard.dbs.length})`);
  const key = r[1];
  if (db.main.find(key) >= 0) db.delete(key);
  db.add(key, decodeValue(r, shard.config));
  if (r[2] >= 0) db.setExpire(key, r[2]);
}

/**
 * Loads the function libraries of a record through FUNCTION LOAD REPLACE (needs the Lua runtime
 * registered: src/node/scripting/lua.ts).
 */
export function loadFunctionsRecord(shard: Shard, r: FunctionsRecord): void {
  for (const code of r[1]) shard.replay([{ db: 0, argv: ['FUNCTION', 'LOAD', 'REPLACE', code] }]);
}

/** Every record of a shard's data: the functions first, then each db's keys. */
export function* shardRecords(shard: Shard): IterableIterator<SnapshotRecord> {
  const f = encodeFunctions(shard);
  if (f !== null) yield f;
  for (const db of shard.dbs) {
    if (db.size === 0) continue;
    const main = db.main;
    const hasExpires = db.expires.size > 0;
    // Index walk instead of forEach so this can be a generator; the caller must not write
    // meanwhile (a snapshot of a live shard is taken synchronously).
    for (let i = 0, n = main.end; i < n; i++) {
      const k = main.keyAt(i);
      if (k === undefined) continue;
      yield encodeKey(db.id, k, main.valAt(i), hasExpires ? db.getExpire(k) : -1);
    }
  }
}

/**
 * A shard's data as sorted records, for comparing two shards (tests, tools): keys in (db, key)
 * order, and the members of hashtable-encoded sets and hashes sorted, since their iteration order
 * is the hash table's and not part of what a reload must keep.
 */
export function canonicalRecords(shard: Shard): SnapshotRecord[] {
  const out: SnapshotRecord[] = [];
  for (const r of shardRecords(shard)) {
    if (r[0] === FUNCTIONS_DB) {
      out.push(r);
      continue;
    }
    const k = r as KeyRecord;
    if (k[3] === T_SET && k[4] === HASHTABLE) k[5] = [...(k[5] as string[])].sort();
    if (k[3] === T_HASH && k[4] !== 1) {
      const fv = k[5] as string[];
      const pairs: [string, string][] = [];
      for (let i = 0; i < fv.length; i += 2) pairs.push([fv[i]!, fv[i + 1]!]);
      pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      k[5] = pairs.flat();
    }
    if (k[3] === T_ZSET) {
      // Members in score order (the dict's order is not observable); -0 spelled out.
      const members = k[5] as string[];
      const bytes = k[6] as Uint8Array;
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
      const pairs = members.map((m, i) => [m, view.getFloat64(i * 8, true)] as const);
      pairs.sort((a, b) => (a[1] !== b[1] ? a[1] - b[1] : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      k[5] = pairs.map((p) => p[0]);
      k[6] = pairs.map((p) => (Object.is(p[1], -0) ? '-0' : p[1]));
    }
    out.push(k);
  }
  out.sort((a, b) => (a[0] !== b[0] ? a[0] - b[0] : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return out;
}
