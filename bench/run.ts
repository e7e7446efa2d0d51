/**
 * `npm run bench`: the command suite side by side with ioredis-mock and a Map, then the memory
 * comparison with redis-server; writes bench/results/<date>.json, results/latest.json and the
 * results section of bench/README.md.
 *
 *   npm run bench                                  # everything (a few minutes)
 *   cd bench && npx tsx run.ts --time 300          # shorter per-task budget (ms)
 *   cd bench && npx tsx run.ts --rounds 3          # rounds over all tasks, best kept (default 2)
 *   cd bench && npx tsx run.ts --filter 'GET|SET'  # only matching commands
 *   cd bench && npx tsx run.ts --no-memory         # skip the 1M-key memory comparison
 *   cd bench && npx tsx run.ts --no-write          # print, do not write results
 *
 * The root script goes through a nested `npm run`, which swallows flags as npm config, so the
 * same options are also read from BENCH_TIME, BENCH_ROUNDS, BENCH_FILTER, BENCH_NO_MEMORY=1, BENCH_NO_WRITE=1,
 * BENCH_KEYS (`BENCH_TIME=300 npm run bench`).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runOps } from './suites/ops.ts';
import { runMemory } from './suites/memory.ts';
import { markdown, verdicts, type RunResult } from './lib/report.ts';

const env = process.env;
const { values: args } = parseArgs({
  allowPositionals: true,
  options: {
    time: { type: 'string', default: env.BENCH_TIME ?? '1000' },
    rounds: { type: 'string', default: env.BENCH_ROUNDS ?? '2' },
    filter: { type: 'string', default: env.BENCH_FILTER },
    'no-memory': { type: 'boolean', default: env.BENCH_NO_MEMORY === '1' },
    'no-write': { type: 'boolean', default: env.BENCH_NO_WRITE === '1' },
    keys: { type: 'string', default: env.BENCH_KEYS ?? '1000000' },
  },
});

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const log = (s: string) => process.stdout.write(s + '\n');

function commit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    // Others work in the same tree: say when the measured core differs from the commit.
    const dirty = execFileSync('git', ['status', '--porcelain', '--', '../packages/core/src'], { encoding: 'utf8' }).trim();
    return dirty ? `${sha}+uncommitted core changes` : sha;
  } catch {
    return 'unknown';
  }
}

const time = Number(args.time);
const cpu = os.cpus();
const run: RunResult = {
  date: new Date().toISOString(),
  node: process.versions.node,
  platform: `${os.platform()} ${os.arch()}`,
  cpus: `${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown CPU'}`,
  loadavg: os.loadavg(),
  commit: commit(),
  timePerTaskMs: time,
  rounds: Number(args.rounds),
  ops: [],
  verdicts: [],
};

log(`memorykv bench — Node ${run.node}, ${run.cpus}, load ${run.loadavg.map((x) => x.toFixed(2)).join(' ')}`);
run.ops = await runOps({ time, rounds: Number(args.rounds), filter: args.filter ? new RegExp(args.filter, 'i') : undefined, log });
run.verdicts = verdicts(run.ops);

if (!args['no-memory']) {
  log(`memory: ${Number(args.keys).toLocaleString('en-US')} keys ...`);
  run.memory = runMemory(Number(args.keys));
  const m = run.memory;
  log(`memory: memorykv heap ${(m.memorykv.heapDelta / 2 ** 20).toFixed(1)} MB (estimate ${(m.memorykv.engineUsed / 2 ** 20).toFixed(1)} MB), ` +
    (m.redis ? `redis-server ${(m.redis.usedMemoryDelta / 2 ** 20).toFixed(1)} MB, ratio ${m.ratio!.toFixed(2)}x` : `redis: ${m.redisError}`));
}

const md = markdown(run);
log('\n' + md);

if (!args['no-write']) {
  mkdirSync(here('./results'), { recursive: true });
  const json = JSON.stringify(run, null, 2) + '\n';
  writeFileSync(here(`./results/${run.date.slice(0, 10)}.json`), json);
  writeFileSync(here('./results/latest.json'), json);

  // Only the generated section of the README is replaced; the prose around it is kept.
  const readme = here('./README.md');
  const START = '<!-- results:start -->';
  const END = '<!-- results:end -->';
  let text = existsSync(readme) ? readFileSync(readme, 'utf8') : `# memorykv benchmarks\n\n${START}\n${END}\n`;
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  text = a >= 0 && b > a ? text.slice(0, a + START.length) + '\n' + md + '\n' + text.slice(b) : `${text}\n${START}\n${md}\n${END}\n`;
  writeFileSync(readme, text);
  log(`\nwrote results/${run.date.slice(0, 10)}.json, results/latest.json, README.md`);
}
