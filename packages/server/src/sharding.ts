/**
 * `--shards N` (issue 5, first server part): the keyspace in N shard threads (core's ShardPool,
 * the same coordination as the in-process API), this thread keeping the connections, the RESP
 * parsing and every server-level command (CLIENT, CONFIG, INFO, HELLO, ACL, pub/sub ...).
 *
 * A client's data commands — every command the core declares, but PING, ECHO and TIME, which
 * need no data — go to the shards, in per-tick batches; their replies come back in request
 * order with the rest (client.ts keeps the order). Each client has its session on every shard;
 * HELLO's protocol and SELECT's database follow it there.
 *
 * SAVE and BGSAVE snapshot every shard; each shard also follows the `save` rules given at start.
 * Not yet with shards (refused with an error naming the reason, never answered wrongly): blocking
 * commands, MIGRATE, BGREWRITEAOF, SNAPSHOT, DEBUG and MEMORY that read keys. Keyspace notifications and client-side caching invalidations are not
 * produced by shard threads yet, and INFO's commandstats/keyspace count only this thread.
 */
import { ErrorReply, OK, Status, commands, type Reply } from '@memorykv/core';
import { SAVE_SHARD } from '../../core/src/node/shard-wire.ts';
import { saveRules } from './commands/persistence.ts';
import { param } from './commands/introspection.ts';
import type { ShardPool, PoolSession, ReplyReceiver } from '../../core/src/node/shard-pool.ts';
import { startShards } from '../../core/src/node/sharded-storage.ts';
import { SET_RESP } from '../../core/src/engine/sharded.ts';
import { CORE_COMMANDS } from '../../core/src/commands/index.ts';
import { error } from '../../core/src/errors.ts';
import type { Client } from './client.ts';
import type { MemorykvServer } from './server.ts';

/** Core commands that touch no data: answered here, at once. */
const HERE = new Set(['ping', 'echo', 'time']);
/** Server commands that read or write keys in this thread's engine, which holds none when sharded. */
const NOT_SHARDED = new Set(['migrate', 'bgrewriteaof', 'snapshot', 'debug', 'memory']);
/** Snapshots of every shard (each builds its own, off its thread). */
const SNAPSHOTS = new Set(['save', 'bgsave']);

/** A reply a shard thread will give; the client writes it when its turn comes. */
export class PendingReply implements ReplyReceiver {
  done = false;
  value: Reply = null;
  /** Or the reply as RESP, encoded in the shard thread: blob[start, end). */
  blob: Uint8Array | null = null;
  start = 0;
  end = 0;
  /** The client whose replies wait for this one. */
  client: Client | null = null;

  reply(r: Reply): void {
    this.value = r;
    this.done = true;
    this.client?.drain();
  }
  bytes(blob: Uint8Array, start: number, end: number): void {
    this.blob = blob;
    this.start = start;
    this.end = end;
    this.done = true;
    this.client?.drain();
  }
  error(e: Error): void {
    this.reply(error(e.message.startsWith('ERR ') ? e.message : `ERR ${e.message}`));
  }
}

export interface ShardingOptions {
  shards: number;
  /** The directory the shards journal under (appendonlydir), or null: in memory. */
  dataDir: string | null;
  durability: 'always' | 'everysec' | 'no';
}

export class Sharding {
  private readonly sessions = new WeakMap<Client, PoolSession>();

  private constructor(
    readonly pool: ShardPool,
    private readonly server: MemorykvServer,
  ) {}

  static async start(server: MemorykvServer, o: ShardingOptions): Promise<Sharding> {
    const pool = await startShards(
      o.dataDir ?? undefined,
      {
        shards: o.shards,
        config: server.settings.engine,
        resp: 2,
        durability: o.durability,
        // The `save` rules as they were at start (CONFIG SET save reaches no shard thread yet).
        saveRules: saveRules(param(server, 'save')),
        log: (level, m) => server.log(level === 'warning' ? 'warning' : 'notice', m),
        // Replies leave the shard threads as RESP: this thread only copies them out.
        encoder: new URL('./resp/encoder.ts', import.meta.url).href,
        onShardDeath: (i) => server.log('warning', `Shard ${i}'s thread stopped and was restarted; the commands waiting on it got an error`),
      },
      { config: server.settings.engine },
    );
    return new Sharding(pool, server);
  }

  /** Whether argv runs on the shards (else here); a refusal when it cannot run sharded. */
  route(client: Client, argv: string[]): 'shards' | 'here' | Reply {
    const session = this.sessions.get(client);
    // Inside a sharded MULTI everything queues on the shards, as it would in one engine.
    if (session !== undefined && session.multi !== null) return 'shards';
    const name = argv[0]!.toLowerCase();
    if (NOT_SHARDED.has(name)) return error(`ERR '${name}' is not available yet when the keyspace is sharded (--shards)`);
    const cmd = commands.get(name);
    if (cmd === undefined) return 'here';
    if (cmd.flags.includes('blocking')) return error(`ERR blocking commands are not available yet when the keyspace is sharded (--shards)`);
    if (SNAPSHOTS.has(name)) return argv.length <= (name === 'save' ? 1 : 2) ? 'shards' : 'here';
    return CORE_COMMANDS.has(name) && !HERE.has(name) ? 'shards' : 'here';
  }

  run(client: Client, argv: string[]): PendingReply {
    const name = argv[0]!.toLowerCase();
    if (SNAPSHOTS.has(name)) return this.snapshot(name === 'bgsave');
    let session = this.sessions.get(client);
    if (session === undefined) {
      session = this.pool.createSession();
      this.sessions.set(client, session);
    }
    if (session.resp !== client.resp) {
      session.resp = client.resp;
      void this.pool.execute(session, [SET_RESP, String(client.resp)]);
    }
    const p = new PendingReply();
    if (!this.pool.send(session, argv, p, undefined, client.resp)) {
      const done = this.pool.execute(session, argv);
      done.then(
        (r) => p.reply(r),
        (e: Error) => p.error(e),
      );
      // SELECT: the server's own view of the client's database (CLIENT LIST db=) follows.
      if (name === 'select') void done.then((r) => r !== null && typeof r === 'object' && 'text' in r && (client.db = Number(argv[1])));
    }
    return p;
  }

  /**
   * SAVE: every shard builds a snapshot of what it acknowledged (each in its own builder thread)
   * and SAVE answers once all are verified. BGSAVE answers at once; a failure is logged.
   */
  private snapshot(background: boolean): PendingReply {
    const p = new PendingReply();
    const all = Promise.all(Array.from({ length: this.pool.n }, (_, i) => this.pool.control(i, [SAVE_SHARD]))).then((rs) => {
      const failed = rs.find((r) => r instanceof ErrorReply);
      if (failed !== undefined) throw new Error((failed as ErrorReply).message);
    });
    if (background) {
      p.reply(new Status('Background saving started'));
      all.catch((e: Error) => this.server.log('warning', `Background saving error: ${e.message}`));
    } else {
      all.then(
        () => p.reply(OK),
        (e: Error) => p.reply(error(`ERR ${e.message.replace(/^ERR /, '')}`)),
      );
    }
    return p;
  }

  detach(client: Client): void {
    const s = this.sessions.get(client);
    if (s !== undefined) this.pool.endSession(s);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
