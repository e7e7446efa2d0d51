/**
 * MIGRATE out of memorykv-server: to a real redis-server (started here on a free loopback port)
 * and to another memorykv-server, with COPY/REPLACE/KEYS/AUTH/AUTH2, the target's errors passed
 * through, the cached connection, IOERR for dead, silent and unknown targets, the deletion
 * propagated as DEL, and a client that waits without holding up others or its own pipeline.
 */
import net from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOracle, type Oracle } from '../../core/test/oracle.ts';
import type { RespClient, Wire } from '../../core/test/resp-client.ts';
import type { Effect } from '../../core/src/engine/shard.ts';
import { startServer, type TestServer } from './helpers.ts';

let oracle: Oracle;
let redis: RespClient;
let t: TestServer;

beforeAll(async () => {
  oracle = await startOracle();
  redis = await oracle.connect();
  t = await startServer();
}, 30_000);
afterAll(async () => {
  redis?.close();
  await oracle?.stop();
  await t?.close();
});

const on = async (...argv: string[]): Promise<Wire> => redis.call(...argv);
const ok = { t: 'simple', v: 'OK' };

/** A TCP server that answers what `answer` says for each chunk it gets (or nothing). */
async function fakeTarget(answer: (data: string, socket: net.Socket) => void): Promise<{ port: number; close(): Promise<void>; sockets: net.Socket[] }> {
  const sockets: net.Socket[] = [];
  const srv = net.createServer((s) => {
    sockets.push(s);
    s.on('error', () => {});
    s.on('data', (d) => answer(d.toString('latin1'), s));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  return {
    port,
    sockets,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}

/** A port nothing listens on right now. */
async function deadPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function statOf(info: string, field: string): number {
  const m = new RegExp(`${field}[:=](?:calls=)?(\\d+)`).exec(info);
  return m === null ? 0 : Number(m[1]);
}

describe('MIGRATE to redis-server', () => {
  it('moves one key or KEYS with their TTLs into the target db; NOKEY; COPY; REPLACE; BUSYKEY passed through', async () => {
    await on('FLUSHALL');
    const r = t.ioredis();
    await r.flushall();
    await r.set('str', 'hello');
    await r.rpush('list', 'a', '1', 'b');
    await r.hset('hash', 'f', 'v');
    await r.zadd('zset', 1.5, 'm');
    await r.sadd('set', 'x', 'y');
    await r.pexpire('list', 600000);
    const port = String(oracle.port);
    expect(await r.migrate('127.0.0.1', port, 'str', 0, 5000)).toBe('OK');
    expect(await r.exists('str')).toBe(0);
    expect(await on('GET', 'str')).toEqual({ t: 'bulk', v: 'hello' });
    // KEYS: missing keys are skipped; a target db other than the last one is selected.
    expect(await r.call('MIGRATE', '127.0.0.1', port, '', '3', '5000', 'KEYS', 'list', 'nosuch', 'hash', 'zset', 'set')).toBe('OK');
    expect(await r.dbsize()).toBe(0);
    await on('SELECT', '3');
    expect(await on('LRANGE', 'list', '0', '-1')).toEqual({ t: 'array', v: ['a', '1', 'b'].map((v) => ({ t: 'bulk', v })) });
    const ttl = (await on('PTTL', 'list')) as { v: bigint };
    expect(ttl.v > 0n && ttl.v <= 600000n).toBe(true);
    expect(await on('PTTL', 'hash')).toEqual({ t: 'int', v: -1n });
    expect(await on('ZSCORE', 'zset', 'm')).toEqual({ t: 'bulk', v: '1.5' });
    expect(await on('SCARD', 'set')).toEqual({ t: 'int', v: 2n });
    await on('SELECT', '0');
    // Nothing to migrate.
    expect(await r.migrate('127.0.0.1', port, 'nosuch', 0, 5000)).toBe('NOKEY');
    expect(await r.call('MIGRATE', '127.0.0.1', port, '', '0', '5000', 'KEYS', 'a', 'b')).toBe('NOKEY');
    // An existing key: the target's BUSYKEY is passed through and nothing is deleted here.
    await r.set('str', 'again');
    await expect(r.migrate('127.0.0.1', port, 'str', 0, 5000)).rejects.toThrow('ERR Target instance replied with error: BUSYKEY Target key name already exists.');
    expect(await r.get('str')).toBe('again');
    // COPY keeps the key here, REPLACE overwrites there.
    expect(await r.migrate('127.0.0.1', port, 'str', 0, 5000, 'COPY', 'REPLACE')).toBe('OK');
    expect(await r.get('str')).toBe('again');
    expect(await on('GET', 'str')).toEqual({ t: 'bulk', v: 'again' });
  });

  it('argument errors as Redis: syntax, KEYS with a key, integers', async () => {
    const r = t.ioredis();
    await r.set('k', 'v');
    const port = String(oracle.port);
    const cases: [string[], string][] = [
      [['k', '0', '5000', 'FOO'], 'ERR syntax error'],
      [['k', '0', '5000', 'AUTH'], 'ERR syntax error'],
      [['k', '0', '5000', 'AUTH2', 'u'], 'ERR syntax error'],
      [['k', '0', '5000', 'KEYS', 'a'], 'ERR When using MIGRATE KEYS option, the key argument must be set to the empty string'],
      [['k', 'x', '5000'], 'ERR value is not an integer or out of range'],
      [['k', '0', 'x'], 'ERR value is not an integer or out of range'],
    ];
    for (const [args, msg] of cases) {
      await expect(r.call('MIGRATE', '127.0.0.1', port, ...args), args.join(' ')).rejects.toThrow(msg);
      // Redis answers the same.
      expect(await on('MIGRATE', '127.0.0.1', port, ...args)).toEqual({ t: 'error', v: msg });
    }
    await expect(r.call('MIGRATE', '127.0.0.1', port, 'k', '0')).rejects.toThrow("ERR wrong number of arguments for 'migrate' command");
    expect(await r.get('k')).toBe('v');
  });

  it('AUTH and AUTH2 against a target that needs them', async () => {
    await on('FLUSHALL');
    await on('ACL', 'SETUSER', 'mover', 'on', '>pw2', '~*', '+@all');
    await on('CONFIG', 'SET', 'requirepass', 'secret');
    // The cached connection was authenticated when it was made: a new one is not.
    await on('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    try {
      const r = t.ioredis();
      await r.mset('a', '1', 'b', '2');
      const port = String(oracle.port);
      await expect(r.migrate('127.0.0.1', port, 'a', 0, 5000)).rejects.toThrow(/^NOAUTH|ERR Target instance replied with error: NOAUTH/);
      await expect(r.migrate('127.0.0.1', port, 'a', 0, 5000, 'AUTH', 'wrong')).rejects.toThrow('ERR Target instance replied with error: WRONGPASS');
      expect(await r.migrate('127.0.0.1', port, 'a', 0, 5000, 'AUTH', 'secret')).toBe('OK');
      expect(await r.migrate('127.0.0.1', port, 'b', 0, 5000, 'AUTH2', 'mover', 'pw2')).toBe('OK');
      expect(await on('MGET', 'a', 'b')).toEqual({ t: 'array', v: [{ t: 'bulk', v: '1' }, { t: 'bulk', v: '2' }] });
      // The password never shows in SLOWLOG.
      await r.config('SET', 'slowlog-log-slower-than', '0');
      await r.set('c', '3');
      await r.migrate('127.0.0.1', port, 'c', 0, 5000, 'AUTH2', 'mover', 'pw2');
      const log = JSON.stringify(await r.slowlog('GET', 5));
      await r.config('SET', 'slowlog-log-slower-than', '10000');
      expect(log).toContain('migrate');
      expect(log).not.toContain('pw2');
    } finally {
      await on('CONFIG', 'SET', 'requirepass', '');
      await on('ACL', 'DELUSER', 'mover');
    }
  });

  it('keeps one connection per target, SELECTs only when the db changes, drops it after 10 s unused', async () => {
    await on('FLUSHALL');
    const r = t.ioredis();
    await r.mset('k1', '1', 'k2', '2', 'k3', '3');
    const port = String(oracle.port);
    // A fresh connection (earlier tests' one may have been dropped by an error).
    const st = t.server.state.get('migrate') as { cache: Map<string, { lastUse: number }> };
    for (const c of st.cache.values()) c.lastUse = 0;
    await new Promise((res) => setTimeout(res, 1200));
    expect(await r.info('stats')).toContain('migrate_cached_sockets:0');
    const before = await on('INFO', 'all');
    for (const [k, db] of [['k1', '0'], ['k2', '0'], ['k3', '5']] as const) expect(await r.migrate('127.0.0.1', port, k, db, 5000)).toBe('OK');
    const after = await on('INFO', 'all');
    const text = (w: Wire) => (w as { v: string }).v;
    expect(statOf(text(after), 'total_connections_received') - statOf(text(before), 'total_connections_received')).toBe(1);
    expect(statOf(text(after), 'cmdstat_select') - statOf(text(before), 'cmdstat_select')).toBe(2);
    expect(statOf(text(after), 'cmdstat_restore') - statOf(text(before), 'cmdstat_restore')).toBe(3);
    expect(await r.info('stats')).toContain('migrate_cached_sockets:1');
    // Unused for more than 10 s: closed by the once-a-second check.
    for (const c of st.cache.values()) c.lastUse -= 11;
    await new Promise((res) => setTimeout(res, 1200));
    expect(await r.info('stats')).toContain('migrate_cached_sockets:0');
  });

  it('a target that closed the cached connection is reconnected to (one retry)', async () => {
    await on('FLUSHALL');
    const r = t.ioredis();
    await r.mset('x1', '1', 'x2', '2');
    const port = String(oracle.port);
    expect(await r.migrate('127.0.0.1', port, 'x1', 0, 5000)).toBe('OK');
    await on('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    expect(await r.migrate('127.0.0.1', port, 'x2', 0, 5000)).toBe('OK');
    expect(await on('MGET', 'x1', 'x2')).toEqual({ t: 'array', v: [{ t: 'bulk', v: '1' }, { t: 'bulk', v: '2' }] });
  });
});

describe('MIGRATE to memorykv-server', () => {
  let t2: TestServer;
  beforeAll(async () => {
    t2 = await startServer();
  });
  afterAll(async () => {
    await t2?.close();
  });

  it('moves every type, streams with their groups included', async () => {
    const r = t.ioredis();
    await r.flushall();
    await r.set('s', 'v');
    await r.rpush('l', 'a', 'b');
    await r.sadd('st', '1', '2');
    await r.zadd('z', 2, 'm');
    await r.hset('h', 'f', 'v');
    await r.pfadd('hll', 'a', 'b');
    await r.xadd('x', '1-1', 'f', 'v');
    await r.xadd('x', '2-1', 'f', 'w');
    await r.xgroup('CREATE', 'x', 'g', '0');
    await r.xreadgroup('GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 'x', '>');
    const full = await r.call('XINFO', 'STREAM', 'x', 'FULL');
    const keys = ['s', 'l', 'st', 'z', 'h', 'hll', 'x'];
    expect(await r.call('MIGRATE', '127.0.0.1', String(t2.port), '', '2', '5000', 'KEYS', ...keys)).toBe('OK');
    expect(await r.dbsize()).toBe(0);
    const r2 = t2.ioredis({ db: 2 });
    expect(await r2.dbsize()).toBe(keys.length);
    expect(await r2.call('XINFO', 'STREAM', 'x', 'FULL')).toEqual(full);
    expect(await r2.lrange('l', 0, -1)).toEqual(['a', 'b']);
    expect(await r2.pfcount('hll')).toBe(2);
    // A stream payload says RDB 11: redis-server 7.0 refuses it by version, as a 7.2 one's.
    await r.xadd('x', '1-1', 'f', 'v');
    await expect(r.migrate('127.0.0.1', String(oracle.port), 'x', 0, 5000)).rejects.toThrow('ERR Target instance replied with error: ERR DUMP payload version or checksum are wrong');
  });
});

describe('MIGRATE failures and waiting', () => {
  it('IOERR for a dead port, a silent target (timeout) and a name that does not resolve', async () => {
    const r = t.ioredis();
    await r.set('k', 'v');
    const cached = /migrate_cached_sockets:\d+/.exec(await r.info('stats'))![0];
    await expect(r.migrate('127.0.0.1', String(await deadPort()), 'k', 0, 1000)).rejects.toThrow('IOERR error or timeout writing to target instance');
    const silent = await fakeTarget(() => {});
    try {
      await expect(r.migrate('127.0.0.1', String(silent.port), 'k', 0, 200)).rejects.toThrow('IOERR error or timeout reading to target instance');
    } finally {
      await silent.close();
    }
    await expect(r.migrate('no-such-host.invalid', '6379', 'k', 0, 1000)).rejects.toThrow('IOERR error or timeout connecting to the client');
    expect(await r.get('k')).toBe('v');
    // Failed connections are not kept.
    expect(await r.info('stats')).toContain(cached);
  });

  it('the client waits in order while others are served; the deletion goes out as one DEL', async () => {
    let release: () => void = () => {};
    const target = await fakeTarget((data, s) => {
      const n = (data.match(/RESTORE/g) ?? []).length + (data.includes('SELECT') ? 1 : 0);
      release = () => s.write('+OK\r\n'.repeat(n));
    });
    const effects: Effect[][] = [];
    t.server.engine.onEffects((g) => effects.push(g.map((e) => ({ db: e.db, argv: [...e.argv] }))));
    const events: string[] = [];
    const admin = t.ioredis();
    await admin.config('SET', 'notify-keyspace-events', 'KEA');
    const sub = t.ioredis();
    await sub.psubscribe('__keyevent@0__:del');
    sub.on('pmessage', (_p, ch, key) => events.push(`${ch} ${key}`));
    try {
      const r = t.ioredis();
      await r.flushall();
      await r.mset('a', '1', 'b', '2', 'c', '3');
      const raw = await t.raw();
      raw.write(`*9\r\n$7\r\nMIGRATE\r\n$9\r\n127.0.0.1\r\n$${String(target.port).length}\r\n${target.port}\r\n$0\r\n\r\n$1\r\n0\r\n$4\r\n5000\r\n$4\r\nKEYS\r\n$1\r\na\r\n$1\r\nb\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\n*1\r\n$4\r\nPING\r\n`);
      // Others are served meanwhile; a key changed meanwhile stays.
      await new Promise((res) => setTimeout(res, 100));
      expect(await r.get('c')).toBe('3');
      await r.set('b', 'newer');
      expect(raw.received).toBe('');
      effects.length = 0;
      release();
      await raw.read('+OK\r\n$-1\r\n+PONG\r\n');
      raw.close();
      expect(await r.mget('a', 'b')).toEqual([null, 'newer']);
      expect(effects).toEqual([[{ db: 0, argv: ['DEL', 'a'] }]]);
      await new Promise((res) => setTimeout(res, 50));
      expect(events).toEqual(['__keyevent@0__:del a']);
      // COPY deletes and propagates nothing.
      effects.length = 0;
      const p = r.migrate('127.0.0.1', String(target.port), 'c', 0, 5000, 'COPY');
      await new Promise((res) => setTimeout(res, 100));
      release();
      expect(await p).toBe('OK');
      expect(await r.get('c')).toBe('3');
      expect(effects).toEqual([]);
    } finally {
      t.server.engine.onEffects(null);
      await admin.config('SET', 'notify-keyspace-events', '');
      await target.close();
    }
  });

  it('inside MULTI and scripts it runs to completion at once, propagated as DEL inside the group', async () => {
    await on('FLUSHALL');
    const effects: Effect[][] = [];
    t.server.engine.onEffects((g) => effects.push(g.map((e) => ({ db: e.db, argv: [...e.argv] }))));
    try {
      const r = t.ioredis();
      await r.flushall();
      await r.mset('m1', '1', 'm2', '2', 'm3', '3');
      effects.length = 0;
      const port = String(oracle.port);
      const res = await r.multi().migrate('127.0.0.1', port, 'm1', 0, 5000).set('after', 'x').migrate('127.0.0.1', String(await deadPort()), 'm2', 0, 1000).exec();
      expect(res![0]).toEqual([null, 'OK']);
      expect(res![2]![0]).toBeInstanceOf(Error);
      expect(String(res![2]![0])).toContain('IOERR error or timeout writing to target instance');
      expect(effects).toEqual([[{ db: 0, argv: ['DEL', 'm1'] }, { db: 0, argv: ['set', 'after', 'x'] }]]);
      expect(await r.eval(`return redis.call('MIGRATE', '127.0.0.1', ARGV[1], 'm3', '0', '5000')`, 0, port)).toBe('OK');
      expect(await r.exists('m1', 'm2', 'm3')).toBe(1);
      expect(await on('MGET', 'm1', 'm3')).toEqual({ t: 'array', v: [{ t: 'bulk', v: '1' }, { t: 'bulk', v: '3' }] });
    } finally {
      t.server.engine.onEffects(null);
    }
  });

  it('sends what Redis sends: AUTH2, SELECT, RESTORE with its TTL and REPLACE; RESTORE-ASKING under cluster-enabled', async () => {
    let seen = '';
    const target = await fakeTarget((data, sock) => {
      seen += data;
      sock.write('+OK\r\n'.repeat((data.match(/\*[2-5]\r\n/g) ?? []).length));
    });
    const tc = await startServer({ extra: { 'cluster-enabled': 'yes' } });
    try {
      const r = t.ioredis();
      await r.set('kk', 'vv', 'PX', 100000);
      expect(await r.migrate('127.0.0.1', String(target.port), 'kk', 4, 5000, 'COPY', 'REPLACE', 'AUTH2', 'u', 'p')).toBe('OK');
      const payload = (await r.dumpBuffer('kk')).toString('latin1');
      const m = /^\*3\r\n\$4\r\nAUTH\r\n\$1\r\nu\r\n\$1\r\np\r\n\*2\r\n\$6\r\nSELECT\r\n\$1\r\n4\r\n\*5\r\n\$7\r\nRESTORE\r\n\$2\r\nkk\r\n\$\d+\r\n(\d+)\r\n\$(\d+)\r\n([^]*)\r\n\$7\r\nREPLACE\r\n$/.exec(seen);
      expect(m).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThan(90000);
      expect(m![3]).toBe(payload);
      seen = '';
      const rc = tc.ioredis();
      await rc.set('kk', 'vv');
      expect(await rc.migrate('127.0.0.1', String(target.port), 'kk', 0, 5000)).toBe('OK');
      expect(seen).toContain('$14\r\nRESTORE-ASKING\r\n$2\r\nkk\r\n$1\r\n0\r\n');
    } finally {
      await tc.close();
      await target.close();
    }
  });

  it('is in the table as Redis has it: movablekeys, key specs, GETKEYS', async () => {
    const r = t.ioredis();
    const info = (await r.command('INFO', 'migrate')) as unknown[][];
    expect(info[0]!.slice(0, 6)).toEqual(['migrate', -6, ['write', 'movablekeys'], 3, 3, 1]);
    expect(info[0]![6]).toEqual(['@keyspace', '@write', '@slow', '@dangerous']);
    expect(await r.call('COMMAND', 'GETKEYS', 'MIGRATE', 'h', '1', 'k', '0', '5')).toEqual(['k']);
    expect(await r.call('COMMAND', 'GETKEYS', 'MIGRATE', 'h', '1', '', '0', '5', 'AUTH', 'keys', 'KEYS', 'a', 'b')).toEqual(['a', 'b']);
    const real = new Redis({ port: oracle.port, host: '127.0.0.1', retryStrategy: () => null });
    try {
      expect(info).toEqual(await real.command('INFO', 'migrate'));
    } finally {
      real.disconnect();
    }
  });
});
