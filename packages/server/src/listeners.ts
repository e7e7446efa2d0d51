/**
 * The listening side of the server, as redis-server 7.2's connection listeners: plain TCP on
 * `port` and TLS on `tls-port` (both on every `bind` address), and a Unix socket on
 * `unixsocket`. CONFIG SET of port, bind, tls-port and the tls-* parameters re-listens or
 * reconfigures TLS at once (config.c updatePort / applyBind / applyTLSPort / applyTlsCfg);
 * existing connections are kept, as in Redis.
 *
 * Every listener is a `net.Server` with `pauseOnConnect`; plain TCP and Unix connections go to
 * the server's accept() (which re-owns their handle with `onread`), TLS ones are handed to a
 * `tls.Server` that never listens and only does the handshakes (`emit('connection')`), so the
 * TLS context can be swapped for new connections (`setSecureContext`) without touching the
 * listening sockets.
 */
import net from 'node:net';
import tls from 'node:tls';
import os from 'node:os';
import { constants } from 'node:crypto';
import { chmodSync, readFileSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { getSystemErrorName } from 'node:util';
import type { MemorykvServer } from './server.ts';
import { PARAM_BY_NAME, readSetting } from './settings.ts';

/** How a listener hands over an accepted connection (plain TCP and Unix: still paused). */
export interface ListenerHooks {
  /** `unixPath`: the socket file of a Unix connection, null for TCP. */
  accept(raw: net.Socket, unixPath: string | null): void;
  /**
   * A connection accepted straight from the listener's handle (see acceptHandles): the hooks
   * build its one net.Socket.
   */
  acceptHandle(handle: object, listener: net.Server, unixPath: string | null): void;
  /** A TLS connection whose handshake succeeded. */
  acceptTls(socket: tls.TLSSocket): void;
  /** Whether one more connection may be taken (maxclients). */
  full(): boolean;
}

/** libuv's UV_TCP_IPV6ONLY, for net.Server's internal _listen2. */
const UV_TCP_IPV6ONLY = 1;

/** The tls-* parameters whose change reconfigures TLS (config.c applyTlsCfg). */
const TLS_CFG_PARAMS = [
  'tls-session-cache-size',
  'tls-session-cache-timeout',
  'tls-cluster',
  'tls-replication',
  'tls-prefer-server-ciphers',
  'tls-session-caching',
  'tls-cert-file',
  'tls-key-file',
  'tls-key-file-pass',
  'tls-client-cert-file',
  'tls-client-key-file',
  'tls-client-key-file-pass',
  'tls-dh-params-file',
  'tls-ca-cert-file',
  'tls-ca-cert-dir',
  'tls-protocols',
  'tls-ciphers',
  'tls-ciphersuites',
];

type ApplyGroup = 'port' | 'bind' | 'tls-port' | 'tls';

const APPLY_GROUP: ReadonlyMap<string, ApplyGroup> = new Map<string, ApplyGroup>([
  ['port', 'port'],
  ['bind', 'bind'],
  ['tls-port', 'tls-port'],
  ...TLS_CFG_PARAMS.map((n) => [n, 'tls'] as [string, ApplyGroup]),
]);

/** A TLS configuration failure: what Redis logs (the reply only says "Check server logs"). */
class TlsConfigError extends Error {}

export class Listeners {
  private tcp: net.Server[] = [];
  private tls: net.Server[] = [];
  private unix: net.Server | null = null;
  /** The addresses each kind is bound to, as INFO's listener lines print them. */
  private tcpBound: string[] = [];
  private tlsBound: string[] = [];
  /** Port of the TCP listener (0: none) and of the TLS one. */
  private tcpPort = 0;
  private tlsPort = 0;
  /** Does the TLS handshakes; null until TLS is configured. */
  private tlsEngine: tls.Server | null = null;
  private readonly sessions = new Map<string, Buffer>();
  /** The TCP sockets under TLS connections, handshakes included (destroyed with the server). */
  private readonly tlsRaw = new Set<net.Socket>();
  private started = false;

  constructor(
    private readonly server: MemorykvServer,
    private readonly hooks: ListenerHooks,
  ) {}

  private setting(name: string): string {
    return readSetting(this.server.settings, PARAM_BY_NAME.get(name)!);
  }

  // ---------------------------------------------------------------------------------------------
  // Start and stop

  /**
   * Starts every configured listener (server.c initListeners): TCP unless `port` is 0, the
   * Unix socket, TLS on `tls-port`. In-process, `port: 0` with neither TLS nor a Unix socket
   * means any free port (what tests and embedders want); redis-server would listen nowhere.
   * Resolves with the TCP port (0 without TCP).
   */
  async start(): Promise<number> {
    try {
      return await this.startAll();
    } catch (e) {
      // Nothing stays half-open when the server cannot start.
      await this.close(false);
      throw e;
    }
  }

  private async startAll(): Promise<number> {
    const s = this.server.settings;
    const tlsPort = Number(this.setting('tls-port'));
    const unixPath = this.setting('unixsocket');
    const anyPort = s.port === 0 && tlsPort === 0 && unixPath === '';
    if (s.port !== 0 || anyPort) {
      const port = await this.startTcp('tcp', s.port);
      s.port = port;
    }
    if (unixPath !== '') await this.startUnix(unixPath);
    if (tlsPort !== 0 || this.setting('tls-replication') === 'yes' || this.setting('tls-cluster') === 'yes') {
      try {
        this.configureTls(true);
      } catch (e) {
        this.server.log('warning', (e as Error).message);
        throw new Error('Failed to configure TLS. Check logs for more info.');
      }
    }
    if (tlsPort !== 0) await this.startTcp('tls', tlsPort);
    if (this.tcp.length + this.tls.length + (this.unix ? 1 : 0) === 0) {
      throw new Error('Configured to not listen anywhere, exiting.');
    }
    this.started = true;
    // As Redis: listening already (clients get -LOADING meanwhile), "ready" once the data is loaded.
    this.server.ready.then(
      () => {
        if (this.tcp.length > 0) this.server.log('notice', 'Ready to accept connections tcp');
        if (this.unix !== null) this.server.log('notice', 'Ready to accept connections unix');
        if (this.tls.length > 0) this.server.log('notice', 'Ready to accept connections tls');
      },
      () => {},
    );
    return this.tcpPort;
  }

  /** Listens on every bind address; with port 0 the first address picks the port for all. */
  private async startTcp(kind: 'tcp' | 'tls', port: number): Promise<number> {
    const failures: Promise<Error>[] = [];
    const ok = this.listenAll(kind, port, (srv) => failures.push(new Promise((resolve) => srv.once('error', resolve))));
    if (!ok) {
      // The bind errors arrive on the next tick: wait for them so the log says why.
      await Promise.all(failures);
      throw new Error(`Failed listening on port ${port} (${kind}), aborting.`);
    }
    // Host names are resolved asynchronously: wait until every listener is up.
    const servers = kind === 'tcp' ? this.tcp : this.tls;
    await Promise.all(
      servers.map(
        (srv) =>
          new Promise<void>((resolve, reject) => {
            if (srv.listening) return resolve();
            srv.once('listening', resolve);
            srv.once('error', reject);
          }),
      ),
    );
    return kind === 'tcp' ? this.tcpPort : this.tlsPort;
  }

  private async startUnix(path: string): Promise<void> {
    const file = Buffer.from(path, 'latin1').toString();
    // A stale socket file (a crashed server's) would make listen fail: Redis unlinks it.
    try {
      unlinkSync(file);
    } catch {
      // none
    }
    const srv = net.createServer({ pauseOnConnect: true }, (raw) => this.onUnix(raw, path));
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen({ path: file, backlog: this.backlog() }, () => {
        srv.off('error', reject);
        // A failed accept (EMFILE) is logged and the listener carries on, as on TCP.
        srv.on('error', (e) => this.server.log('warning', `Listener ${path} failed: ${e.message}`));
        acceptHandles(srv, (handle) => this.hooks.acceptHandle(handle, srv, path));
        resolve();
      });
    }).catch((e: NodeJS.ErrnoException) => {
      // Redis exits right there (connUnixListen).
      throw new Error(`Failed opening Unix socket: ${bindError(e)}`);
    });
    const perm = parseInt(this.setting('unixsocketperm'), 8);
    if (perm) chmodSync(file, perm);
    this.unix = srv;
  }

  /**
   * Stops every listener (the clients stay). `unlinkUnix`: remove the socket file, as a
   * shutdown does (closeListeningSockets).
   */
  async close(unlinkUnix = true): Promise<void> {
    const servers = [...this.tcp, ...this.tls];
    if (this.unix !== null) servers.push(this.unix);
    this.tcp = [];
    this.tls = [];
    this.tcpBound = [];
    this.tlsBound = [];
    for (const s of this.tlsRaw) s.destroy();
    this.tlsRaw.clear();
    await Promise.all(servers.map((l) => new Promise<void>((r) => l.close(() => r()))));
    if (this.unix !== null) {
      this.unix = null;
      const path = this.setting('unixsocket');
      if (unlinkUnix && this.started) {
        this.server.log('notice', 'Removing the unix socket file.');
        try {
          // Node usually removed it as the listener closed; Redis unlinks the path regardless.
          unlinkSync(Buffer.from(path, 'latin1').toString());
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
            this.server.log('warning', `Error removing the unix socket file: ${(e as Error).message}`);
          }
        }
      }
    }
    this.started = false;
  }

  /** INFO's listener lines (connection.c getListensInfoString): tcp 0, unix 1, tls 2. */
  info(): string[] {
    const lines: string[] = [];
    if (this.tcp.length > 0) lines.push(`listener0:name=tcp${this.tcpBound.map((b) => `,bind=${b}`).join('')},port=${this.tcpPort}`);
    if (this.unix !== null) lines.push(`listener1:name=unix,bind=${this.setting('unixsocket')}`);
    if (this.tls.length > 0) lines.push(`listener2:name=tls${this.tlsBound.map((b) => `,bind=${b}`).join('')},port=${this.tlsPort}`);
    return lines;
  }

  // ---------------------------------------------------------------------------------------------
  // Binding

  private backlog(): number {
    const v = Number(this.setting('tcp-backlog'));
    return v > 0 ? v : 511;
  }

  /**
   * Binds `port` on every bind address for one kind of listener (server.c listenToPort),
   * synchronously so that CONFIG SET can answer whether it worked. Replaces that kind's
   * listeners only on success, and says whether it succeeded.
   * `watch` sees every server whose bind failed (its 'error' event says why, a tick later).
   */
  private listenAll(kind: 'tcp' | 'tls', port: number, watch?: (srv: net.Server) => void): boolean {
    const made: net.Server[] = [];
    const bound: string[] = [];
    let chosen = port;
    for (const entry of this.server.settings.bind) {
      const optional = entry.startsWith('-');
      const addr = optional ? entry.slice(1) : entry;
      const srv = net.createServer({ noDelay: true, pauseOnConnect: true }, (raw) =>
        kind === 'tcp' ? this.onTcp(raw) : this.onTlsConnection(raw),
      );
      const where = `${addr}:${chosen}`;
      const ok = listenNow(srv, addr, chosen, this.backlog());
      if (ok) {
        if (kind === 'tcp') acceptHandles(srv, (handle) => this.hooks.acceptHandle(handle, srv, null));
        if (chosen === 0 && srv.address() !== null) chosen = (srv.address() as net.AddressInfo).port;
        srv.on('error', (e) => this.server.log('warning', `Listener ${where} failed: ${e.message}`));
        made.push(srv);
        bound.push(entry);
        continue;
      }
      srv.once('error', (e: NodeJS.ErrnoException) => {
        this.server.log('warning', `Warning: Could not create server TCP listening socket ${where}: ${bindError(e)}`);
      });
      watch?.(srv);
      // Redis goes on without an optional ('-') address that is not on this host, and without
      // an address family the host does not have.
      if ((optional && !isLocalAddress(addr)) || !familySupported(addr)) continue;
      for (const m of made) m.close();
      return false;
    }
    this.closeKind(kind);
    if (kind === 'tcp') {
      this.tcp = made;
      this.tcpBound = bound;
      this.tcpPort = made.length > 0 ? chosen : 0;
    } else {
      this.tls = made;
      this.tlsBound = bound;
      this.tlsPort = made.length > 0 ? chosen : 0;
    }
    return true;
  }

  /** changeListener: close the kind's listeners, then listen again unless its port is 0. */
  private changeListener(kind: 'tcp' | 'tls', port: number): boolean {
    this.closeKind(kind);
    return port === 0 || this.listenAll(kind, port);
  }

  /** closeListener: stops accepting on one kind (its connections stay). */
  private closeKind(kind: 'tcp' | 'tls'): void {
    for (const o of kind === 'tcp' ? this.tcp : this.tls) o.close();
    if (kind === 'tcp') {
      this.tcp = [];
      this.tcpBound = [];
      this.tcpPort = 0;
    } else {
      this.tls = [];
      this.tlsBound = [];
      this.tlsPort = 0;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Accepting

  private onTcp(raw: net.Socket): void {
    this.hooks.accept(raw, null);
  }

  private onUnix(raw: net.Socket, path: string): void {
    this.hooks.accept(raw, path);
  }

  /**
   * A TLS connection: admission (maxclients) before any handshake, as acceptCommonHandler
   * (nothing is written: there is no TLS session to write it in), then the handshake with the
   * client-certificate policy of this moment (tls-auth-clients is read per connection).
   */
  private onTlsConnection(raw: net.Socket): void {
    const engine = this.tlsEngine;
    if (engine === null || this.hooks.full()) {
      raw.destroy();
      return;
    }
    const auth = this.setting('tls-auth-clients');
    // yes: a certificate is required and must verify (the handshake fails without one);
    // optional: verified when presented (checked in onSecure).
    const e = engine as tls.Server & { requestCert: boolean; rejectUnauthorized: boolean };
    e.requestCert = auth !== 'no';
    e.rejectUnauthorized = auth === 'yes';
    this.tlsRaw.add(raw);
    raw.once('close', () => this.tlsRaw.delete(raw));
    raw.on('error', () => {});
    engine.emit('connection', raw);
  }

  private onSecure(socket: tls.TLSSocket): void {
    if (!socket.authorized && this.setting('tls-auth-clients') === 'optional') {
      const cert = socket.getPeerCertificate();
      if (cert !== null && Object.keys(cert).length > 0) {
        this.server.log(
          'warning',
          `Error accepting a client connection: error:0A000086:SSL routines::certificate verify failed (addr=${peer(socket)} laddr=${sockname(socket)})`,
        );
        socket.destroy();
        return;
      }
    }
    this.hooks.acceptTls(socket);
  }

  // ---------------------------------------------------------------------------------------------
  // TLS configuration (tls.c tlsConfigure)

  /** Whether TLS must be configured (tls-port, tls-replication or tls-cluster). */
  private tlsWanted(): boolean {
    return Number(this.setting('tls-port')) !== 0 || this.setting('tls-replication') === 'yes' || this.setting('tls-cluster') === 'yes';
  }

  /**
   * Builds the TLS context from the tls-* parameters and installs it for new connections;
   * on failure the current one stays (throws TlsConfigError with what Redis logs). With
   * `reconfigure` false an existing context is kept as is.
   */
  configureTls(reconfigure: boolean): void {
    if (!reconfigure && this.tlsEngine !== null) return;
    const opts = this.tlsOptions();
    try {
      tls.createSecureContext(opts);
    } catch (e) {
      throw new TlsConfigError(describeTlsError(e));
    }
    if (this.tlsEngine === null) {
      const engine = tls.createServer(opts);
      engine.on('secureConnection', (s: tls.TLSSocket) => this.onSecure(s));
      engine.on('tlsClientError', (e: Error, s: tls.TLSSocket) => {
        this.server.log('warning', `Error accepting a client connection: ${opensslError(e)} (addr=${peer(s)} laddr=${sockname(s)})`);
      });
      // tls-session-caching: session ids kept here, at most tls-session-cache-size of them
      // (OpenSSL's timeout, tls-session-cache-timeout, is the context's sessionTimeout).
      engine.on('newSession', (id: Buffer, data: Buffer, done: () => void) => {
        if (this.setting('tls-session-caching') === 'yes') {
          // 0: no limit, as SSL_CTX_sess_set_cache_size.
          const max = Number(this.setting('tls-session-cache-size')) || Infinity;
          this.sessions.set(id.toString('hex'), data);
          for (const k of this.sessions.keys()) {
            if (this.sessions.size <= max) break;
            this.sessions.delete(k);
          }
        }
        done();
      });
      engine.on('resumeSession', (id: Buffer, done: (err: Error | null, data: Buffer | null) => void) => {
        const data = this.setting('tls-session-caching') === 'yes' ? this.sessions.get(id.toString('hex')) : undefined;
        done(null, data ?? null);
      });
      this.tlsEngine = engine;
    } else {
      this.sessions.clear();
      this.tlsEngine.setSecureContext(opts);
    }
  }

  /** The secure context options of the tls-* parameters (throws TlsConfigError). */
  private tlsOptions(): tls.SecureContextOptions & tls.TlsOptions {
    const file = (name: string) => Buffer.from(this.setting(name), 'latin1').toString();
    const certFile = file('tls-cert-file');
    const keyFile = file('tls-key-file');
    if (certFile === '') throw new TlsConfigError('No tls-cert-file configured!');
    if (keyFile === '') throw new TlsConfigError('No tls-key-file configured!');
    const caFile = file('tls-ca-cert-file');
    const caDir = file('tls-ca-cert-dir');
    const needCa =
      this.setting('tls-auth-clients') !== 'no' || this.setting('tls-cluster') === 'yes' || this.setting('tls-replication') === 'yes';
    if (needCa && caFile === '' && caDir === '') {
      throw new TlsConfigError(
        'Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!',
      );
    }
    const protocols = parseProtocols(this.setting('tls-protocols'));
    const read = (path: string, what: string): Buffer => {
      try {
        return readFileSync(path);
      } catch (e) {
        throw new TlsConfigError(`${what}: ${path}: ${(e as Error).message}`);
      }
    };
    const opts: tls.SecureContextOptions & tls.TlsOptions = {
      cert: read(certFile, 'Failed to load certificate'),
      key: read(keyFile, 'Failed to load private key'),
      minVersion: protocols.min,
      maxVersion: protocols.max,
      secureOptions: protocols.secureOptions,
      honorCipherOrder: this.setting('tls-prefer-server-ciphers') === 'yes',
      sessionTimeout: Number(this.setting('tls-session-cache-timeout')),
      ciphers: cipherString(this.setting('tls-ciphers'), this.setting('tls-ciphersuites')),
    };
    const pass = this.setting('tls-key-file-pass');
    if (pass !== '') opts.passphrase = Buffer.from(pass, 'latin1').toString();
    const ca: Buffer[] = [];
    if (caFile !== '') ca.push(read(caFile, 'Failed to configure CA certificate(s) file/directory'));
    if (caDir !== '') ca.push(...readCaDir(caDir));
    if (ca.length > 0) opts.ca = ca;
    const dh = file('tls-dh-params-file');
    if (dh !== '') opts.dhparam = read(dh, 'Failed to load');
    return opts;
  }

  // ---------------------------------------------------------------------------------------------
  // CONFIG SET

  /**
   * Takes over the CONFIG parameters that move listeners (port, bind, tls-port, tls-*): their
   * table Params (config.ts) keep reading and storing where the value lives, and gain the apply
   * function of their group, which CONFIG SET runs once all of its values are stored (so
   * tls-cert-file and tls-key-file given together are checked together), as Redis does.
   */
  installParams(): void {
    const applies = new Map<ApplyGroup, () => string | null>();
    for (const [name, group] of APPLY_GROUP) {
      const p = this.server.params.get(name);
      if (p === undefined || !PARAM_BY_NAME.has(name)) continue;
      let apply = applies.get(group);
      if (apply === undefined) applies.set(group, (apply = () => (this.started ? this.applyGroup(group) : null)));
      p.apply = apply;
    }
  }

  private applyGroup(g: ApplyGroup): string | null {
    const s = this.server.settings;
    const tlsPort = Number(this.setting('tls-port'));
    switch (g) {
      case 'port':
        return this.changeListener('tcp', s.port) ? null : 'Unable to listen on this port. Check server logs.';
      case 'bind':
        if (!this.changeListener('tcp', s.port)) {
          this.closeKind('tls');
          return 'Failed to bind to specified addresses.';
        }
        if (tlsPort !== 0 && !this.changeListener('tls', tlsPort)) {
          this.closeKind('tcp');
          return 'Failed to bind to specified addresses.';
        }
        return null;
      case 'tls-port':
        try {
          this.configureTls(false);
        } catch (e) {
          this.server.log('warning', (e as Error).message);
          return 'Unable to update TLS configuration. Check server logs.';
        }
        return this.changeListener('tls', tlsPort) ? null : 'Unable to listen on this port. Check server logs.';
      case 'tls':
        if (!this.tlsWanted()) return null;
        try {
          this.configureTls(true);
        } catch (e) {
          this.server.log('warning', (e as Error).message);
          return 'Unable to update TLS configuration. Check server logs.';
        }
        return null;
    }
  }
}

// -----------------------------------------------------------------------------------------------
// Helpers

/**
 * Binds and listens at once. net.Server.listen() resolves even an IP literal asynchronously;
 * its internal `_listen2` (what listen() calls after the lookup) binds synchronously, which
 * CONFIG SET needs to answer. The reason of a failure arrives as the 'error' event.
 * Host names (and a Node without `_listen2`) take the public, asynchronous path.
 */
function listenNow(srv: net.Server, addr: string, port: number, backlog: number): boolean {
  let ip = addr;
  let ipv6Only = false;
  if (addr === '*') ip = '0.0.0.0';
  else if (addr === '::*') ip = '::';
  else if (addr === 'localhost') ip = '127.0.0.1';
  const family = net.isIP(ip);
  if (family === 6) ipv6Only = true;
  const internal = srv as unknown as {
    _listen2?: (address: string, port: number, addressType: number, backlog: number, fd?: number, flags?: number) => void;
  };
  if (family === 0 || typeof internal._listen2 !== 'function') {
    srv.listen({ host: addr, port, backlog, ipv6Only });
    return true;
  }
  internal._listen2(ip, port, family, backlog, undefined, ipv6Only ? UV_TCP_IPV6ONLY : 0);
  return srv.listening;
}

/** The listening handle under a net.Server (Node internals). */
interface ListenHandle {
  onconnection?: (status: number, handle: object | undefined) => void;
}

/**
 * Takes a listener's connections from its handle. Node's own onconnection builds a paused
 * net.Socket per connection, which the server then had to replace at once by one that reads
 * with `onread` (server.ts): two Socket constructions per connection, about a third of the
 * JavaScript an accepted connection cost. Where the handle is not there as expected (another
 * Node), Node's path stays and the server adopts the socket it builds.
 */
function acceptHandles(srv: net.Server, onHandle: (handle: object) => void): void {
  const handle = (srv as unknown as { _handle: ListenHandle | null })._handle;
  if (handle == null || typeof handle.onconnection !== 'function') return;
  handle.onconnection = (status, client) => {
    if (status < 0 || client === undefined) {
      // As Node's own handler reports it: "accept EMFILE", code EMFILE.
      const code = status < 0 ? getSystemErrorName(status) : 'EINVAL';
      srv.emit('error', Object.assign(new Error(`accept ${code}`), { errno: status, code, syscall: 'accept' }));
      return;
    }
    onHandle(client);
  };
}

function bindError(e: NodeJS.ErrnoException): string {
  const text: Record<string, string> = {
    EADDRINUSE: 'Address already in use',
    EADDRNOTAVAIL: 'Cannot assign requested address',
    EACCES: 'Permission denied',
    EAFNOSUPPORT: 'Address family not supported by protocol',
    ENOENT: 'No such file or directory',
    ENOTDIR: 'Not a directory',
    ENAMETOOLONG: 'File name too long',
  };
  return `bind: ${text[e.code ?? ''] ?? e.message}`;
}

/** Whether an address is one of this host's (or a wildcard): binding it can work. */
function isLocalAddress(addr: string): boolean {
  if (addr === '*' || addr === '::*' || addr === '0.0.0.0' || addr === '::') return familySupported(addr);
  if (net.isIP(addr) === 0) return true;
  for (const list of Object.values(os.networkInterfaces())) {
    for (const i of list ?? []) if (i.address === addr) return true;
  }
  return false;
}

/** Whether the host has the address family of an address (an IPv6 bind on an IPv4-only host). */
function familySupported(addr: string): boolean {
  if (!addr.includes(':')) return true;
  for (const list of Object.values(os.networkInterfaces())) {
    for (const i of list ?? []) if (i.family === 'IPv6') return true;
  }
  return false;
}

const PROTOCOLS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;

/**
 * tls-protocols (tls.c parseProtocolsConfig): a space-separated set of versions, TLSv1.2 and
 * TLSv1.3 when empty. Node takes a range; versions missing inside it are turned off.
 */
function parseProtocols(text: string): { min: tls.SecureVersion; max: tls.SecureVersion; secureOptions: number } {
  const on = new Set<number>();
  if (text === '') {
    on.add(2);
    on.add(3);
  } else {
    for (const t of text.split(' ')) {
      const i = PROTOCOLS.findIndex((p) => p.toLowerCase() === t.toLowerCase());
      if (i < 0) throw new TlsConfigError("Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.");
      on.add(i);
    }
  }
  const list = [...on].sort();
  const min = list[0]!;
  const max = list[list.length - 1]!;
  let secureOptions = 0;
  const k = constants;
  const flags = [k.SSL_OP_NO_TLSv1, k.SSL_OP_NO_TLSv1_1, k.SSL_OP_NO_TLSv1_2, k.SSL_OP_NO_TLSv1_3];
  for (let i = min; i <= max; i++) if (!on.has(i)) secureOptions |= flags[i]!;
  return { min: PROTOCOLS[min]!, max: PROTOCOLS[max]!, secureOptions };
}

/**
 * tls-ciphers (TLSv1.2 and below) and tls-ciphersuites (TLSv1.3) as Node's one cipher string,
 * where names starting with TLS_ are TLSv1.3 suites. Each part left empty keeps Node's default.
 */
function cipherString(ciphers: string, suites: string): string {
  const defaults = tls.DEFAULT_CIPHERS.split(':');
  const def13 = defaults.filter((c) => c.startsWith('TLS_'));
  const def12 = defaults.filter((c) => !c.startsWith('TLS_'));
  let s13 = def13;
  if (suites !== '') {
    s13 = suites.split(':').filter((c) => c !== '');
    if (s13.length === 0 || s13.some((c) => !c.startsWith('TLS_'))) throw new TlsConfigError(`Failed to configure ciphersuites: ${suites}`);
  }
  let s12 = def12;
  if (ciphers !== '') {
    s12 = ciphers.split(':').filter((c) => c !== '');
    if (s12.some((c) => c.startsWith('TLS_'))) throw new TlsConfigError(`Failed to configure ciphers: ${ciphers}`);
  }
  return [...s13, ...s12].join(':');
}

/** The certificates of a CA directory (OpenSSL's hashed-name directory, or any PEM files). */
function readCaDir(dir: string): Buffer[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new TlsConfigError(`Failed to configure CA certificate(s) file/directory: ${(e as Error).message}`);
  }
  const out: Buffer[] = [];
  for (const n of names.sort()) {
    const p = join(dir, n);
    try {
      if (!statSync(p).isFile()) continue;
      const b = readFileSync(p);
      if (b.includes('-----BEGIN CERTIFICATE-----')) out.push(b);
    } catch {
      // unreadable entries are skipped, as OpenSSL's lookup does
    }
  }
  return out;
}

/** What Redis would log for a context Node refused to build. */
function describeTlsError(e: unknown): string {
  const msg = (e as Error).message;
  if (/cipher/i.test(msg)) return `Failed to configure ciphers: ${msg}`;
  if (/dh/i.test(msg)) return `Failed to load DH params file: ${msg}`;
  if (/key|bad decrypt|passphrase/i.test(msg)) return `Failed to load private key: ${msg}`;
  return `Failed to load certificate: ${msg}`;
}

/** An OpenSSL error as ERR_error_string_n prints it in OpenSSL 3 (no function name). */
function opensslError(e: Error): string {
  const m = /error:([0-9A-F]+):([^:]*):[^:]*:([^:]*)/.exec(e.message);
  return m ? `error:${m[1]}:${m[2]}::${m[3]}` : e.message;
}

function peer(s: net.Socket): string {
  return `${s.remoteAddress ?? ''}:${s.remotePort ?? 0}`;
}

function sockname(s: net.Socket): string {
  return `${s.localAddress ?? ''}:${s.localPort ?? 0}`;
}
