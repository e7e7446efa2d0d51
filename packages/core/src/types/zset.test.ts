import { describe, expect, it } from 'vitest';
import { RZSet } from './zset.ts';

const limits = { 'zset-max-listpack-entries': 4, 'zset-max-listpack-value': 8 };

describe('RZSet', () => {
  it('adds, updates, scores, ranks and deletes', () => {
    const z = new RZSet();
    expect(z.type).toBe('zset');
    expect(z.add('a', 3)).toBe(true);
    expect(z.add('b', 1)).toBe(true);
    expect(z.add('c', 2)).toBe(true);
    expect(z.add('a', 0)).toBe(false);
    expect(z.size).toBe(3);
    expect(z.score('a')).toBe(0);
    expect(z.score('zz')).toBe(undefined);
    expect(z.toArray()).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 2],
    ]);
    expect(z.rank('c')).toBe(2);
    expect(z.rank('c', true)).toBe(0);
    expect(z.rank('nope')).toBe(-1);
    expect(z.nodeAt(1)!.ele).toBe('b');
    expect(z.nodeAt(0, true)!.ele).toBe('c');
    expect(z.delete('b')).toBe(true);
    expect(z.delete('b')).toBe(false);
    expect(z.toArray().map((e) => e[0])).toEqual(['a', 'c']);
  });

  it('answers ranges by rank, score and lex', () => {
    const z = new RZSet();
    for (let i = 0; i < 10; i++) z.add(`m${i}`, i);
    expect(z.rangeByRank(2, 4).map((e) => e[0])).toEqual(['m2', 'm3', 'm4']);
    expect(z.rangeByRank(0, 1, true).map((e) => e[0])).toEqual(['m9', 'm8']);
    const r = { min: 2, max: 6, minex: true, maxex: false };
    expect(z.rangeByScore(r).map((e) => e[1])).toEqual([3, 4, 5, 6]);
    expect(z.rangeByScore(r, true, 1, 2).map((e) => e[1])).toEqual([5, 4]);
    expect(z.countInRange(r)).toBe(4);
    expect(z.countInLexRange({ min: { inf: -1, value: '', ex: true }, max: { inf: 0, value: 'm3', ex: false } })).toBe(4);
  });

  it('keeps memory() in step with the contents in O(1)', () => {
    const z = new RZSet();
    const empty = z.memory();
    z.add('member', 1);
    const one = z.memory();
    expect(one).toBeGreaterThan(empty);
    z.add('member', 2);
    expect(z.memory()).toBe(one);
    z.delete('member');
    expect(z.memory()).toBe(empty);
    for (let i = 0; i < 100; i++) z.add(`k${i}`, i);
    z.deleteRangeByRank(0, 49);
    z.deleteRangeByScore({ min: 50, max: 59, minex: false, maxex: false });
    z.deleteRangeByLex({ min: { inf: -1, value: '', ex: true }, max: { inf: 1, value: '', ex: true } });
    expect(z.size).toBe(0);
    expect(z.memory()).toBe(empty);
  });

  it('reports listpack until a limit is crossed, and never goes back by itself', () => {
    const z = RZSet.create(limits, 1, 1);
    expect(z.encoding()).toBe('listpack');
    for (let i = 0; i < 4; i++) z.insert(`m${i}`, i, limits);
    expect(z.encoding()).toBe('listpack');
    z.insert('m4', 4, limits);
    expect(z.encoding()).toBe('skiplist');
    z.delete('m4');
    expect(z.encoding()).toBe('skiplist');
    z.convertToListpackIfNeeded(limits, 2);
    expect(z.encoding()).toBe('listpack');
    z.insert('toolongmember', 9, limits);
    expect(z.encoding()).toBe('skiplist');
    expect(RZSet.create(limits, 5, 1).encoding()).toBe('skiplist');
    expect(RZSet.create(limits, 1, 9).encoding()).toBe('skiplist');
  });

  it('clones deeply, keeping the encoding', () => {
    const z = new RZSet(false);
    for (let i = 0; i < 50; i++) z.add(`m${i}`, i % 7);
    const c = z.clone();
    expect(c.toArray()).toEqual(z.toArray());
    expect(c.encoding()).toBe('skiplist');
    expect(c.memory()).toBe(z.memory());
    c.add('m0', 100);
    expect(z.score('m0')).toBe(0);
    expect(c.rank('m0')).toBe(49);
  });
});
