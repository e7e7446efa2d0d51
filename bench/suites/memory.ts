/**
 * Memory for 1M string keys: memorykv's heap (measured in a clean child process) against
 * redis-server's used_memory for the same data written by DEBUG POPULATE.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cli, infoMemory, REDIS_PORT, startRedis, stopRedis } from '../lib/redis.ts';

export interface MemoryResult {
  keys: number;
  valueBytes: number;
  memorykv: {
    path: string;
    heapDelta: number;
    bytesPerKey: number;
    engineUsed: number;
    engineBytesPerKey: number;
    rss: number;
    /** Process RSS growth: the heap plus V8's free space and fragmentation. */
    rssDelta: number;
    sample: string;
    dbsize: number;
  };
  redis?: {
    version: string;
    port: number;
    usedMemoryBefore: number;
    usedMemoryAfter: number;
    usedMemoryDelta: number;
    usedMemoryDataset: number;
    /** used_memory_rss growth. */
    rssDelta: number;
    bytesPerKey: number;
    allocator: string;
    sample: string;
  };
  redisError?: string;
  /** memorykv heap delta / redis used_memory delta. */
  ratio?: number;
}

export function runMemory(count = 1_000_000, size = 32): MemoryResult {
  const child = fileURLToPath(new URL('./memory-child.ts', import.meta.url));
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', child, String(count), String(size)], {
    encoding: 'utf8',
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    maxBuffer: 1 << 20,
  });
  const m = JSON.parse(out.trim().split('\n').pop()!);
  const result: MemoryResult = {
    keys: count,
    valueBytes: size,
    memorykv: {
      path: m.path,
      heapDelta: m.heapDelta,
      bytesPerKey: m.heapDelta / count,
      engineUsed: m.engineUsed,
      engineBytesPerKey: m.engineUsed / count,
      rss: m.rss,
      rssDelta: m.rssDelta,
      sample: m.sample,
      dbsize: m.dbsize,
    },
  };

  let started = false;
  try {
    const { version, startedHere } = startRedis();
    started = startedHere;
    cli('FLUSHALL');
    const info0 = infoMemory();
    const before = Number(info0.used_memory);
    cli('DEBUG', 'POPULATE', count, 'key', size);
    const info = infoMemory();
    const after = Number(info.used_memory);
    // What DEBUG POPULATE stored: "value:N" zero-padded to `size` bytes, the same bytes memorykv got.
    const sample = JSON.stringify(cli('GET', 'key:1'));
    result.redis = {
      version,
      port: REDIS_PORT,
      usedMemoryBefore: before,
      usedMemoryAfter: after,
      usedMemoryDelta: after - before,
      usedMemoryDataset: Number(info.used_memory_dataset),
      rssDelta: Number(info.used_memory_rss) - Number(info0.used_memory_rss),
      bytesPerKey: (after - before) / count,
      allocator: info.mem_allocator ?? 'unknown',
      sample,
    };
    result.ratio = result.memorykv.heapDelta / result.redis.usedMemoryDelta;
    cli('FLUSHALL');
  } catch (e) {
    result.redisError = (e as Error).message;
  } finally {
    if (started) stopRedis();
  }
  return result;
}
