// The Piscina worker's entry (issue 4): a worker thread does not inherit the tsx hooks of the
// thread that started it (the server binary registers tsx programmatically, vitest transforms in
// its own way), so this plain-JS file registers tsx in the worker and then loads the TypeScript task.
import { setPriority } from 'node:os';
import { register } from 'tsx/esm/api';

// A build must not take CPU from serving (issue 4: GET/SET p99 within 2x while it runs). On Linux
// a thread's nice value is its own: this worker thread yields to the serving thread whenever
// both want a core, and builds with what is left.
try {
  setPriority(19);
} catch {
  // not permitted here: the build runs at the serving thread's priority
}

register();
const { runBuildTask } = await import('./snapshot-worker.ts');

export default runBuildTask;
