import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { open, RedisError, ShardedDatabase } from './index.ts';
import { keyHashSlot } from '../engine/slots.ts';

let db: ShardedDatabase | null = null;
afterEach(async () => {
  await db?.close();
  db = null;
});

async function sharded(shards = 4): Promise<ShardedDatabase> {
  const d = await open({ shards });
  expect(d).toBeInstanceOf(ShardedDatabase);
  db = d as ShardedDatabase;
  return db;
}

const KEYS = Array.from({ length: 40 }, (_, i) => `key:${i}`);

describe('open({ shards }): shards in worker threads', () => {
  it('runs commands on 4 shard threads: single keys, MSET/MGET/DEL over shards, fan-out', async () => {
    const d = await sharded();
    expect(d.shards).toBe(4);
    await Promise.all(KEYS.map((k, i) => d.set(k, String(i))));
    expect(await d.get('key:7')).toBe('7');
    expect(await d.dbsize()).toBe(40);
    expect((await d.keys('*')).sort()).toEqual([...KEYS].sort());
    expect(await d.mset(Object.fromEntries(KEYS.map((k) => [k, k.toUpperCase()])))).toBe('OK');
    expect(await d.mget(...KEYS)).toEqual(KEYS.map((k) => k.toUpperCase()));
    expect(await d.del(...KEYS.slice(0, 10), 'missing')).toBe(10);
    expect(await d.exists(...KEYS)).toBe(30);
    await expect(d.sunionstore('dst', 'a', 'b')).rejects.toThrow("CROSSSLOT Keys in request don't hash to the same slot");
    await expect(d.incr('key:20')).rejects.toBeInstanceOf(RedisError);
    expect(await d.flushall()).toBe('OK');
    expect(await d.dbsize()).toBe(0);
  });

  it('no reader ever sees half of a cross-shard MSET', async () => {
    const d = await sharded();
    const keys = KEYS.slice(0, 12);
    await d.mset(Object.fromEntries(keys.map((k) => [k, 'v0'])));
    const pending: Promise<unknown>[] = [];
    const seen: (string | null)[][] = [];
    for (let round = 1; round <= 300; round++) {
      pending.push(d.mset(Object.fromEntries(keys.map((k) => [k, `v${round}`]))));
      pending.push(d.mget(...keys).then((vals) => void seen.push(vals as (string | null)[])));
      if (round % 50 === 0) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    expect(seen.length).toBe(300);
    for (const vals of seen) expect(new Set(vals).size).toBe(1);
    expect(new Set(seen.map((v) => v[0])).size).toBeGreaterThan(1);
  });

  it('MSETNX over shards sets all or none; MULTI/EXEC and WATCH work across threads', async () => {
    const d = await sharded();
    await d.set('key:3', 'there');
    expect(await d.msetnx(Object.fromEntries(KEYS.slice(0, 8).map((k) => [k, 'x'])))).toBe(0);
    expect(await d.dbsize()).toBe(1);
    expect(await d.msetnx(Object.fromEntries(KEYS.slice(10, 18).map((k) => [k, 'x'])))).toBe(1);
    expect(await d.dbsize()).toBe(9);
    expect(await d.multi().set('{t}a', '1').incr('{t}a').get('{t}a').exec()).toEqual(['OK', 2, '2']);
    await expect(d.multi().set('{t}a', '1').set('{u}b', '2').exec()).rejects.toThrow('EXECABORT');
    await d.watch('key:3');
    await d.set('key:3', 'changed');
    expect(await d.multi().set('{t}a', '5').exec()).toBeNull();
    expect(await d.get('{t}a')).toBe('2');
    expect(await d.select(2)).toBe('OK');
    expect(await d.dbsize()).toBe(0);
  });

  it('a shard thread that dies is reported and restarted; the calls waiting on it fail instead of hanging', async () => {
    const logged: string[] = [];
    const d = (await open({ shards: 2, log: (_level, m) => logged.push(m) })) as ShardedDatabase;
    db = d;
    const [t0, t1] = d.pool.threads();
    const onShard1 = KEYS.find((k) => keyHashSlot(k) >= 8192)!;
    // A script that keeps shard 1 busy for a while: it is surely in flight when the thread dies.
    const busy = d.call('EVAL', 'local n = 0 for i = 1, 50000000 do n = n + i end return n', 1, onShard1);
    await new Promise((r) => setTimeout(r, 300));
    await t1!.terminate();
    await expect(busy).rejects.toThrow(/^ERR shard 1 stopped while running the command; it was restarted/);
    expect(d.pool.restarts()).toEqual([0, 1]);
    expect(logged.some((m) => m.startsWith("shard 1's thread stopped"))).toBe(true);
    // Both shards serve again; shard 0 kept its keys.
    await d.mset(Object.fromEntries(KEYS.map((k) => [k, 'y'])));
    expect(await d.mget(...KEYS)).toEqual(KEYS.map(() => 'y'));
    expect(d.pool.threads()[0]).toBe(t0);
  });

  it('refuses a shard count that is not one, and a restore straight into shards', async () => {
    await expect(open({ shards: 0 })).rejects.toThrow(/shards must be/);
    await expect(open({ shards: 2.5 })).rejects.toThrow(/shards must be/);
    await expect(open({ shards: 2, path: '/tmp/x', restore: '/tmp/y' })).rejects.toThrow(/restore with shards: 1/);
  });
});

describe('open({ shards, path }): each shard journals on its own', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'mkv-shards-'));
    dirs.push(d);
    return d;
  };

  async function contents(d: ShardedDatabase | Awaited<ReturnType<typeof open>>): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const k of (await d.keys('*')).sort()) out[k] = [await d.call('TYPE', k), await d.call('PEXPIRETIME', k), await d.call('DUMP', k)];
    return out;
  }

  it('a restart restores every shard; another shard count re-deals the slots and finds every key', async () => {
    const path = tmp();
    const at = Date.now() + 3_600_000;
    let d = (await open({ shards: 2, path, saveRules: [] })) as ShardedDatabase;
    db = d;
    await d.mset(Object.fromEntries(KEYS.map((k) => [k, `v-${k}`])));
    await d.rpush('{l}list', 'a', 'b', 'c');
    await d.hset('{h}hash', { f: '1', g: '2' });
    await d.zadd('{z}zset', { m: 1.5 });
    await d.call('PEXPIREAT', KEYS[5]!, at);
    await d.select(3);
    await d.set('in-db-3', 'x');
    await d.select(0);
    const before = await contents(d);
    expect(Object.keys(before).length).toBe(43);
    await d.close();
    expect(readdirSync(path).sort()).toEqual(['shard-0-of-2', 'shard-1-of-2', 'shards.json']);

    for (const shards of [2, 3, 1, 4]) {
      const logged: string[] = [];
      const next = await open({ shards, path, saveRules: [], log: (_l, m) => logged.push(m) });
      db = next instanceof ShardedDatabase ? next : null;
      expect(await contents(next)).toEqual(before);
      expect(await next.call('PEXPIRETIME', KEYS[5]!)).toBe(at);
      await next.select(3);
      expect(await next.get('in-db-3')).toBe('x');
      const layout = readdirSync(path).sort();
      if (shards === 1) expect(layout).toEqual(['journal', 'snapshots']);
      else expect(layout.filter((n) => n.startsWith('shard'))).toEqual([...Array.from({ length: shards }, (_, i) => `shard-${i}-of-${shards}`), 'shards.json']);
      await next.close();
      db = null;
    }
  }, 120_000);

  it('a durable shard thread that dies is restarted from its journal: nothing acknowledged is lost', async () => {
    const path = tmp();
    const d = (await open({ shards: 2, path, saveRules: [] })) as ShardedDatabase;
    db = d;
    await d.mset(Object.fromEntries(KEYS.map((k) => [k, 'kept'])));
    await d.pool.threads()[1]!.terminate();
    // The restart recovers the shard from its journal before it serves again.
    expect(await d.mget(...KEYS)).toEqual(KEYS.map(() => 'kept'));
    expect(d.pool.restarts()).toEqual([0, 1]);
  }, 60_000);
});
