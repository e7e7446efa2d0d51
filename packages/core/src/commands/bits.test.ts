import { describe, expect, it } from 'vitest';
import { testEngine } from '../../test/util.ts';
import type { Effect } from '../engine/shard.ts';
import { ErrorReply } from '../errors.ts';
import { StrBuf } from '../types/strbuf.ts';
import { commands, keyIndexes } from './table.ts';

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const NOT_INT = 'ERR value is not an integer or out of range';
const SYNTAX = 'ERR syntax error';
const BAD_OFFSET = 'ERR bit offset is not an integer or out of range';
const BAD_TYPE = 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';

function err(r: unknown): string {
  expect(r).toBeInstanceOf(ErrorReply);
  return (r as ErrorReply).message;
}

function setup(config: Record<string, number> = {}) {
  const t = testEngine({ config });
  const effects: string[][] = [];
  const events: string[] = [];
  t.engine.onEffects((g: Effect[]) => {
    for (const e of g) effects.push(e.argv);
  });
  t.shard.onNotify = (_db, cls, event, key) => events.push(`${cls}:${event}:${key}`);
  return { ...t, effects, events };
}

describe('SETBIT / GETBIT', () => {
  it('sets bits MSB first, growing with zeros, replying with the old bit', () => {
    const { run, db } = setup();
    expect(run('SETBIT', 'b', 7, 1)).toBe(0);
    expect(run('GET', 'b')).toBe('\x01');
    expect(run('SETBIT', 'b', 7, 1)).toBe(1);
    expect(run('SETBIT', 'b', 0, 1)).toBe(0);
    expect(run('GET', 'b')).toBe('\x81');
    expect(run('SETBIT', 'b', 100, 1)).toBe(0);
    expect(run('STRLEN', 'b')).toBe(13);
    expect(run('GETBIT', 'b', 100)).toBe(1);
    expect(run('GETBIT', 'b', 101)).toBe(0);
    expect(run('GETBIT', 'b', 99999)).toBe(0);
    expect(run('GETBIT', 'nokey', 5)).toBe(0);
    expect(db.peek('b')).toBeInstanceOf(StrBuf);
    run('SET', 'plain', '\x80');
    expect(run('GETBIT', 'plain', 0)).toBe(1);
    expect(run('SETBIT', 'plain', 1, 1)).toBe(0);
    expect(run('GET', 'plain')).toBe('\xc0');
  });

  it('signals, notifies and propagates only real changes', () => {
    const { run, effects, events, session } = setup();
    run('SETBIT', 'b', 3, 1);
    run('SETBIT', 'b', 3, 1); // unchanged
    run('SETBIT', 'b', 3, 0);
    run('SETBIT', 'n', 20, 0); // creates zeros: a change
    expect(effects).toEqual([
      ['SETBIT', 'b', '3', '1'],
      ['SETBIT', 'b', '3', '0'],
      ['SETBIT', 'n', '20', '0'],
    ]);
    expect(events).toEqual(['$:setbit:b', '$:setbit:b', '$:setbit:n']);
    run('SET', 'p', 'a');
    run('WATCH', 'p');
    run('SETBIT', 'p', 1, 1); // 'a' = 0x61 already has bit 1 set
    expect(session.dirtyCAS).toBe(false);
  });

  it('validates offset and value before touching anything', () => {
    const { run, db } = setup({ 'proto-max-bulk-len': 1024 });
    expect(err(run('SETBIT', 'b', -1, 1))).toBe(BAD_OFFSET);
    expect(err(run('SETBIT', 'b', 'abc', 1))).toBe(BAD_OFFSET);
    expect(err(run('SETBIT', 'b', 8192, 1))).toBe(BAD_OFFSET);
    expect(run('SETBIT', 'b', 8191, 1)).toBe(0);
    for (const v of ['2', '-1', 'abc', '1.0']) {
      expect(err(run('SETBIT', 'c', 0, v))).toBe('ERR bit is not an integer or out of range');
    }
    expect(db.exists('c')).toBe(false);
    expect(err(run('GETBIT', 'b', -1))).toBe(BAD_OFFSET);
    run('RPUSH', 'l', 'x');
    expect(err(run('SETBIT', 'l', 0, 1))).toBe(WRONGTYPE);
    expect(err(run('GETBIT', 'l', 0))).toBe(WRONGTYPE);
  });

  it('setting far bits is O(1) amortized per call', () => {
    const { run } = setup();
    for (let i = 0; i < 200000; i += 7) run('SETBIT', 'b', i, 1);
    expect(run('BITCOUNT', 'b')).toBe(Math.ceil(200000 / 7));
  });
});

describe('BITCOUNT', () => {
  it('counts bits in byte and bit ranges', () => {
    const { run } = setup();
    run('SET', 's', 'foobar');
    expect(run('BITCOUNT', 's')).toBe(26);
    expect(run('BITCOUNT', 's', 0, 0)).toBe(4);
    expect(run('BITCOUNT', 's', 1, 1)).toBe(6);
    expect(run('BITCOUNT', 's', 1, 1, 'BYTE')).toBe(6);
    expect(run('BITCOUNT', 's', 5, 30, 'BIT')).toBe(17);
    expect(run('BITCOUNT', 's', -1, -2)).toBe(0);
    expect(run('BITCOUNT', 's', -2, -1)).toBe(7);
    expect(run('BITCOUNT', 's', 0, -1, 'bit')).toBe(26);
    expect(run('BITCOUNT', 's', 3, -3, 'BIT')).toBe(23);
    expect(run('BITCOUNT', 's', -100, 100)).toBe(26);
    expect(run('BITCOUNT', 'nokey')).toBe(0);
  });

  it('checks arguments (after the key lookup, as Redis)', () => {
    const { run } = setup();
    run('SET', 's', 'foobar');
    expect(err(run('BITCOUNT', 's', 1))).toBe(SYNTAX);
    expect(err(run('BITCOUNT', 's', 1, 2, 'FOO'))).toBe(SYNTAX);
    expect(err(run('BITCOUNT', 's', 1, 2, 'BIT', 'x'))).toBe(SYNTAX);
    expect(err(run('BITCOUNT', 's', 'a', 'b'))).toBe(NOT_INT);
    expect(run('BITCOUNT', 'nokey', 1)).toBe(0);
    run('RPUSH', 'l', 'x');
    expect(err(run('BITCOUNT', 'l'))).toBe(WRONGTYPE);
  });
});

describe('BITPOS', () => {
  it('finds set and clear bits', () => {
    const { run } = setup();
    run('SET', 'p', '\xff\xf0\x00');
    expect(run('BITPOS', 'p', 0)).toBe(12);
    expect(run('BITPOS', 'p', 1)).toBe(0);
    expect(run('BITPOS', 'p', 1, 1)).toBe(8);
    expect(run('BITPOS', 'p', 1, 2)).toBe(-1);
    expect(run('BITPOS', 'p', 0, 0, -1)).toBe(12);
    expect(run('BITPOS', 'p', 0, 7, 15, 'BIT')).toBe(12);
    expect(run('BITPOS', 'p', 0, 7, 11, 'BIT')).toBe(-1);
    expect(run('BITPOS', 'p', 1, 13, 20, 'BIT')).toBe(-1);
    run('SET', 'o', '\xff\xff\xff');
    expect(run('BITPOS', 'o', 0)).toBe(24); // the right is zero-padded without an end
    expect(run('BITPOS', 'o', 0, 0)).toBe(24);
    expect(run('BITPOS', 'o', 0, 0, -1)).toBe(-1);
    expect(run('BITPOS', 'o', 0, 5, 17, 'BIT')).toBe(-1);
    run('SET', 'z', '\x00\x00\x00');
    expect(run('BITPOS', 'z', 1)).toBe(-1);
    expect(run('BITPOS', 'z', 0)).toBe(0);
    expect(run('BITPOS', 'nokey', 1)).toBe(-1);
    expect(run('BITPOS', 'nokey', 0)).toBe(0);
    expect(run('BITPOS', 'o', 1, -100, -99)).toBe(0);
    expect(run('BITPOS', 'o', 1, 2, 1)).toBe(-1);
  });

  it('checks arguments', () => {
    const { run } = setup();
    run('SET', 'p', 'ab');
    expect(err(run('BITPOS', 'p', 2))).toBe('ERR The bit argument must be 1 or 0.');
    expect(err(run('BITPOS', 'nokey', 2))).toBe('ERR The bit argument must be 1 or 0.');
    expect(err(run('BITPOS', 'p', 'x'))).toBe(NOT_INT);
    expect(err(run('BITPOS', 'p', 1, 0, -1, 'FOO'))).toBe(SYNTAX);
    expect(err(run('BITPOS', 'p', 1, 0, -1, 'BIT', 'x'))).toBe(SYNTAX);
    expect(err(run('BITPOS', 'p', 1, 'a'))).toBe(NOT_INT);
    run('RPUSH', 'l', 'x');
    expect(err(run('BITPOS', 'l', 1))).toBe(WRONGTYPE);
  });
});

describe('BITOP', () => {
  it('AND / OR / XOR / NOT, shorter inputs zero-padded', () => {
    const { run, db } = setup();
    run('MSET', 'a', 'foobar', 'b', 'abcdef', 's', 'ab');
    expect(run('BITOP', 'AND', 'd', 'a', 'b')).toBe(6);
    expect(run('GET', 'd')).toBe('`bc`ab');
    expect(run('BITOP', 'or', 'd', 'a', 'b')).toBe(6);
    expect(run('GET', 'd')).toBe('goofev');
    expect(run('BITOP', 'XOR', 'd', 'a', 'b')).toBe(6);
    expect(run('GET', 'd')).toBe('\x07\x0d\x0c\x06\x04\x14');
    expect(run('BITOP', 'NOT', 'd', 's')).toBe(2);
    expect(run('GET', 'd')).toBe('\x9e\x9d');
    expect(run('BITOP', 'AND', 'd', 'a', 's')).toBe(6);
    expect(run('GET', 'd')).toBe('`b\0\0\0\0');
    expect(run('BITOP', 'OR', 'd', 's', 'a', 'nokey')).toBe(6);
    expect(run('GET', 'd')).toBe('goobar');
    expect(db.peek('d')).toBeInstanceOf(StrBuf); // raw encoding, as Redis
    expect(run('BITOP', 'AND', 'a', 'a', 'a')).toBe(6);
    expect(run('GET', 'a')).toBe('foobar');
  });

  it('an empty result deletes the destination; TTL is cleared', () => {
    const { run, db, events } = setup();
    run('SET', 'd', 'x', 'EX', 100);
    run('SET', 'a', 'z');
    expect(run('BITOP', 'OR', 'd', 'a')).toBe(1);
    expect(db.getExpire('d')).toBe(-1);
    expect(run('BITOP', 'AND', 'd', 'n1', 'n2')).toBe(0);
    expect(db.exists('d')).toBe(false);
    expect(events.slice(-2)).toEqual(['$:set:d', 'g:del:d']);
  });

  it('checks arguments and types', () => {
    const { run, db } = setup();
    run('SET', 'a', 'x');
    expect(err(run('BITOP', 'FOO', 'd', 'a'))).toBe(SYNTAX);
    expect(err(run('BITOP', 'NOT', 'd', 'a', 'a'))).toBe('ERR BITOP NOT must be called with a single source key.');
    run('RPUSH', 'l', 'x');
    expect(err(run('BITOP', 'AND', 'd', 'a', 'l'))).toBe(WRONGTYPE);
    expect(db.exists('d')).toBe(false);
    expect(keyIndexes(commands.get('bitop')!, ['BITOP', 'AND', 'd', 'a', 'b'])).toEqual([2, 3, 4]);
  });
});

describe('BITFIELD', () => {
  it('GET / SET / INCRBY with signed and unsigned types', () => {
    const { run } = setup();
    expect(run('BITFIELD', 'bf', 'SET', 'i8', 0, 100, 'GET', 'i8', 0)).toEqual([0, 100]);
    expect(run('BITFIELD', 'bf', 'INCRBY', 'i8', 0, 100)).toEqual([-56]); // wraps by default
    expect(run('BITFIELD', 'bf', 'GET', 'u8', 0, 'GET', 'u4', 0, 'GET', 'i4', 4)).toEqual([200, 12, -8]);
    expect(run('BITFIELD', 'bf', 'SET', 'u8', '#1', 255, 'GET', 'u8', '#1', 'INCRBY', 'u8', '#1', 1)).toEqual([0, 255, 0]);
    expect(run('BITFIELD', 'bf', 'SET', 'u2', 3, 3, 'GET', 'u16', 0)).toEqual([1, 55296]);
    expect(run('BITFIELD', 'bf')).toEqual([]);
  });

  it('overflow modes', () => {
    const { run } = setup();
    run('BITFIELD', 'k', 'SET', 'i8', 0, 100);
    expect(run('BITFIELD', 'k', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', 0, 100)).toEqual([127]);
    expect(run('BITFIELD', 'k', 'OVERFLOW', 'FAIL', 'INCRBY', 'i8', 0, 1)).toEqual([null]);
    expect(run('BITFIELD', 'k', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', 0, -1000)).toEqual([-128]);
    expect(run('BITFIELD', 'k', 'OVERFLOW', 'WRAP', 'INCRBY', 'i8', 0, -1)).toEqual([127]);
    expect(run('BITFIELD', 'k', 'SET', 'u4', 0, 15, 'INCRBY', 'u4', 0, 1, 'OVERFLOW', 'SAT', 'INCRBY', 'u4', 0, -5, 'INCRBY', 'u4', 0, 20)).toEqual([7, 0, 0, 15]);
    expect(run('BITFIELD', 'k', 'OVERFLOW', 'FAIL', 'INCRBY', 'u4', 0, 1, 'INCRBY', 'u4', 0, -1, 'GET', 'u4', 0)).toEqual([null, 14, 14]);
    // SET of an out-of-range value: wrapped, saturated or refused.
    expect(run('BITFIELD', 'k', 'OVERFLOW', 'SAT', 'SET', 'u8', 0, -1, 'SET', 'i8', 8, '-9223372036854775808', 'GET', 'u8', 0, 'GET', 'i8', 8)).toEqual([239, 0, 255, 127]);
    expect(run('BITFIELD', 'k', 'SET', 'u8', 0, -1, 'SET', 'i8', 8, 300, 'GET', 'u8', 0, 'GET', 'i8', 8)).toEqual([255, 127, 255, 44]);
    expect(run('BITFIELD', 'k', 'OVERFLOW', 'FAIL', 'SET', 'u8', 0, 256, 'SET', 'i8', 8, -129)).toEqual([null, null]);
  });

  it('64-bit edges', () => {
    const { run } = setup();
    const max = 9223372036854775807n;
    const min = -9223372036854775808n;
    expect(run('BITFIELD', 'k', 'SET', 'i64', 0, min.toString(), 'INCRBY', 'i64', 0, -1)).toEqual([0, max]);
    expect(run('BITFIELD', 'k', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', 0, 1, 'INCRBY', 'i64', 0, '-9223372036854775808')).toEqual([max, -1]);
    expect(run('BITFIELD', 'k', 'SET', 'u63', 0, max.toString(), 'INCRBY', 'u63', 0, 1, 'GET', 'i64', 0)).toEqual([max, 0, 1]);
    expect(run('BITFIELD', 'k', 'SET', 'u63', 1, max.toString(), 'OVERFLOW', 'FAIL', 'INCRBY', 'u63', 1, 1, 'GET', 'u63', 1)).toEqual([1, null, max]);
  });

  it('validates every subcommand before executing any', () => {
    const { run, db } = setup({ 'proto-max-bulk-len': 1024 });
    const bad: [unknown[], string][] = [
      [['GET', 'u64', 0], BAD_TYPE],
      [['GET', 'i65', 0], BAD_TYPE],
      [['GET', 'i0', 0], BAD_TYPE],
      [['GET', 'x8', 0], BAD_TYPE],
      [['GET', 'i08', 0], BAD_TYPE],
      [['GET', 'i8'], SYNTAX],
      [['GET', 'i8', -1], BAD_OFFSET],
      [['GET', 'i8', '#-1'], BAD_OFFSET],
      [['GET', 'i8', '##1'], BAD_OFFSET],
      [['GET', 'i8', 8192], BAD_OFFSET],
      [['SET', 'i8', 0], SYNTAX],
      [['SET', 'i8', 0, 'abc'], NOT_INT],
      [['OVERFLOW', 'FOO'], 'ERR Invalid OVERFLOW type specified'],
      [['OVERFLOW'], SYNTAX],
      [['FOO'], SYNTAX],
    ];
    for (const [args, msg] of bad) {
      expect(err(run('BITFIELD', 'k', 'SET', 'u8', 0, 1, ...(args as string[])))).toBe(msg);
    }
    expect(db.exists('k')).toBe(false);
    expect(run('BITFIELD', 'k', 'GET', 'i8', 8184)).toEqual([0]);
    run('RPUSH', 'l', 'x');
    expect(err(run('BITFIELD', 'l', 'GET', 'u8', 0))).toBe(WRONGTYPE);
    expect(err(run('BITFIELD', 'l', 'SET', 'u8', 0, 1))).toBe(WRONGTYPE);
  });

  it('GET-only leaves a missing key missing; writes create it', () => {
    const { run, db, effects, events } = setup();
    expect(run('BITFIELD', 'k', 'GET', 'u8', 0)).toEqual([0]);
    expect(db.exists('k')).toBe(false);
    expect(effects).toEqual([]);
    expect(run('BITFIELD', 'k', 'SET', 'u8', 8, 7)).toEqual([0]);
    expect(run('GET', 'k')).toBe('\0\x07');
    expect(run('BITFIELD', 'k', 'SET', 'u8', 8, 7)).toEqual([7]); // no change
    expect(effects).toEqual([['BITFIELD', 'k', 'SET', 'u8', '8', '7']]);
    expect(events).toEqual(['$:setbit:k']);
    // OVERFLOW FAIL on a missing key still creates it (zero-filled), as Redis.
    expect(run('BITFIELD', 'f', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', 0, 10)).toEqual([null]);
    expect(run('GET', 'f')).toBe('\0');
  });

  it('BITFIELD_RO only reads', () => {
    const { run } = setup();
    run('SET', 'k', '\x01\x02');
    expect(run('BITFIELD_RO', 'k', 'GET', 'u8', 0, 'GET', 'u16', 0, 'GET', 'i8', '#1')).toEqual([1, 258, 2]);
    expect(err(run('BITFIELD_RO', 'k', 'GET', 'u8', 0, 'SET', 'u8', 0, 1))).toBe(
      'ERR BITFIELD_RO only supports the GET subcommand',
    );
    expect(err(run('BITFIELD_RO', 'k', 'INCRBY', 'u8', 0, 1))).toBe('ERR BITFIELD_RO only supports the GET subcommand');
    expect(run('GET', 'k')).toBe('\x01\x02');
    expect(run('BITFIELD_RO', 'nokey', 'GET', 'i8', 0)).toEqual([0]);
  });

  it('reads and writes big values in place', () => {
    const { run } = setup();
    run('SET', 'big', 'x'.repeat(100000));
    for (let i = 0; i < 1000; i++) run('BITFIELD', 'big', 'INCRBY', 'u8', `#${i * 90}`, 1);
    expect(run('BITFIELD', 'big', 'GET', 'u8', '#0', 'GET', 'u8', '#90', 'GET', 'u8', '#1')).toEqual([121, 121, 120]);
  });
});
