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
 *
 * --codec (alone, or with --filter 'codec'): the entry codec's CPU per effect instead, no journal
 * around it: encodeEntry (with Node's bulk latin1 copies installed, and portable), decoding
 * (readFrom's decodeEntry), the chain's CRC-32C alone, and msgpackr's pack/unpack of the same
 * groups in format 1's shape (what encodeEntry did before format 2) for comparison.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Effect } from '../packages/core/src/engine/shard.ts';
import { Packr } from 'msgpackr';
import {
  ENTRY_HEADER,
  MemoryJournal,
  chainCrc,
  decodeEntry,
  encodeEntry,
  useLatin1Bytes,
  type FsyncPolicy,
  type Journal,
} from '../packages/core/src/durability/journal.ts';
import { openLmdbJournal } from '../packages/core/src/node/journal-lmdb.ts';

const { values: args } = parseArgs({
  options: {
    time: { type: 'string', default: '1500' },
    inflight: { type: 'string', default: '8' },
    filter: { type: 'string' },
    codec: { type: 'boolean', default: false },
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

/** A flat string, as the RESP parser hands argv over ('x'.repeat() builds a rope). */
const flat = (s: string): string => Buffer.from(s, 'latin1').toString('latin1');
const VALUE = flat('x'.repeat(32));

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

/** What src/node installs for the server: Buffer's bulk copies, on any Uint8Array. */
const NODE_LATIN1 = {
  alloc: (n: number) => Buffer.allocUnsafe(n),
  write: (b: Uint8Array, s: string, offset: number) => void Buffer.prototype.latin1Write.call(b, s, offset),
  read: (b: Uint8Array, start: number, end: number) => Buffer.prototype.latin1Slice.call(b, start, end),
};
useLatin1Bytes(NODE_LATIN1);

/** ns per effect of fn(i) over `perCall` effects: the best of 5 runs of ~300 ms. */
function nsPerEffect(perCall: number, fn: (i: number) => unknown): number {
  for (let i = 0; i < 2000; i++) fn(i);
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < 300) {
      for (let k = 0; k < 50; k++) fn(n++);
      t = performance.now();
    }
    best = Math.min(best, ((t - t0) * 1e6) / (n * perCall));
  }
  return best;
}

function codecBench(): void {
  // Format 1's shape through msgpackr, as encodeEntry packed it before format 2.
  const packr = new Packr({ useRecords: false, moreTypes: false });
  const packV1 = (groups: Effect[][]): Uint8Array => {
    const payload = packr.pack(groups.map((g) => g.map((e) => [e.db, e.argv])));
    const value = new Uint8Array(ENTRY_HEADER + payload.length);
    value.set(payload, ENTRY_HEADER);
    chainCrc(0, 1, value, ENTRY_HEADER, value.length);
    return value;
  };
  const cases = [
    { batch: 100, value: VALUE, what: '32 B' },
    { batch: 16, value: VALUE, what: '32 B' },
    { batch: 1, value: VALUE, what: '32 B' },
    { batch: 100, value: flat('v'.repeat(500)), what: '500 B' },
    // chars 128-255: 2 UTF-8 bytes each in format 1
    { batch: 100, value: flat(Array.from({ length: 32 }, (_, i) => String.fromCharCode(128 + i * 4)).join('')), what: '32 B, 128-255' },
  ];
  const rows: string[] = [];
  for (const { batch, value, what } of cases) {
    if (filter && !filter.test(`codec ${batch}`)) continue;
    const inputs = Array.from({ length: 64 }, (_, n) => {
      const groups: Effect[][] = new Array(batch);
      for (let i = 0; i < batch; i++) groups[i] = [{ db: 0, argv: ['SET', `key:${n * batch + i + 1000000}`, value] }];
      return groups;
    });
    const pick = <T>(a: T[], i: number): T => a[i & 63]!;
    useLatin1Bytes(NODE_LATIN1);
    const encNative = nsPerEffect(batch, (i) => encodeEntry(0, i + 1, pick(inputs, i)));
    // Entries as LMDB hands them back: Buffers.
    const stored = inputs.map((g, i) => Buffer.from(encodeEntry(0, i + 1, g).value));
    const decNative = nsPerEffect(batch, (i) => decodeEntry(1, pick(stored, i)));
    useLatin1Bytes(null);
    const encPortable = nsPerEffect(batch, (i) => encodeEntry(0, i + 1, pick(inputs, i)));
    const decPortable = nsPerEffect(batch, (i) => decodeEntry(1, pick(stored, i)));
    useLatin1Bytes(NODE_LATIN1);
    const crc = nsPerEffect(batch, (i) => {
      const v = pick(stored, i);
      return chainCrc(0, i, v, ENTRY_HEADER, v.length);
    });
    const encV1 = nsPerEffect(batch, (i) => packV1(pick(inputs, i)));
    const storedV1 = inputs.map((g) => Buffer.from(packV1(g)));
    const crcV1 = nsPerEffect(batch, (i) => {
      const v = pick(storedV1, i);
      return chainCrc(0, i, v, ENTRY_HEADER, v.length);
    });
    const decV1 = nsPerEffect(batch, (i) => {
      const v = pick(storedV1, i);
      return packr.unpack(v.subarray(ENTRY_HEADER));
    });
    const bytes = (a: Uint8Array[]) => (a.reduce((n, v) => n + v.length, 0) / (a.length * batch)).toFixed(1);
    const row = `| ${batch} x SET key:N (${what}) | ${encV1.toFixed(0)} | ${encNative.toFixed(0)} | ${encPortable.toFixed(0)} | ${decV1.toFixed(0)} | ${decNative.toFixed(0)} | ${decPortable.toFixed(0)} | ${crcV1.toFixed(0)} / ${crc.toFixed(0)} | ${bytes(storedV1)} / ${bytes(stored)} |`;
    log(row);
    rows.push(row);
  }
  log('');
  log('ns per effect; format 1 = msgpackr (before), format 2 native = with Node\'s latin1 copies (the server), portable = without');
  log('| entry | encode f1 (pack + copy + CRC) | encode f2 native | encode f2 portable | decode f1 (msgpackr unpack) | decode f2 native | decode f2 portable | CRC alone f1 / f2 | bytes per effect f1 / f2 |');
  log('|---|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const r of rows) log(r);
}

const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0));

const cpu = os.cpus();
log(
  `journal bench — Node ${process.versions.node}, ${cpu.length} x ${cpu[0]?.model.trim()}, load ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}, ${TIME} ms per case, ${INFLIGHT} entries in flight at most, journal in ${os.tmpdir()}`,
);
if (args.codec || (filter && filter.test('codec'))) codecBench();
const results: Result[] = [];
for (const kind of args.codec ? [] : (['always', 'everysec', 'no', 'memory'] as const)) {
  for (const batch of [1, 16, 100]) {
    if (filter && !filter.test(`${kind} ${batch}`)) continue;
    const r = await measure(kind, batch);
    results.push(r);
    log(`${kind} x${batch}: ${fmt(r.effectsPerSec)} effects/s`);
  }
}
if (results.length === 0) process.exit(0);
log('');
log('| policy | effects per entry | effects/s | entries/s | append -> durable p50 ms | p99 ms |');
log('|---|--:|--:|--:|--:|--:|');
for (const r of results) {
  log(`| ${r.kind === 'memory' ? 'memory (encode + chain only)' : r.kind} | ${r.batch} | ${fmt(r.effectsPerSec)} | ${fmt(r.entriesPerSec)} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} |`);
}
const mem = results.find((r) => r.kind === 'memory' && r.batch === 100);
if (mem) log(`\nstored bytes per SET effect (key:N, 32-byte value), 100 per entry: ${mem.bytesPerEffect.toFixed(1)}`);
