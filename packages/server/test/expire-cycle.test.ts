/**
 * The latency monitor's expire-cycle event: an active expire cycle that takes at least
 * latency-monitor-threshold ms is recorded (as Redis's latencyAddSampleIfNeeded in
 * activeExpireCycle), and none is recorded with the monitor off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './helpers.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startServer();
});
afterAll(async () => {
  await t?.close();
});

/** Many keys that expire at once: the active cycles that reclaim them run up to their time budget. */
async function expireMany(n: number): Promise<void> {
  const r = t.ioredis();
  await r.eval(`for i = 1, tonumber(ARGV[1]) do redis.call('SET', 'k' .. i, 'v', 'PX', 20) end`, 0, n);
  const deadline = Date.now() + 20_000;
  while ((await r.dbsize()) > 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
  expect(await r.dbsize()).toBe(0);
}

describe('LATENCY expire-cycle', () => {
  it('is not recorded while the monitor is off', async () => {
    const r = t.ioredis();
    await r.config('SET', 'latency-monitor-threshold', '0');
    await expireMany(100_000);
    expect(await r.call('LATENCY', 'LATEST')).toEqual([]);
  }, 30_000);

  it('records the cycles that reach the threshold', async () => {
    const r = t.ioredis();
    await r.config('SET', 'latency-monitor-threshold', '1');
    try {
      await expireMany(200_000);
      const latest = (await r.call('LATENCY', 'LATEST')) as [string, number, number, number][];
      const ev = latest.find((e) => e[0] === 'expire-cycle');
      expect(ev).toBeDefined();
      expect(ev![2]).toBeGreaterThanOrEqual(1);
      expect(await r.call('LATENCY', 'GRAPH', 'expire-cycle')).toMatch(/expire-cycle.*high.*low/s);
    } finally {
      await r.config('SET', 'latency-monitor-threshold', '0');
      await r.call('LATENCY', 'RESET');
    }
  }, 30_000);
});
