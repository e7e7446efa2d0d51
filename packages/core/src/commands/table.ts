/**
 * The command table (DESIGN invariant 1): every command is declared once, with its handler beside
 * the declaration, like Redis's src/commands/*.json. Dispatch, arity errors, COMMAND INFO/DOCS/
 * GETKEYS, ACL categories, slot routing, READONLY rejection, MULTI validation and journaling all
 * read this table; nothing keeps a second list of command names.
 */
import type { Reply } from '../reply.ts';
import { unknownCommand, unknownSubcommand, wrongArity, type ErrorReply } from '../errors.ts';
import type { Ctx } from './context.ts';
import { keySpecReply, legacyRange } from './keyspecs.ts';

export type CommandFlag =
  | 'write'
  | 'readonly'
  | 'denyoom'
  | 'module'
  | 'admin'
  | 'pubsub'
  | 'noscript'
  | 'blocking'
  | 'loading'
  | 'stale'
  | 'skip_monitor'
  | 'skip_slowlog'
  | 'asking'
  | 'fast'
  | 'no_auth'
  | 'may_replicate'
  | 'no_mandatory_keys'
  | 'no_async_loading'
  | 'no_multi'
  | 'movablekeys'
  | 'allow_busy';

/**
 * Where a command's keys are, in Redis's legacy (first, last, step) form plus an exact finder.
 * A command that declares `keySpecs` gets the triple derived from them (as Redis's
 * populateCommandLegacyRangeSpec does) unless it gives one.
 */
export interface KeySpec {
  /** Index of the first key argument; 0 when the command takes no keys. */
  firstKey: number;
  /** Index of the last key; -1 means the last argument, -2 the one before it. */
  lastKey: number;
  step: number;
  /** For commands whose keys move (numkeys, STORE options): the exact key indexes of an argv. */
  keys?: (argv: readonly string[]) => number[];
}

/** Redis's key spec flags (CMD_KEY_*), as spelled in src/commands/*.json. */
export type KeySpecFlag =
  | 'RO'
  | 'RW'
  | 'OW'
  | 'RM'
  | 'ACCESS'
  | 'UPDATE'
  | 'INSERT'
  | 'DELETE'
  | 'NOT_KEY'
  | 'INCOMPLETE'
  | 'VARIABLE_FLAGS';

/**
 * One of Redis 7's key specifications (src/commands/*.json "key_specs"): how to find a group of
 * keys in an argv and how the command uses them. begin_search is `index` (a fixed position) or
 * `keyword` + `startfrom`; neither means unknown. find_keys is `range` [lastkey, keystep, limit]
 * or `keynum` [keynumidx, firstkey, keystep]; neither means unknown. Interpreted by keyspecs.ts.
 */
export interface KeySpecDef {
  flags: readonly KeySpecFlag[];
  notes?: string;
  index?: number;
  keyword?: string;
  startfrom?: number;
  range?: readonly [lastkey: number, keystep: number, limit: number];
  keynum?: readonly [keynumidx: number, firstkey: number, keystep: number];
}

export interface CommandSpec extends Partial<KeySpec> {
  /** Lowercase name; a subcommand is given as its own name, e.g. 'encoding' under 'object'. */
  name: string;
  /** Redis arity: n means exactly n arguments (name included), -n at least n. */
  arity: number;
  flags: readonly CommandFlag[];
  /** ACL categories without '@' (e.g. 'read', 'string', 'fast'). */
  acl: readonly string[];
  /** Command group for COMMAND DOCS: 'string', 'hash', 'list', 'set', 'sorted-set', 'generic', ... */
  group: string;
  summary?: string;
  complexity?: string;
  since?: string;
  /** Redis's key specs, in its order (COMMAND INFO, COMMAND GETKEYSANDFLAGS, ACL key checks). */
  keySpecs?: readonly KeySpecDef[];
  /**
   * Redis's command tips, lowercase (COMMAND INFO/DOCS). `request_policy:*` and `response_policy:*`
   * also route the command over shards (engine/router.ts), as they tell cluster clients to.
   */
  tips?: readonly string[];
  handler?: (ctx: Ctx) => Reply;
  subcommands?: CommandSpec[];
  /** COMMAND DOCS: history entries [version, what changed]. */
  history?: readonly (readonly [string, string])[];
  /** COMMAND DOCS doc_flags (deprecated, syscmd). */
  docFlags?: readonly string[];
  deprecatedSince?: string;
  replacedBy?: string;
  /** COMMAND DOCS arguments, as their reply. */
  arguments?: readonly Reply[];
}

export interface Command extends Omit<CommandSpec, 'firstKey' | 'lastKey' | 'step'>, KeySpec {
  /** name, or parent|name for a subcommand. */
  fullName: string;
  /**
   * The entry's number, dense from 0 in declaration order (Redis's cmd->id): per-command state
   * kept elsewhere (a server's commandstats) is an array indexed by it, not a map.
   */
  readonly id: number;
  write: boolean;
  readonly: boolean;
  denyoom: boolean;
  parent?: Command;
  sub?: Map<string, Command>;
}

/** Every field a CommandSpec may hold: a spec with another would get a shape of its own. */
const SPEC_FIELDS = new Set([
  'name', 'arity', 'flags', 'acl', 'group', 'summary', 'complexity', 'since', 'keySpecs', 'tips', 'handler', 'subcommands',
  'history', 'docFlags', 'deprecatedSince', 'replacedBy', 'arguments', 'firstKey', 'lastKey', 'step', 'keys',
]);

/** The next table entry's id (Command.id). */
let nextId = 0;

/**
 * A table entry. A class, every field set in one order, so that all commands share one hidden
 * class: the dispatch path reads cmd.arity, cmd.sub, cmd.handler, cmd.write ... of whichever
 * command runs, and objects spread from specs of different shapes (the specs' optional fields
 * and their order vary) made those loads megamorphic as soon as a few commands had run.
 */
class TableEntry implements Command {
  name: string;
  arity: number;
  flags: readonly CommandFlag[];
  acl: readonly string[];
  group: string;
  summary: string | undefined;
  complexity: string | undefined;
  since: string | undefined;
  keySpecs: readonly KeySpecDef[] | undefined;
  tips: readonly string[] | undefined;
  handler: ((ctx: Ctx) => Reply) | undefined;
  subcommands: CommandSpec[] | undefined;
  history: readonly (readonly [string, string])[] | undefined;
  docFlags: readonly string[] | undefined;
  deprecatedSince: string | undefined;
  replacedBy: string | undefined;
  arguments: readonly Reply[] | undefined;
  firstKey: number;
  lastKey: number;
  step: number;
  keys: ((argv: readonly string[]) => number[]) | undefined;
  fullName: string;
  write: boolean;
  readonly: boolean;
  denyoom: boolean;
  parent: Command | undefined;
  sub: Map<string, Command> | undefined = undefined;
  readonly id = nextId++;

  constructor(spec: CommandSpec, parent: Command | undefined) {
    for (const k of Object.keys(spec)) {
      if (!SPEC_FIELDS.has(k)) throw new Error(`command ${spec.name}: unknown spec field ${k}`);
    }
    this.name = spec.name;
    this.arity = spec.arity;
    this.flags = spec.flags;
    this.acl = spec.acl;
    this.group = spec.group;
    this.summary = spec.summary;
    this.complexity = spec.complexity;
    this.since = spec.since;
    // Each declared spec becomes its COMMAND INFO reply too (specs given as replies stay as given).
    this.keySpecs = spec.keySpecs?.map((d) => (Array.isArray(d.flags) ? keySpecReply(d) : d));
    this.tips = spec.tips;
    this.handler = spec.handler;
    this.subcommands = spec.subcommands;
    this.history = spec.history;
    this.docFlags = spec.docFlags;
    this.deprecatedSince = spec.deprecatedSince;
    this.replacedBy = spec.replacedBy;
    this.arguments = spec.arguments;
    this.firstKey = spec.firstKey ?? 0;
    this.lastKey = spec.lastKey ?? 0;
    this.step = spec.step ?? 0;
    this.keys = spec.keys;
    this.fullName = parent ? `${parent.name}|${spec.name}` : spec.name;
    this.write = spec.flags.includes('write');
    this.readonly = spec.flags.includes('readonly');
    this.denyoom = spec.flags.includes('denyoom');
    this.parent = parent;
  }
}

export const commands = new Map<string, Command>();

function build(spec: CommandSpec, parent?: Command): Command {
  const cmd = new TableEntry(spec, parent);
  // The legacy (first, last, step) triple follows from the specs, as Redis derives it.
  const r = spec.keySpecs && spec.firstKey === undefined ? legacyRange(cmd) : undefined;
  if (r !== undefined) {
    cmd.firstKey = r.firstKey;
    cmd.lastKey = r.lastKey;
    cmd.step = r.step;
  }
  if (spec.subcommands) {
    const sub = new Map<string, Command>();
    cmd.sub = sub;
    for (const s of spec.subcommands) sub.set(s.name, build(s, cmd));
  }
  return cmd;
}

/**
 * Dispatch's view of the registry: each name in lowercase and in uppercase (clients send
 * either), so the common spellings resolve without lowercasing the name first.
 */
const byName = new Map<string, Command>();

/** Declares commands. Each family module calls this at load time. */
export function defineCommands(...specs: CommandSpec[]): void {
  for (const spec of specs) {
    if (commands.has(spec.name)) throw new Error(`command ${spec.name} declared twice`);
    const cmd = build(spec);
    commands.set(spec.name, cmd);
    byName.set(spec.name, cmd);
    byName.set(spec.name.toUpperCase(), cmd);
  }
}

/** The command named by argv[0], in any letter case. */
export function lookupCommand(name: string): Command | undefined {
  return byName.get(name) ?? (name.length <= 32 ? byName.get(name.toLowerCase()) : undefined);
}

/**
 * The error processCommand answers before running argv (unknown command or subcommand, wrong
 * arity), or null: runnableCommand's refusals with Redis's text, for callers that answer them
 * without running the command (Shard.execute checks the same inline, on the hot path).
 */
export function commandRejection(argv: readonly string[]): ErrorReply | null {
  let cmd = lookupCommand(argv[0]!);
  if (cmd === undefined) return unknownCommand(argv);
  if (cmd.sub) {
    if (argv.length < 2) return wrongArity(cmd.name);
    const sub = cmd.sub.get(argv[1]!.toLowerCase());
    if (sub === undefined) return unknownSubcommand(cmd.name, argv[1]!);
    cmd = sub;
  }
  const n = argv.length;
  return (cmd.arity > 0 ? n === cmd.arity : n >= -cmd.arity) ? null : wrongArity(cmd.fullName);
}

/**
 * The (sub)command an argv would run: undefined when processCommand would refuse it first
 * (unknown command or subcommand, wrong arity). Guards that only judge runnable commands use it.
 */
export function runnableCommand(argv: readonly string[]): Command | undefined {
  let cmd = lookupCommand(argv[0]!);
  if (cmd === undefined) return undefined;
  if (cmd.sub) {
    if (argv.length < 2) return undefined;
    cmd = cmd.sub.get(argv[1]!.toLowerCase());
    if (cmd === undefined) return undefined;
  }
  const n = argv.length;
  return (cmd.arity > 0 ? n === cmd.arity : n >= -cmd.arity) ? cmd : undefined;
}

/** Key argument indexes of an argv for a command (COMMAND GETKEYS, slot routing, ACL key checks). */
export function keyIndexes(cmd: Command, argv: readonly string[]): number[] {
  if (cmd.keys) return cmd.keys(argv);
  if (cmd.firstKey <= 0) return [];
  const last = cmd.lastKey < 0 ? argv.length + cmd.lastKey : cmd.lastKey;
  const out: number[] = [];
  for (let i = cmd.firstKey; i <= last && i < argv.length; i += cmd.step || 1) out.push(i);
  return out;
}

