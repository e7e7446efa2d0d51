/**
 * fast-check arbitraries for the differential test: one per command family, each producing argv
 * arrays (binary strings) with valid, wrong-type and malformed arguments over a small key space,
 * so that types collide often and edge cases come up in short sequences.
 *
 * Excluded on purpose (the oracle is Redis 7.0.15, the spec is 7.2; or the reply is not a
 * function of the commands):
 * - ZRANK/ZREVRANK WITHSCORE (new in 7.2), LPOS RANK -9223372036854775808 (7.2 answers a range
 *   error where 7.0 overflows), CLIENT SETINFO, any HELP subcommand (texts differ by version).
 * - Blocking commands (BLPOP, BLMOVE, BZPOPMIN, ...): blocking belongs to the server package.
 * - DUMP/RESTORE (RDB payload format), OBJECT IDLETIME/REFCOUNT, MEMORY USAGE, DEBUG, INFO,
 *   CONFIG, CLIENT, PFDEBUG/PFSELFTEST: internal representations or server-level commands.
 * - SCAN-family cursors other than 0 and COUNT below the element count: the cursor encodes hash
 *   table layout, which Redis leaves unspecified.
 * - SORT BY nosort with LIMIT: on a set it picks an unspecified subset; SORT ALPHA BY <pattern>
 *   with LIMIT or STORE: equal weights stay in qsort's (unspecified) order.
 * - Relative TTLs shorter than 100 s: they would expire at wall-clock-dependent moments.
 * - SETBIT/SETRANGE/BITFIELD offsets that would allocate hundreds of MB (only their error forms);
 *   large negative SRANDMEMBER/HRANDFIELD/ZRANDMEMBER counts (that many replies).
 * The harness (differential.test.ts) also leaves out, at run time, commands whose answer depends on
 * state Redis does not specify: SORT over C-string ties or subnormal scores, lex ranges over
 * skiplists with unequal scores, SPOP and SORT inside MULTI.
 */
import fc from 'fast-check';

export type Argv = string[];
/** One command of a sequence, sent by client 0 or 1 (two clients exercise WATCH). */
export interface Step {
  client: number;
  argv: Argv;
}

type Part = fc.Arbitrary<string | string[]> | string;

/** Concatenates parts (constants, single arguments or argument lists) into an argv. */
function cmd(...parts: Part[]): fc.Arbitrary<Argv> {
  const arbs = parts.map((p) => (typeof p === 'string' ? fc.constant(p) : p));
  return fc.tuple(...arbs).map((xs) => xs.flatMap((x) => (typeof x === 'string' ? [x] : x)));
}
/** An optional piece: absent (no arguments) or present. */
function opt(...parts: Part[]): fc.Arbitrary<string[]> {
  return fc.oneof(fc.constant([] as string[]), cmd(...parts));
}
function list<T>(arb: fc.Arbitrary<T>, min: number, max: number): fc.Arbitrary<T[]> {
  return fc.array(arb, { minLength: min, maxLength: max });
}
function pick(...xs: string[]): fc.Arbitrary<string> {
  return fc.constantFrom(...xs);
}
function weighted(...xs: [number, fc.Arbitrary<Argv>][]): fc.Arbitrary<Argv> {
  return fc.oneof(...xs.map(([weight, arbitrary]) => ({ weight, arbitrary })));
}

// ---------------------------------------------------------------------------------------------
// Atoms

/** Keys: a handful, so that types collide (WRONGTYPE paths) and multi-key commands overlap. */
export const KEY_NAMES = ['k0', 'k1', 'k2', 'k3'];
export const key: fc.Arbitrary<string> = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom(...KEY_NAMES) },
  { weight: 1, arbitrary: pick('k\x00\xff', '') },
);
const keys = (min: number, max: number) => list(key, min, max);

/** Random bytes, all 256 values possible. */
const binary = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 0, maxLength: 6 }).map((b) =>
  String.fromCharCode(...b),
);
const longValue = pick('x'.repeat(65), 'y'.repeat(300));

/** Set members, hash fields, list elements: a small alphabet with integers, empties and bytes. */
export const member: fc.Arbitrary<string> = fc.oneof(
  { weight: 30, arbitrary: pick('a', 'b', 'c', 'd', 'e', 'f') },
  { weight: 10, arbitrary: pick('0', '1', '2', '3', '10', '-3', '007', '1.5') },
  { weight: 3, arbitrary: pick('', '\x00', '\xff\xfe', 'a b', 'A') },
  { weight: 1, arbitrary: longValue },
  { weight: 1, arbitrary: binary },
);
const members = (min: number, max: number) => list(member, min, max);
/**
 * Many distinct members at once (integers or words), to cross the encoding thresholds: 128
 * entries (listpack -> hashtable/skiplist), 512 integers (intset), 8 KB (list listpack -> quicklist).
 */
const bulk = fc
  .tuple(fc.boolean(), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 100, max: 600 }))
  .map(([ints, start, n]) => Array.from({ length: n }, (_, i) => (ints ? String(start + i) : `m${start + i}`)));

/** String values, including numbers near the int64 edges and float texts. */
export const value: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: pick('', 'a', 'b', 'abc', 'hello world', 'foobar', 'ohmytext') },
  {
    weight: 10,
    arbitrary: pick(
      '0', '1', '-1', '10', '42', '-100', '007', ' 1', '1 ', '+1',
      '9223372036854775807', '-9223372036854775808', '9223372036854775806', '-9223372036854775807',
      '9223372036854775808', '3.14', '-2.5', '1e3', '1e400', 'inf', '-inf', 'nan', '0x10', '5e-324',
    ),
  },
  { weight: 3, arbitrary: binary },
  { weight: 1, arbitrary: longValue },
  { weight: 2, arbitrary: member },
);

/** Integer arguments: mostly small (counts, indexes), sometimes edges or junk. */
export const small = fc.integer({ min: -6, max: 6 }).map(String);
export const intArg: fc.Arbitrary<string> = fc.oneof(
  { weight: 20, arbitrary: small },
  {
    weight: 2,
    arbitrary: pick(
      '9223372036854775807', '-9223372036854775808', '9223372036854775808', '-9223372036854775809',
      '4294967296', '2147483648', '-2147483649',
    ),
  },
  { weight: 2, arbitrary: pick('abc', '', '1.5', '1e2', '+1', ' 1', '0x1', '-0', '01') },
);
/** Non-negative-ish counts (COUNT options). */
export const countArg: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: fc.integer({ min: 0, max: 8 }).map(String) },
  { weight: 2, arbitrary: pick('-1', '-5', 'abc', '9223372036854775807', '9223372036854775808', '1.5', '') },
);
/**
 * Counts for SRANDMEMBER/HRANDFIELD/ZRANDMEMBER: a large negative count asks for that many
 * replies (with repetitions) on both sides, so only small ones, plus the edges that are errors.
 */
export const randCount: fc.Arbitrary<string> = fc.oneof(
  { weight: 20, arbitrary: small },
  { weight: 2, arbitrary: pick('9223372036854775807', '-9223372036854775808', 'abc', '1.5', '') },
);
/** Increments for INCRBY-like commands: edges that overflow. */
export const incr: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -100, max: 100 }).map(String) },
  {
    weight: 3,
    arbitrary: pick(
      '9223372036854775807', '-9223372036854775808', '9223372036854775806', '-9223372036854775807',
      '4611686018427387904', '9223372036854775808', 'abc', '', '1.5', '1e3',
    ),
  },
);
/** Floats: scores, increments (inf, tiny, huge, hex, junk, NaN). */
export const float: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: fc.integer({ min: -20, max: 20 }).map(String) },
  { weight: 6, arbitrary: pick('1.5', '-2.5', '0.1', '0.2', '3.0000000000000004', '1e3', '-1e-3', '.5', '5.', '1E2') },
  {
    weight: 3,
    arbitrary: pick(
      'inf', '-inf', '+inf', 'Infinity', '-INF', '1.7976931348623157e308', '1e308', '5e-324', '0x10', '-0',
      '9007199254740993', '123456789.123456789',
    ),
  },
  { weight: 2, arbitrary: pick('nan', 'abc', '', ' 1', '1 ', '1e', '--1', '(1', '1e400') },
);
/** Scores for ZADD/GEO-like pairs: as float, with junk rarer (one bad pair fails the command). */
const score: fc.Arbitrary<string> = fc.oneof({ weight: 15, arbitrary: float }, { weight: 1, arbitrary: fc.constant('nan') });
const goodScore: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: fc.integer({ min: -20, max: 20 }).map(String) },
  { weight: 6, arbitrary: pick('1.5', '-2.5', '0.1', '0.2', '3.0000000000000004', '1e3', '-1e-3', '.5', '5.', '1E2') },
  { weight: 2, arbitrary: pick('inf', '-inf', '+inf', '1.7976931348623157e308', '5e-324', '0x10', '-0', '9007199254740993') },
);
/** Score range bounds: inclusive, exclusive '(' and infinities. */
const scoreBound: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -5, max: 20 }).map(String) },
  { weight: 3, arbitrary: fc.integer({ min: -5, max: 20 }).map((n) => `(${n}`) },
  { weight: 3, arbitrary: pick('-inf', '+inf', 'inf', '(-inf', '(+inf', '1.5', '(1.5') },
  { weight: 1, arbitrary: pick('abc', '(', '((1', '', 'nan', '[1') },
);
/** Lex range bounds. */
const lexBound: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: member.map((m) => `[${m}`) },
  { weight: 4, arbitrary: member.map((m) => `(${m}`) },
  { weight: 3, arbitrary: pick('-', '+') },
  { weight: 1, arbitrary: pick('a', '', '*', 'b') },
);

// TTLs: relative ones are long (>= 100 s) so that nothing expires during a run; absolute ones are
// either long past (the key goes at once) or far in the future.
const relSeconds = fc.integer({ min: 100, max: 10_000_000 }).map(String);
const relMillis = fc.integer({ min: 100_000, max: 10_000_000_000 }).map(String);
const absPastSeconds = pick('1', '1000000000', '1600000000');
const absPastMillis = pick('1', '1000000000000', '1600000000000');
const absFutureSeconds = fc.integer({ min: 4_000_000_000, max: 5_000_000_000 }).map(String);
const absFutureMillis = fc.integer({ min: 4_000_000_000_000, max: 5_000_000_000_000 }).map(String);
const badTtl = pick('0', '-1', 'abc', '', '1.5', '9223372036854775807', '-9223372036854775808', '9223372036854775808');
const ttlSeconds = fc.oneof({ weight: 8, arbitrary: relSeconds }, { weight: 2, arbitrary: badTtl });
const ttlMillis = fc.oneof({ weight: 8, arbitrary: relMillis }, { weight: 2, arbitrary: badTtl });
const atSeconds = fc.oneof(absPastSeconds, absFutureSeconds, badTtl);
const atMillis = fc.oneof(absPastMillis, absFutureMillis, badTtl);
/** EXPIRE-family time argument: relative times may also be zero or negative (delete at once). */
const expireSeconds = fc.oneof({ weight: 6, arbitrary: relSeconds }, { weight: 2, arbitrary: badTtl });

const setExpiry = fc.oneof(
  { weight: 6, arbitrary: fc.constant([] as string[]) },
  { weight: 1, arbitrary: cmd(pick('EX', 'ex'), ttlSeconds) },
  { weight: 1, arbitrary: cmd('PX', ttlMillis) },
  { weight: 1, arbitrary: cmd('EXAT', atSeconds) },
  { weight: 1, arbitrary: cmd('PXAT', atMillis) },
  { weight: 1, arbitrary: fc.constant<string[]>(['KEEPTTL']) },
);

// ---------------------------------------------------------------------------------------------
// Malformed arguments: a valid command, then truncated, one argument replaced by junk, or junk
// appended. Replies must match Redis's error texts exactly.

// No small positive integer: put in a TTL's place it would expire a key during the run.
const junk = pick(
  '', 'abc', '-1', '0', '1.5', 'NX', 'XX', 'GT', 'LT', 'CH', 'COUNT', 'LIMIT', 'WITHSCORES', 'BYSCORE',
  'BYLEX', 'REV', 'MATCH', 'TYPE', 'GET', 'STORE', '9223372036854775808', 'inf', 'nan', '(1', '[a', '-', '+',
);
type Mutation = { kind: number; pos: number; junk: string; lower: boolean };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.integer({ min: 0, max: 2 }),
  pos: fc.nat(),
  junk,
  lower: fc.boolean(),
});
function applyMutation(argv: Argv, m: Mutation): Argv {
  const out = argv.slice();
  if (m.lower) out[0] = out[0]!.toLowerCase();
  if (m.kind === 0 && out.length > 1) return out.slice(0, 1 + (m.pos % (out.length - 1)));
  if (m.kind === 1 && out.length > 1) {
    out[1 + (m.pos % (out.length - 1))] = m.junk;
    return out;
  }
  // ZRANK/ZREVRANK take a third argument (WITHSCORE) only since 7.2: 7.0 answers an arity error.
  if (/^z(rev)?rank$/i.test(out[0]!)) return out;
  out.push(m.junk);
  return out;
}
/**
 * A non-zero SCAN-family cursor answers by hash-table layout (and 7.0 keeps small sets in hash
 * tables where 7.2 uses listpacks, which ignore the cursor): junk that strtoul would take as a
 * non-zero cursor becomes 0. Invalid cursors stay.
 */
function saneCursor(argv: Argv): Argv {
  const name = argv[0]!.toLowerCase();
  const at = name === 'scan' ? 1 : /^[hsz]scan$/.test(name) ? 2 : -1;
  if (at < 0 || at >= argv.length) return argv;
  // A truncated COUNT falls back to 10 (see scanTail): put it back; a small valid COUNT too.
  const countAt = argv.findIndex((a, i) => i > at && a.toLowerCase() === 'count');
  if (countAt < 0) argv = [...argv, 'COUNT', '100000'];
  else if (/^[1-9]\d{0,4}$/.test(argv[countAt + 1] ?? '')) argv = argv.map((a, i) => (i === countAt + 1 ? '100000' : a));
  if (!/^-?\d+$/.test(argv[at]!) || /^-?0+$/.test(argv[at]!)) return argv;
  if (argv[at]!.replace('-', '').length > 19) return argv; // ERANGE: "invalid cursor" on both
  const out = argv.slice();
  out[at] = '0';
  return out;
}
/** Mostly valid commands, about one in eight malformed. */
export function withMalformed(arb: fc.Arbitrary<Argv>): fc.Arbitrary<Argv> {
  return fc.oneof(
    { weight: 7, arbitrary: arb },
    { weight: 1, arbitrary: fc.tuple(arb, mutation).map(([a, m]) => saneCursor(applyMutation(a, m))) },
  );
}

// ---------------------------------------------------------------------------------------------
// Families

export const strings = weighted(
  [8, cmd('SET', key, value, opt(pick('NX', 'XX', 'nx')), opt('GET'), setExpiry)],
  [6, cmd('GET', key)],
  [2, cmd('GETDEL', key)],
  [
    2,
    cmd(
      'GETEX',
      key,
      fc.oneof(
        fc.constant([] as string[]),
        cmd('EX', ttlSeconds),
        cmd('PX', ttlMillis),
        cmd('EXAT', atSeconds),
        cmd('PXAT', atMillis),
        fc.constant<string[]>(['PERSIST']),
      ),
    ),
  ],
  [2, cmd('GETSET', key, value)],
  [2, cmd('SETNX', key, value)],
  [1, cmd('SETEX', key, ttlSeconds, value)],
  [1, cmd('PSETEX', key, ttlMillis, value)],
  [3, cmd('MGET', keys(1, 4))],
  [2, cmd('MSET', fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 3 }).map((p) => p.flat()))],
  [2, cmd('MSETNX', fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 3 }).map((p) => p.flat()))],
  [4, cmd('APPEND', key, value)],
  [3, cmd('STRLEN', key)],
  [3, cmd(pick('GETRANGE', 'SUBSTR'), key, intArg, intArg)],
  [
    3,
    cmd(
      'SETRANGE',
      key,
      fc.oneof(
        { weight: 8, arbitrary: fc.integer({ min: 0, max: 20 }).map(String) },
        { weight: 1, arbitrary: pick('-1', 'abc', '536870912', '9223372036854775807') },
      ),
      value,
    ),
  ],
  [4, cmd(pick('INCR', 'DECR'), key)],
  [4, cmd(pick('INCRBY', 'DECRBY'), key, incr)],
  [4, cmd('INCRBYFLOAT', key, float)],
  [
    2,
    cmd(
      'LCS',
      key,
      key,
      opt('LEN'),
      opt('IDX'),
      opt('MINMATCHLEN', pick('0', '1', '2', '3', '-1', 'abc')),
      opt('WITHMATCHLEN'),
    ),
  ],
);

const bitOffset = fc.oneof(
  { weight: 10, arbitrary: fc.integer({ min: 0, max: 40 }).map(String) },
  { weight: 1, arbitrary: pick('-1', 'abc', '4294967296', '1.5', '') },
);
const bitfieldType = fc.oneof(
  { weight: 10, arbitrary: pick('u1', 'i1', 'u8', 'i8', 'u4', 'i5', 'u16', 'i16', 'i32', 'u63', 'i64') },
  { weight: 1, arbitrary: pick('u64', 'i65', 'x8', 'u0') },
);
const bitfieldOffset = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 40 }).map(String) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 4 }).map((n) => `#${n}`) },
  { weight: 1, arbitrary: pick('-1', 'abc', '#-1', '4294967296', '#') },
);
const bitfieldValue = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -300, max: 300 }).map(String) },
  { weight: 2, arbitrary: pick('9223372036854775807', '-9223372036854775808', '127', '-128', '255', '256', 'abc') },
);
const bitfieldOp = fc.oneof(
  cmd('GET', bitfieldType, bitfieldOffset),
  cmd('SET', bitfieldType, bitfieldOffset, bitfieldValue),
  cmd('INCRBY', bitfieldType, bitfieldOffset, bitfieldValue),
  cmd('OVERFLOW', pick('WRAP', 'SAT', 'FAIL', 'wrap', 'BAD')),
);
const byteOrBit = opt(pick('BYTE', 'BIT', 'bit', 'WORD'));

export const bitmaps = weighted(
  [8, cmd('SETBIT', key, bitOffset, fc.oneof({ weight: 8, arbitrary: pick('0', '1') }, { weight: 1, arbitrary: pick('2', '-1', 'a') }))],
  [6, cmd('GETBIT', key, bitOffset)],
  [4, cmd('BITCOUNT', key, opt(intArg, intArg, byteOrBit))],
  [4, cmd('BITPOS', key, fc.oneof({ weight: 8, arbitrary: pick('0', '1') }, { weight: 1, arbitrary: pick('2', 'a') }), opt(intArg, opt(intArg, byteOrBit)))],
  [4, cmd('BITOP', fc.oneof({ weight: 8, arbitrary: pick('AND', 'OR', 'XOR', 'NOT', 'and') }, { weight: 1, arbitrary: pick('NAND') }), key, fc.oneof(keys(1, 1), keys(1, 3)))],
  [5, cmd('BITFIELD', key, fc.array(bitfieldOp, { minLength: 0, maxLength: 4 }).map((x) => x.flat()))],
  [2, cmd('BITFIELD_RO', key, fc.array(cmd('GET', bitfieldType, bitfieldOffset), { minLength: 0, maxLength: 3 }).map((x) => x.flat()))],
  [3, cmd('SET', key, value)],
  [2, cmd('GET', key)],
  [1, cmd('APPEND', key, binary)],
);

const fieldValues = (min: number, max: number) =>
  fc.array(fc.tuple(member, value), { minLength: min, maxLength: max }).map((p) => p.flat());
// COUNT always: without it (10) a container in a hash table may answer a non-zero cursor, and
// 7.0 keeps small non-integer sets in hash tables where 7.2 uses listpacks.
const scanTail = cmd(opt('MATCH', pick('*', 'a*', '*b*', '?', '[a-c]', 'k*', '1*')), 'COUNT', pick('100000', '100000', '100000', '0', '-1', 'abc'));

export const hashes = weighted(
  [10, cmd('HSET', key, fieldValues(1, 4))],
  [1, cmd('HSET', key, bulk.map((fs) => fs.flatMap((f, i) => [f, i % 3 ? 'v' : f])))],
  [3, cmd('HMSET', key, fieldValues(1, 3))],
  [3, cmd('HSETNX', key, member, value)],
  [6, cmd('HGET', key, member)],
  [3, cmd('HMGET', key, members(1, 4))],
  [5, cmd('HDEL', key, members(1, 3))],
  [3, cmd('HLEN', key)],
  [3, cmd('HSTRLEN', key, member)],
  [3, cmd('HEXISTS', key, member)],
  [2, cmd('HKEYS', key)],
  [2, cmd('HVALS', key)],
  [3, cmd('HGETALL', key)],
  [4, cmd('HINCRBY', key, member, incr)],
  [4, cmd('HINCRBYFLOAT', key, member, float)],
  [3, cmd('HRANDFIELD', key, opt(randCount, opt(pick('WITHVALUES', 'withvalues'))))],
  [2, cmd('HSCAN', key, pick('0', '0', '0', '0', '0', 'abc'), scanTail)],
);

/** numkeys key... for ZUNION-like commands, numkeys sometimes off by one. */
const numKeys = fc.tuple(keys(1, 3), fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(-1, 1, -5) }));
const side = fc.oneof({ weight: 8, arbitrary: pick('LEFT', 'RIGHT', 'left') }, { weight: 1, arbitrary: pick('UP') });
export const lists = weighted(
  [8, cmd(pick('LPUSH', 'RPUSH'), key, members(1, 4))],
  [1, cmd('RPUSH', key, bulk)],
  [3, cmd(pick('LPUSHX', 'RPUSHX'), key, members(1, 3))],
  [5, cmd(pick('LPOP', 'RPOP'), key, opt(countArg))],
  [3, cmd('LLEN', key)],
  [4, cmd('LINDEX', key, intArg)],
  [3, cmd('LSET', key, intArg, member)],
  [6, cmd('LRANGE', key, intArg, intArg)],
  [3, cmd('LTRIM', key, intArg, intArg)],
  [3, cmd('LREM', key, intArg, member)],
  [3, cmd('LINSERT', key, pick('BEFORE', 'AFTER', 'before', 'MIDDLE'), member, member)],
  [
    4,
    cmd(
      'LPOS',
      key,
      member,
      opt('RANK', pick('1', '2', '-1', '-2', '1', '-1', '0', '3', 'abc', '9223372036854775807')),
      opt('COUNT', pick('0', '1', '2', '-1', 'abc')),
      opt('MAXLEN', pick('0', '1', '2', '5', '-1')),
    ),
  ],
  [3, cmd('LMOVE', key, key, side, side)],
  [2, cmd('RPOPLPUSH', key, key)],
  [
    3,
    fc
      .tuple(numKeys, side, opt('COUNT', countArg))
      .map(([[ks, d], s, c]) => ['LMPOP', String(ks.length + d), ...ks, s, ...c]),
  ],
);

export const sets = weighted(
  [10, cmd('SADD', key, members(1, 5))],
  [1, cmd('SADD', key, bulk)],
  [5, cmd('SREM', key, members(1, 3))],
  [3, cmd('SMEMBERS', key)],
  [4, cmd('SISMEMBER', key, member)],
  [2, cmd('SMISMEMBER', key, members(1, 3))],
  [3, cmd('SCARD', key)],
  [3, cmd('SPOP', key, opt(countArg))],
  [3, cmd('SRANDMEMBER', key, opt(randCount))],
  [3, cmd('SMOVE', key, key, member)],
  [3, cmd(pick('SINTER', 'SUNION', 'SDIFF'), keys(1, 3))],
  [3, cmd(pick('SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE'), key, keys(1, 3))],
  [
    2,
    fc
      .tuple(numKeys, opt('LIMIT', countArg))
      .map(([[ks, d], l]) => ['SINTERCARD', String(ks.length + d), ...ks, ...l]),
  ],
  [2, cmd('SSCAN', key, pick('0', '0', '0', '0', '0', 'abc'), scanTail)],
);

const rarely = (...parts: Part[]) => fc.oneof({ weight: 4, arbitrary: fc.constant([] as string[]) }, { weight: 1, arbitrary: cmd(...parts) });
const zaddFlags = cmd(rarely(pick('NX', 'XX')), rarely(pick('GT', 'LT')), opt('CH'), rarely('INCR'));
const scoreMembers = (min: number, max: number) =>
  fc
    .tuple(fc.array(fc.tuple(goodScore, member), { minLength: min, maxLength: max }), fc.oneof({ weight: 12, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.tuple(score, member) }))
    .map(([pairs, bad]) => (bad === null ? pairs : [...pairs, bad]).flat());
const limit = opt('LIMIT', intArg, intArg);
const withScores = opt(pick('WITHSCORES', 'withscores'));
const zrangeArgs = fc.oneof(
  cmd(intArg, intArg, opt('REV'), withScores),
  cmd(scoreBound, scoreBound, 'BYSCORE', opt('REV'), limit, withScores),
  cmd(lexBound, lexBound, 'BYLEX', opt('REV'), limit),
  cmd(lexBound, lexBound, 'BYLEX', withScores),
);
const weights = (n: number) => list(pick('1', '2', '0', '-1', '0.5', 'inf', 'abc'), n, n);
const aggregate = opt('AGGREGATE', pick('SUM', 'MIN', 'MAX', 'min', 'AVG'));
const zsetOpArgs = (withScoresOk: boolean, weightsOk: boolean) =>
  fc
    .tuple(numKeys, fc.boolean(), aggregate, withScoresOk ? withScores : fc.constant([] as string[]))
    .map(([[ks, d], useWeights, agg, ws]) => [
      String(ks.length + d),
      ...ks,
      ...(weightsOk && useWeights ? ['WEIGHTS', ...ks.map((_, i) => ['1', '2', '0.5', '-1', 'inf'][i % 5]!)] : []),
      ...(weightsOk ? agg : []),
      ...ws,
    ]);

export const zsets = weighted(
  [10, cmd('ZADD', key, zaddFlags, scoreMembers(1, 4))],
  [1, cmd('ZADD', key, bulk.map((ms) => ms.flatMap((m, i) => [String(i % 7), m])))],
  [3, cmd('ZINCRBY', key, float, member)],
  [5, cmd('ZSCORE', key, member)],
  [2, cmd('ZMSCORE', key, members(1, 3))],
  [3, cmd('ZCARD', key)],
  [3, cmd('ZCOUNT', key, scoreBound, scoreBound)],
  [3, cmd('ZLEXCOUNT', key, lexBound, lexBound)],
  [8, cmd('ZRANGE', key, zrangeArgs)],
  [2, cmd('ZRANGESTORE', key, key, zrangeArgs.map((a) => a.filter((x) => x.toUpperCase() !== 'WITHSCORES')))],
  [3, cmd(pick('ZRANGEBYSCORE', 'ZREVRANGEBYSCORE'), key, scoreBound, scoreBound, withScores, limit)],
  [3, cmd(pick('ZRANGEBYLEX', 'ZREVRANGEBYLEX'), key, lexBound, lexBound, limit)],
  [2, cmd('ZREVRANGE', key, intArg, intArg, withScores)],
  [4, cmd(pick('ZRANK', 'ZREVRANK'), key, member)],
  [4, cmd('ZREM', key, members(1, 3))],
  [2, cmd('ZREMRANGEBYRANK', key, intArg, intArg)],
  [2, cmd('ZREMRANGEBYSCORE', key, scoreBound, scoreBound)],
  [2, cmd('ZREMRANGEBYLEX', key, lexBound, lexBound)],
  [3, cmd(pick('ZPOPMIN', 'ZPOPMAX'), key, opt(countArg))],
  [
    2,
    fc
      .tuple(numKeys, pick('MIN', 'MAX', 'min', 'MID'), opt('COUNT', countArg))
      .map(([[ks, d], w, c]) => ['ZMPOP', String(ks.length + d), ...ks, w, ...c]),
  ],
  [2, cmd('ZRANDMEMBER', key, opt(randCount, opt('WITHSCORES')))],
  [2, cmd(pick('ZUNION', 'ZINTER'), zsetOpArgs(true, true))],
  [1, cmd('ZDIFF', zsetOpArgs(true, false))],
  [2, cmd(pick('ZUNIONSTORE', 'ZINTERSTORE'), key, zsetOpArgs(false, true))],
  [1, cmd('ZDIFFSTORE', key, zsetOpArgs(false, false))],
  [
    1,
    fc
      .tuple(numKeys, opt('LIMIT', countArg))
      .map(([[ks, d], l]) => ['ZINTERCARD', String(ks.length + d), ...ks, ...l]),
  ],
  [2, cmd('ZSCAN', key, pick('0', '0', '0', '0', '0', 'abc'), scanTail)],
);

const lon = fc.oneof(
  { weight: 8, arbitrary: pick('13.361389', '15.087269', '13.5', '14', '12.758489', '-122.27652', '0', '2.3522') },
  { weight: 1, arbitrary: pick('180', '-180', '181', '-180.5', 'abc', 'inf') },
);
const lat = fc.oneof(
  { weight: 8, arbitrary: pick('38.115556', '37.502669', '38', '37', '38.788135', '37.805186', '0', '48.8566') },
  { weight: 1, arbitrary: pick('85.05112878', '85.06', '-85.05112878', '-86', 'abc', 'nan') },
);
const unit = fc.oneof({ weight: 10, arbitrary: pick('m', 'km', 'ft', 'mi', 'KM') }, { weight: 1, arbitrary: pick('yd', '') });
const radius = fc.oneof(
  { weight: 8, arbitrary: pick('0', '1', '10', '50', '100', '200', '500', '1000', '5000', '10000', '200000') },
  { weight: 1, arbitrary: pick('-1', 'abc', 'inf') },
);
const geoMembers = fc.array(fc.tuple(lon, lat, member), { minLength: 1, maxLength: 4 }).map((p) => p.flat());
const geoSort = opt(pick('ASC', 'DESC', 'asc'));
const geoCount = opt('COUNT', fc.oneof({ weight: 8, arbitrary: pick('1', '2', '3', '10') }, { weight: 1, arbitrary: pick('0', '-1', 'abc') }), opt('ANY'));
const geoWith = cmd(opt('WITHCOORD'), opt('WITHDIST'), opt('WITHHASH'));
const geoFrom = fc.oneof(cmd('FROMMEMBER', member), cmd('FROMLONLAT', lon, lat));
const geoBy = fc.oneof(cmd('BYRADIUS', radius, unit), cmd('BYBOX', radius, radius, unit));
/** GEORADIUS options come in any order. */
const radiusOpts = fc.shuffledSubarray(['WITHCOORD', 'WITHDIST', 'WITHHASH', 'ASC', 'DESC', 'COUNT 2', 'COUNT 1 ANY', 'COUNT 0', 'ANY'], { maxLength: 3 }).map((xs) => xs.flatMap((x) => x.split(' ')));
const radiusStore = opt(pick('STORE', 'STOREDIST'), key);

export const geo = weighted(
  [8, cmd('GEOADD', key, opt(pick('NX', 'XX')), opt('CH'), geoMembers)],
  [4, cmd('GEOPOS', key, members(0, 3))],
  [4, cmd('GEODIST', key, member, member, opt(unit))],
  [3, cmd('GEOHASH', key, members(0, 3))],
  [6, cmd('GEOSEARCH', key, geoFrom, geoBy, geoSort, geoCount, geoWith)],
  [3, cmd('GEOSEARCHSTORE', key, key, geoFrom, geoBy, geoSort, geoCount, opt('STOREDIST'))],
  [3, cmd('GEORADIUS', key, lon, lat, radius, unit, radiusOpts, radiusStore)],
  [3, cmd('GEORADIUSBYMEMBER', key, member, radius, unit, radiusOpts, radiusStore)],
  [2, cmd('GEORADIUS_RO', key, lon, lat, radius, unit, radiusOpts)],
  [2, cmd('GEORADIUSBYMEMBER_RO', key, member, radius, unit, radiusOpts)],
  [2, cmd('ZRANGE', key, '0', '-1', 'WITHSCORES')],
  [1, cmd('ZREM', key, member)],
);

/** Many distinct elements in one PFADD: pushes a sparse HLL over to the dense encoding. */
const manyElements = fc
  .tuple(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 50, max: 900 }))
  .map(([start, n]) => Array.from({ length: n }, (_, i) => `e${start + i}`));
const hllElements = fc.oneof(
  { weight: 6, arbitrary: members(0, 6) },
  { weight: 4, arbitrary: list(fc.integer({ min: 0, max: 20000 }).map((n) => `e${n}`), 1, 30) },
  { weight: 1, arbitrary: manyElements },
);
export const hyperloglog = weighted(
  [10, cmd('PFADD', key, hllElements)],
  [6, cmd('PFCOUNT', keys(1, 3))],
  [4, cmd('PFMERGE', key, keys(0, 3))],
  [3, cmd('GET', key)],
  [1, cmd('SET', key, pick('HYLL', 'HYLLx', 'abc', ''))],
);
/** HyperLogLogs damaged by string commands: Redis's corruption checks and partial updates. */
export const hyperloglogDamaged = weighted(
  [10, cmd('PFADD', key, hllElements)],
  [6, cmd('PFCOUNT', keys(1, 3))],
  [4, cmd('PFMERGE', key, keys(0, 3))],
  [3, cmd('GET', key)],
  [1, cmd('SET', key, pick('HYLL', 'HYLLx', 'abc', ''))],
  [2, cmd('APPEND', key, pick('x', '\x00', '\x80'))],
  [2, cmd('SETRANGE', key, pick('4', '5', '16', '17', '100'), pick('\x01', '\xff', 'z', '\x80'))],
);

const pattern = pick('*', 'k*', 'k?', 'k[01]', 'k[^0]', '\\k0', 'x*', '*0', 'k[a-z]', '');
const dbIndex = fc.oneof({ weight: 6, arbitrary: pick('0', '1') }, { weight: 1, arbitrary: pick('16', '-1', 'abc', '') });
const expireFlags = opt(pick('NX', 'XX', 'GT', 'LT', 'nx', 'XY'));

export const keyspace = weighted(
  [6, cmd(pick('DEL', 'UNLINK'), keys(1, 3))],
  [4, cmd('EXISTS', keys(1, 3))],
  [5, cmd('TYPE', key)],
  [3, cmd(pick('RENAME', 'RENAMENX'), key, key)],
  [3, cmd('COPY', key, key, opt('DB', dbIndex), opt('REPLACE'))],
  [2, cmd('MOVE', key, dbIndex)],
  [4, cmd('EXPIRE', key, expireSeconds, expireFlags)],
  [2, cmd('PEXPIRE', key, fc.oneof(relMillis, badTtl), expireFlags)],
  [2, cmd('EXPIREAT', key, atSeconds, expireFlags)],
  [2, cmd('PEXPIREAT', key, atMillis, expireFlags)],
  [3, cmd(pick('TTL', 'PTTL', 'EXPIRETIME', 'PEXPIRETIME'), key)],
  [2, cmd('PERSIST', key)],
  [3, cmd('KEYS', pattern)],
  [2, cmd('SCAN', pick('0', '0', '0', '0', '0', 'abc'), opt('MATCH', pattern), 'COUNT', pick('100000', '100000', '0', 'abc'), opt('TYPE', pick('string', 'list', 'hash', 'set', 'zset', 'nosuch')))],
  [2, cmd('RANDOMKEY')],
  [2, cmd('TOUCH', keys(1, 3))],
  [3, cmd('OBJECT', pick('ENCODING', 'encoding'), key)],
  [1, cmd('OBJECT', pick('FREQ', 'NOSUCH'), key)],
  [2, cmd('DBSIZE')],
  [2, cmd('SELECT', dbIndex)],
  [1, cmd('SWAPDB', dbIndex, dbIndex)],
  [1, cmd('FLUSHDB', opt(pick('SYNC', 'ASYNC', 'LAZY')))],
  [1, cmd('FLUSHALL', opt(pick('SYNC', 'ASYNC')))],
  [1, cmd('TIME', opt('x'))],
  [1, cmd('PING', opt(value))],
  [1, cmd('ECHO', value)],
  // values of every type to work on
  [4, cmd('SET', key, value, setExpiry)],
  [3, cmd('RPUSH', key, members(1, 3))],
  [3, cmd('SADD', key, members(1, 3))],
  [3, cmd('HSET', key, fieldValues(1, 2))],
  [3, cmd('ZADD', key, scoreMembers(1, 2))],
);

// Weights and GET values live in w_<element> keys (strings and hashes), sometimes in k<element>.
const sortBy = opt('BY', pick('nosort', 'w_*', 'w_*', 'w_*->a', 'w_*->a', 'k*', 'nosuch*', 'w_*->'));
const sortGets = fc.array(cmd('GET', pick('#', 'w_*', 'w_*->a', 'k*', 'nosuch*')), { maxLength: 2 }).map((x) => x.flat());
const sortElement = pick('1', '2', '3', '0', '10', '-1', '2.5', 'a', 'b');
const sortOrder = cmd(opt(pick('ASC', 'DESC')), opt(pick('ALPHA', 'alpha')));
export const sort = weighted(
  [
    6,
    fc
      .tuple(key, sortBy, sortGets, opt('LIMIT', intArg, intArg), sortOrder, opt('STORE', key))
      .map(([k, by, gets, lim, ord, store]) => {
        // BY nosort with LIMIT picks an unspecified subset of a set. ALPHA with a BY pattern
        // leaves equal weights (missing keys included) in qsort's order, which is unspecified:
        // such a SORT is compared as a multiset, so neither LIMIT nor STORE goes with it.
        const byPattern = by.length > 0 && by[1] !== 'nosort';
        const alphaBy = byPattern && ord.some((o) => o.toLowerCase() === 'alpha');
        return ['SORT', k, ...by, ...(by[1] === 'nosort' || alphaBy ? [] : lim), ...gets, ...ord, ...(alphaBy ? [] : store)];
      }),
  ],
  [2, cmd('SORT_RO', key, opt('BY', pick('w_*', 'w_*->a', 'k*')), sortGets, sortOrder)],
  [4, cmd('RPUSH', key, list(sortElement, 1, 4))],
  [3, cmd('SADD', key, list(sortElement, 1, 4))],
  [2, cmd('ZADD', key, scoreMembers(1, 3))],
  [4, cmd('SET', sortElement.map((e) => `w_${e}`), pick('1', '5', '-2', '1.5', 'z', 'abc', '10'))],
  [3, cmd('HSET', sortElement.map((e) => `w_${e}`), 'a', pick('3', '1', 'x', '-1', '7'))],
  [1, cmd('SET', key, pick('1', '5', 'z'))],
  [1, cmd('LRANGE', key, '0', '-1')],
);

// Streams. Explicit IDs only (`*` takes each server's wall clock), min-idle-time 0, no extended
// XPENDING or XINFO CONSUMERS / STREAM FULL (idle and delivery times), no HELP, and no XSETID
// below the stream's top (7.0 and 7.2 check its IDs in another order). 7.2's XCLAIM/XAUTOCLAIM
// create their consumer even when they claim nothing (7.0 does not): they use consumer c3 only,
// which XGROUP CREATECONSUMER/DELCONSUMER leave alone, and XINFO GROUPS' consumer count is
// compared as 7.0 sees it (differential.test.ts).
const streamMs = fc.integer({ min: 0, max: 30 }).map(String);
const streamId: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: streamMs },
  { weight: 6, arbitrary: fc.tuple(streamMs, fc.integer({ min: 0, max: 3 })).map(([m, q]) => `${m}-${q}`) },
  { weight: 1, arbitrary: pick('0-0', '18446744073709551615-0', '9007199254740993-5', 'x', '1-x', '-1', '') },
);
const rangeId = fc.oneof({ weight: 6, arbitrary: streamId }, { weight: 2, arbitrary: pick('-', '+') }, { weight: 2, arbitrary: streamId.map((i) => `(${i}`) });
const addId = fc.oneof({ weight: 6, arbitrary: streamId }, { weight: 2, arbitrary: streamMs.map((m) => `${m}-*`) });
const trimSpec = cmd(
  fc.oneof(cmd('MAXLEN', opt(pick('~', '=')), fc.oneof(countArg, pick('0', '1', '3'))), cmd('MINID', opt(pick('~', '=')), streamId)),
  opt('LIMIT', countArg),
);
const cgroup = pick('g1', 'g2');
const consumerName = pick('c1', 'c2', 'c3');
const streamIds = (min: number, max: number) => list(streamId, min, max);

export const streams = weighted(
  [12, cmd('XADD', key, opt('NOMKSTREAM'), opt(trimSpec), addId, fieldValues(1, 2))],
  [3, cmd('XADD', key, addId, 'f', value)],
  [4, cmd(pick('XRANGE', 'XREVRANGE'), key, rangeId, rangeId, opt('COUNT', countArg))],
  [2, cmd('XLEN', key)],
  [2, cmd('XDEL', key, streamIds(1, 3))],
  [2, cmd('XTRIM', key, trimSpec)],
  [4, cmd('XREAD', opt('COUNT', countArg), 'STREAMS', key, fc.oneof(streamId, pick('$', '0')))],
  [1, cmd('XREAD', 'STREAMS', key, key, fc.oneof(streamId, pick('$')), fc.oneof(streamId, pick('$')))],
  [5, cmd('XREADGROUP', 'GROUP', cgroup, consumerName, opt('COUNT', countArg), opt('NOACK'), 'STREAMS', key, fc.oneof(pick('>', '>', '0'), streamId))],
  [3, cmd('XGROUP', 'CREATE', key, cgroup, fc.oneof(streamId, pick('$', '0')), opt('MKSTREAM'), opt('ENTRIESREAD', fc.oneof(small, pick('3'))))],
  [2, cmd('XGROUP', 'SETID', key, cgroup, fc.oneof(streamId, pick('$', '-', '+')), opt('ENTRIESREAD', pick('-1', '2', '5')))],
  [1, cmd('XGROUP', 'DESTROY', key, cgroup)],
  [1, cmd('XGROUP', pick('CREATECONSUMER', 'DELCONSUMER'), key, cgroup, pick('c1', 'c2'))],
  [3, cmd('XACK', key, cgroup, streamIds(1, 3))],
  [2, cmd('XPENDING', key, cgroup)],
  [3, cmd('XCLAIM', key, cgroup, 'c3', '0', streamIds(1, 3), opt('JUSTID'), opt('FORCE'), opt('RETRYCOUNT', pick('0', '5')), opt('LASTID', streamId))],
  [2, cmd('XAUTOCLAIM', key, cgroup, 'c3', '0', rangeId, opt('COUNT', pick('1', '2', '100', '0')), opt('JUSTID'))],
  [2, cmd('XINFO', 'STREAM', key)],
  [2, cmd('XINFO', 'GROUPS', key)],
  [1, cmd('XSETID', key, pick('99999999999999-0', '99999999999999-5'))],
  [1, cmd('TYPE', key)],
  [1, cmd('DEL', key)],
);

/** Random commands: compared by invariants, not by value. */
export const RANDOM_COMMANDS = new Set(['spop', 'srandmember', 'hrandfield', 'zrandmember', 'randomkey']);

// Transactions: two clients, WATCH, queued commands (valid, failing at run time, and rejected at
// queue time), EXEC and DISCARD.
const txBody = weighted(
  [6, cmd('SET', key, value)],
  [4, cmd('GET', key)],
  [4, cmd('INCR', key)],
  [3, cmd('LPUSH', key, members(1, 2))],
  [3, cmd('SADD', key, members(1, 2))],
  [2, cmd('HSET', key, fieldValues(1, 1))],
  [2, cmd('DEL', key)],
  [2, cmd('EXPIRE', key, expireSeconds)],
  [1, cmd('GET')],
  [1, cmd('NOSUCHCMD', opt(key))],
  [1, cmd(pick('MULTI', 'WATCH'), opt(key))],
  [1, cmd('SRANDMEMBER', key)],
  [1, cmd('SPOP', key)],
  // keys that are logically expired (WATCH of an expired key), whole-database changes
  [1, cmd('SET', key, value, 'PXAT', pick('1', '4000000000000'))],
  [1, cmd('EXPIREAT', key, pick('1', '4000000000'))],
  [1, cmd('SELECT', pick('0', '1'))],
  [1, cmd(pick('FLUSHDB', 'FLUSHALL'))],
  [1, cmd('SWAPDB', '0', '1')],
  [1, cmd('EXISTS', key)],
);
const other = (c: number) => (argv: Argv): Step => ({ client: c, argv });
const txBlock = fc
  .tuple(
    fc.integer({ min: 0, max: 1 }),
    opt('WATCH', keys(1, 2)),
    list(txBody, 0, 2),
    list(txBody, 0, 5),
    list(txBody, 0, 2),
    fc.oneof({ weight: 12, arbitrary: fc.constant<string[]>(['EXEC']) }, { weight: 4, arbitrary: fc.constant<string[]>(['DISCARD']) }, { weight: 1, arbitrary: fc.constant<string[]>(['EXEC', 'x']) }),
  )
  .map(([c, watch, before, body, during, end]) => [
    ...(watch.length ? [other(c)(watch)] : []),
    ...before.map(other(1 - c)),
    other(c)(['MULTI']),
    ...body.map(other(c)),
    ...during.map(other(1 - c)),
    other(c)(end),
  ]);
const txLoose = weighted(
  [3, cmd(pick('MULTI', 'EXEC', 'DISCARD', 'UNWATCH'))],
  [2, cmd('WATCH', keys(1, 2))],
  [1, cmd(pick('MULTI', 'EXEC', 'DISCARD', 'UNWATCH'), key)],
  [6, txBody],
);
export const transactionSteps: fc.Arbitrary<Step[]> = fc.oneof(
  { weight: 3, arbitrary: txBlock },
  { weight: 4, arbitrary: fc.tuple(fc.integer({ min: 0, max: 1 }), withMalformed(txLoose)).map(([c, a]) => [other(c)(a)]) },
);

export const families = {
  keys: keyspace,
  sort,
  strings,
  bitmaps,
  hashes,
  lists,
  sets,
  zsets,
  geo,
  hyperloglog,
  hyperloglog_damaged: hyperloglogDamaged,
  streams,
} as const;
export type Family = keyof typeof families | 'transactions' | 'mixed';

/** A sequence of one family's commands (malformed ones included), from client 0. */
export function familySequence(arb: fc.Arbitrary<Argv>, foreign: fc.Arbitrary<Argv> | null, maxLength: number): fc.Arbitrary<Step[]> {
  const one = foreign === null ? withMalformed(arb) : fc.oneof({ weight: 15, arbitrary: withMalformed(arb) }, { weight: 1, arbitrary: foreign });
  return fc.array(one.map(other(0)), { minLength: 1, maxLength, size: 'max' });
}

/** Commands that create values of other types, for WRONGTYPE paths. */
// They write to k2/k3 only, so that k0/k1 stay mostly of the family's own type.
const foreignKey = pick('k3', 'k3', 'k2');
export const foreignWriters: Record<string, fc.Arbitrary<Argv>> = {
  keys: cmd('DEL', foreignKey),
  strings: cmd('SET', foreignKey, value),
  lists: cmd('RPUSH', foreignKey, members(1, 2)),
  sets: cmd('SADD', foreignKey, members(1, 2)),
  hashes: cmd('HSET', foreignKey, fieldValues(1, 1)),
  zsets: cmd('ZADD', foreignKey, scoreMembers(1, 1)),
  streams: cmd('XADD', foreignKey, '1-1', 'f', value),
};

/** Every family at once, transactions included. */
export function mixedSequence(arbs: fc.Arbitrary<Argv>[], withTransactions: boolean, maxLength: number): fc.Arbitrary<Step[]> {
  const all = fc.oneof(...arbs.map((a) => withMalformed(a)));
  const one = all.map((a) => [other(0)(a)]);
  return fc
    .array(withTransactions ? fc.oneof({ weight: 12, arbitrary: one }, { weight: 1, arbitrary: transactionSteps }) : one, {
      minLength: 1,
      maxLength,
      size: 'max',
    })
    .map((xs) => xs.flat());
}

export function transactionSequence(maxLength: number): fc.Arbitrary<Step[]> {
  return fc.array(transactionSteps, { minLength: 1, maxLength, size: 'max' }).map((xs) => xs.flat());
}
