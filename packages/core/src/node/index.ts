/**
 * @memorykv/core for Node.js: the portable API (../index.ts) plus what only runs on Node — the
 * Lua runtime behind EVAL/FCALL (fengari needs Node built-ins) and durable storage under a path
 * (LMDB journal and snapshots, snapshots built in a worker: ./durable.ts). package.json maps the
 * package's "node" condition here; browsers and bundlers get ../index.ts.
 */
import './scripting/lua.ts';
import { RedisError } from '../api/client.ts';
import { open as openPortable, openDatabase, type Database, type OpenOptions } from '../api/database.ts';
import { openLmdbStorage } from './durable.ts';
import { ShardedDatabase } from './sharded-database.ts';
import { dealIntoOne } from './sharded-storage.ts';

export * from '../index.ts';
export { journalPath, openLmdbStorage } from './durable.ts';
export { ShardedDatabase } from './sharded-database.ts';

/**
 * Opens a database: in memory, or durable in the directory `path` (see OpenOptions: durability,
 * restore, saveRules ...). A durable one resolves after recovery, and each call's promise once
 * what it shows is durable.
 */
export async function open(options?: OpenOptions & { shards?: 1 }): Promise<Database>;
/** With `shards` > 1: the keyspace split over that many worker threads, one shard each. */
export async function open(options: OpenOptions): Promise<Database | ShardedDatabase>;
export async function open(options: OpenOptions = {}): Promise<Database | ShardedDatabase> {
  const shards = options.shards ?? 1;
  if (!Number.isInteger(shards) || shards < 1 || shards > 1024) throw new RedisError('ERR shards must be an integer from 1 to 1024');
  if (shards > 1) {
    if (options.journal !== undefined || options.snapshots !== undefined) throw new RedisError('ERR a sharded database journals under a path, not into a journal of its own');
    if (options.restore !== undefined) throw new RedisError('ERR restore with shards: 1, then open the path with more shards (the slots are dealt out then)');
    if (options.path === '') throw new RedisError('ERR open({ path }) needs a directory');
    return ShardedDatabase.open(options);
  }
  const path = options.path;
  if (path === undefined) {
    if (options.restore !== undefined) throw new RedisError('ERR open({ restore }) needs the path to restore into');
    return openPortable(options);
  }
  if (path === '') throw new RedisError('ERR open({ path }) needs a directory');
  if (options.journal !== undefined || options.snapshots !== undefined) {
    throw new RedisError('ERR open() takes a path or a journal, not both');
  }
  const db = await openDatabase(options, (engine) => openLmdbStorage({ ...options, path }, () => engine.shard.config));
  try {
    // Data written by more shards is dealt back into this one (node/sharded-storage.ts).
    const dealt = await dealIntoOne(path, db.engine, db.durability!, options);
    if (dealt !== null) options.log?.('notice', `dealt ${dealt.copied} keys from ${dealt.from} shards to 1`);
  } catch (e) {
    await db.close({ save: false }).catch(() => {});
    throw e;
  }
  return db;
}
