/**
 * INFO, COMMAND, SLOWLOG, LATENCY, MONITOR, MEMORY, LASTSAVE, SHUTDOWN, DEBUG and FUNCTION,
 * against redis-server 7.2's reply shapes and texts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { commands } from '@memorykv/core';
import { startServer, until, type TestServer } from './helpers.ts';

async function error(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error reply');
}

/** INFO text -> field map (section headers and blank lines skipped). */
function fields(info: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of info.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

function sections(info: string): string[] {
  return info
    .split('\r\n')
    .filter((l) => l.startsWith('# '))
    .map((l) => l.slice(2));
}

describe('INFO', () => {
  let t: TestServer;
  let r: Redis;
  beforeAll(async () => {
    t = await startServer();
    r = t.ioredis();
  });
  afterAll(() => t.close());

  it('default, all, everything, several sections, any case', async () => {
    const def = (await r.call('INFO')) as string;
    expect(sections(def)).toEqual(['Server', 'Clients', 'Memory', 'Persistence', 'Stats', 'Replication', 'CPU', 'Modules', 'Errorstats', 'Cluster', 'Keyspace']);
    expect(def.endsWith('\r\n')).toBe(true);
    expect(def).not.toContain('\r\n\r\n\r\n');
    const all = (await r.call('INFO', 'all')) as string;
    expect(sections(all)).toEqual([
      'Server', 'Clients', 'Memory', 'Persistence', 'Stats', 'Replication', 'CPU', 'Modules',
      'Commandstats', 'Errorstats', 'Latencystats', 'Cluster', 'Keyspace',
    ]);
    expect(sections((await r.call('INFO', 'everything')) as string)).toEqual(sections(all));
    expect(sections((await r.call('INFO', 'KEYSPACE', 'server', 'server')) as string)).toEqual(['Server', 'Keyspace']);
    expect(sections((await r.call('INFO', 'default', 'commandstats')) as string)).toContain('Commandstats');
    expect(await r.call('INFO', 'nosuchsection')).toBe('');
  });

  it('server fields', async () => {
    const f = fields((await r.call('INFO', 'server')) as string);
    expect(f.get('redis_version')).toBe('7.2.4');
    expect(f.get('memorykv_version')).toBe('0.1.0');
    expect(f.get('redis_mode')).toBe('standalone');
    expect(f.get('tcp_port')).toBe(String(t.port));
    expect(f.get('process_id')).toBe(String(process.pid));
    expect(f.get('arch_bits')).toMatch(/^(32|64)$/);
    expect(f.get('run_id')).toMatch(/^[0-9a-f]{40}$/);
    expect(f.get('hz')).toBe('10');
    expect(Number(f.get('uptime_in_seconds'))).toBeGreaterThanOrEqual(0);
    expect(f.get('uptime_in_days')).toBe('0');
    expect(f.get('config_file')).toBe('');
    expect(f.get('listener0')).toBe(`name=tcp,bind=127.0.0.1,port=${t.port}`);
  });

  it('memory fields follow the engine', async () => {
    await r.call('FLUSHALL');
    const before = fields((await r.call('INFO', 'memory')) as string);
    await r.call('SET', 'big', 'x'.repeat(100000));
    const after = fields((await r.call('INFO', 'memory')) as string);
    expect(Number(after.get('used_memory'))).toBeGreaterThanOrEqual(Number(before.get('used_memory')) + 100000);
    expect(after.get('used_memory_human')).toMatch(/^\d+\.\d\dM$|^\d+\.\d\dK$/);
    expect(after.get('maxmemory')).toBe('0');
    expect(after.get('maxmemory_human')).toBe('0B');
    expect(after.get('maxmemory_policy')).toBe('noeviction');
    expect(after.get('mem_allocator')).toBe('libc');
    await r.call('CONFIG', 'SET', 'maxmemory', '100mb');
    const m = fields((await r.call('INFO', 'memory')) as string);
    expect(m.get('maxmemory')).toBe('104857600');
    expect(m.get('maxmemory_human')).toBe('100.00M');
    await r.call('CONFIG', 'SET', 'maxmemory', '0');
    await r.call('DEL', 'big');
  });

  it('stats: commands, hits and misses, expired keys, connections', async () => {
    await r.call('CONFIG', 'RESETSTAT');
    await r.call('SET', 'a', '1');
    await r.call('GET', 'a');
    await r.call('GET', 'nokey');
    await r.call('SET', 'e', '1', 'PX', '1');
    await new Promise((res) => setTimeout(res, 5));
    await r.call('GET', 'e');
    const f = fields((await r.call('INFO', 'stats')) as string);
    expect(f.get('keyspace_hits')).toBe('1');
    expect(f.get('keyspace_misses')).toBe('2');
    expect(f.get('expired_keys')).toBe('1');
    // CONFIG RESETSTAT counts itself once done, as in Redis.
    expect(Number(f.get('total_commands_processed'))).toBe(6);
    const c2 = t.ioredis();
    await c2.call('PING');
    const g = fields((await r.call('INFO', 'stats', 'clients')) as string);
    expect(Number(g.get('total_connections_received'))).toBe(1);
    expect(Number(g.get('connected_clients'))).toBeGreaterThanOrEqual(2);
    expect(Number(g.get('total_net_input_bytes'))).toBeGreaterThan(0);
    c2.disconnect();
  });

  it('commandstats, errorstats: calls, failed and rejected calls, error codes', async () => {
    await r.call('CONFIG', 'RESETSTAT');
    await r.call('SET', 'k', 'v');
    await r.call('SET', 'k', 'v');
    await error(r.call('INCR', 'k'));
    await error(r.call('LPUSH', 'k', 'x'));
    await error(r.call('GET'));
    await error(r.call('NOSUCHCOMMAND'));
    await r.call('CONFIG', 'GET', 'hz');
    const info = (await r.call('INFO', 'commandstats', 'errorstats', 'stats')) as string;
    const f = fields(info);
    expect(f.get('cmdstat_set')).toMatch(/^calls=2,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0$/);
    expect(f.get('cmdstat_incr')).toMatch(/^calls=1,.*,rejected_calls=0,failed_calls=1$/);
    expect(f.get('cmdstat_get')).toMatch(/^calls=0,usec=0,usec_per_call=0\.00,rejected_calls=1,failed_calls=0$/);
    expect(f.get('cmdstat_config|get')).toMatch(/^calls=1,/);
    expect(f.get('errorstat_ERR')).toBe('count=3');
    expect(f.get('errorstat_WRONGTYPE')).toBe('count=1');
    expect(f.get('total_error_replies')).toBe('4');
  });

  it('commands of an EXEC count one by one, and EXEC itself', async () => {
    await r.call('CONFIG', 'RESETSTAT');
    const m = r.multi();
    m.call('SET', 'x', '1');
    m.call('INCR', 'x');
    await m.exec();
    const f = fields((await r.call('INFO', 'commandstats')) as string);
    expect(f.get('cmdstat_set')).toMatch(/^calls=1,/);
    expect(f.get('cmdstat_incr')).toMatch(/^calls=1,/);
    expect(f.get('cmdstat_exec')).toMatch(/^calls=1,/);
    expect(f.get('cmdstat_multi')).toMatch(/^calls=1,/);
  });

  it('latencystats: percentiles per command', async () => {
    await r.call('CONFIG', 'RESETSTAT');
    await r.call('PING');
    let f = fields((await r.call('INFO', 'latencystats')) as string);
    expect(f.get('latency_percentiles_usec_ping')).toMatch(/^p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}$/);
    await r.call('CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 99.99');
    f = fields((await r.call('INFO', 'latencystats')) as string);
    expect(f.get('latency_percentiles_usec_ping')).toMatch(/^p50=\d+\.\d{3},p99\.99=\d+\.\d{3}$/);
    await r.call('CONFIG', 'SET', 'latency-tracking', 'no');
    expect(fields((await r.call('INFO', 'latencystats')) as string).size).toBe(0);
    await r.call('CONFIG', 'SET', 'latency-tracking', 'yes', 'latency-tracking-info-percentiles', '50 99 99.9');
  });

  it('keyspace: keys, expires, avg_ttl per non-empty db', async () => {
    await r.call('FLUSHALL');
    await r.call('SET', 'a', '1');
    await r.call('SET', 'b', '1', 'EX', '100');
    await r.call('SELECT', '3');
    await r.call('SET', 'c', '1');
    await r.call('SELECT', '0');
    const info = (await r.call('INFO', 'keyspace')) as string;
    const f = fields(info);
    expect(f.get('db0')).toMatch(/^keys=2,expires=1,avg_ttl=\d+$/);
    const ttl = Number(/avg_ttl=(\d+)/.exec(f.get('db0')!)![1]);
    expect(ttl).toBeGreaterThan(90000);
    expect(ttl).toBeLessThanOrEqual(100000);
    expect(f.get('db3')).toBe('keys=1,expires=0,avg_ttl=0');
    expect(f.has('db1')).toBe(false);
  });

  it('a RESP3 client gets a verbatim string', async () => {
    const raw = await t.raw();
    raw.write('HELLO 3\r\n');
    await until(() => raw.received.length > 0);
    await new Promise((res) => setTimeout(res, 20));
    await raw.read(raw.received.length);
    raw.write('INFO cluster\r\n');
    const body = '# Cluster\r\ncluster_enabled:0\r\n';
    await raw.read(`=${body.length + 4}\r\ntxt:${body}\r\n`);
  });
});

describe('COMMAND', () => {
  let t: TestServer;
  let r: Redis;
  beforeAll(async () => {
    t = await startServer();
    r = t.ioredis();
  });
  afterAll(() => t.close());

  it('COUNT, COMMAND alone, INFO with no name', async () => {
    const n = (await r.call('COMMAND', 'COUNT')) as number;
    expect(n).toBe(commands.size);
    expect(n).toBeGreaterThan(150);
    expect(((await r.call('COMMAND')) as unknown[]).length).toBe(n);
    expect(((await r.call('COMMAND', 'INFO')) as unknown[]).length).toBe(n);
  });

  it('INFO: Redis 7.2 shape, key specs, subcommands, unknown names', async () => {
    const [get, nope, sub] = (await r.call('COMMAND', 'INFO', 'get', 'nosuchcommand', 'config|get')) as unknown[][];
    expect(get!.slice(0, 8)).toEqual(['get', 2, ['readonly', 'fast'], 1, 1, 1, ['@read', '@string', '@fast'], []]);
    expect(get![8]).toEqual([
      ['flags', ['RO', 'access'], 'begin_search', ['type', 'index', 'spec', ['index', 1]], 'find_keys', ['type', 'range', 'spec', ['lastkey', 0, 'keystep', 1, 'limit', 0]]],
    ]);
    expect(get![9]).toEqual([]);
    expect(nope).toBeNull();
    expect(sub!.slice(0, 7)).toEqual(['config|get', -3, ['admin', 'noscript', 'loading', 'stale'], 0, 0, 0, ['@admin', '@slow', '@dangerous']]);
    const [config] = (await r.call('COMMAND', 'INFO', 'CONFIG')) as unknown[][];
    expect(config![0]).toBe('config');
    const subs = (config![9] as unknown[][]).map((s) => s[0]).sort();
    expect(subs).toEqual(['config|get', 'config|help', 'config|resetstat', 'config|rewrite', 'config|set']);
    const [set] = (await r.call('COMMAND', 'INFO', 'config|set')) as unknown[][];
    expect(set![7]).toEqual(['request_policy:all_nodes', 'response_policy:all_succeeded']);
    const [mset] = (await r.call('COMMAND', 'INFO', 'mset')) as unknown[][];
    expect(mset!.slice(3, 6)).toEqual([1, -1, 2]);
  });

  it('DOCS: summary, since, group, complexity, history, subcommands', async () => {
    const docs = (await r.call('COMMAND', 'DOCS', 'get', 'nosuch', 'info')) as unknown[];
    expect(docs[0]).toBe('get');
    expect(docs[1]).toEqual(['summary', expect.any(String), 'since', '1.0.0', 'group', 'string', 'complexity', 'O(1)']);
    expect(docs[2]).toBe('info');
    expect(docs[3]).toContain('history');
    expect(docs).toHaveLength(4);
    const [name, cfg] = (await r.call('COMMAND', 'DOCS', 'config')) as [string, unknown[]];
    expect(name).toBe('config');
    const i = cfg.indexOf('subcommands');
    expect((cfg[i + 1] as unknown[]).filter((_, j) => j % 2 === 0)).toContain('config|get');
    const all = (await r.call('COMMAND', 'DOCS')) as unknown[];
    expect(all.length).toBe(2 * commands.size);
  });

  it('LIST with FILTERBY PATTERN, ACLCAT, MODULE', async () => {
    const all = (await r.call('COMMAND', 'LIST')) as string[];
    expect(all).toContain('get');
    expect(all).toContain('config|rewrite');
    expect(((await r.call('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'config*')) as string[]).sort()).toEqual([
      'config', 'config|get', 'config|help', 'config|resetstat', 'config|rewrite', 'config|set',
    ]);
    const hll = (await r.call('COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'hyperloglog')) as string[];
    expect(hll.sort()).toEqual(['pfadd', 'pfcount', 'pfdebug', 'pfmerge', 'pfselftest']);
    expect(await r.call('COMMAND', 'LIST', 'FILTERBY', 'MODULE', 'foo')).toEqual([]);
    expect(await error(r.call('COMMAND', 'LIST', 'FILTERBY', 'FOO', 'x'))).toBe('ERR syntax error');
    expect(await error(r.call('COMMAND', 'LIST', 'FILTERBY'))).toBe('ERR syntax error');
  });

  it('GETKEYS and GETKEYSANDFLAGS', async () => {
    expect(await r.call('COMMAND', 'GETKEYS', 'SET', 'k', 'v')).toEqual(['k']);
    expect(await r.call('COMMAND', 'GETKEYS', 'MSET', 'a', '1', 'b', '2')).toEqual(['a', 'b']);
    expect(await r.call('COMMAND', 'GETKEYS', 'ZUNIONSTORE', 'dst', '2', 'a', 'b')).toEqual(['dst', 'a', 'b']);
    expect(await r.call('COMMAND', 'GETKEYSANDFLAGS', 'GET', 'k')).toEqual([['k', ['RO', 'access']]]);
    expect(await error(r.call('COMMAND', 'GETKEYS', 'NOSUCH', 'k'))).toBe('ERR Invalid command specified');
    expect(await error(r.call('COMMAND', 'GETKEYS', 'PING', 'x'))).toBe('ERR The command has no key arguments');
    expect(await error(r.call('COMMAND', 'GETKEYS', 'GET'))).toBe('ERR Invalid number of arguments specified for command');
    expect(await error(r.call('COMMAND', 'GETKEYS'))).toBe("ERR wrong number of arguments for 'command|getkeys' command");
  });

  it('HELP and unknown subcommands', async () => {
    const h = (await r.call('COMMAND', 'HELP')) as string[];
    expect(h[0]).toBe('COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    expect(h).toContain('GETKEYSANDFLAGS <full-command>');
    expect(await error(r.call('COMMAND', 'FOO'))).toBe("ERR unknown subcommand 'FOO'. Try COMMAND HELP.");
  });
});

describe('SLOWLOG', () => {
  let t: TestServer;
  let r: Redis;
  beforeAll(async () => {
    t = await startServer();
    r = t.ioredis();
  });
  afterAll(() => t.close());

  it('logs commands at least as slow as slowlog-log-slower-than, newest first', async () => {
    await r.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await r.call('SLOWLOG', 'RESET');
    await r.call('CLIENT', 'SETNAME', 'slowpoke');
    await r.call('SET', 'foo', 'bar');
    const entries = (await r.call('SLOWLOG', 'GET')) as unknown[][];
    const set = entries.find((e) => (e[3] as string[])[0] === 'SET' || (e[3] as string[])[0] === 'set')!;
    expect(set).toHaveLength(6);
    expect(set[3]).toEqual(['set', 'foo', 'bar'].map((s, i) => (i === 0 ? (set[3] as string[])[0] : s)));
    expect(typeof set[0]).toBe('number');
    expect(Math.abs((set[1] as number) - Date.now() / 1000)).toBeLessThan(5);
    expect(set[2]).toBeGreaterThanOrEqual(0);
    expect(set[4]).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(set[5]).toBe('slowpoke');
    // Newest first, ids increasing.
    expect((entries[0]![0] as number) > (entries[entries.length - 1]![0] as number)).toBe(true);
    expect(await r.call('SLOWLOG', 'LEN')).toBeGreaterThanOrEqual(3);
    expect(await r.call('SLOWLOG', 'RESET')).toBe('OK');
    // SLOWLOG RESET itself is logged after the reset.
    expect(await r.call('SLOWLOG', 'LEN')).toBe(1);
  });

  it('logs each of a pipeline of fast commands (timed together) in order, before the next command timed alone', async () => {
    await r.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await r.call('CONFIG', 'RESETSTAT');
    await r.call('SLOWLOG', 'RESET');
    // One read: fast commands (GET, INCR, RPUSH, PING) and SET (constant time here) share one
    // clock read; SLOWLOG GET is timed alone and must see all of them logged first.
    const p = r.pipeline();
    p.set('pipe:a', '1');
    p.get('pipe:a');
    p.incr('pipe:n');
    p.rpush('pipe:l', 'x');
    p.ping();
    p.call('SLOWLOG', 'GET', '-1');
    p.incr('pipe:n');
    const out = (await p.exec())!;
    const entries = out[5]![1] as unknown[][];
    const names = entries.map((e) => (e[3] as string[])[0]!.toLowerCase());
    expect(names).toEqual(['ping', 'rpush', 'incr', 'get', 'set', 'slowlog']);
    const ids = entries.map((e) => e[0] as number);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    for (const e of entries) expect(e[2]).toBeGreaterThanOrEqual(0);
    // The INCR after SLOWLOG GET is logged too, once the read's commands end.
    const after = (await r.call('SLOWLOG', 'GET', '2')) as unknown[][];
    expect((after[0]![3] as string[]).map((a) => a.toLowerCase())).toEqual(['incr', 'pipe:n']);
    // Each is counted once, with its time, in commandstats and the latency histograms.
    const stats = fields((await r.call('INFO', 'commandstats')) as string);
    expect(stats.get('cmdstat_incr')).toMatch(/^calls=2,usec=\d+,usec_per_call=[\d.]+,rejected_calls=0,failed_calls=0$/);
    expect(stats.get('cmdstat_get')).toMatch(/^calls=1,/);
    const latency = fields((await r.call('INFO', 'latencystats')) as string);
    expect(latency.get('latency_percentiles_usec_incr')).toMatch(/^p50=[\d.]+,p99=[\d.]+,p99\.9=[\d.]+$/);
    // Too quick for SLOWLOG (the usual case): still counted and timed, and nothing logged.
    await r.call('CONFIG', 'SET', 'slowlog-log-slower-than', '1000000');
    await r.call('SLOWLOG', 'RESET');
    const q = r.pipeline();
    for (let i = 0; i < 10; i++) q.hset('pipe:h', `f${i}`, 'v');
    await q.exec();
    expect(await r.call('SLOWLOG', 'LEN')).toBe(0);
    expect(fields((await r.call('INFO', 'commandstats')) as string).get('cmdstat_hset')).toMatch(/^calls=10,usec=\d+,/);
    expect(fields((await r.call('INFO', 'latencystats')) as string).get('latency_percentiles_usec_hset')).toMatch(/^p50=[\d.]+,/);
    // A run of one command, interleaved with another, is counted command by command in the histograms.
    const t = r.pipeline();
    for (let i = 0; i < 6; i++) t.hset('pipe:h2', `f${i}`, 'v').incr('pipe:n2').incr('pipe:n2');
    await t.exec();
    const [, hist] = (await r.call('LATENCY', 'HISTOGRAM', 'hset', 'incr')) as [string, unknown[], string, unknown[]];
    expect(hist[1]).toBe(16);
    const histogram = hist[3] as number[];
    expect(histogram[histogram.length - 1]).toBe(16);
    expect(fields((await r.call('INFO', 'commandstats')) as string).get('cmdstat_incr')).toMatch(/^calls=14,/);
    await r.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
  });

  it('trims long commands and long arguments; redacts sensitive values', async () => {
    await r.call('SLOWLOG', 'RESET');
    const args = Array.from({ length: 40 }, (_, i) => String(i));
    await r.call('SADD', 'set', ...args);
    await r.call('SET', 'long', 'x'.repeat(200));
    await r.call('CONFIG', 'SET', 'requirepass', 'secret');
    await r.call('AUTH', 'secret');
    await r.call('CONFIG', 'SET', 'requirepass', '');
    const entries = (await r.call('SLOWLOG', 'GET', '-1')) as unknown[][];
    const argvs = entries.map((e) => e[3] as string[]);
    const sadd = argvs.find((a) => a[0]!.toLowerCase() === 'sadd')!;
    expect(sadd).toHaveLength(32);
    expect(sadd[31]).toBe('... (11 more arguments)');
    const long = argvs.find((a) => a[1] === 'long')!;
    expect(long[2]).toBe('x'.repeat(128) + '... (72 more bytes)');
    const cfg = argvs.filter((a) => a[0]!.toLowerCase() === 'config' && a[2] === 'requirepass');
    expect(cfg.map((a) => a[3])).toEqual(['(redacted)', '(redacted)']);
  });

  it('GET count, max length, disabled with -1, errors', async () => {
    await r.call('SLOWLOG', 'RESET');
    for (let i = 0; i < 5; i++) await r.call('PING');
    expect(((await r.call('SLOWLOG', 'GET', '2')) as unknown[]).length).toBe(2);
    await r.call('CONFIG', 'SET', 'slowlog-max-len', '3');
    await r.call('PING');
    expect(await r.call('SLOWLOG', 'LEN')).toBe(3);
    await r.call('CONFIG', 'SET', 'slowlog-log-slower-than', '-1');
    await r.call('SLOWLOG', 'RESET');
    await r.call('PING');
    expect(await r.call('SLOWLOG', 'LEN')).toBe(0);
    expect(await error(r.call('SLOWLOG', 'GET', '-2'))).toBe('ERR count should be greater than or equal to -1');
    expect(await error(r.call('SLOWLOG', 'GET', 'x'))).toBe('ERR value is not an integer or out of range');
    expect(((await r.call('SLOWLOG', 'HELP')) as string[])[0]).toBe('SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    await r.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000', 'slowlog-max-len', '128');
  });
});

describe('LATENCY', () => {
  let t: TestServer;
  let r: Redis;
  beforeAll(async () => {
    t = await startServer({ extra: { 'enable-debug-command': 'yes' } });
    r = t.ioredis();
  });
  afterAll(() => t.close());

  it('LATEST, HISTORY, RESET, DOCTOR, GRAPH after a spike over latency-monitor-threshold', async () => {
    expect(await r.call('LATENCY', 'LATEST')).toEqual([]);
    expect(await r.call('LATENCY', 'DOCTOR')).toMatch(/^Dave, no latency spike was observed/);
    await r.call('CONFIG', 'SET', 'latency-monitor-threshold', '10');
    await r.call('DEBUG', 'SLEEP', '0.05');
    const latest = (await r.call('LATENCY', 'LATEST')) as unknown[][];
    expect(latest).toHaveLength(1);
    expect(latest[0]![0]).toBe('command');
    expect(latest[0]![2]).toBeGreaterThanOrEqual(40);
    expect(latest[0]![3]).toBe(latest[0]![2]);
    const hist = (await r.call('LATENCY', 'HISTORY', 'command')) as number[][];
    expect(hist).toHaveLength(1);
    expect(hist[0]![1]).toBe(latest[0]![2]);
    expect(await r.call('LATENCY', 'HISTORY', 'nothing')).toEqual([]);
    expect(await r.call('LATENCY', 'DOCTOR')).toMatch(/1\. command: 1 latency spikes/);
    expect(await r.call('LATENCY', 'GRAPH', 'command')).toMatch(/^command - high \d+ ms, low \d+ ms \(all time high \d+ ms\)\n-{80}\n/);
    expect(await error(r.call('LATENCY', 'GRAPH', 'nothing'))).toBe("ERR No samples available for event 'nothing'");
    expect(await r.call('LATENCY', 'RESET', 'command', 'nothing')).toBe(1);
    expect(await r.call('LATENCY', 'LATEST')).toEqual([]);
    await r.call('CONFIG', 'SET', 'latency-monitor-threshold', '0');
  });

  it('HISTOGRAM: calls and cumulative buckets per command', async () => {
    await r.call('CONFIG', 'RESETSTAT');
    await r.call('SET', 'a', '1');
    await r.call('SET', 'a', '2');
    const h = (await r.call('LATENCY', 'HISTOGRAM', 'set', 'nosuch')) as unknown[];
    expect(h[0]).toBe('set');
    const body = h[1] as unknown[];
    expect(body.slice(0, 3)).toEqual(['calls', 2, 'histogram_usec']);
    const buckets = body[3] as number[];
    expect(buckets.length % 2).toBe(0);
    expect(buckets[buckets.length - 1]).toBe(2);
    const all = (await r.call('LATENCY', 'HISTOGRAM')) as unknown[];
    expect(all.filter((_, i) => i % 2 === 0)).toContain('set');
    // A container answers for its subcommands.
    await r.call('CONFIG', 'RESETSTAT');
    await r.call('CLIENT', 'ID');
    await r.call('CLIENT', 'GETNAME');
    const c = (await r.call('LATENCY', 'HISTOGRAM', 'client')) as unknown[];
    expect(c.filter((_, i) => i % 2 === 0).sort()).toEqual(['client|getname', 'client|id']);
  });
});

describe('MONITOR', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer();
  });
  afterAll(() => t.close());

  it('streams every command as Redis formats it, admin commands excepted', async () => {
    const r = t.ioredis();
    await r.call('PING');
    const mon = await t.raw();
    mon.write('MONITOR\r\n');
    await mon.read('+OK\r\n');
    await r.call('SET', 'k', 'v "q"\n');
    await r.call('SELECT', '2');
    await r.call('GET', 'k');
    await r.call('CONFIG', 'GET', 'hz');
    await r.call('PING');
    await until(() => mon.received.split('\r\n').length > 4);
    const lines = mon.received.split('\r\n').filter((l) => l !== '');
    expect(lines[0]).toMatch(/^\+\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "set" "k" "v \\"q\\"\\n"$/i);
    expect(lines[1]).toMatch(/^\+\d+\.\d{6} \[2 127\.0\.0\.1:\d+\] "select" "2"$/i);
    expect(lines[2]).toMatch(/\[2 127\.0\.0\.1:\d+\] "get" "k"$/i);
    expect(lines[3]).toMatch(/"ping"$/i);
    expect(lines.some((l) => /config/i.test(l))).toBe(false);
  });

  it('shows MULTI, the queued commands and EXEC, in execution order', async () => {
    const r = t.ioredis();
    await r.call('PING');
    const mon = await t.raw();
    mon.write('MONITOR\r\n');
    await mon.read('+OK\r\n');
    await r.multi().call('INCR', 'n').call('INCR', 'n').exec();
    await until(() => mon.received.split('\r\n').length > 4);
    const cmds = mon.received
      .split('\r\n')
      .filter((l) => l !== '')
      .map((l) => /\] "([a-z]+)"/i.exec(l)![1]!.toLowerCase());
    expect(cmds).toEqual(['multi', 'incr', 'incr', 'exec']);
  });

  it("shows a script before the commands it runs, those as the script's ([db lua])", async () => {
    const r = t.ioredis();
    await r.call('PING');
    const mon = await t.raw();
    mon.write('MONITOR\r\n');
    await mon.read('+OK\r\n');
    await r.call('EVAL', "return redis.call('set', KEYS[1], ARGV[1])", '1', 'foo', 'bar');
    await until(() => mon.received.split('\r\n').length > 2);
    const lines = mon.received.split('\r\n').filter((l) => l !== '');
    expect(lines[0]).toMatch(/\[0 127\.0\.0\.1:\d+\] "EVAL" "return redis\.call\('set', KEYS\[1\], ARGV\[1\]\)" "1" "foo" "bar"$/i);
    expect(lines[1]).toMatch(/^\+\d+\.\d{6} \[0 lua\] "set" "foo" "bar"$/);
  });
});

describe('MEMORY, LASTSAVE, FUNCTION', () => {
  let t: TestServer;
  let r: Redis;
  beforeAll(async () => {
    t = await startServer();
    r = t.ioredis();
  });
  afterAll(() => t.close());

  it('MEMORY USAGE follows the value size; missing key is null; SAMPLES checked', async () => {
    await r.call('SET', 'small', 'x');
    await r.call('SET', 'large', 'x'.repeat(10000));
    const small = (await r.call('MEMORY', 'USAGE', 'small')) as number;
    const large = (await r.call('MEMORY', 'USAGE', 'large', 'SAMPLES', '0')) as number;
    expect(small).toBeGreaterThan(0);
    expect(large - small).toBeGreaterThanOrEqual(9990);
    await r.call('RPUSH', 'list', ...Array.from({ length: 1000 }, (_, i) => `element-${i}`));
    expect((await r.call('MEMORY', 'USAGE', 'list')) as number).toBeGreaterThan(10000);
    expect(await r.call('MEMORY', 'USAGE', 'missing')).toBeNull();
    expect(await error(r.call('MEMORY', 'USAGE', 'small', 'SAMPLES'))).toBe('ERR syntax error');
    expect(await error(r.call('MEMORY', 'USAGE', 'small', 'SAMPLES', '-1'))).toBe('ERR syntax error');
    expect(await error(r.call('MEMORY', 'USAGE', 'small', 'SAMPLES', 'x'))).toBe('ERR value is not an integer or out of range');
  });

  it('MEMORY STATS, DOCTOR, MALLOC-STATS, PURGE, HELP', async () => {
    const stats = (await r.call('MEMORY', 'STATS')) as unknown[];
    const keys = stats.filter((_, i) => i % 2 === 0);
    expect(keys.slice(0, 3)).toEqual(['peak.allocated', 'total.allocated', 'startup.allocated']);
    expect(keys).toContain('db.0');
    expect(keys).toContain('keys.count');
    expect(keys[keys.length - 1]).toBe('fragmentation.bytes');
    expect(stats[stats.indexOf('keys.count') + 1]).toBe(3);
    expect(await r.call('MEMORY', 'DOCTOR')).toMatch(/^Hi Sam/);
    expect(await r.call('MEMORY', 'MALLOC-STATS')).toBe('Stats not supported for the current allocator');
    expect(await r.call('MEMORY', 'PURGE')).toBe('OK');
    expect(((await r.call('MEMORY', 'HELP')) as string[])[0]).toBe('MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
  });

  it('LASTSAVE', async () => {
    const t0 = (await r.call('LASTSAVE')) as number;
    expect(Math.abs(t0 - Date.now() / 1000)).toBeLessThan(120);
  });

  it('MODULE: a server without Redis modules', async () => {
    expect(await r.call('MODULE', 'LIST')).toEqual([]);
    expect(((await r.call('MODULE', 'HELP')) as string[])[0]).toBe('MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    expect(await error(r.call('MODULE', 'LOAD', '/x.so'))).toBe(
      'ERR MODULE command not allowed. If the enable-module-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.',
    );
    const t2 = await startServer({ extra: { 'enable-module-command': 'yes' } });
    try {
      const r2 = t2.ioredis();
      expect(await error(r2.call('MODULE', 'LOAD', '/x.so'))).toBe('ERR Error loading the extension. Please check the server logs.');
      expect(await error(r2.call('MODULE', 'UNLOAD', 'x'))).toBe('ERR Error unloading module: no such module with that name');
    } finally {
      await t2.close();
    }
  });

  it('FUNCTION FLUSH and LIST answer as a server without libraries', async () => {
    expect(await r.call('FUNCTION', 'FLUSH')).toBe('OK');
    expect(await r.call('FUNCTION', 'FLUSH', 'ASYNC')).toBe('OK');
    expect(await error(r.call('FUNCTION', 'FLUSH', 'NOW'))).toBe('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
    expect(await r.call('FUNCTION', 'LIST')).toEqual([]);
    expect(await r.call('FUNCTION', 'LIST', 'WITHCODE', 'LIBRARYNAME', 'x*')).toEqual([]);
    expect(await error(r.call('FUNCTION', 'DELETE', 'lib'))).toBe('ERR Library not found');
    expect(await error(r.call('FUNCTION', 'KILL'))).toBe('NOTBUSY No scripts in execution right now.');
  });
});

describe('DEBUG', () => {
  let t: TestServer;
  let r: Redis;
  beforeAll(async () => {
    t = await startServer({ extra: { 'enable-debug-command': 'yes' } });
    r = t.ioredis();
  });
  afterAll(() => t.close());

  it('is refused unless enable-debug-command allows it', async () => {
    const t2 = await startServer();
    try {
      const r2 = t2.ioredis();
      expect(await error(r2.call('DEBUG', 'HELP'))).toBe(
        'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.',
      );
    } finally {
      await t2.close();
    }
    const t3 = await startServer({ extra: { 'enable-debug-command': 'local' } });
    try {
      expect(await t3.ioredis().call('DEBUG', 'LOG', 'hello')).toBe('OK');
    } finally {
      await t3.close();
    }
  });

  it('OBJECT, SDSLEN, LOG, SLEEP, RELOAD, SET-ACTIVE-EXPIRE, ERROR', async () => {
    await r.call('SET', 'k', 'hello');
    await r.call('SET', 'n', '12345');
    await r.call('RPUSH', 'l', 'a', 'b');
    expect(await r.call('DEBUG', 'OBJECT', 'k')).toMatch(/^Value at:0x[0-9a-f]+ refcount:1 encoding:embstr serializedlength:\d+ lru:\d+ lru_seconds_idle:\d+$/);
    expect(await r.call('DEBUG', 'OBJECT', 'n')).toMatch(/encoding:int /);
    expect(await r.call('DEBUG', 'OBJECT', 'l')).toMatch(/encoding:listpack /);
    expect(await error(r.call('DEBUG', 'OBJECT', 'missing'))).toBe('ERR no such key');
    expect(await r.call('DEBUG', 'SDSLEN', 'k')).toMatch(/^key_sds_len:1, key_sds_avail:0, key_zmalloc: \d+, val_sds_len:5, val_sds_avail:0, val_zmalloc: \d+$/);
    expect(await r.call('DEBUG', 'LOG', 'test message')).toBe('OK');
    expect(await r.call('DEBUG', 'SLEEP', '0')).toBe('OK');
    expect(await r.call('DEBUG', 'RELOAD')).toBe('OK');
    expect(await r.call('GET', 'k')).toBe('hello');
    expect(await error(r.call('DEBUG', 'RELOAD', 'BAD'))).toBe('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
    expect(await error(r.call('DEBUG', 'ERROR', 'MYERR some text'))).toBe('MYERR some text');
    expect(await error(r.call('DEBUG', 'NOSUCH'))).toBe("ERR unknown subcommand or wrong number of arguments for 'NOSUCH'. Try DEBUG HELP.");
    expect(((await r.call('DEBUG', 'HELP')) as string[])[0]).toBe('DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
  });

  it('SET-ACTIVE-EXPIRE 0 keeps expired keys until they are read', async () => {
    await r.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    await r.call('SET', 'ttl', '1', 'PX', '1');
    await new Promise((res) => setTimeout(res, 250));
    expect(await r.call('DBSIZE')).toBeGreaterThanOrEqual(1);
    expect(t.server.engine.shard.dbs[0]!.main.has('ttl')).toBe(true);
    await r.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
    await until(() => !t.server.engine.shard.dbs[0]!.main.has('ttl'), 3000, 'active expiry');
  });

  it('DIGEST and DIGEST-VALUE: order-free for sets and hashes, changed by any write', async () => {
    await r.call('FLUSHALL');
    expect(await r.call('DEBUG', 'DIGEST')).toBe('0'.repeat(40));
    await r.call('SADD', 's', 'a', 'b', 'c');
    await r.call('HSET', 'h', 'f1', 'v1', 'f2', 'v2');
    await r.call('RPUSH', 'l', 'x', 'y');
    await r.call('ZADD', 'z', '1', 'm', '2.5', 'n');
    const d1 = (await r.call('DEBUG', 'DIGEST')) as string;
    expect(d1).toMatch(/^[0-9a-f]{40}$/);
    await r.call('DEL', 's');
    await r.call('SADD', 's', 'c', 'b', 'a');
    expect(await r.call('DEBUG', 'DIGEST')).toBe(d1);
    const [vs, vmissing] = (await r.call('DEBUG', 'DIGEST-VALUE', 's', 'missing')) as string[];
    expect(vs).toMatch(/^[0-9a-f]{40}$/);
    expect(vmissing).toBe('0'.repeat(40));
    await r.call('RPUSH', 'l', 'z');
    expect(await r.call('DEBUG', 'DIGEST')).not.toBe(d1);
    await r.call('RPOP', 'l');
    expect(await r.call('DEBUG', 'DIGEST')).toBe(d1);
    await r.call('EXPIRE', 'l', '100');
    expect(await r.call('DEBUG', 'DIGEST')).not.toBe(d1);
  });

  it('POPULATE', async () => {
    await r.call('FLUSHALL');
    expect(await r.call('DEBUG', 'POPULATE', '10')).toBe('OK');
    expect(await r.call('DBSIZE')).toBe(10);
    expect(await r.call('GET', 'key:3')).toBe('value:3');
    await r.call('DEBUG', 'POPULATE', '2', 'p', '10');
    expect(await r.call('GET', 'p:1')).toBe('value:1\0\0\0');
    expect(await error(r.call('DEBUG', 'POPULATE', '-1'))).toBe('ERR value is out of range, must be positive');
  });

  it('PROTOCOL replies every RESP3 type', async () => {
    const raw = await t.raw();
    raw.write('HELLO 3\r\n');
    await until(() => raw.received.includes('modules'));
    await new Promise((res) => setTimeout(res, 20));
    await raw.read(raw.received.length);
    const expect3: [string, string][] = [
      ['string', '$11\r\nHello World\r\n'],
      ['integer', ':12345\r\n'],
      ['double', ',3.141\r\n'],
      ['bignum', '(1234567999999999999999999999999999999\r\n'],
      ['null', '_\r\n'],
      ['array', '*3\r\n:0\r\n:1\r\n:2\r\n'],
      ['set', '~3\r\n:0\r\n:1\r\n:2\r\n'],
      ['map', '%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n'],
      ['true', '#t\r\n'],
      ['false', '#f\r\n'],
      ['verbatim', '=29\r\ntxt:This is a verbatim\nstring\r\n'],
      ['push', '>2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n$40\r\nSome real reply following the push reply\r\n'],
    ];
    for (const [type, reply] of expect3) {
      raw.write(`DEBUG PROTOCOL ${type}\r\n`);
      await raw.read(reply);
    }
    raw.write('DEBUG PROTOCOL nosuch\r\n');
    await raw.read('-ERR Wrong protocol type name.');
  });
});

describe('SHUTDOWN', () => {
  it('checks its arguments, then closes the server without a reply', async () => {
    const t = await startServer();
    const r = t.ioredis();
    expect(await error(r.call('SHUTDOWN', 'SAVE', 'NOSAVE'))).toBe('ERR syntax error');
    expect(await error(r.call('SHUTDOWN', 'ABORT', 'NOW'))).toBe('ERR syntax error');
    expect(await error(r.call('SHUTDOWN', 'FOO'))).toBe('ERR syntax error');
    expect(await error(r.call('SHUTDOWN', 'ABORT'))).toBe('ERR No shutdown in progress.');
    expect(await error(r.multi().call('SHUTDOWN').exec().then((x) => x))).toMatch(/EXECABORT|not allowed/);
    const raw = await t.raw();
    raw.write('SHUTDOWN NOSAVE\r\n');
    await raw.closed();
    expect(raw.received).toBe('');
    await until(() => t.server.clients.size === 0, 3000, 'clients closed');
    await t.close();
  });
});
