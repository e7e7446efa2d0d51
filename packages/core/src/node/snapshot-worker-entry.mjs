// The Piscina worker's entry (issue 4): a worker thread does not inherit the module hooks of the
// thread that started it (the server binary registers them programmatically, vitest transforms in
// its own way), so this plain-JS file registers them (typescript.mjs) and then loads the task.
import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { registerTypeScript } from './typescript.mjs';

// A build must not take CPU from serving (issue 4: GET/SET p99 within 2x while it runs). On Linux
// a thread's scheduling is its own. SCHED_IDLE on top of nice 19: the thread runs only on a core
// nothing else wants and yields it the moment the serving thread wakes. (Measured 2026-11-22: GET
// p99 during builds was no better than with nice 19 alone, 4.4x against 3.6x, so what is left of
// that tail is not the builder's CPU share.) Node has no sched_setscheduler, so util-linux's chrt
// sets it on this thread's id; where chrt is missing, nice 19.
try {
  setPriority(19);
  const tid = readlinkSync('/proc/thread-self').split('/').pop();
  execFileSync('chrt', ['--idle', '--pid', '0', tid], { stdio: 'ignore', timeout: 2000 });
} catch {
  // not Linux, or not permitted: the build runs at nice 19 or at the serving thread's priority
}

registerTypeScript();
const { runBuildTask } = await import('./snapshot-worker.ts');

export default runBuildTask;
