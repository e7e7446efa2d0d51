import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { testEngine } from '../../test/util.ts';
import { Engine } from '../engine/engine.ts';
import type { Effect } from '../engine/shard.ts';
import { MemoryJournal } from '../durability/journal.ts';
import { canonicalRecords } from '../durability/snapshot-codec.ts';
import { SnapshotError, buildSnapshot, pruneSnapshots, recover, verifySnapshot } from '../durability/snapshot.ts';
import { LmdbSnapshotStore, exportSnapshotFile, restoreFromFile, snapshotStorePath } from './snapshot-lmdb.ts';

const dirs: string[] = [];
const stores: LmdbSnapshotStore[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'memorykv-snap-'));
  dirs.push(d);
  return d;
}
async function store(dir: string): Promise<LmdbSnapshotStore> {
  const s = await LmdbSnapshotStore.open({ path: snapshotStorePath(dir) });
  stores.push(s);
  return s;
}
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** An engine writing into a MemoryJournal, one entry per commit(). */
function system() {
  const t = testEngine({ clock: () => 1_700_000_000_000 });
  const journal = new MemoryJournal();
  let pending: Effect[][] = [];
  t.engine.onEffects((g) => pending.push(g));
  const commit = () => {
    if (pending.length > 0) journal.append(pending);
    pending = [];
  };
  return { ...t, journal, commit };
}

function fill(sys: ReturnType<typeof system>, from: number, n: number): void {
  for (let i = from; i < from + n; i++) {
    sys.run('SET', `k${i}`, 'x'.repeat(i % 50));
    sys.run('HSET', `h${i % 20}`, `f${i}`, i);
    sys.run('ZADD', 'z', i, `m${i}`);
    sys.run('XADD', 'st', '*', 'i', i);
    if (i % 7 === 0) sys.run('DEL', `k${i - 3}`);
    if (i % 50 === 0) sys.commit();
  }
  sys.commit();
}

describe('LMDB snapshot store', () => {
  it('writes chunked snapshots, keeps them across reopen, builds incrementally and recovers', async () => {
    const dir = tempDir();
    const sys = system();
    let s = await store(dir);
    fill(sys, 0, 1000);
    const a = await buildSnapshot(s, null, sys.journal, sys.journal.lastSeq, { chunkBytes: 4096, name: 'first' });
    expect(a.meta.chunks).toBeGreaterThan(3);
    fill(sys, 1000, 500);
    const b = await buildSnapshot(s, a.meta.id, sys.journal, sys.journal.lastSeq, { chunkBytes: 4096 });
    expect(b.meta.id).toBeGreaterThan(a.meta.id);
    await s.close();

    s = await store(dir);
    expect(s.list().map((m) => [m.id, m.name, m.complete])).toEqual([
      [a.meta.id, 'first', true],
      [b.meta.id, null, true],
    ]);
    expect(verifySnapshot(s, b.meta.id)).toEqual(b.meta);
    const e = new Engine({ activeExpire: false });
    const res = await recover(e, s, sys.journal);
    expect(res.snapshot?.id).toBe(b.meta.id);
    expect(canonicalRecords(e.shard)).toEqual(canonicalRecords(sys.shard));
    await expect(s.create({ name: 'first', created: 1, seq: 0, journalCrc: 0 })).rejects.toThrow(/already exists/);

    // Deleting removes every chunk (in several transactions).
    await s.delete(a.meta.id);
    expect(s.get(a.meta.id)).toBe(undefined);
    expect(s.readChunk(a.meta.id, 0)).toBe(undefined);
    expect(s.list().map((m) => m.id)).toEqual([b.meta.id]);
    // Ids are not reused.
    const w = await s.create({ name: null, created: 1, seq: 0, journalCrc: 0 });
    expect(w.id).toBeGreaterThan(b.meta.id);
    await w.abort();
  });

  it('leaves a torn snapshot that recovery skips and pruning can remove', async () => {
    const dir = tempDir();
    const sys = system();
    let s = await store(dir);
    fill(sys, 0, 300);
    const good = (await buildSnapshot(s, null, sys.journal, sys.journal.lastSeq, { chunkBytes: 2048 })).meta;
    fill(sys, 300, 100);
    // A build that died after two chunks (the process was killed).
    const w = await s.create({ name: null, created: Date.now(), seq: sys.journal.lastSeq, journalCrc: sys.journal.lastCrc });
    await w.append(s.readChunk(good.id, 0)!);
    await w.append(s.readChunk(good.id, 1)!);
    await s.close();
    s = await store(dir);
    expect(s.get(w.id)?.complete).toBe(false);
    expect(() => verifySnapshot(s, w.id)).toThrow(/torn/);
    const logs: string[] = [];
    const e = new Engine({ activeExpire: false });
    const res = await recover(e, s, sys.journal, { log: (_, m) => logs.push(m) });
    expect(res.snapshot?.id).toBe(good.id);
    expect(logs.join('\n')).toMatch(new RegExp(`Snapshot ${w.id} .*torn`));
    expect(canonicalRecords(e.shard)).toEqual(canonicalRecords(sys.shard));
    const deleted = await pruneSnapshots(s, { retentionDays: 1, removeIncomplete: true });
    expect(deleted.map((m) => m.id)).toEqual([w.id]);
  });

  it('exports to a file and restores a fresh data directory from it; a damaged file is refused', async () => {
    const dir = tempDir();
    const sys = system();
    const s = await store(dir);
    fill(sys, 0, 600);
    const meta = (await buildSnapshot(s, null, sys.journal, sys.journal.lastSeq, { chunkBytes: 3000, name: 'export-me' })).meta;
    const file = join(tempDir(), 'snap.mkv');
    const size = await exportSnapshotFile(s, meta.id, file);
    expect(readFileSync(file).length).toBe(size);

    const fresh = tempDir();
    const progress: [number, number][] = [];
    const restored = await restoreFromFile(file, fresh, { onProgress: (n, t) => progress.push([n, t]) });
    expect(restored).toMatchObject({ name: 'export-me', seq: meta.seq, journalCrc: meta.journalCrc, keys: meta.keys });
    expect(progress.at(-1)).toEqual([size, size]);
    await expect(restoreFromFile(file, fresh)).rejects.toThrow(/already holds snapshots/);

    // The restored directory starts: its journal continues the snapshot's chain.
    const rs = await store(fresh);
    const journal = new MemoryJournal('always', { seq: restored.seq, crc: restored.journalCrc });
    const e = new Engine({ activeExpire: false });
    const res = await recover(e, rs, journal);
    expect(res.snapshot?.id).toBe(restored.id);
    expect(canonicalRecords(e.shard)).toEqual(canonicalRecords(sys.shard));

    const bytes = readFileSync(file);
    bytes[Math.floor(bytes.length * 0.6)]! ^= 0x01;
    const bad = join(tempDir(), 'bad.mkv');
    writeFileSync(bad, bytes);
    const other = tempDir();
    await expect(restoreFromFile(bad, other)).rejects.toThrow(SnapshotError);
    expect((await store(other)).list()).toEqual([]);
  });
});
