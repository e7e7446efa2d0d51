/**
 * One shard in its own thread (issue 5): a Piscina worker whose first and only task hands it a
 * MessagePort; from then on the port carries batches — every command the coordinator
 * (engine/sharded.ts) has for this shard in one event-loop turn, each in its client's session —
 * and the replies go back as one message in the same order. The shard owns its slots' keys, its
 * expiry cycle and (later) its journal; nothing else touches them.
 */
import type { MessagePort } from 'node:worker_threads';
import './scripting/lua.ts';
import type { EngineConfig } from '../config.ts';
import { ErrorReply } from '../errors.ts';
import { toJS } from '../reply.ts';
import { startCron } from '../engine/engine.ts';
import { encodeReply, type WireReply } from '../engine/reply-codec.ts';
import { Session } from '../engine/session.ts';
import { hostExecute } from '../engine/sharded.ts';
import { Shard } from '../engine/shard.ts';
import { RAW, SETTLE, codec, type Batch } from './shard-wire.ts';

export interface ShardTask {
  port: MessagePort;
  index: number;
  config?: Partial<EngineConfig>;
  activeExpire?: boolean;
  /** The RESP version of new sessions (the in-process API speaks 3). */
  resp: 2 | 3;
}



export function startShard(task: ShardTask): string {
  const shard = new Shard(task.config);
  if (task.activeExpire !== false) startCron([shard]);
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
  const port = task.port;
  port.on('message', (packed: Uint8Array) => {
    const batch = codec.unpack(packed) as Batch;
    const out: WireReply[] = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const [id, argv] = batch[i]!;
      if (id < 0) {
        sessions.get(-id - 1)?.discardMulti();
        sessions.delete(-id - 1);
        out[i] = null;
        continue;
      }
      const how = batch[i]![2];
      const r = hostExecute(shard, session(id), argv);
      out[i] = how === RAW ? encodeReply(r) : r instanceof ErrorReply ? { e: r.message } : (toJS(r, SETTLE[how]) as WireReply);
    }
    port.postMessage(Uint8Array.prototype.slice.call(codec.pack(out)));
  });
  return `shard ${task.index} ready`;
}
