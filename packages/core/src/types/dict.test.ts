import { describe, expect, it } from 'vitest';
import { Dict } from './dict.ts';

describe('Dict', () => {
  it('sets, gets, deletes and reuses freed entries', () => {
    const d = new Dict<number>();
    for (let i = 0; i < 1000; i++) expect(d.set(`k${i}`, i)).toBe(true);
    expect(d.set('k5', 55)).toBe(false);
    expect(d.size).toBe(1000);
    expect(d.get('k5')).toBe(55);
    for (let i = 0; i < 1000; i += 2) expect(d.delete(`k${i}`)).toBe(true);
    expect(d.delete('k0')).toBe(false);
    expect(d.size).toBe(500);
    for (let i = 1; i < 1000; i += 2) expect(d.get(`k${i}`)).toBe(i === 5 ? 55 : i);
    for (let i = 0; i < 1000; i += 2) expect(d.has(`k${i}`)).toBe(false);
  });

  it('compacts and shrinks when emptied, keeping every live key', () => {
    const d = new Dict<number>({ meta: true });
    for (let i = 0; i < 50_000; i++) {
      const idx = d.insertNew(`key:${i}`, i);
      d.meta![idx] = i;
    }
    const big = d.bucketCount;
    for (let i = 0; i < 49_990; i++) d.delete(`key:${i}`);
    expect(d.size).toBe(10);
    expect(d.bucketCount).toBeLessThan(big);
    for (let i = 49_990; i < 50_000; i++) {
      const idx = d.find(`key:${i}`);
      expect(d.vals[idx]).toBe(i);
      expect(d.meta![idx]).toBe(i);
    }
  });

  it('randomIndex returns every entry, roughly uniformly', () => {
    const d = new Dict<number>();
    for (let i = 0; i < 20; i++) d.set(`m${i}`, i);
    for (let i = 0; i < 10; i++) d.delete(`m${i}`);
    const counts = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const k = d.keys[d.randomIndex()]!;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    expect(counts.size).toBe(10);
    for (const c of counts.values()) expect(c).toBeGreaterThan(1500);
    expect(new Dict().randomIndex()).toBe(-1);
  });

  it('SCAN returns every key present for the whole iteration, across growth and shrinking', () => {
    const d = new Dict<number>();
    for (let i = 0; i < 5000; i++) d.set(`s${i}`, i);
    const seen = new Set<string>();
    let cursor = 0;
    let step = 0;
    do {
      cursor = d.scan(cursor, (k) => seen.add(k));
      step++;
      // Churn between calls: grow the table, then shrink it, with keys that come and go.
      if (step === 100) for (let i = 0; i < 20_000; i++) d.set(`tmp${i}`, i);
      if (step === 3000) for (let i = 0; i < 20_000; i++) d.delete(`tmp${i}`);
    } while (cursor !== 0);
    for (let i = 0; i < 5000; i++) expect(seen.has(`s${i}`)).toBe(true);
  });
});
