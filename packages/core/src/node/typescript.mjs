// Runs memorykv's TypeScript sources in this thread with no build step: the server's binary and
// the worker threads' entries (shards, snapshot builds) call registerTypeScript() before they
// import a .ts file. A worker thread does not inherit the hooks of the thread that started it,
// so each entry registers them itself. Why not tsx: see typescript-hooks.mjs.
import { register } from 'node:module';

let registered = false;

export function registerTypeScript() {
  if (registered) return;
  registered = true;
  register('./typescript-hooks.mjs', import.meta.url);
  // Stack traces name the .ts lines (the hooks emit inline source maps).
  process.setSourceMapsEnabled(true);
}
