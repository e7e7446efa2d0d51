/**
 * Geohashing as Redis does it (geohash.c, geohash_helper.c), reimplemented so GEOADD scores and
 * GEOPOS/GEODIST/GEOHASH/GEOSEARCH answers match redis-server bit for bit: a position is a
 * 52-bit interleaved geohash (26 bits of latitude on the even bits, 26 of longitude on the odd
 * ones) stored as the sorted-set score; a radius or box search looks at the geohash cell of the
 * centre and its 8 neighbours at a step chosen from the radius.
 *
 * Hashes up to 52 bits are exact in a double, so they are plain numbers here; the 64-bit
 * neighbour arithmetic uses BigInt (nine cells per query, not a hot path).
 */

export const GEO_STEP_MAX = 26;
export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;

/** A geohash cell: `bits` holds step*2 bits; a zeroed cell (0, 0) means "no cell". */
export interface GeoHashBits {
  bits: number;
  step: number;
}

export interface GeoHashRange {
  min: number;
  max: number;
}

export interface GeoHashArea {
  hash: GeoHashBits;
  longitude: GeoHashRange;
  latitude: GeoHashRange;
}

const TWO32 = 4294967296;

/** Spreads the low 16 bits of u onto the even bits of a 32-bit word. */
function spread16(u: number): number {
  u = (u | (u << 8)) & 0x00ff00ff;
  u = (u | (u << 4)) & 0x0f0f0f0f;
  u = (u | (u << 2)) & 0x33333333;
  u = (u | (u << 1)) & 0x55555555;
  return u;
}

/** The even bits of a 32-bit word, packed into 16 bits. */
function compact16(u: number): number {
  u &= 0x55555555;
  u = (u | (u >>> 1)) & 0x33333333;
  u = (u | (u >>> 2)) & 0x0f0f0f0f;
  u = (u | (u >>> 4)) & 0x00ff00ff;
  u = (u | (u >>> 8)) & 0x0000ffff;
  return u;
}

/** interleave64: x on the even bits, y on the odd bits (x, y < 2^27 keeps the result exact). */
export function interleave64(x: number, y: number): number {
  x >>>= 0;
  y >>>= 0;
  const lo = (spread16(x & 0xffff) | (spread16(y & 0xffff) << 1)) >>> 0;
  const hi = (spread16(x >>> 16) | (spread16(y >>> 16) << 1)) >>> 0;
  return hi * TWO32 + lo;
}

/** deinterleave64 of a 64-bit value given as two 32-bit halves: [even bits, odd bits]. */
function deinterleave(hi: number, lo: number): [number, number] {
  const x = (compact16(lo) | (compact16(hi) << 16)) >>> 0;
  const y = (compact16(lo >>> 1) | (compact16(hi >>> 1) << 16)) >>> 0;
  return [x, y];
}

export function deinterleave64(bits: number): [number, number] {
  return deinterleave(Math.floor(bits / TWO32), bits >>> 0);
}

export const WGS84_LONG: GeoHashRange = { min: GEO_LONG_MIN, max: GEO_LONG_MAX };
export const WGS84_LAT: GeoHashRange = { min: GEO_LAT_MIN, max: GEO_LAT_MAX };

/** geohashEncode: the cell of (longitude, latitude) at `step`, or null outside the ranges. */
export function geohashEncode(
  longRange: GeoHashRange,
  latRange: GeoHashRange,
  longitude: number,
  latitude: number,
  step: number,
): GeoHashBits | null {
  if (step > 32 || step === 0) return null;
  if (longitude > GEO_LONG_MAX || longitude < GEO_LONG_MIN || latitude > GEO_LAT_MAX || latitude < GEO_LAT_MIN) return null;
  if (latitude < latRange.min || latitude > latRange.max || longitude < longRange.min || longitude > longRange.max) return null;
  let latOffset = (latitude - latRange.min) / (latRange.max - latRange.min);
  let longOffset = (longitude - longRange.min) / (longRange.max - longRange.min);
  latOffset *= 2 ** step;
  longOffset *= 2 ** step;
  return { bits: interleave64(latOffset, longOffset), step };
}

export function geohashEncodeWGS84(longitude: number, latitude: number, step: number): GeoHashBits | null {
  return geohashEncode(WGS84_LONG, WGS84_LAT, longitude, latitude, step);
}

/** geohashDecode from the two halves of the (deinterleaved) hash. */
function decodeHalves(
  longRange: GeoHashRange,
  latRange: GeoHashRange,
  hash: GeoHashBits,
  hi: number,
  lo: number,
): GeoHashArea {
  const [ilato, ilono] = deinterleave(hi, lo);
  const latScale = latRange.max - latRange.min;
  const longScale = longRange.max - longRange.min;
  const div = 2 ** hash.step;
  return {
    hash,
    latitude: {
      min: latRange.min + (ilato * 1.0 / div) * latScale,
      // uint32 arithmetic in C: the +1 wraps for the all-ones cell of a garbage score.
      max: latRange.min + (((ilato + 1) >>> 0) * 1.0 / div) * latScale,
    },
    longitude: {
      min: longRange.min + (ilono * 1.0 / div) * longScale,
      max: longRange.min + (((ilono + 1) >>> 0) * 1.0 / div) * longScale,
    },
  };
}

/** geohashDecode: the area a cell covers (null for the zeroed cell). */
export function geohashDecode(longRange: GeoHashRange, latRange: GeoHashRange, hash: GeoHashBits): GeoHashArea | null {
  if (hash.bits === 0 && hash.step === 0) return null;
  return decodeHalves(longRange, latRange, hash, Math.floor(hash.bits / TWO32), hash.bits >>> 0);
}

/** geohashDecodeAreaToLongLat: the centre of an area, clamped to the valid ranges. */
export function areaCenter(area: GeoHashArea): [number, number] {
  let x = (area.longitude.min + area.longitude.max) / 2;
  if (x > GEO_LONG_MAX) x = GEO_LONG_MAX;
  if (x < GEO_LONG_MIN) x = GEO_LONG_MIN;
  let y = (area.latitude.min + area.latitude.max) / 2;
  if (y > GEO_LAT_MAX) y = GEO_LAT_MAX;
  if (y < GEO_LAT_MIN) y = GEO_LAT_MIN;
  return [x, y];
}

const U64 = (1n << 64n) - 1n;

/**
 * decodeGeohash (geo.c): a sorted-set score -> [longitude, latitude]. The score is converted to
 * a uint64 the way C does on x86-64 for the scores a zset can hold (negatives wrap), so GEOPOS on
 * a zset that was not built by GEOADD answers like Redis too.
 */
export function decodeGeohashScore(score: number): [number, number] {
  decodeScoreXY(score);
  return [XY[0]!, XY[1]!];
}

/** Where decodeScoreXY leaves [longitude, latitude]. */
export const XY = new Float64Array(2);

/**
 * decodeGeohashScore without allocating (searches decode every candidate): the position goes to
 * XY[0] (longitude) and XY[1] (latitude).
 */
export function decodeScoreXY(score: number): void {
  let hi: number;
  let lo: number;
  if (score >= 0 && score < 2 ** 53) {
    const b = Math.trunc(score);
    hi = Math.floor(b / TWO32);
    lo = b >>> 0;
  } else {
    let big: bigint;
    // gcc's double -> uint64 on x86-64: at or past 2^64 it yields 0, at or below -2^63 (or NaN)
    // the "integer indefinite" 2^63, and negatives in between wrap around.
    if (score >= 2 ** 64) big = 0n;
    else if (score !== score || score <= -(2 ** 63)) big = 1n << 63n;
    else big = BigInt(Math.trunc(score)) & U64;
    hi = Number(big >> 32n);
    lo = Number(big & 0xffffffffn);
  }
  // geohashDecode (as decodeHalves over the WGS84 ranges at step 26), then areaCenter.
  const ilato = (compact16(lo) | (compact16(hi) << 16)) >>> 0;
  const ilono = (compact16(lo >>> 1) | (compact16(hi >>> 1) << 16)) >>> 0;
  const latScale = GEO_LAT_MAX - GEO_LAT_MIN;
  const longScale = GEO_LONG_MAX - GEO_LONG_MIN;
  const div = 2 ** GEO_STEP_MAX;
  const latMin = GEO_LAT_MIN + (ilato * 1.0 / div) * latScale;
  const latMax = GEO_LAT_MIN + (((ilato + 1) >>> 0) * 1.0 / div) * latScale;
  const longMin = GEO_LONG_MIN + (ilono * 1.0 / div) * longScale;
  const longMax = GEO_LONG_MIN + (((ilono + 1) >>> 0) * 1.0 / div) * longScale;
  let x = (longMin + longMax) / 2;
  if (x > GEO_LONG_MAX) x = GEO_LONG_MAX;
  if (x < GEO_LONG_MIN) x = GEO_LONG_MIN;
  let y = (latMin + latMax) / 2;
  if (y > GEO_LAT_MAX) y = GEO_LAT_MAX;
  if (y < GEO_LAT_MIN) y = GEO_LAT_MIN;
  XY[0] = x;
  XY[1] = y;
}

/** geohashAlign52Bits: a cell's bits shifted to the 52-bit score scale. */
export function align52(hash: GeoHashBits): number {
  return hash.bits * 2 ** (52 - hash.step * 2);
}

/** The 52-bit score GEOADD stores for a position (callers validated the ranges). */
export function geoScore(longitude: number, latitude: number): number {
  // geohashEncode at step 26 (52 bits: already aligned), without the GeoHashBits object.
  const latOffset = ((latitude - GEO_LAT_MIN) / (GEO_LAT_MAX - GEO_LAT_MIN)) * 2 ** GEO_STEP_MAX;
  const longOffset = ((longitude - GEO_LONG_MIN) / (GEO_LONG_MAX - GEO_LONG_MIN)) * 2 ** GEO_STEP_MAX;
  return interleave64(latOffset, longOffset);
}

// ---------------------------------------------------------------------------------------------
// Neighbours

const EVEN64 = 0x5555555555555555n;
const ODD64 = 0xaaaaaaaaaaaaaaaan;

function moveX(h: GeoHashBits, d: number): GeoHashBits {
  if (d === 0) return h;
  const bits = BigInt(h.bits);
  let x = bits & ODD64;
  const y = bits & EVEN64;
  const shift = BigInt(64 - h.step * 2);
  const zz = EVEN64 >> shift;
  if (d > 0) {
    x = x + (zz + 1n);
  } else {
    x = x | zz;
    x = x - (zz + 1n);
  }
  x = BigInt.asUintN(64, x) & (ODD64 >> shift);
  return { bits: Number(x | y), step: h.step };
}

function moveY(h: GeoHashBits, d: number): GeoHashBits {
  if (d === 0) return h;
  const bits = BigInt(h.bits);
  const x = bits & ODD64;
  let y = bits & EVEN64;
  const shift = BigInt(64 - h.step * 2);
  const zz = ODD64 >> shift;
  if (d > 0) {
    y = y + (zz + 1n);
  } else {
    y = y | zz;
    y = y - (zz + 1n);
  }
  y = BigInt.asUintN(64, y) & (EVEN64 >> shift);
  return { bits: Number(x | y), step: h.step };
}

export interface GeoHashNeighbors {
  north: GeoHashBits;
  east: GeoHashBits;
  west: GeoHashBits;
  south: GeoHashBits;
  north_east: GeoHashBits;
  south_east: GeoHashBits;
  north_west: GeoHashBits;
  south_west: GeoHashBits;
}

export function geohashNeighbors(h: GeoHashBits): GeoHashNeighbors {
  return {
    east: moveY(moveX(h, 1), 0),
    west: moveY(moveX(h, -1), 0),
    south: moveY(moveX(h, 0), -1),
    north: moveY(moveX(h, 0), 1),
    north_west: moveY(moveX(h, -1), 1),
    north_east: moveY(moveX(h, 1), 1),
    south_east: moveY(moveX(h, 1), -1),
    south_west: moveY(moveX(h, -1), -1),
  };
}

// ---------------------------------------------------------------------------------------------
// Search areas and distances (geohash_helper.c)

const D_R = Math.PI / 180.0;
/** Earth's quadratic mean radius for WGS-84, as Redis uses it. */
export const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;

const degRad = (ang: number) => ang * D_R;
const radDeg = (ang: number) => ang / D_R;

/** A search shape (GeoShape): a circle (radius) or a box (width, height), in `conversion` units. */
export interface GeoShape {
  type: 'circle' | 'box';
  /** Centre: [longitude, latitude]. */
  xy: [number, number];
  /** Meters per unit of radius/width/height. */
  conversion: number;
  radius: number;
  width: number;
  height: number;
  /** [min lon, min lat, max lon, max lat], filled by geohashCalculateAreasByShapeWGS84. */
  bounds: [number, number, number, number];
}

/** geohashEstimateStepsByRadius: the cell size (step) for a search radius at a latitude. */
export function estimateStepsByRadius(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

/** geohashBoundingBox: the lon/lat box enclosing the shape. */
export function boundingBox(shape: GeoShape): [number, number, number, number] {
  const [longitude, latitude] = shape.xy;
  const height = shape.conversion * (shape.type === 'circle' ? shape.radius : shape.height / 2);
  const width = shape.conversion * (shape.type === 'circle' ? shape.radius : shape.width / 2);
  const latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
  const longDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / libmCos(degRad(latitude + latDelta)));
  const longDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / libmCos(degRad(latitude - latDelta)));
  const southern = latitude < 0;
  return [
    southern ? longitude - longDeltaBottom : longitude - longDeltaTop,
    latitude - latDelta,
    southern ? longitude + longDeltaBottom : longitude + longDeltaTop,
    latitude + latDelta,
  ];
}

const ZERO: GeoHashBits = { bits: 0, step: 0 };

/**
 * geohashCalculateAreasByShapeWGS84: the centre cell and its 8 neighbours (zeroed when they
 * cannot hold a match) covering the shape, in Redis's order of search.
 */
export function areasByShape(shape: GeoShape): GeoHashBits[] {
  const bounds = (shape.bounds = boundingBox(shape));
  const [minLon, minLat, maxLon, maxLat] = bounds;
  const [longitude, latitude] = shape.xy;
  let radiusMeters =
    shape.type === 'circle'
      ? shape.radius
      : Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2));
  radiusMeters *= shape.conversion;

  let steps = estimateStepsByRadius(radiusMeters, latitude);
  let hash = geohashEncode(WGS84_LONG, WGS84_LAT, longitude, latitude, steps) ?? { bits: 0, step: steps };
  let n = geohashNeighbors(hash);
  let area = geohashDecode(WGS84_LONG, WGS84_LAT, hash)!;

  // Near the edges of the covered area the estimated step may be too coarse: one more bit less.
  const north = geohashDecode(WGS84_LONG, WGS84_LAT, n.north)!;
  const south = geohashDecode(WGS84_LONG, WGS84_LAT, n.south)!;
  const east = geohashDecode(WGS84_LONG, WGS84_LAT, n.east)!;
  const west = geohashDecode(WGS84_LONG, WGS84_LAT, n.west)!;
  const decrease =
    north.latitude.max < maxLat || south.latitude.min > minLat || east.longitude.max < maxLon || west.longitude.min > minLon;
  if (steps > 1 && decrease) {
    steps--;
    hash = geohashEncode(WGS84_LONG, WGS84_LAT, longitude, latitude, steps) ?? { bits: 0, step: steps };
    n = geohashNeighbors(hash);
    area = geohashDecode(WGS84_LONG, WGS84_LAT, hash)!;
  }

  // Drop the neighbours the shape cannot reach.
  if (steps >= 2) {
    if (area.latitude.min < minLat) n.south = n.south_west = n.south_east = ZERO;
    if (area.latitude.max > maxLat) n.north = n.north_east = n.north_west = ZERO;
    if (area.longitude.min < minLon) n.west = n.south_west = n.north_west = ZERO;
    if (area.longitude.max > maxLon) n.east = n.south_east = n.north_east = ZERO;
  }
  return [hash, n.north, n.south, n.east, n.west, n.north_east, n.north_west, n.south_east, n.south_west];
}

/** geohashGetLatDistance: distance along a meridian. */
export function latDistance(lat1d: number, lat2d: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(degRad(lat2d) - degRad(lat1d));
}

/** geohashGetDistance: haversine great-circle distance in meters. */
export function geoDistance(lon1d: number, lat1d: number, lon2d: number, lat2d: number): number {
  const lon1r = degRad(lon1d);
  const lon2r = degRad(lon2d);
  const v = libmSin((lon2r - lon1r) / 2);
  if (v === 0.0) return latDistance(lat1d, lat2d);
  const lat1r = degRad(lat1d);
  const lat2r = degRad(lat2d);
  const u = libmSin((lat2r - lat1r) / 2);
  const a = u * u + libmCos(lat1r) * libmCos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * libmAsin(Math.sqrt(a));
}

/**
 * geoWithinShape: the distance from the shape's centre to (x, y) when the point is inside the
 * shape, else -1.
 */
export function distanceIfInShape(shape: GeoShape, x: number, y: number): number {
  const cx = shape.xy[0];
  const cy = shape.xy[1];
  if (shape.type === 'circle') {
    const d = geoDistance(cx, cy, x, y);
    return d > shape.radius * shape.conversion ? -1 : d;
  }
  const widthM = shape.width * shape.conversion;
  const heightM = shape.height * shape.conversion;
  // Latitude distance is cheaper: test it first (geohashGetDistanceIfInRectangle).
  if (latDistance(y, cy) > heightM / 2) return -1;
  if (geoDistance(x, y, cx, y) > widthM / 2) return -1;
  return geoDistance(cx, cy, x, y);
}

/** The score interval [min, max) holding every position inside a cell (scoresOfGeoHashBox). */
export function scoresOfBox(hash: GeoHashBits): [number, number] {
  return [align52(hash), align52({ bits: hash.bits + 1, step: hash.step })];
}

const BASE32 = '0123456789bcdefghjkmnpqrstuvwxyz';

/**
 * GEOHASH's 11-character standard geohash of a score: decoded, re-encoded over the standard
 * latitude range [-90, 90] (Redis's own cells use ±85.05), last character always '0'.
 */
export function standardGeohash(score: number): string {
  const [x, y] = decodeGeohashScore(score);
  const h = geohashEncode({ min: -180, max: 180 }, { min: -90, max: 90 }, x, y, 26);
  const bits = h === null ? 0 : h.bits;
  let out = '';
  for (let i = 0; i < 11; i++) {
    const idx = i === 10 ? 0 : Math.floor(bits / 2 ** (52 - (i + 1) * 5)) % 32;
    out += BASE32[idx];
  }
  return out;
}

// -----------------------------------------------------------------------------------------------
// sin, cos and asin as glibc computes them
//
// Redis's distances come from glibc's libm, whose sin/cos/asin are correctly rounded but for very
// rare cases; V8's Math functions (fdlibm) miss the correctly rounded double in 3-6% of cases,
// which shows as a last-bit difference in STOREDIST scores. These versions evaluate the functions
// in double-double precision (about 2^-75 relative error) and round once, so they agree with
// glibc wherever glibc is correctly rounded. A table of sin/cos at multiples of 1/256 (built
// on first use) leaves a remainder |b| <= 1/512 for short Taylor series. Outside the table's
// range [0, 3.25] (never reached by distances) they fall back to Math.

const SPLIT = 134217729; // 2^27 + 1 (Veltkamp split)
const TABLE_STEP = 256;
const TABLE_MAX = 3.25;
let sinTable: Float64Array | null = null; // per entry: sin hi, sin lo, cos hi, cos lo

/**
 * Result registers of the double-double helpers: hi in DD[0], lo in DD[1]. A typed array holds
 * doubles unboxed (module-level lets would allocate a heap number on every store).
 */
const DD = new Float64Array(2);

/** a * b exactly, as DD[0] + DD[1] (Dekker). */
function twoProd(a: number, b: number): void {
  const p = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  DD[0] = p;
  DD[1] = ah * bh - p + ah * bl + al * bh + al * bl;
}

/** (ah + al) * (bh + bl) as a normalized double-double. */
function ddMul(ah: number, al: number, bh: number, bl: number): void {
  twoProd(ah, bh);
  const p = DD[0]!;
  const lo = DD[1]! + (ah * bl + al * bh);
  const s = p + lo;
  DD[0] = s;
  DD[1] = lo - (s - p);
}

/** (ah + al) + (bh + bl) as a normalized double-double. */
function ddAdd(ah: number, al: number, bh: number, bl: number): void {
  const s = ah + bh;
  const v = s - ah;
  const e = ah - (s - v) + (bh - v) + al + bl;
  const hi = s + e;
  DD[0] = hi;
  DD[1] = e - (hi - s);
}

/** (ah + al) / d for a small integer d. */
function ddDivInt(ah: number, al: number, d: number): void {
  const q1 = ah / d;
  twoProd(q1, d);
  const r = ah - DD[0]! - DD[1]! + al;
  const q2 = r / d;
  const hi = q1 + q2;
  DD[0] = hi;
  DD[1] = q2 - (hi - q1);
}

/** sin and cos of k/TABLE_STEP by Taylor series in double-double (terms of magnitude <= 4). */
function buildSinTable(): Float64Array {
  const n = Math.ceil(TABLE_MAX * TABLE_STEP) + 1;
  const t = new Float64Array(n * 4);
  for (let k = 0; k < n; k++) {
    const a = k / TABLE_STEP;
    twoProd(a, a);
    const a2h = -DD[0]!;
    const a2l = -DD[1]!;
    // sin: a - a^3/3! + ...; cos: 1 - a^2/2! + ...
    for (let c = 0; c < 2; c++) {
      let th = c === 0 ? a : 1;
      let tl = 0;
      let sh = 0;
      let sl = 0;
      for (let i = c === 0 ? 1 : 0; Math.abs(th) > 1e-40; i += 2) {
        ddAdd(sh, sl, th, tl);
        sh = DD[0]!;
        sl = DD[1]!;
        ddMul(th, tl, a2h, a2l);
        ddDivInt(DD[0]!, DD[1]!, (i + 1) * (i + 2));
        th = DD[0]!;
        tl = DD[1]!;
      }
      t[k * 4 + c * 2] = sh;
      t[k * 4 + c * 2 + 1] = sl;
    }
  }
  return t;
}

/**
 * sin (which = 0) or cos (which = 1) of x >= 0 within the table's range, as DD[0] + DD[1]:
 * x = a + b with a on the table, then the angle-addition formulas.
 */
function sinCosDD(x: number, which: 0 | 1): void {
  const t = sinTable ?? (sinTable = buildSinTable());
  const k = Math.round(x * TABLE_STEP);
  const b = x - k / TABLE_STEP; // exact
  const i = k * 4;
  const sah = t[i]!;
  const sal = t[i + 1]!;
  const cah = t[i + 2]!;
  const cal = t[i + 3]!;
  const b2 = b * b;
  // sin b = b + b^3 (-1/6 + b^2/120 - b^4/5040): the tail is below 2^-26 of b.
  const sbh = b;
  const sbl = b * b2 * (-1 / 6 + b2 * (1 / 120 - b2 / 5040));
  // cos b = 1 - b^2/2 + b^4 (1/24 - b^2/720), with b^2 exact.
  twoProd(b, b);
  ddAdd(1, 0, -DD[0]! / 2, -DD[1]! / 2);
  const cbh = DD[0]!;
  const cbl = DD[1]! + b2 * b2 * (1 / 24 - b2 / 720);
  ddMul(which === 0 ? sah : cah, which === 0 ? sal : cal, cbh, cbl);
  const ph = DD[0]!;
  const pl = DD[1]!;
  ddMul(which === 0 ? cah : sah, which === 0 ? cal : sal, sbh, sbl);
  if (which === 0) ddAdd(ph, pl, DD[0]!, DD[1]!);
  else ddAdd(ph, pl, -DD[0]!, -DD[1]!);
}

/** sin(x) rounded as glibc does. */
export function libmSin(x: number): number {
  const ax = Math.abs(x);
  // Near the table's zero of sin (x ~ pi) the relative precision drops: let fdlibm answer.
  if (!(ax <= TABLE_MAX) || ax === 0 || Math.abs(ax - Math.PI) < 1e-6) return Math.sin(x);
  sinCosDD(ax, 0);
  return x < 0 ? -DD[0]! : DD[0]!;
}

/** cos(x) rounded as glibc does. */
export function libmCos(x: number): number {
  const ax = Math.abs(x);
  if (!(ax <= TABLE_MAX) || Math.abs(ax - Math.PI / 2) < 1e-6) return Math.cos(x);
  sinCosDD(ax, 1);
  return DD[0]!;
}

/**
 * asin(s) rounded as glibc does: one Newton step from fdlibm's answer (within an ulp),
 * y = y0 + (s - sin y0) / cos y0, with sin y0 in double-double. The step is a fraction of an
 * ulp, so cos y0 = sqrt((1 - s)(1 + s)) in plain doubles is precise enough.
 */
export function libmAsin(s: number): number {
  const as = Math.abs(s);
  const y0 = Math.asin(as);
  if (!(as > 0 && as < 1)) return s < 0 ? -y0 : y0;
  sinCosDD(y0, 0);
  const r = as - DD[0]! - DD[1]!;
  const y = y0 + r / Math.sqrt((1 - as) * (1 + as));
  return s < 0 ? -y : y;
}
