/**
 * The workload profile.ts records: one case's memorykv task in a loop for a few seconds.
 * Arguments: <case> <impl: memorykv|engine|server> <seconds, or a command count over 1000 for
 * impl server (suites/server-path.ts)>.
 */
import { memorykvTasks } from './suites/ops.ts';
import { runServerPath } from './suites/server-path.ts';

const [name = 'GET', impl = 'memorykv', seconds = '3'] = process.argv.slice(2);
if (impl === 'server') {
  runServerPath(name, 20000); // warm-up
  const rate = runServerPath(name, Number(seconds));
  console.log(`${name} server: ${Math.round(rate).toLocaleString('en-US')} commands/s`);
  process.exit(0);
}
const task = memorykvTasks(name).find((t) => t.impl === impl && !t.perCall);
if (!task) throw new Error(`no ${impl} task for ${name}`);
// Warm up outside the interesting part of the profile.
for (let i = 0; i < 200; i++) {
  task.beforeEach?.();
  task.fn();
}
const end = Date.now() + Number(seconds) * 1000;
let batches = 0;
const t0 = performance.now();
while (Date.now() < end) {
  task.beforeEach?.();
  task.fn();
  batches++;
}
const ms = performance.now() - t0;
console.log(`${name} ${impl}: ${Math.round((batches * task.batch * 1000) / ms).toLocaleString('en-US')} ops/s`);
