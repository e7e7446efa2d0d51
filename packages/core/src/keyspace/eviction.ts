/**
 * Approximated LRU/LFU and maxmemory eviction, as Redis does it (evict.c): each key keeps one
 * 24-bit word — an LRU clock in seconds, or under an LFU policy 16 bits of minutes plus an 8-bit
 * logarithmic counter — and eviction samples `maxmemory-samples` keys into a pool of the best
 * candidates instead of keeping any global order.
 */
import type { Shard } from '../engine/shard.ts';
import type { Keyspace } from './keyspace.ts';

const LRU_CLOCK_MAX = (1 << 24) - 1;
const LRU_CLOCK_RESOLUTION = 1000;
export const LFU_INIT_VAL = 5;

export function lruClock(nowMs: number): number {
  return Math.floor(nowMs / LRU_CLOCK_RESOLUTION) & LRU_CLOCK_MAX;
}

/** Idle milliseconds of an LRU word (evict.c estimateObjectIdleTime). */
export function idleTime(lru: number, nowMs: number): number {
  const clock = lruClock(nowMs);
  lru &= LRU_CLOCK_MAX;
  return (clock >= lru ? clock - lru : clock + (LRU_CLOCK_MAX - lru)) * LRU_CLOCK_RESOLUTION;
}

function lfuMinutes(nowMs: number): number {
  return Math.floor(nowMs / 60000) & 0xffff;
}

/** The LFU counter after decay (evict.c LFUDecrAndReturn). */
export function lfuDecr(word: number, shard: Shard): number {
  const ldt = word >>> 8;
  let counter = word & 255;
  const now = lfuMinutes(shard.coarseNow);
  const elapsed = now >= ldt ? now - ldt : 65535 - ldt + now;
  const decay = shard.config['lfu-decay-time'];
  const periods = decay ? Math.floor(elapsed / decay) : 0;
  if (periods) counter = periods > counter ? 0 : counter - periods;
  return counter;
}

function lfuLogIncr(counter: number, logFactor: number): number {
  if (counter === 255) return 255;
  const base = Math.max(0, counter - LFU_INIT_VAL);
  const p = 1 / (base * logFactor + 1);
  return Math.random() < p ? counter + 1 : counter;
}

/** An access under an LFU policy: decay, then a logarithmic increment (evict.c updateLFU). */
export function lfuTouch(word: number, shard: Shard): number {
  const counter = lfuLogIncr(lfuDecr(word, shard), shard.config['lfu-log-factor']);
  return (lfuMinutes(shard.coarseNow) << 8) | counter;
}

/** The word a new key starts with. */
export function newKeyMeta(shard: Shard): number {
  return shard.lfu ? (lfuMinutes(shard.coarseNow) << 8) | LFU_INIT_VAL : lruClock(shard.coarseNow);
}

interface Candidate {
  db: Keyspace;
  key: string;
  /** Higher is a better candidate for eviction. */
  score: number;
}

const POOL_SIZE = 16;

/**
 * Frees memory until the estimate is under maxmemory (evict.c performEvictions). Returns false
 * when that is impossible (noeviction, or nothing left that the policy may evict).
 */
export function performEvictions(shard: Shard): boolean {
  const max = shard.config.maxmemory;
  if (max === 0 || shard.used + shard.overhead <= max) return true;
  const policy = shard.config['maxmemory-policy'];
  if (policy === 'noeviction') return false;
  const volatile = policy.startsWith('volatile-');
  const random = policy.endsWith('-random');
  const dbs = shard.dbs;
  const samples = Math.max(1, shard.config['maxmemory-samples']);
  let nextDb = 0;
  while (shard.used + shard.overhead > max) {
    let victim: Candidate | undefined;
    if (random) {
      for (let tries = 0; tries < dbs.length && !victim; tries++) {
        const db = dbs[nextDb++ % dbs.length]!;
        const dict = volatile ? db.expires : db.main;
        const i = dict.randomIndex();
        if (i >= 0) victim = { db, key: dict.keyAt(i)!, score: 0 };
      }
    } else {
      const pool = shard.evictionPool as Candidate[];
      for (const db of dbs) {
        const dict = volatile ? db.expires : db.main;
        if (dict.size === 0) continue;
        for (let s = 0; s < samples; s++) {
          const i = dict.randomIndex();
          const key = dict.keyAt(i)!;
          let score: number;
          if (policy === 'volatile-ttl') score = Number.MAX_SAFE_INTEGER - db.expires.valAt(i);
          else {
            const mi = volatile ? db.main.find(key) : i;
            if (mi < 0) continue;
            const word = db.main.metaAt(mi);
            score = shard.lfu ? 255 - lfuDecr(word, shard) : idleTime(word, shard.coarseNow);
          }
          insertCandidate(pool, { db, key, score });
        }
      }
      // Take the best candidate that still exists (pool entries may be stale).
      while (pool.length > 0 && !victim) {
        const c = pool.pop()!;
        if (c.db.main.find(c.key) >= 0) victim = c;
      }
    }
    if (!victim) return false;
    shard.stats.evictedKeys++;
    victim.db.deleteAndPropagate(victim.key, 'e', 'evicted');
  }
  return true;
}

function insertCandidate(pool: Candidate[], c: Candidate): void {
  for (const p of pool) if (p.db === c.db && p.key === c.key) return;
  if (pool.length >= POOL_SIZE && c.score <= pool[0]!.score) return;
  let i = pool.length;
  while (i > 0 && pool[i - 1]!.score > c.score) i--;
  pool.splice(i, 0, c);
  if (pool.length > POOL_SIZE) pool.shift();
}
