/**
 * What a shard's script asks the host, the serving thread (issue 5): the server's PUBLISH and
 * SPUBLISH, whose subscribers live there, and the ACL check of each command a script of a user
 * with restrictions runs. A script runs to its end in one go, as in Redis, so the shard thread
 * asks synchronously: it posts [seq, ...argv] on its host port and waits (Atomics.wait) on its
 * call cell, a SharedArrayBuffer, until the pool has run the call, posted [seq, reply] back on
 * that port and written seq into the cell; the shard then takes the reply off the port with
 * receiveMessageOnPort (its event loop never reads that port). The serving thread never waits on
 * a shard, so the wait ends; a bound on it turns a host that does not answer into an error.
 *
 * Calls are numbered and answered in order, so a reply that comes after its call gave up is
 * passed over, never taken for the next call's.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { ErrorReply } from '../errors.ts';
import type { Reply } from '../reply.ts';
import { decodeReply, encodeReply, type WireReply } from '../engine/reply-codec.ts';

/** A host that has not answered by then is stuck or gone: the script gets an error instead. */
const HOST_TIMEOUT_MS = 10_000;

/** The shard thread's side: where to ask. Set at the shard's start. */
let host: { port: MessagePort; cell: Int32Array; seq: number } | null = null;

export function newHostCell(): SharedArrayBuffer {
  return new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
}

/** In the shard thread: host calls go out on this port and wait on this cell. */
export function installHostCalls(port: MessagePort, cell: SharedArrayBuffer): void {
  host = { port, cell: new Int32Array(cell), seq: 0 };
}

/** In the shard thread, from a command's handler: runs argv on the host and returns its reply. */
export function hostCall(argv: readonly string[]): Reply {
  const h = host;
  if (h === null) return new ErrorReply(`ERR '${argv[0]}' cannot run here: this shard has no host`);
  const seq = ++h.seq;
  h.port.postMessage([seq, ...argv]);
  const deadline = Date.now() + HOST_TIMEOUT_MS;
  for (;;) {
    const at = Atomics.load(h.cell, 0);
    if (at >= seq) {
      for (let m = receiveMessageOnPort(h.port); m !== undefined; m = receiveMessageOnPort(h.port)) {
        const [n, reply] = m.message as [number, WireReply];
        if (n === seq) return decodeReply(reply);
      }
      return new ErrorReply(`ERR '${argv[0]}' got no reply from the serving thread`);
    }
    const left = deadline - Date.now();
    if (left <= 0) return new ErrorReply(`ERR '${argv[0]}' got no answer from the serving thread`);
    Atomics.wait(h.cell, 0, at, left);
  }
}

/** In the pool, on its end of a shard's host port: runs each call with `run` and answers it. */
export function serveHostCalls(port: MessagePort, cell: SharedArrayBuffer, run: (argv: string[]) => Reply): void {
  const c = new Int32Array(cell);
  port.on('message', (call: [number, ...string[]]) => {
    const [seq, ...argv] = call;
    let reply: Reply;
    try {
      reply = run(argv);
    } catch (e) {
      reply = new ErrorReply(`ERR '${argv[0]}' failed on the serving thread: ${(e as Error).message}`);
    }
    // The reply is on the port before the cell says so: the shard reads it once it sees seq.
    port.postMessage([seq, encodeReply(reply)]);
    Atomics.store(c, 0, seq);
    Atomics.notify(c, 0);
  });
}
