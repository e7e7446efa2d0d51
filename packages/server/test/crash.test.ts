/**
 * The crash test (issue 4): memorykv-server in a child process with its default durability
 * (appendonly yes, appendfsync always), clients writing concurrently and recording every
 * acknowledged reply, `kill -9` at a random moment, restart on the same data directory, and a
 * check that every acknowledged write is there, counters are at least their last acknowledged
 * value, and nothing was invented. Repeated for CYCLES cycles, each bounded in time; in every
 * third cycle a snapshot is being built when the kill comes (the restart then loads the previous
 * snapshot, or the journal, and the torn one is cleared).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers.ts';

const BIN = resolve(import.meta.dirname, '../bin/memorykv-server.js');
const CYCLES = 20;
const WRITERS = 4;
const tmp = mkdtempSync(join(tmpdir(), 'memorykv-crash-'));
let child: ChildProcess | null = null;
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

function client(port: number): Redis {
  const r = new Redis({
    port,
    host: '127.0.0.1',
    maxRetriesPerRequest: 0,
    enableReadyCheck: false,
    autoResendUnfulfilledCommands: false,
    retryStrategy: () => null,
  });
  r.on('error', () => {});
  return r;
}

/** Starts the server on the data directory and waits until it serves data (not -LOADING). */
async function startServer(dir: string): Promise<{ proc: ChildProcess; port: number }> {
  const port = await freePort();
  const proc = spawn(process.execPath, [BIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--loglevel', 'warning'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout!.on('data', (d) => (output += d));
  proc.stderr!.on('data', (d) => (output += d));
  for (let attempt = 0; attempt < 300; attempt++) {
    if (proc.exitCode !== null) throw new Error(`server exited ${proc.exitCode}: ${output}`);
    const r = client(port);
    try {
      if ((await r.dbsize()) >= 0) return { proc, port };
    } catch {
      // not listening yet, or -LOADING
    } finally {
      r.disconnect();
    }
    await new Promise((res) => setTimeout(res, 50));
  }
  proc.kill('SIGKILL');
  throw new Error(`server did not come up: ${output}`);
}

/** What the clients were told, across all cycles: the oracle the restarted server must match. */
interface Acked {
  /** key -> value of every acknowledged SET (each key is set once). */
  sets: Map<string, string>;
  /** SET keys sent (acknowledged or not): nothing else may exist. */
  setsSent: Set<string>;
  /** counter -> highest acknowledged INCR reply, and INCRs sent. */
  counters: Map<string, { acked: number; sent: number }>;
  /** list -> elements acknowledged (in push order), and elements sent. */
  lists: Map<string, { acked: number[]; sent: number }>;
}

/**
 * Writes until the kill; with `snapshot`, a BGSAVE runs meanwhile. Returns whether a snapshot
 * build was in progress right before the kill.
 */
async function writeUntilKilled(port: number, acked: Acked, cycle: number, stopAfterMs: number, snapshot: boolean): Promise<boolean> {
  const writers = Array.from({ length: WRITERS }, () => client(port));
  const admin = client(port);
  if (snapshot) await admin.bgsave().catch(() => {});
  let alive = true;
  const loops = writers.map(async (r, w) => {
    const list = `list:${w}`;
    const counter = `counter:${w % 2}`;
    let n = 0;
    while (alive) {
      const batch: Promise<unknown>[] = [];
      for (let i = 0; i < 8 && alive; i++, n++) {
        const key = `set:${cycle}:${w}:${n}`;
        const value = `v${cycle}.${w}.${n}`;
        acked.setsSent.add(key);
        batch.push(r.set(key, value).then(() => acked.sets.set(key, value)));
        const c = acked.counters.get(counter) ?? { acked: 0, sent: 0 };
        acked.counters.set(counter, c);
        c.sent++;
        batch.push(
          r.incr(counter).then((v) => {
            if (v > c.acked) c.acked = v;
          }),
        );
        const l = acked.lists.get(list) ?? { acked: [], sent: 0 };
        acked.lists.set(list, l);
        const element = l.sent++;
        batch.push(r.rpush(list, String(element)).then(() => l.acked.push(element)));
      }
      const results = await Promise.allSettled(batch);
      if (results.some((x) => x.status === 'rejected')) return;
    }
  });
  await new Promise((res) => setTimeout(res, stopAfterMs));
  const building = snapshot && /rdb_bgsave_in_progress:1/.test(await admin.info('persistence').catch(() => ''));
  child!.kill('SIGKILL');
  alive = false;
  await Promise.allSettled(loops);
  for (const r of [...writers, admin]) r.disconnect();
  return building;
}

async function verify(port: number, acked: Acked): Promise<void> {
  const r = client(port);
  try {
    // Every acknowledged SET is there with its value.
    const keys = [...acked.sets.keys()];
    for (let i = 0; i < keys.length; i += 500) {
      const chunk = keys.slice(i, i + 500);
      const values = await r.mget(...chunk);
      chunk.forEach((k, j) => expect(values[j], k).toBe(acked.sets.get(k)));
    }
    // Nothing invented: every key is one a client sent.
    const all = await r.keys('*');
    for (const k of all) {
      const known = acked.setsSent.has(k) || acked.counters.has(k) || acked.lists.has(k);
      expect(known, `unexpected key ${k}`).toBe(true);
    }
    for (const [k, c] of acked.counters) {
      const v = Number((await r.get(k)) ?? 0);
      expect(v, k).toBeGreaterThanOrEqual(c.acked);
      expect(v, k).toBeLessThanOrEqual(c.sent);
      // What survived is now the truth the next cycle's replies continue from.
      c.acked = v;
      c.sent = v;
    }
    for (const [k, l] of acked.lists) {
      const items = (await r.lrange(k, 0, -1)).map(Number);
      // One writer pushes each list in order: the list is 0, 1, 2 ... up to some n, holding
      // every acknowledged element and nothing that was never sent.
      expect(items, k).toEqual(items.map((_, i) => i));
      expect(items.length, k).toBeGreaterThanOrEqual(l.acked.length === 0 ? 0 : Math.max(...l.acked) + 1);
      expect(items.length, k).toBeLessThanOrEqual(l.sent);
      l.acked = items;
      l.sent = items.length;
    }
    // Unacknowledged SETs that survived are kept as acknowledged from now on (they exist).
    for (const k of all) {
      if (acked.setsSent.has(k) && !acked.sets.has(k)) acked.sets.set(k, (await r.get(k))!);
    }
  } finally {
    r.disconnect();
  }
}

describe('kill -9 while clients write (appendfsync always)', () => {
  it(`loses no acknowledged write in ${CYCLES} crash cycles`, async () => {
    const dir = join(tmp, 'data');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    const acked: Acked = { sets: new Map(), setsSent: new Set(), counters: new Map(), lists: new Map() };
    let totalAcked = 0;
    let killedWhileBuilding = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const { proc, port } = await startServer(dir);
      child = proc;
      await verify(port, acked);
      const before = acked.sets.size;
      // Every third cycle a snapshot is being built (in the worker) when the kill comes.
      if (await writeUntilKilled(port, acked, cycle, 50 + Math.floor(Math.random() * 250), cycle % 3 === 1)) killedWhileBuilding++;
      await new Promise<void>((res) => (proc.exitCode !== null || proc.signalCode !== null ? res() : proc.once('exit', () => res())));
      child = null;
      totalAcked += acked.sets.size - before;
    }
    const { proc, port } = await startServer(dir);
    child = proc;
    await verify(port, acked);
    proc.kill('SIGKILL');
    child = null;
    // The cycles did write (a run where every write failed would prove nothing).
    expect(totalAcked).toBeGreaterThan(CYCLES * 10);
    expect(killedWhileBuilding).toBeGreaterThan(0);
  }, 240_000);
});
