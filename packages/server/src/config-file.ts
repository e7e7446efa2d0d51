/**
 * redis-server's command line and config file: `memorykv-server [file] [--name value ...]`.
 * Each `--name v1 v2` is a config line `name v1 v2`; the file's lines come first.
 */
import { readFileSync } from 'node:fs';
import { defaultSettings, type ServerSettings } from './settings.ts';

export function parseServerArgs(args: string[]): ServerSettings {
  const settings = defaultSettings();
  const lines: string[][] = [];
  let i = 0;
  if (args[0] !== undefined && !args[0].startsWith('--')) {
    settings.configFile = args[0];
    for (const line of readFileSync(args[0], 'utf8').split('\n')) {
      const t = line.trim();
      if (t === '' || t.startsWith('#')) continue;
      lines.push(t.split(/\s+/));
    }
    i = 1;
  }
  for (; i < args.length; i++) {
    if (!args[i]!.startsWith('--')) throw new Error(`Bad argument '${args[i]}'`);
    const line = [args[i]!.slice(2)];
    while (i + 1 < args.length && !args[i + 1]!.startsWith('--')) line.push(args[++i]!);
    lines.push(line);
  }
  for (const [name, ...values] of lines) applySetting(settings, name!.toLowerCase(), values);
  return settings;
}

function applySetting(s: ServerSettings, name: string, values: string[]): void {
  const v = values.join(' ');
  switch (name) {
    case 'port':
      s.port = Number(v);
      break;
    case 'bind':
      s.bind = values;
      break;
    case 'requirepass':
      s.requirepass = v;
      break;
    case 'maxclients':
      s.maxclients = Number(v);
      break;
    case 'protected-mode':
      s['protected-mode'] = v === 'yes';
      break;
    case 'loglevel':
      s.loglevel = v as ServerSettings['loglevel'];
      break;
    case 'dir':
      s.dir = v;
      break;
    case 'maxmemory':
    case 'maxmemory-policy':
    case 'maxmemory-samples':
    case 'databases':
    case 'hz':
      (s.engine as Record<string, unknown>)[name] = name === 'maxmemory-policy' ? v : parseNumber(v);
      break;
    default:
      s.extra[name] = v;
  }
}

function parseNumber(v: string): number {
  const m = /^(\d+)(kb|k|mb|m|gb|g)?$/i.exec(v);
  if (!m) return Number(v);
  const unit = { k: 1000, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 }[(m[2] ?? '').toLowerCase() as 'k'] ?? 1;
  return Number(m[1]) * unit;
}
