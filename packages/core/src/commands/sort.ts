/**
 * SORT and SORT_RO, following Redis 7.2's sort.c step by step: option parsing, the LIMIT
 * arithmetic, BY nosort keeping a list's or sorted set's own order (and taking only the LIMIT
 * range), BY/GET patterns with `#` and `key->field`, numeric scores parsed like strtod, ties
 * broken by the element bytes, and STORE writing a list.
 */
import { SYNTAX, WRONGTYPE, error } from '../errors.ts';
import type { Keyspace } from '../keyspace/keyspace.ts';
import { typeOf, type Value } from '../keyspace/object.ts';
import type { Reply } from '../reply.ts';
import { RList } from '../types/list.ts';
import type { RZSet } from '../types/zset.ts';
import type { RHash } from '../types/hash.ts';
import { isStringValue, stringValue } from '../types/strbuf.ts';
import type { Ctx } from './context.ts';
import { intArg, is } from './args.ts';
import { defineCommands } from './table.ts';

const SCORE_ERROR = error("ERR One or more scores can't be converted into double");

/**
 * Redis's pqsort (pqsort.c): Bentley and McIlroy's quicksort ("Engineering a Sort Function")
 * that only descends into the partitions overlapping ranks [lrange, rrange]. Redis sorts with it
 * when only part of the result is wanted (SORT BY with LIMIT, GEOSEARCH with COUNT); the order
 * it leaves equal elements in is what clients see, so it is the same algorithm step for step.
 */
export function pqsort<T>(a: T[], cmp: (x: T, y: T) => number, lrange: number, rrange: number): void {
  pqsortPart(a, 0, a.length, cmp, lrange, rrange);
}

function pqsortPart<T>(a: T[], base: number, n: number, cmp: (x: T, y: T) => number, lrange: number, rrange: number): void {
  const swap = (i: number, j: number) => {
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  };
  const med3 = (i: number, j: number, k: number) =>
    cmp(a[i]!, a[j]!) < 0
      ? cmp(a[j]!, a[k]!) < 0 ? j : cmp(a[i]!, a[k]!) < 0 ? k : i
      : cmp(a[j]!, a[k]!) > 0 ? j : cmp(a[i]!, a[k]!) < 0 ? i : k;
  for (;;) {
    if (n < 7) {
      for (let pm = base + 1; pm < base + n; pm++) {
        for (let pl = pm; pl > base && cmp(a[pl - 1]!, a[pl]!) > 0; pl--) swap(pl, pl - 1);
      }
      return;
    }
    let pm = base + (n >>> 1);
    if (n > 7) {
      let pl = base;
      let pn = base + n - 1;
      if (n > 40) {
        const d = n >>> 3;
        pl = med3(pl, pl + d, pl + 2 * d);
        pm = med3(pm - d, pm, pm + d);
        pn = med3(pn - 2 * d, pn - d, pn);
      }
      pm = med3(pl, pm, pn);
    }
    swap(base, pm);
    let pa = base + 1;
    let pb = pa;
    let pc = base + n - 1;
    let pd = pc;
    for (;;) {
      let c = 0;
      while (pb <= pc && (c = cmp(a[pb]!, a[base]!)) <= 0) {
        if (c === 0) swap(pa++, pb);
        pb++;
      }
      while (pb <= pc && (c = cmp(a[pc]!, a[base]!)) >= 0) {
        if (c === 0) swap(pc, pd--);
        pc--;
      }
      if (pb > pc) break;
      swap(pb++, pc--);
    }
    const pn = base + n;
    let r = Math.min(pa - base, pb - pa);
    for (let i = 0; i < r; i++) swap(base + i, pb - r + i);
    r = Math.min(pd - pc, pn - pd - 1);
    for (let i = 0; i < r; i++) swap(pb + i, pn - r + i);
    r = pb - pa;
    if (r > 1 && !(rrange < base || lrange >= base + r)) pqsortPart(a, base, r, cmp, lrange, rrange);
    r = pd - pc;
    if (r <= 1) return;
    base = pn - r;
    n = r;
    if (rrange < base || lrange >= base + n) return;
  }
}

interface SortItem {
  obj: string;
  score: number;
  /** ALPHA with BY: the value sorted by, null when the BY key is missing. */
  cmp: string | null;
}

/**
 * sort.c lookupKeyByPattern: `#` is the element itself; otherwise the first `*` is replaced by
 * the element and the key read as a string, or with `->field` as a hash field. Without a `*`
 * there is nothing to look up.
 */
function lookupByPattern(db: Keyspace, pattern: string, subst: string): string | null {
  if (pattern === '#') return subst;
  const p = pattern.indexOf('*');
  if (p < 0) return null;
  const f = pattern.indexOf('->', p + 1);
  let field: string | null = null;
  let keyEnd = pattern.length;
  if (f >= 0 && f + 2 < pattern.length) {
    field = pattern.slice(f + 2);
    keyEnd = f;
  }
  const key = pattern.slice(0, p) + subst + pattern.slice(p + 1, keyEnd);
  const o = db.lookupRead(key);
  if (o === undefined) return null;
  if (field !== null) {
    if (typeOf(o) !== 'hash') return null;
    return (o as RHash).get(field) ?? null;
  }
  return isStringValue(o) ? stringValue(o) : null;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const SPECIAL = /^([+-]?)(inf|infinity|nan(?:\([0-9A-Za-z_]*\))?)$/i;
const DBL_MIN = 2.2250738585072014e-308;

/**
 * The score of an element as sort.c gets it: strtod must consume the whole C string (so it stops
 * at a NUL byte; leading whitespace is skipped, an empty string is 0), and NaN or a result out of
 * range (ERANGE: overflow, or underflow to a subnormal or zero) is an error. NaN when invalid.
 */
export function sortScore(s: string): number {
  const nul = s.indexOf('\0');
  if (nul >= 0) s = s.slice(0, nul);
  if (s.length === 0) return 0;
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c !== 32 && (c < 9 || c > 13)) break;
    i++;
  }
  if (i > 0) s = s.slice(i);
  if (DECIMAL.test(s)) {
    const v = Number(s);
    if (v === Infinity || v === -Infinity) return NaN;
    if (Math.abs(v) < DBL_MIN && /[1-9]/.test(s.replace(/[eE].*$/, ''))) return NaN;
    return v;
  }
  const hex = HEX.exec(s);
  if (hex !== null) {
    const [, sign, int = '', frac = '', exp] = hex;
    if (int.length + frac.length === 0) return NaN;
    let v = 0;
    for (const ch of int + frac) v = v * 16 + parseInt(ch, 16);
    v *= Math.pow(2, (exp === undefined ? 0 : Number(exp)) - 4 * frac.length);
    if (v === Infinity) return NaN;
    return sign === '-' ? -v : v;
  }
  const sp = SPECIAL.exec(s);
  if (sp !== null && sp[2]![0]!.toLowerCase() === 'i') return sp[1] === '-' ? -Infinity : Infinity;
  return NaN;
}

function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** sortGetKeys: the sorted key, and the last STORE destination (options' arguments are skipped). */
function sortKeys(argv: readonly string[]): number[] {
  const keys = [1];
  let store = -1;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!;
    if (is(a, 'limit')) i += 2;
    else if (is(a, 'get') || is(a, 'by')) i += 1;
    else if (is(a, 'store') && i + 1 < argv.length) store = i + 1;
  }
  if (store >= 0) keys.push(store);
  return keys;
}

/** The elements of the value being sorted, in its own order (list order, set iteration, zset rank). */
function elements(v: Value): string[] {
  switch (typeOf(v)) {
    case 'list':
      return (v as RList).toArray();
    case 'set':
      return (v as unknown as { members(): string[] }).members();
    default: {
      const pairs = (v as RZSet).toArray();
      const out = new Array<string>(pairs.length);
      for (let i = 0; i < pairs.length; i++) out[i] = pairs[i]![0];
      return out;
    }
  }
}

function sortGeneric(ctx: Ctx, readonly: boolean): Reply {
  const { argv, db } = ctx;
  const argc = argv.length;
  let desc = false;
  let alpha = false;
  let dontsort = false;
  let limitStart = 0;
  let limitCount = -1;
  let sortby: string | null = null;
  let storekey: string | null = null;
  const gets: string[] = [];
  for (let j = 2; j < argc; j++) {
    const a = argv[j]!;
    const left = argc - j - 1;
    if (is(a, 'asc')) desc = false;
    else if (is(a, 'desc')) desc = true;
    else if (is(a, 'alpha')) alpha = true;
    else if (is(a, 'limit') && left >= 2) {
      limitStart = intArg(argv[j + 1]!);
      limitCount = intArg(argv[j + 2]!);
      j += 2;
    } else if (!readonly && is(a, 'store') && left >= 1) {
      storekey = argv[++j]!;
    } else if (is(a, 'by') && left >= 1) {
      sortby = argv[++j]!;
      // A BY without '*' names no keys: nothing to sort by (a later BY does not undo this).
      if (sortby.indexOf('*') < 0) dontsort = true;
    } else if (is(a, 'get') && left >= 1) {
      gets.push(argv[++j]!);
    } else throw SYNTAX;
  }

  // Effects are decided below: only a STORE that changed something replicates.
  ctx.suppressEffects();
  const sortval = db.lookupRead(argv[1]!);
  const type = sortval === undefined ? 'list' : typeOf(sortval);
  if (type !== 'list' && type !== 'set' && type !== 'zset') throw WRONGTYPE;

  // A set has no order of its own: a stored result must not depend on iteration order.
  if (dontsort && type === 'set' && storekey !== null) {
    dontsort = false;
    alpha = true;
    sortby = null;
  }
  // Redis 7.2 converts a listpack sorted set to a skiplist for SORT, for good.
  if (type === 'zset') (sortval as RZSet).listpack = false;

  const all = sortval === undefined ? [] : elements(sortval);
  const n = all.length;
  let start = Math.min(Math.max(limitStart, 0), n);
  const count = Math.min(Math.max(limitCount, -1), n);
  let end = count < 0 ? n - 1 : start + count - 1;
  if (start >= n) {
    start = n - 1;
    end = n - 2;
  }
  if (end >= n) end = n - 1;

  let vector: SortItem[];
  if (dontsort && type !== 'set') {
    // The value's own order (reversed by DESC), only the LIMIT range.
    const len = end >= start ? end - start + 1 : 0;
    vector = new Array<SortItem>(len);
    for (let j = 0; j < len; j++) {
      vector[j] = { obj: all[desc ? n - start - 1 - j : start + j]!, score: 0, cmp: null };
    }
    if (len > 0) {
      end -= start;
      start = 0;
    }
  } else {
    vector = new Array<SortItem>(n);
    for (let j = 0; j < n; j++) vector[j] = { obj: all[j]!, score: 0, cmp: null };
  }

  let conversionError = false;
  /** ALPHA BY ties between two missing keys: their order is the set's iteration order. */
  let unordered = false;
  if (!dontsort) {
    for (const item of vector) {
      let byval: string | null;
      if (sortby !== null) {
        byval = lookupByPattern(db, sortby, item.obj);
        if (byval === null) continue;
      } else byval = item.obj;
      if (alpha) {
        if (sortby !== null) item.cmp = byval;
      } else {
        const score = sortScore(byval);
        if (score !== score) conversionError = true;
        else item.score = score;
      }
    }
    if (!conversionError) {
      const sign = desc ? -1 : 1;
      let cmp: (a: SortItem, b: SortItem) => number;
      if (!alpha) {
        cmp = (a, b) => sign * (a.score > b.score ? 1 : a.score < b.score ? -1 : compareBytes(a.obj, b.obj));
      } else if (sortby !== null) {
        cmp = (a, b) => {
          if (a.cmp === null || b.cmp === null) {
            if (a.cmp === b.cmp) {
              unordered = true;
              return 0;
            }
            return sign * (a.cmp === null ? -1 : 1);
          }
          return sign * compareBytes(a.cmp, b.cmp);
        };
      } else {
        cmp = (a, b) => sign * compareBytes(a.obj, b.obj);
      }
      // A partial range is sorted as Redis does (pqsort); a whole one with glibc's qsort, a
      // merge sort: stable, as Array.prototype.sort.
      if (sortby !== null && (start !== 0 || end !== vector.length - 1)) pqsort(vector, cmp, start, end);
      else vector.sort(cmp);
    }
  }

  const rows = end - start + 1;
  const outputlen = gets.length > 0 ? gets.length * rows : rows;
  if (conversionError) throw SCORE_ERROR;

  if (storekey === null) {
    const out: Reply[] = new Array(outputlen);
    let k = 0;
    for (let j = start; j <= end; j++) {
      const obj = vector[j]!.obj;
      if (gets.length === 0) out[k++] = obj;
      for (const g of gets) out[k++] = lookupByPattern(db, g, obj);
    }
    return out;
  }

  const items = new Array<string>(outputlen);
  let k = 0;
  for (let j = start; j <= end; j++) {
    const obj = vector[j]!.obj;
    if (gets.length === 0) items[k++] = obj;
    for (const g of gets) items[k++] = lookupByPattern(db, g, obj) ?? '';
  }
  if (outputlen > 0) {
    db.set(storekey, RList.from(items, ctx.shard.config['list-max-listpack-size']));
    ctx.notify('l', 'sortstore', storekey);
    if (unordered && type === 'set') {
      // Replaying SORT could order the tied elements differently: replicate the result itself.
      ctx.emit(['DEL', storekey]);
      ctx.emit(['RPUSH', storekey, ...items]);
    } else ctx.emit(argv);
  } else if (db.delete(storekey)) {
    ctx.notify('g', 'del', storekey);
    ctx.emit(argv);
  }
  return outputlen;
}

const sortAcl = ['set', 'sortedset', 'list', 'slow', 'dangerous'] as const;

defineCommands(
  {
    name: 'sort',
    arity: -2,
    flags: ['write', 'denyoom', 'movablekeys'],
    acl: ['write', ...sortAcl],
    group: 'generic',
    keys: sortKeys,
    keySpecs: [
      { flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] },
      { notes: 'For the optional BY/GET keyword. It is marked \'unknown\' because the key names derive from the content of the key we sort', flags: ['RO', 'ACCESS'] },
      { notes: 'For the optional STORE keyword. It is marked \'unknown\' because the keyword can appear anywhere in the argument array', flags: ['OW', 'UPDATE'] },
    ],
    summary:
      'Sorts the elements in a list, a set, or a sorted set, optionally storing the result.',
    complexity:
      'O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).',
    since: '1.0.0',
    handler: (ctx) => sortGeneric(ctx, false),
  },
  {
    name: 'sort_ro',
    arity: -2,
    flags: ['readonly', 'movablekeys'],
    acl: ['read', ...sortAcl],
    group: 'generic',
    keySpecs: [
      { flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] },
      { notes: 'For the optional BY/GET keyword. It is marked \'unknown\' because the key names derive from the content of the key we sort', flags: ['RO', 'ACCESS'] },
    ],
    summary: 'Returns the sorted elements of a list, a set, or a sorted set.',
    complexity:
      'O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).',
    since: '7.0.0',
    handler: (ctx) => sortGeneric(ctx, true),
  },
);
