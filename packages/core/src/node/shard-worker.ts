/**
 * One shard in its own thread (issue 5): a Piscina worker whose first and only task hands it a
 * MessagePort; from then on the port carries batches — every command the coordinator
 * (engine/sharded.ts) has for this shard in one event-loop turn, each in its client's session —
 * and the replies go back as one message in the same order. The shard owns its slots' keys, its
 * expiry cycle and, with a `path`, its own journal and snapshots (the same Durability as a
 * single-shard database, DESIGN invariants 4-6): a batch's replies leave once what they show is
 * durable.
 */
import type { MessagePort } from 'node:worker_threads';
import './scripting/lua.ts';
import type { OpenOptions } from '../api/database.ts';
import type { EngineConfig } from '../config.ts';
import { DEFAULT_SAVE_RULES, Durability } from '../durability/durability.ts';
import { ErrorReply } from '../errors.ts';
import type { Command } from '../commands/table.ts';
import { NO_REPLY, NULL_ARRAY, toJS, type Reply } from '../reply.ts';
import { keyIndexes, lookupCommand, runnableCommand } from '../commands/table.ts';
import { scriptingState, type ScriptRun, type ScriptingState } from '../scripting/state.ts';
import { typeOf } from '../keyspace/object.ts';
import { Engine } from '../engine/engine.ts';
import { encodeReply, type WireReply } from '../engine/reply-codec.ts';
import { Session } from '../engine/session.ts';
import { BLOCKED_AS, CANCEL_BLOCKING, SCRIPT_ACL, TRY_BLOCKING, UNCOUNTED, hostExecute } from '../engine/sharded.ts';
import { setStreamBlocker } from '../commands/streams.ts';
import { openLmdbStorage } from './durable.ts';
import { hostCall, installHostCalls } from './shard-host.ts';
import {
  CLOSE_SHARD,
  EVENTS,
  MODIFIED_EVENT,
  MONITOR_EVENT,
  SERVED_EVENT,
  NOTIFY_EVENT,
  RAW,
  RESP2,
  RESP3,
  SAVE_SHARD,
  SETTLE,
  LATE,
  SHARD_CONFIG,
  SHARD_FACTS,
  SHARD_OVERHEAD,
  codec,
  type Batch,
  type ShardEvents,
} from './shard-wire.ts';

export interface ShardTask {
  port: MessagePort;
  index: number;
  /** How many shards there are (one of several keeps a slot index). */
  shards: number;
  config?: Partial<EngineConfig>;
  activeExpire?: boolean;
  /** The RESP version of new sessions (the in-process API speaks 3). */
  resp: 2 | 3;
  /** This shard's data directory (its journal and snapshots), or none: in memory. */
  path?: string;
  durability?: OpenOptions['durability'];
  saveRules?: OpenOptions['saveRules'];
  snapshotRetentionDays?: number;
  /**
   * A module exporting `ReplyWriter` (write(reply, resp), take()): a server's RESP encoder, for
   * replies asked as RESP2/RESP3 bytes.
   */
  encoder?: string;
  /**
   * A module that adds commands to this thread's table whose handlers ask the host (shard-host.ts):
   * the server's PUBLISH and SPUBLISH, for scripts. Host calls go out on `hostPort` and wait on
   * `hostCell` (shard-host.ts).
   */
  hostCommands?: string;
  hostPort?: MessagePort;
  hostCell?: SharedArrayBuffer;
}

interface RespWriter {
  write(reply: Reply, resp: 2 | 3): void;
  take(): Uint8Array;
  readonly length: number;
}

export async function startShard(task: ShardTask): Promise<string> {
  const engine = new Engine({ config: task.config, activeExpire: task.activeExpire });
  if (task.shards > 1) engine.shard.indexSlots();
  const port = task.port;
  const log = (level: string, message: string) => port.postMessage({ log: [level, `shard ${task.index}: ${message}`] });
  let durability: Durability | null = null;
  // CONFIG SET save reaches the shards (SHARD_CONFIG): the rules are read at each check.
  let saveRules = task.saveRules;
  if (task.path !== undefined) {
    const parts = await openLmdbStorage({ path: task.path, durability: task.durability }, () => engine.shard.config);
    durability = await Durability.open(engine, {
      journal: parts.journal,
      snapshots: parts.snapshots,
      saveRules: () => saveRules ?? DEFAULT_SAVE_RULES,
      retentionDays: task.snapshotRetentionDays,
      schedule: parts.schedule,
      pause: parts.pause,
      log,
    });
  }
  const shard = engine.shard;
  const sessions = new Map<number, Session>();
  const sessionIds = new WeakMap<Session, number>();
  const session = (id: number): Session => {
    let s = sessions.get(id);
    if (s === undefined) {
      s = new Session();
      s.resp = task.resp;
      sessions.set(id, s);
      sessionIds.set(s, id);
    }
    return s;
  };
  const counters = new ShardCounters(shard, () => durability);
  const events = new ShardEventLog(shard, port, (s) => (s === null ? -1 : (sessionIds.get(s) ?? -1)));
  setStreamBlocker(events.streamBlocker);
  let writer: RespWriter | null = null;
  if (task.hostCommands !== undefined && task.hostPort !== undefined && task.hostCell !== undefined) {
    installHostCalls(task.hostPort, task.hostCell);
    await import(task.hostCommands);
  }
  if (task.encoder !== undefined) {
    const { ReplyWriter } = (await import(task.encoder)) as { ReplyWriter: new () => RespWriter };
    writer = new ReplyWriter();
  }
  const convert = (r: Reply, how: number): WireReply => {
    if (how === RAW) return encodeReply(r);
    if (how >= RESP2) {
      // Every encoded reply of a batch goes into one buffer, sent last; each entry is where its
      // reply ends in it (one buffer a message, not one per reply).
      if (r !== NO_REPLY) writer!.write(r, how === RESP3 ? 3 : 2);
      return writer!.length;
    }
    return r instanceof ErrorReply ? { e: r.message } : (toJS(r, SETTLE[how]) as WireReply);
  };
  let nextLate = 0;
  /**
   * A batch's replies, converted in order when all are there (see convert), then sent. A reply
   * that comes later (a busy script's) leaves a LATE mark in its place and follows alone, so the
   * batches after it (-BUSY for others, SCRIPT KILL) are not held behind it. Entries marked
   * CONVERTED were converted as their command ran (`out` holds them; `prefix` the RESP bytes
   * they wrote before the batch had to wait, see the batch handler).
   */
  const send = (replies: readonly (Reply | Late)[], hows: readonly number[], out: WireReply[] = new Array(replies.length), prefix: Uint8Array | null = null) => {
    let late: [number, Late, number][] | null = null;
    // Offsets of entries converted now follow the prefix's bytes in the one buffer.
    const base = prefix === null ? 0 : prefix.length;
    for (let i = 0; i < replies.length; i++) {
      const r = replies[i]!;
      if (r === CONVERTED) continue;
      if (r instanceof Late) {
        const token = nextLate++;
        (late ??= []).push([token, r, hows[i]!]);
        out[i] = { [LATE]: token } as unknown as WireReply;
      } else {
        const w = convert(r, hows[i]!);
        out[i] = base > 0 && hows[i]! >= RESP2 ? (w as number) + base : w;
      }
    }
    // The encoded replies' buffer, when any: after every entry.
    if (writer !== null && writer.length > 0) out.push((prefix === null ? writer.take() : Buffer.concat([prefix, writer.take()])) as unknown as WireReply);
    else if (prefix !== null) out.push(prefix as unknown as WireReply);
    port.postMessage(Uint8Array.prototype.slice.call(codec.pack(out)));
    if (late !== null) for (const [token, l, how] of late) l.reply.then((r) => sendLate(token, r, how), (e: Error) => sendLate(token, new ErrorReply(`ERR ${e.message}`), how));
  };
  const sendLate = (token: number, r: Reply, how: number) => {
    const reply = convert(r, how);
    const bytes = writer !== null && writer.length > 0 ? writer.take() : null;
    port.postMessage({ late: token, reply: Uint8Array.prototype.slice.call(codec.pack(bytes ?? reply)), encoded: bytes !== null });
  };
  // Sessions whose scripts run commands the serving thread checks against their ACL user (SCRIPT_ACL).
  const aclChecked = new WeakSet<Session>();
  const scripts = new ShardScripts(shard, log, (run, argv, logDenial) => {
    const s = run.caller;
    if (!aclChecked.has(s)) return null;
    const r = hostCall([SCRIPT_ACL, String(sessionIds.get(s) ?? -1), logDenial ? '1' : '0', ...argv]);
    // No answer is a denial, never a pass.
    return typeof r === 'string' ? r : r instanceof ErrorReply ? r.message : null;
  });
  // MONITOR's "lua" lines: the commands a script runs (its caller's EVAL is shown by the serving
  // thread). Admin and skip_monitor commands are not shown, as in Redis.
  const scripting = scriptingState(shard);
  const monitorScripts = (session: Session, cmd: Command, argv: string[]) => {
    if (scripting.running?.session !== session || cmd.flags.includes('skip_monitor') || cmd.flags.includes('admin')) return;
    events.scriptCommand(session.db, argv);
  };
  /** A command of a client: refused while another's script is busy; a busy script's reply comes later. */
  const run = (s: Session, argv: string[]): Reply | Promise<Reply> => {
    if (scripts.busy) {
      // The script's own caller waits for it, as a blocked client; others get -BUSY.
      if (scripts.isCaller(s)) return scripts.afterBusy(() => run(s, argv));
      const refused = scripts.refuse(s, argv);
      if (refused !== null) return refused;
    }
    const r = hostExecute(shard, s, argv);
    return r === NO_REPLY ? (scripts.later(s) ?? r) : r;
  };
  /**
   * Runs a client's command, its reply held until what it shows is durable (the batch waits for
   * that); a reply that comes later (exec gave a promise: a busy script) is a Late, which does
   * not hold the batch.
   */
  const perform = (s: Session, argv: string[], exec: () => Reply | Promise<Reply>): Reply | Late | Promise<Reply | Late> => {
    const boxed = () => {
      const r = exec();
      return r instanceof Promise ? new Late(r) : r;
    };
    if (durability === null) return boxed();
    const refused = durability.refuse(argv);
    if (refused !== null) return refused;
    const d = durability;
    return d.perform(s, argv, boxed).then((r) =>
      // Then what the late reply shows waits to be durable: a script's effects are flushed at its end.
      r instanceof Late ? new Late(r.reply.then((late) => d.perform(s, argv, () => late))) : r,
    );
  };
  // A blocked client served here: its attempt runs as its command (journaled, uncounted: the
  // serving thread counts the blocking command once), its reply leaves once durable.
  events.serve = (w) => {
    const id = sessionIds.get(w.s);
    if (id === undefined) return true;
    let reply: Reply = null;
    const done = perform(w.s, w.argv, () => (reply = counters.uncounted(() => events.tryBlocking(w.s, w.argv, true, false))));
    const r = reply as Reply;
    if (r === null || r === NULL_ARRAY || (Array.isArray(r) && r[0] === BLOCKED_AS)) return false;
    // An attempt answers at once (it runs no script): never a Late.
    const post = (x: Reply | Late) => events.served(id, x as Reply);
    if (done instanceof Promise) void done.then(post, (e: Error) => events.served(id, new ErrorReply(`ERR ${e.message}`)));
    else post(done);
    return true;
  };
  events.hold = () => scripts.busy;
  scripts.onEnd = () => events.serveReady();
  // Batches answer in order, also when one waits (durability, a busy script).
  let previous: Promise<void> = Promise.resolve();

  port.on('message', (packed: Uint8Array) => {
    const batch = codec.unpack(packed) as Batch;
    events.inBatch = true;
    const replies: (Reply | Late | Promise<Reply | Late>)[] = new Array(batch.length);
    const hows: number[] = new Array(batch.length);
    let waits = false;
    // In memory with nothing before it waiting to be sent, a reply is converted as soon as its
    // command has run, so the Reply dies young: held for the whole batch (a thousand ZRANGE
    // replies of a pipeline) they survived scavenges, were promoted and cost mark-compacts.
    const direct = durability === null && previous === settled;
    let eager = direct;
    const out: WireReply[] = new Array(batch.length);
    let prefix: Uint8Array | null = null;
    /** Entry i's reply: converted now while eager (a Late's comes later), else kept for send. */
    const place = (i: number, r: Reply | Late | Promise<Reply | Late>, how: number) => {
      if (eager && !(r instanceof Late) && !(r instanceof Promise)) {
        out[i] = convert(r, how);
        replies[i] = CONVERTED;
      } else replies[i] = r;
    };
    for (let i = 0; i < batch.length; i++) {
      const [id, sent, how] = batch[i]!;
      hows[i] = how;
      if (id < 0) {
        const gone = sessions.get(-id - 1);
        if (gone !== undefined) events.drop(gone);
        gone?.discardMulti();
        sessions.delete(-id - 1);
        // Placed in its turn like any entry: RESP bytes go into the writer in batch order.
        place(i, null, how);
        continue;
      }
      // A client command every shard runs is counted by one of them (see UNCOUNTED).
      const quiet = sent[0] === UNCOUNTED;
      let argv = quiet ? sent.slice(1) : sent;
      counters.quiet = quiet;
      const s = session(id);
      if (argv[0] === SCRIPT_ACL) {
        argv = argv.slice(1);
        aclChecked.add(s);
      }
      const name = argv[0]!;
      let r: Reply | Late | Promise<Reply | Late>;
      if (name === CANCEL_BLOCKING) {
        r = events.drop(s) ? 1 : 0;
      } else if (name === TRY_BLOCKING) {
        const inner = argv.slice(1);
        // While a script is busy the attempt waits for its end (its pushes are seen then).
        const attempt = () => counters.uncounted(() => events.tryBlocking(s, inner, false));
        r = perform(s, inner, () => (scripts.busy ? scripts.afterBusy(attempt) : attempt()));
      } else if (name === SHARD_FACTS) {
        if (argv[1] === 'reset') counters.reset();
        r = counters.facts();
      } else if (name === SHARD_CONFIG) {
        r = 'OK';
        if (argv[1] === 'save') saveRules = JSON.parse(argv[2]!) as OpenOptions['saveRules'];
        else if (argv[1] === 'busy-reply-threshold') scripts.threshold = Number(argv[2]);
        else if (argv[1] === SHARD_OVERHEAD) shard.overhead = Number(argv[2]);
        else r = shard.setConfig(argv[1]!, argv[2]!) ?? 'OK';
      } else if (name === EVENTS) {
        events.configure(argv);
        counters.onCall = events.monitor ? monitorScripts : null;
        r = 'OK';
      } else if (name === SAVE_SHARD || name === CLOSE_SHARD) {
        // Closing: a busy script is dropped, its caller told (SHUTDOWN NOSAVE ends it in Redis).
        if (name === CLOSE_SHARD) scripts.abandon();
        r = shardControl(durability, name, argv).catch((e: Error) => new ErrorReply(`ERR ${e.message}`));
      } else if (name.charCodeAt(0) === 0) {
        r = hostExecute(shard, s, argv);
      } else if (durability === null) {
        // The hot path of an in-memory shard: no closure per command.
        const x = run(s, argv);
        r = x instanceof Promise ? new Late(x) : x;
      } else {
        r = perform(s, argv, () => run(s, argv));
      }
      if (r instanceof Promise) {
        waits = true;
        if (eager) {
          // The batch now waits: what the converted replies wrote leaves the writer, which a
          // busy script's late reply may use meanwhile, and goes first in the batch's buffer.
          eager = false;
          if (writer !== null && writer.length > 0) prefix = writer.take();
        }
      }
      place(i, r, how);
      counters.quiet = false;
      // The clients blocked on keys this command changed are served before the next command.
      events.serveReady();
    }
    events.inBatch = false;
    events.scanSwapped();
    // The batch's events follow its replies (and are as durable as they are).
    const happened = events.take();
    if (!waits && direct) {
      send(replies as (Reply | Late)[], hows, out);
      events.post(happened);
      return;
    }
    const all = waits ? Promise.all(replies) : (replies as (Reply | Late)[]);
    previous = previous
      .then(() => all)
      .then(
        (done) => send(done, hows, out, prefix),
        (e: Error) => send(replies.map(() => new ErrorReply(`ERR ${e.message}`)), hows),
      )
      .then(() => events.post(happened));
    const mine = previous;
    void mine.then(() => {
      if (previous === mine) previous = settled;
    });
  });
  return `shard ${task.index} ready`;
}

/** SAVE and close, for the pool (their work is asynchronous, unlike commands). */
async function shardControl(durability: Durability | null, name: string, argv: string[]): Promise<Reply> {
  if (name === SAVE_SHARD) {
    if (durability === null) return new ErrorReply('ERR this database keeps no data on disk (open it with a path)');
    const meta = await durability.snapshot(argv[1] === undefined || argv[1] === '' ? null : argv[1]);
    return meta.seq;
  }
  await durability?.close(argv[1] === undefined ? undefined : argv[1] === '1');
  return 'OK';
}

/**
 * What a shard tells the serving thread besides replies (shard-wire.ts's events): keyspace
 * notifications, modified keys for client-side caching and the commands scripts run (MONITOR),
 * each only while the server asks for it, and the replies of the blocked clients it served. It
 * also keeps those blocked clients (the waiters below). The hooks are installed only while
 * needed, so a shard nobody listens to pays nothing per command.
 */
class ShardEventLog {
  private records: ShardEvents = [];
  /** Set while a batch runs: its events leave with its replies; others leave at once. */
  inBatch = false;
  private scheduled = false;
  private notify = false;
  private modified = false;
  /**
   * The clients blocked on this shard's keys (the serving thread keeps them blocked): per db and
   * key, in the order they blocked, each with the command to try (the non-blocking form) and the
   * type it waits for ('list', 'zset', 'stream', or STREAM_OR_GONE for XREADGROUP). After each
   * command that changed such a key they are served here, in that order, as Redis's
   * handleClientsBlockedOnKeys does: no other command runs between the push and the pops it
   * feeds (SERVED_EVENT carries the reply).
   */
  private readonly waiters = new Map<number, Map<string, Waiter[]>>();
  private readonly waiterOf = new Map<Session, Waiter>();
  /** How many of them are XREADGROUP's (STREAM_OR_GONE): after each batch, only they need a scan. */
  private groupWaiters = 0;
  /** Keys with waiters that changed since they were last served: "db key". */
  private readonly ready = new Set<string>();
  /** Serves one waiter (set by the shard: it runs the attempt as its session's command). */
  serve: ((w: Waiter) => boolean) | null = null;
  /** Whether serving must wait (a busy script: Redis serves once it ended). */
  hold: () => boolean = () => false;
  private serving = false;

  /** Set while an attempt runs; the stream blocker puts there the argv XREAD would wait with. */
  private trying = false;
  private blockedAs: string[] | null = null;

  /** The hook installed before (durability's tracker of not-yet-durable writes): kept first. */
  private readonly base: Engine['shard']['onKeyModified'];

  constructor(
    private readonly shard: Engine['shard'],
    private readonly port: MessagePort,
    private readonly sessionId: (s: Session | null) => number,
  ) {
    this.base = shard.onKeyModified;
    for (const db of shard.dbs) this.mains.push(db.main);
  }

  /** [EVENTS, notify, modified]: see shard-wire.ts. */
  configure(argv: readonly string[]): void {
    const classes = argv[1] ?? '';
    this.notify = classes !== '';
    this.shard.notifyNew = classes.includes('n');
    this.shard.notifyMiss = classes.includes('m');
    const ke = (classes.includes('K') ? 1 : 0) | (classes.includes('E') ? 2 : 0);
    this.shard.onNotify = this.notify
      ? (db, cls, event, key) => {
          if (classes.includes(cls)) this.add(NOTIFY_EVENT, db, cls, event, key, ke);
        }
      : null;
    this.modified = argv[2] === '1';
    this.hook();
    this.monitor = argv[3] === '1';
  }

  /** Whether a client MONITORs: the commands scripts run are reported (MONITOR_EVENT). */
  monitor = false;

  /** A command a script ran (after it ran, as Redis feeds monitors from call()). */
  scriptCommand(db: number, argv: readonly string[]): void {
    this.add(MONITOR_EVENT, db, argv.length, ...argv);
  }

  /**
   * A blocking command's non-blocking form, as the client's command; nothing found, the client
   * waits here (with `register`). `again`: a waiter being served, which goes on waiting where its
   * key holds another type (Redis serves a blocked client only from a key of its type).
   */
  tryBlocking(s: Session, argv: string[], again: boolean, register = true): Reply {
    this.trying = true;
    this.blockedAs = null;
    let r: Reply;
    try {
      r = this.shard.execute(s, argv);
    } finally {
      this.trying = false;
    }
    const cmd = runnableCommand(argv);
    if (cmd === undefined) return r;
    const stream = cmd.name === 'xread' || cmd.name === 'xreadgroup';
    const type = stream ? (cmd.name === 'xreadgroup' ? STREAM_OR_GONE : 'stream') : cmd.name === 'zmpop' ? 'zset' : 'list';
    let idx = keyIndexes(cmd, argv);
    // LMOVE and RPOPLPUSH wait on their source only.
    if (cmd.name === 'lmove' || cmd.name === 'rpoplpush') idx = idx.slice(0, 1);
    // Served, a pop whose waited key now holds another type goes on waiting; a destination of
    // the wrong type is the served command's own error.
    if (again && !stream && r instanceof ErrorReply && r.message.startsWith('WRONGTYPE')) {
      const db = this.shard.dbs[s.db]!;
      const holdsOther = (key: string) => {
        const v = db.peek(key);
        return v !== undefined && typeOf(v) !== type;
      };
      if (idx.some((i) => holdsOther(argv[i]!))) r = null;
    }
    if (r !== null && r !== NULL_ARRAY) return r;
    const blockedAs = this.blockedAs;
    this.blockedAs = null;
    // XREAD without BLOCK, or one that may not block: its answer stands.
    if (stream && blockedAs === null) return r;
    if (register) this.addWaiter({ s, argv: blockedAs ?? argv, type, keys: idx.map((i) => argv[i]!), db: s.db });
    return blockedAs === null ? r : [BLOCKED_AS, ...blockedAs];
  }

  /** A waiter's reply (SERVED_EVENT), packed as the pool's replies are. */
  served(id: number, r: Reply): void {
    this.add(SERVED_EVENT, id, Uint8Array.prototype.slice.call(codec.pack(encodeReply(r))) as Uint8Array);
  }

  private addWaiter(w: Waiter): void {
    this.drop(w.s);
    let keys = this.waiters.get(w.db);
    if (keys === undefined) this.waiters.set(w.db, (keys = new Map()));
    for (const key of new Set(w.keys)) {
      const list = keys.get(key);
      if (list === undefined) keys.set(key, [w]);
      else list.push(w);
    }
    this.waiterOf.set(w.s, w);
    if (w.type === STREAM_OR_GONE) this.groupWaiters++;
    this.hook();
  }

  /** The session's waiter leaves (served, cancelled, its client gone); whether it was there. */
  drop(s: Session): boolean {
    const w = this.waiterOf.get(s);
    if (w === undefined) return false;
    this.waiterOf.delete(s);
    if (w.type === STREAM_OR_GONE) this.groupWaiters--;
    const keys = this.waiters.get(w.db)!;
    for (const key of new Set(w.keys)) {
      const list = keys.get(key);
      if (list === undefined) continue;
      const at = list.indexOf(w);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) keys.delete(key);
    }
    if (this.waiterOf.size === 0) this.hook();
    return true;
  }

  /**
   * Serves the waiters of the keys that changed, each key's in blocking order, as long as each
   * is served (handleClientsBlockedOnKeys). A waiter whose key holds another type stays.
   */
  serveReady(): void {
    if (this.serving || this.ready.size === 0 || this.serve === null || this.hold()) return;
    this.serving = true;
    try {
      while (this.ready.size > 0) {
        const next: string = this.ready.values().next().value!;
        this.ready.delete(next);
        const cut = next.indexOf(' ');
        const db = Number(next.slice(0, cut));
        const key = next.slice(cut + 1);
        const list = this.waiters.get(db)?.get(key);
        if (list === undefined) continue;
        for (const w of [...list]) {
          if (this.waiterOf.get(w.s) !== w) continue;
          const v = this.shard.dbs[db]!.peek(key);
          const type = v === undefined ? undefined : typeOf(v);
          // XREADGROUP also wakes when its key goes away or holds another type: it answers the error.
          if (w.type !== STREAM_OR_GONE && type !== w.type) continue;
          if (this.serve(w)) this.drop(w.s);
        }
      }
    } finally {
      this.serving = false;
    }
  }

  /**
   * The streams family's blocker in a shard thread: XREAD/XREADGROUP BLOCK never parks here (the
   * serving thread keeps blocked clients). Inside an attempt it notes the argv to try again with
   * (`$` resolved to the ID it stood for); elsewhere (MULTI, the in-process API) BLOCK answers as
   * a timeout, as Redis does inside MULTI.
   */
  readonly streamBlocker = (_ctx: unknown, argv: string[]): Reply => {
    if (this.trying) this.blockedAs = argv;
    return NULL_ARRAY;
  };

  /**
   * SWAPDB exchanges whole databases without a per-key change: the waited keys of a database
   * whose contents changed are served again (Redis's scanDatabaseForReadyKeys).
   */
  scanSwapped(): void {
    if (this.waiterOf.size === 0) return;
    const dbs = this.shard.dbs;
    for (let i = 0; i < dbs.length; i++) {
      const main = dbs[i]!.main;
      if (this.mains[i] === main) continue;
      this.mains[i] = main;
      const keys = this.waiters.get(i);
      if (keys !== undefined) for (const key of keys.keys()) this.ready.add(`${i} ${key}`);
    }
    // FLUSHDB and FLUSHALL empty a database without a per-key change either: a blocked
    // XREADGROUP's key that is gone wakes it (Redis's scanDatabaseForDeletedKeys).
    if (this.groupWaiters > 0) {
      for (const w of this.waiterOf.values()) {
        if (w.type !== STREAM_OR_GONE) continue;
        const v = dbs[w.db]!.peek(w.keys[0]!);
        if (v === undefined || typeOf(v) !== 'stream') this.ready.add(`${w.db} ${w.keys[0]!}`);
      }
    }
    this.serveReady();
  }
  private readonly mains: unknown[] = [];

  private hook(): void {
    const base = this.base;
    if (!(this.modified || this.waiterOf.size > 0)) this.shard.onKeyModified = base;
    else if (base === null) this.shard.onKeyModified = (db, key) => this.keyModified(db, key);
    else
      this.shard.onKeyModified = (db, key) => {
        base(db, key);
        this.keyModified(db, key);
      };
  }

  private keyModified(db: number, key: string): void {
    if (this.waiterOf.size > 0 && this.waiters.get(db)?.has(key)) {
      this.ready.add(`${db} ${key}`);
      // Outside a batch (expiry, eviction, a busy script's slices): served once this turn is done.
      if (!this.inBatch) queueMicrotask(() => this.serveReady());
    }
    if (this.modified) this.add(MODIFIED_EVENT, db, key, this.sessionId(this.shard.current));
  }

  private add(...record: (number | string | Uint8Array)[]): void {
    for (const x of record) this.records.push(x);
    if (this.inBatch || this.scheduled) return;
    // Outside a batch (active expiry, eviction): sent once the current turn is done.
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.post(this.take());
    });
  }

  take(): ShardEvents {
    if (this.records.length === 0) return EMPTY;
    const r = this.records;
    this.records = [];
    return r;
  }

  post(records: ShardEvents): void {
    if (records.length > 0) this.port.postMessage({ events: records });
  }
}

const EMPTY: ShardEvents = [];
/** A client blocked on keys of this shard: see ShardEventLog's waiters. */
interface Waiter {
  s: Session;
  argv: string[];
  type: string;
  keys: string[];
  db: number;
}
/** What a blocked XREADGROUP waits for: any change of its key (new entries, deletion, type). */
const STREAM_OR_GONE = 'stream|gone';
/** A reply that comes later, boxed so that a promise chain does not adopt it too early. */
class Late {
  constructor(readonly reply: Promise<Reply>) {}
}

/** A batch entry whose reply was converted as its command ran (the batch's `out` holds it). */
const CONVERTED = new Late(Promise.resolve(null));

/** The chain of a shard's batch replies when nothing is pending (sent at once then). */
const settled: Promise<void> = Promise.resolve();

const LOG_LEVELS = ['debug', 'verbose', 'notice', 'warning'] as const;

/**
 * Scripts past busy-reply-threshold in a shard thread (the serving thread's scripting.ts does the
 * same for one engine): the Lua hook suspends the script, which then runs on in slices on
 * setImmediate, so this thread keeps reading its port. Meanwhile other clients' commands on this
 * shard get -BUSY unless flagged allow_busy (SCRIPT KILL, FUNCTION KILL ...), inside MULTI the
 * refusal dooms the transaction; the script's caller gets its reply when the script ends.
 */
class ShardScripts {
  private readonly state: ScriptingState;
  threshold = 5000;
  private scheduled = false;
  /** The reply of the suspended script's caller. */
  private done: ((r: Reply) => void) | null = null;
  /** Blocked clients' attempts, run once the script ended. */
  private waiting: (() => void)[] = [];

  constructor(
    shard: Engine['shard'],
    private readonly log: (level: string, message: string) => void,
    aclCheck: (run: ScriptRun, argv: readonly string[], log: boolean) => string | null,
  ) {
    this.state = scriptingState(shard);
    this.state.host = {
      aclCheck: (run, _cmd, argv, log) => aclCheck(run, argv, log),
      busyThreshold: () => this.threshold,
      onBusy: (run) => {
        this.log(
          'warning',
          `Slow script detected: still in execution after ${Date.now() - run.start} milliseconds. You can try killing the script using the ${run.evalMode ? 'SCRIPT KILL' : 'FUNCTION KILL'} command. Script name is: ${run.funcname}.`,
        );
        this.schedule();
      },
      onDone: (_run, reply) => this.finish(reply),
      log: (level, message) => this.log(LOG_LEVELS[level] ?? 'notice', message),
    };
  }

  get busy(): boolean {
    return this.state.busy;
  }

  /** Redis's -BUSY for a command of another client than the script's, or null when it may run. */
  refuse(s: Session, argv: readonly string[]): Reply | null {
    return this.state.refuseWhileBusy(s, argv);
  }

  /** After a command answered nothing: its reply, when it is the script that became busy. */
  later(s: Session): Promise<Reply> | null {
    const run = this.state.running;
    if (run === null || !run.suspended || run.caller !== s) return null;
    return new Promise((resolve) => (this.done = resolve));
  }

  isCaller(s: Session): boolean {
    return this.state.running?.caller === s;
  }

  afterBusy(attempt: () => Reply | Promise<Reply>): Promise<Reply> {
    return new Promise((resolve) => this.waiting.push(() => resolve(attempt())));
  }

  /** Closing: a suspended script is dropped; its caller gets an error. */
  abandon(): void {
    const run = this.state.running;
    if (run === null || !run.suspended) return;
    this.state.abandon(run);
    this.finish(new ErrorReply('ERR the server is shutting down; the script was stopped'));
  }

  private finish(reply: Reply): void {
    const done = this.done;
    this.done = null;
    done?.(reply);
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w();
    this.onEnd?.();
  }

  /** After a busy script ended: the clients blocked on keys it changed are served then. */
  onEnd: (() => void) | null = null;

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.state.busy && !this.state.resumeBusy()) this.schedule();
    });
  }
}

/**
 * INFO's numbers for this shard (SHARD_FACTS): its keyspace, memory and counters, and each
 * command's calls, time and failures, counted around the shard's `call` as the server counts
 * its own (one map lookup and two clock reads a command).
 */
class ShardCounters {
  private readonly commands = new Map<Command, number[]>();
  private readonly errors = new Map<string, number>();

  constructor(
    private readonly shard: Engine['shard'],
    private readonly durability: () => Durability | null,
  ) {
    const call = shard.call.bind(shard);
    shard.call = (session, cmd, argv) => {
      if (shard.replaying || this.quiet) return call(session, cmd, argv);
      const t0 = performance.now();
      const reply = call(session, cmd, argv);
      if (this.onCall !== null) this.onCall(session, cmd, argv);
      let c = this.commands.get(cmd);
      if (c === undefined) this.commands.set(cmd, (c = [0, 0, 0]));
      c[0]!++;
      c[1]! += performance.now() - t0;
      if (reply instanceof ErrorReply) {
        c[2]!++;
        const sp = reply.message.slice(0, 32).indexOf(' ');
        const code = sp > 0 ? reply.message.slice(0, sp) : 'ERR';
        this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
      }
      return reply;
    };
  }

  /** Set while a command runs that another shard counts (UNCOUNTED) or an attempt runs. */
  quiet = false;
  /** After each counted call, while a client MONITORs (see ShardEventLog.monitor). */
  onCall: ((session: Session, cmd: Command, argv: string[]) => void) | null = null;

  /**
   * Runs fn without counting: a blocking command's attempts, which the serving thread counts once
   * when the command ends (Redis counts a blocked command when it is served or unblocked).
   */
  uncounted<T>(fn: () => T): T {
    const was = this.quiet;
    this.quiet = true;
    try {
      return fn();
    } finally {
      this.quiet = was;
    }
  }

  /** CONFIG RESETSTAT. */
  reset(): void {
    this.commands.clear();
    this.errors.clear();
    const s = this.shard.stats;
    s.keyspaceHits = s.keyspaceMisses = s.expiredKeys = s.evictedKeys = 0;
  }

  facts(): Reply {
    const shard = this.shard;
    const s = shard.stats;
    const now = Date.now();
    const dbs: Reply[] = [];
    for (const db of shard.dbs) if (db.size > 0 || db.expires.size > 0) dbs.push([db.id, db.size, db.expires.size, db.avgTtl(now)]);
    const commands: Reply[] = [];
    for (const [cmd, [calls, ms, failed]] of this.commands) commands.push([cmd.fullName, calls!, Math.round(ms! * 1000), failed!]);
    const d = this.durability();
    const persistence: Reply = d === null ? [] : [Math.floor(d.lastSave / 1000), d.changesSinceSave, d.building ? 1 : 0, d.saves];
    return [shard.used, shard.dirty, [s.keyspaceHits, s.keyspaceMisses, s.expiredKeys, s.evictedKeys], dbs, commands, [...this.errors], persistence];
  }
}
