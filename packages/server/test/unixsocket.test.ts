/**
 * The Unix socket listener as redis-server 7.2's: `unixsocket` and `unixsocketperm` (the
 * socket file's mode), a stale file unlinked at start, the file removed at shutdown, clients
 * over it shown with the socket's path and flag U, immutable at runtime.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { MemorykvServer } from '../src/server.ts';

const dir = mkdtempSync(join(tmpdir(), 'memorykv-unix-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]): Promise<string> {
  return new Promise((res, rej) => {
    execFile('redis-cli', args, { timeout: 20_000 }, (err, stdout, stderr) => (err ? rej(new Error(`${err.message}\n${stderr}`)) : res(stdout)));
  });
}

describe('Unix socket', () => {
  it('serves ioredis and redis-cli -s; unixsocketperm; a stale file is replaced; close() removes it', async () => {
    const path = join(dir, 'memorykv.sock');
    writeFileSync(path, 'left over by a crashed server');
    const server = new MemorykvServer({ port: 0, bind: ['127.0.0.1'], loglevel: 'nothing', extra: { appendonly: 'no', unixsocket: path, unixsocketperm: '700' } });
    // port 0 beside a Unix socket: no TCP listener, as redis-server.
    expect(await server.listen()).toBe(0);
    const st = statSync(path);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o700);
    expect(server.listeners.info()).toEqual([`listener1:name=unix,bind=${path}`]);
    const r = new Redis({ path, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    r.on('error', () => {});
    try {
      expect(await r.set('k', 'v')).toBe('OK');
      expect(await cli(['-s', path, 'GET', 'k'])).toBe('v\n');
      const info = (await r.call('CLIENT', 'INFO')) as string;
      expect(info).toContain(` laddr=${path}:0 `);
      expect(info).toMatch(/ flags=U /);
      expect(await r.config('GET', 'unixsocket*')).toEqual(['unixsocket', path, 'unixsocketperm', '700']);
      await expect(r.config('SET', 'unixsocket', join(dir, 'other.sock'))).rejects.toThrow(
        "ERR CONFIG SET failed (possibly related to argument 'unixsocket') - can't set immutable config",
      );
      await expect(r.config('SET', 'unixsocketperm', '777')).rejects.toThrow(
        "ERR CONFIG SET failed (possibly related to argument 'unixsocketperm') - can't set immutable config",
      );
      // Protected mode only turns away non-loopback TCP peers: a Unix peer is local.
      expect(await r.config('GET', 'protected-mode')).toEqual(['protected-mode', 'yes']);
    } finally {
      r.disconnect();
      await server.close();
    }
    expect(existsSync(path)).toBe(false);
  });

  it('TCP and the Unix socket at once; CONFIG SET port leaves the socket alone', async () => {
    const path = join(dir, 'both.sock');
    const server = new MemorykvServer({ port: 0, bind: ['127.0.0.1'], loglevel: 'nothing', extra: { appendonly: 'no', unixsocket: path } });
    // With a Unix socket, port 0 means no TCP: give one explicitly by moving it at runtime.
    expect(await server.listen()).toBe(0);
    const r = new Redis({ path, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    r.on('error', () => {});
    try {
      // CONFIG SET port on a server without a TCP listener starts one (updatePort).
      const probe = new MemorykvServer({ port: 0, bind: ['127.0.0.1'], loglevel: 'nothing', extra: { appendonly: 'no' } });
      const port = await probe.listen();
      await probe.close();
      expect(await r.config('SET', 'port', String(port))).toBe('OK');
      const t = new Redis({ port, host: '127.0.0.1', retryStrategy: () => null, maxRetriesPerRequest: 0 });
      t.on('error', () => {});
      expect(await t.ping()).toBe('PONG');
      expect((await t.call('CLIENT', 'INFO')) as string).not.toMatch(/ flags=U /);
      t.disconnect();
      expect(await r.ping()).toBe('PONG');
      expect(server.listeners.info()).toEqual([`listener0:name=tcp,bind=127.0.0.1,port=${port}`, `listener1:name=unix,bind=${path}`]);
    } finally {
      r.disconnect();
      await server.close();
    }
  });

  it('memorykv-server --unixsocket: Redis\'s log lines; SIGTERM removes the socket file', async () => {
    const path = join(dir, 'bin.sock');
    const bin = resolve(import.meta.dirname, '../bin/memorykv-server.js');
    const child = spawn(process.execPath, [bin, '--port', '0', '--unixsocket', path, '--unixsocketperm', '770'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    try {
      const end = Date.now() + 30_000;
      while (!out.includes('Ready to accept connections unix')) {
        if (Date.now() > end || child.exitCode !== null) throw new Error(`not ready:\n${out}`);
        await new Promise((res) => setTimeout(res, 20));
      }
      expect(out).not.toContain('Ready to accept connections tcp');
      expect(statSync(path).mode & 0o777).toBe(0o770);
      expect(await cli(['-s', path, 'PING'])).toBe('PONG\n');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toContain('Removing the unix socket file.');
      expect(existsSync(path)).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('memorykv-server --port 0 alone listens nowhere: exits 1', async () => {
    const bin = resolve(import.meta.dirname, '../bin/memorykv-server.js');
    const child = spawn(process.execPath, [bin, '--port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
    expect(code).toBe(1);
    expect(out).toContain('Configured to not listen anywhere, exiting.');
  });
});
