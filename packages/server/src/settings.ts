/**
 * Server settings, and the table of Redis's configuration parameters (config.c static_configs):
 * name, alias, type, bounds, default and flags of every parameter redis-server 7.2 knows, with
 * the parsing, CONFIG GET formatting and CONFIG REWRITE formatting of each type.
 *
 * Where a value lives:
 *  - the engine's parameters (maxmemory, hash-max-listpack-entries, ...) in @memorykv/core's
 *    EngineConfig: `settings.engine` before the server exists, `shard.config` afterwards;
 *  - what server.ts reads (port, bind, maxclients, loglevel, ...) in the ServerSettings fields;
 *  - everything else in `settings.extra`, as the text CONFIG GET prints: accepted, validated
 *    and stored like Redis does, for the parameters nothing here acts on (save, appendonly,
 *    client-output-buffer-limit, timeout, lazyfree-*, ...).
 * Modules that act on a parameter (pub/sub's notify-keyspace-events, ...) declare it with
 * `server.defineParam`; config.ts then serves it through the module's get/set.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { EngineConfig } from '@memorykv/core';
// Not exported from @memorykv/core's index: the engine's defaults and its parameter names.
import { defaultConfig } from '../../core/src/config.ts';

export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning' | 'nothing';

export interface ServerSettings {
  port: number;
  bind: string[];
  requirepass: string;
  maxclients: number;
  'protected-mode': boolean;
  clientQueryBufferLimit: number;
  loglevel: LogLevel;
  dir: string;
  /** The config file given on the command line (absolute), for CONFIG REWRITE and INFO. */
  configFile: string | null;
  /**
   * Every other parameter as CONFIG GET prints it; also the exact text of engine parameters set
   * through CONFIG (kept so that values beyond 2^53 print as given).
   */
  extra: Record<string, string>;
  engine: Partial<EngineConfig>;
  /** Parameters given by the config file or the command line (primary names), in order. */
  configured: string[];
  /** Directives the parameter table does not know, left for the modules' own parameters. */
  deferred: ConfigLine[];
  /** `user` directives of the config file (for the ACL module), each as its arguments. */
  users: string[][];
}

/** A line of a config file (or a `--name value` of the command line) as Redis reads it. */
export interface ConfigLine {
  args: string[];
  /** 1-based line number in the text it came from, and the line itself (for error reports). */
  line: number;
  text: string;
}

export function defaultSettings(): ServerSettings {
  return {
    port: 6379,
    bind: ['127.0.0.1'],
    requirepass: '',
    maxclients: 10000,
    'protected-mode': true,
    clientQueryBufferLimit: 1024 * 1024 * 1024,
    loglevel: 'notice',
    dir: process.cwd(),
    configFile: null,
    extra: {},
    engine: {},
    configured: [],
    deferred: [],
    users: [],
  };
}

// -----------------------------------------------------------------------------------------------
// The parameter table

export type ParamKind = 'bool' | 'number' | 'enum' | 'string' | 'special';

/** A parse failure: the reason, as Redis words it after "CONFIG SET failed (...) - ". */
export class ParamError {
  constructor(readonly reason: string) {}
}

export interface ParamSpec {
  name: string;
  alias?: string;
  kind: ParamKind;
  /** The default, as CONFIG GET prints it. */
  def: string;
  immutable?: boolean;
  /** Settable only when enable-protected-configs allows it. */
  protected?: boolean;
  /** Its value is redacted from SLOWLOG and MONITOR. */
  sensitive?: boolean;
  /** Matched by CONFIG GET only by its exact name. */
  hidden?: boolean;
  /** Takes several arguments (CONFIG SET splits its value on spaces). */
  multiArg?: boolean;
  // number
  min?: bigint;
  max?: bigint;
  /** Bounds compare as unsigned (unsigned int, size_t, unsigned long long). */
  unsigned?: boolean;
  memory?: boolean;
  percent?: boolean;
  octal?: boolean;
  // enum: names and values (several names may share a value: the first prints)
  values?: readonly (readonly [string, number])[];
  // string: an empty value is "not set" (no line in a rewritten file)
  nullable?: boolean;
  /** Extra validation of a parsed value (Redis's is_valid_fn). */
  check?: (text: string) => string | null;
  /** Special parameters: arguments -> the text CONFIG GET prints. */
  parse?: (args: string[], current: string, loading: boolean) => string | ParamError;
  /** Special parameters: the config-file lines for a value, and whether to write them when absent. */
  rewrite?: (text: string, spec: ParamSpec) => { lines: string[]; force: boolean } | null;
}

const INT_MAX = 2147483647n;
const INT_MIN = -2147483648n;
const UINT_MAX = 4294967295n;
const LONG_MAX = 9223372036854775807n;
const LLONG_MAX = LONG_MAX;
const ULLONG_MAX = 18446744073709551615n;

type Opts = Partial<ParamSpec>;
const bool = (name: string, def: boolean, o: Opts = {}): ParamSpec => ({ name, kind: 'bool', def: def ? 'yes' : 'no', ...o });
const str = (name: string, def: string, o: Opts = {}): ParamSpec => ({ name, kind: 'string', def, ...o });
const num = (name: string, min: bigint, max: bigint, def: number | bigint, o: Opts = {}): ParamSpec => ({
  name,
  kind: 'number',
  min,
  max,
  def: String(def),
  ...o,
});
const enm = (name: string, values: readonly (readonly [string, number])[], def: string, o: Opts = {}): ParamSpec => ({
  name,
  kind: 'enum',
  values,
  def,
  ...o,
});
const special = (name: string, def: string, parse: ParamSpec['parse'], rewrite: ParamSpec['rewrite'], o: Opts = {}): ParamSpec => ({
  name,
  kind: 'special',
  def,
  parse,
  rewrite,
  ...o,
});
const names = (...n: string[]) => n.map((s, i) => [s, i] as const);
const I = { immutable: true } as const;

const MAXMEMORY_POLICIES = names(
  'volatile-lru',
  'volatile-lfu',
  'volatile-random',
  'volatile-ttl',
  'allkeys-lru',
  'allkeys-lfu',
  'allkeys-random',
  'noeviction',
);
const PROTECTED_ACTION = names('no', 'yes', 'local');
const SHUTDOWN_ON_SIG = [
  ['default', 0],
  ['save', 1],
  ['nosave', 2],
  ['now', 4],
  ['force', 8],
] as const;

export const PARAMS: readonly ParamSpec[] = [
  // Bool configs
  bool('rdbchecksum', true, I),
  bool('daemonize', false, I),
  bool('io-threads-do-reads', false, I),
  bool('always-show-logo', false, I),
  bool('protected-mode', true),
  bool('rdbcompression', true),
  bool('rdb-del-sync-files', false),
  bool('activerehashing', true),
  bool('stop-writes-on-bgsave-error', true),
  bool('set-proc-title', true, I),
  bool('dynamic-hz', true),
  bool('lazyfree-lazy-eviction', false),
  bool('lazyfree-lazy-expire', false),
  bool('lazyfree-lazy-server-del', false),
  bool('lazyfree-lazy-user-del', false),
  bool('lazyfree-lazy-user-flush', false),
  bool('repl-disable-tcp-nodelay', false),
  bool('repl-diskless-sync', true),
  bool('aof-rewrite-incremental-fsync', true),
  bool('no-appendfsync-on-rewrite', false),
  bool('cluster-require-full-coverage', true),
  bool('rdb-save-incremental-fsync', true),
  bool('aof-load-truncated', true),
  bool('aof-use-rdb-preamble', true),
  bool('aof-timestamp-enabled', false),
  bool('cluster-replica-no-failover', false, { alias: 'cluster-slave-no-failover' }),
  bool('replica-lazy-flush', false, { alias: 'slave-lazy-flush' }),
  bool('replica-serve-stale-data', true, { alias: 'slave-serve-stale-data' }),
  bool('replica-read-only', true, { alias: 'slave-read-only' }),
  bool('replica-ignore-maxmemory', true, { alias: 'slave-ignore-maxmemory' }),
  bool('jemalloc-bg-thread', true),
  bool('activedefrag', false, {
    check: (v) =>
      v === 'yes'
        ? 'Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution'
        : null,
  }),
  bool('syslog-enabled', false, I),
  bool('cluster-enabled', false, I),
  // Durable by default, as MemoryDB: the journal in `dir` with every write synced before its reply.
  bool('appendonly', true),
  bool('cluster-allow-reads-when-down', false),
  bool('cluster-allow-pubsubshard-when-down', true),
  bool('crash-log-enabled', true),
  bool('crash-memcheck-enabled', true),
  bool('use-exit-on-panic', false, { hidden: true }),
  bool('disable-thp', true, I),
  bool('cluster-allow-replica-migration', true),
  bool('replica-announced', true),
  bool('latency-tracking', true),
  bool('aof-disable-auto-gc', false, { hidden: true }),
  bool('replica-ignore-disk-write-errors', false),

  // String configs
  str('aclfile', '', I),
  str('unixsocket', '', { ...I, nullable: true }),
  str('pidfile', '', { ...I, nullable: true }),
  str('replica-announce-ip', '', { alias: 'slave-announce-ip', nullable: true }),
  str('masteruser', '', { sensitive: true, nullable: true }),
  str('cluster-announce-ip', '', { nullable: true }),
  str('cluster-config-file', 'nodes.conf', I),
  str('cluster-announce-hostname', '', { nullable: true, check: validHostname }),
  str('cluster-announce-human-nodename', '', {
    nullable: true,
    check: (v) => (/^[!-~]*$/.test(v) ? null : 'Announced human node name contained invalid character'),
  }),
  str('syslog-ident', 'redis', I),
  str('dbfilename', 'dump.rdb', { protected: true, check: (v) => (isBaseName(v) ? null : "dbfilename can't be a path, just a filename") }),
  str('appendfilename', 'appendonly.aof', {
    ...I,
    check: (v) => (v === '' ? "appendfilename can't be empty" : isBaseName(v) ? null : "appendfilename can't be a path, just a filename"),
  }),
  str('appenddirname', 'appendonlydir', {
    ...I,
    check: (v) => (v === '' ? "appenddirname can't be empty" : isBaseName(v) ? null : "appenddirname can't be a path, just a dirname"),
  }),
  str('server_cpulist', '', { ...I, nullable: true }),
  str('bio_cpulist', '', { ...I, nullable: true }),
  str('aof_rewrite_cpulist', '', { ...I, nullable: true }),
  str('bgsave_cpulist', '', { ...I, nullable: true }),
  str('ignore-warnings', ''),
  str('proc-title-template', '{title} {listen-addr} {server-mode}', { check: validProcTitleTemplate }),
  str('bind-source-addr', '', { nullable: true }),
  str('logfile', '', I),
  str('locale-collate', ''),
  str('masterauth', '', { sensitive: true, nullable: true }),
  str('requirepass', '', { sensitive: true, nullable: true }),

  // Enum configs
  enm('supervised', [['upstart', 1], ['systemd', 2], ['auto', 3], ['no', 0]], 'no', I),
  enm('syslog-facility', names('user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'), 'local0', I),
  enm('repl-diskless-load', names('disabled', 'on-empty-db', 'swapdb'), 'disabled'),
  enm('loglevel', names('debug', 'verbose', 'notice', 'warning', 'nothing'), 'notice'),
  enm('maxmemory-policy', MAXMEMORY_POLICIES, 'noeviction'),
  enm('appendfsync', [['everysec', 1], ['always', 2], ['no', 0]], 'always'),
  enm('oom-score-adj', [['no', 0], ['yes', 1], ['relative', 1], ['absolute', 2]], 'no'),
  enm('acl-pubsub-default', [['allchannels', 1], ['resetchannels', 0]], 'resetchannels'),
  enm('sanitize-dump-payload', names('no', 'yes', 'clients'), 'no'),
  enm('enable-protected-configs', PROTECTED_ACTION, 'no', I),
  enm('enable-debug-command', PROTECTED_ACTION, 'no', I),
  enm('enable-module-command', PROTECTED_ACTION, 'no', I),
  enm('cluster-preferred-endpoint-type', names('ip', 'hostname', 'unknown-endpoint'), 'ip'),
  enm('propagation-error-behavior', names('ignore', 'panic', 'panic-on-replicas'), 'ignore'),
  enm('shutdown-on-sigint', SHUTDOWN_ON_SIG, 'default', { multiArg: true, check: validShutdownFlags }),
  enm('shutdown-on-sigterm', SHUTDOWN_ON_SIG, 'default', { multiArg: true, check: validShutdownFlags }),

  // Integer configs
  num('databases', 1n, INT_MAX, 16, I),
  num('port', 0n, 65535n, 6379),
  num('io-threads', 1n, 128n, 1, I),
  num('auto-aof-rewrite-percentage', 0n, INT_MAX, 100),
  num('cluster-replica-validity-factor', 0n, INT_MAX, 10, { alias: 'cluster-slave-validity-factor' }),
  num('list-max-listpack-size', INT_MIN, INT_MAX, -2, { alias: 'list-max-ziplist-size' }),
  num('tcp-keepalive', 0n, INT_MAX, 300),
  num('cluster-migration-barrier', 0n, INT_MAX, 1),
  num('active-defrag-cycle-min', 1n, 99n, 1),
  num('active-defrag-cycle-max', 1n, 99n, 25),
  num('active-defrag-threshold-lower', 0n, 1000n, 10),
  num('active-defrag-threshold-upper', 0n, 1000n, 100),
  num('lfu-log-factor', 0n, INT_MAX, 10),
  num('lfu-decay-time', 0n, INT_MAX, 1),
  num('replica-priority', 0n, INT_MAX, 100, { alias: 'slave-priority' }),
  num('repl-diskless-sync-delay', 0n, INT_MAX, 5),
  num('maxmemory-samples', 1n, INT_MAX, 5),
  num('maxmemory-eviction-tenacity', 0n, 100n, 10),
  num('timeout', 0n, INT_MAX, 0),
  num('replica-announce-port', 0n, 65535n, 0, { alias: 'slave-announce-port' }),
  num('tcp-backlog', 0n, INT_MAX, 511, I),
  num('cluster-port', 0n, 65535n, 0, I),
  num('cluster-announce-bus-port', 0n, 65535n, 0),
  num('cluster-announce-port', 0n, 65535n, 0),
  num('cluster-announce-tls-port', 0n, 65535n, 0),
  num('repl-timeout', 1n, INT_MAX, 60),
  num('repl-ping-replica-period', 1n, INT_MAX, 10, { alias: 'repl-ping-slave-period' }),
  num('list-compress-depth', 0n, INT_MAX, 0),
  num('rdb-key-save-delay', INT_MIN, INT_MAX, 0, { hidden: true }),
  num('key-load-delay', INT_MIN, INT_MAX, 0, { hidden: true }),
  num('active-expire-effort', 1n, 10n, 1),
  num('hz', 0n, INT_MAX, 10),
  num('min-replicas-to-write', 0n, INT_MAX, 0, { alias: 'min-slaves-to-write' }),
  num('min-replicas-max-lag', 0n, INT_MAX, 10, { alias: 'min-slaves-max-lag' }),
  num('watchdog-period', 0n, INT_MAX, 0, { hidden: true }),
  num('shutdown-timeout', 0n, INT_MAX, 10),
  num('repl-diskless-sync-max-replicas', 0n, INT_MAX, 0),
  // Unsigned int configs
  num('maxclients', 1n, UINT_MAX, 10000, { unsigned: true }),
  // memorykv's own (issue 5): shard threads holding the keyspace; 1 keeps it in this thread.
  // Hidden from CONFIG GET * as Redis's own extras: a client that sets back every parameter it
  // lists (the 7.2 suite's CONFIG sanity) would trip on an immutable one it does not know.
  num('shards', 1n, 1024n, 1, { ...I, hidden: true }),
  num('unixsocketperm', 0n, 0o777n, 0, { ...I, unsigned: true, octal: true }),
  num('socket-mark-id', 0n, UINT_MAX, 0, { ...I, unsigned: true }),
  // Unsigned long configs
  num('active-defrag-max-scan-fields', 1n, LONG_MAX, 1000),
  num('slowlog-max-len', 0n, LONG_MAX, 128),
  num('acllog-max-len', 0n, LONG_MAX, 128),
  // Long long configs
  num('busy-reply-threshold', 0n, LONG_MAX, 5000, { alias: 'lua-time-limit' }),
  num('cluster-node-timeout', 0n, LLONG_MAX, 15000),
  num('cluster-ping-interval', 0n, LLONG_MAX, 0, { hidden: true }),
  num('slowlog-log-slower-than', -1n, LLONG_MAX, 10000),
  num('latency-monitor-threshold', 0n, LLONG_MAX, 0),
  num('proto-max-bulk-len', 1024n * 1024n, LONG_MAX, 512 * 1024 * 1024, { memory: true }),
  num('stream-node-max-entries', 0n, LLONG_MAX, 100),
  num('repl-backlog-size', 1n, LLONG_MAX, 1024 * 1024, { memory: true }),
  // Unsigned long long configs
  num('maxmemory', 0n, ULLONG_MAX, 0, { unsigned: true, memory: true }),
  num('cluster-link-sendbuf-limit', 0n, ULLONG_MAX, 0, { unsigned: true, memory: true }),
  // Size_t configs
  num('hash-max-listpack-entries', 0n, LONG_MAX, 512, { unsigned: true, alias: 'hash-max-ziplist-entries' }),
  num('set-max-intset-entries', 0n, LONG_MAX, 512, { unsigned: true }),
  num('set-max-listpack-entries', 0n, LONG_MAX, 128, { unsigned: true }),
  num('set-max-listpack-value', 0n, LONG_MAX, 64, { unsigned: true }),
  num('zset-max-listpack-entries', 0n, LONG_MAX, 128, { unsigned: true, alias: 'zset-max-ziplist-entries' }),
  num('active-defrag-ignore-bytes', 1n, LLONG_MAX, 100 << 20, { unsigned: true, memory: true }),
  num('hash-max-listpack-value', 0n, LONG_MAX, 64, { unsigned: true, memory: true, alias: 'hash-max-ziplist-value' }),
  num('stream-node-max-bytes', 0n, LONG_MAX, 4096, { unsigned: true, memory: true }),
  num('zset-max-listpack-value', 0n, LONG_MAX, 64, { unsigned: true, memory: true, alias: 'zset-max-ziplist-value' }),
  num('hll-sparse-max-bytes', 0n, LONG_MAX, 3000, { unsigned: true, memory: true }),
  num('tracking-table-max-keys', 0n, LONG_MAX, 1000000, { unsigned: true }),
  num('client-query-buffer-limit', 1024n * 1024n, LONG_MAX, 1024 * 1024 * 1024, { unsigned: true, memory: true }),
  num('maxmemory-clients', -100n, LONG_MAX, 0, { memory: true, percent: true }),
  // Other configs
  num('repl-backlog-ttl', 0n, LONG_MAX, 60 * 60),
  num('auto-aof-rewrite-min-size', 0n, LLONG_MAX, 64 * 1024 * 1024, { memory: true }),
  num('loading-process-events-interval-bytes', 1024n, INT_MAX, 1024 * 1024 * 2, { hidden: true }),

  num('tls-port', 0n, 65535n, 0),
  num('tls-session-cache-size', 0n, INT_MAX, 20 * 1024),
  num('tls-session-cache-timeout', 0n, INT_MAX, 300),
  bool('tls-cluster', false),
  bool('tls-replication', false),
  enm('tls-auth-clients', [['no', 0], ['yes', 1], ['optional', 2]], 'yes'),
  bool('tls-prefer-server-ciphers', false),
  bool('tls-session-caching', true),
  str('tls-cert-file', '', { nullable: true }),
  str('tls-key-file', '', { nullable: true }),
  str('tls-key-file-pass', '', { nullable: true }),
  str('tls-client-cert-file', '', { nullable: true }),
  str('tls-client-key-file', '', { nullable: true }),
  str('tls-client-key-file-pass', '', { nullable: true }),
  str('tls-dh-params-file', '', { nullable: true }),
  str('tls-ca-cert-file', '', { nullable: true }),
  str('tls-ca-cert-dir', '', { nullable: true }),
  str('tls-protocols', '', { nullable: true }),
  str('tls-ciphers', '', { nullable: true }),
  str('tls-ciphersuites', '', { nullable: true }),

  // Special configs
  special('dir', '', parseDir, (text) => ({ lines: [`dir ${repr(text)}`], force: true }), { protected: true }),
  special('save', '3600 1 300 100 60 10000', parseSave, rewriteSave, { multiArg: true }),
  special(
    'client-output-buffer-limit',
    'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
    parseClientOutputBufferLimit,
    rewriteClientOutputBufferLimit,
    { multiArg: true },
  ),
  special('oom-score-adj-values', '0 200 800', parseOomScoreAdjValues, (text, spec) => ({
    lines: [`${spec.name} ${text}`],
    force: text !== spec.def,
  }), { multiArg: true }),
  special('notify-keyspace-events', '', parseNotifyKeyspaceEvents, (text, spec) => ({
    lines: [`${spec.name} ${repr(text)}`],
    force: text !== '',
  })),
  special('bind', '127.0.0.1', parseBind, (text, spec) =>
    text === spec.def ? null : { lines: [`bind ${text === '' ? '""' : text}`], force: true }, { multiArg: true }),
  special('replicaof', '', parseReplicaOf, (text, spec) => (text === '' ? null : { lines: [`${spec.name} ${text}`], force: true }), {
    ...I,
    alias: 'slaveof',
    multiArg: true,
  }),
  special('latency-tracking-info-percentiles', '50 99 99.9', parsePercentiles, (text, spec) => ({
    lines: [`${spec.name} ${text === '' ? '""' : text}`],
    force: true,
  }), { multiArg: true }),
];

/** Parameters by name and alias. */
export const PARAM_BY_NAME: ReadonlyMap<string, ParamSpec> = (() => {
  const m = new Map<string, ParamSpec>();
  for (const p of PARAMS) {
    m.set(p.name, p);
    if (p.alias) m.set(p.alias, p);
  }
  return m;
})();

// -----------------------------------------------------------------------------------------------
// Parsing a value (config file lines, CONFIG SET) into the text CONFIG GET prints

/**
 * Parses a parameter's arguments (already split) into its CONFIG GET text, or explains why not.
 * `current` is the present value (client-output-buffer-limit changes only the classes given),
 * `loading` is true while reading a config file (where `save` lines add up).
 */
export function parseParam(spec: ParamSpec, args: string[], current: string, loading: boolean): string | ParamError {
  let out: string | ParamError;
  switch (spec.kind) {
    case 'bool': {
      const v = args[0]!.toLowerCase();
      out = v === 'yes' || v === 'no' ? v : new ParamError("argument must be 'yes' or 'no'");
      break;
    }
    case 'number':
      out = parseNumber(spec, args[0]!);
      break;
    case 'enum':
      out = parseEnum(spec, args);
      break;
    case 'string':
      out = args[0]!;
      break;
    case 'special':
      out = spec.parse!(args, current, loading);
      break;
  }
  if (typeof out === 'string' && spec.check) {
    const e = spec.check(out);
    if (e !== null) return new ParamError(e);
  }
  return out;
}

/** Redis's memtoull: digits and a unit (b k kb m mb g gb), wrapping like unsigned 64-bit C. */
export function memtoull(s: string): bigint | null {
  if (s.startsWith('-')) return null;
  let i = 0;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  const mul = MEM_UNITS[s.slice(i).toLowerCase()];
  if (mul === undefined || i >= 128) return null;
  let v = i === 0 ? 0n : BigInt(s.slice(0, i));
  if (v > ULLONG_MAX) v = ULLONG_MAX; // strtoull saturates
  return BigInt.asUintN(64, v * mul);
}
const MEM_UNITS: Record<string, bigint> = {
  '': 1n,
  b: 1n,
  k: 1000n,
  kb: 1024n,
  m: 1000n * 1000n,
  mb: 1024n * 1024n,
  g: 1000n * 1000n * 1000n,
  gb: 1024n * 1024n * 1024n,
};

/** Redis's string2ll (strict: no '+', no leading zeros, no spaces). */
function string2ll(s: string): bigint | null {
  if (!/^(0|-?[1-9][0-9]*)$/.test(s) || s.length > 20) return null;
  const v = BigInt(s);
  return v > LLONG_MAX || v < -LLONG_MAX - 1n ? null : v;
}

function parseNumber(spec: ParamSpec, s: string): string | ParamError {
  let v: bigint | null = null;
  if (spec.memory) {
    const m = memtoull(s);
    // memtoull's result is read back as a long long by the numeric types.
    if (m !== null) v = BigInt.asIntN(64, m);
  }
  if (v === null && spec.percent && s.length > 1 && s.endsWith('%')) {
    const p = string2ll(s.slice(0, -1));
    if (p !== null && p >= 0n) v = -p;
  }
  if (v === null && spec.octal) {
    const m = /^\s*([+-]?)(?:0*)([0-7]*)$/.exec(s);
    if (m && s.trim() !== '' && s.trim() !== '+' && s.trim() !== '-') v = BigInt('0o' + (m[2] || '0')) * (m[1] === '-' ? -1n : 1n);
  }
  if (v === null && !spec.memory && !spec.percent && !spec.octal) v = string2ll(s);
  if (v === null) {
    if (spec.memory && spec.percent) return new ParamError('argument must be a memory or percent value');
    if (spec.memory) return new ParamError('argument must be a memory value');
    if (spec.octal) return new ParamError("argument couldn't be parsed as an octal number");
    return new ParamError("argument couldn't be parsed into an integer");
  }
  const min = spec.min!;
  const max = spec.max!;
  if (spec.unsigned) {
    const u = BigInt.asUintN(64, v);
    const lo = BigInt.asUintN(64, min);
    if (u > max || u < lo) {
      return new ParamError(
        spec.octal
          ? `argument must be between ${lo.toString(8)} and ${max.toString(8)} inclusive`
          : `argument must be between ${lo} and ${max} inclusive`,
      );
    }
    v = u;
  } else if (spec.percent && v < 0n) {
    if (v < min) return new ParamError(`percentage argument must be less or equal to ${-min}`);
  } else if (v > max || v < min) {
    return new ParamError(`argument must be between ${min} and ${max} inclusive`);
  }
  return numberText(spec, v);
}

/** A number as CONFIG GET prints it (numericConfigGet). */
function numberText(spec: ParamSpec, v: bigint): string {
  if (spec.percent && v < 0n) return `${-v}%`;
  if (spec.memory) return String(BigInt.asUintN(64, v));
  if (spec.octal) return v.toString(8);
  return String(v);
}

function parseEnum(spec: ParamSpec, args: string[]): string | ParamError {
  const values = spec.values!;
  const find = (a: string) => values.find(([n]) => n === a.toLowerCase());
  const bad = () => new ParamError(`argument(s) must be one of the following: ${values.map(([n]) => n).join(', ')}`);
  if (!spec.multiArg) {
    if (args.length !== 1) return bad();
    const e = find(args[0]!);
    if (!e) return bad();
    return values.find(([, v]) => v === e[1])![0];
  }
  // Bit flags (shutdown-on-sig*): any combination, printed in table order.
  if (args.length === 0) return bad();
  let flags = 0;
  for (const a of args) {
    const e = find(a);
    if (!e) return bad();
    flags |= e[1];
  }
  const exact = values.find(([, v]) => v === flags);
  if (exact) return exact[0];
  return values
    .filter(([, v]) => v !== 0 && (flags & v) === v)
    .map(([n]) => n)
    .join(' ');
}

function validShutdownFlags(text: string): string | null {
  const words = text.split(' ');
  return words.includes('save') && words.includes('nosave') ? "shutdown options SAVE and NOSAVE can't be used simultaneously" : null;
}

function isBaseName(p: string): boolean {
  return !p.includes('/');
}

function validHostname(v: string): string | null {
  if (v.length >= 46) return 'Hostnames must be less than 46 characters';
  return /^[A-Za-z0-9.-]*$/.test(v) ? null : 'Hostnames may only contain alphanumeric characters, hyphens or dots';
}

function validProcTitleTemplate(v: string): string | null {
  const ok = ['title', 'listen-addr', 'server-mode', 'port', 'tls-port', 'unixsocket', 'config-file'];
  const re = /\{([^}]*)\}/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(v)) !== null) if (!ok.includes(m[1]!)) return 'template format is invalid or contains unknown variables';
  const bad = v.replace(re, '');
  return bad.includes('{') || bad.includes('}') || !v.includes('{title}')
    ? 'template format is invalid or contains unknown variables'
    : null;
}

function parseDir(args: string[]): string | ParamError {
  if (args.length !== 1) return new ParamError('wrong number of arguments');
  // Redis chdir()s and reports strerror(errno).
  const dir = resolve(Buffer.from(args[0]!, 'latin1').toString());
  try {
    if (!statSync(dir).isDirectory()) return new ParamError('Not a directory');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return new ParamError(code === 'ENOENT' ? 'No such file or directory' : code === 'EACCES' ? 'Permission denied' : 'Not a directory');
  }
  return dir;
}

function parseSave(args: string[], current: string, loading: boolean): string | ParamError {
  if (args.length === 1 && args[0] === '') args = [];
  if (args.length & 1) return new ParamError('Invalid save parameters');
  for (let j = 0; j < args.length; j++) {
    const m = /^\s*[+-]?\d+$/.exec(args[j]!);
    const v = m ? Number(args[j]) : NaN;
    if (!m || ((j & 1) === 0 && v < 1) || ((j & 1) === 1 && v < 0)) return new ParamError('Invalid save parameters');
  }
  const pairs: string[] = [];
  for (let j = 0; j < args.length; j += 2) pairs.push(`${Number(args[j])} ${Number(args[j + 1])}`);
  // In a config file save lines add up: the loader passes '' as `current` for the first one,
  // which replaces the defaults.
  if (loading && current !== '' && args.length > 0) return `${current} ${pairs.join(' ')}`;
  return pairs.join(' ');
}

function rewriteSave(text: string, spec: ParamSpec): { lines: string[]; force: boolean } {
  if (text === '') return { lines: [`${spec.name} ""`], force: true };
  const w = text.split(' ');
  const lines: string[] = [];
  for (let i = 0; i < w.length; i += 2) lines.push(`${spec.name} ${w[i]} ${w[i + 1]}`);
  return { lines, force: true };
}

const OBUF_CLASSES = ['normal', 'slave', 'pubsub'] as const;

function parseClientOutputBufferLimit(args: string[], current: string): string | ParamError {
  if (args.length % 4) return new ParamError('Wrong number of arguments in buffer limit configuration.');
  const cur = current.split(' ');
  const values = new Map<string, string[]>();
  for (let i = 0; i < cur.length; i += 4) values.set(cur[i]!, cur.slice(i + 1, i + 4));
  const next = new Map(values);
  for (let j = 0; j < args.length; j += 4) {
    let cls = args[j]!.toLowerCase();
    if (cls === 'replica') cls = 'slave';
    if (!(OBUF_CLASSES as readonly string[]).includes(cls)) {
      return new ParamError('Invalid client class specified in buffer limit configuration.');
    }
    const hard = memtoull(args[j + 1]!);
    const soft = memtoull(args[j + 2]!);
    const secs = /^\s*[+-]?\d+$/.exec(args[j + 3]!) ? Number(args[j + 3]) : NaN;
    if (hard === null || soft === null || !(secs >= 0)) {
      return new ParamError('Error in hard, soft or soft_seconds setting in buffer limit configuration.');
    }
    next.set(cls, [String(hard), String(soft), String(secs)]);
  }
  return OBUF_CLASSES.map((c) => `${c} ${next.get(c)!.join(' ')}`).join(' ');
}

function rewriteClientOutputBufferLimit(text: string, spec: ParamSpec): { lines: string[]; force: boolean } {
  const w = text.split(' ');
  const d = spec.def.split(' ');
  const lines: string[] = [];
  let force = false;
  for (let i = 0; i < w.length; i += 4) {
    if (w.slice(i, i + 4).join(' ') !== d.slice(i, i + 4).join(' ')) force = true;
    const cls = w[i] === 'slave' ? 'replica' : w[i];
    lines.push(`${spec.name} ${cls} ${formatMemory(BigInt(w[i + 1]!))} ${formatMemory(BigInt(w[i + 2]!))} ${w[i + 3]}`);
  }
  // Redis forces each class line separately; a file keeps all three once one differs.
  return { lines, force };
}

function parseOomScoreAdjValues(args: string[]): string | ParamError {
  if (args.length !== 3) return new ParamError('wrong number of arguments');
  const out: number[] = [];
  for (const a of args) {
    const v = /^\s*[+-]?\d+$/.test(a) ? Number(a) : NaN;
    if (!(v >= -2000 && v <= 2000)) return new ParamError('Invalid oom-score-adj-values, elements must be between -2000 and 2000.');
    out.push(v);
  }
  return out.join(' ');
}

const KEYSPACE_EVENT_FLAGS: Record<string, number> = {
  A: 0x2000 | 0x7fc | 0x400,
  g: 1 << 2,
  $: 1 << 3,
  l: 1 << 4,
  s: 1 << 5,
  h: 1 << 6,
  z: 1 << 7,
  x: 1 << 8,
  e: 1 << 9,
  K: 1 << 0,
  E: 1 << 1,
  t: 1 << 10,
  m: 1 << 11,
  d: 1 << 13,
  n: 1 << 14,
};

/** notify.c keyspaceEventsStringToFlags + keyspaceEventsFlagsToString: the canonical form. */
export function normalizeKeyspaceEvents(classes: string): string | null {
  let flags = 0;
  for (const c of classes) {
    const f = KEYSPACE_EVENT_FLAGS[c];
    if (f === undefined) return null;
    flags |= f;
  }
  const all = KEYSPACE_EVENT_FLAGS.A!;
  let res = '';
  if ((flags & all) === all) res = 'A';
  else for (const c of 'g$lshzxetdn') if (flags & KEYSPACE_EVENT_FLAGS[c]!) res += c;
  if (flags & KEYSPACE_EVENT_FLAGS.K!) res += 'K';
  if (flags & KEYSPACE_EVENT_FLAGS.E!) res += 'E';
  if (flags & KEYSPACE_EVENT_FLAGS.m!) res += 'm';
  return res;
}

function parseNotifyKeyspaceEvents(args: string[]): string | ParamError {
  if (args.length !== 1) return new ParamError('wrong number of arguments');
  const v = normalizeKeyspaceEvents(args[0]!);
  return v ?? new ParamError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
}

function parseBind(args: string[]): string | ParamError {
  if (args.length > 16) return new ParamError('Too many bind addresses specified.');
  if (args.length === 1 && args[0] === '') return '';
  return args.join(' ');
}

function parseReplicaOf(args: string[]): string | ParamError {
  if (args.length !== 2) return new ParamError('wrong number of arguments');
  if (args[0]!.toLowerCase() === 'no' && args[1]!.toLowerCase() === 'one') return '';
  const port = /^[+-]?\d+$/.test(args[1]!) ? Number(args[1]) : NaN;
  if (!(port >= 0 && port <= 65535)) return new ParamError('Invalid master port');
  return `${args[0]} ${port}`;
}

function parsePercentiles(args: string[]): string | ParamError {
  if (args.length === 1 && args[0] === '') return '';
  const out: string[] = [];
  for (const a of args) {
    const v = a.trim() === a && a !== '' ? Number(a) : NaN;
    if (v !== v) return new ParamError('Invalid latency-tracking-info-percentiles parameters');
    if (v > 100 || v < 0) return new ParamError('latency-tracking-info-percentiles parameters should sit between [0.0,100.0]');
    out.push(formatPercentile(v));
  }
  return out.join(' ');
}

/** "%f" with the trailing zeros (and point) trimmed, as trimDoubleString. */
export function formatPercentile(v: number): string {
  let s = v.toFixed(6);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

// -----------------------------------------------------------------------------------------------
// Formatting for config files

/** Redis's sdscatrepr: a double-quoted string with C escapes. */
export function repr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92 || c === 34) out += '\\' + s[i];
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c >= 32 && c < 127) out += s[i];
    else out += '\\x' + c.toString(16).padStart(2, '0');
  }
  return out + '"';
}

/** rewriteConfigFormatMemory: 1gb, 64mb, 512kb or plain bytes. */
export function formatMemory(bytes: bigint): string {
  const gb = 1024n * 1024n * 1024n;
  const mb = 1024n * 1024n;
  if (bytes && bytes % gb === 0n) return `${bytes / gb}gb`;
  if (bytes && bytes % mb === 0n) return `${bytes / mb}mb`;
  if (bytes && bytes % 1024n === 0n) return `${bytes / 1024n}kb`;
  return String(bytes);
}

/**
 * The config-file lines of a parameter's value and whether they must be written even when the
 * file has no line for it (the value differs from the default), as rewriteConfig*Option.
 * Null: the parameter must have no line at all (a nullable string that is unset).
 */
export function rewriteLines(spec: ParamSpec, text: string, def: string): { lines: string[]; force: boolean } | null {
  switch (spec.kind) {
    case 'bool':
    case 'enum':
      return { lines: [`${spec.name} ${text}`], force: text !== def };
    case 'number': {
      const v = numberValue(spec, text);
      const d = numberValue(spec, def);
      let t: string;
      if (spec.percent && text.endsWith('%')) t = text;
      else if (spec.memory) t = formatMemory(v);
      else t = text;
      return { lines: [`${spec.name} ${t}`], force: v !== d };
    }
    case 'string':
      if (spec.nullable && text === '') return null;
      return { lines: [`${spec.name} ${repr(text)}`], force: text !== def };
    case 'special':
      return spec.rewrite!(text, spec);
  }
}

function numberValue(spec: ParamSpec, text: string): bigint {
  if (text.endsWith('%')) return -BigInt(text.slice(0, -1));
  if (spec.octal) return BigInt('0o' + text);
  return BigInt(text);
}

// -----------------------------------------------------------------------------------------------
// Where each value lives

const ENGINE_KEYS: ReadonlySet<string> = new Set(Object.keys(defaultConfig()));

/** The engine's parameter of that name, or null when the engine has none. */
export function engineKey(name: string): keyof EngineConfig | null {
  return ENGINE_KEYS.has(name) ? (name as keyof EngineConfig) : null;
}

/** The engine's defaults as CONFIG GET prints them (the engine's own defaults win over Redis's). */
export function engineDefault(key: keyof EngineConfig): string {
  return String(defaultConfig()[key]);
}

/** A value held by a ServerSettings field that server.ts reads. */
interface SettingBinding {
  get(s: ServerSettings): string;
  set(s: ServerSettings, text: string): void;
  def: string;
}

export const SETTING_BINDINGS: Readonly<Record<string, SettingBinding>> = {
  port: { get: (s) => String(s.port), set: (s, t) => void (s.port = Number(t)), def: '6379' },
  bind: {
    get: (s) => s.bind.join(' '),
    set: (s, t) => void (s.bind = t === '' ? [] : t.split(' ')),
    def: '127.0.0.1',
  },
  requirepass: { get: (s) => s.requirepass, set: (s, t) => void (s.requirepass = t), def: '' },
  maxclients: { get: (s) => String(s.maxclients), set: (s, t) => void (s.maxclients = Number(t)), def: '10000' },
  'protected-mode': {
    get: (s) => (s['protected-mode'] ? 'yes' : 'no'),
    set: (s, t) => void (s['protected-mode'] = t === 'yes'),
    def: 'yes',
  },
  'client-query-buffer-limit': {
    get: (s) => String(s.clientQueryBufferLimit),
    set: (s, t) => void (s.clientQueryBufferLimit = Number(t)),
    def: String(1024 * 1024 * 1024),
  },
  loglevel: { get: (s) => s.loglevel, set: (s, t) => void (s.loglevel = t as LogLevel), def: 'notice' },
  dir: { get: (s) => s.dir, set: (s, t) => void (s.dir = t), def: '' },
};

/** The default of a parameter as this server has it (engine and server defaults first). */
export function paramDefault(spec: ParamSpec): string {
  const key = engineKey(spec.name);
  if (key !== null) return engineDefault(key);
  const b = SETTING_BINDINGS[spec.name];
  if (b !== undefined && spec.name !== 'dir') return b.def;
  return spec.def;
}

/** The engine's typed value from a parameter's text. */
export function engineValue(key: keyof EngineConfig, text: string): number | string {
  if (key === 'maxmemory-policy') return text;
  const v = Number(text);
  // Redis keeps hz between 1 and 500 whatever was asked (updateHZ).
  return key === 'hz' ? Math.max(1, Math.min(500, v)) : v;
}

/**
 * Reads a parameter's value before the server exists (config file, command line) or from the
 * settings of a running one when `engine` (the shard's live EngineConfig) is given.
 */
export function readSetting(s: ServerSettings, spec: ParamSpec, engine?: EngineConfig): string {
  const key = engineKey(spec.name);
  if (key !== null) {
    const v = engine ? engine[key] : s.engine[key];
    if (v === undefined) return engineDefault(key);
    const text = s.extra[spec.name];
    return text !== undefined && String(engineValue(key, text)) === String(v) ? text : String(v);
  }
  const b = SETTING_BINDINGS[spec.name];
  if (b !== undefined) return b.get(s);
  const t = s.extra[spec.name];
  return t !== undefined ? t : spec.def;
}

/** Stores a parsed value into the settings (and, for engine parameters, `s.engine`). */
export function writeSetting(s: ServerSettings, spec: ParamSpec, text: string): void {
  const key = engineKey(spec.name);
  if (key !== null) {
    const v = engineValue(key, text);
    (s.engine as Record<string, unknown>)[key] = v;
    s.extra[spec.name] = key === 'hz' ? String(v) : text;
    return;
  }
  const b = SETTING_BINDINGS[spec.name];
  if (b !== undefined) b.set(s, text);
  else s.extra[spec.name] = text;
}
