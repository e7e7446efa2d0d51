/**
 * Engine: the entry point of every command (DESIGN "The path of one command"). It routes a
 * command to the shard that owns its keys; until sharding arrives there is one shard, in this
 * thread, and routing is a direct call. It also drives the shard's background work (active
 * expiry) on a timer that never keeps the process alive.
 */
import type { EngineConfig } from '../config.ts';
import { activeExpireCycle } from '../keyspace/expiry.ts';
import type { Reply } from '../reply.ts';
import { Session } from './session.ts';
import { Shard, type Effect } from './shard.ts';

export interface EngineOptions {
  config?: Partial<EngineConfig>;
  /** Clock in unix ms (tests pass a controllable one). */
  clock?: () => number;
  /** Run the active expiry cycle on a timer (default true). */
  activeExpire?: boolean;
}

export class Engine {
  readonly shard: Shard;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(opts: EngineOptions = {}) {
    this.shard = new Shard(opts.config, opts.clock);
    if (opts.activeExpire !== false) this.timer = startCron([this.shard]);
  }

  createSession(): Session {
    return new Session();
  }

  execute(session: Session, argv: string[]): Reply {
    return this.shard.execute(session, argv);
  }

  /** Subscribes to effects (journal, replicas, tests); one call per atomic group. */
  onEffects(fn: ((effects: Effect[], session: Session | null) => void) | null): void {
    this.shard.onEffects = fn;
  }

  /** Stops or restarts the background cron (DEBUG SET-ACTIVE-EXPIRE). */
  activeExpire(on: boolean): void {
    if (!on && this.timer !== null) this.close();
    else if (on && this.timer === null) this.timer = startCron([this.shard]);
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.shard.cronTime = -1;
  }
}

/** Each shard's cron (Redis's serverCron, at `hz`): the cached clock and the active expiry cycle. */
export function startCron(shards: readonly Shard[]): ReturnType<typeof setInterval> {
  const hz = Math.max(1, Math.min(500, shards[0]!.config.hz));
  for (const s of shards) s.cronTime = s.clock();
  const timer = setInterval(() => {
    for (const s of shards) {
      s.cronTime = s.clock();
      // Not while a busy script is suspended: its effects group is open (Redis skips it too).
      if (!s.holdEffects) activeExpireCycle(s);
    }
  }, 1000 / hz);
  // Portable unref: Node timers have it, browsers' numeric ids do not.
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
