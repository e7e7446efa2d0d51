import { describe, expect, it } from 'vitest';
import {
  BoolReply,
  Double,
  ErrorReply,
  MapReply,
  NULL_ARRAY,
  OK,
  SetReply,
  Status,
  Verbatim,
  doubleText,
  type Reply,
} from '@memorykv/core';
import { BigNumber, ReplyWriter, encode, encodePush, errorLine, type WireReply } from './encoder.ts';
import { RespParser } from './parser.ts';

const wire = (r: WireReply, resp: 2 | 3) => encode(r, resp).toString('latin1');
const both = (r: WireReply) => [wire(r, 2), wire(r, 3)];

describe('encode: every reply type in RESP2 and RESP3', () => {
  it('bulk strings', () => {
    expect(both('hello')).toEqual(['$5\r\nhello\r\n', '$5\r\nhello\r\n']);
    expect(both('')).toEqual(['$0\r\n\r\n', '$0\r\n\r\n']);
    expect(wire('a\r\nb', 2)).toBe('$4\r\na\r\nb\r\n');
    const long = 'x'.repeat(1000);
    expect(wire(long, 3)).toBe(`$1000\r\n${long}\r\n`);
  });

  it('integers', () => {
    expect(both(0)).toEqual([':0\r\n', ':0\r\n']);
    expect(wire(1, 2)).toBe(':1\r\n');
    expect(wire(-1, 2)).toBe(':-1\r\n');
    expect(wire(1234567890, 3)).toBe(':1234567890\r\n');
    expect(wire(4294967295, 3)).toBe(':4294967295\r\n');
    // Both sides of the int32 fast path, and every width.
    for (const n of [2147483646, 2147483647, 2147483648, 2147483649]) expect(wire(n, 2)).toBe(`:${n}\r\n`);
    for (let n = 7, w = 1; w <= 10; n = n * 10 + 3, w++) expect(wire(n, 2)).toBe(`:${n}\r\n`);
    expect(wire(4294967296, 3)).toBe(':4294967296\r\n');
    expect(wire(-4294967296, 3)).toBe(':-4294967296\r\n');
    expect(wire(Number.MAX_SAFE_INTEGER, 2)).toBe(':9007199254740991\r\n');
    expect(wire(2 ** 60, 2)).toBe(':1152921504606846976\r\n');
    expect(wire(9223372036854775807n, 2)).toBe(':9223372036854775807\r\n');
    expect(wire(-9223372036854775808n, 3)).toBe(':-9223372036854775808\r\n');
    expect(wire(-0, 2)).toBe(':0\r\n');
  });

  it('null bulk and null array', () => {
    expect(both(null)).toEqual(['$-1\r\n', '_\r\n']);
    expect(both(NULL_ARRAY)).toEqual(['*-1\r\n', '_\r\n']);
  });

  it('simple strings', () => {
    expect(both(OK)).toEqual(['+OK\r\n', '+OK\r\n']);
    expect(wire(new Status('QUEUED'), 3)).toBe('+QUEUED\r\n');
  });

  it('errors, with CR and LF made harmless as addReplyErrorFormat does', () => {
    expect(both(new ErrorReply('ERR syntax error'))).toEqual(['-ERR syntax error\r\n', '-ERR syntax error\r\n']);
    expect(wire(new ErrorReply('WRONGTYPE Operation against a key holding the wrong kind of value'), 2)).toBe(
      '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n',
    );
    // Recorded from redis-server: *1\r\n$5\r\na\r\nb\n\r\n
    expect(wire(new ErrorReply("ERR unknown command 'a\r\nb\n', with args beginning with: "), 2)).toBe(
      "-ERR unknown command 'a  b ', with args beginning with: \r\n",
    );
    expect(wire(new ErrorReply('\r\nERR x\ny\r\n'), 3)).toBe('-ERR x y\r\n');
    expect(errorLine('-ERR already prefixed')).toBe('-ERR already prefixed');
    expect(errorLine('ERR \xff')).toBe('-ERR \xff');
  });

  it('doubles: d2string text as a bulk in RESP2, "," in RESP3', () => {
    // Recorded from redis-server: ZSCORE in RESP2 and RESP3.
    expect(both(new Double(1.5))).toEqual(['$3\r\n1.5\r\n', ',1.5\r\n']);
    expect(both(new Double(Infinity))).toEqual(['$3\r\ninf\r\n', ',inf\r\n']);
    expect(both(new Double(-Infinity))).toEqual(['$4\r\n-inf\r\n', ',-inf\r\n']);
    expect(both(new Double(NaN))).toEqual(['$3\r\nnan\r\n', ',nan\r\n']);
    expect(both(new Double(3))).toEqual(['$1\r\n3\r\n', ',3\r\n']);
    expect(both(new Double(-0))).toEqual(['$2\r\n-0\r\n', ',-0\r\n']);
    for (const d of [0.1, 1 / 3, 1e300, -2.5e-10, 123456789.125]) {
      const text = doubleText(new Double(d));
      expect(both(new Double(d))).toEqual([`$${text.length}\r\n${text}\r\n`, `,${text}\r\n`]);
    }
  });

  it('maps: a flat array in RESP2, "%" in RESP3', () => {
    const m = new MapReply(['f', 'v', 'n', 1]);
    expect(both(m)).toEqual(['*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\nn\r\n:1\r\n', '%2\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\nn\r\n:1\r\n']);
    expect(both(new MapReply([]))).toEqual(['*0\r\n', '%0\r\n']);
  });

  it('sets: an array in RESP2, "~" in RESP3', () => {
    expect(both(new SetReply(['x', 'y']))).toEqual(['*2\r\n$1\r\nx\r\n$1\r\ny\r\n', '~2\r\n$1\r\nx\r\n$1\r\ny\r\n']);
    expect(both(new SetReply([]))).toEqual(['*0\r\n', '~0\r\n']);
  });

  it('booleans: 1/0 in RESP2, #t/#f in RESP3', () => {
    expect(both(new BoolReply(true))).toEqual([':1\r\n', '#t\r\n']);
    expect(both(new BoolReply(false))).toEqual([':0\r\n', '#f\r\n']);
  });

  it('verbatim strings: a bulk in RESP2, "=" with a 3-character format in RESP3', () => {
    // Recorded from redis-server: DEBUG PROTOCOL verbatim.
    const text = 'This is a verbatim\nstring';
    expect(both(new Verbatim('txt', text))).toEqual([`$25\r\n${text}\r\n`, `=29\r\ntxt:${text}\r\n`]);
    expect(wire(new Verbatim('md', 'x'), 3)).toBe('=5\r\nmd :x\r\n');
    expect(wire(new Verbatim('', ''), 3)).toBe('=4\r\n   :\r\n');
    expect(wire(new Verbatim('mkdn', 'x'), 3)).toBe('=5\r\nmkd:x\r\n');
  });

  it('big numbers: a bulk in RESP2, "(" in RESP3', () => {
    // Recorded from redis-server: DEBUG PROTOCOL bignum.
    const n = new BigNumber('1234567999999999999999999999999999999');
    expect(both(n)).toEqual(['$37\r\n1234567999999999999999999999999999999\r\n', '(1234567999999999999999999999999999999\r\n']);
  });

  it('arrays, nested, with per-version members', () => {
    const r: Reply = [OK, null, 12, [new Double(1.5), new BoolReply(true)], [], NULL_ARRAY, new MapReply(['k', new SetReply(['m'])])];
    expect(both(r)).toEqual([
      '*7\r\n+OK\r\n$-1\r\n:12\r\n*2\r\n$3\r\n1.5\r\n:1\r\n*0\r\n*-1\r\n*2\r\n$1\r\nk\r\n*1\r\n$1\r\nm\r\n',
      '*7\r\n+OK\r\n_\r\n:12\r\n*2\r\n,1.5\r\n#t\r\n*0\r\n_\r\n%1\r\n$1\r\nk\r\n~1\r\n$1\r\nm\r\n',
    ]);
    // DEBUG PROTOCOL map as redis-server sends it in RESP2 and RESP3.
    const map = new MapReply([0, new BoolReply(false), 1, new BoolReply(true), 2, new BoolReply(false)]);
    expect(both(map)).toEqual(['*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n', '%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n']);
  });

  it('push messages: ">" in RESP3, a plain array in RESP2', () => {
    const msg = ['message', 'chan', 'hello'];
    expect(encodePush(msg, 3).toString('latin1')).toBe('>3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$5\r\nhello\r\n');
    expect(encodePush(msg, 2).toString('latin1')).toBe('*3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$5\r\nhello\r\n');
    expect(encodePush(['subscribe', 'c', 1], 3).toString('latin1')).toBe('>3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n');
  });

  it('rejects values that are not replies', () => {
    expect(() => encode({} as unknown as Reply, 2)).toThrow(TypeError);
  });
});

describe('encode: binary data', () => {
  const all = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');

  it('writes every byte value as itself, short and long strings', () => {
    for (const s of [all, all.slice(0, 20), all.slice(200), all.repeat(100)]) {
      const out = encode(s, 2);
      const head = `$${s.length}\r\n`;
      expect(out.length).toBe(head.length + s.length + 2);
      expect(out.subarray(head.length, head.length + s.length).equals(Buffer.from(s, 'latin1'))).toBe(true);
    }
  });

  it('writes arrays of short strings (the one-loop path) byte for byte, and falls back on others', () => {
    const lengths = [0, 1, 9, 10, 11, 31, 5, 3];
    const items = lengths.map((n, k) => all.slice(k * 17, k * 17 + n));
    const expected = (xs: string[]) => `*${xs.length}\r\n` + xs.map((x) => `$${x.length}\r\n${x}\r\n`).join('');
    expect(encode(items, 2).toString('latin1')).toBe(expected(items));
    // A 32-byte string or a non-string member takes the generic path, from the first byte.
    const long = [...items, all.slice(0, 32)];
    expect(encode(long, 3).toString('latin1')).toBe(expected(long));
    expect(encode([...items, 7], 2).toString('latin1')).toBe(expected(items).replace('*8', '*9') + ':7\r\n');
  });

  it('writes sets and maps of short strings and doubles (SUNION, HGETALL) exactly as one at a time', () => {
    const members: Reply[] = ['a', 'bb', 'member:12345', new Double(-7), 'x'.repeat(31), new Double(0.5)];
    for (const resp of [2, 3] as const) {
      const items = members.map((x) => wire(x, resp)).join('');
      expect(wire(new SetReply(members), resp)).toBe(`${resp === 2 ? '*' : '~'}6\r\n${items}`);
      expect(wire(new MapReply(members), resp)).toBe(`${resp === 2 ? '*6' : '%3'}\r\n${items}`);
      // A member the loop does not take (a 32-byte string, an integer) sends all of them the generic way.
      for (const odd of ['y'.repeat(32), 42] as Reply[]) {
        const mixed = [...members, odd];
        expect(wire(new SetReply(mixed), resp)).toBe(`${resp === 2 ? '*' : '~'}7\r\n${mixed.map((x) => wire(x, resp)).join('')}`);
      }
    }
  });

  it('writes doubles among short strings (ZRANGE ... WITHSCORES) exactly as one at a time', () => {
    const values = [
      0, -0, 1, -1, 7, 9, 10, 99, 100, -100, 123456789, 999999999, -999999999, 1e9, -1e9, 4294967296, 2 ** 53, 1e21,
      0.5, -0.25, 1 / 3, -2.2250738585072014e-308, 1.7976931348623157e308, 5e-324, 1e-5, 123.456, Infinity, -Infinity, NaN,
    ];
    for (const resp of [2, 3] as const) {
      for (const v of values) {
        // Over four elements takes the one-loop path; each member encoded alone takes the generic one.
        const items: Reply[] = ['a', new Double(1), 'member:1', new Double(v), 'b', new Double(-v)];
        const expected = `*${items.length}\r\n` + items.map((x) => wire(x, resp)).join('');
        expect(wire(items, resp), `${v} in RESP${resp}`).toBe(expected);
      }
    }
  });

  it('round-trips through the request parser', () => {
    // A binary argv encoded as a RESP array of bulks is exactly a multibulk request.
    const argv = ['SET', all, all.split('').reverse().join(''), '', '\r\n'];
    const parser = new RespParser();
    parser.feed(encode(argv, 3));
    expect(parser.next()).toEqual(argv);
  });

  it('writes a 10MB bulk', () => {
    const size = 10 * 1024 * 1024;
    const bytes = Buffer.alloc(size);
    for (let i = 0; i < size; i++) bytes[i] = (i * 7 + (i >> 10)) & 0xff;
    const s = bytes.toString('latin1');
    const w = new ReplyWriter();
    w.write(OK, 2);
    w.write(s, 2);
    w.write(1, 2);
    const out = w.take();
    const head = `+OK\r\n$${size}\r\n`;
    expect(out.length).toBe(head.length + size + 2 + 4);
    expect(out.subarray(0, head.length).toString('latin1')).toBe(head);
    expect(out.subarray(head.length, head.length + size).equals(bytes)).toBe(true);
    expect(out.subarray(head.length + size).toString('latin1')).toBe('\r\n:1\r\n');
  });
});

describe('ReplyWriter: batches', () => {
  it('returns the replies written since the last take() as one Buffer', () => {
    const w = new ReplyWriter();
    w.write(OK, 2);
    w.write('v', 2);
    w.writeError('ERR no');
    w.writePush(['message', 'c', 'm'], 3);
    expect(w.length).toBe(5 + 7 + 9 + 31);
    expect(w.take().toString('latin1')).toBe('+OK\r\n$1\r\nv\r\n-ERR no\r\n>3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n');
    expect(w.length).toBe(0);
    expect(w.take().length).toBe(0);
    w.write(null, 3);
    expect(w.take().toString('latin1')).toBe('_\r\n');
  });

  it('never changes a taken Buffer, across slab growth', () => {
    const w = new ReplyWriter(64);
    const taken: [Buffer, string][] = [];
    let expected = '';
    for (let i = 0; i < 2000; i++) {
      const value = 'v'.repeat(i % 97) + i;
      w.write(value, 2);
      expected += `$${value.length}\r\n${value}\r\n`;
      if (i % 7 === 0) {
        taken.push([w.take(), expected]);
        expected = '';
      }
    }
    taken.push([w.take(), expected]);
    for (const [buf, text] of taken) expect(buf.toString('latin1')).toBe(text);
  });

  it('keeps a long batch intact while growing', () => {
    const w = new ReplyWriter(16);
    let expected = '';
    for (let i = 0; i < 10000; i++) {
      w.write(i, 3);
      w.write(new MapReply(['k' + i, new Double(i + 0.5)]), 3);
      expected += `:${i}\r\n%1\r\n$${('k' + i).length}\r\nk${i}\r\n,${i}.5\r\n`;
    }
    expect(w.take().toString('latin1')).toBe(expected);
  });

  it('writes raw bytes', () => {
    const w = new ReplyWriter();
    w.write(1, 2);
    w.writeRaw(encode('x', 2));
    expect(w.take().toString('latin1')).toBe(':1\r\n$1\r\nx\r\n');
  });

  it('release(): a slab whose bytes were all taken serves the next writer; one still in use does not', () => {
    const a = new ReplyWriter();
    a.write('first', 2);
    const fromA = a.take();
    a.release();
    const b = new ReplyWriter();
    b.write('second', 2);
    const fromB = b.take();
    // The slab went from a to b: the same memory, now holding b's bytes.
    expect(fromB.buffer).toBe(fromA.buffer);
    expect(fromB.toString('latin1')).toBe('$6\r\nsecond\r\n');

    // Bytes written after the take: the slab is not free, and nothing taken is overwritten.
    b.write('pending', 2);
    b.release();
    const c = new ReplyWriter();
    c.write('third', 2);
    const fromC = c.take();
    expect(fromC.buffer).not.toBe(fromB.buffer);
    expect(fromB.toString('latin1')).toBe('$6\r\nsecond\r\n');
    expect(b.take().toString('latin1')).toBe('$7\r\npending\r\n');
    // A writer that never released keeps writing after its taken bytes, leaving them intact.
    c.write('fourth', 2);
    expect(c.take().toString('latin1')).toBe('$6\r\nfourth\r\n');
    expect(fromC.toString('latin1')).toBe('$5\r\nthird\r\n');
  });
});
