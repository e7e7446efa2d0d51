import { MemoryJournal, type ChainPoint, type FsyncPolicy } from '../src/durability/journal.ts';

/**
 * A journal whose entries become durable only when the test says so (a disk that takes its
 * time, or fails): everything else is the real journal (encoding, chain, durability tracking).
 */
export class GatedJournal extends MemoryJournal {
  private readonly gates: { resolve: () => void; reject: (e: Error) => void }[] = [];

  constructor(policy: FsyncPolicy = 'always') {
    super(policy);
  }

  protected override store(seq: number, value: Uint8Array, head: ChainPoint): PromiseLike<unknown> {
    void super.store(seq, value, head);
    return new Promise<void>((resolve, reject) => this.gates.push({ resolve, reject }));
  }

  /** Entries appended and not yet made durable (or failed). */
  get waiting(): number {
    return this.gates.length;
  }

  /** Makes the oldest waiting entry durable (or every waiting one) and lets the callbacks run. */
  async settle(all = false): Promise<void> {
    for (const g of this.gates.splice(0, all ? this.gates.length : 1)) g.resolve();
    await new Promise((r) => setTimeout(r, 0));
  }

  /** The oldest waiting entry's write fails (a full disk). */
  async failOne(message = 'No space left on device'): Promise<void> {
    this.gates.shift()!.reject(new Error(message));
    await new Promise((r) => setTimeout(r, 0));
  }
}
