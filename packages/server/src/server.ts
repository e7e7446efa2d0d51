/**
 * MemorykvServer: the RESP server around one Engine. It owns the listeners and the clients, and
 * runs each command through the engine's single command table (DESIGN invariant 1). Server-only
 * commands (HELLO, CLIENT, CONFIG, INFO, pub/sub, blocking pops, ACL ...) are declared into that
 * same table by the modules in ./commands, whose handlers reach the server through the Client
 * that is the command's session.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type tls from 'node:tls';
import { Engine, ErrorReply, type Reply } from '@memorykv/core';
import type { Journal } from '../../core/src/durability/journal.ts';
import { Client } from './client.ts';
import { defaultSettings, type ServerSettings } from './settings.ts';
import { installModules } from './commands/index.ts';
import { Hooks } from './hooks.ts';
import { Listeners } from './listeners.ts';
import { PendingReply, Sharding } from './sharding.ts';
import { CORE_COMMANDS } from '../../core/src/commands/index.ts';
import { param } from './commands/introspection.ts';
import { join } from 'node:path';

/** A check before a command runs (auth, ACL, pub/sub context ...): an error rejects it. */
export type Guard = (client: Client, argv: string[]) => ErrorReply | null;
export type AfterCommand = (client: Client, argv: string[]) => void;

/**
 * A server parameter for CONFIG GET/SET/REWRITE and config files (the engine's own parameters
 * are served by config.ts from the core's EngineConfig). Modules declare theirs at install.
 */
export interface Param {
  name: string;
  aliases?: string[];
  /** Current value as CONFIG GET prints it. */
  get(): string;
  /** Applies a value (text as CONFIG SET receives it); returns an error reply or null. */
  set(value: string): ErrorReply | null;
  /** Read-only at runtime (only from the command line or a config file). */
  immutable?: boolean;
  /**
   * Applies stored values to the running server (Redis's apply functions): CONFIG SET stores
   * every value of the command first, then runs each distinct `apply` of the parameters that
   * changed once, in order. Returns the failure reason, or null.
   */
  apply?: () => string | null;
}

const LOG_LEVELS = { debug: 0, verbose: 1, notice: 2, warning: 3, nothing: 4 } as const;

/** What a client's flush asks before its replies leave (commands/persistence.ts). */
export interface DurabilityGate {
  /** Every journal entry up to this one is durable. */
  readonly durableSeq: number;
  /** Holds the client's replies (and its next commands) until its waitSeq is durable. */
  park(client: Client): void;
}

/** What a program embedding the server may hand it beyond settings. */
export interface ServerOptions {
  /**
   * The journal to use instead of the LMDB one in `dir` (appendonly is then on whatever the
   * settings say): another store, or a test's journal whose entries become durable on cue.
   */
  journal?: Journal;
  /** Start a fresh data directory from this exported snapshot file (`--restore FILE`). */
  restore?: string;
  /** Bytes of the restore file read so far, of its size (a progress bar). */
  onRestoreProgress?: (read: number, total: number) => void;
}

export class MemorykvServer {
  readonly engine: Engine;
  readonly settings: ServerSettings;
  readonly clients = new Map<number, Client>();
  /** Checks run before every command, in order (modules add theirs at install). */
  readonly guards = new Hooks<Guard>();
  /** Called after every command a client ran (blocked-client wakeups, tracking ...). */
  readonly afterCommand = new Hooks<AfterCommand>();
  /** Called when a client goes away. */
  readonly onDetach: ((client: Client) => void)[] = [];
  /**
   * Checks on a new connection before it becomes a client (protected mode): a message refuses
   * it, sent before the connection is closed.
   */
  readonly onConnect: ((socket: net.Socket) => string | null)[] = [];
  /** Called for a new client before any of its bytes is parsed (auth state ...). */
  readonly onAttach: ((client: Client) => void)[] = [];
  readonly startedAt = Date.now();
  /** TCP, TLS and Unix socket listeners (listeners.ts). */
  readonly listeners: Listeners;
  /**
   * While a read's commands run (startCallRun .. endCallRun): when the last command timed alone
   * ended, or the run started (performance.now()); -1 outside a run. The next command's timing
   * starts there, and fast commands are timed together from there (introspection.ts), so a run
   * of pipelined commands costs two clock reads, not two per command (a clock read is ~100 ns
   * on this kind of VM, a GET ~600 ns).
   */
  callClock = -1;
  /**
   * Gives the commands timed together so far their time (introspection.ts sets it): when a run
   * ends, and when one starts inside another (a client unblocked by a command of the run).
   */
  settleCalls: () => void = () => {};
  startCallRun(): void {
    this.settleCalls();
    this.callClock = performance.now();
  }
  endCallRun(): void {
    this.settleCalls();
    this.callClock = -1;
  }
  private nextClientId = 1;
  private flushQueue = new Set<Client>();
  /** Where every plain connection's reads land (see accept). */
  private readonly readBuffer = Buffer.allocUnsafe(64 * 1024);
  private flushScheduled = false;
  /** Clients whose replies wait for the end of this poll phase (flushAfterReads). */
  private readFlushQueue: Client[] = [];
  /** Writes their replies: the check phase after a poll phase (or a harness, after its reads). */
  readonly flushReads = (): void => {
    const q = this.readFlushQueue;
    this.readFlushQueue = [];
    for (let i = 0; i < q.length; i++) q[i]!.flush();
  };
  /** Per-module state, keyed by module name. */
  readonly state = new Map<string, unknown>();
  /** Server parameters by lowercase name and alias (config.ts serves CONFIG over these). */
  readonly params = new Map<string, Param>();
  /** Called for every modified key (blocked clients, client-side caching invalidation). */
  readonly keyModified: ((db: number, key: string) => void)[] = [];
  /** Holds replies until the writes they show are durable (the persistence module), or null. */
  durability: DurabilityGate | null = null;
  /** Settles when the data is loaded (journal recovery); rejects if it could not be. */
  ready: Promise<void> = Promise.resolve();
  /** Run by close() after the clients and listeners are gone (the journal's last sync ...). */
  readonly onClose: (() => void | Promise<void>)[] = [];
  /** The shard threads holding the keyspace (`shards` > 1), else null: it is in `engine`. */
  sharding: Sharding | null = null;

  constructor(
    settings: Partial<ServerSettings> = {},
    readonly options: ServerOptions = {},
  ) {
    this.settings = { ...defaultSettings(), ...settings };
    this.engine = new Engine({ config: this.settings.engine });
    this.engine.shard.onKeyModified = (db, key) => {
      for (const fn of this.keyModified) fn(db, key);
    };
    const shards = Number(param(this, 'shards'));
    if (shards > 1) this.startSharding(shards);
    installModules(this);
    this.listeners = new Listeners(this, {
      accept: (raw, unixPath) => this.accept(raw, unixPath),
      acceptHandle: (handle, listener, unixPath) => this.acceptHandle(handle, listener, unixPath),
      acceptTls: (socket) => this.acceptTls(socket),
      full: () => this.full,
    });
    this.listeners.installParams();
  }

  /**
   * Starts listening: TCP on every bind address (`port`), TLS (`tls-port`), the Unix socket
   * (`unixsocket`). Resolves with the TCP port: with `port: 0` (and no TLS or Unix socket) a
   * free one is chosen. Rejects with Redis's reason when a listener cannot start.
   */
  async listen(): Promise<number> {
    return this.listeners.start();
  }

  /**
   * A new connection. Plain sockets are re-owned with `onread`: reads land in one buffer shared
   * by every connection (the parser detaches what it keeps), with no Readable stream, no Buffer
   * per read and no 'data' event — in Node that machinery costs more per request than parsing
   * and running the command. Sockets Node must decrypt or that lack a handle use 'data'.
   */
  private accept(raw: net.Socket, unixPath: string | null): void {
    const refusal = this.admission(raw);
    if (refusal !== null) return turnAway(raw, refusal);
    this.attach(raw, unixPath);
  }

  /**
   * A connection taken from a listener's handle: its one socket reads with `onread` into the
   * buffer every connection shares (see accept), and is owned by the listener as Node's own
   * onconnection would make it (server.close() waits for it, getConnections counts it).
   */
  private acceptHandle(handle: object, listener: net.Server, unixPath: string | null): void {
    let client: Client | null = null;
    const socket = this.readingSocket(handle, () => client);
    if (unixPath === null) (handle as { setNoDelay?(on: boolean): void }).setNoDelay?.(true);
    const owned = socket as unknown as SocketInternals;
    owned._server = owned.server = listener;
    (listener as unknown as { _connections: number })._connections++;
    // What a refused connection sends is read and dropped: there is no client to hand it to.
    const refusal = this.admission(socket);
    if (refusal !== null) return turnAway(socket, refusal);
    client = this.attachSocket(socket, unixPath, true);
  }

  /** A socket over an accepted handle that reads with `onread`, handing reads to `clientOf()`. */
  private readingSocket(handle: unknown, clientOf: () => Client | null): net.Socket {
    const buffer = this.readBuffer;
    return new net.Socket({
      handle,
      readable: true,
      writable: true,
      onread: {
        buffer,
        callback: (n: number) => {
          const c = clientOf();
          if (c !== null) {
            c.onData(buffer, n);
            c.parser.detach();
          }
          return true;
        },
      },
    } as net.SocketConstructorOpts);
  }

  /** Makes an admitted connection (from Node's onconnection, or a TLS handshake) a client. */
  private attach(raw: net.Socket, unixPath: string | null): void {
    let client: Client | null = null;
    const socket = adoptWithOnread(raw, (handle) => this.readingSocket(handle, () => client));
    client = this.attachSocket(socket ?? raw, unixPath, socket !== null);
  }

  /** The client of an admitted socket; `reading`: the socket reads with `onread` already. */
  private attachSocket(socket: net.Socket, unixPath: string | null, reading: boolean): Client {
    if (unixPath !== null) {
      // A Unix peer has no address: Redis prints the socket's path for both ends
      // (addr=/tmp/redis.sock:0 laddr=/tmp/redis.sock:0, MONITOR's unix:/tmp/redis.sock).
      Object.defineProperty(socket, 'localAddress', { value: unixPath, configurable: true });
    }
    const client = new Client(this, socket, this.nextClientId++);
    this.clients.set(client.id, client);
    for (const fn of this.onAttach) fn(client);
    if (client.closed) return client;
    if (!reading) {
      socket.on('data', (chunk: Buffer) => client.onData(chunk));
      socket.resume();
    }
    socket.on('error', () => client.close());
    socket.on('close', () => client.close());
    return client;
  }

  /** maxclients is reached (Redis counts the connection being accepted against it). */
  private get full(): boolean {
    return this.clients.size >= this.settings.maxclients;
  }

  /** acceptCommonHandler's checks, maxclients and then the onConnect ones: the refusal to send, or null. */
  private admission(socket: net.Socket): string | null {
    return this.full ? '-ERR max number of clients reached\r\n' : this.refusal(socket);
  }

  /** The onConnect checks' refusal message for a connection, or null. */
  private refusal(socket: net.Socket): string | null {
    let refusal: string | null = null;
    for (let i = 0; refusal === null && i < this.onConnect.length; i++) refusal = this.onConnect[i]!(socket);
    return refusal;
  }

  /**
   * A TLS connection after its handshake (maxclients was checked before it, as Redis does):
   * the onConnect checks (protected mode) run now, as clientAcceptHandler, and the refusal
   * goes over TLS. Node decrypts, so the bytes come as 'data' events.
   */
  private acceptTls(socket: tls.TLSSocket): void {
    const refusal = this.refusal(socket);
    if (refusal !== null) return turnAway(socket, refusal);
    this.attach(socket, null);
  }

  /**
   * `shards` > 1: the keyspace goes to shard threads, each journaling (appendonly yes) in its own
   * directory under appenddirname; this thread's engine then holds no keys (sharding.ts).
   */
  private startSharding(shards: number): void {
    const dataDir = param(this, 'appendonly') === 'yes' && this.options.journal === undefined ? join(this.settings.dir, param(this, 'appenddirname')) : null;
    const durability = param(this, 'appendfsync') as 'always' | 'everysec' | 'no';
    const started = Sharding.start(this, { shards, dataDir, durability }).then((s) => {
      this.sharding = s;
    });
    this.ready = started;
    // Until the shards have recovered, this thread's empty engine must not answer for them.
    const loading = new ErrorReply('LOADING Redis is loading the dataset in memory');
    this.guards.push((_client, argv) => (this.sharding === null && CORE_COMMANDS.has(argv[0]!.toLowerCase()) ? loading : null));
    started.catch((e: Error) => this.log('warning', `The shards could not start: ${e.message}`));
    this.onDetach.push((c) => this.sharding?.detach(c));
    this.onClose.push(() => this.sharding?.close());
  }

  /** Runs one command of a client: guards, then the engine (or the shards: a PendingReply). */
  execute(client: Client, argv: string[]): Reply | PendingReply {
    const guards = this.guards.active;
    for (let i = 0; i < guards.length; i++) {
      const e = guards[i]!(client, argv);
      if (e !== null) return e;
    }
    const sharding = this.sharding;
    if (sharding !== null) {
      const where = sharding.route(client, argv);
      if (where === 'shards') return sharding.run(client, argv);
      if (where !== 'here') return where;
    }
    const reply = this.engine.execute(client, argv);
    this.afterCommandRan(client, argv);
    return reply;
  }

  /** Runs the after-command hooks for a command a client ran (here, or again once unblocked). */
  afterCommandRan(client: Client, argv: string[]): void {
    // Read after the command: one that blocked or parked its client switched a hook on.
    const after = this.afterCommand.active;
    for (let i = 0; i < after.length; i++) after[i]!(client, argv);
  }

  defineParam(p: Param): void {
    this.params.set(p.name, p);
    for (const a of p.aliases ?? []) this.params.set(a, p);
  }

  /** Flushes a client once every connection readable in this poll phase has been read. */
  flushAfterReads(client: Client): void {
    if (this.readFlushQueue.push(client) === 1) setImmediate(this.flushReads);
  }

  /** Flushes a client's out-of-band messages at the end of this tick (one write per tick). */
  scheduleFlush(client: Client): void {
    this.flushQueue.add(client);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      const q = this.flushQueue;
      this.flushQueue = new Set();
      for (const c of q) c.flush();
    });
  }

  detach(client: Client): void {
    if (!this.clients.delete(client.id)) return;
    client.discardMulti();
    for (const fn of this.onDetach) fn(client);
  }

  log(level: keyof typeof LOG_LEVELS, message: string): void {
    if (LOG_LEVELS[level] < LOG_LEVELS[this.settings.loglevel]) return;
    const mark = level === 'warning' ? '#' : level === 'notice' ? '*' : level === 'verbose' ? '-' : '.';
    const d = new Date();
    process.stdout.write(`${process.pid}:M ${d.toISOString()} ${mark} ${message}\n`);
  }

  /** Stops listening (the Unix socket file goes away), closes every client and the engine. */
  async close(): Promise<void> {
    for (const c of [...this.clients.values()]) c.close();
    await this.listeners.close();
    this.engine.close();
    for (const fn of this.onClose) await fn();
  }
}

/**
 * Sends a refused connection its error and closes it. Reading goes on (resumed, where Node paused
 * it) so that the peer's FIN is seen and the socket closes; what it sends is dropped.
 */
function turnAway(socket: net.Socket, refusal: string): void {
  socket.on('error', () => {});
  socket.resume();
  socket.end(refusal);
}

/** What net.Socket keeps of an accepted connection (Node internals this module relies on). */
interface SocketInternals {
  _handle: unknown;
  _server: net.Server | null;
  server: net.Server | null;
}

/**
 * A socket over an accepted (paused) connection's handle that reads with `onread`, or null
 * when the connection has no handle to re-own. The accepting socket gives up the handle and
 * its place in the listener's connection count, so server.close() still waits for this one.
 */
function adoptWithOnread(raw: net.Socket, make: (handle: unknown) => net.Socket): net.Socket | null {
  const r = raw as unknown as SocketInternals;
  if (r._handle == null || raw.constructor !== net.Socket) return null;
  const handle = r._handle;
  r._handle = null;
  const socket = make(handle);
  const s = socket as unknown as SocketInternals;
  s._server = r._server;
  s.server = r.server;
  r._server = r.server = null;
  return socket;
}
