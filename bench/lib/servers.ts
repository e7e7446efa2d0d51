/**
 * What the side-by-side server benchmarks (server.ts, durability.ts) share: memorykv-server and
 * redis-server as child processes of the run (killed however the run ends), waiting for PING,
 * redis-benchmark and its --csv, each server process's CPU time and disk writes from /proc, and
 * the stamps of a run (versions, commit, machine).
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (memorykv-server runs from here: its bin's path is relative to it). */
export const root = fileURLToPath(new URL('../..', import.meta.url));

export const log = (s: string) => process.stdout.write(s + '\n');

export const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0));

export function cli(port: number, ...argv: string[]): string {
  return execFileSync('redis-cli', ['-p', String(port), ...argv], { encoding: 'latin1', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 }).trimEnd();
}

/** redis-cli without blocking the event loop (while a benchmark runs beside it). */
export function cliAsync(port: number, ...argv: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', ['-p', String(port), ...argv], { encoding: 'latin1', timeout: 10_000 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout.trimEnd()),
    );
  });
}

export function alive(port: number): boolean {
  try {
    return cli(port, 'PING') === 'PONG';
  } catch {
    return false;
  }
}

export async function waitAlive(port: number, child: ChildProcess, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    if (alive(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} does not answer PING on port ${port}`);
}

/**
 * Waits until the server on `port` answers PING with PONG — not -LOADING — over one connection
 * polled every `pollMs` (redis-cli's own start-up would add milliseconds to a timed start).
 * Resolves with performance.now() at the PONG.
 */
export function waitPong(port: number, child: ChildProcess, what: string, timeoutMs = 600_000, pollMs = 5): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err: Error | null, at = 0) => {
      if (done) return;
      done = true;
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(at);
    };
    const onExit = (code: number | null, signal: string | null) => finish(new Error(`${what} exited (${signal ?? `code ${code}`}) before answering PONG`));
    child.once('exit', onExit);
    const attempt = () => {
      if (done) return;
      if (performance.now() > deadline) return finish(new Error(`${what} does not answer PONG on port ${port} after ${timeoutMs} ms`));
      const socket = net.connect({ port, host: '127.0.0.1' });
      let buffered = '';
      const retry = () => {
        socket.destroy();
        if (!done) setTimeout(attempt, pollMs);
      };
      socket.on('error', retry);
      socket.on('connect', () => socket.write('PING\r\n'));
      socket.on('data', (chunk) => {
        buffered += chunk.toString('latin1');
        const eol = buffered.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffered.slice(0, eol);
        buffered = buffered.slice(eol + 2);
        if (line === '+PONG') {
          const at = performance.now();
          socket.destroy();
          return finish(null, at);
        }
        // -LOADING (or anything else while starting): ask again on the same connection.
        setTimeout(() => !done && !socket.destroyed && socket.write('PING\r\n'), pollMs);
      });
      socket.on('end', retry);
    };
    attempt();
  });
}

/** Servers this run started: stopped on the way out, however the run ends. */
const started = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

/** Makes a child this run's: killed on the way out if still running. */
export function track(child: ChildProcess): ChildProcess {
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}

export function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** SHUTDOWN through the protocol (the server's own clean stop: journal/AOF synced), then its exit. */
export async function shutdown(port: number, child: ChildProcess, ...args: string[]): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    cli(port, 'SHUTDOWN', ...args);
  } catch {
    // redis-cli reports the dropped connection of a successful shutdown as an error.
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  await exited;
  clearTimeout(timer);
}

export interface SpawnOptions {
  /** Node flags before the script (e.g. --cpu-prof) — memorykv only. */
  nodeArgs?: string[];
  /** The script to run instead of the bin (a bundle) — memorykv only. */
  script?: string;
}

/** Spawns memorykv-server (its bin, from the repository root) without waiting for it. */
const BIN = 'packages/server/bin/memorykv-server.js';

/**
 * The node flags the binary's `#!/usr/bin/env -S node ...` line gives it: the server is measured
 * as `npx memorykv-server` runs it (a profiled bundle gets them too).
 */
export function binNodeFlags(): string[] {
  const first = readFileSync(join(root, BIN), 'latin1').split('\n', 1)[0]!;
  const m = /^#!\/usr\/bin\/env -S node\b(.*)$/.exec(first);
  return m === null ? [] : m[1]!.trim().split(/\s+/).filter(Boolean);
}

export function spawnMemorykv(flags: string[], opts: SpawnOptions = {}): ChildProcess {
  const argv = [...binNodeFlags(), ...(opts.nodeArgs ?? []), opts.script ?? BIN, ...flags];
  return track(spawn(process.execPath, argv, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] }));
}

export function spawnRedis(flags: string[]): ChildProcess {
  return track(spawn('redis-server', flags, { stdio: ['ignore', 'inherit', 'inherit'] }));
}

/** Starts memorykv-server on `port` with `flags` (after --port) and waits for PING. */
export async function startMemorykv(port: number, flags: string[], opts: SpawnOptions = {}): Promise<ChildProcess> {
  if (alive(port)) throw new Error(`port ${port} is taken by a server this run did not start`);
  const child = spawnMemorykv(['--port', String(port), ...flags], opts);
  await waitAlive(port, child, 'memorykv-server');
  return child;
}

export async function startRedis(port: number, flags: string[]): Promise<ChildProcess> {
  if (alive(port)) throw new Error(`port ${port} is taken by a server this run did not start`);
  const child = spawnRedis(['--port', String(port), ...flags]);
  await waitAlive(port, child, 'redis-server');
  return child;
}

export interface Sample {
  rps: number;
  avgMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** CPU time the server process spent per request (from /proc/<pid>/stat), µs: user and system. */
  userUs?: number;
  sysUs?: number;
}

export interface BenchmarkOptions {
  clients: number;
  n: number;
  pipeline: number;
  tests: string;
  /** -r: random keys out of this many (redis-benchmark's key:__rand_int__), none when absent. */
  keyspace?: number;
  /** -d: value size in bytes (redis-benchmark's default 3 when absent). */
  dataSize?: number;
  timeoutMs: number;
}

function benchmarkArgv(port: number, o: BenchmarkOptions): string[] {
  const argv = ['-p', String(port), '-q', '--csv', '-c', String(o.clients), '-n', String(o.n), '-P', String(o.pipeline), '-t', o.tests];
  if (o.keyspace) argv.push('-r', String(o.keyspace));
  if (o.dataSize) argv.push('-d', String(o.dataSize));
  return argv;
}

/** Runs redis-benchmark once; returns the samples by test name as --csv prints them. */
export function benchmark(port: number, o: BenchmarkOptions): Map<string, Sample> {
  return parseCsv(execFileSync('redis-benchmark', benchmarkArgv(port, o), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: o.timeoutMs, maxBuffer: 1 << 24 }));
}

/** benchmark() without blocking the event loop. */
export function benchmarkAsync(port: number, o: BenchmarkOptions): Promise<Map<string, Sample>> {
  return new Promise((resolve, reject) => {
    execFile('redis-benchmark', benchmarkArgv(port, o), { encoding: 'utf8', timeout: o.timeoutMs, maxBuffer: 1 << 24 }, (err, stdout) => {
      if (err) return reject(err);
      try {
        resolve(parseCsv(stdout));
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** redis-benchmark 7's --csv: a header line, then one line per test. */
function parseCsv(out: string): Map<string, Sample> {
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

/** User and system CPU time of a process so far (all its threads), ms (null where /proc is missing). */
export function cpuTime(pid: number): { user: number; sys: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state, field 3.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: (Number(f[11]) * 1000) / CLK_TCK, sys: (Number(f[12]) * 1000) / CLK_TCK };
  } catch {
    return null;
  }
}

/** Bytes a process caused to be sent to storage so far (/proc/<pid>/io write_bytes), or null. */
export function diskWrites(pid: number): number | null {
  try {
    const m = /^write_bytes: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export function version(): { redis: string; benchmark: string } {
  const v = (cmd: string) => execFileSync(cmd, ['--version'], { encoding: 'utf8' }).trim();
  return { redis: /v=(\S+)/.exec(v('redis-server'))?.[1] ?? v('redis-server'), benchmark: v('redis-benchmark') };
}

export function commit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', cwd: root }).trim();
    // Others work in the same tree: say when the measured server or core differ from the commit.
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'packages/core/src', 'packages/server/src'], { encoding: 'utf8', cwd: root }).trim();
    return dirty ? `${sha}+uncommitted changes` : sha;
  } catch {
    return 'unknown';
  }
}

/** Node version, CPUs and load average: the stamp of a run on a shared machine. */
export function machine(): { node: string; cpus: string; loadavg: number[] } {
  const cpu = os.cpus();
  return { node: process.versions.node, cpus: `${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown CPU'}`, loadavg: os.loadavg() };
}

/** The filesystem a path is on, as `df -PT` says: "ext4 (/dev/vda, mounted on /)". */
export function filesystem(path: string): string {
  try {
    const line = execFileSync('df', ['-PT', path], { encoding: 'utf8' }).trim().split('\n')[1] ?? '';
    const f = line.split(/\s+/);
    return `${f[1]} (${f[0]}, mounted on ${f.slice(6).join(' ')})`;
  } catch {
    return 'unknown filesystem';
  }
}

/** Replaces the text between two markers of a README (appended with them when missing). */
export function writeSection(readme: string, start: string, end: string, md: string): void {
  let text = existsSync(readme) ? readFileSync(readme, 'utf8') : '# memorykv benchmarks\n';
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  text = a >= 0 && b > a ? text.slice(0, a + start.length) + '\n' + md + '\n' + text.slice(b) : `${text}\n${start}\n${md}\n${end}\n`;
  writeFileSync(readme, text);
}
