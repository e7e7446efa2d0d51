/**
 * The server's command modules. Each declares its commands into the core's table and may add
 * guards and hooks to the server; this list installs them in order.
 */
import type { MemorykvServer } from '../server.ts';
import { install as connection } from './connection.ts';
import { install as config } from './config.ts';
import { install as introspection } from './introspection.ts';
import { install as pubsub } from './pubsub.ts';
import { install as blocking } from './blocking.ts';
import { install as acl } from './acl.ts';
import { install as scripting } from './scripting.ts';
import { install as migrate } from './migrate.ts';
import { install as persistence } from './persistence.ts';
import { install as later } from './later.ts';

export function installModules(server: MemorykvServer): void {
  for (const install of [connection, config, introspection, pubsub, blocking, acl, scripting, migrate, later, persistence]) install(server);
}
