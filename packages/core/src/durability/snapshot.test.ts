import { describe, expect, it } from 'vitest';
import { Packr } from 'msgpackr';
import '../node/scripting/lua.ts';
import { testEngine } from '../../test/util.ts';
import { Engine } from '../engine/engine.ts';
import type { Effect } from '../engine/shard.ts';
import type { EngineConfig } from '../config.ts';
import { JournalCorruptError, MemoryJournal, encodeEntry } from './journal.ts';
import { SnapshotConfigError, canonicalRecords, type KeyRecord } from './snapshot-codec.ts';
import {
  MemorySnapshotStore,
  SnapshotError,
  buildSnapshot,
  exportSnapshot,
  importSnapshot,
  pruneSnapshots,
  recover,
  skipMessagePack,
  snapshotRecords,
  verifySnapshot,
  writeSnapshotFromEngine,
  type SnapshotMeta,
} from './snapshot.ts';

const NOW = 1_700_000_000_000;
const clock = () => NOW;

/** A seeded PRNG (mulberry32), so a failing workload can be rerun. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LIB = (n: number, v: number) => `#!lua name=lib${n}\nredis.register_function('f${n}', function() return ${v} end)`;

/** A live engine whose effects go to a MemoryJournal, several groups per entry. */
function liveSystem(config: Partial<EngineConfig> = {}) {
  const t = testEngine({ clock, config });
  const journal = new MemoryJournal();
  let pending: Effect[][] = [];
  t.engine.onEffects((g) => pending.push(g));
  const commit = () => {
    if (pending.length > 0) journal.append(pending);
    pending = [];
  };
  return { ...t, journal, commit };
}

/** Random commands of every type over a small keyspace in 4 dbs, so keys get touched repeatedly. */
function workload(sys: ReturnType<typeof liveSystem>, seed: number, n: number): void {
  const r = rng(seed);
  const pick = <T,>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const int = (k: number) => Math.floor(r() * k);
  const key = () => pick(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 's1', 's2', 'w_1', 'w_2', 'w_3']);
  const db = () => String(int(4));
  for (let i = 0; i < n; i++) {
    const k = key();
    const k2 = key();
    const x = r();
    let argv: (string | number)[];
    if (x < 0.04) argv = ['SELECT', db()];
    else if (x < 0.1) argv = ['SET', k, `v${int(1000)}`, ...(r() < 0.3 ? ['EX', 100 + int(100)] : [])];
    else if (x < 0.13) argv = ['INCRBYFLOAT', k, '1.5'];
    else if (x < 0.15) argv = ['SETRANGE', k, int(10), 'xyz'];
    else if (x < 0.2) argv = ['RPUSH', k, ...Array.from({ length: 1 + int(4) }, () => String(int(50)))];
    else if (x < 0.23) argv = ['LPOP', k];
    else if (x < 0.28) argv = ['SADD', k, ...Array.from({ length: 1 + int(4) }, () => String(int(30)))];
    else if (x < 0.3) argv = ['SPOP', k, 1 + int(2)];
    else if (x < 0.35) argv = ['HSET', k, `f${int(5)}`, `v${int(100)}`];
    else if (x < 0.37) argv = ['HINCRBYFLOAT', k, `f${int(5)}`, '0.25'];
    else if (x < 0.42) argv = ['ZADD', k, int(100) - 50, `m${int(10)}`];
    else if (x < 0.44) argv = ['ZINCRBY', k, 2, `m${int(10)}`];
    else if (x < 0.49) argv = ['XADD', 's' + (1 + int(2)), '*', 'f', `v${int(10)}`];
    else if (x < 0.51) argv = ['XGROUP', 'CREATE', 's' + (1 + int(2)), `g${int(2)}`, '0', 'MKSTREAM'];
    else if (x < 0.54) argv = ['XREADGROUP', 'GROUP', `g${int(2)}`, `c${int(3)}`, 'COUNT', 2, 'STREAMS', 's' + (1 + int(2)), '>'];
    else if (x < 0.55) argv = ['XACK', 's' + (1 + int(2)), `g${int(2)}`, `${NOW}-${int(5)}`];
    else if (x < 0.56) argv = ['XDEL', 's' + (1 + int(2)), `${NOW}-${int(5)}`];
    else if (x < 0.57) argv = ['XTRIM', 's' + (1 + int(2)), 'MAXLEN', int(4)];
    else if (x < 0.61) argv = ['EXPIRE', k, 50 + int(100)];
    else if (x < 0.62) argv = ['PEXPIREAT', k, 1]; // in the past: a DEL
    else if (x < 0.63) argv = ['PERSIST', k];
    else if (x < 0.67) argv = ['DEL', k];
    else if (x < 0.7) argv = ['RENAME', k, k2];
    else if (x < 0.73) argv = ['MOVE', k, db()];
    else if (x < 0.76) argv = ['COPY', k, k2, ...(r() < 0.6 ? ['DB', db()] : []), ...(r() < 0.5 ? ['REPLACE'] : [])];
    else if (x < 0.78) argv = ['SWAPDB', db(), db()];
    else if (x < 0.79) argv = r() < 0.25 ? ['FLUSHDB'] : ['XREADGROUP', 'GROUP', 'g0', 'c0', 'STREAMS', 's1', '>'];
    else if (x < 0.795) argv = r() < 0.3 ? ['FLUSHALL'] : ['XGROUP', 'CREATE', 's1', 'g0', '$', 'MKSTREAM'];
    else if (x < 0.81) argv = ['FUNCTION', 'LOAD', 'REPLACE', LIB(int(3), int(100))];
    else if (x < 0.815) argv = ['FUNCTION', 'DELETE', `lib${int(3)}`];
    else if (x < 0.83) argv = ['SET', `w_${int(4)}`, String(int(20))];
    else if (x < 0.85) argv = ['SORT', k, 'BY', 'w_*', 'GET', '#', 'GET', 'w_*', 'STORE', k2];
    else if (x < 0.87) argv = ['SUNIONSTORE', k2, k, key()];
    else if (x < 0.89) argv = ['ZUNIONSTORE', k2, 2, k, key()];
    else if (x < 0.9) argv = ['LMOVE', k, k2, 'LEFT', 'RIGHT'];
    else if (x < 0.92) argv = ['MULTI'];
    else if (x < 0.94) argv = ['EXEC'];
    else if (x < 0.96) argv = ['APPEND', k, 'zz'];
    else if (x < 0.98) argv = ['GETDEL', k];
    else argv = ['HDEL', k, `f${int(5)}`];
    sys.run(...argv);
    if (int(4) === 0) sys.commit();
  }
  if (sys.session.multi !== null) sys.run('EXEC');
  sys.commit();
}

/**
 * Records with StrBuf strings spelled as plain ones: a live INCRBYFLOAT leaves an embstr StrBuf
 * where its effect (SET key result KEEPTTL) replays as a plain string, as on a Redis replica.
 */
function liveComparable(engine: Engine): unknown[] {
  return canonicalRecords(engine.shard).map((r) =>
    r[0] >= 0 && r[3] === 1 ? [r[0], r[1], r[2], 0, String.fromCharCode(...(r[4] as Uint8Array))] : r,
  );
}

/** The oracle: every effect from the journal's start replayed into a fresh engine. */
function fullReplay(journal: MemoryJournal, to: number, config: Partial<EngineConfig> = {}): Engine {
  const e = new Engine({ activeExpire: false, clock, config });
  for (const entry of journal.readFrom(1, { to })) for (const g of entry.groups) e.shard.replay(g);
  return e;
}

/** A snapshot's data loaded into a fresh engine. */
async function loaded(store: MemorySnapshotStore, meta: SnapshotMeta, config: Partial<EngineConfig> = {}): Promise<Engine> {
  const e = new Engine({ activeExpire: false, clock, config });
  const only = new MemorySnapshotStore();
  // recover() on a store holding just this snapshot and a journal ending where it does.
  const w = await only.create({ name: null, created: meta.created, seq: meta.seq, journalCrc: meta.journalCrc });
  for (let i = 0; i < meta.chunks; i++) await w.append(store.readChunk(meta.id, i)!);
  await w.complete(meta);
  const j = new MemoryJournal('always', { seq: meta.seq, crc: meta.journalCrc });
  const res = await recover(e, only, j);
  expect(res.snapshot?.id).toBe(1);
  return e;
}

describe('snapshots', () => {
  it('builds incrementally, in a chain of builds, exactly what a full replay gives (the oracle)', async () => {
    // Small encoding thresholds for half the seeds, so conversions happen all along.
    const tiny: Partial<EngineConfig> = {
      'hash-max-listpack-entries': 3,
      'set-max-intset-entries': 3,
      'set-max-listpack-entries': 3,
      'zset-max-listpack-entries': 3,
      'list-max-listpack-size': 3,
      'stream-node-max-entries': 2,
    };
    for (const seed of [1, 2, 3, 4]) {
      const config = seed % 2 === 0 ? tiny : {};
      const sys = liveSystem(config);
      const store = new MemorySnapshotStore();
      let prev: number | null = null;
      for (let round = 0; round < 4; round++) {
        workload(sys, seed * 100 + round, 400);
        const toSeq = sys.journal.lastSeq;
        const { meta, stats } = await buildSnapshot(store, prev, sys.journal, toSeq, { chunkBytes: 512, clock, config });
        expect(verifySnapshot(store, meta.id)).toEqual(meta);
        expect(meta.seq).toBe(toSeq);
        expect(meta.journalCrc).toBe(sys.journal.chainAt(toSeq).crc);
        expect(stats.entries).toBe(toSeq - (prev === null ? 0 : store.get(prev)!.seq));
        const got = await loaded(store, meta, config);
        const want = fullReplay(sys.journal, toSeq, config);
        expect(canonicalRecords(got.shard), `seed ${seed} round ${round}`).toEqual(canonicalRecords(want.shard));
        // and the live engine holds the same keys (no key expired: the clock stands still)
        expect(liveComparable(got).map((r) => (r as KeyRecord).slice(0, 3))).toEqual(liveComparable(sys.engine).map((r) => (r as KeyRecord).slice(0, 3)));
        expect(got.shard.dbs.map((d) => d.size)).toEqual(sys.shard.dbs.map((d) => d.size));
        expect(meta.keys).toBe(sys.shard.keyCount);
        prev = meta.id;
      }
      if (process.env.SNAPDBG) {
        const names: Record<string, number> = {};
        for (const e of sys.journal.readFrom(1)) for (const g of e.groups) for (const x of g) names[x.argv[0]!] = (names[x.argv[0]!] ?? 0) + 1;
        console.log(JSON.stringify(names));
      }
    }
  });

  it('handles each whole-database effect against the oracle', async () => {
    const cases: (string | number)[][][] = [
      [['SELECT', 1], ['FLUSHDB']],
      [['FLUSHALL']],
      [['SWAPDB', 0, 1]],
      [['SWAPDB', 0, 2], ['SET', 'a', 'new'], ['SWAPDB', 2, 1], ['SELECT', 1], ['FLUSHDB'], ['SWAPDB', 1, 3]],
      [['MOVE', 'a', 1], ['MOVE', 'b', 2]],
      [['COPY', 'a', 'a', 'DB', 1, 'REPLACE'], ['COPY', 'b', 'z', 'DB', 3]],
      [['SWAPDB', 0, 1], ['MOVE', 'a', 0], ['FLUSHDB'], ['SWAPDB', 1, 0]],
      [['SORT', 'l', 'BY', 'w_*', 'GET', 'w_*', 'STORE', 'out']],
      [['FUNCTION', 'LOAD', LIB(9, 9)], ['FUNCTION', 'DELETE', 'lib1']],
      [['FUNCTION', 'FLUSH']],
    ];
    for (const c of cases) {
      const sys = liveSystem();
      for (let d = 0; d < 4; d++) {
        sys.run('SELECT', d);
        sys.run('SET', 'a', `a${d}`);
        sys.run('SET', 'b', `b${d}`);
        sys.run('HSET', `h${d}`, 'f', d);
      }
      sys.run('SELECT', 0);
      sys.run('RPUSH', 'l', '1', '2', '3');
      sys.run('MSET', 'w_1', '30', 'w_2', '20', 'w_3', '10');
      sys.run('FUNCTION', 'LOAD', LIB(1, 1));
      sys.commit();
      const store = new MemorySnapshotStore();
      const first = await buildSnapshot(store, null, sys.journal, sys.journal.lastSeq, { clock });
      for (const argv of c) sys.run(...argv);
      sys.commit();
      const { meta, stats } = await buildSnapshot(store, first.meta.id, sys.journal, sys.journal.lastSeq, { clock });
      const got = await loaded(store, meta);
      expect(canonicalRecords(got.shard), JSON.stringify(c)).toEqual(canonicalRecords(fullReplay(sys.journal, meta.seq).shard));
      expect(got.execute(got.createSession(), ['FUNCTION', 'LIST'])).toEqual(sys.run('FUNCTION', 'LIST'));
      // Only what the effects touched went through the scratch engine.
      expect(stats.loadedKeys).toBeLessThanOrEqual(6);
    }
  });

  it('materializes only the touched keys of a large snapshot (no second copy of the data)', async () => {
    const sys = liveSystem();
    const N = 200_000;
    for (let i = 0; i < N; i += 1000) {
      const args: string[] = [];
      for (let j = i; j < i + 1000; j++) args.push(`key:${j}`, `value:${j}`);
      sys.run('MSET', ...args);
    }
    sys.commit();
    const store = new MemorySnapshotStore();
    const base = await writeSnapshotFromEngine(sys.engine, store, sys.journal.chainAt(sys.journal.lastSeq));
    expect(base.keys).toBe(N);
    expect(base.chunks).toBeGreaterThan(1);
    sys.run('SET', 'key:5', 'changed');
    sys.run('DEL', 'key:6');
    sys.run('INCR', 'counter');
    sys.run('RENAME', 'key:7', 'renamed');
    sys.commit();
    const { meta, stats } = await buildSnapshot(store, base.id, sys.journal, sys.journal.lastSeq);
    expect(stats.loadedKeys).toBe(3); // key:5, key:6, key:7 (counter and renamed did not exist)
    expect(stats.scratchKeys).toBe(3); // key:5, counter, renamed
    expect(stats.copiedRecords).toBe(N - 3);
    expect(meta.keys).toBe(N); // - key:6 + counter
    let changed: unknown;
    let n = 0;
    for (const r of snapshotRecords(store, meta.id)) {
      n++;
      if (r[1] === 'key:5') changed = r[4];
      expect(r[1]).not.toBe('key:6');
    }
    expect(n).toBe(N);
    expect(changed).toBe('changed');
  });

  it('reads the heads of the records it copies, in every form MessagePack gives them, as a full decode would', async () => {
    // Keys of every str width and with non-ASCII bytes, a database past 127 (a uint 8 in the
    // record), values of every type; then a build that touches a few keys and swaps two dbs.
    const config: Partial<EngineConfig> = { databases: 200 };
    const sys = liveSystem(config);
    const keys = ['k', 'x'.repeat(31), 'y'.repeat(32), 'z'.repeat(255), 'w'.repeat(256), 'v'.repeat(70_000), '\xff\x00\x80key', '\u00e9t\u00e9'];
    for (const db of ['0', '150', '199']) {
      sys.run('SELECT', db);
      keys.forEach((k, i) => {
        sys.run('SET', `s:${k}`, `v${i}`);
        sys.run('RPUSH', `l:${k}`, 'a', 'b');
        sys.run('HSET', `h:${k}`, 'f', '1');
        sys.run('SADD', `t:${k}`, 'm', '2');
        sys.run('ZADD', `z:${k}`, '1.5', 'm');
        sys.run('XADD', `x:${k}`, '1-1', 'f', 'v');
        sys.run('PEXPIREAT', `s:${k}`, String(NOW + 1e9 + i));
      });
    }
    sys.run('SELECT', '0');
    sys.run('FUNCTION', 'LOAD', LIB(1, 1));
    sys.commit();
    const store = new MemorySnapshotStore();
    const base = await writeSnapshotFromEngine(sys.engine, store, sys.journal.chainAt(sys.journal.lastSeq));
    sys.run('SELECT', '150');
    sys.run('SET', `s:${keys[6]}`, 'changed');
    sys.run('DEL', `l:${keys[5]}`);
    sys.run('SWAPDB', '0', '199');
    sys.commit();
    const toSeq = sys.journal.lastSeq;
    const { meta, stats } = await buildSnapshot(store, base.id, sys.journal, toSeq, { chunkBytes: 4096, clock, config });
    expect(stats.loadedKeys).toBe(2);
    const got = await loaded(store, meta, config);
    expect(canonicalRecords(got.shard)).toEqual(canonicalRecords(fullReplay(sys.journal, toSeq, config).shard));
    expect(got.shard.dbs[150]!.size).toBe(keys.length * 6 - 1);
  });

  it('skips MessagePack values of every form to exactly where msgpackr ends them', () => {
    const packr = new Packr({ useRecords: false, moreTypes: false });
    const ints = [0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 53 - 1)];
    const floats = [0.5, 0.1, 1e300, -2.5, NaN, Infinity];
    const strs = [0, 31, 32, 255, 256, 65535, 65536].map((n) => 'a'.repeat(n)).concat(['\xff\xfe', '\u00e9']);
    const bins = [0, 1, 255, 256, 65536].map((n) => new Uint8Array(n).fill(7));
    const arrays = [0, 15, 16, 65536].map((n) => new Array(n).fill(1));
    const maps = [{}, { a: 1, b: [2, 'x'] }, Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]))];
    const values: unknown[] = [null, true, false, ...ints, ...floats, ...strs, ...bins, ...arrays, ...maps, [[1, [2, [3, 'deep']]], { m: [null] }]];
    for (const v of values) {
      const b = packr.pack(v);
      expect(skipMessagePack(b, 0, 1), JSON.stringify(v)?.slice(0, 40)).toBe(b.length);
      expect(skipMessagePack(b.subarray(0, b.length - 1), 0, 1)).toBe(-1); // cut short: never past the end
    }
    const all = packr.pack(values);
    expect(skipMessagePack(all, 0, 1)).toBe(all.length);
    expect(skipMessagePack(new Uint8Array([0xc1]), 0, 1)).toBe(-1); // never used
    expect(skipMessagePack(new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff, 1]), 0, 1)).toBe(-1); // a count beyond the data
  });

  it('detects torn and corrupt snapshots', async () => {
    const sys = liveSystem();
    workload(sys, 7, 200);
    const store = new MemorySnapshotStore();
    const { meta } = await buildSnapshot(store, null, sys.journal, sys.journal.lastSeq, { chunkBytes: 64 });
    expect(meta.chunks).toBeGreaterThan(1);
    const torn = await store.create({ name: null, created: 1, seq: meta.seq, journalCrc: meta.journalCrc });
    await torn.append(store.readChunk(meta.id, 0)!);
    expect(() => verifySnapshot(store, torn.id)).toThrow(/torn: it was never completed/);
    expect(() => verifySnapshot(store, 99)).toThrow(/does not exist/);
    const chunk = store.data.get(meta.id)![1]!;
    chunk[chunk.length - 1]! ^= 1;
    expect(() => verifySnapshot(store, meta.id)).toThrow(SnapshotError);
    expect(() => verifySnapshot(store, meta.id)).toThrow(/corrupt: data checksum/);
    // A build from a corrupt snapshot fails (its checksum is checked as it is read) and leaves nothing.
    workload(sys, 8, 50);
    const before = store.list().map((m) => m.id);
    await expect(buildSnapshot(store, meta.id, sys.journal, sys.journal.lastSeq)).rejects.toThrow(/corrupt: data checksum/);
    expect(store.list().map((m) => m.id)).toEqual(before);
    chunk[chunk.length - 1]! ^= 1;
    store.data.get(meta.id)!.pop();
    expect(() => verifySnapshot(store, meta.id)).toThrow(/chunk \d+ of \d+ is missing/);
  });

  it('recovers from the newest snapshot that verifies plus the journal tail, falling back past torn and corrupt ones', async () => {
    const sys = liveSystem();
    const store = new MemorySnapshotStore();
    workload(sys, 11, 300);
    const s1 = (await buildSnapshot(store, null, sys.journal, sys.journal.lastSeq, { chunkBytes: 256 })).meta;
    workload(sys, 12, 300);
    const s2 = (await buildSnapshot(store, s1.id, sys.journal, sys.journal.lastSeq, { chunkBytes: 256 })).meta;
    workload(sys, 13, 300);
    const s3 = (await buildSnapshot(store, s2.id, sys.journal, sys.journal.lastSeq, { chunkBytes: 256 })).meta;
    workload(sys, 14, 100);
    // s3 corrupt, a newer one torn
    store.data.get(s3.id)![0]![5]! ^= 0x40;
    const torn = await store.create({ name: null, created: NOW, seq: sys.journal.lastSeq, journalCrc: sys.journal.lastCrc });
    void torn;
    const logs: string[] = [];
    const progress: number[] = [];
    const e = new Engine({ activeExpire: false, clock });
    const res = await recover(e, store, sys.journal, {
      log: (level, m) => logs.push(`${level}: ${m}`),
      onProgress: (p) => progress.push(p.keysLoaded),
      pause: () => Promise.resolve(),
    });
    expect(res.snapshot?.id).toBe(s2.id);
    expect(res.skipped.map((s) => s.id)).toEqual([torn.id, s3.id]);
    expect(logs.some((l) => l.startsWith('warning') && l.includes(`Snapshot ${s3.id}`) && l.includes('corrupt'))).toBe(true);
    expect(logs.some((l) => l.includes(`Snapshot ${torn.id}`) && l.includes('torn'))).toBe(true);
    expect(res.seq).toBe(sys.journal.lastSeq);
    expect(res.entriesReplayed).toBe(sys.journal.lastSeq - s2.seq);
    expect(progress.length).toBeGreaterThan(0);
    expect(canonicalRecords(e.shard)).toEqual(canonicalRecords(fullReplay(sys.journal, sys.journal.lastSeq).shard));
    expect(e.shard.dbs.map((d) => d.size)).toEqual(sys.shard.dbs.map((d) => d.size));
  });

  it('replays the journal from its start without a snapshot, and refuses when its start was truncated', async () => {
    const sys = liveSystem();
    workload(sys, 21, 300);
    const e = new Engine({ activeExpire: false, clock });
    const res = await recover(e, new MemorySnapshotStore(), sys.journal);
    expect(res.snapshot).toBe(null);
    expect(canonicalRecords(e.shard)).toEqual(canonicalRecords(fullReplay(sys.journal, sys.journal.lastSeq).shard));
    expect(e.shard.dbs.map((d) => d.size)).toEqual(sys.shard.dbs.map((d) => d.size));

    // A snapshot older than the journal's start is unusable.
    const store = new MemorySnapshotStore();
    const s1 = (await buildSnapshot(store, null, sys.journal, 5)).meta;
    await sys.journal.truncateBefore(10);
    const logs: string[] = [];
    await expect(recover(new Engine({ activeExpire: false }), store, sys.journal, { log: (_, m) => logs.push(m) })).rejects.toThrow(
      /no usable snapshot, and the journal starts at sequence number 10/,
    );
    expect(logs.join('\n')).toContain(`Snapshot ${s1.id}`);
    await expect(recover(new Engine({ activeExpire: false }), new MemorySnapshotStore(), sys.journal)).rejects.toThrow(SnapshotError);
  });

  it('stops with the JournalCorruptError naming the sequence number when the chain breaks, leaving no partial data', async () => {
    const sys = liveSystem();
    const store = new MemorySnapshotStore();
    workload(sys, 31, 200);
    const s1 = (await buildSnapshot(store, null, sys.journal, sys.journal.lastSeq)).meta;
    workload(sys, 32, 200);
    const bad = s1.seq + 3;
    // An entry replaced by a well-formed one chained from the wrong value.
    sys.journal.stored.set(bad, encodeEntry(12345, bad, [[{ db: 0, argv: ['SET', 'evil', '1'] }]]).value);
    const e = new Engine({ activeExpire: false });
    const err = await recover(e, store, sys.journal).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(JournalCorruptError);
    expect((err as JournalCorruptError).seq).toBe(bad);
    expect((err as Error).message).toContain(`sequence number ${bad}`);
    expect(e.shard.keyCount).toBe(0);
    // The incremental build verifies the chain too.
    await expect(buildSnapshot(store, s1.id, sys.journal, sys.journal.lastSeq)).rejects.toThrow(JournalCorruptError);
    expect(store.list().map((m) => m.id)).toEqual([s1.id]); // the failed build left nothing
    // A snapshot whose recorded journal checksum is not this journal's history.
    const other = new MemorySnapshotStore();
    const w = await other.create({ name: null, created: 1, seq: 2, journalCrc: 0xdead });
    await w.complete({ keys: 0, bytes: 0, chunks: 0, checksum: 0 });
    await expect(recover(new Engine({ activeExpire: false }), other, sys.journal)).rejects.toThrow(JournalCorruptError);
  });

  it('stops, rather than fall back, when the data does not fit the config (databases)', async () => {
    const sys = liveSystem();
    sys.run('SELECT', 9);
    sys.run('SET', 'k', 'v');
    sys.commit();
    const store = new MemorySnapshotStore();
    await writeSnapshotFromEngine(sys.engine, store, sys.journal.chainAt(1));
    const e = new Engine({ activeExpire: false, config: { databases: 4 } });
    await expect(recover(e, store, sys.journal)).rejects.toThrow(SnapshotConfigError);
    expect(e.shard.keyCount).toBe(0);
  });

  it('prunes automatic snapshots past the retention period, keeps named ones and the newest verified one', async () => {
    const store = new MemorySnapshotStore();
    const DAY = 86_400_000;
    const sys = liveSystem();
    sys.run('SET', 'k', 'v');
    sys.commit();
    const point = sys.journal.chainAt(1);
    const mk = (created: number, name: string | null = null) => writeSnapshotFromEngine(sys.engine, store, point, { created, name });
    const old1 = await mk(NOW - 10 * DAY);
    const named = await mk(NOW - 9 * DAY, 'keep-me');
    const old2 = await mk(NOW - 8 * DAY);
    const recent = await mk(NOW - 1 * DAY);
    await expect(mk(NOW, 'keep-me')).rejects.toThrow(/already exists/);
    const deleted = await pruneSnapshots(store, { retentionDays: 7, now: NOW });
    expect(deleted.map((m) => m.id)).toEqual([old1.id, old2.id]);
    expect(store.list().map((m) => m.id)).toEqual([named.id, recent.id]);
    // retention 0: only the recovery base (the newest verified) survives among automatic ones,
    // and a corrupt newest one is no base.
    const newest = await mk(NOW);
    store.data.get(newest.id)![0]![3]! ^= 1;
    const deleted0 = await pruneSnapshots(store, { retentionDays: 0, now: NOW + 1 });
    expect(deleted0.map((m) => m.id)).toEqual([newest.id]);
    expect(store.list().map((m) => m.id)).toEqual([named.id, recent.id]);
    // A snapshot named as verified is the base without being re-read (its data is not looked at).
    const older = await mk(NOW - 3 * DAY);
    const verified = await mk(NOW - 2 * DAY);
    store.data.get(verified.id)![0]![3]! ^= 1;
    const deletedV = await pruneSnapshots(store, { retentionDays: 0, now: NOW, verifiedId: verified.id });
    expect(deletedV.map((m) => m.id)).toEqual([recent.id, older.id]);
    expect(store.list().map((m) => m.id)).toEqual([named.id, verified.id]);
    // torn ones only on request
    await store.create({ name: null, created: 0, seq: 1, journalCrc: point.crc });
    expect(await pruneSnapshots(store, { retentionDays: 35, now: NOW })).toEqual([]);
    expect((await pruneSnapshots(store, { retentionDays: 35, now: NOW, removeIncomplete: true })).length).toBe(1);
    await expect(pruneSnapshots(store, { retentionDays: 36 })).rejects.toThrow(/0..35/);
  });

  it('exports a snapshot to one file and imports it back; a damaged file fails cleanly', async () => {
    const sys = liveSystem();
    workload(sys, 41, 400);
    const store = new MemorySnapshotStore();
    const { meta } = await buildSnapshot(store, null, sys.journal, sys.journal.lastSeq, { chunkBytes: 300, name: 'nightly' });
    const pieces = [...exportSnapshot(store, meta.id)];
    const file = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of pieces) {
      file.set(p, off);
      off += p.length;
    }
    // Re-split into odd pieces, delivered asynchronously, as a file stream would.
    async function* stream(bytes: Uint8Array, size: number) {
      for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
    }
    const other = new MemorySnapshotStore();
    let seen = 0;
    const imported = await importSnapshot(stream(file, 77), other, { onProgress: (n) => (seen = n) });
    expect(seen).toBe(file.length);
    expect(imported).toMatchObject({ name: 'nightly', seq: meta.seq, journalCrc: meta.journalCrc, keys: meta.keys, checksum: meta.checksum });
    verifySnapshot(other, imported.id);
    expect([...snapshotRecords(other, imported.id)]).toEqual([...snapshotRecords(store, meta.id)]);
    await expect(importSnapshot([file], other)).rejects.toThrow(/'nightly' already exists/);
    expect((await importSnapshot([file], other, { name: null })).name).toBe(null);

    for (const damage of [
      (f: Uint8Array) => f.subarray(0, f.length - 9), // truncated
      (f: Uint8Array) => {
        const g = f.slice();
        g[Math.floor(g.length / 2)]! ^= 0x10; // a flipped bit in the data
        return g;
      },
      (f: Uint8Array) => {
        const g = f.slice();
        g[0] = 0; // not our file
        return g;
      },
    ]) {
      const target = new MemorySnapshotStore();
      await expect(importSnapshot(stream(damage(file), 1000), target)).rejects.toThrow(/snapshot file is corrupt/);
      expect(target.list()).toEqual([]);
    }
    // Exporting a corrupt snapshot fails too.
    store.data.get(meta.id)![0]![2]! ^= 1;
    expect(() => [...exportSnapshot(store, meta.id)]).toThrow(/corrupt/);
  });
});
