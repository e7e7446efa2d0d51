import { describe, expect, it } from 'vitest';
import { Deque } from './deque.ts';

/** Checks a deque against a reference array after every step of a random workload. */
function check(d: Deque<number>, ref: number[]): void {
  expect(d.length).toBe(ref.length);
  expect(d.toArray()).toEqual(ref);
  expect(d.capacity & (d.capacity - 1)).toBe(0);
  expect(d.capacity).toBeGreaterThanOrEqual(ref.length);
}

describe('Deque', () => {
  it('pushes and pops at both ends, wrapping around the ring', () => {
    const d = new Deque<number>();
    for (let i = 0; i < 5; i++) d.pushBack(i);
    for (let i = 1; i <= 5; i++) d.pushFront(-i);
    expect(d.toArray()).toEqual([-5, -4, -3, -2, -1, 0, 1, 2, 3, 4]);
    expect(d.front()).toBe(-5);
    expect(d.back()).toBe(4);
    expect(d.popFront()).toBe(-5);
    expect(d.popBack()).toBe(4);
    expect(d.at(0)).toBe(-4);
    expect(d.at(7)).toBe(3);
    expect(d.at(8)).toBeUndefined();
    expect(d.at(-1)).toBeUndefined();
    expect([...d]).toEqual([-4, -3, -2, -1, 0, 1, 2, 3]);
  });

  it('returns undefined popping an empty deque', () => {
    const d = new Deque<string>();
    expect(d.popFront()).toBeUndefined();
    expect(d.popBack()).toBeUndefined();
    expect(d.front()).toBeUndefined();
    expect(d.back()).toBeUndefined();
  });

  it('grows by doubling and shrinks when mostly empty', () => {
    const d = new Deque<number>();
    expect(d.capacity).toBe(8);
    for (let i = 0; i < 1000; i++) d.pushBack(i);
    expect(d.capacity).toBe(1024);
    for (let i = 0; i < 990; i++) d.popFront();
    expect(d.length).toBe(10);
    expect(d.capacity).toBeLessThanOrEqual(64);
    expect(d.toArray()).toEqual([990, 991, 992, 993, 994, 995, 996, 997, 998, 999]);
  });

  it('clears vacated slots so popped values can be collected', () => {
    const d = new Deque<object>();
    for (let i = 0; i < 6; i++) d.pushBack({ i });
    d.popFront();
    d.popBack();
    d.removeFront(1);
    d.removeBack(1);
    expect(d.buf.filter((x) => x !== undefined).length).toBe(2);
  });

  it('inserts and removes in the middle, moving the shorter side', () => {
    const ref: number[] = [];
    const d = new Deque<number>();
    for (let i = 0; i < 20; i++) {
      d.pushBack(i);
      ref.push(i);
    }
    d.pushFront(-1);
    ref.unshift(-1);
    for (const [i, v] of [[0, 100], [3, 101], [20, 102], [22, 103], [11, 104]] as const) {
      d.insert(i, v);
      ref.splice(i, 0, v);
      check(d, ref);
    }
    for (const i of [0, 5, 20, 12, 20]) {
      expect(d.removeAt(i)).toBe(ref[i]);
      ref.splice(i, 1);
      check(d, ref);
    }
  });

  it('removes ranges from the front and back', () => {
    const d = Deque.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    d.removeFront(3);
    d.removeBack(2);
    expect(d.toArray()).toEqual([4, 5, 6, 7, 8]);
    d.removeFront(0);
    d.removeBack(0);
    expect(d.length).toBe(5);
    d.removeBack(99);
    expect(d.length).toBe(0);
    expect(d.capacity).toBe(8);
  });

  it('matches an array under a random workload', () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const d = new Deque<number>();
    const ref: number[] = [];
    for (let step = 0; step < 5000; step++) {
      const op = rnd(9);
      const v = step;
      if (op === 0 || op === 1) {
        d.pushBack(v);
        ref.push(v);
      } else if (op === 2 || op === 3) {
        d.pushFront(v);
        ref.unshift(v);
      } else if (op === 4) {
        expect(d.popFront()).toBe(ref.shift());
      } else if (op === 5) {
        expect(d.popBack()).toBe(ref.pop());
      } else if (op === 6) {
        const i = rnd(ref.length + 1);
        d.insert(i, v);
        ref.splice(i, 0, v);
      } else if (op === 7 && ref.length > 0) {
        const i = rnd(ref.length);
        expect(d.removeAt(i)).toBe(ref[i]);
        ref.splice(i, 1);
      } else if (op === 8 && ref.length > 0) {
        const i = rnd(ref.length);
        expect(d.set(i, v)).toBe(ref[i]);
        ref[i] = v;
      }
      if (step % 97 === 0) check(d, ref);
    }
    check(d, ref);
  });

  it('clones independently', () => {
    const d = Deque.from(['a', 'b']);
    d.pushFront('z');
    const c = d.clone();
    c.pushBack('c');
    d.popFront();
    expect(c.toArray()).toEqual(['z', 'a', 'b', 'c']);
    expect(d.toArray()).toEqual(['a', 'b']);
  });

  it('keeps order across growth whichever run of the full ring is shorter', () => {
    // Head positions before each doubling vary with the mix of front and back pushes.
    for (const frontShare of [0, 0.1, 0.5, 0.9, 1]) {
      const d = new Deque<number>();
      const model: number[] = [];
      let x = 0;
      for (let i = 0; i < 5000; i++) {
        const front = (i * 7919) % 100 < frontShare * 100;
        if (front) {
          d.pushFront(x);
          model.unshift(x);
        } else {
          d.pushBack(x);
          model.push(x);
        }
        x++;
        if (i % 13 === 0) expect(d.at(i >> 1)).toBe(model[i >> 1]);
      }
      expect(d.toArray()).toEqual(model);
      expect(d.capacity).toBe(8192);
      expect(d.buf.every((v, i) => i in d.buf && (v === undefined || typeof v === 'number'))).toBe(true);
    }
  });

  it('keeps order while it drains and shrinks, from either end, wrapped or not', () => {
    for (const mode of ['front', 'back', 'mixed'] as const) {
      const d = new Deque<number>();
      const model: number[] = [];
      for (let i = 0; i < 3000; i++) {
        if (i % 3 === 0) {
          d.pushFront(i);
          model.unshift(i);
        } else {
          d.pushBack(i);
          model.push(i);
        }
      }
      let k = 0;
      while (model.length > 0) {
        const fromFront = mode === 'front' || (mode === 'mixed' && k++ % 2 === 0);
        expect(fromFront ? d.popFront() : d.popBack()).toBe(fromFront ? model.shift() : model.pop());
        if (model.length % 97 === 0) expect(d.toArray()).toEqual(model);
      }
      expect(d.capacity).toBe(8);
      expect(d.buf.length).toBe(8);
      expect(d.buf.every((v) => v === undefined)).toBe(true);
    }
  });

  it('reads any index with a single slot access (no iteration)', () => {
    const d = new Deque<number>();
    for (let i = 0; i < 1_000_000; i++) d.pushBack(i);
    for (let i = 0; i < 1000; i++) d.pushFront(-i - 1); // head is now mid-ring
    let reads = 0;
    d.buf = new Proxy(d.buf, {
      get(t, p, r) {
        if (typeof p === 'string' && /^\d+$/.test(p)) reads++;
        return Reflect.get(t, p, r);
      },
    });
    expect(d.at(500_000)).toBe(499_000);
    expect(reads).toBe(1);
    expect(d.at(d.length - 1)).toBe(999_999);
    expect(reads).toBe(2);
  });
});
