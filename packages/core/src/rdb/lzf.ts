/**
 * LZF decompression (liblzf's lzf_d.c), for the compressed strings of RDB payloads (Redis
 * compresses strings longer than 20 bytes when rdbcompression is on, DUMP included).
 */

/**
 * Decompresses s[start..end) (a binary string) into exactly `outLen` bytes, or returns null when
 * the data is corrupt (a back reference before the start, or output of another length).
 */
export function lzfDecompress(s: string, start: number, end: number, outLen: number): string | null {
  const out = new Uint8Array(outLen);
  let ip = start;
  let op = 0;
  while (ip < end) {
    let ctrl = s.charCodeAt(ip++);
    if (ctrl < 32) {
      // A literal run of ctrl + 1 bytes.
      ctrl++;
      if (op + ctrl > outLen || ip + ctrl > end) return null;
      for (let k = 0; k < ctrl; k++) out[op++] = s.charCodeAt(ip++);
    } else {
      // A back reference: length (ctrl >> 5) + 2, offset from the low 5 bits and the next byte.
      let len = ctrl >> 5;
      if (len === 7) {
        if (ip >= end) return null;
        len += s.charCodeAt(ip++);
      }
      if (ip >= end) return null;
      let ref = op - ((ctrl & 0x1f) << 8) - s.charCodeAt(ip++) - 1;
      len += 2;
      if (op + len > outLen || ref < 0) return null;
      // Byte by byte: the source may overlap what is being written (runs).
      for (let k = 0; k < len; k++) out[op++] = out[ref++]!;
    }
  }
  if (op !== outLen) return null;
  return bytesToBinary(out);
}

/** A Uint8Array as a binary string, in chunks (fromCharCode takes a bounded argument count). */
export function bytesToBinary(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000) as unknown as number[]);
  return s;
}
