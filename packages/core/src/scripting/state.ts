/**
 * Scripting state of one shard (eval.c, script.c, functions.c): the EVAL script cache, the
 * function libraries, the script that is running, and scriptCall — how a command called by a
 * script is checked and run through the shard's normal path (Shard.call), so that arity,
 * WRONGTYPE, keyspace notifications, WATCH signalling, the dirty counter and effects behave as
 * for a client's command.
 *
 * The Lua interpreter itself is a ScriptRuntime registered by the host (the fengari bridge in
 * src/node/scripting/: fengari's modules load Node built-ins, so it cannot live in the portable
 * core). Without one, EVAL and FUNCTION answer an error.
 *
 * Effects (DESIGN invariant 3): as in Redis 7, a script is replicated by its effects. The
 * commands it ran propagate themselves (or their deterministic rewrites) into the shard's
 * pending group, and EVAL suppresses its own argv, so the whole script becomes one atomic
 * group. A script suspended past busy-reply-threshold holds the group open (Shard.holdEffects)
 * until it ends.
 */
import { lookupCommand, type Command } from '../commands/table.ts';
import type { Shard } from '../engine/shard.ts';
import { Session } from '../engine/session.ts';
import { ErrorReply, OOM, execAbort } from '../errors.ts';
import type { Reply } from '../reply.ts';

/** A script flag (shebang `flags=` or a function's `flags`), Redis's scripts_flags_def. */
export const SCRIPT_FLAG_NAMES = ['no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'] as const;
export type ScriptFlag = (typeof SCRIPT_FLAG_NAMES)[number];

export interface ScriptFlags {
  /** An EVAL script without a shebang (SCRIPT_FLAG_EVAL_COMPAT_MODE). */
  compat: boolean;
  set: Set<ScriptFlag>;
}

export interface CachedScript {
  sha: string;
  body: string;
  flags: ScriptFlags;
}

export interface FunctionInfo {
  name: string;
  description: string | null;
  flags: ScriptFlags;
  library: LibraryInfo;
  /** The runtime's handle of the compiled callback. */
  ref: unknown;
}

export interface LibraryInfo {
  name: string;
  engine: string;
  code: string;
  functions: Map<string, FunctionInfo>;
}

/** A run suspended by the busy hook: the host resumes it later. */
export const YIELDED: unique symbol = Symbol('yielded');
export type RunResult = Reply | typeof YIELDED;

/** The Lua interpreter, provided by the host (see the file comment). */
export interface ScriptRuntime {
  /** Compiles an EVAL body under f_<sha>; returns Lua's error text, or null. */
  compileEval(sha: string, body: string): string | null;
  /** Runs a compiled EVAL script. */
  runEval(run: ScriptRun, sha: string, keys: string[], args: string[]): RunResult;
  /** Continues a suspended run. */
  resume(run: ScriptRun): RunResult;
  /** Drops a suspended run without finishing it (shutdown). */
  abandon(run: ScriptRun): void;
  /** SCRIPT FLUSH: a fresh interpreter for EVAL scripts. */
  resetEval(): void;
  /** Runs a library's code so that it registers its functions into lib; returns an error text or null. */
  loadLibrary(lib: LibraryInfo, code: string): string | null;
  /** Frees what a dropped library's functions hold. */
  freeLibrary(lib: LibraryInfo): void;
  runFunction(run: ScriptRun, fn: FunctionInfo, keys: string[], args: string[]): RunResult;
  /** Bytes used by the EVAL interpreter and by the functions one (INFO used_memory_lua/vm_functions). */
  memory(): { eval: number; functions: number };
}

let runtimeFactory: ((state: ScriptingState) => ScriptRuntime) | null = null;

/** Registers the Lua runtime (the Node entry of the bridge calls this on import). */
export function registerScriptRuntime(factory: (state: ScriptingState) => ScriptRuntime): void {
  runtimeFactory = factory;
}

/** What a host (the RESP server) does for scripts that run past busy-reply-threshold. */
export interface ScriptHost {
  /** Ms after which a running script yields to the host (0: never). */
  busyThreshold(run: ScriptRun): number;
  /** The script passed the threshold and is suspended; the host resumes it with state.resumeBusy(). */
  onBusy(run: ScriptRun): void;
  /** A suspended script ended with this reply (for its caller). */
  onDone(run: ScriptRun, reply: Reply): void;
  /** Logs a line at a Redis log level (0 debug .. 3 warning). */
  log?(level: number, message: string): void;
  /**
   * The caller's ACL check for a command the script runs (scriptVerifyACL): the NOPERM text, or
   * null when allowed. `log` adds the ACL LOG entry (redis.acl_check_cmd only asks).
   */
  aclCheck?(run: ScriptRun, cmd: Command, argv: readonly string[], log: boolean): string | null;
}

const states = new WeakMap<Shard, ScriptingState>();

export function scriptingState(shard: Shard): ScriptingState {
  let s = states.get(shard);
  if (s === undefined) states.set(shard, (s = new ScriptingState(shard)));
  return s;
}

export const NOSCRIPT = new ErrorReply('NOSCRIPT No matching script. Please use EVAL.');
export const SLOW_EVAL = new ErrorReply('BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.');
export const SLOW_SCRIPT = new ErrorReply('BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.');

/**
 * Whether a command may run while a script is busy: flagged allow_busy (SCRIPT KILL, FUNCTION
 * KILL, SHUTDOWN NOSAVE, MULTI ...), itself or its subcommand. An unknown one may: it gets its own
 * error.
 */
export function allowedWhileBusy(argv: readonly string[]): boolean {
  let cmd = lookupCommand(argv[0]!);
  if (cmd === undefined) return true;
  if (cmd.sub && argv.length > 1) cmd = cmd.sub.get(argv[1]!.toLowerCase()) ?? cmd;
  return cmd.flags.includes('allow_busy');
}

export class ScriptingState {
  readonly scripts = new Map<string, CachedScript>();
  /** Bytes of cached script bodies and SHAs (INFO used_memory_scripts_eval). */
  scriptsMemory = 0;
  readonly libraries = new Map<string, LibraryInfo>();
  readonly functions = new Map<string, FunctionInfo>();
  /** The running script (set for the whole run, also while suspended). */
  running: ScriptRun | null = null;
  host: ScriptHost | null = null;
  private rt: ScriptRuntime | null = null;

  constructor(readonly shard: Shard) {}

  get runtime(): ScriptRuntime {
    if (this.rt === null) {
      if (runtimeFactory === null) throw new ErrorReply('ERR scripting is not available: no Lua runtime is registered');
      this.rt = runtimeFactory(this);
    }
    return this.rt;
  }

  /** Whether a script is suspended past the busy threshold (other clients get -BUSY). */
  get busy(): boolean {
    return this.running !== null && this.running.suspended;
  }

  /**
   * What another session's command gets while a script is suspended past the threshold
   * (processCommand's busy check): Redis's -BUSY, unless the command is flagged allow_busy
   * (SCRIPT KILL, FUNCTION KILL, SHUTDOWN NOSAVE, MULTI ...). Inside MULTI the refusal dooms the
   * transaction, and a refused EXEC discards it. Null when it may run.
   */
  refuseWhileBusy(session: Session, argv: readonly string[]): ErrorReply | null {
    const run = this.running;
    if (run === null || !run.suspended || run.caller === session) return null;
    if (allowedWhileBusy(argv)) return null;
    const e = run.evalMode ? SLOW_EVAL : SLOW_SCRIPT;
    if (session.multi !== null && lookupCommand(argv[0]!)!.name === 'exec') {
      session.discardMulti();
      return execAbort(e.message);
    }
    if (session.multi !== null) session.multiError = true;
    return e;
  }

  /** Continues the suspended script for a slice; true once it ended (the host got onDone). */
  resumeBusy(): boolean {
    const run = this.running;
    if (run === null) return true;
    const r = this.runtime.resume(run);
    if (r === YIELDED) return false;
    this.finish(run);
    this.host?.onDone(run, r);
    return true;
  }

  /** Ends a run: releases the effects group it held open. */
  finish(run: ScriptRun): void {
    if (this.running === run) this.running = null;
    if (run.suspended) {
      run.suspended = false;
      this.shard.holdEffects = false;
      if (!this.shard.inTransaction) this.shard.flushEffects(run.session);
    }
  }

  /** Called by the runtime when its hook suspends a run. */
  suspend(run: ScriptRun): void {
    if (!run.suspended) {
      run.suspended = true;
      this.shard.holdEffects = true;
      this.host?.onBusy(run);
    }
  }

  /** Drops a suspended run without a reply (nobody is left to kill or await it). */
  abandon(run: ScriptRun): void {
    this.runtime.abandon(run);
    this.finish(run);
  }

  flushScripts(): void {
    this.scripts.clear();
    this.scriptsMemory = 0;
    if (this.rt !== null) this.rt.resetEval();
  }

  log(level: number, message: string): void {
    this.host?.log?.(level, message);
  }
}

/** Parses `#!lua flags=...` of an EVAL body (evalExtractShebangFlags); throws the error text. */
export function extractShebangFlags(body: string): { flags: ScriptFlags; shebangLen: number } {
  const flags: ScriptFlags = { compat: true, set: new Set() };
  if (!body.startsWith('#!')) return { flags, shebangLen: 0 };
  const end = body.indexOf('\n');
  if (end < 0) throw new ErrorReply('ERR Invalid script shebang');
  const parts = splitArgs(body.slice(0, end));
  if (parts === null || parts.length === 0) throw new ErrorReply('ERR Invalid engine in script shebang');
  if (parts[0] !== '#!lua') throw new ErrorReply(`ERR Unexpected engine in script shebang: ${parts[0]}`);
  flags.compat = false;
  for (let j = 1; j < parts.length; j++) {
    const p = parts[j]!;
    if (!p.startsWith('flags=')) throw new ErrorReply(`ERR Unknown lua shebang option: ${p}`);
    for (const f of p.slice(6).split(',')) {
      if (f === '') continue;
      if (!(SCRIPT_FLAG_NAMES as readonly string[]).includes(f)) throw new ErrorReply(`ERR Unexpected flag in script shebang: ${f}`);
      flags.set.add(f as ScriptFlag);
    }
  }
  return { flags, shebangLen: end };
}

/** sdssplitargs: space-separated words with "double" and 'single' quotes; null on bad quoting. */
export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && /\s/.test(line[i]!)) i++;
    if (i >= n) return out;
    let cur = '';
    let inq = false;
    let insq = false;
    for (;;) {
      const c = line[i];
      if (inq) {
        if (c === undefined) return null;
        if (c === '\\' && line[i + 1] === 'x' && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))) {
          cur += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < n) {
          i++;
          const e = line[i]!;
          cur += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (c === '"') {
          if (i + 1 < n && !/\s/.test(line[i + 1]!)) return null;
          inq = false;
          i++;
          break;
        } else cur += c;
      } else if (insq) {
        if (c === undefined) return null;
        if (c === '\\' && line[i + 1] === "'") {
          i++;
          cur += "'";
        } else if (c === "'") {
          if (i + 1 < n && !/\s/.test(line[i + 1]!)) return null;
          insq = false;
          i++;
          break;
        } else cur += c;
      } else {
        if (c === undefined || /\s/.test(c)) break;
        if (c === '"') inq = true;
        else if (c === "'") insq = true;
        else cur += c;
      }
      i++;
    }
    out.push(cur);
  }
}

/**
 * The session a script's commands run in (Redis's lua_client): its own selected db (SELECT in a
 * script does not change the caller's), RESP 2 until redis.setresp(), no MULTI, and it never
 * blocks. It inherits everything else from the caller (a server's Client: its server, user and
 * name), so server commands a script may call find what they look for.
 */
export function scriptSession(caller: Session): Session {
  const s = Object.create(caller) as Session;
  s.db = caller.db;
  s.resp = 2;
  s.multi = null;
  s.multiError = false;
  s.dirtyCAS = false;
  s.watching = [];
  const flags = (caller as unknown as { flags?: unknown }).flags;
  if (flags instanceof Set) {
    Object.defineProperty(s, 'flags', { value: new Set<string>(['deny-blocking', 'script']), writable: true });
  }
  for (const f of ['blocked']) if (f in caller) Object.defineProperty(s, f, { value: null, writable: true });
  return s;
}

/** One run of a script or function: Redis's scriptRunCtx. */
export class ScriptRun {
  readonly session: Session;
  readonly start: number;
  /** SCRIPT_READ_ONLY: EVAL_RO/FCALL_RO, or a no-writes script. */
  readOnly: boolean;
  allowOom: boolean;
  /** SCRIPT_WRITE_DIRTY: a write command ran; SCRIPT KILL refuses from then on. */
  writeDirty = false;
  killed = false;
  /** Suspended by the busy hook at least once (the host serves others meanwhile). */
  suspended = false;
  /** Whether the run may yield to the host (not inside EXEC, not during replay). */
  readonly yieldable: boolean;
  /** Ms after which the hook yields (0: it never does). */
  readonly threshold: number;
  /** Over maxmemory when the script started (server.pre_command_oom_state). */
  readonly preOom: boolean;

  constructor(
    readonly state: ScriptingState,
    readonly caller: Session,
    readonly argv: string[],
    /** The sha (EVAL) or function name. */
    readonly funcname: string,
    readonly evalMode: boolean,
    flags: ScriptFlags,
    ro: boolean,
    preOom: boolean,
    clock: () => number,
  ) {
    this.session = scriptSession(caller);
    this.start = clock();
    this.readOnly = ro || (!flags.compat && flags.set.has('no-writes'));
    this.allowOom = !flags.compat && flags.set.has('allow-oom');
    this.preOom = preOom;
    const shard = state.shard;
    const host = state.host;
    this.yieldable = host !== null && !shard.inTransaction && !shard.replaying;
    this.threshold = this.yieldable ? host!.busyThreshold(this) : 0;
  }

  get shard(): Shard {
    return this.state.shard;
  }

  /**
   * scriptCall: runs one command for the script. Returns the command's reply, or an ErrorReply
   * whose text is the error as the script sees it (without Redis's leading '-').
   */
  call(argv: string[]): Reply {
    let cmd: Command | undefined = lookupCommand(argv[0]!);
    if (cmd?.sub && argv.length > 1) cmd = cmd.sub.get(argv[1]!.toLowerCase());
    if (cmd === undefined) return new ErrorReply('ERR Unknown Redis command called from script');
    const argc = argv.length;
    if (cmd.arity > 0 ? argc !== cmd.arity : argc < -cmd.arity) {
      return new ErrorReply('ERR Wrong number of args calling Redis command from script');
    }
    const flags = cmd.flags;
    if (flags.includes('noscript')) return new ErrorReply('ERR This Redis command is not allowed from script');
    const denied = this.state.host?.aclCheck?.(this, cmd, argv, true) ?? null;
    if (denied !== null) return new ErrorReply(`ERR ACL failure in script: ${denied}`);
    if (this.readOnly && (cmd.write || flags.includes('may_replicate'))) {
      return new ErrorReply('ERR Write commands are not allowed from read-only scripts.');
    }
    const shard = this.shard;
    if (!this.allowOom && shard.config.maxmemory > 0 && !this.writeDirty && this.preOom && cmd.denyoom) return OOM;
    if (cmd.write) this.writeDirty = true;
    return shard.call(this.session, cmd, argv);
  }
}
