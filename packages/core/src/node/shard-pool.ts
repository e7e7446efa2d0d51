/**
 * ShardPool: the worker driver of a sharded keyspace (issue 5). Each shard is a worker thread
 * launched and supervised by its own Piscina (min = max = 1 thread, no idle timeout, atomics
 * disabled so the worker's event loop runs); the pool's first task hands the worker a
 * MessagePort, which then carries batches both ways (node/shard-worker.ts).
 *
 * Commands are coordinated by engine/sharded.ts's `coordinate` (the same code the in-thread
 * ShardedEngine runs). What it asks of the shards in one event-loop turn leaves as one message
 * per shard, never one per command: a hop between threads costs ~30 µs, far more than a GET.
 *
 * Ordering: this thread is the only one that sends to shards, and each shard runs its messages
 * in order, so commands are serialized in the order they were issued, on every shard alike. A
 * multi-shard MSET therefore reaches every shard at the same point of the order: no reader's
 * MGET can see half of it. The two commands whose coordination takes more than one round trip
 * and must see nothing in between (a multi-shard MSETNX: check, then set; EXEC: the WATCH check
 * of the other shards, then EXEC) run alone: later commands wait until they are done.
 */
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { EngineConfig } from '../config.ts';
import { decodeReply, type WireReply } from '../engine/reply-codec.ts';
import { coordinate, ShardedSession, type Ask, type Plan } from '../engine/sharded.ts';
import { route } from '../engine/router.ts';
import type { Reply } from '../reply.ts';
import { ErrorReply } from '../errors.ts';
import type { ShardTask } from './shard-worker.ts';
import { newHostCell, serveHostCalls } from './shard-host.ts';
import { CLOSE_SHARD, LATE, RAW, RESP2, RESP3, SETTLE, codec, type Batch, type ShardEvents } from './shard-wire.ts';
import type { OpenOptions } from '../api/database.ts';
import type { LogLevel } from '../durability/durability.ts';
import { RedisError, settle } from '../api/client.ts';
import type { Decode } from '../reply.ts';

export interface ShardPoolOptions {
  shards: number;
  /** Shard i's data directory (its journal and snapshots); without it shards live in memory. */
  shardPath?: (index: number) => string;
  durability?: OpenOptions['durability'];
  saveRules?: OpenOptions['saveRules'];
  snapshotRetentionDays?: number;
  log?: (level: LogLevel, message: string) => void;
  /** A module URL exporting a RESP `ReplyWriter` (the server's): see send()'s `resp`. */
  encoder?: string;
  /**
   * A module URL each shard imports to add commands that scripts call and the host answers
   * (shard-host.ts: the server's PUBLISH and SPUBLISH), and the host's answer to such a call (or
   * to a SCRIPT_ACL check).
   */
  hostCommands?: string;
  onHostCall?: (shard: number, argv: string[]) => Reply;
  /**
   * What shards report besides replies (shard-wire.ts's events: notifications, modified keys,
   * scripts' commands for MONITOR, the replies of blocked clients served there), after the
   * replies of the batch that caused them.
   */
  onEvents?: (shard: number, events: ShardEvents) => void;
  /**
   * A shard's script went busy (its reply marked LATE, see lateReply), or the last busy one
   * ended: Redis refuses other clients' commands meanwhile, whichever shard they go to.
   */
  onBusy?: (busy: boolean) => void;
  /** A shard's thread died (it is restarted; the commands that waited on it failed). */
  onShardDeath?: (shard: number) => void;
  config?: Partial<EngineConfig>;
  activeExpire?: boolean;
  resp?: 2 | 3;
}

/** A client of the pool: its coordinator state and its id in the shards' session maps. */
export class PoolSession extends ShardedSession {
  constructor(readonly id: number) {
    // Its sessions on the shards live in the shard threads, under its id.
    super(0);
  }
}

interface Job {
  session: PoolSession;
  argv: string[];
  /** Settle for the in-process API (its decode), or null: the raw Reply. */
  decode: Decode | null;
  /** A request to this one shard itself (control()), or -1: coordinated. */
  shard: number;
  resolve: (r: unknown) => void;
  reject: (e: Error) => void;
}

interface Running {
  plan: Plan;
  job: Job;
  replies: Reply[];
  missing: number;
  /** The shard settled the reply already (a final ask of a job that settles). */
  settled: boolean;
  /** A shard it waited on died: the job was rejected, later replies are ignored. */
  failed: boolean;
  /** No longer counted as running (done, failed, or waiting for a late reply: see release()). */
  released?: boolean;
}


/**
 * A command one shard answers alone, sent without a coordination plan (the common case, and the
 * hot path: no generator, no job, no promise of its own).
 */
class Direct {
  failed = false;
  /** No longer counted as running (see release()). */
  released = false;
  constructor(
    readonly to: ReplyReceiver,
    /** The shard converted the reply already (for the in-process API). */
    readonly settled: boolean,
    /** The shard encoded it as RESP: its bytes are a range of the message's buffer. */
    readonly encoded: boolean,
  ) {}
}

/** Who gets a command's reply on the hot path (an object, not closures: no allocation per call). */
export interface ReplyReceiver {
  reply(r: Reply): void;
  error(e: Error): void;
  /** RESP bytes (send()'s `resp`): blob[start, end); the blob is shared with other replies. */
  bytes?(blob: Uint8Array, start: number, end: number): void;
}

/** The in-process API's promise for a settled reply ({ e } is an error reply). */
class Settle implements ReplyReceiver {
  constructor(
    readonly resolve: (v: unknown) => void,
    readonly reject: (e: Error) => void,
  ) {}
  reply(r: Reply): void {
    if (r !== null && typeof r === 'object' && 'e' in r) this.reject(new RedisError((r as { e: string }).e));
    else this.resolve(r);
  }
  error(e: Error): void {
    this.reject(e);
  }
}

/** The raw Reply of execute(). */
class Resolve implements ReplyReceiver {
  constructor(
    readonly resolve: (v: unknown) => void,
    readonly reject: (e: Error) => void,
  ) {}
  reply(r: Reply): void {
    this.resolve(r);
  }
  error(e: Error): void {
    this.reject(e);
  }
}

/** What a reply of a batch completes: a plan's ask (run, index), or a Direct. */
type Slot = [Running, number] | Direct;

/** The reply slot of a session's end: nothing waits for it. */
const END_SESSION: Slot = [null as unknown as Running, -1];

/** Commands the coordinator treats apart even when one shard answers them. */
const COORDINATED = new Set(['multi', 'exec', 'discard', 'select', 'swapdb', 'unwatch']);

/**
 * One shard thread and the port to it. A thread that dies (its port closes) is reported, the
 * commands waiting on it fail with an error instead of hanging, and a new thread takes the shard
 * over (Piscina starts it: minThreads 1); commands issued meanwhile wait for it. (Its data is gone with it until shards journal.)
 */
class ShardLink {
  readonly out: Batch = [];
  /** What each reply of the sent batches completes, in order. */
  waiting: Slot[][] = [];
  pendingOut: Slot[] = [];
  /** Replies a batch marked LATE (a busy script's), by token: they come alone. */
  readonly late = new Map<number, Slot>();
  port: MessagePort | null = null;
  restarts = 0;

  constructor(
    readonly index: number,
    readonly pool: Piscina,
    private readonly task: Omit<ShardTask, 'port'>,
    private readonly owner: ShardPool,
  ) {}

  async connect(): Promise<void> {
    const { port1, port2 } = new MessageChannel();
    // Each thread its own host port and cell (shard-host.ts): a new thread numbers afresh.
    let host: { port: MessagePort; cell: SharedArrayBuffer } | null = null;
    const transferList: MessagePort[] = [port2];
    const task: ShardTask = { ...this.task, port: port2 };
    if (this.task.hostCommands !== undefined) {
      const channel = new MessageChannel();
      host = { port: channel.port1, cell: newHostCell() };
      task.hostPort = channel.port2;
      task.hostCell = host.cell;
      transferList.push(channel.port2);
    }
    await this.pool.run(task, { transferList });
    if (host !== null) {
      serveHostCalls(host.port, host.cell, (argv) => this.owner.hostCall(this.index, argv));
      // Like the batch port, it does not keep the process up by itself.
      host.port.unref();
    }
    port1.on('message', (m: Uint8Array | { log: [LogLevel, string] } | { events: ShardEvents } | LateReply) => {
      if (m instanceof Uint8Array) this.owner.onReplies(this, codec.unpack(m) as WireReply[]);
      else if ('events' in m) this.owner.onEvents(this.index, m.events);
      else if ('late' in m) this.owner.onLate(this, m);
      else this.owner.log(m.log[0], m.log[1]);
    });
    // The thread's exit, not the port's close: a terminated thread does not close its ports.
    this.pool.threads[0]!.once('exit', () => {
      host?.port.close();
      if (this.port === port1) this.owner.onShardDeath(this);
    });
    this.port = port1;
  }
}

export class ShardPool {
  private readonly links: ShardLink[] = [];
  private nextSession = 0;
  private scheduled = false;
  /** Commands not started yet, in issue order (only while an exclusive one runs or waits). */
  private readonly queued: Job[] = [];
  private running = 0;
  private exclusive = false;
  private closed = false;

  private constructor(private readonly options: ShardPoolOptions) {}

  static async start(options: ShardPoolOptions): Promise<ShardPool> {
    const pool = new ShardPool(options);
    for (let index = 0; index < options.shards; index++) {
      const piscina = new Piscina({
        filename: new URL('./shard-worker-entry.mjs', import.meta.url).href,
        minThreads: 1,
        maxThreads: 1,
        idleTimeout: Number.MAX_SAFE_INTEGER,
        atomics: 'disabled',
        // The young generation memorykv-server's own thread runs with (its #! line's
        // --max-semi-space-size=2: 2MB semi-spaces, which V8 counts as 6MB here): a shard thread
        // holds the keyspace, so what its scavenges copy survives, and their pauses grow with it.
        // (2 shards, bench/shards.ts, two A/B pairs: server SET -P 16 351/417k -> 427/443k, GET
        // 427/461k -> 493/516k; the heavy commands and the in-process API within the noise.)
        resourceLimits: { maxYoungGenerationSizeMb: 6 },
      });
      const task = {
        index,
        shards: options.shards,
        config: options.config,
        activeExpire: options.activeExpire,
        resp: options.resp ?? 3,
        path: options.shardPath?.(index),
        durability: options.durability,
        saveRules: options.saveRules,
        snapshotRetentionDays: options.snapshotRetentionDays,
        encoder: options.encoder,
        hostCommands: options.onHostCall !== undefined ? options.hostCommands : undefined,
      };
      pool.links.push(new ShardLink(index, piscina, task, pool));
    }
    try {
      await Promise.all(pool.links.map((l) => l.connect()));
    } catch (e) {
      // A shard that cannot open (its journal is locked or broken): none of them serves.
      await pool.close().catch(() => {});
      throw e;
    }
    return pool;
  }

  /** The worker threads, shard by shard (supervision, tests). */
  threads(): Worker[] {
    return this.links.map((l) => l.pool.threads[0]!);
  }

  /** How often each shard's thread was replaced after dying. */
  restarts(): number[] {
    return this.links.map((l) => l.restarts);
  }

  /** A shard's thread died: fail what waited on it, start another. */
  onShardDeath(link: ShardLink): void {
    link.port = null;
    const lost = [...link.waiting.flat(), ...link.late.values()];
    link.waiting = [];
    this.lateEnded(link.late.size);
    link.late.clear();
    if (this.closed) return;
    link.restarts++;
    this.options.onShardDeath?.(link.index);
    this.fail(lost, new RedisError(`ERR shard ${link.index} stopped while running the command; it was restarted`));
    link.connect().then(
      () => this.schedule(),
      // No thread could be started: what waits for this shard fails.
      (e: Error) => this.fail(link.pendingOut.splice(0), new RedisError(`ERR shard ${link.index} could not be restarted: ${e.message}`)),
    );
  }

  private fail(slots: Slot[], error: RedisError): void {
    for (const slot of slots) {
      if (slot instanceof Direct) {
        if (slot.failed) continue;
        slot.failed = true;
        this.release(slot);
        slot.to.error(error);
        continue;
      }
      const [run] = slot;
      if (slot === END_SESSION || run.failed) continue;
      run.failed = true;
      this.release(run);
      run.job.reject(error);
    }
  }

  get n(): number {
    return this.links.length;
  }

  createSession(): PoolSession {
    return new PoolSession(this.nextSession++);
  }

  /** Ends a client's sessions on the shards (its MULTI and WATCHes with them). */
  endSession(session: PoolSession): void {
    if (this.closed) return;
    for (const link of this.links) {
      link.out.push([-session.id - 1, [], RAW]);
      link.pendingOut.push(END_SESSION);
    }
    this.schedule();
  }

  /** Runs a command; resolves with its Reply. */
  execute(session: PoolSession, argv: string[]): Promise<Reply> {
    return this.submit(session, argv, null) as Promise<Reply>;
  }

  /** Runs a command for the in-process API: resolves with settle()'s value, rejects with its RedisError. */
  settle(session: PoolSession, argv: string[], decode: Decode): Promise<unknown> {
    return this.submit(session, argv, decode);
  }

  private submit(session: PoolSession, argv: string[], decode: Decode | null): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      if (this.closed) return reject(new RedisError('ERR the database is closed'));
      if (decode === null ? this.send(session, argv, new Resolve(resolve, reject)) : this.send(session, argv, new Settle(resolve, reject), decode)) return;
      const job: Job = { session, argv, decode, shard: -1, resolve, reject };
      if (this.queued.length > 0 || this.exclusive) this.queued.push(job);
      else this.begin(job);
    });
  }

  /**
   * The hot path: a command that one shard answers alone, with nothing queued before it, goes
   * straight into that shard's batch; `to` gets its Reply (or, with `decode`, the value the
   * in-process API returns, an error reply as { e }; or with `resp`, the reply as RESP bytes, a
   * Uint8Array, when the pool has an encoder). Returns false when the command needs the
   * coordinator (execute() then).
   */
  send(session: PoolSession, argv: string[], to: ReplyReceiver, decode?: Decode, resp?: 2 | 3): boolean {
    if (this.closed || this.queued.length > 0 || this.exclusive) return false;
    let shard = 0;
    if (this.n > 1) {
      if (session.multi !== null || argv[0]!.charCodeAt(0) === 0 || COORDINATED.has(argv[0]!.toLowerCase())) return false;
      const r = route(argv, this.n);
      if (r.kind !== 'one') return false;
      shard = r.shard;
    }
    this.running++;
    const link = this.links[shard]!;
    const encoded = resp !== undefined && this.options.encoder !== undefined && to.bytes !== undefined;
    const settled = decode !== undefined;
    link.out.push([session.id, argv, encoded ? (resp === 3 ? RESP3 : RESP2) : settled ? SETTLE.indexOf(decode, 1) : RAW]);
    link.pendingOut.push(new Direct(to, settled, encoded));
    this.schedule();
    return true;
  }

  /** Whether a command must run with nothing else in flight (see the header). */
  private isExclusive(job: Job): boolean {
    if (this.n === 1 || job.shard >= 0) return false;
    const name = job.argv[0]!.toLowerCase();
    if (name === 'exec') return job.session.multi !== null;
    return name === 'msetnx' && route(job.argv, this.n).kind !== 'one';
  }

  /** A call of a shard's script to the host (shard-host.ts), answered at once. */
  hostCall(shard: number, argv: string[]): Reply {
    const run = this.options.onHostCall;
    return run === undefined ? new ErrorReply(`ERR '${argv[0]}' has no host here`) : run(shard, argv);
  }

  onEvents(shard: number, events: ShardEvents): void {
    this.options.onEvents?.(shard, events);
  }

  log(level: LogLevel, message: string): void {
    this.options.log?.(level, message);
  }

  /** A request to one shard itself (SAVE_SHARD, CLOSE_SHARD), in order with the commands. */
  control(shard: number, argv: string[]): Promise<Reply> {
    return new Promise<unknown>((resolve, reject) => {
      const job: Job = { session: this.controlSession, argv, decode: null, shard, resolve, reject };
      if (this.queued.length > 0 || this.exclusive) this.queued.push(job);
      else this.begin(job);
    }) as Promise<Reply>;
  }

  // An id no client gets (clients count up from 0; below 0 ends a session).
  private readonly controlSession = new PoolSession(0x7fffffff);

  private begin(job: Job): void {
    if (this.isExclusive(job)) {
      if (this.running > 0) {
        this.queued.push(job);
        return;
      }
      this.exclusive = true;
    }
    this.running++;
    const plan = job.shard >= 0 ? single(job.argv, job.shard) : this.n === 1 ? single(job.argv, 0) : coordinate(job.session, job.argv, this.n);
    this.advance({ plan, job, replies: [], missing: 0, settled: false, failed: false }, undefined);
  }

  private advance(run: Running, replies: Reply[] | undefined): void {
    let step: IteratorResult<Ask[], Reply>;
    try {
      step = replies === undefined ? run.plan.next() : run.plan.next(replies);
    } catch (e) {
      this.release(run);
      run.job.reject(e as Error);
      return;
    }
    if (step.done) {
      this.release(run);
      const { job } = run;
      const r = step.value;
      if (run.settled) {
        if (r !== null && typeof r === 'object' && 'e' in r) job.reject(new RedisError((r as { e: string }).e));
        else job.resolve(r);
      } else if (job.decode === null) job.resolve(r);
      else {
        try {
          job.resolve(settle(r, job.decode));
        } catch (e) {
          job.reject(e as Error);
        }
      }
      return;
    }
    const asks = step.value;
    run.replies = new Array(asks.length);
    run.missing = asks.length;
    const how = asks.length === 1 && asks[0]!.final === true && run.job.decode !== null ? SETTLE.indexOf(run.job.decode, 1) : RAW;
    run.settled = how !== RAW;
    asks.forEach((a, i) => {
      const link = this.links[a.shard]!;
      link.out.push([run.job.session.id, a.argv, how]);
      link.pendingOut.push([run, i]);
    });
    this.schedule();
  }

  private finish(): void {
    this.running--;
    this.exclusive = false;
    while (this.queued.length > 0 && !this.exclusive) {
      const next = this.queued[0]!;
      if (this.isExclusive(next) && this.running > 0) break;
      this.queued.shift();
      this.begin(next);
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // After the current turn's commands have been issued: one message per shard per turn.
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    for (const link of this.links) {
      // A restarting shard keeps its batch until its new thread is there.
      if (link.out.length === 0 || link.port === null) continue;
      const batch = link.out.splice(0);
      link.waiting.push(link.pendingOut);
      link.pendingOut = [];
      link.port.postMessage(Uint8Array.prototype.slice.call(codec.pack(batch)));
    }
  }

  onReplies(link: ShardLink, out: WireReply[]): void {
    const targets = link.waiting.shift()!;
    // Encoded replies' bytes come in one buffer after the entries (shard-worker.ts).
    const blob = out.length > targets.length ? (out[targets.length] as unknown as Uint8Array) : null;
    let start = 0;
    for (let i = 0; i < targets.length; i++) {
      const slot = targets[i]!;
      if (slot instanceof Direct) {
        if (slot.encoded) {
          const end = out[i] as number;
          if (typeof end !== 'number') {
            this.lateReply(link, end, slot);
            continue;
          }
          if (!slot.failed) {
            this.release(slot);
            slot.to.bytes!(blob!, start, end);
          }
          start = end;
          continue;
        }
        if (isLate(out[i])) {
          this.lateReply(link, out[i], slot);
          continue;
        }
        if (slot.failed) continue;
        this.release(slot);
        slot.to.reply(slot.settled ? (out[i] as Reply) : decodeReply(out[i]!));
        continue;
      }
      const [run, at] = slot;
      if (at < 0 || run.failed) continue;
      if (isLate(out[i])) {
        this.lateReply(link, out[i], slot);
        continue;
      }
      run.replies[at] = run.settled ? (out[i] as Reply) : decodeReply(out[i]!);
      if (--run.missing === 0) this.advance(run, run.replies);
    }
  }

  /**
   * A reply its batch marked LATE (a busy script's) comes alone, maybe much later: meanwhile its
   * command no longer counts as running, so an exclusive command (EXEC) does not wait for it —
   * the script's shard answers that one -BUSY, as Redis would.
   */
  private lateReply(link: ShardLink, mark: unknown, slot: Slot): void {
    link.late.set(lateToken(mark), slot);
    if (this.lates++ === 0) this.options.onBusy?.(true);
    if (slot instanceof Direct) this.release(slot);
    else this.release(slot[0]);
  }

  /** A command stops counting as running, once. */
  private release(x: Direct | Running): void {
    if (x.released === true) return;
    x.released = true;
    this.finish();
  }

  /** Replies marked LATE still to come, over every shard. */
  private lates = 0;

  private lateEnded(n: number): void {
    if (n === 0) return;
    this.lates -= n;
    if (this.lates === 0) this.options.onBusy?.(false);
  }

  /** A reply its batch marked LATE. */
  onLate(link: ShardLink, m: LateReply): void {
    const slot = link.late.get(m.late);
    if (slot === undefined) return;
    link.late.delete(m.late);
    this.lateEnded(1);
    const value = codec.unpack(m.reply) as WireReply;
    if (slot instanceof Direct) {
      if (slot.failed) return;
      if (slot.encoded) {
        const bytes = m.encoded ? (value as unknown as Uint8Array) : new Uint8Array(0);
        slot.to.bytes!(bytes, 0, bytes.length);
      } else slot.to.reply(slot.settled ? (value as Reply) : decodeReply(value));
      return;
    }
    const [run, at] = slot;
    if (run.failed) return;
    run.replies[at] = run.settled ? (value as Reply) : decodeReply(value);
    if (--run.missing === 0) this.advance(run, run.replies);
  }

  /**
   * Stops the shard threads. Commands issued before close() settle first; durable shards close
   * their journals (after a final snapshot: `save`, default as their save rules say).
   */
  async close(save?: boolean): Promise<void> {
    if (this.closed) return;
    const closing = this.links.map((l) => (l.port === null ? Promise.resolve(null) : this.control(l.index, save === undefined ? [CLOSE_SHARD] : [CLOSE_SHARD, save ? '1' : '0'])));
    this.closed = true;
    await Promise.allSettled(closing);
    while (this.running > 0 || this.queued.length > 0) await new Promise((r) => setTimeout(r, 1));
    await Promise.all(
      this.links.map(async (link) => {
        const port = link.port;
        link.port = null;
        port?.close();
        await link.pool.destroy();
      }),
    );
  }
}

interface LateReply {
  late: number;
  reply: Uint8Array;
  encoded: boolean;
}

function isLate(x: unknown): boolean {
  return typeof x === 'object' && x !== null && LATE in x;
}

function lateToken(x: unknown): number {
  return (x as Record<string, number>)[LATE]!;
}

/** One shard: the command as it is. */
function* single(argv: string[], shard: number): Plan {
  return (yield [{ shard, argv, final: true }])[0]!;
}
