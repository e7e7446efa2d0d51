import { describe, expect, it } from 'vitest';
import { testEngine } from '../../test/util.ts';
import { ErrorReply } from '../errors.ts';
import type { Effect } from '../engine/shard.ts';
import { commands, keyIndexes } from './table.ts';
import { sortScore } from './sort.ts';

function setup() {
  const t = testEngine();
  const effects: Effect[][] = [];
  t.engine.onEffects((g) => effects.push(g));
  const events: string[] = [];
  t.shard.onNotify = (db, cls, ev, key) => events.push(`${db}:${cls}:${ev}:${key}`);
  return { ...t, effects, events };
}

const err = (m: string) => new ErrorReply(m);
const SCORE_ERR = err("ERR One or more scores can't be converted into double");

/** A list l = 3 1 2 10 -5 1.5 with weights w_* and hashes h_*. */
function fixture() {
  const t = setup();
  const { run } = t;
  run('RPUSH', 'l', '3', '1', '2', '10', '-5', '1.5');
  run('MSET', 'w_3', '30', 'w_1', '10', 'w_2', '5', 'w_10', '-1');
  run('HSET', 'h_3', 'f', 'c');
  run('HSET', 'h_1', 'f', 'a');
  run('HSET', 'h_2', 'f', 'b');
  run('HSET', 'h_10', 'g', 'z');
  t.effects.length = 0;
  t.events.length = 0;
  return t;
}

describe('SORT numeric and ALPHA', () => {
  it('sorts numbers, ASC/DESC, ALPHA', () => {
    const { run } = fixture();
    expect(run('SORT', 'l')).toEqual(['-5', '1', '1.5', '2', '3', '10']);
    expect(run('SORT', 'l', 'DESC')).toEqual(['10', '3', '2', '1.5', '1', '-5']);
    expect(run('SORT', 'l', 'ALPHA')).toEqual(['-5', '1', '1.5', '10', '2', '3']);
    expect(run('SORT', 'l', 'alpha', 'desc')).toEqual(['3', '2', '10', '1.5', '1', '-5']);
    expect(run('SORT', 'l', 'DESC', 'ASC')).toEqual(['-5', '1', '1.5', '2', '3', '10']);
  });

  it('equal scores order by the element bytes', () => {
    const { run } = setup();
    run('RPUSH', 't', '1.0', '1', '01', '2');
    expect(run('SORT', 't')).toEqual(['01', '1', '1.0', '2']);
    expect(run('SORT', 't', 'DESC')).toEqual(['2', '1.0', '1', '01']);
  });

  it('parses scores like strtod', () => {
    const { run } = setup();
    run('RPUSH', 'e', '', '-inf', ' 3', '0x10', 'inf', '1.', '.5', '1e2');
    expect(run('SORT', 'e')).toEqual(['-inf', '', '.5', '1.', ' 3', '0x10', '1e2', 'inf']);
    for (const bad of ['x', '3 ', 'nan', '1e400', '1e-310', '0x', '1e']) {
      run('DEL', 'b');
      run('RPUSH', 'b', '1', bad);
      expect(run('SORT', 'b')).toEqual(SCORE_ERR);
    }
    expect(sortScore('0x1.8p1')).toBe(3);
    expect(sortScore('-Infinity')).toBe(-Infinity);
    expect(sortScore('12\0junk')).toBe(12);
    expect(sortScore('\t\n7')).toBe(7);
    expect(sortScore('0e500')).toBe(0);
  });

  it('LIMIT', () => {
    const { run } = fixture();
    expect(run('SORT', 'l', 'LIMIT', 1, 2)).toEqual(['1', '1.5']);
    expect(run('SORT', 'l', 'LIMIT', -1, 2)).toEqual(['-5', '1']);
    expect(run('SORT', 'l', 'LIMIT', 2, -1)).toEqual(['1.5', '2', '3', '10']);
    expect(run('SORT', 'l', 'LIMIT', 10, 2)).toEqual([]);
    expect(run('SORT', 'l', 'LIMIT', 5, 100)).toEqual(['10']);
    expect(run('SORT', 'l', 'LIMIT', 0, 0)).toEqual([]);
    expect(run('SORT', 'l', 'LIMIT', 0, -5, 'ALPHA')).toEqual(['-5', '1', '1.5', '10', '2', '3']);
  });
});

describe('SORT BY', () => {
  it('BY nosort keeps list order, reversed by DESC, with LIMIT', () => {
    const { run } = fixture();
    expect(run('SORT', 'l', 'BY', 'nosort')).toEqual(['3', '1', '2', '10', '-5', '1.5']);
    expect(run('SORT', 'l', 'BY', 'nosort', 'DESC')).toEqual(['1.5', '-5', '10', '2', '1', '3']);
    expect(run('SORT', 'l', 'BY', 'nosort', 'LIMIT', 1, 2)).toEqual(['1', '2']);
    expect(run('SORT', 'l', 'BY', 'nosort', 'DESC', 'LIMIT', 1, 2)).toEqual(['-5', '10']);
    expect(run('SORT', 'l', 'BY', 'nosort', 'DESC', 'LIMIT', 5, 3)).toEqual(['3']);
    expect(run('SORT', 'l', 'BY', 'nosort', 'LIMIT', 6, 1)).toEqual([]);
    expect(run('SORT', 'l', 'BY', 'nosort', 'LIMIT', 0, 0)).toEqual([]);
  });

  it('a constant BY stays in force even after a BY pattern', () => {
    const { run } = fixture();
    expect(run('SORT', 'l', 'BY', 'nosort', 'BY', 'w_*')).toEqual(['3', '1', '2', '10', '-5', '1.5']);
    expect(run('SORT', 'l', 'BY', 'w_*', 'BY', 'nosort')).toEqual(['3', '1', '2', '10', '-5', '1.5']);
  });

  it('BY nosort on a sorted set keeps rank order and takes the LIMIT range', () => {
    const { run } = setup();
    run('ZADD', 'z', 1, 'c', 2, 'a', 3, 'b', 0, 'd');
    expect(run('SORT', 'z', 'ALPHA')).toEqual(['a', 'b', 'c', 'd']);
    expect(run('SORT', 'z', 'BY', 'nosort')).toEqual(['d', 'c', 'a', 'b']);
    expect(run('SORT', 'z', 'BY', 'nosort', 'DESC')).toEqual(['b', 'a', 'c', 'd']);
    expect(run('SORT', 'z', 'BY', 'nosort', 'LIMIT', 1, 2)).toEqual(['c', 'a']);
    expect(run('SORT', 'z', 'BY', 'nosort', 'DESC', 'LIMIT', 1, 2)).toEqual(['a', 'c']);
    expect(run('SORT', 'z', 'BY', 'nosort', 'DESC', 'LIMIT', 3, 5)).toEqual(['d']);
    expect(run('SORT', 'z', 'BY', 'nosort', 'LIMIT', 10, 5)).toEqual([]);
    // Without BY nosort the members are sorted as numbers, not by score.
    run('ZADD', 'zn', 1, '30', 2, '10', 3, '20');
    expect(run('SORT', 'zn')).toEqual(['10', '20', '30']);
    expect(run('SORT', 'zn', 'BY', 'nosort')).toEqual(['30', '10', '20']);
  });

  it('sorting a sorted set converts it to skiplist, as Redis 7.2', () => {
    const { run } = setup();
    run('ZADD', 'z', 1, 'a');
    expect(run('OBJECT', 'ENCODING', 'z')).toBe('listpack');
    run('SORT_RO', 'z', 'ALPHA');
    expect(run('OBJECT', 'ENCODING', 'z')).toBe('skiplist');
  });

  it('BY pattern: string keys and hash fields; missing weights count as 0', () => {
    const { run } = fixture();
    // 1.5 and -5 have no weight (0): ordered by their bytes among the zeros.
    expect(run('SORT', 'l', 'BY', 'w_*')).toEqual(['10', '-5', '1.5', '2', '1', '3']);
    expect(run('SORT', 'l', 'BY', 'w_*', 'DESC')).toEqual(['3', '1', '2', '1.5', '-5', '10']);
    expect(run('SORT', 'l', 'BY', 'w_*', 'ALPHA')).toEqual(['-5', '1.5', '10', '1', '3', '2']);
    expect(run('SORT', 'l', 'BY', 'w_*', 'LIMIT', 1, 3)).toEqual(['-5', '1.5', '2']);
    expect(run('SORT', 'l', 'BY', 'h_*->f', 'ALPHA')).toEqual(['10', '-5', '1.5', '1', '2', '3']);
    expect(run('SORT', 'l', 'BY', 'h_*->f', 'ALPHA', 'DESC')).toEqual(['3', '2', '1', '10', '-5', '1.5']);
    expect(run('SORT', 'l', 'BY', 'h_*->f')).toEqual(SCORE_ERR);
  });

  it("BY with LIMIT sorts a part as Redis's pqsort, which orders ties its own way", () => {
    const { run } = setup();
    run('RPUSH', 'l', ...Array.from({ length: 50 }, (_, i) => `e${i}`));
    run('SET', 'w_e3', 'b');
    run('SET', 'w_e10', 'a');
    // Missing weights tie (ALPHA BY): redis-server's answers.
    expect(run('SORT', 'l', 'BY', 'w_*', 'ALPHA', 'LIMIT', 2, 5)).toEqual(['e2', 'e48', 'e0', 'e4', 'e5']);
    expect(run('SORT', 'l', 'BY', 'w_*', 'ALPHA', 'DESC', 'LIMIT', 0, 4)).toEqual(['e3', 'e10', 'e2', 'e4']);
    expect(run('SORT', 'l', 'BY', 'w_*', 'ALPHA', 'LIMIT', 45, 10)).toEqual(['e45', 'e46', 'e47', 'e10', 'e3']);
  });

  it('a BY key of the wrong type is missing', () => {
    const { run } = setup();
    run('RPUSH', 'l', '2', '1');
    run('RPUSH', 'w_1', 'x');
    run('SET', 'w_2', '-1');
    run('SET', 'h_2', 'str');
    expect(run('SORT', 'l', 'BY', 'w_*')).toEqual(['2', '1']);
    expect(run('SORT', 'l', 'BY', 'h_*->f', 'GET', 'h_*->f', 'GET', 'w_*')).toEqual([null, null, null, '-1']);
  });

  it('reads string values that are mutable buffers', () => {
    const { run } = setup();
    run('RPUSH', 'l', 'a', 'b');
    run('SETRANGE', 'w_a', 0, '9');
    run('SET', 'w_b', '5');
    expect(run('SORT', 'l', 'BY', 'w_*', 'GET', 'w_*')).toEqual(['5', '9']);
  });
});

describe('SORT GET', () => {
  it('GET patterns, # and hash fields', () => {
    const { run } = fixture();
    expect(run('SORT', 'l', 'BY', 'w_*', 'GET', '#')).toEqual(['10', '-5', '1.5', '2', '1', '3']);
    expect(run('SORT', 'l', 'BY', 'w_*', 'GET', '#', 'GET', 'w_*', 'LIMIT', 3, 3)).toEqual([
      '2',
      '5',
      '1',
      '10',
      '3',
      '30',
    ]);
    expect(run('SORT', 'l', 'GET', 'h_*->f', 'GET', 'h_*->', 'LIMIT', 1, 2)).toEqual(['a', null, null, null]);
    // A pattern without '*' looks nothing up.
    expect(run('SORT', 'l', 'GET', 'w_1', 'LIMIT', 0, 1)).toEqual([null]);
  });
});

describe('SORT on sets and missing keys', () => {
  it('sets', () => {
    const { run } = setup();
    run('SADD', 's', '5', '3', '9', '1');
    expect(run('SORT', 's')).toEqual(['1', '3', '5', '9']);
    expect(run('SORT', 's', 'DESC', 'LIMIT', 1, 2)).toEqual(['5', '3']);
    run('SADD', 'sa', 'b', 'a', 'c');
    expect(run('SORT', 'sa')).toEqual(SCORE_ERR);
    expect(run('SORT', 'sa', 'ALPHA')).toEqual(['a', 'b', 'c']);
    expect((run('SORT', 'sa', 'BY', 'nosort') as string[]).sort()).toEqual(['a', 'b', 'c']);
  });

  it('a set stored with BY nosort is sorted ALPHA', () => {
    const { run } = setup();
    run('SADD', 's', 'b', 'c', 'a', '10');
    expect(run('SORT', 's', 'BY', 'nosort', 'STORE', 'd')).toBe(4);
    expect(run('LRANGE', 'd', 0, -1)).toEqual(['10', 'a', 'b', 'c']);
  });

  it('a missing key sorts as an empty list', () => {
    const { run } = setup();
    expect(run('SORT', 'nokey')).toEqual([]);
    expect(run('SORT', 'nokey', 'BY', 'nosort', 'DESC', 'LIMIT', 0, 3)).toEqual([]);
    expect(run('SORT', 'nokey', 'STORE', 'dst')).toBe(0);
    expect(run('EXISTS', 'dst')).toBe(0);
  });
});

describe('SORT STORE', () => {
  it('stores a list, replacing the destination and its TTL', () => {
    const { run, effects, events } = fixture();
    run('SET', 'dst', 'old', 'EX', 100);
    effects.length = 0;
    events.length = 0;
    expect(run('SORT', 'l', 'BY', 'w_*', 'STORE', 'dst')).toBe(6);
    expect(run('LRANGE', 'dst', 0, -1)).toEqual(['10', '-5', '1.5', '2', '1', '3']);
    expect(run('TTL', 'dst')).toBe(-1);
    expect(events).toEqual(['0:l:sortstore:dst']);
    expect(effects).toEqual([[{ db: 0, argv: ['SORT', 'l', 'BY', 'w_*', 'STORE', 'dst'] }]]);
  });

  it('GET values are stored, missing ones as empty strings; the count includes them', () => {
    const { run } = fixture();
    expect(run('SORT', 'l', 'GET', 'h_*->f', 'GET', '#', 'LIMIT', 0, 3, 'STORE', 'd2')).toBe(6);
    expect(run('LRANGE', 'd2', 0, -1)).toEqual(['', '-5', 'a', '1', '', '1.5']);
    expect(run('TYPE', 'd2')).toEqual(expect.objectContaining({ text: 'list' }));
  });

  it('an empty result deletes the destination', () => {
    const { run, effects, events } = fixture();
    run('SET', 'dst', 'x');
    effects.length = 0;
    events.length = 0;
    expect(run('SORT', 'l', 'LIMIT', 10, 1, 'STORE', 'dst')).toBe(0);
    expect(run('EXISTS', 'dst')).toBe(0);
    expect(events).toEqual(['0:g:del:dst']);
    expect(effects).toEqual([[{ db: 0, argv: ['SORT', 'l', 'LIMIT', '10', '1', 'STORE', 'dst'] }]]);
    expect(run('SORT', 'l', 'LIMIT', 10, 1, 'STORE', 'dst')).toBe(0);
    expect(effects.length).toBe(1);
  });

  it('the stored list encoding follows list-max-listpack-size', () => {
    const { run } = setup();
    const many = Array.from({ length: 200 }, (_, i) => 'x'.repeat(100) + i);
    run('RPUSH', 'l', ...many);
    run('SORT', 'l', 'ALPHA', 'STORE', 'big');
    expect(run('OBJECT', 'ENCODING', 'big')).toBe('quicklist');
    run('SORT', 'l', 'ALPHA', 'LIMIT', 0, 3, 'STORE', 'small');
    expect(run('OBJECT', 'ENCODING', 'small')).toBe('listpack');
  });

  it('ties a replay could order differently are replicated as the result itself', () => {
    const { run, effects } = setup();
    run('SADD', 's', 'a', 'b', 'c');
    run('SET', 'w_a', 'x');
    effects.length = 0;
    expect(run('SORT', 's', 'BY', 'w_*', 'ALPHA', 'STORE', 'd')).toBe(3);
    const stored = run('LRANGE', 'd', 0, -1) as string[];
    expect(stored[2]).toBe('a');
    expect(effects).toEqual([
      [
        { db: 0, argv: ['DEL', 'd'] },
        { db: 0, argv: ['RPUSH', 'd', ...stored] },
      ],
    ]);
  });

  it('SORT without STORE replicates nothing', () => {
    const { run, effects } = fixture();
    run('SORT', 'l', 'BY', 'w_*', 'GET', '#');
    expect(effects).toEqual([]);
  });
});

describe('SORT errors and SORT_RO', () => {
  it('syntax and type errors change nothing', () => {
    const { run } = fixture();
    run('SET', 's', 'str');
    run('SET', 'dst', 'keep');
    const syntax = err('ERR syntax error');
    expect(run('SORT', 's')).toEqual(err('WRONGTYPE Operation against a key holding the wrong kind of value'));
    expect(run('SORT', 'l', 'STORE')).toEqual(syntax);
    expect(run('SORT', 'l', 'LIMIT', 1)).toEqual(syntax);
    expect(run('SORT', 'l', 'BY')).toEqual(syntax);
    expect(run('SORT', 'l', 'GET')).toEqual(syntax);
    expect(run('SORT', 'l', 'foo', 'STORE', 'dst')).toEqual(syntax);
    expect(run('SORT', 'l', 'LIMIT', 'a', 1, 'STORE', 'dst')).toEqual(err('ERR value is not an integer or out of range'));
    expect(run('SORT', 'l', 'LIMIT', 0, '1.5')).toEqual(err('ERR value is not an integer or out of range'));
    run('RPUSH', 'bad', '1', 'x');
    expect(run('SORT', 'bad', 'STORE', 'dst')).toEqual(SCORE_ERR);
    expect(run('SORT')).toEqual(err("ERR wrong number of arguments for 'sort' command"));
    expect(run('SORT_RO')).toEqual(err("ERR wrong number of arguments for 'sort_ro' command"));
    expect(run('GET', 'dst')).toBe('keep');
    expect(run('LRANGE', 'l', 0, -1)).toEqual(['3', '1', '2', '10', '-5', '1.5']);
  });

  it('SORT_RO sorts but does not accept STORE', () => {
    const { run } = fixture();
    expect(run('SORT_RO', 'l', 'DESC', 'LIMIT', 0, 2)).toEqual(['10', '3']);
    expect(run('SORT_RO', 'l', 'STORE', 'x')).toEqual(err('ERR syntax error'));
    expect(run('EXISTS', 'x')).toBe(0);
  });

  it('key positions: the sorted key and the last STORE', () => {
    const sort = commands.get('sort')!;
    expect(keyIndexes(sort, ['SORT', 'l'])).toEqual([1]);
    expect(keyIndexes(sort, ['SORT', 'l', 'STORE', 'a', 'STORE', 'b'])).toEqual([1, 5]);
    expect(keyIndexes(sort, ['SORT', 'l', 'GET', 'store', 'LIMIT', '0', '1'])).toEqual([1]);
    expect(keyIndexes(sort, ['SORT', 'l', 'BY', 'x', 'STORE'])).toEqual([1]);
    expect(keyIndexes(commands.get('sort_ro')!, ['SORT_RO', 'l', 'STORE', 'x'])).toEqual([1]);
  });
});
