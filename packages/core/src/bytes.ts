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

/** A regex beats a charCodeAt loop here: V8 scans one-byte strings for it in native code. */
const NON_ASCII = /[^\x00-\x7f]/;

function isAscii(s: string): boolean {
  return s.length < 8 ? isAsciiShort(s) : !NON_ASCII.test(s);
}

function isAsciiShort(s: string): boolean {
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
  if (n >= 16) {
    // Beyond 2^53 the digit-by-digit sum drifts: take the correctly rounded double instead,
    // and decide the int64 bounds exactly.
    if (n >= 19) {
      const big = BigInt(s);
      if (big > INT64_MAX || big < INT64_MIN) return NaN;
    }
    return Number(s);
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

const fcc = String.fromCharCode;

/**
 * Redis's ll2string for a safe integer: the same text as String(n), but a counter's new value
 * (INCR, HINCRBY) is not put in V8's number-to-string cache. String(n) stores each new number's
 * string there, where it stays reachable until the next full GC: every scavenge then copied up
 * to the cache's ~16k young strings (about 400 KB under INCR, over 1 ms a scavenge). Non-negative
 * int32 values (counters) are built from their digits; the rest goes through String().
 */
export function intText(n: number): string {
  if (n < 0 || n > 0x7fffffff) return String(n);
  let m = n | 0;
  const d0 = 48 + (m % 10);
  m = (m / 10) | 0;
  if (m === 0) return fcc(d0);
  const d1 = 48 + (m % 10);
  m = (m / 10) | 0;
  if (m === 0) return fcc(d1, d0);
  const d2 = 48 + (m % 10);
  m = (m / 10) | 0;
  if (m === 0) return fcc(d2, d1, d0);
  const d3 = 48 + (m % 10);
  m = (m / 10) | 0;
  if (m === 0) return fcc(d3, d2, d1, d0);
  const d4 = 48 + (m % 10);
  m = (m / 10) | 0;
  if (m === 0) return fcc(d4, d3, d2, d1, d0);
  const d5 = 48 + (m % 10);
  m = (m / 10) | 0;
  if (m === 0) return fcc(d5, d4, d3, d2, d1, d0);
  const d6 = 48 + (m % 10);
  m = (m / 10) | 0;
  if (m === 0) return fcc(d6, d5, d4, d3, d2, d1, d0);
  const d7 = 48 + (m % 10);
  m = (m / 10) | 0;
  if (m === 0) return fcc(d7, d6, d5, d4, d3, d2, d1, d0);
  const d8 = 48 + (m % 10);
  m = (m / 10) | 0;
  if (m === 0) return fcc(d8, d7, d6, d5, d4, d3, d2, d1, d0);
  return fcc(48 + m, d8, d7, d6, d5, d4, d3, d2, d1, d0);
}

/** True when the binary string is exactly how Redis would print an int64 (OBJECT ENCODING int). */
export function isInt64Text(s: string): boolean {
  return s.length <= 20 && parseInt64(s) === parseInt64(s);
}

/**
 * Redis's string2d (strtod of the whole string) for scores, increments and timeouts: decimal or
 * hexadecimal ("0x1.8p3") floats, "inf"/"infinity" with an optional sign, any case. Rejected,
 * as by Redis: leading space, trailing garbage, NaN, and a finite literal that overflows to
 * infinity or underflows to zero (strtod's ERANGE). Returns NaN when invalid.
 */
export function parseDouble(s: string): number {
  if (s.length === 0) return NaN;
  if (DEC_FLOAT_RE.test(s)) {
    const v = Number(s); // correctly rounded, as strtod
    if (v === Infinity || v === -Infinity) return NaN;
    if (v === 0 && hasNonZeroDigit(s)) return NaN;
    return v;
  }
  const c0 = s.charCodeAt(0);
  const body = (c0 === 43 || c0 === 45 ? s.slice(1) : s).toLowerCase();
  if (body === 'inf' || body === 'infinity') return c0 === 45 ? -Infinity : Infinity;
  return parseHexDouble(s);
}

const DEC_FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const HEX_FLOAT_RE = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;

/** A nonzero digit before the exponent: the literal is not zero. */
function hasNonZeroDigit(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 101 || c === 69) return false; // e E
    if (c >= 49 && c <= 57) return true;
  }
  return false;
}

/** strtod's hexadecimal form, rounded to nearest even; NaN when invalid or out of range. */
function parseHexDouble(s: string): number {
  const m = HEX_FLOAT_RE.exec(s);
  if (m === null) return NaN;
  const intDigits = m[2]!;
  const fracDigits = m[3] ?? '';
  if (intDigits === '' && fracDigits === '') return NaN;
  const neg = m[1] === '-';
  const mant = BigInt('0x' + (intDigits + fracDigits));
  if (mant === 0n) return neg ? -0 : 0;
  const exp = m[4] === undefined ? 0 : Math.max(-100000, Math.min(100000, Number(m[4])));
  const k = exp - 4 * fracDigits.length; // value = mant * 2^k
  const bl = mant.toString(2).length;
  // Exponent of the last kept bit: 53 significant bits, or fewer for subnormals.
  let lsb = Math.max(bl + k - 53, -1074);
  const shift = lsb - k;
  let q: bigint;
  if (shift <= 0) {
    q = mant << BigInt(-shift);
  } else if (shift > bl + 1) {
    q = 0n;
  } else {
    const sb = BigInt(shift);
    q = mant >> sb;
    const r2 = (mant - (q << sb)) << 1n;
    const half = 1n << sb;
    if (r2 > half || (r2 === half && (q & 1n) === 1n)) q++;
  }
  if (q === 1n << 53n) {
    q >>= 1n;
    lsb++;
  }
  if (q === 0n || lsb > 971) return NaN; // underflow to zero / overflow: ERANGE
  const v = Number(q) * 2 ** lsb;
  return neg ? -v : v;
}

// ---------------------------------------------------------------------------------------------
// Doubles as Redis 7.2 prints them (util.c d2string -> fpconv_dtoa, a Grisu2 implementation).
//
// Grisu2 is not always the shortest round-trip form that JavaScript's Number#toString gives (a
// few doubles get one more digit, or a different last digit), and fpconv switches to exponent
// notation at other thresholds than JavaScript, so the algorithm is reimplemented here to give
// byte-identical replies (checked against fpconv itself on millions of doubles). Integral doubles
// (the common case for scores) take the shortcut Redis takes too (ll2string).

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
/** Index of the high word of a double in U32 (platform endianness). */
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

const HIDDEN = 1n << 52n;
const MASK64 = (1n << 64n) - 1n;
const HALF64 = 1n << 63n;

/** 10^(-348 + 8i), i < 87, as 64-bit significands rounded half up, with binary exponents. */
const POW10_FRAC: bigint[] = [];
const POW10_EXP: number[] = [];
for (let i = 0; i < 87; i++) {
  const k = -348 + 8 * i;
  const num = k >= 0 ? 10n ** BigInt(k) : 1n;
  const den = k >= 0 ? 1n : 10n ** BigInt(-k);
  let e = bitLength(num) - bitLength(den) - 64;
  for (;;) {
    const n = e >= 0 ? num : num << BigInt(-e);
    const d = e >= 0 ? den << BigInt(e) : den;
    const q = n / d;
    if (q > MASK64) {
      e++;
      continue;
    }
    POW10_FRAC.push(2n * (n % d) >= d ? q + 1n : q);
    POW10_EXP.push(e);
    break;
  }
}

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** a * b / 2^64 rounded half up (the top 64 bits of the 128-bit product). */
function mulHigh(a: bigint, b: bigint): bigint {
  return (a * b + HALF64) >> 64n;
}

/** grisu2 with BigInt throughout: the reference, used for subnormal doubles. */
function grisu2Big(d: number): [string, number] {
  F64[0] = d;
  const hi = U32[HI]!;
  const lo = U32[1 - HI]!;
  let frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp = (hi >>> 20) & 0x7ff;
  if (exp !== 0) {
    frac += HIDDEN;
    exp -= 1075;
  } else {
    exp = -1074;
  }
  // Boundaries m+ and m-, on a common exponent, m+ normalized to 64 bits.
  let upFrac = (frac << 1n) + 1n;
  let upExp = exp - 1;
  while ((upFrac & (HIDDEN << 1n)) === 0n) {
    upFrac <<= 1n;
    upExp--;
  }
  upFrac <<= 10n;
  upExp -= 10;
  const lShift = frac === HIDDEN ? 2 : 1;
  let loFrac = (frac << BigInt(lShift)) - 1n;
  loFrac <<= BigInt(exp - lShift - upExp);
  // Normalize w to 64 bits (its exponent then equals m+'s).
  let wFrac = frac;
  while ((wFrac & HIDDEN) === 0n) wFrac <<= 1n;
  wFrac <<= 11n;
  // Cached power of ten bringing the exponent into [-60, -32].
  const approx = Math.trunc(-(upExp + 87) * 0.30102999566398114);
  let idx = Math.trunc((approx + 348) / 8);
  for (;;) {
    const cur = upExp + POW10_EXP[idx]! + 64;
    if (cur < -60) idx++;
    else if (cur > -32) idx--;
    else break;
  }
  const cFrac = POW10_FRAC[idx]!;
  const cExp = POW10_EXP[idx]!;
  let K = -(-348 + idx * 8);
  wFrac = mulHigh(wFrac, cFrac);
  upFrac = mulHigh(upFrac, cFrac) - 1n;
  loFrac = mulHigh(loFrac, cFrac) + 1n;
  const e = -(upExp + cExp + 64); // shift of the binary point, in [32, 60]

  const wfrac = upFrac - wFrac;
  let delta = upFrac - loFrac;
  const eb = BigInt(e);
  const one = 1n << eb;
  let part1 = upFrac >> eb;
  let part2 = upFrac & (one - 1n);
  const digits: number[] = [];
  for (let div = 1000000000n, kappa = 10; kappa > 0; div /= 10n) {
    const digit = part1 / div;
    if (digit !== 0n || digits.length !== 0) digits.push(Number(digit));
    part1 -= digit * div;
    kappa--;
    const rem = (part1 << eb) + part2;
    if (rem <= delta) {
      K += kappa;
      roundDigit(digits, delta, rem, div << eb, wfrac);
      return [digitText(digits), K];
    }
  }
  for (let kappa = 0, unit = 10n; ; unit *= 10n) {
    part2 *= 10n;
    delta *= 10n;
    kappa--;
    const digit = part2 >> eb;
    if (digit !== 0n || digits.length !== 0) digits.push(Number(digit));
    part2 &= one - 1n;
    if (part2 < delta) {
      K += kappa;
      roundDigit(digits, delta, part2, one, wfrac * unit);
      return [digitText(digits), K];
    }
  }
}

/** fpconv's round_digit: steps the last digit down while that stays in range and nears w. */
function roundDigit(digits: number[], delta: bigint, rem: bigint, kappa: bigint, frac: bigint): void {
  const last = digits.length - 1;
  while (rem < frac && delta - rem >= kappa && (rem + kappa < frac || frac - rem > rem + kappa - frac)) {
    digits[last]!--;
    rem += kappa;
  }
}

function digitText(digits: number[]): string {
  let s = '';
  for (let i = 0; i < digits.length; i++) s += String.fromCharCode(48 + digits[i]!);
  return s;
}

const TWO32 = 4294967296;
const TWO_POW = Array.from({ length: 32 }, (_, i) => 2 ** i);
/** The 64-bit significands of the cached powers as 32-bit halves. */
const POW10_HI = POW10_FRAC.map((f) => Number(f >> 32n));
const POW10_LO = POW10_FRAC.map((f) => Number(f & 0xffffffffn));

/** Digits being generated (at most 17; hot path: no allocation). */
const DIGITS = new Uint8Array(24);

function digitString(nd: number): string {
  // Through integers: String() of a number is much faster than building char by char.
  let lo = 0;
  if (nd <= 9) {
    for (let i = 0; i < nd; i++) lo = lo * 10 + DIGITS[i]!;
    return String(lo);
  }
  let hi = 0;
  for (let i = 0; i < nd - 9; i++) hi = hi * 10 + DIGITS[i]!;
  for (let i = nd - 9; i < nd; i++) lo = lo * 10 + DIGITS[i]!;
  const low = String(lo);
  return String(hi) + (low.length === 9 ? low : '000000000'.slice(low.length) + low);
}

/** Result registers of mul32 / mulHigh64 (hot path: no allocation). */
let rHi = 0;
let rLo = 0;

/** x * y for 32-bit x, y, exactly, as rHi:rLo (halves split so every product fits 53 bits). */
function mul32(x: number, y: number): void {
  // x, y < 2^32: bit operators give their halves exactly (and avoid slow double modulo).
  const t0 = (x & 0xffff) * y;
  const t1 = (x >>> 16) * y;
  const t1h = Math.floor(t1 / 65536);
  let low = t0 + (t1 - t1h * 65536) * 65536;
  const c = Math.floor(low / TWO32);
  low -= c * TWO32;
  rHi = t1h + c;
  rLo = low;
}

/** fpconv's multiply: (a * c + 2^63) >> 64 of two 64-bit values given as halves, into rHi:rLo. */
function mulHigh64(aH: number, aL: number, cH: number, cL: number): void {
  mul32(aH, cL);
  const ahblH = rHi;
  const ahblL = rLo;
  mul32(aL, cH);
  const albhH = rHi;
  const albhL = rLo;
  mul32(aL, cL);
  const alblH = rHi;
  mul32(aH, cH);
  const tmp = ahblL + albhL + alblH + 2147483648;
  let low = rLo + ahblH + albhH + Math.floor(tmp / TWO32);
  const carry = Math.floor(low / TWO32);
  low -= carry * TWO32;
  rHi += carry;
  rLo = low;
}

/**
 * Grisu2 digits of a finite non-zero |d| (fpconv_dtoa's grisu2): [digits, K] with
 * |d| ~= digits * 10^K. 64-bit quantities are kept as two 32-bit halves in doubles, which is exact
 * and far faster than BigInt.
 */
function grisu2(d: number): [string, number] {
  F64[0] = d;
  const hi = U32[HI]!;
  const biased = (hi >>> 20) & 0x7ff;
  if (biased === 0) return grisu2Big(d);
  const fHi = (hi & 0xfffff) + 0x100000;
  const fLo = U32[1 - HI]!;
  const exp = biased - 1075;
  // w = frac << 11, m+ = w + 2^10, m- = w - 2^(11 - lShift), all on exponent exp - 11.
  const wLo0 = (fLo & 0x1fffff) * 2048;
  const wHi0 = fHi * 2048 + (fLo >>> 21);
  const uLo0 = wLo0 + 1024;
  const lSub = fHi === 0x100000 && fLo === 0 ? 512 : 1024;
  let lHi0 = wHi0;
  let lLo0 = wLo0 - lSub;
  if (lLo0 < 0) {
    lLo0 += TWO32;
    lHi0--;
  }
  const upExp = exp - 11;
  const approx = Math.trunc(-(upExp + 87) * 0.30102999566398114);
  let idx = Math.trunc((approx + 348) / 8);
  for (;;) {
    const cur = upExp + POW10_EXP[idx]! + 64;
    if (cur < -60) idx++;
    else if (cur > -32) idx--;
    else break;
  }
  const cH = POW10_HI[idx]!;
  const cL = POW10_LO[idx]!;
  let K = 348 - idx * 8;
  mulHigh64(wHi0, wLo0, cH, cL);
  const wHi = rHi;
  const wLo = rLo;
  mulHigh64(wHi0, uLo0, cH, cL); // m+ - 1
  let uHi = rHi;
  let uLo = rLo - 1;
  if (uLo < 0) {
    uLo += TWO32;
    uHi--;
  }
  mulHigh64(lHi0, lLo0, cH, cL); // m- + 1
  let loHi = rHi;
  let loLo = rLo + 1;
  if (loLo === TWO32) {
    loLo = 0;
    loHi++;
  }
  const e = -(upExp + POW10_EXP[idx]! + 64); // binary point, in [32, 60]
  // Both differences are a few thousand units: exact as doubles.
  const wfrac = (uHi - wHi) * TWO32 + (uLo - wLo);
  const delta = (uHi - loHi) * TWO32 + (uLo - loLo);
  const oneHi = TWO_POW[e - 32]!; // 2^e in units of the high half
  let part1 = Math.floor(uHi / oneHi);
  let pHi = uHi - part1 * oneHi;
  let pLo = uLo;
  const digits = DIGITS;
  let nd = 0;
  for (let div = 1000000000, kappa = 10; kappa > 0; div /= 10) {
    const digit = Math.floor(part1 / div);
    if (digit !== 0 || nd !== 0) digits[nd++] = digit;
    part1 -= digit * div;
    kappa--;
    // A remainder with integral digits left is >= 2^32 > delta; stopping here, the rounding
    // step (steps of div << e > delta) can never apply.
    if (part1 === 0 && pHi === 0 && pLo <= delta) {
      K += kappa;
      return [digitString(nd), K];
    }
  }
  let dHi = 0;
  let dLo = delta;
  let fH = 0;
  let fL = wfrac;
  for (let kappa = 0; ; ) {
    pLo *= 10;
    let carry = Math.floor(pLo / TWO32);
    pLo -= carry * TWO32;
    pHi = pHi * 10 + carry;
    dLo *= 10;
    carry = Math.floor(dLo / TWO32);
    dLo -= carry * TWO32;
    dHi = dHi * 10 + carry;
    fL *= 10;
    carry = Math.floor(fL / TWO32);
    fL -= carry * TWO32;
    fH = fH * 10 + carry;
    kappa--;
    const digit = Math.floor(pHi / oneHi);
    pHi -= digit * oneHi;
    if (digit !== 0 || nd !== 0) digits[nd++] = digit;
    if (pHi < dHi || (pHi === dHi && pLo < dLo)) {
      K += kappa;
      // fpconv's round_digit: step the last digit down while that stays above m- and brings
      // the candidate closer to w. All values are below 2^64, compared as (hi, lo) halves.
      for (;;) {
        if (!(pHi < fH || (pHi === fH && pLo < fL))) break; // rem < frac: candidate above w
        const rkHi = pHi + oneHi; // rem + kappa (kappa = 2^e)
        if (dHi < rkHi || (dHi === rkHi && dLo < pLo)) break; // delta - rem >= kappa
        if (!(rkHi < fH || (rkHi === fH && pLo < fL))) {
          // frac - rem > rem + kappa - frac  <=>  2 frac > 2 rem + kappa
          const f2Lo = fL * 2;
          const f2Hi = fH * 2 + (f2Lo >= TWO32 ? 1 : 0);
          const f2L = f2Lo >= TWO32 ? f2Lo - TWO32 : f2Lo;
          const r2Lo = pLo * 2;
          const r2Hi = pHi * 2 + oneHi + (r2Lo >= TWO32 ? 1 : 0);
          const r2L = r2Lo >= TWO32 ? r2Lo - TWO32 : r2Lo;
          if (!(f2Hi > r2Hi || (f2Hi === r2Hi && f2L > r2L))) break;
        }
        digits[nd - 1]!--;
        pHi = rkHi;
      }
      return [digitString(nd), K];
    }
  }
}

/** fpconv's layout of digits * 10^K: plain integer, plain decimal, or d.ddde[+-]x. */
function emitDigits(digits: string, K: number, neg: boolean): string {
  const n = digits.length;
  const exp = Math.abs(K + n - 1);
  if (K >= 0 && exp < n + 7) return digits + '0'.repeat(K);
  if (K < 0 && (K > -7 || exp < 4)) {
    const offset = n + K;
    if (offset <= 0) return '0.' + '0'.repeat(-offset) + digits;
    return digits.slice(0, offset) + '.' + digits.slice(offset);
  }
  const nd = Math.min(n, 18 - (neg ? 1 : 0));
  let out = digits[0]!;
  if (nd > 1) out += '.' + digits.slice(1, nd);
  return out + (K + nd - 1 < 0 ? 'e-' : 'e+') + exp;
}

/** Largest |d| printed as an integer by d2string: (double)(LLONG_MAX / 2) = 2^62. */
const D2STRING_INT_MAX = 4611686018427387904;

/**
 * Formats a double exactly as Redis 7.2 replies with one (d2string): "inf", "-inf", "nan", "0",
 * "-0", integral values within 2^62 as integers, anything else through fpconv_dtoa.
 */
export function formatDouble(d: number): string {
  if (d !== d) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  if (d >= -D2STRING_INT_MAX && d <= D2STRING_INT_MAX && Math.floor(d) === d) {
    return Number.isSafeInteger(d) ? String(d) : BigInt(d).toString();
  }
  const neg = d < 0;
  const a = neg ? -d : d;
  const [digits, K] = grisu2(a);
  const body = emitDigits(digits, K, neg);
  return neg ? '-' + body : body;
}

// ---------------------------------------------------------------------------------------------
// INCRBYFLOAT / HINCRBYFLOAT: Redis computes in C `long double` (x87 80-bit extended precision on
// x86-64: 64-bit significand, 15-bit exponent), parses with strtold and prints with "%.17Lf",
// trimming trailing zeros (ld2string LD_STR_HUMAN). That arithmetic is emulated exactly here, so
// e.g. SET a 0.1; INCRBYFLOAT a 0.2 gives "0.3" as in Redis, and every intermediate rounding
// matches. BigInt is used because 64-bit significands do not fit a double.

/**
 * An x87 extended-precision value: (-1)^neg * m * 2^e with 0 <= m < 2^64, or infinity
 * (e === Infinity) or NaN (e is NaN).
 */
export interface LongDouble {
  readonly neg: boolean;
  readonly m: bigint;
  readonly e: number;
}

/** Exponent of the least significant bit of the smallest subnormal: 2^-16445. */
const LD_EMIN = -16445;
/** Largest exponent of a finite value's LSB: (2^64 - 1) * 2^16320 is LDBL_MAX. */
const LD_EMAX = 16320;
const LD_INF: LongDouble = { neg: false, m: 0n, e: Infinity };
const LD_NAN: LongDouble = { neg: false, m: 0n, e: NaN };
/** Redis's MAX_LONG_DOUBLE_CHARS: longer inputs are rejected by string2ld. */
const MAX_LONG_DOUBLE_CHARS = 5 * 1024;

/** Rounds num/den * 2^scale (num, den > 0) to the nearest long double, ties to even. */
function roundLongDouble(neg: boolean, num: bigint, den: bigint, scale: number): LongDouble {
  // The estimate may be one off either way; the loop settles on q in [2^63, 2^64).
  let e = Math.max(approxBitLength(num) - approxBitLength(den) + scale - 64, LD_EMIN);
  for (;;) {
    const shift = scale - e;
    const n = shift >= 0 ? num << BigInt(shift) : num;
    const d = shift >= 0 ? den : den << BigInt(-shift);
    let q = n / d;
    if (q > MASK64) {
      e++;
      continue;
    }
    if (q < HALF64 && e > LD_EMIN) {
      e--;
      continue;
    }
    const r2 = 2n * (n - q * d);
    if (r2 > d || (r2 === d && (q & 1n) === 1n)) q++;
    if (q > MASK64) {
      q >>= 1n;
      e++;
    }
    if (e > LD_EMAX) return neg ? { neg, m: 0n, e: Infinity } : LD_INF;
    return { neg, m: q, e };
  }
}

/** Bit length of x > 0, within one (exact bit length is not needed, see roundLongDouble). */
function approxBitLength(x: bigint): number {
  const n = Number(x);
  if (n < 1e300) return Math.floor(Math.log2(n)) + 1;
  return x.toString(16).length * 4;
}

/** 10^i as BigInt for the exponents of everyday decimals. */
const POW10N = Array.from({ length: 64 }, (_, i) => 10n ** BigInt(i));

function pow10n(k: number): bigint {
  return k < 64 ? POW10N[k]! : 10n ** BigInt(k);
}

const DEC_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX_RE = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;

/**
 * Redis's string2ld (strtold of the whole string): decimal or hexadecimal, "inf"/"infinity" with
 * an optional sign; no spaces, no NaN, nothing that overflows or underflows to zero. Returns
 * null when Redis would answer "value is not a valid float".
 */
export function parseLongDouble(s: string): LongDouble | null {
  const len = s.length;
  if (len === 0 || len >= MAX_LONG_DOUBLE_CHARS) return null;
  let m = DEC_RE.exec(s);
  let hex = false;
  if (m === null || (m[2] === '' && (m[3] === undefined || m[3] === ''))) {
    m = HEX_RE.exec(s);
    if (m === null) {
      const lower = s.toLowerCase();
      const body = lower.charCodeAt(0) === 43 || lower.charCodeAt(0) === 45 ? lower.slice(1) : lower;
      if (body === 'inf' || body === 'infinity') return { neg: lower.charCodeAt(0) === 45, m: 0n, e: Infinity };
      return null;
    }
    if (m[2] === '' && (m[3] === undefined || m[3] === '')) return null;
    hex = true;
  }
  const neg = m[1] === '-';
  const intDigits = m[2]!;
  const fracDigits = m[3] ?? '';
  const expText = m[4];
  // Exponents beyond any representable range only decide overflow vs underflow.
  const exp = expText === undefined ? 0 : Math.max(-1e9, Math.min(1e9, Number(expText)));
  const mant = BigInt((hex ? '0x' : '') + (intDigits + fracDigits || '0'));
  if (mant === 0n) return { neg, m: 0n, e: 0 };
  let x: LongDouble;
  if (hex) {
    x = roundLongDouble(neg, mant, 1n, Math.max(-50000, Math.min(50000, exp - 4 * fracDigits.length)));
  } else {
    const scale = exp - fracDigits.length;
    const magnitude = (intDigits + fracDigits).replace(/^0+/, '').length + scale;
    if (magnitude > 4940) return null; // >= 10^4939 overflows LDBL_MAX (1.19e4932)
    if (magnitude < -4960) return null; // < 10^-4960 rounds to zero (min subnormal 3.6e-4951)
    x = scale >= 0 ? roundLongDouble(neg, mant * pow10n(scale), 1n, 0) : roundLongDouble(neg, mant, pow10n(-scale), 0);
  }
  // strtold reports ERANGE on overflow to infinity and underflow to zero: string2ld rejects both.
  if (x.e === Infinity || x.m === 0n) return null;
  return x;
}

/** A double as a long double (exact). */
export function longDoubleFromNumber(d: number): LongDouble {
  if (d !== d) return LD_NAN;
  if (d === Infinity || d === -Infinity) return { neg: d < 0, m: 0n, e: Infinity };
  if (d === 0) return { neg: Object.is(d, -0), m: 0n, e: 0 };
  F64[0] = d;
  const hi = U32[HI]!;
  const lo = U32[1 - HI]!;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e = (hi >>> 20) & 0x7ff;
  if (e !== 0) {
    m += HIDDEN;
    e -= 1075;
  } else {
    e = -1074;
  }
  return { neg: d < 0, m, e };
}

/** a + b in long double arithmetic (round to nearest even). */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble {
  if (a.e !== a.e || b.e !== b.e) return LD_NAN;
  if (a.e === Infinity || b.e === Infinity) {
    if (a.e === Infinity && b.e === Infinity && a.neg !== b.neg) return LD_NAN;
    return a.e === Infinity ? a : b;
  }
  if (a.m === 0n) return b.m === 0n ? { neg: a.neg && b.neg, m: 0n, e: 0 } : b;
  if (b.m === 0n) return a;
  const e = Math.min(a.e, b.e);
  const x = (a.neg ? -a.m : a.m) << BigInt(a.e - e);
  const y = (b.neg ? -b.m : b.m) << BigInt(b.e - e);
  const sum = x + y;
  if (sum === 0n) return { neg: false, m: 0n, e: 0 };
  return sum < 0n ? roundLongDouble(true, -sum, 1n, e) : roundLongDouble(false, sum, 1n, e);
}

/** True for a finite value (INCRBYFLOAT rejects NaN and infinities). */
export function isFiniteLongDouble(x: LongDouble): boolean {
  return x.e === x.e && x.e !== Infinity;
}

const TEN17 = 10n ** 17n;

/** ld2string(LD_STR_HUMAN): "%.17Lf" with trailing zeros (and a trailing '.') removed, no "-0". */
export function formatLongDouble(x: LongDouble): string {
  if (x.e !== x.e) return 'nan';
  if (x.e === Infinity) return x.neg ? '-inf' : 'inf';
  let text: string;
  if (x.e >= 0) {
    text = (x.m << BigInt(x.e)).toString();
  } else {
    // Round m * 2^e to 17 decimals, ties to even (glibc printf in round-to-nearest mode).
    const shift = BigInt(-x.e);
    const scaled = x.m * TEN17;
    let q = scaled >> shift;
    const r2 = (scaled - (q << shift)) << 1n;
    const half = 1n << shift;
    if (r2 > half || (r2 === half && (q & 1n) === 1n)) q++;
    const ip = q / TEN17;
    const fp = q - ip * TEN17;
    text = ip.toString();
    if (fp !== 0n) {
      let f = fp.toString().padStart(17, '0');
      let end = f.length;
      while (f.charCodeAt(end - 1) === 48) end--;
      f = f.slice(0, end);
      text += '.' + f;
    }
  }
  if (x.neg && text !== '0') text = '-' + text;
  return text;
}

/**
 * Formats a double like ld2string(LD_STR_HUMAN): fixed notation with up to 17 decimals, trailing
 * zeros removed (exact: the double's binary value rounded half-even to 17 decimals).
 */
export function formatHumanDouble(d: number): string {
  return formatLongDouble(longDoubleFromNumber(d));
}

/** Formats an integer reply value (int64 as number or bigint) as decimal text. */
export function formatInt(v: number | bigint): string {
  return typeof v === 'number' ? String(v) : v.toString();
}
