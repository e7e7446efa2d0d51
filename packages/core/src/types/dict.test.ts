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
      d.setMetaAt(idx, i);
    }
    const big = d.bucketCount;
    for (let i = 0; i < 49_990; i++) d.delete(`key:${i}`);
    expect(d.size).toBe(10);
    expect(d.bucketCount).toBeLessThan(big);
    for (let i = 49_990; i < 50_000; i++) {
      const idx = d.find(`key:${i}`);
      expect(d.valAt(idx)).toBe(i);
      expect(d.metaAt(idx)).toBe(i);
    }
  });

  it('randomIndex returns every entry, roughly uniformly', () => {
    const d = new Dict<number>();
    for (let i = 0; i < 20; i++) d.set(`m${i}`, i);
    for (let i = 0; i < 10; i++) d.delete(`m${i}`);
    const counts = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const k = d.keyAt(d.randomIndex())!;
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

  it('a resize moves the chains a few at a time, and every key stays visible meanwhile', () => {
    const d = new Dict<number>();
    const model = new Map<string, number>();
    let n = 0;
    // Up to the first resize past 4096 buckets.
    while (d.bucketCount <= 4096 || !d.rehashing) {
      d.set(`g${n}`, n);
      model.set(`g${n}`, n);
      n++;
    }
    // One insert did not move 4096 chains: the table is still being resized.
    expect(d.rehashing).toBe(true);
    let ops = 0;
    while (d.rehashing) {
      // Inserts, deletes and lookups in the middle of the move.
      d.set(`g${n}`, n);
      model.set(`g${n}`, n);
      n++;
      const gone = `g${ops * 7}`;
      expect(d.delete(gone)).toBe(model.delete(gone));
      expect(d.get(`g${ops * 3}`)).toBe(model.get(`g${ops * 3}`));
      ops++;
    }
    // Done within far fewer operations than the old table had buckets.
    expect(ops).toBeLessThan(4096);
    expect(d.size).toBe(model.size);
    for (const [k, v] of model) expect(d.get(k)).toBe(v);
    for (let i = 0; i < n; i++) expect(d.has(`g${i}`)).toBe(model.has(`g${i}`));
  });

  it('matches a Map under random inserts and deletes that grow and shrink it, SCAN included', () => {
    let seed = 0x9e3779b9;
    const rnd = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const d = new Dict<number>();
    const model = new Map<string, number>();
    let midScans = 0;
    for (let phase = 0; phase < 6; phase++) {
      const target = phase % 2 === 0 ? 3000 + phase * 1000 : 50;
      for (let op = 0; op < 12_000; op++) {
        const k = `r${Math.floor(rnd() * 10_000)}`;
        const grow = model.size < target;
        if (rnd() < (grow ? 0.8 : 0.2)) {
          expect(d.set(k, op)).toBe(!model.has(k));
          model.set(k, op);
        } else expect(d.delete(k)).toBe(model.delete(k));
        if (op % 1000 === 0) {
          // A whole SCAN, with no change between its calls, returns exactly the keys.
          if (d.rehashing) midScans++;
          const seen = new Set<string>();
          let cursor = 0;
          do cursor = d.scan(cursor, (key, v) => {
            expect(v).toBe(model.get(key));
            seen.add(key);
          });
          while (cursor !== 0);
          expect(seen.size).toBe(model.size);
        }
      }
      expect(d.size).toBe(model.size);
      for (const [k, v] of model) expect(d.get(k)).toBe(v);
    }
    expect(midScans).toBeGreaterThan(0);
  });

  it('SCAN returns every key present throughout while a resize is under way between its calls', () => {
    const d = new Dict<number>();
    const stay = 300;
    for (let i = 0; i < stay; i++) d.set(`s${i}`, i);
    const seen = new Set<string>();
    let cursor = 0;
    let i = 0;
    let resizing = 0;
    do {
      cursor = d.scan(cursor, (k) => seen.add(k));
      // One insert between calls: each resize starts and stays under way across several calls.
      d.set(`t${i}`, i++);
      if (d.rehashing) resizing++;
    } while (cursor !== 0);
    expect(resizing).toBeGreaterThan(10);
    for (let k = 0; k < stay; k++) expect(seen.has(`s${k}`)).toBe(true);
  });

  it('keeps entries by index across pages: growth, holes reused, compaction', () => {
    const d = new Dict<number>({ meta: true, empty: 0 });
    const at = new Map<string, number>();
    // Several pages (4096 entries each) past the first one that grows.
    for (let i = 0; i < 20_000; i++) {
      const idx = d.insertNew(`p${i}`, i);
      d.setMetaAt(idx, i * 7);
      at.set(`p${i}`, idx);
    }
    // Growth moved nothing: every index still names its key, value and metadata.
    for (const [k, idx] of at) {
      const i = Number(k.slice(1));
      expect(d.keyAt(idx)).toBe(k);
      expect(d.valAt(idx)).toBe(i);
      expect(d.metaAt(idx)).toBe(i * 7);
      expect(d.find(k)).toBe(idx);
    }
    expect(d.end).toBe(20_000);
    expect(d.hasHoles).toBe(false);
    // An index past the table (one remembered from before a clear) names no key.
    expect(d.keyAt(50_000)).toBeUndefined();
    // Holes in every page, then reused by new keys.
    for (let i = 0; i < 20_000; i += 3) d.delete(`p${i}`);
    expect(d.hasHoles).toBe(true);
    expect(d.end).toBe(20_000);
    for (let i = 0; i < 1000; i++) expect(d.insertNew(`q${i}`, -i)).toBeLessThan(20_000);
    expect(d.keyList().length).toBe(d.size);
    expect(d.valList().length).toBe(d.size);
    const seen = new Map<string, number>();
    d.forEach((k, v, idx) => {
      expect(d.keyAt(idx)).toBe(k);
      seen.set(k, v);
    });
    expect(seen.size).toBe(d.size);
    // Down below a quarter live: compaction renumbers densely and keeps values and metadata.
    for (let i = 0; i < 20_000; i++) if (i % 3 !== 0 && i % 50 !== 1) d.delete(`p${i}`);
    expect(d.end).toBeLessThan(5000);
    for (let i = 1; i < 20_000; i += 50) {
      const idx = d.find(`p${i}`);
      if (i % 3 === 0) {
        expect(idx).toBe(-1);
        continue;
      }
      expect(d.valAt(idx)).toBe(i);
      expect(d.metaAt(idx)).toBe(i * 7);
    }
    for (let i = 0; i < 1000; i++) expect(d.get(`q${i}`)).toBe(-i);
    expect(d.size).toBe(1000 + 400 - 133);
    d.clear();
    expect(d.keyAt(19_999)).toBeUndefined();
  });

  it('compacts in place to several pages, a full last page or a part of one, and grows on from there', () => {
    // Live entries left: a partial last page (9000 = 2 pages + 808) and exactly two pages (8192).
    for (const keep of [9000, 8192]) {
      const d = new Dict<number>({ meta: true, empty: 0 });
      const model = new Map<string, number>();
      // Compaction comes when fewer than a quarter are live: here with `keep` left.
      for (let i = 0; i < 4 * (keep + 1); i++) {
        d.setMetaAt(d.insertNew(`k${i}`, i), i + 1);
        model.set(`k${i}`, i);
      }
      // Every other key from the front goes first, so live entries move across pages.
      const order = [...model.keys()].filter((_, i) => i % 2 === 0).concat([...model.keys()].filter((_, i) => i % 2 === 1));
      for (const k of order) {
        if (model.size === keep) break;
        d.delete(k);
        model.delete(k);
      }
      expect(d.size).toBe(keep);
      expect(d.end).toBe(keep);
      expect(d.hasHoles).toBe(false);
      expect(d.keyAt(keep)).toBeUndefined();
      for (const [k, v] of model) {
        const idx = d.find(k);
        expect(d.valAt(idx)).toBe(v);
        expect(d.metaAt(idx)).toBe(v + 1);
      }
      // New entries append right after the kept ones, across the next page boundary.
      for (let i = 0; i < 5000; i++) {
        expect(d.insertNew(`n${i}`, -i)).toBe(keep + i);
        model.set(`n${i}`, -i);
      }
      const seen = new Map<string, number>();
      d.forEach((k, v, idx) => {
        expect(d.keyAt(idx)).toBe(k);
        seen.set(k, v);
      });
      expect(seen).toEqual(model);
    }
  });
});
