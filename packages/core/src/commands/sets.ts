/**
 * The sets command family (t_set.c): SADD SREM SISMEMBER SMISMEMBER SMEMBERS SCARD SPOP
 * SRANDMEMBER SMOVE SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN.
 */
import { isInt64Text, parseInt64 } from '../bytes.ts';
import { SYNTAX, WRONGTYPE, error } from '../errors.ts';
import { typeOf } from '../keyspace/object.ts';
import { SetReply, type Reply } from '../reply.ts';
import { globMatch } from '../glob.ts';
import { distinctRandomIndexes } from '../types/hash.ts';
import { HASHTABLE, INTSET, LISTPACK, RSet } from '../types/set.ts';
import type { Ctx } from './context.ts';
import { randomCountArg } from './hashes.ts';
import { intArg, is } from './args.ts';
import { parseScanArgs, scanAll, scanDict } from './scan.ts';
import { defineCommands } from './table.ts';

const MUST_BE_POSITIVE = error('ERR value is out of range, must be positive');
const NUMKEYS = error('ERR numkeys should be greater than 0');
const TOO_MANY_KEYS = error("ERR Number of keys can't be greater than number of args");
const LIMIT_NEGATIVE = error("ERR LIMIT can't be negative");

/** SPOP with a count switches to "keep the rest" when fewer than count/5 members would remain. */
const SPOP_MOVE_STRATEGY_MUL = 5;
/** SPOP propagates its removals as SREMs of at most this many members each. */
const SPOP_SREM_BATCH = 1024;

const EMPTY_SET = (): SetReply => new SetReply([]);

// ---------------------------------------------------------------------------------------------
// SPOP / SRANDMEMBER

function spopWithCount(ctx: Ctx): Reply {
  const key = ctx.argv[1]!;
  const count = parseInt64(ctx.argv[2]!);
  if (!(count >= 0)) throw MUST_BE_POSITIVE;
  const db = ctx.db;
  const s = db.write<RSet>(key, 'set');
  if (s === undefined || count === 0) return EMPTY_SET();
  const size = s.size;
  ctx.notify('s', 'spop', key);

  // CASE 1: popping at least everything: reply the whole set (as SUNION would) and delete it.
  if (count >= size) {
    const out = RSet.fromMembers(ctx.shard.config, s).members();
    db.delete(key);
    ctx.notify('g', 'del', key);
    ctx.emit(['DEL', key]);
    return new SetReply(out);
  }

  const remaining = size - count;
  let out: string[];
  if (remaining * SPOP_MOVE_STRATEGY_MUL > count) {
    // CASE 2: few members to pop: pick them at random (a listpack yields them in its order).
    if (s.enc === LISTPACK) {
      const d = s.dict;
      const picked = distinctRandomIndexes(d, count, true);
      out = new Array<string>(count);
      for (let i = 0; i < count; i++) out[i] = d.keyAt(picked[i]!)!;
      for (let i = 0; i < count; i++) s.delete(out[i]!);
    } else {
      out = new Array<string>(count);
      for (let i = 0; i < count; i++) out[i] = s.popRandom();
    }
    db.modified(key, s);
  } else {
    // CASE 3: popping nearly everything: move the few members that stay into a new set, which
    // replaces the old one (keeping its TTL), and reply what is left in the old one.
    const config = ctx.shard.config;
    let kept: RSet;
    if (s.enc === LISTPACK) {
      const d = s.dict;
      const picked = distinctRandomIndexes(d, remaining, true);
      kept = new RSet(config, LISTPACK);
      for (let i = 0; i < picked.length; i++) kept.add(d.keyAt(picked[i]!)!);
      kept.forEach((m) => {
        s.delete(m);
      });
    } else {
      kept = new RSet(config, s.enc === INTSET ? INTSET : LISTPACK);
      for (let i = 0; i < remaining; i++) kept.add(s.popRandom());
    }
    out = s.members();
    db.set(key, kept, true);
  }
  for (let i = 0; i < out.length; i += SPOP_SREM_BATCH) {
    ctx.emit(['SREM', key, ...out.slice(i, i + SPOP_SREM_BATCH)]);
  }
  return new SetReply(out);
}

function srandmemberWithCount(ctx: Ctx): Reply {
  const l = Number(randomCountArg(ctx.argv[2]!));
  const s = ctx.db.read<RSet>(ctx.argv[1]!, 'set');
  if (s === undefined || l === 0) return [];
  const uniq = l > 0;
  const count = uniq ? l : -l;
  const d = s.dict;
  // CASE 1: repeats allowed (or one member): independent uniform picks, in random order.
  if (!uniq || count === 1) {
    const out = new Array<string>(count);
    for (let i = 0; i < count; i++) out[i] = d.keyAt(d.randomIndex())!;
    return out;
  }
  // CASE 2: asking for at least the whole set returns the whole set.
  if (count >= s.size) return s.members();
  // CASES 2.5, 3, 4: distinct members; a listpack yields them in its own order, like Redis.
  const picked = distinctRandomIndexes(d, count, s.enc === LISTPACK);
  const out = new Array<string>(picked.length);
  for (let i = 0; i < picked.length; i++) out[i] = d.keyAt(picked[i]!)!;
  return out;
}

// ---------------------------------------------------------------------------------------------
// SINTER / SINTERCARD / SINTERSTORE / SMEMBERS

/** Redis's sinterGenericCommand. dst: the STORE destination or null; cardOnly for SINTERCARD. */
function sinterGeneric(ctx: Ctx, first: number, last: number, dst: string | null, cardOnly: boolean, limit: number): Reply {
  const db = ctx.db;
  const argv = ctx.argv;
  const sets: RSet[] = [];
  let empty = false;
  // Every key is type-checked, even after a missing one.
  for (let i = first; i <= last; i++) {
    const s = db.read<RSet>(argv[i]!, 'set');
    if (s === undefined) empty = true;
    else sets.push(s);
  }
  if (empty) {
    if (dst !== null) {
      if (db.delete(dst)) ctx.notify('g', 'del', dst);
      return 0;
    }
    return cardOnly ? 0 : EMPTY_SET();
  }

  // Walk the smallest set, probing the others: O(N*M) with N the smallest cardinality.
  sets.sort((a, b) => a.size - b.size);
  const smallest = sets[0]!;
  const n = sets.length;
  const out: string[] = [];
  let cardinality = 0;
  let onlyIntegers = true;
  smallest.forEach((m) => {
    for (let j = 1; j < n; j++) {
      const s = sets[j]!;
      if (s !== smallest && !s.has(m)) return true;
    }
    if (cardOnly) {
      cardinality++;
      return limit === 0 || cardinality < limit;
    }
    out.push(m);
    if (onlyIntegers && dst !== null && smallest.enc !== INTSET && !isInt64Text(m)) onlyIntegers = false;
    return true;
  });
  if (cardOnly) return cardinality;
  if (dst === null) return new SetReply(out);

  // The result starts as an intset when the smallest set is one, else as a listpack.
  const result = RSet.fromMembers(ctx.shard.config, out, smallest.enc === INTSET ? INTSET : LISTPACK);
  if (result.size === 0) {
    if (db.delete(dst)) ctx.notify('g', 'del', dst);
    return 0;
  }
  if (onlyIntegers) result.maybeConvertToIntset();
  db.set(dst, result);
  ctx.notify('s', 'sinterstore', dst);
  return result.size;
}

// ---------------------------------------------------------------------------------------------
// SUNION / SDIFF and their STORE forms

const UNION = 0;
const DIFF = 1;

/** Redis's sunionDiffGenericCommand over argv[first..last]. */
function sunionDiffGeneric(ctx: Ctx, first: number, last: number, dst: string | null, op: number): Reply {
  const db = ctx.db;
  const argv = ctx.argv;
  const sets: (RSet | undefined)[] = [];
  let sameset = false;
  for (let i = first; i <= last; i++) {
    const s = db.read<RSet>(argv[i]!, 'set');
    if (s !== undefined && sets.length > 0 && s === sets[0]) sameset = true;
    sets.push(s);
  }
  const n = sets.length;
  const result = new RSet(ctx.shard.config, INTSET);

  if (op === UNION) {
    for (let j = 0; j < n; j++) {
      sets[j]?.forEach((m) => {
        result.add(m);
      });
    }
  } else if (sets[0] !== undefined && !sameset) {
    const head = sets[0];
    // Algorithm 1 probes every other set for each member of the first: O(N*M). Algorithm 2 adds
    // the first set and removes every other one: O(total). Pick the cheaper, as Redis does.
    let algoOne = 0;
    let algoTwo = 0;
    for (let j = 0; j < n; j++) {
      const s = sets[j];
      if (s === undefined) continue;
      algoOne += head.size;
      algoTwo += s.size;
    }
    algoOne = Math.floor(algoOne / 2);
    if (algoOne <= algoTwo) {
      // Larger sets first: a member is more likely to be found early.
      const rest = sets.slice(1).sort((a, b) => (b?.size ?? 0) - (a?.size ?? 0));
      head.forEach((m) => {
        for (let j = 0; j < rest.length; j++) {
          const s = rest[j];
          if (s !== undefined && s.has(m)) return;
        }
        result.add(m);
      });
    } else {
      head.forEach((m) => {
        result.add(m);
      });
      for (let j = 1; j < n && result.size > 0; j++) {
        sets[j]?.forEach((m) => {
          result.delete(m);
        });
      }
    }
  }

  if (dst === null) return new SetReply(result.members());
  if (result.size === 0) {
    if (db.delete(dst)) ctx.notify('g', 'del', dst);
    return 0;
  }
  db.set(dst, result);
  ctx.notify('s', op === UNION ? 'sunionstore' : 'sdiffstore', dst);
  return result.size;
}

function sintercardKeys(argv: readonly string[]): number[] {
  const numkeys = parseInt64(argv[1] ?? '');
  if (!(numkeys > 0)) return [];
  const out: number[] = [];
  for (let i = 2; i < 2 + numkeys && i < argv.length; i++) out.push(i);
  return out;
}

defineCommands(
  {
    name: 'sadd',
    arity: -3,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'set', 'fast'],
    group: 'set',
    keySpecs: [{ flags: ['RW', 'INSERT'], index: 1, range: [0, 1, 0] }],
    summary: "Adds one or more members to a set. Creates the key if it doesn't exist.",
    complexity:
      'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.',
    since: '1.0.0',
    handler(ctx) {
      const argv = ctx.argv;
      const key = argv[1]!;
      const hint = argv.length - 2;
      const existing = ctx.db.write<RSet>(key, 'set');
      let s: RSet;
      if (existing === undefined) {
        s = RSet.create(ctx.shard.config, argv[2]!, hint);
      } else {
        s = existing;
        s.maybeConvert(hint);
      }
      let added = 0;
      for (let i = 2; i < argv.length; i++) if (s.add(argv[i]!)) added++;
      if (existing === undefined) ctx.db.add(key, s);
      else if (added > 0) ctx.db.modified(key, s);
      if (added > 0) ctx.notify('s', 'sadd', key);
      return added;
    },
  },
  {
    name: 'srem',
    arity: -3,
    flags: ['write', 'fast'],
    acl: ['write', 'set', 'fast'],
    group: 'set',
    keySpecs: [{ flags: ['RW', 'DELETE'], index: 1, range: [0, 1, 0] }],
    summary: 'Removes one or more members from a set. Deletes the set if the last member was removed.',
    complexity: 'O(N) where N is the number of members to be removed.',
    since: '1.0.0',
    handler(ctx) {
      const argv = ctx.argv;
      const key = argv[1]!;
      const s = ctx.db.write<RSet>(key, 'set');
      if (s === undefined) return 0;
      let deleted = 0;
      for (let i = 2; i < argv.length; i++) {
        if (s.delete(argv[i]!)) {
          deleted++;
          if (s.size === 0) break;
        }
      }
      if (deleted > 0) {
        ctx.db.modified(key, s);
        ctx.notify('s', 'srem', key);
        if (s.size === 0) ctx.notify('g', 'del', key);
      }
      return deleted;
    },
  },
  {
    name: 'sismember',
    arity: 3,
    flags: ['readonly', 'fast'],
    acl: ['read', 'set', 'fast'],
    group: 'set',
    keySpecs: [{ flags: ['RO'], index: 1, range: [0, 1, 0] }],
    summary: 'Determines whether a member belongs to a set.',
    complexity: 'O(1)',
    since: '1.0.0',
    handler(ctx) {
      const s = ctx.db.read<RSet>(ctx.argv[1]!, 'set');
      return s !== undefined && s.has(ctx.argv[2]!) ? 1 : 0;
    },
  },
  {
    name: 'smismember',
    arity: -3,
    flags: ['readonly', 'fast'],
    acl: ['read', 'set', 'fast'],
    group: 'set',
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Determines whether multiple members belong to a set.',
    complexity: 'O(N) where N is the number of elements being checked for membership',
    since: '6.2.0',
    handler(ctx) {
      const argv = ctx.argv;
      const s = ctx.db.read<RSet>(argv[1]!, 'set');
      const out: Reply[] = new Array(argv.length - 2);
      for (let i = 2; i < argv.length; i++) out[i - 2] = s !== undefined && s.has(argv[i]!) ? 1 : 0;
      return out;
    },
  },
  {
    name: 'smembers',
    arity: 2,
    flags: ['readonly'],
    acl: ['read', 'set', 'slow'],
    group: 'set',
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns all members of a set.',
    complexity: 'O(N) where N is the set cardinality.',
    since: '1.0.0',
    handler(ctx) {
      const s = ctx.db.read<RSet>(ctx.argv[1]!, 'set');
      return new SetReply(s === undefined ? [] : s.members());
    },
  },
  {
    name: 'scard',
    arity: 2,
    flags: ['readonly', 'fast'],
    acl: ['read', 'set', 'fast'],
    group: 'set',
    keySpecs: [{ flags: ['RO'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns the number of members in a set.',
    complexity: 'O(1)',
    since: '1.0.0',
    handler(ctx) {
      return ctx.db.read<RSet>(ctx.argv[1]!, 'set')?.size ?? 0;
    },
  },
  {
    name: 'spop',
    arity: -2,
    flags: ['write', 'fast'],
    acl: ['write', 'set', 'fast'],
    group: 'set',
    keySpecs: [{ flags: ['RW', 'ACCESS', 'DELETE'], index: 1, range: [0, 1, 0] }],
    summary:
      'Returns one or more random members from a set after removing them. Deletes the set if the last member was popped.',
    complexity: 'Without the count argument O(1), otherwise O(N) where N is the value of the passed count.',
    since: '1.0.0',
    handler(ctx) {
      const argv = ctx.argv;
      if (argv.length === 3) return spopWithCount(ctx);
      if (argv.length > 3) throw SYNTAX;
      const key = argv[1]!;
      const s = ctx.db.write<RSet>(key, 'set');
      if (s === undefined) return null;
      const m = s.popRandom();
      ctx.notify('s', 'spop', key);
      ctx.emit(['SREM', key, m]);
      ctx.db.modified(key, s);
      if (s.size === 0) ctx.notify('g', 'del', key);
      return m;
    },
  },
  {
    name: 'srandmember',
    arity: -2,
    flags: ['readonly'],
    acl: ['read', 'set', 'slow'],
    group: 'set',
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Get one or multiple random members from a set',
    complexity: 'Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.',
    since: '1.0.0',
    handler(ctx) {
      const argv = ctx.argv;
      if (argv.length === 3) return srandmemberWithCount(ctx);
      if (argv.length > 3) throw SYNTAX;
      const s = ctx.db.read<RSet>(argv[1]!, 'set');
      return s === undefined ? null : s.random();
    },
  },
  {
    name: 'smove',
    arity: 4,
    flags: ['write', 'fast'],
    acl: ['write', 'set', 'fast'],
    group: 'set',
    keySpecs: [
      { flags: ['RW', 'ACCESS', 'DELETE'], index: 1, range: [0, 1, 0] },
      { flags: ['RW', 'INSERT'], index: 2, range: [0, 1, 0] },
    ],
    summary: 'Moves a member from one set to another.',
    complexity: 'O(1)',
    since: '1.0.0',
    handler(ctx) {
      const [, srcKey, dstKey, m] = ctx.argv as [string, string, string, string];
      const db = ctx.db;
      const src = db.lookupWrite(srcKey);
      const dst = db.lookupWrite(dstKey);
      // A missing source answers 0 before any type check, as in Redis.
      if (src === undefined) return 0;
      if (typeOf(src) !== 'set' || (dst !== undefined && typeOf(dst) !== 'set')) throw WRONGTYPE;
      const from = src as RSet;
      if (src === dst) return from.has(m) ? 1 : 0;
      if (!from.delete(m)) return 0;
      ctx.notify('s', 'srem', srcKey);
      db.modified(srcKey, from);
      if (from.size === 0) ctx.notify('g', 'del', srcKey);
      if (dst === undefined) {
        const to = RSet.create(ctx.shard.config, m, 1);
        to.add(m);
        db.add(dstKey, to);
        ctx.notify('s', 'sadd', dstKey);
      } else if ((dst as RSet).add(m)) {
        db.modified(dstKey, dst as RSet);
        ctx.notify('s', 'sadd', dstKey);
      }
      return 1;
    },
  },
  {
    name: 'sinter',
    arity: -2,
    flags: ['readonly'],
    acl: ['read', 'set', 'slow'],
    group: 'set',
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [-1, 1, 0] }],
    summary: 'Returns the intersect of multiple sets.',
    complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.',
    since: '1.0.0',
    handler: (ctx) => sinterGeneric(ctx, 1, ctx.argv.length - 1, null, false, 0),
  },
  {
    name: 'sintercard',
    arity: -3,
    flags: ['readonly', 'movablekeys'],
    acl: ['read', 'set', 'slow'],
    group: 'set',
    keys: sintercardKeys,
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, keynum: [0, 1, 1] }],
    summary: 'Returns the number of members of the intersect of multiple sets.',
    complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.',
    since: '7.0.0',
    handler(ctx) {
      const argv = ctx.argv;
      const numkeys = intArg(argv[1]!, NUMKEYS);
      if (numkeys < 1) throw NUMKEYS;
      if (numkeys > argv.length - 2) throw TOO_MANY_KEYS;
      let limit = 0;
      for (let j = 2 + numkeys; j < argv.length; j++) {
        if (is(argv[j]!, 'limit') && j + 1 < argv.length) {
          limit = intArg(argv[++j]!, LIMIT_NEGATIVE);
          if (limit < 0) throw LIMIT_NEGATIVE;
        } else {
          throw SYNTAX;
        }
      }
      return sinterGeneric(ctx, 2, 1 + numkeys, null, true, limit);
    },
  },
  {
    name: 'sinterstore',
    arity: -3,
    flags: ['write', 'denyoom'],
    acl: ['write', 'set', 'slow'],
    group: 'set',
    keySpecs: [
      { flags: ['RW', 'UPDATE'], index: 1, range: [0, 1, 0] },
      { flags: ['RO', 'ACCESS'], index: 2, range: [-1, 1, 0] },
    ],
    summary: 'Stores the intersect of multiple sets in a key.',
    complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.',
    since: '1.0.0',
    handler: (ctx) => sinterGeneric(ctx, 2, ctx.argv.length - 1, ctx.argv[1]!, false, 0),
  },
  {
    name: 'sunion',
    arity: -2,
    flags: ['readonly'],
    acl: ['read', 'set', 'slow'],
    group: 'set',
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [-1, 1, 0] }],
    summary: 'Returns the union of multiple sets.',
    complexity: 'O(N) where N is the total number of elements in all given sets.',
    since: '1.0.0',
    handler: (ctx) => sunionDiffGeneric(ctx, 1, ctx.argv.length - 1, null, UNION),
  },
  {
    name: 'sunionstore',
    arity: -3,
    flags: ['write', 'denyoom'],
    acl: ['write', 'set', 'slow'],
    group: 'set',
    keySpecs: [
      { flags: ['OW', 'UPDATE'], index: 1, range: [0, 1, 0] },
      { flags: ['RO', 'ACCESS'], index: 2, range: [-1, 1, 0] },
    ],
    summary: 'Stores the union of multiple sets in a key.',
    complexity: 'O(N) where N is the total number of elements in all given sets.',
    since: '1.0.0',
    handler: (ctx) => sunionDiffGeneric(ctx, 2, ctx.argv.length - 1, ctx.argv[1]!, UNION),
  },
  {
    name: 'sdiff',
    arity: -2,
    flags: ['readonly'],
    acl: ['read', 'set', 'slow'],
    group: 'set',
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [-1, 1, 0] }],
    summary: 'Returns the difference of multiple sets.',
    complexity: 'O(N) where N is the total number of elements in all given sets.',
    since: '1.0.0',
    handler: (ctx) => sunionDiffGeneric(ctx, 1, ctx.argv.length - 1, null, DIFF),
  },
  {
    name: 'sdiffstore',
    arity: -3,
    flags: ['write', 'denyoom'],
    acl: ['write', 'set', 'slow'],
    group: 'set',
    keySpecs: [
      { flags: ['OW', 'UPDATE'], index: 1, range: [0, 1, 0] },
      { flags: ['RO', 'ACCESS'], index: 2, range: [-1, 1, 0] },
    ],
    summary: 'Stores the difference of multiple sets in a key.',
    complexity: 'O(N) where N is the total number of elements in all given sets.',
    since: '1.0.0',
    handler: (ctx) => sunionDiffGeneric(ctx, 2, ctx.argv.length - 1, ctx.argv[1]!, DIFF),
  },
  {
    name: 'sscan',
    arity: -3,
    flags: ['readonly'],
    acl: ['read', 'set', 'slow'],
    group: 'set',
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Iterates over members of a set.',
    complexity:
      'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.',
    since: '2.8.0',
    handler(ctx) {
      const argv = ctx.argv;
      // Redis checks the cursor, then the key, and only then the options.
      parseScanArgs(argv.slice(0, 3), 2, false);
      const s = ctx.db.read<RSet>(argv[1]!, 'set');
      if (s === undefined) return ['0', []];
      const o = parseScanArgs(argv, 2, false);
      const items: Reply[] = [];
      let cursor = 0;
      if (s.enc === INTSET) {
        const pattern = o.match;
        s.forEach((m) => {
          if (pattern === null || globMatch(pattern, m)) items.push(m);
        });
      } else {
        const emit = (m: string) => {
          items.push(m);
        };
        cursor = s.enc === HASHTABLE ? scanDict(s.dict, o, emit) : scanAll(s.dict, o, emit);
      }
      return [String(cursor), items];
    },
  },
);
