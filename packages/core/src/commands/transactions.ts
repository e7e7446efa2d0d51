/**
 * MULTI / EXEC / DISCARD / WATCH / UNWATCH (multi.c). Queueing itself happens in
 * Shard.execute, which sees every command first; these handlers open, run and drop the queue.
 */
import { DISCARD_WITHOUT_MULTI, EXECABORT, EXEC_WITHOUT_MULTI, NESTED_MULTI, WATCH_IN_MULTI } from '../errors.ts';
import { NULL_ARRAY, OK } from '../reply.ts';
import { defineCommands } from './table.ts';

const txFlags = ['noscript', 'loading', 'stale', 'fast', 'allow_busy'] as const;

defineCommands(
  {
    name: 'multi',
    arity: 1,
    flags: [...txFlags, 'no_multi'],
    acl: ['fast', 'transaction'],
    group: 'transactions',
    summary: 'Starts a transaction.',
    complexity: 'O(1)',
    handler(ctx) {
      if (ctx.session.multi !== null) return NESTED_MULTI;
      ctx.session.multi = [];
      ctx.session.multiError = false;
      return OK;
    },
  },
  {
    name: 'exec',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'skip_slowlog'],
    acl: ['slow', 'transaction'],
    group: 'transactions',
    summary: 'Executes all commands in a transaction.',
    complexity: 'Depends on commands in the transaction',
    handler(ctx) {
      const s = ctx.session;
      const queue = s.multi;
      if (queue === null) return EXEC_WITHOUT_MULTI;
      if (s.multiError) {
        s.discardMulti();
        return EXECABORT;
      }
      if (s.dirtyCAS || s.watchedKeyExpired()) {
        s.discardMulti();
        return NULL_ARRAY;
      }
      const shard = ctx.shard;
      // Over maxmemory, Shard.execute already refused an EXEC whose queue may grow memory.
      s.multi = null;
      s.unwatchAll();
      ctx.suppressEffects();
      return shard.runTransaction(s, queue);
    },
  },
  {
    name: 'discard',
    arity: 1,
    flags: txFlags,
    acl: ['fast', 'transaction'],
    group: 'transactions',
    summary: 'Discards a transaction.',
    complexity: 'O(N), when N is the number of queued commands',
    handler(ctx) {
      if (ctx.session.multi === null) return DISCARD_WITHOUT_MULTI;
      ctx.session.discardMulti();
      return OK;
    },
  },
  {
    name: 'watch',
    arity: -2,
    flags: [...txFlags, 'no_multi'],
    acl: ['fast', 'transaction'],
    group: 'transactions',
    keySpecs: [{ flags: ['RO'], index: 1, range: [-1, 1, 0] }],
    summary: 'Monitors changes to keys to determine the execution of a transaction.',
    complexity: 'O(1) for every key.',
    handler(ctx) {
      if (ctx.session.multi !== null) return WATCH_IN_MULTI;
      for (let i = 1; i < ctx.argv.length; i++) ctx.session.watch(ctx.db, ctx.argv[i]!);
      return OK;
    },
  },
  {
    name: 'unwatch',
    arity: 1,
    flags: txFlags,
    acl: ['fast', 'transaction'],
    group: 'transactions',
    summary: 'Forgets about watched keys of a transaction.',
    complexity: 'O(1)',
    handler(ctx) {
      ctx.session.unwatchAll();
      return OK;
    },
  },
);
