/**
 * RList: the list type. The elements live in a Deque (O(1) at both ends and by index); beside it
 * the list keeps, in O(1) per change, two running sizes:
 *
 *  - the heap estimate for memory() (strings + ring slots), and
 *  - the bytes the same contents would take as one Redis listpack (lpBytes), which is what Redis
 *    7.2 compares with list-max-listpack-size to pick OBJECT ENCODING listpack or quicklist.
 *
 * The encoding is a sticky flag, as in Redis: it changes only where t_list.c calls
 * listTypeTryConversion*, which the commands do through growCheck/shrinkCheck/autoConvert.
 */
import { RObject, stringMemory } from '../keyspace/object.ts';
import { parseInt64 } from '../bytes.ts';
import { Deque } from './deque.ts';

export type Where = 'left' | 'right';

/** Listpack header (total bytes + count) and the EOF byte. */
const LP_HDR_AND_EOF = 7;
/** quicklist.c optimization_level: byte limit per node for fill -1..-5. */
const OPTIMIZATION_LEVEL = [4096, 8192, 16384, 32768, 65536];
/** quicklist.c SIZE_SAFETY_LIMIT: a count-limited node still may not exceed this many bytes. */
const SIZE_SAFETY_LIMIT = 8192;
/** Object header, deque fields and ring array header. */
const LIST_OVERHEAD = 64;
/** One ring slot (a pointer). */
const SLOT_BYTES = 8;

/** Bytes of one listpack entry holding s (encoding + data + backlen), as listpack.c writes it. */
export function lpEntrySize(s: string): number {
  const len = s.length;
  let enc: number;
  if (len <= 20 && len > 0) {
    const c = s.charCodeAt(0);
    // lpStringToInt64 accepts exactly what string2ll does (parseInt64).
    if ((c >= 48 && c <= 57) || c === 45) {
      const v = parseInt64(s);
      if (v === v) {
        if (v >= 0 && v <= 127) enc = 1;
        else if (v >= -4096 && v <= 4095) enc = 2;
        else if (v >= -32768 && v <= 32767) enc = 3;
        else if (v >= -8388608 && v <= 8388607) enc = 4;
        else if (v >= -2147483648 && v <= 2147483647) enc = 5;
        else enc = 9;
        return enc + 1;
      }
    }
  }
  enc = len < 64 ? 1 + len : len < 4096 ? 2 + len : 5 + len;
  return enc + (enc <= 127 ? 1 : enc < 16383 ? 2 : enc < 2097151 ? 3 : enc < 268435455 ? 4 : 5);
}

/** quicklistNodeLimit: [byte limit, count limit] of a node (and of a listpack list) for a fill. */
function nodeLimit(fill: number): [number, number] {
  if (fill >= 0) return [Infinity, fill === 0 ? 1 : fill];
  const level = Math.min(-fill - 1, OPTIMIZATION_LEVEL.length - 1);
  return [OPTIMIZATION_LEVEL[level]!, Infinity];
}

/** quicklistNodeExceedsLimit. */
function exceedsLimit(fill: number, bytes: number, count: number): boolean {
  const [sz, cnt] = nodeLimit(fill);
  if (sz !== Infinity) return bytes > sz;
  if (bytes > SIZE_SAFETY_LIMIT) return true;
  return count > cnt;
}

export class RList extends RObject {
  readonly type = 'list' as const;
  readonly items: Deque<string>;
  /** Size of these contents as one listpack (lpBytes), for the encoding decision. */
  lpBytes = LP_HDR_AND_EOF;
  /** Sum of stringMemory over the elements. */
  private strBytes = 0;
  /** OBJECT ENCODING is quicklist (else listpack). */
  quicklist = false;

  constructor(items?: Deque<string>) {
    super();
    this.items = items ?? new Deque<string>();
  }

  /**
   * A list of these items (SORT ... STORE, RESTORE). Like sort.c it builds a quicklist and lets
   * LIST_CONV_AUTO pick the encoding for the given list-max-listpack-size.
   */
  static from(items: readonly string[], fill = -2): RList {
    const l = new RList(Deque.from(items));
    let lp = LP_HDR_AND_EOF;
    let mem = 0;
    for (let i = 0; i < items.length; i++) {
      const s = items[i]!;
      lp += lpEntrySize(s);
      mem += stringMemory(s);
    }
    l.lpBytes = lp;
    l.strBytes = mem;
    l.quicklist = true;
    l.autoConvert(fill);
    return l;
  }

  get size(): number {
    return this.items.length;
  }

  memory(): number {
    return LIST_OVERHEAD + this.items.capacity * SLOT_BYTES + this.strBytes;
  }

  encoding(): string {
    return this.quicklist ? 'quicklist' : 'listpack';
  }

  clone(): RList {
    const l = new RList(this.items.clone());
    l.lpBytes = this.lpBytes;
    l.strBytes = this.strBytes;
    l.quicklist = this.quicklist;
    return l;
  }

  // ---------------------------------------------------------------------------------------------
  // Encoding (t_list.c listTypeTryConversion*)

  /**
   * LIST_CONV_GROWING, called before adding: a listpack becomes a quicklist when its bytes plus
   * the raw lengths of what is added (Redis counts sdslen only) or its count would pass the limit.
   */
  growCheck(fill: number, addBytes: number, addCount: number): void {
    if (this.quicklist) return;
    if (exceedsLimit(fill, this.lpBytes + addBytes, this.size + addCount)) this.quicklist = true;
  }

  /**
   * LIST_CONV_SHRINKING, called after removing: back to listpack below half the limit, the
   * hysteresis that keeps a list at the boundary from converting on every push and pop.
   */
  shrinkCheck(fill: number): void {
    if (this.quicklist) this.tryListpack(fill, true);
  }

  /** LIST_CONV_AUTO: the encoding a freshly built list gets. */
  autoConvert(fill: number): void {
    if (this.quicklist) this.tryListpack(fill, false);
    else this.growCheck(fill, 0, 0);
  }

  /**
   * listTypeTryConvertQuicklist. Redis converts only a quicklist of one node; we keep no nodes,
   * and count the list as one node when its contents fit in one (true after the pops, trims and
   * LREMs that shrink a list to this size, except when deletions left several small nodes).
   */
  private tryListpack(fill: number, shrinking: boolean): void {
    let [sz, cnt] = nodeLimit(fill);
    const oneNode = this.size <= 1 || this.lpBytes <= (sz === Infinity ? SIZE_SAFETY_LIMIT : sz);
    if (!oneNode) return;
    if (shrinking) {
      sz = Math.floor(sz / 2);
      cnt = Math.floor(cnt / 2);
    }
    if (this.lpBytes > sz || this.size > cnt) return;
    this.quicklist = false;
  }

  // ---------------------------------------------------------------------------------------------
  // Access

  /** The element at index i; negative i counts from the tail (-1 = last). O(1). */
  at(i: number): string | undefined {
    return this.items.at(i < 0 ? this.items.length + i : i);
  }

  /** The elements head to tail (SORT, DUMP). */
  toArray(): string[] {
    return this.items.toArray();
  }

  /** Elements start..stop (normalized, inclusive), head to tail or, reversed, stop down to start. */
  range(start: number, stop: number, reverse = false): string[] {
    const d = this.items;
    const out = new Array<string>(stop - start + 1);
    if (reverse) for (let i = stop, k = 0; i >= start; i--, k++) out[k] = d.at(i)!;
    else for (let i = start, k = 0; i <= stop; i++, k++) out[k] = d.at(i)!;
    return out;
  }

  /** Index of the first element equal to v scanning from the head, or -1. */
  indexOf(v: string): number {
    const d = this.items;
    const n = d.length;
    for (let i = 0; i < n; i++) if (d.at(i) === v) return i;
    return -1;
  }

  // ---------------------------------------------------------------------------------------------
  // Mutation: every change keeps lpBytes and strBytes in step.

  private added(v: string): void {
    this.lpBytes += lpEntrySize(v);
    this.strBytes += stringMemory(v);
  }

  private removed(v: string): void {
    this.lpBytes -= lpEntrySize(v);
    this.strBytes -= stringMemory(v);
  }

  lpush(v: string): void {
    this.items.pushFront(v);
    this.added(v);
  }

  rpush(v: string): void {
    this.items.pushBack(v);
    this.added(v);
  }

  push(v: string, where: Where): void {
    if (where === 'left') this.lpush(v);
    else this.rpush(v);
  }

  lpop(): string | undefined {
    const v = this.items.popFront();
    if (v !== undefined) this.removed(v);
    return v;
  }

  rpop(): string | undefined {
    const v = this.items.popBack();
    if (v !== undefined) this.removed(v);
    return v;
  }

  pop(where: Where): string | undefined {
    return where === 'left' ? this.lpop() : this.rpop();
  }

  /** Replaces the element at index i (0 <= i < size). O(1). */
  set(i: number, v: string): void {
    const old = this.items.set(i, v);
    this.removed(old);
    this.added(v);
  }

  /** Inserts v at index i (0..size). O(min(i, size - i)). */
  insert(i: number, v: string): void {
    this.items.insert(i, v);
    this.added(v);
  }

  /** Drops `left` elements from the head and `right` from the tail. O(left + right). */
  trim(left: number, right: number): void {
    const d = this.items;
    const n = d.length;
    if (left + right >= n) {
      d.clear();
      this.lpBytes = LP_HDR_AND_EOF;
      this.strBytes = 0;
      return;
    }
    for (let i = 0; i < left; i++) this.removed(d.at(i)!);
    for (let i = n - right; i < n; i++) this.removed(d.at(i)!);
    d.removeFront(left);
    d.removeBack(right);
  }

  /**
   * LREM: removes up to `limit` elements equal to v (0 = all), scanning from the head, or from
   * the tail when fromTail. One compaction pass: O(N). Returns how many were removed.
   */
  remove(v: string, limit: number, fromTail: boolean): number {
    const d = this.items;
    const n = d.length;
    let removed = 0;
    if (!fromTail) {
      let w = 0;
      for (let r = 0; r < n; r++) {
        const x = d.at(r)!;
        if (x === v && (limit === 0 || removed < limit)) {
          removed++;
          continue;
        }
        if (w !== r) d.set(w, x);
        w++;
      }
      if (removed > 0) d.removeBack(removed);
    } else {
      let w = n - 1;
      for (let r = n - 1; r >= 0; r--) {
        const x = d.at(r)!;
        if (x === v && (limit === 0 || removed < limit)) {
          removed++;
          continue;
        }
        if (w !== r) d.set(w, x);
        w--;
      }
      if (removed > 0) d.removeFront(removed);
    }
    if (removed > 0) {
      const e = lpEntrySize(v);
      const m = stringMemory(v);
      this.lpBytes -= e * removed;
      this.strBytes -= m * removed;
    }
    return removed;
  }
}
