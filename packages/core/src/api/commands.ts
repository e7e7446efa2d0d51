/**
 * Typed methods for the in-process API: one method per command, each a thin wrapper that builds
 * the argv and types the converted reply (replies use RESP3 shapes: maps are objects, doubles are
 * numbers, scores come back as numbers). The same methods serve a synchronous database (values),
 * an asynchronous one (promises) and a transaction (chaining), through Result<M, T>.
 * Anything not covered here is reachable with call().
 */
import type { Arg, Mode } from './client.ts';
import type { AsyncTransaction, SyncTransaction } from './transaction.ts';

export type Result<M extends Mode, T> = M extends 'sync'
  ? T
  : M extends 'async'
    ? Promise<T>
    : M extends 'multi-sync'
      ? SyncTransaction
      : AsyncTransaction;

export type Bulk = string | null;
type Int = number;
type TTLMode = 'NX' | 'XX' | 'GT' | 'LT';
type Side = 'LEFT' | 'RIGHT';

export interface SetOptions {
  EX?: number;
  PX?: number;
  EXAT?: number;
  PXAT?: number;
  KEEPTTL?: boolean;
  NX?: boolean;
  XX?: boolean;
  GET?: boolean;
}

export interface GetExOptions {
  EX?: number;
  PX?: number;
  EXAT?: number;
  PXAT?: number;
  PERSIST?: boolean;
}

export interface ZAddOptions {
  NX?: boolean;
  XX?: boolean;
  GT?: boolean;
  LT?: boolean;
  CH?: boolean;
}

export interface ScanOptions {
  MATCH?: string;
  COUNT?: number;
  TYPE?: string;
}

export interface SortOptions {
  BY?: string;
  LIMIT?: [offset: number, count: number];
  GET?: string[];
  ORDER?: 'ASC' | 'DESC';
  ALPHA?: boolean;
  STORE?: Arg;
}

/** A sorted-set member with its score. */
export interface ScoredMember {
  member: Arg;
  score: number;
}

function pushTTL(args: Arg[], o: SetOptions | GetExOptions): void {
  if (o.EX !== undefined) args.push('EX', o.EX);
  if (o.PX !== undefined) args.push('PX', o.PX);
  if (o.EXAT !== undefined) args.push('EXAT', o.EXAT);
  if (o.PXAT !== undefined) args.push('PXAT', o.PXAT);
}

function pushFlags(args: Arg[], o: object): void {
  for (const [k, v] of Object.entries(o)) if (v === true) args.push(k);
}

function pairs(fields: Record<string, Arg> | Map<Arg, Arg>): Arg[] {
  const out: Arg[] = [];
  const entries = fields instanceof Map ? fields.entries() : Object.entries(fields);
  for (const [f, v] of entries) out.push(f, v);
  return out;
}

export abstract class Commands<M extends Mode> {
  /** Sends one command; the subclass decides whether the result is a value, a promise or a chain. */
  protected abstract send(args: Arg[]): unknown;

  private r<T>(args: Arg[]): Result<M, T> {
    return this.send(args) as Result<M, T>;
  }

  /** Any command, by name and arguments: `call('SET', 'k', 'v')`. */
  call(command: string, ...args: Arg[]): Result<M, unknown> {
    return this.r([command, ...args]);
  }

  // ---- Keys and server ------------------------------------------------------------------------
  del(...keys: Arg[]) { return this.r<Int>(['DEL', ...keys]); }
  unlink(...keys: Arg[]) { return this.r<Int>(['UNLINK', ...keys]); }
  exists(...keys: Arg[]) { return this.r<Int>(['EXISTS', ...keys]); }
  type(key: Arg) { return this.r<string>(['TYPE', key]); }
  keys(pattern: Arg) { return this.r<string[]>(['KEYS', pattern]); }
  scan(cursor: number | string, o: ScanOptions = {}) {
    const args: Arg[] = ['SCAN', String(cursor)];
    if (o.MATCH !== undefined) args.push('MATCH', o.MATCH);
    if (o.COUNT !== undefined) args.push('COUNT', o.COUNT);
    if (o.TYPE !== undefined) args.push('TYPE', o.TYPE);
    return this.r<[string, string[]]>(args);
  }
  randomkey() { return this.r<Bulk>(['RANDOMKEY']); }
  rename(key: Arg, newKey: Arg) { return this.r<'OK'>(['RENAME', key, newKey]); }
  renamenx(key: Arg, newKey: Arg) { return this.r<Int>(['RENAMENX', key, newKey]); }
  copy(source: Arg, destination: Arg, o: { DB?: number; REPLACE?: boolean } = {}) {
    const args: Arg[] = ['COPY', source, destination];
    if (o.DB !== undefined) args.push('DB', o.DB);
    if (o.REPLACE) args.push('REPLACE');
    return this.r<Int>(args);
  }
  move(key: Arg, db: number) { return this.r<Int>(['MOVE', key, db]); }
  expire(key: Arg, seconds: number, mode?: TTLMode) { return this.r<Int>(mode ? ['EXPIRE', key, seconds, mode] : ['EXPIRE', key, seconds]); }
  pexpire(key: Arg, ms: number, mode?: TTLMode) { return this.r<Int>(mode ? ['PEXPIRE', key, ms, mode] : ['PEXPIRE', key, ms]); }
  expireat(key: Arg, unixSeconds: number, mode?: TTLMode) { return this.r<Int>(mode ? ['EXPIREAT', key, unixSeconds, mode] : ['EXPIREAT', key, unixSeconds]); }
  pexpireat(key: Arg, unixMs: number, mode?: TTLMode) { return this.r<Int>(mode ? ['PEXPIREAT', key, unixMs, mode] : ['PEXPIREAT', key, unixMs]); }
  ttl(key: Arg) { return this.r<Int>(['TTL', key]); }
  pttl(key: Arg) { return this.r<Int>(['PTTL', key]); }
  expiretime(key: Arg) { return this.r<Int>(['EXPIRETIME', key]); }
  pexpiretime(key: Arg) { return this.r<Int>(['PEXPIRETIME', key]); }
  persist(key: Arg) { return this.r<Int>(['PERSIST', key]); }
  touch(...keys: Arg[]) { return this.r<Int>(['TOUCH', ...keys]); }
  object(subcommand: 'ENCODING' | 'FREQ' | 'IDLETIME' | 'REFCOUNT', key: Arg) { return this.r<Bulk | Int>(['OBJECT', subcommand, key]); }
  sort(key: Arg, o: SortOptions = {}) { return this.r<Bulk[] | Int>(sortArgs('SORT', key, o)); }
  sort_ro(key: Arg, o: Omit<SortOptions, 'STORE'> = {}) { return this.r<Bulk[]>(sortArgs('SORT_RO', key, o)); }
  dbsize() { return this.r<Int>(['DBSIZE']); }
  flushdb() { return this.r<'OK'>(['FLUSHDB']); }
  flushall() { return this.r<'OK'>(['FLUSHALL']); }
  swapdb(a: number, b: number) { return this.r<'OK'>(['SWAPDB', a, b]); }
  ping(message?: Arg) { return this.r<string>(message === undefined ? ['PING'] : ['PING', message]); }
  echo(message: Arg) { return this.r<string>(['ECHO', message]); }
  time() { return this.r<[string, string]>(['TIME']); }

  // ---- Strings ----------------------------------------------------------------------------------
  get(key: Arg) { return this.r<Bulk>(['GET', key]); }
  set(key: Arg, value: Arg, o?: SetOptions) {
    const args: Arg[] = ['SET', key, value];
    if (o) {
      pushTTL(args, o);
      pushFlags(args, { KEEPTTL: o.KEEPTTL, NX: o.NX, XX: o.XX, GET: o.GET });
    }
    return this.r<'OK' | Bulk>(args);
  }
  setnx(key: Arg, value: Arg) { return this.r<Int>(['SETNX', key, value]); }
  setex(key: Arg, seconds: number, value: Arg) { return this.r<'OK'>(['SETEX', key, seconds, value]); }
  psetex(key: Arg, ms: number, value: Arg) { return this.r<'OK'>(['PSETEX', key, ms, value]); }
  getset(key: Arg, value: Arg) { return this.r<Bulk>(['GETSET', key, value]); }
  getdel(key: Arg) { return this.r<Bulk>(['GETDEL', key]); }
  getex(key: Arg, o: GetExOptions = {}) {
    const args: Arg[] = ['GETEX', key];
    pushTTL(args, o);
    if (o.PERSIST) args.push('PERSIST');
    return this.r<Bulk>(args);
  }
  mget(...keys: Arg[]) { return this.r<Bulk[]>(['MGET', ...keys]); }
  mset(entries: Record<string, Arg> | Map<Arg, Arg>) { return this.r<'OK'>(['MSET', ...pairs(entries)]); }
  msetnx(entries: Record<string, Arg> | Map<Arg, Arg>) { return this.r<Int>(['MSETNX', ...pairs(entries)]); }
  append(key: Arg, value: Arg) { return this.r<Int>(['APPEND', key, value]); }
  strlen(key: Arg) { return this.r<Int>(['STRLEN', key]); }
  getrange(key: Arg, start: number, end: number) { return this.r<string>(['GETRANGE', key, start, end]); }
  setrange(key: Arg, offset: number, value: Arg) { return this.r<Int>(['SETRANGE', key, offset, value]); }
  incr(key: Arg) { return this.r<Int>(['INCR', key]); }
  incrby(key: Arg, by: number | bigint) { return this.r<Int>(['INCRBY', key, by]); }
  incrbyfloat(key: Arg, by: number) { return this.r<string>(['INCRBYFLOAT', key, by]); }
  decr(key: Arg) { return this.r<Int>(['DECR', key]); }
  decrby(key: Arg, by: number | bigint) { return this.r<Int>(['DECRBY', key, by]); }
  lcs(key1: Arg, key2: Arg, ...options: Arg[]) { return this.r<unknown>(['LCS', key1, key2, ...options]); }

  // ---- Bitmaps ----------------------------------------------------------------------------------
  setbit(key: Arg, offset: number, bit: 0 | 1) { return this.r<Int>(['SETBIT', key, offset, bit]); }
  getbit(key: Arg, offset: number) { return this.r<Int>(['GETBIT', key, offset]); }
  bitcount(key: Arg, start?: number, end?: number, unit?: 'BYTE' | 'BIT') {
    const args: Arg[] = ['BITCOUNT', key];
    if (start !== undefined && end !== undefined) args.push(start, end);
    if (unit) args.push(unit);
    return this.r<Int>(args);
  }
  bitpos(key: Arg, bit: 0 | 1, start?: number, end?: number, unit?: 'BYTE' | 'BIT') {
    const args: Arg[] = ['BITPOS', key, bit];
    if (start !== undefined) args.push(start);
    if (end !== undefined) args.push(end);
    if (unit) args.push(unit);
    return this.r<Int>(args);
  }
  bitop(op: 'AND' | 'OR' | 'XOR' | 'NOT', destkey: Arg, ...keys: Arg[]) { return this.r<Int>(['BITOP', op, destkey, ...keys]); }
  bitfield(key: Arg, ...ops: Arg[]) { return this.r<(Int | null)[]>(['BITFIELD', key, ...ops]); }
  bitfield_ro(key: Arg, ...ops: Arg[]) { return this.r<Int[]>(['BITFIELD_RO', key, ...ops]); }

  // ---- Hashes -----------------------------------------------------------------------------------
  hset(key: Arg, fields: Record<string, Arg> | Map<Arg, Arg>) { return this.r<Int>(['HSET', key, ...pairs(fields)]); }
  hsetnx(key: Arg, field: Arg, value: Arg) { return this.r<Int>(['HSETNX', key, field, value]); }
  hget(key: Arg, field: Arg) { return this.r<Bulk>(['HGET', key, field]); }
  hmget(key: Arg, ...fields: Arg[]) { return this.r<Bulk[]>(['HMGET', key, ...fields]); }
  hmset(key: Arg, fields: Record<string, Arg> | Map<Arg, Arg>) { return this.r<'OK'>(['HMSET', key, ...pairs(fields)]); }
  hdel(key: Arg, ...fields: Arg[]) { return this.r<Int>(['HDEL', key, ...fields]); }
  hexists(key: Arg, field: Arg) { return this.r<Int>(['HEXISTS', key, field]); }
  hlen(key: Arg) { return this.r<Int>(['HLEN', key]); }
  hstrlen(key: Arg, field: Arg) { return this.r<Int>(['HSTRLEN', key, field]); }
  hkeys(key: Arg) { return this.r<string[]>(['HKEYS', key]); }
  hvals(key: Arg) { return this.r<string[]>(['HVALS', key]); }
  hgetall(key: Arg) { return this.r<Record<string, string>>(['HGETALL', key]); }
  hincrby(key: Arg, field: Arg, by: number | bigint) { return this.r<Int>(['HINCRBY', key, field, by]); }
  hincrbyfloat(key: Arg, field: Arg, by: number) { return this.r<string>(['HINCRBYFLOAT', key, field, by]); }
  hrandfield(key: Arg, count?: number, withValues = false) {
    const args: Arg[] = ['HRANDFIELD', key];
    if (count !== undefined) args.push(count);
    if (withValues) args.push('WITHVALUES');
    return this.r<Bulk | unknown[]>(args);
  }
  hscan(key: Arg, cursor: number | string, o: Omit<ScanOptions, 'TYPE'> = {}) { return this.r<[string, string[]]>(scanArgs('HSCAN', key, cursor, o)); }

  // ---- Lists ------------------------------------------------------------------------------------
  lpush(key: Arg, ...elements: Arg[]) { return this.r<Int>(['LPUSH', key, ...elements]); }
  rpush(key: Arg, ...elements: Arg[]) { return this.r<Int>(['RPUSH', key, ...elements]); }
  lpushx(key: Arg, ...elements: Arg[]) { return this.r<Int>(['LPUSHX', key, ...elements]); }
  rpushx(key: Arg, ...elements: Arg[]) { return this.r<Int>(['RPUSHX', key, ...elements]); }
  lpop(key: Arg, count?: number) { return this.r<Bulk | string[] | null>(count === undefined ? ['LPOP', key] : ['LPOP', key, count]); }
  rpop(key: Arg, count?: number) { return this.r<Bulk | string[] | null>(count === undefined ? ['RPOP', key] : ['RPOP', key, count]); }
  llen(key: Arg) { return this.r<Int>(['LLEN', key]); }
  lrange(key: Arg, start: number, stop: number) { return this.r<string[]>(['LRANGE', key, start, stop]); }
  lindex(key: Arg, index: number) { return this.r<Bulk>(['LINDEX', key, index]); }
  lset(key: Arg, index: number, element: Arg) { return this.r<'OK'>(['LSET', key, index, element]); }
  linsert(key: Arg, where: 'BEFORE' | 'AFTER', pivot: Arg, element: Arg) { return this.r<Int>(['LINSERT', key, where, pivot, element]); }
  lrem(key: Arg, count: number, element: Arg) { return this.r<Int>(['LREM', key, count, element]); }
  ltrim(key: Arg, start: number, stop: number) { return this.r<'OK'>(['LTRIM', key, start, stop]); }
  lpos(key: Arg, element: Arg, o: { RANK?: number; COUNT?: number; MAXLEN?: number } = {}) {
    const args: Arg[] = ['LPOS', key, element];
    if (o.RANK !== undefined) args.push('RANK', o.RANK);
    if (o.COUNT !== undefined) args.push('COUNT', o.COUNT);
    if (o.MAXLEN !== undefined) args.push('MAXLEN', o.MAXLEN);
    return this.r<Int | null | Int[]>(args);
  }
  lmove(source: Arg, destination: Arg, from: Side, to: Side) { return this.r<Bulk>(['LMOVE', source, destination, from, to]); }
  rpoplpush(source: Arg, destination: Arg) { return this.r<Bulk>(['RPOPLPUSH', source, destination]); }
  lmpop(keys: Arg[], where: Side, count?: number) {
    const args: Arg[] = ['LMPOP', keys.length, ...keys, where];
    if (count !== undefined) args.push('COUNT', count);
    return this.r<[string, string[]] | null>(args);
  }

  // ---- Sets -------------------------------------------------------------------------------------
  sadd(key: Arg, ...members: Arg[]) { return this.r<Int>(['SADD', key, ...members]); }
  srem(key: Arg, ...members: Arg[]) { return this.r<Int>(['SREM', key, ...members]); }
  sismember(key: Arg, member: Arg) { return this.r<Int>(['SISMEMBER', key, member]); }
  smismember(key: Arg, ...members: Arg[]) { return this.r<Int[]>(['SMISMEMBER', key, ...members]); }
  smembers(key: Arg) { return this.r<string[]>(['SMEMBERS', key]); }
  scard(key: Arg) { return this.r<Int>(['SCARD', key]); }
  spop(key: Arg, count?: number) { return this.r<Bulk | string[]>(count === undefined ? ['SPOP', key] : ['SPOP', key, count]); }
  srandmember(key: Arg, count?: number) { return this.r<Bulk | string[]>(count === undefined ? ['SRANDMEMBER', key] : ['SRANDMEMBER', key, count]); }
  smove(source: Arg, destination: Arg, member: Arg) { return this.r<Int>(['SMOVE', source, destination, member]); }
  sinter(...keys: Arg[]) { return this.r<string[]>(['SINTER', ...keys]); }
  sintercard(keys: Arg[], limit?: number) { return this.r<Int>(limit === undefined ? ['SINTERCARD', keys.length, ...keys] : ['SINTERCARD', keys.length, ...keys, 'LIMIT', limit]); }
  sinterstore(destination: Arg, ...keys: Arg[]) { return this.r<Int>(['SINTERSTORE', destination, ...keys]); }
  sunion(...keys: Arg[]) { return this.r<string[]>(['SUNION', ...keys]); }
  sunionstore(destination: Arg, ...keys: Arg[]) { return this.r<Int>(['SUNIONSTORE', destination, ...keys]); }
  sdiff(...keys: Arg[]) { return this.r<string[]>(['SDIFF', ...keys]); }
  sdiffstore(destination: Arg, ...keys: Arg[]) { return this.r<Int>(['SDIFFSTORE', destination, ...keys]); }
  sscan(key: Arg, cursor: number | string, o: Omit<ScanOptions, 'TYPE'> = {}) { return this.r<[string, string[]]>(scanArgs('SSCAN', key, cursor, o)); }

  // ---- Sorted sets ------------------------------------------------------------------------------
  zadd(key: Arg, members: ScoredMember[] | Record<string, number>, o: ZAddOptions = {}) {
    const args: Arg[] = ['ZADD', key];
    pushFlags(args, o);
    if (Array.isArray(members)) for (const m of members) args.push(m.score, m.member);
    else for (const [m, s] of Object.entries(members)) args.push(s, m);
    return this.r<Int>(args);
  }
  zincrby(key: Arg, increment: number, member: Arg) { return this.r<number>(['ZINCRBY', key, increment, member]); }
  zrem(key: Arg, ...members: Arg[]) { return this.r<Int>(['ZREM', key, ...members]); }
  zscore(key: Arg, member: Arg) { return this.r<number | null>(['ZSCORE', key, member]); }
  zmscore(key: Arg, ...members: Arg[]) { return this.r<(number | null)[]>(['ZMSCORE', key, ...members]); }
  zcard(key: Arg) { return this.r<Int>(['ZCARD', key]); }
  zcount(key: Arg, min: Arg, max: Arg) { return this.r<Int>(['ZCOUNT', key, min, max]); }
  zlexcount(key: Arg, min: Arg, max: Arg) { return this.r<Int>(['ZLEXCOUNT', key, min, max]); }
  zrank(key: Arg, member: Arg, withScore = false) { return this.r<Int | null | [Int, number]>(withScore ? ['ZRANK', key, member, 'WITHSCORE'] : ['ZRANK', key, member]); }
  zrevrank(key: Arg, member: Arg, withScore = false) { return this.r<Int | null | [Int, number]>(withScore ? ['ZREVRANK', key, member, 'WITHSCORE'] : ['ZREVRANK', key, member]); }
  /** ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]: pass options as extra words. */
  zrange(key: Arg, start: Arg, stop: Arg, ...options: Arg[]) { return this.r<unknown[]>(['ZRANGE', key, start, stop, ...options]); }
  zrangestore(dst: Arg, src: Arg, start: Arg, stop: Arg, ...options: Arg[]) { return this.r<Int>(['ZRANGESTORE', dst, src, start, stop, ...options]); }
  zrangebyscore(key: Arg, min: Arg, max: Arg, ...options: Arg[]) { return this.r<unknown[]>(['ZRANGEBYSCORE', key, min, max, ...options]); }
  zrevrangebyscore(key: Arg, max: Arg, min: Arg, ...options: Arg[]) { return this.r<unknown[]>(['ZREVRANGEBYSCORE', key, max, min, ...options]); }
  zrangebylex(key: Arg, min: Arg, max: Arg, ...options: Arg[]) { return this.r<string[]>(['ZRANGEBYLEX', key, min, max, ...options]); }
  zrevrangebylex(key: Arg, max: Arg, min: Arg, ...options: Arg[]) { return this.r<string[]>(['ZREVRANGEBYLEX', key, max, min, ...options]); }
  zrevrange(key: Arg, start: number, stop: number, ...options: Arg[]) { return this.r<unknown[]>(['ZREVRANGE', key, start, stop, ...options]); }
  zpopmin(key: Arg, count?: number) { return this.r<unknown[]>(count === undefined ? ['ZPOPMIN', key] : ['ZPOPMIN', key, count]); }
  zpopmax(key: Arg, count?: number) { return this.r<unknown[]>(count === undefined ? ['ZPOPMAX', key] : ['ZPOPMAX', key, count]); }
  zmpop(keys: Arg[], where: 'MIN' | 'MAX', count?: number) {
    const args: Arg[] = ['ZMPOP', keys.length, ...keys, where];
    if (count !== undefined) args.push('COUNT', count);
    return this.r<unknown>(args);
  }
  zrandmember(key: Arg, count?: number, withScores = false) {
    const args: Arg[] = ['ZRANDMEMBER', key];
    if (count !== undefined) args.push(count);
    if (withScores) args.push('WITHSCORES');
    return this.r<unknown>(args);
  }
  zremrangebyrank(key: Arg, start: number, stop: number) { return this.r<Int>(['ZREMRANGEBYRANK', key, start, stop]); }
  zremrangebyscore(key: Arg, min: Arg, max: Arg) { return this.r<Int>(['ZREMRANGEBYSCORE', key, min, max]); }
  zremrangebylex(key: Arg, min: Arg, max: Arg) { return this.r<Int>(['ZREMRANGEBYLEX', key, min, max]); }
  zunion(keys: Arg[], ...options: Arg[]) { return this.r<unknown[]>(['ZUNION', keys.length, ...keys, ...options]); }
  zinter(keys: Arg[], ...options: Arg[]) { return this.r<unknown[]>(['ZINTER', keys.length, ...keys, ...options]); }
  zdiff(keys: Arg[], ...options: Arg[]) { return this.r<unknown[]>(['ZDIFF', keys.length, ...keys, ...options]); }
  zunionstore(destination: Arg, keys: Arg[], ...options: Arg[]) { return this.r<Int>(['ZUNIONSTORE', destination, keys.length, ...keys, ...options]); }
  zinterstore(destination: Arg, keys: Arg[], ...options: Arg[]) { return this.r<Int>(['ZINTERSTORE', destination, keys.length, ...keys, ...options]); }
  zdiffstore(destination: Arg, keys: Arg[]) { return this.r<Int>(['ZDIFFSTORE', destination, keys.length, ...keys]); }
  zintercard(keys: Arg[], limit?: number) { return this.r<Int>(limit === undefined ? ['ZINTERCARD', keys.length, ...keys] : ['ZINTERCARD', keys.length, ...keys, 'LIMIT', limit]); }
  zscan(key: Arg, cursor: number | string, o: Omit<ScanOptions, 'TYPE'> = {}) { return this.r<[string, string[]]>(scanArgs('ZSCAN', key, cursor, o)); }

  // ---- Geo --------------------------------------------------------------------------------------
  geoadd(key: Arg, points: { longitude: number; latitude: number; member: Arg }[], o: { NX?: boolean; XX?: boolean; CH?: boolean } = {}) {
    const args: Arg[] = ['GEOADD', key];
    pushFlags(args, o);
    for (const p of points) args.push(p.longitude, p.latitude, p.member);
    return this.r<Int>(args);
  }
  geopos(key: Arg, ...members: Arg[]) { return this.r<([number, number] | null)[]>(['GEOPOS', key, ...members]); }
  geodist(key: Arg, member1: Arg, member2: Arg, unit?: 'm' | 'km' | 'ft' | 'mi') { return this.r<Bulk>(unit ? ['GEODIST', key, member1, member2, unit] : ['GEODIST', key, member1, member2]); }
  geohash(key: Arg, ...members: Arg[]) { return this.r<Bulk[]>(['GEOHASH', key, ...members]); }
  /** GEOSEARCH key FROMMEMBER m | FROMLONLAT lon lat, BYRADIUS r unit | BYBOX w h unit, [ASC|DESC] [COUNT n [ANY]] [WITH...] */
  geosearch(key: Arg, ...options: Arg[]) { return this.r<unknown[]>(['GEOSEARCH', key, ...options]); }
  geosearchstore(destination: Arg, source: Arg, ...options: Arg[]) { return this.r<Int>(['GEOSEARCHSTORE', destination, source, ...options]); }
  georadius(key: Arg, longitude: number, latitude: number, radius: number, unit: string, ...options: Arg[]) { return this.r<unknown>(['GEORADIUS', key, longitude, latitude, radius, unit, ...options]); }
  georadiusbymember(key: Arg, member: Arg, radius: number, unit: string, ...options: Arg[]) { return this.r<unknown>(['GEORADIUSBYMEMBER', key, member, radius, unit, ...options]); }

  // ---- HyperLogLog ------------------------------------------------------------------------------
  pfadd(key: Arg, ...elements: Arg[]) { return this.r<Int>(['PFADD', key, ...elements]); }
  pfcount(...keys: Arg[]) { return this.r<Int>(['PFCOUNT', ...keys]); }
  pfmerge(destination: Arg, ...sources: Arg[]) { return this.r<'OK'>(['PFMERGE', destination, ...sources]); }
}

function scanArgs(cmd: string, key: Arg, cursor: number | string, o: Omit<ScanOptions, 'TYPE'>): Arg[] {
  const args: Arg[] = [cmd, key, String(cursor)];
  if (o.MATCH !== undefined) args.push('MATCH', o.MATCH);
  if (o.COUNT !== undefined) args.push('COUNT', o.COUNT);
  return args;
}

function sortArgs(cmd: string, key: Arg, o: SortOptions): Arg[] {
  const args: Arg[] = [cmd, key];
  if (o.BY !== undefined) args.push('BY', o.BY);
  if (o.LIMIT) args.push('LIMIT', o.LIMIT[0], o.LIMIT[1]);
  for (const g of o.GET ?? []) args.push('GET', g);
  if (o.ORDER) args.push(o.ORDER);
  if (o.ALPHA) args.push('ALPHA');
  if (o.STORE !== undefined) args.push('STORE', o.STORE);
  return args;
}
