/**
 * `npm run bench:server`: memorykv-server side by side with redis-server under redis-benchmark,
 * the tool every Redis user measures with. Both servers are started here as child processes on
 * loopback ports, without persistence, and measured in the same run, alternating, at pipeline
 * depths 1 and 16:
 *
 *   redis-benchmark -q -c 50 -n 200000 -P <p> -t set,get,incr,lpush,rpop,sadd,hset,zadd,lrange_100 --csv
 *
 * (one redis-benchmark run per test, on both servers back to back). Throughput and p99 latency
 * (redis-benchmark 7's --csv prints both), plus each server process's CPU time per request, go to
 * bench/results/server-<date>.json and the server section of bench/README.md, as ratios
 * memorykv / redis, judged against the issue's targets.
 *
 *   npm run bench:server -w bench                         # full run (several minutes)
 *   BENCH_SERVER_N=20000 npm run bench:server -w bench    # quick iteration
 *   cd bench && npx tsx server.ts -n 20000 --rounds 2     # flags work when run directly
 *   cd bench && npx tsx server.ts --profile -P 16 -t get,set  # memorykv under node --cpu-prof:
 *     [--profile-flags='--appendonly yes --appendfsync always --dir /tmp/x']  # instead of in-memory
 *                                                         # hot functions and lines, no results written
 *
 * Environment (the root `npm run` swallows flags): BENCH_SERVER_N, BENCH_SERVER_CLIENTS,
 * BENCH_SERVER_PIPELINES ("1,16"), BENCH_SERVER_TESTS, BENCH_SERVER_ROUNDS, BENCH_SERVER_WARMUP
 * (requests per test of an unrecorded first pass, 50000), BENCH_NO_WRITE=1,
 * BENCH_SERVER_PROFILE=1, BENCH_MEMORYKV_PORT (7116), BENCH_SERVER_REDIS_PORT (7117).
 */
import { copyFileSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ChildProcess } from 'node:child_process';
import { build } from 'esbuild';
import { printSummary, summarize } from './lib/cpuprofile.ts';
import * as srv from './lib/servers.ts';
import { alive, cli, commit, cpuTime, fmt, log, machine, root, stop, version, writeSection, type Sample } from './lib/servers.ts';

const env = process.env;
const { values: args } = parseArgs({
  options: {
    n: { type: 'string', short: 'n', default: env.BENCH_SERVER_N ?? '200000' },
    clients: { type: 'string', short: 'c', default: env.BENCH_SERVER_CLIENTS ?? '50' },
    pipelines: { type: 'string', short: 'P', default: env.BENCH_SERVER_PIPELINES ?? '1,16' },
    tests: { type: 'string', short: 't', default: env.BENCH_SERVER_TESTS ?? 'set,get,incr,lpush,rpop,sadd,hset,zadd,lrange_100' },
    rounds: { type: 'string', default: env.BENCH_SERVER_ROUNDS ?? '1' },
    warmup: { type: 'string', default: env.BENCH_SERVER_WARMUP ?? '50000' },
    profile: { type: 'boolean', default: env.BENCH_SERVER_PROFILE === '1' },
    /** --profile only: flags that replace the in-memory ones, e.g. '--appendonly yes --appendfsync always --dir /tmp/x'. */
    'profile-flags': { type: 'string' },
    'no-write': { type: 'boolean', default: env.BENCH_NO_WRITE === '1' },
  },
});

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const MKV_PORT = Number(env.BENCH_MEMORYKV_PORT ?? 7116);
const REDIS_PORT = Number(env.BENCH_SERVER_REDIS_PORT ?? 7117);
const N = Number(args.n);
const CLIENTS = Number(args.clients);
const PIPELINES = args.pipelines.split(',').map(Number);
const ROUNDS = Number(args.rounds);
/** Targets from the issue: throughput ratio per pipeline depth, p99 at most this multiple. */
const TARGET_RATIO: Record<number, number> = { 1: 0.9, 16: 0.6 };
const TARGET_P99 = 2;

type ServerName = 'memorykv' | 'redis';

interface Row {
  test: string;
  pipeline: number;
  memorykv: Sample;
  redis: Sample;
  /** memorykv rps / redis rps. */
  ratio: number;
  /** memorykv p99 / redis p99. */
  p99Ratio: number;
  target: number;
  pass: boolean;
}

const FLAGS = ['--save', '', '--appendonly', 'no', '--loglevel', 'warning'];

/** Starts memorykv-server (through its bin, or a bundle of main.ts under --cpu-prof). */
function startMemorykv(profileDir?: string, bundle?: string): Promise<ChildProcess> {
  const flags = profileDir && args['profile-flags'] ? args['profile-flags'].split(' ').filter(Boolean).map((f) => (f === "''" ? '' : f)) : FLAGS;
  return srv.startMemorykv(MKV_PORT, flags, profileDir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`], script: bundle } : {});
}

function startRedis(): Promise<ChildProcess> {
  return srv.startRedis(REDIS_PORT, FLAGS);
}

/** Runs redis-benchmark once; returns the samples by test name as --csv prints them. */
function benchmark(port: number, pipeline: number, n = N, tests = args.tests): Map<string, Sample> {
  // A stuck server must not hang the run: generous for 200k requests at a few thousand per second.
  return srv.benchmark(port, { clients: CLIENTS, n, pipeline, tests, timeoutMs: Math.max(120_000, N * 5) });
}

async function profile(): Promise<void> {
  const dir = here('./profiles');
  mkdirSync(dir, { recursive: true });
  const bundle = `${dir}/memorykv-server.mjs`;
  await build({
    entryPoints: [`${root}/packages/server/src/main.ts`],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'external',
    outfile: bundle,
    external: ['lmdb', 'msgpackr', 'piscina', 'fengari'],
    logLevel: 'warning',
  });
  // The journal's commit thread is a file the bundle loads beside itself (appendonly yes).
  copyFileSync(`${root}/packages/core/src/node/journal-commit-thread.mjs`, `${dir}/journal-commit-thread.mjs`);
  const before = new Set(readdirSync(dir));
  const server = await startMemorykv(dir, bundle);
  try {
    for (const p of PIPELINES) {
      for (const [test, s] of benchmark(MKV_PORT, p)) log(`-P ${p} ${test}: ${fmt(s.rps)} req/s, p99 ${s.p99Ms} ms`);
    }
  } finally {
    // SIGINT: main.ts closes the server and exits normally, which writes the profile.
    await stop(server, 'SIGINT');
  }
  const file = readdirSync(dir)
    // CPU.<date>.<time>.<pid>.<thread id>.<n>.cpuprofile: the serving thread is thread 0.
    .filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f) && !before.has(f))
    .map((f) => `${dir}/${f}`)
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!file) throw new Error('memorykv-server wrote no profile');
  log(`\n${relative(root, file)}:`);
  printSummary(await summarize(file, bundle, root, 40), log);
}

async function compare(): Promise<void> {
  const { node, cpus, loadavg } = machine();
  const run = {
    date: new Date().toISOString(),
    commit: commit(),
    node,
    ...version(),
    cpus,
    loadavg,
    command: `redis-benchmark -q --csv -c ${CLIENTS} -n ${N} -P <p> -t ${args.tests}`,
    rounds: ROUNDS,
    rows: [] as Row[],
  };
  log(`memorykv-server vs redis-server ${run.redis} — Node ${run.node}, ${run.cpus}, load ${run.loadavg.map((x) => x.toFixed(2)).join(' ')}`);
  for (const port of [MKV_PORT, REDIS_PORT]) if (alive(port)) throw new Error(`port ${port} is taken by a server this run did not start`);
  const servers: Record<ServerName, { port: number; child: ChildProcess }> = {
    memorykv: { port: MKV_PORT, child: await startMemorykv() },
    redis: { port: REDIS_PORT, child: await startRedis() },
  };
  // V8 compiles the server's hot paths during its first requests: an unrecorded pass first (on both
  // sides, so that they meet the measured runs in the same state), at every pipeline depth: a
  // pipelined read takes other paths (many commands a read, replies written after the reads)
  // than a lone command, and a first -P 16 run compiled them while it was being measured.
  const warmup = Number(args.warmup);
  if (warmup > 0) {
    log(`warm-up: ${warmup} requests per test and pipeline depth on each server`);
    for (const p of PIPELINES) for (const side of ['memorykv', 'redis'] as const) benchmark(servers[side].port, p, warmup);
  }
  // Best of the rounds per test and side (the machine is shared: a slow round is noise, not the
  // server). Each test runs on both servers back to back, who goes first alternating, so that a
  // change of load on the machine hits both sides alike; the tests keep redis-benchmark's own order
  // (RPOP pops what LPUSH pushed), from a FLUSHALL per pipeline depth.
  const tests = args.tests.split(',');
  const best = new Map<string, Sample>();
  const order: string[] = [];
  let turn = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const p of PIPELINES) {
        for (const side of ['memorykv', 'redis'] as const) cli(servers[side].port, 'FLUSHALL');
        for (const t of tests) {
          const sides: ServerName[] = turn++ % 2 === 0 ? ['memorykv', 'redis'] : ['redis', 'memorykv'];
          for (const side of sides) {
            const { port, child } = servers[side];
            const before = cpuTime(child.pid!);
            const samples = benchmark(port, p, N, t);
            const after = cpuTime(child.pid!);
            for (const [test, s] of samples) {
              // CPU per request of the server process (for LRANGE_* it includes the LPUSH fill).
              if (before && after && samples.size === 1) {
                s.userUs = ((after.user - before.user) * 1000) / N;
                s.sysUs = ((after.sys - before.sys) * 1000) / N;
              }
              const k = `${p}\0${test}\0${side}`;
              if (!order.includes(`${p}\0${test}`)) order.push(`${p}\0${test}`);
              const b = best.get(k);
              const cpu = (x: Sample) => (x.userUs ?? 0) + (x.sysUs ?? 0);
              best.set(
                k,
                b === undefined
                  ? s
                  : { ...(s.rps > b.rps ? s : b), p99Ms: Math.min(s.p99Ms, b.p99Ms), ...(cpu(s) < cpu(b) ? { userUs: s.userUs, sysUs: s.sysUs } : { userUs: b.userUs, sysUs: b.sysUs }) },
              );
              const cpuText = s.userUs === undefined ? '' : `  cpu ${s.userUs.toFixed(1)}+${s.sysUs!.toFixed(1)} µs/req`;
              log(`round ${round + 1} -P ${p} ${side.padEnd(8)} ${test.padEnd(10)} ${fmt(s.rps).padStart(7)} req/s  p99 ${s.p99Ms} ms${cpuText}`);
            }
          }
        }
      }
    }
  } finally {
    await stop(servers.memorykv.child);
    await stop(servers.redis.child);
  }
  for (const k of order) {
    const [p, test] = k.split('\0') as [string, string];
    const m = best.get(`${k}\0memorykv`);
    const r = best.get(`${k}\0redis`);
    if (!m || !r) continue;
    const pipeline = Number(p);
    const target = TARGET_RATIO[pipeline] ?? 0;
    const ratio = m.rps / r.rps;
    const p99Ratio = m.p99Ms / r.p99Ms;
    run.rows.push({ test, pipeline, memorykv: m, redis: r, ratio, p99Ratio, target, pass: ratio >= target && p99Ratio <= TARGET_P99 });
  }
  const md = markdown(run);
  log('\n' + md);
  if (args['no-write']) return;
  mkdirSync(here('./results'), { recursive: true });
  const name = `results/server-${run.date.slice(0, 10)}.json`;
  writeFileSync(here(`./${name}`), JSON.stringify(run, null, 2) + '\n');
  // Only the generated section of the README is replaced; the prose around it is kept.
  writeSection(here('./README.md'), '<!-- server-results:start -->', '<!-- server-results:end -->', md);
  log(`\nwrote ${name} and README.md`);
}

function markdown(run: {
  date: string;
  commit: string;
  node: string;
  redis: string;
  cpus: string;
  loadavg: number[];
  command: string;
  rounds: number;
  rows: Row[];
}): string {
  const x = (r: number) => `${r.toFixed(2)}x`;
  const cpu = (s: Sample) => (s.userUs === undefined ? '—' : `${s.userUs.toFixed(1)} + ${s.sysUs!.toFixed(1)}`);
  const out = [
    `Run of ${run.date} — commit \`${run.commit}\`, Node ${run.node}, redis-server ${run.redis}, ${run.cpus}, ` +
      `load average ${run.loadavg.map((l) => l.toFixed(2)).join(' ')} at start; \`${run.command}\`` +
      (run.rounds > 1 ? `, best of ${run.rounds} rounds` : '') + '.',
    '',
    '| test | -P | memorykv req/s | redis req/s | ratio | memorykv p99 ms | redis p99 ms | p99 ratio | verdict | memorykv CPU µs/req | redis CPU µs/req |',
    '|---|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|',
  ];
  for (const r of run.rows) {
    const why = [r.ratio < r.target ? `ratio < ${r.target}` : '', r.p99Ratio > TARGET_P99 ? `p99 > ${TARGET_P99}x` : ''].filter(Boolean).join(', ');
    out.push(
      `| ${r.test} | ${r.pipeline} | ${fmt(r.memorykv.rps)} | ${fmt(r.redis.rps)} | ${x(r.ratio)} | ${r.memorykv.p99Ms.toFixed(3)} | ${r.redis.p99Ms.toFixed(3)} | ${x(r.p99Ratio)} | ${r.pass ? 'PASS' : `MISS (${why})`} | ${cpu(r.memorykv)} | ${cpu(r.redis)} |`,
    );
  }
  const miss = run.rows.filter((r) => !r.pass);
  out.push(
    '',
    `Targets (ratio ≥ ${TARGET_RATIO[1]}x at -P 1, ≥ ${TARGET_RATIO[16]}x at -P 16, p99 ≤ ${TARGET_P99}x redis): ${run.rows.length - miss.length} PASS, ${miss.length} MISS. ` +
      'CPU µs/req = user + system CPU time of the server process per request during the test (LRANGE_100 includes its LPUSH fill), ' +
      'a measure that does not depend on how busy the machine was.',
  );
  return out.join('\n');
}

if (args.profile) await profile();
else await compare();
