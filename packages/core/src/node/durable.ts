/**
 * The storage under `open({ path })` on Node (issue 4): what the portable Durability
 * (durability/durability.ts) runs on — the LMDB journal in `<path>/journal`, the LMDB snapshot
 * store in `<path>/snapshots` (the server's appendonlydir layout, so either can open the other's
 * data), snapshots built by the Piscina worker, journal appends once per event-loop turn
 * (setImmediate, as the server: every callback of one turn shares one commit and one sync).
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EngineConfig } from '../config.ts';
import type { DurableParts, OpenOptions } from '../api/database.ts';
import { RedisError } from '../api/client.ts';
import type { SnapshotBackend } from '../durability/durability.ts';
import type { SnapshotMeta } from '../durability/snapshot.ts';
import { LmdbJournal } from './journal-lmdb.ts';
import { exportSnapshotFile, openLmdbSnapshotStore, restoreFromFile, snapshotStorePath } from './snapshot-lmdb.ts';
import { SnapshotBuilder } from './snapshot-worker.ts';

/** The journal's directory inside a data directory. */
export function journalPath(path: string): string {
  return join(path, 'journal');
}

async function isEmptyDir(path: string): Promise<boolean> {
  try {
    return (await readdir(path)).length === 0;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw e;
  }
}

/**
 * Opens (creating) the storage at options.path; with options.restore, first fills a fresh
 * directory from a snapshot file and starts the journal where that snapshot ends. `config`
 * answers the engine's live configuration (what the builder's scratch engine needs).
 */
export async function openLmdbStorage(options: OpenOptions & { path: string }, config: () => EngineConfig): Promise<DurableParts> {
  // One writer per data directory: the journal's lock (journal-lmdb.ts) refuses a second one,
  // in this process or another.
  return openStorage(options, config);
}

async function openStorage(options: OpenOptions & { path: string }, config: () => EngineConfig): Promise<DurableParts> {
  const { path, restore, onProgress } = options;
  let restored: SnapshotMeta | null = null;
  if (restore !== undefined) {
    // Only into nothing: restoring over data would silently mix two histories.
    if (!(await isEmptyDir(path))) throw new RedisError(`ERR cannot restore into ${path}: it is not empty`);
    await mkdir(path, { recursive: true });
    restored = await restoreFromFile(restore, path, {
      onProgress: onProgress && ((bytesRead, bytesTotal) => onProgress({ phase: 'restore', bytesRead, bytesTotal })),
    });
  }
  const jpath = journalPath(path);
  await mkdir(jpath, { recursive: true });
  const journal = LmdbJournal.open({
    path: jpath,
    policy: options.durability ?? 'always',
    start: restored === null ? undefined : { seq: restored.seq, crc: restored.journalCrc },
  });
  let snapshots: SnapshotBackend;
  try {
    snapshots = await lmdbSnapshots(path, jpath, config);
  } catch (e) {
    await journal.close().catch(() => {});
    throw e;
  }
  return {
    journal,
    snapshots,
    schedule: setImmediate,
    pause: () => new Promise((resolve) => setImmediate(resolve)),
  };
}

/** The snapshot side: the LMDB store, and the worker that builds (started by the first build). */
async function lmdbSnapshots(path: string, jpath: string, config: () => EngineConfig): Promise<SnapshotBackend> {
  const snapshotPath = snapshotStorePath(path);
  const store = await openLmdbSnapshotStore({ path: snapshotPath });
  // The worker starts with the first build (none at all for a database that never saves).
  let builder: SnapshotBuilder | null = null;
  return {
    store,
    async build(toSeq, name) {
      // The engine's live config object (cloned per task): CONFIG SET may have changed the
      // encoding thresholds since open.
      builder ??= new SnapshotBuilder({ journalPath: jpath, snapshotPath, config: config() });
      return (await builder.build(toSeq, { name, prevId: 'latest' })).meta;
    },
    exportTo: (id, file) => exportSnapshotFile(store, id, file),
    async close() {
      await builder?.close();
      await store.close();
    },
  };
}
