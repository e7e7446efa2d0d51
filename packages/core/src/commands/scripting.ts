/**
 * Scripting (eval.c, functions.c, script.c): EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT,
 * FUNCTION, FCALL, FCALL_RO. The Lua runtime is registered by the host (see
 * scripting/state.ts); a script's commands run through Shard.call as the script's own session.
 *
 * A script is never propagated as itself: the commands it ran are its effects, so EVAL and
 * FCALL suppress their argv and the script's effects form the command's one atomic group.
 * FUNCTION LOAD/DELETE/FLUSH/RESTORE change the libraries (dirty++) and propagate verbatim.
 */
import { parseInt64Exact } from '../bytes.ts';
import { ErrorReply, NOT_INTEGER, error } from '../errors.ts';
import { performEvictions } from '../keyspace/eviction.ts';
import { globMatch } from '../glob.ts';
import { MapReply, NO_REPLY, OK, SetReply, Status, type Reply } from '../reply.ts';
import { sha1hex } from '../scripting/sha1.ts';
import {
  NOSCRIPT,
  SCRIPT_FLAG_NAMES,
  SLOW_EVAL,
  SLOW_SCRIPT,
  ScriptRun,
  YIELDED,
  extractShebangFlags,
  scriptingState,
  splitArgs,
  type CachedScript,
  type FunctionInfo,
  type LibraryInfo,
  type ScriptFlags,
  type ScriptingState,
} from '../scripting/state.ts';
import type { Ctx } from './context.ts';
import { defineCommands, type CommandFlag, type CommandSpec } from './table.ts';

/** Key positions of EVAL-like commands: numkeys at argv[2], then the keys. */
function numkeysKeys(argv: readonly string[]): number[] {
  const n = Number(argv[2]);
  if (!Number.isInteger(n) || n <= 0 || n > argv.length - 3) return [];
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(3 + i);
  return out;
}

function numkeysArg(s: string, bad: ErrorReply, argc: number): number {
  const v = parseInt64Exact(s);
  if (v === null) throw bad;
  const n = Number(v);
  if (n > argc - 3) throw error("ERR Number of keys can't be greater than number of args");
  if (n < 0) throw error("ERR Number of keys can't be negative");
  return n;
}

/** Over maxmemory right now (server.pre_command_oom_state). */
function overMaxmemory(ctx: Ctx): boolean {
  return ctx.shard.config.maxmemory > 0 && !performEvictions(ctx.shard);
}

/** scriptPrepareForRun: the checks of a script that declared flags. */
function prepareChecks(flags: ScriptFlags, ro: boolean, preOom: boolean): void {
  if (flags.compat) return;
  const noWrites = flags.set.has('no-writes');
  if (!noWrites && ro) throw error('ERR Can not execute a script with write flag using *_ro command.');
  if (preOom && !noWrites && !flags.set.has('allow-oom')) {
    throw error("OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'");
  }
}

/** luaCreateFunction: compiles and caches an EVAL body (or finds it cached). */
function createScript(st: ScriptingState, body: string): CachedScript {
  const sha = sha1hex(body);
  const cached = st.scripts.get(sha);
  if (cached !== undefined) return cached;
  const { flags, shebangLen } = extractShebangFlags(body);
  // The shebang line is skipped but its line feed kept, so line numbers stay the user's.
  const err = st.runtime.compileEval(sha, body.slice(shebangLen));
  if (err !== null) throw error(`ERR Error compiling script (new function): ${err}`.replace(/[\r\n]/g, ' '));
  const script: CachedScript = { sha, body, flags };
  st.scripts.set(sha, script);
  st.scriptsMemory += body.length + 40 + 64;
  return script;
}

/** Starts a run; a suspended one answers later through the host. */
function runScript(
  ctx: Ctx,
  st: ScriptingState,
  funcname: string,
  evalMode: boolean,
  flags: ScriptFlags,
  ro: boolean,
  preOom: boolean,
  start: (run: ScriptRun) => ReturnType<ScriptingState['runtime']['runEval']>,
): Reply {
  const run = new ScriptRun(st, ctx.session, ctx.argv, funcname, evalMode, flags, ro, preOom, ctx.shard.clock);
  st.running = run;
  let r;
  try {
    r = start(run);
  } catch (e) {
    st.finish(run);
    throw e;
  }
  if (r === YIELDED) return NO_REPLY;
  st.finish(run);
  return r;
}

function evalGeneric(ctx: Ctx, evalsha: boolean, ro: boolean): Reply {
  ctx.suppressEffects();
  const argv = ctx.argv;
  const st = scriptingState(ctx.shard);
  if (evalsha && argv[1]!.length !== 40) return NOSCRIPT;
  const numkeys = numkeysArg(argv[2]!, NOT_INTEGER, argv.length);
  let script: CachedScript | undefined;
  if (evalsha) {
    script = st.scripts.get(argv[1]!.toLowerCase());
    if (script === undefined) return NOSCRIPT;
  } else script = createScript(st, argv[1]!);
  const preOom = overMaxmemory(ctx);
  prepareChecks(script.flags, ro, preOom);
  const keys = argv.slice(3, 3 + numkeys);
  const args = argv.slice(3 + numkeys);
  const sha = script.sha;
  return runScript(ctx, st, sha, true, script.flags, ro, preOom, (run) => st.runtime.runEval(run, sha, keys, args));
}

function fcallGeneric(ctx: Ctx, ro: boolean): Reply {
  ctx.suppressEffects();
  const argv = ctx.argv;
  const st = scriptingState(ctx.shard);
  const fn = st.functions.get(argv[1]!.toLowerCase());
  if (fn === undefined) return error('ERR Function not found');
  const numkeys = numkeysArg(argv[2]!, error('ERR Bad number of keys provided'), argv.length);
  const preOom = overMaxmemory(ctx);
  prepareChecks(fn.flags, ro, preOom);
  const keys = argv.slice(3, 3 + numkeys);
  const args = argv.slice(3 + numkeys);
  return runScript(ctx, st, fn.name, false, fn.flags, ro, preOom, (run) => st.runtime.runFunction(run, fn, keys, args));
}

/** scriptKill. */
function scriptKill(ctx: Ctx, isEval: boolean): Reply {
  const run = scriptingState(ctx.shard).running;
  if (run === null || run.caller === ctx.session) return error('NOTBUSY No scripts in execution right now.');
  if (run.writeDirty) {
    return error(
      'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.',
    );
  }
  if (isEval && !run.evalMode) return SLOW_SCRIPT;
  if (!isEval && run.evalMode) return SLOW_EVAL;
  run.killed = true;
  return OK;
}

const SCRIPT_HELP = [
  'SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DEBUG (YES|SYNC|NO)',
  '    Set the debug mode for subsequent scripts executed.',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
  'HELP',
  '    Prints this help.',
].map((l) => new Status(l));

const FUNCTION_HELP = [
  'FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
  'HELP',
  '    Prints this help.',
].map((l) => new Status(l));

// ---------------------------------------------------------------------------------------------
// Function libraries (functions.c)

const LIB_NAME_ERR = 'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long';

/** functionExtractLibMetaData: engine and name from the `#!<engine> name=<lib>` line. */
function libMetadata(payload: string): { engine: string; name: string; code: string } {
  if (!payload.startsWith('#!')) throw error('ERR Missing library metadata');
  const end = payload.indexOf('\n');
  if (end < 0) throw error('ERR Invalid library metadata');
  const parts = splitArgs(payload.slice(0, end));
  if (parts === null || parts.length === 0) throw error('ERR Invalid library metadata');
  const engine = parts[0]!.slice(2);
  let name: string | null = null;
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.slice(0, 5).toLowerCase() === 'name=') {
      if (name !== null) throw error('ERR Invalid metadata value, name argument was given multiple times');
      name = p.slice(5);
      continue;
    }
    throw error(`ERR Invalid metadata value given: ${p}`);
  }
  if (name === null) throw error('ERR Library name was not given');
  return { engine, name, code: payload.slice(end) };
}

function unlinkLibrary(st: ScriptingState, lib: LibraryInfo): void {
  st.libraries.delete(lib.name);
  for (const fn of lib.functions.keys()) st.functions.delete(fn.toLowerCase());
}

function linkLibrary(st: ScriptingState, lib: LibraryInfo): void {
  st.libraries.set(lib.name, lib);
  for (const [name, fn] of lib.functions) st.functions.set(name.toLowerCase(), fn);
}

/** functionsCreateWithLibraryCtx: compiles a library into st (replacing a same-named one). */
function createLibrary(st: ScriptingState, payload: string, replace: boolean): string {
  const md = libMetadata(payload);
  if (!/^[A-Za-z0-9_]+$/.test(md.name)) throw error(`ERR ${LIB_NAME_ERR}`);
  if (md.engine.toUpperCase() !== 'LUA') throw error(`ERR Engine '${md.engine}' not found`);
  const old = st.libraries.get(md.name);
  if (old !== undefined && !replace) throw error(`ERR Library '${md.name}' already exists`);
  if (old !== undefined) unlinkLibrary(st, old);
  const lib: LibraryInfo = { name: md.name, engine: 'LUA', code: payload, functions: new Map() };
  const rt = st.runtime;
  let err = rt.loadLibrary(lib, md.code);
  if (err === null && lib.functions.size === 0) err = 'No functions registered';
  if (err === null) {
    for (const name of lib.functions.keys()) {
      if (st.functions.has(name.toLowerCase())) {
        err = `Function ${name} already exists`;
        break;
      }
    }
  }
  if (err !== null) {
    rt.freeLibrary(lib);
    if (old !== undefined) linkLibrary(st, old);
    throw error(`ERR ${err}`.replace(/[\r\n]/g, ' '));
  }
  linkLibrary(st, lib);
  if (old !== undefined) rt.freeLibrary(old);
  return md.name;
}

function flushFunctions(st: ScriptingState): void {
  for (const lib of [...st.libraries.values()]) {
    unlinkLibrary(st, lib);
    st.runtime.freeLibrary(lib);
  }
}

function flagsReply(flags: ScriptFlags): Reply {
  return new SetReply(SCRIPT_FLAG_NAMES.filter((f) => flags.set.has(f)).map((f) => new Status(f)));
}

// FUNCTION DUMP payload: RDB_OPCODE_FUNCTION2 + the library code as an RDB string per library,
// then the RDB version (2 bytes) and a 64-bit checksum (not Redis's CRC64: payloads are for
// this server only).
const RDB_OPCODE_FUNCTION2 = 245;
const RDB_VERSION = 11;

function rdbLen(n: number): string {
  if (n < 64) return String.fromCharCode(n);
  if (n < 16384) return String.fromCharCode(0x40 | (n >> 8), n & 0xff);
  return String.fromCharCode(0x80, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

function checksum(s: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < s.length; i++) h = BigInt.asUintN(64, (h ^ BigInt(s.charCodeAt(i))) * 0x100000001b3n);
  let out = '';
  for (let i = 0; i < 8; i++) out += String.fromCharCode(Number((h >> BigInt(8 * i)) & 0xffn));
  return out;
}

function dumpFunctions(st: ScriptingState): string {
  let p = '';
  for (const lib of st.libraries.values()) p += String.fromCharCode(RDB_OPCODE_FUNCTION2) + rdbLen(lib.code.length) + lib.code;
  p += String.fromCharCode(RDB_VERSION & 0xff, RDB_VERSION >> 8);
  return p + checksum(p);
}

function parseDump(payload: string): string[] | null {
  if (payload.length < 10) return null;
  const body = payload.slice(0, -8);
  if (checksum(body) !== payload.slice(-8)) return null;
  const ver = body.charCodeAt(body.length - 2) | (body.charCodeAt(body.length - 1) << 8);
  if (ver > RDB_VERSION) return null;
  const codes: string[] = [];
  let i = 0;
  const end = body.length - 2;
  while (i < end) {
    if (body.charCodeAt(i++) !== RDB_OPCODE_FUNCTION2) return null;
    const b = body.charCodeAt(i);
    let n: number;
    if (b >> 6 === 0) {
      n = b;
      i += 1;
    } else if (b >> 6 === 1) {
      n = ((b & 0x3f) << 8) | body.charCodeAt(i + 1);
      i += 2;
    } else {
      n = ((body.charCodeAt(i + 1) << 24) >>> 0) + (body.charCodeAt(i + 2) << 16) + (body.charCodeAt(i + 3) << 8) + body.charCodeAt(i + 4);
      i += 5;
    }
    if (i + n > end) return null;
    codes.push(body.slice(i, i + n));
    i += n;
  }
  return codes;
}

function functionRestore(ctx: Ctx): Reply {
  const argv = ctx.argv;
  let policy = 'append';
  if (argv.length > 4) return subcommandSyntaxError(argv);
  if (argv.length > 3) {
    const p = argv[3]!.toLowerCase();
    if ((p !== 'flush' && p !== 'append' && p !== 'replace') || argv.length > 4) {
      return error('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
    }
    policy = p;
  }
  const codes = parseDump(argv[2]!);
  if (codes === null) return error('ERR DUMP payload version or checksum are wrong');
  const st = scriptingState(ctx.shard);
  // Build the restored libraries in a scratch state first, so that a failure changes nothing.
  const scratch = { libraries: new Map<string, LibraryInfo>(), functions: new Map<string, FunctionInfo>(), runtime: st.runtime } as unknown as ScriptingState;
  try {
    for (const code of codes) createLibrary(scratch, code, false);
  } catch (e) {
    flushFunctions(scratch);
    throw e;
  }
  const restored = [...scratch.libraries.values()];
  if (policy === 'flush') {
    flushFunctions(st);
  } else {
    for (const lib of restored) {
      const old = st.libraries.get(lib.name);
      if (old !== undefined && policy === 'append') {
        flushFunctions(scratch);
        return error(`ERR Library ${lib.name} already exists`);
      }
    }
    const replaced = new Set(policy === 'replace' ? restored.map((l) => l.name) : []);
    for (const lib of restored) {
      for (const fn of lib.functions.keys()) {
        const other = st.functions.get(fn.toLowerCase());
        if (other !== undefined && !replaced.has(other.library.name)) {
          flushFunctions(scratch);
          return error(`ERR Function ${fn} already exists`);
        }
      }
    }
    for (const name of replaced) {
      const old = st.libraries.get(name);
      if (old !== undefined) {
        unlinkLibrary(st, old);
        st.runtime.freeLibrary(old);
      }
    }
  }
  for (const lib of restored) linkLibrary(st, lib);
  ctx.shard.dirty++;
  return OK;
}

function functionList(ctx: Ctx): Reply {
  const argv = ctx.argv;
  let withCode = false;
  let pattern: string | null = null;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!.toLowerCase();
    if (!withCode && a === 'withcode') {
      withCode = true;
      continue;
    }
    if (pattern === null && a === 'libraryname') {
      if (i >= argv.length - 1) return error('ERR library name argument was not given');
      pattern = argv[++i]!;
      continue;
    }
    return error(`ERR Unknown argument ${argv[i]}`);
  }
  const out: Reply[] = [];
  for (const lib of scriptingState(ctx.shard).libraries.values()) {
    if (pattern !== null && !globMatch(pattern, lib.name, true)) continue;
    const fns: Reply[] = [];
    for (const fn of lib.functions.values()) {
      fns.push(new MapReply(['name', fn.name, 'description', fn.description, 'flags', flagsReply(fn.flags)]));
    }
    const entries: Reply[] = ['library_name', lib.name, 'engine', lib.engine, 'functions', fns];
    if (withCode) entries.push('library_code', lib.code);
    out.push(new MapReply(entries));
  }
  return out;
}

function functionStats(ctx: Ctx): Reply {
  const st = scriptingState(ctx.shard);
  const run = st.running;
  if (run !== null && run.evalMode) return SLOW_EVAL;
  const running =
    run === null ? null : new MapReply(['name', run.funcname, 'command', [...run.argv], 'duration_ms', Math.max(0, ctx.shard.clock() - run.start)]);
  let nfn = 0;
  for (const lib of st.libraries.values()) nfn += lib.functions.size;
  return new MapReply([
    'running_script',
    running,
    'engines',
    new MapReply(['LUA', new MapReply(['libraries_count', st.libraries.size, 'functions_count', nfn])]),
  ]);
}

/** addReplySubcommandSyntaxError. */
function subcommandSyntaxError(argv: string[]): ErrorReply {
  return error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]!.slice(0, 128)}'. Try ${argv[0]!.toUpperCase()} HELP.`);
}

function flushMode(argv: string[], errText: string): void {
  if (argv.length === 2) return;
  const m = argv[2]!.toLowerCase();
  if (argv.length !== 3 || (m !== 'sync' && m !== 'async')) throw error(errText);
}

// ---------------------------------------------------------------------------------------------

const evalLike = (name: string, ro: boolean, summary: string, handler: (ctx: Ctx) => Reply): CommandSpec => ({
  name,
  arity: -3,
  flags: [...(ro ? (['readonly'] as CommandFlag[]) : []), 'noscript', 'stale', 'skip_monitor', 'no_mandatory_keys', 'movablekeys'],
  acl: ['slow', 'scripting'],
  group: 'scripting',
  keys: numkeysKeys,
  // We cannot tell how a script uses its keys, so Redis assumes the worst (RW for writers).
  keySpecs: [
    {
      // Redis's EVALSHA specs carry no note.
      ...(name.startsWith('evalsha') ? {} : { notes: `We cannot tell how the keys will be used so we assume the worst, ${ro ? 'RO and ACCESS' : 'RW and UPDATE'}` }),
      flags: ro ? ['RO', 'ACCESS'] : ['RW', 'ACCESS', 'UPDATE'],
      index: 2,
      keynum: [0, 1, 1],
    },
  ],
  summary,
  complexity: 'Depends on the script that is executed.',
  since: ro ? '7.0.0' : name.startsWith('fcall') ? '7.0.0' : '2.6.0',
  handler,
});

/** A subcommand with Redis's command tips (they also route it over shards: engine/router.ts). */
const tipped = (spec: CommandSpec, ...tips: string[]): CommandSpec => ({ ...spec, tips });

const sub = (name: string, arity: number, flags: CommandFlag[], summary: string, handler: (ctx: Ctx) => Reply, write = false): CommandSpec => ({
  name,
  arity,
  flags,
  acl: [...(write ? ['write'] : []), 'slow', 'scripting'],
  group: 'scripting',
  summary,
  complexity: 'O(N)',
  since: '2.6.0',
  handler,
});

defineCommands(
  evalLike('eval', false, 'Executes a server-side Lua script.', (ctx) => evalGeneric(ctx, false, false)),
  evalLike('evalsha', false, 'Executes a server-side Lua script by SHA1 digest.', (ctx) => evalGeneric(ctx, true, false)),
  evalLike('eval_ro', true, 'Executes a read-only server-side Lua script.', (ctx) => evalGeneric(ctx, false, true)),
  evalLike('evalsha_ro', true, 'Executes a read-only server-side Lua script by SHA1 digest.', (ctx) => evalGeneric(ctx, true, true)),
  evalLike('fcall', false, 'Invokes a function.', (ctx) => fcallGeneric(ctx, false)),
  evalLike('fcall_ro', true, 'Invokes a read-only function.', (ctx) => fcallGeneric(ctx, true)),
  {
    name: 'script',
    arity: -2,
    flags: [],
    acl: ['slow'],
    group: 'scripting',
    summary: 'A container for Lua scripts management commands.',
    complexity: 'Depends on subcommand.',
    since: '2.6.0',
    subcommands: [
      sub('help', 2, ['loading', 'stale'], 'Returns helpful text about the different subcommands.', () => SCRIPT_HELP),
      tipped(sub('exists', -3, ['noscript'], 'Determines whether server-side Lua scripts exist in the script cache.', (ctx) => {
        const st = scriptingState(ctx.shard);
        return ctx.argv.slice(2).map((s) => (st.scripts.has(s) ? 1 : 0));
      }), 'request_policy:all_shards', 'response_policy:agg_logical_and'),
      tipped(sub('flush', -2, ['noscript'], 'Removes all server-side Lua scripts from the script cache.', (ctx) => {
        flushMode(ctx.argv, 'ERR SCRIPT FLUSH only support SYNC|ASYNC option');
        scriptingState(ctx.shard).flushScripts();
        return OK;
      }), 'request_policy:all_nodes', 'response_policy:all_succeeded'),
      tipped(sub('load', 3, ['noscript', 'stale'], 'Loads a server-side Lua script to the script cache.', (ctx) => {
        return createScript(scriptingState(ctx.shard), ctx.argv[2]!).sha;
      }), 'request_policy:all_nodes', 'response_policy:all_succeeded'),
      tipped(
        sub('kill', 2, ['noscript', 'allow_busy'], 'Terminates a server-side Lua script during execution.', (ctx) => scriptKill(ctx, true)),
        'nondeterministic_output',
        'request_policy:all_shards',
        'response_policy:one_succeeded',
      ),
      sub('debug', 3, ['noscript'], 'Sets the debug mode of server-side Lua scripts.', (ctx) => {
        const m = ctx.argv[2]!.toLowerCase();
        if (m === 'no') return OK;
        if (m === 'yes' || m === 'sync') return error('ERR SCRIPT DEBUG is not supported by this server');
        return error('ERR Use SCRIPT DEBUG YES/SYNC/NO');
      }),
    ],
  },
  {
    name: 'function',
    arity: -2,
    flags: [],
    acl: ['slow'],
    group: 'scripting',
    summary: 'A container for function commands.',
    complexity: 'Depends on subcommand.',
    since: '7.0.0',
    subcommands: [
      sub('help', 2, ['loading', 'stale'], 'Returns helpful text about the different subcommands.', () => FUNCTION_HELP),
      tipped(sub(
        'load',
        -3,
        ['write', 'denyoom', 'noscript'],
        'Creates a library.',
        (ctx) => {
          const argv = ctx.argv;
          let replace = false;
          let i = 2;
          while (i < argv.length - 1) {
            const a = argv[i++]!;
            if (a.toLowerCase() === 'replace') {
              replace = true;
              continue;
            }
            return error(`ERR Unknown option given: ${a}`);
          }
          if (i >= argv.length) return error('ERR Function code is missing');
          const name = createLibrary(scriptingState(ctx.shard), argv[i]!, replace);
          ctx.shard.dirty++;
          return name;
        },
        true,
      ), 'request_policy:all_shards', 'response_policy:all_succeeded'),
      tipped(sub(
        'delete',
        3,
        ['write', 'noscript'],
        'Deletes a library and its functions.',
        (ctx) => {
          const st = scriptingState(ctx.shard);
          const lib = st.libraries.get(ctx.argv[2]!);
          if (lib === undefined) return error('ERR Library not found');
          unlinkLibrary(st, lib);
          st.runtime.freeLibrary(lib);
          ctx.shard.dirty++;
          return OK;
        },
        true,
      ), 'request_policy:all_shards', 'response_policy:all_succeeded'),
      tipped(sub(
        'flush',
        -2,
        ['write', 'noscript'],
        'Deletes all libraries and functions.',
        (ctx) => {
          if (ctx.argv.length > 3) return subcommandSyntaxError(ctx.argv);
          flushMode(ctx.argv, 'ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
          flushFunctions(scriptingState(ctx.shard));
          ctx.shard.dirty++;
          return OK;
        },
        true,
      ), 'request_policy:all_shards', 'response_policy:all_succeeded'),
      sub('list', -2, ['noscript'], 'Returns information about all libraries.', functionList),
      sub('dump', 2, ['noscript'], 'Dumps all libraries into a serialized binary payload.', (ctx) => dumpFunctions(scriptingState(ctx.shard))),
      tipped(sub('restore', -3, ['write', 'denyoom', 'noscript'], 'Restores all libraries from a payload.', functionRestore, true), 'request_policy:all_shards', 'response_policy:all_succeeded'),
      tipped(
        sub('kill', 2, ['noscript', 'allow_busy'], 'Terminates a function during execution.', (ctx) => scriptKill(ctx, false)),
        'nondeterministic_output',
        'request_policy:all_shards',
        'response_policy:one_succeeded',
      ),
      sub('stats', 2, ['noscript', 'allow_busy'], 'Returns information about a function during execution.', functionStats),
    ],
  },
);

export { scriptingState };
