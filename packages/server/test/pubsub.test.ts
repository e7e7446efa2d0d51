/**
 * Pub/Sub, keyspace notifications and the pubsub output buffer limit, driven by real clients
 * (ioredis, node-redis RESP3, raw sockets for exact bytes). Expected bytes are Redis 7.2's.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { commands } from '@memorykv/core';
import { startServer, until, type RawConn, type TestServer, cmd, bulk, serverClient as serverClientOf, SHARDED } from './helpers.ts';
import { pubsubOf } from '../src/commands/pubsub.ts';
import type { Client } from '../src/client.ts';

let t: TestServer;

beforeAll(async () => {
  t = await startServer();
});
afterAll(async () => {
  await t?.close();
});

/** RESP encoding of a command (binary-safe). */
/** A pub/sub message as RESP2 (array) or RESP3 (push) bytes. */
function msg(resp: 2 | 3, ...items: (string | number | null)[]): string {
  let s = `${resp === 3 ? '>' : '*'}${items.length}\r\n`;
  for (const i of items) s += i === null ? (resp === 3 ? '_\r\n' : '$-1\r\n') : typeof i === 'number' ? `:${i}\r\n` : bulk(i);
  return s;
}

/** The server-side Client of a raw connection. */
const serverClient = (c: RawConn): Client => serverClientOf(t, c);

/** A raw connection speaking RESP3 (HELLO 3 when the server has it). */
async function raw3(): Promise<RawConn> {
  const c = await t.raw();
  if (commands.has('hello')) {
    c.write(cmd('HELLO', '3'));
    await until(() => c.received.length > 0 && /\r\n$/.test(c.received) && c.received.includes('modules'));
    await c.read(c.received.length);
  } else {
    await until(() => [...t.server.clients.values()].some((cl) => cl.socket.remotePort === c.socket.localPort));
    serverClient(c).resp = 3;
  }
  return c;
}

function setParam(name: string, value: string): void {
  const e = t.server.params.get(name)!.set(value);
  if (e) throw new Error(e.message);
}

describe('RESP2 subscribed context', () => {
  it('confirms each channel with the running count, answers PING as ["pong", msg], refuses other commands', async () => {
    const c = await t.raw();
    c.write(cmd('SUBSCRIBE', 'a', 'b', 'a'));
    await c.read(msg(2, 'subscribe', 'a', 1) + msg(2, 'subscribe', 'b', 2) + msg(2, 'subscribe', 'a', 2));
    c.write(cmd('PSUBSCRIBE', 'x*', 'a'));
    await c.read(msg(2, 'psubscribe', 'x*', 3) + msg(2, 'psubscribe', 'a', 4));
    c.write(cmd('PING') + cmd('PING', 'hi'));
    await c.read('*2\r\n$4\r\npong\r\n$0\r\n\r\n*2\r\n$4\r\npong\r\n$2\r\nhi\r\n');
    c.write(cmd('GET', 'x'));
    await c.read(
      "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
    );
    c.write(cmd('PUBSUB', 'NUMPAT'));
    await c.read(
      "-ERR Can't execute 'pubsub|numpat': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
    );
    // Unknown commands and wrong arities are reported as such first.
    c.write(cmd('NOSUCH') + cmd('GET'));
    await c.read("-ERR unknown command 'NOSUCH', with args beginning with: \r\n-ERR wrong number of arguments for 'get' command\r\n");
    c.write(cmd('UNSUBSCRIBE', 'b', 'zz'));
    await c.read(msg(2, 'unsubscribe', 'b', 3) + msg(2, 'unsubscribe', 'zz', 3));
    c.write(cmd('UNSUBSCRIBE'));
    await c.read(msg(2, 'unsubscribe', 'a', 2));
    c.write(cmd('UNSUBSCRIBE'));
    await c.read(msg(2, 'unsubscribe', null, 2));
    c.write(cmd('PUNSUBSCRIBE'));
    await c.read(msg(2, 'punsubscribe', 'x*', 1) + msg(2, 'punsubscribe', 'a', 0));
    c.write(cmd('PUNSUBSCRIBE'));
    await c.read(msg(2, 'punsubscribe', null, 0));
    // Out of the subscribed context: everything runs again, PING is +PONG.
    c.write(cmd('PING') + cmd('GET', 'nokey'));
    await c.read('+PONG\r\n$-1\r\n');
    c.close();
  });

  it('delivers message and pmessage as arrays; PUBLISH counts every receiver', async () => {
    const sub = await t.raw();
    sub.write(cmd('SUBSCRIBE', 'news.it') + cmd('PSUBSCRIBE', 'news.*', 'n*'));
    await sub.read(msg(2, 'subscribe', 'news.it', 1) + msg(2, 'psubscribe', 'news.*', 2) + msg(2, 'psubscribe', 'n*', 3));
    const pub = await t.raw();
    pub.write(cmd('PUBLISH', 'news.it', 'ciao\x00\xff'));
    await pub.read(':3\r\n');
    await sub.read(
      msg(2, 'message', 'news.it', 'ciao\x00\xff') +
        msg(2, 'pmessage', 'news.*', 'news.it', 'ciao\x00\xff') +
        msg(2, 'pmessage', 'n*', 'news.it', 'ciao\x00\xff'),
    );
    pub.write(cmd('PUBLISH', 'other', 'x'));
    await pub.read(':0\r\n');
    sub.close();
    pub.close();
  });
});

describe('RESP3', () => {
  it('sends pushes and keeps running ordinary commands while subscribed', async () => {
    const c = await raw3();
    c.write(cmd('SUBSCRIBE', 'ch') + cmd('SET', 'k3', 'v') + cmd('GET', 'k3') + cmd('PING'));
    await c.read(msg(3, 'subscribe', 'ch', 1) + '+OK\r\n' + bulk('v') + '+PONG\r\n');
    const pub = await t.raw();
    pub.write(cmd('PUBLISH', 'ch', 'hello'));
    await pub.read(':1\r\n');
    await c.read(msg(3, 'message', 'ch', 'hello'));
    c.write(cmd('PSUBSCRIBE', 'c*') + cmd('SSUBSCRIBE', 'sh'));
    await c.read(msg(3, 'psubscribe', 'c*', 2) + msg(3, 'ssubscribe', 'sh', 1));
    pub.write(cmd('PUBLISH', 'ch', 'two') + cmd('SPUBLISH', 'sh', 'three'));
    await pub.read(':2\r\n:1\r\n');
    await c.read(msg(3, 'message', 'ch', 'two') + msg(3, 'pmessage', 'c*', 'ch', 'two') + msg(3, 'smessage', 'sh', 'three'));
    c.write(cmd('UNSUBSCRIBE') + cmd('UNSUBSCRIBE') + cmd('PUNSUBSCRIBE', 'c*', 'x') + cmd('SUNSUBSCRIBE'));
    await c.read(
      msg(3, 'unsubscribe', 'ch', 1) +
        msg(3, 'unsubscribe', null, 1) +
        msg(3, 'punsubscribe', 'c*', 0) +
        msg(3, 'punsubscribe', 'x', 0) +
        msg(3, 'sunsubscribe', 'sh', 0),
    );
    c.close();
    pub.close();
  });

  /** A RESP3 connection subscribed to 'self'. */
  async function selfSubscriber(): Promise<RawConn> {
    const c = await raw3();
    c.write(cmd('SUBSCRIBE', 'self'));
    await c.read(msg(3, 'subscribe', 'self', 1));
    return c;
  }

  it('a message published to oneself arrives after the reply', async () => {
    const c = await selfSubscriber();
    c.write(cmd('PUBLISH', 'self', 'one') + cmd('PING'));
    await c.read(':1\r\n' + msg(3, 'message', 'self', 'one') + '+PONG\r\n');
    c.close();
  });

  it('a message published to oneself in MULTI arrives after the whole EXEC reply', async () => {
    const c = await selfSubscriber();
    c.write(cmd('MULTI') + cmd('PUBLISH', 'self', 'a') + cmd('PUBLISH', 'self', 'b') + cmd('EXEC'));
    await c.read('+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n:1\r\n:1\r\n' + msg(3, 'message', 'self', 'a') + msg(3, 'message', 'self', 'b'));
    c.close();
  });

  // Sharded, the script runs in a shard thread, whose PUBLISH asks this thread (shard-host.ts).
  it('a message a script published to oneself arrives after the reply of the script', async () => {
    const c = await selfSubscriber();
    c.write(cmd('EVAL', "redis.call('publish', 'self', 'x'); redis.call('publish', 'self', 'y'); return 'bla'", '0'));
    await c.read('$3\r\nbla\r\n' + msg(3, 'message', 'self', 'x') + msg(3, 'message', 'self', 'y'));
    c.close();
  });

  it("a script's PUBLISH and SPUBLISH reach other clients and answer how many received them", async () => {
    const sub = await raw3();
    sub.write(cmd('SUBSCRIBE', 'lua.news') + cmd('PSUBSCRIBE', 'lua.*') + cmd('SSUBSCRIBE', '{lua}shard'));
    await sub.read(msg(3, 'subscribe', 'lua.news', 1) + msg(3, 'psubscribe', 'lua.*', 2) + msg(3, 'ssubscribe', '{lua}shard', 1));
    const c = await t.raw();
    const script =
      "return {redis.call('publish', 'lua.news', ARGV[1]), redis.call('publish', 'nobody', 'x'), redis.call('spublish', KEYS[1], ARGV[1])}";
    c.write(cmd('EVAL', script, '1', '{lua}shard', 'hi'));
    await c.read('*3\r\n:2\r\n:0\r\n:1\r\n');
    await sub.read(msg(3, 'message', 'lua.news', 'hi') + msg(3, 'pmessage', 'lua.*', 'lua.news', 'hi') + msg(3, 'smessage', '{lua}shard', 'hi'));
    c.close();
    sub.close();
  });

  it('SUBSCRIBE inside MULTI confirms within the EXEC reply; SSUBSCRIBE there is refused', async () => {
    const c = await t.raw();
    c.write(cmd('MULTI') + cmd('SUBSCRIBE', 'tx') + cmd('SSUBSCRIBE', 'stx') + cmd('EXEC'));
    await c.read(
      '+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n' + msg(2, 'subscribe', 'tx', 1) + "-ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client\r\n",
    );
    // Now in the RESP2 subscribed context.
    c.write(cmd('GET', 'x'));
    await c.read(
      "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
    );
    c.close();
  });
});

describe('ioredis', () => {
  it('subscribes to channels and patterns and receives messages with their pattern', async () => {
    const sub = t.ioredis();
    const pub = t.ioredis();
    const got: string[] = [];
    sub.on('message', (ch: string, m: string) => got.push(`message ${ch} ${m}`));
    sub.on('pmessage', (p: string, ch: string, m: string) => got.push(`pmessage ${p} ${ch} ${m}`));
    expect(await sub.subscribe('io.a', 'io.b')).toBe(2);
    expect(await sub.psubscribe('io.*')).toBe(3);
    expect(await pub.publish('io.a', 'hello')).toBe(2);
    expect(await pub.publish('io.c', 'world')).toBe(1);
    await until(() => got.length === 3);
    expect(got).toEqual(['message io.a hello', 'pmessage io.* io.a hello', 'pmessage io.* io.c world']);
    expect(await pub.pubsub('NUMSUB', 'io.a', 'io.b', 'io.c')).toEqual(['io.a', 1, 'io.b', 1, 'io.c', 0]);
    expect(await pub.pubsub('NUMPAT')).toBe(1);
    expect(((await pub.pubsub('CHANNELS', 'io.*')) as string[]).sort()).toEqual(['io.a', 'io.b']);
    await sub.unsubscribe('io.a');
    // (ioredis never resolves a PUNSUBSCRIBE without arguments, against redis-server too.)
    await sub.punsubscribe('io.*');
    expect(await pub.publish('io.a', 'gone')).toBe(0);
    expect(await pub.publish('io.b', 'still')).toBe(1);
    await until(() => got.length === 4);
    expect(got[3]).toBe('message io.b still');
    // A disconnect drops every subscription.
    sub.disconnect();
    await until(async () => (await pub.pubsub('NUMSUB', 'io.b'))[1] === 0);
    expect(await pub.pubsub('NUMPAT')).toBe(0);
    pub.disconnect();
  });

  it('sharded channels: SSUBSCRIBE, SPUBLISH, PUBSUB SHARDCHANNELS/SHARDNUMSUB; patterns never see them', async () => {
    const sub = t.ioredis();
    const psub = t.ioredis();
    const pub = t.ioredis();
    const got: string[] = [];
    const pgot: string[] = [];
    sub.on('smessage', (ch: string, m: string) => got.push(`${ch} ${m}`));
    psub.on('pmessage', (_p: string, ch: string, m: string) => pgot.push(`${ch} ${m}`));
    expect(await sub.ssubscribe('sh.{1}', 'sh.{2}')).toBe(2);
    await psub.psubscribe('*');
    expect(await pub.spublish('sh.{1}', 'one')).toBe(1);
    expect(await pub.spublish('nobody', 'x')).toBe(0);
    // A plain channel of the same name is a different channel.
    expect(await pub.publish('sh.{1}', 'plain')).toBe(1);
    await until(() => got.length === 1 && pgot.length === 1);
    expect(got).toEqual(['sh.{1} one']);
    expect(pgot).toEqual(['sh.{1} plain']);
    expect(((await pub.pubsub('SHARDCHANNELS')) as string[]).sort()).toEqual(['sh.{1}', 'sh.{2}']);
    expect(await pub.pubsub('SHARDCHANNELS', '*2*')).toEqual(['sh.{2}']);
    expect(await pub.pubsub('SHARDNUMSUB', 'sh.{1}', 'x')).toEqual(['sh.{1}', 1, 'x', 0]);
    expect(await pub.pubsub('CHANNELS', 'sh*')).toEqual([]);
    expect(await sub.sunsubscribe()).toBe(0);
    expect(await pub.pubsub('SHARDCHANNELS')).toEqual([]);
    sub.disconnect();
    psub.disconnect();
    pub.disconnect();
  });
});

describe('node-redis RESP3', () => {
  it.skipIf(!commands.has('hello'))('receives pushes for channels, patterns and shard channels and keeps running commands', async () => {
    const c = await t.nodeRedis({ RESP: 3 });
    const pub = t.ioredis();
    const got: string[] = [];
    await c.subscribe('nr.ch', (m: string, ch: string) => got.push(`message ${ch} ${m}`));
    await c.pSubscribe('nr.*', (m: string, ch: string) => got.push(`pmessage ${ch} ${m}`));
    await c.sSubscribe('nr.sh', (m: string, ch: string) => got.push(`smessage ${ch} ${m}`));
    expect(await c.set('nr.k', 'v')).toBe('OK');
    expect(await c.get('nr.k')).toBe('v');
    expect(await pub.publish('nr.ch', 'a')).toBe(2);
    expect(await pub.spublish('nr.sh', 'b')).toBe(1);
    await until(() => got.length === 3);
    expect(got.sort()).toEqual(['message nr.ch a', 'pmessage nr.ch a', 'smessage nr.sh b']);
    await c.unsubscribe('nr.ch');
    await c.pUnsubscribe('nr.*');
    await c.sUnsubscribe('nr.sh');
    expect(await pub.pubsub('NUMSUB', 'nr.ch')).toEqual(['nr.ch', 0]);
    expect(await c.ping()).toBe('PONG');
    pub.disconnect();
  });
});

describe('sessions that are no connection', () => {
  it('PUBLISH from an engine session reaches subscribers; SUBSCRIBE is refused as for a DENY BLOCKING client', async () => {
    const sub = await t.raw();
    sub.write(cmd('SUBSCRIBE', 'inproc'));
    await sub.read(msg(2, 'subscribe', 'inproc', 1));
    const engine = t.server.engine;
    const session = engine.createSession();
    expect(engine.execute(session, ['PUBLISH', 'inproc', 'hi'])).toBe(1);
    await sub.read(msg(2, 'message', 'inproc', 'hi'));
    expect((engine.execute(session, ['SUBSCRIBE', 'x']) as { message: string }).message).toBe(
      "ERR SUBSCRIBE isn't allowed for a DENY BLOCKING client",
    );
    expect(engine.execute(session, ['UNSUBSCRIBE'])).toEqual(['unsubscribe', null, 0]);
    sub.close();
  });

  it("a client flagged 'deny-blocking' cannot subscribe", async () => {
    const c = await t.raw();
    c.write(cmd('PING'));
    await c.read('+PONG\r\n');
    serverClient(c).flags.add('deny-blocking');
    c.write(cmd('SUBSCRIBE', 'a') + cmd('PSUBSCRIBE', 'a') + cmd('SSUBSCRIBE', 'a'));
    await c.read(
      "-ERR SUBSCRIBE isn't allowed for a DENY BLOCKING client\r\n-ERR PSUBSCRIBE isn't allowed for a DENY BLOCKING client\r\n-ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client\r\n",
    );
    c.close();
  });
});

describe('PUBSUB', () => {
  it('HELP, errors and empty answers as Redis', async () => {
    const c = await t.raw();
    c.write(cmd('PUBSUB', 'HELP'));
    await c.read('*14\r\n+PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+CHANNELS [<pattern>]\r\n');
    await until(() => c.received.endsWith('+HELP\r\n+    Prints this help.\r\n'));
    await c.read(c.received.length);
    c.write(
      cmd('PUBSUB', 'channels', 'a', 'b') +
        cmd('PUBSUB', 'NUMPAT', 'x') +
        cmd('PUBSUB', 'nope') +
        cmd('PUBSUB') +
        cmd('PUBSUB', 'NUMSUB') +
        cmd('PUBSUB', 'CHANNELS', 'zzz*') +
        cmd('SUBSCRIBE') +
        cmd('PUBLISH', 'a'),
    );
    await c.read(
      "-ERR unknown subcommand or wrong number of arguments for 'channels'. Try PUBSUB HELP.\r\n" +
        "-ERR wrong number of arguments for 'pubsub|numpat' command\r\n" +
        "-ERR unknown subcommand 'nope'. Try PUBSUB HELP.\r\n" +
        "-ERR wrong number of arguments for 'pubsub' command\r\n" +
        '*0\r\n*0\r\n' +
        "-ERR wrong number of arguments for 'subscribe' command\r\n" +
        "-ERR wrong number of arguments for 'publish' command\r\n",
    );
    c.close();
  });

  it('is declared with Redis 7.2 flags and key specs', () => {
    const get = (n: string) => commands.get(n)!;
    expect(get('publish').flags).toEqual(['pubsub', 'loading', 'stale', 'fast', 'may_replicate']);
    expect(get('subscribe').flags).toEqual(['pubsub', 'noscript', 'loading', 'stale']);
    expect([get('ssubscribe').firstKey, get('ssubscribe').lastKey, get('ssubscribe').step]).toEqual([1, -1, 1]);
    expect([get('spublish').firstKey, get('spublish').lastKey]).toEqual([1, 1]);
    expect([...get('pubsub').sub!.keys()].sort()).toEqual(['channels', 'help', 'numpat', 'numsub', 'shardchannels', 'shardnumsub']);
  });
});

describe('keyspace notifications', () => {
  beforeEach(() => setParam('notify-keyspace-events', ''));
  afterAll(() => setParam('notify-keyspace-events', ''));

  it('notify-keyspace-events takes every class and prints the canonical string', () => {
    const p = t.server.params.get('notify-keyspace-events')!;
    expect(p.get()).toBe('');
    for (const [set, get] of [
      ['KEA', 'AKE'],
      ['Ex', 'xE'],
      ['g$lshzxetdKE', 'AKE'],
      ['Kg$lshzxetd', 'AK'],
      // 'n' is not part of A, yet Redis prints nothing but A once A is complete.
      ['AKEmn', 'AKEm'],
      ['Klm', 'lKm'],
      ['ndtexzhsl$', '$lshzxetdn'],
      ['', ''],
    ]) {
      expect(p.set(set!)).toBeNull();
      expect(p.get()).toBe(get);
    }
    expect(p.set('KEA?')!.message).toBe("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    expect(p.get()).toBe('');
  });

  it("'new' and 'keymiss' events come only when their classes are asked for", async () => {
    const sub = t.ioredis();
    const r = t.ioredis();
    const got: string[] = [];
    sub.on('message', (ch: string, msg: string) => got.push(`${ch} ${msg}`));
    await sub.subscribe('__keyevent@0__:new', '__keyevent@0__:keymiss');
    // Keys of one slot ({nm}): sharded, the events of one shard keep the commands' order.
    await r.set('{nm}a', '1'); // flags off: nothing
    await r.get('{nm}missing');
    setParam('notify-keyspace-events', 'Enm');
    await r.set('{nm}b', '1'); // a new key
    await r.set('{nm}b', '2'); // not new any more
    await r.get('{nm}missing2'); // a read miss
    await r.ping();
    await until(() => got.length >= 2);
    expect(got).toEqual(['__keyevent@0__:new {nm}b', '__keyevent@0__:keymiss {nm}missing2']);
    sub.disconnect();
    r.disconnect();
  });

  it.skipIf(!commands.has('config'))('CONFIG GET/SET serve both parameters with Redis texts', async () => {
    const r = t.ioredis();
    expect(await r.config('SET', 'notify-keyspace-events', 'KEA')).toBe('OK');
    expect(await r.config('GET', 'notify-keyspace-events')).toEqual(['notify-keyspace-events', 'AKE']);
    await expect(r.config('SET', 'notify-keyspace-events', 'KEA?')).rejects.toThrow(
      "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.",
    );
    expect(await r.config('SET', 'notify-keyspace-events', '')).toBe('OK');
    await expect(r.config('SET', 'client-output-buffer-limit', 'pubsub 1 2')).rejects.toThrow(
      "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Wrong number of arguments in buffer limit configuration.",
    );
    expect(await r.config('SET', 'client-output-buffer-limit', 'pubsub 1mb 2mb 3')).toBe('OK');
    expect(await r.config('GET', 'client-output-buffer-limit')).toEqual([
      'client-output-buffer-limit',
      'normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 2097152 3',
    ]);
    expect(pubsubOf(t.server).currentLimits().pubsub).toEqual({ hard: 1048576, soft: 2097152, softSeconds: 3 });
    expect(await r.config('SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60')).toBe('OK');
    r.disconnect();
  });

  /** A subscriber to every keyspace and keyevent channel; returns what it received as 'channel payload'. */
  async function watcher() {
    const sub = t.ioredis();
    const got: string[] = [];
    sub.on('pmessage', (_p: string, ch: string, m: string) => got.push(`${ch} ${m}`));
    await sub.psubscribe('__key*__:*');
    return { sub, got };
  }

  it('publishes __keyspace@db__:key -> event and __keyevent@db__:event -> key for each family', async () => {
    setParam('notify-keyspace-events', 'KEA');
    const { sub, got } = await watcher();
    const r = t.ioredis();
    // Keys of one slot ({ks}): RENAME and DEL need it when sharded, and the events of one shard
    // keep the commands' order.
    await r.set('{ks}s', '1');
    await r.incrby('{ks}s', 2);
    await r.rpush('{ks}l', 'a', 'b');
    await r.lpop('{ks}l');
    await r.hset('{ks}h', 'f', 'v');
    await r.sadd('{ks}set', 'm');
    await r.zadd('{ks}z', 1, 'm');
    await r.zincrby('{ks}z', 1, 'm');
    await r.expire('{ks}s', 100);
    await r.rename('{ks}s', '{ks}s2');
    await r.del('{ks}s2', '{ks}l');
    await r.select(3);
    await r.set('{ks}db3', 'x');
    await until(() => got.length === 28);
    const pairs = (k: string, e: string, db = 0) => [`__keyspace@${db}__:${k} ${e}`, `__keyevent@${db}__:${e} ${k}`];
    expect(got).toEqual([
      ...pairs('{ks}s', 'set'),
      ...pairs('{ks}s', 'incrby'),
      ...pairs('{ks}l', 'rpush'),
      ...pairs('{ks}l', 'lpop'),
      ...pairs('{ks}h', 'hset'),
      ...pairs('{ks}set', 'sadd'),
      ...pairs('{ks}z', 'zadd'),
      ...pairs('{ks}z', 'zincr'),
      ...pairs('{ks}s', 'expire'),
      ...pairs('{ks}s', 'rename_from'),
      ...pairs('{ks}s2', 'rename_to'),
      ...pairs('{ks}s2', 'del'),
      ...pairs('{ks}l', 'del'),
      ...pairs('{ks}db3', 'set', 3),
    ]);
    sub.disconnect();
    r.disconnect();
  });

  it('only the selected classes and channel kinds are published', async () => {
    setParam('notify-keyspace-events', 'El');
    const { sub, got } = await watcher();
    const r = t.ioredis();
    await r.set('{sel}s', '1');
    await r.lpush('{sel}l', 'a');
    await r.hset('{sel}h', 'f', 'v');
    setParam('notify-keyspace-events', 'K$');
    await r.set('{sel}s', '2');
    await r.lpush('{sel}l', 'b');
    // K alone names no class: nothing at all.
    setParam('notify-keyspace-events', 'K');
    await r.set('{sel}s', '3');
    // The del of the emptied hash is generic (g), not selected here.
    setParam('notify-keyspace-events', 'Eh');
    await r.hdel('{sel}h', 'f');
    // A last event of the same slot: events come in order (sharded, from the slot's shard, after
    // the replies), so once it arrives, nothing else is coming.
    await r.hset('{sel}end', 'f', 'v');
    await until(() => got.includes('__keyevent@0__:hset {sel}end'));
    expect(got).toEqual(['__keyevent@0__:lpush {sel}l', '__keyspace@0__:{sel}s set', '__keyevent@0__:hdel {sel}h', '__keyevent@0__:hset {sel}end']);
    sub.disconnect();
    r.disconnect();
  });

  // Sharded: the test expires the key through t.server.engine, which holds no keys then.
  it.skipIf(SHARDED)('expired keys: lazily on access', async () => {
    setParam('notify-keyspace-events', 'Ex');
    const { sub, got } = await watcher();
    const r = t.ioredis();
    const shard = t.server.engine.shard;
    // A key whose TTL passed, found by a read before the cycle meets it.
    await r.set('exp:lazy', 'v', 'PX', 60_000);
    shard.dbs[0]!.setExpire('exp:lazy', Date.now() - 1);
    expect(await r.get('exp:lazy')).toBeNull();
    await until(() => got.length === 1);
    expect(got).toEqual(['__keyevent@0__:expired exp:lazy']);
    sub.disconnect();
    r.disconnect();
  });

  it('expired keys: by the active cycle', async () => {
    setParam('notify-keyspace-events', 'Ex');
    const { sub, got } = await watcher();
    const r = t.ioredis();
    // Nobody touches it, the background cycle deletes it.
    await r.set('exp:active', 'v', 'PX', 20);
    await until(() => got.length === 1, 10_000, 'active expiry');
    expect(got[0]).toBe('__keyevent@0__:expired exp:active');
    expect(await r.exists('exp:active')).toBe(0);
    sub.disconnect();
    r.disconnect();
  });

  // Sharded: the test reads and configures t.server.engine's shard, which holds no keys then.
  it.skipIf(SHARDED)('evicted keys under maxmemory', async () => {
    setParam('notify-keyspace-events', 'Ee');
    const { sub, got } = await watcher();
    const r = t.ioredis();
    const shard = t.server.engine.shard;
    await r.flushall();
    await r.set('ev:1', 'x'.repeat(1000));
    await r.set('ev:2', 'x'.repeat(1000));
    try {
      expect(shard.setConfig('maxmemory-policy', 'allkeys-lru')).toBeNull();
      expect(shard.setConfig('maxmemory', String(shard.used + shard.overhead - 500))).toBeNull();
      await r.set('ev:3', 'y');
      await until(() => got.length > 0);
      expect(got[0]).toMatch(/^__keyevent@0__:evicted ev:[12]$/);
    } finally {
      shard.setConfig('maxmemory', '0');
      shard.setConfig('maxmemory-policy', 'noeviction');
    }
    sub.disconnect();
    r.disconnect();
  });

  it('a client notified of its own write gets the event after the reply', async () => {
    setParam('notify-keyspace-events', 'K$');
    const c = await raw3();
    c.write(cmd('SUBSCRIBE', '__keyspace@0__:own'));
    await c.read(msg(3, 'subscribe', '__keyspace@0__:own', 1));
    c.write(cmd('SET', 'own', 'v') + cmd('GET', 'own'));
    // Sharded, the event follows the replies of the shard's whole batch: here SET's and GET's.
    if (SHARDED) await c.read('+OK\r\n' + bulk('v') + msg(3, 'message', '__keyspace@0__:own', 'set'));
    else await c.read('+OK\r\n' + msg(3, 'message', '__keyspace@0__:own', 'set') + bulk('v'));
    c.close();
  });
});

describe('client-output-buffer-limit', () => {
  afterAll(() => setParam('client-output-buffer-limit', 'pubsub 32mb 8mb 60'));

  it('is registered with Redis defaults, format and validation', () => {
    const p = t.server.params.get('client-output-buffer-limit')!;
    expect(p.get()).toBe('normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60');
    expect(p.set('pubsub 1mb 512kb 10 replica 1g 2gb 5')).toBeNull();
    expect(p.get()).toBe('normal 0 0 0 slave 1000000000 2147483648 5 pubsub 1048576 524288 10');
    expect(p.set('pubsub 1 2')!.message).toBe('Wrong number of arguments in buffer limit configuration.');
    expect(p.set('master 1 2 3')!.message).toBe('Invalid client class specified in buffer limit configuration.');
    expect(p.set('pubsub 1x 2 3')!.message).toBe('Error in hard, soft or soft_seconds setting in buffer limit configuration.');
    expect(p.set('pubsub 1 2 -3')!.message).toBe('Error in hard, soft or soft_seconds setting in buffer limit configuration.');
    expect(p.get()).toBe('normal 0 0 0 slave 1000000000 2147483648 5 pubsub 1048576 524288 10');
    expect(p.set('slave 256mb 64mb 60 pubsub 32mb 8mb 60')).toBeNull();
  });

  /** A subscriber whose socket never reads, and a publisher flooding its channel. */
  async function slowSubscriber(channel: string) {
    const s = await t.raw();
    s.write(cmd('SUBSCRIBE', channel));
    await s.read(msg(2, 'subscribe', channel, 1));
    s.socket.pause();
    const id = serverClient(s).id;
    return { s, id };
  }

  it('disconnects a subscriber over the hard limit instead of buffering without bound', async () => {
    setParam('client-output-buffer-limit', 'pubsub 1mb 0 0');
    const ps = pubsubOf(t.server);
    const before = ps.obufDisconnections;
    const { id } = await slowSubscriber('flood');
    const pub = t.ioredis();
    const payload = 'p'.repeat(64 * 1024);
    let sent = 0;
    // Loopback socket buffers take a few MB; the limit must trip well before 64 MB.
    while (t.server.clients.has(id) && sent < 1000) {
      await pub.publish('flood', payload);
      sent++;
    }
    expect(t.server.clients.has(id)).toBe(false);
    expect(sent).toBeLessThan(1000);
    expect(await pub.pubsub('NUMSUB', 'flood')).toEqual(['flood', 0]);
    expect(ps.obufDisconnections).toBe(before + 1);
    pub.disconnect();
  });

  it('disconnects a subscriber that stays over the soft limit for longer than the soft seconds', async () => {
    setParam('client-output-buffer-limit', 'pubsub 0 256kb 1');
    const { id } = await slowSubscriber('soft');
    const pub = t.ioredis();
    const payload = 'q'.repeat(64 * 1024);
    // Enough to stay above 256 KB in the server's buffers however much the kernel absorbs.
    for (let i = 0; i < 200 && t.server.clients.has(id); i++) await pub.publish('soft', payload);
    await until(() => !t.server.clients.has(id), 10_000, 'soft limit disconnect');
    expect(await pub.pubsub('NUMSUB', 'soft')).toEqual(['soft', 0]);
    pub.disconnect();
  });

  it('leaves a subscriber that reads alone', async () => {
    setParam('client-output-buffer-limit', 'pubsub 1mb 0 0');
    const sub = t.ioredis();
    let n = 0;
    sub.on('message', () => n++);
    await sub.subscribe('fast');
    const pub = t.ioredis();
    const payload = 'r'.repeat(16 * 1024);
    for (let i = 0; i < 200; i++) await pub.publish('fast', payload);
    await until(() => n === 200);
    expect(await pub.pubsub('NUMSUB', 'fast')).toEqual(['fast', 1]);
    sub.disconnect();
    pub.disconnect();
  });
});
