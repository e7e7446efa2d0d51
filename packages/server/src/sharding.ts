/**
 * `--shards N` (issue 5, first server part): the keyspace in N shard threads (core's ShardPool,
 * the same coordination as the in-process API), this thread keeping the connections, the RESP
 * parsing and every server-level command (CLIENT, CONFIG, INFO, HELLO, ACL, pub/sub ...).
 *
 * A client's data commands — every command the core declares, but PING, ECHO and TIME, which
 * need no data — go to the shards, in per-tick batches; their replies come back in request
 * order with the rest (client.ts keeps the order). Each client has its session on every shard;
 * HELLO's protocol and SELECT's database follow it there.
 *
 * SAVE and BGSAVE snapshot every shard; each shard also follows the `save` rules given at start.
 * Blocking commands block here (blocking.ts keeps the blocked clients); their keys' shard runs
 * the non-blocking form and, when it finds nothing, keeps the client waiting there in blocking
 * order and serves it right after the command that feeds it, as Redis does. Keyspace
 * notifications and the modified keys of client-side caching come from the shards as events
 * after each batch's replies, while this thread asks for them. INFO sums every shard's keyspace,
 * memory, counters and commandstats.
 * Not yet with shards (refused with an error naming the reason, never answered wrongly): MIGRATE,
 * SNAPSHOT, DEBUG subcommands that read keys or the keyspace, MEMORY STATS, and MEMORY USAGE and
 * BGREWRITEAOF inside MULTI.
 */
import { ErrorReply, NULL_ARRAY, OK, QUEUED, Status, commands, type Reply } from '@memorykv/core';
import { commandRejection, type Command } from '../../core/src/commands/table.ts';
import { timeoutArg } from '../../core/src/commands/args.ts';
import type { EngineConfig } from '../../core/src/config.ts';
import { EVENTS, MONITOR_EVENT, NOTIFY_EVENT, SERVED_EVENT, SAVE_SHARD, SHARD_CONFIG, SHARD_OVERHEAD, SHARD_FACTS, codec, type ShardEvents } from '../../core/src/node/shard-wire.ts';
import { decodeReply, type WireReply } from '../../core/src/engine/reply-codec.ts';
import { blockSharded, nonBlockingForm, retryShardedWaits, servedSharded } from './commands/blocking.ts';
import { notifiedClasses, pubsubOf } from './commands/pubsub.ts';
import { trackingActive } from './commands/connection.ts';
import { clientUnrestricted, scriptAclCheck } from './commands/acl.ts';
import { saveRules } from './commands/persistence.ts';
import { feedScriptMonitors, memoryUsageRejection, param, resolveCommand, serverStats } from './commands/introspection.ts';
import type { ShardPool, PoolSession, ReplyReceiver } from '../../core/src/node/shard-pool.ts';
import { startShards } from '../../core/src/node/sharded-storage.ts';
import { SLOW_EVAL, SLOW_SCRIPT, allowedWhileBusy } from '../../core/src/scripting/state.ts';
import { CANCEL_BLOCKING, MEMORY_USAGE, SCRIPT_ACL, SET_NO_TOUCH, SET_RESP, TRY_BLOCKING } from '../../core/src/engine/sharded.ts';
import { CORE_COMMANDS } from '../../core/src/commands/index.ts';
import { error, execAbort } from '../../core/src/errors.ts';
import type { Client } from './client.ts';
import type { MemorykvServer } from './server.ts';

/** Core commands that touch no data: answered here, at once. */
const HERE = new Set(['ping', 'echo', 'time']);
/** Server commands that read or write keys in this thread's engine, which holds none when sharded. */
const NOT_SHARDED = new Set(['migrate', 'snapshot']);
/** DEBUG subcommands that touch no keys: this thread runs them (the rest are refused). */
const DEBUG_HERE = new Set(['help', 'log', 'sleep', 'change-repl-id', 'error', 'protocol', 'replybuffer', 'stringmatch-len', 'stringmatch-test', 'jmap', 'structsize']);
/** Snapshots of every shard (each builds its own, off its thread). */
const SNAPSHOTS = new Set(['save', 'bgsave']);

/** A reply a shard thread will give; the client writes it when its turn comes. */
export class PendingReply implements ReplyReceiver {
  done = false;
  value: Reply = null;
  /** Or the reply as RESP, encoded in the shard thread: blob[start, end). */
  blob: Uint8Array | null = null;
  start = 0;
  end = 0;
  /** The client whose replies wait for this one. */
  client: Client | null = null;

  /** Called once the reply is there (tracking's reads in flight). */
  private after: (() => void)[] | null = null;

  reply(r: Reply): void {
    this.value = r;
    this.done = true;
    this.client?.drain();
    this.ran();
  }
  bytes(blob: Uint8Array, start: number, end: number): void {
    this.blob = blob;
    this.start = start;
    this.end = end;
    this.done = true;
    this.client?.drain();
    this.ran();
  }
  whenDone(fn: () => void): void {
    if (this.done) fn();
    else (this.after ??= []).push(fn);
  }
  private ran(): void {
    const after = this.after;
    this.after = null;
    if (after !== null) for (const fn of after) fn();
  }
  error(e: Error): void {
    this.reply(error(e.message.startsWith('ERR ') ? e.message : `ERR ${e.message}`));
  }

  /** The reply as a value, once given (a reply given as RESP bytes is not: EXEC's use only). */
  settled(): Promise<Reply> {
    if (this.done) return Promise.resolve(this.value);
    return new Promise((resolve) => {
      const reply = this.reply.bind(this);
      this.reply = (r: Reply) => {
        reply(r);
        resolve(r);
      };
    });
  }
}

/** INFO's numbers summed over the shards (SHARD_FACTS). */
export interface ShardedFacts {
  used: number;
  dirty: number;
  stats: { keyspaceHits: number; keyspaceMisses: number; expiredKeys: number; evictedKeys: number };
  /** Per db index: keys, volatile keys, and the average TTL. */
  dbs: Map<number, { keys: number; expires: number; avgTtl: number }>;
  /** Per command: calls, usec, failed. */
  commands: Map<string, { calls: number; usec: number; failed: number }>;
  errors: Map<string, number>;
  /** Durable shards: the oldest last snapshot, changes since (summed), any building, snapshots. */
  persistence: { lastSave: number; changes: number; building: boolean; saves: number } | null;
}

/** maxmemory is the whole server's: each of n shards keeps its part of it. */
function shardConfig(config: Partial<EngineConfig>, n: number): Partial<EngineConfig> {
  const max = config.maxmemory ?? 0;
  return max === 0 ? config : { ...config, maxmemory: Math.max(1, Math.floor(max / n)) };
}

export interface ShardingOptions {
  shards: number;
  /** The directory the shards journal under (appendonlydir), or null: in memory. */
  dataDir: string | null;
  durability: 'always' | 'everysec' | 'no';
}

/** A client's sharded MULTI: what this thread adds to the shard's transaction (see queue()). */
interface TxTail {
  /** Data commands queued on the shards so far. */
  sent: number;
  /** The commands this thread runs at EXEC, by position in the EXEC reply (or a fixed reply). */
  local: { at: number; argv: string[] | null; reply?: Reply }[];
  /** Data commands (by their index among them) whose reply takes the blocking command's shape. */
  shapes: Map<number, (r: Reply) => Reply>;
  /** The data commands queued, as sent (tracking reads their keys at EXEC). */
  queued: string[][];
}

/** What queue() sends to the shards' transaction. */
class Send {
  constructor(readonly argv: string[]) {}
}

/** Commands that run a script, whose commands ACL checks one by one. */
const SCRIPT_RUNNERS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

/** Transaction commands: the coordinator keeps the shards' MULTI state. */
const TX_COMMANDS = new Set(['multi', 'exec', 'discard', 'watch', 'unwatch']);
/** A no_multi command (SAVE, SHUTDOWN ...) queued: refused, and the transaction with it. */
const NOT_IN_MULTI = error('ERR Command not allowed inside a transaction');

export class Sharding {
  private readonly sessions = new WeakMap<Client, PoolSession>();
  private readonly txs = new WeakMap<Client, TxTail>();
  /** Clients by their pool session id (events name the session whose command caused them). */
  private readonly clients = new Map<number, Client>();

  private constructor(
    readonly pool: ShardPool,
    private readonly server: MemorykvServer,
  ) {}

  static async start(server: MemorykvServer, o: ShardingOptions): Promise<Sharding> {
    let sharding: Sharding | null = null;
    const pool = await startShards(
      o.dataDir ?? undefined,
      {
        shards: o.shards,
        config: shardConfig(server.settings.engine, o.shards),
        resp: 2,
        durability: o.durability,
        // The `save` rules at start; CONFIG SET save reaches the shards later (configChanged).
        saveRules: saveRules(param(server, 'save')),
        log: (level, m) => server.log(level === 'warning' ? 'warning' : 'notice', m),
        // Replies leave the shard threads as RESP: this thread only copies them out.
        encoder: new URL('./resp/encoder.ts', import.meta.url).href,
        // A script's PUBLISH/SPUBLISH in a shard (the subscribers are this thread's), and the ACL
        // check of each command a script of a user with restrictions runs.
        hostCommands: new URL('./shard-commands.ts', import.meta.url).href,
        onHostCall: (_shard, argv) =>
          argv[0] === SCRIPT_ACL ? sharding!.scriptAcl(argv) : pubsubOf(server).publish(argv[1]!, argv[2]!, argv[0]!.toLowerCase() === 'spublish'),
        onShardDeath: (i) => {
          server.log('warning', `Shard ${i}'s thread stopped and was restarted; the commands waiting on it got an error`);
          // Its blocked clients' waits went with it: they wait on the new thread.
          retryShardedWaits(server, i, o.shards);
        },
        onEvents: (_shard, ev) => sharding?.onEvents(ev),
        onBusy: (busy) => {
          if (sharding !== null) sharding.busy = busy;
        },
      },
      { config: server.settings.engine },
    );
    sharding = new Sharding(pool, server);
    sharding.configChanged('busy-reply-threshold', param(server, 'busy-reply-threshold'));
    sharding.syncEvents();
    return sharding;
  }

  /** Whether argv runs on the shards (else here); a refusal when it cannot run sharded. */
  route(client: Client, argv: string[]): 'shards' | 'here' | Reply {
    const name = argv[0]!.toLowerCase();
    if (this.busy) {
      const refused = this.refuseWhileBusy(client, argv, name);
      if (refused !== null) return refused;
    }
    // A script of a user with restrictions has its commands checked here, one call from its shard
    // each (SCRIPT_ACL); inside MULTI the shard runs it with EXEC, where no mark reaches it: such
    // a script is refused there rather than run unchecked.
    if (SCRIPT_RUNNERS.has(name) && this.txs.has(client) && !clientUnrestricted(client)) {
      this.session(client).txRefused = true; // EXEC then aborts, as after any refused command
      return error(`ERR scripts of an ACL user with restrictions are not available inside MULTI when the keyspace is sharded (--shards)`);
    }
    // RESET starts the client afresh on the shards too (database 0, no MULTI, no WATCH); RESET
    // and QUIT run at once even inside MULTI, as in Redis.
    if (name === 'reset') this.resetSession(client);
    else if (name !== 'quit' && this.txs.has(client)) return 'shards'; // see queue()
    if (NOT_SHARDED.has(name)) return error(`ERR '${name}' is not available yet when the keyspace is sharded (--shards)`);
    if (name === 'debug') {
      const sub = argv[1]?.toLowerCase();
      if (sub === undefined || DEBUG_HERE.has(sub)) return 'here';
      return error(`ERR 'debug|${sub}' is not available yet when the keyspace is sharded (--shards)`);
    }
    if (name === 'memory') {
      // USAGE reads a key on its shard; STATS would need every shard's allocator view.
      const sub = argv[1]?.toLowerCase();
      if (sub === 'stats') return error(`ERR 'memory|stats' is not available yet when the keyspace is sharded (--shards)`);
      return sub === 'usage' && argv.length >= 3 ? 'shards' : 'here';
    }
    // BGREWRITEAOF rewrites the journal as a snapshot: every shard's.
    if (name === 'bgrewriteaof') return argv.length === 1 ? 'shards' : 'here';
    const cmd = commands.get(name);
    if (cmd === undefined) return 'here';
    // WAIT blocks on replicas, not keys: this thread keeps it.
    if (cmd.flags.includes('blocking')) return name === 'wait' ? 'here' : 'shards';
    if (SNAPSHOTS.has(name)) return argv.length <= (name === 'save' ? 1 : 2) ? 'shards' : 'here';
    return CORE_COMMANDS.has(name) && !HERE.has(name) ? 'shards' : 'here';
  }

  /**
   * A command inside a sharded MULTI. Data commands queue on the shards (returned, as the
   * argv to send); a blocking command queues its non-blocking form, reshaped at EXEC (Redis
   * runs it so inside MULTI); a server-level command (PUBLISH, CLIENT, CONFIG, INFO ...) queues
   * here and runs at EXEC, right after the shard's EXEC, its reply in its place.
   */
  private queue(tx: TxTail, session: PoolSession, argv: string[], name: string, cmd: Command | undefined): Reply | Send {
    if (cmd === undefined || TX_COMMANDS.has(name)) return new Send(argv);
    const form = cmd.flags.includes('blocking') ? nonBlockingForm(argv) : null;
    // A queueing error dooms the transaction, as in Redis.
    const rejected = commandRejection(argv) ?? (cmd.flags.includes('no_multi') ? NOT_IN_MULTI : null);
    if (rejected !== null) {
      session.txRefused = true;
      return rejected;
    }
    if (form !== null) {
      try {
        form.validate?.();
        timeoutArg(argv[form.timeoutIdx]!, Date.now(), form.unit);
      } catch (e) {
        // Queued; EXEC answers the error in its place, as Redis's command would.
        tx.local.push({ at: tx.sent + tx.local.length, argv: null, reply: e as Reply });
        return QUEUED;
      }
      tx.queued.push(form.attempt);
      tx.shapes.set(tx.sent++, form.shape);
      return new Send(form.attempt);
    }
    if (CORE_COMMANDS.has(name) && !HERE.has(name)) {
      tx.sent++;
      tx.queued.push(argv);
      return new Send(argv);
    }
    tx.local.push({ at: tx.sent + tx.local.length, argv });
    return QUEUED;
  }

  /** Some shard runs a busy script (ShardPool's onBusy). */
  busy = false;
  /** Clients with scripts out on the shards (how many; whether the last was EVAL): a busy one is theirs. */
  private readonly scripting = new Map<Client, { n: number; evalMode: boolean }>();

  private trackScript(client: Client, name: string, p: PendingReply): void {
    let s = this.scripting.get(client);
    if (s === undefined) this.scripting.set(client, (s = { n: 0, evalMode: false }));
    s.n++;
    s.evalMode = name.startsWith('eval');
    p.whenDone(() => {
      if (--s.n === 0) this.scripting.delete(client);
    });
  }

  /**
   * While a shard's script is busy, other clients' commands get -BUSY whichever shard they go to,
   * as from Redis's one thread (the busy shard itself refuses its own: ScriptingState). The
   * script's caller goes on: its later commands wait behind its reply. Inside MULTI the
   * transaction is doomed; its EXEC is aborted.
   */
  private refuseWhileBusy(client: Client, argv: string[], name: string): Reply | null {
    if (this.scripting.has(client) || allowedWhileBusy(argv)) return null;
    const functions = this.scripting.size > 0 && [...this.scripting.values()].every((x) => !x.evalMode);
    const e = functions ? SLOW_SCRIPT : SLOW_EVAL;
    const tx = this.txs.get(client);
    if (tx === undefined) return e;
    const session = this.session(client);
    if (name !== 'exec') {
      session.txRefused = true;
      return e;
    }
    // The shards drop the transaction (a refused one answers EXECABORT).
    session.txRefused = true;
    this.txs.delete(client);
    void this.pool.execute(session, ['EXEC']);
    return execAbort(e.message);
  }

  /** EXEC of a transaction with commands this thread runs (queue()): merged in queue order. */
  private exec(client: Client, session: PoolSession, tx: TxTail): PendingReply {
    const p = new PendingReply();
    this.pool.execute(session, ['EXEC']).then(
      async (r) => {
        if (!Array.isArray(r)) return p.reply(r);
        const out: Reply[] = [];
        let data = 0;
        for (let at = 0, l = 0; at < r.length + tx.local.length; at++) {
          const local = tx.local[l];
          if (local !== undefined && local.at === at) {
            l++;
            let reply = local.argv === null ? local.reply! : this.runInExec(client, local.argv);
            if (reply instanceof PendingReply) reply = await reply.settled();
            out.push(reply);
            continue;
          }
          const shape = tx.shapes.get(data);
          const d = r[data++]!;
          out.push(shape === undefined || d === null || d === NULL_ARRAY || d instanceof ErrorReply ? d : shape(d));
        }
        p.reply(out);
      },
      (e: Error) => p.error(e),
    );
    return p;
  }

  /**
   * A server-level command of a transaction, at its EXEC: it runs as inside EXEC (the engine's
   * flag that blocking.ts and pubsub.ts read): WAIT answers at once, SUBSCRIBE is allowed and
   * SSUBSCRIBE refused, as in Redis.
   */
  private runInExec(client: Client, argv: string[]): Reply | PendingReply {
    const shard = this.server.engine.shard as unknown as { inExec: boolean };
    const was = shard.inExec;
    shard.inExec = true;
    try {
      return this.server.execute(client, argv);
    } finally {
      shard.inExec = was;
    }
  }

  /** Whether the client is in a MULTI here (sharded, its Client's own MULTI state stays empty). */
  inMulti(client: Client): boolean {
    return this.txs.has(client);
  }

  /** The data commands of the client's transaction, for its EXEC (tracking remembers their keys). */
  queuedIn(client: Client): string[][] | null {
    return this.txs.get(client)?.queued ?? null;
  }

  /** Every command the client queued in MULTI (CLIENT LIST's multi=, multi-mem=), or null. */
  txQueue(client: Client): string[][] | null {
    const tx = this.txs.get(client);
    if (tx === undefined) return null;
    const out = tx.queued.slice();
    for (const l of tx.local) if (l.argv !== null) out.push(l.argv);
    return out;
  }

  /** The client's session on the shards, following its protocol (HELLO). */
  private session(client: Client): PoolSession {
    let session = this.sessions.get(client);
    if (session === undefined) {
      session = this.pool.createSession();
      this.sessions.set(client, session);
      this.clients.set(session.id, client);
    }
    if (session.resp !== client.resp) {
      session.resp = client.resp;
      void this.pool.execute(session, [SET_RESP, String(client.resp)]);
    }
    // CLIENT NO-TOUCH: the shards' reads leave LRU/LFU alone for this client too.
    if (session.noTouch !== client.noTouch) {
      session.noTouch = client.noTouch;
      void this.pool.execute(session, [SET_NO_TOUCH, client.noTouch ? '1' : '0']);
    }
    return session;
  }

  run(client: Client, argv: string[]): Reply | PendingReply {
    const name = argv[0]!.toLowerCase();
    const session = this.session(client);
    // In MULTI as this thread issued it (the coordinator's state may still lag behind, with
    // the EXEC waiting its turn).
    const tx = this.txs.get(client);
    if (tx === undefined) {
      if (SNAPSHOTS.has(name)) return this.snapshot(name === 'bgsave');
      if (name === 'bgrewriteaof') return this.snapshot(true, 'Background append only file rewriting started');
      if (name === 'memory') {
        const rejected = memoryUsageRejection(argv);
        if (rejected !== null) return rejected;
        argv = [MEMORY_USAGE, argv[2]!];
      }
    } else if (name === 'memory' || name === 'bgrewriteaof') {
      session.txRefused = true;
      return error(`ERR '${name}' can not run inside MULTI when the keyspace is sharded`);
    }
    const cmd = commands.get(name);
    if (tx !== undefined) {
      if (name === 'exec') {
        this.txs.delete(client);
        if (argv.length === 1 && (tx.local.length > 0 || tx.shapes.size > 0)) return this.exec(client, session, tx);
      } else if (name === 'discard' && argv.length === 1) this.txs.delete(client);
      else {
        const r = this.queue(tx, session, argv, name, cmd);
        if (!(r instanceof Send)) return r;
        argv = r.argv;
      }
    } else if (cmd !== undefined && cmd.flags.includes('blocking')) {
      // XREAD/XREADGROUP without BLOCK have no such form: they run as they are.
      const form = nonBlockingForm(argv);
      if (form !== null) return blockSharded(this.server, client, argv, cmd, form);
    } else if (name === 'multi' && argv.length === 1) this.txs.set(client, { sent: 0, local: [], shapes: new Map(), queued: [] });
    const p = new PendingReply();
    if (SCRIPT_RUNNERS.has(name) && tx === undefined && !clientUnrestricted(client)) argv = [SCRIPT_ACL, ...argv];
    if (!this.pool.send(session, argv, p, undefined, client.resp)) {
      const done = this.pool.execute(session, argv);
      done.then(
        (r) => p.reply(r),
        (e: Error) => p.error(e),
      );
    }
    // SELECT: the server's own view of the client's database (CLIENT LIST db=, MONITOR, the
    // blocking marks of writes pipelined after it) follows at once, as the shards will: an index
    // Redis's string2ll reads, in range, cannot fail there.
    if (name === 'select' && /^(0|[1-9]\d{0,9})$/.test(argv[1]!) && Number(argv[1]) < this.server.engine.shard.dbs.length) {
      client.db = Number(argv[1]);
    }
    if (SCRIPT_RUNNERS.has(name)) this.trackScript(client, name, p);
    return p;
  }

  /**
   * Asks the shards for the events this thread now needs: keyspace notifications while
   * notify-keyspace-events is set, modified keys while a client tracks keys. Called where those
   * change (pubsub.ts's parameter, connection.ts's tracking) and at start; the request goes out
   * ahead of any command issued after the change. The blocked keys' events the shards arm
   * themselves (TRY_BLOCKING).
   */
  syncEvents(): void {
    const flags = pubsubOf(this.server).notifyFlags;
    const tracking = trackingActive(this.server);
    const monitor = serverStats(this.server).monitors.size > 0;
    if (flags === this.notifyFlags && tracking === this.tracking && monitor === this.monitor) return;
    this.notifyFlags = flags;
    this.tracking = tracking;
    this.monitor = monitor;
    const notify = notifiedClasses(flags);
    for (let i = 0; i < this.pool.n; i++) void this.pool.control(i, [EVENTS, notify, tracking ? '1' : '0', monitor ? '1' : '0']);
  }
  private notifyFlags = 0;
  private tracking = false;
  private monitor = false;

  /** What a shard reported after a batch (shard-wire.ts's records). */
  onEvents(ev: ShardEvents): void {
    const server = this.server;
    const shard = server.engine.shard;
    for (let i = 0; i < ev.length; ) {
      const kind = ev[i] as number;
      if (kind === NOTIFY_EVENT) {
        // Filtered by the shard with the flags in force then (a CONFIG SET since changes nothing).
        const ke = ev[i + 5] as number;
        pubsubOf(server).notifyAs(ev[i + 1] as number, ev[i + 3] as string, ev[i + 4] as string, (ke & 1) !== 0, (ke & 2) !== 0);
        i += 6;
      } else if (kind === SERVED_EVENT) {
        const client = this.clients.get(ev[i + 1] as number);
        if (client !== undefined) servedSharded(server, client, decodeReply(codec.unpack(ev[i + 2] as Uint8Array) as WireReply));
        i += 3;
      } else if (kind === MONITOR_EVENT) {
        const n = ev[i + 2] as number;
        feedScriptMonitors(server, ev[i + 1] as number, ev.slice(i + 3, i + 3 + n) as string[]);
        i += 3 + n;
      } else {
        // Client-side caching: the hooks see whose command changed the key, as in one thread.
        shard.current = this.clients.get(ev[i + 3] as number) ?? null;
        try {
          for (const fn of server.keyModified) fn(ev[i + 1] as number, ev[i + 2] as string);
        } finally {
          shard.current = null;
        }
        i += 4;
      }
    }
  }

  /**
   * CONFIG SET of an engine parameter, or of `save`, reaches every shard, in order with the
   * commands after it. maxmemory is the whole server's: each shard gets its part.
   */
  configChanged(name: string, value: string): void {
    if (name === 'maxmemory' && value !== '0') value = String(Math.max(1, Math.floor(Number(value) / this.pool.n)));
    if (name === 'save') value = JSON.stringify(saveRules(value));
    for (let i = 0; i < this.pool.n; i++) {
      this.pool.control(i, [SHARD_CONFIG, name, value]).then(
        (r) => r instanceof ErrorReply && this.server.log('warning', `Shard ${i} refused ${name} ${value}: ${r.message}`),
        () => {},
      );
    }
  }

  /**
   * The server's own memory (startup, clients: what INFO's used_memory adds to the data), which
   * maxmemory counts as in one engine: each shard counts its part of it with its own data, sent
   * at most every 100 ms as connections come and go.
   */
  overheadChanged(bytes: number): void {
    this.overhead = bytes;
    if (this.overheadTimer !== null) return;
    this.overheadTimer = setTimeout(() => {
      this.overheadTimer = null;
      if (this.overhead === this.overheadSent) return;
      this.overheadSent = this.overhead;
      this.configChanged(SHARD_OVERHEAD, String(Math.ceil(this.overhead / this.pool.n)));
    }, this.overheadSent < 0 ? 0 : 100);
    this.overheadTimer.unref();
  }
  private overhead = 0;
  private overheadSent = -1;
  private overheadTimer: ReturnType<typeof setTimeout> | null = null;

  /** What INFO shows of the shards, summed (with `reset`: CONFIG RESETSTAT first). */
  async facts(reset = false): Promise<ShardedFacts> {
    const argv = reset ? [SHARD_FACTS, 'reset'] : [SHARD_FACTS];
    const all = await Promise.all(Array.from({ length: this.pool.n }, (_, i) => this.pool.control(i, argv)));
    const f: ShardedFacts = {
      used: 0,
      dirty: 0,
      stats: { keyspaceHits: 0, keyspaceMisses: 0, expiredKeys: 0, evictedKeys: 0 },
      dbs: new Map(),
      commands: new Map(),
      errors: new Map(),
      persistence: null,
    };
    type Facts = [number, number, number[], number[][], [string, number, number, number][], [string, number][], number[]];
    for (const r of all) {
      if (!Array.isArray(r)) throw new Error(r instanceof ErrorReply ? r.message : 'a shard gave no facts');
      const [used, dirty, [hits, misses, expired, evicted], dbs, commands, errors, persistence] = r as unknown as Facts;
      if (persistence.length > 0) {
        const [lastSave, changes, building, saves] = persistence as [number, number, number, number];
        const p = (f.persistence ??= { lastSave, changes: 0, building: false, saves: 0 });
        p.lastSave = Math.min(p.lastSave, lastSave);
        p.changes += changes;
        p.building ||= building === 1;
        p.saves += saves;
      }
      f.used += used;
      f.dirty += dirty;
      f.stats.keyspaceHits += hits!;
      f.stats.keyspaceMisses += misses!;
      f.stats.expiredKeys += expired!;
      f.stats.evictedKeys += evicted!;
      for (const [id, keys, expires, avgTtl] of dbs) {
        const d = f.dbs.get(id!) ?? { keys: 0, expires: 0, avgTtl: 0 };
        // The average TTL weighted by each shard's volatile keys.
        const total = d.expires + expires!;
        d.avgTtl = total === 0 ? 0 : Math.round((d.avgTtl * d.expires + avgTtl! * expires!) / total);
        d.keys += keys!;
        d.expires = total;
        f.dbs.set(id!, d);
      }
      for (const [name, calls, usec, failed] of commands) {
        const c = f.commands.get(name) ?? { calls: 0, usec: 0, failed: 0 };
        c.calls += calls;
        c.usec += usec;
        c.failed += failed;
        f.commands.set(name, c);
      }
      for (const [code, n] of errors) f.errors.set(code, (f.errors.get(code) ?? 0) + n);
    }
    return f;
  }

  /** A blocking command's attempt on its keys' shard; found nothing, the client waits there. */
  tryBlocking(client: Client, attempt: string[]): Promise<Reply> {
    return this.pool.execute(this.session(client), [TRY_BLOCKING, ...attempt]);
  }

  /** The client stops waiting on its keys' shard: 1, or 0 when it was served meanwhile. */
  cancelBlocking(client: Client, attempt: string[]): Promise<Reply> {
    return this.pool.execute(this.session(client), [CANCEL_BLOCKING, ...attempt]);
  }

  /**
   * SAVE: every shard builds a snapshot of what it acknowledged (each in its own builder thread)
   * and SAVE answers once all are verified. BGSAVE answers at once; a failure is logged.
   */
  private snapshot(background: boolean, started = 'Background saving started'): PendingReply {
    const p = new PendingReply();
    const all = Promise.all(Array.from({ length: this.pool.n }, (_, i) => this.pool.control(i, [SAVE_SHARD]))).then((rs) => {
      const failed = rs.find((r) => r instanceof ErrorReply);
      if (failed !== undefined) throw new Error((failed as ErrorReply).message);
    });
    if (background) {
      p.reply(new Status(started));
      all.catch((e: Error) => this.server.log('warning', `Background saving error: ${e.message}`));
    } else {
      all.then(
        () => p.reply(OK),
        (e: Error) => p.reply(error(`ERR ${e.message.replace(/^ERR /, '')}`)),
      );
    }
    return p;
  }

  /** RESET: the client's sessions on the shards end; its next command starts new ones. */
  private resetSession(client: Client): void {
    this.txs.delete(client);
    this.detach(client);
    this.sessions.delete(client);
  }

  /**
   * [SCRIPT_ACL, session id, log 1|0, ...argv]: may the script of that session's client run
   * argv? The NOPERM text (its denial logged as 'lua' when asked), or null.
   */
  scriptAcl(call: string[]): string | null {
    const client = this.clients.get(Number(call[1]));
    if (client === undefined) return 'the client is gone';
    const argv = call.slice(3);
    const cmd = resolveCommand(argv);
    if (cmd === undefined) return null; // the script's call answers "Unknown Redis command" itself
    return scriptAclCheck(client, cmd, argv, call[2] === '1');
  }

  detach(client: Client): void {
    const s = this.sessions.get(client);
    if (s === undefined) return;
    this.clients.delete(s.id);
    this.pool.endSession(s);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
