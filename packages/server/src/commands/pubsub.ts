/**
 * Pub/Sub (pubsub.c), keyspace notifications (notify.c) and the output buffer limits that keep
 * a slow subscriber from growing memory without bound (networking.c checkClientOutputBufferLimits).
 *
 * Subscriptions live twice, as in Redis: on the client (its channels/patterns/shardChannels sets,
 * in subscription order) and on the server (channel -> subscribers, in subscription order), so
 * PUBLISH is O(subscribers + patterns) and a disconnect is O(subscriptions of that client).
 *
 * The commands are declared once per process (the table is global); each MemorykvServer gets its
 * own PubSub state at install, reached from a handler through the client's server.
 */
import {
  commands,
  defineCommands,
  ErrorReply,
  NO_REPLY,
  Status,
  type Ctx,
  type Reply,
} from '@memorykv/core';
// Not exported from @memorykv/core's index: Redis's glob matching.
import { globMatch } from '../../../core/src/glob.ts';
import { runnableCommand } from '../../../core/src/commands/table.ts';
import { scriptingState } from '../../../core/src/scripting/state.ts';
import { Client } from '../client.ts';
import { arg, channelKeySpec, publishSpecs, type Spec } from './publish.ts';
import type { AfterCommand, MemorykvServer, Param } from '../server.ts';

// ---------------------------------------------------------------------------------------------
// Keyspace notification classes (server.h NOTIFY_*)

const NOTIFY_KEYSPACE = 1 << 0; /* K */
const NOTIFY_KEYEVENT = 1 << 1; /* E */
const NOTIFY_GENERIC = 1 << 2; /* g */
const NOTIFY_STRING = 1 << 3; /* $ */
const NOTIFY_LIST = 1 << 4; /* l */
const NOTIFY_SET = 1 << 5; /* s */
const NOTIFY_HASH = 1 << 6; /* h */
const NOTIFY_ZSET = 1 << 7; /* z */
const NOTIFY_EXPIRED = 1 << 8; /* x */
const NOTIFY_EVICTED = 1 << 9; /* e */
const NOTIFY_STREAM = 1 << 10; /* t */
const NOTIFY_KEY_MISS = 1 << 11; /* m, not part of A on purpose */
const NOTIFY_MODULE = 1 << 13; /* d */
const NOTIFY_NEW = 1 << 14; /* n, not part of A either */
const NOTIFY_ALL =
  NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH | NOTIFY_ZSET |
  NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE;

/** Class character -> flag, for both CONFIG SET parsing and the core's notify() calls. */
const CLASS_FLAGS: Record<string, number> = {
  A: NOTIFY_ALL,
  g: NOTIFY_GENERIC,
  $: NOTIFY_STRING,
  l: NOTIFY_LIST,
  s: NOTIFY_SET,
  h: NOTIFY_HASH,
  z: NOTIFY_ZSET,
  x: NOTIFY_EXPIRED,
  e: NOTIFY_EVICTED,
  K: NOTIFY_KEYSPACE,
  E: NOTIFY_KEYEVENT,
  t: NOTIFY_STREAM,
  m: NOTIFY_KEY_MISS,
  d: NOTIFY_MODULE,
  n: NOTIFY_NEW,
};

/**
 * What a shard thread needs to filter events as they happen (sharding.ts): the class characters
 * the flags let through, plus K and E for the channel kinds; '' when nothing is notified.
 */
export function notifiedClasses(flags: number): string {
  if ((flags & (NOTIFY_KEYSPACE | NOTIFY_KEYEVENT)) === 0) return '';
  let out = '';
  for (const c of 'g$lshzxetdmnKE') if ((flags & CLASS_FLAGS[c]!) !== 0) out += c;
  return out;
}

/** notify.c keyspaceEventsStringToFlags: -1 for any character that is not a class. */
export function keyspaceEventsStringToFlags(classes: string): number {
  let flags = 0;
  for (let i = 0; i < classes.length; i++) {
    // A C string ends at its first NUL.
    if (classes.charCodeAt(i) === 0) break;
    const f = CLASS_FLAGS[classes[i]!];
    if (f === undefined) return -1;
    flags |= f;
  }
  return flags;
}

/** notify.c keyspaceEventsFlagsToString: the canonical form CONFIG GET prints. */
export function keyspaceEventsFlagsToString(flags: number): string {
  let res = '';
  if ((flags & NOTIFY_ALL) === NOTIFY_ALL) {
    res += 'A';
  } else {
    if (flags & NOTIFY_GENERIC) res += 'g';
    if (flags & NOTIFY_STRING) res += '$';
    if (flags & NOTIFY_LIST) res += 'l';
    if (flags & NOTIFY_SET) res += 's';
    if (flags & NOTIFY_HASH) res += 'h';
    if (flags & NOTIFY_ZSET) res += 'z';
    if (flags & NOTIFY_EXPIRED) res += 'x';
    if (flags & NOTIFY_EVICTED) res += 'e';
    if (flags & NOTIFY_STREAM) res += 't';
    if (flags & NOTIFY_MODULE) res += 'd';
    if (flags & NOTIFY_NEW) res += 'n';
  }
  if (flags & NOTIFY_KEYSPACE) res += 'K';
  if (flags & NOTIFY_KEYEVENT) res += 'E';
  if (flags & NOTIFY_KEY_MISS) res += 'm';
  return res;
}

// ---------------------------------------------------------------------------------------------
// client-output-buffer-limit (networking.c, config.c updateClientOutputBufferLimit)

export interface BufferLimit {
  hard: number;
  soft: number;
  softSeconds: number;
}
type ClientClass = 'normal' | 'slave' | 'pubsub';
const OBUF_CLASSES: readonly ClientClass[] = ['normal', 'slave', 'pubsub'];
export type BufferLimits = Record<ClientClass, BufferLimit>;

export function defaultBufferLimits(): BufferLimits {
  return {
    normal: { hard: 0, soft: 0, softSeconds: 0 },
    slave: { hard: 256 * 1024 * 1024, soft: 64 * 1024 * 1024, softSeconds: 60 },
    pubsub: { hard: 32 * 1024 * 1024, soft: 8 * 1024 * 1024, softSeconds: 60 },
  };
}

/** util.c memtoull: digits with an optional b/k/kb/m/mb/g/gb unit; null on error. */
function memtoull(p: string): number | null {
  const m = /^(\d*)(.*)$/s.exec(p)!;
  const mul = ({ '': 1, b: 1, k: 1000, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 } as Record<string, number>)[
    m[2]!.toLowerCase()
  ];
  if (mul === undefined) return null;
  // strtoull of no digits is 0 without EINVAL on glibc, so "mb" alone reads as 0, like Redis.
  return (m[1] === '' ? 0 : Number(m[1])) * mul;
}

/** strtoll(s, &end, 10) with *end == '\0': leading spaces and a sign allowed, nothing after. */
function strtollWhole(s: string): number | null {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)$/.exec(s);
  return m ? Number(m[1]) : null;
}

/** Parses CONFIG SET client-output-buffer-limit's value into `limits`; the error text or null. */
export function updateClientOutputBufferLimit(args: string[], limits: BufferLimits): string | null {
  if (args.length % 4 !== 0) return 'Wrong number of arguments in buffer limit configuration.';
  const values: Partial<BufferLimits> = {};
  for (let j = 0; j < args.length; j += 4) {
    const name = args[j]!.toLowerCase();
    const cls: ClientClass | undefined =
      name === 'normal' ? 'normal' : name === 'slave' || name === 'replica' ? 'slave' : name === 'pubsub' ? 'pubsub' : undefined;
    if (cls === undefined) return 'Invalid client class specified in buffer limit configuration.';
    const hard = memtoull(args[j + 1]!);
    const soft = memtoull(args[j + 2]!);
    const softSeconds = strtollWhole(args[j + 3]!);
    if (hard === null || soft === null || softSeconds === null || softSeconds < 0) {
      return 'Error in hard, soft or soft_seconds setting in buffer limit configuration.';
    }
    values[cls] = { hard, soft, softSeconds };
  }
  for (const c of OBUF_CLASSES) if (values[c]) limits[c] = values[c]!;
  return null;
}

export function bufferLimitsToString(limits: BufferLimits): string {
  return OBUF_CLASSES.map((c) => `${c} ${limits[c].hard} ${limits[c].soft} ${limits[c].softSeconds}`).join(' ');
}

/** sdssplitargs for a multi-argument parameter given as one string (no quoting needed here). */
function splitArgs(v: string): string[] {
  const t = v.trim();
  return t === '' ? [] : t.split(/\s+/);
}

// ---------------------------------------------------------------------------------------------
// Per-server state

const STATE_KEY = 'pubsub';

/** What is queued for a client while its own command runs (networking.c pending_push_messages). */
interface Pending {
  items: Reply[][];
}

export class PubSub {
  /** channel -> subscribers, in subscription order (server.pubsub_channels). */
  readonly channels = new Map<string, Set<Client>>();
  /** pattern -> subscribers (server.pubsub_patterns). */
  readonly patterns = new Map<string, Set<Client>>();
  /** shard channel -> subscribers (server.pubsubshard_channels). */
  readonly shardChannels = new Map<string, Set<Client>>();
  /** notify-keyspace-events flags. */
  notifyFlags = 0;
  /** Limits when this module owns client-output-buffer-limit; else read through the param. */
  limits: BufferLimits = defaultBufferLimits();
  /** The parameter when another module (config.ts) owns it, and the text last parsed from it. */
  private foreignLimits: Param | null = null;
  private limitsText = '';
  /** INFO stats client_output_buffer_limit_disconnections. */
  obufDisconnections = 0;
  /** When each client first went over its soft limit (unix seconds), as obuf_soft_limit_reached_time. */
  private readonly softSince = new Map<Client, number>();
  private softTimer: ReturnType<typeof setInterval> | null = null;
  private readonly pending = new Map<Client, Pending>();
  /** Publishes under way (a notification can publish inside a publish) and whom they must close. */
  private publishing = 0;
  private closing: Client[] = [];

  constructor(readonly server: MemorykvServer) {}

  // -------------------------------------------------------------------------------------------
  // Subscriptions

  /** pubsubSubscribeChannel + its confirmation. */
  subscribe(c: Client, channel: string, shard: boolean, out: Reply[][]): void {
    const mine = shard ? c.shardChannels : c.channels;
    if (!mine.has(channel)) {
      mine.add(channel);
      this.server.guards.switch(pubsubContextGuard, true);
      const all = shard ? this.shardChannels : this.channels;
      let set = all.get(channel);
      if (set === undefined) all.set(channel, (set = new Set()));
      set.add(c);
    }
    out.push([shard ? 'ssubscribe' : 'subscribe', channel, shard ? c.shardChannels.size : c.channels.size + c.patterns.size]);
  }

  /** pubsubUnsubscribeChannel; returns whether the client was subscribed. */
  unsubscribe(c: Client, channel: string, shard: boolean, out: Reply[][] | null): boolean {
    const mine = shard ? c.shardChannels : c.channels;
    let was = false;
    if (mine.delete(channel)) {
      was = true;
      const all = shard ? this.shardChannels : this.channels;
      const set = all.get(channel)!;
      set.delete(c);
      // Drop empty entries so that PUBSUB CHANNELS cannot be grown without bound.
      if (set.size === 0) all.delete(channel);
    }
    if (out !== null) {
      out.push([shard ? 'sunsubscribe' : 'unsubscribe', channel, shard ? c.shardChannels.size : c.channels.size + c.patterns.size]);
    }
    return was;
  }

  psubscribe(c: Client, pattern: string, out: Reply[][]): void {
    if (!c.patterns.has(pattern)) {
      c.patterns.add(pattern);
      this.server.guards.switch(pubsubContextGuard, true);
      let set = this.patterns.get(pattern);
      if (set === undefined) this.patterns.set(pattern, (set = new Set()));
      set.add(c);
    }
    out.push(['psubscribe', pattern, c.channels.size + c.patterns.size]);
  }

  punsubscribe(c: Client, pattern: string, out: Reply[][] | null): boolean {
    let was = false;
    if (c.patterns.delete(pattern)) {
      was = true;
      const set = this.patterns.get(pattern)!;
      set.delete(c);
      if (set.size === 0) this.patterns.delete(pattern);
    }
    if (out !== null) out.push(['punsubscribe', pattern, c.channels.size + c.patterns.size]);
    return was;
  }

  /** pubsubUnsubscribeAllChannelsInternal: with `out`, one confirmation each (or one with null). */
  unsubscribeAllChannels(c: Client, shard: boolean, out: Reply[][] | null): number {
    let count = 0;
    for (const ch of [...(shard ? c.shardChannels : c.channels)]) if (this.unsubscribe(c, ch, shard, out)) count++;
    if (out !== null && count === 0) out.push([shard ? 'sunsubscribe' : 'unsubscribe', null, shard ? c.shardChannels.size : c.channels.size + c.patterns.size]);
    return count;
  }

  unsubscribeAllPatterns(c: Client, out: Reply[][] | null): number {
    let count = 0;
    for (const p of [...c.patterns]) if (this.punsubscribe(c, p, out)) count++;
    if (out !== null && count === 0) out.push(['punsubscribe', null, c.channels.size + c.patterns.size]);
    return count;
  }

  /** Drops every subscription without telling the client (disconnect, RESET). */
  unsubscribeAll(c: Client): void {
    if (c.channels.size > 0) this.unsubscribeAllChannels(c, false, null);
    if (c.shardChannels.size > 0) this.unsubscribeAllChannels(c, true, null);
    if (c.patterns.size > 0) this.unsubscribeAllPatterns(c, null);
    this.pending.delete(c);
    this.softSince.delete(c);
  }

  // -------------------------------------------------------------------------------------------
  // Publishing

  /** pubsubPublishMessage: delivers to channel subscribers, then (unless sharded) patterns. */
  publish(channel: string, message: string, sharded = false): number {
    const subs = (sharded ? this.shardChannels : this.channels).get(channel);
    if (subs === undefined && (sharded || this.patterns.size === 0)) return 0;
    const limits = this.currentLimits();
    let receivers = 0;
    this.publishing++;
    try {
      if (subs !== undefined) {
        const kind = sharded ? 'smessage' : 'message';
        for (const c of subs) {
          this.deliver(c, [kind, channel, message], limits);
          receivers++;
        }
      }
      if (!sharded && this.patterns.size > 0) {
        for (const [pattern, clients] of this.patterns) {
          if (!globMatch(pattern, channel)) continue;
          for (const c of clients) {
            this.deliver(c, ['pmessage', pattern, channel, message], limits);
            receivers++;
          }
        }
      }
    } finally {
      // Closed after the loops (freeClientAsync): a receiver over its limit still counts.
      if (--this.publishing === 0 && this.closing.length > 0) {
        const closing = this.closing;
        this.closing = [];
        for (const c of closing) this.closeForLimit(c);
      }
    }
    return receivers;
  }

  /**
   * One message to one client. A message for the client whose command (or script) is running
   * waits until that command's reply is written (after the whole EXEC reply in a transaction), as Redis 7.2
   * queues it in server.pending_push_messages.
   */
  private deliver(c: Client, items: Reply[], limits: BufferLimits): void {
    if (c.closed) return;
    const shard = this.server.engine.shard;
    // A script's commands run as the script's own session: its caller is the one executing.
    if (shard.current === c || (shard.current !== null && scriptingState(shard).running?.caller === c)) {
      let p = this.pending.get(c);
      if (p === undefined) {
        const fresh: Pending = (p = { items: [] });
        this.pending.set(c, fresh);
        this.server.afterCommand.switch(this.afterCommandHook, true);
        // afterCommand normally writes them; this catches a command run outside processInput.
        queueMicrotask(() => {
          if (this.pending.get(c) === fresh) this.flushPending(c);
        });
      }
      p.items.push(items);
      return;
    }
    c.push(items);
    this.checkOutputLimits(c, limits);
  }

  /** Writes what a client's own command published to it. */
  flushPending(c: Client): void {
    const p = this.pending.get(c);
    if (p === undefined) return;
    this.pending.delete(c);
    if (c.closed) return;
    for (const items of p.items) c.push(items);
    this.checkOutputLimits(c);
  }

  /**
   * afterCommand: the command's reply is not written yet (processInput writes it right after),
   * so the pending messages are appended just after that reply by a one-shot reply() wrapper.
   */
  /** The after-command hook that writes them: on while any is pending (see Hooks). */
  readonly afterCommandHook: AfterCommand = (c) => this.afterCommand(c);

  afterCommand(c: Client): void {
    if (this.pending.size === 0) {
      this.server.afterCommand.switch(this.afterCommandHook, false);
      return;
    }
    const p = this.pending.get(c);
    if (p === undefined || c.closed) return;
    const prev = c.reply;
    c.reply = (r: Reply) => {
      c.reply = prev;
      prev.call(c, r);
      if (this.pending.get(c) === p) this.flushPending(c);
    };
  }

  /** notifyKeyspaceEvent: the engine's hook. */
  notify(db: number, cls: string, event: string, key: string): void {
    const flags = this.notifyFlags;
    if (flags === 0) return;
    const type = CLASS_FLAGS[cls];
    if (type === undefined || (flags & type) === 0) return;
    this.notifyAs(db, event, key, (flags & NOTIFY_KEYSPACE) !== 0, (flags & NOTIFY_KEYEVENT) !== 0);
  }

  /** An event a shard thread already filtered by the flags in force when it happened. */
  notifyAs(db: number, event: string, key: string, keyspace: boolean, keyevent: boolean): void {
    if (keyspace) this.publish(`__keyspace@${db}__:${key}`, event);
    if (keyevent) this.publish(`__keyevent@${db}__:${event}`, key);
  }

  // -------------------------------------------------------------------------------------------
  // Output buffer limits

  /** The limits in force; when config.ts owns the parameter, re-parsed whenever its text changed. */
  currentLimits(): BufferLimits {
    const p = this.foreignLimits;
    if (p !== null) {
      const text = p.get();
      if (text !== this.limitsText) {
        this.limitsText = text;
        const fresh = defaultBufferLimits();
        if (updateClientOutputBufferLimit(splitArgs(text), fresh) === null) this.limits = fresh;
      }
    }
    return this.limits;
  }

  /** getClientType for the limit classes. */
  private clientClass(c: Client): ClientClass {
    if ((c.flags.has('replica') || c.flags.has('slave')) && !c.flags.has('monitor')) return 'slave';
    return c.subscribed ? 'pubsub' : 'normal';
  }

  /** Bytes a client has pending: what the socket still holds plus what the writer has not handed it. */
  static pendingBytes(c: Client): number {
    return c.outputPending + c.writer.length;
  }

  /**
   * checkClientOutputBufferLimits + closeClientOnOutputBufferLimitReached: a client over its
   * hard limit, or over its soft limit for longer than the soft seconds, is disconnected.
   */
  checkOutputLimits(c: Client, limits: BufferLimits = this.currentLimits()): boolean {
    if (c.closed) return false;
    const limit = limits[this.clientClass(c)];
    if (limit.hard === 0 && limit.soft === 0) return false;
    const used = PubSub.pendingBytes(c);
    const hard = limit.hard > 0 && used >= limit.hard;
    let soft = limit.soft > 0 && used >= limit.soft;
    if (soft) {
      const now = Math.floor(Date.now() / 1000);
      const since = this.softSince.get(c);
      if (since === undefined) {
        this.softSince.set(c, now);
        this.startSoftTimer();
        soft = false;
      } else if (now - since <= limit.softSeconds) {
        soft = false;
      }
    } else {
      this.softSince.delete(c);
    }
    if (!hard && !soft) return false;
    if (this.publishing > 0) this.closing.push(c);
    else this.closeForLimit(c);
    return true;
  }

  private closeForLimit(c: Client): void {
    if (c.closed) return;
    this.obufDisconnections++;
    this.server.log(
      'warning',
      `Client id=${c.id} addr=${c.addr} laddr=${c.laddr} name=${c.name} scheduled to be closed ASAP for overcoming of output buffer limits.`,
    );
    this.softSince.delete(c);
    c.close();
    // Drop what is queued: a client that does not read must not hold its backlog in memory.
    c.socket.destroy();
  }

  /** clientsCron's share: a client that stays over its soft limit is closed without new output. */
  private startSoftTimer(): void {
    if (this.softTimer !== null) return;
    this.softTimer = setInterval(() => {
      for (const c of [...this.softSince.keys()]) {
        if (c.closed) this.softSince.delete(c);
        else this.checkOutputLimits(c);
      }
      if (this.softSince.size === 0) this.stopSoftTimer();
    }, 1000);
    this.softTimer.unref();
  }

  stopSoftTimer(): void {
    if (this.softTimer !== null) clearInterval(this.softTimer);
    this.softTimer = null;
  }

  detach(c: Client): void {
    this.unsubscribeAll(c);
    if (this.softSince.size === 0) this.stopSoftTimer();
  }

  /** Installs the parameters this module serves (client-output-buffer-limit only if nobody did). */
  defineParams(server: MemorykvServer): void {
    server.defineParam({
      name: 'notify-keyspace-events',
      get: () => keyspaceEventsFlagsToString(this.notifyFlags),
      set: (value: string) => {
        const flags = keyspaceEventsStringToFlags(value);
        if (flags === -1) return new ErrorReply("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
        this.notifyFlags = flags;
        server.sharding?.syncEvents();
        // The engine skips these two (they fire on every add and every miss) unless asked for.
        const shard = server.engine.shard;
        shard.notifyNew = (flags & NOTIFY_NEW) !== 0;
        shard.notifyMiss = (flags & NOTIFY_KEY_MISS) !== 0;
        return null;
      },
    });
    const existing = server.params.get('client-output-buffer-limit');
    if (existing !== undefined) {
      this.foreignLimits = existing;
    } else {
      server.defineParam({
        name: 'client-output-buffer-limit',
        get: () => bufferLimitsToString(this.limits),
        set: (value: string) => {
          const e = updateClientOutputBufferLimit(splitArgs(value), this.limits);
          return e === null ? null : new ErrorReply(e);
        },
      });
    }
    // config.ts gives both the values of the config file and command line once all modules are in.
  }
}

/** The PubSub state of a server (for INFO, CLIENT LIST, RESET, tracking redirection, Sentinel). */
export function pubsubOf(server: MemorykvServer): PubSub {
  return server.state.get(STATE_KEY) as PubSub;
}

/**
 * The PubSub of the server whose engine runs a command. Found through the shard, not the
 * session, so that a PUBLISH run by a session that is no connection (a replayed stream, an
 * in-process caller) still reaches the subscribers.
 */
const byShard = new WeakMap<object, PubSub>();

// ---------------------------------------------------------------------------------------------
// Commands

/** execCommand runs its queue with CLIENT_DENY_BLOCKING set (Shard keeps the flag private). */
function inExec(ctx: Ctx): boolean {
  return (ctx.shard as unknown as { inExec: boolean }).inExec === true;
}

/**
 * The connection a subscription is for. A client that expects one reply per command
 * (CLIENT_DENY_BLOCKING: a session that is no connection, a client flagged 'deny-blocking',
 * and anything inside EXEC) cannot subscribe, except that SUBSCRIBE and PSUBSCRIBE keep working
 * inside MULTI for backward compatibility (pubsub.c).
 */
function subscriber(ctx: Ctx, name: string, allowedInMulti: boolean): Client {
  const s = ctx.session;
  const exec = inExec(ctx);
  const deny = !(s instanceof Client) || s.flags.has('deny-blocking') || exec;
  if (deny && !(allowedInMulti && exec && s instanceof Client)) throw new ErrorReply(`ERR ${name} isn't allowed for a DENY BLOCKING client`);
  return s as Client;
}

/** UNSUBSCRIBE and friends from a session that is no connection: it has nothing to drop. */
function noSubscriptions(ctx: Ctx, kind: string): Reply {
  const argv = ctx.argv;
  if (argv.length === 1) return [kind, null, 0];
  const out: Reply[] = [];
  for (let j = 1; j < argv.length; j++) out.push([kind, argv[j]!, 0]);
  return out.length === 1 ? out[0]! : out;
}

/**
 * Sends subscribe-family confirmations. They are the command's reply, so inside EXEC they
 * become its element of the EXEC array (one confirmation, or an array of them for several).
 */
function confirm(ctx: Ctx, out: Reply[][]): Reply {
  const c = ctx.session;
  if (!(c instanceof Client) || inExec(ctx)) return out.length === 1 ? out[0]! : out;
  for (const items of out) c.push(items);
  return NO_REPLY;
}

const PUBSUB_HELP = [
  'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
  'HELP',
  '    Prints this help.',
].map((l) => new Status(l));

function stateOf(ctx: Ctx): PubSub {
  return byShard.get(ctx.shard)!;
}

/** channelList: channels matching an optional pattern. */
function channelList(ctx: Ctx, all: Map<string, Set<Client>>): Reply {
  const argv = ctx.argv;
  if (argv.length > 3) {
    return new ErrorReply(`ERR unknown subcommand or wrong number of arguments for '${argv[1]!.slice(0, 128)}'. Try PUBSUB HELP.`);
  }
  const pat = argv.length === 3 ? argv[2]! : null;
  const out: Reply[] = [];
  for (const ch of all.keys()) if (pat === null || globMatch(pat, ch)) out.push(ch);
  return out;
}

function numsub(ctx: Ctx, all: Map<string, Set<Client>>): Reply {
  const argv = ctx.argv;
  const out: Reply[] = [];
  for (let j = 2; j < argv.length; j++) out.push(argv[j]!, all.get(argv[j]!)?.size ?? 0);
  return out;
}

const subFlags = ['pubsub', 'noscript', 'loading', 'stale'] as const;
const pubsubSubFlags = ['pubsub', 'loading', 'stale'] as const;

const SPECS: Spec[] = [
  {
    name: 'subscribe',
    arity: -2,
    flags: subFlags,
    acl: ['pubsub', 'slow'],
    group: 'pubsub',
    arguments: [arg('channel', 'string', 'multiple')],
    summary: 'Listens for messages published to channels.',
    complexity: 'O(N) where N is the number of channels to subscribe to.',
    since: '2.0.0',
    handler(ctx) {
      const c = subscriber(ctx, 'SUBSCRIBE', true);
      const ps = stateOf(ctx);
      const out: Reply[][] = [];
      for (let j = 1; j < ctx.argv.length; j++) ps.subscribe(c, ctx.argv[j]!, false, out);
      return confirm(ctx, out);
    },
  },
  {
    name: 'unsubscribe',
    arity: -1,
    flags: subFlags,
    acl: ['pubsub', 'slow'],
    group: 'pubsub',
    arguments: [arg('channel', 'string', 'optional', 'multiple')],
    summary: 'Stops listening to messages posted to channels.',
    complexity: 'O(N) where N is the number of channels to unsubscribe.',
    since: '2.0.0',
    handler(ctx) {
      const c = ctx.session;
      if (!(c instanceof Client)) return noSubscriptions(ctx, 'unsubscribe');
      const ps = stateOf(ctx);
      const out: Reply[][] = [];
      if (ctx.argv.length === 1) ps.unsubscribeAllChannels(c, false, out);
      else for (let j = 1; j < ctx.argv.length; j++) ps.unsubscribe(c, ctx.argv[j]!, false, out);
      return confirm(ctx, out);
    },
  },
  {
    name: 'psubscribe',
    arity: -2,
    flags: subFlags,
    acl: ['pubsub', 'slow'],
    group: 'pubsub',
    arguments: [arg('pattern', 'pattern', 'multiple')],
    summary: 'Listens for messages published to channels that match one or more patterns.',
    complexity: 'O(N) where N is the number of patterns to subscribe to.',
    since: '2.0.0',
    handler(ctx) {
      const c = subscriber(ctx, 'PSUBSCRIBE', true);
      const ps = stateOf(ctx);
      const out: Reply[][] = [];
      for (let j = 1; j < ctx.argv.length; j++) ps.psubscribe(c, ctx.argv[j]!, out);
      return confirm(ctx, out);
    },
  },
  {
    name: 'punsubscribe',
    arity: -1,
    flags: subFlags,
    acl: ['pubsub', 'slow'],
    group: 'pubsub',
    arguments: [arg('pattern', 'pattern', 'optional', 'multiple')],
    summary: 'Stops listening to messages published to channels that match one or more patterns.',
    complexity: 'O(N) where N is the number of patterns to unsubscribe.',
    since: '2.0.0',
    handler(ctx) {
      const c = ctx.session;
      if (!(c instanceof Client)) return noSubscriptions(ctx, 'punsubscribe');
      const ps = stateOf(ctx);
      const out: Reply[][] = [];
      if (ctx.argv.length === 1) ps.unsubscribeAllPatterns(c, out);
      else for (let j = 1; j < ctx.argv.length; j++) ps.punsubscribe(c, ctx.argv[j]!, out);
      return confirm(ctx, out);
    },
  },
  {
    name: 'ssubscribe',
    arity: -2,
    flags: subFlags,
    acl: ['pubsub', 'slow'],
    group: 'pubsub',
    arguments: [arg('shardchannel', 'string', 'multiple')],
    keySpecs: [channelKeySpec(-1)],
    summary: 'Listens for messages published to shard channels.',
    complexity: 'O(N) where N is the number of shard channels to subscribe to.',
    since: '7.0.0',
    handler(ctx) {
      // No MULTI exception here, unlike SUBSCRIBE and PSUBSCRIBE (pubsub.c ssubscribeCommand).
      const c = subscriber(ctx, 'SSUBSCRIBE', false);
      const ps = stateOf(ctx);
      const out: Reply[][] = [];
      for (let j = 1; j < ctx.argv.length; j++) ps.subscribe(c, ctx.argv[j]!, true, out);
      return confirm(ctx, out);
    },
  },
  {
    name: 'sunsubscribe',
    arity: -1,
    flags: subFlags,
    acl: ['pubsub', 'slow'],
    group: 'pubsub',
    arguments: [arg('shardchannel', 'string', 'optional', 'multiple')],
    keySpecs: [channelKeySpec(-1)],
    summary: 'Stops listening to messages posted to shard channels.',
    complexity: 'O(N) where N is the number of shard channels to unsubscribe.',
    since: '7.0.0',
    handler(ctx) {
      const c = ctx.session;
      if (!(c instanceof Client)) return noSubscriptions(ctx, 'sunsubscribe');
      const ps = stateOf(ctx);
      const out: Reply[][] = [];
      if (ctx.argv.length === 1) ps.unsubscribeAllChannels(c, true, out);
      else for (let j = 1; j < ctx.argv.length; j++) ps.unsubscribe(c, ctx.argv[j]!, true, out);
      return confirm(ctx, out);
    },
  },
  {
    name: 'pubsub',
    arity: -2,
    flags: [],
    acl: ['slow'],
    group: 'pubsub',
    summary: 'A container for Pub/Sub commands.',
    complexity: 'Depends on subcommand.',
    since: '2.8.0',
    subcommands: [
      {
        name: 'channels',
        arity: -2,
        flags: pubsubSubFlags,
        acl: ['pubsub', 'slow'],
        group: 'pubsub',
        arguments: [arg('pattern', 'pattern', 'optional')],
        summary: 'Returns the active channels.',
        complexity:
          'O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)',
        since: '2.8.0',
        handler: (ctx) => channelList(ctx, stateOf(ctx).channels),
      },
      {
        name: 'numsub',
        arity: -2,
        flags: pubsubSubFlags,
        acl: ['pubsub', 'slow'],
        group: 'pubsub',
        arguments: [arg('channel', 'string', 'optional', 'multiple')],
        summary: 'Returns a count of subscribers to channels.',
        complexity: 'O(N) for the NUMSUB subcommand, where N is the number of requested channels',
        since: '2.8.0',
        handler: (ctx) => numsub(ctx, stateOf(ctx).channels),
      },
      {
        name: 'numpat',
        arity: 2,
        flags: pubsubSubFlags,
        acl: ['pubsub', 'slow'],
        group: 'pubsub',
        summary: 'Returns a count of unique pattern subscriptions.',
        complexity: 'O(1)',
        since: '2.8.0',
        handler: (ctx) => stateOf(ctx).patterns.size,
      },
      {
        name: 'shardchannels',
        arity: -2,
        flags: pubsubSubFlags,
        acl: ['pubsub', 'slow'],
        group: 'pubsub',
        arguments: [arg('pattern', 'pattern', 'optional')],
        summary: 'Returns the active shard channels.',
        complexity:
          'O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).',
        since: '7.0.0',
        handler: (ctx) => channelList(ctx, stateOf(ctx).shardChannels),
      },
      {
        name: 'shardnumsub',
        arity: -2,
        flags: pubsubSubFlags,
        acl: ['pubsub', 'slow'],
        group: 'pubsub',
        arguments: [arg('shardchannel', 'string', 'optional', 'multiple')],
        summary: 'Returns the count of subscribers of shard channels.',
        complexity: 'O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels',
        since: '7.0.0',
        handler: (ctx) => numsub(ctx, stateOf(ctx).shardChannels),
      },
      {
        name: 'help',
        arity: 2,
        flags: ['loading', 'stale'],
        acl: ['slow'],
        group: 'pubsub',
        summary: 'Returns helpful text about the different subcommands.',
        complexity: 'O(1)',
        since: '6.2.0',
        handler: () => PUBSUB_HELP,
      },
    ],
  },
];
defineCommands(...SPECS, ...publishSpecs((ctx, sharded) => stateOf(ctx).publish(ctx.argv[1]!, ctx.argv[2]!, sharded)));

// ---------------------------------------------------------------------------------------------
// The RESP2 subscribed context (server.c processCommand) and PING's reply there

/** Commands a RESP2 client with subscriptions may still run. */
const ALLOWED_IN_CONTEXT = new Set(['ping', 'subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe', 'psubscribe', 'punsubscribe', 'quit', 'reset']);

/** On while any client has a subscription (see Hooks). */
function pubsubContextGuard(client: Client, argv: string[]): ErrorReply | null {
  if (client.resp !== 2 || !client.subscribed) {
    const ps = pubsubOf(client.server);
    if (ps.channels.size + ps.patterns.size + ps.shardChannels.size === 0) client.server.guards.switch(pubsubContextGuard, false);
    return null;
  }
  // Unknown commands and wrong arities get the engine's own errors first, as in processCommand.
  const cmd = runnableCommand(argv);
  if (cmd === undefined || ALLOWED_IN_CONTEXT.has((cmd.parent ?? cmd).name)) return null;
  if (client.multi !== null) client.multiError = true;
  return new ErrorReply(
    `ERR Can't execute '${cmd.fullName.replace(/[\r\n]/g, ' ')}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
  );
}

/** Whether PING's handler is wrapped already (once per process: the table is the process's). */
let pingWrapped = false;

/** PING answers ["pong", message] to a RESP2 client with subscriptions (pingCommand). */
function wrapPing(): void {
  const ping = commands.get('ping');
  if (ping === undefined || pingWrapped || !ping.handler) return;
  const original = ping.handler;
  ping.handler = (ctx) => {
    const c = ctx.session;
    if (c instanceof Client && c.resp === 2 && c.subscribed && ctx.argv.length <= 2) {
      return ['pong', ctx.argv.length === 1 ? '' : ctx.argv[1]!];
    }
    return original(ctx);
  };
  pingWrapped = true;
}

export function install(server: MemorykvServer): void {
  const ps = new PubSub(server);
  server.state.set(STATE_KEY, ps);
  byShard.set(server.engine.shard, ps);
  ps.defineParams(server);
  wrapPing();
  server.guards.push(pubsubContextGuard, false);
  server.afterCommand.push(ps.afterCommandHook, false);
  server.onDetach.push((client) => ps.detach(client));
  server.engine.shard.onNotify = (db, cls, event, key) => ps.notify(db, cls, event, key);
}
