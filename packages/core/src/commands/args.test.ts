import { describe, expect, it } from 'vitest';
import { timeoutArg } from './args.ts';

const err = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
};

describe('timeoutArg (getTimeoutFromObjectOrReply)', () => {
  it('seconds: a long double, in ms rounded up, as an absolute deadline', () => {
    expect(timeoutArg('0', 1000)).toBe(0);
    expect(timeoutArg('1.5', 1000)).toBe(2500);
    expect(timeoutArg('0.0001', 1000)).toBe(1001);
    expect(timeoutArg('0x10', 0)).toBe(16000);
    // Rounded up to 0: no timeout, as in Redis.
    expect(timeoutArg('-0.0001', 1000)).toBe(0);
  });
  it('seconds: errors as Redis', () => {
    expect(err(() => timeoutArg('abc', 0))).toBe('ERR timeout is not a float or out of range');
    expect(err(() => timeoutArg('nan', 0))).toBe('ERR timeout is not a float or out of range');
    expect(err(() => timeoutArg('-1', 0))).toBe('ERR timeout is negative');
    expect(err(() => timeoutArg('-inf', 0))).toBe('ERR timeout is negative');
    expect(err(() => timeoutArg('inf', 0))).toBe('ERR timeout is out of range');
    expect(err(() => timeoutArg('9223372036854775807', 0))).toBe('ERR timeout is out of range');
    expect(err(() => timeoutArg('9223372036854775', 1000))).toBe('ERR timeout is out of range');
  });
  it('milliseconds: an int64', () => {
    expect(timeoutArg('10', 5, 'milliseconds')).toBe(15);
    expect(err(() => timeoutArg('1.5', 0, 'milliseconds'))).toBe('ERR timeout is not an integer or out of range');
    expect(err(() => timeoutArg('-1', 0, 'milliseconds'))).toBe('ERR timeout is negative');
  });
});
