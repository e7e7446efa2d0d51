/// <reference path="./fengari.d.ts" />
/**
 * The Lua runtime of scripting (script_lua.c, eval.c, function_lua.c) on fengari, a Lua 5.3 VM
 * in JavaScript. It lives under src/node/ because fengari's modules require Node built-ins
 * ('os' in luaconf.js, 'fs' in lauxlib.js) at load time, so they cannot be bundled for browsers.
 * Importing this module registers the runtime with the portable scripting state.
 *
 * Redis embeds Lua 5.1; scripts written for it are made to run here by:
 *  - numbers: every number parsed from text (literals, tonumber, string coercion) is a float,
 *    as all numbers are in 5.1 (fengari's integers are 32-bit and would wrap), and floats print
 *    like 5.1 ("%.14g", no ".0");
 *  - read-only tables (Redis's lua_enablereadonlytable): a flag on fengari's table objects,
 *    checked where fengari writes table slots;
 *  - 5.1 globals: unpack, loadstring (text only), gcinfo; the bit, cjson and cmsgpack libraries.
 *
 * A run is a coroutine. With a host that serves other clients (the RESP server), a count hook
 * yields it once it runs past busy-reply-threshold, and the host resumes it in slices; without
 * one it runs to completion.
 */
import 'fengari/src/lualib.js';
import luaMod from 'fengari/src/lua.js';
import lauxMod from 'fengari/src/lauxlib.js';
import baseMod from 'fengari/src/lbaselib.js';
import tabMod from 'fengari/src/ltablib.js';
import strMod from 'fengari/src/lstrlib.js';
import mathMod from 'fengari/src/lmathlib.js';
import coMod from 'fengari/src/lcorolib.js';
import dbMod from 'fengari/src/ldblib.js';
import objMod from 'fengari/src/lobject.js';
import tableMod from 'fengari/src/ltable.js';
import debugMod from 'fengari/src/ldebug.js';
import defsMod from 'fengari/src/defs.js';
import { formatDouble, fromBytes, toBytes } from '../../bytes.ts';
import { ErrorReply } from '../../errors.ts';
import { BoolReply, Double, MapReply, NULL_ARRAY, SetReply, Status, Verbatim, type Reply } from '../../reply.ts';
import { sha1hex } from '../../scripting/sha1.ts';
import {
  registerScriptRuntime,
  SCRIPT_FLAG_NAMES,
  YIELDED,
  type FunctionInfo,
  type LibraryInfo,
  type RunResult,
  type ScriptFlag,
  type ScriptingState,
  type ScriptRun,
  type ScriptRuntime,
} from '../../scripting/state.ts';
import { fmtG14, openBit, openCjson, openCmsgpack, openStruct } from './libs.ts';

const lua = luaMod;
const lauxlib = lauxMod;
const L_OK = lua.LUA_OK;
const L_YIELD = lua.LUA_YIELD;

export const REDIS_VERSION = '7.2.4';
export const REDIS_VERSION_NUM = 0x070204;

// ---------------------------------------------------------------------------------------------
// fengari adjustments (process-wide, applied once)


let patched = false;
function patchFengari(): void {
  if (patched) return;
  patched = true;
  const str2num = objMod.luaO_str2num;
  objMod.luaO_str2num = function (s: Uint8Array, o: { ttisinteger(): boolean; value: number; setfltvalue(n: number): void }) {
    const r = str2num(s, o);
    if (r !== 0 && o.ttisinteger()) o.setfltvalue(o.value);
    return r;
  };
  objMod.luaO_tostring = function (L: unknown, obj: { ttisinteger(): boolean; value: number; setsvalue(v: unknown): void }) {
    const text = obj.ttisinteger() ? String(obj.value) : fmtG14(obj.value);
    obj.setsvalue(lstringBless(L, defsMod.to_luastring(text)));
  };
  // luaL_tolstring (tostring, string.format('%s')) formats floats with "%f" through here.
  const pushvfstring = objMod.luaO_pushvfstring;
  objMod.luaO_pushvfstring = function (L: unknown, fmt: Uint8Array, argp: unknown[]) {
    if (fmt.length === 2 && fmt[0] === 37 && fmt[1] === 102 && typeof argp[0] === 'number') {
      return pushvfstring(L, defsMod.to_luastring('%s'), [defsMod.to_luastring(fmtG14(argp[0]))]);
    }
    return pushvfstring(L, fmt, argp);
  };
  const setfrom = tableMod.luaH_setfrom;
  tableMod.luaH_setfrom = function (L: unknown, t: { readonly?: boolean }, k: unknown, v: unknown) {
    if (t.readonly === true) debugMod.luaG_runerror(L, defsMod.to_luastring('Attempt to modify a readonly table'));
    return setfrom(L, t, k, v);
  };
}

/** Lua 5.1 quotes every token in syntax errors, 5.3 not <eof>. */
function lua51Message(msg: string): string {
  return msg.replace(/near <eof>$/, "near '<eof>'");
}

// lstring's luaS_bless: a Lua string object of bytes.
import lstringMod from 'fengari/src/lstring.js';
const lstringBless = lstringMod.luaS_bless;

// ---------------------------------------------------------------------------------------------
// Small helpers over the C-like API

type LuaState = any;
const u8 = (s: string): Uint8Array => toBytes(s);
const lit = (s: string): Uint8Array => defsMod.to_luastring(s);

function pushBin(L: LuaState, s: string): void {
  if (s.length === 0) lua.lua_pushliteral(L, '');
  else lua.lua_pushlstring(L, u8(s), s.length);
}

function toBin(L: LuaState, idx: number): string | null {
  const s = lua.lua_tolstring(L, idx);
  return s === null || s === undefined ? null : fromBytes(s);
}

function tableAt(L: LuaState, idx: number): { readonly?: boolean; metatable?: unknown } {
  return lua.lua_topointer(L, idx);
}

function setReadonly(L: LuaState, idx: number, on: boolean): void {
  tableAt(L, idx).readonly = on;
}

/** luaPushError: a table {err = "CODE message"} ("ERR " when the text has no "-CODE"). */
function pushError(L: LuaState, text: string): void {
  let msg: string;
  if (text.startsWith('-')) {
    const sp = text.indexOf(' ');
    msg = sp < 0 ? `ERR ${text.slice(1)}` : `${text.slice(1, sp)} ${text.slice(sp + 1)}`;
  } else msg = `ERR ${text}`;
  msg = msg.replace(/[\r\n]+$/, '');
  lua.lua_createtable(L, 0, 1);
  lua.lua_pushliteral(L, 'err');
  pushBin(L, msg);
  lua.lua_rawset(L, -3);
}

function raiseError(L: LuaState, text: string): never {
  pushError(L, text);
  lua.lua_error(L);
  throw new Error('unreachable');
}

/** luaL_error without format directives (the message may hold '%'). */
function raiseText(L: LuaState, text: string): never {
  lauxlib.luaL_where(L, 1);
  pushBin(L, text);
  lua.lua_concat(L, 2);
  lua.lua_error(L);
  throw new Error('unreachable');
}

function setFn(L: LuaState, name: string, fn: (L: LuaState) => number): void {
  lua.lua_pushliteral(L, name);
  lua.lua_pushjsfunction(L, fn);
  lua.lua_rawset(L, -3);
}

function setNum(L: LuaState, name: string, n: number): void {
  lua.lua_pushliteral(L, name);
  lua.lua_pushnumber(L, n);
  lua.lua_rawset(L, -3);
}

function setStr(L: LuaState, name: string, s: string): void {
  lua.lua_pushliteral(L, name);
  pushBin(L, s);
  lua.lua_rawset(L, -3);
}

// ---------------------------------------------------------------------------------------------
// Conversions

/** A command's reply -> Lua (redisProtocolToLuaType), as RESP2 or RESP3 would carry it. */
function pushReply(L: LuaState, r: Reply, resp: 2 | 3): void {
  lauxlib.luaL_checkstack(L, 4, null);
  if (typeof r === 'string') return pushBin(L, r);
  if (typeof r === 'number') return lua.lua_pushnumber(L, r);
  if (typeof r === 'bigint') return lua.lua_pushnumber(L, Number(r));
  if (r === null || r === NULL_ARRAY) {
    if (resp === 2) lua.lua_pushboolean(L, false);
    else lua.lua_pushnil(L);
    return;
  }
  if (Array.isArray(r)) {
    lua.lua_createtable(L, r.length, 0);
    for (let i = 0; i < r.length; i++) {
      pushReply(L, r[i]!, resp);
      lua.lua_rawseti(L, -2, i + 1);
    }
    return;
  }
  if (r instanceof Status) {
    lua.lua_createtable(L, 0, 1);
    lua.lua_pushliteral(L, 'ok');
    pushBin(L, r.text);
    lua.lua_rawset(L, -3);
    return;
  }
  if (r instanceof ErrorReply) {
    pushError(L, '-' + r.message);
    lua.lua_pushliteral(L, 'ignore_error_stats_update');
    lua.lua_pushboolean(L, true);
    lua.lua_rawset(L, -3);
    return;
  }
  if (r instanceof Double) {
    if (resp === 2) return pushBin(L, formatDouble(r.value));
    lua.lua_createtable(L, 0, 1);
    lua.lua_pushliteral(L, 'double');
    lua.lua_pushnumber(L, r.value);
    lua.lua_rawset(L, -3);
    return;
  }
  if (r instanceof MapReply) {
    const e = r.entries;
    if (resp === 2) {
      lua.lua_createtable(L, e.length, 0);
      for (let i = 0; i < e.length; i++) {
        pushReply(L, e[i]!, resp);
        lua.lua_rawseti(L, -2, i + 1);
      }
      return;
    }
    lua.lua_createtable(L, 0, 1);
    lua.lua_pushliteral(L, 'map');
    lua.lua_createtable(L, 0, e.length / 2);
    for (let i = 0; i < e.length; i += 2) {
      pushReply(L, e[i]!, resp);
      pushReply(L, e[i + 1]!, resp);
      lua.lua_rawset(L, -3);
    }
    lua.lua_rawset(L, -3);
    return;
  }
  if (r instanceof SetReply) {
    const items = r.items;
    if (resp === 2) {
      lua.lua_createtable(L, items.length, 0);
      for (let i = 0; i < items.length; i++) {
        pushReply(L, items[i]!, resp);
        lua.lua_rawseti(L, -2, i + 1);
      }
      return;
    }
    lua.lua_createtable(L, 0, 1);
    lua.lua_pushliteral(L, 'set');
    lua.lua_createtable(L, 0, items.length);
    for (const it of items) {
      pushReply(L, it, resp);
      lua.lua_pushboolean(L, true);
      lua.lua_rawset(L, -3);
    }
    lua.lua_rawset(L, -3);
    return;
  }
  if (r instanceof Verbatim) {
    if (resp === 2) return pushBin(L, r.text);
    lua.lua_createtable(L, 0, 1);
    lua.lua_pushliteral(L, 'verbatim_string');
    lua.lua_createtable(L, 0, 2);
    setStr(L, 'string', r.text);
    setStr(L, 'format', r.format);
    lua.lua_rawset(L, -3);
    return;
  }
  if (r instanceof BoolReply) {
    if (resp === 2) lua.lua_pushnumber(L, r.value ? 1 : 0);
    else lua.lua_pushboolean(L, r.value);
    return;
  }
  lua.lua_pushnil(L);
}

const MAX_REPLY_DEPTH = 1000;
const STACK_LIMIT = new ErrorReply('ERR reached lua stack limit');

function rawField(L: LuaState, idx: number, name: string): number {
  lua.lua_pushliteral(L, name);
  return lua.lua_rawget(L, idx < 0 ? idx - 1 : idx);
}

/** The error text of an error table (luaExtractErrorInformation's msg), with \r\n made spaces. */
function errText(s: string): string {
  return s.replace(/[\r\n]/g, ' ');
}

/** The Lua value on top -> a reply (luaReplyToRedisReply); pops it. */
function toReply(L: LuaState, resp: 2 | 3, depth = 0): Reply {
  const t = lua.lua_type(L, -1);
  let r: Reply;
  switch (t) {
    case lua.LUA_TSTRING:
      r = toBin(L, -1)!;
      break;
    case lua.LUA_TBOOLEAN:
      r = resp === 2 ? (lua.lua_toboolean(L, -1) ? 1 : null) : new BoolReply(lua.lua_toboolean(L, -1));
      break;
    case lua.LUA_TNUMBER:
      r = luaNumberToInteger(lua.lua_tonumber(L, -1));
      break;
    case lua.LUA_TTABLE:
      r = tableToReply(L, resp, depth);
      break;
    default:
      r = null;
  }
  lua.lua_pop(L, 1);
  return r;
}

/** (long long)lua_Number. */
function luaNumberToInteger(n: number): number | bigint {
  if (n !== n) return -9223372036854775808n;
  const t = Math.trunc(n);
  if (Number.isSafeInteger(t)) return t;
  if (t >= 9223372036854775807) return n === Infinity ? -9223372036854775808n : 9223372036854775807n;
  if (t <= -9223372036854775808) return -9223372036854775808n;
  return BigInt(t);
}

function tableToReply(L: LuaState, resp: 2 | 3, depth: number): Reply {
  if (depth >= MAX_REPLY_DEPTH) return STACK_LIMIT;
  lauxlib.luaL_checkstack(L, 6, null);
  if (rawField(L, -1, 'err') === lua.LUA_TSTRING) {
    const msg = toBin(L, -1)!;
    lua.lua_pop(L, 1);
    return new ErrorReply(errText(msg));
  }
  lua.lua_pop(L, 1);
  if (rawField(L, -1, 'ok') === lua.LUA_TSTRING) {
    const s = toBin(L, -1)!;
    lua.lua_pop(L, 1);
    return new Status(s.replace(/[\r\n]/g, ' '));
  }
  lua.lua_pop(L, 1);
  if (rawField(L, -1, 'double') === lua.LUA_TNUMBER) {
    const d = lua.lua_tonumber(L, -1);
    lua.lua_pop(L, 1);
    return new Double(d);
  }
  lua.lua_pop(L, 1);
  if (rawField(L, -1, 'big_number') === lua.LUA_TSTRING) {
    const s = toBin(L, -1)!;
    lua.lua_pop(L, 1);
    return s.replace(/[\r\n]/g, ' ');
  }
  lua.lua_pop(L, 1);
  if (rawField(L, -1, 'verbatim_string') === lua.LUA_TTABLE) {
    if (rawField(L, -1, 'format') === lua.LUA_TSTRING) {
      const format = toBin(L, -1)!;
      if (rawField(L, -2, 'string') === lua.LUA_TSTRING) {
        const text = toBin(L, -1)!;
        lua.lua_pop(L, 3);
        return new Verbatim(format.slice(0, 3), text);
      }
      lua.lua_pop(L, 1);
    }
    lua.lua_pop(L, 1);
  }
  lua.lua_pop(L, 1);
  if (rawField(L, -1, 'map') === lua.LUA_TTABLE) {
    const entries: Reply[] = [];
    lua.lua_pushnil(L);
    while (lua.lua_next(L, -2) !== 0) {
      lua.lua_pushvalue(L, -2);
      entries.push(toReply(L, resp, depth + 1));
      entries.push(toReply(L, resp, depth + 1));
    }
    lua.lua_pop(L, 1);
    return new MapReply(entries);
  }
  lua.lua_pop(L, 1);
  if (rawField(L, -1, 'set') === lua.LUA_TTABLE) {
    const items: Reply[] = [];
    lua.lua_pushnil(L);
    while (lua.lua_next(L, -2) !== 0) {
      lua.lua_pop(L, 1);
      lua.lua_pushvalue(L, -1);
      items.push(toReply(L, resp, depth + 1));
    }
    lua.lua_pop(L, 1);
    return new SetReply(items);
  }
  lua.lua_pop(L, 1);
  const out: Reply[] = [];
  for (let j = 1; ; j++) {
    if (lua.lua_rawgeti(L, -1, j) === lua.LUA_TNIL) {
      lua.lua_pop(L, 1);
      break;
    }
    out.push(toReply(L, resp, depth + 1));
  }
  return out;
}

/** luaArgsToRedisArgv: the arguments of redis.call; null after pushing an error table. */
function argsToArgv(L: LuaState): string[] | null {
  const argc = lua.lua_gettop(L);
  if (argc === 0) {
    pushError(L, 'Please specify at least one argument for this redis lib call');
    return null;
  }
  const argv: string[] = new Array(argc);
  for (let j = 0; j < argc; j++) {
    const t = lua.lua_type(L, j + 1);
    if (t === lua.LUA_TNUMBER) {
      const n = lua.lua_tonumber(L, j + 1);
      argv[j] = Number.isInteger(n) && Math.abs(n) < 9.3e18 ? BigInt(n).toString() : formatDouble(n);
    } else if (t === lua.LUA_TSTRING) {
      argv[j] = toBin(L, j + 1)!;
    } else {
      lua.lua_settop(L, 0);
      pushError(L, 'Lua redis lib command arguments must be strings or integers');
      return null;
    }
  }
  lua.lua_settop(L, 0);
  return argv;
}

// ---------------------------------------------------------------------------------------------
// Redis's PRNG for math.random (rand.c: lrand48 with a 48-bit state)

class Rand48 {
  private x = 0x1234abcd330en;
  seed(s: number): void {
    this.x = ((BigInt(Math.trunc(s)) & 0xffffffffn) << 16n) | 0x330en;
  }
  next(): number {
    this.x = (0x5deece66dn * this.x + 0xbn) & 0xffffffffffffn;
    return Number(this.x >> 17n);
  }
}
const LRAND48_MAX = 2147483647;

// ---------------------------------------------------------------------------------------------
// Allow lists (script_lua.c)

const ALLOWED_GLOBALS = new Set([
  'string', 'cjson', 'bit', 'cmsgpack', 'math', 'table', 'struct',
  'redis', '__redis__err__handler',
  'xpcall', 'tostring', 'getfenv', 'setmetatable', 'next', 'assert', 'tonumber', 'rawequal',
  'collectgarbage', 'getmetatable', 'rawset', 'pcall', 'coroutine', 'type', '_G', 'select',
  'unpack', 'gcinfo', 'pairs', 'rawget', 'loadstring', 'ipairs', '_VERSION', 'setfenv', 'load', 'error',
  'newproxy',
  'debug',
]);

const ERR_HANDLER = `local dbg = debug
debug = nil
function __redis__err__handler(err)
  local i = dbg.getinfo(2,'nSl')
  if i and (i.what == 'C' or i.what == 'J') then
    i = dbg.getinfo(3,'nSl')
  end
  if type(err) ~= 'table' then
    err = {err='ERR ' .. tostring(err)}
  end
  if i then
    err['source'] = i.source
    err['line'] = i.currentline
  end
  return err
end
`;

const RUNNER = 'local f, h, k, a = ...\nif k then return xpcall(f, h, k, a) end\nreturn xpcall(f, h)\n';

/** Per-run bookkeeping of the bridge. */
interface RunData {
  L: LuaState;
  thread: LuaState;
  threadRef: number;
  /** performance.now() when the current slice started. */
  sliceStart: number;
  startReal: number;
  resp: () => 2 | 3;
}

const SLICE_MS = 20;
const CIST_OAH = 1;
const HOOK_COUNT = 10000;

// ---------------------------------------------------------------------------------------------
// The runtime

class LuaRuntime implements ScriptRuntime {
  private evalL: LuaState;
  private fnL: LuaState | null = null;
  /** The function state's proxy globals metatable and the two tables its __index switches between. */
  private fnGlobalsMeta = 0;
  private readonly rand = new Rand48();
  private current: ScriptRun | null = null;
  private readonly runs = new WeakMap<ScriptRun, RunData>();
  /** The library FUNCTION LOAD is running (redis.register_function adds to it). */
  private loading: LibraryInfo | null = null;

  constructor(private readonly state: ScriptingState) {
    patchFengari();
    this.rand.seed(Math.floor(Math.random() * 0x7fffffff));
    this.evalL = this.newState(true);
  }

  // ----- state setup

  /** scriptingInit / luaEngineInitEngine: libraries, the redis table, protections. */
  private newState(evalMode: boolean): LuaState {
    const L = lauxlib.luaL_newstate();
    // luaSetAllowListProtection: globals outside the allow list are dropped while loading.
    lua.lua_pushglobaltable(L);
    lua.lua_createtable(L, 0, 1);
    lua.lua_pushliteral(L, '__newindex');
    lua.lua_pushjsfunction(L, (L: LuaState) => {
      const name = toBin(L, 2);
      if (name !== null && ALLOWED_GLOBALS.has(name)) lua.lua_rawset(L, 1);
      return 0;
    });
    lua.lua_rawset(L, -3);
    lua.lua_setmetatable(L, -2);
    lua.lua_pop(L, 1);

    const open = (name: string, fn: unknown) => {
      lauxlib.luaL_requiref(L, lit(name), fn, 1);
      lua.lua_pop(L, 1);
    };
    open('_G', baseMod.luaopen_base);
    open('table', tabMod.luaopen_table);
    open('string', strMod.luaopen_string);
    open('math', mathMod.luaopen_math);
    open('coroutine', coMod.luaopen_coroutine);
    open('debug', dbMod.luaopen_debug);
    open('cjson', openCjson);
    open('struct', openStruct);
    open('cmsgpack', openCmsgpack);
    open('bit', openBit);
    this.compat51(L);

    lua.lua_pushglobaltable(L);
    lua.lua_pushliteral(L, 'setmetatable');
    lua.lua_pushjsfunction(L, (L: LuaState) => {
      const t = lua.lua_type(L, 2);
      lauxlib.luaL_checktype(L, 1, lua.LUA_TTABLE);
      lauxlib.luaL_argcheck(L, t === lua.LUA_TNIL || t === lua.LUA_TTABLE, 2, lit('nil or table expected'));
      if (tableAt(L, 1).readonly === true) return raiseText(L, 'Attempt to modify a readonly table');
      if (lauxlib.luaL_getmetafield(L, 1, lit('__metatable')) !== lua.LUA_TNIL) return raiseText(L, 'cannot change a protected metatable');
      lua.lua_settop(L, 2);
      lua.lua_setmetatable(L, 1);
      return 1;
    });
    lua.lua_rawset(L, -3);
    lua.lua_pushliteral(L, 'pcall');
    lua.lua_pushjsfunction(L, (L: LuaState) => this.redisPcall(L));
    lua.lua_rawset(L, -3);
    lua.lua_pop(L, 1);

    this.registerRedisApi(L, evalMode);

    // math.random / math.randomseed: Redis's own, the same sequence everywhere.
    lua.lua_getglobal(L, 'math');
    setFn(L, 'random', (L: LuaState) => this.mathRandom(L));
    setFn(L, 'randomseed', (L: LuaState) => {
      this.rand.seed(lauxlib.luaL_checknumber(L, 1));
      return 0;
    });
    lua.lua_pop(L, 1);

    // The error handler captures debug, then debug leaves the globals.
    if (lauxlib.luaL_loadbuffer(L, lit(ERR_HANDLER), null, lit('@err_handler_def')) !== L_OK) throw new Error('err handler');
    lua.lua_call(L, 0, 0);
    // The runner: xpcall(script, handler) inside the run's coroutine (xpcall can yield in 5.3).
    if (lauxlib.luaL_loadbuffer(L, lit(RUNNER), null, lit('=runner')) !== L_OK) throw new Error('runner');
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, lit('__runner'));

    if (!evalMode) this.setupFunctionGlobals(L);

    // Lock the globals: unknown names raise, and every reachable table is read-only.
    lua.lua_pushglobaltable(L);
    this.setErrorMetatable(L);
    this.protectRecursively(L);
    lua.lua_pop(L, 1);

    if (!evalMode) {
      // Functions see the globals through an empty read-only table whose metatable's __index is
      // the real globals at run time and the load API while FUNCTION LOAD runs a library.
      lua.lua_createtable(L, 0, 0);
      lua.lua_createtable(L, 0, 1);
      lua.lua_pushliteral(L, '__index');
      lua.lua_pushglobaltable(L);
      lua.lua_rawset(L, -3);
      setReadonly(L, -1, true);
      lua.lua_pushvalue(L, -1);
      this.fnGlobalsMeta = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
      lua.lua_setmetatable(L, -2);
      setReadonly(L, -1, true);
      lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, lit('__fn_env'));
    }
    return L;
  }

  /** Lua 5.1 globals scripts rely on. */
  private compat51(L: LuaState): void {
    lua.lua_pushglobaltable(L);
    lua.lua_pushliteral(L, 'unpack');
    lua.lua_getglobal(L, 'table');
    lua.lua_getfield(L, -1, lit('unpack'));
    lua.lua_remove(L, -2);
    lua.lua_rawset(L, -3);
    // loadstring(s [, chunkname]): text chunks only, as Redis refuses bytecode.
    setFn(L, 'loadstring', (L: LuaState) => {
      const s = lua.lua_tolstring(L, 1);
      if (s === null || s === undefined) return raiseText(L, "bad argument #1 to 'loadstring' (string expected)");
      const name = lua.lua_tolstring(L, 2) ?? s;
      const st = lauxlib.luaL_loadbufferx(L, s, s.length, name, lit('t'));
      if (st === L_OK) return 1;
      lua.lua_pushnil(L);
      lua.lua_insert(L, -2);
      return 2;
    });
    setFn(L, 'gcinfo', (L: LuaState) => {
      lua.lua_pushnumber(L, Math.floor(lua.lua_gc(L, lua.LUA_GCCOUNT, 0)));
      return 1;
    });
    setStr(L, '_VERSION', 'Lua 5.1');
    lua.lua_pop(L, 1);
  }

  private setErrorMetatable(L: LuaState): void {
    lua.lua_createtable(L, 0, 1);
    lua.lua_pushliteral(L, '__index');
    lua.lua_pushjsfunction(L, (L: LuaState) => {
      if (lua.lua_gettop(L) !== 2) return raiseText(L, 'Wrong number of arguments to luaProtectedTableError');
      const name = toBin(L, 2) ?? '';
      return raiseText(L, `Script attempted to access nonexistent global variable '${name}'`);
    });
    lua.lua_rawset(L, -3);
    lua.lua_setmetatable(L, -2);
  }

  /** luaSetTableProtectionRecursively. */
  private protectRecursively(L: LuaState): void {
    const t = tableAt(L, -1);
    if (t.readonly === true) return;
    t.readonly = true;
    lauxlib.luaL_checkstack(L, 3, null);
    lua.lua_pushnil(L);
    while (lua.lua_next(L, -2) !== 0) {
      if (lua.lua_type(L, -1) === lua.LUA_TTABLE) this.protectRecursively(L);
      lua.lua_pop(L, 1);
    }
    if (lua.lua_getmetatable(L, -1)) {
      this.protectRecursively(L);
      lua.lua_pop(L, 1);
    }
  }

  private registerRedisApi(L: LuaState, evalMode: boolean): void {
    lua.lua_createtable(L, 0, 32);
    setFn(L, 'call', (L: LuaState) => this.redisCall(L, true));
    setFn(L, 'pcall', (L: LuaState) => this.redisCall(L, false));
    this.registerLog(L);
    this.registerVersion(L);
    setFn(L, 'setresp', (L: LuaState) => {
      if (lua.lua_gettop(L) !== 1) return raiseError(L, 'redis.setresp() requires one argument.');
      const resp = Math.trunc(lua.lua_tonumber(L, 1));
      if (resp !== 2 && resp !== 3) return raiseError(L, 'RESP version must be 2 or 3.');
      const run = this.runOf(L);
      run.session.resp = resp;
      return 0;
    });
    setFn(L, 'sha1hex', (L: LuaState) => {
      if (lua.lua_gettop(L) !== 1) return raiseError(L, 'wrong number of arguments');
      lua.lua_pushliteral(L, sha1hex(toBin(L, 1) ?? ''));
      return 1;
    });
    setFn(L, 'error_reply', (L: LuaState) => {
      if (lua.lua_gettop(L) !== 1 || lua.lua_type(L, -1) !== lua.LUA_TSTRING) {
        pushError(L, 'wrong number or type of arguments');
        return 1;
      }
      const e = toBin(L, -1)!;
      pushError(L, e.startsWith('-') ? e : '-' + e);
      return 1;
    });
    setFn(L, 'status_reply', (L: LuaState) => {
      if (lua.lua_gettop(L) !== 1 || lua.lua_type(L, -1) !== lua.LUA_TSTRING) {
        pushError(L, 'wrong number or type of arguments');
        return 1;
      }
      lua.lua_createtable(L, 0, 1);
      lua.lua_pushliteral(L, 'ok');
      lua.lua_pushvalue(L, -3);
      lua.lua_rawset(L, -3);
      return 1;
    });
    // Effects are always what a script ran; set_repl is accepted and checked as in Redis.
    setFn(L, 'set_repl', (L: LuaState) => {
      this.runOf(L);
      if (lua.lua_gettop(L) !== 1) return raiseError(L, 'redis.set_repl() requires one argument.');
      const flags = Math.trunc(lua.lua_tonumber(L, -1));
      if ((flags & ~3) !== 0) return raiseError(L, 'Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.');
      return 0;
    });
    setNum(L, 'REPL_NONE', 0);
    setNum(L, 'REPL_AOF', 1);
    setNum(L, 'REPL_SLAVE', 2);
    setNum(L, 'REPL_REPLICA', 2);
    setNum(L, 'REPL_ALL', 3);
    setFn(L, 'acl_check_cmd', (L: LuaState) => {
      const run = this.runOf(L);
      const argv = argsToArgv(L);
      if (argv === null) return lua.lua_error(L);
      const cmd = lookupForAcl(argv);
      if (cmd === undefined) return raiseError(L, 'Invalid command passed to redis.acl_check_cmd()');
      lua.lua_pushboolean(L, (this.state.host?.aclCheck?.(run, cmd, argv, false) ?? null) === null);
      return 1;
    });
    if (evalMode) {
      // Without a debugger attached, as in Redis: breakpoint answers false, debug does nothing.
      setFn(L, 'breakpoint', (L: LuaState) => {
        lua.lua_pushboolean(L, false);
        return 1;
      });
      setFn(L, 'debug', () => 0);
      setFn(L, 'replicate_commands', (L: LuaState) => {
        lua.lua_pushboolean(L, true);
        return 1;
      });
    }
    lua.lua_setglobal(L, 'redis');
  }

  private registerLog(L: LuaState): void {
    setFn(L, 'log', (L: LuaState) => {
      const argc = lua.lua_gettop(L);
      if (argc < 2) return raiseError(L, 'redis.log() requires two arguments or more.');
      if (!lua.lua_isnumber(L, 1)) return raiseError(L, 'First argument must be a number (log level).');
      const level = Math.trunc(lua.lua_tonumber(L, 1));
      if (level < 0 || level > 3) return raiseError(L, 'Invalid debug level.');
      const parts: string[] = [];
      for (let j = 2; j <= argc; j++) {
        const s = toBin(L, j);
        if (s !== null) parts.push(s);
      }
      this.state.log(level, parts.join(' '));
      return 0;
    });
    setNum(L, 'LOG_DEBUG', 0);
    setNum(L, 'LOG_VERBOSE', 1);
    setNum(L, 'LOG_NOTICE', 2);
    setNum(L, 'LOG_WARNING', 3);
  }

  private registerVersion(L: LuaState): void {
    setNum(L, 'REDIS_VERSION_NUM', REDIS_VERSION_NUM);
    setStr(L, 'REDIS_VERSION', REDIS_VERSION);
  }

  /** function_lua.c: the load-time API (LIBRARY_API) of the functions interpreter. */
  private setupFunctionGlobals(L: LuaState): void {
    lua.lua_createtable(L, 0, 1); // load library globals
    lua.lua_createtable(L, 0, 8); // its redis table
    setFn(L, 'register_function', (L: LuaState) => this.registerFunction(L));
    this.registerLog(L);
    this.registerVersion(L);
    this.setErrorMetatable(L);
    lua.lua_setfield(L, -2, lit('redis'));
    this.setErrorMetatable(L);
    this.protectRecursively(L);
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, lit('__library_api'));
  }

  // ----- redis.* at run time

  private runOf(L: LuaState): ScriptRun {
    const run = this.current;
    if (run === null) return raiseError(L, 'redis.call can only be called while a script runs');
    void L;
    return run;
  }

  private redisCall(L: LuaState, raise: boolean): number {
    const run = this.runOf(L);
    const argv = argsToArgv(L);
    if (argv === null) return raise ? lua.lua_error(L) : 1;
    const reply = run.call(argv);
    pushReply(L, reply, run.session.resp);
    if (raise && reply instanceof ErrorReply) return lua.lua_error(L);
    return 1;
  }

  /** luaRedisPcall: pcall whose error is the message when the error is a Redis error table. */
  private redisPcall(L: LuaState): number {
    const argc = lua.lua_gettop(L);
    lauxlib.luaL_checkany(L, 1);
    lua.lua_pushboolean(L, true);
    lua.lua_insert(L, 1);
    const finish = (L: LuaState, status: number): number => {
      if (status !== L_OK && status !== L_YIELD) {
        lua.lua_remove(L, 1);
        if (lua.lua_istable(L, -1)) {
          lua.lua_getfield(L, -1, lit('err'));
          if (lua.lua_isstring(L, -1)) lua.lua_replace(L, -2);
          else lua.lua_pop(L, 1);
        }
        lua.lua_pushboolean(L, false);
        lua.lua_insert(L, 1);
      }
      return lua.lua_gettop(L);
    };
    // fengari's lua_pcallk never records the original 'allowhook' (CIST_OAH): set it, or hooks
    // stay off after an error is recovered here and the script could no longer be killed.
    L.ci.callstatus |= CIST_OAH;
    const status = lua.lua_pcallk(L, argc - 1, lua.LUA_MULTRET, 0, 0, finish);
    return finish(L, status);
  }

  private mathRandom(L: LuaState): number {
    const r = (this.rand.next() % LRAND48_MAX) / LRAND48_MAX;
    switch (lua.lua_gettop(L)) {
      case 0:
        lua.lua_pushnumber(L, r);
        break;
      case 1: {
        const u = Math.trunc(lauxlib.luaL_checknumber(L, 1));
        lauxlib.luaL_argcheck(L, 1 <= u, 1, lit('interval is empty'));
        lua.lua_pushnumber(L, Math.floor(r * u) + 1);
        break;
      }
      case 2: {
        const l = Math.trunc(lauxlib.luaL_checknumber(L, 1));
        const u = Math.trunc(lauxlib.luaL_checknumber(L, 2));
        lauxlib.luaL_argcheck(L, l <= u, 2, lit('interval is empty'));
        lua.lua_pushnumber(L, Math.floor(r * (u - l + 1)) + l);
        break;
      }
      default:
        return raiseText(L, 'wrong number of arguments');
    }
    return 1;
  }

  // ----- EVAL

  compileEval(sha: string, body: string): string | null {
    const L = this.evalL;
    const code = u8(body);
    if (lauxlib.luaL_loadbufferx(L, code, code.length, lit('@user_script'), lit('t')) !== L_OK) {
      const msg = toBin(L, -1) ?? 'unknown error';
      lua.lua_pop(L, 1);
      return lua51Message(msg);
    }
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, lit('f_' + sha));
    return null;
  }

  runEval(run: ScriptRun, sha: string, keys: string[], args: string[]): RunResult {
    const L = this.evalL;
    // KEYS and ARGV are globals of an EVAL: set them with the global protection lifted.
    lua.lua_pushglobaltable(L);
    setReadonly(L, -1, false);
    this.pushArray(L, keys);
    lua.lua_setfield(L, -2, lit('KEYS'));
    this.pushArray(L, args);
    lua.lua_setfield(L, -2, lit('ARGV'));
    setReadonly(L, -1, true);
    lua.lua_pop(L, 1);
    const thread = this.startThread(L);
    lua.lua_getfield(thread, lua.LUA_REGISTRYINDEX, lit('f_' + sha));
    lua.lua_getglobal(thread, '__redis__err__handler');
    return this.begin(run, L, thread, 2);
  }

  private pushArray(L: LuaState, items: string[]): void {
    lua.lua_createtable(L, items.length, 0);
    for (let i = 0; i < items.length; i++) {
      pushBin(L, items[i]!);
      lua.lua_rawseti(L, -2, i + 1);
    }
  }

  /** A coroutine holding the runner, referenced from the registry while it lives. */
  private startThread(L: LuaState): LuaState {
    const thread = lua.lua_newthread(L);
    const ref = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    (thread as { __ref?: number }).__ref = ref;
    lua.lua_getfield(thread, lua.LUA_REGISTRYINDEX, lit('__runner'));
    return thread;
  }

  private begin(run: ScriptRun, L: LuaState, thread: LuaState, nargs: number): RunResult {
    const now = performance.now();
    const data: RunData = {
      L,
      thread,
      threadRef: (thread as { __ref: number }).__ref,
      sliceStart: now,
      startReal: now,
      resp: () => run.session.resp,
    };
    this.runs.set(run, data);
    if (run.threshold > 0) {
      lua.lua_sethook(thread, (L1: LuaState) => this.hook(run, data, L1), lua.LUA_MASKCOUNT, HOOK_COUNT);
    }
    return this.step(run, data, nargs);
  }

  resume(run: ScriptRun): RunResult {
    const data = this.runs.get(run);
    if (data === undefined) return new ErrorReply('ERR script is not running');
    data.sliceStart = performance.now();
    return this.step(run, data, 0);
  }

  abandon(run: ScriptRun): void {
    const data = this.runs.get(run);
    if (data === undefined) return;
    this.end(run, data);
  }

  /** Runs the coroutine until it ends or the hook yields. */
  private step(run: ScriptRun, data: RunData, nargs: number): RunResult {
    const prev = this.current;
    this.current = run;
    let status: number;
    try {
      status = lua.lua_resume(data.thread, null, nargs);
    } catch (e) {
      this.current = prev;
      this.end(run, data);
      return new ErrorReply(`ERR Error running script ${run.funcname}, ${String((e as Error)?.message ?? e).slice(0, 100)}`);
    }
    this.current = prev;
    if (status === L_YIELD) {
      this.state.suspend(run);
      return YIELDED;
    }
    const T = data.thread;
    let reply: Reply;
    if (status !== L_OK) {
      // An error outside xpcall (the runner itself): report it as Redis does a non-table error.
      const msg = toBin(T, -1) ?? 'execution failure';
      reply = new ErrorReply(errText(`ERR Error running script ${run.funcname}, ${msg.slice(0, 100)}`));
    } else if (lua.lua_toboolean(T, 1)) {
      lua.lua_settop(T, 2);
      reply = toReply(T, run.session.resp);
    } else {
      lua.lua_settop(T, 2);
      reply = this.errorReply(T, run);
    }
    this.end(run, data);
    return reply;
  }

  /** The reply for a failed run: {err, source, line} -> "-<err> script: <name>, on <source>:<line>." */
  private errorReply(T: LuaState, run: ScriptRun): Reply {
    if (!lua.lua_istable(T, -1)) {
      const msg = lua.lua_isstring(T, -1) ? toBin(T, -1)! : 'execution failure';
      return new ErrorReply(errText(`ERR Error running script ${run.funcname}, ${msg.slice(0, 100)}`));
    }
    let msg = '';
    let source: string | null = null;
    let line: string | null = null;
    if (rawField(T, -1, 'err') === lua.LUA_TSTRING) msg = toBin(T, -1)!;
    lua.lua_pop(T, 1);
    lua.lua_getfield(T, -1, lit('source'));
    if (lua.lua_isstring(T, -1)) source = toBin(T, -1);
    lua.lua_pop(T, 1);
    lua.lua_getfield(T, -1, lit('line'));
    if (lua.lua_isstring(T, -1)) line = toBin(T, -1);
    lua.lua_pop(T, 1);
    let text = msg;
    if (line !== null && source !== null) text += ` script: ${run.funcname}, on ${source}:${line}.`;
    return new ErrorReply(errText(text));
  }

  private end(run: ScriptRun, data: RunData): void {
    lua.lua_sethook(data.thread, null, 0, 0);
    lauxlib.luaL_unref(data.L, lua.LUA_REGISTRYINDEX, data.threadRef);
    this.runs.delete(run);
  }

  /** luaMaskCountHook: SCRIPT KILL, and yielding to the host past the busy threshold. */
  private hook(run: ScriptRun, data: RunData, L: LuaState): void {
    if (run.killed) {
      // Every line raises again, so pcall cannot swallow the kill.
      lua.lua_sethook(L, (L1: LuaState) => this.hook(run, data, L1), lua.LUA_MASKLINE, 0);
      this.state.log(2, 'Lua script killed by user with SCRIPT KILL.');
      raiseError(L, 'Script killed by user with SCRIPT KILL...');
    }
    const now = performance.now();
    if (L !== data.thread || !lua.lua_isyieldable(L)) return;
    if (!run.suspended) {
      if (now - data.startReal < run.threshold) return;
    } else if (now - data.sliceStart < SLICE_MS) return;
    lua.lua_yield(L, 0);
  }

  resetEval(): void {
    this.evalL = this.newState(true);
  }

  // ----- functions

  private get functionsL(): LuaState {
    if (this.fnL === null) this.fnL = this.newState(false);
    return this.fnL;
  }

  loadLibrary(lib: LibraryInfo, code: string): string | null {
    const L = this.functionsL;
    const bytes = u8(code);
    if (lauxlib.luaL_loadbufferx(L, bytes, bytes.length, lit('@user_function'), lit('t')) !== L_OK) {
      const msg = toBin(L, -1) ?? '';
      lua.lua_pop(L, 1);
      return `Error compiling function: ${lua51Message(msg)}`;
    }
    // The chunk (and every function it defines) sees the proxy globals.
    lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, lit('__fn_env'));
    lua.lua_setupvalue(L, -2, 1);
    // While the library loads, its globals resolve to the load API.
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.fnGlobalsMeta);
    setReadonly(L, -1, false);
    lua.lua_pushliteral(L, '__index');
    lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, lit('__library_api'));
    lua.lua_rawset(L, -3);
    setReadonly(L, -1, true);
    lua.lua_pop(L, 1);
    const prevLoading = this.loading;
    this.loading = lib;
    let err: string | null = null;
    const start = performance.now();
    lua.lua_sethook(
      L,
      (L1: LuaState) => {
        if (performance.now() - start > 500) {
          lua.lua_sethook(L1, () => raiseError(L1, 'FUNCTION LOAD timeout'), lua.LUA_MASKLINE, 0);
          raiseError(L1, 'FUNCTION LOAD timeout');
        }
      },
      lua.LUA_MASKCOUNT,
      HOOK_COUNT,
    );
    try {
      if (lua.lua_pcall(L, 0, 0, 0) !== L_OK) {
        let msg = '';
        if (lua.lua_istable(L, -1)) {
          lua.lua_getfield(L, -1, lit('err'));
          msg = toBin(L, -1) ?? '';
          lua.lua_pop(L, 1);
        } else msg = `ERR ${toBin(L, -1) ?? ''}`;
        lua.lua_pop(L, 1);
        err = `Error registering functions: ${msg}`;
      }
    } finally {
      lua.lua_sethook(L, null, 0, 0);
      this.loading = prevLoading;
      lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.fnGlobalsMeta);
      setReadonly(L, -1, false);
      lua.lua_pushliteral(L, '__index');
      lua.lua_pushglobaltable(L);
      lua.lua_rawset(L, -3);
      setReadonly(L, -1, true);
      lua.lua_pop(L, 1);
    }
    if (err !== null) this.freeLibrary(lib);
    return err;
  }

  /** redis.register_function(name, callback) or redis.register_function{...}. */
  private registerFunction(L: LuaState): number {
    const lib = this.loading;
    if (lib === null) return raiseError(L, 'redis.register_function can only be called on FUNCTION LOAD command');
    const argc = lua.lua_gettop(L);
    if (argc < 1 || argc > 2) return raiseError(L, 'wrong number of arguments to redis.register_function');
    let name: string | null = null;
    let desc: string | null = null;
    let ref: number | null = null;
    const flags = new Set<ScriptFlag>();
    const fail = (msg: string): never => {
      if (ref !== null) lauxlib.luaL_unref(L, lua.LUA_REGISTRYINDEX, ref);
      return raiseError(L, msg);
    };
    if (argc === 1) {
      if (!lua.lua_istable(L, 1)) {
        return fail('calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).');
      }
      lua.lua_pushnil(L);
      while (lua.lua_next(L, 1) !== 0) {
        if (!lua.lua_isstring(L, -2)) return fail('named argument key given to redis.register_function is not a string');
        const key = (toBin(L, -2) ?? '').toLowerCase();
        if (key === 'function_name') {
          if (!lua.lua_isstring(L, -1)) return fail('function_name argument given to redis.register_function must be a string');
          name = toBin(L, -1);
        } else if (key === 'description') {
          if (!lua.lua_isstring(L, -1)) return fail('description argument given to redis.register_function must be a string');
          desc = toBin(L, -1);
        } else if (key === 'callback') {
          if (!lua.lua_isfunction(L, -1)) return fail('callback argument given to redis.register_function must be a function');
          if (ref !== null) lauxlib.luaL_unref(L, lua.LUA_REGISTRYINDEX, ref);
          ref = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
          continue;
        } else if (key === 'flags') {
          if (!lua.lua_istable(L, -1)) return fail('flags argument to redis.register_function must be a table representing function flags');
          for (let j = 1; ; j++) {
            const t = lua.lua_rawgeti(L, -1, j);
            if (t === lua.LUA_TNIL) {
              lua.lua_pop(L, 1);
              break;
            }
            const f = t === lua.LUA_TSTRING ? (toBin(L, -1) ?? '').toLowerCase() : null;
            lua.lua_pop(L, 1);
            if (f === null || !(SCRIPT_FLAG_NAMES as readonly string[]).includes(f)) return fail('unknown flag given');
            flags.add(f as ScriptFlag);
          }
        } else return fail('unknown argument given to redis.register_function');
        lua.lua_pop(L, 1);
      }
      if (name === null) return fail('redis.register_function must get a function name argument');
      if (ref === null) return fail('redis.register_function must get a callback argument');
    } else {
      if (!lua.lua_isstring(L, 1)) return fail('first argument to redis.register_function must be a string');
      name = toBin(L, 1);
      if (!lua.lua_isfunction(L, 2)) return fail('second argument to redis.register_function must be a function');
      lua.lua_settop(L, 2);
      ref = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    }
    if (!/^[A-Za-z0-9_]+$/.test(name!)) {
      return fail('Library names can only contain letters, numbers, or underscores(_) and must be at least one character long');
    }
    if (lib.functions.has(name!)) return fail('Function already exists in the library');
    const fi: FunctionInfo = { name: name!, description: desc, flags: { compat: false, set: flags }, library: lib, ref };
    lib.functions.set(name!, fi);
    return 0;
  }

  freeLibrary(lib: LibraryInfo): void {
    if (this.fnL === null) return;
    for (const fi of lib.functions.values()) {
      if (typeof fi.ref === 'number') lauxlib.luaL_unref(this.fnL, lua.LUA_REGISTRYINDEX, fi.ref);
      fi.ref = null;
    }
  }

  runFunction(run: ScriptRun, fn: FunctionInfo, keys: string[], args: string[]): RunResult {
    const L = this.functionsL;
    const thread = this.startThread(L);
    lua.lua_rawgeti(thread, lua.LUA_REGISTRYINDEX, fn.ref as number);
    // The function state's error handler: the one defined in the real globals.
    lua.lua_pushglobaltable(thread);
    lua.lua_getfield(thread, -1, lit('__redis__err__handler'));
    lua.lua_remove(thread, -2);
    this.pushArray(thread, keys);
    this.pushArray(thread, args);
    return this.begin(run, L, thread, 4);
  }

  memory(): { eval: number; functions: number } {
    const kb = (L: LuaState | null) => (L === null ? 0 : Math.floor(lua.lua_gc(L, lua.LUA_GCCOUNT, 0) * 1024));
    return { eval: kb(this.evalL) || 31744, functions: kb(this.fnL) || 32768 };
  }
}

import { lookupCommand, type Command } from '../../commands/table.ts';
function lookupForAcl(argv: string[]): Command | undefined {
  let cmd = lookupCommand(argv[0]!);
  if (cmd?.sub && argv.length > 1) cmd = cmd.sub.get(argv[1]!.toLowerCase());
  return cmd;
}

registerScriptRuntime((state) => new LuaRuntime(state));
