import { describe, expect, it } from 'vitest';
import { ErrorReply } from '../errors.ts';
import { NULL_ARRAY, Status, type Reply } from '../reply.ts';
import { ShardedEngine } from './sharded.ts';
import { keyHashSlot, slotShard } from './slots.ts';

function setup(shards = 4) {
  const engine = new ShardedEngine({ shards, activeExpire: false });
  const session = engine.createSession();
  const run = (...argv: (string | number)[]): Reply => engine.execute(session, argv.map(String));
  return { engine, session, run };
}

const text = (r: Reply) => (r instanceof Status ? r.text : r instanceof ErrorReply ? r.message : r);
/** Keys spread so that each of 4 shards holds some. */
const KEYS = Array.from({ length: 16 }, (_, i) => `key:${i}`);
const ownerOf = (k: string, n = 4) => slotShard(keyHashSlot(k), n);

describe('ShardedEngine (in-thread shards)', () => {
  it('keys live only on the shard that owns their slot', () => {
    const { engine, run } = setup();
    expect(new Set(KEYS.map((k) => ownerOf(k))).size).toBe(4);
    for (const k of KEYS) run('SET', k, `v-${k}`);
    for (const k of KEYS) {
      engine.shards.forEach((s, i) => expect(s.dbs[0]!.size > 0 && s.dbs[0]!.main.has(k)).toBe(i === ownerOf(k)));
    }
    expect(run('DBSIZE')).toBe(16);
    expect((run('KEYS', '*') as string[]).sort()).toEqual([...KEYS].sort());
  });

  it("SORT's BY and GET patterns that may name keys of another slot are refused, as by Redis Cluster", () => {
    const { run } = setup();
    run('RPUSH', 'srt', '3', '1', '2');
    run('MSET', 'w_1', '30', 'w_2', '10', 'w_3', '20');
    const by = 'ERR BY option of SORT denied in Cluster mode when keys formed by the pattern may be in different slots.';
    const get = 'ERR GET option of SORT denied in Cluster mode when keys formed by the pattern may be in different slots.';
    expect(text(run('SORT', 'srt', 'BY', 'w_*'))).toBe(by);
    expect(text(run('SORT', 'srt', 'GET', '#', 'GET', 'w_*'))).toBe(get);
    expect(text(run('SORT_RO', 'srt', 'LIMIT', '0', '1', 'GET', 'w_*'))).toBe(get);
    // No pattern to read (BY without *, GET #), or a pattern whose tag is the sorted key's slot.
    expect(run('SORT', 'srt', 'BY', 'nosort', 'GET', '#')).toEqual(['3', '1', '2']);
    run('RPUSH', '{s}srt', '3', '1', '2');
    run('MSET', '{s}w_1', '30', '{s}w_2', '10', '{s}w_3', '20');
    expect(run('SORT', '{s}srt', 'BY', '{s}w_*', 'GET', '#', 'GET', '{s}w_*')).toEqual(['2', '10', '3', '20', '1', '30']);
    expect(text(run('SORT', '{s}srt', 'BY', '{s*}w_*'))).toBe(by);
  });

  it('MGET, MSET, DEL, EXISTS, TOUCH and UNLINK split over shards and merge as one reply', () => {
    const { engine, run } = setup();
    expect(text(run('MSET', ...KEYS.flatMap((k) => [k, k.toUpperCase()])))).toBe('OK');
    expect(run('MGET', ...KEYS, 'missing')).toEqual([...KEYS.map((k) => k.toUpperCase()), null]);
    expect(run('EXISTS', ...KEYS, KEYS[0]!, 'missing')).toBe(17);
    expect(run('TOUCH', ...KEYS)).toBe(16);
    expect(run('DEL', KEYS[0]!, KEYS[1]!, KEYS[2]!, 'missing')).toBe(3);
    expect(run('UNLINK', ...KEYS)).toBe(13);
    expect(engine.keyCount).toBe(0);
    // An MSET missing a value is refused whole, as by Redis.
    expect(text(run('MSET', KEYS[0]!, 'a', KEYS[5]!))).toBe("ERR wrong number of arguments for 'mset' command");
    expect(engine.keyCount).toBe(0);
  });

  it('MSETNX over shards sets all keys or none', () => {
    const { engine, run } = setup();
    run('SET', KEYS[7]!, 'there');
    expect(run('MSETNX', ...KEYS.flatMap((k) => [k, 'new']))).toBe(0);
    expect(engine.keyCount).toBe(1);
    expect(run('MSETNX', ...KEYS.slice(0, 6).flatMap((k) => [k, 'new']))).toBe(1);
    expect(run('MGET', ...KEYS.slice(0, 6))).toEqual(Array(6).fill('new'));
  });

  it('other multi-key commands whose keys span slots get CROSSSLOT; hash tags keep them together', () => {
    const { run } = setup();
    run('SADD', 'a', '1');
    run('SADD', 'b', '2');
    expect(text(run('SUNIONSTORE', 'dst', 'a', 'b'))).toBe("CROSSSLOT Keys in request don't hash to the same slot");
    expect(run('EXISTS', 'dst')).toBe(0);
    run('SADD', '{u}a', '1');
    run('SADD', '{u}b', '2');
    expect(run('SUNIONSTORE', '{u}dst', '{u}a', '{u}b')).toBe(2);
    expect(text(run('RENAME', 'a', 'b'))).toBe("CROSSSLOT Keys in request don't hash to the same slot");
  });

  it('SELECT, FLUSHDB and SWAPDB apply on every shard', () => {
    const { engine, run } = setup();
    run('SELECT', 3);
    for (const k of KEYS) run('SET', k, 'x');
    for (const s of engine.shards) expect(s.dbs[3]!.size).toBeGreaterThan(0);
    run('SWAPDB', 3, 4);
    expect(run('DBSIZE')).toBe(0);
    run('SELECT', 4);
    expect(run('DBSIZE')).toBe(16);
    expect(text(run('FLUSHDB'))).toBe('OK');
    expect(engine.keyCount).toBe(0);
  });

  it('SCAN walks every shard: each key once, cursor 0 at the end', () => {
    const { run } = setup();
    const many = Array.from({ length: 300 }, (_, i) => `s:${i}`);
    for (const k of many) run('SET', k, '1');
    const seen: string[] = [];
    let cursor = '0';
    let calls = 0;
    do {
      const r = run('SCAN', cursor, 'COUNT', 7) as [string, string[]];
      cursor = r[0];
      seen.push(...r[1]);
      calls++;
    } while (cursor !== '0' && calls < 10_000);
    expect(cursor).toBe('0');
    expect(new Set(seen).size).toBe(300);
    expect(calls).toBeGreaterThan(4);
    // A COUNT that covers everything gets it in one call.
    const all = run('SCAN', 0, 'COUNT', 1000) as [string, string[]];
    expect(all[0]).toBe('0');
    expect(all[1].length).toBe(300);
    expect(text(run('SCAN', 'x'))).toBe('ERR invalid cursor');
  });

  it('RANDOMKEY finds a key on any shard, nil when there is none', () => {
    const { run } = setup();
    expect(run('RANDOMKEY')).toBe(null);
    run('SET', KEYS[3]!, '1');
    for (let i = 0; i < 10; i++) expect(run('RANDOMKEY')).toBe(KEYS[3]);
  });

  it('MULTI/EXEC runs on the slot of its keys; another slot gets CROSSSLOT and EXECABORT', () => {
    const { run } = setup();
    run('MULTI');
    expect(text(run('SET', '{t}a', 1))).toBe('QUEUED');
    expect(text(run('INCR', '{t}a'))).toBe('QUEUED');
    expect(text(run('PING'))).toBe('QUEUED');
    expect(run('EXEC')).toEqual([new Status('OK'), 2, new Status('PONG')]);
    run('MULTI');
    run('SET', '{t}a', 1);
    expect(text(run('SET', '{other}b', 1))).toBe("CROSSSLOT Keys in request don't hash to the same slot");
    expect(text(run('EXEC'))).toBe('EXECABORT Transaction discarded because of previous errors.');
    expect(run('GET', '{t}a')).toBe('2');
    run('MULTI');
    expect(text(run('FLUSHALL'))).toMatch(/needs every shard/);
    expect(text(run('EXEC'))).toMatch(/^EXECABORT/);
    expect(run('DBSIZE')).toBe(1);
  });

  it('a WATCHed key on another shard than the transaction aborts EXEC when it changes', () => {
    const e = setup();
    const other = e.engine.createSession();
    const w = KEYS.find((k) => ownerOf(k) === 2)!;
    const t = KEYS.find((k) => ownerOf(k) === 0)!;
    e.run('WATCH', w);
    e.engine.execute(other, ['SET', w, 'changed']);
    e.run('MULTI');
    e.run('SET', t, 'x');
    expect(e.run('EXEC')).toBe(NULL_ARRAY);
    expect(e.run('EXISTS', t)).toBe(0);
    // WATCH ended with that EXEC: the next transaction runs.
    e.run('MULTI');
    e.run('SET', t, 'x');
    expect(e.run('EXEC')).toEqual([new Status('OK')]);
  });

  it('PFMERGE with only a destination runs on the destination key\'s shard', () => {
    const { engine, run } = setup();
    const k = KEYS.find((x) => ownerOf(x) === 3)!;
    expect(text(run('PFMERGE', k))).toBe('OK');
    expect(engine.shards[3]!.dbs[0]!.main.has(k)).toBe(true);
  });
});
