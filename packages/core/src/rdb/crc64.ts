/**
 * CRC-64/Jones as Redis's crc64.c computes it (polynomial 0xad93d23594c935a9, reflected in and
 * out, initial value 0, no final xor): the checksum of DUMP payloads and RDB files. Table-driven
 * over two 32-bit halves, so a byte costs a few integer operations and no BigInt.
 */

/** The reflected polynomial 0x95ac9329ac4bc9b5, as halves. */
const POLY_HI = 0x95ac9329;
const POLY_LO = 0xac4bc9b5;

const TABLE_HI = new Uint32Array(256);
const TABLE_LO = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let hi = 0;
  let lo = i;
  for (let k = 0; k < 8; k++) {
    const carry = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi >>>= 1;
    if (carry) {
      hi = (hi ^ POLY_HI) >>> 0;
      lo = (lo ^ POLY_LO) >>> 0;
    }
  }
  TABLE_HI[i] = hi;
  TABLE_LO[i] = lo;
}

/** The CRC-64 of the bytes s[start..end) (a binary string), continuing from `crc` as [hi, lo]. */
export function crc64Halves(s: string, start = 0, end = s.length, hi = 0, lo = 0): [number, number] {
  for (let i = start; i < end; i++) {
    const idx = (lo ^ s.charCodeAt(i)) & 0xff;
    lo = (((lo >>> 8) | (hi << 24)) ^ TABLE_LO[idx]!) >>> 0;
    hi = ((hi >>> 8) ^ TABLE_HI[idx]!) >>> 0;
  }
  return [hi, lo];
}

/** The CRC-64 of a binary string, as a bigint. */
export function crc64(s: string): bigint {
  const [hi, lo] = crc64Halves(s);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** The CRC-64 of s[0..end) as the 8 little-endian bytes Redis appends (memrev64ifbe). */
export function crc64LE(s: string, end = s.length): string {
  const [hi, lo] = crc64Halves(s, 0, end);
  return String.fromCharCode(lo & 0xff, (lo >>> 8) & 0xff, (lo >>> 16) & 0xff, lo >>> 24, hi & 0xff, (hi >>> 8) & 0xff, (hi >>> 16) & 0xff, hi >>> 24);
}
