/**
 * The lists family (t_list.c). The pop and move cores are exported (popFrom, popList,
 * moveElement, mpop) so the blocking commands (BLPOP, BLMOVE, BLMPOP ...) served later by the
 * server reuse exactly the same mutation, notifications and effects.
 */
import { INDEX_OUT_OF_RANGE, NO_SUCH_KEY, SYNTAX, error, wrongArity } from '../errors.ts';
import { NULL_ARRAY, OK, type Reply } from '../reply.ts';
import { parseInt64 } from '../bytes.ts';
import { RList, type Where } from '../types/list.ts';
import type { Ctx } from './context.ts';
import { intArg, is, rangeIndexes } from './args.ts';
import { defineCommands } from './table.ts';

export type { Where } from '../types/list.ts';


function fill(ctx: Ctx): number {
  return ctx.shard.config['list-max-listpack-size'];
}

/** Sum of raw lengths of argv[from..]: what listTypeTryConversionAppend adds to lpBytes. */
function argBytes(argv: readonly string[], from: number, to = argv.length - 1): number {
  let n = 0;
  for (let i = from; i <= to; i++) n += argv[i]!.length;
  return n;
}

/** LEFT|RIGHT (getListPositionFromObjectOrReply). */
export function whereArg(s: string): Where {
  if (is(s, 'left')) return 'left';
  if (is(s, 'right')) return 'right';
  throw SYNTAX;
}

/**
 * getRangeLongFromObjectOrReply(min, LONG_MAX) with a custom message (it covers non-integers
 * too). The upper bound is parseInt64's own: near 2^63 its number is not exact, so comparing it
 * with LONG_MAX as a double would reject LONG_MAX itself.
 */
function rangedArg(s: string, min: number, msg: string): number {
  const v = parseInt64(s);
  if (v !== v || v < min) throw error(msg);
  return v;
}

/**
 * listElementsRemoved: after n elements left `key` from `where`: the pop event, deletion of an
 * emptied list (with its del event) or the shrinking conversion, and the keyspace change.
 */
function elementsRemoved(ctx: Ctx, key: string, list: RList, where: Where): void {
  ctx.notify('l', where === 'left' ? 'lpop' : 'rpop', key);
  if (list.size === 0) {
    ctx.db.delete(key);
    ctx.notify('g', 'del', key);
  } else {
    list.shrinkCheck(fill(ctx));
    ctx.db.modified(key, list);
  }
}

/**
 * Pops from a list known to exist and be non-empty: one element when count < 0 (the plain
 * LPOP/BLPOP form), else up to count in pop order. Notifies, deletes an emptied list.
 */
export function popList(ctx: Ctx, key: string, list: RList, where: Where, count: number): string[] {
  let out: string[];
  if (count < 0) {
    out = [list.pop(where)!];
  } else {
    const n = Math.min(count, list.size);
    out = new Array<string>(n);
    for (let i = 0; i < n; i++) out[i] = list.pop(where)!;
  }
  elementsRemoved(ctx, key, list, where);
  return out;
}

/**
 * Pops from `key` (see popList); null when the key does not exist. WRONGTYPE is thrown. With
 * `rewrite`, emits the deterministic effect `LPOP key [n]` as Redis rewrites BLPOP/BLMPOP.
 */
export function popFrom(ctx: Ctx, key: string, where: Where, count: number, rewrite = false): string[] | null {
  const list = ctx.db.write<RList>(key, 'list');
  if (list === undefined || list.size === 0) return null;
  const out = popList(ctx, key, list, where, count);
  if (rewrite) {
    const cmd = where === 'left' ? 'LPOP' : 'RPOP';
    ctx.emit(count < 0 ? [cmd, key] : [cmd, key, String(out.length)]);
  }
  return out;
}

/**
 * LMPOP/BLMPOP core (mpopGenericCommand): pops up to count from the first non-empty list among
 * keys and emits `LPOP|RPOP key n` for it. Null when every key is missing; a key of another type
 * met before a non-empty list throws WRONGTYPE.
 */
export function mpop(ctx: Ctx, keys: readonly string[], where: Where, count: number): [string, string[]] | null {
  for (const key of keys) {
    const out = popFrom(ctx, key, where, count, true);
    if (out !== null) return [key, out];
  }
  return null;
}

/**
 * LMOVE/RPOPLPUSH/BLMOVE core (lmoveGenericCommand): moves one element from src's `from` end to
 * dst's `to` end and returns it; null when src does not exist. Both types are checked before
 * anything changes. With `rewrite`, emits `LMOVE src dst from to` (BLMOVE/BRPOPLPUSH replay).
 */
export function moveElement(ctx: Ctx, srcKey: string, dstKey: string, from: Where, to: Where, rewrite = false): string | null {
  const db = ctx.db;
  const src = db.write<RList>(srcKey, 'list');
  if (src === undefined || src.size === 0) return null;
  let dst = db.write<RList>(dstKey, 'list');
  // Both keys are signalled, but the move is one change (lmoveGenericCommand: server.dirty++ once).
  const dirty = ctx.shard.dirty;
  const value = src.pop(from)!;
  // lmoveHandlePush: the destination (possibly the source itself) gets the element first.
  const created = dst === undefined;
  if (dst === undefined) dst = new RList();
  dst.growCheck(fill(ctx), value.length, 1);
  dst.push(value, to);
  if (created) db.add(dstKey, dst);
  else if (dst !== src) db.modified(dstKey, dst);
  ctx.notify('l', to === 'left' ? 'lpush' : 'rpush', dstKey);
  elementsRemoved(ctx, srcKey, src, from);
  ctx.shard.dirty = dirty + 1;
  if (rewrite) ctx.emit(['LMOVE', srcKey, dstKey, from === 'left' ? 'LEFT' : 'RIGHT', to === 'left' ? 'LEFT' : 'RIGHT']);
  return value;
}

/** pushGenericCommand: LPUSH/RPUSH, and LPUSHX/RPUSHX when xx (push only onto an existing list). */
function pushGeneric(ctx: Ctx, where: Where, xx: boolean): Reply {
  const argv = ctx.argv;
  const key = argv[1]!;
  const db = ctx.db;
  let list = db.write<RList>(key, 'list');
  const created = list === undefined;
  if (list === undefined) {
    if (xx) return 0;
    list = new RList();
  }
  list.growCheck(fill(ctx), argBytes(argv, 2), argv.length - 2);
  if (where === 'left') for (let i = 2; i < argv.length; i++) list.lpush(argv[i]!);
  else for (let i = 2; i < argv.length; i++) list.rpush(argv[i]!);
  if (created) db.add(key, list);
  else db.modified(key, list);
  ctx.notify('l', where === 'left' ? 'lpush' : 'rpush', key);
  return list.size;
}

/** popGenericCommand: LPOP/RPOP key [count]. */
function popGeneric(ctx: Ctx, where: Where): Reply {
  const argv = ctx.argv;
  if (argv.length > 3) throw wrongArity(ctx.cmd.name);
  const hasCount = argv.length === 3;
  const count = hasCount ? rangedArg(argv[2]!, 0, 'ERR value is out of range, must be positive') : -1;
  const key = argv[1]!;
  const list = ctx.db.write<RList>(key, 'list');
  if (list === undefined) return hasCount ? NULL_ARRAY : null;
  if (count === 0) return [];
  const out = popList(ctx, key, list, where, count);
  return hasCount ? out : out[0]!;
}

const moveFlags = ['write', 'denyoom'] as const;

defineCommands(
  {
    name: 'lpush',
    arity: -3,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'list', 'fast'],
    group: 'list',
    keySpecs: [{ flags: ['RW', 'INSERT'], index: 1, range: [0, 1, 0] }],
    summary: 'Prepends one or more elements to a list. Creates the key if it doesn\'t exist.',
    complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.',
    since: '1.0.0',
    handler: (ctx) => pushGeneric(ctx, 'left', false),
  },
  {
    name: 'rpush',
    arity: -3,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'list', 'fast'],
    group: 'list',
    keySpecs: [{ flags: ['RW', 'INSERT'], index: 1, range: [0, 1, 0] }],
    summary: 'Appends one or more elements to a list. Creates the key if it doesn\'t exist.',
    complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.',
    since: '1.0.0',
    handler: (ctx) => pushGeneric(ctx, 'right', false),
  },
  {
    name: 'lpushx',
    arity: -3,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'list', 'fast'],
    group: 'list',
    keySpecs: [{ flags: ['RW', 'INSERT'], index: 1, range: [0, 1, 0] }],
    summary: 'Prepends one or more elements to a list only when the list exists.',
    complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.',
    since: '2.2.0',
    handler: (ctx) => pushGeneric(ctx, 'left', true),
  },
  {
    name: 'rpushx',
    arity: -3,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'list', 'fast'],
    group: 'list',
    keySpecs: [{ flags: ['RW', 'INSERT'], index: 1, range: [0, 1, 0] }],
    summary: 'Appends an element to a list only when the list exists.',
    complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.',
    since: '2.2.0',
    handler: (ctx) => pushGeneric(ctx, 'right', true),
  },
  {
    name: 'lpop',
    arity: -2,
    flags: ['write', 'fast'],
    acl: ['write', 'list', 'fast'],
    group: 'list',
    keySpecs: [{ flags: ['RW', 'ACCESS', 'DELETE'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns the first elements in a list after removing it. Deletes the list if the last element was popped.',
    complexity: 'O(N) where N is the number of elements returned',
    since: '1.0.0',
    handler: (ctx) => popGeneric(ctx, 'left'),
  },
  {
    name: 'rpop',
    arity: -2,
    flags: ['write', 'fast'],
    acl: ['write', 'list', 'fast'],
    group: 'list',
    keySpecs: [{ flags: ['RW', 'ACCESS', 'DELETE'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns and removes the last elements of a list. Deletes the list if the last element was popped.',
    complexity: 'O(N) where N is the number of elements returned',
    since: '1.0.0',
    handler: (ctx) => popGeneric(ctx, 'right'),
  },
  {
    name: 'llen',
    arity: 2,
    flags: ['readonly', 'fast'],
    acl: ['read', 'list', 'fast'],
    group: 'list',
    keySpecs: [{ flags: ['RO'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns the length of a list.',
    complexity: 'O(1)',
    since: '1.0.0',
    handler(ctx) {
      return ctx.db.read<RList>(ctx.argv[1]!, 'list')?.size ?? 0;
    },
  },
  {
    name: 'lrange',
    arity: 4,
    flags: ['readonly'],
    acl: ['read', 'list', 'slow'],
    group: 'list',
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns a range of elements from a list.',
    complexity:
      'O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.',
    since: '1.0.0',
    handler(ctx) {
      const argv = ctx.argv;
      const start = intArg(argv[2]!);
      const stop = intArg(argv[3]!);
      const list = ctx.db.read<RList>(argv[1]!, 'list');
      if (list === undefined) return [];
      const r = rangeIndexes(start, stop, list.size);
      return r === null ? [] : list.range(r[0], r[1]);
    },
  },
  {
    name: 'lindex',
    arity: 3,
    flags: ['readonly'],
    acl: ['read', 'list', 'slow'],
    group: 'list',
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns an element from a list by its index.',
    complexity:
      'O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).',
    since: '1.0.0',
    handler(ctx) {
      const list = ctx.db.read<RList>(ctx.argv[1]!, 'list');
      if (list === undefined) return null;
      return list.at(intArg(ctx.argv[2]!)) ?? null;
    },
  },
  {
    name: 'lset',
    arity: 4,
    flags: ['write', 'denyoom'],
    acl: ['write', 'list', 'slow'],
    group: 'list',
    keySpecs: [{ flags: ['RW', 'UPDATE'], index: 1, range: [0, 1, 0] }],
    summary: 'Sets the value of an element in a list by its index.',
    complexity: 'O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).',
    since: '1.0.0',
    handler(ctx) {
      const argv = ctx.argv;
      const key = argv[1]!;
      const list = ctx.db.write<RList>(key, 'list');
      if (list === undefined) throw NO_SUCH_KEY;
      let index = intArg(argv[2]!);
      const value = argv[3]!;
      // Redis converts before it knows whether the index is valid (listTypeTryConversionAppend).
      list.growCheck(fill(ctx), value.length, 1);
      if (index < 0) index += list.size;
      if (index < 0 || index >= list.size) throw INDEX_OUT_OF_RANGE;
      list.set(index, value);
      ctx.notify('l', 'lset', key);
      list.shrinkCheck(fill(ctx));
      ctx.db.modified(key, list);
      return OK;
    },
  },
  {
    name: 'linsert',
    arity: 5,
    flags: ['write', 'denyoom'],
    acl: ['write', 'list', 'slow'],
    group: 'list',
    keySpecs: [{ flags: ['RW', 'INSERT'], index: 1, range: [0, 1, 0] }],
    summary: 'Inserts an element before or after another element in a list.',
    complexity:
      'O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).',
    since: '2.2.0',
    handler(ctx) {
      const argv = ctx.argv;
      let after: boolean;
      if (is(argv[2]!, 'after')) after = true;
      else if (is(argv[2]!, 'before')) after = false;
      else throw SYNTAX;
      const key = argv[1]!;
      const list = ctx.db.write<RList>(key, 'list');
      if (list === undefined) return 0;
      const value = argv[4]!;
      // As Redis: the conversion is decided before the pivot is found.
      list.growCheck(fill(ctx), value.length, 1);
      const i = list.indexOf(argv[3]!);
      if (i < 0) return -1;
      list.insert(after ? i + 1 : i, value);
      ctx.db.modified(key, list);
      ctx.notify('l', 'linsert', key);
      return list.size;
    },
  },
  {
    name: 'lrem',
    arity: 4,
    flags: ['write'],
    acl: ['write', 'list', 'slow'],
    group: 'list',
    keySpecs: [{ flags: ['RW', 'DELETE'], index: 1, range: [0, 1, 0] }],
    summary: 'Removes elements from a list. Deletes the list if the last element was removed.',
    complexity: 'O(N+M) where N is the length of the list and M is the number of elements removed.',
    since: '1.0.0',
    handler(ctx) {
      const argv = ctx.argv;
      const count = intArg(argv[2]!);
      const key = argv[1]!;
      const list = ctx.db.write<RList>(key, 'list');
      if (list === undefined) return 0;
      const removed = list.remove(argv[3]!, Math.abs(count), count < 0);
      if (removed > 0) {
        ctx.notify('l', 'lrem', key);
        if (list.size === 0) {
          ctx.db.delete(key);
          ctx.notify('g', 'del', key);
        } else {
          list.shrinkCheck(fill(ctx));
          ctx.db.modified(key, list);
        }
      }
      return removed;
    },
  },
  {
    name: 'ltrim',
    arity: 4,
    flags: ['write'],
    acl: ['write', 'list', 'slow'],
    group: 'list',
    keySpecs: [{ flags: ['RW', 'DELETE'], index: 1, range: [0, 1, 0] }],
    summary: 'Removes elements from both ends a list. Deletes the list if all elements were trimmed.',
    complexity: 'O(N) where N is the number of elements to be removed by the operation.',
    since: '1.0.0',
    handler(ctx) {
      const argv = ctx.argv;
      const start = intArg(argv[2]!);
      const stop = intArg(argv[3]!);
      const key = argv[1]!;
      const list = ctx.db.write<RList>(key, 'list');
      if (list === undefined) return OK;
      const n = list.size;
      const r = rangeIndexes(start, stop, n);
      const left = r === null ? n : r[0];
      const right = r === null ? 0 : n - r[1] - 1;
      list.trim(left, right);
      ctx.notify('l', 'ltrim', key);
      if (list.size === 0) {
        ctx.db.delete(key);
        ctx.notify('g', 'del', key);
      } else {
        list.shrinkCheck(fill(ctx));
        // Redis signals the key even when nothing was trimmed, but its dirty counter (hence
        // propagation) moves only by the elements removed.
        ctx.db.modified(key, list);
        if (left + right === 0) ctx.suppressEffects();
      }
      return OK;
    },
  },
  {
    name: 'lpos',
    arity: -3,
    flags: ['readonly'],
    acl: ['read', 'list', 'slow'],
    group: 'list',
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns the index of matching elements in a list.',
    complexity:
      'O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.',
    since: '6.0.6',
    handler(ctx) {
      const argv = ctx.argv;
      const ele = argv[2]!;
      let rank = 1;
      let count = -1; // -1: no COUNT option
      let maxlen = 0;
      for (let j = 3; j < argv.length; j++) {
        const o = argv[j]!;
        const more = j < argv.length - 1;
        if (more && is(o, 'rank')) {
          const s = argv[++j]!;
          rank = intArg(s);
          // The one int64 below -LONG_MAX: negating it would overflow (Redis 7.2 rejects it).
          if (s === '-9223372036854775808') {
            throw error('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
          }
          if (rank === 0) {
            throw error(
              "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
            );
          }
        } else if (more && is(o, 'count')) {
          count = rangedArg(argv[++j]!, 0, "ERR COUNT can't be negative");
        } else if (more && is(o, 'maxlen')) {
          maxlen = rangedArg(argv[++j]!, 0, "ERR MAXLEN can't be negative");
        } else {
          throw SYNTAX;
        }
      }
      const list = ctx.db.read<RList>(argv[1]!, 'list');
      if (list === undefined) return count !== -1 ? [] : null;
      const fromTail = rank < 0;
      if (fromTail) rank = -rank;
      const n = list.size;
      const limit = maxlen === 0 || maxlen > n ? n : maxlen;
      const out: number[] = [];
      let matches = 0;
      for (let k = 0; k < limit; k++) {
        const i = fromTail ? n - 1 - k : k;
        if (list.at(i) !== ele) continue;
        matches++;
        if (matches < rank) continue;
        if (count === -1) return i;
        out.push(i);
        if (count !== 0 && out.length >= count) break;
      }
      return count === -1 ? null : out;
    },
  },
  {
    name: 'lmove',
    arity: 5,
    flags: moveFlags,
    acl: ['write', 'list', 'slow'],
    group: 'list',
    keySpecs: [
      { flags: ['RW', 'ACCESS', 'DELETE'], index: 1, range: [0, 1, 0] },
      { flags: ['RW', 'INSERT'], index: 2, range: [0, 1, 0] },
    ],
    summary: 'Returns an element after popping it from one list and pushing it to another. Deletes the list if the last element was moved.',
    complexity: 'O(1)',
    since: '6.2.0',
    handler(ctx) {
      const argv = ctx.argv;
      const from = whereArg(argv[3]!);
      const to = whereArg(argv[4]!);
      return moveElement(ctx, argv[1]!, argv[2]!, from, to);
    },
  },
  {
    name: 'rpoplpush',
    arity: 3,
    flags: moveFlags,
    acl: ['write', 'list', 'slow'],
    group: 'list',
    keySpecs: [
      { flags: ['RW', 'ACCESS', 'DELETE'], index: 1, range: [0, 1, 0] },
      { flags: ['RW', 'INSERT'], index: 2, range: [0, 1, 0] },
    ],
    summary: 'Returns the last element of a list after removing and pushing it to another list. Deletes the list if the last element was popped.',
    complexity: 'O(1)',
    since: '1.2.0',
    handler: (ctx) => moveElement(ctx, ctx.argv[1]!, ctx.argv[2]!, 'right', 'left'),
  },
  {
    name: 'lmpop',
    arity: -4,
    flags: ['write', 'movablekeys'],
    acl: ['write', 'list', 'slow'],
    group: 'list',
    keys: (argv) => numkeysKeys(argv, 1),
    keySpecs: [{ flags: ['RW', 'ACCESS', 'DELETE'], index: 1, keynum: [0, 1, 1] }],
    summary: 'Returns multiple elements from a list after removing them. Deletes the list if the last element was popped.',
    complexity: 'O(N+M) where N is the number of provided keys and M is the number of elements returned.',
    since: '7.0.0',
    handler(ctx) {
      const { keys, where, count } = parseMpop(ctx.argv, 1);
      const r = mpop(ctx, keys, where, count);
      return r === null ? NULL_ARRAY : r;
    },
  },
);

/**
 * Key indexes of a `numkeys key [key ...]` command (LMPOP, BLMPOP): the keynum key spec. Empty
 * when numkeys is not a valid count for this argv (the handler then reports the error).
 */
export function numkeysKeys(argv: readonly string[], numkeysIdx: number): number[] {
  const n = parseInt64(argv[numkeysIdx] ?? '');
  if (!(n >= 1) || numkeysIdx + n >= argv.length) return [];
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = numkeysIdx + 1 + i;
  return out;
}

/**
 * lmpopGenericCommand's parsing, shared with BLMPOP (numkeysIdx 2): `numkeys key... LEFT|RIGHT
 * [COUNT count]`. Count defaults to 1 (the reply is still an array).
 */
export function parseMpop(argv: readonly string[], numkeysIdx: number): { keys: string[]; where: Where; count: number } {
  const numkeys = rangedArg(argv[numkeysIdx]!, 1, 'ERR numkeys should be greater than 0');
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= argv.length) throw SYNTAX;
  const where = whereArg(argv[whereIdx]!);
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    if (count === -1 && j < argv.length - 1 && is(argv[j]!, 'count')) {
      count = rangedArg(argv[++j]!, 1, 'ERR count should be greater than 0');
    } else {
      throw SYNTAX;
    }
  }
  return { keys: argv.slice(numkeysIdx + 1, whereIdx), where, count: count === -1 ? 1 : count };
}
