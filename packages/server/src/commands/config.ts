/**
 * CONFIG GET/SET/RESETSTAT/REWRITE/HELP (config.c), over the server's parameter registry
 * (`server.params`). At install every parameter of Redis's table (settings.ts) is declared
 * there, bound to where its value lives (the engine's EngineConfig, the server's settings, or
 * kept as text); modules that act on a parameter declare their own Param under the same name
 * and take it over (pub/sub's notify-keyspace-events, ...).
 */
import { renameSync, writeFileSync, readFileSync, fsyncSync, openSync, closeSync, unlinkSync } from 'node:fs';
import { ErrorReply, MapReply, OK, Status, type CommandSpec, type Reply } from '@memorykv/core';
// Not exported from @memorykv/core's index.
import { defineCommands } from '../../../core/src/commands/table.ts';
import type { Client } from '../client.ts';
import type { MemorykvServer, Param } from '../server.ts';
import { splitArgs } from '../resp/parser.ts';
import { configLineError } from '../config-file.ts';
import {
  PARAMS,
  PARAM_BY_NAME,
  ParamError,
  engineKey,
  engineValue,
  paramDefault,
  parseParam,
  readSetting,
  rewriteLines,
  writeSetting,
  repr,
  type ParamSpec,
} from '../settings.ts';
import { redactArgument, resetStats } from './introspection.ts';
import { isLocal } from './connection.ts';
import { globMatch } from '../../../core/src/glob.ts';

/** What config.ts keeps per server. */
interface ConfigState {
  /** The Params this module declared, with their table entry. */
  specs: Map<Param, ParamSpec>;
  /** Defaults of the parameters other modules declared (their value before any config applied). */
  foreignDefaults: Map<string, string>;
  applied: boolean;
}

function state(server: MemorykvServer): ConfigState {
  return server.state.get('config') as ConfigState;
}

const err = (message: string) => new ErrorReply(message);

export function install(server: MemorykvServer): void {
  const st: ConfigState = { specs: new Map(), foreignDefaults: new Map(), applied: false };
  server.state.set('config', st);
  for (const spec of PARAMS) {
    if (server.params.has(spec.name)) continue; // an earlier module owns it
    const p = tableParam(server, spec);
    st.specs.set(p, spec);
    server.defineParam(p);
  }
  // Parameters other modules declare (installed after this one) get the values of the config
  // file once every module is installed; main.ts calls applyConfiguredParams itself to report
  // errors before listening, this covers servers created in-process.
  queueMicrotask(() => {
    try {
      applyConfiguredParams(server);
    } catch (e) {
      server.log('warning', (e as Error).message);
    }
  });
}

/** A Param over one entry of Redis's table, reading and writing where its value lives. */
function tableParam(server: MemorykvServer, spec: ParamSpec): Param {
  const settings = server.settings;
  const shard = server.engine.shard;
  const get = () => readSetting(settings, spec, shard.config);
  return {
    name: spec.name,
    aliases: spec.alias ? [spec.alias] : [],
    immutable: spec.immutable,
    get,
    set(value: string): ErrorReply | null {
      // CONFIG SET splits a multi-argument value on single spaces (performInterfaceSet).
      const args = spec.multiArg ? value.split(' ') : [value];
      const v = parseParam(spec, args, get(), false);
      if (v instanceof ParamError) return err(v.reason);
      return applyValue(server, spec, v);
    },
  };
}

/** Applies a parsed value to the running server (the apply functions of config.c). */
function applyValue(server: MemorykvServer, spec: ParamSpec, text: string): ErrorReply | null {
  const settings = server.settings;
  const key = engineKey(spec.name);
  if (key !== null) {
    const value = String(engineValue(key, text));
    const e = server.engine.shard.setConfig(key, value);
    if (e !== null) return e;
    writeSetting(settings, spec, text);
    server.sharding?.configChanged(key, value);
    if (key === 'maxmemory' && text !== '0' && Number(text) < server.engine.shard.used) {
      server.log(
        'warning',
        `WARNING: the new maxmemory value set via CONFIG SET (${text}) is smaller than the current memory usage (${server.engine.shard.used}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.`,
      );
    }
    return null;
  }
  writeSetting(settings, spec, text);
  if (spec.name === 'save' || spec.name === 'busy-reply-threshold') server.sharding?.configChanged(spec.name, text);
  return null;
}

/**
 * Gives the parameters declared by other modules the values of the config file and command
 * line, and checks the directives no parameter claimed. Throws ConfigFileError (as Redis's
 * fatal config error) for an unknown directive or a rejected value. Runs once.
 */
export function applyConfiguredParams(server: MemorykvServer): void {
  const st = state(server);
  if (st.applied) return;
  st.applied = true;
  for (const [name, p] of server.params) {
    if (!st.specs.has(p) && name === p.name) st.foreignDefaults.set(name, p.get());
  }
  const settings = server.settings;
  const done = new Set<string>();
  for (const name of settings.configured) {
    const p = effectiveParam(server, name);
    if (p === undefined || st.specs.has(p) || done.has(name)) continue;
    done.add(name);
    const spec = PARAM_BY_NAME.get(name)!;
    const e = p.set(readSetting(settings, spec));
    if (e !== null) throw configLineError(null, '', reasonOf(e));
  }
  for (const d of settings.deferred) {
    const name = d.args[0]!;
    if (name === 'rename-command') {
      server.log('warning', `rename-command is not supported by memorykv, ignored: ${d.text}`);
      continue;
    }
    const p = effectiveParam(server, name);
    if (p === undefined || d.args.length < 2) throw configLineError(d.line, d.text, 'Bad directive or wrong number of arguments');
    const e = p.set(d.args.slice(1).join(' '));
    if (e !== null) throw configLineError(d.line, d.text, reasonOf(e));
  }
}

/** The Param serving a name: a module's declaration of the primary name wins over the table's alias. */
function effectiveParam(server: MemorykvServer, name: string): Param | undefined {
  const p = server.params.get(name);
  if (p === undefined) return undefined;
  return server.params.get(p.name) ?? p;
}

/** The reason of a Param's error (a bare reason, or a full "ERR ..." message). */
function reasonOf(e: ErrorReply): string {
  return e.message.startsWith('ERR ') ? e.message.slice(4) : e.message;
}

/** enable-protected-configs / enable-debug-command: yes, or local for a loopback client. */
export function allowProtectedAction(server: MemorykvServer, setting: string, client: Client): boolean {
  const v = readSetting(server.settings, PARAM_BY_NAME.get(setting)!);
  if (v === 'yes') return true;
  if (v !== 'local') return false;
  return isLocal(client.socket.remoteAddress);
}

// -----------------------------------------------------------------------------------------------
// CONFIG GET / SET

function configGet(server: MemorykvServer, patterns: string[]): Reply {
  const st = state(server);
  const out: Reply[] = [];
  const seen = new Set<string>();
  // Names compare case-insensitively; an exact name answers under the spelling asked.
  const add = (key: string, p: Param) => {
    const lower = key.toLowerCase();
    if (seen.has(lower)) return;
    seen.add(lower);
    out.push(key, (effectiveParam(server, lower) ?? p).get());
  };
  for (const pattern of patterns) {
    if (!/[[*?]/.test(pattern)) {
      const p = server.params.get(pattern.toLowerCase());
      if (p !== undefined) add(pattern, p);
      continue;
    }
    for (const [key, p] of server.params) {
      // Hidden parameters answer their exact name only.
      if (st.specs.get(p)?.hidden) continue;
      if (globMatch(pattern, key, true)) add(key, p);
    }
  }
  return new MapReply(out);
}

function configSet(server: MemorykvServer, client: Client, argv: string[]): Reply {
  if (argv.length & 1) return err('ERR syntax error');
  const st = state(server);
  const chosen: Param[] = [];
  const names: string[] = [];
  const values: string[] = [];
  let invalidName: string | null = null;
  let errName: string | null = null;
  let errStr: string | null = null;
  for (let i = 2; i < argv.length; i += 2) {
    const name = argv[i]!;
    const p = effectiveParam(server, name.toLowerCase());
    if (p === undefined) {
      if (errName === null && invalidName === null) invalidName = name;
      continue;
    }
    const spec = st.specs.get(p) ?? PARAM_BY_NAME.get(p.name);
    // Sensitive values never reach SLOWLOG or MONITOR, even when the command fails.
    if (spec?.sensitive) redactArgument(client, i + 1);
    if (invalidName !== null || errName !== null) continue;
    if (p.immutable || spec?.immutable) {
      errStr = "can't set immutable config";
      errName = name;
      continue;
    }
    if (spec?.protected && !allowProtectedAction(server, 'enable-protected-configs', client)) {
      errStr = "can't set protected config";
      errName = name;
      continue;
    }
    if (chosen.includes(p)) {
      errStr = 'duplicate parameter';
      errName = name;
      continue;
    }
    chosen.push(p);
    names.push(name.toLowerCase());
    values.push(argv[i + 1]!);
  }
  if (invalidName !== null) return err(`ERR Unknown option or number of arguments for CONFIG SET - '${invalidName}'`);
  if (errName !== null) return err(`ERR CONFIG SET failed (possibly related to argument '${errName}') - ${errStr}`);
  // Set every value; on a failure put back the ones already set (restoreBackupConfig).
  const old = chosen.map((p) => p.get());
  for (let i = 0; i < chosen.length; i++) {
    const e = chosen[i]!.set(values[i]!);
    if (e === null) continue;
    for (let j = 0; j <= i; j++) chosen[j]!.set(old[j]!);
    const msg = e.message;
    if (msg.startsWith('ERR CONFIG SET failed') || msg.startsWith('ERR Unknown option')) return e;
    return err(`ERR CONFIG SET failed (possibly related to argument '${names[i]}') - ${reasonOf(e)}`);
  }
  // Then each apply function of the parameters that changed, once; a failure restores the old
  // values and applies them again.
  const applies = new Map<() => string | null, string>();
  for (let i = 0; i < chosen.length; i++) {
    const apply = chosen[i]!.apply;
    if (apply !== undefined && !applies.has(apply) && chosen[i]!.get() !== old[i]) applies.set(apply, names[i]!);
  }
  for (const [apply, name] of applies) {
    const reason = apply();
    if (reason === null) continue;
    server.log('warning', `Failed applying new configuration. Possibly related to new ${name} setting. Restoring previous settings.`);
    for (let j = 0; j < chosen.length; j++) chosen[j]!.set(old[j]!);
    for (const again of applies.keys()) {
      const e = again();
      if (e !== null) server.log('warning', `Failed applying restored failed CONFIG SET command: ${e}`);
    }
    return err(`ERR CONFIG SET failed (possibly related to argument '${name}') - ${reason}`);
  }
  return OK;
}

// -----------------------------------------------------------------------------------------------
// CONFIG REWRITE (config.c rewriteConfig)

const SIGNATURE = '# Generated by CONFIG REWRITE';

class RewriteState {
  lines: string[] = [];
  /** Option -> indexes of its lines in the old file. */
  optionLines = new Map<string, number[]>();
  rewritten = new Set<string>();
  needsSignature = true;

  /** Uses the option's next old line, or appends when forced (rewriteConfigRewriteLine). */
  rewriteLine(option: string, line: string, force: boolean): void {
    this.rewritten.add(option);
    const l = this.optionLines.get(option);
    if (l === undefined && !force) return;
    if (l !== undefined) {
      const n = l.shift()!;
      if (l.length === 0) this.optionLines.delete(option);
      this.lines[n] = line;
      return;
    }
    if (this.needsSignature) {
      this.lines.push(SIGNATURE);
      this.needsSignature = false;
    }
    this.lines.push(line);
  }

  /** Blanks the old lines of rewritten options that were not reused. */
  removeOrphaned(): void {
    for (const [option, l] of this.optionLines) {
      if (!this.rewritten.has(option)) continue;
      for (const n of l) this.lines[n] = '';
    }
  }

  /** The file's text: runs of empty lines collapse into one. */
  content(): string {
    let out = '';
    let wasEmpty = false;
    for (const line of this.lines) {
      if (line === '') {
        if (wasEmpty) continue;
        wasEmpty = true;
      } else {
        wasEmpty = false;
      }
      out += line + '\n';
    }
    return out;
  }
}

/** Directives a config file may hold that are not parameters (rewriteConfigReadOldFile). */
const FILE_DIRECTIVES = new Set(['include', 'rename-command', 'user', 'loadmodule', 'sentinel']);

function readOldConfig(server: MemorykvServer, path: string): RewriteState {
  const state = new RewriteState();
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return state;
    throw e;
  }
  if (text === '') return state;
  const lines = text.split('\n');
  for (const raw of lines) {
    const line = raw.replace(/^[\r\n\t ]+|[\r\n\t ]+$/g, '');
    if (line === '' || line.startsWith('#')) {
      if (state.needsSignature && line === SIGNATURE) state.needsSignature = false;
      state.lines.push(line);
      continue;
    }
    const b = Buffer.from(line, 'latin1');
    const argv = splitArgs(b, 0, b.length);
    const name = argv?.[0]?.toLowerCase();
    if (argv === null || name === undefined || (!server.params.has(name) && !FILE_DIRECTIVES.has(name))) {
      // Unparsable, or a parameter that no longer exists: kept as a comment.
      state.lines.push('# ??? ' + line);
      continue;
    }
    state.lines.push(line);
    const p = server.params.get(name);
    const option = p !== undefined ? p.name : name;
    let l = state.optionLines.get(option);
    if (l === undefined) state.optionLines.set(option, (l = []));
    l.push(state.lines.length - 1);
  }
  return state;
}

/** Rewrites the config file the server was started with, keeping its comments and layout. */
export function rewriteConfig(server: MemorykvServer, path: string): void {
  const st = state(server);
  const rs = readOldConfig(server, path);
  const done = new Set<string>();
  for (const spec of PARAMS) {
    const p = effectiveParam(server, spec.name);
    if (p === undefined) continue;
    done.add(spec.name);
    const text = p.get();
    // A module's parameter (not the table's) defaults to its value before any configuration.
    const def = st.specs.has(p) ? paramDefault(spec) : (st.foreignDefaults.get(spec.name) ?? paramDefault(spec));
    const r = spec.name === 'dir' ? rewriteLines(spec, server.settings.dir, '') : rewriteLines(spec, text, def);
    if (r === null) {
      rs.rewritten.add(spec.name);
      continue;
    }
    for (const line of r.lines) rs.rewriteLine(spec.name, line, r.force);
    if (r.lines.length === 0) rs.rewritten.add(spec.name);
  }
  rewriteUsers(server, rs);
  // Parameters only modules know.
  for (const [name, p] of server.params) {
    if (name !== p.name || done.has(name) || st.specs.has(p)) continue;
    const text = p.get();
    const def = st.foreignDefaults.get(name);
    rs.rewriteLine(name, `${name} ${repr(text)}`, def === undefined || def !== text);
  }
  rs.removeOrphaned();
  overwriteFile(path, rs.content());
}

/**
 * rewriteConfigUserOption: the ACL users as `user` lines, unless they live in an aclfile (then
 * the file's `user` lines go away).
 */
function rewriteUsers(server: MemorykvServer, rs: RewriteState): void {
  const acl = server.state.get('acl') as
    | { aclfile?: string; sortedNames?(): string[]; users?: Map<string, { describe(): string }> }
    | undefined;
  if (acl?.sortedNames === undefined || acl.users === undefined) return;
  if (!acl.aclfile) {
    for (const name of acl.sortedNames()) rs.rewriteLine('user', `user ${name} ${acl.users.get(name)!.describe()}`, true);
  }
  rs.rewritten.add('user');
}

/** Replaces the file atomically: a temporary file, fsync, rename (rewriteConfigOverwriteFile). */
function overwriteFile(path: string, content: string): void {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2, 8)}`;
  try {
    writeFileSync(tmp, content, { encoding: 'latin1', mode: 0o644 });
    const fd = openSync(tmp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created
    }
    throw e;
  }
}

const CONFIG_HELP: Reply[] = [
  'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
  'HELP',
  '    Print this help.',
].map((s) => new Status(s)); // addReplyHelp: status lines

/** A table entry with Redis's command tips (COMMAND INFO/DOCS read them when present). */
type Spec = CommandSpec & { tips?: readonly string[] };
const spec = (s: Spec): CommandSpec => s;

const ADMIN = { flags: ['admin', 'noscript', 'loading', 'stale'], acl: ['admin', 'slow', 'dangerous'] } as const;
const ALL_NODES = ['request_policy:all_nodes', 'response_policy:all_succeeded'];

defineCommands({
  name: 'config',
  arity: -2,
  flags: [],
  acl: ['slow'],
  group: 'server',
  summary: 'A container for server configuration commands.',
  complexity: 'Depends on subcommand.',
  since: '2.0.0',
  subcommands: [
    {
      name: 'get',
      arity: -3,
      ...ADMIN,
      group: 'server',
      summary: 'Returns the effective values of configuration parameters.',
      complexity: 'O(N) when N is the number of configuration parameters provided',
      since: '2.0.0',
      handler: (ctx) => configGet((ctx.session as Client).server, ctx.argv.slice(2)),
    },
    {
      name: 'set',
      arity: -4,
      ...ADMIN,
      group: 'server',
      summary: 'Sets configuration parameters in-flight.',
      complexity: 'O(N) when N is the number of configuration parameters provided',
      since: '2.0.0',
      tips: ALL_NODES,
      handler(ctx) {
        const client = ctx.session as Client;
        return configSet(client.server, client, ctx.argv);
      },
    },
    {
      name: 'resetstat',
      arity: 2,
      ...ADMIN,
      group: 'server',
      summary: "Resets the server's statistics.",
      complexity: 'O(1)',
      since: '2.0.0',
      tips: ALL_NODES,
      handler(ctx) {
        resetStats((ctx.session as Client).server);
        return OK;
      },
    },
    {
      name: 'rewrite',
      arity: 2,
      ...ADMIN,
      group: 'server',
      summary: 'Persists the effective configuration to file.',
      complexity: 'O(1)',
      since: '2.8.0',
      tips: ALL_NODES,
      handler(ctx) {
        const server = (ctx.session as Client).server;
        const path = server.settings.configFile;
        if (path === null) return err('ERR The server is running without a config file');
        try {
          rewriteConfig(server, path);
        } catch (e) {
          const reason = strerror(e);
          server.log('warning', `CONFIG REWRITE failed: ${reason}`);
          return err(`ERR Rewriting config file: ${reason}`);
        }
        server.log('notice', 'CONFIG REWRITE executed with success.');
        return OK;
      },
    },
    {
      name: 'help',
      arity: 2,
      flags: ['loading', 'stale'],
      acl: ['slow'],
      group: 'server',
      summary: 'Returns helpful text about the different subcommands.',
      complexity: 'O(1)',
      since: '5.0.0',
      handler: () => CONFIG_HELP,
    },
  ],
});

function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return (
    { ENOENT: 'No such file or directory', EACCES: 'Permission denied', EROFS: 'Read-only file system', ENOSPC: 'No space left on device' }[
      code ?? ''
    ] ?? (e as Error).message
  );
}
