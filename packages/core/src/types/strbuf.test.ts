import { describe, expect, it } from 'vitest';
import {
  StrBuf,
  byteAt,
  copyStringValue,
  isStringValue,
  stringLength,
  stringSlice,
  stringValue,
  stringValueEncoding,
} from './strbuf.ts';

describe('StrBuf', () => {
  it('holds a binary string and reads it back', () => {
    const all = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
    const sb = StrBuf.from(all);
    expect(sb.len).toBe(256);
    expect(sb.size).toBe(256);
    expect(sb.toString()).toBe(all);
    expect(sb.slice(10, 13)).toBe('\x0a\x0b\x0c');
    expect(sb.type).toBe('string');
    expect(sb.encoding()).toBe('raw');
  });

  it('setRange pads with zeros and grows', () => {
    const sb = new StrBuf();
    sb.setRange(3, 'ab');
    expect(sb.toString()).toBe('\0\0\0ab');
    sb.setRange(1, 'X');
    expect(sb.toString()).toBe('\0X\0ab');
    sb.setRange(7, 'Z');
    expect(sb.toString()).toBe('\0X\0ab\0\0Z');
  });

  it('append is amortized: capacity at least doubles', () => {
    const sb = StrBuf.from('x');
    let reallocs = 0;
    let cap = sb.buf.length;
    for (let i = 0; i < 10000; i++) {
      sb.append('y');
      if (sb.buf.length !== cap) {
        reallocs++;
        cap = sb.buf.length;
      }
    }
    expect(sb.len).toBe(10001);
    expect(reallocs).toBeLessThan(20);
    expect(sb.toString()).toBe('x' + 'y'.repeat(10000));
  });

  it('growZero keeps spare capacity zeroed', () => {
    const sb = StrBuf.from('abc', 10);
    sb.growZero(6);
    expect(sb.toString()).toBe('abc\0\0\0');
    sb.setBytes(1, Uint8Array.of(1, 2));
    expect(sb.toString()).toBe('a\x01\x02\0\0\0');
  });

  it('clone is independent and memory tracks capacity', () => {
    const sb = StrBuf.from('hello', 100);
    const c = sb.clone();
    sb.setRange(0, 'J');
    expect(c.toString()).toBe('hello');
    expect(sb.toString()).toBe('Jello');
    expect(sb.memory()).toBeGreaterThan(c.memory());
  });

  it('generic accessors read both forms', () => {
    const sb = StrBuf.from('hello');
    for (const v of ['hello', sb]) {
      expect(isStringValue(v)).toBe(true);
      expect(stringValue(v)).toBe('hello');
      expect(stringLength(v)).toBe(5);
      expect(byteAt(v, 1)).toBe(101);
      expect(stringSlice(v, 1, 3)).toBe('el');
    }
    expect(copyStringValue('x')).toBe('x');
    const copy = copyStringValue(sb) as StrBuf;
    expect(copy).not.toBe(sb);
    expect(copy.toString()).toBe('hello');
    expect(stringValueEncoding('123')).toBe('int');
    expect(stringValueEncoding('hello')).toBe('embstr');
    expect(stringValueEncoding('x'.repeat(45))).toBe('raw');
    expect(stringValueEncoding(sb)).toBe('raw');
  });
});
