/**
 * Blocking commands (blocked.c, the blocking forms in t_list.c and t_zset.c, WAIT from
 * replication.c): BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP WAIT, and the
 * BLOCK option of XREAD/XREADGROUP (declared by the core's streams family, parked here through
 * its setStreamBlocker hook).
 *
 * As in Redis 7.2, a blocked command is not served by special code: when a key it waits on
 * gets data, the command is run again, whole, through the engine (so it pops, notifies and
 * propagates exactly as when it found data at once, and answers WRONGTYPE if a key changed
 * type). Keys are signalled ready while commands run (the keyModified hook, Redis's
 * signalKeyAsReady); after the command, or the whole EXEC, the ready keys are served in the
 * order they became ready, and each key's clients in the order they blocked
 * (handleClientsBlockedOnKeys). A served BLMOVE pushes, which may make another key ready: the
 * loop runs until no key is ready. With --shards the same serving happens in the keys' shard
 * (see "Sharded" below); the blocked client stays blocked here meanwhile.
 */
import { ErrorReply, NO_REPLY, NULL_ARRAY, Double, type Reply } from '@memorykv/core';
import { parseInt64Exact } from '../../../core/src/bytes.ts';
import { SYNTAX, error } from '../../../core/src/errors.ts';
import type { Ctx } from '../../../core/src/commands/context.ts';
import { intArg, is, timeoutArg } from '../../../core/src/commands/args.ts';
import { defineCommands } from '../../../core/src/commands/table.ts';
import { moveElement, mpop, numkeysKeys, parseMpop, popFrom, whereArg, type Where } from '../../../core/src/commands/lists.ts';
import { popZSet } from '../../../core/src/commands/zsets.ts';
import { setStreamBlocker, streamKeyReady, type StreamWait } from '../../../core/src/commands/streams.ts';
import { commandRejection, keyIndexes, lookupCommand, type Command } from '../../../core/src/commands/table.ts';
import { typeOf } from '../../../core/src/keyspace/object.ts';
import type { Shard } from '../../../core/src/engine/shard.ts';
import type { RZSet } from '../../../core/src/types/zset.ts';
import { Client, type BlockState } from '../client.ts';
import { PendingReply } from '../sharding.ts';
import { BLOCKED_AS } from '../../../core/src/engine/sharded.ts';
import { keyHashSlot, slotShard } from '../../../core/src/engine/slots.ts';
import type { AfterCommand, MemorykvServer } from '../server.ts';
import { serverStats } from './introspection.ts';

/** What a client waits for (Redis's BLOCKED_LIST, BLOCKED_ZSET, BLOCKED_STREAM, BLOCKED_WAIT). */
type BlockType = 'list' | 'zset' | 'stream' | 'wait';

interface Blocked extends BlockState {
  type: BlockType;
  /** BLOCKED_STREAM: what each key waits for, and the consumer group of an XREADGROUP. */
  waits?: StreamWait[];
  group?: string | null;
  /** When a shard thread holds the keys (--shards): see "Sharded" below. */
  sharded?: ShardedWait;
}

/**
 * A blocked command whose keys a shard thread holds. The client is blocked here from the start;
 * the shard runs the command's non-blocking form (an attempt) and, finding nothing, watches the
 * keys and reports their next change, on which every client blocked on the key tries again, in
 * blocking order. The shard decides: a timeout or CLIENT UNBLOCK that comes while an attempt is
 * out waits for its answer, so an element the attempt popped is never dropped.
 */
interface ShardedWait {
  /** The non-blocking form (LMPOP, LMOVE, ZMPOP ...). */
  attempt: string[];
  /** Its reply as the blocking command's. */
  shape: (r: Reply) => Reply;
  /** The client's place in its reply order. */
  pending: PendingReply;
  /** The attempt has not answered yet. */
  inFlight: boolean;
  /**
   * The reply to give once the shard confirms the client waits no more (a timeout or CLIENT
   * UNBLOCK): the attempt out or the cancel may find it served there instead.
   */
  ending: Reply | undefined;
}

/** The states this module parked; client.blocked may also hold another's (CLIENT PAUSE). */
const ownStates = new WeakSet<BlockState>();

/** The client's blocking command, if it is blocked by one of this module's commands. */
function blockedOf(client: Client): Blocked | null {
  const b = client.blocked;
  return b !== null && ownStates.has(b) ? (b as Blocked) : null;
}

/** The blocking state of one server (Redis keeps it in server.* and each redisDb). */
export class BlockingState {
  /** Per db index: key -> clients blocked on it, in blocking order (db->blocking_keys). */
  readonly blockingKeys: Map<string, Set<Client>>[] = [];
  /** Keys signalled ready since they were last served, in signal order (server.ready_keys). */
  readyKeys: { db: number; key: string }[] = [];
  /** Per db index: the keys already in readyKeys (db->ready_keys). */
  readonly readySet: Set<string>[] = [];
  /**
   * Per db index: key -> XREADGROUP clients blocked on it, which also wake when the key goes
   * away or changes type (db->blocking_keys_unblock_on_nokey).
   */
  readonly nokeyKeys: Map<string, number>[] = [];
  nokeyBlocked = 0;
  /** The after-command hook that serves blocked clients (install). */
  afterCommand: AfterCommand = () => {};
  /** Clients blocked on keys, and on anything (INFO blocked_clients). */
  keyBlocked = 0;
  blocked = 0;
  /** Set while ready keys are served: a served command's own pushes join the running loop. */
  handling = false;
  handleScheduled = false;
  /** The client whose blocked command is being run again, and the deadline it keeps. */
  reprocessing: Client | null = null;
  reprocessDeadline = 0;
  /** Each db's main dict as last seen: a change means SWAPDB moved data under blocked clients. */
  mains: unknown[] = [];
  /** Sharded: attempts sent (tests). */
  attemptsSharded = 0;
  /** Replicas that acknowledged a client's writes (replication replaces this; none yet). */
  replicaAcks: (client: Client) => number = () => 0;
}

const STATE = 'blocking';

export function blockingState(server: MemorykvServer): BlockingState {
  return server.state.get(STATE) as BlockingState;
}

/** Clients blocked by a blocking command or WAIT (INFO blocked_clients). */
export function blockedClients(server: MemorykvServer): number {
  return blockingState(server).blocked;
}

/** Keys with at least one blocked client, over all databases (INFO total_blocking_keys). */
export function totalBlockingKeys(server: MemorykvServer): number {
  let n = 0;
  for (const m of blockingState(server).blockingKeys) if (m !== undefined) n += m.size;
  return n;
}

/** Keys an XREADGROUP waits on, which wake on deletion too (INFO total_blocking_keys_on_nokey). */
export function totalBlockingKeysOnNokey(server: MemorykvServer): number {
  let n = 0;
  for (const m of blockingState(server).nokeyKeys) if (m !== undefined) n += m.size;
  return n;
}

// ---------------------------------------------------------------------------------------------
// Timeouts

/** setTimeout's longest delay; longer waits re-arm. */
const MAX_TIMER_DELAY = 2147483647;

// ---------------------------------------------------------------------------------------------
// Blocking and unblocking

/**
 * Whether this command may block (Redis's CLIENT_DENY_BLOCKING): not inside EXEC, not for a
 * session that is no connection (in-process API, replays), nor for a client flagged
 * 'deny-blocking' (a script's or a primary's link may set it).
 */
function blockingClient(ctx: Ctx): Client | null {
  const s = ctx.session;
  if (!(s instanceof Client) || s.closed || s.flags.has('deny-blocking')) return null;
  // Commands of an EXEC run through Shard.runTransaction, which keeps this flag (private there).
  if ((ctx.shard as unknown as { inExec: boolean }).inExec) return null;
  return s;
}

/**
 * blockForKeys / blockForReplication: parks the client and answers nothing yet. A command run
 * again for a ready key that still finds nothing blocks again with its first deadline.
 */
function block(
  ctx: Ctx,
  client: Client,
  type: BlockType,
  keys: readonly string[],
  deadline: number,
  timeoutReply: Reply,
  stream?: { argv: string[]; waits: StreamWait[]; group: string | null },
): Reply {
  const server = client.server;
  const st = blockingState(server);
  if (st.reprocessing === client) deadline = st.reprocessDeadline;
  const db = ctx.db.id;
  const unique: string[] = [];
  if (keys.length > 0) {
    let m = st.blockingKeys[db];
    if (m === undefined) m = st.blockingKeys[db] = new Map();
    for (const key of keys) {
      let clients = m.get(key);
      if (clients === undefined) m.set(key, (clients = new Set()));
      else if (clients.has(client)) continue; // BLPOP k k: one wait per key
      clients.add(client);
      unique.push(key);
    }
    st.keyBlocked++;
  }
  st.blocked++;
  server.afterCommand.switch(st.afterCommand, true);
  const b: Blocked = { argv: stream?.argv ?? ctx.argv, keys: unique, db, deadline, timeoutReply, timer: null, type };
  if (stream !== undefined) {
    b.waits = stream.waits;
    b.group = stream.group;
    if (stream.group !== null) blockedOnNokey(st, db, unique);
  }
  ownStates.add(b);
  client.blocked = b;
  arm(server, client, b);
  return NO_REPLY;
}

/** An XREADGROUP's keys, which also wake it when they go away (released in release()). */
function blockedOnNokey(st: BlockingState, db: number, keys: readonly string[]): void {
  let m = st.nokeyKeys[db];
  if (m === undefined) m = st.nokeyKeys[db] = new Map();
  for (const key of keys) m.set(key, (m.get(key) ?? 0) + 1);
  st.nokeyBlocked++;
}

function arm(server: MemorykvServer, client: Client, b: Blocked): void {
  if (b.deadline === 0) return;
  const left = b.deadline - server.engine.shard.clock();
  b.timer = setTimeout(() => onTimer(server, client, b), Math.min(Math.max(left, 0), MAX_TIMER_DELAY));
  b.timer.unref?.();
}

function onTimer(server: MemorykvServer, client: Client, b: Blocked): void {
  b.timer = null;
  if (client.blocked !== b) return;
  if (server.engine.shard.clock() < b.deadline) {
    arm(server, client, b);
    return;
  }
  if (b.sharded !== undefined) return endSharded(server, client, b, b.timeoutReply);
  release(server, client, b);
  countUnblocked(server, b, null);
  answer(client, timeoutReply(server, client, b));
}

/**
 * updateStatsOnUnblock: a blocking command that ends without running again (timeout, CLIENT
 * UNBLOCK) is counted once in commandstats here; one that is served is counted by the run.
 */
function countUnblocked(server: MemorykvServer, b: Blocked, err: ErrorReply | null): void {
  if (b.type === 'wait') return;
  let cmd = lookupCommand(b.argv[0]!);
  if (cmd?.sub) cmd = cmd.sub.get(b.argv[1]!.toLowerCase()) ?? cmd;
  if (cmd === undefined) return;
  let st;
  try {
    st = serverStats(server);
  } catch {
    return;
  }
  if (st === undefined) return;
  const cs = st.command(cmd.fullName);
  cs.calls++;
  st.numCommands++;
  if (err !== null) {
    cs.failed++;
    st.countError(err.message);
  }
}

/** What a timed-out (or CLIENT UNBLOCK TIMEOUT) client gets (replyToBlockedClientTimedOut). */
function timeoutReply(server: MemorykvServer, client: Client, b: Blocked): Reply {
  return b.type === 'wait' ? blockingState(server).replicaAcks(client) : b.timeoutReply;
}

/** Removes the client from every wait list and stops its timer (unblockClientWaitingData). */
function release(server: MemorykvServer, client: Client, b: Blocked): void {
  const st = blockingState(server);
  const m = st.blockingKeys[b.db];
  if (m !== undefined) {
    for (const key of b.keys) {
      const clients = m.get(key);
      if (clients === undefined) continue;
      clients.delete(client);
      if (clients.size === 0) m.delete(key);
    }
  }
  if (b.keys.length > 0) st.keyBlocked--;
  if (b.group != null) {
    const n = st.nokeyKeys[b.db];
    if (n !== undefined) {
      for (const key of b.keys) {
        const c = n.get(key)! - 1;
        if (c > 0) n.set(key, c);
        else n.delete(key);
      }
    }
    st.nokeyBlocked--;
  }
  st.blocked--;
  if (b.timer !== null) clearTimeout(b.timer);
  b.timer = null;
  client.blocked = null;
}

/** Sends an unblocked client its reply and resumes its pipeline once the current work is done. */
function answer(client: Client, reply: Reply): void {
  client.reply(reply);
  client.flush();
  resume(client);
}

/**
 * Commands that arrived while the client was blocked run after the current event's work, as
 * Redis processes unblocked clients in beforeSleep (not nested inside another client's command).
 */
function resume(client: Client): void {
  queueMicrotask(() => {
    if (!client.closed && client.blocked === null) client.processInput();
  });
}

const UNBLOCKED = error('UNBLOCKED client unblocked via CLIENT UNBLOCK');

/**
 * CLIENT UNBLOCK: a blocked client gets its timeout reply, or with `withError` the -UNBLOCKED
 * error, and resumes. False when the client was not blocked.
 */
export function unblockClient(client: Client, withError: boolean): boolean {
  const b = blockedOf(client);
  if (b === null) return false;
  const server = client.server;
  if (b.sharded !== undefined) {
    endSharded(server, client, b, withError ? UNBLOCKED : b.timeoutReply);
    return true;
  }
  release(server, client, b);
  countUnblocked(server, b, withError ? UNBLOCKED : null);
  answer(client, withError ? UNBLOCKED : timeoutReply(server, client, b));
  return true;
}

/** A client going away (disconnect, RESET): forgotten without a reply. */
function dropClient(client: Client): void {
  const b = blockedOf(client);
  if (b !== null) release(client.server, client, b);
}

// ---------------------------------------------------------------------------------------------
// Ready keys and serving

/** The type a blocked client may wait for found at key (lookupKeyReadWithFlags NOEFFECTS). */
function blockTypeAt(shard: Shard, db: number, key: string): BlockType | undefined {
  const v = shard.dbs[db]!.peek(key);
  if (v === undefined) return undefined;
  const t = typeOf(v) as string;
  return t === 'list' || t === 'zset' || t === 'stream' ? (t as BlockType) : undefined;
}

/**
 * signalKeyAsReady: a key some client waits on now holds a list, a sorted set or a stream; or
 * (signalDeletedKeyAsReady) it went away or changed type under a blocked XREADGROUP.
 */
function signalKeyAsReady(server: MemorykvServer, st: BlockingState, db: number, key: string): void {
  let ready = st.readySet[db];
  if (ready === undefined) ready = st.readySet[db] = new Set();
  if (ready.has(key)) return;
  if (blockTypeAt(server.engine.shard, db, key) === undefined && st.nokeyKeys[db]?.has(key) !== true) return;
  ready.add(key);
  st.readyKeys.push({ db, key });
  // Normally served after the command (afterCommand); this covers changes made outside one.
  if (!st.handleScheduled) {
    st.handleScheduled = true;
    queueMicrotask(() => {
      st.handleScheduled = false;
      handleClientsBlockedOnKeys(server);
    });
  }
}

/**
 * SWAPDB exchanges what two databases hold without touching keys one by one: the blocked keys
 * of a database whose contents changed wholesale are checked again (scanDatabaseForReadyKeys).
 */
function scanSwappedDatabases(server: MemorykvServer, st: BlockingState): void {
  const dbs = server.engine.shard.dbs;
  for (let i = 0; i < dbs.length; i++) {
    const main = dbs[i]!.main;
    if (st.mains[i] === main) continue;
    st.mains[i] = main;
    const m = st.blockingKeys[i];
    if (m === undefined) continue;
    for (const key of m.keys()) signalKeyAsReady(server, st, i, key);
  }
}

/** handleClientsBlockedOnKeys: serves ready keys until none is left. */
export function handleClientsBlockedOnKeys(server: MemorykvServer): void {
  const st = blockingState(server);
  if (st.handling || st.keyBlocked === 0) return;
  scanSwappedDatabases(server, st);
  if (st.readyKeys.length === 0) return;
  st.handling = true;
  try {
    while (st.readyKeys.length > 0) {
      const ready = st.readyKeys;
      st.readyKeys = [];
      for (const { db, key } of ready) {
        st.readySet[db]!.delete(key);
        serveKey(server, db, key);
      }
    }
  } finally {
    st.handling = false;
  }
}

/** handleClientsBlockedOnKey: the clients of one key, first blocked first, while it has data. */
function serveKey(server: MemorykvServer, db: number, key: string): void {
  const clients = blockingState(server).blockingKeys[db]?.get(key);
  if (clients === undefined) return;
  const shard = server.engine.shard;
  // Only those blocked now: one that blocks again while served waits for the next signal.
  for (const client of [...clients]) {
    const b = blockedOf(client);
    if (b === null || b.sharded !== undefined || !clients.has(client)) continue;
    if (b.type === 'stream') {
      const wait = b.waits!.find((w) => w.key === key);
      if (wait !== undefined && streamKeyReady(shard.dbs[db]!, key, b.group ?? null, wait.id)) serve(server, client, b);
      continue;
    }
    const type = blockTypeAt(shard, db, key);
    if (type === b.type) serve(server, client, b);
  }
}

/**
 * Keys under blocked XREADGROUPs that went away without a per-key change (FLUSHALL, FLUSHDB):
 * Redis's scanDatabaseForDeletedKeys. Checked after each command while such clients exist.
 */
function scanNokeyKeys(server: MemorykvServer, st: BlockingState): void {
  const dbs = server.engine.shard.dbs;
  for (let i = 0; i < st.nokeyKeys.length; i++) {
    const m = st.nokeyKeys[i];
    if (m === undefined || m.size === 0) continue;
    for (const key of m.keys()) {
      const v = dbs[i]!.peek(key);
      if (v === undefined || (typeOf(v) as string) !== 'stream') signalKeyAsReady(server, st, i, key);
    }
  }
}

/** XREAD/XREADGROUP BLOCK (blockForKeys with BLOCKED_STREAM); a null array when it may not. */
function blockOnStreams(ctx: Ctx, argv: string[], waits: StreamWait[], group: string | null, deadline: number): Reply {
  const client = blockingClient(ctx);
  if (client === null) return NULL_ARRAY;
  const keys = waits.map((w) => w.key);
  return block(ctx, client, 'stream', keys, deadline, NULL_ARRAY, { argv, waits, group });
}

/** unblockClientOnKey: runs the blocked command again; it replies unless it blocks again. */
function serve(server: MemorykvServer, client: Client, b: Blocked): void {
  const st = blockingState(server);
  release(server, client, b);
  st.reprocessing = client;
  st.reprocessDeadline = b.deadline;
  let reply: Reply;
  try {
    reply = server.engine.execute(client, b.argv);
  } finally {
    st.reprocessing = null;
  }
  if (client.blocked !== null) return;
  client.reply(reply);
  server.afterCommandRan(client, b.argv);
  client.flush();
  resume(client);
}

// ---------------------------------------------------------------------------------------------
// Sharded: the keys are in a shard thread

/**
 * What a shard runs for a blocking command (the form Redis runs inside MULTI), and how its reply
 * becomes the blocking command's. Argument errors of the non-blocking form are the same text.
 */
export interface NonBlockingForm {
  attempt: string[];
  type: BlockType;
  timeoutIdx: number;
  /** XREAD's BLOCK is in milliseconds; the others' timeouts in seconds. */
  unit?: 'milliseconds';
  /** XREADGROUP's group: its keys also wake it when they go away. */
  group?: string;
  shape: (r: Reply) => Reply;
  /** Checks the arguments Redis checks before the timeout (throws its error). */
  validate?: () => void;
}

export function nonBlockingForm(argv: readonly string[]): NonBlockingForm | null {
  const name = argv[0]!.toLowerCase();
  const last = argv.length - 1;
  const keys = argv.slice(1, -1);
  const same = (r: Reply) => r;
  switch (name) {
    case 'blpop':
    case 'brpop':
      return { attempt: ['LMPOP', String(keys.length), ...keys, name === 'blpop' ? 'LEFT' : 'RIGHT'], type: 'list', timeoutIdx: last, shape: (r) => [(r as Reply[])[0]!, ((r as Reply[])[1] as Reply[])[0]!] };
    case 'bzpopmin':
    case 'bzpopmax':
      return {
        attempt: ['ZMPOP', String(keys.length), ...keys, name === 'bzpopmin' ? 'MIN' : 'MAX'],
        type: 'zset',
        timeoutIdx: last,
        shape: (r) => {
          const [key, items] = r as [string, Reply[][]];
          return [key, items[0]![0]!, items[0]![1]!];
        },
      };
    case 'blmpop':
      return { attempt: ['LMPOP', ...argv.slice(2)], type: 'list', timeoutIdx: 1, shape: same, validate: () => parseMpop(argv, 2) };
    case 'bzmpop':
      return { attempt: ['ZMPOP', ...argv.slice(2)], type: 'zset', timeoutIdx: 1, shape: same, validate: () => parseZmpop(argv) };
    case 'blmove':
      return {
        attempt: ['LMOVE', ...argv.slice(1, 5)],
        type: 'list',
        timeoutIdx: 5,
        shape: same,
        validate: () => {
          whereArg(argv[3]!);
          whereArg(argv[4]!);
        },
      };
    case 'brpoplpush':
      return { attempt: ['RPOPLPUSH', argv[1]!, argv[2]!], type: 'list', timeoutIdx: 3, shape: same };
    case 'xread':
    case 'xreadgroup': {
      // The shard runs the command as it is: what it would wait with comes back (BLOCKED_AS).
      const at = streamBlockIndex(argv);
      if (at < 0) return null;
      const g = argv.findIndex((a, i) => i > 0 && i < at && is(a, 'group'));
      return { attempt: argv.slice(), type: 'stream', timeoutIdx: at, unit: 'milliseconds', shape: same, group: g > 0 ? argv[g + 1] : undefined };
    }
  }
  return null;
}

/**
 * The index of XREAD/XREADGROUP's BLOCK milliseconds, read as xreadCommand reads its options;
 * -1 without BLOCK, or at an option it would refuse first (the shard answers that error).
 */
function streamBlockIndex(argv: readonly string[]): number {
  for (let i = 1; i < argv.length - 1; i++) {
    const o = argv[i]!;
    if (is(o, 'block')) return i + 1;
    if (is(o, 'count')) i++;
    else if (is(o, 'group') && i + 2 < argv.length) i += 2;
    else if (!is(o, 'noack')) return -1;
  }
  return -1;
}

/**
 * A blocking command with --shards: the client blocks here at once (nothing after it in its
 * pipeline runs meanwhile, as in Redis) and its keys' shard makes the attempt. Found nothing, the
 * client waits there, in blocking order with the others on those keys, and is served there right
 * after the command that feeds it (node/shard-worker.ts; the reply comes as an event). Returns the
 * reply to give now (a bad timeout), or the PendingReply the client waits on.
 */
export function blockSharded(server: MemorykvServer, client: Client, argv: string[], cmd: Command, form: NonBlockingForm): Reply | PendingReply {
  const rejected = commandRejection(argv);
  if (rejected !== null) return rejected;
  let deadline: number;
  try {
    form.validate?.();
    deadline = timeoutArg(argv[form.timeoutIdx]!, server.engine.shard.clock(), form.unit);
  } catch (e) {
    if (e instanceof ErrorReply) return e;
    throw e;
  }
  let keys: string[];
  try {
    keys = keyIndexes(cmd, argv).map((i) => argv[i]!);
    // BLMOVE and BRPOPLPUSH wait on their source only.
    if (form.attempt[0] === 'LMOVE' || form.attempt[0] === 'RPOPLPUSH') keys = keys.slice(0, 1);
  } catch {
    keys = []; // a bad numkeys: the attempt answers Redis's error
  }
  const pending = new PendingReply();
  const sharded: ShardedWait = { attempt: form.attempt, shape: form.shape, pending, inFlight: false, ending: undefined };
  const st = blockingState(server);
  const db = client.db;
  const unique: string[] = [];
  let m = st.blockingKeys[db];
  if (m === undefined) m = st.blockingKeys[db] = new Map();
  for (const key of keys) {
    let clients = m.get(key);
    if (clients === undefined) m.set(key, (clients = new Set()));
    else if (clients.has(client)) continue;
    clients.add(client);
    unique.push(key);
  }
  if (unique.length > 0) st.keyBlocked++;
  st.blocked++;
  server.afterCommand.switch(st.afterCommand, true);
  const b: Blocked = { argv, keys: unique, db, deadline, timeoutReply: NULL_ARRAY, timer: null, type: form.type, sharded };
  if (form.group !== undefined) {
    b.group = form.group;
    blockedOnNokey(st, db, unique);
  }
  ownStates.add(b);
  client.blocked = b;
  arm(server, client, b);
  attempt(server, client, b);
  return pending;
}

/** Sends the blocked command's non-blocking form to its shard (the client waits there if it finds nothing). */
function attempt(server: MemorykvServer, client: Client, b: Blocked): void {
  const w = b.sharded!;
  w.inFlight = true;
  blockingState(server).attemptsSharded++;
  server.sharding!.tryBlocking(client, w.attempt).then(
    (r) => onAttempt(server, client, b, r),
    (e: Error) => onAttempt(server, client, b, error(e.message.startsWith('ERR ') ? e.message : `ERR ${e.message}`)),
  );
}

function onAttempt(server: MemorykvServer, client: Client, b: Blocked, r: Reply): void {
  const w = b.sharded!;
  w.inFlight = false;
  if (Array.isArray(r) && r[0] === BLOCKED_AS) {
    w.attempt = r.slice(1) as string[];
    r = null;
  }
  // Gone (disconnected, RESET) meanwhile: its session's end drops its wait on the shard.
  if (client.blocked !== b) return;
  if (r instanceof ErrorReply) return finishSharded(server, client, b, r, r);
  if (r !== null && r !== NULL_ARRAY) return finishSharded(server, client, b, w.shape(r), null);
  // Waiting on the shard now; timed out or unblocked meanwhile: take the wait back.
  if (w.ending !== undefined) cancel(server, client, b);
}

/** A timeout or CLIENT UNBLOCK: ends once the shard says the client waits no more there. */
function endSharded(server: MemorykvServer, client: Client, b: Blocked, reply: Reply): void {
  const w = b.sharded!;
  if (w.ending !== undefined) return;
  w.ending = reply;
  if (!w.inFlight) cancel(server, client, b);
}

/**
 * Takes the client's wait back from its shard; served there meanwhile, that reply ends it. Sent
 * once: by endSharded, or by the attempt that was out when the wait was ended.
 */
function cancel(server: MemorykvServer, client: Client, b: Blocked): void {
  server.sharding!.cancelBlocking(client, b.sharded!.attempt).then(
    (r) => {
      // 0: served meanwhile, its reply on its way (servedSharded).
      if (r === 1 && client.blocked === b) finishEnding(server, client, b);
    },
    () => {
      if (client.blocked === b) finishEnding(server, client, b);
    },
  );
}

/** Gives the reply endSharded was asked for (a timeout's, or CLIENT UNBLOCK's error). */
function finishEnding(server: MemorykvServer, client: Client, b: Blocked): void {
  const ending = b.sharded!.ending!;
  finishSharded(server, client, b, ending, ending instanceof ErrorReply ? ending : null);
}

/**
 * A shard thread died and came back: its waits are gone with it. The clients that waited there
 * try again (an attempt that was out got an error: it ends with it).
 */
export function retryShardedWaits(server: MemorykvServer, shard: number, shards: number): void {
  const seen = new Set<Client>();
  for (const m of blockingState(server).blockingKeys) {
    if (m === undefined) continue;
    for (const [key, clients] of m) {
      if (slotShard(keyHashSlot(key), shards) !== shard) continue;
      for (const client of clients) seen.add(client);
    }
  }
  for (const client of seen) {
    const b = blockedOf(client);
    const w = b?.sharded;
    if (b === null || w === undefined || w.inFlight) continue;
    if (w.ending !== undefined) finishEnding(server, client, b);
    else attempt(server, client, b);
  }
}

/** A shard served the client's wait (SERVED_EVENT): the reply of its non-blocking form. */
export function servedSharded(server: MemorykvServer, client: Client, r: Reply): void {
  const b = blockedOf(client);
  if (b?.sharded === undefined) return;
  if (r instanceof ErrorReply) return finishSharded(server, client, b, r, r);
  finishSharded(server, client, b, b.sharded.shape(r), null);
}

function finishSharded(server: MemorykvServer, client: Client, b: Blocked, reply: Reply, err: ErrorReply | null): void {
  release(server, client, b);
  countUnblocked(server, b, err);
  b.sharded!.pending.reply(reply);
  resume(client);
}

// ---------------------------------------------------------------------------------------------
// The commands

/** BLPOP/BRPOP/BLMPOP (blockingPopGenericCommand); count -1 is the single-element form. */
function blockingPop(ctx: Ctx, keys: readonly string[], where: Where, timeoutIdx: number, count: number): Reply {
  const deadline = timeoutArg(ctx.argv[timeoutIdx]!, ctx.now);
  if (count === -1) {
    for (const key of keys) {
      const out = popFrom(ctx, key, where, -1, true);
      if (out !== null) return [key, out[0]!];
    }
  } else {
    const r = mpop(ctx, keys, where, count);
    if (r !== null) return r;
  }
  const client = blockingClient(ctx);
  if (client === null) return NULL_ARRAY;
  return block(ctx, client, 'list', keys, deadline, NULL_ARRAY);
}

/** BLMOVE/BRPOPLPUSH (blmoveGenericCommand), replicated as LMOVE/RPOPLPUSH. */
function blockingMove(ctx: Ctx, from: Where, to: Where, timeoutIdx: number, effect: string[]): Reply {
  const deadline = timeoutArg(ctx.argv[timeoutIdx]!, ctx.now);
  const src = ctx.argv[1]!;
  const value = moveElement(ctx, src, ctx.argv[2]!, from, to);
  if (value !== null) {
    ctx.emit(effect);
    return value;
  }
  const client = blockingClient(ctx);
  // Denied blocking answers a null bulk, but a timeout a null array, as Redis does.
  if (client === null) return null;
  return block(ctx, client, 'list', [src], deadline, NULL_ARRAY);
}

/**
 * BZPOPMIN/BZPOPMAX/BZMPOP (blockingGenericZpopCommand). count -1: the flat [key, member,
 * score] reply; else BZMPOP's [key, [[member, score] ...]]. Replicated as ZPOPMIN/ZPOPMAX.
 */
function blockingZpop(ctx: Ctx, keys: readonly string[], max: boolean, timeoutIdx: number, count: number): Reply {
  const deadline = timeoutArg(ctx.argv[timeoutIdx]!, ctx.now);
  for (const key of keys) {
    const zs = ctx.db.write<RZSet>(key, 'zset');
    if (zs === undefined || zs.size === 0) continue;
    const popped = popZSet(ctx, key, zs, max, count === -1 ? 1 : count);
    const cmd = max ? 'ZPOPMAX' : 'ZPOPMIN';
    if (count === -1) {
      ctx.emit([cmd, key]);
      const [member, score] = popped[0]!;
      return [key, member, new Double(score)];
    }
    ctx.emit([cmd, key, String(popped.length)]);
    const items: Reply[] = new Array(popped.length);
    for (let i = 0; i < popped.length; i++) items[i] = [popped[i]![0], new Double(popped[i]![1])];
    return [key, items];
  }
  const client = blockingClient(ctx);
  if (client === null) return NULL_ARRAY;
  return block(ctx, client, 'zset', keys, deadline, NULL_ARRAY);
}

const NUMKEYS_POSITIVE = error('ERR numkeys should be greater than 0');
const COUNT_POSITIVE = error('ERR count should be greater than 0');

/** getRangeLongFromObjectOrReply(1, LONG_MAX) with the command's own message. */
function atLeastOne(s: string, err: ErrorReply): number {
  const v = parseInt64Exact(s);
  if (v === null || v < 1) throw err;
  return Number(v);
}

/** zmpopGenericCommand's parsing for BZMPOP: `timeout numkeys key... MIN|MAX [COUNT count]`. */
function parseZmpop(argv: readonly string[]): { keys: string[]; max: boolean; count: number } {
  const numkeys = atLeastOne(argv[2]!, NUMKEYS_POSITIVE);
  const whereIdx = 2 + numkeys + 1;
  if (whereIdx >= argv.length) throw SYNTAX;
  let max: boolean;
  if (is(argv[whereIdx]!, 'min')) max = false;
  else if (is(argv[whereIdx]!, 'max')) max = true;
  else throw SYNTAX;
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    if (count === -1 && j < argv.length - 1 && is(argv[j]!, 'count')) {
      count = atLeastOne(argv[++j]!, COUNT_POSITIVE);
    } else {
      throw SYNTAX;
    }
  }
  return { keys: argv.slice(3, whereIdx), max, count: count === -1 ? 1 : count };
}

/** WAIT numreplicas timeout (waitCommand): acknowledged replicas, blocking until enough. */
function waitCommand(ctx: Ctx): Reply {
  const numreplicas = intArg(ctx.argv[1]!);
  const deadline = timeoutArg(ctx.argv[2]!, ctx.now, 'milliseconds');
  const s = ctx.session;
  const acks = s instanceof Client ? blockingState(s.server).replicaAcks(s) : 0;
  const client = blockingClient(ctx);
  if (acks >= numreplicas || client === null) return acks;
  return block(ctx, client, 'wait', [], deadline, acks);
}

const movableFromNumkeys = { firstKey: 0, lastKey: 0, step: 0, keys: (argv: readonly string[]) => numkeysKeys(argv, 2) };

defineCommands(
  {
    name: 'blpop',
    keySpecs: [{ flags: ['RW', 'ACCESS', 'DELETE'], index: 1, range: [-2, 1, 0] }],
    arity: -3,
    flags: ['write', 'blocking'],
    acl: ['write', 'list', 'slow', 'blocking'],
    group: 'list',
    summary: 'Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.',
    complexity: 'O(N) where N is the number of provided keys.',
    since: '2.0.0',
    handler: (ctx) => blockingPop(ctx, ctx.argv.slice(1, -1), 'left', ctx.argv.length - 1, -1),
  },
  {
    name: 'brpop',
    keySpecs: [{ flags: ['RW', 'ACCESS', 'DELETE'], index: 1, range: [-2, 1, 0] }],
    arity: -3,
    flags: ['write', 'blocking'],
    acl: ['write', 'list', 'slow', 'blocking'],
    group: 'list',
    summary: 'Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.',
    complexity: 'O(N) where N is the number of provided keys.',
    since: '2.0.0',
    handler: (ctx) => blockingPop(ctx, ctx.argv.slice(1, -1), 'right', ctx.argv.length - 1, -1),
  },
  {
    name: 'blmove',
    keySpecs: [
      { flags: ['RW', 'ACCESS', 'DELETE'], index: 1, range: [0, 1, 0] },
      { flags: ['RW', 'INSERT'], index: 2, range: [0, 1, 0] },
    ],
    arity: 6,
    flags: ['write', 'denyoom', 'blocking'],
    acl: ['write', 'list', 'slow', 'blocking'],
    group: 'list',
    summary: 'Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved.',
    complexity: 'O(1)',
    since: '6.2.0',
    handler(ctx) {
      const argv = ctx.argv;
      const from = whereArg(argv[3]!);
      const to = whereArg(argv[4]!);
      return blockingMove(ctx, from, to, 5, ['LMOVE', argv[1]!, argv[2]!, argv[3]!, argv[4]!]);
    },
  },
  {
    name: 'brpoplpush',
    keySpecs: [
      { flags: ['RW', 'ACCESS', 'DELETE'], index: 1, range: [0, 1, 0] },
      { flags: ['RW', 'INSERT'], index: 2, range: [0, 1, 0] },
    ],
    arity: 4,
    flags: ['write', 'denyoom', 'blocking'],
    acl: ['write', 'list', 'slow', 'blocking'],
    group: 'list',
    summary: 'Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped.',
    complexity: 'O(1)',
    since: '2.2.0',
    handler: (ctx) => blockingMove(ctx, 'right', 'left', 3, ['RPOPLPUSH', ctx.argv[1]!, ctx.argv[2]!]),
  },
  {
    name: 'blmpop',
    keySpecs: [{ flags: ['RW', 'ACCESS', 'DELETE'], index: 2, keynum: [0, 1, 1] }],
    arity: -5,
    flags: ['write', 'blocking', 'movablekeys'],
    acl: ['write', 'list', 'slow', 'blocking'],
    group: 'list',
    ...movableFromNumkeys,
    summary: 'Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.',
    complexity: 'O(N+M) where N is the number of provided keys and M is the number of elements returned.',
    since: '7.0.0',
    handler(ctx) {
      const { keys, where, count } = parseMpop(ctx.argv, 2);
      return blockingPop(ctx, keys, where, 1, count);
    },
  },
  {
    name: 'bzpopmin',
    keySpecs: [{ flags: ['RW', 'ACCESS', 'DELETE'], index: 1, range: [-2, 1, 0] }],
    arity: -3,
    flags: ['write', 'fast', 'blocking'],
    acl: ['write', 'sortedset', 'fast', 'blocking'],
    group: 'sorted-set',
    summary: 'Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.',
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.',
    since: '5.0.0',
    handler: (ctx) => blockingZpop(ctx, ctx.argv.slice(1, -1), false, ctx.argv.length - 1, -1),
  },
  {
    name: 'bzpopmax',
    keySpecs: [{ flags: ['RW', 'ACCESS', 'DELETE'], index: 1, range: [-2, 1, 0] }],
    arity: -3,
    flags: ['write', 'fast', 'blocking'],
    acl: ['write', 'sortedset', 'fast', 'blocking'],
    group: 'sorted-set',
    summary: 'Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member available otherwise.  Deletes the sorted set if the last element was popped.',
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.',
    since: '5.0.0',
    handler: (ctx) => blockingZpop(ctx, ctx.argv.slice(1, -1), true, ctx.argv.length - 1, -1),
  },
  {
    name: 'bzmpop',
    keySpecs: [{ flags: ['RW', 'ACCESS', 'DELETE'], index: 2, keynum: [0, 1, 1] }],
    arity: -5,
    flags: ['write', 'blocking', 'movablekeys'],
    acl: ['write', 'sortedset', 'slow', 'blocking'],
    group: 'sorted-set',
    ...movableFromNumkeys,
    summary: 'Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.',
    complexity: 'O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.',
    since: '7.0.0',
    handler(ctx) {
      const { keys, max, count } = parseZmpop(ctx.argv);
      return blockingZpop(ctx, keys, max, 1, count);
    },
  },
  {
    name: 'wait',
    arity: 3,
    flags: [],
    acl: ['slow', 'connection'],
    group: 'generic',
    summary: 'Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed.',
    complexity: 'O(1)',
    since: '3.0.0',
    handler: waitCommand,
  },
);

export function install(server: MemorykvServer): void {
  const st = new BlockingState();
  server.state.set(STATE, st);
  const dbs = server.engine.shard.dbs;
  for (let i = 0; i < dbs.length; i++) st.mains[i] = dbs[i]!.main;
  server.keyModified.push((db, key) => {
    if (st.keyBlocked === 0) return;
    if (st.blockingKeys[db]?.has(key) !== true) return;
    signalKeyAsReady(server, st, db, key);
  });
  // On while a client is blocked (switched on where one blocks).
  st.afterCommand = () => {
    // Sharded, the keys are in the shard threads, which serve their blocked clients themselves.
    if (st.nokeyBlocked !== 0 && !server.sharding) scanNokeyKeys(server, st);
    if (st.keyBlocked !== 0) handleClientsBlockedOnKeys(server);
    else if (st.nokeyBlocked === 0) server.afterCommand.switch(st.afterCommand, false);
  };
  server.afterCommand.push(st.afterCommand, false);
  setStreamBlocker(blockOnStreams);
  server.onDetach.push(dropClient);
}

/** RESET of a client (a blocked client's RESET only runs once it is unblocked, as in Redis). */
export function resetBlocking(client: Client): void {
  dropClient(client);
}
