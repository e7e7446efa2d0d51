/**
 * The database handles of the in-process API and how they open: in memory (openSync, open), or
 * durable (open with a journal: DESIGN invariants 4-6 through durability/durability.ts). The
 * storage is handed in by the entry that has it: Node's (src/node/index.ts: LMDB under `path`),
 * or the caller's own journal and snapshot store (the browser's IndexedDB ones, tests').
 */
import type { EngineConfig } from '../config.ts';
import { Engine } from '../engine/engine.ts';
import type { Session } from '../engine/session.ts';
import type { Decode } from '../reply.ts';
import type { FsyncPolicy, Journal } from '../durability/journal.ts';
import { MemorySnapshotStore, type LoadProgress, type SnapshotMeta, type SnapshotStore } from '../durability/snapshot.ts';
import { Durability, inThreadSnapshots, type LogLevel, type SaveRule, type SnapshotBackend } from '../durability/durability.ts';
import { RedisError, settle, settleExec, toArgv, type Arg } from './client.ts';
import { Commands } from './commands.ts';
import { AsyncTransaction, SyncTransaction } from './transaction.ts';

export type DurabilityPolicy = FsyncPolicy;

/** Where open() is: restoring a file, loading a snapshot, replaying the journal. */
export type OpenProgress = LoadProgress | { phase: 'restore'; bytesRead: number; bytesTotal: number };

export interface OpenOptions {
  /**
   * Directory of the LMDB journal and snapshots (Node; created if missing; the same layout as the
   * server's appendonlydir). Without it (and without `journal`) the database lives in memory only.
   */
  path?: string;
  /**
   * When a write is durable, and so when its promise resolves (Redis's appendfsync): 'always'
   * (default: synced to disk, group-committed), 'everysec' (committed to the OS, synced every
   * second), 'no' (committed to the OS, synced when it likes).
   */
  durability?: DurabilityPolicy;
  /** Node, with `path`: start a fresh `path` from a snapshot file (exportSnapshot, SNAPSHOT EXPORT). */
  restore?: string;
  /** Progress of a restore and of recovery (once per snapshot chunk and per 1000 journal entries). */
  onProgress?: (p: OpenProgress) => void;
  /** Background snapshots, Redis's `save <seconds> <changes>` (default [[3600, 1], [300, 100], [60, 10000]]; [] for none). */
  saveRules?: readonly SaveRule[];
  /** Automatic snapshots older than this are deleted, the newest always kept (0..35 days, default 1). */
  snapshotRetentionDays?: number;
  /** Log lines of recovery and snapshots ('warning': a snapshot passed over, a failed build or journal). */
  log?: (level: LogLevel, message: string) => void;
  /**
   * A journal of your own instead of `path` (portable: the browser's IndexedDB journal, a test's):
   * the database owns it from then on (close() closes it); its policy is the durability.
   */
  journal?: Journal;
  /** With `journal`: where snapshots go (default in memory); a plain store builds on this thread. */
  snapshots?: SnapshotStore | SnapshotBackend;
  /** Number of shards (worker threads owning slot ranges). 1 runs in this thread. */
  shards?: number;
  /** Redis configuration parameters (maxmemory, maxmemory-policy, databases, ...). */
  config?: Partial<EngineConfig>;
  /** How bulk strings come back: 'text' (UTF-8 decoded, default) or 'bytes' (Uint8Array). */
  decode?: 'text' | 'bytes';
  /** Run active expiry in the background (default true). */
  activeExpire?: boolean;
  /** Clock in unix ms, for tests. */
  clock?: () => number;
}

/** What a durable database runs on, from the entry that has the storage. */
export interface DurableParts {
  journal: Journal;
  snapshots: SnapshotBackend;
  /** Schedules a tick's journal append (default queueMicrotask). */
  schedule?: (fn: () => void) => void;
  /** Lets the event loop run between slices of recovery. */
  pause?: () => Promise<void>;
}

const CLOSED = 'ERR the database is closed';
const NOT_DURABLE = 'ERR this database keeps no data on disk (open it with a path or a journal)';

function createEngine(options: OpenOptions): Engine {
  if ((options.shards ?? 1) !== 1) throw new RedisError("ERR shards > 1 runs shards in worker threads: use await open({ shards }) from @memorykv/core's Node entry");
  return new Engine({ config: options.config, clock: options.clock, activeExpire: options.activeExpire });
}

abstract class Base<M extends 'sync' | 'async'> extends Commands<M> {
  readonly session: Session;
  protected readonly decode: Decode;

  constructor(
    readonly engine: Engine,
    options: OpenOptions,
  ) {
    super();
    this.session = engine.createSession();
    // RESP3 reply shapes map best onto JavaScript: maps become objects, doubles numbers.
    this.session.resp = 3;
    this.decode = options.decode ?? 'text';
  }

  protected run(args: Arg[]): unknown {
    return settle(this.engine.execute(this.session, toArgv(args)), this.decode);
  }

  protected runTransaction(queue: Arg[][]): unknown[] | null {
    const { engine, session } = this;
    engine.execute(session, ['MULTI']);
    for (const args of queue) engine.execute(session, toArgv(args));
    return settleExec(engine.execute(session, ['EXEC']), this.decode);
  }

  /** Stops background work. The database must not be used afterwards. */
  close(): void {
    this.engine.close();
  }
}

/** In-memory, single-shard database whose methods return values directly (no await). */
export class SyncDatabase extends Base<'sync'> {
  protected send(args: Arg[]): unknown {
    return this.run(args);
  }
  multi(): SyncTransaction {
    return new SyncTransaction((queue) => this.runTransaction(queue));
  }
  /** Selects the logical database (0..15) for this handle's later commands. */
  select(db: number): 'OK' {
    return this.run(['SELECT', db]) as 'OK';
  }
  watch(...keys: Arg[]): 'OK' {
    return this.run(['WATCH', ...keys]) as 'OK';
  }
  unwatch(): 'OK' {
    return this.run(['UNWATCH']) as 'OK';
  }
}

export interface CloseOptions {
  /**
   * Build a final snapshot first (default: when save rules are set and something changed since
   * the last snapshot, as Redis's SHUTDOWN). Either way everything acknowledged is in the journal.
   */
  save?: boolean;
}

/**
 * A database whose methods return promises; durable and sharded configurations are this kind.
 * Durable, a call's promise settles once what it shows is durable: its own write, and any
 * not-yet-durable write of a key it read (calls still run in call order, each seeing the ones
 * before it).
 */
export class Database extends Base<'async'> {
  private closed = false;

  constructor(
    engine: Engine,
    options: OpenOptions,
    /** The journal and snapshots of a durable database, else null. */
    readonly durability: Durability | null = null,
  ) {
    super(engine, options);
  }

  protected send(args: Arg[]): unknown {
    const d = this.durability;
    if (d === null) {
      try {
        return Promise.resolve(this.run(args));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    let argv: string[];
    try {
      argv = toArgv(args);
    } catch (e) {
      return Promise.reject(e);
    }
    const refused = this.refuse(d, [argv]);
    if (refused !== null) return Promise.reject(refused);
    return d.perform(this.session, argv, () => settle(this.engine.execute(this.session, argv), this.decode));
  }

  private refuse(d: Durability, commands: readonly string[][]): RedisError | null {
    if (this.closed) return new RedisError(CLOSED);
    for (const argv of commands) {
      const e = d.refuse(argv);
      if (e !== null) return new RedisError(e.message);
    }
    return null;
  }

  multi(): AsyncTransaction {
    return new AsyncTransaction((queue) => {
      const d = this.durability;
      if (d === null) return this.runTransaction(queue);
      const refused = this.refuse(d, queue.map(toArgv));
      if (refused !== null) return Promise.reject(refused);
      // EXEC names no keys: the replies wait for the newest entry, the transaction's own included.
      return d.perform(this.session, ['EXEC'], () => this.runTransaction(queue));
    });
  }
  async select(db: number): Promise<'OK'> {
    return this.run(['SELECT', db]) as 'OK';
  }
  async watch(...keys: Arg[]): Promise<'OK'> {
    return this.run(['WATCH', ...keys]) as 'OK';
  }
  async unwatch(): Promise<'OK'> {
    return this.run(['UNWATCH']) as 'OK';
  }

  private durable(): Durability {
    if (this.durability === null) throw new RedisError(NOT_DURABLE);
    if (this.closed) throw new RedisError(CLOSED);
    return this.durability;
  }

  /**
   * Builds a snapshot of everything acknowledged so far (off this thread on Node), verifies it,
   * truncates the journal before it and prunes old automatic snapshots. Resolves with its meta.
   */
  async save(): Promise<SnapshotMeta> {
    return this.durable().snapshot(null);
  }

  /** save(), named: a manual snapshot, kept until deleted (unnamed: automatic, pruned by age). */
  async snapshot(name?: string): Promise<SnapshotMeta> {
    return this.durable().snapshot(name ?? null);
  }

  /** The complete snapshots, oldest first. */
  snapshots(): SnapshotMeta[] {
    return this.durable().list();
  }

  /** Deletes a snapshot by name or id (not the newest: it is the recovery base). */
  async deleteSnapshot(ref: string | number): Promise<void> {
    return this.durable().delete(ref);
  }

  /**
   * Writes a snapshot (by name or id; default the newest) to one file, which
   * `open({ path, restore: file })` and `memorykv-server --restore` start from (Node only).
   * Resolves with the file's size in bytes.
   */
  async exportSnapshot(file: string, ref?: string | number): Promise<number> {
    const d = this.durable();
    const backend = d.snapshots;
    if (backend.exportTo === undefined) throw new RedisError('ERR exporting a snapshot to a file needs Node.js');
    const m = ref === undefined ? d.list().pop() : d.find(ref);
    if (m === undefined) throw new RedisError('ERR no snapshot to export: save() first');
    return backend.exportTo(m.id, file);
  }

  /**
   * Stops background work; a durable database appends what is queued, syncs and closes its
   * journal and snapshot store (after a final snapshot, see CloseOptions). Calls made before
   * close() still settle; calls after it reject.
   */
  override close(options: CloseOptions = {}): Promise<void> {
    if (this.closed) return this.durability?.close() ?? Promise.resolve();
    this.closed = true;
    // No more expiry cycles: their effects would have no journal to go to.
    this.engine.close();
    return this.durability?.close(options.save) ?? Promise.resolve();
  }
}

/** Opens an in-memory, single-shard database with a synchronous API. */
export function openSync(options: OpenOptions = {}): SyncDatabase {
  if (options.path !== undefined || options.journal !== undefined || options.restore !== undefined) {
    // Recovery and every write would have to wait for the disk: a value returned at once could
    // show a write a crash then loses.
    throw new RedisError('ERR openSync() cannot open a durable database: a synchronous call cannot wait for its write to be durable; use await open({ path })');
  }
  return new SyncDatabase(createEngine(options), options);
}

/**
 * Opens a database, durable when `parts` gives it storage: the engine is recovered from it
 * (newest verified snapshot, then the journal tail) before this resolves. The database owns
 * the parts: a failed recovery closes them.
 */
export async function openDatabase(options: OpenOptions, parts?: (engine: Engine) => Promise<DurableParts>): Promise<Database> {
  const engine = createEngine(options);
  if (parts === undefined) return new Database(engine, options);
  let p: DurableParts | undefined;
  try {
    p = await parts(engine);
    const durability = await Durability.open(engine, {
      journal: p.journal,
      snapshots: p.snapshots,
      saveRules: options.saveRules,
      retentionDays: options.snapshotRetentionDays,
      schedule: p.schedule,
      pause: p.pause,
      onProgress: options.onProgress,
      log: options.log,
    });
    return new Database(engine, options, durability);
  } catch (e) {
    engine.close();
    if (p !== undefined) {
      await p.journal.close().catch(() => {});
      await p.snapshots.close().catch(() => {});
    }
    throw e;
  }
}

function isBackend(s: SnapshotStore | SnapshotBackend): s is SnapshotBackend {
  return 'store' in s && typeof (s as SnapshotBackend).build === 'function';
}

/**
 * The portable open(): in memory, or durable over the journal (and snapshot store) handed in.
 * `path` needs Node's entry, which resolves `@memorykv/core` to src/node/index.ts.
 */
export async function open(options: OpenOptions = {}): Promise<Database> {
  if (options.path !== undefined || options.restore !== undefined) {
    throw new RedisError(
      "ERR open({ path }) needs Node.js (the 'node' entry of @memorykv/core, LMDB); elsewhere pass your own journal and snapshot store",
    );
  }
  const journal = options.journal;
  if (journal === undefined) {
    if (options.snapshots !== undefined) throw new RedisError('ERR snapshots need a journal (or a path)');
    return openDatabase(options);
  }
  if (options.durability !== undefined && options.durability !== journal.policy) {
    throw new RedisError(`ERR durability '${options.durability}' asked for a journal whose policy is '${journal.policy}'`);
  }
  const s = options.snapshots ?? new MemorySnapshotStore();
  return openDatabase(options, async (engine) => ({
    journal,
    snapshots: isBackend(s) ? s : inThreadSnapshots(s, journal, () => engine.shard.config),
  }));
}
