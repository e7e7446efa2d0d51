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
 * Start-up: the journal is replayed through the command table (recovery = snapshot + tail;
 * snapshots come with the snapshot builder) while the server already listens and answers
 * `-LOADING` to everything but the commands Redis allows while loading. A journal whose checksum
 * chain breaks stops the start (`server.ready` rejects, the binary exits naming the sequence
 * number): never a start with silently partial data.
 *
 * A failed journal write (a full disk) stops durability for good: Redis exits when its AOF
 * cannot be written under `always`; here the replies waiting for the failed entry are never
 * sent (their connections close: nothing unacknowledged is claimed) and every later command that
 * could read or write data gets `-MISCONF`, so nothing not durable is ever shown. A restart
 * recovers what was durable.
 */
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorReply, keyIndexes, type Command } from '@memorykv/core';
// Not exported from @memorykv/core's index (Node-only or internal to the engine).
import { runnableCommand } from '../../../core/src/commands/table.ts';
import { DurabilityTracker } from '../../../core/src/durability/tracker.ts';
import { LmdbJournal } from '../../../core/src/node/journal-lmdb.ts';
import type { FsyncPolicy, Journal } from '../../../core/src/durability/journal.ts';
import { Client } from '../client.ts';
import type { DurabilityGate, MemorykvServer } from '../server.ts';
import { defineInfoSection, param, serverStats } from './introspection.ts';

const LOADING = new ErrorReply('LOADING Redis is loading the dataset in memory');

/** Replay runs this long before it lets the event loop answer clients (-LOADING, INFO). */
const LOAD_SLICE_MS = 20;

export class Persistence implements DurabilityGate {
  readonly tracker: DurabilityTracker;
  private readonly parked = new Set<Client>();
  /** Start-up replay in progress (commands without the `loading` flag get -LOADING). */
  loading = true;
  loadStartedAt = 0;
  loadedEntries = 0;
  loadTotalEntries = 0;
  loadedKeys = 0;
  /** The journal stopped: nothing becomes durable any more. */
  failure: Error | null = null;
  private misconf: ErrorReply | null = null;
  /** Settles when start-up recovery ended (rejects if the data could not be loaded). */
  readonly ready: Promise<void>;

  constructor(
    private readonly server: MemorykvServer,
    readonly journal: Journal,
    /** Where the journal lives (for logs and INFO), or null for a journal handed in. */
    readonly path: string | null,
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

  /** Start-up: the journal replayed through the command table, a slice per event-loop turn. */
  private async recover(): Promise<void> {
    const { server, journal } = this;
    const shard = server.engine.shard;
    shard.expireEnabled = false;
    this.loadStartedAt = Date.now();
    try {
      if (journal.firstSeq > 1) {
        throw new Error(
          `the journal${this.path ? ` in ${this.path}` : ''} starts at sequence number ${journal.firstSeq} and no snapshot holds what came before it`,
        );
      }
      this.loadTotalEntries = journal.lastSeq - journal.firstSeq + 1;
      if (this.loadTotalEntries > 0) server.log('notice', `Loading the journal: ${this.loadTotalEntries} entries${this.path ? ` from ${this.path}` : ''}`);
      let slice = performance.now();
      for (const entry of journal.readFrom(journal.firstSeq)) {
        for (const group of entry.groups) shard.replay(group);
        this.loadedEntries++;
        if (performance.now() - slice > LOAD_SLICE_MS) {
          await new Promise((r) => setImmediate(r));
          slice = performance.now();
        }
      }
      this.loadedKeys = shard.keyCount;
      if (this.loadTotalEntries > 0) {
        server.log('notice', `DB loaded from the journal: ${this.loadedKeys} keys, ${((Date.now() - this.loadStartedAt) / 1000).toFixed(3)} seconds`);
      }
    } catch (e) {
      server.log('warning', `Fatal error loading the journal: ${(e as Error).message}`);
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
  }

  /** Appends what the current tick queued and syncs; the journal is closed afterwards. */
  async close(): Promise<void> {
    try {
      this.tracker.batcher.flush();
    } catch {
      // a failed journal already said why
    }
    this.tracker.close();
    await this.journal.close();
  }

  info(): string {
    const st = serverStats(this.server);
    const shard = this.server.engine.shard;
    const loading = this.loading ? 1 : 0;
    const elapsed = this.loading ? Math.floor((Date.now() - this.loadStartedAt) / 1000) : 0;
    const lines = [
      '# Persistence',
      `loading:${loading}`,
      'async_loading:0',
    ];
    if (this.loading) {
      const perc = this.loadTotalEntries > 0 ? (this.loadedEntries / this.loadTotalEntries) * 100 : 0;
      const eta = this.loadedEntries > 0 ? Math.round(((Date.now() - this.loadStartedAt) / this.loadedEntries) * (this.loadTotalEntries - this.loadedEntries) / 1000) : 1;
      lines.push(
        `loading_start_time:${Math.floor(this.loadStartedAt / 1000)}`,
        `loading_total_bytes:${this.loadTotalEntries}`,
        `loading_rdb_used_mem:0`,
        `loading_loaded_bytes:${this.loadedEntries}`,
        `loading_loaded_perc:${perc.toFixed(2)}`,
        `loading_eta_seconds:${eta}`,
      );
    }
    lines.push(
      'current_cow_peak:0',
      'current_cow_size:0',
      'current_cow_size_age:0',
      'current_fork_perc:0.00',
      'current_save_keys_processed:0',
      'current_save_keys_total:0',
      `rdb_changes_since_last_save:${shard.dirty - st.dirtyAtSave}`,
      'rdb_bgsave_in_progress:0',
      `rdb_last_save_time:${st.lastSave}`,
      'rdb_last_bgsave_status:ok',
      'rdb_last_bgsave_time_sec:-1',
      'rdb_current_bgsave_time_sec:-1',
      'rdb_saves:0',
      'rdb_last_cow_size:0',
      'rdb_last_load_keys_expired:0',
      `rdb_last_load_keys_loaded:${this.loadedKeys}`,
      'aof_enabled:1',
      'aof_rewrite_in_progress:0',
      'aof_rewrite_scheduled:0',
      'aof_last_rewrite_time_sec:-1',
      'aof_current_rewrite_time_sec:-1',
      'aof_last_bgrewrite_status:ok',
      'aof_rewrites:0',
      'aof_rewrites_consecutive_failures:0',
      `aof_last_write_status:${this.failure === null ? 'ok' : 'err'}`,
      'aof_last_cow_size:0',
      'module_fork_in_progress:0',
      'module_fork_last_cow_size:0',
      // What Redis shows with AOF on, in its own terms: the journal's size and position.
      `aof_current_size:${this.path === null ? 0 : journalBytes(this.path)}`,
      `aof_base_size:0`,
      'aof_pending_rewrite:0',
      'aof_buffer_length:0',
      'aof_pending_bio_fsync:0',
      'aof_delayed_fsync:0',
      `memorykv_journal_first_seq:${this.journal.firstSeq}`,
      `memorykv_journal_last_seq:${this.journal.lastSeq}`,
      `memorykv_journal_durable_seq:${this.journal.durableSeq}`,
      `memorykv_appendfsync:${this.journal.policy}`,
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

function journalBytes(path: string): number {
  try {
    return statSync(join(path, 'data.mdb')).size;
  } catch {
    return 0;
  }
}

const STATE = 'persistence';

export function persistenceOf(server: MemorykvServer): Persistence | undefined {
  return server.state.get(STATE) as Persistence | undefined;
}

export function install(server: MemorykvServer): void {
  let p: Persistence;
  if (server.options.journal !== undefined) {
    p = new Persistence(server, server.options.journal, null);
  } else {
    if (param(server, 'appendonly') !== 'yes') return;
    const policy = param(server, 'appendfsync') as FsyncPolicy;
    const path = join(server.settings.dir, param(server, 'appenddirname'), 'journal');
    mkdirSync(path, { recursive: true });
    p = new Persistence(server, LmdbJournal.open({ path, policy }), path);
  }
  server.state.set(STATE, p);
  server.durability = p;
  server.guards.push((_client, argv) => p.refuse(argv));
  server.afterCommand.push((client, argv) => p.afterCommand(client, argv));
  server.onClose.push(() => p.close());
  defineInfoSection(server, 'persistence', () => p.info());
  server.ready = p.ready;
  // Nobody else awaits a programmatic server's recovery: its failure is logged, not thrown.
  p.ready.catch(() => {});
}
