/**
 * DESIGN invariant 3: every write yields deterministic effects, and replaying the effects of a
 * command sequence on an empty engine gives the same data — with random commands, relative TTLs,
 * lazy expiry and a moving clock in the mix.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.ts';
import type { Effect } from '../src/engine/shard.ts';
import { dumpEngine } from './dump.ts';

const key = fc.constantFrom('a', 'b', 'c', 'd', '{t}x', '{t}y');
const member = fc.constantFrom('m1', 'm2', 'm3', 'm4', '5', '-7', '\x00\xff');
const num = fc.integer({ min: -20, max: 20 }).map(String);
const float = fc.constantFrom('0.1', '1.5', '-2.25', '3e2', '0.2');
const secs = fc.integer({ min: -2, max: 5 }).map(String);

const command: fc.Arbitrary<string[]> = fc.oneof(
  fc.tuple(key, member).map(([k, v]) => ['SET', k, v]),
  fc.tuple(key, member, secs).map(([k, v, t]) => ['SET', k, v, 'EX', t]),
  fc.tuple(key, member).map(([k, v]) => ['SET', k, v, 'PX', '1500', 'GET']),
  fc.tuple(key, member).map(([k, v]) => ['SETEX', k, '2', v]),
  fc.tuple(key, member).map(([k, v]) => ['APPEND', k, v]),
  fc.tuple(key, num).map(([k, n]) => ['INCRBY', k, n]),
  fc.tuple(key, float).map(([k, f]) => ['INCRBYFLOAT', k, f]),
  fc.tuple(key, fc.integer({ min: 0, max: 40 })).map(([k, o]) => ['SETBIT', k, String(o), '1']),
  fc.tuple(key, fc.integer({ min: 0, max: 10 }), member).map(([k, o, v]) => ['SETRANGE', k, String(o), v]),
  fc.tuple(key, secs).map(([k, t]) => ['GETEX', k, 'EX', t]),
  key.map((k) => ['GETDEL', k]),
  fc.tuple(key, member, member).map(([k, f, v]) => ['HSET', k, f, v]),
  fc.tuple(key, member, float).map(([k, f, x]) => ['HINCRBYFLOAT', k, f, x]),
  fc.tuple(key, member).map(([k, f]) => ['HDEL', k, f]),
  fc.tuple(key, member).map(([k, v]) => ['LPUSH', k, v]),
  fc.tuple(key, member).map(([k, v]) => ['RPUSH', k, v]),
  fc.tuple(key, key).map(([a, b]) => ['LMOVE', a, b, 'LEFT', 'RIGHT']),
  fc.tuple(key, key).map(([a, b]) => ['LMPOP', '2', a, b, 'RIGHT', 'COUNT', '2']),
  fc.tuple(key, fc.integer({ min: -3, max: 3 })).map(([k, n]) => ['LTRIM', k, '0', String(n)]),
  fc.tuple(key, member).map(([k, v]) => ['SADD', k, v]),
  fc.tuple(key, fc.integer({ min: 1, max: 3 })).map(([k, n]) => ['SPOP', k, String(n)]),
  key.map((k) => ['SPOP', k]),
  fc.tuple(key, key, member).map(([a, b, m]) => ['SMOVE', a, b, m]),
  fc.tuple(key, key, key).map(([d, a, b]) => ['SUNIONSTORE', d, a, b]),
  fc.tuple(key, num, member).map(([k, s, m]) => ['ZADD', k, s, m]),
  fc.tuple(key, float, member).map(([k, s, m]) => ['ZINCRBY', k, s, m]),
  key.map((k) => ['ZPOPMIN', k]),
  fc.tuple(key, key).map(([a, b]) => ['ZMPOP', '2', a, b, 'MAX', 'COUNT', '2']),
  fc.tuple(key, key, key).map(([d, a, b]) => ['ZUNIONSTORE', d, '2', a, b, 'WEIGHTS', '2', '0.5']),
  fc.tuple(key, member).map(([k, m]) => ['GEOADD', k, '13.36', '38.11', m]),
  fc.tuple(key, member).map(([k, m]) => ['PFADD', k, m]),
  fc.tuple(key, key).map(([a, b]) => ['PFMERGE', a, b]),
  fc.tuple(key, secs).map(([k, t]) => ['EXPIRE', k, t]),
  fc.tuple(key, secs).map(([k, t]) => ['PEXPIRE', k, String(Number(t) * 700), 'GT']),
  key.map((k) => ['PERSIST', k]),
  fc.tuple(key, key).map(([a, b]) => ['RENAME', a, b]),
  fc.tuple(key, key).map(([a, b]) => ['COPY', a, b, 'REPLACE']),
  key.map((k) => ['MOVE', k, '1']),
  key.map((k) => ['DEL', k]),
  key.map((k) => ['GET', k]),
  fc.constant<string[]>(['SWAPDB', '0', '1']),
  fc.constant<string[]>(['SELECT', '1']),
  fc.constant<string[]>(['SELECT', '0']),
  fc.constant<string[]>(['FLUSHDB']),
  fc.tuple(key, key).map(([a, b]) => ['SORT', a, 'ALPHA', 'STORE', b]),
);

/** A step: a command, optionally wrapped in MULTI/EXEC, after advancing the clock. */
const step = fc.record({
  advance: fc.constantFrom(0, 0, 0, 400, 1100, 2500),
  multi: fc.boolean(),
  commands: fc.array(command, { minLength: 1, maxLength: 3 }),
});

describe('effects', () => {
  it('replaying the effects of random command sequences rebuilds the same data', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
        let now = 1_700_000_000_000;
        const clock = () => now;
        const live = new Engine({ clock, activeExpire: false });
        const groups: Effect[][] = [];
        live.onEffects((g) => groups.push(g));
        const s = live.createSession();
        for (const st of steps) {
          now += st.advance;
          if (st.multi) live.execute(s, ['MULTI']);
          for (const argv of st.commands) live.execute(s, argv);
          if (st.multi) live.execute(s, ['EXEC']);
        }
        const replica = new Engine({ clock, activeExpire: false });
        for (const group of groups) replica.shard.replay(group);
        expect(dumpEngine(replica)).toEqual(dumpEngine(live));
        live.close();
        replica.close();
      }),
      { numRuns: 300 },
    );
  });
});
