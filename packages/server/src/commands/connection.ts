/**
 * Connection commands of the server (networking.c, tracking.c): QUIT, RESET and CLIENT with all
 * its subcommands — identity (ID, INFO, LIST, SETNAME, GETNAME, SETINFO), control (KILL,
 * PAUSE/UNPAUSE, REPLY, NO-EVICT, NO-TOUCH, UNBLOCK) and server-assisted client-side caching
 * (TRACKING, CACHING, GETREDIR, TRACKINGINFO). Also protected mode at accept time.
 *
 * Two mechanisms hook into the server's command path (server.execute is wrapped once):
 * - CLIENT PAUSE parks a client the way a blocked command does (client.blocked set, its command
 *   kept) instead of rejecting it, from a guard appended after every other guard (so auth and
 *   ACL errors still come first, as in processCommand); the command runs again when the pause
 *   ends, and may be paused again if the pause only became less strict.
 * - Tracking remembers the keys of read-only commands a tracking client ran (also inside EXEC),
 *   and keyModified hooks send invalidations; the executing client's own invalidations follow
 *   its reply, as Redis's tracking_pending_keys.
 *
 * Client flags other modules may set in client.flags and that CLIENT LIST / KILL / RESET read:
 * 'replica', 'master', 'monitor', 'readonly' (cluster READONLY), 'asking'; this module keeps
 * 'no-evict'.
 */
import type { Socket } from 'node:net';
import { ErrorReply, MapReply, NO_REPLY, OK, SetReply, Status, Verbatim, type Reply } from '@memorykv/core';
import { defineCommands, keyIndexes, lookupCommand, runnableCommand, type Command } from '../../../core/src/commands/table.ts';
import { parseInt64 } from '../../../core/src/bytes.ts';
import type { Ctx } from '../../../core/src/commands/context.ts';
import { Client, type BlockState } from '../client.ts';
import { PendingReply } from '../sharding.ts';
import type { MemorykvServer } from '../server.ts';
import { unblockClient } from './blocking.ts';
import { pubsubOf } from './pubsub.ts';

const err = (message: string) => new ErrorReply(message);
const SYNTAX = err('ERR syntax error');
const NOT_INTEGER = err('ERR value is not an integer or out of range');
const INT64_MAX = 9223372036854775807n;

// ---------------------------------------------------------------------------------------------
// Per-server state

interface Tracking {
  /** Client id invalidations go to (0: this connection). */
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** CLIENT CACHING given for the next command (CLIENT_TRACKING_CACHING). */
  caching: boolean;
  brokenRedir: boolean;
  /** BCAST prefixes of this client. */
  prefixes: Set<string>;
}

/** One BCAST prefix: keys modified under it since the last broadcast (with who modified them). */
interface BcastState {
  keys: Map<string, Client | null>;
  clients: Set<Client>;
}

const PAUSE_WRITE = 1;
const PAUSE_ALL = 2;

class ConnState {
  // CLIENT PAUSE (one pause purpose: the client command's).
  pauseActions = 0;
  pauseEnd = 0;
  pauseTimer: ReturnType<typeof setTimeout> | null = null;
  /** Effective pause right now (pauseActions while pauseEnd is in the future). */
  paused = 0;
  /** Clients parked by a pause, in the order they were parked. */
  readonly postponed = new Set<Client>();
  pauseGuardInstalled = false;
  /** This module turned expiry off for the pause (keys then read as expired but stay). */
  expiryHeld = false;

  // Client-side caching.
  readonly tracking = new Map<Client, Tracking>();
  /** Key -> ids of the clients that may cache it (Redis's TrackingTable). */
  readonly table = new Map<string, Set<number>>();
  totalItems = 0;
  readonly prefixTable = new Map<string, BcastState>();
  /** Sharded: keys of tracked reads whose replies have not come back from the shards yet. */
  readonly inFlight = new Map<string, number>();
  broadcastScheduled = false;
  /** Invalidations for a client whose own command modified a key it tracks: sent after its reply. */
  readonly pending = new Map<Client, Reply[]>();
  pendingScheduled = false;
  maxKeys = 1_000_000;

  /** The argv each client ran last (CLIENT LIST cmd=, argv-mem). */
}

const states = new WeakMap<MemorykvServer, ConnState>();

function stateOf(server: MemorykvServer): ConnState {
  return states.get(server)!;
}

function clientOf(ctx: Ctx): Client {
  const c = ctx.session;
  if (!(c instanceof Client)) throw err('ERR this command is only available over a connection');
  return c;
}


// ---------------------------------------------------------------------------------------------
// Cooperation with the ACL module

/**
 * The ACL module's state (server.state 'acl', acl.ts's Acl), read by shape so this module works
 * with or without it: without it, requirepass alone decides.
 */
interface AclView {
  defaultUser: { nopass: boolean };
  users: Map<string, unknown>;
  setDefaultAuth(client: Client): unknown;
}

function aclOf(server: MemorykvServer): AclView | undefined {
  return server.state.get('acl') as AclView | undefined;
}

/** clientSetDefaultAuth: back to the default user, authenticated only if it needs no password. */
function setDefaultAuth(client: Client): void {
  const acl = aclOf(client.server);
  if (acl !== undefined) acl.setDefaultAuth(client);
  else client.user = client.server.settings.requirepass ? null : 'default';
}

/** Whether the default user has nopass (protected mode applies then). */
function defaultUserNoPass(server: MemorykvServer): boolean {
  const acl = aclOf(server);
  return acl !== undefined ? acl.defaultUser.nopass : !server.settings.requirepass;
}

/** Whether an ACL user exists (CLIENT KILL USER). */
function userExists(server: MemorykvServer, name: string): boolean {
  const acl = aclOf(server);
  return acl !== undefined ? acl.users.has(name) : name === 'default';
}

// ---------------------------------------------------------------------------------------------
// Client identity: CLIENT LIST / INFO lines

const CLIENT_NORMAL = 0;
const CLIENT_REPLICA = 1;
const CLIENT_PUBSUB = 2;
const CLIENT_MASTER = 3;

function clientType(c: Client): number {
  if (c.flags.has('master')) return CLIENT_MASTER;
  // MONITOR clients are replicas to Redis but listed as normal ones.
  if (c.flags.has('replica') && !c.flags.has('monitor')) return CLIENT_REPLICA;
  if (c.subscribed) return CLIENT_PUBSUB;
  return CLIENT_NORMAL;
}

function clientTypeByName(name: string): number {
  switch (name.toLowerCase()) {
    case 'normal':
      return CLIENT_NORMAL;
    case 'slave':
    case 'replica':
      return CLIENT_REPLICA;
    case 'pubsub':
      return CLIENT_PUBSUB;
    case 'master':
      return CLIENT_MASTER;
    default:
      return -1;
  }
}

/** The commands a client has queued in MULTI (sharded, the serving thread's record of them). */
function multiOf(c: Client): string[][] | null {
  return c.multi ?? c.server.sharding?.txQueue(c) ?? null;
}

function clientFlags(c: Client, t: Tracking | undefined): string {
  let f = '';
  if (c.flags.has('replica') || c.flags.has('monitor')) f += c.flags.has('monitor') ? 'O' : 'S';
  if (c.flags.has('master')) f += 'M';
  if (c.subscribed) f += 'P';
  if (multiOf(c) !== null) f += 'x';
  if (c.blocked !== null) f += 'b';
  if (t !== undefined) {
    f += 't';
    if (t.brokenRedir) f += 'R';
    if (t.bcast) f += 'B';
  }
  if (c.dirtyCAS) f += 'd';
  if (c.closeAfterReply) f += 'c';
  if (c.socket.remoteAddress === undefined && c.socket.remotePort === undefined) f += 'U';
  if (c.flags.has('readonly')) f += 'r';
  if (c.flags.has('no-evict')) f += 'e';
  if (c.noTouch) f += 'T';
  return f === '' ? 'N' : f;
}

function argvMem(argv: readonly string[] | null | undefined): number {
  if (!argv) return 0;
  let n = 0;
  for (const a of argv) n += a.length;
  return n;
}

/** Rough fixed cost of a connection (struct client, buffers), so tot-mem looks like Redis's. */
const CLIENT_BASE_MEM = 21248;
const REPLY_BUF_SIZE = 16384;

/** catClientInfoString for a client running a command (ACL LOG's client-info). */
export function catClientInfoString(c: Client): string {
  return clientInfoString(stateOf(c.server), c, c);
}

/** catClientInfoString: one CLIENT LIST line (without its newline). */
function clientInfoString(st: ConnState, c: Client, current: Client): string {
  const t = st.tracking.get(c);
  const nowSec = Math.floor(Date.now() / 1000);
  const lastArgv = c === current ? c.argv : c.blocked?.argv;
  const argvBytes = argvMem(lastArgv);
  let multiMem = 0;
  const multi = multiOf(c);
  if (multi !== null) for (const a of multi) multiMem += argvMem(a) + 8 * a.length;
  const qbuf = c === current ? c.parser.untrimmed : c.parser.pending;
  const omem = c.outputPending;
  const fd = (c.socket as Socket & { _handle?: { fd?: number } })._handle?.fd ?? -1;
  // Redis prints NULL for a client that has not run a command yet.
  const cmd = c.argv !== null ? lastCommandName(c.argv) : 'NULL';
  return (
    `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${fd} name=${c.name}` +
    ` age=${nowSec - Math.floor(c.createdAt / 1000)} idle=${nowSec - Math.floor(c.lastInteraction / 1000)}` +
    ` flags=${clientFlags(c, t)} db=${c.db} sub=${c.channels.size} psub=${c.patterns.size}` +
    ` ssub=${c.shardChannels.size} multi=${multi !== null ? multi.length : -1}` +
    ` qbuf=${qbuf} qbuf-free=0 argv-mem=${argvBytes} multi-mem=${multiMem}` +
    ` rbs=${REPLY_BUF_SIZE} rbp=${REPLY_BUF_SIZE} obl=0 oll=${omem > 0 ? 1 : 0} omem=${omem}` +
    ` tot-mem=${CLIENT_BASE_MEM + REPLY_BUF_SIZE + qbuf + argvBytes + multiMem + omem}` +
    ` events=r${omem > 0 ? 'w' : ''} cmd=${cmd} user=${c.user ?? 'default'}` +
    ` redir=${t !== undefined ? t.redirect : -1} resp=${c.resp} lib-name=${c.libName} lib-ver=${c.libVer}`
  );
}

/** Redis's c->lastcmd->fullname: the container alone when the subcommand is unknown or missing. */
function lastCommandName(argv: readonly string[]): string {
  const cmd = lookupCommand(argv[0]!);
  if (cmd === undefined) return 'NULL';
  if (!cmd.sub || argv.length < 2) return cmd.fullName;
  return cmd.sub.get(argv[1]!.toLowerCase())?.fullName ?? 'NULL';
}

/** validateClientAttr: CLIENT LIST stays splittable by spaces. */
function validAttr(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch < 33 || ch > 126) return false;
  }
  return true;
}

/** clientSetName: the error for HELLO SETNAME / CLIENT SETNAME, or null once set. */
export function setClientName(client: Client, name: string): ErrorReply | null {
  if (name.length > 0 && !validAttr(name)) {
    return err('ERR Client names cannot contain spaces, newlines or special characters.');
  }
  client.name = name;
  return null;
}

// ---------------------------------------------------------------------------------------------
// CLIENT PAUSE

const PAUSED = err('PAUSED');

function isMayReplicate(client: Client, cmd: Command): boolean {
  if (cmd.write || cmd.flags.includes('may_replicate')) return true;
  const multi = cmd.name === 'exec' ? multiOf(client) : null;
  if (multi !== null) {
    for (const argv of multi) {
      const q = runnableCommand(argv);
      if (q !== undefined && (q.write || q.flags.includes('may_replicate'))) return true;
    }
  }
  return false;
}

function installPauseGuard(server: MemorykvServer, st: ConnState): void {
  if (st.pauseGuardInstalled) return;
  st.pauseGuardInstalled = true;
  // Appended at the first pause, after every module's guards: auth/ACL rejections come first.
  server.guards.push((client, argv) => {
    if (st.paused === 0 || client.flags.has('replica')) return null;
    const cmd = runnableCommand(argv);
    if (cmd === undefined) return null;
    if (st.paused === PAUSE_WRITE && !isMayReplicate(client, cmd)) return null;
    const state: BlockState = { argv, keys: [], db: client.db, deadline: 0, timeoutReply: null, timer: null };
    postponedStates.add(state);
    client.blocked = state;
    st.postponed.add(client);
    return PAUSED;
  });
}

/** BlockStates that are a pause's, not a blocking command's. */
const postponedStates = new WeakSet<BlockState>();

function isPostponed(client: Client): boolean {
  return client.blocked !== null && postponedStates.has(client.blocked);
}

/** pauseClientsByClient + pauseActions. */
function pauseClients(server: MemorykvServer, end: number, all: boolean): void {
  const st = stateOf(server);
  installPauseGuard(server, st);
  st.pauseActions = all || st.pauseActions === PAUSE_ALL ? PAUSE_ALL : PAUSE_WRITE;
  if (st.pauseEnd < end) st.pauseEnd = end;
  updatePaused(server, st);
}

function unpauseClients(server: MemorykvServer): void {
  const st = stateOf(server);
  st.pauseActions = 0;
  st.pauseEnd = 0;
  updatePaused(server, st);
}

/** updatePausedActions: applies the pause in force now; a less strict pause releases clients. */
function updatePaused(server: MemorykvServer, st: ConnState): void {
  const prev = st.paused;
  const now = Date.now();
  if (st.pauseEnd > now) st.paused = st.pauseActions;
  else {
    st.pauseActions = 0;
    st.pauseEnd = 0;
    st.paused = 0;
  }
  if (st.pauseTimer !== null) clearTimeout(st.pauseTimer);
  st.pauseTimer = null;
  if (st.paused !== 0) {
    st.pauseTimer = setTimeout(() => updatePaused(server, st), Math.min(st.pauseEnd - now, 0x7fffffff));
    st.pauseTimer.unref?.();
  }
  // While writes are paused keys do not expire (PAUSE_ACTION_EXPIRE): they read as expired, stay stored.
  const shard = server.engine.shard;
  if (st.paused !== 0 && !st.expiryHeld && shard.expireEnabled) {
    shard.expireEnabled = false;
    st.expiryHeld = true;
  } else if (st.paused === 0 && st.expiryHeld) {
    st.expiryHeld = false;
    shard.expireEnabled = true;
  }
  if (st.paused < prev) releasePostponed(server, st);
}

/** unblockPostponedClients: every parked command runs again (and may be parked again). */
function releasePostponed(server: MemorykvServer, st: ConnState): void {
  const clients = [...st.postponed];
  st.postponed.clear();
  // Not inside the command that ended the pause (CLIENT UNPAUSE): after it, as Redis handles
  // unblocked clients in beforeSleep.
  queueMicrotask(() => {
    for (const c of clients) {
      if (c.closed || !isPostponed(c)) continue;
      const argv = c.blocked!.argv;
      c.blocked = null;
      c.reply(server.execute(c, argv));
      c.processInput();
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Client-side caching (tracking.c)

const INVALIDATE_CHANNEL = '__redis__:invalidate';

function enableTracking(
  st: ConnState,
  c: Client,
  redirect: number,
  o: { bcast: boolean; optin: boolean; optout: boolean; noloop: boolean },
  prefixes: string[],
): void {
  let t = st.tracking.get(c);
  if (t === undefined) {
    t = { redirect: 0, bcast: false, optin: false, optout: false, noloop: false, caching: false, brokenRedir: false, prefixes: new Set() };
    st.tracking.set(c, t);
    c.server.sharding?.syncEvents();
  }
  t.redirect = redirect;
  t.brokenRedir = false;
  t.bcast = o.bcast;
  t.optin = o.optin;
  t.optout = o.optout;
  t.noloop = o.noloop;
  if (o.bcast) {
    if (prefixes.length === 0) enableBcastPrefix(st, c, t, '');
    for (const p of prefixes) enableBcastPrefix(st, c, t, p);
  }
}

function enableBcastPrefix(st: ConnState, c: Client, t: Tracking, prefix: string): void {
  let bs = st.prefixTable.get(prefix);
  if (bs === undefined) st.prefixTable.set(prefix, (bs = { keys: new Map(), clients: new Set() }));
  bs.clients.add(c);
  t.prefixes.add(prefix);
}

function disableTracking(st: ConnState, c: Client): void {
  const t = st.tracking.get(c);
  if (t === undefined) return;
  for (const p of t.prefixes) {
    const bs = st.prefixTable.get(p);
    if (bs === undefined) continue;
    bs.clients.delete(c);
    if (bs.clients.size === 0) st.prefixTable.delete(p);
  }
  if (st.tracking.delete(c)) c.server.sharding?.syncEvents();
  st.pending.delete(c);
}

/** checkPrefixCollisionsOrReply: prefixes of one client may not overlap. */
function prefixCollision(t: Tracking | undefined, prefixes: string[]): ErrorReply | null {
  const overlaps = (a: string, b: string) => (a.length < b.length ? b.startsWith(a) : a.startsWith(b));
  for (let i = 0; i < prefixes.length; i++) {
    const p = prefixes[i]!;
    if (t !== undefined) {
      for (const q of [...t.prefixes].sort()) {
        if (overlaps(q, p)) {
          return err(`ERR Prefix '${p}' overlaps with an existing prefix '${q}'. Prefixes for a single client must not overlap.`);
        }
      }
    }
    for (let j = i + 1; j < prefixes.length; j++) {
      if (overlaps(p, prefixes[j]!)) {
        return err(
          `ERR Prefix '${p}' overlaps with another provided prefix '${prefixes[j]}'. Prefixes for a single client must not overlap.`,
        );
      }
    }
  }
  return null;
}

/** trackingRememberKeys: the keys of a read-only command the client may now cache. */
function rememberKeys(st: ConnState, c: Client, t: Tracking, cmd: Command, argv: readonly string[]): string[] {
  if ((t.optin && !t.caching) || (t.optout && t.caching)) return [];
  // Shard channels are keys to COMMAND, not cached data.
  if (cmd.flags.includes('pubsub')) return [];
  const idx = keyIndexes(cmd, argv);
  const keys: string[] = [];
  for (const i of idx) {
    keys.push(argv[i]!);
    const key = argv[i]!;
    let ids = st.table.get(key);
    if (ids === undefined) st.table.set(key, (ids = new Set()));
    if (!ids.has(c.id)) {
      ids.add(c.id);
      st.totalItems++;
    }
  }
  return keys;
}

/** sendTrackingMessage: `keys` is an array of keys, or null for "everything" (flush). */
function sendTrackingMessage(server: MemorykvServer, st: ConnState, c: Client, keys: Reply): void {
  const t = st.tracking.get(c);
  let target = c;
  let redirected = false;
  if (t !== undefined && t.redirect !== 0) {
    const r = server.clients.get(t.redirect);
    if (r === undefined) {
      t.brokenRedir = true;
      // The connection learns its invalidations are lost (RESP3 only: RESP2 has no push).
      if (c.resp === 3) c.push(['tracking-redir-broken', t.redirect]);
      return;
    }
    target = r;
    redirected = true;
  }
  if (target.resp === 3) target.push(['invalidate', keys]);
  else if (redirected && target.subscribed) target.push(['message', INVALIDATE_CHANNEL, keys]);
  // A RESP2 connection without redirection cannot receive anything.
}

/** trackingInvalidateKey, from the keyModified hook. */
function invalidateKey(server: MemorykvServer, st: ConnState, key: string): void {
  const current = server.engine.shard.current as Client | null;
  if (st.prefixTable.size > 0) rememberKeyToBroadcast(server, st, current, key);
  const ids = st.table.get(key);
  if (ids === undefined) return;
  // Sharded: a read of the key still in flight may have run after this write on its shard, its
  // client then caching the new value: those clients stay tracked (one invalidation too many
  // later, never one too few).
  const keep = st.inFlight.has(key) ? new Set<number>() : null;
  for (const id of ids) {
    const target = server.clients.get(id);
    if (target === undefined) continue;
    const t = st.tracking.get(target);
    // A client that switched to BCAST since it read the key gets no default-mode messages.
    if (t === undefined || t.bcast) continue;
    keep?.add(id);
    if (t.noloop && target === current) continue;
    if (target === current) {
      // After the reply of the command being executed, not before it.
      addPending(st, target, [key]);
      schedulePending(server, st);
    } else {
      sendTrackingMessage(server, st, target, [key]);
    }
  }
  st.totalItems -= ids.size;
  if (keep !== null && keep.size > 0) {
    st.table.set(key, keep);
    st.totalItems += keep.size;
  } else st.table.delete(key);
}

/** trackingInvalidateKeysOnFlush: every tracking client is told "all keys" (a null). */
function invalidateOnFlush(server: MemorykvServer, st: ConnState, current: Client): void {
  for (const c of st.tracking.keys()) {
    if (c === current) addPending(st, c, null);
    else {
      sendTrackingMessage(server, st, c, null);
    }
  }
  st.table.clear();
  st.totalItems = 0;
}

function addPending(st: ConnState, c: Client, keys: Reply): void {
  let p = st.pending.get(c);
  if (p === undefined) st.pending.set(c, (p = []));
  p.push(keys);
}

function flushPending(server: MemorykvServer, st: ConnState, c: Client): void {
  const p = st.pending.get(c);
  if (p === undefined) return;
  st.pending.delete(c);
  if (c.closed) return;
  for (const keys of p) sendTrackingMessage(server, st, c, keys);
}

/** Pending invalidations of a command that did not reply through execute (a woken blocked client). */
function schedulePending(server: MemorykvServer, st: ConnState): void {
  if (st.pendingScheduled) return;
  st.pendingScheduled = true;
  queueMicrotask(() => {
    st.pendingScheduled = false;
    for (const c of [...st.pending.keys()]) flushPending(server, st, c);
  });
}

function rememberKeyToBroadcast(server: MemorykvServer, st: ConnState, current: Client | null, key: string): void {
  let any = false;
  for (const [prefix, bs] of st.prefixTable) {
    if (prefix.length > key.length || !key.startsWith(prefix)) continue;
    bs.keys.set(key, current);
    any = true;
  }
  if (any && !st.broadcastScheduled) {
    st.broadcastScheduled = true;
    // Redis broadcasts in beforeSleep: once per event loop turn, after the replies of the turn.
    setImmediate(() => {
      st.broadcastScheduled = false;
      broadcastInvalidations(server, st);
    });
  }
}

/** trackingBroadcastInvalidationMessages: one message per prefix and client, keys in byte order. */
function broadcastInvalidations(server: MemorykvServer, st: ConnState): void {
  for (const bs of st.prefixTable.values()) {
    if (bs.keys.size === 0) continue;
    const keys = [...bs.keys.keys()].sort();
    for (const c of bs.clients) {
      if (c.closed) continue;
      const t = st.tracking.get(c);
      if (t?.noloop) {
        const own = keys.filter((k) => bs.keys.get(k) !== c);
        if (own.length > 0) sendTrackingMessage(server, st, c, own);
      } else {
        sendTrackingMessage(server, st, c, keys);
      }
    }
    bs.keys = new Map();
  }
}

/** trackingLimitUsedSlots: over tracking-table-max-keys, forget keys as if they were modified. */
function limitTrackingTable(server: MemorykvServer, st: ConnState, current: Client): void {
  // Oldest first (Redis walks randomly): each is invalidated for its clients.
  for (const key of st.table.keys()) {
    if (st.table.size <= st.maxKeys) break;
    forgetKey(server, st, key, current);
  }
}

/** trackingInvalidateKey(NULL, key): no NOLOOP exception; the running client's after its reply. */
function forgetKey(server: MemorykvServer, st: ConnState, key: string, current: Client): void {
  const ids = st.table.get(key)!;
  for (const id of ids) {
    const target = server.clients.get(id);
    const t = target && st.tracking.get(target);
    if (target === undefined || t === undefined || t.bcast) continue;
    if (target === current) addPending(st, target, [key]);
    else sendTrackingMessage(server, st, target, [key]);
  }
  st.totalItems -= ids.size;
  st.table.delete(key);
}

/** INFO's tracking numbers (tracking_clients, tracking_total_keys/items/prefixes). */
export function trackingStats(server: MemorykvServer): { clients: number; keys: number; items: number; prefixes: number } {
  const st = stateOf(server);
  return { clients: st.tracking.size, keys: st.table.size, items: st.totalItems, prefixes: st.prefixTable.size };
}

/** INFO's paused_reason-like state: 'write', 'all' or '' (and whether a client is parked). */
export function pauseStats(server: MemorykvServer): { paused: '' | 'write' | 'all'; postponed: number } {
  const st = stateOf(server);
  return { paused: st.paused === PAUSE_ALL ? 'all' : st.paused === PAUSE_WRITE ? 'write' : '', postponed: st.postponed.size };
}

/** Whether any client tracks keys (a sharded keyspace then reports every modified key). */
export function trackingActive(server: MemorykvServer): boolean {
  return stateOf(server).tracking.size > 0;
}

/** Whether a client is tracking (CLIENT LIST 't', HELLO/INFO). */
export function isTracking(client: Client): boolean {
  return stateOf(client.server).tracking.has(client);
}

const FLUSH_COMMANDS = new Set(['flushall', 'flushdb']);

function isFlush(argv: readonly string[]): boolean {
  return argv[0]!.length <= 8 && FLUSH_COMMANDS.has(argv[0]!.toLowerCase());
}

// ---------------------------------------------------------------------------------------------
// The command path around server.execute

function wrapExecute(server: MemorykvServer, st: ConnState): void {
  const execute = server.execute.bind(server);
  server.execute = (client: Client, argv: string[]): Reply | PendingReply => {
    if (st.tracking.size === 0) {
      const r = execute(client, argv);
      return r === PAUSED ? NO_REPLY : r;
    }
    // Tracking on somewhere: note what ran, to remember keys and spot flushes (also inside EXEC).
    const queue = client.multi ?? server.sharding?.queuedIn(client) ?? null;
    const r = execute(client, argv);
    if (r === PAUSED) return NO_REPLY;
    // A shard thread runs it: its keys are remembered now (an invalidation that comes for a
    // change ordered before the read is one too many, never one too few), and its shard reports
    // modified keys, which reach the keyModified hook (sharding.ts).
    if (r instanceof PendingReply) {
      const ran = afterTracked(server, st, client, argv, queue, SHARD_RAN);
      // Keys it reads are in flight until its reply: an invalidation meanwhile (for a write the
      // shard may have ordered before the read) keeps them tracked (see invalidateKey).
      if (ran !== null) {
        for (const key of ran) st.inFlight.set(key, (st.inFlight.get(key) ?? 0) + 1);
        r.whenDone(() => {
          for (const key of ran) {
            const n = st.inFlight.get(key)! - 1;
            if (n === 0) st.inFlight.delete(key);
            else st.inFlight.set(key, n);
          }
        });
      }
      // Its own FLUSHALL's invalidation: after this turn, when its reply waits in the client's
      // queue, behind which Client.push puts it.
      if (st.pending.has(client)) schedulePending(server, st);
      return r;
    }
    afterTracked(server, st, client, argv, queue, r);
    if (st.pending.has(client)) {
      client.reply(r);
      flushPending(server, st, client);
      return NO_REPLY;
    }
    return r;
  };
}

/** Stands for the reply of a command a shard runs: EXEC ran its queue, a flush succeeded. */
const SHARD_RAN: Reply = [];

/** Returns the keys it remembered (null: none). */
function afterTracked(
  server: MemorykvServer,
  st: ConnState,
  client: Client,
  argv: string[],
  queue: string[][] | null,
  reply: Reply,
): string[] | null {
  // Queued, or MULTI itself: nothing ran (sharded, this thread's Client is never in MULTI).
  if (client.multi !== null || (server.sharding?.inMulti(client) ?? false)) return null;
  const cmd = runnableCommand(argv);
  if (cmd === undefined) return null;
  const t = st.tracking.get(client);
  const ran = cmd.name === 'exec' && queue !== null && Array.isArray(reply) ? queue : [argv];
  let remembered: string[] | null = null;
  for (const a of ran) {
    const c = a === argv ? cmd : runnableCommand(a);
    if (c === undefined) continue;
    if (t !== undefined && !t.bcast && c.readonly) (remembered ??= []).push(...rememberKeys(st, client, t, c, a));
    if (isFlush(a) && !(reply instanceof ErrorReply)) invalidateOnFlush(server, st, client);
  }
  // CLIENT CACHING applies to the next command (or transaction) only.
  if (t !== undefined && (cmd.parent ?? cmd).name !== 'client') t.caching = false;
  if (st.maxKeys !== 0 && st.table.size > st.maxKeys) limitTrackingTable(server, st, client);
  return remembered;
}

// ---------------------------------------------------------------------------------------------
// Protected mode

const DENIED =
  '-DENIED Redis is running in protected mode because protected ' +
  'mode is enabled and no password is set for the default user. ' +
  'In this mode connections are only accepted from the loopback interface. ' +
  'If you want to connect from external computers to Redis you ' +
  'may adopt one of the following solutions: ' +
  "1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface " +
  'by connecting to Redis from the same host the server is ' +
  'running, however MAKE SURE Redis is not publicly accessible ' +
  'from internet if you do so. Use CONFIG REWRITE to make this ' +
  'change permanent. ' +
  '2) Alternatively you can just disable the protected mode by ' +
  'editing the Redis configuration file, and setting the protected ' +
  "mode option to 'no', and then restarting the server. " +
  "3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. " +
  '4) Set up an authentication password for the default user. ' +
  'NOTE: You only need to do one of the above things in order for ' +
  'the server to start accepting connections from the outside.\r\n';

/** connIsLocal: loopback peers (and Unix sockets, which have no remote address). */
export function isLocal(address: string | undefined): boolean {
  if (address === undefined) return true;
  if (address.startsWith('::ffff:')) address = address.slice(7);
  return address.startsWith('127.') || address === '::1';
}

/** acceptCommonHandler's protected-mode check, after the maxclients one. */
function protectedMode(server: MemorykvServer): void {
  server.onConnect.push((socket) =>
    server.settings['protected-mode'] && !isLocal(socket.remoteAddress) && defaultUserNoPass(server) ? DENIED : null,
  );
}

// ---------------------------------------------------------------------------------------------
// Commands

const HELP = [
  'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CACHING (YES|NO)',
  '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
  'GETREDIR',
  '    Return the client ID we are redirecting to when tracking is enabled.',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made from the specified address',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made to specified local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Kill connections by type.',
  '    * USER <username>',
  '      Kill connections authenticated by <username>.',
  '    * SKIPME (YES|NO)',
  '      Skip killing current connection (default: yes).',
  'LIST [options ...]',
  '    Return information about client connections. Options:',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Return clients of specified type.',
  'UNPAUSE',
  '    Stop the current client pause, resuming traffic.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Suspend all, or just write, clients for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Control the replies sent to the current connection.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'SETINFO <option> <value>',
  '    Set client meta attr. Options are:',
  '    * LIB-NAME: the client lib name.',
  '    * LIB-VER: the client lib version.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    Unblock the specified blocked client.',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
  '         [OPTIN] [OPTOUT] [NOLOOP]',
  '    Control server assisted client side caching.',
  'TRACKINGINFO',
  '    Report tracking status for the current connection.',
  'NO-EVICT (ON|OFF)',
  '    Protect current client connection from eviction.',
  'NO-TOUCH (ON|OFF)',
  '    Will not touch LRU/LFU stats when this mode is on.',
  'HELP',
  '    Print this help.',
].map((l) => new Status(l));

const sub = ['noscript', 'loading', 'stale'] as const;
const adminSub = ['admin', 'noscript', 'loading', 'stale'] as const;
const subAcl = ['slow', 'connection'] as const;
const adminAcl = ['admin', 'slow', 'dangerous', 'connection'] as const;
const O1 = 'O(1)';

/** addReplySubcommandSyntaxError. */
function subcommandSyntaxError(argv: readonly string[]): ErrorReply {
  return err(`ERR unknown subcommand or wrong number of arguments for '${argv[1]!.slice(0, 128)}'. Try CLIENT HELP.`);
}

function onOff(s: string): boolean {
  const v = s.toLowerCase();
  if (v === 'on') return true;
  if (v === 'off') return false;
  throw SYNTAX;
}

function clientList(ctx: Ctx): Reply {
  const me = clientOf(ctx);
  const server = me.server;
  const st = stateOf(server);
  const argv = ctx.argv;
  let type = -1;
  let out = '';
  if (argv.length === 4 && argv[2]!.toLowerCase() === 'type') {
    type = clientTypeByName(argv[3]!);
    if (type === -1) return err(`ERR Unknown client type '${argv[3]}'`);
  } else if (argv.length > 3 && argv[2]!.toLowerCase() === 'id') {
    const ids: number[] = [];
    for (let j = 3; j < argv.length; j++) {
      const id = parseInt64(argv[j]!);
      if (id !== id) return err('ERR Invalid client ID');
      ids.push(id);
    }
    for (const id of ids) {
      const c = server.clients.get(id);
      if (c !== undefined) out += clientInfoString(st, c, me) + '\n';
    }
    return new Verbatim('txt', out);
  } else if (argv.length !== 2) {
    return SYNTAX;
  }
  for (const c of server.clients.values()) {
    if (type !== -1 && clientType(c) !== type) continue;
    out += clientInfoString(st, c, me) + '\n';
  }
  return new Verbatim('txt', out);
}

function clientKill(ctx: Ctx): Reply {
  const me = clientOf(ctx);
  const server = me.server;
  const argv = ctx.argv;
  let addr: string | null = null;
  let laddr: string | null = null;
  let user: string | null = null;
  let type = -1;
  let id = 0;
  let maxAge = 0;
  let skipme = true;
  if (argv.length === 3) {
    addr = argv[2]!;
    skipme = false; // the old form may kill the caller itself
  } else {
    for (let i = 2; i < argv.length; i += 2) {
      const o = argv[i]!.toLowerCase();
      const moreargs = argv.length > i + 1;
      const v = argv[i + 1]!;
      if (!moreargs) return SYNTAX;
      if (o === 'id') {
        const n = parseInt64(v);
        if (n !== n || n < 1) return err('ERR client-id should be greater than 0');
        id = n;
      } else if (o === 'type') {
        type = clientTypeByName(v);
        if (type === -1) return err(`ERR Unknown client type '${v}'`);
      } else if (o === 'addr') {
        addr = v;
      } else if (o === 'laddr') {
        laddr = v;
      } else if (o === 'user') {
        if (!userExists(server, v)) return err(`ERR No such user '${v}'`);
        user = v;
      } else if (o === 'skipme') {
        const y = v.toLowerCase();
        if (y === 'yes') skipme = true;
        else if (y === 'no') skipme = false;
        else return SYNTAX;
      } else if (o === 'maxage') {
        // Redis 7.4's filter: connections at least this many seconds old.
        const n = parseInt64(v);
        if (n !== n) return err('ERR maxage is not an integer or out of range');
        if (n <= 0) return err('ERR maxage should be greater than 0');
        maxAge = n;
      } else {
        return SYNTAX;
      }
    }
  }
  const nowSec = Math.floor(Date.now() / 1000);
  let killed = 0;
  let closeMe = false;
  for (const c of [...server.clients.values()]) {
    if (addr !== null && c.addr !== addr) continue;
    if (laddr !== null && c.laddr !== laddr) continue;
    if (type !== -1 && clientType(c) !== type) continue;
    if (id !== 0 && c.id !== id) continue;
    if (user !== null && (c.user ?? 'default') !== user) continue;
    if (maxAge !== 0 && nowSec - Math.floor(c.createdAt / 1000) < maxAge) continue;
    if (c === me && skipme) continue;
    if (c === me) closeMe = true;
    else c.close();
    killed++;
  }
  // The caller goes only after its reply is out (CLIENT_CLOSE_AFTER_REPLY).
  if (closeMe) me.closeAfterReply = true;
  if (argv.length === 3) return killed === 0 ? err('ERR No such client') : OK;
  return killed;
}

function clientPause(ctx: Ctx): Reply {
  const argv = ctx.argv;
  let all = true;
  if (argv.length === 4) {
    const m = argv[3]!.toLowerCase();
    if (m === 'write') all = false;
    else if (m !== 'all') return err('ERR CLIENT PAUSE mode must be WRITE or ALL');
  } else if (argv.length !== 3) {
    return subcommandSyntaxError(argv);
  }
  // getTimeoutFromObjectOrReply in milliseconds.
  const now = Date.now();
  let tval = parseInt64(argv[2]!);
  if (tval !== tval) return err('ERR timeout is not an integer or out of range');
  if (tval < 0) return err('ERR timeout is negative');
  if (tval > 0) {
    if (tval > Number.MAX_SAFE_INTEGER && BigInt(argv[2]!) > INT64_MAX - BigInt(now)) {
      return err('ERR timeout is out of range');
    }
    tval += now;
  }
  pauseClients(clientOf(ctx).server, tval, all);
  return OK;
}

function clientTracking(ctx: Ctx): Reply {
  const me = clientOf(ctx);
  const server = me.server;
  const st = stateOf(server);
  const argv = ctx.argv;
  let redir = 0;
  const o = { bcast: false, optin: false, optout: false, noloop: false };
  const prefixes: string[] = [];
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!.toLowerCase();
    const moreargs = argv.length - 1 - j > 0;
    if (opt === 'redirect' && moreargs) {
      j++;
      if (redir !== 0) return err('ERR A client can only redirect to a single other client');
      const id = parseInt64(argv[j]!);
      if (id !== id) return NOT_INTEGER;
      if (!server.clients.has(id)) return err('ERR The client ID you want redirect to does not exist');
      redir = id;
    } else if (opt === 'bcast') o.bcast = true;
    else if (opt === 'optin') o.optin = true;
    else if (opt === 'optout') o.optout = true;
    else if (opt === 'noloop') o.noloop = true;
    else if (opt === 'prefix' && moreargs) prefixes.push(argv[++j]!);
    else return SYNTAX;
  }
  const mode = argv[2]!.toLowerCase();
  if (mode === 'on') {
    const t = st.tracking.get(me);
    if (!o.bcast && prefixes.length > 0) return err('ERR PREFIX option requires BCAST mode to be enabled');
    if (t !== undefined && t.bcast !== o.bcast) {
      return err(
        "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.",
      );
    }
    if (o.bcast && (o.optin || o.optout)) return err('ERR OPTIN and OPTOUT are not compatible with BCAST');
    if (o.optin && o.optout) return err("ERR You can't specify both OPTIN mode and OPTOUT mode");
    if (t !== undefined && ((o.optin && t.optout) || (o.optout && t.optin))) {
      return err(
        "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.",
      );
    }
    if (o.bcast) {
      const e = prefixCollision(t, prefixes);
      if (e !== null) return e;
    }
    enableTracking(st, me, redir, o, prefixes);
  } else if (mode === 'off') {
    disableTracking(st, me);
  } else {
    return SYNTAX;
  }
  return OK;
}

function clientCaching(ctx: Ctx): Reply {
  const me = clientOf(ctx);
  const t = stateOf(me.server).tracking.get(me);
  if (t === undefined) {
    return err('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled');
  }
  const v = ctx.argv[2]!.toLowerCase();
  if (v === 'yes') {
    if (!t.optin) return err('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
  } else if (v === 'no') {
    if (!t.optout) return err('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
  } else {
    return SYNTAX;
  }
  t.caching = true;
  return OK;
}

function clientTrackingInfo(ctx: Ctx): Reply {
  const me = clientOf(ctx);
  const t = stateOf(me.server).tracking.get(me);
  const flags: Reply[] = [t !== undefined ? 'on' : 'off'];
  if (t !== undefined) {
    if (t.bcast) flags.push('bcast');
    if (t.optin) {
      flags.push('optin');
      if (t.caching) flags.push('caching-yes');
    }
    if (t.optout) {
      flags.push('optout');
      if (t.caching) flags.push('caching-no');
    }
    if (t.noloop) flags.push('noloop');
    if (t.brokenRedir) flags.push('broken_redirect');
  }
  const prefixes = t !== undefined ? [...t.prefixes].sort() : [];
  return new MapReply(['flags', new SetReply(flags), 'redirect', t !== undefined ? t.redirect : -1, 'prefixes', prefixes]);
}

function clientUnblock(ctx: Ctx): Reply {
  const me = clientOf(ctx);
  const argv = ctx.argv;
  let withError = false;
  if (argv.length === 4) {
    const r = argv[3]!.toLowerCase();
    if (r === 'error') withError = true;
    else if (r !== 'timeout') return err('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
  } else if (argv.length !== 3) {
    return subcommandSyntaxError(argv);
  }
  const id = parseInt64(argv[2]!);
  if (id !== id) return NOT_INTEGER;
  const target = me.server.clients.get(id);
  // A command parked by CLIENT PAUSE is not a blocked command: nothing to time out.
  if (target === undefined || target.blocked === null || isPostponed(target)) return 0;
  return unblockClient(target, withError) ? 1 : 0;
}

/** clearClientConnectionState (RESET). */
function resetClient(client: Client): void {
  const st = stateOf(client.server);
  client.flags.delete('monitor');
  disableTracking(st, client);
  client.db = 0;
  client.resp = 2;
  setDefaultAuth(client);
  client.discardMulti();
  pubsubOf(client.server).unsubscribeAll(client);
  client.name = '';
  // lib-name and lib-ver stay: they still describe the library behind the connection.
  client.flags.delete('asking');
  client.flags.delete('readonly');
  client.flags.delete('no-evict');
  client.replyMode = 'on';
  client.noTouch = false;
}

defineCommands(
  {
    name: 'quit',
    arity: -1,
    flags: ['allow_busy', 'noscript', 'loading', 'stale', 'fast', 'no_auth'],
    acl: ['fast', 'connection'],
    group: 'connection',
    summary: 'Closes the connection.',
    complexity: O1,
    since: '1.0.0',
    handler(ctx) {
      clientOf(ctx).closeAfterReply = true;
      return OK;
    },
  },
  {
    name: 'reset',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'],
    acl: ['fast', 'connection'],
    group: 'connection',
    summary: 'Resets the connection.',
    complexity: O1,
    since: '6.2.0',
    handler(ctx) {
      const c = clientOf(ctx);
      if (c.flags.has('master') || (c.flags.has('replica') && !c.flags.has('monitor'))) {
        return err('ERR can only reset normal client connections');
      }
      resetClient(c);
      return new Status('RESET');
    },
  },
  {
    name: 'client',
    arity: -2,
    flags: [],
    acl: ['slow'],
    group: 'connection',
    summary: 'A container for client connection commands.',
    complexity: 'Depends on subcommand.',
    since: '2.4.0',
    subcommands: [
      {
        name: 'caching',
        arity: 3,
        flags: sub,
        acl: subAcl,
        group: 'connection',
        summary: 'Instructs the server whether to track the keys in the next request.',
        complexity: O1,
        since: '6.0.0',
        handler: clientCaching,
      },
      {
        name: 'getname',
        arity: 2,
        flags: sub,
        acl: subAcl,
        group: 'connection',
        summary: 'Returns the name of the connection.',
        complexity: O1,
        since: '2.6.9',
        handler: (ctx) => clientOf(ctx).name || null,
      },
      {
        name: 'getredir',
        arity: 2,
        flags: sub,
        acl: subAcl,
        group: 'connection',
        summary: "Returns the client ID to which the connection's tracking notifications are redirected.",
        complexity: O1,
        since: '6.0.0',
        handler(ctx) {
          const me = clientOf(ctx);
          const t = stateOf(me.server).tracking.get(me);
          return t !== undefined ? t.redirect : -1;
        },
      },
      {
        name: 'help',
        arity: 2,
        flags: ['loading', 'stale'],
        acl: subAcl,
        group: 'connection',
        summary: 'Returns helpful text about the different subcommands.',
        complexity: O1,
        since: '5.0.0',
        handler: () => HELP,
      },
      {
        name: 'id',
        arity: 2,
        flags: sub,
        acl: subAcl,
        group: 'connection',
        summary: 'Returns the unique client ID of the connection.',
        complexity: O1,
        since: '5.0.0',
        handler: (ctx) => clientOf(ctx).id,
      },
      {
        name: 'info',
        arity: 2,
        flags: sub,
        acl: subAcl,
        group: 'connection',
        summary: 'Returns information about the connection.',
        complexity: O1,
        since: '6.2.0',
        handler(ctx) {
          const me = clientOf(ctx);
          return new Verbatim('txt', clientInfoString(stateOf(me.server), me, me) + '\n');
        },
      },
      {
        name: 'kill',
        arity: -3,
        flags: adminSub,
        acl: adminAcl,
        group: 'connection',
        summary: 'Terminates open connections.',
        complexity: 'O(N) where N is the number of client connections',
        since: '2.4.0',
        handler: clientKill,
      },
      {
        name: 'list',
        arity: -2,
        flags: adminSub,
        acl: adminAcl,
        group: 'connection',
        summary: 'Lists open connections.',
        complexity: 'O(N) where N is the number of client connections',
        since: '2.4.0',
        handler: clientList,
      },
      {
        name: 'no-evict',
        arity: 3,
        flags: adminSub,
        acl: adminAcl,
        group: 'connection',
        summary: 'Sets the client eviction mode of the connection.',
        complexity: O1,
        since: '7.0.0',
        handler(ctx) {
          const me = clientOf(ctx);
          if (onOff(ctx.argv[2]!)) me.flags.add('no-evict');
          else me.flags.delete('no-evict');
          return OK;
        },
      },
      {
        name: 'no-touch',
        arity: 3,
        flags: sub,
        acl: subAcl,
        group: 'connection',
        summary: 'Controls whether commands sent by the client affect the LRU/LFU of accessed keys.',
        complexity: O1,
        since: '7.2.0',
        handler(ctx) {
          clientOf(ctx).noTouch = onOff(ctx.argv[2]!);
          return OK;
        },
      },
      {
        name: 'pause',
        arity: -3,
        flags: adminSub,
        acl: adminAcl,
        group: 'connection',
        summary: 'Suspends commands processing.',
        complexity: O1,
        since: '3.0.0',
        handler: clientPause,
      },
      {
        name: 'reply',
        arity: 3,
        flags: sub,
        acl: subAcl,
        group: 'connection',
        summary: 'Instructs the server whether to reply to commands.',
        complexity: O1,
        since: '3.2.0',
        handler(ctx) {
          const me = clientOf(ctx);
          const v = ctx.argv[2]!.toLowerCase();
          if (v === 'on') {
            me.replyMode = 'on';
            return OK;
          }
          if (v === 'off') me.replyMode = 'off';
          else if (v === 'skip') {
            if (me.replyMode !== 'off') me.replyMode = 'skip';
          } else return SYNTAX;
          // OFF and SKIP have no reply of their own.
          return NO_REPLY;
        },
      },
      {
        name: 'setinfo',
        arity: 4,
        flags: sub,
        acl: subAcl,
        group: 'connection',
        summary: 'Sets information specific to the client or connection.',
        complexity: O1,
        since: '7.2.0',
        handler(ctx) {
          const me = clientOf(ctx);
          const attr = ctx.argv[2]!;
          const val = ctx.argv[3]!;
          const a = attr.toLowerCase();
          if (a !== 'lib-name' && a !== 'lib-ver') return err(`ERR Unrecognized option '${attr}'`);
          if (!validAttr(val)) return err(`ERR ${attr} cannot contain spaces, newlines or special characters.`);
          if (a === 'lib-name') me.libName = val;
          else me.libVer = val;
          return OK;
        },
      },
      {
        name: 'setname',
        arity: 3,
        flags: sub,
        acl: subAcl,
        group: 'connection',
        summary: 'Sets the connection name.',
        complexity: O1,
        since: '2.6.9',
        handler: (ctx) => setClientName(clientOf(ctx), ctx.argv[2]!) ?? OK,
      },
      {
        name: 'tracking',
        arity: -3,
        flags: sub,
        acl: subAcl,
        group: 'connection',
        summary: 'Controls server-assisted client-side caching for the connection.',
        complexity: 'O(1). Some options may introduce additional complexity.',
        since: '6.0.0',
        handler: clientTracking,
      },
      {
        name: 'trackinginfo',
        arity: 2,
        flags: sub,
        acl: subAcl,
        group: 'connection',
        summary: 'Returns information about server-assisted client-side caching for the connection.',
        complexity: O1,
        since: '6.2.0',
        handler: clientTrackingInfo,
      },
      {
        name: 'unblock',
        arity: -3,
        flags: adminSub,
        acl: adminAcl,
        group: 'connection',
        summary: 'Unblocks a client blocked by a blocking command from a different connection.',
        complexity: 'O(log N) where N is the number of client connections',
        since: '5.0.0',
        handler: clientUnblock,
      },
      {
        name: 'unpause',
        arity: 2,
        flags: adminSub,
        acl: adminAcl,
        group: 'connection',
        summary: 'Resumes processing commands from paused clients.',
        complexity: 'O(N) Where N is the number of paused clients',
        since: '6.2.0',
        handler(ctx) {
          unpauseClients(clientOf(ctx).server);
          return OK;
        },
      },
    ],
  },
);

export function install(server: MemorykvServer): void {
  const st = new ConnState();
  states.set(server, st);
  // Also where other modules look for it (INFO's tracking_clients reads .tracking).
  server.state.set('connection', st);
  const configured = server.settings.extra['tracking-table-max-keys'];
  if (configured !== undefined && /^\d+$/.test(configured)) st.maxKeys = Number(configured);
  server.defineParam({
    name: 'tracking-table-max-keys',
    get: () => String(st.maxKeys),
    set(value) {
      const n = parseInt64(value);
      if (n !== n) return err("argument couldn't be parsed into an integer");
      if (n < 0) return err('argument must be between 0 and 9223372036854775807 inclusive');
      st.maxKeys = n;
      return null;
    },
  });
  wrapExecute(server, st);
  protectedMode(server);
  server.keyModified.push((_db, key) => {
    if (st.table.size > 0 || st.prefixTable.size > 0) invalidateKey(server, st, key);
  });
  server.onDetach.push((client) => {
    disableTracking(st, client);
    // A parked command is this module's: the blocking module must not release it.
    if (isPostponed(client)) client.blocked = null;
    st.postponed.delete(client);
  });
}
