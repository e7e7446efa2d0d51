/**
 * Deque: a growable circular buffer. Capacity is a power of two so that a logical index maps to a
 * slot with one add and one mask, which gives O(1) push/pop at both ends and O(1) access by index
 * (Redis's quicklist needs O(N) to reach the middle; LINDEX/LSET here do not).
 *
 * The buffer doubles when full and halves when a quarter full (never below MIN_CAPACITY), so
 * memory follows the length and every operation stays amortized O(1). Vacated slots are reset to
 * undefined so popped values can be collected.
 */

const MIN_CAPACITY = 8;

/** Smallest power of two >= n (and >= MIN_CAPACITY). */
function capacityFor(n: number): number {
  let c = MIN_CAPACITY;
  while (c < n) c *= 2;
  return c;
}

export class Deque<T> {
  /** The ring; slot of logical index i is (head + i) & mask. Exposed for structural tests only. */
  buf: (T | undefined)[];
  private head = 0;
  private len = 0;
  private mask: number;

  constructor(capacity = MIN_CAPACITY) {
    const cap = capacityFor(capacity);
    this.buf = new Array<T | undefined>(cap).fill(undefined);
    this.mask = cap - 1;
  }

  static from<T>(items: readonly T[]): Deque<T> {
    const d = new Deque<T>(items.length);
    const buf = d.buf;
    for (let i = 0; i < items.length; i++) buf[i] = items[i];
    d.len = items.length;
    return d;
  }

  get length(): number {
    return this.len;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  /** The element at logical index i (0 = front), or undefined when out of range. O(1). */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.len) return undefined;
    return this.buf[(this.head + i) & this.mask];
  }

  /** Replaces the element at index i (must be in range); returns the old one. O(1). */
  set(i: number, v: T): T {
    const slot = (this.head + i) & this.mask;
    const old = this.buf[slot] as T;
    this.buf[slot] = v;
    return old;
  }

  front(): T | undefined {
    return this.len === 0 ? undefined : this.buf[this.head];
  }

  back(): T | undefined {
    return this.len === 0 ? undefined : this.buf[(this.head + this.len - 1) & this.mask];
  }

  pushBack(v: T): void {
    if (this.len === this.mask + 1) this.grow();
    this.buf[(this.head + this.len) & this.mask] = v;
    this.len++;
  }

  pushFront(v: T): void {
    if (this.len === this.mask + 1) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.buf[this.head] = v;
    this.len++;
  }

  popFront(): T | undefined {
    if (this.len === 0) return undefined;
    const h = this.head;
    const v = this.buf[h];
    this.buf[h] = undefined;
    this.head = (h + 1) & this.mask;
    this.len--;
    this.maybeShrink();
    return v;
  }

  popBack(): T | undefined {
    if (this.len === 0) return undefined;
    const slot = (this.head + this.len - 1) & this.mask;
    const v = this.buf[slot];
    this.buf[slot] = undefined;
    this.len--;
    this.maybeShrink();
    return v;
  }

  /** Inserts v so that it ends up at index i (0..length), moving the shorter side. O(min(i, n-i)). */
  insert(i: number, v: T): void {
    const n = this.len;
    if (i <= 0) return this.pushFront(v);
    if (i >= n) return this.pushBack(v);
    if (n === this.mask + 1) this.grow();
    const buf = this.buf;
    const mask = this.mask;
    if (i < n - i) {
      // Shift the first i elements one slot to the left.
      const h = (this.head - 1) & mask;
      for (let k = 0; k < i; k++) buf[(h + k) & mask] = buf[(h + k + 1) & mask];
      this.head = h;
    } else {
      const h = this.head;
      for (let k = n; k > i; k--) buf[(h + k) & mask] = buf[(h + k - 1) & mask];
    }
    buf[(this.head + i) & mask] = v;
    this.len = n + 1;
  }

  /** Removes and returns the element at index i (must be in range), moving the shorter side. */
  removeAt(i: number): T {
    const n = this.len;
    const buf = this.buf;
    const mask = this.mask;
    const h = this.head;
    const v = buf[(h + i) & mask] as T;
    if (i < n - 1 - i) {
      for (let k = i; k > 0; k--) buf[(h + k) & mask] = buf[(h + k - 1) & mask];
      buf[h] = undefined;
      this.head = (h + 1) & mask;
    } else {
      for (let k = i; k < n - 1; k++) buf[(h + k) & mask] = buf[(h + k + 1) & mask];
      buf[(h + n - 1) & mask] = undefined;
    }
    this.len = n - 1;
    this.maybeShrink();
    return v;
  }

  /** Drops the first n elements. O(n). */
  removeFront(n: number): void {
    if (n <= 0) return;
    if (n >= this.len) return this.clear();
    const buf = this.buf;
    const mask = this.mask;
    let h = this.head;
    for (let k = 0; k < n; k++) {
      buf[h] = undefined;
      h = (h + 1) & mask;
    }
    this.head = h;
    this.len -= n;
    this.shrinkToFit();
  }

  /** Drops the last n elements. O(n). */
  removeBack(n: number): void {
    if (n <= 0) return;
    if (n >= this.len) return this.clear();
    const buf = this.buf;
    const mask = this.mask;
    const end = this.head + this.len;
    for (let k = 1; k <= n; k++) buf[(end - k) & mask] = undefined;
    this.len -= n;
    this.shrinkToFit();
  }

  clear(): void {
    this.buf = new Array<T | undefined>(MIN_CAPACITY).fill(undefined);
    this.mask = MIN_CAPACITY - 1;
    this.head = 0;
    this.len = 0;
  }

  toArray(): T[] {
    const n = this.len;
    const out = new Array<T>(n);
    const buf = this.buf;
    const mask = this.mask;
    const h = this.head;
    for (let i = 0; i < n; i++) out[i] = buf[(h + i) & mask] as T;
    return out;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.len; i++) yield this.buf[(this.head + i) & this.mask] as T;
  }

  clone(): Deque<T> {
    const d = new Deque<T>(0);
    d.buf = new Array<T | undefined>(this.mask + 1).fill(undefined);
    d.mask = this.mask;
    const n = this.len;
    for (let i = 0; i < n; i++) d.buf[i] = this.buf[(this.head + i) & this.mask];
    d.len = n;
    return d;
  }

  /** Halving at a quarter full (not at half) keeps alternating push/pop from resizing each time. */
  private maybeShrink(): void {
    const cap = this.mask + 1;
    if (cap > MIN_CAPACITY && this.len <= cap >>> 2) this.resize(cap >>> 1);
  }

  /** After a bulk removal: the smallest capacity that still leaves room to grow (2x the length). */
  private shrinkToFit(): void {
    const want = capacityFor(this.len * 2);
    if (want < this.mask + 1) this.resize(want);
  }

  /**
   * Doubles a full ring in place: the array is lengthened natively and only the shorter of its
   * two runs moves (copyWithin), instead of copying every element in a JS loop into a new
   * array — on a list of 10⁵+ elements that copy was a multi-millisecond pause.
   */
  private grow(): void {
    const buf = this.buf;
    const cap = this.mask + 1;
    const h = this.head;
    buf.length = cap * 2;
    // Holes would be read through the prototype chain: fill them before anything moves in.
    buf.fill(undefined, cap, cap * 2);
    if (h > 0) {
      // Full ring: the front run is [h, cap), the back run [0, h).
      if (h <= cap - h) {
        buf.copyWithin(cap, 0, h);
        buf.fill(undefined, 0, h);
      } else {
        buf.copyWithin(h + cap, h, cap);
        buf.fill(undefined, h, cap);
        this.head = h + cap;
      }
    }
    this.mask = cap * 2 - 1;
  }

  /**
   * Halves (or more) the ring in place: the elements are gathered into the first `cap` slots with
   * copyWithin and the array is truncated, so a draining list does not copy itself in a JS loop.
   */
  private resize(cap: number): void {
    const buf = this.buf;
    const oldCap = this.mask + 1;
    const h = this.head;
    const n = this.len;
    if (h + n <= oldCap) {
      // One run [h, h + n): to the start of the array.
      if (h !== 0) buf.copyWithin(0, h, h + n);
      this.head = 0;
      buf.fill(undefined, n, cap);
    } else {
      // Two runs: the back one [0, back) stays, the front one [h, oldCap) moves to the new end.
      const front = oldCap - h;
      const back = n - front;
      buf.copyWithin(cap - front, h, oldCap);
      buf.fill(undefined, back, cap - front);
      this.head = cap - front;
    }
    buf.length = cap;
    this.mask = cap - 1;
  }

}
