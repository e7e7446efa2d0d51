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

export class DurabilityTracker {
  readonly batcher: TickBatcher;
  /**
   * Per db: keys written by entries not yet durable, with the entry's seq. Kept in seq order (a
   * rewritten key moves to the end), so pruning after a commit only looks at the front.
   */
  private readonly written: Map<string, number>[] = [];
  /** The newest keyless write not yet durable (0: none). */
  private barrier = 0;
  private readonly unsubscribe: () => void;

  constructor(
    readonly journal: Journal,
    databases: number,
    schedule?: (fn: () => void) => void,
  ) {
    this.batcher = new TickBatcher(journal, schedule);
    for (let i = 0; i < databases; i++) this.written.push(new Map());
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
    const m = this.written[db];
    if (m === undefined) return;
    m.delete(key);
    m.set(key, this.journal.lastSeq + 1);
  }

  /** The seq a read of these keys of db must wait for (0: nothing to wait for). */
  readSeq(db: number, argv: readonly string[], keyIndexes: readonly number[]): number {
    let seq = this.barrier;
    const m = this.written[db];
    if (m !== undefined && m.size > 0) {
      for (const i of keyIndexes) {
        const s = m.get(argv[i]!);
        if (s !== undefined && s > seq) seq = s;
      }
    }
    // A key modified by a command that emitted no effects has no entry coming for it.
    const newest = this.newestSeq;
    if (seq > newest) seq = newest;
    return seq > this.journal.durableSeq ? seq : 0;
  }

  private prune(durable: number): void {
    if (this.barrier <= durable) this.barrier = 0;
    for (const m of this.written) {
      if (m.size === 0) continue;
      for (const [key, seq] of m) {
        if (seq > durable) break;
        m.delete(key);
      }
    }
  }

  close(): void {
    this.unsubscribe();
  }
}
