/**
 * open({ path }) on Node (issue 4): LMDB journal and snapshots under a directory, snapshots built
 * in the worker. Restarts keep every type and TTL exactly (compared by DUMP and PEXPIRETIME),
 * recovery is snapshot + journal tail, restore starts a fresh directory from an exported file, and
 * a child process killed with SIGKILL while writing loses no acknowledged write.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Database, open, openSync, type OpenProgress } from '@memorykv/core';

const tmp = mkdtempSync(join(tmpdir(), 'memorykv-durable-'));
let n = 0;
const dir = () => join(tmp, `db${n++}`);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const LIB = "#!lua name=mylib\nredis.register_function('hello', function(keys, args) return 'hi ' .. args[1] end)";

/** One of every type, in two databases, with TTLs (relative and absolute) and a function library. */
async function fill(db: Database, tag: string): Promise<void> {
  await db.set(`str:${tag}`, 'hello');
  await db.set(`bin:${tag}`, new Uint8Array([0, 1, 2, 255, 254]));
  await db.incrby(`int:${tag}`, 42);
  await db.incrbyfloat(`float:${tag}`, 1.5);
  await db.call('SETBIT', `bits:${tag}`, 77, 1);
  await db.call('SETRANGE', `range:${tag}`, 5, 'xyz');
  await db.rpush(`list:${tag}`, 'a', 'b', 'c');
  await db.lpop(`list:${tag}`);
  await db.hset(`hash:${tag}`, { f1: 'v1', f2: 'v2' });
  await db.call('HINCRBYFLOAT', `hash:${tag}`, 'f3', '2.25');
  await db.sadd(`intset:${tag}`, 1, 2, 3);
  await db.sadd(`set:${tag}`, 'x', 'y', 'z');
  await db.call('SPOP', `set:${tag}`);
  await db.zadd(`zset:${tag}`, { a: 1, b: 2.5, c: -3 });
  await db.call('GEOADD', `geo:${tag}`, '13.361389', '38.115556', 'Palermo');
  await db.call('PFADD', `hll:${tag}`, 'a', 'b', 'c');
  await db.call('XADD', `stream:${tag}`, '1-1', 'f', 'v');
  await db.call('XADD', `stream:${tag}`, '*', 'g', 'w');
  await db.call('XGROUP', 'CREATE', `stream:${tag}`, 'grp', '0');
  await db.call('XREADGROUP', 'GROUP', 'grp', 'alice', 'COUNT', '1', 'STREAMS', `stream:${tag}`, '>');
  await db.set(`ttl:${tag}`, 'soon', { EX: 3600 });
  await db.set(`pxat:${tag}`, 'later', { PXAT: Date.now() + 7_200_000 });
  await db.call('PEXPIRE', `list:${tag}`, 5_000_000);
  await db.set(`gone:${tag}`, 'x');
  await db.del(`gone:${tag}`);
}

/** Everything a restart must keep: per database, each key's DUMP payload and absolute expiry. */
async function state(db: Database): Promise<unknown> {
  const out: Record<string, unknown> = {};
  for (const index of [0, 3]) {
    await db.select(index);
    const keys = ((await db.call('KEYS', '*')) as Uint8Array[]).map((k) => Buffer.from(k).toString('latin1')).sort();
    for (const k of keys) {
      const key = Buffer.from(k, 'latin1');
      // A stream's DUMP holds its groups' entries-read and consumers' seen times, which a
      // replay does not reproduce (see the report of issue 4): compare what a client sees.
      const value = k.startsWith('stream:')
        ? [await db.call('XRANGE', key, '-', '+'), await db.call('XPENDING', key, 'grp'), await db.call('XINFO', 'GROUPS', key).then((gs) => (gs as Record<string, unknown>[]).map((g) => [g.name, g['last-delivered-id'], g.pending]))]
        : Buffer.from((await db.call('DUMP', key)) as Uint8Array).toString('hex');
      out[`${index}/${k}`] = [value, await db.call('PEXPIRETIME', key)];
    }
  }
  await db.select(0);
  out.functions = await db.call('FUNCTION', 'DUMP');
  return out;
}

async function filled(path: string, more: (db: Database) => Promise<void> = async () => {}): Promise<unknown> {
  const db = await open({ path, decode: 'bytes', saveRules: [] });
  await fill(db, 'a');
  await db.call('FUNCTION', 'LOAD', LIB);
  await db.select(3);
  await fill(db, 'b');
  await db.select(0);
  await more(db);
  const s = await state(db);
  await db.close();
  return s;
}

describe('open({ path })', () => {
  it('a restart keeps every type, TTL and function library (journal alone)', async () => {
    const path = dir();
    const before = await filled(path);
    const db = await open({ path, decode: 'bytes', saveRules: [] });
    expect(db.durability!.recovered!.snapshot).toBeNull();
    expect(await state(db)).toEqual(before);
    expect(await db.call('FCALL', 'hello', '0', 'you')).toEqual(new TextEncoder().encode('hi you'));
    await db.close();
  });

  it('recovers from the newest snapshot (built in the worker) plus the journal tail', async () => {
    const path = dir();
    let snapSeq = 0;
    const before = await filled(path, async (db) => {
      const meta = await db.save();
      snapSeq = meta.seq;
      expect(meta.keys).toBeGreaterThan(30);
      // The first snapshot has none to fall back to: the journal is kept from its start.
      expect(db.durability!.journal.firstSeq).toBe(1);
      await db.set('after', 'snapshot');
      await db.del('str:a');
      await db.hset('hash:a', { f4: 'v4' });
    });
    const progress: OpenProgress[] = [];
    const db = await open({ path, decode: 'bytes', saveRules: [], onProgress: (p) => progress.push(p) });
    const r = db.durability!.recovered!;
    expect(r.snapshot!.seq).toBe(snapSeq);
    expect(r.entriesReplayed).toBeGreaterThan(0);
    expect(r.seq).toBe(snapSeq + r.entriesReplayed);
    expect(progress.some((p) => p.phase === 'snapshot')).toBe(true);
    expect(progress.at(-1)!.phase).toBe('journal');
    expect(await state(db)).toEqual(before);
    await db.close();
  });

  it('keeps data under durability everysec and no', async () => {
    for (const durability of ['everysec', 'no'] as const) {
      const path = dir();
      const db = await open({ path, durability, saveRules: [] });
      expect(db.durability!.journal.policy).toBe(durability);
      await db.set('k', durability);
      await db.rpush('l', 1, 2, 3);
      await db.close();
      const again = await open({ path, durability: 'always', saveRules: [] });
      expect(await again.get('k')).toBe(durability);
      expect(await again.lrange('l', 0, -1)).toEqual(['1', '2', '3']);
      await again.close();
    }
  });

  it('close() builds a final snapshot when save rules are set and something changed', async () => {
    const path = dir();
    const db = await open({ path, saveRules: [[3600, 1]] });
    await db.set('k', 'v');
    await db.close();
    const again = await open({ path, saveRules: [[3600, 1]] });
    expect(again.durability!.recovered!.snapshot).not.toBeNull();
    expect(again.durability!.recovered!.entriesReplayed).toBe(0);
    expect(await again.get('k')).toBe('v');
    // Nothing changed since: no new snapshot.
    await again.close();
    const third = await open({ path, saveRules: [] });
    expect(third.snapshots()).toHaveLength(1);
    await third.close();
  });

  it('restore: starts a fresh path from an exported snapshot file, and the journal continues it', async () => {
    const src = dir();
    const file = join(tmp, 'export.snap');
    let exported = 0;
    const before = await filled(src, async (db) => {
      await db.snapshot('release-1');
      exported = await db.exportSnapshot(file, 'release-1');
    });
    expect(exported).toBeGreaterThan(0);

    const path = dir();
    const progress: OpenProgress[] = [];
    const db = await open({ path, decode: 'bytes', restore: file, saveRules: [], onProgress: (p) => progress.push(p) });
    const restore = progress.filter((p) => p.phase === 'restore');
    expect(restore.length).toBeGreaterThan(0);
    expect(restore.at(-1)).toEqual({ phase: 'restore', bytesRead: exported, bytesTotal: exported });
    expect(progress.some((p) => p.phase === 'snapshot')).toBe(true);
    expect(await state(db)).toEqual(before);
    await db.set('new', 'write');
    await db.close({ save: false });

    const again = await open({ path, saveRules: [] });
    expect(await again.get('new')).toBe('write');
    expect(await again.get('str:a')).toBe('hello');
    expect(again.snapshots().map((m) => m.name)).toEqual(['release-1']);
    await again.close();

    // Never over existing data.
    await expect(open({ path, restore: file })).rejects.toThrow(/not empty/);
    const damaged = join(tmp, 'damaged.snap');
    writeFileSync(damaged, 'not a snapshot');
    const fresh = dir();
    await expect(open({ path: fresh, restore: damaged })).rejects.toThrow(/snapshot file is corrupt/);
  });

  it('refuses what it cannot honour', async () => {
    expect(() => openSync({ path: dir() })).toThrow(/openSync\(\) cannot open a durable database/);
    await expect(open({ restore: join(tmp, 'x.snap') })).rejects.toThrow(/needs the path/);
    const path = dir();
    mkdirSync(path);
    const db = await open({ path, saveRules: [] });
    // One writer per data directory in a process (lmdb-js would share the environment).
    await expect(open({ path: join(path, '.') })).rejects.toThrow(/already open for writing in this process/);
    await expect(db.snapshot('')).rejects.toThrow(/must not be empty/);
    await db.close();
    await expect(db.set('k', 'v')).rejects.toThrow(/closed/);
    // Closed, the path opens again.
    await (await open({ path, saveRules: [] })).close();
  });
});

/**
 * The crash test of the API: a child process writes through open({ path }) (4 writers, each
 * awaiting every call: SET of unique keys, some with a TTL, INCR, RPUSH, HSET; now and then a
 * snapshot), printing each acknowledged reply, and is killed with SIGKILL at a random moment;
 * reopened, every acknowledged write is there and at most the one call each writer had in flight
 * besides.
 */
// Unsharded, and over 3 shard threads each with its own journal, reopened for checking at 2 or 3
// shards in turn (so the slots are dealt anew after a crash, and back at the next start).
describe.each([
  { shards: 1, cycles: 8, check: [1] },
  { shards: 3, cycles: 4, check: [2, 3] },
])('crash ($shards shard(s))', ({ shards, cycles: CYCLES, check }) => {
  const WRITERS = 4;
  const child = fileURLToPath(new URL('../../test/fixtures/durable-crash-child.ts', import.meta.url));
  const root = fileURLToPath(new URL('../../../../', import.meta.url));

  interface Run {
    acks: string[][];
    signal: string | null;
    stderr: string;
  }

  /** Killed after `killAfter` acknowledgements, counted from the first finished snapshot when `afterSnapshot`. */
  function runChild(path: string, cycle: number, durability: string, afterSnapshot: boolean): Promise<Run> {
    const killAfter = 20 + Math.floor(Math.random() * 400);
    return new Promise((resolve, reject) => {
      const ackFile = join(tmp, `acks-${cycle}`);
      const p = spawn(process.execPath, ['--import', 'tsx', child, path, String(cycle), durability, String(WRITERS), ackFile, String(shards)], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let err = '';
      let killing = false;
      let count = 0;
      const kill = () => {
        if (killing) return;
        killing = true;
        // a random moment after the threshold: mid-commit, between ticks, during a snapshot
        setTimeout(() => p.kill('SIGKILL'), Math.floor(Math.random() * 20));
      };
      const bound = setTimeout(kill, 15_000);
      p.stdout.setEncoding('utf8');
      let counting = !afterSnapshot;
      p.stdout.on('data', (chunk: string) => {
        if (!counting && /^snapshot /m.test(chunk)) counting = true;
        if (counting) count += chunk.split('\n').length - 1;
        if (count > killAfter) kill();
      });
      p.stderr.setEncoding('utf8');
      p.stderr.on('data', (chunk: string) => (err += chunk));
      p.on('error', reject);
      p.on('close', (_code, signal) => {
        clearTimeout(bound);
        const lines = readFileSync(ackFile, 'latin1').split('\n');
        lines.pop(); // a line without its newline was not printed whole
        resolve({ acks: lines.map((l) => l.split(' ')), signal, stderr: err });
      });
    });
  }

  it(`every acknowledged write survives kill -9 (${CYCLES} cycles), nothing invented`, { timeout: 300_000 }, async () => {
    const path = dir();
    // What is known for sure after each cycle (exact values, established on reopen).
    const counters = new Array<number>(WRITERS).fill(0);
    const lists: string[][] = Array.from({ length: WRITERS }, () => []);
    const hashes: Record<string, string>[] = Array.from({ length: WRITERS }, () => ({}));
    const sets = new Map<string, string>();
    const ttls = new Set<string>();
    let snapshotsSeen = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const durability = cycle % 4 === 3 ? 'everysec' : 'always';
      // Every third cycle runs past a finished snapshot; the others are often killed mid-build.
      const run = await runChild(path, cycle, durability, cycle % 3 === 1);
      expect(run.stderr).toBe('');
      expect(run.signal).toBe('SIGKILL');
      expect(run.acks[0]).toEqual(['ready']);
      // The acknowledged calls of this cycle, per writer.
      const incrs = new Array<number>(WRITERS).fill(0);
      const pushed: string[][] = Array.from({ length: WRITERS }, () => []);
      const fields: [string, string][][] = Array.from({ length: WRITERS }, () => []);
      const setKeys: string[][] = Array.from({ length: WRITERS }, () => []);
      for (const [op, w, a, b] of run.acks.slice(1)) {
        const i = Number(w);
        if (op === 'S') {
          sets.set(a!, b!);
          setKeys[i]!.push(a!);
          if (a!.endsWith(':ttl')) ttls.add(a!);
        } else if (op === 'I') {
          incrs[i]!++;
          expect(Number(a)).toBe(counters[i]! + incrs[i]!);
        } else if (op === 'R') pushed[i]!.push(a!);
        else if (op === 'H') fields[i]!.push([a!, b!]);
        else if (op === 'snapshot') snapshotsSeen++;
      }

      const db = await open({ path, saveRules: [], shards: check[cycle % check.length]! });
      // Recovery started from the newest snapshot once there was one.
      if (snapshotsSeen > 0 && db instanceof Database) expect(db.durability!.recovered!.snapshot).not.toBeNull();
      for (let i = 0; i < WRITERS; i++) {
        // Counters: at least the last acknowledged value, at most one unacknowledged INCR more.
        const c = Number((await db.get(`counter:${i}`)) ?? 0);
        expect(c).toBeGreaterThanOrEqual(counters[i]! + incrs[i]!);
        expect(c).toBeLessThanOrEqual(counters[i]! + incrs[i]! + 1);
        counters[i] = c;
        // Lists: what was there, then every acknowledged push in order, then at most one more.
        const list = await db.lrange(`list:${i}`, 0, -1);
        const expected = [...lists[i]!, ...pushed[i]!];
        expect(list.slice(0, expected.length)).toEqual(expected);
        expect(list.length).toBeLessThanOrEqual(expected.length + 1);
        lists[i] = list;
        const hash = (await db.hgetall(`hash:${i}`)) as Record<string, string>;
        const want = { ...hashes[i]!, ...Object.fromEntries(fields[i]!) };
        for (const [f, v] of Object.entries(want)) expect(hash[f]).toBe(v);
        expect(Object.keys(hash).length).toBeLessThanOrEqual(Object.keys(want).length + 1);
        hashes[i] = hash;
        // Unique SET keys of this cycle: the acknowledged ones and at most one in flight.
        const present = await db.keys(`set:${cycle}:${i}:*`);
        expect(present.length).toBeLessThanOrEqual(setKeys[i]!.length + 1);
        for (const k of present) if (!sets.has(k)) sets.set(k, `v:${k}`);
      }
      for (const [k, v] of sets) expect(await db.get(k), k).toBe(v);
      for (const k of ttls) expect(await db.pttl(k), k).toBeGreaterThan(0);
      // Nothing but what the writers write.
      const all = await db.keys('*');
      for (const k of all) expect(k).toMatch(/^(set:\d+:\d+:\d+(:ttl)?|counter:\d|list:\d|hash:\d)$/);
      await db.close({ save: false });
    }
    expect(snapshotsSeen).toBeGreaterThan(0);
  });
});
