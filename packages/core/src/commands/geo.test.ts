import { describe, expect, it } from 'vitest';
import { testEngine } from '../../test/util.ts';
import { ErrorReply } from '../errors.ts';
import { Double, NULL_ARRAY, type Reply } from '../reply.ts';
import type { Effect } from '../engine/shard.ts';
import type { EngineConfig } from '../config.ts';
import type { RZSet } from '../types/zset.ts';
import { formatDistance } from './geo.ts';
import { commands, keyIndexes } from './table.ts';

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

function errText(r: Reply): string {
  expect(r).toBeInstanceOf(ErrorReply);
  return (r as ErrorReply).message;
}

// Expected replies below are redis-server's, for the same commands.
function setup(config: Partial<EngineConfig> = {}) {
  const t = testEngine({ config });
  const effects: string[][] = [];
  t.engine.onEffects((g: Effect[]) => {
    for (const e of g) effects.push(e.argv);
  });
  const events: string[] = [];
  t.shard.onNotify = (_db, cls, event, key) => events.push(`${cls}:${event}:${key}`);
  t.run('GEOADD', 'g', 13.361389, 38.115556, 'Palermo', 15.087269, 37.502669, 'Catania');
  events.length = 0;
  effects.length = 0;
  const all = (key: string) => t.run('ZRANGE', key, 0, -1, 'WITHSCORES');
  return { ...t, effects, events, all };
}

/** Asserts an error and that the geo key and the keyspace did not change. */
function failsUnchanged(t: ReturnType<typeof setup>, argv: (string | number)[], msg: string) {
  const before = JSON.stringify(t.all('g'));
  const dirty = t.shard.dirty;
  const size = t.db.size;
  expect(errText(t.run(...argv))).toBe(msg);
  expect(JSON.stringify(t.all('g'))).toBe(before);
  expect(t.shard.dirty).toBe(dirty);
  expect(t.db.size).toBe(size);
}

describe('GEOADD', () => {
  it('a bulk GEOADD stores what one-by-one GEOADDs store', () => {
    const t = setup();
    const args: (string | number)[] = [];
    for (let i = 0; i < 500; i++) args.push(((i * 7919) % 3600) / 10 - 180, ((i * 104729) % 1700) / 10 - 85, `p${i % 450}`);
    expect(t.run('GEOADD', 'bulk', ...args)).toBe(450);
    for (let i = 0; i < args.length; i += 3) t.run('GEOADD', 'ref', args[i]!, args[i + 1]!, args[i + 2]!);
    expect(t.all('bulk')).toEqual(t.all('ref'));
    expect(t.run('GEOSEARCH', 'bulk', 'FROMLONLAT', 0, 0, 'BYRADIUS', 3000, 'km', 'ASC', 'WITHDIST')).toEqual(
      t.run('GEOSEARCH', 'ref', 'FROMLONLAT', 0, 0, 'BYRADIUS', 3000, 'km', 'ASC', 'WITHDIST'),
    );
  });

  it('without any position is a syntax error', () => {
    const t = setup();
    failsUnchanged(t, ['GEOADD', 'g', 'CH', 'CH', 'CH'], 'ERR syntax error');
  });

  it('stores 52-bit geohash scores in a sorted set', () => {
    const t = setup();
    expect(t.all('g')).toEqual(['Palermo', new Double(3479099956230698), 'Catania', new Double(3479447370796909)]);
    expect(t.run('TYPE', 'g')).toEqual(expect.objectContaining({ text: 'zset' }));
    expect(t.run('GEOADD', 'g', 180, 85.05112878, 'edge1', -180, -85.05112878, 'edge2')).toBe(2);
    expect(t.run('ZSCORE', 'g', 'edge1')).toEqual(new Double(13510798882111488));
    expect(t.run('ZSCORE', 'g', 'edge2')).toEqual(new Double(0));
    expect(t.events).toEqual(['z:zadd:g']);
    expect(t.effects).toEqual([['GEOADD', 'g', '180', '85.05112878', 'edge1', '-180', '-85.05112878', 'edge2']]);
  });

  it('takes NX, XX and CH like ZADD', () => {
    const t = setup();
    expect(t.run('GEOADD', 'g', 'CH', 13.361389, 38.115556, 'Palermo', 1, 1, 'other')).toBe(1);
    expect(t.run('GEOADD', 'g', 'XX', 'CH', 13.5, 38.1, 'Palermo', 2, 2, 'nope')).toBe(1);
    expect(t.run('GEOADD', 'g', 'NX', 0, 0, 'Palermo', 3, 3, 'new')).toBe(1);
    expect(t.run('ZCARD', 'g')).toBe(4);
    expect(t.run('ZSCORE', 'g', 'nope')).toBe(null);
  });

  it('rejects bad input without changes', () => {
    const t = setup();
    failsUnchanged(t, ['GEOADD', 'g', 200, 100, 'x'], 'ERR invalid longitude,latitude pair 200.000000,100.000000');
    failsUnchanged(t, ['GEOADD', 'g', 1, 1, 'ok', 0, 86, 'x'], 'ERR invalid longitude,latitude pair 0.000000,86.000000');
    failsUnchanged(t, ['GEOADD', 'g', 'abc', 2, 'x'], 'ERR value is not a valid float');
    failsUnchanged(t, ['GEOADD', 'g', 'NX', 'XX', 1, 2, 'x'], 'ERR syntax error');
    failsUnchanged(t, ['GEOADD', 'g', 'GT', 1, 2, 'x'], 'ERR syntax error');
    failsUnchanged(t, ['GEOADD', 'g', 1, 2, 'x', 3], 'ERR syntax error');
    failsUnchanged(t, ['GEOADD', 'g', 'CH', 'CH', 'CH'], 'ERR syntax error');
    failsUnchanged(t, ['GEOADD', 'g', 1, 2], "ERR wrong number of arguments for 'geoadd' command");
    t.db.add('str', 'v');
    expect(errText(t.run('GEOADD', 'str', 1, 1, 'a'))).toBe(WRONGTYPE);
  });
});

describe('GEOPOS / GEODIST / GEOHASH', () => {
  it('GEOPOS answers decoded positions, null arrays for missing members', () => {
    const t = setup();
    expect(t.run('GEOPOS', 'g', 'Palermo', 'nosuch')).toEqual([['13.36138933897018433', '38.11555639549629859'], NULL_ARRAY]);
    expect(t.run('GEOPOS', 'nokey', 'a', 'b')).toEqual([NULL_ARRAY, NULL_ARRAY]);
    t.session.resp = 3;
    expect(t.run('GEOPOS', 'g', 'Catania')).toEqual([[new Double(15.087267458438873), new Double(37.50266842333162)]]);
  });

  it('GEODIST answers distances with four decimals in the given unit', () => {
    const t = setup();
    expect(t.run('GEODIST', 'g', 'Palermo', 'Catania')).toBe('166274.1516');
    expect(t.run('GEODIST', 'g', 'Palermo', 'Catania', 'km')).toBe('166.2742');
    expect(t.run('GEODIST', 'g', 'Palermo', 'Catania', 'MI')).toBe('103.3182');
    expect(t.run('GEODIST', 'g', 'Palermo', 'Catania', 'ft')).toBe('545518.8700');
    expect(t.run('GEODIST', 'g', 'Palermo', 'Palermo')).toBe('0.0000');
    expect(t.run('GEODIST', 'g', 'Palermo', 'nosuch')).toBe(null);
    expect(t.run('GEODIST', 'nokey', 'a', 'b')).toBe(null);
    expect(errText(t.run('GEODIST', 'g', 'Palermo', 'Catania', 'foo'))).toBe('ERR unsupported unit provided. please use M, KM, FT, MI');
    expect(errText(t.run('GEODIST', 'g', 'Palermo', 'Catania', 'km', 'x'))).toBe('ERR syntax error');
  });

  it('GEOHASH answers standard geohash strings', () => {
    const t = setup();
    expect(t.run('GEOHASH', 'g', 'Palermo', 'Catania', 'nosuch')).toEqual(['sqc8b49rny0', 'sqdtr74hyu0', null]);
    expect(t.run('GEOHASH', 'nokey', 'a')).toEqual([null]);
  });

  it('wrong type', () => {
    const t = setup();
    t.db.add('str', 'v');
    for (const argv of [['GEOPOS', 'str', 'a'], ['GEODIST', 'str', 'a', 'b'], ['GEOHASH', 'str', 'a']]) {
      expect(errText(t.run(...argv))).toBe(WRONGTYPE);
    }
  });

  it('formats distances like fixedpoint_d2string', () => {
    expect(formatDistance(0)).toBe('0.0000');
    expect(formatDistance(0.0001)).toBe('0.0001');
    expect(formatDistance(6.0642951598391699e-5)).toBe('0.0001');
    expect(formatDistance(0.01)).toBe('0.0100');
    // llrint rounds exact ties to even: 12.5 -> 12, 3.5 -> 4 (d * 10^4 is computed in doubles).
    expect(formatDistance(0.00125)).toBe('0.0012');
    expect(formatDistance(0.00035)).toBe('0.0004');
    expect(formatDistance(2.00025)).toBe('2.0002');
    expect(formatDistance(1.00005)).toBe('1.0001');
    expect(formatDistance(190.44242984775784)).toBe('190.4424');
    expect(formatDistance(19135026.26254)).toBe('19135026.2625');
  });
});

describe('GEOSEARCH', () => {
  it('searches by radius around a member, with every option', () => {
    const t = setup();
    expect(t.run('GEOSEARCH', 'g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', 200, 'km', 'ASC', 'WITHCOORD', 'WITHDIST', 'WITHHASH')).toEqual([
      ['Palermo', '0.0000', 3479099956230698, ['13.36138933897018433', '38.11555639549629859']],
      ['Catania', '166.2742', 3479447370796909, ['15.08726745843887329', '37.50266842333162032']],
    ]);
  });

  it('searches boxes, sorts, counts and stops early with ANY', () => {
    const t = setup();
    expect(t.run('GEOSEARCH', 'g', 'FROMLONLAT', 15, 37, 'BYBOX', 400, 400, 'km', 'ASC', 'WITHDIST')).toEqual([
      ['Catania', '56.4413'],
      ['Palermo', '190.4424'],
    ]);
    expect(t.run('GEOSEARCH', 'g', 'FROMLONLAT', 15, 37, 'BYBOX', 400, 400, 'km', 'DESC', 'COUNT', 1)).toEqual(['Palermo']);
    expect(t.run('GEOSEARCH', 'g', 'FROMLONLAT', 15, 37, 'BYRADIUS', 200, 'km', 'COUNT', 1)).toEqual(['Catania']);
    // ANY takes the first match in geohash order, not the nearest.
    expect(t.run('GEOSEARCH', 'g', 'FROMLONLAT', 15, 37, 'BYBOX', 400, 400, 'km', 'COUNT', 1, 'ANY')).toEqual(['Palermo']);
    expect(t.run('GEOSEARCH', 'g', 'FROMLONLAT', 15, 37, 'BYRADIUS', 100, 'km')).toEqual(['Catania']);
    expect(t.run('GEOSEARCH', 'g', 'FROMLONLAT', 15, 37, 'BYRADIUS', 1, 'km')).toEqual([]);
    expect(t.run('GEOSEARCH', 'nokey', 'FROMMEMBER', 'x', 'BYRADIUS', 1, 'km')).toEqual([]);
  });

  it('answers RESP3 coordinates as doubles', () => {
    const t = setup();
    t.session.resp = 3;
    expect(t.run('GEOSEARCH', 'g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', 1, 'm', 'WITHCOORD')).toEqual([
      ['Palermo', [new Double(13.361389338970184), new Double(38.1155563954963)]],
    ]);
  });

  it('finds points across the whole world with big radii', () => {
    const t = setup();
    t.run('GEOADD', 'g', 2.349014, 48.864716, 'Paris', -73.935242, 40.73061, 'NYC', 180, 85.05112878, 'edge1', -180, -85.05112878, 'edge2');
    expect(t.run('GEOSEARCH', 'g', 'FROMMEMBER', 'Paris', 'BYRADIUS', 6000, 'km', 'DESC', 'WITHDIST')).toEqual([
      ['NYC', '5832.3560'],
      ['Catania', '1627.7434'],
      ['Palermo', '1486.3914'],
      ['Paris', '0.0000'],
    ]);
    expect(t.run('GEORADIUS', 'g', 0, 0, 20000, 'km')).toEqual(['Palermo', 'Catania', 'Paris', 'NYC', 'edge2']);
    expect(t.run('GEODIST', 'g', 'Paris', 'NYC', 'mi')).toBe('3624.0670');
  });

  it('argument errors, in Redis order', () => {
    const t = setup();
    const e = (...argv: (string | number)[]) => errText(t.run(...argv));
    expect(e('GEOSEARCH', 'g', 'FROMLONLAT', 15, 37, 'BYRADIUS', 200, 'km', 'ANY')).toBe('ERR the ANY argument requires COUNT argument');
    expect(e('GEOSEARCH', 'g', 'FROMMEMBER', 'nosuch', 'BYRADIUS', 200, 'km')).toBe('ERR could not decode requested zset member');
    expect(e('GEOSEARCH', 'g', 'FROMLONLAT', 15, 37, 'FROMMEMBER', 'Palermo', 'BYRADIUS', 1, 'km')).toBe('ERR syntax error');
    expect(e('GEOSEARCH', 'g', 'FROMLONLAT', 15, 37, 'BYRADIUS', 200, 'km', 'BYBOX', 1, 1, 'km')).toBe('ERR syntax error');
    expect(e('GEOSEARCH', 'g', 'FROMLONLAT', 15, 37, 'BYRADIUS', -1, 'km')).toBe('ERR radius cannot be negative');
    expect(e('GEOSEARCH', 'g', 'FROMLONLAT', 15, 37, 'BYRADIUS', 'x', 'km')).toBe('ERR need numeric radius');
    expect(e('GEOSEARCH', 'g', 'FROMLONLAT', 15, 37, 'BYRADIUS', 1, 'xx')).toBe('ERR unsupported unit provided. please use M, KM, FT, MI');
    expect(e('GEOSEARCH', 'g', 'FROMLONLAT', 15, 37, 'BYBOX', -1, 1, 'km')).toBe('ERR height or width cannot be negative');
    expect(e('GEOSEARCH', 'g', 'FROMLONLAT', 15, 37, 'BYBOX', 'x', 1, 'km')).toBe('ERR need numeric width');
    expect(e('GEOSEARCH', 'g', 'FROMLONLAT', 15, 37, 'BYBOX', 1, 'x', 'km')).toBe('ERR need numeric height');
    expect(e('GEOSEARCH', 'g', 'FROMLONLAT', 15, 37, 'BYRADIUS', 1, 'km', 'COUNT', 0)).toBe('ERR COUNT must be > 0');
    expect(e('GEOSEARCH', 'g', 'FROMLONLAT', 15, 37, 'BYRADIUS', 1, 'km', 'COUNT', 'x')).toBe('ERR value is not an integer or out of range');
    expect(e('GEOSEARCH', 'g', 'FROMLONLAT', 15, 37, 'BYRADIUS', 1, 'km', 'STORE', 'x')).toBe('ERR syntax error');
    expect(e('GEOSEARCH', 'g', 'FROMLONLAT', 200, 37, 'BYRADIUS', 1, 'km')).toBe('ERR invalid longitude,latitude pair 200.000000,37.000000');
    expect(e('GEOSEARCH', 'g', 'WITHDIST', 'FROMLONLAT', 15, 37, 'ASC')).toBe('ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH');
    expect(e('geosearch', 'g', 'WITHDIST', 'BYRADIUS', 15, 'km', 'ASC')).toBe('ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for geosearch');
    expect(e('GEOSEARCH', 'g', 'FROMLONLAT', 15, 37)).toBe("ERR wrong number of arguments for 'geosearch' command");
    t.db.add('str', 'v');
    expect(e('GEOSEARCH', 'str', 'FROMLONLAT', 15, 37, 'BYRADIUS', 1, 'km')).toBe(WRONGTYPE);
    expect(e('GEOSEARCH', 'str', 'FROMLONLAT', 15, 37, 'BYRADIUS', -1, 'km')).toBe(WRONGTYPE);
  });
});

describe('GEOSEARCHSTORE', () => {
  it('stores members with geohash scores or distances (STOREDIST)', () => {
    const t = setup();
    expect(t.run('GEOSEARCHSTORE', 'd', 'g', 'FROMLONLAT', 15, 37, 'BYRADIUS', 200, 'km')).toBe(2);
    expect(t.all('d')).toEqual(t.all('g'));
    expect(t.run('GEOSEARCHSTORE', 'd', 'g', 'FROMLONLAT', 15, 37, 'BYRADIUS', 200, 'km', 'STOREDIST')).toBe(2);
    const d = t.all('d') as Reply[];
    expect(d[0]).toBe('Catania');
    expect((d[1] as Double).value).toBe(56.441257870158204);
    expect((d[3] as Double).value).toBe(190.44242984775784);
    expect(t.run('GEOSEARCHSTORE', 'd', 'g', 'FROMLONLAT', 15, 37, 'BYRADIUS', 200, 'km', 'COUNT', 1, 'STOREDIST')).toBe(1);
    expect((t.db.peek('d') as RZSet).encoding()).toBe('listpack');
    expect(t.run('GEOSEARCHSTORE', 'd', 'g', 'FROMLONLAT', 15, 37, 'BYRADIUS', 1, 'km')).toBe(0);
    expect(t.db.exists('d')).toBe(false);
    expect(t.run('GEOSEARCHSTORE', 'd', 'nokey', 'FROMMEMBER', 'x', 'BYRADIUS', 1, 'km')).toBe(0);
    expect(t.events).toEqual(['z:geosearchstore:d', 'z:geosearchstore:d', 'z:geosearchstore:d', 'g:del:d']);
    expect(errText(t.run('GEOSEARCHSTORE', 'd', 'g', 'FROMLONLAT', 15, 37, 'BYRADIUS', 1, 'km', 'WITHDIST'))).toBe(
      'ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options',
    );
  });

  it('stores distances as glibc computes them, to the last bit', () => {
    const t = setup();
    t.run('GEOADD', '', 13.361389, 38, 'a');
    expect(t.run('GEOSEARCHSTORE', 'k0', '', 'FROMLONLAT', 15.087269, 85.05112878, 'BYRADIUS', 10000, 'mi', 'ASC', 'STOREDIST')).toBe(1);
    expect(t.run('ZSCORE', 'k0', 'a')).toEqual(new Double(3252.0109737810244));
  });

  it("COUNT picks among equal distances as Redis's pqsort does; the full sort is stable", () => {
    const t = setup();
    t.run('GEOADD', 'k3', 13.361389, 0, '0', 2.3522, 38.115556, '');
    t.run('GEOADD', 'k3', 14, 48.8566, 'b', 13.361389, 38.115556, 'e');
    t.run('GEOADD', 'k3', 'XX', 15.087269, 38.115556, 'e', 13.361389, 38.115556, 'a');
    t.run('GEOADD', 'k3', 'NX', 13.361389, 38.115556, 'a', 14, 48.8566, 'c', 15.087269, 38.788135, 'a b');
    // redis-server's answers: b and c are at the same place.
    expect(t.run('GEOSEARCH', 'k3', 'FROMMEMBER', 'b', 'BYRADIUS', 10000, 'km', 'ASC')).toEqual(['b', 'c', 'a b', 'a', 'e', '', '0']);
    expect(t.run('GEOSEARCH', 'k3', 'FROMMEMBER', 'b', 'BYRADIUS', 10000, 'km', 'ASC', 'COUNT', 2)).toEqual(['c', 'b']);
  });

  it('WITHHASH on a score that is not a geohash answers (long long) score', () => {
    const t = setup();
    t.run('GEOADD', 'k3', 13.361389, 38.115556, 'f');
    expect(t.run('GEORADIUS', 'k3', 13.361389, 38.115556, 5000, 'm', 'STOREDIST', 'k1')).toBe(1);
    expect(t.run('GEOSEARCH', 'k1', 'FROMMEMBER', 'f', 'BYRADIUS', 0, 'm', 'COUNT', 1, 'ANY', 'WITHDIST', 'WITHHASH')).toEqual([['f', '0.0000', 0]]);
    t.run('ZADD', 'k1', 123.9, 'g');
    expect(t.run('GEOSEARCH', 'k1', 'FROMMEMBER', 'g', 'BYRADIUS', 1, 'm', 'WITHHASH')).toEqual([['g', 123]]);
  });

  it('replaces any destination type and drops its TTL', () => {
    const t = setup();
    t.db.add('d', 'str');
    t.db.setExpire('d', Date.now() + 100_000);
    expect(t.run('GEOSEARCHSTORE', 'd', 'g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', 1, 'km')).toBe(1);
    expect(t.db.getExpire('d')).toBe(-1);
    expect(t.run('ZRANGE', 'd', 0, -1)).toEqual(['Palermo']);
  });
});

describe('GEORADIUS / GEORADIUSBYMEMBER (+_RO)', () => {
  it('searches around coordinates and members', () => {
    const t = setup();
    expect(t.run('GEORADIUS', 'g', 15, 37, 200, 'km', 'WITHDIST', 'WITHCOORD')).toEqual([
      ['Palermo', '190.4424', ['13.36138933897018433', '38.11555639549629859']],
      ['Catania', '56.4413', ['15.08726745843887329', '37.50266842333162032']],
    ]);
    expect(t.run('GEORADIUS', 'g', 15, 37, 200, 'km', 'ASC')).toEqual(['Catania', 'Palermo']);
    expect(t.run('GEORADIUSBYMEMBER', 'g', 'Palermo', 100, 'km', 'WITHDIST')).toEqual([['Palermo', '0.0000']]);
    expect(t.run('GEORADIUS_RO', 'g', 15, 37, 200, 'km', 'DESC')).toEqual(['Palermo', 'Catania']);
    expect(t.run('GEORADIUSBYMEMBER_RO', 'g', 'Palermo', 500, 'km', 'WITHHASH', 'COUNT', 1)).toEqual([['Palermo', 3479099956230698]]);
    expect(t.effects).toEqual([]);
  });

  it('STORE and STOREDIST', () => {
    const t = setup();
    expect(t.run('GEORADIUS', 'g', 15, 37, 200, 'km', 'STORE', 'st')).toBe(2);
    expect(t.all('st')).toEqual(t.all('g'));
    expect(t.run('GEORADIUS', 'g', 15, 37, 200, 'km', 'STOREDIST', 'st', 'ASC', 'COUNT', 1)).toBe(1);
    expect(t.run('ZRANGE', 'st', 0, -1)).toEqual(['Catania']);
    expect(t.run('GEORADIUSBYMEMBER', 'g', 'Palermo', 1, 'km', 'STORE', 'st')).toBe(1);
    expect(t.run('GEORADIUS', 'nokey', 15, 37, 1, 'km', 'STORE', 'st')).toBe(0);
    expect(t.db.exists('st')).toBe(false);
    expect(t.events).toEqual(['z:georadiusstore:st', 'z:georadiusstore:st', 'z:georadiusstore:st', 'g:del:st']);
    expect(t.effects[0]).toEqual(['GEORADIUS', 'g', '15', '37', '200', 'km', 'STORE', 'st']);
  });

  it('argument errors', () => {
    const t = setup();
    const e = (...argv: (string | number)[]) => errText(t.run(...argv));
    expect(e('GEORADIUS', 'g', 15, 37, 200, 'km', 'WITHDIST', 'STORE', 'x')).toBe(
      'ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options',
    );
    expect(e('GEORADIUS_RO', 'g', 15, 37, 200, 'km', 'STORE', 'x')).toBe('ERR syntax error');
    expect(e('GEORADIUSBYMEMBER', 'g', 'nosuch', 'abc', 'km')).toBe('ERR could not decode requested zset member');
    expect(e('GEORADIUS', 'nokey', 15, 37, 'abc', 'km')).toBe('ERR need numeric radius');
    expect(e('GEORADIUS', 'g', 15, 95, 1, 'km')).toBe('ERR invalid longitude,latitude pair 15.000000,95.000000');
    expect(e('GEORADIUS', 'g', 15, 37, 1, 'km', 'FROMMEMBER', 'Palermo')).toBe('ERR syntax error');
    // Without the key, GEORADIUSBYMEMBER does not even parse the radius.
    expect(t.run('GEORADIUSBYMEMBER', 'nokey', 'nosuch', 'abc', 'km')).toEqual([]);
    expect(t.run('GEORADIUS', 'nokey', 15, 37, 1, 'km')).toEqual([]);
    t.db.add('str', 'v');
    expect(e('GEORADIUS', 'str', 15, 37, 1, 'km')).toBe(WRONGTYPE);
  });

  it('declares the STORE key as a movable key', () => {
    const georadius = commands.get('georadius')!;
    expect(keyIndexes(georadius, ['georadius', 'g', '1', '2', '3', 'km'])).toEqual([1]);
    expect(keyIndexes(georadius, ['georadius', 'g', '1', '2', '3', 'km', 'STORE', 'a', 'STOREDIST', 'b'])).toEqual([1, 9]);
    expect(keyIndexes(commands.get('geosearchstore')!, ['geosearchstore', 'd', 's'])).toEqual([1, 2]);
  });
});
