/**
 * The expire family (expire.c): EXPIRE PEXPIRE EXPIREAT PEXPIREAT, TTL PTTL EXPIRETIME
 * PEXPIRETIME, PERSIST. Relative times replicate as PEXPIREAT of the absolute time, and a time
 * already past deletes the key and replicates as DEL (DESIGN invariant 3).
 */
import { NOT_INTEGER, error, invalidExpire } from '../errors.ts';
import type { Keyspace } from '../keyspace/keyspace.ts';
import type { Value } from '../keyspace/object.ts';
import { parseInt64 } from '../bytes.ts';
import type { Ctx } from './context.ts';
import { defineCommands } from './table.ts';

/**
 * lookupKeyReadWithFlags(LOOKUP_NOTOUCH): expires the key if due and counts hits/misses, but
 * leaves the LRU/LFU word alone (EXISTS, TYPE, TTL, OBJECT).
 */
export function lookupNoTouch(db: Keyspace, key: string): Value | undefined {
  const stats = db.shard.stats;
  if (db.expires.size > 0 && db.expireIfNeeded(key)) {
    stats.keyspaceMisses++;
    return undefined;
  }
  const v = db.main.get(key);
  if (v === undefined) stats.keyspaceMisses++;
  else stats.keyspaceHits++;
  return v;
}

const EXPIRE_NX = 1;
const EXPIRE_XX = 2;
const EXPIRE_GT = 4;
const EXPIRE_LT = 8;

const NX_CONFLICT = error('ERR NX and XX, GT or LT options at the same time are not compatible');
const GT_LT_CONFLICT = error('ERR GT and LT options at the same time are not compatible');

const LLONG_MAX = 9223372036854775807n;
const LLONG_MIN = -9223372036854775808n;
/** Below this magnitude, seconds*1000 + now stays an exact double: no BigInt needed. */
const FAST_LIMIT = 2 ** 42;

function parseExpireFlags(argv: readonly string[]): number {
  let flags = 0;
  for (let j = 3; j < argv.length; j++) {
    const o = argv[j]!.toLowerCase();
    if (o === 'nx') flags |= EXPIRE_NX;
    else if (o === 'xx') flags |= EXPIRE_XX;
    else if (o === 'gt') flags |= EXPIRE_GT;
    else if (o === 'lt') flags |= EXPIRE_LT;
    else throw error(`ERR Unsupported option ${argv[j]}`);
  }
  if (flags & EXPIRE_NX && flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) throw NX_CONFLICT;
  if (flags & EXPIRE_GT && flags & EXPIRE_LT) throw GT_LT_CONFLICT;
  return flags;
}

/** expire.c expireGenericCommand: basetime is 0 for the *AT forms, else the command's time. */
function expireGeneric(ctx: Ctx, basetime: number, seconds: boolean): number {
  const argv = ctx.argv;
  const key = argv[1]!;
  const flags = parseExpireFlags(argv);
  let when = parseInt64(argv[2]!);
  if (when !== when) throw NOT_INTEGER;
  // The absolute time as replicated: argv[2] itself for PEXPIREAT (exact even beyond 2^53).
  let whenText: string | null = null;
  if (when > FAST_LIMIT || when < -FAST_LIMIT) {
    // Redis's int64 overflow checks, done exactly.
    let w = BigInt(argv[2]!);
    if (seconds) {
      if (w > LLONG_MAX / 1000n || w < LLONG_MIN / 1000n) throw invalidExpire(ctx.cmd.fullName);
      w *= 1000n;
    }
    if (w > LLONG_MAX - BigInt(basetime)) throw invalidExpire(ctx.cmd.fullName);
    w += BigInt(basetime);
    when = Number(w);
    whenText = w.toString();
  } else {
    if (seconds) when *= 1000;
    when += basetime;
  }
  // Every path below emits its own effect (or none): a lazily expired key already sent its DEL.
  ctx.suppressEffects();
  const db = ctx.db;
  if (db.lookupWrite(key) === undefined) return 0;
  if (flags !== 0) {
    const current = db.getExpire(key);
    if (flags & EXPIRE_NX && current !== -1) return 0;
    if (flags & EXPIRE_XX && current === -1) return 0;
    // No TTL counts as an infinite one: GT never beats it, LT always does.
    if (flags & EXPIRE_GT && (current === -1 || when <= current)) return 0;
    if (flags & EXPIRE_LT && current !== -1 && when >= current) return 0;
  }
  // Replicas and replays never delete on their own: they set the TTL and wait for the DEL.
  if (when <= ctx.now && ctx.shard.expireEnabled) {
    db.delete(key);
    ctx.emit(['DEL', key]);
    ctx.notify('g', 'del', key);
    return 1;
  }
  db.setExpire(key, when);
  if (whenText === null) whenText = basetime === 0 && !seconds ? argv[2]! : String(when);
  ctx.emit(['PEXPIREAT', key, whenText]);
  ctx.notify('g', 'expire', key);
  return 1;
}

/** expire.c ttlGenericCommand. */
function ttlGeneric(ctx: Ctx, ms: boolean, abs: boolean): number | bigint {
  const key = ctx.argv[1]!;
  const db = ctx.db;
  if (lookupNoTouch(db, key) === undefined) return -2;
  const expire = db.getExpire(key);
  if (expire === -1) return -1;
  if (expire > Number.MAX_SAFE_INTEGER) {
    // Beyond 2^53 the stored time is a rounded double (LLONG_MAX reads as 2^63): answer in
    // int64 arithmetic, never above LLONG_MAX, as Redis's long long replies.
    let e = BigInt(expire);
    if (e > LLONG_MAX) e = LLONG_MAX;
    let t = abs ? e : e - BigInt(ctx.now);
    if (t < 0n) t = 0n;
    return ms ? t : (t + 500n) / 1000n;
  }
  let ttl = abs ? expire : expire - ctx.now;
  if (ttl < 0) ttl = 0;
  return ms ? ttl : Math.floor((ttl + 500) / 1000);
}

const setFlags = ['write', 'fast'] as const;
const setAcl = ['keyspace', 'write', 'fast'] as const;
const getFlags = ['readonly', 'fast'] as const;
const getAcl = ['keyspace', 'read', 'fast'] as const;

defineCommands(
  {
    name: 'expire',
    keySpecs: [{ flags: ['RW', 'UPDATE'], index: 1, range: [0, 1, 0] }],
    arity: -3,
    flags: setFlags,
    acl: setAcl,
    group: 'generic',
    summary: 'Sets the expiration time of a key in seconds.',
    complexity: 'O(1)',
    since: '1.0.0',
    handler: (ctx) => expireGeneric(ctx, ctx.now, true),
  },
  {
    name: 'pexpire',
    keySpecs: [{ flags: ['RW', 'UPDATE'], index: 1, range: [0, 1, 0] }],
    arity: -3,
    flags: setFlags,
    acl: setAcl,
    group: 'generic',
    summary: 'Sets the expiration time of a key in milliseconds.',
    complexity: 'O(1)',
    since: '2.6.0',
    handler: (ctx) => expireGeneric(ctx, ctx.now, false),
  },
  {
    name: 'expireat',
    keySpecs: [{ flags: ['RW', 'UPDATE'], index: 1, range: [0, 1, 0] }],
    arity: -3,
    flags: setFlags,
    acl: setAcl,
    group: 'generic',
    summary: 'Sets the expiration time of a key to a Unix timestamp.',
    complexity: 'O(1)',
    since: '1.2.0',
    handler: (ctx) => expireGeneric(ctx, 0, true),
  },
  {
    name: 'pexpireat',
    keySpecs: [{ flags: ['RW', 'UPDATE'], index: 1, range: [0, 1, 0] }],
    arity: -3,
    flags: setFlags,
    acl: setAcl,
    group: 'generic',
    summary: 'Sets the expiration time of a key to a Unix milliseconds timestamp.',
    complexity: 'O(1)',
    since: '2.6.0',
    handler: (ctx) => expireGeneric(ctx, 0, false),
  },
  {
    name: 'ttl',
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    arity: 2,
    flags: getFlags,
    acl: getAcl,
    group: 'generic',
    summary: 'Returns the expiration time in seconds of a key.',
    complexity: 'O(1)',
    since: '1.0.0',
    handler: (ctx) => ttlGeneric(ctx, false, false),
  },
  {
    name: 'pttl',
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    arity: 2,
    flags: getFlags,
    acl: getAcl,
    group: 'generic',
    summary: 'Returns the expiration time in milliseconds of a key.',
    complexity: 'O(1)',
    since: '2.6.0',
    handler: (ctx) => ttlGeneric(ctx, true, false),
  },
  {
    name: 'expiretime',
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    arity: 2,
    flags: getFlags,
    acl: getAcl,
    group: 'generic',
    summary: 'Returns the expiration time of a key as a Unix timestamp.',
    complexity: 'O(1)',
    since: '7.0.0',
    handler: (ctx) => ttlGeneric(ctx, false, true),
  },
  {
    name: 'pexpiretime',
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    arity: 2,
    flags: getFlags,
    acl: getAcl,
    group: 'generic',
    summary: 'Returns the expiration time of a key as a Unix milliseconds timestamp.',
    complexity: 'O(1)',
    since: '7.0.0',
    handler: (ctx) => ttlGeneric(ctx, true, true),
  },
  {
    name: 'persist',
    keySpecs: [{ flags: ['RW', 'UPDATE'], index: 1, range: [0, 1, 0] }],
    arity: 2,
    flags: setFlags,
    acl: setAcl,
    group: 'generic',
    summary: 'Removes the expiration time of a key.',
    complexity: 'O(1)',
    since: '2.2.0',
    handler(ctx) {
      const key = ctx.argv[1]!;
      const db = ctx.db;
      if (db.lookupWrite(key) !== undefined && db.removeExpire(key)) {
        db.signal(key);
        ctx.notify('g', 'persist', key);
        return 1;
      }
      ctx.suppressEffects();
      return 0;
    },
  },
);
