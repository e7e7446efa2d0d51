/**
 * Introspection of the server (server.c, slowlog.c, latency.c, object.c, debug.c): INFO,
 * COMMAND, SLOWLOG, LATENCY, MONITOR, MEMORY, LASTSAVE, SHUTDOWN, DEBUG and the FUNCTION
 * commands a server without scripting answers.
 *
 * Statistics are collected where Redis collects them: per executed command in call() — here
 * the Shard's `call`, which runs every command, those of an EXEC included — for commandstats,
 * latency histograms, SLOWLOG, the latency monitor and MONITOR; and around the server's
 * execute for what is rejected before a command runs (rejected_calls, errorstats).
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  BoolReply,
  Double,
  ErrorReply,
  MapReply,
  NO_REPLY,
  NULL_ARRAY,
  OK,
  SetReply,
  Status,
  Verbatim,
  commands,
  keyIndexes,
  type Command,
  type CommandSpec,
  type Reply,
  type Session,
} from '@memorykv/core';
// Not exported from @memorykv/core's index.
import { defineCommands, lookupCommand, type CommandFlag } from '../../../core/src/commands/table.ts';
import { scriptingState } from '../../../core/src/scripting/state.ts';
import { commandHasKeys, getKeysWithFlags, keyFlagsReply, keySpecsReply, legacyRange } from '../../../core/src/commands/keyspecs.ts';
import type { Ctx } from '../../../core/src/commands/context.ts';
import { formatDouble, parseInt64 } from '../../../core/src/bytes.ts';
import { globMatch } from '../../../core/src/glob.ts';
import { KEY_OVERHEAD, keyUsage, stringEncoding, stringMemory, valueMemory, type Value } from '../../../core/src/keyspace/object.ts';
import { idleTime } from '../../../core/src/keyspace/eviction.ts';
import { observeExpireCycles } from '../../../core/src/keyspace/expiry.ts';
import type { Keyspace } from '../../../core/src/keyspace/keyspace.ts';
import { Client } from '../client.ts';
import { PendingReply, type ShardedFacts } from '../sharding.ts';
import type { MemorykvServer } from '../server.ts';
import { BigNumber } from '../resp/encoder.ts';
import { REDIS_VERSION } from '../config-file.ts';
import { PARAM_BY_NAME, formatPercentile, readSetting, repr } from '../settings.ts';
import { blockedClients, blockingState, totalBlockingKeys, totalBlockingKeysOnNokey } from './blocking.ts';
import { pubsubOf } from './pubsub.ts';
import { allowProtectedAction } from './config.ts';

export const MEMORYKV_VERSION = '0.1.0';

const err = (message: string) => new ErrorReply(message);
const SYNTAX = err('ERR syntax error');
const NOT_INTEGER = err('ERR value is not an integer or out of range');

/** Memory of an empty server, as Redis's used_memory_startup (INFO's used_memory adds the data). */
const STARTUP_MEMORY = 876000;
/** Rough cost of one connection (client struct, query and reply buffers at rest). */
const CLIENT_MEMORY = 22000;

// -----------------------------------------------------------------------------------------------
// Statistics

/** Per command: commandstats and the latency histogram (redisCommand's stat fields). */
interface CommandStat {
  calls: number;
  usec: number;
  rejected: number;
  failed: number;
  histogram: Histogram | null;
  /** The command's flags the command path reads, looked up once. */
  skipSlowlog: boolean;
  skipMonitor: boolean;
  fast: boolean;
  /** Timed with the fast commands around it (see CallGroup). */
  grouped: boolean;
}

/**
 * Not flagged fast by Redis, but constant time here: the value is a string the parser made
 * already, stored by reference (Redis copies it, which is why its SET is not fast).
 */
const CONSTANT_TIME = new Set(['set', 'setex', 'psetex']);

/**
 * The fast commands a read runs back to back since the last clock read: their time is the
 * elapsed time split evenly, taken when the run ends or a command timed alone starts. What
 * needs no time (calls, errors, MONITOR) is counted as they run; what does (usec, the latency
 * histogram, SLOWLOG, LATENCY) waits here. A fast command is O(1) or O(log N), so an even
 * split misleads no one; it saves a clock read per command.
 *
 * Commands are kept as runs (a pipeline usually repeats one command): a run is its stat and a
 * count, one array store per run, not four per command. Who ran what (client, argv) is kept,
 * one command a run, only while SLOWLOG could take a grouped command (keepsArgs).
 */
class CallGroup {
  /** Commands in the group. */
  n = 0;
  /** Runs in the group: stats[i] ran counts[i] times in a row. */
  runs = 0;
  readonly stats: CommandStat[] = [];
  readonly counts: number[] = [];
  readonly clients: (Client | null)[] = [];
  readonly argvs: (string[] | null)[] = [];
  readonly redacted: (number[] | undefined)[] = [];

  add(cs: CommandStat, client: Client | null, argv: string[], redacted: number[] | undefined, keepArgs: boolean): void {
    this.n++;
    const last = this.runs - 1;
    if (!keepArgs && last >= 0 && this.stats[last] === cs && this.argvs[last] === null) {
      this.counts[last]!++;
      return;
    }
    const i = this.runs++;
    this.stats[i] = cs;
    this.counts[i] = 1;
    if (keepArgs) {
      this.clients[i] = client;
      this.argvs[i] = argv;
      this.redacted[i] = redacted;
    } else {
      this.clients[i] = null;
      this.argvs[i] = null;
      this.redacted[i] = undefined;
    }
  }
}

/**
 * Below this SLOWLOG threshold (µs) a group keeps each command's argv, since its share of the
 * group's time may reach the threshold. At or above it (the default is 10000), a fast command's
 * share reaching it would be a stall of the whole process (a pause of the host, a long GC), not
 * the command's doing: SLOWLOG does not name the grouped commands then; LATENCY still counts it.
 */
const GROUP_KEEPS_ARGS_BELOW_US = 1000;

/** Sub-buckets per power of two (two significant digits need 1/128; 256 keeps the old keys). */
const SUB = 256;

/**
 * A latency histogram in nanoseconds with two significant digits (Redis keeps an hdr_histogram
 * of the same precision): each value falls in a bucket of 1/128 of its power of two. Counts
 * live in one small typed array per power of two that was seen, so recording is index
 * arithmetic, not a Map update.
 */
class Histogram {
  /** Octave e (values in [2^(e+7), 2^(e+8)), or the exact values below 256 for e = 0). */
  readonly octaves: (Uint32Array | undefined)[] = [];
  total = 0;

  /** The bucket key of a value. */
  static bucket(ns: number): number {
    return bucketOf(ns < 1 ? 1 : Math.round(ns));
  }

  /** Counts `count` values of bucket k (Histogram.bucket). */
  add(k: number, count = 1): void {
    const e = (k / SUB) | 0;
    const o = (this.octaves[e] ??= new Uint32Array(SUB));
    o[k - e * SUB]! += count;
    this.total += count;
  }

  /** Bucket keys with their counts, ascending. */
  private *buckets(): Generator<[number, number]> {
    for (let e = 0; e < this.octaves.length; e++) {
      const o = this.octaves[e];
      if (o === undefined) continue;
      for (let m = 0; m < SUB; m++) if (o[m]! > 0) yield [e * SUB + m, o[m]!];
    }
  }

  /** hdr_value_at_percentile: the highest value equivalent to the one at that percentile. */
  valueAt(p: number): number {
    const target = Math.max(1, Math.ceil((Math.min(p, 100) / 100) * this.total));
    let seen = 0;
    let last = -1;
    for (const [k, n] of this.buckets()) {
      seen += n;
      last = k;
      if (seen >= target) return bucketTop(k);
    }
    return last >= 0 ? bucketTop(last) : 0;
  }

  /** hdr_iter_log (first bucket 1024 ns, factor 2): [µs, cumulative count] where it grew. */
  cumulative(): [number, number][] {
    const b = [...this.buckets()];
    const out: [number, number][] = [];
    let i = 0;
    let cum = 0;
    let prev = 0;
    for (let top = 1024; i < b.length; top *= 2) {
      while (i < b.length && bucketTop(b[i]![0]) < top) cum += b[i++]![1];
      if (cum > prev) out.push([Math.floor(top / 1000), cum]);
      prev = cum;
    }
    return out;
  }
}

function bucketOf(v: number): number {
  if (v < 256) return v;
  // Up to 2^31 ns (2 s), integer bit arithmetic; beyond, the same with floating point.
  if (v < 0x80000000) {
    const e = 24 - Math.clz32(v);
    return e * 256 + (v >>> e);
  }
  const e = Math.floor(Math.log2(v)) - 7;
  return e * 256 + Math.floor(v / 2 ** e);
}

function bucketTop(k: number): number {
  if (k < 256) return k;
  const e = Math.floor(k / 256);
  const m = k - e * 256;
  return (m + 1) * 2 ** e - 1;
}

interface SlowlogEntry {
  id: number;
  time: number;
  duration: number;
  argv: string[];
  peer: string;
  name: string;
}

/** A latency event's samples (latency.c latencyTimeSeries): one per second, 160 kept. */
interface LatencySeries {
  samples: { time: number; latency: number }[];
  max: number;
}

/** The server's statistics (the stat_* fields of Redis's server struct this module keeps). */
export class ServerStats {
  /** While INFO is written for a sharded keyspace: the shards' numbers (sharding.ts). */
  sharded: ShardedFacts | null = null;
  readonly commands = new Map<string, CommandStat>();
  /** The same stats by Command id, for the command path (cleared with `commands`). */
  byCommand: (CommandStat | undefined)[] = [];
  readonly errors = new Map<string, number>();
  numCommands = 0;
  errorReplies = 0;
  /** Connections accepted (stat_numconnections), and bytes of closed connections. */
  connections = 0;
  closedNetIn = 0;
  closedNetOut = 0;
  netInBase = 0;
  netOutBase = 0;
  peakMemory = 0;
  // instantaneous_ops_per_sec: 16 samples taken at least 100 ms apart (STATS_METRIC_SAMPLES).
  private opsSamples: number[] = [];
  private opsLastTime = 0;
  private opsLastCount = 0;
  // SLOWLOG
  slowlog: SlowlogEntry[] = [];
  slowlogNextId = 0;
  // LATENCY
  readonly latency = new Map<string, LatencySeries>();
  // MONITOR
  readonly monitors = new Set<Client>();
  /** Arguments to show as "(redacted)" in SLOWLOG and MONITOR, per running command's session. */
  readonly redacted = new WeakMap<Session, number[]>();
  /** Sessions with an entry in `redacted` (0: the command path skips the map). */
  redactions = 0;
  /** unix seconds of the last successful save (LASTSAVE, rdb_last_save_time). */
  lastSave = Math.floor(Date.now() / 1000);
  /** server.dirty at the last save (rdb_changes_since_last_save). */
  dirtyAtSave = 0;
  readonly runId = createHash('sha1').update(`${process.pid}${Date.now()}${Math.random()}`).digest('hex');
  readonly replId = createHash('sha1').update(`repl${process.pid}${Date.now()}${Math.random()}`).digest('hex');
  /** Sections other modules supply or replace (replication, cluster, ...). */
  readonly infoSections = new Map<string, () => string>();
  /** Run by SHUTDOWN after the server closed (the binary exits there). */
  readonly shutdownHandlers: ((flags: ShutdownFlags) => void | Promise<void>)[] = [];
  /** Run by SHUTDOWN before the server closes (the final snapshot). */
  readonly beforeShutdown: ((flags: ShutdownFlags) => void | Promise<void>)[] = [];
  shuttingDown = false;
  /** Fast commands run since the last clock read, their time not taken yet. */
  readonly group = new CallGroup();
  /** The reply of the last command a call() ran inside the current execute (see wrapExecute). */
  lastCallReply: Reply | undefined = undefined;

  // The parameters the command path reads, as values (kept current by their CONFIG SET).
  latencyTracking = true;
  latencyMonitorThreshold = 0;
  slowlogLogSlowerThan = 10000;
  slowlogMaxLen = 128;

  command(name: string): CommandStat {
    let s = this.commands.get(name);
    if (s === undefined) {
      const cmd = commandByName(name);
      const has = (f: CommandFlag) => cmd !== undefined && cmd.flags.includes(f);
      s = { calls: 0, usec: 0, rejected: 0, failed: 0, histogram: null, skipSlowlog: has('skip_slowlog'), skipMonitor: has('skip_monitor') || has('admin'), fast: has('fast'), grouped: has('fast') || CONSTANT_TIME.has(name) };
      this.commands.set(name, s);
    }
    return s;
  }

  statOf(cmd: Command): CommandStat {
    let s = this.byCommand[cmd.id];
    if (s === undefined) this.byCommand[cmd.id] = s = this.command(cmd.fullName);
    return s;
  }

  /** afterErrorReply: total_error_replies and errorstat_<CODE> (the first word, if any). */
  countError(message: string): void {
    this.errorReplies++;
    const sp = message.slice(0, 32).indexOf(' ');
    const code = sp > 0 ? message.slice(0, sp) : 'ERR';
    // Redis stops tracking new codes beyond 128 (ERROR_STATS_NUMBER).
    if (!this.errors.has(code) && this.errors.size >= 128) return;
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  sampleOps(now: number): void {
    if (now - this.opsLastTime < 100) return;
    if (this.opsLastTime > 0) {
      const ops = ((this.numCommands - this.opsLastCount) * 1000) / (now - this.opsLastTime);
      this.opsSamples.push(ops);
      if (this.opsSamples.length > 16) this.opsSamples.shift();
    }
    this.opsLastTime = now;
    this.opsLastCount = this.numCommands;
  }

  instantaneousOps(): number {
    this.sampleOps(Date.now());
    if (this.opsSamples.length === 0) return 0;
    let sum = 0;
    for (const s of this.opsSamples) sum += s;
    return Math.floor(sum / this.opsSamples.length);
  }

  resetOps(): void {
    this.opsSamples = [];
    this.opsLastTime = 0;
  }
}

export interface ShutdownFlags {
  save: boolean;
  nosave: boolean;
  now: boolean;
  force: boolean;
}

const STATE = 'introspection';

export function serverStats(server: MemorykvServer): ServerStats {
  return server.state.get(STATE) as ServerStats;
}

/** Shows argument `index` of the running command as "(redacted)" in SLOWLOG and MONITOR. */
export function redactArgument(session: Session, index: number): void {
  const server = session instanceof Client ? session.server : null;
  if (server === null) return;
  const st = serverStats(server);
  let l = st.redacted.get(session);
  if (l === undefined) {
    st.redacted.set(session, (l = []));
    st.redactions++;
  }
  l.push(index);
}

/** A module's INFO section (e.g. replication): `fn` returns its lines, header included. */
export function defineInfoSection(server: MemorykvServer, name: string, fn: () => string): void {
  serverStats(server).infoSections.set(name, fn);
}

/** Runs `fn` when SHUTDOWN stops the server (after it closed). */
export function onShutdown(server: MemorykvServer, fn: (flags: ShutdownFlags) => void | Promise<void>): void {
  serverStats(server).shutdownHandlers.push(fn);
}

/** Records a successful save (LASTSAVE, INFO persistence). */
export function recordSave(server: MemorykvServer): void {
  const st = serverStats(server);
  st.lastSave = Math.floor(Date.now() / 1000);
  st.dirtyAtSave = server.engine.shard.dirty;
}

/** What INFO persistence shows of loading, snapshots and the journal (commands/persistence.ts). */
export interface PersistenceState {
  /** Start-up loading in progress: when it began and how far it got (in units of `total`). */
  loading: { startedAt: number; done: number; total: number } | null;
  aofEnabled: boolean;
  /** A snapshot build running, and since when (unix ms). */
  building: boolean;
  buildStartedAt: number;
  lastStatus: 'ok' | 'err';
  lastSeconds: number;
  saves: number;
  scheduled: boolean;
  writeOk: boolean;
  loadedKeys: number;
  /** Lines after Redis's own (journal sizes and positions). */
  extra: string[];
}

const NO_PERSISTENCE: PersistenceState = {
  loading: null,
  aofEnabled: false,
  building: false,
  buildStartedAt: 0,
  lastStatus: 'ok',
  lastSeconds: -1,
  saves: 0,
  scheduled: false,
  writeOk: true,
  loadedKeys: 0,
  extra: [],
};

/** INFO persistence with Redis's field names (no fork here: the cow fields stay 0). */
export function persistenceSection(server: MemorykvServer, st: ServerStats, p: PersistenceState): string {
  const lines = ['# Persistence', `loading:${p.loading !== null ? 1 : 0}`, 'async_loading:0'];
  if (p.loading !== null) {
    const { startedAt, done, total } = p.loading;
    const perc = total > 0 ? (done / total) * 100 : 0;
    const eta = done > 0 ? Math.round((((Date.now() - startedAt) / done) * (total - done)) / 1000) : 1;
    lines.push(
      `loading_start_time:${Math.floor(startedAt / 1000)}`,
      `loading_total_bytes:${total}`,
      'loading_rdb_used_mem:0',
      `loading_loaded_bytes:${done}`,
      `loading_loaded_perc:${perc.toFixed(2)}`,
      `loading_eta_seconds:${eta}`,
    );
  }
  // Durable shards keep their own journals and snapshots (sharding.ts): their numbers.
  const shardsSaved = st.sharded?.persistence ?? null;
  const building = p.building || shardsSaved?.building === true ? 1 : 0;
  const current = p.building ? Math.round((Date.now() - p.buildStartedAt) / 1000) : -1;
  lines.push(
    'current_cow_peak:0',
    'current_cow_size:0',
    'current_cow_size_age:0',
    'current_fork_perc:0.00',
    'current_save_keys_processed:0',
    'current_save_keys_total:0',
    `rdb_changes_since_last_save:${shardsSaved?.changes ?? (st.sharded === null ? server.engine.shard.dirty - st.dirtyAtSave : st.sharded.dirty)}`,
    `rdb_bgsave_in_progress:${building}`,
    `rdb_last_save_time:${shardsSaved?.lastSave ?? st.lastSave}`,
    `rdb_last_bgsave_status:${p.lastStatus}`,
    `rdb_last_bgsave_time_sec:${p.lastSeconds}`,
    `rdb_current_bgsave_time_sec:${current}`,
    `rdb_saves:${p.saves + (shardsSaved?.saves ?? 0)}`,
    'rdb_last_cow_size:0',
    'rdb_last_load_keys_expired:0',
    `rdb_last_load_keys_loaded:${p.loadedKeys}`,
    `aof_enabled:${p.aofEnabled ? 1 : 0}`,
    `aof_rewrite_in_progress:${building}`,
    `aof_rewrite_scheduled:${p.scheduled ? 1 : 0}`,
    `aof_last_rewrite_time_sec:${p.lastSeconds}`,
    `aof_current_rewrite_time_sec:${current}`,
    `aof_last_bgrewrite_status:${p.lastStatus}`,
    `aof_rewrites:${p.saves}`,
    'aof_rewrites_consecutive_failures:0',
    `aof_last_write_status:${p.writeOk ? 'ok' : 'err'}`,
    'aof_last_cow_size:0',
    'module_fork_in_progress:0',
    'module_fork_last_cow_size:0',
    ...p.extra,
  );
  return lines.join('\r\n');
}

/** CONFIG RESETSTAT (resetServerStats, resetCommandTableStats, resetErrorTableStats). */
export function resetStats(server: MemorykvServer): void {
  const st = serverStats(server);
  st.commands.clear();
  st.byCommand = [];
  st.errors.clear();
  st.numCommands = 0;
  st.errorReplies = 0;
  st.connections = 0;
  st.netInBase = netBytes(server, true);
  st.netOutBase = netBytes(server, false);
  st.peakMemory = 0;
  st.resetOps();
  if (server.sharding !== null) void server.sharding.facts(true);
  const s = server.engine.shard.stats;
  s.keyspaceHits = 0;
  s.keyspaceMisses = 0;
  s.expiredKeys = 0;
  s.evictedKeys = 0;
  const acl = aclStats(server);
  if (acl) acl.auth = acl.cmd = acl.key = acl.channel = 0;
}

function netBytes(server: MemorykvServer, input: boolean): number {
  const st = serverStats(server);
  let n = input ? st.closedNetIn : st.closedNetOut;
  for (const c of server.clients.values()) n += input ? c.socket.bytesRead : c.bytesWritten;
  return n;
}

function aclStats(server: MemorykvServer): { auth: number; cmd: number; key: number; channel: number } | undefined {
  return (server.state.get('acl') as { stats?: { auth: number; cmd: number; key: number; channel: number } } | undefined)?.stats;
}

/** A parameter's value as CONFIG GET prints it (a module's own, or the settings table's). */
export function param(server: MemorykvServer, name: string): string {
  const p = server.params.get(name);
  if (p !== undefined) return p.get();
  const spec = PARAM_BY_NAME.get(name);
  return spec ? readSetting(server.settings, spec, server.engine.shard.config) : '';
}

function paramNumber(server: MemorykvServer, name: string): number {
  return Number(param(server, name));
}

/** Keeps `update` told of a parameter's value: now, and after each successful set. */
function watchParam(server: MemorykvServer, name: string, update: (value: string) => void): void {
  const p = server.params.get(name);
  if (p === undefined) throw new Error(`introspection needs the ${name} parameter`);
  const set = p.set.bind(p);
  p.set = (value) => {
    const e = set(value);
    if (e === null) update(p.get());
    return e;
  };
  update(p.get());
}

// -----------------------------------------------------------------------------------------------
// Hooks into the command path

export function install(server: MemorykvServer): void {
  const st = new ServerStats();
  server.state.set(STATE, st);
  watchParam(server, 'latency-tracking', (v) => void (st.latencyTracking = v === 'yes'));
  watchParam(server, 'latency-monitor-threshold', (v) => void (st.latencyMonitorThreshold = Number(v)));
  watchParam(server, 'slowlog-log-slower-than', (v) => void (st.slowlogLogSlowerThan = Number(v)));
  watchParam(server, 'slowlog-max-len', (v) => void (st.slowlogMaxLen = Number(v)));
  wrapCall(server, st);
  wrapExecute(server, st);
  trackOverhead(server);
  // latencyAddSampleIfNeeded("expire-cycle", elapsed/1000) after each active expire cycle.
  observeExpireCycles(server.engine.shard, (ms) => {
    const v = Math.floor(ms);
    if (st.latencyMonitorThreshold > 0 && v >= st.latencyMonitorThreshold) latencyAddSample(st, 'expire-cycle', v);
  });
  server.onAttach.push(() => void st.connections++);
  server.onDetach.push((client) => {
    st.closedNetIn += client.socket.bytesRead;
    st.closedNetOut += client.bytesWritten;
    // Sharded, the shards report what scripts run while someone monitors.
    if (st.monitors.delete(client)) server.sharding?.syncEvents();
  });
  // DEBUG and MODULE LOAD/LOADEX/UNLOAD are protected commands (enable-debug-command,
  // enable-module-command), refused before they run.
  server.guards.push((client, argv) => {
    const name = argv[0]!;
    // Every command passes here: most leave on length and first letter, without a lowercase copy.
    if (name.length !== 5 && name.length !== 6) return null;
    const first = name.charCodeAt(0) | 0x20;
    if (first !== 100 /* d */ && first !== 109 /* m */) return null;
    const lower = name.toLowerCase();
    let what: 'DEBUG' | 'MODULE';
    if (lower === 'debug') what = 'DEBUG';
    else if (lower === 'module' && argv.length > 1 && /^(load|loadex|unload)$/i.test(argv[1]!)) what = 'MODULE';
    else return null;
    const setting = what === 'DEBUG' ? 'enable-debug-command' : 'enable-module-command';
    return allowProtectedAction(server, setting, client)
      ? null
      : err(
          `ERR ${what} command not allowed. If the ${setting} option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.`,
        );
  });
}

/**
 * Every command the shard runs, the queued commands of an EXEC included, passes through its
 * `call` (Redis's call()): counted, timed, logged to SLOWLOG and fed to MONITOR there.
 */
function wrapCall(server: MemorykvServer, st: ServerStats): void {
  const shard = server.engine.shard;
  const call = shard.call.bind(shard);
  /** Nesting of calls (EXEC's and scripts' commands run inside another call). */
  let depth = 0;
  server.settleCalls = () => {
    if (st.group.n > 0) settleGroup(server, st, performance.now());
  };
  shard.call = (session: Session, cmd: Command, argv: string[]): Reply => {
    if (shard.replaying) return call(session, cmd, argv);
    // Scripts are shown before the commands they run (evalCommand, fcallCommandGeneric).
    if (st.monitors.size > 0 && SCRIPT_CALLERS.has(cmd.name) && session instanceof Client) {
      feedMonitors(st, session.db, peerId(session), argv, undefined);
    }
    // A command run directly by a client's read starts timing where the previous one ended
    // (server.callClock); its time then also holds its parsing, as Redis's includes lookup.
    // A fast one is timed with its neighbours (CallGroup): no clock read of its own.
    const top = depth++ === 0;
    const inRun = top && server.callClock >= 0;
    const cs = st.statOf(cmd);
    const grouped = inRun && cs.grouped;
    const t0 = grouped ? 0 : !inRun ? performance.now() : st.group.n > 0 ? settleGroup(server, st, performance.now()) : server.callClock;
    let reply: Reply;
    try {
      reply = call(session, cmd, argv);
    } finally {
      depth--;
    }
    if (grouped) {
      afterCall(server, st, session, cs, argv, reply, -1);
      return reply;
    }
    const t1 = performance.now();
    if (top) server.callClock = t1;
    afterCall(server, st, session, cs, argv, reply, t1 - t0);
    return reply;
  };
}

/** The commands timed together get their share of the time since the group began; returns now. */
function settleGroup(server: MemorykvServer, st: ServerStats, now: number): number {
  const g = st.group;
  const n = g.n;
  const ms = (now - server.callClock) / n;
  // One time for all: its microseconds and histogram bucket are worked out once.
  const usec = Math.round(ms * 1000);
  const bucket = Histogram.bucket(ms * 1e6);
  // Usually too quick for SLOWLOG and LATENCY for all of them (no entry is pushed meanwhile).
  const logs = logsTime(st, usec, ms);
  for (let i = 0; i < g.runs; i++) {
    const cs = g.stats[i]!;
    const count = g.counts[i]!;
    countTime(st, cs, usec * count, bucket, count);
    if (logs) for (let k = 0; k < count; k++) logTime(st, cs, g.clients[i] ?? null, g.argvs[i] ?? null, g.redacted[i], ms, usec);
    g.clients[i] = null;
    g.argvs[i] = null;
    g.redacted[i] = undefined;
  }
  g.runs = 0;
  g.n = 0;
  server.callClock = now;
  return now;
}

/**
 * After a command ran: counts, errors, MONITOR, and its time (ms); with ms < 0 the time comes
 * later, with its group's.
 */
function afterCall(server: MemorykvServer, st: ServerStats, session: Session, cs: CommandStat, argv: string[], reply: Reply, ms: number): void {
  st.lastCallReply = reply;
  // A command that blocked is counted when it runs again and completes (blocked.c).
  const blocked = reply === NO_REPLY && session instanceof Client && session.blocked !== null;
  if (reply instanceof ErrorReply) {
    cs.failed++;
    st.countError(reply.message);
  }
  // Redactions are rare (AUTH, HELLO, ACL SETUSER ...): the map is read only while one is pending.
  let redacted: number[] | undefined;
  if (st.redactions > 0) {
    redacted = st.redacted.get(session);
    if (redacted !== undefined && !blocked) {
      st.redacted.delete(session);
      st.redactions--;
    }
  }
  if (!blocked) {
    cs.calls++;
    st.numCommands++;
    const client = session instanceof Client ? session : null;
    if (ms < 0) {
      const slower = st.slowlogLogSlowerThan;
      st.group.add(cs, client, argv, redacted, slower >= 0 && slower < GROUP_KEEPS_ARGS_BELOW_US);
    }
    else {
      const usec = Math.round(ms * 1000);
      countTime(st, cs, usec, Histogram.bucket(ms * 1e6));
      if (logsTime(st, usec, ms)) logTime(st, cs, client, argv, redacted, ms, usec);
    }
  } else latencySample(st, cs, ms);
  // MONITOR shows a blocking command once, when first called.
  if (st.monitors.size > 0 && !cs.skipMonitor) {
    // A script's session derives from its caller's Client, so it is told apart first.
    if (scriptingState(server.engine.shard).running?.session === session) feedMonitors(st, session.db, 'lua', argv, redacted);
    else if (session instanceof Client && !reprocessing(server, session)) feedMonitors(st, session.db, peerId(session), argv, redacted);
  }
  st.sampleOps(server.engine.shard.coarseNow);
}

/** `count` completed commands' time in commandstats (usec, their sum) and their latency histogram (bucket). */
function countTime(st: ServerStats, cs: CommandStat, usec: number, bucket: number, count = 1): void {
  cs.usec += usec;
  if (st.latencyTracking) (cs.histogram ??= new Histogram()).add(bucket, count);
}

/** Whether a command of this time may go to SLOWLOG or LATENCY (or SLOWLOG needs a trim). */
function logsTime(st: ServerStats, usec: number, ms: number): boolean {
  const threshold = st.latencyMonitorThreshold;
  return usec >= st.slowlogLogSlowerThan || st.slowlog.length > st.slowlogMaxLen || (threshold > 0 && ms >= threshold);
}

/**
 * A completed command's time in SLOWLOG and LATENCY, where it is long enough (see logsTime);
 * argv is null for a grouped command whose argv was not kept (GROUP_KEEPS_ARGS_BELOW_US).
 */
function logTime(st: ServerStats, cs: CommandStat, client: Client | null, argv: string[] | null, redacted: number[] | undefined, ms: number, usec: number): void {
  // slowlogPushEntryIfNeeded: a push, or a trim after SLOWLOG's length was lowered.
  if (!cs.skipSlowlog && (usec >= st.slowlogLogSlowerThan || st.slowlog.length > st.slowlogMaxLen)) {
    slowlogPush(st, client, argv, redacted, usec);
  }
  latencySample(st, cs, ms);
}

function latencySample(st: ServerStats, cs: CommandStat, ms: number): void {
  const threshold = st.latencyMonitorThreshold;
  if (threshold > 0 && ms >= threshold) latencyAddSample(st, cs.fast ? 'fast-command' : 'command', Math.floor(ms));
}

/** The client's blocked command is being run again by the blocking module. */
function reprocessing(server: MemorykvServer, client: Client): boolean {
  return safe(() => blockingState(server).reprocessing === client, false);
}

/** Around the whole command path: what is refused before a command runs (rejectCommand). */
function wrapExecute(server: MemorykvServer, st: ServerStats): void {
  const execute = server.execute.bind(server);
  server.execute = (client: Client, argv: string[]): Reply | PendingReply => {
    st.lastCallReply = undefined;
    // COMMAND alone is COMMAND INFO with no names (the table's containers need a subcommand).
    if (argv.length === 1 && argv[0]!.length === 7 && argv[0]!.toLowerCase() === 'command') argv = [argv[0]!, 'INFO'];
    const reply = execute(client, argv);
    // Sharded, a command a shard runs passes no `call` here (INFO's pending reply did): MONITOR
    // is fed as it is sent.
    if (reply instanceof PendingReply && st.lastCallReply === undefined && st.monitors.size > 0) feedShardedMonitors(st, client, argv);
    if (reply instanceof ErrorReply && reply !== st.lastCallReply) {
      st.countError(reply.message);
      const cmd = resolveCommand(argv);
      if (cmd !== undefined) st.command(cmd.fullName).rejected++;
    }
    return reply;
  };
}

/** The (sub)command an argv names, as Redis's lookupCommand. */
export function resolveCommand(argv: readonly string[]): Command | undefined {
  let cmd = lookupCommand(argv[0]!);
  if (cmd?.sub) {
    if (argv.length < 2) return cmd;
    cmd = cmd.sub.get(argv[1]!.toLowerCase());
  }
  return cmd;
}

/** lookupCommandBySds: "name" or "container|sub", any letter case. */
function commandByName(name: string): Command | undefined {
  const parts = name.toLowerCase().split('|');
  if (parts.length > 2) return undefined;
  const cmd = commands.get(parts[0]!);
  if (parts.length === 1) return cmd;
  return cmd?.sub?.get(parts[1]!);
}

// -----------------------------------------------------------------------------------------------
// MONITOR

/** The commands that feed MONITOR themselves, before what they run (they are skip_monitor). */
const SCRIPT_CALLERS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

/** A command a script ran in a shard thread (its MONITOR_EVENT): a "lua" line. */
export function feedScriptMonitors(server: MemorykvServer, db: number, argv: string[]): void {
  const st = serverStats(server);
  if (st.monitors.size > 0) feedMonitors(st, db, 'lua', argv, undefined);
}

/**
 * A command sent to a shard thread, shown when it is sent (in the order this thread sends them);
 * the commands a script runs there are not shown.
 */
function feedShardedMonitors(st: ServerStats, client: Client, argv: string[]): void {
  const cmd = resolveCommand(argv);
  if (cmd === undefined || (st.statOf(cmd).skipMonitor && !SCRIPT_CALLERS.has(cmd.name))) return;
  feedMonitors(st, client.db, peerId(client), argv, undefined);
}

/** replicationFeedMonitors: `peer` is the client's peer id, or 'lua' for a script's commands. */
function feedMonitors(st: ServerStats, db: number, peer: string, argv: string[], redacted: number[] | undefined): void {
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  let line = `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')} [${db} ${peer}]`;
  for (let j = 0; j < argv.length; j++) line += ' ' + (redacted?.includes(j) ? '"(redacted)"' : repr(argv[j]!));
  const status = new Status(line);
  for (const m of st.monitors) {
    if (m.closed || !m.flags.has('monitor')) {
      st.monitors.delete(m);
      continue;
    }
    m.writer.write(status, m.resp);
    m.server.scheduleFlush(m);
  }
}

/** getClientPeerId: ip:port ([ip]:port for IPv6), or unix:path. */
function peerId(c: Client): string {
  return c.socket.remoteAddress === undefined ? `unix:${c.socket.localAddress ?? ''}` : c.addr;
}

// -----------------------------------------------------------------------------------------------
// SLOWLOG

const SLOWLOG_MAX_ARGC = 32;
const SLOWLOG_MAX_STRING = 128;

function slowlogPush(st: ServerStats, client: Client | null, argv: string[] | null, redacted: number[] | undefined, usec: number): void {
  const slower = st.slowlogLogSlowerThan;
  const maxLen = st.slowlogMaxLen;
  if (slower < 0 || maxLen === 0) return;
  if (usec >= slower && argv !== null) {
    const argc = Math.min(argv.length, SLOWLOG_MAX_ARGC);
    const args: string[] = [];
    for (let j = 0; j < argc; j++) {
      let a = argv[j]!;
      if (argc !== argv.length && j === argc - 1) a = `... (${argv.length - argc + 1} more arguments)`;
      else if (redacted?.includes(j)) a = '(redacted)';
      else if (a.length > SLOWLOG_MAX_STRING) a = `${a.slice(0, SLOWLOG_MAX_STRING)}... (${a.length - SLOWLOG_MAX_STRING} more bytes)`;
      args.push(a);
    }
    st.slowlog.unshift({
      id: st.slowlogNextId++,
      time: Math.floor(Date.now() / 1000),
      duration: usec,
      argv: args,
      peer: client ? peerId(client) : '',
      name: client?.name ?? '',
    });
  }
  if (st.slowlog.length > maxLen) st.slowlog.length = maxLen;
}

function slowlogCommand(ctx: Ctx): Reply {
  const server = serverOf(ctx);
  const st = serverStats(server);
  switch (ctx.cmd.name) {
    case 'get': {
      let count = 10;
      if (ctx.argv.length === 3) {
        const n = parseInt64(ctx.argv[2]!);
        if (n !== n) return NOT_INTEGER;
        if (n < -1) return err('ERR count should be greater than or equal to -1');
        count = n === -1 ? Infinity : n;
      } else if (ctx.argv.length > 3) {
        return err(`ERR unknown subcommand or wrong number of arguments for 'get'. Try SLOWLOG HELP.`);
      }
      return st.slowlog.slice(0, count).map((e) => [e.id, e.time, e.duration, e.argv, e.peer, e.name]);
    }
    case 'len':
      return st.slowlog.length;
    case 'reset':
      st.slowlog = [];
      return OK;
    default:
      return help('SLOWLOG', [
        'GET [<count>]',
        '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
        '    Entries are made of:',
        '    id, timestamp, time in microseconds, arguments array, client IP and port,',
        '    client name',
        'LEN',
        '    Return the length of the slowlog.',
        'RESET',
        '    Reset the slowlog.',
      ]);
  }
}

// -----------------------------------------------------------------------------------------------
// LATENCY

const LATENCY_TS_LEN = 160;

function latencyAddSample(st: ServerStats, event: string, latency: number): void {
  let ts = st.latency.get(event);
  if (ts === undefined) st.latency.set(event, (ts = { samples: [], max: 0 }));
  const now = Math.floor(Date.now() / 1000);
  if (latency > ts.max) ts.max = latency;
  const last = ts.samples[ts.samples.length - 1];
  // Samples of the same second merge into their maximum.
  if (last !== undefined && last.time === now) {
    if (latency > last.latency) last.latency = latency;
    return;
  }
  ts.samples.push({ time: now, latency });
  if (ts.samples.length > LATENCY_TS_LEN) ts.samples.shift();
}

/** Records a latency event of another module (expire-cycle, eviction-cycle, ...) in ms. */
export function latencyEvent(server: MemorykvServer, event: string, ms: number): void {
  const threshold = paramNumber(server, 'latency-monitor-threshold');
  if (threshold > 0 && ms >= threshold) latencyAddSample(serverStats(server), event, Math.floor(ms));
}

function latencyCommand(ctx: Ctx): Reply {
  const server = serverOf(ctx);
  const st = serverStats(server);
  const argv = ctx.argv;
  switch (ctx.cmd.name) {
    case 'history': {
      const ts = st.latency.get(argv[2]!);
      return ts === undefined ? [] : ts.samples.map((s) => [s.time, s.latency]);
    }
    case 'latest': {
      const out: Reply[] = [];
      for (const [event, ts] of st.latency) {
        const last = ts.samples[ts.samples.length - 1]!;
        out.push([event, last.time, last.latency, ts.max]);
      }
      return out;
    }
    case 'reset': {
      if (argv.length === 2) {
        const n = st.latency.size;
        st.latency.clear();
        return n;
      }
      let n = 0;
      for (let j = 2; j < argv.length; j++) if (st.latency.delete(argv[j]!)) n++;
      return n;
    }
    case 'graph': {
      const ts = st.latency.get(argv[2]!);
      if (ts === undefined) return err(`ERR No samples available for event '${argv[2]}'`);
      return new Verbatim('txt', latencyGraph(argv[2]!, ts));
    }
    case 'doctor':
      return new Verbatim('txt', latencyDoctor(server, st));
    case 'histogram': {
      const out: Reply[] = [];
      const add = (name: string, h: Histogram) => {
        const cdf: Reply[] = [];
        for (const [us, n] of h.cumulative()) cdf.push(us, n);
        out.push(name, new MapReply(['calls', h.total, 'histogram_usec', new MapReply(cdf)]));
      };
      if (argv.length === 2) {
        for (const [name, cs] of st.commands) if (cs.histogram !== null) add(name, cs.histogram);
      } else {
        // As Redis: a container adds its subcommands; a name given twice answers twice.
        for (let j = 2; j < argv.length; j++) {
          const cmd = commandByName(argv[j]!);
          if (cmd === undefined) continue;
          for (const c of [cmd, ...(cmd.sub?.values() ?? [])]) {
            const h = st.commands.get(c.fullName)?.histogram;
            if (h) add(c.fullName, h);
          }
        }
      }
      return new MapReply(out);
    }
    default:
      return help('LATENCY', [
        'DOCTOR',
        '    Return a human readable latency analysis report.',
        'GRAPH <event>',
        '    Return an ASCII latency graph for the <event> class.',
        'HISTORY <event>',
        '    Return time-latency samples for the <event> class.',
        'LATEST',
        '    Return the latest latency samples for all events.',
        'RESET [<event> ...]',
        '    Reset latency data of one or more <event> classes.',
        '    (default: reset all data for all event classes)',
        'HISTOGRAM [COMMAND ...]',
        '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
        '    If no commands are specified then all histograms are replied.',
      ]);
  }
}

function latencyGraph(event: string, ts: LatencySeries): string {
  let min = Infinity;
  let max = 0;
  for (const s of ts.samples) {
    min = Math.min(min, s.latency);
    max = Math.max(max, s.latency);
  }
  let g = `${event} - high ${max} ms, low ${min} ms (all time high ${ts.max} ms)\n${'-'.repeat(80)}\n`;
  // A column per sample, from the oldest: a bar of up to 4 rows, then its age.
  const now = Math.floor(Date.now() / 1000);
  const samples = ts.samples.slice(-80);
  for (let row = 4; row >= 1; row--) {
    let line = '';
    for (const s of samples) line += max === min || ((s.latency - min) / (max - min)) * 4 >= row - 0.5 ? '#' : ' ';
    g += line.replace(/ +$/, '') + '\n';
  }
  g += samples.map((s) => ago(now - s.time).slice(0, 1)).join('') + '\n';
  return g;
}

function ago(sec: number): string {
  if (sec < 60) return `${sec}s`;
  if (sec < 3600) return `${Math.floor(sec / 60)}m`;
  if (sec < 86400) return `${Math.floor(sec / 3600)}h`;
  return `${Math.floor(sec / 86400)}d`;
}

function latencyDoctor(server: MemorykvServer, st: ServerStats): string {
  if (st.latency.size === 0) {
    return 'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sleep tonight.\n';
  }
  let r = "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
  let i = 1;
  for (const [event, ts] of st.latency) {
    let sum = 0;
    for (const s of ts.samples) sum += s.latency;
    const avg = Math.floor(sum / ts.samples.length);
    const first = ts.samples[0]!.time;
    const period = ts.samples.length > 1 ? Math.floor((ts.samples[ts.samples.length - 1]!.time - first) / (ts.samples.length - 1)) : 0;
    r += `${i++}. ${event}: ${ts.samples.length} latency spikes (average ${avg}ms, mean deviation 0ms, period ${period} sec). Worst all time event ${ts.max}ms.\n`;
  }
  r += '\nI have a few advices for you:\n\n';
  const threshold = paramNumber(server, 'latency-monitor-threshold');
  r += `- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n`;
  if (threshold > 0) r += `- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods.\n`;
  return r;
}

// -----------------------------------------------------------------------------------------------
// INFO

function bytesToHuman(n: number): string {
  const units = ['K', 'M', 'G', 'T', 'P'];
  if (n < 1024) return `${n}B`;
  let d = n / 1024;
  for (const u of units) {
    if (d < 1024 || u === 'P') return `${d.toFixed(2)}${u}`;
    d /= 1024;
  }
  return `${n}B`;
}

/** INFO's safe text for names: '#', ':', CR and LF become '_' (getSafeInfoString). */
function safeInfo(s: string): string {
  return s.replace(/[#:\r\n]/g, '_');
}

function usedMemory(server: MemorykvServer): number {
  return server.engine.shard.used + server.engine.shard.overhead;
}

/** Keeps the engine's maxmemory accounting equal to INFO's used_memory (data + server + clients). */
function trackOverhead(server: MemorykvServer): void {
  const update = () => {
    server.engine.shard.overhead = STARTUP_MEMORY + server.clients.size * CLIENT_MEMORY;
    server.sharding?.overheadChanged(server.engine.shard.overhead);
  };
  update();
  server.onAttach.push(update);
  server.onDetach.push(update);
}

function cpuTime(us: number): string {
  return `${Math.floor(us / 1e6)}.${String(Math.floor(us % 1e6)).padStart(6, '0')}`;
}

type Section = (server: MemorykvServer, st: ServerStats) => string;

const SECTIONS: Record<string, Section> = {
  server(server, st) {
    const now = Date.now();
    const uptime = Math.floor((now - server.startedAt) / 1000);
    const hz = paramNumber(server, 'hz');
    const port = server.settings.port || paramNumber(server, 'tls-port');
    const lines = [
      '# Server',
      `redis_version:${REDIS_VERSION}`,
      `memorykv_version:${MEMORYKV_VERSION}`,
      'redis_git_sha1:00000000',
      'redis_git_dirty:0',
      'redis_build_id:0',
      `redis_mode:${param(server, 'cluster-enabled') === 'yes' ? 'cluster' : 'standalone'}`,
      `os:${os.type()} ${os.release()} ${os.machine()}`,
      `arch_bits:${process.arch.endsWith('64') ? 64 : 32}`,
      'monotonic_clock:POSIX clock_gettime',
      `multiplexing_api:${process.platform === 'linux' ? 'epoll' : process.platform === 'win32' ? 'iocp' : 'kqueue'}`,
      'atomicvar_api:c11-builtin',
      'gcc_version:0.0.0',
      `process_id:${process.pid}`,
      'process_supervised:no',
      `run_id:${st.runId}`,
      `tcp_port:${port}`,
      `server_time_usec:${Math.floor((performance.timeOrigin + performance.now()) * 1000)}`,
      `uptime_in_seconds:${uptime}`,
      `uptime_in_days:${Math.floor(uptime / 86400)}`,
      `hz:${hz}`,
      `configured_hz:${hz}`,
      `lru_clock:${Math.floor(now / 1000) & 0xffffff}`,
      `executable:${process.argv[1] ?? process.execPath}`,
      `config_file:${server.settings.configFile ?? ''}`,
      'io_threads_active:0',
    ];
    if (st.shuttingDown) lines.push('shutdown_in_milliseconds:0');
    lines.push(...server.listeners.info());
    return lines.join('\r\n');
  },
  clients(server) {
    let connected = 0;
    let timeouts = 0;
    for (const c of server.clients.values()) {
      if (!c.flags.has('replica') || c.flags.has('monitor')) connected++;
      if (c.blocked !== null && c.blocked.deadline > 0) timeouts++;
    }
    return [
      '# Clients',
      `connected_clients:${connected}`,
      'cluster_connections:0',
      `maxclients:${server.settings.maxclients}`,
      'client_recent_max_input_buffer:0',
      'client_recent_max_output_buffer:0',
      `blocked_clients:${safe(() => blockedClients(server), 0)}`,
      `tracking_clients:${trackingClients(server)}`,
      `clients_in_timeout_table:${timeouts}`,
      `total_blocking_keys:${safe(() => totalBlockingKeys(server), 0)}`,
      `total_blocking_keys_on_nokey:${totalBlockingKeysOnNokey(server)}`,
    ].join('\r\n');
  },
  memory(server, st) {
    const used = usedMemory(server) + (st.sharded?.used ?? 0);
    if (used > st.peakMemory) st.peakMemory = used;
    const rss = process.memoryUsage().rss;
    const total = os.totalmem();
    const maxmemory = Number(param(server, 'maxmemory'));
    const dataset = server.engine.shard.used + (st.sharded?.used ?? 0);
    const overhead = used - dataset;
    const pct = (a: number, b: number) => (b === 0 ? 0 : (a * 100) / b).toFixed(2);
    const frag = used === 0 ? 0 : rss / used;
    return [
      '# Memory',
      `used_memory:${used}`,
      `used_memory_human:${bytesToHuman(used)}`,
      `used_memory_rss:${rss}`,
      `used_memory_rss_human:${bytesToHuman(rss)}`,
      `used_memory_peak:${st.peakMemory}`,
      `used_memory_peak_human:${bytesToHuman(st.peakMemory)}`,
      `used_memory_peak_perc:${pct(used, st.peakMemory)}%`,
      `used_memory_overhead:${overhead}`,
      `used_memory_startup:${STARTUP_MEMORY}`,
      `used_memory_dataset:${dataset}`,
      `used_memory_dataset_perc:${pct(dataset, used - STARTUP_MEMORY)}%`,
      `allocator_allocated:${used}`,
      `allocator_active:${used}`,
      `allocator_resident:${rss}`,
      `total_system_memory:${total}`,
      `total_system_memory_human:${bytesToHuman(total)}`,
      'used_memory_lua:31744',
      'used_memory_vm_eval:31744',
      'used_memory_lua_human:31.00K',
      'used_memory_scripts_eval:0',
      'number_of_cached_scripts:0',
      'number_of_functions:0',
      'number_of_libraries:0',
      'used_memory_vm_functions:32768',
      'used_memory_vm_total:64512',
      'used_memory_vm_total_human:63.00K',
      'used_memory_functions:184',
      'used_memory_scripts:184',
      'used_memory_scripts_human:184B',
      `maxmemory:${maxmemory}`,
      `maxmemory_human:${bytesToHuman(maxmemory)}`,
      `maxmemory_policy:${param(server, 'maxmemory-policy')}`,
      'allocator_frag_ratio:1.00',
      'allocator_frag_bytes:0',
      `allocator_rss_ratio:${frag.toFixed(2)}`,
      `allocator_rss_bytes:${rss - used}`,
      'rss_overhead_ratio:1.00',
      'rss_overhead_bytes:0',
      `mem_fragmentation_ratio:${frag.toFixed(2)}`,
      `mem_fragmentation_bytes:${rss - used}`,
      'mem_not_counted_for_evict:0',
      'mem_replication_backlog:0',
      'mem_total_replication_buffers:0',
      'mem_clients_slaves:0',
      `mem_clients_normal:${server.clients.size * CLIENT_MEMORY}`,
      'mem_cluster_links:0',
      'mem_aof_buffer:0',
      'mem_allocator:libc',
      'active_defrag_running:0',
      'lazyfree_pending_objects:0',
      'lazyfreed_objects:0',
    ].join('\r\n');
  },
  persistence(server, st) {
    return persistenceSection(server, st, { ...NO_PERSISTENCE, aofEnabled: param(server, 'appendonly') === 'yes' });
  },
  stats(server, st) {
    const s = st.sharded?.stats ?? server.engine.shard.stats;
    const ps = safe(() => pubsubOf(server), undefined);
    const acl = aclStats(server) ?? { auth: 0, cmd: 0, key: 0, channel: 0 };
    const netIn = netBytes(server, true) - st.netInBase;
    const netOut = netBytes(server, false) - st.netOutBase;
    return [
      '# Stats',
      `total_connections_received:${st.connections}`,
      `total_commands_processed:${st.numCommands + shardCalls(st)}`,
      `instantaneous_ops_per_sec:${st.instantaneousOps()}`,
      `total_net_input_bytes:${netIn}`,
      `total_net_output_bytes:${netOut}`,
      'total_net_repl_input_bytes:0',
      'total_net_repl_output_bytes:0',
      'instantaneous_input_kbps:0.00',
      'instantaneous_output_kbps:0.00',
      'instantaneous_input_repl_kbps:0.00',
      'instantaneous_output_repl_kbps:0.00',
      'rejected_connections:0',
      'sync_full:0',
      'sync_partial_ok:0',
      'sync_partial_err:0',
      `expired_keys:${s.expiredKeys}`,
      'expired_stale_perc:0.00',
      'expired_time_cap_reached_count:0',
      'expire_cycle_cpu_milliseconds:0',
      `evicted_keys:${s.evictedKeys}`,
      'evicted_clients:0',
      'total_eviction_exceeded_time:0',
      'current_eviction_exceeded_time:0',
      `keyspace_hits:${s.keyspaceHits}`,
      `keyspace_misses:${s.keyspaceMisses}`,
      `pubsub_channels:${ps?.channels.size ?? 0}`,
      `pubsub_patterns:${ps?.patterns.size ?? 0}`,
      `pubsubshard_channels:${ps?.shardChannels.size ?? 0}`,
      'latest_fork_usec:0',
      'total_forks:0',
      `migrate_cached_sockets:${(server.state.get('migrate') as { cache?: Map<string, unknown> } | undefined)?.cache?.size ?? 0}`,
      'slave_expires_tracked_keys:0',
      'active_defrag_hits:0',
      'active_defrag_misses:0',
      'active_defrag_key_hits:0',
      'active_defrag_key_misses:0',
      'total_active_defrag_time:0',
      'current_active_defrag_time:0',
      'tracking_total_keys:0',
      'tracking_total_items:0',
      'tracking_total_prefixes:0',
      'unexpected_error_replies:0',
      `total_error_replies:${st.errorReplies}`,
      'dump_payload_sanitizations:0',
      `total_reads_processed:${st.numCommands}`,
      `total_writes_processed:${st.numCommands}`,
      'io_threaded_reads_processed:0',
      'io_threaded_writes_processed:0',
      'reply_buffer_shrinks:0',
      'reply_buffer_expands:0',
      'eventloop_cycles:0',
      'eventloop_duration_sum:0',
      'eventloop_duration_cmd_sum:0',
      'instantaneous_eventloop_cycles_per_sec:0',
      'instantaneous_eventloop_duration_usec:0',
      `acl_access_denied_auth:${acl.auth}`,
      `acl_access_denied_cmd:${acl.cmd}`,
      `acl_access_denied_key:${acl.key}`,
      `acl_access_denied_channel:${acl.channel}`,
    ].join('\r\n');
  },
  replication(server, st) {
    return [
      '# Replication',
      'role:master',
      'connected_slaves:0',
      'master_failover_state:no-failover',
      `master_replid:${st.replId}`,
      'master_replid2:0000000000000000000000000000000000000000',
      'master_repl_offset:0',
      'second_repl_offset:-1',
      'repl_backlog_active:0',
      `repl_backlog_size:${param(server, 'repl-backlog-size')}`,
      'repl_backlog_first_byte_offset:0',
      'repl_backlog_histlen:0',
    ].join('\r\n');
  },
  cpu() {
    const u = process.cpuUsage();
    return [
      '# CPU',
      `used_cpu_sys:${cpuTime(u.system)}`,
      `used_cpu_user:${cpuTime(u.user)}`,
      'used_cpu_sys_children:0.000000',
      'used_cpu_user_children:0.000000',
      `used_cpu_sys_main_thread:${cpuTime(u.system)}`,
      `used_cpu_user_main_thread:${cpuTime(u.user)}`,
    ].join('\r\n');
  },
  modules() {
    return '# Modules';
  },
  commandstats(_server, st) {
    const lines = ['# Commandstats'];
    let stats: Map<string, { calls: number; usec: number; rejected: number; failed: number }> = st.commands;
    if (st.sharded !== null) {
      stats = new Map([...st.commands].map(([name, c]) => [name, { ...c }]));
      for (const [name, c] of st.sharded.commands) {
        const m = stats.get(name) ?? { calls: 0, usec: 0, rejected: 0, failed: 0 };
        m.calls += c.calls;
        m.usec += c.usec;
        m.failed += c.failed;
        stats.set(name, m);
      }
    }
    for (const [name, c] of stats) {
      if (c.calls === 0 && c.failed === 0 && c.rejected === 0) continue;
      const per = c.calls === 0 ? 0 : c.usec / c.calls;
      lines.push(
        `cmdstat_${safeInfo(name)}:calls=${c.calls},usec=${c.usec},usec_per_call=${per.toFixed(2)},rejected_calls=${c.rejected},failed_calls=${c.failed}`,
      );
    }
    return lines.join('\r\n');
  },
  errorstats(_server, st) {
    const lines = ['# Errorstats'];
    const errors = new Map(st.errors);
    for (const [code, n] of st.sharded?.errors ?? []) errors.set(code, (errors.get(code) ?? 0) + n);
    for (const code of [...errors.keys()].sort()) lines.push(`errorstat_${safeInfo(code)}:count=${errors.get(code)}`);
    return lines.join('\r\n');
  },
  latencystats(server, st) {
    const lines = ['# Latencystats'];
    if (param(server, 'latency-tracking') !== 'yes') return lines.join('\r\n');
    const pcts = param(server, 'latency-tracking-info-percentiles')
      .split(' ')
      .filter((p) => p !== '')
      .map(Number);
    for (const [name, c] of st.commands) {
      if (c.histogram === null) continue;
      const h = c.histogram;
      lines.push(`latency_percentiles_usec_${safeInfo(name)}:${pcts.map((p) => `p${formatPercentile(p)}=${(h.valueAt(p) / 1000).toFixed(3)}`).join(',')}`);
    }
    return lines.join('\r\n');
  },
  cluster(server) {
    return `# Cluster\r\ncluster_enabled:${param(server, 'cluster-enabled') === 'yes' ? 1 : 0}`;
  },
  keyspace(server, st) {
    const lines = ['# Keyspace'];
    if (st.sharded !== null) {
      for (const [id, d] of [...st.sharded.dbs].sort((a, b) => a[0] - b[0])) lines.push(`db${id}:keys=${d.keys},expires=${d.expires},avg_ttl=${d.avgTtl}`);
      return lines.join('\r\n');
    }
    const now = Date.now();
    for (const db of server.engine.shard.dbs) {
      const keys = db.size;
      const expires = db.expires.size;
      if (keys || expires) lines.push(`db${db.id}:keys=${keys},expires=${expires},avg_ttl=${db.avgTtl(now)}`);
    }
    return lines.join('\r\n');
  },
};

/** The sections INFO (no argument, or "default") prints, and their order in "all". */
const DEFAULT_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'module_list', 'errorstats', 'cluster', 'keyspace'];
const ALL_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'commandstats', 'errorstats', 'latencystats', 'cluster', 'keyspace'];

function trackingClients(server: MemorykvServer): number {
  const conn = server.state.get('connection') as { tracking?: Map<unknown, unknown> } | undefined;
  return conn?.tracking?.size ?? 0;
}

function safe<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

function shardCalls(st: ServerStats): number {
  let n = 0;
  for (const c of st.sharded?.commands.values() ?? []) n += c.calls;
  return n;
}

/**
 * INFO: with a sharded keyspace its numbers come from every shard first (the reply a
 * PendingReply), else at once.
 */
function info(server: MemorykvServer, args: readonly string[]): Reply {
  const sharding = server.sharding;
  if (sharding === null) return new Verbatim('txt', infoString(server, args));
  const p = new PendingReply();
  sharding.facts().then(
    (facts) => {
      const st = serverStats(server);
      st.sharded = facts;
      try {
        p.reply(new Verbatim('txt', infoString(server, args)));
      } finally {
        st.sharded = null;
      }
    },
    (e: Error) => p.error(e),
  );
  return p as unknown as Reply;
}

/** LASTSAVE: with a sharded keyspace, when every shard had last saved (their oldest). */
function lastSave(server: MemorykvServer): Reply {
  const sharding = server.sharding;
  const own = serverStats(server).lastSave;
  if (sharding === null) return own;
  const p = new PendingReply();
  sharding.facts().then(
    (facts) => p.reply(facts.persistence?.lastSave ?? own),
    (e: Error) => p.error(e),
  );
  return p as unknown as Reply;
}

/** genRedisInfoString: the sections asked for ("default", "all", "everything", names). */
export function infoString(server: MemorykvServer, args: readonly string[]): string {
  const st = serverStats(server);
  let all = false;
  const asked = new Set<string>();
  if (args.length === 0) for (const s of DEFAULT_SECTIONS) asked.add(s);
  for (const a of args) {
    const s = a.toLowerCase();
    if (s === 'default') for (const d of DEFAULT_SECTIONS) asked.add(d);
    else if (s === 'all' || s === 'everything') all = true;
    else asked.add(s);
  }
  const out: string[] = [];
  for (const name of ALL_SECTIONS) {
    const wanted = all || asked.has(name) || (name === 'modules' && asked.has('module_list'));
    if (!wanted) continue;
    const custom = st.infoSections.get(name);
    out.push(custom ? custom() : SECTIONS[name]!(server, st));
  }
  // Sections of other modules that are not Redis's own.
  for (const [name, fn] of st.infoSections) {
    if (ALL_SECTIONS.includes(name)) continue;
    if (all || asked.has(name)) out.push(fn());
  }
  // Only when asked by name, never in "all".
  if (asked.has('debug')) {
    out.push(
      '# Debug\r\neventloop_duration_aof_sum:0\r\neventloop_duration_cron_sum:0\r\neventloop_duration_max:0\r\neventloop_cmd_per_cycle_max:0',
    );
  }
  return out.length === 0 ? '' : out.join('\r\n\r\n') + '\r\n';
}

// -----------------------------------------------------------------------------------------------
// COMMAND

/** Flags as COMMAND INFO lists them, in Redis's order (hidden: may_replicate, sentinel, protected). */
const FLAG_ORDER = [
  'write',
  'readonly',
  'denyoom',
  'module',
  'admin',
  'pubsub',
  'noscript',
  'blocking',
  'loading',
  'stale',
  'skip_monitor',
  'skip_slowlog',
  'asking',
  'fast',
  'no_auth',
  'no_mandatory_keys',
  'no_async_loading',
  'no_multi',
  'movablekeys',
  'allow_busy',
];
const ACL_ORDER = [
  'keyspace',
  'read',
  'write',
  'set',
  'sortedset',
  'list',
  'hash',
  'string',
  'bitmap',
  'hyperloglog',
  'geo',
  'stream',
  'pubsub',
  'admin',
  'fast',
  'slow',
  'blocking',
  'dangerous',
  'connection',
  'transaction',
  'scripting',
];

function commandFlags(cmd: Command): Reply {
  const flags = new Set<string>(cmd.flags);
  if (legacyRange(cmd)?.movablekeys ?? cmd.keys !== undefined) flags.add('movablekeys');
  return new SetReply(FLAG_ORDER.filter((f) => flags.has(f)).map((f) => new Status(f)));
}

function commandCategories(cmd: Command): Reply {
  const cats = new Set(cmd.acl.map((c) => c.replace(/^@/, '').toLowerCase()));
  return new SetReply(ACL_ORDER.filter((c) => cats.has(c)).map((c) => new Status('@' + c)));
}

/**
 * COMMAND INFO's key specs: the declared ones, or for a command declared without specs one
 * derived from its legacy positions (flags from its write/readonly flag).
 */
function keySpecs(cmd: Command): Reply[] {
  const own = keySpecsReply(cmd);
  if (own !== undefined) return own;
  const specs: Reply[] = [];
  const flags = cmd.write ? ['RW', 'access', 'update'] : ['RO', 'access'];
  if (cmd.firstKey > 0) {
    const last = cmd.lastKey < 0 ? cmd.lastKey : cmd.lastKey - cmd.firstKey;
    specs.push(
      new MapReply([
        'flags',
        new SetReply(flags.map((f) => new Status(f))),
        'begin_search',
        new MapReply(['type', 'index', 'spec', new MapReply(['index', cmd.firstKey])]),
        'find_keys',
        new MapReply(['type', 'range', 'spec', new MapReply(['lastkey', last, 'keystep', cmd.step || 1, 'limit', 0])]),
      ]),
    );
  }
  if (cmd.keys !== undefined) {
    // Keys the legacy range does not cover are found by the command's own key finder.
    specs.push(
      new MapReply([
        'flags',
        new SetReply([...flags, 'incomplete'].map((f) => new Status(f))),
        'begin_search',
        new MapReply(['type', 'unknown', 'spec', new MapReply([])]),
        'find_keys',
        new MapReply(['type', 'unknown', 'spec', new MapReply([])]),
      ]),
    );
  }
  return specs;
}

/** COMMAND INFO's first key, last key and step: derived from the specs as Redis does. */
function legacyPositions(cmd: Command): [number, number, number] {
  const r = legacyRange(cmd) ?? cmd;
  return [r.firstKey, r.lastKey, r.step];
}

function commandInfo(cmd: Command | undefined): Reply {
  if (cmd === undefined) return NULL_ARRAY;
  const subs: Reply[] = [];
  if (cmd.sub) for (const s of cmd.sub.values()) subs.push(commandInfo(s));
  return [
    cmd.fullName,
    cmd.arity,
    commandFlags(cmd),
    ...legacyPositions(cmd),
    commandCategories(cmd),
    new SetReply([...(cmd.tips ?? [])]),
    new SetReply(keySpecs(cmd)),
    cmd.sub ? subs : new SetReply([]),
  ];
}

function commandDocs(cmd: Command): Reply {
  const m: Reply[] = [];
  if (cmd.summary) m.push('summary', cmd.summary);
  if (cmd.since) m.push('since', cmd.since);
  m.push('group', cmd.group);
  if (cmd.complexity) m.push('complexity', cmd.complexity);
  if (cmd.docFlags?.length) m.push('doc_flags', new SetReply(cmd.docFlags.map((f) => new Status(f))));
  if (cmd.deprecatedSince) m.push('deprecated_since', cmd.deprecatedSince);
  if (cmd.replacedBy) m.push('replaced_by', cmd.replacedBy);
  if (cmd.history) m.push('history', new SetReply(cmd.history.map(([v, t]) => [v, t])));
  if (cmd.arguments) m.push('arguments', [...cmd.arguments]);
  if (cmd.sub) {
    const subs: Reply[] = [];
    for (const s of cmd.sub.values()) subs.push(s.fullName, commandDocs(s));
    m.push('subcommands', new MapReply(subs));
  }
  return new MapReply(m);
}

/** COMMAND GETKEYS / GETKEYSANDFLAGS (getKeysFromCommandWithSpecs). */
function getKeys(ctx: Ctx, withFlags: boolean): Reply {
  const argv = ctx.argv.slice(2);
  const cmd = resolveCommand(argv);
  if (cmd === undefined || (cmd.sub && argv.length < 2)) return err('ERR Invalid command specified');
  if (!commandHasKeys(cmd)) return err('ERR The command has no key arguments');
  if (cmd.arity > 0 ? cmd.arity !== argv.length : argv.length < -cmd.arity) {
    return err('ERR Invalid number of arguments specified for command');
  }
  let keys: { pos: number; flags: number }[];
  try {
    keys = getKeysWithFlags(cmd, argv);
  } catch {
    keys = [];
  }
  if (keys.length === 0 && !cmd.flags.includes('no_mandatory_keys')) return err('ERR Invalid arguments specified for command');
  return keys.map((k) => (withFlags ? [argv[k.pos]!, keyFlagsReply(k.flags)] : argv[k.pos]!));
}

function commandList(ctx: Ctx): Reply {
  const argv = ctx.argv;
  let filter: ((cmd: Command) => boolean) | null = null;
  for (let i = 2; i < argv.length; i++) {
    if (argv[i]!.toLowerCase() === 'filterby' && argv.length - 1 - i === 2) {
      const type = argv[i + 1]!.toLowerCase();
      const arg = argv[i + 2]!;
      if (type === 'module') filter = () => false;
      else if (type === 'aclcat') {
        const cat = arg.toLowerCase();
        filter = (cmd) => cmd.acl.some((c) => c.toLowerCase() === cat);
      } else if (type === 'pattern') filter = (cmd) => globMatch(arg, cmd.fullName, true);
      else return SYNTAX;
      i += 2;
    } else {
      return SYNTAX;
    }
  }
  const out: Reply[] = [];
  const visit = (cmd: Command) => {
    if (filter === null || filter(cmd)) out.push(cmd.fullName);
    if (cmd.sub) for (const s of cmd.sub.values()) visit(s);
  };
  for (const cmd of commands.values()) visit(cmd);
  return out;
}

// -----------------------------------------------------------------------------------------------
// MEMORY

/** MEMORY USAGE: the key, its dict entry and its value, as this engine accounts them. */
/** MEMORY USAGE's options (SAMPLES count): the error to answer, or null. */
export function memoryUsageRejection(argv: readonly string[]): ErrorReply | null {
  for (let j = 3; j < argv.length; j++) {
    if (argv[j]!.toLowerCase() === 'samples' && j + 1 < argv.length) {
      const n = parseInt64(argv[j + 1]!);
      if (n !== n) return NOT_INTEGER;
      if (n < 0) return SYNTAX;
      j++;
    } else {
      return SYNTAX;
    }
  }
  return null;
}

function memoryUsage(ctx: Ctx): Reply {
  const rejected = memoryUsageRejection(ctx.argv);
  if (rejected !== null) return rejected;
  const v = ctx.db.peek(ctx.argv[2]!);
  return v === undefined ? null : keyUsage(ctx.argv[2]!, v);
}

function memoryStats(server: MemorykvServer, st: ServerStats): Reply {
  const used = usedMemory(server);
  if (used > st.peakMemory) st.peakMemory = used;
  const rss = process.memoryUsage().rss;
  const shard = server.engine.shard;
  const keys = shard.keyCount;
  const clients = server.clients.size * CLIENT_MEMORY;
  const dbs: Reply[] = [];
  let htOverhead = 0;
  for (const db of shard.dbs) {
    if (db.size === 0 && db.expires.size === 0) continue;
    const main = db.main.bucketCount * 4 + db.size * 20;
    const expires = db.expires.bucketCount * 4 + db.expires.size * 20;
    htOverhead += main + expires;
    dbs.push(`db.${db.id}`, new MapReply(['overhead.hashtable.main', main, 'overhead.hashtable.expires', expires, 'overhead.hashtable.slot-to-keys', 0]));
  }
  const overhead = STARTUP_MEMORY + clients + htOverhead;
  const dataset = Math.max(0, used - overhead);
  const net = used - STARTUP_MEMORY;
  return new MapReply([
    'peak.allocated',
    st.peakMemory,
    'total.allocated',
    used,
    'startup.allocated',
    STARTUP_MEMORY,
    'replication.backlog',
    0,
    'clients.slaves',
    0,
    'clients.normal',
    clients,
    'cluster.links',
    0,
    'aof.buffer',
    0,
    'lua.caches',
    0,
    'functions.caches',
    184,
    ...dbs,
    'overhead.total',
    overhead,
    'keys.count',
    keys,
    'keys.bytes-per-key',
    keys === 0 ? 0 : Math.floor(net / keys),
    'dataset.bytes',
    dataset,
    'dataset.percentage',
    new Double(net <= 0 ? 0 : (dataset * 100) / net),
    'peak.percentage',
    new Double(st.peakMemory === 0 ? 0 : (used * 100) / st.peakMemory),
    'allocator.allocated',
    used,
    'allocator.active',
    used,
    'allocator.resident',
    rss,
    'allocator-fragmentation.ratio',
    new Double(1),
    'allocator-fragmentation.bytes',
    0,
    'allocator-rss.ratio',
    new Double(rss / used),
    'allocator-rss.bytes',
    rss - used,
    'rss-overhead.ratio',
    new Double(1),
    'rss-overhead.bytes',
    0,
    'fragmentation',
    new Double(rss / used),
    'fragmentation.bytes',
    rss - used,
  ]);
}

function memoryDoctor(server: MemorykvServer): string {
  if (usedMemory(server) < 1024 * 1024 * 5) {
    return "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.";
  }
  return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.";
}

// -----------------------------------------------------------------------------------------------
// SHUTDOWN

function shutdown(ctx: Ctx): Reply {
  const client = ctx.session as Client;
  const server = client.server;
  const st = serverStats(server);
  const flags: ShutdownFlags = { save: false, nosave: false, now: false, force: false };
  let abort = false;
  for (let i = 1; i < ctx.argv.length; i++) {
    const a = ctx.argv[i]!.toLowerCase();
    if (a === 'nosave') flags.nosave = true;
    else if (a === 'save') flags.save = true;
    else if (a === 'now') flags.now = true;
    else if (a === 'force') flags.force = true;
    else if (a === 'abort') abort = true;
    else return SYNTAX;
  }
  if ((abort && (flags.save || flags.nosave || flags.now || flags.force)) || (flags.save && flags.nosave)) return SYNTAX;
  if (abort) return err('ERR No shutdown in progress.');
  void shutdownServer(server, st, flags);
  // The connection closes without a reply, as when redis-server exits.
  return NO_REPLY;
}

/** prepareForShutdown: logs as Redis, closes the server, runs the shutdown handlers. */
export async function shutdownServer(server: MemorykvServer, st: ServerStats, flags: ShutdownFlags): Promise<void> {
  if (st.shuttingDown) return;
  st.shuttingDown = true;
  server.log('warning', 'User requested shutdown...');
  // Let the replies already written (other clients') leave before the sockets close.
  await new Promise((r) => setImmediate(r));
  for (const fn of st.beforeShutdown) await fn(flags);
  await server.close();
  for (const fn of st.shutdownHandlers) await fn(flags);
  server.log('warning', 'memorykv is now ready to exit, bye bye...');
}

// -----------------------------------------------------------------------------------------------
// DEBUG

function debugObject(ctx: Ctx, key: string): Reply {
  const db = ctx.db;
  const i = db.main.find(key);
  if (i < 0 || db.isExpired(key)) return err('ERR no such key');
  const v = db.main.valAt(i);
  const encoding = typeof v === 'string' ? stringEncoding(v) : v.encoding();
  const meta = db.main.metaAt(i);
  const idle = ctx.shard.lfu ? 0 : Math.floor(idleTime(meta, ctx.now) / 1000);
  let extra = '';
  if (encoding === 'quicklist') {
    const n = (v as { size: number }).size;
    extra = ` ql_nodes:${Math.max(1, Math.ceil(n / 128))} ql_avg_node:${(n / Math.max(1, Math.ceil(n / 128))).toFixed(2)} ql_listpack_max:${ctx.shard.config['list-max-listpack-size']} ql_compressed:${ctx.shard.config['list-compress-depth'] !== 0 ? 1 : 0} ql_uncompressed_size:${valueMemory(v)}`;
  }
  const addr = '0x' + (0x7f0000000000 + (hashKey(key) & 0xffffffff)).toString(16);
  return new Status(
    `Value at:${addr} refcount:1 encoding:${encoding} serializedlength:${serializedLength(v)} lru:${meta & 0xffffff} lru_seconds_idle:${idle}${extra}`,
  );
}

function hashKey(s: string): number {
  let h = 5381;
  for (let i = 0; i < s.length; i++) h = ((h << 5) + h + s.charCodeAt(i)) | 0;
  return h >>> 0;
}

/** Roughly rdbSavedObjectLen: the bytes the value's elements take when serialized. */
function serializedLength(v: Value): number {
  if (typeof v === 'string') return v.length + 1;
  let n = 1;
  for (const s of elementsOf(v)) n += s.length + 1;
  return n;
}

/** The strings making a value (for DIGEST and serialized lengths). */
function elementsOf(v: Value): string[] {
  if (typeof v === 'string') return [v];
  const o = v as unknown as Record<string, (...a: unknown[]) => unknown> & { type: string; size: number };
  switch (o.type) {
    case 'string':
      return [(o.slice as (a: number, b: number) => string)(0, o.size)];
    case 'list':
      return o.toArray() as string[];
    case 'set':
      return o.members() as string[];
    case 'zset':
      return (o.toArray() as [string, number][]).flatMap(([m, s]) => [m, formatDouble(s)]);
    case 'hash':
      return [...(o.entries() as Iterable<[string, string]>)].flat();
  }
  return [];
}

const TYPE_CODE: Record<string, number> = { string: 0, list: 1, set: 2, zset: 3, hash: 4 };

function sha1(data: Buffer): Buffer {
  return createHash('sha1').update(data).digest();
}

function xorDigest(digest: Buffer, data: Buffer): void {
  const h = sha1(data);
  for (let j = 0; j < 20; j++) digest[j]! ^= h[j]!;
}

function mixDigest(digest: Buffer, data: Buffer): void {
  xorDigest(digest, data);
  sha1(digest).copy(digest);
}

const bin = (s: string) => Buffer.from(s, 'latin1');

/** debug.c xorObjectDigest: order-preserving for lists, order-free for sets, hashes, zsets. */
function xorObjectDigest(db: Keyspace, key: string, digest: Buffer, v: Value): void {
  const type = typeof v === 'string' ? 'string' : v.type;
  const aux = Buffer.alloc(4);
  aux.writeUInt32BE(TYPE_CODE[type] ?? 0);
  mixDigest(digest, aux);
  switch (type) {
    case 'string':
    case 'list':
      for (const e of elementsOf(v)) mixDigest(digest, bin(e));
      break;
    case 'set':
      for (const e of elementsOf(v)) xorDigest(digest, bin(e));
      break;
    case 'zset':
    case 'hash': {
      const e = elementsOf(v);
      for (let i = 0; i < e.length; i += 2) {
        const ele = Buffer.alloc(20);
        mixDigest(ele, bin(e[i]!));
        mixDigest(ele, bin(e[i + 1]!));
        xorDigest(digest, ele);
      }
      break;
    }
  }
  if (db.getExpire(key) >= 0) xorDigest(digest, bin('!!expire!!'));
}

function datasetDigest(server: MemorykvServer): string {
  const final = Buffer.alloc(20);
  for (const db of server.engine.shard.dbs) {
    if (db.size === 0) continue;
    const aux = Buffer.alloc(4);
    aux.writeUInt32BE(db.id);
    mixDigest(final, aux);
    db.main.forEach((key, v) => {
      const digest = Buffer.alloc(20);
      mixDigest(digest, bin(key));
      xorObjectDigest(db, key, digest, v);
      for (let j = 0; j < 20; j++) final[j]! ^= digest[j]!;
    });
  }
  return final.toString('hex');
}

const DEBUG_HELP = [
  'AOF-FLUSH-SLEEP <microsec>',
  '    Server will sleep before flushing the AOF, this is used for testing.',
  'CHANGE-REPL-ID',
  '    Change the replication IDs of the instance.',
  '    Dangerous: should be used only for testing the replication subsystem.',
  'DIGEST',
  '    Output a hex signature representing the current DB content.',
  'DIGEST-VALUE <key> [<key> ...]',
  '    Output a hex signature of the values of all the specified keys.',
  'ERROR <string>',
  '    Return a Redis protocol error with <string> as message. Useful for clients',
  '    unit tests to simulate Redis errors.',
  'LOG <message>',
  '    Write <message> to the server log.',
  'OBJECT <key>',
  '    Show low level info about `key` and associated value.',
  'POPULATE <count> [<prefix>] [<size>]',
  '    Create <count> string keys named key:<num>. If <prefix> is specified then',
  '    it is used instead of the \'key\' prefix. These are not propagated to',
  '    replicas. Cluster slots are not respected so keys not belonging to the',
  '    current node can be created in cluster mode.',
  'PROTOCOL <type>',
  '    Reply with a test value of the specified type. <type> can be: string,',
  '    integer, double, bignum, null, array, set, map, attrib, push, verbatim,',
  '    true, false.',
  'RELOAD [option ...]',
  '    Save the RDB on disk and reload it back to memory. Valid <option> values:',
  '    * MERGE: conflicting keys will be loaded from RDB.',
  '    * NOFLUSH: the existing database will not be removed before load, but',
  '      conflicting keys will generate an exception and kill the server.',
  '    * NOSAVE: the database will be loaded from an existing RDB file.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Setting it to 0 disables expiring keys in background when they are not',
  '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
  '    default.',
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
  'QUICKLIST-PACKED-THRESHOLD <size>',
  '    Sets the threshold for elements to be inserted as plain vs packed nodes',
  '    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.',
  'SET-SKIP-CHECKSUM-VALIDATION <0|1>',
  '    Enables or disables checksum checks for RDB files and RESTORE\'s payload.',
  'PAUSE-CRON <0|1>',
  '    Stop periodic cron job processing.',
];

/** Commands ("sleep", ...) that only answer OK here, with their argument count. */
const DEBUG_NOOPS: Record<string, number> = {
  'aof-flush-sleep': 3,
  'set-skip-checksum-validation': 3,
  'set-disable-deny-scripts': 3,
  'pause-cron': 3,
  'dict-resizing': 3,
  'drop-cluster-packet-filter': 3,
  leak: 3,
};

function debug(ctx: Ctx): Reply {
  const argv = ctx.argv;
  const client = ctx.session as Client;
  const server = client.server;
  const sub = argv[1]!.toLowerCase();
  const argc = argv.length;
  switch (sub) {
    case 'help':
      if (argc === 2) return help('DEBUG', DEBUG_HELP);
      break;
    case 'log':
      if (argc !== 3) break;
      server.log('warning', `DEBUG LOG: ${argv[2]}`);
      return OK;
    case 'sleep': {
      if (argc !== 3) break;
      const secs = parseFloat(argv[2]!) || 0;
      // Like nanosleep in Redis's only thread: nothing else is served meanwhile.
      if (secs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, secs * 1000);
      return OK;
    }
    case 'set-active-expire':
      if (argc !== 3) break;
      setActiveExpire(server, parseInt(argv[2]!, 10) !== 0);
      return OK;
    case 'object':
      if (argc !== 3) break;
      return debugObject(ctx, argv[2]!);
    case 'sdslen': {
      if (argc !== 3) break;
      const v = ctx.db.peek(argv[2]!);
      if (v === undefined) return err('ERR no such key');
      if (typeof v !== 'string' || stringEncoding(v) === 'int') return err('ERR Not an sds encoded string.');
      const k = argv[2]!.length;
      return new Status(
        `key_sds_len:${k}, key_sds_avail:0, key_zmalloc: ${stringMemory(argv[2]!)}, val_sds_len:${v.length}, val_sds_avail:0, val_zmalloc: ${stringMemory(v)}`,
      );
    }
    case 'reload': {
      for (let j = 2; j < argc; j++) {
        const o = argv[j]!.toLowerCase();
        if (o !== 'merge' && o !== 'noflush' && o !== 'nosave') {
          return err('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
        }
      }
      // Nothing is lost nor changed by a save and reload of an in-memory dataset.
      recordSave(server);
      server.log('notice', 'DB reloaded by DEBUG RELOAD');
      return OK;
    }
    case 'loadaof':
      if (argc !== 2) break;
      return OK;
    case 'change-repl-id':
      if (argc !== 2) break;
      server.log('notice', 'Changing replication IDs after receiving DEBUG change-repl-id');
      return OK;
    case 'error': {
      if (argc !== 3) break;
      return new ErrorReply(argv[2]!.replace(/[\r\n]/g, ' '));
    }
    case 'digest':
      if (argc !== 2) break;
      return datasetDigest(server);
    case 'digest-value': {
      const out: Reply[] = [];
      for (let j = 2; j < argc; j++) {
        const digest = Buffer.alloc(20);
        const v = ctx.db.peek(argv[j]!);
        if (v !== undefined) xorObjectDigest(ctx.db, argv[j]!, digest, v);
        out.push(digest.toString('hex'));
      }
      return out;
    }
    case 'protocol':
      if (argc !== 3) break;
      return debugProtocol(client, argv[2]!);
    case 'populate': {
      if (argc < 3 || argc > 5) break;
      const count = parseInt64(argv[2]!);
      if (count !== count) return NOT_INTEGER;
      if (count < 0) return err('ERR value is out of range, must be positive');
      const prefix = argc >= 4 ? argv[3]! : 'key';
      let size = 0;
      if (argc === 5) {
        size = parseInt64(argv[4]!);
        if (size !== size) return NOT_INTEGER;
        if (size < 0) return err('ERR value is out of range, must be positive');
      }
      for (let j = 0; j < count; j++) {
        const key = `${prefix}:${j}`;
        if (ctx.db.lookupWrite(key) !== undefined) continue;
        let val = `value:${j}`;
        if (size > 0) val = val.length >= size ? val.slice(0, size) : val + '\0'.repeat(size - val.length);
        ctx.db.add(key, val);
      }
      return OK;
    }
    case 'quicklist-packed-threshold':
      if (argc !== 3) break;
      return OK;
    case 'replybuffer':
      if (argc !== 4) break;
      return OK;
    case 'stringmatch-len':
    case 'stringmatch-test':
      return new Status('Apparently Redis did not crash: test passed');
    case 'jmap':
    case 'structsize':
      if (argc !== 2) break;
      return sub === 'jmap' ? OK : 'bits:64 robj:16 dictentry:24 sdshdr5:1 sdshdr8:3 sdshdr16:5 sdshdr32:9 sdshdr64:17 ';
    case 'listpack':
    case 'quicklist': {
      if (argc < 3) break;
      const v = ctx.db.peek(argv[2]!);
      if (v === undefined) return err('ERR no such key');
      const enc = typeof v === 'string' ? stringEncoding(v) : v.encoding();
      if (sub === 'listpack') return enc === 'listpack' ? new Status('Listpack structure printed on stdout') : err('ERR Not a listpack encoded object.');
      return enc === 'quicklist' ? new Status('Quicklist structure printed on stdout') : err('ERR Not a quicklist encoded object.');
    }
    default:
      if (DEBUG_NOOPS[sub] === argc) return OK;
  }
  return err(`ERR unknown subcommand or wrong number of arguments for '${argv[1]!.slice(0, 128)}'. Try DEBUG HELP.`);
}

function debugProtocol(client: Client, name: string): Reply {
  switch (name.toLowerCase()) {
    case 'string':
      return 'Hello World';
    case 'integer':
      return 12345;
    case 'double':
      return new Double(3.141);
    case 'bignum':
      return new BigNumber('1234567999999999999999999999999999999') as unknown as Reply;
    case 'null':
      return null;
    case 'array':
      return [0, 1, 2];
    case 'set':
      return new SetReply([0, 1, 2]);
    case 'map':
      return new MapReply([0, new BoolReply(false), 1, new BoolReply(true), 2, new BoolReply(false)]);
    case 'attrib':
      // The attribute itself (RESP3 '|') has no Reply form: only the reply that follows it.
      return 'Some real reply following the attribute';
    case 'push':
      if (client.resp === 2) return err('ERR RESP2 is not supported by this command');
      client.push(['server-cpu-usage', 42]);
      return 'Some real reply following the push reply';
    case 'true':
      return new BoolReply(true);
    case 'false':
      return new BoolReply(false);
    case 'verbatim':
      return new Verbatim('txt', 'This is a verbatim\nstring');
  }
  return err('ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false');
}

/** DEBUG SET-ACTIVE-EXPIRE: stops or restarts the engine's background expiry cycle. */
function setActiveExpire(server: MemorykvServer, on: boolean): void {
  server.engine.activeExpire(on);
}

// -----------------------------------------------------------------------------------------------
// Helpers

function serverOf(ctx: Ctx): MemorykvServer {
  return (ctx.session as Client).server;
}

/** addReplyHelp: a header, the lines, and HELP's own line, as status replies. */
function help(cmd: string, lines: string[]): Reply {
  return [`${cmd} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`, ...lines, 'HELP', '    Print this help.'].map(
    (s) => new Status(s),
  );
}

const ADMIN = { flags: ['admin', 'noscript', 'loading', 'stale'], acl: ['admin', 'slow', 'dangerous'] } as const;
const HELP_FLAGS = { flags: ['loading', 'stale'], acl: ['slow'] } as const;
const COMMAND_FLAGS = { flags: ['loading', 'stale'], acl: ['slow', 'connection'] } as const;

defineCommands(
  {
    name: 'info',
    arity: -1,
    flags: ['loading', 'stale'],
    acl: ['slow', 'dangerous'],
    group: 'server',
    summary: 'Returns information and statistics about the server.',
    complexity: 'O(1)',
    since: '1.0.0',
    tips: ['nondeterministic_output', 'request_policy:all_shards', 'response_policy:special'],
    history: [['7.0.0', 'Added support for taking multiple section arguments.']],
    handler: (ctx) => info(serverOf(ctx), ctx.argv.slice(1)),
  },
  {
    name: 'command',
    arity: -1,
    ...COMMAND_FLAGS,
    group: 'server',
    summary: 'Returns detailed information about all commands.',
    complexity: 'O(N) where N is the total number of Redis commands',
    since: '2.8.13',
    tips: ['nondeterministic_output_order'],
    subcommands: [
      {
        name: 'count',
        arity: 2,
        ...COMMAND_FLAGS,
        group: 'server',
        summary: 'Returns a count of commands.',
        complexity: 'O(1)',
        since: '2.8.13',
        handler: () => commands.size,
      },
      {
        name: 'docs',
        arity: -2,
        ...COMMAND_FLAGS,
        group: 'server',
        summary: 'Returns documentary information about one, multiple or all commands.',
        complexity: 'O(N) where N is the number of commands to look up',
        since: '7.0.0',
        tips: ['nondeterministic_output_order'],
        handler(ctx) {
          const out: Reply[] = [];
          if (ctx.argv.length === 2) {
            for (const cmd of commands.values()) out.push(cmd.fullName, commandDocs(cmd));
          } else {
            for (let i = 2; i < ctx.argv.length; i++) {
              const cmd = commandByName(ctx.argv[i]!);
              if (cmd !== undefined) out.push(cmd.fullName, commandDocs(cmd));
            }
          }
          return new MapReply(out);
        },
      },
      {
        name: 'getkeys',
        arity: -3,
        ...COMMAND_FLAGS,
        group: 'server',
        summary: 'Extracts the key names from an arbitrary command.',
        complexity: 'O(N) where N is the number of arguments to the command',
        since: '2.8.13',
        handler: (ctx) => getKeys(ctx, false),
      },
      {
        name: 'getkeysandflags',
        arity: -3,
        ...COMMAND_FLAGS,
        group: 'server',
        summary: 'Extracts the key names and access flags for an arbitrary command.',
        complexity: 'O(N) where N is the number of arguments to the command',
        since: '7.0.0',
        handler: (ctx) => getKeys(ctx, true),
      },
      {
        name: 'help',
        arity: 2,
        ...COMMAND_FLAGS,
        group: 'server',
        summary: 'Returns helpful text about the different subcommands.',
        complexity: 'O(1)',
        since: '5.0.0',
        handler: () =>
          help('COMMAND', [
            '(no subcommand)',
            '    Return details about all Redis commands.',
            'COUNT',
            '    Return the total number of commands in this Redis server.',
            'LIST',
            '    Return a list of all commands in this Redis server.',
            'INFO [<command-name> ...]',
            '    Return details about multiple Redis commands.',
            '    If no command names are given, documentation details for all',
            '    commands are returned.',
            'DOCS [<command-name> ...]',
            '    Return documentation details about multiple Redis commands.',
            '    If no command names are given, documentation details for all',
            '    commands are returned.',
            'GETKEYS <full-command>',
            '    Return the keys from a full Redis command.',
            'GETKEYSANDFLAGS <full-command>',
            '    Return the keys and the access flags from a full Redis command.',
          ]),
      },
      {
        name: 'info',
        arity: -2,
        ...COMMAND_FLAGS,
        group: 'server',
        summary: 'Returns information about one, multiple or all commands.',
        complexity: 'O(N) where N is the number of commands to look up',
        since: '2.8.13',
        tips: ['nondeterministic_output_order'],
        history: [['7.0.0', 'Allowed to be called with no argument to get info on all commands.']],
        handler(ctx) {
          if (ctx.argv.length === 2) return [...commands.values()].map((c) => commandInfo(c));
          return ctx.argv.slice(2).map((n) => commandInfo(commandByName(n)));
        },
      },
      {
        name: 'list',
        arity: -2,
        ...COMMAND_FLAGS,
        group: 'server',
        summary: 'Returns a list of command names.',
        complexity: 'O(N) where N is the total number of Redis commands',
        since: '7.0.0',
        tips: ['nondeterministic_output_order'],
        handler: commandList,
      },
    ],
  },
  {
    name: 'slowlog',
    arity: -2,
    flags: [],
    acl: ['slow'],
    group: 'server',
    summary: 'A container for slow log commands.',
    complexity: 'Depends on subcommand.',
    since: '2.2.12',
    subcommands: [
      {
        name: 'get',
        arity: -2,
        flags: ['admin', 'loading', 'stale'],
        acl: ['admin', 'slow', 'dangerous'],
        group: 'server',
        summary: "Returns the slow log's entries.",
        complexity: 'O(N) where N is the number of entries returned',
        since: '2.2.12',
        tips: ['request_policy:all_nodes', 'nondeterministic_output'],
        history: [['4.0.0', 'Added client IP address, port and name to the reply.']],
        handler: slowlogCommand,
      },
      {
        name: 'len',
        arity: 2,
        flags: ['admin', 'loading', 'stale'],
        acl: ['admin', 'slow', 'dangerous'],
        group: 'server',
        summary: 'Returns the number of entries in the slow log.',
        complexity: 'O(1)',
        since: '2.2.12',
        tips: ['request_policy:all_nodes', 'response_policy:agg_sum', 'nondeterministic_output'],
        handler: slowlogCommand,
      },
      {
        name: 'reset',
        arity: 2,
        flags: ['admin', 'loading', 'stale'],
        acl: ['admin', 'slow', 'dangerous'],
        group: 'server',
        summary: 'Clears all entries from the slow log.',
        complexity: 'O(N) where N is the number of entries in the slowlog',
        since: '2.2.12',
        tips: ['request_policy:all_nodes', 'response_policy:all_succeeded'],
        handler: slowlogCommand,
      },
      {
        name: 'help',
        arity: 2,
        ...HELP_FLAGS,
        group: 'server',
        summary: 'Show helpful text about the different subcommands',
        complexity: 'O(1)',
        since: '6.2.0',
        handler: slowlogCommand,
      },
    ],
  },
  {
    name: 'latency',
    arity: -2,
    flags: [],
    acl: ['slow'],
    group: 'server',
    summary: 'A container for latency diagnostics commands.',
    complexity: 'Depends on subcommand.',
    since: '2.8.13',
    subcommands: [
      ...(
        [
          ['doctor', 2, 'Returns a human-readable latency analysis report.', '2.8.13', 'special'],
          ['graph', 3, 'Returns a latency graph for an event.', '2.8.13', 'special'],
          ['histogram', -2, 'Returns the cumulative distribution of latencies of a subset or all commands.', '7.0.0', 'special'],
          ['history', 3, 'Returns timestamp-latency samples for an event.', '2.8.13', 'special'],
          ['latest', 2, 'Returns the latest latency samples for all events.', '2.8.13', 'special'],
          ['reset', -2, 'Resets the latency data for one or more events.', '2.8.13', 'agg_sum'],
        ] as const
      ).map(([name, arity, summary, since, policy]): CommandSpec => ({
          name,
          arity,
          ...ADMIN,
          group: 'server',
          summary,
          complexity:
            name === 'histogram' ? 'O(N) where N is the number of commands with latency information being retrieved.' : 'O(1)',
          since,
          tips:
            name === 'reset'
              ? ['request_policy:all_nodes', 'response_policy:agg_sum']
              : ['nondeterministic_output', 'request_policy:all_nodes', `response_policy:${policy}`],
          handler: latencyCommand,
        }),
      ),
      {
        name: 'help',
        arity: 2,
        ...HELP_FLAGS,
        group: 'server',
        summary: 'Returns helpful text about the different subcommands.',
        complexity: 'O(1)',
        since: '2.8.13',
        handler: latencyCommand,
      },
    ],
  },
  {
    name: 'monitor',
    arity: 1,
    ...ADMIN,
    group: 'server',
    summary: 'Listens for all requests received by the server in real-time.',
    since: '1.0.0',
    handler(ctx) {
      const client = ctx.session as Client;
      // Already a replica or a monitor: ignored (no reply), as Redis does.
      if (client.flags.has('monitor') || client.flags.has('replica')) return NO_REPLY;
      client.flags.add('monitor');
      serverStats(client.server).monitors.add(client);
      client.server.sharding?.syncEvents();
      return OK;
    },
  },
  {
    name: 'memory',
    arity: -2,
    flags: [],
    acl: ['slow'],
    group: 'server',
    summary: 'A container for memory diagnostics commands.',
    complexity: 'Depends on subcommand.',
    since: '4.0.0',
    subcommands: [
      {
        name: 'doctor',
        arity: 2,
        flags: [],
        acl: ['slow'],
        group: 'server',
        summary: 'Outputs a memory problems report.',
        complexity: 'O(1)',
        since: '4.0.0',
        tips: ['nondeterministic_output', 'request_policy:all_shards', 'response_policy:special'],
        handler: (ctx) => new Verbatim('txt', memoryDoctor(serverOf(ctx))),
      },
      {
        name: 'help',
        arity: 2,
        ...HELP_FLAGS,
        group: 'server',
        summary: 'Returns helpful text about the different subcommands.',
        complexity: 'O(1)',
        since: '4.0.0',
        handler: () =>
          help('MEMORY', [
            'DOCTOR',
            '    Return memory problems reports.',
            'MALLOC-STATS',
            '    Return internal statistics report from the memory allocator.',
            'PURGE',
            '    Attempt to purge dirty pages for reclamation by the allocator.',
            'STATS',
            '    Return information about the memory usage of the server.',
            'USAGE <key> [SAMPLES <count>]',
            '    Return memory in bytes used by <key> and its value. Nested values are',
            '    sampled up to <count> times (default: 5, 0 means sample all).',
          ]),
      },
      {
        name: 'malloc-stats',
        arity: 2,
        flags: [],
        acl: ['slow'],
        group: 'server',
        summary: 'Returns the allocator statistics.',
        complexity: 'Depends on how much memory is allocated, could be slow',
        since: '4.0.0',
        tips: ['nondeterministic_output', 'request_policy:all_shards', 'response_policy:special'],
        handler: () => 'Stats not supported for the current allocator',
      },
      {
        name: 'purge',
        arity: 2,
        flags: [],
        acl: ['slow'],
        group: 'server',
        summary: 'Asks the allocator to release memory.',
        complexity: 'Depends on how much memory is allocated, could be slow',
        since: '4.0.0',
        tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
        handler: () => OK,
      },
      {
        name: 'stats',
        arity: 2,
        flags: [],
        acl: ['slow'],
        group: 'server',
        summary: 'Returns details about memory usage.',
        complexity: 'O(1)',
        since: '4.0.0',
        tips: ['nondeterministic_output', 'request_policy:all_shards', 'response_policy:special'],
        handler: (ctx) => memoryStats(serverOf(ctx), serverStats(serverOf(ctx))),
      },
      {
        name: 'usage',
        keySpecs: [{ flags: ['RO'], index: 2, range: [0, 1, 0] }],
        arity: -3,
        flags: ['readonly'],
        acl: ['read', 'slow'],
        group: 'server',
        summary: 'Estimates the memory usage of a key.',
        complexity: 'O(N) where N is the number of samples.',
        since: '4.0.0',
        handler: memoryUsage,
      },
    ],
  },
  {
    name: 'lastsave',
    arity: 1,
    flags: ['loading', 'stale', 'fast'],
    acl: ['admin', 'fast', 'dangerous'],
    group: 'server',
    summary: 'Returns the Unix timestamp of the last successful save to disk.',
    complexity: 'O(1)',
    since: '1.0.0',
    tips: ['nondeterministic_output'],
    handler: (ctx) => lastSave(serverOf(ctx)),
  },
  {
    name: 'shutdown',
    arity: -1,
    flags: ['admin', 'noscript', 'loading', 'stale', 'no_multi', 'allow_busy'],
    acl: ['admin', 'slow', 'dangerous'],
    group: 'server',
    summary: 'Synchronously saves the database(s) to disk and shuts down the Redis server.',
    complexity: 'O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)',
    since: '1.0.0',
    history: [['7.0.0', 'Added the `NOW`, `FORCE` and `ABORT` modifiers.']],
    handler: shutdown,
  },
  {
    name: 'debug',
    arity: -2,
    flags: ['admin', 'noscript', 'loading', 'stale'],
    acl: ['admin', 'slow', 'dangerous'],
    group: 'server',
    summary: 'A container for debugging commands.',
    complexity: 'Depends on subcommand.',
    since: '1.0.0',
    docFlags: ['syscmd'],
    handler: debug,
  },
  {
    name: 'module',
    arity: -2,
    flags: [],
    acl: ['slow'],
    group: 'server',
    summary: 'A container for module commands.',
    complexity: 'Depends on subcommand.',
    since: '4.0.0',
    // A server without Redis modules: nothing loaded, nothing loads.
    subcommands: [
      {
        name: 'help',
        arity: 2,
        ...HELP_FLAGS,
        group: 'server',
        summary: 'Returns helpful text about the different subcommands.',
        complexity: 'O(1)',
        since: '5.0.0',
        handler: () =>
          help('MODULE', [
            'LIST',
            '    Return a list of loaded modules.',
            'LOAD <path> [<arg> ...]',
            '    Load a module library from <path>, passing to it any optional arguments.',
            'LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]',
            '    Load a module library from <path>, while passing it module configurations and optional arguments.',
            'UNLOAD <name>',
            '    Unload a module.',
          ]),
      },
      {
        name: 'list',
        arity: 2,
        flags: ['admin', 'noscript'],
        acl: ['admin', 'slow', 'dangerous'],
        group: 'server',
        summary: 'Returns all loaded modules.',
        complexity: 'O(N) where N is the number of loaded modules.',
        since: '4.0.0',
        tips: ['nondeterministic_output_order'],
        handler: () => [],
      },
      ...(['load', 'loadex'] as const).map(
        (name): CommandSpec => ({
          name,
          arity: -3,
          flags: ['admin', 'noscript', 'no_async_loading'],
          acl: ['admin', 'slow', 'dangerous'],
          group: 'server',
          summary: name === 'load' ? 'Loads a module.' : 'Loads a module using extended parameters.',
          complexity: 'O(1)',
          since: name === 'load' ? '4.0.0' : '7.0.0',
          handler(ctx) {
            serverOf(ctx).log('warning', `Module ${ctx.argv[2]} failed to load: memorykv does not support Redis modules`);
            return err('ERR Error loading the extension. Please check the server logs.');
          },
        }),
      ),
      {
        name: 'unload',
        arity: 3,
        flags: ['admin', 'noscript', 'no_async_loading'],
        acl: ['admin', 'slow', 'dangerous'],
        group: 'server',
        summary: 'Unloads a module.',
        complexity: 'O(1)',
        since: '4.0.0',
        handler(ctx) {
          serverOf(ctx).log('warning', `Error unloading module ${ctx.argv[2]}: no such module with that name`);
          return err('ERR Error unloading module: no such module with that name');
        },
      },
    ],
  },
);
