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
import { keyIndexes, runnableCommand } from '../commands/table.ts';
import { typeOf } from '../keyspace/object.ts';
import { Engine } from '../engine/engine.ts';
import { encodeReply, type WireReply } from '../engine/reply-codec.ts';
import { Session } from '../engine/session.ts';
import { TRY_BLOCKING, hostExecute } from '../engine/sharded.ts';
import { openLmdbStorage } from './durable.ts';
import {
  CLOSE_SHARD,
  EVENTS,
  MODIFIED_EVENT,
  NOTIFY_EVENT,
  RAW,
  READY_EVENT,
  RESP2,
  RESP3,
  SAVE_SHARD,
  SETTLE,
  SHARD_CONFIG,
  SHARD_FACTS,
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
  let writer: RespWriter | null = null;
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
  const send = (out: WireReply[]) => port.postMessage(Uint8Array.prototype.slice.call(codec.pack(out)));
  // Durable, replies wait for their entries; batches still answer in order.
  let previous: Promise<void> = Promise.resolve();

  port.on('message', (packed: Uint8Array) => {
    const batch = codec.unpack(packed) as Batch;
    events.inBatch = true;
    const out: (WireReply | Promise<WireReply>)[] = new Array(batch.length);
    let waits = false;
    for (let i = 0; i < batch.length; i++) {
      const [id, argv, how] = batch[i]!;
      if (id < 0) {
        sessions.get(-id - 1)?.discardMulti();
        sessions.delete(-id - 1);
        out[i] = null;
        continue;
      }
      const s = session(id);
      const name = argv[0]!;
      if (name === TRY_BLOCKING) {
        const inner = argv.slice(1);
        const attempt = () => convert(events.tryBlocking(s, inner), how);
        const refused = durability?.refuse(inner) ?? null;
        if (refused !== null) out[i] = convert(refused, how);
        else if (durability === null) out[i] = attempt();
        else {
          out[i] = durability.perform(s, inner, attempt);
          waits = true;
        }
      } else if (name === SHARD_FACTS) {
        if (argv[1] === 'reset') counters.reset();
        out[i] = convert(counters.facts(), how);
      } else if (name === SHARD_CONFIG) {
        let r: Reply = 'OK';
        if (argv[1] === 'save') saveRules = JSON.parse(argv[2]!) as OpenOptions['saveRules'];
        else r = shard.setConfig(argv[1]!, argv[2]!) ?? 'OK';
        out[i] = convert(r, how);
      } else if (name === EVENTS) {
        events.configure(argv);
        out[i] = convert('OK', how);
      } else if (name === SAVE_SHARD || name === CLOSE_SHARD) {
        out[i] = shardControl(durability, name, argv).then(
          (r) => convert(r, how),
          (e: Error) => convert(new ErrorReply(`ERR ${e.message}`), how),
        );
        waits = true;
      } else if (durability === null || name.charCodeAt(0) === 0) {
        out[i] = convert(hostExecute(shard, s, argv), how);
      } else {
        const refused = durability.refuse(argv);
        if (refused !== null) out[i] = convert(refused, how);
        else {
          out[i] = durability.perform(s, argv, () => convert(hostExecute(shard, s, argv), how));
          waits = true;
        }
      }
    }
    // The encoded replies' buffer (see convert), when any: after every entry.
    if (writer !== null && writer.length > 0) out.push(writer.take() as unknown as WireReply);
    events.inBatch = false;
    events.scanSwapped();
    // The batch's events follow its replies (and are as durable as they are).
    const happened = events.take();
    if (!waits) {
      if (durability === null) {
        send(out as WireReply[]);
        events.post(happened);
      } else
        previous = previous.then(() => {
          send(out as WireReply[]);
          events.post(happened);
        });
      return;
    }
    const all = Promise.all(out);
    previous = previous
      .then(() => all)
      .then(send, (e: Error) => send(out.map(() => ({ e: `ERR ${e.message}` }))))
      .then(() => events.post(happened));
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
 * notifications, the keys blocked clients wait on changing, and modified keys for client-side
 * caching, each only while the server asks for it. The hooks are installed only then, so a
 * shard nobody listens to pays nothing per command.
 */
class ShardEventLog {
  private records: ShardEvents = [];
  /** Set while a batch runs: its events leave with its replies; others leave at once. */
  inBatch = false;
  private scheduled = false;
  private notify = false;
  private modified = false;
  /**
   * Per db: keys a blocking command found empty, with the type it waits for ('list', 'zset');
   * the first change that leaves the key holding that type is reported, once.
   */
  private readonly watched = new Map<number, Map<string, Set<string>>>();
  private watching = 0;

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
    const notify = argv[1] ?? '0';
    this.notify = notify.startsWith('1');
    this.shard.notifyNew = this.notify && notify.includes('n');
    this.shard.notifyMiss = this.notify && notify.includes('m');
    this.shard.onNotify = this.notify ? (db, cls, event, key) => this.add(NOTIFY_EVENT, db, cls, event, key) : null;
    this.modified = argv[2] === '1';
    this.hook();
  }

  /** A blocking command's non-blocking form; nothing found: its keys are watched. */
  tryBlocking(s: Session, argv: string[]): Reply {
    const r = this.shard.execute(s, argv);
    if (r !== null && r !== NULL_ARRAY) return r;
    const cmd = runnableCommand(argv);
    if (cmd === undefined) return r;
    const type = cmd.name === 'zmpop' ? 'zset' : 'list';
    let keys = this.watched.get(s.db);
    if (keys === undefined) this.watched.set(s.db, (keys = new Map()));
    let idx = keyIndexes(cmd, argv);
    // LMOVE and RPOPLPUSH wait on their source only.
    if (cmd.name === 'lmove' || cmd.name === 'rpoplpush') idx = idx.slice(0, 1);
    for (const i of idx) {
      let types = keys.get(argv[i]!);
      if (types === undefined) keys.set(argv[i]!, (types = new Set()));
      if (types.has(type)) continue;
      types.add(type);
      this.watching++;
    }
    this.hook();
    return r;
  }

  /**
   * SWAPDB exchanges whole databases without a per-key change: the watched keys of a database
   * whose contents changed are looked at again (Redis's scanDatabaseForReadyKeys).
   */
  scanSwapped(): void {
    if (this.watching === 0) return;
    const dbs = this.shard.dbs;
    for (let i = 0; i < dbs.length; i++) {
      const main = dbs[i]!.main;
      if (this.mains[i] === main) continue;
      this.mains[i] = main;
      const keys = this.watched.get(i);
      if (keys !== undefined) for (const key of [...keys.keys()]) this.keyModified(i, key);
    }
  }
  private readonly mains: unknown[] = [];

  private hook(): void {
    const base = this.base;
    if (!(this.modified || this.watching > 0)) this.shard.onKeyModified = base;
    else if (base === null) this.shard.onKeyModified = (db, key) => this.keyModified(db, key);
    else
      this.shard.onKeyModified = (db, key) => {
        base(db, key);
        this.keyModified(db, key);
      };
  }

  private keyModified(db: number, key: string): void {
    if (this.watching > 0) {
      const types = this.watched.get(db)?.get(key);
      const v = types === undefined ? undefined : this.shard.dbs[db]!.peek(key);
      const type = v === undefined ? undefined : typeOf(v);
      if (type !== undefined && types!.delete(type)) {
        if (types!.size === 0) this.watched.get(db)!.delete(key);
        this.watching--;
        this.add(READY_EVENT, db, key, type);
        if (this.watching === 0) this.hook();
      }
    }
    if (this.modified) this.add(MODIFIED_EVENT, db, key, this.sessionId(this.shard.current));
  }

  private add(...record: (number | string)[]): void {
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
      if (shard.replaying) return call(session, cmd, argv);
      const t0 = performance.now();
      const reply = call(session, cmd, argv);
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
