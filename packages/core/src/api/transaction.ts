/**
 * A transaction built with typed methods and run atomically by exec(): MULTI, the queued
 * commands and EXEC go to the engine through the database's session, so WATCH applies.
 * exec() answers the replies in order (a failed command's RedisError in its place), or null when
 * a WATCHed key changed.
 */
import type { Arg } from './client.ts';
import { Commands } from './commands.ts';

type Runner<R> = (queue: Arg[][]) => R;

/** A transaction of a synchronous database: exec() returns the replies. */
export class SyncTransaction extends Commands<'multi-sync'> {
  readonly queue: Arg[][] = [];
  constructor(private readonly runner: Runner<unknown[] | null>) {
    super();
  }
  protected send(args: Arg[]): this {
    this.queue.push(args);
    return this;
  }
  exec(): unknown[] | null {
    return this.runner(this.queue);
  }
}

/** A transaction of an asynchronous database: exec() resolves to the replies. */
export class AsyncTransaction extends Commands<'multi-async'> {
  readonly queue: Arg[][] = [];
  constructor(private readonly runner: Runner<unknown[] | null | Promise<unknown[] | null>>) {
    super();
  }
  protected send(args: Arg[]): this {
    this.queue.push(args);
    return this;
  }
  /** Durable, it resolves once the transaction's effects (and what it read) are durable. */
  async exec(): Promise<unknown[] | null> {
    return this.runner(this.queue);
  }
}
