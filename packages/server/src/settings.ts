/**
 * Server settings: what redis-server takes as flags or config-file lines and the engine does not
 * own (the engine's parameters — maxmemory, maxmemory-policy, ... — live in @memorykv/core's
 * EngineConfig and are passed through). config.ts (CONFIG GET/SET) reads and writes both.
 */
import type { EngineConfig } from '@memorykv/core';

export interface ServerSettings {
  port: number;
  bind: string[];
  requirepass: string;
  maxclients: number;
  'protected-mode': boolean;
  clientQueryBufferLimit: number;
  loglevel: 'debug' | 'verbose' | 'notice' | 'warning' | 'nothing';
  dir: string;
  /** The config file given on the command line, for CONFIG REWRITE. */
  configFile: string | null;
  /** Every parameter a config file or CONFIG SET gave that no module interprets (kept for CONFIG GET). */
  extra: Record<string, string>;
  engine: Partial<EngineConfig>;
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
  };
}
