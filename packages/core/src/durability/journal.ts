/**
 * The journal: the shard's effects, durable (DESIGN invariants 3-5, issue 4).
 *
 * One entry per append, and the caller appends once per tick: the groups of effects (each group
 * atomic: one command, or a whole EXEC/script) that the shard produced since the last append,
 * packed together. Packing is what makes `appendfsync always` affordable: one LMDB entry, one
 * transaction and one sync serve a whole tick of writes (a put per command awaited one by one ran
 * at 0.55x redis-server; 100 commands per entry with transactions in flight at ~770k/s).
 *
 * Each entry gets the next sequence number and a CRC-32C chained from the previous entry's (the
 * chain value at n is the CRC of every entry's seq and payload from the journal's start to n), so
 * a replay proves it read exactly what was written: a modified, missing or reordered entry breaks
 * the chain and the read throws JournalCorruptError naming the sequence number.
 *
 * Durability: append() returns at once; the entry becomes durable later, under the policy
 * (Redis's appendfsync names): 'always' once it is synced to disk, 'everysec' and 'no' once it is
 * committed (handed to the OS: it survives the process being killed, as Redis's AOF write(2)
 * before its replies; the OS sync happens once a second, or when the OS decides). Replies wait for
 * whenDurable(seq) or an onDurable listener; durable sequence numbers only grow, so a server can
 * release every reply queued up to durableSeq in one go.
 *
 * Storage lives in subclasses of ChainedJournal (src/node/journal-lmdb.ts; MemoryJournal here):
 * this file holds everything that is not storage (encoding, the chain, durability tracking) and
 * is portable (no Node built-ins) so the browser package can put an IndexedDB store under it.
 */
import { Packr } from 'msgpackr';
import type { Effect } from '../engine/shard.ts';
import { crc32c } from './crc32c.ts';

/** Redis's appendfsync values. */
export type FsyncPolicy = 'always' | 'everysec' | 'no';
export const FSYNC_POLICIES: readonly FsyncPolicy[] = ['always', 'everysec', 'no'];

/** One atomic group of effects: what one command, EXEC or script emitted. */
export type EffectGroup = readonly Effect[];

export interface JournalEntry {
  readonly seq: number;
  readonly groups: Effect[][];
  /** The chain value after this entry (what a snapshot taken at `seq` records). */
  readonly crc: number;
}

/** A sequence number and the chain value after it. */
export interface ChainPoint {
  readonly seq: number;
  readonly crc: number;
}

/** The chain point of a journal that never had an entry. */
export const CHAIN_START: ChainPoint = Object.freeze({ seq: 0, crc: 0 });

export interface ReadOptions {
  /** Last sequence number to read (inclusive); default: the last committed entry. */
  to?: number;
  /**
   * The chain value expected before `from` (a snapshot's recorded journal checksum): the read
   * then proves the journal continues exactly the history the snapshot was built from.
   */
  prevCrc?: number;
}

/** Called when durableSeq advances, or once with the error that stopped the journal. */
export type DurableListener = (durableSeq: number, error: Error | null) => void;

export interface Journal {
  readonly policy: FsyncPolicy;
  /** First sequence number still stored (lastSeq + 1 when empty). */
  readonly firstSeq: number;
  /** Last sequence number appended (0 if none ever was). */
  readonly lastSeq: number;
  /** The chain value after lastSeq. */
  readonly lastCrc: number;
  /** Bytes of the entries appended through this handle since it opened (the journal-size rule). */
  readonly appendedBytes: number;
  /** Every entry up to this one is durable under the policy. */
  readonly durableSeq: number;
  /** The error that stopped the journal (a failed commit or sync), or null. */
  readonly error: Error | null;
  /**
   * Appends one entry holding these groups (a tick's worth: call once per tick, not per command)
   * and returns its sequence number. Throws if the journal has failed or is closed.
   */
  append(groups: readonly EffectGroup[]): number;
  /** Resolves once every entry up to `seq` (default: lastSeq) is durable; rejects on failure. */
  whenDurable(seq?: number): Promise<void>;
  /** Subscribes to durableSeq advancing; returns the unsubscribe function. */
  onDurable(listener: DurableListener): () => void;
  /**
   * The committed entries from `from` on, verifying the chain as it goes (JournalCorruptError
   * names the first bad sequence number). Lazy: errors surface while iterating.
   */
  readFrom(from: number, options?: ReadOptions): IterableIterator<JournalEntry>;
  /** The chain point at a stored (or the base) sequence number, for a snapshot to record. */
  chainAt(seq: number): ChainPoint;
  /**
   * Removes the entries before `seq` (after a snapshot at seq - 1 was verified). The chain value
   * before the new first entry is kept, so reads from there still verify.
   */
  truncateBefore(seq: number): Promise<void>;
  /** Makes everything appended so far durable on disk now, whatever the policy (SHUTDOWN, SAVE). */
  sync(): Promise<void>;
  /** Syncs and closes; appends after this throw. */
  close(): Promise<void>;
}

/** The journal's stored data does not match its checksum chain. */
export class JournalCorruptError extends Error {
  constructor(
    readonly seq: number,
    detail: string,
  ) {
    super(`journal checksum chain broken at sequence number ${seq}: ${detail}`);
    this.name = 'JournalCorruptError';
  }
}

/** Misuse of the journal (reading a truncated range, appending after close...). */
export class JournalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JournalError';
  }
}

// ---------------------------------------------------------------------------------------------
// Entry encoding: [format byte][chain CRC-32C, u32 LE][MessagePack payload]
// The payload is plain MessagePack (no msgpackr records, no extensions), readable by any decoder.
// Format 2: [group, ...], group = [effect, ...], effect = [db, arg, ...] with each arg a bin (the
//   binary string's chars as bytes: its length is its byte length, so the entry's size is known
//   before writing and nothing is UTF-8 encoded or decoded).
// Format 1 (journals written before, and entries with a char above 255, which bin cannot hold):
//   [group, ...], group = [[db, argv], ...] with argv a list of str (UTF-8; decodes back identical).

const FORMAT_V1 = 1;
const FORMAT = 2;
export const ENTRY_HEADER = 5;

const packr = new Packr({ useRecords: false, moreTypes: false });

/**
 * Bulk copies between binary strings and bytes that a platform does natively (Node: Buffer's
 * latin1Write/latin1Slice, installed by src/node), where the portable code goes char by char.
 */
export interface Latin1Bytes {
  /** New bytes whose contents will all be overwritten (Node: Buffer.allocUnsafe). */
  alloc(size: number): Uint8Array;
  /** Writes the chars of s (all below 256) as bytes from `offset`. */
  write(bytes: Uint8Array, s: string, offset: number): void;
  /** bytes[start..end) as a binary string. */
  read(bytes: Uint8Array, start: number, end: number): string;
}

let native: Latin1Bytes | null = null;

/** Installs (or with null removes) the platform's bulk copies for the journal's codec. */
export function useLatin1Bytes(impl: Latin1Bytes | null): void {
  native = impl;
}

/** A char above 255 somewhere: such an entry is written in format 1, which holds any string. */
const WIDE = /[^\x00-\xff]/;

function packV1(groups: readonly EffectGroup[]): Uint8Array {
  const out: unknown[] = new Array(groups.length);
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    const eg: unknown[] = new Array(g.length);
    for (let j = 0; j < g.length; j++) eg[j] = [g[j]!.db, g[j]!.argv];
    out[i] = eg;
  }
  return packr.pack(out);
}

/** Args at least this long are copied natively when the platform can (shorter: a call costs more). */
const NATIVE_WRITE_MIN = 48;

const arraySize = (n: number): number => (n < 16 ? 1 : n < 0x10000 ? 3 : 5);
const uintSize = (n: number): number => (n < 128 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5);
const binSize = (n: number): number => (n < 0x100 ? 2 : n < 0x10000 ? 3 : 5);

function writeArray(b: Uint8Array, p: number, n: number): number {
  if (n < 16) {
    b[p] = 0x90 | n;
    return p + 1;
  }
  if (n < 0x10000) {
    b[p] = 0xdc;
    b[p + 1] = n >>> 8;
    b[p + 2] = n;
    return p + 3;
  }
  b[p] = 0xdd;
  b[p + 1] = n >>> 24;
  b[p + 2] = n >>> 16;
  b[p + 3] = n >>> 8;
  b[p + 4] = n;
  return p + 5;
}

/** A uint (fixint, uint8/16/32) or a bin header (bin8/16/32): `t8`, then t8 + 1 and + 2. */
function writeSized(b: Uint8Array, p: number, n: number, t8: number): number {
  if (n < 0x100) {
    b[p] = t8;
    b[p + 1] = n;
    return p + 2;
  }
  if (n < 0x10000) {
    b[p] = t8 + 1;
    b[p + 1] = n >>> 8;
    b[p + 2] = n;
    return p + 3;
  }
  b[p] = t8 + 2;
  b[p + 1] = n >>> 24;
  b[p + 2] = n >>> 16;
  b[p + 3] = n >>> 8;
  b[p + 4] = n;
  return p + 5;
}

/**
 * Format 2: sized exactly first (a bin's length is its string's length), then written in place
 * after the header's room. Null when a char above 255 is in an arg.
 */
function packV2(groups: readonly EffectGroup[]): Uint8Array | null {
  let size = ENTRY_HEADER + arraySize(groups.length);
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    size += arraySize(g.length);
    for (let j = 0; j < g.length; j++) {
      const { db, argv } = g[j]!;
      if (!(db >= 0 && db <= 0xffffffff && Number.isInteger(db))) throw new JournalError(`invalid db index ${db}`);
      size += arraySize(argv.length + 1) + uintSize(db);
      for (let k = 0; k < argv.length; k++) size += binSize(argv[k]!.length) + argv[k]!.length;
    }
  }
  const nat = native;
  const b = nat !== null ? nat.alloc(size) : new Uint8Array(size);
  let wide = 0;
  let p = writeArray(b, ENTRY_HEADER, groups.length);
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    p = writeArray(b, p, g.length);
    for (let j = 0; j < g.length; j++) {
      const { db, argv } = g[j]!;
      p = writeArray(b, p, argv.length + 1);
      if (db < 128) b[p++] = db;
      else p = writeSized(b, p, db, 0xcc);
      for (let k = 0; k < argv.length; k++) {
        const a = argv[k]!;
        const n = a.length;
        p = writeSized(b, p, n, 0xc4);
        if (nat !== null && n >= NATIVE_WRITE_MIN) {
          // On a one-byte string V8 answers without scanning (it flattens a rope, as the write would).
          if (WIDE.test(a)) return null;
          nat.write(b, a, p);
          p += n;
        } else {
          for (let c = 0; c < n; c++) {
            const ch = a.charCodeAt(c);
            wide |= ch;
            b[p++] = ch;
          }
        }
      }
    }
  }
  return wide > 0xff ? null : b;
}

/** The stored bytes of an entry, the header's chain value left to fill in. */
function encodeValue(groups: readonly EffectGroup[]): Uint8Array {
  const value = packV2(groups);
  if (value !== null) {
    value[0] = FORMAT;
    return value;
  }
  const payload = packV1(groups);
  // A copy: msgpackr packs into a shared buffer that later packs reuse.
  const v1 = new Uint8Array(ENTRY_HEADER + payload.length);
  v1.set(payload, ENTRY_HEADER);
  v1[0] = FORMAT_V1;
  return v1;
}

// ---- decoding

const fromCharCode = String.fromCharCode;

/** bytes[p..p+n) as a binary string, portably. */
function latin1(b: Uint8Array, p: number, n: number): string {
  // Up to 12 chars V8 copies into a flat string anyway; a call per char is what costs.
  if (n <= 12) {
    if (n <= 4) {
      if (n === 0) return '';
      if (n === 1) return fromCharCode(b[p]!);
      if (n === 2) return fromCharCode(b[p]!, b[p + 1]!);
      if (n === 3) return fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!);
      return fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!);
    }
    if (n <= 8) return fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!) + latin1(b, p + 4, n - 4);
    return fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!) + latin1(b, p + 8, n - 8);
  }
  if (n <= 4096) return fromCharCode.apply(null, b.subarray(p, p + n) as unknown as number[]);
  const parts: string[] = [];
  for (let e = p + n; p < e; p += 4096) parts.push(fromCharCode.apply(null, b.subarray(p, Math.min(p + 4096, e)) as unknown as number[]));
  return parts.join('');
}

/**
 * The longest arg decoded as a substring of the whole payload's string (natively read once per
 * entry): V8 copies substrings this short. A longer substring would be a slice keeping the whole
 * entry's string alive as long as the value lives, so those are read natively on their own.
 */
const SUBSTRING_MAX = 12;

class Malformed extends Error {}

/** Where the array or bin header read by readLength ends. */
let headerEnd = 0;

/**
 * The length in the header at b[p] of the kind whose 16-bit type byte is `t16` (array16 0xdc,
 * bin16 0xc5; the 32-bit one follows, and for bin the 8-bit one precedes it); -1 if another kind.
 * The common headers (fixarray, bin8) are read inline by decodeV2.
 */
function readLength(b: Uint8Array, p: number, end: number, t16: number): number {
  const t = b[p]!;
  let n: number;
  if (t === t16 - 1 && t16 === 0xc5 && p + 2 <= end) {
    n = b[p + 1]!;
    headerEnd = p + 2;
  } else if (t === t16 && p + 3 <= end) {
    n = (b[p + 1]! << 8) | b[p + 2]!;
    headerEnd = p + 3;
  } else if (t === t16 + 1 && p + 5 <= end) {
    n = ((b[p + 1]! << 24) | (b[p + 2]! << 16) | (b[p + 3]! << 8) | b[p + 4]!) >>> 0;
    headerEnd = p + 5;
  } else if (t16 === 0xdc && (t & 0xf0) === 0x90) {
    n = t & 0x0f;
    headerEnd = p + 1;
  } else {
    throw new Malformed(`${t16 === 0xdc ? 'array' : 'bin'} expected at ${p}`);
  }
  return n;
}

/** Format 2's strict reader: the exact shape the writer makes, nothing after it. */
function decodeV2(b: Uint8Array, start: number): Effect[][] {
  const end = b.length;
  const nat = native;
  const whole = nat !== null ? nat.read(b, start, end) : '';
  let p = start;
  let t = b[p]!;
  let ng: number;
  if ((t & 0xf0) === 0x90) {
    ng = t & 0x0f;
    p++;
  } else {
    ng = readLength(b, p, end, 0xdc);
    p = headerEnd;
  }
  const groups: Effect[][] = new Array(ng);
  for (let i = 0; i < ng; i++) {
    if (p >= end) throw new Malformed('truncated');
    t = b[p]!;
    let ne: number;
    if ((t & 0xf0) === 0x90) {
      ne = t & 0x0f;
      p++;
    } else {
      ne = readLength(b, p, end, 0xdc);
      p = headerEnd;
    }
    const effects: Effect[] = new Array(ne);
    for (let j = 0; j < ne; j++) {
      if (p + 2 > end) throw new Malformed('truncated');
      t = b[p]!;
      let na: number;
      if ((t & 0xf0) === 0x90) {
        na = (t & 0x0f) - 1;
        p++;
      } else {
        na = readLength(b, p, end, 0xdc) - 1;
        p = headerEnd;
      }
      if (na < 0) throw new Malformed(`empty effect at ${p}`);
      let db = b[p++]!;
      if (db >= 0x80) {
        if (db === 0xcc && p + 1 <= end) {
          db = b[p++]!;
        } else if (db === 0xcd && p + 2 <= end) {
          db = (b[p]! << 8) | b[p + 1]!;
          p += 2;
        } else if (db === 0xce && p + 4 <= end) {
          db = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
          p += 4;
        } else throw new Malformed(`db index expected at ${p - 1}`);
      }
      const argv: string[] = new Array(na);
      for (let k = 0; k < na; k++) {
        let n: number;
        if (b[p] === 0xc4 && p + 2 <= end) {
          n = b[p + 1]!;
          p += 2;
        } else {
          n = readLength(b, p, end, 0xc5);
          p = headerEnd;
        }
        if (p + n > end) throw new Malformed('truncated');
        argv[k] =
          nat === null ? latin1(b, p, n) : n <= SUBSTRING_MAX ? whole.substring(p - start, p - start + n) : nat.read(b, p, p + n);
        p += n;
      }
      effects[j] = { db, argv };
    }
    groups[i] = effects;
  }
  if (p !== end) throw new Malformed(`${end - p} bytes after the payload`);
  return groups;
}

function decodeV1(seq: number, bytes: Uint8Array, start: number): Effect[][] {
  let raw: unknown;
  try {
    raw = packr.unpack(bytes.subarray(start));
  } catch (e) {
    throw new JournalCorruptError(seq, `undecodable payload (${(e as Error).message})`);
  }
  if (!Array.isArray(raw)) throw new JournalCorruptError(seq, 'payload is not a list of groups');
  const groups: Effect[][] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const g = raw[i];
    if (!Array.isArray(g)) throw new JournalCorruptError(seq, 'malformed group');
    const effects: Effect[] = new Array(g.length);
    for (let j = 0; j < g.length; j++) {
      const e = g[j];
      if (!Array.isArray(e) || typeof e[0] !== 'number' || !Array.isArray(e[1])) {
        throw new JournalCorruptError(seq, 'malformed effect');
      }
      effects[j] = { db: e[0], argv: e[1] as string[] };
    }
    groups[i] = effects;
  }
  return groups;
}

/** The groups of entry `seq`, whose payload starts at `start` (format byte at value[0]). */
export function decodeEntry(seq: number, value: Uint8Array, start = ENTRY_HEADER): Effect[][] {
  if (value[0] === FORMAT_V1) return decodeV1(seq, value, start);
  try {
    return decodeV2(value, start);
  } catch (e) {
    if (e instanceof Malformed) throw new JournalCorruptError(seq, `undecodable payload (${e.message})`);
    throw e;
  }
}

const seqScratch = new Uint8Array(8);

/** The chain value after entry `seq` with payload bytes[start..end), given the value before it. */
export function chainCrc(prev: number, seq: number, bytes: Uint8Array, start: number, end: number): number {
  // The seq is in the chain so that an entry moved to another key fails too.
  const lo = seq >>> 0;
  const hi = Math.floor(seq / 0x100000000) >>> 0;
  seqScratch[0] = lo;
  seqScratch[1] = lo >>> 8;
  seqScratch[2] = lo >>> 16;
  seqScratch[3] = lo >>> 24;
  seqScratch[4] = hi;
  seqScratch[5] = hi >>> 8;
  seqScratch[6] = hi >>> 16;
  seqScratch[7] = hi >>> 24;
  return crc32c(bytes, start, end, crc32c(seqScratch, 0, 8, prev));
}

/** Builds the stored bytes of entry `seq`; returns them with the new chain value. */
export function encodeEntry(prevCrc: number, seq: number, groups: readonly EffectGroup[]): { value: Uint8Array; crc: number } {
  const value = encodeValue(groups);
  const crc = chainCrc(prevCrc, seq, value, ENTRY_HEADER, value.length);
  value[1] = crc;
  value[2] = crc >>> 8;
  value[3] = crc >>> 16;
  value[4] = crc >>> 24;
  return { value, crc };
}

/** The chain value an entry's bytes claim (not verified). */
export function storedCrc(seq: number, value: Uint8Array): number {
  if (value.length < ENTRY_HEADER || (value[0] !== FORMAT && value[0] !== FORMAT_V1)) {
    throw new JournalCorruptError(seq, value.length < ENTRY_HEADER ? 'entry too short' : `unknown entry format ${value[0]}`);
  }
  return (value[1]! | (value[2]! << 8) | (value[3]! << 16) | (value[4]! << 24)) >>> 0;
}

/** Verifies entry `seq` against the chain value before it; returns the value after it. */
export function verifyEntry(prevCrc: number, seq: number, value: Uint8Array): number {
  const stored = storedCrc(seq, value);
  const crc = chainCrc(prevCrc, seq, value, ENTRY_HEADER, value.length);
  if (crc !== stored) {
    throw new JournalCorruptError(seq, `checksum ${hex(stored)} stored, ${hex(crc)} computed from the previous entry's ${hex(prevCrc)}`);
  }
  return crc;
}

const hex = (n: number) => n.toString(16).padStart(8, '0');

// ---------------------------------------------------------------------------------------------

interface Waiter {
  seq: number;
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: Error) => void;
}

const RESOLVED: Promise<void> = Promise.resolve();

/** Entries removed per storage transaction when truncating, so no commit waits long behind it. */
const TRUNCATE_CHUNK = 1024;

/**
 * Everything of a journal but its storage: sequence numbers, the chain, durability tracking.
 * A subclass stores entries and says when each is durable under the policy.
 */
export abstract class ChainedJournal implements Journal {
  protected base: ChainPoint;
  protected head: ChainPoint;
  private durable: number;
  private failure: Error | null = null;
  protected closed = false;
  private readonly waiters: Waiter[] = [];
  private readonly listeners = new Set<DurableListener>();
  private truncating: Promise<void> = RESOLVED;

  protected constructor(
    readonly policy: FsyncPolicy,
    base: ChainPoint,
    head: ChainPoint,
  ) {
    if (!FSYNC_POLICIES.includes(policy)) throw new JournalError(`unknown appendfsync policy '${policy}'`);
    if (head.seq < base.seq) throw new JournalCorruptError(head.seq, `head before the first entry ${base.seq + 1}`);
    this.base = base;
    this.head = head;
    // What is stored when the journal opens is what survived: all of it counts as durable.
    this.durable = head.seq;
  }

  /**
   * Stores entry `seq` and records `head` as the last entry, atomically. The result settles when
   * the entry is durable under the policy (entries stored together may share one result).
   */
  protected abstract store(seq: number, value: Uint8Array, head: ChainPoint): PromiseLike<unknown>;
  /** The stored entries with from <= seq <= to, ascending (only committed ones). */
  protected abstract entries(from: number, to: number): Iterable<readonly [number, Uint8Array]>;
  /** One stored entry. */
  protected abstract entry(seq: number): Uint8Array | undefined;
  /** The committed base (chain point before the first entry) and head (last entry). */
  protected abstract committedBase(): ChainPoint;
  protected abstract committedHead(): ChainPoint;
  /** Removes entries from..to and records `base` as the chain point before the rest, atomically. */
  protected abstract removeThrough(from: number, to: number, base: ChainPoint): Promise<void>;
  /** Makes everything stored so far durable on disk. */
  protected abstract syncStore(): Promise<void>;
  /** Releases the storage (after a sync). */
  protected abstract closeStore(): Promise<void>;

  get firstSeq(): number {
    return this.base.seq + 1;
  }
  get lastSeq(): number {
    return this.head.seq;
  }
  get lastCrc(): number {
    return this.head.crc;
  }
  get durableSeq(): number {
    return this.durable;
  }
  appendedBytes = 0;
  get error(): Error | null {
    return this.failure;
  }

  append(groups: readonly EffectGroup[]): number {
    if (this.failure !== null) throw this.failure;
    if (this.closed) throw new JournalError('journal is closed');
    const seq = this.head.seq + 1;
    const { value, crc } = encodeEntry(this.head.crc, seq, groups);
    const head = { seq, crc };
    const done = this.store(seq, value, head);
    this.head = head;
    this.appendedBytes += value.length;
    // One reaction per entry even when entries share a commit's promise: a reaction shared across
    // appends could be handed a promise that already settled for an earlier transaction.
    done.then(
      () => this.advance(seq),
      (e: unknown) => this.fail(e),
    );
    return seq;
  }

  /** Marks entries up to `seq` durable (subclasses whose durability is not per store() call). */
  protected advance(seq: number): void {
    if (seq <= this.durable || this.failure !== null) return;
    this.durable = seq;
    const w = this.waiters;
    let n = 0;
    while (n < w.length && w[n]!.seq <= seq) w[n++]!.resolve();
    if (n > 0) w.splice(0, n);
    for (const l of this.listeners) l(seq, null);
  }

  /** Stops the journal: nothing more becomes durable, every waiter is rejected. */
  protected fail(e: unknown): void {
    if (this.failure !== null) return;
    const err = e instanceof Error ? e : new Error(String(e));
    this.failure = new JournalError(`journal write failed: ${err.message}`, { cause: err });
    for (const w of this.waiters.splice(0)) w.reject(this.failure);
    for (const l of this.listeners) l(this.durable, this.failure);
  }

  whenDurable(seq: number = this.head.seq): Promise<void> {
    if (seq <= this.durable) return RESOLVED;
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.closed && seq > this.head.seq) return Promise.reject(new JournalError('journal is closed'));
    // A seq beyond lastSeq is allowed: a TickBatcher hands out the seq of the entry it will append.
    const w = this.waiters;
    let i = w.length;
    while (i > 0 && w[i - 1]!.seq > seq) i--;
    if (i > 0 && w[i - 1]!.seq === seq) return w[i - 1]!.promise;
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const waiter = { seq, promise, resolve, reject };
    if (i === w.length) w.push(waiter);
    else w.splice(i, 0, waiter);
    return promise;
  }

  onDurable(listener: DurableListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  *readFrom(from: number, options: ReadOptions = {}): IterableIterator<JournalEntry> {
    const base = this.committedBase();
    const head = this.committedHead();
    if (!Number.isSafeInteger(from) || from < 1) throw new JournalError(`invalid sequence number ${from}`);
    if (from <= base.seq) {
      throw new JournalError(`sequence number ${from} was truncated: the journal starts at ${base.seq + 1}`);
    }
    const to = options.to ?? head.seq;
    if (to > head.seq) throw new JournalError(`sequence number ${to} is beyond the journal's last committed entry ${head.seq}`);
    if (from > to + 1) throw new JournalError(`sequence number ${from} is beyond the journal's end ${head.seq}`);
    let crc: number;
    if (from - 1 === base.seq) {
      crc = base.crc;
    } else {
      const prev = this.entry(from - 1);
      if (prev === undefined) throw new JournalCorruptError(from - 1, 'entry missing');
      crc = storedCrc(from - 1, prev);
    }
    if (options.prevCrc !== undefined && options.prevCrc >>> 0 !== crc) {
      throw new JournalCorruptError(from - 1, `chain value ${hex(crc)} where ${hex(options.prevCrc >>> 0)} was expected`);
    }
    let expected = from;
    for (const [seq, value] of this.entries(from, to)) {
      if (seq !== expected) throw new JournalCorruptError(expected, seq > expected ? 'entry missing' : `unexpected key ${seq}`);
      crc = verifyEntry(crc, seq, value);
      yield { seq, groups: decodeEntry(seq, value), crc };
      expected++;
    }
    if (expected !== to + 1) throw new JournalCorruptError(expected, 'entry missing');
    // The head record is committed with the last entry: a consistent rewrite of the tail fails here.
    if (to === head.seq && crc !== head.crc) {
      throw new JournalCorruptError(to, `chain value ${hex(crc)} where the journal's head records ${hex(head.crc)}`);
    }
  }

  /** The chain points chainAt answers from: this handle's own (a reader's: the committed ones). */
  protected points(): { base: ChainPoint; head: ChainPoint } {
    return { base: this.base, head: this.head };
  }

  chainAt(seq: number): ChainPoint {
    const { base, head } = this.points();
    if (seq === head.seq) return head;
    if (seq === base.seq) return base;
    if (seq < base.seq || seq > head.seq) throw new JournalError(`sequence number ${seq} is not in the journal`);
    const v = this.entry(seq);
    if (v === undefined) throw new JournalCorruptError(seq, 'entry missing');
    return { seq, crc: storedCrc(seq, v) };
  }

  truncateBefore(seq: number): Promise<void> {
    if (this.closed) return Promise.reject(new JournalError('journal is closed'));
    if (seq > this.durable + 1) {
      return Promise.reject(new JournalError(`cannot truncate before ${seq}: entries are durable only up to ${this.durable}`));
    }
    const run = this.truncating.then(() => this.truncate(seq));
    this.truncating = run.catch(() => {});
    return run;
  }

  private async truncate(seq: number): Promise<void> {
    while (this.base.seq + 1 < seq) {
      const from = this.base.seq + 1;
      const to = Math.min(seq - 1, from + TRUNCATE_CHUNK - 1);
      const base = this.chainAt(to);
      await this.removeThrough(from, to, base);
      this.base = base;
    }
  }

  sync(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return this.syncStore();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Waiters for entries never appended (a TickBatcher's pending seq) would wait forever.
    const orphans = this.waiters.filter((w) => w.seq > this.head.seq);
    if (orphans.length > 0) {
      this.waiters.length -= orphans.length;
      for (const w of orphans) w.reject(new JournalError('journal is closed'));
    }
    await this.truncating;
    try {
      if (this.failure === null) await this.syncStore();
    } finally {
      await this.closeStore();
    }
  }
}

/**
 * A journal in memory: durable means stored. For tests and tools; `stored` is open to them
 * (delete or change an entry to see the chain break).
 */
export class MemoryJournal extends ChainedJournal {
  readonly stored = new Map<number, Uint8Array>();
  private storedBase: ChainPoint;
  private storedHead: ChainPoint;

  /** `start`: the chain point before the first entry (a restored snapshot's), CHAIN_START if none. */
  constructor(policy: FsyncPolicy = 'always', start: ChainPoint = CHAIN_START) {
    super(policy, start, start);
    this.storedBase = this.storedHead = start;
  }

  protected store(seq: number, value: Uint8Array, head: ChainPoint): PromiseLike<unknown> {
    this.stored.set(seq, value);
    this.storedHead = head;
    return Promise.resolve();
  }
  protected *entries(from: number, to: number): Iterable<readonly [number, Uint8Array]> {
    // Keys in order, gaps skipped (as an ordered store would).
    const keys = [...this.stored.keys()].filter((k) => k >= from && k <= to).sort((a, b) => a - b);
    for (const k of keys) yield [k, this.stored.get(k)!];
  }
  protected entry(seq: number): Uint8Array | undefined {
    return this.stored.get(seq);
  }
  protected committedBase(): ChainPoint {
    return this.storedBase;
  }
  protected committedHead(): ChainPoint {
    return this.storedHead;
  }
  protected async removeThrough(from: number, to: number, base: ChainPoint): Promise<void> {
    for (let s = from; s <= to; s++) this.stored.delete(s);
    this.storedBase = base;
  }
  protected async syncStore(): Promise<void> {}
  protected async closeStore(): Promise<void> {}
}

/**
 * Packs the groups of one tick into one entry: add() each group as the shard emits it
 * (`shard.onEffects = (g) => seq = batcher.add(g)`), and the entry is appended once, when the
 * scheduled callback runs (queueMicrotask by default; in Node's server, setImmediate packs every
 * connection read in one event-loop turn). The batcher must be the journal's only appender.
 */
export class TickBatcher {
  private groups: EffectGroup[] = [];
  private scheduled = false;

  constructor(
    readonly journal: Journal,
    private readonly schedule: (fn: () => void) => void = queueMicrotask,
  ) {}

  /** Whether groups wait for the scheduled append. */
  get queued(): boolean {
    return this.groups.length > 0;
  }

  /** Queues a group; returns the sequence number its entry will have. */
  add(group: EffectGroup): number {
    this.groups.push(group);
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(this.scheduledFlush);
    }
    return this.journal.lastSeq + 1;
  }

  /**
   * Appends the queued groups now (also what the scheduled callback does). A journal that failed
   * or closed throws here; its waiters are rejected by the journal itself, so the scheduled call
   * swallows it rather than crash the process from a microtask.
   */
  readonly flush = (): void => {
    this.scheduled = false;
    if (this.groups.length === 0) return;
    const groups = this.groups;
    this.groups = [];
    this.journal.append(groups);
  };

  private readonly scheduledFlush = (): void => {
    try {
      this.flush();
    } catch {
      // reported through whenDurable/onDurable
    }
  };
}
