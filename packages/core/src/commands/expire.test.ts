import { describe, expect, it } from 'vitest';
import { testEngine } from '../../test/util.ts';
import { ErrorReply } from '../errors.ts';
import type { Effect } from '../engine/shard.ts';

const T0 = 1_700_000_000_000;

function setup() {
  let now = T0;
  const t = testEngine({ clock: () => now });
  const effects: Effect[][] = [];
  t.engine.onEffects((g) => effects.push(g));
  const events: string[] = [];
  t.shard.onNotify = (db, cls, ev, key) => events.push(`${db}:${cls}:${ev}:${key}`);
  return {
    ...t,
    effects,
    events,
    advance(ms: number) {
      now += ms;
    },
  };
}

const err = (m: string) => new ErrorReply(m);

describe('EXPIRE family', () => {
  it('sets TTLs and replicates them as PEXPIREAT of the absolute time', () => {
    const { run, db, effects, events } = setup();
    db.add('k', 'v');
    expect(run('EXPIRE', 'k', 100)).toBe(1);
    expect(run('PTTL', 'k')).toBe(100_000);
    expect(run('TTL', 'k')).toBe(100);
    expect(run('PEXPIRE', 'k', 1500)).toBe(1);
    expect(run('PTTL', 'k')).toBe(1500);
    expect(run('TTL', 'k')).toBe(2); // rounded
    expect(run('EXPIREAT', 'k', T0 / 1000 + 50)).toBe(1);
    expect(run('PEXPIREAT', 'k', T0 + 7000)).toBe(1);
    expect(run('PEXPIRETIME', 'k')).toBe(T0 + 7000);
    expect(run('EXPIRETIME', 'k')).toBe(T0 / 1000 + 7);
    expect(effects).toEqual([
      [{ db: 0, argv: ['PEXPIREAT', 'k', String(T0 + 100_000)] }],
      [{ db: 0, argv: ['PEXPIREAT', 'k', String(T0 + 1500)] }],
      [{ db: 0, argv: ['PEXPIREAT', 'k', String(T0 + 50_000)] }],
      [{ db: 0, argv: ['PEXPIREAT', 'k', String(T0 + 7000)] }],
    ]);
    expect(events).toEqual(['0:g:expire:k', '0:g:expire:k', '0:g:expire:k', '0:g:expire:k']);
  });

  it('a time in the past deletes the key and replicates DEL', () => {
    const { run, db, effects, events } = setup();
    db.add('k', 'v');
    expect(run('EXPIRE', 'k', -1)).toBe(1);
    expect(run('EXISTS', 'k')).toBe(0);
    expect(effects).toEqual([[{ db: 0, argv: ['DEL', 'k'] }]]);
    expect(events).toEqual(['0:g:del:k']);
    db.add('k', 'v');
    expect(run('PEXPIREAT', 'k', T0)).toBe(1);
    expect(run('EXISTS', 'k')).toBe(0);
  });

  it('on a replica a past time sets the TTL instead of deleting', () => {
    const { run, db, shard } = setup();
    shard.expireEnabled = false;
    db.add('k', 'v');
    expect(run('PEXPIREAT', 'k', 5)).toBe(1);
    expect(db.main.has('k')).toBe(true);
    expect(db.getExpire('k')).toBe(5);
  });

  it('missing keys answer 0 and replicate nothing', () => {
    const { run, effects } = setup();
    expect(run('EXPIRE', 'nokey', 10)).toBe(0);
    expect(run('PERSIST', 'nokey')).toBe(0);
    expect(effects).toEqual([]);
  });

  it('NX XX GT LT', () => {
    const { run, db, effects } = setup();
    db.add('k', 'v');
    expect(run('EXPIRE', 'k', 100, 'XX')).toBe(0);
    expect(run('EXPIRE', 'k', 100, 'GT')).toBe(0); // no TTL = infinite
    expect(run('EXPIRE', 'k', 100, 'nx')).toBe(1);
    expect(run('EXPIRE', 'k', 200, 'NX')).toBe(0);
    expect(run('EXPIRE', 'k', 50, 'GT')).toBe(0);
    expect(run('EXPIRE', 'k', 100, 'GT')).toBe(0);
    expect(run('EXPIRE', 'k', 200, 'gt')).toBe(1);
    expect(run('EXPIRE', 'k', 300, 'LT')).toBe(0);
    expect(run('EXPIRE', 'k', 150, 'LT', 'XX')).toBe(1);
    expect(run('TTL', 'k')).toBe(150);
    expect(run('PERSIST', 'k')).toBe(1);
    expect(run('EXPIRE', 'k', 150, 'LT')).toBe(1); // no TTL: LT always applies
    expect(effects.length).toBe(5);
    expect(effects[1]).toEqual([{ db: 0, argv: ['PEXPIREAT', 'k', String(T0 + 200_000)] }]);
  });

  it('argument errors leave the key alone', () => {
    const { run, db } = setup();
    db.add('k', 'v');
    const nx = err('ERR NX and XX, GT or LT options at the same time are not compatible');
    expect(run('EXPIRE', 'k', 10, 'NX', 'XX')).toEqual(nx);
    expect(run('EXPIRE', 'k', 10, 'NX', 'GT')).toEqual(nx);
    expect(run('EXPIRE', 'k', 10, 'LT', 'NX')).toEqual(nx);
    expect(run('EXPIRE', 'k', 10, 'GT', 'LT')).toEqual(
      err('ERR GT and LT options at the same time are not compatible'),
    );
    expect(run('EXPIRE', 'k', 10, 'foo')).toEqual(err('ERR Unsupported option foo'));
    expect(run('EXPIRE', 'k', 'x')).toEqual(err('ERR value is not an integer or out of range'));
    expect(run('EXPIRE', 'k', '1.5')).toEqual(err('ERR value is not an integer or out of range'));
    expect(run('EXPIRE', 'k')).toEqual(err("ERR wrong number of arguments for 'expire' command"));
    expect(run('PEXPIREAT', 'k')).toEqual(err("ERR wrong number of arguments for 'pexpireat' command"));
    expect(run('TTL')).toEqual(err("ERR wrong number of arguments for 'ttl' command"));
    expect(run('TTL', 'a', 'b')).toEqual(err("ERR wrong number of arguments for 'ttl' command"));
    expect(run('PERSIST')).toEqual(err("ERR wrong number of arguments for 'persist' command"));
    expect(run('TTL', 'k')).toBe(-1);
  });

  it('overflow is an invalid expire time', () => {
    const { run, db } = setup();
    db.add('k', 'v');
    expect(run('EXPIRE', 'k', '9223372036854775')).toEqual(err("ERR invalid expire time in 'expire' command"));
    expect(run('EXPIRE', 'k', '9223370399119966')).toEqual(err("ERR invalid expire time in 'expire' command"));
    expect(run('EXPIRE', 'k', '-9223372036854775808')).toEqual(
      err("ERR invalid expire time in 'expire' command"),
    );
    expect(run('PEXPIRE', 'k', '9223372036854775807')).toEqual(
      err("ERR invalid expire time in 'pexpire' command"),
    );
    expect(run('EXPIREAT', 'k', '9223372036854775807')).toEqual(
      err("ERR invalid expire time in 'expireat' command"),
    );
    expect(run('EXPIRE', 'k', '99999999999999999999')).toEqual(err('ERR value is not an integer or out of range'));
    expect(run('TTL', 'k')).toBe(-1);
  });

  it('big absolute times are replicated exactly', () => {
    const { run, db, effects } = setup();
    db.add('k', 'v');
    expect(run('PEXPIREAT', 'k', '9223372036854775807')).toBe(1);
    expect(run('EXPIREAT', 'k', '9223372036854775')).toBe(1);
    expect(effects).toEqual([
      [{ db: 0, argv: ['PEXPIREAT', 'k', '9223372036854775807'] }],
      [{ db: 0, argv: ['PEXPIREAT', 'k', '9223372036854775000'] }],
    ]);
    expect(run('PEXPIREAT', 'k', '-9223372036854775808')).toBe(1);
    expect(run('TTL', 'k')).toBe(-2);
  });

  it('TTL family at LLONG_MAX answers int64 values, never 2^63', () => {
    const { run, db } = setup();
    db.add('k', 'v');
    expect(run('PEXPIREAT', 'k', '9223372036854775807')).toBe(1);
    // redis-server: 9223372036854775807, 9223372036854776 and LLONG_MAX - now for the TTLs.
    expect(run('PEXPIRETIME', 'k')).toBe(9223372036854775807n);
    expect(run('EXPIRETIME', 'k')).toBe(9223372036854776n);
    expect(run('PTTL', 'k')).toBe(9223372036854775807n - BigInt(T0));
    expect(run('TTL', 'k')).toBe((9223372036854775807n - BigInt(T0) + 500n) / 1000n);
  });

  it('TTL family on missing, persistent and volatile keys', () => {
    const { run, db, advance } = setup();
    for (const c of ['TTL', 'PTTL', 'EXPIRETIME', 'PEXPIRETIME']) expect(run(c, 'nokey')).toBe(-2);
    db.add('k', 'v');
    for (const c of ['TTL', 'PTTL', 'EXPIRETIME', 'PEXPIRETIME']) expect(run(c, 'k')).toBe(-1);
    run('PEXPIRE', 'k', 2499);
    expect(run('TTL', 'k')).toBe(2);
    advance(1000);
    expect(run('PTTL', 'k')).toBe(1499);
    expect(run('TTL', 'k')).toBe(1);
    advance(1499);
    expect(run('TTL', 'k')).toBe(-2);
    expect(db.main.has('k')).toBe(false);
  });

  it('TTL does not touch the LRU clock', () => {
    const { run, db, advance } = setup();
    db.add('k', 'v');
    advance(10_000);
    run('TTL', 'k');
    run('PTTL', 'k');
    expect(run('OBJECT', 'IDLETIME', 'k')).toBe(10);
  });

  it('PERSIST removes the TTL and notifies', () => {
    const { run, db, effects, events } = setup();
    db.add('k', 'v');
    expect(run('PERSIST', 'k')).toBe(0);
    run('EXPIRE', 'k', 10);
    effects.length = 0;
    events.length = 0;
    expect(run('PERSIST', 'k')).toBe(1);
    expect(run('TTL', 'k')).toBe(-1);
    expect(effects).toEqual([[{ db: 0, argv: ['PERSIST', 'k'] }]]);
    expect(events).toEqual(['0:g:persist:k']);
  });

  it('EXPIRE on a lazily expired key answers 0 and replicates only the DEL', () => {
    const { run, db, effects, advance } = setup();
    db.add('k', 'v');
    run('PEXPIRE', 'k', 100);
    effects.length = 0;
    advance(200);
    expect(run('EXPIRE', 'k', 100)).toBe(0);
    expect(effects).toEqual([[{ db: 0, argv: ['DEL', 'k'] }]]);
  });

  it('touches WATCH', () => {
    const { run, db, engine } = setup();
    db.add('k', 'v');
    const other = engine.createSession();
    engine.execute(other, ['WATCH', 'k']);
    run('EXPIRE', 'k', 100);
    engine.execute(other, ['MULTI']);
    expect(engine.execute(other, ['EXEC'])).toEqual(expect.objectContaining({ nullArray: true }));
  });
});
