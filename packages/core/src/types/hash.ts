/**
 * RHash: the value of a hash key, a field -> value Dict (O(1) get/set/delete, O(1) uniform random
 * field for HRANDFIELD, Redis's SCAN cursor for HSCAN).
 *
 * Redis keeps small hashes as a listpack and converts them to a hashtable once, for good (7.2
 * never converts back). We always use the Dict, but track the encoding Redis would have so OBJECT
 * ENCODING answers the same, and so commands can mimic the observable traits of a listpack:
 * fields in insertion order, HSCAN returning everything in one call.
 */
import { Dict } from './dict.ts';
import { RObject, stringMemory } from '../keyspace/object.ts';

/** The config parameters a hash reads (a shard's EngineConfig satisfies this). */
export interface HashLimits {
  'hash-max-listpack-entries': number;
  'hash-max-listpack-value': number;
}

/** Fixed cost of an RHash and its Dict's arrays when empty. */
const BASE = 160;
/** Per entry: key and value slots, chain link and a bucket share. */
const ENTRY = 24;

export class RHash extends RObject {
  /** Field -> value. Read freely; mutate only through set/delete so memory and encoding stay right. */
  dict = new Dict<string>();
  /** Still what Redis would keep as a listpack. */
  private compact = true;
  private bytes = BASE;

  constructor(private readonly limits: HashLimits) {
    super();
  }

  get type(): 'hash' {
    return 'hash';
  }

  get size(): number {
    return this.dict.size;
  }

  memory(): number {
    return this.bytes;
  }

  encoding(): string {
    return this.compact ? 'listpack' : 'hashtable';
  }

  get isListpack(): boolean {
    return this.compact;
  }

  get(field: string): string | undefined {
    return this.dict.get(field);
  }

  has(field: string): boolean {
    return this.dict.find(field) >= 0;
  }

  /** Sets a field; returns true when the field is new. */
  set(field: string, value: string): boolean {
    const d = this.dict;
    if (this.compact) {
      const max = this.limits['hash-max-listpack-value'];
      if (field.length > max || value.length > max) this.compact = false;
    }
    const i = d.find(field);
    if (i >= 0) {
      const old = d.valAt(i);
      d.setValAt(i, value);
      this.bytes += stringMemory(value) - stringMemory(old);
      return false;
    }
    if (this.compact && d.hasHoles) this.closeHoles();
    this.dict.insertNew(field, value);
    this.bytes += ENTRY + stringMemory(field) + stringMemory(value);
    if (this.compact && this.dict.size > this.limits['hash-max-listpack-entries']) this.compact = false;
    return true;
  }

  /** Deletes a field; returns true when it was present. */
  delete(field: string): boolean {
    const d = this.dict;
    const i = d.find(field);
    if (i < 0) return false;
    this.bytes -= ENTRY + stringMemory(field) + stringMemory(d.valAt(i));
    d.delete(field);
    return true;
  }

  /**
   * hashTypeTryConversion: before HSET/HSETNX writes argv[start..end] (field value pairs), a
   * listpack becomes a hashtable when there are more new pairs than it may hold or any argument
   * is longer than hash-max-listpack-value (even when the fields turn out to exist already).
   */
  tryConversion(argv: readonly string[], start: number, end: number): void {
    if (!this.compact) return;
    if ((end - start + 1) >>> 1 > this.limits['hash-max-listpack-entries']) {
      this.compact = false;
      return;
    }
    const max = this.limits['hash-max-listpack-value'];
    for (let i = start; i <= end; i++) {
      if (argv[i]!.length > max) {
        this.compact = false;
        return;
      }
    }
  }

  /** Visits fields in order (insertion order while compact, like a listpack). */
  forEach(fn: (field: string, value: string) => void): void {
    this.dict.forEach(fn);
  }

  entries(): IterableIterator<[string, string]> {
    return this.dict.entries();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.dict.entries();
  }

  clone(): RHash {
    const h = new RHash(this.limits);
    h.compact = this.compact;
    const d = h.dict;
    this.dict.forEach((k, v) => d.insertNew(k, v));
    h.bytes = this.bytes;
    return h;
  }

  /**
   * A listpack appends new fields at its tail, but the Dict reuses freed entry slots. While
   * compact (at most hash-max-listpack-entries fields, so this is as cheap as the listpack's own
   * memmove on delete), rebuild the Dict without holes so iteration order stays insertion order.
   */
  private closeHoles(): void {
    const old = this.dict;
    const d = new Dict<string>();
    old.forEach((k, v) => d.insertNew(k, v));
    this.dict = d;
  }
}

/**
 * `count` distinct random entry indexes of a dict, 0 < count < d.size, in O(count) expected time
 * for a large dict (t_hash.c/t_set.c HRANDFIELD/SRANDMEMBER cases 2.5, 3 and 4):
 * - ordered (what Redis keeps as a listpack, so small): one pass of selection sampling, giving the
 *   picks in the container's own order as lpRandomPairsUnique does;
 * - count*3 > size: copy every index and drop random ones until count remain (random picks
 *   would keep hitting duplicates);
 * - otherwise: random picks, skipping repeats.
 */
export function distinctRandomIndexes<V>(d: Dict<V>, count: number, ordered: boolean): number[] {
  const end = d.end;
  const size = d.size;
  const out: number[] = [];
  if (ordered) {
    let need = count;
    let left = size;
    for (let i = 0; need > 0 && i < end; i++) {
      if (d.keyAt(i) === undefined) continue;
      if (Math.random() * left < need) {
        out.push(i);
        need--;
      }
      left--;
    }
    return out;
  }
  if (count * 3 > size) {
    for (let i = 0; i < end; i++) if (d.keyAt(i) !== undefined) out.push(i);
    let len = out.length;
    while (len > count) {
      const r = (Math.random() * len) | 0;
      out[r] = out[--len]!;
    }
    out.length = count;
    return out;
  }
  const seen = new Set<number>();
  while (out.length < count) {
    const i = d.randomIndex();
    if (seen.has(i)) continue;
    seen.add(i);
    out.push(i);
  }
  return out;
}
