/**
 * Reading a `node --cpu-prof` profile of an esbuild bundle: self time by function and by source
 * line, mapped back to the TypeScript sources through the bundle's source map. Bundles are used
 * because tsx's transformed code puts a whole module on one line, which makes V8's line ticks
 * useless.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  positionTicks?: { line: number; ticks: number }[];
}
type Mapper = (line: number, column: number) => string | null;

export interface ProfileSummary {
  samples: number;
  /** Busy time by where it is spent: repository sources, Node's own JS, native, GC. */
  categories: [string, number][];
  /** [function  file:line, share of samples], hottest first. */
  functions: [string, number][];
  lines: [string, number][];
}

/**
 * Summarizes `profile` (a .cpuprofile) of `bundle` (whose `.map` sits beside it); paths are
 * printed relative to `root`. Samples spent idle (waiting in epoll for I/O) are left out of the
 * shares, so that they tell where the busy time goes; "(program)" is native time outside JS and GC
 * (libuv, the C++ side of Node), kept.
 */
export async function summarize(profile: string, bundle: string, root: string, top = 25): Promise<ProfileSummary> {
  const dir = new URL('.', `file://${bundle}`).href;
  // source-map-js comes with vitest's toolchain; without it, bundle positions are printed.
  let map: Mapper = () => null;
  try {
    const { SourceMapConsumer } = await import('source-map-js');
    const consumer = new SourceMapConsumer(JSON.parse(readFileSync(`${bundle}.map`, 'utf8')));
    map = (line, column) => {
      const p = consumer.originalPositionFor({ line, column, bias: SourceMapConsumer.LEAST_UPPER_BOUND });
      if (!p.source) return null;
      return `${relative(root, fileURLToPath(new URL(p.source, dir)))}:${p.line}`;
    };
  } catch {
    // keep bundle positions
  }

  const bundleName = bundle.slice(bundle.lastIndexOf('/') + 1);
  const prof = JSON.parse(readFileSync(profile, 'utf8')) as { nodes: ProfNode[]; samples: number[] };
  const hits = new Map<number, number>();
  for (const s of prof.samples) hits.set(s, (hits.get(s) ?? 0) + 1);
  const fns = new Map<string, number>();
  const lines = new Map<string, number>();
  const cats = new Map<string, number>();
  let total = 0;
  for (const n of prof.nodes) {
    const h = hits.get(n.id);
    if (!h) continue;
    const f = n.callFrame;
    if (f.functionName === '(idle)') continue;
    total += h;
    const inBundle = f.url.endsWith(bundleName);
    const where = inBundle ? (map(f.lineNumber + 1, f.columnNumber) ?? `bundle:${f.lineNumber + 1}`) : f.url ? `${f.url}:${f.lineNumber + 1}` : '(native)';
    const key = `${f.functionName || '(anonymous)'}  ${where}`;
    fns.set(key, (fns.get(key) ?? 0) + h);
    const cat = inBundle
      ? where.startsWith('packages/')
        ? where.slice(0, where.indexOf('/src/') + 4)
        : 'bundled dependencies'
      : f.url.startsWith('node:')
        ? 'Node.js internals (streams, events, timers ...)'
        : f.functionName.startsWith('(')
          ? f.functionName
          : `native: ${f.functionName}`;
    cats.set(cat, (cats.get(cat) ?? 0) + h);
    for (const t of n.positionTicks ?? []) {
      const at = inBundle ? (map(t.line, 0) ?? `bundle:${t.line}`) : `${f.url}:${t.line}`;
      const k = `${at}  (${f.functionName || 'anonymous'})`;
      lines.set(k, (lines.get(k) ?? 0) + t.ticks);
    }
  }
  const shares = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, n]) => [k, n / total] as [string, number]);
  return { samples: total, categories: shares(cats), functions: shares(fns), lines: shares(lines) };
}

export function printSummary(s: ProfileSummary, log: (s: string) => void = console.log): void {
  const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)}%`;
  log(`${s.samples} busy samples\n\nself time by where:`);
  for (const [k, x] of s.categories) log(`${pct(x)}  ${k}`);
  log('\nself time by function:');
  for (const [k, x] of s.functions) log(`${pct(x)}  ${k}`);
  log('\nself time by line:');
  for (const [k, x] of s.lines) log(`${pct(x)}  ${k}`);
}
