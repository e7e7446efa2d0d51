/**
 * Durability in the server (issue 4; DESIGN invariants 3-6): with `appendonly yes` (the default)
 * every effect group the shard emits goes into the LMDB journal in the data directory, one entry
 * per event-loop turn, and no reply that shows a write leaves before that write is durable under
 * `appendfsync` (`always`, the default: synced to disk, group-committed). The rules live in the
 * core's Durability (durability/durability.ts), which the in-process API runs too; this module
 * adds what only a server has: -LOADING while it loads, clients parked until their replies may
 * leave, INFO persistence, and the commands (SAVE, BGSAVE, BGREWRITEAOF, SNAPSHOT).
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
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ErrorReply, OK, Status, defineCommands, type Reply } from '@memorykv/core';
import type { Ctx } from '../../../core/src/commands/context.ts';
import { runnableCommand } from '../../../core/src/commands/table.ts';
import { Durability, inThreadSnapshots, type SaveRule } from '../../../core/src/durability/durability.ts';
import type { FsyncPolicy } from '../../../core/src/durability/journal.ts';
import { MemorySnapshotStore, type LoadProgress, type SnapshotMeta } from '../../../core/src/durability/snapshot.ts';
import type { DurableParts } from '../../../core/src/api/database.ts';
import { openLmdbStorage } from '../../../core/src/node/durable.ts';
import { snapshotStorePath } from '../../../core/src/node/snapshot-lmdb.ts';
import { dealIntoOne } from '../../../core/src/node/sharded-storage.ts';
import { Client } from '../client.ts';
import type { DurabilityGate, MemorykvServer } from '../server.ts';
import { defineInfoSection, param, persistenceSection, serverStats, type ShutdownFlags } from './introspection.ts';
import { later } from './later.ts';
import { allowProtectedAction } from './config.ts';

const LOADING = new ErrorReply('LOADING Redis is loading the dataset in memory');

/** Redis's `save` parameter ("3600 1 300 100") as rules. */
export function saveRules(text: string): SaveRule[] {
  const n = text.split(' ').filter(Boolean).map(Number);
  const rules: SaveRule[] = [];
  for (let i = 0; i + 1 < n.length; i += 2) rules.push([n[i]!, n[i + 1]!]);
  return rules;
}

/**
 * The server side of durability: the core's Durability (recovery, journal, tracker, snapshots,
 * rules; shared with the in-process API) plus what only a server has: -LOADING while it loads,
 * clients parked until their replies may leave, INFO, and the commands.
 */
export class Persistence implements DurabilityGate {
  /** Set once the data is loaded. */
  durability: Durability | null = null;
  private readonly parked = new Set<Client>();
  /** Start-up recovery in progress (commands without the `loading` flag get -LOADING). */
  loading = true;
  loadStartedAt = Date.now();
  progress: LoadProgress | null = null;
  loadedKeys = 0;
  /** Settles when start-up recovery ended (rejects if the data could not be loaded). */
  readonly ready: Promise<void>;

  constructor(
    private readonly server: MemorykvServer,
    parts: Promise<DurableParts>,
    /** The data directory (journal/ and snapshots/ in it), or null for a journal handed in. */
    readonly dataDir: string | null,
  ) {
    this.ready = this.open(parts);
  }

  get durableSeq(): number {
    return this.durability?.journal.durableSeq ?? 0;
  }

  park(client: Client): void {
    // What it waits for will never be durable: nothing it was about to say may be said.
    if (this.durability?.failure != null) {
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

  /** The guard: -LOADING while recovering, -MISCONF once the journal failed. */
  refuse(argv: readonly string[]): ErrorReply | null {
    if (this.loading) {
      const cmd = runnableCommand(argv);
      // Unknown commands and arity errors get their own error from the engine.
      return cmd === undefined || cmd.flags.includes('loading') ? null : LOADING;
    }
    return this.durability!.refuse(argv);
  }

  /** After a command: its reply also waits for the not-yet-durable writes it read. */
  afterCommand(client: Client, argv: readonly string[]): void {
    const d = this.durability;
    // Waiting for the newest entry already (a write's own): nothing it read can be newer.
    if (d === null || client.waitSeq >= d.tracker.newestSeq) return;
    const seq = d.readSeq(client, argv);
    if (seq > client.waitSeq) client.waitSeq = seq;
  }

  /** Start-up: the newest verified snapshot, then the journal tail, a slice per event-loop turn. */
  private async open(partsPromise: Promise<DurableParts>): Promise<void> {
    const { server } = this;
    const shard = server.engine.shard;
    const st = serverStats(server);
    try {
      const parts = await partsPromise;
      const d = await Durability.open(server.engine, {
        ...parts,
        saveRules: () => saveRules(param(server, 'save')),
        journalRule: () => ({
          minSize: Number(param(server, 'auto-aof-rewrite-min-size')),
          percentage: Number(param(server, 'auto-aof-rewrite-percentage')),
        }),
        retentionDays: this.retentionDays,
        onGroup: (seq, session) => {
          if (session instanceof Client && seq > session.waitSeq) session.waitSeq = seq;
        },
        onFailure: () => {
          for (const c of [...this.parked]) c.close();
          this.parked.clear();
        },
        onSaved: (_meta, dirty) => {
          st.lastSave = Math.floor(Date.now() / 1000);
          st.dirtyAtSave = dirty;
        },
        onProgress: (p) => (this.progress = p),
        log: (level, message) => server.log(level, message),
      });
      d.journal.onDurable((seq, error) => {
        if (error === null) this.release(seq);
      });
      this.durability = d;
      // Data a sharded server left (`--shards N` before) is dealt into this engine while loading.
      const dealt = this.dataDir === null ? null : await dealIntoOne(this.dataDir, server.engine, d, { config: server.settings.engine });
      if (dealt !== null) server.log('notice', `Dealt ${dealt.copied} keys from ${dealt.from} shards into this one`);
      this.loadedKeys = shard.keyCount;
      const r = d.recovered;
      if (r !== null && (r.snapshot !== null || r.entriesReplayed > 0)) {
        server.log('notice', `DB loaded: ${this.loadedKeys} keys, ${((Date.now() - this.loadStartedAt) / 1000).toFixed(3)} seconds`);
      }
      st.dirtyAtSave = shard.dirty;
    } catch (e) {
      server.log('warning', `Fatal error loading the data: ${(e as Error).message}`);
      throw e;
    } finally {
      this.loading = false;
    }
  }

  /** snapshot-retention-days before the data is loaded (then the durability's). */
  private retention = 1;
  get retentionDays(): number {
    return this.durability?.retentionDays ?? this.retention;
  }
  set retentionDays(days: number) {
    this.retention = days;
    if (this.durability !== null) this.durability.retentionDays = days;
  }

  /** Syncs and closes (after a final snapshot when SHUTDOWN asked for one: see finalSnapshot). */
  async close(): Promise<void> {
    await this.ready.catch(() => {});
    await this.durability?.close(false);
  }

  info(): string {
    const d = this.durability;
    const p = this.progress;
    const journal = d?.journal;
    return persistenceSection(this.server, serverStats(this.server), {
      loading: this.loading
        ? {
            startedAt: this.loadStartedAt,
            done: (p?.bytesLoaded ?? 0) + (p?.entriesReplayed ?? 0),
            total: (p?.bytesTotal ?? 0) + (p?.entriesTotal ?? 0),
          }
        : null,
      aofEnabled: true,
      building: d?.building ?? false,
      buildStartedAt: d?.buildStartedAt ?? 0,
      lastStatus: d?.lastSaveStatus ?? 'ok',
      lastSeconds: d?.lastBuildSeconds ?? -1,
      saves: d?.saves ?? 0,
      scheduled: d?.scheduled ?? false,
      writeOk: d?.failure == null,
      loadedKeys: this.loadedKeys,
      extra: [
        // What Redis shows with AOF on, in its own terms: the journal's size and position.
        `aof_current_size:${this.dataDir === null ? 0 : fileBytes(join(this.dataDir, 'journal', 'data.mdb'))}`,
        `aof_base_size:${this.dataDir === null ? 0 : fileBytes(join(snapshotStorePath(this.dataDir), 'data.mdb'))}`,
        'aof_pending_rewrite:0',
        'aof_buffer_length:0',
        'aof_pending_bio_fsync:0',
        'aof_delayed_fsync:0',
        `memorykv_journal_first_seq:${journal?.firstSeq ?? 0}`,
        `memorykv_journal_last_seq:${journal?.lastSeq ?? 0}`,
        `memorykv_journal_durable_seq:${journal?.durableSeq ?? 0}`,
        `memorykv_appendfsync:${journal?.policy ?? ''}`,
        `memorykv_snapshots:${d?.list().length ?? 0}`,
      ],
    });
  }
}

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

/** The loaded durability of a persistent server (-LOADING is answered before commands run). */
function durabilityFor(ctx: Ctx): Durability {
  const d = persistenceFor(ctx).durability;
  if (d === null) throw LOADING;
  return d;
}

/** A complete snapshot by name, or by id when the reference is a number. */
function snapshotRef(d: Durability, ref: string): SnapshotMeta {
  try {
    return d.list().some((m) => m.name === ref) || !/^\d+$/.test(ref) ? d.find(ref) : d.find(Number(ref));
  } catch (e) {
    throw new ErrorReply(`ERR ${(e as Error).message}`);
  }
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

defineCommands(
  {
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
      const d = durabilityFor(ctx);
      if (d.building) throw BGSAVE_RUNNING;
      return later(ctx, d.snapshot().then(() => OK));
    },
  },
  {
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
      const d = durabilityFor(ctx);
      const schedule = ctx.argv.length === 2 && ctx.argv[1]!.toLowerCase() === 'schedule';
      if (ctx.argv.length > 2 || (ctx.argv.length === 2 && !schedule)) throw new ErrorReply('ERR syntax error');
      if (d.building) {
        if (!schedule) throw BGSAVE_RUNNING;
        d.scheduled = true;
        return new Status('Background saving scheduled');
      }
      void d.snapshot().catch(() => {});
      return new Status('Background saving started');
    },
  },
  {
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
      const d = durabilityFor(ctx);
      if (d.building) {
        d.scheduled = true;
        return new Status('Background append only file rewriting scheduled');
      }
      void d.snapshot().catch(() => {});
      return new Status('Background append only file rewriting started');
    },
  },
  {
    name: 'snapshot',
    arity: -2,
    flags: [],
    acl: ['slow'],
    group: 'server',
    summary: "Lists, creates, deletes and exports the server's snapshots (memorykv).",
    complexity: 'Depends on subcommand.',
    since: '7.2.0',
    subcommands: [
      {
        name: 'list',
        group: 'server',
        arity: 2,
        flags: ['admin', 'noscript', 'loading', 'stale'],
        acl: ['admin', 'slow', 'dangerous'],
        summary: 'Lists the complete snapshots, oldest first: id, name, created (unix s), seq, keys, bytes, kind.',
        complexity: 'O(N) where N is the number of snapshots',
        handler: (ctx) => durabilityFor(ctx).list().map(snapshotReply),
      },
      {
        name: 'create',
        group: 'server',
        arity: -2,
        flags: ['admin', 'noscript', 'no_async_loading', 'no_multi'],
        acl: ['admin', 'slow', 'dangerous'],
        summary: 'Builds a snapshot now and replies with it once it is verified; a named one is manual (kept until deleted).',
        complexity: 'O(N) where N is the number of keys changed since the previous snapshot',
        handler: (ctx) => {
          const d = durabilityFor(ctx);
          if (ctx.argv.length > 3) throw new ErrorReply('ERR syntax error');
          const name = ctx.argv[2] ?? null;
          // Checked now, so that the error comes before any wait (d.snapshot checks them too).
          if (name !== null && (name === '' || /^\d+$/.test(name))) throw new ErrorReply('ERR a snapshot name must not be empty or a number');
          if (name !== null && d.list().some((m) => m.name === name)) throw new ErrorReply(`ERR a snapshot named '${name}' already exists`);
          return later(ctx, d.snapshot(name).then(snapshotReply));
        },
      },
      {
        name: 'delete',
        group: 'server',
        arity: 3,
        flags: ['admin', 'noscript', 'no_async_loading', 'no_multi'],
        acl: ['admin', 'slow', 'dangerous'],
        summary: 'Deletes a snapshot by name or id (the newest one, the recovery base, is kept).',
        complexity: 'O(N) where N is the size of the snapshot',
        handler: (ctx) => {
          const d = durabilityFor(ctx);
          const m = snapshotRef(d, ctx.argv[2]!);
          if (d.list().pop()?.id === m.id) throw new ErrorReply('ERR the newest snapshot is the recovery base: create another one first');
          return later(ctx, d.delete(m.id).then(() => OK));
        },
      },
      {
        name: 'export',
        group: 'server',
        arity: 4,
        flags: ['admin', 'noscript', 'no_async_loading', 'no_multi'],
        acl: ['admin', 'slow', 'dangerous'],
        summary: 'Writes a snapshot (by name or id) to one file (a bare name: in dir), which `memorykv-server --restore FILE` starts from; replies with its size.',
        complexity: 'O(N) where N is the size of the snapshot',
        handler: (ctx) => {
          const d = durabilityFor(ctx);
          // A bare file name goes into `dir` (as dbfilename); a path elsewhere writes a file
          // anywhere the server may, a protected action as CONFIG SET dir.
          const client = ctx.session as Client;
          const file = Buffer.from(ctx.argv[3]!, 'latin1').toString();
          if (file.includes('/') && !allowProtectedAction(client.server, 'enable-protected-configs', client)) {
            throw new ErrorReply("ERR SNAPSHOT EXPORT to a path outside 'dir' is not allowed unless 'enable-protected-configs' permits it for this connection");
          }
          const m = snapshotRef(d, ctx.argv[2]!);
          const path = resolve(client.server.settings.dir, file);
          if (d.snapshots.exportTo === undefined) throw new ErrorReply('ERR this server keeps its snapshots in memory: nothing to export');
          return later(ctx, d.snapshots.exportTo(m.id, path));
        },
      },
    ],
  },
);

export function install(server: MemorykvServer): void {
  const shard = server.engine.shard;
  let p: Persistence;
  const { journal, restore, onRestoreProgress } = server.options;
  if (journal !== undefined) {
    // A journal handed in (a test's, another store): snapshots in memory, built on this thread.
    const snapshots = inThreadSnapshots(new MemorySnapshotStore(), journal, () => shard.config);
    p = new Persistence(server, Promise.resolve({ journal, snapshots, schedule: setImmediate, pause: nextTurn }), null);
  } else {
    if (param(server, 'appendonly') !== 'yes') return;
    // Sharded, each shard thread journals in its own directory (sharding.ts).
    if (Number(param(server, 'shards')) > 1) return;
    const dataDir = join(server.settings.dir, param(server, 'appenddirname'));
    const parts = openLmdbStorage(
      {
        path: dataDir,
        durability: param(server, 'appendfsync') as FsyncPolicy,
        restore,
        onProgress: onRestoreProgress && ((e) => e.phase === 'restore' && onRestoreProgress(e.bytesRead, e.bytesTotal)),
      },
      () => shard.config,
    );
    p = new Persistence(server, parts, dataDir);
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
  const d = p.durability;
  if (flags.nosave || d === null || d.failure !== null) return;
  if (!flags.save && param(server, 'save') === '') return;
  if (!flags.save && server.engine.shard.dirty === serverStats(server).dirtyAtSave) return;
  server.log('notice', 'Saving the final snapshot before exiting.');
  try {
    await d.snapshot();
  } catch {
    // logged by the build; the journal still holds everything
  }
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
