/**
 * CLUSTER, READONLY, READWRITE and ASKING as a Redis 7.2 server without cluster-enabled answers
 * them (cluster.c): every one of them replies that cluster support is disabled, but CLUSTER
 * KEYSLOT, which answers the slot as cluster-enabled Redis does. They are in the
 * table so COMMAND LIST/INFO/DOCS, ACL and arity checks know them as Redis does; a cluster mode
 * would give them real handlers here. Declarations from Redis 7.2's src/commands/cluster*.json.
 */
import { NOT_INTEGER, error } from '../errors.ts';
import { parseInt64 } from '../bytes.ts';
import { SLOTS, keyHashSlot } from '../engine/slots.ts';
import type { Reply } from '../reply.ts';
import { defineCommands, type CommandSpec } from './table.ts';

/** COMMAND INFO / DOCS fields beyond CommandSpec, read by the server's introspection. */
type Spec = CommandSpec & {
  tips?: readonly string[];
  history?: readonly (readonly [string, string])[];
  docFlags?: readonly string[];
  deprecatedSince?: string;
  replacedBy?: string;
  subcommands?: Spec[];
};

const CLUSTER_DISABLED = error('ERR This instance has cluster support disabled');

function disabled(): Reply {
  throw CLUSTER_DISABLED;
}

/**
 * The slot-index subcommands answer only where there is a slot index: on a shard of a sharded
 * keyspace (which the router picks by the slot argument). Alone, a keyspace is as Redis without
 * cluster support.
 */
function int64Arg(s: string): number {
  const v = parseInt64(s);
  if (v !== v) throw NOT_INTEGER;
  return v;
}

const specs: Spec[] = [
  {
    name: 'readonly',
    arity: 1,
    flags: ['fast', 'loading', 'stale'],
    acl: ['connection', 'fast'],
    group: 'cluster',
    summary: 'Enables read-only queries for a connection to a Redis Cluster replica node.',
    complexity: 'O(1)',
    since: '3.0.0',
    handler: disabled,
  },
  {
    name: 'readwrite',
    arity: 1,
    flags: ['fast', 'loading', 'stale'],
    acl: ['connection', 'fast'],
    group: 'cluster',
    summary: 'Enables read-write queries for a connection to a Reids Cluster replica node.',
    complexity: 'O(1)',
    since: '3.0.0',
    handler: disabled,
  },
  {
    name: 'asking',
    arity: 1,
    flags: ['fast'],
    acl: ['connection', 'fast'],
    group: 'cluster',
    summary: 'Signals that a cluster client is following an -ASK redirect.',
    complexity: 'O(1)',
    since: '3.0.0',
    handler: disabled,
  },
  {
    name: 'cluster',
    arity: -2,
    flags: [],
    acl: ['slow'],
    group: 'cluster',
    summary: 'A container for Redis Cluster commands.',
    complexity: 'Depends on subcommand.',
    since: '3.0.0',
    subcommands: [
      {
        name: 'addslots',
        arity: -3,
        flags: ['no_async_loading', 'admin', 'stale'],
        acl: ['admin', 'dangerous', 'slow'],
        group: 'cluster',
        summary: 'Assigns new hash slots to a node.',
        complexity: 'O(N) where N is the total number of hash slot arguments',
        since: '3.0.0',
        handler: disabled,
      },
      {
        name: 'addslotsrange',
        arity: -4,
        flags: ['no_async_loading', 'admin', 'stale'],
        acl: ['admin', 'dangerous', 'slow'],
        group: 'cluster',
        summary: 'Assigns new hash slot ranges to a node.',
        complexity: 'O(N) where N is the total number of the slots between the start slot and end slot arguments.',
        since: '7.0.0',
        handler: disabled,
      },
      {
        name: 'bumpepoch',
        arity: 2,
        flags: ['no_async_loading', 'admin', 'stale'],
        acl: ['admin', 'dangerous', 'slow'],
        group: 'cluster',
        summary: 'Advances the cluster config epoch.',
        complexity: 'O(1)',
        since: '3.0.0',
        tips: ['nondeterministic_output'],
        handler: disabled,
      },
      {
        name: 'count-failure-reports',
        arity: 3,
        flags: ['admin', 'stale'],
        acl: ['admin', 'dangerous', 'slow'],
        group: 'cluster',
        summary: 'Returns the number of active failure reports active for a node.',
        complexity: 'O(N) where N is the number of failure reports',
        since: '3.0.0',
        tips: ['nondeterministic_output'],
        handler: disabled,
      },
      {
        name: 'countkeysinslot',
        arity: 3,
        flags: ['stale'],
        acl: ['slow'],
        group: 'cluster',
        summary: 'Returns the number of keys in a hash slot.',
        complexity: 'O(1)',
        since: '3.0.0',
        handler(ctx) {
          const index = ctx.db.slots;
          if (index === null) return disabled();
          const slot = int64Arg(ctx.argv[2]!);
          if (slot < 0 || slot >= SLOTS) throw error('ERR Invalid slot');
          return index.count(slot);
        },
      },
      {
        name: 'delslots',
        arity: -3,
        flags: ['no_async_loading', 'admin', 'stale'],
        acl: ['admin', 'dangerous', 'slow'],
        group: 'cluster',
        summary: 'Sets hash slots as unbound for a node.',
        complexity: 'O(N) where N is the total number of hash slot arguments',
        since: '3.0.0',
        handler: disabled,
      },
      {
        name: 'delslotsrange',
        arity: -4,
        flags: ['no_async_loading', 'admin', 'stale'],
        acl: ['admin', 'dangerous', 'slow'],
        group: 'cluster',
        summary: 'Sets hash slot ranges as unbound for a node.',
        complexity: 'O(N) where N is the total number of the slots between the start slot and end slot arguments.',
        since: '7.0.0',
        handler: disabled,
      },
      {
        name: 'failover',
        arity: -2,
        flags: ['no_async_loading', 'admin', 'stale'],
        acl: ['admin', 'dangerous', 'slow'],
        group: 'cluster',
        summary: 'Forces a replica to perform a manual failover of its master.',
        complexity: 'O(1)',
        since: '3.0.0',
        handler: disabled,
      },
      {
        name: 'flushslots',
        arity: 2,
        flags: ['no_async_loading', 'admin', 'stale'],
        acl: ['admin', 'dangerous', 'slow'],
        group: 'cluster',
        summary: 'Deletes all slots information from a node.',
        complexity: 'O(1)',
        since: '3.0.0',
        handler: disabled,
      },
      {
        name: 'forget',
        arity: 3,
        flags: ['no_async_loading', 'admin', 'stale'],
        acl: ['admin', 'dangerous', 'slow'],
        group: 'cluster',
        summary: 'Removes a node from the nodes table.',
        complexity: 'O(1)',
        since: '3.0.0',
        handler: disabled,
      },
      {
        name: 'getkeysinslot',
        arity: 4,
        flags: ['stale'],
        acl: ['slow'],
        group: 'cluster',
        summary: 'Returns the key names in a hash slot.',
        complexity: 'O(N) where N is the number of requested keys',
        since: '3.0.0',
        tips: ['nondeterministic_output'],
        handler(ctx) {
          const index = ctx.db.slots;
          if (index === null) return disabled();
          const slot = int64Arg(ctx.argv[2]!);
          const max = int64Arg(ctx.argv[3]!);
          if (slot < 0 || slot >= SLOTS || max < 0) throw error('ERR Invalid slot or number of keys');
          return index.keys(slot, max);
        },
      },
      {
        name: 'help',
        arity: 2,
        flags: ['loading', 'stale'],
        acl: ['slow'],
        group: 'cluster',
        summary: 'Returns helpful text about the different subcommands.',
        complexity: 'O(1)',
        since: '5.0.0',
        handler: disabled,
      },
      {
        name: 'info',
        arity: 2,
        flags: ['stale'],
        acl: ['slow'],
        group: 'cluster',
        summary: 'Returns information about the state of a node.',
        complexity: 'O(1)',
        since: '3.0.0',
        tips: ['nondeterministic_output'],
        handler: disabled,
      },
      {
        name: 'keyslot',
        arity: 3,
        flags: ['stale'],
        acl: ['slow'],
        group: 'cluster',
        summary: 'Returns the hash slot for a key.',
        complexity: 'O(N) where N is the number of bytes in the key',
        since: '3.0.0',
        // Answered without cluster mode too: it is how a user checks that hash tags keep keys
        // together on a sharded keyspace (issue 5). The same slot as cluster-enabled Redis.
        handler: (ctx) => keyHashSlot(ctx.argv[2]!),
      },
      {
        name: 'links',
        arity: 2,
        flags: ['stale'],
        acl: ['slow'],
        group: 'cluster',
        summary: 'Returns a list of all TCP links to and from peer nodes.',
        complexity: 'O(N) where N is the total number of Cluster nodes',
        since: '7.0.0',
        tips: ['nondeterministic_output'],
        handler: disabled,
      },
      {
        name: 'meet',
        arity: -4,
        flags: ['no_async_loading', 'admin', 'stale'],
        acl: ['admin', 'dangerous', 'slow'],
        group: 'cluster',
        summary: 'Forces a node to handshake with another node.',
        complexity: 'O(1)',
        since: '3.0.0',
        history: [['4.0.0', 'Added the optional `cluster_bus_port` argument.']],
        handler: disabled,
      },
      {
        name: 'myid',
        arity: 2,
        flags: ['stale'],
        acl: ['slow'],
        group: 'cluster',
        summary: 'Returns the ID of a node.',
        complexity: 'O(1)',
        since: '3.0.0',
        handler: disabled,
      },
      {
        name: 'myshardid',
        arity: 2,
        flags: ['stale'],
        acl: ['slow'],
        group: 'cluster',
        summary: 'Returns the shard ID of a node.',
        complexity: 'O(1)',
        since: '7.2.0',
        tips: ['nondeterministic_output'],
        handler: disabled,
      },
      {
        name: 'nodes',
        arity: 2,
        flags: ['stale'],
        acl: ['slow'],
        group: 'cluster',
        summary: 'Returns the cluster configuration for a node.',
        complexity: 'O(N) where N is the total number of Cluster nodes',
        since: '3.0.0',
        tips: ['nondeterministic_output'],
        handler: disabled,
      },
      {
        name: 'replicas',
        arity: 3,
        flags: ['admin', 'stale'],
        acl: ['admin', 'dangerous', 'slow'],
        group: 'cluster',
        summary: 'Lists the replica nodes of a master node.',
        complexity: 'O(N) where N is the number of replicas.',
        since: '5.0.0',
        tips: ['nondeterministic_output'],
        handler: disabled,
      },
      {
        name: 'replicate',
        arity: 3,
        flags: ['no_async_loading', 'admin', 'stale'],
        acl: ['admin', 'dangerous', 'slow'],
        group: 'cluster',
        summary: 'Configure a node as replica of a master node.',
        complexity: 'O(1)',
        since: '3.0.0',
        handler: disabled,
      },
      {
        name: 'reset',
        arity: -2,
        flags: ['admin', 'stale', 'noscript'],
        acl: ['admin', 'dangerous', 'slow'],
        group: 'cluster',
        summary: 'Resets a node.',
        complexity: 'O(N) where N is the number of known nodes. The command may execute a FLUSHALL as a side effect.',
        since: '3.0.0',
        handler: disabled,
      },
      {
        name: 'saveconfig',
        arity: 2,
        flags: ['no_async_loading', 'admin', 'stale'],
        acl: ['admin', 'dangerous', 'slow'],
        group: 'cluster',
        summary: 'Forces a node to save the cluster configuration to disk.',
        complexity: 'O(1)',
        since: '3.0.0',
        handler: disabled,
      },
      {
        name: 'set-config-epoch',
        arity: 3,
        flags: ['no_async_loading', 'admin', 'stale'],
        acl: ['admin', 'dangerous', 'slow'],
        group: 'cluster',
        summary: 'Sets the configuration epoch for a new node.',
        complexity: 'O(1)',
        since: '3.0.0',
        handler: disabled,
      },
      {
        name: 'setslot',
        arity: -4,
        flags: ['no_async_loading', 'admin', 'stale'],
        acl: ['admin', 'dangerous', 'slow'],
        group: 'cluster',
        summary: 'Binds a hash slot to a node.',
        complexity: 'O(1)',
        since: '3.0.0',
        handler: disabled,
      },
      {
        name: 'shards',
        arity: 2,
        flags: ['loading', 'stale'],
        acl: ['slow'],
        group: 'cluster',
        summary: 'Returns the mapping of cluster slots to shards.',
        complexity: 'O(N) where N is the total number of cluster nodes',
        since: '7.0.0',
        tips: ['nondeterministic_output'],
        handler: disabled,
      },
      {
        name: 'slaves',
        arity: 3,
        flags: ['admin', 'stale'],
        acl: ['admin', 'dangerous', 'slow'],
        group: 'cluster',
        summary: 'Lists the replica nodes of a master node.',
        complexity: 'O(N) where N is the number of replicas.',
        since: '3.0.0',
        tips: ['nondeterministic_output'],
        docFlags: ['deprecated'],
        deprecatedSince: '5.0.0',
        replacedBy: '`CLUSTER REPLICAS`',
        handler: disabled,
      },
      {
        name: 'slots',
        arity: 2,
        flags: ['loading', 'stale'],
        acl: ['slow'],
        group: 'cluster',
        summary: 'Returns the mapping of cluster slots to nodes.',
        complexity: 'O(N) where N is the total number of Cluster nodes',
        since: '3.0.0',
        tips: ['nondeterministic_output'],
        history: [['4.0.0', 'Added node IDs.'], ['7.0.0', 'Added additional networking metadata field.']],
        docFlags: ['deprecated'],
        deprecatedSince: '7.0.0',
        replacedBy: '`CLUSTER SHARDS`',
        handler: disabled,
      },
    ],
  },
];

defineCommands(...specs);
