/**
 * The oracle for the differential test: a real redis-server child process on a free loopback
 * port, with persistence off. Start and stop are bounded in time; the process is killed on stop
 * (and if this process exits first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { RespClient } from './resp-client.ts';

export interface Oracle {
  port: number;
  version: string;
  connect(): Promise<RespClient>;
  stop(): Promise<void>;
}

/** A port the kernel says is free on 127.0.0.1 right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startOn(port: number, timeoutMs: number): Promise<Oracle> {
  const child: ChildProcess = spawn(
    'redis-server',
    // DEBUG from local connections: the test turns Redis's active expiry off (the engine under
    // test runs without it too), so that keys expire only lazily, at the same commands on both.
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--enable-debug-command', 'local'],
    // Redis calls setlocale(LC_COLLATE, "") and SORT ALPHA compares with strcoll: the C locale
    // makes that byte order, which is what the engine implements, whatever the machine's locale.
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } },
  );
  let log = '';
  child.stdout!.on('data', (d) => (log = (log + d).slice(-4000)));
  child.stderr!.on('data', (d) => (log = (log + d).slice(-4000)));
  let exited = false;
  child.once('exit', () => (exited = true));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (exited) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(t);
  };

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`redis-server exited on port ${port}:\n${log}`);
    try {
      const c = await RespClient.connect(port, '127.0.0.1', 1000);
      const pong = await c.call('PING');
      const info = await c.call('INFO', 'server');
      const noActiveExpire = await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
      c.close();
      if (noActiveExpire.t !== 'simple') throw new Error(`DEBUG SET-ACTIVE-EXPIRE 0 failed: ${JSON.stringify(noActiveExpire)}`);
      if (pong.t === 'simple' && pong.v === 'PONG') {
        const version = info.t === 'bulk' ? (/redis_version:(\S+)/.exec(info.v)?.[1] ?? '?') : '?';
        return { port, version, connect: () => RespClient.connect(port), stop };
      }
    } catch {
      // not listening yet (or still loading): retry until the deadline
    }
    await sleep(50);
  }
  await stop();
  throw new Error(`redis-server did not answer PING on port ${port} within ${timeoutMs} ms:\n${log}`);
}

/** Starts redis-server on a free port (retrying on a port race), or throws within timeoutMs. */
export async function startOracle(timeoutMs = 10_000): Promise<Oracle> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOn(await freePort(), timeoutMs);
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError;
}
