/**
 * A canonical dump of an engine's whole data set, taken through its own read commands (so it is
 * independent of how each type is stored): per database, per key, the type, the contents in a
 * canonical order, and the absolute expire time.
 */
import type { Engine } from '../src/engine/engine.ts';
import type { Reply } from '../src/reply.ts';
import { Double, MapReply, SetReply } from '../src/reply.ts';

function plain(r: Reply): unknown {
  if (r instanceof Double) return r.value;
  if (r instanceof MapReply) return plain(r.entries);
  if (r instanceof SetReply) return plain(r.items);
  if (Array.isArray(r)) return r.map(plain);
  return r;
}

export function dumpEngine(engine: Engine): Record<string, Record<string, unknown>> {
  const s = engine.createSession();
  s.resp = 2;
  const run = (...argv: string[]) => plain(engine.execute(s, argv));
  const out: Record<string, Record<string, unknown>> = {};
  for (let db = 0; db < engine.shard.dbs.length; db++) {
    run('SELECT', String(db));
    const keys = (run('KEYS', '*') as string[]).sort();
    if (keys.length === 0) continue;
    const dbOut: Record<string, unknown> = {};
    for (const key of keys) {
      const type = (engine.execute(s, ['TYPE', key]) as { text: string }).text;
      let value: unknown;
      switch (type) {
        case 'string':
          value = run('GET', key);
          break;
        case 'hash': {
          const flat = run('HGETALL', key) as string[];
          const pairs: string[][] = [];
          for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
          value = pairs.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
          break;
        }
        case 'list':
          value = run('LRANGE', key, '0', '-1');
          break;
        case 'set':
          value = (run('SMEMBERS', key) as string[]).sort();
          break;
        case 'zset':
          value = run('ZRANGE', key, '0', '-1', 'WITHSCORES');
          break;
        default:
          value = `unknown type ${String(type)}`;
      }
      dbOut[key] = { type, value, expireAt: run('PEXPIRETIME', key) };
    }
    out[db] = dbOut;
  }
  return out;
}
