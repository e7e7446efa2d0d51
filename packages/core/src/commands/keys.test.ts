import { describe, expect, it, vi } from 'vitest';
import { testEngine } from '../../test/util.ts';
import { ErrorReply } from '../errors.ts';
import type { Effect } from '../engine/shard.ts';
import { RObject } from '../keyspace/object.ts';
import { Status } from '../reply.ts';

const T0 = 1_700_000_000_000;

/** A minimal container, so these tests do not depend on the data-type families. */
class FakeList extends RObject {
  readonly type = 'list' as const;
  constructor(public items: string[]) {
    super();
  }
  memory(): number {
    return 64 + this.items.length * 16;
  }
  encoding(): string {
    return 'listpack';
  }
  get size(): number {
    return this.items.length;
  }
  clone(): FakeList {
    return new FakeList([...this.items]);
  }
}

function setup(config = {}) {
  let now = T0;
  const t = testEngine({ clock: () => now, config });
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
const arity = (c: string) => err(`ERR wrong number of arguments for '${c}' command`);
const sorted = (r: unknown) => [...(r as string[])].sort();

describe('DEL / UNLINK', () => {
  it('deletes, counts, notifies', () => {
    const { run, db, events, effects } = setup();
    db.add('a', '1');
    db.add('b', new FakeList(['x']));
    expect(run('DEL', 'a', 'b', 'c', 'a')).toBe(2);
    expect(db.size).toBe(0);
    expect(events).toEqual(['0:g:del:a', '0:g:del:b']);
    expect(effects).toEqual([[{ db: 0, argv: ['DEL', 'a', 'b', 'c', 'a'] }]]);
    db.add('a', '1');
    expect(run('UNLINK', 'a', 'z')).toBe(1);
    expect(run('DEL', 'nokey')).toBe(0);
    expect(effects.length).toBe(2);
    expect(run('DEL')).toEqual(arity('del'));
    expect(run('UNLINK')).toEqual(arity('unlink'));
  });

  it('an expired key does not count', () => {
    const { run, db, effects, advance } = setup();
    db.add('a', '1');
    run('PEXPIRE', 'a', 10);
    effects.length = 0;
    advance(10);
    expect(run('DEL', 'a')).toBe(0);
    expect(effects).toEqual([[{ db: 0, argv: ['DEL', 'a'] }]]);
  });
});

describe('EXISTS / TYPE / DBSIZE / TOUCH', () => {
  it('EXISTS counts duplicates', () => {
    const { run, db } = setup();
    db.add('a', '1');
    expect(run('EXISTS', 'a', 'a', 'b', 'a')).toBe(3);
    expect(run('EXISTS')).toEqual(arity('exists'));
  });

  it('TYPE', () => {
    const { run, db } = setup();
    db.add('a', '1');
    db.add('l', new FakeList(['x']));
    expect(run('TYPE', 'a')).toEqual(new Status('string'));
    expect(run('TYPE', 'l')).toEqual(new Status('list'));
    expect(run('TYPE', 'nokey')).toEqual(new Status('none'));
    expect(run('TYPE')).toEqual(arity('type'));
  });

  it('EXISTS and TYPE do not touch the LRU; TOUCH does', () => {
    const { run, db, advance, session } = setup();
    db.add('a', '1');
    advance(5000);
    run('EXISTS', 'a');
    run('TYPE', 'a');
    expect(run('OBJECT', 'IDLETIME', 'a')).toBe(5);
    session.noTouch = true;
    expect(run('TOUCH', 'a', 'b', 'a')).toBe(2);
    expect(run('OBJECT', 'IDLETIME', 'a')).toBe(0);
    expect(run('TOUCH')).toEqual(arity('touch'));
  });

  it('DBSIZE counts keys of the selected db', () => {
    const { run, db, shard } = setup();
    db.add('a', '1');
    db.add('b', '1');
    shard.dbs[1]!.add('c', '1');
    expect(run('DBSIZE')).toBe(2);
    run('SELECT', 1);
    expect(run('DBSIZE')).toBe(1);
    expect(run('DBSIZE', 'x')).toEqual(arity('dbsize'));
  });

  it('expired keys are gone', () => {
    const { run, db, advance } = setup();
    db.add('a', '1');
    run('PEXPIRE', 'a', 10);
    advance(10);
    expect(run('EXISTS', 'a')).toBe(0);
    db.add('b', '1');
    run('PEXPIRE', 'b', 10);
    advance(10);
    expect(run('TYPE', 'b')).toEqual(new Status('none'));
  });
});

describe('KEYS', () => {
  it('matches patterns and skips expired keys without deleting them', () => {
    const { run, db, advance } = setup();
    for (const k of ['one', 'two', 'three', 'four', 'x']) db.add(k, '1');
    expect(sorted(run('KEYS', '*'))).toEqual(['four', 'one', 'three', 'two', 'x']);
    expect(sorted(run('KEYS', 't*'))).toEqual(['three', 'two']);
    expect(sorted(run('KEYS', '*o*'))).toEqual(['four', 'one', 'two']);
    expect(run('KEYS', '???')).toEqual(expect.arrayContaining(['one', 'two']));
    expect(run('KEYS', 'nomatch')).toEqual([]);
    run('PEXPIRE', 'two', 10);
    advance(10);
    expect(sorted(run('KEYS', '*'))).toEqual(['four', 'one', 'three', 'x']);
    expect(sorted(run('KEYS', 't*'))).toEqual(['three']);
    expect(db.main.has('two')).toBe(true);
    expect(run('KEYS')).toEqual(arity('keys'));
  });
});

describe('SCAN', () => {
  it('iterates all keys with MATCH, COUNT and TYPE', () => {
    const { run, db } = setup();
    for (let i = 0; i < 100; i++) db.add(`k${i}`, String(i));
    for (let i = 0; i < 10; i++) db.add(`l${i}`, new FakeList(['x']));
    const seen = new Set<string>();
    let cursor = '0';
    let calls = 0;
    do {
      const [next, keys] = run('SCAN', cursor, 'COUNT', 7) as [string, string[]];
      for (const k of keys) seen.add(k);
      cursor = next;
      calls++;
    } while (cursor !== '0');
    expect(seen.size).toBe(110);
    expect(calls).toBeGreaterThan(1);
    const collect = (...opts: (string | number)[]) => {
      const out: string[] = [];
      let c = '0';
      do {
        const [next, keys] = run('SCAN', c, ...opts) as [string, string[]];
        out.push(...keys);
        c = next;
      } while (c !== '0');
      return out.sort();
    };
    expect(collect('MATCH', 'l*')).toEqual([...Array(10).keys()].map((i) => `l${i}`).sort());
    expect(collect('TYPE', 'LIST')).toEqual([...Array(10).keys()].map((i) => `l${i}`).sort());
    expect(collect('TYPE', 'string', 'MATCH', 'k1*').length).toBe(11);
    expect(collect('TYPE', 'foo')).toEqual([]);
  });

  it('skips expired keys', () => {
    const { run, db, advance } = setup();
    db.add('a', '1');
    db.add('b', '1');
    run('PEXPIRE', 'a', 10);
    advance(10);
    expect(run('SCAN', 0, 'COUNT', 100)).toEqual(['0', ['b']]);
    expect(db.main.has('a')).toBe(false);
  });

  it('errors', () => {
    const { run } = setup();
    expect(run('SCAN', 'abc')).toEqual(err('ERR invalid cursor'));
    expect(run('SCAN', ' 1')).toEqual(err('ERR invalid cursor'));
    expect(run('SCAN', '1x')).toEqual(err('ERR invalid cursor'));
    expect(run('SCAN', '18446744073709551616')).toEqual(err('ERR invalid cursor'));
    // strtoul's reading, as Redis: a sign is allowed ("-1" wraps around) and "" is 0.
    expect(Array.isArray(run('SCAN', '-1'))).toBe(true);
    expect(Array.isArray(run('SCAN', ''))).toBe(true);
    expect(Array.isArray(run('SCAN', '+0'))).toBe(true);
    expect(run('SCAN', 0, 'COUNT', 0)).toEqual(err('ERR syntax error'));
    expect(run('SCAN', 0, 'COUNT', 'x')).toEqual(err('ERR value is not an integer or out of range'));
    expect(run('SCAN', 0, 'MATCH')).toEqual(err('ERR syntax error'));
    expect(run('SCAN', 0, 'FOO', 'bar')).toEqual(err('ERR syntax error'));
    expect(run('SCAN')).toEqual(arity('scan'));
    expect(run('SCAN', 0)).toEqual(['0', []]);
  });
});

describe('RANDOMKEY', () => {
  it('returns a key or null', () => {
    const { run, db } = setup();
    expect(run('RANDOMKEY')).toBe(null);
    db.add('a', '1');
    expect(run('RANDOMKEY')).toBe('a');
    expect(run('RANDOMKEY', 'x')).toEqual(arity('randomkey'));
  });

  it('skips expired keys', () => {
    const { run, db, advance } = setup();
    db.add('a', '1');
    db.add('b', '1');
    run('PEXPIRE', 'a', 10);
    advance(10);
    for (let i = 0; i < 20; i++) expect(run('RANDOMKEY')).toBe('b');
  });

  it('does O(1) work on a million keys', () => {
    const { run, db } = setup();
    for (let i = 0; i < 1_000_000; i++) db.main.insertNew(`key:${i}`, 'v');
    const main = db.main;
    const forEach = vi.spyOn(main, 'forEach');
    const keyList = vi.spyOn(main, 'keyList');
    const entries = vi.spyOn(main, 'entries');
    const scan = vi.spyOn(main, 'scan');
    const randomIndex = vi.spyOn(main, 'randomIndex');
    for (let i = 0; i < 100; i++) expect(typeof run('RANDOMKEY')).toBe('string');
    expect(forEach).not.toHaveBeenCalled();
    expect(keyList).not.toHaveBeenCalled();
    expect(entries).not.toHaveBeenCalled();
    expect(scan).not.toHaveBeenCalled();
    expect(randomIndex).toHaveBeenCalledTimes(100);
  });
});

describe('RENAME / RENAMENX', () => {
  it('moves value, TTL and LRU clock', () => {
    const { run, db, events, effects, advance } = setup();
    db.add('a', '1');
    run('PEXPIRE', 'a', 5000);
    effects.length = 0;
    events.length = 0;
    advance(3000);
    expect(run('RENAME', 'a', 'b')).toEqual(new Status('OK'));
    expect(db.main.has('a')).toBe(false);
    expect(db.main.get('b')).toBe('1');
    expect(run('PTTL', 'b')).toBe(2000);
    expect(run('OBJECT', 'IDLETIME', 'b')).toBe(0); // RENAME's lookup touched it
    expect(events).toEqual(['0:g:rename_from:a', '0:g:rename_to:b']);
    expect(effects).toEqual([[{ db: 0, argv: ['RENAME', 'a', 'b'] }]]);
  });

  it('overwrites the destination and its TTL', () => {
    const { run, db } = setup();
    db.add('a', new FakeList(['x', 'y']));
    db.add('b', '2');
    run('EXPIRE', 'b', 100);
    const used = db.shard.used;
    expect(run('RENAME', 'a', 'b')).toEqual(new Status('OK'));
    expect(run('TTL', 'b')).toBe(-1);
    expect(run('TYPE', 'b')).toEqual(new Status('list'));
    expect(db.size).toBe(1);
    expect(db.shard.used).toBeLessThan(used);
  });

  it('RENAMENX', () => {
    const { run, db, effects } = setup();
    db.add('a', '1');
    db.add('b', '2');
    expect(run('RENAMENX', 'a', 'b')).toBe(0);
    expect(db.main.get('a')).toBe('1');
    expect(run('RENAMENX', 'a', 'c')).toBe(1);
    expect(db.main.get('c')).toBe('1');
    expect(run('RENAMENX', 'c', 'c')).toBe(0);
    expect(effects).toEqual([[{ db: 0, argv: ['RENAMENX', 'a', 'c'] }]]);
  });

  it('errors and same key', () => {
    const { run, db, effects } = setup();
    expect(run('RENAME', 'x', 'y')).toEqual(err('ERR no such key'));
    expect(run('RENAMENX', 'x', 'y')).toEqual(err('ERR no such key'));
    expect(run('RENAME', 'x', 'x')).toEqual(err('ERR no such key'));
    db.add('a', '1');
    expect(run('RENAME', 'a', 'a')).toEqual(new Status('OK'));
    expect(run('RENAME', 'a')).toEqual(arity('rename'));
    expect(run('RENAMENX', 'a', 'b', 'c')).toEqual(arity('renamenx'));
    expect(db.main.get('a')).toBe('1');
    expect(effects).toEqual([]);
  });
});

describe('COPY', () => {
  it('copies strings and containers (deep), with TTL', () => {
    const { run, db, events } = setup();
    const l = new FakeList(['x']);
    db.add('l', l);
    db.add('s', 'str');
    run('PEXPIRE', 's', 5000);
    events.length = 0;
    expect(run('COPY', 'l', 'l2')).toBe(1);
    expect(run('COPY', 's', 's2')).toBe(1);
    const l2 = db.main.get('l2') as FakeList;
    expect(l2).not.toBe(l);
    expect(l2.items).toEqual(['x']);
    l.items.push('y');
    expect(l2.items).toEqual(['x']);
    expect(db.main.get('s2')).toBe('str');
    expect(run('PTTL', 's2')).toBe(5000);
    expect(events).toEqual(['0:g:copy_to:l2', '0:g:copy_to:s2']);
  });

  it('keeps the string encoding, as dupStringObject (embstr, raw, int)', () => {
    const { run } = testEngine();
    run('INCRBYFLOAT', 'k1', '0');
    expect(run('COPY', 'k1', 'k0', 'DB', 0, 'REPLACE')).toBe(1);
    expect(run('OBJECT', 'ENCODING', 'k0')).toBe('embstr');
    run('SETRANGE', 'k1', 0, '1');
    run('COPY', 'k1', 'k2');
    expect(run('OBJECT', 'ENCODING', 'k2')).toBe('raw');
    run('SET', 'n', '12');
    run('COPY', 'n', 'n2');
    expect(run('OBJECT', 'ENCODING', 'n2')).toBe('int');
  });

  it('REPLACE and DB', () => {
    const { run, db, shard, events, effects } = setup();
    db.add('a', '1');
    db.add('b', '2');
    expect(run('COPY', 'a', 'b')).toBe(0);
    expect(db.main.get('b')).toBe('2');
    expect(run('COPY', 'a', 'b', 'REPLACE')).toBe(1);
    expect(db.main.get('b')).toBe('1');
    events.length = 0;
    expect(run('COPY', 'a', 'a', 'db', 3)).toBe(1);
    expect(shard.dbs[3]!.main.get('a')).toBe('1');
    expect(events).toEqual(['3:g:copy_to:a']);
    expect(run('COPY', 'a', 'a', 'DB', 3)).toBe(0);
    expect(run('COPY', 'nokey', 'x')).toBe(0);
    expect(effects).toEqual([
      [{ db: 0, argv: ['COPY', 'a', 'b', 'REPLACE'] }],
      [{ db: 0, argv: ['COPY', 'a', 'a', 'db', '3'] }],
    ]);
  });

  it('errors', () => {
    const { run, db } = setup();
    db.add('a', '1');
    expect(run('COPY', 'a', 'a')).toEqual(err('ERR source and destination objects are the same'));
    expect(run('COPY', 'a', 'a', 'DB', 0)).toEqual(err('ERR source and destination objects are the same'));
    expect(run('COPY', 'a', 'b', 'DB')).toEqual(err('ERR syntax error'));
    expect(run('COPY', 'a', 'b', 'foo')).toEqual(err('ERR syntax error'));
    expect(run('COPY', 'a', 'b', 'DB', 'x')).toEqual(err('ERR value is not an integer or out of range'));
    expect(run('COPY', 'a', 'b', 'DB', 16)).toEqual(err('ERR DB index is out of range'));
    expect(run('COPY', 'a', 'b', 'DB', -1)).toEqual(err('ERR DB index is out of range'));
    expect(run('COPY', 'a', 'b', 'DB', '99999999999')).toEqual(
      err('ERR value is out of range, value must between -2147483648 and 2147483647'),
    );
    expect(run('COPY', 'a')).toEqual(arity('copy'));
    expect(db.size).toBe(1);
  });
});

describe('MOVE', () => {
  it('moves value and TTL to another db', () => {
    const { run, db, shard, events, effects } = setup();
    db.add('a', new FakeList(['x']));
    run('EXPIRE', 'a', 100);
    effects.length = 0;
    events.length = 0;
    expect(run('MOVE', 'a', 2)).toBe(1);
    expect(db.main.has('a')).toBe(false);
    const d2 = shard.dbs[2]!;
    expect((d2.main.get('a') as FakeList).items).toEqual(['x']);
    expect(d2.getExpire('a')).toBe(T0 + 100_000);
    expect(events).toEqual(['0:g:move_from:a', '2:g:move_to:a']);
    expect(effects).toEqual([[{ db: 0, argv: ['MOVE', 'a', '2'] }]]);
  });

  it('does nothing when the key is missing or exists in the target', () => {
    const { run, db, shard, effects } = setup();
    expect(run('MOVE', 'a', 1)).toBe(0);
    db.add('a', '1');
    shard.dbs[1]!.add('a', '2');
    expect(run('MOVE', 'a', 1)).toBe(0);
    expect(db.main.get('a')).toBe('1');
    expect(shard.dbs[1]!.main.get('a')).toBe('2');
    expect(effects).toEqual([]);
  });

  it('errors', () => {
    const { run, db } = setup();
    db.add('a', '1');
    expect(run('MOVE', 'a', 0)).toEqual(err('ERR source and destination objects are the same'));
    expect(run('MOVE', 'a', 16)).toEqual(err('ERR DB index is out of range'));
    expect(run('MOVE', 'a', 'x')).toEqual(err('ERR value is not an integer or out of range'));
    expect(run('MOVE', 'a')).toEqual(arity('move'));
    expect(db.main.get('a')).toBe('1');
  });
});

describe('OBJECT', () => {
  it('ENCODING', () => {
    const { run, db } = setup();
    db.add('i', '12345');
    db.add('e', 'hello');
    db.add('r', 'x'.repeat(45));
    db.add('l', new FakeList(['x']));
    expect(run('OBJECT', 'ENCODING', 'i')).toBe('int');
    expect(run('OBJECT', 'encoding', 'e')).toBe('embstr');
    expect(run('OBJECT', 'ENCODING', 'r')).toBe('raw');
    expect(run('OBJECT', 'ENCODING', 'l')).toBe('listpack');
    expect(run('OBJECT', 'ENCODING', 'nokey')).toBe(null);
  });

  it('REFCOUNT', () => {
    const { run, db } = setup();
    db.add('small', '100');
    db.add('big', '10000');
    db.add('s', 'abc');
    expect(run('OBJECT', 'REFCOUNT', 'small')).toBe(2147483647);
    expect(run('OBJECT', 'REFCOUNT', 'big')).toBe(1);
    expect(run('OBJECT', 'REFCOUNT', 's')).toBe(1);
    expect(run('OBJECT', 'REFCOUNT', 'nokey')).toBe(null);
  });

  it('IDLETIME and FREQ depend on the policy', () => {
    const { run, db, advance, shard } = setup();
    db.add('a', '1');
    advance(42_000);
    expect(run('OBJECT', 'IDLETIME', 'a')).toBe(42);
    expect(run('OBJECT', 'IDLETIME', 'a')).toBe(42);
    expect(run('OBJECT', 'IDLETIME', 'nokey')).toBe(null);
    expect(run('OBJECT', 'FREQ', 'a')).toEqual(
      err(
        'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
      ),
    );
    expect(shard.setConfig('maxmemory-policy', 'allkeys-lfu')).toBe(null);
    db.add('b', '1');
    expect(run('OBJECT', 'FREQ', 'b')).toBe(5);
    expect(run('OBJECT', 'IDLETIME', 'b')).toEqual(
      err(
        'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
      ),
    );
  });

  it('HELP and errors', () => {
    const { run } = setup();
    const help = run('OBJECT', 'HELP') as Status[];
    expect(help[0]).toEqual(new Status('OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:'));
    expect(help.length).toBe(15);
    expect(run('OBJECT')).toEqual(arity('object'));
    expect(run('OBJECT', 'ENCODING')).toEqual(arity('object|encoding'));
    expect(run('OBJECT', 'foo', 'k')).toEqual(err("ERR unknown subcommand 'foo'. Try OBJECT HELP."));
  });
});
