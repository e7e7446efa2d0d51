/** The pubsub commands of the server (to be implemented). */
import type { MemorykvServer } from '../server.ts';

export function install(_server: MemorykvServer): void {}
