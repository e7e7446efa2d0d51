import { describe, expect, it } from 'vitest';
import { testEngine } from '../../test/util.ts';
import { ErrorReply } from '../errors.ts';
import { Double, NULL_ARRAY, type Reply } from '../reply.ts';
import { RZSet } from '../types/zset.ts';
import type { Effect } from '../engine/shard.ts';
import type { EngineConfig } from '../config.ts';
import { formatG17 } from './zsets.ts';
import { commands, keyIndexes } from './table.ts';

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const D = (x: number) => new Double(x);

function errText(r: Reply): string {
  expect(r).toBeInstanceOf(ErrorReply);
  return (r as ErrorReply).message;
}

function setup(config: Partial<EngineConfig> = {}) {
  const t = testEngine({ config });
  const effects: string[][] = [];
  t.engine.onEffects((g: Effect[]) => {
    for (const e of g) effects.push(e.argv);
  });
  const events: string[] = [];
  t.shard.onNotify = (_db, cls, event, key) => events.push(`${cls}:${event}:${key}`);
  const all = (key: string) => t.run('ZRANGE', key, 0, -1, 'WITHSCORES');
  const enc = (key: string) => (t.db.peek(key) as RZSet).encoding();
  const resp3 = () => {
    t.session.resp = 3;
  };
  return { ...t, effects, events, all, enc, resp3 };
}

/** Asserts a command fails with msg and leaves the key's contents as they were. */
function failsUnchanged(t: ReturnType<typeof setup>, key: string, argv: (string | number)[], msg: string) {
  const before = JSON.stringify(t.run('ZRANGE', key, 0, -1, 'WITHSCORES'));
  const dirty = t.shard.dirty;
  expect(errText(t.run(...argv))).toBe(msg);
  expect(JSON.stringify(t.run('ZRANGE', key, 0, -1, 'WITHSCORES'))).toBe(before);
  expect(t.shard.dirty).toBe(dirty);
}

describe('ZADD', () => {
  it('adds and updates members, replying the number added (or changed with CH)', () => {
    const t = setup();
    expect(t.run('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c')).toBe(3);
    expect(t.run('ZADD', 'z', 10, 'a', 4, 'd')).toBe(1);
    expect(t.run('ZADD', 'z', 'CH', 11, 'a', 5, 'e', 11, 'a')).toBe(2);
    expect(t.run('ZADD', 'z', 'ch', 2, 'b')).toBe(0);
    expect(t.all('z')).toEqual(['b', D(2), 'c', D(3), 'd', D(4), 'e', D(5), 'a', D(11)]);
    expect(t.events).toEqual(['z:zadd:z', 'z:zadd:z', 'z:zadd:z']);
  });

  it('honours NX, XX, GT and LT', () => {
    const t = setup();
    t.run('ZADD', 'z', 5, 'a');
    expect(t.run('ZADD', 'z', 'NX', 1, 'a', 1, 'b')).toBe(1);
    expect(t.run('ZADD', 'z', 'XX', 'CH', 2, 'b', 1, 'c')).toBe(1);
    expect(t.run('ZADD', 'z', 'GT', 'CH', 4, 'a', 3, 'b', 9, 'n')).toBe(2);
    expect(t.run('ZADD', 'z', 'LT', 'CH', 6, 'a', 1, 'b')).toBe(1);
    expect(t.run('ZADD', 'z', 'XX', 'GT', 'CH', 10, 'a', 10, 'c')).toBe(1);
    expect(t.all('z')).toEqual(['b', D(1), 'n', D(9), 'a', D(10)]);
    expect(t.run('ZADD', 'nokey', 'XX', 1, 'a')).toBe(0);
    expect(t.db.exists('nokey')).toBe(false);
  });

  it('INCR behaves as ZINCRBY and answers null when skipped', () => {
    const t = setup();
    expect(t.run('ZADD', 'z', 'INCR', 2.5, 'a')).toEqual(D(2.5));
    expect(t.run('ZADD', 'z', 'INCR', 1, 'a')).toEqual(D(3.5));
    expect(t.run('ZADD', 'z', 'NX', 'INCR', 1, 'a')).toBe(null);
    expect(t.run('ZADD', 'z', 'XX', 'INCR', 1, 'nosuch')).toBe(null);
    expect(t.run('ZADD', 'z', 'GT', 'INCR', -1, 'a')).toBe(null);
    expect(t.run('ZADD', 'nokey', 'XX', 'INCR', 1, 'a')).toBe(null);
    expect(t.run('ZSCORE', 'z', 'a')).toEqual(D(3.5));
    expect(t.events).toEqual(['z:zincr:z', 'z:zincr:z']);
  });

  it('rejects bad arguments with Redis errors, changing nothing', () => {
    const t = setup();
    t.run('ZADD', 'z', 1, 'a');
    failsUnchanged(t, 'z', ['ZADD', 'z', 'XX', 'NX', 1, 'b'], 'ERR XX and NX options at the same time are not compatible');
    failsUnchanged(t, 'z', ['ZADD', 'z', 'GT', 'LT', 1, 'b'], 'ERR GT, LT, and/or NX options at the same time are not compatible');
    failsUnchanged(t, 'z', ['ZADD', 'z', 'NX', 'GT', 1, 'b'], 'ERR GT, LT, and/or NX options at the same time are not compatible');
    failsUnchanged(t, 'z', ['ZADD', 'z', 'INCR', 1, 'a', 2, 'b'], 'ERR INCR option supports a single increment-element pair');
    failsUnchanged(t, 'z', ['ZADD', 'z', 1, 'b', 2], 'ERR syntax error');
    failsUnchanged(t, 'z', ['ZADD', 'z', 'NX', 'CH', 'XX'], 'ERR syntax error');
    failsUnchanged(t, 'z', ['ZADD', 'z', 1, 'b', 'x', 'c'], 'ERR value is not a valid float');
    failsUnchanged(t, 'z', ['ZADD', 'z', 'nan', 'b'], 'ERR value is not a valid float');
    failsUnchanged(t, 'z', ['ZADD', 'z', '1e400', 'b'], 'ERR value is not a valid float');
    failsUnchanged(t, 'z', ['ZADD', 'z', ' 1', 'b'], 'ERR value is not a valid float');
    failsUnchanged(t, 'z', ['ZADD', 'z', '', 'b'], 'ERR value is not a valid float');
    expect(errText(t.run('ZADD', 'z', 1))).toBe("ERR wrong number of arguments for 'zadd' command");
    t.run('ZADD', 'z', 'inf', 'i');
    failsUnchanged(t, 'z', ['ZADD', 'z', 'INCR', '-inf', 'i'], 'ERR resulting score is not a number (NaN)');
    failsUnchanged(t, 'z', ['ZINCRBY', 'z', '-inf', 'i'], 'ERR resulting score is not a number (NaN)');
    t.db.add('str', 'v');
    expect(errText(t.run('ZADD', 'str', 1, 'a'))).toBe(WRONGTYPE);
    // Argument errors come before the type check, as in Redis.
    expect(errText(t.run('ZADD', 'str', 'x', 'a'))).toBe('ERR value is not a valid float');
  });

  it('accepts the float syntax strtod accepts', () => {
    const t = setup();
    expect(t.run('ZADD', 'z', '1e3', 'a', '0x10', 'b', '-.5', 'c', '+inf', 'd', '-Infinity', 'e', '0x1p3', 'f')).toBe(6);
    expect(t.all('z')).toEqual(['e', D(-Infinity), 'c', D(-0.5), 'f', D(8), 'b', D(16), 'a', D(1000), 'd', D(Infinity)]);
  });

  it('stores -0 as 0 while the set is a listpack, as Redis does', () => {
    const t = setup();
    t.run('ZADD', 'z', '-0', 'a');
    expect(Object.is((t.run('ZSCORE', 'z', 'a') as Double).value, 0)).toBe(true);
  });
});

describe('ZADD creating a key with many members (built in bulk)', () => {
  it('parses scores as strtod (the fast decimal path and the general one agree)', () => {
    const t = setup();
    const texts = ['00012.5000', '-0', '.5', '-.5', '+1.', '0.30000000000000004', '123456789012345678', '9007199254740993', '0.1', '1e3', '0x10', '-85.051128779806589', '0.00000000000000000000001'];
    texts.forEach((x, i) => t.run('ZADD', 'p', x, `m${i}`));
    // -0 reads back as 0 from a listpack, as in Redis.
    texts.forEach((x, i) => expect(t.run('ZSCORE', 'p', `m${i}`)).toEqual(D(x === '0x10' ? 16 : x === '-0' ? 0 : Number(x))));
    for (const bad of ['1.2.3', '+', '-', '.', '1 ', '1a', '--1']) expect(errText(t.run('ZADD', 'p', bad, 'x'))).toBe('ERR value is not a valid float');
  });

  /** The same ZADD argv run member by member, as the reference. */
  function oneByOne(t: ReturnType<typeof setup>, key: string, opts: string[], pairs: (string | number)[]) {
    for (let i = 0; i < pairs.length; i += 2) t.run('ZADD', key, ...opts, pairs[i]!, pairs[i + 1]!);
  }

  it('orders, ranks and replies as member-by-member adds, ties by member, repeats as updates', () => {
    const t = setup();
    const pairs: (string | number)[] = [];
    for (let i = 0; i < 300; i++) pairs.push((i * 37) % 53, `m${(i * 7) % 250}`);
    pairs.push('-0', 'negzero', '-inf', 'low', '+inf', 'high', 1.5, 'm3');
    expect(t.run('ZADD', 'bulk', ...pairs)).toBe(253);
    oneByOne(t, 'ref', [], pairs);
    expect(t.all('bulk')).toEqual(t.all('ref'));
    expect(t.run('ZRANK', 'bulk', 'm3')).toBe(t.run('ZRANK', 'ref', 'm3'));
    expect(t.run('ZRANGEBYSCORE', 'bulk', 10, 12)).toEqual(t.run('ZRANGEBYSCORE', 'ref', 10, 12));
    expect(t.enc('bulk')).toBe('skiplist');
    // The set keeps working afterwards.
    t.run('ZREM', 'bulk', 'm0', 'm1');
    t.run('ZREM', 'ref', 'm0', 'm1');
    t.run('ZADD', 'bulk', 7, 'new', 100, 'm5');
    t.run('ZADD', 'ref', 7, 'new', 100, 'm5');
    expect(t.all('bulk')).toEqual(t.all('ref'));
    expect(t.run('ZCARD', 'bulk')).toBe(252);
  });

  it('CH counts repeats that change a score; NX keeps the first; GT/LT compare with earlier repeats', () => {
    const t = setup();
    const pairs: (string | number)[] = [];
    for (let i = 0; i < 40; i++) pairs.push(i, `a${i % 20}`);
    expect(t.run('ZADD', 'ch', 'CH', ...pairs)).toBe(40);
    expect(t.run('ZADD', 'nx', 'NX', ...pairs)).toBe(20);
    expect(t.run('ZSCORE', 'nx', 'a1')).toEqual(D(1));
    expect(t.run('ZSCORE', 'ch', 'a1')).toEqual(D(21));
    const down: (string | number)[] = [];
    for (let i = 0; i < 40; i++) down.push(40 - i, `b${i % 20}`);
    expect(t.run('ZADD', 'gt', 'GT', 'CH', ...down)).toBe(20);
    expect(t.run('ZSCORE', 'gt', 'b1')).toEqual(D(39));
    expect(t.run('ZADD', 'lt', 'LT', 'CH', ...down)).toBe(40);
    expect(t.run('ZSCORE', 'lt', 'b1')).toEqual(D(19));
    expect(t.run('ZADD', 'xx', 'XX', ...pairs)).toBe(0);
    expect(t.run('EXISTS', 'xx')).toBe(0);
  });
});

describe('encodings', () => {
  it('converts to skiplist past the listpack limits and never back on removal', () => {
    const t = setup({ 'zset-max-listpack-entries': 3, 'zset-max-listpack-value': 5 });
    t.run('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c');
    expect(t.enc('z')).toBe('listpack');
    t.run('ZADD', 'z', 4, 'd');
    expect(t.enc('z')).toBe('skiplist');
    t.run('ZREM', 'z', 'd', 'c');
    expect(t.enc('z')).toBe('skiplist');
    t.run('ZADD', 'l', 1, 'abcdef');
    expect(t.enc('l')).toBe('skiplist');
    t.run('ZADD', 'm', 1, 'a');
    t.run('ZADD', 'm', 'XX', 1, 'abcdef');
    expect(t.enc('m')).toBe('listpack');
    // More pairs than the entries limit convert even if few members end up added (zsetTypeMaybeConvert).
    t.run('ZADD', 'p', 1, 'a');
    t.run('ZADD', 'p', 1, 'a', 1, 'a', 1, 'a', 1, 'a');
    expect(t.enc('p')).toBe('skiplist');
  });

  it('*STORE results are listpack again when they fit', () => {
    const t = setup({ 'zset-max-listpack-entries': 3, 'zset-max-listpack-value': 5 });
    t.run('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c', 4, 'd');
    expect(t.enc('z')).toBe('skiplist');
    t.run('ZUNIONSTORE', 'u', 1, 'z');
    expect(t.enc('u')).toBe('skiplist');
    t.run('ZREM', 'z', 'd');
    t.run('ZUNIONSTORE', 'u', 1, 'z');
    expect(t.enc('u')).toBe('listpack');
    t.run('ZRANGESTORE', 'r', 'z', 0, 1);
    expect(t.enc('r')).toBe('listpack');
    t.run('ZADD', 'z', 9, 'longmember');
    t.run('ZRANGESTORE', 'r', 'z', 2, -1);
    expect(t.enc('r')).toBe('skiplist');
  });
});

describe('ZINCRBY', () => {
  it('increments, creating the key and the member', () => {
    const t = setup();
    expect(t.run('ZINCRBY', 'z', 2, 'a')).toEqual(D(2));
    expect(t.run('ZINCRBY', 'z', -0.5, 'a')).toEqual(D(1.5));
    expect(errText(t.run('ZINCRBY', 'z', 'x', 'a'))).toBe('ERR value is not a valid float');
    expect(errText(t.run('ZINCRBY', 'z', 'nx', 'a'))).toBe('ERR syntax error');
    expect(t.events).toEqual(['z:zincr:z', 'z:zincr:z']);
  });
});

describe('ZREM / ZCARD / ZSCORE / ZMSCORE', () => {
  it('removes members and deletes the emptied key', () => {
    const t = setup();
    t.run('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c');
    expect(t.run('ZREM', 'z', 'a', 'x', 'b')).toBe(2);
    expect(t.run('ZCARD', 'z')).toBe(1);
    expect(t.run('ZREM', 'z', 'x')).toBe(0);
    expect(t.run('ZREM', 'z', 'c', 'c')).toBe(1);
    expect(t.db.exists('z')).toBe(false);
    expect(t.run('ZREM', 'nokey', 'a')).toBe(0);
    expect(t.run('ZCARD', 'nokey')).toBe(0);
    expect(t.events).toEqual(['z:zadd:z', 'z:zrem:z', 'z:zrem:z', 'g:del:z']);
  });

  it('ZSCORE and ZMSCORE answer doubles and nulls', () => {
    const t = setup();
    t.run('ZADD', 'z', 1.5, 'a', '-inf', 'b');
    expect(t.run('ZSCORE', 'z', 'a')).toEqual(D(1.5));
    expect(t.run('ZSCORE', 'z', 'x')).toBe(null);
    expect(t.run('ZSCORE', 'nokey', 'a')).toBe(null);
    expect(t.run('ZMSCORE', 'z', 'a', 'x', 'b')).toEqual([D(1.5), null, D(-Infinity)]);
    expect(t.run('ZMSCORE', 'nokey', 'a', 'b')).toEqual([null, null]);
  });

  it('wrong type', () => {
    const t = setup();
    t.db.add('str', 'v');
    for (const argv of [['ZREM', 'str', 'a'], ['ZCARD', 'str'], ['ZSCORE', 'str', 'a'], ['ZMSCORE', 'str', 'a']]) {
      expect(errText(t.run(...argv))).toBe(WRONGTYPE);
    }
  });
});

describe('ZCOUNT / ZLEXCOUNT', () => {
  it('counts by score with open and infinite bounds', () => {
    const t = setup();
    t.run('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c', 4, 'd');
    expect(t.run('ZCOUNT', 'z', '-inf', '+inf')).toBe(4);
    expect(t.run('ZCOUNT', 'z', '(1', 3)).toBe(2);
    expect(t.run('ZCOUNT', 'z', '(1', '(3')).toBe(1);
    expect(t.run('ZCOUNT', 'z', 3, 1)).toBe(0);
    expect(t.run('ZCOUNT', 'z', '', 2)).toBe(2);
    expect(t.run('ZCOUNT', 'z', '(', 2)).toBe(2);
    expect(t.run('ZCOUNT', 'z', ' 2', 2)).toBe(1);
    expect(t.run('ZCOUNT', 'nokey', 0, 1)).toBe(0);
    expect(errText(t.run('ZCOUNT', 'z', 'a', 1))).toBe('ERR min or max is not a float');
    expect(errText(t.run('ZCOUNT', 'z', '1 ', 1))).toBe('ERR min or max is not a float');
    expect(errText(t.run('ZCOUNT', 'z', 'nan', 1))).toBe('ERR min or max is not a float');
  });

  it('counts by lex', () => {
    const t = setup();
    t.run('ZADD', 'z', 0, 'a', 0, 'b', 0, 'c', 0, 'd');
    expect(t.run('ZLEXCOUNT', 'z', '-', '+')).toBe(4);
    expect(t.run('ZLEXCOUNT', 'z', '[b', '(d')).toBe(2);
    expect(t.run('ZLEXCOUNT', 'z', '(b', '(b')).toBe(0);
    expect(t.run('ZLEXCOUNT', 'z', '+', '-')).toBe(0);
    expect(t.run('ZLEXCOUNT', 'nokey', '-', '+')).toBe(0);
    for (const bad of [['a', '+'], ['-', 'b'], ['', '+'], ['+a', '+'], ['-', '-x']]) {
      expect(errText(t.run('ZLEXCOUNT', 'z', ...bad))).toBe('ERR min or max not valid string range item');
    }
  });

  it('answers lex ranges over unequal scores on a skiplist without failing', () => {
    // Over unequal scores the answer depends on the skiplist's random levels, in Redis too (the
    // docs leave it unspecified), so only its shape is checked here.
    const t = setup();
    t.run('ZADD', 'k1', 1, 'x'.repeat(65), '-0', 'a', 0.2, '0');
    const n = t.run('ZLEXCOUNT', 'k1', '(A', '[a');
    expect(typeof n === 'number' && n >= 0 && n <= 3).toBe(true);
    const range = t.run('ZRANGE', 'k1', '(A', '[a', 'BYLEX') as string[];
    expect(Array.isArray(range) && range.every((m) => ['a', '0', 'x'.repeat(65)].includes(m))).toBe(true);
    expect(Array.isArray(t.run('ZRANGE', 'k1', '[a', '(A', 'BYLEX', 'REV'))).toBe(true);
  });

  it('never fails on lex ranges over unequal scores, either encoding', () => {
    const t = setup();
    const bounds = ['-', '+', '[', '(', '[a', '(a', '[b', '(c', '[0', '(A', '[zz', '[M', '(9', '[k'];
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let round = 0; round < 400; round++) {
      const key = `z${round}`;
      const args: (string | number)[] = [];
      const n = 1 + rnd(12);
      for (let i = 0; i < n; i++) args.push(rnd(5) - 2, String.fromCharCode(48 + rnd(60)) + (round % 2 ? 'y'.repeat(70) : ''));
      t.run('ZADD', key, ...args);
      for (let q = 0; q < 10; q++) {
        const min = bounds[rnd(bounds.length)]!;
        const max = bounds[rnd(bounds.length)]!;
        for (const argv of [
          ['ZLEXCOUNT', key, min, max],
          ['ZRANGEBYLEX', key, min, max],
          ['ZREVRANGEBYLEX', key, max, min],
          ['ZRANGEBYLEX', key, min, max, 'LIMIT', 1, 2],
          ['ZRANGESTORE', 'dst', key, min, max, 'BYLEX'],
        ]) {
          const r = t.run(...argv);
          if (r instanceof ErrorReply) expect(r.message).toBe('ERR min or max not valid string range item');
        }
      }
      const r = t.run('ZREMRANGEBYLEX', key, bounds[rnd(bounds.length)]!, bounds[rnd(bounds.length)]!);
      if (r instanceof ErrorReply) expect(r.message).toBe('ERR min or max not valid string range item');
    }
  });
});

describe('ZRANK / ZREVRANK', () => {
  it('answers ranks, WITHSCORE pairs and nulls', () => {
    const t = setup();
    t.run('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c');
    expect(t.run('ZRANK', 'z', 'a')).toBe(0);
    expect(t.run('ZREVRANK', 'z', 'a')).toBe(2);
    expect(t.run('ZRANK', 'z', 'c', 'WITHSCORE')).toEqual([2, D(3)]);
    expect(t.run('ZREVRANK', 'z', 'c', 'withscore')).toEqual([0, D(3)]);
    expect(t.run('ZRANK', 'z', 'x')).toBe(null);
    expect(t.run('ZRANK', 'z', 'x', 'WITHSCORE')).toBe(NULL_ARRAY);
    expect(t.run('ZRANK', 'nokey', 'x')).toBe(null);
    expect(t.run('ZRANK', 'nokey', 'x', 'WITHSCORE')).toBe(NULL_ARRAY);
    expect(errText(t.run('ZRANK', 'z', 'a', 'foo'))).toBe('ERR syntax error');
    expect(errText(t.run('ZRANK', 'z', 'a', 'WITHSCORE', 'x'))).toBe("ERR wrong number of arguments for 'zrank' command");
    t.db.add('str', 'v');
    expect(errText(t.run('ZRANK', 'str', 'a'))).toBe(WRONGTYPE);
  });

  it('is O(log N) on a million members (skiplist node visits, not time)', () => {
    const t = setup();
    const zs = new RZSet(false);
    // Highest first: every insert lands at the head.
    for (let i = 999_999; i >= 0; i--) {
      const m = `m${i}`;
      zs.dict.insertNew(m, i);
      zs.zsl.insert(i, m);
    }
    t.db.add('big', zs);
    let worst = 0;
    for (const i of [0, 123_456, 500_000, 999_999]) {
      zs.zsl.visits = 0;
      expect(t.run('ZRANK', 'big', `m${i}`)).toBe(i);
      worst = Math.max(worst, zs.zsl.visits);
      zs.zsl.visits = 0;
      expect(t.run('ZREVRANK', 'big', `m${i}`)).toBe(999_999 - i);
      worst = Math.max(worst, zs.zsl.visits);
    }
    expect(worst).toBeLessThan(400);
    zs.zsl.visits = 0;
    expect(t.run('ZRANGE', 'big', 500_000, 500_001)).toEqual(['m500000', 'm500001']);
    expect(t.run('ZCOUNT', 'big', 1000, 900_000)).toBe(899_001);
    expect(zs.zsl.visits).toBeLessThan(2000);
  });
});

describe('ZRANGE family', () => {
  function seeded() {
    const t = setup();
    t.run('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c', 4, 'd', 5, 'e');
    return t;
  }

  it('ranges by rank, forwards and reversed', () => {
    const t = seeded();
    expect(t.run('ZRANGE', 'z', 0, -1)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(t.run('ZRANGE', 'z', -2, -1, 'WITHSCORES')).toEqual(['d', D(4), 'e', D(5)]);
    expect(t.run('ZRANGE', 'z', 0, 1, 'REV')).toEqual(['e', 'd']);
    expect(t.run('ZRANGE', 'z', 3, 1)).toEqual([]);
    expect(t.run('ZRANGE', 'z', 10, 20)).toEqual([]);
    expect(t.run('ZRANGE', 'z', -100, 0)).toEqual(['a']);
    expect(t.run('ZREVRANGE', 'z', 0, 1, 'WITHSCORES')).toEqual(['e', D(5), 'd', D(4)]);
    // LIMIT with a count of -1 is accepted (and ignored) with ranks.
    expect(t.run('ZRANGE', 'z', 0, 0, 'LIMIT', 3, -1)).toEqual(['a']);
    expect(t.run('ZRANGE', 'nokey', 0, -1)).toEqual([]);
  });

  it('ranges by score with LIMIT', () => {
    const t = seeded();
    expect(t.run('ZRANGE', 'z', '(1', 4, 'BYSCORE')).toEqual(['b', 'c', 'd']);
    expect(t.run('ZRANGE', 'z', 4, '(1', 'BYSCORE', 'REV', 'WITHSCORES')).toEqual(['d', D(4), 'c', D(3), 'b', D(2)]);
    expect(t.run('ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', 1, 2)).toEqual(['b', 'c']);
    expect(t.run('ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', 1, -1)).toEqual(['b', 'c', 'd', 'e']);
    expect(t.run('ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', 1, 0)).toEqual([]);
    expect(t.run('ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', -1, 5)).toEqual([]);
    expect(t.run('ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', 5, 5)).toEqual([]);
    expect(t.run('ZRANGEBYSCORE', 'z', 2, 3, 'WITHSCORES')).toEqual(['b', D(2), 'c', D(3)]);
    expect(t.run('ZRANGEBYSCORE', 'z', '-inf', '+inf', 'LIMIT', 0, 2)).toEqual(['a', 'b']);
    expect(t.run('ZREVRANGEBYSCORE', 'z', '+inf', '(3')).toEqual(['e', 'd']);
    expect(t.run('ZREVRANGEBYSCORE', 'z', 5, 1, 'LIMIT', 1, 1)).toEqual(['d']);
    expect(t.run('ZRANGEBYSCORE', 'z', 3, 1)).toEqual([]);
  });

  it('ranges by lex', () => {
    const t = setup();
    t.run('ZADD', 'l', 0, 'a', 0, 'b', 0, 'c', 0, 'd');
    expect(t.run('ZRANGE', 'l', '[b', '+', 'BYLEX')).toEqual(['b', 'c', 'd']);
    expect(t.run('ZRANGE', 'l', '+', '(b', 'BYLEX', 'REV', 'LIMIT', 0, 2)).toEqual(['d', 'c']);
    expect(t.run('ZRANGEBYLEX', 'l', '-', '(c')).toEqual(['a', 'b']);
    expect(t.run('ZREVRANGEBYLEX', 'l', '[c', '-')).toEqual(['c', 'b', 'a']);
    expect(t.run('ZRANGEBYLEX', 'l', '-', '+', 'LIMIT', 1, 2)).toEqual(['b', 'c']);
  });

  it('scans a listpack linearly for lex ranges over unequal scores, as Redis does', () => {
    const t = setup();
    t.run('ZADD', 'lx', 1, 'b', 2, 'a', 3, 'c', 4, 'aa');
    expect(t.run('ZRANGEBYLEX', 'lx', '[a', '[b')).toEqual(['b', 'a']);
    expect(t.run('ZLEXCOUNT', 'lx', '[a', '[b')).toBe(2);
    expect(t.run('ZREVRANGEBYLEX', 'lx', '[b', '[a')).toEqual(['aa', 'c', 'a', 'b']);
    expect(t.run('ZREMRANGEBYLEX', 'lx', '[a', '[b')).toBe(2);
    expect(t.run('ZRANGE', 'lx', 0, -1)).toEqual(['c', 'aa']);
  });

  it('answers RESP3 WITHSCORES as [member, score] pairs', () => {
    const t = seeded();
    t.resp3();
    expect(t.run('ZRANGE', 'z', 0, 1, 'WITHSCORES')).toEqual([
      ['a', D(1)],
      ['b', D(2)],
    ]);
    expect(t.run('ZRANGEBYSCORE', 'z', 5, 5, 'WITHSCORES')).toEqual([['e', D(5)]]);
    expect(t.run('ZRANGE', 'z', 0, 1)).toEqual(['a', 'b']);
  });

  it('rejects bad argument combinations', () => {
    const t = seeded();
    const e = (...argv: (string | number)[]) => errText(t.run(...argv));
    expect(e('ZRANGE', 'z', 0, -1, 'LIMIT', 0, 1)).toBe('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
    expect(e('ZRANGE', 'z', '[a', '[b', 'BYLEX', 'WITHSCORES')).toBe('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
    expect(e('ZRANGE', 'z', 0, 1, 'BYSCORE', 'BYLEX')).toBe('ERR syntax error');
    expect(e('ZRANGE', 'z', 0, 1, 'REV', 'REV')).toBe('ERR syntax error');
    expect(e('ZRANGE', 'z', 0, 1, 'LIMIT', 0)).toBe('ERR syntax error');
    expect(e('ZRANGE', 'z', 0, 1, 'BYSCORE', 'LIMIT', 'x', 1)).toBe('ERR value is not an integer or out of range');
    expect(e('ZRANGE', 'z', 'a', 1)).toBe('ERR value is not an integer or out of range');
    expect(e('ZRANGE', 'z', 'a', 1, 'BYSCORE')).toBe('ERR min or max is not a float');
    expect(e('ZRANGE', 'z', 'a', 'b', 'BYLEX')).toBe('ERR min or max not valid string range item');
    expect(e('ZRANGEBYSCORE', 'z', 0, 1, 'REV')).toBe('ERR syntax error');
    expect(e('ZRANGEBYSCORE', 'z', 0, 1, 'BYSCORE')).toBe('ERR syntax error');
    expect(e('ZRANGEBYLEX', 'z', '-', '+', 'WITHSCORES')).toBe('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
    expect(e('ZREVRANGE', 'z', 0, 1, 'LIMIT', 0, 1)).toBe('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
    t.db.add('str', 'v');
    expect(e('ZRANGE', 'str', 0, 1)).toBe(WRONGTYPE);
    expect(e('ZRANGEBYLEX', 'str', '-', '+')).toBe(WRONGTYPE);
  });
});

describe('ZRANGESTORE', () => {
  it('stores ranges, replacing or deleting the destination', () => {
    const t = setup();
    t.run('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c');
    t.db.add('dst', 'old');
    t.db.setExpire('dst', Date.now() + 100_000);
    expect(t.run('ZRANGESTORE', 'dst', 'z', 1, -1)).toBe(2);
    expect(t.all('dst')).toEqual(['b', D(2), 'c', D(3)]);
    expect(t.db.getExpire('dst')).toBe(-1);
    expect(t.run('ZRANGESTORE', 'dst', 'z', '+inf', '(1', 'BYSCORE', 'REV', 'LIMIT', 0, 1)).toBe(1);
    expect(t.all('dst')).toEqual(['c', D(3)]);
    expect(t.run('ZRANGESTORE', 'dst', 'z', '[x', '+', 'BYLEX')).toBe(0);
    expect(t.db.exists('dst')).toBe(false);
    expect(t.run('ZRANGESTORE', 'dst', 'nokey', 0, -1)).toBe(0);
    expect(errText(t.run('ZRANGESTORE', 'dst', 'z', 0, -1, 'WITHSCORES'))).toBe('ERR syntax error');
    expect(t.events.filter((e) => !e.startsWith('z:zadd'))).toEqual(['z:zrangestore:dst', 'z:zrangestore:dst', 'g:del:dst']);
    t.db.add('str', 'v');
    expect(errText(t.run('ZRANGESTORE', 'dst', 'str', 0, -1))).toBe(WRONGTYPE);
    // The destination may hold any type: it is replaced.
    expect(t.run('ZRANGESTORE', 'str', 'z', 0, 0)).toBe(1);
    expect(t.all('str')).toEqual(['a', D(1)]);
  });
});

describe('ZREMRANGEBYRANK / BYSCORE / BYLEX', () => {
  it('removes ranges and deletes the emptied key', () => {
    const t = setup();
    t.run('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c', 4, 'd', 5, 'e', 6, 'f');
    expect(t.run('ZREMRANGEBYRANK', 'z', 0, 1)).toBe(2);
    expect(t.run('ZREMRANGEBYRANK', 'z', 10, 20)).toBe(0);
    expect(t.run('ZREMRANGEBYSCORE', 'z', '(3', 4)).toBe(1);
    expect(t.run('ZRANGE', 'z', 0, -1)).toEqual(['c', 'e', 'f']);
    t.run('ZADD', 'l', 0, 'a', 0, 'b', 0, 'c');
    expect(t.run('ZREMRANGEBYLEX', 'l', '(a', '+')).toBe(2);
    expect(t.run('ZREMRANGEBYLEX', 'l', '-', '+')).toBe(1);
    expect(t.db.exists('l')).toBe(false);
    expect(t.run('ZREMRANGEBYRANK', 'z', 0, -1)).toBe(3);
    expect(t.db.exists('z')).toBe(false);
    expect(t.run('ZREMRANGEBYSCORE', 'nokey', 0, 1)).toBe(0);
    expect(t.events.filter((e) => !e.startsWith('z:zadd'))).toEqual([
      'z:zremrangebyrank:z',
      'z:zremrangebyscore:z',
      'z:zremrangebylex:l',
      'z:zremrangebylex:l',
      'g:del:l',
      'z:zremrangebyrank:z',
      'g:del:z',
    ]);
  });

  it('rejects bad ranges without changes', () => {
    const t = setup();
    t.run('ZADD', 'z', 1, 'a');
    failsUnchanged(t, 'z', ['ZREMRANGEBYRANK', 'z', 'x', 1], 'ERR value is not an integer or out of range');
    failsUnchanged(t, 'z', ['ZREMRANGEBYSCORE', 'z', 'x', 1], 'ERR min or max is not a float');
    failsUnchanged(t, 'z', ['ZREMRANGEBYLEX', 'z', 'x', '+'], 'ERR min or max not valid string range item');
    t.db.add('str', 'v');
    expect(errText(t.run('ZREMRANGEBYRANK', 'str', 0, 1))).toBe(WRONGTYPE);
  });
});

describe('ZPOPMIN / ZPOPMAX / ZMPOP', () => {
  it('pops from either end, flat in RESP2', () => {
    const t = setup();
    t.run('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c', 4, 'd');
    expect(t.run('ZPOPMIN', 'z')).toEqual(['a', D(1)]);
    expect(t.run('ZPOPMAX', 'z', 2)).toEqual(['d', D(4), 'c', D(3)]);
    expect(t.run('ZPOPMIN', 'z', 0)).toEqual([]);
    expect(t.run('ZPOPMIN', 'z', 10)).toEqual(['b', D(2)]);
    expect(t.db.exists('z')).toBe(false);
    expect(t.run('ZPOPMIN', 'z')).toEqual([]);
    expect(t.events).toEqual(['z:zadd:z', 'z:zpopmin:z', 'z:zpopmax:z', 'z:zpopmin:z', 'g:del:z']);
    // Deterministic: replicated verbatim.
    expect(t.effects).toEqual([
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
      ['ZPOPMIN', 'z'],
      ['ZPOPMAX', 'z', '2'],
      ['ZPOPMIN', 'z', '10'],
    ]);
  });

  it('nests pairs in RESP3 only when a count is given', () => {
    const t = setup();
    t.resp3();
    t.run('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c');
    expect(t.run('ZPOPMIN', 'z')).toEqual(['a', D(1)]);
    expect(t.run('ZPOPMAX', 'z', 1)).toEqual([['c', D(3)]]);
  });

  it('rejects bad counts', () => {
    const t = setup();
    t.run('ZADD', 'z', 1, 'a');
    failsUnchanged(t, 'z', ['ZPOPMIN', 'z', -1], 'ERR value is out of range, must be positive');
    failsUnchanged(t, 'z', ['ZPOPMIN', 'z', 'x'], 'ERR value is out of range, must be positive');
    failsUnchanged(t, 'z', ['ZPOPMAX', 'z', 1, 2], 'ERR syntax error');
    t.db.add('str', 'v');
    expect(errText(t.run('ZPOPMIN', 'str'))).toBe(WRONGTYPE);
  });

  it('ZMPOP pops from the first non-empty key and replicates as ZPOPMIN/ZPOPMAX', () => {
    const t = setup();
    t.run('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c');
    expect(t.run('ZMPOP', 2, 'nokey', 'z', 'MIN', 'COUNT', 2)).toEqual(['z', [['a', D(1)], ['b', D(2)]]]);
    expect(t.run('ZMPOP', 1, 'z', 'max', 'count', 10)).toEqual(['z', [['c', D(3)]]]);
    expect(t.run('ZMPOP', 1, 'z', 'MAX')).toBe(NULL_ARRAY);
    expect(t.effects.slice(1)).toEqual([
      ['ZPOPMIN', 'z', '2'],
      ['ZPOPMAX', 'z', '1'],
    ]);
    expect(t.events).toEqual(['z:zadd:z', 'z:zpopmin:z', 'z:zpopmax:z', 'g:del:z']);
  });

  it('ZMPOP argument errors', () => {
    const t = setup();
    t.run('ZADD', 'z', 1, 'a');
    failsUnchanged(t, 'z', ['ZMPOP', 0, 'z', 'MIN'], 'ERR numkeys should be greater than 0');
    failsUnchanged(t, 'z', ['ZMPOP', 'x', 'z', 'MIN'], 'ERR numkeys should be greater than 0');
    failsUnchanged(t, 'z', ['ZMPOP', 2, 'z', 'MIN'], 'ERR syntax error');
    failsUnchanged(t, 'z', ['ZMPOP', 1, 'z', 'FOO'], 'ERR syntax error');
    failsUnchanged(t, 'z', ['ZMPOP', 1, 'z', 'MIN', 'COUNT', 0], 'ERR count should be greater than 0');
    failsUnchanged(t, 'z', ['ZMPOP', 1, 'z', 'MIN', 'COUNT', 'x'], 'ERR count should be greater than 0');
    failsUnchanged(t, 'z', ['ZMPOP', 1, 'z', 'MIN', 'COUNT', 1, 'COUNT', 1], 'ERR syntax error');
    failsUnchanged(t, 'z', ['ZMPOP', 1, 'z', 'MIN', 'COUNT'], 'ERR syntax error');
    t.db.add('str', 'v');
    expect(errText(t.run('ZMPOP', 2, 'str', 'z', 'MIN'))).toBe(WRONGTYPE);
    expect(t.run('ZCARD', 'z')).toBe(1);
  });
});

describe('ZRANDMEMBER', () => {
  it('answers random members, unique for positive counts', () => {
    const t = setup();
    t.run('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c');
    expect(['a', 'b', 'c']).toContain(t.run('ZRANDMEMBER', 'z'));
    expect(t.run('ZRANDMEMBER', 'nokey')).toBe(null);
    expect(t.run('ZRANDMEMBER', 'nokey', 3)).toEqual([]);
    expect(t.run('ZRANDMEMBER', 'z', 0)).toEqual([]);
    // The whole set, highest score first (Redis walks sorted sets backwards).
    expect(t.run('ZRANDMEMBER', 'z', 5, 'WITHSCORES')).toEqual(['c', D(3), 'b', D(2), 'a', D(1)]);
    const two = t.run('ZRANDMEMBER', 'z', 2) as string[];
    expect(new Set(two).size).toBe(2);
    const many = t.run('ZRANDMEMBER', 'z', -20) as string[];
    expect(many.length).toBe(20);
    for (const m of many) expect(['a', 'b', 'c']).toContain(m);
    t.resp3();
    const pairs = t.run('ZRANDMEMBER', 'z', -2, 'WITHSCORES') as [string, Double][];
    expect(pairs.length).toBe(2);
    for (const [m, s] of pairs) expect(t.run('ZSCORE', 'z', m)).toEqual(s);
    expect(t.effects.length).toBe(1); // read-only
  });

  it('samples unique members of a large (skiplist) set', () => {
    const t = setup();
    const args: (string | number)[] = [];
    for (let i = 0; i < 300; i++) args.push(i, `m${i}`);
    t.run('ZADD', 'z', ...args);
    for (const n of [10, 150, 299]) {
      const r = t.run('ZRANDMEMBER', 'z', n, 'WITHSCORES') as Reply[];
      expect(r.length).toBe(2 * n);
      const ms = new Set<string>();
      for (let i = 0; i < r.length; i += 2) {
        ms.add(r[i] as string);
        expect(r[i + 1]).toEqual(D(Number((r[i] as string).slice(1))));
      }
      expect(ms.size).toBe(n);
    }
  });

  it('argument errors', () => {
    const t = setup();
    t.run('ZADD', 'z', 1, 'a');
    const e = (...argv: (string | number)[]) => errText(t.run(...argv));
    expect(e('ZRANDMEMBER', 'z', 'x')).toBe('ERR value is not an integer or out of range');
    expect(e('ZRANDMEMBER', 'z', 1, 'foo')).toBe('ERR syntax error');
    expect(e('ZRANDMEMBER', 'z', 1, 'WITHSCORES', 'x')).toBe('ERR syntax error');
    expect(e('ZRANDMEMBER', 'z', '-9223372036854775808')).toBe(
      'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
    );
    expect(e('ZRANDMEMBER', 'z', '-9223372036854770000', 'WITHSCORES')).toBe('ERR value is out of range');
    expect(e('ZRANDMEMBER', 'z', '4611686018427387904', 'WITHSCORES')).toBe('ERR value is out of range');
    t.db.add('str', 'v');
    expect(e('ZRANDMEMBER', 'str')).toBe(WRONGTYPE);
    expect(e('ZRANDMEMBER', 'str', 1)).toBe(WRONGTYPE);
  });
});

describe('ZUNION / ZINTER / ZDIFF and their STORE forms', () => {
  function seeded() {
    const t = setup();
    t.run('ZADD', 'z1', 1, 'a', 2, 'b', 3, 'c');
    t.run('ZADD', 'z2', 4, 'b', 5, 'c', 6, 'd');
    return t;
  }

  it('computes unions with weights and aggregates', () => {
    const t = seeded();
    expect(t.run('ZUNION', 2, 'z1', 'z2', 'WITHSCORES')).toEqual(['a', D(1), 'b', D(6), 'd', D(6), 'c', D(8)]);
    expect(t.run('ZUNION', 2, 'z1', 'z2')).toEqual(['a', 'b', 'd', 'c']);
    expect(t.run('ZUNION', 2, 'z1', 'z2', 'WEIGHTS', 2, 0.5, 'WITHSCORES')).toEqual(['a', D(2), 'd', D(3), 'b', D(6), 'c', D(8.5)]);
    expect(t.run('ZUNION', 2, 'z1', 'z2', 'AGGREGATE', 'MIN', 'WITHSCORES')).toEqual(['a', D(1), 'b', D(2), 'c', D(3), 'd', D(6)]);
    expect(t.run('ZUNION', 2, 'z1', 'z2', 'aggregate', 'max', 'WITHSCORES')).toEqual(['a', D(1), 'b', D(4), 'c', D(5), 'd', D(6)]);
    expect(t.run('ZUNION', 2, 'z1', 'nokey', 'WITHSCORES')).toEqual(['a', D(1), 'b', D(2), 'c', D(3)]);
  });

  it('computes intersections, also of a key with itself', () => {
    const t = seeded();
    expect(t.run('ZINTER', 2, 'z1', 'z2', 'WITHSCORES')).toEqual(['b', D(6), 'c', D(8)]);
    expect(t.run('ZINTER', 2, 'z1', 'z1', 'WEIGHTS', 1, 2, 'WITHSCORES')).toEqual(['a', D(3), 'b', D(6), 'c', D(9)]);
    expect(t.run('ZINTER', 2, 'z1', 'nokey')).toEqual([]);
    expect(t.run('ZINTERCARD', 2, 'z1', 'z2')).toBe(2);
    expect(t.run('ZINTERCARD', 2, 'z1', 'z2', 'LIMIT', 1)).toBe(1);
    expect(t.run('ZINTERCARD', 2, 'z1', 'z2', 'LIMIT', 0)).toBe(2);
  });

  it('computes differences with either algorithm', () => {
    const t = seeded();
    expect(t.run('ZDIFF', 2, 'z1', 'z2', 'WITHSCORES')).toEqual(['a', D(1)]);
    expect(t.run('ZDIFF', 2, 'z2', 'z1')).toEqual(['d']);
    expect(t.run('ZDIFF', 2, 'z1', 'z1')).toEqual([]);
    expect(t.run('ZDIFF', 1, 'z1')).toEqual(['a', 'b', 'c']);
    expect(t.run('ZDIFF', 2, 'nokey', 'z1')).toEqual([]);
    // A small first set against big ones picks algorithm 2 (copy then remove).
    const args: (string | number)[] = [];
    for (let i = 0; i < 50; i++) args.push(i, `m${i}`);
    t.run('ZADD', 'big', ...args);
    t.run('ZADD', 'small', 1, 'm1', 2, 'x', 3, 'm3');
    expect(t.run('ZDIFF', 4, 'small', 'z1', 'big', 'z2', 'WITHSCORES')).toEqual(['x', D(2)]);
    expect(t.run('ZDIFF', 2, 'big', 'small')).toHaveLength(48);
  });

  it('treats plain sets as members with score 1', () => {
    const t = seeded();
    expect(t.run('SADD', 's', 'a', 'd', 'x')).toBe(3);
    expect(t.run('ZUNION', 2, 'z1', 's', 'WITHSCORES')).toEqual(['d', D(1), 'x', D(1), 'a', D(2), 'b', D(2), 'c', D(3)]);
    expect(t.run('ZINTER', 2, 'z2', 's', 'WITHSCORES')).toEqual(['d', D(7)]);
    expect(t.run('ZDIFF', 2, 's', 'z1', 'WITHSCORES')).toEqual(['d', D(1), 'x', D(1)]);
    expect(t.run('ZINTERCARD', 2, 's', 'z2')).toBe(1);
  });

  it('sums inf and -inf to 0 and keeps NaN products out', () => {
    const t = setup();
    t.run('ZADD', 'i', 'inf', 'a');
    expect(t.run('ZUNION', 2, 'i', 'i', 'WEIGHTS', 1, -1, 'WITHSCORES')).toEqual(['a', D(0)]);
    expect(t.run('ZUNION', 1, 'i', 'WEIGHTS', 0, 'WITHSCORES')).toEqual(['a', D(0)]);
  });

  it('answers RESP3 pairs', () => {
    const t = seeded();
    t.resp3();
    expect(t.run('ZINTER', 2, 'z1', 'z2', 'WITHSCORES')).toEqual([
      ['b', D(6)],
      ['c', D(8)],
    ]);
  });

  it('stores results, deleting the destination when empty', () => {
    const t = seeded();
    expect(t.run('ZUNIONSTORE', 'out', 2, 'z1', 'z2', 'WEIGHTS', 1, 2)).toBe(4);
    expect(t.all('out')).toEqual(['a', D(1), 'b', D(10), 'd', D(12), 'c', D(13)]);
    expect(t.run('ZINTERSTORE', 'out', 2, 'z1', 'z2', 'AGGREGATE', 'MAX')).toBe(2);
    expect(t.all('out')).toEqual(['b', D(4), 'c', D(5)]);
    expect(t.run('ZDIFFSTORE', 'out', 2, 'z2', 'z1')).toBe(1);
    expect(t.all('out')).toEqual(['d', D(6)]);
    expect(t.run('ZINTERSTORE', 'out', 2, 'z1', 'nokey')).toBe(0);
    expect(t.db.exists('out')).toBe(false);
    expect(t.run('ZUNIONSTORE', 'out', 1, 'nokey')).toBe(0);
    // The destination can be one of the inputs.
    expect(t.run('ZUNIONSTORE', 'z1', 2, 'z1', 'z2')).toBe(4);
    expect(t.events.filter((e) => !e.startsWith('z:zadd'))).toEqual([
      'z:zunionstore:out',
      'z:zinterstore:out',
      'z:zdiffstore:out',
      'g:del:out',
      'z:zunionstore:z1',
    ]);
  });

  it('argument errors and wrong types', () => {
    const t = seeded();
    const e = (...argv: (string | number)[]) => errText(t.run(...argv));
    expect(e('ZUNION', 0, 'z1')).toBe("ERR at least 1 input key is needed for 'zunion' command");
    expect(e('ZINTERSTORE', 'o', -1, 'z1')).toBe("ERR at least 1 input key is needed for 'zinterstore' command");
    expect(e('ZINTERCARD', 0, 'z1')).toBe("ERR at least 1 input key is needed for 'zintercard' command");
    expect(e('ZUNION', 'x', 'z1')).toBe('ERR value is not an integer or out of range');
    expect(e('ZUNION', 3, 'z1', 'z2')).toBe('ERR syntax error');
    expect(e('ZUNION', 2, 'z1', 'z2', 'WEIGHTS', 1)).toBe('ERR syntax error');
    expect(e('ZUNION', 2, 'z1', 'z2', 'WEIGHTS', 1, 'x')).toBe('ERR weight value is not a float');
    expect(e('ZUNION', 2, 'z1', 'z2', 'AGGREGATE', 'AVG')).toBe('ERR syntax error');
    expect(e('ZDIFF', 2, 'z1', 'z2', 'WEIGHTS', 1, 1)).toBe('ERR syntax error');
    expect(e('ZUNIONSTORE', 'o', 2, 'z1', 'z2', 'WITHSCORES')).toBe('ERR syntax error');
    expect(e('ZINTERCARD', 2, 'z1', 'z2', 'LIMIT', -1)).toBe("ERR LIMIT can't be negative");
    expect(e('ZINTERCARD', 2, 'z1', 'z2', 'LIMIT', 'x')).toBe("ERR LIMIT can't be negative");
    expect(e('ZINTERCARD', 2, 'z1', 'z2', 'WITHSCORES')).toBe('ERR syntax error');
    t.db.add('str', 'v');
    expect(e('ZUNION', 2, 'z1', 'str')).toBe(WRONGTYPE);
    expect(e('ZINTERSTORE', 'z1', 2, 'z2', 'str')).toBe(WRONGTYPE);
    expect(t.all('z1')).toEqual(['a', D(1), 'b', D(2), 'c', D(3)]);
    expect(t.db.exists('o')).toBe(false);
  });

  it('declares movable keys', () => {
    const t = seeded();
    expect(t.run('ZUNIONSTORE', 'o', 2, 'z1', 'z2')).toBe(4);
    expect(keyIndexes(commands.get('zunionstore')!, ['zunionstore', 'o', '2', 'a', 'b', 'WEIGHTS', '1', '2'])).toEqual([1, 3, 4]);
    expect(keyIndexes(commands.get('zinter')!, ['zinter', '2', 'a', 'b'])).toEqual([2, 3]);
    expect(keyIndexes(commands.get('zmpop')!, ['zmpop', '1', 'a', 'MIN'])).toEqual([2]);
    expect(keyIndexes(commands.get('zrangestore')!, ['zrangestore', 'd', 's', '0', '1'])).toEqual([1, 2]);
  });
});

describe('ZSCAN', () => {
  it('returns a listpack whole, with scores as text', () => {
    const t = setup();
    t.run('ZADD', 'z', 1, 'a', 2.5, 'b', 3, 'ab');
    expect(t.run('ZSCAN', 'z', 0)).toEqual(['0', ['a', '1', 'b', '2.5', 'ab', '3']]);
    expect(t.run('ZSCAN', 'z', 0, 'MATCH', 'a*')).toEqual(['0', ['a', '1', 'ab', '3']]);
    expect(t.run('ZSCAN', 'nokey', 0)).toEqual(['0', []]);
  });

  it('walks a skiplist set with a cursor, visiting every member', () => {
    const t = setup();
    const args: (string | number)[] = [];
    for (let i = 0; i < 500; i++) args.push(i + 0.1, `m${i}`);
    t.run('ZADD', 'z', ...args);
    const seen = new Map<string, string>();
    let cursor = '0';
    do {
      const [next, items] = t.run('ZSCAN', 'z', cursor, 'COUNT', 20) as [string, string[]];
      for (let i = 0; i < items.length; i += 2) seen.set(items[i]!, items[i + 1]!);
      cursor = next;
    } while (cursor !== '0');
    expect(seen.size).toBe(500);
    // Skiplist scores are printed with %.17g, as Redis's ZSCAN does.
    expect(seen.get('m0')).toBe('0.10000000000000001');
    expect(seen.get('m10')).toBe('10.1');
  });

  it('argument errors', () => {
    const t = setup();
    t.run('ZADD', 'z', 1, 'a');
    expect(errText(t.run('ZSCAN', 'z', 'x'))).toBe('ERR invalid cursor');
    expect(errText(t.run('ZSCAN', 'z', 0, 'COUNT', 0))).toBe('ERR syntax error');
    expect(errText(t.run('ZSCAN', 'z', 0, 'FOO', 1))).toBe('ERR syntax error');
    t.db.add('str', 'v');
    expect(errText(t.run('ZSCAN', 'str', 0))).toBe(WRONGTYPE);
    expect(errText(t.run('ZSCAN', 'str', 0, 'COUNT', 0))).toBe(WRONGTYPE);
  });
});

describe('formatG17', () => {
  it('prints like %.17g', () => {
    expect(formatG17(0.1)).toBe('0.10000000000000001');
    expect(formatG17(1)).toBe('1');
    expect(formatG17(-2.5)).toBe('-2.5');
    expect(formatG17(1e17)).toBe('1e+17');
    expect(formatG17(12345678901234567)).toBe('12345678901234568');
    expect(formatG17(0.0001)).toBe('0.0001');
    expect(formatG17(0.00001)).toBe('1.0000000000000001e-05');
    expect(formatG17(1e300)).toBe('1.0000000000000001e+300');
    expect(formatG17(Infinity)).toBe('inf');
    expect(formatG17(-0)).toBe('-0');
  });
});

describe('MULTI and WATCH', () => {
  it('touches watched keys only on changes', () => {
    const t = setup();
    t.run('ZADD', 'z', 1, 'a');
    t.run('WATCH', 'z');
    t.run('ZADD', 'z', 'NX', 5, 'a'); // no change
    t.run('ZREM', 'z', 'nosuch');
    t.run('MULTI');
    t.run('ZCARD', 'z');
    expect(t.run('EXEC')).toEqual([1]);
    t.run('WATCH', 'z');
    t.run('ZINCRBY', 'z', 1, 'a');
    t.run('MULTI');
    t.run('ZCARD', 'z');
    expect(t.run('EXEC')).toBe(NULL_ARRAY);
  });
});
