/**
 * A private redis-server for the side-by-side numbers, driven with redis-cli (already installed
 * next to the server, and enough for the few administrative commands the benchmarks send).
 */
import { execFileSync } from 'node:child_process';

export const REDIS_PORT = Number(process.env.BENCH_REDIS_PORT ?? 7108);

export function cli(...args: (string | number)[]): string {
  return execFileSync('redis-cli', ['-p', String(REDIS_PORT), ...args.map(String)], {
    encoding: 'latin1',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trimEnd();
}

function alive(): boolean {
  try {
    return cli('PING') === 'PONG';
  } catch {
    return false;
  }
}

/** Starts redis-server on REDIS_PORT (unless one already answers there); returns its version. */
export function startRedis(): { version: string; startedHere: boolean } {
  let startedHere = false;
  if (!alive()) {
    // DEBUG POPULATE needs the debug command; 'local' allows it from loopback only.
    execFileSync('redis-server', [
      '--port', String(REDIS_PORT), '--save', '', '--appendonly', 'no', '--daemonize', 'yes',
      '--enable-debug-command', 'local', '--loglevel', 'warning',
    ]);
    startedHere = true;
    for (let i = 0; i < 100 && !alive(); i++) execFileSync('sleep', ['0.05']);
  }
  const version = /redis_version:(\S+)/.exec(cli('INFO', 'server'))?.[1] ?? 'unknown';
  return { version, startedHere };
}

export function stopRedis(): void {
  try {
    cli('SHUTDOWN', 'NOSAVE');
  } catch {
    // redis-cli reports the dropped connection of a successful shutdown as an error.
  }
}

/** INFO memory as a field -> value record. */
export function infoMemory(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of cli('INFO', 'memory').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}
