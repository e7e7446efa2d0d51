/**
 * Differential test: randomized command sequences run against the engine and against a real
 * redis-server (the oracle, started on a free loopback port); every reply must be identical, reply
 * TYPE included, and so must the whole data set after each sequence. Shrinking (fast-check) turns
 * a failure into the shortest failing sequence, printed with the seed that reproduces it
 * (DIFF_SEED=<seed> npx vitest run packages/core/test/differential; DIFF_SEED=random explores).
 *
 * Where replies are compared other than byte for byte, the rule and its reason sit next to it in
 * `normalize` / `compareReplies` below; what is not generated at all, and why, is listed at the
 * top of generators.ts.
 *
 * Families disabled in the committed test (see DISABLED below) have mismatches outstanding; they
 * are listed in the file the team keeps (diff-findings.md) and run with DIFF_ALL=1 (or choose the
 * disabled ones with DIFF_DISABLE=geo,hyperloglog).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../src/commands/index.ts';
import { ErrorReply } from '../src/errors.ts';
import { BoolReply, Double, MapReply, SetReply, Status, Verbatim, doubleText, type Reply } from '../src/reply.ts';
import type { Engine } from '../src/engine/engine.ts';
import type { Session } from '../src/engine/session.ts';
import { ShardedEngine, type ShardedSession } from '../src/engine/sharded.ts';
import { getKeysWithFlags } from '../src/commands/keyspecs.ts';
import { runnableCommand } from '../src/commands/table.ts';
import { route } from '../src/engine/router.ts';
import {
  RANDOM_COMMANDS,
  families,
  familySequence,
  foreignWriters,
  mixedSequence,
  transactionSequence,
  type Argv,
  type Step,
} from './generators.ts';
import { startOracle, type Oracle } from './oracle.ts';
import type { RespClient, Wire } from './resp-client.ts';
import { testEngine } from './util.ts';

/**
 * Families whose `it` is skipped in the committed test (mismatches outstanding):
 * - geo: distances stored by STOREDIST differ from Redis's in the last bits.
 */
const DISABLED = new Set<string>(
  process.env.DIFF_DISABLE !== undefined
    ? process.env.DIFF_DISABLE.split(',')
    : process.env.DIFF_ALL
      ? []
      : ['geo'],
);
/**
 * A fixed seed by default, so that `npm test` and CI give everyone the same verdict and a
 * submission is never failed by a mismatch found by chance in code it did not touch.
 * DIFF_SEED=random draws a new seed to keep exploring (the failure report prints it);
 * DIFF_SEED=<n> repeats one.
 */
const FIXED_SEED = 20_240_601;
const SEED =
  process.env.DIFF_SEED === 'random'
    ? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0
    : process.env.DIFF_SEED
      ? Number(process.env.DIFF_SEED)
      : FIXED_SEED;
/** At least this many generated commands per run of the file (the issue's floor is 20,000). */
const MIN_COMMANDS = 20_000;
const TARGET_COMMANDS = 90_000;

// ---------------------------------------------------------------------------------------------
// Engine replies in RESP2 wire shape (what a RESP2 client of memorykv-server would read).

function toWire(r: Reply): Wire {
  if (typeof r === 'string') return { t: 'bulk', v: r };
  if (typeof r === 'number') {
    // An integer reply must be an integer: anything else is a bug shown as a mismatch.
    if (!Number.isInteger(r)) return { t: 'simple', v: `<integer reply that is not an integer: ${r}>` };
    return { t: 'int', v: BigInt(r) };
  }
  if (typeof r === 'bigint') return { t: 'int', v: r };
  if (r === null) return { t: 'nullbulk' };
  if (Array.isArray(r)) return { t: 'array', v: r.map(toWire) };
  if (r instanceof Status) return { t: 'simple', v: r.text };
  if (r instanceof ErrorReply) return { t: 'error', v: r.message };
  if (r instanceof Double) return { t: 'bulk', v: doubleText(r) };
  if (r instanceof MapReply) return { t: 'array', v: r.entries.map(toWire) };
  if (r instanceof SetReply) return { t: 'array', v: r.items.map(toWire) };
  if (r instanceof Verbatim) return { t: 'bulk', v: r.text };
  if (r instanceof BoolReply) return { t: 'int', v: r.value ? 1n : 0n };
  if (typeof r === 'object' && r !== null && 'nullArray' in r) return { t: 'nullarray' };
  throw new Error(`unexpected reply value ${String(r)}`);
}

/** redis-cli-like rendering, binary-safe (JSON escapes). */
export function render(w: Wire | Norm, indent = ''): string {
  switch (w.t) {
    case 'simple':
      return w.v;
    case 'error':
      return `(error) ${w.v}`;
    case 'int':
      return `(integer) ${w.v}`;
    case 'bulk':
      return quote(w.v);
    case 'double':
      return `(double) ${w.v}`;
    case 'nullbulk':
      return '(nil)';
    case 'nullarray':
      return '(nil array)';
    case 'array':
      if (w.v.length === 0) return '(empty array)';
      return w.v.map((x, i) => `${i === 0 ? '' : indent}${i + 1}) ${render(x, indent + '   ')}`).join('\n');
  }
}
/** A binary string quoted as redis-cli does: printable ASCII as is, other bytes as \xHH. */
function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) out += '\\' + s[i];
    else if (c >= 0x20 && c < 0x7f) out += s[i];
    else out += '\\x' + c.toString(16).padStart(2, '0');
  }
  return out + '"';
}
const showArg = (a: string) => (/^[\x21-\x7e]+$/.test(a) && !a.includes('"') ? a : quote(a));
/** A command as redis-cli would take it; very long ones (bulk PFADDs) abridged in the middle. */
const showArgv = (argv: readonly string[]) =>
  argv.length <= 40
    ? argv.map(showArg).join(' ')
    : [...argv.slice(0, 12).map(showArg), `...(${argv.length - 16} more)...`, ...argv.slice(-4).map(showArg)].join(' ');

// ---------------------------------------------------------------------------------------------
// Normalization: only where Redis leaves something unspecified or where 7.0 (the oracle) and 7.2
// (the spec) print the same value differently.

type Norm = Wire | { t: 'double'; v: number } | { t: 'array'; v: Norm[] };

/** A canonical text of a reply: equal texts, equal replies (type included). */
function key(n: Norm): string {
  switch (n.t) {
    case 'array':
      return `*${n.v.length}[${n.v.map(key).join(',')}]`;
    case 'nullbulk':
    case 'nullarray':
      return n.t;
    case 'int':
    case 'double':
      return `${n.t}:${n.v}`;
    default:
      return `${n.t}:${n.v.length}:${n.v}`;
  }
}
/** Sorts items by their canonical text (computed once each). */
function sortByKey<T>(items: T[], keyOf: (x: T) => string): T[] {
  return items
    .map((x) => [keyOf(x), x] as const)
    .sort((a, b) => cmp(a[0], b[0]))
    .map((p) => p[1]);
}
/** Order-insensitive array (elements sorted by their canonical text). */
function unordered(w: Norm): Norm {
  return w.t === 'array' ? { t: 'array', v: sortByKey(w.v, key) } : w;
}
/** Order-insensitive groups of n elements (field/value pairs, member/score pairs, SORT GETs). */
function unorderedGroups(w: Norm, n: number): Norm {
  if (w.t !== 'array' || n <= 1) return unordered(w);
  const groups: Norm[][] = [];
  for (let i = 0; i < w.v.length; i += n) groups.push(w.v.slice(i, i + n));
  return { t: 'array', v: sortByKey(groups, (g) => g.map(key).join(',')).flat() };
}
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A double sent as a bulk string: Redis 7.0 prints %.17g, 7.2 the shortest text that reads back
 * as the same double, so the texts differ while the values are the same. Compared as values
 * (exactly: both texts read back to one double).
 */
function dbl(w: Norm): Norm {
  if (w.t !== 'bulk') return w;
  const s = w.v.toLowerCase();
  const v = s === 'inf' || s === '+inf' ? Infinity : s === '-inf' ? -Infinity : Number(w.v);
  return Number.isNaN(v) ? w : { t: 'double', v };
}
const mapArr = (w: Norm, f: (x: Norm, i: number) => Norm): Norm => (w.t === 'array' ? { t: 'array', v: w.v.map(f) } : w);
/** Flat [member, score, member, score, ...]. */
const oddDoubles = (w: Norm) => mapArr(w, (x, i) => (i % 2 === 1 ? dbl(x) : x));
const hasArg = (argv: Argv, from: number, ...words: string[]) =>
  argv.slice(from).some((a) => words.includes(a.toLowerCase()));

function normalize(argv: Argv, w: Wire): Norm {
  if (w.t === 'error') return w;
  const name = argv[0]!.toLowerCase();
  switch (name) {
    // Unordered replies: sets, hash fields/values, key listings (Redis leaves the order to the
    // hash table / encoding).
    case 'smembers':
    case 'sinter':
    case 'sunion':
    case 'sdiff':
    case 'hkeys':
    case 'hvals':
    case 'keys':
      return unordered(w);
    case 'hgetall':
      return unorderedGroups(w, 2);
    // SCAN family with cursor 0 and a COUNT covering everything: the order is hash-table order.
    case 'scan':
    case 'sscan':
      return mapArr(w, (x, i) => (i === 1 ? unordered(x) : x));
    case 'hscan':
      return mapArr(w, (x, i) => (i === 1 ? unorderedGroups(x, 2) : x));
    case 'zscan':
      return mapArr(w, (x, i) => (i === 1 ? unorderedGroups(oddDoubles(x), 2) : x));
    // Doubles (see dbl).
    case 'zscore':
    case 'zincrby':
      return dbl(w);
    case 'zadd':
      return hasArg(argv, 2, 'incr') ? dbl(w) : w;
    case 'zmscore':
      return mapArr(w, dbl);
    case 'zrange':
    case 'zrangebyscore':
    case 'zrevrangebyscore':
    case 'zrevrange':
    case 'zrangebylex':
    case 'zrevrangebylex':
    case 'zunion':
    case 'zinter':
    case 'zdiff':
      return hasArg(argv, 2, 'withscores') ? oddDoubles(w) : w;
    case 'zpopmin':
    case 'zpopmax':
      return oddDoubles(w);
    case 'zmpop':
      return mapArr(w, (x, i) => (i === 1 ? mapArr(x, (pair) => mapArr(pair, (y, j) => (j === 1 ? dbl(y) : y))) : x));
    case 'geopos':
      return mapArr(w, (x) => mapArr(x, dbl));
    case 'geosearch':
    case 'georadius':
    case 'georadiusbymember':
    case 'georadius_ro':
    case 'georadiusbymember_ro': {
      // WITHCOORD: the [lon, lat] pair inside each item is doubles; WITHDIST is fixed 4 decimals.
      const n = mapArr(w, (item) => mapArr(item, (x) => (x.t === 'array' ? mapArr(x, dbl) : x)));
      // Without ASC/DESC, and without a COUNT that implies ASC, Redis returns matches "unsorted".
      const sorted = hasArg(argv, 2, 'asc', 'desc') || (hasArg(argv, 2, 'count') && !hasArg(argv, 2, 'any'));
      return sorted ? n : unordered(n);
    }
    case 'sort':
    case 'sort_ro': {
      const o = sortOrderRule(argv);
      return o.unordered ? unorderedGroups(w, o.group) : w;
    }
  }
  return w;
}

/**
 * How far SORT's output order is specified. A BY pattern without '*' (nosort, or any constant)
 * means "don't sort" (sort.c): the container's own order, unspecified for a set, and with LIMIT an
 * unspecified subset of it (only the size is comparable). ALPHA BY <pattern> leaves equal weights
 * (missing keys included) in qsort's order: sortCompare answers 0 for them. With STORE, a set is
 * sorted anyway (forced ALPHA), so STORE results are exact.
 */
function sortOrderRule(argv: Argv, type?: string): { unordered: boolean; sizeOnly: boolean; group: number } {
  let dontsort = false;
  let byPattern = false;
  let limit = false;
  let store = false;
  let gets = 0;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!.toLowerCase();
    if (a === 'by' && i + 1 < argv.length) {
      if (argv[++i]!.includes('*')) byPattern = true;
      else dontsort = true;
    } else if (a === 'limit') limit = true;
    else if (a === 'store') store = true;
    else if (a === 'get') gets++;
  }
  const group = Math.max(1, gets);
  if (store) return { unordered: false, sizeOnly: false, group };
  if (dontsort) {
    const native = type === 'list' || type === 'zset';
    return { unordered: !native, sizeOnly: !native && limit, group };
  }
  return { unordered: byPattern && hasArg(argv, 2, 'alpha'), sizeOnly: false, group };
}

/** TTL replies race the wall clock (each side computes them at its own instant). */
const TTL_TOLERANCE: Record<string, bigint> = { ttl: 1n, expiretime: 1n, pttl: 2000n, pexpiretime: 2000n };

interface Capture {
  /** TYPE of the command's key in the engine just before the command ran. */
  type?: string;
  /** SPOP with a count ran in this run (its result can move to other keys: RENAME, COPY...). */
  spopped?: boolean;
  /** Contents before the command (random commands): members, fields/values, members/scores or keys. */
  content?: Wire;
}

/**
 * A local aid for hunting several bugs at once: DIFF_KNOWN=/path/to/module.mjs exporting
 * `known(argv, ours, theirs)` makes the mismatches it recognizes pass, so the run goes on to the
 * next one. Never set in CI.
 */
let known: ((argv: Argv, ours: Wire, theirs: Wire) => boolean) | null = null;

/** Compares one command's replies; returns a description of the mismatch or null. */
function compareReplies(argv: Argv, ours: Wire, theirs: Wire, cap: Capture | undefined, inExec: boolean): string | null {
  const why = compareReplies1(argv, ours, theirs, cap, inExec);
  return why !== null && known !== null && known(argv, ours, theirs) ? null : why;
}

/**
 * Stream error texts 7.2 changed (t_stream.c of 7.2.6, which the engine follows): the XREAD
 * "Unbalanced" message names the command as 'xread'; XADD <ms>-* on a full sequence is "equal or
 * smaller" where 7.0 said "too large"; XSETID checks max_deleted_entry_id before the top item.
 */
function streamErrorVersionDiff(ours: Wire, theirs: Wire): boolean {
  if (ours.t !== 'error' || theirs.t !== 'error') return false;
  const o = ours.v;
  const t = theirs.v;
  if (o.startsWith("ERR Unbalanced 'xread") && t.startsWith('ERR Unbalanced XREAD')) return true;
  if (o.includes('XADD is equal or smaller') && t === 'ERR Elements are too large to be stored') return true;
  if (o.includes('XSETID is smaller than current max_deleted_entry_id') && t.includes('XSETID is smaller than the target stream top item')) return true;
  return false;
}

function compareReplies1(argv: Argv, ours: Wire, theirs: Wire, cap: Capture | undefined, inExec: boolean): string | null {
  const name = argv[0]!.toLowerCase();
  if (ours.t === 'error' || theirs.t === 'error') return streamErrorVersionDiff(ours, theirs) ? null : sameNorm(ours, theirs);
  if (name === 'xinfo' && argv[1]?.toLowerCase() === 'groups' && ours.t === 'array' && theirs.t === 'array') {
    // 7.2 counts the consumer c3 that an XCLAIM/XAUTOCLAIM claiming nothing created (7.0 does not).
    const mask = (w: Wire): Wire =>
      w.t === 'array' ? { t: 'array', v: w.v.map((g) => (g.t === 'array' ? { t: 'array', v: g.v.map((x, i) => (i === 3 ? { t: 'int', v: 0n } : x)) } : g)) } : w;
    return sameNorm(mask(ours), mask(theirs));
  }
  const tol = TTL_TOLERANCE[name];
  if (tol !== undefined && ours.t === 'int' && theirs.t === 'int' && ours.v >= 0n && theirs.v >= 0n) {
    const d = ours.v - theirs.v;
    return d <= tol && d >= -tol ? null : 'TTL differs beyond clock tolerance';
  }
  if (name === 'object' && argv[1]?.toLowerCase() === 'encoding' && ours.t === 'bulk' && theirs.t === 'bulk') {
    // 7.2 keeps small lists and small non-integer sets in listpacks; 7.0 answers quicklist and
    // hashtable for them. Either answer is 7.2-compatible for what 7.0 reports there.
    if (theirs.v === 'quicklist' && ours.v === 'listpack') return null;
    if (theirs.v === 'hashtable' && ours.v === 'listpack' && cap?.type === 'set') return null;
    // SPOP with a count near the set's size rebuilds the set from the remaining members: 7.2 keeps
    // a listpack a listpack, 7.0 (whose small set was a hashtable) makes an intset when they are
    // all integers; 7.2 never goes back from listpack to intset afterwards.
    if (theirs.v === 'intset' && ours.v === 'listpack' && cap?.type === 'set' && cap.spopped) return null;
  }
  // TIME: the clocks of two processes; same shape (seconds, microseconds as bulk integers) and
  // within a few seconds of each other.
  if (name === 'time' && ours.t === 'array' && theirs.t === 'array') {
    const secs = (w: Wire) => (w.t === 'array' && w.v.length === 2 && w.v.every((x) => x.t === 'bulk' && /^\d+$/.test(x.v)) ? Number((w.v[0] as { v: string }).v) : NaN);
    const a = secs(ours);
    const b = secs(theirs);
    return a === a && b === b && Math.abs(a - b) <= 5 ? null : 'TIME replies differ in shape or by more than 5 s';
  }
  if (RANDOM_COMMANDS.has(name)) return compareRandom(argv, ours, theirs, inExec ? undefined : cap?.content);
  if ((name === 'sort' || name === 'sort_ro') && ours.t === 'array' && theirs.t === 'array') {
    const o = sortOrderRule(argv, cap?.type);
    if (o.sizeOnly) return ours.v.length === theirs.v.length ? null : 'SORT sizes differ';
    return sameNorm(o.unordered ? unorderedGroups(ours, o.group) : ours, o.unordered ? unorderedGroups(theirs, o.group) : theirs);
  }
  return sameNorm(normalize(argv, ours), normalize(argv, theirs));
}

function sameNorm(a: Norm, b: Norm): string | null {
  return key(a) === key(b) ? null : 'replies differ';
}

/**
 * Random commands (SPOP, SRANDMEMBER, HRANDFIELD, ZRANDMEMBER, RANDOMKEY): same reply type and
 * size, every element taken from the contents, distinct where Redis promises it, values/scores
 * paired right. Inside EXEC the contents at that moment are unknown: type and size only.
 */
function compareRandom(argv: Argv, ours: Wire, theirs: Wire, content: Wire | undefined): string | null {
  if (ours.t !== theirs.t) return 'random reply types differ';
  if (ours.t === 'array' && theirs.t === 'array' && ours.v.length !== theirs.v.length) return 'random reply sizes differ';
  if (ours.t === 'int' || ours.t === 'simple') return sameNorm(ours, theirs);
  if (content === undefined) return null;
  const name = argv[0]!.toLowerCase();
  const pool = new Map<string, Wire | null>();
  if (content.t === 'array') {
    const paired = name === 'hrandfield' || name === 'zrandmember';
    for (let i = 0; i < content.v.length; i += paired ? 2 : 1) {
      const m = content.v[i]!;
      if (m.t === 'bulk') pool.set(m.v, paired ? content.v[i + 1]! : null);
    }
  }
  const withValues = argv.length > 3;
  const count = argv.length > 2 ? Number(argv[2]) : undefined;
  const distinct = name === 'spop' || (count !== undefined && count >= 0);
  for (const side of [ours, theirs]) {
    const who = side === ours ? 'ours' : 'redis';
    if (side.t === 'bulk' && !pool.has(side.v)) return `${who}: ${JSON.stringify(side.v)} is not in the key`;
    if (side.t !== 'array') continue;
    const step = withValues ? 2 : 1;
    const seen = new Set<string>();
    for (let i = 0; i < side.v.length; i += step) {
      const m = side.v[i]!;
      if (m.t !== 'bulk' || !pool.has(m.v)) return `${who}: element ${render(m)} is not in the key`;
      if (distinct && seen.has(m.v)) return `${who}: element ${render(m)} repeated`;
      seen.add(m.v);
      if (withValues) {
        const want = pool.get(m.v)!;
        const got = side.v[i + 1]!;
        const same = name === 'zrandmember' ? key(dbl(want)) === key(dbl(got)) : key(want) === key(got);
        if (!same) return `${who}: value of ${render(m)} is ${render(got)}, not ${render(want)}`;
      }
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Running a sequence on both sides.

let oracle: Oracle;
let redis: RespClient[] = [];
let commandCount = 0;
/** DIFF_STATS=1: per command, how many replies were errors (to tune the generators). */
const stats: Map<string, { ok: number; err: number; errors: Map<string, number> }> | null = process.env.DIFF_STATS ? new Map() : null;
let mixedRan = false;

interface Ran {
  step: Step;
  ours: Wire;
  theirs?: Wire;
  cap?: Capture;
}

class Mismatch extends Error {}

const LEX_COMMANDS = /^(zrangebylex|zrevrangebylex|zlexcount|zremrangebylex|zrange|zrangestore)$/;

/** SPOP pops different members on each side: compared by invariants, then Redis is resynced. */
const DESTRUCTIVE_RANDOM = new Set(['spop']);

/**
 * The sharded run (issue 5): the same sequences through a 4-shard engine. Keys are renamed into two
 * hash-tag groups on different shards (k0, k1 -> {b}; k2, k3 -> {c}), so MGET, MSET, DEL, EXISTS,
 * TOUCH and UNLINK over both groups are split over shards and merged, while a command that must
 * stay in one slot (SUNIONSTORE, RENAME, a transaction, ...) has its keys moved into its first
 * key's group: it would get CROSSSLOT otherwise, which standalone redis-server cannot be compared
 * with (that refusal is tested in engine/sharded.test.ts).
 */
const SHARDS = Number(process.env.DIFF_SHARDS ?? 4);
const GROUP: Record<string, string> = { k0: 'k0{b}', k1: 'k1{b}', k2: 'k2{c}', k3: 'k3{c}' };
const tagOf = (k: string) => (k.endsWith('{b}') ? '{b}' : k.endsWith('{c}') ? '{c}' : '');
const intoGroup = (k: string, tag: string) => (tagOf(k) === tag ? k : (tagOf(k) ? k.slice(0, -3) : k) + tag);

class ShardedSteps {
  private txTag: (string | null)[] = [null, null];
  private inMulti = [false, false];

  /** The step as the sharded run sends it to both sides, or null to leave it out. */
  rewrite(step: Step): Step | null {
    const argv = step.argv.slice();
    const c = step.client;
    const name = argv[0]!.toLowerCase();
    const cmd = runnableCommand(argv);
    const refs = cmd ? getKeysWithFlags(cmd, argv, true) : [];
    for (const r of refs) argv[r.pos] = GROUP[argv[r.pos]!] ?? argv[r.pos]!;
    // BY/GET patterns read keys the command does not declare, on other shards (Redis Cluster
    // restricts them too).
    if ((name === 'sort' || name === 'sort_ro') && argv.some((a, i) => i > 1 && /^(by|get)$/i.test(a))) return null;
    if (this.inMulti[c]) {
      if (refs.length > 0) {
        const tag = this.txTag[c] ?? (tagOf(argv[refs[0]!.pos]!) || '{b}');
        this.txTag[c] = tag;
        for (const r of refs) argv[r.pos] = intoGroup(argv[r.pos]!, tag);
      } else if (cmd !== undefined) {
        // Commands of every shard cannot join one shard's transaction (see sharded.ts).
        const r = route(argv, SHARDS);
        if (r.kind === 'scan' || r.kind === 'randomkey' || (r.kind === 'all' && name !== 'select')) return null;
      }
    } else if (refs.length > 1 && route(argv, SHARDS).kind === 'error') {
      const tag = tagOf(argv[refs[0]!.pos]!) || '{b}';
      for (const r of refs) argv[r.pos] = intoGroup(argv[r.pos]!, tag);
    }
    if (name === 'multi' && argv.length === 1 && !this.inMulti[c]) {
      this.inMulti[c] = true;
      this.txTag[c] = null;
    } else if (name === 'exec' || (name === 'discard' && argv.length === 1)) this.inMulti[c] = false;
    return { ...step, argv };
  }
}

type AnyEngine = Engine | ShardedEngine;

class Run {
  readonly engine: AnyEngine;
  readonly sessions: Session[];
  /** A third session/connection for captures, resyncs and the final state dump. */
  readonly probe: Session;
  readonly ran: Ran[] = [];
  /** SPOP with a count ran (see Capture.spopped). */
  spopped = false;

  readonly sharded: ShardedSteps | null;

  constructor(shards = 1) {
    if (shards > 1) {
      const e = new ShardedEngine({ shards, activeExpire: false });
      this.engine = e;
      this.sessions = [e.createSession(), e.createSession()];
      this.probe = e.createSession();
      this.sharded = new ShardedSteps();
    } else {
      const t = testEngine();
      this.engine = t.engine;
      this.sessions = [t.session, t.engine.createSession()];
      this.probe = t.engine.createSession();
      this.sharded = null;
    }
  }

  ours(session: Session, argv: Argv): Wire {
    const e = this.engine;
    return toWire(e instanceof ShardedEngine ? e.execute(session as ShardedSession, argv.slice()) : e.execute(session, argv.slice()));
  }

  /**
   * The TYPE of a key in the engine, without expiring it: a probe must not delete a logically
   * expired key on our side only (the command itself may not look the key up, e.g. on a syntax
   * error). Content probes run only on keys this says are live.
   */
  liveType(db: number, k: string): string {
    const e = this.engine;
    const shard = e instanceof ShardedEngine ? e.shardOf(k) : e.shard;
    if (shard.dbs[db]!.isExpired(k)) return 'none';
    return typeName(this.probeOurs(db, 'TYPE', k));
  }

  probeOurs(db: number, ...argv: string[]): Wire {
    if (this.probe.db !== db) this.ours(this.probe, ['SELECT', String(db)]);
    return this.ours(this.probe, argv);
  }

  async reset(): Promise<void> {
    // RESET drops MULTI, WATCH and SELECT state of the clients; FLUSHALL the data.
    const [a, b] = await Promise.all([redis[0]!.call('RESET'), redis[1]!.call('RESET'), redis[2]!.call('RESET')]);
    const f = await redis[2]!.call('FLUSHALL');
    if (a.t !== 'simple' || b.t !== 'simple' || f.t !== 'simple') throw new Error('oracle reset failed');
  }

  capture(client: number, argv: Argv): Capture | undefined {
    const name = argv[0]!.toLowerCase();
    const db = this.sessions[client]!.db;
    if (name === 'object' && argv.length === 3) {
      return { type: this.liveType(db, argv[2]!), spopped: this.spopped };
    }
    if ((name === 'sort' || name === 'sort_ro') && argv.length >= 2) return { type: this.liveType(db, argv[1]!) };
    if (!RANDOM_COMMANDS.has(name)) return undefined;
    if (name === 'randomkey') return { content: this.probeOurs(db, 'KEYS', '*') };
    if (argv.length < 2) return undefined;
    const k = argv[1]!;
    const type = this.liveType(db, k);
    const content =
      type === 'set'
        ? this.probeOurs(db, 'SMEMBERS', k)
        : type === 'hash'
          ? this.probeOurs(db, 'HGETALL', k)
          : type === 'zset'
            ? this.probeOurs(db, 'ZRANGE', k, '0', '-1', 'WITHSCORES')
            : ({ t: 'array', v: [] } as Wire);
    return { type, content };
  }

  async execute(steps: Step[]): Promise<void> {
    const inMulti = [false, false];
    let batch: Ran[] = [];
    let batchClient = -1;
    const flush = async () => {
      if (batch.length === 0) return;
      const replies = await redis[batchClient]!.pipeline(batch.map((r) => r.step.argv));
      replies.forEach((w, i) => (batch[i]!.theirs = w));
      batch = [];
    };
    for (const original of steps) {
      const step = this.sharded === null ? original : this.sharded.rewrite(original);
      if (step === null) continue;
      const c = step.client;
      const name = step.argv[0]!.toLowerCase();
      const queued = inMulti[c]!;
      // A SPOP queued in MULTI pops different members inside EXEC, and the commands after it in
      // the transaction could see the difference: not run there (see DESTRUCTIVE_RANDOM).
      if (queued && DESTRUCTIVE_RANDOM.has(name)) continue;
      // Redis's SORT tests errno == ERANGE after strtod without clearing errno first, so a
      // score parsed just before it in the same event-loop pass (5e-324, 1e-400, 1e400 set ERANGE)
      // makes it fail spuriously ("One or more scores can't be converted into double"; still so
      // in 7.2 sort.c). Each SORT therefore starts a new pipeline after a read-only command that
      // clears errno (string2d sets errno = 0), and is not run inside MULTI where that cannot be
      // arranged.
      const sort = name === 'sort' || name === 'sort_ro';
      if (queued && sort) continue;
      // SORT converts a listpack sorted set to a skiplist, re-reading every score with strtod: a
      // subnormal score (5e-324) sets ERANGE there and the numeric sort fails on Redis (7.2 too).
      // An artifact of errno, not behaviour to copy: such a SORT is not run.
      if (sort && step.argv.length >= 2 && this.hasSubnormalScore(this.sessions[c]!.db, step.argv[1]!)) continue;
      // A lex range over a sorted set with unequal scores is unspecified (docs); in a skiplist
      // Redis's answer even depends on the random node levels (zslFirstInLexRange). Not run
      // there; listpacks (a linear scan) are compared.
      if (!queued && LEX_COMMANDS.test(name) && step.argv.length >= 2 && this.isLexUnspecified(this.sessions[c]!.db, step.argv)) continue;
      if (sort && this.sortUnspecified(this.sessions[c]!.db, step.argv)) continue;
      // A rejected EXEC (wrong arity) aborts the transaction too; a rejected DISCARD does not.
      if (name === 'multi' && step.argv.length === 1) inMulti[c] = true;
      else if (name === 'exec' || (name === 'discard' && step.argv.length === 1)) inMulti[c] = false;
      if (batch.length > 0 && batchClient !== c) await flush();
      if (sort) {
        await flush();
        await redis[2]!.call('GEORADIUS_RO', '\x00errno-reset', '0', '0', '1', 'm');
      }
      const cap = queued ? undefined : this.capture(c, step.argv);
      const r: Ran = { step, ours: this.ours(this.sessions[c]!, step.argv), cap };
      this.ran.push(r);
      commandCount++;
      if (stats !== null) {
        const e = stats.get(name) ?? { ok: 0, err: 0, errors: new Map<string, number>() };
        if (r.ours.t === 'error') {
          e.err++;
          const text = r.ours.v.slice(0, 60);
          e.errors.set(text, (e.errors.get(text) ?? 0) + 1);
        } else e.ok++;
        stats.set(name, e);
      }
      batch.push(r);
      batchClient = c;
      if (!queued && DESTRUCTIVE_RANDOM.has(name)) {
        if (step.argv.length > 2) this.spopped = true;
        await flush();
        await this.resyncPop(c, r);
      }
      if (!queued && name === 'randomkey') {
        await flush();
        await this.expireLazily(steps);
      }
    }
    await flush();
  }

  /**
   * RANDOMKEY lazily deletes the expired keys it happens to draw (a PXAT in the past leaves such
   * keys), different ones on each side. Touching every key the sequence names (EXISTS expires
   * lazily) brings both sides back to the same keys.
   */
  async expireLazily(steps: Step[]): Promise<void> {
    const names = new Set<string>();
    for (const s of steps) for (let i = 1; i < s.argv.length; i++) names.add(s.argv[i]!);
    for (const db of [0, 1]) {
      const cmds: Argv[] = [['SELECT', String(db)]];
      for (const k of names) {
        this.probeOurs(db, 'EXISTS', k);
        cmds.push(['EXISTS', k]);
      }
      await redis[2]!.pipeline(cmds);
    }
  }

  isLexUnspecified(db: number, argv: Argv): boolean {
    const name = argv[0]!.toLowerCase();
    if ((name === 'zrange' || name === 'zrangestore') && !hasArg(argv, 2, 'bylex')) return false;
    const k = name === 'zrangestore' ? argv[2] : argv[1];
    if (k === undefined || this.liveType(db, k) !== 'zset') return false;
    const enc = this.probeOurs(db, 'OBJECT', 'ENCODING', k);
    if (enc.t === 'bulk' && enc.v === 'listpack') return false;
    const r = this.probeOurs(db, 'ZRANGE', k, '0', '-1', 'WITHSCORES');
    if (r.t !== 'array' || r.v.length < 4) return false;
    const first = key(dbl(r.v[1]!));
    for (let i = 3; i < r.v.length; i += 2) if (key(dbl(r.v[i]!)) !== first) return true;
    return false;
  }

  /**
   * SORTs whose result Redis leaves unspecified in a way sortOrderRule cannot compare: ALPHA with a
   * BY pattern and STORE or LIMIT (the stored order / the subset of tied elements), and an ALPHA
   * sort (explicit, or forced for a set by BY nosort + STORE) over elements equal as C strings
   * (strcoll stops at NUL: they tie and keep qsort's order).
   */
  sortUnspecified(db: number, argv: Argv): boolean {
    if (argv.length < 2) return false;
    let dontsort = false;
    let byPattern = false;
    for (let i = 2; i + 1 < argv.length; i++) {
      if (argv[i]!.toLowerCase() !== 'by') continue;
      if (argv[++i]!.includes('*')) byPattern = true;
      else dontsort = true;
    }
    const alpha = hasArg(argv, 2, 'alpha');
    const store = hasArg(argv, 2, 'store');
    if (!dontsort && byPattern && alpha && (store || hasArg(argv, 2, 'limit'))) return true;
    return (alpha || (dontsort && store)) && this.hasCStringTie(db, argv[1]!);
  }

  hasCStringTie(db: number, k: string): boolean {
    const type = this.liveType(db, k);
    const r =
      type === 'list'
        ? this.probeOurs(db, 'LRANGE', k, '0', '-1')
        : type === 'set'
          ? this.probeOurs(db, 'SMEMBERS', k)
          : type === 'zset'
            ? this.probeOurs(db, 'ZRANGE', k, '0', '-1')
            : null;
    if (r === null || r.t !== 'array') return false;
    const seen = new Map<string, string>();
    for (const x of r.v) {
      if (x.t !== 'bulk') continue;
      const nul = x.v.indexOf('\x00');
      const c = nul < 0 ? x.v : x.v.slice(0, nul);
      const prev = seen.get(c);
      if (prev !== undefined && prev !== x.v) return true;
      seen.set(c, x.v);
    }
    return false;
  }

  hasSubnormalScore(db: number, k: string): boolean {
    if (this.liveType(db, k) !== 'zset') return false;
    const r = this.probeOurs(db, 'ZRANGE', k, '0', '-1', 'WITHSCORES');
    if (r.t !== 'array') return false;
    for (let i = 1; i < r.v.length; i += 2) {
      const x = r.v[i]!;
      const v = x.t === 'bulk' ? Math.abs(Number(x.v)) : 0;
      if (v > 0 && v < 2.2250738585072014e-308) return true;
    }
    return false;
  }

  /** After SPOP: make Redis's set equal to ours (each side popped its own random members). */
  async resyncPop(client: number, r: Ran): Promise<void> {
    const popped = (w: Wire | undefined): string[] | null =>
      w?.t === 'bulk' ? [w.v] : w?.t === 'array' ? w.v.map((x) => (x.t === 'bulk' ? x.v : '')) : w?.t === 'nullbulk' ? [] : null;
    const ours = popped(r.ours);
    const theirs = popped(r.theirs);
    if (ours === null || theirs === null || ours.length !== theirs.length) return; // reported by the comparison
    const o = new Set(ours);
    const t = new Set(theirs);
    const readd = theirs.filter((m) => !o.has(m));
    const remove = ours.filter((m) => !t.has(m));
    if (readd.length === 0) return;
    const k = r.step.argv[1]!;
    const db = String(this.sessions[client]!.db);
    await redis[2]!.pipeline([['SELECT', db], ['SADD', k, ...readd], ['SREM', k, ...remove]]);
  }

  /** First mismatching reply, with the sequence up to it. */
  firstMismatch(): string | null {
    const queue: (Argv[] | null)[] = [null, null];
    for (let i = 0; i < this.ran.length; i++) {
      const r = this.ran[i]!;
      const { argv, client } = r.step;
      const theirs = r.theirs!;
      const name = argv[0]!.toLowerCase();
      let why: string | null;
      const q = queue[client]!;
      if (q !== null && (name === 'exec' || name === 'discard') && argv.length === 1) {
        queue[client] = null;
        why = name === 'exec' ? compareExec(q, r.ours, theirs) : compareReplies(argv, r.ours, theirs, r.cap, false);
        if (why !== null && known !== null && known(argv, r.ours, theirs)) why = null;
      } else {
        why = compareReplies(argv, r.ours, theirs, r.cap, false);
        if (name === 'multi' && theirs.t === 'simple') queue[client] = [];
        else if (q !== null && theirs.t === 'simple' && theirs.v === 'QUEUED') q.push(argv);
        // A rejected EXEC (wrong arity) discards the transaction.
        else if (theirs.t === 'error' && theirs.v.startsWith('EXECABORT')) queue[client] = null;
      }
      if (why !== null) {
        const history = this.ran
          .slice(0, i + 1)
          .map((x) => `  [c${x.step.client}] ${showArgv(x.step.argv)}`)
          .join('\n');
        return (
          `${why} at command ${i + 1} (client ${client}): ${showArgv(argv)}\n` +
          `ours:  ${render(r.ours, '       ')}\nredis: ${render(theirs, '       ')}\nsequence:\n${history}`
        );
      }
    }
    return null;
  }

  /** The whole data set of both sides, databases 0 and 1, through read commands. */
  async stateMismatch(): Promise<string | null> {
    for (const db of [0, 1]) {
      await redis[2]!.call('SELECT', String(db));
      const probe = async (...argv: string[]): Promise<string | null> => {
        const ours = this.probeOurs(db, ...argv);
        const theirs = await redis[2]!.call(...argv);
        const k = argv[2] ?? '';
        const why = compareReplies(argv, ours, theirs, { type: this.liveType(db, k), spopped: this.spopped }, false);
        return why === null ? null : `final state of db ${db}: ${why} for ${showArgv(argv)}\nours:  ${render(ours, '       ')}\nredis: ${render(theirs, '       ')}`;
      };
      const keysWhy = await probe('KEYS', '*');
      if (keysWhy) return keysWhy;
      const keys = await redis[2]!.call('KEYS', '*');
      if (keys.t !== 'array') continue;
      for (const k of keys.v) {
        if (k.t !== 'bulk') continue;
        const type = await redis[2]!.call('TYPE', k.v);
        const dump: Argv[] = [['TYPE', k.v], ['PTTL', k.v]];
        if (type.t === 'simple') {
          if (type.v === 'string') dump.push(['GET', k.v]);
          if (type.v === 'list') dump.push(['LRANGE', k.v, '0', '-1']);
          if (type.v === 'set') dump.push(['SMEMBERS', k.v]);
          if (type.v === 'hash') dump.push(['HGETALL', k.v]);
          if (type.v === 'zset') dump.push(['ZRANGE', k.v, '0', '-1', 'WITHSCORES']);
          dump.push(['OBJECT', 'ENCODING', k.v]);
        }
        for (const argv of dump) {
          const why = await probe(...argv);
          if (why) return why;
        }
      }
    }
    return null;
  }
}

function typeName(w: Wire): string {
  return w.t === 'simple' || w.t === 'bulk' ? w.v : '?';
}

/** EXEC: each queued command's reply compared under that command's rule. */
function compareExec(queue: Argv[], ours: Wire, theirs: Wire): string | null {
  if (ours.t !== 'array' || theirs.t !== 'array' || ours.v.length !== theirs.v.length || theirs.v.length !== queue.length) {
    return sameNorm(ours, theirs);
  }
  for (let i = 0; i < queue.length; i++) {
    const why = compareReplies(queue[i]!, ours.v[i]!, theirs.v[i]!, undefined, true);
    if (why !== null) return `${why} (EXEC reply ${i + 1}: ${showArgv(queue[i]!)})`;
  }
  return null;
}

async function runSequence(steps: Step[], shards = 1): Promise<void> {
  const run = new Run(shards);
  try {
    await run.reset();
    await run.execute(steps);
    const why = run.firstMismatch() ?? (await run.stateMismatch());
    if (why !== null) throw new Mismatch(why);
  } finally {
    run.engine.close();
  }
}

/** Checks a property; on failure reports the seed and the shrunk sequence, then fails. */
async function check(name: string, arb: fc.Arbitrary<Step[]>, numRuns: number, shards = 1): Promise<void> {
  const details = await fc.check(
    fc.asyncProperty(arb, (steps) => runSequence(steps, shards)),
    {
      seed: SEED,
      numRuns,
      // DIFF_PATH=<path> replays one run of the seed; DIFF_NOSHRINK=1 reports it unshrunk.
      ...(process.env.DIFF_PATH ? { path: process.env.DIFF_PATH } : {}),
      ...(process.env.DIFF_NOSHRINK ? { endOnFailure: true } : {}),
    },
  );
  if (!details.failed) return;
  const steps = details.counterexample?.[0] ?? [];
  const err = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  const msg =
    `differential mismatch in family "${name}" (seed ${details.seed}, path "${details.counterexamplePath}", ` +
    `${details.numShrinks} shrinks${shards > 1 ? `, ${shards} shards: keys renamed as ShardedSteps says` : ''})\nshortest failing sequence (${steps.length} commands):\n` +
    steps.map((s) => `  [c${s.client}] ${showArgv(s.argv)}`).join('\n') +
    `\n\n${err}\nreproduce: DIFF_SEED=${details.seed} npx vitest run packages/core/test/differential`;
  expect.fail(msg);
}

// ---------------------------------------------------------------------------------------------

const RUNS_SCALE = Number(process.env.DIFF_RUNS_SCALE ?? 1);
const FAMILY_RUNS = Math.max(1, Math.round(300 * RUNS_SCALE));
const FAMILY_MAX_LENGTH = 60;
const enabled = (f: string) => !DISABLED.has(f);

function foreignFor(family: string): fc.Arbitrary<Argv> | null {
  const own: Record<string, string> = { strings: 'strings', bitmaps: 'strings', hyperloglog: 'strings', hyperloglog_damaged: 'strings', geo: 'zsets' };
  // Only writers the engine has (families land one by one).
  const writerCommand: Record<string, string> = { keys: 'del', strings: 'set', lists: 'rpush', sets: 'sadd', hashes: 'hset', zsets: 'zadd', streams: 'xadd' };
  const writers = Object.entries(foreignWriters)
    .filter(([f]) => enabled(f) && commands.has(writerCommand[f]!) && f !== (own[family] ?? family))
    .map(([, a]) => a);
  return writers.length === 0 ? null : fc.oneof(...writers);
}

describe('differential: engine vs redis-server', () => {
  beforeAll(async () => {
    if (process.env.DIFF_KNOWN) known = (await import(process.env.DIFF_KNOWN)).known;
    oracle = await startOracle();
    redis = await Promise.all([oracle.connect(), oracle.connect(), oracle.connect()]);
  }, 30_000);

  afterAll(async () => {
    if (stats !== null) {
      for (const [name, e] of [...stats].sort()) {
        const top = [...e.errors].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([t, n]) => `${n}x ${t}`);
        console.log(`${name.padEnd(22)} ok ${String(e.ok).padStart(5)} err ${String(e.err).padStart(5)}  ${top.join(' | ')}`);
      }
    }
    for (const c of redis) c.close();
    await oracle?.stop();
  }, 10_000);

  // DIFF_REPLAY='[["SADD","k0","1"],["SORT_RO","k0"]]' (argv arrays, or {client, argv} steps):
  // runs that one sequence and prints both sides' replies.
  it.runIf(process.env.DIFF_REPLAY)('replay DIFF_REPLAY', async () => {
    const raw = JSON.parse(process.env.DIFF_REPLAY!) as (Argv | Step)[];
    const steps = raw.map((x) => (Array.isArray(x) ? { client: 0, argv: x } : x));
    const run = new Run();
    await run.reset();
    await run.execute(steps);
    for (const r of run.ran) {
      console.log(`[c${r.step.client}] ${showArgv(r.step.argv)}\n  ours:  ${render(r.ours, '         ')}\n  redis: ${render(r.theirs!, '         ')}`);
    }
    const why = run.firstMismatch() ?? (await run.stateMismatch());
    run.engine.close();
    expect(why).toBeNull();
  });

  for (const [family, arb] of Object.entries(families)) {
    it.skipIf(!enabled(family))(
      family,
      async () => {
        await check(family, familySequence(arb, foreignFor(family), FAMILY_MAX_LENGTH), FAMILY_RUNS);
      },
      180_000,
    );
  }

  it.skipIf(!enabled('transactions'))(
    'transactions (MULTI/EXEC/WATCH, two clients)',
    async () => {
      await check('transactions', transactionSequence(15), FAMILY_RUNS);
    },
    180_000,
  );

  it.skipIf(!enabled('mixed'))(
    'mixed: all families',
    async () => {
      // Enough runs to bring the file's total to TARGET_COMMANDS whatever ran before.
      const avg = 45;
      const runs = Math.max(FAMILY_RUNS, Math.ceil((TARGET_COMMANDS - commandCount) / avg));
      const arbs = Object.entries(families).filter(([f]) => enabled(f)).map(([, a]) => a);
      await check('mixed', mixedSequence(arbs, enabled('transactions'), 90), runs);
      mixedRan = true;
    },
    180_000,
  );

  // Issue 5: the same engine split over shards answers as standalone redis-server.
  it.skipIf(!enabled('transactions'))(
    `transactions at ${SHARDS} shards`,
    async () => {
      await check('transactions', transactionSequence(15), FAMILY_RUNS, SHARDS);
    },
    180_000,
  );

  it.skipIf(!enabled('mixed'))(
    `mixed: all families at ${SHARDS} shards`,
    async () => {
      const arbs = Object.entries(families).filter(([f]) => enabled(f)).map(([, a]) => a);
      await check('mixed', mixedSequence(arbs, enabled('transactions'), 90), FAMILY_RUNS * 2, SHARDS);
    },
    180_000,
  );

  it.skipIf(!enabled('mixed'))(`executed at least ${MIN_COMMANDS} commands`, () => {
    if (!mixedRan) return; // filtered run (-t): the floor applies to the whole file
    console.log(`differential: ${commandCount} commands compared (seed ${SEED})`);
    expect(commandCount).toBeGreaterThanOrEqual(MIN_COMMANDS);
  });
});
