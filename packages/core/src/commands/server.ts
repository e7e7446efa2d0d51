/**
 * Database-level and connection basics the engine owns (db.c, server.c): FLUSHDB FLUSHALL
 * SELECT SWAPDB PING ECHO TIME. The rest of the server group (INFO, CONFIG, CLIENT ...) lives in
 * the server package.
 */
import { SYNTAX, error, wrongArity } from '../errors.ts';
import { OK, PONG } from '../reply.ts';
import type { Ctx } from './context.ts';
import { is } from './args.ts';
import { dbAt, int32Arg } from './keys.ts';
import { defineCommands } from './table.ts';

/** FLUSHDB/FLUSHALL [ASYNC|SYNC]: both flush at once here (no background freeing to defer to). */
function checkFlushArgs(argv: readonly string[]): void {
  if (argv.length === 1) return;
  if (argv.length === 2 && (is(argv[1]!, 'sync') || is(argv[1]!, 'async'))) return;
  throw SYNTAX;
}

const INVALID_FIRST = error('ERR invalid first DB index');
const INVALID_SECOND = error('ERR invalid second DB index');

/** TIME's clock: microseconds when the engine runs on the wall clock, else the shard's clock. */
function nowMicros(ctx: Ctx): number {
  if (ctx.shard.clock === Date.now) return Math.floor((performance.timeOrigin + performance.now()) * 1000);
  return ctx.now * 1000;
}

defineCommands(
  {
    name: 'flushdb',
    arity: -1,
    flags: ['write'],
    acl: ['keyspace', 'write', 'slow', 'dangerous'],
    tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
    group: 'server',
    summary: 'Remove all keys from the current database.',
    complexity: 'O(N) where N is the number of keys in the selected database',
    since: '1.0.0',
    handler(ctx) {
      checkFlushArgs(ctx.argv);
      ctx.db.flush();
      // Replicated even when the database was already empty (forceCommandPropagation).
      ctx.emit(ctx.argv);
      return OK;
    },
  },
  {
    name: 'flushall',
    arity: -1,
    flags: ['write'],
    acl: ['keyspace', 'write', 'slow', 'dangerous'],
    tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
    group: 'server',
    summary: 'Removes all keys from all databases.',
    complexity: 'O(N) where N is the total number of keys in all databases',
    since: '1.0.0',
    handler(ctx) {
      checkFlushArgs(ctx.argv);
      for (const db of ctx.shard.dbs) db.flush();
      ctx.emit(ctx.argv);
      return OK;
    },
  },
  {
    name: 'select',
    arity: 2,
    flags: ['loading', 'stale', 'fast'],
    acl: ['fast', 'connection'],
    group: 'connection',
    summary: 'Changes the selected database.',
    complexity: 'O(1)',
    since: '1.0.0',
    handler(ctx) {
      ctx.session.db = dbAt(ctx, int32Arg(ctx.argv[1]!)).id;
      return OK;
    },
  },
  {
    name: 'swapdb',
    arity: 3,
    flags: ['write', 'fast'],
    acl: ['keyspace', 'write', 'fast', 'dangerous'],
    group: 'server',
    summary: 'Swaps two Redis databases.',
    complexity: 'O(N) where N is the count of clients watching or blocking on keys from both databases.',
    since: '4.0.0',
    handler(ctx) {
      const id1 = int32Arg(ctx.argv[1]!, INVALID_FIRST);
      const id2 = int32Arg(ctx.argv[2]!, INVALID_SECOND);
      const a = dbAt(ctx, id1);
      const b = dbAt(ctx, id2);
      if (a !== b) {
        a.touchAllWatched(b);
        b.touchAllWatched(a);
        a.swapWith(b);
      }
      // Replicated even for a db with itself, as Redis does (server.dirty++).
      ctx.emit(ctx.argv);
      return OK;
    },
  },
  {
    name: 'ping',
    arity: -1,
    flags: ['fast'],
    acl: ['fast', 'connection'],
    tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
    group: 'connection',
    summary: 'Returns the server\'s liveliness response.',
    complexity: 'O(1)',
    since: '1.0.0',
    handler(ctx) {
      const argv = ctx.argv;
      if (argv.length > 2) throw wrongArity('ping');
      // The RESP2 subscribed-mode form (["pong", msg]) is the server package's, which owns pub/sub.
      return argv.length === 1 ? PONG : argv[1]!;
    },
  },
  {
    name: 'echo',
    arity: 2,
    flags: ['loading', 'stale', 'fast'],
    acl: ['fast', 'connection'],
    group: 'connection',
    summary: 'Returns the given string.',
    complexity: 'O(1)',
    since: '1.0.0',
    handler: (ctx) => ctx.argv[1]!,
  },
  {
    name: 'time',
    arity: 1,
    flags: ['loading', 'stale', 'fast'],
    acl: ['fast'],
    group: 'server',
    summary: 'Returns the server time.',
    complexity: 'O(1)',
    since: '2.6.0',
    handler(ctx) {
      const us = nowMicros(ctx);
      return [String(Math.floor(us / 1e6)), String(us % 1e6)];
    },
  },
);
