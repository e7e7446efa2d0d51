/** The server's side of scripting: busy scripts (BUSY replies, SCRIPT KILL) across connections. */
import type { MemorykvServer } from '../server.ts';

export function install(_server: MemorykvServer): void {}
