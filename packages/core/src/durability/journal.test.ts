import { describe, expect, it } from 'vitest';
import type { Effect } from '../engine/shard.ts';
import { crc32c } from './crc32c.ts';
import {
  ChainedJournal,
  CHAIN_START,
  ENTRY_HEADER,
  JournalCorruptError,
  JournalError,
  MemoryJournal,
  TickBatcher,
  encodeEntry,
  type ChainPoint,
  type JournalEntry,
} from './journal.ts';

const set = (k: string, v: string, db = 0): Effect => ({ db, argv: ['SET', k, v] });

/** All 256 byte values, as a binary string. */
const ALL_BYTES = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');

function filled(n: number, j = new MemoryJournal()): MemoryJournal {
  for (let i = 1; i <= n; i++) j.append([[set(`k${i}`, `v${i}`)], [set(`a${i}`, 'x', i % 3), { db: 0, argv: ['DEL', `b${i}`] }]]);
  return j;
}

function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('crc32c', () => {
  it('matches the CRC-32C check value and continues across calls', () => {
    const bytes = new TextEncoder().encode('123456789');
    expect(crc32c(bytes)).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    const big = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7919) & 255);
    for (const cut of [0, 1, 7, 8, 9, 500, 999, 1000]) {
      expect(crc32c(big, cut, big.length, crc32c(big, 0, cut))).toBe(crc32c(big));
    }
    // the 8-byte path and the bytewise path agree
    let c = 0;
    for (let i = 0; i < big.length; i++) c = crc32c(big, i, i + 1, c);
    expect(c).toBe(crc32c(big));
  });
});

describe('journal (in memory)', () => {
  it('numbers entries from 1 and reads back exactly what was appended', async () => {
    const j = new MemoryJournal();
    expect(j.lastSeq).toBe(0);
    expect(j.firstSeq).toBe(1);
    const g1 = [[set('a', '1')], [set('b', '2', 3), { db: 3, argv: ['PEXPIREAT', 'b', '1700000000000'] }]];
    const g2 = [[{ db: 0, argv: ['DEL', 'a'] }]];
    expect(j.append(g1)).toBe(1);
    expect(j.append(g2)).toBe(2);
    expect(j.lastSeq).toBe(2);
    await j.whenDurable();
    const read = [...j.readFrom(1)];
    expect(read.map((e) => e.seq)).toEqual([1, 2]);
    expect(read[0]!.groups).toEqual(g1);
    expect(read[1]!.groups).toEqual(g2);
    expect(read[1]!.crc).toBe(j.lastCrc);
    expect(j.chainAt(1)).toEqual({ seq: 1, crc: read[0]!.crc });
    expect([...j.readFrom(2)].map((e) => e.seq)).toEqual([2]);
    expect([...j.readFrom(3)]).toEqual([]);
    expect([...j.readFrom(1, { to: 1 })].map((e) => e.seq)).toEqual([1]);
  });

  it('keeps binary argv exact (all 256 byte values)', async () => {
    const j = new MemoryJournal();
    const argv = ['SET', ALL_BYTES, ALL_BYTES.split('').reverse().join('') + '\u0000\u00ff'];
    j.append([[{ db: 0, argv }]]);
    await j.whenDurable();
    const [e] = [...j.readFrom(1)];
    expect(e!.groups[0]![0]!.argv).toEqual(argv);
    for (const s of e!.groups[0]![0]!.argv) for (let i = 0; i < s.length; i++) expect(s.charCodeAt(i)).toBeLessThan(256);
  });

  it('chains the checksum: each entry continues the previous value', () => {
    const a = encodeEntry(0, 1, [[set('k', 'v')]]);
    const b = encodeEntry(a.crc, 2, [[set('k', 'v')]]);
    // same payload, different position in the chain -> different checksums
    expect(b.crc).not.toBe(a.crc);
    expect(encodeEntry(0, 2, [[set('k', 'v')]]).crc).not.toBe(a.crc);
  });

  it('whenDurable and onDurable report durable sequence numbers in order', async () => {
    const j = new MemoryJournal();
    const seen: number[] = [];
    const off = j.onDurable((seq, err) => {
      expect(err).toBeNull();
      seen.push(seq);
    });
    const s1 = j.append([[set('a', '1')]]);
    const s2 = j.append([[set('b', '1')]]);
    const p2 = j.whenDurable(s2);
    const p1 = j.whenDurable(s1);
    expect(j.whenDurable(s2)).toBe(p2); // one promise per seq, however many replies wait on it
    await Promise.all([p1, p2]);
    expect(j.durableSeq).toBe(2);
    expect(seen[seen.length - 1]).toBe(2);
    off();
    j.append([[set('c', '1')]]);
    await j.whenDurable();
    expect(seen[seen.length - 1]).toBe(2);
    await j.whenDurable(1); // already durable: resolves at once
  });

  it('TickBatcher packs the groups of one tick into one entry', async () => {
    const j = new MemoryJournal();
    const b = new TickBatcher(j);
    const seqs = [b.add([set('a', '1')]), b.add([set('b', '2')]), b.add([set('c', '3')])];
    expect(seqs).toEqual([1, 1, 1]);
    expect(j.lastSeq).toBe(0); // appended when the tick ends
    await j.whenDurable(1);
    expect(j.lastSeq).toBe(1);
    expect(b.add([set('d', '4')])).toBe(2);
    await j.whenDurable(2);
    const entries = [...j.readFrom(1)];
    expect(entries.map((e) => e.groups.length)).toEqual([3, 1]);
  });

  it('detects a modified entry and names its sequence number', () => {
    const j = filled(5);
    const v = j.stored.get(3)!;
    const bad = v.slice();
    bad[bad.length - 1] ^= 1;
    j.stored.set(3, bad);
    const seen: number[] = [];
    const e = caught(() => {
      for (const x of j.readFrom(1)) seen.push(x.seq);
    });
    expect(e).toBeInstanceOf(JournalCorruptError);
    expect((e as JournalCorruptError).seq).toBe(3);
    expect((e as Error).message).toMatch(/sequence number 3\b/);
    expect(seen).toEqual([1, 2]);
  });

  it('detects an entry rewritten with a self-consistent checksum at the next entry', () => {
    const j = filled(5);
    const prev = j.chainAt(2).crc;
    j.stored.set(3, encodeEntry(prev, 3, [[set('forged', 'x')]]).value);
    const e = caught(() => [...j.readFrom(1)]);
    expect((e as JournalCorruptError).seq).toBe(4);
  });

  it('detects a missing entry in the middle and at the end', () => {
    const j = filled(5);
    j.stored.delete(2);
    const e = caught(() => [...j.readFrom(1)]);
    expect(e).toBeInstanceOf(JournalCorruptError);
    expect((e as JournalCorruptError).seq).toBe(2);
    const k = filled(5);
    k.stored.delete(5);
    expect((caught(() => [...k.readFrom(1)]) as JournalCorruptError).seq).toBe(5);
    // the tail rewritten consistently without its head record
    const m = filled(5);
    m.stored.set(5, encodeEntry(m.chainAt(4).crc, 5, [[set('forged', 'x')]]).value);
    expect((caught(() => [...m.readFrom(1)]) as JournalCorruptError).seq).toBe(5);
  });

  it('detects a garbled header', () => {
    const j = filled(3);
    j.stored.set(2, new Uint8Array([9, 0, 0, 0, 0, 0x90]));
    expect((caught(() => [...j.readFrom(1)]) as JournalCorruptError).seq).toBe(2);
    j.stored.set(2, new Uint8Array([1]));
    expect((caught(() => [...j.readFrom(1)]) as JournalCorruptError).seq).toBe(2);
  });

  it('prevCrc proves the journal continues a snapshot’s history', () => {
    const j = filled(4);
    const at2 = j.chainAt(2);
    expect([...j.readFrom(3, { prevCrc: at2.crc })].map((e) => e.seq)).toEqual([3, 4]);
    const e = caught(() => [...j.readFrom(3, { prevCrc: at2.crc ^ 1 })]);
    expect((e as JournalCorruptError).seq).toBe(2);
  });

  it('truncateBefore keeps the chain verifiable from the new first entry', async () => {
    const j = filled(3000);
    await j.whenDurable();
    const at1999 = j.chainAt(1999);
    await j.truncateBefore(2000);
    expect(j.firstSeq).toBe(2000);
    expect(j.stored.size).toBe(1001);
    const read = [...j.readFrom(2000, { prevCrc: at1999.crc })];
    expect(read.length).toBe(1001);
    expect(read[read.length - 1]!.crc).toBe(j.lastCrc);
    expect(caught(() => [...j.readFrom(1999)])).toBeInstanceOf(JournalError);
    await j.truncateBefore(10); // already gone: nothing to do
    expect(j.firstSeq).toBe(2000);
    // truncating everything leaves an empty journal that still continues the chain
    await j.truncateBefore(3001);
    expect(j.firstSeq).toBe(3001);
    expect([...j.readFrom(3001)]).toEqual([]);
    const s = j.append([[set('z', '1')]]);
    expect(s).toBe(3001);
    await j.whenDurable();
    expect([...j.readFrom(3001)].map((e) => e.seq)).toEqual([3001]);
  });

  it('refuses to truncate entries that are not durable yet', async () => {
    const j = filled(3);
    await expect(j.truncateBefore(4)).rejects.toBeInstanceOf(JournalError);
    await j.whenDurable();
    await j.truncateBefore(4);
    expect(j.firstSeq).toBe(4);
  });

  it('a failed write stops the journal: waiters rejected, appends refused', async () => {
    class FailingJournal extends MemoryJournal {
      fails = false;
      protected override store(seq: number, value: Uint8Array, head: ChainPoint): PromiseLike<unknown> {
        const done = super.store(seq, value, head);
        return this.fails ? Promise.reject(new Error('No space left on device')) : done;
      }
    }
    const j = new FailingJournal();
    j.append([[set('a', '1')]]);
    await j.whenDurable();
    const errors: (Error | null)[] = [];
    j.onDurable((_, err) => errors.push(err));
    j.fails = true;
    const s = j.append([[set('b', '1')]]);
    await expect(j.whenDurable(s)).rejects.toThrow(/No space left on device/);
    expect(j.durableSeq).toBe(1);
    expect(j.error).toBeInstanceOf(JournalError);
    expect(errors.length).toBe(1);
    expect(errors[0]).toBe(j.error);
    expect(() => j.append([[set('c', '1')]])).toThrow(/No space left/);
    await expect(j.whenDurable(s + 1)).rejects.toThrow(JournalError);
  });

  it('close rejects waiters for entries that were never appended, and later appends', async () => {
    const j = new MemoryJournal();
    const b = new TickBatcher(j, () => {}); // a tick that never ends
    const seq = b.add([set('a', '1')]);
    const p = j.whenDurable(seq);
    await j.close();
    await expect(p).rejects.toThrow(/closed/);
    expect(() => j.append([[set('a', '1')]])).toThrow(/closed/);
  });

  it('starts the chain at a given point (a fresh journal after a restored snapshot)', async () => {
    const j = new MemoryJournal('always', { seq: 1000, crc: 0xdeadbeef });
    expect([j.firstSeq, j.lastSeq, j.lastCrc]).toEqual([1001, 1000, 0xdeadbeef]);
    expect(j.append([[set('a', '1')]])).toBe(1001);
    await j.whenDurable();
    expect([...j.readFrom(1001, { prevCrc: 0xdeadbeef })].map((e) => e.seq)).toEqual([1001]);
    expect((caught(() => [...j.readFrom(1001, { prevCrc: 0 })]) as JournalCorruptError).seq).toBe(1000);
  });

  it('rejects an unknown policy', () => {
    expect(() => new MemoryJournal('sometimes' as never)).toThrow(/appendfsync/);
  });

  it('is a ChainedJournal whose entries carry the header', () => {
    const j = filled(1);
    expect(j).toBeInstanceOf(ChainedJournal);
    expect(j.stored.get(1)!.length).toBeGreaterThan(ENTRY_HEADER);
    expect(CHAIN_START).toEqual({ seq: 0, crc: 0 });
    const e: JournalEntry = [...j.readFrom(1)][0]!;
    expect(e.groups.length).toBe(2);
  });
});
