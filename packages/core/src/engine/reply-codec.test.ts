import { describe, expect, it } from 'vitest';
import { ErrorReply, error } from '../errors.ts';
import { BoolReply, Double, MapReply, NO_REPLY, NULL_ARRAY, SetReply, Status, Verbatim, type Reply } from '../reply.ts';
import { decodeReply, encodeReply } from './reply-codec.ts';

describe('reply codec (replies across threads)', () => {
  it('every reply kind survives a structured clone', () => {
    const r: Reply[] = [
      'bulk \x00\xff', 42, 2n ** 70n, null, [], NULL_ARRAY, NO_REPLY, new Status('OK'), error('ERR boom'),
      new Double(1.5), new MapReply(['k', [new Double(-0), new BoolReply(true)]]), new SetReply(['a', 1]),
      new Verbatim('txt', 'hello'), [[['deep', new Status('QUEUED')]]],
    ];
    const back = decodeReply(structuredClone(encodeReply(r))) as Reply[];
    expect(back).toEqual(r);
    expect(back[8]).toBeInstanceOf(ErrorReply);
    expect(back[5]).toBe(NULL_ARRAY);
    expect(back[6]).toBe(NO_REPLY);
    expect(Object.is(((back[10] as MapReply).entries[1] as Reply[])[0] instanceof Double && (((back[10] as MapReply).entries[1] as Reply[])[0] as Double).value, -0)).toBe(true);
  });
  it('arrays of plain values pass as they are', () => {
    const a = ['x', 1, null];
    expect(encodeReply(a)).toBe(a);
  });
});
