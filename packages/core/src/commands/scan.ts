/**
 * The SCAN family's shared parts: cursor and option parsing, and the cursor walk over a Dict
 * (db.c scanGenericCommand). KEYS/SCAN/HSCAN/SSCAN/ZSCAN all go through here.
 */
import { error, SYNTAX } from '../errors.ts';
import type { Dict } from '../types/dict.ts';
import { globMatch } from '../glob.ts';
import { intArg, is } from './args.ts';

export interface ScanOptions {
  cursor: number;
  count: number;
  /** null when no MATCH or MATCH * (matches everything). */
  match: string | null;
  /** SCAN's TYPE filter, lowercased, or null. */
  type: string | null;
}

const INVALID_CURSOR = error('ERR invalid cursor');

const ULONG_MAX = 18446744073709551615n;

/**
 * A cursor as Redis reads it with strtoul (db.c parseScanCursorOrReply): "" is 0, a sign is
 * allowed and "-N" wraps around; a leading space, trailing junk or overflow is invalid.
 */
function parseCursor(c: string): number {
  if (c === '') return 0;
  const m = /^([+-]?)(\d+)$/.exec(c);
  if (!m) throw INVALID_CURSOR;
  let v = BigInt(m[2]!);
  if (v > ULONG_MAX) throw INVALID_CURSOR;
  if (m[1] === '-') v = (ULONG_MAX + 1n - v) & ULONG_MAX;
  // Cursors beyond 32 bits name no bucket of ours; like any unknown cursor they just continue.
  return Number(v & 0xffffffffn);
}

/** Parses `cursor [MATCH pattern] [COUNT n] [TYPE t]` from argv[start] on. */
export function parseScanArgs(argv: readonly string[], start: number, allowType: boolean): ScanOptions {
  const cursor = parseCursor(argv[start]!);
  const o: ScanOptions = { cursor, count: 10, match: null, type: null };
  for (let i = start + 1; i < argv.length; i += 2) {
    const a = argv[i]!;
    if (i + 1 >= argv.length) throw SYNTAX;
    const v = argv[i + 1]!;
    if (is(a, 'count')) {
      o.count = intArg(v);
      if (o.count < 1) throw SYNTAX;
    } else if (is(a, 'match')) {
      o.match = v === '*' ? null : v;
    } else if (allowType && is(a, 'type')) {
      o.type = v.toLowerCase();
    } else {
      throw SYNTAX;
    }
  }
  return o;
}

/**
 * Walks dict from the cursor, visiting at least `count` entries when there are that many (at most
 * count*10 buckets, as Redis), passing each entry that matches the pattern to emit. Returns the
 * next cursor (0 when done).
 */
export function scanDict<V>(
  dict: Dict<V>,
  o: ScanOptions,
  emit: (key: string, val: V) => void,
): number {
  let cursor = o.cursor;
  const keys: string[] = [];
  const vals: V[] = [];
  let iterations = o.count * 10;
  do {
    cursor = dict.scan(cursor, (k, v) => {
      keys.push(k);
      vals.push(v);
    });
  } while (cursor !== 0 && iterations-- > 0 && keys.length < o.count);
  const pattern = o.match;
  for (let i = 0; i < keys.length; i++) {
    if (pattern === null || globMatch(pattern, keys[i]!)) emit(keys[i]!, vals[i]!);
  }
  return cursor;
}

/** For containers Redis keeps compact (listpack, intset): one call returns everything, cursor 0. */
export function scanAll<V>(dict: Dict<V>, o: ScanOptions, emit: (key: string, val: V) => void): number {
  const pattern = o.match;
  dict.forEach((k, v) => {
    if (pattern === null || globMatch(pattern, k)) emit(k, v);
  });
  return 0;
}
