/**
 * Active expiry (expire.c activeExpireCycle): keys nobody reads are still reclaimed. Each cycle
 * walks every database's expires dict with a SCAN cursor (so every volatile key is visited, not
 * just sampled), deleting what has passed, and stops when a database shows few expired keys or
 * the cycle's time budget is spent, so the thread never stalls for long.
 */
import type { Shard } from '../engine/shard.ts';

const KEYS_PER_LOOP = 20;
const ACCEPTABLE_STALE_PERCENT = 10;
/** Share of each 1000/hz ms period a cycle may use (Redis: 25%). */
const CYCLE_CPU_PERCENT = 25;

/** Per shard, who is told each cycle's duration in ms (a server's latency monitor: expire-cycle). */
const cycleObservers = new WeakMap<Shard, (ms: number) => void>();

/** Reports the duration of each of the shard's active expire cycles to `fn` (null: no longer). */
export function observeExpireCycles(shard: Shard, fn: ((ms: number) => void) | null): void {
  if (fn === null) cycleObservers.delete(shard);
  else cycleObservers.set(shard, fn);
}

export function activeExpireCycle(shard: Shard, budgetMs = (1000 / shard.config.hz) * (CYCLE_CPU_PERCENT / 100)): number {
  // Replicas (the primary sends the DELs) and paused servers expire nothing themselves.
  if (!shard.expireEnabled) return 0;
  const start = performance.now();
  const expired = expireCycle(shard, start, budgetMs);
  // As Redis's latencyAddSampleIfNeeded("expire-cycle", ...) at the end of every cycle.
  const observer = cycleObservers.get(shard);
  if (observer !== undefined) observer(performance.now() - start);
  return expired;
}

function expireCycle(shard: Shard, start: number, budgetMs: number): number {
  const effort = Math.max(1, Math.min(10, shard.config['active-expire-effort'])) - 1;
  const perLoop = KEYS_PER_LOOP + (KEYS_PER_LOOP / 4) * effort;
  const stale = ACCEPTABLE_STALE_PERCENT - effort;
  let expired = 0;
  shard.now = shard.clock();
  const expiredKeys: string[] = [];
  for (const db of shard.dbs) {
    let iterations = 0;
    for (;;) {
      const dict = db.expires;
      if (dict.size === 0) break;
      let sampled = 0;
      let found = 0;
      let buckets = 0;
      expiredKeys.length = 0;
      const now = shard.now;
      while (sampled < perLoop && buckets < perLoop * 20) {
        db.expireCursor = dict.scan(db.expireCursor, (key, at) => {
          sampled++;
          if (at <= now) expiredKeys.push(key);
        });
        buckets++;
        if (db.expireCursor === 0) break;
      }
      for (const key of expiredKeys) {
        // Checked again: an earlier deletion in this batch cannot revive it, but be exact anyway.
        const at = db.expires.get(key);
        if (at !== undefined && at <= now) {
          db.deleteExpired(key);
          found++;
        }
      }
      expired += found;
      if ((++iterations & 15) === 0 && performance.now() - start > budgetMs) return expired;
      if (sampled === 0 || (found * 100) / sampled <= stale) break;
      if (db.expireCursor === 0 && found === 0) break;
    }
    if (performance.now() - start > budgetMs) break;
  }
  if (expired > 0) shard.flushEffects();
  return expired;
}
