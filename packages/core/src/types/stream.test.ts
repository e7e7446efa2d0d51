import { describe, expect, it } from 'vitest';
import { IdMap, MAX_ID, MIN_ID, RStream, decrId, incrId, parseStreamId, parseU64, type NACK, type StreamID } from './stream.ts';

const limits = { maxEntries: 100, maxBytes: 4096 };
const id = (ms: number | bigint, seq: number | bigint = 0): StreamID => ({ ms, seq });

describe('stream IDs', () => {
  it('parses unsigned 64-bit values like string2ull', () => {
    expect(parseU64('0')).toBe(0);
    expect(parseU64('123')).toBe(123);
    expect(parseU64('9007199254740991')).toBe(9007199254740991);
    expect(parseU64('9007199254740992')).toBe(9007199254740992n);
    expect(parseU64('18446744073709551615')).toBe(18446744073709551615n);
    expect(parseU64('18446744073709551616')).toBe(null);
    expect(parseU64('-1')).toBe(null);
    expect(parseU64('')).toBe(null);
    expect(parseU64('1x')).toBe(null);
    // strtoull's leniency: spaces, '+', leading zeros.
    expect(parseU64(' 5')).toBe(5);
    expect(parseU64('+6')).toBe(6);
    expect(parseU64('007')).toBe(7);
  });

  it('parses <ms>-<seq>, <ms>, -, +, <ms>-*', () => {
    expect(parseStreamId('1-2', 0, true)).toEqual({ id: id(1, 2), seqGiven: true });
    expect(parseStreamId('1', 5, true)).toEqual({ id: id(1, 5), seqGiven: true });
    expect(parseStreamId('-', 0, false)!.id).toBe(MIN_ID);
    expect(parseStreamId('+', 0, false)!.id).toBe(MAX_ID);
    expect(parseStreamId('+', 0, true)).toBe(null);
    expect(parseStreamId('1-*', 0, true)).toBe(null);
    expect(parseStreamId('1-*', 0, true, true)).toEqual({ id: id(1, 0), seqGiven: false });
    expect(parseStreamId('1-', 0, true)).toBe(null);
    expect(parseStreamId('x'.repeat(128), 0, true)).toBe(null);
  });

  it('increments and decrements across the 64-bit boundaries', () => {
    expect(incrId(id(1, 18446744073709551615n))).toEqual(id(2, 0));
    expect(incrId(id(9007199254740991, 0))).toEqual(id(9007199254740991, 1));
    expect(incrId(id(1, 9007199254740991))).toEqual(id(1, 9007199254740992n));
    expect(incrId(MAX_ID)).toBe(null);
    expect(decrId(id(2, 0))).toEqual(id(1, 18446744073709551615n));
    expect(decrId(id(1, 9007199254740992n))).toEqual(id(1, 9007199254740991));
    expect(decrId(MIN_ID)).toBe(null);
  });
});

describe('RStream', () => {
  it('ranges forward and backward over nodes, skipping tombstones', () => {
    const s = new RStream();
    for (let i = 1; i <= 250; i++) s.append(id(i), ['f', String(i)], limits);
    expect(s.nodeCount).toBe(3);
    for (let i = 95; i <= 105; i++) s.delete(id(i));
    const ids = (es: { ms: unknown }[]) => es.map((e) => e.ms);
    expect(ids(s.range(id(93), id(107), false))).toEqual([93, 94, 106, 107]);
    expect(ids(s.range(id(93), id(107), true))).toEqual([107, 106, 94, 93]);
    expect(ids(s.range(MIN_ID, MAX_ID, true, 2))).toEqual([250, 249]);
    expect(ids(s.range(id(0), id(0), false))).toEqual([]);
    expect(ids(s.range(id(300), MAX_ID, false))).toEqual([]);
    expect(s.length).toBe(239);
    expect(s.get(id(100))).toBe(undefined);
    expect(s.get(id(106))!.fv).toEqual(['f', '106']);
  });

  it('clones deeply, groups and PELs included', () => {
    const s = new RStream();
    s.append(id(1), ['a', '1'], limits);
    const g = s.createGroup('g', MIN_ID, -1)!;
    const c = s.createConsumer(g, 'c', 5)!;
    s.addNack(g, { ms: 1, seq: 0, deliveryTime: 5, deliveryCount: 1, consumer: c });
    const t = s.clone();
    s.delete(id(1));
    s.removeNack(g, g.pel.get(1, 0)!);
    expect(t.length).toBe(1);
    const tg = t.group('g')!;
    expect(tg.pel.size).toBe(1);
    expect(tg.pel.get(1, 0)!.consumer).toBe(tg.consumers.get('c'));
    expect(tg.consumers.get('c')!.pel.size).toBe(1);
    expect(t.memory()).toBeGreaterThan(0);
  });

  it('keeps memory() as a running estimate', () => {
    const s = new RStream();
    const empty = s.memory();
    for (let i = 1; i <= 300; i++) s.append(id(i), ['field', 'value'], limits);
    const full = s.memory();
    expect(full).toBeGreaterThan(empty + 300 * 50);
    s.trim({ strategy: 'maxlen', maxlen: 0, minid: MIN_ID, approx: false, limit: 0 });
    expect(s.memory()).toBe(empty);
  });
});

describe('IdMap', () => {
  it('keeps items ordered through inserts and deletes, iterating safely under deletion', () => {
    const m = new IdMap<NACK>();
    const order: number[] = [];
    for (let i = 0; i < 2000; i++) order.push((i * 7919) % 2000);
    for (const i of order) m.insert({ ms: i, seq: 0, deliveryTime: 0, deliveryCount: 0, consumer: null });
    expect(m.insert({ ms: 5, seq: 0, deliveryTime: 0, deliveryCount: 0, consumer: null })).toBe(false);
    expect(m.size).toBe(2000);
    expect(m.toArray().map((x) => x.ms)).toEqual([...Array(2000).keys()]);
    const seen: number[] = [];
    for (const x of m.from(1000, 0)) {
      seen.push(x.ms as number);
      m.delete(x.ms, x.seq);
    }
    expect(seen).toEqual([...Array(1000).keys()].map((i) => i + 1000));
    expect(m.size).toBe(1000);
    expect(m.last()!.ms).toBe(999);
    expect(m.get(500, 0)!.ms).toBe(500);
    expect(m.get(1500, 0)).toBe(undefined);
  });
});
