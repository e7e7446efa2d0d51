import { describe, expect, it } from 'vitest';
import { intText } from './bytes.ts';

describe('intText', () => {
  it('prints what String prints: every width, both sides of 2^31, negatives, the safe-integer bounds', () => {
    const values = [0, 1, 9, 10, 99, 100, 2147483646, 2147483647, 2147483648, -1, -10, -2147483648, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    for (let n = 7, w = 1; w <= 16; n = n * 10 + 3, w++) values.push(n, n + 2);
    let x = 12345;
    for (let i = 0; i < 2000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      values.push(x, x % 1000, -x);
    }
    for (const n of values) expect(intText(n)).toBe(String(n));
  });
});
