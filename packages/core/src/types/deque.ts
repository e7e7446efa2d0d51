/**
 * Deque: a growable circular buffer. Capacity is a power of two so that a logical index maps to a
 * slot with one add and one mask, which gives O(1) push/pop at both ends and O(1) access by index
 * (Redis's quicklist needs O(N) to reach the middle; LINDEX/LSET here do not).
 *
 * The buffer doubles when full and halves when a quarter full (never below MIN_CAPACITY), so
 * memory follows the length and every operation stays amortized O(1). Vacated slots are reset to
 * undefined so popped values can be collected.
 *
 * Past CHUNK elements the ring becomes a ring of CHUNK-slot arrays (chunked mode), as Redis's
 * quicklist is a list of listpacks: doubling one flat array copies every element at once, and a
 * list of a million elements stalled the server 28 ms (4M: 111 ms) on the push that crossed a
 * power of two, a draining one as long when it halved. Chunks come and go one at a time; an index
 * is still two shifts and a mask. Below CHUNK / 4 elements it is one flat ring again.
 */

const MIN_CAPACITY = 8;
const CHUNK_BITS = 12;
/** Slots of one chunk (and the largest flat ring). */
export const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;

/** Smallest power of two >= n (and >= MIN_CAPACITY). */
function capacityFor(n: number): number {
  let c = MIN_CAPACITY;
  while (c < n) c *= 2;
  return c;
}

export class Deque<T> {
  /**
   * Flat mode: the ring; slot of logical index i is (head + i) & mask. Exposed for structural
   * tests only. Empty in chunked mode.
   */
  buf: (T | undefined)[];
  /** Flat: the ring's first slot. Chunked: the first element's slot in the first chunk. */
  private head = 0;
  private len = 0;
  private mask: number;
  /**
   * Chunked mode (null: flat): a ring of chunks; chunk c of the sequence is
   * chunks[(first + c) & dirMask], and logical index i is slot (head + i) & CHUNK_MASK of chunk
   * (head + i) >> CHUNK_BITS.
   */
  private chunks: ((T | undefined)[] | undefined)[] | null = null;
  private first = 0;
  private nchunks = 0;
  private dirMask = 0;

  constructor(capacity = MIN_CAPACITY) {
    const cap = capacityFor(capacity);
    this.buf = new Array<T | undefined>(cap).fill(undefined);
    this.mask = cap - 1;
  }

  static from<T>(items: readonly T[]): Deque<T> {
    if (items.length > CHUNK) {
      const d = new Deque<T>();
      for (let i = 0; i < items.length; i++) d.pushBack(items[i]!);
      return d;
    }
    const d = new Deque<T>(items.length);
    const buf = d.buf;
    for (let i = 0; i < items.length; i++) buf[i] = items[i];
    d.len = items.length;
    return d;
  }

  get length(): number {
    return this.len;
  }

  /** For structural tests: the length of the longest array this deque holds (ring, chunk or ring of chunks). */
  get longestArray(): number {
    if (this.chunks === null) return this.buf.length;
    return Math.max(this.chunks.length, ...this.chunks.map((c) => c?.length ?? 0));
  }

  /** Slots allocated (flat: the ring; chunked: the chunks). */
  get capacity(): number {
    return this.chunks === null ? this.mask + 1 : this.nchunks * CHUNK;
  }

  /** The element at logical index i (0 = front), or undefined when out of range. O(1). */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.len) return undefined;
    if (this.chunks === null) return this.buf[(this.head + i) & this.mask];
    const g = this.head + i;
    return this.chunks[(this.first + (g >> CHUNK_BITS)) & this.dirMask]![g & CHUNK_MASK];
  }

  /** Replaces the element at index i (must be in range); returns the old one. O(1). */
  set(i: number, v: T): T {
    if (this.chunks === null) {
      const slot = (this.head + i) & this.mask;
      const old = this.buf[slot] as T;
      this.buf[slot] = v;
      return old;
    }
    const g = this.head + i;
    const chunk = this.chunks[(this.first + (g >> CHUNK_BITS)) & this.dirMask]!;
    const old = chunk[g & CHUNK_MASK] as T;
    chunk[g & CHUNK_MASK] = v;
    return old;
  }

  front(): T | undefined {
    return this.len === 0 ? undefined : this.at(0);
  }

  back(): T | undefined {
    return this.len === 0 ? undefined : this.at(this.len - 1);
  }

  pushBack(v: T): void {
    if (this.chunks !== null) return this.chunkedPushBack(v);
    if (this.len === this.mask + 1) {
      if (this.len >= CHUNK) {
        this.toChunks();
        return this.chunkedPushBack(v);
      }
      this.grow();
    }
    this.buf[(this.head + this.len) & this.mask] = v;
    this.len++;
  }

  pushFront(v: T): void {
    if (this.chunks !== null) return this.chunkedPushFront(v);
    if (this.len === this.mask + 1) {
      if (this.len >= CHUNK) {
        this.toChunks();
        return this.chunkedPushFront(v);
      }
      this.grow();
    }
    this.head = (this.head - 1) & this.mask;
    this.buf[this.head] = v;
    this.len++;
  }

  popFront(): T | undefined {
    if (this.len === 0) return undefined;
    if (this.chunks !== null) return this.chunkedPopFront();
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
    if (this.chunks !== null) return this.chunkedPopBack();
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
    if (this.chunks === null && n === this.mask + 1 && n >= CHUNK) this.toChunks();
    if (this.chunks !== null) {
      // One end grows by the element next to it, then the shorter side moves over by one.
      if (i < n - i) {
        this.pushFront(this.at(0)!);
        for (let k = 1; k < i; k++) this.set(k, this.at(k + 1)!);
      } else {
        this.pushBack(this.at(n - 1)!);
        for (let k = n - 1; k > i; k--) this.set(k, this.at(k - 1)!);
      }
      this.set(i, v);
      return;
    }
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
    if (this.chunks !== null) {
      const v = this.at(i) as T;
      if (i < n - 1 - i) {
        for (let k = i; k > 0; k--) this.set(k, this.at(k - 1)!);
        this.popFront();
      } else {
        for (let k = i; k < n - 1; k++) this.set(k, this.at(k + 1)!);
        this.popBack();
      }
      return v;
    }
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
    if (this.chunks !== null) {
      for (let k = 0; k < n; k++) this.popFront();
      return;
    }
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
    if (this.chunks !== null) {
      for (let k = 0; k < n; k++) this.popBack();
      return;
    }
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
    this.chunks = null;
    this.first = this.nchunks = this.dirMask = 0;
  }

  toArray(): T[] {
    const n = this.len;
    const out = new Array<T>(n);
    if (this.chunks !== null) {
      for (let i = 0; i < n; i++) out[i] = this.at(i) as T;
      return out;
    }
    const buf = this.buf;
    const mask = this.mask;
    const h = this.head;
    for (let i = 0; i < n; i++) out[i] = buf[(h + i) & mask] as T;
    return out;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.len; i++) yield this.at(i) as T;
  }

  clone(): Deque<T> {
    if (this.chunks !== null) return Deque.from(this.toArray());
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


  // ---------------------------------------------------------------------------------------------
  // Chunked mode

  /** A full flat ring of CHUNK elements becomes the first chunk of a chunked deque. */
  private toChunks(): void {
    const chunk = this.toArray() as (T | undefined)[];
    this.chunks = [chunk, undefined, undefined, undefined];
    this.dirMask = 3;
    this.first = 0;
    this.nchunks = 1;
    this.head = 0;
    this.buf = [];
    this.mask = 0;
  }

  /** Below CHUNK / 4 elements: one flat ring again, twice the length. */
  private maybeFlatten(): void {
    if (this.len > CHUNK >>> 2) return;
    const items = this.toArray();
    const cap = capacityFor(items.length * 2);
    const buf = new Array<T | undefined>(cap).fill(undefined);
    for (let i = 0; i < items.length; i++) buf[i] = items[i];
    this.chunks = null;
    this.first = this.nchunks = this.dirMask = 0;
    this.buf = buf;
    this.mask = cap - 1;
    this.head = 0;
  }

  private newChunk(): (T | undefined)[] {
    return new Array<T | undefined>(CHUNK).fill(undefined);
  }

  /** Room in the chunk ring for one more chunk (the ring of chunks doubles: it holds only pointers). */
  private dirRoom(): void {
    const dir = this.chunks!;
    if (this.nchunks < dir.length) return;
    const grown = new Array<(T | undefined)[] | undefined>(dir.length * 2).fill(undefined);
    for (let c = 0; c < this.nchunks; c++) grown[c] = dir[(this.first + c) & this.dirMask];
    this.chunks = grown;
    this.first = 0;
    this.dirMask = grown.length - 1;
  }

  private chunkedPushBack(v: T): void {
    const g = this.head + this.len;
    if (g >> CHUNK_BITS === this.nchunks) {
      this.dirRoom();
      this.chunks![(this.first + this.nchunks) & this.dirMask] = this.newChunk();
      this.nchunks++;
    }
    this.chunks![(this.first + (g >> CHUNK_BITS)) & this.dirMask]![g & CHUNK_MASK] = v;
    this.len++;
  }

  private chunkedPushFront(v: T): void {
    if (this.head === 0) {
      this.dirRoom();
      this.first = (this.first - 1) & this.dirMask;
      this.chunks![this.first] = this.newChunk();
      this.nchunks++;
      this.head = CHUNK;
    }
    this.head--;
    this.chunks![this.first]![this.head] = v;
    this.len++;
  }

  private chunkedPopFront(): T | undefined {
    const dir = this.chunks!;
    const chunk = dir[this.first]!;
    const v = chunk[this.head];
    chunk[this.head] = undefined;
    this.head++;
    this.len--;
    if (this.head === CHUNK) {
      dir[this.first] = undefined;
      this.first = (this.first + 1) & this.dirMask;
      this.nchunks--;
      this.head = 0;
    }
    this.maybeFlatten();
    return v;
  }

  private chunkedPopBack(): T | undefined {
    const dir = this.chunks!;
    const g = this.head + this.len - 1;
    const c = g >> CHUNK_BITS;
    const chunk = dir[(this.first + c) & this.dirMask]!;
    const v = chunk[g & CHUNK_MASK];
    chunk[g & CHUNK_MASK] = undefined;
    this.len--;
    // The last chunk emptied: it goes (the first one always stays while there is one element).
    if ((g & CHUNK_MASK) === 0 && c > 0) {
      dir[(this.first + c) & this.dirMask] = undefined;
      this.nchunks--;
    }
    this.maybeFlatten();
    return v;
  }

}
