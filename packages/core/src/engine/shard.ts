/**
 * Shard: the databases one thread owns, and the single place where a command runs (DESIGN "The
 * path of one command"): table lookup, arity, MULTI queueing, OOM check, the handler, and the
 * effects the command produced.
 */
import { lookupCommand, type Command } from '../commands/table.ts';
import '../commands/index.ts';
import { Ctx } from '../commands/context.ts';
import { defaultConfig, setConfigValue, type EngineConfig } from '../config.ts';
import { ErrorReply, OOM, error, execAbort, unknownCommand, unknownSubcommand, wrongArity } from '../errors.ts';
import { Keyspace } from '../keyspace/keyspace.ts';
import { performEvictions } from '../keyspace/eviction.ts';
import { QUEUED, type Reply } from '../reply.ts';
import { Session } from './session.ts';

/** One effect: a deterministic argv to replay on database `db` (DESIGN invariant 3). */
export interface Effect {
  db: number;
  argv: string[];
}

export interface ShardStats {
  keyspaceHits: number;
  keyspaceMisses: number;
  expiredKeys: number;
  evictedKeys: number;
  commands: number;
}

/** Commands that run even while a MULTI is queueing (multi.c / server.c processCommand). */
const TX_CONTROL = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

export class Shard {
  readonly config: EngineConfig;
  readonly dbs: Keyspace[];
  readonly stats: ShardStats = { keyspaceHits: 0, keyspaceMisses: 0, expiredKeys: 0, evictedKeys: 0, commands: 0 };
  private clockValue = 0;
  private clockStale = true;

  /**
   * The current command's time in unix ms: read from the clock once per command, on first use
   * (a clock read costs more than a GET, and most commands never look at the time).
   */
  get now(): number {
    if (this.clockStale) {
      this.clockValue = this.clock();
      this.clockStale = false;
    }
    return this.clockValue;
  }
  set now(ms: number) {
    this.clockValue = ms;
    this.clockStale = false;
  }

  /** The time as of the last cron tick (-1 without a cron), like Redis's cached server.lruclock. */
  cronTime = -1;

  /**
   * A clock good enough for LRU/LFU words (second and minute resolution): the cron's cached time
   * when a cron runs, so a read never pays for a clock read; the command's time otherwise.
   */
  get coarseNow(): number {
    return this.cronTime >= 0 ? this.cronTime : this.now;
  }
  /** Estimated bytes of data held (keys, values, TTLs), kept incrementally. */
  used = 0;
  /**
   * Memory counted against maxmemory beyond the data (a server's own structures and client
   * buffers, as in Redis's used_memory); the transport that knows it sets it.
   */
  overhead = 0;
  /** Changes since start (Redis's server.dirty). */
  dirty = 0;
  /** Whether keys are expired here (false on replicas and while replaying effects). */
  expireEnabled = true;
  /**
   * Replaying effects (journal recovery, a primary's stream): no key counts as expired, as when
   * Redis loads or applies its master's stream (the DELs for expired keys are in the effects).
   */
  replaying = false;
  /** LFU bookkeeping instead of LRU (an LFU maxmemory-policy is set). */
  lfu = false;
  /** The session whose command is running (for CLIENT NO-TOUCH). */
  current: Session | null = null;
  /**
   * Receives each command's effects, one array per atomic group (a command, or a whole EXEC),
   * with the session whose command produced them (null for expiry and eviction outside a
   * command): a server holds that session's reply until the group is durable.
   */
  onEffects: ((effects: Effect[], session: Session | null) => void) | null = null;
  /** Called for every modified key (client-side caching invalidation, later). */
  onKeyModified: ((db: number, key: string) => void) | null = null;
  /**
   * Whether 'new' (n) and 'keymiss' (m) notifications are produced: they are not part of Redis's
   * 'A' class and fire on every added key or missed read, so they are off unless asked for.
   */
  notifyNew = false;
  notifyMiss = false;
  /** Receives keyspace notifications. */
  onNotify: ((db: number, cls: string, event: string, key: string) => void) | null = null;
  /** Eviction candidates kept between evictions, as Redis's EvictionPoolLRU. */
  evictionPool: unknown[] = [];

  private pending: Effect[] = [];
  private inExec = false;
  /**
   * A script suspended past busy-reply-threshold keeps its effects group open: what it ran so
   * far stays pending until it ends, so the whole script is still one atomic group.
   */
  holdEffects = false;

  /** True while EXEC runs its queue (blocking commands must not block, pub/sub waits for it). */
  get inTransaction(): boolean {
    return this.inExec;
  }

  constructor(
    config: Partial<EngineConfig> = {},
    readonly clock: () => number = Date.now,
  ) {
    this.config = { ...defaultConfig(), ...config };
    this.lfu = this.config['maxmemory-policy'].includes('lfu');
    this.dbs = [];
    for (let i = 0; i < this.config.databases; i++) this.dbs.push(new Keyspace(this, i));
  }

  /** CONFIG SET for engine parameters; returns an error reply or null. */
  setConfig(name: string, value: string): ErrorReply | null {
    const e = setConfigValue(this.config, name, value);
    if (e) return e;
    this.lfu = this.config['maxmemory-policy'].includes('lfu');
    if (this.config.maxmemory > 0) performEvictions(this);
    return null;
  }

  /** Runs one command for a session: the whole path from argv to reply. */
  execute(session: Session, argv: string[]): Reply {
    let cmd = lookupCommand(argv[0]!);
    if (cmd === undefined) return this.reject(session, unknownCommand(argv));
    if (cmd.sub) {
      if (argv.length < 2) return this.reject(session, wrongArity(cmd.name));
      const sub = cmd.sub.get(argv[1]!.toLowerCase());
      if (sub === undefined) return this.reject(session, unknownSubcommand(cmd.name, argv[1]!));
      cmd = sub;
    }
    const argc = argv.length;
    if (cmd.arity > 0 ? argc !== cmd.arity : argc < -cmd.arity) return this.reject(session, wrongArity(cmd.fullName), cmd);
    this.clockStale = true;
    // Replayed effects were accepted once: a replica or a recovery never evicts nor refuses them
    // (Redis skips eviction for its master and while loading).
    if (this.config.maxmemory > 0 && !this.replaying && !performEvictions(this) && this.rejectOnOom(session, cmd)) {
      this.flushEffects(session);
      return this.reject(session, OOM, cmd);
    }
    if (session.multi !== null && !TX_CONTROL.has(cmd.fullName)) {
      if (cmd.flags.includes('no_multi')) {
        return this.reject(session, error('ERR Command not allowed inside a transaction'));
      }
      session.multi.push(argv);
      return QUEUED;
    }
    const reply = this.call(session, cmd, argv);
    if (!this.inExec) this.flushEffects(session);
    return reply;
  }

  /**
   * Over maxmemory, which commands are refused (server.c processCommand): those that may grow
   * memory, EXEC when its queue holds one, and anything queued inside MULTI.
   */
  private rejectOnOom(session: Session, cmd: Command): boolean {
    if (cmd.denyoom) return true;
    const queue = session.multi;
    if (queue === null) return false;
    if (cmd.name === 'exec') return queue.some((argv) => lookupCommand(argv[0]!)?.denyoom === true);
    return cmd.name !== 'discard' && cmd.name !== 'quit' && cmd.name !== 'reset';
  }

  /**
   * An error before the command runs; inside MULTI it also dooms the transaction. A rejected
   * EXEC discards the transaction at once (server.c rejectCommand -> execCommandAbort).
   */
  private reject(session: Session, e: ErrorReply, cmd?: Command): ErrorReply {
    if (cmd?.name === 'exec') {
      session.discardMulti();
      const reason = e.message.startsWith('ERR ') ? e.message.slice(4) : e.message;
      return execAbort(reason);
    }
    if (session.multi !== null) session.multiError = true;
    return e;
  }

  /** Runs a validated command's handler (also used by EXEC for each queued command). */
  call(session: Session, cmd: Command, argv: string[]): Reply {
    const db = this.dbs[session.db]!;
    const ctx = new Ctx(this, session, db, argv, cmd);
    const dirty = this.dirty;
    this.current = session;
    let reply: Reply;
    try {
      reply = cmd.handler!(ctx);
    } catch (e) {
      if (e instanceof ErrorReply) reply = e;
      else reply = error(`ERR internal error in '${cmd.fullName}': ${(e as Error)?.message ?? e}`);
    }
    this.current = null;
    this.stats.commands++;
    if (this.dirty !== dirty && !ctx.customEffects && (cmd.write || cmd.flags.includes('may_replicate'))) {
      this.propagate(db.id, argv);
    }
    return reply;
  }

  /** Runs a MULTI queue atomically; effects of the whole transaction form one group. */
  runTransaction(session: Session, queue: string[][]): Reply[] {
    const replies: Reply[] = [];
    const outer = this.inExec;
    this.inExec = true;
    try {
      for (const argv of queue) {
        let cmd = lookupCommand(argv[0]!)!;
        if (cmd.sub) cmd = cmd.sub.get(argv[1]!.toLowerCase())!;
        replies.push(this.call(session, cmd, argv));
      }
    } finally {
      this.inExec = outer;
    }
    return replies;
  }

  /**
   * Applies a group of effects (from the journal or a primary) through the same command table.
   * Nothing expires meanwhile and nothing is propagated again.
   */
  replay(effects: readonly Effect[], session: Session = this.replaySession): void {
    const { expireEnabled, onEffects } = this;
    this.expireEnabled = false;
    this.replaying = true;
    this.onEffects = null;
    try {
      for (const e of effects) {
        session.db = e.db;
        const r = this.execute(session, e.argv);
        if (r instanceof ErrorReply) throw new Error(`replaying ${e.argv[0]} failed: ${r.message}`);
      }
    } finally {
      this.expireEnabled = expireEnabled;
      this.replaying = false;
      this.onEffects = onEffects;
    }
  }

  private readonly replaySession = new Session();

  /** Queues an effect of the running command (or of expiry/eviction outside a command). */
  propagate(db: number, argv: string[]): void {
    if (this.onEffects !== null) this.pending.push({ db, argv });
  }

  /** Hands the pending effects to the sink as one atomic group, produced by `session`'s command. */
  flushEffects(session: Session | null = null): void {
    if (this.pending.length === 0 || this.holdEffects) return;
    const group = this.pending;
    this.pending = [];
    this.onEffects!(group, session);
  }

  notify(db: number, cls: string, event: string, key: string): void {
    if (this.onNotify !== null) this.onNotify(db, cls, event, key);
  }

  /**
   * This shard is one of several: every database keeps its slot index from now on (CLUSTER
   * COUNTKEYSINSLOT, GETKEYSINSLOT; a lone shard answers them as Redis without cluster does).
   */
  indexSlots(): void {
    for (const db of this.dbs) db.indexSlots();
  }

  /** Keys across all databases. */
  get keyCount(): number {
    let n = 0;
    for (const db of this.dbs) n += db.size;
    return n;
  }
}
