/**
 * RSet: the value of a set key, a member Dict (O(1) add/remove/membership, O(1) uniform random
 * member for SPOP/SRANDMEMBER, Redis's SCAN cursor for SSCAN).
 *
 * Redis keeps small sets as an intset (all members int64) or a listpack and converts them to a
 * hashtable once, for good. We always use the Dict but track the encoding Redis would have, so
 * OBJECT ENCODING answers the same and commands can reproduce what a client can see of it: an
 * intset iterates in ascending numeric order, a listpack in insertion order, and SSCAN returns a
 * compact set whole in one call.
 */
import { isInt64Text } from '../bytes.ts';
import { RObject, stringMemory } from '../keyspace/object.ts';
import { Dict } from './dict.ts';

/** The config parameters a set reads (a shard's EngineConfig satisfies this). */
export interface SetLimits {
  'set-max-intset-entries': number;
  'set-max-listpack-entries': number;
  'set-max-listpack-value': number;
}

export const INTSET = 0;
export const LISTPACK = 1;
export const HASHTABLE = 2;
export type SetEncoding = typeof INTSET | typeof LISTPACK | typeof HASHTABLE;

const ENCODING_NAMES = ['intset', 'listpack', 'hashtable'];

/** Fixed cost of an RSet and its Dict's arrays when empty. */
const BASE = 160;
/** Per member: key slot, (unused, unboxed) value slot, chain link and a bucket share. */
const ENTRY = 24;

/** Redis caps intsets at 1G entries whatever the config says (t_set.c intsetMaxEntries). */
function intsetMaxEntries(limits: SetLimits): number {
  const max = limits['set-max-intset-entries'];
  return max >= 1 << 30 ? 1 << 30 : max;
}

/** Orders canonical int64 texts numerically without parsing them (sign, then length, then digits). */
export function compareInt64Text(a: string, b: string): number {
  const an = a.charCodeAt(0) === 45;
  const bn = b.charCodeAt(0) === 45;
  if (an !== bn) return an ? -1 : 1;
  if (a.length !== b.length) return a.length < b.length !== an ? -1 : 1;
  if (a === b) return 0;
  return a < b !== an ? -1 : 1;
}

export class RSet extends RObject {
  /** The members (values unused). Read freely; mutate only through add/delete/popRandom. */
  dict = new Dict<number>({ empty: 0 });
  /** The encoding Redis would use: INTSET, LISTPACK or HASHTABLE. */
  enc: SetEncoding;
  private bytes = BASE;
  /** Longest member text while an intset: intset -> listpack needs every member to fit a listpack value. */
  private maxIntLen = 0;

  constructor(
    private readonly limits: SetLimits,
    enc: SetEncoding = INTSET,
  ) {
    super();
    this.enc = enc;
  }

  /**
   * setTypeCreate: a new set about to receive `hint` members, the first being `first`. It starts
   * as an intset when that one is an integer and the hint fits, else a listpack when the hint
   * fits, else a hashtable.
   */
  static create(limits: SetLimits, first: string, hint: number): RSet {
    if (isInt64Text(first) && hint <= limits['set-max-intset-entries']) return new RSet(limits, INTSET);
    return new RSet(limits, hint <= limits['set-max-listpack-entries'] ? LISTPACK : HASHTABLE);
  }

  /**
   * A set of the given members, with the encoding Redis reaches by adding them one by one to an
   * empty intset (how SUNIONSTORE/SDIFFSTORE build their result). Duplicates are fine.
   */
  static fromMembers(limits: SetLimits, members: Iterable<string>, enc: SetEncoding = INTSET): RSet {
    const s = new RSet(limits, enc);
    for (const m of members) s.add(m);
    return s;
  }

  get type(): 'set' {
    return 'set';
  }

  get size(): number {
    return this.dict.size;
  }

  memory(): number {
    return this.bytes;
  }

  encoding(): string {
    return ENCODING_NAMES[this.enc]!;
  }

  has(m: string): boolean {
    return this.dict.find(m) >= 0;
  }

  /** Adds a member; returns true when it was not there. Converts the encoding as setTypeAddAux does. */
  add(m: string): boolean {
    const d = this.dict;
    const limits = this.limits;
    switch (this.enc) {
      case INTSET:
        if (isInt64Text(m)) {
          if (d.find(m) >= 0) return false;
          this.insert(m);
          if (m.length > this.maxIntLen) this.maxIntLen = m.length;
          if (d.size > intsetMaxEntries(limits)) this.enc = HASHTABLE;
          return true;
        }
        // Not an integer, so certainly not a member of an intset.
        if (
          d.size < limits['set-max-listpack-entries'] &&
          m.length <= limits['set-max-listpack-value'] &&
          this.maxIntLen <= limits['set-max-listpack-value']
        ) {
          // The listpack is filled from the intset in ascending order, then m is appended.
          this.rebuild(this.members());
          this.enc = LISTPACK;
        } else {
          this.enc = HASHTABLE;
        }
        this.insert(m);
        return true;
      case LISTPACK:
        if (d.find(m) >= 0) return false;
        if (d.size < limits['set-max-listpack-entries'] && m.length <= limits['set-max-listpack-value']) {
          if (d.hasHoles) this.rebuild(d.keyList());
        } else {
          this.enc = HASHTABLE;
        }
        this.insert(m);
        return true;
      default:
        if (d.find(m) >= 0) return false;
        this.insert(m);
        return true;
    }
  }

  /** Removes a member; returns true when it was there. */
  delete(m: string): boolean {
    if (!this.dict.delete(m)) return false;
    this.bytes -= ENTRY + stringMemory(m);
    return true;
  }

  /** Removes and returns a uniformly random member (the set must not be empty). O(1) expected. */
  popRandom(): string {
    const d = this.dict;
    const m = d.keyAt(d.randomIndex())!;
    d.delete(m);
    this.bytes -= ENTRY + stringMemory(m);
    return m;
  }

  /** A uniformly random member (the set must not be empty). O(1) expected. */
  random(): string {
    const d = this.dict;
    return d.keyAt(d.randomIndex())!;
  }

  /**
   * setTypeMaybeConvert: before adding `hint` members at once, a compact set that could not hold
   * that many becomes a hashtable up front (even if they turn out to be duplicates).
   */
  maybeConvert(hint: number): void {
    if (
      (this.enc === LISTPACK && hint > this.limits['set-max-listpack-entries']) ||
      (this.enc === INTSET && hint > this.limits['set-max-intset-entries'])
    ) {
      this.enc = HASHTABLE;
    }
  }

  /** maybeConvertToIntset: the caller knows every member is an integer (SINTERSTORE's result). */
  maybeConvertToIntset(): void {
    if (this.enc === INTSET || this.dict.size > intsetMaxEntries(this.limits)) return;
    this.enc = INTSET;
    let max = 0;
    this.dict.forEach((k) => {
      if (k.length > max) max = k.length;
    });
    this.maxIntLen = max;
  }

  /** The members in the order Redis would list them (ascending for an intset). */
  members(): string[] {
    const list = this.dict.keyList();
    if (this.enc === INTSET) list.sort(compareInt64Text);
    return list;
  }

  /** Visits members in members() order; stops early when fn returns false. */
  forEach(fn: (m: string) => boolean | void): void {
    if (this.enc === INTSET) {
      const list = this.members();
      for (let i = 0; i < list.length; i++) if (fn(list[i]!) === false) return;
      return;
    }
    const d = this.dict;
    for (let i = 0, n = d.end; i < n; i++) {
      const k = d.keyAt(i);
      if (k !== undefined && fn(k) === false) return;
    }
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this.members()[Symbol.iterator]();
  }

  clone(): RSet {
    const s = new RSet(this.limits, this.enc);
    const d = s.dict;
    this.dict.forEach((k) => {
      d.insertNew(k, 0);
    });
    s.bytes = this.bytes;
    s.maxIntLen = this.maxIntLen;
    return s;
  }

  private insert(m: string): void {
    this.dict.insertNew(m, 0);
    this.bytes += ENTRY + stringMemory(m);
  }

  /** Refills the Dict in the given order without holes (only while compact, so small). */
  private rebuild(order: string[]): void {
    const d = new Dict<number>({ empty: 0 });
    for (let i = 0; i < order.length; i++) d.insertNew(order[i]!, 0);
    this.dict = d;
  }
}
