/**
 * Authentication and access control: AUTH, HELLO, the ACL command family, the requirepass /
 * aclfile / acllog-max-len / acl-pubsub-default parameters, and the guard that every command
 * passes before it runs (server.c processCommand: NOAUTH for unauthenticated clients, then the
 * user's command, key and channel permissions, NOPERM with an ACL LOG entry on denial). The
 * ACL model itself is ../acl.ts.
 *
 * Commands are declared once, at module load (the table is process-wide); install() sets up the
 * per-server state, parameters and guard.
 */
import { randomBytes } from 'node:crypto';
import { Double, ErrorReply, MapReply, OK, SetReply, Status, commands, type Command, type Reply } from '@memorykv/core';
import { defineCommands, lookupCommand, runnableCommand } from '../../../core/src/commands/table.ts';
import { parseInt64 } from '../../../core/src/bytes.ts';
import type { Ctx } from '../../../core/src/commands/context.ts';
import { execAbort } from '../../../core/src/errors.ts';
import {
  ACL_CATEGORIES,
  ACL_DENIED_CMD,
  ACL_DENIED_KEY,
  ACL_OK,
  aclErrorMessage,
  getAcl,
  aclOpErrorText,
  hasSpaces,
  mergeSelectorArgs,
  setUserOp,
  type Acl,
  type AclLogContext,
} from '../acl.ts';
import type { Client } from '../client.ts';
import type { MemorykvServer } from '../server.ts';
import { catClientInfoString, setClientName } from './connection.ts';
import { redactArgument } from './introspection.ts';

const err = (message: string) => new ErrorReply(message);
const SYNTAX = err('ERR syntax error');
const NOT_INTEGER = err('ERR value is not an integer or out of range');
const NOAUTH = err('NOAUTH Authentication required.');
const WRONGPASS = err('WRONGPASS invalid username-password pair or user is disabled.');
const NO_ACLFILE = err(
  'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER ' +
    'command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store ' +
    'users in the Redis configuration.',
);

const REDIS_VERSION = '7.2.4';

function clientOf(ctx: Ctx): Client {
  return ctx.session as Client;
}

/** Whether the running command is one of an EXEC's (Redis's client is still flagged MULTI then). */
function logContext(ctx: Ctx): AclLogContext {
  const c = clientOf(ctx);
  const inExec = (ctx.shard as unknown as { inExec?: boolean }).inExec === true;
  return c.multi !== null || inExec ? 'multi' : 'toplevel';
}

/** redactClientCommandArgument: SLOWLOG and MONITOR show "(redacted)". */
function redact(ctx: Ctx, index: number): void {
  redactArgument(ctx.session, index);
}

/** addReplySubcommandSyntaxError. */
function subcommandSyntaxError(argv: readonly string[]): ErrorReply {
  return err(`ERR unknown subcommand or wrong number of arguments for '${argv[1]!.slice(0, 128)}'. Try ${argv[0]!.toUpperCase()} HELP.`);
}

// ---------------------------------------------------------------------------------------------
// AUTH and HELLO

/** validateClientAttr: printable ASCII without spaces ('!'..'~'). */
function validClientName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 33 || c > 126) return false;
  }
  return true;
}

function auth(ctx: Ctx): Reply {
  const c = clientOf(ctx);
  const acl = getAcl(c.server);
  const argv = ctx.argv;
  if (argv.length > 3) return SYNTAX;
  redact(ctx, 1);
  let username = 'default';
  let password: string;
  if (argv.length === 2) {
    // The old single-argument form errs when there is nothing to authenticate against.
    if (acl.defaultUser.nopass) {
      return err('ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?');
    }
    password = argv[1]!;
  } else {
    username = argv[1]!;
    password = argv[2]!;
    redact(ctx, 2);
  }
  return acl.authenticate(c, username, password, 'auth', argv[0]!, logContext(ctx)) ? OK : WRONGPASS;
}

function hello(ctx: Ctx): Reply {
  const c = clientOf(ctx);
  const acl = getAcl(c.server);
  const argv = ctx.argv;
  let ver = 0;
  let next = 1;
  if (argv.length >= 2) {
    const v = parseInt64(argv[next++]!);
    if (v !== v) return err('ERR Protocol version is not an integer or out of range');
    if (v < 2 || v > 3) return err('NOPROTO unsupported protocol version');
    ver = v;
  }
  let username: string | null = null;
  let password: string | null = null;
  let clientname: string | null = null;
  for (let j = next; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = argv[j]!.toLowerCase();
    if (opt === 'auth' && more >= 2) {
      redact(ctx, j + 1);
      redact(ctx, j + 2);
      username = argv[j + 1]!;
      password = argv[j + 2]!;
      j += 2;
    } else if (opt === 'setname' && more >= 1) {
      clientname = argv[j + 1]!;
      if (!validClientName(clientname)) return err('ERR Client names cannot contain spaces, newlines or special characters.');
      j++;
    } else {
      return err(`ERR Syntax error in HELLO option '${argv[j]}'`);
    }
  }
  if (username !== null && password !== null) {
    if (!acl.authenticate(c, username, password, 'hello', argv[0]!, logContext(ctx))) return WRONGPASS;
  }
  if (!acl.clientAuth(c).authenticated) {
    return err(
      'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> ' +
        'option can be used to authenticate the client and select the RESP protocol version at the same time',
    );
  }
  if (clientname !== null) {
    setClientName(c, clientname);
  }
  if (ver) c.resp = ver as 2 | 3;
  return new MapReply([
    'server', 'redis',
    'version', REDIS_VERSION,
    'proto', c.resp,
    'id', c.id,
    'mode', 'standalone',
    'role', 'master',
    'modules', [],
  ]);
}

// ---------------------------------------------------------------------------------------------
// ACL subcommands

function aclSetuser(ctx: Ctx): Reply {
  const c = clientOf(ctx);
  // Rules carry passwords: none of them shows in SLOWLOG or MONITOR.
  for (let j = 2; j < ctx.argv.length; j++) redact(ctx, j);
  const name = ctx.argv[2]!;
  if (hasSpaces(name)) return err("ERR Usernames can't contain spaces or null characters");
  const e = getAcl(c.server).setUser(name, ctx.argv.slice(3), c);
  return e === null ? OK : err('ERR ' + e);
}

function aclDeluser(ctx: Ctx): Reply {
  const c = clientOf(ctx);
  const acl = getAcl(c.server);
  const names = ctx.argv.slice(2);
  if (names.includes('default')) return err("ERR The 'default' user cannot be removed");
  let deleted = 0;
  for (const n of names) if (acl.deleteUser(n, c)) deleted++;
  return deleted;
}

function aclGetuser(ctx: Ctx): Reply {
  const u = getAcl(clientOf(ctx).server).users.get(ctx.argv[2]!);
  if (u === undefined) return null;
  const describe = (s: (typeof u.selectors)[number]): Reply[] => [
    'commands', s.describeCommands(),
    'keys', s.describeKeys(),
    'channels', s.describeChannels(),
  ];
  return new MapReply([
    'flags', new SetReply(u.flagNames()),
    'passwords', [...u.passwords],
    ...describe(u.root),
    'selectors', u.selectors.slice(1).map((s) => new MapReply(describe(s))),
  ]);
}

function aclList(ctx: Ctx): Reply {
  const acl = getAcl(clientOf(ctx).server);
  return acl.sortedNames().map((n) => `user ${n} ${acl.users.get(n)!.describe()}`);
}

function aclUsers(ctx: Ctx): Reply {
  return getAcl(clientOf(ctx).server).sortedNames();
}

function aclWhoami(ctx: Ctx): Reply {
  const c = clientOf(ctx);
  return getAcl(c.server).clientAuth(c).user.name;
}

function aclCat(ctx: Ctx): Reply {
  const argv = ctx.argv;
  if (argv.length === 2) return [...ACL_CATEGORIES];
  if (argv.length !== 3) return subcommandSyntaxError(argv);
  const cat = argv[2]!.toLowerCase();
  if (!(ACL_CATEGORIES as readonly string[]).includes(cat)) return err(`ERR Unknown category '${argv[2]!.slice(0, 128)}'`);
  const out: string[] = [];
  for (const cmd of commands.values()) {
    if (cmd.flags.includes('module')) continue;
    if (cmd.acl.includes(cat)) out.push(cmd.fullName);
    if (cmd.sub) for (const s of cmd.sub.values()) if (s.acl.includes(cat)) out.push(s.fullName);
  }
  return out;
}

function aclGenpass(ctx: Ctx): Reply {
  const argv = ctx.argv;
  if (argv.length > 3) return subcommandSyntaxError(argv);
  let bits = 256;
  if (argv.length === 3) {
    bits = parseInt64(argv[2]!);
    if (bits !== bits) return NOT_INTEGER;
  }
  if (bits <= 0 || bits > 4096) {
    return err('ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096');
  }
  const chars = Math.floor((bits + 3) / 4);
  return randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars);
}

function aclLog(ctx: Ctx): Reply {
  const argv = ctx.argv;
  const acl = getAcl(clientOf(ctx).server);
  if (argv.length > 3) return subcommandSyntaxError(argv);
  let count = 10;
  if (argv.length === 3) {
    if (argv[2]!.toLowerCase() === 'reset') {
      acl.log = [];
      return OK;
    }
    count = parseInt64(argv[2]!);
    if (count !== count) return NOT_INTEGER;
    if (count < 0) count = 0;
  }
  const now = Date.now();
  return acl.log.slice(0, count).map(
    (e) =>
      new MapReply([
        'count', e.count,
        'reason', e.reason,
        'context', e.context,
        'object', e.object,
        'username', e.username,
        'age-seconds', new Double((now - e.ctime) / 1000),
        'client-info', e.cinfo,
        'entry-id', e.entryId,
        'timestamp-created', e.created,
        'timestamp-last-updated', e.ctime,
      ]),
  );
}

function aclDryrun(ctx: Ctx): Reply {
  const argv = ctx.argv;
  const acl = getAcl(clientOf(ctx).server);
  const u = acl.users.get(argv[2]!);
  if (u === undefined) return err(`ERR User '${argv[2]}' not found`);
  // lookupCommand (not strict): a container with a known subcommand resolves to it.
  const args = argv.slice(3);
  let cmd = lookupCommand(args[0]!);
  if (cmd !== undefined && cmd.sub && args.length > 1) cmd = cmd.sub.get(args[1]!.toLowerCase());
  if (cmd === undefined) return err(`ERR Command '${args[0]}' not found`);
  if (cmd.arity > 0 ? cmd.arity !== args.length : args.length < -cmd.arity) {
    return err(`ERR wrong number of arguments for '${cmd.fullName}' command`);
  }
  const { result, idx } = acl.checkCommand(u, cmd, args);
  if (result !== ACL_OK) return aclErrorMessage(result, u, cmd, args[idx] ?? '', true);
  return OK;
}

function aclLoadCmd(ctx: Ctx): Reply {
  const c = clientOf(ctx);
  const acl = getAcl(c.server);
  if (acl.aclfile === '') return NO_ACLFILE;
  const e = acl.loadFile(c);
  return e === null ? OK : err('ERR ' + e);
}

function aclSaveCmd(ctx: Ctx): Reply {
  const acl = getAcl(clientOf(ctx).server);
  if (acl.aclfile === '') return NO_ACLFILE;
  if (acl.saveFile()) return OK;
  return err('ERR There was an error trying to save the ACLs. Please check the server logs for more information');
}

const HELP_LINES = [
  'ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CAT [<category>]',
  '    List all commands that belong to <category>, or all command categories',
  '    when no category is specified.',
  'DELUSER <username> [<username> ...]',
  '    Delete a list of users.',
  'DRYRUN <username> <command> [<arg> ...]',
  '    Returns whether the user can execute the given command without executing the command.',
  'GETUSER <username>',
  "    Get the user's details.",
  'GENPASS [<bits>]',
  '    Generate a secure 256-bit user password. The optional `bits` argument can',
  '    be used to specify a different size.',
  'LIST',
  '    Show users details in config file format.',
  'LOAD',
  '    Reload users from the ACL file.',
  'LOG [<count> | RESET]',
  '    Show the ACL log entries.',
  'SAVE',
  '    Save the current config to the ACL file.',
  'SETUSER <username> <attribute> [<attribute> ...]',
  '    Create or modify a user with the specified attributes.',
  'USERS',
  '    List all the registered usernames.',
  'WHOAMI',
  '    Return the current connection username.',
  'HELP',
  '    Print this help.',
];

// ---------------------------------------------------------------------------------------------
// The command table

const aclSub = (
  name: string,
  arity: number,
  admin: boolean,
  summary: string,
  complexity: string,
  handler: (ctx: Ctx) => Reply,
  flags: ('noscript' | 'loading' | 'stale' | 'admin')[] = admin ? ['admin', 'noscript', 'loading', 'stale'] : ['noscript', 'loading', 'stale'],
) => ({
  name,
  arity,
  flags,
  acl: admin ? ['admin', 'slow', 'dangerous'] : ['slow'],
  group: 'server',
  summary,
  complexity,
  since: name === 'dryrun' ? '7.0.0' : '6.0.0',
  handler,
});

defineCommands(
  {
    name: 'auth',
    arity: -2,
    flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'],
    acl: ['fast', 'connection'],
    group: 'connection',
    summary: 'Authenticates the connection.',
    complexity: 'O(N) where N is the number of passwords defined for the user',
    since: '1.0.0',
    handler: auth,
  },
  {
    name: 'hello',
    arity: -1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'],
    acl: ['fast', 'connection'],
    group: 'connection',
    summary: 'Handshakes with the Redis server.',
    complexity: 'O(1)',
    since: '6.0.0',
    handler: hello,
  },
  {
    name: 'acl',
    arity: -2,
    flags: [],
    acl: ['slow'],
    group: 'server',
    summary: 'A container for Access List Control commands.',
    complexity: 'Depends on subcommand.',
    since: '6.0.0',
    subcommands: [
      aclSub('cat', -2, false, 'Lists the ACL categories, or the commands inside a category.', 'O(1) since the categories and commands are a fixed set.', aclCat),
      aclSub('deluser', -3, true, 'Deletes ACL users, and terminates their connections.', 'O(1) amortized time considering the typical user.', aclDeluser),
      aclSub('dryrun', -4, true, 'Simulates the execution of a command by a user, without executing the command.', 'O(1).', aclDryrun),
      aclSub('genpass', -2, false, 'Generates a pseudorandom, secure password that can be used to identify ACL users.', 'O(1)', aclGenpass),
      aclSub('getuser', 3, true, 'Lists the ACL rules of a user.', 'O(N). Where N is the number of password, command and pattern rules that the user has.', aclGetuser),
      aclSub('help', 2, false, 'Returns helpful text about the different subcommands.', 'O(1)', () => HELP_LINES.map((l) => new Status(l)), ['loading', 'stale']),
      aclSub('list', 2, true, 'Dumps the effective rules in ACL file format.', 'O(N). Where N is the number of configured users.', aclList),
      aclSub('load', 2, true, 'Reloads the rules from the configured ACL file.', 'O(N). Where N is the number of configured users.', aclLoadCmd),
      aclSub('log', -2, true, 'Lists recent security events generated due to ACL rules.', 'O(N) with N being the number of entries shown.', aclLog),
      aclSub('save', 2, true, 'Saves the effective ACL rules in the configured ACL file.', 'O(N). Where N is the number of configured users.', aclSaveCmd),
      aclSub('setuser', -3, true, 'Creates and modifies an ACL user and its rules.', 'O(N). Where N is the number of rules provided.', aclSetuser),
      aclSub('users', 2, true, 'Lists all ACL users.', 'O(N). Where N is the number of configured users.', aclUsers),
      aclSub('whoami', 2, false, 'Returns the authenticated username of the current connection.', 'O(1)', aclWhoami),
    ],
  },
);

// ---------------------------------------------------------------------------------------------
// The guard

/** rejectCommand: inside MULTI the transaction is doomed; a rejected EXEC discards it. */
function reject(client: Client, cmd: Command, e: ErrorReply): ErrorReply {
  if (cmd.name === 'exec' && !cmd.parent) {
    client.discardMulti();
    return execAbort(e.message);
  }
  if (client.multi !== null) client.multiError = true;
  return e;
}

/**
 * processCommand's authentication and ACL checks. Unknown commands and wrong arities are left
 * to the engine, which reports them first, as Redis does; commands a MULTI refuses too.
 */
function aclGuard(acl: Acl, client: Client, argv: string[]): ErrorReply | null {
  const st = acl.clientAuth(client);
  const u = st.user;
  let required = false;
  if (!st.authenticated) {
    required = acl.authRequired(st);
    client.parser.authRequired = required;
  }
  // Fast path: nothing to authenticate, and a user allowed every command, key and channel.
  if (!required && u.unrestricted) return null;
  const cmd = runnableCommand(argv);
  if (cmd === undefined) return null;
  if (required && !cmd.flags.includes('no_auth')) return reject(client, cmd, NOAUTH);
  if (client.multi !== null && cmd.flags.includes('no_multi')) return null;
  if (u.unrestricted) return null;
  const { result, idx } = acl.checkCommand(u, cmd, argv);
  if (result === ACL_OK) return null;
  const object = result === ACL_DENIED_CMD ? cmd.fullName : argv[idx]!;
  acl.addLogEntry(client, result, client.multi !== null ? 'multi' : 'toplevel', object, null, cmd.fullName);
  return reject(client, cmd, err('NOPERM ' + aclErrorMessage(result, u, cmd, argv[idx] ?? '', false)));
}

// ---------------------------------------------------------------------------------------------
// Entry points other modules use

/** clientSetDefaultAuth (RESET, new connections): the default user, authenticated if it needs no password. */
export function setDefaultAuth(client: Client): void {
  getAcl(client.server).setDefaultAuth(client);
}

/** Protected mode applies while the default user needs no password. */
export function defaultUserNoPass(server: MemorykvServer): boolean {
  return getAcl(server).defaultUser.nopass;
}

/** CLIENT KILL USER: whether the user exists. */
export function userExists(server: MemorykvServer, name: string): boolean {
  return getAcl(server).users.has(name);
}

/**
 * processCommand's auth and ACL checks for a command that runs again after being parked (a
 * blocked command woken up, as Redis reprocesses it): the rejection, or null.
 */
export function checkCommandPermission(client: Client, argv: string[]): ErrorReply | null {
  return aclGuard(getAcl(client.server), client, argv);
}

/**
 * execCommand's second check: ACL rules may have changed since a command was queued, so each
 * queued command is checked again when EXEC runs it (the error replaces its reply). For the
 * transaction runner: null when the command may run.
 */
export function checkQueuedCommand(client: Client, cmd: Command, argv: readonly string[]): ErrorReply | null {
  const acl = getAcl(client.server);
  const u = acl.clientAuth(client).user;
  if (u.unrestricted) return null;
  const { result, idx } = acl.checkCommand(u, cmd, argv);
  if (result === ACL_OK) return null;
  acl.addLogEntry(client, result, 'multi', result === ACL_DENIED_CMD ? cmd.fullName : argv[idx]!, null, cmd.fullName);
  const reason =
    result === ACL_DENIED_CMD
      ? 'no permission to execute the command or subcommand'
      : result === ACL_DENIED_KEY
        ? 'no permission to touch the specified keys'
        : 'no permission to access one of the channels used as arguments';
  return err(
    'NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. ' +
      `This command is no longer allowed for the following reason: ${reason}`,
  );
}

/**
 * scriptVerifyACL: a command a script of `client` runs, checked against the client's user; the
 * NOPERM text (without the code), or null. Denials are logged in the 'lua' context if `log`.
 */
export function scriptAclCheck(client: Client, cmd: Command, argv: readonly string[], log: boolean): string | null {
  const acl = getAcl(client.server);
  const u = acl.clientAuth(client).user;
  if (u.unrestricted) return null;
  const { result, idx } = acl.checkCommand(u, cmd, argv);
  if (result === ACL_OK) return null;
  if (log) acl.addLogEntry(client, result, 'lua', result === ACL_DENIED_CMD ? cmd.fullName : argv[idx]!, null, cmd.fullName);
  return aclErrorMessage(result, u, cmd, argv[idx] ?? '', false);
}

/** Whether the client's user may do anything (scripts need no per-command checks then). */
export function clientUnrestricted(client: Client): boolean {
  return getAcl(client.server).clientAuth(client).user.unrestricted;
}

/** INFO stats: acl_access_denied_auth / _cmd / _key / _channel. */
export function aclStats(server: MemorykvServer): { auth: number; cmd: number; key: number; channel: number } {
  return { ...getAcl(server).stats };
}

// ---------------------------------------------------------------------------------------------
// Install

/** Config values are strings from a config file or CONFIG SET (longlong parse as Redis's). */
function parseConfigInt(v: string): number | null {
  const n = parseInt64(v);
  return n !== n ? null : n;
}

export function install(server: MemorykvServer): void {
  const acl = getAcl(server);
  const extra = server.settings.extra ?? {};

  server.defineParam({
    name: 'acl-pubsub-default',
    get: () => (acl.pubsubAllChannels ? 'allchannels' : 'resetchannels'),
    set(v) {
      const w = v.toLowerCase();
      if (w !== 'allchannels' && w !== 'resetchannels') return err('argument(s) must be one of the following: allchannels, resetchannels');
      acl.pubsubAllChannels = w === 'allchannels';
      return null;
    },
  });
  server.defineParam({
    name: 'acllog-max-len',
    get: () => String(acl.logMaxLen),
    set(v) {
      const n = parseConfigInt(v);
      if (n === null) return err("argument couldn't be parsed into an integer");
      if (n < 0) return err('argument must be between 0 and 9223372036854775807 inclusive');
      acl.logMaxLen = n;
      return null;
    },
  });
  server.defineParam({
    name: 'aclfile',
    immutable: true,
    get: () => acl.aclfile,
    set(v) {
      acl.aclfile = v;
      return null;
    },
  });
  server.defineParam({
    name: 'requirepass',
    get: () => server.settings.requirepass,
    set(v) {
      server.settings.requirepass = v;
      acl.setDefaultPassword(v);
      return null;
    },
  });

  // Startup configuration (redis.conf lines no other module interprets).
  if (extra['acl-pubsub-default'] !== undefined) server.params.get('acl-pubsub-default')!.set(extra['acl-pubsub-default']);
  if (extra['acllog-max-len'] !== undefined) server.params.get('acllog-max-len')!.set(extra['acllog-max-len']);
  if (server.settings.requirepass) acl.setDefaultPassword(server.settings.requirepass);
  // `user` directives (config.c keeps each as its arguments; older settings only the last one).
  const users = (server.settings as { users?: string[][] }).users ?? (extra['user'] !== undefined ? [extra['user'].split(' ')] : []);
  loadConfiguredUsers(acl, users);
  if (extra['aclfile']) {
    if (users.length > 0) {
      throw new Error(
        'Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. ' +
          'This setup is very likely to lead to configuration errors and security holes, please define either an ACL ' +
          'file or declare users directly in your redis.conf, but not both.',
      );
    }
    acl.aclfile = extra['aclfile'];
    const e = acl.loadFile(null);
    if (e !== null) throw new Error(`Aborting Redis startup because of ACL errors: ${e}`);
  }

  acl.clientInfo = (c) => catClientInfoString(c);
  // The auth check comes before every other guard, as in processCommand.
  server.guards.unshift((client, argv) => aclGuard(acl, client, argv));
  watchNewClients(server, acl);
}

/**
 * ACLLoadConfiguredUsers: users declared in the config file, applied at startup; the default
 * user may be redefined (it is reset first). A bad rule stops the server, as in Redis.
 */
function loadConfiguredUsers(acl: Acl, users: string[][]): void {
  const seen = new Set<string>();
  for (const [name, ...rules] of users) {
    if (name === undefined) continue;
    if (seen.has(name)) throw new Error(`Error in user declaration '${name}': ${aclOpErrorText('EALREADY')}`);
    seen.add(name);
    if (hasSpaces(name)) throw new Error('Spaces not allowed in ACL usernames');
    const merged = mergeSelectorArgs(rules);
    if (!Array.isArray(merged)) throw new Error(`Unmatched parenthesis in acl selector starting at '${rules[merged.unmatched]}'.`);
    let u = acl.users.get(name);
    if (u === undefined) acl.users.set(name, (u = acl.newUser(name)));
    else setUserOp(acl, u, 'reset');
    for (const op of merged) {
      const e = setUserOp(acl, u, op);
      if (e !== null) throw new Error(`Error loading ACL rule '${op}' for the user named '${name}': ${aclOpErrorText(e)}`);
    }
  }
}

/**
 * New connections get their ACL state before their first byte is parsed, so the parser's
 * limits for unauthenticated clients apply from the start. The server has no attach hook:
 * the client registry's set() is where a new connection first becomes visible.
 */
function watchNewClients(server: MemorykvServer, acl: Acl): void {
  const hooks = (server as unknown as { onAttach?: ((c: Client) => void)[] }).onAttach;
  if (Array.isArray(hooks)) {
    hooks.push((c) => void acl.clientAuth(c));
    return;
  }
  const clients = server.clients;
  const set = clients.set.bind(clients);
  clients.set = (id: number, c: Client) => {
    const r = set(id, c);
    acl.clientAuth(c);
    return r;
  };
}
