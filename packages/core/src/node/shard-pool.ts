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
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { EngineConfig } from '../config.ts';
import { decodeReply, type WireReply } from '../engine/reply-codec.ts';
import { coordinate, ShardedSession, type Ask, type Plan } from '../engine/sharded.ts';
import { route } from '../engine/router.ts';
import type { Reply } from '../reply.ts';
import type { Batch, ShardTask } from './shard-worker.ts';

export interface ShardPoolOptions {
  shards: number;
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
  resolve: (r: Reply) => void;
  reject: (e: Error) => void;
}

interface Running {
  plan: Plan;
  job: Job;
  replies: Reply[];
  missing: number;
}

/** The reply slot of a session's end: nothing waits for it. */
const END_SESSION: [Running, number] = [null as unknown as Running, -1];

class ShardLink {
  readonly out: Batch = [];
  /** What each reply of the sent batches completes, in order. */
  readonly waiting: [Running, number][][] = [];
  pendingOut: [Running, number][] = [];

  constructor(
    readonly pool: Piscina,
    readonly port: MessagePort,
  ) {}
}

export class ShardPool {
  private readonly links: ShardLink[];
  private nextSession = 0;
  private scheduled = false;
  /** Commands not started yet, in issue order (only while an exclusive one runs or waits). */
  private readonly queued: Job[] = [];
  private running = 0;
  private exclusive = false;
  private closed = false;

  private constructor(links: ShardLink[]) {
    this.links = links;
    links.forEach((link) => link.port.on('message', (out: WireReply[]) => this.onReplies(link, out)));
  }

  static async start(options: ShardPoolOptions): Promise<ShardPool> {
    const n = options.shards;
    const links = await Promise.all(
      Array.from({ length: n }, async (_, index) => {
        const pool = new Piscina({
          filename: new URL('./shard-worker-entry.mjs', import.meta.url).href,
          minThreads: 1,
          maxThreads: 1,
          idleTimeout: Number.MAX_SAFE_INTEGER,
          atomics: 'disabled',
        });
        const { port1, port2 } = new MessageChannel();
        const task: ShardTask = { port: port2, index, config: options.config, activeExpire: options.activeExpire, resp: options.resp ?? 3 };
        await pool.run(task, { transferList: [port2] });
        return new ShardLink(pool, port1);
      }),
    );
    return new ShardPool(links);
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
      link.out.push([-session.id - 1, []]);
      link.pendingOut.push(END_SESSION);
    }
    this.schedule();
  }

  execute(session: PoolSession, argv: string[]): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      if (this.closed) return reject(new Error('ERR the database is closed'));
      const job: Job = { session, argv, resolve, reject };
      if (this.queued.length > 0 || this.exclusive) this.queued.push(job);
      else this.begin(job);
    });
  }

  /** Whether a command must run with nothing else in flight (see the header). */
  private static isExclusive(job: Job): boolean {
    const name = job.argv[0]!.toLowerCase();
    if (name === 'exec') return job.session.multi !== null;
    return name === 'msetnx' && route(job.argv, 2).kind !== 'one';
  }

  private begin(job: Job): void {
    if (ShardPool.isExclusive(job) && this.n > 1) {
      if (this.running > 0) {
        this.queued.push(job);
        return;
      }
      this.exclusive = true;
    }
    this.running++;
    const plan = this.n === 1 ? single(job.argv) : coordinate(job.session, job.argv, this.n);
    this.advance({ plan, job, replies: [], missing: 0 }, undefined);
  }

  private advance(run: Running, replies: Reply[] | undefined): void {
    let step: IteratorResult<Ask[], Reply>;
    try {
      step = replies === undefined ? run.plan.next() : run.plan.next(replies);
    } catch (e) {
      this.finish();
      run.job.reject(e as Error);
      return;
    }
    if (step.done) {
      this.finish();
      run.job.resolve(step.value);
      return;
    }
    const asks = step.value;
    run.replies = new Array(asks.length);
    run.missing = asks.length;
    asks.forEach((a, i) => {
      const link = this.links[a.shard]!;
      link.out.push([run.job.session.id, a.argv]);
      link.pendingOut.push([run, i]);
    });
    this.schedule();
  }

  private finish(): void {
    this.running--;
    this.exclusive = false;
    while (this.queued.length > 0 && !this.exclusive) {
      const next = this.queued[0]!;
      if (ShardPool.isExclusive(next) && this.n > 1 && this.running > 0) break;
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
      if (link.out.length === 0) continue;
      const batch = link.out.splice(0);
      link.waiting.push(link.pendingOut);
      link.pendingOut = [];
      link.port.postMessage(batch);
    }
  }

  private onReplies(link: ShardLink, out: WireReply[]): void {
    const targets = link.waiting.shift()!;
    for (let i = 0; i < out.length; i++) {
      const [run, at] = targets[i]!;
      if (at < 0) continue;
      run.replies[at] = decodeReply(out[i]!);
      if (--run.missing === 0) this.advance(run, run.replies);
    }
  }

  /** Stops the shard threads. Commands issued before close() settle first. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.running > 0 || this.queued.length > 0) await new Promise((r) => setTimeout(r, 1));
    await Promise.all(
      this.links.map(async (link) => {
        link.port.close();
        await link.pool.destroy();
      }),
    );
  }
}

/** One shard: the command as it is. */
function* single(argv: string[]): Plan {
  return (yield [{ shard: 0, argv }])[0]!;
}
