/**
 * What crosses between the shard pool (this thread) and a shard worker (node/shard-worker.ts).
 */
import { Packr } from 'msgpackr';
import type { Decode } from '../reply.ts';

/**
 * Batches and replies cross as one MessagePack buffer each: structured clone walks every array and
 * string of a batch on both sides; msgpackr did SET 2.3x and ZRANGE 2.6x better at 2 shards (bench/shards.ts, A/B).
 */
export const codec = new Packr({ useRecords: false, moreTypes: false, int64AsType: 'bigint' } as never);

/**
 * A batch: [session id, argv, how] per command; a session id below 0 ends that session. `how`
 * is how the reply comes back: RAW (a Reply for the coordinator, reply-codec.ts), or converted
 * for the caller as the in-process API does (settle with 'text', 'bytes' or 'binary' strings; an
 * error as { e: message }).
 */
export type Batch = [number, string[], number][];
export const RAW = 0;
export const SETTLE: readonly Decode[] = ['text', 'text', 'bytes', 'binary'];
/**
 * `how` for a server's client: the reply as RESP2 / RESP3 bytes, encoded in the shard thread by
 * the encoder module the pool was given (core knows no RESP), so the serving thread only copies.
 */
export const RESP2 = 4;
export const RESP3 = 5;

/** Pool-to-shard requests that are not commands (a NUL first byte: no command has one). */
export const SAVE_SHARD = '\0save';
export const CLOSE_SHARD = '\0close';

/**
 * What a shard reports besides replies: `[EVENTS, notify, modified, monitor]` — notify: the
 * keyspace event classes to report (their characters, with K and E for the channel kinds; '' for
 * none), filtered as they happen; modified: every modified key (client-side caching) on ('1') or
 * off; monitor: the commands scripts run (MONITOR) on ('1') or off.
 */
export const EVENTS = '\0events';
/**
 * A parameter set on the server (CONFIG SET): `[SHARD_CONFIG, name, value]` sets the engine
 * parameter, or with name `save`, value is the save rules as JSON.
 */
export const SHARD_CONFIG = '\0config';
/** `[SHARD_CONFIG, SHARD_OVERHEAD, bytes]`: this shard's part of the server's own memory (maxmemory). */
export const SHARD_OVERHEAD = '\0overhead';
/**
 * What INFO needs from a shard, as one reply: [used, dirty, [hits, misses, expired, evicted],
 * [[db, keys, expires, avg_ttl] ...], [[command, calls, usec, failed] ...], [[error code, count] ...],
 * [last snapshot (unix s), changes since, building, snapshots built] or [] in memory].
 */
export const SHARD_FACTS = '\0facts';

/**
 * Events a shard sends in their own message, after the replies of the batch that caused them
 * (or at once, for expiry): a flat array of records.
 *   NOTIFY_EVENT db cls event key ke   a keyspace notification (ke: 1 keyspace, 2 keyevent channel)
 *   MODIFIED_EVENT db key session   a key changed (session: whose command, or -1)
 *   MONITOR_EVENT db n arg1..argn   a command a script ran (MONITOR's "lua" lines)
 *   SERVED_EVENT session reply      a blocked client was served here (reply: its packed WireReply)
 */
export const NOTIFY_EVENT = 0;
export const MODIFIED_EVENT = 2;
export const MONITOR_EVENT = 3;
export const SERVED_EVENT = 4;
export type ShardEvents = (number | string | Uint8Array)[];

/**
 * The mark a batch reply holds in place of a reply that comes later, alone (a busy script's):
 * `{ [LATE]: token }`; the shard then posts `{ late: token, reply, encoded }`, reply being the
 * packed entry (encoded: its RESP bytes).
 */
export const LATE = '\0late';
