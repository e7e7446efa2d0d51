import { describe, expect, it } from 'vitest';
import { testEngine } from '../../test/util.ts';
import { ErrorReply } from '../errors.ts';
import type { EvictionPolicy } from '../config.ts';

const OOM_TEXT = "OOM command not allowed when used memory > 'maxmemory'.";

function filled(policy: EvictionPolicy, keys = 200) {
  let now = 1_700_000_000_000;
  const t = testEngine({ clock: () => now });
  for (let i = 0; i < keys; i++) t.run('SET', `k${i}`, 'x'.repeat(100));
  // Limit the data to what it holds now: the next write must evict (or fail).
  t.shard.setConfig('maxmemory', String(t.shard.used));
  t.shard.setConfig('maxmemory-policy', policy);
  t.shard.setConfig('maxmemory-samples', '10');
  return { ...t, tick: (ms: number) => (now += ms) };
}

describe('maxmemory', () => {
  it('noeviction: a write over the limit gets OOM and changes nothing; reads still work', () => {
    const { run, shard } = filled('noeviction');
    shard.setConfig('maxmemory', String(shard.used - 1));
    const before = shard.keyCount;
    const r = run('SET', 'new', 'value');
    expect(r).toBeInstanceOf(ErrorReply);
    expect((r as ErrorReply).message).toBe(OOM_TEXT);
    expect(shard.keyCount).toBe(before);
    expect(run('GET', 'k1')).toBe('x'.repeat(100));
    expect(run('DEL', 'k1')).toBe(1); // DEL is not denyoom: it frees memory
  });

  it('noeviction inside MULTI: queueing a denyoom command dooms the transaction', () => {
    const { run, shard } = filled('noeviction');
    shard.setConfig('maxmemory', String(shard.used - 1));
    run('MULTI');
    expect((run('SET', 'a', 'b') as ErrorReply).message).toBe(OOM_TEXT);
    expect((run('EXEC') as ErrorReply).message).toMatch(/^EXECABORT/);
  });

  it('over the limit, EXEC of a queue that may grow memory is aborted, and MULTI queues nothing', () => {
    const { run, shard } = filled('noeviction', 10);
    run('MULTI');
    run('SET', 'a', '1');
    shard.setConfig('maxmemory', '1'); // the limit drops while the transaction is open
    expect((run('EXEC') as ErrorReply).message).toBe(`EXECABORT Transaction discarded because of: ${OOM_TEXT}`);
    expect(run('GET', 'a')).toBe(null);
    run('MULTI');
    expect((run('GET', 'k1') as ErrorReply).message).toBe(OOM_TEXT); // even a read is refused queueing
    expect((run('EXEC') as ErrorReply).message).toMatch(/^EXECABORT Transaction discarded because of previous errors/);
    // A transaction of reads only still runs when nothing queued was refused.
    shard.setConfig('maxmemory', '0');
    run('MULTI');
    run('GET', 'k1');
    shard.setConfig('maxmemory', '1');
    expect(run('EXEC')).toEqual(['x'.repeat(100)]);
  });

  it('counts the transport\'s own overhead against maxmemory', () => {
    const { run, shard } = testEngine();
    shard.setConfig('maxmemory', '1000000');
    expect(run('SET', 'a', 'b')).toMatchObject({ text: 'OK' });
    shard.overhead = 2_000_000; // e.g. a server's structures and client buffers
    expect((run('SET', 'c', 'd') as ErrorReply).message).toBe(OOM_TEXT);
  });

  it('allkeys-random and allkeys-lru keep memory under the limit', () => {
    for (const policy of ['allkeys-random', 'allkeys-lru', 'allkeys-lfu'] as const) {
      const { run, shard } = filled(policy);
      for (let i = 0; i < 100; i++) expect(run('SET', `n${i}`, 'y'.repeat(100))).toMatchObject({ text: 'OK' });
      expect(shard.used).toBeLessThanOrEqual(shard.config.maxmemory + 200);
      expect(shard.stats.evictedKeys).toBeGreaterThan(50);
    }
  });

  it('allkeys-lru evicts idle keys before recently used ones', () => {
    const { run, tick, shard } = filled('allkeys-lru');
    tick(100_000);
    for (let i = 0; i < 20; i++) run('GET', `k${i}`); // recently used
    for (let i = 0; i < 100; i++) run('SET', `n${i}`, 'y'.repeat(100));
    let survivors = 0;
    for (let i = 0; i < 20; i++) survivors += run('EXISTS', `k${i}`) as number;
    expect(shard.stats.evictedKeys).toBeGreaterThan(50);
    expect(survivors).toBeGreaterThanOrEqual(18);
  });

  it('allkeys-lfu evicts rarely used keys before frequently used ones', () => {
    const { run, shard } = filled('allkeys-lfu');
    for (let r = 0; r < 50; r++) for (let i = 0; i < 20; i++) run('GET', `k${i}`);
    for (let i = 0; i < 100; i++) run('SET', `n${i}`, 'y'.repeat(100));
    let survivors = 0;
    for (let i = 0; i < 20; i++) survivors += run('EXISTS', `k${i}`) as number;
    expect(shard.stats.evictedKeys).toBeGreaterThan(50);
    expect(survivors).toBeGreaterThanOrEqual(18);
  });

  it('volatile policies evict only keys with a TTL, and fail with OOM when none is left', () => {
    for (const policy of ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl'] as const) {
      const { run, shard } = filled(policy);
      for (let i = 0; i < 50; i++) run('EXPIRE', `k${i}`, String(1000 + i));
      for (let i = 0; i < 40; i++) run('SET', `n${i}`, 'y'.repeat(100));
      for (let i = 50; i < 200; i++) expect(run('EXISTS', `k${i}`), `${policy} k${i}`).toBe(1);
      // Keep writing: once the volatile keys are gone, writes fail with OOM.
      let oom = false;
      for (let i = 40; i < 200 && !oom; i++) {
        const r = run('SET', `n${i}`, 'y'.repeat(100));
        oom = r instanceof ErrorReply && r.message === OOM_TEXT;
      }
      expect(oom, policy).toBe(true);
      expect(shard.stats.evictedKeys).toBeGreaterThan(0);
    }
  });

  it('volatile-ttl evicts the keys closest to expiring first', () => {
    const { run } = filled('volatile-ttl');
    for (let i = 0; i < 100; i++) run('EXPIRE', `k${i}`, String(10_000 + i * 100));
    for (let i = 0; i < 20; i++) run('SET', `n${i}`, 'y'.repeat(100));
    let longLived = 0;
    for (let i = 80; i < 100; i++) longLived += run('EXISTS', `k${i}`) as number;
    let shortLived = 0;
    for (let i = 0; i < 20; i++) shortLived += run('EXISTS', `k${i}`) as number;
    expect(longLived).toBeGreaterThan(shortLived);
  });

  it('evicted keys are propagated as DEL', () => {
    const { run, engine } = filled('allkeys-random');
    const dels: string[] = [];
    engine.onEffects((g) => g.forEach((e) => e.argv[0] === 'DEL' && dels.push(e.argv[1]!)));
    // Eviction runs before a command, for the memory the previous ones left.
    run('SET', 'n', 'y'.repeat(500));
    run('SET', 'm', 'y'.repeat(500));
    expect(dels.length).toBeGreaterThan(0);
    for (const k of dels) expect(run('EXISTS', k)).toBe(0);
  });
});
