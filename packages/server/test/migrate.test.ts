/**
 * The way over from Redis: a real redis-server MIGRATEs its keys into memorykv-server (its
 * RESTORE-ASKING payloads in Redis's own DUMP format, with AUTH and a target db), and keys
 * DUMPed here RESTORE on redis-server. Both servers on free loopback ports, stopped at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOracle, type Oracle } from '../../core/test/oracle.ts';
import type { RespClient } from '../../core/test/resp-client.ts';
import { startServer, type TestServer } from './helpers.ts';

let oracle: Oracle;
let redis: RespClient;
let t: TestServer;

beforeAll(async () => {
  oracle = await startOracle();
  redis = await oracle.connect();
  t = await startServer();
});
afterAll(async () => {
  redis?.close();
  await oracle?.stop();
  await t?.close();
});

const run = async (argv: string[]) => (await redis.pipeline([argv]))[0]!;

describe('MIGRATE from redis-server into memorykv', () => {
  it('moves strings, lists, hashes, sorted sets and sets with their TTLs, into another db, with AUTH', async () => {
    await run(['FLUSHALL']);
    await redis.pipeline([
      ['SET', 'str', 'hello'],
      ['SET', 'num', '12345'],
      ['RPUSH', 'list', 'a', 'b', 'c'],
      ['HSET', 'hash', 'f', 'v', 'g', 'w'],
      ['ZADD', 'zset', '1.5', 'a', '2', 'b'],
      ['SADD', 'intset', '1', '2', '3'],
      ['SADD', 'set', 'x', 'y'],
      ['PEXPIRE', 'str', '600000'],
    ]);
    const io = t.ioredis();
    await io.config('SET', 'requirepass', 'secret');
    try {
      const reply = await run(['MIGRATE', '127.0.0.1', String(t.port), '', '3', '5000', 'AUTH', 'secret', 'KEYS', 'str', 'num', 'list', 'hash', 'zset', 'intset', 'set']);
      expect(reply).toEqual({ t: 'simple', v: 'OK' });
      expect(await run(['DBSIZE'])).toEqual({ t: 'int', v: 0n });
      const r = t.ioredis({ password: 'secret', db: 3 });
      expect(await r.dbsize()).toBe(7);
      expect(await r.mget('str', 'num')).toEqual(['hello', '12345']);
      expect(await r.lrange('list', 0, -1)).toEqual(['a', 'b', 'c']);
      expect(await r.hgetall('hash')).toEqual({ f: 'v', g: 'w' });
      expect(await r.zrange('zset', 0, -1, 'WITHSCORES')).toEqual(['a', '1.5', 'b', '2']);
      expect((await r.smembers('intset')).sort()).toEqual(['1', '2', '3']);
      expect((await r.smembers('set')).sort()).toEqual(['x', 'y']);
      const ttl = await r.pttl('str');
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(600000);
      expect(await r.pttl('num')).toBe(-1);
      // A key that already exists is refused without REPLACE, as Redis's RESTORE does.
      await run(['SET', 'str', 'again']);
      const busy = await run(['MIGRATE', '127.0.0.1', String(t.port), 'str', '3', '5000', 'AUTH', 'secret']);
      expect(busy).toMatchObject({ t: 'error' });
      expect((busy as { v: string }).v).toMatch(/BUSYKEY/);
      expect(await run(['MIGRATE', '127.0.0.1', String(t.port), 'str', '3', '5000', 'REPLACE', 'AUTH', 'secret'])).toEqual({ t: 'simple', v: 'OK' });
      expect(await r.get('str')).toBe('again');
      r.disconnect();
    } finally {
      await io.config('SET', 'requirepass', '');
      io.disconnect();
    }
  });

  it('DUMP here RESTOREs on redis-server', async () => {
    const r = t.ioredis();
    await r.flushall();
    await r.rpush('l', 'x', 'y');
    await r.zadd('z', 3, 'm');
    const dumps = await Promise.all(['l', 'z'].map((k) => r.dumpBuffer(k)));
    r.disconnect();
    await run(['FLUSHALL']);
    for (const [i, k] of ['l', 'z'].entries()) {
      expect(await run(['RESTORE', k, '0', dumps[i]!.toString('latin1')])).toEqual({ t: 'simple', v: 'OK' });
    }
    expect(await run(['LRANGE', 'l', '0', '-1'])).toEqual({ t: 'array', v: [{ t: 'bulk', v: 'x' }, { t: 'bulk', v: 'y' }] });
    expect(await run(['ZSCORE', 'z', 'm'])).toEqual({ t: 'bulk', v: '3' });
  });
});
