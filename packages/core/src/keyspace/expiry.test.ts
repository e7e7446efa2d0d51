import { describe, expect, it } from 'vitest';
import { testEngine } from '../../test/util.ts';
import { activeExpireCycle } from './expiry.ts';

describe('expiry', () => {
  it('an expired key is never visible, even before anything deletes it', () => {
    let now = 1_000_000;
    const { run, db } = testEngine({ clock: () => now });
    expect(run('SET', 'k', 'v', 'PX', '100')).toMatchObject({ text: 'OK' });
    now += 99;
    expect(run('GET', 'k')).toBe('v');
    now += 1;
    expect(db.main.size).toBe(1); // still stored...
    expect(run('EXISTS', 'k')).toBe(0); // ...but gone for every reader
    expect(run('GET', 'k')).toBe(null);
    expect(db.main.size).toBe(0);
  });

  it('a lazily expired key is propagated as DEL', () => {
    let now = 1_000_000;
    const { run, engine } = testEngine({ clock: () => now });
    const effects: string[][] = [];
    engine.onEffects((g) => g.forEach((e) => effects.push(e.argv)));
    run('SET', 'k', 'v', 'PX', '10');
    now += 20;
    run('GET', 'k');
    expect(effects).toEqual([
      ['SET', 'k', 'v', 'PXAT', String(1_000_010)],
      ['DEL', 'k'],
    ]);
  });

  it('reclaims 1M keys that nobody reads, in bounded steps', () => {
    let now = 1_000_000;
    const { shard, db } = testEngine({ clock: () => now });
    for (let i = 0; i < 1_000_000; i++) {
      const key = `key:${i}`;
      db.add(key, 'v');
      db.setExpire(key, now + 100);
    }
    expect(shard.used).toBeGreaterThan(0);
    now += 1000;
    // With no time budget, one cycle does a bounded amount of work: it yields the thread.
    shard.now = now;
    const first = activeExpireCycle(shard, 0);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(16 * 20 * 2);
    // With Redis's budget the cycles, run as the timer would, reclaim everything.
    let cycles = 0;
    while (db.size > 0 && cycles < 100_000) {
      activeExpireCycle(shard);
      cycles++;
    }
    expect(db.size).toBe(0);
    expect(db.expires.size).toBe(0);
    expect(cycles).toBeGreaterThan(1);
    expect(shard.used).toBe(0);
    expect(db.main.bucketCount).toBeLessThanOrEqual(8);
    expect(shard.stats.expiredKeys).toBe(1_000_000);
  });

  it('the background timer reclaims keys without any command', async () => {
    const { Engine } = await import('../engine/engine.ts');
    const engine = new Engine({ config: { hz: 100 } });
    try {
      const db = engine.shard.dbs[0]!;
      for (let i = 0; i < 1000; i++) {
        db.add(`k${i}`, 'v');
        db.setExpire(`k${i}`, Date.now() + 5);
      }
      // Bounded wait for the timer (not a timing assertion: it only caps the test's duration).
      for (let i = 0; i < 500 && db.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(db.size).toBe(0);
    } finally {
      engine.close();
    }
  });
});
