import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const hooks = fileURLToPath(new URL('./typescript.mjs', import.meta.url));
const errors = fileURLToPath(new URL('../errors.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'memorykv-ts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs an ES module in a fresh node with the hooks registered; returns what it printed. */
function run(body: string): string {
  const main = join(dir, `main-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(main, `import { registerTypeScript } from ${JSON.stringify(hooks)};\nregisterTypeScript();\n${body}`);
  return execFileSync(process.execPath, [main], { encoding: 'utf8', timeout: 20_000 });
}

describe('registerTypeScript (how the server binary and the worker threads load our sources)', () => {
  it('runs TypeScript, keeping an import that is used only as a value', () => {
    writeFileSync(join(dir, 'dep.ts'), 'export const side: string[] = [];\nside.push("loaded");\nexport type T = number;\n');
    writeFileSync(join(dir, 'mod.ts'), 'import { side, type T } from "./dep.ts";\nconst n: T = 41;\nexport const answer = (): number => n + side.length;\n');
    expect(run(`const m = await import(${JSON.stringify(join(dir, 'mod.ts'))});\nconsole.log(m.answer());`).trim()).toBe('42');
  });

  it('does not re-define the names of classes (tsx keepNames): V8 keeps instanceof fast', () => {
    const out = run(`const { ErrorReply } = await import(${JSON.stringify(errors)});\nconsole.log(String(ErrorReply));`);
    expect(out).toContain('class ErrorReply');
    expect(out).not.toContain('__name');
  });

  it.runIf(process.platform === 'linux')('stops esbuild once nothing is loaded for a while, and starts it again for a later import', () => {
    writeFileSync(join(dir, 'early.ts'), 'export const early: number = 1;\n');
    writeFileSync(join(dir, 'late.ts'), 'export const late: number = 2;\n');
    const out = run(`
import { readdirSync, readFileSync } from 'node:fs';
// Children of every thread of this process (esbuild is started by the loader's thread).
const children = () => readdirSync('/proc/self/task').flatMap((t) => readFileSync('/proc/self/task/' + t + '/children', 'utf8').split(' ').filter(Boolean));
const { early } = await import(${JSON.stringify(join(dir, 'early.ts'))});
const busy = children().length;
await new Promise((r) => setTimeout(r, 2500));
const idle = children().length;
const { late } = await import(${JSON.stringify(join(dir, 'late.ts'))});
console.log(JSON.stringify({ busy, idle, sum: early + late }));`);
    expect(JSON.parse(out)).toEqual({ busy: 1, idle: 0, sum: 3 });
  });

  it('caches transforms by content: a changed source is transformed again, never served stale', () => {
    const mark = `m${Math.random().toString(36).slice(2)}`;
    const file = join(dir, 'cached.ts');
    writeFileSync(file, `export const v: string = "${mark}-one";\n`);
    expect(run(`console.log((await import(${JSON.stringify(file)})).v);`).trim()).toBe(`${mark}-one`);
    writeFileSync(file, `export const v: string = "${mark}-two";\n`);
    expect(run(`console.log((await import(${JSON.stringify(file)})).v);`).trim()).toBe(`${mark}-two`);
    // Both versions are in the cache (node_modules/.cache/memorykv-ts), each under its own name.
    const cache = fileURLToPath(new URL('../../../../node_modules/.cache/memorykv-ts', import.meta.url));
    const holding = readdirSync(cache, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.mjs'))
      .map((e) => readFileSync(join(e.parentPath ?? e.path, e.name), 'utf8'))
      .filter((code) => code.includes(mark));
    expect(holding.length).toBe(2);
    // A third start with the same source reads the cache (and still prints the new value).
    expect(run(`console.log((await import(${JSON.stringify(file)})).v);`).trim()).toBe(`${mark}-two`);
  });

  it('maps stack traces to the TypeScript lines', () => {
    writeFileSync(join(dir, 'thrower.ts'), 'interface Shape {\n  side: number;\n}\n\nexport function fail(s: Shape): never {\n  throw new Error(`bad ${s.side}`);\n}\n');
    const out = run(`const { fail } = await import(${JSON.stringify(join(dir, 'thrower.ts'))});\ntry { fail({ side: 1 }); } catch (e) { console.log(e.stack); }`);
    expect(out).toMatch(/thrower\.ts:6:\d+/);
  });
});
