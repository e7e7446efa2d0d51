/**
 * Heap cost of 1M string keys in memorykv, run in a child process started with --expose-gc so
 * nothing else lives on the heap. The data is what redis-server's `DEBUG POPULATE 1000000 key 32`
 * writes: keys `key:0`..`key:999999`, values `value:N` zero-padded to 32 bytes.
 *
 * Prints one JSON line on stdout.
 */
import { openSync, ErrorReply, RedisError } from '@memorykv/core';

const COUNT = Number(process.argv[2] ?? 1_000_000);
const SIZE = Number(process.argv[3] ?? 32);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

function settle(): number {
  // Two passes: the first may only schedule finalization of weak structures.
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

/**
 * The value DEBUG POPULATE writes, as a flat one-byte string (what the server's RESP parser would
 * hand the engine), not a cons string of a concatenation.
 */
function populateValue(i: number): string {
  const b = Buffer.alloc(SIZE);
  b.write(`value:${i}`, 'latin1');
  return b.toString('latin1');
}

const db = openSync({ activeExpire: false });
const { engine, session } = db;
const usedBefore = engine.shard.used;
const before = settle();
const rssBefore = process.memoryUsage().rss;

let path = 'engine.execute SET';
for (let i = 0; i < COUNT; i++) {
  // Keys up to 12 chars are made flat by V8 already; values are built flat above.
  const r = engine.execute(session, ['SET', `key:${i}`, populateValue(i)]);
  if (i === 0 && r instanceof ErrorReply) {
    if (!/unknown command/i.test(r.message)) throw new RedisError(r.message);
    // Until the strings family lands: store through the keyspace, as SET would.
    path = 'keyspace.add (SET not implemented yet)';
    const ks = engine.shard.dbs[0]!;
    for (let j = 0; j < COUNT; j++) ks.add(`key:${j}`, populateValue(j));
    break;
  }
}
const after = settle();

const check = engine.execute(session, ['GET', 'key:1']);
const rss = process.memoryUsage().rss;
process.stdout.write(
  JSON.stringify({
    keys: COUNT,
    valueBytes: SIZE,
    path,
    heapBefore: before,
    heapAfter: after,
    heapDelta: after - before,
    engineUsed: engine.shard.used - usedBefore,
    rss,
    rssDelta: rss - rssBefore,
    sample: JSON.stringify(typeof check === 'string' ? check : String(check)),
    dbsize: engine.shard.dbs[0]!.size,
  }) + '\n',
);
db.close();
