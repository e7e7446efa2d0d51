/**
 * The portable part of the core (everything outside src/node/) must run unchanged in a browser:
 * bundle it for platform 'browser' and fail on any node: import or use of Buffer, process or fs.
 */
import { build } from 'esbuild';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = join(import.meta.dirname, '..', 'src');

function portableFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (relative(src, p) !== 'node') out.push(...portableFiles(p));
    } else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

describe('portable core', () => {
  it('bundles for the browser without Node built-ins', async () => {
    const result = await build({
      stdin: {
        contents: portableFiles(src)
          .map((f) => `import ${JSON.stringify('./' + relative(src, f).replace(/\\/g, '/'))};`)
          .join('\n'),
        resolveDir: src,
        loader: 'ts',
      },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code.length).toBeGreaterThan(1000);
    expect(code).not.toMatch(/\bfrom\s+["']node:/);
    expect(code).not.toMatch(/\brequire\(["'](node:)?(fs|path|os|crypto|worker_threads|buffer)["']\)/);
  });

  it('no portable source file uses Buffer, process or fs', () => {
    for (const f of portableFiles(src)) {
      const text = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      expect(text, relative(src, f)).not.toMatch(/\bBuffer\b|\bprocess\.|\bfrom ['"](node:)?fs['"]|['"]node:/);
    }
  });
});
