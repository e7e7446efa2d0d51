/**
 * Redis errors. An ErrorReply is a reply value, not a JavaScript Error: it is created on every bad
 * command, so it carries no stack trace. Handlers either return one or throw one (the dispatcher
 * turns a thrown ErrorReply into the reply); the text is exactly Redis's, prefix included.
 */
export class ErrorReply {
  constructor(readonly message: string) {}
  /** The error code: the first word, e.g. "ERR", "WRONGTYPE", "OOM". */
  get code(): string {
    const sp = this.message.indexOf(' ');
    return sp < 0 ? this.message : this.message.slice(0, sp);
  }
  toString(): string {
    return this.message;
  }
}

const err = (message: string) => new ErrorReply(message);

export const WRONGTYPE = err('WRONGTYPE Operation against a key holding the wrong kind of value');
export const NOT_INTEGER = err('ERR value is not an integer or out of range');
export const NOT_FLOAT = err('ERR value is not a valid float');
export const SYNTAX = err('ERR syntax error');
export const NO_SUCH_KEY = err('ERR no such key');
export const INDEX_OUT_OF_RANGE = err('ERR index out of range');
export const OVERFLOW = err('ERR increment or decrement would overflow');
export const OOM = err("OOM command not allowed when used memory > 'maxmemory'.");
export const DB_INDEX = err('ERR DB index is out of range');
export const NOT_POSITIVE = err('ERR value is out of range, must be positive');
export const EXECABORT = err('EXECABORT Transaction discarded because of previous errors.');
/** A refused EXEC (execCommandAbort): the transaction is discarded because of `reason`. */
export function execAbort(reason: string): ErrorReply {
  return err(`EXECABORT Transaction discarded because of: ${reason}`);
}
export const NESTED_MULTI = err('ERR MULTI calls can not be nested');
export const EXEC_WITHOUT_MULTI = err('ERR EXEC without MULTI');
export const DISCARD_WITHOUT_MULTI = err('ERR DISCARD without MULTI');
export const WATCH_IN_MULTI = err('ERR WATCH inside MULTI is not allowed');

export function wrongArity(name: string): ErrorReply {
  return err(`ERR wrong number of arguments for '${name}' command`);
}

export function unknownCommand(argv: readonly string[]): ErrorReply {
  // server.c formats each argument with '%.*s', so an argument ends at its first NUL byte.
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) args += `'${cString(argv[i]!).slice(0, 128 - args.length)}' `;
  return err(`ERR unknown command '${cString(argv[0]!).slice(0, 128)}', with args beginning with: ${args}`);
}

/** The text up to the first NUL byte, as C's %s prints it. */
function cString(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

export function unknownSubcommand(container: string, sub: string): ErrorReply {
  return err(`ERR unknown subcommand '${cString(sub).slice(0, 128)}'. Try ${container.toUpperCase()} HELP.`);
}

export function invalidExpire(command: string): ErrorReply {
  return err(`ERR invalid expire time in '${command}' command`);
}

export function error(message: string): ErrorReply {
  return err(message);
}
