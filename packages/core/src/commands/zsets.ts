/**
 * The sorted set commands (t_zset.c), on RZSet (types/zset.ts). Every handler validates all of
 * its arguments before touching data, with Redis 7.2's error texts, and shapes replies per RESP
 * version where Redis does (WITHSCORES is flat in RESP2, [member, score] pairs in RESP3).
 */
import { formatDouble, parseInt64 } from '../bytes.ts';
import { ErrorReply, NOT_FLOAT, NOT_POSITIVE, SYNTAX, WRONGTYPE, error, wrongArity } from '../errors.ts';
import { globMatch } from '../glob.ts';
import { typeOf, type Value } from '../keyspace/object.ts';
import { Double, NULL_ARRAY, type Reply } from '../reply.ts';
import { lexGteMin, lexLteMax, valueGteMin, valueLteMax, type LexBound, type LexRange, type ScoreRange, type ZNode } from '../types/skiplist.ts';
import type { RSet } from '../types/set.ts';
import { RZSet, type ZSetLimits } from '../types/zset.ts';
import { intArg, is } from './args.ts';
import type { Ctx } from './context.ts';
import { parseScanArgs, scanDict } from './scan.ts';
import { defineCommands, type CommandSpec } from './table.ts';

// ---------------------------------------------------------------------------------------------
// Number parsing as Redis does it with strtod.

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

const DEC_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INF_RE = /^([+-]?)inf(?:inity)?$/i;
const HEX_RE = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * [+-]digits[.digits] with at most 15 significant digits and 22 decimals (the usual score or
 * coordinate), or NaN for anything else. Such a number is an exact integer over an exact power of
 * ten, so one division rounds it correctly, as strtod does (Clinger's fast path).
 */
function fastDecimal(t: string): number {
  const n = t.length;
  let i = 0;
  let c = t.charCodeAt(0);
  const neg = c === 45;
  if (neg || c === 43) i++;
  let mant = 0;
  let sig = 0;
  let frac = 0;
  let dot = false;
  let digits = false;
  for (; i < n; i++) {
    c = t.charCodeAt(i) - 48;
    if (c >= 0 && c <= 9) {
      digits = true;
      if (sig > 0 || c > 0) sig++;
      mant = mant * 10 + c;
      if (dot) frac++;
    } else if (c === -2 && !dot) dot = true;
    else return NaN;
  }
  if (!digits || sig > 15 || frac > 22) return NaN;
  const v = frac > 0 ? mant / POW10[frac]! : mant;
  return neg ? -v : v;
}

/** Set by strtodWhole when a finite literal overflowed to ±inf or a nonzero one underflowed to 0. */
let erange = false;

/**
 * strtod over a whole string without leading whitespace: the value, or NaN when strtod would
 * stop before the end (or read "nan"). Accepts decimal, hexadecimal (with p exponents) and inf.
 */
function strtodWhole(t: string): number {
  erange = false;
  const fast = fastDecimal(t);
  if (fast === fast) return fast;
  if (DEC_RE.test(t)) {
    const v = Number(t);
    if (v === Infinity || v === -Infinity) erange = true;
    else if (v === 0 && /[1-9]/.test(t.replace(/[eE].*$/, ''))) erange = true;
    return v;
  }
  const inf = INF_RE.exec(t);
  if (inf !== null) return inf[1] === '-' ? -Infinity : Infinity;
  const hex = HEX_RE.exec(t);
  if (hex !== null && (hex[2]!.length > 0 || (hex[3] ?? '').length > 0)) {
    let v = hex[2]!.length > 0 ? parseInt(hex[2]!, 16) : 0;
    const frac = hex[3] ?? '';
    for (let i = 0; i < frac.length; i++) v += parseInt(frac[i]!, 16) / 16 ** (i + 1);
    if (hex[4] !== undefined) v *= 2 ** Number(hex[4]);
    if (v === Infinity) erange = true;
    return hex[1] === '-' ? -v : v;
  }
  return NaN;
}

/**
 * getDoubleFromObject: a float argument (scores, increments, weights, coordinates, radii).
 * Rejects empty text, leading whitespace, trailing garbage, NaN and out-of-range literals.
 */
export function doubleArg(s: string, err: ErrorReply = NOT_FLOAT): number {
  if (s.length === 0 || isSpace(s.charCodeAt(0))) throw err;
  const v = strtodWhole(s);
  if (v !== v || erange) throw err;
  return v;
}

/** strtod as zslParseRange uses it: leading whitespace allowed, "" reads as 0, nan rejected. */
function rangeDouble(s: string): number {
  let i = 0;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  if (i === s.length) return i === 0 ? 0 : NaN;
  return strtodWhole(i === 0 ? s : s.slice(i));
}

const NOT_FLOAT_RANGE = error('ERR min or max is not a float');
const NOT_LEX_RANGE = error('ERR min or max not valid string range item');

/** zslParseRange: "1.5", "(1.5" (exclusive), "-inf", "+inf". */
export function parseScoreRange(minArg: string, maxArg: string): ScoreRange {
  const r: ScoreRange = { min: 0, max: 0, minex: false, maxex: false };
  if (minArg.charCodeAt(0) === 40 /* ( */) {
    r.min = rangeDouble(minArg.slice(1));
    r.minex = true;
  } else {
    r.min = rangeDouble(minArg);
  }
  if (maxArg.charCodeAt(0) === 40 /* ( */) {
    r.max = rangeDouble(maxArg.slice(1));
    r.maxex = true;
  } else {
    r.max = rangeDouble(maxArg);
  }
  if (r.min !== r.min || r.max !== r.max) throw NOT_FLOAT_RANGE;
  return r;
}

function lexItem(s: string): LexBound | null {
  const c = s.charCodeAt(0);
  // C compares c[1] with '\0', so "+" followed by a NUL byte still reads as "+".
  const alone = s.length === 1 || s.charCodeAt(1) === 0;
  if (c === 43 /* + */) return alone ? { inf: 1, value: '', ex: true } : null;
  if (c === 45 /* - */) return alone ? { inf: -1, value: '', ex: true } : null;
  if (c === 40 /* ( */) return { inf: 0, value: s.slice(1), ex: true };
  if (c === 91 /* [ */) return { inf: 0, value: s.slice(1), ex: false };
  return null;
}

/** zslParseLexRange: "[a" inclusive, "(a" exclusive, "-" and "+" the extremes. */
export function parseLexRange(minArg: string, maxArg: string): LexRange {
  const min = lexItem(minArg);
  const max = lexItem(maxArg);
  if (min === null || max === null) throw NOT_LEX_RANGE;
  return { min, max };
}

/** `%.17Lg`, the text of skiplist scores in ZSCAN replies (ld2string LD_STR_AUTO). */
export function formatG17(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const e = d.toExponential(16);
  const at = e.indexOf('e');
  const x = Number(e.slice(at + 1));
  if (x < -4 || x >= 17) {
    let m = e.slice(0, at);
    if (m.indexOf('.') >= 0) m = m.replace(/\.?0+$/, '');
    const ax = Math.abs(x);
    return `${m}e${x < 0 ? '-' : '+'}${ax < 10 ? '0' : ''}${ax}`;
  }
  let s = d.toFixed(16 - x);
  if (s.indexOf('.') >= 0) s = s.replace(/\.?0+$/, '');
  return s;
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

export function zsetLimits(ctx: Ctx): ZSetLimits {
  return ctx.shard.config;
}

/** Collects (member, score) pairs into the reply Redis sends for a range. */
class RangeReply {
  readonly out: Reply[] = [];
  count = 0;
  constructor(
    private readonly withscores: boolean,
    private readonly resp3: boolean,
  ) {}
  push(ele: string, score: number): void {
    this.count++;
    if (!this.withscores) this.out.push(ele);
    else if (this.resp3) this.out.push([ele, new Double(score)]);
    else this.out.push(ele, new Double(score));
  }
}

/** Where a range goes: to the client, or into a new sorted set (ZRANGESTORE). */
interface RangeSink {
  push(ele: string, score: number): void;
  count: number;
}

class StoreSink implements RangeSink {
  count = 0;
  readonly zset: RZSet;
  constructor(
    private readonly limits: ZSetLimits,
    sizeHint: number,
  ) {
    this.zset = RZSet.create(limits, sizeHint, 0);
  }
  push(ele: string, score: number): void {
    this.count++;
    this.zset.insert(ele, score, this.limits);
  }
}

/**
 * Stores a computed sorted set in dst the way the *STORE commands do: replaces the key (and its
 * TTL) when the result has members, else deletes dst. Returns the reply (the result's size).
 */
export function storeResult(ctx: Ctx, dst: string, result: RZSet | null, event: string): number {
  const db = ctx.db;
  if (result !== null && result.size > 0) {
    db.set(dst, result);
    ctx.notify('z', event, dst);
    return result.size;
  }
  if (db.delete(dst)) ctx.notify('g', 'del', dst);
  return 0;
}

/** After popping or removing from a zset in place: re-account or delete it, with the del event. */
function afterRemove(ctx: Ctx, key: string, zs: RZSet): void {
  const gone = zs.size === 0;
  ctx.db.modified(key, zs);
  if (gone) ctx.notify('g', 'del', key);
}

// ---------------------------------------------------------------------------------------------
// ZADD / ZINCRBY

const NAN_SCORE = error('ERR resulting score is not a number (NaN)');

/** zaddGenericCommand: ZADD and ZINCRBY (incr preset), also the engine of GEOADD. */
export function zaddGeneric(ctx: Ctx, argv: readonly string[], incrCommand: boolean): Reply {
  const key = argv[1]!;
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  let ch = false;
  let incr = incrCommand;
  let idx = 2;
  for (; idx < argv.length; idx++) {
    const o = argv[idx]!;
    // Scores start with a digit, sign or dot (all below 'A'): no option word to look for.
    if (o.charCodeAt(0) < 65) break;
    if (is(o, 'nx')) nx = true;
    else if (is(o, 'xx')) xx = true;
    else if (is(o, 'ch')) ch = true;
    else if (is(o, 'incr')) incr = true;
    else if (is(o, 'gt')) gt = true;
    else if (is(o, 'lt')) lt = true;
    else break;
  }
  let elements = argv.length - idx;
  if (elements % 2 !== 0 || elements === 0) throw SYNTAX;
  elements /= 2;
  if (nx && xx) throw error('ERR XX and NX options at the same time are not compatible');
  if ((gt && nx) || (lt && nx) || (gt && lt)) throw error('ERR GT, LT, and/or NX options at the same time are not compatible');
  if (incr && elements > 1) throw error('ERR INCR option supports a single increment-element pair');
  const scores = new Float64Array(elements);
  for (let j = 0; j < elements; j++) scores[j] = doubleArg(argv[idx + j * 2]!);
  const flags = (nx ? ZADD_NX : 0) | (xx ? ZADD_XX : 0) | (gt ? ZADD_GT : 0) | (lt ? ZADD_LT : 0) | (ch ? ZADD_CH : 0) | (incr ? ZADD_INCR : 0);
  return zaddScores(ctx, key, flags, scores, argv, idx + 1, 2);
}

/** From this many members, a ZADD creating its key builds the skiplist once (RZSet.beginBulk). */
const BULK_MIN = 32;

export const ZADD_NX = 1;
export const ZADD_XX = 2;
export const ZADD_GT = 4;
export const ZADD_LT = 8;
export const ZADD_CH = 16;
export const ZADD_INCR = 32;

/**
 * The ZADD work once its arguments are parsed and valid: scores[j] for the member at
 * argv[first + j * stride] (GEOADD computes its scores and calls this with stride 3).
 */
export function zaddScores(
  ctx: Ctx,
  key: string,
  flags: number,
  scores: Float64Array,
  argv: readonly string[],
  first: number,
  stride: number,
): Reply {
  const nx = (flags & ZADD_NX) !== 0;
  const xx = (flags & ZADD_XX) !== 0;
  const gt = (flags & ZADD_GT) !== 0;
  const lt = (flags & ZADD_LT) !== 0;
  const incr = (flags & ZADD_INCR) !== 0;
  const elements = scores.length;
  const db = ctx.db;
  const limits = zsetLimits(ctx);
  let zs = db.write<RZSet>(key, 'zset');
  const isNew = zs === undefined;
  if (zs === undefined) {
    if (xx) return incr ? null : 0;
    zs = RZSet.create(limits, elements, argv[first]!.length);
  } else if (zs.listpack && elements > limits['zset-max-listpack-entries']) {
    zs.listpack = false;
  }

  let added = 0;
  let updated = 0;
  let processed = 0;
  let score = 0;
  const bulk = isNew && elements >= BULK_MIN;
  if (bulk) zs.beginBulk();
  for (let j = 0; j < elements; j++) {
    const ele = argv[first + j * stride]!;
    let s = scores[j]!;
    const cur = zs.score(ele);
    if (cur !== undefined) {
      if (nx) continue;
      if (incr) {
        s += cur;
        if (s !== s) throw NAN_SCORE; // only ever the single INCR pair: nothing changed yet
      }
      if ((lt && s >= cur) || (gt && s <= cur)) continue;
      processed++;
      score = s;
      if (s !== cur) {
        zs.update(ele, cur, s);
        updated++;
      }
    } else if (!xx) {
      zs.insert(ele, s, limits);
      added++;
      processed++;
      score = s;
    }
  }
  if (bulk) zs.endBulk();
  if (added + updated > 0) {
    if (isNew) db.add(key, zs);
    else db.modified(key, zs);
    ctx.notify('z', incr ? 'zincr' : 'zadd', key);
  }
  if (incr) return processed > 0 ? new Double(score) : null;
  return (flags & ZADD_CH) !== 0 ? added + updated : added;
}

// ---------------------------------------------------------------------------------------------
// ZRANGE family

type RangeType = 'auto' | 'rank' | 'score' | 'lex';
type Direction = 'auto' | 'forward' | 'reverse';

const LIMIT_WITH_RANK = error('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
const WITHSCORES_WITH_LEX = error('ERR syntax error, WITHSCORES not supported in combination with BYLEX');

/** zrangeGenericCommand: ZRANGE, ZRANGESTORE and the deprecated Z[REV]RANGE[BYSCORE|BYLEX]. */
function zrangeGeneric(ctx: Ctx, argStart: number, store: boolean, rangetype: RangeType, direction: Direction): Reply {
  const argv = ctx.argv;
  const key = argv[argStart]!;
  let minIdx = argStart + 1;
  let maxIdx = argStart + 2;
  let withscores = false;
  let offset = 0;
  let limit = -1;
  for (let j = argStart + 3; j < argv.length; j++) {
    const a = argv[j]!;
    const left = argv.length - j - 1;
    if (!store && is(a, 'withscores')) {
      withscores = true;
    } else if (is(a, 'limit') && left >= 2) {
      offset = intArg(argv[j + 1]!);
      limit = intArg(argv[j + 2]!);
      j += 2;
    } else if (direction === 'auto' && is(a, 'rev')) {
      direction = 'reverse';
    } else if (rangetype === 'auto' && is(a, 'bylex')) {
      rangetype = 'lex';
    } else if (rangetype === 'auto' && is(a, 'byscore')) {
      rangetype = 'score';
    } else {
      throw SYNTAX;
    }
  }
  if (direction === 'auto') direction = 'forward';
  if (rangetype === 'auto') rangetype = 'rank';
  if (limit !== -1 && rangetype === 'rank') throw LIMIT_WITH_RANK;
  if (withscores && rangetype === 'lex') throw WITHSCORES_WITH_LEX;
  const reverse = direction === 'reverse';
  if (reverse && rangetype !== 'rank') {
    minIdx = argStart + 2;
    maxIdx = argStart + 1;
  }

  let start = 0;
  let end = 0;
  let range: ScoreRange | null = null;
  let lex: LexRange | null = null;
  if (rangetype === 'rank') {
    start = intArg(argv[minIdx]!);
    end = intArg(argv[maxIdx]!);
  } else if (rangetype === 'score') {
    range = parseScoreRange(argv[minIdx]!, argv[maxIdx]!);
  } else {
    lex = parseLexRange(argv[minIdx]!, argv[maxIdx]!);
  }

  const zs = ctx.db.read<RZSet>(key, 'zset');
  const dst = store ? argv[1]! : null;
  if (zs === undefined) {
    return dst === null ? [] : storeResult(ctx, dst, null, 'zrangestore');
  }

  const n = zs.size;
  let sink: RangeSink;
  let out: RangeReply | null = null;
  let store0: StoreSink | null = null;
  if (rangetype === 'rank') {
    if (start < 0) start += n;
    if (end < 0) end += n;
    if (start < 0) start = 0;
    const empty = start > end || start >= n;
    if (!empty && end >= n) end = n - 1;
    const len = empty ? 0 : end - start + 1;
    if (dst !== null) sink = store0 = new StoreSink(zsetLimits(ctx), len);
    else sink = out = new RangeReply(withscores, ctx.session.resp === 3);
    if (!empty) {
      let node = zs.nodeAt(start, reverse);
      for (let i = 0; i < len && node !== null; i++) {
        sink.push(node.ele, node.score);
        node = reverse ? node.backward : node.next;
      }
    }
  } else {
    if (dst !== null) sink = store0 = new StoreSink(zsetLimits(ctx), 0);
    else sink = out = new RangeReply(withscores, ctx.session.resp === 3);
    // An offset past the end answers empty at once (genericZrangebyscoreCommand); a negative
    // offset walks off the list in Redis, which also ends empty.
    if (offset >= 0 && !(offset > 0 && offset >= n)) {
      let cur: ZNode | null;
      if (range !== null) cur = reverse ? zs.lastInRange(range) : zs.firstInRange(range);
      else cur = reverse ? zs.lastInLexRange(lex!) : zs.firstInLexRange(lex!);
      while (cur !== null && offset > 0) {
        cur = reverse ? cur.backward : cur.next;
        offset--;
      }
      while (cur !== null && limit !== 0) {
        if (range !== null) {
          if (reverse ? !valueGteMin(cur.score, range) : !valueLteMax(cur.score, range)) break;
        } else if (reverse ? !lexGteMin(cur.ele, lex!) : !lexLteMax(cur.ele, lex!)) {
          break;
        }
        sink.push(cur.ele, cur.score);
        limit--;
        cur = reverse ? cur.backward : cur.next;
      }
    }
  }
  if (out !== null) return out.out;
  return storeResult(ctx, dst!, store0!.zset, 'zrangestore');
}

// ---------------------------------------------------------------------------------------------
// ZREMRANGEBY*

function zremrange(ctx: Ctx, type: 'rank' | 'score' | 'lex'): Reply {
  const argv = ctx.argv;
  const key = argv[1]!;
  let start = 0;
  let end = 0;
  let range: ScoreRange | null = null;
  let lex: LexRange | null = null;
  if (type === 'rank') {
    start = intArg(argv[2]!);
    end = intArg(argv[3]!);
  } else if (type === 'score') {
    range = parseScoreRange(argv[2]!, argv[3]!);
  } else {
    lex = parseLexRange(argv[2]!, argv[3]!);
  }
  const zs = ctx.db.write<RZSet>(key, 'zset');
  if (zs === undefined) return 0;
  let deleted: number;
  if (type === 'rank') {
    const n = zs.size;
    if (start < 0) start += n;
    if (end < 0) end += n;
    if (start < 0) start = 0;
    if (start > end || start >= n) return 0;
    if (end >= n) end = n - 1;
    deleted = zs.deleteRangeByRank(start, end);
  } else if (type === 'score') {
    deleted = zs.deleteRangeByScore(range!);
  } else {
    deleted = zs.deleteRangeByLex(lex!);
  }
  if (deleted > 0) {
    ctx.notify('z', `zremrangeby${type}`, key);
    afterRemove(ctx, key, zs);
  }
  return deleted;
}

// ---------------------------------------------------------------------------------------------
// ZPOPMIN / ZPOPMAX / ZMPOP

/**
 * genericZpopCommand. count -1 is the single pop without COUNT. `nested` gives [member, score]
 * pairs; emitKey (ZMPOP) wraps them as [key, pairs] and answers a null array when no key exists.
 */
function zpop(ctx: Ctx, keys: readonly string[], max: boolean, count: number, nested: boolean, emitKey: boolean): Reply {
  const db = ctx.db;
  let zs: RZSet | undefined;
  let key = '';
  for (const k of keys) {
    zs = db.write<RZSet>(k, 'zset');
    if (zs !== undefined) {
      key = k;
      break;
    }
  }
  if (zs === undefined) return emitKey ? NULL_ARRAY : [];
  if (count === 0) return [];
  if (count === -1) count = 1;
  const popped = popZSet(ctx, key, zs, max, count);
  const items: Reply[] = [];
  for (const [ele, score] of popped) {
    if (nested) items.push([ele, new Double(score)]);
    else items.push(ele, new Double(score));
  }
  if (emitKey) {
    // ZMPOP replays as the ZPOPMIN/ZPOPMAX that did the work on the key it found.
    ctx.emit([max ? 'ZPOPMAX' : 'ZPOPMIN', key, String(popped.length)]);
    return [key, items];
  }
  return items;
}

/**
 * Pops up to count (>= 1) members from the low (or high, max) end of a non-empty zset stored at
 * key, with the zpopmin/zpopmax (and del) notifications and the key deleted when emptied. The
 * core of ZPOPMIN/ZPOPMAX/ZMPOP, for the blocking variants too; effects are the caller's.
 */
export function popZSet(ctx: Ctx, key: string, zs: RZSet, max: boolean, count: number): [string, number][] {
  const n = count > zs.size ? zs.size : count;
  const out = new Array<[string, number]>(n);
  for (let i = 0; i < n; i++) {
    const node = max ? zs.last()! : zs.first()!;
    out[i] = [node.ele, node.score];
    zs.delete(node.ele);
  }
  ctx.notify('z', max ? 'zpopmax' : 'zpopmin', key);
  afterRemove(ctx, key, zs);
  return out;
}

function zpopMinMax(ctx: Ctx, max: boolean): Reply {
  const argv = ctx.argv;
  if (argv.length > 3) throw SYNTAX;
  let count = -1;
  if (argv.length === 3) {
    count = intArg(argv[2]!, NOT_POSITIVE);
    if (count < 0) throw NOT_POSITIVE;
  }
  return zpop(ctx, [argv[1]!], max, count, ctx.session.resp === 3 && count !== -1, false);
}

const NUMKEYS_POSITIVE = error('ERR numkeys should be greater than 0');
const COUNT_POSITIVE = error('ERR count should be greater than 0');

function zmpop(ctx: Ctx): Reply {
  const argv = ctx.argv;
  const numkeys = intArg(argv[1]!, NUMKEYS_POSITIVE);
  if (numkeys < 1) throw NUMKEYS_POSITIVE;
  const whereIdx = 1 + numkeys + 1;
  if (whereIdx >= argv.length) throw SYNTAX;
  let max: boolean;
  if (is(argv[whereIdx]!, 'min')) max = false;
  else if (is(argv[whereIdx]!, 'max')) max = true;
  else throw SYNTAX;
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    if (count === -1 && is(argv[j]!, 'count') && j < argv.length - 1) {
      j++;
      count = intArg(argv[j]!, COUNT_POSITIVE);
      if (count < 1) throw COUNT_POSITIVE;
    } else {
      throw SYNTAX;
    }
  }
  if (count === -1) count = 1;
  return zpop(ctx, argv.slice(2, 2 + numkeys), max, count, true, true);
}

// ---------------------------------------------------------------------------------------------
// ZRANDMEMBER

/** LONG_MAX / 2, the bound of ZRANDMEMBER's count with WITHSCORES (checked exactly near it). */
const HALF_LONG_MAX = 4611686018427387903n;
const HALF_LONG_MAX_APPROX = 4611686018427387000;
const RANDMEMBER_RANGE = error('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
const OUT_OF_RANGE = error('ERR value is out of range');
/** Above this many elements a reply cannot be built in memory: answer an error, not a crash. */
const MAX_REPLY_ELEMENTS = 1 << 27;

function zrandmember(ctx: Ctx): Reply {
  const argv = ctx.argv;
  const resp3 = ctx.session.resp === 3;
  if (argv.length >= 3) {
    const l = intArg(argv[2]!);
    if (argv[2] === '-9223372036854775808') throw RANDMEMBER_RANGE;
    let withscores = false;
    if (argv.length > 4 || (argv.length === 4 && !is(argv[3]!, 'withscores'))) throw SYNTAX;
    if (argv.length === 4) {
      withscores = true;
      if (Math.abs(l) >= HALF_LONG_MAX_APPROX) {
        const b = BigInt(argv[2]!);
        if (b < -HALF_LONG_MAX || b > HALF_LONG_MAX) throw OUT_OF_RANGE;
      }
    }
    const zs = ctx.db.read<RZSet>(argv[1]!, 'zset');
    if (zs === undefined) return [];
    return randomMembers(zs, l, withscores, resp3);
  }
  const zs = ctx.db.read<RZSet>(argv[1]!, 'zset');
  if (zs === undefined) return null;
  return zs.dict.keyAt(zs.dict.randomIndex())!;
}

function randomMembers(zs: RZSet, l: number, withscores: boolean, resp3: boolean): Reply[] {
  const out: Reply[] = [];
  const push = (ele: string, score: number) => {
    if (!withscores) out.push(ele);
    else if (resp3) out.push([ele, new Double(score)]);
    else out.push(ele, new Double(score));
  };
  if (l === 0) return out;
  const dict = zs.dict;
  const size = zs.size;
  if (l < 0 || l === 1) {
    // CASE 1: with repetitions, in random order.
    const count = l < 0 ? -l : 1;
    if (count > MAX_REPLY_ELEMENTS) throw OUT_OF_RANGE;
    for (let i = 0; i < count; i++) {
      const at = dict.randomIndex();
      push(dict.keyAt(at)!, dict.valAt(at));
    }
    return out;
  }
  const count = l;
  if (count >= size) {
    // CASE 2: the whole set, from the highest score down (zuiNext walks sorted sets backwards).
    for (let n = zs.last(); n !== null; n = n.backward) push(n.ele, n.score);
    return out;
  }
  if (zs.listpack) {
    // CASE 2.5: a listpack samples unique entries walking it in order (lpRandomPairsUnique).
    let need = count;
    let left = size;
    zs.forEach((ele, score) => {
      if (Math.random() * left < need) {
        push(ele, score);
        need--;
      }
      left--;
      return need > 0;
    });
    return out;
  }
  if (count * 3 > size) {
    // CASE 3: most of the set: drop random members from a copy.
    const members = dict.keyList();
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(Math.random() * (members.length - i));
      const t = members[i]!;
      members[i] = members[j]!;
      members[j] = t;
    }
    for (let i = 0; i < count; i++) push(members[i]!, dict.get(members[i]!)!);
    return out;
  }
  // CASE 4: few of many: random picks until enough distinct ones.
  const seen = new Set<string>();
  while (seen.size < count) {
    const at = dict.randomIndex();
    const ele = dict.keyAt(at)!;
    if (seen.has(ele)) continue;
    seen.add(ele);
    push(ele, dict.valAt(at));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// ZUNION / ZINTER / ZDIFF (+STORE), ZINTERCARD

interface OpSource {
  /** The value read for the key (zset or set), or null when missing. */
  subject: Value | null;
  zset: RZSet | null;
  /** A plain set input: its members score 1. */
  set: RSet | null;
  weight: number;
  size: number;
}

function sourceFind(src: OpSource, ele: string): number | undefined {
  if (src.zset !== null) return src.zset.score(ele);
  if (src.set !== null) return src.set.has(ele) ? 1 : undefined;
  return undefined;
}

/** Iterates a source's members with their scores (1 for set members); stop by returning false. */
function sourceEach(src: OpSource, fn: (ele: string, score: number) => boolean | void): void {
  if (src.zset !== null) src.zset.forEach(fn);
  else if (src.set !== null) src.set.forEach((m) => fn(m, 1));
}

type Aggregate = 'sum' | 'min' | 'max';

function aggregate(target: number, val: number, agg: Aggregate): number {
  if (agg === 'sum') {
    const r = target + val;
    // inf + -inf: Redis keeps the convention that the sum is 0.
    return r !== r ? 0 : r;
  }
  if (agg === 'min') return val < target ? val : target;
  return val > target ? val : target;
}

const WEIGHT_NOT_FLOAT = error('ERR weight value is not a float');
const LIMIT_NEGATIVE = error("ERR LIMIT can't be negative");

/** zunionInterDiffGenericCommand. */
function zsetOp(ctx: Ctx, dst: string | null, numkeysIndex: number, op: 'union' | 'inter' | 'diff', cardOnly: boolean): Reply {
  const argv = ctx.argv;
  const db = ctx.db;
  const setnum = intArg(argv[numkeysIndex]!);
  if (setnum < 1) throw error(`ERR at least 1 input key is needed for '${ctx.cmd.fullName}' command`);
  if (setnum > argv.length - (numkeysIndex + 1)) throw SYNTAX;
  const src: OpSource[] = new Array(setnum);
  let j = numkeysIndex + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const v = db.lookupRead(argv[j]!);
    const s: OpSource = { subject: null, zset: null, set: null, weight: 1, size: 0 };
    if (v !== undefined) {
      const t = typeOf(v);
      if (t === 'zset') s.zset = v as RZSet;
      else if (t === 'set') s.set = v as RSet;
      else throw WRONGTYPE;
      s.subject = v;
      s.size = (v as RZSet | RSet).size;
    }
    src[i] = s;
  }
  let agg: Aggregate = 'sum';
  let withscores = false;
  let limit = 0;
  while (j < argv.length) {
    const remaining = argv.length - j;
    const a = argv[j]!;
    if (op !== 'diff' && !cardOnly && remaining >= setnum + 1 && is(a, 'weights')) {
      j++;
      for (let i = 0; i < setnum; i++, j++) src[i]!.weight = doubleArg(argv[j]!, WEIGHT_NOT_FLOAT);
    } else if (op !== 'diff' && !cardOnly && remaining >= 2 && is(a, 'aggregate')) {
      const v = argv[j + 1]!;
      if (is(v, 'sum')) agg = 'sum';
      else if (is(v, 'min')) agg = 'min';
      else if (is(v, 'max')) agg = 'max';
      else throw SYNTAX;
      j += 2;
    } else if (dst === null && !cardOnly && is(a, 'withscores')) {
      withscores = true;
      j++;
    } else if (cardOnly && remaining >= 2 && is(a, 'limit')) {
      limit = intArg(argv[j + 1]!, LIMIT_NEGATIVE);
      if (limit < 0) throw LIMIT_NEGATIVE;
      j += 2;
    } else {
      throw SYNTAX;
    }
  }
  // Smallest first (a stable sort: equal sizes keep the order of the keys).
  if (op !== 'diff') src.sort((a, b) => a.size - b.size);

  let result: RZSet | null = cardOnly ? null : new RZSet(false);
  let maxElementLength = 0;
  let cardinality = 0;
  if (op === 'inter') {
    const first = src[0]!;
    if (first.size > 0) {
      sourceEach(first, (ele, s0) => {
        let score = first.weight * s0;
        if (score !== score) score = 0;
        let k = 1;
        for (; k < setnum; k++) {
          const other = src[k]!;
          if (other.subject === first.subject) {
            score = aggregate(score, s0 * other.weight, agg);
          } else {
            const v = sourceFind(other, ele);
            if (v === undefined) break;
            score = aggregate(score, v * other.weight, agg);
          }
        }
        if (k < setnum) return true;
        if (cardOnly) {
          cardinality++;
          return !(limit > 0 && cardinality >= limit);
        }
        result!.insert(ele, score);
        if (ele.length > maxElementLength) maxElementLength = ele.length;
        return true;
      });
    }
  } else if (op === 'union') {
    const acc = new Map<string, number>();
    for (const s of src) {
      if (s.size === 0) continue;
      sourceEach(s, (ele, v) => {
        let score = s.weight * v;
        if (score !== score) score = 0;
        const cur = acc.get(ele);
        if (cur === undefined) {
          acc.set(ele, score);
          if (ele.length > maxElementLength) maxElementLength = ele.length;
        } else {
          acc.set(ele, aggregate(cur, score, agg));
        }
      });
    }
    for (const [ele, score] of acc) result!.insert(ele, score);
  } else {
    maxElementLength = zdiff(src, result!);
  }

  if (cardOnly) return cardinality;
  if (dst !== null) {
    if (result!.size > 0) result!.convertToListpackIfNeeded(zsetLimits(ctx), maxElementLength);
    return storeResult(ctx, dst, result, op === 'union' ? 'zunionstore' : op === 'inter' ? 'zinterstore' : 'zdiffstore');
  }
  const out = new RangeReply(withscores, ctx.session.resp === 3);
  result!.forEach((ele, score) => out.push(ele, score));
  result = null;
  return out.out;
}

/** zdiff: the members of the first input found in no other, with the first input's scores. */
function zdiff(src: OpSource[], result: RZSet): number {
  const first = src[0]!;
  const setnum = src.length;
  if (first.size === 0) return 0;
  let algo1 = 0;
  let algo2 = 0;
  for (let j = 0; j < setnum; j++) {
    // The first key repeated later subtracts everything.
    if (j > 0 && src[j]!.subject === first.subject) return 0;
    algo1 += first.size;
    algo2 += src[j]!.size;
  }
  // Algorithm 1 (O(N*M)) has better constants: Redis gives it a 2x advantage.
  algo1 /= 2;
  let maxLen = 0;
  if (algo1 <= algo2) {
    // Check each member of the first against the others, largest first to hit sooner.
    const others = src.slice(1).sort((a, b) => b.size - a.size);
    sourceEach(first, (ele, score) => {
      for (const o of others) if (sourceFind(o, ele) !== undefined) return;
      result.insert(ele, score);
      if (ele.length > maxLen) maxLen = ele.length;
    });
    return maxLen;
  }
  // Algorithm 2 (O(L + (N-K)log N)): copy the first, then remove everything the others hold.
  sourceEach(first, (ele, score) => {
    result.insert(ele, score);
  });
  for (let j = 1; j < setnum && result.size > 0; j++) {
    sourceEach(src[j]!, (ele) => {
      result.delete(ele);
      return result.size > 0;
    });
  }
  result.forEach((ele) => {
    if (ele.length > maxLen) maxLen = ele.length;
  });
  return maxLen;
}

// ---------------------------------------------------------------------------------------------
// ZSCAN

function zscan(ctx: Ctx): Reply {
  const argv = ctx.argv;
  // The cursor is checked before the key, the options after it (zscanCommand).
  parseScanArgs(argv.slice(0, 3), 2, false);
  const zs = ctx.db.read<RZSet>(argv[1]!, 'zset');
  if (zs === undefined) return ['0', []];
  const o = parseScanArgs(argv, 2, false);
  const items: Reply[] = [];
  if (zs.listpack) {
    // A listpack is returned whole, in order, with the scores as the listpack holds them.
    const pattern = o.match;
    zs.forEach((ele, score) => {
      if (pattern === null || globMatch(pattern, ele)) items.push(ele, formatDouble(score));
    });
    return ['0', items];
  }
  const cursor = scanDict(zs.dict, o, (ele, score) => {
    items.push(ele, formatG17(score));
  });
  return [String(cursor), items];
}

// ---------------------------------------------------------------------------------------------
// The command table

/** Key indexes of `numkeys key [key ...]` commands, numkeys at numIdx, after `fixed` keys. */
function keynum(numIdx: number, fixed: number[] = []): (argv: readonly string[]) => number[] {
  return (argv) => {
    const out = fixed.slice();
    const n = parseInt64(argv[numIdx] ?? '');
    for (let i = 0; i < n && numIdx + 1 + i < argv.length; i++) out.push(numIdx + 1 + i);
    return out;
  };
}

const ZSET = 'sorted-set';
const READ_FAST = { flags: ['readonly', 'fast'], acl: ['read', 'sortedset', 'fast'] } as const;
const READ_SLOW = { flags: ['readonly'], acl: ['read', 'sortedset', 'slow'] } as const;
const RANGE_COMPLEXITY = 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.';
const RANGEBY_COMPLEXITY =
  'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).';
const REMRANGE_COMPLEXITY =
  'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.';
const INTER_COMPLEXITY =
  'O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.';
const DIFF_COMPLEXITY =
  'O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.';

const specs: CommandSpec[] = [
  {
    name: 'zadd',
    arity: -4,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'sortedset', 'fast'],
    group: ZSET,
    keySpecs: [{ flags: ['RW', 'UPDATE'], index: 1, range: [0, 1, 0] }],
    summary: "Adds one or more members to a sorted set, or updates their scores. Creates the key if it doesn't exist.",
    complexity: 'O(log(N)) for each item added, where N is the number of elements in the sorted set.',
    since: '1.2.0',
    handler: (ctx) => zaddGeneric(ctx, ctx.argv, false),
  },
  {
    name: 'zincrby',
    arity: 4,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'sortedset', 'fast'],
    group: ZSET,
    keySpecs: [{ flags: ['RW', 'ACCESS', 'UPDATE'], index: 1, range: [0, 1, 0] }],
    summary: 'Increments the score of a member in a sorted set.',
    complexity: 'O(log(N)) where N is the number of elements in the sorted set.',
    since: '1.2.0',
    handler: (ctx) => zaddGeneric(ctx, ctx.argv, true),
  },
  {
    name: 'zrem',
    arity: -3,
    flags: ['write', 'fast'],
    acl: ['write', 'sortedset', 'fast'],
    group: ZSET,
    keySpecs: [{ flags: ['RW', 'DELETE'], index: 1, range: [0, 1, 0] }],
    summary: 'Removes one or more members from a sorted set. Deletes the sorted set if all members were removed.',
    complexity: 'O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.',
    since: '1.2.0',
    handler(ctx) {
      const key = ctx.argv[1]!;
      const zs = ctx.db.write<RZSet>(key, 'zset');
      if (zs === undefined) return 0;
      let deleted = 0;
      for (let j = 2; j < ctx.argv.length; j++) {
        if (zs.delete(ctx.argv[j]!)) deleted++;
        if (zs.size === 0) break;
      }
      if (deleted > 0) {
        ctx.notify('z', 'zrem', key);
        afterRemove(ctx, key, zs);
      }
      return deleted;
    },
  },
  {
    name: 'zscore',
    arity: 3,
    ...READ_FAST,
    group: ZSET,
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns the score of a member in a sorted set.',
    complexity: 'O(1)',
    since: '1.2.0',
    handler(ctx) {
      const zs = ctx.db.read<RZSet>(ctx.argv[1]!, 'zset');
      const s = zs?.score(ctx.argv[2]!);
      return s === undefined ? null : new Double(s);
    },
  },
  {
    name: 'zmscore',
    arity: -3,
    ...READ_FAST,
    group: ZSET,
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns the score of one or more members in a sorted set.',
    complexity: 'O(N) where N is the number of members being requested.',
    since: '6.2.0',
    handler(ctx) {
      const zs = ctx.db.read<RZSet>(ctx.argv[1]!, 'zset');
      const out: Reply[] = [];
      for (let j = 2; j < ctx.argv.length; j++) {
        const s = zs?.score(ctx.argv[j]!);
        out.push(s === undefined ? null : new Double(s));
      }
      return out;
    },
  },
  {
    name: 'zcard',
    arity: 2,
    ...READ_FAST,
    group: ZSET,
    keySpecs: [{ flags: ['RO'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns the number of members in a sorted set.',
    complexity: 'O(1)',
    since: '1.2.0',
    handler: (ctx) => ctx.db.read<RZSet>(ctx.argv[1]!, 'zset')?.size ?? 0,
  },
  {
    name: 'zcount',
    arity: 4,
    ...READ_FAST,
    group: ZSET,
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns the count of members in a sorted set that have scores within a range.',
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.',
    since: '2.0.0',
    handler(ctx) {
      const range = parseScoreRange(ctx.argv[2]!, ctx.argv[3]!);
      const zs = ctx.db.read<RZSet>(ctx.argv[1]!, 'zset');
      return zs === undefined ? 0 : zs.countInRange(range);
    },
  },
  {
    name: 'zlexcount',
    arity: 4,
    ...READ_FAST,
    group: ZSET,
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns the number of members in a sorted set within a lexicographical range.',
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.',
    since: '2.8.9',
    handler(ctx) {
      const range = parseLexRange(ctx.argv[2]!, ctx.argv[3]!);
      const zs = ctx.db.read<RZSet>(ctx.argv[1]!, 'zset');
      return zs === undefined ? 0 : zs.countInLexRange(range);
    },
  },
  ...(['zrank', 'zrevrank'] as const).map(
    (name): CommandSpec => ({
      name,
      arity: -3,
      ...READ_FAST,
      group: ZSET,
      keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
      summary:
        name === 'zrank'
          ? 'Returns the index of a member in a sorted set ordered by ascending scores.'
          : 'Returns the index of a member in a sorted set ordered by descending scores.',
      complexity: 'O(log(N))',
      since: '2.0.0',
      handler(ctx) {
        const argv = ctx.argv;
        if (argv.length > 4) throw wrongArity(name);
        let withscore = false;
        if (argv.length > 3) {
          if (is(argv[3]!, 'withscore')) withscore = true;
          else throw SYNTAX;
        }
        const zs = ctx.db.read<RZSet>(argv[1]!, 'zset');
        if (zs === undefined) return withscore ? NULL_ARRAY : null;
        const ele = argv[2]!;
        const rank = zs.rank(ele, name === 'zrevrank');
        if (rank < 0) return withscore ? NULL_ARRAY : null;
        return withscore ? [rank, new Double(zs.score(ele)!)] : rank;
      },
    }),
  ),
  {
    name: 'zrange',
    arity: -4,
    ...READ_SLOW,
    group: ZSET,
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns members in a sorted set within a range of indexes.',
    complexity: RANGE_COMPLEXITY,
    since: '1.2.0',
    handler: (ctx) => zrangeGeneric(ctx, 1, false, 'auto', 'auto'),
  },
  {
    name: 'zrangestore',
    arity: -5,
    flags: ['write', 'denyoom'],
    acl: ['write', 'sortedset', 'slow'],
    group: ZSET,
    keySpecs: [
      { flags: ['OW', 'UPDATE'], index: 1, range: [0, 1, 0] },
      { flags: ['RO', 'ACCESS'], index: 2, range: [0, 1, 0] },
    ],
    summary: 'Stores a range of members from sorted set in a key.',
    complexity:
      'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.',
    since: '6.2.0',
    handler: (ctx) => zrangeGeneric(ctx, 2, true, 'auto', 'auto'),
  },
  {
    name: 'zrevrange',
    arity: -4,
    ...READ_SLOW,
    group: ZSET,
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns members in a sorted set within a range of indexes in reverse order.',
    complexity: RANGE_COMPLEXITY,
    since: '1.2.0',
    handler: (ctx) => zrangeGeneric(ctx, 1, false, 'rank', 'reverse'),
  },
  {
    name: 'zrangebyscore',
    arity: -4,
    ...READ_SLOW,
    group: ZSET,
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns members in a sorted set within a range of scores.',
    complexity: RANGEBY_COMPLEXITY,
    since: '1.0.5',
    handler: (ctx) => zrangeGeneric(ctx, 1, false, 'score', 'forward'),
  },
  {
    name: 'zrevrangebyscore',
    arity: -4,
    ...READ_SLOW,
    group: ZSET,
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns members in a sorted set within a range of scores in reverse order.',
    complexity: RANGEBY_COMPLEXITY,
    since: '2.2.0',
    handler: (ctx) => zrangeGeneric(ctx, 1, false, 'score', 'reverse'),
  },
  {
    name: 'zrangebylex',
    arity: -4,
    ...READ_SLOW,
    group: ZSET,
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns members in a sorted set within a lexicographical range.',
    complexity: RANGEBY_COMPLEXITY,
    since: '2.8.9',
    handler: (ctx) => zrangeGeneric(ctx, 1, false, 'lex', 'forward'),
  },
  {
    name: 'zrevrangebylex',
    arity: -4,
    ...READ_SLOW,
    group: ZSET,
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns members in a sorted set within a lexicographical range in reverse order.',
    complexity: RANGEBY_COMPLEXITY,
    since: '2.8.9',
    handler: (ctx) => zrangeGeneric(ctx, 1, false, 'lex', 'reverse'),
  },
  ...(['zpopmin', 'zpopmax'] as const).map(
    (name): CommandSpec => ({
      name,
      arity: -2,
      flags: ['write', 'fast'],
      acl: ['write', 'sortedset', 'fast'],
      group: ZSET,
      keySpecs: [{ flags: ['RW', 'ACCESS', 'DELETE'], index: 1, range: [0, 1, 0] }],
      summary:
        name === 'zpopmin'
          ? 'Returns the lowest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.'
          : 'Returns the highest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.',
      complexity: 'O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.',
      since: '5.0.0',
      handler: (ctx) => zpopMinMax(ctx, name === 'zpopmax'),
    }),
  ),
  {
    name: 'zmpop',
    arity: -4,
    flags: ['write', 'movablekeys'],
    acl: ['write', 'sortedset', 'slow'],
    group: ZSET,
    keys: keynum(1),
    keySpecs: [{ flags: ['RW', 'ACCESS', 'DELETE'], index: 1, keynum: [0, 1, 1] }],
    summary:
      'Returns the highest- or lowest-scoring members from one or more sorted sets after removing them. Deletes the sorted set if the last member was popped.',
    complexity:
      'O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.',
    since: '7.0.0',
    handler: zmpop,
  },
  {
    name: 'zrandmember',
    arity: -2,
    ...READ_SLOW,
    group: ZSET,
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns one or more random members from a sorted set.',
    complexity: 'O(N) where N is the number of members returned',
    since: '6.2.0',
    handler: zrandmember,
  },
  ...(['rank', 'score', 'lex'] as const).map(
    (type): CommandSpec => ({
      name: `zremrangeby${type}`,
      arity: 4,
      flags: ['write'],
      acl: ['write', 'sortedset', 'slow'],
      group: ZSET,
      keySpecs: [{ flags: ['RW', 'DELETE'], index: 1, range: [0, 1, 0] }],
      summary: `Removes members in a sorted set within a ${type === 'rank' ? 'range of indexes' : type === 'score' ? 'range of scores' : 'lexicographical range'}. Deletes the sorted set if all members were removed.`,
      complexity: REMRANGE_COMPLEXITY,
      since: type === 'rank' ? '2.0.0' : type === 'score' ? '1.2.0' : '2.8.9',
      handler: (ctx) => zremrange(ctx, type),
    }),
  ),
  {
    name: 'zunion',
    arity: -3,
    flags: ['readonly', 'movablekeys'],
    acl: ['read', 'sortedset', 'slow'],
    group: ZSET,
    keys: keynum(1),
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, keynum: [0, 1, 1] }],
    summary: 'Returns the union of multiple sorted sets.',
    complexity:
      'O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.',
    since: '6.2.0',
    handler: (ctx) => zsetOp(ctx, null, 1, 'union', false),
  },
  {
    name: 'zinter',
    arity: -3,
    flags: ['readonly', 'movablekeys'],
    acl: ['read', 'sortedset', 'slow'],
    group: ZSET,
    keys: keynum(1),
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, keynum: [0, 1, 1] }],
    summary: 'Returns the intersect of multiple sorted sets.',
    complexity: INTER_COMPLEXITY,
    since: '6.2.0',
    handler: (ctx) => zsetOp(ctx, null, 1, 'inter', false),
  },
  {
    name: 'zdiff',
    arity: -3,
    flags: ['readonly', 'movablekeys'],
    acl: ['read', 'sortedset', 'slow'],
    group: ZSET,
    keys: keynum(1),
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, keynum: [0, 1, 1] }],
    summary: 'Returns the difference between multiple sorted sets.',
    complexity: DIFF_COMPLEXITY,
    since: '6.2.0',
    handler: (ctx) => zsetOp(ctx, null, 1, 'diff', false),
  },
  {
    name: 'zintercard',
    arity: -3,
    flags: ['readonly', 'movablekeys'],
    acl: ['read', 'sortedset', 'slow'],
    group: ZSET,
    keys: keynum(1),
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, keynum: [0, 1, 1] }],
    summary: 'Returns the number of members of the intersect of multiple sorted sets.',
    complexity: 'O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.',
    since: '7.0.0',
    handler: (ctx) => zsetOp(ctx, null, 1, 'inter', true),
  },
  {
    name: 'zunionstore',
    arity: -4,
    flags: ['write', 'denyoom', 'movablekeys'],
    acl: ['write', 'sortedset', 'slow'],
    group: ZSET,
    keys: keynum(2, [1]),
    keySpecs: [
      { flags: ['OW', 'UPDATE'], index: 1, range: [0, 1, 0] },
      { flags: ['RO', 'ACCESS'], index: 2, keynum: [0, 1, 1] },
    ],
    summary: 'Stores the union of multiple sorted sets in a key.',
    complexity:
      'O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.',
    since: '2.0.0',
    handler: (ctx) => zsetOp(ctx, ctx.argv[1]!, 2, 'union', false),
  },
  {
    name: 'zinterstore',
    arity: -4,
    flags: ['write', 'denyoom', 'movablekeys'],
    acl: ['write', 'sortedset', 'slow'],
    group: ZSET,
    keys: keynum(2, [1]),
    keySpecs: [
      { flags: ['OW', 'UPDATE'], index: 1, range: [0, 1, 0] },
      { flags: ['RO', 'ACCESS'], index: 2, keynum: [0, 1, 1] },
    ],
    summary: 'Stores the intersect of multiple sorted sets in a key.',
    complexity: INTER_COMPLEXITY,
    since: '2.0.0',
    handler: (ctx) => zsetOp(ctx, ctx.argv[1]!, 2, 'inter', false),
  },
  {
    name: 'zdiffstore',
    arity: -4,
    flags: ['write', 'denyoom', 'movablekeys'],
    acl: ['write', 'sortedset', 'slow'],
    group: ZSET,
    keys: keynum(2, [1]),
    keySpecs: [
      { flags: ['OW', 'UPDATE'], index: 1, range: [0, 1, 0] },
      { flags: ['RO', 'ACCESS'], index: 2, keynum: [0, 1, 1] },
    ],
    summary: 'Stores the difference of multiple sorted sets in a key.',
    complexity: DIFF_COMPLEXITY,
    since: '6.2.0',
    handler: (ctx) => zsetOp(ctx, ctx.argv[1]!, 2, 'diff', false),
  },
  {
    name: 'zscan',
    arity: -3,
    ...READ_SLOW,
    group: ZSET,
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Iterates over members and scores of a sorted set.',
    complexity:
      'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.',
    since: '2.8.0',
    handler: zscan,
  },
];

defineCommands(...specs);

