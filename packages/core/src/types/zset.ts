/**
 * RZSet: a sorted set value (t_zset.c zset): a member -> score Dict for O(1) ZSCORE and a
 * skiplist with spans for order, ranks and ranges in O(log N).
 *
 * Redis keeps small sorted sets in a listpack and switches to skiplist+dict past
 * zset-max-listpack-entries / zset-max-listpack-value. We always use the skiplist (a listpack
 * would only make small sets slower here) and only track which encoding Redis would report:
 * `listpack` flips to false on the same insert that would convert in Redis, and back to true only
 * where Redis calls zsetConvertToListpackIfNeeded (results built by *STORE commands).
 */
import { Dict } from './dict.ts';
import { RObject, stringMemory } from '../keyspace/object.ts';
import { SkipList, lexGteMin, lexLteMax, type LexRange, type ScoreRange, type ZNode } from './skiplist.ts';

/** Fixed cost of an RZSet: the object, its Dict and the skiplist header. */
const ZSET_BASE = 160;
/** Per member beyond the member's string: skiplist node (avg 1.33 levels), dict entry. */
const ZSET_ENTRY = 88;

/** The two thresholds deciding the reported encoding (config zset-max-listpack-*). */
export interface ZSetLimits {
  'zset-max-listpack-entries': number;
  'zset-max-listpack-value': number;
}

export class RZSet extends RObject {
  readonly type = 'zset' as const;
  readonly dict = new Dict<number>({ empty: 0 });
  readonly zsl = new SkipList();
  /** Whether Redis would hold these contents as a listpack (see the file comment). */
  listpack: boolean;
  private bytes = ZSET_BASE;
  /** Between beginBulk and endBulk: members are in the dict only (see beginBulk). */
  private bulk = false;

  constructor(listpack = true) {
    super();
    this.listpack = listpack;
  }

  /**
   * zsetTypeCreate: a new, empty sorted set for about sizeHint members whose first member is
   * valLenHint bytes long.
   */
  static create(limits: ZSetLimits, sizeHint: number, valLenHint: number): RZSet {
    return new RZSet(
      sizeHint <= limits['zset-max-listpack-entries'] && valLenHint <= limits['zset-max-listpack-value'],
    );
  }

  get size(): number {
    return this.dict.size;
  }

  memory(): number {
    return this.bytes;
  }

  encoding(): string {
    return this.listpack ? 'listpack' : 'skiplist';
  }

  /** The member's score, or undefined when it is not in the set. */
  score(member: string): number | undefined {
    const i = this.dict.find(member);
    return i < 0 ? undefined : this.dict.valAt(i);
  }

  has(member: string): boolean {
    return this.dict.find(member) >= 0;
  }

  /**
   * Adds a member known to be absent. With limits, first converts the reported encoding the way
   * zsetAdd does before inserting into a full listpack.
   */
  insert(member: string, score: number, limits?: ZSetLimits): void {
    if (
      limits !== undefined &&
      this.listpack &&
      (this.dict.size + 1 > limits['zset-max-listpack-entries'] || member.length > limits['zset-max-listpack-value'])
    ) {
      this.listpack = false;
    }
    // A listpack stores an integral score as an integer, so -0 reads back as 0 (zzlInsertAt).
    if (this.listpack && score === 0) score = 0;
    this.dict.insertNew(member, score);
    if (!this.bulk) this.zsl.insert(score, member);
    this.bytes += stringMemory(member) + ZSET_ENTRY;
  }

  /**
   * Starts filling an empty set in bulk (a ZADD/GEOADD of many members creating the key): insert
   * and update then only touch the dict, and endBulk builds the skiplist once from the sorted
   * members, O(N log N) with a plain sort instead of N skiplist searches. Between the two only
   * score, has, insert, update and add may be used.
   */
  beginBulk(): void {
    if (this.dict.size !== 0) throw new Error('beginBulk on a non-empty zset');
    this.bulk = true;
  }

  endBulk(): void {
    this.bulk = false;
    // The members and scores as flat arrays (the dict keeps pages), position by position alike.
    const keys = this.dict.keyList();
    const vals = this.dict.valList();
    const order = sortedOrder(vals, keys, this.dict.size);
    this.zsl.loadSorted(vals, keys, order);
  }

  /** Changes the score of a member known to be present with score cur. */
  update(member: string, cur: number, score: number): void {
    if (cur === score) return;
    if (this.listpack && score === 0) score = 0;
    if (!this.bulk) this.zsl.updateScore(cur, member, score);
    this.dict.set(member, score);
  }

  /** Sets a member's score, adding it if needed; returns true when it was added. */
  add(member: string, score: number, limits?: ZSetLimits): boolean {
    const cur = this.score(member);
    if (cur === undefined) {
      this.insert(member, score, limits);
      return true;
    }
    this.update(member, cur, score);
    return false;
  }

  /** Removes a member; returns false when it was not there. */
  delete(member: string): boolean {
    const i = this.dict.find(member);
    if (i < 0) return false;
    const score = this.dict.valAt(i);
    this.dict.delete(member);
    this.zsl.delete(score, member);
    this.bytes -= stringMemory(member) + ZSET_ENTRY;
    return true;
  }

  /** 0-based rank of member (from the highest score when reverse), or -1 when absent. */
  rank(member: string, reverse = false): number {
    const score = this.score(member);
    if (score === undefined) return -1;
    const r = this.zsl.getRank(score, member);
    return reverse ? this.zsl.length - r : r - 1;
  }

  /** The node at a 0-based rank counted from the lowest score (from the highest when reverse). */
  nodeAt(rank: number, reverse = false): ZNode | null {
    if (rank < 0 || rank >= this.zsl.length) return null;
    return this.zsl.getByRank(reverse ? this.zsl.length - rank : rank + 1);
  }

  first(): ZNode | null {
    return this.zsl.first();
  }

  last(): ZNode | null {
    return this.zsl.tail;
  }

  firstInRange(r: ScoreRange): ZNode | null {
    return this.zsl.firstInRange(r);
  }

  lastInRange(r: ScoreRange): ZNode | null {
    return this.zsl.lastInRange(r);
  }

  /*
   * Lex ranges assume all scores are equal. When they are not, Redis answers whatever its
   * search finds: a linear scan over a listpack (deterministic, emulated here for sets Redis
   * would keep as listpacks) or a skiplist descent (which depends on random node levels).
   */

  firstInLexRange(r: LexRange): ZNode | null {
    if (!this.listpack) return this.zsl.firstInLexRange(r);
    if (!this.zsl.isInLexRange(r)) return null;
    for (let n = this.zsl.first(); n !== null; n = n.next) {
      if (lexGteMin(n.ele, r)) return lexLteMax(n.ele, r) ? n : null;
    }
    return null;
  }

  lastInLexRange(r: LexRange): ZNode | null {
    if (!this.listpack) return this.zsl.lastInLexRange(r);
    if (!this.zsl.isInLexRange(r)) return null;
    for (let n = this.zsl.tail; n !== null; n = n.backward) {
      if (lexLteMax(n.ele, r)) return lexGteMin(n.ele, r) ? n : null;
    }
    return null;
  }

  /** Members ranked start..stop (0-based, inclusive, already clamped), in order or reversed. */
  rangeByRank(start: number, stop: number, reverse = false): [string, number][] {
    const out: [string, number][] = [];
    let n = this.nodeAt(start, reverse);
    for (let i = start; i <= stop && n !== null; i++) {
      out.push([n.ele, n.score]);
      n = reverse ? n.backward : n.next;
    }
    return out;
  }

  /** Members with scores in r, in order or reversed, skipping offset and taking up to limit (<0: all). */
  rangeByScore(r: ScoreRange, reverse = false, offset = 0, limit = -1): [string, number][] {
    const out: [string, number][] = [];
    if (offset < 0) return out;
    let n = reverse ? this.zsl.lastInRange(r) : this.zsl.firstInRange(r);
    while (n !== null && offset > 0) {
      n = reverse ? n.backward : n.next;
      offset--;
    }
    while (n !== null && limit !== 0) {
      if (reverse ? !(r.minex ? n.score > r.min : n.score >= r.min) : !(r.maxex ? n.score < r.max : n.score <= r.max)) break;
      out.push([n.ele, n.score]);
      limit--;
      n = reverse ? n.backward : n.next;
    }
    return out;
  }

  /** Number of members with scores in r, from two rank lookups (O(log N)). */
  countInRange(r: ScoreRange): number {
    const f = this.zsl.firstInRange(r);
    if (f === null) return 0;
    const l = this.zsl.lastInRange(r)!;
    return this.zsl.getRank(l.score, l.ele) - this.zsl.getRank(f.score, f.ele) + 1;
  }

  /** Number of members in the lex range r (O(log N)). */
  countInLexRange(r: LexRange): number {
    if (this.listpack) {
      let count = 0;
      for (let n = this.firstInLexRange(r); n !== null && lexLteMax(n.ele, r); n = n.next) count++;
      return count;
    }
    // As zlexcountCommand: with unequal scores the last node may not be found (or sit before the
    // first); the count then runs to the end, or comes out as Redis computes it.
    const len = this.zsl.length;
    const f = this.zsl.firstInLexRange(r);
    if (f === null) return 0;
    let count = len - (this.zsl.getRank(f.score, f.ele) - 1);
    const l = this.zsl.lastInLexRange(r);
    if (l !== null) count -= len - this.zsl.getRank(l.score, l.ele);
    return count;
  }

  /** Removes 0-based ranks start..stop (clamped by the caller); returns how many. */
  deleteRangeByRank(start: number, stop: number): number {
    return this.zsl.deleteRangeByRank(start + 1, stop + 1, this.onRemove);
  }

  deleteRangeByScore(r: ScoreRange): number {
    return this.zsl.deleteRangeByScore(r, this.onRemove);
  }

  deleteRangeByLex(r: LexRange): number {
    if (!this.listpack) return this.zsl.deleteRangeByLex(r, this.onRemove);
    let removed = 0;
    let n = this.firstInLexRange(r);
    while (n !== null && lexLteMax(n.ele, r)) {
      const next = n.next;
      this.delete(n.ele);
      removed++;
      n = next;
    }
    return removed;
  }

  private readonly onRemove = (ele: string): void => {
    this.dict.delete(ele);
    this.bytes -= stringMemory(ele) + ZSET_ENTRY;
  };

  /** Every [member, score] in order. */
  toArray(): [string, number][] {
    const out = new Array<[string, number]>(this.zsl.length);
    let i = 0;
    for (let n = this.zsl.first(); n !== null; n = n.next) out[i++] = [n.ele, n.score];
    return out;
  }

  /** Visits members in order; stop by returning false. */
  forEach(fn: (member: string, score: number) => boolean | void): void {
    for (let n = this.zsl.first(); n !== null; n = n.next) if (fn(n.ele, n.score) === false) return;
  }

  /**
   * zsetConvertToListpackIfNeeded: reports listpack again when the set fits the limits (Redis does
   * this only for sets built by ZUNIONSTORE/ZINTERSTORE/ZDIFFSTORE, GEOSEARCHSTORE/GEORADIUS STORE).
   */
  convertToListpackIfNeeded(limits: ZSetLimits, maxElementLength: number): void {
    if (this.listpack) return;
    if (this.size <= limits['zset-max-listpack-entries'] && maxElementLength <= limits['zset-max-listpack-value']) {
      this.listpack = true;
      for (let n = this.zsl.first(); n !== null; n = n.next) {
        if (n.score === 0 && Object.is(n.score, -0)) {
          n.score = 0;
          this.dict.set(n.ele, 0);
        }
      }
    }
  }

  clone(): RZSet {
    const z = new RZSet(this.listpack);
    // From the tail down, as zsetDup: each insert lands at the head, so it costs O(1).
    for (let n = this.zsl.tail; n !== null; n = n.backward) {
      z.dict.insertNew(n.ele, n.score);
      z.zsl.insert(n.score, n.ele);
    }
    z.bytes = this.bytes;
    return z;
  }
}

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const RADIX_BITS = 11;
const RADIX = 1 << RADIX_BITS;

/**
 * The indexes 0..n-1 ordered by (vals[i], keys[i]) as the skiplist orders them: an LSD radix sort
 * on the scores' bits made order-preserving (V8 sorts 20k indexes with a comparator about ten
 * times slower), then runs of equal scores sorted by member.
 */
function sortedOrder(vals: readonly number[], keys: readonly (string | undefined)[], n: number): Uint32Array {
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const H = littleEndian ? 1 : 0;
  for (let i = 0; i < n; i++) {
    const v = vals[i]!;
    F64[0] = v === 0 ? 0 : v; // -0 sorts with 0
    let h = U32[H]!;
    let l = U32[1 - H]!;
    if (h & 0x80000000) {
      h = ~h >>> 0;
      l = ~l >>> 0;
    } else h = (h | 0x80000000) >>> 0;
    hi[i] = h;
    lo[i] = l;
  }
  let a = new Uint32Array(n);
  let b = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  const count = new Uint32Array(RADIX + 1);
  for (let pass = 0; pass < 6; pass++) {
    const src = pass < 3 ? lo : hi;
    const shift = (pass % 3) * RADIX_BITS;
    count.fill(0);
    for (let i = 0; i < n; i++) count[((src[a[i]!]! >>> shift) & (RADIX - 1)) + 1]!++;
    // All keys share this digit: the pass would not move anything.
    if (n === 0 || count[((src[a[0]!]! >>> shift) & (RADIX - 1)) + 1] === n) continue;
    for (let d = 1; d <= RADIX; d++) count[d]! += count[d - 1]!;
    for (let i = 0; i < n; i++) {
      const x = a[i]!;
      b[count[(src[x]! >>> shift) & (RADIX - 1)]!++] = x;
    }
    const t = a;
    a = b;
    b = t;
  }
  for (let i = 0; i < n; ) {
    let j = i + 1;
    const v = vals[a[i]!]!;
    while (j < n && vals[a[j]!] === v) j++;
    if (j - i > 16) {
      const run = Array.from(a.subarray(i, j)).sort((x, y) => (keys[x]! < keys[y]! ? -1 : keys[x]! > keys[y]! ? 1 : 0));
      a.set(run, i);
    } else {
      // Short runs (the usual ties): insertion sort in place.
      for (let k = i + 1; k < j; k++) {
        const x = a[k]!;
        const kx = keys[x]!;
        let m = k - 1;
        while (m >= i && keys[a[m]!]! > kx) {
          a[m + 1] = a[m]!;
          m--;
        }
        a[m + 1] = x;
      }
    }
    i = j;
  }
  return a;
}
