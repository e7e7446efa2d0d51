/** On Node, the package's entry is the full engine: scripting works in-process. */
import { describe, expect, it } from 'vitest';
import { openSync } from '@memorykv/core';

describe('@memorykv/core on Node', () => {
  it('runs Lua scripts in-process (EVAL, EVALSHA)', () => {
    const db = openSync();
    try {
      expect(db.call('EVAL', "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('GET', KEYS[1])", '1', 'k', 'v')).toBe('v');
      const sha = db.call('SCRIPT', 'LOAD', 'return #KEYS + #ARGV') as string;
      expect(db.call('EVALSHA', sha, '2', 'a', 'b', 'c')).toBe(3);
    } finally {
      db.close();
    }
  });
});
