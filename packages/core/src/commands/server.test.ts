import { describe, expect, it } from 'vitest';
import { testEngine } from '../../test/util.ts';
import { ErrorReply } from '../errors.ts';
import type { Effect } from '../engine/shard.ts';
import { NULL_ARRAY, OK, PONG } from '../reply.ts';

const T0 = 1_700_000_000_123;

function setup() {
  const now = T0;
  const t = testEngine({ clock: () => now });
  const effects: Effect[][] = [];
  t.engine.onEffects((g) => effects.push(g));
  return { ...t, effects };
}

const err = (m: string) => new ErrorReply(m);
const arity = (c: string) => err(`ERR wrong number of arguments for '${c}' command`);

describe('FLUSHDB / FLUSHALL', () => {
  it('FLUSHDB empties only the selected db and always replicates', () => {
    const { run, db, shard, effects } = setup();
    db.add('a', '1');
    db.add('b', '1');
    run('EXPIRE', 'a', 100);
    shard.dbs[1]!.add('c', '1');
    effects.length = 0;
    expect(run('FLUSHDB')).toEqual(OK);
    expect(db.size).toBe(0);
    expect(db.expires.size).toBe(0);
    expect(shard.dbs[1]!.size).toBe(1);
    expect(run('FLUSHDB', 'ASYNC')).toEqual(OK);
    expect(run('FLUSHDB', 'sync')).toEqual(OK);
    expect(effects).toEqual([
      [{ db: 0, argv: ['FLUSHDB'] }],
      [{ db: 0, argv: ['FLUSHDB', 'ASYNC'] }],
      [{ db: 0, argv: ['FLUSHDB', 'sync'] }],
    ]);
  });

  it('FLUSHALL empties every db and frees the memory estimate', () => {
    const { run, db, shard, effects } = setup();
    db.add('a', '1');
    shard.dbs[5]!.add('c', '1');
    expect(run('FLUSHALL')).toEqual(OK);
    expect(shard.keyCount).toBe(0);
    expect(shard.used).toBe(0);
    expect(effects).toEqual([[{ db: 0, argv: ['FLUSHALL'] }]]);
  });

  it('syntax errors change nothing', () => {
    const { run, db } = setup();
    db.add('a', '1');
    expect(run('FLUSHDB', 'foo')).toEqual(err('ERR syntax error'));
    expect(run('FLUSHDB', 'async', 'x')).toEqual(err('ERR syntax error'));
    expect(run('FLUSHALL', 'foo')).toEqual(err('ERR syntax error'));
    expect(db.size).toBe(1);
  });

  it('invalidates WATCH on existing keys', () => {
    const { run, db, engine } = setup();
    db.add('a', '1');
    const s = engine.createSession();
    engine.execute(s, ['WATCH', 'a']);
    run('FLUSHALL');
    engine.execute(s, ['MULTI']);
    expect(engine.execute(s, ['EXEC'])).toBe(NULL_ARRAY);
  });
});

describe('SELECT', () => {
  it('changes the session db', () => {
    const { run, shard, session, effects } = setup();
    expect(run('SELECT', 3)).toEqual(OK);
    expect(session.db).toBe(3);
    shard.dbs[3]!.add('x', '1');
    expect(run('EXISTS', 'x')).toBe(1);
    expect(run('DEL', 'x')).toBe(1);
    expect(effects).toEqual([[{ db: 3, argv: ['DEL', 'x'] }]]);
  });

  it('errors', () => {
    const { run, session } = setup();
    expect(run('SELECT', 16)).toEqual(err('ERR DB index is out of range'));
    expect(run('SELECT', -1)).toEqual(err('ERR DB index is out of range'));
    expect(run('SELECT', 'abc')).toEqual(err('ERR value is not an integer or out of range'));
    expect(run('SELECT', '99999999999')).toEqual(
      err('ERR value is out of range, value must between -2147483648 and 2147483647'),
    );
    expect(run('SELECT')).toEqual(arity('select'));
    expect(session.db).toBe(0);
  });

  it('inside MULTI, later commands use the new db', () => {
    const { run, shard } = setup();
    shard.dbs[2]!.add('k', '1');
    run('MULTI');
    run('SELECT', 2);
    run('EXISTS', 'k');
    expect(run('EXEC')).toEqual([OK, 1]);
  });
});

describe('SWAPDB', () => {
  it('swaps contents; sessions keep their index', () => {
    const { run, db, shard, effects } = setup();
    db.add('a', '1');
    run('EXPIRE', 'a', 100);
    shard.dbs[1]!.add('b', '2');
    effects.length = 0;
    expect(run('SWAPDB', 0, 1)).toEqual(OK);
    expect(run('EXISTS', 'a')).toBe(0);
    expect(run('EXISTS', 'b')).toBe(1);
    expect(shard.dbs[0]!.id).toBe(0);
    expect(shard.dbs[1]!.id).toBe(1);
    run('SELECT', 1);
    expect(run('TTL', 'a')).toBe(100);
    expect(effects).toEqual([[{ db: 0, argv: ['SWAPDB', '0', '1'] }]]);
    expect(run('SWAPDB', 1, 1)).toEqual(OK);
    expect(run('EXISTS', 'a')).toBe(1);
    expect(effects.length).toBe(2);
  });

  it('invalidates WATCH in both directions', () => {
    const { run, db, shard, engine } = setup();
    db.add('a', '1');
    shard.dbs[1]!.add('b', '2');
    const s1 = engine.createSession();
    engine.execute(s1, ['WATCH', 'a']); // exists in db 0, leaves it
    const s2 = engine.createSession();
    engine.execute(s2, ['WATCH', 'b']); // missing in db 0, arrives in it
    const s3 = engine.createSession();
    engine.execute(s3, ['WATCH', 'zzz']);
    run('SWAPDB', 0, 1);
    for (const s of [s1, s2, s3]) engine.execute(s, ['MULTI']);
    expect(engine.execute(s1, ['EXEC'])).toBe(NULL_ARRAY);
    expect(engine.execute(s2, ['EXEC'])).toBe(NULL_ARRAY);
    expect(engine.execute(s3, ['EXEC'])).toEqual([]);
  });

  it('errors change nothing', () => {
    const { run, db } = setup();
    db.add('a', '1');
    expect(run('SWAPDB', 'x', 1)).toEqual(err('ERR invalid first DB index'));
    expect(run('SWAPDB', 0, 'y')).toEqual(err('ERR invalid second DB index'));
    expect(run('SWAPDB', '99999999999', 1)).toEqual(err('ERR invalid first DB index'));
    expect(run('SWAPDB', 0, 16)).toEqual(err('ERR DB index is out of range'));
    expect(run('SWAPDB', -1, 0)).toEqual(err('ERR DB index is out of range'));
    expect(run('SWAPDB', 0)).toEqual(arity('swapdb'));
    expect(run('EXISTS', 'a')).toBe(1);
  });
});

describe('PING / ECHO / TIME', () => {
  it('PING', () => {
    const { run } = setup();
    expect(run('PING')).toBe(PONG);
    expect(run('PING', 'hello')).toBe('hello');
    expect(run('PING', 'a', 'b')).toEqual(arity('ping'));
  });

  it('ECHO', () => {
    const { run } = setup();
    expect(run('ECHO', '\x00\xff')).toBe('\x00\xff');
    expect(run('ECHO')).toEqual(arity('echo'));
    expect(run('ECHO', 'a', 'b')).toEqual(arity('echo'));
  });

  it('TIME uses the engine clock', () => {
    const { run } = setup();
    expect(run('TIME')).toEqual(['1700000000', '123000']);
    expect(run('TIME', 'x')).toEqual(arity('time'));
  });

  it('TIME on the wall clock has microseconds', () => {
    const { engine, session } = testEngine();
    const [s, us] = engine.execute(session, ['TIME']) as [string, string];
    expect(Number(s)).toBeGreaterThan(1_600_000_000);
    expect(Number(us)).toBeGreaterThanOrEqual(0);
    expect(Number(us)).toBeLessThan(1_000_000);
  });
});
