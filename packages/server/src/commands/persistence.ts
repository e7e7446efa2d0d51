/**
 * Durability in the server (issue 4; DESIGN invariants 3-5): with `appendonly yes` (the default)
 * every effect group the shard emits goes into the LMDB journal in the data directory, one entry
 * per event-loop turn, and no reply that shows a write leaves before that write is durable under
 * `appendfsync` (`always`, the default: synced to disk, group-committed).
 *
 * How a reply waits: the client's `waitSeq` is the newest journal entry its buffered replies
 * depend on — the entry holding its own effects (set when the shard hands over the group, which
 * names the session that produced it: blocked clients served by another's push included), or the
 * entry of a not-yet-durable write of a key it read (set after each command from the command
 * table's key positions; keyless reads wait for the newest entry). A flush whose waitSeq is not
 * durable parks the client: its replies stay buffered and its next commands wait, as a blocked
 * client's, until the journal reports the entry durable (onDurable), when it flushes and goes on.
 *
 * Start-up (DESIGN invariant 5): the newest snapshot that verifies, then the journal after it,
 * replayed through the command table (core durability/snapshot.ts recover()), while the server
 * already listens and answers `-LOADING` to everything but the commands Redis allows while
 * loading. A torn or corrupt snapshot falls back to the one before (logged); a journal whose
 * checksum chain breaks stops the start (`server.ready` rejects, the binary exits naming the
 * sequence number): never a start with silently partial data.
 *
 * Snapshots (DESIGN invariant 6) are built by a Piscina worker from the previous snapshot plus
 * the journal up to a durable sequence number, in their own LMDB environment, verified, and only
 * then is the journal truncated — before the previous snapshot, which is kept with the journal
 * after it so that recovery can fall back to it if the newest one ever fails to verify — and old
 * automatic snapshots pruned (`snapshot-retention-days`). Triggers: Redis's `save <seconds> <changes>` rules, the journal
 * growing past `auto-aof-rewrite-min-size` by `auto-aof-rewrite-percentage` since the last
 * snapshot, SAVE / BGSAVE / BGREWRITEAOF, SHUTDOWN (SAVE, or by default when save rules are set),
 * and SNAPSHOT CREATE for named (manual) snapshots, kept until SNAPSHOT DELETE.
 *
 * A failed journal write (a full disk) stops durability for good: Redis exits when its AOF
 * cannot be written under `always`; here the replies waiting for the failed entry are never
 * sent (their connections close: nothing unacknowledged is claimed) and every later command that
 * could read or write data gets `-MISCONF`, so nothing not durable is ever shown. A restart
 * recovers what was durable.
 */
import { mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ErrorReply, OK, Status, defineCommands, keyIndexes, type Command, type CommandSpec, type Reply } from '@memorykv/core';
import type { Ctx } from '../../../core/src/commands/context.ts';
import {
  MemorySnapshotStore,
  buildSnapshot,
  pruneSnapshots,
  recover,
  verifySnapshot,
  type SnapshotMeta,
  type SnapshotStore,
} from '../../../core/src/durability/snapshot.ts';
import { exportSnapshotFile, openLmdbSnapshotStore, snapshotStorePath } from '../../../core/src/node/snapshot-lmdb.ts';
import { SnapshotBuilder } from '../../../core/src/node/snapshot-worker.ts';
// Not exported from @memorykv/core's index (Node-only or internal to the engine).
import { runnableCommand } from '../../../core/src/commands/table.ts';
import { DurabilityTracker } from '../../../core/src/durability/tracker.ts';
import { LmdbJournal } from '../../../core/src/node/journal-lmdb.ts';
import type { FsyncPolicy, Journal } from '../../../core/src/durability/journal.ts';
import { Client } from '../client.ts';
import type { DurabilityGate, MemorykvServer } from '../server.ts';
import { defineInfoSection, param, serverStats, type CommandExtras, type ShutdownFlags } from './introspection.ts';
import { later } from './later.ts';
import { allowProtectedAction } from './config.ts';

const LOADING = new ErrorReply('LOADING Redis is loading the dataset in memory');

/** Replay runs this long before it lets the event loop answer clients (-LOADING, INFO). */
const LOAD_SLICE_MS = 20;

/** How snapshots are stored and built: LMDB + a Piscina worker, or (a journal handed in) memory. */
interface Snapshots {
  readonly store: SnapshotStore;
  /** Builds and verifies the snapshot at toSeq (durable), from the newest usable one before. */
  build(toSeq: number, name: string | null): Promise<SnapshotMeta>;
  close(): Promise<void>;
}

async function lmdbSnapshots(dataDir: string, journalPath: string, server: MemorykvServer): Promise<Snapshots> {
  const snapshotPath = snapshotStorePath(dataDir);
  const store = await openLmdbSnapshotStore({ path: snapshotPath });
  const builder = new SnapshotBuilder({ journalPath, snapshotPath, config: server.engine.shard.config });
  return {
    store,
    build: async (toSeq, name) => (await builder.build(toSeq, { name, prevId: 'latest' })).meta,
    async close() {
      await builder.close();
      await store.close();
    },
  };
}

/** In-thread builds over a memory store (tests, and journals that are not LMDB environments). */
function memorySnapshots(journal: Journal, server: MemorykvServer): Snapshots {
  const store = new MemorySnapshotStore();
  return {
    store,
    async build(toSeq, name) {
      const prev = store
        .list()
        .filter((m) => m.complete && m.seq <= toSeq && m.seq >= journal.firstSeq - 1)
        .pop();
      const { meta } = await buildSnapshot(store, prev?.id ?? null, journal, toSeq, { config: server.engine.shard.config, name });
      return verifySnapshot(store, meta.id);
    },
    close: () => store.close(),
  };
}

interface SaveStats {
  inProgress: boolean;
  startedAt: number;
  lastStatus: 'ok' | 'err';
  lastSeconds: number;
  saves: number;
  /** Journal bytes appended when the last snapshot's build started (the rewrite rule's base). */
  journalBytesAtSave: number;
  /** A BGREWRITEAOF asked for while a build ran: one more build follows it. */
  scheduled: boolean;
}

export class Persistence implements DurabilityGate {
  readonly tracker: DurabilityTracker;
  snapshots: Snapshots | null = null;
  private readonly parked = new Set<Client>();
  /** Start-up recovery in progress (commands without the `loading` flag get -LOADING). */
  loading = true;
  loadStartedAt = 0;
  loadedEntries = 0;
  loadTotalEntries = 0;
  loadedBytes = 0;
  loadTotalBytes = 0;
  loadedKeys = 0;
  /** The journal stopped: nothing becomes durable any more. */
  failure: Error | null = null;
  private misconf: ErrorReply | null = null;
  /** Settles when start-up recovery ended (rejects if the data could not be loaded). */
  readonly ready: Promise<void>;
  readonly save: SaveStats = {
    inProgress: false,
    startedAt: 0,
    lastStatus: 'ok',
    lastSeconds: -1,
    saves: 0,
    journalBytesAtSave: 0,
    scheduled: false,
  };
  /** The running build (one at a time; later requests wait for it). */
  private building: Promise<SnapshotMeta> | null = null;
  /** snapshot-retention-days: automatic snapshots older than this are deleted (0..35). */
  retentionDays = 1;
  private cron: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly server: MemorykvServer,
    readonly journal: Journal,
    /** The data directory (journal/ and snapshots/ in it), or null for a journal handed in. */
    readonly dataDir: string | null,
  ) {
    const shard = server.engine.shard;
    this.tracker = new DurabilityTracker(this.journal, shard.dbs.length, setImmediate);
    this.journal.onDurable((seq, error) => (error === null ? this.release(seq) : this.fail(error)));
    // Recovery runs first; the shard's effects go to the journal only once it is done.
    this.ready = this.recover();
  }

  get durableSeq(): number {
    return this.journal.durableSeq;
  }

  park(client: Client): void {
    // What it waits for will never be durable: nothing it was about to say may be said.
    if (this.failure !== null) {
      client.close();
      return;
    }
    client.parked = true;
    this.parked.add(client);
  }

  private release(durable: number): void {
    if (this.parked.size === 0) return;
    for (const c of [...this.parked]) {
      if (c.waitSeq > durable) continue;
      this.parked.delete(c);
      c.parked = false;
      if (c.closed) continue;
      c.flush();
      if (!c.closed && !c.parked) c.processInput();
    }
  }

  private fail(error: Error): void {
    if (this.failure !== null) return;
    this.failure = error;
    this.misconf = new ErrorReply(`MISCONF Errors writing to the journal: ${error.message}`);
    this.server.log('warning', `Can't persist the journal: ${error.message}. Refusing commands that touch data; restart to recover what is durable.`);
    for (const c of [...this.parked]) c.close();
    this.parked.clear();
  }

  /** The guard: -LOADING while recovering, -MISCONF once the journal failed. */
  refuse(argv: readonly string[]): ErrorReply | null {
    if (!this.loading && this.failure === null) return null;
    const cmd = runnableCommand(argv);
    // Unknown commands and arity errors get their own error from the engine.
    if (cmd === undefined || cmd.flags.includes('loading')) return null;
    return this.loading ? LOADING : this.misconf;
  }

  /** After a command: its reply also waits for the not-yet-durable writes it read. */
  afterCommand(client: Client, argv: readonly string[]): void {
    const t = this.tracker;
    if (this.journal.durableSeq >= t.newestSeq || this.failure !== null) return;
    const cmd = runnableCommand(argv);
    if (cmd === undefined) return;
    const seq = readsKnownKeys(cmd) ? t.readSeq(client.db, argv, keyIndexes(cmd, argv)) : t.newestSeq;
    if (seq > client.waitSeq) client.waitSeq = seq;
  }

  /** Start-up: the newest verified snapshot, then the journal tail, a slice per event-loop turn. */
  private async recover(): Promise<void> {
    const { server, journal } = this;
    const shard = server.engine.shard;
    shard.expireEnabled = false;
    this.loadStartedAt = Date.now();
    try {
      this.snapshots = this.dataDir === null ? memorySnapshots(journal, server) : await lmdbSnapshots(this.dataDir, join(this.dataDir, 'journal'), server);
      const store = this.snapshots.store;
      const newest = store.list().filter((m) => m.complete).pop();
      this.loadTotalBytes = newest?.bytes ?? 0;
      this.loadTotalEntries = Math.max(0, journal.lastSeq - (newest?.seq ?? 0));
      if (newest !== undefined || this.loadTotalEntries > 0) {
        server.log('notice', `Loading: ${newest === undefined ? 'no snapshot' : `snapshot ${newest.id} (${newest.keys} keys)`}, ${this.loadTotalEntries} journal entries after it`);
      }
      const result = await recover(server.engine, store, journal, {
        log: (level, message) => server.log(level, message),
        onProgress: (p) => {
          this.loadedBytes = p.bytesLoaded;
          this.loadTotalBytes = p.bytesTotal;
          this.loadedEntries = p.entriesReplayed;
          this.loadTotalEntries = p.entriesTotal;
        },
        pause: () => new Promise((r) => setImmediate(r)),
      });
      this.loadedKeys = shard.keyCount;
      if (result.snapshot !== null || result.entriesReplayed > 0) {
        server.log('notice', `DB loaded: ${this.loadedKeys} keys, ${((Date.now() - this.loadStartedAt) / 1000).toFixed(3)} seconds`);
      }
      // Snapshots a crash left half-written are of no use to anyone.
      await pruneSnapshots(store, { retentionDays: this.retentionDays, removeIncomplete: true });
    } catch (e) {
      server.log('warning', `Fatal error loading the data: ${(e as Error).message}`);
      throw e;
    } finally {
      shard.expireEnabled = true;
      this.loading = false;
    }
    shard.onEffects = (group, session) => {
      const seq = this.tracker.addGroup(group);
      if (session instanceof Client && seq > session.waitSeq) session.waitSeq = seq;
    };
    server.keyModified.push((db, key) => this.tracker.keyModified(db, key));
    serverStats(server).dirtyAtSave = shard.dirty;
    this.cron = setInterval(() => this.checkRules(), 1000);
    this.cron.unref();
  }

  /**
   * Builds a snapshot of everything acknowledged so far (a named one is manual: kept until
   * deleted), then truncates the journal before it and prunes old automatic snapshots. One build
   * at a time: a request during a build waits for it and then builds its own.
   */
  async snapshot(name: string | null = null): Promise<SnapshotMeta> {
    while (this.building !== null) await this.building.catch(() => {});
    const run = this.runBuild(name);
    this.building = run;
    try {
      return await run;
    } finally {
      this.building = null;
      if (this.save.scheduled) {
        this.save.scheduled = false;
        void this.snapshot().catch(() => {});
      }
    }
  }

  private async runBuild(name: string | null): Promise<SnapshotMeta> {
    const { journal, server, save } = this;
    if (this.snapshots === null || this.loading) throw new Error('the data is still loading');
    if (this.failure !== null) throw this.failure;
    const st = serverStats(server);
    const dirty = server.engine.shard.dirty;
    save.inProgress = true;
    save.startedAt = Date.now();
    save.journalBytesAtSave = this.journalBytes();
    server.log('notice', `Background snapshot started${name === null ? '' : ` ('${name}')`}`);
    try {
      // Everything acknowledged so far is in a durable entry up to lastSeq.
      this.tracker.batcher.flush();
      const toSeq = journal.lastSeq;
      await journal.whenDurable(toSeq);
      const meta = await this.snapshots.build(toSeq, name);
      // The journal is kept from the snapshot before this one on (and that snapshot with it), so
      // that recovery can fall back to it should this one ever fail to verify.
      const store = this.snapshots.store;
      const fallback = store
        .list()
        .filter((m) => m.complete && m.id < meta.id && m.seq <= meta.seq)
        .pop();
      if (fallback !== undefined) await journal.truncateBefore(Math.min(fallback.seq, journal.durableSeq) + 1);
      await pruneSnapshots(store, { retentionDays: this.retentionDays, verifiedId: meta.id, keep: fallback ? [fallback.id] : [] });
      save.lastStatus = 'ok';
      save.saves++;
      st.lastSave = Math.floor(Date.now() / 1000);
      st.dirtyAtSave = dirty;
      server.log('notice', `Background snapshot ${meta.id} done: seq ${meta.seq}, ${meta.keys} keys, ${meta.bytes} bytes`);
      return meta;
    } catch (e) {
      save.lastStatus = 'err';
      server.log('warning', `Background snapshot failed: ${(e as Error).message}`);
      throw e;
    } finally {
      save.inProgress = false;
      save.lastSeconds = Math.round((Date.now() - save.startedAt) / 1000);
    }
  }

  get bgsaveInProgress(): boolean {
    return this.building !== null;
  }

  /** Bytes the journal took since this process opened it (what the rewrite rule measures). */
  journalBytes(): number {
    return (this.journal as { appendedBytes?: number }).appendedBytes ?? 0;
  }

  /** Once a second: Redis's save rules and the journal-size rule start a background snapshot. */
  private checkRules(): void {
    if (this.building !== null || this.loading || this.failure !== null) return;
    const st = serverStats(this.server);
    const changes = this.server.engine.shard.dirty - st.dirtyAtSave;
    const elapsed = Date.now() / 1000 - st.lastSave;
    const rules = param(this.server, 'save').split(' ').filter(Boolean).map(Number);
    let due = false;
    // After a failed build, retry only every 5 s (CONFIG_BGSAVE_RETRY_DELAY).
    const retryOk = this.save.lastStatus === 'ok' || Date.now() - this.save.startedAt > 5000;
    for (let i = 0; i + 1 < rules.length; i += 2) {
      if (changes >= rules[i + 1]! && elapsed > rules[i]! && retryOk) due = true;
    }
    const growth = this.journalBytes() - this.save.journalBytesAtSave;
    const minSize = Number(param(this.server, 'auto-aof-rewrite-min-size'));
    const percentage = Number(param(this.server, 'auto-aof-rewrite-percentage'));
    if (percentage > 0 && growth >= minSize && retryOk) {
      const base = Math.max(1, this.save.journalBytesAtSave);
      if ((growth * 100) / base >= percentage) due = true;
    }
    if (due) void this.snapshot().catch(() => {});
  }

  /** Appends what the current tick queued and syncs; the journal is closed afterwards. */
  async close(): Promise<void> {
    if (this.cron !== null) clearInterval(this.cron);
    await this.ready.catch(() => {});
    await this.building?.catch(() => {});
    try {
      this.tracker.batcher.flush();
    } catch {
      // a failed journal already said why
    }
    this.tracker.close();
    await this.journal.close();
    await this.snapshots?.close();
  }

  info(): string {
    const st = serverStats(this.server);
    const shard = this.server.engine.shard;
    const save = this.save;
    const lines = ['# Persistence', `loading:${this.loading ? 1 : 0}`, 'async_loading:0'];
    if (this.loading) {
      const total = this.loadTotalBytes + this.loadTotalEntries;
      const done = this.loadedBytes + this.loadedEntries;
      const perc = total > 0 ? (done / total) * 100 : 0;
      const spent = Date.now() - this.loadStartedAt;
      const eta = done > 0 ? Math.round(((spent / done) * (total - done)) / 1000) : 1;
      lines.push(
        `loading_start_time:${Math.floor(this.loadStartedAt / 1000)}`,
        `loading_total_bytes:${total}`,
        'loading_rdb_used_mem:0',
        `loading_loaded_bytes:${done}`,
        `loading_loaded_perc:${perc.toFixed(2)}`,
        `loading_eta_seconds:${eta}`,
      );
    }
    const building = save.inProgress ? 1 : 0;
    const current = save.inProgress ? Math.round((Date.now() - save.startedAt) / 1000) : -1;
    lines.push(
      'current_cow_peak:0',
      'current_cow_size:0',
      'current_cow_size_age:0',
      'current_fork_perc:0.00',
      'current_save_keys_processed:0',
      'current_save_keys_total:0',
      `rdb_changes_since_last_save:${shard.dirty - st.dirtyAtSave}`,
      `rdb_bgsave_in_progress:${building}`,
      `rdb_last_save_time:${st.lastSave}`,
      `rdb_last_bgsave_status:${save.lastStatus}`,
      `rdb_last_bgsave_time_sec:${save.lastSeconds}`,
      `rdb_current_bgsave_time_sec:${current}`,
      `rdb_saves:${save.saves}`,
      'rdb_last_cow_size:0',
      'rdb_last_load_keys_expired:0',
      `rdb_last_load_keys_loaded:${this.loadedKeys}`,
      'aof_enabled:1',
      `aof_rewrite_in_progress:${building}`,
      `aof_rewrite_scheduled:${save.scheduled ? 1 : 0}`,
      `aof_last_rewrite_time_sec:${save.lastSeconds}`,
      `aof_current_rewrite_time_sec:${current}`,
      `aof_last_bgrewrite_status:${save.lastStatus}`,
      `aof_rewrites:${save.saves}`,
      'aof_rewrites_consecutive_failures:0',
      `aof_last_write_status:${this.failure === null ? 'ok' : 'err'}`,
      'aof_last_cow_size:0',
      'module_fork_in_progress:0',
      'module_fork_last_cow_size:0',
      // What Redis shows with AOF on, in its own terms: the journal's size and position.
      `aof_current_size:${this.dataDir === null ? 0 : fileBytes(join(this.dataDir, 'journal', 'data.mdb'))}`,
      `aof_base_size:${this.dataDir === null ? 0 : fileBytes(join(snapshotStorePath(this.dataDir), 'data.mdb'))}`,
      'aof_pending_rewrite:0',
      'aof_buffer_length:0',
      'aof_pending_bio_fsync:0',
      'aof_delayed_fsync:0',
      `memorykv_journal_first_seq:${this.journal.firstSeq}`,
      `memorykv_journal_last_seq:${this.journal.lastSeq}`,
      `memorykv_journal_durable_seq:${this.journal.durableSeq}`,
      `memorykv_appendfsync:${this.journal.policy}`,
      `memorykv_snapshots:${this.snapshots?.store.list().filter((m) => m.complete).length ?? 0}`,
    );
    return lines.join('\r\n');
  }
}

/** Whether the table names every key a command reads (else its reply waits for every write). */
function readsKnownKeys(cmd: Command): boolean {
  if (SCRIPT_LIKE.has(cmd.name)) return false;
  return cmd.firstKey > 0 || cmd.keys !== undefined;
}

/** Commands whose keys the table names but that may touch others (scripts read undeclared keys). */
const SCRIPT_LIKE = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

const STATE = 'persistence';

export function persistenceOf(server: MemorykvServer): Persistence | undefined {
  return server.state.get(STATE) as Persistence | undefined;
}

// ---------------------------------------------------------------------------------------------
// Commands

const NO_PERSISTENCE = new ErrorReply('ERR this server keeps no data on disk (appendonly no)');
const BGSAVE_RUNNING = new ErrorReply('ERR Background save already in progress');

function persistenceFor(ctx: Ctx): Persistence {
  const p = persistenceOf((ctx.session as Client).server);
  if (p === undefined) throw NO_PERSISTENCE;
  return p;
}

function snapshotRef(store: SnapshotStore, ref: string): SnapshotMeta {
  const byName = store.list().find((m) => m.name === ref && m.complete);
  if (byName !== undefined) return byName;
  const id = /^\d+$/.test(ref) ? Number(ref) : NaN;
  const byId = store.get(id);
  if (byId === undefined || !byId.complete) throw new ErrorReply(`ERR no such snapshot '${ref}'`);
  return byId;
}

function snapshotReply(m: SnapshotMeta): Reply {
  return [
    'id', m.id,
    'name', m.name ?? '',
    'created', Math.floor(m.created / 1000),
    'seq', m.seq,
    'keys', m.keys,
    'bytes', m.bytes,
    'kind', m.name === null ? 'automatic' : 'manual',
  ];
}

/** A table entry with Redis's command tips and history (COMMAND INFO/DOCS read them). */
const spec = (s: CommandSpec & CommandExtras): CommandSpec => s;

defineCommands(
  spec({
    name: 'save',
    arity: 1,
    flags: ['admin', 'noscript', 'no_async_loading', 'no_multi'],
    acl: ['admin', 'slow', 'dangerous'],
    group: 'server',
    summary: 'Synchronously saves the database(s) to disk.',
    complexity: 'O(N) where N is the total number of keys in all databases',
    since: '1.0.0',
    tips: ['request_policy:all_shards'],
    // Redis blocks the whole server for a SAVE; here only the caller waits, for a snapshot built
    // off the serving thread like any other.
    handler: (ctx) => {
      const p = persistenceFor(ctx);
      if (p.bgsaveInProgress) throw BGSAVE_RUNNING;
      return later(ctx, p.snapshot().then(() => OK));
    },
  }),
  spec({
    name: 'bgsave',
    arity: -1,
    flags: ['admin', 'noscript', 'no_async_loading'],
    acl: ['admin', 'slow', 'dangerous'],
    group: 'server',
    summary: 'Asynchronously saves the database(s) to disk.',
    complexity: 'O(1)',
    since: '1.0.0',
    history: [['3.2.2', 'Added the `SCHEDULE` option.']],
    tips: ['request_policy:all_shards'],
    handler: (ctx) => {
      const p = persistenceFor(ctx);
      const schedule = ctx.argv.length === 2 && ctx.argv[1]!.toLowerCase() === 'schedule';
      if (ctx.argv.length > 2 || (ctx.argv.length === 2 && !schedule)) throw new ErrorReply('ERR syntax error');
      if (p.bgsaveInProgress) {
        if (!schedule) throw BGSAVE_RUNNING;
        p.save.scheduled = true;
        return new Status('Background saving scheduled');
      }
      void p.snapshot().catch(() => {});
      return new Status('Background saving started');
    },
  }),
  spec({
    name: 'bgrewriteaof',
    arity: 1,
    flags: ['admin', 'noscript', 'no_async_loading'],
    acl: ['admin', 'slow', 'dangerous'],
    group: 'server',
    summary: 'Asynchronously rewrites the append-only file to disk.',
    complexity: 'O(1)',
    since: '1.0.0',
    tips: ['nondeterministic_output', 'request_policy:all_shards'],
    // The journal's rewrite is a snapshot: everything before it is then truncated.
    handler: (ctx) => {
      const p = persistenceFor(ctx);
      if (p.bgsaveInProgress) {
        p.save.scheduled = true;
        return new Status('Background append only file rewriting scheduled');
      }
      void p.snapshot().catch(() => {});
      return new Status('Background append only file rewriting started');
    },
  }),
  spec({
    name: 'snapshot',
    arity: -2,
    flags: [],
    acl: ['slow'],
    group: 'server',
    summary: "Lists, creates, deletes and exports the server's snapshots (memorykv).",
    complexity: 'Depends on subcommand.',
    since: '7.2.0',
    subcommands: [
      spec({
        name: 'list',
        group: 'server',
        arity: 2,
        flags: ['admin', 'noscript', 'loading', 'stale'],
        acl: ['admin', 'slow', 'dangerous'],
        summary: 'Lists the complete snapshots, oldest first: id, name, created (unix s), seq, keys, bytes, kind.',
        complexity: 'O(N) where N is the number of snapshots',
        handler: (ctx) => {
          const p = persistenceFor(ctx);
          return (p.snapshots?.store.list() ?? []).filter((m) => m.complete).map(snapshotReply);
        },
      }),
      spec({
        name: 'create',
        group: 'server',
        arity: -2,
        flags: ['admin', 'noscript', 'no_async_loading', 'no_multi'],
        acl: ['admin', 'slow', 'dangerous'],
        summary: 'Builds a snapshot now and replies with it once it is verified; a named one is manual (kept until deleted).',
        complexity: 'O(N) where N is the number of keys changed since the previous snapshot',
        handler: (ctx) => {
          const p = persistenceFor(ctx);
          if (ctx.argv.length > 3) throw new ErrorReply('ERR syntax error');
          const name = ctx.argv[2] ?? null;
          if (name !== null && (name === '' || /^\d+$/.test(name))) throw new ErrorReply('ERR a snapshot name must not be empty or a number');
          if (name !== null && p.snapshots?.store.list().some((m) => m.name === name)) {
            throw new ErrorReply(`ERR a snapshot named '${name}' already exists`);
          }
          return later(ctx, p.snapshot(name).then(snapshotReply));
        },
      }),
      spec({
        name: 'delete',
        group: 'server',
        arity: 3,
        flags: ['admin', 'noscript', 'no_async_loading', 'no_multi'],
        acl: ['admin', 'slow', 'dangerous'],
        summary: 'Deletes a snapshot by name or id (the newest one, the recovery base, is kept).',
        complexity: 'O(N) where N is the size of the snapshot',
        handler: (ctx) => {
          const p = persistenceFor(ctx);
          const store = p.snapshots!.store;
          const m = snapshotRef(store, ctx.argv[2]!);
          const newest = store.list().filter((x) => x.complete).pop();
          if (newest?.id === m.id) throw new ErrorReply('ERR the newest snapshot is the recovery base: create another one first');
          return later(ctx, store.delete(m.id).then(() => OK));
        },
      }),
      spec({
        name: 'export',
        group: 'server',
        arity: 4,
        flags: ['admin', 'noscript', 'no_async_loading', 'no_multi'],
        acl: ['admin', 'slow', 'dangerous'],
        summary: 'Writes a snapshot (by name or id) to one file (a bare name: in dir), which `memorykv-server --restore FILE` starts from; replies with its size.',
        complexity: 'O(N) where N is the size of the snapshot',
        handler: (ctx) => {
          const p = persistenceFor(ctx);
          // A bare file name goes into `dir` (as dbfilename); a path elsewhere writes a file
          // anywhere the server may, a protected action as CONFIG SET dir.
          const client = ctx.session as Client;
          const file = Buffer.from(ctx.argv[3]!, 'latin1').toString();
          if (file.includes('/') && !allowProtectedAction(client.server, 'enable-protected-configs', client)) {
            throw new ErrorReply("ERR SNAPSHOT EXPORT to a path outside 'dir' is not allowed unless 'enable-protected-configs' permits it for this connection");
          }
          const store = p.snapshots!.store;
          const m = snapshotRef(store, ctx.argv[2]!);
          const path = resolve(client.server.settings.dir, file);
          return later(ctx, exportSnapshotFile(store, m.id, path));
        },
      }),
    ],
  }),
);

export function install(server: MemorykvServer): void {
  let p: Persistence;
  if (server.options.journal !== undefined) {
    p = new Persistence(server, server.options.journal, null);
  } else {
    if (param(server, 'appendonly') !== 'yes') return;
    const policy = param(server, 'appendfsync') as FsyncPolicy;
    const dataDir = join(server.settings.dir, param(server, 'appenddirname'));
    const path = join(dataDir, 'journal');
    mkdirSync(path, { recursive: true });
    p = new Persistence(server, LmdbJournal.open({ path, policy, start: server.options.journalStart }), dataDir);
  }
  server.state.set(STATE, p);
  server.durability = p;
  server.guards.push((_client, argv) => p.refuse(argv));
  server.afterCommand.push((client, argv) => p.afterCommand(client, argv));
  server.onClose.push(() => p.close());
  defineInfoSection(server, 'persistence', () => p.info());
  serverStats(server).beforeShutdown.push((flags: ShutdownFlags) => finalSnapshot(server, p, flags));
  server.defineParam({
    name: 'snapshot-retention-days',
    get: () => String(p.retentionDays),
    set: (v) => {
      const n = /^\d+$/.test(v) ? Number(v) : NaN;
      if (!(n >= 0 && n <= 35)) return new ErrorReply("ERR CONFIG SET failed (possibly related to argument 'snapshot-retention-days') - argument must be between 0 and 35 inclusive");
      p.retentionDays = n;
      return null;
    },
  });
  server.ready = p.ready;
  // Nobody else awaits a programmatic server's recovery: its failure is logged, not thrown.
  p.ready.catch(() => {});
}

/** SHUTDOWN: a snapshot first when asked (SAVE), or by default when save rules are set. */
async function finalSnapshot(server: MemorykvServer, p: Persistence, flags: ShutdownFlags): Promise<void> {
  if (flags.nosave || p.loading || p.failure !== null) return;
  if (!flags.save && param(server, 'save') === '') return;
  if (!flags.save && server.engine.shard.dirty === serverStats(server).dirtyAtSave) return;
  server.log('notice', 'Saving the final snapshot before exiting.');
  try {
    await p.snapshot();
  } catch {
    // logged by the build; the journal still holds everything
  }
}
