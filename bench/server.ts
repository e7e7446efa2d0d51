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
 *                                                         # hot functions and lines, no results written
 *
 * Environment (the root `npm run` swallows flags): BENCH_SERVER_N, BENCH_SERVER_CLIENTS,
 * BENCH_SERVER_PIPELINES ("1,16"), BENCH_SERVER_TESTS, BENCH_SERVER_ROUNDS, BENCH_SERVER_WARMUP
 * (requests per test of an unrecorded first pass, 50000), BENCH_NO_WRITE=1,
 * BENCH_SERVER_PROFILE=1, BENCH_MEMORYKV_PORT (7116), BENCH_SERVER_REDIS_PORT (7117).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { printSummary, summarize } from './lib/cpuprofile.ts';

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
    'no-write': { type: 'boolean', default: env.BENCH_NO_WRITE === '1' },
  },
});

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const root = here('..');
const log = (s: string) => process.stdout.write(s + '\n');
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

interface Sample {
  rps: number;
  avgMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** CPU time the server process spent per request (from /proc/<pid>/stat), µs: user and system. */
  userUs?: number;
  sysUs?: number;
}
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

function cli(port: number, ...argv: string[]): string {
  return execFileSync('redis-cli', ['-p', String(port), ...argv], { encoding: 'latin1', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 }).trimEnd();
}

function alive(port: number): boolean {
  try {
    return cli(port, 'PING') === 'PONG';
  } catch {
    return false;
  }
}

async function waitAlive(port: number, child: ChildProcess, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    if (alive(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} does not answer PING on port ${port}`);
}

/** Servers this run started: stopped on the way out, however the run ends. */
const started = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** Starts memorykv-server (through its bin, or a bundle of main.ts under --cpu-prof). */
async function startMemorykv(profileDir?: string, bundle?: string): Promise<ChildProcess> {
  if (alive(MKV_PORT)) throw new Error(`port ${MKV_PORT} is taken by a server this run did not start`);
  const flags = ['--port', String(MKV_PORT), '--save', '', '--appendonly', 'no', '--loglevel', 'warning'];
  const argv = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, bundle!, ...flags] : ['packages/server/bin/memorykv-server.js', ...flags];
  const child = spawn(process.execPath, argv, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  started.add(child);
  await waitAlive(MKV_PORT, child, 'memorykv-server');
  return child;
}

async function startRedis(): Promise<ChildProcess> {
  if (alive(REDIS_PORT)) throw new Error(`port ${REDIS_PORT} is taken by a server this run did not start`);
  const child = spawn('redis-server', ['--port', String(REDIS_PORT), '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  started.add(child);
  await waitAlive(REDIS_PORT, child, 'redis-server');
  return child;
}

/** Runs redis-benchmark once; returns the samples by test name as --csv prints them. */
function benchmark(port: number, pipeline: number, n = N, tests = args.tests): Map<string, Sample> {
  const out = execFileSync(
    'redis-benchmark',
    ['-p', String(port), '-q', '--csv', '-c', String(CLIENTS), '-n', String(n), '-P', String(pipeline), '-t', tests],
    // A stuck server must not hang the run: generous for 200k requests at a few thousand per second.
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: Math.max(120_000, N * 5), maxBuffer: 1 << 24 },
  );
  const lines = out.split('\n').filter((l) => l.startsWith('"'));
  const cols = (l: string) => l.split(',').map((x) => x.replace(/^"|"$/g, ''));
  const header = cols(lines[0] ?? '');
  const at = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`redis-benchmark --csv has no ${name} column: ${lines[0]}`);
    return i;
  };
  const [iTest, iRps, iAvg, iP50, iP99, iMax] = ['test', 'rps', 'avg_latency_ms', 'p50_latency_ms', 'p99_latency_ms', 'max_latency_ms'].map(at);
  const samples = new Map<string, Sample>();
  for (const l of lines.slice(1)) {
    const c = cols(l);
    // "LPUSH (needed to benchmark LRANGE)" fills the list for LRANGE_*; not one of the tests asked for.
    if (c[iTest!]!.includes('needed to benchmark')) continue;
    const name = c[iTest!]!.replace(/ \(.*\)$/, '');
    samples.set(name, { rps: Number(c[iRps!]), avgMs: Number(c[iAvg!]), p50Ms: Number(c[iP50!]), p99Ms: Number(c[iP99!]), maxMs: Number(c[iMax!]) });
  }
  if (samples.size === 0) throw new Error(`redis-benchmark printed no results:\n${out}`);
  return samples;
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User and system CPU time of a process so far, ms (null where /proc is missing). */
function cpuTime(pid: number): { user: number; sys: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state, field 3.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: (Number(f[11]) * 1000) / CLK_TCK, sys: (Number(f[12]) * 1000) / CLK_TCK };
  } catch {
    return null;
  }
}

function version(): { redis: string; benchmark: string } {
  const v = (cmd: string) => execFileSync(cmd, ['--version'], { encoding: 'utf8' }).trim();
  return { redis: /v=(\S+)/.exec(v('redis-server'))?.[1] ?? v('redis-server'), benchmark: v('redis-benchmark') };
}

function commit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', cwd: root }).trim();
    // Others work in the same tree: say when the measured server or core differ from the commit.
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'packages/core/src', 'packages/server/src'], { encoding: 'utf8', cwd: root }).trim();
    return dirty ? `${sha}+uncommitted changes` : sha;
  } catch {
    return 'unknown';
  }
}

const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0));

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
    .filter((f) => f.endsWith('.cpuprofile') && !before.has(f))
    .map((f) => `${dir}/${f}`)
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!file) throw new Error('memorykv-server wrote no profile');
  log(`\n${relative(root, file)}:`);
  printSummary(await summarize(file, bundle, root, 40), log);
}

async function compare(): Promise<void> {
  const cpu = os.cpus();
  const run = {
    date: new Date().toISOString(),
    commit: commit(),
    node: process.versions.node,
    ...version(),
    cpus: `${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown CPU'}`,
    loadavg: os.loadavg(),
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
  // sides, so that they meet the measured runs in the same state).
  const warmup = Number(args.warmup);
  if (warmup > 0) {
    log(`warm-up: ${warmup} requests per test on each server`);
    for (const side of ['memorykv', 'redis'] as const) benchmark(servers[side].port, 1, warmup);
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
  const readme = here('./README.md');
  const START = '<!-- server-results:start -->';
  const END = '<!-- server-results:end -->';
  let text = existsSync(readme) ? readFileSync(readme, 'utf8') : '# memorykv benchmarks\n';
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  text = a >= 0 && b > a ? text.slice(0, a + START.length) + '\n' + md + '\n' + text.slice(b) : `${text}\n${START}\n${md}\n${END}\n`;
  writeFileSync(readme, text);
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
