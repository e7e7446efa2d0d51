/**
 * Snapshots in the server (issue 4): SAVE / BGSAVE / BGREWRITEAOF / SNAPSHOT build them in the
 * Piscina worker, the journal is truncated behind them, a restart loads the newest verified
 * snapshot plus the journal tail, a corrupt newest snapshot falls back to the one before, a
 * truncated journal stops the start with a clear error, and an exported snapshot starts a fresh
 * data directory (`memorykv-server --restore FILE`).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { open } from 'lmdb';
import { afterAll, describe, expect, it } from 'vitest';
import { MemorykvServer } from '../src/server.ts';
import type { ServerSettings } from '../src/settings.ts';
import { freePort } from './helpers.ts';

const BIN = resolve(import.meta.dirname, '../bin/memorykv-server.js');
const tmp = mkdtempSync(join(tmpdir(), 'memorykv-snapshots-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function freshDir(name: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  return dir;
}

async function start(dir: string, settings: Partial<ServerSettings> = {}) {
  const server = new MemorykvServer({ port: 0, bind: ['127.0.0.1'], loglevel: 'nothing', dir, ...settings });
  const port = await server.listen();
  await server.ready;
  const r = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  r.on('error', () => {});
  return {
    server,
    r,
    async stop() {
      r.disconnect();
      await server.close();
    },
  };
}

function info(text: string, field: string): string {
  return new RegExp(`^${field}:(.*)\\r?$`, 'm').exec(text)?.[1] ?? '';
}

async function fill(r: Redis, prefix: string, n: number): Promise<void> {
  const p = r.pipeline();
  for (let i = 0; i < n; i++) p.set(`${prefix}:${i}`, `v${i}`);
  p.rpush(`${prefix}:list`, 'a', 'b');
  p.hset(`${prefix}:hash`, 'f', '1');
  p.zadd(`${prefix}:zset`, 1, 'm');
  await p.exec();
}

async function expectFilled(r: Redis, prefix: string, n: number): Promise<void> {
  const keys = Array.from({ length: n }, (_, i) => `${prefix}:${i}`);
  expect(await r.mget(...keys)).toEqual(keys.map((_, i) => `v${i}`));
  expect(await r.lrange(`${prefix}:list`, 0, -1)).toEqual(['a', 'b']);
  expect(await r.hgetall(`${prefix}:hash`)).toEqual({ f: '1' });
  expect(await r.zrange(`${prefix}:zset`, 0, -1)).toEqual(['m']);
}

/** Runs the binary until it exits (a start that must fail) or answers (then stops it). */
function runBinary(args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    child.on('exit', (code) => res({ code, output }));
  });
}

describe('snapshots', () => {
  it('SAVE, BGSAVE and BGREWRITEAOF build snapshots; the journal is truncated behind them; a restart loads snapshot + tail', async () => {
    const dir = freshDir('save');
    const a = await start(dir);
    await fill(a.r, 'one', 200);
    const before = Number(await a.r.lastsave());
    expect(await a.r.save()).toBe('OK');
    let p = await a.r.info('persistence');
    expect(info(p, 'rdb_saves')).toBe('1');
    expect(info(p, 'rdb_last_bgsave_status')).toBe('ok');
    expect(info(p, 'rdb_changes_since_last_save')).toBe('0');
    expect(Number(await a.r.lastsave())).toBeGreaterThanOrEqual(before);
    await fill(a.r, 'two', 100);
    expect(await a.r.bgsave()).toBe('Background saving started');
    // The caller of SAVE waits for the build; BGSAVE's does not: wait for it by SAVE-ing after.
    for (let i = 0; i < 200 && info(await a.r.info('persistence'), 'rdb_bgsave_in_progress') === '1'; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await fill(a.r, 'three', 50);
    expect(await a.r.bgrewriteaof()).toBe('Background append only file rewriting started');
    for (let i = 0; i < 200 && info(await a.r.info('persistence'), 'aof_rewrite_in_progress') === '1'; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    p = await a.r.info('persistence');
    expect(info(p, 'rdb_saves')).toBe('3');
    // Kept: the journal from the second newest snapshot on (its fallback), not from the start.
    expect(Number(info(p, 'memorykv_journal_first_seq'))).toBeGreaterThan(1);
    await fill(a.r, 'tail', 20);
    const list = (await a.r.call('SNAPSHOT', 'LIST')) as unknown[][];
    expect(list.length).toBeGreaterThanOrEqual(2);
    await a.stop();

    const b = await start(dir, { extra: { save: '' } });
    for (const [prefix, n] of [['one', 200], ['two', 100], ['three', 50], ['tail', 20]] as const) await expectFilled(b.r, prefix, n);
    expect(await b.r.dbsize()).toBe(370 + 4 * 3);
    await b.stop();
  }, 60_000);

  it('SAVE inside MULTI is refused as in Redis, and SAVE with appendonly no says there is no disk', async () => {
    const dir = freshDir('multi');
    const a = await start(dir);
    const res = await a.r.multi().set('k', 'v').save().exec().catch((e: Error) => e);
    expect(String(res)).toMatch(/EXECABORT/);
    await a.stop();
    const c = await start(freshDir('cache'), { extra: { appendonly: 'no' } });
    await expect(c.r.save()).rejects.toThrow('ERR this server keeps no data on disk (appendonly no)');
    await c.stop();
  });

  it('SNAPSHOT CREATE/LIST/DELETE, and an exported snapshot starts a fresh data directory (--restore)', async () => {
    const dir = freshDir('named');
    const a = await start(dir);
    await fill(a.r, 'x', 30);
    const created = (await a.r.call('SNAPSHOT', 'CREATE', 'before-upgrade')) as unknown[];
    expect(created).toContain('before-upgrade');
    expect(created).toContain('manual');
    await expect(a.r.call('SNAPSHOT', 'CREATE', 'before-upgrade')).rejects.toThrow("ERR a snapshot named 'before-upgrade' already exists");
    await a.r.set('x:after', '1');
    expect(await a.r.call('SNAPSHOT', 'EXPORT', 'before-upgrade', 'backup.mkv')).toBeGreaterThan(0);
    await expect(a.r.call('SNAPSHOT', 'EXPORT', 'nope', 'b.mkv')).rejects.toThrow("ERR no such snapshot 'nope'");
    // A second automatic one, then the named one can go (it is not the newest).
    await a.r.save();
    await a.r.call('SNAPSHOT', 'DELETE', 'before-upgrade');
    const names = ((await a.r.call('SNAPSHOT', 'LIST')) as unknown[][]).map((m) => m[3]);
    expect(names).not.toContain('before-upgrade');
    await a.stop();

    const fresh = freshDir('restored');
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', fresh, '--restore', join(dir, 'backup.mkv')], {
      stdio: 'ignore',
    });
    try {
      const r = new Redis({ port, host: '127.0.0.1', retryStrategy: (n) => (n > 100 ? null : 100) });
      r.on('error', () => {});
      await expectFilled(r, 'x', 30);
      expect(await r.exists('x:after')).toBe(0);
      // The restored directory's journal continues the snapshot's history.
      await r.set('y', '1');
      expect(Number(info(await r.info('persistence'), 'memorykv_journal_last_seq'))).toBeGreaterThan(1);
      r.disconnect();
    } finally {
      child.kill('SIGKILL');
    }
    // A directory that already has data is not restored over.
    const again = await runBinary(['--port', '0', '--dir', dir, '--unixsocket', join(tmp, 'never.sock'), '--restore', join(dir, 'backup.mkv')], dir);
    expect(again.code).toBe(1);
    expect(again.output).toMatch(/Can't load the data, exiting: ERR cannot restore into .*: it is not empty/);
  }, 60_000);

  it('a corrupt newest snapshot falls back to the one before (logged), with nothing lost', async () => {
    const dir = freshDir('corrupt');
    const a = await start(dir);
    await fill(a.r, 'p', 100);
    await a.r.save();
    await fill(a.r, 'q', 100);
    await a.r.save();
    await fill(a.r, 'tail', 10);
    await a.stop();
    // Flip a byte in the newest snapshot's first chunk, in its own LMDB environment.
    const env = open({ path: join(dir, 'appendonlydir', 'snapshots'), maxDbs: 4 });
    const meta = env.openDB<{ id: number; complete: boolean }, number>({ name: 'meta' });
    const chunks = env.openDB<Uint8Array, [number, number]>({ name: 'chunks', encoding: 'binary' });
    const newest = [...meta.getRange()].map((e) => e.value).filter((m) => m.complete).pop()!;
    const chunk = Uint8Array.from(chunks.get([newest.id, 0])!);
    chunk[chunk.length - 3] ^= 0xff;
    await chunks.put([newest.id, 0], chunk);
    await env.close();

    const logs: string[] = [];
    const server = new MemorykvServer({ port: 0, bind: ['127.0.0.1'], loglevel: 'notice', dir, extra: { save: '' } });
    server.log = (_level, message) => void logs.push(message);
    const port = await server.listen();
    await server.ready;
    const r = new Redis({ port, host: '127.0.0.1' });
    for (const [prefix, n] of [['p', 100], ['q', 100], ['tail', 10]] as const) await expectFilled(r, prefix, n);
    expect(logs.some((l) => new RegExp(`Snapshot ${newest.id} .*unusable: .*falling back`).test(l))).toBe(true);
    r.disconnect();
    await server.close();
  }, 60_000);

  it('a truncated journal file stops the start with a clear error', async () => {
    const dir = freshDir('truncated');
    const a = await start(dir, { extra: { save: '' } });
    await fill(a.r, 'k', 3000);
    await a.stop();
    const file = join(dir, 'appendonlydir', 'journal', 'data.mdb');
    truncateSync(file, Math.floor(statSync(file).size / 3));
    const { code, output } = await runBinary(['--port', '0', '--unixsocket', join(tmp, 'trunc.sock'), '--dir', dir], dir);
    expect(code).toBe(1);
    expect(output).toMatch(/Can't load the data, exiting: .*journal\/data.mdb is truncated: LMDB's last page ends at byte \d+, the file has \d+ bytes/);
    // Nothing was started on half the data: the directory still only holds what it held.
    expect(readdirSync(join(dir, 'appendonlydir')).sort()).toEqual(['journal', 'snapshots']);
  }, 60_000);
});
