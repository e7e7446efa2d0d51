import { describe, expect, it } from 'vitest';
import { Dict } from './dict.ts';
import { RHash, distinctRandomIndexes } from './hash.ts';

const limits = { 'hash-max-listpack-entries': 4, 'hash-max-listpack-value': 8 };

describe('RHash', () => {
  it('get / set / delete / size / iteration', () => {
    const h = new RHash(limits);
    expect(h.type).toBe('hash');
    expect(h.set('a', '1')).toBe(true);
    expect(h.set('a', '2')).toBe(false);
    expect(h.set('b', '3')).toBe(true);
    expect(h.get('a')).toBe('2');
    expect(h.get('zz')).toBeUndefined();
    expect(h.size).toBe(2);
    expect(h.delete('a')).toBe(true);
    expect(h.delete('a')).toBe(false);
    expect([...h]).toEqual([['b', '3']]);
  });

  it('converts to hashtable by count or length and never back', () => {
    const h = new RHash(limits);
    for (const f of ['a', 'b', 'c', 'd']) h.set(f, 'v');
    expect(h.encoding()).toBe('listpack');
    h.set('e', 'v');
    expect(h.encoding()).toBe('hashtable');
    for (const f of ['a', 'b', 'c', 'd']) h.delete(f);
    expect(h.encoding()).toBe('hashtable');
    const g = new RHash(limits);
    g.set('a', '123456789');
    expect(g.encoding()).toBe('hashtable');
    expect(g.clone().encoding()).toBe('hashtable');
  });

  it('keeps insertion order while compact, like a listpack', () => {
    const h = new RHash(limits);
    h.set('a', '1');
    h.set('b', '2');
    h.set('c', '3');
    h.delete('a');
    h.set('d', '4');
    h.set('b', '5');
    expect([...h.entries()]).toEqual([
      ['b', '5'],
      ['c', '3'],
      ['d', '4'],
    ]);
  });

  it('memory() returns to its empty value after removing everything', () => {
    const h = new RHash(limits);
    const m0 = h.memory();
    h.set('x', 'abc');
    h.set('x', 'abcdefgh');
    h.set('y', '');
    h.delete('x');
    h.delete('y');
    expect(h.memory()).toBe(m0);
  });
});

describe('distinctRandomIndexes', () => {
  function dict(n: number): Dict<number> {
    const d = new Dict<number>({ empty: 0 });
    for (let i = 0; i < n; i++) d.set(`k${i}`, i);
    return d;
  }

  it('returns count distinct live indexes under every strategy', () => {
    for (const [n, count, ordered] of [
      [10, 3, true],
      [10, 9, false],
      [1000, 10, false],
      [1000, 400, false],
    ] as const) {
      const d = dict(n);
      for (let i = 0; i < n; i += 3) d.delete(`k${i}`);
      const live = d.size;
      const r = distinctRandomIndexes(d, Math.min(count, live - 1), ordered);
      expect(r.length).toBe(Math.min(count, live - 1));
      expect(new Set(r).size).toBe(r.length);
      for (const i of r) expect(d.keyAt(i)).toBeDefined();
      if (ordered) expect(r).toEqual([...r].sort((a, b) => a - b));
    }
  });

  it('gives every element a fair chance in ordered mode', () => {
    const d = dict(8);
    const hits = new Array(8).fill(0);
    for (let k = 0; k < 4000; k++) for (const i of distinctRandomIndexes(d, 2, true)) hits[i]++;
    for (const h of hits) expect(h).toBeGreaterThan(700);
  });
});
