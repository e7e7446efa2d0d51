import { describe, expect, it } from 'vitest';
import { fromBytes, toBytes } from '../bytes.ts';
import {
  EMPTY_HLL,
  HLL_DENSE_SIZE,
  HLL_REGISTERS,
  HllBuf,
  PROMOTE,
  cachedCard,
  denseAddBytes,
  denseRegister,
  hllAdd,
  hllCount,
  hllCountRaw,
  hllMerge,
  hllPatLen,
  isHLL,
  murmurHash64A,
  sparseSet,
  sparseToDense,
  withCachedCard,
  withStaleCache,
} from './hyperloglog.ts';

/** MurmurHash64A written plainly with BigInt, straight from Redis's C: the reference. */
function murmurRef(key: string, seed: number): bigint {
  const mask = (1n << 64n) - 1n;
  const m = 0xc6a4a7935bd1e995n;
  const r = 47n;
  const len = key.length;
  let h = (BigInt(seed) ^ (BigInt(len) * m)) & mask;
  const end = len - (len & 7);
  for (let i = 0; i < end; i += 8) {
    let k = 0n;
    for (let j = 7; j >= 0; j--) k = (k << 8n) | BigInt(key.charCodeAt(i + j));
    k = (k * m) & mask;
    k ^= k >> r;
    k = (k * m) & mask;
    h ^= k;
    h = (h * m) & mask;
  }
  const tail = len & 7;
  if (tail) {
    for (let t = tail - 1; t >= 0; t--) h ^= BigInt(key.charCodeAt(end + t)) << BigInt(8 * t);
    h = (h * m) & mask;
  }
  h ^= h >> r;
  h = (h * m) & mask;
  h ^= h >> r;
  return h;
}

function patLenRef(key: string): [number, number] {
  let hash = murmurRef(key, 0xadc83b19);
  const index = Number(hash & 16383n);
  hash >>= 14n;
  hash |= 1n << 50n;
  let count = 1;
  for (let bit = 1n; (hash & bit) === 0n; bit <<= 1n) count++;
  return [index, count];
}

function lcg(seed: number) {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
}

/** Registers of any HLL string through the dense conversion. */
function registers(s: string): number[] {
  const d = s.charCodeAt(4) === 0 ? s : sparseToDense(s)!;
  return Array.from({ length: HLL_REGISTERS }, (_, i) => denseRegister(d, i));
}

describe('MurmurHash64A and hllPatLen', () => {
  it('match a BigInt transcription of Redis for all lengths and byte values', () => {
    const r = lcg(1);
    for (let n = 0; n < 3000; n++) {
      const len = n % 40;
      let s = '';
      for (let i = 0; i < len; i++) s += String.fromCharCode(r() >>> 24);
      expect(murmurHash64A(s, 0xadc83b19)).toBe(murmurRef(s, 0xadc83b19));
      expect(murmurHash64A(s, 0)).toBe(murmurRef(s, 0));
      const pl = hllPatLen(s);
      expect([pl % HLL_REGISTERS, Math.floor(pl / HLL_REGISTERS)]).toEqual(patLenRef(s));
    }
  });
});

describe('HLL strings', () => {
  it('validates magic, encoding and dense length', () => {
    expect(isHLL(EMPTY_HLL)).toBe(true);
    expect(isHLL('HYLL')).toBe(false);
    expect(isHLL('HYLX' + EMPTY_HLL.slice(4))).toBe(false);
    expect(isHLL('HYLL\x02' + EMPTY_HLL.slice(5))).toBe(false);
    expect(isHLL('HYLL\x00' + EMPTY_HLL.slice(5))).toBe(false);
    expect(isHLL(sparseToDense(EMPTY_HLL)!)).toBe(true);
    expect(sparseToDense(EMPTY_HLL)!.length).toBe(HLL_DENSE_SIZE);
  });

  it('reads and writes the cached cardinality', () => {
    expect(cachedCard(EMPTY_HLL)).toBe(0);
    const s = withCachedCard(EMPTY_HLL, 123456789012);
    expect(cachedCard(s)).toBe(123456789012);
    expect(cachedCard(withStaleCache(s))).toBe(-1);
    expect(cachedCard(withCachedCard(EMPTY_HLL, 2n ** 62n))).toBe(2n ** 62n);
    expect(hllCount(EMPTY_HLL)).toBe(0);
  });

  it('sparse and dense forms hold the same registers and count the same', () => {
    const r = lcg(3);
    let sparse = EMPTY_HLL;
    let dense = sparseToDense(EMPTY_HLL)!;
    const ref = new Uint8Array(HLL_REGISTERS);
    for (let n = 0; n < 1500; n++) {
      const e = `x${r()}`;
      const pl = hllPatLen(e);
      ref[pl % HLL_REGISTERS] = Math.max(ref[pl % HLL_REGISTERS]!, Math.floor(pl / HLL_REGISTERS));
      // A high limit keeps it sparse (values above 32 still promote).
      sparse = hllAdd(sparse, e, 1e9)!;
      const b = toBytes(dense);
      if (denseAddBytes(b, b.length, [e], 0) > 0) dense = fromBytes(b);
    }
    expect(registers(dense)).toEqual(Array.from(ref));
    if (sparse.charCodeAt(4) === 1) expect(registers(sparse)).toEqual(Array.from(ref));
    expect(hllCount(sparse)).toBe(hllCount(dense));
    expect(hllCountRaw(ref)).toBe(hllCount(dense));
    const max = new Uint8Array(HLL_REGISTERS);
    expect(hllMerge(max, sparse)).toBe(true);
    expect(Array.from(max)).toEqual(Array.from(ref));
  });

  it('sparseSet splits runs, merges equal neighbours, reports no-ops and promotion', () => {
    let s = sparseSet(EMPTY_HLL, 0, 3, 3000) as string;
    expect(s.slice(16)).toBe('\x88\x7f\xfe'); // v:3,1 Z:16383
    expect(cachedCard(s)).toBe(-1);
    expect(sparseSet(s, 0, 2, 3000)).toBe(s);
    s = sparseSet(s, 1, 3, 3000) as string;
    expect(s.slice(16)).toBe('\x89\x7f\xfd'); // v:3,2 Z:16382
    s = sparseSet(s, 16383, 1, 3000) as string;
    expect(s.slice(16)).toBe('\x89\x7f\xfc\x80'); // v:3,2 Z:16381 v:1,1
    expect(sparseSet(s, 5, 33, 3000)).toBe(PROMOTE);
    expect(sparseSet(s, 5, 2, s.length)).toBe(PROMOTE);
    expect(sparseSet('HYLL\x01\0\0\0\0\0\0\0\0\0\0\0', 5, 2, 3000)).toBe(null);
  });

  it('HllBuf promotes like hllSparseToDense and refuses corrupt opcodes', () => {
    const h = HllBuf.from(EMPTY_HLL);
    expect(h.toDense()).toBe(true);
    expect(h.len).toBe(HLL_DENSE_SIZE);
    expect(h.denseSet(16383, 63)).toBe(1);
    expect(h.denseSet(16383, 5)).toBe(0);
    expect(denseRegister(h.toString(), 16383)).toBe(63);
    expect(HllBuf.from('HYLL\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xfe').toDense()).toBe(false);
  });
});
