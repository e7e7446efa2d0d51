/**
 * The in-process API over a sharded keyspace (issue 5, `open({ shards: N })` with N > 1): the
 * same typed methods as Database, every call a promise, the commands coordinated over the shard
 * threads of a ShardPool. With a `path`, each shard journals and snapshots on its own
 * (node/sharded-storage.ts has the layout, and how another shard count re-deals the slots).
 */
import { RedisError, settleExec, toArgv, type Arg } from '../api/client.ts';
import { Commands } from '../api/commands.ts';
import type { CloseOptions, OpenOptions } from '../api/database.ts';
import { ErrorReply } from '../errors.ts';
import { SAVE_SHARD } from './shard-wire.ts';
import { startShards } from './sharded-storage.ts';
import { AsyncTransaction } from '../api/transaction.ts';
import type { Decode } from '../reply.ts';
import type { ShardPool, PoolSession } from './shard-pool.ts';

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
    const inMemory = options.path === undefined;
    const pool = await startShards(
      options.path,
      {
        shards: options.shards!,
        config: options.config,
        activeExpire: options.activeExpire,
        resp: 3,
        durability: options.durability,
        saveRules: options.saveRules,
        snapshotRetentionDays: options.snapshotRetentionDays,
        log,
        onShardDeath: (i) =>
          log?.('warning', `shard ${i}'s thread stopped and was restarted${inMemory ? ' (in memory: its keys are lost)' : ', recovered from its journal'}; the calls waiting on it failed`),
      },
      options,
    );
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

  /**
   * Builds a snapshot on every shard (each of what it has acknowledged), truncating each journal
   * before it. Resolves with the shards' snapshot sequence numbers.
   */
  async save(): Promise<number[]> {
    if (this.closed) throw new RedisError(CLOSED);
    const seqs = await Promise.all(Array.from({ length: this.pool.n }, (_, i) => this.pool.control(i, [SAVE_SHARD])));
    for (const s of seqs) if (s instanceof ErrorReply) throw new RedisError(s.message);
    return seqs as number[];
  }

  /**
   * Stops the shard threads once the calls made before settle; calls after it reject. Durable
   * shards close their journals, after a final snapshot (see CloseOptions).
   */
  async close(options: CloseOptions = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.close(options.save);
  }
}
