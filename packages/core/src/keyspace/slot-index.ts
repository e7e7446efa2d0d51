/**
 * The keys of each hash slot, kept by a database whose shard is one of several (Redis Cluster's
 * slot-to-keys index): CLUSTER COUNTKEYSINSLOT in O(1) and GETKEYSINSLOT in O(count). A set per
 * non-empty slot; kept only when the keyspace is sharded, since every added or deleted key pays
 * a CRC16 and a set operation.
 */
import { SLOTS, keyHashSlot } from '../engine/slots.ts';

export class SlotIndex {
  private readonly slots: (Set<string> | undefined)[] = new Array(SLOTS);

  add(key: string): void {
    const slot = keyHashSlot(key);
    (this.slots[slot] ??= new Set()).add(key);
  }

  delete(key: string): void {
    const slot = keyHashSlot(key);
    const keys = this.slots[slot];
    if (keys !== undefined && keys.delete(key) && keys.size === 0) this.slots[slot] = undefined;
  }

  clear(): void {
    this.slots.fill(undefined);
  }

  count(slot: number): number {
    return this.slots[slot]?.size ?? 0;
  }

  /** Up to `max` keys of the slot. */
  keys(slot: number, max: number): string[] {
    const out: string[] = [];
    const keys = this.slots[slot];
    if (keys === undefined) return out;
    for (const k of keys) {
      if (out.length >= max) break;
      out.push(k);
    }
    return out;
  }
}
