/**
 * The journal alone (issue 4), without engine or server: entries of B groups of one SET effect,
 * one entry appended per event-loop tick (as a shard appends its tick's effects), for B = 1, 16,
 * 100, under each appendfsync policy, plus the journal's CPU cost alone (an in-memory journal:
 * encoding and the checksum chain). At most --inflight entries wait for durability at a time (a
 * server's clients wait for their replies); a tick that finds the window full waits for the next
 * durable entry.
 *
 *   cd bench && npx tsx journal.ts                       # 1500 ms per case
 *   cd bench && npx tsx journal.ts --time 3000 --inflight 16 --filter 'always'
 *
 * Prints effects/s (= SETs/s), entries/s and the latency from append to durable (p50/p99).
 * The journal directory is a temporary one under os.tmpdir(): its disk is the one measured.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Effect } from '../packages/core/src/engine/shard.ts';
import { MemoryJournal, type FsyncPolicy, type Journal } from '../packages/core/src/durability/journal.ts';
import { openLmdbJournal } from '../packages/core/src/node/journal-lmdb.ts';

const { values: args } = parseArgs({
  options: {
    time: { type: 'string', default: '1500' },
    inflight: { type: 'string', default: '8' },
    filter: { type: 'string' },
  },
});
const TIME = Number(args.time);
const INFLIGHT = Number(args.inflight);
const filter = args.filter ? new RegExp(args.filter, 'i') : null;
const log = (s: string) => process.stdout.write(s + '\n');

type Kind = FsyncPolicy | 'memory';

interface Result {
  kind: Kind;
  batch: number;
  entries: number;
  effectsPerSec: number;
  entriesPerSec: number;
  p50: number;
  p99: number;
  bytesPerEffect: number;
}

const VALUE = 'x'.repeat(32);

async function measure(kind: Kind, batch: number): Promise<Result> {
  const dir = kind === 'memory' ? null : mkdtempSync(join(os.tmpdir(), 'memorykv-bench-journal-'));
  const journal: Journal = dir === null ? new MemoryJournal() : openLmdbJournal({ path: dir, policy: kind as FsyncPolicy });
  const appendedAt: number[] = [0];
  const latencies: number[] = [];
  let measured = 0;
  journal.onDurable((seq) => {
    const now = performance.now();
    for (let s = measured + 1; s <= seq; s++) latencies.push(now - appendedAt[s]!);
    measured = seq;
  });
  let key = 0;
  let bytes = 0;
  const tick = (): void => {
    const groups: Effect[][] = new Array(batch);
    for (let i = 0; i < batch; i++) groups[i] = [{ db: 0, argv: ['SET', `key:${key++}`, VALUE] }];
    const seq = journal.append(groups);
    appendedAt[seq] = performance.now();
  };
  const t0 = performance.now();
  let stop = false;
  await new Promise<void>((resolve) => {
    const step = (): void => {
      if (stop) {
        resolve();
        return;
      }
      if (journal.lastSeq - journal.durableSeq >= INFLIGHT) {
        journal.whenDurable(journal.durableSeq + 1).then(step, resolve);
        return;
      }
      tick();
      setImmediate(step);
    };
    setTimeout(() => (stop = true), TIME);
    step();
  });
  await journal.whenDurable();
  const elapsed = (performance.now() - t0) / 1000;
  const entries = journal.lastSeq;
  if (journal instanceof MemoryJournal) for (const v of journal.stored.values()) bytes += v.length;
  await journal.close();
  if (dir !== null) rmSync(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return {
    kind,
    batch,
    entries,
    effectsPerSec: (entries * batch) / elapsed,
    entriesPerSec: entries / elapsed,
    p50: q(0.5),
    p99: q(0.99),
    bytesPerEffect: bytes / (entries * batch),
  };
}

const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0));

const cpu = os.cpus();
log(
  `journal bench — Node ${process.versions.node}, ${cpu.length} x ${cpu[0]?.model.trim()}, load ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}, ${TIME} ms per case, ${INFLIGHT} entries in flight at most, journal in ${os.tmpdir()}`,
);
const results: Result[] = [];
for (const kind of ['always', 'everysec', 'no', 'memory'] as const) {
  for (const batch of [1, 16, 100]) {
    if (filter && !filter.test(`${kind} ${batch}`)) continue;
    const r = await measure(kind, batch);
    results.push(r);
    log(`${kind} x${batch}: ${fmt(r.effectsPerSec)} effects/s`);
  }
}
log('');
log('| policy | effects per entry | effects/s | entries/s | append -> durable p50 ms | p99 ms |');
log('|---|--:|--:|--:|--:|--:|');
for (const r of results) {
  log(`| ${r.kind === 'memory' ? 'memory (encode + chain only)' : r.kind} | ${r.batch} | ${fmt(r.effectsPerSec)} | ${fmt(r.entriesPerSec)} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} |`);
}
const mem = results.find((r) => r.kind === 'memory' && r.batch === 100);
if (mem) log(`\nstored bytes per SET effect (key:N, 32-byte value), 100 per entry: ${mem.bytesPerEffect.toFixed(1)}`);
