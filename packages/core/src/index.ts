/**
 * @memorykv/core — the public API.
 *
 *   import { open, openSync } from '@memorykv/core';
 *   const db = openSync();            // in-memory, one shard: every call returns its value
 *   db.set('greeting', 'hello');
 *   db.get('greeting');               // 'hello'
 *
 *   const ddb = await open({ path: './data' });   // durable (Node): recovered before it resolves,
 *   await ddb.set('k', 'v');                       // and each promise settles once durable
 *
 * This file is portable (browsers included): `path` is served by Node's entry (node/index.ts,
 * the package's "node" condition), which adds LMDB storage; here open() takes a journal and a
 * snapshot store handed in (`journal`, `snapshots`).
 */
export { RedisError, type Arg } from './api/client.ts';
export type { Result, SetOptions, Bulk } from './api/commands.ts';
export { AsyncTransaction, SyncTransaction } from './api/transaction.ts';
export {
  Database,
  SyncDatabase,
  open,
  openSync,
  type CloseOptions,
  type DurabilityPolicy,
  type OpenOptions,
  type OpenProgress,
} from './api/database.ts';
export {
  DEFAULT_SAVE_RULES,
  Durability,
  inThreadSnapshots,
  type SaveRule,
  type SnapshotBackend,
} from './durability/durability.ts';
export { MemoryJournal, type Journal, type FsyncPolicy } from './durability/journal.ts';
export { MemorySnapshotStore, type LoadProgress, type SnapshotMeta, type SnapshotStore } from './durability/snapshot.ts';
export { Engine } from './engine/engine.ts';
export { Session } from './engine/session.ts';
export { Shard, type Effect } from './engine/shard.ts';
export type { EngineConfig, EvictionPolicy } from './config.ts';
export * from './reply.ts';
export { ErrorReply } from './errors.ts';
export {
  commands,
  defineCommands,
  keyIndexes,
  lookupCommand,
  type Command,
  type CommandFlag,
  type CommandSpec,
} from './commands/table.ts';
export type { Ctx } from './commands/context.ts';
export { formatDouble, fromBytes, toBytes, fromText, toText } from './bytes.ts';
