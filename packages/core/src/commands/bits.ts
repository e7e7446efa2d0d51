/**
 * The bitmap family (bitops.c): SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO.
 *
 * Bit 0 is the most significant bit of the first byte. Writes go to a StrBuf (types/strbuf.ts) so
 * that setting a bit or a field costs O(1) amortized, not a copy of the whole value.
 */
import { parseInt64, parseInt64Exact, toBytes } from '../bytes.ts';
import { NOT_INTEGER, SYNTAX, error } from '../errors.ts';
import type { Reply } from '../reply.ts';
import { StrBuf, stringLength, type StringValue } from '../types/strbuf.ts';
import { intArg, is } from './args.ts';
import type { Ctx } from './context.ts';
import { readString, unshareString } from './strings.ts';
import { defineCommands, type CommandSpec } from './table.ts';

const BIT_OFFSET_ERR = error('ERR bit offset is not an integer or out of range');

/**
 * getBitOffsetFromArgument: a bit offset within proto-max-bulk-len bytes; with `bits` (BITFIELD),
 * "#n" means n * bits.
 */
function bitOffsetArg(ctx: Ctx, s: string, bits = 0): number {
  const hash = bits > 0 && s.charCodeAt(0) === 35; /* # */
  let v = parseInt64(hash ? s.slice(1) : s);
  if (v !== v) throw BIT_OFFSET_ERR;
  if (hash) v *= bits;
  if (v < 0 || Math.floor(v / 8) >= ctx.shard.config['proto-max-bulk-len']) throw BIT_OFFSET_ERR;
  return v;
}

/** The bytes of a string value, without copying a StrBuf. */
function bytesOf(v: StringValue): Uint8Array {
  return typeof v === 'string' ? toBytes(v) : v.buf.subarray(0, v.len);
}

/**
 * Bytes [start, end) of a string value as an array indexed from `rangeBase`: a StrBuf's own
 * buffer (base 0), or a copy of just that range of a plain string (base start).
 */
let rangeBase = 0;
function rangeBytes(v: StringValue, start: number, end: number): Uint8Array {
  if (typeof v === 'string') {
    rangeBase = start;
    return toBytes(v.slice(start, end));
  }
  rangeBase = 0;
  return v.buf;
}

/**
 * lookupStringForBitCommand: the StrBuf at key, created or zero-padded so that bit `maxbit`
 * exists. `grown` tells whether that alone changed the value. A plain string value is copied into
 * a StrBuf that replaces it without counting as a change.
 */
function stringForBits(ctx: Ctx, key: string, maxbit: number): { sb: StrBuf; grown: boolean; created: boolean } {
  const byte = Math.floor(maxbit / 8);
  const o = ctx.db.write<StringValue>(key, 'string');
  if (o === undefined) {
    const sb = new StrBuf(byte + 1);
    sb.growZero(byte + 1);
    return { sb, grown: true, created: true };
  }
  const len = stringLength(o);
  const sb = unshareString(ctx, key, o, Math.max(0, byte + 1 - len));
  sb.growZero(byte + 1);
  return { sb, grown: sb.len !== len, created: false };
}

/** Stores the outcome of stringForBits when something changed. */
function commitBits(ctx: Ctx, key: string, sb: StrBuf, created: boolean): void {
  if (created) ctx.db.add(key, sb);
  else ctx.db.modified(key, sb);
}

// ---------------------------------------------------------------------------------------------
// Popcount and bit search

const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1]!;

function popcount(p: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) n += POPCOUNT[p[i]!]!;
  return n;
}

/** Position of the first bit equal to `bit` in bytes [start, end); as redisBitpos: -1 for a
 * missing 1, (end - start) * 8 for a missing 0 (the string is zero-padded on the right). */
function bitpos(p: Uint8Array, start: number, end: number, bit: number): number {
  const skip = bit ? 0 : 0xff;
  let i = start;
  while (i < end && p[i] === skip) i++;
  if (i === end) return bit ? -1 : (end - start) * 8;
  const b = p[i]!;
  for (let k = 0; k < 8; k++) {
    if (((b >> (7 - k)) & 1) === bit) return (i - start) * 8 + k;
  }
  return -1; // unreachable: b !== skip has such a bit
}

// ---------------------------------------------------------------------------------------------
// Bit fields: up to 64-bit integers at any bit offset, big-endian bit order.

function readBit(p: Uint8Array, len: number, offset: number): number {
  const byte = Math.floor(offset / 8);
  return byte < len ? (p[byte]! >> (7 - (offset % 8))) & 1 : 0;
}

/** The unsigned value of `bits` bits at `offset` (bits past the end read as 0). */
function getUnsigned(p: Uint8Array, len: number, offset: number, bits: number): bigint {
  if (bits <= 32) {
    let v = 0;
    for (let j = 0; j < bits; j++) v = v * 2 + readBit(p, len, offset + j);
    return BigInt(v);
  }
  const hiBits = bits - 32;
  let hi = 0;
  let lo = 0;
  for (let j = 0; j < hiBits; j++) hi = hi * 2 + readBit(p, len, offset + j);
  for (let j = hiBits; j < bits; j++) lo = lo * 2 + readBit(p, len, offset + j);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

function getSigned(p: Uint8Array, len: number, offset: number, bits: number): bigint {
  return BigInt.asIntN(bits, getUnsigned(p, len, offset, bits));
}

/** Up to 9 bytes around a field, zero-padded: a GET reads them, never the whole value. */
const scratch = new Uint8Array(9);

/** BITFIELD GET of a field in a string value (or a missing key). */
function getField(o: StringValue | undefined, op: FieldOp): bigint {
  const byte = Math.floor(op.offset / 8);
  scratch.fill(0);
  if (o !== undefined) {
    const len = stringLength(o);
    for (let i = 0; i < 9 && byte + i < len; i++) scratch[i] = typeof o === 'string' ? o.charCodeAt(byte + i) : o.buf[byte + i]!;
  }
  const off = op.offset - byte * 8;
  return op.signed ? getSigned(scratch, 9, off, op.bits) : getUnsigned(scratch, 9, off, op.bits);
}

/** Writes the low `bits` bits of value at offset (the buffer is long enough). */
function setBits(p: Uint8Array, offset: number, bits: number, value: bigint): void {
  const u = BigInt.asUintN(64, value);
  let lo = Number(u & 0xffffffffn);
  let hi = Number(u >> 32n);
  for (let j = bits - 1; j >= 0; j--) {
    const bitval = j >= bits - 32 || bits <= 32 ? lo & 1 : hi & 1;
    if (j >= bits - 32 || bits <= 32) lo = Math.floor(lo / 2);
    else hi = Math.floor(hi / 2);
    const o = offset + j;
    const byte = Math.floor(o / 8);
    const shift = 7 - (o % 8);
    p[byte] = (p[byte]! & ~(1 << shift)) | (bitval << shift);
  }
}

const WRAP = 0;
const SAT = 1;
const FAIL = 2;

const U64 = (x: bigint) => BigInt.asUintN(64, x);
const I64 = (x: bigint) => BigInt.asIntN(64, x);

/**
 * checkUnsignedBitfieldOverflow with C's uint64/int64 arithmetic: 0, or 1/-1 for overflow /
 * underflow, with the value the operation yields under WRAP or SAT.
 */
function checkUnsigned(value: bigint, incr: bigint, bits: number, owtype: number): [number, bigint] {
  const max = (1n << BigInt(bits)) - 1n;
  const maxincr = I64(max - value);
  const minincr = I64(-value);
  if (value > max || (incr > 0n && incr > maxincr)) {
    return [1, owtype === WRAP ? U64(value + incr) & max : owtype === SAT ? max : 0n];
  }
  if (incr < 0n && incr < minincr) {
    return [-1, owtype === WRAP ? U64(value + incr) & max : 0n];
  }
  return [0, 0n];
}

/** checkSignedBitfieldOverflow, same contract, int64 semantics (value and incr are int64). */
function checkSigned(value: bigint, incr: bigint, bits: number, owtype: number): [number, bigint] {
  const max = bits === 64 ? 0x7fffffffffffffffn : (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  const maxincr = I64(U64(max) - U64(value));
  const minincr = I64(min - value);
  const wrap = (): bigint => {
    const c = U64(value + incr);
    return bits < 64 ? BigInt.asIntN(bits, c) : I64(c);
  };
  if (value > max || (bits !== 64 && incr > maxincr) || (value >= 0n && incr > 0n && incr > maxincr)) {
    return [1, owtype === WRAP ? wrap() : max];
  }
  if (value < min || (bits !== 64 && incr < minincr) || (value < 0n && incr < 0n && incr < minincr)) {
    return [-1, owtype === WRAP ? wrap() : min];
  }
  return [0, 0n];
}

const GET = 0;
const SET = 1;
const INCRBY = 2;

interface FieldOp {
  opcode: number;
  offset: number;
  bits: number;
  signed: boolean;
  owtype: number;
  value: bigint;
}

const TYPE_ERR = error('ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.');

function fieldTypeArg(s: string): [boolean, number] {
  const c = s.charCodeAt(0);
  if (c !== 105 /* i */ && c !== 117 /* u */) throw TYPE_ERR;
  const signed = c === 105;
  const bits = parseInt64(s.slice(1));
  if (bits !== bits || bits < 1 || (signed && bits > 64) || (!signed && bits > 63)) throw TYPE_ERR;
  return [signed, bits];
}

function toReplyInt(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

/** bitfieldGeneric: every subcommand is parsed and validated before any is executed. */
function bitfield(ctx: Ctx, readonlyCommand: boolean): Reply {
  const argv = ctx.argv;
  const key = argv[1]!;
  const ops: FieldOp[] = [];
  let owtype = WRAP;
  let readonly = true;
  let highest = 0;
  for (let j = 2; j < argv.length; j++) {
    const remargs = argv.length - j - 1;
    const sub = argv[j]!.toLowerCase();
    let opcode: number;
    if (sub === 'get' && remargs >= 2) opcode = GET;
    else if (sub === 'set' && remargs >= 3) opcode = SET;
    else if (sub === 'incrby' && remargs >= 3) opcode = INCRBY;
    else if (sub === 'overflow' && remargs >= 1) {
      const t = argv[++j]!.toLowerCase();
      if (t === 'wrap') owtype = WRAP;
      else if (t === 'sat') owtype = SAT;
      else if (t === 'fail') owtype = FAIL;
      else throw error('ERR Invalid OVERFLOW type specified');
      continue;
    } else throw SYNTAX;
    const [signed, bits] = fieldTypeArg(argv[j + 1]!);
    const offset = bitOffsetArg(ctx, argv[j + 2]!, bits);
    let value = 0n;
    if (opcode !== GET) {
      readonly = false;
      if (highest < offset + bits - 1) highest = offset + bits - 1;
      const v = parseInt64Exact(argv[j + 3]!);
      if (v === null) throw NOT_INTEGER;
      value = BigInt(v);
    }
    ops.push({ opcode, offset, bits, signed, owtype, value });
    j += opcode === GET ? 2 : 3;
  }

  if (readonly) {
    const o = readString(ctx, key);
    const out: Reply[] = new Array(ops.length);
    for (let i = 0; i < ops.length; i++) out[i] = toReplyInt(getField(o, ops[i]!));
    return out;
  }
  if (readonlyCommand) throw error('ERR BITFIELD_RO only supports the GET subcommand');

  const { sb, grown, created } = stringForBits(ctx, key, highest);
  let changes = 0;
  const out: Reply[] = new Array(ops.length);
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    const p = sb.buf;
    const len = sb.len;
    if (op.opcode === GET) {
      out[i] = toReplyInt(getField(sb, op));
      continue;
    }
    let oldval: bigint;
    let newval: bigint;
    let retval: bigint;
    let overflow: number;
    let wrapped: bigint;
    if (op.signed) {
      oldval = getSigned(p, len, op.offset, op.bits);
      if (op.opcode === INCRBY) {
        [overflow, wrapped] = checkSigned(oldval, op.value, op.bits, op.owtype);
        newval = overflow ? wrapped : I64(oldval + op.value);
        retval = newval;
      } else {
        newval = op.value;
        [overflow, wrapped] = checkSigned(newval, 0n, op.bits, op.owtype);
        if (overflow) newval = wrapped;
        retval = oldval;
      }
    } else {
      oldval = getUnsigned(p, len, op.offset, op.bits);
      if (op.opcode === INCRBY) {
        [overflow, wrapped] = checkUnsigned(oldval, op.value, op.bits, op.owtype);
        newval = overflow ? wrapped : U64(oldval + op.value);
        retval = newval;
      } else {
        newval = U64(op.value);
        [overflow, wrapped] = checkUnsigned(newval, 0n, op.bits, op.owtype);
        if (overflow) newval = wrapped;
        retval = oldval;
      }
    }
    if (overflow && op.owtype === FAIL) {
      out[i] = null;
      continue;
    }
    out[i] = toReplyInt(retval);
    setBits(p, op.offset, op.bits, newval);
    if (grown || oldval !== newval) changes++;
  }
  if (changes > 0 || grown) {
    // A created or padded value stays so even when every write failed (OVERFLOW FAIL), as in
    // Redis; here that counts as a change, so replaying the BITFIELD recreates it too.
    commitBits(ctx, key, sb, created);
    if (changes > 0) ctx.notify('$', 'setbit', key);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

const bitmap = (spec: Omit<CommandSpec, 'group'>): CommandSpec => ({ group: 'bitmap', ...spec });

defineCommands(
  bitmap({
    name: 'setbit',
    arity: 4,
    flags: ['write', 'denyoom'],
    acl: ['write', 'bitmap', 'slow'],
    keySpecs: [{ flags: ['RW', 'ACCESS', 'UPDATE'], index: 1, range: [0, 1, 0] }],
    summary: 'Sets or clears the bit at offset of the string value. Creates the key if it doesn\'t exist.',
    complexity: 'O(1)',
    since: '2.2.0',
    handler(ctx) {
      const [, key, offArg, bitArg] = ctx.argv as [string, string, string, string];
      const offset = bitOffsetArg(ctx, offArg);
      const on = parseInt64(bitArg);
      if (on !== 0 && on !== 1) throw error('ERR bit is not an integer or out of range');
      const { sb, grown, created } = stringForBits(ctx, key, offset);
      const byte = Math.floor(offset / 8);
      const shift = 7 - (offset % 8);
      const old = (sb.buf[byte]! >> shift) & 1;
      if (grown || old !== on) {
        sb.buf[byte] = (sb.buf[byte]! & ~(1 << shift)) | (on << shift);
        commitBits(ctx, key, sb, created);
        ctx.notify('$', 'setbit', key);
      }
      return old;
    },
  }),
  bitmap({
    name: 'getbit',
    arity: 3,
    flags: ['readonly', 'fast'],
    acl: ['read', 'bitmap', 'fast'],
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns a bit value by offset.',
    complexity: 'O(1)',
    since: '2.2.0',
    handler(ctx) {
      const offset = bitOffsetArg(ctx, ctx.argv[2]!);
      const o = readString(ctx, ctx.argv[1]!);
      if (o === undefined) return 0;
      const byte = Math.floor(offset / 8);
      if (byte >= stringLength(o)) return 0;
      const b = typeof o === 'string' ? o.charCodeAt(byte) : o.buf[byte]!;
      return (b >> (7 - (offset % 8))) & 1;
    },
  }),
  bitmap({
    name: 'bitcount',
    arity: -2,
    flags: ['readonly'],
    acl: ['read', 'bitmap', 'slow'],
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Counts the number of set bits (population counting) in a string.',
    complexity: 'O(N)',
    since: '2.6.0',
    handler(ctx) {
      const argv = ctx.argv;
      const o = readString(ctx, argv[1]!);
      if (o === undefined) return 0;
      const strlen = stringLength(o);
      let start: number;
      let end: number;
      let firstMask = 0;
      let lastMask = 0;
      if (argv.length === 4 || argv.length === 5) {
        let totlen = strlen;
        start = intArg(argv[2]!);
        end = intArg(argv[3]!);
        if (start < 0 && end < 0 && start > end) return 0;
        let isbit = false;
        if (argv.length === 5) {
          if (is(argv[4]!, 'bit')) isbit = true;
          else if (!is(argv[4]!, 'byte')) throw SYNTAX;
        }
        if (isbit) totlen *= 8;
        if (start < 0) start = totlen + start;
        if (end < 0) end = totlen + end;
        if (start < 0) start = 0;
        if (end < 0) end = 0;
        if (end >= totlen) end = totlen - 1;
        if (isbit && start <= end) {
          // Masks of the bits outside the range in the first and last bytes.
          firstMask = ~((1 << (8 - (start % 8))) - 1) & 0xff;
          lastMask = (1 << (7 - (end % 8))) - 1;
          start = Math.floor(start / 8);
          end = Math.floor(end / 8);
        }
      } else if (argv.length === 2) {
        start = 0;
        end = strlen - 1;
      } else {
        throw SYNTAX;
      }
      if (start > end) return 0;
      const p = rangeBytes(o, start, end + 1);
      const base = rangeBase;
      let count = popcount(p, start - base, end + 1 - base);
      if (firstMask !== 0) count -= POPCOUNT[p[start - base]! & firstMask]!;
      if (lastMask !== 0) count -= POPCOUNT[p[end - base]! & lastMask]!;
      return count;
    },
  }),
  bitmap({
    name: 'bitpos',
    arity: -3,
    flags: ['readonly'],
    acl: ['read', 'bitmap', 'slow'],
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Finds the first set (1) or clear (0) bit in a string.',
    complexity: 'O(N)',
    since: '2.8.7',
    handler(ctx) {
      const argv = ctx.argv;
      const bit = intArg(argv[2]!);
      if (bit !== 0 && bit !== 1) throw error('ERR The bit argument must be 1 or 0.');
      const o = readString(ctx, argv[1]!);
      if (o === undefined) return bit ? -1 : 0;
      const strlen = stringLength(o);
      let start: number;
      let end: number;
      let endGiven = false;
      let firstMask = 0;
      let lastMask = 0;
      const argc = argv.length;
      if (argc === 4 || argc === 5 || argc === 6) {
        let totlen = strlen;
        start = intArg(argv[3]!);
        let isbit = false;
        if (argc === 6) {
          if (is(argv[5]!, 'bit')) isbit = true;
          else if (!is(argv[5]!, 'byte')) throw SYNTAX;
        }
        if (argc >= 5) {
          end = intArg(argv[4]!);
          endGiven = true;
        } else {
          end = isbit ? totlen * 8 + 7 : totlen - 1;
        }
        if (isbit) totlen *= 8;
        if (start < 0) start = totlen + start;
        if (end < 0) end = totlen + end;
        if (start < 0) start = 0;
        if (end < 0) end = 0;
        if (end >= totlen) end = totlen - 1;
        if (isbit && start <= end) {
          firstMask = ~((1 << (8 - (start % 8))) - 1) & 0xff;
          lastMask = (1 << (7 - (end % 8))) - 1;
          start = Math.floor(start / 8);
          end = Math.floor(end / 8);
        }
      } else if (argc === 3) {
        start = 0;
        end = strlen - 1;
      } else {
        throw SYNTAX;
      }
      if (start > end) return -1;

      // The edge bytes of a BIT range are searched with the bits outside the range forced to
      // the value not searched for.
      const p = rangeBytes(o, start, end + 1);
      const base = rangeBase;
      let bytes = end - start + 1;
      let pos: number;
      done: {
        if (firstMask !== 0) {
          let b = bit ? p[start - base]! & ~firstMask : p[start - base]! | firstMask;
          if (lastMask !== 0 && bytes === 1) b = bit ? b & ~lastMask : b | lastMask;
          pos = bitpos(Uint8Array.of(b & 0xff), 0, 1, bit);
          if (bytes === 1 || (pos !== -1 && pos !== 8)) break done;
          start++;
          bytes--;
        }
        const curbytes = bytes - (lastMask !== 0 ? 1 : 0);
        if (curbytes > 0) {
          pos = bitpos(p, start - base, start - base + curbytes, bit);
          if (bytes === curbytes || (pos !== -1 && pos !== curbytes * 8)) break done;
          start += curbytes;
          bytes -= curbytes;
        }
        const b = bit ? p[end - base]! & ~lastMask : p[end - base]! | lastMask;
        pos = bitpos(Uint8Array.of(b & 0xff), 0, 1, bit);
      }
      // With an explicit end, "no clear bit in range" is -1, not the first bit past the range.
      if (endGiven && bit === 0 && pos === bytes * 8) return -1;
      if (pos !== -1) pos += start * 8;
      return pos;
    },
  }),
  bitmap({
    name: 'bitop',
    arity: -4,
    flags: ['write', 'denyoom'],
    acl: ['write', 'bitmap', 'slow'],
    keySpecs: [
      { flags: ['OW', 'UPDATE'], index: 2, range: [0, 1, 0] },
      { flags: ['RO', 'ACCESS'], index: 3, range: [-1, 1, 0] },
    ],
    summary: 'Performs bitwise operations on multiple strings, and stores the result.',
    complexity: 'O(N)',
    since: '2.6.0',
    handler(ctx) {
      const argv = ctx.argv;
      const op = argv[1]!.toLowerCase();
      if (op !== 'and' && op !== 'or' && op !== 'xor' && op !== 'not') throw SYNTAX;
      if (op === 'not' && argv.length !== 4) throw error('ERR BITOP NOT must be called with a single source key.');
      const dest = argv[2]!;
      const n = argv.length - 3;
      const src: Uint8Array[] = new Array(n);
      let maxlen = 0;
      let minlen = 0;
      for (let j = 0; j < n; j++) {
        const o = readString(ctx, argv[j + 3]!);
        const p = o === undefined ? new Uint8Array(0) : bytesOf(o);
        src[j] = p;
        if (p.length > maxlen) maxlen = p.length;
        if (j === 0 || p.length < minlen) minlen = p.length;
      }
      const db = ctx.db;
      if (maxlen === 0) {
        if (db.delete(dest)) ctx.notify('g', 'del', dest);
        return 0;
      }
      const res = new StrBuf(maxlen);
      res.growZero(maxlen);
      const out = res.buf;
      const first = src[0]!;
      out.set(first.subarray(0, maxlen));
      if (op === 'not') {
        for (let i = 0; i < maxlen; i++) out[i] = ~out[i]! & 0xff;
      } else {
        // Bytes past a source's end count as 0.
        for (let j = 1; j < n; j++) {
          const s = src[j]!;
          const l = s.length;
          if (op === 'and') {
            for (let i = 0; i < l; i++) out[i]! &= s[i]!;
            out.fill(0, l);
          } else if (op === 'or') {
            for (let i = 0; i < l; i++) out[i]! |= s[i]!;
          } else {
            for (let i = 0; i < l; i++) out[i]! ^= s[i]!;
          }
        }
      }
      if (db.expires.size > 0) db.expireIfNeeded(dest); // setKey's lookup
      db.set(dest, res);
      ctx.notify('$', 'set', dest);
      return maxlen;
    },
  }),
  bitmap({
    name: 'bitfield',
    arity: -2,
    flags: ['write', 'denyoom'],
    acl: ['write', 'bitmap', 'slow'],
    keySpecs: [
      { notes: 'This command allows both access and modification of the key', flags: ['RW', 'UPDATE', 'ACCESS', 'VARIABLE_FLAGS'], index: 1, range: [0, 1, 0] },
    ],
    summary: 'Performs arbitrary bitfield integer operations on strings.',
    complexity: 'O(1) for each subcommand specified',
    since: '3.2.0',
    handler: (ctx) => bitfield(ctx, false),
  }),
  bitmap({
    name: 'bitfield_ro',
    arity: -2,
    flags: ['readonly', 'fast'],
    acl: ['read', 'bitmap', 'fast'],
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Performs arbitrary read-only bitfield integer operations on strings.',
    complexity: 'O(1) for each subcommand specified',
    since: '6.0.0',
    handler: (ctx) => bitfield(ctx, true),
  }),
);
