/**
 * The ACL model, after Redis 7.2's acl.c: users with their flags, password hashes and selectors
 * (command permissions, key patterns with %R/%W access, channel patterns), the ACL log, the
 * permission check every command goes through, and the ACL file format. The commands over it
 * (AUTH, HELLO, ACL ...) and the guard that runs the checks are in ./commands/acl.ts.
 *
 * Passwords are kept only as SHA-256 hex digests, as in Redis; a cleartext password never
 * outlives the command that carried it.
 *
 * Each client has an ACL state (its user, whether it authenticated), kept here rather than in
 * the Client so that AUTH, RESET and user deletion change it in one place; `client.user`
 * mirrors the user's name for CLIENT LIST and friends.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { commands, type Command } from '@memorykv/core';
// Not exported by @memorykv/core's index (yet): the command lookup dispatch uses and the glob matcher.
import { lookupCommand } from '../../core/src/commands/table.ts';
import { KEY_ACCESS, KEY_DELETE, KEY_INSERT, KEY_UPDATE, getKeysWithFlags, hasKeySpecs } from '../../core/src/commands/keyspecs.ts';
import { globMatch } from '../../core/src/glob.ts';
import { splitArgs } from './resp/parser.ts';
import type { Client } from './client.ts';
import type { MemorykvServer } from './server.ts';

/** Redis's ACL categories, in ACLCommandCategories order (ACL CAT lists them so). */
export const ACL_CATEGORIES = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog',
  'geo', 'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection',
  'transaction', 'scripting',
] as const;

/** Key pattern permissions (ACL_READ_PERMISSION / ACL_WRITE_PERMISSION). */
const PERM_READ = 1;
const PERM_WRITE = 2;
const PERM_ALL = 3;

/** Results of a permission check, ordered as Redis's ACL_DENIED_* (the highest is reported). */
export const ACL_OK = 0;
export const ACL_DENIED_CMD = 1;
export const ACL_DENIED_KEY = 2;
export const ACL_DENIED_AUTH = 3;
export const ACL_DENIED_CHANNEL = 4;

/** Why ACLSetUser refused an operation (Redis sets errno), and the text ACL SETUSER shows. */
export type AclOpError = 'ENOENT' | 'EINVAL' | 'EEXIST' | 'EISDIR' | 'ENODEV' | 'EBADMSG' | 'EALREADY' | 'ECHILD';

const OP_ERRORS: Record<AclOpError, string> = {
  ENOENT: 'Unknown command or category name in ACL',
  EINVAL: 'Syntax error',
  EEXIST:
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. " +
    "Try 'resetkeys' to start with an empty list of patterns",
  EISDIR:
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. " +
    "Try 'resetchannels' to start with an empty list of channels",
  ENODEV: 'The password you are trying to remove from the user does not exist',
  EBADMSG: 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters',
  EALREADY: 'Duplicate user found. A user can only be defined once in config files',
  ECHILD: 'Allowing first-arg of a subcommand is not supported',
};

export function aclOpErrorText(e: AclOpError): string {
  return OP_ERRORS[e];
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/** SHA-256 of a binary string (its bytes), as 64 lowercase hex digits (ACLHashPassword). */
export function hashPassword(password: string): string {
  return createHash('sha256').update(Buffer.from(password, 'latin1')).digest('hex');
}

/** ACLCheckPasswordHash: exactly 64 characters of [0-9a-f]. */
function isPasswordHash(h: string): boolean {
  return /^[0-9a-f]{64}$/.test(h);
}

/** ACLStringHasSpaces: C isspace() characters or NUL. */
export function hasSpaces(s: string): boolean {
  return /[ \t\n\v\f\r\0]/.test(s);
}

/** The string as C's strcasecmp sees it: up to the first NUL, ASCII letters folded. */
function cword(s: string): string {
  const nul = s.indexOf('\0');
  return (nul < 0 ? s : s.slice(0, nul)).toLowerCase();
}

function eqNoCase(a: string, b: string): boolean {
  return a.length === b.length && cword(a) === cword(b);
}

/** sdssplitargs (quotes and escapes) of a string, or null for unbalanced quotes. */
function splitRules(s: string): string[] | null {
  const nul = s.indexOf('\0');
  const b = Buffer.from(nul < 0 ? s : s.slice(0, nul), 'latin1');
  return splitArgs(b, 0, b.length);
}

/** Every command of the table with its subcommands (Redis's command ids). */
function allCommands(): Command[] {
  const out: Command[] = [];
  for (const cmd of commands.values()) {
    out.push(cmd);
    if (cmd.sub) for (const s of cmd.sub.values()) out.push(s);
  }
  return out;
}

/**
 * ACLLookupCommand: "name" or "container|sub", any letter case; exactly one level of
 * subcommands; a '|' after a command without subcommands finds nothing.
 */
export function lookupAclCommand(name: string): Command | undefined {
  const parts = name.split('|');
  if (name.length === 0 || parts.length > 2) return undefined;
  const base = lookupCommand(parts[0]!);
  if (base === undefined) return undefined;
  if (parts.length === 1) return base;
  if (!base.sub) return undefined;
  return base.sub.get(cword(parts[1]!));
}

function categoryOf(name: string): string | undefined {
  const c = cword(name);
  return (ACL_CATEGORIES as readonly string[]).includes(c) ? c : undefined;
}

// ---------------------------------------------------------------------------------------------
// Selectors and users

export interface KeyPattern {
  pattern: string;
  perm: number;
}

/**
 * A selector (aclSelector): allowed commands (Redis's command bitmap as a set of table
 * entries, subcommands included), first-args allowed for otherwise denied commands, key and
 * channel patterns, and the ordered command rules that ACL LIST prints back.
 */
export class Selector {
  allkeys = false;
  allchannels = false;
  /** Every command is allowed (cleared as soon as one command is denied). */
  allcommands = false;
  /** Redis's reserved bit: set by +@all, so the rules print as "+@all ..." rather than "-@all ...". */
  future = false;
  allowed = new Set<Command>();
  firstArgs: Map<Command, string[]> | null = null;
  patterns: KeyPattern[] = [];
  channels: string[] = [];
  /** Redis's command_rules: "+get", "-@string", "+select|0" ... in the order they were given. */
  rules: string[] = [];

  constructor(
    readonly root: boolean,
    allchannels: boolean,
  ) {
    this.allchannels = allchannels;
  }

  clone(): Selector {
    const s = new Selector(this.root, this.allchannels);
    s.allkeys = this.allkeys;
    s.allcommands = this.allcommands;
    s.future = this.future;
    s.allowed = new Set(this.allowed);
    if (this.firstArgs) s.firstArgs = new Map([...this.firstArgs].map(([k, v]) => [k, [...v]]));
    s.patterns = this.patterns.map((p) => ({ ...p }));
    s.channels = [...this.channels];
    s.rules = [...this.rules];
    return s;
  }

  private setBit(cmd: Command, allow: boolean): void {
    if (allow) this.allowed.add(cmd);
    else {
      this.allowed.delete(cmd);
      this.allcommands = false;
    }
  }

  /** ACLChangeSelectorPerm: a command and all its subcommands. */
  private changePerm(cmd: Command, allow: boolean): void {
    this.setBit(cmd, allow);
    this.firstArgs?.delete(cmd);
    if (cmd.sub) for (const s of cmd.sub.values()) this.setBit(s, allow);
  }

  /** ACLUpdateCommandRules: drop the rule (and its subcommand rules), then append it. */
  private updateRules(rule: string, allow: boolean): void {
    const r = cword(rule);
    this.rules = this.rules.filter((x) => {
      const body = x.slice(1);
      return !(body === r || (body.length > r.length && body.startsWith(r) && body[r.length] === '|'));
    });
    this.rules.push((allow ? '+' : '-') + r);
  }

  /** ACLSetSelector: applies one rule; returns why it is invalid, or null. */
  apply(op: string): AclOpError | null {
    const w = cword(op);
    if (w === 'allkeys' || w === '~*') {
      this.allkeys = true;
      this.patterns = [];
    } else if (w === 'resetkeys') {
      this.allkeys = false;
      this.patterns = [];
    } else if (w === 'allchannels' || w === '&*') {
      this.allchannels = true;
      this.channels = [];
    } else if (w === 'resetchannels') {
      this.allchannels = false;
      this.channels = [];
    } else if (w === 'allcommands' || w === '+@all') {
      this.allowed = new Set(allCommands());
      this.allcommands = true;
      this.future = true;
      this.rules = [];
      this.firstArgs = null;
    } else if (w === 'nocommands' || w === '-@all') {
      this.allowed = new Set();
      this.allcommands = false;
      this.future = false;
      this.rules = [];
      this.firstArgs = null;
    } else if (op[0] === '~' || op[0] === '%') {
      if (this.allkeys) return 'EEXIST';
      let perm = 0;
      let offset = 1;
      if (op[0] === '%') {
        for (; offset < op.length; offset++) {
          const c = op[offset]!;
          if ((c === 'R' || c === 'r') && !(perm & PERM_READ)) perm |= PERM_READ;
          else if ((c === 'W' || c === 'w') && !(perm & PERM_WRITE)) perm |= PERM_WRITE;
          else if (c === '~') {
            offset++;
            break;
          } else return 'EINVAL';
        }
        // A '%' rule must name at least one permission ("%~x" is refused by redis-server).
        if (perm === 0) return 'EINVAL';
      } else perm = PERM_ALL;
      const pattern = op.slice(offset);
      if (hasSpaces(pattern)) return 'EINVAL';
      const existing = this.patterns.find((p) => p.pattern === pattern);
      if (existing) existing.perm |= perm;
      else this.patterns.push({ pattern, perm });
      this.allkeys = false;
    } else if (op[0] === '&') {
      if (this.allchannels) return 'EISDIR';
      const ch = op.slice(1);
      if (hasSpaces(ch)) return 'EINVAL';
      if (!this.channels.includes(ch)) this.channels.push(ch);
      this.allchannels = false;
    } else if (op[0] === '+' && op[1] !== '@') {
      const body = op.slice(1);
      const bar = body.lastIndexOf('|');
      if (bar < 0) {
        const cmd = lookupAclCommand(body);
        if (cmd === undefined) return 'ENOENT';
        this.changePerm(cmd, true);
        this.updateRules(cmd.fullName, true);
      } else {
        let cmd = lookupAclCommand(body.slice(0, bar));
        if (cmd === undefined) return 'ENOENT';
        if (cmd.parent) return 'ECHILD';
        const sub = body.slice(bar + 1);
        if (sub.length === 0 || sub[0] === '\0') return 'EINVAL';
        if (cmd.sub) {
          cmd = lookupAclCommand(body);
          if (cmd === undefined) return 'ENOENT';
          this.changePerm(cmd, true);
        } else {
          // "+select|0": the command stays denied except with this first argument (deprecated in Redis).
          this.firstArgs ??= new Map();
          let list = this.firstArgs.get(cmd);
          if (!list) this.firstArgs.set(cmd, (list = []));
          if (!list.some((a) => eqNoCase(a, sub))) list.push(sub);
        }
        this.updateRules(body, true);
      }
    } else if (op[0] === '-' && op[1] !== '@') {
      const cmd = lookupAclCommand(op.slice(1));
      if (cmd === undefined) return 'ENOENT';
      this.changePerm(cmd, false);
      this.updateRules(cmd.fullName, false);
    } else if ((op[0] === '+' || op[0] === '-') && op[1] === '@') {
      const cat = categoryOf(op.slice(2));
      if (cat === undefined) return 'ENOENT';
      const allow = op[0] === '+';
      this.updateRules(op.slice(1), allow);
      for (const cmd of commands.values()) {
        if (cmd.acl.includes(cat)) this.changePerm(cmd, allow);
        if (cmd.sub) for (const s of cmd.sub.values()) if (s.acl.includes(cat)) this.changePerm(s, allow);
      }
    } else {
      return 'EINVAL';
    }
    return null;
  }

  /** ACLDescribeSelectorCommandRules. */
  describeCommands(): string {
    const base = this.future ? '+@all' : '-@all';
    return this.rules.length === 0 ? base : `${base} ${this.rules.join(' ')}`;
  }

  describeKeys(): string {
    if (this.allkeys) return '~*';
    return this.patterns.map(patternString).join(' ');
  }

  describeChannels(): string {
    if (this.allchannels) return '&*';
    return this.channels.map((c) => '&' + c).join(' ');
  }

  /** ACLDescribeSelector: keys, channels, commands, as ACL LIST prints a selector. */
  describe(): string {
    let res = '';
    if (this.allkeys) res += '~* ';
    else for (const p of this.patterns) res += patternString(p) + ' ';
    if (this.allchannels) res += '&* ';
    else {
      res += 'resetchannels ';
      for (const c of this.channels) res += '&' + c + ' ';
    }
    return res + this.describeCommands();
  }

  /** True when nothing this selector could be asked is denied (the guard's fast path). */
  get unrestricted(): boolean {
    return this.allcommands && this.allkeys && this.allchannels;
  }
}

function patternString(p: KeyPattern): string {
  return (p.perm === PERM_ALL ? '~' : p.perm === PERM_READ ? '%R~' : '%W~') + p.pattern;
}

export class User {
  enabled = false;
  nopass = false;
  skipSanitizePayload = false;
  /** SHA-256 hex digests. */
  passwords: string[] = [];
  /** The root selector first, then the "(...)" selectors. */
  selectors: Selector[];

  constructor(
    readonly name: string,
    pubsubAllChannels: boolean,
  ) {
    this.selectors = [new Selector(true, pubsubAllChannels)];
  }

  get root(): Selector {
    return this.selectors[0]!;
  }

  /** ACLCopyUser: every rule of `src`, keeping this user's name (and identity). */
  copyFrom(src: User): void {
    this.enabled = src.enabled;
    this.nopass = src.nopass;
    this.skipSanitizePayload = src.skipSanitizePayload;
    this.passwords = [...src.passwords];
    this.selectors = src.selectors.map((s) => s.clone());
  }

  /** ACLUserFlags in their printed order. */
  flagNames(): string[] {
    const f = [this.enabled ? 'on' : 'off'];
    if (this.nopass) f.push('nopass');
    f.push(this.skipSanitizePayload ? 'skip-sanitize-payload' : 'sanitize-payload');
    return f;
  }

  /** ACLDescribeUser: the rules after "user <name> " in ACL LIST and ACL files. */
  describe(): string {
    let res = this.flagNames().join(' ') + ' ';
    for (const p of this.passwords) res += '#' + p + ' ';
    for (const s of this.selectors) res += s.root ? s.describe() : ` (${s.describe()})`;
    return res;
  }

  /** Whether no command, key or channel can be denied to this user. */
  get unrestricted(): boolean {
    return this.root.unrestricted;
  }
}

/**
 * ACLMergeSelectorArguments: a selector may be spread over several arguments ("(~x" "+get)").
 * Returns the merged rules, or the index of an unmatched '(' argument.
 */
export function mergeSelectorArgs(args: string[]): string[] | { unmatched: number } {
  const out: string[] = [];
  let open = -1;
  let selector = '';
  for (let j = 0; j < args.length; j++) {
    const op = args[j]!;
    if (open === -1 && op[0] === '(' && op[op.length - 1] !== ')') {
      selector = op;
      open = j;
      continue;
    }
    if (open !== -1) {
      selector += ' ' + op;
      if (op.length > 0 && op[op.length - 1] === ')') {
        open = -1;
        out.push(selector);
      }
      continue;
    }
    out.push(op);
  }
  if (open !== -1) return { unmatched: open };
  return out;
}

// ---------------------------------------------------------------------------------------------
// The ACL state of a server

export type AclLogReason = 'command' | 'key' | 'channel' | 'auth';
export type AclLogContext = 'toplevel' | 'multi' | 'lua' | 'module';

export interface AclLogEntry {
  count: number;
  reason: AclLogReason;
  context: AclLogContext;
  object: string;
  username: string;
  /** Unix ms of the last update. */
  ctime: number;
  cinfo: string;
  entryId: number;
  created: number;
}

/** A client's ACL state: Redis's c->user and c->authenticated. */
export interface ClientAuth {
  user: User;
  authenticated: boolean;
}

/** Two log entries closer than this (ms) with the same reason, context, object and user merge. */
const ACL_LOG_GROUPING_MAX_TIME_DELTA = 60000;

export class Acl {
  /** Users by name. */
  users = new Map<string, User>();
  /** The default user: one object for the server's life (ACL LOAD copies into it). */
  readonly defaultUser: User;
  /** Newest first. */
  log: AclLogEntry[] = [];
  /** Redis's ACLLogEntryCount: ids of log entries, never reused (not even after ACL LOG RESET). */
  logEntryCount = 0;
  logMaxLen = 128;
  /** acl-pubsub-default: whether new users start with allchannels. */
  pubsubAllChannels = false;
  /** aclfile, as configured (relative paths are from the server's dir). */
  aclfile = '';
  /** INFO's acl_access_denied_* counters. */
  readonly stats = { auth: 0, cmd: 0, key: 0, channel: 0 };
  /** ACL LOG's client-info line of a client running `cmd` (the connection module's, once installed). */
  /** The CLIENT LIST line of a client (ACL LOG's client-info); the connection module provides it. */
  clientInfo: (c: Client, cmd: string) => string = () => '';

  constructor(readonly server: MemorykvServer) {
    this.defaultUser = this.createDefaultUser();
    this.users.set('default', this.defaultUser);
  }

  /** ACLCreateDefaultUser: +@all ~* &* on nopass. */
  createDefaultUser(): User {
    const u = new User('default', this.pubsubAllChannels);
    for (const op of ['+@all', '~*', '&*', 'on', 'nopass']) setUserOp(this, u, op);
    return u;
  }

  newUser(name: string): User {
    return new User(name, this.pubsubAllChannels);
  }

  /** requirepass: the default user's only password, or nopass when empty. */
  setDefaultPassword(password: string): void {
    setUserOp(this, this.defaultUser, 'resetpass');
    setUserOp(this, this.defaultUser, password.length > 0 ? '>' + password : 'nopass');
  }

  // --- clients -------------------------------------------------------------------------------

  /** A client's state, created as clientSetDefaultAuth does on first sight. */
  clientAuth(client: Client): ClientAuth {
    let st = client.auth;
    if (st === undefined) st = this.setDefaultAuth(client);
    return st;
  }

  /** clientSetDefaultAuth: the default user, authenticated only if it needs no password. */
  setDefaultAuth(client: Client): ClientAuth {
    const d = this.defaultUser;
    const st: ClientAuth = { user: d, authenticated: d.nopass && d.enabled };
    client.auth = st;
    client.user = d.name;
    client.parser.authRequired = this.authRequired(st);
    return st;
  }

  /** authRequired(c): the default user needs a password (or is off) and this client never authenticated. */
  authRequired(st: ClientAuth): boolean {
    const d = this.defaultUser;
    return (!d.nopass || !d.enabled) && !st.authenticated;
  }

  /** ACLCheckUserCredentials: the user if name and password match an enabled user. */
  checkCredentials(username: string, password: string): User | null {
    const u = this.users.get(username);
    if (u === undefined || !u.enabled) return null;
    if (u.nopass) return u;
    const hashed = Buffer.from(hashPassword(password));
    let ok = false;
    // Compare against every hash, in constant time per hash (time_independent_strcmp).
    for (const p of u.passwords) if (timingSafeEqual(hashed, Buffer.from(p))) ok = true;
    return ok ? u : null;
  }

  /**
   * checkPasswordBasedAuth: on success the client is authenticated as the user; on failure an
   * 'auth' entry goes to the ACL log. Returns whether it succeeded.
   */
  authenticate(client: Client, username: string, password: string, cmdName: string, argv0: string, context: AclLogContext): boolean {
    const u = this.checkCredentials(username, password);
    const st = this.clientAuth(client);
    if (u === null) {
      this.addLogEntry(client, ACL_DENIED_AUTH, context, argv0, username, cmdName);
      return false;
    }
    st.user = u;
    st.authenticated = true;
    client.user = u.name;
    client.parser.authRequired = false;
    return true;
  }

  /**
   * ACLFreeUserAndKillClients: clients authenticated as `u` go back to the default user,
   * unauthenticated, and are closed — the one running the command after its reply.
   */
  killClientsOf(u: User, current: Client | null): void {
    for (const c of this.server.clients.values()) {
      const st = c.auth;
      if (st === undefined || st.user !== u) continue;
      st.user = this.defaultUser;
      st.authenticated = false;
      c.user = this.defaultUser.name;
      if (c === current) c.closeAfterReply = true;
      else c.close();
    }
  }

  /**
   * ACLKillPubsubClientsIfNeeded: when a user's channel permissions shrink, its subscribed
   * clients whose subscriptions the new rules no longer allow are disconnected.
   */
  killPubsubClientsIfNeeded(next: User, original: User, current: Client | null): void {
    let anySubscriber = false;
    for (const c of this.server.clients.values()) if (c.subscribed) anySubscriber = true;
    if (!anySubscriber) return;
    if (next.selectors.some((s) => s.allchannels)) return;
    const upcoming: string[] = [];
    for (const s of next.selectors) upcoming.push(...s.channels);
    let match = true;
    for (const s of original.selectors) {
      if (s.allchannels || !s.channels.every((ch) => upcoming.includes(ch))) {
        match = false;
        break;
      }
    }
    if (match) return;
    for (const c of [...this.server.clients.values()]) {
      const st = c.auth;
      if (st === undefined || st.user !== original || !c.subscribed) continue;
      let kill = false;
      for (const p of c.patterns) if (!upcoming.includes(p)) kill = true;
      if (!kill) for (const ch of c.channels) if (!upcoming.some((pat) => globMatch(pat, ch))) kill = true;
      if (!kill) for (const ch of c.shardChannels) if (!upcoming.some((pat) => globMatch(pat, ch))) kill = true;
      if (!kill) continue;
      if (c === current) c.closeAfterReply = true;
      else c.close();
    }
  }

  // --- ACL SETUSER ----------------------------------------------------------------------------

  /**
   * ACLStringSetUser: applies rules to a copy of the user (or a new one) and commits only if
   * they all apply. Returns the error text (without "ERR "), or null.
   */
  setUser(username: string, args: string[], current: Client | null): string | null {
    const merged = mergeSelectorArgs(args);
    if (!Array.isArray(merged)) return `Unmatched parenthesis in acl selector starting at '${args[merged.unmatched]}'.`;
    const existing = this.users.get(username);
    const temp = this.newUser(username);
    if (existing) temp.copyFrom(existing);
    for (const op of merged) {
      const e = setUserOp(this, temp, op);
      if (e !== null) return `Error in ACL SETUSER modifier '${op}': ${OP_ERRORS[e]}`;
    }
    if (existing) {
      this.killPubsubClientsIfNeeded(temp, existing, current);
      existing.copyFrom(temp);
    } else {
      this.users.set(username, temp);
    }
    return null;
  }

  /** ACL DELUSER of one user (not default); returns whether it existed. */
  deleteUser(name: string, current: Client | null): boolean {
    const u = this.users.get(name);
    if (u === undefined) return false;
    this.users.delete(name);
    this.killClientsOf(u, current);
    return true;
  }

  // --- permission checks ----------------------------------------------------------------------

  /**
   * ACLCheckAllUserCommandPerm: OK if any selector allows the command with these arguments;
   * otherwise the most relevant denial and the argument it concerns.
   */
  checkCommand(u: User, cmd: Command, argv: readonly string[]): { result: number; idx: number } {
    let relevant = ACL_DENIED_CMD;
    let lastIdx = 0;
    let keys: KeyRef[] | null = null;
    const pos = { idx: 0 };
    for (const s of u.selectors) {
      const r = selectorCheckCommand(s, cmd, argv, pos, () => (keys ??= commandKeys(cmd, argv)));
      if (r === ACL_OK) return { result: ACL_OK, idx: 0 };
      if (r > relevant || (r === relevant && pos.idx > lastIdx)) {
        relevant = r;
        lastIdx = pos.idx;
      }
    }
    return { result: relevant, idx: lastIdx };
  }

  // --- ACL LOG ----------------------------------------------------------------------------------

  /**
   * addACLLogEntry: a denied command, key, channel or authentication. A similar entry among
   * the 10 newest (same reason, context, object and user, within 60 s) is bumped instead.
   */
  addLogEntry(client: Client, reason: number, context: AclLogContext, object: string, username: string | null, cmdName: string): void {
    const r: AclLogReason =
      reason === ACL_DENIED_CMD ? 'command' : reason === ACL_DENIED_KEY ? 'key' : reason === ACL_DENIED_CHANNEL ? 'channel' : 'auth';
    if (r === 'auth') this.stats.auth++;
    else this.stats[r === 'command' ? 'cmd' : r]++;
    const now = Date.now();
    const name = username ?? this.clientAuth(client).user.name;
    const cinfo = this.clientInfo(client, cmdName);
    const n = Math.min(10, this.log.length);
    for (let i = 0; i < n; i++) {
      const e = this.log[i]!;
      if (e.reason === r && e.context === context && Math.abs(e.ctime - now) <= ACL_LOG_GROUPING_MAX_TIME_DELTA && e.object === object && e.username === name) {
        this.log.splice(i, 1);
        this.log.unshift(e);
        e.cinfo = cinfo;
        e.ctime = now;
        e.count++;
        return;
      }
    }
    this.log.unshift({ count: 1, reason: r, context, object, username: name, ctime: now, cinfo, entryId: this.logEntryCount++, created: now });
    if (this.log.length > this.logMaxLen) this.log.length = Math.max(0, this.logMaxLen);
  }

  // --- ACL files --------------------------------------------------------------------------------

  /** The aclfile path as opened: relative to the server's dir (Redis chdirs there). */
  aclfilePath(): string {
    return isAbsolute(this.aclfile) ? this.aclfile : join(this.server.settings.dir, this.aclfile);
  }

  /**
   * ACLLoadFromFile: every line validated into a fresh user set; if any line is wrong nothing
   * changes and the errors come back in one line. On success clients of every previous
   * non-default user are disconnected (their users were replaced). Returns the error or null.
   * Like Redis, it reads the (small) file synchronously, between two commands.
   */
  loadFile(current: Client | null): string | null {
    let text: string;
    try {
      text = readFileSync(this.aclfilePath()).toString('latin1');
    } catch (e) {
      return `Error loading ACLs, opening file '${this.aclfile}': ${strerror(e)}`;
    }
    const result = this.parseAclFile(text);
    if (typeof result === 'string') return result;
    this.applyLoadedUsers(result, current);
    return null;
  }

  private parseAclFile(text: string): Map<string, User> | string {
    const file = this.aclfile;
    const users = new Map<string, User>();
    let errors = '';
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const linenum = i + 1;
      const line = trimChars(lines[i]!, ' \t\r\n');
      if (line.length === 0) continue;
      // sdssplitlen on single spaces: two spaces make an empty rule, which does nothing.
      const argv = line.split(' ');
      if (argv[0] !== 'user' || argv.length < 2) {
        errors += `${file}:${linenum} should start with user keyword followed by the username. `;
        continue;
      }
      const name = argv[1]!;
      if (hasSpaces(name)) {
        errors += `'${file}:${linenum}: username '${name}' contains invalid characters. `;
        continue;
      }
      if (users.has(name)) {
        errors += `WARNING: Duplicate user '${name}' found on line ${linenum}. `;
        continue;
      }
      const u = this.newUser(name);
      users.set(name, u);
      const merged = mergeSelectorArgs(argv.slice(2));
      if (!Array.isArray(merged)) {
        errors += `${file}:${linenum}: Unmatched parenthesis in selector definition.`;
        continue;
      }
      let syntaxError = false;
      for (const raw of merged) {
        const op = trimChars(raw, '\t\r\n');
        const e = setUserOp(this, u, op);
        if (e === null) continue;
        if (e === 'ENOENT') errors += `${file}:${linenum}: Error in applying operation '${op}': ${OP_ERRORS[e]}. `;
        else if (!syntaxError) {
          errors += `${file}:${linenum}: ${OP_ERRORS[e]}. `;
          syntaxError = true;
        }
      }
    }
    if (errors.length > 0) return errors + 'WARNING: ACL errors detected, no change to the previously active ACL rules was performed';
    return users;
  }

  private applyLoadedUsers(users: Map<string, User>, current: Client | null): void {
    const newDefault = users.get('default') ?? this.createDefaultUser();
    this.defaultUser.copyFrom(newDefault);
    users.set('default', this.defaultUser);
    const old = this.users;
    this.users = users;
    for (const [name, u] of old) if (name !== 'default') this.killClientsOf(u, current);
  }

  /** The ACL file's text: one "user <name> <rules>" line per user, in name order. */
  serialize(): string {
    let out = '';
    for (const name of this.sortedNames()) out += `user ${name} ${this.users.get(name)!.describe()}\n`;
    return out;
  }

  /** ACLSaveToFile: written to a temporary file, synced, then renamed over the ACL file. */
  saveFile(): boolean {
    const path = this.aclfilePath();
    const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
    let fd = -1;
    try {
      fd = openSync(tmp, 'w', 0o644);
      writeSync(fd, Buffer.from(this.serialize(), 'latin1'));
      fsyncSync(fd);
      closeSync(fd);
      fd = -1;
      renameSync(tmp, path);
      return true;
    } catch (e) {
      this.server.log('warning', `Writing ACL file for ACL SAVE: ${strerror(e)}`);
      if (fd >= 0) closeSync(fd);
      try {
        unlinkSync(tmp);
      } catch {
        // never created
      }
      return false;
    }
  }

  /** User names in Redis's rax order (byte order). */
  sortedNames(): string[] {
    return [...this.users.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

function trimChars(s: string, chars: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && chars.includes(s[a]!)) a++;
  while (b > a && chars.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

/** strerror() text of a Node fs error. */
function strerror(e: unknown): string {
  const code = (e as { code?: string })?.code;
  switch (code) {
    case 'ENOENT':
      return 'No such file or directory';
    case 'EACCES':
      return 'Permission denied';
    case 'EISDIR':
      return 'Is a directory';
    case 'ENOTDIR':
      return 'Not a directory';
    case 'EROFS':
      return 'Read-only file system';
    case 'ENOSPC':
      return 'No space left on device';
    default:
      return (e as Error)?.message ?? String(e);
  }
}

/**
 * ACLSetUser: one rule applied to a user (flags, passwords, selectors, or a rule of the root
 * selector). Returns why it is invalid, or null.
 */
export function setUserOp(acl: Acl, u: User, op: string): AclOpError | null {
  if (op.length === 0) return null;
  const w = cword(op);
  if (w === 'on') u.enabled = true;
  else if (w === 'off') u.enabled = false;
  else if (w === 'skip-sanitize-payload') u.skipSanitizePayload = true;
  else if (w === 'sanitize-payload') u.skipSanitizePayload = false;
  else if (w === 'nopass') {
    u.nopass = true;
    u.passwords = [];
  } else if (w === 'resetpass') {
    u.nopass = false;
    u.passwords = [];
  } else if (op[0] === '>' || op[0] === '#') {
    let hash: string;
    if (op[0] === '>') hash = hashPassword(op.slice(1));
    else {
      hash = op.slice(1);
      if (!isPasswordHash(hash)) return 'EBADMSG';
    }
    if (!u.passwords.includes(hash)) u.passwords.push(hash);
    u.nopass = false;
  } else if (op[0] === '<' || op[0] === '!') {
    let hash: string;
    if (op[0] === '<') hash = hashPassword(op.slice(1));
    else {
      hash = op.slice(1);
      if (!isPasswordHash(hash)) return 'EBADMSG';
    }
    const i = u.passwords.indexOf(hash);
    if (i < 0) return 'ENODEV';
    u.passwords.splice(i, 1);
  } else if (op[0] === '(' && op[op.length - 1] === ')') {
    // aclCreateSelectorFromOpSet: unbalanced quotes inside leave an empty selector, as in Redis.
    const s = new Selector(false, acl.pubsubAllChannels);
    for (const inner of splitRules(op.slice(1, -1)) ?? []) {
      const e = s.apply(inner);
      if (e !== null) return e;
    }
    u.selectors.push(s);
  } else if (w === 'clearselectors') {
    u.selectors.length = 1;
  } else if (w === 'reset') {
    setUserOp(acl, u, 'resetpass');
    setUserOp(acl, u, 'resetkeys');
    setUserOp(acl, u, 'resetchannels');
    if (acl.pubsubAllChannels) setUserOp(acl, u, 'allchannels');
    setUserOp(acl, u, 'off');
    setUserOp(acl, u, 'sanitize-payload');
    setUserOp(acl, u, 'clearselectors');
    setUserOp(acl, u, '-@all');
  } else {
    return u.root.apply(op);
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Keys and channels of a command, with the access they need

interface KeyRef {
  pos: number;
  /** PERM_READ / PERM_WRITE bits a pattern must grant (0: any matching pattern will do). */
  perm: number;
}

/**
 * The keys of a command with the access each needs (ACLSelectorCheckCmd reads
 * getKeysFromCommandWithSpecs): ACCESS needs %R, INSERT/DELETE/UPDATE need %W, no flags any
 * pattern. A command declared without Redis's key specs gets the access its write/readonly flag
 * implies.
 */
export function commandKeys(cmd: Command, argv: readonly string[]): KeyRef[] {
  const keys = getKeysWithFlags(cmd, argv);
  // Keys found without flags: Redis's generic getkeys procs (any pattern will do), or a command
  // Redis does not have, which needs the access its write/readonly flag implies.
  const unflagged = hasKeySpecs(cmd) ? 0 : cmd.write ? PERM_WRITE : cmd.readonly ? PERM_READ : 0;
  const out: KeyRef[] = [];
  for (const k of keys) {
    const f = k.flags;
    out.push({
      pos: k.pos,
      perm: f === 0 ? unflagged : (f & KEY_ACCESS ? PERM_READ : 0) | (f & (KEY_INSERT | KEY_DELETE | KEY_UPDATE) ? PERM_WRITE : 0),
    });
  }
  return out;
}

/** commands_with_channels: the channel arguments ACL checks (subscribe and publish only). */
const CHANNEL_COMMANDS: Record<string, { pattern: boolean; start: number; count: number }> = {
  subscribe: { pattern: false, start: 1, count: -1 },
  ssubscribe: { pattern: false, start: 1, count: -1 },
  psubscribe: { pattern: true, start: 1, count: -1 },
  publish: { pattern: false, start: 1, count: 1 },
  spublish: { pattern: false, start: 1, count: 1 },
};

function selectorCheckKey(s: Selector, key: string, perm: number): boolean {
  if (s.allkeys) return true;
  for (const p of s.patterns) {
    if ((p.perm & perm) !== perm) continue;
    if (globMatch(p.pattern, key)) return true;
  }
  return false;
}

function checkChannelAgainstList(list: readonly string[], channel: string, isPattern: boolean): boolean {
  for (const p of list) if (isPattern ? p === channel : globMatch(p, channel)) return true;
  return false;
}

/** ACLSelectorCheckCmd. `pos.idx` receives the denied key or channel argument. */
function selectorCheckCommand(s: Selector, cmd: Command, argv: readonly string[], pos: { idx: number }, keys: () => KeyRef[]): number {
  if (!s.allcommands && !cmd.flags.includes('no_auth') && !s.allowed.has(cmd)) {
    const allowed = s.firstArgs?.get(cmd);
    if (argv.length < 2 || allowed === undefined) return ACL_DENIED_CMD;
    const arg = argv[cmd.parent ? 2 : 1];
    if (arg === undefined || !allowed.some((a) => eqNoCase(a, arg))) return ACL_DENIED_CMD;
  }
  if (!s.allkeys) {
    for (const k of keys()) {
      if (!selectorCheckKey(s, argv[k.pos]!, k.perm)) {
        pos.idx = k.pos;
        return ACL_DENIED_KEY;
      }
    }
  }
  if (!s.allchannels) {
    const ch = CHANNEL_COMMANDS[cmd.fullName];
    if (ch !== undefined) {
      const stop = ch.count === -1 ? argv.length : Math.min(argv.length, ch.start + ch.count);
      for (let i = ch.start; i < stop; i++) {
        if (!checkChannelAgainstList(s.channels, argv[i]!, ch.pattern)) {
          pos.idx = i;
          return ACL_DENIED_CHANNEL;
        }
      }
    }
  }
  return ACL_OK;
}

/** getAclErrorMessage: the NOPERM text (verbose for ACL DRYRUN). */
export function aclErrorMessage(result: number, u: User, cmd: Command, arg: string, verbose: boolean): string {
  switch (result) {
    case ACL_DENIED_CMD:
      return `User ${u.name} has no permissions to run the '${cmd.fullName}' command`;
    case ACL_DENIED_KEY:
      return verbose ? `User ${u.name} has no permissions to access the '${arg}' key` : 'No permissions to access a key';
    default:
      return verbose ? `User ${u.name} has no permissions to access the '${arg}' channel` : 'No permissions to access a channel';
  }
}

// ---------------------------------------------------------------------------------------------
// Server-level entry points

/** The server's ACL state (created by the acl command module at install). */
export function getAcl(server: MemorykvServer): Acl {
  let acl = server.state.get('acl') as Acl | undefined;
  if (acl === undefined) {
    acl = new Acl(server);
    server.state.set('acl', acl);
  }
  return acl;
}

/**
 * Whether the default user needs a password (protected mode denies outside connections only
 * while it does not: Redis checks DefaultUser's nopass flag).
 */
export function defaultUserHasPassword(server: MemorykvServer): boolean {
  return !getAcl(server).defaultUser.nopass;
}

/** clientSetDefaultAuth, for RESET: back to the default user, authenticated only if it needs no password. */
export function clientSetDefaultAuth(client: Client): void {
  getAcl(client.server).setDefaultAuth(client);
}

/** Whether the client must still authenticate (Redis's authRequired(c)). */
export function clientAuthRequired(client: Client): boolean {
  const acl = getAcl(client.server);
  return acl.authRequired(acl.clientAuth(client));
}

