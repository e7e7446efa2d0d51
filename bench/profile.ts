/**
 * Where a command's time goes: bundles profile-target.ts with esbuild (one readable file with a
 * source map, since tsx's transformed code puts a whole module on one line), runs it under
 * `node --cpu-prof`, and prints the hottest functions and source lines by self time, mapped back
 * to the TypeScript sources.
 *
 *   cd bench && npx tsx profile.ts HGETALL            # memorykv API path, 3 s
 *   cd bench && npx tsx profile.ts GET engine 5       # raw engine path
 *
 * Profiles are kept in bench/profiles/ (ignored by git).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import { build } from 'esbuild';

interface ProfNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  positionTicks?: { line: number; ticks: number }[];
}
interface Mapper {
  (line: number, column: number): string | null;
}

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
  external: ['tinybench', 'ioredis-mock', 'lmdb', 'msgpackr', 'piscina'],
  logLevel: 'warning',
});

const before = new Set(readdirSync(dir));
const out = execFileSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, bundle, name, impl, seconds], { encoding: 'utf8' });
process.stdout.write(out);
const file = readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile') && !before.has(f))
  .map((f) => `${dir}/${f}`)
  .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!;

// source-map-js comes with vitest's toolchain; without it, bundle positions are printed.
let map: Mapper = () => null;
try {
  const { SourceMapConsumer } = await import('source-map-js');
  const consumer = new SourceMapConsumer(JSON.parse(readFileSync(`${bundle}.map`, 'utf8')));
  map = (line, column) => {
    const p = consumer.originalPositionFor({ line, column, bias: SourceMapConsumer.LEAST_UPPER_BOUND });
    if (!p.source) return null;
    return `${relative(root, fileURLToPath(new URL(p.source, `file://${dir}/`)))}:${p.line}`;
  };
} catch {
  // keep bundle positions
}

const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfNode[]; samples: number[] };
const total = prof.samples.length;
const hits = new Map<number, number>();
for (const s of prof.samples) hits.set(s, (hits.get(s) ?? 0) + 1);
const fns = new Map<string, number>();
const lines = new Map<string, number>();
for (const n of prof.nodes) {
  const h = hits.get(n.id);
  if (!h) continue;
  const f = n.callFrame;
  const inBundle = f.url.endsWith('profile-target.mjs');
  const where = inBundle ? (map(f.lineNumber + 1, f.columnNumber) ?? `bundle:${f.lineNumber + 1}`) : f.url ? `${f.url}:${f.lineNumber + 1}` : '(native)';
  const key = `${f.functionName || '(anonymous)'}  ${where}`;
  fns.set(key, (fns.get(key) ?? 0) + h);
  for (const t of n.positionTicks ?? []) {
    const at = inBundle ? (map(t.line, 0) ?? `bundle:${t.line}`) : `${f.url}:${t.line}`;
    const k = `${at}  (${f.functionName || 'anonymous'})`;
    lines.set(k, (lines.get(k) ?? 0) + t.ticks);
  }
}
const pct = (n: number) => `${((n / total) * 100).toFixed(1).padStart(5)}%`;
console.log(`\n${relative(root, file)}: ${total} samples\n\nself time by function:`);
for (const [k, n] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) console.log(`${pct(n)}  ${k}`);
console.log('\nself time by line:');
for (const [k, n] of [...lines].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) console.log(`${pct(n)}  ${k}`);
