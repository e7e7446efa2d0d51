/**
 * The server's durability (issue 4): the journal in the data directory, replies held until the
 * writes they show are durable, recovery on start, -LOADING meanwhile, -MISCONF after a failed
 * journal write. Crash tests with kill -9 are in crash.test.ts.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { GatedJournal } from '../../core/test/gated-journal.ts';
import { MemorykvServer, type ServerOptions } from '../src/server.ts';
import { persistenceOf } from '../src/commands/persistence.ts';
import type { ServerSettings } from '../src/settings.ts';
import { freePort } from './helpers.ts';

const BIN = resolve(import.meta.dirname, '../bin/memorykv-server.js');

const tmp = mkdtempSync(join(tmpdir(), 'memorykv-durability-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function start(settings: Partial<ServerSettings>, options: ServerOptions = {}) {
  const server = new MemorykvServer({ port: 0, bind: ['127.0.0.1'], loglevel: 'warning', ...settings }, options);
  const port = await server.listen();
  const clients: Redis[] = [];
  // No ready check: ioredis would wait out -LOADING itself instead of showing it.
  const client = () => {
    const r = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, enableReadyCheck: false });
    r.on('error', () => {});
    clients.push(r);
    return r;
  };
  const stop = async () => {
    for (const c of clients) c.disconnect();
    await server.close();
  };
  return { server, port, client, stop };
}

/** Whether a promise settled by the time the event loop has turned a few times. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 5));
  return done;
}

describe('journal in the data directory', () => {
  it('is on by default and everything written is there after a restart', async () => {
    const dir = join(tmp, 'restart');
    rmSync(dir, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    const a = await start({ dir });
    await a.server.ready;
    const r = a.client();
    expect(await r.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await r.config('GET', 'appendfsync')).toEqual(['appendfsync', 'always']);
    await r.set('s', 'v');
    await r.incrby('n', 5);
    await r.rpush('l', 'a', 'b', 'c');
    await r.hset('h', { f: '1', g: '2' });
    await r.zadd('z', 1, 'one', 2, 'two');
    await r.sadd('set', 'x', 'y');
    await r.set('ttl', 'v', 'EX', 1000);
    await r.set('gone', 'v');
    await r.del('gone');
    await r.multi().incr('n').lpop('l').exec();
    await r.spop('set'); // a random pop: the journal holds the member it removed
    const setAfter = await r.smembers('set');
    expect(setAfter).toHaveLength(1);
    await r.select(3);
    await r.set('in3', 'x');
    await a.stop();

    const b = await start({ dir });
    await b.server.ready;
    const q = b.client();
    expect(await q.get('s')).toBe('v');
    expect(await q.get('n')).toBe('6');
    expect(await q.lrange('l', 0, -1)).toEqual(['b', 'c']);
    expect(await q.hgetall('h')).toEqual({ f: '1', g: '2' });
    expect(await q.zrange('z', 0, -1, 'WITHSCORES')).toEqual(['one', '1', 'two', '2']);
    expect(await q.exists('gone')).toBe(0);
    const ttl = await q.ttl('ttl');
    expect(ttl).toBeGreaterThan(900);
    expect(ttl).toBeLessThanOrEqual(1000);
    await q.select(3);
    expect(await q.get('in3')).toBe('x');
    await q.select(0);
    expect((await q.smembers('set')).sort()).toEqual(setAfter.sort());
    const info = await q.info('persistence');
    expect(info).toContain('aof_enabled:1');
    expect(info).toContain('loading:0');
    await b.stop();
  });

  it('--appendonly no keeps no journal', async () => {
    const dir = join(tmp, 'cache');
    const { mkdirSync, existsSync } = await import('node:fs');
    mkdirSync(dir);
    const a = await start({ dir, extra: { appendonly: 'no' } });
    const r = a.client();
    await r.set('k', 'v');
    expect(persistenceOf(a.server)).toBeUndefined();
    await a.stop();
    expect(existsSync(join(dir, 'appendonlydir'))).toBe(false);
  });
});

describe('replies wait for durability (appendfsync always)', () => {
  it("a write's reply leaves only once its entry is durable; other clients' reads of it wait too", async () => {
    const journal = new GatedJournal('always');
    const s = await start({}, { journal });
    await s.server.ready;
    const writer = s.client();
    const reader = s.client();
    const bystander = s.client();
    await Promise.all([writer.ping(), reader.ping(), bystander.ping()]);

    const set = writer.set('k', 'v1');
    expect(await settled(set)).toBe(false);
    expect(journal.waiting).toBe(1);
    // The write is in memory, not durable: a reader of k waits for it, a reader of another key
    // does not.
    const read = reader.get('k');
    const other = bystander.get('unrelated');
    expect(await settled(read)).toBe(false);
    expect(await other).toBe(null);
    // A keyless read (DBSIZE, KEYS) cannot name what it read: it waits for every pending write.
    const size = bystander.dbsize();
    expect(await settled(size)).toBe(false);

    await journal.settle();
    expect(await set).toBe('OK');
    expect(await read).toBe('v1');
    expect(await size).toBe(1);
    await s.stop();
  });

  it('pipelined commands keep their order and all wait for the newest write they follow', async () => {
    const journal = new GatedJournal('always');
    const s = await start({}, { journal });
    await s.server.ready;
    const r = s.client();
    await r.ping();
    const p = r.pipeline().set('a', '1').get('a').incr('a').exec();
    expect(await settled(p)).toBe(false);
    await journal.settle(true);
    expect(await p).toEqual([
      [null, 'OK'],
      [null, '1'],
      [null, 2],
    ]);
    await s.stop();
  });

  it('a blocked client served by a push gets its reply once the pop is durable', async () => {
    const journal = new GatedJournal('always');
    const s = await start({}, { journal });
    await s.server.ready;
    const blocked = s.client();
    const pusher = s.client();
    await Promise.all([blocked.ping(), pusher.ping()]);
    const pop = blocked.blpop('q', 0);
    await new Promise((r) => setTimeout(r, 20));
    const push = pusher.rpush('q', 'x');
    expect(await settled(push)).toBe(false);
    expect(await settled(pop)).toBe(false);
    await journal.settle(true);
    expect(await push).toBe(1);
    expect(await pop).toEqual(['q', 'x']);
    await s.stop();
  });

  it('a failed journal write loses the connection of the waiting writer, then refuses data commands with MISCONF', async () => {
    const journal = new GatedJournal('always');
    const s = await start({}, { journal });
    await s.server.ready;
    const writer = s.client();
    const other = s.client();
    await Promise.all([writer.ping(), other.ping()]);
    const set = writer.set('k', 'v');
    expect(await settled(set)).toBe(false);
    await journal.failOne();
    await expect(set).rejects.toThrow();
    await expect(other.get('k')).rejects.toThrow(/^MISCONF Errors writing to the journal: .*No space left on device/);
    await expect(other.set('k2', 'v')).rejects.toThrow(/^MISCONF/);
    expect(await other.info('persistence')).toContain('aof_last_write_status:err');
    await s.stop();
  });
});

describe('recovery', () => {
  it('answers -LOADING while the journal is replayed, then serves the data', async () => {
    const journal = new GatedJournal('always');
    // 400k SETs in 40000 entries: replayed in slices (1000 entries each), between which the
    // server answers.
    for (let e = 0; e < 40000; e++) {
      const groups = [];
      for (let i = 0; i < 10; i++) groups.push([{ db: 0, argv: ['SET', `key:${e * 10 + i}`, 'v'] }]);
      journal.append(groups);
    }
    await journal.settle(true);
    const s = await start({}, { journal });
    const r = s.client();
    let loadingSeen = false;
    const infoDuring = await r.info('persistence').catch(() => '');
    for (;;) {
      try {
        const n = await r.dbsize();
        expect(n).toBe(400000);
        break;
      } catch (e) {
        expect((e as Error).message).toBe('LOADING Redis is loading the dataset in memory');
        loadingSeen = true;
      }
    }
    expect(loadingSeen).toBe(true);
    // INFO is allowed while loading and says so.
    expect(infoDuring).toContain('loading:1');
    expect(infoDuring).toMatch(/loading_loaded_perc:\d+\.\d\d/);
    expect(await r.get('key:399999')).toBe('v');
    await s.stop();
  });

  it('a journal whose checksum chain breaks stops the start, naming the sequence number', async () => {
    const journal = new GatedJournal('always');
    for (let e = 0; e < 5; e++) journal.append([[{ db: 0, argv: ['SET', `k${e}`, 'v'] }]]);
    await journal.settle(true);
    const bad = journal.stored.get(3)!;
    bad[bad.length - 1] ^= 1;
    const server = new MemorykvServer({ port: 0, bind: ['127.0.0.1'], loglevel: 'nothing' }, { journal });
    await expect(server.ready).rejects.toThrow('journal checksum chain broken at sequence number 3');
    await server.close();
  });
});

/** A small tmpfs stands for a full disk (mounting needs root: CI runs as root, a laptop may not). */
function mountTmpfs(dir: string, size: string, remount = false): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', remount ? `remount,size=${size}` : `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const fullDir = join(tmp, 'full');
mkdirSync(fullDir);
const canMount = mountTmpfs(fullDir, '4m');
afterAll(() => {
  // Lazily: this process may still map a file there (lmdb-js keeps environments it opened).
  if (canMount) execFileSync('umount', ['-l', fullDir]);
});

describe('a full disk', () => {
  it.skipIf(!canMount)('refuses with a clear error, and after the disk has room again every acknowledged write is there', async () => {
    const a = await start({ dir: fullDir, loglevel: 'nothing' });
    await a.server.ready;
    const writer = a.client();
    const other = a.client();
    await Promise.all([writer.ping(), other.ping()]);
    const value = 'x'.repeat(50_000);
    const acked: string[] = [];
    let failure = '';
    for (let i = 0; i < 1000 && failure === ''; i++) {
      await writer.set(`k${i}`, value).then(
        () => acked.push(`k${i}`),
        (e: Error) => (failure = e.message),
      );
    }
    expect(failure).not.toBe('');
    expect(acked.length).toBeGreaterThan(10);
    // ENOSPC from the commit, or EIO from the sync that follows it, depending on which meets it first.
    await expect(other.get('k0')).rejects.toThrow(/^MISCONF Errors writing to the journal: .*(No space left on device|Input\/output error)/);
    expect(await other.info('persistence')).toContain('aof_last_write_status:err');
    await a.stop();

    // A new process on the same directory once the disk has room again (as an operator would).
    expect(mountTmpfs(fullDir, '64m', true)).toBe(true);
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', fullDir, '--save', ''], { stdio: 'ignore' });
    try {
      const r = new Redis({ port, host: '127.0.0.1', enableReadyCheck: true, retryStrategy: (n) => (n > 100 ? null : 100) });
      r.on('error', () => {});
      for (let i = 0; i < acked.length; i += 20) {
        const keys = acked.slice(i, i + 20);
        expect(await r.mget(...keys)).toEqual(keys.map(() => value));
      }
      r.disconnect();
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
