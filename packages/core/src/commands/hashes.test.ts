import { describe, expect, it, vi } from 'vitest';
import { testEngine } from '../../test/util.ts';
import { ErrorReply } from '../errors.ts';
import { MapReply, OK, type Reply } from '../reply.ts';
import { RHash } from '../types/hash.ts';
import { Dict } from '../types/dict.ts';
import type { Effect } from '../engine/shard.ts';

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

function errText(r: Reply): string {
  expect(r).toBeInstanceOf(ErrorReply);
  return (r as ErrorReply).message;
}

function setup() {
  const t = testEngine();
  const effects: string[][] = [];
  t.engine.onEffects((g: Effect[]) => {
    for (const e of g) effects.push(e.argv);
  });
  const events: string[] = [];
  t.shard.onNotify = (_db, cls, event, key) => events.push(`${cls}:${event}:${key}`);
  const hgetall = (key: string) => (t.run('HGETALL', key) as MapReply).entries;
  const enc = (key: string) => (t.db.peek(key) as RHash).encoding();
  return { ...t, effects, events, hgetall, enc };
}

describe('HSET / HMSET / HSETNX / HGET', () => {
  it('sets fields, counts new ones, keeps insertion order', () => {
    const { run, hgetall, events } = setup();
    expect(run('HSET', 'h', 'a', '1', 'b', '2')).toBe(2);
    expect(run('HSET', 'h', 'a', '3', 'c', '4')).toBe(1);
    expect(hgetall('h')).toEqual(['a', '3', 'b', '2', 'c', '4']);
    expect(run('HGET', 'h', 'a')).toBe('3');
    expect(run('HGET', 'h', 'zz')).toBe(null);
    expect(run('HGET', 'nokey', 'a')).toBe(null);
    expect(events).toEqual(['h:hset:h', 'h:hset:h']);
  });

  it('HSET with an odd number of arguments is an arity error and changes nothing', () => {
    const { run, db } = setup();
    expect(errText(run('HSET', 'h', 'a', '1', 'b'))).toBe("ERR wrong number of arguments for 'hset' command");
    expect(errText(run('HMSET', 'h', 'a', '1', 'b'))).toBe("ERR wrong number of arguments for 'hmset' command");
    expect(errText(run('HSET', 'h', 'a'))).toBe("ERR wrong number of arguments for 'hset' command");
    expect(db.size).toBe(0);
  });

  it('HMSET replies OK', () => {
    const { run, hgetall } = setup();
    expect(run('HMSET', 'h', 'a', '1', 'b', '2')).toBe(OK);
    expect(hgetall('h')).toEqual(['a', '1', 'b', '2']);
  });

  it('HSETNX sets only missing fields', () => {
    const { run, events } = setup();
    expect(run('HSETNX', 'h', 'a', '1')).toBe(1);
    expect(run('HSETNX', 'h', 'a', '2')).toBe(0);
    expect(run('HGET', 'h', 'a')).toBe('1');
    expect(events).toEqual(['h:hset:h']);
  });

  it('is binary safe', () => {
    const { run, hgetall } = setup();
    const f = '\x00\xff\r\n';
    const v = '\xfe\x00 x';
    expect(run('HSET', '\x01k', f, v)).toBe(1);
    expect(run('HGET', '\x01k', f)).toBe(v);
    expect(run('HSTRLEN', '\x01k', f)).toBe(4);
    expect(hgetall('\x01k')).toEqual([f, v]);
  });

  it('replaces values of the wrong type with WRONGTYPE and no change', () => {
    const { run, db } = setup();
    db.add('s', 'str');
    for (const argv of [
      ['HSET', 's', 'a', '1'],
      ['HMSET', 's', 'a', '1'],
      ['HSETNX', 's', 'a', '1'],
      ['HGET', 's', 'a'],
      ['HMGET', 's', 'a'],
      ['HDEL', 's', 'a'],
      ['HEXISTS', 's', 'a'],
      ['HLEN', 's'],
      ['HSTRLEN', 's', 'a'],
      ['HKEYS', 's'],
      ['HVALS', 's'],
      ['HGETALL', 's'],
      ['HINCRBY', 's', 'a', '1'],
      ['HINCRBYFLOAT', 's', 'a', '1'],
      ['HRANDFIELD', 's'],
      ['HRANDFIELD', 's', '2'],
      ['HSCAN', 's', '0'],
    ]) {
      expect(errText(run(...argv)), argv.join(' ')).toBe(WRONGTYPE);
    }
    expect(db.peek('s')).toBe('str');
  });
});

describe('HMGET / HDEL / HEXISTS / HLEN / HSTRLEN', () => {
  it('HMGET returns nulls for missing fields and keys', () => {
    const { run } = setup();
    run('HSET', 'h', 'a', '1', 'b', '2');
    expect(run('HMGET', 'h', 'a', 'x', 'b')).toEqual(['1', null, '2']);
    expect(run('HMGET', 'nokey', 'a', 'b')).toEqual([null, null]);
  });

  it('HDEL counts deletions, deletes the key when emptied, notifies', () => {
    const { run, db, events } = setup();
    run('HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
    events.length = 0;
    expect(run('HDEL', 'h', 'a', 'x', 'a')).toBe(1);
    expect(run('HDEL', 'h', 'zz')).toBe(0);
    expect(events).toEqual(['h:hdel:h']);
    expect(run('HDEL', 'h', 'b', 'c', 'd')).toBe(2);
    expect(db.peek('h')).toBeUndefined();
    expect(events).toEqual(['h:hdel:h', 'h:hdel:h', 'g:del:h']);
    expect(run('HDEL', 'nokey', 'a')).toBe(0);
  });

  it('HEXISTS / HLEN / HSTRLEN', () => {
    const { run } = setup();
    run('HSET', 'h', 'a', 'hello', 'b', '')
    expect(run('HEXISTS', 'h', 'a')).toBe(1);
    expect(run('HEXISTS', 'h', 'x')).toBe(0);
    expect(run('HEXISTS', 'nokey', 'x')).toBe(0);
    expect(run('HLEN', 'h')).toBe(2);
    expect(run('HLEN', 'nokey')).toBe(0);
    expect(run('HSTRLEN', 'h', 'a')).toBe(5);
    expect(run('HSTRLEN', 'h', 'b')).toBe(0);
    expect(run('HSTRLEN', 'h', 'x')).toBe(0);
    expect(run('HSTRLEN', 'nokey', 'x')).toBe(0);
  });
});

describe('HKEYS / HVALS / HGETALL', () => {
  it('replies arrays and a map', () => {
    const { run } = setup();
    run('HSET', 'h', 'a', '1', 'b', '2');
    expect(run('HKEYS', 'h')).toEqual(['a', 'b']);
    expect(run('HVALS', 'h')).toEqual(['1', '2']);
    const all = run('HGETALL', 'h');
    expect(all).toBeInstanceOf(MapReply);
    expect((all as MapReply).entries).toEqual(['a', '1', 'b', '2']);
    expect(run('HKEYS', 'nokey')).toEqual([]);
    expect(run('HVALS', 'nokey')).toEqual([]);
    expect(run('HGETALL', 'nokey')).toEqual(new MapReply([]));
  });

  it('keeps listpack order after deletes and re-inserts', () => {
    const { run } = setup();
    run('HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
    run('HDEL', 'h', 'a');
    run('HSET', 'h', 'd', '4');
    expect(run('HKEYS', 'h')).toEqual(['b', 'c', 'd']);
  });
});

describe('HINCRBY / HINCRBYFLOAT', () => {
  it('HINCRBY creates, increments, replies integers', () => {
    const { run, events, effects } = setup();
    expect(run('HINCRBY', 'h', 'n', '5')).toBe(5);
    expect(run('HINCRBY', 'h', 'n', '-7')).toBe(-2);
    expect(run('HGET', 'h', 'n')).toBe('-2');
    expect(events).toEqual(['h:hincrby:h', 'h:hincrby:h']);
    expect(effects).toEqual([
      ['HINCRBY', 'h', 'n', '5'],
      ['HINCRBY', 'h', 'n', '-7'],
    ]);
  });

  it('HINCRBY is exact over int64 and detects overflow', () => {
    const { run } = setup();
    run('HSET', 'h', 'n', '9223372036854775800');
    expect(run('HINCRBY', 'h', 'n', '7')).toBe(9223372036854775807n);
    expect(run('HGET', 'h', 'n')).toBe('9223372036854775807');
    expect(errText(run('HINCRBY', 'h', 'n', '1'))).toBe('ERR increment or decrement would overflow');
    run('HSET', 'h', 'm', '-9223372036854775808');
    expect(errText(run('HINCRBY', 'h', 'm', '-1'))).toBe('ERR increment or decrement would overflow');
    expect(run('HINCRBY', 'h', 'm', '9223372036854775807')).toBe(-1);
    expect(run('HGET', 'h', 'n')).toBe('9223372036854775807');
  });

  it('HINCRBY errors change nothing', () => {
    const { run, db, effects } = setup();
    run('HSET', 'h', 's', 'abc', 'sp', ' 1', 'big', '99999999999999999999');
    effects.length = 0;
    expect(errText(run('HINCRBY', 'h', 's', '1'))).toBe('ERR hash value is not an integer');
    expect(errText(run('HINCRBY', 'h', 'sp', '1'))).toBe('ERR hash value is not an integer');
    expect(errText(run('HINCRBY', 'h', 'big', '1'))).toBe('ERR hash value is not an integer');
    expect(errText(run('HINCRBY', 'h', 'x', 'a'))).toBe('ERR value is not an integer or out of range');
    expect(errText(run('HINCRBY', 'h', 'x', '1.5'))).toBe('ERR value is not an integer or out of range');
    expect(errText(run('HINCRBY', 'nokey', 'x', 'a'))).toBe('ERR value is not an integer or out of range');
    expect(run('HGET', 'h', 's')).toBe('abc');
    expect(run('HEXISTS', 'h', 'x')).toBe(0);
    expect(db.peek('nokey')).toBeUndefined();
    expect(effects).toEqual([]);
  });

  it('HINCRBYFLOAT replies the formatted result and propagates HSET', () => {
    const { run, events, effects } = setup();
    expect(run('HINCRBYFLOAT', 'h', 'f', '10.5')).toBe('10.5');
    expect(run('HINCRBYFLOAT', 'h', 'f', '1.25')).toBe('11.75');
    expect(run('HINCRBYFLOAT', 'h', 'f', '-11.75')).toBe('0');
    expect(run('HINCRBYFLOAT', 'h', 'g', '5.0e3')).toBe('5000');
    // Long double arithmetic, as Redis: no binary noise in the 17 decimals.
    expect(run('HINCRBYFLOAT', 'h', 'x', '10.5')).toBe('10.5');
    expect(run('HINCRBYFLOAT', 'h', 'x', '0.1')).toBe('10.6');
    run('HSET', 'h', 'big', '1.7e308');
    expect(run('HINCRBYFLOAT', 'h', 'big', '1.7e308')).toMatch(/^34000000000000000000\d{289}$/);
    run('HSET', 'h', 'hex', '0x1p3');
    expect(run('HINCRBYFLOAT', 'h', 'hex', '0')).toBe('8');
    run('HSET', 'h', 'i', '17');
    expect(run('HINCRBYFLOAT', 'h', 'i', '1')).toBe('18');
    expect(events.filter((e) => e !== 'h:hset:h')).toHaveLength(9);
    expect(effects.filter((e) => e[2] === 'f' || e[2] === 'g' || e[2] === 'i')).toEqual([
      ['HSET', 'h', 'f', '10.5'],
      ['HSET', 'h', 'f', '11.75'],
      ['HSET', 'h', 'f', '0'],
      ['HSET', 'h', 'g', '5000'],
      ['HSET', 'h', 'i', '17'],
      ['HSET', 'h', 'i', '18'],
    ]);
  });

  it('HINCRBYFLOAT errors change nothing', () => {
    const { run, db, effects } = setup();
    run('HSET', 'h', 's', 'abc', 'inf', 'inf', 'f', '1.5');
    effects.length = 0;
    expect(errText(run('HINCRBYFLOAT', 'h', 's', '1'))).toBe('ERR hash value is not a float');
    expect(errText(run('HINCRBYFLOAT', 'h', 'f', 'abc'))).toBe('ERR value is not a valid float');
    expect(errText(run('HINCRBYFLOAT', 'h', 'f', 'inf'))).toBe('ERR value is NaN or Infinity');
    expect(errText(run('HINCRBYFLOAT', 'h', 'f', 'nan'))).toBe('ERR value is not a valid float');
    expect(errText(run('HINCRBYFLOAT', 'h', 'inf', '1'))).toBe('ERR increment would produce NaN or Infinity');
    expect(errText(run('HINCRBYFLOAT', 'nokey', 'f', 'x'))).toBe('ERR value is not a valid float');
    expect(run('HGET', 'h', 'f')).toBe('1.5');
    expect(db.peek('nokey')).toBeUndefined();
    expect(effects).toEqual([]);
  });
});

describe('encodings', () => {
  it('listpack up to hash-max-listpack-entries, then hashtable for good', () => {
    const { run, enc } = setup();
    // Redis 7.2's compiled-in hash-max-listpack-entries is 512 (zsets' is 128).
    for (let i = 0; i < 512; i++) run('HSET', 'h', `f${i}`, 'v');
    expect(enc('h')).toBe('listpack');
    run('HSET', 'h', 'f512', 'v');
    expect(enc('h')).toBe('hashtable');
    for (let i = 0; i < 100; i++) run('HDEL', 'h', `f${i}`);
    expect(enc('h')).toBe('hashtable');
  });

  it('a long field or value converts, even when the field exists already', () => {
    const { run, enc } = setup();
    run('HSET', 'h', 'a', 'x'.repeat(64));
    expect(enc('h')).toBe('listpack');
    run('HSET', 'h', 'a', 'x'.repeat(65));
    expect(enc('h')).toBe('hashtable');
    run('HSET', 'k', 'y'.repeat(65), '1');
    expect(enc('k')).toBe('hashtable');
    run('HSET', 'j', 'a', '1');
    run('HSETNX', 'j', 'a', 'y'.repeat(65));
    expect(enc('j')).toBe('listpack');
    run('HINCRBYFLOAT', 'j', 'b'.repeat(65), '1');
    expect(enc('j')).toBe('hashtable');
  });

  it('more new pairs than the limit in one HSET converts up front', () => {
    const { run, enc } = setup();
    const args: string[] = [];
    for (let i = 0; i < 513; i++) args.push('same', 'v');
    run('HSET', 'h', ...args);
    expect(run('HLEN', 'h')).toBe(1);
    expect(enc('h')).toBe('hashtable');
  });

  it('follows CONFIG thresholds', () => {
    const { run, enc, shard } = setup();
    shard.setConfig('hash-max-listpack-entries', '2');
    run('HSET', 'h', 'a', '1', 'b', '2');
    expect(enc('h')).toBe('listpack');
    run('HSET', 'h', 'c', '3');
    expect(enc('h')).toBe('hashtable');
  });
});

describe('RHash', () => {
  it('keeps memory() in step with its contents and clones deeply', () => {
    const h = new RHash({ 'hash-max-listpack-entries': 128, 'hash-max-listpack-value': 64 });
    const empty = h.memory();
    h.set('a', '1');
    h.set('b', 'xxxxxxxxxxxxxxxxxxxx');
    const two = h.memory();
    expect(two).toBeGreaterThan(empty);
    h.set('b', '2');
    expect(h.memory()).toBeLessThan(two);
    const c = h.clone();
    h.delete('a');
    h.delete('b');
    expect(h.memory()).toBe(empty);
    expect(c.size).toBe(2);
    expect([...c]).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect(c.get('b')).toBe('2');
    expect(c.encoding()).toBe('listpack');
  });

  it('accounts memory in the keyspace', () => {
    const { run, shard } = setup();
    const before = shard.used;
    run('HSET', 'h', 'a', 'x'.repeat(100));
    const after = shard.used;
    expect(after).toBeGreaterThan(before + 100);
    run('HSET', 'h', 'a', '1');
    expect(shard.used).toBeLessThan(after);
    run('HDEL', 'h', 'a');
    expect(shard.used).toBe(before);
  });
});

describe('HRANDFIELD', () => {
  function fill(run: (...a: string[]) => Reply, key: string, n: number) {
    const args: string[] = [];
    for (let i = 0; i < n; i++) args.push(`f${i}`, `v${i}`);
    run('HSET', key, ...args);
  }

  it('without count: one field, or null', () => {
    const { run } = setup();
    expect(run('HRANDFIELD', 'nokey')).toBe(null);
    run('HSET', 'h', 'a', '1');
    expect(run('HRANDFIELD', 'h')).toBe('a');
  });

  it('count 0 and missing keys give an empty array', () => {
    const { run } = setup();
    expect(run('HRANDFIELD', 'nokey', '5')).toEqual([]);
    expect(run('HRANDFIELD', 'nokey', '-5', 'WITHVALUES')).toEqual([]);
    run('HSET', 'h', 'a', '1');
    expect(run('HRANDFIELD', 'h', '0')).toEqual([]);
  });

  it('positive counts give distinct fields, at most the whole hash', () => {
    for (const n of [5, 50, 300]) {
      const { run } = setup();
      fill(run as never, 'h', n);
      for (const count of [1, 2, Math.floor(n / 2), n - 1, n, n + 10]) {
        const r = run('HRANDFIELD', 'h', count) as string[];
        expect(r.length).toBe(Math.min(count, n));
        expect(new Set(r).size).toBe(r.length);
        for (const f of r) expect(f).toMatch(/^f\d+$/);
      }
      const wv = run('HRANDFIELD', 'h', 3, 'WITHVALUES') as string[];
      expect(wv.length).toBe(6);
      for (let i = 0; i < 6; i += 2) expect(wv[i + 1]).toBe('v' + wv[i]!.slice(1));
    }
  });

  it('listpack unique sampling keeps the hash order', () => {
    const { run } = setup();
    fill(run as never, 'h', 20);
    const order = (run('HKEYS', 'h') as string[]).slice();
    for (let k = 0; k < 20; k++) {
      const r = run('HRANDFIELD', 'h', 7) as string[];
      const pos = r.map((f) => order.indexOf(f));
      expect(pos).toEqual([...pos].sort((a, b) => a - b));
    }
  });

  it('negative counts repeat fields and give exactly |count|', () => {
    const { run } = setup();
    run('HSET', 'h', 'a', '1', 'b', '2');
    const r = run('HRANDFIELD', 'h', -50) as string[];
    expect(r.length).toBe(50);
    expect(new Set(r)).toEqual(new Set(['a', 'b']));
    const wv = run('HRANDFIELD', 'h', -10, 'withvalues') as string[];
    expect(wv.length).toBe(20);
    for (let i = 0; i < 20; i += 2) expect(wv[i + 1]).toBe(wv[i] === 'a' ? '1' : '2');
  });

  it('RESP3 WITHVALUES replies pairs', () => {
    const { run, session } = setup();
    session.resp = 3;
    run('HSET', 'h', 'a', '1');
    expect(run('HRANDFIELD', 'h', 1, 'WITHVALUES')).toEqual([['a', '1']]);
    expect(run('HRANDFIELD', 'h', -2, 'WITHVALUES')).toEqual([
      ['a', '1'],
      ['a', '1'],
    ]);
    expect(run('HRANDFIELD', 'h', 5, 'WITHVALUES')).toEqual([['a', '1']]);
    expect(run('HRANDFIELD', 'h', 5)).toEqual(['a']);
  });

  it('bad arguments', () => {
    const { run } = setup();
    run('HSET', 'h', 'a', '1');
    expect(errText(run('HRANDFIELD', 'h', 'x'))).toBe('ERR value is not an integer or out of range');
    expect(errText(run('HRANDFIELD', 'nokey', 'x'))).toBe('ERR value is not an integer or out of range');
    expect(errText(run('HRANDFIELD', 'h', '1', 'WITHSCORES'))).toBe('ERR syntax error');
    expect(errText(run('HRANDFIELD', 'h', '1', 'WITHVALUES', 'x'))).toBe('ERR syntax error');
    expect(errText(run('HRANDFIELD', 'h', '-9223372036854770000', 'WITHVALUES'))).toBe('ERR value is out of range');
    expect(errText(run('HRANDFIELD', 'h', '-9223372036854775808', 'WITHVALUES'))).toBe(
      'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
    );
    expect(errText(run('HRANDFIELD', 'h', '-9223372036854775808'))).toBe(
      'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
    );
  });

  it('is uniform enough on a hashtable', () => {
    const { run } = setup();
    fill(run as never, 'h', 200);
    const counts = new Map<string, number>();
    const r = run('HRANDFIELD', 'h', -20000) as string[];
    for (const f of r) counts.set(f, (counts.get(f) ?? 0) + 1);
    expect(counts.size).toBe(200);
    for (const c of counts.values()) expect(c).toBeGreaterThan(30);
  });
});

describe('HRANDFIELD cost does not depend on the hash size', () => {
  it('1M fields cost the same Dict work as 1k', () => {
    const small = setup();
    const big = setup();
    for (const [t, n] of [
      [small, 1000],
      [big, 1_000_000],
    ] as const) {
      const h = new RHash(t.shard.config);
      for (let i = 0; i < n; i++) h.set(`f${i}`, 'v');
      t.db.add('h', h);
    }
    const measure = (run: (...a: (string | number)[]) => Reply, argv: (string | number)[]) => {
      const walks = ['forEach', 'entries', 'keyList', 'scan'].map((m) => vi.spyOn(Dict.prototype, m as 'forEach'));
      const random = vi.spyOn(Dict.prototype, 'randomIndex');
      expect(run(...argv)).not.toBeInstanceOf(ErrorReply);
      for (const w of walks) expect(w).not.toHaveBeenCalled();
      const n = random.mock.calls.length;
      vi.restoreAllMocks();
      return n;
    };
    for (const argv of [['HRANDFIELD', 'h'], ['HRANDFIELD', 'h', 10, 'WITHVALUES'], ['HRANDFIELD', 'h', -50]]) {
      const a = measure(small.run, argv);
      const b = measure(big.run, argv);
      expect(a).toBeGreaterThan(0);
      expect(b).toBeLessThanOrEqual(a + 20);
    }
  }, 60_000);
});

describe('HSCAN', () => {
  it('returns a listpack hash whole with cursor 0, filtered by MATCH', () => {
    const { run } = setup();
    run('HSET', 'h', 'a1', '1', 'b1', '2', 'a2', '3');
    expect(run('HSCAN', 'h', '0')).toEqual(['0', ['a1', '1', 'b1', '2', 'a2', '3']]);
    expect(run('HSCAN', 'h', '0', 'MATCH', 'a*', 'COUNT', '1')).toEqual(['0', ['a1', '1', 'a2', '3']]);
    expect(run('HSCAN', 'nokey', '0')).toEqual(['0', []]);
  });

  it('walks a hashtable with a cursor, visiting every field', () => {
    const { run, enc } = setup();
    for (let i = 0; i < 1000; i++) run('HSET', 'h', `f${i}`, `v${i}`);
    expect(enc('h')).toBe('hashtable');
    const seen = new Map<string, string>();
    let cursor = '0';
    let calls = 0;
    do {
      const [next, items] = run('HSCAN', 'h', cursor, 'COUNT', '50') as [string, string[]];
      for (let i = 0; i < items.length; i += 2) seen.set(items[i]!, items[i + 1]!);
      cursor = next;
      calls++;
    } while (cursor !== '0');
    expect(seen.size).toBe(1000);
    expect(seen.get('f7')).toBe('v7');
    expect(calls).toBeGreaterThan(5);
  });

  it('checks the cursor before the key and options after it', () => {
    const { run, db } = setup();
    db.add('s', 'str');
    expect(errText(run('HSCAN', 'nokey', 'x'))).toBe('ERR invalid cursor');
    expect(run('HSCAN', 'nokey', '0', 'COUNT', '0')).toEqual(['0', []]);
    expect(errText(run('HSCAN', 's', '0', 'COUNT', '0'))).toBe(WRONGTYPE);
    run('HSET', 'h', 'a', '1');
    expect(errText(run('HSCAN', 'h', '0', 'COUNT', '0'))).toBe('ERR syntax error');
    expect(errText(run('HSCAN', 'h', '0', 'FOO', '1'))).toBe('ERR syntax error');
    expect(errText(run('HSCAN', 'h', '0', 'COUNT', 'x'))).toBe('ERR value is not an integer or out of range');
  });
});

describe('expiry and WATCH', () => {
  it('an expired hash is gone for reads and writes', () => {
    let now = 1000;
    const t = testEngine({ clock: () => now });
    t.run('HSET', 'h', 'a', '1');
    t.db.setExpire('h', 2000);
    now = 3000;
    expect(t.run('HGET', 'h', 'a')).toBe(null);
    expect(t.run('HSET', 'h', 'b', '2')).toBe(1);
    expect(t.run('HKEYS', 'h')).toEqual(['b']);
  });
});
