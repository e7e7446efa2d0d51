/** The README's list of supported commands is the command table: neither may drift. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands } from '../src/commands/index.ts';

describe('README', () => {
  it('lists every command of the table, and no other', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Supported commands'), readme.indexOf('## Layout'));
    const listed = new Set(
      section
        .split('\n')
        .filter((l) => l.startsWith('- **'))
        .flatMap((l) => l.replace(/\([^)]*\)/g, '').split(':')[1]!.split(','))
        .map((n) => n.trim().toLowerCase())
        .filter(Boolean),
    );
    expect([...listed].sort()).toEqual([...commands.keys()].sort());
  });
});
