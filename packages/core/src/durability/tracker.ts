/**
 * Between a shard and its journal (DESIGN invariant 4): the shard's effect groups go into the
 * journal one entry per tick (TickBatcher), and the tracker remembers which keys were written by
 * entries that are not durable yet, so that a reply that would show such a write waits for it.
 *
 * A writer's reply waits for the entry holding its own effects. A reader's reply waits for the
 * newest not-yet-durable entry that wrote one of the keys it read (MemoryDB's tracker): what any
 * client saw survives a crash. A keyless write (FLUSHALL, FLUSHDB, SWAPDB, FUNCTION ...) changes
 * keys nobody listed, so it is a barrier every read waits for until it is durable; so is a read
 * whose keys the table cannot name (KEYS, SCAN, DBSIZE, EVAL...): the caller asks `newestSeq`.
 *
 * Portable (no Node built-ins): the in-process API and the server share it.
 */
import { lookupCommand } from '../commands/table.ts';
import type { Effect } from '../engine/shard.ts';
import { TickBatcher, type Journal } from './journal.ts';

/** The keys one not-yet-durable entry writes, per db. */
interface PendingEntry {
  seq: number;
  dbs: (Set<string> | undefined)[];
}

export class DurabilityTracker {
  readonly batcher: TickBatcher;
  /**
   * The entries not durable yet that wrote keys, oldest first, each with its keys. Few at a time
   * (the ticks whose commit is in flight), so a read looks through them newest first, a write is
   * one Set.add, and a commit drops whole entries: no per-key bookkeeping to prune.
   */
  private readonly pending: PendingEntry[] = [];
  private readonly databases: number;
  /** The newest keyless write not yet durable (0: none). */
  private barrier = 0;
  private readonly unsubscribe: () => void;

  constructor(
    readonly journal: Journal,
    databases: number,
    schedule?: (fn: () => void) => void,
  ) {
    this.batcher = new TickBatcher(journal, schedule);
    this.databases = databases;
    this.unsubscribe = journal.onDurable((seq, error) => {
      if (error === null) this.prune(seq);
    });
  }

  get durableSeq(): number {
    return this.journal.durableSeq;
  }

  /** The entry the current tick's groups go into, or the last appended one when none is queued. */
  get newestSeq(): number {
    return this.journal.lastSeq + (this.batcher.queued ? 1 : 0);
  }

  /** Queues one atomic group of effects (the shard's onEffects); returns its entry's seq. */
  addGroup(group: readonly Effect[]): number {
    const seq = this.batcher.add(group);
    for (let i = 0; i < group.length; i++) {
      const cmd = lookupCommand(group[i]!.argv[0]!);
      if (cmd !== undefined && cmd.firstKey <= 0 && cmd.keys === undefined) this.barrier = seq;
    }
    return seq;
  }

  /** A key was modified by the running command: its effects land in this tick's entry. */
  keyModified(db: number, key: string): void {
    if (db < 0 || db >= this.databases) return;
    const seq = this.journal.lastSeq + 1;
    const p = this.pending;
    let e = p.length > 0 ? p[p.length - 1]! : undefined;
    if (e === undefined || e.seq !== seq) p.push((e = { seq, dbs: [] }));
    (e.dbs[db] ??= new Set()).add(key);
  }

  /** The seq a read of these keys of db must wait for (0: nothing to wait for). */
  readSeq(db: number, argv: readonly string[], keyIndexes: readonly number[]): number {
    let seq = this.barrier;
    const p = this.pending;
    // Newest first: the first entry that wrote one of the keys is the one to wait for.
    for (let j = p.length - 1; j >= 0 && p[j]!.seq > seq; j--) {
      const keys = p[j]!.dbs[db];
      if (keys === undefined) continue;
      let hit = false;
      for (const i of keyIndexes) {
        if (keys.has(argv[i]!)) {
          hit = true;
          break;
        }
      }
      if (hit) {
        seq = p[j]!.seq;
        break;
      }
    }
    // A key modified by a command that emitted no effects has no entry coming for it.
    const newest = this.newestSeq;
    if (seq > newest) seq = newest;
    return seq > this.journal.durableSeq ? seq : 0;
  }

  private prune(durable: number): void {
    if (this.barrier <= durable) this.barrier = 0;
    const p = this.pending;
    let n = 0;
    while (n < p.length && p[n]!.seq <= durable) n++;
    if (n > 0) p.splice(0, n);
  }

  close(): void {
    this.unsubscribe();
  }
}
