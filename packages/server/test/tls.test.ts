/**
 * TLS listeners as redis-server 7.2 has them (tls-port beside port, client certificates
 * required by default, tls-auth-clients optional/no, CONFIG SET of tls-* reconfiguring new
 * connections), and CONFIG SET port / bind / tls-port moving the listeners. Certificates are
 * made here: a CA, a server and a client certificate signed by it, and a second, unrelated CA.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis, type RedisOptions } from 'ioredis';
import { createClient } from 'redis';
import { generate } from 'selfsigned';
import { MemorykvServer } from '../src/server.ts';
import { freePort } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'memorykv-tls-'));
const days = (n: number) => new Date(Date.now() + n * 86_400_000);

interface Pem {
  cert: string;
  key: string;
}

async function makeCa(name: string): Promise<Pem> {
  const p = await generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: days(2),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  return { cert: p.cert, key: p.private };
}

async function makeLeaf(name: string, ca: Pem, passphrase?: string): Promise<Pem> {
  const p = await generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: days(2),
    ca: { key: ca.key, cert: ca.cert },
    passphrase,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
    ],
  });
  return { cert: p.cert, key: p.private };
}

/** Writes a PEM pair under `dir` and returns the file names. */
function files(name: string, pem: Pem): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  writeFileSync(cert, pem.cert);
  writeFileSync(key, pem.key);
  return { cert, key };
}

let ca: Pem;
let other: Pem;
let server1: Pem;
let server2: Pem;
let client1: Pem;
let stranger: Pem;
let f: Record<string, { cert: string; key: string }>;

beforeAll(async () => {
  ca = await makeCa('memorykv test CA');
  other = await makeCa('another CA');
  server1 = await makeLeaf('server one', ca);
  server2 = await makeLeaf('server two', ca);
  client1 = await makeLeaf('client', ca);
  stranger = await makeLeaf('stranger', other);
  f = {
    ca: files('ca', ca),
    other: files('other', other),
    server1: files('server1', server1),
    server2: files('server2', server2),
    client1: files('client1', client1),
  };
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A TLS connection's outcome: the server's certificate and the reply to PING, or the error. */
async function tlsPing(port: number, opts: tls.ConnectionOptions): Promise<{ reply?: string; error?: string; subject?: string }> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ...opts });
    let subject: string | undefined;
    let data = '';
    const timer = setTimeout(() => finish({ error: 'timeout' }), 10_000);
    const finish = (r: { reply?: string; error?: string }) => {
      clearTimeout(timer);
      s.destroy();
      resolve({ ...r, subject });
    };
    s.on('secureConnect', () => {
      const cn = s.getPeerCertificate().subject?.CN;
      subject = Array.isArray(cn) ? cn[0] : cn;
      s.write('PING\r\n');
    });
    s.on('data', (d) => {
      data += d.toString();
      if (data.endsWith('\r\n')) finish({ reply: data });
    });
    s.on('error', (e: NodeJS.ErrnoException) => finish({ error: e.code ?? e.message }));
    s.on('close', () => finish({ error: data || 'closed' }));
  });
}

function cli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', args, { timeout: 20_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

describe('TLS', () => {
  let server: MemorykvServer;
  let port: number;
  let tlsPort: number;
  const clients: { disconnect(): void }[] = [];

  const tlsRedis = (opts: RedisOptions = {}, tlsOpts: tls.ConnectionOptions = {}) => {
    const r = new Redis({
      host: '127.0.0.1',
      port: tlsPort,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
      enableReadyCheck: false,
      tls: { ca: ca.cert, cert: client1.cert, key: client1.key, servername: 'localhost', ...tlsOpts },
      ...opts,
    });
    r.on('error', () => {});
    clients.push(r);
    return r;
  };

  beforeAll(async () => {
    port = await freePort();
    tlsPort = await freePort();
    server = new MemorykvServer({
      port,
      bind: ['127.0.0.1'],
      loglevel: 'nothing',
      extra: {
        appendonly: 'no',
        'tls-port': String(tlsPort),
        'tls-cert-file': f.server1.cert,
        'tls-key-file': f.server1.key,
        'tls-ca-cert-file': f.ca.cert,
      },
    });
    expect(await server.listen()).toBe(port);
  });

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await server.close();
  });

  it('serves plain TCP on port and TLS on tls-port at once', async () => {
    const plain = new Redis({ host: '127.0.0.1', port, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    clients.push(plain);
    const secure = tlsRedis();
    expect(await secure.set('k', 'over tls')).toBe('OK');
    expect(await plain.get('k')).toBe('over tls');
    // CLIENT LIST: a TLS client looks like any TCP client; laddr names the TLS port.
    const me = await secure.call('CLIENT', 'INFO');
    expect(me).toMatch(new RegExp(`^id=\\d+ addr=127\\.0\\.0\\.1:\\d+ laddr=127\\.0\\.0\\.1:${tlsPort} fd=\\d+ name= .* flags=N `));
    expect(await secure.config('GET', 'tls-port')).toEqual(['tls-port', String(tlsPort)]);
    expect(server.listeners.info()).toEqual([
      `listener0:name=tcp,bind=127.0.0.1,port=${port}`,
      `listener2:name=tls,bind=127.0.0.1,port=${tlsPort}`,
    ]);
  });

  it('pipelines and large values over TLS', async () => {
    const r = tlsRedis();
    const big = 'x'.repeat(300_000);
    const p = r.pipeline();
    for (let i = 0; i < 200; i++) p.set(`p${i}`, String(i));
    p.set('big', big);
    p.get('big');
    const res = await p.exec();
    expect(res!.length).toBe(202);
    expect(res![201]![1]).toBe(big);
  });

  it('node-redis in RESP3 and redis-cli --tls', async () => {
    const c = createClient({
      socket: { host: '127.0.0.1', port: tlsPort, tls: true, ca: ca.cert, cert: client1.cert, key: client1.key, servername: 'localhost', reconnectStrategy: false },
      RESP: 3,
    });
    c.on('error', () => {});
    await c.connect();
    try {
      expect(await c.hSet('h', { a: '1' })).toBe(1);
      expect(await c.hGetAll('h')).toEqual({ a: '1' });
    } finally {
      c.destroy();
    }
    const out = await cli(['-h', '127.0.0.1', '-p', String(tlsPort), '--tls', '--cacert', f.ca.cert, '--cert', f.client1.cert, '--key', f.client1.key, 'GET', 'k']);
    expect(out).toBe('over tls\n');
  });

  it('requires a client certificate by default (tls-auth-clients yes); one from another CA is refused', async () => {
    const none = await tlsPing(tlsPort, { ca: ca.cert });
    expect(none.reply).toBeUndefined();
    const wrongCa = await tlsPing(tlsPort, { ca: ca.cert, cert: stranger.cert, key: stranger.key });
    expect(wrongCa.reply).toBeUndefined();
    const good = await tlsPing(tlsPort, { ca: ca.cert, cert: client1.cert, key: client1.key });
    expect(good.reply).toBe('+PONG\r\n');
    // A client that does not trust the server's CA gives up itself.
    const distrust = await tlsPing(tlsPort, { ca: other.cert, cert: client1.cert, key: client1.key });
    expect(distrust.reply).toBeUndefined();
    expect(distrust.error).toMatch(/CERT|SIGNATURE/);
    await expect(cli(['-h', '127.0.0.1', '-p', String(tlsPort), '--tls', '--cacert', f.ca.cert, 'PING'])).rejects.toThrow();
  });

  it('tls-auth-clients optional verifies a certificate only when one is presented; no asks for none', async () => {
    const admin = tlsRedis();
    try {
      expect(await admin.config('SET', 'tls-auth-clients', 'optional')).toBe('OK');
      expect((await tlsPing(tlsPort, { ca: ca.cert })).reply).toBe('+PONG\r\n');
      expect((await tlsPing(tlsPort, { ca: ca.cert, cert: client1.cert, key: client1.key })).reply).toBe('+PONG\r\n');
      expect((await tlsPing(tlsPort, { ca: ca.cert, cert: stranger.cert, key: stranger.key })).reply).toBeUndefined();
      expect(await admin.config('SET', 'tls-auth-clients', 'no')).toBe('OK');
      expect((await tlsPing(tlsPort, { ca: ca.cert })).reply).toBe('+PONG\r\n');
      const cliOut = await cli(['-h', '127.0.0.1', '-p', String(tlsPort), '--tls', '--cacert', f.ca.cert, 'PING']);
      expect(cliOut).toBe('PONG\n');
    } finally {
      await admin.config('SET', 'tls-auth-clients', 'yes');
    }
    expect((await tlsPing(tlsPort, { ca: ca.cert })).reply).toBeUndefined();
  });

  it('CONFIG SET of certificate files reloads the context for new connections; a bad one changes nothing', async () => {
    const admin = tlsRedis();
    const err = (p: Promise<unknown>) => p.then(() => 'OK', (e: Error) => e.message);
    expect(await err(admin.config('SET', 'tls-cert-file', join(dir, 'missing.crt')))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable to update TLS configuration. Check server logs.",
    );
    expect(await admin.config('GET', 'tls-cert-file')).toEqual(['tls-cert-file', f.server1.cert]);
    // A key that does not match the certificate.
    expect(await err(admin.config('SET', 'tls-key-file', f.server2.key))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'tls-key-file') - Unable to update TLS configuration. Check server logs.",
    );
    expect(await admin.config('GET', 'tls-key-file')).toEqual(['tls-key-file', f.server1.key]);
    expect((await tlsPing(tlsPort, { ca: ca.cert, cert: client1.cert, key: client1.key })).subject).toBe('server one');
    // Certificate and key together: applied once both are set.
    expect(await admin.call('CONFIG', 'SET', 'tls-cert-file', f.server2.cert, 'tls-key-file', f.server2.key)).toBe('OK');
    const after = await tlsPing(tlsPort, { ca: ca.cert, cert: client1.cert, key: client1.key });
    expect(after).toEqual({ reply: '+PONG\r\n', subject: 'server two' });
    // Connections made before keep working.
    expect(await admin.ping()).toBe('PONG');
    // One bad value of several: all are put back, the context too.
    expect(
      await err(admin.call('CONFIG', 'SET', 'tls-cert-file', f.server1.cert, 'tls-key-file', f.server1.key, 'tls-protocols', 'TLSv1.4')),
    ).toBe("ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable to update TLS configuration. Check server logs.");
    expect(await admin.config('GET', 'tls-cert-file')).toEqual(['tls-cert-file', f.server2.cert]);
    expect((await tlsPing(tlsPort, { ca: ca.cert, cert: client1.cert, key: client1.key })).subject).toBe('server two');
    // Without a CA, client certificates cannot be checked.
    expect(await err(admin.config('SET', 'tls-ca-cert-file', ''))).toMatch(/argument 'tls-ca-cert-file'\) - Unable to update TLS/);
    // A CA directory does as well as a CA file.
    const caDir = join(dir, 'cadir');
    mkdirSync(caDir, { recursive: true });
    writeFileSync(join(caDir, 'ca.pem'), ca.cert);
    expect(await admin.call('CONFIG', 'SET', 'tls-ca-cert-dir', caDir, 'tls-ca-cert-file', '')).toBe('OK');
    expect((await tlsPing(tlsPort, { ca: ca.cert, cert: client1.cert, key: client1.key })).reply).toBe('+PONG\r\n');
    expect(await admin.call('CONFIG', 'SET', 'tls-cert-file', f.server1.cert, 'tls-key-file', f.server1.key, 'tls-ca-cert-file', f.ca.cert, 'tls-ca-cert-dir', '')).toBe('OK');
  });

  it('tls-protocols, tls-ciphers and tls-ciphersuites', async () => {
    const admin = tlsRedis();
    const err = (p: Promise<unknown>) => p.then(() => 'OK', (e: Error) => e.message);
    const auth = { ca: ca.cert, cert: client1.cert, key: client1.key };
    try {
      expect(await err(admin.config('SET', 'tls-protocols', 'TLSv1.4'))).toBe(
        "ERR CONFIG SET failed (possibly related to argument 'tls-protocols') - Unable to update TLS configuration. Check server logs.",
      );
      expect(await admin.config('SET', 'tls-protocols', 'TLSv1.3')).toBe('OK');
      expect((await tlsPing(tlsPort, { ...auth, maxVersion: 'TLSv1.2' })).reply).toBeUndefined();
      expect((await tlsPing(tlsPort, { ...auth, minVersion: 'TLSv1.3' })).reply).toBe('+PONG\r\n');
      expect(await admin.config('SET', 'tls-protocols', 'TLSv1.2')).toBe('OK');
      expect((await tlsPing(tlsPort, { ...auth, minVersion: 'TLSv1.3' })).reply).toBeUndefined();
      expect((await tlsPing(tlsPort, { ...auth, maxVersion: 'TLSv1.2' })).reply).toBe('+PONG\r\n');
      expect(await err(admin.config('SET', 'tls-ciphers', 'BOGUS'))).toMatch(/argument 'tls-ciphers'\) - Unable to update TLS configuration/);
      expect(await err(admin.config('SET', 'tls-ciphersuites', 'BOGUS'))).toMatch(/argument 'tls-ciphersuites'\) - Unable to update TLS/);
      expect(await admin.config('SET', 'tls-ciphers', 'ECDHE-ECDSA-AES128-GCM-SHA256')).toBe('OK');
      expect((await tlsPing(tlsPort, { ...auth, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' })).reply).toBeUndefined();
      expect((await tlsPing(tlsPort, { ...auth, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' })).reply).toBe('+PONG\r\n');
    } finally {
      expect(await admin.call('CONFIG', 'SET', 'tls-protocols', '', 'tls-ciphers', '')).toBe('OK');
    }
    expect((await tlsPing(tlsPort, { ...auth, minVersion: 'TLSv1.3' })).reply).toBe('+PONG\r\n');
  });

  it('maxclients: a TLS connection over the limit is dropped before its handshake', async () => {
    const admin = new Redis({ host: '127.0.0.1', port, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    clients.push(admin);
    const auth = { ca: ca.cert, cert: client1.cert, key: client1.key };
    const connected = server.clients.size;
    try {
      expect(await admin.config('SET', 'maxclients', String(connected))).toBe('OK');
      expect((await tlsPing(tlsPort, auth)).reply).toBeUndefined();
    } finally {
      await admin.config('SET', 'maxclients', '10000');
    }
    expect((await tlsPing(tlsPort, auth)).reply).toBe('+PONG\r\n');
  });

  it('CONFIG SET tls-port moves the TLS listener; 0 closes it; a port in use is refused', async () => {
    const admin = new Redis({ host: '127.0.0.1', port, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    clients.push(admin);
    const auth = { ca: ca.cert, cert: client1.cert, key: client1.key };
    const next = await freePort();
    expect(await admin.config('SET', 'tls-port', String(next))).toBe('OK');
    expect((await tlsPing(next, auth)).reply).toBe('+PONG\r\n');
    expect((await tlsPing(tlsPort, auth)).error).toBe('ECONNREFUSED');
    const err = (p: Promise<unknown>) => p.then(() => 'OK', (e: Error) => e.message);
    expect(await err(admin.config('SET', 'tls-port', String(port)))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'tls-port') - Unable to listen on this port. Check server logs.",
    );
    // Put back: still on the previous port.
    expect(await admin.config('GET', 'tls-port')).toEqual(['tls-port', String(next)]);
    expect((await tlsPing(next, auth)).reply).toBe('+PONG\r\n');
    expect(await admin.config('SET', 'tls-port', '0')).toBe('OK');
    expect((await tlsPing(next, auth)).error).toBe('ECONNREFUSED');
    expect(await admin.config('SET', 'tls-port', String(tlsPort))).toBe('OK');
    expect((await tlsPing(tlsPort, auth)).reply).toBe('+PONG\r\n');
  });
});

describe('TLS only, key passphrase', () => {
  it('port 0 with tls-port: no TCP listener; an encrypted key opens with tls-key-file-pass', async () => {
    const locked = await makeLeaf('locked server', ca, 'sesame');
    const lf = files('locked', locked);
    const tlsPort = await freePort();
    const base = {
      port: 0,
      bind: ['127.0.0.1'],
      loglevel: 'nothing' as const,
      extra: { appendonly: 'no', 'tls-port': String(tlsPort), 'tls-cert-file': lf.cert, 'tls-key-file': lf.key, 'tls-auth-clients': 'no' },
    };
    const bad = new MemorykvServer(base);
    await expect(bad.listen()).rejects.toThrow('Failed to configure TLS. Check logs for more info.');
    await bad.close();
    const server = new MemorykvServer({ ...base, extra: { ...base.extra, 'tls-key-file-pass': 'sesame' } });
    try {
      expect(await server.listen()).toBe(0);
      expect(server.listeners.info()).toEqual([`listener2:name=tls,bind=127.0.0.1,port=${tlsPort}`]);
      const r = await tlsPing(tlsPort, { ca: ca.cert });
      expect(r).toEqual({ reply: '+PONG\r\n', subject: 'locked server' });
    } finally {
      await server.close();
    }
  });
});

describe('protected mode over TLS', () => {
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal)?.address;

  it.skipIf(external === undefined)('a non-loopback TLS peer gets DENIED, over TLS, once its handshake is done', async () => {
    const tlsPort = await freePort();
    const server = new MemorykvServer({
      port: 0,
      bind: [external!],
      loglevel: 'nothing',
      extra: { appendonly: 'no', 'tls-port': String(tlsPort), 'tls-cert-file': f.server1.cert, 'tls-key-file': f.server1.key, 'tls-auth-clients': 'no' },
    });
    try {
      expect(await server.listen()).toBe(0);
      const r = await tlsPing(tlsPort, { host: external, ca: ca.cert, checkServerIdentity: () => undefined });
      expect(r.subject).toBe('server one');
      expect(r.reply).toMatch(/^-DENIED Redis is running in protected mode because protected mode is enabled.*outside\.\r\n$/);
      expect(server.clients.size).toBe(0);
    } finally {
      await server.close();
    }
  });
});

describe('CONFIG SET port and bind', () => {
  it('moves the TCP listener, keeps connected clients, refuses a port in use', async () => {
    const server = new MemorykvServer({ port: 0, bind: ['127.0.0.1'], loglevel: 'nothing', extra: { appendonly: 'no' } });
    const port = await server.listen();
    const r = new Redis({ host: '127.0.0.1', port, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    r.on('error', () => {});
    const blocker = net.createServer();
    await new Promise<void>((res) => blocker.listen(0, '127.0.0.1', () => res()));
    const busy = (blocker.address() as net.AddressInfo).port;
    try {
      const err = (p: Promise<unknown>) => p.then(() => 'OK', (e: Error) => e.message);
      expect(await err(r.config('SET', 'port', String(busy)))).toBe(
        "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.",
      );
      expect(await r.config('GET', 'port')).toEqual(['port', String(port)]);
      const next = await freePort();
      expect(await r.config('SET', 'port', String(next))).toBe('OK');
      expect(await r.ping()).toBe('PONG');
      const moved = new Redis({ host: '127.0.0.1', port: next, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      moved.on('error', () => {});
      expect(await moved.config('GET', 'port')).toEqual(['port', String(next)]);
      moved.disconnect();
      await expect(tcpConnect(port)).rejects.toThrow('ECONNREFUSED');
      // bind: an address not on this host fails and changes nothing; a '-' one is skipped.
      expect(await err(r.config('SET', 'bind', '203.0.113.77'))).toBe(
        "ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.",
      );
      expect(await r.config('GET', 'bind')).toEqual(['bind', '127.0.0.1']);
      await tcpConnect(next);
      expect(await r.config('SET', 'bind', '127.0.0.1 -203.0.113.77')).toBe('OK');
      expect(server.listeners.info()).toEqual([`listener0:name=tcp,bind=127.0.0.1,port=${next}`]);
      await tcpConnect(next);
      // port and bind together, applied after both are set.
      const third = await freePort();
      expect(await r.call('CONFIG', 'SET', 'bind', '127.0.0.1', 'port', String(third))).toBe('OK');
      await tcpConnect(third);
      await expect(tcpConnect(next)).rejects.toThrow('ECONNREFUSED');
      // A later parameter's bad value puts the port back, and the listener with it.
      const fourth = await freePort();
      expect(await err(r.call('CONFIG', 'SET', 'port', String(fourth), 'maxmemory-policy', 'sometimes'))).toMatch(
        /^ERR CONFIG SET failed \(possibly related to argument 'maxmemory-policy'\)/,
      );
      expect(await r.config('GET', 'port')).toEqual(['port', String(third)]);
      await tcpConnect(third);
      await expect(tcpConnect(fourth)).rejects.toThrow('ECONNREFUSED');
      // Queued in a MULTI: each CONFIG SET applies on its own.
      const fifth = await freePort();
      const m = await r.multi().config('SET', 'port', String(fourth)).config('SET', 'port', String(fifth)).exec();
      expect(m).toEqual([[null, 'OK'], [null, 'OK']]);
      await tcpConnect(fifth);
      await expect(tcpConnect(fourth)).rejects.toThrow('ECONNREFUSED');
      await expect(tcpConnect(third)).rejects.toThrow('ECONNREFUSED');
    } finally {
      r.disconnect();
      blocker.close();
      await server.close();
    }
  });
});

function tcpConnect(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve();
    });
    s.on('error', (e: NodeJS.ErrnoException) => reject(new Error(e.code)));
  });
}
