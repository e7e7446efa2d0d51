/**
 * The in-process API's plumbing: argument conversion (JS strings as UTF-8, Uint8Array as bytes),
 * reply conversion (DESIGN "Bytes"), errors thrown as RedisError, and one class of typed methods
 * (api/commands.ts) shared by the synchronous database, the asynchronous one and transactions.
 */
import { toArg } from '../bytes.ts';
import { ErrorReply } from '../errors.ts';
import { toJS, type Decode, type Reply } from '../reply.ts';

/** An argument: text (sent as UTF-8), bytes, or a number. */
export type Arg = string | Uint8Array | number | bigint;

/** A Redis error reply, thrown by the in-process API (message is Redis's text, e.g. "WRONGTYPE ..."). */
export class RedisError extends Error {
  override name = 'RedisError';
  constructor(message: string) {
    super(message);
  }
  /** The error code: "ERR", "WRONGTYPE", "OOM", ... */
  get code(): string {
    const sp = this.message.indexOf(' ');
    return sp < 0 ? this.message : this.message.slice(0, sp);
  }
}

/** How a command's result comes back: a value, a promise, or the transaction itself (chaining). */
export type Mode = 'sync' | 'async' | 'multi-sync' | 'multi-async';

export function toArgv(args: readonly Arg[]): string[] {
  const argv = new Array<string>(args.length);
  for (let i = 0; i < args.length; i++) argv[i] = toArg(args[i]!);
  return argv;
}

/** A reply -> JS value, throwing an error reply (top level only: EXEC keeps errors inside). */
export function settle(r: Reply, decode: Decode): unknown {
  if (r instanceof ErrorReply) throw new RedisError(r.message);
  return toJS(r, decode);
}

/** EXEC's reply: each element converted, errors kept in place as RedisError values. */
export function settleExec(r: Reply, decode: Decode): unknown[] | null {
  if (r instanceof ErrorReply) throw new RedisError(r.message);
  if (!Array.isArray(r)) return null;
  return r.map((x) => (x instanceof ErrorReply ? new RedisError(x.message) : toJS(x, decode)));
}
