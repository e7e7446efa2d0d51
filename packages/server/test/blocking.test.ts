/**
 * Blocking commands with real clients: each command woken by another connection, FIFO service,
 * MULTI/EXEC pushes, BLMOVE chains, timeouts, CLIENT UNBLOCK, disconnects, SWAPDB, WAIT, and the
 * effects a served pop propagates. Expected bytes are Redis 7.2's; no test asserts a duration.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { commands, type Effect } from '@memorykv/core';
import { startServer, until, type RawConn, type TestServer, cmd, bulk, serverClient as serverClientOf, SHARDED } from './helpers.ts';
import { blockingState, totalBlockingKeys, unblockClient } from '../src/commands/blocking.ts';
import { timeoutArg } from '../../core/src/commands/args.ts';
import type { Client } from '../src/client.ts';

let t: TestServer;

beforeAll(async () => {
  t = await startServer();
});
afterAll(async () => {
  await t?.close();
});
afterEach(async () => {
  t.server.engine.onEffects(null);
  const r = t.ioredis();
  await r.flushall();
  r.disconnect();
});


/** The number of clients blocked right now. */
const blocked = () => blockingState(t.server).blocked;
/** Waits until n clients are blocked (the blocking command reached the server). */
const blockedCount = (n: number) => until(() => blocked() === n, 5000, `${n} blocked clients`);

const serverClient = (c: RawConn): Client => serverClientOf(t, c);

async function raw3(): Promise<RawConn> {
  const c = await t.raw();
  if (commands.has('hello')) {
    c.write(cmd('HELLO', '3'));
    await until(() => c.received.includes('modules'));
    await until(() => /\r\n$/.test(c.received));
    await c.read(c.received.length);
  } else {
    await until(() => [...t.server.clients.values()].some((cl) => cl.socket.remotePort === c.socket.localPort));
    serverClient(c).resp = 3;
  }
  return c;
}

describe('served at once when data is there', () => {
  it('replies like Redis in RESP2', async () => {
    const c = await t.raw();
    c.write(cmd('RPUSH', '{r}l', 'a', 'b', 'c', 'd', 'e'));
    await c.read(':5\r\n');
    c.write(cmd('BLPOP', '{r}missing', '{r}l', '0'));
    await c.read(`*2\r\n${bulk('{r}l')}${bulk('a')}`);
    c.write(cmd('BRPOP', '{r}l', '0'));
    await c.read(`*2\r\n${bulk('{r}l')}${bulk('e')}`);
    c.write(cmd('BLMOVE', '{r}l', '{r}m', 'LEFT', 'RIGHT', '0'));
    await c.read(bulk('b'));
    c.write(cmd('BRPOPLPUSH', '{r}l', '{r}m', '0'));
    await c.read(bulk('d'));
    c.write(cmd('BLMPOP', '0', '2', '{r}nope', '{r}m', 'RIGHT', 'COUNT', '5'));
    await c.read(`*2\r\n${bulk('{r}m')}*2\r\n${bulk('b')}${bulk('d')}`);
    c.write(cmd('ZADD', '{r}z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'));
    await c.read(':4\r\n');
    c.write(cmd('BZPOPMIN', '{r}z', '0'));
    await c.read(`*3\r\n${bulk('{r}z')}${bulk('a')}${bulk('1')}`);
    c.write(cmd('BZPOPMAX', '{r}z', '0'));
    await c.read(`*3\r\n${bulk('{r}z')}${bulk('d')}${bulk('4')}`);
    c.write(cmd('BZMPOP', '0', '1', '{r}z', 'MAX', 'COUNT', '10'));
    await c.read(`*2\r\n${bulk('{r}z')}*2\r\n*2\r\n${bulk('c')}${bulk('3')}*2\r\n${bulk('b')}${bulk('2')}`);
    c.write(cmd('EXISTS', '{r}z', '{r}l', '{r}m'));
    await c.read(':1\r\n');
    c.close();
  });

  it('replies like Redis in RESP3', async () => {
    const c = await raw3();
    c.write(cmd('ZADD', 'z', '1.5', 'a', '2', 'b'));
    await c.read(':2\r\n');
    c.write(cmd('BZPOPMIN', 'z', '0'));
    await c.read(`*3\r\n${bulk('z')}${bulk('a')},1.5\r\n`);
    c.write(cmd('BZMPOP', '0', '1', 'z', 'MIN'));
    await c.read(`*2\r\n${bulk('z')}*1\r\n*2\r\n${bulk('b')},2\r\n`);
    c.close();
  });

  it('checks types in key order and validates arguments first', async () => {
    // Tag {MIN}: BZMPOP 0 2 l MIN takes MIN for its second key, and the key MIN hashes like {MIN}l.
    const c = await t.raw();
    c.write(cmd('SET', '{MIN}s', 'v'));
    await c.read('+OK\r\n');
    c.write(cmd('RPUSH', '{MIN}l', 'x'));
    await c.read(':1\r\n');
    const wrongtype = '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n';
    c.write(cmd('BLPOP', '{MIN}missing', '{MIN}s', '{MIN}l', '0'));
    await c.read(wrongtype);
    c.write(cmd('BZPOPMIN', '{MIN}s', '0'));
    await c.read(wrongtype);
    c.write(cmd('BLMOVE', '{MIN}l', '{MIN}s', 'LEFT', 'LEFT', '0'));
    await c.read(wrongtype);
    c.write(cmd('BLPOP', '{MIN}l', 'abc'));
    await c.read('-ERR timeout is not a float or out of range\r\n');
    c.write(cmd('BLPOP', '{MIN}l', '-1'));
    await c.read('-ERR timeout is negative\r\n');
    c.write(cmd('BLPOP', '{MIN}l', 'inf'));
    await c.read('-ERR timeout is out of range\r\n');
    c.write(cmd('BLPOP', '{MIN}l', '1e400'));
    await c.read('-ERR timeout is out of range\r\n');
    c.write(cmd('BLMPOP', '0', '0', '{MIN}l', 'LEFT'));
    await c.read('-ERR numkeys should be greater than 0\r\n');
    c.write(cmd('BLMPOP', 'x', '1', '{MIN}l', 'LEFT'));
    await c.read('-ERR timeout is not a float or out of range\r\n');
    c.write(cmd('BLMPOP', '0', '1', '{MIN}l', 'LEFT', 'COUNT', '0'));
    await c.read('-ERR count should be greater than 0\r\n');
    c.write(cmd('BZMPOP', '0', '2', '{MIN}l', 'MIN'));
    await c.read('-ERR syntax error\r\n');
    c.write(cmd('BZMPOP', '0', '1', '{MIN}z', 'LEFT'));
    await c.read('-ERR syntax error\r\n');
    c.write(cmd('BLPOP', '{MIN}l'));
    await c.read("-ERR wrong number of arguments for 'blpop' command\r\n");
    c.write(cmd('LRANGE', '{MIN}l', '0', '-1'));
    await c.read(`*1\r\n${bulk('x')}`);
    c.close();
  });

  it('answers a syntax error before a bad timeout', async () => {
    const c = await t.raw();
    c.write(cmd('RPUSH', '{v}l', 'x'));
    await c.read(':1\r\n');
    c.write(cmd('BLMOVE', '{v}l', '{v}m', 'UP', 'LEFT', 'x'));
    await c.read('-ERR syntax error\r\n');
    c.write(cmd('BLMPOP', 'x', '0', '{v}l', 'LEFT'));
    await c.read('-ERR numkeys should be greater than 0\r\n');
    c.write(cmd('BLMPOP', 'x', '1', '{v}l', 'NOWHERE'));
    await c.read('-ERR syntax error\r\n');
    c.write(cmd('BZMPOP', 'x', '1', '{v}z', 'MIN', 'COUNT', '0'));
    await c.read('-ERR count should be greater than 0\r\n');
    c.close();
  });

  it('parses timeouts as 7.2 does', () => {
    const now = 1_700_000_000_000;
    expect(timeoutArg('0', now)).toBe(0);
    expect(timeoutArg('-0', now)).toBe(0);
    expect(timeoutArg('-0.0001', now)).toBe(0);
    expect(timeoutArg('0.0001', now)).toBe(now + 1);
    expect(timeoutArg('1.5', now)).toBe(now + 1500);
    expect(timeoutArg('0x10', now)).toBe(now + 16000);
    expect(timeoutArg('1e-400', now)).toBe(now + 1);
    expect(() => timeoutArg('-inf', now)).toThrow('timeout is negative');
    expect(() => timeoutArg('nan', now)).toThrow('timeout is not a float or out of range');
    expect(() => timeoutArg(' 1', now)).toThrow('timeout is not a float or out of range');
    expect(() => timeoutArg('9.3e15', now)).toThrow('timeout is out of range');
    expect(() => timeoutArg('9223372036854775', now)).toThrow('timeout is out of range');
    expect(timeoutArg('9.2e15', now)).toBeGreaterThan(now);
  });
});

describe('woken by another connection', () => {
  it('BLPOP and BRPOP', async () => {
    const a = t.ioredis();
    const b = t.ioredis();
    const p1 = a.blpop('{q}q1', '{q}q2', 0);
    await blockedCount(1);
    const p2 = b.brpop('{q}q2', 0);
    await blockedCount(2);
    const w = t.ioredis();
    expect(await w.rpush('{q}q2', 'x', 'y')).toBe(2);
    expect(await p1).toEqual(['{q}q2', 'x']);
    expect(await p2).toEqual(['{q}q2', 'y']);
    expect(await w.exists('{q}q2')).toBe(0);
    expect(blocked()).toBe(0);
  });

  it('BLMOVE and BRPOPLPUSH', async () => {
    const a = t.ioredis();
    const w = t.ioredis();
    const p = a.blmove('{mv}src', '{mv}dst', 'RIGHT', 'LEFT', 0);
    await blockedCount(1);
    await w.lpush('{mv}src', 'one', 'two');
    expect(await p).toBe('one');
    expect(await w.lrange('{mv}dst', 0, -1)).toEqual(['one']);
    const p2 = a.brpoplpush('{mv}other', '{mv}dst', 0);
    await blockedCount(1);
    await w.rpush('{mv}other', 'three');
    expect(await p2).toBe('three');
    expect(await w.lrange('{mv}dst', 0, -1)).toEqual(['three', 'one']);
  });

  it('BLMPOP', async () => {
    const a = t.ioredis();
    const w = t.ioredis();
    const p = a.call('BLMPOP', '0', '2', '{mp}x', '{mp}y', 'RIGHT', 'COUNT', '2');
    await blockedCount(1);
    await w.rpush('{mp}y', '1', '2', '3');
    expect(await p).toEqual(['{mp}y', ['3', '2']]);
  });

  it('BZPOPMIN, BZPOPMAX and BZMPOP', async () => {
    const a = t.ioredis();
    const b = t.ioredis();
    const c = t.ioredis();
    const w = t.ioredis();
    const p1 = a.bzpopmin('z', 0);
    await blockedCount(1);
    const p2 = b.bzpopmax('z', 0);
    await blockedCount(2);
    const p3 = c.call('BZMPOP', '0', '1', 'z', 'MIN', 'COUNT', '5');
    await blockedCount(3);
    await w.zadd('z', 1, 'a', 2, 'b', 3, 'c', 4, 'd');
    expect(await p1).toEqual(['z', 'a', '1']);
    expect(await p2).toEqual(['z', 'd', '4']);
    expect(await p3).toEqual(['z', [['b', '2'], ['c', '3']]]);
    expect(await w.exists('z')).toBe(0);
  });

  it('node-redis clients', async () => {
    const a = await t.nodeRedis();
    const w = await t.nodeRedis();
    const p = a.sendCommand(['BLPOP', 'nq', '0']);
    await blockedCount(1);
    await w.sendCommand(['LPUSH', 'nq', 'v']);
    expect(await p).toEqual(['nq', 'v']);
    const p2 = a.sendCommand(['BZPOPMAX', 'nz', '0']);
    await blockedCount(1);
    await w.sendCommand(['ZADD', 'nz', '5', 'm']);
    expect(await p2).toEqual(['nz', 'm', '5']);
  });

  it.runIf(commands.has('hello'))('node-redis in RESP3', async () => {
    const a = await t.nodeRedis({ RESP: 3 });
    const w = await t.nodeRedis({ RESP: 3 });
    const p = a.sendCommand(['BZPOPMIN', 'r3', '0']);
    await blockedCount(1);
    await w.sendCommand(['ZADD', 'r3', '2.5', 'm']);
    expect(await p).toEqual(['r3', 'm', 2.5]);
    const p2 = a.sendCommand(['BZMPOP', '0', '1', 'r3b', 'MAX']);
    await blockedCount(1);
    await w.sendCommand(['ZADD', 'r3b', '1', 'x']);
    expect(await p2).toEqual(['r3b', [['x', 1]]]);
    expect(await a.sendCommand(['BLPOP', 'none', '0.01'])).toBeNull();
  });

  it('a key of another type does not wake list waiters; the list that replaces it does', async () => {
    const a = t.ioredis();
    const w = t.ioredis();
    const p = a.blpop('k', 0);
    await blockedCount(1);
    await w.zadd('k', 1, 'm');
    await w.ping();
    expect(blocked()).toBe(1);
    await w.del('k');
    await w.rpush('k', 'v');
    expect(await p).toEqual(['k', 'v']);
  });

  it('keys written by SORT STORE, ZUNIONSTORE, RENAME and MOVE', async () => {
    const w = t.ioredis();
    const a = t.ioredis();
    await w.rpush('{w}src', '3', '1', '2');
    const p1 = a.blpop('{w}sorted', 0);
    await blockedCount(1);
    await w.sort('{w}src', 'STORE', '{w}sorted');
    expect(await p1).toEqual(['{w}sorted', '1']);

    await w.zadd('{w}z1', 1, 'a');
    const p2 = a.bzpopmin('{w}union', 0);
    await blockedCount(1);
    await w.zunionstore('{w}union', 1, '{w}z1');
    expect(await p2).toEqual(['{w}union', 'a', '1']);

    const p3 = a.blpop('{w}renamed', 0);
    await blockedCount(1);
    await w.rename('{w}src', '{w}renamed');
    expect(await p3).toEqual(['{w}renamed', '3']);

    const b = t.ioredis({ db: 1 });
    const p4 = b.blpop('{w}moved', 0);
    await blockedCount(1);
    await w.rpush('{w}moved', 'm');
    await w.move('{w}moved', 1);
    expect(await p4).toEqual(['{w}moved', 'm']);
  });

  it('a push in another database wakes nobody', async () => {
    const a = t.ioredis({ db: 1 });
    const p = a.blpop('db1only', 0);
    await blockedCount(1);
    const w = t.ioredis();
    await w.rpush('db1only', 'db0');
    await w.ping();
    expect(blocked()).toBe(1);
    const w1 = t.ioredis({ db: 1 });
    await w1.rpush('db1only', 'db1');
    expect(await p).toEqual(['db1only', 'db1']);
    expect(await w.lrange('db1only', 0, -1)).toEqual(['db0']);
  });

  it('commands pipelined behind a blocked one run once it is served', async () => {
    const c = await t.raw();
    c.write(cmd('BLPOP', 'pq', '0') + cmd('PING') + cmd('LLEN', 'pq'));
    await blockedCount(1);
    expect(c.received).toBe('');
    const w = t.ioredis();
    await w.rpush('pq', 'a', 'b');
    await c.read(`*2\r\n${bulk('pq')}${bulk('a')}+PONG\r\n:1\r\n`);
    c.close();
  });
});

describe('fairness', () => {
  it('serves the clients of a key in the order they blocked', async () => {
    const clients = [t.ioredis(), t.ioredis(), t.ioredis(), t.ioredis()];
    const order: number[] = [];
    const pending = clients.map(async (c, i) => {
      if (i > 0) await blockedCount(i);
      const p = c.blpop('fifo', 0).then((r) => {
        order.push(i);
        return r;
      });
      return p;
    });
    await blockedCount(4);
    const w = t.ioredis();
    await w.rpush('fifo', 'a', 'b', 'c');
    await until(() => order.length === 3);
    expect(order).toEqual([0, 1, 2]);
    expect(blocked()).toBe(1);
    await w.rpush('fifo', 'd');
    const replies = await Promise.all(pending);
    expect(replies).toEqual([
      ['fifo', 'a'],
      ['fifo', 'b'],
      ['fifo', 'c'],
      ['fifo', 'd'],
    ]);
  });

  it('a MULTI/EXEC serves its keys after the transaction, in the order they became ready', async () => {
    const a = t.ioredis();
    const b = t.ioredis();
    const c = t.ioredis();
    const p1 = a.blpop('{tx}ka', '{tx}kb', 0);
    await blockedCount(1);
    const p2 = b.blpop('{tx}kb', 0);
    await blockedCount(2);
    const p3 = c.blpop('{tx}ka', 0);
    await blockedCount(3);
    const w = t.ioredis();
    // kb becomes ready first: client a is first on kb, but runs BLPOP ka kb again and pops ka.
    const r = await w.multi().rpush('{tx}kb', 'b1').rpush('{tx}ka', 'a1').lpush('{tx}gone', 'x').del('{tx}gone').exec();
    expect(r).toEqual([
      [null, 1],
      [null, 1],
      [null, 1],
      [null, 1],
    ]);
    expect(await p1).toEqual(['{tx}ka', 'a1']);
    expect(await p2).toEqual(['{tx}kb', 'b1']);
    await w.rpush('{tx}ka', 'a2');
    expect(await p3).toEqual(['{tx}ka', 'a2']);
  });

  it('a pushed and popped key inside one transaction wakes nobody', async () => {
    const a = t.ioredis();
    const p = a.blpop('tx', 0);
    await blockedCount(1);
    const w = t.ioredis();
    await w.multi().rpush('tx', 'v').lpop('tx').exec();
    await w.ping();
    expect(blocked()).toBe(1);
    await w.rpush('tx', 'later');
    expect(await p).toEqual(['tx', 'later']);
  });

  it('BLMOVE chains through blocked clients in one go', async () => {
    const a = t.ioredis();
    const b = t.ioredis();
    const c = t.ioredis();
    const p1 = a.blmove('{ch}c1', '{ch}c2', 'LEFT', 'LEFT', 0);
    await blockedCount(1);
    const p2 = b.brpoplpush('{ch}c2', '{ch}c3', 0);
    await blockedCount(2);
    const p3 = c.blpop('{ch}c3', 0);
    await blockedCount(3);
    const w = t.ioredis();
    await w.rpush('{ch}c1', 'token');
    expect(await p1).toBe('token');
    expect(await p2).toBe('token');
    expect(await p3).toEqual(['{ch}c3', 'token']);
    expect(await w.exists('{ch}c1', '{ch}c2', '{ch}c3')).toBe(0);
  });

  it('a served command answers WRONGTYPE when its destination changed type', async () => {
    const a = t.ioredis();
    const p = a.blmove('{wt}from', '{wt}to', 'LEFT', 'LEFT', 0).catch((e: Error) => e.message);
    await blockedCount(1);
    const w = t.ioredis();
    await w.set('{wt}to', 'string');
    await w.rpush('{wt}from', 'v');
    expect(await p).toBe('WRONGTYPE Operation against a key holding the wrong kind of value');
    expect(await w.lrange('{wt}from', 0, -1)).toEqual(['v']);
  });

  it('SWAPDB wakes clients whose key now has data', async () => {
    const a = t.ioredis();
    const p = a.blpop('sw', 0);
    await blockedCount(1);
    const w = t.ioredis({ db: 2 });
    await w.rpush('sw', 'from2');
    await w.swapdb(0, 2);
    expect(await p).toEqual(['sw', 'from2']);
    await w.swapdb(0, 2);
  });
});

describe('when a client cannot block', () => {
  it('inside MULTI each command answers as the non-blocking form', async () => {
    const c = await t.raw();
    c.write(
      cmd('MULTI') +
        cmd('BLPOP', '{e}e', '0') +
        cmd('BLMOVE', '{e}e', '{e}f', 'LEFT', 'LEFT', '0') +
        cmd('BRPOPLPUSH', '{e}e', '{e}f', '0') +
        cmd('BLMPOP', '0', '1', '{e}e', 'LEFT') +
        cmd('BZPOPMIN', '{e}e', '0') +
        cmd('BZMPOP', '0', '1', '{e}e', 'MIN') +
        cmd('RPUSH', '{e}e', 'x') +
        cmd('BLPOP', '{e}e', '0') +
        cmd('EXEC'),
    );
    await c.read('+OK\r\n' + '+QUEUED\r\n'.repeat(8));
    await c.read('*8\r\n*-1\r\n$-1\r\n$-1\r\n*-1\r\n*-1\r\n*-1\r\n:1\r\n' + `*2\r\n${bulk('{e}e')}${bulk('x')}`);
    expect(blocked()).toBe(0);
    c.close();
  });

  it('inside MULTI in RESP3 the nulls are _', async () => {
    const c = await raw3();
    c.write(cmd('MULTI') + cmd('BLPOP', '{e}e', '0') + cmd('BLMOVE', '{e}e', '{e}f', 'LEFT', 'LEFT', '0') + cmd('EXEC'));
    await c.read('+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n_\r\n_\r\n');
    c.close();
  });
});

describe('timeouts', () => {
  it('answer a null array (RESP2), BLMOVE included', async () => {
    const c = await t.raw();
    c.write(cmd('BLPOP', '{n}none', '0.01'));
    await c.read('*-1\r\n');
    c.write(cmd('BLMOVE', '{n}none', '{n}x', 'LEFT', 'LEFT', '0.01'));
    await c.read('*-1\r\n');
    c.write(cmd('BRPOPLPUSH', '{n}none', '{n}x', '0.01'));
    await c.read('*-1\r\n');
    c.write(cmd('BZMPOP', '0.01', '1', '{n}none', 'MAX'));
    await c.read('*-1\r\n');
    c.write(cmd('BZPOPMAX', '{n}none', '0.01') + cmd('PING'));
    await c.read('*-1\r\n+PONG\r\n');
    expect(blocked()).toBe(0);
    expect(totalBlockingKeys(t.server)).toBe(0);
    c.close();
  });

  it('answer _ in RESP3', async () => {
    const c = await raw3();
    c.write(cmd('BLMPOP', '0.01', '1', '{n}none', 'LEFT'));
    await c.read('_\r\n');
    c.write(cmd('BLMOVE', '{n}none', '{n}x', 'LEFT', 'LEFT', '0.01'));
    await c.read('_\r\n');
    c.close();
  });

  it('with ioredis and node-redis', async () => {
    const a = t.ioredis();
    expect(await a.blpop('none', 0.01)).toBeNull();
    expect(await a.bzpopmin('none', 0.01)).toBeNull();
    const n = await t.nodeRedis();
    expect(await n.sendCommand(['BRPOP', 'none', '0.01'])).toBeNull();
  });

  it('a client served before its timeout is not answered twice', async () => {
    const c = await t.raw();
    c.write(cmd('BLPOP', 'soon', '0.05'));
    await blockedCount(1);
    const w = t.ioredis();
    await w.rpush('soon', 'v');
    await c.read(`*2\r\n${bulk('soon')}${bulk('v')}`);
    await new Promise((r) => setTimeout(r, 100));
    c.write(cmd('PING'));
    await c.read('+PONG\r\n');
    c.close();
  });
});

describe('commandstats', () => {
  it('a blocking command that times out or is unblocked is counted once (updateStatsOnUnblock)', async () => {
    const a = t.ioredis();
    await a.config('RESETSTAT');
    expect(await a.blpop('none', 0.01)).toBeNull();
    const c = await t.raw();
    c.write(cmd('BZPOPMIN', 'u', '0'));
    await blockedCount(1);
    unblockClient(serverClient(c), false);
    await c.read('*-1\r\n');
    c.write(cmd('BRPOP', 'u', '0'));
    await blockedCount(1);
    unblockClient(serverClient(c), true);
    await c.read('-UNBLOCKED');
    const info = (await a.info('commandstats')) as string;
    expect(info).toMatch(/cmdstat_blpop:calls=1,usec=\d+,usec_per_call=[\d.]+,rejected_calls=0,failed_calls=0/);
    expect(info).toMatch(/cmdstat_bzpopmin:calls=1,.*rejected_calls=0,failed_calls=0/);
    expect(info).toMatch(/cmdstat_brpop:calls=1,.*rejected_calls=0,failed_calls=1/);
    expect(await a.info('errorstats')).toContain('errorstat_UNBLOCKED:count=1');
    c.close();
  });
});

describe('unblocking', () => {
  it('unblockClient: TIMEOUT answers the timeout reply, ERROR the UNBLOCKED error', async () => {
    const c = await t.raw();
    c.write(cmd('BLPOP', 'u', '0') + cmd('PING'));
    await blockedCount(1);
    expect(unblockClient(serverClient(c), false)).toBe(true);
    await c.read('*-1\r\n+PONG\r\n');
    c.write(cmd('BZPOPMIN', 'u', '0'));
    await blockedCount(1);
    expect(unblockClient(serverClient(c), true)).toBe(true);
    await c.read('-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n');
    expect(unblockClient(serverClient(c), true)).toBe(false);
    expect(totalBlockingKeys(t.server)).toBe(0);
    c.close();
  });

  it.runIf(commands.get('client')?.sub?.has('unblock') === true)('CLIENT UNBLOCK', async () => {
    const a = t.ioredis();
    const id = (await a.client('ID')) as number;
    const p = a.blpop('cu', 0);
    await blockedCount(1);
    const w = t.ioredis();
    expect(await w.client('UNBLOCK', id)).toBe(1);
    expect(await p).toBeNull();
    const p2 = a.blpop('cu', 0).catch((e: Error) => e.message);
    await blockedCount(1);
    expect(await w.client('UNBLOCK', id, 'ERROR')).toBe(1);
    expect(await p2).toBe('UNBLOCKED client unblocked via CLIENT UNBLOCK');
    expect(await w.client('UNBLOCK', id)).toBe(0);
  });

  it('a client that disconnects while blocked is forgotten', async () => {
    const c = await t.raw();
    c.write(cmd('BLPOP', 'dc', '0'));
    await blockedCount(1);
    const b = t.ioredis();
    const p = b.blpop('dc', 0);
    await blockedCount(2);
    c.close();
    await blockedCount(1);
    const w = t.ioredis();
    await w.rpush('dc', 'v');
    expect(await p).toEqual(['dc', 'v']);
    expect(await w.exists('dc')).toBe(0);
    expect(totalBlockingKeys(t.server)).toBe(0);
  });
});

describe('effects of served pops', () => {
  async function effectsOf(block: () => Promise<unknown>, push: () => Promise<unknown>): Promise<Effect[][]> {
    const groups: Effect[][] = [];
    t.server.engine.onEffects((g) => groups.push(g));
    const p = block();
    await blockedCount(1);
    await push();
    await p;
    t.server.engine.onEffects(null);
    return groups;
  }
  const argvs = (groups: Effect[][]) => groups.map((g) => g.map((e) => e.argv));

  // Sharded, the shards run the pops: this thread's engine (onEffects) sees none of them.
  it.skipIf(SHARDED)('BLPOP -> LPOP, BRPOP -> RPOP, BLMPOP -> LPOP key n', async () => {
    const a = t.ioredis();
    const w = t.ioredis();
    expect(argvs(await effectsOf(() => a.blpop('e1', 0), () => w.rpush('e1', 'a', 'b')))).toEqual([
      [['rpush', 'e1', 'a', 'b']],
      [['LPOP', 'e1']],
    ]);
    expect(argvs(await effectsOf(() => a.brpop('e2', 0), () => w.rpush('e2', 'a')))).toEqual([[['rpush', 'e2', 'a']], [['RPOP', 'e2']]]);
    expect(argvs(await effectsOf(() => a.call('BLMPOP', '0', '1', 'e3', 'RIGHT', 'COUNT', '5'), () => w.rpush('e3', 'a', 'b')))).toEqual([
      [['rpush', 'e3', 'a', 'b']],
      [['RPOP', 'e3', '2']],
    ]);
  });

  // Sharded, the shards run the pops: this thread's engine (onEffects) sees none of them.
  it.skipIf(SHARDED)('BLMOVE -> LMOVE, BRPOPLPUSH -> RPOPLPUSH', async () => {
    const a = t.ioredis();
    const w = t.ioredis();
    expect(argvs(await effectsOf(() => a.call('BLMOVE', 'm1', 'm2', 'left', 'RIGHT', '0'), () => w.rpush('m1', 'a')))).toEqual([
      [['rpush', 'm1', 'a']],
      [['LMOVE', 'm1', 'm2', 'left', 'RIGHT']],
    ]);
    expect(argvs(await effectsOf(() => a.brpoplpush('m3', 'm2', 0), () => w.rpush('m3', 'a')))).toEqual([
      [['rpush', 'm3', 'a']],
      [['RPOPLPUSH', 'm3', 'm2']],
    ]);
  });

  // Sharded, the shards run the pops: this thread's engine (onEffects) sees none of them.
  it.skipIf(SHARDED)('BZPOPMIN -> ZPOPMIN key, BZMPOP -> ZPOPMAX key n', async () => {
    const a = t.ioredis();
    const w = t.ioredis();
    expect(argvs(await effectsOf(() => a.bzpopmin('z1', 0), () => w.zadd('z1', 1, 'a', 2, 'b')))).toEqual([
      [['zadd', 'z1', '1', 'a', '2', 'b']],
      [['ZPOPMIN', 'z1']],
    ]);
    expect(argvs(await effectsOf(() => a.call('BZMPOP', '0', '1', 'z2', 'MAX', 'COUNT', '3'), () => w.zadd('z2', 1, 'a', 2, 'b')))).toEqual([
      [['zadd', 'z2', '1', 'a', '2', 'b']],
      [['ZPOPMAX', 'z2', '2']],
    ]);
  });

  // Sharded, the shards run the pops: this thread's engine (onEffects) sees none of them.
  it.skipIf(SHARDED)('a pop served at once is rewritten too; a timed-out one propagates nothing', async () => {
    const w = t.ioredis();
    await w.rpush('now', 'a');
    const groups: Effect[][] = [];
    t.server.engine.onEffects((g) => groups.push(g));
    expect(await w.blpop('now', 0)).toEqual(['now', 'a']);
    expect(await w.blpop('now', 0.01)).toBeNull();
    expect(argvs(groups)).toEqual([[['LPOP', 'now']]]);
  });
});

describe('WAIT', () => {
  it('answers 0 at once when no replica is needed, else once the timeout passes', async () => {
    const c = await t.raw();
    c.write(cmd('WAIT', '0', '0'));
    await c.read(':0\r\n');
    c.write(cmd('WAIT', '1', '10'));
    await c.read(':0\r\n');
    c.write(cmd('WAIT', 'x', '0'));
    await c.read('-ERR value is not an integer or out of range\r\n');
    c.write(cmd('WAIT', '1', '1.5'));
    await c.read('-ERR timeout is not an integer or out of range\r\n');
    c.write(cmd('WAIT', '1', '-1'));
    await c.read('-ERR timeout is negative\r\n');
    c.write(cmd('WAIT', '1', '0'));
    await blockedCount(1);
    expect(unblockClient(serverClient(c), false)).toBe(true);
    await c.read(':0\r\n');
    c.close();
  });

  it('inside MULTI answers at once', async () => {
    const c = await t.raw();
    c.write(cmd('MULTI') + cmd('WAIT', '1', '0') + cmd('EXEC'));
    await c.read('+OK\r\n+QUEUED\r\n*1\r\n:0\r\n');
    c.close();
  });
});
