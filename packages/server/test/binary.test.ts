/**
 * The memorykv-server binary as a user runs it: flags, a config file, CONFIG REWRITE, bad
 * options (exit 1 with Redis's report), SIGTERM, SIGINT and SHUTDOWN (clean exit 0).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { freePort } from './helpers.ts';

const BIN = resolve(import.meta.dirname, '../bin/memorykv-server.js');
const tmp = mkdtempSync(join(tmpdir(), 'memorykv-bin-'));
const running = new Set<ChildProcess>();

afterAll(() => {
  for (const p of running) p.kill('SIGKILL');
});

interface Proc {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

function run(args: string[], opts: { cwd?: string } = {}): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? tmp, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) =>
    child.on('exit', (code) => {
      running.delete(child);
      r(code);
    }),
  );
  return { child, out: () => out, err: () => err, exited };
}

async function waitFor(p: Proc, text: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!p.out().includes(text)) {
    if (Date.now() > end) throw new Error(`no "${text}" in output:\n${p.out()}\n${p.err()}`);
    if (p.child.exitCode !== null) throw new Error(`exited ${p.child.exitCode}:\n${p.out()}\n${p.err()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function client(port: number): Redis {
  const r = new Redis({ port, host: '127.0.0.1', retryStrategy: () => null, maxRetriesPerRequest: 0 });
  r.on('error', () => {});
  return r;
}

describe('memorykv-server binary', () => {
  it('takes redis-server flags; SIGTERM stops it cleanly', async () => {
    const port = await freePort();
    const p = run(['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory', '1mb', '--maxmemory-policy', 'allkeys-lru', '--databases', '4', '--loglevel', 'notice']);
    await waitFor(p, 'Ready to accept connections');
    const r = client(port);
    expect(await r.call('PING')).toBe('PONG');
    expect(await r.call('CONFIG', 'GET', 'maxmemory')).toEqual(['maxmemory', '1048576']);
    expect(await r.call('CONFIG', 'GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'allkeys-lru']);
    expect(await r.call('CONFIG', 'GET', 'databases')).toEqual(['databases', '4']);
    expect(await r.call('CONFIG', 'GET', 'save')).toEqual(['save', '']);
    expect(await r.call('SELECT', '4').catch((e: Error) => e.message)).toBe('ERR DB index is out of range');
    const info = (await r.call('INFO', 'server')) as string;
    expect(info).toContain(`tcp_port:${port}`);
    expect(info).toContain(`process_id:${p.child.pid}`);
    r.disconnect();
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.out()).toContain('Received SIGTERM scheduling shutdown...');
    expect(p.out()).toContain('is now ready to exit, bye bye...');
  });

  it('reads a config file, rewrites it with CONFIG REWRITE, writes and removes its pidfile; SIGINT stops it', async () => {
    const port = await freePort();
    const file = join(tmp, 'memorykv.conf');
    const pidfile = join(tmp, 'memorykv.pid');
    writeFileSync(
      file,
      ['# memorykv', `port ${port}`, 'bind 127.0.0.1', '', '# limits', 'maxmemory 2mb', 'timeout 0', 'save ""', `pidfile ${pidfile}`, ''].join('\n'),
    );
    const p = run([file, '--hz', '20']);
    await waitFor(p, 'Ready to accept connections');
    expect(readFileSync(pidfile, 'utf8').trim()).toBe(String(p.child.pid));
    const r = client(port);
    expect(await r.call('CONFIG', 'GET', 'maxmemory')).toEqual(['maxmemory', '2097152']);
    expect(await r.call('CONFIG', 'GET', 'hz')).toEqual(['hz', '20']);
    expect((await r.call('INFO', 'server')) as string).toContain(`config_file:${file}`);
    await r.call('CONFIG', 'SET', 'maxmemory', '3mb', 'timeout', '60', 'maxmemory-policy', 'volatile-lru');
    expect(await r.call('CONFIG', 'REWRITE')).toBe('OK');
    r.disconnect();
    const lines = readFileSync(file, 'utf8').split('\n');
    // As in Redis, a bind line with the default addresses goes away (its empty line merges).
    expect(lines.slice(0, 6)).toEqual(['# memorykv', `port ${port}`, '', '# limits', 'maxmemory 3mb', 'timeout 60']);
    expect(lines).toContain('hz 20');
    expect(lines).toContain('maxmemory-policy volatile-lru');
    expect(lines).toContain('save ""');
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(0);
    expect(existsSync(pidfile)).toBe(false);

    // The rewritten file starts the same server again.
    const q = run([file]);
    await waitFor(q, 'Ready to accept connections');
    const r2 = client(port);
    expect(await r2.call('CONFIG', 'GET', 'maxmemory', 'timeout')).toEqual(expect.arrayContaining(['maxmemory', '3145728', 'timeout', '60']));
    // SHUTDOWN ends the process.
    await r2.call('SHUTDOWN', 'NOSAVE').catch(() => {});
    r2.disconnect();
    expect(await q.exited).toBe(0);
  });

  it('an unknown option, a bad value or a bad config line: Redis\'s report on stderr, exit status 1', async () => {
    const p = run(['--port', '0', '--no-such-option', 'x']);
    expect(await p.exited).toBe(1);
    expect(p.err()).toBe(
      "\n*** FATAL CONFIG FILE ERROR (Redis 7.2.4) ***\nReading the configuration file, at line 3\n>>> 'no-such-option \"x\"'\nBad directive or wrong number of arguments\n",
    );
    const q = run(['--maxmemory', 'lots']);
    expect(await q.exited).toBe(1);
    expect(q.err()).toContain(">>> 'maxmemory \"lots\"'\nargument must be a memory value\n");
    const file = join(tmp, 'bad.conf');
    writeFileSync(file, 'port 0\nappendonly maybe\n');
    const s = run([file]);
    expect(await s.exited).toBe(1);
    expect(s.err()).toContain("at line 2\n>>> 'appendonly maybe'\nargument must be 'yes' or 'no'\n");
  });

  it('a port already in use: exit status 1', async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    try {
      const p = run(['--port', String(port)]);
      expect(await p.exited).toBe(1);
      expect(p.out()).toContain(`Failed listening on port ${port} (tcp), aborting.`);
    } finally {
      srv.close();
    }
  });

  it('logfile and --version', async () => {
    const port = await freePort();
    const log = join(tmp, 'server.log');
    const p = run(['--port', String(port), '--logfile', log]);
    const end = Date.now() + 30_000;
    while (!(existsSync(log) && readFileSync(log, 'utf8').includes('Ready to accept connections'))) {
      if (Date.now() > end) throw new Error('no log');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(p.out()).toBe('');
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(readFileSync(log, 'utf8')).toContain('bye bye');
    const v = run(['--version']);
    expect(await v.exited).toBe(0);
    expect(v.out()).toMatch(/^memorykv server v=0\.1\.0 redis=7\.2\.4/);
  });
});
