/**
 * The in-process API over a sharded keyspace (issue 5, `open({ shards: N })` with N > 1): the
 * same typed methods as Database, every call a promise, the commands coordinated over the shard
 * threads of a ShardPool. Durability per shard is not here yet: a path with shards > 1 is refused.
 */
import { RedisError, settleExec, toArgv, type Arg } from '../api/client.ts';
import { Commands } from '../api/commands.ts';
import type { OpenOptions } from '../api/database.ts';
import { AsyncTransaction } from '../api/transaction.ts';
import type { Decode } from '../reply.ts';
import { ShardPool, type PoolSession } from './shard-pool.ts';

const CLOSED = 'ERR the database is closed';

export class ShardedDatabase extends Commands<'async'> {
  private readonly session: PoolSession;
  private readonly decode: Decode;
  private closed = false;

  private constructor(
    /** The shard threads (one per shard). */
    readonly pool: ShardPool,
    options: OpenOptions,
  ) {
    super();
    this.session = pool.createSession();
    this.session.resp = 3;
    this.decode = options.decode ?? 'text';
  }

  static async open(options: OpenOptions): Promise<ShardedDatabase> {
    const log = options.log;
    const pool = await ShardPool.start({
      shards: options.shards!,
      config: options.config,
      activeExpire: options.activeExpire,
      resp: 3,
      onShardDeath: (i) => log?.('warning', `shard ${i}'s thread stopped: restarted (its keys are lost until shards keep a journal); the calls waiting on it failed`),
    });
    return new ShardedDatabase(pool, options);
  }

  get shards(): number {
    return this.pool.n;
  }

  protected send(args: Arg[]): Promise<unknown> {
    if (this.closed) return Promise.reject(new RedisError(CLOSED));
    let argv: string[];
    try {
      argv = toArgv(args);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.pool.settle(this.session, argv, this.decode);
  }

  multi(): AsyncTransaction {
    return new AsyncTransaction(async (queue) => {
      if (this.closed) throw new RedisError(CLOSED);
      const { pool, session } = this;
      // Issued together: MULTI, the queue and EXEC reach the shards in this order.
      const replies = [pool.execute(session, ['MULTI']), ...queue.map((args) => pool.execute(session, toArgv(args))), pool.execute(session, ['EXEC'])];
      const all = await Promise.all(replies);
      return settleExec(all[all.length - 1]!, this.decode);
    });
  }
  async select(db: number): Promise<'OK'> {
    return this.send(['SELECT', db]) as Promise<'OK'>;
  }
  async watch(...keys: Arg[]): Promise<'OK'> {
    return this.send(['WATCH', ...keys]) as Promise<'OK'>;
  }
  async unwatch(): Promise<'OK'> {
    return this.send(['UNWATCH']) as Promise<'OK'>;
  }

  /** Stops the shard threads once the calls made before settle; calls after it reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.close();
  }
}
