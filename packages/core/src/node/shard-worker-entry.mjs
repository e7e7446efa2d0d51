// A shard worker's entry (issue 5): as for the snapshot builder (snapshot-worker-entry.mjs), a
// worker thread does not inherit the tsx hooks of the thread that started it, so this plain-JS
// file registers tsx and then loads the TypeScript task.
import { register } from 'tsx/esm/api';

register();
const { startShard } = await import('./shard-worker.ts');

export default startShard;
