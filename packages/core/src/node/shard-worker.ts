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
import { Durability } from '../durability/durability.ts';
import { ErrorReply } from '../errors.ts';
import { NO_REPLY, toJS, type Reply } from '../reply.ts';
import { Engine } from '../engine/engine.ts';
import { encodeReply, type WireReply } from '../engine/reply-codec.ts';
import { Session } from '../engine/session.ts';
import { hostExecute } from '../engine/sharded.ts';
import { openLmdbStorage } from './durable.ts';
import { CLOSE_SHARD, RAW, RESP2, RESP3, SAVE_SHARD, SETTLE, codec, type Batch } from './shard-wire.ts';



export interface ShardTask {
  port: MessagePort;
  index: number;
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
  const port = task.port;
  const log = (level: string, message: string) => port.postMessage({ log: [level, `shard ${task.index}: ${message}`] });
  let durability: Durability | null = null;
  if (task.path !== undefined) {
    const parts = await openLmdbStorage({ path: task.path, durability: task.durability }, () => engine.shard.config);
    durability = await Durability.open(engine, {
      journal: parts.journal,
      snapshots: parts.snapshots,
      saveRules: task.saveRules,
      retentionDays: task.snapshotRetentionDays,
      schedule: parts.schedule,
      pause: parts.pause,
      log,
    });
  }
  const shard = engine.shard;
  const sessions = new Map<number, Session>();
  const session = (id: number): Session => {
    let s = sessions.get(id);
    if (s === undefined) {
      s = new Session();
      s.resp = task.resp;
      sessions.set(id, s);
    }
    return s;
  };
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
      if (name === SAVE_SHARD || name === CLOSE_SHARD) {
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
    if (!waits) {
      if (durability === null) send(out as WireReply[]);
      else previous = previous.then(() => send(out as WireReply[]));
      return;
    }
    const all = Promise.all(out);
    previous = previous.then(() => all).then(send, (e: Error) => send(out.map(() => ({ e: `ERR ${e.message}` }))));
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
