/**
 * Durability (issue 4; DESIGN invariants 3-6) for the in-process API and the server, in one
 * portable class, so that Node (LMDB journal, LMDB snapshot store, Piscina builder:
 * src/node/durable.ts) and the browser (IndexedDB, later) only hand in their storage.
 *
 * - open: the newest verified snapshot, then the journal tail (recover()); the effects of every
 *   later command go to the journal through the tracker, one entry per tick.
 * - A call's promise settles only once what its reply shows is durable under the policy: its own
 *   effects' entry, and the entry of a not-yet-durable write of a key it read (keyless or
 *   script-like commands: the newest entry). The reply is computed at once (calls run in call
 *   order, each reading the writes before it) and only its delivery waits.
 * - A failed journal write stops durability for good: waiting calls reject with the journal's
 *   error and every later command that could touch data is refused with MISCONF, as the server
 *   does, so nothing that is not durable is ever shown. Reopening recovers what was durable.
 * - Snapshots: built by the backend (a worker on Node) at a durable sequence number, verified,
 *   then the journal is truncated before the previous snapshot (kept, with the journal after it,
 *   as the fallback should the newest ever fail to verify) and old automatic snapshots pruned;
 *   Redis's `save <seconds> <changes>` rules and a journal-size rule start them in the background.
 * The server (server/src/commands/persistence.ts) runs this same class and adds what only a server
 * has: -LOADING, clients parked until their replies may leave, INFO, the commands.
 */
import { keyIndexes, runnableCommand, type Command } from '../commands/table.ts';
import type { EngineConfig } from '../config.ts';
import type { Engine } from '../engine/engine.ts';
import type { Effect } from '../engine/shard.ts';
import type { Session } from '../engine/session.ts';
import { ErrorReply } from '../errors.ts';
import type { Journal } from './journal.ts';
import {
  SnapshotError,
  buildSnapshot,
  pruneSnapshots,
  recover,
  verifySnapshot,
  type LoadProgress,
  type RecoverResult,
  type SnapshotMeta,
  type SnapshotStore,
} from './snapshot.ts';
import { DurabilityTracker } from './tracker.ts';

/**
 * Where snapshots are kept and how they are built. Node's builds in a Piscina worker over LMDB
 * (src/node/durable.ts); inThreadSnapshots() builds on the calling thread over any store.
 */
export interface SnapshotBackend {
  readonly store: SnapshotStore;
  /** Builds (from the newest usable snapshot before it) and verifies the snapshot at toSeq, which is durable. */
  build(toSeq: number, name: string | null): Promise<SnapshotMeta>;
  /** Writes a complete snapshot to one file (Node only). */
  exportTo?(id: number, file: string): Promise<number>;
  /** Waits for a running build and releases the store. */
  close(): Promise<void>;
}

/** Builds on this thread: for stores without a worker (tests, the browser until it has one). */
export function inThreadSnapshots(store: SnapshotStore, journal: Journal, config: () => Partial<EngineConfig>): SnapshotBackend {
  return {
    store,
    async build(toSeq, name) {
      const prev = store
        .list()
        .filter((m) => m.complete && m.seq <= toSeq && m.seq >= journal.firstSeq - 1)
        .pop();
      const { meta } = await buildSnapshot(store, prev?.id ?? null, journal, toSeq, { config: config(), name });
      return verifySnapshot(store, meta.id);
    },
    close: () => store.close(),
  };
}

/** Redis's `save <seconds> <changes>`: a snapshot once `changes` writes are `seconds` old. */
export type SaveRule = readonly [seconds: number, changes: number];

/** redis.conf's default `save 3600 1 300 100 60 10000`. */
export const DEFAULT_SAVE_RULES: readonly SaveRule[] = [
  [3600, 1],
  [300, 100],
  [60, 10000],
];

export type LogLevel = 'notice' | 'warning';

/** Redis's auto-aof-rewrite-*: a snapshot once the journal grew by `percentage` and `minSize`. */
export interface JournalRule {
  minSize: number;
  percentage: number;
}

export interface DurabilityOptions {
  journal: Journal;
  snapshots: SnapshotBackend;
  /** Background snapshot rules (default DEFAULT_SAVE_RULES; [] for none), or where to read them. */
  saveRules?: readonly SaveRule[] | (() => readonly SaveRule[]);
  /** The journal-size rule (a server's auto-aof-rewrite-*), read once a second; none by default. */
  journalRule?: () => JournalRule | null;
  /** Each group's entry and the session that produced it (a server holds that client's reply). */
  onGroup?: (seq: number, session: Session | null) => void;
  /** The journal stopped (a server drops the connections waiting for it). */
  onFailure?: (error: Error) => void;
  /** A snapshot was built and verified; `dirty` is the change counter when its build started. */
  onSaved?: (meta: SnapshotMeta, dirty: number) => void;
  /** Automatic snapshots older than this many days are deleted (0..35, default 1), the newest kept. */
  retentionDays?: number;
  /** Schedules the tick's journal append (default queueMicrotask; Node passes setImmediate). */
  schedule?: (fn: () => void) => void;
  /** Awaited between slices of recovery so the event loop breathes (default: none). */
  pause?: () => Promise<void>;
  onProgress?: (p: LoadProgress) => void;
  log?: (level: LogLevel, message: string) => void;
}

export class Durability {
  readonly tracker: DurabilityTracker;
  readonly journal: Journal;
  readonly snapshots: SnapshotBackend;
  /** The journal stopped: nothing becomes durable any more. */
  failure: Error | null = null;
  private misconf: ErrorReply | null = null;
  /** What start-up recovery loaded. */
  recovered: RecoverResult | null = null;
  private readonly rules: () => readonly SaveRule[];
  retentionDays: number;
  /** Snapshots built since open, when the current (or last) build started, how long the last took. */
  saves = 0;
  buildStartedAt = 0;
  lastBuildSeconds = -1;
  /** Another build is wanted once the running one ends (BGSAVE SCHEDULE, BGREWRITEAOF). */
  scheduled = false;
  /** journal.appendedBytes when the last build started (the journal-size rule's base). */
  private journalBytesAtSave = 0;
  /** Unix ms of the last successful snapshot (open counts as one: nothing to save yet). */
  lastSave = Date.now();
  lastSaveStatus: 'ok' | 'err' = 'ok';
  private lastSaveAttempt = 0;
  private dirtyAtSave = 0;
  private buildRun: Promise<SnapshotMeta> | null = null;
  private cron: ReturnType<typeof setInterval> | null = null;
  /** The session whose call is running, and the newest entry its own effects went to. */
  private running: Session | null = null;
  private ownSeq = 0;
  private closing: Promise<void> | null = null;
  private readonly log: (level: LogLevel, message: string) => void;

  private constructor(
    readonly engine: Engine,
    private readonly options: DurabilityOptions,
  ) {
    this.journal = options.journal;
    this.snapshots = options.snapshots;
    const rules = options.saveRules ?? DEFAULT_SAVE_RULES;
    this.rules = typeof rules === 'function' ? rules : () => rules;
    this.retentionDays = options.retentionDays ?? 1;
    if (!Number.isInteger(this.retentionDays) || this.retentionDays < 0 || this.retentionDays > 35) {
      throw new SnapshotError(`snapshot retention must be 0..35 days, not ${this.retentionDays}`);
    }
    if (typeof rules !== 'function') {
      for (const r of rules) {
        if (!(r.length === 2 && r[0] >= 0 && r[1] >= 0)) throw new SnapshotError(`invalid save rule [${r.join(', ')}]`);
      }
    }
    this.log = options.log ?? (() => {});
    this.tracker = new DurabilityTracker(this.journal, engine.shard.dbs.length, options.schedule);
    this.journal.onDurable((_seq, error) => {
      if (error !== null) this.fail(error);
    });
  }

  /** Recovers the engine (which must be empty) from the snapshots and journal, then starts journaling. */
  static async open(engine: Engine, options: DurabilityOptions): Promise<Durability> {
    const d = new Durability(engine, options);
    await d.recover();
    return d;
  }

  private async recover(): Promise<void> {
    const { engine, journal, snapshots } = this;
    const shard = engine.shard;
    shard.expireEnabled = false;
    try {
      this.recovered = await recover(engine, snapshots.store, journal, {
        log: this.log,
        onProgress: this.options.onProgress,
        pause: this.options.pause,
      });
      // Snapshots a crash left half-written are of no use to anyone.
      await pruneSnapshots(snapshots.store, { retentionDays: this.retentionDays, removeIncomplete: true });
    } finally {
      shard.expireEnabled = true;
    }
    shard.onEffects = (group, session) => this.addGroup(group, session);
    const other = shard.onKeyModified;
    shard.onKeyModified =
      other === null
        ? (db, key) => this.tracker.keyModified(db, key)
        : (db, key) => {
            this.tracker.keyModified(db, key);
            other(db, key);
          };
    this.dirtyAtSave = shard.dirty;
    if (typeof this.options.saveRules === 'function' || this.rules().length > 0 || this.options.journalRule !== undefined) {
      this.cron = setInterval(() => this.checkRules(), 1000);
      // Portable unref: Node timers have it, browsers' numeric ids do not.
      (this.cron as { unref?: () => void }).unref?.();
    }
  }

  /** The save rules in force. */
  get saveRules(): readonly SaveRule[] {
    return this.rules();
  }

  /** A build is running. */
  get building(): boolean {
    return this.buildRun !== null;
  }

  private addGroup(group: Effect[], session: Session | null): void {
    const seq = this.tracker.addGroup(group);
    if (session !== null && session === this.running && seq > this.ownSeq) this.ownSeq = seq;
    this.options.onGroup?.(seq, session);
  }

  private fail(error: Error): void {
    if (this.failure !== null) return;
    this.failure = error;
    this.misconf = new ErrorReply(`MISCONF Errors writing to the journal: ${error.message}`);
    this.log('warning', `Can't persist the journal: ${error.message}. Refusing commands that touch data; restart to recover what is durable.`);
    this.options.onFailure?.(error);
  }

  /** The error a command gets before it runs (MISCONF once the journal failed), or null. */
  refuse(argv: readonly string[]): ErrorReply | null {
    if (this.failure === null) return null;
    const cmd = runnableCommand(argv);
    // Unknown commands and arity errors get their own error from the engine.
    if (cmd === undefined || cmd.flags.includes('loading')) return null;
    return this.misconf;
  }

  /**
   * Runs `run` (the engine calls of one API call by `session`; `argv` names what it reads: a
   * command, or EXEC for a transaction) and delivers its result, or its error, once what it shows
   * is durable. A result that waits for nothing is delivered at once. The caller asks refuse()
   * first.
   */
  perform<T>(session: Session, argv: readonly string[], run: () => T): Promise<T> {
    this.running = session;
    this.ownSeq = 0;
    let value: T | undefined;
    let error: unknown;
    let failed = false;
    try {
      value = run();
    } catch (e) {
      error = e;
      failed = true;
    } finally {
      this.running = null;
    }
    const seq = Math.max(this.ownSeq, this.readSeq(session, argv));
    const deliver = failed ? () => Promise.reject(error) : () => value as T;
    if (seq <= this.journal.durableSeq) return failed ? Promise.reject(error) : Promise.resolve(value as T);
    return this.journal.whenDurable(seq).then(deliver);
  }

  /**
   * The entry a reply to `argv` (run by `session`) waits for because of what it read (0: none):
   * the newest not-yet-durable write of a key it names, or of anything when the table cannot
   * name its keys (keyless and script-like commands). Its own writes' entry comes on top.
   */
  readSeq(session: Session, argv: readonly string[]): number {
    const t = this.tracker;
    // After a failure only commands that show no data run: nothing more to wait for.
    if (this.journal.durableSeq >= t.newestSeq || this.failure !== null) return 0;
    const cmd = runnableCommand(argv);
    if (cmd === undefined) return 0;
    return readsKnownKeys(cmd) ? t.readSeq(session.db, argv, keyIndexes(cmd, argv)) : t.newestSeq;
  }

  /**
   * Builds a snapshot of everything acknowledged so far (a named one is manual: kept until
   * deleted), then truncates the journal before it and prunes old automatic snapshots. One build
   * at a time: a request during a build waits for it and then builds its own.
   */
  async snapshot(name: string | null = null): Promise<SnapshotMeta> {
    if (name !== null && (name === '' || /^\d+$/.test(name))) throw new SnapshotError('a snapshot name must not be empty or a number');
    while (this.buildRun !== null) await this.buildRun.catch(() => {});
    const run = this.runBuild(name);
    this.buildRun = run;
    try {
      return await run;
    } finally {
      this.buildRun = null;
      if (this.scheduled && this.closing === null) {
        this.scheduled = false;
        void this.snapshot().catch(() => {});
      }
    }
  }

  private async runBuild(name: string | null): Promise<SnapshotMeta> {
    const { journal, snapshots } = this;
    if (this.failure !== null) throw this.failure;
    if (name !== null && snapshots.store.list().some((m) => m.name === name)) throw new SnapshotError(`a snapshot named '${name}' already exists`);
    const dirty = this.engine.shard.dirty;
    this.lastSaveAttempt = this.buildStartedAt = Date.now();
    this.journalBytesAtSave = journal.appendedBytes;
    this.log('notice', `Background snapshot started${name === null ? '' : ` ('${name}')`}`);
    try {
      // Everything acknowledged so far is in a durable entry up to lastSeq.
      this.tracker.batcher.flush();
      const toSeq = journal.lastSeq;
      await journal.whenDurable(toSeq);
      const meta = await snapshots.build(toSeq, name);
      // The journal is kept from the snapshot before this one on (and that snapshot with it), so
      // that recovery can fall back to it should this one ever fail to verify.
      const store = snapshots.store;
      const fallback = store
        .list()
        .filter((m) => m.complete && m.id < meta.id && m.seq <= meta.seq)
        .pop();
      if (fallback !== undefined) await journal.truncateBefore(Math.min(fallback.seq, journal.durableSeq) + 1);
      await pruneSnapshots(store, { retentionDays: this.retentionDays, verifiedId: meta.id, keep: fallback ? [fallback.id] : [] });
      this.lastSaveStatus = 'ok';
      this.lastSave = Date.now();
      this.dirtyAtSave = dirty;
      this.saves++;
      this.log('notice', `Background snapshot ${meta.id} done: seq ${meta.seq}, ${meta.keys} keys, ${meta.bytes} bytes`);
      this.options.onSaved?.(meta, dirty);
      return meta;
    } catch (e) {
      this.lastSaveStatus = 'err';
      this.log('warning', `Background snapshot failed: ${(e as Error).message}`);
      throw e;
    } finally {
      this.lastBuildSeconds = Math.round((Date.now() - this.buildStartedAt) / 1000);
    }
  }

  /** Writes since the last snapshot (Redis's rdb_changes_since_last_save). */
  get changesSinceSave(): number {
    return this.engine.shard.dirty - this.dirtyAtSave;
  }

  /** Once a second: Redis's save rules and the journal-size rule start a background snapshot. */
  private checkRules(): void {
    if (this.buildRun !== null || this.failure !== null || this.closing !== null) return;
    const changes = this.changesSinceSave;
    const now = Date.now();
    const elapsed = (now - this.lastSave) / 1000;
    // After a failed build, retry only every 5 s (CONFIG_BGSAVE_RETRY_DELAY).
    if (this.lastSaveStatus !== 'ok' && now - this.lastSaveAttempt <= 5000) return;
    let due = this.saveRules.some(([seconds, min]) => changes >= min && changes > 0 && elapsed > seconds);
    const rule = this.options.journalRule?.() ?? null;
    if (rule !== null && rule.percentage > 0) {
      const growth = this.journal.appendedBytes - this.journalBytesAtSave;
      const base = Math.max(1, this.journalBytesAtSave);
      if (growth >= rule.minSize && (growth * 100) / base >= rule.percentage) due = true;
    }
    if (due) void this.snapshot().catch(() => {});
  }

  /** The complete snapshots, oldest first. */
  list(): SnapshotMeta[] {
    return this.snapshots.store.list().filter((m) => m.complete);
  }

  /** A complete snapshot by name or id. */
  find(ref: string | number): SnapshotMeta {
    const store = this.snapshots.store;
    const m = typeof ref === 'number' ? store.get(ref) : store.list().find((x) => x.name === ref);
    if (m === undefined || !m.complete) throw new SnapshotError(`no such snapshot '${ref}'`);
    return m;
  }

  /** Deletes a snapshot by name or id; the newest one, the recovery base, is kept. */
  async delete(ref: string | number): Promise<void> {
    const m = this.find(ref);
    if (this.list().pop()?.id === m.id) throw new SnapshotError('the newest snapshot is the recovery base: create another one first');
    await this.snapshots.store.delete(m.id);
  }

  /**
   * Appends what the current tick queued and syncs, after a final snapshot when `save` (default:
   * when save rules are set and something changed since the last one, as Redis's SHUTDOWN);
   * then closes the journal and the snapshot store. Calls after this reject.
   */
  close(save?: boolean): Promise<void> {
    this.closing ??= this.shutdown(save);
    return this.closing;
  }

  private async shutdown(save: boolean | undefined): Promise<void> {
    if (this.cron !== null) clearInterval(this.cron);
    this.cron = null;
    await this.buildRun?.catch(() => {});
    const wanted = save ?? (this.saveRules.length > 0 && this.changesSinceSave > 0);
    let error: unknown = null;
    if (wanted && this.failure === null) {
      this.log('notice', 'Saving the final snapshot before closing.');
      try {
        await this.runBuild(null);
      } catch (e) {
        // An explicit request deserves to know; the journal still holds everything either way.
        if (save === true) error = e;
      }
    }
    try {
      this.tracker.batcher.flush();
    } catch {
      // a failed journal already said why
    }
    this.engine.shard.onEffects = null;
    this.tracker.close();
    try {
      await this.journal.close();
    } finally {
      await this.snapshots.close();
    }
    if (error !== null) throw error;
  }
}

/** Whether the table names every key a command reads (else its reply waits for every write). */
function readsKnownKeys(cmd: Command): boolean {
  if (SCRIPT_LIKE.has(cmd.name)) return false;
  return cmd.firstKey > 0 || cmd.keys !== undefined;
}

/** Commands whose keys the table names but that may touch others (scripts read undeclared keys). */
const SCRIPT_LIKE = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);
