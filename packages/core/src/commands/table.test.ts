import { describe, expect, it } from 'vitest';
import '../index.ts';
import { commands, defineCommands, lookupCommand, type Command } from './table.ts';

function entries(): Command[] {
  const out: Command[] = [];
  for (const cmd of commands.values()) {
    out.push(cmd);
    for (const sub of cmd.sub?.values() ?? []) out.push(sub);
  }
  return out;
}

describe('command table entries', () => {
  it('all have the same fields in the same order (one hidden class for the dispatch path)', () => {
    const all = entries();
    expect(all.length).toBeGreaterThan(200);
    const first = Object.keys(all[0]!).join(',');
    const odd = all.filter((c) => Object.keys(c).join(',') !== first).map((c) => c.fullName);
    expect(odd).toEqual([]);
    expect(Object.getPrototypeOf(all[0]!)).not.toBe(Object.prototype);
    expect(new Set(all.map((c) => Object.getPrototypeOf(c))).size).toBe(1);
  });

  it('keep what their spec declared', () => {
    const get = lookupCommand('GET')!;
    expect(get.name).toBe('get');
    expect(get.fullName).toBe('get');
    expect([get.arity, get.firstKey, get.lastKey, get.step, get.readonly, get.write]).toEqual([2, 1, 1, 1, true, false]);
    const restore = lookupCommand('restore')!;
    expect(restore.history?.length).toBeGreaterThan(0);
    const help = lookupCommand('object')!.sub!.get('help')!;
    expect(help.fullName).toBe('object|help');
    expect(help.parent).toBe(lookupCommand('object'));
  });

  it('refuse a spec field the table does not know, rather than give that command a shape of its own', () => {
    const spec = { name: 'x-unknown-field', arity: 1, flags: [], acl: [], group: 'generic', typo: 1 };
    expect(() => defineCommands(spec as never)).toThrow(/unknown spec field typo/);
    expect(commands.has('x-unknown-field')).toBe(false);
  });
});
