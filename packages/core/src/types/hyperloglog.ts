/**
 * HyperLogLog exactly as Redis stores it (hyperloglog.c), so that a value written by redis-server
 * works here and vice versa, and PFCOUNT answers the same number for the same inputs.
 *
 * A HLL is a plain string value:
 *
 *   "HYLL" | encoding (0 dense, 1 sparse) | 3 unused bytes | cached cardinality (8 bytes, LE;
 *   its MSB set = cache invalid) | registers
 *
 * Dense: 16384 registers of 6 bits, LSB first (12288 bytes). Sparse: run-length opcodes
 * (ZERO 00xxxxxx, XZERO 01xxxxxx xxxxxxxx, VAL 1vvvvvxx), promoted to dense when a register needs
 * a value above 32 or the string would grow beyond hll-sparse-max-bytes.
 *
 * Reading works on the binary string itself (charCodeAt, no copy); so do the edits of PFADD
 * (see "Writing"). Whole-HLL work (promotion, PFMERGE into a dense target) uses HllBuf.
 *
 * Hashing is MurmurHash64A on two 32-bit halves: BigInt would allocate on every element.
 */
import { fromBytes } from '../bytes.ts';

export const HLL_P = 14;
export const HLL_Q = 64 - HLL_P;
export const HLL_REGISTERS = 1 << HLL_P;
const HLL_P_MASK = HLL_REGISTERS - 1;
const HLL_BITS = 6;
const HLL_REGISTER_MAX = (1 << HLL_BITS) - 1;
export const HLL_HDR_SIZE = 16;
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + ((HLL_REGISTERS * HLL_BITS + 7) >> 3);
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
const HLL_MAX_ENCODING = 1;
/** Byte of the header whose MSB flags the cached cardinality as stale (card[7]). */
const CARD_MSB = 15;

const HLL_SPARSE_VAL_MAX_VALUE = 32;
const HLL_SPARSE_VAL_MAX_LEN = 4;
const HLL_SPARSE_ZERO_MAX_LEN = 64;
const HLL_SPARSE_XZERO_MAX_LEN = 16384;
const HLL_ALPHA_INF = 0.721347520444481703680;

export const HLL_SEED = 0xadc83b19;

// -----------------------------------------------------------------------------------------------
// MurmurHash64A (Redis's endian-neutral variant), on 32-bit halves

const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;
const M_LO0 = M_LO & 0xffff;
const M_LO1 = M_LO >>> 16;

/** The high 32 bits of lo * M_LO (lo unsigned), by 16-bit halves so every product stays exact. */
function mulHiMLo(lo: number): number {
  const a0 = lo & 0xffff;
  const a1 = lo >>> 16;
  const t = a0 * M_LO0;
  const mid1 = a1 * M_LO0 + (t >>> 16);
  const mid2 = a0 * M_LO1 + (mid1 & 0xffff);
  return a1 * M_LO1 + (mid1 >>> 16) + (mid2 >>> 16);
}

/** The hash of the last murmur() call (module state, so the hot path allocates nothing). */
let rHi = 0;
let rLo = 0;

/**
 * MurmurHash64A of a binary string into rHi:rLo (int32 views of the halves). Each "x *= m" is
 * x.lo*m.lo (full 64 bits) + (x.hi*m.lo + x.lo*m.hi) << 32, modulo 2^64.
 */
function murmur(key: string, seed: number): void {
  const len = key.length;
  let hLo = Math.imul(len, M_LO) ^ seed;
  let hHi = (mulHiMLo(len) + Math.imul(len, M_HI)) | 0;
  const end = len - (len & 7);
  let i = 0;
  while (i < end) {
    let kLo = key.charCodeAt(i) | (key.charCodeAt(i + 1) << 8) | (key.charCodeAt(i + 2) << 16) | (key.charCodeAt(i + 3) << 24);
    let kHi = key.charCodeAt(i + 4) | (key.charCodeAt(i + 5) << 8) | (key.charCodeAt(i + 6) << 16) | (key.charCodeAt(i + 7) << 24);
    i += 8;
    let lo = kLo >>> 0; // k *= m
    kHi = (mulHiMLo(lo) + Math.imul(kHi, M_LO) + Math.imul(lo, M_HI)) | 0;
    kLo = Math.imul(lo, M_LO) ^ (kHi >>> 15); // k ^= k >> r
    lo = kLo >>> 0; // k *= m
    kHi = (mulHiMLo(lo) + Math.imul(kHi, M_LO) + Math.imul(lo, M_HI)) | 0;
    kLo = Math.imul(lo, M_LO);
    hHi ^= kHi; // h ^= k; h *= m
    lo = (hLo ^ kLo) >>> 0;
    hHi = (mulHiMLo(lo) + Math.imul(hHi, M_LO) + Math.imul(lo, M_HI)) | 0;
    hLo = Math.imul(lo, M_LO);
  }
  const tail = len & 7;
  if (tail !== 0) {
    // Redis's fall-through switch: tail byte t goes to bits 8t..8t+7 of h.
    for (let t = tail - 1; t >= 4; t--) hHi ^= key.charCodeAt(i + t) << ((t - 4) << 3);
    for (let t = Math.min(tail, 4) - 1; t >= 0; t--) hLo ^= key.charCodeAt(i + t) << (t << 3);
    const lo = hLo >>> 0;
    hHi = (mulHiMLo(lo) + Math.imul(hHi, M_LO) + Math.imul(lo, M_HI)) | 0;
    hLo = Math.imul(lo, M_LO);
  }
  const lo = (hLo ^ (hHi >>> 15)) >>> 0; // h ^= h >> r; h *= m; h ^= h >> r
  hHi = (mulHiMLo(lo) + Math.imul(hHi, M_LO) + Math.imul(lo, M_HI)) | 0;
  rHi = hHi;
  rLo = Math.imul(lo, M_LO) ^ (hHi >>> 15);
}

/** MurmurHash64A as a BigInt (tests and debugging; the engine uses the 32-bit halves). */
export function murmurHash64A(key: string, seed: number = HLL_SEED): bigint {
  murmur(key, seed);
  return (BigInt(rHi >>> 0) << 32n) | BigInt(rLo >>> 0);
}

/**
 * hllPatLen: the register an element maps to and the length of its "000..1" run, packed as
 * count * HLL_REGISTERS + index (one number, no allocation).
 */
export function hllPatLen(ele: string): number {
  murmur(ele, HLL_SEED);
  const index = rLo & HLL_P_MASK;
  // The hash shifted right by P, with bit Q forced so that the count is at most Q+1.
  const low = rLo >>> HLL_P;
  let count: number;
  if (low !== 0) count = 32 - Math.clz32(low & -low);
  else if (rHi !== 0) count = 64 - HLL_P - Math.clz32(rHi & -rHi);
  else count = HLL_Q + 1;
  return count * HLL_REGISTERS + index;
}

// -----------------------------------------------------------------------------------------------
// Validation and reading (straight from the binary string)
//
// `term` is the byte just past the end of the value: sds's terminator, 0 unless hllSparseSet has
// written past the end (see sparseSet). Redis reads it as the second byte of a XZERO opcode cut
// short by the end of a damaged value, so the functions reading opcodes take it as an argument.

/** isHLLObjectOrReply minus the type check: magic, known encoding, exact dense size. */
export function isHLL(s: string): boolean {
  if (s.length < HLL_HDR_SIZE) return false;
  if (s.charCodeAt(0) !== 0x48 || s.charCodeAt(1) !== 0x59 || s.charCodeAt(2) !== 0x4c || s.charCodeAt(3) !== 0x4c) return false;
  const enc = s.charCodeAt(4);
  if (enc > HLL_MAX_ENCODING) return false;
  return enc !== HLL_DENSE || s.length === HLL_DENSE_SIZE;
}

/** isHLL on the bytes b[0, len) of a raw string value. */
export function isHLLBytes(b: Uint8Array, len: number): boolean {
  if (len < HLL_HDR_SIZE) return false;
  if (b[0] !== 0x48 || b[1] !== 0x59 || b[2] !== 0x4c || b[3] !== 0x4c) return false;
  const enc = b[4]!;
  if (enc > HLL_MAX_ENCODING) return false;
  return enc !== HLL_DENSE || len === HLL_DENSE_SIZE;
}

/** The value of a fresh HLL: sparse, one XZERO opcode covering all registers, cache valid at 0. */
export const EMPTY_HLL: string = (() => {
  const b = new Uint8Array(HLL_HDR_SIZE + 2);
  b.set([0x48, 0x59, 0x4c, 0x4c, HLL_SPARSE]);
  const l = HLL_SPARSE_XZERO_MAX_LEN - 1;
  b[HLL_HDR_SIZE] = (l >> 8) | 0x40;
  b[HLL_HDR_SIZE + 1] = l & 0xff;
  return fromBytes(b);
})();

/** The cached cardinality, or -1 when the cache is stale. */
export function cachedCard(s: string): number | bigint {
  if (s.charCodeAt(CARD_MSB) & 0x80) return -1;
  const lo = (s.charCodeAt(8) | (s.charCodeAt(9) << 8) | (s.charCodeAt(10) << 16) | (s.charCodeAt(11) << 24)) >>> 0;
  const hi = (s.charCodeAt(12) | (s.charCodeAt(13) << 8) | (s.charCodeAt(14) << 16) | (s.charCodeAt(15) << 24)) >>> 0;
  if (hi < 0x200000) return hi * 0x100000000 + lo;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** The string with its cached cardinality replaced by card (valid cache). */
export function withCachedCard(s: string, card: number | bigint): string {
  let bytes = '';
  if (typeof card === 'number') {
    for (let i = 0; i < 8; i++, card = Math.floor(card / 256)) bytes += String.fromCharCode(card % 256);
  } else {
    let c = BigInt.asUintN(64, card);
    for (let i = 0; i < 8; i++, c >>= 8n) bytes += String.fromCharCode(Number(c & 0xffn));
  }
  return [s.slice(0, 8), bytes, s.slice(16)].join('');
}

/** The string with its cached cardinality flagged stale (HLL_INVALIDATE_CACHE). */
export function withStaleCache(s: string): string {
  const c = s.charCodeAt(CARD_MSB);
  if (c & 0x80) return s;
  return [s.slice(0, CARD_MSB), String.fromCharCode(c | 0x80), s.slice(HLL_HDR_SIZE)].join('');
}

/** Register histogram of a dense HLL, reading the string 12 bytes (16 registers) at a time. */
function denseRegHisto(s: string, h: Int32Array): void {
  for (let i = HLL_HDR_SIZE; i < HLL_DENSE_SIZE; i += 12) {
    const b0 = s.charCodeAt(i), b1 = s.charCodeAt(i + 1), b2 = s.charCodeAt(i + 2);
    const b3 = s.charCodeAt(i + 3), b4 = s.charCodeAt(i + 4), b5 = s.charCodeAt(i + 5);
    const b6 = s.charCodeAt(i + 6), b7 = s.charCodeAt(i + 7), b8 = s.charCodeAt(i + 8);
    const b9 = s.charCodeAt(i + 9), b10 = s.charCodeAt(i + 10), b11 = s.charCodeAt(i + 11);
    h[b0 & 63]!++;
    h[((b0 >> 6) | (b1 << 2)) & 63]!++;
    h[((b1 >> 4) | (b2 << 4)) & 63]!++;
    h[b2 >> 2]!++;
    h[b3 & 63]!++;
    h[((b3 >> 6) | (b4 << 2)) & 63]!++;
    h[((b4 >> 4) | (b5 << 4)) & 63]!++;
    h[b5 >> 2]!++;
    h[b6 & 63]!++;
    h[((b6 >> 6) | (b7 << 2)) & 63]!++;
    h[((b7 >> 4) | (b8 << 4)) & 63]!++;
    h[b8 >> 2]!++;
    h[b9 & 63]!++;
    h[((b9 >> 6) | (b10 << 2)) & 63]!++;
    h[((b10 >> 4) | (b11 << 4)) & 63]!++;
    h[b11 >> 2]!++;
  }
}

/** Register histogram of a sparse HLL; false when the opcodes do not cover exactly 16384 registers. */
function sparseRegHisto(s: string, h: Int32Array, term: number): boolean {
  const end = s.length;
  let idx = 0;
  let p = HLL_HDR_SIZE;
  while (p < end) {
    const op = s.charCodeAt(p);
    if ((op & 0xc0) === 0) {
      const runlen = (op & 0x3f) + 1;
      idx += runlen;
      h[0]! += runlen;
      p++;
    } else if ((op & 0xc0) === 0x40) {
      const runlen = (((op & 0x3f) << 8) | (p + 1 < end ? s.charCodeAt(p + 1) : term)) + 1;
      idx += runlen;
      h[0]! += runlen;
      p += 2;
    } else {
      const runlen = (op & 3) + 1;
      idx += runlen;
      h[((op >> 2) & 0x1f) + 1]! += runlen;
      p++;
    }
  }
  return idx === HLL_REGISTERS;
}

/** Ertl's sigma ("New cardinality estimation algorithms for HyperLogLog sketches"). */
function hllSigma(x: number): number {
  if (x === 1) return Infinity;
  let zPrime: number;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

/** Ertl's tau. */
function hllTau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime: number;
  let y = 1.0;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y;
  } while (zPrime !== z);
  return z / 3;
}

/** 2^63: llroundl's result for anything it cannot represent (LLONG_MIN, seen as unsigned). */
const LLONG_MIN_U = 1n << 63n;

/** hllCount's estimator over a register histogram; an integer (bigint beyond 2^53). */
function estimate(h: Int32Array): number | bigint {
  const m = HLL_REGISTERS;
  let z = m * hllTau((m - h[HLL_Q + 1]!) / m);
  for (let j = HLL_Q; j >= 1; --j) {
    z += h[j]!;
    z *= 0.5;
  }
  z += m * hllSigma(h[0]! / m);
  const e = Math.round((HLL_ALPHA_INF * m * m) / z);
  if (e <= Number.MAX_SAFE_INTEGER) return e;
  // llroundl overflows to LLONG_MIN on x86-64; Redis keeps that as an unsigned 64-bit value.
  if (!(e < 2 ** 63)) return LLONG_MIN_U;
  return BigInt(e);
}

const histo = new Int32Array(64);

/** hllCount of a valid HLL string; null when a sparse representation is corrupt. */
export function hllCount(s: string, term = 0): number | bigint | null {
  histo.fill(0);
  if (s.charCodeAt(4) === HLL_DENSE) denseRegHisto(s, histo);
  else if (!sparseRegHisto(s, histo, term)) return null;
  return estimate(histo);
}

/** hllCount over raw registers (one byte each), as PFCOUNT of several keys uses. */
export function hllCountRaw(max: Uint8Array): number | bigint {
  histo.fill(0);
  for (let i = 0; i < HLL_REGISTERS; i++) histo[max[i]!]!++;
  return estimate(histo);
}

/**
 * hllMerge: max[i] = MAX(max[i], register i of the HLL string). False when a sparse
 * representation is corrupt (max may then hold part of it, as in Redis).
 */
export function hllMerge(max: Uint8Array, s: string, term = 0): boolean {
  if (s.charCodeAt(4) === HLL_DENSE) {
    for (let i = 0, p = HLL_HDR_SIZE; p < HLL_DENSE_SIZE; i += 4, p += 3) {
      const b0 = s.charCodeAt(p);
      const b1 = s.charCodeAt(p + 1);
      const b2 = s.charCodeAt(p + 2);
      mergeFour(max, i, b0, b1, b2);
    }
    return true;
  }
  const end = s.length;
  let i = 0;
  let p = HLL_HDR_SIZE;
  while (p < end) {
    const op = s.charCodeAt(p);
    if ((op & 0xc0) === 0) {
      i += (op & 0x3f) + 1;
      p++;
    } else if ((op & 0xc0) === 0x40) {
      i += (((op & 0x3f) << 8) | (p + 1 < end ? s.charCodeAt(p + 1) : term)) + 1;
      p += 2;
    } else {
      let runlen = (op & 3) + 1;
      const regval = ((op >> 2) & 0x1f) + 1;
      // A VAL running past the last register is corrupt even when the count so far is exact:
      // redis-server with the CVE-2025-32023 fix (7.2.10, Debian's 7.0.15) answers INVALIDOBJ.
      if (runlen + i > HLL_REGISTERS) return false;
      while (runlen--) {
        if (regval > max[i]!) max[i] = regval;
        i++;
      }
      p++;
    }
  }
  return i === HLL_REGISTERS;
}

/** max[i..i+3] = MAX(max, the four 6-bit registers packed LSB first in bytes b0 b1 b2). */
function mergeFour(max: Uint8Array, i: number, b0: number, b1: number, b2: number): void {
  let v = b0 & 63;
  if (v > max[i]!) max[i] = v;
  v = ((b0 >> 6) | (b1 << 2)) & 63;
  if (v > max[i + 1]!) max[i + 1] = v;
  v = ((b1 >> 4) | (b2 << 4)) & 63;
  if (v > max[i + 2]!) max[i + 2] = v;
  v = b2 >> 2;
  if (v > max[i + 3]!) max[i + 3] = v;
}

/** hllMerge of a dense HLL held in bytes (a raw string value): no copy into a string. */
export function hllMergeDenseBytes(max: Uint8Array, b: Uint8Array): void {
  for (let i = 0, p = HLL_HDR_SIZE; p < HLL_DENSE_SIZE; i += 4, p += 3) mergeFour(max, i, b[p]!, b[p + 1]!, b[p + 2]!);
}

/** hllCount of a dense HLL held in bytes. */
export function hllCountDenseBytes(b: Uint8Array): number | bigint {
  histo.fill(0);
  const h = histo;
  for (let p = HLL_HDR_SIZE; p < HLL_DENSE_SIZE; p += 3) {
    const b0 = b[p]!;
    const b1 = b[p + 1]!;
    const b2 = b[p + 2]!;
    h[b0 & 63]!++;
    h[((b0 >> 6) | (b1 << 2)) & 63]!++;
    h[((b1 >> 4) | (b2 << 4)) & 63]!++;
    h[b2 >> 2]!++;
  }
  return estimate(h);
}

/**
 * Merges max into the registers of a dense HLL held in bytes, in place (PFMERGE into a dense
 * destination: hllDenseSet for each register).
 */
export function denseSetMaxBytes(b: Uint8Array, max: Uint8Array): void {
  for (let i = 0, p = HLL_HDR_SIZE; p < HLL_DENSE_SIZE; i += 4, p += 3) {
    const b0 = b[p]!;
    const b1 = b[p + 1]!;
    const b2 = b[p + 2]!;
    const r0 = Math.max(b0 & 63, max[i]!);
    const r1 = Math.max(((b0 >> 6) | (b1 << 2)) & 63, max[i + 1]!);
    const r2 = Math.max(((b1 >> 4) | (b2 << 4)) & 63, max[i + 2]!);
    const r3 = Math.max(b2 >> 2, max[i + 3]!);
    b[p] = r0 | (r1 << 6);
    b[p + 1] = (r1 >> 2) | (r2 << 4);
    b[p + 2] = (r2 >> 4) | (r3 << 2);
  }
}

/** A dense register read from the string (tests, PFDEBUG-like inspection). */
export function denseRegister(s: string, index: number): number {
  const byte = HLL_HDR_SIZE + ((index * HLL_BITS) >> 3);
  const fb = (index * HLL_BITS) & 7;
  const b1 = byte + 1 < s.length ? s.charCodeAt(byte + 1) : 0;
  return ((s.charCodeAt(byte) >> fb) | (b1 << (8 - fb))) & HLL_REGISTER_MAX;
}

// -----------------------------------------------------------------------------------------------
// Writing
//
// Copying a HLL between a string and a byte buffer costs about 8 ns a byte each way in V8 (100 µs
// for a dense HLL), against well under a microsecond for what Redis does per element. So the
// common edits build the new string from slices of the old one around the few bytes that change,
// joined (a memcpy) into a flat string, so that no slice keeps the previous version alive.

/** Changed bytes of the dense string being patched: new value, or -1 (scratch, reset after use). */
/**
 * PFADD of elements argv[from..] into a dense HLL held in bytes b[0, len) (a raw string value),
 * in place: hllDenseAdd, O(1) per element. Returns how many registers grew; the caller flags the
 * cache stale when any did.
 */
export function denseAddBytes(b: Uint8Array, len: number, argv: readonly string[], from: number): number {
  let updated = 0;
  for (let a = from; a < argv.length; a++) {
    const pl = hllPatLen(argv[a]!);
    const count = Math.floor(pl / HLL_REGISTERS);
    const index = pl & HLL_P_MASK;
    const byte = HLL_HDR_SIZE + ((index * HLL_BITS) >> 3);
    const fb = (index * HLL_BITS) & 7;
    const fb8 = 8 - fb;
    // The byte after the last register is the sds terminator: it reads as 0 and keeps 0.
    const next = byte + 1 < len;
    const old = ((b[byte]! >> fb) | (next ? b[byte + 1]! << fb8 : 0)) & HLL_REGISTER_MAX;
    if (count <= old) continue;
    b[byte] = (b[byte]! & ~(HLL_REGISTER_MAX << fb)) | (count << fb);
    if (next) b[byte + 1] = (b[byte + 1]! & ~(HLL_REGISTER_MAX >> fb8)) | (count >> fb8);
    updated++;
  }
  return updated;
}

/** HLL_INVALIDATE_CACHE on bytes. */
export function invalidateCacheBytes(b: Uint8Array): void {
  b[CARD_MSB]! |= 0x80;
}

/** Writes a valid cached cardinality into the header bytes (PFCOUNT's in-place update). */
export function setCachedCardBytes(b: Uint8Array, card: number | bigint): void {
  const s = withCachedCard(EMPTY_HLL, card);
  for (let i = 8; i < HLL_HDR_SIZE; i++) b[i] = s.charCodeAt(i);
}

/** The terminator byte after the last sparseSet (its `term` when it did not rewrite it). */
let setTerm = 0;

export function termAfterSet(): number {
  return setTerm;
}

/** hllSparseSet's answer when the register cannot stay sparse: the caller promotes to dense. */
export const PROMOTE: unique symbol = Symbol('promote');

/** Bytes kept after the replaced opcode in the edit window: step 4 looks at most ~12 bytes ahead. */
const WINDOW_AFTER = 24;
const seq: number[] = [];

/**
 * hllSparseSet on a sparse HLL string: sets register index to count if greater. Returns the new
 * string (cache flagged stale), s itself when nothing changed, null when the representation is
 * corrupt, or PROMOTE when Redis would convert to dense (count > 32, or the string would grow
 * beyond sparseMaxBytes). The opcode edits are Redis's step by step, so the bytes match.
 */
export function sparseSet(
  s: string,
  index: number,
  count: number,
  sparseMaxBytes: number,
  term = 0,
): string | null | typeof PROMOTE {
  setTerm = term;
  if (count > HLL_SPARSE_VAL_MAX_VALUE) return PROMOTE;

  // Step 1: locate the opcode covering the register.
  const end = s.length;
  let p = HLL_HDR_SIZE;
  let first = 0;
  let prev = -1;
  let span = 0;
  while (p < end) {
    const op = s.charCodeAt(p);
    let oplen = 1;
    if ((op & 0xc0) === 0) span = (op & 0x3f) + 1;
    else if (op & 0x80) span = (op & 3) + 1;
    else {
      span = (((op & 0x3f) << 8) | (p + 1 < end ? s.charCodeAt(p + 1) : term)) + 1;
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span === 0 || p >= end) return null;

  const op = s.charCodeAt(p);
  const isXzero = (op & 0xc0) === 0x40;
  const isZero = (op & 0xc0) === 0;
  const runlen = span;

  // Step 2: a VAL already >= count changes nothing; a run of one is rewritten in place.
  seq.length = 0;
  if (!isZero && !isXzero) {
    if (((op >> 2) & 0x1f) + 1 >= count) return s;
  }
  const inPlace = runlen === 1 && !isXzero;
  if (inPlace) {
    seq.push(valOp(count, 1));
  } else {
    // General case: split the opcode into up to three.
    const last = first + span - 1;
    if (isZero || isXzero) {
      if (index !== first) pushZeros(seq, index - first);
      seq.push(valOp(count, 1));
      if (index !== last) pushZeros(seq, last - index);
    } else {
      const curval = ((op >> 2) & 0x1f) + 1;
      if (index !== first) seq.push(valOp(curval, index - first));
      seq.push(valOp(count, 1));
      if (index !== last) seq.push(valOp(curval, last - index));
    }
  }

  // Step 3: the new sequence replaces the old opcode, unless the string would grow too big.
  const oldlen = isXzero ? 2 : 1;
  const deltalen = seq.length - oldlen;
  if (deltalen > 0 && end + deltalen > sparseMaxBytes) return PROMOTE;

  // Step 4, in a window from the previous opcode: merge adjacent VALs of equal value whose runs
  // fit one opcode (Redis scans up to 5 opcodes).
  const w0 = prev >= 0 ? prev : HLL_HDR_SIZE;
  const after = p + oldlen;
  const tail = Math.min(end, after + WINDOW_AFTER);
  const win: number[] = [];
  for (let i = w0; i < p; i++) win.push(s.charCodeAt(i));
  for (let i = 0; i < seq.length; i++) win.push(seq[i]!);
  for (let i = after; i < tail; i++) win.push(s.charCodeAt(i));
  // A XZERO cut short by the end of a damaged value (its second byte read as the terminator):
  // Redis grows the string by deltalen only, and the last byte of the new sequence lands on the
  // terminator. The in-place cases (B, C) leave the terminator alone; other edits rewrite it.
  let newTerm = inPlace ? term : 0;
  if (after > end) {
    newTerm = win[win.length - 1]!;
    win.length -= after - end;
  }
  let q = 0;
  let scanlen = 5;
  while (q < win.length && scanlen--) {
    const o = win[q]!;
    if ((o & 0xc0) === 0x40) {
      q += 2;
      continue;
    } else if ((o & 0xc0) === 0) {
      q++;
      continue;
    }
    if (q + 1 < win.length && win[q + 1]! & 0x80) {
      const o2 = win[q + 1]!;
      const v1 = ((o >> 2) & 0x1f) + 1;
      if (v1 === ((o2 >> 2) & 0x1f) + 1) {
        const len = (o & 3) + (o2 & 3) + 2;
        if (len <= HLL_SPARSE_VAL_MAX_LEN) {
          win[q + 1] = valOp(v1, len);
          win.splice(q, 1);
          newTerm = 0; // the merge shortens the string, writing a new terminator
          continue;
        }
      }
    }
    q++;
  }
  setTerm = newTerm;
  return [
    s.slice(0, CARD_MSB),
    String.fromCharCode(s.charCodeAt(CARD_MSB) | 0x80),
    s.slice(HLL_HDR_SIZE, w0),
    String.fromCharCode.apply(null, win),
    s.slice(tail),
  ].join('');
}

/** hllSparseToDense as a string; null when the opcodes do not cover exactly the 16384 registers. */
export function sparseToDense(s: string): string | null {
  const h = HllBuf.from(s);
  return h.toDense() ? h.toString() : null;
}

/**
 * hllAdd of one element into a HLL string of either encoding: the new string (s itself when no
 * register changed) or null when a sparse representation is corrupt. Promotes like Redis.
 */
export function hllAdd(s: string, ele: string, sparseMaxBytes: number, term = 0): string | null {
  const pl = hllPatLen(ele);
  return hllSet(s, pl & HLL_P_MASK, Math.floor(pl / HLL_REGISTERS), sparseMaxBytes, term);
}

/** Sets a register to count if greater, in either encoding (see hllAdd). */
export function hllSet(s: string, index: number, count: number, sparseMaxBytes: number, term = 0): string | null {
  if (s.charCodeAt(4) === HLL_SPARSE) {
    const r = sparseSet(s, index, count, sparseMaxBytes, term);
    if (r !== PROMOTE) return r;
  }
  setTerm = 0;
  const h = HllBuf.from(s, term);
  if (!h.toDense()) return null;
  if (h.denseSet(index, count) === 0) return s;
  h.invalidateCache();
  return h.toString();
}

/** A HLL in a byte buffer, for whole-HLL work: promotion to dense, PFMERGE into a dense target. */
export class HllBuf {
  /** Bytes, plus one beyond len that plays the sds terminator (see `term` above). */
  b: Uint8Array;
  len: number;

  constructor(b: Uint8Array, len: number) {
    this.b = b;
    this.len = len;
  }

  static from(s: string, term = 0): HllBuf {
    const len = s.length;
    const b = new Uint8Array(len + 1);
    for (let i = 0; i < len; i++) b[i] = s.charCodeAt(i);
    b[len] = term;
    return new HllBuf(b, len);
  }

  toString(): string {
    return fromBytes(this.b, 0, this.len);
  }

  get encoding(): number {
    return this.b[4]!;
  }

  invalidateCache(): void {
    this.b[CARD_MSB]! |= 0x80;
  }

  /** hllDenseSet: 1 when the register grew, else 0. */
  denseSet(index: number, count: number): number {
    const b = this.b;
    const byte = HLL_HDR_SIZE + ((index * HLL_BITS) >> 3);
    const fb = (index * HLL_BITS) & 7;
    const fb8 = 8 - fb;
    const old = ((b[byte]! >> fb) | (b[byte + 1]! << fb8)) & HLL_REGISTER_MAX;
    if (count <= old) return 0;
    b[byte] = (b[byte]! & ~(HLL_REGISTER_MAX << fb)) | (count << fb);
    if (byte + 1 < HLL_DENSE_SIZE) b[byte + 1] = (b[byte + 1]! & ~(HLL_REGISTER_MAX >> fb8)) | (count >> fb8);
    return 1;
  }

  /** hllSparseToDense: false (and no change) when the sparse opcodes are corrupt. */
  toDense(): boolean {
    const src = this.b;
    if (src[4] === HLL_DENSE) return true;
    const dense = new Uint8Array(HLL_DENSE_SIZE + 1);
    // Magic and cached cardinality carry over; the unused bytes too, as in Redis.
    dense.set(src.subarray(0, HLL_HDR_SIZE));
    dense[4] = HLL_DENSE;
    const end = this.len;
    let idx = 0;
    let p = HLL_HDR_SIZE;
    while (p < end) {
      const op = src[p]!;
      if ((op & 0xc0) === 0) {
        idx += (op & 0x3f) + 1;
        p++;
      } else if ((op & 0xc0) === 0x40) {
        idx += (((op & 0x3f) << 8) | src[p + 1]!) + 1;
        p += 2;
      } else {
        let runlen = (op & 3) + 1;
        const regval = ((op >> 2) & 0x1f) + 1;
        if (runlen + idx > HLL_REGISTERS) return false; // as in hllMerge (CVE-2025-32023 fix)
        while (runlen--) {
          const byte = HLL_HDR_SIZE + ((idx * HLL_BITS) >> 3);
          const fb = (idx * HLL_BITS) & 7;
          dense[byte]! |= regval << fb;
          if (byte + 1 < HLL_DENSE_SIZE) dense[byte + 1]! |= regval >> (8 - fb);
          idx++;
        }
        p++;
      }
    }
    if (idx !== HLL_REGISTERS) return false;
    this.b = dense;
    this.len = HLL_DENSE_SIZE;
    return true;
  }
}

function valOp(val: number, len: number): number {
  return ((val - 1) << 2) | (len - 1) | 0x80;
}

function pushZeros(out: number[], len: number): void {
  if (len > HLL_SPARSE_ZERO_MAX_LEN) {
    const l = len - 1;
    out.push((l >> 8) | 0x40, l & 0xff);
  } else {
    out.push(len - 1);
  }
}
