/**
 * MIGRATE (cluster.c migrateCommand): moves keys to another Redis-protocol server as DUMP payloads
 * sent as RESTORE commands, over a connection cached per target (migrate_cached_sockets: 64 at
 * most, closed after 10 s unused, SELECT sent only when the target db changes).
 *
 * Redis does the network round trip synchronously, stalling the whole server for up to the
 * timeout. Here the command takes its snapshot (the payloads and TTLs) when it runs and the
 * client waits for the answer like a blocked client, so its pipelined commands keep their order
 * and other clients keep being served. Without COPY, the keys the target acknowledged are then
 * deleted here (signalled, notified, propagated as one DEL), as Redis rewrites MIGRATE as DEL;
 * a key another client changed meanwhile is left alone, as its newer value was not sent.
 *
 * Inside MULTI/EXEC or a script nothing may wait: there the exchange runs synchronously in a
 * child process (no cached connection), which stalls the server as Redis's MIGRATE does.
 */
import { later } from './later.ts';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { OK, Status, type Reply } from '../../../core/src/reply.ts';
import { NOT_INTEGER, SYNTAX, error } from '../../../core/src/errors.ts';
import type { Ctx } from '../../../core/src/commands/context.ts';
import { is } from '../../../core/src/commands/args.ts';
import { defineCommands } from '../../../core/src/commands/table.ts';
import { parseInt64 } from '../../../core/src/bytes.ts';
import { dumpPayload } from '../../../core/src/rdb/encode.ts';
import { Client } from '../client.ts';
import type { Shard } from '../../../core/src/engine/shard.ts';
import type { MemorykvServer } from '../server.ts';
import { param, redactArgument } from './introspection.ts';

const MIGRATE_SOCKET_CACHE_ITEMS = 64;
/** Seconds a cached connection may stay unused (MIGRATE_SOCKET_CACHE_TTL). */
const MIGRATE_SOCKET_CACHE_TTL = 10;
/** connSyncWrite chunks. */
const WRITE_CHUNK = 64 * 1024;

const NOKEY = new Status('NOKEY');
const KEYS_NEED_EMPTY_KEY = error('ERR When using MIGRATE KEYS option, the key argument must be set to the empty string');
const IOERR_CONNECT = error('IOERR error or timeout connecting to the client');
const IOERR_WRITE = error('IOERR error or timeout writing to target instance');
const IOERR_READ = error('IOERR error or timeout reading to target instance');

// ---------------------------------------------------------------------------------------------
// Arguments

interface MigrateArgs {
  host: string;
  port: string;
  dbid: number;
  timeout: number;
  copy: boolean;
  replace: boolean;
  username: string | null;
  password: string | null;
  /** Argument indexes of the keys. */
  firstKey: number;
  numKeys: number;
  /** RESTORE-ASKING instead of RESTORE (cluster-enabled). */
  asking: boolean;
}

/** migrateCommand's parsing, in its order: options, then timeout, then db. */
function parseArgs(ctx: Ctx): MigrateArgs {
  const argv = ctx.argv;
  let copy = false;
  let replace = false;
  let username: string | null = null;
  let password: string | null = null;
  let firstKey = 3;
  let numKeys = 1;
  for (let j = 6; j < argv.length; j++) {
    const a = argv[j]!;
    const moreargs = argv.length - 1 - j;
    if (is(a, 'copy')) copy = true;
    else if (is(a, 'replace')) replace = true;
    else if (is(a, 'auth')) {
      if (moreargs === 0) throw SYNTAX;
      password = argv[++j]!;
      redactArgument(ctx.session, j);
    } else if (is(a, 'auth2')) {
      if (moreargs < 2) throw SYNTAX;
      username = argv[++j]!;
      redactArgument(ctx.session, j);
      password = argv[++j]!;
      redactArgument(ctx.session, j);
    } else if (is(a, 'keys')) {
      if (argv[3]!.length !== 0) throw KEYS_NEED_EMPTY_KEY;
      firstKey = j + 1;
      numKeys = argv.length - j - 1;
      break;
    } else throw SYNTAX;
  }
  let timeout = parseInt64(argv[5]!);
  const dbid = parseInt64(argv[4]!);
  if (timeout !== timeout || dbid !== dbid) throw NOT_INTEGER;
  if (timeout <= 0) timeout = 1000;
  // A script's session derives from its caller's Client; the in-process API has no server.
  const server = (ctx.session as Partial<Client>).server;
  const asking = server !== undefined && param(server, 'cluster-enabled') === 'yes';
  return { host: argv[1]!, port: argv[2]!, dbid, timeout, copy, replace, username, password, firstKey, numKeys, asking };
}

/** The key positions of an argv (migrateGetKeys): `key`, or what follows KEYS. */
function migrateKeys(argv: readonly string[]): number[] {
  let first = 3;
  let num = 1;
  for (let i = 6; i < argv.length; i++) {
    const a = argv[i]!;
    if (is(a, 'keys')) {
      if (argv[3]!.length > 0) num = 0;
      else {
        first = i + 1;
        num = argv.length - first;
      }
      break;
    }
    if (is(a, 'auth')) i += 1;
    else if (is(a, 'auth2')) i += 2;
  }
  const out: number[] = [];
  for (let i = 0; i < num; i++) out.push(first + i);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The protocol

/** A key to send: its name, payload and absolute expire time (-1: none). */
interface Item {
  key: string;
  payload: string;
  expireAt: number;
}

function bulk(s: string): string {
  return `$${s.length}\r\n${s}\r\n`;
}

/** The pipeline of AUTH, SELECT and RESTOREs (the items whose TTL is still positive), as latin1. */
function buildCommands(a: MigrateArgs, select: boolean, items: Item[], now: number): { buf: string; sent: Item[] } {
  let buf = '';
  if (a.password !== null) {
    buf += a.username !== null ? `*3\r\n${bulk('AUTH')}${bulk(a.username)}` : `*2\r\n${bulk('AUTH')}`;
    buf += bulk(a.password);
  }
  if (select) buf += `*2\r\n${bulk('SELECT')}${bulk(String(a.dbid))}`;
  const sent: Item[] = [];
  for (const it of items) {
    let ttl = 0;
    if (it.expireAt !== -1) {
      ttl = it.expireAt - now;
      // Expired since the command looked it up: not sent, not deleted.
      if (ttl < 0) continue;
      if (ttl < 1) ttl = 1;
    }
    sent.push(it);
    buf += `*${a.replace ? 5 : 4}\r\n${bulk(a.asking ? 'RESTORE-ASKING' : 'RESTORE')}${bulk(it.key)}${bulk(String(ttl))}${bulk(it.payload)}`;
    if (a.replace) buf += bulk('REPLACE');
  }
  return { buf, sent };
}

/** What the target answered: the AUTH, SELECT and RESTORE reply lines, or how the exchange failed. */
interface Exchange {
  authLine: string | null;
  selectLine: string | null;
  lines: string[];
  /** 'write' or 'read' when the exchange broke (socket error or timeout), else null. */
  failed: 'write' | 'read' | null;
  timedOut: boolean;
}

/**
 * The reply: OK, the first error of the target, or IOERR; and which sent items the target took
 * (the RESTOREs it answered without an error). `retry` when nothing was answered and a fresh
 * connection may do better (the cached one was stale).
 */
function conclude(a: MigrateArgs, ex: Exchange, sent: Item[]): { reply: Reply | null; restored: Item[]; retry: boolean } {
  const restored: Item[] = [];
  let targetError: string | null = null;
  const firstErr = (l: string | null) => (l !== null && l.charCodeAt(0) === 45 /* - */ ? l : null);
  const authErr = firstErr(ex.authLine);
  const selectErr = firstErr(ex.selectLine);
  for (let j = 0; j < ex.lines.length; j++) {
    const l = ex.lines[j]!;
    const bad = authErr ?? selectErr ?? firstErr(l);
    if (bad !== null) targetError ??= bad;
    else restored.push(sent[j]!);
  }
  if (targetError !== null) return { reply: error(`ERR Target instance replied with error: ${targetError.slice(1)}`), restored, retry: false };
  if (ex.failed !== null) {
    const retry = ex.lines.length === 0 && !ex.timedOut;
    return { reply: ex.failed === 'write' ? IOERR_WRITE : IOERR_READ, restored, retry };
  }
  return { reply: null, restored, retry: false };
}

// ---------------------------------------------------------------------------------------------
// Cached connections

class MigrateConn {
  lastDbid = -1;
  /** Unix seconds of the last use (server.unixtime). */
  lastUse = Math.floor(Date.now() / 1000);
  closed = false;
  /** Received bytes not yet consumed, latin1. */
  private input = '';
  private waiter: (() => void) | null = null;

  constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.input += d.toString('latin1');
      this.wake();
    });
    const gone = () => {
      this.closed = true;
      this.wake();
    };
    socket.on('close', gone);
    socket.on('error', gone);
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** connSyncWrite: all of buf within timeout ms per chunk; false on error or timeout. */
  async write(buf: string, timeout: number): Promise<{ ok: boolean; timedOut: boolean }> {
    for (let pos = 0; pos < buf.length; pos += WRITE_CHUNK) {
      if (this.closed) return { ok: false, timedOut: false };
      const chunk = Buffer.from(buf.slice(pos, pos + WRITE_CHUNK), 'latin1');
      const r = await new Promise<'ok' | 'error' | 'timeout'>((resolve) => {
        const timer = setTimeout(() => resolve('timeout'), timeout);
        this.socket.write(chunk, (err) => {
          clearTimeout(timer);
          resolve(err ? 'error' : 'ok');
        });
      });
      if (r !== 'ok') return { ok: false, timedOut: r === 'timeout' };
    }
    return { ok: true, timedOut: false };
  }

  /** connSyncReadLine: the next line without its CRLF; null on error, close or timeout. */
  async readLine(timeout: number): Promise<{ line: string | null; timedOut: boolean }> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const nl = this.input.indexOf('\n');
      if (nl >= 0) {
        const line = this.input.slice(0, nl > 0 && this.input.charCodeAt(nl - 1) === 13 ? nl - 1 : nl);
        this.input = this.input.slice(nl + 1);
        return { line, timedOut: false };
      }
      if (this.closed) return { line: null, timedOut: false };
      const left = deadline - Date.now();
      if (left <= 0) return { line: null, timedOut: true };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.waiter = null;
          resolve();
        }, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }
}

/** The port as Redis gets it: atoi of the text, truncated to 16 bits by htons. */
function portOf(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m === null ? 0 : (Number(m[1]) | 0) & 0xffff;
}

/** getaddrinfo failures: the only connection errors Redis reports as such. */
const RESOLVE_ERRORS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA', 'EAI_ADDRFAMILY', 'EAI_FAMILY', 'EAI_SERVICE']);

/**
 * connBlockingConnect. Redis connects without blocking and waits up to the timeout for the
 * socket to become writable, then counts it connected whatever happened: a refused or timed-out
 * connection shows as a write error (IOERR ... writing), only a name that does not resolve is
 * "IOERR error or timeout connecting to the client".
 */
type Connected = { socket: net.Socket } | { fail: 'resolve' } | { fail: 'connect'; timedOut: boolean };

function connect(host: string, port: string, timeout: number): Promise<Connected> {
  return new Promise((resolve) => {
    let socket: net.Socket;
    try {
      socket = net.createConnection({ host, port: portOf(port) });
    } catch {
      resolve({ fail: 'connect', timedOut: false });
      return;
    }
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ fail: 'connect', timedOut: true });
    }, timeout);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve({ socket });
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(RESOLVE_ERRORS.has(e.code ?? '') ? { fail: 'resolve' } : { fail: 'connect', timedOut: false });
    });
  });
}

class MigrateState {
  /** "host:port" -> connection (migrate_cached_sockets). */
  readonly cache = new Map<string, MigrateConn>();
  /** Exchanges in progress per "host:port": they run one after another, as in Redis. */
  readonly queues = new Map<string, Promise<unknown>>();
  private cron: ReturnType<typeof setInterval> | null = null;
  /** Keys of MIGRATEs in flight, per db: a key changed meanwhile is not deleted afterwards. */
  readonly watched = new Map<string, Set<Flight>>();

  /** migrateGetSocket: the cached connection, or a new one (or how connecting failed). */
  async getConn(name: string, host: string, port: string, timeout: number): Promise<MigrateConn | Connected> {
    const cs = this.cache.get(name);
    if (cs !== undefined && !cs.closed) {
      cs.lastUse = Math.floor(Date.now() / 1000);
      return cs;
    }
    if (cs !== undefined) this.cache.delete(name);
    if (this.cache.size >= MIGRATE_SOCKET_CACHE_ITEMS) {
      // Too many: drop one (Redis picks one at random), not one another MIGRATE is using.
      for (const victim of this.cache.keys()) {
        if (this.queues.has(victim)) continue;
        this.closeConn(victim);
        break;
      }
    }
    const c = await connect(host, port, timeout);
    if (!('socket' in c)) return c;
    const socket = c.socket;
    const conn = new MigrateConn(socket);
    // Only an idle connection could be dropped: a cached one never keeps the process alive.
    socket.unref();
    this.cache.set(name, conn);
    this.startCron();
    return conn;
  }

  closeConn(name: string): void {
    const cs = this.cache.get(name);
    if (cs === undefined) return;
    cs.close();
    this.cache.delete(name);
  }

  /** migrateCloseTimedoutSockets, once a second (serverCron) while any connection is cached. */
  private startCron(): void {
    if (this.cron !== null) return;
    this.cron = setInterval(() => {
      const now = Math.floor(Date.now() / 1000);
      for (const [name, cs] of this.cache) {
        if (cs.closed || (!this.queues.has(name) && now - cs.lastUse > MIGRATE_SOCKET_CACHE_TTL)) this.closeConn(name);
      }
      if (this.cache.size === 0) this.stopCron();
    }, 1000);
    this.cron.unref?.();
  }

  private stopCron(): void {
    if (this.cron !== null) clearInterval(this.cron);
    this.cron = null;
  }

  closeAll(): void {
    for (const name of [...this.cache.keys()]) this.closeConn(name);
    this.stopCron();
  }
}

/** One MIGRATE waiting for its target. */
interface Flight {
  db: number;
  /** Keys changed here since the payloads were taken. */
  touched: Set<string>;
}

const STATE = 'migrate';

function stateOf(server: MemorykvServer): MigrateState {
  return server.state.get(STATE) as MigrateState;
}

/** One try of the exchange over the cached connection (connection errors close it). */
async function exchange(st: MigrateState, a: MigrateArgs, items: Item[], clock: () => number): Promise<{ reply: Reply | null; restored: Item[]; retry: boolean }> {
  const name = `${a.host}:${a.port}`;
  const cs = await st.getConn(name, a.host, a.port, a.timeout);
  if (!(cs instanceof MigrateConn)) {
    if ('socket' in cs || cs.fail === 'resolve') return { reply: IOERR_CONNECT, restored: [], retry: false };
    // Not connected: the write fails (a timed-out connect is not tried again).
    return { reply: IOERR_WRITE, restored: [], retry: !cs.timedOut };
  }
  const select = cs.lastDbid !== a.dbid;
  const { buf, sent } = buildCommands(a, select, items, clock());
  const ex: Exchange = { authLine: null, selectLine: null, lines: [], failed: null, timedOut: false };
  const w = await cs.write(buf, a.timeout);
  if (!w.ok) {
    ex.failed = 'write';
    ex.timedOut = w.timedOut;
  } else {
    const read = async (): Promise<string | null> => {
      const r = await cs.readLine(a.timeout);
      if (r.line === null) {
        ex.failed = 'read';
        ex.timedOut = r.timedOut;
      }
      return r.line;
    };
    if (a.password !== null) ex.authLine = await read();
    if (ex.failed === null && select) ex.selectLine = await read();
    for (let j = 0; ex.failed === null && j < sent.length; j++) {
      const l = await read();
      if (l !== null) ex.lines.push(l);
    }
  }
  const out = conclude(a, ex, sent);
  if (ex.failed !== null) st.closeConn(name);
  else if (out.reply === null) cs.lastDbid = a.dbid;
  // On an error of the target the next exchange selects its db again.
  else cs.lastDbid = -1;
  return out;
}

/** The whole MIGRATE against the target, with Redis's one retry on a fresh connection. */
async function migrateAsync(st: MigrateState, a: MigrateArgs, items: Item[], clock: () => number): Promise<{ reply: Reply; restored: Item[] }> {
  const name = `${a.host}:${a.port}`;
  const prev = st.queues.get(name) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = prev.then(() => mine);
  st.queues.set(name, tail);
  await prev;
  try {
    let r = await exchange(st, a, items, clock);
    if (r.retry) r = await exchange(st, a, items, clock);
    return { reply: r.reply ?? OK, restored: r.restored };
  } finally {
    release();
    if (st.queues.get(name) === tail) st.queues.delete(name);
  }
}

// ---------------------------------------------------------------------------------------------
// The synchronous form (MULTI/EXEC, scripts): a child process does the exchange

/**
 * Connects, writes stdin, reads `n` lines (each within the timeout) and prints them as JSON:
 * {connected, lines, failed: 'write'|'read'|null, timedOut}.
 */
const CHILD = `
const net = require('net');
const [host, port, timeout, n] = process.argv.slice(1);
const T = Number(timeout), N = Number(n);
const chunks = [];
process.stdin.on('data', (d) => chunks.push(d));
process.stdin.on('end', () => {
  const out = { connected: false, resolveFailed: false, lines: [], failed: null, timedOut: false };
  const done = () => { process.stdout.write(JSON.stringify(out)); process.exit(0); };
  let s;
  try { s = net.createConnection({ host, port: Number(port) }); } catch { return done(); }
  let timer = setTimeout(() => { s.destroy(); done(); }, T);
  s.on('error', (e) => {
    if (!out.connected) out.resolveFailed = /^(ENOTFOUND|EAI_)/.test(e.code || '');
    else if (out.failed === null) out.failed = 'read';
    done();
  });
  s.on('close', () => { if (out.connected && out.failed === null) out.failed = 'read'; done(); });
  s.on('connect', () => {
    out.connected = true;
    s.setNoDelay(true);
    clearTimeout(timer);
    timer = setTimeout(() => { out.failed = 'write'; out.timedOut = true; done(); }, T);
    s.write(Buffer.concat(chunks), () => {
      clearTimeout(timer);
      if (N === 0) return done();
      const arm = () => { clearTimeout(timer); timer = setTimeout(() => { out.failed = 'read'; out.timedOut = true; done(); }, T); };
      arm();
      let buf = '';
      s.on('data', (d) => {
        buf += d.toString('latin1');
        let i;
        while ((i = buf.indexOf('\\n')) >= 0) {
          const l = buf.slice(0, i);
          out.lines.push(l.endsWith('\\r') ? l.slice(0, -1) : l);
          buf = buf.slice(i + 1);
          if (out.lines.length === N) return done();
          arm();
        }
      });
    });
  });
});
`;

function migrateSync(a: MigrateArgs, items: Item[], clock: () => number): { reply: Reply; restored: Item[] } {
  const port = portOf(a.port);
  const { buf, sent } = buildCommands(a, true, items, clock());
  const n = (a.password !== null ? 1 : 0) + 1 + sent.length;
  const r = spawnSync(process.execPath, ['-e', CHILD, a.host, String(port), String(a.timeout), String(n)], {
    input: Buffer.from(buf, 'latin1'),
    // Connecting, writing and each line may take the timeout; this bounds the child anyway.
    timeout: a.timeout * (n + 2) + 5000,
    maxBuffer: 64 * 1024 * 1024,
  });
  let out: { connected: boolean; resolveFailed: boolean; lines: string[]; failed: 'write' | 'read' | null; timedOut: boolean };
  try {
    out = JSON.parse(r.stdout.toString('utf8'));
  } catch {
    return { reply: IOERR_READ, restored: [] };
  }
  if (!out.connected) return { reply: out.resolveFailed ? IOERR_CONNECT : IOERR_WRITE, restored: [] };
  // JSON carried the latin1 text as is.
  const lines = out.lines;
  let p = 0;
  const ex: Exchange = { authLine: null, selectLine: null, lines: [], failed: out.failed, timedOut: out.timedOut };
  if (a.password !== null) ex.authLine = lines[p++] ?? null;
  ex.selectLine = lines[p++] ?? null;
  ex.lines = lines.slice(p);
  const c = conclude(a, ex, sent);
  return { reply: c.reply ?? OK, restored: c.restored };
}

// ---------------------------------------------------------------------------------------------
// The command

/** Deletes the keys the target took (unless changed here meanwhile), as one DEL effect. */
function deleteMigrated(shard: Shard, dbIndex: number, restored: Item[], touched: Set<string> | null, inCommand: Ctx | null): void {
  const db = shard.dbs[dbIndex]!;
  const deleted: string[] = [];
  for (const it of restored) {
    if (touched?.has(it.key)) continue;
    if (!db.delete(it.key)) continue;
    shard.dirty++;
    shard.notify(dbIndex, 'g', 'del', it.key);
    deleted.push(it.key);
  }
  if (inCommand !== null) {
    // MIGRATE is propagated as DEL of what it moved, or not at all.
    if (deleted.length > 0) inCommand.emit(['DEL', ...deleted]);
    else inCommand.suppressEffects();
    return;
  }
  if (deleted.length === 0) return;
  shard.propagate(dbIndex, ['DEL', ...deleted]);
}

/** Whether this MIGRATE may wait for its answer (not inside EXEC or a script, a live client). */
function waitingClient(ctx: Ctx): Client | null {
  const s = ctx.session;
  // A script's session derives from its caller's Client and is flagged deny-blocking.
  if (!(s instanceof Client) || s.closed || s.flags.has('deny-blocking')) return null;
  if (ctx.shard.inTransaction) return null;
  return s;
}

function migrate(ctx: Ctx): Reply {
  const a = parseArgs(ctx);
  const db = ctx.db;
  const items: Item[] = [];
  for (let j = 0; j < a.numKeys; j++) {
    const key = ctx.argv[a.firstKey + j]!;
    const v = db.lookupRead(key);
    if (v === undefined) continue;
    items.push({ key, payload: dumpPayload(v), expireAt: db.getExpire(key) });
  }
  if (items.length === 0) return NOKEY;
  const shard = ctx.shard;
  const clock = () => shard.clock();
  const client = waitingClient(ctx);
  if (client === null) {
    const r = migrateSync(a, items, clock);
    if (!a.copy) deleteMigrated(shard, db.id, r.restored, null, ctx);
    return r.reply;
  }
  const server = client.server;
  const st = stateOf(server);
  const flight: Flight = { db: db.id, touched: new Set() };
  if (!a.copy) {
    for (const it of items) {
      const id = `${db.id}\0${it.key}`;
      let s = st.watched.get(id);
      if (s === undefined) st.watched.set(id, (s = new Set()));
      s.add(flight);
    }
  }
  // The client waits as a blocked one (later.ts), its pipelined commands after it.
  return later(
    ctx,
    migrateAsync(st, a, items, clock).then(
      (r) => finish(server, st, client, a, items, flight, r),
      () => finish(server, st, client, a, items, flight, { reply: IOERR_READ, restored: [] }),
    ),
  );
}

/** The keys the target took are deleted (unless COPY); returns the reply. */
function finish(
  server: MemorykvServer,
  st: MigrateState,
  client: Client,
  a: MigrateArgs,
  items: Item[],
  flight: Flight,
  r: { reply: Reply; restored: Item[] },
): Reply {
  if (!a.copy) {
    for (const it of items) {
      const id = `${flight.db}\0${it.key}`;
      const s = st.watched.get(id);
      if (s === undefined) continue;
      s.delete(flight);
      if (s.size === 0) st.watched.delete(id);
    }
    deleteMigrated(server.engine.shard, flight.db, r.restored, flight.touched, null);
    server.engine.shard.flushEffects(client);
  }
  return r.reply;
}

defineCommands({
  name: 'migrate',
  arity: -6,
  flags: ['write', 'movablekeys'],
  acl: ['keyspace', 'write', 'slow', 'dangerous'],
  group: 'generic',
  keys: migrateKeys,
  keySpecs: [
    { flags: ['RW', 'ACCESS', 'DELETE'], index: 3, range: [0, 1, 0] },
    { flags: ['RW', 'ACCESS', 'DELETE', 'INCOMPLETE'], keyword: 'KEYS', startfrom: -2, range: [-1, 1, 0] },
  ],
  summary: 'Atomically transfers a key from one Redis instance to another.',
  complexity:
    'This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the target instance. See the pages of these commands for time complexity. Also an O(N) data transfer between the two instances is performed.',
  since: '2.6.0',
  history: [
    ['3.0.0', 'Added the `COPY` and `REPLACE` options.'],
    ['3.0.6', 'Added the `KEYS` option.'],
    ['4.0.7', 'Added the `AUTH` option.'],
    ['6.0.0', 'Added the `AUTH2` option.'],
  ],
  tips: ['nondeterministic_output'],
  handler: migrate,
});

export function install(server: MemorykvServer): void {
  const st = new MigrateState();
  server.state.set(STATE, st);
  server.keyModified.push((db, key) => {
    if (st.watched.size === 0) return;
    const s = st.watched.get(`${db}\0${key}`);
    if (s !== undefined) for (const f of s) f.touched.add(key);
  });
  // Cached connections are unref'd; a closing server drops them at once all the same.
  const close = server.close.bind(server);
  server.close = async () => {
    st.closeAll();
    await close();
  };
}
