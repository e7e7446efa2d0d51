import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOracle, type Oracle } from '../../test/oracle.ts';
import type { RespClient, Wire } from '../../test/resp-client.ts';
import { testEngine } from '../../test/util.ts';
import { ErrorReply } from '../errors.ts';
import { Double, MapReply, OK, SetReply, Status, doubleText, type Reply } from '../reply.ts';
import { crc64, crc64LE } from './crc64.ts';
import { listpackEntries, verifyDumpPayload } from './decode.ts';
import { lzfDecompress } from './lzf.ts';
import type { RStream } from '../types/stream.ts';

function err(r: unknown): string {
  expect(r).toBeInstanceOf(ErrorReply);
  return (r as ErrorReply).message;
}

/** A payload for an object body (type byte included), with a version and a valid CRC. */
function payload(body: string, version = 11): string {
  const p = body + String.fromCharCode(version & 0xff, version >> 8);
  return p + crc64LE(p);
}

/** rdbSaveLen-style length + bytes. */
const rdbString = (s: string) => {
  if (s.length >= 64) throw new Error('test helper: short strings only');
  return String.fromCharCode(s.length) + s;
};

/** A listpack of string entries (lpAppend with string encodings only, short entries). */
function listpack(entries: string[]): string {
  let body = '';
  for (const e of entries) {
    if (e.length >= 64) throw new Error('test helper: short entries only');
    const entry = String.fromCharCode(0x80 | e.length) + e;
    body += entry + String.fromCharCode(entry.length);
  }
  const total = 6 + body.length + 1;
  const u32 = String.fromCharCode(total & 0xff, (total >> 8) & 0xff, (total >> 16) & 0xff, total >>> 24);
  return u32 + String.fromCharCode(entries.length & 0xff, entries.length >> 8) + body + '\xff';
}

describe('rdb building blocks', () => {
  it('CRC-64/Jones as crc64.c', () => {
    expect(crc64('123456789')).toBe(0xe9c6d914c4b8d9can);
    expect(crc64('')).toBe(0n);
  });

  it('LZF: literals and overlapping back references; corrupt input is refused', () => {
    // "abcabcabcabc": 3 literals, then a reference of length 9 at distance 3.
    const c = String.fromCharCode(2) + 'abc' + String.fromCharCode((7 << 5) | 0, 0, 2);
    expect(lzfDecompress(c, 0, c.length, 12)).toBe('abcabcabcabc');
    expect(lzfDecompress(c, 0, c.length, 11)).toBeNull();
    expect(lzfDecompress(String.fromCharCode(0x20, 5), 0, 2, 3)).toBeNull();
  });

  it('verifyDumpPayload: version and checksum', () => {
    const p = payload('\x00' + rdbString('x'));
    expect(verifyDumpPayload(p)).toBe(true);
    expect(verifyDumpPayload(payload('\x00' + rdbString('x'), 12))).toBe(false);
    expect(verifyDumpPayload(p.slice(0, -1) + String.fromCharCode(p.charCodeAt(p.length - 1) ^ 1))).toBe(false);
    expect(verifyDumpPayload('short')).toBe(false);
  });

  it('listpack entries of every encoding', () => {
    // 7-bit uint 5, 13-bit int -100, int16 1000 (0xf1), 6-bit string "ab".
    const entries = [
      [0x05],
      [0xc0 | ((-100 >> 8) & 0x1f), -100 & 0xff],
      [0xf1, 1000 & 0xff, 1000 >> 8],
      [0x82, 0x61, 0x62],
    ];
    let body = '';
    for (const e of entries) body += String.fromCharCode(...e, e.length);
    const total = 6 + body.length + 1;
    const lp = String.fromCharCode(total, 0, 0, 0, entries.length, 0) + body + '\xff';
    expect(listpackEntries(lp)).toEqual(['5', '-100', '1000', 'ab']);
    expect(() => listpackEntries(lp.slice(0, -1))).toThrow();
  });
});

describe('DUMP / RESTORE in the engine', () => {
  it('round-trips every type with its contents and encoding', () => {
    const { run } = testEngine();
    run('SET', 's', 'hello');
    run('SET', 'n', '-12345');
    run('RPUSH', 'l', 'a', '1', 'b');
    run('SADD', 'si', '1', '2', '3');
    run('SADD', 'ss', 'x', 'y');
    run('ZADD', 'z', '1.5', 'a', '-inf', 'b', '2', 'c');
    run('HSET', 'h', 'f1', 'v1', 'f2', 'v2');
    run('PFADD', 'hll', 'a', 'b', 'c');
    for (const k of ['s', 'n', 'l', 'si', 'ss', 'z', 'h', 'hll']) {
      const p = run('DUMP', k) as string;
      expect(run('RESTORE', `${k}2`, 0, p)).toBe(OK);
      // A small HyperLogLog comes back embstr, as in Redis (PFADD made it raw).
      if (k !== 'hll') expect(run('OBJECT', 'ENCODING', `${k}2`)).toEqual(run('OBJECT', 'ENCODING', k));
    }
    expect(run('OBJECT', 'ENCODING', 'hll2')).toBe('embstr');
    expect(run('GET', 's2')).toBe('hello');
    expect(run('GET', 'n2')).toBe('-12345');
    expect(run('LRANGE', 'l2', 0, -1)).toEqual(['a', '1', 'b']);
    expect(run('SMEMBERS', 'si2')).toEqual(run('SMEMBERS', 'si'));
    expect(run('ZRANGE', 'z2', 0, -1, 'WITHSCORES')).toEqual(run('ZRANGE', 'z', 0, -1, 'WITHSCORES'));
    expect(run('HGETALL', 'h2')).toEqual(run('HGETALL', 'h'));
    expect(run('PFCOUNT', 'hll2')).toBe(3);
    expect(run('DUMP', 'nosuchkey')).toBe(null);
  });

  it('RESTORE options and errors, as restoreCommand', () => {
    const { run, db, shard } = testEngine();
    run('SET', 'k', 'v');
    const p = run('DUMP', 'k') as string;
    expect(err(run('RESTORE', 'k', 0, p))).toBe('BUSYKEY Target key name already exists.');
    expect(err(run('RESTORE', 'k2', -1, p))).toBe('ERR Invalid TTL value, must be >= 0');
    expect(err(run('RESTORE', 'k2', 'x', p))).toBe('ERR value is not an integer or out of range');
    expect(err(run('RESTORE', 'k2', 0, p, 'BOGUS'))).toBe('ERR syntax error');
    expect(err(run('RESTORE', 'k2', 0, p, 'IDLETIME'))).toBe('ERR syntax error');
    expect(err(run('RESTORE', 'k2', 0, p, 'IDLETIME', -1))).toBe('ERR Invalid IDLETIME value, must be >= 0');
    expect(err(run('RESTORE', 'k2', 0, p, 'FREQ', 256))).toBe('ERR Invalid FREQ value, must be >= 0 and <= 255');
    expect(err(run('RESTORE', 'k2', 0, p, 'FREQ', 1, 'IDLETIME', 1))).toBe('ERR syntax error');
    expect(err(run('RESTORE', 'k2', 0, p.slice(0, -1) + 'x'))).toBe('ERR DUMP payload version or checksum are wrong');
    expect(err(run('RESTORE', 'k2', 0, payload('\x63' + rdbString('x'))))).toBe('ERR Bad data format');
    expect(err(run('RESTORE', 'k2', 0, payload('\x02\x00')))).toBe('ERR Bad data format'); // an empty set
    expect(err(run('RESTORE', 'k2', 0, payload('\x02\x02' + rdbString('a') + rdbString('a'))))).toBe('ERR Bad data format');
    expect(err(run('RESTORE', 'k2', 0, payload('\x00\x05ab')))).toBe('ERR Bad data format'); // truncated
    // An LZF string claiming 4 GB from 3 bytes.
    expect(err(run('RESTORE', 'k2', 0, payload('\x00\xc3\x03\x80\xff\xff\xff\xff\x00ab')))).toBe('ERR Bad data format');
    expect(run('EXISTS', 'k2')).toBe(0);

    const dirty = shard.dirty;
    expect(run('RESTORE', 'k', 0, run('DUMP', 'k') as string, 'REPLACE')).toBe(OK);
    expect(shard.dirty).toBe(dirty + 1);

    expect(run('RESTORE', 'ttl', 5000, p)).toBe(OK);
    const pttl = run('PTTL', 'ttl') as number;
    expect(pttl).toBeGreaterThan(4000);
    expect(pttl).toBeLessThanOrEqual(5000);
    const at = Date.now() + 100_000;
    expect(run('RESTORE', 'abs', at, p, 'ABSTTL')).toBe(OK);
    expect(run('PEXPIRETIME', 'abs')).toBe(at);
    expect(run('RESTORE', 'idle', 0, p, 'IDLETIME', 1000)).toBe(OK);
    expect(run('OBJECT', 'IDLETIME', 'idle')).toBeGreaterThanOrEqual(1000);
    // An expire in the past creates nothing (and deletes what REPLACE replaces).
    expect(run('RESTORE', 'gone', 1, p, 'ABSTTL')).toBe(OK);
    expect(run('EXISTS', 'gone')).toBe(0);
    expect(run('RESTORE', 'k', 1, p, 'ABSTTL', 'REPLACE')).toBe(OK);
    expect(run('EXISTS', 'k')).toBe(0);
    expect(db.size).toBeGreaterThan(0);
  });

  it('FREQ under an LFU policy', () => {
    const { run } = testEngine({ config: { 'maxmemory-policy': 'allkeys-lfu' } });
    run('SET', 'k', 'v');
    expect(run('RESTORE', 'f', 0, run('DUMP', 'k') as string, 'FREQ', 100)).toBe(OK);
    expect(run('OBJECT', 'FREQ', 'f')).toBe(100);
  });

  it('propagates a relative TTL as ABSTTL, an expired REPLACE as DEL', () => {
    const { run, engine } = testEngine();
    const effects: string[][] = [];
    engine.onEffects((g) => {
      for (const e of g) effects.push(e.argv);
    });
    run('SET', 'k', 'v');
    const p = run('DUMP', 'k') as string;
    effects.length = 0;
    run('RESTORE', 'a', 10_000, p);
    expect(effects).toHaveLength(1);
    expect(effects[0]![0]).toBe('RESTORE');
    expect(effects[0]![1]).toBe('a');
    expect(Number(effects[0]![2])).toBeGreaterThan(Date.now() - 1000);
    expect(effects[0]!.slice(3)).toEqual([p, 'ABSTTL']);
    effects.length = 0;
    run('RESTORE', 'k', 1, p, 'REPLACE', 'ABSTTL');
    expect(effects).toEqual([['DEL', 'k']]);
    effects.length = 0;
    run('RESTORE', 'nothing', 1, p, 'ABSTTL');
    expect(effects).toEqual([]);
  });

  it('reads a 7.2 set listpack (RDB_TYPE_SET_LISTPACK)', () => {
    const { run } = testEngine();
    expect(run('RESTORE', 's', 0, payload('\x14' + String.fromCharCode(0) + ''))).toBeInstanceOf(ErrorReply);
    const lp = listpack(['a', 'b', 'c']);
    expect(run('RESTORE', 's', 0, payload('\x14' + rdbStringLong(lp)))).toBe(OK);
    expect(run('SCARD', 's')).toBe(3);
    expect(plain(run('OBJECT', 'ENCODING', 's'))).toBe('listpack');
  });
});

/** A ziplist (Redis < 7) of short strings and, for '0'..'12', immediate integers. */
function ziplist(entries: string[]): string {
  let body = '';
  let prev = 0;
  let tail = 10;
  for (const e of entries) {
    const n = Number(e);
    const enc = /^(?:[0-9]|1[0-2])$/.test(e) ? String.fromCharCode(0xf1 + n) : String.fromCharCode(e.length) + e;
    const entry = String.fromCharCode(prev) + enc;
    tail = 10 + body.length;
    body += entry;
    prev = entry.length;
  }
  const total = 10 + body.length + 1;
  const u32 = (v: number) => String.fromCharCode(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24);
  return u32(total) + u32(tail) + String.fromCharCode(entries.length, 0) + body + '\xff';
}

describe('corrupt payloads', () => {
  it('a damaged body with a valid checksum is Bad data format or a value, never a crash', () => {
    const { run } = testEngine();
    run('RPUSH', 'l', ...Array.from({ length: 50 }, (_, i) => `e${i}`));
    run('HSET', 'h', 'a', '1', 'b', '2');
    run('ZADD', 'z', 1, 'a', 2, 'b');
    run('SADD', 's', 1, 2, 3);
    run('SET', 'str', 'x'.repeat(100));
    // Compact encodings as Redis writes them (listpack hash, set listpack, ziplist zset).
    const extra = [
      payload('\x10' + rdbStringLong(listpack(['f', 'v', 'g', 'w']))),
      payload('\x14' + rdbStringLong(listpack(['a', 'b']))),
      payload('\x0c' + rdbStringLong(ziplist(['a', '1', 'b', '2']))),
      payload('\x12\x01\x02' + rdbStringLong(listpack(['a', 'b', 'c']))),
    ];
    const bodies = [...['l', 'h', 'z', 's', 'str'].map((k) => run('DUMP', k) as string), ...extra].map((p) => p.slice(0, -10));
    let seed = 12345;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
    let n = 0;
    for (let round = 0; round < 3000; round++) {
      const body = bodies[round % bodies.length]!;
      const bytes = body.split('');
      const flips = 1 + rnd(3);
      for (let f = 0; f < flips; f++) bytes[rnd(bytes.length)] = String.fromCharCode(rnd(256));
      let b = bytes.join('');
      if (rnd(4) === 0) b = b.slice(0, rnd(b.length));
      const r = run('RESTORE', `k${n++}`, 0, payload(b, 10));
      if (r !== OK) expect(err(r)).toBe('ERR Bad data format');
    }
  });
});

describe('older encodings (RDB files of Redis < 7)', () => {
  it('ziplist hashes, sorted sets and lists, quicklist v1, intsets', () => {
    const { run } = testEngine();
    expect(run('RESTORE', 'h', 0, payload('\x0d' + rdbStringLong(ziplist(['f', 'v', 'n', '7']))))).toBe(OK);
    expect(run('HGETALL', 'h')).toEqual(new MapReply(['f', 'v', 'n', '7']));
    expect(run('RESTORE', 'z', 0, payload('\x0c' + rdbStringLong(ziplist(['a', '1', 'b', '2.5']))))).toBe(OK);
    expect(plain(run('ZRANGE', 'z', 0, -1, 'WITHSCORES'))).toEqual(['a', '1', 'b', '2.5']);
    expect(run('RESTORE', 'l', 0, payload('\x0a' + rdbStringLong(ziplist(['x', '3']))))).toBe(OK);
    expect(run('LRANGE', 'l', 0, -1)).toEqual(['x', '3']);
    const quicklist = '\x0e\x02' + rdbStringLong(ziplist(['a', 'b'])) + rdbStringLong(ziplist(['c']));
    expect(run('RESTORE', 'q', 0, payload(quicklist))).toBe(OK);
    expect(run('LRANGE', 'q', 0, -1)).toEqual(['a', 'b', 'c']);
    // intset of int16: encoding 2, 3 members, little-endian.
    const intset = '\x02\x00\x00\x00\x03\x00\x00\x00' + '\xff\xff' + '\x05\x00' + '\x00\x01';
    expect(run('RESTORE', 'i', 0, payload('\x0b' + rdbStringLong(intset)))).toBe(OK);
    expect(plain(run('SMEMBERS', 'i'))).toEqual(['-1', '5', '256']);
    expect(plain(run('OBJECT', 'ENCODING', 'i'))).toBe('intset');
    // A ZSET with text scores (RDB_TYPE_ZSET): 254 is +inf.
    expect(run('RESTORE', 'zt', 0, payload('\x03\x02' + rdbString('a') + '\x031.5' + rdbString('b') + '\xfe'))).toBe(OK);
    expect(plain(run('ZRANGE', 'zt', 0, -1, 'WITHSCORES'))).toEqual(['a', '1.5', 'b', 'inf']);
  });
});

describe('streams', () => {
  /** A stream over several nodes, with tombstones, groups, PELs and consumers. */
  function buildStream(run: (...a: (string | number)[]) => Reply, now: { t: number }) {
    for (let i = 1; i <= 8; i++) run('XADD', 's', `${i}-${i % 3}`, 'f', i, 'g', `v${i}`);
    run('XADD', 's', '9-0', 'other', '-5000', 'big', 'x'.repeat(200));
    run('XADD', 's', '18446744073709551615-5', 'f', '9223372036854775807', 'g', '');
    run('XDEL', 's', '2-2', '5-2');
    run('XGROUP', 'CREATE', 's', 'g1', '0');
    run('XGROUP', 'CREATE', 's', 'g2', '$');
    run('XGROUP', 'CREATE', 's', 'g0', '3-0', 'ENTRIESREAD', '2');
    run('XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', 3, 'STREAMS', 's', '>');
    now.t += 1000;
    run('XREADGROUP', 'GROUP', 'g1', 'bob', 'COUNT', 2, 'STREAMS', 's', '>');
    now.t += 1000;
    run('XGROUP', 'CREATECONSUMER', 's', 'g1', 'carol');
    run('XCLAIM', 's', 'g1', 'carol', 0, '1-1', 'RETRYCOUNT', 7);
  }

  it('round-trips nodes, tombstones, IDs, groups, PELs and consumer times (RDB_TYPE_STREAM_LISTPACKS_3)', () => {
    const now = { t: 1_700_000_000_000 };
    const { run, db } = testEngine({ clock: () => now.t, config: { 'stream-node-max-entries': 3 } });
    buildStream(run, now);
    const p = run('DUMP', 's') as string;
    expect(p.charCodeAt(0)).toBe(21);
    expect(p.charCodeAt(p.length - 10)).toBe(11);
    now.t += 5000;
    // Restored under other node limits: the payload's nodes are kept.
    const b = testEngine({ clock: () => now.t });
    expect(b.run('RESTORE', 's', 0, p)).toBe(OK);
    expect(plain(b.run('XINFO', 'STREAM', 's', 'FULL'))).toEqual(plain(run('XINFO', 'STREAM', 's', 'FULL')));
    expect(plain(b.run('XINFO', 'STREAM', 's'))).toEqual(plain(run('XINFO', 'STREAM', 's')));
    expect(b.run('XRANGE', 's', '-', '+')).toEqual(run('XRANGE', 's', '-', '+'));
    expect(plain(b.run('XPENDING', 's', 'g1', '-', '+', 10))).toEqual(plain(run('XPENDING', 's', 'g1', '-', '+', 10)));
    // Byte for byte the same serialization, and the same memory estimate.
    expect(b.run('DUMP', 's')).toBe(p);
    expect((b.db.read('s', 'stream') as RStream).memory()).toBe((db.read('s', 'stream') as RStream).memory());
    // Approximate trimming sees the same nodes.
    expect(b.run('XTRIM', 's', 'MAXLEN', '~', 2)).toBe(run('XTRIM', 's', 'MAXLEN', '~', 2));
    expect(b.run('XRANGE', 's', '-', '+')).toEqual(run('XRANGE', 's', '-', '+'));
  });

  it('writes the bytes redis-server 7.2 writes (nodes, tombstone, 64-bit IDs and deltas, groups)', () => {
    // DUMP on redis-server 7.2.6 (rdbcompression no) after, with stream-node-max-entries 3:
    // XADD fx i-i f i*100 g vi (i = 1..5); XADD fx 6-0 h -70000;
    // XADD fx 18446744073709551615-1 f 9223372036854775807 g x; XDEL fx 2-2;
    // XGROUP CREATE fx g1 3-0 ENTRIESREAD 2; XGROUP CREATE fx g0 $.
    const hex =
      '15031000000000000000010000000000000001404141000000180002010101020181660281670200010201000100016401827631030501030101010101c0c802827632030501020102010201c12c02827633030501ff100000000000000004000000000000000440464600000019000301000102018166028167020001020100010001c19002827634030501020101010101c1f40282763503050100010201dffc020101816802f290eefe040601ff10ffffffffffffffff00000000000000012a2a0000000c000101000102018166028167020001020100010001f4ffffffffffffff7f098178020501ff0681ffffffffffffffff0101010202070202673081ffffffffffffffff0181ffffffffffffffff000002673103000200000b0007679b0db2fff74e';
    const theirs = hex.replace(/../g, (h) => String.fromCharCode(parseInt(h, 16)));
    const { run } = testEngine({ config: { 'stream-node-max-entries': 3 } });
    for (let i = 1; i <= 5; i++) run('XADD', 'fx', `${i}-${i}`, 'f', i * 100, 'g', `v${i}`);
    run('XADD', 'fx', '6-0', 'h', '-70000');
    run('XADD', 'fx', '18446744073709551615-1', 'f', '9223372036854775807', 'g', 'x');
    run('XDEL', 'fx', '2-2');
    run('XGROUP', 'CREATE', 'fx', 'g1', '3-0', 'ENTRIESREAD', 2);
    run('XGROUP', 'CREATE', 'fx', 'g0', '$');
    expect(run('DUMP', 'fx')).toBe(theirs);
    const b = testEngine();
    expect(b.run('RESTORE', 'fx', 0, theirs)).toBe(OK);
    expect(plain(b.run('XINFO', 'STREAM', 'fx', 'FULL'))).toEqual(plain(run('XINFO', 'STREAM', 'fx', 'FULL')));
    expect(b.run('DUMP', 'fx')).toBe(theirs);
  });

  it('an empty stream keeps its IDs and groups', () => {
    const { run } = testEngine();
    run('XGROUP', 'CREATE', 'e', 'g', '$', 'MKSTREAM');
    run('XADD', 'e', '5-5', 'a', 1);
    run('XDEL', 'e', '5-5');
    const p = run('DUMP', 'e') as string;
    const b = testEngine();
    expect(b.run('RESTORE', 'e', 0, p)).toBe(OK);
    expect(plain(b.run('XINFO', 'STREAM', 'e', 'FULL'))).toEqual(plain(run('XINFO', 'STREAM', 'e', 'FULL')));
    expect(b.run('XADD', 'e', '5-5', 'a', 1)).toBeInstanceOf(ErrorReply);
  });

  it('reads RDB_TYPE_STREAM_LISTPACKS (Redis 5/6) and _2 (Redis 7.0) payloads', () => {
    const { run } = testEngine();
    // From unit/type/stream-cgroups "Loading from legacy": 1..6-0 data a..f, XDEL 3-0, groups g1 g2
    // at 0, XREADGROUP g1 c11 COUNT 4, XTRIM MAXLEN = 2 (the listpack is LZF-compressed).
    const v5 = '\x0F\x01\x10\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\xC3\x40\x4A\x40\x57\x16\x57\x00\x00\x00\x23\x00\x02\x01\x04\x01\x01\x01\x84\x64\x61\x74\x61\x05\x00\x01\x03\x01\x00\x20\x01\x03\x81\x61\x02\x04\x20\x0A\x00\x01\x40\x0A\x00\x62\x60\x0A\x00\x02\x40\x0A\x00\x63\x60\x0A\x40\x22\x01\x81\x64\x20\x0A\x40\x39\x20\x0A\x00\x65\x60\x0A\x00\x05\x40\x0A\x00\x66\x20\x0A\x00\xFF\x02\x06\x00\x02\x02\x67\x31\x05\x00\x04\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x3E\xF7\x83\x43\x7A\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x3E\xF7\x83\x43\x7A\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x3E\xF7\x83\x43\x7A\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\x3E\xF7\x83\x43\x7A\x01\x00\x00\x01\x01\x03\x63\x31\x31\x3E\xF7\x83\x43\x7A\x01\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\x02\x67\x32\x00\x00\x00\x00\x09\x00\x3D\x52\xEF\x68\x67\x52\x1D\xFA';
    expect(run('RESTORE', 'x', 0, v5)).toBe(OK);
    const full = plain(run('XINFO', 'STREAM', 'x', 'FULL')) as unknown[];
    const get = (a: unknown[], k: string) => a[a.indexOf(k) + 1];
    expect(run('XRANGE', 'x', '-', '+')).toEqual([['5-0', ['data', 'e']], ['6-0', ['data', 'f']]]);
    expect(get(full, 'max-deleted-entry-id')).toBe('0-0');
    expect(get(full, 'entries-added')).toBe(2);
    expect(get(full, 'recorded-first-entry-id')).toBe('5-0');
    const [g1, g2] = get(full, 'groups') as unknown[][];
    expect([get(g1!, 'entries-read'), get(g1!, 'lag')]).toEqual([1, 1]);
    expect([get(g2!, 'entries-read'), get(g2!, 'lag')]).toEqual([0, 2]);
    const c11 = (get(g1!, 'consumers') as unknown[][])[0]!;
    expect(get(c11, 'name')).toBe('c11');
    expect(get(c11, 'active-time')).toBe(get(c11, 'seen-time'));
    expect(get(c11, 'pel-count')).toBe(4);

    // A 7.0 dump: XGROUP CREATE x g $ MKSTREAM; XADD x 1-1 f v; XREADGROUP GROUP g Alice STREAMS x >.
    const v7 = '\x13\x01\x10\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\x1D\x1D\x00\x00\x00\x0A\x00\x01\x01\x00\x01\x01\x01\x81\x66\x02\x00\x01\x02\x01\x00\x01\x00\x01\x81\x76\x02\x04\x01\xFF\x01\x01\x01\x01\x01\x00\x00\x01\x01\x01\x67\x01\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\xF5\x5A\x71\xC7\x84\x01\x00\x00\x01\x01\x05\x41\x6C\x69\x63\x65\xF5\x5A\x71\xC7\x84\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\x0B\x00\xA7\xA9\x14\xA5\x27\xFF\x9B\x9B';
    expect(run('RESTORE', 'y', 0, v7)).toBe(OK);
    const g = (get(plain(run('XINFO', 'STREAM', 'y', 'FULL')) as unknown[], 'groups') as unknown[][])[0]!;
    const alice = (get(g, 'consumers') as unknown[][])[0]!;
    expect(get(alice, 'seen-time')).toBe(0x0184c7715af5);
    expect(get(alice, 'active-time')).toBe(get(alice, 'seen-time'));
    expect([get(g, 'entries-read'), get(g, 'lag'), get(g, 'pel-count')]).toEqual([1, 0, 1]);
  });

  it('corrupt stream payloads are Bad data format, never a crash', () => {
    const now = { t: 1_700_000_000_000 };
    const { run } = testEngine({ clock: () => now.t, config: { 'stream-node-max-entries': 3 } });
    buildStream(run, now);
    const body = (run('DUMP', 's') as string).slice(0, -10);
    let seed = 777;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
    for (let round = 0; round < 2000; round++) {
      const bytes = body.split('');
      const flips = 1 + rnd(3);
      for (let f = 0; f < flips; f++) bytes[rnd(bytes.length)] = String.fromCharCode(rnd(256));
      let b = bytes.join('');
      if (rnd(4) === 0) b = b.slice(0, rnd(b.length));
      const r = run('RESTORE', `k${round}`, 0, payload(b, 11));
      if (r !== OK) expect(err(r)).toBe('ERR Bad data format');
      else run('XINFO', 'STREAM', `k${round}`, 'FULL');
    }
  });
});

/** rdbSaveLen (6 or 14 bits) + bytes. */
function rdbStringLong(s: string): string {
  if (s.length < 64) return String.fromCharCode(s.length) + s;
  return String.fromCharCode(0x40 | (s.length >> 8), s.length & 0xff) + s;
}

// ---------------------------------------------------------------------------------------------
// Against a real redis-server, both ways

function toReply(w: Wire): unknown {
  switch (w.t) {
    case 'array':
      return w.v.map(toReply);
    case 'int':
      return Number(w.v);
    case 'nullbulk':
    case 'nullarray':
      return null;
    default:
      return w.v;
  }
}

/** A Reply as the plain values a RESP2 client reads (for comparing the two servers). */
function plain(r: Reply): unknown {
  if (Array.isArray(r)) return r.map(plain);
  if (r instanceof MapReply) return r.entries.map(plain);
  if (r instanceof SetReply) return r.items.map(plain);
  if (r instanceof Double) return doubleText(r);
  if (r instanceof Status) return r.text;
  return r;
}

describe('DUMP / RESTORE against redis-server', () => {
  let oracle: Oracle;
  let redis: RespClient;
  beforeAll(async () => {
    oracle = await startOracle();
    redis = await oracle.connect();
  }, 20_000);
  afterAll(async () => {
    redis?.close();
    await oracle?.stop();
  });

  /** Commands that read a key's whole contents, by type, with order-free replies sorted. */
  const readers: Record<string, (k: string) => { argv: string[]; sort?: boolean; numeric?: boolean }[]> = {
    string: (k) => [{ argv: ['GET', k] }],
    list: (k) => [{ argv: ['LRANGE', k, '0', '-1'] }],
    set: (k) => [{ argv: ['SMEMBERS', k], sort: true }],
    // Scores compared as numbers: 7.0 prints them with %.17g, 7.2 (and we) shortest.
    zset: (k) => [{ argv: ['ZRANGE', k, '0', '-1'] }, { argv: ['ZRANGE', k, '0', '-1', 'WITHSCORES'], numeric: true }],
    hash: (k) => [{ argv: ['HGETALL', k], sort: true }],
  };

  const setup: string[][] = [
    ['SET', 'str', 'hello world'],
    ['SET', 'int8', '-7'],
    ['SET', 'int16', '1234'],
    ['SET', 'int32', '-2000000000'],
    ['SET', 'bigint', '9223372036854775807'],
    ['SET', 'lzf', 'abcdefghij'.repeat(500)],
    ['SET', 'bin', Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('')],
    ['RPUSH', 'list-small', 'a', '1', '-1', '127', '128', '-4096', '4095', '32767', '-32768', '8388607', '2147483647', '-9223372036854775808', 'x'.repeat(70), 'y'.repeat(5000)],
    ['RPUSH', 'list-big', ...Array.from({ length: 3000 }, (_, i) => `element:${i}`)],
    ['SADD', 'set-int16', '1', '2', '300'],
    ['SADD', 'set-int64', '1', '9223372036854775807', '-5'],
    ['SADD', 'set-str', 'a', 'b', 'c'],
    ['SADD', 'set-big', ...Array.from({ length: 600 }, (_, i) => `m${i}`)],
    ['ZADD', 'zset-small', '1', 'a', '2.5', 'b', '-3', 'c', '1e300', 'd', 'inf', 'e'],
    ['ZADD', 'zset-big', ...Array.from({ length: 400 }, (_, i) => [String(i * 0.5), `m${i}`]).flat()],
    ['HSET', 'hash-small', 'f1', 'v1', 'f2', '12', 'f3', 'x'.repeat(30)],
    ['HSET', 'hash-big', ...Array.from({ length: 700 }, (_, i) => [`f${i}`, `v${i}`]).flat()],
    ['PFADD', 'hll', 'a', 'b', 'c', 'd'],
  ];
  const keys = setup.map((c) => c[1]!);

  it('RESTOREs what redis-server DUMPs', async () => {
    await redis.call('FLUSHALL');
    await redis.pipeline(setup);
    const { run } = testEngine();
    for (const k of keys) {
      const type = (toReply(await redis.call('TYPE', k)) as string).toLowerCase();
      const dumped = await redis.call('DUMP', k);
      expect(dumped.t).toBe('bulk');
      expect(run('RESTORE', k, 0, (dumped as { v: string }).v), k).toBe(OK);
      for (const { argv, sort, numeric } of readers[type]!(k)) {
        let theirs = toReply(await redis.call(...argv)) as unknown[];
        let ours = plain(run(...argv)) as unknown[];
        if (numeric) {
          theirs = theirs.map((x, i) => (i % 2 ? Number(x === 'inf' ? Infinity : x) : x));
          ours = ours.map((x, i) => (i % 2 ? Number(x === 'inf' ? Infinity : x) : x));
        }
        if (sort) {
          theirs = [...theirs].map(String).sort();
          ours = [...ours].map(String).sort();
        }
        expect(ours, `${k}: ${argv.join(' ')}`).toEqual(theirs);
      }
      // The same encoding as redis-server chose, where 7.0 and 7.2 agree (7.0 has no listpack
      // lists or sets).
      if (!k.startsWith('set-str') && !k.startsWith('list') && k !== 'hll') expect(plain(run('OBJECT', 'ENCODING', k)), k).toBe(toReply(await redis.call('OBJECT', 'ENCODING', k)));
    }
    expect(run('PFCOUNT', 'hll')).toBe(4);
  }, 30_000);

  it('RESTOREs the streams redis-server DUMPs (RDB_TYPE_STREAM_LISTPACKS_2); it refuses ours by version', async () => {
    await redis.call('FLUSHALL');
    await redis.call('CONFIG', 'SET', 'stream-node-max-entries', '4');
    const cmds: string[][] = [];
    for (let i = 1; i <= 10; i++) cmds.push(['XADD', 'st', `${i}-${i % 4}`, 'f', String(i * 1000), 'g', `v${i}`]);
    cmds.push(['XADD', 'st', '11-0', 'other', '-9223372036854775808', 'long', 'y'.repeat(300)]);
    cmds.push(['XADD', 'st', '12-0', 'f', 'z'.repeat(5000)]);
    cmds.push(['XDEL', 'st', '2-2', '7-3']);
    cmds.push(['XGROUP', 'CREATE', 'st', 'g1', '0']);
    cmds.push(['XGROUP', 'CREATE', 'st', 'g2', '$']);
    cmds.push(['XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', '3', 'STREAMS', 'st', '>']);
    cmds.push(['XREADGROUP', 'GROUP', 'g1', 'bob', 'COUNT', '2', 'STREAMS', 'st', '>']);
    cmds.push(['XGROUP', 'CREATECONSUMER', 'st', 'g1', 'carol']);
    cmds.push(['XTRIM', 'st', 'MINID', '2-0']);
    cmds.push(['XGROUP', 'CREATE', 'empty', 'g', '$', 'MKSTREAM']);
    await redis.pipeline(cmds);
    await redis.call('CONFIG', 'SET', 'stream-node-max-entries', '100');
    const { run } = testEngine();
    // 7.0 prints no consumer active-time.
    const strip = (r: unknown): unknown => {
      if (!Array.isArray(r)) return r;
      const i = r.indexOf('active-time');
      const a = i >= 0 && i % 2 === 0 ? [...r.slice(0, i), ...r.slice(i + 2)] : r;
      return a.map(strip);
    };
    for (const k of ['st', 'empty']) {
      const dumped = (await redis.call('DUMP', k)) as { v: string };
      expect(dumped.v.charCodeAt(0)).toBe(19);
      expect(run('RESTORE', k, 0, dumped.v)).toBe(OK);
      for (const argv of [['XRANGE', k, '-', '+'], ['XINFO', 'STREAM', k, 'FULL'], ['XINFO', 'GROUPS', k], ['XPENDING', k, 'g1', '-', '+', '10']]) {
        if (k === 'empty' && argv[0] === 'XPENDING') continue;
        // XPENDING's idle is "now" minus the delivery time, read at two different moments on two
        // servers: the delivery times themselves are compared exactly in XINFO STREAM FULL.
        const idleless = argv[0] === 'XPENDING' ? (r: unknown) => (r as unknown[][]).map(([id, c, , n]) => [id, c, n]) : (r: unknown) => r;
        expect(idleless(strip(plain(run(...argv)))), argv.join(' ')).toEqual(idleless(strip(toReply(await redis.call(...argv)))));
      }
      const ours = run('DUMP', k) as string;
      expect(toReply(await redis.call('RESTORE', `${k}:ours`, '0', ours))).toBe('ERR DUMP payload version or checksum are wrong');
    }
  }, 30_000);

  it('redis-server RESTOREs what we DUMP', async () => {
    await redis.call('FLUSHALL');
    const { run } = testEngine();
    for (const c of setup) run(...c);
    for (const k of keys) {
      const p = run('DUMP', k) as string;
      const r = await redis.call('RESTORE', k, '0', p);
      expect(r, k).toEqual({ t: 'simple', v: 'OK' });
      const type = (toReply(await redis.call('TYPE', k)) as string).toLowerCase();
      for (const { argv, sort, numeric } of readers[type]!(k)) {
        let theirs = toReply(await redis.call(...argv)) as unknown[];
        let ours = plain(run(...argv)) as unknown[];
        if (numeric) {
          theirs = theirs.map((x, i) => (i % 2 ? Number(x === 'inf' ? Infinity : x) : x));
          ours = ours.map((x, i) => (i % 2 ? Number(x === 'inf' ? Infinity : x) : x));
        }
        if (sort) {
          theirs = [...theirs].map(String).sort();
          ours = [...ours].map(String).sort();
        }
        expect(ours, `${k}: ${argv.join(' ')}`).toEqual(theirs);
      }
    }
    expect(toReply(await redis.call('PFCOUNT', 'hll'))).toBe(4);
  }, 30_000);
});
