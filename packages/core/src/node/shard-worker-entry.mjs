// A shard worker's entry (issue 5): as for the snapshot builder (snapshot-worker-entry.mjs), a
// worker thread does not inherit the module hooks of the thread that started it, so this plain-JS
// file registers them (typescript.mjs) and then loads the TypeScript task.
import { registerTypeScript } from './typescript.mjs';

registerTypeScript();
const { startShard } = await import('./shard-worker.ts');

export default startShard;
