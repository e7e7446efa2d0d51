/**
 * Connection commands with real clients: QUIT, RESET, every CLIENT subcommand (KILL filters,
 * PAUSE holding writes while reads pass, REPLY OFF/SKIP over raw sockets and redis-cli --pipe,
 * TRACKING invalidations in RESP3 and through RESP2 REDIRECT), protected mode and maxclients.
 * Expected texts and bytes are Redis 7.2's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { networkInterfaces } from 'node:os';
import { BasicClientSideCache } from 'redis';
import { commands } from '@memorykv/core';
import { startServer, until, type RawConn, type TestServer, cmd, bulk, serverClient as serverClientOf, SHARDED } from './helpers.ts';
import type { Client } from '../src/client.ts';

let t: TestServer;

beforeAll(async () => {
  t = await startServer();
});
afterAll(async () => {
  await t?.close();
});

/** RESP encoding of a command (binary-safe). */
const invalidate3 = (...keys: string[]) => `>2\r\n$10\r\ninvalidate\r\n*${keys.length}\r\n${keys.map(bulk).join('')}`;
const invalidate2 = (...keys: string[]) =>
  `*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*${keys.length}\r\n${keys.map(bulk).join('')}`;

/** The server-side Client of a raw connection. */
const serverClient = (c: RawConn): Client => serverClientOf(t, c);

async function rawClient(): Promise<{ conn: RawConn; id: number }> {
  const conn = await t.raw();
  conn.write(cmd('CLIENT', 'ID'));
  const line = await readLine(conn);
  return { conn, id: Number(line.slice(1, -2)) };
}

/** Reads one line (up to CRLF) from a raw connection. */
async function readLine(c: RawConn): Promise<string> {
  await until(() => c.received.includes('\r\n'), 5000, 'a line');
  return c.read(c.received.indexOf('\r\n') + 2);
}

/** A raw connection speaking RESP3 (HELLO 3 when the server has it). */
async function raw3(): Promise<{ conn: RawConn; id: number }> {
  const r = await rawClient();
  if (commands.has('hello')) {
    r.conn.write(cmd('HELLO', '3') + cmd('PING'));
    await until(() => r.conn.received.endsWith('+PONG\r\n'), 5000, 'HELLO 3');
    await r.conn.read(r.conn.received.length);
  } else {
    serverClient(r.conn).resp = 3;
  }
  return r;
}

/** Sends a command and expects exactly `reply` back. */
async function expectReply(c: RawConn, command: string, reply: string): Promise<void> {
  c.write(command);
  await c.read(reply);
}

/** Nothing more arrived on c: a PING round trip shows only PONG. */
async function expectNothingMore(c: RawConn): Promise<void> {
  await expectReply(c, cmd('PING'), '+PONG\r\n');
  expect(c.received).toBe('');
}

/** CLIENT LIST / INFO lines as field maps. */
function parseClients(text: string): Record<string, string>[] {
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => Object.fromEntries(l.split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])));
}

const FIELDS =
  'id addr laddr fd name age idle flags db sub psub ssub multi qbuf qbuf-free argv-mem multi-mem rbs rbp obl oll omem tot-mem events cmd user redir resp lib-name lib-ver';

describe('QUIT', () => {
  it('replies OK, closes, and runs nothing pipelined after it', async () => {
    const c = await t.raw();
    c.write(cmd('QUIT') + cmd('SET', 'quit:after', '1'));
    await c.read('+OK\r\n');
    await c.closed();
    expect(c.received).toBe('');
    expect(await t.ioredis().exists('quit:after')).toBe(0);
  });

  it('ends a MULTI without running it', async () => {
    const c = await t.raw();
    c.write(cmd('MULTI') + cmd('SET', 'quit:multi', '1') + cmd('QUIT'));
    await c.read('+OK\r\n+QUEUED\r\n+OK\r\n');
    await c.closed();
    expect(await t.ioredis().exists('quit:multi')).toBe(0);
  });
});

describe('CLIENT ID / INFO / LIST / SETNAME / GETNAME / SETINFO / HELP', () => {
  it('ID is the connection id, and INFO prints Redis 7.2 fields in order', async () => {
    const r = t.ioredis();
    const id = (await r.client('ID')) as number;
    const info = (await r.client('INFO')) as string;
    expect(info.endsWith('\n')).toBe(true);
    const line = info.slice(0, -1);
    expect(line.split(' ').map((kv) => kv.slice(0, kv.indexOf('=')))).toEqual(FIELDS.split(' '));
    const f = parseClients(info)[0]!;
    expect(f.id).toBe(String(id));
    expect(f.addr).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(f.laddr).toBe(`127.0.0.1:${t.port}`);
    expect(f).toMatchObject({ name: '', flags: 'N', db: '0', sub: '0', psub: '0', ssub: '0', multi: '-1' });
    expect(f).toMatchObject({ cmd: 'client|info', user: 'default', redir: '-1', resp: '2', events: 'r' });
    // As Redis, the running command's own bytes are still in the query buffer (26 for CLIENT INFO).
    expect(f.qbuf).toBe('26');
  });

  it('LIST shows every client, or those of a TYPE, or of the given IDs', async () => {
    const a = t.ioredis();
    const b = t.ioredis();
    const idA = (await a.client('ID')) as number;
    const idB = (await b.client('ID')) as number;
    const sub = t.ioredis();
    await sub.subscribe('list:ch');

    const all = parseClients((await a.client('LIST')) as string);
    const ids = all.map((f) => Number(f.id));
    expect(ids).toContain(idA);
    expect(ids).toContain(idB);
    for (const f of all) expect(Object.keys(f).join(' ')).toBe(FIELDS);
    expect(all.find((f) => Number(f.id) === idA)!.cmd).toBe('client|list');
    expect(all.find((f) => Number(f.id) === idB)!.cmd).toBe('client|id');

    const pubsub = parseClients((await a.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string);
    expect(pubsub.length).toBe(1);
    expect(pubsub[0]).toMatchObject({ flags: 'P', sub: '1', cmd: 'subscribe' });
    const normal = parseClients((await a.client('LIST', 'TYPE', 'NORMAL')) as string);
    expect(normal.some((f) => f.flags === 'P')).toBe(false);
    expect(await a.call('CLIENT', 'LIST', 'TYPE', 'replica')).toBe('');
    expect(await a.call('CLIENT', 'LIST', 'TYPE', 'master')).toBe('');

    const some = parseClients((await a.client('LIST', 'ID', String(idB), '999999', String(idA))) as string);
    expect(some.map((f) => Number(f.id))).toEqual([idB, idA]);

    await expect(a.call('CLIENT', 'LIST', 'TYPE', 'foo')).rejects.toThrow("ERR Unknown client type 'foo'");
    await expect(a.client('LIST', 'ID', '1', 'x')).rejects.toThrow('ERR Invalid client ID');
    await expect(a.call('CLIENT', 'LIST', 'foo')).rejects.toThrow('ERR syntax error');
    await expect(a.client('LIST', 'ID')).rejects.toThrow('ERR syntax error');
    await expect(a.call('CLIENT', 'LIST', 'TYPE', 'normal', 'x')).rejects.toThrow('ERR syntax error');
  });

  it('LIST reflects per-client state: db, multi, flags, name, argv of a parked command', async () => {
    const c = await t.raw();
    c.write(cmd('SELECT', '3') + cmd('CLIENT', 'SETNAME', 'worker') + cmd('MULTI') + cmd('GET', 'x'));
    await c.read('+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n');
    const me = serverClient(c);
    const f = parseClients((await t.ioredis().client('LIST', 'ID', String(me.id))) as string)[0]!;
    expect(f).toMatchObject({ name: 'worker', db: '3', flags: 'x', multi: '1', cmd: 'get' });
    expect(Number(f['multi-mem'])).toBeGreaterThan(0);
  });

  it('SETNAME / GETNAME', async () => {
    const r = t.ioredis();
    expect(await r.client('GETNAME')).toBe(null);
    expect(await r.client('SETNAME', 'my-conn')).toBe('OK');
    expect(await r.client('GETNAME')).toBe('my-conn');
    expect(parseClients((await r.client('INFO')) as string)[0]!.name).toBe('my-conn');
    await expect(r.client('SETNAME', 'a b')).rejects.toThrow(
      'ERR Client names cannot contain spaces, newlines or special characters.',
    );
    await expect(r.client('SETNAME', 'a\nb')).rejects.toThrow('ERR Client names cannot contain spaces');
    expect(await r.client('GETNAME')).toBe('my-conn');
    expect(await r.client('SETNAME', '')).toBe('OK');
    expect(await r.client('GETNAME')).toBe(null);
    await expect(r.call('CLIENT', 'SETNAME')).rejects.toThrow("ERR wrong number of arguments for 'client|setname' command");
  });

  it('SETINFO sets lib-name / lib-ver (node-redis sends them on connect)', async () => {
    const n = await t.nodeRedis();
    const f = parseClients(await n.sendCommand(['CLIENT', 'INFO']))[0]!;
    expect(f['lib-name']).toMatch(/^node-redis/);
    expect(f['lib-ver']).not.toBe('');

    const r = t.ioredis();
    expect(await r.call('CLIENT', 'SETINFO', 'lib-name', 'mylib')).toBe('OK');
    expect(await r.call('CLIENT', 'SETINFO', 'LIB-VER', '1.2.3')).toBe('OK');
    let g = parseClients((await r.client('INFO')) as string)[0]!;
    expect(g['lib-name']).toBe('mylib');
    expect(g['lib-ver']).toBe('1.2.3');
    await expect(r.call('CLIENT', 'SETINFO', 'lib-foo', 'x')).rejects.toThrow("ERR Unrecognized option 'lib-foo'");
    await expect(r.call('CLIENT', 'SETINFO', 'LIB-NAME', 'a b')).rejects.toThrow(
      'ERR LIB-NAME cannot contain spaces, newlines or special characters.',
    );
    expect(await r.call('CLIENT', 'SETINFO', 'lib-name', '')).toBe('OK');
    g = parseClients((await r.client('INFO')) as string)[0]!;
    expect(g['lib-name']).toBe('');
  });

  it('HELP lists the subcommands; unknown subcommands and arities get Redis errors', async () => {
    const r = t.ioredis();
    const help = (await r.client('HELP')) as string[];
    expect(help[0]).toBe('CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    expect(help).toContain('TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]');
    expect(help).toContain('NO-TOUCH (ON|OFF)');
    expect(help.slice(-2)).toEqual(['HELP', '    Print this help.']);
    await expect(r.client('FOO' as 'ID')).rejects.toThrow("ERR unknown subcommand 'FOO'. Try CLIENT HELP.");
    await expect(r.call('CLIENT', 'ID', 'x')).rejects.toThrow("ERR wrong number of arguments for 'client|id' command");
    await expect(r.call('CLIENT')).rejects.toThrow("ERR wrong number of arguments for 'client' command");
    await expect(r.call('CLIENT', 'PAUSE', '10', 'WRITE', 'x')).rejects.toThrow(
      "ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP.",
    );
    await expect(r.call('CLIENT', 'unblock', '1', 'timeout', 'x')).rejects.toThrow(
      "ERR unknown subcommand or wrong number of arguments for 'unblock'. Try CLIENT HELP.",
    );
  });

  it('NO-EVICT and NO-TOUCH set the e and T flags', async () => {
    const r = t.ioredis();
    expect(await r.call('CLIENT', 'NO-EVICT', 'on')).toBe('OK');
    expect(await r.call('CLIENT', 'NO-TOUCH', 'ON')).toBe('OK');
    expect(parseClients((await r.client('INFO')) as string)[0]!.flags).toBe('eT');
    expect(await r.call('CLIENT', 'NO-EVICT', 'off')).toBe('OK');
    expect(await r.call('CLIENT', 'NO-TOUCH', 'off')).toBe('OK');
    expect(parseClients((await r.client('INFO')) as string)[0]!.flags).toBe('N');
    await expect(r.call('CLIENT', 'NO-EVICT', 'maybe')).rejects.toThrow('ERR syntax error');
    await expect(r.call('CLIENT', 'NO-TOUCH', 'maybe')).rejects.toThrow('ERR syntax error');
  });
});

describe('CLIENT NO-TOUCH', () => {
  it('reads of a no-touch client leave the LFU counter alone', async () => {
    const s = await startServer({ engine: { 'maxmemory-policy': 'allkeys-lfu' } });
    try {
      const r = s.ioredis();
      await r.set('k', 'v');
      const before = await r.object('FREQ', 'k');
      await r.call('CLIENT', 'NO-TOUCH', 'on');
      for (let i = 0; i < 20; i++) await r.get('k');
      expect(await r.object('FREQ', 'k')).toBe(before);
      await r.call('CLIENT', 'NO-TOUCH', 'off');
      for (let i = 0; i < 20; i++) await r.get('k');
      expect(Number(await r.object('FREQ', 'k'))).toBeGreaterThan(Number(before));
    } finally {
      await s.close();
    }
  });
});

describe('CLIENT KILL', () => {
  it('old form: kills by address, OK / No such client, may kill the caller', async () => {
    const victim = await rawClient();
    const addr = serverClient(victim.conn).addr;
    const r = t.ioredis();
    expect(await r.client('KILL', addr)).toBe('OK');
    await victim.conn.closed();
    await expect(r.client('KILL', addr)).rejects.toThrow('ERR No such client');

    const self = await t.raw();
    self.write(cmd('CLIENT', 'KILL', serverClient(self).addr));
    await self.read('+OK\r\n');
    await self.closed();
  });

  it('filters ID, TYPE, USER, ADDR, LADDR, SKIPME, MAXAGE; replies the count', async () => {
    const s = await startServer();
    try {
      const me = await s.raw();
      const ask = async (...args: string[]) => {
        me.write(cmd('CLIENT', 'KILL', ...args));
        return readLine(me);
      };
      const others: RawConn[] = [];
      for (let i = 0; i < 4; i++) others.push(await s.raw());
      const sc = (c: RawConn) => [...s.server.clients.values()].find((cl) => cl.socket.remotePort === c.socket.localPort)!;
      await until(() => s.server.clients.size === 5);

      // ID
      expect(await ask('ID', String(sc(others[0]!).id))).toBe(':1\r\n');
      await others[0]!.closed();
      expect(await ask('ID', '999999')).toBe(':0\r\n');
      // TYPE: the subscriber only
      others[1]!.write(cmd('SUBSCRIBE', 'k:ch'));
      await until(() => others[1]!.received.length > 0);
      expect(await ask('TYPE', 'pubsub')).toBe(':1\r\n');
      await others[1]!.closed();
      expect(await ask('TYPE', 'master')).toBe(':0\r\n');
      // ADDR + TYPE must both match
      const addr = sc(others[2]!).addr;
      expect(await ask('ADDR', addr, 'TYPE', 'pubsub')).toBe(':0\r\n');
      expect(await ask('ADDR', addr, 'TYPE', 'normal')).toBe(':1\r\n');
      await others[2]!.closed();
      // MAXAGE: nobody is that old
      expect(await ask('MAXAGE', '100000')).toBe(':0\r\n');
      // USER and LADDR skip the caller by default ...
      expect(await ask('USER', 'default', 'LADDR', `127.0.0.1:${s.port}`)).toBe(':1\r\n');
      await others[3]!.closed();
      expect(await ask('LADDR', `127.0.0.1:${s.port}`)).toBe(':0\r\n');

      // errors
      expect(await ask('ID', 'abc')).toBe('-ERR client-id should be greater than 0\r\n');
      expect(await ask('ID', '0')).toBe('-ERR client-id should be greater than 0\r\n');
      expect(await ask('TYPE', 'foo')).toBe("-ERR Unknown client type 'foo'\r\n");
      expect(await ask('USER', 'nobody')).toBe("-ERR No such user 'nobody'\r\n");
      expect(await ask('SKIPME', 'maybe')).toBe('-ERR syntax error\r\n');
      expect(await ask('ID', '1', 'TYPE')).toBe('-ERR syntax error\r\n');
      expect(await ask('FOO', 'bar')).toBe('-ERR syntax error\r\n');
      expect(await ask('MAXAGE', 'x')).toBe('-ERR maxage is not an integer or out of range\r\n');
      expect(await ask('MAXAGE', '0')).toBe('-ERR maxage should be greater than 0\r\n');

      // ... unless SKIPME no: the caller gets its reply, then goes
      me.write(cmd('CLIENT', 'KILL', 'ID', String(sc(me).id), 'SKIPME', 'no'));
      await me.read(':1\r\n');
      await me.closed();
    } finally {
      await s.close();
    }
  });

  it('a killed blocked client is forgotten', async () => {
    const blocked = await rawClient();
    blocked.conn.write(cmd('BLPOP', 'kill:list', '0'));
    await until(() => serverClient(blocked.conn).blocked !== null);
    expect(await t.ioredis().client('KILL', 'ID', String(blocked.id))).toBe(1);
    await blocked.conn.closed();
    const r = t.ioredis();
    expect(await r.lpush('kill:list', 'a')).toBe(1);
    expect(await r.llen('kill:list')).toBe(1);
  });
});

describe('CLIENT REPLY', () => {
  it('OFF silences replies until ON; SKIP silences only the next one (raw socket)', async () => {
    const c = await t.raw();
    c.write(
      cmd('CLIENT', 'REPLY', 'OFF') +
        cmd('SET', 'reply:a', '1') +
        cmd('GET', 'reply:a') +
        cmd('NOSUCHCOMMAND') +
        cmd('CLIENT', 'REPLY', 'ON') +
        cmd('GET', 'reply:a'),
    );
    await c.read('+OK\r\n$1\r\n1\r\n');
    c.write(cmd('CLIENT', 'REPLY', 'SKIP') + cmd('INCR', 'reply:a') + cmd('INCR', 'reply:a'));
    await c.read(':3\r\n');
    // SKIP while OFF stays OFF
    c.write(cmd('CLIENT', 'REPLY', 'OFF') + cmd('CLIENT', 'REPLY', 'SKIP') + cmd('INCR', 'reply:a') + cmd('INCR', 'reply:a'));
    c.write(cmd('CLIENT', 'REPLY', 'ON') + cmd('GET', 'reply:a'));
    await c.read('+OK\r\n$1\r\n5\r\n');
    await expectReply(c, cmd('CLIENT', 'REPLY', 'maybe'), '-ERR syntax error\r\n');
  });

  it('works with redis-cli --pipe (it counts the replies it got)', async () => {
    const off = await t.cli(['--pipe'], cmd('CLIENT', 'REPLY', 'OFF') + cmd('SET', 'pipe:a', '1') + cmd('SET', 'pipe:b', '2') + cmd('CLIENT', 'REPLY', 'ON'));
    expect(off).toContain('errors: 0, replies: 1');
    const skip = await t.cli(
      ['--pipe'],
      cmd('CLIENT', 'REPLY', 'SKIP') +
        cmd('SET', 'pipe:a', '1') +
        cmd('SET', 'pipe:b', '2') +
        cmd('CLIENT', 'REPLY', 'OFF') +
        cmd('CLIENT', 'REPLY', 'SKIP') +
        cmd('GET', 'pipe:a') +
        cmd('CLIENT', 'REPLY', 'ON') +
        cmd('INCR', 'pipe:a'),
    );
    expect(skip).toContain('errors: 0, replies: 3');
    expect(await t.ioredis().get('pipe:a')).toBe('2');
  });
});

describe('CLIENT PAUSE / UNPAUSE', () => {
  it('WRITE holds writes (and what the client pipelined after them) while reads pass', async () => {
    const s = await startServer();
    try {
      const a = s.ioredis();
      const b = s.ioredis();
      const c = s.ioredis();
      await a.set('k', 'v0');
      const idB = (await b.client('ID')) as number;
      expect(await a.client('PAUSE', '100000', 'WRITE')).toBe('OK');
      let done = 0;
      const held = b.set('k', 'v1').then((r) => (done++, r));
      const after = b.get('k').then((r) => (done++, r));
      // reads of other clients are served meanwhile
      expect(await c.get('k')).toBe('v0');
      expect(await c.exists('k')).toBe(1);
      const parked = await until(async () => {
        const f = parseClients((await c.client('LIST', 'ID', String(idB))) as string)[0]!;
        return f.flags === 'b' ? f : null;
      });
      expect(parked!.cmd).toBe('set');
      expect(Number(parked!['argv-mem'])).toBeGreaterThan(0);
      expect(done).toBe(0);
      expect(await c.get('k')).toBe('v0');
      // PUBLISH may replicate: held too
      let published = false;
      const pub = c.publish('ch', 'm').then(() => (published = true));
      const d = s.ioredis();
      expect(await d.get('k')).toBe('v0');
      expect(published).toBe(false);
      expect(await d.client('UNPAUSE')).toBe('OK');
      expect(await held).toBe('OK');
      expect(await after).toBe('v1');
      await pub;
      expect(await c.get('k')).toBe('v1');
    } finally {
      await s.close();
    }
  });

  it('WRITE holds queueing a write in MULTI and an EXEC with writes, not a read-only EXEC', async () => {
    const s = await startServer();
    try {
      const c = await s.raw();
      const other = s.ioredis();
      await other.set('m', 'v0');
      c.write(cmd('MULTI') + cmd('GET', 'm'));
      await c.read('+OK\r\n+QUEUED\r\n');
      await other.client('PAUSE', '100000', 'WRITE');
      await expectReply(c, cmd('EXEC'), '*1\r\n$2\r\nv0\r\n');
      c.write(cmd('MULTI') + cmd('SET', 'm', 'v1'));
      await c.read('+OK\r\n');
      const me = [...s.server.clients.values()].find((cl) => cl.socket.remotePort === c.socket.localPort)!;
      await until(() => me.blocked !== null);
      expect(c.received).toBe('');
      await other.client('UNPAUSE');
      await c.read('+QUEUED\r\n');
      await other.client('PAUSE', '100000', 'WRITE');
      c.write(cmd('EXEC'));
      await until(() => me.blocked !== null);
      expect(await other.get('m')).toBe('v0');
      await other.client('UNPAUSE');
      await c.read('*1\r\n+OK\r\n');
      expect(await other.get('m')).toBe('v1');
    } finally {
      await s.close();
    }
  });

  it('ALL holds every command of normal clients until the pause times out', async () => {
    const s = await startServer();
    try {
      const a = s.ioredis();
      const b = s.ioredis();
      await a.set('k', 'v0');
      expect(await a.client('PAUSE', '300', 'ALL')).toBe('OK');
      let got: string | null | undefined;
      const read = b.get('k').then((r) => (got = r));
      await until(() => [...s.server.clients.values()].some((c) => c.blocked !== null));
      expect(got).toBeUndefined();
      await read;
      expect(got).toBe('v0');
    } finally {
      await s.close();
    }
  });

  it('a later WRITE pause keeps an ALL pause; PAUSE validates its arguments', async () => {
    const s = await startServer();
    try {
      const a = s.ioredis();
      expect(await a.client('PAUSE', '200', 'ALL')).toBe('OK');
      // a's own next command is paused as well; it waits for the end of the ALL pause
      expect(await a.client('PAUSE', '0', 'WRITE')).toBe('OK');
      await expect(a.client('PAUSE', 'abc')).rejects.toThrow('ERR timeout is not an integer or out of range');
      await expect(a.client('PAUSE', '-1')).rejects.toThrow('ERR timeout is negative');
      await expect(a.call('CLIENT', 'PAUSE', '10', 'SOME')).rejects.toThrow('ERR CLIENT PAUSE mode must be WRITE or ALL');
      await expect(a.client('PAUSE', '9223372036854775807')).rejects.toThrow('ERR timeout is out of range');
      // PAUSE 0 ends at once
      expect(await a.client('PAUSE', '0')).toBe('OK');
      expect(await a.set('x', '1')).toBe('OK');
    } finally {
      await s.close();
    }
  });

  it('a parked client that disconnects is forgotten', async () => {
    const s = await startServer();
    try {
      const a = s.ioredis();
      const c = await s.raw();
      await a.client('PAUSE', '100000', 'WRITE');
      c.write(cmd('SET', 'gone', '1'));
      await until(() => [...s.server.clients.values()].some((cl) => cl.blocked !== null));
      c.close();
      await until(() => s.server.clients.size === 1);
      await a.client('UNPAUSE');
      expect(await a.exists('gone')).toBe(0);
    } finally {
      await s.close();
    }
  });
});

describe('CLIENT UNBLOCK', () => {
  it('ends a blocked command with its timeout reply or an UNBLOCKED error', async () => {
    const r = t.ioredis();
    const b = await rawClient();
    b.conn.write(cmd('BLPOP', 'unblock:l', '0'));
    await until(() => serverClient(b.conn).blocked !== null);
    expect(await r.client('UNBLOCK', String(b.id))).toBe(1);
    await b.conn.read('*-1\r\n');
    expect(await r.client('UNBLOCK', String(b.id))).toBe(0);

    b.conn.write(cmd('BLPOP', 'unblock:l', '0'));
    await until(() => serverClient(b.conn).blocked !== null);
    expect(await r.client('UNBLOCK', String(b.id), 'ERROR')).toBe(1);
    await b.conn.read('-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n');
    await expectNothingMore(b.conn);

    expect(await r.client('UNBLOCK', '999999')).toBe(0);
    await expect(r.client('UNBLOCK', 'abc')).rejects.toThrow('ERR value is not an integer or out of range');
    await expect(r.call('CLIENT', 'UNBLOCK', '1', 'SOON')).rejects.toThrow('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
  });
});

describe('CLIENT TRACKING (RESP3)', () => {
  it('invalidates keys the client read when another client modifies them', async () => {
    const { conn: c } = await raw3();
    const w = t.ioredis();
    await w.set('{t3}:a', '1');
    await expectReply(c, cmd('CLIENT', 'TRACKING', 'on'), '+OK\r\n');
    await expectReply(c, cmd('GET', '{t3}:a'), '$1\r\n1\r\n');
    await expectReply(c, cmd('MGET', '{t3}:b', '{t3}:c'), '*2\r\n_\r\n_\r\n');
    await w.set('{t3}:a', '2');
    await c.read(invalidate3('{t3}:a'));
    // once invalidated, the key is forgotten until read again
    await w.set('{t3}:a', '3');
    await w.mset('{t3}:c', '1', '{t3}:b', '1');
    await c.read(invalidate3('{t3}:c') + invalidate3('{t3}:b'));
    await w.del('{t3}:x');
    await expectNothingMore(c);
    // writes are not reads: nothing remembered
    await expectReply(c, cmd('SET', '{t3}:w', '1'), '+OK\r\n');
    await w.set('{t3}:w', '2');
    await expectNothingMore(c);
  });

  it("the client's own write: the reply first, then the invalidation; NOLOOP drops it", async () => {
    const { conn: c } = await raw3();
    await expectReply(c, cmd('CLIENT', 'TRACKING', 'on'), '+OK\r\n');
    await expectReply(c, cmd('GET', 'own:a'), '_\r\n');
    await expectReply(c, cmd('SET', 'own:a', '1'), '+OK\r\n' + invalidate3('own:a'));
    await expectReply(c, cmd('CLIENT', 'TRACKING', 'on', 'NOLOOP'), '+OK\r\n');
    await expectReply(c, cmd('GET', 'own:a'), '$1\r\n1\r\n');
    await expectReply(c, cmd('SET', 'own:a', '2'), '+OK\r\n');
    await expectNothingMore(c);
    // the write forgot the key even though NOLOOP sent nothing (as Redis): read it again
    await expectReply(c, cmd('GET', 'own:a'), '$1\r\n2\r\n');
    await t.ioredis().set('own:a', '3');
    await c.read(invalidate3('own:a'));
  });

  it('a tracked key that expires is invalidated', async () => {
    const { conn: c } = await raw3();
    await expectReply(c, cmd('SET', 'exp:a', 'v', 'PX', '30'), '+OK\r\n');
    await expectReply(c, cmd('CLIENT', 'TRACKING', 'on'), '+OK\r\n');
    await expectReply(c, cmd('GET', 'exp:a'), '$1\r\nv\r\n');
    // deleted by active expiry, or lazily by this read once due
    const r = t.ioredis();
    await until(async () => (await r.exists('exp:a')) === 0, 5000, 'expiry');
    await c.read(invalidate3('exp:a'));
  });

  it('keys read inside MULTI/EXEC are tracked; invalidations follow the EXEC reply', async () => {
    const { conn: c } = await raw3();
    await expectReply(c, cmd('CLIENT', 'TRACKING', 'on'), '+OK\r\n');
    c.write(cmd('MULTI') + cmd('GET', '{tx}:a') + cmd('SET', '{tx}:b', '1') + cmd('GET', '{tx}:b') + cmd('EXEC'));
    await c.read('+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n_\r\n+OK\r\n$1\r\n1\r\n');
    // Sharded, the transaction's own SET of {tx}:b comes back while the EXEC (which read it)
    // is still in flight: the key stays tracked and the client is told once more than by Redis.
    if (SHARDED) await c.read(invalidate3('{tx}:b'));
    await t.ioredis().mset('{tx}:a', '1', '{tx}:b', '2');
    await c.read(invalidate3('{tx}:a') + invalidate3('{tx}:b'));
  });

  it('FLUSHALL / FLUSHDB invalidate everything with a null', async () => {
    const s = await startServer();
    try {
      const c = await s.raw();
      const w = s.ioredis();
      if (commands.has('hello')) {
        c.write(cmd('HELLO', '3') + cmd('PING'));
        await until(() => c.received.endsWith('+PONG\r\n'));
        await c.read(c.received.length);
      } else {
        await until(() => s.server.clients.size === 2);
        for (const cl of s.server.clients.values()) if (cl.socket.remotePort === c.socket.localPort) cl.resp = 3;
      }
      await expectReply(c, cmd('CLIENT', 'TRACKING', 'on'), '+OK\r\n');
      await expectReply(c, cmd('GET', 'f'), '_\r\n');
      await w.flushall();
      await c.read('>2\r\n$10\r\ninvalidate\r\n_\r\n');
      await expectReply(c, cmd('FLUSHDB'), '+OK\r\n>2\r\n$10\r\ninvalidate\r\n_\r\n');
      // the table was emptied: a later write of f says nothing
      await w.set('f', '1');
      await expectNothingMore(c);
    } finally {
      await s.close();
    }
  });

  it('OPTIN tracks only after CLIENT CACHING yes, OPTOUT skips after CLIENT CACHING no', async () => {
    const { conn: c } = await raw3();
    const w = t.ioredis();
    await expectReply(c, cmd('CLIENT', 'TRACKING', 'on', 'OPTIN'), '+OK\r\n');
    await expectReply(c, cmd('GET', '{in}:a'), '_\r\n');
    await expectReply(c, cmd('CLIENT', 'CACHING', 'yes'), '+OK\r\n');
    await expectReply(c, cmd('GET', '{in}:b'), '_\r\n');
    await expectReply(c, cmd('GET', '{in}:c'), '_\r\n'); // CACHING applied to one command only
    await w.mset('{in}:a', '1', '{in}:b', '1', '{in}:c', '1');
    await c.read(invalidate3('{in}:b'));
    await expectNothingMore(c);
    await expectReply(c, cmd('CLIENT', 'CACHING', 'no'), '-ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.\r\n');

    await expectReply(c, cmd('CLIENT', 'TRACKING', 'off'), '+OK\r\n');
    await expectReply(c, cmd('CLIENT', 'TRACKING', 'on', 'OPTOUT'), '+OK\r\n');
    await expectReply(c, cmd('CLIENT', 'CACHING', 'no'), '+OK\r\n');
    await expectReply(c, cmd('GET', '{in}:a'), '$1\r\n1\r\n');
    await expectReply(c, cmd('GET', '{in}:b'), '$1\r\n1\r\n');
    await w.mset('{in}:a', '2', '{in}:b', '2');
    await c.read(invalidate3('{in}:b'));
    await expectNothingMore(c);
    await expectReply(
      c,
      cmd('CLIENT', 'CACHING', 'yes'),
      '-ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.\r\n',
    );
  });

  it('BCAST sends every change under the prefixes, once per event loop turn, NOLOOP skipping own changes', async () => {
    const { conn: c } = await raw3();
    const w = t.ioredis();
    await expectReply(c, cmd('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'bc:user:', 'PREFIX', 'bc:obj:'), '+OK\r\n');
    await w.mset('bc:user:{bc}2', '1', 'bc:user:{bc}1', '1', 'bc:other{bc}', '1');
    await c.read(invalidate3('bc:user:{bc}1', 'bc:user:{bc}2'));
    await w.set('bc:obj:1', 'x');
    await c.read(invalidate3('bc:obj:1'));
    await expectReply(c, cmd('SET', 'bc:user:3', '1'), '+OK\r\n');
    await c.read(invalidate3('bc:user:3'));

    const { conn: n } = await raw3();
    await expectReply(n, cmd('CLIENT', 'TRACKING', 'on', 'BCAST', 'NOLOOP'), '+OK\r\n');
    await expectReply(n, cmd('SET', 'bc:user:4', '1'), '+OK\r\n');
    await c.read(invalidate3('bc:user:4'));
    await expectNothingMore(n);
    await w.set('bc:any', '1');
    await n.read(invalidate3('bc:any'));
  });

  it('a broken redirection is reported to a RESP3 client', async () => {
    const { conn: c } = await raw3();
    const target = await rawClient();
    await expectReply(c, cmd('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(target.id)), '+OK\r\n');
    await expectReply(c, cmd('CLIENT', 'GETREDIR'), `:${target.id}\r\n`);
    await expectReply(c, cmd('GET', 'br:a'), '_\r\n');
    target.conn.close();
    await until(() => !t.server.clients.has(target.id));
    await t.ioredis().set('br:a', '1');
    await c.read(`>2\r\n$21\r\ntracking-redir-broken\r\n:${target.id}\r\n`);
    c.write(cmd('CLIENT', 'TRACKINGINFO'));
    await c.read(`%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$15\r\nbroken_redirect\r\n$8\r\nredirect\r\n:${target.id}\r\n$8\r\nprefixes\r\n*0\r\n`);
  });

  it('works with node-redis client-side caching (RESP3)', async () => {
    if (!commands.has('hello')) return; // node-redis needs HELLO for RESP3
    const cache = new BasicClientSideCache({ ttl: 0, maxEntries: 0, evictPolicy: 'LRU' });
    const invalidated: (string | null)[] = [];
    cache.on('invalidate', (k: Buffer | string | null) => invalidated.push(k === null ? null : k.toString()));
    const n = await t.nodeRedis({ RESP: 3, clientSideCache: cache });
    const w = t.ioredis();
    await w.set('csc:a', 'v1');
    expect(await n.get('csc:a')).toBe('v1');
    expect(await n.get('csc:a')).toBe('v1');
    expect(cache.stats().hitCount).toBe(1);
    await w.set('csc:a', 'v2');
    await until(() => invalidated.includes('csc:a'));
    expect(await n.get('csc:a')).toBe('v2');
    const info = await n.sendCommand(['CLIENT', 'TRACKINGINFO']);
    expect(JSON.stringify(info)).toContain('"on"');
  });
});

describe('CLIENT TRACKING (RESP2 REDIRECT)', () => {
  it('invalidations go to a client subscribed to __redis__:invalidate (raw bytes)', async () => {
    const sub = await rawClient();
    await expectReply(
      sub.conn,
      cmd('SUBSCRIBE', '__redis__:invalidate'),
      '*3\r\n$9\r\nsubscribe\r\n$20\r\n__redis__:invalidate\r\n:1\r\n',
    );
    const c = await t.raw();
    await expectReply(c, cmd('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(sub.id)), '+OK\r\n');
    await expectReply(c, cmd('GET', 'r2:a'), '$-1\r\n');
    await t.ioredis().set('r2:a', '1');
    await sub.conn.read(invalidate2('r2:a'));
    // the tracking client itself gets nothing in RESP2
    await expectReply(c, cmd('GET', 'r2:a'), '$1\r\n1\r\n');
    await expectReply(c, cmd('SET', 'r2:a', '2'), '+OK\r\n');
    await sub.conn.read(invalidate2('r2:a'));
    await expectReply(c, cmd('FLUSHDB'), '+OK\r\n');
    await sub.conn.read('*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n');
  });

  it('works with ioredis: the subscriber sees the invalidated keys', async () => {
    const sub = t.ioredis();
    const subId = (await sub.client('ID')) as number;
    const got: unknown[] = [];
    sub.on('message', (channel: string, message: unknown) => got.push([channel, message]));
    await sub.subscribe('__redis__:invalidate');
    const c = t.ioredis();
    expect(await c.client('TRACKING', 'ON', 'REDIRECT', String(subId))).toBe('OK');
    expect(await c.client('GETREDIR')).toBe(subId);
    await c.get('io:a');
    await t.ioredis().set('io:a', 'x');
    await until(() => got.length > 0);
    // ioredis hands the array payload over as text
    expect(got[0]).toEqual(['__redis__:invalidate', 'io:a']);
  });
});

describe('CLIENT TRACKING options and info', () => {
  it('validates options with Redis errors', async () => {
    const c = await t.raw();
    const other = await rawClient();
    const e = (msg: string) => `-ERR ${msg}\r\n`;
    await expectReply(c, cmd('CLIENT', 'TRACKING', 'on', 'PREFIX', 'a'), e('PREFIX option requires BCAST mode to be enabled'));
    await expectReply(c, cmd('CLIENT', 'TRACKING', 'on', 'BCAST', 'OPTIN'), e('OPTIN and OPTOUT are not compatible with BCAST'));
    await expectReply(c, cmd('CLIENT', 'TRACKING', 'on', 'OPTIN', 'OPTOUT'), e("You can't specify both OPTIN mode and OPTOUT mode"));
    await expectReply(c, cmd('CLIENT', 'TRACKING', 'on', 'REDIRECT', '999999'), e('The client ID you want redirect to does not exist'));
    await expectReply(c, cmd('CLIENT', 'TRACKING', 'on', 'REDIRECT', 'x'), e('value is not an integer or out of range'));
    await expectReply(
      c,
      cmd('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(other.id), 'REDIRECT', String(other.id)),
      e('A client can only redirect to a single other client'),
    );
    await expectReply(c, cmd('CLIENT', 'TRACKING', 'on', 'FOO'), e('syntax error'));
    await expectReply(c, cmd('CLIENT', 'TRACKING', 'maybe'), e('syntax error'));
    await expectReply(c, cmd('CLIENT', 'TRACKING', 'on', 'REDIRECT'), e('syntax error'));
    await expectReply(
      c,
      cmd('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'ab', 'PREFIX', 'a'),
      e("Prefix 'ab' overlaps with another provided prefix 'a'. Prefixes for a single client must not overlap."),
    );
    await expectReply(
      c,
      cmd('CLIENT', 'CACHING', 'yes'),
      e('CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled'),
    );
    await expectReply(c, cmd('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'a'), '+OK\r\n');
    await expectReply(
      c,
      cmd('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'abc'),
      e("Prefix 'abc' overlaps with an existing prefix 'a'. Prefixes for a single client must not overlap."),
    );
    await expectReply(
      c,
      cmd('CLIENT', 'TRACKING', 'on'),
      e("You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode."),
    );
    await expectReply(c, cmd('CLIENT', 'TRACKING', 'off'), '+OK\r\n');
    await expectReply(c, cmd('CLIENT', 'TRACKING', 'on', 'OPTIN'), '+OK\r\n');
    await expectReply(
      c,
      cmd('CLIENT', 'TRACKING', 'on', 'OPTOUT'),
      e("You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode."),
    );
    await expectReply(c, cmd('CLIENT', 'CACHING', 'maybe'), e('syntax error'));
  });

  it('TRACKINGINFO and GETREDIR (RESP2)', async () => {
    const r = t.ioredis();
    expect(await r.client('TRACKINGINFO')).toEqual(['flags', ['off'], 'redirect', -1, 'prefixes', []]);
    expect(await r.client('GETREDIR')).toBe(-1);
    await r.client('TRACKING', 'on', 'BCAST', 'PREFIX', 'p:b', 'PREFIX', 'p:a', 'NOLOOP');
    expect(await r.client('TRACKINGINFO')).toEqual(['flags', ['on', 'bcast', 'noloop'], 'redirect', 0, 'prefixes', ['p:a', 'p:b']]);
    expect(await r.client('GETREDIR')).toBe(0);
    expect(parseClients((await r.client('INFO')) as string)[0]).toMatchObject({ flags: 'tB', redir: '0' });
    await r.client('TRACKING', 'off');
    await r.client('TRACKING', 'on', 'OPTIN');
    await r.call('CLIENT', 'CACHING', 'yes');
    expect(await r.client('TRACKINGINFO')).toEqual(['flags', ['on', 'optin', 'caching-yes'], 'redirect', 0, 'prefixes', []]);
    expect(await r.client('TRACKINGINFO')).toEqual(['flags', ['on', 'optin', 'caching-yes'], 'redirect', 0, 'prefixes', []]);
    await r.ping();
    expect(await r.client('TRACKINGINFO')).toEqual(['flags', ['on', 'optin'], 'redirect', 0, 'prefixes', []]);
  });

  it('tracking-table-max-keys bounds the table, invalidating the oldest keys', async () => {
    const s = await startServer();
    try {
      const c = await s.raw();
      await until(() => s.server.clients.size === 1);
      const me = [...s.server.clients.values()][0]!;
      me.resp = 3;
      expect(s.server.params.get('tracking-table-max-keys')!.set('2')).toBe(null);
      await expectReply(c, cmd('CLIENT', 'TRACKING', 'on'), '+OK\r\n');
      await expectReply(c, cmd('MGET', '{m}1', '{m}2', '{m}3'), '*3\r\n_\r\n_\r\n_\r\n' + invalidate3('{m}1'));
    } finally {
      await s.close();
    }
  });
});

describe('RESET', () => {
  it('restores a fresh connection state and replies +RESET', async () => {
    const c = await raw3();
    const conn = c.conn;
    conn.write(
      cmd('SELECT', '5') +
        cmd('CLIENT', 'SETNAME', 'x') +
        cmd('CLIENT', 'SETINFO', 'LIB-NAME', 'lib') +
        cmd('CLIENT', 'NO-TOUCH', 'on') +
        cmd('CLIENT', 'NO-EVICT', 'on') +
        cmd('CLIENT', 'TRACKING', 'on') +
        cmd('WATCH', '{rs}:w') +
        cmd('MULTI') +
        cmd('SET', '{rs}:a', '1'),
    );
    await conn.read('+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n');
    await expectReply(conn, cmd('RESET'), '+RESET\r\n');
    const info = parseClients((await (async () => {
      conn.write(cmd('CLIENT', 'INFO'));
      const header = await readLine(conn);
      const len = Number(header.slice(1, -2));
      return (await conn.read(len + 2)).slice(0, -2);
    })()))[0]!;
    expect(info).toMatchObject({ db: '0', name: '', flags: 'N', multi: '-1', resp: '2', redir: '-1', 'lib-name': 'lib' });
    expect(await t.ioredis().exists('{rs}:a')).toBe(0);
    await expectReply(conn, cmd('EXEC'), '-ERR EXEC without MULTI\r\n');
  });

  it('unsubscribes everything and leaves the RESP2 subscribed context', async () => {
    const c = await rawClient();
    c.conn.write(cmd('SUBSCRIBE', 'rs:ch') + cmd('PSUBSCRIBE', 'rs:*'));
    await until(() => c.conn.received.split('\r\n').length >= 13);
    await c.conn.read(c.conn.received.length);
    await expectReply(c.conn, cmd('RESET'), '+RESET\r\n');
    await expectReply(c.conn, cmd('GET', 'rs:x'), '$-1\r\n');
    expect(await t.ioredis().publish('rs:ch', 'm')).toBe(0);
  });

  it('turns CLIENT REPLY OFF back on (its own reply is sent)', async () => {
    const c = await t.raw();
    c.write(cmd('CLIENT', 'REPLY', 'OFF') + cmd('RESET') + cmd('PING'));
    await c.read('+RESET\r\n+PONG\r\n');
  });

  it('deauthenticates: with a password set, the client must AUTH again', async () => {
    const s = await startServer({ requirepass: 'secret' });
    try {
      const c = await s.raw();
      c.write(cmd('GET', 'a'));
      const noauth = await readLine(c);
      expect(noauth.startsWith('-NOAUTH')).toBe(true);
      await expectReply(c, cmd('AUTH', 'secret'), '+OK\r\n');
      await expectReply(c, cmd('GET', 'a'), '$-1\r\n');
      await expectReply(c, cmd('RESET'), '+RESET\r\n');
      await expectReply(c, cmd('GET', 'a'), noauth);
    } finally {
      await s.close();
    }
  });
});

describe('protected mode and maxclients', () => {
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal)?.address;

  it.skipIf(external === undefined)('refuses non-loopback peers when no password is set', async () => {
    const s = await startServer({ bind: [external!] });
    try {
      const c = await s.raw();
      await c.closed();
      expect(c.received).toMatch(/^-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user\. /);
      expect(c.received).toContain("3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. ");
      expect(c.received.endsWith('the server to start accepting connections from the outside.\r\n')).toBe(true);
      expect(s.server.clients.size).toBe(0);
    } finally {
      await s.close();
    }
  });

  it.skipIf(external === undefined)('accepts them with protected-mode no, or with a password', async () => {
    for (const settings of [{ 'protected-mode': false }, { requirepass: 'pw' }]) {
      const s = await startServer({ bind: [external!], ...settings });
      try {
        const c = await s.raw();
        c.write(cmd('PING'));
        const line = await readLine(c);
        expect(line === '+PONG\r\n' || line.startsWith('-NOAUTH')).toBe(true);
      } finally {
        await s.close();
      }
    }
  });

  it('refuses connections beyond maxclients', async () => {
    const s = await startServer({ maxclients: 1 });
    try {
      const a = await s.raw();
      await expectReply(a, cmd('PING'), '+PONG\r\n');
      const b = await s.raw();
      await b.closed();
      expect(b.received).toBe('-ERR max number of clients reached\r\n');
    } finally {
      await s.close();
    }
  });

  it('a burst of connections: each answered in order, the ones beyond maxclients refused, none left behind', async () => {
    const s = await startServer({ maxclients: 150 });
    try {
      // All opened before any is answered: the listener takes them as fast as they come.
      const conns = await Promise.all(Array.from({ length: 200 }, () => s.raw()));
      for (const [i, c] of conns.entries()) c.write(cmd('ECHO', `c${i}`) + cmd('PING'));
      await until(() => conns.every((c) => c.received.length > 0 && (c.received.startsWith('-ERR') || c.received.endsWith('+PONG\r\n'))), 10_000, 'every answer');
      let answered = 0;
      for (const [i, c] of conns.entries()) {
        if (c.received.startsWith('-ERR')) {
          expect(c.received).toBe('-ERR max number of clients reached\r\n');
          continue;
        }
        answered++;
        expect(c.received).toBe(`${bulk(`c${i}`)}+PONG\r\n`);
      }
      expect(answered).toBe(150);
      expect(s.server.clients.size).toBe(150);
      for (const c of conns) c.close();
      await until(() => s.server.clients.size === 0, 5000, 'every client gone');
      // The listener's own count (what server.close() waits for) is back to nothing too.
      const listener = (s.server.listeners as unknown as { tcp: import('node:net').Server[] }).tcp[0]!;
      await until(async () => (await new Promise<number>((r) => listener.getConnections((_e, n) => r(n)))) === 0, 5000, 'no connection counted');
    } finally {
      await s.close();
    }
  });
});
