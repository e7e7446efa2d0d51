/**
 * SHA-1 of a binary string as 40 lowercase hex digits (Redis's sha1hex): the script cache key of
 * EVAL/EVALSHA and redis.sha1hex(). Written here because WebCrypto's digest is asynchronous and
 * the engine hashes inside a synchronous command.
 */
export function sha1hex(s: string): string {
  const n = s.length;
  // Message + 0x80 + zero padding + 64-bit length, in 32-bit big-endian words.
  const words = ((n + 8) >> 6) * 16 + 16;
  const w = new Int32Array(words);
  for (let i = 0; i < n; i++) w[i >> 2]! |= (s.charCodeAt(i) & 0xff) << (24 - (i & 3) * 8);
  w[n >> 2]! |= 0x80 << (24 - (n & 3) * 8);
  const bits = n * 8;
  w[words - 1] = bits | 0;
  w[words - 2] = Math.floor(bits / 0x100000000);
  let h0 = 0x67452301;
  let h1 = 0xefcdab89 | 0;
  let h2 = 0x98badcfe | 0;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0 | 0;
  const x = new Int32Array(80);
  for (let off = 0; off < words; off += 16) {
    for (let i = 0; i < 16; i++) x[i] = w[off + i]!;
    for (let i = 16; i < 80; i++) {
      const t = x[i - 3]! ^ x[i - 8]! ^ x[i - 14]! ^ x[i - 16]!;
      x[i] = (t << 1) | (t >>> 31);
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4;
    for (let i = 0; i < 80; i++) {
      let f: number, k: number;
      if (i < 20) { f = (b & c) | (~b & d); k = 0x5a827999; }
      else if (i < 40) { f = b ^ c ^ d; k = 0x6ed9eba1; }
      else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8f1bbcdc | 0; }
      else { f = b ^ c ^ d; k = 0xca62c1d6 | 0; }
      const t = (((a << 5) | (a >>> 27)) + f + e + k + x[i]!) | 0;
      e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
    }
    h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0; h4 = (h4 + e) | 0;
  }
  let out = '';
  for (const h of [h0, h1, h2, h3, h4]) out += (h >>> 0).toString(16).padStart(8, '0');
  return out;
}
