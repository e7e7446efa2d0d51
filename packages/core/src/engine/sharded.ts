/**
 * A keyspace split over N shards, each owning the keys of its slot range (DESIGN invariant 2).
 *
 * `coordinate` decides, for one client command, what each shard runs and how the replies become
 * one (with the router, router.ts). It is a generator: it yields the commands the shards must run
 * together and gets their replies back, so one implementation serves both drivers — the
 * in-thread ShardedEngine below (each shard called directly; the reference the differential test
 * runs at 4 shards against redis-server) and the worker transport (node/shard-pool.ts), which
 * ships the same commands to shard threads in per-tick batches.
 *
 * A client has a session on every shard. What they must agree on is kept in step here: SELECT
 * and UNWATCH go to all, and a rejected EXEC drops the WATCHes everywhere.
 *
 * MULTI/EXEC: every shard enters MULTI; a keyed command is queued on its slot's shard only (the
 * transaction's slot is its first keyed command's: another slot gets CROSSSLOT and dooms the
 * transaction, as in Redis Cluster), a keyless one on every shard. EXEC runs on the transaction's
 * shard (shard 0 without keys) once the WATCHes on the other shards are checked; the others are
 * discarded. A command that needs every shard (FLUSHALL, DBSIZE, KEYS, ...) cannot be part of one
 * shard's atomic EXEC: inside MULTI it is refused, and the transaction with it.
 */
import { ErrorReply, EXECABORT, error } from '../errors.ts';
import { NULL_ARRAY, Status, type Reply } from '../reply.ts';
import type { EngineConfig } from '../config.ts';
import { startCron } from './engine.ts';
import { Session } from './session.ts';
import { Shard, type Effect } from './shard.ts';
import { keyHashSlot, slotShard } from './slots.ts';
import { keyUsage } from '../keyspace/object.ts';
import { MANY_SLOTS, NO_SLOT, mergeReplies, nextScanCursor, route, scanCursor, CROSSSLOT, type Merge, type Part } from './router.ts';

/** One command for one shard, in a client's session there. */
export interface Ask {
  shard: number;
  argv: string[];
  /**
   * The shard's reply is the client's reply, untouched: a driver may have the shard convert it
   * for the caller already (the worker driver does, so big replies cross threads only once).
   */
  final?: boolean;
}

/** A command's coordination: yields what shards run together, returns the client's reply. */
export type Plan = Generator<Ask[], Reply, Reply[]>;

/**
 * Requests of the coordinator that are not commands (a NUL first byte: no command has one).
 * A shard host answers them from the client's session there (hostExecute).
 */
export const WATCH_FAILED = '\0watch-failed';
export const SESSION_DB = '\0db';
export const TX_DOOMED = '\0tx-doomed';
/** The client's protocol (HELLO): some replies take RESP3 shapes (ZRANGE WITHSCORES pairs). */
export const SET_RESP = '\0resp';
/** The client's CLIENT NO-TOUCH: its reads leave LRU/LFU alone on every shard. */
export const SET_NO_TOUCH = '\0no-touch';

/**
 * A blocking command's attempt: `[TRY_BLOCKING, ...argv]` runs argv (the non-blocking form of
 * BLPOP & co.: LMPOP, LMOVE, ZMPOP; XREAD/XREADGROUP as they are) on its keys' shard, in the
 * client's session; when it finds nothing, the client waits there, in blocking order, and the
 * shard serves it right after the command that feeds it (node/shard-worker.ts, SERVED_EVENT).
 */
export const TRY_BLOCKING = '\0try-blocking';
/**
 * `[CANCEL_BLOCKING, ...argv]` (argv: the attempt, for its keys' shard): the client stops waiting
 * there (a timeout, CLIENT UNBLOCK). 1 if it was still waiting; 0 if it was served meanwhile, its
 * reply then on its way as an event.
 */
export const CANCEL_BLOCKING = '\0cancel-blocking';
/**
 * An attempt's answer when XREAD/XREADGROUP BLOCK found nothing: `[BLOCKED_AS, ...argv]`, the
 * argv to try again with (`$` resolved to the ID it stood for when the client blocked).
 */
export const BLOCKED_AS = '\0blocked-as';
/**
 * `[UNCOUNTED, ...argv]`: argv, left out of this shard's INFO commandstats. A client command
 * every shard runs (MULTI, SELECT, FLUSHALL ...) is counted by shard 0 alone, and the DISCARDs
 * an EXEC sends the shards outside its transaction by none, so that each command counts once.
 */
export const UNCOUNTED = '\0uncounted';
/**
 * `[SCRIPT_ACL, ...argv]`: a script command (EVAL, FCALL ...) of a client whose ACL user has
 * restrictions. Its shard then asks the serving thread to check each command the script runs
 * against that user (node/shard-host.ts), as scriptVerifyACL does; the same pseudo-command names
 * that call: `[SCRIPT_ACL, session id, log 1|0, ...argv]`.
 */
export const SCRIPT_ACL = '\0script-acl';
/** `[MEMORY_USAGE, key]`: MEMORY USAGE (a server command) of a key on its shard. */
export const MEMORY_USAGE = '\0memory-usage';

/** Runs an Ask on a shard: the pseudo-commands above, else the command itself. */
export function hostExecute(shard: Shard, session: Session, argv: string[]): Reply {
  const name = argv[0]!;
  if (name === WATCH_FAILED) return session.watching.length > 0 && (session.dirtyCAS || session.watchedKeyExpired()) ? 1 : 0;
  if (name === TX_DOOMED) return session.multiError ? 1 : 0;
  if (name === SET_RESP) {
    session.resp = argv[1] === '3' ? 3 : 2;
    return 'OK';
  }
  if (name === SET_NO_TOUCH) {
    session.noTouch = argv[1] === '1';
    return 'OK';
  }
  if (name === SESSION_DB) {
    if (argv.length > 1) session.db = Number(argv[1]);
    return session.db;
  }
  if (name === UNCOUNTED) return hostExecute(shard, session, argv.slice(1));
  if (name === MEMORY_USAGE) {
    const v = shard.dbs[session.db]!.peek(argv[1]!);
    return v === undefined ? null : keyUsage(argv[1]!, v);
  }
  return shard.execute(session, argv);
}

/** What the coordinator keeps of a client beyond its sessions on the shards. */
export class ShardedSession extends Session {
  /** In MULTI: the slot and shard of the first keyed command (NO_SLOT / -1 before one). */
  txSlot = NO_SLOT;
  txShard = -1;
  /** In MULTI: a command was refused here (CROSSSLOT, needs every shard). */
  txRefused = false;
  /** In-thread driver only: this client's session on each shard. */
  readonly parts: Session[];

  constructor(n: number) {
    super();
    this.parts = [];
    for (let i = 0; i < n; i++) this.parts.push(new Session());
  }
}

const notInMulti = (name: string) => error(`ERR '${name}' needs every shard and can not run inside MULTI when the keyspace is sharded`);
const isOk = (r: Reply) => r instanceof Status && r.text === 'OK';
/** One client command on every shard, counted by shard 0 (UNCOUNTED). */
const every = (n: number, argv: string[]): Ask[] => {
  const quiet = [UNCOUNTED, ...argv];
  return Array.from({ length: n }, (_, shard) => ({ shard, argv: shard === 0 ? argv : quiet }));
};
/** What the coordinator itself sends every shard: counted by none. */
const everyQuiet = (n: number, argv: string[]): Ask[] => Array.from({ length: n }, (_, shard) => ({ shard, argv: [UNCOUNTED, ...argv] }));

/** One client command over n > 1 shards. */
export function* coordinate(session: ShardedSession, argv: string[], n: number): Plan {
  const name = argv[0]!.toLowerCase();
  if (name === SET_RESP || name === SET_NO_TOUCH) return (yield every(n, argv))[0]!;
  if (session.multi !== null) return yield* queue(session, argv, name, n);
  if (name === MEMORY_USAGE) return (yield [{ shard: slotShard(keyHashSlot(argv[1]!), n), argv, final: true }])[0]!;
  if (name === SCRIPT_ACL) {
    // Routed as the script itself; each of its asks carries the mark.
    const plan = coordinate(session, argv.slice(1), n);
    let step = plan.next();
    while (!step.done) step = plan.next(yield step.value.map((a) => ({ ...a, argv: [SCRIPT_ACL, ...a.argv] })));
    return step.value;
  }
  if (name === TRY_BLOCKING || name === CANCEL_BLOCKING) {
    const r = route(argv.slice(1), n);
    if (r.kind === 'error') return r.reply;
    if (r.kind !== 'one') return CROSSSLOT;
    return (yield [{ shard: r.shard, argv, final: true }])[0]!;
  }
  // The coordinator's state changes before the yield: a driver may coordinate the session's next
  // command before this one's replies are back (pipelining), and it must see the MULTI.
  if (name === 'multi' && argv.length === 1) {
    session.multi = [];
    session.txSlot = NO_SLOT;
    session.txShard = -1;
    session.txRefused = false;
    return (yield every(n, argv))[0]!;
  }
  // Outside MULTI these only fail, but a rejected EXEC drops the WATCHes, on every shard.
  if (name === 'exec' || name === 'discard') return (yield every(n, argv))[0]!;
  const r = route(argv, n);
  switch (r.kind) {
    case 'one':
      return (yield [{ shard: r.shard, argv, final: true }])[0]!;
    case 'error':
      return r.reply;
    case 'all': {
      const reply = mergeReplies(r.merge, yield every(n, argv));
      if (name === 'select' && isOk(reply)) session.db = Number(argv[1]);
      return reply;
    }
    case 'split':
      return yield* split(r.parts, r.merge);
    case 'scan':
      return yield* scan(argv, n);
    case 'randomkey': {
      const start = Math.floor(Math.random() * n);
      for (let j = 0; j < n; j++) {
        const k = (yield [{ shard: (start + j) % n, argv }])[0]!;
        if (k !== null) return k;
      }
      return null;
    }
  }
}

function* split(parts: Part[], merge: Merge): Plan {
  if (merge === 'msetnx') {
    // All or nothing over shards: no part may set if any key exists on any shard. The driver
    // runs nothing else between the check and the sets (see ShardedEngine, ShardPool).
    const checks = yield parts.map((p) => ({ shard: p.shard, argv: ['EXISTS', ...p.argv.filter((_, i) => i % 2 === 1)] }));
    for (const c of checks) if (c !== 0) return c instanceof ErrorReply ? c : 0;
  }
  return mergeReplies(merge, yield parts.map((p) => ({ shard: p.shard, argv: p.argv })), parts);
}

/**
 * One SCAN call walks on into the next shards while it has found fewer keys than COUNT (10 by
 * default), so a COUNT that covers the keyspace still gets everything in one call, as from Redis.
 */
function* scan(argv: string[], n: number): Plan {
  const c = scanCursor(argv[1]!, n);
  // Not a cursor: shard 0 answers Redis's error.
  if (c === null) return (yield [{ shard: 0, argv }])[0]!;
  let count = 10;
  for (let i = 2; i + 1 < argv.length; i++) if (argv[i]!.toLowerCase() === 'count') count = Number(argv[i + 1]);
  const inner = argv.slice();
  let shard = c.shard;
  inner[1] = c.inner;
  const keys: Reply[] = [];
  for (;;) {
    const r = (yield [{ shard, argv: inner.slice() }])[0]!;
    if (!Array.isArray(r)) return r;
    keys.push(...(r[1] as Reply[]));
    const next = nextScanCursor(shard, r[0] as string, n);
    if (next === '0' || Number(next) !== shard + 1 || !(keys.length < count)) return [next, keys];
    shard++;
    inner[1] = '0';
  }
}

/** A command while the session is in MULTI. */
function* queue(session: ShardedSession, argv: string[], name: string, n: number): Plan {
  if (name === 'exec' && argv.length === 1) return yield* exec(session, n);
  if (name === 'exec' || name === 'discard' || name === 'multi' || name === 'watch') {
    // EXEC with arguments is rejected and aborts the transaction; a nested MULTI or a WATCH
    // inside MULTI is only refused.
    if (name === 'exec' || (name === 'discard' && argv.length === 1)) session.multi = null;
    return (yield every(n, argv))[0]!;
  }
  const refuse = (e: ErrorReply): Reply => {
    session.txRefused = true;
    return e;
  };
  // A blocking command (the server's, see TRY_BLOCKING): shards have none to queue.
  if (name === TRY_BLOCKING) return refuse(error(`ERR '${argv[1]!.toLowerCase()}' can not run inside MULTI when the keyspace is sharded`));
  const r = route(argv, n);
  switch (r.kind) {
    case 'error':
      return refuse(r.reply);
    case 'split':
      return refuse(CROSSSLOT);
    case 'scan':
    case 'randomkey':
      return refuse(notInMulti(name));
    case 'all':
      // SELECT runs on the transaction's shard and is copied to the others after EXEC.
      if (name !== 'select') return refuse(notInMulti(name));
      return (yield every(n, argv))[0]!;
    case 'one': {
      if (r.slot === NO_SLOT) return (yield every(n, argv))[0]!;
      if (r.slot === MANY_SLOTS) return refuse(CROSSSLOT);
      if (session.txSlot === NO_SLOT) {
        session.txSlot = r.slot;
        session.txShard = r.shard;
      } else if (session.txSlot !== r.slot) return refuse(CROSSSLOT);
      return (yield [{ shard: r.shard, argv }])[0]!;
    }
  }
}

function* exec(session: ShardedSession, n: number): Plan {
  const chosen = session.txShard < 0 ? 0 : session.txShard;
  session.multi = null;
  const others = everyQuiet(n, ['DISCARD']).filter((a) => a.shard !== chosen);
  if (session.txRefused) {
    yield everyQuiet(n, ['DISCARD']);
    return EXECABORT;
  }
  // A WATCHed key on another shard changed (or expired): the transaction does not run. (A doomed
  // transaction still answers EXECABORT, from its shard, first.)
  const failed = yield others.map((a) => ({ shard: a.shard, argv: [WATCH_FAILED] }));
  if (failed.some((f) => f === 1)) {
    const doomed = (yield [{ shard: chosen, argv: [TX_DOOMED] }])[0] === 1;
    const [reply] = yield [{ shard: chosen, argv: [doomed ? 'EXEC' : 'DISCARD'] }, ...others];
    return doomed ? reply! : NULL_ARRAY;
  }
  const replies = yield [{ shard: chosen, argv: ['EXEC'] }, ...others];
  // SELECT inside the transaction moved the client on its shard: the others follow.
  const db = (yield [{ shard: chosen, argv: [SESSION_DB] }])[0] as number;
  if (db !== session.db) {
    session.db = db;
    yield others.map((a) => ({ shard: a.shard, argv: [SESSION_DB, String(db)] }));
  }
  return replies[0]!;
}

export interface ShardedEngineOptions {
  shards: number;
  config?: Partial<EngineConfig>;
  clock?: () => number;
  activeExpire?: boolean;
}

/** The in-thread driver: all shards in the calling thread, each called directly. */
export class ShardedEngine {
  readonly shards: Shard[];
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(opts: ShardedEngineOptions) {
    if (!(opts.shards >= 1)) throw new Error('shards must be at least 1');
    this.shards = [];
    for (let i = 0; i < opts.shards; i++) this.shards.push(new Shard(opts.config, opts.clock));
    if (opts.shards > 1) for (const s of this.shards) s.indexSlots();
    if (opts.activeExpire !== false) this.timer = startCron(this.shards);
  }

  get n(): number {
    return this.shards.length;
  }

  createSession(): ShardedSession {
    return new ShardedSession(this.n);
  }

  /** Receives every shard's effects: (shard index, group, the client session or null). */
  onEffects(fn: ((shard: number, effects: Effect[], session: Session | null) => void) | null): void {
    this.shards.forEach((s, i) => {
      s.onEffects = fn === null ? null : (effects, session) => fn(i, effects, session);
    });
  }

  execute(session: ShardedSession, argv: string[]): Reply {
    const { shards, n } = this;
    const parts = session.parts;
    for (const p of parts) {
      p.resp = session.resp;
      p.noTouch = session.noTouch;
    }
    if (n === 1) {
      const reply = shards[0]!.execute(parts[0]!, argv);
      session.db = parts[0]!.db;
      return reply;
    }
    const plan = coordinate(session, argv, n);
    let step = plan.next();
    while (!step.done) step = plan.next(step.value.map((a) => hostExecute(shards[a.shard]!, parts[a.shard]!, a.argv)));
    return step.value;
  }

  /** Keys across all shards and databases. */
  get keyCount(): number {
    let n = 0;
    for (const s of this.shards) n += s.keyCount;
    return n;
  }

  /** The shard that owns a key. */
  shardOf(key: string): Shard {
    const r = route(['EXISTS', key], this.n);
    return this.shards[r.kind === 'one' ? r.shard : 0]!;
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    for (const s of this.shards) s.cronTime = -1;
  }
}
