/**
 * Commands a shard's script runs that only the host can answer (issue 5): the server's PUBLISH
 * and SPUBLISH, whose subscribers live on the serving thread. A script runs to its end in one go,
 * as in Redis, so the shard thread asks synchronously: it posts `{ host: argv }` on its port and
 * waits (Atomics.wait) on its call cell, a SharedArrayBuffer the pool gave it at start, until the
 * pool has run the command and written the integer answer. The serving thread never waits on a
 * shard, so the wait always ends; a bound on it turns a host that does not answer into an error.
 *
 * The cell: [answered, value, failed]. The shard numbers its calls; the pool writes the value,
 * then the number of the call it answers, in the order the calls came. So the shard reads a value
 * only once `answered` holds its own call's number: an answer that comes after its call gave up
 * is never taken for the next one's.
 */
import type { MessagePort } from 'node:worker_threads';
import { ErrorReply } from '../errors.ts';
import type { Reply } from '../reply.ts';

/** A host that has not answered by then is stuck or gone: the script gets an error instead. */
const HOST_TIMEOUT_MS = 10_000;

/** The shard thread's side: where to ask. Set once at the shard's start. */
let host: { port: MessagePort; cell: Int32Array; seq: number } | null = null;

export function newHostCell(): SharedArrayBuffer {
  return new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);
}

/** In the shard thread: host calls go to this port and wait on this cell. */
export function installHostCalls(port: MessagePort, cell: SharedArrayBuffer): void {
  host = { port, cell: new Int32Array(cell), seq: Atomics.load(new Int32Array(cell), 0) };
}

/** In the shard thread, from a command's handler: runs argv on the host and returns its answer. */
export function hostCall(argv: readonly string[]): Reply {
  const h = host;
  if (h === null) return new ErrorReply(`ERR '${argv[0]}' cannot run here: this shard has no host`);
  const seq = (h.seq = (h.seq + 1) | 0);
  h.port.postMessage({ host: [seq, ...argv] });
  const deadline = Date.now() + HOST_TIMEOUT_MS;
  for (;;) {
    const at = Atomics.load(h.cell, 0);
    if (at === seq) return Atomics.load(h.cell, 2) !== 0 ? new ErrorReply(`ERR '${argv[0]}' failed on the serving thread`) : Atomics.load(h.cell, 1);
    const left = deadline - Date.now();
    if (left <= 0) return new ErrorReply(`ERR '${argv[0]}' got no answer from the serving thread`);
    Atomics.wait(h.cell, 0, at, left);
  }
}

/** In the pool: answers call `seq` in a shard's cell (`value` null: it failed), in call order. */
export function answerHostCall(cell: SharedArrayBuffer, seq: number, value: number | null): void {
  const c = new Int32Array(cell);
  Atomics.store(c, 1, value ?? 0);
  Atomics.store(c, 2, value === null ? 1 : 0);
  Atomics.store(c, 0, seq);
  Atomics.notify(c, 0);
}
