/**
 * Ctx: what a handler sees while one command runs — its argv, the selected keyspace, the shard
 * (config, clock, stats) and the session — plus the two ways a command speaks to the world
 * besides its reply: effects (DESIGN invariant 3) and keyspace notifications.
 */
import type { Keyspace } from '../keyspace/keyspace.ts';
import type { Shard } from '../engine/shard.ts';
import type { Session } from '../engine/session.ts';
import type { Command } from './table.ts';

export class Ctx {
  /**
   * Set once the handler emits its own effects; then its argv is not propagated verbatim.
   * A write that changed data and emitted nothing is propagated as its argv.
   */
  customEffects = false;

  constructor(
    readonly shard: Shard,
    readonly session: Session,
    public db: Keyspace,
    readonly argv: string[],
    readonly cmd: Command,
  ) {}

  /** The command's time (ms): every TTL decision inside one command uses the same instant. */
  get now(): number {
    return this.shard.now;
  }

  /** Emits one deterministic effect for the current database (e.g. SPOP -> SREM, EX -> PXAT). */
  emit(argv: string[]): void {
    this.customEffects = true;
    this.shard.propagate(this.db.id, argv);
  }

  /** Emits an effect for another database (MOVE, COPY ... DB). */
  emitTo(db: number, argv: string[]): void {
    this.customEffects = true;
    this.shard.propagate(db, argv);
  }

  /** Declares that this write must not be propagated at all (nothing to replay). */
  suppressEffects(): void {
    this.customEffects = true;
  }

  /** A keyspace notification, with Redis's class char and event name (notify.c). */
  notify(cls: string, event: string, key: string): void {
    this.shard.notify(this.db.id, cls, event, key);
  }
}
