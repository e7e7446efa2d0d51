/**
 * Router: where a command runs when the keyspace is split over shards (DESIGN invariant 2), read
 * from the command table alone: its key positions give the slots, and Redis's own command tips
 * (`request_policy:*`, `response_policy:*`, the ones Redis publishes for cluster clients) say
 * which keyless commands go to every shard and how their replies combine.
 *
 * - Keys all in one slot, or in several slots of one shard for a multi_shard command: that shard.
 * - A multi_shard command (MGET, MSET, DEL, UNLINK, EXISTS, TOUCH; and MSETNX) over several
 *   shards: split into one part per shard, the replies merged as standalone Redis would answer.
 * - Any other command whose keys span slots: Redis Cluster's CROSSSLOT error.
 * - Keyless: request_policy all_shards / all_nodes (DBSIZE, KEYS, FLUSHALL, SCRIPT LOAD, ...)
 *   and the session state every shard must share (SELECT, SWAPDB, UNWATCH) go to every shard;
 *   the rest runs on shard 0.
 *
 * Portable: the in-thread sharded engine (sharded.ts) and the worker transport share it.
 */
import { getKeysWithFlags } from '../commands/keyspecs.ts';
import { runnableCommand, type Command } from '../commands/table.ts';
import { ErrorReply, error } from '../errors.ts';
import type { Reply } from '../reply.ts';
import { SLOTS, keyHashSlot, patternHashSlot, slotShard } from './slots.ts';

export const CROSSSLOT = error("CROSSSLOT Keys in request don't hash to the same slot");

/** How the replies of a command sent to several shards become one. */
export type Merge =
  | 'all_succeeded' // the first error, else shard 0's reply
  | 'one_succeeded' // a reply that is no error, else the most telling error (SCRIPT KILL)
  | 'agg_sum' // the first error, else the sum
  | 'agg_logical_and' // element-wise AND of integer arrays (SCRIPT EXISTS)
  | 'concat' // arrays joined (KEYS)
  | 'by_position' // each part's array back to its keys' positions (MGET)
  | 'msetnx'; // 1 only when every part could set (parts are checked first: see sharded.ts)

export interface Part {
  shard: number;
  argv: string[];
  /** Index of each of this part's keys among the command's keys (by_position). */
  positions: number[];
}

export type Route =
  | { kind: 'one'; shard: number; slot: number }
  | { kind: 'all'; merge: Merge }
  | { kind: 'split'; parts: Part[]; merge: Merge }
  | { kind: 'scan' }
  | { kind: 'randomkey' }
  | { kind: 'error'; reply: ErrorReply };

/** Session state each shard keeps for a client and that must agree on all of them. */
const SHARED_STATE = new Set(['select', 'swapdb', 'unwatch']);

/** The slot of a 'one' route without keys. */
export const NO_SLOT = -1;
/** The slot of a 'one' route whose keys are in several slots of one shard (MGET, DEL, ...). */
export const MANY_SLOTS = -2;

const policyCache = new WeakMap<Command, { request: string; response: string }>();

function policies(cmd: Command): { request: string; response: string } {
  let p = policyCache.get(cmd);
  if (p === undefined) {
    let request = '';
    let response = '';
    for (const t of cmd.tips ?? []) {
      if (t.startsWith('request_policy:')) request = t.slice(15);
      else if (t.startsWith('response_policy:')) response = t.slice(16);
    }
    p = { request, response };
    policyCache.set(cmd, p);
  }
  return p;
}

/** Subcommands that name a slot instead of keys: the slot's shard answers. */
const BY_SLOT = new Set(['cluster|countkeysinslot', 'cluster|getkeysinslot']);

function keylessRoute(cmd: Command, argv: readonly string[], n: number): Route {
  if (BY_SLOT.has(cmd.fullName)) {
    const slot = Number(argv[2]);
    // Not a slot: any shard answers Redis's error.
    if (!(/^\d{1,5}$/.test(argv[2]!) && slot < SLOTS)) return { kind: 'one', shard: 0, slot: NO_SLOT };
    return { kind: 'one', shard: slotShard(slot, n), slot };
  }
  const { request, response } = policies(cmd);
  if (cmd.name === 'scan') return { kind: 'scan' };
  if (cmd.name === 'randomkey') return { kind: 'randomkey' };
  // PING is tagged all_shards for cluster clients checking every node; one shard answers for all here.
  if (cmd.name === 'ping') return { kind: 'one', shard: 0, slot: NO_SLOT };
  if (request === 'all_shards' || request === 'all_nodes' || SHARED_STATE.has(cmd.fullName)) {
    const merge: Merge =
      response === 'agg_sum'
        ? 'agg_sum'
        : response === 'agg_logical_and'
          ? 'agg_logical_and'
          : response === 'one_succeeded'
            ? 'one_succeeded'
            : response === '' && cmd.name === 'keys'
              ? 'concat'
              : 'all_succeeded';
    return { kind: 'all', merge };
  }
  return { kind: 'one', shard: 0, slot: NO_SLOT };
}

/**
 * SORT's BY and GET patterns name keys the command does not declare: as Redis Cluster, a pattern
 * that may name keys of another slot than the sorted key's is refused (a shard could not read
 * them). `#` and patterns without `*` read nothing.
 */
function sortPatterns(argv: readonly string[], slot: number): ErrorReply | null {
  for (let j = 2; j + 1 < argv.length; j++) {
    const opt = argv[j]!.toLowerCase();
    if (opt === 'limit') j += 2;
    else if (opt === 'by' || opt === 'get') {
      const pattern = argv[++j]!;
      if (pattern.includes('*') && patternHashSlot(pattern) !== slot) {
        return error(`ERR ${opt.toUpperCase()} option of SORT denied in Cluster mode when keys formed by the pattern may be in different slots.`);
      }
    } else if (opt === 'store') j++;
  }
  return null;
}

/** Where argv runs among n shards (n > 1). */
export function route(argv: readonly string[], n: number): Route {
  const cmd = runnableCommand(argv);
  // Unknown, or wrong arity: any shard gives Redis's error.
  if (cmd === undefined) return { kind: 'one', shard: 0, slot: NO_SLOT };
  const refs = getKeysWithFlags(cmd, argv, true);
  if (refs.length === 0) return keylessRoute(cmd, argv, n);
  const slot = keyHashSlot(argv[refs[0]!.pos]!);
  let sameSlot = true;
  for (let i = 1; i < refs.length; i++) {
    if (keyHashSlot(argv[refs[i]!.pos]!) !== slot) {
      sameSlot = false;
      break;
    }
  }
  if (sameSlot) {
    if (cmd.name === 'sort' || cmd.name === 'sort_ro') {
      const refused = sortPatterns(argv, slot);
      if (refused !== null) return { kind: 'error', reply: refused };
    }
    return { kind: 'one', shard: slotShard(slot, n), slot };
  }
  const split = cmd.name === 'msetnx' || policies(cmd).request === 'multi_shard';
  if (!split) return { kind: 'error', reply: CROSSSLOT };
  const pairs = cmd.name === 'mset' || cmd.name === 'msetnx';
  // An MSET with a key and no value: its own shard answers the arity error.
  if (pairs && argv.length % 2 === 0) return { kind: 'one', shard: 0, slot: NO_SLOT };
  const byShard = new Map<number, Part>();
  refs.forEach((ref, i) => {
    const shard = slotShard(keyHashSlot(argv[ref.pos]!), n);
    let part = byShard.get(shard);
    if (part === undefined) byShard.set(shard, (part = { shard, argv: [argv[0]!], positions: [] }));
    part.argv.push(argv[ref.pos]!);
    if (pairs) part.argv.push(argv[ref.pos + 1]!);
    part.positions.push(i);
  });
  if (byShard.size === 1) return { kind: 'one', shard: byShard.keys().next().value!, slot: MANY_SLOTS };
  const merge: Merge = cmd.name === 'msetnx' ? 'msetnx' : cmd.name === 'mget' ? 'by_position' : policies(cmd).response === 'agg_sum' ? 'agg_sum' : 'all_succeeded';
  return { kind: 'split', parts: [...byShard.values()].sort((a, b) => a.shard - b.shard), merge };
}

/** Combines the replies of the shards a command went to (parts in the order of `parts`). */
export function mergeReplies(merge: Merge, replies: readonly Reply[], parts?: readonly Part[]): Reply {
  if (merge === 'one_succeeded') {
    const ok = replies.find((r) => !(r instanceof ErrorReply));
    if (ok !== undefined) return ok;
    // Every shard refused: NOTBUSY only when none had something else to say (UNKILLABLE, BUSY).
    return replies.find((r) => !(r as ErrorReply).message.startsWith('NOTBUSY')) ?? replies[0]!;
  }
  for (const r of replies) if (r instanceof ErrorReply) return r;
  switch (merge) {
    case 'all_succeeded':
      return replies[0]!;
    case 'agg_sum': {
      let sum = 0;
      for (const r of replies) sum += r as number;
      return sum;
    }
    case 'agg_logical_and': {
      const out = (replies[0] as number[]).slice();
      for (const r of replies) (r as number[]).forEach((v, i) => (out[i] = out[i]! && v ? 1 : 0));
      return out;
    }
    case 'concat':
      return (replies as Reply[][]).flat();
    case 'by_position': {
      const out: Reply[] = [];
      parts!.forEach((p, j) => p.positions.forEach((pos, i) => (out[pos] = (replies[j] as Reply[])[i]!)));
      return out;
    }
    case 'msetnx':
      return replies.every((r) => r === 1) ? 1 : 0;
  }
}

/**
 * SCAN over shards: the cursor holds the shard in its low part (cursor = inner * n + shard), so a
 * shard's walk ends by moving to the next shard's start, and 0 comes back only after the last.
 */
export function scanCursor(cursorArg: string, n: number): { shard: number; inner: string } | null {
  if (!/^\d+$/.test(cursorArg)) return null;
  const c = BigInt(cursorArg);
  const shard = Number(c % BigInt(n));
  return { shard, inner: (c / BigInt(n)).toString() };
}

export function nextScanCursor(shard: number, innerNext: string, n: number): string {
  const inner = BigInt(innerNext);
  if (inner === 0n) return shard + 1 < n ? String(shard + 1) : '0';
  return (inner * BigInt(n) + BigInt(shard)).toString();
}
