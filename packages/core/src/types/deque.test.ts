import { describe, expect, it } from 'vitest';
import { CHUNK, Deque } from './deque.ts';

/** Checks a deque against a reference array after every step of a random workload. */
function check(d: Deque<number>, ref: number[]): void {
  expect(d.length).toBe(ref.length);
  expect(d.toArray()).toEqual(ref);
  expect(d.capacity).toBeGreaterThanOrEqual(ref.length);
  if (d.buf.length > 0) {
    // Flat: a power-of-two ring.
    expect(d.capacity & (d.capacity - 1)).toBe(0);
  } else {
    // Chunked: whole chunks, at most two of them partly empty (the first and the last).
    expect(d.capacity % CHUNK).toBe(0);
    expect(d.capacity).toBeLessThanOrEqual(ref.length + 2 * CHUNK);
    expect(d.longestArray).toBeLessThanOrEqual(Math.max(CHUNK, d.capacity / CHUNK));
  }
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
      check(d, model);
    }
  });

  it('keeps order across growth of a flat ring, whichever run is shorter', () => {
    for (const frontShare of [0, 0.1, 0.5, 0.9, 1]) {
      const d = new Deque<number>();
      const model: number[] = [];
      for (let i = 0; i < 3000; i++) {
        if ((i * 7919) % 100 < frontShare * 100) {
          d.pushFront(i);
          model.unshift(i);
        } else {
          d.pushBack(i);
          model.push(i);
        }
      }
      expect(d.toArray()).toEqual(model);
      expect(d.capacity).toBe(4096);
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

  it('a long deque grows and drains a chunk at a time: no array longer than a chunk, any index in O(1)', () => {
    const d = new Deque<number>();
    for (let i = 0; i < 1_000_000; i++) d.pushBack(i);
    for (let i = 0; i < 1000; i++) d.pushFront(-i - 1);
    // A flat ring would be one array of 2^20 slots, copied whole at each doubling.
    expect(d.longestArray).toBeLessThanOrEqual(CHUNK);
    expect(d.at(500_000)).toBe(499_000);
    expect(d.at(0)).toBe(-1000);
    expect(d.at(d.length - 1)).toBe(999_999);
    expect(d.set(1000, 7)).toBe(0);
    expect(d.at(1000)).toBe(7);
    while (d.length > 10) d.popBack();
    // Drained: one small flat ring again.
    expect(d.buf.length).toBeGreaterThan(0);
    expect(d.capacity).toBeLessThanOrEqual(64);
    expect(d.toArray()).toEqual([-1000, -999, -998, -997, -996, -995, -994, -993, -992, -991]);
  });

  it('matches an array under a random workload that crosses between flat and chunked both ways', () => {
    // mulberry32: a plain LCG's low bits cycle too fast to pick among 12 operations.
    let a = 777;
    const rnd = (n: number) => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
    };
    const d = new Deque<number>();
    const ref: number[] = [];
    let modes = 0;
    let wasChunked = false;
    for (let step = 0; step < 60_000; step++) {
      // Phases of growth and of draining, so the length crosses CHUNK and CHUNK / 4 repeatedly.
      const growing = Math.floor(step / 10_000) % 2 === 0;
      const op = rnd(12);
      const v = step;
      if (op < (growing ? 7 : 2)) {
        if (op % 2 === 0) {
          d.pushBack(v);
          ref.push(v);
        } else {
          d.pushFront(v);
          ref.unshift(v);
        }
      } else if (op < 8) {
        if (op % 2 === 0) expect(d.popFront()).toBe(ref.shift());
        else expect(d.popBack()).toBe(ref.pop());
      } else if (op === 8) {
        const i = rnd(ref.length + 1);
        d.insert(i, v);
        ref.splice(i, 0, v);
      } else if (op === 9 && ref.length > 0) {
        const i = rnd(ref.length);
        expect(d.removeAt(i)).toBe(ref[i]);
        ref.splice(i, 1);
      } else if (op === 10 && ref.length > 0) {
        const i = rnd(ref.length);
        expect(d.set(i, v)).toBe(ref[i]);
        ref[i] = v;
      } else if (op === 11 && !growing) {
        const n = rnd(40);
        if (rnd(2) === 0) {
          d.removeFront(n);
          ref.splice(0, n);
        } else {
          d.removeBack(n);
          ref.splice(Math.max(0, ref.length - n), n);
        }
      }
      const chunked = d.buf.length === 0;
      if (chunked !== wasChunked) modes++;
      wasChunked = chunked;
      if (step % 499 === 0) {
        check(d, ref);
        expect(d.at(ref.length >> 1)).toBe(ref[ref.length >> 1]);
        expect(d.front()).toBe(ref[0]);
        expect(d.back()).toBe(ref[ref.length - 1]);
      }
    }
    check(d, ref);
    expect([...d.clone()]).toEqual(ref);
    // The workload did cross: flat -> chunked -> flat, at least twice each way.
    expect(modes).toBeGreaterThanOrEqual(4);
  });
});
