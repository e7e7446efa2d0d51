/**
 * Binary strings: JavaScript strings whose char codes are bytes (0..255), i.e. a latin1 view of
 * Redis's byte strings (DESIGN "Bytes"). They are compact one-byte strings in V8, hash fast, and
 * compare in byte order, so the engine never converts between bytes and text on its hot path.
 *
 * This module is portable: no Buffer, no node: imports.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/** Largest char code that is plain ASCII: such strings are their own UTF-8 and binary form. */
const ASCII_MAX = 0x7f;

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > ASCII_MAX) return false;
  return true;
}

/** A JavaScript (UTF-16) string -> the binary string of its UTF-8 bytes. */
export function fromText(s: string): string {
  if (isAscii(s)) return s;
  return fromBytes(encoder.encode(s));
}

/** A binary string -> JavaScript text, decoding its bytes as UTF-8 (invalid bytes become U+FFFD). */
export function toText(b: string): string {
  if (isAscii(b)) return b;
  return decoder.decode(toBytes(b));
}

const CHUNK = 0x2000;

/** Bytes -> binary string. */
export function fromBytes(u8: Uint8Array, start = 0, end = u8.length): string {
  if (end - start <= CHUNK) return String.fromCharCode.apply(null, u8.subarray(start, end) as unknown as number[]);
  let out = '';
  for (let i = start; i < end; i += CHUNK) {
    out += String.fromCharCode.apply(null, u8.subarray(i, Math.min(i + CHUNK, end)) as unknown as number[]);
  }
  return out;
}

/** Binary string -> bytes. */
export function toBytes(b: string): Uint8Array {
  const n = b.length;
  const u8 = new Uint8Array(n);
  for (let i = 0; i < n; i++) u8[i] = b.charCodeAt(i);
  return u8;
}

/** An argument from the in-process API -> binary string. */
export function toArg(a: string | Uint8Array | number | bigint): string {
  if (typeof a === 'string') return fromText(a);
  if (typeof a === 'number' || typeof a === 'bigint') return String(a);
  return fromBytes(a);
}

// ---------------------------------------------------------------------------------------------
// Numbers, parsed and formatted as Redis does (util.c: string2ll, string2ld, d2string, ld2string).

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/**
 * Redis's string2ll: optional '-', digits, no leading zeros (except "0"), no spaces, no '+',
 * within int64. Returns a number (exact up to 2^53, rounded beyond, which is fine for counts and
 * indexes) or NaN when the text is not a valid int64.
 */
export function parseInt64(s: string): number {
  const n = s.length;
  if (n === 0 || n > 20) return NaN;
  let i = 0;
  let neg = false;
  let c = s.charCodeAt(0);
  if (c === 45 /* - */) {
    if (n === 1) return NaN;
    neg = true;
    i = 1;
    c = s.charCodeAt(1);
  }
  if (c === 48 /* 0 */) return n === 1 ? 0 : NaN;
  if (c < 49 || c > 57) return NaN;
  let v = 0;
  for (; i < n; i++) {
    c = s.charCodeAt(i);
    if (c < 48 || c > 57) return NaN;
    v = v * 10 + (c - 48);
  }
  if (n >= 19) {
    // Near the int64 bounds a double is not exact: decide with BigInt.
    const big = BigInt(s);
    if (big > INT64_MAX || big < INT64_MIN) return NaN;
  }
  return neg ? -v : v;
}

/** Like parseInt64 but exact over the whole int64 range (for INCR and friends). */
export function parseInt64Exact(s: string): bigint | number | null {
  const v = parseInt64(s);
  if (v !== v) return null;
  if (Number.isSafeInteger(v)) return v;
  return BigInt(s);
}

/** True when the binary string is exactly how Redis would print an int64 (OBJECT ENCODING int). */
export function isInt64Text(s: string): boolean {
  return s.length <= 20 && parseInt64(s) === parseInt64(s);
}

/**
 * Redis's string2d / strtod-based float parsing for scores and increments: accepts what strtod
 * accepts ("1e3", " 1"? no: Redis rejects leading space), "inf", "+inf", "-inf" (any case),
 * rejects NaN, empty strings and trailing garbage. Returns NaN when invalid.
 */
export function parseDouble(s: string): number {
  const n = s.length;
  if (n === 0 || n > 5000) return NaN;
  const c0 = s.charCodeAt(0);
  // strtod skips leading whitespace but Redis checks isspace(buf[0]) and rejects it.
  if (c0 === 32 || (c0 >= 9 && c0 <= 13)) return NaN;
  const lower = s.toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (!FLOAT_RE.test(s)) return NaN;
  const v = Number(s);
  return v;
}

/** Decimal and hexadecimal float syntax that strtod accepts (no inf/nan, handled above). */
const FLOAT_RE = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|0[xX][0-9a-fA-F]+)$/;

/**
 * Formats a double the way Redis 7.2 replies with one (fpconv_dtoa: the shortest text that reads
 * back as the same double), and "inf"/"-inf" for infinities.
 */
export function formatDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d !== d) return 'nan';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const s = String(d);
  const e = s.indexOf('e');
  if (e < 0) return s;
  // JS writes 1e+21 / 1e-7; fpconv writes the exponent the same way ("1e+21", "1e-07" is %g's).
  return s;
}

/**
 * Formats like Redis's ld2string(..., LD_STR_HUMAN) used by INCRBYFLOAT and HINCRBYFLOAT:
 * fixed notation with up to 17 decimals, trailing zeros (and a trailing '.') removed.
 */
export function formatHumanDouble(d: number): string {
  if (d === 0) return '0';
  let s: string;
  const abs = Math.abs(d);
  if (abs >= 1e21) {
    // toFixed switches to exponent notation at 1e21; print all integer digits exactly.
    s = BigInt(d).toString();
    return s;
  }
  s = d.toFixed(17);
  if (s.indexOf('.') >= 0) {
    let end = s.length;
    while (s.charCodeAt(end - 1) === 48) end--;
    if (s.charCodeAt(end - 1) === 46) end--;
    s = s.slice(0, end);
  }
  if (s === '-0') return '0';
  return s;
}

/** Formats an integer reply value (int64 as number or bigint) as decimal text. */
export function formatInt(v: number | bigint): string {
  return typeof v === 'number' ? String(v) : v.toString();
}
