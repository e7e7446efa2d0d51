/** Loads every command family into the table (each module declares its commands on load). */
import './strings.ts';
import './bits.ts';
import './hashes.ts';
import './lists.ts';
import './sets.ts';
import './zsets.ts';
import './geo.ts';
import './hyperloglog.ts';
import './keys.ts';
import './server.ts';
import './sort.ts';
import './transactions.ts';
import './cluster.ts';
import './streams.ts';
import './scripting.ts';

import { commands } from './table.ts';

export { commands, keyIndexes } from './table.ts';

/**
 * The commands the engine itself declares (a server adds its own to the same table later): a
 * sharded server runs these in the shard threads, the rest next to its connections.
 */
export const CORE_COMMANDS: ReadonlySet<string> = new Set(commands.keys());
