/**
 * Shared helper of the server's integration tests: a MemorykvServer on a free loopback port and
 * real clients against it (ioredis, node-redis, redis-cli, raw sockets). Everything a helper made
 * is closed by `close()`, so a test file needs one `afterAll(() => t.close())`.
 *
 *   const t = await startServer();
 *   const r = t.ioredis();                    // ioredis, RESP2, no reconnects
 *   const n = await t.nodeRedis({ RESP: 3 }); // node-redis, connected
 *   await t.cli(['-3', 'HELLO']);             // redis-cli stdout (trailing newline kept)
 *   const s = await t.raw(); s.write('PING\r\n'); await s.read('+PONG\r\n');
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';
import { createClient, type RedisClientOptions } from 'redis';
import { MemorykvServer } from '../src/server.ts';
import type { ServerSettings } from '../src/settings.ts';
import type { Client } from '../src/client.ts';

/** A raw TCP connection: write bytes, then wait for what should come back. */
export interface RawConn {
  socket: net.Socket;
  write(data: string | Buffer): void;
  /** Everything received and not yet consumed by `read`. */
  readonly received: string;
  /**
   * Resolves once the received bytes start with `expected` (a string) or once `expected` (a
   * byte count) bytes arrived, and consumes them; rejects after `timeoutMs` with what arrived.
   */
  read(expected: string | number, timeoutMs?: number): Promise<string>;
  /** Resolves when the server closed the connection (rejects after timeoutMs). */
  closed(timeoutMs?: number): Promise<void>;
  close(): void;
}

export interface TestServer {
  server: MemorykvServer;
  port: number;
  url: string;
  ioredis(opts?: RedisOptions): Redis;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  nodeRedis(opts?: RedisClientOptions<any, any, any, any, any>): Promise<any>;
  /** Runs redis-cli against the server; resolves with its stdout. `input` goes to its stdin. */
  cli(args: string[], input?: string): Promise<string>;
  raw(): Promise<RawConn>;
  close(): Promise<void>;
}

/** A TCP port free on 127.0.0.1 right now (for servers a test starts in another process). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/**
 * Set when this run's servers shard their keyspace (MKV_TEST_SHARDS=4, the `shards-4` project of
 * vitest.config.ts): tests of what a sharded server does not do (yet) are skipped then, saying why.
 */
export const SHARDED = Number(process.env.MKV_TEST_SHARDS ?? '1') > 1;

export async function startServer(settings: Partial<ServerSettings> = {}): Promise<TestServer> {
  // In memory unless a test asks for the journal (the binary's default is appendonly yes in `dir`).
  // MKV_TEST_SHARDS=4 runs a test file against a sharded server (issue 5).
  const shards = process.env.MKV_TEST_SHARDS;
  const server = new MemorykvServer({
    port: 0,
    bind: ['127.0.0.1'],
    loglevel: 'warning',
    ...settings,
    extra: { appendonly: 'no', ...(shards ? { shards } : {}), ...settings.extra },
  });
  const port = await server.listen();
  await server.ready.catch(() => {});
  // Clients connect to the first bind address (tests of non-loopback peers bind another one).
  const host = server.settings.bind[0]!;
  const closers: (() => unknown)[] = [];

  const t: TestServer = {
    server,
    port,
    url: `redis://${host}:${port}`,
    ioredis(opts = {}) {
      const r = new Redis({ port, host, retryStrategy: () => null, maxRetriesPerRequest: 0, enableReadyCheck: false, ...opts });
      r.on('error', () => {});
      closers.push(() => r.disconnect());
      return r;
    },
    async nodeRedis(opts = {}) {
      const c = createClient({ url: `redis://${host}:${port}`, socket: { reconnectStrategy: false }, ...opts });
      c.on('error', () => {});
      closers.push(async () => {
        if (c.isOpen) c.destroy();
      });
      await c.connect();
      return c;
    },
    cli(args, input) {
      return new Promise((resolve, reject) => {
        const child = execFile(
          'redis-cli',
          ['-h', host, '-p', String(port), ...args],
          { timeout: 20_000, encoding: 'latin1' },
          (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
        );
        if (input !== undefined) child.stdin!.end(input);
        else child.stdin!.end();
      });
    },
    async raw() {
      const socket = net.connect(port, host);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      socket.on('error', () => {});
      let buf = '';
      let ended = false;
      let wake: (() => void) | null = null;
      socket.on('data', (d: Buffer) => {
        buf += d.toString('latin1');
        wake?.();
      });
      socket.on('close', () => {
        ended = true;
        wake?.();
      });
      closers.push(() => socket.destroy());
      const wait = (done: () => boolean, timeoutMs: number, what: string) =>
        new Promise<void>((resolve, reject) => {
          const check = () => {
            if (!done()) return false;
            clearTimeout(timer);
            wake = null;
            resolve();
            return true;
          };
          const timer = setTimeout(() => {
            wake = null;
            reject(new Error(`timed out waiting for ${what}; received ${JSON.stringify(buf)}`));
          }, timeoutMs);
          wake = () => void check();
          check();
        });
      return {
        socket,
        write: (data) => void socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data),
        get received() {
          return buf;
        },
        async read(expected, timeoutMs = 5000) {
          const n = typeof expected === 'number' ? expected : expected.length;
          await wait(() => buf.length >= n || ended, timeoutMs, JSON.stringify(expected));
          const got = buf.slice(0, n);
          if (typeof expected === 'string' && got !== expected) {
            throw new Error(`expected ${JSON.stringify(expected)}, received ${JSON.stringify(buf)}`);
          }
          if (got.length < n) throw new Error(`connection closed; received ${JSON.stringify(buf)}`);
          buf = buf.slice(n);
          return got;
        },
        closed: (timeoutMs = 5000) => wait(() => ended, timeoutMs, 'close'),
        close: () => socket.destroy(),
      };
    },
    async close() {
      for (const c of closers.splice(0)) {
        try {
          await c();
        } catch {
          // already gone
        }
      }
      await server.close();
    },
  };
  return t;
}

/** Polls `fn` until it returns a truthy value (bounded; for state other clients reach asynchronously). */
export async function until<T>(fn: () => T | Promise<T>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A request as RESP bytes (binary-safe: arguments are latin1 strings). */
export function cmd(...args: string[]): string {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return s;
}

/** A bulk string reply as RESP bytes. */
export const bulk = (s: string): string => `$${s.length}\r\n${s}\r\n`;

/** The server's Client behind a raw test connection. */
export function serverClient(t: TestServer, c: RawConn): Client {
  for (const cl of t.server.clients.values()) if (cl.socket.remotePort === c.socket.localPort) return cl;
  throw new Error('client not found');
}
