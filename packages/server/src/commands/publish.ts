/**
 * PUBLISH and SPUBLISH as declared to the command table, apart from pubsub.ts so that a shard
 * thread can declare the very same commands (shard-commands.ts) without the server around them:
 * there a script's PUBLISH asks the serving thread, which holds the subscribers.
 */
import { MapReply, SetReply, Status, type CommandSpec, type Ctx, type Reply } from '@memorykv/core';

/** COMMAND DOCS / COMMAND INFO fields beyond CommandSpec, read by introspection.ts. */
export type Spec = CommandSpec & { arguments?: readonly Reply[]; subcommands?: Spec[] };

/** One argument of COMMAND DOCS (addReplyCommandArgList), flags in Redis's order. */
export function arg(name: string, type: 'string' | 'pattern', ...flags: ('optional' | 'multiple')[]): Reply {
  const m: Reply[] = ['name', name, 'type', type];
  if (flags.length > 0) m.push('flags', new SetReply(flags.map((f) => new Status(f))));
  return new MapReply(m);
}

/** Shard channels sit where keys would, for slot routing, but are no keys (NOT_KEY). */
export const channelKeySpec = (lastkey: number) => ({ flags: ['NOT_KEY'], index: 1, range: [lastkey, 1, 0] }) as const;

/** The two specs, `publish(ctx, sharded)` answering each. */
export function publishSpecs(publish: (ctx: Ctx, sharded: boolean) => Reply): Spec[] {
  return [
    {
      name: 'publish',
      arity: 3,
      flags: ['pubsub', 'loading', 'stale', 'fast', 'may_replicate'],
      acl: ['pubsub', 'fast'],
      group: 'pubsub',
      arguments: [arg('channel', 'string'), arg('message', 'string')],
      summary: 'Posts a message to a channel.',
      complexity:
        'O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).',
      since: '2.0.0',
      handler: (ctx) => publish(ctx, false),
    },
    {
      name: 'spublish',
      arity: 3,
      flags: ['pubsub', 'loading', 'stale', 'fast', 'may_replicate'],
      acl: ['pubsub', 'fast'],
      group: 'pubsub',
      arguments: [arg('shardchannel', 'string'), arg('message', 'string')],
      keySpecs: [channelKeySpec(0)],
      summary: 'Post a message to a shard channel',
      complexity: 'O(N) where N is the number of clients subscribed to the receiving shard channel.',
      since: '7.0.0',
      handler: (ctx) => publish(ctx, true),
    },
  ];
}
