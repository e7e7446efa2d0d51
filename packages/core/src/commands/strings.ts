/**
 * The strings family (t_string.c): GET/SET and their variants, counters, ranges, LCS.
 *
 * A string value is a binary string, or a StrBuf once it has been mutated in place (APPEND,
 * SETRANGE, and the bit commands in bits.ts), see types/strbuf.ts.
 */
import {
  addLongDouble,
  formatLongDouble,
  isFiniteLongDouble,
  intText,
  isInt64Text,
  parseInt64Exact,
  parseLongDouble,
  type LongDouble,
} from '../bytes.ts';
import { NOT_FLOAT, NOT_INTEGER, OVERFLOW, SYNTAX, error, invalidExpire, wrongArity } from '../errors.ts';
import { MapReply, OK, type Reply } from '../reply.ts';
import { StrBuf, isStringValue, stringLength, stringSlice, stringValue, type StringValue } from '../types/strbuf.ts';
import { intArg, is } from './args.ts';
import type { Ctx } from './context.ts';
import { defineCommands, type CommandSpec } from './table.ts';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** The string at key for reading (WRONGTYPE otherwise), or undefined. */
export function readString(ctx: Ctx, key: string): StringValue | undefined {
  return ctx.db.read<StringValue>(key, 'string');
}

/** ERR string exceeds maximum allowed size, when size + append passes proto-max-bulk-len. */
export function checkStringLength(ctx: Ctx, size: number, append: number): void {
  if (size + append > ctx.shard.config['proto-max-bulk-len']) {
    throw error('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
  }
}

/**
 * The StrBuf at key to mutate in place: a plain string value is copied into a new StrBuf that
 * replaces it (keeping its TTL), with room for `extra` more bytes. Redis's dbUnshareStringValue.
 */
export function unshareString(ctx: Ctx, key: string, v: StringValue, extra = 0): StrBuf {
  if (typeof v !== 'string') {
    v.embstr = false;
    return v;
  }
  const sb = StrBuf.from(v, extra);
  // Replaced without signalling: the caller signals once it has actually changed the bytes.
  ctx.db.replaceValue(key, sb);
  return sb;
}

// ---------------------------------------------------------------------------------------------
// SET and its options (parseExtendedStringArgumentsOrReply)

const NX = 1;
const XX = 2;
const EX = 4;
const PX = 8;
const KEEPTTL = 16;
const GET = 32;
const EXAT = 64;
const PXAT = 128;
const PERSIST = 256;
const ANY_EXPIRE = EX | PX | EXAT | PXAT;

interface ExtendedArgs {
  flags: number;
  /** The expire argument of EX/PX/EXAT/PXAT. */
  expire: string | undefined;
}

/** SET (isSet) or GETEX options, with Redis's rules on which combinations are a syntax error. */
function parseExtended(argv: string[], isSet: boolean): ExtendedArgs {
  let flags = 0;
  let expire: string | undefined;
  const argc = argv.length;
  for (let j = isSet ? 3 : 2; j < argc; j++) {
    const opt = argv[j]!.toLowerCase();
    const hasNext = j < argc - 1;
    if (opt === 'nx' && isSet && !(flags & XX)) flags |= NX;
    else if (opt === 'xx' && isSet && !(flags & NX)) flags |= XX;
    else if (opt === 'get' && isSet) flags |= GET;
    else if (opt === 'keepttl' && isSet && !(flags & (PERSIST | ANY_EXPIRE))) flags |= KEEPTTL;
    else if (opt === 'persist' && !isSet && !(flags & (ANY_EXPIRE | KEEPTTL))) flags |= PERSIST;
    else if (opt === 'ex' && hasNext && !(flags & (KEEPTTL | PERSIST | EXAT | PX | PXAT))) {
      flags |= EX;
      expire = argv[++j];
    } else if (opt === 'px' && hasNext && !(flags & (KEEPTTL | PERSIST | EX | EXAT | PXAT))) {
      flags |= PX;
      expire = argv[++j];
    } else if (opt === 'exat' && hasNext && !(flags & (KEEPTTL | PERSIST | EX | PX | PXAT))) {
      flags |= EXAT;
      expire = argv[++j];
    } else if (opt === 'pxat' && hasNext && !(flags & (KEEPTTL | PERSIST | EX | EXAT | PX))) {
      flags |= PXAT;
      expire = argv[++j];
    } else {
      throw SYNTAX;
    }
  }
  return { flags, expire };
}

/**
 * The absolute expire time (unix ms) for an EX/PX/EXAT/PXAT argument (getExpireMillisecondsOrReply):
 * a number when exact, a bigint beyond 2^53.
 */
function expireAt(ctx: Ctx, arg: string, flags: number): number | bigint {
  const v = parseInt64Exact(arg);
  if (v === null) throw NOT_INTEGER;
  const seconds = (flags & (EX | EXAT)) !== 0;
  const relative = (flags & (EX | PX)) !== 0;
  if (typeof v === 'number') {
    if (v <= 0) throw invalidExpire(ctx.cmd.fullName);
    const ms = (seconds ? v * 1000 : v) + (relative ? ctx.now : 0);
    if (Number.isSafeInteger(ms)) return ms;
  }
  let ms = BigInt(v);
  if (ms <= 0n || (seconds && ms > INT64_MAX / 1000n)) throw invalidExpire(ctx.cmd.fullName);
  if (seconds) ms *= 1000n;
  if (relative) ms += BigInt(ctx.now);
  // Redis adds in int64 and rejects a result that wrapped around.
  if (ms > INT64_MAX) throw invalidExpire(ctx.cmd.fullName);
  return ms;
}

/** setGenericCommand: SET, SETNX, SETEX, PSETEX. */
function setGeneric(
  ctx: Ctx,
  flags: number,
  key: string,
  val: string,
  expireArg: string | undefined,
  okReply: Reply,
  abortReply: Reply,
): Reply {
  const db = ctx.db;
  const at = expireArg === undefined ? undefined : expireAt(ctx, expireArg, flags);
  let old: Reply = null;
  if (flags & GET) {
    const o = readString(ctx, key);
    old = o === undefined ? null : stringValue(o);
  }
  const found = db.lookupWrite(key) !== undefined;
  if ((flags & NX && found) || (flags & XX && !found)) return flags & GET ? old : abortReply;

  db.set(key, val, (flags & KEEPTTL) !== 0 || at !== undefined);
  ctx.notify('$', 'set', key);
  if (at !== undefined) {
    db.setExpire(key, Number(at));
    if (!(flags & PXAT)) ctx.emit(['SET', key, val, 'PXAT', String(at)]);
    ctx.notify('g', 'expire', key);
  }
  if (flags & GET && (at === undefined || flags & PXAT)) {
    // GET changes nothing on replay: propagate without it (it may appear several times).
    const argv = ctx.argv;
    const out: string[] = [];
    for (let j = 0; j < argv.length; j++) if (j < 3 || !is(argv[j]!, 'get')) out.push(argv[j]!);
    ctx.emit(out);
  }
  return flags & GET ? old : okReply;
}

// ---------------------------------------------------------------------------------------------
// Counters

const ZERO: LongDouble = { neg: false, m: 0n, e: 0 };

/** The int64 held by a string value (missing: 0), or ERR value is not an integer. */
function intValue(v: StringValue | undefined): number | bigint {
  if (v === undefined) return 0;
  const s = typeof v === 'string' ? v : v.len <= 20 ? v.toString() : '';
  const n = parseInt64Exact(s);
  if (n === null) throw NOT_INTEGER;
  return n;
}

/** incrDecrCommand: exact int64 arithmetic, BigInt only beyond 2^53. */
function incrDecr(ctx: Ctx, incr: number | bigint): Reply {
  const key = ctx.argv[1]!;
  const db = ctx.db;
  const o = db.write<StringValue>(key, 'string');
  const value = intValue(o);
  let result: number | bigint;
  if (typeof value === 'number' && typeof incr === 'number' && Number.isSafeInteger(value + incr)) {
    result = value + incr;
  } else {
    const r = BigInt(value) + BigInt(incr);
    if (r > INT64_MAX || r < INT64_MIN) throw OVERFLOW;
    result = r >= -9007199254740991n && r <= 9007199254740991n ? Number(r) : r;
  }
  const text = typeof result === 'number' ? intText(result) : result.toString();
  if (o === undefined) db.add(key, text);
  else db.set(key, text, true);
  ctx.notify('$', 'incrby', key);
  return result;
}

function int64Arg(s: string): number | bigint {
  const v = parseInt64Exact(s);
  if (v === null) throw NOT_INTEGER;
  return v;
}

/**
 * Redis stores INCRBYFLOAT's result with createStringObject, never int-encoded: an integral
 * result is kept as a StrBuf that answers OBJECT ENCODING 'embstr' (a plain string would say
 * 'int'). Any other text already reads as embstr/raw in its plain form.
 */
function embstr(text: string): StrBuf {
  const sb = StrBuf.from(text);
  sb.embstr = true;
  return sb;
}

// ---------------------------------------------------------------------------------------------
// GETRANGE

function getrange(ctx: Ctx): Reply {
  let start = intArg(ctx.argv[2]!);
  let end = intArg(ctx.argv[3]!);
  const o = readString(ctx, ctx.argv[1]!);
  if (o === undefined) return '';
  const len = stringLength(o);
  if (start < 0 && end < 0 && start > end) return '';
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) return '';
  return stringSlice(o, start, end + 1);
}

// ---------------------------------------------------------------------------------------------
// LCS

function lcs(ctx: Ctx): Reply {
  const argv = ctx.argv;
  const db = ctx.db;
  const oa = db.lookupRead(argv[1]!);
  const ob = db.lookupRead(argv[2]!);
  if ((oa !== undefined && !isStringValue(oa)) || (ob !== undefined && !isStringValue(ob))) {
    throw error('ERR The specified keys must contain string values');
  }
  const a = oa === undefined ? '' : stringValue(oa as StringValue);
  const b = ob === undefined ? '' : stringValue(ob as StringValue);
  let getlen = false;
  let getidx = false;
  let withmatchlen = false;
  let minmatchlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!.toLowerCase();
    const moreargs = argv.length - 1 - j;
    if (opt === 'idx') getidx = true;
    else if (opt === 'len') getlen = true;
    else if (opt === 'withmatchlen') withmatchlen = true;
    else if (opt === 'minmatchlen' && moreargs > 0) {
      minmatchlen = intArg(argv[++j]!);
      if (minmatchlen < 0) minmatchlen = 0;
    } else throw SYNTAX;
  }
  if (getlen && getidx) throw error('ERR If you want both the length and indexes, please just use IDX.');
  const alen = a.length;
  const blen = b.length;
  if (alen >= 0xfffffffe || blen >= 0xfffffffe) throw error('ERR String too long for LCS');
  const cells = (alen + 1) * (blen + 1);
  if (cells * 4 > ctx.shard.config['proto-max-bulk-len']) {
    throw error('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
  }
  let table: Uint32Array;
  try {
    table = new Uint32Array(cells);
  } catch {
    throw error('ERR Insufficient memory, failed allocating transient memory for LCS');
  }
  // table[j + (blen+1)*i] = LCS length of a[0..i) and b[0..j).
  const w = blen + 1;
  for (let i = 1; i <= alen; i++) {
    const ca = a.charCodeAt(i - 1);
    const row = i * w;
    const prev = row - w;
    for (let j = 1; j <= blen; j++) {
      if (ca === b.charCodeAt(j - 1)) table[row + j] = table[prev + j - 1]! + 1;
      else {
        const up = table[prev + j]!;
        const left = table[row + j - 1]!;
        table[row + j] = up > left ? up : left;
      }
    }
  }
  const total = table[alen * w + blen]!;
  if (getlen && !getidx) return total;

  // Walk back from the end, building the LCS string and the matching ranges (newest first).
  const result = new Array<string>(total);
  const matches: Reply[] = [];
  let idx = total;
  let i = alen;
  let j = blen;
  let aStart = alen; // alen: no range open
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      if (!getidx) result[idx - 1] = a[i - 1]!;
      if (aStart === alen) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      if (table[(i - 1) * w + j]! > table[i * w + j - 1]!) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    if (emit) {
      const matchLen = aEnd - aStart + 1;
      if (getidx && (minmatchlen === 0 || matchLen >= minmatchlen)) {
        const m: Reply[] = [
          [aStart, aEnd],
          [bStart, bEnd],
        ];
        if (withmatchlen) m.push(matchLen);
        matches.push(m);
      }
      aStart = alen;
    }
  }
  if (getidx) return new MapReply(['matches', matches, 'len', total]);
  return result.join('');
}

// ---------------------------------------------------------------------------------------------

const str = (spec: Omit<CommandSpec, 'group'>): CommandSpec => ({ group: 'string', ...spec });

defineCommands(
  str({
    name: 'get',
    arity: 2,
    flags: ['readonly', 'fast'],
    acl: ['read', 'string', 'fast'],
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns the string value of a key.',
    complexity: 'O(1)',
    since: '1.0.0',
    handler(ctx) {
      const o = readString(ctx, ctx.argv[1]!);
      return o === undefined ? null : typeof o === 'string' ? o : o.toString();
    },
  }),
  str({
    name: 'set',
    arity: -3,
    flags: ['write', 'denyoom'],
    acl: ['write', 'string', 'slow'],
    keySpecs: [
      { notes: 'RW and ACCESS due to the optional `GET` argument', flags: ['RW', 'ACCESS', 'UPDATE', 'VARIABLE_FLAGS'], index: 1, range: [0, 1, 0] },
    ],
    summary:
      'Sets the string value of a key, ignoring its type. The key is created if it doesn\'t exist.',
    complexity: 'O(1)',
    since: '1.0.0',
    handler(ctx) {
      const argv = ctx.argv;
      if (argv.length === 3) {
        // The common case, without options. setKey looks the key up first, which expires it
        // (a DEL effect and an 'expired' event) before the new value replaces it.
        const db = ctx.db;
        if (db.expires.size > 0) db.expireIfNeeded(argv[1]!);
        db.set(argv[1]!, argv[2]!);
        ctx.notify('$', 'set', argv[1]!);
        return OK;
      }
      const { flags, expire } = parseExtended(argv, true);
      return setGeneric(ctx, flags, argv[1]!, argv[2]!, expire, OK, null);
    },
  }),
  str({
    name: 'setnx',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'string', 'fast'],
    keySpecs: [{ flags: ['OW', 'INSERT'], index: 1, range: [0, 1, 0] }],
    summary: 'Set the string value of a key only when the key doesn\'t exist.',
    complexity: 'O(1)',
    since: '1.0.0',
    handler(ctx) {
      return setGeneric(ctx, NX, ctx.argv[1]!, ctx.argv[2]!, undefined, 1, 0);
    },
  }),
  str({
    name: 'setex',
    arity: 4,
    flags: ['write', 'denyoom'],
    acl: ['write', 'string', 'slow'],
    keySpecs: [{ flags: ['OW', 'UPDATE'], index: 1, range: [0, 1, 0] }],
    summary:
      'Sets the string value and expiration time of a key. Creates the key if it doesn\'t exist.',
    complexity: 'O(1)',
    since: '2.0.0',
    handler(ctx) {
      return setGeneric(ctx, EX, ctx.argv[1]!, ctx.argv[3]!, ctx.argv[2]!, OK, null);
    },
  }),
  str({
    name: 'psetex',
    arity: 4,
    flags: ['write', 'denyoom'],
    acl: ['write', 'string', 'slow'],
    keySpecs: [{ flags: ['OW', 'UPDATE'], index: 1, range: [0, 1, 0] }],
    summary:
      'Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn\'t exist.',
    complexity: 'O(1)',
    since: '2.6.0',
    handler(ctx) {
      return setGeneric(ctx, PX, ctx.argv[1]!, ctx.argv[3]!, ctx.argv[2]!, OK, null);
    },
  }),
  str({
    name: 'getset',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'string', 'fast'],
    keySpecs: [{ flags: ['RW', 'ACCESS', 'UPDATE'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns the previous string value of a key after setting it to a new value.',
    complexity: 'O(1)',
    since: '1.0.0',
    handler(ctx) {
      const [, key, val] = ctx.argv as [string, string, string];
      const o = readString(ctx, key);
      ctx.db.set(key, val);
      ctx.notify('$', 'set', key);
      ctx.emit(['SET', key, val]);
      return o === undefined ? null : stringValue(o);
    },
  }),
  str({
    name: 'getdel',
    arity: 2,
    flags: ['write', 'fast'],
    acl: ['write', 'string', 'fast'],
    keySpecs: [{ flags: ['RW', 'ACCESS', 'DELETE'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns the string value of a key after deleting the key.',
    complexity: 'O(1)',
    since: '6.2.0',
    handler(ctx) {
      const key = ctx.argv[1]!;
      const o = readString(ctx, key);
      if (o === undefined) return null;
      const v = stringValue(o);
      ctx.db.delete(key);
      ctx.emit(['DEL', key]);
      ctx.notify('g', 'del', key);
      return v;
    },
  }),
  str({
    name: 'getex',
    arity: -2,
    flags: ['write', 'fast'],
    acl: ['write', 'string', 'fast'],
    keySpecs: [
      { notes: 'RW and UPDATE because it changes the TTL', flags: ['RW', 'ACCESS', 'UPDATE'], index: 1, range: [0, 1, 0] },
    ],
    summary: 'Returns the string value of a key after setting its expiration time.',
    complexity: 'O(1)',
    since: '6.2.0',
    handler(ctx) {
      const { flags, expire } = parseExtended(ctx.argv, false);
      const key = ctx.argv[1]!;
      const db = ctx.db;
      const o = readString(ctx, key);
      if (o === undefined) return null;
      const at = expire === undefined ? undefined : expireAt(ctx, expire, flags);
      const v = stringValue(o);
      if (at !== undefined && flags & (EXAT | PXAT) && at <= ctx.now && ctx.shard.expireEnabled) {
        // An absolute time already past deletes the key (checkAlreadyExpired).
        db.delete(key);
        ctx.emit(['DEL', key]);
        ctx.notify('g', 'del', key);
      } else if (at !== undefined) {
        db.setExpire(key, Number(at));
        ctx.emit(['PEXPIREAT', key, String(at)]);
        ctx.notify('g', 'expire', key);
      } else if (flags & PERSIST) {
        if (db.removeExpire(key)) {
          db.signal(key);
          ctx.emit(['PERSIST', key]);
          ctx.notify('g', 'persist', key);
        }
      }
      return v;
    },
  }),
  str({
    name: 'mget',
    arity: -2,
    flags: ['readonly', 'fast'],
    acl: ['read', 'string', 'fast'],
    tips: ['request_policy:multi_shard'],
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [-1, 1, 0] }],
    summary: 'Atomically returns the string values of one or more keys.',
    complexity: 'O(N) where N is the number of keys to retrieve.',
    since: '1.0.0',
    handler(ctx) {
      const argv = ctx.argv;
      const out: Reply[] = new Array(argv.length - 1);
      for (let j = 1; j < argv.length; j++) {
        const o = ctx.db.lookupRead(argv[j]!);
        out[j - 1] = o === undefined ? null : typeof o === 'string' ? o : o.type === 'string' ? o.toString() : null;
      }
      return out;
    },
  }),
  str({
    name: 'mset',
    arity: -3,
    flags: ['write', 'denyoom'],
    acl: ['write', 'string', 'slow'],
    tips: ['request_policy:multi_shard', 'response_policy:all_succeeded'],
    keySpecs: [{ flags: ['OW', 'UPDATE'], index: 1, range: [-1, 2, 0] }],
    summary: 'Atomically creates or modifies the string values of one or more keys.',
    complexity: 'O(N) where N is the number of keys to set.',
    since: '1.0.1',
    handler(ctx) {
      const argv = ctx.argv;
      if (argv.length % 2 === 0) throw wrongArity('mset');
      const db = ctx.db;
      for (let j = 1; j < argv.length; j += 2) {
        if (db.expires.size > 0) db.expireIfNeeded(argv[j]!);
        db.set(argv[j]!, argv[j + 1]!);
        ctx.notify('$', 'set', argv[j]!);
      }
      return OK;
    },
  }),
  str({
    name: 'msetnx',
    arity: -3,
    flags: ['write', 'denyoom'],
    acl: ['write', 'string', 'slow'],
    keySpecs: [{ flags: ['OW', 'INSERT'], index: 1, range: [-1, 2, 0] }],
    summary:
      'Atomically modifies the string values of one or more keys only when all keys don\'t exist.',
    complexity: 'O(N) where N is the number of keys to set.',
    since: '1.0.1',
    handler(ctx) {
      const argv = ctx.argv;
      if (argv.length % 2 === 0) throw wrongArity('msetnx');
      for (let j = 1; j < argv.length; j += 2) if (ctx.db.lookupWrite(argv[j]!) !== undefined) return 0;
      for (let j = 1; j < argv.length; j += 2) {
        ctx.db.set(argv[j]!, argv[j + 1]!);
        ctx.notify('$', 'set', argv[j]!);
      }
      return 1;
    },
  }),
  str({
    name: 'append',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'string', 'fast'],
    keySpecs: [{ flags: ['RW', 'INSERT'], index: 1, range: [0, 1, 0] }],
    summary: 'Appends a string to the value of a key. Creates the key if it doesn\'t exist.',
    complexity:
      'O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.',
    since: '2.0.0',
    handler(ctx) {
      const [, key, tail] = ctx.argv as [string, string, string];
      const db = ctx.db;
      const o = db.write<StringValue>(key, 'string');
      let total: number;
      if (o === undefined) {
        db.add(key, tail);
        total = tail.length;
      } else {
        checkStringLength(ctx, stringLength(o), tail.length);
        const sb = unshareString(ctx, key, o, tail.length);
        sb.append(tail);
        db.modified(key, sb);
        total = sb.len;
      }
      ctx.notify('$', 'append', key);
      return total;
    },
  }),
  str({
    name: 'strlen',
    arity: 2,
    flags: ['readonly', 'fast'],
    acl: ['read', 'string', 'fast'],
    keySpecs: [{ flags: ['RO'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns the length of a string value.',
    complexity: 'O(1)',
    since: '2.2.0',
    handler(ctx) {
      const o = readString(ctx, ctx.argv[1]!);
      return o === undefined ? 0 : stringLength(o);
    },
  }),
  str({
    name: 'getrange',
    arity: 4,
    flags: ['readonly'],
    acl: ['read', 'string', 'slow'],
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns a substring of the string stored at a key.',
    complexity:
      'O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.',
    since: '2.4.0',
    handler: getrange,
  }),
  str({
    name: 'substr',
    arity: 4,
    flags: ['readonly'],
    acl: ['read', 'string', 'slow'],
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns a substring from a string value.',
    complexity:
      'O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.',
    since: '1.0.0',
    handler: getrange,
  }),
  str({
    name: 'setrange',
    arity: 4,
    flags: ['write', 'denyoom'],
    acl: ['write', 'string', 'slow'],
    keySpecs: [{ flags: ['RW', 'UPDATE'], index: 1, range: [0, 1, 0] }],
    summary:
      'Overwrites a part of a string value with another by an offset. Creates the key if it doesn\'t exist.',
    complexity:
      'O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.',
    since: '2.2.0',
    handler(ctx) {
      const [, key, offArg, value] = ctx.argv as [string, string, string, string];
      const offset = intArg(offArg);
      if (offset < 0) throw error('ERR offset is out of range');
      const db = ctx.db;
      const o = db.write<StringValue>(key, 'string');
      let sb: StrBuf;
      if (o === undefined) {
        if (value.length === 0) return 0;
        checkStringLength(ctx, offset, value.length);
        sb = new StrBuf(offset + value.length);
        sb.setRange(offset, value);
        db.add(key, sb);
      } else {
        if (value.length === 0) return stringLength(o);
        checkStringLength(ctx, offset, value.length);
        sb = unshareString(ctx, key, o);
        sb.setRange(offset, value);
        db.modified(key, sb);
      }
      ctx.notify('$', 'setrange', key);
      return sb.len;
    },
  }),
  str({
    name: 'incr',
    arity: 2,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'string', 'fast'],
    keySpecs: [{ flags: ['RW', 'ACCESS', 'UPDATE'], index: 1, range: [0, 1, 0] }],
    summary: 'Increments the integer value of a key by one. Uses 0 as initial value if the key doesn\'t exist.',
    complexity: 'O(1)',
    since: '1.0.0',
    handler: (ctx) => incrDecr(ctx, 1),
  }),
  str({
    name: 'decr',
    arity: 2,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'string', 'fast'],
    keySpecs: [{ flags: ['RW', 'ACCESS', 'UPDATE'], index: 1, range: [0, 1, 0] }],
    summary: 'Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn\'t exist.',
    complexity: 'O(1)',
    since: '1.0.0',
    handler: (ctx) => incrDecr(ctx, -1),
  }),
  str({
    name: 'incrby',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'string', 'fast'],
    keySpecs: [{ flags: ['RW', 'ACCESS', 'UPDATE'], index: 1, range: [0, 1, 0] }],
    summary:
      'Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn\'t exist.',
    complexity: 'O(1)',
    since: '1.0.0',
    handler: (ctx) => incrDecr(ctx, int64Arg(ctx.argv[2]!)),
  }),
  str({
    name: 'decrby',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'string', 'fast'],
    keySpecs: [{ flags: ['RW', 'ACCESS', 'UPDATE'], index: 1, range: [0, 1, 0] }],
    summary:
      'Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn\'t exist.',
    complexity: 'O(1)',
    since: '1.0.0',
    handler(ctx) {
      const incr = int64Arg(ctx.argv[2]!);
      // Negating LLONG_MIN overflows.
      if (incr === INT64_MIN) throw error('ERR decrement would overflow');
      return incrDecr(ctx, typeof incr === 'number' ? -incr : -incr as bigint);
    },
  }),
  str({
    name: 'incrbyfloat',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'string', 'fast'],
    keySpecs: [{ flags: ['RW', 'ACCESS', 'UPDATE'], index: 1, range: [0, 1, 0] }],
    summary:
      'Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn\'t exist.',
    complexity: 'O(1)',
    since: '2.6.0',
    handler(ctx) {
      const [, key, incrArg] = ctx.argv as [string, string, string];
      const db = ctx.db;
      const o = db.write<StringValue>(key, 'string');
      const value = o === undefined ? ZERO : parseLongDouble(stringValue(o));
      const incr = parseLongDouble(incrArg);
      if (value === null || incr === null) throw NOT_FLOAT;
      const sum = addLongDouble(value, incr);
      if (!isFiniteLongDouble(sum)) throw error('ERR increment would produce NaN or Infinity');
      const text = formatLongDouble(sum);
      const stored = isInt64Text(text) ? embstr(text) : text;
      if (o === undefined) db.add(key, stored);
      else db.set(key, stored, true);
      ctx.notify('$', 'incrbyfloat', key);
      // Replicas and the journal get the exact result, never a float operation to redo.
      ctx.emit(['SET', key, text, 'KEEPTTL']);
      return text;
    },
  }),
  str({
    name: 'lcs',
    arity: -3,
    flags: ['readonly'],
    acl: ['read', 'string', 'slow'],
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [1, 1, 0] }],
    summary: 'Finds the longest common substring.',
    complexity: 'O(N*M) where N and M are the lengths of s1 and s2, respectively',
    since: '7.0.0',
    handler: lcs,
  }),
);
