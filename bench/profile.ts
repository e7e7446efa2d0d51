/**
 * Where a command's time goes: bundles profile-target.ts with esbuild (one readable file with a
 * source map, since tsx's transformed code puts a whole module on one line), runs it under
 * `node --cpu-prof`, and prints the hottest functions and source lines by self time, mapped back
 * to the TypeScript sources.
 *
 *   cd bench && npx tsx profile.ts HGETALL            # memorykv API path, 3 s
 *   cd bench && npx tsx profile.ts GET engine 5       # raw engine path
 *   cd bench && npx tsx profile.ts SET server         # the server's command path, no sockets
 *                                                     # (suites/server-path.ts: instruction counts)
 *
 * Profiles are kept in bench/profiles/ (ignored by git).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import { build } from 'esbuild';
import { printSummary, summarize } from './lib/cpuprofile.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const root = here('..');
const dir = here('./profiles');
mkdirSync(dir, { recursive: true });

const [name = 'GET', impl = 'memorykv', seconds = '3', top = '25'] = process.argv.slice(2);
const bundle = `${dir}/profile-target.mjs`;
await build({
  entryPoints: [here('./profile-target.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'external',
  outfile: bundle,
  external: ['tinybench', 'ioredis-mock', 'lmdb', 'msgpackr', 'piscina', 'fengari'],
  logLevel: 'warning',
});

const before = new Set(readdirSync(dir));
const out = execFileSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, bundle, name, impl, seconds], { encoding: 'utf8' });
process.stdout.write(out);
const file = readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile') && !before.has(f))
  .map((f) => `${dir}/${f}`)
  .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!;

const summary = await summarize(file, bundle, root, Number(top));
console.log(`\n${relative(root, file)}:`);
printSummary(summary);
