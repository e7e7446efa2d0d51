import { describe, expect, it } from 'vitest';
import { stringMemory } from '../keyspace/object.ts';
import { RList, lpEntrySize } from './list.ts';

/** The running estimates must equal a recomputation from scratch after any mutation. */
function checkAccounting(l: RList): void {
  const items = l.toArray();
  let lp = 7;
  let mem = 0;
  for (const s of items) {
    lp += lpEntrySize(s);
    mem += stringMemory(s);
  }
  expect(l.lpBytes).toBe(lp);
  expect(l.memory()).toBe(64 + l.items.capacity * 8 + mem);
}

describe('lpEntrySize (listpack.c entry encoding)', () => {
  it('encodes integers in the smallest int encoding', () => {
    expect(lpEntrySize('0')).toBe(2);
    expect(lpEntrySize('127')).toBe(2);
    expect(lpEntrySize('128')).toBe(3); // 13-bit
    expect(lpEntrySize('-1')).toBe(3);
    expect(lpEntrySize('-4096')).toBe(3);
    expect(lpEntrySize('4096')).toBe(4); // 16-bit
    expect(lpEntrySize('40000')).toBe(5); // 24-bit
    expect(lpEntrySize('2147483647')).toBe(6); // 32-bit
    expect(lpEntrySize('2147483648')).toBe(10); // 64-bit
    expect(lpEntrySize('-9223372036854775808')).toBe(10);
  });

  it('encodes non-canonical numbers and text as strings', () => {
    expect(lpEntrySize('')).toBe(2);
    expect(lpEntrySize('a')).toBe(3);
    expect(lpEntrySize('01')).toBe(4);
    expect(lpEntrySize('+1')).toBe(4);
    expect(lpEntrySize('-0')).toBe(4);
    expect(lpEntrySize('9223372036854775808')).toBe(1 + 19 + 1);
    expect(lpEntrySize('x'.repeat(63))).toBe(65);
    expect(lpEntrySize('x'.repeat(64))).toBe(67); // 12-bit length
    expect(lpEntrySize('x'.repeat(126))).toBe(130); // backlen of 128 needs 2 bytes
    expect(lpEntrySize('x'.repeat(4096))).toBe(5 + 4096 + 2); // 32-bit length
  });
});

describe('RList', () => {
  it('pushes and pops at both ends and indexes from either end', () => {
    const l = new RList();
    l.rpush('b');
    l.rpush('c');
    l.lpush('a');
    l.push('d', 'right');
    l.push('z', 'left');
    expect(l.toArray()).toEqual(['z', 'a', 'b', 'c', 'd']);
    expect(l.size).toBe(5);
    expect(l.at(0)).toBe('z');
    expect(l.at(-1)).toBe('d');
    expect(l.at(-5)).toBe('z');
    expect(l.at(5)).toBeUndefined();
    expect(l.at(-6)).toBeUndefined();
    expect(l.lpop()).toBe('z');
    expect(l.rpop()).toBe('d');
    expect(l.pop('left')).toBe('a');
    expect(l.pop('right')).toBe('c');
    checkAccounting(l);
    expect(l.pop('right')).toBe('b');
    expect(l.pop('right')).toBeUndefined();
    checkAccounting(l);
  });

  it('keeps lpBytes and memory exact across every mutation', () => {
    const l = RList.from(['1', 'two', '3', 'x'.repeat(100), '\x00\xff', '3']);
    checkAccounting(l);
    l.set(1, '22');
    checkAccounting(l);
    l.insert(2, 'ins');
    checkAccounting(l);
    expect(l.remove('3', 0, false)).toBe(2);
    checkAccounting(l);
    l.trim(1, 1);
    checkAccounting(l);
    expect(l.toArray()).toEqual(['22', 'ins', 'x'.repeat(100)]);
    l.trim(5, 0);
    expect(l.size).toBe(0);
    checkAccounting(l);
  });

  it('removes matches from the head or the tail, with or without a limit', () => {
    const mk = () => RList.from(['a', 'b', 'a', 'c', 'a', 'b', 'a']);
    let l = mk();
    expect(l.remove('a', 2, false)).toBe(2);
    expect(l.toArray()).toEqual(['b', 'c', 'a', 'b', 'a']);
    l = mk();
    expect(l.remove('a', 2, true)).toBe(2);
    expect(l.toArray()).toEqual(['a', 'b', 'a', 'c', 'b']);
    l = mk();
    expect(l.remove('a', 0, true)).toBe(4);
    expect(l.toArray()).toEqual(['b', 'c', 'b']);
    l = mk();
    expect(l.remove('zz', 0, false)).toBe(0);
    expect(l.toArray()).toEqual(mk().toArray());
    checkAccounting(l);
  });

  it('returns ranges forward and reversed', () => {
    const l = RList.from(['a', 'b', 'c', 'd']);
    expect(l.range(1, 2)).toEqual(['b', 'c']);
    expect(l.range(0, 3, true)).toEqual(['d', 'c', 'b', 'a']);
    expect(l.indexOf('c')).toBe(2);
    expect(l.indexOf('q')).toBe(-1);
  });

  it('clones deeply, keeping the encoding', () => {
    const l = RList.from(['a', 'b'], 1);
    expect(l.encoding()).toBe('quicklist');
    const c = l.clone();
    c.rpush('c');
    expect(l.toArray()).toEqual(['a', 'b']);
    expect(c.toArray()).toEqual(['a', 'b', 'c']);
    expect(c.encoding()).toBe('quicklist');
    checkAccounting(c);
  });

  describe('encoding (t_list.c listTypeTryConversion)', () => {
    it('from() picks listpack when the contents fit one node (LIST_CONV_AUTO)', () => {
      expect(RList.from(['a', 'b']).encoding()).toBe('listpack');
      expect(RList.from(['x'.repeat(8192)]).encoding()).toBe('quicklist');
      expect(RList.from(['a', 'b', 'c'], 3).encoding()).toBe('listpack');
      expect(RList.from(['a', 'b', 'c', 'd'], 3).encoding()).toBe('quicklist');
      // A count-limited node still may not pass 8 KB.
      expect(RList.from(['x'.repeat(5000), 'y'.repeat(5000)], 100).encoding()).toBe('quicklist');
    });

    it('grows to quicklist past the byte limit for negative fills', () => {
      for (const [fill, limit] of [[-1, 4096], [-2, 8192], [-3, 16384], [-4, 32768], [-5, 65536], [-9, 65536]]) {
        const l = new RList();
        l.growCheck(fill!, limit! - 7, 1); // header 7 + raw bytes: exactly at the limit
        expect(l.encoding()).toBe('listpack');
        l.growCheck(fill!, limit! - 6, 1);
        expect(l.encoding()).toBe('quicklist');
      }
    });

    it('grows to quicklist past the entry count for positive fills', () => {
      const l = RList.from(['a', 'b'], 3);
      l.growCheck(3, 1, 1);
      expect(l.encoding()).toBe('listpack');
      l.rpush('c');
      l.growCheck(3, 1, 1);
      expect(l.encoding()).toBe('quicklist');
      const z = new RList();
      z.growCheck(0, 1, 2); // fill 0 means one entry per node
      expect(z.encoding()).toBe('quicklist');
    });

    it('shrinks back only below half the limit', () => {
      const l = RList.from(['a', 'b', 'c', 'd', 'e'], 4);
      expect(l.encoding()).toBe('quicklist');
      l.rpop();
      l.rpop();
      l.shrinkCheck(4);
      expect(l.encoding()).toBe('quicklist'); // 3 > 4/2
      l.rpop();
      l.shrinkCheck(4);
      expect(l.encoding()).toBe('listpack');
      // Shrinking never converts a listpack, growing never converts a quicklist back.
      l.shrinkCheck(4);
      expect(l.encoding()).toBe('listpack');
    });
  });
});
