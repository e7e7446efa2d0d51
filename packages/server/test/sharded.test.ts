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
import { startServer, until, type TestServer } from './helpers.ts';
import { blockingState } from '../src/commands/blocking.ts';
import { keyHashSlot, slotShard } from '../../core/src/engine/slots.ts';

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

  it('a batch whose shard must wait mid-way (SAVE among pipelined commands) keeps every reply in place', async () => {
    const r = t.ioredis();
    // The shard converts replies as its commands run until one has to wait (SAVE's snapshot
    // request); the replies before it and after it come back in one message, in order.
    const saved = await r.save().then(
      (v) => v,
      (e: Error) => e.message,
    );
    const p = r.pipeline();
    p.set('{w}a', '1').get('{w}a').zadd('{w}z', 1, 'm', 2.5, 'n', -3, 'o').save().get('{w}a').zrange('{w}z', 0, -1, 'WITHSCORES').set('{w}a', '2');
    p.get('{w}a').save().save().zrange('{w}z', 0, 1).del('{w}z', '{w}a');
    const out = (await p.exec())!.map(([e, v]) => (e ? e.message : v));
    expect(out).toEqual(['OK', '1', 3, saved, '1', ['o', '-3', 'm', '1', 'n', '2.5'], 'OK', '2', saved, saved, ['o', 'm'], 2]);
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
  });

  it('MONITOR shows the commands the shards run, in the order they were sent', async () => {
    const r = t.ioredis();
    await r.ping(); // ioredis's CLIENT SETINFO goes first
    const mon = await t.raw();
    mon.write('MONITOR\r\n');
    await mon.read('+OK\r\n');
    // Keys of different shards, a fan-out and a server-level command.
    await r.set(KEYS[0]!, 'v');
    await r.get(KEYS[1]!);
    await r.dbsize();
    await r.ping();
    await until(() => mon.received.split('\r\n').length > 4, 5000, 'four monitor lines');
    const lines = mon.received.split('\r\n').filter((l) => l !== '' && l !== '+OK');
    expect(lines[0]).toMatch(new RegExp(`^\\+\\d+\\.\\d{6} \\[0 127\\.0\\.0\\.1:\\d+\\] "set" "${KEYS[0]}" "v"$`, 'i'));
    expect(lines[1]).toMatch(new RegExp(`"get" "${KEYS[1]}"$`, 'i'));
    expect(lines[2]).toMatch(/"dbsize"$/i);
    expect(lines[3]).toMatch(/"ping"$/i);
    expect(lines).toHaveLength(4);
    // A script's commands follow it, as "lua" lines from its shard.
    const seen = mon.received.length;
    expect(await r.eval("redis.call('SET', KEYS[1], 'x'); return redis.call('GET', KEYS[1])", 1, KEYS[5]!)).toBe('x');
    await until(() => mon.received.slice(seen).split('\r\n').length > 3, 5000, 'three monitor lines');
    const script = mon.received.slice(seen).split('\r\n').filter((l) => l !== '');
    expect(script[0]).toMatch(/\[0 127\.0\.0\.1:\d+\] "eval"/i);
    expect(script[1]).toMatch(new RegExp(`\\[0 lua\\] "SET" "${KEYS[5]}" "x"$`));
    expect(script[2]).toMatch(new RegExp(`\\[0 lua\\] "GET" "${KEYS[5]}"$`));
    // As Redis feeds it after the command ran: a SELECT shows the database it selected, a
    // failed one the database the client stays in.
    const before = mon.received.length;
    const c = await t.raw();
    c.write('SELECT 1\r\nSELECT 99\r\nGET k\r\nSELECT 0\r\n');
    await c.read('+OK\r\n-ERR DB index is out of range\r\n$-1\r\n+OK\r\n');
    await until(() => mon.received.slice(before).split('\r\n').length > 4, 5000, 'four monitor lines');
    expect(mon.received.slice(before).split('\r\n').filter((l) => l !== '').map((l) => /\[(\d+) /.exec(l)![1])).toEqual(['1', '1', '1', '0']);
    c.close();
    mon.close();
  });

  it('INFO persistence counts the writes of every in-memory shard (rdb_changes_since_last_save)', async () => {
    const r = t.ioredis();
    const dirty = async () => Number(/rdb_changes_since_last_save:(\d+)/.exec(await r.info('persistence'))![1]);
    const before = await dirty();
    await r.set(KEYS[2]!, 'x');
    await r.set(KEYS[3]!, 'y');
    await r.get(KEYS[2]!);
    expect(await dirty()).toBe(before + 2);
  });

  it('INFO commandstats counts a command every shard runs once (MULTI, EXEC, SELECT, DBSIZE)', async () => {
    const r = t.ioredis();
    await r.config('RESETSTAT');
    await r.multi().set(KEYS[4]!, '1').exec();
    await r.select(0);
    await r.dbsize();
    const raw = await t.raw();
    raw.write('MULTI\r\nDISCARD\r\n');
    await raw.read('+OK\r\n+OK\r\n');
    raw.close();
    const stats = (await r.info('commandstats')) as string;
    const calls = (name: string) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
    expect([calls('multi'), calls('exec'), calls('set'), calls('select'), calls('dbsize'), calls('discard')]).toEqual([2, 1, 1, 1, 1, 1]);
  });

  it("maxmemory counts the server's own memory on every shard: an empty keyspace refuses writes at maxmemory 1", async () => {
    const own = await startServer({ extra: { appendonly: 'no', shards: '2' } });
    try {
      await own.server.ready;
      const r = own.ioredis();
      await r.config('SET', 'maxmemory', '1');
      // No data on either shard: only the server's own memory is over the limit, as in Redis.
      await expect(r.set('k', 'x')).rejects.toThrow(/^OOM command not allowed/);
      await r.config('SET', 'maxmemory', '0');
      expect(await r.set('k', 'x')).toBe('OK');
    } finally {
      await own.close();
    }
  });

  it('DEBUG subcommands that touch no keys run; those that read the keyspace are refused', async () => {
    const own = await startServer({ extra: { appendonly: 'no', shards: '2', 'enable-debug-command': 'yes' } });
    try {
      await own.server.ready;
      const r = own.ioredis();
      expect(await r.call('DEBUG', 'SLEEP', '0')).toBe('OK');
      expect(await r.call('DEBUG', 'PROTOCOL', 'integer')).toBe(12345);
      await r.set('k', 'v');
      await expect(r.call('DEBUG', 'OBJECT', 'k')).rejects.toThrow("ERR 'debug|object' is not available yet when the keyspace is sharded (--shards)");
    } finally {
      await own.close();
    }
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

describe('--shards 3: blocking commands, keyspace notifications, client tracking', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer({ extra: { appendonly: 'no', shards: '3' } });
    await t.server.ready;
  });
  afterAll(() => t.close());

  const blocked = async (r: Redis) => Number(/blocked_clients:(\d+)/.exec(await r.info('clients'))![1]);

  it('blocked clients are served first come, first served when another client pushes', async () => {
    const r = t.ioredis();
    const waiters = [t.ioredis(), t.ioredis(), t.ioredis()];
    const got: Promise<unknown>[] = [];
    for (const [i, w] of waiters.entries()) {
      got.push(w.blpop('{q}list', 0));
      await until(async () => (await blocked(r)) === i + 1, 5000, `client ${i} blocked`);
    }
    expect(await r.rpush('{q}list', 'a', 'b', 'c')).toBe(3);
    expect(await Promise.all(got)).toEqual([
      ['{q}list', 'a'],
      ['{q}list', 'b'],
      ['{q}list', 'c'],
    ]);
    expect(await r.exists('{q}list')).toBe(0);
    expect(await blocked(r)).toBe(0);
  });

  it('BLMOVE serves a client blocked on its destination; BZPOPMIN and BLMPOP shapes; timeouts', async () => {
    const r = t.ioredis();
    const mover = t.ioredis();
    const popper = t.ioredis();
    const moved = mover.blmove('{m}src', '{m}dst', 'RIGHT', 'LEFT', 0);
    await until(async () => (await blocked(r)) === 1);
    const popped = popper.brpop('{m}dst', 0);
    await until(async () => (await blocked(r)) === 2);
    await r.lpush('{m}src', 'x');
    expect(await moved).toBe('x');
    expect(await popped).toEqual(['{m}dst', 'x']);

    const z = t.ioredis().bzpopmin('{z}a', '{z}b', 0);
    await until(async () => (await blocked(r)) === 1);
    await r.zadd('{z}b', 2, 'two', 1, 'one');
    expect(await z).toEqual(['{z}b', 'one', '1']);
    const m = t.ioredis().call('BLMPOP', '0', '2', '{l}a', '{l}b', 'LEFT', 'COUNT', '5');
    await until(async () => (await blocked(r)) === 1);
    await r.rpush('{l}b', '1', '2');
    expect(await m).toEqual(['{l}b', ['1', '2']]);

    expect(await t.ioredis().blpop('{q}none', 0.1)).toBeNull();
    expect(await t.ioredis().bzpopmax('{q}none', 0.1)).toBeNull();
  });

  it('a pipeline waits behind its blocked command; CLIENT UNBLOCK; errors as Redis gives them', async () => {
    const r = t.ioredis();
    const w = t.ioredis();
    const id = await w.client('ID');
    const pipe = w.pipeline().blpop('{p}list', 0).set('{p}after', '1').exec();
    await until(async () => (await blocked(r)) === 1);
    expect(await r.get('{p}after')).toBeNull();
    await r.rpush('{p}list', 'v');
    expect((await pipe)!.map(([, v]) => v)).toEqual([['{p}list', 'v'], 'OK']);

    const u = t.ioredis().blpop('{p}list', 0);
    await until(async () => (await blocked(r)) === 1);
    const uid = ((await r.client('LIST')) as string).split('\n').find((l: string) => / flags=b /.test(l))!;
    expect(await r.client('UNBLOCK', Number(/id=(\d+)/.exec(uid)![1]), 'ERROR')).toBe(1);
    await expect(u).rejects.toThrow('UNBLOCKED client unblocked via CLIENT UNBLOCK');
    expect(id).toBeGreaterThan(0);

    await r.set('{p}str', 'x');
    await expect(r.blpop('{p}str', 0)).rejects.toThrow(/WRONGTYPE/);
    await expect(r.blpop('{p}list', -1)).rejects.toThrow('ERR timeout is negative');
    await expect(r.blpop('{a}list', '{b}list', 0)).rejects.toThrow(CROSSSLOT);
    // Inside MULTI a blocking command answers as its non-blocking form.
    expect(await r.multi().blpop('{p}list', 0).exec()).toEqual([[null, null]]);
    expect(await blocked(r)).toBe(0);
  });

  it('a blocked pop stays blocked when its key holds another type by the time it tries again', async () => {
    const r = t.ioredis();
    const list = t.ioredis().blpop('{w}k', 0);
    const zset = t.ioredis().bzpopmin('{w}z', 0);
    await until(async () => (await blocked(r)) === 2);
    // Redis serves a blocked client only from a key that holds its type at the end of the push.
    expect(await r.multi().lpush('{w}k', 'x').del('{w}k').set('{w}k', 'str').exec()).toEqual([
      [null, 1],
      [null, 1],
      [null, 'OK'],
    ]);
    expect(await r.multi().zadd('{w}z', 1, 'm').del('{w}z').set('{w}z', 'str').exec()).toEqual([
      [null, 1],
      [null, 1],
      [null, 'OK'],
    ]);
    await r.del('{w}k', '{w}z');
    await r.rpush('{w}k', 'served');
    await r.zadd('{w}z', 2, 'zserved');
    expect(await list).toEqual(['{w}k', 'served']);
    expect(await zset).toEqual(['{w}z', 'zserved', '2']);
  });

  it('a push serves the clients blocked on its key before any other command runs (as handleClientsBlockedOnKeys)', async () => {
    const r = t.ioredis();
    // Circular BRPOPLPUSH: both moves happen before the RPUSH's next command.
    const one = t.ioredis().brpoplpush('{c}list1', '{c}list2', 0);
    await until(async () => (await blocked(r)) === 1);
    const two = t.ioredis().brpoplpush('{c}list2', '{c}list1', 0);
    await until(async () => (await blocked(r)) === 2);
    expect(await r.rpush('{c}list1', 'foo')).toBe(1);
    expect(await r.lrange('{c}list1', 0, -1)).toEqual(['foo']);
    expect(await r.lrange('{c}list2', 0, -1)).toEqual([]);
    expect([await one, await two]).toEqual(['foo', 'foo']);
    // The blocked client gets the element even when a pop is pipelined right after the push.
    const waiter = t.ioredis().blpop('{c}q', 0);
    await until(async () => (await blocked(r)) === 1);
    const [[, pushed], [, popped]] = (await r.pipeline().rpush('{c}q', 'x').lpop('{c}q').exec())!;
    expect([pushed, popped]).toEqual([1, null]);
    expect(await waiter).toEqual(['{c}q', 'x']);
    r.disconnect();
  });

  it('a timeout racing the pushes loses no element: each is popped once or still in the list', async () => {
    const r = t.ioredis();
    const clients = Array.from({ length: 6 }, () => t.ioredis());
    let stop = false;
    const got: string[] = [];
    const loops = clients.map(async (c) => {
      while (!stop) {
        const v = await c.blpop('{race}q', 0.01);
        if (v !== null) got.push(v[1]);
      }
    });
    const N = 300;
    for (let i = 0; i < N; i++) {
      await r.rpush('{race}q', `e${i}`);
      if (i % 7 === 0) await new Promise((res) => setTimeout(res, 1));
    }
    stop = true;
    await Promise.all(loops);
    const left = await r.lrange('{race}q', 0, -1);
    expect([...got, ...left].sort()).toEqual(Array.from({ length: N }, (_, i) => `e${i}`).sort());
    for (const c of clients) c.disconnect();
    r.disconnect();
  });

  it('a push pipelined before a blocking command serves the client blocked earlier (fairness)', async () => {
    const r = t.ioredis();
    const first = t.ioredis().blpop('{f}list', 0);
    await until(async () => (await blocked(r)) === 1);
    const second = t.ioredis();
    const [pushed, popped] = [second.rpush('{f}list', 'one'), second.blpop('{f}list', 0)];
    expect(await pushed).toBe(1);
    expect(await first).toEqual(['{f}list', 'one']);
    await until(async () => (await blocked(r)) === 1, 5000, 'the second client blocked');
    await r.rpush('{f}list', 'two');
    expect(await popped).toEqual(['{f}list', 'two']);

    // Without a write in between, a client that blocks makes its own attempt only: workers that
    // block again and again on one queue do not make each other try again.
    const st = blockingState(t.server);
    const before = st.attemptsSharded;
    const workers = [t.ioredis(), t.ioredis(), t.ioredis(), t.ioredis()];
    const jobs = workers.map((w) => w.brpop('{f}queue', 0));
    await until(async () => (await blocked(r)) === 4, 5000, 'four workers blocked');
    expect(st.attemptsSharded - before).toBe(4);
    await r.lpush('{f}queue', 'a', 'b', 'c', 'd');
    expect((await Promise.all(jobs)).map((j) => j![1]).sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('SAVE and SHUTDOWN are not allowed inside MULTI, which they abort', async () => {
    const r = t.ioredis();
    for (const cmd of ['SAVE', 'SHUTDOWN']) {
      await r.del('{s}foo');
      const m = r.multi();
      m.set('{s}foo', 'bar');
      m.call(cmd);
      await expect(m.exec()).rejects.toThrow('EXECABORT');
      expect(await r.get('{s}foo')).toBeNull();
    }
    expect(await r.ping()).toBe('PONG');
  });

  it('MULTI with server-level and blocking commands: run in queue order, replies in place', async () => {
    const r = t.ioredis();
    const sub = t.ioredis();
    const got: string[] = [];
    sub.on('message', (_c, m) => got.push(m));
    await sub.subscribe('{x}news');
    const out = await r
      .multi()
      .set('{x}a', '1')
      .publish('{x}news', 'hello')
      .call('CLIENT', 'SETNAME', 'in-tx')
      .blpop('{x}l', 0)
      .rpush('{x}l', 'v')
      .blpop('{x}l', 0)
      .bzpopmin('{x}z', 0)
      .zadd('{x}z', 3, 'm')
      .bzpopmin('{x}z', 0)
      .blpop('{x}l', -1)
      .get('{x}a')
      .exec();
    expect(out!.map(([e, v]) => (e ? e.message : v))).toEqual([
      'OK',
      1,
      'OK',
      null,
      1,
      ['{x}l', 'v'],
      null,
      1,
      ['{x}z', 'm', '3'],
      'ERR timeout is negative',
      '1',
    ]);
    expect(await r.client('GETNAME')).toBe('in-tx');
    await until(() => got.includes('hello'), 5000, 'the published message');
    // XREAD (no BLOCK) keeps its place among server-level commands; a command pipelined right
    // behind EXEC is out of the transaction even before the shard's EXEC is back.
    await r.xadd('{x}s', '1-1', 'f', 'v');
    const raw = await t.raw();
    raw.write('MULTI\r\nPING\r\nXREAD STREAMS {x}s 0\r\nECHO hi\r\nEXEC\r\nCLIENT GETNAME\r\nBLPOP {x}none 0.01\r\n');
    await raw.read('+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n+PONG\r\n*1\r\n*2\r\n$4\r\n{x}s\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n$2\r\nhi\r\n$-1\r\n*-1\r\n');
    raw.close();
    // A queueing error of a server-level command dooms the transaction, as in Redis.
    await expect(r.multi().set('{x}a', '2').call('CLIENT', 'SETNAME').exec()).rejects.toThrow(/EXECABORT/);
    expect(await r.get('{x}a')).toBe('1');
  });

  it('INFO keyspace, memory, stats, commandstats and errorstats count every shard', async () => {
    const r = t.ioredis();
    await r.flushall();
    await r.config('RESETSTAT');
    const field = (text: string, name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(text)?.[1];
    const before = Number(field(await r.info('memory'), 'used_memory_dataset'));
    for (let i = 0; i < 40; i++) await (i < 10 ? r.set(`info:${i}`, 'x'.repeat(1000), 'EX', 1000) : r.set(`info:${i}`, 'x'.repeat(1000)));
    await r.select(2);
    await r.set('in-db-2', 'v');
    await r.select(0);
    for (let i = 0; i < 40; i++) await r.get(`info:${i}`);
    await r.get('info:missing');
    await expect(r.lpush('info:0', 'x')).rejects.toThrow(/WRONGTYPE/);
    const keyspace = await r.info('keyspace');
    expect(field(keyspace, 'db0')).toMatch(/^keys=40,expires=10,avg_ttl=\d+$/);
    expect(Number(/avg_ttl=(\d+)/.exec(field(keyspace, 'db0')!)![1])).toBeGreaterThan(900_000);
    expect(field(keyspace, 'db2')).toBe('keys=1,expires=0,avg_ttl=0');
    expect(Number(field(await r.info('memory'), 'used_memory_dataset'))).toBeGreaterThan(before + 40_000);
    const stats = await r.info('stats');
    expect(field(stats, 'keyspace_hits')).toBe('40');
    expect(field(stats, 'keyspace_misses')).toBe('1');
    const cmds = await r.info('commandstats');
    expect(field(cmds, 'cmdstat_set')).toMatch(/^calls=41,usec=\d+,usec_per_call=[\d.]+,rejected_calls=0,failed_calls=0$/);
    expect(field(cmds, 'cmdstat_lpush')).toMatch(/failed_calls=1$/);
    expect(field(await r.info('errorstats'), 'errorstat_WRONGTYPE')).toBe('count=1');
    await r.config('RESETSTAT');
    expect(field(await r.info('commandstats'), 'cmdstat_set')).toBeUndefined();
    await r.flushall();
  });

  it('CONFIG SET of engine parameters reaches the shards: maxmemory (split over them) evicts there', async () => {
    const r = t.ioredis();
    await r.flushall();
    await r.config('SET', 'maxmemory-policy', 'allkeys-lru');
    await r.config('SET', 'maxmemory', '3mb');
    const value = 'x'.repeat(10_000);
    for (let i = 0; i < 1000; i++) await r.set(`mm:${i}`, value);
    // The shards' cron may still evict after the last write: the count read last is the larger.
    const size = await r.dbsize();
    const evicted = Number(/evicted_keys:(\d+)/.exec(await r.info('stats'))![1]);
    expect(size).toBeLessThan(500);
    expect(evicted).toBeGreaterThanOrEqual(1000 - size);
    expect(Number(/used_memory_dataset:(\d+)/.exec(await r.info('memory'))![1])).toBeLessThan(3 * 1024 * 1024);
    await r.config('SET', 'maxmemory', '0');
    await r.config('SET', 'maxmemory-policy', 'noeviction');
    await r.flushall();
  });

  it('keyspace notifications come from every shard, expiry included', async () => {
    const r = t.ioredis();
    await r.config('SET', 'notify-keyspace-events', 'KEA');
    const sub = t.ioredis();
    const seen: string[] = [];
    sub.on('pmessage', (_p, channel, message) => seen.push(`${channel} ${message}`));
    await sub.psubscribe('__key*__:*');
    const keys = ['n:1', 'n:2', 'n:3', 'n:4', 'n:5', 'n:6'];
    for (const k of keys) await r.set(k, 'v');
    await r.set('n:ttl', 'v', 'PX', 20);
    await until(() => seen.includes('__keyevent@0__:expired n:ttl'), 5000, 'the expired event');
    for (const k of keys) {
      expect(seen).toContain(`__keyspace@0__:${k} set`);
      expect(seen).toContain(`__keyevent@0__:set ${k}`);
    }
    await r.config('SET', 'notify-keyspace-events', '');
  });

  it('client tracking: a key read through one shard is invalidated when another client changes it', async () => {
    const r = t.ioredis();
    const inv = t.ioredis();
    const invId = await inv.client('ID');
    const messages: string[] = [];
    inv.on('message', (_c, m) => messages.push(String(m)));
    await inv.subscribe('__redis__:invalidate');
    const tracker = t.ioredis();
    await tracker.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(invId));
    for (const k of KEYS.slice(0, 6)) {
      await r.set(k, 'old');
      expect(await tracker.get(k)).toBe('old');
    }
    for (const k of KEYS.slice(0, 6)) await r.set(k, 'new');
    await until(() => KEYS.slice(0, 6).every((k) => messages.includes(k)), 5000, 'the invalidations');
    await tracker.call('CLIENT', 'TRACKING', 'OFF');
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

  it('BGREWRITEAOF snapshots every shard; LASTSAVE is when every shard last saved; MEMORY USAGE reads the key on its shard', async () => {
    const s = await start(2);
    await s.r.mset(Object.fromEntries(KEYS.map((k) => [k, 'aof'])));
    const saves = async () => Number(/rdb_saves:(\d+)/.exec(await s.r.info('persistence'))![1]);
    const before = await saves();
    const asked = Math.floor(Date.now() / 1000);
    expect(await s.r.bgrewriteaof()).toBe('Background append only file rewriting started');
    await until(async () => (await saves()) === before + 2, 10_000, 'a snapshot of each of the 2 shards');
    const last = (await s.r.lastsave()) as number;
    expect(last).toBeGreaterThanOrEqual(asked);
    expect(last).toBe(Number(/rdb_last_save_time:(\d+)/.exec(await s.r.info('persistence'))![1]));
    // Keys of both shards: each answered by its own.
    for (const k of KEYS.slice(0, 4)) expect(await s.r.call('MEMORY', 'USAGE', k)).toBeGreaterThan(0);
    expect(await s.r.call('MEMORY', 'USAGE', 'nosuchkey')).toBeNull();
    await expect(s.r.call('MEMORY', 'USAGE', KEYS[0]!, 'SAMPLES', '-1')).rejects.toThrow('ERR syntax error');
    await expect(s.r.call('MEMORY', 'STATS')).rejects.toThrow('not available yet');
    await s.stop();
  }, 60_000);

  it('blocking commands on durable shards; CONFIG SET save reaches every shard', async () => {
    const s = await start(2);
    await s.r.config('SET', 'save', '1 1');
    const w = new Redis({ port: s.r.options.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    const popped = w.blpop('{d}list', 0);
    await until(async () => /blocked_clients:1/.test(await s.r.info('clients')));
    await s.r.rpush('{d}list', 'a', 'b');
    expect(await popped).toEqual(['{d}list', 'a']);
    w.disconnect();
    await s.r.mset(Object.fromEntries(KEYS.map((k) => [k, 'saved'])));
    const persistence = async () => {
      const text = await s.r.info('persistence');
      return { changes: Number(/rdb_changes_since_last_save:(\d+)/.exec(text)![1]), saves: Number(/rdb_saves:(\d+)/.exec(text)![1]) };
    };
    expect((await persistence()).changes).toBeGreaterThanOrEqual(KEYS.length);
    // The rule (1 change in 1 s) makes each shard snapshot on its own.
    await until(async () => (await persistence()).changes === 0, 10_000, 'a snapshot of each shard');
    expect((await persistence()).saves).toBeGreaterThanOrEqual(2);
    await s.stop();
    const again = await start(2);
    expect(await again.r.lrange('{d}list', 0, -1)).toEqual(['b']);
    expect(await again.r.mget(...KEYS)).toEqual(KEYS.map(() => 'saved'));
    await again.stop();
  }, 60_000);

  it('a client blocked on a shard whose thread dies waits on the new thread and is served there', async () => {
    const s = await start(2);
    const w = new Redis({ port: s.r.options.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    const key = Array.from({ length: 20 }, (_, i) => `blk:${i}`).find((k) => slotShard(keyHashSlot(k), 2) === 1)!;
    await s.r.del(key);
    const popped = w.blpop(key, 0);
    await until(async () => /blocked_clients:1/.test(await s.r.info('clients')));
    // A command to the same shard answers after the attempt did (one ordered port): the client
    // now waits there, no attempt in flight (that one would get the error).
    expect(await s.r.exists(key)).toBe(0);
    await s.server.sharding!.pool.threads()[1]!.terminate();
    await until(() => s.server.sharding!.pool.restarts()[1] === 1, 10_000, 'the shard restarted');
    await s.r.rpush(key, 'after');
    expect(await popped).toEqual([key, 'after']);
    w.disconnect();
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
