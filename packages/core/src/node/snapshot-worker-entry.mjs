// The Piscina worker's entry (issue 4): a worker thread does not inherit the tsx hooks of the
// thread that started it (the server binary registers tsx programmatically, vitest transforms in
// its own way), so this plain-JS file registers tsx in the worker and then loads the TypeScript task.
import { register } from 'tsx/esm/api';

register();
const { runBuildTask } = await import('./snapshot-worker.ts');

export default runBuildTask;
