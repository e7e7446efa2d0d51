/**
 * PFADD / PFCOUNT / PFMERGE / PFDEBUG (hyperloglog.c). The HLL lives in a string value in Redis's
 * own format (types/hyperloglog.ts), so GET/SET move it between memorykv and redis-server.
 *
 * Values written here are raw strings, as in Redis (createHLLObject, and dbUnshareStringValue in
 * PFADD, single-key PFCOUNT, PFMERGE, PFDEBUG): a StrBuf, which PFADD and PFCOUNT update in place.
 *
 * Effects: PFADD and PFMERGE replay deterministically from their argv. PFCOUNT of one key writes
 * the cached cardinality into the value when it was stale; Redis counts that as a change
 * (server.dirty++) and, the command being flagged may_replicate, propagates PFCOUNT itself, so
 * replicas and the journal hold the same bytes. We do the same: the shard propagates the argv when
 * the dirty counter moved. PFCOUNT of several keys never writes.
 */
import { error, type ErrorReply } from '../errors.ts';
import { OK, Status, type Reply } from '../reply.ts';
import type { Value } from '../keyspace/object.ts';
import type { Ctx } from './context.ts';
import { StrBuf, stringValue, type StringValue } from '../types/strbuf.ts';
import { unshareString } from './strings.ts';
import { defineCommands } from './table.ts';
import {
  EMPTY_HLL,
  HLL_DENSE,
  HLL_HDR_SIZE,
  HLL_REGISTERS,
  HLL_SPARSE,
  HllBuf,
  PROMOTE,
  cachedCard,
  denseAddBytes,
  denseSetMaxBytes,
  denseRegister,
  hllAdd,
  hllCount,
  hllCountDenseBytes,
  hllCountRaw,
  hllMerge,
  hllMergeDenseBytes,
  hllPatLen,
  invalidateCacheBytes,
  isHLL,
  isHLLBytes,
  setCachedCardBytes,
  sparseSet,
  termAfterSet,
} from '../types/hyperloglog.ts';

const NOT_HLL: ErrorReply = error('WRONGTYPE Key is not a valid HyperLogLog string value.');
const INVALID_HLL: ErrorReply = error('INVALIDOBJ Corrupted HLL object detected');

function sparseMaxBytes(ctx: Ctx): number {
  return ctx.shard.config['hll-sparse-max-bytes'];
}

/** A string value (plain, or a StrBuf left by SETRANGE/SETBIT) as a binary string. */
function binary(v: Value): string {
  return typeof v === 'string' ? v : stringValue(v as StringValue);
}

/** isHLLObjectOrReply without copying a StrBuf's bytes. */
function checkHll(v: Value): void {
  if (typeof v === 'string' ? !isHLL(v) : v.type !== 'string' || !isHLLBytes((v as StrBuf).buf, (v as StrBuf).len)) throw NOT_HLL;
}

/**
 * The byte past the end of each value as Redis holds it (types/hyperloglog.ts, `term`): 0 but
 * after hllSparseSet wrote past the end of a damaged value. Kept aside (StrBuf's spare capacity
 * stays zero) and valid while the value keeps its length: a string command that changes the
 * length rewrites Redis's terminator too, one that writes inside the value does not.
 */
const terms = new WeakMap<StrBuf, { len: number; term: number }>();

function termOf(v: Value): number {
  if (typeof v === 'string') return 0;
  const t = terms.get(v as StrBuf);
  return t !== undefined && t.len === (v as StrBuf).len ? t.term : 0;
}

function setTermOf(sb: StrBuf, term: number): void {
  if (term === 0) terms.delete(sb);
  else terms.set(sb, { len: sb.len, term });
}

/**
 * hllMerge of a key's value, known to exist, after isHLLObjectOrReply; false when corrupt. A
 * dense raw value is read in place (a copy into a string would cost more than the merge).
 */
function mergeValue(max: Uint8Array, v: Value): boolean {
  checkHll(v);
  if (typeof v !== 'string' && (v as StrBuf).buf[4] === HLL_DENSE) {
    hllMergeDenseBytes(max, (v as StrBuf).buf);
    return true;
  }
  return hllMerge(max, binary(v), termOf(v));
}

/** Replaces the bytes of a raw string value with s (spare capacity stays zero). */
function storeBytes(sb: StrBuf, s: string): void {
  const n = s.length;
  let b = sb.buf;
  if (b.length < n) b = sb.buf = new Uint8Array(n);
  else if (n < sb.len) b.fill(0, n, sb.len);
  for (let i = 0; i < n; i++) b[i] = s.charCodeAt(i);
  sb.len = n;
}

const statusDense = new Status('dense');
const statusSparse = new Status('sparse');

/** Redis replies the uint64 estimate through addReplyLongLong: beyond 2^63 it turns negative. */
function cardReply(card: number | bigint): Reply {
  return typeof card === 'bigint' ? BigInt.asIntN(64, card) : card;
}

defineCommands(
  {
    name: 'pfadd',
    arity: -2,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'hyperloglog', 'fast'],
    group: 'hyperloglog',
    keySpecs: [{ flags: ['RW', 'INSERT'], index: 1, range: [0, 1, 0] }],
    summary: "Adds elements to a HyperLogLog key. Creates the key if it doesn't exist.",
    complexity: 'O(1) to add every element.',
    since: '2.8.9',
    handler(ctx) {
      const { db, argv } = ctx;
      const key = argv[1]!;
      const v = db.write(key, 'string');
      let sb: StrBuf;
      let updated = 0;
      if (v === undefined) {
        sb = StrBuf.from(EMPTY_HLL);
        updated++; // the creation counts as an update: the new value's cache is flagged stale
      } else {
        checkHll(v);
        sb = unshareString(ctx, key, v as StringValue);
      }
      let j = 2;
      if (sb.buf[4] === HLL_SPARSE && j < argv.length) {
        const orig = sb.toString();
        let s = orig;
        let term = termOf(sb);
        const sparseMax = sparseMaxBytes(ctx);
        for (; j < argv.length; j++) {
          const r = hllAdd(s, argv[j]!, sparseMax, term);
          if (r === null) {
            // Redis edits the value in place element by element: what was added before the
            // corruption was met stays (without a signal; replicas get the bytes).
            if (s !== orig) {
              storeBytes(sb, s);
              setTermOf(sb, term);
              db.modified(key, sb);
              ctx.emit(['SET', key, s, 'KEEPTTL']);
            }
            throw INVALID_HLL;
          }
          term = termAfterSet();
          if (r !== s) {
            s = r;
            updated++;
            if (s.charCodeAt(4) === HLL_DENSE) {
              j++;
              break;
            }
          }
        }
        if (s !== orig) storeBytes(sb, s);
        setTermOf(sb, term);
      }
      if (j < argv.length) updated += denseAddBytes(sb.buf, sb.len, argv, j);
      if (updated === 0) return 0;
      invalidateCacheBytes(sb.buf);
      if (v === undefined) db.add(key, sb);
      else db.modified(key, sb);
      ctx.notify('$', 'pfadd', key);
      return 1;
    },
  },
  {
    name: 'pfcount',
    arity: -2,
    flags: ['readonly', 'may_replicate'],
    acl: ['read', 'hyperloglog', 'slow'],
    group: 'hyperloglog',
    keySpecs: [
      { notes: 'RW because it may change the internal representation of the key, and propagate to replicas', flags: ['RW', 'ACCESS'], index: 1, range: [-1, 1, 0] },
    ],
    summary: 'Returns the approximated cardinality of the set(s) observed by the HyperLogLog key(s).',
    complexity:
      'O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.',
    since: '2.8.9',
    handler(ctx) {
      const { db, argv } = ctx;
      if (argv.length > 2) {
        // The cardinality of the union, in a temporary set of raw registers.
        const max = new Uint8Array(HLL_REGISTERS);
        for (let j = 1; j < argv.length; j++) {
          const v = db.read(argv[j]!, 'string');
          if (v === undefined) continue;
          if (!mergeValue(max, v)) throw INVALID_HLL;
        }
        return cardReply(hllCountRaw(max));
      }
      const key = argv[1]!;
      const v = db.read(key, 'string');
      if (v === undefined) return 0;
      checkHll(v);
      const sb = unshareString(ctx, key, v as StringValue);
      const cached = cachedCard(sb.slice(0, HLL_HDR_SIZE));
      if (cached !== -1) return cached;
      const card = sb.buf[4] === HLL_DENSE ? hllCountDenseBytes(sb.buf) : hllCount(sb.toString(), termOf(sb));
      if (card === null) throw INVALID_HLL;
      setCachedCardBytes(sb.buf, card);
      db.modified(key, sb);
      return cardReply(card);
    },
  },
  {
    name: 'pfmerge',
    arity: -2,
    flags: ['write', 'denyoom'],
    acl: ['write', 'hyperloglog', 'slow'],
    group: 'hyperloglog',
    keySpecs: [
      { flags: ['RW', 'ACCESS', 'INSERT'], index: 1, range: [0, 1, 0] },
      { flags: ['RO', 'ACCESS'], index: 2, range: [-1, 1, 0] },
    ],
    summary: 'Merges one or more HyperLogLog values into a single key.',
    complexity: 'O(N) to merge N HyperLogLogs, but with high constant times.',
    since: '2.8.9',
    handler(ctx) {
      const { db, argv } = ctx;
      const max = new Uint8Array(HLL_REGISTERS);
      let useDense = false;
      for (let j = 1; j < argv.length; j++) {
        const v = db.read(argv[j]!, 'string');
        if (v === undefined) continue;
        if (!mergeValue(max, v)) throw INVALID_HLL;
        if ((typeof v === 'string' ? v.charCodeAt(4) : (v as StrBuf).buf[4]) === HLL_DENSE) useDense = true;
      }
      const dest = argv[1]!;
      const dv = db.write(dest, 'string');
      // The destination, when it exists, was validated above as one of the inputs.
      const sb = dv === undefined ? StrBuf.from(EMPTY_HLL) : unshareString(ctx, dest, dv as StringValue);
      if (useDense) {
        if (sb.buf[4] !== HLL_DENSE) {
          const h = HllBuf.from(sb.toString(), termOf(sb));
          if (!h.toDense()) throw INVALID_HLL;
          sb.buf = h.b; // its byte past the end is 0: spare capacity
          sb.len = h.len;
        }
        denseSetMaxBytes(sb.buf, max);
        setTermOf(sb, 0);
      } else {
        let s = sb.toString();
        let term = termOf(sb);
        let h: HllBuf | null = null;
        const sparseMax = sparseMaxBytes(ctx);
        for (let j = 0; j < HLL_REGISTERS; j++) {
          const count = max[j]!;
          if (count === 0) continue;
          if (h !== null) {
            h.denseSet(j, count);
            continue;
          }
          const r = sparseSet(s, j, count, sparseMax, term);
          if (r === PROMOTE) {
            h = HllBuf.from(s, term);
            if (h.toDense()) h.denseSet(j, count);
            else h = null; // unreachable for a validated input; Redis goes on with the sparse form
          } else if (r !== null) {
            s = r;
            term = termAfterSet();
          }
        }
        if (h !== null) {
          sb.buf = h.b;
          sb.len = h.len;
          term = 0;
        } else {
          storeBytes(sb, s);
        }
        setTermOf(sb, term);
      }
      invalidateCacheBytes(sb.buf);
      if (dv === undefined) db.add(dest, sb);
      else db.modified(dest, sb);
      // A PFADD event: in theory PFMERGE is a mass-add of elements.
      ctx.notify('$', 'pfadd', dest);
      return OK;
    },
  },
  {
    name: 'pfdebug',
    arity: 3,
    flags: ['write', 'denyoom', 'admin'],
    acl: ['write', 'hyperloglog', 'admin', 'slow', 'dangerous'],
    group: 'hyperloglog',
    keySpecs: [{ flags: ['RW', 'ACCESS'], index: 2, range: [0, 1, 0] }],
    summary: 'Internal commands for debugging HyperLogLog values.',
    complexity: 'N/A',
    since: '2.8.9',
    handler(ctx) {
      const { db, argv } = ctx;
      const sub = argv[1]!.toLowerCase();
      const key = argv[2]!;
      const v = db.write(key, 'string');
      if (v === undefined) return error('ERR The specified key does not exist');
      checkHll(v);
      const sb = unshareString(ctx, key, v as StringValue);
      const s = sb.toString();
      const term = termOf(sb);
      switch (sub) {
        case 'getreg': {
          let dense = s;
          if (s.charCodeAt(4) === HLL_SPARSE) {
            const h = HllBuf.from(s, term);
            if (!h.toDense()) throw INVALID_HLL;
            dense = h.toString();
            storeBytes(sb, dense);
            db.modified(key, sb); // the encoding change is propagated, as in Redis
          }
          const regs: number[] = new Array(HLL_REGISTERS);
          for (let j = 0; j < HLL_REGISTERS; j++) regs[j] = denseRegister(dense, j);
          return regs;
        }
        case 'decode': {
          if (s.charCodeAt(4) !== HLL_SPARSE) return error('ERR HLL encoding is not sparse');
          const parts: string[] = [];
          for (let p = HLL_HDR_SIZE; p < s.length; ) {
            const op = s.charCodeAt(p);
            if ((op & 0xc0) === 0) {
              parts.push(`z:${(op & 0x3f) + 1}`);
              p++;
            } else if ((op & 0xc0) === 0x40) {
              parts.push(`Z:${(((op & 0x3f) << 8) | (p + 1 < s.length ? s.charCodeAt(p + 1) : term)) + 1}`);
              p += 2;
            } else {
              parts.push(`v:${((op >> 2) & 0x1f) + 1},${(op & 3) + 1}`);
              p++;
            }
          }
          return parts.join(' ');
        }
        case 'encoding':
          return s.charCodeAt(4) === HLL_DENSE ? statusDense : statusSparse;
        case 'todense': {
          if (s.charCodeAt(4) !== HLL_SPARSE) return 0;
          const h = HllBuf.from(s, term);
          if (!h.toDense()) throw INVALID_HLL;
          storeBytes(sb, h.toString());
          db.modified(key, sb);
          return 1;
        }
        default:
          return error(`ERR Unknown PFDEBUG subcommand '${argv[1]}'`);
      }
    },
  },
  {
    name: 'pfselftest',
    arity: 1,
    flags: ['admin'],
    acl: ['hyperloglog', 'admin', 'slow', 'dangerous'],
    group: 'hyperloglog',
    summary: 'An internal command for testing HyperLogLog values.',
    complexity: 'N/A',
    since: '2.8.9',
    handler(ctx) {
      return pfSelfTest(sparseMaxBytes(ctx));
    },
  },
);

/**
 * Redis runs 1000 register cycles and adds 10M elements; a tenth of each keeps the command under
 * half a second here instead of stalling the shard for several.
 */
const SELFTEST_ELEMENTS = 1_000_000;
const SELFTEST_CYCLES = 100;

/**
 * PFSELFTEST: register access of the dense encoding, then the estimate's error on growing
 * cardinalities with a dense and a sparse HLL side by side (which must agree while both exist).
 */
function pfSelfTest(sparseMax: number): Reply {
  const dense = HllBuf.from(EMPTY_HLL);
  dense.toDense();
  const bytecounters = new Uint8Array(HLL_REGISTERS);
  for (let j = 0; j < SELFTEST_CYCLES; j++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const r = (Math.random() * 64) | 0;
      bytecounters[i] = r;
      setRegister(dense, i, r);
    }
    const s = dense.toString();
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const val = denseRegister(s, i);
      if (val !== bytecounters[i]) {
        return error(`TESTFAILED Register ${i} should be ${bytecounters[i]} but is ${val}`);
      }
    }
  }

  const registers = HllBuf.from(EMPTY_HLL);
  registers.toDense();
  // The sparse HLL as a string while sparse, then (promoted) as a buffer like the dense one.
  let o = EMPTY_HLL;
  let promoted: HllBuf | null = null;
  const relerr = 1.04 / Math.sqrt(HLL_REGISTERS);
  let checkpoint = 1;
  const seedLo = (Math.random() * 0x100000000) >>> 0;
  const seedHi = (Math.random() * 0x100000000) >>> 0;
  for (let j = 1; j <= SELFTEST_ELEMENTS; j++) {
    // ele = j ^ seed, as 8 little-endian bytes.
    const lo = (j ^ seedLo) >>> 0;
    const ele = String.fromCharCode(
      lo & 0xff, (lo >>> 8) & 0xff, (lo >>> 16) & 0xff, lo >>> 24,
      seedHi & 0xff, (seedHi >>> 8) & 0xff, (seedHi >>> 16) & 0xff, seedHi >>> 24,
    );
    const pl = hllPatLenOf(ele);
    registers.denseSet(pl.index, pl.count);
    if (promoted !== null) promoted.denseSet(pl.index, pl.count);
    else {
      const r = sparseSet(o, pl.index, pl.count, sparseMax);
      if (r === PROMOTE) {
        promoted = HllBuf.from(o);
        promoted.toDense();
        promoted.denseSet(pl.index, pl.count);
      } else if (r !== null) o = r;
    }
    if (j !== checkpoint) continue;
    if (j < sparseMax / 2 && promoted !== null) return error('TESTFAILED sparse encoding not used');
    const card = hllCount(registers.toString())!;
    const other = hllCount(promoted !== null ? promoted.toString() : o);
    if (card !== other) return error('TESTFAILED dense/sparse disagree');
    let maxerr = Math.ceil(relerr * 6 * checkpoint);
    if (j === 10) maxerr = 1; // collisions make a larger error at 10 statistically likely
    const abserr = Math.abs(checkpoint - Number(card));
    if (abserr > maxerr) return error(`TESTFAILED Too big error. card:${checkpoint} abserr:${abserr}`);
    checkpoint *= 10;
  }
  return OK;
}

function setRegister(h: HllBuf, index: number, val: number): void {
  const b = h.b;
  const byte = HLL_HDR_SIZE + ((index * 6) >> 3);
  const fb = (index * 6) & 7;
  b[byte] = (b[byte]! & ~(63 << fb)) | (val << fb);
  b[byte + 1] = (b[byte + 1]! & ~(63 >> (8 - fb))) | (val >> (8 - fb));
}

function hllPatLenOf(ele: string): { index: number; count: number } {
  const pl = hllPatLen(ele);
  return { index: pl & (HLL_REGISTERS - 1), count: Math.floor(pl / HLL_REGISTERS) };
}
