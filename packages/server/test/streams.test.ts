/**
 * Streams over the wire: XREAD/XREADGROUP BLOCK woken by another connection's XADD, `$`
 * resolved at block time, XREADGROUP unblocked with -NOGROUP or WRONGTYPE when its key or group
 * goes away, timeouts (RESP2 null array, RESP3 null), RESP3 map replies, MEMORY USAGE, and the
 * effects a served XREADGROUP propagates. Expected bytes are Redis 7.2's; no test asserts a time.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { commands, type Effect } from '@memorykv/core';
import { startServer, until, type TestServer, cmd, bulk, SHARDED } from './helpers.ts';
import { blockingState, totalBlockingKeys, totalBlockingKeysOnNokey } from '../src/commands/blocking.ts';

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


const blocked = () => blockingState(t.server).blocked;
const blockedCount = (n: number) => until(() => blocked() === n, 5000, `${n} blocked clients`);


describe('XREAD BLOCK', () => {
  it('is woken by another connection, reading after the ID `$` stood for at block time', async () => {
    const w = t.ioredis();
    await w.xadd('s', '1-0', 'old', 'x');
    const c = await t.raw();
    c.write(cmd('XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'));
    await blockedCount(1);
    expect(totalBlockingKeys(t.server)).toBe(1);
    expect(totalBlockingKeysOnNokey(t.server)).toBe(0);
    // Other writes to the stream that add nothing after `$` do not answer it.
    await w.xdel('s', '1-0');
    await w.set('other', 'v');
    expect(blocked()).toBe(1);
    await w.xadd('s', '2-0', 'f', 'v');
    await c.read(`*1\r\n*2\r\n${bulk('s')}*1\r\n*2\r\n${bulk('2-0')}*2\r\n${bulk('f')}${bulk('v')}`);
    expect(blocked()).toBe(0);
    c.close();
  });

  it('serves every client blocked on the key, in blocking order, with ioredis', async () => {
    const a = t.ioredis();
    const b = t.ioredis();
    const w = t.ioredis();
    const pa = a.xread('BLOCK', 0, 'STREAMS', '{q}q', '$');
    await blockedCount(1);
    const pb = b.xread('COUNT', 1, 'BLOCK', 0, 'STREAMS', '{q}x', '{q}q', '$', '$');
    await blockedCount(2);
    await w.xadd('{q}q', '5-1', 'a', '1');
    expect(await pa).toEqual([['{q}q', [['5-1', ['a', '1']]]]]);
    expect(await pb).toEqual([['{q}q', [['5-1', ['a', '1']]]]]);
  });

  it('times out with a null array in RESP2 and null in RESP3; rejects bad timeouts', async () => {
    const c = await t.raw();
    c.write(cmd('XREAD', 'BLOCK', '10', 'STREAMS', 'none', '$') + cmd('PING'));
    await c.read('*-1\r\n+PONG\r\n');
    c.write(cmd('XREAD', 'BLOCK', '-1', 'STREAMS', 'none', '$'));
    await c.read('-ERR timeout is negative\r\n');
    c.write(cmd('XREAD', 'BLOCK', 'x', 'STREAMS', 'none', '$'));
    await c.read('-ERR timeout is not an integer or out of range\r\n');
    c.close();
    const n = await t.nodeRedis({ RESP: 3 });
    expect(await n.sendCommand(['XREAD', 'BLOCK', '10', 'STREAMS', 'none', '$'])).toBeNull();
    expect(blocked()).toBe(0);
  });

  it('BLOCK in MULTI does not block', async () => {
    const c = await t.raw();
    c.write(cmd('MULTI') + cmd('XREAD', 'BLOCK', '0', 'STREAMS', 'none', '$') + cmd('EXEC'));
    await c.read('+OK\r\n+QUEUED\r\n*1\r\n*-1\r\n');
    expect(blocked()).toBe(0);
    c.close();
  });

  it.runIf(commands.has('hello'))('answers a map in RESP3 (node-redis), woken by XADD', async () => {
    const a = await t.nodeRedis({ RESP: 3 });
    const w = await t.nodeRedis({ RESP: 3 });
    const p = a.sendCommand(['XREAD', 'BLOCK', '0', 'STREAMS', 'm3', '0']);
    await blockedCount(1);
    await w.sendCommand(['XADD', 'm3', '7-0', 'k', 'v']);
    const r = await p;
    // node-redis turns a RESP3 map into an object (or a Map, by type mapping).
    const value = r instanceof Map ? Object.fromEntries(r) : r;
    expect(value).toEqual({ m3: [['7-0', ['k', 'v']]] });
  });
});

describe('XREADGROUP BLOCK', () => {
  it('is served new entries and records them as pending', async () => {
    const w = t.ioredis();
    await w.xgroup('CREATE', 'g1', 'grp', '$', 'MKSTREAM');
    const a = t.ioredis();
    const p = a.xreadgroup('GROUP', 'grp', 'alice', 'BLOCK', 0, 'STREAMS', 'g1', '>');
    await blockedCount(1);
    expect(totalBlockingKeysOnNokey(t.server)).toBe(1);
    expect(await w.info('clients')).toMatch(/total_blocking_keys:1\r\ntotal_blocking_keys_on_nokey:1\r\n/);
    await w.xadd('g1', '1-0', 'f', 'v');
    expect(await p).toEqual([['g1', [['1-0', ['f', 'v']]]]]);
    expect(await w.xpending('g1', 'grp')).toEqual([1, '1-0', '1-0', [['alice', '1']]]);
    expect(totalBlockingKeysOnNokey(t.server)).toBe(0);
  });

  it('a second waiter that finds nothing left blocks again', async () => {
    const w = t.ioredis();
    await w.xgroup('CREATE', 'g2', 'grp', '$', 'MKSTREAM');
    const a = await t.raw();
    const b = await t.raw();
    a.write(cmd('XREADGROUP', 'GROUP', 'grp', 'c', 'BLOCK', '0', 'STREAMS', 'g2', '>'));
    await blockedCount(1);
    b.write(cmd('XREADGROUP', 'GROUP', 'grp', 'c', 'BLOCK', '0', 'STREAMS', 'g2', '>'));
    await blockedCount(2);
    await w.xadd('g2', '1-0', 'f', 'v');
    await a.read(`*1\r\n*2\r\n${bulk('g2')}*1\r\n`);
    await blockedCount(1);
    await w.xadd('g2', '2-0', 'f', 'v');
    await b.read(`*1\r\n*2\r\n${bulk('g2')}*1\r\n*2\r\n${bulk('2-0')}`);
    a.close();
    b.close();
  });

  for (const [what, action, reply] of [
    ['the key is deleted', (w: ReturnType<TestServer['ioredis']>) => w.del('gk'), '-NOGROUP'],
    ['the group is destroyed', (w: ReturnType<TestServer['ioredis']>) => w.xgroup('DESTROY', 'gk', 'grp'), '-NOGROUP'],
    ['the key becomes a string', (w: ReturnType<TestServer['ioredis']>) => w.set('gk', 'v'), '-WRONGTYPE'],
    ['the database is flushed', (w: ReturnType<TestServer['ioredis']>) => w.flushall(), '-NOGROUP'],
  ] as const) {
    it(`answers ${reply} when ${what}`, async () => {
      const w = t.ioredis();
      await w.xadd('gk', '666', 'f', 'v');
      await w.xgroup('CREATE', 'gk', 'grp', '$');
      const c = await t.raw();
      c.write(cmd('XREADGROUP', 'GROUP', 'grp', 'Alice', 'BLOCK', '0', 'STREAMS', 'gk', '>'));
      await blockedCount(1);
      await action(w);
      await c.read(reply);
      expect(blocked()).toBe(0);
      c.close();
    });
  }

  it('counts a failed unblocked XREADGROUP once in commandstats and errorstats', async () => {
    const w = t.ioredis();
    await w.config('RESETSTAT');
    await w.xgroup('CREATE', 'cs', 'grp', '$', 'MKSTREAM');
    const c = await t.raw();
    c.write(cmd('XREADGROUP', 'GROUP', 'grp', 'Alice', 'BLOCK', '0', 'STREAMS', 'cs', '>'));
    await blockedCount(1);
    await w.xgroup('DESTROY', 'cs', 'grp');
    await c.read('-NOGROUP No such key');
    const info = (await w.info('commandstats')) as string;
    expect(info).toMatch(/cmdstat_xreadgroup:calls=1,.*rejected_calls=0,failed_calls=1/);
    expect(await w.info('errorstats')).toContain('errorstat_NOGROUP:count=1');
    c.close();
  });

  // Sharded, the effects are each shard thread's own (its journal), not the serving engine's.
  it.skipIf(SHARDED)('propagates the delivery as XCLAIM when served after blocking', async () => {
    const w = t.ioredis();
    await w.xgroup('CREATE', 'ef', 'grp', '$', 'MKSTREAM');
    const effects: string[] = [];
    t.server.engine.onEffects((g: Effect[]) => g.forEach((e) => effects.push(e.argv.join(' '))));
    const c = await t.raw();
    c.write(cmd('XREADGROUP', 'GROUP', 'grp', 'bob', 'BLOCK', '0', 'STREAMS', 'ef', '>'));
    await blockedCount(1);
    await w.xadd('ef', '3-0', 'f', 'v');
    await c.read('*1\r\n');
    await until(() => effects.length >= 2);
    expect(effects[0]!.toUpperCase()).toBe('XADD EF 3-0 F V');
    expect(effects[1]).toMatch(/^XCLAIM ef grp bob 0 3-0 TIME \d+ RETRYCOUNT 1 FORCE JUSTID LASTID 3-0$/);
    c.close();
  });
});

describe('streams as keys', () => {
  it('TYPE, OBJECT ENCODING, SCAN TYPE', async () => {
    const r = t.ioredis();
    await r.xadd('st', '*', 'f', 'v');
    expect(await r.type('st')).toBe('stream');
    expect(await r.object('ENCODING', 'st')).toBe('stream');
    expect(await r.scan('0', 'TYPE', 'stream')).toEqual(['0', ['st']]);
  });

  it('MEMORY USAGE', async () => {
    const r = t.ioredis();
    await r.xadd('st', '*', 'f', 'v');
    const mem = (await r.call('MEMORY', 'USAGE', 'st')) as number;
    expect(mem).toBeGreaterThan(0);
    for (let i = 0; i < 100; i++) await r.xadd('st', '*', 'field', 'x'.repeat(100));
    expect((await r.call('MEMORY', 'USAGE', 'st')) as number).toBeGreaterThan(mem + 100 * 100);
  });
});

describe('stream node parameters', () => {
  it('CONFIG SET stream-node-max-entries changes where nodes close (approximate trims)', async () => {
    const r = t.ioredis();
    await r.config('SET', 'stream-node-max-entries', '10');
    try {
      for (let j = 0; j < 100; j++) await r.xadd('lim', '*', 'xitem', 'v');
      await r.xadd('lim', 'MAXLEN', '~', '55', 'LIMIT', '30', '*', 'xitem', 'v');
      expect(await r.xlen('lim')).toBe(71);
      await r.xadd('lim', 'MAXLEN', '~', '55', 'LIMIT', '30', '*', 'xitem', 'v');
      expect(await r.xlen('lim')).toBe(62);
    } finally {
      await r.config('SET', 'stream-node-max-entries', '100');
    }
  });
});
