/**
 * Loaded in each shard thread of `--shards N` (core's ShardPool `hostCommands`): the server's
 * PUBLISH and SPUBLISH, for the scripts that shard runs. The subscribers are the serving
 * thread's, so the command asks it and answers with its receiver count (core's shard-host.ts).
 */
import { defineCommands } from '@memorykv/core';
import { hostCall } from '../../core/src/node/shard-host.ts';
import { publishSpecs } from './commands/publish.ts';

defineCommands(...publishSpecs((ctx) => hostCall(ctx.argv)));
