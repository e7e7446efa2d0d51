import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import '../node/scripting/lua.ts';
import { testEngine } from '../../test/util.ts';
import { scriptingState } from '../scripting/state.ts';
import type { Engine } from '../engine/engine.ts';
import {
  FUNCTIONS_DB,
  SnapshotFormatError,
  canonicalRecords,
  checkRecord,
  decodeValue,
  encodeKey,
  loadFunctionsRecord,
  loadKeyRecord,
  shardRecords,
  type FunctionsRecord,
  type KeyRecord,
} from './snapshot-codec.ts';

const packr = new Packr({ useRecords: false, moreTypes: false });
const ALL_BYTES = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');

/** Every record of src through MessagePack into a fresh engine with the same config. */
function reload(src: Engine, config = {}, clock = () => 1_000_000): ReturnType<typeof testEngine> {
  const dst = testEngine({ config, clock });
  for (const rec of shardRecords(src.shard)) {
    const r = checkRecord(packr.unpack(packr.pack(rec)));
    if (r[0] === FUNCTIONS_DB) loadFunctionsRecord(dst.shard, r as FunctionsRecord);
    else loadKeyRecord(dst.shard, r as KeyRecord);
  }
  return dst;
}

/** What a client sees of a key, through commands. */
function observe(t: ReturnType<typeof testEngine>, key: string): unknown {
  const type = String(t.run('TYPE', key));
  const enc = t.run('OBJECT', 'ENCODING', key);
  const ttl = t.run('PEXPIRETIME', key);
  let body: unknown;
  switch (type) {
    case 'string':
      body = [t.run('GET', key), t.run('STRLEN', key)];
      break;
    case 'list':
      body = t.run('LRANGE', key, 0, -1);
      break;
    case 'set':
      body = [t.run('SMEMBERS', key), t.run('SSCAN', key, 0, 'COUNT', 1000)];
      break;
    case 'zset':
      body = t.run('ZRANGE', key, 0, -1, 'WITHSCORES');
      break;
    case 'hash':
      body = [t.run('HGETALL', key), t.run('HSCAN', key, 0, 'COUNT', 1000)];
      break;
    case 'stream':
      body = [
        t.run('XINFO', 'STREAM', key, 'FULL'),
        t.run('XRANGE', key, '-', '+'),
        t.run('XINFO', 'GROUPS', key),
      ];
      break;
  }
  return { type, enc, ttl, body };
}

function expectSame(a: ReturnType<typeof testEngine>, b: ReturnType<typeof testEngine>): void {
  expect(canonicalRecords(b.shard)).toEqual(canonicalRecords(a.shard));
  for (const db of a.shard.dbs) {
    for (const key of db.main.keyList()) {
      // The memory estimate is rebuilt to the same figure (MEMORY USAGE), except a list's, which
      // counts its ring's capacity (allocation history, not contents).
      const va = db.main.get(key)!;
      const vb = b.shard.dbs[db.id]!.main.get(key)!;
      if (typeof va !== 'string' && typeof vb !== 'string' && va.type !== 'list') expect(vb.memory(), key).toBe(va.memory());
      a.session.db = b.session.db = db.id;
      expect(observe(b, key), key).toEqual(observe(a, key));
    }
  }
  a.session.db = b.session.db = 0;
}

describe('snapshot codec', () => {
  it('round-trips strings: plain (int/embstr/raw), binary, StrBuf raw and embstr, with TTLs', () => {
    const t = testEngine({ clock: () => 1_000_000 });
    t.run('SET', 'int', '12345');
    t.run('SET', 'emb', 'hello');
    t.run('SET', 'raw', 'x'.repeat(100));
    t.run('SET', 'bin', ALL_BYTES);
    t.run('SET', 'empty', '');
    t.run('SETRANGE', 'sb', 5, 'abc\xff'); // a StrBuf (raw)
    t.run('SETBIT', 'bits', 100, 1);
    t.run('INCRBYFLOAT', 'f', '1.5'); // embstr StrBuf or string, whichever the family made
    t.run('SET', 'ttl', 'v', 'PXAT', 2_000_000);
    t.run('SELECT', 3);
    t.run('SET', 'int', 'other db');
    t.run('SELECT', 0);
    const u = reload(t.engine);
    expectSame(t, u);
    // A key whose TTL passed is loaded anyway (the journal's DEL or expiry removes it later).
    loadKeyRecord(u.shard, encodeKey(0, 'past', 'v', 5));
    expect(u.shard.dbs[0]!.main.get('past')).toBe('v');
    expect(u.shard.dbs[0]!.getExpire('past')).toBe(5);
    expect(u.shard.dbs[3]!.main.get('int')).toBe('other db');
  });

  it('round-trips lists as listpack and quicklist, including a shrunk quicklist', () => {
    const t = testEngine();
    t.run('RPUSH', 'small', 'a', ALL_BYTES.slice(0, 40), '1', '-5');
    const big = Array.from({ length: 1000 }, (_, i) => `item-${i}`);
    for (const v of big) t.run('RPUSH', 'big', v);
    for (const v of big) t.run('RPUSH', 'shrunk', v);
    t.run('LTRIM', 'shrunk', 0, 599); // still quicklist: above half the limit
    const u = reload(t.engine);
    expectSame(t, u);
    expect(u.run('OBJECT', 'ENCODING', 'big')).toBe('quicklist');
    expect(u.run('OBJECT', 'ENCODING', 'small')).toBe('listpack');
  });

  it('round-trips sets in all three encodings, keeping listpack order and intset conversion state', () => {
    const t = testEngine();
    t.run('SADD', 'ints', '5', '-3', '100', '7');
    t.run('SADD', 'lp', 'z', 'a', 'm', '10');
    t.run('SADD', 'ht', ...Array.from({ length: 200 }, (_, i) => `m${i}`));
    t.run('SADD', 'shrunk', ...Array.from({ length: 200 }, (_, i) => `m${i}`));
    for (let i = 0; i < 195; i++) t.run('SREM', 'shrunk', `m${i}`); // stays hashtable
    t.run('SADD', 'bigints', ...Array.from({ length: 600 }, (_, i) => String(i * 3)));
    const u = reload(t.engine);
    expectSame(t, u);
    expect(u.run('OBJECT', 'ENCODING', 'shrunk')).toBe('hashtable');
    // Later conversions behave the same after a reload.
    t.run('SADD', 'ints', 'x');
    u.run('SADD', 'ints', 'x');
    expect(u.run('OBJECT', 'ENCODING', 'ints')).toBe(t.run('OBJECT', 'ENCODING', 'ints'));
    expect(u.run('SMEMBERS', 'ints')).toEqual(t.run('SMEMBERS', 'ints'));
  });

  it('round-trips sorted sets (listpack and skiplist, inf scores, -0 in a skiplist)', () => {
    const t = testEngine();
    t.run('ZADD', 'lp', 1, 'a', 2, 'b', '-inf', 'lo', '+inf', 'hi', '1.5e-7', 'tiny');
    t.run('ZADD', 'sl', ...Array.from({ length: 300 }, (_, i) => [i % 7, `m${i}`]).flat());
    t.run('ZADD', 'sl', '-0', 'negzero');
    t.run('ZADD', 'shrunk', ...Array.from({ length: 200 }, (_, i) => [i, `m${i}`]).flat());
    t.run('ZREMRANGEBYRANK', 'shrunk', 0, 190);
    const u = reload(t.engine);
    expectSame(t, u);
    expect(u.run('ZSCORE', 'sl', 'negzero')).toEqual(t.run('ZSCORE', 'sl', 'negzero'));
    expect(u.run('ZRANK', 'sl', 'm150')).toEqual(t.run('ZRANK', 'sl', 'm150'));
  });

  it('round-trips hashes (listpack order after deletes, hashtable, shrunk hashtable)', () => {
    const t = testEngine();
    t.run('HSET', 'lp', 'f1', 'v1', 'f2', 'v2', 'f3', 'v3', ALL_BYTES.slice(200), 'bin');
    t.run('HDEL', 'lp', 'f2');
    t.run('HSET', 'lp', 'f4', 'v4');
    t.run('HSET', 'long', 'f', 'x'.repeat(100));
    t.run('HSET', 'shrunk', ...Array.from({ length: 600 }, (_, i) => [`f${i}`, `v${i}`]).flat());
    for (let i = 0; i < 598; i++) t.run('HDEL', 'shrunk', `f${i}`);
    const u = reload(t.engine);
    expectSame(t, u);
    expect(u.run('OBJECT', 'ENCODING', 'shrunk')).toBe('hashtable');
    expect(u.run('OBJECT', 'ENCODING', 'lp')).toBe('listpack');
  });

  it('round-trips streams: nodes, tombstones, trimmed heads, groups, consumers and PELs', () => {
    let now = 1_700_000_000_000;
    const t = testEngine({ clock: () => now, config: { 'stream-node-max-entries': 5 } as never });
    for (let i = 1; i <= 23; i++) t.run('XADD', 's', `${1000 + i}-${i}`, 'f', `v${i}`, ...(i % 3 === 0 ? ['g', 'x'] : []));
    t.run('XDEL', 's', '1002-2', '1007-7', '1008-8');
    t.run('XTRIM', 's', 'MAXLEN', '~', 15);
    t.run('XTRIM', 's', 'MINID', '1009-0'); // tombstones inside the head node
    t.run('XGROUP', 'CREATE', 's', 'g1', '0');
    t.run('XGROUP', 'CREATE', 's', 'g2', '$', 'ENTRIESREAD', 3);
    now += 10;
    t.run('XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', 4, 'STREAMS', 's', '>');
    now += 10;
    t.run('XREADGROUP', 'GROUP', 'g1', 'bob', 'COUNT', 2, 'STREAMS', 's', '>');
    t.run('XGROUP', 'CREATECONSUMER', 's', 'g1', 'idle');
    now += 10;
    t.run('XCLAIM', 's', 'g1', 'bob', 0, '1010-10');
    t.run('XACK', 's', 'g1', '1011-11');
    t.run('XADD', 'big', '18446744073709551615-5', 'a', 'b'); // beyond a safe integer
    t.run('XADD', 'empty', '5-5', 'a', 'b');
    t.run('XDEL', 'empty', '5-5'); // an empty stream keeps its last ID
    t.run('XGROUP', 'CREATE', 'mk', 'g', '$', 'MKSTREAM');
    const u = reload(t.engine, { 'stream-node-max-entries': 5 }, () => now); // idle times are relative

    expectSame(t, u);
    // The same node boundaries: approximate trimming removes the same entries.
    expect(u.run('XTRIM', 's', 'MAXLEN', '~', 3)).toEqual(t.run('XTRIM', 's', 'MAXLEN', '~', 3));
    expect(u.run('XPENDING', 's', 'g1', '-', '+', 10)).toEqual(t.run('XPENDING', 's', 'g1', '-', '+', 10));
    expectSame(t, u);
  });

  it('round-trips function libraries', () => {
    const t = testEngine();
    const code = "#!lua name=lib1\nredis.register_function('f1', function(keys, args) return args[1] end)";
    const code2 = "#!lua name=lib2\nredis.register_function{function_name='f2', callback=function() return 2 end, flags={'no-writes'}}";
    t.run('FUNCTION', 'LOAD', code);
    t.run('FUNCTION', 'LOAD', code2);
    const u = reload(t.engine);
    expect(u.run('FUNCTION', 'LIST', 'WITHCODE')).toEqual(t.run('FUNCTION', 'LIST', 'WITHCODE'));
    expect(u.run('FCALL', 'f1', 0, 'hi')).toBe('hi');
    expect([...scriptingState(u.shard).libraries.keys()]).toEqual(['lib1', 'lib2']);
  });

  it('rejects malformed records with SnapshotFormatError', () => {
    const cfg = testEngine().shard.config;
    expect(() => checkRecord('x')).toThrow(SnapshotFormatError);
    expect(() => checkRecord([0, 'k'])).toThrow(SnapshotFormatError);
    expect(() => checkRecord([FUNCTIONS_DB, [1]])).toThrow(SnapshotFormatError);
    expect(() => decodeValue([0, 'k', -1, 99, 'x'], cfg)).toThrow(SnapshotFormatError);
    expect(() => decodeValue([0, 'k', -1, 4, 1, ['a'], new Uint8Array(3)], cfg)).toThrow(SnapshotFormatError);
    const t = testEngine();
    expect(() => loadKeyRecord(t.shard, [99, 'k', -1, 0, 'v'])).toThrow(/beyond 'databases'/);
    expect(encodeKey(2, 'k', 'v', 7)).toEqual([2, 'k', 7, 0, 'v']);
  });
});
