/** The in-process API: typed methods, JS values in and out, bytes, errors, transactions, async. */
import { describe, expect, it } from 'vitest';
import { open, openSync, RedisError } from '../src/index.ts';

describe('openSync', () => {
  it('returns JS values from typed methods', () => {
    const db = openSync();
    expect(db.set('k', 'v')).toBe('OK');
    expect(db.get('k')).toBe('v');
    expect(db.get('missing')).toBe(null);
    expect(db.set('k', 'w', { GET: true })).toBe('v');
    expect(db.incrby('n', 2 ** 53 - 1)).toBe(2 ** 53 - 1);
    expect(db.incrby('n', 10)).toBe(9007199254741001n); // beyond 2^53: exact, as bigint
    expect(db.hset('h', { a: '1', b: '2' })).toBe(2);
    expect(db.hgetall('h')).toEqual({ a: '1', b: '2' });
    expect(db.rpush('l', 'x', 'y', 'z')).toBe(3);
    expect(db.lrange('l', 0, -1)).toEqual(['x', 'y', 'z']);
    expect(db.zadd('z', [{ member: 'm', score: 1.5 }])).toBe(1);
    expect(db.zscore('z', 'm')).toBe(1.5);
    expect(db.zrange('z', 0, -1, 'WITHSCORES')).toEqual([['m', 1.5]]);
    expect(db.sadd('s', 'a', 'b')).toBe(2);
    expect(db.smembers('s').sort()).toEqual(['a', 'b']);
    expect(db.call('TYPE', 's')).toBe('set');
    db.close();
  });

  it('is binary-safe: UTF-8 text, raw bytes in, bytes out on request', () => {
    const db = openSync();
    db.set('ключ', '値');
    expect(db.get('ключ')).toBe('値');
    expect(db.strlen('ключ')).toBe(3); // UTF-8 bytes, as Redis counts them
    const bytes = new Uint8Array([0, 255, 128, 10, 13]);
    db.set(bytes, bytes);
    const raw = openSync({ decode: 'bytes' });
    raw.set('b', bytes);
    expect(raw.get('b')).toEqual(bytes);
    expect(db.exists(bytes)).toBe(1);
    db.close();
    raw.close();
  });

  it('throws Redis errors with their text and changes nothing', () => {
    const db = openSync();
    db.set('s', 'text');
    expect(() => db.lpush('s', 'x')).toThrowError(
      new RedisError('WRONGTYPE Operation against a key holding the wrong kind of value'),
    );
    expect(() => db.call('NOPE')).toThrow(/^ERR unknown command 'NOPE'/);
    try {
      db.incr('s');
    } catch (e) {
      expect(e).toBeInstanceOf(RedisError);
      expect((e as RedisError).code).toBe('ERR');
    }
    expect(db.get('s')).toBe('text');
    db.close();
  });

  it('runs transactions: replies in order, errors in place, null when a watched key changed', () => {
    const db = openSync();
    const other = openSync({});
    expect(db.multi().set('a', '1').incr('a').lpush('a', 'x').get('a').exec()).toEqual([
      'OK',
      2,
      new RedisError('WRONGTYPE Operation against a key holding the wrong kind of value'),
      '2',
    ]);
    db.watch('a');
    db.set('a', '5'); // our own write also invalidates the watch, as in Redis
    expect(db.multi().incr('a').exec()).toBe(null);
    expect(db.get('a')).toBe('5');
    expect(() => db.multi().call('NOPE').exec()).toThrow(/^EXECABORT/);
    db.close();
    other.close();
  });

  it('select() switches the logical database', () => {
    const db = openSync();
    db.set('k', 'db0');
    expect(db.select(3)).toBe('OK');
    expect(db.get('k')).toBe(null);
    db.set('k', 'db3');
    db.select(0);
    expect(db.get('k')).toBe('db0');
    expect(() => db.select(16)).toThrow('ERR DB index is out of range');
    db.close();
  });

  it('accepts Redis configuration', () => {
    const db = openSync({ config: { maxmemory: 1, 'maxmemory-policy': 'noeviction' } });
    db.set('a', 'b'); // the first write fits: eviction is checked before each command
    expect(() => db.set('c', 'd')).toThrow("OOM command not allowed when used memory > 'maxmemory'.");
    db.close();
  });
});

describe('open (async)', () => {
  it('returns promises with the same values and rejects with Redis errors', async () => {
    const db = await open();
    await expect(db.set('k', 'v')).resolves.toBe('OK');
    await expect(db.get('k')).resolves.toBe('v');
    await expect(db.lpush('k', 'x')).rejects.toThrow(/^WRONGTYPE/);
    await expect(db.multi().incr('n').incr('n').exec()).resolves.toEqual([1, 2]);
    db.close();
  });

  it('refuses what the portable entry cannot do, instead of ignoring it', async () => {
    // The portable entry has no disk and no worker threads: `path` and `shards` are the Node
    // entry's (src/node/durable.test.ts, src/node/sharded-database.test.ts).
    await expect(open({ path: '/tmp/x' })).rejects.toThrow(/needs Node\.js/);
    await expect(open({ shards: 4 })).rejects.toThrow(/worker threads/);
  });
});
