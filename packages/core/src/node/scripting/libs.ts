/// <reference path="./fengari.d.ts" />
/**
 * The C libraries Redis links into its Lua (deps/lua/src): Lua BitOp (bit), lua-cjson (cjson),
 * lua-cmsgpack (cmsgpack) and a subset of struct, written over fengari's API with the same
 * results and error texts for what scripts use.
 */
import luaMod from 'fengari/src/lua.js';
import lauxMod from 'fengari/src/lauxlib.js';
import defsMod from 'fengari/src/defs.js';
import { fromBytes, toBytes } from '../../bytes.ts';

const lua = luaMod;
const lauxlib = lauxMod;
type LuaState = any;
const lit = (s: string): Uint8Array => defsMod.to_luastring(s);

function pushBin(L: LuaState, s: string): void {
  if (s.length === 0) lua.lua_pushliteral(L, '');
  else lua.lua_pushlstring(L, toBytes(s), s.length);
}
function toBin(L: LuaState, idx: number): string | null {
  const s = lua.lua_tolstring(L, idx);
  return s === null || s === undefined ? null : fromBytes(s);
}
function raise(L: LuaState, text: string): never {
  lauxlib.luaL_where(L, 1);
  pushBin(L, text);
  lua.lua_concat(L, 2);
  lua.lua_error(L);
  throw new Error('unreachable');
}
function newLib(L: LuaState, fns: Record<string, (L: LuaState) => number>): void {
  lua.lua_createtable(L, 0, Object.keys(fns).length);
  for (const [name, fn] of Object.entries(fns)) {
    lua.lua_pushliteral(L, name);
    lua.lua_pushjsfunction(L, fn);
    lua.lua_rawset(L, -3);
  }
}

/** printf("%.14g"), as Lua 5.1 prints numbers. */
export function fmtG14(n: number): string {
  if (n !== n) return n < 0 ? '-nan' : 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const exp = n.toExponential(13);
  const ei = exp.indexOf('e');
  const x = Number(exp.slice(ei + 1));
  if (x < -4 || x >= 14) {
    let m = exp.slice(0, ei);
    if (m.includes('.')) m = m.replace(/0+$/, '').replace(/\.$/, '');
    const ax = Math.abs(x);
    return `${m}e${x < 0 ? '-' : '+'}${ax < 10 ? '0' : ''}${ax}`;
  }
  let f = n.toFixed(Math.max(0, 13 - x));
  if (f.includes('.')) f = f.replace(/0+$/, '').replace(/\.$/, '');
  return f;
}

// ---------------------------------------------------------------------------------------------
// bit (Lua BitOp 1.0.2)

function barg(L: LuaState, idx: number): number {
  const n = lauxlib.luaL_checknumber(L, idx);
  // BitOp's normalization: the number modulo 2^32, as a signed 32-bit integer.
  if (Number.isInteger(n) && Math.abs(n) <= 0x7fffffff) return n | 0;
  const r = Math.round(n);
  const m = ((r % 4294967296) + 4294967296) % 4294967296;
  return m | 0;
}

export function openBit(L: LuaState): number {
  const ret = (L: LuaState, v: number) => {
    lua.lua_pushnumber(L, v | 0);
    return 1;
  };
  const fold = (op: (a: number, b: number) => number) => (L: LuaState) => {
    let b = barg(L, 1);
    for (let i = lua.lua_gettop(L); i > 1; i--) b = op(b, barg(L, i));
    return ret(L, b);
  };
  newLib(L, {
    tobit: (L) => ret(L, barg(L, 1)),
    bnot: (L) => ret(L, ~barg(L, 1)),
    band: fold((a, b) => a & b),
    bor: fold((a, b) => a | b),
    bxor: fold((a, b) => a ^ b),
    lshift: (L) => ret(L, barg(L, 1) << (barg(L, 2) & 31)),
    rshift: (L) => ret(L, barg(L, 1) >>> (barg(L, 2) & 31)),
    arshift: (L) => ret(L, barg(L, 1) >> (barg(L, 2) & 31)),
    rol: (L) => {
      const b = barg(L, 1);
      const n = barg(L, 2) & 31;
      return ret(L, (b << n) | (b >>> (32 - n)));
    },
    ror: (L) => {
      const b = barg(L, 1);
      const n = barg(L, 2) & 31;
      return ret(L, (b >>> n) | (b << (32 - n)));
    },
    bswap: (L) => {
      const b = barg(L, 1);
      return ret(L, ((b >>> 24) | ((b >> 8) & 0xff00) | ((b & 0xff00) << 8) | (b << 24)) >>> 0);
    },
    tohex: (L) => {
      let b = barg(L, 1) >>> 0;
      let n = lua.lua_isnone(L, 2) ? 8 : barg(L, 2);
      let digits = '0123456789abcdef';
      if (n === -2147483648) n = -2147483647;
      if (n < 0) {
        n = -n;
        digits = '0123456789ABCDEF';
      }
      if (n > 8) n = 8;
      let out = '';
      for (let i = 0; i < n; i++) {
        out = digits[b & 15]! + out;
        b >>>= 4;
      }
      pushBin(L, out);
      return 1;
    },
  });
  return 1;
}

// ---------------------------------------------------------------------------------------------
// cjson (lua-cjson 2.1.0 as configured by Redis)

const CJSON_NULL = { cjsonNull: true };

interface CjsonConfig {
  encodeMaxDepth: number;
  decodeMaxDepth: number;
  encodeInvalidNumbers: boolean;
  decodeInvalidNumbers: boolean;
}

function jsonEscape(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 0x22: out += '\\"'; break;
      case 0x5c: out += '\\\\'; break;
      case 0x2f: out += '\\/'; break;
      case 0x08: out += '\\b'; break;
      case 0x0c: out += '\\f'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0d: out += '\\r'; break;
      case 0x09: out += '\\t'; break;
      default:
        out += c < 0x20 || c === 0x7f ? '\\u' + c.toString(16).padStart(4, '0') : s[i];
    }
  }
  return out + '"';
}

function jsonEncode(L: LuaState, cfg: CjsonConfig, idx: number, depth: number): string {
  switch (lua.lua_type(L, idx)) {
    case lua.LUA_TSTRING:
      return jsonEscape(toBin(L, idx)!);
    case lua.LUA_TNUMBER: {
      const n = lua.lua_tonumber(L, idx);
      if (!Number.isFinite(n)) {
        if (!cfg.encodeInvalidNumbers) raise(L, 'Cannot serialise number: must not be NaN or Inf');
        return n !== n ? 'nan' : n > 0 ? 'inf' : '-inf';
      }
      return fmtG14(n);
    }
    case lua.LUA_TBOOLEAN:
      return lua.lua_toboolean(L, idx) ? 'true' : 'false';
    case lua.LUA_TNIL:
      return 'null';
    case lua.LUA_TLIGHTUSERDATA:
      if (lua.lua_touserdata(L, idx) === CJSON_NULL) return 'null';
      break;
    case lua.LUA_TTABLE: {
      depth++;
      if (depth > cfg.encodeMaxDepth) raise(L, `Cannot serialise, excessive nesting (${depth})`);
      lauxlib.luaL_checkstack(L, 4, null);
      const t = lua.lua_absindex(L, idx);
      // lua_array_length: the largest positive integer key when all keys are such.
      let max = 0;
      let items = 0;
      let isArray = true;
      lua.lua_pushnil(L);
      while (lua.lua_next(L, t) !== 0) {
        if (lua.lua_type(L, -2) === lua.LUA_TNUMBER) {
          const k = lua.lua_tonumber(L, -2);
          if (Number.isInteger(k) && k >= 1) {
            if (k > max) max = k;
            items++;
            lua.lua_pop(L, 1);
            continue;
          }
        }
        isArray = false;
        lua.lua_pop(L, 1);
        lua.lua_pop(L, 1);
        break;
      }
      if (isArray && max > items * 2 && max > 10) raise(L, 'Cannot serialise table: excessively sparse array');
      if (isArray && max > 0) {
        const parts: string[] = [];
        for (let i = 1; i <= max; i++) {
          lua.lua_rawgeti(L, t, i);
          parts.push(jsonEncode(L, cfg, -1, depth));
          lua.lua_pop(L, 1);
        }
        return `[${parts.join(',')}]`;
      }
      const parts: string[] = [];
      lua.lua_pushnil(L);
      while (lua.lua_next(L, t) !== 0) {
        const kt = lua.lua_type(L, -2);
        let key: string;
        if (kt === lua.LUA_TSTRING) key = jsonEscape(toBin(L, -2)!);
        else if (kt === lua.LUA_TNUMBER) key = `"${fmtG14(lua.lua_tonumber(L, -2))}"`;
        else raise(L, 'Cannot serialise table: table key must be a number or string');
        parts.push(`${key}:${jsonEncode(L, cfg, -1, depth)}`);
        lua.lua_pop(L, 1);
      }
      return `{${parts.join(',')}}`;
    }
  }
  return raise(L, `Cannot serialise ${lua.lua_typename(L, lua.lua_type(L, idx)) ? toBin0(lua.lua_typename(L, lua.lua_type(L, idx))) : 'value'}: type not supported`);
}

function toBin0(u: Uint8Array | string): string {
  return typeof u === 'string' ? u : fromBytes(u);
}

/** A UTF-8 encoding of a code point, as bytes in a binary string. */
function utf8(cp: number): string {
  if (cp < 0x80) return String.fromCharCode(cp);
  if (cp < 0x800) return String.fromCharCode(0xc0 | (cp >> 6), 0x80 | (cp & 63));
  if (cp < 0x10000) return String.fromCharCode(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  return String.fromCharCode(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
}

function jsonDecode(L: LuaState, cfg: CjsonConfig, s: string): void {
  let i = 0;
  const ws = () => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
  };
  const fail = (what: string): never => raise(L, `Expected ${what} but found invalid token at character ${i + 1}`);
  const value = (depth: number): void => {
    ws();
    const c = s[i];
    lauxlib.luaL_checkstack(L, 3, null);
    if (c === '{' || c === '[') {
      if (depth + 1 > cfg.decodeMaxDepth) raise(L, `Found too many nested data structures (${depth + 1}) at character ${i + 1}`);
    }
    if (c === '{') {
      i++;
      lua.lua_createtable(L, 0, 0);
      ws();
      if (s[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (s[i] !== '"') fail('object key string');
        str();
        ws();
        if (s[i] !== ':') fail('colon');
        i++;
        value(depth + 1);
        lua.lua_rawset(L, -3);
        ws();
        if (s[i] === ',') {
          i++;
          continue;
        }
        if (s[i] === '}') {
          i++;
          return;
        }
        fail('comma or object end');
      }
    }
    if (c === '[') {
      i++;
      lua.lua_createtable(L, 0, 0);
      ws();
      if (s[i] === ']') {
        i++;
        return;
      }
      for (let n = 1; ; n++) {
        value(depth + 1);
        lua.lua_rawseti(L, -2, n);
        ws();
        if (s[i] === ',') {
          i++;
          continue;
        }
        if (s[i] === ']') {
          i++;
          return;
        }
        fail('comma or array end');
      }
    }
    if (c === '"') return str();
    if (s.startsWith('true', i)) {
      i += 4;
      return lua.lua_pushboolean(L, true);
    }
    if (s.startsWith('false', i)) {
      i += 5;
      return lua.lua_pushboolean(L, false);
    }
    if (s.startsWith('null', i)) {
      i += 4;
      return lua.lua_pushlightuserdata(L, CJSON_NULL);
    }
    const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(s.slice(i, i + 400));
    if (m !== null && m[0].length > 0) {
      i += m[0].length;
      return lua.lua_pushnumber(L, Number(m[0]));
    }
    fail('value');
  };
  const str = (): void => {
    i++;
    let out = '';
    for (;;) {
      if (i >= s.length) raise(L, `Expected string end but found end of string at character ${i + 1}`);
      const c = s[i]!;
      if (c === '"') {
        i++;
        break;
      }
      if (c === '\\') {
        const e = s[i + 1];
        i += 2;
        if (e === 'u') {
          let cp = parseInt(s.slice(i, i + 4), 16);
          if (!/^[0-9a-fA-F]{4}$/.test(s.slice(i, i + 4))) raise(L, `Expected object key string but found invalid unicode escape code at character ${i - 1}`);
          i += 4;
          if (cp >= 0xd800 && cp < 0xdc00 && s[i] === '\\' && s[i + 1] === 'u') {
            const lo = parseInt(s.slice(i + 2, i + 6), 16);
            if (lo >= 0xdc00 && lo < 0xe000) {
              cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
              i += 6;
            }
          }
          out += utf8(cp);
        } else {
          const map: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
          const r = e === undefined ? undefined : map[e];
          if (r === undefined) raise(L, `Expected value but found invalid escape code at character ${i}`);
          out += r;
        }
        continue;
      }
      out += c;
      i++;
    }
    pushBin(L, out);
  };
  value(0);
  ws();
  if (i < s.length) fail('the end');
}

export function openCjson(L: LuaState): number {
  const cfg: CjsonConfig = { encodeMaxDepth: 1000, decodeMaxDepth: 1000, encodeInvalidNumbers: false, decodeInvalidNumbers: true };
  const cfgInt = (key: 'encodeMaxDepth' | 'decodeMaxDepth') => (L: LuaState) => {
    if (!lua.lua_isnoneornil(L, 1)) cfg[key] = Math.trunc(lauxlib.luaL_checknumber(L, 1));
    lua.lua_pushnumber(L, cfg[key]);
    return 1;
  };
  const cfgBool = (key: 'encodeInvalidNumbers' | 'decodeInvalidNumbers') => (L: LuaState) => {
    if (!lua.lua_isnoneornil(L, 1)) {
      const v = lua.lua_type(L, 1) === lua.LUA_TSTRING ? toBin(L, 1) !== 'off' : lua.lua_toboolean(L, 1);
      cfg[key] = v;
    }
    lua.lua_pushboolean(L, cfg[key]);
    return 1;
  };
  newLib(L, {
    encode: (L) => {
      if (lua.lua_gettop(L) !== 1) return raise(L, "bad argument #1 to 'encode' (expected 1 argument)");
      pushBin(L, jsonEncode(L, cfg, 1, 0));
      return 1;
    },
    decode: (L) => {
      if (lua.lua_gettop(L) !== 1) return raise(L, "bad argument #1 to 'decode' (expected 1 argument)");
      const s = toBin(L, 1);
      if (s === null) return raise(L, "bad argument #1 to 'decode' (string expected)");
      lua.lua_settop(L, 1);
      jsonDecode(L, cfg, s);
      return 1;
    },
    encode_max_depth: cfgInt('encodeMaxDepth'),
    decode_max_depth: cfgInt('decodeMaxDepth'),
    encode_invalid_numbers: cfgBool('encodeInvalidNumbers'),
    decode_invalid_numbers: cfgBool('decodeInvalidNumbers'),
    encode_keep_buffer: (L) => {
      lua.lua_pushboolean(L, true);
      return 1;
    },
    encode_number_precision: (L) => {
      lua.lua_pushnumber(L, 14);
      return 1;
    },
    encode_sparse_array: (L) => {
      lua.lua_pushboolean(L, false);
      lua.lua_pushnumber(L, 2);
      lua.lua_pushnumber(L, 10);
      return 3;
    },
  });
  lua.lua_pushliteral(L, 'null');
  lua.lua_pushlightuserdata(L, CJSON_NULL);
  lua.lua_rawset(L, -3);
  lua.lua_pushliteral(L, '_NAME');
  lua.lua_pushliteral(L, 'cjson');
  lua.lua_rawset(L, -3);
  lua.lua_pushliteral(L, '_VERSION');
  lua.lua_pushliteral(L, '2.1.0');
  lua.lua_rawset(L, -3);
  return 1;
}

// ---------------------------------------------------------------------------------------------
// cmsgpack (lua-cmsgpack 0.4.0)

const MSGPACK_MAX_NESTING = 16;

function u16(n: number): string {
  return String.fromCharCode((n >>> 8) & 0xff, n & 0xff);
}
function u32(n: number): string {
  return String.fromCharCode((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}
function u64(n: bigint): string {
  let out = '';
  for (let i = 7; i >= 0; i--) out += String.fromCharCode(Number((n >> BigInt(i * 8)) & 0xffn));
  return out;
}
const f64 = new DataView(new ArrayBuffer(8));

function mpNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) {
    if (n >= 0) {
      if (n <= 127) return String.fromCharCode(n);
      if (n <= 0xff) return '\xcc' + String.fromCharCode(n);
      if (n <= 0xffff) return '\xcd' + u16(n);
      if (n <= 0xffffffff) return '\xce' + u32(n);
      return '\xcf' + u64(BigInt(n));
    }
    if (n >= -32) return String.fromCharCode(n & 0xff);
    if (n >= -128) return '\xd0' + String.fromCharCode(n & 0xff);
    if (n >= -32768) return '\xd1' + u16(n & 0xffff);
    if (n >= -2147483648) return '\xd2' + u32(n | 0);
    return '\xd3' + u64(BigInt.asUintN(64, BigInt(n)));
  }
  if (Math.fround(n) === n || n !== n) {
    f64.setFloat32(0, n);
    return '\xca' + String.fromCharCode(f64.getUint8(0), f64.getUint8(1), f64.getUint8(2), f64.getUint8(3));
  }
  f64.setFloat64(0, n);
  let out = '\xcb';
  for (let i = 0; i < 8; i++) out += String.fromCharCode(f64.getUint8(i));
  return out;
}

function mpEncode(L: LuaState, idx: number, level: number): string {
  const t = lua.lua_type(L, idx);
  switch (t) {
    case lua.LUA_TSTRING: {
      const s = toBin(L, idx)!;
      const n = s.length;
      const head = n < 32 ? String.fromCharCode(0xa0 | n) : n <= 0xff ? '\xd9' + String.fromCharCode(n) : n <= 0xffff ? '\xda' + u16(n) : '\xdb' + u32(n);
      return head + s;
    }
    case lua.LUA_TBOOLEAN:
      return lua.lua_toboolean(L, idx) ? '\xc3' : '\xc2';
    case lua.LUA_TNUMBER:
      return mpNumber(lua.lua_tonumber(L, idx));
    case lua.LUA_TTABLE: {
      if (level >= MSGPACK_MAX_NESTING) return '\xc0';
      lauxlib.luaL_checkstack(L, 4, null);
      const tb = lua.lua_absindex(L, idx);
      // table_is_an_array: keys 1..n, all positive integers with no holes.
      let count = 0;
      let max = 0;
      let isArray = true;
      lua.lua_pushnil(L);
      while (lua.lua_next(L, tb) !== 0) {
        lua.lua_pop(L, 1);
        count++;
        if (lua.lua_type(L, -1) === lua.LUA_TNUMBER) {
          const k = lua.lua_tonumber(L, -1);
          if (Number.isInteger(k) && k >= 1) {
            if (k > max) max = k;
            continue;
          }
        }
        isArray = false;
      }
      if (isArray && max === count) {
        const n = max;
        let out = n < 16 ? String.fromCharCode(0x90 | n) : n <= 0xffff ? '\xdc' + u16(n) : '\xdd' + u32(n);
        for (let i = 1; i <= n; i++) {
          lua.lua_rawgeti(L, tb, i);
          out += mpEncode(L, -1, level + 1);
          lua.lua_pop(L, 1);
        }
        return out;
      }
      let body = '';
      lua.lua_pushnil(L);
      while (lua.lua_next(L, tb) !== 0) {
        body += mpEncode(L, -2, level + 1);
        body += mpEncode(L, -1, level + 1);
        lua.lua_pop(L, 1);
      }
      return (count < 16 ? String.fromCharCode(0x80 | count) : count <= 0xffff ? '\xde' + u16(count) : '\xdf' + u32(count)) + body;
    }
    default:
      return '\xc0';
  }
}

class MpReader {
  constructor(
    readonly s: string,
    public p: number,
  ) {}
  byte(): number {
    if (this.p >= this.s.length) throw new Error('trunc');
    return this.s.charCodeAt(this.p++);
  }
  be(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + this.byte();
    return v;
  }
  str(n: number): string {
    if (this.p + n > this.s.length) throw new Error('trunc');
    const r = this.s.slice(this.p, this.p + n);
    this.p += n;
    return r;
  }
}

function mpDecode(L: LuaState, r: MpReader): void {
  lauxlib.luaL_checkstack(L, 3, null);
  const c = r.byte();
  if (c <= 0x7f) return lua.lua_pushnumber(L, c);
  if (c >= 0xe0) return lua.lua_pushnumber(L, c - 256);
  if ((c & 0xe0) === 0xa0) return pushBin(L, r.str(c & 0x1f));
  if ((c & 0xf0) === 0x90) return mpArray(L, r, c & 0x0f);
  if ((c & 0xf0) === 0x80) return mpMap(L, r, c & 0x0f);
  const bytes = (n: number) => {
    const b = r.str(n);
    for (let i = 0; i < n; i++) f64.setUint8(i, b.charCodeAt(i));
  };
  switch (c) {
    case 0xc0: return lua.lua_pushnil(L);
    case 0xc2: return lua.lua_pushboolean(L, false);
    case 0xc3: return lua.lua_pushboolean(L, true);
    case 0xca: bytes(4); return lua.lua_pushnumber(L, f64.getFloat32(0));
    case 0xcb: bytes(8); return lua.lua_pushnumber(L, f64.getFloat64(0));
    case 0xcc: return lua.lua_pushnumber(L, r.be(1));
    case 0xcd: return lua.lua_pushnumber(L, r.be(2));
    case 0xce: return lua.lua_pushnumber(L, r.be(4));
    case 0xcf: bytes(8); return lua.lua_pushnumber(L, Number(f64.getBigUint64(0)));
    case 0xd0: bytes(1); return lua.lua_pushnumber(L, f64.getInt8(0));
    case 0xd1: bytes(2); return lua.lua_pushnumber(L, f64.getInt16(0));
    case 0xd2: bytes(4); return lua.lua_pushnumber(L, f64.getInt32(0));
    case 0xd3: bytes(8); return lua.lua_pushnumber(L, Number(f64.getBigInt64(0)));
    case 0xc4: case 0xd9: return pushBin(L, r.str(r.be(1)));
    case 0xc5: case 0xda: return pushBin(L, r.str(r.be(2)));
    case 0xc6: case 0xdb: return pushBin(L, r.str(r.be(4)));
    case 0xdc: return mpArray(L, r, r.be(2));
    case 0xdd: return mpArray(L, r, r.be(4));
    case 0xde: return mpMap(L, r, r.be(2));
    case 0xdf: return mpMap(L, r, r.be(4));
    default: throw new Error('bad type');
  }
}

function mpArray(L: LuaState, r: MpReader, n: number): void {
  lua.lua_createtable(L, n, 0);
  for (let i = 1; i <= n; i++) {
    mpDecode(L, r);
    lua.lua_rawseti(L, -2, i);
  }
}

function mpMap(L: LuaState, r: MpReader, n: number): void {
  lua.lua_createtable(L, 0, n);
  for (let i = 0; i < n; i++) {
    mpDecode(L, r);
    mpDecode(L, r);
    if (lua.lua_isnil(L, -2)) lua.lua_pop(L, 2);
    else lua.lua_rawset(L, -3);
  }
}

/** mp_unpack_full: up to limit objects from offset; with offset, the next offset (-1 at the end) first. */
function mpUnpack(L: LuaState, limit: number, offset: number, withOffset: boolean): number {
  const s = toBin(L, 1);
  if (s === null) return raise(L, "bad argument #1 to 'unpack' (string expected)");
  if (offset < 0 || limit < 0) return raise(L, `Invalid request to unpack with offset of ${offset} and limit of ${limit}.`);
  if (offset > s.length) return raise(L, 'Start offset ' + offset + ' greater than input length ' + s.length + '.');
  const r = new MpReader(s, offset);
  let count = 0;
  if (withOffset) lua.lua_pushnil(L);
  const base = lua.lua_gettop(L);
  try {
    while (r.p < s.length && (limit === 0 || count < limit)) {
      mpDecode(L, r);
      count++;
    }
  } catch {
    return raise(L, 'Missing bytes in input.');
  }
  if (withOffset) {
    lua.lua_pushnumber(L, r.p >= s.length ? -1 : r.p);
    lua.lua_replace(L, base);
    return count + 1;
  }
  return count;
}

export function openCmsgpack(L: LuaState): number {
  newLib(L, {
    pack: (L) => {
      const n = lua.lua_gettop(L);
      if (n === 0) return raise(L, 'MessagePack pack needs input.');
      let out = '';
      for (let i = 1; i <= n; i++) out += mpEncode(L, i, 0);
      pushBin(L, out);
      return 1;
    },
    unpack: (L) => mpUnpack(L, 0, 0, false),
    unpack_one: (L) => mpUnpack(L, 1, Math.trunc(lauxlib.luaL_optnumber(L, 2, 0)), true),
    unpack_limit: (L) => mpUnpack(L, Math.trunc(lauxlib.luaL_checknumber(L, 2)), Math.trunc(lauxlib.luaL_optnumber(L, 3, 0)), true),
  });
  lua.lua_pushliteral(L, '_NAME');
  lua.lua_pushliteral(L, 'cmsgpack');
  lua.lua_rawset(L, -3);
  lua.lua_pushliteral(L, '_VERSION');
  lua.lua_pushliteral(L, 'lua-cmsgpack 0.4.0');
  lua.lua_rawset(L, -3);
  return 1;
}

// ---------------------------------------------------------------------------------------------
// struct (Roberto Ierusalimschy's struct library): pack, unpack, size for the common formats

interface StructItem {
  op: string;
  size: number;
}

function structItems(L: LuaState, fmt: string): { items: StructItem[]; little: boolean[] } {
  const items: StructItem[] = [];
  const little: boolean[] = [];
  let le = true;
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    const num = () => {
      let j = i + 1;
      while (j < fmt.length && /[0-9]/.test(fmt[j]!)) j++;
      const n = j > i + 1 ? Number(fmt.slice(i + 1, j)) : -1;
      i = j - 1;
      return n;
    };
    switch (c) {
      case ' ': case '!': break;
      case '<': le = true; break;
      case '>': le = false; break;
      case '=': le = true; break;
      case 'b': case 'B': case 'x': items.push({ op: c, size: 1 }); little.push(le); break;
      case 'h': case 'H': items.push({ op: c, size: 2 }); little.push(le); break;
      case 'l': case 'L': case 'T': items.push({ op: c, size: 8 }); little.push(le); break;
      case 'f': items.push({ op: c, size: 4 }); little.push(le); break;
      case 'd': items.push({ op: c, size: 8 }); little.push(le); break;
      case 'i': case 'I': {
        const n = num();
        const size = n < 0 ? 4 : n;
        if (size < 1 || size > 8) raise(L, `integral size ${size} is larger than limit of 8`);
        items.push({ op: c, size });
        little.push(le);
        break;
      }
      case 'c': {
        const n = num();
        items.push({ op: 'c', size: n });
        little.push(le);
        break;
      }
      case 's': items.push({ op: 's', size: 0 }); little.push(le); break;
      default: raise(L, `invalid format option '${c}'`);
    }
  }
  return { items, little };
}

export function openStruct(L: LuaState): number {
  newLib(L, {
    pack: (L) => {
      const fmt = toBin(L, 1) ?? raise(L, "bad argument #1 to 'pack' (string expected)");
      const { items, little } = structItems(L, fmt);
      let out = '';
      let arg = 2;
      items.forEach((it, k) => {
        const le = little[k]!;
        if (it.op === 'x') {
          out += '\0';
          return;
        }
        if (it.op === 'c' || it.op === 's') {
          const s = toBin(L, arg++) ?? raise(L, `bad argument #${arg - 1} to 'pack' (string expected)`);
          if (it.op === 's') out += s + '\0';
          else out += it.size < 0 ? s : s.slice(0, it.size).padEnd(it.size, '\0');
          return;
        }
        const n = lauxlib.luaL_checknumber(L, arg++);
        let bytes: number[];
        if (it.op === 'f' || it.op === 'd') {
          if (it.op === 'f') f64.setFloat32(0, n, true);
          else f64.setFloat64(0, n, true);
          bytes = [];
          for (let i = 0; i < it.size; i++) bytes.push(f64.getUint8(i));
        } else {
          let v = BigInt.asUintN(64, BigInt(Math.trunc(n)));
          bytes = [];
          for (let i = 0; i < it.size; i++) {
            bytes.push(Number(v & 0xffn));
            v >>= 8n;
          }
        }
        if (!le) bytes.reverse();
        out += String.fromCharCode(...bytes);
      });
      pushBin(L, out);
      return 1;
    },
    unpack: (L) => {
      const fmt = toBin(L, 1) ?? raise(L, "bad argument #1 to 'unpack' (string expected)");
      const data = toBin(L, 2) ?? raise(L, "bad argument #2 to 'unpack' (string expected)");
      let pos = Math.trunc(lauxlib.luaL_optnumber(L, 3, 1)) - 1;
      const { items, little } = structItems(L, fmt);
      let n = 0;
      items.forEach((it, k) => {
        const le = little[k]!;
        if (it.op === 's') {
          const end = data.indexOf('\0', pos);
          if (end < 0) raise(L, 'unfinished string in data');
          pushBin(L, data.slice(pos, end));
          pos = end + 1;
          n++;
          return;
        }
        if (pos + it.size > data.length) raise(L, 'data string too short');
        const chunk = data.slice(pos, pos + it.size);
        pos += it.size;
        if (it.op === 'x') return;
        if (it.op === 'c') {
          pushBin(L, chunk);
          n++;
          return;
        }
        const bytes = Array.from(chunk, (ch) => ch.charCodeAt(0));
        if (!le) bytes.reverse();
        if (it.op === 'f' || it.op === 'd') {
          bytes.forEach((b, i) => f64.setUint8(i, b));
          lua.lua_pushnumber(L, it.op === 'f' ? f64.getFloat32(0, true) : f64.getFloat64(0, true));
        } else {
          let v = 0n;
          for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
          const signed = it.op === 'b' || it.op === 'h' || it.op === 'i' || it.op === 'l';
          lua.lua_pushnumber(L, Number(signed ? BigInt.asIntN(it.size * 8, v) : v));
        }
        n++;
      });
      lua.lua_pushnumber(L, pos + 1);
      return n + 1;
    },
    size: (L) => {
      const fmt = toBin(L, 1) ?? raise(L, "bad argument #1 to 'size' (string expected)");
      const { items } = structItems(L, fmt);
      let size = 0;
      for (const it of items) {
        if (it.op === 's' || (it.op === 'c' && it.size < 0)) raise(L, 'options \'c\' and \'s\' have variable size');
        size += it.size;
      }
      lua.lua_pushnumber(L, size);
      return 1;
    },
  });
  return 1;
}

void lit;
