import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { open, type Database } from 'lmdb';
import { afterEach, describe, expect, it } from 'vitest';
import type { Effect } from '../engine/shard.ts';
import { JournalCorruptError, JournalError, TickBatcher, type FsyncPolicy } from '../durability/journal.ts';
import { crashGroups } from '../../test/fixtures/journal-crash-child.ts';
import { openLmdbJournal, type LmdbJournal } from './journal-lmdb.ts';

const ALL_BYTES = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
const set = (k: string, v: string, db = 0): Effect => ({ db, argv: ['SET', k, v] });
const groupsOf = (i: number): Effect[][] => [[set(`k${i}`, `v${i}`, i % 4)], [set(`a${i}`, 'x'), { db: 0, argv: ['DEL', `b${i}`] }]];

const dirs: string[] = [];
const open_: LmdbJournal[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'memorykv-journal-'));
  dirs.push(d);
  return d;
}
function journal(path: string, policy: FsyncPolicy = 'always'): LmdbJournal {
  const j = openLmdbJournal({ path, policy });
  open_.push(j);
  return j;
}
afterEach(async () => {
  for (const j of open_.splice(0)) await j.close().catch(() => {});
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Opens the environment behind the journal's back (the journal must be closed). */
async function tamper(path: string, f: (entries: Database<Uint8Array, number>) => void): Promise<void> {
  const root = open({ path, maxDbs: 4 });
  f(root.openDB<Uint8Array, number>({ name: 'entries', encoding: 'binary' }));
  await root.close();
}

async function filled(path: string, n: number): Promise<void> {
  const j = journal(path);
  for (let i = 1; i <= n; i++) {
    j.append(groupsOf(i));
    if (i % 10 === 0) await j.whenDurable(); // several ticks, several transactions
  }
  await j.close();
}

function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('LMDB journal', () => {
  it('appends, reads back, reopens and continues the chain', async () => {
    const dir = tempDir();
    const j = journal(dir);
    expect([j.lastSeq, j.firstSeq, j.durableSeq]).toEqual([0, 1, 0]);
    for (let i = 1; i <= 25; i++) expect(j.append(groupsOf(i))).toBe(i);
    await j.whenDurable(25);
    expect(j.durableSeq).toBe(25);
    const crc = j.lastCrc;
    expect([...j.readFrom(1)].map((e) => e.groups)).toEqual(Array.from({ length: 25 }, (_, i) => groupsOf(i + 1)));
    await j.close();
    expect(() => j.append(groupsOf(26))).toThrow(JournalError);

    const k = journal(dir);
    expect([k.firstSeq, k.lastSeq, k.lastCrc, k.durableSeq]).toEqual([1, 25, crc, 25]);
    expect(k.append(groupsOf(26))).toBe(26);
    await k.whenDurable();
    const all = [...k.readFrom(1)];
    expect(all.length).toBe(26);
    expect(all[25]!.groups).toEqual(groupsOf(26));
    expect(all[24]!.crc).toBe(crc);
    expect([...k.readFrom(20, { prevCrc: k.chainAt(19).crc, to: 22 })].map((e) => e.seq)).toEqual([20, 21, 22]);
  });

  it.each(['always', 'everysec', 'no'] as const)('policy %s: entries become durable, sync and reopen work', async (policy) => {
    const dir = tempDir();
    const j = journal(dir, policy);
    const seen: number[] = [];
    j.onDurable((seq) => seen.push(seq));
    const seqs = [j.append(groupsOf(1)), j.append(groupsOf(2))];
    await j.whenDurable(seqs[1]);
    j.append(groupsOf(3));
    await j.sync();
    expect(j.durableSeq).toBe(3);
    expect(seen[seen.length - 1]).toBe(3);
    await j.close();
    // a journal written under one policy opens under another
    const other: FsyncPolicy = policy === 'always' ? 'no' : 'always';
    const k = journal(dir, other);
    expect(k.policy).toBe(other);
    expect([...k.readFrom(1)].map((e) => e.groups)).toEqual([groupsOf(1), groupsOf(2), groupsOf(3)]);
  });

  it('everysec syncs the environment periodically once something was committed, and on close', async () => {
    const dir = tempDir();
    const j = openLmdbJournal({ path: dir, policy: 'everysec', syncInterval: 10 });
    open_.push(j);
    const root = (j as unknown as { root: { sync(cb: (e?: Error | null) => void): void } }).root;
    let syncs = 0;
    let synced!: () => void;
    const firstSync = new Promise<void>((r) => (synced = r));
    const sync = root.sync.bind(root);
    root.sync = (cb) => {
      syncs++;
      synced();
      sync(cb);
    };
    j.append(groupsOf(1));
    await j.whenDurable(); // committed: durable under everysec before any sync
    await firstSync;
    const after = syncs;
    expect(after).toBeGreaterThanOrEqual(1);
    await j.close();
    expect(syncs).toBe(after + 1); // close syncs whatever the policy
  });

  it('keeps binary argv exact (all 256 byte values)', async () => {
    const dir = tempDir();
    const j = journal(dir);
    const reversed = ALL_BYTES.split('').reverse().join('');
    const groups = [[{ db: 15, argv: ['SET', ALL_BYTES, reversed] }], [{ db: 0, argv: ['HSET', '\u0000', '\u00ff\u0080', ''] }]];
    j.append(groups);
    await j.close();
    await tamper(dir, (entries) => {
      // MessagePack keeps the strings as UTF-8: bytes 128-255 take two bytes each
      expect(entries.get(1)!.length).toBeLessThan(5 + 2 * (256 + 128) + 64);
    });
    const k = journal(dir);
    const [e] = [...k.readFrom(1)];
    expect(e!.groups).toEqual(groups);
    expect(e!.groups[0]![0]!.argv[1]).toBe(ALL_BYTES);
  });

  it('packs a tick of groups into one entry (TickBatcher with setImmediate)', async () => {
    const dir = tempDir();
    const j = journal(dir);
    const b = new TickBatcher(j, setImmediate);
    const seqs = Array.from({ length: 100 }, (_, i) => b.add([set(`k${i}`, 'v')]));
    expect(new Set(seqs)).toEqual(new Set([1]));
    await j.whenDurable(1);
    const entries = [...j.readFrom(1)];
    expect(entries.length).toBe(1);
    expect(entries[0]!.groups.length).toBe(100);
  });

  it('truncates before a sequence number (in chunks) and the rest still verifies after reopening', async () => {
    const dir = tempDir();
    await filled(dir, 2500);
    const j = journal(dir);
    const at2099 = j.chainAt(2099);
    await j.truncateBefore(2100);
    expect(j.firstSeq).toBe(2100);
    await j.close();
    const k = journal(dir);
    expect([k.firstSeq, k.lastSeq]).toEqual([2100, 2500]);
    const rest = [...k.readFrom(2100, { prevCrc: at2099.crc })];
    expect(rest.map((e) => e.seq)).toEqual(Array.from({ length: 401 }, (_, i) => 2100 + i));
    expect(rest[0]!.groups).toEqual(groupsOf(2100));
    expect(caught(() => [...k.readFrom(2099)])).toBeInstanceOf(JournalError);
    await k.close();
    await tamper(dir, (entries) => {
      expect(entries.getKeysCount()).toBe(401);
    });
  });

  it('a fresh journal can start its chain where a restored snapshot ends', async () => {
    const dir = tempDir();
    const start = { seq: 5000, crc: 0x12345678 };
    let j = journal(dir);
    await j.close();
    // opened before but never written: start applies
    j = openLmdbJournal({ path: dir, start });
    open_.push(j);
    expect([j.firstSeq, j.lastSeq, j.lastCrc]).toEqual([5001, 5000, 0x12345678]);
    expect(j.append(groupsOf(1))).toBe(5001);
    await j.close();
    const k = openLmdbJournal({ path: dir, start: { seq: 1, crc: 1 } }); // ignored: the journal has a chain
    open_.push(k);
    expect([k.firstSeq, k.lastSeq]).toEqual([5001, 5001]);
    expect([...k.readFrom(5001, { prevCrc: start.crc })].map((e) => e.groups)).toEqual([groupsOf(1)]);
  });

  it.each(['always', 'no'] as const)('a read-only handle (%s writer) follows the writer’s commits and never writes', async (policy) => {
    const dir = tempDir();
    const w = journal(dir, policy);
    w.append(groupsOf(1));
    await w.whenDurable();
    const r = openLmdbJournal({ path: dir, readOnly: true });
    open_.push(r);
    expect([r.firstSeq, r.lastSeq]).toEqual([1, 1]);
    for (let i = 2; i <= 5; i++) w.append(groupsOf(i));
    await w.whenDurable();
    expect([r.lastSeq, r.lastCrc]).toEqual([5, w.lastCrc]);
    expect([...r.readFrom(1)].map((e) => e.groups)).toEqual([1, 2, 3, 4, 5].map(groupsOf));
    expect(r.chainAt(3)).toEqual(w.chainAt(3));
    expect(() => r.append(groupsOf(6))).toThrow(/read-only/);
    await expect(r.truncateBefore(2)).rejects.toThrow(/read-only/);
    await w.truncateBefore(3);
    expect(r.firstSeq).toBe(3);
    await r.close();
    // the writer's handle is still open
    expect(w.append(groupsOf(6))).toBe(6);
    await w.whenDurable();
    expect([...w.readFrom(3)].length).toBe(4);
  });

  it('a read-only handle in a worker thread reads while the writer appends', async () => {
    const dir = tempDir();
    const w = journal(dir);
    for (let i = 1; i <= 50; i++) w.append(groupsOf(i));
    await w.whenDurable();
    const self = new URL('./journal-lmdb.ts', import.meta.url).href;
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      import('tsx/esm/api').then(async ({ register }) => {
        register();
        const { openLmdbJournal } = await import(workerData.self);
        const r = openLmdbJournal({ path: workerData.dir, readOnly: true });
        const seqs = [];
        for (const e of r.readFrom(r.firstSeq)) seqs.push(e.seq);
        await r.close();
        parentPort.postMessage(seqs);
      }).catch((e) => parentPort.postMessage(String(e && e.stack || e)));`;
    const { Worker } = await import('node:worker_threads');
    const worker = new Worker(code, { eval: true, workerData: { dir, self } });
    let appending = true;
    const more = (): void => {
      if (!appending) return;
      w.append(groupsOf(w.lastSeq + 1));
      setImmediate(more);
    };
    more();
    const got = await new Promise<unknown>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    appending = false;
    await worker.terminate();
    expect(Array.isArray(got), String(got)).toBe(true);
    const seqs = got as number[];
    expect(seqs.length).toBeGreaterThanOrEqual(50);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    await w.whenDurable();
    expect([...w.readFrom(1)].length).toBe(w.lastSeq);
  });

  it('a modified entry breaks the chain at its sequence number', async () => {
    const dir = tempDir();
    await filled(dir, 30);
    await tamper(dir, (entries) => {
      const v = Uint8Array.from(entries.get(17)!);
      v[v.length - 2] ^= 0x20;
      entries.putSync(17, v);
    });
    const j = journal(dir);
    const read: number[] = [];
    const e = caught(() => {
      for (const x of j.readFrom(1)) read.push(x.seq);
    });
    expect(e).toBeInstanceOf(JournalCorruptError);
    expect((e as JournalCorruptError).seq).toBe(17);
    expect((e as Error).message).toContain('sequence number 17');
    expect(read).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
  });

  it('a missing entry (middle or last) breaks the chain at its sequence number', async () => {
    const dir = tempDir();
    await filled(dir, 30);
    await tamper(dir, (entries) => entries.removeSync(9));
    let j = journal(dir);
    expect((caught(() => [...j.readFrom(1)]) as JournalCorruptError).seq).toBe(9);
    await j.close();
    await tamper(dir, (entries) => entries.removeSync(30));
    j = journal(dir);
    // reading from after the hole still finds the missing tail
    expect((caught(() => [...j.readFrom(11)]) as JournalCorruptError).seq).toBe(30);
  });

  it('an entry moved to another sequence number breaks the chain', async () => {
    const dir = tempDir();
    await filled(dir, 10);
    await tamper(dir, (entries) => {
      const v4 = entries.get(4)!;
      const v5 = entries.get(5)!;
      entries.putSync(4, Uint8Array.from(v5));
      entries.putSync(5, Uint8Array.from(v4));
    });
    const j = journal(dir);
    expect((caught(() => [...j.readFrom(1)]) as JournalCorruptError).seq).toBe(4);
  });

  // 'no' acknowledges on commit without any sync: a killed process still loses nothing committed.
  it.each([
    ['always', 10],
    ['no', 4],
  ] as const)('crash test (%s, %i cycles): every sequence number acknowledged as durable survives kill -9, exactly, and nothing is invented', { timeout: 180_000 }, async (policy, cycles) => {
    const dir = tempDir();
    const child = fileURLToPath(new URL('../../test/fixtures/journal-crash-child.ts', import.meta.url));
    const root = fileURLToPath(new URL('../../../../', import.meta.url));
    const acknowledged = new Set<number>();
    let expectedStart = 0;
    let truncatedBefore = 1;
    for (let cycle = 0; cycle < cycles; cycle++) {
      const killAfter = 1 + Math.floor(Math.random() * 150);
      const { start, printed, signal, stderr } = await new Promise<{ start: number; printed: number[]; signal: string | null; stderr: string }>(
        (resolve, reject) => {
          const p = spawn(process.execPath, ['--import', 'tsx', child, dir, policy], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          let err = '';
          let killing = false;
          let count = 0;
          const kill = () => {
            if (killing) return;
            killing = true;
            // a random moment after the threshold: mid-commit, mid-sync or between ticks
            setTimeout(() => p.kill('SIGKILL'), Math.floor(Math.random() * 20));
          };
          // bound a cycle even if the child never reaches the threshold
          const bound = setTimeout(kill, 5000);
          p.stdout.setEncoding('latin1');
          p.stdout.on('data', (chunk: string) => {
            out += chunk;
            count += chunk.split('\n').length - 1;
            if (count > killAfter) kill();
          });
          p.stderr.setEncoding('utf8');
          p.stderr.on('data', (chunk: string) => (err += chunk));
          p.on('error', reject);
          p.on('close', (_code, sig) => {
            clearTimeout(bound);
            const lines = out.split('\n');
            lines.pop(); // a line without its newline was not printed whole
            const first = lines.shift() ?? '';
            if (!first.startsWith('ready ')) {
              reject(new Error(`child did not start: ${first} ${err}`));
              return;
            }
            resolve({ start: Number(first.slice(6)), printed: lines.map(Number), signal: sig, stderr: err });
          });
        },
      );
      expect(stderr).toBe('');
      expect(signal).toBe('SIGKILL');
      // the child resumed where the journal ended
      expect(start).toBe(expectedStart);
      for (const s of printed) {
        expect(Number.isSafeInteger(s) && s > start).toBe(true);
        acknowledged.add(s);
      }

      const j = journal(dir, policy);
      expect(j.firstSeq).toBe(truncatedBefore);
      const maxAck = Math.max(0, ...acknowledged);
      expect(j.lastSeq).toBeGreaterThanOrEqual(maxAck);
      let n = 0;
      // readFrom verifies the chain and contiguity; every entry must be exactly what the child wrote
      for (const e of j.readFrom(j.firstSeq)) {
        expect(e.groups).toEqual(crashGroups(e.seq));
        n++;
      }
      expect(n).toBe(j.lastSeq - j.firstSeq + 1);
      for (const s of acknowledged) expect(s >= j.firstSeq && s <= j.lastSeq).toBe(true);
      expectedStart = j.lastSeq;
      if (cycle % 3 === 2 && j.lastSeq > j.firstSeq) {
        // as after a snapshot: later cycles must still verify from the new first entry
        truncatedBefore = Math.floor((j.firstSeq + j.lastSeq) / 2);
        await j.truncateBefore(truncatedBefore);
        for (const s of [...acknowledged]) if (s < truncatedBefore) acknowledged.delete(s);
      }
      await j.close();
      open_.splice(open_.indexOf(j), 1);
    }
    expect(expectedStart).toBeGreaterThan(0);
  });
});

describe('one writer per journal', () => {
  it('refuses a second writer in this process or in a live other one, and takes over from a dead one', async () => {
    const path = mkdtempSync(join(tmpdir(), 'memorykv-journal-lock-'));
    try {
      const j = openLmdbJournal({ path });
      expect(() => openLmdbJournal({ path })).toThrow(/already open for writing in this process/);
      // A reader (the snapshot builder's handle) is no writer.
      const reader = openLmdbJournal({ path, readOnly: true });
      await reader.close();
      await j.close();
      // A live process holds it: its pid is in writer.pid (this test's parent process stands in).
      const { writeFileSync } = await import('node:fs');
      writeFileSync(join(path, 'writer.pid'), String(process.ppid));
      expect(() => openLmdbJournal({ path })).toThrow(new RegExp(`in use by process ${process.ppid}`));
      // A process that is gone (a crash) left its pid behind: taken over.
      writeFileSync(join(path, 'writer.pid'), '2147483646');
      const again = openLmdbJournal({ path });
      again.append([[{ db: 0, argv: ['SET', 'k', 'v'] }]]);
      await again.close();
    } finally {
      rmSync(path, { recursive: true, force: true });
    }
  });
});
