import { describe, expect, it } from 'vitest';
import { HASHTABLE, INTSET, LISTPACK, RSet, compareInt64Text } from './set.ts';

const limits = { 'set-max-intset-entries': 4, 'set-max-listpack-entries': 3, 'set-max-listpack-value': 5 };

describe('compareInt64Text', () => {
  it('orders canonical integers numerically', () => {
    const xs = ['10', '-1', '0', '9', '-10', '-9', '100', '-9223372036854775808', '9223372036854775807', '-2'];
    const byNumber = [...xs].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
    expect([...xs].sort(compareInt64Text)).toEqual(byNumber);
    expect(compareInt64Text('5', '5')).toBe(0);
  });
});

describe('RSet', () => {
  it('has / add / delete / size / members / random / popRandom', () => {
    const s = new RSet(limits);
    expect(s.type).toBe('set');
    expect(s.add('3')).toBe(true);
    expect(s.add('1')).toBe(true);
    expect(s.add('3')).toBe(false);
    expect(s.has('1')).toBe(true);
    expect(s.has('2')).toBe(false);
    expect(s.size).toBe(2);
    expect(s.members()).toEqual(['1', '3']);
    expect(['1', '3']).toContain(s.random());
    expect(s.delete('1')).toBe(true);
    expect(s.delete('1')).toBe(false);
    expect(s.popRandom()).toBe('3');
    expect(s.size).toBe(0);
  });

  it('encoding transitions follow setTypeAddAux', () => {
    const s = new RSet(limits);
    for (const m of ['4', '3', '2', '1']) s.add(m);
    expect(s.encoding()).toBe('intset');
    s.add('5');
    expect(s.encoding()).toBe('hashtable');

    const t = new RSet(limits);
    t.add('2');
    t.add('1');
    t.add('a');
    expect(t.encoding()).toBe('listpack');
    expect(t.members()).toEqual(['1', '2', 'a']);
    t.add('b');
    expect(t.encoding()).toBe('hashtable');

    const u = new RSet(limits);
    u.add('123456');
    u.add('a');
    expect(u.encoding()).toBe('hashtable');
  });

  it('create / maybeConvert / fromMembers / maybeConvertToIntset', () => {
    expect(RSet.create(limits, '1', 4).enc).toBe(INTSET);
    expect(RSet.create(limits, '1', 5).enc).toBe(HASHTABLE);
    expect(RSet.create(limits, 'a', 3).enc).toBe(LISTPACK);
    expect(RSet.create(limits, 'a', 4).enc).toBe(HASHTABLE);
    const s = RSet.create(limits, 'a', 1);
    s.maybeConvert(4);
    expect(s.enc).toBe(HASHTABLE);
    expect(RSet.fromMembers(limits, ['3', '1', '3']).members()).toEqual(['1', '3']);
    const r = RSet.fromMembers(limits, ['1', '2'], LISTPACK);
    expect(r.encoding()).toBe('listpack');
    r.maybeConvertToIntset();
    expect(r.encoding()).toBe('intset');
  });

  it('listpack keeps insertion order across deletes', () => {
    const s = new RSet({ ...limits, 'set-max-listpack-entries': 10 });
    for (const m of ['c', 'a', 'b']) s.add(m);
    s.delete('c');
    s.add('d');
    expect(s.members()).toEqual(['a', 'b', 'd']);
  });

  it('memory() follows contents; clone is deep', () => {
    const s = new RSet(limits);
    const m0 = s.memory();
    s.add('abc');
    s.add('x'.repeat(40));
    expect(s.memory()).toBeGreaterThan(m0 + 40);
    const c = s.clone();
    s.delete('abc');
    s.popRandom();
    expect(s.memory()).toBe(m0);
    expect(c.size).toBe(2);
    expect(c.encoding()).toBe(s.encoding());
    expect([...c].sort()).toEqual(['abc', 'x'.repeat(40)]);
  });
});
