/**
 * CONFIG GET/SET/RESETSTAT/REWRITE/HELP and the config file / command line parser, against
 * redis-server 7.2's replies and error texts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { startServer, type TestServer } from './helpers.ts';
import { ConfigFileError, parseServerArgs } from '../src/config-file.ts';
import { applyConfiguredParams } from '../src/commands/config.ts';
import { MemorykvServer } from '../src/server.ts';

const tmp = mkdtempSync(join(tmpdir(), 'memorykv-config-'));

/** The error message of a failing ioredis call. */
async function error(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error reply');
}

/** CONFIG GET's flat reply as a Map. */
async function configGet(r: Redis, ...patterns: string[]): Promise<Map<string, string>> {
  const flat = (await r.call('CONFIG', 'GET', ...patterns)) as string[];
  const m = new Map<string, string>();
  for (let i = 0; i < flat.length; i += 2) m.set(flat[i]!, flat[i + 1]!);
  return m;
}

describe('CONFIG GET', () => {
  let t: TestServer;
  let r: Redis;
  beforeAll(async () => {
    t = await startServer();
    r = t.ioredis();
  });
  afterAll(() => t.close());

  it('answers a name, an alias and several patterns (7.0+), without duplicates', async () => {
    expect(await r.call('CONFIG', 'GET', 'maxmemory')).toEqual(['maxmemory', '0']);
    expect(await r.call('CONFIG', 'GET', 'hash-max-ziplist-entries')).toEqual([
      'hash-max-ziplist-entries',
      String(t.server.engine.shard.config['hash-max-listpack-entries']),
    ]);
    const m = await configGet(r, 'maxmemory*', 'maxmemory', 'timeout');
    expect([...m.keys()].sort()).toEqual(
      ['maxmemory', 'maxmemory-clients', 'maxmemory-eviction-tenacity', 'maxmemory-policy', 'maxmemory-samples', 'timeout'].sort(),
    );
    expect((await r.call('CONFIG', 'GET', 'maxmemory', 'maxmemory')) as string[]).toHaveLength(2);
    expect(await r.call('CONFIG', 'GET', 'no-such-thing')).toEqual([]);
  });

  it('matches names in any letter case, answering under the spelling asked', async () => {
    expect(await r.call('CONFIG', 'GET', 'MAXMEMORY')).toEqual(['MAXMEMORY', '0']);
    const m = await configGet(r, 'MAXMEMORY-P*');
    expect([...m.keys()]).toEqual(['maxmemory-policy']);
  });

  it('serves every parameter of Redis, aliases included, with Redis defaults and formats', async () => {
    const all = await configGet(r, '*');
    expect(all.size).toBeGreaterThan(190);
    expect(all.get('appendonly')).toBe('no');
    expect(all.get('save')).toBe('3600 1 300 100 60 10000');
    expect(all.get('client-output-buffer-limit')).toBe('normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60');
    expect(all.get('proto-max-bulk-len')).toBe('536870912');
    expect(all.get('list-max-ziplist-size')).toBe('-2');
    expect(all.get('slave-read-only')).toBe('yes');
    expect(all.get('lua-time-limit')).toBe('5000');
    expect(all.get('latency-tracking-info-percentiles')).toBe('50 99 99.9');
    expect(all.get('unixsocketperm')).toBe('0');
    expect(all.get('port')).toBe(String(t.port));
    expect(all.get('bind')).toBe('127.0.0.1');
    // Hidden parameters answer their exact name only.
    expect(all.has('key-load-delay')).toBe(false);
    expect(await r.call('CONFIG', 'GET', 'key-load-delay')).toEqual(['key-load-delay', '0']);
  });

  it('wrong arity', async () => {
    expect(await error(r.call('CONFIG', 'GET'))).toBe("ERR wrong number of arguments for 'config|get' command");
  });
});

describe('CONFIG SET', () => {
  let t: TestServer;
  let r: Redis;
  beforeAll(async () => {
    t = await startServer();
    r = t.ioredis();
  });
  afterAll(() => t.close());

  it('sets engine parameters: memory units, aliases, and the engine sees them', async () => {
    expect(await r.call('CONFIG', 'SET', 'maxmemory', '1gb')).toBe('OK');
    expect(await r.call('CONFIG', 'GET', 'maxmemory')).toEqual(['maxmemory', '1073741824']);
    expect(t.server.engine.shard.config.maxmemory).toBe(1073741824);
    await r.call('CONFIG', 'SET', 'maxmemory', '0');
    expect(await r.call('CONFIG', 'SET', 'hash-max-ziplist-entries', '3')).toBe('OK');
    expect(t.server.engine.shard.config['hash-max-listpack-entries']).toBe(3);
    expect(await r.call('CONFIG', 'GET', 'hash-max-listpack-entries')).toEqual(['hash-max-listpack-entries', '3']);
    await r.call('HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
    expect(await r.call('OBJECT', 'ENCODING', 'h')).toBe('listpack');
    await r.call('HSET', 'h', 'd', '4');
    expect(await r.call('OBJECT', 'ENCODING', 'h')).toBe('hashtable');
    expect(await r.call('CONFIG', 'SET', 'maxmemory-policy', 'ALLKEYS-LRU')).toBe('OK');
    expect(await r.call('CONFIG', 'GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'allkeys-lru']);
    expect(t.server.engine.shard.config['maxmemory-policy']).toBe('allkeys-lru');
    await r.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
  });

  it('keeps hz between 1 and 500 as Redis does', async () => {
    await r.call('CONFIG', 'SET', 'hz', '1000');
    expect(await r.call('CONFIG', 'GET', 'hz')).toEqual(['hz', '500']);
    await r.call('CONFIG', 'SET', 'hz', '10');
  });

  it('prints values beyond 2^53 exactly', async () => {
    await r.call('CONFIG', 'SET', 'slowlog-log-slower-than', '9223372036854775807');
    expect(await r.call('CONFIG', 'GET', 'slowlog-log-slower-than')).toEqual(['slowlog-log-slower-than', '9223372036854775807']);
    await r.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
  });

  it('stores the parameters nothing acts on, validated like Redis', async () => {
    expect(await r.call('CONFIG', 'SET', 'save', '900 1 300 10', 'appendonly', 'yes', 'timeout', '30', 'lazyfree-lazy-eviction', 'YES')).toBe('OK');
    const m = await configGet(r, 'save', 'appendonly', 'timeout', 'lazyfree-lazy-eviction');
    expect(Object.fromEntries(m)).toEqual({ save: '900 1 300 10', appendonly: 'yes', timeout: '30', 'lazyfree-lazy-eviction': 'yes' });
    expect(await r.call('CONFIG', 'SET', 'save', '')).toBe('OK');
    expect(await r.call('CONFIG', 'GET', 'save')).toEqual(['save', '']);
    await r.call('CONFIG', 'SET', 'appendonly', 'no');
    // client-output-buffer-limit changes only the classes given; "replica" names "slave".
    await r.call('CONFIG', 'SET', 'client-output-buffer-limit', 'replica 1mb 512kb 30');
    expect(await r.call('CONFIG', 'GET', 'client-output-buffer-limit')).toEqual([
      'client-output-buffer-limit',
      'normal 0 0 0 slave 1048576 524288 30 pubsub 33554432 8388608 60',
    ]);
    await r.call('CONFIG', 'SET', 'maxmemory-clients', '10%');
    expect(await r.call('CONFIG', 'GET', 'maxmemory-clients')).toEqual(['maxmemory-clients', '10%']);
    await r.call('CONFIG', 'SET', 'maxmemory-clients', '0');
    await r.call('CONFIG', 'SET', 'oom-score-adj', 'relative');
    expect(await r.call('CONFIG', 'GET', 'oom-score-adj')).toEqual(['oom-score-adj', 'yes']);
    await r.call('CONFIG', 'SET', 'shutdown-on-sigterm', 'force nosave');
    expect(await r.call('CONFIG', 'GET', 'shutdown-on-sigterm')).toEqual(['shutdown-on-sigterm', 'nosave force']);
  });

  it('serves notify-keyspace-events through the pub/sub module', async () => {
    expect(await r.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA')).toBe('OK');
    expect(await r.call('CONFIG', 'GET', 'notify-keyspace-events')).toEqual(['notify-keyspace-events', 'AKE']);
    expect(await error(r.call('CONFIG', 'SET', 'notify-keyspace-events', 'KQ'))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.",
    );
    await r.call('CONFIG', 'SET', 'notify-keyspace-events', '');
  });

  it('answers Redis error texts', async () => {
    expect(await error(r.call('CONFIG', 'SET', 'maxmemory'))).toBe("ERR wrong number of arguments for 'config|set' command");
    expect(await error(r.call('CONFIG', 'SET', 'maxmemory', '1', 'hz'))).toBe('ERR syntax error');
    expect(await error(r.call('CONFIG', 'SET', 'foo', '1', 'maxmemory', '1'))).toBe(
      "ERR Unknown option or number of arguments for CONFIG SET - 'foo'",
    );
    expect(await error(r.call('CONFIG', 'SET', 'daemonize', 'no', 'foo', '1'))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config",
    );
    expect(await error(r.call('CONFIG', 'SET', 'dir', tmp))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config",
    );
    expect(await error(r.call('CONFIG', 'SET', 'maxmemory', '0', 'MAXMEMORY', '1'))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'MAXMEMORY') - duplicate parameter",
    );
    expect(await error(r.call('CONFIG', 'SET', 'maxmemory', '0', 'hash-max-listpack-entries', '1', 'hash-max-ziplist-entries', '2'))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'hash-max-ziplist-entries') - duplicate parameter",
    );
    expect(await error(r.call('CONFIG', 'SET', 'maxmemory', 'abc'))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value",
    );
    expect(await error(r.call('CONFIG', 'SET', 'timeout', '1k'))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer",
    );
    expect(await error(r.call('CONFIG', 'SET', 'databases', '1'))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config",
    );
    expect(await error(r.call('CONFIG', 'SET', 'maxmemory-samples', '0'))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'maxmemory-samples') - argument must be between 1 and 2147483647 inclusive",
    );
    expect(await error(r.call('CONFIG', 'SET', 'maxclients', '-1'))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive",
    );
    expect(await error(r.call('CONFIG', 'SET', 'appendonly', 'maybe'))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'",
    );
    expect(await error(r.call('CONFIG', 'SET', 'maxmemory-policy', 'foo'))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction",
    );
    expect(await error(r.call('CONFIG', 'SET', 'save', '100 x'))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters",
    );
    expect(await error(r.call('CONFIG', 'SET', 'client-output-buffer-limit', 'master 1 1 1'))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Invalid client class specified in buffer limit configuration.",
    );
    expect(await error(r.call('CONFIG', 'SET', 'dbfilename', 'a/b', 'maxmemory', '1'))).toMatch(/can't set protected config|can't be a path/);
  });

  it('sets several parameters atomically: one bad value changes nothing', async () => {
    await r.call('CONFIG', 'SET', 'maxmemory', '0', 'timeout', '0');
    expect(await error(r.call('CONFIG', 'SET', 'maxmemory', '5mb', 'timeout', '7', 'appendonly', 'perhaps'))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'",
    );
    const m = await configGet(r, 'maxmemory', 'timeout', 'appendonly');
    expect(Object.fromEntries(m)).toEqual({ maxmemory: '0', timeout: '0', appendonly: 'no' });
    // A module's parameter that fails after others were set: those are put back.
    expect(await error(r.call('CONFIG', 'SET', 'timeout', '9', 'notify-keyspace-events', '!'))).toMatch(/Invalid event class character/);
    expect(await r.call('CONFIG', 'GET', 'timeout')).toEqual(['timeout', '0']);
    expect(await r.call('CONFIG', 'SET', 'maxmemory', '5mb', 'timeout', '7')).toBe('OK');
    expect(Object.fromEntries(await configGet(r, 'maxmemory', 'timeout'))).toEqual({ maxmemory: '5242880', timeout: '7' });
    await r.call('CONFIG', 'SET', 'maxmemory', '0', 'timeout', '0');
  });

  it('the server settings: maxclients, loglevel; port and bind, refused for a port in use', async () => {
    await r.call('CONFIG', 'SET', 'maxclients', '50', 'loglevel', 'verbose');
    expect(t.server.settings.maxclients).toBe(50);
    expect(t.server.settings.loglevel).toBe('verbose');
    await r.call('CONFIG', 'SET', 'maxclients', '10000', 'loglevel', 'warning');
    expect(await r.call('CONFIG', 'SET', 'port', String(t.port), 'bind', '127.0.0.1')).toBe('OK');
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as AddressInfo).port;
      expect(await error(r.call('CONFIG', 'SET', 'port', String(port)))).toBe(
        "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.",
      );
      expect(await r.call('CONFIG', 'GET', 'port')).toEqual(['port', String(t.port)]);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('every parameter can be set to the value CONFIG GET gives (the TCL suite\'s "CONFIG sanity")', async () => {
    const all = await configGet(r, '*');
    const skip = new Set(['dir', 'dbfilename']); // protected
    for (const [name, value] of all) {
      if (skip.has(name)) continue;
      const immutable = await r.call('CONFIG', 'SET', name, value).catch((e: Error) => e.message);
      if (immutable !== 'OK') expect(immutable).toMatch(/can't set immutable config/);
      expect(await r.call('CONFIG', 'GET', name)).toEqual([name, value]);
    }
  });
});

describe('CONFIG RESETSTAT, HELP, REWRITE without a file', () => {
  let t: TestServer;
  let r: Redis;
  beforeAll(async () => {
    t = await startServer();
    r = t.ioredis();
  });
  afterAll(() => t.close());

  it('RESETSTAT clears the command and error statistics', async () => {
    await r.call('SET', 'k', 'v');
    await r.call('GET', 'k');
    await error(r.call('INCR', 'k'));
    let info = (await r.call('INFO', 'commandstats', 'errorstats', 'stats')) as string;
    expect(info).toMatch(/cmdstat_set:calls=1,/);
    expect(info).toMatch(/errorstat_ERR:count=1/);
    expect(info).toMatch(/keyspace_hits:1\r\n/);
    expect(await r.call('CONFIG', 'RESETSTAT')).toBe('OK');
    info = (await r.call('INFO', 'commandstats', 'errorstats', 'stats')) as string;
    expect(info).not.toMatch(/cmdstat_set/);
    expect(info).not.toMatch(/errorstat_ERR/);
    expect(info).toMatch(/keyspace_hits:0\r\n/);
    expect(info).toMatch(/total_error_replies:0\r\n/);
  });

  it('HELP', async () => {
    const h = (await r.call('CONFIG', 'HELP')) as string[];
    expect(h[0]).toBe('CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    expect(h).toContain('REWRITE');
    expect(h[h.length - 1]).toBe('    Print this help.');
  });

  it('REWRITE without a config file', async () => {
    expect(await error(r.call('CONFIG', 'REWRITE'))).toBe('ERR The server is running without a config file');
  });

  it('unknown subcommand', async () => {
    expect(await error(r.call('CONFIG', 'FOO'))).toBe("ERR unknown subcommand 'FOO'. Try CONFIG HELP.");
  });
});

describe('CONFIG REWRITE', () => {
  it('rewrites the file in place: comments and layout kept, changed values updated, new ones appended', async () => {
    const file = join(tmp, 'rewrite.conf');
    writeFileSync(
      file,
      [
        '# memorykv test configuration',
        'port 0',
        'appendonly no',
        '',
        '# Memory',
        'maxmemory 1mb',
        'hash-max-ziplist-entries 64',
        'save 900 1',
        'save 300 10',
        'include ' + join(tmp, 'empty-*.conf'),
        '',
        '',
        '# the end',
        '',
      ].join('\n'),
    );
    const settings = parseServerArgs([file, '--bind', '127.0.0.1', '--loglevel', 'warning']);
    expect(settings.configFile).toBe(file);
    expect(settings.engine.maxmemory).toBe(1024 * 1024);
    expect(settings.extra.save).toBe('900 1 300 10');
    const server = new MemorykvServer(settings);
    applyConfiguredParams(server);
    await server.listen();
    const t = { server };
    try {
      const { Redis } = await import('ioredis');
      const r = new Redis({ port: t.server.settings.port, host: '127.0.0.1', lazyConnect: false });
      expect(await r.call('CONFIG', 'GET', 'hash-max-ziplist-entries')).toEqual(['hash-max-ziplist-entries', '64']);
      await r.call('CONFIG', 'SET', 'maxmemory', '2mb', 'save', '60 5', 'appendfsync', 'everysec', 'notify-keyspace-events', 'Kx', 'requirepass', 'a b"c');
      expect(await r.call('AUTH', 'a b"c')).toBe('OK');
      expect(await r.call('CONFIG', 'REWRITE')).toBe('OK');
      r.disconnect();
    } finally {
      await server.close();
    }
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n');
    expect(lines[0]).toBe('# memorykv test configuration');
    expect(lines).toContain('# Memory');
    expect(lines).toContain('# the end');
    expect(lines).toContain('maxmemory 2mb');
    expect(lines).toContain('hash-max-listpack-entries 64');
    expect(lines).toContain('save 60 5');
    expect(lines.filter((l) => l.startsWith('save '))).toEqual(['save 60 5']);
    expect(lines).toContain('include ' + join(tmp, 'empty-*.conf'));
    const sig = lines.indexOf('# Generated by CONFIG REWRITE');
    expect(sig).toBeGreaterThan(0);
    const after = lines.slice(sig);
    expect(after).toContain('appendfsync everysec');
    expect(after).toContain('notify-keyspace-events "xK"');
    expect(after).toContain('requirepass "a b\\"c"');
    expect(after).toContain(`dir "${process.cwd()}"`);
    expect(after).toContain('latency-tracking-info-percentiles 50 99 99.9');
    expect(after.filter((l) => l.startsWith('user '))).toEqual([expect.stringMatching(/^user default on (sanitize-payload )?#[0-9a-f]{64} ~\* &\* \+@all$/)]);
    // Defaults are not written; runs of empty lines collapse.
    expect(text).not.toMatch(/\n\n\n/);
    expect(after.some((l) => l.startsWith('timeout'))).toBe(false);
    // The rewritten file starts the same configuration again.
    const again = parseServerArgs([file]);
    expect(again.engine.maxmemory).toBe(2 * 1024 * 1024);
    expect(again.extra.save).toBe('60 5');
    expect(again.requirepass).toBe('a b"c');
    expect(again.extra['notify-keyspace-events']).toBe('xK');
    // Rewriting again: like Redis, the file's final newline becomes one empty line, then nothing changes.
    const server2 = new MemorykvServer(again);
    applyConfiguredParams(server2);
    const { rewriteConfig } = await import('../src/commands/config.ts');
    rewriteConfig(server2, file);
    const second = readFileSync(file, 'utf8');
    expect(second).toBe(text + '\n');
    rewriteConfig(server2, file);
    server2.engine.close();
    expect(readFileSync(file, 'utf8')).toBe(second);
  });

  it('comments out lines it cannot parse or no longer knows', async () => {
    const file = join(tmp, 'weird.conf');
    writeFileSync(file, 'maxmemory 1mb\n');
    const server = new MemorykvServer(parseServerArgs([file, '--appendonly', 'no']));
    applyConfiguredParams(server);
    writeFileSync(file, 'maxmemory 1mb\nnot-a-param 1\nbad "quote\n');
    const { rewriteConfig } = await import('../src/commands/config.ts');
    rewriteConfig(server, file);
    server.engine.close();
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines).toContain('# ??? not-a-param 1');
    expect(lines).toContain('# ??? bad "quote');
    expect(lines[0]).toBe('maxmemory 1mb');
  });
});

describe('config file and command line', () => {
  function fails(args: string[]): string {
    try {
      parseServerArgs(args);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigFileError);
      return (e as ConfigFileError).report;
    }
    throw new Error('expected a config error');
  }

  it('command line options as config lines, redis-server style', () => {
    const s = parseServerArgs(['--port', '7777', '--bind', '127.0.0.1', '::1', '--maxmemory', '100mb', '--save', '', '--appendonly', 'no']);
    expect(s.port).toBe(7777);
    expect(s.bind).toEqual(['127.0.0.1', '::1']);
    expect(s.engine.maxmemory).toBe(100 * 1024 * 1024);
    expect(s.extra.save).toBe('');
    expect(s.extra.appendonly).toBe('no');
    expect(s.configured).toEqual(['port', 'bind', 'maxmemory', 'save', 'appendonly']);
  });

  it('--save followed by another option or at the end means save ""', () => {
    expect(parseServerArgs(['--save', '--port', '1']).extra.save).toBe('');
    expect(parseServerArgs(['--port', '1', '--save']).extra.save).toBe('');
    expect(parseServerArgs(['--save', '60 1']).extra.save).toBe('60 1');
    expect(parseServerArgs(['--save', '60', '1', '--save', '30 2']).extra.save).toBe('60 1 30 2');
  });

  it('an option value may start with -- once its name was given', () => {
    expect(parseServerArgs(['--requirepass', '--secret']).requirepass).toBe('--secret');
  });

  it('every common redis-server flag', () => {
    const s = parseServerArgs([
      '--dir', tmp, '--requirepass', 'pw', '--maxmemory-policy', 'allkeys-lfu', '--tls-port', '0', '--loglevel', 'warning',
      '--logfile', '', '--daemonize', 'no', '--protected-mode', 'no', '--maxclients', '77', '--databases', '4',
      '--notify-keyspace-events', 'Ex', '--hz', '20', '--timeout', '5', '--tcp-keepalive', '60', '--client-output-buffer-limit', 'pubsub 1mb 1mb 0',
      '--latency-tracking', 'no', '--busy-reply-threshold', '100', '--enable-debug-command', 'yes',
    ]);
    expect(s.dir).toBe(tmp);
    expect(s.requirepass).toBe('pw');
    expect(s.engine['maxmemory-policy']).toBe('allkeys-lfu');
    expect(s.loglevel).toBe('warning');
    expect(s['protected-mode']).toBe(false);
    expect(s.maxclients).toBe(77);
    expect(s.engine.databases).toBe(4);
    expect(s.engine.hz).toBe(20);
    expect(s.extra['notify-keyspace-events']).toBe('xE');
    expect(s.extra['client-output-buffer-limit']).toBe('normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 1048576 0');
    expect(s.extra['enable-debug-command']).toBe('yes');
  });

  it('redis.conf quoting, comments, include (globs too), deprecated directives', () => {
    const inc = join(tmp, 'inc-1.conf');
    writeFileSync(inc, 'timeout 42\n');
    const file = join(tmp, 'main.conf');
    writeFileSync(
      file,
      [
        '# comment',
        '   ',
        'requirepass "a\\x41\\n b"',
        "masterauth 'it\\'s'",
        'include ' + join(tmp, 'inc-*.conf'),
        'include ' + join(tmp, 'nothing-*.conf'),
        'list-max-ziplist-entries 512',
        'user alice on >pw ~* +@all',
        '\tMAXMEMORY 2gb  \r',
      ].join('\n'),
    );
    const s = parseServerArgs([file, '--port', '1']);
    expect(s.requirepass).toBe('aA\n b');
    expect(s.extra.masterauth).toBe("it's");
    expect(s.extra.timeout).toBe('42');
    expect(s.engine.maxmemory).toBe(2 * 1024 ** 3);
    expect(s.users).toEqual([['alice', 'on', '>pw', '~*', '+@all']]);
  });

  it('bad lines stop with Redis\'s report (line number counted after the file)', () => {
    const server = new MemorykvServer(parseServerArgs(['--port', '7199', '--foo', 'bar', '--appendonly', 'no']));
    try {
      applyConfiguredParams(server);
      throw new Error('expected a config error');
    } catch (e) {
      expect((e as ConfigFileError).report).toBe(
        '\n*** FATAL CONFIG FILE ERROR (Redis 7.2.4) ***\nReading the configuration file, at line 3\n>>> \'foo "bar"\'\nBad directive or wrong number of arguments\n',
      );
    } finally {
      server.engine.close();
    }
    expect(fails(['--port', '7199', '--maxmemory', 'abc'])).toContain(">>> 'maxmemory \"abc\"'\nargument must be a memory value\n");
    const file = join(tmp, 't.conf');
    writeFileSync(file, 'port 7199\nsave 900 1\nsave 300 10\n');
    expect(fails([file, '--hz', '5', '--loglevel', 'bad'])).toContain(
      "at line 6\n>>> 'loglevel \"bad\"'\nargument(s) must be one of the following: debug, verbose, notice, warning, nothing\n",
    );
    writeFileSync(file, 'port 1\nrequirepass "unbalanced\n');
    expect(fails([file])).toContain("at line 2\n>>> 'requirepass \"unbalanced'\nUnbalanced quotes in configuration line\n");
    writeFileSync(file, 'maxmemory 1 2\n');
    expect(fails([file])).toContain('wrong number of arguments\n');
    expect(fails([join(tmp, 'missing.conf')])).toContain("Fatal error, can't open config file");
    expect(fails(['--sentinel', 'monitor', 'x'])).toContain('sentinel directive while not in sentinel mode');
    expect(fails(['--dir', join(tmp, 'nope')])).toContain('No such file or directory');
  });

  it('directives only a server module knows are checked once the server exists', () => {
    const s = parseServerArgs(['--port', '0', '--appendonly', 'no', '--no-such-directive', 'x']);
    const server = new MemorykvServer({ ...s, bind: ['127.0.0.1'] });
    try {
      expect(() => applyConfiguredParams(server)).toThrow(/Bad directive or wrong number of arguments/);
    } finally {
      server.engine.close();
    }
  });

  it('a module\'s parameter gets its value from the config', () => {
    const s = parseServerArgs(['--appendonly', 'no', '--notify-keyspace-events', 'KEg']);
    const server = new MemorykvServer(s);
    try {
      applyConfiguredParams(server);
      expect(server.params.get('notify-keyspace-events')!.get()).toBe('gKE');
    } finally {
      server.engine.close();
    }
  });
});
