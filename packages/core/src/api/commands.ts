/**
 * Typed methods for the in-process API: one method per command, each a thin wrapper that builds
 * the argv and types the converted reply. The same methods serve a synchronous database (values),
 * an asynchronous one (promises) and a transaction (chaining), through Result<M, T>.
 */
import type { Arg, Mode } from './client.ts';
import type { Transaction } from './transaction.ts';

export type Result<M extends Mode, T> = M extends 'sync' ? T : M extends 'async' ? Promise<T> : Transaction<M>;

export type Bulk = string | null;

export interface SetOptions {
  EX?: number;
  PX?: number;
  EXAT?: number;
  PXAT?: number;
  KEEPTTL?: boolean;
  NX?: boolean;
  XX?: boolean;
  GET?: boolean;
}

export abstract class Commands<M extends Mode> {
  /** Sends one command; the subclass decides whether the result is a value, a promise or a chain. */
  protected abstract send(args: Arg[]): unknown;

  /** Any command, by name and arguments: `call('SET', 'k', 'v')`. */
  call(command: string, ...args: Arg[]): Result<M, unknown> {
    return this.send([command, ...args]) as Result<M, unknown>;
  }

  // Strings
  get(key: Arg): Result<M, Bulk> {
    return this.send(['GET', key]) as Result<M, Bulk>;
  }
  set(key: Arg, value: Arg, options?: SetOptions): Result<M, 'OK' | Bulk> {
    const args: Arg[] = ['SET', key, value];
    if (options) {
      if (options.EX !== undefined) args.push('EX', options.EX);
      if (options.PX !== undefined) args.push('PX', options.PX);
      if (options.EXAT !== undefined) args.push('EXAT', options.EXAT);
      if (options.PXAT !== undefined) args.push('PXAT', options.PXAT);
      if (options.KEEPTTL) args.push('KEEPTTL');
      if (options.NX) args.push('NX');
      if (options.XX) args.push('XX');
      if (options.GET) args.push('GET');
    }
    return this.send(args) as Result<M, 'OK' | Bulk>;
  }
  incr(key: Arg): Result<M, number> {
    return this.send(['INCR', key]) as Result<M, number>;
  }
  incrby(key: Arg, by: number | bigint): Result<M, number> {
    return this.send(['INCRBY', key, by]) as Result<M, number>;
  }
  mget(...keys: Arg[]): Result<M, Bulk[]> {
    return this.send(['MGET', ...keys]) as Result<M, Bulk[]>;
  }

  // Keys
  del(...keys: Arg[]): Result<M, number> {
    return this.send(['DEL', ...keys]) as Result<M, number>;
  }
  exists(...keys: Arg[]): Result<M, number> {
    return this.send(['EXISTS', ...keys]) as Result<M, number>;
  }
  expire(key: Arg, seconds: number, mode?: 'NX' | 'XX' | 'GT' | 'LT'): Result<M, number> {
    return this.send(mode ? ['EXPIRE', key, seconds, mode] : ['EXPIRE', key, seconds]) as Result<M, number>;
  }
  ttl(key: Arg): Result<M, number> {
    return this.send(['TTL', key]) as Result<M, number>;
  }

  // Hashes
  hset(key: Arg, fields: Record<string, Arg> | Map<Arg, Arg>): Result<M, number> {
    const args: Arg[] = ['HSET', key];
    const entries = fields instanceof Map ? fields.entries() : Object.entries(fields);
    for (const [f, v] of entries) args.push(f, v);
    return this.send(args) as Result<M, number>;
  }
  hget(key: Arg, field: Arg): Result<M, Bulk> {
    return this.send(['HGET', key, field]) as Result<M, Bulk>;
  }
  hgetall(key: Arg): Result<M, Record<string, string>> {
    return this.send(['HGETALL', key]) as Result<M, Record<string, string>>;
  }
}
