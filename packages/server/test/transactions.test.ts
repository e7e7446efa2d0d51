/**
 * MULTI / EXEC / DISCARD / WATCH over the wire, through ioredis (RESP2) and node-redis (RESP3),
 * with a second connection changing watched keys. `MEMORYKV_TEST_REDIS_PORT=7117` runs the file
 * against a redis-server already listening there, to check the expectations.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createClient, RESP_TYPES } from 'redis';
import { startServer, type TestServer } from './helpers.ts';

const EXECABORT = 'EXECABORT Transaction discarded because of previous errors.';

let t: TestServer | null = null;
const externalPort = Number(process.env.MEMORYKV_TEST_REDIS_PORT ?? 0);
const closers: (() => unknown)[] = [];

function ioredis(): Redis {
  if (t) return t.ioredis();
  const r = new Redis({ port: externalPort, host: '127.0.0.1', retryStrategy: () => null, maxRetriesPerRequest: 0 });
  closers.push(() => r.disconnect());
  return r;
}

async function nodeRedis() {
  const c = createClient({ url: `redis://127.0.0.1:${t?.port ?? externalPort}`, RESP: 3, socket: { reconnectStrategy: false } });
  c.on('error', () => {});
  closers.push(() => c.isOpen && c.destroy());
  await c.connect();
  return c;
}

beforeAll(async () => {
  if (!externalPort) {
    t = await startServer();
  }
});
afterAll(async () => {
  for (const c of closers.splice(0)) await c();
  await t?.close();
});

describe('ioredis (RESP2)', () => {
  let a: Redis;
  let b: Redis;
  beforeAll(() => {
    a = ioredis();
    b = ioredis();
  });
  beforeEach(async () => {
    await a.flushall();
  });

  it('MULTI queues, EXEC runs the queue and replies with every result', async () => {
    expect(await a.call('MULTI')).toBe('OK');
    expect(await a.call('SET', '{q}k', '1')).toBe('QUEUED');
    expect(await a.call('INCR', '{q}k')).toBe('QUEUED');
    expect(await a.call('RPUSH', '{q}l', 'x', 'y')).toBe('QUEUED');
    expect(await a.call('LRANGE', '{q}l', '0', '-1')).toBe('QUEUED');
    // Nothing ran yet: another connection does not see the writes.
    expect(await b.get('{q}k')).toBe(null);
    expect(await a.call('EXEC')).toEqual(['OK', 2, 2, ['x', 'y']]);
    expect(await b.get('{q}k')).toBe('2');
  });

  it('through ioredis multi(): results paired with errors; a runtime error does not stop the rest', async () => {
    await a.set('{m}str', 'x');
    const res = await a.multi().set('{m}k', 'v').lpush('{m}str', 'x').incr('{m}n').get('{m}k').exec();
    expect(res!.map(([e, r]) => (e ? e.message : r))).toEqual(['OK', 'WRONGTYPE Operation against a key holding the wrong kind of value', 1, 'v']);
    const direct = await a.multi({ pipeline: false });
    expect(direct).toBe('OK');
    expect(await a.incr('{m}n')).toBe('QUEUED');
    expect(await a.exec()).toEqual([[null, 2]]);
  });

  it('DISCARD drops the queue; misuse errors', async () => {
    expect(await a.call('MULTI')).toBe('OK');
    expect(await a.call('SET', 'k', 'v')).toBe('QUEUED');
    await expect(a.call('MULTI')).rejects.toThrow('ERR MULTI calls can not be nested');
    await expect(a.call('WATCH', 'k')).rejects.toThrow('ERR WATCH inside MULTI is not allowed');
    expect(await a.call('DISCARD')).toBe('OK');
    expect(await a.exists('k')).toBe(0);
    await expect(a.call('DISCARD')).rejects.toThrow('ERR DISCARD without MULTI');
    await expect(a.call('EXEC')).rejects.toThrow('ERR EXEC without MULTI');
    // The connection is back to normal.
    expect(await a.set('k', 'w')).toBe('OK');
  });

  it('EXECABORT after a queueing error: nothing runs', async () => {
    expect(await a.call('MULTI')).toBe('OK');
    expect(await a.call('SET', '{e}a', '1')).toBe('QUEUED');
    await expect(a.call('SET', '{e}b')).rejects.toThrow("ERR wrong number of arguments for 'set' command");
    await expect(a.call('NOSUCHCOMMAND', 'x')).rejects.toThrow("ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'x' ");
    expect(await a.call('SET', '{e}c', '1')).toBe('QUEUED');
    await expect(a.call('EXEC')).rejects.toThrow(EXECABORT);
    expect(await a.exists('{e}a', '{e}b', '{e}c')).toBe(0);
    // And through ioredis multi(): exec() rejects with the queueing errors attached.
    const err = (await a.multi().set('{e}a', '1').call('SET', '{e}b').exec().catch((e: unknown) => e)) as Error & { previousErrors?: Error[] };
    expect(err.message).toBe(EXECABORT);
    expect(err.previousErrors?.map((e) => e.message)).toEqual(["ERR wrong number of arguments for 'set' command"]);
    expect(await a.exists('{e}a')).toBe(0);
  });

  it('WATCH: a write from another connection aborts EXEC (null reply)', async () => {
    await a.set('k', '1');
    expect(await a.watch('k')).toBe('OK');
    expect(await b.set('k', '2')).toBe('OK');
    expect(await a.call('MULTI')).toBe('OK');
    expect(await a.call('SET', 'k', '3')).toBe('QUEUED');
    expect(await a.call('EXEC')).toBe(null);
    expect(await a.get('k')).toBe('2');
    // EXEC forgot the watch: the next transaction runs.
    await b.set('k', '4');
    expect(await a.multi().set('k', '5').exec()).toEqual([[null, 'OK']]);
    expect(await b.get('k')).toBe('5');
  });

  it('WATCH: ioredis exec() resolves null when aborted', async () => {
    await a.watch('{w}w', '{w}x');
    await b.del('{w}x'); // deleting a missing key touches nothing
    await b.rpush('{w}w', 'new'); // creating the key does
    expect(await a.multi().set('{w}x', '1').exec()).toBe(null);
    expect(await a.exists('{w}x')).toBe(0);
  });

  it('WATCH: untouched keys, UNWATCH, and a write by the watching connection itself', async () => {
    await a.set('k', '1');
    await a.watch('k');
    await b.set('other', '1');
    await b.get('k'); // a read is not a change
    expect(await a.multi().incr('k').exec()).toEqual([[null, 2]]);

    await a.watch('k');
    expect(await a.unwatch()).toBe('OK');
    await b.set('k', '10');
    expect(await a.multi().incr('k').exec()).toEqual([[null, 11]]);

    await a.watch('k');
    await a.set('k', '0');
    expect(await a.multi().incr('k').exec()).toBe(null);
  });

  it('WATCH: FLUSHALL, SWAPDB and EXPIRE from another connection abort too', async () => {
    await a.set('k', '1');
    await a.watch('k');
    await b.flushall();
    expect(await a.multi().set('k', '2').exec()).toBe(null);

    await a.set('k', '1');
    await a.watch('k');
    await b.swapdb(0, 1);
    expect(await a.multi().set('k', '2').exec()).toBe(null);
    await b.swapdb(0, 1);

    await a.watch('k');
    await b.expire('k', 1000);
    expect(await a.multi().set('k', '2').exec()).toBe(null);
    expect(await a.get('k')).toBe('1');
  });

  it('SELECT inside MULTI applies to the commands after it', async () => {
    const res = await a.multi().select(3).set('k', 'db3').select(0).set('k', 'db0').exec();
    expect(res).toEqual([
      [null, 'OK'],
      [null, 'OK'],
      [null, 'OK'],
      [null, 'OK'],
    ]);
    await b.select(3);
    expect(await b.get('k')).toBe('db3');
    await b.select(0);
    expect(await b.get('k')).toBe('db0');
  });
});

describe('node-redis (RESP3)', () => {
  let a: Awaited<ReturnType<typeof nodeRedis>>;
  let b: Awaited<ReturnType<typeof nodeRedis>>;
  beforeAll(async () => {
    a = await nodeRedis();
    b = await nodeRedis();
  });
  beforeEach(async () => {
    await a.flushAll();
  });

  it('multi().exec() returns every result, RESP3 types inside EXEC', async () => {
    await a.hSet('{n}h', { f: 'v' });
    const res = await a.multi().set('{n}k', '1').incr('{n}k').zAdd('{n}z', { score: 1.5, value: 'a' }).zScore('{n}z', 'a').hGetAll('{n}h').exec();
    expect(res).toEqual(['OK', 2, 1, 1.5, { f: 'v' }]);
    // Raw replies: QUEUED, then EXEC's array holding a map and a double.
    expect(await a.sendCommand(['MULTI'])).toBe('OK');
    expect(await a.sendCommand(['HGETALL', '{n}h'])).toBe('QUEUED');
    expect(await a.sendCommand(['ZSCORE', '{n}z', 'a'])).toBe('QUEUED');
    expect(await a.sendCommand(['SMEMBERS', '{n}nokey'])).toBe('QUEUED');
    expect(await a.sendCommand(['EXEC'], { typeMapping: { [RESP_TYPES.MAP]: Map, [RESP_TYPES.SET]: Set } })).toEqual([
      new Map([['f', 'v']]),
      1.5,
      new Set(),
    ]);
  });

  it('WATCH abort: exec() rejects with a WatchError, a raw EXEC gets null', async () => {
    await a.set('k', '1');
    await a.watch('k');
    await b.set('k', '2');
    await expect(a.multi().set('k', '3').exec()).rejects.toThrow(/watched keys has been changed/);
    expect(await a.get('k')).toBe('2');

    await a.sendCommand(['WATCH', 'k']);
    await b.incr('k');
    expect(await a.sendCommand(['MULTI'])).toBe('OK');
    expect(await a.sendCommand(['INCR', 'k'])).toBe('QUEUED');
    expect(await a.sendCommand(['EXEC'])).toBe(null);
    expect(await b.get('k')).toBe('3');
  });

  it('WATCH untouched: EXEC runs', async () => {
    await a.set('k', '1');
    await a.watch('k');
    await b.set('unrelated', '1');
    expect(await a.multi().incr('k').exec()).toEqual([2]);
  });

  it('DISCARD and EXECABORT', async () => {
    expect(await a.sendCommand(['MULTI'])).toBe('OK');
    expect(await a.sendCommand(['SET', 'k', 'v'])).toBe('QUEUED');
    expect(await a.sendCommand(['DISCARD'])).toBe('OK');
    expect(await a.exists('k')).toBe(0);

    expect(await a.sendCommand(['MULTI'])).toBe('OK');
    expect(await a.sendCommand(['SET', 'k', 'v'])).toBe('QUEUED');
    await expect(a.sendCommand(['GET'])).rejects.toThrow("ERR wrong number of arguments for 'get' command");
    await expect(a.sendCommand(['EXEC'])).rejects.toThrow(EXECABORT);
    expect(await a.exists('k')).toBe(0);
    // Through multi(): the queueing error fails the whole transaction.
    await expect(a.multi().set('k', 'v').addCommand(['GET']).exec()).rejects.toThrow();
    expect(await a.exists('k')).toBe(0);
  });
});
