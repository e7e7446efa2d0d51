/**
 * memorykv-server: starts the RESP server with redis-server's flags and config file syntax
 * (`memorykv-server [/path/to/memorykv.conf] [--port 7000] [--bind 127.0.0.1] ...`).
 *
 * As redis-server: a bad option or config line prints the FATAL CONFIG FILE ERROR report and
 * exits 1; logs go to stdout (or `logfile`); `daemonize yes` detaches; `pidfile` is written
 * while running; SIGTERM and SIGINT (and SHUTDOWN) stop the server cleanly and exit 0.
 */
import { spawn } from 'node:child_process';
import { openSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { MemorykvServer, type ServerOptions } from './server.ts';
import { ConfigFileError, REDIS_VERSION, parseServerArgs } from './config-file.ts';
import { applyConfiguredParams } from './commands/config.ts';
import { MEMORYKV_VERSION, onShutdown, serverStats, shutdownServer } from './commands/introspection.ts';
import type { ServerSettings } from './settings.ts';

const args = process.argv.slice(2);

// `--restore FILE` (not a Redis option): start a fresh data directory from an exported snapshot.
let restoreFile: string | null = null;
const restoreAt = args.indexOf('--restore');
if (restoreAt >= 0) {
  restoreFile = args[restoreAt + 1] ?? null;
  if (restoreFile === null) {
    process.stderr.write('--restore needs the file of an exported snapshot (SNAPSHOT EXPORT)\n');
    process.exit(1);
  }
  restoreFile = resolve(restoreFile);
  args.splice(restoreAt, 2);
}

if (args[0] === '-v' || args[0] === '--version') {
  process.stdout.write(`memorykv server v=${MEMORYKV_VERSION} redis=${REDIS_VERSION} bits=64 node=${process.version}\n`);
  process.exit(0);
}
if (args[0] === '-h' || args[0] === '--help') {
  process.stderr.write(
    [
      'Usage: memorykv-server [/path/to/memorykv.conf] [options] [-]',
      '       memorykv-server - (read config from stdin)',
      '       memorykv-server -v or --version',
      '       memorykv-server -h or --help',
      '',
      'Examples:',
      '       memorykv-server (run the server with default conf)',
      '       memorykv-server /etc/redis/6379.conf',
      '       memorykv-server --port 7777',
      '       memorykv-server --port 7777 --replicaof 127.0.0.1 8888',
      '       memorykv-server /etc/myredis.conf --loglevel verbose -',
      '       memorykv-server /etc/myredis.conf --loglevel verbose',
      '       memorykv-server --dir ./data --restore backup.mkv (start a fresh data dir from an exported snapshot)',
      '',
    ].join('\n'),
  );
  process.exit(1);
}

function fatal(e: unknown): never {
  if (e instanceof ConfigFileError) process.stderr.write(e.report);
  else process.stderr.write(`${(e as Error)?.stack ?? e}\n`);
  process.exit(1);
}

let settings: ServerSettings;
try {
  settings = parseServerArgs(args);
} catch (e) {
  fatal(e);
}

const extra = settings.extra;
const logfile = extra.logfile ? Buffer.from(extra.logfile, 'latin1').toString() : '';

// daemonize yes: run detached in a child and let the parent exit at once (Redis forks).
if (extra.daemonize === 'yes' && process.env.MEMORYKV_DAEMONIZED !== '1') {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, MEMORYKV_DAEMONIZED: '1' },
  });
  child.unref();
  process.exit(0);
}

// logfile: the log lines go there instead of stdout.
if (logfile !== '') {
  const fd = openSync(logfile, 'a');
  process.stdout.write = ((chunk: string | Uint8Array, encoding?: unknown, cb?: unknown) => {
    if (typeof chunk === 'string') writeSync(fd, chunk);
    else writeSync(fd, chunk);
    const done = typeof encoding === 'function' ? encoding : cb;
    if (typeof done === 'function') done();
    return true;
  }) as typeof process.stdout.write;
}

// Relative paths (aclfile, dbfilename, ...) are relative to `dir`, as Redis chdir()s there.
try {
  process.chdir(settings.dir);
} catch (e) {
  fatal(e);
}

const options: ServerOptions = {};
if (restoreFile !== null) {
  options.restore = restoreFile;
  options.onRestoreProgress = restoreProgress(restoreFile);
}

/** A progress bar on a terminal (a line every 10% otherwise), as long restores take a while. */
function restoreProgress(file: string): (read: number, total: number) => void {
  const tty = process.stdout.isTTY === true;
  let lastStep = -1;
  return (read, total) => {
    const frac = total > 0 ? read / total : 1;
    if (tty) {
      const width = 30;
      const full = Math.round(frac * width);
      process.stdout.write(`\rRestoring ${file} [${'#'.repeat(full)}${' '.repeat(width - full)}] ${(frac * 100).toFixed(0)}%${frac >= 1 ? '\n' : ''}`);
    } else {
      const step = Math.floor(frac * 10);
      if (step > lastStep) {
        lastStep = step;
        process.stdout.write(`Restoring ${file}: ${step * 10}%\n`);
      }
    }
  };
}

let server: MemorykvServer;
try {
  server = new MemorykvServer(settings, options);
} catch (e) {
  // The data directory cannot be opened (a truncated journal, no permission ...): say why, stop.
  process.stderr.write(`Can't open the data in ${settings.dir}, exiting: ${(e as Error).message}\n`);
  process.exit(1);
}
try {
  applyConfiguredParams(server);
} catch (e) {
  fatal(e);
}

server.log('notice', 'oO0OoO0OoO0Oo memorykv is starting oO0OoO0OoO0Oo');
server.log(
  'notice',
  `memorykv version=${MEMORYKV_VERSION} (Redis ${REDIS_VERSION} compatible), bits=64, pid=${process.pid}, just started`,
);
if (args.length === 0) {
  server.log(
    'warning',
    'Warning: no config file specified, using the default config. In order to specify a config file use memorykv-server /path/to/memorykv.conf',
  );
} else {
  server.log('notice', 'Configuration loaded');
}

const pidfile = extra.pidfile ? Buffer.from(extra.pidfile, 'latin1').toString() : extra.daemonize === 'yes' ? '/var/run/redis.pid' : '';
if (pidfile !== '') {
  try {
    writeFileSync(pidfile, `${process.pid}\n`);
  } catch (e) {
    server.log('warning', `Failed to write PID file: ${(e as Error).message}`);
  }
}

function removePidfile(): void {
  if (pidfile === '') return;
  server.log('notice', 'Removing the pid file.');
  try {
    unlinkSync(pidfile);
  } catch {
    // already gone
  }
}

// SHUTDOWN: the server closed; the process ends with it.
onShutdown(server, () => {
  removePidfile();
  setImmediate(() => process.exit(0));
});

let signalled = false;
function onSignal(signal: string): void {
  if (signalled && signal === 'SIGINT') {
    server.log('warning', 'You insist... exiting now.');
    removePidfile();
    process.exit(1);
  }
  signalled = true;
  server.log('warning', `Received ${signal} scheduling shutdown...`);
  void shutdownServer(server, serverStats(server), { save: false, nosave: false, now: false, force: false });
}
process.on('SIGTERM', () => onSignal('SIGTERM'));
process.on('SIGINT', () => onSignal('SIGINT'));

// As redis-server: `port 0` (with TLS or a Unix socket) means no TCP listener, and a server
// that would listen nowhere exits. The listeners log why they could not start.
if (settings.port === 0 && Number(extra['tls-port'] ?? 0) === 0 && !extra.unixsocket) {
  server.log('warning', 'Configured to not listen anywhere, exiting.');
  removePidfile();
  process.exit(1);
}
server.listen().catch((e: Error) => {
  server.log('warning', e.message);
  removePidfile();
  process.exit(1);
});
// Data that cannot be loaded (a broken journal chain, a snapshot the journal does not continue)
// stops the start, naming why: never a server with silently partial data.
server.ready.catch((e: Error) => {
  server.log('warning', `Can't load the data, exiting: ${e.message}`);
  removePidfile();
  process.exit(1);
});
