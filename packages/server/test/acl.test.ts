/**
 * Authentication and ACL against real clients: requirepass and AUTH, HELLO (node-redis RESP3),
 * ACL users and every kind of denial, ACL LOG, ACL SAVE/LOAD with an aclfile, passwords kept
 * only as hashes. Expected replies and error texts are redis-server 7.2's.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { startServer, type TestServer } from './helpers.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The error message of a command that must fail. */
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    const v = await p;
    throw new Error(`expected an error, got ${JSON.stringify(v)}`);
  } catch (e) {
    return (e as Error).message;
  }
}

/** RESP2 flat map (ioredis) -> object. */
function obj(flat: unknown): Record<string, unknown> {
  const a = flat as unknown[];
  const o: Record<string, unknown> = {};
  for (let i = 0; i < a.length; i += 2) o[String(a[i])] = a[i + 1];
  return o;
}

describe('requirepass and AUTH', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer({ requirepass: 'secret' });
  });
  afterAll(() => t.close());

  it('refuses commands before AUTH, accepts them after', async () => {
    const s = await t.raw();
    s.write('GET k\r\nPING\r\n');
    await s.read('-NOAUTH Authentication required.\r\n-NOAUTH Authentication required.\r\n');
    // Unknown commands and wrong arities are reported before authentication, as in Redis.
    s.write('NOSUCH\r\nGET\r\n');
    await s.read("-ERR unknown command 'NOSUCH', with args beginning with: \r\n-ERR wrong number of arguments for 'get' command\r\n");
    s.write('AUTH wrong\r\nAUTH default wrong\r\nAUTH nobody secret\r\n');
    const wp = '-WRONGPASS invalid username-password pair or user is disabled.\r\n';
    await s.read(wp + wp + wp);
    s.write('AUTH a b c\r\n');
    await s.read('-ERR syntax error\r\n');
    s.write('AUTH secret\r\nSET k v\r\nGET k\r\nACL WHOAMI\r\n');
    await s.read('+OK\r\n+OK\r\n$1\r\nv\r\n$7\r\ndefault\r\n');
    s.write('AUTH default secret\r\n');
    await s.read('+OK\r\n');
  });

  it('limits the requests of unauthenticated clients (more than 10 arguments)', async () => {
    const s = await t.raw();
    s.write('*11\r\n');
    await s.read('-ERR Protocol error: unauthenticated multibulk length\r\n');
    await s.closed();
  });

  it('HELLO works unauthenticated; HELLO without AUTH says so', async () => {
    const s = await t.raw();
    s.write('HELLO 3\r\n');
    await s.read(
      '-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> ' +
        'option can be used to authenticate the client and select the RESP protocol version at the same time\r\n',
    );
    s.write('HELLO 3 AUTH default nope SETNAME bad\r\nGET k\r\n');
    await s.read('-WRONGPASS invalid username-password pair or user is disabled.\r\n-NOAUTH Authentication required.\r\n');
  });

  it('HELLO 3 with AUTH and SETNAME through node-redis in RESP3', async () => {
    const c = await t.nodeRedis({ RESP: 3, password: 'secret', name: 'resp3-client' });
    expect(await c.sendCommand(['ACL', 'WHOAMI'])).toBe('default');
    const info = (await c.sendCommand(['HELLO', '3'])) as Record<string, unknown>;
    expect(info.server).toBe('redis');
    expect(info.version).toBe('7.2.4');
    expect(info.proto).toBe(3);
    expect(info.mode).toBe('standalone');
    expect(info.role).toBe('master');
    expect(info.modules).toEqual([]);
    const me = [...t.server.clients.values()].find((x) => x.id === info.id)!;
    expect(me.name).toBe('resp3-client');
    expect(me.resp).toBe(3);
    await c.set('resp3', 'yes');
    expect(await c.get('resp3')).toBe('yes');
  });

  it('HELLO replies: RESP3 map, RESP2 flat array; version errors', async () => {
    const s = await t.raw();
    s.write('HELLO 4\r\nHELLO abc\r\nHELLO 3 AUTH default secret FOO\r\n');
    await s.read(
      "-NOPROTO unsupported protocol version\r\n-ERR Protocol version is not an integer or out of range\r\n-ERR Syntax error in HELLO option 'FOO'\r\n",
    );
    s.write('HELLO 3 AUTH default secret SETNAME n1\r\n');
    const id = [...t.server.clients.values()].at(-1)!.id;
    await s.read(
      `%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n7.2.4\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:${id}\r\n` +
        '$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n',
    );
    s.write('HELLO 2\r\n');
    await s.read(`*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n7.2.4\r\n$5\r\nproto\r\n:2\r\n`);
  });

  it('RESET logs the client out; CLIENT LIST and CLIENT KILL USER see the ACL user', async () => {
    const r = t.ioredis({ password: 'secret' });
    await r.call('ACL', 'SETUSER', 'carl', 'on', '>pw', '+@all', '~*', '&*');
    const s = await t.raw();
    s.write('AUTH carl pw\r\nACL WHOAMI\r\n');
    await s.read('+OK\r\n$4\r\ncarl\r\n');
    expect(await r.call('CLIENT', 'LIST')).toMatch(/ user=carl /);
    s.write('RESET\r\nACL WHOAMI\r\nAUTH carl pw\r\n');
    await s.read('+RESET\r\n-NOAUTH Authentication required.\r\n+OK\r\n');
    expect(await r.call('CLIENT', 'KILL', 'USER', 'carl')).toBe(1);
    await s.closed();
    expect(await failure(r.call('CLIENT', 'KILL', 'USER', 'nobody'))).toBe("ERR No such user 'nobody'");
  });

  it('AUTH <password> without a password configured errs; requirepass changes at runtime', async () => {
    const r = t.ioredis({ password: 'secret' });
    // Clients authenticated before keep working when the password changes.
    t.server.params.get('requirepass')!.set('');
    expect(await failure(r.call('AUTH', 'x'))).toBe(
      'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
    );
    const fresh = await t.raw();
    fresh.write('PING\r\n');
    await fresh.read('+PONG\r\n');
    t.server.params.get('requirepass')!.set('other');
    expect(await r.call('PING')).toBe('PONG');
    const s = await t.raw();
    s.write('PING\r\nAUTH secret\r\nAUTH other\r\nPING\r\n');
    await s.read('-NOAUTH Authentication required.\r\n-WRONGPASS invalid username-password pair or user is disabled.\r\n+OK\r\n+PONG\r\n');
    t.server.params.get('requirepass')!.set('secret');
  });
});

describe('ACL users and permissions', () => {
  let t: TestServer;
  let admin: Redis;
  beforeAll(async () => {
    t = await startServer();
    admin = t.ioredis();
  });
  afterAll(() => t.close());

  async function login(user: string, pass = 'pw'): Promise<Redis> {
    const r = t.ioredis();
    expect(await r.call('AUTH', user, pass)).toBe('OK');
    return r;
  }

  it('new users start disabled, without permissions; passwords are stored hashed', async () => {
    expect(await admin.call('ACL', 'SETUSER', 'alice')).toBe('OK');
    expect(await admin.call('ACL', 'LIST')).toEqual([
      'user alice off sanitize-payload resetchannels -@all',
      'user default on nopass sanitize-payload ~* &* +@all',
    ]);
    expect(await admin.call('ACL', 'USERS')).toEqual(['alice', 'default']);
    expect(await failure(admin.call('AUTH', 'alice', 'x'))).toBe('WRONGPASS invalid username-password pair or user is disabled.');
    expect(await admin.call('ACL', 'SETUSER', 'alice', 'on', '>p1', '>p2', '<p1', `#${sha256('p3')}`)).toBe('OK');
    const u = obj(await admin.call('ACL', 'GETUSER', 'alice'));
    expect(u).toEqual({
      flags: ['on', 'sanitize-payload'],
      passwords: [sha256('p2'), sha256('p3')],
      commands: '-@all',
      keys: '',
      channels: '',
      selectors: [],
    });
    const list = (await admin.call('ACL', 'LIST')) as string[];
    expect(list[0]).toBe(`user alice on sanitize-payload #${sha256('p2')} #${sha256('p3')} resetchannels -@all`);
    expect(JSON.stringify(list)).not.toContain('p2 ');
    const r = t.ioredis();
    expect(await failure(r.call('AUTH', 'alice', 'p1'))).toContain('WRONGPASS');
    expect(await r.call('AUTH', 'alice', 'p3')).toBe('OK');
    expect(await r.call('ACL', 'WHOAMI').catch((e: Error) => e.message)).toBe(
      "NOPERM User alice has no permissions to run the 'acl|whoami' command",
    );
    expect(await admin.call('ACL', 'GETUSER', 'nobody')).toBe(null);
  });

  it('rule errors, exactly as Redis words them', async () => {
    const e = (...rules: string[]) => failure(admin.call('ACL', 'SETUSER', 'bad', ...rules));
    expect(await e('+nosuchcommand')).toBe("ERR Error in ACL SETUSER modifier '+nosuchcommand': Unknown command or category name in ACL");
    expect(await e('+@nosuchcat')).toBe("ERR Error in ACL SETUSER modifier '+@nosuchcat': Unknown command or category name in ACL");
    expect(await e('bogus')).toBe("ERR Error in ACL SETUSER modifier 'bogus': Syntax error");
    expect(await e('~*', '~foo')).toBe(
      "ERR Error in ACL SETUSER modifier '~foo': Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns",
    );
    expect(await e('&*', '&foo')).toBe(
      "ERR Error in ACL SETUSER modifier '&foo': Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels",
    );
    expect(await e('<nope')).toBe("ERR Error in ACL SETUSER modifier '<nope': The password you are trying to remove from the user does not exist");
    expect(await e('#abc')).toBe(
      "ERR Error in ACL SETUSER modifier '#abc': The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters",
    );
    expect(await e('+acl|whoami|x')).toBe("ERR Error in ACL SETUSER modifier '+acl|whoami|x': Allowing first-arg of a subcommand is not supported");
    expect(await e('+acl|nosuch')).toBe("ERR Error in ACL SETUSER modifier '+acl|nosuch': Unknown command or category name in ACL");
    expect(await e('%X~k')).toBe("ERR Error in ACL SETUSER modifier '%X~k': Syntax error");
    expect(await e('(~x', '+get')).toBe("ERR Unmatched parenthesis in acl selector starting at '(~x'.");
    expect(await failure(admin.call('ACL', 'SETUSER', 'a b'))).toBe("ERR Usernames can't contain spaces or null characters");
    // Nothing of a failed SETUSER is applied: the user was not even created.
    expect(await admin.call('ACL', 'GETUSER', 'bad')).toBe(null);
  });

  it('keeps command rules in the order given, compacted as Redis does', async () => {
    const rules = async (...r: string[]) => {
      await admin.call('ACL', 'SETUSER', 'adv', ...r);
      return obj(await admin.call('ACL', 'GETUSER', 'adv')).commands;
    };
    expect(await rules('+@all', '-@hash', '-@slow', '+hget')).toBe('+@all -@hash -@slow +hget');
    expect(await rules('-@hash')).toBe('+@all -@slow +hget -@hash');
    expect(await rules('+@hash')).toBe('+@all -@slow +hget +@hash');
    expect(await rules('-@all')).toBe('-@all');
    expect(await rules('-@string', '-@slow', '+@all')).toBe('+@all');
    expect(await rules('-@all', '+@HASH', '+@hash', '+@HaSh')).toBe('-@all +@hash');
    expect(await rules('-@all', '+HGET', '+hget', '+hGeT')).toBe('-@all +hget');
    expect(await rules('-@all', '+hget', '-hset', '+hset', '-hget')).toBe('-@all +hset -hget');
    expect(await rules('-@all', '+acl|list', '+acl|list', '+object|encoding', '+object', '+acl|users', '-acl')).toBe('-@all +object -acl');
    expect(await rules('-@all', '+select|0', '+select|0', '+acl')).toBe('-@all +select|0 +acl');
    expect(await rules('-@all', '+object', '+object|encoding', '-object|freq', '+object')).toBe('-@all +object');
  });

  it('denies commands, subcommands and first args', async () => {
    await admin.call('ACL', 'SETUSER', 'cmds', 'on', '>pw', 'allkeys', '-@all', '+get', '+acl|whoami', '+select|0', '+@hash', '-hdel');
    const r = await login('cmds');
    await admin.set('k', 'v');
    expect(await r.get('k')).toBe('v');
    expect(await r.call('ACL', 'WHOAMI')).toBe('cmds');
    expect(await failure(r.set('k', 'x'))).toBe("NOPERM User cmds has no permissions to run the 'set' command");
    expect(await failure(r.call('ACL', 'USERS'))).toBe("NOPERM User cmds has no permissions to run the 'acl|users' command");
    expect(await r.call('SELECT', '0')).toBe('OK');
    expect(await failure(r.call('SELECT', '1'))).toBe("NOPERM User cmds has no permissions to run the 'select' command");
    expect(await r.hset('h', 'f', 'v')).toBe(1);
    expect(await failure(r.hdel('h', 'f'))).toBe("NOPERM User cmds has no permissions to run the 'hdel' command");
    // AUTH and HELLO need no permission.
    expect(await r.call('AUTH', 'cmds', 'pw')).toBe('OK');
  });

  it('checks keys with their read/write access (%R~ %W~), as key specs say', async () => {
    await admin.call('ACL', 'SETUSER', 'keys', 'on', '>pw', '+@all', '%R~read*', '%W~write*', '~rw*');
    const r = await login('keys');
    await admin.set('read1', 'r');
    expect(await r.get('read1')).toBe('r');
    expect(await failure(r.set('read1', 'x'))).toBe('NOPERM No permissions to access a key');
    expect(await failure(r.get('write1'))).toBe('NOPERM No permissions to access a key');
    expect(await r.set('write1', 'w')).toBe('OK');
    expect(await failure(r.set('write1', 'w', 'GET'))).toBe('NOPERM No permissions to access a key');
    expect(await r.lpush('writelist', 'x')).toBe(1);
    expect(await failure(r.incr('write2'))).toBe('NOPERM No permissions to access a key');
    expect(await r.call('COPY', 'read1', 'write3')).toBe(1);
    expect(await failure(r.call('COPY', 'write1', 'read2'))).toBe('NOPERM No permissions to access a key');
    expect(await r.set('rw1', '5')).toBe('OK');
    expect(await r.incr('rw1')).toBe(6);
    expect(await failure(r.mget('rw1', 'other'))).toBe('NOPERM No permissions to access a key');
    expect(await admin.call('ACL', 'DRYRUN', 'keys', 'SORT', 'read1', 'STORE', 'write9')).toBe('OK');
    expect(await admin.call('ACL', 'DRYRUN', 'keys', 'SORT', 'write1', 'STORE', 'write9')).toBe(
      "User keys has no permissions to access the 'write1' key",
    );
    expect(await admin.call('ACL', 'DRYRUN', 'keys', 'BITFIELD', 'read1', 'GET', 'u4', '0')).toBe('OK');
    expect(await admin.call('ACL', 'DRYRUN', 'keys', 'BITFIELD', 'read1', 'SET', 'u4', '0', '1')).toBe(
      "User keys has no permissions to access the 'read1' key",
    );
    // numkeys specs: the destination is written, the sources read.
    expect(await admin.call('ACL', 'DRYRUN', 'keys', 'ZUNIONSTORE', 'write1', '2', 'read1', 'read2')).toBe('OK');
    expect(await admin.call('ACL', 'DRYRUN', 'keys', 'ZUNIONSTORE', 'read1', '1', 'read2')).toBe(
      "User keys has no permissions to access the 'read1' key",
    );
    // LMOVE reads and deletes from its source (%R and %W), inserts into its destination (%W).
    expect(await admin.call('ACL', 'DRYRUN', 'keys', 'LMOVE', 'rw1', 'write1', 'LEFT', 'LEFT')).toBe('OK');
    expect(await admin.call('ACL', 'DRYRUN', 'keys', 'LMOVE', 'write1', 'write2', 'LEFT', 'LEFT')).toBe(
      "User keys has no permissions to access the 'write1' key",
    );
    // OBJECT ENCODING (a subcommand's spec: RO without ACCESS) needs no particular access.
    expect(await admin.call('ACL', 'DRYRUN', 'keys', 'OBJECT', 'ENCODING', 'write1')).toBe('OK');
    expect(obj(await admin.call('ACL', 'GETUSER', 'keys')).keys).toBe('%R~read* %W~write* ~rw*');
    await admin.call('ACL', 'SETUSER', 'keys', '%W~read*');
    expect(obj(await admin.call('ACL', 'GETUSER', 'keys')).keys).toBe('~read* %W~write* ~rw*');
  });

  it('checks channels of PUBLISH and the SUBSCRIBE family', async () => {
    await admin.call('ACL', 'SETUSER', 'chans', 'on', '>pw', '+@all', 'allkeys', 'resetchannels', '&news.*', '&lit*');
    const r = await login('chans');
    expect(await r.publish('news.today', 'x')).toBe(0);
    expect(await failure(r.publish('sports', 'x'))).toBe('NOPERM No permissions to access a channel');
    const s = await t.raw();
    // Channels match the ACL patterns; subscribed patterns must equal one literally.
    s.write('AUTH chans pw\r\nSUBSCRIBE news.a other\r\nPSUBSCRIBE news.*\r\nPSUBSCRIBE lit*\r\nPSUBSCRIBE n*\r\n');
    await s.read(
      '+OK\r\n-NOPERM No permissions to access a channel\r\n*3\r\n$10\r\npsubscribe\r\n$6\r\nnews.*\r\n:1\r\n' +
        '*3\r\n$10\r\npsubscribe\r\n$4\r\nlit*\r\n:2\r\n-NOPERM No permissions to access a channel\r\n',
    );
    s.write('SUBSCRIBE news.a\r\n');
    await s.read('*3\r\n$9\r\nsubscribe\r\n$6\r\nnews.a\r\n:3\r\n');
  });

  it('disconnects subscribers whose channel permission is revoked', async () => {
    await admin.call('ACL', 'SETUSER', 'sub', 'on', '>pw', '+@all', 'resetchannels', '&a', '&b');
    const s = await t.raw();
    s.write('AUTH sub pw\r\nSUBSCRIBE a\r\n');
    await s.read('+OK\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n');
    // Keeping the channel (and adding one) pardons the subscriber.
    await admin.call('ACL', 'SETUSER', 'sub', '&c');
    s.write('PING\r\n');
    await s.read('*2\r\n$4\r\npong\r\n$0\r\n\r\n');
    await admin.call('ACL', 'SETUSER', 'sub', 'resetchannels', '&b');
    await s.closed();
  });

  it('selectors: permissions of any one selector suffice, none are combined', async () => {
    await admin.call('ACL', 'SETUSER', 'sel', 'on', '>pw', '+get', '~k1', '(+set ~k2)', '(', '%R~r*', '+get', '+set', ')');
    const u = obj(await admin.call('ACL', 'GETUSER', 'sel'));
    expect(u.commands).toBe('-@all +get');
    expect((u.selectors as unknown[]).map(obj)).toEqual([
      { commands: '-@all +set', keys: '~k2', channels: '' },
      { commands: '-@all +get +set', keys: '%R~r*', channels: '' },
    ]);
    expect(((await admin.call('ACL', 'LIST')) as string[]).find((l) => l.startsWith('user sel '))).toBe(
      `user sel on sanitize-payload #${sha256('pw')} ~k1 resetchannels -@all +get (~k2 resetchannels -@all +set) (%R~r* resetchannels -@all +get +set)`,
    );
    const r = await login('sel');
    expect(await r.get('k1')).toBe(null);
    expect(await r.set('k2', 'x')).toBe('OK');
    expect(await r.get('r1')).toBe(null);
    expect(await failure(r.set('k1', 'x'))).toBe('NOPERM No permissions to access a key');
    expect(await failure(r.set('r1', 'x'))).toBe('NOPERM No permissions to access a key');
    expect(await failure(r.del('k1'))).toBe("NOPERM User sel has no permissions to run the 'del' command");
    await admin.call('ACL', 'SETUSER', 'sel', 'clearselectors');
    expect(obj(await admin.call('ACL', 'GETUSER', 'sel')).selectors).toEqual([]);
  });

  it('a denied command inside MULTI dooms the transaction', async () => {
    await admin.call('ACL', 'SETUSER', 'tx', 'on', '>pw', '+@all', '-set', '~*');
    const s = await t.raw();
    s.write('AUTH tx pw\r\nMULTI\r\nSET a b\r\nGET a\r\nEXEC\r\n');
    await s.read(
      "+OK\r\n+OK\r\n-NOPERM User tx has no permissions to run the 'set' command\r\n+QUEUED\r\n" +
        '-EXECABORT Transaction discarded because of previous errors.\r\n',
    );
    await admin.call('ACL', 'SETUSER', 'tx', '-exec');
    s.write('MULTI\r\nGET a\r\nEXEC\r\nEXEC\r\n');
    await s.read(
      "+OK\r\n+QUEUED\r\n-EXECABORT Transaction discarded because of: NOPERM User tx has no permissions to run the 'exec' command\r\n" +
        "-EXECABORT Transaction discarded because of: NOPERM User tx has no permissions to run the 'exec' command\r\n",
    );
  });

  it('DELUSER disconnects the clients of the user; the default user stays', async () => {
    await admin.call('ACL', 'SETUSER', 'gone', 'on', 'nopass', '+@all', '~*');
    const s = await t.raw();
    s.write('AUTH gone anything\r\nPING\r\n');
    await s.read('+OK\r\n+PONG\r\n');
    expect(await admin.call('ACL', 'DELUSER', 'gone', 'nobody')).toBe(1);
    await s.closed();
    expect(await failure(admin.call('ACL', 'DELUSER', 'default'))).toBe("ERR The 'default' user cannot be removed");
    // A client deleting its own user gets the reply, then the connection closes.
    await admin.call('ACL', 'SETUSER', 'self', 'on', 'nopass', '+@all', '~*');
    const me = await t.raw();
    me.write('AUTH self x\r\nACL DELUSER self\r\nPING\r\n');
    await me.read('+OK\r\n:1\r\n');
    await me.closed();
  });

  it('off users cannot log in; a default user that is off makes new connections authenticate', async () => {
    await admin.call('ACL', 'SETUSER', 'offu', 'off', '>pw', '+@all');
    expect(await failure(admin.call('AUTH', 'offu', 'pw'))).toContain('WRONGPASS');
    await admin.call('ACL', 'SETUSER', 'default', 'off');
    const s = await t.raw();
    s.write('PING\r\nAUTH offu pw\r\n');
    await s.read('-NOAUTH Authentication required.\r\n-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    await admin.call('ACL', 'SETUSER', 'offu', 'on');
    s.write('AUTH offu pw\r\nPING\r\n');
    await s.read('+OK\r\n+PONG\r\n');
    await admin.call('ACL', 'SETUSER', 'default', 'on');
  });

  it('ACL DRYRUN, CAT, GENPASS, HELP and their errors', async () => {
    await admin.call('ACL', 'SETUSER', 'dry', 'on', '+@read', '~r*', 'resetchannels', '&c');
    expect(await admin.call('ACL', 'DRYRUN', 'dry', 'GET', 'r1')).toBe('OK');
    expect(await admin.call('ACL', 'DRYRUN', 'dry', 'GET', 'x')).toBe("User dry has no permissions to access the 'x' key");
    expect(await admin.call('ACL', 'DRYRUN', 'dry', 'SET', 'r1', 'v')).toBe("User dry has no permissions to run the 'set' command");
    await admin.call('ACL', 'SETUSER', 'dry', '+publish');
    expect(await admin.call('ACL', 'DRYRUN', 'dry', 'PUBLISH', 'd', 'm')).toBe("User dry has no permissions to access the 'd' channel");
    expect(await failure(admin.call('ACL', 'DRYRUN', 'nobody', 'GET', 'x'))).toBe("ERR User 'nobody' not found");
    expect(await failure(admin.call('ACL', 'DRYRUN', 'dry', 'NOCMD', 'x'))).toBe("ERR Command 'NOCMD' not found");
    expect(await failure(admin.call('ACL', 'DRYRUN', 'dry', 'GET'))).toBe("ERR wrong number of arguments for 'get' command");

    const cats = (await admin.call('ACL', 'CAT')) as string[];
    expect(cats).toEqual([
      'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo',
      'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
    ]);
    const tx = (await admin.call('ACL', 'CAT', 'transaction')) as string[];
    expect(tx.sort()).toEqual(['discard', 'exec', 'multi', 'unwatch', 'watch']);
    const slow = (await admin.call('ACL', 'CAT', 'SLOW')) as string[];
    expect(slow).toContain('acl|setuser');
    expect(slow).toContain('acl');
    expect(slow).not.toContain('get');
    expect(await failure(admin.call('ACL', 'CAT', 'nope'))).toBe("ERR Unknown category 'nope'");
    expect(await failure(admin.call('ACL', 'CAT', 'a', 'b'))).toBe("ERR unknown subcommand or wrong number of arguments for 'CAT'. Try ACL HELP.");

    expect(((await admin.call('ACL', 'GENPASS')) as string).length).toBe(64);
    expect(await admin.call('ACL', 'GENPASS', '5')).toMatch(/^[0-9a-f]{2}$/);
    expect(await failure(admin.call('ACL', 'GENPASS', '0'))).toBe(
      'ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096',
    );
    expect(await failure(admin.call('ACL', 'GENPASS', 'x'))).toBe('ERR value is not an integer or out of range');
    const help = (await admin.call('ACL', 'HELP')) as string[];
    expect(help[0]).toBe('ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    expect(help.at(-1)).toBe('    Print this help.');
    expect(await failure(admin.call('ACL', 'NOSUCH'))).toBe("ERR unknown subcommand 'NOSUCH'. Try ACL HELP.");
    expect(await failure(admin.call('ACL', 'SAVE'))).toMatch(/^ERR This Redis instance is not configured to use an ACL file/);
  });

  it('SETUSER reset returns a user to its freshly created state', async () => {
    await admin.call('ACL', 'SETUSER', 'fresh');
    const before = ((await admin.call('ACL', 'LIST')) as string[]).find((l) => l.startsWith('user fresh '));
    await admin.call('ACL', 'SETUSER', 'fresh', 'on', '>x', '~*', '&*', '+@all', '(+get ~y)', 'skip-sanitize-payload');
    await admin.call('ACL', 'SETUSER', 'fresh', 'reset');
    expect(((await admin.call('ACL', 'LIST')) as string[]).find((l) => l.startsWith('user fresh '))).toBe(before);
  });
});

describe('ACL LOG', () => {
  let t: TestServer;
  let admin: Redis;
  beforeAll(async () => {
    t = await startServer();
    admin = t.ioredis();
    await admin.call('ACL', 'SETUSER', 'antirez', 'on', '>foo', '~object:*', '+set', '+multi', '+exec', 'resetchannels', '&chan:*', '+publish');
  });
  afterAll(() => t.close());

  it('records denied commands, keys, channels and failed logins with Redis 7.2 fields', async () => {
    await admin.call('ACL', 'LOG', 'RESET');
    const r = t.ioredis();
    await r.call('AUTH', 'antirez', 'foo');
    await failure(r.get('foo'));
    await failure(r.get('foo'));
    await failure(r.set('somekey', 'x'));
    await failure(r.publish('other', 'x'));
    await failure(r.call('AUTH', 'antirez', 'wrong'));
    const log = ((await admin.call('ACL', 'LOG')) as unknown[]).map(obj);
    expect(log.map((e) => [e.count, e.reason, e.context, e.object, e.username])).toEqual([
      [1, 'auth', 'toplevel', 'AUTH', 'antirez'],
      [1, 'channel', 'toplevel', 'other', 'antirez'],
      [1, 'key', 'toplevel', 'somekey', 'antirez'],
      [2, 'command', 'toplevel', 'get', 'antirez'],
    ]);
    const e = log[3]!;
    expect(Object.keys(e)).toEqual([
      'count', 'reason', 'context', 'object', 'username', 'age-seconds', 'client-info', 'entry-id', 'timestamp-created',
      'timestamp-last-updated',
    ]);
    expect(e['entry-id']).toBe(0);
    expect(log[0]!['entry-id']).toBe(3);
    expect(Number(e['age-seconds'])).toBeGreaterThanOrEqual(0);
    expect(e['client-info']).toMatch(/^id=\d+ addr=127\.0\.0\.1:\d+ .* cmd=get user=antirez /);
    expect(e['timestamp-last-updated']).toBeGreaterThanOrEqual(e['timestamp-created'] as number);
    expect(((await admin.call('ACL', 'LOG', '2')) as unknown[]).length).toBe(2);
    expect(await admin.call('ACL', 'LOG', '-5')).toEqual([]);
    expect(await failure(admin.call('ACL', 'LOG', 'x'))).toBe('ERR value is not an integer or out of range');
  });

  it('tells the transaction context apart, and RESET empties the log but keeps counting ids', async () => {
    await admin.call('ACL', 'LOG', 'RESET');
    expect(await admin.call('ACL', 'LOG')).toEqual([]);
    const s = await t.raw();
    s.write('AUTH antirez foo\r\nMULTI\r\nINCR object:1\r\nSET foo bar\r\nEXEC\r\n');
    await s.read(
      "+OK\r\n+OK\r\n-NOPERM User antirez has no permissions to run the 'incr' command\r\n-NOPERM No permissions to access a key\r\n" +
        '-EXECABORT Transaction discarded because of previous errors.\r\n',
    );
    s.write('MULTI\r\nAUTH antirez bad\r\nEXEC\r\n');
    await s.read('+OK\r\n+QUEUED\r\n*1\r\n-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    const log = ((await admin.call('ACL', 'LOG')) as unknown[]).map(obj);
    expect(log.map((e) => [e.reason, e.context, e.object])).toEqual([
      ['auth', 'multi', 'AUTH'],
      ['key', 'multi', 'foo'],
      ['command', 'multi', 'incr'],
    ]);
    expect(log[2]!['entry-id']).toBeGreaterThan(3);
  });

  it('keeps at most acllog-max-len entries', async () => {
    await admin.call('ACL', 'LOG', 'RESET');
    t.server.params.get('acllog-max-len')!.set('3');
    const r = t.ioredis();
    await r.call('AUTH', 'antirez', 'foo');
    for (let i = 0; i < 6; i++) await failure(r.set(`key${i}`, 'x'));
    const log = ((await admin.call('ACL', 'LOG')) as unknown[]).map(obj);
    expect(log.map((e) => e.object)).toEqual(['key5', 'key4', 'key3']);
    t.server.params.get('acllog-max-len')!.set('128');
  });
});

describe('ACL SAVE / LOAD with an aclfile', () => {
  let t: TestServer;
  let dir: string;
  let admin: Redis;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'memorykv-acl-'));
    writeFileSync(join(dir, 'users.acl'), 'user default on nopass ~* &* +@all\nuser bob on >bobpass ~bob:* +@all\n');
    t = await startServer({ dir, extra: { aclfile: 'users.acl' } });
    admin = t.ioredis();
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads the file at startup', async () => {
    expect(await admin.call('ACL', 'USERS')).toEqual(['bob', 'default']);
    const r = t.ioredis();
    expect(await r.call('AUTH', 'bob', 'bobpass')).toBe('OK');
    expect(await failure(r.get('x'))).toBe('NOPERM No permissions to access a key');
  });

  it('SAVE writes the users with hashed passwords; LOAD restores them', async () => {
    await admin.call('ACL', 'SETUSER', 'carol', 'on', '>carolpass', '%R~c:*', '(+get ~x)', '-@all', '+get', 'resetchannels', '&n');
    expect(await admin.call('ACL', 'SAVE')).toBe('OK');
    const text = readFileSync(join(dir, 'users.acl'), 'latin1');
    expect(text).toBe(
      `user bob on sanitize-payload #${sha256('bobpass')} ~bob:* resetchannels +@all\n` +
        `user carol on sanitize-payload #${sha256('carolpass')} %R~c:* resetchannels &n -@all +get (~x resetchannels -@all +get)\n` +
        'user default on nopass sanitize-payload ~* &* +@all\n',
    );
    expect(text).not.toContain('carolpass');
    const listBefore = await admin.call('ACL', 'LIST');

    // Clients of replaced users are disconnected by LOAD.
    const s = await t.raw();
    s.write('AUTH bob bobpass\r\n');
    await s.read('+OK\r\n');
    await admin.call('ACL', 'DELUSER', 'carol');
    await admin.call('ACL', 'SETUSER', 'dave', 'on', 'nopass');
    expect(await admin.call('ACL', 'LOAD')).toBe('OK');
    expect(await admin.call('ACL', 'LIST')).toEqual(listBefore);
    await s.closed();
    const r = t.ioredis();
    expect(await r.call('AUTH', 'carol', 'carolpass')).toBe('OK');
    expect(await r.call('GET', 'c:1')).toBe(null);
  });

  it('a bad file changes nothing and reports every problem', async () => {
    const listBefore = await admin.call('ACL', 'LIST');
    writeFileSync(join(dir, 'users.acl'), 'user ok on nopass\n# comment\nuser bad on +nosuch ~* bogus\nuser ok off\n');
    expect(await failure(admin.call('ACL', 'LOAD'))).toBe(
      'ERR users.acl:2 should start with user keyword followed by the username. ' +
        "users.acl:3: Error in applying operation '+nosuch': Unknown command or category name in ACL. " +
        'users.acl:3: Syntax error. ' +
        "WARNING: Duplicate user 'ok' found on line 4. " +
        'WARNING: ACL errors detected, no change to the previously active ACL rules was performed',
    );
    expect(await admin.call('ACL', 'LIST')).toEqual(listBefore);
    rmSync(join(dir, 'users.acl'));
    expect(await failure(admin.call('ACL', 'LOAD'))).toBe("ERR Error loading ACLs, opening file 'users.acl': No such file or directory");
  });

  it('a server whose aclfile does not load does not start', async () => {
    await expect(startServer({ dir, extra: { aclfile: 'missing.acl' } })).rejects.toThrow(/Aborting Redis startup because of ACL errors/);
  });
});
