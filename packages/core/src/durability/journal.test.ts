import { Packr } from 'msgpackr';
import { afterEach, describe, expect, it } from 'vitest';
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
  chainCrc,
  decodeEntry,
  encodeEntry,
  useLatin1Bytes,
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

  it('agrees with a bitwise CRC-32C at every length and alignment (the DataView path from 128 bytes)', () => {
    const bitwise = (b: Uint8Array, crc = 0): number => {
      let c = ~crc;
      for (const x of b) {
        c ^= x;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
      }
      return ~c >>> 0;
    };
    const backing = Uint8Array.from({ length: 700 }, (_, i) => (i * 2654435761) >>> 24);
    for (const offset of [0, 1, 2, 3, 5, 7]) {
      for (const len of [0, 7, 8, 127, 128, 129, 135, 136, 300, 600]) {
        const view = new Uint8Array(backing.buffer, offset, len);
        expect(crc32c(view), `offset ${offset} length ${len}`).toBe(bitwise(view));
        expect(crc32c(backing, offset, offset + len, 0x1234)).toBe(bitwise(view, 0x1234));
      }
    }
  });
});

/** Node's bulk copies, as src/node installs them. */
const NODE_LATIN1 = {
  alloc: (n: number) => Buffer.allocUnsafe(n),
  write: (b: Uint8Array, s: string, offset: number) => void Buffer.prototype.latin1Write.call(b, s, offset),
  read: (b: Uint8Array, start: number, end: number) => Buffer.prototype.latin1Slice.call(b, start, end),
};

describe('entry format', () => {
  afterEach(() => useLatin1Bytes(null));

  const LONG = ALL_BYTES.repeat(300); // 76800 bytes: a bin32
  const groups: Effect[][] = [
    [set('k', 'v'), { db: 200, argv: ['SET', 'x'.repeat(13), ALL_BYTES] }],
    [{ db: 70000, argv: ['HSET', 'h', ...Array.from({ length: 40 }, (_, i) => `f${i}`)] }],
    Array.from({ length: 20 }, (_, i) => set(`key:${i}`, 'y'.repeat(i * 5), i)), // an array16 of effects
    [{ db: 3, argv: ['SET', 'big', LONG] }, { db: 0, argv: ['SET', '', ''] }, { db: 300, argv: ['PING'] }],
  ];

  for (const [name, impl] of [
    ['portable', null],
    ['with native copies', NODE_LATIN1],
  ] as const) {
    it(`format 2 (${name}): plain MessagePack with args as bin, read back exactly`, () => {
      useLatin1Bytes(impl);
      const { value, crc } = encodeEntry(0, 1, groups);
      expect(value[0]).toBe(2);
      expect(crc).toBe(chainCrc(0, 1, value, ENTRY_HEADER, value.length));
      // any MessagePack decoder reads it: groups of [db, ...args], args as bytes
      const plain = new Packr({ useRecords: false }).unpack(value.subarray(ENTRY_HEADER)) as unknown[][][];
      expect(plain.length).toBe(groups.length);
      const [db, ...args] = plain[0]![1]!;
      expect(db).toBe(200);
      expect(args.map((a) => Buffer.from(a as Uint8Array).toString('latin1'))).toEqual(['SET', 'x'.repeat(13), ALL_BYTES]);
      for (const impl2 of [null, NODE_LATIN1]) {
        useLatin1Bytes(impl2);
        expect(decodeEntry(1, value)).toEqual(groups);
        expect(decodeEntry(1, Buffer.from(value))).toEqual(groups);
      }
    });

    it(`an arg with a char above 255 is written in format 1, which keeps it (${name})`, () => {
      useLatin1Bytes(impl);
      for (const arg of ['caf\u00e9 \u20ac', 'x'.repeat(60) + '\u0100']) {
        const g = [[set('k', arg)], [set('b', ALL_BYTES)]];
        const { value } = encodeEntry(0, 1, g);
        expect(value[0]).toBe(1);
        expect(decodeEntry(1, value)).toEqual(g);
      }
    });
  }

  it('reads format 1 entries (journals written before format 2), chained as before', async () => {
    // Format 1 as written before: [[[db, [args as str]], ...], ...] packed by msgpackr.
    const g = [[set('a', ALL_BYTES)], [set('b', '2', 3), { db: 3, argv: ['PEXPIREAT', 'b', '1700000000000'] }]];
    const payload = new Packr({ useRecords: false, moreTypes: false }).pack(g.map((x) => x.map((e) => [e.db, e.argv])));
    const value = new Uint8Array(ENTRY_HEADER + payload.length);
    value.set(payload, ENTRY_HEADER);
    const crc = chainCrc(0, 1, value, ENTRY_HEADER, value.length);
    value.set([1, crc & 0xff, (crc >>> 8) & 0xff, (crc >>> 16) & 0xff, crc >>> 24], 0);
    // Entries 1 (format 1) and 2 (format 2, continuing its chain) in place of a journal's first two.
    const j = filled(3);
    j.stored.set(1, value);
    j.stored.set(2, encodeEntry(crc, 2, [[set('c', '3')]]).value);
    const read = [...j.readFrom(1, { to: 2 })];
    expect(read[0]!.groups).toEqual(g);
    expect(read[0]!.crc).toBe(crc);
    expect(read[1]!.groups).toEqual([[set('c', '3')]]);
  });

  it('a malformed payload under a valid checksum is JournalCorruptError naming the entry', () => {
    const good = encodeEntry(0, 7, [[set('k', 'v')]]).value;
    const bad = (bytes: number[]): Uint8Array => {
      const v = new Uint8Array(ENTRY_HEADER + bytes.length);
      v[0] = 2;
      v.set(bytes, ENTRY_HEADER);
      return v;
    };
    for (const v of [
      good.subarray(0, good.length - 1), // truncated
      Uint8Array.from([...good, 0]), // trailing byte
      bad([0x91, 0x91, 0x90]), // an effect without db
      bad([0x91, 0x91, 0x92, 0x00, 0xa1, 0x41]), // a str where a bin belongs
      bad([0x91, 0x91, 0x92, 0xc0, 0xc4, 0x00]), // nil where the db belongs
      bad([0x81]), // a map
      bad([0x91, 0x91, 0x92, 0x00, 0xc5, 0x00]), // a bin16 cut short
    ]) {
      const e = caught(() => decodeEntry(7, v));
      expect(e).toBeInstanceOf(JournalCorruptError);
      expect((e as JournalCorruptError).seq).toBe(7);
    }
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
