import { afterEach, describe, expect, it, vi } from 'vitest';
import { testEngine } from '../../test/util.ts';
import { ErrorReply } from '../errors.ts';
import { SetReply, type Reply } from '../reply.ts';
import { Dict } from '../types/dict.ts';
import { HASHTABLE, RSet } from '../types/set.ts';
import type { Effect } from '../engine/shard.ts';

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

function errText(r: Reply): string {
  expect(r).toBeInstanceOf(ErrorReply);
  return (r as ErrorReply).message;
}

function items(r: Reply): string[] {
  expect(r).toBeInstanceOf(SetReply);
  return (r as SetReply).items as string[];
}

const sorted = (a: string[]) => [...a].sort();

function setup() {
  const t = testEngine();
  const effects: string[][] = [];
  t.engine.onEffects((g: Effect[]) => {
    for (const e of g) effects.push(e.argv);
  });
  const events: string[] = [];
  t.shard.onNotify = (_db, cls, event, key) => events.push(`${cls}:${event}:${key}`);
  const smembers = (key: string) => items(t.run('SMEMBERS', key));
  const enc = (key: string) => (t.db.peek(key) as RSet).encoding();
  const range = (n: number, prefix = '') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  return { ...t, effects, events, smembers, enc, range };
}

describe('SADD / SREM / SISMEMBER / SMISMEMBER / SCARD / SMEMBERS', () => {
  it('adds, counts, removes, deletes the emptied key', () => {
    const { run, db, events, smembers } = setup();
    expect(run('SADD', 's', 'a', 'b', 'a')).toBe(2);
    expect(run('SADD', 's', 'b')).toBe(0);
    expect(run('SADD', 's', 'c')).toBe(1);
    expect(smembers('s')).toEqual(['a', 'b', 'c']);
    expect(run('SCARD', 's')).toBe(3);
    expect(run('SISMEMBER', 's', 'a')).toBe(1);
    expect(run('SISMEMBER', 's', 'z')).toBe(0);
    expect(run('SMISMEMBER', 's', 'a', 'z', 'c')).toEqual([1, 0, 1]);
    expect(run('SREM', 's', 'a', 'z', 'a')).toBe(1);
    expect(run('SREM', 's', 'z')).toBe(0);
    expect(run('SREM', 's', 'b', 'c', 'd')).toBe(2);
    expect(db.peek('s')).toBeUndefined();
    expect(events).toEqual(['s:sadd:s', 's:sadd:s', 's:srem:s', 's:srem:s', 'g:del:s']);
  });

  it('answers missing keys as empty sets', () => {
    const { run } = setup();
    expect(run('SCARD', 'no')).toBe(0);
    expect(run('SISMEMBER', 'no', 'a')).toBe(0);
    expect(run('SMISMEMBER', 'no', 'a', 'b')).toEqual([0, 0]);
    expect(run('SMEMBERS', 'no')).toEqual(new SetReply([]));
    expect(run('SREM', 'no', 'a')).toBe(0);
  });

  it('is binary safe', () => {
    const { run, smembers } = setup();
    const m = ['\x00', '\xff\xfe', 'a\r\nb', ''];
    expect(run('SADD', '\x00k', ...m)).toBe(4);
    expect(sorted(smembers('\x00k'))).toEqual(sorted(m));
    expect(run('SISMEMBER', '\x00k', '\xff\xfe')).toBe(1);
    expect(run('SISMEMBER', '\x00k', '\xff')).toBe(0);
  });

  it('WRONGTYPE everywhere, and the value is unchanged', () => {
    const { run, db } = setup();
    db.add('str', 'v');
    run('SADD', 's', 'a');
    for (const argv of [
      ['SADD', 'str', 'a'],
      ['SREM', 'str', 'a'],
      ['SISMEMBER', 'str', 'a'],
      ['SMISMEMBER', 'str', 'a'],
      ['SMEMBERS', 'str'],
      ['SCARD', 'str'],
      ['SPOP', 'str'],
      ['SPOP', 'str', '2'],
      ['SRANDMEMBER', 'str'],
      ['SRANDMEMBER', 'str', '2'],
      ['SMOVE', 'str', 's', 'a'],
      ['SMOVE', 's', 'str', 'a'],
      ['SINTER', 's', 'str'],
      ['SINTER', 'nokey', 'str'],
      ['SINTERCARD', '2', 's', 'str'],
      ['SINTERSTORE', 'd', 's', 'str'],
      ['SUNION', 's', 'str'],
      ['SUNIONSTORE', 'd', 'str'],
      ['SDIFF', 's', 'str'],
      ['SDIFF', 'nokey', 'str'],
      ['SDIFFSTORE', 'd', 's', 'str'],
      ['SSCAN', 'str', '0'],
    ]) {
      expect(errText(run(...argv)), argv.join(' ')).toBe(WRONGTYPE);
    }
    expect(db.peek('str')).toBe('v');
    expect(run('SISMEMBER', 's', 'a')).toBe(1);
    expect(db.peek('d')).toBeUndefined();
  });
});

describe('encodings', () => {
  it('intset while all integers, sorted ascending', () => {
    const { run, enc, smembers } = setup();
    run('SADD', 's', '3', '-10', '20', '1', '-2', '9223372036854775807', '-9223372036854775808');
    expect(enc('s')).toBe('intset');
    expect(smembers('s')).toEqual(['-9223372036854775808', '-10', '-2', '1', '3', '20', '9223372036854775807']);
  });

  it('non-canonical integers are strings', () => {
    const { run, enc } = setup();
    for (const m of ['01', '+1', '-0', ' 1', '1.0', '9223372036854775808']) {
      run('SADD', `s${m}`, m);
      expect(enc(`s${m}`), m).toBe('listpack');
    }
  });

  it('intset -> listpack (members in ascending order, then the new one)', () => {
    const { run, enc, smembers } = setup();
    run('SADD', 's', '3', '1', '2');
    run('SADD', 's', 'a');
    expect(enc('s')).toBe('listpack');
    expect(smembers('s')).toEqual(['1', '2', '3', 'a']);
    run('SREM', 's', '1');
    run('SADD', 's', 'b', '0');
    expect(smembers('s')).toEqual(['2', '3', 'a', 'b', '0']);
  });

  it('intset -> hashtable past set-max-intset-entries, or past the listpack limits', () => {
    const { run, enc, range } = setup();
    run('SADD', 'i', ...range(512));
    expect(enc('i')).toBe('intset');
    run('SADD', 'i', '512');
    expect(enc('i')).toBe('hashtable');
    // An intset holding more than set-max-listpack-entries cannot become a listpack.
    run('SADD', 'j', ...range(128));
    expect(enc('j')).toBe('intset');
    run('SADD', 'j', 'x');
    expect(enc('j')).toBe('hashtable');
    run('SADD', 'k', ...range(127));
    run('SADD', 'k', 'x');
    expect(enc('k')).toBe('listpack');
    run('SADD', 'l', '1');
    run('SADD', 'l', 'x'.repeat(65));
    expect(enc('l')).toBe('hashtable');
  });

  it('listpack -> hashtable past its limits, never back', () => {
    const { run, enc, range } = setup();
    run('SADD', 's', ...range(128, 'm'));
    expect(enc('s')).toBe('listpack');
    run('SADD', 's', 'x');
    expect(enc('s')).toBe('hashtable');
    run('SREM', 's', ...range(128, 'm'));
    expect(enc('s')).toBe('hashtable');
    run('SADD', 't', 'a');
    run('SADD', 't', 'x'.repeat(65));
    expect(enc('t')).toBe('hashtable');
  });

  it('size hints: many arguments at once convert up front (setTypeCreate / setTypeMaybeConvert)', () => {
    const { run, enc, range } = setup();
    run('SADD', 'a', 'x', ...range(128));
    expect(enc('a')).toBe('hashtable');
    run('SADD', 'b', ...range(129, 'm'));
    expect(enc('b')).toBe('hashtable');
    run('SADD', 'c', 'a');
    run('SADD', 'c', ...Array(129).fill('a'));
    expect(run('SCARD', 'c')).toBe(1);
    expect(enc('c')).toBe('hashtable');
    run('SADD', 'd', '1', 'a');
    expect(enc('d')).toBe('listpack');
  });

  it('follows CONFIG thresholds', () => {
    const { run, enc, shard } = setup();
    shard.setConfig('set-max-intset-entries', '2');
    run('SADD', 's', '1', '2');
    expect(enc('s')).toBe('intset');
    run('SADD', 's', '3');
    expect(enc('s')).toBe('hashtable');
  });
});

describe('SPOP', () => {
  it('without count: pops one member, propagates SREM, deletes the emptied key', () => {
    const { run, db, effects, events } = setup();
    run('SADD', 's', 'a', 'b');
    effects.length = 0;
    events.length = 0;
    const m1 = run('SPOP', 's') as string;
    const m2 = run('SPOP', 's') as string;
    expect(sorted([m1, m2])).toEqual(['a', 'b']);
    expect(db.peek('s')).toBeUndefined();
    expect(run('SPOP', 's')).toBe(null);
    expect(effects).toEqual([
      ['SREM', 's', m1],
      ['SREM', 's', m2],
    ]);
    expect(events).toEqual(['s:spop:s', 's:spop:s', 'g:del:s']);
  });

  it('with count: replies a set of distinct members and propagates SREMs', () => {
    for (const [size, count] of [
      [20, 3],
      [20, 18],
      [300, 10],
      [300, 290],
      [100, 50],
      [-500, 3],
      [-500, 490],
    ] as const) {
      const { run, range, smembers, effects } = setup();
      // A negative size stands for an intset of that many integers.
      const numbers = size < 0;
      const total = Math.abs(size);
      const key = numbers ? 'n' : 's';
      run('SADD', key, ...range(total, numbers ? '' : 'm'));
      effects.length = 0;
      const before = new Set(smembers(key));
      const popped = items(run('SPOP', key, count));
      expect(popped.length).toBe(count);
      expect(new Set(popped).size).toBe(count);
      const after = smembers(key);
      expect(after.length).toBe(total - count);
      for (const m of popped) expect(before.has(m)).toBe(true);
      for (const m of after) expect(popped.includes(m)).toBe(false);
      const removed = effects.flatMap((e) => {
        expect(e[0]).toBe('SREM');
        expect(e[1]).toBe(key);
        return e.slice(2);
      });
      expect(removed).toEqual(popped);
    }
  });

  it('with count >= size: replies everything, deletes the key, propagates DEL', () => {
    const { run, db, effects, events } = setup();
    run('SADD', 's', '3', '1', '2');
    effects.length = 0;
    events.length = 0;
    expect(items(run('SPOP', 's', 10))).toEqual(['1', '2', '3']);
    expect(db.peek('s')).toBeUndefined();
    expect(effects).toEqual([['DEL', 's']]);
    expect(events).toEqual(['s:spop:s', 'g:del:s']);
  });

  it('batches SREM effects by 1024', () => {
    const { run, effects, range } = setup();
    run('SADD', 's', ...range(5000, 'm'));
    effects.length = 0;
    run('SPOP', 's', 2500);
    expect(effects.map((e) => e.length - 2)).toEqual([1024, 1024, 452]);
  });

  it('keeps the TTL when popping most of the set', () => {
    const { run, db, range } = setup();
    run('SADD', 's', ...range(100, 'm'));
    db.setExpire('s', Date.now() + 100000);
    run('SPOP', 's', 95);
    expect(run('SCARD', 's')).toBe(5);
    expect(db.getExpire('s')).toBeGreaterThan(0);
  });

  it('count 0, missing keys, bad counts', () => {
    const { run, db } = setup();
    expect(run('SPOP', 'no', 3)).toEqual(new SetReply([]));
    run('SADD', 's', 'a');
    expect(run('SPOP', 's', 0)).toEqual(new SetReply([]));
    expect(errText(run('SPOP', 's', -1))).toBe('ERR value is out of range, must be positive');
    expect(errText(run('SPOP', 's', 'x'))).toBe('ERR value is out of range, must be positive');
    expect(errText(run('SPOP', 's', '1', '2'))).toBe('ERR syntax error');
    expect(db.peek('s')).toBeDefined();
    expect(run('SCARD', 's')).toBe(1);
  });
});

describe('SRANDMEMBER', () => {
  it('without count', () => {
    const { run } = setup();
    expect(run('SRANDMEMBER', 'no')).toBe(null);
    run('SADD', 's', 'a');
    expect(run('SRANDMEMBER', 's')).toBe('a');
  });

  it('positive counts: distinct members, at most the whole set', () => {
    for (const n of [5, 50, 100, 300]) {
      const { run, range } = setup();
      run('SADD', 's', ...range(n, n === 100 ? '' : 'm'));
      for (const count of [1, 2, Math.floor(n / 2), n - 1, n, n + 5]) {
        const r = run('SRANDMEMBER', 's', count) as string[];
        expect(Array.isArray(r)).toBe(true);
        expect(r.length).toBe(Math.min(n, count));
        expect(new Set(r).size).toBe(r.length);
      }
      expect(run('SCARD', 's')).toBe(n);
    }
  });

  it('negative counts repeat members', () => {
    const { run } = setup();
    run('SADD', 's', 'a', 'b');
    const r = run('SRANDMEMBER', 's', -100) as string[];
    expect(r.length).toBe(100);
    expect(new Set(r)).toEqual(new Set(['a', 'b']));
  });

  it('count 0, missing keys, bad counts', () => {
    const { run } = setup();
    expect(run('SRANDMEMBER', 'no', 5)).toEqual([]);
    run('SADD', 's', 'a');
    expect(run('SRANDMEMBER', 's', 0)).toEqual([]);
    expect(errText(run('SRANDMEMBER', 's', 'x'))).toBe('ERR value is not an integer or out of range');
    expect(errText(run('SRANDMEMBER', 's', '-9223372036854775808'))).toBe(
      'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
    );
    expect(errText(run('SRANDMEMBER', 's', '1', '2'))).toBe('ERR syntax error');
  });

  it('is fair (chi-square) on each encoding', () => {
    for (const members of [
      Array.from({ length: 20 }, (_, i) => String(i)),
      Array.from({ length: 20 }, (_, i) => `m${i}`),
      Array.from({ length: 200 }, (_, i) => `m${i}`),
    ]) {
      const { run } = setup();
      run('SADD', 's', ...members);
      const counts = new Map<string, number>();
      const draws = 20000;
      for (const m of run('SRANDMEMBER', 's', -draws) as string[]) counts.set(m, (counts.get(m) ?? 0) + 1);
      const exp = draws / members.length;
      let chi = 0;
      for (const m of members) chi += ((counts.get(m) ?? 0) - exp) ** 2 / exp;
      expect(chi).toBeLessThan(members.length * 2 + 40);
    }
  });
});

describe('cost of random access does not depend on the set size', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  // Counts Dict.randomIndex calls and asserts no full walk of any Dict happens.
  function measure(run: (...a: (string | number)[]) => Reply, argv: (string | number)[]): number {
    const walks = [
      vi.spyOn(Dict.prototype, 'forEach'),
      vi.spyOn(Dict.prototype, 'entries'),
      vi.spyOn(Dict.prototype, 'keyList'),
      vi.spyOn(Dict.prototype, 'scan'),
    ];
    const random = vi.spyOn(Dict.prototype, 'randomIndex');
    const r = run(...argv);
    expect(r).not.toBeInstanceOf(ErrorReply);
    for (const w of walks) expect(w, `${argv.join(' ')}`).not.toHaveBeenCalled();
    const n = random.mock.calls.length;
    vi.restoreAllMocks();
    return n;
  }

  it('SPOP / SRANDMEMBER on 1M members cost the same as on 1k', () => {
    const small = setup();
    const big = setup();
    for (const [t, n] of [
      [small, 1000],
      [big, 1_000_000],
    ] as const) {
      const s = new RSet(t.shard.config, HASHTABLE);
      for (let i = 0; i < n; i++) s.add(`m${i}`);
      t.db.add('s', s);
    }
    for (const argv of [
      ['SPOP', 's'],
      ['SPOP', 's', 10],
      ['SRANDMEMBER', 's'],
      ['SRANDMEMBER', 's', 10],
      ['SRANDMEMBER', 's', -50],
    ]) {
      const a = measure(small.run, argv);
      const b = measure(big.run, argv);
      expect(a).toBeGreaterThan(0);
      // Repeated picks are possible (distinct counts) but bounded: nowhere near the set size.
      expect(b, argv.join(' ')).toBeLessThanOrEqual(a + 20);
    }
    expect(big.run('SCARD', 's')).toBe(1_000_000 - 11);
  }, 60_000);
});

describe('SMOVE', () => {
  it('moves a member, creating and deleting keys, with notifications', () => {
    const { run, db, events, enc } = setup();
    run('SADD', 'src', 'a', 'b');
    events.length = 0;
    expect(run('SMOVE', 'src', 'dst', 'a')).toBe(1);
    expect(run('SMOVE', 'src', 'dst', 'a')).toBe(0);
    expect(run('SMOVE', 'src', 'dst', 'b')).toBe(1);
    expect(db.peek('src')).toBeUndefined();
    expect(sorted(items(run('SMEMBERS', 'dst')))).toEqual(['a', 'b']);
    expect(enc('dst')).toBe('listpack');
    expect(events).toEqual(['s:srem:src', 's:sadd:dst', 's:srem:src', 'g:del:src', 's:sadd:dst']);
    run('SADD', 'i', '1');
    expect(run('SMOVE', 'i', 'j', '1')).toBe(1);
    expect(enc('j')).toBe('intset');
  });

  it('member already in the destination: removed from the source only', () => {
    const { run, events } = setup();
    run('SADD', 'src', 'a', 'b');
    run('SADD', 'dst', 'a');
    events.length = 0;
    expect(run('SMOVE', 'src', 'dst', 'a')).toBe(1);
    expect(items(run('SMEMBERS', 'src'))).toEqual(['b']);
    expect(events).toEqual(['s:srem:src']);
  });

  it('same key, missing source, wrong types', () => {
    const { run, db } = setup();
    db.add('str', 'v');
    run('SADD', 's', 'a');
    expect(run('SMOVE', 's', 's', 'a')).toBe(1);
    expect(run('SMOVE', 's', 's', 'z')).toBe(0);
    expect(run('SMOVE', 'no', 'str', 'a')).toBe(0);
    expect(errText(run('SMOVE', 's', 'str', 'a'))).toBe(WRONGTYPE);
    expect(run('SISMEMBER', 's', 'a')).toBe(1);
  });
});

describe('SINTER / SINTERCARD / SINTERSTORE', () => {
  function sets() {
    const t = setup();
    t.run('SADD', 'a', '1', '2', '3', '4', 'x');
    t.run('SADD', 'b', '2', '3', 'x', 'y');
    t.run('SADD', 'c', '3', '2', '5');
    return t;
  }

  it('intersects, walking the smallest set first', () => {
    const { run } = sets();
    expect(sorted(items(run('SINTER', 'a', 'b')))).toEqual(['2', '3', 'x']);
    // c is an intset and the smallest: its ascending order drives the reply.
    expect(items(run('SINTER', 'a', 'b', 'c'))).toEqual(['2', '3']);
    expect(sorted(items(run('SINTER', 'a')))).toEqual(['1', '2', '3', '4', 'x']);
    expect(items(run('SINTER', 'a', 'a'))).toHaveLength(5);
    expect(run('SINTER', 'a', 'nokey')).toEqual(new SetReply([]));
  });

  it('SINTERCARD counts, with LIMIT', () => {
    const { run } = sets();
    expect(run('SINTERCARD', '2', 'a', 'b')).toBe(3);
    expect(run('SINTERCARD', '2', 'a', 'b', 'LIMIT', '2')).toBe(2);
    expect(run('SINTERCARD', '2', 'a', 'b', 'limit', '0')).toBe(3);
    expect(run('SINTERCARD', '2', 'a', 'nokey')).toBe(0);
    expect(run('SINTERCARD', '1', 'a')).toBe(5);
  });

  it('SINTERCARD argument errors', () => {
    const { run } = sets();
    expect(errText(run('SINTERCARD', '0', 'a'))).toBe('ERR numkeys should be greater than 0');
    expect(errText(run('SINTERCARD', 'x', 'a'))).toBe('ERR numkeys should be greater than 0');
    expect(errText(run('SINTERCARD', '2', 'a'))).toBe("ERR Number of keys can't be greater than number of args");
    expect(errText(run('SINTERCARD', '1', 'a', 'LIMIT', '-1'))).toBe("ERR LIMIT can't be negative");
    expect(errText(run('SINTERCARD', '1', 'a', 'LIMIT', 'x'))).toBe("ERR LIMIT can't be negative");
    expect(errText(run('SINTERCARD', '1', 'a', 'LIMIT'))).toBe('ERR syntax error');
    expect(errText(run('SINTERCARD', '1', 'a', 'FOO'))).toBe('ERR syntax error');
  });

  it('SINTERSTORE stores, replaces, or deletes the destination', () => {
    const { run, db, events, enc, smembers } = sets();
    db.add('d', 'old string');
    db.setExpire('d', Date.now() + 100000);
    events.length = 0;
    expect(run('SINTERSTORE', 'd', 'a', 'c')).toBe(2);
    expect(smembers('d')).toEqual(['2', '3']);
    expect(enc('d')).toBe('intset');
    expect(db.getExpire('d')).toBe(-1);
    expect(run('SINTERSTORE', 'd', 'a', 'b')).toBe(3);
    expect(enc('d')).toBe('listpack');
    expect(run('SINTERSTORE', 'd', 'a', 'nokey')).toBe(0);
    expect(db.peek('d')).toBeUndefined();
    expect(run('SINTERSTORE', 'd', 'a', 'nokey')).toBe(0);
    expect(events).toEqual(['s:sinterstore:d', 's:sinterstore:d', 'g:del:d']);
    // The destination may be a source.
    expect(run('SINTERSTORE', 'a', 'a', 'b')).toBe(3);
    expect(sorted(smembers('a'))).toEqual(['2', '3', 'x']);
  });

  it('SINTERSTORE result encoding: integers from a listpack become an intset', () => {
    const { run, enc } = setup();
    run('SADD', 'p', '1', '2', 'a');
    run('SADD', 'q', '1', '2', 'b');
    run('SINTERSTORE', 'd', 'p', 'q');
    expect(enc('d')).toBe('intset');
  });

  it('empty intersection deletes the destination', () => {
    const { run, db, events } = sets();
    run('SADD', 'd', 'z');
    events.length = 0;
    expect(run('SINTERSTORE', 'd', 'b', 'c', 'a', 'nope')).toBe(0);
    run('SADD', 'd', 'z');
    events.length = 0;
    run('SADD', 'e', 'q');
    events.length = 0;
    expect(run('SINTERSTORE', 'd', 'a', 'e')).toBe(0);
    expect(db.peek('d')).toBeUndefined();
    expect(events).toEqual(['g:del:d']);
  });
});

describe('SUNION / SDIFF and STORE', () => {
  function sets() {
    const t = setup();
    t.run('SADD', 'a', '1', '2', '3', '4', 'x');
    t.run('SADD', 'b', '2', '3', 'x', 'y');
    t.run('SADD', 'c', '3', '2', '5');
    return t;
  }

  it('SUNION', () => {
    const { run } = sets();
    expect(sorted(items(run('SUNION', 'a', 'b', 'c', 'nokey')))).toEqual(['1', '2', '3', '4', '5', 'x', 'y']);
    // All integers: the result is built as an intset, so it comes out ascending.
    expect(items(run('SUNION', 'c', 'nokey'))).toEqual(['2', '3', '5']);
    expect(run('SUNION', 'nokey')).toEqual(new SetReply([]));
  });

  it('SDIFF with both algorithms', () => {
    const { run, range } = sets();
    expect(sorted(items(run('SDIFF', 'a', 'b')))).toEqual(['1', '4']);
    expect(sorted(items(run('SDIFF', 'a', 'nokey', 'c')))).toEqual(['1', '4', 'x']);
    expect(items(run('SDIFF', 'a', 'a'))).toEqual([]);
    expect(items(run('SDIFF', 'a', 'b', 'a'))).toEqual([]);
    expect(items(run('SDIFF', 'nokey', 'a'))).toEqual([]);
    // Algorithm 2 (the first set is large compared to the others together).
    run('SADD', 'big', ...range(1000, 'm'));
    run('SADD', 'small', 'm1', 'm2', 'zz');
    expect(items(run('SDIFF', 'big', 'small', 'small', 'small'))).toHaveLength(998);
    expect(items(run('SDIFF', 'small', 'big'))).toEqual(['zz']);
  });

  it('STORE forms replace or delete the destination, with notifications', () => {
    const { run, db, events, smembers, enc } = sets();
    events.length = 0;
    expect(run('SUNIONSTORE', 'd', 'c', 'b')).toBe(5);
    expect(sorted(smembers('d'))).toEqual(['2', '3', '5', 'x', 'y']);
    expect(enc('d')).toBe('listpack');
    expect(run('SUNIONSTORE', 'i', 'c')).toBe(3);
    expect(enc('i')).toBe('intset');
    expect(run('SDIFFSTORE', 'd', 'a', 'b')).toBe(2);
    expect(smembers('d')).toEqual(['1', '4']);
    expect(enc('d')).toBe('intset');
    expect(run('SDIFFSTORE', 'd', 'a', 'a')).toBe(0);
    expect(db.peek('d')).toBeUndefined();
    expect(run('SUNIONSTORE', 'd', 'nokey')).toBe(0);
    expect(events).toEqual(['s:sunionstore:d', 's:sunionstore:i', 's:sdiffstore:d', 'g:del:d']);
    expect(run('SUNIONSTORE', 'a', 'a', 'c')).toBe(6);
  });

  it('propagates STORE commands verbatim', () => {
    const { run, effects } = sets();
    effects.length = 0;
    run('SUNIONSTORE', 'd', 'a', 'b');
    run('SDIFFSTORE', 'd', 'nokey');
    run('SDIFFSTORE', 'd', 'nokey');
    expect(effects).toEqual([
      ['SUNIONSTORE', 'd', 'a', 'b'],
      ['SDIFFSTORE', 'd', 'nokey'],
    ]);
  });
});

describe('SSCAN', () => {
  it('compact sets come whole with cursor 0; intsets ascending', () => {
    const { run } = setup();
    run('SADD', 'i', '3', '1', '2', '10');
    expect(run('SSCAN', 'i', '0')).toEqual(['0', ['1', '2', '3', '10']]);
    expect(run('SSCAN', 'i', '0', 'MATCH', '1*')).toEqual(['0', ['1', '10']]);
    run('SADD', 'l', 'b', 'a', 'ab');
    expect(run('SSCAN', 'l', '0', 'MATCH', 'a*', 'COUNT', '1')).toEqual(['0', ['a', 'ab']]);
    expect(run('SSCAN', 'no', '0')).toEqual(['0', []]);
  });

  it('hashtable sets iterate with a cursor', () => {
    const { run, range } = setup();
    run('SADD', 's', ...range(1000, 'm'));
    const seen = new Set<string>();
    let cursor = '0';
    do {
      const [next, got] = run('SSCAN', 's', cursor) as [string, string[]];
      for (const m of got) seen.add(m);
      cursor = next;
    } while (cursor !== '0');
    expect(seen.size).toBe(1000);
  });

  it('argument errors', () => {
    const { run } = setup();
    expect(errText(run('SSCAN', 'no', 'abc'))).toBe('ERR invalid cursor');
    expect(run('SSCAN', 'no', '0', 'COUNT', '0')).toEqual(['0', []]);
    run('SADD', 's', 'a');
    expect(errText(run('SSCAN', 's', '0', 'COUNT', '0'))).toBe('ERR syntax error');
    expect(errText(run('SSCAN', 's', '0', 'MATCH'))).toBe('ERR syntax error');
  });
});

describe('RESP3 shapes', () => {
  it('set replies stay SetReply whatever the protocol; SRANDMEMBER is an array', () => {
    const { run, session } = setup();
    session.resp = 3;
    run('SADD', 's', 'a');
    expect(run('SMEMBERS', 's')).toBeInstanceOf(SetReply);
    expect(run('SINTER', 's')).toBeInstanceOf(SetReply);
    expect(run('SUNION', 's')).toBeInstanceOf(SetReply);
    expect(run('SDIFF', 's')).toBeInstanceOf(SetReply);
    expect(run('SRANDMEMBER', 's', 2)).toEqual(['a']);
    expect(run('SPOP', 's', 2)).toEqual(new SetReply(['a']));
  });
});
