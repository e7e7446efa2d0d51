import { describe, expect, it } from 'vitest';
import { testEngine } from '../../test/util.ts';
import {
  addLongDouble,
  formatDouble,
  formatHumanDouble,
  formatLongDouble,
  isFiniteLongDouble,
  parseLongDouble,
} from '../bytes.ts';
import type { Effect } from '../engine/shard.ts';
import { ErrorReply } from '../errors.ts';
import { MapReply, OK } from '../reply.ts';
import { StrBuf } from '../types/strbuf.ts';
import { commands, keyIndexes } from './table.ts';

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const NOT_INT = 'ERR value is not an integer or out of range';
const NOT_FLOAT = 'ERR value is not a valid float';
const SYNTAX = 'ERR syntax error';

function err(r: unknown): string {
  expect(r).toBeInstanceOf(ErrorReply);
  return (r as ErrorReply).message;
}

const T0 = 1_700_000_000_000;

/** An engine with a settable clock, plus recorders for effects and keyspace notifications. */
function setup(config: Record<string, number> = {}) {
  const clock = { now: T0 };
  const t = testEngine({ config, clock: () => clock.now });
  const effects: string[][] = [];
  const events: string[] = [];
  t.engine.onEffects((g: Effect[]) => {
    for (const e of g) effects.push(e.argv);
  });
  t.shard.onNotify = (_db, cls, event, key) => events.push(`${cls}:${event}:${key}`);
  const ttl = (key: string) => t.db.getExpire(key);
  return { ...t, clock, effects, events, ttl };
}

describe('GET / SET', () => {
  it('stores and returns binary-safe values', () => {
    const { run } = setup();
    const all = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
    expect(run('SET', 'k', all)).toBe(OK);
    expect(run('GET', 'k')).toBe(all);
    expect(run('SET', '\x00\r\n', '')).toBe(OK);
    expect(run('GET', '\x00\r\n')).toBe('');
    expect(run('GET', 'missing')).toBe(null);
  });

  it('SET replaces any type and clears the TTL', () => {
    const { run, ttl, db } = setup();
    run('RPUSH', 'l', 'a');
    expect(run('SET', 'l', 'v')).toBe(OK);
    expect(run('GET', 'l')).toBe('v');
    run('SET', 'e', 'v', 'EX', 100);
    expect(ttl('e')).toBe(T0 + 100_000);
    run('SET', 'e', 'w');
    expect(ttl('e')).toBe(-1);
    expect(db.size).toBe(2);
  });

  it('EX / PX / EXAT / PXAT set absolute expire times', () => {
    const { run, ttl } = setup();
    run('SET', 'a', 'v', 'EX', 10);
    expect(ttl('a')).toBe(T0 + 10_000);
    run('SET', 'a', 'v', 'px', 1500);
    expect(ttl('a')).toBe(T0 + 1500);
    run('SET', 'a', 'v', 'EXAT', 1_800_000_000);
    expect(ttl('a')).toBe(1_800_000_000_000);
    run('SET', 'a', 'v', 'PXAT', 1_800_000_000_123);
    expect(ttl('a')).toBe(1_800_000_000_123);
    run('SET', 'a', 'v2', 'KEEPTTL');
    expect(ttl('a')).toBe(1_800_000_000_123);
    expect(run('GET', 'a')).toBe('v2');
  });

  it('NX / XX / GET', () => {
    const { run } = setup();
    expect(run('SET', 'k', 'v', 'XX')).toBe(null);
    expect(run('GET', 'k')).toBe(null);
    expect(run('SET', 'k', 'v', 'NX')).toBe(OK);
    expect(run('SET', 'k', 'w', 'NX')).toBe(null);
    expect(run('SET', 'k', 'w', 'XX')).toBe(OK);
    expect(run('SET', 'k', 'x', 'GET')).toBe('w');
    expect(run('SET', 'k', 'y', 'NX', 'GET')).toBe('x');
    expect(run('GET', 'k')).toBe('x');
    expect(run('SET', 'n', 'y', 'XX', 'GET')).toBe(null);
    expect(run('GET', 'n')).toBe(null);
    expect(run('SET', 'n', 'y', 'GET', 'GET')).toBe(null);
    expect(run('GET', 'n')).toBe('y');
    run('RPUSH', 'l', 'a');
    expect(err(run('SET', 'l', 'v', 'GET'))).toBe(WRONGTYPE);
    expect(run('LRANGE', 'l', 0, -1)).toEqual(['a']);
  });

  it('rejects conflicting or unknown options with a syntax error, changing nothing', () => {
    const { run, ttl } = setup();
    run('SET', 'k', 'orig', 'PX', 5000);
    for (const opts of [
      ['NX', 'XX'],
      ['XX', 'NX'],
      ['EX', '10', 'PX', '10'],
      ['PX', '10', 'EXAT', '10'],
      ['EXAT', '10', 'PXAT', '10'],
      ['KEEPTTL', 'EX', '10'],
      ['PX', '10', 'KEEPTTL'],
      ['EX'],
      ['PERSIST'],
      ['FOO'],
      ['GET', 'EX'],
    ]) {
      expect(err(run('SET', 'k', 'v', ...opts))).toBe(SYNTAX);
    }
    expect(run('SET', 'k', 'v', 'EX', 10, 'EX', 20, 'NX', 'NX')).toBe(null); // repeats allowed
    expect(run('GET', 'k')).toBe('orig');
    expect(ttl('k')).toBe(T0 + 5000);
  });

  it('rejects bad expire times', () => {
    const { run } = setup();
    const bad = "ERR invalid expire time in 'set' command";
    expect(err(run('SET', 'k', 'v', 'EX', 0))).toBe(bad);
    expect(err(run('SET', 'k', 'v', 'PX', -1))).toBe(bad);
    expect(err(run('SET', 'k', 'v', 'EX', '9223372036854776'))).toBe(bad);
    expect(err(run('SET', 'k', 'v', 'PX', '9223372036854775807'))).toBe(bad);
    expect(err(run('SET', 'k', 'v', 'EX', '9223372036854775'))).toBe(bad); // overflows when now is added
    expect(err(run('SET', 'k', 'v', 'EX', 'abc'))).toBe(NOT_INT);
    expect(err(run('SET', 'k', 'v', 'EX', '1.5'))).toBe(NOT_INT);
    expect(run('GET', 'k')).toBe(null);
    // An absolute time may be anything positive within int64.
    expect(run('SET', 'k', 'v', 'PXAT', '9223372036854775807')).toBe(OK);
    expect(run('SET', 'k', 'v', 'EXAT', '9223372036854775')).toBe(OK);
  });

  it('a past absolute time sets the key, which is then expired (as Redis 7.2)', () => {
    const { run, effects, events } = setup();
    expect(run('SET', 'k', 'v', 'PXAT', 1)).toBe(OK);
    expect(effects).toEqual([['SET', 'k', 'v', 'PXAT', '1']]);
    expect(events).toEqual(['$:set:k', 'g:expire:k']);
    expect(run('GET', 'k')).toBe(null);
    expect(effects.at(-1)).toEqual(['DEL', 'k']);
    expect(events.at(-1)).toBe('x:expired:k');
  });

  it('SET and MSET over an expired key expire it first, as setKey does', () => {
    const { run, effects, events, clock, shard } = setup();
    run('SET', 'k', 'old', 'PX', 10);
    run('SET', 'm', 'old', 'PX', 10);
    clock.now += 20;
    effects.length = 0;
    events.length = 0;
    run('SET', 'k', 'new');
    run('MSET', 'm', 'new');
    expect(effects).toEqual([['DEL', 'k'], ['SET', 'k', 'new'], ['DEL', 'm'], ['MSET', 'm', 'new']]);
    expect(events).toEqual(['x:expired:k', '$:set:k', 'x:expired:m', '$:set:m']);
    expect(shard.stats.expiredKeys).toBe(2);
  });

  it('propagates deterministic effects', () => {
    const { run, effects } = setup();
    run('SET', 'a', '1');
    run('SET', 'a', '2', 'EX', 10, 'GET');
    run('SET', 'a', '3', 'PX', 10, 'XX');
    run('SET', 'a', '4', 'EXAT', 2_000_000_000);
    run('SET', 'a', '5', 'PXAT', 2_000_000_000_000, 'GET');
    run('SET', 'a', '6', 'GET', 'KEEPTTL', 'get');
    run('SET', 'a', '7', 'NX'); // no change: nothing
    expect(effects).toEqual([
      ['SET', 'a', '1'],
      ['SET', 'a', '2', 'PXAT', String(T0 + 10_000)],
      ['SET', 'a', '3', 'PXAT', String(T0 + 10)],
      ['SET', 'a', '4', 'PXAT', '2000000000000'],
      ['SET', 'a', '5', 'PXAT', '2000000000000'],
      ['SET', 'a', '6', 'KEEPTTL'],
    ]);
  });

  it('notifies set and expire', () => {
    const { run, events } = setup();
    run('SET', 'a', '1');
    run('SET', 'a', '1', 'EX', 5);
    run('SET', 'a', '1', 'NX');
    expect(events).toEqual(['$:set:a', '$:set:a', 'g:expire:a']);
  });

  it('GET of a non-string is WRONGTYPE', () => {
    const { run } = setup();
    run('RPUSH', 'l', 'a');
    expect(err(run('GET', 'l'))).toBe(WRONGTYPE);
  });
});

describe('SETNX / SETEX / PSETEX / GETSET / GETDEL', () => {
  it('SETNX', () => {
    const { run, events } = setup();
    expect(run('SETNX', 'k', 'a')).toBe(1);
    expect(run('SETNX', 'k', 'b')).toBe(0);
    expect(run('GET', 'k')).toBe('a');
    expect(events).toEqual(['$:set:k']);
  });

  it('SETEX / PSETEX set value and TTL, propagated as SET PXAT', () => {
    const { run, ttl, effects, events } = setup();
    expect(run('SETEX', 'k', 100, 'v')).toBe(OK);
    expect(ttl('k')).toBe(T0 + 100_000);
    expect(run('PSETEX', 'p', 100, 'w')).toBe(OK);
    expect(ttl('p')).toBe(T0 + 100);
    expect(effects).toEqual([
      ['SET', 'k', 'v', 'PXAT', String(T0 + 100_000)],
      ['SET', 'p', 'w', 'PXAT', String(T0 + 100)],
    ]);
    expect(events).toEqual(['$:set:k', 'g:expire:k', '$:set:p', 'g:expire:p']);
    expect(err(run('SETEX', 'k', 0, 'x'))).toBe("ERR invalid expire time in 'setex' command");
    expect(err(run('PSETEX', 'k', -5, 'x'))).toBe("ERR invalid expire time in 'psetex' command");
    expect(err(run('SETEX', 'k', 'abc', 'x'))).toBe(NOT_INT);
    expect(run('GET', 'k')).toBe('v');
    expect(err(run('SETEX', 'k', 1))).toBe("ERR wrong number of arguments for 'setex' command");
  });

  it('GETSET returns the old value, clears the TTL, propagates as SET', () => {
    const { run, ttl, effects, events } = setup();
    expect(run('GETSET', 'k', 'a')).toBe(null);
    run('EXPIRE', 'k', 100);
    expect(run('GETSET', 'k', 'b')).toBe('a');
    expect(ttl('k')).toBe(-1);
    expect(effects[0]).toEqual(['SET', 'k', 'a']);
    expect(effects.at(-1)).toEqual(['SET', 'k', 'b']);
    expect(events.filter((e) => e.startsWith('$'))).toEqual(['$:set:k', '$:set:k']);
    run('RPUSH', 'l', 'x');
    expect(err(run('GETSET', 'l', 'v'))).toBe(WRONGTYPE);
    expect(run('LLEN', 'l')).toBe(1);
  });

  it('GETDEL returns and deletes, propagated as DEL', () => {
    const { run, effects, events, db } = setup();
    run('SET', 'k', 'v');
    expect(run('GETDEL', 'k')).toBe('v');
    expect(db.exists('k')).toBe(false);
    expect(run('GETDEL', 'k')).toBe(null);
    expect(effects).toEqual([
      ['SET', 'k', 'v'],
      ['DEL', 'k'],
    ]);
    expect(events).toEqual(['$:set:k', 'g:del:k']);
    run('RPUSH', 'l', 'x');
    expect(err(run('GETDEL', 'l'))).toBe(WRONGTYPE);
    expect(db.exists('l')).toBe(true);
  });
});

describe('GETEX', () => {
  it('sets or removes the TTL, propagated as PEXPIREAT / PERSIST', () => {
    const { run, ttl, effects, events } = setup();
    run('SET', 'k', 'v');
    effects.length = 0;
    events.length = 0;
    expect(run('GETEX', 'k')).toBe('v');
    expect(run('GETEX', 'k', 'EX', 100)).toBe('v');
    expect(ttl('k')).toBe(T0 + 100_000);
    expect(run('GETEX', 'k', 'PX', 100)).toBe('v');
    expect(run('GETEX', 'k', 'EXAT', 2_000_000_000)).toBe('v');
    expect(run('GETEX', 'k', 'PXAT', 2_000_000_000_001)).toBe('v');
    expect(ttl('k')).toBe(2_000_000_000_001);
    expect(run('GETEX', 'k', 'PERSIST')).toBe('v');
    expect(ttl('k')).toBe(-1);
    expect(run('GETEX', 'k', 'PERSIST')).toBe('v'); // no TTL: no effect
    expect(effects).toEqual([
      ['PEXPIREAT', 'k', String(T0 + 100_000)],
      ['PEXPIREAT', 'k', String(T0 + 100)],
      ['PEXPIREAT', 'k', '2000000000000'],
      ['PEXPIREAT', 'k', '2000000000001'],
      ['PERSIST', 'k'],
    ]);
    expect(events).toEqual(['g:expire:k', 'g:expire:k', 'g:expire:k', 'g:expire:k', 'g:persist:k']);
  });

  it('a past absolute time deletes the key, propagated as DEL', () => {
    const { run, effects, events, db } = setup();
    run('SET', 'k', 'v');
    expect(run('GETEX', 'k', 'PXAT', T0 - 1)).toBe('v');
    expect(db.exists('k')).toBe(false);
    expect(effects.at(-1)).toEqual(['DEL', 'k']);
    expect(events.at(-1)).toBe('g:del:k');
  });

  it('validates options; a missing key answers nil before the time is checked', () => {
    const { run, ttl } = setup();
    run('SET', 'k', 'v', 'PX', 5000);
    for (const opts of [['NX'], ['XX'], ['GET'], ['KEEPTTL'], ['EX', 10, 'PX', 10], ['PERSIST', 'EX', 10], ['EX', 10, 'PERSIST'], ['EX']]) {
      expect(err(run('GETEX', 'k', ...opts))).toBe(SYNTAX);
    }
    expect(err(run('GETEX', 'k', 'EX', 'abc'))).toBe(NOT_INT);
    expect(err(run('GETEX', 'k', 'EX', 0))).toBe("ERR invalid expire time in 'getex' command");
    expect(ttl('k')).toBe(T0 + 5000);
    expect(run('GETEX', 'nokey', 'EX', 'abc')).toBe(null);
    run('RPUSH', 'l', 'x');
    expect(err(run('GETEX', 'l', 'EX', 10))).toBe(WRONGTYPE);
  });
});

describe('MGET / MSET / MSETNX', () => {
  it('MSET sets all, MGET answers nil for missing and non-string keys', () => {
    const { run, events } = setup();
    expect(run('MSET', 'a', '1', 'b', '2', 'a', '3')).toBe(OK);
    run('RPUSH', 'l', 'x');
    expect(run('MGET', 'a', 'b', 'c', 'l')).toEqual(['3', '2', null, null]);
    expect(events.slice(0, 3)).toEqual(['$:set:a', '$:set:b', '$:set:a']);
    expect(err(run('MSET', 'a', '1', 'b'))).toBe("ERR wrong number of arguments for 'mset' command");
    expect(run('GET', 'a')).toBe('3');
  });

  it('MSETNX sets nothing when any key exists', () => {
    const { run, db } = setup();
    expect(run('MSETNX', 'a', '1', 'b', '2')).toBe(1);
    expect(run('MSETNX', 'c', '1', 'b', '3')).toBe(0);
    expect(db.exists('c')).toBe(false);
    expect(run('GET', 'b')).toBe('2');
    expect(err(run('MSETNX', 'x', '1', 'y'))).toBe("ERR wrong number of arguments for 'msetnx' command");
  });

  it('declares key positions', () => {
    expect(keyIndexes(commands.get('mset')!, ['MSET', 'a', '1', 'b', '2'])).toEqual([1, 3]);
    expect(keyIndexes(commands.get('mget')!, ['MGET', 'a', 'b'])).toEqual([1, 2]);
    expect(keyIndexes(commands.get('lcs')!, ['LCS', 'a', 'b', 'LEN'])).toEqual([1, 2]);
  });
});

describe('APPEND / STRLEN / GETRANGE / SUBSTR / SETRANGE', () => {
  it('APPEND creates, then appends in place (raw encoding)', () => {
    const { run, db, events, ttl } = setup();
    expect(run('APPEND', 'k', 'hello')).toBe(5);
    expect(db.peek('k')).toBe('hello');
    run('EXPIRE', 'k', 100);
    expect(run('APPEND', 'k', ' world')).toBe(11);
    expect(db.peek('k')).toBeInstanceOf(StrBuf);
    expect(run('GET', 'k')).toBe('hello world');
    expect(run('STRLEN', 'k')).toBe(11);
    expect(ttl('k')).toBe(T0 + 100_000);
    expect(events.filter((e) => e.startsWith('$'))).toEqual(['$:append:k', '$:append:k']);
    expect(run('APPEND', 'k', '\x00\xff')).toBe(13);
    expect(run('GET', 'k')).toBe('hello world\x00\xff');
  });

  it('APPEND many times stays linear', () => {
    const { run } = setup();
    for (let i = 0; i < 20000; i++) run('APPEND', 'k', 'ab');
    expect(run('STRLEN', 'k')).toBe(40000);
    expect(run('GETRANGE', 'k', -4, -1)).toBe('abab');
  });

  it('APPEND and SETRANGE respect proto-max-bulk-len', () => {
    const { run } = setup({ 'proto-max-bulk-len': 10 });
    const tooBig = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';
    run('SET', 'k', '12345');
    expect(run('APPEND', 'k', '67890')).toBe(10);
    expect(err(run('APPEND', 'k', 'x'))).toBe(tooBig);
    expect(err(run('SETRANGE', 'k', 10, 'x'))).toBe(tooBig);
    expect(err(run('SETRANGE', 'n', 5, '123456'))).toBe(tooBig);
    expect(run('GET', 'k')).toBe('1234567890');
    expect(run('SETRANGE', 'k', 9, 'x')).toBe(10);
  });

  it('STRLEN of missing and wrong type', () => {
    const { run } = setup();
    expect(run('STRLEN', 'nokey')).toBe(0);
    run('RPUSH', 'l', 'x');
    expect(err(run('STRLEN', 'l'))).toBe(WRONGTYPE);
  });

  it('GETRANGE clamps indexes like Redis', () => {
    const { run } = setup();
    run('SET', 'k', 'Hello World');
    expect(run('GETRANGE', 'k', 0, 4)).toBe('Hello');
    expect(run('GETRANGE', 'k', -5, -1)).toBe('World');
    expect(run('GETRANGE', 'k', -1, -5)).toBe('');
    expect(run('GETRANGE', 'k', 0, -100)).toBe('H');
    expect(run('GETRANGE', 'k', -100, -100)).toBe('H');
    expect(run('GETRANGE', 'k', 5, 3)).toBe('');
    expect(run('GETRANGE', 'k', 0, '9223372036854775807')).toBe('Hello World');
    expect(run('GETRANGE', 'k', '-9223372036854775808', 4)).toBe('Hello');
    expect(run('SUBSTR', 'k', 6, 100)).toBe('World');
    expect(run('GETRANGE', 'nokey', 0, -1)).toBe('');
    expect(err(run('GETRANGE', 'k', 'a', 1))).toBe(NOT_INT);
    run('SET', 'e', '');
    expect(run('GETRANGE', 'e', 0, -1)).toBe('');
    run('RPUSH', 'l', 'x');
    expect(err(run('GETRANGE', 'l', 0, 1))).toBe(WRONGTYPE);
  });

  it('SETRANGE overwrites, pads with zeros, creates raw strings', () => {
    const { run, db, events } = setup();
    run('SET', 'k', 'Hello World');
    expect(run('SETRANGE', 'k', 6, 'Redis')).toBe(11);
    expect(run('GET', 'k')).toBe('Hello Redis');
    expect(run('SETRANGE', 'n', 5, 'x')).toBe(6);
    expect(run('GET', 'n')).toBe('\0\0\0\0\0x');
    expect(db.peek('n')).toBeInstanceOf(StrBuf);
    expect(run('SETRANGE', 'k', 1, '')).toBe(11); // nothing set: no event
    expect(run('SETRANGE', 'none', 100, '')).toBe(0);
    expect(db.exists('none')).toBe(false);
    expect(events.filter((e) => e.startsWith('$:setrange'))).toEqual(['$:setrange:k', '$:setrange:n']);
    expect(err(run('SETRANGE', 'k', -1, 'x'))).toBe('ERR offset is out of range');
    expect(err(run('SETRANGE', 'k', 'abc', 'x'))).toBe(NOT_INT);
    expect(err(run('SETRANGE', 'k', 536870912, 'x'))).toBe('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
    run('RPUSH', 'l', 'x');
    expect(err(run('SETRANGE', 'l', 0, 'x'))).toBe(WRONGTYPE);
    expect(run('GET', 'k')).toBe('Hello Redis');
  });
});

describe('INCR / DECR / INCRBY / DECRBY', () => {
  it('counts from 0 and keeps the TTL', () => {
    const { run, ttl, events, db } = setup();
    expect(run('INCR', 'c')).toBe(1);
    expect(run('INCRBY', 'c', 10)).toBe(11);
    expect(run('DECR', 'c')).toBe(10);
    expect(run('DECRBY', 'c', 20)).toBe(-10);
    run('EXPIRE', 'c', 100);
    expect(run('INCR', 'c')).toBe(-9);
    expect(ttl('c')).toBe(T0 + 100_000);
    expect(db.peek('c')).toBe('-9');
    expect(events.filter((e) => e.startsWith('$'))).toEqual(Array(5).fill('$:incrby:c'));
  });

  it('is exact over int64 and reports overflow', () => {
    const { run } = setup();
    expect(run('INCRBY', 'i', '9223372036854775806')).toBe(9223372036854775806n);
    expect(run('INCR', 'i')).toBe(9223372036854775807n);
    expect(err(run('INCR', 'i'))).toBe('ERR increment or decrement would overflow');
    expect(run('GET', 'i')).toBe('9223372036854775807');
    run('SET', 'i', '-9223372036854775808');
    expect(err(run('DECR', 'i'))).toBe('ERR increment or decrement would overflow');
    expect(err(run('INCRBY', 'i', '-1'))).toBe('ERR increment or decrement would overflow');
    expect(run('INCRBY', 'i', '9223372036854775807')).toBe(-1);
    expect(err(run('DECRBY', 'i', '-9223372036854775808'))).toBe('ERR decrement would overflow');
    run('SET', 'j', '9007199254740991');
    expect(run('INCR', 'j')).toBe(9007199254740992n);
    expect(run('GET', 'j')).toBe('9007199254740992');
    expect(run('DECRBY', 'j', 2)).toBe(9007199254740990);
  });

  it('rejects non-integer values and arguments, changing nothing', () => {
    const { run } = setup();
    for (const bad of ['1.5', ' 1', '1 ', '01', '+1', '', 'abc', '9223372036854775808', '1'.repeat(30)]) {
      run('SET', 'k', bad);
      expect(err(run('INCR', 'k'))).toBe(NOT_INT);
      expect(run('GET', 'k')).toBe(bad);
    }
    run('SET', 'k', '5');
    expect(err(run('INCRBY', 'k', '1.5'))).toBe(NOT_INT);
    expect(err(run('DECRBY', 'k', 'x'))).toBe(NOT_INT);
    expect(run('GET', 'k')).toBe('5');
    run('RPUSH', 'l', 'x');
    expect(err(run('INCR', 'l'))).toBe(WRONGTYPE);
    expect(err(run('DECRBY', 'l', '-9223372036854775808'))).toBe('ERR decrement would overflow');
  });

  it('works on a StrBuf value', () => {
    const { run } = setup();
    run('SET', 'k', '1');
    run('APPEND', 'k', '2');
    expect(run('INCR', 'k')).toBe(13);
  });
});

describe('INCRBYFLOAT', () => {
  // Expected values are redis-server's replies (x87 long double arithmetic, "%.17Lf").
  const cases: [string | null, string, string][] = [
    ['0.1', '0.2', '0.3'],
    ['10.5', '-10.5', '0'],
    [null, '1.23456789012345678901', '1.23456789012345679'],
    [null, '5.0e-1', '0.5'],
    [null, '3.0e3', '3000'],
    [null, '0x10', '16'],
    [null, '0.000000000000000001', '0'],
    [null, '0.000000000000000005', '0'],
    [null, '0.000000000000000015', '0.00000000000000002'],
    ['1e20', '0.1', '100000000000000000000'],
    [null, '12345678901234567890.123', '12345678901234567890'],
    ['5', '-5.5', '-0.5'],
    ['-0', '0', '0'],
    ['1', '1e-4940', '1'],
    ['3', '1', '4'],
  ];
  it.each(cases)('%s + %s = %s', (start, incr, expected) => {
    const { run } = setup();
    if (start !== null) run('SET', 'k', start);
    expect(run('INCRBYFLOAT', 'k', incr)).toBe(expected);
    expect(run('GET', 'k')).toBe(expected);
  });

  it('repeated increments do not drift', () => {
    const { run } = setup();
    for (let i = 0; i < 10; i++) run('INCRBYFLOAT', 'k', '0.1');
    expect(run('GET', 'k')).toBe('1');
    expect(run('INCRBYFLOAT', 'k', '-1.1')).toBe('-0.1');
  });

  it('prints huge values in full', () => {
    const { run } = setup();
    const r = run('INCRBYFLOAT', 'k', '1e4000') as string;
    expect(r.length).toBe(4000);
    expect(r.startsWith('99999999999999999999654638730996237849')).toBe(true);
  });

  it('keeps the TTL, propagates SET key result KEEPTTL, notifies', () => {
    const { run, ttl, effects, events } = setup();
    run('SET', 'k', '1', 'EX', 100);
    effects.length = 0;
    events.length = 0;
    expect(run('INCRBYFLOAT', 'k', '0.5')).toBe('1.5');
    expect(ttl('k')).toBe(T0 + 100_000);
    expect(effects).toEqual([['SET', 'k', '1.5', 'KEEPTTL']]);
    expect(events).toEqual(['$:incrbyfloat:k']);
  });

  it('rejects invalid floats, NaN and infinities, changing nothing', () => {
    const { run, effects } = setup();
    for (const bad of ['abc', ' 1', '1 ', '', 'nan', '1e5000', '1e-5000', '0x', '1e', '.']) {
      expect(err(run('INCRBYFLOAT', 'k', bad))).toBe(NOT_FLOAT);
    }
    expect(err(run('INCRBYFLOAT', 'k', 'inf'))).toBe('ERR increment would produce NaN or Infinity');
    expect(err(run('INCRBYFLOAT', 'k', '-Infinity'))).toBe('ERR increment would produce NaN or Infinity');
    run('SET', 'k', 'x1');
    expect(err(run('INCRBYFLOAT', 'k', '1'))).toBe(NOT_FLOAT);
    run('SET', 'k', 'inf');
    expect(err(run('INCRBYFLOAT', 'k', '1'))).toBe('ERR increment would produce NaN or Infinity');
    run('SET', 'k', '1\x002');
    expect(err(run('INCRBYFLOAT', 'k', '1'))).toBe(NOT_FLOAT);
    expect(run('GET', 'k')).toBe('1\x002');
    run('RPUSH', 'l', 'x');
    expect(err(run('INCRBYFLOAT', 'l', '1'))).toBe(WRONGTYPE);
    expect(effects.every((e) => e[0] !== 'INCRBYFLOAT' && e[3] !== 'KEEPTTL')).toBe(true);
  });
});

describe('LCS', () => {
  it('answers the string, LEN and IDX like the Redis docs', () => {
    const { run } = setup();
    run('MSET', 'key1', 'ohmytext', 'key2', 'mynewtext');
    expect(run('LCS', 'key1', 'key2')).toBe('mytext');
    expect(run('LCS', 'key1', 'key2', 'LEN')).toBe(6);
    expect(run('LCS', 'key1', 'key2', 'IDX')).toEqual(
      new MapReply([
        'matches',
        [
          [
            [4, 7],
            [5, 8],
          ],
          [
            [2, 3],
            [0, 1],
          ],
        ],
        'len',
        6,
      ]),
    );
    expect(run('LCS', 'key1', 'key2', 'IDX', 'MINMATCHLEN', 4, 'WITHMATCHLEN')).toEqual(
      new MapReply([
        'matches',
        [
          [
            [4, 7],
            [5, 8],
            4,
          ],
        ],
        'len',
        6,
      ]),
    );
    expect(run('LCS', 'key1', 'key2', 'IDX', 'MINMATCHLEN', -3)).toEqual(run('LCS', 'key1', 'key2', 'IDX'));
  });

  it('treats missing keys as empty strings and checks arguments', () => {
    const { run } = setup();
    run('SET', 'a', 'abc');
    expect(run('LCS', 'a', 'nokey')).toBe('');
    expect(run('LCS', 'n1', 'n2', 'IDX')).toEqual(new MapReply(['matches', [], 'len', 0]));
    expect(err(run('LCS', 'a', 'a', 'LEN', 'IDX'))).toBe('ERR If you want both the length and indexes, please just use IDX.');
    expect(err(run('LCS', 'a', 'a', 'MINMATCHLEN'))).toBe(SYNTAX);
    expect(err(run('LCS', 'a', 'a', 'MINMATCHLEN', 'x'))).toBe(NOT_INT);
    expect(err(run('LCS', 'a', 'a', 'FOO'))).toBe(SYNTAX);
    run('RPUSH', 'l', 'x');
    expect(err(run('LCS', 'a', 'l'))).toBe('ERR The specified keys must contain string values');
  });

  it('is binary safe and bounded by proto-max-bulk-len', () => {
    const { run } = setup({ 'proto-max-bulk-len': 1000 });
    run('SET', 'a', '\x00\xffab\x00');
    run('SET', 'b', 'x\x00ab\x00');
    expect(run('LCS', 'a', 'b')).toBe('\x00ab\x00');
    run('SET', 'big', 'x'.repeat(100));
    expect(err(run('LCS', 'big', 'big'))).toBe(
      'ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len',
    );
  });
});

describe('number formatting (bytes.ts)', () => {
  // Expected: Redis 7.2 d2string (fpconv_dtoa) and ld2string(LD_STR_HUMAN) of the same double.
  const doubles: [number, string, string][] = [
    [0.1, '0.1', '0.10000000000000001'],
    [0.3, '0.3', '0.29999999999999999'],
    [1 / 3, '0.3333333333333333', '0.33333333333333331'],
    [-1 / 3, '-0.3333333333333333', '-0.33333333333333331'],
    [0.1 + 0.2, '0.30000000000000004', '0.30000000000000004'],
    [-2.25, '-2.25', '-2.25'],
    [1e21, '1e+21', '1000000000000000000000'],
    [1e19, '1e+19', '10000000000000000000'],
    [1e-7, '1e-7', '0.0000001'],
    [1.5e-7, '1.5e-7', '0.00000015'],
    [0.0000012345, '1.2345e-6', '0.0000012345'],
    [0.000123456789, '1.23456789e-4', '0.000123456789'],
    [0.00123456789, '0.00123456789', '0.00123456789'],
    [5e-324, '5e-324', '0'],
    [2 ** 62, '4611686018427387904', '4611686018427387904'],
    [2 ** 62 + 2048, '4611686018427390000', '4611686018427389952'],
    [-(2 ** 62), '-4611686018427387904', '-4611686018427387904'],
    [2 ** 63, '9223372036854776000', '9223372036854775808'],
    [3.14159, '3.14159', '3.14158999999999988'],
    [1e-300, '1e-300', '0'],
    [12345.6789, '12345.6789', '12345.67890000000079453'],
    [4.35, '4.35', '4.34999999999999964'],
    [1.2345e-10, '1.2345e-10', '0.00000000012345'],
    [2 ** -18, '3.814697265625e-6', '0.00000381469726562'],
    // Grisu2 is not always shortest: Redis 7.2 prints these with more digits than JavaScript.
    [103.128031, '103.12803099999999', '103.1280309999999929'],
    [674.08981, '674.0898100000001', '674.08981000000005679'],
  ];
  it.each(doubles)('%s', (d, dtoa, human) => {
    expect(formatDouble(d)).toBe(dtoa);
    expect(formatHumanDouble(d)).toBe(human);
  });

  it('special values', () => {
    expect(formatDouble(Infinity)).toBe('inf');
    expect(formatDouble(-Infinity)).toBe('-inf');
    expect(formatDouble(NaN)).toBe('nan');
    expect(formatDouble(0)).toBe('0');
    expect(formatDouble(-0)).toBe('-0');
    expect(formatDouble(1.7976931348623157e308)).toBe('1.7976931348623157e+308');
    expect(formatHumanDouble(-0)).toBe('0');
    expect(formatHumanDouble(Infinity)).toBe('inf');
  });

  it('long double parsing and addition', () => {
    const ld = (s: string) => parseLongDouble(s)!;
    const add = (a: string, b: string) => {
      const r = addLongDouble(ld(a), ld(b));
      return isFiniteLongDouble(r) ? formatLongDouble(r) : 'naninf';
    };
    expect(add('0.1', '0.2')).toBe('0.3');
    expect(add('0x1p-3', '.5')).toBe('0.625');
    expect(add('1.18973149535723176502e4932', '0')).toMatch(/^118973149535723176502/);
    expect(add('1.18973149535723176502e4932', '1e4932')).toBe('naninf');
    expect(add('inf', '-inf')).toBe('naninf');
    expect(add('3.6451995318824746025e-4951', '0')).toBe('0');
    expect(parseLongDouble('1e-4952')).toBe(null);
    expect(parseLongDouble('1e4933')).toBe(null);
    expect(parseLongDouble('0e99999')).not.toBe(null);
    expect(parseLongDouble('x'.repeat(10))).toBe(null);
    expect(parseLongDouble('1'.repeat(5120))).toBe(null);
  });
});

describe('OBJECT ENCODING of string values', () => {
  it('matches Redis for every way a string is made', () => {
    const { run } = setup();
    const enc = (k: string) => run('OBJECT', 'ENCODING', k);
    run('SET', 'i', '123');
    expect(enc('i')).toBe('int');
    run('SET', 'e', 'abc');
    expect(enc('e')).toBe('embstr');
    run('SET', 'r', 'x'.repeat(45));
    expect(enc('r')).toBe('raw');
    run('APPEND', 'i', '4'); // in place: raw
    expect(enc('i')).toBe('raw');
    run('INCRBYFLOAT', 'f', '1000'); // never int-encoded
    expect(enc('f')).toBe('embstr');
    expect(run('GET', 'f')).toBe('1000');
    run('INCRBYFLOAT', 'g', '0.5');
    expect(enc('g')).toBe('embstr');
    run('SETBIT', 'f', 1, 0); // unshared even without a change
    expect(enc('f')).toBe('raw');
    run('INCRBYFLOAT', 'h', '2');
    run('INCR', 'h');
    expect(enc('h')).toBe('int');
    run('SETRANGE', 'n', 0, 'x');
    expect(enc('n')).toBe('raw');
    run('APPEND', 'a', '12');
    expect(enc('a')).toBe('int');
  });
});

describe('parseDouble (bytes.ts): Redis string2d', () => {
  it('accepts what strtod accepts, rejects ERANGE and garbage', async () => {
    const { parseDouble } = await import('../bytes.ts');
    const ok: [string, number][] = [
      ['1.5', 1.5],
      ['-0', -0],
      ['1.', 1],
      ['.5e1', 5],
      ['+3', 3],
      ['0e999', 0],
      ['4.9e-324', 5e-324],
      ['1.7976931348623157e308', 1.7976931348623157e308],
      ['0x10', 16],
      ['0x1p3', 8],
      ['0X1.8P+1', 3],
      ['-0x.8', -0.5],
      ['0x1p-1074', 5e-324],
      ['inf', Infinity],
      ['-Infinity', -Infinity],
      ['+INF', Infinity],
    ];
    for (const [s, v] of ok) expect(parseDouble(s)).toBe(v);
    for (const s of ['', ' 1', '1 ', 'nan', '-nan', '1e400', '-1e400', '1e-400', '2e-324', '1.7976931348623159e308', '0x1p1024', '0x1p-1076', '0x', '0x.p1', '1e', '.', 'infinit', '1\x00']) {
      expect(parseDouble(s)).toBeNaN();
    }
  });

  it('writes after FLUSHALL emptied a keyspace that had grown past one page of entries', () => {
    const { run } = testEngine();
    for (let i = 0; i < 5000; i++) run('SET', `k${i}`, i);
    // The last write's entry index is remembered (the keyspace's one-entry cache) ...
    expect(run('INCR', 'k4999')).toBe(5000);
    run('FLUSHALL');
    // ... and is now past the table: a write of another key must not trip over it.
    expect(run('SET', 'foo', 'BAR')).toBe(OK);
    expect(run('SET', 'k4999', 'again')).toBe(OK);
    expect(run('MGET', 'foo', 'k4999', 'k1')).toEqual(['BAR', 'again', null]);
  });
});
