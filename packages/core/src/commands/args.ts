/**
 * Argument parsing shared by every command family, with Redis's error replies. Each parser
 * throws the ErrorReply Redis sends, so a handler validates everything before mutating anything.
 */
import { parseDouble, parseInt64, parseInt64Exact, parseLongDouble } from '../bytes.ts';
import { ErrorReply, NOT_FLOAT, NOT_INTEGER, NOT_POSITIVE, SYNTAX, error } from '../errors.ts';

/** An int64 argument (number; exact up to 2^53), or ERR value is not an integer or out of range. */
export function intArg(s: string, err: ErrorReply = NOT_INTEGER): number {
  const v = parseInt64(s);
  if (v !== v) throw err;
  return v;
}

/** A float argument (inf accepted, nan rejected), or ERR value is not a valid float. */
export function floatArg(s: string, err: ErrorReply = NOT_FLOAT): number {
  const v = parseDouble(s);
  if (v !== v) throw err;
  return v;
}

/** A count that must be > 0 (e.g. LPOP count, SPOP count use ≥ 0 — see nonNegativeArg). */
export function positiveArg(s: string): number {
  const v = intArg(s);
  if (v <= 0) throw NOT_POSITIVE;
  return v;
}

/** A count that must be >= 0: ERR value is out of range, must be positive. */
export function nonNegativeArg(s: string): number {
  const v = intArg(s);
  if (v < 0) throw NOT_POSITIVE;
  return v;
}

/** Lowercased option word, for case-insensitive matching of NX, XX, WITHSCORES, ... */
export function opt(s: string): string {
  return s.toLowerCase();
}

/** Case-insensitive comparison with a lowercase keyword. */
export function is(s: string, keyword: string): boolean {
  return s.length === keyword.length && s.toLowerCase() === keyword;
}

export function syntaxError(): never {
  throw SYNTAX;
}

const LLONG_MAX = 9223372036854775807n;
const TIMEOUT_NOT_FLOAT = error('ERR timeout is not a float or out of range');
const TIMEOUT_NOT_INTEGER = error('ERR timeout is not an integer or out of range');
const TIMEOUT_NEGATIVE = error('ERR timeout is negative');
const TIMEOUT_RANGE = error('ERR timeout is out of range');

/**
 * A blocking command's timeout, as Redis 7.2's getTimeoutFromObjectOrReply: in seconds a long
 * double (inf accepted, nan not) turned into ms rounded up, in milliseconds an int64; then
 * negative, too large for a long long, or overflowing once added to `now` are errors (-0.0001 s
 * rounds up to 0: blocks forever, as in Redis). Returns the absolute deadline in ms, 0 for none.
 */
export function timeoutArg(s: string, now: number, unit: 'seconds' | 'milliseconds' = 'seconds'): number {
  let ms: bigint;
  if (unit === 'milliseconds') {
    const v = parseInt64Exact(s);
    if (v === null) throw TIMEOUT_NOT_INTEGER;
    ms = BigInt(v);
  } else {
    const ld = parseLongDouble(s);
    if (ld === null) throw TIMEOUT_NOT_FLOAT;
    if (ld.e === Infinity) throw ld.neg ? TIMEOUT_NEGATIVE : TIMEOUT_RANGE;
    if (ld.m === 0n) ms = 0n;
    else {
      // The exact m * 1000 * 2^e, rounded toward +inf as ceill does.
      const mag = ld.m * 1000n;
      if (ld.e >= 0) ms = mag << BigInt(ld.e);
      else {
        const shift = BigInt(-ld.e);
        const q = mag >> shift;
        ms = ld.neg ? q : (q << shift) === mag ? q : q + 1n;
      }
      if (ld.neg) ms = -ms;
    }
    if (ms > LLONG_MAX) throw TIMEOUT_RANGE;
  }
  if (ms < 0n) throw TIMEOUT_NEGATIVE;
  if (ms === 0n) return 0;
  if (ms > LLONG_MAX - BigInt(now)) throw TIMEOUT_RANGE;
  return now + Number(ms);
}

/** Normalizes a Redis [start, stop] index pair over a sequence of length n; null when empty. */
export function rangeIndexes(start: number, stop: number, n: number): [number, number] | null {
  if (start < 0) start = n + start;
  if (stop < 0) stop = n + stop;
  if (start < 0) start = 0;
  if (start > stop || start >= n) return null;
  if (stop >= n) stop = n - 1;
  return [start, stop];
}
