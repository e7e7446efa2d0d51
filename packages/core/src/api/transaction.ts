/**
 * A transaction built with typed methods and run atomically by exec(): MULTI, the queued
 * commands and EXEC go to the engine through the database's session, so WATCH applies.
 */
import type { Arg, Mode } from './client.ts';
import { Commands } from './commands.ts';

export class Transaction<M extends Mode = 'multi'> extends Commands<M> {
  readonly queue: Arg[][] = [];

  protected send(args: Arg[]): this {
    this.queue.push(args);
    return this;
  }
}
