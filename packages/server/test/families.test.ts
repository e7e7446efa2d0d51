/**
 * Every core command family through three real clients: ioredis (RESP2), node-redis in RESP3
 * (maps, sets and doubles arrive as their RESP3 types) and redis-cli (its formatted output, as a
 * user sees it). Each family is one script of commands with the exact reply Redis gives; the same
 * script runs through each client after a FLUSHALL, so the three see the same states.
 *
 * The expectations are Redis's: `MEMORYKV_TEST_REDIS_PORT=7117 npx vitest run
 * packages/server/test/families` runs this file against a redis-server already listening there
 * instead of memorykv (the memorykv-only checks are then skipped).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createClient, RESP_TYPES } from 'redis';
import { Redis } from 'ioredis';
import { startServer, type TestServer } from './helpers.ts';

// ---------------------------------------------------------------------------------------------
// Expected replies: one description, rendered as each client shows it.

class Status {
  constructor(readonly text: string) {}
}
class Err {
  constructor(readonly message: string) {}
}
/** A double: a bulk string in RESP2, a RESP3 double (a JS number in node-redis). */
class Dbl {
  constructor(readonly text: string) {}
}
class MapR {
  constructor(readonly entries: [Exp, Exp][]) {}
}
class SetR {
  constructor(readonly items: Exp[]) {}
}
/** Where the RESP3 reply is shaped differently (pairs instead of a flat array ...): as node-redis returns it. */
class Resp3 {
  constructor(
    readonly resp2: Exp,
    readonly resp3: unknown,
  ) {}
}
/** Where Redis 7.0 (Debian's redis-server, for checking expectations) differs from 7.2, the spec. */
class V72 {
  constructor(
    readonly v72: Exp,
    readonly v70: Exp,
  ) {}
}
/** `*-1` (a null array): nil in every client. */
const NIL_ARRAY = Symbol('null array');
type Exp = string | number | null | typeof NIL_ARRAY | Status | Err | Dbl | MapR | SetR | Resp3 | V72 | Exp[];

const ok = new Status('OK');
const st = (s: string) => new Status(s);
const err = (m: string) => new Err(m);
const dbl = (s: string) => new Dbl(s);
const map = (...entries: [Exp, Exp][]) => new MapR(entries);
const set = (...items: Exp[]) => new SetR(items);
const resp3 = (resp2: Exp, r3: unknown) => new Resp3(resp2, r3);
const v72 = (v72: Exp, v70: Exp) => new V72(v72, v70);
/** Small lists are listpacks since Redis 7.2. */
const LIST_ENCODING = v72('listpack', 'quicklist');
/** WITHSCORES: flat member, score in RESP2; [member, double] pairs in RESP3. */
const scores = (...pairs: [string, string][]) =>
  resp3(
    pairs.flatMap(([m, s]) => [m, s]),
    pairs.map(([m, s]) => [m, Number(s)]),
  );
const WRONGTYPE = err('WRONGTYPE Operation against a key holding the wrong kind of value');
const NOT_INT = err('ERR value is not an integer or out of range');
const arity = (cmd: string) => err(`ERR wrong number of arguments for '${cmd}' command`);

/** What ioredis resolves with (RESP2); errors are thrown and compared apart. */
function asIoredis(e: Exp): unknown {
  if (e instanceof Status) return e.text;
  if (e instanceof Dbl) return e.text;
  if (e instanceof MapR) return e.entries.flatMap(([k, v]) => [asIoredis(k), asIoredis(v)]);
  if (e instanceof SetR) return e.items.map(asIoredis);
  if (e instanceof Resp3) return asIoredis(e.resp2);
  if (e instanceof V72) return asIoredis(resolve(e));
  if (e === NIL_ARRAY) return null;
  if (Array.isArray(e)) return e.map(asIoredis);
  return e;
}

/** What node-redis resolves with in RESP3, maps as Map and sets as Set (see NODE_TYPES). */
function asNodeRedis(e: Exp): unknown {
  if (e instanceof Status) return e.text;
  if (e instanceof Dbl) return Number(e.text);
  if (e instanceof MapR) return new Map(e.entries.map(([k, v]) => [asNodeRedis(k), asNodeRedis(v)]));
  if (e instanceof SetR) return new Set(e.items.map(asNodeRedis));
  if (e instanceof Resp3) return e.resp3;
  if (e instanceof V72) return asNodeRedis(resolve(e));
  if (e === NIL_ARRAY) return null;
  if (Array.isArray(e)) return e.map(asNodeRedis);
  return e;
}

/** sdscatrepr, as redis-cli quotes a string. */
function repr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (ch === '\\' || ch === '"') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else out += '\\x' + c.toString(16).padStart(2, '0');
  }
  return out + '"';
}

/** redis-cli's formatted (TTY) output of a RESP2 reply: cliFormatReplyTTY. */
function asCli(e: Exp, prefix = ''): string {
  if (e instanceof Status) return e.text + '\n';
  if (e instanceof Err) return `(error) ${e.message}\n`;
  if (e instanceof Dbl) return repr(e.text) + '\n';
  if (e instanceof MapR) return asCli(e.entries.flat(), prefix);
  if (e instanceof SetR) return asCli(e.items, prefix);
  if (e instanceof Resp3) return asCli(e.resp2, prefix);
  if (e instanceof V72) return asCli(resolve(e), prefix);
  if (e === null || e === NIL_ARRAY) return '(nil)\n';
  if (typeof e === 'number') return `(integer) ${e}\n`;
  if (typeof e === 'string') return repr(e) + '\n';
  if (e.length === 0) return '(empty array)\n';
  const width = String(e.length).length;
  const inner = prefix + ' '.repeat(width + 2);
  let out = '';
  e.forEach((item, i) => {
    out += `${i === 0 ? '' : prefix}${String(i + 1).padStart(width)}) ` + asCli(item, inner);
  });
  return out;
}

/** One line of redis-cli input: every argument quoted (sdssplitargs reads \xhh escapes). */
function cliLine(argv: (string | number)[]): string {
  return argv.map((a) => repr(String(a))).join(' ');
}

// ---------------------------------------------------------------------------------------------
// The scripts: [argv, expected reply].
//
// Keys that one command uses together (SUNION, RENAME, LMOVE, BITOP, PFMERGE, SORT ... STORE ...)
// share a hash tag ({list}l, {list}l2 ...), so the file also runs against a sharded memorykv
// (MKV_TEST_SHARDS=4), where such keys must be in one slot; tags change nothing for standalone
// Redis. The tags differ between families and land on different shards; the rest of the keys
// stay untagged, so MSET/MGET/EXISTS/DEL/UNLINK/TOUCH still span several shards.

type Step = [(string | number)[], Exp];

const families: Record<string, Step[]> = {
  strings: [
    [['SET', 's', 'hello'], ok],
    [['GET', 's'], 'hello'],
    [['APPEND', 's', ' world'], 11],
    [['STRLEN', 's'], 11],
    [['GETRANGE', 's', 0, 4], 'hello'],
    [['SETRANGE', 's', 6, 'W'], 11],
    [['GET', 's'], 'hello World'],
    [['SET', 's', 'x', 'NX'], null],
    [['SET', 's', 'v2', 'XX', 'GET'], 'hello World'],
    [['GETDEL', 's'], 'v2'],
    [['GET', 's'], null],
    [['MSET', '{str}a', 1, 'b', 2], ok],
    [['MGET', '{str}a', 'b', 'c'], ['1', '2', null]],
    [['INCR', '{str}a'], 2],
    [['INCRBY', '{str}a', 10], 12],
    [['DECR', '{str}a'], 11],
    [['DECRBY', '{str}a', 5], 6],
    [['INCRBYFLOAT', '{str}a', '1.5'], '7.5'],
    [['INCR', '{str}a'], NOT_INT],
    [['INCRBY', 'b', 'x'], NOT_INT],
    [['SET', 'big', '9223372036854775807'], ok],
    [['INCR', 'big'], err('ERR increment or decrement would overflow')],
    [['DECRBY', 'big', '-9223372036854775808'], err('ERR decrement would overflow')],
    [['SETNX', '{str}a', 9], 0],
    [['MSETNX', '{str}a', 1, '{str}z', 2], 0],
    [['EXISTS', '{str}z'], 0],
    [['SET', '{lcs}k1', 'ohmytext'], ok],
    [['SET', '{lcs}k2', 'mynewtext'], ok],
    [['LCS', '{lcs}k1', '{lcs}k2'], 'mytext'],
    [['LCS', '{lcs}k1', '{lcs}k2', 'LEN'], 6],
    [['GETEX', '{lcs}k1', 'PERSIST'], 'ohmytext'],
    [['SET', '{lcs}k1', 'v', 'EX', 0], err("ERR invalid expire time in 'set' command")],
    [['SET', '{lcs}k1', 'v', 'PX', 'abc'], NOT_INT],
    [['SET', '{lcs}k1', 'v', 'NX', 'XX'], err('ERR syntax error')],
    [['GET'], arity('get')],
    [['GET', '{lcs}k1'], 'ohmytext'],
    [['OBJECT', 'ENCODING', '{lcs}k1'], 'embstr'],
    [['SET', 'n', 12345], ok],
    [['OBJECT', 'ENCODING', 'n'], 'int'],
    [['RPUSH', 'list', 'x'], 1],
    [['GET', 'list'], WRONGTYPE],
    [['APPEND', 'list', 'x'], WRONGTYPE],
  ],
  bitmaps: [
    [['SETBIT', '{bit}b', 7, 1], 0],
    [['GETBIT', '{bit}b', 7], 1],
    [['GETBIT', '{bit}b', 100], 0],
    [['GET', '{bit}b'], '\x01'],
    [['SETBIT', '{bit}b', 1, 2], err('ERR bit is not an integer or out of range')],
    [['SETBIT', '{bit}b', -1, 1], err('ERR bit offset is not an integer or out of range')],
    [['BITCOUNT', '{bit}b'], 1],
    [['SET', '{bitop}fb', 'foobar'], ok],
    [['BITCOUNT', '{bitop}fb'], 26],
    [['BITCOUNT', '{bitop}fb', 1, 1], 6],
    [['BITCOUNT', '{bitop}fb', 5, 30, 'BIT'], 17],
    [['BITPOS', '{bitop}fb', 1], 1],
    [['BITPOS', '{bitop}fb', 0, 0, -1], 0],
    [['BITOP', 'AND', '{bitop}dest', '{bitop}fb', '{bitop}fb'], 6],
    [['GET', '{bitop}dest'], 'foobar'],
    [['BITOP', 'NOT', '{bit}inv', '{bit}b'], 1],
    [['GETBIT', '{bit}inv', 0], 1],
    [['GETBIT', '{bit}inv', 7], 0],
    [['BITFIELD', 'bf', 'SET', 'u8', 0, 200, 'GET', 'u8', 0], [0, 200]],
    [['BITFIELD', 'bf', 'OVERFLOW', 'SAT', 'INCRBY', 'u8', 0, 100], [255]],
    [['BITFIELD', 'bf', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', 0, 1], [null]],
    [['BITFIELD_RO', 'bf', 'GET', 'u4', 0], [15]],
    [['BITFIELD', 'bf', 'GET', 'u99', 0], err('ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.')],
    [['HSET', 'h', 'f', 'v'], 1],
    [['GETBIT', 'h', 0], WRONGTYPE],
  ],
  hashes: [
    [['HSET', 'h', 'f1', 'v1', 'f2', 'v2'], 2],
    [['HGET', 'h', 'f1'], 'v1'],
    [['HGET', 'h', 'nofield'], null],
    [['HGETALL', 'h'], map(['f1', 'v1'], ['f2', 'v2'])],
    [['HGETALL', 'nohash'], map()],
    [['HMGET', 'h', 'f1', 'nofield'], ['v1', null]],
    [['HLEN', 'h'], 2],
    [['HEXISTS', 'h', 'f2'], 1],
    [['HINCRBY', 'h', 'n', 5], 5],
    [['HINCRBYFLOAT', 'h', 'n', '0.5'], '5.5'],
    [['HINCRBY', 'h', 'f1', 1], err('ERR hash value is not an integer')],
    [['HINCRBY', 'h', 'n', 'x'], NOT_INT],
    [['HKEYS', 'h'], ['f1', 'f2', 'n']],
    [['HVALS', 'h'], ['v1', 'v2', '5.5']],
    [['HSTRLEN', 'h', 'f1'], 2],
    [['HSETNX', 'h', 'f1', 'x'], 0],
    [['HDEL', 'h', 'f1', 'nofield'], 1],
    [['HSCAN', 'h', 0], ['0', ['f2', 'v2', 'n', '5.5']]],
    [['HSCAN', 'h', 0, 'MATCH', 'f*'], ['0', ['f2', 'v2']]],
    [['HSET', 'one', 'f', 'v'], 1],
    [['HRANDFIELD', 'one'], 'f'],
    [['HRANDFIELD', 'one', 1, 'WITHVALUES'], resp3(['f', 'v'], [['f', 'v']])],
    [['OBJECT', 'ENCODING', 'h'], 'listpack'],
    [['HSET', 'h', 'f'], arity('hset')],
    [['SET', 's', 'x'], ok],
    [['HGET', 's', 'f'], WRONGTYPE],
    [['HSET', 's', 'f', 'v'], WRONGTYPE],
  ],
  lists: [
    [['RPUSH', '{list}l', 'a', 'b', 'c'], 3],
    [['LPUSH', '{list}l', 'z'], 4],
    [['LRANGE', '{list}l', 0, -1], ['z', 'a', 'b', 'c']],
    [['LLEN', '{list}l'], 4],
    [['LINDEX', '{list}l', 1], 'a'],
    [['LINDEX', '{list}l', 9], null],
    [['LSET', '{list}l', 0, 'Z'], ok],
    [['LINSERT', '{list}l', 'BEFORE', 'b', 'x'], 5],
    [['LPOS', '{list}l', 'b'], 3],
    [['LPOS', '{list}l', 'nope'], null],
    [['LREM', '{list}l', 1, 'x'], 1],
    [['LPOP', '{list}l'], 'Z'],
    [['RPOP', '{list}l', 2], ['c', 'b']],
    [['LPOP', '{list}nolist'], null],
    [['LPOP', '{list}nolist', 2], NIL_ARRAY],
    [['RPUSH', '{list}l2', 1, 2, 3], 3],
    [['LMOVE', '{list}l2', '{list}l', 'RIGHT', 'LEFT'], '3'],
    [['RPOPLPUSH', '{list}l', '{list}l3'], 'a'],
    [['LRANGE', '{list}l', 0, -1], ['3']],
    [['LMPOP', 2, '{list}nolist', '{list}l2', 'LEFT', 'COUNT', 5], ['{list}l2', ['1', '2']]],
    [['LMPOP', 1, '{list}nolist', 'LEFT'], NIL_ARRAY],
    [['EXISTS', '{list}l2'], 0],
    [['RPUSH', 'l4', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 12],
    [['LTRIM', 'l4', 1, -2], ok],
    [['LRANGE', 'l4', 0, -1], ['2', '3', '4', '5', '6', '7', '8', '9', '10', '11']],
    [['OBJECT', 'ENCODING', 'l4'], LIST_ENCODING],
    [['LSET', '{list}nolist', 0, 'x'], err('ERR no such key')],
    [['LSET', '{list}l', 10, 'x'], err('ERR index out of range')],
    [['LPOP', '{list}l', -1], err('ERR value is out of range, must be positive')],
    [['LINSERT', '{list}l', 'MIDDLE', 'a', 'b'], err('ERR syntax error')],
    [['SET', 's', 'x'], ok],
    [['LPUSH', 's', 'x'], WRONGTYPE],
  ],
  sets: [
    [['SADD', '{set}s', 3, 1, 2], 3],
    [['SADD', '{set}s', 2], 0],
    [['SMEMBERS', '{set}s'], set('1', '2', '3')],
    [['SMEMBERS', 'noset'], set()],
    [['SISMEMBER', '{set}s', 2], 1],
    [['SMISMEMBER', '{set}s', 1, 9], [1, 0]],
    [['SCARD', '{set}s'], 3],
    [['OBJECT', 'ENCODING', '{set}s'], 'intset'],
    [['SADD', '{set}t', 2, 3, 4], 3],
    [['SINTER', '{set}s', '{set}t'], set('2', '3')],
    [['SUNION', '{set}s', '{set}t'], set('1', '2', '3', '4')],
    [['SDIFF', '{set}s', '{set}t'], set('1')],
    [['SINTERCARD', 2, '{set}s', '{set}t'], 2],
    [['SINTERCARD', 2, '{set}s', '{set}t', 'LIMIT', 1], 1],
    [['SINTERSTORE', '{set}d', '{set}s', '{set}t'], 2],
    [['SMEMBERS', '{set}d'], set('2', '3')],
    [['SREM', '{set}s', 1, 9], 1],
    [['SMOVE', '{set}s', '{set}t', 2], 1],
    [['SMEMBERS', '{set}t'], set('2', '3', '4')],
    [['SSCAN', '{set}s', 0], ['0', ['3']]],
    [['SADD', 'one', 'x'], 1],
    [['SPOP', 'one'], 'x'],
    [['EXISTS', 'one'], 0],
    [['SRANDMEMBER', 'noset'], null],
    [['SRANDMEMBER', 'noset', 2], []],
    [['SRANDMEMBER', '{set}s', 'x'], NOT_INT],
    [['SINTERCARD', 0, '{set}s'], err('ERR numkeys should be greater than 0')],
    [['SET', 'str', 'x'], ok],
    [['SADD', 'str', 'x'], WRONGTYPE],
  ],
  'sorted sets': [
    [['ZADD', 'z', 1, 'a', 2, 'b', 3, 'c'], 3],
    [['ZSCORE', 'z', 'b'], dbl('2')],
    [['ZSCORE', 'z', 'nomember'], null],
    [['ZINCRBY', 'z', '1.5', 'a'], dbl('2.5')],
    [['ZRANGE', 'z', 0, -1], ['b', 'a', 'c']],
    [['ZRANGE', 'z', 0, -1, 'WITHSCORES'], scores(['b', '2'], ['a', '2.5'], ['c', '3'])],
    [['ZRANK', 'z', 'c'], 2],
    [['ZREVRANK', 'z', 'c'], 0],
    [['ZCARD', 'z'], 3],
    [['ZCOUNT', 'z', 2, '2.5'], 2],
    [['ZRANGEBYSCORE', 'z', '(2', '+inf'], ['a', 'c']],
    [['ZRANGE', 'z', '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, 1], ['c']],
    [['ZMSCORE', 'z', 'a', 'x'], resp3(['2.5', null], [2.5, null])],
    [['ZADD', 'lex', 0, 'a', 0, 'b', 0, 'c'], 3],
    [['ZRANGEBYLEX', 'lex', '[b', '+'], ['b', 'c']],
    [['ZLEXCOUNT', 'lex', '-', '(c'], 2],
    [['ZADD', 'z', 'INCR', 1, 'm'], dbl('1')],
    [['ZADD', 'z', 'NX', 'INCR', 1, 'm'], null],
    [['ZADD', 'z', 'XX', 'CH', 5, 'm', 6, 'new'], 1],
    [['ZREM', 'z', 'm', 'nomember'], 1],
    [['ZPOPMIN', 'z'], resp3(['b', '2'], ['b', 2])],
    [['ZPOPMAX', 'z', 2], scores(['c', '3'], ['a', '2.5'])],
    [['EXISTS', 'z'], 0],
    [['ZADD', '{zset}z1', 1, 'x', 2, 'y'], 2],
    [['ZADD', '{zset}z2', 10, 'y', 20, 'w'], 2],
    [['ZUNIONSTORE', '{zset}u', 2, '{zset}z1', '{zset}z2', 'WEIGHTS', 2, 1], 3],
    [['ZRANGE', '{zset}u', 0, -1, 'WITHSCORES'], scores(['x', '2'], ['y', '14'], ['w', '20'])],
    [['ZINTER', 2, '{zset}z1', '{zset}z2', 'AGGREGATE', 'MAX', 'WITHSCORES'], scores(['y', '10'])],
    [['ZRANDMEMBER', '{zset}z1', 'x'], NOT_INT],
    [['OBJECT', 'ENCODING', '{zset}u'], 'listpack'],
    [['ZADD', 'z', 'x', 'a'], err('ERR value is not a valid float')],
    [['ZADD', 'z', 'NX', 'XX', 1, 'a'], err('ERR XX and NX options at the same time are not compatible')],
    [['ZRANGE', '{zset}z1', 0, -1, 'LIMIT', 0, 1], err('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX')],
    [['SET', 's', 'x'], ok],
    [['ZADD', 's', 1, 'a'], WRONGTYPE],
  ],
  geo: [
    [['GEOADD', '{geo}g', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'], 2],
    [['GEODIST', '{geo}g', 'Palermo', 'Catania'], '166274.1516'],
    [['GEODIST', '{geo}g', 'Palermo', 'Catania', 'km'], '166.2742'],
    [['GEODIST', '{geo}g', 'Palermo', 'nowhere'], null],
    [['GEOHASH', '{geo}g', 'Palermo', 'Catania', 'nowhere'], ['sqc8b49rny0', 'sqdtr74hyu0', null]],
    [
      ['GEOPOS', '{geo}g', 'Palermo', 'nowhere'],
      resp3([['13.36138933897018433', '38.11555639549629859'], null], [[13.361389338970184, 38.1155563954963], null]),
    ],
    [['GEOSEARCH', '{geo}g', 'FROMLONLAT', 15, 37, 'BYRADIUS', 200, 'km', 'ASC'], ['Catania', 'Palermo']],
    [
      ['GEOSEARCH', '{geo}g', 'FROMLONLAT', 15, 37, 'BYRADIUS', 200, 'km', 'ASC', 'WITHDIST'],
      [
        ['Catania', '56.4413'],
        ['Palermo', '190.4424'],
      ],
    ],
    [['GEOSEARCH', '{geo}g', 'FROMMEMBER', 'Palermo', 'BYBOX', 400, 400, 'km', 'DESC', 'COUNT', 1], ['Catania']],
    [['GEOSEARCHSTORE', '{geo}dst', '{geo}g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', 100, 'km'], 1],
    [['ZRANGE', '{geo}dst', 0, -1], ['Palermo']],
    [['ZSCORE', '{geo}g', 'Palermo'], dbl('3479099956230698')],
    [['GEOADD', '{geo}g', 200, 100, 'x'], err('ERR invalid longitude,latitude pair 200.000000,100.000000')],
    [['GEOADD', '{geo}g', 'NX', 'XX', 1, 1, 'x'], err('ERR syntax error')],
    [['GEOSEARCH', '{geo}g', 'FROMMEMBER', 'nowhere', 'BYRADIUS', 1, 'km'], err('ERR could not decode requested zset member')],
  ],
  hyperloglog: [
    [['PFADD', '{hll}hll', 'a', 'b', 'c'], 1],
    [['PFADD', '{hll}hll', 'a'], 0],
    [['PFCOUNT', '{hll}hll'], 3],
    [['PFADD', '{hll}h2', 'c', 'd'], 1],
    [['PFCOUNT', '{hll}hll', '{hll}h2'], 4],
    [['PFMERGE', '{hll}m', '{hll}hll', '{hll}h2'], ok],
    [['PFCOUNT', '{hll}m'], 4],
    [['PFADD', 'empty'], 1],
    [['PFCOUNT', 'empty'], 0],
    [['TYPE', '{hll}hll'], st('string')],
    [['SET', 'nothll', 'x'], ok],
    [['PFCOUNT', 'nothll'], err('WRONGTYPE Key is not a valid HyperLogLog string value.')],
    [['RPUSH', 'list', 'x'], 1],
    [['PFADD', 'list', 'x'], WRONGTYPE],
  ],
  'keys, expire, scan, sort': [
    [['SET', '{keys}k1', 'v'], ok],
    [['EXISTS', '{keys}k1', 'nokey', '{keys}k1'], 2],
    [['TYPE', '{keys}k1'], st('string')],
    [['TYPE', 'nokey'], st('none')],
    [['RENAME', '{keys}k1', '{keys}k2'], ok],
    [['RENAME', '{keys}nokey', '{keys}x'], err('ERR no such key')],
    [['EXPIREAT', '{keys}k2', 4102444800], 1],
    [['EXPIRETIME', '{keys}k2'], 4102444800],
    [['PEXPIRETIME', '{keys}k2'], 4102444800000],
    [['TTL', 'nokey'], -2],
    [['PERSIST', '{keys}k2'], 1],
    [['TTL', '{keys}k2'], -1],
    [['EXPIRE', '{keys}k2', 100, 'XX'], 0],
    [['EXPIRE', '{keys}k2', 100, 'NX'], 1],
    [['EXPIRE', '{keys}k2', 100, 'NX'], 0],
    [['EXPIRE', '{keys}k2', 'x'], NOT_INT],
    [['EXPIRE', '{keys}k2', 100, 'NX', 'XX'], err('ERR NX and XX, GT or LT options at the same time are not compatible')],
    [['PERSIST', '{keys}k2'], 1],
    [['COPY', '{keys}k2', '{keys}k3'], 1],
    [['COPY', '{keys}k2', '{keys}k3'], 0],
    [['DEL', '{keys}k2', '{keys}k3', 'nokey'], 2],
    [['RPUSH', '{sort}srt', 3, 1, 2], 3],
    [['SORT', '{sort}srt'], ['1', '2', '3']],
    [['SORT', '{sort}srt', 'DESC', 'LIMIT', 0, 2], ['3', '2']],
    [['RPUSH', 'names', 'b', 'a', 'c'], 3],
    [['SORT', 'names', 'ALPHA'], ['a', 'b', 'c']],
    [['SORT_RO', 'names', 'ALPHA', 'DESC'], ['c', 'b', 'a']],
    [['SORT', 'names'], err("ERR One or more scores can't be converted into double")],
    [['MSET', '{sort}w_1', 30, '{sort}w_2', 10, '{sort}w_3', 20], ok],
    [['SORT', '{sort}srt', 'BY', '{sort}w_*', 'GET', '#', 'GET', '{sort}w_*'], ['2', '10', '3', '20', '1', '30']],
    [['SORT', '{sort}srt', 'STORE', '{sort}out'], 3],
    [['LRANGE', '{sort}out', 0, -1], ['1', '2', '3']],
    [['KEYS', '{sort}sr*'], ['{sort}srt']],
    [['SCAN', 0, 'MATCH', 'nam*', 'COUNT', 1000], ['0', ['names']]],
    [['SCAN', 0, 'TYPE', 'string', 'MATCH', '{sort}w_2', 'COUNT', 1000], ['0', ['{sort}w_2']]],
    [['SCAN', 'x'], err('ERR invalid cursor')],
    [['DBSIZE'], 6],
    [['UNLINK', '{sort}w_1', '{sort}w_2', '{sort}w_3', '{sort}out', 'names'], 5],
    [['RANDOMKEY'], '{sort}srt'],
    [['TOUCH', '{sort}srt', 'nokey'], 1],
    [['OBJECT', 'ENCODING', '{sort}srt'], LIST_ENCODING],
    [['OBJECT', 'ENCODING', 'nokey'], null],
  ],
  'select, swapdb': [
    [['SET', 'k', 'db0'], ok],
    [['SELECT', 1], ok],
    [['GET', 'k'], null],
    [['SET', 'k', 'db1'], ok],
    [['SWAPDB', 0, 1], ok],
    [['GET', 'k'], 'db0'],
    [['SELECT', 0], ok],
    [['GET', 'k'], 'db1'],
    [['MOVE', 'k', 2], 1],
    [['MOVE', 'k', 2], 0],
    [['SELECT', 2], ok],
    [['GET', 'k'], 'db1'],
    [['DBSIZE'], 1],
    [['FLUSHDB'], ok],
    [['DBSIZE'], 0],
    [['SELECT', 16], err('ERR DB index is out of range')],
    [['SELECT', 'x'], NOT_INT],
    [['SWAPDB', 0, 'x'], err('ERR invalid second DB index')],
    [['SWAPDB', 0, 99], err('ERR DB index is out of range')],
    [['MOVE', 'k', 2], err('ERR source and destination objects are the same')],
    [['SELECT', 0], ok],
    [['GET', 'k'], null],
  ],
};

// ---------------------------------------------------------------------------------------------

/** The server under test: memorykv, or an external redis-server to check the expectations. */
interface Target {
  port: number;
  external: boolean;
  t: TestServer | null;
  ioredis(): Redis;
  nodeRedis(): Promise<ReturnType<typeof createClient>>;
  cli(args: string[], input?: string): Promise<string>;
  close(): Promise<void>;
}

async function target(): Promise<Target> {
  const externalPort = Number(process.env.MEMORYKV_TEST_REDIS_PORT ?? 0);
  if (!externalPort) {
    const t = await startServer();
    return {
      port: t.port,
      external: false,
      t,
      ioredis: () => t.ioredis(),
      nodeRedis: () => t.nodeRedis({ RESP: 3 }),
      cli: (args, input) => t.cli(args, input),
      close: () => t.close(),
    };
  }
  const closers: (() => unknown)[] = [];
  return {
    port: externalPort,
    external: true,
    t: null,
    ioredis() {
      const r = new Redis({ port: externalPort, host: '127.0.0.1', retryStrategy: () => null, maxRetriesPerRequest: 0 });
      closers.push(() => r.disconnect());
      return r;
    },
    async nodeRedis() {
      const c = createClient({ url: `redis://127.0.0.1:${externalPort}`, RESP: 3, socket: { reconnectStrategy: false } });
      c.on('error', () => {});
      closers.push(() => c.destroy());
      await c.connect();
      return c;
    },
    cli: (args, input) =>
      new Promise((resolve, reject) => {
        const child = execFile('redis-cli', ['-h', '127.0.0.1', '-p', String(externalPort), ...args], { timeout: 20_000, encoding: 'latin1' }, (e, out, stderr) =>
          e ? reject(new Error(`${e.message}\n${stderr}`)) : resolve(out),
        );
        child.stdin!.end(input ?? '');
      }),
    async close() {
      for (const c of closers.splice(0)) await c();
    },
  };
}

/** node-redis type mapping: maps and sets as their own JS types, so RESP3 types are visible. */
const NODE_TYPES = { [RESP_TYPES.MAP]: Map, [RESP_TYPES.SET]: Set } as const;
const NODE_BUFFERS = { [RESP_TYPES.BLOB_STRING]: Buffer } as const;

let T: Target;
const resolve = (e: Exp): Exp => (e instanceof V72 ? (T.external ? e.v70 : e.v72) : e);
let io: Redis;
let nodeRedis: ReturnType<Target['nodeRedis']> | null = null;
/** node-redis connects on first use (its HELLO 3 handshake failing fails only its own tests). */
const nrc = () => (nodeRedis ??= T.nodeRedis());

beforeAll(async () => {
  T = await target();
  io = T.ioredis();
});
afterAll(async () => {
  await T?.close();
});

describe.each(Object.entries(families))('%s', (_name, steps) => {
  it('through ioredis (RESP2)', async () => {
    await io.call('FLUSHALL');
    for (const [argv, e] of steps) {
      const exp = resolve(e);
      const [cmd, ...rest] = argv.map(String);
      const got = await io.call(cmd!, ...rest).then(
        (r) => r,
        (e: Error) => err(e.message),
      );
      if (exp instanceof Err) expect(got, argv.join(' ')).toEqual(exp);
      else expect(got, argv.join(' ')).toEqual(asIoredis(exp));
    }
  });

  it('through node-redis (RESP3)', async () => {
    const nr = await nrc();
    await nr.sendCommand(['FLUSHALL']);
    for (const [argv, e] of steps) {
      const exp = resolve(e);
      const got = await nr.sendCommand(argv.map(String), { typeMapping: NODE_TYPES }).then(
        (r: unknown) => r,
        (e: Error) => err(e.message),
      );
      if (exp instanceof Err) expect(got, argv.join(' ')).toEqual(exp);
      else expect(got, argv.join(' ')).toStrictEqual(asNodeRedis(exp));
    }
  });

  it('through redis-cli', async () => {
    // One redis-cli session per family (SELECT must hold between steps); an ECHO after each
    // step cuts the output into one reply per step.
    const SEP = '"--step--"\n';
    const input = ['FLUSHALL', ...steps.flatMap(([argv]) => [cliLine(argv), 'ECHO --step--'])].join('\n') + '\n';
    const out = await T.cli(['--no-raw'], input);
    const replies = out.slice('OK\n'.length).split(SEP);
    expect(replies.pop()).toBe('');
    expect(replies.length).toBe(steps.length);
    steps.forEach(([argv, exp], i) => expect(replies[i], argv.join(' ')).toBe(asCli(resolve(exp))));
  });
});

describe('RESP3 types', () => {
  it('node-redis gets maps, sets, doubles and nulls as RESP3 types', async () => {
    const nr = await nrc();
    await nr.sendCommand(['FLUSHALL']);
    await nr.sendCommand(['HSET', 'h', 'f', 'v', 'g', 'w']);
    await nr.sendCommand(['SADD', 's', 'x']);
    await nr.sendCommand(['ZADD', 'z', '1.5', 'a', '2', 'b']);
    // The default mapping: maps as plain objects, doubles as numbers (RESP2 gives strings).
    expect({ ...(await nr.sendCommand(['HGETALL', 'h'])) }).toEqual({ f: 'v', g: 'w' });
    expect(await nr.hGetAll('h')).toEqual({ f: 'v', g: 'w' });
    expect(await nr.sendCommand(['ZSCORE', 'z', 'a'])).toBe(1.5);
    expect(await nr.zRangeWithScores('z', 0, -1)).toEqual([
      { value: 'a', score: 1.5 },
      { value: 'b', score: 2 },
    ]);
    expect(await nr.sendCommand(['SMEMBERS', 's'], { typeMapping: NODE_TYPES })).toEqual(new Set(['x']));
    expect(await nr.sendCommand(['GET', 'nokey'])).toBe(null);
    expect(await nr.sendCommand(['HGET', 'h', 'nofield'])).toBe(null);
    // The exact RESP3 double text, as Redis prints it.
    expect(await nr.sendCommand(['ZINCRBY', 'z', '0.25', 'a'], { typeMapping: { [RESP_TYPES.DOUBLE]: String } })).toBe('1.75');
  });

  it('redis-cli -3 prints maps, sets and doubles', async () => {
    const input = ['FLUSHALL', 'HSET h f v g w', 'SADD s x', 'ZADD z 1.5 a 2 b', 'HGETALL h', 'SMEMBERS s', 'ZSCORE z a', 'ZRANGE z 0 -1 WITHSCORES', 'GET nokey'].join('\n');
    expect(await T.cli(['-3', '--no-raw'], input + '\n')).toBe(
      [
        'OK',
        '(integer) 2',
        '(integer) 1',
        '(integer) 2',
        '1# "f" => "v"',
        '2# "g" => "w"',
        '1~ "x"',
        '(double) 1.5',
        '1) 1) "a"',
        '   2) (double) 1.5',
        '2) 1) "b"',
        '   2) (double) 2',
        '(nil)',
        '',
      ].join('\n'),
    );
  });
});

describe('pipelines', () => {
  it('an ioredis pipeline of 1000 commands gets its replies in order', async () => {
    await io.call('FLUSHALL');
    const p = io.pipeline();
    const expected: unknown[] = [];
    for (let i = 0; i < 250; i++) {
      p.set(`k:${i}`, String(i));
      expected.push('OK');
      p.incrby(`k:${i}`, i);
      expected.push(2 * i);
      p.rpush('list', String(i));
      expected.push(i + 1);
      p.get(`k:${i}`);
      expected.push(String(2 * i));
    }
    const res = await p.exec();
    expect(res).toHaveLength(1000);
    expect(res!.map(([e]) => e)).toEqual(new Array(1000).fill(null));
    expect(res!.map(([, r]) => r)).toEqual(expected);
    expect(await io.lrange('list', 0, 2)).toEqual(['0', '1', '2']);
    expect(await io.llen('list')).toBe(250);
  });

  it('errors inside a pipeline stay in place', async () => {
    const p = io.pipeline();
    p.set('a', '1');
    p.incr('list');
    p.call('NOSUCHCOMMAND');
    p.get('a');
    const res = await p.exec();
    expect(res!.map(([e, r]) => (e ? e.message : r))).toEqual([
      'OK',
      'WRONGTYPE Operation against a key holding the wrong kind of value',
      "ERR unknown command 'NOSUCHCOMMAND', with args beginning with: ",
      '1',
    ]);
  });

  it('node-redis pipelines commands issued together, replies in order', async () => {
    const nr = await nrc();
    await nr.sendCommand(['FLUSHALL']);
    const replies = await Promise.all(Array.from({ length: 500 }, (_, i) => nr.sendCommand(['INCRBY', 'c', String(i)])));
    expect(replies).toEqual(Array.from({ length: 500 }, (_, i) => (i * (i + 1)) / 2));
    const multi = nr.multi();
    for (let i = 0; i < 100; i++) multi.rPush('l', String(i));
    const r = await multi.execAsPipeline();
    expect(r).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });
});

describe('binary-safe values', () => {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const key = Buffer.concat([Buffer.from('bin:'), all.subarray(0, 32), Buffer.from('\r\n$3\r\n*1\r\n')]);

  it('all 256 byte values through ioredis Buffers, as keys, values, fields and members', async () => {
    await io.call('FLUSHALL');
    expect(await io.set(key, all)).toBe('OK');
    expect(await io.getBuffer(key)).toEqual(all);
    expect(await io.strlen(key)).toBe(256);
    expect(await io.getrangeBuffer(key, 250, -1)).toEqual(all.subarray(250));
    expect(await io.append(key, all)).toBe(512);
    expect(await io.getBuffer(key)).toEqual(Buffer.concat([all, all]));
    expect(await io.keysBuffer('bin:*')).toEqual([key]);
    expect(await io.hset('h', all, all)).toBe(1);
    expect(await io.hgetallBuffer('h')).toEqual({ [all.toString()]: all });
    expect(await io.hkeysBuffer('h')).toEqual([all]);
    expect(await io.sadd('s', all, all.subarray(128))).toBe(2);
    expect(await io.sismember('s', all.subarray(128))).toBe(1);
    expect(await io.zadd('z', 1, all)).toBe(1);
    expect(await io.zrangeBuffer('z', 0, -1)).toEqual([all]);
    expect(await io.rpush('l', all, Buffer.alloc(0))).toBe(2);
    expect(await io.lrangeBuffer('l', 0, -1)).toEqual([all, Buffer.alloc(0)]);
    // Every single byte as a value of its own.
    const p = io.pipeline();
    for (let i = 0; i < 256; i++) p.set(Buffer.from([i]), Buffer.from([255 - i]));
    await p.exec();
    const got = await io.mgetBuffer(...Array.from({ length: 256 }, (_, i) => Buffer.from([i])));
    expect(got).toEqual(Array.from({ length: 256 }, (_, i) => Buffer.from([255 - i])));
  });

  it('all 256 byte values through node-redis Buffers (RESP3)', async () => {
    const nr = await nrc();
    await nr.sendCommand(['FLUSHALL']);
    expect(await nr.sendCommand(['SET', key, all])).toBe('OK');
    expect(await nr.sendCommand(['GET', key], { typeMapping: NODE_BUFFERS })).toEqual(all);
    expect(await nr.sendCommand(['HSET', 'h', all, all])).toBe(1);
    const h = (await nr.sendCommand(['HGETALL', 'h'], { typeMapping: { ...NODE_BUFFERS, [RESP_TYPES.MAP]: Array } })) as Buffer[];
    expect(h).toEqual([all, all]);
    expect(await nr.sendCommand(['SADD', 's', all])).toBe(1);
    expect(await nr.sendCommand(['SMEMBERS', 's'], { typeMapping: { ...NODE_BUFFERS, [RESP_TYPES.SET]: Set } })).toEqual(new Set([all]));
  });

  it('all 256 byte values through redis-cli (escaped in, escaped out)', async () => {
    const s = all.toString('latin1');
    const input = ['FLUSHALL', cliLine(['SET', 'bin', s]), 'GET bin', 'STRLEN bin'].join('\n') + '\n';
    expect(await T.cli(['--no-raw'], input)).toBe(`OK\nOK\n${repr(s)}\n(integer) 256\n`);
    // Raw mode writes the bytes as they are.
    expect(await T.cli(['--raw', 'GET', 'bin'])).toBe(s + '\n');
  });
});

describe('big values', () => {
  const MB10 = 10 * 1024 * 1024;
  const big = Buffer.alloc(MB10);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 10)) & 0xff;

  it('10MB through ioredis', async () => {
    expect(await io.set('big', big)).toBe('OK');
    expect(await io.strlen('big')).toBe(MB10);
    expect((await io.getBuffer('big'))!.equals(big)).toBe(true);
    expect(await io.append('big', big)).toBe(2 * MB10);
    expect((await io.getrangeBuffer('big', MB10 - 3, MB10 + 2)).equals(Buffer.concat([big.subarray(-3), big.subarray(0, 3)]))).toBe(true);
    expect(await io.rpush('biglist', big, big)).toBe(2);
    expect((await io.lindexBuffer('biglist', 1))!.equals(big)).toBe(true);
    await io.del('big', 'biglist');
  });

  it('10MB through node-redis', async () => {
    const nr = await nrc();
    expect(await nr.sendCommand(['SET', 'big', big])).toBe('OK');
    expect(((await nr.sendCommand(['GET', 'big'], { typeMapping: NODE_BUFFERS })) as Buffer).equals(big)).toBe(true);
    expect(await nr.sendCommand(['HSET', 'bighash', 'f', big])).toBe(1);
    expect(await nr.sendCommand(['HSTRLEN', 'bighash', 'f'])).toBe(MB10);
    await nr.sendCommand(['DEL', 'big', 'bighash']);
  });

  it('10MB through redis-cli -x (the value from stdin)', async () => {
    const text = Buffer.alloc(MB10, 'abcdefgh').toString('latin1');
    expect(await T.cli(['-x', 'SET', 'bigcli'], text)).toBe('OK\n');
    expect(await T.cli(['STRLEN', 'bigcli'])).toBe(`${MB10}\n`);
    expect((await io.getBuffer('bigcli'))!.toString('latin1') === text).toBe(true);
    expect(await io.del('bigcli')).toBe(1);
  });
});
