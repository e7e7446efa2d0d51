/**
 * `npm run bench:shards` (issue 5): the in-process API at shards = 1, 2 and 4, side by side in one
 * run. Shards are worker threads (node/shard-pool.ts); shards = 1 is the calling thread.
 *
 *   (b) pipelined GET and SET: 4 lanes of batches of 1000 calls (--lanes, --batch), 1000 keys
 *   (c) heavy commands over many keys, pipelined the same way:
 *       ZRANGE key 0 99 WITHSCORES on 1000 sorted sets of 200 members,
 *       SUNION of pairs of 1000-member sets (100 sets),
 *       GEOSEARCH ... BYRADIUS returning ~50 members (100 geo sets of 500 points)
 *
 * and through memorykv-server --shards N (in memory), with redis-benchmark -c 50 -P 16:
 *   (a) GET and SET, 300000 requests
 *   (c) ZRANGE zset:<r> 0 99 WITHSCORES (1000 zsets of 200), SUNION set:<r> (100 sets of 2000:
 *       redis-benchmark draws every __rand_int__ apart, so one key), GEOSEARCH geo:<r> (~50 of 500)
 *
 * Each in-process case runs for --time ms (default 1500) per round; the best of --rounds (default
 * 2) is kept, and the rounds alternate the shard counts so that a change of load on the machine
 * hits all alike. Prints tables of calls/s and the ratios to shards = 1; writes nothing.
 * --no-server / --no-api skip a part.
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { open } from '@memorykv/core';
import { benchmark, shutdown, startMemorykv, waitPong } from './lib/servers.ts';

const { values: args } = parseArgs({
  options: {
    time: { type: 'string', default: process.env.BENCH_TIME ?? '1500' },
    rounds: { type: 'string', default: process.env.BENCH_ROUNDS ?? '2' },
    shards: { type: 'string', default: process.env.BENCH_SHARDS ?? '1,2,4' },
    batch: { type: 'string', default: '1000' },
    lanes: { type: 'string', default: '4' },
    'no-server': { type: 'boolean', default: false },
    'no-api': { type: 'boolean', default: false },
    port: { type: 'string', default: process.env.BENCH_SHARDS_PORT ?? '7470' },
  },
});
const TIME = Number(args.time);
const ROUNDS = Number(args.rounds);
const COUNTS = args.shards.split(',').map(Number);
const BATCH = Number(args.batch);
const LANES = Number(args.lanes);

type Db = Awaited<ReturnType<typeof open>>;
type Call = (db: Db, i: number) => Promise<unknown>;

/**
 * Calls/s of a pipelining caller: LANES loops, each issuing BATCH calls at once and awaiting them
 * all before the next batch, so up to LANES x BATCH calls are in flight.
 */
async function pipelined(db: Db, call: Call): Promise<number> {
  let done = 0;
  let i = 0;
  const t0 = performance.now();
  const end = t0 + TIME;
  const lane = async () => {
    while (performance.now() < end) {
      const batch: Promise<unknown>[] = new Array(BATCH);
      for (let j = 0; j < BATCH; j++) batch[j] = call(db, i++);
      await Promise.all(batch);
      done += BATCH;
    }
  };
  await Promise.all(Array.from({ length: LANES }, lane));
  return done / ((performance.now() - t0) / 1000);
}

const rnd = (n: number) => Math.floor(Math.random() * n);
const fill = async (db: Db, work: Promise<unknown>[]) => {
  for (let j = 0; j < work.length; j += 5000) await Promise.all(work.slice(j, j + 5000));
};

const CASES: { name: string; setup: (db: Db) => Promise<void>; call: Call }[] = [
  {
    name: 'SET',
    setup: async () => {},
    call: (db, i) => db.set(`key:${i % 1000}`, 'xxxxxxxxxxxxxxxx'),
  },
  {
    name: 'GET',
    setup: async (db) => fill(db, Array.from({ length: 1000 }, (_, i) => db.set(`key:${i}`, 'xxxxxxxxxxxxxxxx'))),
    call: (db, i) => db.get(`key:${i % 1000}`),
  },
  {
    name: 'ZRANGE 0 99 WITHSCORES (200-member zsets)',
    setup: async (db) => {
      const work: Promise<unknown>[] = [];
      for (let z = 0; z < 1000; z++) {
        const members: Record<string, number> = {};
        for (let m = 0; m < 200; m++) members[`member:${m}`] = m;
        work.push(db.zadd(`zset:${z}`, members));
      }
      await fill(db, work);
    },
    call: (db) => db.zrange(`zset:${rnd(1000)}`, 0, 99, 'WITHSCORES'),
  },
  {
    name: 'SUNION of two 1000-member sets',
    setup: async (db) => {
      const work: Promise<unknown>[] = [];
      for (let s = 0; s < 100; s++) {
        const members = Array.from({ length: 1000 }, (_, m) => `m:${(m * 7 + s * 13) % 3000}`);
        // Pairs share a hash tag: SUNION's keys must be in one slot when sharded.
        work.push(db.sadd(`{pair:${s >> 1}}set:${s & 1}`, ...members));
      }
      await fill(db, work);
    },
    call: (db) => {
      const p = rnd(50);
      return db.sunion(`{pair:${p}}set:0`, `{pair:${p}}set:1`);
    },
  },
  {
    name: 'GEOSEARCH BYRADIUS (~50 members)',
    setup: async (db) => {
      const work: Promise<unknown>[] = [];
      for (let g = 0; g < 100; g++) {
        const points = Array.from({ length: 500 }, (_, m) => ({ longitude: 13 + (m % 25) * 0.01, latitude: 38 + Math.floor(m / 25) * 0.01, member: `p:${m}` }));
        work.push(db.geoadd(`geo:${g}`, points));
      }
      await fill(db, work);
    },
    call: (db) => db.geosearch(`geo:${rnd(100)}`, 'FROMLONLAT', 13.12, 38.1, 'BYRADIUS', 4, 'km', 'ASC'),
  },
];

const results = new Map<string, Map<number, number>>();
const record = (name: string, shards: number, rate: number) => {
  const row = results.get(name) ?? new Map<number, number>();
  row.set(shards, Math.max(row.get(shards) ?? 0, rate));
  results.set(name, row);
  process.stdout.write(`shards ${shards} ${name}: ${Math.round(rate)}/s\n`);
};

const PORT = Number(args.port);
const pad = (i: number) => String(i).padStart(12, '0');

/** Fills the heavy cases' keys through the server (redis-cli --pipe). */
function fillServer(port: number): void {
  const lines: string[] = [];
  const cmd = (...a: (string | number)[]) => lines.push(`*${a.length}\r\n` + a.map((x) => `$${Buffer.byteLength(String(x))}\r\n${x}\r\n`).join(''));
  for (let z = 0; z < 1000; z++) {
    const a: (string | number)[] = ['ZADD', `zset:${pad(z)}`];
    for (let m = 0; m < 200; m++) a.push(m, `member:${m}`);
    cmd(...a);
  }
  for (let s = 0; s < 100; s++) cmd('SADD', `set:${pad(s)}`, ...Array.from({ length: 2000 }, (_, m) => `m:${(m * 7 + s * 13) % 6000}`));
  for (let g = 0; g < 100; g++) {
    const a: (string | number)[] = ['GEOADD', `geo:${pad(g)}`];
    for (let m = 0; m < 500; m++) a.push(13 + (m % 25) * 0.01, 38 + Math.floor(m / 25) * 0.01, `p:${m}`);
    cmd(...a);
  }
  execFileSync('redis-cli', ['-p', String(port), '--pipe'], { input: lines.join(''), stdio: ['pipe', 'ignore', 'inherit'] });
}

function custom(port: number, n: number, range: number, argv: string[]): number {
  const out = execFileSync('redis-benchmark', ['-p', String(port), '-q', '--csv', '-c', '50', '-n', String(n), '-P', '16', '-r', String(range), ...argv], { encoding: 'utf8', timeout: 300_000 });
  return Number(out.trim().split('\n').pop()!.split(',')[1]!.replace(/"/g, ''));
}

async function serverRound(shards: number): Promise<void> {
  const child = await startMemorykv(PORT, ['--shards', String(shards), '--appendonly', 'no', '--save', '', '--loglevel', 'warning']);
  try {
    await waitPong(PORT, child, `memorykv-server --shards ${shards}`);
    const s = benchmark(PORT, { clients: 50, n: 300_000, pipeline: 16, tests: 'set,get', timeoutMs: 300_000 });
    record('server: SET -P 16', shards, s.get('SET')!.rps);
    record('server: GET -P 16', shards, s.get('GET')!.rps);
    fillServer(PORT);
    record('server: ZRANGE 0 99 WITHSCORES', shards, custom(PORT, 50_000, 1000, ['ZRANGE', 'zset:__rand_int__', '0', '99', 'WITHSCORES']));
    record('server: SUNION (2000 members)', shards, custom(PORT, 10_000, 100, ['SUNION', 'set:__rand_int__']));
    record('server: GEOSEARCH (~50 members)', shards, custom(PORT, 30_000, 100, ['GEOSEARCH', 'geo:__rand_int__', 'FROMLONLAT', '13.12', '38.1', 'BYRADIUS', '4', 'km', 'ASC']));
  } finally {
    await shutdown(PORT, child, 'NOSAVE');
  }
}

for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? COUNTS : [...COUNTS].reverse();
  if (!args['no-server']) for (const shards of order) await serverRound(shards);
  if (args['no-api']) continue;
  for (const shards of order) {
    const db = await open({ shards });
    for (const c of CASES) {
      await c.setup(db);
      await pipelined(db, c.call); // warm-up, not recorded
      record(`API: ${c.name}`, shards, await pipelined(db, c.call));
    }
    await db.close();
  }
}

const k = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(1)}k` : x.toFixed(0));
console.log(`\n| case | ${COUNTS.map((n) => `shards ${n}`).join(' | ')} | ${COUNTS.slice(1).map((n) => `${n} / 1`).join(' | ')} |`);
console.log(`|---|${COUNTS.map(() => '--:').join('|')}|${COUNTS.slice(1).map(() => '--:').join('|')}|`);
for (const [name, row] of results) {
  const base = row.get(COUNTS[0]!)!;
  console.log(`| ${name} | ${COUNTS.map((n) => k(row.get(n)!)).join(' | ')} | ${COUNTS.slice(1).map((n) => `${(row.get(n)! / base).toFixed(2)}x`).join(' | ')} |`);
}
