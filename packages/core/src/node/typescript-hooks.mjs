// Module hooks that run memorykv's TypeScript sources in Node (see typescript.mjs): each .ts file
// is transformed by esbuild as tsx would, but without tsx's keepNames. keepNames re-defines
// `name` on every class and function (`static { __name(this, "ErrorReply") }`), and a class whose
// `name` was re-defined loses V8's fast `instanceof`: each test became a generic lookup of
// Symbol.hasInstance (measured 2026-11-23: 4 ns -> 30-80 ns a test), and the server's command
// path makes several per command. The server measured about 10% faster at -P 16 without it.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { stop, transform } from 'esbuild';

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

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:')) return nextLoad(url, context);
  const q = url.search(/[?#]/);
  const path = fileURLToPath(q < 0 ? url : url.slice(0, q));
  if (!path.endsWith('.ts') && !path.endsWith('.mts')) return nextLoad(url, context);
  const source = await readFile(path, 'utf8');
  if (idle !== null) clearTimeout(idle);
  idle = null;
  inFlight++;
  let out;
  try {
    out = await transform(source, { loader: 'ts', format: 'esm', target, sourcemap: 'inline', sourcefile: path, tsconfigRaw });
  } finally {
    if (--inFlight === 0) {
      idle = setTimeout(() => {
        idle = null;
        void stop();
      }, IDLE_STOP_MS);
      idle.unref();
    }
  }
  return { format: 'module', source: out.code, shortCircuit: true };
}
