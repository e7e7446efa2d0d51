/**
 * The streams family (t_stream.c): XADD XRANGE XREVRANGE XLEN XDEL XTRIM XREAD XREADGROUP
 * XGROUP XACK XPENDING XCLAIM XAUTOCLAIM XINFO XSETID.
 *
 * Effects follow Redis's propagation exactly: XADD is replicated with the concrete ID (and an
 * approximate trim as `= <resulting length or first ID>`), XREADGROUP/XCLAIM/XAUTOCLAIM never
 * replicate themselves but one `XCLAIM ... FORCE JUSTID LASTID` per delivered or claimed entry
 * (plus `XGROUP SETID` / `XGROUP CREATECONSUMER` where Redis adds them).
 *
 * Blocking (XREAD/XREADGROUP BLOCK) needs a connection that can wait: the server installs a
 * blocker with setStreamBlocker; without one (in-process API, MULTI) BLOCK answers as a timeout.
 * The blocked command is re-run whole when a key it waits on becomes ready (streamKeyReady).
 */
import { ErrorReply, NOT_INTEGER, SYNTAX, error, wrongArity } from '../errors.ts';
import { MapReply, NULL_ARRAY, OK, Status, type Reply } from '../reply.ts';
import { parseInt64, parseInt64Exact } from '../bytes.ts';
import { typeOf } from '../keyspace/object.ts';
import type { Keyspace } from '../keyspace/keyspace.ts';
import {
  Consumer,
  ConsumerGroup,
  INVALID_ENTRIES_READ,
  MAX_ID,
  MIN_ID,
  RStream,
  U64_MAX,
  compareIds,
  decrId,
  idIsZero,
  idString,
  incrId,
  parseStreamId,
  type NACK,
  type NodeLimits,
  type StreamEntry,
  type StreamID,
  type TrimArgs,
} from '../types/stream.ts';
import type { Ctx } from './context.ts';
import { intArg, is } from './args.ts';
import { defineCommands, type CommandSpec, type KeySpecDef } from './table.ts';

const STREAM = 'stream' as never;

const INVALID_ID = error('ERR Invalid stream ID specified as stream command argument');
const BAD_START = error('ERR invalid start ID for the interval');
const BAD_END = error('ERR invalid end ID for the interval');

// ---------------------------------------------------------------------------------------------
// Helpers

function readStream(db: Keyspace, key: string): RStream | undefined {
  return db.read<RStream>(key, STREAM);
}

function writeStream(db: Keyspace, key: string): RStream | undefined {
  return db.write<RStream>(key, STREAM);
}

function limitsOf(ctx: Ctx): NodeLimits {
  const c = ctx.shard.config as unknown as Record<string, number | undefined>;
  return { maxEntries: c['stream-node-max-entries'] ?? 100, maxBytes: c['stream-node-max-bytes'] ?? 4096 };
}

/** streamParseStrictIDOrReply / streamParseIDOrReply. */
function idArg(s: string, missingSeq: number | bigint = 0, strict = true): StreamID {
  const r = parseStreamId(s, missingSeq, strict);
  if (r === null) throw INVALID_ID;
  return r.id;
}

/** streamParseIntervalIDOrReply: `(` makes the bound exclusive (strict parse after it). */
function intervalArg(s: string, missingSeq: number | bigint): { id: StreamID; exclude: boolean } {
  const exclude = s.length > 1 && s.charCodeAt(0) === 40; /* ( */
  const r = exclude ? parseStreamId(s.slice(1), missingSeq, true) : parseStreamId(s, missingSeq, false);
  if (r === null) throw INVALID_ID;
  return { id: r.id, exclude };
}

/** An interval's start: inclusive, `(` moves it to the next ID. */
function startArg(s: string): StreamID {
  const { id, exclude } = intervalArg(s, 0);
  if (!exclude) return id;
  const next = incrId(id);
  if (next === null) throw BAD_START;
  return next;
}

function endArg(s: string): StreamID {
  const { id, exclude } = intervalArg(s, U64_MAX);
  if (!exclude) return id;
  const prev = decrId(id);
  if (prev === null) throw BAD_END;
  return prev;
}

/** getLongLongFromObjectOrReply with an optional custom message. */
function llArg(s: string, msg?: string): number {
  const v = parseInt64(s);
  if (v !== v) throw msg === undefined ? NOT_INTEGER : error(`ERR ${msg}`);
  return v;
}

function entryReply(e: StreamEntry): Reply {
  return [idString(e), e.fv];
}

/**
 * A change Redis makes without signalModifiedKey (consumer group state): the value's memory is
 * accounted again and the change counted (server.dirty), but WATCH is not touched.
 */
function groupChanged(ctx: Ctx, s: RStream, dirty = 1): void {
  const m = s.memory();
  ctx.shard.used += m - s.accounted;
  s.accounted = m;
  ctx.shard.dirty += dirty;
}

const LLONG_MAX = 9223372036854775807n;

/** getTimeoutFromObjectOrReply(UNIT_MILLISECONDS): the absolute deadline, or 0 for none. */
function msTimeoutArg(s: string, now: number): number {
  const v = parseInt64Exact(s);
  if (v === null) throw error('ERR timeout is not an integer or out of range');
  const ms = BigInt(v);
  if (ms < 0n) throw error('ERR timeout is negative');
  if (ms === 0n) return 0;
  if (ms > LLONG_MAX - BigInt(now)) throw error('ERR timeout is out of range');
  return now + Number(ms);
}

function help(container: string, lines: string[]): Reply {
  const out: Reply[] = [new Status(`${container} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`)];
  for (const l of lines) out.push(new Status(l));
  out.push(new Status('HELP'), new Status('    Print this help.'));
  return out;
}

function subcommandSyntaxError(ctx: Ctx): ErrorReply {
  const nul = ctx.argv[1]!.indexOf('\0');
  const sub = (nul < 0 ? ctx.argv[1]! : ctx.argv[1]!.slice(0, nul)).slice(0, 128);
  return error(`ERR unknown subcommand or wrong number of arguments for '${sub}'. Try ${ctx.argv[0]!.toUpperCase()} HELP.`);
}

/** The %s of a C format: the text up to the first NUL. */
function cstr(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

// ---------------------------------------------------------------------------------------------
// XADD / XTRIM argument parsing (streamParseAddOrTrimArgsOrReply)

interface AddTrimArgs {
  id: StreamID;
  idGiven: boolean;
  seqGiven: boolean;
  noMkstream: boolean;
  trim: TrimArgs | null;
  /** Index of the MAXLEN/MINID argument's value (for the rewrite). */
  trimArgIdx: number;
  /** Index of the LIMIT keyword, or -1. */
  limitIdx: number;
  /** XADD: the ID's position. */
  idPos: number;
}

function parseAddTrim(ctx: Ctx, xadd: boolean): AddTrimArgs {
  const argv = ctx.argv;
  const argc = argv.length;
  const a: AddTrimArgs = {
    id: MIN_ID,
    idGiven: false,
    seqGiven: true,
    noMkstream: false,
    trim: null,
    trimArgIdx: -1,
    limitIdx: -1,
    idPos: -1,
  };
  let strategy: 'maxlen' | 'minid' | null = null;
  let approx = false;
  let limit = 0;
  let limitGiven = false;
  let maxlen = 0;
  let minid = MIN_ID;
  let i = 2;
  for (; i < argc; i++) {
    const moreargs = argc - 1 - i;
    const opt = argv[i]!;
    if (xadd && opt === '*') break;
    const lower = opt.length === 6 || opt.length === 5 || opt.length === 10 ? opt.toLowerCase() : '';
    if ((lower === 'maxlen' || lower === 'minid') && moreargs) {
      if (strategy !== null) throw error('ERR syntax error, MAXLEN and MINID options at the same time are not compatible');
      approx = false;
      const next = argv[i + 1]!;
      if (moreargs >= 2 && next === '~') {
        approx = true;
        i++;
      } else if (moreargs >= 2 && next === '=') {
        i++;
      }
      if (lower === 'maxlen') {
        maxlen = llArg(argv[i + 1]!);
        if (maxlen < 0) throw error('ERR The MAXLEN argument must be >= 0.');
      } else {
        minid = idArg(argv[i + 1]!);
      }
      i++;
      strategy = lower;
      a.trimArgIdx = i;
    } else if (lower === 'limit' && moreargs) {
      limit = llArg(argv[i + 1]!);
      if (limit < 0) throw error('ERR The LIMIT argument must be >= 0.');
      limitGiven = true;
      a.limitIdx = i;
      i++;
    } else if (xadd && lower === 'nomkstream') {
      a.noMkstream = true;
    } else if (xadd) {
      const r = parseStreamId(opt, 0, true, true);
      if (r === null) throw INVALID_ID;
      a.id = r.id;
      a.seqGiven = r.seqGiven;
      a.idGiven = true;
      break;
    } else {
      throw SYNTAX;
    }
  }
  a.idPos = i;
  if (limit && strategy === null) throw error('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy');
  if (!xadd && strategy === null) throw error('ERR syntax error, XTRIM must be called with a trimming strategy');
  if (ctx.shard.replaying) {
    // mustObeyClient: the primary's (or journal's) trim was already made exact.
    limit = 0;
  } else if (limitGiven) {
    if (!approx) throw error('ERR syntax error, LIMIT cannot be used without the special ~ option');
  } else if (approx) {
    limit = 100 * limitsOf(ctx).maxEntries;
    if (limit <= 0) limit = 10000;
    if (limit > 1000000) limit = 1000000;
  } else {
    limit = 0;
  }
  if (strategy !== null) a.trim = { strategy, maxlen, minid, approx, limit };
  return a;
}

/**
 * streamRewriteApproxSpecifier + streamRewriteTrimArgument: `~ n` becomes `= <what is left>`
 * so replicas and the journal trim exactly as the primary did. LIMIT goes with it (it is
 * meaningless once the trim is exact).
 */
function rewriteTrim(argv: string[], a: AddTrimArgs, s: RStream): void {
  argv[a.trimArgIdx - 1] = '=';
  if (a.trim!.strategy === 'maxlen') argv[a.trimArgIdx] = String(s.length);
  else argv[a.trimArgIdx] = idString(s.firstEntryId() ?? MAX_ID);
}

function dropLimit(argv: string[], a: AddTrimArgs): void {
  if (a.limitIdx >= 0) argv.splice(a.limitIdx, 2);
}

// ---------------------------------------------------------------------------------------------
// XADD XTRIM XDEL XLEN XRANGE

function xadd(ctx: Ctx): Reply {
  const argv = ctx.argv;
  const key = argv[1]!;
  const a = parseAddTrim(ctx, true);
  const fieldPos = a.idPos + 1;
  const nfv = argv.length - fieldPos;
  if (nfv < 2 || nfv % 2 === 1) throw wrongArity('xadd');
  if (a.idGiven && a.seqGiven && idIsZero(a.id)) throw error('ERR The ID specified in XADD must be greater than 0-0');
  const db = ctx.db;
  let s = writeStream(db, key);
  const created = s === undefined;
  if (s === undefined) {
    if (a.noMkstream) return null;
    s = new RStream();
  }
  const last = s.lastId;
  if (last.ms === U64_MAX && last.seq === U64_MAX) throw error('ERR The stream has exhausted the last possible ID, unable to add more items');
  // streamAppendItem's ID choice.
  let id: StreamID;
  if (a.idGiven) {
    if (a.seqGiven) {
      id = a.id;
    } else if (last.ms === a.id.ms) {
      const next = last.seq === U64_MAX ? null : incrId(last);
      if (next === null) throw SMALL_ID;
      id = next;
    } else {
      id = a.id;
    }
  } else {
    const now = ctx.now;
    id = now > last.ms ? { ms: now, seq: 0 } : incrId(last)!;
  }
  if (compareIds(id, last) <= 0) throw SMALL_ID;
  let totelelen = 0;
  for (let i = fieldPos; i < argv.length; i++) totelelen += argv[i]!.length;
  if (totelelen > 1 << 30) throw error('ERR Elements are too large to be stored');
  s.append(id, argv.slice(fieldPos), limitsOf(ctx));
  const idText = idString(id);
  if (created) db.add(key, s);
  ctx.notify('t', 'xadd', key);
  const effect = argv.slice();
  if (a.trim !== null) {
    if (s.trim(a.trim) > 0) ctx.notify('t', 'xtrim', key);
    if (a.trim.approx) rewriteTrim(effect, a, s);
  }
  if (!created) db.modified(key, s);
  if (!a.idGiven || !a.seqGiven) effect[a.idPos] = idText;
  if (a.trim?.approx) dropLimit(effect, a);
  ctx.emit(effect);
  return idText;
}

const SMALL_ID = error('ERR The ID specified in XADD is equal or smaller than the target stream top item');

function xtrim(ctx: Ctx): Reply {
  const key = ctx.argv[1]!;
  const a = parseAddTrim(ctx, false);
  const s = writeStream(ctx.db, key);
  if (s === undefined) return 0;
  const deleted = s.trim(a.trim!);
  if (deleted > 0) {
    ctx.notify('t', 'xtrim', key);
    if (a.trim!.approx) {
      const effect = ctx.argv.slice();
      rewriteTrim(effect, a, s);
      dropLimit(effect, a);
      ctx.emit(effect);
    }
    ctx.db.modified(key, s);
    ctx.shard.dirty += deleted - 1;
  }
  return deleted;
}

function xdel(ctx: Ctx): Reply {
  const argv = ctx.argv;
  const key = argv[1]!;
  const s = writeStream(ctx.db, key);
  if (s === undefined) return 0;
  const ids: StreamID[] = [];
  for (let j = 2; j < argv.length; j++) ids.push(idArg(argv[j]!));
  let deleted = 0;
  let firstEntry = false;
  for (const id of ids) {
    if (!s.delete(id)) continue;
    if (compareIds(id, s.firstId) === 0) firstEntry = true;
    if (compareIds(id, s.maxDeletedId) > 0) s.maxDeletedId = id;
    deleted++;
  }
  if (deleted) {
    if (s.length === 0) s.firstId = MIN_ID;
    else if (firstEntry) s.firstId = s.edgeId(true)!;
    ctx.db.modified(key, s);
    ctx.notify('t', 'xdel', key);
    ctx.shard.dirty += deleted - 1;
  }
  return deleted;
}

function xrangeGeneric(ctx: Ctx, rev: boolean): Reply {
  const argv = ctx.argv;
  const start = startArg(rev ? argv[3]! : argv[2]!);
  const end = endArg(rev ? argv[2]! : argv[3]!);
  let count = -1;
  for (let j = 4; j < argv.length; j++) {
    if (is(argv[j]!, 'count') && argv.length - j - 1 >= 1) {
      count = llArg(argv[++j]!);
      if (count < 0) count = 0;
    } else {
      throw SYNTAX;
    }
  }
  const s = readStream(ctx.db, argv[1]!);
  if (s === undefined) return [];
  if (count === 0) return NULL_ARRAY;
  return s.range(start, end, rev, count === -1 ? 0 : count).map(entryReply);
}

// ---------------------------------------------------------------------------------------------
// XREAD / XREADGROUP

/** A stream a blocked XREAD/XREADGROUP waits on: the ID to read after, or null for `>`. */
export interface StreamWait {
  key: string;
  id: StreamID | null;
}

/** Parks a client for XREAD/XREADGROUP BLOCK (installed by the server); returns its reply. */
export type StreamBlocker = (ctx: Ctx, argv: string[], waits: StreamWait[], group: string | null, deadline: number) => Reply;

let streamBlocker: StreamBlocker | null = null;

export function setStreamBlocker(fn: StreamBlocker | null): void {
  streamBlocker = fn;
}

/**
 * Whether a client blocked on `key` must run its command again (handleClientsBlockedOnKey):
 * XREAD when the stream has an entry after its ID; XREADGROUP also when the key or group went
 * away or the key changed type (it then answers the error).
 */
export function streamKeyReady(db: Keyspace, key: string, group: string | null, id: StreamID | null): boolean {
  const v = db.peek(key);
  if (v === undefined || typeOf(v) !== STREAM) return group !== null;
  const s = v as RStream;
  let after: StreamID;
  if (group !== null) {
    const g = s.group(group);
    if (g === undefined) return true;
    after = id ?? g.lastId;
  } else {
    after = id!;
  }
  return s.length > 0 && compareIds(s.lastValidId(), after) > 0;
}

/**
 * streamReplyWithRange for a consumer group: new entries after `start`, recorded in the PEL
 * (unless noack) and replicated as XCLAIM, the group's last ID and read counter advanced.
 */
function deliverNew(
  ctx: Ctx,
  key: string,
  groupName: string,
  s: RStream,
  g: ConsumerGroup,
  consumer: Consumer,
  start: StreamID,
  count: number,
  noack: boolean,
): Reply[] {
  const now = ctx.now;
  const entries = s.range(start, MAX_ID, false, count);
  const out: Reply[] = new Array(entries.length);
  let propagateLastId = false;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const id: StreamID = { ms: e.ms, seq: e.seq };
    if (compareIds(id, g.lastId) > 0) {
      if (g.entriesRead !== INVALID_ENTRIES_READ && !s.rangeHasTombstones(id, null)) g.entriesRead++;
      else if (s.entriesAdded !== 0) g.entriesRead = s.estimateDistance(id);
      g.lastId = id;
      if (noack) propagateLastId = true;
    }
    out[i] = entryReply(e);
    if (!noack) {
      let nack = g.pel.get(e.ms, e.seq);
      if (nack === undefined) {
        nack = { ms: e.ms, seq: e.seq, deliveryTime: now, deliveryCount: 1, consumer };
        s.addNack(g, nack);
      } else {
        s.assignNack(nack, consumer);
        nack.deliveryTime = now;
        nack.deliveryCount = 1;
      }
      consumer.activeTime = now;
      propagateXclaim(ctx, key, groupName, g, idString(id), nack);
    }
  }
  if (propagateLastId) propagateGroupId(ctx, key, groupName, g);
  return out;
}

/** streamPropagateXCLAIM: the idempotent form that recreates a PEL entry on a replica. */
function propagateXclaim(ctx: Ctx, key: string, groupName: string, g: ConsumerGroup, id: string, nack: NACK): void {
  ctx.emit([
    'XCLAIM',
    key,
    groupName,
    nack.consumer!.name,
    '0',
    id,
    'TIME',
    String(nack.deliveryTime),
    'RETRYCOUNT',
    String(nack.deliveryCount),
    'FORCE',
    'JUSTID',
    'LASTID',
    idString(g.lastId),
  ]);
}

/** streamPropagateGroupID. */
function propagateGroupId(ctx: Ctx, key: string, groupName: string, g: ConsumerGroup): void {
  ctx.emit(['XGROUP', 'SETID', key, groupName, idString(g.lastId), 'ENTRIESREAD', String(g.entriesRead)]);
}

/** streamReplyWithRangeFromConsumerPEL: the consumer's own pending entries from `start`. */
function deliverHistory(ctx: Ctx, s: RStream, consumer: Consumer, start: StreamID, count: number): Reply[] {
  const out: Reply[] = [];
  const now = ctx.now;
  for (const nack of consumer.pel.from(start.ms, start.seq)) {
    if (count && out.length >= count) break;
    const id = { ms: nack.ms, seq: nack.seq };
    const e = s.get(id);
    if (e === undefined) {
      out.push([idString(id), NULL_ARRAY]);
    } else {
      out.push(entryReply(e));
      nack.deliveryTime = now;
      nack.deliveryCount++;
    }
  }
  return out;
}

/** xreadCommand, for XREAD and XREADGROUP. */
function xread(ctx: Ctx, xreadgroup: boolean): Reply {
  const argv = ctx.argv;
  const argc = argv.length;
  const name = xreadgroup ? 'xreadgroup' : 'xread';
  let deadline = -1;
  let count = 0;
  let streamsArg = 0;
  let streamsCount = 0;
  let noack = false;
  let groupName: string | null = null;
  let consumerName = '';
  for (let i = 1; i < argc; i++) {
    const moreargs = argc - i - 1;
    const o = argv[i]!;
    if (is(o, 'block') && moreargs) {
      // CLIENT_SCRIPT: BLOCK makes no sense in a script (a server's script session has this flag).
      if ((ctx.session as { flags?: Set<string> }).flags?.has('script') === true) {
        throw error(`ERR ${cstr(argv[0]!)} command is not allowed with BLOCK option from scripts`);
      }
      i++;
      deadline = msTimeoutArg(argv[i]!, ctx.now);
    } else if (is(o, 'count') && moreargs) {
      i++;
      count = llArg(argv[i]!);
      if (count < 0) count = 0;
    } else if (is(o, 'streams') && moreargs) {
      streamsArg = i + 1;
      streamsCount = argc - streamsArg;
      if (streamsCount % 2 !== 0) {
        const symbol = xreadgroup ? '>' : '$';
        throw error(`ERR Unbalanced '${name}' list of streams: for each stream key an ID or '${symbol}' must be specified.`);
      }
      streamsCount /= 2;
      break;
    } else if (is(o, 'group') && moreargs >= 2) {
      if (!xreadgroup) throw error('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
      groupName = argv[i + 1]!;
      consumerName = argv[i + 2]!;
      i += 2;
    } else if (is(o, 'noack')) {
      if (!xreadgroup) throw error('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
      noack = true;
    } else {
      throw SYNTAX;
    }
  }
  if (streamsArg === 0) throw SYNTAX;
  if (xreadgroup && groupName === null) throw error('ERR Missing GROUP option for XREADGROUP');
  // The command is replicated by its effects only (preventCommandPropagation).
  ctx.suppressEffects();
  const db = ctx.db;
  const ids: (StreamID | null)[] = new Array(streamsCount);
  const groups: ConsumerGroup[] = [];
  for (let i = streamsArg + streamsCount; i < argc; i++) {
    const idx = i - streamsArg - streamsCount;
    const key = argv[i - streamsCount]!;
    const s = readStream(db, key);
    if (groupName !== null) {
      const g = s?.group(groupName);
      if (g === undefined) {
        throw error(`NOGROUP No such key '${cstr(key)}' or consumer group '${cstr(groupName)}' in XREADGROUP with GROUP option`);
      }
      groups[idx] = g;
    }
    const arg = argv[i]!;
    if (arg === '$') {
      if (xreadgroup) {
        throw error(
          'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.',
        );
      }
      ids[idx] = s !== undefined ? s.lastId : MIN_ID;
      continue;
    } else if (arg === '>') {
      if (!xreadgroup) throw error('ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.');
      ids[idx] = null;
      continue;
    }
    ids[idx] = idArg(arg);
  }

  const out: Reply[] = [];
  for (let i = 0; i < streamsCount; i++) {
    const key = argv[streamsArg + i]!;
    const s = readStream(db, key);
    if (s === undefined) continue;
    let gt = ids[i];
    let serve = false;
    let history = false;
    let consumer: Consumer | null = null;
    const g = groupName !== null ? groups[i]! : null;
    if (g !== null) {
      if (gt !== null && !(gt.ms === U64_MAX && gt.seq === U64_MAX)) {
        serve = history = true;
      } else if (s.length > 0 && compareIds(s.lastValidId(), g.lastId) > 0) {
        serve = true;
        gt = g.lastId;
      }
      consumer = g.consumers.get(consumerName) ?? null;
      if (consumer === null) {
        consumer = s.createConsumer(g, consumerName, ctx.now)!;
        groupChanged(ctx, s);
        ctx.notify('t', 'xgroup-createconsumer', key);
        if (noack) ctx.emit(['XGROUP', 'CREATECONSUMER', key, groupName!, consumerName]);
      }
      consumer.seenTime = ctx.now;
    } else if (s.length > 0 && compareIds(s.lastValidId(), gt!) > 0) {
      serve = true;
    }
    if (!serve) continue;
    const start = incrId(gt!) ?? MIN_ID;
    let entries: Reply[];
    if (g === null) {
      entries = s.range(start, MAX_ID, false, count).map(entryReply);
    } else if (history) {
      entries = deliverHistory(ctx, s, consumer!, start, count);
    } else {
      entries = deliverNew(ctx, key, groupName!, s, g, consumer!, start, count, noack);
    }
    if (g !== null) groupChanged(ctx, s);
    out.push(key, entries);
  }
  if (out.length > 0) {
    if (ctx.session.resp === 3) return new MapReply(out);
    const pairs: Reply[] = [];
    for (let i = 0; i < out.length; i += 2) pairs.push([out[i]!, out[i + 1]!]);
    return pairs;
  }
  if (deadline !== -1) {
    if (streamBlocker === null) return NULL_ARRAY;
    // `$` becomes the ID it stood for, so running the command again later reads after it.
    const blockedArgv = argv.slice();
    const waits: StreamWait[] = [];
    for (let i = 0; i < streamsCount; i++) {
      const idIdx = streamsArg + streamsCount + i;
      if (blockedArgv[idIdx] === '$') blockedArgv[idIdx] = idString(ids[i]!);
      waits.push({ key: argv[streamsArg + i]!, id: ids[i]! });
    }
    return streamBlocker(ctx, blockedArgv, waits, groupName, deadline);
  }
  return NULL_ARRAY;
}

/** Key indexes of XREAD/XREADGROUP: the first half of what follows STREAMS. */
function xreadKeys(argv: readonly string[], startFrom: number): number[] {
  for (let i = startFrom; i < argv.length; i++) {
    if (is(argv[i]!, 'streams')) {
      const n = (argv.length - i - 1) >> 1;
      const out: number[] = [];
      for (let j = 0; j < n; j++) out.push(i + 1 + j);
      return out;
    }
  }
  return [];
}

// ---------------------------------------------------------------------------------------------
// XGROUP XSETID

const XGROUP_HELP = [
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  "      Set the group's entries_read counter (internal use).",
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
];

/** xgroupCommand (every subcommand but HELP). */
function xgroup(ctx: Ctx): Reply {
  const argv = ctx.argv;
  const argc = argv.length;
  const opt = argv[1]!.toLowerCase();
  const key = argv[2]!;
  const grpname = argv[3]!;
  const db = ctx.db;
  let mkstream = false;
  let entriesRead = INVALID_ENTRIES_READ;
  const create = opt === 'create';
  const setid = opt === 'setid';
  for (let i = 5; i < argc; ) {
    if (create && is(argv[i]!, 'mkstream')) {
      mkstream = true;
      i++;
    } else if ((create || setid) && is(argv[i]!, 'entriesread') && i + 1 < argc) {
      entriesRead = llArg(argv[i + 1]!);
      if (entriesRead < 0 && entriesRead !== INVALID_ENTRIES_READ) throw error('ERR value for ENTRIESREAD must be positive or -1');
      i += 2;
    } else {
      throw subcommandSyntaxError(ctx);
    }
  }
  let s = writeStream(db, key);
  let cg: ConsumerGroup | undefined;
  if (!mkstream) {
    if (s === undefined) {
      throw error(
        'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.',
      );
    }
    cg = s.group(grpname);
    if (cg === undefined && (setid || opt === 'createconsumer' || opt === 'delconsumer')) {
      throw error(`NOGROUP No such consumer group '${cstr(grpname)}' for key name '${cstr(key)}'`);
    }
  }
  if (create && argc >= 5 && argc <= 8) {
    let id: StreamID;
    if (argv[4] === '$') id = s !== undefined ? s.lastId : MIN_ID;
    else id = idArg(argv[4]!);
    if (s === undefined) {
      s = new RStream();
      db.add(key, s);
    } else if (s.group(grpname) !== undefined) {
      throw error('BUSYGROUP Consumer Group name already exists');
    }
    s.createGroup(grpname, id, entriesRead);
    groupChanged(ctx, s);
    ctx.notify('t', 'xgroup-create', key);
    return OK;
  }
  if (setid && (argc === 5 || argc === 7)) {
    let id: StreamID;
    if (argv[4] === '$') id = s!.lastId;
    else id = idArg(argv[4]!, 0, false);
    cg!.lastId = id;
    cg!.entriesRead = entriesRead;
    groupChanged(ctx, s!);
    ctx.notify('t', 'xgroup-setid', key);
    return OK;
  }
  if (opt === 'destroy' && argc === 4) {
    if (cg === undefined) return 0;
    s!.destroyGroup(grpname);
    groupChanged(ctx, s!);
    ctx.notify('t', 'xgroup-destroy', key);
    // signalKeyAsReady: XREADGROUP clients blocked on the group get -NOGROUP.
    ctx.shard.onKeyModified?.(db.id, key);
    return 1;
  }
  if (opt === 'createconsumer' && argc === 5) {
    const created = s!.createConsumer(cg!, argv[4]!, ctx.now);
    if (created === null) return 0;
    groupChanged(ctx, s!);
    ctx.notify('t', 'xgroup-createconsumer', key);
    return 1;
  }
  if (opt === 'delconsumer' && argc === 5) {
    const consumer = cg!.consumers.get(argv[4]!);
    if (consumer === undefined) return 0;
    const pending = s!.deleteConsumer(cg!, consumer);
    groupChanged(ctx, s!);
    ctx.notify('t', 'xgroup-delconsumer', key);
    return pending;
  }
  throw subcommandSyntaxError(ctx);
}

function xsetid(ctx: Ctx): Reply {
  const argv = ctx.argv;
  const id = idArg(argv[2]!);
  let entriesAdded = -1;
  let maxXdel = MIN_ID;
  for (let i = 3; i < argv.length; ) {
    const moreargs = argv.length - 1 - i;
    const opt = argv[i]!;
    if (is(opt, 'entriesadded') && moreargs) {
      entriesAdded = llArg(argv[i + 1]!);
      if (entriesAdded < 0) throw error('ERR entries_added must be positive');
      i += 2;
    } else if (is(opt, 'maxdeletedid') && moreargs) {
      maxXdel = idArg(argv[i + 1]!);
      if (compareIds(id, maxXdel) < 0) throw error('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
      i += 2;
    } else {
      throw SYNTAX;
    }
  }
  const key = argv[1]!;
  const s = writeStream(ctx.db, key);
  if (s === undefined) throw error('ERR no such key');
  if (compareIds(id, s.maxDeletedId) < 0) throw error('ERR The ID specified in XSETID is smaller than current max_deleted_entry_id');
  if (s.length > 0) {
    if (compareIds(id, s.lastValidId()) < 0) throw error('ERR The ID specified in XSETID is smaller than the target stream top item');
    if (entriesAdded !== -1 && s.length > entriesAdded) {
      throw error('ERR The entries_added specified in XSETID is smaller than the target stream length');
    }
  }
  s.lastId = id;
  if (entriesAdded !== -1) s.entriesAdded = entriesAdded;
  if (!idIsZero(maxXdel)) s.maxDeletedId = maxXdel;
  groupChanged(ctx, s);
  ctx.notify('t', 'xsetid', key);
  return OK;
}

// ---------------------------------------------------------------------------------------------
// XACK XPENDING XCLAIM XAUTOCLAIM

function xack(ctx: Ctx): Reply {
  const argv = ctx.argv;
  const s = readStream(ctx.db, argv[1]!);
  const g = s?.group(argv[2]!);
  if (s === undefined || g === undefined) return 0;
  const ids: StreamID[] = [];
  for (let j = 3; j < argv.length; j++) ids.push(idArg(argv[j]!));
  let acknowledged = 0;
  for (const id of ids) {
    const nack = g.pel.get(id.ms, id.seq);
    if (nack === undefined) continue;
    s.removeNack(g, nack);
    acknowledged++;
  }
  if (acknowledged) groupChanged(ctx, s, acknowledged);
  return acknowledged;
}

function noGroup(key: string, group: string): ErrorReply {
  return error(`NOGROUP No such key '${cstr(key)}' or consumer group '${cstr(group)}'`);
}

function xpending(ctx: Ctx): Reply {
  const argv = ctx.argv;
  const argc = argv.length;
  const key = argv[1]!;
  const groupName = argv[2]!;
  const justinfo = argc === 3;
  if (argc !== 3 && (argc < 6 || argc > 9)) throw SYNTAX;
  let start = MIN_ID;
  let end = MAX_ID;
  let count = 0;
  let minidle = 0;
  let consumerName: string | null = null;
  if (argc >= 6) {
    let startidx = 3;
    if (is(argv[3]!, 'idle')) {
      minidle = llArg(argv[4]!);
      if (argc < 8) throw SYNTAX;
      startidx += 2;
    }
    count = llArg(argv[startidx + 2]!);
    if (count < 0) count = 0;
    start = startArg(argv[startidx]!);
    end = endArg(argv[startidx + 1]!);
    if (startidx + 3 < argc) consumerName = argv[startidx + 3]!;
  }
  const s = readStream(ctx.db, key);
  const g = s?.group(groupName);
  if (g === undefined) throw noGroup(key, groupName);
  if (justinfo) {
    if (g.pel.size === 0) return [0, null, null, NULL_ARRAY];
    const consumers: Reply[] = [];
    for (const c of g.sortedConsumers()) {
      if (c.pel.size === 0) continue;
      consumers.push([c.name, String(c.pel.size)]);
    }
    return [g.pel.size, idString(g.pel.first()!), idString(g.pel.last()!), consumers];
  }
  let pel = g.pel;
  if (consumerName !== null) {
    const c = g.consumers.get(consumerName);
    if (c === undefined) return [];
    pel = c.pel;
  }
  const now = ctx.now;
  const out: Reply[] = [];
  if (count === 0) return out;
  for (const nack of pel.from(start.ms, start.seq)) {
    if (compareIds(nack, end) > 0) break;
    if (minidle && now - nack.deliveryTime < minidle) continue;
    const elapsed = Math.max(0, now - nack.deliveryTime);
    out.push([idString(nack), nack.consumer!.name, elapsed, nack.deliveryCount]);
    if (--count === 0) break;
  }
  return out;
}

function xclaim(ctx: Ctx): Reply {
  const argv = ctx.argv;
  const argc = argv.length;
  const key = argv[1]!;
  const groupName = argv[2]!;
  const s = readStream(ctx.db, key);
  const g = s?.group(groupName);
  if (s === undefined || g === undefined) throw noGroup(key, groupName);
  let minidle = llArg(argv[4]!, 'Invalid min-idle-time argument for XCLAIM');
  if (minidle < 0) minidle = 0;
  const ids: StreamID[] = [];
  let j = 5;
  for (; j < argc; j++) {
    const r = parseStreamId(argv[j]!, 0, true);
    if (r === null) break;
    ids.push(r.id);
  }
  const lastIdArg = j - 1;
  const now = ctx.now;
  let deliveryTime = -1;
  let retryCount = -1;
  let force = false;
  let justid = false;
  let lastId = MIN_ID;
  for (; j < argc; j++) {
    const moreargs = argc - 1 - j;
    const opt = argv[j]!;
    if (is(opt, 'force')) {
      force = true;
    } else if (is(opt, 'justid')) {
      justid = true;
    } else if (is(opt, 'idle') && moreargs) {
      deliveryTime = now - llArg(argv[++j]!, 'Invalid IDLE option argument for XCLAIM');
    } else if (is(opt, 'time') && moreargs) {
      deliveryTime = llArg(argv[++j]!, 'Invalid TIME option argument for XCLAIM');
    } else if (is(opt, 'retrycount') && moreargs) {
      retryCount = llArg(argv[++j]!, 'Invalid RETRYCOUNT option argument for XCLAIM');
    } else if (is(opt, 'lastid') && moreargs) {
      lastId = idArg(argv[++j]!);
    } else {
      throw error(`ERR Unrecognized XCLAIM option '${cstr(opt)}'`);
    }
  }
  ctx.suppressEffects();
  let propagateLastId = false;
  if (compareIds(lastId, g.lastId) > 0) {
    g.lastId = lastId;
    propagateLastId = true;
  }
  if (deliveryTime !== -1) {
    if (deliveryTime < 0 || deliveryTime > now) deliveryTime = now;
  } else {
    deliveryTime = now;
  }
  let consumer = g.consumers.get(argv[3]!);
  if (consumer === undefined) {
    consumer = s.createConsumer(g, argv[3]!, now)!;
    groupChanged(ctx, s);
    ctx.notify('t', 'xgroup-createconsumer', key);
  }
  consumer.seenTime = now;
  const out: Reply[] = [];
  let dirty = 0;
  for (let k = 5; k <= lastIdArg; k++) {
    const id = ids[k - 5]!;
    let nack = g.pel.get(id.ms, id.seq);
    const entry = s.get(id);
    if (entry === undefined) {
      if (nack !== undefined) {
        propagateXclaim(ctx, key, groupName, g, argv[k]!, nack);
        propagateLastId = false;
        dirty++;
        s.removeNack(g, nack);
      }
      continue;
    }
    if (force && nack === undefined) {
      nack = { ms: id.ms, seq: id.seq, deliveryTime: now, deliveryCount: 1, consumer: null };
      s.addNack(g, nack);
    }
    if (nack === undefined) continue;
    if (nack.consumer !== null && minidle && now - nack.deliveryTime < minidle) continue;
    s.assignNack(nack, consumer);
    nack.deliveryTime = deliveryTime;
    if (retryCount >= 0) nack.deliveryCount = retryCount;
    else if (!justid) nack.deliveryCount++;
    out.push(justid ? idString(id) : entryReply(entry));
    consumer.activeTime = now;
    propagateXclaim(ctx, key, groupName, g, argv[k]!, nack);
    propagateLastId = false;
    dirty++;
  }
  if (propagateLastId) {
    propagateGroupId(ctx, key, groupName, g);
    dirty++;
  }
  groupChanged(ctx, s, dirty);
  return out;
}

function xautoclaim(ctx: Ctx): Reply {
  const argv = ctx.argv;
  const key = argv[1]!;
  const groupName = argv[2]!;
  let minidle = llArg(argv[4]!, 'Invalid min-idle-time argument for XAUTOCLAIM');
  if (minidle < 0) minidle = 0;
  const start = startArg(argv[5]!);
  let count = 100;
  let justid = false;
  // LONG_MAX / max(sizeof(streamID), attempts_factor)
  const maxCount = 576460752303423487;
  for (let j = 6; j < argv.length; j++) {
    const moreargs = argv.length - 1 - j;
    if (is(argv[j]!, 'count') && moreargs) {
      const v = parseInt64(argv[j + 1]!);
      if (v !== v || v < 1 || v > maxCount) throw error('ERR COUNT must be > 0');
      count = v;
      j++;
    } else if (is(argv[j]!, 'justid')) {
      justid = true;
    } else {
      throw SYNTAX;
    }
  }
  const s = readStream(ctx.db, key);
  const g = s?.group(groupName);
  if (s === undefined || g === undefined) throw noGroup(key, groupName);
  ctx.suppressEffects();
  const now = ctx.now;
  let consumer = g.consumers.get(argv[3]!);
  if (consumer === undefined) {
    consumer = s.createConsumer(g, argv[3]!, now)!;
    groupChanged(ctx, s);
    ctx.notify('t', 'xgroup-createconsumer', key);
  }
  consumer.seenTime = now;
  let attempts = count * 10;
  const claimed: Reply[] = [];
  const deletedIds: Reply[] = [];
  let dirty = 0;
  let cursor: StreamID = MIN_ID;
  const it = g.pel.from(start.ms, start.seq);
  let r = it.next();
  while (attempts-- > 0 && count > 0 && !r.done) {
    const nack = r.value;
    const id: StreamID = { ms: nack.ms, seq: nack.seq };
    const entry = s.get(id);
    if (entry === undefined) {
      propagateXclaim(ctx, key, groupName, g, idString(id), nack);
      dirty++;
      s.removeNack(g, nack);
      deletedIds.push(idString(id));
      count--;
      r = it.next();
      continue;
    }
    if (minidle && now - nack.deliveryTime < minidle) {
      r = it.next();
      continue;
    }
    s.assignNack(nack, consumer);
    nack.deliveryTime = now;
    if (!justid) nack.deliveryCount++;
    claimed.push(justid ? idString(id) : entryReply(entry));
    count--;
    consumer.activeTime = now;
    propagateXclaim(ctx, key, groupName, g, idString(id), nack);
    dirty++;
    r = it.next();
  }
  if (!r.done) cursor = { ms: r.value.ms, seq: r.value.seq };
  groupChanged(ctx, s, dirty);
  return [idString(cursor), claimed, deletedIds];
}

// ---------------------------------------------------------------------------------------------
// XINFO

const XINFO_HELP = [
  'CONSUMERS <key> <groupname>',
  '    Show consumers of <groupname>.',
  'GROUPS <key>',
  '    Show the stream consumer groups.',
  'STREAM <key> [FULL [COUNT <count>]',
  '    Show information about the stream.',
];

function infoStream(ctx: Ctx): Reply {
  const argv = ctx.argv;
  const s = ctx.db.read<RStream>(argv[2]!, STREAM);
  if (s === undefined) throw error('ERR no such key');
  const optc = argv.length - 3;
  let full = true;
  let count = 10;
  if (optc === 0) {
    full = false;
  } else {
    if (optc !== 1 && optc !== 3) throw subcommandSyntaxError(ctx);
    if (!is(argv[3]!, 'full')) throw subcommandSyntaxError(ctx);
    if (optc === 3) {
      if (!is(argv[4]!, 'count')) throw subcommandSyntaxError(ctx);
      count = llArg(argv[5]!);
      if (count < 0) count = 10;
    }
  }
  const keys = s.nodeCount;
  const out: Reply[] = [
    'length',
    s.length,
    'radix-tree-keys',
    keys,
    'radix-tree-nodes',
    keys === 0 ? 1 : keys === 1 ? 2 : keys * 2 + 2,
    'last-generated-id',
    idString(s.lastId),
    'max-deleted-entry-id',
    idString(s.maxDeletedId),
    'entries-added',
    entriesAddedReply(s),
    'recorded-first-entry-id',
    idString(s.firstId),
  ];
  if (!full) {
    const first = s.range(MIN_ID, MAX_ID, false, 1)[0];
    const last = s.range(MIN_ID, MAX_ID, true, 1)[0];
    out.push('groups', s.groups?.size ?? 0);
    out.push('first-entry', first ? entryReply(first) : null, 'last-entry', last ? entryReply(last) : null);
    return new MapReply(out);
  }
  out.push('entries', s.range(MIN_ID, MAX_ID, false, count).map(entryReply));
  const groups: Reply[] = [];
  for (const [name, g] of s.sortedGroups()) {
    const pending: Reply[] = [];
    for (const n of g.pel) {
      if (count && pending.length >= count) break;
      pending.push([idString(n), n.consumer!.name, n.deliveryTime, n.deliveryCount]);
    }
    const consumers: Reply[] = [];
    for (const c of g.sortedConsumers()) {
      const cp: Reply[] = [];
      for (const n of c.pel) {
        if (count && cp.length >= count) break;
        cp.push([idString(n), n.deliveryTime, n.deliveryCount]);
      }
      consumers.push(
        new MapReply(['name', c.name, 'seen-time', c.seenTime, 'active-time', c.activeTime, 'pel-count', c.pel.size, 'pending', cp]),
      );
    }
    groups.push(
      new MapReply([
        'name',
        name,
        'last-delivered-id',
        idString(g.lastId),
        'entries-read',
        g.entriesRead !== INVALID_ENTRIES_READ ? g.entriesRead : null,
        'lag',
        s.lag(g),
        'pel-count',
        g.pel.size,
        'pending',
        pending,
        'consumers',
        consumers,
      ]),
    );
  }
  out.push('groups', groups);
  return new MapReply(out);
}

function entriesAddedReply(s: RStream): Reply {
  return s.entriesAdded;
}

function infoGroups(ctx: Ctx): Reply {
  const s = ctx.db.read<RStream>(ctx.argv[2]!, STREAM);
  if (s === undefined) throw error('ERR no such key');
  const out: Reply[] = [];
  for (const [name, g] of s.sortedGroups()) {
    out.push(
      new MapReply([
        'name',
        name,
        'consumers',
        g.consumers.size,
        'pending',
        g.pel.size,
        'last-delivered-id',
        idString(g.lastId),
        'entries-read',
        g.entriesRead !== INVALID_ENTRIES_READ ? g.entriesRead : null,
        'lag',
        s.lag(g),
      ]),
    );
  }
  return out;
}

function infoConsumers(ctx: Ctx): Reply {
  const argv = ctx.argv;
  const s = ctx.db.read<RStream>(argv[2]!, STREAM);
  if (s === undefined) throw error('ERR no such key');
  const g = s.group(argv[3]!);
  if (g === undefined) throw error(`NOGROUP No such consumer group '${cstr(argv[3]!)}' for key name '${cstr(argv[2]!)}'`);
  const now = ctx.now;
  const out: Reply[] = [];
  for (const c of g.sortedConsumers()) {
    const inactive = c.activeTime !== -1 ? now - c.activeTime : -1;
    const idle = Math.max(0, now - c.seenTime);
    out.push(new MapReply(['name', c.name, 'pending', c.pel.size, 'idle', idle, 'inactive', inactive]));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The table

const rwUpdate: KeySpecDef[] = [{ flags: ['RW', 'UPDATE'], index: 1, range: [0, 1, 0] }];
const rwDelete: KeySpecDef[] = [{ flags: ['RW', 'DELETE'], index: 1, range: [0, 1, 0] }];
const roAccess: KeySpecDef[] = [{ flags: ['RO', 'ACCESS'], index: 1, range: [0, 1, 0] }];
const groupKey = { firstKey: 2, lastKey: 2, step: 1 } as const;
const roAccess2: KeySpecDef[] = [{ flags: ['RO', 'ACCESS'], index: 2, range: [0, 1, 0] }];

function xgroupSub(name: string, arity: number, flags: CommandSpec['flags'], spec: KeySpecDef['flags'], summary: string, complexity: string, since: string): CommandSpec {
  return {
    name,
    arity,
    flags,
    acl: ['write', 'stream', 'slow'],
    group: 'stream',
    ...groupKey,
    keySpecs: [{ flags: spec, index: 2, range: [0, 1, 0] }],
    summary,
    complexity,
    since,
    handler: xgroup,
  };
}

defineCommands(
  {
    name: 'xadd',
    arity: -5,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'stream', 'fast'],
    group: 'stream',
    keySpecs: [{ flags: ['RW', 'UPDATE'], notes: 'UPDATE instead of INSERT because of the optional trimming feature', index: 1, range: [0, 1, 0] }],
    summary: "Appends a new message to a stream. Creates the key if it doesn't exist.",
    complexity: 'O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted.',
    since: '5.0.0',
    handler: xadd,
  },
  {
    name: 'xtrim',
    arity: -4,
    flags: ['write'],
    acl: ['write', 'stream', 'slow'],
    group: 'stream',
    keySpecs: rwDelete,
    summary: 'Deletes messages from the beginning of a stream.',
    complexity:
      'O(N), with N being the number of evicted entries. Constant times are very small however, since entries are organized in macro nodes containing multiple entries that can be released with a single deallocation.',
    since: '5.0.0',
    handler: xtrim,
  },
  {
    name: 'xdel',
    arity: -3,
    flags: ['write', 'fast'],
    acl: ['write', 'stream', 'fast'],
    group: 'stream',
    keySpecs: rwDelete,
    summary: 'Returns the number of messages after removing them from a stream.',
    complexity: 'O(1) for each single item to delete in the stream, regardless of the stream size.',
    since: '5.0.0',
    handler: xdel,
  },
  {
    name: 'xlen',
    arity: 2,
    flags: ['readonly', 'fast'],
    acl: ['read', 'stream', 'fast'],
    group: 'stream',
    keySpecs: [{ flags: ['RO'], index: 1, range: [0, 1, 0] }],
    summary: 'Return the number of messages in a stream.',
    complexity: 'O(1)',
    since: '5.0.0',
    handler(ctx) {
      const s = readStream(ctx.db, ctx.argv[1]!);
      return s === undefined ? 0 : s.length;
    },
  },
  {
    name: 'xrange',
    arity: -4,
    flags: ['readonly'],
    acl: ['read', 'stream', 'slow'],
    group: 'stream',
    keySpecs: roAccess,
    summary: 'Returns the messages from a stream within a range of IDs.',
    complexity:
      'O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).',
    since: '5.0.0',
    handler: (ctx) => xrangeGeneric(ctx, false),
  },
  {
    name: 'xrevrange',
    arity: -4,
    flags: ['readonly'],
    acl: ['read', 'stream', 'slow'],
    group: 'stream',
    keySpecs: roAccess,
    summary: 'Returns the messages from a stream within a range of IDs in reverse order.',
    complexity:
      'O(N) with N being the number of elements returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).',
    since: '5.0.0',
    handler: (ctx) => xrangeGeneric(ctx, true),
  },
  {
    name: 'xread',
    arity: -4,
    flags: ['readonly', 'blocking', 'movablekeys'],
    acl: ['read', 'stream', 'slow', 'blocking'],
    group: 'stream',
    keys: (argv) => xreadKeys(argv, 1),
    keySpecs: [{ flags: ['RO', 'ACCESS'], keyword: 'STREAMS', startfrom: 1, range: [-1, 1, 2] }],
    summary: 'Returns messages from multiple streams with IDs greater than the ones requested. Blocks until a message is available otherwise.',
    since: '5.0.0',
    handler: (ctx) => xread(ctx, false),
  },
  {
    name: 'xreadgroup',
    arity: -7,
    flags: ['write', 'blocking', 'movablekeys'],
    acl: ['write', 'stream', 'slow', 'blocking'],
    group: 'stream',
    keys: (argv) => xreadKeys(argv, 4),
    keySpecs: [{ flags: ['RO', 'ACCESS'], keyword: 'STREAMS', startfrom: 4, range: [-1, 1, 2] }],
    summary: 'Returns new or historical messages from a stream for a consumer in a group. Blocks until a message is available otherwise.',
    complexity:
      'For each stream mentioned: O(M) with M being the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data.',
    since: '5.0.0',
    handler: (ctx) => xread(ctx, true),
  },
  {
    name: 'xgroup',
    arity: -2,
    flags: [],
    acl: ['slow'],
    group: 'stream',
    summary: 'A container for consumer groups commands.',
    complexity: 'Depends on subcommand.',
    since: '5.0.0',
    subcommands: [
      xgroupSub('create', -5, ['write', 'denyoom'], ['RW', 'INSERT'], 'Creates a consumer group.', 'O(1)', '5.0.0'),
      xgroupSub('createconsumer', 5, ['write', 'denyoom'], ['RW', 'INSERT'], 'Creates a consumer in a consumer group.', 'O(1)', '6.2.0'),
      xgroupSub('delconsumer', 5, ['write'], ['RW', 'DELETE'], 'Deletes a consumer from a consumer group.', 'O(1)', '5.0.0'),
      xgroupSub(
        'destroy',
        4,
        ['write'],
        ['RW', 'DELETE'],
        'Destroys a consumer group.',
        "O(N) where N is the number of entries in the group's pending entries list (PEL).",
        '5.0.0',
      ),
      xgroupSub('setid', -5, ['write'], ['RW', 'UPDATE'], 'Sets the last-delivered ID of a consumer group.', 'O(1)', '5.0.0'),
      {
        name: 'help',
        arity: 2,
        flags: ['loading', 'stale'],
        acl: ['stream', 'slow'],
        group: 'stream',
        summary: 'Returns helpful text about the different subcommands.',
        complexity: 'O(1)',
        since: '5.0.0',
        handler: () => help('XGROUP', XGROUP_HELP),
      },
    ],
  },
  {
    name: 'xsetid',
    arity: -3,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'stream', 'fast'],
    group: 'stream',
    keySpecs: rwUpdate,
    summary: 'An internal command for replicating stream values.',
    complexity: 'O(1)',
    since: '5.0.0',
    handler: xsetid,
  },
  {
    name: 'xack',
    arity: -4,
    flags: ['write', 'fast'],
    acl: ['write', 'stream', 'fast'],
    group: 'stream',
    keySpecs: rwUpdate,
    summary: 'Returns the number of messages that were successfully acknowledged by the consumer group member of a stream.',
    complexity: 'O(1) for each message ID processed.',
    since: '5.0.0',
    handler: xack,
  },
  {
    name: 'xpending',
    arity: -3,
    flags: ['readonly'],
    acl: ['read', 'stream', 'slow'],
    group: 'stream',
    keySpecs: roAccess,
    summary: "Returns the information and entries from a stream consumer group's pending entries list.",
    complexity:
      'O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer.',
    since: '5.0.0',
    handler: xpending,
  },
  {
    name: 'xclaim',
    arity: -6,
    flags: ['write', 'fast'],
    acl: ['write', 'stream', 'fast'],
    group: 'stream',
    keySpecs: rwUpdate,
    summary: 'Changes, or acquires, ownership of a message in a consumer group, as if the message was delivered a consumer group member.',
    complexity: 'O(log N) with N being the number of messages in the PEL of the consumer group.',
    since: '5.0.0',
    handler: xclaim,
  },
  {
    name: 'xautoclaim',
    arity: -6,
    flags: ['write', 'fast'],
    acl: ['write', 'stream', 'fast'],
    group: 'stream',
    keySpecs: rwDelete,
    summary:
      'Changes, or acquires, ownership of messages in a consumer group, as if the messages were delivered to as consumer group member.',
    complexity: 'O(1) if COUNT is small.',
    since: '6.2.0',
    handler: xautoclaim,
  },
  {
    name: 'xinfo',
    arity: -2,
    flags: [],
    acl: ['slow'],
    group: 'stream',
    summary: 'A container for stream introspection commands.',
    complexity: 'Depends on subcommand.',
    since: '5.0.0',
    subcommands: [
      {
        name: 'consumers',
        arity: 4,
        flags: ['readonly'],
        acl: ['read', 'stream', 'slow'],
        group: 'stream',
        ...groupKey,
        keySpecs: roAccess2,
        summary: 'Returns a list of the consumers in a consumer group.',
        complexity: 'O(1)',
        since: '5.0.0',
        handler: infoConsumers,
      },
      {
        name: 'groups',
        arity: 3,
        flags: ['readonly'],
        acl: ['read', 'stream', 'slow'],
        group: 'stream',
        ...groupKey,
        keySpecs: roAccess2,
        summary: 'Returns a list of the consumer groups of a stream.',
        complexity: 'O(1)',
        since: '5.0.0',
        handler: infoGroups,
      },
      {
        name: 'stream',
        arity: -3,
        flags: ['readonly'],
        acl: ['read', 'stream', 'slow'],
        group: 'stream',
        ...groupKey,
        keySpecs: roAccess2,
        summary: 'Returns information about a stream.',
        complexity: 'O(1)',
        since: '5.0.0',
        handler: infoStream,
      },
      {
        name: 'help',
        arity: 2,
        flags: ['loading', 'stale'],
        acl: ['stream', 'slow'],
        group: 'stream',
        summary: 'Returns helpful text about the different subcommands.',
        complexity: 'O(1)',
        since: '5.0.0',
        handler: () => help('XINFO', XINFO_HELP),
      },
    ],
  },
);

