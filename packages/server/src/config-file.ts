/**
 * redis-server's command line and config file: `memorykv-server [file] [--name value ...]`.
 *
 * As in Redis (server.c main, config.c loadServerConfig): the command line options become config
 * lines appended after the file (each `--name v1 v2` is the line `name "v1" "v2"`), the whole
 * text is read line by line with redis.conf's quoting rules (sdssplitargs), `include` reads
 * another file (glob patterns allowed), and the first bad line stops the server with Redis's
 * "FATAL CONFIG FILE ERROR" report and exit status 1.
 */
import { appendFileSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { splitArgs } from './resp/parser.ts';
import {
  PARAM_BY_NAME,
  defaultSettings,
  parseParam,
  readSetting,
  repr,
  writeSetting,
  ParamError,
  type ServerSettings,
} from './settings.ts';
// Not exported from @memorykv/core's index: Redis's pattern matching, for `include` globs.
import { globMatch } from '../../core/src/glob.ts';

export const REDIS_VERSION = '7.2.4';

/** A fatal configuration problem; `report` is what redis-server prints before exiting 1. */
export class ConfigFileError extends Error {
  constructor(readonly report: string) {
    super(report.trim());
  }
}

/** The report of a bad config line (config.c loadServerConfigFromString's loaderr). */
export function configLineError(line: number | null, text: string, reason: string): ConfigFileError {
  let r = `\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION}) ***\n`;
  if (line !== null) r += `Reading the configuration file, at line ${line}\n>>> '${text}'\n`;
  return new ConfigFileError(r + reason + '\n');
}

/** Deprecated directives Redis still accepts and ignores (with their exact argument counts). */
const DEPRECATED: Record<string, number> = {
  'list-max-ziplist-entries': 2,
  'list-max-ziplist-value': 2,
  'lua-replicate-commands': 2,
};

/**
 * Parses redis-server's arguments into settings (throws ConfigFileError). The config file is the
 * first argument when it does not start with '-'; '-' as the first or last argument reads the
 * config from stdin.
 */
export function parseServerArgs(args: string[], readStdin: () => string = () => readFileSync(0, 'latin1')): ServerSettings {
  const settings = defaultSettings();
  let j = 0;
  let file: string | null = null;
  let fromStdin = false;
  if (args.length > 0 && !args[0]!.startsWith('-')) {
    file = resolve(args[0]!);
    settings.configFile = file;
    j = 1;
  }
  let options = '';
  let handledLast = true;
  for (; j < args.length; j++) {
    const a = args[j]!;
    if (a === '-' && (j === 0 || j === args.length - 1)) {
      fromStdin = true;
    } else if (handledLast && a.startsWith('--')) {
      if (options.length) options += '\n';
      options += a.slice(2) + ' ';
      const parts = splitArgs(Buffer.from(a, 'latin1'), 0, Buffer.byteLength(a, 'latin1'));
      if (parts !== null && parts.length === 1) {
        // Only the option's name: its values follow as separate arguments.
        handledLast = false;
        const next = args[j + 1];
        const lower = a.toLowerCase();
        if (lower === '--save' && (next === undefined || next.startsWith('--'))) {
          // `--save` followed by another option (or nothing) means `save ""`, as before 7.0.1.
          options += '""';
          handledLast = next !== undefined;
        } else if (lower === '--sentinel' && (next === undefined || next.startsWith('--'))) {
          handledLast = next !== undefined;
        }
      } else {
        handledLast = true;
      }
    } else {
      options += repr(Buffer.from(a).toString('latin1')) + ' ';
      handledLast = true;
    }
  }
  const loader = new ConfigLoader(settings);
  let text = '';
  if (file !== null) text += readConfigFile(file);
  if (fromStdin) text += readStdin();
  if (options) text += '\n' + options;
  loader.load(text);
  loader.finish();
  return settings;
}

/** Reads one config file (bytes as a binary string), or throws Redis's fatal error. */
function readConfigFile(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch (e) {
    throw new ConfigFileError(`Fatal error, can't open config file '${path}': ${strerror(e)}\n`);
  }
}

/** The text of a file, or of every file a glob pattern matches (none is fine), for `include`. */
function readIncluded(pattern: string): string {
  if (!/[*?[]/.test(pattern)) return readConfigFile(pattern);
  // Wildcards in the last path component only (the common `include /etc/redis/conf.d/*.conf`).
  const dir = dirname(pattern);
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return '';
  }
  let text = '';
  for (const f of entries) if (globMatch(basename(pattern), f)) text += readConfigFile(join(dir, f));
  return text;
}

function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return (
    {
      ENOENT: 'No such file or directory',
      EACCES: 'Permission denied',
      EISDIR: 'Is a directory',
      ENOTDIR: 'Not a directory',
    }[code ?? ''] ?? (e as Error).message
  );
}

/** Applies config text to settings, line by line, as loadServerConfigFromString. */
export class ConfigLoader {
  private saveLoaded = false;
  private moduleConfigs = 0;

  constructor(readonly settings: ServerSettings) {}

  load(config: string): void {
    const lines = config.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      if (line === '' || line.startsWith('#')) continue;
      const buf = Buffer.from(line, 'latin1');
      const argv = splitArgs(buf, 0, buf.length);
      if (argv === null) throw configLineError(i + 1, line, 'Unbalanced quotes in configuration line');
      if (argv.length === 0) continue;
      argv[0] = argv[0]!.toLowerCase();
      const reason = this.apply(argv, i + 1, line);
      if (reason !== null) throw configLineError(i + 1, line, reason);
    }
  }

  /** Checks done once everything is read. */
  finish(): void {
    const logfile = this.settings.extra.logfile;
    if (logfile) {
      try {
        appendFileSync(Buffer.from(logfile, 'latin1').toString(), '');
      } catch (e) {
        throw configLineError(null, '', `Can't open the log file: ${strerror(e)}`);
      }
    }
    if (this.moduleConfigs > 0) {
      throw new ConfigFileError('Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting\n');
    }
  }

  /** One directive; returns the reason it is invalid, or null. */
  private apply(argv: string[], line: number, text: string): string | null {
    const name = argv[0]!;
    const s = this.settings;
    const spec = PARAM_BY_NAME.get(name);
    if (spec !== undefined) {
      if (!spec.multiArg && argv.length !== 2) return 'wrong number of arguments';
      let args = argv.slice(1);
      if (spec.multiArg && argv.length === 2 && argv[1] !== '') {
        // `--save "900 1 300 10"`: a single argument holding several.
        const b = Buffer.from(argv[1]!, 'latin1');
        args = splitArgs(b, 0, b.length) ?? [];
      }
      let current = readSetting(s, spec);
      if (spec.name === 'save' && !this.saveLoaded) {
        this.saveLoaded = true;
        current = '';
      }
      const v = parseParam(spec, args, current, true);
      if (v instanceof ParamError) return v.reason;
      writeSetting(s, spec, v);
      s.configured.push(spec.name);
      return null;
    }
    if (DEPRECATED[name] === argv.length) return null;
    switch (name) {
      case 'include':
        if (argv.length !== 2) break;
        this.load(readIncluded(Buffer.from(argv[1]!, 'latin1').toString()));
        return null;
      case 'user':
        if (argv.length < 2) break;
        s.users.push(argv.slice(1));
        return null;
      case 'loadmodule':
        if (argv.length < 2) break;
        return `Module ${argv[1]} can not be loaded: memorykv does not support Redis modules`;
      case 'sentinel':
        return argv.length === 1 ? null : 'sentinel directive while not in sentinel mode';
      case 'rename-command':
        if (argv.length !== 3) break;
        s.deferred.push({ args: argv, line, text });
        return null;
    }
    if (name.includes('.')) {
      if (argv.length < 2) return 'Module config specified without value';
      this.moduleConfigs++;
      return null;
    }
    // Perhaps a parameter a server module declares: config.ts checks once the server exists.
    s.deferred.push({ args: argv, line, text });
    return null;
  }
}
