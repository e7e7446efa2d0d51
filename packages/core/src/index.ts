/**
 * @memorykv/core — the public API.
 *
 *   import { open, openSync } from '@memorykv/core';
 *   const db = openSync();            // in-memory, one shard: every call returns its value
 *   db.set('greeting', 'hello');
 *   db.get('greeting');               // 'hello'
 *
 *   const adb = await open();         // the same methods, returning promises; durability and
 *                                     // sharding options (path, durability, shards) go here
 */
import { Engine } from './engine/engine.ts';
import type { Session } from './engine/session.ts';
import type { EngineConfig } from './config.ts';
import type { Decode } from './reply.ts';
import { RedisError, settle, settleExec, toArgv, type Arg } from './api/client.ts';
import { Commands } from './api/commands.ts';
import { AsyncTransaction, SyncTransaction } from './api/transaction.ts';

export { RedisError, type Arg } from './api/client.ts';
export type { Result, SetOptions, Bulk } from './api/commands.ts';
export { AsyncTransaction, SyncTransaction } from './api/transaction.ts';
export { Engine } from './engine/engine.ts';
export { Session } from './engine/session.ts';
export { Shard, type Effect } from './engine/shard.ts';
export type { EngineConfig, EvictionPolicy } from './config.ts';
export * from './reply.ts';
export { ErrorReply } from './errors.ts';
export {
  commands,
  defineCommands,
  keyIndexes,
  lookupCommand,
  type Command,
  type CommandFlag,
  type CommandSpec,
} from './commands/table.ts';
export type { Ctx } from './commands/context.ts';
export { formatDouble, fromBytes, toBytes, fromText, toText } from './bytes.ts';

export type DurabilityPolicy = 'always' | 'everysec' | 'no';

export interface OpenOptions {
  /** Directory of the LMDB journal and snapshots. Without it the database lives in memory only. */
  path?: string;
  /** When a write is durable before its reply: fsync per group commit, every second, or never. */
  durability?: DurabilityPolicy;
  /** Number of shards (worker threads owning slot ranges). 1 runs in this thread. */
  shards?: number;
  /** Redis configuration parameters (maxmemory, maxmemory-policy, databases, ...). */
  config?: Partial<EngineConfig>;
  /** How bulk strings come back: 'text' (UTF-8 decoded, default) or 'bytes' (Uint8Array). */
  decode?: 'text' | 'bytes';
  /** Run active expiry in the background (default true). */
  activeExpire?: boolean;
  /** Clock in unix ms, for tests. */
  clock?: () => number;
}

function createEngine(options: OpenOptions): Engine {
  if (options.path !== undefined) throw new RedisError('ERR durable storage (path) is not available yet');
  if ((options.shards ?? 1) !== 1) throw new RedisError('ERR sharding (shards > 1) is not available yet');
  return new Engine({ config: options.config, clock: options.clock, activeExpire: options.activeExpire });
}

abstract class Base<M extends 'sync' | 'async'> extends Commands<M> {
  readonly session: Session;
  protected readonly decode: Decode;

  constructor(
    readonly engine: Engine,
    options: OpenOptions,
  ) {
    super();
    this.session = engine.createSession();
    // RESP3 reply shapes map best onto JavaScript: maps become objects, doubles numbers.
    this.session.resp = 3;
    this.decode = options.decode ?? 'text';
  }

  protected run(args: Arg[]): unknown {
    return settle(this.engine.execute(this.session, toArgv(args)), this.decode);
  }

  protected runTransaction(queue: Arg[][]): unknown[] | null {
    const { engine, session } = this;
    engine.execute(session, ['MULTI']);
    for (const args of queue) engine.execute(session, toArgv(args));
    return settleExec(engine.execute(session, ['EXEC']), this.decode);
  }

  /** Stops background work. The database must not be used afterwards. */
  close(): void {
    this.engine.close();
  }
}

/** In-memory, single-shard database whose methods return values directly (no await). */
export class SyncDatabase extends Base<'sync'> {
  protected send(args: Arg[]): unknown {
    return this.run(args);
  }
  multi(): SyncTransaction {
    return new SyncTransaction((queue) => this.runTransaction(queue));
  }
  /** Selects the logical database (0..15) for this handle's later commands. */
  select(db: number): 'OK' {
    return this.run(['SELECT', db]) as 'OK';
  }
  watch(...keys: Arg[]): 'OK' {
    return this.run(['WATCH', ...keys]) as 'OK';
  }
  unwatch(): 'OK' {
    return this.run(['UNWATCH']) as 'OK';
  }
}

/** A database whose methods return promises; durable and sharded configurations are this kind. */
export class Database extends Base<'async'> {
  protected send(args: Arg[]): unknown {
    try {
      return Promise.resolve(this.run(args));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  multi(): AsyncTransaction {
    return new AsyncTransaction((queue) => this.runTransaction(queue));
  }
  async select(db: number): Promise<'OK'> {
    return this.run(['SELECT', db]) as 'OK';
  }
  async watch(...keys: Arg[]): Promise<'OK'> {
    return this.run(['WATCH', ...keys]) as 'OK';
  }
  async unwatch(): Promise<'OK'> {
    return this.run(['UNWATCH']) as 'OK';
  }
}

/** Opens an in-memory, single-shard database with a synchronous API. */
export function openSync(options: OpenOptions = {}): SyncDatabase {
  return new SyncDatabase(createEngine(options), options);
}

/** Opens a database (durable with `path`, sharded with `shards`), with an asynchronous API. */
export async function open(options: OpenOptions = {}): Promise<Database> {
  return new Database(createEngine(options), options);
}
