import { describe, expect, it } from 'vitest';
import {
  areasByShape,
  decodeGeohashScore,
  deinterleave64,
  estimateStepsByRadius,
  geoDistance,
  geohashDecode,
  geohashEncodeWGS84,
  geohashNeighbors,
  geoScore,
  interleave64,
  libmAsin,
  libmCos,
  libmSin,
  scoresOfBox,
  standardGeohash,
  WGS84_LAT,
  WGS84_LONG,
  type GeoShape,
} from './geohash.ts';
import { formatHumanDouble } from '../bytes.ts';

// Reference values from redis-server (GEOADD scores, GEOPOS, GEOHASH).
const PALERMO = { lon: 13.361389, lat: 38.115556, score: 3479099956230698 };
const CATANIA = { lon: 15.087269, lat: 37.502669, score: 3479447370796909 };
const NYC = { lon: -73.93524, lat: 40.73061, score: 1791875640195835 };

describe('geohash', () => {
  it('interleaves and deinterleaves 26+26 bits exactly', () => {
    for (const [x, y] of [
      [0, 0],
      [1, 0],
      [0, 1],
      [0x3ffffff, 0x3ffffff],
      [0x2aaaaaa, 0x1555555],
      [1 << 26, 1 << 26],
      [12345678, 54321],
    ] as const) {
      const v = interleave64(x, y);
      expect(deinterleave64(v)).toEqual([x, y]);
    }
    expect(interleave64(1, 0)).toBe(1);
    expect(interleave64(0, 1)).toBe(2);
    expect(interleave64(1 << 26, 1 << 26)).toBe(3 * 2 ** 52);
  });

  it('encodes positions to the scores Redis stores', () => {
    expect(geoScore(PALERMO.lon, PALERMO.lat)).toBe(PALERMO.score);
    expect(geoScore(CATANIA.lon, CATANIA.lat)).toBe(CATANIA.score);
    expect(geoScore(-73.935242, 40.73061)).toBe(NYC.score);
    expect(geoScore(-180, -85.05112878)).toBe(0);
    expect(geoScore(180, 85.05112878)).toBe(13510798882111488);
    expect(geohashEncodeWGS84(181, 0, 26)).toBe(null);
    expect(geohashEncodeWGS84(0, 86, 26)).toBe(null);
    expect(geohashEncodeWGS84(0, 0, 0)).toBe(null);
  });

  it('decodes scores to the cell centre, as GEOPOS answers', () => {
    const [x, y] = decodeGeohashScore(PALERMO.score);
    expect(formatHumanDouble(x)).toBe('13.36138933897018433');
    expect(formatHumanDouble(y)).toBe('38.11555639549629859');
    expect(decodeGeohashScore(13510798882111488).map(formatHumanDouble)).toEqual(['180', '85.0511287799999991']);
    expect(decodeGeohashScore(0).map(formatHumanDouble)).toEqual(['-179.99999731779098511', '-85.05112751263942528']);
    // Scores no GEOADD would store still decode like C's double -> uint64 conversion.
    expect(decodeGeohashScore(-1).map(formatHumanDouble)).toEqual(['180', '85.0511287799999991']);
    expect(decodeGeohashScore(1e20)).toEqual(decodeGeohashScore(0));
  });

  it('renders standard 11-character geohashes', () => {
    expect(standardGeohash(PALERMO.score)).toBe('sqc8b49rny0');
    expect(standardGeohash(CATANIA.score)).toBe('sqdtr74hyu0');
    expect(standardGeohash(NYC.score)).toBe('dr5rtwccpb0');
    expect(standardGeohash(0)).toBe('00bh0hbj200');
    expect(standardGeohash(13510798882111488)).toBe('bp05b5048p0');
  });

  it('measures haversine distances in meters', () => {
    const [x1, y1] = decodeGeohashScore(PALERMO.score);
    const [x2, y2] = decodeGeohashScore(CATANIA.score);
    expect(geoDistance(x1, y1, x2, y2).toFixed(4)).toBe('166274.1516');
    expect(geoDistance(0, 10, 0, 11)).toBeCloseTo(111226.3, 0);
    expect(geoDistance(5, 5, 5, 5)).toBe(0);
  });

  it('estimates steps from the radius and latitude', () => {
    expect(estimateStepsByRadius(0, 0)).toBe(26);
    expect(estimateStepsByRadius(1, 0)).toBe(24);
    expect(estimateStepsByRadius(1000, 0)).toBe(14);
    expect(estimateStepsByRadius(1000, 70)).toBe(13);
    expect(estimateStepsByRadius(1000, -85)).toBe(12);
    expect(estimateStepsByRadius(1e9, 0)).toBe(1);
  });

  it('finds neighbour cells and the score interval of a cell', () => {
    const h = geohashEncodeWGS84(PALERMO.lon, PALERMO.lat, 10)!;
    const a = geohashDecode(WGS84_LONG, WGS84_LAT, h)!;
    const n = geohashNeighbors(h);
    const north = geohashDecode(WGS84_LONG, WGS84_LAT, n.north)!;
    const east = geohashDecode(WGS84_LONG, WGS84_LAT, n.east)!;
    expect(north.latitude.min).toBeCloseTo(a.latitude.max, 9);
    expect(north.longitude.min).toBeCloseTo(a.longitude.min, 9);
    expect(east.longitude.min).toBeCloseTo(a.longitude.max, 9);
    expect(east.latitude.min).toBeCloseTo(a.latitude.min, 9);
    const [min, max] = scoresOfBox(h);
    expect(min).toBeLessThanOrEqual(PALERMO.score);
    expect(max).toBeGreaterThan(PALERMO.score);
    expect(max - min).toBe(2 ** 32);
  });

  it('covers a search shape with the centre cell and up to 8 neighbours', () => {
    const shape: GeoShape = {
      type: 'circle',
      xy: [15, 37],
      conversion: 1000,
      radius: 200,
      width: 0,
      height: 0,
      bounds: [0, 0, 0, 0],
    };
    const cells = areasByShape(shape);
    expect(cells.length).toBe(9);
    expect(cells[0]!.step).toBeGreaterThan(0);
    const [minLon, minLat, maxLon, maxLat] = shape.bounds;
    expect(minLon).toBeLessThan(15);
    expect(maxLon).toBeGreaterThan(15);
    expect(maxLat - 37).toBeCloseTo(37 - minLat, 9);
  });

  it('sin, cos and asin round like glibc where fdlibm (Math.*) is an ulp off', () => {
    // [x, glibc's f(x)], from a C program linked with glibc 2.36.
    const sin = [[-1.7627538954006647, -0.9816326495534032], [2.3867829108929537, 0.6851500972755312], [-0.8440232637513452, -0.7473224650877928], [2.6998885197799933, 0.42748066373921084]];
    const cos = [[1.0966278868821697, 0.4565987888080071], [0.8609337911329529, 0.6517295171499046], [-0.7184503626129336, 0.7528266331881349], [-0.6332694365204509, 0.8060970217701454]];
    const asin = [[0.5750188408830224, 0.6126271767805128], [0.5803585553624786, 0.6191689120352294], [0.9126467603836641, 1.1497132290127408], [0.9363832329533637, 1.2121796379406609]];
    for (const [x, y] of sin) expect(libmSin(x!)).toBe(y);
    for (const [x, y] of cos) expect(libmCos(x!)).toBe(y);
    for (const [x, y] of asin) expect(libmAsin(x!)).toBe(y);
    for (const x of [Math.PI, 4, 100, -100, Infinity, NaN]) {
      expect(libmSin(x)).toBe(Math.sin(x)); // outside the table: fdlibm
      expect(libmCos(x)).toBe(Math.cos(x));
    }
    for (const x of [1.0000000000000002, -2, Infinity, NaN]) expect(libmAsin(x)).toBe(NaN);
    expect(libmAsin(1)).toBe(Math.PI / 2);
    expect(Object.is(libmSin(-0), -0)).toBe(true);
  });

  it('agrees with fdlibm to within an ulp over the ranges distances use', () => {
    let seed = 12345;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 20000; i++) {
      const x = (rnd() - 0.5) * 2 * Math.PI;
      const s = rnd();
      for (const [ours, ref] of [[libmSin(x), Math.sin(x)], [libmCos(x / 2), Math.cos(x / 2)], [libmAsin(s), Math.asin(s)]]) {
        expect(Math.abs(ours! - ref!)).toBeLessThanOrEqual(Math.abs(ref!) * 2 ** -52);
      }
    }
  });

  it('distances as redis-server stores them (STOREDIST)', () => {
    // GEOADD "" 13.361389 38 a, then GEOSEARCHSTORE ... FROMLONLAT 15.087269 85.05112878 BYRADIUS
    // 10000 mi STOREDIST: redis-server stores 3252.0109737810244.
    const [x, y] = decodeGeohashScore(3479096650853999);
    expect(geoDistance(15.087269, 85.05112878, x, y) / 1609.34).toBe(3252.0109737810244);
  });
});
