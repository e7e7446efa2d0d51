/**
 * memorykv-server with `shards` > 1 (issue 5): the keyspace in shard threads, the connections
 * here. Real clients (ioredis, node-redis, redis-cli) against it; a restart with another shard
 * count finds every key; a dying shard thread fails the commands waiting on it, not the server.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorykvServer } from '../src/server.ts';
import type { ServerSettings } from '../src/settings.ts';
import { startServer, type TestServer } from './helpers.ts';

const CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";
const KEYS = Array.from({ length: 60 }, (_, i) => `key:${i}`);

describe('--shards 3, in memory', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer({ extra: { appendonly: 'no', shards: '3' } });
    await t.server.ready;
  });
  afterAll(() => t.close());

  it('CONFIG GET shards; data commands over the shards, replies in request order among server commands', async () => {
    const r = t.ioredis();
    expect(await r.config('GET', 'shards')).toEqual(['shards', '3']);
    const p = r.pipeline();
    KEYS.forEach((k, i) => {
      p.set(k, String(i));
      if (i % 7 === 0) p.client('SETNAME', `n${i}`);
      p.get(k);
      if (i % 5 === 0) p.ping();
    });
    const out = (await p.exec())!.map(([e, v]) => (e ? e.message : v));
    const want: unknown[] = [];
    KEYS.forEach((_, i) => {
      want.push('OK');
      if (i % 7 === 0) want.push('OK');
      want.push(String(i));
      if (i % 5 === 0) want.push('PONG');
    });
    expect(out).toEqual(want);
    expect(await r.client('GETNAME')).toBe('n56');
    expect(await r.dbsize()).toBe(60);
    expect((await r.keys('*')).sort()).toEqual([...KEYS].sort());
  });

  it('MSET/MGET/DEL over shards, CROSSSLOT for the rest, hash tags, SCAN, MULTI/EXEC', async () => {
    const r = t.ioredis();
    await r.mset(Object.fromEntries(KEYS.map((k) => [k, 'm'])));
    expect(await r.mget(...KEYS)).toEqual(KEYS.map(() => 'm'));
    await expect(r.rename('key:1', 'key:2')).rejects.toThrow(CROSSSLOT);
    await r.sadd('{t}a', 'x');
    await r.sadd('{t}b', 'y');
    expect((await r.sunion('{t}a', '{t}b')).sort()).toEqual(['x', 'y']);
    const seen = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'COUNT', 5);
      cursor = next;
      for (const k of keys) seen.add(k);
    } while (cursor !== '0');
    expect(seen.size).toBe(62);
    expect(await r.multi().incr('{t}n').incr('{t}n').exec()).toEqual([
      [null, 1],
      [null, 2],
    ]);
    await expect(r.multi().set('{t}n', '1').set('{u}m', '2').exec()).rejects.toThrow(/EXECABORT/);
    expect(await r.del(...KEYS)).toBe(60);
    await expect(r.blpop('{t}list', 1)).rejects.toThrow(/blocking commands are not available yet/);
  });

  it('RESP3 shapes from the shards (node-redis), SELECT keeps databases apart, redis-cli', async () => {
    const c = await t.nodeRedis({ RESP: 3 });
    await c.zAdd('{z}s', [
      { score: 1, value: 'a' },
      { score: 2, value: 'b' },
    ]);
    expect(await c.sendCommand(['ZRANGE', '{z}s', '0', '-1', 'WITHSCORES'])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    const r = t.ioredis();
    await r.select(4);
    await r.set('only-in-4', 'x');
    expect(await r.dbsize()).toBe(1);
    await r.select(0);
    expect(await r.exists('only-in-4')).toBe(0);
    expect((await t.cli(['-n', '4', 'GET', 'only-in-4'])).trim()).toBe('x');
  });
});

describe('--shards with appendonly yes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mkv-sharded-server-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function start(shards: number, more: Partial<ServerSettings> = {}) {
    const server = new MemorykvServer({ port: 0, bind: ['127.0.0.1'], loglevel: 'nothing', dir, ...more, extra: { shards: String(shards), ...more.extra } });
    const port = await server.listen();
    await server.ready;
    const r = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, enableReadyCheck: false });
    r.on('error', () => {});
    return {
      server,
      r,
      stop: async () => {
        r.disconnect();
        await server.close();
      },
    };
  }

  it('each shard journals on its own; a restart with another count finds every key', async () => {
    let s = await start(2);
    await s.r.mset(Object.fromEntries(KEYS.map((k) => [k, `v:${k}`])));
    await s.r.set('ttl', 'x', 'EX', 1000);
    await s.stop();
    expect(readdirSync(join(dir, 'appendonlydir')).sort()).toEqual(['shard-0-of-2', 'shard-1-of-2', 'shards.json']);
    for (const shards of [3, 1, 2]) {
      s = await start(shards);
      expect(await s.r.mget(...KEYS)).toEqual(KEYS.map((k) => `v:${k}`));
      expect(await s.r.ttl('ttl')).toBeGreaterThan(900);
      expect(await s.r.dbsize()).toBe(61);
      await s.stop();
    }
  }, 120_000);

  it('SAVE snapshots every shard (then a restart starts from the snapshots); BGSAVE answers at once', async () => {
    let s = await start(2);
    await s.r.mset(Object.fromEntries(KEYS.map((k) => [k, 'snap'])));
    expect(await s.r.save()).toBe('OK');
    for (const d of ['shard-0-of-2', 'shard-1-of-2']) expect(readdirSync(join(dir, 'appendonlydir', d)).sort()).toEqual(['journal', 'snapshots']);
    expect(await s.r.bgsave()).toBe('Background saving started');
    await s.stop();
    s = await start(2);
    expect(await s.r.mget(...KEYS)).toEqual(KEYS.map(() => 'snap'));
    await s.stop();
  }, 60_000);

  it('a shard thread that dies comes back from its journal: nothing acknowledged is lost', async () => {
    const s = await start(2);
    await s.r.mset(Object.fromEntries(KEYS.map((k) => [k, 'kept'])));
    await s.server.sharding!.pool.threads()[1]!.terminate();
    expect(await s.r.mget(...KEYS)).toEqual(KEYS.map(() => 'kept'));
    expect(s.server.sharding!.pool.restarts()).toEqual([0, 1]);
    await s.stop();
  }, 60_000);
});
