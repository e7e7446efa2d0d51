/**
 * Keyspace: one Redis database. Keys map to values in a Dict that also keeps each key's LRU/LFU
 * word; TTLs live in a second Dict (absolute unix ms), like Redis's `expires`, so active expiry
 * samples only keys that have one.
 *
 * Every change goes through set/add/delete/modified, which keep the memory estimate, count the
 * change (dirty), and tell WATCHing sessions — handlers never touch `main` directly to write.
 */
import { Dict } from '../types/dict.ts';
import { WRONGTYPE } from '../errors.ts';
import {
  EXPIRE_OVERHEAD,
  KEY_OVERHEAD,
  RObject,
  stringMemory,
  typeOf,
  valueMemory,
  type TypeName,
  type Value,
} from './object.ts';
import type { Shard } from '../engine/shard.ts';
import type { Session } from '../engine/session.ts';
import { lfuTouch, lruClock, newKeyMeta } from './eviction.ts';
import { SlotIndex } from './slot-index.ts';

/** A WATCHed key's record, per session (multi.c watchedKey). */
export interface WatchedKey {
  db: Keyspace;
  key: string;
  /** The key was already logically expired when WATCH ran (deleting it later is no change). */
  expired: boolean;
}

export class Keyspace {
  main = new Dict<Value>({ meta: true });
  expires = new Dict<number>({ empty: 0 });
  /** Sessions WATCHing each key, or null when nobody watches anything here. */
  watched: Map<string, Set<Session>> | null = null;
  /** The keys of each hash slot, while the keyspace is sharded (Shard.indexSlots), else null. */
  slots: SlotIndex | null = null;
  /** Where the active expiry cycle resumes its SCAN of `expires`. */
  expireCursor = 0;
  /** The entry the last lookupWrite found (checked against its key before any reuse). */
  private lastWritten = -1;

  constructor(
    readonly shard: Shard,
    public id: number,
  ) {}

  get size(): number {
    return this.main.size;
  }

  // ---------------------------------------------------------------------------------------------
  // Reading

  /** A key's value for a read command: expires it if due, counts hits/misses, touches LRU/LFU. */
  lookupRead(key: string): Value | undefined {
    const main = this.main;
    const i = this.expires.size > 0 && this.expireIfNeeded(key) ? -1 : main.find(key);
    if (i < 0) {
      this.shard.stats.keyspaceMisses++;
      if (this.shard.notifyMiss) this.shard.notify(this.id, 'm', 'keymiss', key);
      return undefined;
    }
    this.shard.stats.keyspaceHits++;
    this.touch(i);
    return main.valAt(i);
  }

  /** A key's value for a write command: expires it if due and touches LRU/LFU, no hit/miss stats. */
  lookupWrite(key: string): Value | undefined {
    if (this.expires.size > 0 && this.expireIfNeeded(key)) return undefined;
    const main = this.main;
    const i = main.find(key);
    if (i < 0) return undefined;
    this.lastWritten = i;
    this.touch(i);
    return main.valAt(i);
  }

  /**
   * Entry index of `key`: the one lookupWrite found when it still holds that key (a write that
   * replaces its value, INCR's, then hashes the key once), else a lookup.
   */
  private entryOf(key: string): number {
    const i = this.lastWritten;
    return i >= 0 && this.main.keyAt(i) === key ? i : this.main.find(key);
  }

  /** The value without side effects (no expiry, no LRU/LFU touch): for OBJECT, TYPE-less peeks. */
  peek(key: string): Value | undefined {
    if (this.isExpired(key)) return undefined;
    return this.main.get(key);
  }

  /** A key of the given type for reading, undefined when missing; WRONGTYPE is thrown. */
  read<T extends Value>(key: string, type: TypeName): T | undefined {
    const v = this.lookupRead(key);
    if (v !== undefined && typeOf(v) !== type) throw WRONGTYPE;
    return v as T | undefined;
  }

  /** A key of the given type for writing, undefined when missing; WRONGTYPE is thrown. */
  write<T extends Value>(key: string, type: TypeName): T | undefined {
    const v = this.lookupWrite(key);
    if (v !== undefined && typeOf(v) !== type) throw WRONGTYPE;
    return v as T | undefined;
  }

  exists(key: string): boolean {
    if (this.expires.size > 0 && this.expireIfNeeded(key)) return false;
    return this.main.find(key) >= 0;
  }

  private touch(i: number): void {
    const shard = this.shard;
    if (shard.current?.noTouch) return;
    const main = this.main;
    main.setMetaAt(i, shard.lfu ? lfuTouch(main.metaAt(i), shard) : lruClock(shard.coarseNow));
  }

  // ---------------------------------------------------------------------------------------------
  // Writing

  /** Adds a key that does not exist (callers looked it up first). */
  add(key: string, value: Value): void {
    const i = this.main.insertNew(key, value);
    this.main.setMetaAt(i, newKeyMeta(this.shard));
    if (this.slots !== null) this.slots.add(key);
    this.shard.used += KEY_OVERHEAD + stringMemory(key) + this.account(value);
    this.signal(key);
    if (this.shard.notifyNew) this.shard.notify(this.id, 'n', 'new', key);
  }

  /**
   * Redis's setKey: stores value under key, replacing any old value; the TTL is removed unless
   * keepTTL. The key counts as modified for WATCH.
   */
  set(key: string, value: Value, keepTTL = false): void {
    const main = this.main;
    const i = this.entryOf(key);
    if (i < 0) {
      this.add(key, value);
      return;
    }
    const old = main.valAt(i);
    this.shard.used += this.account(value) - valueMemory(old);
    main.setValAt(i, value);
    if (!keepTTL && this.expires.size > 0) this.removeExpire(key);
    this.signal(key);
  }

  /**
   * Swaps the stored value for an equal one of another representation (a string becoming a
   * mutable StrBuf, Redis's dbUnshareStringValue): memory is re-accounted, but nothing changed
   * logically, so nothing is signalled. The key must exist.
   */
  replaceValue(key: string, value: Value): void {
    const main = this.main;
    const i = main.find(key);
    const old = main.valAt(i);
    main.setValAt(i, value);
    this.shard.used += this.account(value) - valueMemory(old);
  }

  /** Deletes a key and its TTL; returns true when it existed. Counts as a modification. */
  delete(key: string): boolean {
    const main = this.main;
    const i = main.find(key);
    if (i < 0) return false;
    const old = main.valAt(i);
    main.delete(key);
    if (this.slots !== null) this.slots.delete(key);
    this.shard.used -= KEY_OVERHEAD + stringMemory(key) + valueMemory(old);
    if (this.expires.size > 0) this.removeExpire(key);
    this.signal(key);
    return true;
  }

  /**
   * Call after changing a container in place: re-accounts its memory, deletes it when it became
   * empty (Redis never keeps an empty aggregate), and signals the change.
   */
  modified(key: string, obj: RObject): void {
    if (obj.type !== 'string' && obj.size === 0) {
      this.delete(key);
      return;
    }
    const before = obj.accounted;
    this.shard.used += this.account(obj) - before;
    this.signal(key);
  }

  private account(v: Value): number {
    if (typeof v === 'string') return stringMemory(v);
    v.accounted = v.memory();
    return v.accounted;
  }

  /** Marks a key as changed: counts a dirty change and invalidates WATCHes on it. */
  signal(key: string): void {
    this.shard.dirty++;
    if (this.watched !== null) this.touchWatched(key);
    const onModified = this.shard.onKeyModified;
    if (onModified !== null) onModified(this.id, key);
  }

  private touchWatched(key: string): void {
    const sessions = this.watched!.get(key);
    if (sessions === undefined) return;
    for (const s of sessions) {
      const wk = s.watchedKey(this, key);
      if (wk?.expired) {
        // The key was already expired at WATCH time: its deletion is logically no change.
        if (this.main.find(key) < 0) {
          wk.expired = false;
          continue;
        }
      }
      s.dirtyCAS = true;
    }
  }

  /**
   * FLUSHDB/FLUSHALL (this db is emptied) and SWAPDB (its contents are replaced with `other`'s):
   * touches the watched keys whose value changes, as multi.c touchAllWatchedKeysInDb — keys are
   * looked up raw (expired or not), and an expired key that stays expired or vanishes is no change.
   */
  touchAllWatched(other?: Keyspace): void {
    if (this.watched === null) return;
    for (const [key, sessions] of this.watched) {
      const inEmptied = this.main.find(key) >= 0;
      const inReplacement = other !== undefined && other.main.find(key) >= 0;
      if (!inEmptied && !inReplacement) continue;
      for (const s of sessions) {
        const wk = s.watchedKey(this, key);
        if (wk === undefined) continue;
        if (wk.expired) {
          if (!inReplacement) {
            // The expired key is now deleted: no logical change.
            wk.expired = false;
            continue;
          } else if (other!.isExpired(key)) {
            continue; // an expired key replaced with an expired key
          }
        } else if (!inEmptied && other!.isExpired(key)) {
          // A key that did not exist is replaced with an expired one.
          wk.expired = true;
          continue;
        }
        s.dirtyCAS = true;
      }
    }
  }

  /**
   * SWAPDB: exchanges what two databases hold while each Keyspace keeps its id and its WATCH
   * registrations (sessions address databases by index; db.c dbSwapDatabases does the same).
   */
  swapWith(other: Keyspace): void {
    [this.main, other.main] = [other.main, this.main];
    [this.expires, other.expires] = [other.expires, this.expires];
    [this.expireCursor, other.expireCursor] = [other.expireCursor, this.expireCursor];
    [this.slots, other.slots] = [other.slots, this.slots];
  }

  /** Deletes every key. Returns how many there were. */
  flush(): number {
    const n = this.main.size;
    this.touchAllWatched();
    let mem = 0;
    this.main.forEach((k, v) => {
      mem += KEY_OVERHEAD + stringMemory(k) + valueMemory(v);
    });
    this.shard.used -= mem + this.expires.size * EXPIRE_OVERHEAD;
    this.main.clear();
    this.expires.clear();
    this.slots?.clear();
    this.shard.dirty += n;
    return n;
  }

  // ---------------------------------------------------------------------------------------------
  // Expiry

  /** The key's absolute expire time in unix ms, or -1 without one (the key must exist). */
  getExpire(key: string): number {
    if (this.expires.size === 0) return -1;
    const t = this.expires.get(key);
    return t === undefined ? -1 : t;
  }

  /** Sets the key's absolute expire time (the key must exist). Counts as a modification. */
  setExpire(key: string, at: number): void {
    if (this.expires.set(key, at)) this.shard.used += EXPIRE_OVERHEAD;
    this.signal(key);
  }

  /** Removes a TTL; returns true when there was one. Does not signal (callers decide). */
  removeExpire(key: string): boolean {
    if (!this.expires.delete(key)) return false;
    this.shard.used -= EXPIRE_OVERHEAD;
    return true;
  }

  /** True when the key has a TTL that has passed (whether or not it was deleted yet). */
  isExpired(key: string): boolean {
    if (this.expires.size === 0 || this.shard.replaying) return false;
    const t = this.expires.get(key);
    return t !== undefined && t <= this.shard.now;
  }

  /**
   * Lazy expiry: deletes the key if its TTL has passed and returns true. Replicas and replays
   * (shard.expireEnabled false) report it expired without deleting: the primary sends the DEL.
   */
  expireIfNeeded(key: string): boolean {
    if (this.shard.replaying) return false;
    const t = this.expires.get(key);
    if (t === undefined || t > this.shard.now) return false;
    if (this.shard.expireEnabled) this.deleteExpired(key);
    return true;
  }

  /** Deletes an expired key and propagates it as DEL, as Redis's deleteExpiredKeyAndPropagate. */
  deleteExpired(key: string): void {
    this.shard.stats.expiredKeys++;
    this.deleteAndPropagate(key, 'x', 'expired');
  }

  /**
   * A deletion the server decides on by itself (expiry, eviction): watchers are signalled, but
   * the command that happened to trigger it is not dirtied — its own argv must not be propagated
   * just because a key went under it. The deletion is propagated as DEL and notified.
   */
  deleteAndPropagate(key: string, cls: string, event: string): void {
    const shard = this.shard;
    const dirty = shard.dirty;
    this.delete(key);
    shard.dirty = dirty;
    shard.propagate(this.id, ['DEL', key]);
    shard.notify(this.id, cls, event, key);
  }

  // ---------------------------------------------------------------------------------------------
  // Iteration

  /** A random key that is not expired (expired ones met on the way are deleted), or null. */
  randomKey(): string | null {
    const main = this.main;
    // Redis gives up on expiry after a bounded number of tries when all keys are volatile.
    for (let tries = 0; main.size > 0; tries++) {
      const i = main.randomIndex();
      const key = main.keyAt(i)!;
      if (this.expires.size > 0 && this.expireIfNeeded(key)) {
        if (tries > 100 && this.expires.size === main.size) return key;
        continue;
      }
      return key;
    }
    return null;
  }

  /**
   * The average TTL of the volatile keys (INFO keyspace's avg_ttl), estimated from a sample of
   * up to 64 (Redis keeps a running estimate from the active expiry cycle's samples).
   */
  avgTtl(now: number): number {
    const ex = this.expires;
    if (ex.size === 0) return 0;
    let sum = 0;
    let n = 0;
    const sample = Math.min(ex.size, 64);
    for (let i = 0; i < sample; i++) {
      const ttl = ex.valAt(ex.randomIndex()) - now;
      if (ttl > 0) {
        sum += ttl;
        n++;
      }
    }
    return n === 0 ? 0 : Math.round(sum / n);
  }

  /** Starts keeping the slot index (CLUSTER COUNTKEYSINSLOT), from the keys there are. */
  indexSlots(): void {
    if (this.slots !== null) return;
    const index = new SlotIndex();
    this.main.forEach((k) => index.add(k));
    this.slots = index;
  }

  /** Type of the value at key, or undefined (expires it if due; does not touch LRU). */
  typeAt(key: string): TypeName | undefined {
    if (this.expires.size > 0 && this.expireIfNeeded(key)) return undefined;
    const v = this.main.get(key);
    return v === undefined ? undefined : typeOf(v);
  }
}
