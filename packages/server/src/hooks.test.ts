import { describe, expect, it } from 'vitest';
import { Hooks } from './hooks.ts';

describe('Hooks', () => {
  it('runs the hooks switched on, in the order they were added, whatever the order of switching', () => {
    const h = new Hooks<string>();
    h.push('b');
    h.push('c', false);
    h.unshift('a');
    h.push('d');
    expect(h.active).toEqual(['a', 'b', 'd']);
    h.switch('b', false);
    h.switch('c', true);
    expect(h.active).toEqual(['a', 'c', 'd']);
    h.switch('b', true);
    h.switch('b', true);
    expect(h.active).toEqual(['a', 'b', 'c', 'd']);
  });

  it('leaves a list being iterated as it was: a switch replaces the list', () => {
    const h = new Hooks<string>();
    h.push('a');
    h.push('b');
    const running = h.active;
    h.switch('a', false);
    expect(running).toEqual(['a', 'b']);
    expect(h.active).toEqual(['b']);
  });
});
