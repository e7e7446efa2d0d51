/**
 * The oracle for the differential test: a real redis-server child process on a free loopback
 * port, with persistence off. Start and stop are bounded in time; the process is killed on stop
 * (and if this process exits first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { RespClient, type Wire } from './resp-client.ts';

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

async function startOn(port: number, timeoutMs: number, extra: readonly string[]): Promise<Oracle> {
  // DEBUG from local connections: the test turns Redis's active expiry off (the engine under test
  // runs without it too), so that keys expire only lazily, at the same commands on both.
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--enable-debug-command', 'local', ...extra];
  // A shell between us and redis-server ends it when its stdin (our pipe) closes, which also
  // happens when this process dies without running exit handlers (a crashed test worker), so no
  // server outlives the test. The shell itself exits when redis-server does.
  const child: ChildProcess = spawn(
    'sh',
    ['-c', 'exec 3<&0; redis-server "$@" & r=$!; (cat <&3 >/dev/null; kill $r 2>/dev/null) & wait $r', 'sh', ...args],
    // Redis calls setlocale(LC_COLLATE, "") and SORT ALPHA compares with strcoll: the C locale
    // makes that byte order, which is what the engine implements, whatever the machine's locale.
    { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' }, detached: true },
  );
  let log = '';
  child.stdout!.on('data', (d) => (log = (log + d).slice(-4000)));
  child.stderr!.on('data', (d) => (log = (log + d).slice(-4000)));
  let exited = false;
  child.once('exit', () => (exited = true));
  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', killGroup);

  const stop = async () => {
    process.removeListener('exit', killGroup);
    if (exited) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.stdin!.end();
    const t = setTimeout(killGroup, 3000);
    await gone;
    clearTimeout(t);
  };

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`redis-server exited on port ${port}:\n${log}`);
    let replies: Wire[] | null = null;
    try {
      const c = await RespClient.connect(port, '127.0.0.1', 1000);
      replies = await c.pipeline([['PING'], ['INFO', 'server'], ['DEBUG', 'SET-ACTIVE-EXPIRE', '0']]);
      c.close();
    } catch {
      // not listening yet (or still loading): retry until the deadline
    }
    const [pong, info, noActiveExpire] = replies ?? [];
    if (pong?.t === 'simple' && pong.v === 'PONG') {
      if (noActiveExpire?.t !== 'simple') {
        await stop();
        throw new Error(`redis-server refused DEBUG SET-ACTIVE-EXPIRE 0: ${JSON.stringify(noActiveExpire)}`);
      }
      const version = info?.t === 'bulk' ? (/redis_version:(\S+)/.exec(info.v)?.[1] ?? '?') : '?';
      return { port, version, connect: () => RespClient.connect(port), stop };
    }
    await sleep(50);
  }
  await stop();
  throw new Error(`redis-server did not answer PING on port ${port} within ${timeoutMs} ms:\n${log}`);
}

/** Starts redis-server on a free port (retrying on a port race), or throws within timeoutMs. */
/** A redis-server on a free loopback port; `extra` are more of its command-line options. */
export async function startOracle(timeoutMs = 10_000, extra: readonly string[] = []): Promise<Oracle> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOn(await freePort(), timeoutMs, extra);
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError;
}
