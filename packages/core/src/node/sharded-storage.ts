/**
 * Where a sharded database keeps its data (issue 5), and how slots are dealt anew when it opens
 * with another shard count.
 *
 * Layout under `path`: `shards.json` ({ "shards": N }) and one directory per shard,
 * `shard-<i>-of-<N>/`, each with its own journal and snapshots (the layout of a single-shard
 * database, which keeps `journal/` and `snapshots/` in `path` itself and has no shards.json).
 *
 * Opening with another count re-deals: the new shards start empty in their own directories (the
 * count is in the name, so old and new never meet), every key of every old shard is copied to the
 * shard that now owns its slot (DUMP, then RESTORE with its absolute expire time, through the new
 * shards' journals), then shards.json names the new count, and only then are the old directories
 * removed. A crash before shards.json is rewritten leaves the old data as it was (the next open
 * deals again); after it, the leftovers of the old count are removed on the next open.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openDatabase, type Database, type OpenOptions } from '../api/database.ts';
import type { Reply } from '../reply.ts';
import type { Engine } from '../engine/engine.ts';
import type { Durability } from '../durability/durability.ts';
import { openLmdbStorage } from './durable.ts';
import { ShardPool, type ShardPoolOptions } from './shard-pool.ts';

export const MANIFEST = 'shards.json';

export function shardDir(path: string, index: number, count: number): string {
  return join(path, `shard-${index}-of-${count}`);
}

const SHARD_DIR = /^shard-(\d+)-of-(\d+)$/;

/** The shard count the data under `path` was written with: N, 1 for a single-shard layout, null for none. */
export async function storedShards(path: string): Promise<number | null> {
  try {
    const m = JSON.parse(await readFile(join(path, MANIFEST), 'utf8')) as { shards?: unknown };
    if (typeof m.shards === 'number' && Number.isInteger(m.shards) && m.shards >= 1) return m.shards;
    throw new Error(`${join(path, MANIFEST)} does not name a shard count`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const names = await readdir(path).catch(() => [] as string[]);
  return names.includes('journal') ? 1 : null;
}

export async function writeManifest(path: string, shards: number): Promise<void> {
  const tmp = join(path, `${MANIFEST}.tmp`);
  await writeFile(tmp, JSON.stringify({ shards }) + '\n');
  await rename(tmp, join(path, MANIFEST));
}

/** The data directories of a layout: N shard directories, or `path` itself for one shard. */
export function shardSources(path: string, count: number): string[] {
  return count === 1 ? [path] : Array.from({ length: count }, (_, i) => shardDir(path, i, count));
}

/** Removes what belongs to no layout but `keep` (shard directories of other counts; the single-shard files). */
export async function removeOtherLayouts(path: string, keep: number): Promise<void> {
  for (const name of await readdir(path).catch(() => [] as string[])) {
    const m = SHARD_DIR.exec(name);
    if (m !== null && Number(m[2]) !== keep) await rm(join(path, name), { recursive: true, force: true });
    if (keep !== 1 && (name === 'journal' || name === 'snapshots')) await rm(join(path, name), { recursive: true, force: true });
  }
  if (keep === 1) await rm(join(path, MANIFEST), { force: true });
}

/**
 * Starts the shard threads of a database, durable under `path` (or in memory without one):
 * clears what an interrupted re-deal or the count before a finished one left, and deals the keys
 * of another stored count to these shards before resolving. `options` are the pool's but for
 * shardPath; `engine` is what the old shards are opened with to be read (their config).
 */
export async function startShards(path: string | undefined, options: Omit<ShardPoolOptions, 'shardPath'>, engine: OpenOptions = {}): Promise<ShardPool> {
  const n = options.shards;
  let stored: number | null = null;
  if (path !== undefined) {
    await mkdir(path, { recursive: true });
    stored = await storedShards(path);
    if (stored === n) await removeOtherLayouts(path, n);
    else for (let i = 0; i < n; i++) await rm(shardDir(path, i, n), { recursive: true, force: true });
  }
  const pool = await ShardPool.start({ ...options, shardPath: path === undefined ? undefined : (i) => shardDir(path, i, n) });
  if (path === undefined || stored === n) return pool;
  try {
    if (stored !== null) {
      const session = pool.createSession();
      const copied = await redeal(shardSources(path, stored), engine, (argv) => pool.execute(session, argv));
      options.log?.('notice', `dealt ${copied} keys from ${stored} shard(s) to ${n}`);
    }
    await writeManifest(path, n);
    await removeOtherLayouts(path, n);
  } catch (e) {
    await pool.close(false).catch(() => {});
    throw e;
  }
  return pool;
}

/**
 * A single-shard database at `path` (its engine recovered, its journal open) takes in what a
 * sharded one left there: every key through its journal, durable before the shard directories
 * go. Returns how many keys came from how many shards, or null when there was nothing to deal.
 */
export async function dealIntoOne(path: string, engine: Engine, durability: Durability, options: OpenOptions): Promise<{ copied: number; from: number } | null> {
  const from = await storedShards(path);
  if (from === null || from === 1) return null;
  const session = engine.createSession();
  const copied = await redeal(shardSources(path, from), options, (argv) => engine.execute(session, argv));
  // A keyless command waits for the newest journal entry: every copied key is durable here.
  await durability.perform(session, ['PING'], () => null);
  await removeOtherLayouts(path, 1);
  return { copied, from };
}

/**
 * Copies every key of the databases stored in `sources` into `target` (a command runner of the
 * new layout, which routes each RESTORE to its key's shard). The sources are only read.
 */
export async function redeal(
  sources: readonly string[],
  options: OpenOptions,
  target: (argv: string[]) => Promise<Reply> | Reply,
): Promise<number> {
  let copied = 0;
  for (const dir of sources) {
    await mkdir(dir, { recursive: true });
    const src: Database = await openDatabase({ ...options, path: dir, shards: 1, saveRules: [], durability: 'no', restore: undefined }, (engine) =>
      openLmdbStorage({ path: dir, durability: 'no' }, () => engine.shard.config),
    );
    try {
      const engine = src.engine;
      const session = engine.createSession();
      for (let db = 0; db < engine.shard.dbs.length; db++) {
        if (engine.shard.dbs[db]!.size === 0) continue;
        engine.execute(session, ['SELECT', String(db)]);
        await target(['SELECT', String(db)]);
        const keys = engine.execute(session, ['KEYS', '*']) as string[];
        let pending: (Promise<Reply> | Reply)[] = [];
        for (const key of keys) {
          const payload = engine.execute(session, ['DUMP', key]);
          if (typeof payload !== 'string') continue;
          const at = engine.execute(session, ['PEXPIRETIME', key]) as number;
          pending.push(target(at > 0 ? ['RESTORE', key, String(at), payload, 'REPLACE', 'ABSTTL'] : ['RESTORE', key, '0', payload, 'REPLACE']));
          copied++;
          if (pending.length >= 1000) {
            await check(pending);
            pending = [];
          }
        }
        await check(pending);
      }
      await target(['SELECT', '0']);
    } finally {
      await src.close({ save: false });
    }
  }
  return copied;
}

async function check(replies: (Promise<Reply> | Reply)[]): Promise<void> {
  for (const r of await Promise.all(replies)) {
    if (r instanceof Error || (r !== null && typeof r === 'object' && 'message' in r)) throw new Error(`re-dealing a key failed: ${(r as Error).message}`);
  }
}
