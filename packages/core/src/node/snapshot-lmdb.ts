/**
 * Snapshots in LMDB (issue 4): their own environment (`<dir>/snapshots`), apart from the
 * journal's, because LMDB has one writer per environment and a snapshot being written must never
 * make a journal commit wait. Within it, every chunk is stored by its own transaction (a build of
 * gigabytes is thousands of short transactions, never one long one), so the serving thread's
 * own writes here (deleting, pruning) wait at most one chunk.
 *
 * Layout: `meta` id -> SnapshotMeta, `chunks` [id, index] -> chunk bytes, `state` 'next' -> the
 * next id (ids are never reused, so a newer snapshot always has a larger id).
 *
 * The environment syncs (no noSync): complete() resolves only once the snapshot's chunks and its
 * completed meta are on disk, because the journal is truncated on the strength of it. lmdb-js
 * shares one environment per path and process, so the snapshot builder's Piscina worker opens
 * the same path and writes through the same environment.
 *
 * Also here: the file helpers of the portable export/import (exportSnapshotFile, restoreFromFile).
 */
import { createReadStream } from 'node:fs';
import { mkdir, open as openFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { checkNotTruncated } from './lmdb-env.ts';
import {
  SnapshotError,
  exportSnapshot,
  importSnapshot,
  nameTaken,
  verifySnapshot,
  type SnapshotInfo,
  type SnapshotMeta,
  type SnapshotStore,
  type SnapshotTotals,
  type SnapshotWriter,
} from '../durability/snapshot.ts';

/** Chunks removed per transaction when deleting a snapshot (chunks are ~1 MiB). */
const DELETE_BATCH = 16;

export interface LmdbSnapshotStoreOptions {
  /** The environment's directory (created if missing), e.g. snapshotStorePath(dataDir). */
  path: string;
}

/** Where a data directory keeps its snapshot environment. */
export function snapshotStorePath(dir: string): string {
  return join(dir, 'snapshots');
}

type ChunkKey = [number, number];

export class LmdbSnapshotStore implements SnapshotStore {
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly root: RootDatabase,
    private readonly meta: Database<SnapshotMeta, number>,
    private readonly chunks: Database<Uint8Array, ChunkKey>,
    private readonly state: Database<number, string>,
  ) {}

  static async open(options: LmdbSnapshotStoreOptions): Promise<LmdbSnapshotStore> {
    await mkdir(options.path, { recursive: true });
    return LmdbSnapshotStore.openSync(options);
  }

  /** open() for a directory known to exist (lmdb creates the environment's files). */
  static openSync(options: LmdbSnapshotStoreOptions): LmdbSnapshotStore {
    const root = open({ path: options.path, maxDbs: 4 });
    try {
      checkNotTruncated(root, options.path);
      return new LmdbSnapshotStore(
        options.path,
        root,
        root.openDB<SnapshotMeta, number>({ name: 'meta' }),
        root.openDB<Uint8Array, ChunkKey>({ name: 'chunks', encoding: 'binary' }),
        root.openDB<number, string>({ name: 'state' }),
      );
    } catch (e) {
      void root.close();
      throw e;
    }
  }

  list(): SnapshotMeta[] {
    // Another thread (the builder) may have committed since this thread's read snapshot began.
    this.root.resetReadTxn();
    const out: SnapshotMeta[] = [];
    for (const { value } of this.meta.getRange()) out.push(value);
    return out;
  }

  get(id: number): SnapshotMeta | undefined {
    this.root.resetReadTxn();
    return this.meta.get(id);
  }

  readChunk(id: number, index: number): Uint8Array | undefined {
    return this.chunks.get([id, index]);
  }

  async create(info: SnapshotInfo): Promise<SnapshotWriter> {
    this.check();
    const { root, meta, state, chunks } = this;
    // Name check, id allocation and the incomplete meta in one transaction: two threads creating
    // at once get distinct ids and cannot both take a name.
    const id = await root.transaction(() => {
      if (info.name !== null) {
        for (const { value } of meta.getRange()) if (value.name === info.name) throw nameTaken(info.name);
      }
      const id = state.get('next') ?? 1;
      state.put('next', id + 1);
      meta.put(id, { id, ...info, keys: 0, bytes: 0, chunks: 0, checksum: 0, complete: false });
      return id;
    });
    let index = 0;
    return {
      id,
      append: async (chunk: Uint8Array) => {
        this.check();
        await chunks.put([id, index++], chunk);
      },
      complete: async (totals: SnapshotTotals) => {
        this.check();
        const current = meta.get(id);
        if (current === undefined) throw new SnapshotError(`snapshot ${id} was deleted while being written`);
        const { keys, bytes, chunks: n, checksum } = totals;
        const done: SnapshotMeta = { ...current, keys, bytes, chunks: n, checksum, complete: true };
        await meta.put(id, done);
        // On disk before anyone truncates a journal on the strength of it.
        await root.flushed;
        return done;
      },
      abort: () => this.delete(id),
    };
  }

  async delete(id: number): Promise<void> {
    this.check();
    const { root, chunks, meta } = this;
    // Marked incomplete first: a delete cut short by a crash leaves a torn snapshot, which
    // pruning with removeIncomplete cleans up, rather than chunks no meta points to.
    const m = meta.get(id);
    if (m === undefined) return;
    if (m.complete) await meta.put(id, { ...m, complete: false });
    for (;;) {
      root.resetReadTxn();
      const keys = [...chunks.getKeys({ start: [id, 0], end: [id + 1, 0], limit: DELETE_BATCH })];
      if (keys.length === 0) break;
      await root.transaction(() => {
        for (const k of keys) chunks.remove(k);
      });
    }
    await meta.remove(id);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.root.close();
  }

  private check(): void {
    if (this.closed) throw new SnapshotError('snapshot store is closed');
  }
}

/** Opens (creating) the snapshot store at `path`. */
export function openLmdbSnapshotStore(options: LmdbSnapshotStoreOptions): Promise<LmdbSnapshotStore> {
  return LmdbSnapshotStore.open(options);
}

// ---------------------------------------------------------------------------------------------
// Files

/**
 * Writes snapshot `id` to one file at `path` (the portable export format, with its own checksum),
 * via a temporary file renamed into place once synced, so `path` never holds half a snapshot.
 * Returns the file's size.
 */
export async function exportSnapshotFile(store: SnapshotStore, id: number, path: string): Promise<number> {
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await openFile(tmp, 'w');
  let size = 0;
  try {
    for (const piece of exportSnapshot(store, id)) {
      await fh.write(piece);
      size += piece.length;
    }
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  await rename(tmp, path);
  return size;
}

export interface RestoreOptions {
  /** Bytes of the file read so far and its size (for a progress bar). */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

/**
 * Starts a fresh data directory from an exported file (`memorykv-server --restore FILE`): the
 * snapshot is imported into `<dir>/snapshots` (checked: a damaged file fails and leaves no
 * snapshot) and verified. Open the journal afterwards with `start: { seq: meta.seq, crc:
 * meta.journalCrc }` so it continues the snapshot's history, then recover() as usual. A directory
 * that already holds snapshots is refused.
 */
export async function restoreFromFile(path: string, dir: string, options: RestoreOptions = {}): Promise<SnapshotMeta> {
  const total = (await stat(path)).size;
  const store = await LmdbSnapshotStore.open({ path: snapshotStorePath(dir) });
  try {
    if (store.list().length > 0) throw new SnapshotError(`cannot restore into ${dir}: it already holds snapshots`);
    const meta = await importSnapshot(createReadStream(path, { highWaterMark: 1 << 20 }), store, {
      onProgress: options.onProgress && ((n) => options.onProgress!(n, total)),
    });
    return verifySnapshot(store, meta.id);
  } finally {
    await store.close();
  }
}
