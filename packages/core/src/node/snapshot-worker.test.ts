import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { testEngine } from '../../test/util.ts';
import { Engine } from '../engine/engine.ts';
import { TickBatcher } from '../durability/journal.ts';
import { canonicalRecords } from '../durability/snapshot-codec.ts';
import { recover, verifySnapshot } from '../durability/snapshot.ts';
import { openLmdbJournal, type LmdbJournal } from './journal-lmdb.ts';
import { LmdbSnapshotStore, snapshotStorePath } from './snapshot-lmdb.ts';
import { SnapshotBuilder, runBuildTask } from './snapshot-worker.ts';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** A data directory with a serving engine whose effects go to an LMDB journal, a tick per entry. */
function dataDir() {
  const dir = mkdtempSync(join(tmpdir(), 'memorykv-snapworker-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const journalPath = join(dir, 'journal');
  const journal: LmdbJournal = openLmdbJournal({ path: journalPath, policy: 'no' });
  cleanup.push(() => journal.close());
  const t = testEngine({ clock: () => 1_700_000_000_000 });
  const batcher = new TickBatcher(journal);
  t.engine.onEffects((g) => batcher.add(g));
  return { dir, journalPath, snapshotPath: snapshotStorePath(dir), journal, ...t };
}

function workload(d: ReturnType<typeof dataDir>, from: number, n: number): void {
  for (let i = from; i < from + n; i++) {
    d.run('SET', `k${i % 500}`, `v${i}`);
    d.run('INCRBY', 'counter', i);
    d.run('RPUSH', `l${i % 10}`, i);
    d.run('SADD', 's', i % 77);
    d.run('EXPIRE', `k${(i * 7) % 500}`, 1000);
    if (i % 100 === 0) d.run('SWAPDB', 0, 1);
    if (i % 250 === 0) d.run('FUNCTION', 'LOAD', 'REPLACE', `#!lua name=lib\nredis.register_function('f', function() return ${i} end)`);
  }
}

describe('snapshot builder in a Piscina worker', () => {
  it('builds, verifies and returns the meta off the serving thread; incremental builds follow', async () => {
    const d = dataDir();
    workload(d, 1, 1000);
    await new Promise((r) => setImmediate(r));
    await d.journal.whenDurable();
    // The serving thread's handle is open before, during and after the worker's builds.
    const store = await LmdbSnapshotStore.open({ path: d.snapshotPath });
    cleanup.push(() => store.close());
    const builder = new SnapshotBuilder({ journalPath: d.journalPath, snapshotPath: d.snapshotPath, idleTimeout: 1000 });
    cleanup.push(() => builder.close());
    const first = await builder.build(d.journal.lastSeq, { chunkBytes: 8192 });
    expect(first.meta.seq).toBe(d.journal.lastSeq);
    expect(first.threadId).not.toBe(threadId); // built in the worker
    expect(first.meta.journalCrc).toBe(d.journal.chainAt(first.meta.seq).crc);

    workload(d, 1001, 300);
    await new Promise((r) => setImmediate(r));
    await d.journal.whenDurable();
    const second = await builder.build(d.journal.lastSeq, { name: 'manual', chunkBytes: 8192 });
    // Built from the first: only the touched keys were materialized.
    expect(second.stats.entries).toBe(d.journal.lastSeq - first.meta.seq);
    expect(second.stats.copiedRecords).toBeGreaterThan(0);
    expect(second.stats.loadedKeys).toBeLessThan(first.meta.keys);

    // The serving thread's own handle sees what the worker wrote.
    expect(store.list().map((m) => [m.id, m.name, m.complete])).toEqual([
      [first.meta.id, null, true],
      [second.meta.id, 'manual', true],
    ]);
    expect(verifySnapshot(store, second.meta.id)).toEqual(second.meta);

    // Journal truncated after the verified snapshot; recovery = snapshot + tail.
    d.run('SET', 'after', '1');
    await new Promise((r) => setImmediate(r));
    await d.journal.whenDurable();
    await d.journal.truncateBefore(second.meta.seq + 1);
    const e = new Engine({ activeExpire: false, clock: () => 1_700_000_000_000 });
    const res = await recover(e, store, d.journal);
    expect(res.snapshot?.id).toBe(second.meta.id);
    expect(res.entriesReplayed).toBe(1);
    expect(canonicalRecords(e.shard)).toEqual(canonicalRecords(d.shard));
    expect(e.execute(e.createSession(), ['FCALL', 'f', '0'])).toBe(d.run('FCALL', 'f', '0'));
  });

  it('runs in-thread too, and refuses to build without a base when the journal was truncated', async () => {
    const d = dataDir();
    workload(d, 1, 50);
    await new Promise((r) => setImmediate(r));
    await d.journal.whenDurable();
    const { meta } = await runBuildTask({ journalPath: d.journalPath, snapshotPath: d.snapshotPath, toSeq: d.journal.lastSeq });
    const store = await LmdbSnapshotStore.open({ path: d.snapshotPath });
    cleanup.push(() => store.close());
    await store.delete(meta.id);
    await d.journal.truncateBefore(meta.seq + 1);
    await expect(
      runBuildTask({ journalPath: d.journalPath, snapshotPath: d.snapshotPath, toSeq: d.journal.lastSeq }),
    ).rejects.toThrow(/no snapshot to build from/);
  });

  it('works in a process that runs TypeScript through tsx register(), as the server binary does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'memorykv-snapworker-bin-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const here = dirname(fileURLToPath(import.meta.url));
    const code = `
      import { register } from 'tsx/esm/api';
      register();
      const { SnapshotBuilder } = await import(${JSON.stringify(new URL('./snapshot-worker.ts', import.meta.url).href)});
      const { openLmdbJournal } = await import(${JSON.stringify(new URL('./journal-lmdb.ts', import.meta.url).href)});
      const j = openLmdbJournal({ path: ${JSON.stringify(join(dir, 'journal'))}, policy: 'no' });
      j.append([[{ db: 0, argv: ['SET', 'a', '1'] }], [{ db: 2, argv: ['RPUSH', 'l', 'x', 'y'] }]]);
      await j.whenDurable();
      const b = new SnapshotBuilder({ journalPath: ${JSON.stringify(join(dir, 'journal'))}, snapshotPath: ${JSON.stringify(join(dir, 'snapshots'))} });
      const r = await b.build(1);
      await b.close();
      await j.close();
      console.log(JSON.stringify({ keys: r.meta.keys, seq: r.meta.seq, threadId: r.threadId }));
    `;
    // From the package directory, where 'tsx' resolves as it does for the server's bin script.
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: join(here, '../..'), encoding: 'utf8', timeout: 60_000 });
    expect(out.stderr).toBe('');
    expect(JSON.parse(out.stdout.trim())).toEqual({ keys: 2, seq: 1, threadId: expect.any(Number) });
    expect(JSON.parse(out.stdout.trim()).threadId).toBeGreaterThan(0);
  });
});
