/** Test helpers: an engine with one session, and a command runner returning raw Replies. */
import { Engine, type EngineOptions } from '../src/engine/engine.ts';
import type { Reply } from '../src/reply.ts';

export function testEngine(opts: EngineOptions = {}) {
  const engine = new Engine({ activeExpire: false, ...opts });
  const session = engine.createSession();
  const run = (...argv: (string | number)[]): Reply => engine.execute(session, argv.map(String));
  return { engine, session, shard: engine.shard, db: engine.shard.dbs[0]!, run };
}
