/**
 * The generic keyspace commands (db.c, object.c): DEL UNLINK EXISTS TYPE KEYS SCAN RANDOMKEY
 * RENAME RENAMENX COPY MOVE TOUCH OBJECT DBSIZE. The expire family lives in expire.ts.
 */
import { DB_INDEX, NOT_INTEGER, NO_SUCH_KEY, SYNTAX, error, type ErrorReply } from '../errors.ts';
import { parseInt64 } from '../bytes.ts';
import { globMatch } from '../glob.ts';
import type { Keyspace } from '../keyspace/keyspace.ts';
import { stringEncoding, typeOf, type Value } from '../keyspace/object.ts';
import { idleTime, lfuDecr, lruClock } from '../keyspace/eviction.ts';
import { BadData, loadDumpPayload, verifyDumpPayload } from '../rdb/decode.ts';
import { Unserializable, dumpPayload } from '../rdb/encode.ts';
import { OK, Status, type Reply } from '../reply.ts';
import type { Ctx } from './context.ts';
import { is } from './args.ts';
import { parseScanArgs, scanDict } from './scan.ts';
import { defineCommands } from './table.ts';
import { lookupNoTouch } from './expire.ts';

export const SAME_OBJECT = error('ERR source and destination objects are the same');
const INT_RANGE = error('ERR value is out of range, value must between -2147483648 and 2147483647');

/**
 * Redis's getIntFromObjectOrReply: an int64 that must also fit a C int. With `msg`, both failures
 * answer it (SWAPDB's "invalid first DB index"); without, Redis's two generic errors.
 */
export function int32Arg(s: string, msg?: ErrorReply): number {
  const v = parseInt64(s);
  if (v !== v) throw msg ?? NOT_INTEGER;
  if (v < -2147483648 || v > 2147483647) throw msg ?? INT_RANGE;
  return v;
}

/** A database of this shard by index, or ERR DB index is out of range. */
export function dbAt(ctx: Ctx, id: number): Keyspace {
  const db = ctx.shard.dbs[id];
  if (id < 0 || db === undefined) throw DB_INDEX;
  return db;
}

/** Carries a key's LRU/LFU word to where its value now lives (the object keeps it in Redis). */
function keepMeta(from: number, to: Keyspace, key: string): void {
  to.main.setMetaAt(to.main.find(key), from);
}

function metaOf(db: Keyspace, key: string): number {
  return db.main.metaAt(db.main.find(key));
}

function delGeneric(ctx: Ctx): number {
  const { argv, db } = ctx;
  let n = 0;
  for (let j = 1; j < argv.length; j++) {
    const key = argv[j]!;
    if (db.expires.size > 0) db.expireIfNeeded(key);
    if (db.delete(key)) {
      ctx.notify('g', 'del', key);
      n++;
    }
  }
  // Lazily expired keys already replicated as DEL; nothing else changed.
  if (n === 0) ctx.suppressEffects();
  return n;
}

function renameGeneric(ctx: Ctx, nx: boolean): Reply {
  const { argv, db } = ctx;
  const src = argv[1]!;
  const dst = argv[2]!;
  // Only the command's own changes replicate (as its argv); failures change nothing.
  const v = db.lookupWrite(src);
  if (v === undefined) {
    ctx.suppressEffects();
    throw NO_SUCH_KEY;
  }
  if (src === dst) {
    ctx.suppressEffects();
    return nx ? 0 : OK;
  }
  const expire = db.getExpire(src);
  const meta = metaOf(db, src);
  if (db.lookupWrite(dst) !== undefined) {
    if (nx) {
      ctx.suppressEffects();
      return 0;
    }
    db.delete(dst);
  }
  db.add(dst, v);
  if (expire !== -1) db.setExpire(dst, expire);
  db.delete(src);
  keepMeta(meta, db, dst);
  ctx.notify('g', 'rename_from', src);
  ctx.notify('g', 'rename_to', dst);
  return nx ? 1 : OK;
}

/** object.c: small non-negative integers are shared objects unless an LRU/LFU policy is in force. */
function refCount(ctx: Ctx, v: Value): number {
  if (typeof v !== 'string' || v.length > 4 || stringEncoding(v) !== 'int') return 1;
  const n = Number(v);
  if (n < 0 || n >= 10000) return 1;
  const policy = ctx.shard.config['maxmemory-policy'];
  if (ctx.shard.config.maxmemory > 0 && (policy.includes('lru') || policy.includes('lfu'))) return 1;
  return 2147483647;
}

const LFU_SELECTED = error(
  'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
);
const LFU_NOT_SELECTED = error(
  'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
);

const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
].map((l) => new Status(l));

/** OBJECT's lookup (LOOKUP_NOTOUCH): the entry index in main, or -1 when missing. */
function objectLookup(ctx: Ctx): number {
  const db = ctx.db;
  return lookupNoTouch(db, ctx.argv[2]!) === undefined ? -1 : db.main.find(ctx.argv[2]!);
}

const objectKey = { firstKey: 2, lastKey: 2, step: 1 } as const;
const objectFlags = ['readonly'] as const;
const objectAcl = ['keyspace', 'read', 'slow'] as const;

defineCommands(
  {
    name: 'del',
    arity: -2,
    flags: ['write'],
    acl: ['keyspace', 'write', 'slow'],
    tips: ['request_policy:multi_shard', 'response_policy:agg_sum'],
    group: 'generic',
    keySpecs: [{ flags: ['RM', 'DELETE'], index: 1, range: [-1, 1, 0] }],
    summary: 'Deletes one or more keys.',
    complexity:
      'O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).',
    since: '1.0.0',
    handler: delGeneric,
  },
  {
    name: 'unlink',
    arity: -2,
    flags: ['write', 'fast'],
    acl: ['keyspace', 'write', 'fast'],
    tips: ['request_policy:multi_shard', 'response_policy:agg_sum'],
    group: 'generic',
    keySpecs: [{ flags: ['RM', 'DELETE'], index: 1, range: [-1, 1, 0] }],
    summary: 'Asynchronously deletes one or more keys.',
    complexity:
      'O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.',
    since: '4.0.0',
    handler: delGeneric,
  },
  {
    name: 'exists',
    arity: -2,
    flags: ['readonly', 'fast'],
    acl: ['keyspace', 'read', 'fast'],
    tips: ['request_policy:multi_shard', 'response_policy:agg_sum'],
    group: 'generic',
    keySpecs: [{ flags: ['RO'], index: 1, range: [-1, 1, 0] }],
    summary: 'Determines whether one or more keys exist.',
    complexity: 'O(N) where N is the number of keys to check.',
    since: '1.0.0',
    handler(ctx) {
      const { argv, db } = ctx;
      let n = 0;
      for (let j = 1; j < argv.length; j++) if (lookupNoTouch(db, argv[j]!) !== undefined) n++;
      return n;
    },
  },
  {
    name: 'type',
    arity: 2,
    flags: ['readonly', 'fast'],
    acl: ['keyspace', 'read', 'fast'],
    group: 'generic',
    keySpecs: [{ flags: ['RO'], index: 1, range: [0, 1, 0] }],
    summary: 'Determines the type of value stored at a key.',
    complexity: 'O(1)',
    since: '1.0.0',
    handler(ctx) {
      const v = lookupNoTouch(ctx.db, ctx.argv[1]!);
      return new Status(v === undefined ? 'none' : typeOf(v));
    },
  },
  {
    name: 'keys',
    arity: 2,
    flags: ['readonly'],
    acl: ['keyspace', 'read', 'slow', 'dangerous'],
    tips: ['request_policy:all_shards', 'nondeterministic_output_order'],
    group: 'generic',
    summary: 'Returns all key names that match a pattern.',
    complexity:
      'O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.',
    since: '1.0.0',
    handler(ctx) {
      const db = ctx.db;
      const pattern = ctx.argv[1]!;
      const all = pattern === '*';
      const volatile = db.expires.size > 0;
      const out: string[] = [];
      // Expired keys are skipped, not deleted: the iteration must not change the dict.
      db.main.forEach((key) => {
        if ((all || globMatch(pattern, key)) && !(volatile && db.isExpired(key))) out.push(key);
      });
      return out;
    },
  },
  {
    name: 'scan',
    arity: -2,
    flags: ['readonly'],
    acl: ['keyspace', 'read', 'slow'],
    tips: ['nondeterministic_output', 'request_policy:special', 'response_policy:special'],
    group: 'generic',
    summary: 'Iterates over the key names in the database.',
    complexity:
      'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.',
    since: '2.8.0',
    handler(ctx) {
      const db = ctx.db;
      const o = parseScanArgs(ctx.argv, 1, true);
      const found: string[] = [];
      const cursor = scanDict(db.main, o, (key) => found.push(key));
      // db.c step 3, after the walk: drop expired keys (deleting them) and other types.
      const out: string[] = [];
      const type = o.type;
      for (const key of found) {
        if (type !== null) {
          const v = lookupNoTouch(db, key);
          if (v === undefined || typeOf(v) !== type) continue;
        } else if (db.expires.size > 0 && db.expireIfNeeded(key)) continue;
        out.push(key);
      }
      return [String(cursor), out];
    },
  },
  {
    name: 'randomkey',
    arity: 1,
    flags: ['readonly'],
    acl: ['keyspace', 'read', 'slow'],
    tips: ['request_policy:all_shards', 'response_policy:special', 'nondeterministic_output'],
    group: 'generic',
    summary: 'Returns a random key name from the database.',
    complexity: 'O(1)',
    since: '1.0.0',
    handler: (ctx) => ctx.db.randomKey(),
  },
  {
    name: 'rename',
    arity: 3,
    flags: ['write'],
    acl: ['keyspace', 'write', 'slow'],
    group: 'generic',
    keySpecs: [
      { flags: ['RW', 'ACCESS', 'DELETE'], index: 1, range: [0, 1, 0] },
      { flags: ['OW', 'UPDATE'], index: 2, range: [0, 1, 0] },
    ],
    summary: 'Renames a key and overwrites the destination.',
    complexity: 'O(1)',
    since: '1.0.0',
    handler: (ctx) => renameGeneric(ctx, false),
  },
  {
    name: 'renamenx',
    arity: 3,
    flags: ['write', 'fast'],
    acl: ['keyspace', 'write', 'fast'],
    group: 'generic',
    keySpecs: [
      { flags: ['RW', 'ACCESS', 'DELETE'], index: 1, range: [0, 1, 0] },
      { flags: ['OW', 'INSERT'], index: 2, range: [0, 1, 0] },
    ],
    summary: 'Renames a key only when the target key name doesn\'t exist.',
    complexity: 'O(1)',
    since: '1.0.0',
    handler: (ctx) => renameGeneric(ctx, true),
  },
  {
    name: 'copy',
    arity: -3,
    flags: ['write', 'denyoom'],
    acl: ['keyspace', 'write', 'slow'],
    group: 'generic',
    keySpecs: [
      { flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] },
      { flags: ['OW', 'UPDATE'], index: 2, range: [0, 1, 0] },
    ],
    summary: 'Copies the value of a key to a new key.',
    complexity:
      'O(N) worst case for collections, where N is the number of nested items. O(1) for string values.',
    since: '6.2.0',
    handler(ctx) {
      const { argv, db } = ctx;
      let dst = db;
      let replace = false;
      for (let j = 3; j < argv.length; j++) {
        const a = argv[j]!;
        if (is(a, 'replace')) replace = true;
        else if (is(a, 'db') && j + 1 < argv.length) dst = dbAt(ctx, int32Arg(argv[++j]!));
        else throw SYNTAX;
      }
      const src = argv[1]!;
      const newkey = argv[2]!;
      if (dst === db && src === newkey) throw SAME_OBJECT;
      ctx.suppressEffects();
      const v = db.lookupRead(src);
      if (v === undefined) return 0;
      const expire = db.getExpire(src);
      let exists = false;
      if (dst.lookupWrite(newkey) !== undefined) {
        if (!replace) return 0;
        exists = true;
      }
      const copy = typeof v === 'string' ? v : v.clone();
      if (exists) dst.delete(newkey);
      dst.add(newkey, copy);
      if (expire !== -1) dst.setExpire(newkey, expire);
      ctx.shard.notify(dst.id, 'g', 'copy_to', newkey);
      ctx.emit(argv);
      return 1;
    },
  },
  {
    name: 'move',
    arity: 3,
    flags: ['write', 'fast'],
    acl: ['keyspace', 'write', 'fast'],
    group: 'generic',
    keySpecs: [{ flags: ['RW', 'ACCESS', 'UPDATE'], index: 1, range: [0, 1, 0] }],
    summary: 'Moves a key to another database.',
    complexity: 'O(1)',
    since: '1.0.0',
    handler(ctx) {
      const { argv, db } = ctx;
      const dst = dbAt(ctx, int32Arg(argv[2]!));
      if (dst === db) throw SAME_OBJECT;
      const key = argv[1]!;
      ctx.suppressEffects();
      const v = db.lookupWrite(key);
      if (v === undefined) return 0;
      const expire = db.getExpire(key);
      if (dst.lookupWrite(key) !== undefined) return 0;
      const meta = metaOf(db, key);
      dst.add(key, v);
      if (expire !== -1) dst.setExpire(key, expire);
      db.delete(key);
      keepMeta(meta, dst, key);
      ctx.notify('g', 'move_from', key);
      ctx.shard.notify(dst.id, 'g', 'move_to', key);
      ctx.emit(argv);
      return 1;
    },
  },
  {
    name: 'touch',
    arity: -2,
    flags: ['readonly', 'fast'],
    acl: ['keyspace', 'read', 'fast'],
    tips: ['request_policy:multi_shard', 'response_policy:agg_sum'],
    group: 'generic',
    keySpecs: [{ flags: ['RO'], index: 1, range: [-1, 1, 0] }],
    summary: 'Returns the number of existing keys out of those specified after updating the time they were last accessed.',
    complexity: 'O(N) where N is the number of keys that will be touched.',
    since: '3.2.1',
    handler(ctx) {
      const { argv, db, shard } = ctx;
      // TOUCH touches even for a CLIENT NO-TOUCH client (db.c lookupKey), which Keyspace reads
      // from shard.current.
      const current = shard.current;
      shard.current = null;
      let n = 0;
      try {
        for (let j = 1; j < argv.length; j++) if (db.lookupRead(argv[j]!) !== undefined) n++;
      } finally {
        shard.current = current;
      }
      return n;
    },
  },
  {
    name: 'object',
    arity: -2,
    flags: [],
    acl: ['slow'],
    group: 'generic',
    summary: 'A container for object introspection commands',
    complexity: 'Depends on subcommand.',
    since: '2.2.3',
    subcommands: [
      {
        name: 'encoding',
        arity: 3,
        flags: objectFlags,
        acl: objectAcl,
        group: 'generic',
        ...objectKey,
        keySpecs: [{ flags: ['RO'], index: 2, range: [0, 1, 0] }],
        summary: 'Inspect the internal encoding of a Redis object',
        complexity: 'O(1)',
        since: '2.2.3',
        handler(ctx) {
          const v = lookupNoTouch(ctx.db, ctx.argv[2]!);
          if (v === undefined) return null;
          return typeof v === 'string' ? stringEncoding(v) : v.encoding();
        },
      },
      {
        name: 'freq',
        arity: 3,
        flags: objectFlags,
        acl: objectAcl,
        group: 'generic',
        ...objectKey,
        keySpecs: [{ flags: ['RO'], index: 2, range: [0, 1, 0] }],
        summary: 'Get the logarithmic access frequency counter of a Redis object',
        complexity: 'O(1)',
        since: '4.0.0',
        handler(ctx) {
          const i = objectLookup(ctx);
          if (i < 0) return null;
          if (!ctx.shard.config['maxmemory-policy'].includes('lfu')) throw LFU_NOT_SELECTED;
          return lfuDecr(ctx.db.main.metaAt(i), ctx.shard);
        },
      },
      {
        name: 'idletime',
        arity: 3,
        flags: objectFlags,
        acl: objectAcl,
        group: 'generic',
        ...objectKey,
        keySpecs: [{ flags: ['RO'], index: 2, range: [0, 1, 0] }],
        summary: 'Get the time since a Redis object was last accessed',
        complexity: 'O(1)',
        since: '2.2.3',
        handler(ctx) {
          const i = objectLookup(ctx);
          if (i < 0) return null;
          if (ctx.shard.config['maxmemory-policy'].includes('lfu')) throw LFU_SELECTED;
          return Math.floor(idleTime(ctx.db.main.metaAt(i), ctx.now) / 1000);
        },
      },
      {
        name: 'refcount',
        arity: 3,
        flags: objectFlags,
        acl: objectAcl,
        group: 'generic',
        ...objectKey,
        keySpecs: [{ flags: ['RO'], index: 2, range: [0, 1, 0] }],
        summary: 'Get the number of references to the value of the key',
        complexity: 'O(1)',
        since: '2.2.3',
        handler(ctx) {
          const v = lookupNoTouch(ctx.db, ctx.argv[2]!);
          return v === undefined ? null : refCount(ctx, v);
        },
      },
      {
        name: 'help',
        arity: 2,
        flags: ['loading', 'stale'],
        acl: ['keyspace', 'slow'],
        group: 'generic',
        summary: 'Show helpful text about the different subcommands',
        complexity: 'O(1)',
        since: '6.2.0',
        handler: () => OBJECT_HELP,
      },
    ],
  },
  {
    name: 'dbsize',
    arity: 1,
    flags: ['readonly', 'fast'],
    acl: ['keyspace', 'read', 'fast'],
    tips: ['request_policy:all_shards', 'response_policy:agg_sum'],
    group: 'server',
    summary: 'Returns the number of keys in the database.',
    complexity: 'O(1)',
    since: '1.0.0',
    handler: (ctx) => ctx.db.size,
  },
);

// ---------------------------------------------------------------------------------------------
// DUMP / RESTORE (cluster.c): values in Redis's RDB serialization, see rdb/

const BUSYKEY = error('BUSYKEY Target key name already exists.');
const BAD_PAYLOAD = error('ERR DUMP payload version or checksum are wrong');
const BAD_DATA = error('ERR Bad data format');
const LRU_CLOCK_MAX = (1 << 24) - 1;

function dump(ctx: Ctx): Reply {
  const v = ctx.db.lookupRead(ctx.argv[1]!);
  if (v === undefined) return null;
  try {
    return dumpPayload(v);
  } catch (e) {
    if (e instanceof Unserializable) throw error(`ERR DUMP of a ${typeOf(v)} key is not supported`);
    throw e;
  }
}

/** restoreCommand: RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f]. */
function restore(ctx: Ctx): Reply {
  const { argv, db } = ctx;
  let replace = false;
  let absttl = false;
  let lfuFreq = -1;
  let lruIdle = -1;
  for (let j = 4; j < argv.length; j++) {
    const a = argv[j]!;
    const additional = argv.length - j - 1;
    if (is(a, 'replace')) replace = true;
    else if (is(a, 'absttl')) absttl = true;
    else if (is(a, 'idletime') && additional >= 1 && lfuFreq === -1) {
      lruIdle = parseInt64(argv[++j]!);
      if (lruIdle !== lruIdle) throw NOT_INTEGER;
      if (lruIdle < 0) throw error('ERR Invalid IDLETIME value, must be >= 0');
    } else if (is(a, 'freq') && additional >= 1 && lruIdle === -1) {
      lfuFreq = parseInt64(argv[++j]!);
      if (lfuFreq !== lfuFreq) throw NOT_INTEGER;
      if (lfuFreq < 0 || lfuFreq > 255) throw error('ERR Invalid FREQ value, must be >= 0 and <= 255');
    } else throw SYNTAX;
  }
  const key = argv[1]!;
  if (!replace && db.lookupWrite(key) !== undefined) throw BUSYKEY;
  let ttl = parseInt64(argv[2]!);
  if (ttl !== ttl) throw NOT_INTEGER;
  if (ttl < 0) throw error('ERR Invalid TTL value, must be >= 0');
  const payload = argv[3]!;
  if (!verifyDumpPayload(payload)) throw BAD_PAYLOAD;
  let value: Value;
  try {
    value = loadDumpPayload(payload, ctx.shard.config);
  } catch (e) {
    if (e instanceof BadData) throw BAD_DATA;
    throw e;
  }

  // One change however many keyspace operations make it (server.dirty++ once).
  const dirty = ctx.shard.dirty;
  const deleted = replace && db.delete(key);
  if (ttl && !absttl) ttl += ctx.now;
  if (ttl && ttl <= ctx.now && ctx.shard.expireEnabled) {
    // Already expired: nothing is created; a replaced key is deleted (propagated as DEL).
    if (deleted) {
      ctx.shard.dirty = dirty + 1;
      ctx.emit(['DEL', key]);
      ctx.notify('g', 'del', key);
    }
    return OK;
  }
  db.add(key, value);
  if (ttl) {
    db.setExpire(key, ttl);
    if (!absttl) {
      // The TTL is propagated as the absolute time it became.
      const effect = argv.slice();
      effect[2] = String(ttl);
      effect.push('ABSTTL');
      ctx.emit(effect);
    }
  }
  // objectSetLRUOrLFU
  const i = db.main.find(key);
  if (ctx.shard.lfu) {
    if (lfuFreq >= 0) db.main.setMetaAt(i, (((Math.floor(ctx.shard.coarseNow / 60000) & 0xffff) << 8) | lfuFreq) >>> 0);
  } else if (lruIdle >= 0) {
    let lru = lruClock(ctx.now) - lruIdle;
    if (lru < 0) lru = (lru + LRU_CLOCK_MAX) % LRU_CLOCK_MAX;
    db.main.setMetaAt(i, lru);
  }
  ctx.shard.dirty = dirty + 1;
  ctx.notify('g', 'restore', key);
  return OK;
}

const RESTORE_COMPLEXITY =
  'O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).';
const RESTORE_HISTORY = [
  ['3.0.0', 'Added the `REPLACE` modifier.'],
  ['5.0.0', 'Added the `ABSTTL` modifier.'],
  ['5.0.0', 'Added the `IDLETIME` and `FREQ` options.'],
] as const;

defineCommands(
  {
    name: 'dump',
    arity: 2,
    flags: ['readonly'],
    acl: ['keyspace', 'read', 'slow'],
    group: 'generic',
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns a serialized representation of the value stored at a key.',
    complexity:
      'O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).',
    since: '2.6.0',
    tips: ['nondeterministic_output'],
    handler: dump,
  },
  {
    name: 'restore',
    arity: -4,
    flags: ['write', 'denyoom'],
    acl: ['keyspace', 'write', 'slow', 'dangerous'],
    group: 'generic',
    keySpecs: [{ flags: ['OW', 'UPDATE'], index: 1, range: [0, 1, 0] }],
    summary: 'Creates a key from the serialized representation of a value.',
    complexity: RESTORE_COMPLEXITY,
    since: '2.6.0',
    history: RESTORE_HISTORY,
    handler: restore,
  },
  {
    name: 'restore-asking',
    arity: -4,
    flags: ['write', 'denyoom', 'asking'],
    acl: ['keyspace', 'write', 'slow', 'dangerous'],
    group: 'server',
    keySpecs: [{ flags: ['OW', 'UPDATE'], index: 1, range: [0, 1, 0] }],
    summary: 'An internal command for migrating keys in a cluster.',
    complexity: RESTORE_COMPLEXITY,
    since: '3.0.0',
    history: RESTORE_HISTORY,
    docFlags: ['syscmd'],
    handler: restore,
  },
);
