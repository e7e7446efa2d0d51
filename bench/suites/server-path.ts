/**
 * The server's command path without sockets, for profile.ts (impl `server`): 50 clients of an
 * in-process MemorykvServer (in memory) each fed one read of 16 pipelined commands, as
 * redis-benchmark -c 50 -P 16 sends them, their replies taken as a socket write would. What is
 * left out is the kernel's part (read, write, epoll), equal per request to redis-server's
 * (strace). On a VM whose speed swings between runs, count instructions instead of time:
 *
 *   cd bench && npx tsx profile.ts SET server      # once, to write profiles/profile-target.mjs
 *   valgrind --tool=callgrind --cache-sim=no --callgrind-out-file=/dev/null \
 *     node --single-threaded profiles/profile-target.mjs SET server 240000   # and 1240000:
 *   the difference of the two totals / 1M = instructions per command, steady state (±1.5%).
 *   A clock read costs few instructions there but ~75 ns natively: time it natively.
 */
import { MemorykvServer } from '../../packages/server/src/server.ts';
import { Client } from '../../packages/server/src/client.ts';
import { parseServerArgs } from '../../packages/server/src/config-file.ts';

/** redis-benchmark's commands for its -t names (its default keys, without -r). */
const COMMANDS: Record<string, string[]> = {
  SET: ['SET', 'key:__rand_int__', 'xxx'],
  GET: ['GET', 'key:__rand_int__'],
  INCR: ['INCR', 'counter:__rand_int__'],
  LPUSH: ['LPUSH', 'mylist', 'xxx'],
  RPOP: ['RPOP', 'mylist'],
  SADD: ['SADD', 'myset', 'element:__rand_int__'],
  HSET: ['HSET', 'myhash', 'element:__rand_int__', 'xxx'],
  ZADD: ['ZADD', 'myzset', '0', 'element:__rand_int__'],
};

const CLIENTS = 50;
const PIPELINE = 16;

/**
 * Runs `name` for `limit` seconds, or for `limit` commands when limit > 1000; returns the
 * commands run per second.
 */
export function runServerPath(name: string, limit: number): number {
  const argv = COMMANDS[name.toUpperCase()];
  if (!argv) throw new Error(`no server command ${name}; commands: ${Object.keys(COMMANDS).join(', ')}`);
  const server = new MemorykvServer(parseServerArgs(['--save', '', '--appendonly', 'no', '--port', '0']));
  // What Client needs of a plain socket; not a net.Socket, so replies go through write().
  const socket = { writableLength: 0, bytesWritten: 0, write: () => true, on() {}, end() {}, remoteAddress: '127.0.0.1', remotePort: 1, localAddress: '127.0.0.1', localPort: 6379 };
  const clients = Array.from({ length: CLIENTS }, (_, i) => new Client(server, socket as never, i + 1));
  const readOf = (args: string[]) => Buffer.from(`*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`.repeat(PIPELINE));
  // Every command runs a while first, as redis-benchmark's earlier tests do before the measured
  // one: the dispatch path then has seen several commands (and their table entries, values and
  // replies), as it has in a real run, not only the one measured.
  for (const other of Object.values(COMMANDS)) {
    const warm = readOf(other);
    for (let i = 0; i < 40; i++) {
      for (const c of clients) {
        c.onData(warm, warm.length);
        c.parser.detach();
      }
      server.flushReads();
    }
  }
  server.execute(clients[0]!, ['DEL', 'mylist']);
  const read = readOf(argv);
  const byCount = limit > 1000;
  const end = byCount ? Infinity : performance.now() + limit * 1000;
  let n = 0;
  const t0 = performance.now();
  while (byCount ? n < limit : performance.now() < end) {
    for (const c of clients) {
      c.onData(read, read.length);
      c.parser.detach();
    }
    // The replies leave after the poll phase's reads, as in the event loop (flushAfterReads).
    server.flushReads();
    n += CLIENTS * PIPELINE;
    // Keep LPUSH's list from growing without bound (RPOP empties it by itself).
    if ((n & 0xffff) < CLIENTS * PIPELINE) server.execute(clients[0]!, ['DEL', 'mylist']);
  }
  return (n * 1000) / (performance.now() - t0);
}
