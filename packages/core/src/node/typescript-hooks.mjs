// Module hooks that run memorykv's TypeScript sources in Node (see typescript.mjs): each .ts file
// is transformed by esbuild as tsx would, but without tsx's keepNames. keepNames re-defines
// `name` on every class and function (`static { __name(this, "ErrorReply") }`), and a class whose
// `name` was re-defined loses V8's fast `instanceof`: each test became a generic lookup of
// Symbol.hasInstance (measured 2026-11-23: 4 ns -> 30-80 ns a test), and the server's command
// path makes several per command. The server measured about 10% faster at -P 16 without it.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { stop, transform, version } from 'esbuild';

const target = `node${process.versions.node}`;
// The options of tsconfig.base.json that change emitted code.
const tsconfigRaw = { compilerOptions: { verbatimModuleSyntax: true, useDefineForClassFields: true } };

/**
 * esbuild transforms in a child process that it keeps for the next call: about 16 MB of memory
 * for each thread that loads TypeScript (the server, each shard, each snapshot build), for the
 * life of the process. Once nothing was loaded for this long it is stopped; a later import
 * (a lazily loaded module) starts it again.
 */
const IDLE_STOP_MS = 1000;
let idle = null;
let inFlight = 0;

/**
 * Transformed sources are kept in node_modules/.cache/memorykv-ts (find-cache-dir's convention:
 * the nearest node_modules above this file, which belongs to whoever installed it; never a shared
 * temporary directory, where anyone could plant code for us to run), named by a hash of the path,
 * the source, esbuild's version and the options: a start with nothing changed transforms nothing.
 * Null: no node_modules above (then every start transforms).
 */
const cacheDir = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (basename(dir) === 'node_modules') return join(dir, '.cache', 'memorykv-ts');
    if (existsSync(join(dir, 'node_modules'))) return join(dir, 'node_modules', '.cache', 'memorykv-ts');
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
})();
const optionsKey = JSON.stringify([version, target, tsconfigRaw]);

async function cached(path, source, make) {
  if (cacheDir === null) return make();
  const key = createHash('sha256').update(optionsKey).update('\0').update(path).update('\0').update(source).digest('hex');
  const file = join(cacheDir, key.slice(0, 2), `${key}.mjs`);
  try {
    return await readFile(file, 'utf8');
  } catch {
    // not cached yet
  }
  const code = await make();
  try {
    await mkdir(dirname(file), { recursive: true });
    // Unique per writer: the threads of one process (shards) may write the same entry at once.
    const tmp = `${file}.${process.pid}.${threadId}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, code);
    await rename(tmp, file);
  } catch {
    // a read-only install: it still runs, uncached
  }
  return code;
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:')) return nextLoad(url, context);
  const q = url.search(/[?#]/);
  const path = fileURLToPath(q < 0 ? url : url.slice(0, q));
  if (!path.endsWith('.ts') && !path.endsWith('.mts')) return nextLoad(url, context);
  const source = await readFile(path, 'utf8');
  const code = await cached(path, source, () => transformNow(path, source));
  return { format: 'module', source: code, shortCircuit: true };
}

/** esbuild's transform, with its child process stopped once idle (see IDLE_STOP_MS). */
async function transformNow(path, source) {
  if (idle !== null) clearTimeout(idle);
  idle = null;
  inFlight++;
  try {
    const out = await transform(source, { loader: 'ts', format: 'esm', target, sourcemap: 'inline', sourcefile: path, tsconfigRaw });
    return out.code;
  } finally {
    if (--inFlight === 0) {
      idle = setTimeout(() => {
        idle = null;
        void stop();
      }, IDLE_STOP_MS);
      idle.unref();
    }
  }
}
