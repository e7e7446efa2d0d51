/**
 * Redis 7's key specifications, interpreted (db.c getKeysFromCommandWithSpecs and friends): which
 * arguments of an argv are keys, and how the command uses each (CMD_KEY_* flags). ACL key checks,
 * COMMAND GETKEYS[ANDFLAGS] and COMMAND INFO read them. Commands are declared with their specs in
 * the family files (`keySpecs` in the table, values from Redis 7.2's src/commands/*.json);
 * commands declared without specs fall back to the table's legacy positions, with no flags, as
 * Redis's getKeysUsingLegacyRangeSpec does.
 */
import { MapReply, SetReply, Status, type Reply } from '../reply.ts';
import { keyIndexes, type Command, type KeySpecDef, type KeySpecFlag } from './table.ts';

/** CMD_KEY_* bits, as server.h numbers them (so flag sets compare like Redis's). */
export const KEY_RO = 1 << 0;
export const KEY_RW = 1 << 1;
export const KEY_OW = 1 << 2;
export const KEY_RM = 1 << 3;
export const KEY_ACCESS = 1 << 4;
export const KEY_UPDATE = 1 << 5;
export const KEY_INSERT = 1 << 6;
export const KEY_DELETE = 1 << 7;
export const KEY_NOT_KEY = 1 << 8;
export const KEY_INCOMPLETE = 1 << 9;
export const KEY_VARIABLE_FLAGS = 1 << 10;

const FLAG_BITS: Record<KeySpecFlag, number> = {
  RO: KEY_RO,
  RW: KEY_RW,
  OW: KEY_OW,
  RM: KEY_RM,
  ACCESS: KEY_ACCESS,
  UPDATE: KEY_UPDATE,
  INSERT: KEY_INSERT,
  DELETE: KEY_DELETE,
  NOT_KEY: KEY_NOT_KEY,
  INCOMPLETE: KEY_INCOMPLETE,
  VARIABLE_FLAGS: KEY_VARIABLE_FLAGS,
};

/** Flag names as COMMAND INFO / GETKEYSANDFLAGS spell them, in addReplyFlagsForKeyArgs order. */
const FLAG_NAMES: readonly (readonly [number, string])[] = [
  [KEY_RO, 'RO'],
  [KEY_RW, 'RW'],
  [KEY_OW, 'OW'],
  [KEY_RM, 'RM'],
  [KEY_ACCESS, 'access'],
  [KEY_UPDATE, 'update'],
  [KEY_INSERT, 'insert'],
  [KEY_DELETE, 'delete'],
  [KEY_NOT_KEY, 'not_key'],
  [KEY_INCOMPLETE, 'incomplete'],
  [KEY_VARIABLE_FLAGS, 'variable_flags'],
];

/** A key argument: its argv index and the CMD_KEY_* flags of the spec that found it (0: unknown). */
export interface KeyReference {
  pos: number;
  flags: number;
}

const BS_UNKNOWN = 0;
const BS_INDEX = 1;
const BS_KEYWORD = 2;
const FK_UNKNOWN = 0;
const FK_RANGE = 1;
const FK_KEYNUM = 2;

/** A spec compiled once per command: numbers only, so the ACL check reads no strings. */
interface Compiled {
  flags: number;
  bs: number;
  /** BS_INDEX: pos; BS_KEYWORD: startfrom. */
  bsArg: number;
  keyword: string;
  fk: number;
  /** FK_RANGE: lastkey, keystep, limit; FK_KEYNUM: keynumidx, firstkey, keystep. */
  a: number;
  b: number;
  c: number;
}

interface CompiledCommand {
  specs: Compiled[];
  /** Union of the flags of the specs that are keys (getAllKeySpecsFlags(cmd, 1) inverted). */
  hasKeySpec: boolean;
  hasVariableFlags: boolean;
}

const compiled = new WeakMap<Command, CompiledCommand | null>();

/**
 * The only key specs not written as KeySpecDef are shard-channel specs some server modules still
 * give as ready COMMAND INFO replies; all of those are NOT_KEY specs, and count as such here.
 */
function isDef(s: unknown): s is KeySpecDef {
  return typeof s === 'object' && s !== null && Array.isArray((s as KeySpecDef).flags);
}

export function keySpecFlagBits(flags: readonly KeySpecFlag[]): number {
  let bits = 0;
  for (const f of flags) bits |= FLAG_BITS[f];
  return bits;
}

function compile(cmd: Command): CompiledCommand | null {
  let c = compiled.get(cmd);
  if (c !== undefined) return c;
  const defs = cmd.keySpecs;
  if (defs === undefined) c = null;
  else {
    const specs: Compiled[] = [];
    for (const d of defs) {
      if (!isDef(d)) {
        specs.push({ flags: KEY_NOT_KEY, bs: BS_UNKNOWN, bsArg: 0, keyword: '', fk: FK_UNKNOWN, a: 0, b: 0, c: 0 });
        continue;
      }
      const s: Compiled = { flags: keySpecFlagBits(d.flags), bs: BS_UNKNOWN, bsArg: 0, keyword: '', fk: FK_UNKNOWN, a: 0, b: 0, c: 0 };
      if (d.index !== undefined) {
        s.bs = BS_INDEX;
        s.bsArg = d.index;
      } else if (d.keyword !== undefined) {
        s.bs = BS_KEYWORD;
        s.keyword = d.keyword.toLowerCase();
        s.bsArg = d.startfrom ?? 1;
      }
      const fk = d.range ?? d.keynum;
      if (fk !== undefined) {
        s.fk = d.range !== undefined ? FK_RANGE : FK_KEYNUM;
        [s.a, s.b, s.c] = fk;
      }
      specs.push(s);
    }
    c = {
      specs,
      hasKeySpec: specs.some((s) => (s.flags & KEY_NOT_KEY) === 0),
      hasVariableFlags: specs.some((s) => (s.flags & KEY_VARIABLE_FLAGS) !== 0),
    };
  }
  compiled.set(cmd, c);
  return c;
}

/** strcasecmp against a lowercase keyword. */
function eqKeyword(arg: string, lower: string): boolean {
  return arg.length === lower.length && (arg === lower || arg.toLowerCase() === lower);
}

/** string2ll: an int64 in canonical form (no sign on zero, no leading zeros), else NaN. */
function string2ll(s: string): number {
  return /^(?:0|-?[1-9][0-9]{0,18})$/.test(s) ? Number(s) : NaN;
}

/**
 * getKeysUsingKeySpecs: the keys the specs find, or null where Redis returns -1 (an unknown
 * begin_search/find_keys, an unparsable numkeys, bounds out of the argv, or an INCOMPLETE spec).
 */
function keysUsingSpecs(specs: readonly Compiled[], argv: readonly string[], arity: number, partial: boolean): KeyReference[] | null {
  const argc = argv.length;
  const out: KeyReference[] = [];
  for (const spec of specs) {
    if ((spec.flags & KEY_NOT_KEY) !== 0) continue;
    let first = 0;
    if (spec.bs === BS_INDEX) first = spec.bsArg;
    else if (spec.bs === BS_KEYWORD) {
      const startfrom = spec.bsArg;
      const start = startfrom > 0 ? startfrom : argc + startfrom;
      const end = startfrom > 0 ? argc - 1 : 1;
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (eqKeyword(argv[i]!, spec.keyword)) {
          first = i + 1;
          break;
        }
      }
      if (!first) continue;
    } else return null;

    let last: number;
    let step: number;
    if (spec.fk === FK_RANGE) {
      step = spec.b;
      if (spec.a >= 0) last = first + spec.a;
      else if (!spec.c) last = argc + spec.a;
      else last = first + (Math.trunc((argc - first) / spec.c) + spec.a);
    } else if (spec.fk === FK_KEYNUM) {
      step = spec.c;
      if (spec.a >= argc) return null;
      const numkeys = string2ll(argv[first + spec.a] ?? '');
      if (!(numkeys >= 0)) return null;
      first += spec.b;
      last = first + numkeys - 1;
    } else return null;

    if (last >= argc || last < first || first >= argc) {
      // GET_KEYSPEC_RETURN_PARTIAL: the keys of the other specs still count (PFMERGE dest).
      if (partial) continue;
      return null;
    }
    for (let i = first; i <= last; i += step) {
      // Variadic commands are not arity-checked up front: a short argv yields no key here.
      if (i >= argc || i < first) {
        if (arity < 0) continue;
        return null;
      }
      out.push({ pos: i, flags: spec.flags });
    }
    if ((spec.flags & KEY_INCOMPLETE) !== 0) return null;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The getkeys procs of commands whose specs are incomplete or have variable flags (db.c)

function setGetKeys(argv: readonly string[]): KeyReference[] {
  for (let i = 3; i < argv.length; i++) {
    if (eqKeyword(argv[i]!, 'get')) return [{ pos: 1, flags: KEY_RW | KEY_ACCESS | KEY_UPDATE }];
  }
  return [{ pos: 1, flags: KEY_OW | KEY_UPDATE }];
}

function bitfieldGetKeys(argv: readonly string[]): KeyReference[] {
  let readonly = true;
  for (let i = 2; i < argv.length; i++) {
    const remargs = argv.length - i - 1;
    const arg = argv[i]!;
    if (eqKeyword(arg, 'get') && remargs >= 2) i += 2;
    else if ((eqKeyword(arg, 'set') || eqKeyword(arg, 'incrby')) && remargs >= 3) {
      readonly = false;
      break;
    } else if (eqKeyword(arg, 'overflow') && remargs >= 1) i += 1;
    else {
      // A syntax error: safer to assume a write.
      readonly = false;
      break;
    }
  }
  return [{ pos: 1, flags: readonly ? KEY_RO | KEY_ACCESS : KEY_RW | KEY_ACCESS | KEY_UPDATE }];
}

function sortGetKeys(argv: readonly string[]): KeyReference[] {
  const out: KeyReference[] = [{ pos: 1, flags: KEY_RO | KEY_ACCESS }];
  let store = 0;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!;
    if (eqKeyword(a, 'limit')) i += 2;
    else if (eqKeyword(a, 'get') || eqKeyword(a, 'by')) i += 1;
    // The last STORE wins, as in SORT itself.
    else if (eqKeyword(a, 'store') && i + 1 < argv.length) store = i + 1;
  }
  if (store) out.push({ pos: store, flags: KEY_OW | KEY_UPDATE });
  return out;
}

function migrateGetKeys(argv: readonly string[]): KeyReference[] {
  let first = 3;
  let num = 1;
  if (argv.length > 6) {
    for (let i = 6; i < argv.length; i++) {
      const a = argv[i]!;
      if (eqKeyword(a, 'keys')) {
        if (argv[3]!.length > 0) num = 0; // a syntax error, left to MIGRATE to report
        else {
          first = i + 1;
          num = argv.length - first;
        }
        break;
      }
      if (eqKeyword(a, 'auth')) i += 1;
      else if (eqKeyword(a, 'auth2')) i += 2;
    }
  }
  const out: KeyReference[] = [];
  for (let i = 0; i < num; i++) out.push({ pos: first + i, flags: KEY_RW | KEY_ACCESS | KEY_DELETE });
  return out;
}

/** Commands whose getkeys proc Redis prefers to their specs (incomplete or variable flags). */
const GETKEYS_PROCS: Record<string, (argv: readonly string[]) => KeyReference[]> = {
  set: setGetKeys,
  bitfield: bitfieldGetKeys,
  sort: sortGetKeys,
  sort_ro: () => [{ pos: 1, flags: KEY_RO | KEY_ACCESS }],
  migrate: migrateGetKeys,
};

/** Legacy positions (the table's first/last/step or its key finder), with no flags. */
function legacyKeys(cmd: Command, argv: readonly string[]): KeyReference[] {
  let idx: number[];
  try {
    idx = keyIndexes(cmd, argv);
  } catch {
    return [];
  }
  const out: KeyReference[] = [];
  for (const pos of idx) if (pos > 0 && pos < argv.length) out.push({ pos, flags: 0 });
  return out;
}

/**
 * getKeysFromCommandWithSpecs: the key arguments of argv (argv[0] the command name, or the
 * container name for a subcommand) with the CMD_KEY_* flags of each. Key specs when they apply
 * and their flags are fixed; otherwise the command's getkeys proc (SET and BITFIELD decide their
 * flags from the arguments, SORT finds STORE, MIGRATE its KEYS; numkeys commands use the table's
 * key finder, with flags 0 as Redis's genericGetKeys). A command declared without specs gets its
 * legacy positions, with flags 0.
 */
export function getKeysWithFlags(cmd: Command, argv: readonly string[], partial = false): KeyReference[] {
  const c = compile(cmd);
  if (c === null) {
    const proc = GETKEYS_PROCS[cmd.fullName];
    return proc !== undefined ? proc(argv) : legacyKeys(cmd, argv);
  }
  if (c.hasKeySpec && !c.hasVariableFlags) {
    const keys = keysUsingSpecs(c.specs, argv, cmd.arity, partial);
    if (keys !== null) return keys;
  }
  const proc = GETKEYS_PROCS[cmd.fullName];
  if (proc !== undefined) return proc(argv);
  return cmd.keys !== undefined ? legacyKeys(cmd, argv) : [];
}

/** doesCommandHaveKeys: a getkeys proc, a key finder, or a spec that is not NOT_KEY. */
export function commandHasKeys(cmd: Command): boolean {
  const c = compile(cmd);
  if (c !== null) return c.hasKeySpec || cmd.keys !== undefined || GETKEYS_PROCS[cmd.fullName] !== undefined;
  return cmd.firstKey > 0 || cmd.keys !== undefined;
}

/** Whether the command declares Redis key specs (else its key flags are unknown). */
export function hasKeySpecs(cmd: Command): boolean {
  return compile(cmd) !== null;
}

/** CMD_KEY_* bits as the set of names COMMAND GETKEYSANDFLAGS and COMMAND INFO reply with. */
export function keyFlagsReply(flags: number): SetReply {
  const out: Reply[] = [];
  for (const [bit, name] of FLAG_NAMES) if ((flags & bit) !== 0) out.push(new Status(name));
  return new SetReply(out);
}

/**
 * A declared key spec as COMMAND INFO shows it (addReplyCommandKeySpecs): the table keeps each
 * spec as this MapReply carrying the declared fields too, so the spec and its reply are one
 * object, built once.
 */
export function keySpecReply(d: KeySpecDef): MapReply & KeySpecDef {
  const m: Reply[] = [];
  if (d.notes !== undefined) m.push('notes', d.notes);
  m.push('flags', keyFlagsReply(keySpecFlagBits(d.flags)));
  m.push('begin_search');
  if (d.index !== undefined) m.push(new MapReply(['type', 'index', 'spec', new MapReply(['index', d.index])]));
  else if (d.keyword !== undefined) {
    m.push(new MapReply(['type', 'keyword', 'spec', new MapReply(['keyword', d.keyword, 'startfrom', d.startfrom ?? 1])]));
  } else m.push(new MapReply(['type', 'unknown', 'spec', new MapReply([])]));
  m.push('find_keys');
  if (d.range !== undefined) {
    const [lastkey, keystep, limit] = d.range;
    m.push(new MapReply(['type', 'range', 'spec', new MapReply(['lastkey', lastkey, 'keystep', keystep, 'limit', limit])]));
  } else if (d.keynum !== undefined) {
    const [keynumidx, firstkey, keystep] = d.keynum;
    m.push(new MapReply(['type', 'keynum', 'spec', new MapReply(['keynumidx', keynumidx, 'firstkey', firstkey, 'keystep', keystep])]));
  } else m.push(new MapReply(['type', 'unknown', 'spec', new MapReply([])]));
  return Object.assign(new MapReply(m), d);
}

/**
 * COMMAND INFO's key specifications, or undefined for a command declared without specs (the
 * caller derives something from the legacy positions).
 */
export function keySpecsReply(cmd: Command): Reply[] | undefined {
  const defs = cmd.keySpecs;
  if (defs === undefined) return undefined;
  return defs.map((d) => (d instanceof MapReply ? d : isDef(d) ? keySpecReply(d) : (d as unknown as Reply)));
}

/** COMMAND INFO's legacy key positions and movablekeys flag, as Redis derives them from specs. */
export interface LegacyRange {
  firstKey: number;
  lastKey: number;
  step: number;
  movablekeys: boolean;
}

/**
 * populateCommandLegacyRangeSpec: the (first, last, step) triple COMMAND INFO shows, glued from
 * the index+range specs, and whether keys may sit elsewhere (movablekeys). Undefined for a
 * command declared without specs.
 */
export function legacyRange(cmd: Command): LegacyRange | undefined {
  const defs = cmd.keySpecs;
  if (defs === undefined || !defs.every(isDef)) return undefined;
  const out: LegacyRange = { firstKey: 0, lastKey: 0, step: 0, movablekeys: false };
  if (defs.length === 0) return out;
  const one = defs[0]!;
  if (defs.length === 1 && one.index !== undefined && one.range !== undefined) {
    out.firstKey = one.index;
    out.lastKey = one.range[0] >= 0 ? one.range[0] + one.index : one.range[0];
    out.step = one.range[1];
    out.movablekeys = one.flags.includes('INCOMPLETE');
    return out;
  }
  let first = Infinity;
  let last = 0;
  let prevLast = 0;
  // Redis compares lastkey as unsigned: a negative (counted from the end) one is the largest.
  const unsigned = (v: number) => (v < 0 ? 2 ** 32 + v : v);
  for (const d of defs) {
    if (d.index === undefined || d.range === undefined) {
      out.movablekeys = true;
      continue;
    }
    if (d.range[1] !== 1 || (prevLast && prevLast !== d.index - 1)) {
      out.movablekeys = true;
      continue;
    }
    if (d.flags.includes('INCOMPLETE')) out.movablekeys = true;
    first = Math.min(first, d.index);
    const abs = d.range[0] >= 0 ? d.range[0] + d.index : d.range[0];
    last = unsigned(abs) > unsigned(last) ? abs : last;
    prevLast = last;
  }
  if (first === Infinity) {
    out.movablekeys = true;
    return out;
  }
  out.firstKey = first;
  out.lastKey = last;
  out.step = 1;
  return out;
}
