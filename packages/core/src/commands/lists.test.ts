import { describe, expect, it } from 'vitest';
import { testEngine } from '../../test/util.ts';
import { ErrorReply } from '../errors.ts';
import { NULL_ARRAY, OK } from '../reply.ts';
import { RList } from '../types/list.ts';
import { commands, keyIndexes } from './table.ts';
import type { Effect } from '../engine/shard.ts';
import { Ctx } from './context.ts';
import { moveElement, mpop, popFrom } from './lists.ts';

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const NOT_INT = 'ERR value is not an integer or out of range';
const SYNTAX = 'ERR syntax error';

function err(r: unknown): string {
  expect(r).toBeInstanceOf(ErrorReply);
  return (r as ErrorReply).message;
}

/** An engine plus recorders for effects and keyspace notifications. */
function setup(config: Record<string, number> = {}) {
  const t = testEngine({ config });
  const effects: string[][] = [];
  const events: string[] = [];
  t.engine.onEffects((g: Effect[]) => {
    for (const e of g) effects.push(e.argv);
  });
  t.shard.onNotify = (_db, cls, event, key) => events.push(`${cls}:${event}:${key}`);
  const range = (key: string) => t.run('LRANGE', key, 0, -1);
  const list = (key: string) => t.db.peek(key) as RList | undefined;
  return { ...t, effects, events, range, list };
}

describe('LPUSH / RPUSH / LPUSHX / RPUSHX', () => {
  it('push in order and reply with the new length', () => {
    const { run, range } = setup();
    expect(run('LPUSH', 'l', 'a', 'b', 'c')).toBe(3);
    expect(range('l')).toEqual(['c', 'b', 'a']);
    expect(run('RPUSH', 'l', 'x', 'y')).toBe(5);
    expect(range('l')).toEqual(['c', 'b', 'a', 'x', 'y']);
    expect(run('rpush', 'r', '1')).toBe(1);
  });

  it('X variants push only onto an existing list', () => {
    const { run, range, db } = setup();
    expect(run('LPUSHX', 'l', 'a')).toBe(0);
    expect(run('RPUSHX', 'l', 'a', 'b')).toBe(0);
    expect(db.exists('l')).toBe(false);
    run('RPUSH', 'l', 'm');
    expect(run('LPUSHX', 'l', 'a', 'b')).toBe(3);
    expect(run('RPUSHX', 'l', 'y', 'z')).toBe(5);
    expect(range('l')).toEqual(['b', 'a', 'm', 'y', 'z']);
  });

  it('keeps binary values intact', () => {
    const { run, range } = setup();
    const bin = '\x00\xff\r\n\x80';
    run('RPUSH', 'b', bin, '', '\x00');
    expect(range('b')).toEqual([bin, '', '\x00']);
    expect(run('LPOS', 'b', '')).toBe(1);
    expect(run('LINDEX', 'b', -1)).toBe('\x00');
    expect(run('LREM', 'b', 0, bin)).toBe(1);
    expect(range('b')).toEqual(['', '\x00']);
  });

  it('reject wrong types and arity', () => {
    const { run, db } = setup();
    db.add('s', 'v');
    for (const c of ['LPUSH', 'RPUSH', 'LPUSHX', 'RPUSHX']) {
      expect(err(run(c, 's', 'a'))).toBe(WRONGTYPE);
      expect(err(run(c, 's'))).toBe(`ERR wrong number of arguments for '${c.toLowerCase()}' command`);
    }
    expect(db.peek('s')).toBe('v');
  });

  it('notify and propagate verbatim', () => {
    const { run, events, effects } = setup();
    run('LPUSH', 'l', 'a');
    run('RPUSH', 'l', 'b');
    run('LPUSHX', 'nokey', 'b');
    expect(events).toEqual(['l:lpush:l', 'l:rpush:l']);
    expect(effects).toEqual([
      ['LPUSH', 'l', 'a'],
      ['RPUSH', 'l', 'b'],
    ]);
  });
});

describe('LPOP / RPOP', () => {
  it('pop one element, as a bulk string', () => {
    const { run, db, events } = setup();
    run('RPUSH', 'l', 'a', 'b', 'c');
    expect(run('LPOP', 'l')).toBe('a');
    expect(run('RPOP', 'l')).toBe('c');
    expect(run('RPOP', 'l')).toBe('b');
    expect(db.exists('l')).toBe(false);
    expect(events).toEqual(['l:rpush:l', 'l:lpop:l', 'l:rpop:l', 'l:rpop:l', 'g:del:l']);
  });

  it('pop with count, as an array in pop order', () => {
    const { run, range, db } = setup();
    run('RPUSH', 'l', 'a', 'b', 'c', 'd', 'e');
    expect(run('LPOP', 'l', 2)).toEqual(['a', 'b']);
    expect(run('RPOP', 'l', 2)).toEqual(['e', 'd']);
    expect(run('LPOP', 'l', 0)).toEqual([]);
    expect(range('l')).toEqual(['c']);
    expect(run('RPOP', 'l', 10)).toEqual(['c']);
    expect(db.exists('l')).toBe(false);
  });

  it('answer a missing key with null, or a null array when a count is given', () => {
    const { run } = setup();
    expect(run('LPOP', 'nokey')).toBe(null);
    expect(run('RPOP', 'nokey')).toBe(null);
    expect(run('LPOP', 'nokey', 1)).toBe(NULL_ARRAY);
    expect(run('RPOP', 'nokey', 0)).toBe(NULL_ARRAY);
  });

  it('accept LONG_MAX as a count (clamped to the length), reject 2^63', () => {
    const { run } = setup();
    const LONG_MAX = '9223372036854775807';
    expect(run('LPOP', 'nokey', LONG_MAX)).toBe(NULL_ARRAY);
    expect(run('RPOP', 'nokey', LONG_MAX)).toBe(NULL_ARRAY);
    expect(run('LMPOP', 1, 'nokey', 'LEFT', 'COUNT', LONG_MAX)).toBe(NULL_ARRAY);
    expect(run('LPOS', 'nokey', 'a', 'COUNT', LONG_MAX, 'MAXLEN', LONG_MAX)).toEqual([]);
    run('RPUSH', 'l', 'a', 'b', 'c');
    expect(run('LPOS', 'l', 'b', 'COUNT', LONG_MAX, 'MAXLEN', LONG_MAX)).toEqual([1]);
    expect(run('LPOP', 'l', LONG_MAX)).toEqual(['a', 'b', 'c']);
    run('RPUSH', 'l', 'a', 'b', 'c');
    expect(run('LMPOP', 1, 'l', 'RIGHT', 'COUNT', LONG_MAX)).toEqual(['l', ['c', 'b', 'a']]);
    expect(err(run('LPOP', 'nokey', '9223372036854775808'))).toBe('ERR value is out of range, must be positive');
    expect(err(run('LMPOP', 1, 'nokey', 'LEFT', 'COUNT', '9223372036854775808'))).toBe('ERR count should be greater than 0');
    expect(err(run('LMPOP', LONG_MAX, 'nokey', 'LEFT'))).toBe(SYNTAX);
  });

  it('validate the count before looking at the key', () => {
    const { run, range, db } = setup();
    run('RPUSH', 'l', 'a');
    db.add('s', 'v');
    expect(err(run('LPOP', 'l', -1))).toBe('ERR value is out of range, must be positive');
    expect(err(run('RPOP', 'nokey', 'x'))).toBe('ERR value is out of range, must be positive');
    expect(err(run('LPOP', 's', 'x'))).toBe('ERR value is out of range, must be positive');
    expect(err(run('LPOP', 's'))).toBe(WRONGTYPE);
    expect(err(run('RPOP', 's', 0))).toBe(WRONGTYPE);
    expect(err(run('LPOP', 'l', 1, 2))).toBe("ERR wrong number of arguments for 'lpop' command");
    expect(err(run('RPOP', 'l', 1, 2))).toBe("ERR wrong number of arguments for 'rpop' command");
    expect(range('l')).toEqual(['a']);
  });

  it('propagate the argv, and nothing when nothing was popped', () => {
    const { run, effects } = setup();
    run('LPOP', 'nokey');
    run('RPUSH', 'l', 'a', 'b');
    run('LPOP', 'l', 0);
    run('RPOP', 'l', 5);
    expect(effects).toEqual([
      ['RPUSH', 'l', 'a', 'b'],
      ['RPOP', 'l', '5'],
    ]);
  });
});

describe('LLEN / LRANGE / LINDEX', () => {
  it('LLEN', () => {
    const { run, db } = setup();
    expect(run('LLEN', 'nokey')).toBe(0);
    run('RPUSH', 'l', 'a', 'b');
    expect(run('LLEN', 'l')).toBe(2);
    db.add('s', 'v');
    expect(err(run('LLEN', 's'))).toBe(WRONGTYPE);
  });

  it('LRANGE with negative and out-of-range indexes', () => {
    const { run, db } = setup();
    run('RPUSH', 'l', 'a', 'b', 'c', 'd');
    expect(run('LRANGE', 'l', 0, -1)).toEqual(['a', 'b', 'c', 'd']);
    expect(run('LRANGE', 'l', 1, 2)).toEqual(['b', 'c']);
    expect(run('LRANGE', 'l', -3, -2)).toEqual(['b', 'c']);
    expect(run('LRANGE', 'l', -100, 100)).toEqual(['a', 'b', 'c', 'd']);
    expect(run('LRANGE', 'l', 3, 1)).toEqual([]);
    expect(run('LRANGE', 'l', 4, 10)).toEqual([]);
    expect(run('LRANGE', 'l', '9223372036854775807', '-9223372036854775808')).toEqual([]);
    expect(run('LRANGE', 'nokey', 0, -1)).toEqual([]);
    expect(err(run('LRANGE', 'l', 'x', 1))).toBe(NOT_INT);
    expect(err(run('LRANGE', 'nokey', 0, '1.5'))).toBe(NOT_INT);
    db.add('s', 'v');
    expect(err(run('LRANGE', 's', 0, 1))).toBe(WRONGTYPE);
    expect(err(run('LRANGE', 's', 'x', 1))).toBe(NOT_INT);
  });

  it('LINDEX with negative and out-of-range indexes', () => {
    const { run, db } = setup();
    run('RPUSH', 'l', 'a', 'b', 'c');
    expect(run('LINDEX', 'l', 0)).toBe('a');
    expect(run('LINDEX', 'l', -1)).toBe('c');
    expect(run('LINDEX', 'l', -3)).toBe('a');
    expect(run('LINDEX', 'l', -4)).toBe(null);
    expect(run('LINDEX', 'l', 3)).toBe(null);
    expect(run('LINDEX', 'l', '9223372036854775807')).toBe(null);
    expect(run('LINDEX', 'l', '-9223372036854775808')).toBe(null);
    expect(err(run('LINDEX', 'l', 'x'))).toBe(NOT_INT);
    // The key is looked up first: a missing key answers nil even to a bad index.
    expect(run('LINDEX', 'nokey', 'x')).toBe(null);
    db.add('s', 'v');
    expect(err(run('LINDEX', 's', 'x'))).toBe(WRONGTYPE);
  });

  it('LINDEX on a 1M-element list reads one slot (no traversal)', () => {
    const { run, list } = setup();
    const batch: string[] = [];
    for (let i = 0; i < 1000; i++) batch.push('');
    for (let b = 0; b < 1000; b++) {
      for (let i = 0; i < 1000; i++) batch[i] = String(b * 1000 + i);
      run('RPUSH', 'big', ...batch);
    }
    expect(run('LLEN', 'big')).toBe(1_000_000);
    const deque = list('big')!.items;
    // Each access by index is one Deque.at (O(1): a slot of a chunk, see deque.ts), never a walk.
    let reads = 0;
    const at = deque.at.bind(deque);
    deque.at = (i: number) => (reads++, at(i));
    expect(run('LINDEX', 'big', 500_000)).toBe('500000');
    expect(reads).toBe(1);
    expect(run('LINDEX', 'big', -250_000)).toBe('750000');
    expect(reads).toBe(2);
    expect(run('LSET', 'big', 654_321, 'x')).toBe(OK);
    expect(run('LINDEX', 'big', 654_321)).toBe('x');
    expect(reads).toBeLessThanOrEqual(5);
  });
});

describe('LSET', () => {
  it('sets by index, negative from the tail', () => {
    const { run, range, events } = setup();
    run('RPUSH', 'l', 'a', 'b', 'c');
    expect(run('LSET', 'l', 0, 'A')).toBe(OK);
    expect(run('LSET', 'l', -1, 'C')).toBe(OK);
    expect(range('l')).toEqual(['A', 'b', 'C']);
    expect(events).toEqual(['l:rpush:l', 'l:lset:l', 'l:lset:l']);
  });

  it('errors leave the list unchanged', () => {
    const { run, range, db, effects } = setup();
    run('RPUSH', 'l', 'a', 'b', 'c');
    expect(err(run('LSET', 'l', 3, 'x'))).toBe('ERR index out of range');
    expect(err(run('LSET', 'l', -4, 'x'))).toBe('ERR index out of range');
    expect(err(run('LSET', 'l', '4294967296', 'x'))).toBe('ERR index out of range');
    expect(err(run('LSET', 'l', 'x', 'x'))).toBe(NOT_INT);
    expect(err(run('LSET', 'nokey', 0, 'x'))).toBe('ERR no such key');
    expect(err(run('LSET', 'nokey', 'x', 'x'))).toBe('ERR no such key');
    db.add('s', 'v');
    expect(err(run('LSET', 's', 0, 'x'))).toBe(WRONGTYPE);
    expect(range('l')).toEqual(['a', 'b', 'c']);
    expect(db.exists('nokey')).toBe(false);
    expect(effects).toEqual([['RPUSH', 'l', 'a', 'b', 'c']]);
  });
});

describe('LINSERT', () => {
  it('inserts before or after the first pivot', () => {
    const { run, range, events } = setup();
    run('RPUSH', 'l', 'a', 'b', 'c', 'b');
    expect(run('LINSERT', 'l', 'BEFORE', 'b', 'x')).toBe(5);
    expect(run('LINSERT', 'l', 'after', 'b', 'y')).toBe(6);
    expect(run('LINSERT', 'l', 'after', 'b', 'z')).toBe(7);
    expect(run('LINSERT', 'l', 'before', 'a', 'first')).toBe(8);
    expect(run('LINSERT', 'l', 'after', 'b', 'last')).toBe(9);
    expect(range('l')).toEqual(['first', 'a', 'x', 'b', 'last', 'z', 'y', 'c', 'b']);
    expect(events.at(-1)).toBe('l:linsert:l');
  });

  it('answers -1 without the pivot and 0 without the key', () => {
    const { run, db, effects } = setup();
    run('RPUSH', 'l', 'a');
    expect(run('LINSERT', 'l', 'before', 'zz', 'x')).toBe(-1);
    expect(run('LINSERT', 'nokey', 'before', 'a', 'x')).toBe(0);
    expect(db.exists('nokey')).toBe(false);
    expect(effects).toEqual([['RPUSH', 'l', 'a']]);
  });

  it('rejects a bad position before looking at the key', () => {
    const { run, range, db } = setup();
    run('RPUSH', 'l', 'a');
    db.add('s', 'v');
    expect(err(run('LINSERT', 'l', 'middle', 'a', 'x'))).toBe(SYNTAX);
    expect(err(run('LINSERT', 'nokey', 'middle', 'a', 'x'))).toBe(SYNTAX);
    expect(err(run('LINSERT', 's', 'middle', 'a', 'x'))).toBe(SYNTAX);
    expect(err(run('LINSERT', 's', 'before', 'a', 'x'))).toBe(WRONGTYPE);
    expect(range('l')).toEqual(['a']);
  });
});

describe('LREM', () => {
  it('removes from the head, the tail, or all', () => {
    const { run, range } = setup();
    const fresh = () => {
      run('LTRIM', 'l', 1, 0);
      run('RPUSH', 'l', 'a', 'b', 'a', 'c', 'a');
    };
    fresh();
    expect(run('LREM', 'l', 2, 'a')).toBe(2);
    expect(range('l')).toEqual(['b', 'c', 'a']);
    fresh();
    expect(run('LREM', 'l', -2, 'a')).toBe(2);
    expect(range('l')).toEqual(['a', 'b', 'c']);
    fresh();
    expect(run('LREM', 'l', 0, 'a')).toBe(3);
    expect(range('l')).toEqual(['b', 'c']);
    expect(run('LREM', 'l', 0, 'zz')).toBe(0);
    expect(run('LREM', 'nokey', 0, 'a')).toBe(0);
  });

  it('deletes an emptied list, notifies only when something was removed', () => {
    const { run, db, events, effects } = setup();
    run('RPUSH', 'l', 'a', 'a');
    run('LREM', 'l', 0, 'zz');
    expect(run('LREM', 'l', 0, 'a')).toBe(2);
    expect(db.exists('l')).toBe(false);
    expect(events).toEqual(['l:rpush:l', 'l:lrem:l', 'g:del:l']);
    expect(effects).toEqual([
      ['RPUSH', 'l', 'a', 'a'],
      ['LREM', 'l', '0', 'a'],
    ]);
  });

  it('errors leave the list unchanged', () => {
    const { run, range, db } = setup();
    run('RPUSH', 'l', 'a');
    db.add('s', 'v');
    expect(err(run('LREM', 'l', 'x', 'a'))).toBe(NOT_INT);
    expect(err(run('LREM', 's', 'x', 'a'))).toBe(NOT_INT);
    expect(err(run('LREM', 's', 0, 'a'))).toBe(WRONGTYPE);
    expect(range('l')).toEqual(['a']);
  });
});

describe('LTRIM', () => {
  it('keeps the range, with negative indexes', () => {
    const { run, range, events } = setup();
    run('RPUSH', 'l', 'a', 'b', 'c', 'd', 'e');
    expect(run('LTRIM', 'l', 1, -2)).toBe(OK);
    expect(range('l')).toEqual(['b', 'c', 'd']);
    expect(run('LTRIM', 'l', -100, 100)).toBe(OK);
    expect(range('l')).toEqual(['b', 'c', 'd']);
    expect(run('LTRIM', 'l', -1, -1)).toBe(OK);
    expect(range('l')).toEqual(['d']);
    expect(events).toEqual(['l:rpush:l', 'l:ltrim:l', 'l:ltrim:l', 'l:ltrim:l']);
  });

  it('an empty range deletes the key', () => {
    const { run, db, events } = setup();
    run('RPUSH', 'l', 'a', 'b');
    expect(run('LTRIM', 'l', 2, 1)).toBe(OK);
    expect(db.exists('l')).toBe(false);
    expect(events).toEqual(['l:rpush:l', 'l:ltrim:l', 'g:del:l']);
    expect(run('LTRIM', 'nokey', 0, 1)).toBe(OK);
  });

  it('propagates only when something was trimmed', () => {
    const { run, effects } = setup();
    run('RPUSH', 'l', 'a', 'b');
    run('LTRIM', 'l', 0, -1);
    run('LTRIM', 'l', 0, 0);
    expect(effects).toEqual([
      ['RPUSH', 'l', 'a', 'b'],
      ['LTRIM', 'l', '0', '0'],
    ]);
  });

  it('errors leave the list unchanged', () => {
    const { run, range, db } = setup();
    run('RPUSH', 'l', 'a');
    db.add('s', 'v');
    expect(err(run('LTRIM', 'l', 'x', 0))).toBe(NOT_INT);
    expect(err(run('LTRIM', 'l', 0, 'x'))).toBe(NOT_INT);
    expect(err(run('LTRIM', 's', 0, 1))).toBe(WRONGTYPE);
    expect(range('l')).toEqual(['a']);
  });
});

describe('LPOS', () => {
  const init = (run: (...a: (string | number)[]) => unknown) => run('RPUSH', 'l', 'a', 'b', 'c', '1', '2', '3', 'c', 'c');

  it('finds the first match, or the rank-th from either end', () => {
    const { run } = setup();
    init(run);
    expect(run('LPOS', 'l', 'a')).toBe(0);
    expect(run('LPOS', 'l', 'c')).toBe(2);
    expect(run('LPOS', 'l', 'c', 'RANK', 2)).toBe(6);
    expect(run('LPOS', 'l', 'c', 'rank', -1)).toBe(7);
    expect(run('LPOS', 'l', 'c', 'rank', -3)).toBe(2);
    expect(run('LPOS', 'l', 'c', 'rank', 4)).toBe(null);
    expect(run('LPOS', 'l', 'c', 'rank', '-9223372036854775807')).toBe(null);
    expect(run('LPOS', 'l', 'zz')).toBe(null);
    expect(run('LPOS', 'nokey', 'a')).toBe(null);
  });

  it('COUNT returns an array (0 = all matches), MAXLEN bounds the scan', () => {
    const { run } = setup();
    init(run);
    expect(run('LPOS', 'l', 'c', 'COUNT', 0)).toEqual([2, 6, 7]);
    expect(run('LPOS', 'l', 'c', 'COUNT', 2)).toEqual([2, 6]);
    expect(run('LPOS', 'l', 'c', 'RANK', -1, 'COUNT', 0)).toEqual([7, 6, 2]);
    expect(run('LPOS', 'l', 'c', 'RANK', 2, 'COUNT', 0)).toEqual([6, 7]);
    expect(run('LPOS', 'l', 'c', 'COUNT', 0, 'MAXLEN', 3)).toEqual([2]);
    expect(run('LPOS', 'l', 'c', 'COUNT', 0, 'MAXLEN', 2)).toEqual([]);
    expect(run('LPOS', 'l', 'c', 'MAXLEN', 2)).toBe(null);
    expect(run('LPOS', 'l', 'c', 'RANK', -1, 'MAXLEN', 1)).toBe(7);
    expect(run('LPOS', 'l', 'c', 'RANK', -1, 'COUNT', 2, 'MAXLEN', 5)).toEqual([7, 6]);
    expect(run('LPOS', 'l', 'zz', 'COUNT', 0)).toEqual([]);
    expect(run('LPOS', 'nokey', 'a', 'COUNT', 1)).toEqual([]);
  });

  it('rejects bad options with Redis 7.2 texts', () => {
    const { run, db } = setup();
    init(run);
    db.add('s', 'v');
    expect(err(run('LPOS', 'l', 'c', 'RANK', 0))).toBe(
      "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
    );
    expect(err(run('LPOS', 'l', 'c', 'RANK', '-9223372036854775808'))).toBe(
      'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
    );
    expect(err(run('LPOS', 'l', 'c', 'RANK', 'x'))).toBe(NOT_INT);
    expect(err(run('LPOS', 'l', 'c', 'COUNT', -1))).toBe("ERR COUNT can't be negative");
    expect(err(run('LPOS', 'l', 'c', 'COUNT', 'x'))).toBe("ERR COUNT can't be negative");
    expect(err(run('LPOS', 'l', 'c', 'MAXLEN', -1))).toBe("ERR MAXLEN can't be negative");
    expect(err(run('LPOS', 'l', 'c', 'RANK'))).toBe(SYNTAX);
    expect(err(run('LPOS', 'l', 'c', 'FOO', 1))).toBe(SYNTAX);
    expect(err(run('LPOS', 'nokey', 'c', 'RANK', 0))).toMatch(/RANK can't be zero/);
    expect(err(run('LPOS', 's', 'c'))).toBe(WRONGTYPE);
    expect(err(run('LPOS', 's', 'c', 'COUNT', -1))).toBe("ERR COUNT can't be negative");
  });
});

describe('LMOVE / RPOPLPUSH', () => {
  it('a move is one change (dirty +1), whether it creates, deletes or rotates', () => {
    const { run, shard } = setup();
    run('RPUSH', 'src', 'a', 'b', 'c');
    run('RPUSH', 'dst', 'x');
    const step = (...argv: string[]) => {
      const before = shard.dirty;
      run(...argv);
      return shard.dirty - before;
    };
    expect(step('LMOVE', 'src', 'dst', 'LEFT', 'LEFT')).toBe(1);
    expect(step('LMOVE', 'src', 'new', 'LEFT', 'LEFT')).toBe(1);
    expect(step('LMOVE', 'src', 'src', 'LEFT', 'RIGHT')).toBe(1);
    expect(step('RPOPLPUSH', 'src', 'dst')).toBe(1);
    expect(run('EXISTS', 'src')).toBe(0);
    expect(step('LMOVE', 'src', 'dst', 'LEFT', 'LEFT')).toBe(0);
  });

  it('moves between all four end combinations', () => {
    const { run, range } = setup();
    run('RPUSH', 'src', 'a', 'b', 'c', 'd');
    run('RPUSH', 'dst', 'x');
    expect(run('LMOVE', 'src', 'dst', 'LEFT', 'LEFT')).toBe('a');
    expect(run('LMOVE', 'src', 'dst', 'left', 'right')).toBe('b');
    expect(run('LMOVE', 'src', 'dst', 'RIGHT', 'LEFT')).toBe('d');
    expect(run('LMOVE', 'src', 'dst', 'Right', 'Right')).toBe('c');
    expect(range('dst')).toEqual(['d', 'a', 'x', 'b', 'c']);
    expect(range('src')).toEqual([]);
  });

  it('creates the destination, deletes an emptied source, rotates in place', () => {
    const { run, range, db, events } = setup();
    run('RPUSH', 'src', 'a', 'b', 'c');
    expect(run('LMOVE', 'src', 'src', 'left', 'right')).toBe('a');
    expect(range('src')).toEqual(['b', 'c', 'a']);
    expect(run('RPOPLPUSH', 'src', 'src')).toBe('a');
    expect(range('src')).toEqual(['a', 'b', 'c']);
    run('LTRIM', 'src', 0, 0);
    events.length = 0;
    expect(run('RPOPLPUSH', 'src', 'new')).toBe('a');
    expect(db.exists('src')).toBe(false);
    expect(range('new')).toEqual(['a']);
    expect(events).toEqual(['l:lpush:new', 'l:rpop:src', 'g:del:src']);
    run('RPUSH', 'one', 'z');
    expect(run('RPOPLPUSH', 'one', 'one')).toBe('z');
    expect(range('one')).toEqual(['z']);
  });

  it('answers nil for a missing source without checking the destination', () => {
    const { run, db, effects } = setup();
    db.add('s', 'v');
    expect(run('LMOVE', 'nokey', 's', 'left', 'left')).toBe(null);
    expect(run('RPOPLPUSH', 'nokey', 's')).toBe(null);
    expect(effects).toEqual([]);
  });

  it('errors leave both lists unchanged', () => {
    const { run, range, db, effects } = setup();
    run('RPUSH', 'l', 'a', 'b');
    db.add('s', 'v');
    expect(err(run('LMOVE', 'l', 's', 'left', 'left'))).toBe(WRONGTYPE);
    expect(err(run('RPOPLPUSH', 'l', 's'))).toBe(WRONGTYPE);
    expect(err(run('LMOVE', 's', 'l', 'left', 'left'))).toBe(WRONGTYPE);
    expect(err(run('LMOVE', 'l', 'd', 'up', 'left'))).toBe(SYNTAX);
    expect(err(run('LMOVE', 'l', 'd', 'left', 'down'))).toBe(SYNTAX);
    expect(err(run('LMOVE', 's', 'l', 'up', 'left'))).toBe(SYNTAX);
    expect(range('l')).toEqual(['a', 'b']);
    expect(db.peek('s')).toBe('v');
    expect(db.exists('d')).toBe(false);
    expect(effects).toEqual([['RPUSH', 'l', 'a', 'b']]);
  });

  it('has two keys in its key spec and propagates verbatim', () => {
    const { run, effects } = setup();
    expect(keyIndexes(commands.get('lmove')!, ['LMOVE', 'a', 'b', 'left', 'left'])).toEqual([1, 2]);
    expect(keyIndexes(commands.get('rpoplpush')!, ['RPOPLPUSH', 'a', 'b'])).toEqual([1, 2]);
    run('RPUSH', 'a', '1');
    run('LMOVE', 'a', 'b', 'left', 'right');
    expect(effects.at(-1)).toEqual(['LMOVE', 'a', 'b', 'left', 'right']);
  });
});

describe('LMPOP', () => {
  it('pops from the first non-empty list, as [key, elements]', () => {
    const { run, range, db } = setup();
    run('RPUSH', 'b', 'b1', 'b2', 'b3');
    run('RPUSH', 'c', 'c1');
    expect(run('LMPOP', 3, 'a', 'b', 'c', 'LEFT')).toEqual(['b', ['b1']]);
    expect(run('LMPOP', 3, 'a', 'b', 'c', 'right', 'COUNT', 5)).toEqual(['b', ['b3', 'b2']]);
    expect(db.exists('b')).toBe(false);
    expect(run('LMPOP', 2, 'b', 'c', 'left', 'count', 1)).toEqual(['c', ['c1']]);
    expect(run('LMPOP', 2, 'b', 'c', 'left')).toBe(NULL_ARRAY);
    expect(range('c')).toEqual([]);
  });

  it('emits the concrete LPOP/RPOP key count it performed', () => {
    const { run, effects, events } = setup();
    run('RPUSH', 'b', '1', '2', '3');
    effects.length = 0;
    events.length = 0;
    run('LMPOP', 2, 'a', 'b', 'left');
    run('LMPOP', 2, 'a', 'b', 'right', 'count', 10);
    run('LMPOP', 2, 'a', 'b', 'right', 'count', 10);
    expect(effects).toEqual([
      ['LPOP', 'b', '1'],
      ['RPOP', 'b', '2'],
    ]);
    expect(events).toEqual(['l:lpop:b', 'l:rpop:b', 'g:del:b']);
  });

  it('stops at a key of another type met before a non-empty list', () => {
    const { run, range, db } = setup();
    db.add('s', 'v');
    run('RPUSH', 'l', 'a');
    expect(err(run('LMPOP', 2, 's', 'l', 'left'))).toBe(WRONGTYPE);
    expect(run('LMPOP', 2, 'l', 's', 'left')).toEqual(['l', ['a']]);
    run('RPUSH', 'l', 'a');
    expect(err(run('LMPOP', 3, 'nokey', 's', 'l', 'left'))).toBe(WRONGTYPE);
    expect(range('l')).toEqual(['a']);
  });

  it('rejects bad arguments with Redis texts and changes nothing', () => {
    const { run, range } = setup();
    run('RPUSH', 'l', 'a', 'b');
    expect(err(run('LMPOP', 0, 'l', 'left'))).toBe('ERR numkeys should be greater than 0');
    expect(err(run('LMPOP', -1, 'l', 'left'))).toBe('ERR numkeys should be greater than 0');
    expect(err(run('LMPOP', 'x', 'l', 'left'))).toBe('ERR numkeys should be greater than 0');
    expect(err(run('LMPOP', 3, 'l', 'left'))).toBe(SYNTAX);
    expect(err(run('LMPOP', 2, 'l', 'x', 'y'))).toBe(SYNTAX);
    expect(err(run('LMPOP', 1, 'l', 'middle'))).toBe(SYNTAX);
    expect(err(run('LMPOP', 1, 'l', 'left', 'count'))).toBe(SYNTAX);
    expect(err(run('LMPOP', 1, 'l', 'left', 'foo'))).toBe(SYNTAX);
    expect(err(run('LMPOP', 1, 'l', 'left', 'count', 0))).toBe('ERR count should be greater than 0');
    expect(err(run('LMPOP', 1, 'l', 'left', 'count', 'x'))).toBe('ERR count should be greater than 0');
    expect(err(run('LMPOP', 1, 'l', 'left', 'count', 1, 'count', 1))).toBe(SYNTAX);
    expect(err(run('LMPOP', 1, 'l'))).toBe("ERR wrong number of arguments for 'lmpop' command");
    expect(range('l')).toEqual(['a', 'b']);
  });

  it('declares movable keys from numkeys', () => {
    const cmd = commands.get('lmpop')!;
    expect(cmd.flags).toContain('movablekeys');
    expect(keyIndexes(cmd, ['LMPOP', '2', 'a', 'b', 'LEFT'])).toEqual([2, 3]);
    expect(keyIndexes(cmd, ['LMPOP', '1', 'a', 'LEFT', 'COUNT', '2'])).toEqual([2]);
    expect(keyIndexes(cmd, ['LMPOP', '3', 'a', 'LEFT'])).toEqual([]);
    expect(keyIndexes(cmd, ['LMPOP', 'x', 'a', 'LEFT'])).toEqual([]);
  });
});

describe('command table', () => {
  it('declares flags, ACL categories and key specs as Redis', () => {
    const get = (n: string) => commands.get(n)!;
    expect(get('lpush')).toMatchObject({ arity: -3, flags: ['write', 'denyoom', 'fast'], acl: ['write', 'list', 'fast'], firstKey: 1, lastKey: 1, step: 1 });
    expect(get('lpop')).toMatchObject({ arity: -2, flags: ['write', 'fast'] });
    expect(get('llen')).toMatchObject({ arity: 2, flags: ['readonly', 'fast'], acl: ['read', 'list', 'fast'] });
    expect(get('lrange')).toMatchObject({ arity: 4, flags: ['readonly'], acl: ['read', 'list', 'slow'] });
    expect(get('lset')).toMatchObject({ arity: 4, flags: ['write', 'denyoom'] });
    expect(get('lrem')).toMatchObject({ arity: 4, flags: ['write'] });
    expect(get('lpos')).toMatchObject({ arity: -3, flags: ['readonly'] });
    expect(get('lmove')).toMatchObject({ arity: 5, flags: ['write', 'denyoom'], firstKey: 1, lastKey: 2, step: 1 });
    expect(get('rpoplpush')).toMatchObject({ arity: 3, firstKey: 1, lastKey: 2, step: 1 });
    expect(get('lmpop')).toMatchObject({ arity: -4, flags: ['write', 'movablekeys'], firstKey: 0 });
  });
});

describe('encoding (Redis 7.2 listpack <-> quicklist)', () => {
  const large = 'x'.repeat(8192);

  it('listpack -> quicklist when growing past list-max-listpack-size', () => {
    const { run, list } = setup({ 'list-max-listpack-size': -1 });
    run('RPUSH', 'lst', 'a', 'b', 'c');
    expect(list('lst')!.encoding()).toBe('listpack');
    run('RPUSH', 'lst', large);
    expect(list('lst')!.encoding()).toBe('quicklist');

    run('LTRIM', 'lst', 1, 0);
    run('RPUSH', 'lst', 'a', 'b', 'c');
    run('LINSERT', 'lst', 'after', 'b', large);
    expect(list('lst')!.encoding()).toBe('quicklist');

    run('LTRIM', 'lst', 1, 0);
    run('RPUSH', 'lst', 'a', 'b', 'c');
    run('LSET', 'lst', 0, large);
    expect(list('lst')!.encoding()).toBe('quicklist');

    run('RPUSH', 'src', 'a', 'b', 'c', large);
    run('RPUSH', 'dst', 'd', 'e', 'f');
    expect(list('dst')!.encoding()).toBe('listpack');
    run('LMOVE', 'src', 'dst', 'right', 'right');
    expect(list('dst')!.encoding()).toBe('quicklist');
  });

  it('positive sizes count entries; a new list can start as quicklist', () => {
    const { run, list } = setup({ 'list-max-listpack-size': 3 });
    run('RPUSH', 'l', 'a', 'b', 'c');
    expect(list('l')!.encoding()).toBe('listpack');
    run('RPUSH', 'l', 'd');
    expect(list('l')!.encoding()).toBe('quicklist');
    run('RPUSH', 'm', 1, 2, 3, 4);
    expect(list('m')!.encoding()).toBe('quicklist');
  });

  it('quicklist -> listpack when shrinking below half the limit', () => {
    const { run, list, shard } = setup({ 'list-max-listpack-size': 3 });
    const q = (items: string[]) => {
      run('LTRIM', 'lst', 1, 0);
      run('RPUSH', 'lst', ...items);
      expect(list('lst')!.encoding()).toBe('quicklist');
    };
    q(['a', 'b', 'c', 'd']);
    run('RPOP', 'lst', 3);
    expect(list('lst')!.encoding()).toBe('listpack');
    q(['a', 'a', 'a', 'd']);
    run('LREM', 'lst', 3, 'a');
    expect(list('lst')!.encoding()).toBe('listpack');
    q(['a', 'b', 'c', 'd']);
    run('LTRIM', 'lst', 1, 1);
    expect(list('lst')!.encoding()).toBe('listpack');

    shard.setConfig('list-max-listpack-size', '-1');
    q(['a', 'b', 'c', large]);
    run('RPOP', 'lst', 1);
    expect(list('lst')!.encoding()).toBe('listpack');
    q(['a', large]);
    run('LREM', 'lst', 1, large);
    expect(list('lst')!.encoding()).toBe('listpack');
    q(['a', 'b', large]);
    run('LTRIM', 'lst', 0, 1);
    expect(list('lst')!.encoding()).toBe('listpack');
    q([large, 'a', 'b']);
    run('RPOP', 'lst', 2);
    expect(list('lst')!.encoding()).toBe('quicklist');
    run('LSET', 'lst', -1, 'c');
    expect(list('lst')!.encoding()).toBe('listpack');
  });

  it('does not convert back between half and the full limit', () => {
    const { run, list } = setup({ 'list-max-listpack-size': 4 });
    run('RPUSH', 'l', 1, 2, 3, 4, 5);
    run('RPOP', 'l');
    expect(list('l')!.encoding()).toBe('quicklist');
    run('RPOP', 'l');
    expect(list('l')!.encoding()).toBe('quicklist');
    run('RPOP', 'l');
    expect(list('l')!.encoding()).toBe('listpack');
  });
});

describe('memory accounting', () => {
  it('returns to the baseline when the list goes away', () => {
    const { run, shard } = setup();
    const base = shard.used;
    run('RPUSH', 'l', ...Array.from({ length: 100 }, (_, i) => `v${i}`));
    expect(shard.used).toBeGreaterThan(base);
    run('LSET', 'l', 3, 'x'.repeat(1000));
    run('LINSERT', 'l', 'before', 'v50', 'y'.repeat(500));
    run('LREM', 'l', 0, 'v7');
    run('LTRIM', 'l', 2, -3);
    run('LMOVE', 'l', 'm', 'left', 'left');
    run('LPOP', 'l', 1000);
    run('RPOP', 'm');
    expect(shard.used).toBe(base);
  });
});

describe('exported cores for the blocking commands', () => {
  it('popFrom and moveElement rewrite to replayable effects', () => {
    const { run, shard, session, db, effects, range } = setup();
    run('RPUSH', 'l', 'a', 'b', 'c', 'd');
    effects.length = 0;
    const ctx = new Ctx(shard, session, db, ['BLPOP', 'l', '0'], commands.get('lpop')!);
    expect(popFrom(ctx, 'nokey', 'left', -1, true)).toBe(null);
    expect(popFrom(ctx, 'l', 'left', -1, true)).toEqual(['a']);
    expect(popFrom(ctx, 'l', 'right', 1, true)).toEqual(['d']);
    expect(moveElement(ctx, 'l', 'm', 'right', 'left', true)).toBe('c');
    expect(moveElement(ctx, 'nokey', 'm', 'right', 'left', true)).toBe(null);
    expect(mpop(ctx, ['nokey', 'l'], 'left', 3)).toEqual(['l', ['b']]);
    shard.flushEffects();
    expect(effects).toEqual([
      ['LPOP', 'l'],
      ['RPOP', 'l', '1'],
      ['LMOVE', 'l', 'm', 'RIGHT', 'LEFT'],
      ['LPOP', 'l', '1'],
    ]);
    expect(db.exists('l')).toBe(false);
    expect(range('m')).toEqual(['c']);
  });
});
