import { describe, expect, it } from 'vitest';
import { SkipList, type LexRange, type ScoreRange, type ZNode } from './skiplist.ts';

/** Checks every structural invariant: order, spans, backward links, tail, length. */
function check(zsl: SkipList): void {
  const nodes: ZNode[] = [];
  for (let n = zsl.first(); n !== null; n = n.next) nodes.push(n);
  expect(nodes.length).toBe(zsl.length);
  expect(zsl.tail).toBe(nodes.length ? nodes[nodes.length - 1] : null);
  const rankOf = new Map<ZNode, number>();
  nodes.forEach((n, i) => rankOf.set(n, i + 1));
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    expect(n.backward).toBe(i === 0 ? null : nodes[i - 1]);
    if (i > 0) {
      const p = nodes[i - 1]!;
      expect(p.score < n.score || (p.score === n.score && p.ele < n.ele)).toBe(true);
    }
  }
  const all = [zsl.header, ...nodes];
  for (const n of all) {
    const from = n === zsl.header ? 0 : rankOf.get(n)!;
    const levels = n === zsl.header ? zsl.level : n.level;
    for (let lv = 0; lv < levels; lv++) {
      const f = n.forwardAt(lv);
      if (f !== null) expect(n.spanAt(lv)).toBe(rankOf.get(f)! - from);
      // Past the last node of a level, the span counts the nodes after it (zslInsert keeps it so).
      else if (lv > 0) expect(n.spanAt(lv)).toBe(zsl.length - from);
      // A link skips no node of that level or higher.
      if (lv > 0 && f !== null) {
        for (let m = n === zsl.header ? zsl.first() : n.next; m !== f; m = m!.next) expect(m!.level).toBeLessThanOrEqual(lv);
      }
    }
  }
  expect(zsl.header.level).toBe(zsl.level);
  if (zsl.level > 1) expect(zsl.header.forwardAt(zsl.level - 1)).not.toBe(null);
}

const range = (min: number, max: number, minex = false, maxex = false): ScoreRange => ({ min, max, minex, maxex });
const lex = (min: string, max: string): LexRange => {
  const b = (s: string) =>
    s === '-' ? { inf: -1 as const, value: '', ex: true } : s === '+' ? { inf: 1 as const, value: '', ex: true } : { inf: 0 as const, value: s.slice(1), ex: s[0] === '(' };
  return { min: b(min), max: b(max) };
};

describe('SkipList', () => {
  it('keeps (score, member) order with spans through inserts, updates and deletes', () => {
    const zsl = new SkipList();
    const ref = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const ele = `m${(i * 7919) % 2000}`;
      const score = (i * 31) % 97;
      zsl.insert(score, ele);
      ref.set(ele, score);
    }
    check(zsl);
    let i = 0;
    for (const [ele, score] of ref) {
      if (i % 3 === 0) expect(zsl.delete(score, ele)).toBe(true);
      else if (i % 3 === 1) {
        zsl.updateScore(score, ele, score + (i % 5) - 2);
      }
      i++;
    }
    check(zsl);
    expect(zsl.delete(12345, 'nope')).toBe(false);
  });

  it('agrees with a sorted array under random inserts, updates and range deletions', () => {
    const zsl = new SkipList();
    let ref: [number, string][] = [];
    const cmp = (a: [number, string], b: [number, string]) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);
    let seq = 0;
    for (let round = 0; round < 300; round++) {
      const op = round % 6;
      if (op < 3) {
        for (let k = 0; k < 20; k++) {
          const e: [number, string] = [Math.floor(Math.random() * 50), `e${seq++}`];
          zsl.insert(e[0], e[1]);
          ref.push(e);
        }
      } else if (op === 3 && ref.length > 0) {
        const i = Math.floor(Math.random() * ref.length);
        const [sc, el] = ref[i]!;
        const ns = Math.floor(Math.random() * 50);
        zsl.updateScore(sc, el, ns);
        ref[i] = [ns, el];
      } else if (op === 4 && ref.length > 0) {
        ref.sort(cmp);
        const a = 1 + Math.floor(Math.random() * ref.length);
        const b = Math.min(ref.length, a + Math.floor(Math.random() * 5));
        expect(zsl.deleteRangeByRank(a, b, () => {})).toBe(b - a + 1);
        ref.splice(a - 1, b - a + 1);
      } else if (op === 5) {
        const lo = Math.floor(Math.random() * 50);
        const r = range(lo, lo + 3, true, false);
        const gone: string[] = [];
        zsl.deleteRangeByScore(r, (e) => gone.push(e));
        const keep = ref.filter(([sc]) => !(sc > lo && sc <= lo + 3));
        expect(gone.length).toBe(ref.length - keep.length);
        ref = keep;
      }
      ref.sort(cmp);
      expect(zsl.length).toBe(ref.length);
      if (ref.length > 0) {
        const i = Math.floor(Math.random() * ref.length);
        expect(zsl.getRank(ref[i]![0], ref[i]![1])).toBe(i + 1);
        expect(zsl.getByRank(i + 1)!.ele).toBe(ref[i]![1]);
      }
    }
    check(zsl);
    const all: string[] = [];
    for (let n = zsl.first(); n !== null; n = n.next) all.push(n.ele);
    expect(all).toEqual(ref.map((e) => e[1]));
  });

  it('orders equal scores by member bytes (binary strings, prefix first)', () => {
    const zsl = new SkipList();
    for (const m of ['b', 'a', '\xff', 'ab', '', '\x00', 'B']) zsl.insert(1, m);
    const out: string[] = [];
    for (let n = zsl.first(); n !== null; n = n.next) out.push(n.ele);
    expect(out).toEqual(['', '\x00', 'B', 'a', 'ab', 'b', '\xff']);
  });

  it('answers ranks and rank lookups', () => {
    const zsl = new SkipList();
    for (let i = 0; i < 500; i++) zsl.insert(i, `e${i}`);
    for (let i = 0; i < 500; i += 37) {
      expect(zsl.getRank(i, `e${i}`)).toBe(i + 1);
      expect(zsl.getByRank(i + 1)!.ele).toBe(`e${i}`);
    }
    expect(zsl.getRank(3, 'e4')).toBe(0);
    expect(zsl.getByRank(0)).toBe(null);
    expect(zsl.getByRank(501)).toBe(null);
  });

  it('finds score and lex ranges and deletes them', () => {
    const zsl = new SkipList();
    for (let i = 1; i <= 10; i++) zsl.insert(i, `e${i}`);
    expect(zsl.firstInRange(range(3, 5))!.score).toBe(3);
    expect(zsl.lastInRange(range(3, 5))!.score).toBe(5);
    expect(zsl.firstInRange(range(3, 5, true, true))!.score).toBe(4);
    expect(zsl.lastInRange(range(3, 5, true, true))!.score).toBe(4);
    expect(zsl.firstInRange(range(5, 3))).toBe(null);
    expect(zsl.firstInRange(range(4, 4, true))).toBe(null);
    expect(zsl.firstInRange(range(11, Infinity))).toBe(null);
    expect(zsl.lastInRange(range(-Infinity, 0.5))).toBe(null);
    const removed: string[] = [];
    expect(zsl.deleteRangeByScore(range(2, 4, false, true), (e) => removed.push(e))).toBe(2);
    expect(removed).toEqual(['e2', 'e3']);
    expect(zsl.deleteRangeByRank(1, 2, () => {})).toBe(2); // e1, e4
    check(zsl);
    expect(zsl.first()!.ele).toBe('e5');

    const lz = new SkipList();
    for (const m of ['a', 'b', 'c', 'd', 'e']) lz.insert(0, m);
    expect(lz.firstInLexRange(lex('(a', '[c'))!.ele).toBe('b');
    expect(lz.lastInLexRange(lex('(a', '[c'))!.ele).toBe('c');
    expect(lz.firstInLexRange(lex('-', '+'))!.ele).toBe('a');
    expect(lz.lastInLexRange(lex('-', '+'))!.ele).toBe('e');
    expect(lz.firstInLexRange(lex('+', '-'))).toBe(null);
    expect(lz.firstInLexRange(lex('(c', '(c'))).toBe(null);
    expect(lz.deleteRangeByLex(lex('[b', '(d'), () => {})).toBe(2);
    check(lz);
  });

  it('loadSorted builds the same list as inserts, which then keeps working', () => {
    const scores: number[] = [];
    const eles: string[] = [];
    for (let i = 0; i < 3000; i++) {
      scores.push((i * 7919) % 311);
      eles.push(`m${i}`);
    }
    const order = Array.from(scores.keys()).sort((a, b) => scores[a]! - scores[b]! || (eles[a]! < eles[b]! ? -1 : 1));
    const zsl = new SkipList();
    zsl.loadSorted(scores, eles, order);
    check(zsl);
    const ref = new SkipList();
    for (let i = 0; i < scores.length; i++) ref.insert(scores[i]!, eles[i]!);
    for (let r = 1; r <= 3000; r += 37) {
      const n = zsl.getByRank(r)!;
      expect([n.score, n.ele]).toEqual([ref.getByRank(r)!.score, ref.getByRank(r)!.ele]);
      expect(zsl.getRank(n.score, n.ele)).toBe(r);
    }
    for (let i = 0; i < 3000; i += 3) expect(zsl.delete(scores[i]!, eles[i]!)).toBe(true);
    for (let i = 0; i < 500; i++) zsl.insert(i % 400, `n${i}`);
    zsl.updateScore(scores[1]!, eles[1]!, -5);
    check(zsl);
    const empty = new SkipList();
    empty.loadSorted([], [], []);
    check(empty);
    expect(() => zsl.loadSorted([1], ['x'], [0])).toThrow();
  });

  it('does O(log N) work for a rank lookup in a million-element list', () => {
    const zsl = new SkipList();
    // Descending inserts land at the head: building stays O(N).
    for (let i = 1_000_000 - 1; i >= 0; i--) zsl.insert(i, 'm');
    let worst = 0;
    for (const r of [0, 1, 499_999, 777_777, 999_999]) {
      zsl.visits = 0;
      expect(zsl.getRank(r, 'm')).toBe(r + 1);
      worst = Math.max(worst, zsl.visits);
      zsl.visits = 0;
      expect(zsl.getByRank(r + 1)!.score).toBe(r);
      worst = Math.max(worst, zsl.visits);
    }
    // Expected ~ (1/p) * log_{1/p}(N) = 4 * 10 = 40 steps; a linear walk would be ~10^6.
    expect(worst).toBeLessThan(400);
  });
});
