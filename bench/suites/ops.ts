/**
 * Command throughput, side by side in one process and one run: memorykv's synchronous in-process
 * API, its raw engine path (`engine.execute(session, argv)`, no argument or reply conversion),
 * ioredis-mock, and for GET/SET a bare Map over the same 10k keys.
 *
 * Every task runs a batch of operations per tinybench iteration, so the timer's own cost
 * (tens of ns) does not swamp operations that take about as long. Each implementation gets its own
 * loop written out, so no call site is shared (and made megamorphic) between implementations.
 */
import { Bench } from 'tinybench';
import RedisMock from 'ioredis-mock';
import { openSync, ErrorReply, RedisError, type SyncDatabase } from '@memorykv/core';

export type Impl = 'memorykv' | 'engine' | 'ioredis-mock' | 'Map';

export interface TaskResult {
  case: string;
  impl: Impl;
  /** How the implementation was called. */
  via: string;
  /** Operations per tinybench iteration. */
  batch: number;
  /** Measured one operation per iteration (timer cost included), see Task.perCall. */
  perCall?: boolean;
  opsPerSec?: number;
  /** Relative margin of error of the mean iteration time, in percent. */
  rme?: number;
  iterations?: number;
  /** ops/s of every round; opsPerSec is the best. */
  rounds?: number[];
  /** Why the task was not measured (e.g. the command is not implemented yet). */
  skipped?: string;
}

export interface CaseResult {
  name: string;
  description: string;
  /** Minimum memorykv/ioredis-mock ratio. */
  targetVsMock: number | null;
  /** Minimum memorykv/Map ratio. */
  targetVsMap: number | null;
  tasks: TaskResult[];
}

export interface Task {
  impl: Impl;
  /** One operation per tinybench iteration: the timer's cost is included, as in the figures. */
  perCall?: boolean;
  via: string;
  batch: number;
  fn: () => unknown;
  /** Untimed work before each iteration (e.g. emptying a set that the iteration fills). */
  beforeEach?: () => void | Promise<void>;
}

interface CaseDef {
  name: string;
  description: string;
  targetVsMock: number | null;
  targetVsMap: number | null;
  /** Builds fixtures and returns the tasks; throws RedisError when a command is missing. */
  memorykv(db: SyncDatabase): Task[];
  mock?(r: Mock): Promise<Task[]> | Task[];
  map?(): Task[];
}

type Mock = InstanceType<typeof RedisMock>;

const N = 10_000;
const keys = Array.from({ length: N }, (_, i) => `key:${i}`);
const ctrs = Array.from({ length: N }, (_, i) => `ctr:${i}`);
/** 1000 hashes x 10 fields, laid out so that consecutive operations touch different hashes. */
const hkeys = Array.from({ length: N }, (_, i) => `h:${i % 1000}`);
const hfields = Array.from({ length: N }, (_, i) => `f${(i / 1000) | 0}`);
const members = Array.from({ length: N }, (_, i) => `m:${i}`);
/**
 * A flat one-byte string, as the RESP parser would produce: 'v'.repeat(32) makes a cons string,
 * which every charCodeAt scan (e.g. the API's UTF-8 check of replies) walks 5-7x slower.
 */
const VALUE = Buffer.alloc(32, 'v').toString('latin1');
/** Pseudo-random scores (deterministic between runs), as the strings a client would send. */
const SCORES = Array.from({ length: 1 << 16 }, (_, i) => String(((i * 2654435761) >>> 0) % 1_000_000));
/** Search centres inside the 1x1 degree area the geo points cover. */
const CENTRES = Array.from({ length: 64 }, (_, i) => [String(13.2 + (i % 8) * 0.08), String(38.2 + ((i / 8) | 0) * 0.08)]);

const BATCH = 1000;
/** Read results land here so that no loop is dead code. */
let sink = 0;
const MOCK_BATCH = 100;

function cases(): CaseDef[] {
  return [
    {
      name: 'GET',
      description: 'GET of an existing 32-byte value, 10k keys',
      targetVsMock: 3,
      targetVsMap: 1 / 3,
      memorykv(db) {
        for (const k of keys) db.set(k, VALUE);
        const { engine, session } = db;
        let i = 0;
        let j = 0;
        let p = 0;
        let q = 0;
        return [
          { impl: 'memorykv', via: 'db.get(k)', batch: BATCH, fn() { for (let n = 0; n < BATCH; n++) { if (db.get(keys[i]!) === null) sink++; if (++i === N) i = 0; } } },
          { impl: 'engine', via: "engine.execute(s, ['GET', k])", batch: BATCH, fn() { for (let n = 0; n < BATCH; n++) { if (engine.execute(session, ['GET', keys[j]!]) === null) sink++; if (++j === N) j = 0; } } },
          { impl: 'memorykv', perCall: true, via: 'db.get(k)', batch: 1, fn() { if (db.get(keys[p]!) === null) sink++; if (++p === N) p = 0; } },
          { impl: 'engine', perCall: true, via: "engine.execute(s, ['GET', k])", batch: 1, fn() { if (engine.execute(session, ['GET', keys[q]!]) === null) sink++; if (++q === N) q = 0; } },
        ];
      },
      async mock(r) {
        for (const k of keys) await r.set(k, VALUE);
        let i = 0;
        let p = 0;
        return [
          { impl: 'ioredis-mock', via: 'await r.get(k)', batch: MOCK_BATCH, async fn() { for (let n = 0; n < MOCK_BATCH; n++) { if ((await r.get(keys[i]!)) === null) sink++; if (++i === N) i = 0; } } },
          { impl: 'ioredis-mock', perCall: true, via: 'await r.get(k)', batch: 1, async fn() { if ((await r.get(keys[p]!)) === null) sink++; if (++p === N) p = 0; } },
        ];
      },
      map() {
        const m = new Map<string, string>();
        for (const k of keys) m.set(k, VALUE);
        let i = 0;
        let p = 0;
        return [
          { impl: 'Map', via: 'map.get(k)', batch: BATCH, fn() { for (let n = 0; n < BATCH; n++) { if (m.get(keys[i]!) === undefined) sink++; if (++i === N) i = 0; } } },
          { impl: 'Map', perCall: true, via: 'map.get(k)', batch: 1, fn() { if (m.get(keys[p]!) === undefined) sink++; if (++p === N) p = 0; } },
        ];
      },
    },
    {
      name: 'SET',
      description: 'SET of a 32-byte value over 10k existing keys',
      targetVsMock: 3,
      targetVsMap: 1 / 3,
      memorykv(db) {
        for (const k of keys) db.set(k, VALUE);
        const { engine, session } = db;
        let i = 0;
        let j = 0;
        let p = 0;
        let q = 0;
        return [
          { impl: 'memorykv', via: 'db.set(k, v)', batch: BATCH, fn() { for (let n = 0; n < BATCH; n++) { db.set(keys[i]!, VALUE); if (++i === N) i = 0; } } },
          { impl: 'engine', via: "engine.execute(s, ['SET', k, v])", batch: BATCH, fn() { for (let n = 0; n < BATCH; n++) { engine.execute(session, ['SET', keys[j]!, VALUE]); if (++j === N) j = 0; } } },
          { impl: 'memorykv', perCall: true, via: 'db.set(k, v)', batch: 1, fn() { db.set(keys[p]!, VALUE); if (++p === N) p = 0; } },
          { impl: 'engine', perCall: true, via: "engine.execute(s, ['SET', k, v])", batch: 1, fn() { engine.execute(session, ['SET', keys[q]!, VALUE]); if (++q === N) q = 0; } },
        ];
      },
      async mock(r) {
        for (const k of keys) await r.set(k, VALUE);
        let i = 0;
        let p = 0;
        return [
          { impl: 'ioredis-mock', via: 'await r.set(k, v)', batch: MOCK_BATCH, async fn() { for (let n = 0; n < MOCK_BATCH; n++) { await r.set(keys[i]!, VALUE); if (++i === N) i = 0; } } },
          { impl: 'ioredis-mock', perCall: true, via: 'await r.set(k, v)', batch: 1, async fn() { await r.set(keys[p]!, VALUE); if (++p === N) p = 0; } },
        ];
      },
      map() {
        const m = new Map<string, string>();
        for (const k of keys) m.set(k, VALUE);
        let i = 0;
        let p = 0;
        return [
          { impl: 'Map', via: 'map.set(k, v)', batch: BATCH, fn() { for (let n = 0; n < BATCH; n++) { m.set(keys[i]!, VALUE); if (++i === N) i = 0; } } },
          { impl: 'Map', perCall: true, via: 'map.set(k, v)', batch: 1, fn() { m.set(keys[p]!, VALUE); if (++p === N) p = 0; } },
        ];
      },
    },
    {
      name: 'INCR',
      description: 'INCR over 10k counters',
      targetVsMock: 3,
      targetVsMap: null,
      memorykv(db) {
        db.incr(ctrs[0]!);
        const { engine, session } = db;
        let i = 0;
        let j = 0;
        return [
          { impl: 'memorykv', via: 'db.incr(k)', batch: BATCH, fn() { for (let n = 0; n < BATCH; n++) { db.incr(ctrs[i]!); if (++i === N) i = 0; } } },
          { impl: 'engine', via: "engine.execute(s, ['INCR', k])", batch: BATCH, fn() { for (let n = 0; n < BATCH; n++) { engine.execute(session, ['INCR', ctrs[j]!]); if (++j === N) j = 0; } } },
        ];
      },
      mock(r) {
        let i = 0;
        return [{ impl: 'ioredis-mock', via: 'await r.incr(k)', batch: MOCK_BATCH, async fn() { for (let n = 0; n < MOCK_BATCH; n++) { await r.incr(ctrs[i]!); if (++i === N) i = 0; } } }];
      },
    },
    {
      name: 'HSET',
      description: 'HSET of one existing field (1000 hashes x 10 fields)',
      targetVsMock: 3,
      targetVsMap: null,
      memorykv(db) {
        for (let i = 0; i < N; i++) db.call('HSET', hkeys[i]!, hfields[i]!, VALUE);
        const { engine, session } = db;
        let i = 0;
        let j = 0;
        return [
          { impl: 'memorykv', via: "db.call('HSET', k, f, v)", batch: BATCH, fn() { for (let n = 0; n < BATCH; n++) { db.call('HSET', hkeys[i]!, hfields[i]!, VALUE); if (++i === N) i = 0; } } },
          { impl: 'engine', via: "engine.execute(s, ['HSET', k, f, v])", batch: BATCH, fn() { for (let n = 0; n < BATCH; n++) { engine.execute(session, ['HSET', hkeys[j]!, hfields[j]!, VALUE]); if (++j === N) j = 0; } } },
        ];
      },
      async mock(r) {
        for (let i = 0; i < N; i++) await r.hset(hkeys[i]!, hfields[i]!, VALUE);
        let i = 0;
        return [{ impl: 'ioredis-mock', via: 'await r.hset(k, f, v)', batch: MOCK_BATCH, async fn() { for (let n = 0; n < MOCK_BATCH; n++) { await r.hset(hkeys[i]!, hfields[i]!, VALUE); if (++i === N) i = 0; } } }];
      },
    },
    {
      name: 'HGETALL',
      description: 'HGETALL of a 10-field hash (1000 hashes)',
      targetVsMock: 3,
      targetVsMap: null,
      memorykv(db) {
        for (let i = 0; i < N; i++) db.call('HSET', hkeys[i]!, hfields[i]!, VALUE);
        const { engine, session } = db;
        let i = 0;
        let j = 0;
        return [
          { impl: 'memorykv', via: 'db.hgetall(k)', batch: BATCH, fn() { for (let n = 0; n < BATCH; n++) { db.hgetall(hkeys[i]!); if (++i === 1000) i = 0; } } },
          { impl: 'engine', via: "engine.execute(s, ['HGETALL', k])", batch: BATCH, fn() { for (let n = 0; n < BATCH; n++) { engine.execute(session, ['HGETALL', hkeys[j]!]); if (++j === 1000) j = 0; } } },
        ];
      },
      async mock(r) {
        for (let i = 0; i < N; i++) await r.hset(hkeys[i]!, hfields[i]!, VALUE);
        let i = 0;
        return [{ impl: 'ioredis-mock', via: 'await r.hgetall(k)', batch: MOCK_BATCH, async fn() { for (let n = 0; n < MOCK_BATCH; n++) { await r.hgetall(hkeys[i]!); if (++i === 1000) i = 0; } } }];
      },
    },
    {
      name: 'LPUSH+LPOP',
      description: 'one LPUSH then one LPOP (a pair counts as one op) on a 100-element list',
      targetVsMock: 3,
      targetVsMap: null,
      memorykv(db) {
        for (let i = 0; i < 100; i++) db.lpush('list', VALUE);
        const { engine, session } = db;
        return [
          { impl: 'memorykv', via: 'db.lpush(k, v); db.lpop(k)', batch: BATCH, fn() { for (let n = 0; n < BATCH; n++) { db.lpush('list', VALUE); db.lpop('list'); } } },
          { impl: 'engine', via: 'engine.execute(s, [LPUSH|LPOP ...])', batch: BATCH, fn() { for (let n = 0; n < BATCH; n++) { engine.execute(session, ['LPUSH', 'list', VALUE]); engine.execute(session, ['LPOP', 'list']); } } },
        ];
      },
      async mock(r) {
        for (let i = 0; i < 100; i++) await r.lpush('list', VALUE);
        return [{ impl: 'ioredis-mock', via: 'await r.lpush(k, v); await r.lpop(k)', batch: MOCK_BATCH, async fn() { for (let n = 0; n < MOCK_BATCH; n++) { await r.lpush('list', VALUE); await r.lpop('list'); } } }];
      },
    },
    {
      name: 'SADD',
      description: 'SADD of a new member, growing an emptied set to 1000 members per iteration',
      targetVsMock: 3,
      targetVsMap: null,
      memorykv(db) {
        db.sadd('set', members[0]!);
        const { engine, session } = db;
        return [
          { impl: 'memorykv', via: 'db.sadd(k, m)', batch: BATCH, beforeEach: () => void db.engine.shard.dbs[0]!.delete('set'), fn() { for (let n = 0; n < BATCH; n++) db.sadd('set', members[n]!); } },
          { impl: 'engine', via: "engine.execute(s, ['SADD', k, m])", batch: BATCH, beforeEach: () => void db.engine.shard.dbs[0]!.delete('set'), fn() { for (let n = 0; n < BATCH; n++) engine.execute(session, ['SADD', 'set', members[n]!]); } },
        ];
      },
      mock(r) {
        return [{ impl: 'ioredis-mock', via: 'await r.sadd(k, m)', batch: BATCH, beforeEach: async () => void (await r.del('set')), async fn() { for (let n = 0; n < BATCH; n++) await r.sadd('set', members[n]!); } }];
      },
    },
    {
      name: 'ZADD',
      description: 'ZADD changing the score of a member of a 10k-member zset',
      targetVsMock: 100,
      targetVsMap: null,
      memorykv(db) {
        db.call('ZADD', 'zset', ...members.flatMap((m, i) => [SCORES[i]!, m]));
        const { engine, session } = db;
        let i = 0;
        let j = 0;
        let si = 0;
        let sj = 0;
        return [
          { impl: 'memorykv', via: "db.call('ZADD', k, score, m)", batch: BATCH, fn() { for (let n = 0; n < BATCH; n++) { db.call('ZADD', 'zset', SCORES[si++ & 0xffff]!, members[i]!); if (++i === N) i = 0; } } },
          { impl: 'engine', via: "engine.execute(s, ['ZADD', k, score, m])", batch: BATCH, fn() { for (let n = 0; n < BATCH; n++) { engine.execute(session, ['ZADD', 'zset', SCORES[sj++ & 0xffff]!, members[j]!]); if (++j === N) j = 0; } } },
        ];
      },
      async mock(r) {
        await r.zadd('zset', ...members.flatMap((m, i) => [SCORES[i]!, m]));
        let i = 0;
        let si = 0;
        return [{ impl: 'ioredis-mock', via: 'await r.zadd(k, score, m)', batch: 1, async fn() { await r.zadd('zset', SCORES[si++ & 0xffff]!, members[i]!); if (++i === N) i = 0; } }];
      },
    },
    {
      name: 'ZRANGE 0 9',
      description: 'ZRANGE key 0 9 of a 10k-member zset',
      targetVsMock: 100,
      targetVsMap: null,
      memorykv(db) {
        db.call('ZADD', 'zset', ...members.flatMap((m, i) => [SCORES[i]!, m]));
        const { engine, session } = db;
        return [
          { impl: 'memorykv', via: "db.zrange(k, 0, 9)", batch: BATCH, fn() { for (let n = 0; n < BATCH; n++) db.zrange('zset', 0, 9); } },
          { impl: 'engine', via: "engine.execute(s, ['ZRANGE', k, '0', '9'])", batch: BATCH, fn() { for (let n = 0; n < BATCH; n++) engine.execute(session, ['ZRANGE', 'zset', '0', '9']); } },
        ];
      },
      async mock(r) {
        await r.zadd('zset', ...members.flatMap((m, i) => [SCORES[i]!, m]));
        return [{ impl: 'ioredis-mock', via: 'await r.zrange(k, 0, 9)', batch: 1, async fn() { await r.zrange('zset', 0, 9); } }];
      },
    },
    {
      name: 'GEOSEARCH',
      description: 'GEOSEARCH FROMLONLAT BYRADIUS 5 km ASC COUNT 10 over 10k points in 1x1 degree (ioredis-mock has no geo commands)',
      targetVsMock: null,
      targetVsMap: null,
      memorykv(db) {
        const args: string[] = [];
        for (let i = 0; i < N; i++) {
          // A deterministic scatter over lon 13..14, lat 38..39.
          args.push(String(13 + ((i * 7919) % 10007) / 10007), String(38 + ((i * 104729) % 10009) / 10009), members[i]!);
        }
        db.call('GEOADD', 'geo', ...args);
        const { engine, session } = db;
        let c = 0;
        let d = 0;
        return [
          { impl: 'memorykv', via: "db.geosearch(k, 'FROMLONLAT', ...)", batch: 100, fn() { for (let n = 0; n < 100; n++) { const p = CENTRES[c++ & 63]!; db.geosearch('geo', 'FROMLONLAT', p[0]!, p[1]!, 'BYRADIUS', '5', 'km', 'ASC', 'COUNT', '10'); } } },
          { impl: 'engine', via: "engine.execute(s, ['GEOSEARCH', ...])", batch: 100, fn() { for (let n = 0; n < 100; n++) { const p = CENTRES[d++ & 63]!; engine.execute(session, ['GEOSEARCH', 'geo', 'FROMLONLAT', p[0]!, p[1]!, 'BYRADIUS', '5', 'km', 'ASC', 'COUNT', '10']); } } },
        ];
      },
    },
  ];
}

function isUnknown(e: unknown): e is Error {
  return e instanceof Error && /unknown command|unknown subcommand/i.test(e.message);
}

/** One call of a task, checked: a batch of error replies would be measured as a fast command. */
function probe(db: SyncDatabase, task: Task): void {
  const { engine } = db;
  const original = engine.execute;
  let bad: string | null = null;
  // Watch every reply of one batch for errors (the typed API throws; the raw path returns them).
  engine.execute = function (this: typeof engine, s, argv) {
    const r = original.call(this, s, argv);
    if (r instanceof ErrorReply && bad === null) bad = r.message;
    return r;
  };
  try {
    task.beforeEach?.();
    task.fn();
  } finally {
    engine.execute = original;
  }
  if (bad !== null) throw new RedisError(bad);
}

export interface OpsOptions {
  /** Time budget per task in ms. */
  time: number;
  /** Rounds over all tasks; a task's best round is kept (other processes share the machine). */
  rounds: number;
  /** Only cases whose name matches. */
  filter?: RegExp;
  log?: (line: string) => void;
}

async function measure(task: Task, time: number): Promise<{ opsPerSec: number; rme: number; iterations: number }> {
  // Slow tasks (ioredis-mock re-sorting a zset on every call) need fewer than the default 64.
  const bench = new Bench({ time, warmupTime: Math.min(200, time / 4), iterations: 16, warmupIterations: 4, throws: true });
  bench.add(task.impl, task.fn, task.beforeEach ? { beforeEach: task.beforeEach } : undefined);
  await bench.run();
  const r = bench.tasks[0]!.result;
  if (!('period' in r)) throw new Error(`task ${task.impl} did not complete (${r.state})`);
  return { opsPerSec: (task.batch * 1000) / r.latency.mean, rme: r.latency.rme, iterations: r.latency.samplesCount };
}

export async function runOps(opts: OpsOptions): Promise<CaseResult[]> {
  const log = opts.log ?? (() => {});
  const out: CaseResult[] = [];
  const dbs: SyncDatabase[] = [];
  const mocks: Mock[] = [];
  const work: { result: CaseResult; task: Task; entry: TaskResult }[] = [];

  // Every fixture is built first, so that rounds can interleave all tasks.
  let port = 17000;
  for (const def of cases()) {
    if (opts.filter && !opts.filter.test(def.name)) continue;
    const result: CaseResult = { name: def.name, description: def.description, targetVsMock: def.targetVsMock, targetVsMap: def.targetVsMap, tasks: [] };
    out.push(result);

    const db = openSync() // defaults, as a user opens it: the cron keeps the LRU clock cached;
    dbs.push(db);
    let ours: Task[] = [];
    try {
      // Probed on a throwaway database, so the measured one never had its methods wrapped.
      const scratch = openSync({ activeExpire: false });
      for (const t of def.memorykv(scratch)) probe(scratch, t);
      scratch.close();
      ours = def.memorykv(db);
    } catch (e) {
      const reason = isUnknown(e) ? `not implemented yet: ${e.message}` : `error: ${(e as Error).message}`;
      for (const impl of ['memorykv', 'engine'] as const) result.tasks.push({ case: def.name, impl, via: '', batch: 0, skipped: reason });
      log(`${def.name}: memorykv skipped (${reason})`);
    }
    const tasks: Task[] = [...ours];
    if (def.mock) {
      // ioredis-mock shares data between instances of one host:port; a port per case isolates them.
      const mock: Mock = new RedisMock({ port: port++ });
      mocks.push(mock);
      tasks.push(...(await def.mock(mock)));
    }
    if (def.map) tasks.push(...def.map());
    for (const task of tasks) {
      const entry: TaskResult = { case: def.name, impl: task.impl, via: task.via, batch: task.batch, ...(task.perCall ? { perCall: true } : {}), rounds: [] };
      result.tasks.push(entry);
      work.push({ result, task, entry });
    }
  }

  for (let round = 1; round <= opts.rounds; round++) {
    log(`round ${round}/${opts.rounds}`);
    for (const { task, entry } of work) {
      const m = await measure(task, opts.time);
      entry.rounds!.push(Math.round(m.opsPerSec));
      if (entry.opsPerSec === undefined || m.opsPerSec > entry.opsPerSec) Object.assign(entry, m);
      log(`  ${entry.case.padEnd(12)} ${(task.impl + (task.perCall ? ' 1/call' : '')).padEnd(20)} ${Math.round(m.opsPerSec).toLocaleString('en-US').padStart(12)} ops/s ±${m.rme.toFixed(1)}%`);
    }
  }

  for (const db of dbs) db.close();
  for (const m of mocks) m.disconnect();
  if (sink < 0) log(String(sink));
  return out;
}

/** The memorykv tasks of one case on a fresh database, for profiling (bench/profile.ts). */
export function memorykvTasks(name: string): Task[] {
  const def = cases().find((c) => c.name.toLowerCase() === name.toLowerCase());
  if (!def) throw new Error(`no case ${name}; cases: ${cases().map((c) => c.name).join(', ')}`);
  return def.memorykv(openSync());
}
