/**
 * Snapshots (issue 4, DESIGN invariants 5 and 6): the data at a journal sequence number, stored in
 * chunks, built incrementally from the previous snapshot plus the journal, loaded at start before
 * the journal's tail, pruned by age, and exported to / imported from one file.
 *
 * Data layout. A snapshot is a sequence of chunks; a chunk is a format byte followed by
 * MessagePack records (snapshot-codec.ts) packed back to back, about CHUNK_BYTES each. Its meta
 * records the journal point it includes (seq and the journal's chain value there, so recovery
 * proves the journal tail continues exactly this history) and a CRC-32C chained over its chunks'
 * bytes in order (so a torn or altered snapshot is detected before it is trusted). A snapshot is
 * written chunk by chunk, each chunk its own storage transaction (LMDB has one writer per
 * environment: one huge transaction would hold every other writer), and only then marked
 * complete; a snapshot never marked complete is torn.
 *
 * Incremental build (buildSnapshot): the new snapshot is the previous one plus the journal
 * entries (prev.seq, toSeq]. Memory never holds a second copy of the data: a first pass over the
 * journal finds the keys its effects touch (key positions from the command table, plus the
 * key-less whole-database effects: FLUSHALL, FLUSHDB, SWAPDB, MOVE/COPY to another db, SORT's
 * BY/GET patterns, FUNCTION *); a pass over the previous snapshot loads only those keys into a
 * scratch Engine and copies every other record through unchanged (renumbered when a SWAPDB moved
 * its database, dropped when a flush emptied it); the effects are then replayed through the
 * scratch engine (Shard.replay, the same command table as serving, DESIGN invariant 3) and its
 * keys written after the copied ones. The scratch engine holds the touched keys only.
 *
 * Portable (no Node built-ins): the LMDB store is src/node/snapshot-lmdb.ts, the Piscina worker
 * src/node/snapshot-worker.ts.
 */
import { Packr } from 'msgpackr';
import { keyIndexes, runnableCommand } from '../commands/table.ts';
import type { EngineConfig } from '../config.ts';
import { Engine } from '../engine/engine.ts';
import type { Effect, Shard } from '../engine/shard.ts';
import { JournalCorruptError, JournalError, type ChainPoint, type Journal } from './journal.ts';
import { crc32c } from './crc32c.ts';
import {
  FUNCTIONS_DB,
  SnapshotConfigError,
  checkRecord,
  loadFunctionsRecord,
  loadKeyRecord,
  shardRecords,
  type FunctionsRecord,
  type KeyRecord,
  type SnapshotRecord,
} from './snapshot-codec.ts';

// ---------------------------------------------------------------------------------------------
// Meta and storage

export interface SnapshotMeta {
  /** Store-assigned, increasing: a newer snapshot has a larger id. */
  readonly id: number;
  /** A manual snapshot's name (kept until deleted); null for an automatic one (pruned by age). */
  readonly name: string | null;
  /** Unix ms. */
  readonly created: number;
  /** The last journal sequence number whose effects it includes. */
  readonly seq: number;
  /** The journal's chain value at seq (journal.chainAt(seq).crc). */
  readonly journalCrc: number;
  /** Key records (the functions record is not counted). */
  readonly keys: number;
  /** Bytes of its chunks. */
  readonly bytes: number;
  readonly chunks: number;
  /** CRC-32C chained over the chunks' bytes, in order. */
  readonly checksum: number;
  /** False until every chunk is stored: a snapshot that stays incomplete is torn. */
  readonly complete: boolean;
}

/** What a new snapshot is created with; the rest is known when it completes. */
export interface SnapshotInfo {
  name: string | null;
  created: number;
  seq: number;
  journalCrc: number;
}

export interface SnapshotTotals {
  keys: number;
  bytes: number;
  chunks: number;
  checksum: number;
}

/**
 * Where snapshots live. Reads are synchronous (LMDB reads are; one chunk at a time, by index, so
 * no read transaction is held across a chunked write); writes are asynchronous, one storage
 * transaction per chunk.
 */
export interface SnapshotStore {
  /** Every snapshot, complete or not, by ascending id. */
  list(): SnapshotMeta[];
  get(id: number): SnapshotMeta | undefined;
  /** Chunk `index` of snapshot `id`, or undefined when missing. */
  readChunk(id: number, index: number): Uint8Array | undefined;
  /** Starts a new (incomplete) snapshot. A name already taken is an error. */
  create(info: SnapshotInfo): Promise<SnapshotWriter>;
  /** Removes a snapshot and its chunks (in several transactions when large). */
  delete(id: number): Promise<void>;
  close(): Promise<void>;
}

export interface SnapshotWriter {
  readonly id: number;
  /** Stores the next chunk (the store may keep the array: pass one it will not reuse). */
  append(chunk: Uint8Array): Promise<void>;
  /** Marks the snapshot complete (durably, before resolving) and returns its meta. */
  complete(totals: SnapshotTotals): Promise<SnapshotMeta>;
  /** Drops what was written. */
  abort(): Promise<void>;
}

/** A snapshot that cannot be used: torn, corrupt, missing. */
export class SnapshotError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SnapshotError';
  }
}

/** The error of a name already taken by another snapshot. */
export function nameTaken(name: string): SnapshotError {
  return new SnapshotError(`a snapshot named '${name}' already exists`);
}

/** Snapshots in memory: for tests and the browser (it is lost with the page). */
export class MemorySnapshotStore implements SnapshotStore {
  private readonly metas = new Map<number, SnapshotMeta>();
  /** Open to tests (tear or corrupt a chunk). */
  readonly data = new Map<number, Uint8Array[]>();
  private nextId = 1;

  list(): SnapshotMeta[] {
    return [...this.metas.values()].sort((a, b) => a.id - b.id);
  }
  get(id: number): SnapshotMeta | undefined {
    return this.metas.get(id);
  }
  readChunk(id: number, index: number): Uint8Array | undefined {
    return this.data.get(id)?.[index];
  }
  async create(info: SnapshotInfo): Promise<SnapshotWriter> {
    if (info.name !== null && this.list().some((m) => m.name === info.name)) throw nameTaken(info.name);
    const id = this.nextId++;
    const chunks: Uint8Array[] = [];
    this.metas.set(id, { id, ...info, keys: 0, bytes: 0, chunks: 0, checksum: 0, complete: false });
    this.data.set(id, chunks);
    return {
      id,
      append: async (chunk) => {
        chunks.push(chunk);
      },
      complete: async (totals) => {
        const { keys, bytes, chunks: n, checksum } = totals;
        const meta: SnapshotMeta = { ...this.metas.get(id)!, keys, bytes, chunks: n, checksum, complete: true };
        this.metas.set(id, meta);
        return meta;
      },
      abort: async () => {
        await this.delete(id);
      },
    };
  }
  async delete(id: number): Promise<void> {
    this.metas.delete(id);
    this.data.delete(id);
  }
  async close(): Promise<void> {}
}

// ---------------------------------------------------------------------------------------------
// Chunks

const CHUNK_FORMAT = 1;
/** Target chunk size: big enough that per-transaction costs vanish, small enough to never stall. */
export const CHUNK_BYTES = 1 << 20;

const packr = new Packr({ useRecords: false, moreTypes: false });

/** Packs records into chunks and hands each full one to `emit`, keeping the totals. */
class ChunkPacker {
  private buf = new Uint8Array(CHUNK_BYTES + 1024);
  private len = 1;
  private recordsInChunk = 0;
  keys = 0;
  bytes = 0;
  chunks = 0;
  checksum = 0;

  constructor(
    private readonly emit: (chunk: Uint8Array) => Promise<void> | void,
    private readonly chunkBytes = CHUNK_BYTES,
  ) {}

  /** Adds a record; returns a promise only when a chunk went out (await it to bound memory). */
  add(record: SnapshotRecord): Promise<void> | void {
    return this.addRaw(packr.pack(record), record[0] !== FUNCTIONS_DB);
  }

  /** Adds a record's packed bytes as they are (a record copied from another snapshot). */
  addRaw(bytes: Uint8Array, isKey: boolean): Promise<void> | void {
    if (isKey) this.keys++;
    if (this.len + bytes.length > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.buf.length * 2, this.len + bytes.length));
      grown.set(this.buf.subarray(0, this.len));
      this.buf = grown;
    }
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
    this.recordsInChunk++;
    if (this.len >= this.chunkBytes) return this.flush();
  }

  /** Emits the chunk being filled, if it holds anything. */
  flush(): Promise<void> | void {
    if (this.recordsInChunk === 0) return;
    const chunk = this.buf.slice(0, this.len);
    chunk[0] = CHUNK_FORMAT;
    this.len = 1;
    this.recordsInChunk = 0;
    this.bytes += chunk.length;
    this.chunks++;
    this.checksum = crc32c(chunk, 0, chunk.length, this.checksum);
    return this.emit(chunk);
  }

  totals(): SnapshotTotals {
    return { keys: this.keys, bytes: this.bytes, chunks: this.chunks, checksum: this.checksum };
  }
}

/** Visits the records of one chunk with their packed bytes (start..end within the chunk). */
function checkChunkFormat(id: number, index: number, chunk: Uint8Array): void {
  if (chunk.length < 1 || chunk[0] !== CHUNK_FORMAT) {
    throw new SnapshotError(`snapshot ${id}: chunk ${index} has an unknown format ${chunk[0]}`);
  }
}

function forEachRecord(
  id: number,
  index: number,
  chunk: Uint8Array,
  fn: (record: SnapshotRecord, start: number, end: number) => void,
): void {
  checkChunkFormat(id, index, chunk);
  // Errors of fn (a record that does not load) pass through as they are; only MessagePack's own
  // are reported as an undecodable chunk.
  let failed = false;
  let failure: unknown;
  try {
    packr.unpackMultiple(chunk.subarray(1), (value: unknown, start?: number, end?: number) => {
      try {
        fn(checkRecord(value), start! + 1, end! + 1);
      } catch (e) {
        failed = true;
        failure = e;
        throw e;
      }
    });
  } catch (e) {
    if (failed) throw failure;
    throw new SnapshotError(`snapshot ${id}: chunk ${index} does not decode (${(e as Error).message})`, { cause: e });
  }
}

/**
 * Where a record of a chunk begins and ends, its db and key read from its head, the rest of it
 * skipped, not decoded. A build copies most records of the previous snapshot through unchanged
 * and needs only that much of them: decoding every record whole made the builder's heap churn
 * (~80 MB a second for 1M keys), and V8 collects a worker's heap on threads shared with the
 * serving thread, at its priority, which lifted serving p99 while snapshots were built.
 */
interface RecordHead {
  db: number;
  key: string;
  end: number;
  /** The whole record, when its head is not the plain [db, key, ...] of a key record. */
  record: SnapshotRecord | null;
}

const utf8 = new TextDecoder();

/** Reads the record at `p` of `chunk` into `head`; throws a SnapshotError if it does not decode. */
function readRecordHead(id: number, index: number, chunk: Uint8Array, p: number, head: RecordHead): void {
  const end = skipMessagePack(chunk, p, 1);
  if (end < 0) throw new SnapshotError(`snapshot ${id}: chunk ${index} does not decode (a record runs past its end)`);
  head.end = end;
  // A fixarray (key records have 4 to 14 fields), the db a positive fixint or uint 8, the key a str.
  const a = chunk[p]!;
  let q = p + 1;
  let db = chunk[q++]!;
  if (db === 0xcc) db = chunk[q++]!;
  else if (db >= 0x80) db = -1;
  const k = chunk[q++]!;
  let len = -1;
  if ((k & 0xe0) === 0xa0) len = k & 0x1f;
  else if (k >= 0xd9 && k <= 0xdb) {
    const w = 1 << (k - 0xd9);
    len = 0;
    for (let i = 0; i < w; i++) len = len * 256 + chunk[q++]!;
  }
  if (a >= 0x94 && a <= 0x9f && db >= 0 && len >= 0 && q + len <= end) {
    head.db = db;
    head.key = utf8.decode(chunk.subarray(q, q + len));
    head.record = null;
    return;
  }
  head.record = decodeRecord(id, index, chunk, p, end);
  head.db = head.record[0];
  head.key = head.record[0] === FUNCTIONS_DB ? '' : (head.record as KeyRecord)[1];
}

function decodeRecord(id: number, index: number, chunk: Uint8Array, start: number, end: number): SnapshotRecord {
  let value: unknown;
  try {
    value = packr.unpack(chunk.subarray(start, end));
  } catch (e) {
    throw new SnapshotError(`snapshot ${id}: chunk ${index} does not decode (${(e as Error).message})`, { cause: e });
  }
  return checkRecord(value);
}

function bigEndian(b: Uint8Array, at: number, bytes: number): number {
  let v = 0;
  for (let i = 0; i < bytes; i++) v = v * 256 + (b[at + i] ?? 0);
  return v;
}

/** The end of `count` MessagePack values from `p`, none decoded; -1 if they run past the end. */
export function skipMessagePack(b: Uint8Array, p: number, count: number): number {
  const n = b.length;
  const be = bigEndian;
  while (count > 0) {
    if (p >= n) return -1;
    const c = b[p++]!;
    count--;
    if (c < 0x80 || c >= 0xe0) continue; // fixint
    if (c < 0x90) count += 2 * (c & 0x0f); // fixmap
    else if (c < 0xa0) count += c & 0x0f; // fixarray
    else if (c < 0xc0) p += c & 0x1f; // fixstr
    else if (c === 0xc4 || c === 0xd9) p += 1 + be(b, p, 1); // bin 8, str 8
    else if (c === 0xc5 || c === 0xda) p += 2 + be(b, p, 2);
    else if (c === 0xc6 || c === 0xdb) p += 4 + be(b, p, 4);
    else if (c === 0xc7) p += 2 + be(b, p, 1); // ext 8: length, type, data
    else if (c === 0xc8) p += 3 + be(b, p, 2);
    else if (c === 0xc9) p += 5 + be(b, p, 4);
    else if (c === 0xdc) (count += be(b, p, 2)), (p += 2); // array 16
    else if (c === 0xdd) (count += be(b, p, 4)), (p += 4);
    else if (c === 0xde) (count += 2 * be(b, p, 2)), (p += 2); // map 16
    else if (c === 0xdf) (count += 2 * be(b, p, 4)), (p += 4);
    else if (c >= 0xd4 && c <= 0xd8) p += 1 + (1 << (c - 0xd4)); // fixext 1..16: type, data
    else if (c === 0xcc || c === 0xd0) p += 1;
    else if (c === 0xcd || c === 0xd1) p += 2;
    else if (c === 0xca || c === 0xce || c === 0xd2) p += 4;
    else if (c === 0xcb || c === 0xcf || c === 0xd3) p += 8;
    else if (c !== 0xc0 && c !== 0xc2 && c !== 0xc3) return -1; // 0xc1 is never used
  }
  return p <= n ? p : -1;
}

function readChunkOrThrow(store: SnapshotStore, meta: SnapshotMeta, index: number): Uint8Array {
  const chunk = store.readChunk(meta.id, index);
  if (chunk === undefined) throw new SnapshotError(`snapshot ${meta.id}: chunk ${index} of ${meta.chunks} is missing`);
  return chunk;
}

const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');

/** The snapshot's meta, if it is complete (else a SnapshotError). */
function completeMeta(store: SnapshotStore, id: number): SnapshotMeta {
  const meta = store.get(id);
  if (meta === undefined) throw new SnapshotError(`snapshot ${id} does not exist`);
  if (!meta.complete) throw new SnapshotError(`snapshot ${id} is torn: it was never completed`);
  return meta;
}

function checksumError(meta: SnapshotMeta, crc: number, bytes: number): SnapshotError {
  return new SnapshotError(
    `snapshot ${meta.id} is corrupt: data checksum ${hex(crc)} over ${bytes} bytes, ${hex(meta.checksum)} over ${meta.bytes} recorded`,
  );
}

/**
 * Re-reads a snapshot and checks it: complete, every chunk present, the data checksum and size as
 * recorded. Returns its meta; throws a SnapshotError saying what is wrong.
 */
export function verifySnapshot(store: SnapshotStore, id: number): SnapshotMeta {
  const meta = completeMeta(store, id);
  let crc = 0;
  let bytes = 0;
  for (let i = 0; i < meta.chunks; i++) {
    const chunk = readChunkOrThrow(store, meta, i);
    crc = crc32c(chunk, 0, chunk.length, crc);
    bytes += chunk.length;
  }
  if (store.readChunk(id, meta.chunks) !== undefined) throw new SnapshotError(`snapshot ${id} is corrupt: chunks beyond its recorded ${meta.chunks}`);
  if (crc !== meta.checksum || bytes !== meta.bytes) throw checksumError(meta, crc, bytes);
  return meta;
}

/**
 * The records of a complete snapshot, in order, with the data checksum checked as the chunks go
 * by (a mismatch throws after the last chunk: callers that must not act on bad data verify first).
 */
export function* snapshotRecords(store: SnapshotStore, id: number): IterableIterator<SnapshotRecord> {
  const meta = completeMeta(store, id);
  let crc = 0;
  let bytes = 0;
  for (let i = 0; i < meta.chunks; i++) {
    const chunk = readChunkOrThrow(store, meta, i);
    crc = crc32c(chunk, 0, chunk.length, crc);
    bytes += chunk.length;
    const records: SnapshotRecord[] = [];
    forEachRecord(id, i, chunk, (r) => records.push(r));
    yield* records;
  }
  if (crc !== meta.checksum || bytes !== meta.bytes) throw checksumError(meta, crc, bytes);
}

// ---------------------------------------------------------------------------------------------
// Writing

export interface WriteOptions {
  /** A manual snapshot's name (null/absent: automatic). */
  name?: string | null;
  /** Unix ms (default Date.now()). */
  created?: number;
}

/**
 * Writes a snapshot of an engine's data at journal point `point` (what the engine holds must be
 * exactly the journal up to point.seq). For SAVE without a previous snapshot, and tests: the data
 * is encoded synchronously (the engine may change once this returns a promise), so the encoded
 * copy is held in memory until stored; with a previous snapshot, build incrementally instead.
 */
export async function writeSnapshotFromEngine(
  engine: { shard: Shard },
  store: SnapshotStore,
  point: ChainPoint,
  options: WriteOptions = {},
): Promise<SnapshotMeta> {
  const chunks: Uint8Array[] = [];
  const packer = new ChunkPacker((c) => {
    chunks.push(c);
  });
  for (const r of shardRecords(engine.shard)) packer.add(r);
  packer.flush();
  const writer = await store.create({
    name: options.name ?? null,
    created: options.created ?? Date.now(),
    seq: point.seq,
    journalCrc: point.crc >>> 0,
  });
  try {
    for (let i = 0; i < chunks.length; i++) {
      await writer.append(chunks[i]!);
      chunks[i] = EMPTY; // released as soon as stored
    }
    return await writer.complete(packer.totals());
  } catch (e) {
    await writer.abort().catch(() => {});
    throw e;
  }
}

const EMPTY = new Uint8Array(0);

// ---------------------------------------------------------------------------------------------
// Incremental build

export interface BuildOptions extends WriteOptions {
  /** The engine config (databases, encoding thresholds): the serving engine's. */
  config?: Partial<EngineConfig>;
  /** Bytes per chunk (tests use small ones). */
  chunkBytes?: number;
  /**
   * The scratch engine's clock: what little replay reads of the time (a stream consumer's seen
   * time, as on a Redis replica) comes from it. Default Date.now.
   */
  clock?: () => number;
}

export interface BuildStats {
  /** Journal entries and effects replayed. */
  entries: number;
  effects: number;
  /** Keys loaded from the previous snapshot into the scratch engine. */
  loadedKeys: number;
  /** Records copied from the previous snapshot unchanged. */
  copiedRecords: number;
  /** Keys the scratch engine held at the end (touched keys that exist). */
  scratchKeys: number;
}

export interface BuildResult {
  meta: SnapshotMeta;
  stats: BuildStats;
}

/** The keys a SORT BY/GET pattern can reach: prefix + anything + suffix (sort.c lookupKeyByPattern). */
interface KeyPattern {
  prefix: string;
  suffix: string;
}

function matches(patterns: readonly KeyPattern[], key: string): boolean {
  for (let i = 0; i < patterns.length; i++) {
    const p = patterns[i]!;
    if (key.length >= p.prefix.length + p.suffix.length && key.startsWith(p.prefix) && key.endsWith(p.suffix)) return true;
  }
  return false;
}

/**
 * What the journal range touches, in terms of the previous snapshot. Databases are tracked by
 * position (the index effects use) and origin (the previous snapshot's db whose records sit at
 * that position now: SWAPDB exchanges them, a flush leaves none, -1). A key becomes "resolved" at
 * a position when an effect touches it there: from then on the scratch engine holds the truth
 * about it, and the previous snapshot's record, if any, was loaded into the scratch engine.
 */
class TouchPlan {
  readonly origin: number[];
  readonly resolved: Set<string>[];
  readonly resolvedPatterns: KeyPattern[][];
  /** Per origin db: keys and patterns to load from the previous snapshot. */
  readonly need: Set<string>[];
  readonly needPatterns: KeyPattern[][];
  functions = false;

  constructor(
    readonly databases: number,
    hasPrev: boolean,
  ) {
    this.origin = Array.from({ length: databases }, (_, i) => (hasPrev ? i : -1));
    this.resolved = Array.from({ length: databases }, () => new Set());
    this.resolvedPatterns = Array.from({ length: databases }, () => []);
    this.need = Array.from({ length: databases }, () => new Set());
    this.needPatterns = Array.from({ length: databases }, () => []);
  }

  private pos(db: number, effect: Effect): number {
    if (!Number.isInteger(db) || db < 0 || db >= this.databases) {
      throw new SnapshotError(`effect ${effect.argv[0]} on database ${db}, beyond 'databases' (${this.databases})`);
    }
    return db;
  }

  private touch(pos: number, key: string): void {
    const resolved = this.resolved[pos]!;
    if (resolved.has(key)) return;
    resolved.add(key);
    const o = this.origin[pos]!;
    if (o >= 0) this.need[o]!.add(key);
  }

  private flush(pos: number): void {
    this.origin[pos] = -1;
    this.resolved[pos] = new Set();
    this.resolvedPatterns[pos] = [];
  }

  note(effect: Effect): void {
    const { argv } = effect;
    const pos = this.pos(effect.db, effect);
    const cmd = runnableCommand(argv);
    if (cmd === undefined) throw new SnapshotError(`journal effect '${argv[0]}' with ${argv.length - 1} arguments is not a runnable command`);
    const name = cmd.fullName;
    switch (name) {
      case 'flushall':
        for (let d = 0; d < this.databases; d++) this.flush(d);
        return;
      case 'flushdb':
        this.flush(pos);
        return;
      case 'swapdb': {
        const a = this.pos(Number(argv[1]), effect);
        const b = this.pos(Number(argv[2]), effect);
        for (const arr of [this.origin, this.resolved, this.resolvedPatterns] as unknown[][]) [arr[a], arr[b]] = [arr[b], arr[a]];
        return;
      }
      case 'move':
        this.touch(pos, argv[1]!);
        this.touch(this.pos(Number(argv[2]), effect), argv[1]!);
        return;
      case 'copy': {
        let dst = pos;
        for (let i = 3; i < argv.length; i++) {
          if (argv[i]!.toLowerCase() === 'db' && i + 1 < argv.length) dst = this.pos(Number(argv[++i]), effect);
        }
        this.touch(pos, argv[1]!);
        this.touch(dst, argv[2]!);
        return;
      }
    }
    if (name.startsWith('function')) {
      this.functions = true;
      return;
    }
    for (const i of keyIndexes(cmd, argv)) this.touch(pos, argv[i]!);
    if (name === 'sort') {
      // BY/GET patterns read keys named after the elements: every key the pattern can name is
      // loaded (an argument after a BY/GET, or any with a '*': more than needed is harmless).
      for (let i = 2; i < argv.length; i++) {
        const a = argv[i]!;
        const star = a.indexOf('*');
        if (star < 0) continue;
        const arrow = a.indexOf('->', star + 1);
        const end = arrow >= 0 && arrow + 2 < a.length ? arrow : a.length;
        const p: KeyPattern = { prefix: a.slice(0, star), suffix: a.slice(star + 1, end) };
        this.resolvedPatterns[pos]!.push(p);
        const o = this.origin[pos]!;
        if (o >= 0) this.needPatterns[o]!.push(p);
      }
    }
  }

  isNeeded(originDb: number, key: string): boolean {
    return this.need[originDb]!.has(key) || matches(this.needPatterns[originDb]!, key);
  }

  /** Where an origin db's untouched records end up (-1: flushed). */
  finalPositions(): number[] {
    const at = new Array<number>(this.databases).fill(-1);
    for (let p = 0; p < this.databases; p++) {
      const o = this.origin[p]!;
      if (o >= 0) at[o] = p;
    }
    return at;
  }

  isResolved(pos: number, key: string): boolean {
    return this.resolved[pos]!.has(key) || matches(this.resolvedPatterns[pos]!, key);
  }
}

/**
 * Builds the snapshot at journal sequence number `toSeq` from the previous snapshot `prevId` in
 * the same store (null: from the journal alone, which must then start at 1) plus the journal
 * entries after it, without loading the previous snapshot whole (see the file comment). The
 * journal is read with its chain verified from the previous snapshot's journalCrc, and the
 * previous snapshot's data checksum is checked as it is read: either failing aborts the build.
 * The result is complete but not re-read: verify it (verifySnapshot) before truncating the journal.
 */
export async function buildSnapshot(
  store: SnapshotStore,
  prevId: number | null,
  journal: Journal,
  toSeq: number,
  options: BuildOptions = {},
): Promise<BuildResult> {
  const prev = prevId === null ? null : completeMeta(store, prevId);
  const from = prev === null ? 1 : prev.seq + 1;
  if (!Number.isSafeInteger(toSeq) || toSeq < from - 1) {
    throw new SnapshotError(`cannot build a snapshot at sequence number ${toSeq}: the previous snapshot is at ${from - 1}`);
  }
  if (prev === null && journal.firstSeq > 1) {
    throw new SnapshotError(`no previous snapshot and the journal starts at ${journal.firstSeq}: the entries before it are lost`);
  }
  const prevCrc = prev === null ? 0 : prev.journalCrc;
  // No maxmemory: a replay must neither evict nor refuse a write (Redis's loading and master
  // clients bypass it too); the encoding thresholds are all the scratch engine needs.
  const scratch = new Engine({ config: { ...options.config, maxmemory: 0 }, activeExpire: false, clock: options.clock });
  const shard = scratch.shard;
  const stats: BuildStats = { entries: 0, effects: 0, loadedKeys: 0, copiedRecords: 0, scratchKeys: 0 };

  // 1. What the journal range touches.
  const plan = new TouchPlan(shard.dbs.length, prev !== null);
  let end: ChainPoint = { seq: from - 1, crc: prevCrc };
  for (const entry of journal.readFrom(from, { to: toSeq, prevCrc })) {
    for (const group of entry.groups) for (const e of group) plan.note(e);
    end = { seq: entry.seq, crc: entry.crc };
  }

  const writer = await store.create({
    name: options.name ?? null,
    created: options.created ?? Date.now(),
    seq: end.seq,
    journalCrc: end.crc >>> 0,
  });
  try {
    const packer = new ChunkPacker((c) => writer.append(c), options.chunkBytes);

    // 2. The previous snapshot, once: touched keys into the scratch engine, the rest copied.
    if (prev !== null) {
      const finalAt = plan.finalPositions();
      let crc = 0;
      let bytes = 0;
      const head: RecordHead = { db: 0, key: '', end: 0, record: null };
      for (let i = 0; i < prev.chunks; i++) {
        const chunk = readChunkOrThrow(store, prev, i);
        crc = crc32c(chunk, 0, chunk.length, crc);
        bytes += chunk.length;
        checkChunkFormat(prev.id, i, chunk);
        for (let s = 1; s < chunk.length; s = head.end) {
          readRecordHead(prev.id, i, chunk, s, head);
          const e = head.end;
          let out: Promise<void> | void = undefined;
          if (head.db === FUNCTIONS_DB) {
            if (plan.functions) loadFunctionsRecord(shard, head.record as FunctionsRecord);
            else out = packer.addRaw(chunk.subarray(s, e), false);
          } else {
            const o = head.db;
            if (o >= plan.databases) throw new SnapshotError(`snapshot ${prev.id}: key record of database ${o}, beyond 'databases'`);
            if (plan.isNeeded(o, head.key)) {
              loadKeyRecord(shard, (head.record ??= decodeRecord(prev.id, i, chunk, s, e)) as KeyRecord);
              stats.loadedKeys++;
            }
            const p = finalAt[o]!;
            if (p >= 0 && !plan.isResolved(p, head.key)) {
              stats.copiedRecords++;
              if (p === o) out = packer.addRaw(chunk.subarray(s, e), true);
              else {
                const k = (head.record ?? decodeRecord(prev.id, i, chunk, s, e)) as KeyRecord;
                k[0] = p;
                out = packer.add(k);
              }
            }
          }
          if (out !== undefined) await out;
        }
      }
      if (crc !== prev.checksum || bytes !== prev.bytes) throw checksumError(prev, crc, bytes);
    }

    // 3. The effects, replayed through the scratch engine (the journal read and verified again,
    //    rather than its effects kept in memory since the first pass).
    for (const entry of journal.readFrom(from, { to: toSeq, prevCrc })) {
      for (const group of entry.groups) {
        shard.replay(group);
        stats.effects += group.length;
      }
      stats.entries++;
    }

    // 4. The touched keys that exist, and the libraries when the range changed them.
    stats.scratchKeys = shard.keyCount;
    for (const r of shardRecords(shard)) {
      if (r[0] === FUNCTIONS_DB && !plan.functions) continue;
      const out = packer.add(r);
      if (out !== undefined) await out;
    }
    await packer.flush();
    const meta = await writer.complete(packer.totals());
    return { meta, stats };
  } catch (e) {
    await writer.abort().catch(() => {});
    throw e;
  } finally {
    scratch.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Recovery

export interface LoadProgress {
  phase: 'snapshot' | 'journal';
  /** The snapshot being loaded (null when replaying a journal from its start). */
  snapshot: number | null;
  keysLoaded: number;
  /** Snapshot bytes read so far, of bytesTotal. */
  bytesLoaded: number;
  bytesTotal: number;
  /** Journal entries replayed so far, of entriesTotal. */
  entriesReplayed: number;
  entriesTotal: number;
}

export interface RecoverOptions {
  /** Log lines (Redis levels: 'warning' for a fallback, 'notice' for progress milestones). */
  log?: (level: 'notice' | 'warning', message: string) => void;
  /** Called after each chunk and every 1000 journal entries (INFO loading_* fields). */
  onProgress?: (p: LoadProgress) => void;
  /**
   * Awaited between chunks and between batches of journal entries so a server can answer
   * -LOADING meanwhile (default: none, the load runs to the end in one go).
   */
  pause?: () => Promise<void>;
}

export interface RecoverResult {
  /** The snapshot loaded, or null when the journal was replayed from its start. */
  snapshot: SnapshotMeta | null;
  keysLoaded: number;
  entriesReplayed: number;
  /** The journal point the engine now holds. */
  seq: number;
  /** Snapshots passed over (torn, corrupt, unusable), newest first, with why. */
  skipped: { id: number; reason: string }[];
}

/** Empties an engine of data and libraries (after a load that could not finish). */
function resetShard(shard: Shard): void {
  for (const db of shard.dbs) db.flush();
  shard.replay([{ db: 0, argv: ['FUNCTION', 'FLUSH'] }]);
}

/**
 * Loads the newest snapshot that verifies into the engine (which should be empty), then replays
 * the journal after it. A torn or corrupt snapshot, or one older than the journal's start, falls
 * back to the one before, and says so in the log; with none usable the journal is replayed from
 * its start, which must be sequence number 1. A journal whose chain breaks throws its
 * JournalCorruptError (naming the sequence number) with the engine emptied: never a start with
 * partial data. Keys whose TTL passed are loaded; the journal's DELs or expiry remove them.
 */
export async function recover(
  engine: { shard: Shard },
  store: SnapshotStore,
  journal: Journal,
  options: RecoverOptions = {},
): Promise<RecoverResult> {
  const { log, onProgress, pause } = options;
  const shard = engine.shard;
  const skipped: { id: number; reason: string }[] = [];
  const candidates = store.list().reverse();
  const progress: LoadProgress = {
    phase: 'snapshot',
    snapshot: null,
    keysLoaded: 0,
    bytesLoaded: 0,
    bytesTotal: 0,
    entriesReplayed: 0,
    entriesTotal: 0,
  };
  const skip = (m: SnapshotMeta, reason: string) => {
    skipped.push({ id: m.id, reason });
    log?.('warning', `Snapshot ${m.id}${m.name === null ? '' : ` '${m.name}'`} (seq ${m.seq}) unusable: ${reason}; falling back to the one before`);
  };

  let base: SnapshotMeta | null = null;
  for (const m of candidates) {
    if (!m.complete) {
      skip(m, 'torn: it was never completed');
      continue;
    }
    if (m.seq > journal.lastSeq) {
      throw new SnapshotError(
        `snapshot ${m.id} includes the journal up to sequence number ${m.seq}, but the journal ends at ${journal.lastSeq}: the journal lost entries`,
      );
    }
    if (m.seq < journal.firstSeq - 1) {
      skip(m, `the journal starts at ${journal.firstSeq}, after it`);
      continue;
    }
    try {
      verifySnapshot(store, m.id);
    } catch (e) {
      skip(m, (e as Error).message);
      continue;
    }
    progress.snapshot = m.id;
    progress.bytesTotal = m.bytes;
    progress.keysLoaded = progress.bytesLoaded = 0;
    try {
      for (let i = 0; i < m.chunks; i++) {
        const chunk = readChunkOrThrow(store, m, i);
        forEachRecord(m.id, i, chunk, (r) => {
          if (r[0] === FUNCTIONS_DB) loadFunctionsRecord(shard, r as FunctionsRecord);
          else {
            loadKeyRecord(shard, r as KeyRecord);
            progress.keysLoaded++;
          }
        });
        progress.bytesLoaded += chunk.length;
        onProgress?.({ ...progress });
        if (pause !== undefined) await pause();
      }
    } catch (e) {
      resetShard(shard);
      if (e instanceof SnapshotConfigError) throw e;
      skip(m, `loading failed: ${(e as Error).message}`);
      continue;
    }
    base = m;
    log?.('notice', `Loaded snapshot ${m.id} (seq ${m.seq}): ${progress.keysLoaded} keys, ${m.bytes} bytes`);
    break;
  }

  if (base === null && journal.firstSeq > 1) {
    throw new SnapshotError(
      `no usable snapshot, and the journal starts at sequence number ${journal.firstSeq}: the entries before it are only in snapshots`,
    );
  }
  const from = base === null ? 1 : base.seq + 1;
  const prevCrc = base === null ? 0 : base.journalCrc;
  progress.phase = 'journal';
  progress.entriesTotal = Math.max(0, journal.lastSeq - from + 1);
  let seq = from - 1;
  try {
    for (const entry of journal.readFrom(from, { prevCrc })) {
      for (const group of entry.groups) shard.replay(group);
      seq = entry.seq;
      if (++progress.entriesReplayed % 1000 === 0) {
        onProgress?.({ ...progress });
        if (pause !== undefined) await pause();
      }
    }
  } catch (e) {
    resetShard(shard);
    if (e instanceof JournalCorruptError || e instanceof JournalError) throw e;
    throw new SnapshotError(`replaying the journal failed at sequence number ${seq + 1}: ${(e as Error).message}`, { cause: e });
  }
  onProgress?.({ ...progress });
  if (progress.entriesReplayed > 0) log?.('notice', `Replayed ${progress.entriesReplayed} journal entries (up to seq ${seq})`);
  return { snapshot: base, keysLoaded: progress.keysLoaded, entriesReplayed: progress.entriesReplayed, seq, skipped };
}

// ---------------------------------------------------------------------------------------------
// Retention

export interface PruneOptions {
  /** snapshot-retention-days, 0..35: automatic snapshots older than this go. */
  retentionDays: number;
  /** Unix ms (default Date.now()). */
  now?: number;
  /** Also delete torn (incomplete) snapshots: only when no build is running (at start). */
  removeIncomplete?: boolean;
  /**
   * A snapshot known to verify (the one just built and verified): it is the recovery base
   * unless a newer complete one verifies, and nothing is re-read to find that out when it is
   * the newest.
   */
  verifiedId?: number;
  /** Snapshots kept whatever their age (the one recovery falls back to if the newest breaks). */
  keep?: readonly number[];
}

const DAY = 86_400_000;

/**
 * Deletes automatic snapshots older than the retention period, except the newest one that
 * verifies (the recovery base, whatever its age); manual (named) snapshots stay until deleted.
 * Returns the deleted snapshots.
 */
export async function pruneSnapshots(store: SnapshotStore, options: PruneOptions): Promise<SnapshotMeta[]> {
  const days = options.retentionDays;
  if (!Number.isInteger(days) || days < 0 || days > 35) throw new SnapshotError(`snapshot-retention-days must be 0..35, not ${days}`);
  const cutoff = (options.now ?? Date.now()) - days * DAY;
  const all = store.list();
  let baseId = -1;
  for (let i = all.length - 1; i >= 0 && baseId < 0; i--) {
    if (!all[i]!.complete) continue;
    if (all[i]!.id === options.verifiedId) {
      baseId = all[i]!.id;
      break;
    }
    try {
      verifySnapshot(store, all[i]!.id);
      baseId = all[i]!.id;
    } catch {
      // a corrupt one is no base: look further back
    }
  }
  const deleted: SnapshotMeta[] = [];
  for (const m of all) {
    if (m.id === baseId || options.keep?.includes(m.id)) continue;
    const expired = m.complete ? m.name === null && m.created < cutoff : options.removeIncomplete === true;
    if (!expired) continue;
    await store.delete(m.id);
    deleted.push(m);
  }
  return deleted;
}

// ---------------------------------------------------------------------------------------------
// Export to one file, import from one

/**
 * File layout: MAGIC (8 bytes), u32 LE meta length, the meta (MessagePack: name, created, seq,
 * journalCrc, keys, bytes, chunks, checksum), then each chunk as u32 LE length + bytes, a u32 0,
 * and a u32 LE CRC-32C of everything before it. The chunks keep their own chained checksum too.
 */
const MAGIC = [0x4d, 0x4b, 0x56, 0x53, 0x4e, 0x41, 0x50, 0x01]; // "MKVSNAP" 1

interface FileMeta {
  name: string | null;
  created: number;
  seq: number;
  journalCrc: number;
  keys: number;
  bytes: number;
  chunks: number;
  checksum: number;
}

function u32(n: number): Uint8Array {
  return new Uint8Array([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff]);
}

/**
 * The export file of a snapshot, piece by piece (write them in order to one file). The
 * snapshot's data checksum is checked on the way: a corrupt snapshot throws before the last piece.
 */
export function* exportSnapshot(store: SnapshotStore, id: number): IterableIterator<Uint8Array> {
  const meta = completeMeta(store, id);
  const fm: FileMeta = {
    name: meta.name,
    created: meta.created,
    seq: meta.seq,
    journalCrc: meta.journalCrc,
    keys: meta.keys,
    bytes: meta.bytes,
    chunks: meta.chunks,
    checksum: meta.checksum,
  };
  const packed = packr.pack(fm);
  const head = new Uint8Array(12 + packed.length);
  head.set(MAGIC, 0);
  head.set(u32(packed.length), 8);
  head.set(packed, 12);
  let fileCrc = crc32c(head);
  yield head;
  let crc = 0;
  let bytes = 0;
  for (let i = 0; i < meta.chunks; i++) {
    const chunk = readChunkOrThrow(store, meta, i);
    crc = crc32c(chunk, 0, chunk.length, crc);
    bytes += chunk.length;
    const len = u32(chunk.length);
    fileCrc = crc32c(chunk, 0, chunk.length, crc32c(len, 0, 4, fileCrc));
    yield len;
    yield chunk;
  }
  if (crc !== meta.checksum || bytes !== meta.bytes) throw checksumError(meta, crc, bytes);
  const endMark = u32(0);
  fileCrc = crc32c(endMark, 0, 4, fileCrc);
  yield endMark;
  yield u32(fileCrc);
}

export interface ImportOptions {
  /** Name of the imported snapshot (default: the file's; null makes it automatic). */
  name?: string | null;
  /** Bytes of the file read so far. */
  onProgress?: (bytesRead: number) => void;
}

/** Reads exact byte counts from a stream of pieces. */
class ByteQueue {
  private pieces: Uint8Array[] = [];
  private offset = 0;
  available = 0;
  push(p: Uint8Array): void {
    if (p.length === 0) return;
    this.pieces.push(p);
    this.available += p.length;
  }
  take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const p = this.pieces[0]!;
      const k = Math.min(n - filled, p.length - this.offset);
      out.set(p.subarray(this.offset, this.offset + k), filled);
      filled += k;
      this.offset += k;
      if (this.offset === p.length) {
        this.pieces.shift();
        this.offset = 0;
      }
    }
    this.available -= n;
    return out;
  }
}

const readU32 = (b: Uint8Array) => (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;

/**
 * Imports an export file (its pieces, sync or async: a Node read stream works) as a new complete
 * snapshot in `store`, checking the file's checksum and the data's. A damaged or truncated file
 * throws a SnapshotError and leaves nothing behind in the store.
 */
export async function importSnapshot(
  source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  store: SnapshotStore,
  options: ImportOptions = {},
): Promise<SnapshotMeta> {
  const bad = (why: string) => new SnapshotError(`snapshot file is corrupt: ${why}`);
  const q = new ByteQueue();
  let read = 0;
  const it = (Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : (source as Iterable<Uint8Array>)[Symbol.iterator]()) as
    | AsyncIterator<Uint8Array>
    | Iterator<Uint8Array>;
  let ended = false;
  const need = async (n: number): Promise<Uint8Array> => {
    while (q.available < n) {
      if (ended) throw bad(`truncated after ${read} bytes`);
      const r = await it.next();
      if (r.done) ended = true;
      else {
        const piece = r.value instanceof Uint8Array ? r.value : new Uint8Array(r.value as ArrayBuffer);
        q.push(piece);
        read += piece.length;
        options.onProgress?.(read);
      }
    }
    return q.take(n);
  };

  const magic = await need(8);
  if (MAGIC.some((b, i) => magic[i] !== b)) throw bad('not a memorykv snapshot file (bad magic)');
  let fileCrc = crc32c(magic);
  const metaLen = await need(4);
  fileCrc = crc32c(metaLen, 0, 4, fileCrc);
  const metaBytes = await need(readU32(metaLen));
  fileCrc = crc32c(metaBytes, 0, metaBytes.length, fileCrc);
  let fm: FileMeta;
  try {
    fm = packr.unpack(metaBytes) as FileMeta;
  } catch (e) {
    throw bad(`undecodable header (${(e as Error).message})`);
  }
  if (fm === null || typeof fm !== 'object' || typeof fm.seq !== 'number' || typeof fm.chunks !== 'number') throw bad('malformed header');
  const name = options.name !== undefined ? options.name : fm.name;
  if (name !== null && store.list().some((m) => m.name === name)) throw nameTaken(name);

  const writer = await store.create({ name, created: fm.created, seq: fm.seq, journalCrc: fm.journalCrc >>> 0 });
  try {
    let crc = 0;
    let bytes = 0;
    let chunks = 0;
    for (;;) {
      const lenBytes = await need(4);
      fileCrc = crc32c(lenBytes, 0, 4, fileCrc);
      const len = readU32(lenBytes);
      if (len === 0) break;
      if (chunks >= fm.chunks) throw bad(`more chunks than the ${fm.chunks} in its header`);
      const chunk = await need(len);
      fileCrc = crc32c(chunk, 0, len, fileCrc);
      crc = crc32c(chunk, 0, len, crc);
      bytes += len;
      chunks++;
      await writer.append(chunk);
    }
    const stored = readU32(await need(4));
    if (stored !== fileCrc) throw bad(`file checksum ${hex(stored)} stored, ${hex(fileCrc)} computed`);
    if (chunks !== fm.chunks || crc !== fm.checksum >>> 0 || bytes !== fm.bytes) {
      throw bad(`data checksum ${hex(crc)} over ${chunks} chunks, ${hex(fm.checksum)} over ${fm.chunks} recorded`);
    }
    if (q.available > 0 || !(ended || (await it.next()).done)) throw bad('bytes after its end');
    return await writer.complete({ keys: fm.keys, bytes, chunks, checksum: crc });
  } catch (e) {
    await writer.abort().catch(() => {});
    throw e;
  }
}
