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
import { startCron } from '../engine/engine.ts';
import { encodeReply, type WireReply } from '../engine/reply-codec.ts';
import { Session } from '../engine/session.ts';
import { hostExecute } from '../engine/sharded.ts';
import { Shard } from '../engine/shard.ts';

export interface ShardTask {
  port: MessagePort;
  index: number;
  config?: Partial<EngineConfig>;
  activeExpire?: boolean;
  /** The RESP version of new sessions (the in-process API speaks 3). */
  resp: 2 | 3;
}

/** A batch: [session id, argv] per command; a session id below 0 ends that session. */
export type Batch = [number, string[]][];

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
  port.on('message', (batch: Batch) => {
    const out: WireReply[] = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const [id, argv] = batch[i]!;
      if (id < 0) {
        sessions.get(-id - 1)?.discardMulti();
        sessions.delete(-id - 1);
        out[i] = null;
        continue;
      }
      out[i] = encodeReply(hostExecute(shard, session(id), argv));
    }
    port.postMessage(out);
  });
  return `shard ${task.index} ready`;
}
