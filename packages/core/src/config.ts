/**
 * Engine configuration: the parameters the core reads, with Redis's names, defaults and
 * validation. The server's CONFIG GET/SET is built on this registry (one table of parameters).
 */
import { error, type ErrorReply } from './errors.ts';

export const EVICTION_POLICIES = [
  'noeviction',
  'allkeys-lru',
  'allkeys-lfu',
  'allkeys-random',
  'volatile-lru',
  'volatile-lfu',
  'volatile-random',
  'volatile-ttl',
] as const;
export type EvictionPolicy = (typeof EVICTION_POLICIES)[number];

export interface EngineConfig {
  databases: number;
  maxmemory: number;
  'maxmemory-policy': EvictionPolicy;
  'maxmemory-samples': number;
  'lfu-log-factor': number;
  'lfu-decay-time': number;
  hz: number;
  'active-expire-effort': number;
  'proto-max-bulk-len': number;
  'hash-max-listpack-entries': number;
  'hash-max-listpack-value': number;
  'set-max-intset-entries': number;
  'set-max-listpack-entries': number;
  'set-max-listpack-value': number;
  'zset-max-listpack-entries': number;
  'zset-max-listpack-value': number;
  'list-max-listpack-size': number;
  'list-compress-depth': number;
  'hll-sparse-max-bytes': number;
  'stream-node-max-entries': number;
  'stream-node-max-bytes': number;
}

export function defaultConfig(): EngineConfig {
  return {
    databases: 16,
    maxmemory: 0,
    'maxmemory-policy': 'noeviction',
    'maxmemory-samples': 5,
    'lfu-log-factor': 10,
    'lfu-decay-time': 1,
    hz: 10,
    'active-expire-effort': 1,
    'proto-max-bulk-len': 512 * 1024 * 1024,
    'hash-max-listpack-entries': 512,
    'hash-max-listpack-value': 64,
    'set-max-intset-entries': 512,
    'set-max-listpack-entries': 128,
    'set-max-listpack-value': 64,
    'zset-max-listpack-entries': 128,
    'zset-max-listpack-value': 64,
    'list-max-listpack-size': -2,
    'list-compress-depth': 0,
    'hll-sparse-max-bytes': 3000,
    'stream-node-max-entries': 100,
    'stream-node-max-bytes': 4096,
  };
}

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1000,
  kb: 1024,
  m: 1000 * 1000,
  mb: 1024 * 1024,
  g: 1000 * 1000 * 1000,
  gb: 1024 * 1024 * 1024,
};

/** Redis's memtoull: "100mb", "1gb", "4096". Returns NaN when invalid. */
export function parseMemory(text: string): number {
  const m = /^(\d+)([a-z]*)$/i.exec(text);
  if (!m) return NaN;
  const unit = UNITS[m[2]!.toLowerCase()];
  if (unit === undefined) return NaN;
  return Number(m[1]) * unit;
}

/** Sets one parameter from its text form; returns an error for a bad value, else null. */
export function setConfigValue(config: EngineConfig, name: string, text: string): ErrorReply | null {
  const key = name.toLowerCase() as keyof EngineConfig;
  if (!(key in config)) return error(`ERR Unknown option or number of arguments for CONFIG SET - '${name}'`);
  const bad = () => error(`ERR CONFIG SET failed (possibly related to argument '${name}') - argument couldn't be parsed into an integer`);
  switch (key) {
    case 'maxmemory':
    case 'proto-max-bulk-len':
    case 'stream-node-max-bytes': {
      const v = parseMemory(text);
      if (v !== v) return bad();
      config[key] = v;
      return null;
    }
    case 'maxmemory-policy': {
      const v = text.toLowerCase();
      if (!(EVICTION_POLICIES as readonly string[]).includes(v)) {
        return error(`ERR CONFIG SET failed (possibly related to argument '${name}') - argument(s) must be one of the following: ${EVICTION_POLICIES.join(', ')}`);
      }
      config[key] = v as EvictionPolicy;
      return null;
    }
    default: {
      if (!/^-?\d+$/.test(text)) return bad();
      (config as unknown as Record<string, number>)[key] = Number(text);
      return null;
    }
  }
}
