/**
 * The snapshot builder off the serving thread (issue 4, DESIGN invariant 6): a Piscina task that
 * builds the next snapshot from the previous one plus the journal (durability/snapshot.ts
 * buildSnapshot), verifies it, and hands its meta back. Serving never pauses: the worker reads
 * the journal through a read-only handle on the same LMDB environment (lmdb-js shares it between
 * the threads of a process) and writes the snapshot chunk by chunk into the snapshot environment,
 * so the journal's commits never wait on it.
 *
 * The worker runs our TypeScript through snapshot-worker-entry.mjs, which registers the
 * TypeScript module hooks (typescript.mjs) in the worker thread before importing this file.
 */
import { threadId } from 'node:worker_threads';
import { Piscina } from 'piscina';
import './scripting/lua.ts';
import type { EngineConfig } from '../config.ts';
import {
  SnapshotError,
  buildSnapshot,
  verifySnapshot,
  type BuildResult,
  type SnapshotStore,
} from '../durability/snapshot.ts';
import type { Journal } from '../durability/journal.ts';
import { openLmdbJournal } from './journal-lmdb.ts';
import { LmdbSnapshotStore } from './snapshot-lmdb.ts';

export interface BuildTask {
  /** The journal's LMDB environment (the serving thread's writer handle must be open). */
  journalPath: string;
  /** The snapshot store's environment. */
  snapshotPath: string;
  /** Build the snapshot at this journal sequence number (durable already). */
  toSeq: number;
  /**
   * The snapshot to build from: an id, null for none (the journal must start at 1), or 'latest'
   * (default): the newest complete one at or before toSeq that the journal still continues,
   * falling back past one whose data fails its checksum.
   */
  prevId?: number | null | 'latest';
  /** The serving engine's config (databases, encoding thresholds). */
  config?: Partial<EngineConfig>;
  /** A manual snapshot's name; absent or null for an automatic one. */
  name?: string | null;
  created?: number;
  chunkBytes?: number;
}

/** The previous snapshots to try, best first, for `prevId`. */
function candidates(store: SnapshotStore, journal: Journal, task: BuildTask): (number | null)[] {
  const prev = task.prevId ?? 'latest';
  if (prev !== 'latest') return [prev];
  const ids: (number | null)[] = store
    .list()
    .filter((m) => m.complete && m.seq <= task.toSeq && m.seq >= journal.firstSeq - 1)
    .reverse()
    .map((m) => m.id);
  if (journal.firstSeq === 1) ids.push(null);
  return ids;
}

export interface BuildTaskResult extends BuildResult {
  /** The thread that built it (a worker's, from a SnapshotBuilder). */
  threadId: number;
}

/** The Piscina task (also callable in-thread, e.g. in tests or tools). */
export async function runBuildTask(task: BuildTask): Promise<BuildTaskResult> {
  const journal = openLmdbJournal({ path: task.journalPath, readOnly: true });
  const store = await LmdbSnapshotStore.open({ path: task.snapshotPath });
  try {
    const tries = candidates(store, journal, task);
    if (tries.length === 0) {
      throw new SnapshotError(`no snapshot to build from, and the journal starts at sequence number ${journal.firstSeq}`);
    }
    let last: unknown;
    for (const prevId of tries) {
      try {
        const result = await buildSnapshot(store, prevId, journal, task.toSeq, {
          config: task.config,
          name: task.name ?? null,
          created: task.created,
          chunkBytes: task.chunkBytes,
        });
        verifySnapshot(store, result.meta.id);
        return { ...result, threadId };
      } catch (e) {
        last = e;
        // A previous snapshot whose data fails its checksum: try the one before. Anything else
        // (the journal's chain broken, a bad effect) fails the build.
        if (!(e instanceof SnapshotError && /snapshot \d+ is corrupt|chunk \d+/.test(e.message))) throw e;
      }
    }
    throw last;
  } finally {
    await journal.close();
    await store.close();
  }
}

export interface SnapshotBuilderOptions {
  journalPath: string;
  snapshotPath: string;
  config?: Partial<EngineConfig>;
  /** Ms an idle worker stays up (default 30 s: builds are minutes apart). */
  idleTimeout?: number;
}

export interface BuilderBuildOptions {
  prevId?: number | null | 'latest';
  name?: string | null;
  created?: number;
  chunkBytes?: number;
}

/**
 * The serving thread's handle on the builder: one worker thread, one build at a time (later
 * requests queue). build() resolves with the verified snapshot's meta and the build's stats;
 * truncate the journal before meta.seq + 1 only after that.
 */
export class SnapshotBuilder {
  private readonly pool: Piscina;

  constructor(private readonly options: SnapshotBuilderOptions) {
    this.pool = new Piscina({
      filename: new URL('./snapshot-worker-entry.mjs', import.meta.url).href,
      minThreads: 0,
      maxThreads: 1,
      idleTimeout: options.idleTimeout ?? 30_000,
    });
  }

  build(toSeq: number, options: BuilderBuildOptions = {}): Promise<BuildTaskResult> {
    const task: BuildTask = {
      journalPath: this.options.journalPath,
      snapshotPath: this.options.snapshotPath,
      config: this.options.config,
      toSeq,
      ...options,
    };
    return this.pool.run(task) as Promise<BuildTaskResult>;
  }

  /** Waits for the running build and stops the worker. */
  async close(): Promise<void> {
    await this.pool.close();
  }
}
