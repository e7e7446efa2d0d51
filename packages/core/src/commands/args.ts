/**
 * Argument parsing shared by every command family, with Redis's error replies. Each parser
 * throws the ErrorReply Redis sends, so a handler validates everything before mutating anything.
 */
import { parseDouble, parseInt64 } from '../bytes.ts';
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

/** A timeout in seconds (blocking commands): float, not negative, not too large. */
export function timeoutArg(s: string): number {
  const v = parseDouble(s);
  if (v !== v || v === Infinity || v === -Infinity) throw error('ERR timeout is not a float or out of range');
  if (v < 0) throw error('ERR timeout is negative');
  if (v * 1000 > Number.MAX_SAFE_INTEGER) throw error('ERR timeout is out of range');
  return v;
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
