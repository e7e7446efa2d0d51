/**
 * The journal in LMDB (issue 4): one environment (a directory) per shard's journal, entries keyed
 * by sequence number in the `entries` database, the chain's `head` and `base` points in `meta`.
 * An entry and the head record are written in one transaction, so they commit together; a crash
 * leaves both or neither (LMDB transactions are atomic).
 *
 * Under 'always' a commit thread (journal-commit-thread.mjs) alone writes the environment: the
 * serving thread packs a tick's entry, posts it, and goes on running the next tick's commands
 * while the commit syncs; entries that queue meanwhile share the next transaction and sync. The
 * replies that wait for an entry leave when the thread says it is durable. Redis writes and
 * fsyncs its AOF in beforeSleep, stopping its event loop for the sync; the same in place here (one
 * synchronous commit a tick on the serving thread) spent a quarter of that thread's time in
 * mdb_txn_commit at -P 16 and reached 0.6x redis-server's `appendfsync always` throughput.
 * Why not lmdb-js's asynchronous writes (its own write thread, `overlappingSync` syncing behind
 * the next commits, a `flushed` promise): measured on this 2-vCPU machine, the round trip through
 * two more threads (write, sync) and back cost more than the sync itself: 50 clients at -P 1 got
 * half of redis-server's `appendfsync always` throughput. (It also let a failed commit's promise
 * go unhandled.) The commit thread is one hop each way and syncs a batch in one transaction.
 * Under 'everysec' and 'no' a commit does not sync and costs a few microseconds: it is done in
 * place, one transaction per entry.
 *
 * Durability under each policy:
 * - 'always': the environment syncs each commit (LMDB's own two-step: data pages, then the meta
 *   page that points at them), so an entry is durable, on disk, when append() returns. (Measured
 *   against syncing only the data pages in the commit and the meta page by an fdatasync off the
 *   thread, shared by the commits made meanwhile: that lost 10-40% in every A/B pair of
 *   redis-benchmark runs, the second sync contending with the next commit's. And against deriving
 *   the head from the last entry to write one record less per commit: no clear gain, and a lost
 *   last entry would go unnoticed.)
 * - 'everysec': noSync; an entry is durable once committed (in the OS's page cache: a killed
 *   process loses nothing, as Redis's AOF write(2) before its replies); mdb_env_sync once a
 *   second when something was committed since the last one.
 * - 'no': noSync; durable once committed; the OS writes back when it likes.
 * The price of noSync is LMDB's MDB_NOSYNC caveat: an OS crash (not a process crash) may lose
 * the last second, or worse leave the environment unreadable, where Redis would load a truncated
 * AOF. The flag is the environment's for as long as it is open: changing the policy means
 * reopening.
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { open, type Database, type RootDatabase } from 'lmdb';
import { checkNotTruncated } from './lmdb-env.ts';
import {
  useLatin1Bytes,
  CHAIN_START,
  ChainedJournal,
  JournalError,
  type ChainPoint,
  type FsyncPolicy,
} from '../durability/journal.ts';

export interface LmdbJournalOptions {
  /** The environment's directory (created if missing). */
  path: string;
  /** appendfsync; default 'always'. */
  policy?: FsyncPolicy;
  /** everysec's sync period, ms (default 1000). */
  syncInterval?: number;
  /**
   * Where the chain of a journal that was never written starts: the sequence number and journal
   * checksum recorded by the snapshot a fresh data directory is restored from, so the first entry
   * is start.seq + 1 and continues that history. Ignored once the journal has a base or head.
   */
  start?: ChainPoint;
  /**
   * A handle for another thread of the same process (the snapshot builder's Piscina task): it
   * reads committed entries (lastSeq and friends follow the writer's commits), never writes, and
   * takes the environment's sync flags from the writer's handle, which should be opened first
   * (lmdb-js shares one environment per path and process; a second handle asking for other
   * flags would fail). Closing it leaves the writer's handle open.
   */
  readOnly?: boolean;
}

interface Syncable {
  sync(callback: (error?: Error | null) => void): void;
}

// Entries carry binary strings as raw bytes: Node's Buffer copies them in bulk (the portable
// journal.ts falls back to a loop of char codes).
useLatin1Bytes({
  alloc: (n) => Buffer.allocUnsafe(n),
  write: (b, s, o) => void Buffer.prototype.latin1Write.call(b as Buffer, s, o),
  read: (b, s, e) => Buffer.prototype.latin1Slice.call(b as Buffer, s, e),
});

export class LmdbJournal extends ChainedJournal {
  /** The thread that writes under 'always'; null: this thread commits (or never writes). */
  private readonly commits: CommitThread | null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private unsynced = false;

  private constructor(
    policy: FsyncPolicy,
    readonly path: string,
    private readonly root: RootDatabase,
    private readonly db: Database<Uint8Array, number>,
    private readonly meta: Database<ChainPoint, string>,
    syncInterval: number,
    private readonly readOnly: boolean,
  ) {
    const base = meta.get('base') ?? CHAIN_START;
    super(policy, base, meta.get('head') ?? base);
    this.commits = policy === 'always' && !readOnly ? new CommitThread(path) : null;
    if (policy === 'everysec' && !readOnly) {
      this.timer = setInterval(() => {
        if (!this.unsynced || this.closed) return;
        this.unsynced = false;
        this.syncStore().catch((e: unknown) => this.fail(e));
      }, syncInterval);
      this.timer.unref();
    }
  }

  static open(options: LmdbJournalOptions): LmdbJournal {
    const policy = options.policy ?? 'always';
    const readOnly = options.readOnly === true;
    const unlock = readOnly ? null : lockWriter(options.path);
    try {
      const journal = LmdbJournal.openEnvironment(options, policy, readOnly);
      journal.unlock = unlock;
      return journal;
    } catch (e) {
      unlock?.();
      throw e;
    }
  }

  /** Releases the writer's lock file (closeStore). */
  private unlock: (() => void) | null = null;

  private static openEnvironment(options: LmdbJournalOptions, policy: FsyncPolicy, readOnly: boolean): LmdbJournal {
    const root = open(
      readOnly
        ? // no noSync asked; overlappingSync false so it adapts to a writer's env either way
          { path: options.path, overlappingSync: false, maxDbs: 4 }
        : {
            path: options.path,
            noSync: policy !== 'always',
            overlappingSync: false,
            // Each append is one explicit transaction: nothing for lmdb-js to batch by turn.
            eventTurnBatching: false,
            maxDbs: 4,
          },
    );
    try {
      checkNotTruncated(root, options.path);
      const db = root.openDB<Uint8Array, number>({ name: 'entries', encoding: 'binary' });
      const meta = root.openDB<ChainPoint, string>({ name: 'meta' });
      const start = options.start;
      if (start !== undefined && !readOnly && meta.get('base') === undefined && meta.get('head') === undefined) {
        if (!Number.isSafeInteger(start.seq) || start.seq < 0) throw new JournalError(`invalid start sequence number ${start.seq}`);
        const point = { seq: start.seq, crc: start.crc >>> 0 };
        root.transactionSync(() => {
          meta.putSync('base', point);
          meta.putSync('head', point);
        });
      }
      return new LmdbJournal(policy, options.path, root, db, meta, options.syncInterval ?? 1000, readOnly);
    } catch (e) {
      void root.close();
      throw e;
    }
  }

  override append(groups: Parameters<ChainedJournal['append']>[0]): number {
    if (this.readOnly) throw new JournalError('read-only journal handle');
    return super.append(groups);
  }

  override truncateBefore(seq: number): Promise<void> {
    if (this.readOnly) return Promise.reject(new JournalError('read-only journal handle'));
    return super.truncateBefore(seq);
  }

  // A reader follows the writer's commits.
  override get firstSeq(): number {
    return this.readOnly ? this.committedBase().seq + 1 : super.firstSeq;
  }
  override get lastSeq(): number {
    return this.readOnly ? this.committedHead().seq : super.lastSeq;
  }
  override get lastCrc(): number {
    return this.readOnly ? this.committedHead().crc : super.lastCrc;
  }
  override get durableSeq(): number {
    return this.readOnly ? this.committedHead().seq : super.durableSeq;
  }

  protected override points(): { base: ChainPoint; head: ChainPoint } {
    return this.readOnly ? { base: this.committedBase(), head: this.committedHead() } : super.points();
  }

  protected store(seq: number, value: Uint8Array, head: ChainPoint): PromiseLike<unknown> {
    if (this.commits !== null) return this.commits.append(seq, value, head);
    const { db, meta } = this;
    try {
      this.root.transactionSync(() => {
        db.putSync(seq, value);
        meta.putSync('head', head);
      });
    } catch (e) {
      // A full disk, an I/O error: the journal stops (ChainedJournal.fail), nothing is durable.
      return Promise.reject(e);
    }
    if (this.policy !== 'always') this.unsynced = true;
    return COMMITTED;
  }

  /**
   * Whether this handle reads commits made by another thread (a reader's writer, or the commit
   * thread): lmdb-js renews its read snapshot only on later event turns, so such a handle asks for
   * the newest one itself before it reads.
   */
  private get readsOthers(): boolean {
    return this.readOnly || this.commits !== null;
  }

  protected *entries(from: number, to: number): Iterable<readonly [number, Uint8Array]> {
    for (const { key, value } of this.db.getRange({ start: from, end: to + 1 })) yield [key, value];
  }

  protected entry(seq: number): Uint8Array | undefined {
    if (this.commits !== null) this.root.resetReadTxn();
    return this.db.get(seq);
  }

  protected committedBase(): ChainPoint {
    if (this.readsOthers) this.root.resetReadTxn();
    return this.meta.get('base') ?? CHAIN_START;
  }

  protected committedHead(): ChainPoint {
    if (this.readsOthers) this.root.resetReadTxn();
    return this.meta.get('head') ?? this.committedBase();
  }

  protected async removeThrough(from: number, to: number, base: ChainPoint): Promise<void> {
    if (this.commits !== null) return this.commits.truncate(from, to, base);
    const { db, meta } = this;
    await this.root.transaction(() => {
      for (let s = from; s <= to; s++) db.remove(s);
      meta.put('base', base);
    });
  }

  protected async syncStore(): Promise<void> {
    if (this.readOnly) return;
    // Under 'always' every commit is synced: what is left is to wait for those in flight.
    if (this.commits !== null) return this.whenDurable(this.lastSeq);
    if (this.policy === 'always') return;
    await this.root.committed;
    await new Promise<void>((resolve, reject) =>
      (this.root as unknown as Syncable).sync((error) => (error ? reject(error) : resolve())),
    );
  }

  protected async closeStore(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.commits?.close();
    await this.root.close();
    this.unlock?.();
    this.unlock = null;
  }
}

const COMMITTED: Promise<void> = Promise.resolve();

interface Settle {
  resolve: () => void;
  reject: (e: Error) => void;
}

type CommitMessage =
  | { t: 'durable'; seq: number }
  | { t: 'truncated'; id: number; message?: string }
  | { t: 'failed'; message: string }
  | { t: 'closed' };

/**
 * The serving thread's end of journal-commit-thread.mjs: posts entries and truncations in order,
 * settles each entry's promise when the thread says it is durable. The thread is one
 * node:worker_threads Worker, not a Piscina pool: it runs no tasks, only one ordered stream of
 * writes, and one that dies must not be restarted behind the chain's back (the journal fails).
 */
class CommitThread {
  private readonly worker: Worker;
  /** Entries posted and not yet durable, in sequence order. */
  private readonly appends: (Settle & { seq: number })[] = [];
  private readonly truncations = new Map<number, Settle>();
  private nextId = 1;
  private failure: Error | null = null;
  private closing: Promise<void> | null = null;
  private exited = false;

  constructor(path: string) {
    this.worker = new Worker(new URL('./journal-commit-thread.mjs', import.meta.url), { workerData: { path } });
    // Held only while writes are in flight: an idle journal does not keep the process alive.
    this.worker.unref();
    this.worker.on('message', (m: CommitMessage) => this.onMessage(m));
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => {
      this.exited = true;
      if (this.closing === null) this.fail(new Error(`the journal's commit thread stopped (exit code ${code})`));
    });
  }

  append(seq: number, value: Uint8Array, head: ChainPoint): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    // A copy of its own, transferred: the entry may share a pooled buffer whose clone would be
    // the whole pool.
    const bytes = value.slice();
    this.worker.postMessage({ t: 'append', seq, value: bytes, head }, [bytes.buffer]);
    if (this.idle) this.worker.ref();
    return new Promise<void>((resolve, reject) => this.appends.push({ seq, resolve, reject }));
  }

  truncate(from: number, to: number, base: ChainPoint): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const id = this.nextId++;
    this.worker.postMessage({ t: 'truncate', id, from, to, base });
    if (this.idle) this.worker.ref();
    return new Promise<void>((resolve, reject) => this.truncations.set(id, { resolve, reject }));
  }

  private onMessage(m: CommitMessage): void {
    switch (m.t) {
      case 'durable': {
        const a = this.appends;
        let n = 0;
        while (n < a.length && a[n]!.seq <= m.seq) a[n++]!.resolve();
        a.splice(0, n);
        break;
      }
      case 'truncated': {
        const t = this.truncations.get(m.id);
        this.truncations.delete(m.id);
        if (m.message === undefined) t?.resolve();
        else t?.reject(new Error(m.message));
        break;
      }
      case 'failed':
        this.fail(new Error(m.message));
        break;
      case 'closed':
        return;
    }
    if (this.idle) this.worker.unref();
  }

  /** Nothing in flight: the thread need not keep the process alive (see the constructor). */
  private get idle(): boolean {
    return this.appends.length === 0 && this.truncations.size === 0;
  }

  private fail(e: Error): void {
    if (this.failure !== null) return;
    this.failure = e;
    for (const a of this.appends.splice(0)) a.reject(e);
    for (const t of this.truncations.values()) t.reject(e);
    this.truncations.clear();
    this.worker.unref();
  }

  /** After the writes in flight: the thread closes its handle and ends. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      if (this.exited) return resolve();
      this.worker.once('exit', () => resolve());
      this.worker.ref();
      this.worker.postMessage({ t: 'close' });
    });
    return this.closing;
  }
}

/** Journals this process has open for writing (a second writer would fork the chain). */
const writing = new Set<string>();

/**
 * One writer per journal: LMDB lets several processes write one environment, but two journal
 * writers would each extend the chain from their own idea of its head. A `writer.pid` file names
 * the owner; one left by a process that is gone (a crash) is taken over.
 */
function lockWriter(path: string): () => void {
  const key = resolve(path);
  if (writing.has(key)) throw new JournalError(`the journal in ${path} is already open for writing in this process`);
  mkdirSync(path, { recursive: true });
  const file = join(path, 'writer.pid');
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new JournalError(`the journal in ${path} is in use by process ${pid} (if that is not a memorykv process, remove ${file})`);
      }
      unlinkSync(file);
    }
  }
  writing.add(key);
  return () => {
    writing.delete(key);
    try {
      if (readFileSync(file, 'utf8').trim() === String(process.pid)) unlinkSync(file);
    } catch {
      // already gone
    }
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Opens the journal at `path` (see LmdbJournalOptions). */
export function openLmdbJournal(options: LmdbJournalOptions): LmdbJournal {
  if (!options.path) throw new JournalError('an LMDB journal needs a path');
  return LmdbJournal.open(options);
}
