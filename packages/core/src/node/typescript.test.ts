import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

  it('maps stack traces to the TypeScript lines', () => {
    writeFileSync(join(dir, 'thrower.ts'), 'interface Shape {\n  side: number;\n}\n\nexport function fail(s: Shape): never {\n  throw new Error(`bad ${s.side}`);\n}\n');
    const out = run(`const { fail } = await import(${JSON.stringify(join(dir, 'thrower.ts'))});\ntry { fail({ side: 1 }); } catch (e) { console.log(e.stack); }`);
    expect(out).toMatch(/thrower\.ts:6:\d+/);
  });
});
