/**
 * CRC-32C (Castagnoli: reflected polynomial 0x82f63b78, init and final xor 0xffffffff), the
 * checksum chained through the journal's entries. Written here rather than taken from a package
 * because the portable core may not pull in Node's zlib/Buffer-based CRC libraries, and CRC-64
 * (Redis's, in rdb/) costs two 32-bit halves per byte in JS where this costs one lookup.
 * Slicing-by-8: eight bytes per step through eight tables. Runs of 128 bytes and more read their
 * bytes as two little-endian Int32 per step through a DataView (whatever the alignment): 1.5-1.8x
 * the byte-assembled words from 600 bytes on (bench/journal.ts --codec); shorter runs don't pay
 * for the view.
 */

const T = new Int32Array(8 * 256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  T[i] = c;
}
for (let i = 0; i < 256; i++) {
  let c = T[i]!;
  for (let t = 1; t < 8; t++) {
    c = T[c & 0xff]! ^ (c >>> 8);
    T[t * 256 + i] = c;
  }
}

/**
 * The CRC-32C of bytes[start..end), continuing from `crc` (the value returned for the bytes
 * before them; 0 to start), so crc32c(b, 0, n, crc32c(a)) equals the CRC of a followed by b.
 * Returned as an unsigned 32-bit number.
 */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  let c = ~crc;
  let i = start;
  const stop = end - 8;
  if (end - start >= 128) {
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (; i <= stop; i += 8) {
      const lo = c ^ v.getInt32(i, true);
      const hi = v.getInt32(i + 4, true);
      c =
        T[1792 + (lo & 0xff)]! ^
        T[1536 + ((lo >>> 8) & 0xff)]! ^
        T[1280 + ((lo >>> 16) & 0xff)]! ^
        T[1024 + (lo >>> 24)]! ^
        T[768 + (hi & 0xff)]! ^
        T[512 + ((hi >>> 8) & 0xff)]! ^
        T[256 + ((hi >>> 16) & 0xff)]! ^
        T[hi >>> 24]!;
    }
  }
  for (; i <= stop; i += 8) {
    const lo = c ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    c =
      T[1792 + (lo & 0xff)]! ^
      T[1536 + ((lo >>> 8) & 0xff)]! ^
      T[1280 + ((lo >>> 16) & 0xff)]! ^
      T[1024 + (lo >>> 24)]! ^
      T[768 + bytes[i + 4]!]! ^
      T[512 + bytes[i + 5]!]! ^
      T[256 + bytes[i + 6]!]! ^
      T[bytes[i + 7]!]!;
  }
  for (; i < end; i++) c = T[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
