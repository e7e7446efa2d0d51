/**
 * The hashes command family (t_hash.c): HSET HSETNX HGET HMGET HMSET HDEL HEXISTS HLEN HSTRLEN
 * HKEYS HVALS HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN.
 */
import {
  addLongDouble,
  formatLongDouble,
  intText,
  isFiniteLongDouble,
  parseInt64Exact,
  parseLongDouble,
  type LongDouble,
} from '../bytes.ts';
import { NOT_FLOAT, NOT_INTEGER, OVERFLOW, SYNTAX, error, wrongArity } from '../errors.ts';
import { MapReply, OK, type Reply } from '../reply.ts';
import { RHash, distinctRandomIndexes } from '../types/hash.ts';
import type { Ctx } from './context.ts';
import { is } from './args.ts';
import { parseScanArgs, scanAll, scanDict } from './scan.ts';
import { defineCommands } from './table.ts';

const HASH_NOT_INTEGER = error('ERR hash value is not an integer');
const HASH_NOT_FLOAT = error('ERR hash value is not a float');
const NAN_OR_INF = error('ERR value is NaN or Infinity');
const INCR_NAN_OR_INF = error('ERR increment would produce NaN or Infinity');
const OUT_OF_RANGE = error('ERR value is out of range');
const LONG_RANGE = error('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');

const LD_ZERO: LongDouble = { neg: false, m: 0n, e: 0 };

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const LONG_MAX_HALF = 4611686018427387903n;

/**
 * A random-count argument (HRANDFIELD, SRANDMEMBER): getRangeLongFromObjectOrReply over
 * [-LONG_MAX, LONG_MAX], so that negating it cannot overflow. Returned as a bigint when beyond
 * 2^53 so callers can range-check it exactly.
 */
export function randomCountArg(s: string): number | bigint {
  const v = parseInt64Exact(s);
  if (v === null) throw NOT_INTEGER;
  if (v === INT64_MIN) throw LONG_RANGE;
  return v;
}

/** The key's hash for writing, or a new empty one (the caller adds it to the keyspace). */
function hashForWrite(ctx: Ctx, key: string): RHash {
  return ctx.db.write<RHash>(key, 'hash') ?? new RHash(ctx.shard.config);
}

/** Stores a hash after a mutation: adds it when new, else re-accounts it (deleting it when empty). */
function commit(ctx: Ctx, key: string, h: RHash, created: boolean): void {
  if (created) ctx.db.add(key, h);
  else ctx.db.modified(key, h);
}

function hsetGeneric(ctx: Ctx, hmset: boolean): Reply {
  const argv = ctx.argv;
  const n = argv.length;
  if (n % 2 === 1) throw wrongArity(ctx.cmd.name);
  const key = argv[1]!;
  const existing = ctx.db.write<RHash>(key, 'hash');
  const h = existing ?? new RHash(ctx.shard.config);
  h.tryConversion(argv, 2, n - 1);
  let created = 0;
  for (let i = 2; i < n; i += 2) if (h.set(argv[i]!, argv[i + 1]!)) created++;
  commit(ctx, key, h, existing === undefined);
  ctx.notify('h', 'hset', key);
  return hmset ? OK : created;
}

/** Pushes one HRANDFIELD element: RESP3 pairs [field, value], RESP2 a flat field, value. */
function pushField(out: Reply[], h: RHash, i: number, withValues: boolean, resp3: boolean): void {
  const d = h.dict;
  if (!withValues) out.push(d.keyAt(i)!);
  else if (resp3) out.push([d.keyAt(i)!, d.valAt(i)]);
  else out.push(d.keyAt(i)!, d.valAt(i));
}

function hrandfieldWithCount(ctx: Ctx, count: number, uniq: boolean, withValues: boolean): Reply {
  const h = ctx.db.read<RHash>(ctx.argv[1]!, 'hash');
  if (h === undefined || count === 0) return [];
  const resp3 = ctx.session.resp === 3;
  const d = h.dict;
  const size = d.size;
  const out: Reply[] = [];
  // CASE 1: repeats allowed (or one field): independent uniform picks, in random order.
  if (!uniq || count === 1) {
    for (let k = 0; k < count; k++) pushField(out, h, d.randomIndex(), withValues, resp3);
    return out;
  }
  // CASE 2: asking for at least the whole hash returns the whole hash.
  if (count >= size) {
    for (let i = 0, n = d.end; i < n; i++) if (d.keyAt(i) !== undefined) pushField(out, h, i, withValues, resp3);
    return out;
  }
  // CASES 2.5, 3, 4: distinct fields; a listpack yields them in its own order, like Redis.
  const picked = distinctRandomIndexes(d, count, h.isListpack);
  for (let k = 0; k < picked.length; k++) pushField(out, h, picked[k]!, withValues, resp3);
  return out;
}

function scanReply(cursor: number, items: Reply[]): Reply {
  return [String(cursor), items];
}

defineCommands(
  {
    name: 'hset',
    arity: -4,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'hash', 'fast'],
    group: 'hash',
    keySpecs: [{ flags: ['RW', 'UPDATE'], index: 1, range: [0, 1, 0] }],
    summary: 'Creates or modifies the value of a field in a hash.',
    complexity:
      'O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.',
    since: '2.0.0',
    handler: (ctx) => hsetGeneric(ctx, false),
  },
  {
    name: 'hmset',
    arity: -4,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'hash', 'fast'],
    group: 'hash',
    keySpecs: [{ flags: ['RW', 'UPDATE'], index: 1, range: [0, 1, 0] }],
    summary: 'Sets the values of multiple fields.',
    complexity: 'O(N) where N is the number of fields being set.',
    since: '2.0.0',
    handler: (ctx) => hsetGeneric(ctx, true),
  },
  {
    name: 'hsetnx',
    arity: 4,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'hash', 'fast'],
    group: 'hash',
    keySpecs: [{ flags: ['RW', 'INSERT'], index: 1, range: [0, 1, 0] }],
    summary: "Sets the value of a field in a hash only when the field doesn't exist.",
    complexity: 'O(1)',
    since: '2.0.0',
    handler(ctx) {
      const [, key, field, value] = ctx.argv as [string, string, string, string];
      const existing = ctx.db.write<RHash>(key, 'hash');
      if (existing !== undefined && existing.has(field)) return 0;
      const h = existing ?? new RHash(ctx.shard.config);
      h.tryConversion(ctx.argv, 2, 3);
      h.set(field, value);
      commit(ctx, key, h, existing === undefined);
      ctx.notify('h', 'hset', key);
      return 1;
    },
  },
  {
    name: 'hget',
    arity: 3,
    flags: ['readonly', 'fast'],
    acl: ['read', 'hash', 'fast'],
    group: 'hash',
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns the value of a field in a hash.',
    complexity: 'O(1)',
    since: '2.0.0',
    handler(ctx) {
      const h = ctx.db.read<RHash>(ctx.argv[1]!, 'hash');
      return h?.get(ctx.argv[2]!) ?? null;
    },
  },
  {
    name: 'hmget',
    arity: -3,
    flags: ['readonly', 'fast'],
    acl: ['read', 'hash', 'fast'],
    group: 'hash',
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns the values of all fields in a hash.',
    complexity: 'O(N) where N is the number of fields being requested.',
    since: '2.0.0',
    handler(ctx) {
      const argv = ctx.argv;
      const h = ctx.db.read<RHash>(argv[1]!, 'hash');
      const out: Reply[] = new Array(argv.length - 2);
      for (let i = 2; i < argv.length; i++) out[i - 2] = h?.get(argv[i]!) ?? null;
      return out;
    },
  },
  {
    name: 'hdel',
    arity: -3,
    flags: ['write', 'fast'],
    acl: ['write', 'hash', 'fast'],
    group: 'hash',
    keySpecs: [{ flags: ['RW', 'DELETE'], index: 1, range: [0, 1, 0] }],
    summary: 'Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.',
    complexity: 'O(N) where N is the number of fields to be removed.',
    since: '2.0.0',
    handler(ctx) {
      const argv = ctx.argv;
      const key = argv[1]!;
      const h = ctx.db.write<RHash>(key, 'hash');
      if (h === undefined) return 0;
      let deleted = 0;
      for (let i = 2; i < argv.length; i++) {
        if (h.delete(argv[i]!)) {
          deleted++;
          if (h.size === 0) break;
        }
      }
      if (deleted > 0) {
        ctx.db.modified(key, h);
        ctx.notify('h', 'hdel', key);
        if (h.size === 0) ctx.notify('g', 'del', key);
      }
      return deleted;
    },
  },
  {
    name: 'hexists',
    arity: 3,
    flags: ['readonly', 'fast'],
    acl: ['read', 'hash', 'fast'],
    group: 'hash',
    keySpecs: [{ flags: ['RO'], index: 1, range: [0, 1, 0] }],
    summary: 'Determines whether a field exists in a hash.',
    complexity: 'O(1)',
    since: '2.0.0',
    handler(ctx) {
      const h = ctx.db.read<RHash>(ctx.argv[1]!, 'hash');
      return h !== undefined && h.has(ctx.argv[2]!) ? 1 : 0;
    },
  },
  {
    name: 'hlen',
    arity: 2,
    flags: ['readonly', 'fast'],
    acl: ['read', 'hash', 'fast'],
    group: 'hash',
    keySpecs: [{ flags: ['RO'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns the number of fields in a hash.',
    complexity: 'O(1)',
    since: '2.0.0',
    handler(ctx) {
      return ctx.db.read<RHash>(ctx.argv[1]!, 'hash')?.size ?? 0;
    },
  },
  {
    name: 'hstrlen',
    arity: 3,
    flags: ['readonly', 'fast'],
    acl: ['read', 'hash', 'fast'],
    group: 'hash',
    keySpecs: [{ flags: ['RO'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns the length of the value of a field.',
    complexity: 'O(1)',
    since: '3.2.0',
    handler(ctx) {
      return ctx.db.read<RHash>(ctx.argv[1]!, 'hash')?.get(ctx.argv[2]!)?.length ?? 0;
    },
  },
  {
    name: 'hkeys',
    arity: 2,
    flags: ['readonly'],
    acl: ['read', 'hash', 'slow'],
    group: 'hash',
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns all fields in a hash.',
    complexity: 'O(N) where N is the size of the hash.',
    since: '2.0.0',
    handler(ctx) {
      const h = ctx.db.read<RHash>(ctx.argv[1]!, 'hash');
      return h === undefined ? [] : h.dict.keyList();
    },
  },
  {
    name: 'hvals',
    arity: 2,
    flags: ['readonly'],
    acl: ['read', 'hash', 'slow'],
    group: 'hash',
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns all values in a hash.',
    complexity: 'O(N) where N is the size of the hash.',
    since: '2.0.0',
    handler(ctx) {
      const h = ctx.db.read<RHash>(ctx.argv[1]!, 'hash');
      if (h === undefined) return [];
      const out: Reply[] = [];
      h.forEach((_f, v) => out.push(v));
      return out;
    },
  },
  {
    name: 'hgetall',
    arity: 2,
    flags: ['readonly'],
    acl: ['read', 'hash', 'slow'],
    group: 'hash',
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns all fields and values in a hash.',
    complexity: 'O(N) where N is the size of the hash.',
    since: '2.0.0',
    handler(ctx) {
      const h = ctx.db.read<RHash>(ctx.argv[1]!, 'hash');
      const out: Reply[] = [];
      h?.forEach((f, v) => out.push(f, v));
      return new MapReply(out);
    },
  },
  {
    name: 'hincrby',
    arity: 4,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'hash', 'fast'],
    group: 'hash',
    keySpecs: [{ flags: ['RW', 'ACCESS', 'UPDATE'], index: 1, range: [0, 1, 0] }],
    summary: "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.",
    complexity: 'O(1)',
    since: '2.0.0',
    handler(ctx) {
      const [, key, field, incrText] = ctx.argv as [string, string, string, string];
      const incr = parseInt64Exact(incrText);
      if (incr === null) throw NOT_INTEGER;
      const existing = ctx.db.write<RHash>(key, 'hash');
      let value: number | bigint = 0;
      const old = existing?.get(field);
      if (old !== undefined) {
        const v = parseInt64Exact(old);
        if (v === null) throw HASH_NOT_INTEGER;
        value = v;
      }
      let result: number | bigint;
      const sum = typeof value === 'number' && typeof incr === 'number' ? value + incr : NaN;
      if (Number.isSafeInteger(sum)) {
        result = sum;
      } else {
        const big = BigInt(value) + BigInt(incr);
        if (big > INT64_MAX || big < INT64_MIN) throw OVERFLOW;
        result = big >= -MAX_SAFE && big <= MAX_SAFE ? Number(big) : big;
      }
      const h = existing ?? new RHash(ctx.shard.config);
      h.set(field, typeof result === 'number' ? intText(result) : result.toString());
      commit(ctx, key, h, existing === undefined);
      ctx.notify('h', 'hincrby', key);
      return result;
    },
  },
  {
    name: 'hincrbyfloat',
    arity: 4,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'hash', 'fast'],
    group: 'hash',
    keySpecs: [{ flags: ['RW', 'ACCESS', 'UPDATE'], index: 1, range: [0, 1, 0] }],
    summary: "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.",
    complexity: 'O(1)',
    since: '2.6.0',
    handler(ctx) {
      const [, key, field, incrText] = ctx.argv as [string, string, string, string];
      // Redis adds in C long double (x87 extended precision): bytes.ts emulates it exactly.
      const incr = parseLongDouble(incrText);
      if (incr === null) throw NOT_FLOAT;
      if (!isFiniteLongDouble(incr)) throw NAN_OR_INF;
      const existing = ctx.db.write<RHash>(key, 'hash');
      let value: LongDouble = LD_ZERO;
      const old = existing?.get(field);
      if (old !== undefined) {
        const v = parseLongDouble(old);
        if (v === null) throw HASH_NOT_FLOAT;
        value = v;
      }
      const sum = addLongDouble(value, incr);
      if (!isFiniteLongDouble(sum)) throw INCR_NAN_OR_INF;
      const text = formatLongDouble(sum);
      const h = existing ?? new RHash(ctx.shard.config);
      h.set(field, text);
      commit(ctx, key, h, existing === undefined);
      ctx.notify('h', 'hincrbyfloat', key);
      // Replicas and the journal get the exact result: float formatting must not drift.
      ctx.emit(['HSET', key, field, text]);
      return text;
    },
  },
  {
    name: 'hrandfield',
    arity: -2,
    flags: ['readonly'],
    acl: ['read', 'hash', 'slow'],
    group: 'hash',
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns one or more random fields from a hash.',
    complexity: 'O(N) where N is the number of fields returned',
    since: '6.2.0',
    handler(ctx) {
      const argv = ctx.argv;
      if (argv.length >= 3) {
        const l = randomCountArg(argv[2]!);
        let withValues = false;
        if (argv.length > 4 || (argv.length === 4 && !is(argv[3]!, 'withvalues'))) throw SYNTAX;
        if (argv.length === 4) {
          withValues = true;
          // The reply holds 2*count elements, which must not overflow a long.
          const big = BigInt(l);
          if (big < -LONG_MAX_HALF || big > LONG_MAX_HALF) throw OUT_OF_RANGE;
        }
        const n = Number(l);
        return hrandfieldWithCount(ctx, Math.abs(n), n >= 0, withValues);
      }
      const h = ctx.db.read<RHash>(argv[1]!, 'hash');
      if (h === undefined) return null;
      return h.dict.keyAt(h.dict.randomIndex())!;
    },
  },
  {
    name: 'hscan',
    arity: -3,
    flags: ['readonly'],
    acl: ['read', 'hash', 'slow'],
    group: 'hash',
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Iterates over fields and values of a hash.',
    complexity:
      'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.',
    since: '2.8.0',
    handler(ctx) {
      const argv = ctx.argv;
      // Redis checks the cursor, then the key, and only then the options.
      parseScanArgs(argv.slice(0, 3), 2, false);
      const h = ctx.db.read<RHash>(argv[1]!, 'hash');
      if (h === undefined) return scanReply(0, []);
      const o = parseScanArgs(argv, 2, false);
      const items: Reply[] = [];
      const emit = (f: string, v: string) => {
        items.push(f, v);
      };
      const cursor = h.isListpack ? scanAll(h.dict, o, emit) : scanDict(h.dict, o, emit);
      return scanReply(cursor, items);
    },
  },
);
