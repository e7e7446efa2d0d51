/**
 * Hash slots, exactly as Redis Cluster (cluster.c keyHashSlot): CRC16-CCITT (XMODEM) of the key,
 * or of its `{hash tag}` when the first `{` is followed by a `}` with something between, mod 16384.
 * Keys are binary strings (DESIGN "Bytes"): one char per byte.
 */

export const SLOTS = 16384;

const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let j = 0; j < 8; j++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

/** CRC16-CCITT (XMODEM) of s[start, end). */
export function crc16(s: string, start = 0, end = s.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >>> 8) ^ s.charCodeAt(i)) & 0xff]!;
  return crc;
}

/** The slot of a key (CLUSTER KEYSLOT). */
export function keyHashSlot(key: string): number {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return crc16(key, open + 1, close) & (SLOTS - 1);
  }
  return crc16(key) & (SLOTS - 1);
}

/**
 * The one slot every key a pattern can match hashes to, or -1 when they may be in several (Redis
 * Cluster's patternHashSlot): a pattern without wildcards is its own key; a `{tag}` before any
 * wildcard (or escape) names the slot.
 */
export function patternHashSlot(pattern: string): number {
  let open = -1;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' || c === '?' || c === '[' || c === '\\') return -1;
    if (open === -1 && c === '{') open = i;
    else if (open >= 0 && c === '}' && i === open + 1) open = -2;
    else if (open >= 0 && c === '}') return crc16(pattern, open + 1, i) & (SLOTS - 1);
  }
  return crc16(pattern) & (SLOTS - 1);
}

/**
 * The shard that owns a slot among n: contiguous, nearly equal ranges (shard i owns
 * [ceil(i*16384/n), ceil((i+1)*16384/n))), so re-dealing slots to another count moves ranges.
 */
export function slotShard(slot: number, n: number): number {
  return n === 1 ? 0 : Math.floor((slot * n) / SLOTS);
}

/** The first slot of each shard among n, and SLOTS at the end (ranges for CLUSTER-like replies). */
export function shardRanges(n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i <= n; i++) out.push(Math.ceil((i * SLOTS) / n));
  return out;
}
