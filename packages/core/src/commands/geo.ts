/**
 * The geo commands (geo.c): positions are sorted-set members whose score is a 52-bit geohash
 * (types/geohash.ts), so GEOADD is ZADD with computed scores and every geo key is a zset.
 */
import { formatHumanDouble } from '../bytes.ts';
import { NOT_FLOAT, NOT_INTEGER, SYNTAX, error } from '../errors.ts';
import { Double, NULL_ARRAY, type Reply } from '../reply.ts';
import {
  GEO_LAT_MAX,
  GEO_LAT_MIN,
  GEO_LONG_MAX,
  GEO_LONG_MIN,
  areasByShape,
  decodeGeohashScore,
  decodeScoreXY,
  XY,
  distanceIfInShape,
  geoDistance,
  geoScore,
  scoresOfBox,
  standardGeohash,
  type GeoHashBits,
  type GeoShape,
} from '../types/geohash.ts';
import { RZSet } from '../types/zset.ts';
import { intArg, is } from './args.ts';
import type { Ctx } from './context.ts';
import { defineCommands, type CommandSpec } from './table.ts';
import { ZADD_CH, ZADD_NX, ZADD_XX, doubleArg, storeResult, zaddScores, zsetLimits } from './zsets.ts';
import { pqsort } from './sort.ts';

// ---------------------------------------------------------------------------------------------
// Formatting

/** C's "%f" (six decimals), used in the invalid-pair error. */
function formatF(v: number): string {
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (Math.abs(v) < 1e21) return v.toFixed(6);
  return `${BigInt(v)}.000000`;
}

/**
 * fixedpoint_d2string(d, 4): distances with four decimals, rounded like llrint (ties to even).
 * Distances are at most ~2e7 m, so d * 10^4 stays far below 2^53.
 */
export function formatDistance(d: number): string {
  if (d === 0) return '0.0000';
  const scaled = d * 10000;
  let r = Math.round(scaled);
  if (r - scaled === 0.5 && r % 2 !== 0) r -= 1; // Math.round rounds ties up; llrint to even
  const neg = r < 0;
  const digits = String(Math.abs(r)).padStart(5, '0');
  const out = `${digits.slice(0, -4)}.${digits.slice(-4)}`;
  return neg ? `-${out}` : out;
}

/** A coordinate as addReplyHumanLongDouble sends it: "%.17Lf" trimmed (RESP2), a double (RESP3). */
function coordReply(ctx: Ctx, v: number): Reply {
  return ctx.session.resp === 3 ? new Double(v) : formatHumanDouble(v);
}

// ---------------------------------------------------------------------------------------------
// Argument helpers

/** extractLongLatOrReply: longitude then latitude, validated against Redis's limits. */
function extractLongLat(argv: readonly string[], i: number): [number, number] {
  const lon = doubleArg(argv[i]!, NOT_FLOAT);
  const lat = doubleArg(argv[i + 1]!, NOT_FLOAT);
  checkLongLat(lon, lat);
  return [lon, lat];
}

function checkLongLat(lon: number, lat: number): void {
  if (lon < GEO_LONG_MIN || lon > GEO_LONG_MAX || lat < GEO_LAT_MIN || lat > GEO_LAT_MAX) {
    throw error(`ERR invalid longitude,latitude pair ${formatF(lon)},${formatF(lat)}`);
  }
}

const BAD_UNIT = error('ERR unsupported unit provided. please use M, KM, FT, MI');

/** extractUnitOrReply: meters per unit. */
function extractUnit(u: string): number {
  if (is(u, 'm')) return 1;
  if (is(u, 'km')) return 1000;
  if (is(u, 'ft')) return 0.3048;
  if (is(u, 'mi')) return 1609.34;
  throw BAD_UNIT;
}

const NEED_RADIUS = error('ERR need numeric radius');
const NEGATIVE_RADIUS = error('ERR radius cannot be negative');
const NEED_WIDTH = error('ERR need numeric width');
const NEED_HEIGHT = error('ERR need numeric height');
const NEGATIVE_BOX = error('ERR height or width cannot be negative');

function extractDistance(argv: readonly string[], i: number, shape: GeoShape): void {
  const d = doubleArg(argv[i]!, NEED_RADIUS);
  if (d < 0) throw NEGATIVE_RADIUS;
  shape.radius = d;
  shape.conversion = extractUnit(argv[i + 1]!);
}

function extractBox(argv: readonly string[], i: number, shape: GeoShape): void {
  const w = doubleArg(argv[i]!, NEED_WIDTH);
  const h = doubleArg(argv[i + 1]!, NEED_HEIGHT);
  if (h < 0 || w < 0) throw NEGATIVE_BOX;
  shape.width = w;
  shape.height = h;
  shape.conversion = extractUnit(argv[i + 2]!);
}

const CANT_DECODE = error('ERR could not decode requested zset member');

/** longLatFromMember: the position of a member, or the "could not decode" error. */
function memberPosition(zs: RZSet, member: string): [number, number] {
  const score = zs.score(member);
  if (score === undefined) throw CANT_DECODE;
  return decodeGeohashScore(score);
}

// ---------------------------------------------------------------------------------------------
// GEOADD

function geoadd(ctx: Ctx): Reply {
  const argv = ctx.argv;
  let nx = false;
  let xx = false;
  let longIdx = 2;
  let ch = false;
  for (; longIdx < argv.length; longIdx++) {
    const o = argv[longIdx]!;
    if (is(o, 'nx')) nx = true;
    else if (is(o, 'xx')) xx = true;
    else if (is(o, 'ch')) ch = true;
    else break;
  }
  if ((argv.length - longIdx) % 3 !== 0 || (xx && nx)) throw SYNTAX;
  const elements = (argv.length - longIdx) / 3;
  if (elements === 0) throw SYNTAX; // what ZADD answers to the empty ZADD argv Redis builds
  // Scores computed here go to ZADD's core as numbers (no ZADD argv to print and parse again).
  const scores = new Float64Array(elements);
  for (let i = 0, j = longIdx; i < elements; i++, j += 3) {
    const lon = doubleArg(argv[j]!, NOT_FLOAT);
    const lat = doubleArg(argv[j + 1]!, NOT_FLOAT);
    checkLongLat(lon, lat);
    scores[i] = geoScore(lon, lat);
  }
  return zaddScores(ctx, argv[1]!, (nx ? ZADD_NX : 0) | (xx ? ZADD_XX : 0) | (ch ? ZADD_CH : 0), scores, argv, longIdx + 2, 3);
}

// ---------------------------------------------------------------------------------------------
// GEOPOS / GEODIST / GEOHASH

function geopos(ctx: Ctx): Reply {
  const argv = ctx.argv;
  const zs = ctx.db.read<RZSet>(argv[1]!, 'zset');
  const out: Reply[] = [];
  for (let j = 2; j < argv.length; j++) {
    const score = zs?.score(argv[j]!);
    if (score === undefined) {
      out.push(NULL_ARRAY);
      continue;
    }
    const [x, y] = decodeGeohashScore(score);
    out.push([coordReply(ctx, x), coordReply(ctx, y)]);
  }
  return out;
}

function geodist(ctx: Ctx): Reply {
  const argv = ctx.argv;
  let toMeter = 1;
  if (argv.length === 5) toMeter = extractUnit(argv[4]!);
  else if (argv.length > 5) throw SYNTAX;
  const zs = ctx.db.read<RZSet>(argv[1]!, 'zset');
  if (zs === undefined) return null;
  const s1 = zs.score(argv[2]!);
  const s2 = zs.score(argv[3]!);
  if (s1 === undefined || s2 === undefined) return null;
  const [x1, y1] = decodeGeohashScore(s1);
  const [x2, y2] = decodeGeohashScore(s2);
  return formatDistance(geoDistance(x1, y1, x2, y2) / toMeter);
}

function geohash(ctx: Ctx): Reply {
  const argv = ctx.argv;
  const zs = ctx.db.read<RZSet>(argv[1]!, 'zset');
  const out: Reply[] = [];
  for (let j = 2; j < argv.length; j++) {
    const score = zs?.score(argv[j]!);
    out.push(score === undefined ? null : standardGeohash(score));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// GEORADIUS / GEORADIUSBYMEMBER / GEOSEARCH / GEOSEARCHSTORE

const RADIUS_COORDS = 1;
const RADIUS_MEMBER = 2;
const RADIUS_NOSTORE = 4;
const GEOSEARCH = 8;
const GEOSEARCHSTORE = 16;

interface GeoPoint {
  member: string;
  score: number;
  lon: number;
  lat: number;
  dist: number;
}

/**
 * geoGetPointsInRange: the members with scores in [min, max) that lie inside the shape, appended
 * to `found`, stopping once `limit` points are found (0: no limit).
 */
function pointsInRange(zs: RZSet, min: number, max: number, shape: GeoShape, found: GeoPoint[], limit: number): void {
  let n = zs.firstInRange({ min, max, minex: false, maxex: true });
  while (n !== null && n.score < max) {
    decodeScoreXY(n.score);
    const lon = XY[0]!;
    const lat = XY[1]!;
    const dist = distanceIfInShape(shape, lon, lat);
    if (dist >= 0) found.push({ member: n.ele, score: n.score, lon, lat, dist });
    if (found.length > 0 && limit > 0 && found.length >= limit) break;
    n = n.next;
  }
}

/** membersOfAllNeighbors: searches the centre cell and its neighbours, skipping repeats. */
function membersOfAllNeighbors(zs: RZSet, cells: GeoHashBits[], shape: GeoShape, limit: number): GeoPoint[] {
  const found: GeoPoint[] = [];
  let last = 0;
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!;
    if (c.bits === 0 && c.step === 0) continue;
    // With huge radii adjacent neighbours can be the same cell: search it once.
    if (last !== 0 && c.bits === cells[last]!.bits && c.step === cells[last]!.step) continue;
    if (found.length > 0 && limit > 0 && found.length >= limit) break;
    const [min, max] = scoresOfBox(c);
    pointsInRange(zs, min, max, shape, found, limit);
    last = i;
  }
  return found;
}

/** georadiusGeneric: every radius/box search command. */
function georadiusGeneric(ctx: Ctx, srcKeyIndex: number, flags: number): Reply {
  const argv = ctx.argv;
  const db = ctx.db;
  let storekey: string | null = null;
  let storedist = false;
  const zs = db.read<RZSet>(argv[srcKeyIndex]!, 'zset');
  const shape: GeoShape = {
    type: 'circle',
    xy: [0, 0],
    conversion: 1,
    radius: 0,
    width: 0,
    height: 0,
    bounds: [0, 0, 0, 0],
  };

  let baseArgs: number;
  if (flags & RADIUS_COORDS) {
    baseArgs = 6;
    shape.xy = extractLongLat(argv, 2);
    extractDistance(argv, baseArgs - 2, shape);
  } else if (flags & RADIUS_MEMBER && zs === undefined) {
    // No source key: the radius is not even parsed, only the options (to pick the reply).
    baseArgs = 5;
  } else if (flags & RADIUS_MEMBER) {
    baseArgs = 5;
    shape.xy = memberPosition(zs!, argv[2]!);
    extractDistance(argv, baseArgs - 2, shape);
  } else {
    baseArgs = 2;
    if (flags & GEOSEARCHSTORE) {
      baseArgs = 3;
      storekey = argv[1]!;
    }
  }

  let withdist = false;
  let withhash = false;
  let withcoords = false;
  let frommember = false;
  let fromloc = false;
  let byradius = false;
  let bybox = false;
  let sort: 0 | 1 | 2 = 0; // none, asc, desc
  let any = false;
  let count = 0;
  const remaining = argv.length - baseArgs;
  for (let i = 0; i < remaining; i++) {
    const arg = argv[baseArgs + i]!;
    if (is(arg, 'withdist')) withdist = true;
    else if (is(arg, 'withhash')) withhash = true;
    else if (is(arg, 'withcoord')) withcoords = true;
    else if (is(arg, 'any')) any = true;
    else if (is(arg, 'asc')) sort = 1;
    else if (is(arg, 'desc')) sort = 2;
    else if (is(arg, 'count') && i + 1 < remaining) {
      count = intArg(argv[baseArgs + i + 1]!, NOT_INTEGER);
      if (count <= 0) throw error('ERR COUNT must be > 0');
      i++;
    } else if ((is(arg, 'store') || is(arg, 'storedist')) && i + 1 < remaining && !(flags & RADIUS_NOSTORE) && !(flags & GEOSEARCH)) {
      storekey = argv[baseArgs + i + 1]!;
      storedist = is(arg, 'storedist');
      i++;
    } else if (is(arg, 'storedist') && flags & GEOSEARCH && flags & GEOSEARCHSTORE) {
      storedist = true;
    } else if (is(arg, 'frommember') && i + 1 < remaining && flags & GEOSEARCH && !fromloc) {
      // Without a source key the member is not looked up: the reply is empty anyway.
      if (zs !== undefined) shape.xy = memberPosition(zs, argv[baseArgs + i + 1]!);
      frommember = true;
      i++;
    } else if (is(arg, 'fromlonlat') && i + 2 < remaining && flags & GEOSEARCH && !frommember) {
      shape.xy = extractLongLat(argv, baseArgs + i + 1);
      fromloc = true;
      i += 2;
    } else if (is(arg, 'byradius') && i + 2 < remaining && flags & GEOSEARCH && !bybox) {
      extractDistance(argv, baseArgs + i + 1, shape);
      shape.type = 'circle';
      byradius = true;
      i += 2;
    } else if (is(arg, 'bybox') && i + 3 < remaining && flags & GEOSEARCH && !byradius) {
      extractBox(argv, baseArgs + i + 1, shape);
      shape.type = 'box';
      bybox = true;
      i += 3;
    } else {
      throw SYNTAX;
    }
  }

  if (storekey !== null && (withdist || withhash || withcoords)) {
    throw error(
      `ERR ${flags & GEOSEARCHSTORE ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS'} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`,
    );
  }
  if (flags & GEOSEARCH && !(frommember || fromloc)) {
    throw error(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${argv[0]}`);
  }
  if (flags & GEOSEARCH && !(byradius || bybox)) {
    throw error(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${argv[0]}`);
  }
  if (any && count === 0) throw error('ERR the ANY argument requires COUNT argument');

  if (zs === undefined) {
    if (storekey !== null) return storeResult(ctx, storekey, null, '');
    return [];
  }

  // COUNT needs an order to pick the nearest ones (not with ANY: any N matches will do).
  if (count !== 0 && sort === 0 && !any) sort = 1;

  const found = membersOfAllNeighbors(zs, areasByShape(shape), shape, any ? count : 0);
  if (found.length === 0 && storekey === null) return [];

  const returned = count === 0 || found.length < count ? found.length : count;
  if (sort !== 0) {
    // sort_gp_asc / sort_gp_desc (a NaN distance compares as smaller). The whole array goes
    // through glibc's qsort, a stable merge sort; the first COUNT only through pqsort, whose
    // order of equal distances differs.
    const cmp =
      sort === 1
        ? (a: GeoPoint, b: GeoPoint) => (a.dist > b.dist ? 1 : a.dist === b.dist ? 0 : -1)
        : (a: GeoPoint, b: GeoPoint) => -(a.dist > b.dist ? 1 : a.dist === b.dist ? 0 : -1);
    if (returned === found.length) found.sort(cmp);
    else pqsort(found, cmp, 0, returned - 1);
  }

  if (storekey === null) {
    const options = (withdist ? 1 : 0) + (withhash ? 1 : 0) + (withcoords ? 1 : 0);
    const out: Reply[] = new Array(returned);
    for (let i = 0; i < returned; i++) {
      const gp = found[i]!;
      if (options === 0) {
        out[i] = gp.member;
        continue;
      }
      const item: Reply[] = [gp.member];
      if (withdist) item.push(formatDistance(gp.dist / shape.conversion));
      if (withhash) item.push(Math.trunc(gp.score)); // (long long) score: a STOREDIST score is not an integer
      if (withcoords) item.push([coordReply(ctx, gp.lon), coordReply(ctx, gp.lat)]);
      out[i] = item;
    }
    return out;
  }

  let result: RZSet | null = null;
  if (returned > 0) {
    result = new RZSet(false);
    let maxLen = 0;
    for (let i = 0; i < returned; i++) {
      const gp = found[i]!;
      result.insert(gp.member, storedist ? gp.dist / shape.conversion : gp.score);
      if (gp.member.length > maxLen) maxLen = gp.member.length;
    }
    result.convertToListpackIfNeeded(zsetLimits(ctx), maxLen);
  }
  return storeResult(ctx, storekey, result, flags & GEOSEARCH ? 'geosearchstore' : 'georadiusstore');
}

// ---------------------------------------------------------------------------------------------
// The command table

/** GEORADIUS[BYMEMBER] keys: the source, plus the last STORE/STOREDIST key (georadiusGetKeys). */
function georadiusKeys(argv: readonly string[]): number[] {
  let stored = -1;
  for (let i = 5; i < argv.length; i++) {
    const a = argv[i]!;
    if ((is(a, 'store') || is(a, 'storedist')) && i + 1 < argv.length) {
      stored = i + 1;
      i++;
    }
  }
  return stored < 0 ? [1] : [1, stored];
}

const GEO = 'geo';
const READ = { flags: ['readonly'], acl: ['read', 'geo', 'slow'] } as const;
const RADIUS_COMPLEXITY =
  'O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.';
const SEARCH_COMPLEXITY =
  'O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape';

const specs: CommandSpec[] = [
  {
    name: 'geoadd',
    arity: -5,
    flags: ['write', 'denyoom'],
    acl: ['write', 'geo', 'slow'],
    group: GEO,
    keySpecs: [{ flags: ['RW', 'UPDATE'], index: 1, range: [0, 1, 0] }],
    summary: "Adds one or more members to a geospatial index. The key is created if it doesn't exist.",
    complexity: 'O(log(N)) for each item added, where N is the number of elements in the sorted set.',
    since: '3.2.0',
    handler: geoadd,
  },
  {
    name: 'geopos',
    arity: -2,
    ...READ,
    group: GEO,
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns the longitude and latitude of members from a geospatial index.',
    complexity: 'O(1) for each member requested.',
    since: '3.2.0',
    handler: geopos,
  },
  {
    name: 'geodist',
    arity: -4,
    ...READ,
    group: GEO,
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns the distance between two members of a geospatial index.',
    complexity: 'O(1)',
    since: '3.2.0',
    handler: geodist,
  },
  {
    name: 'geohash',
    arity: -2,
    ...READ,
    group: GEO,
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns members from a geospatial index as geohash strings.',
    complexity: 'O(1) for each member requested.',
    since: '3.2.0',
    handler: geohash,
  },
  {
    name: 'georadius',
    arity: -6,
    flags: ['write', 'denyoom', 'movablekeys'],
    acl: ['write', 'geo', 'slow'],
    group: GEO,
    keys: georadiusKeys,
    keySpecs: [
      { flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] },
      { flags: ['OW', 'UPDATE'], keyword: 'STORE', startfrom: 6, range: [0, 1, 0] },
      { flags: ['OW', 'UPDATE'], keyword: 'STOREDIST', startfrom: 6, range: [0, 1, 0] },
    ],
    summary: 'Queries a geospatial index for members within a distance from a coordinate, optionally stores the result.',
    complexity: RADIUS_COMPLEXITY,
    since: '3.2.0',
    handler: (ctx) => georadiusGeneric(ctx, 1, RADIUS_COORDS),
  },
  {
    name: 'georadiusbymember',
    arity: -5,
    flags: ['write', 'denyoom', 'movablekeys'],
    acl: ['write', 'geo', 'slow'],
    group: GEO,
    keys: georadiusKeys,
    keySpecs: [
      { flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] },
      { flags: ['OW', 'UPDATE'], keyword: 'STORE', startfrom: 5, range: [0, 1, 0] },
      { flags: ['OW', 'UPDATE'], keyword: 'STOREDIST', startfrom: 5, range: [0, 1, 0] },
    ],
    summary: 'Queries a geospatial index for members within a distance from a member, optionally stores the result.',
    complexity: RADIUS_COMPLEXITY,
    since: '3.2.0',
    handler: (ctx) => georadiusGeneric(ctx, 1, RADIUS_MEMBER),
  },
  {
    name: 'georadius_ro',
    arity: -6,
    ...READ,
    group: GEO,
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns members from a geospatial index that are within a distance from a coordinate.',
    complexity: RADIUS_COMPLEXITY,
    since: '3.2.10',
    handler: (ctx) => georadiusGeneric(ctx, 1, RADIUS_COORDS | RADIUS_NOSTORE),
  },
  {
    name: 'georadiusbymember_ro',
    arity: -5,
    ...READ,
    group: GEO,
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Returns members from a geospatial index that are within a distance from a member.',
    complexity: RADIUS_COMPLEXITY,
    since: '3.2.10',
    handler: (ctx) => georadiusGeneric(ctx, 1, RADIUS_MEMBER | RADIUS_NOSTORE),
  },
  {
    name: 'geosearch',
    arity: -7,
    ...READ,
    group: GEO,
    keySpecs: [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }],
    summary: 'Queries a geospatial index for members inside an area of a box or a circle.',
    complexity: SEARCH_COMPLEXITY,
    since: '6.2.0',
    handler: (ctx) => georadiusGeneric(ctx, 1, GEOSEARCH),
  },
  {
    name: 'geosearchstore',
    arity: -8,
    flags: ['write', 'denyoom'],
    acl: ['write', 'geo', 'slow'],
    group: GEO,
    keySpecs: [
      { flags: ['OW', 'UPDATE'], index: 1, range: [0, 1, 0] },
      { flags: ['RO', 'ACCESS'], index: 2, range: [0, 1, 0] },
    ],
    summary: 'Queries a geospatial index for members inside an area of a box or a circle, optionally stores the result.',
    complexity: SEARCH_COMPLEXITY,
    since: '6.2.0',
    handler: (ctx) => georadiusGeneric(ctx, 2, GEOSEARCH | GEOSEARCHSTORE),
  },
];

defineCommands(...specs);

