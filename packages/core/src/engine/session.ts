/**
 * Session: the per-client state the engine needs — selected database, the MULTI queue and
 * WATCHed keys. The server keeps one per connection; the in-process API one per Database.
 */
import type { Keyspace, WatchedKey } from '../keyspace/keyspace.ts';

export class Session {
  /** Selected database index. */
  db = 0;
  /** Queued commands while in MULTI, else null. */
  multi: string[][] | null = null;
  /** A command failed to queue: EXEC must answer EXECABORT. */
  multiError = false;
  /** A watched key was modified: EXEC must fail. */
  dirtyCAS = false;
  watching: WatchedKey[] = [];
  /** CLIENT NO-TOUCH: reads do not update LRU/LFU. */
  noTouch = false;
  /** RESP protocol version the client speaks (2 or 3); replies are shaped by the transport. */
  resp: 2 | 3 = 2;

  watchedKey(db: Keyspace, key: string): WatchedKey | undefined {
    for (const wk of this.watching) if (wk.db === db && wk.key === key) return wk;
    return undefined;
  }

  watch(db: Keyspace, key: string): void {
    if (this.watchedKey(db, key)) return;
    const expired = db.isExpired(key);
    this.watching.push({ db, key, expired });
    let map = db.watched;
    if (map === null) map = db.watched = new Map();
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(this);
  }

  unwatchAll(): void {
    for (const { db, key } of this.watching) {
      const set = db.watched?.get(key);
      if (!set) continue;
      set.delete(this);
      if (set.size === 0) {
        db.watched!.delete(key);
        if (db.watched!.size === 0) db.watched = null;
      }
    }
    this.watching = [];
    this.dirtyCAS = false;
  }

  /** multi.c isWatchedKeyExpired: a key that was live at WATCH time has since expired. */
  watchedKeyExpired(): boolean {
    for (const wk of this.watching) {
      if (!wk.expired && wk.db.isExpired(wk.key)) return true;
    }
    return false;
  }

  discardMulti(): void {
    this.multi = null;
    this.multiError = false;
    this.unwatchAll();
  }
}
