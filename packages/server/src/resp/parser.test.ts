import { describe, expect, it } from 'vitest';
import { ErrorReply } from '@memorykv/core';
import { PROTO_INLINE_MAX_SIZE, RespParser, latin1, splitArgs, type RespParserOptions } from './parser.ts';

/** A request as RESP multibulk bytes (args are binary strings). */
function cmd(...args: string[]): string {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${a.length}\r\n${a}\r\n`;
  return s;
}

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

type Out = string[] | string;

/** Parser outputs for the stream fed in the given chunks: argv arrays, error texts. */
function parse(chunks: string | string[], options?: RespParserOptions): { out: Out[]; parser: RespParser } {
  const parser = new RespParser(options);
  const out: Out[] = [];
  for (const chunk of Array.isArray(chunks) ? chunks : [chunks]) {
    parser.feed(bytes(chunk));
    for (let r; (r = parser.next()) !== null; ) out.push(r instanceof ErrorReply ? r.message : r);
  }
  return { out, parser };
}

const E_MBULK = 'ERR Protocol error: invalid multibulk length';
const E_BULK = 'ERR Protocol error: invalid bulk length';
const expected = (c: string) => `ERR Protocol error: expected '$', got '${c}'`;

describe('RespParser: multibulk and inline requests', () => {
  it('parses multibulk commands, pipelined in one chunk', () => {
    const { out, parser } = parse(cmd('SET', 'k', 'v') + cmd('GET', 'k') + cmd('ECHO', ''));
    expect(out).toEqual([['SET', 'k', 'v'], ['GET', 'k'], ['ECHO', '']]);
    expect(parser.pending).toBe(0);
    expect(parser.closed).toBe(false);
  });

  it('parses inline commands and skips empty requests', () => {
    const { out } = parse('PING\r\n\r\n\n  \t \r\nECHO "a b"\n*0\r\n*-1\r\n' + cmd('PING') + 'GET k\r\n');
    expect(out).toEqual([['PING'], ['ECHO', 'a b'], ['PING'], ['GET', 'k']]);
  });

  it('waits for a whole request', () => {
    const parser = new RespParser();
    parser.feed(bytes('*2\r\n$3\r\nGET\r\n$1\r\n'));
    expect(parser.next()).toBe(null);
    // Parsed headers and arguments are not query buffer any more (Redis's qbuf).
    expect(parser.pending).toBe(0);
    parser.feed(bytes('k\r'));
    expect(parser.next()).toBe(null);
    expect(parser.pending).toBe(2);
    parser.feed(bytes('\nPI'));
    expect(parser.next()).toEqual(['GET', 'k']);
    expect(parser.next()).toBe(null);
    expect(parser.pending).toBe(2);
    parser.feed(bytes('NG\r\n'));
    expect(parser.next()).toEqual(['PING']);
    expect(parser.next()).toBe(null);
  });

  it('accepts Uint8Array chunks that are not Buffers', () => {
    const parser = new RespParser();
    const u8 = new Uint8Array(bytes('xx' + cmd('PING') + 'yy')).subarray(2, -2);
    parser.feed(u8);
    expect(parser.next()).toEqual(['PING']);
  });

  it('reads the first bytes of a shared buffer in place; detach() keeps what is left when the buffer is reused', () => {
    const shared = Buffer.alloc(256, 0x7a);
    const parser = new RespParser();
    const first = cmd('SET', 'k', 'v') + cmd('GET', 'k').slice(0, 9);
    const n = shared.write(first, 'latin1');
    parser.feed(shared, n);
    expect(parser.next()).toEqual(['SET', 'k', 'v']);
    expect(parser.next()).toBe(null);
    parser.detach();
    shared.fill(0x7a);
    const rest = cmd('GET', 'k').slice(9) + cmd('PING');
    parser.feed(shared, shared.write(rest, 'latin1'));
    expect(parser.next()).toEqual(['GET', 'k']);
    expect(parser.next()).toEqual(['PING']);
    expect(parser.next()).toBe(null);
  });

  it('leaves later commands buffered while the caller does not pull (a blocked client)', () => {
    const parser = new RespParser();
    parser.feed(bytes(cmd('BLPOP', 'l', '0') + cmd('PING') + cmd('PING')));
    expect(parser.next()).toEqual(['BLPOP', 'l', '0']);
    expect(parser.pending).toBe(28);
    parser.feed(bytes(cmd('GET', 'x')));
    expect(parser.next()).toEqual(['PING']);
    expect(parser.next()).toEqual(['PING']);
    expect(parser.next()).toEqual(['GET', 'x']);
    expect(parser.next()).toBe(null);
  });
});

describe('RespParser: streams split anywhere', () => {
  const big = 'B'.repeat(3000);
  const stream =
    cmd('SET', 'key', 'value') +
    'PING\r\n' +
    cmd('ECHO', '') +
    '\r\n' +
    cmd('SET', 'bin', '\x00\r\n\xff') +
    'SET "a b" \'c\\\'d\' "\\x41\\r"\n' +
    '*0\r\n' +
    cmd('APPEND', 'big', big) +
    '*-1\r\n' +
    cmd('MSET', 'a', '1', 'b', '2') +
    '\n';
  const whole = parse(stream).out;

  it('parses the reference stream', () => {
    expect(whole).toEqual([
      ['SET', 'key', 'value'],
      ['PING'],
      ['ECHO', ''],
      ['SET', 'bin', '\x00\r\n\xff'],
      ['SET', 'a b', "c'd", 'A\r'],
      ['APPEND', 'big', big],
      ['MSET', 'a', '1', 'b', '2'],
    ]);
  });

  it('gives the same commands when split at every byte boundary', () => {
    for (let i = 0; i <= stream.length; i++) {
      expect(parse([stream.slice(0, i), stream.slice(i)]).out).toEqual(whole);
    }
  });

  it('gives the same commands when split at every pair of boundaries (small stream)', () => {
    const small = cmd('SET', 'k', 'v\r\n') + 'GET "k"\r\n' + cmd('ECHO', '') + '*-1\r\n\n';
    const ref = parse(small).out;
    for (let i = 0; i <= small.length; i++) {
      for (let j = i; j <= small.length; j++) {
        expect(parse([small.slice(0, i), small.slice(i, j), small.slice(j)]).out).toEqual(ref);
      }
    }
  });

  it('gives the same commands fed one byte at a time', () => {
    expect(parse([...stream]).out).toEqual(whole);
  });

  it('gives the same commands in random chunk sizes', () => {
    let seed = 12345;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    const long = stream.repeat(20);
    const ref = parse(long).out;
    for (let round = 0; round < 50; round++) {
      const chunks: string[] = [];
      for (let p = 0; p < long.length; ) {
        const n = 1 + rand(round % 2 ? 64 : 5000);
        chunks.push(long.slice(p, p + n));
        p += n;
      }
      expect(parse(chunks).out).toEqual(ref);
    }
  });
});

describe('RespParser: binary data and large bulks', () => {
  const all = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');

  it('keeps all 256 byte values', () => {
    const { out } = parse(cmd('SET', all, all + all) + cmd(all));
    expect(out).toEqual([['SET', all, all + all], [all]]);
  });

  it('keeps all 256 byte values split at every boundary', () => {
    const stream = cmd('SET', all, all);
    for (let i = 0; i <= stream.length; i += 7) {
      expect(parse([stream.slice(0, i), stream.slice(i)]).out).toEqual([['SET', all, all]]);
    }
  });

  it('decodes \\xHH escapes of inline commands to every byte value', () => {
    let line = 'SET k "';
    for (let i = 0; i < 256; i++) line += '\\x' + i.toString(16).padStart(2, '0');
    expect(parse(line + '"\r\n').out).toEqual([['SET', 'k', all]]);
  });

  it('assembles a 10MB bulk from many chunks', () => {
    const size = 10 * 1024 * 1024;
    const value = Buffer.alloc(size);
    for (let i = 0; i < size; i++) value[i] = (i * 31 + (i >> 8)) & 0xff;
    const head = bytes(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${size}\r\n`);
    const stream = Buffer.concat([head, value, bytes('\r\n' + cmd('GET', 'k'))]);
    const parser = new RespParser();
    const out: (string[] | ErrorReply)[] = [];
    let fed = 0;
    for (let p = 0, n = 1; p < stream.length; p += n, n = (n * 7 + 13) % 65536 || 1) {
      const chunk = stream.subarray(p, Math.min(p + n, stream.length));
      expect(parser.feed(chunk)).toBe(true);
      fed += chunk.length;
      for (let r; (r = parser.next()) !== null; ) out.push(r);
      if (out.length === 0 && fed > head.length) expect(parser.pending).toBe(fed - head.length);
    }
    expect(out.length).toBe(2);
    const [set, get] = out as string[][];
    expect(set!.length).toBe(3);
    expect(set![2]!.length).toBe(size);
    expect(Buffer.from(set![2]!, 'latin1').equals(value)).toBe(true);
    expect(get).toEqual(['GET', 'k']);
  });

  it('assembles a large bulk whose tail comes with the next commands', () => {
    const v = 'x'.repeat(50000);
    const stream = cmd('SET', 'k', v) + cmd('PING') + 'PING\r\n';
    expect(parse([stream.slice(0, 100), stream.slice(100)]).out).toEqual([['SET', 'k', v], ['PING'], ['PING']]);
    expect(parse([stream.slice(0, 100), stream.slice(100, -3), stream.slice(-3)]).out).toEqual([['SET', 'k', v], ['PING'], ['PING']]);
    // Split inside the bulk's own CRLF.
    const at = stream.indexOf(v) + v.length + 1;
    expect(parse([stream.slice(0, 20), stream.slice(20, at), stream.slice(at)]).out).toEqual([['SET', 'k', v], ['PING'], ['PING']]);
  });
});

describe('RespParser: inline quoting (sdssplitargs), as redis-server splits them', () => {
  // Recorded from redis-server 7.0.15 (whose sdssplitargs and processInlineBuffer are the same as
  // 7.2's) with `EVAL "return ARGV" 0 <line>` sent inline; null: "unbalanced quotes in request".
  const cases: [string, string[] | null][] = [
  ["a b c", ["a", "b", "c"]],
  ["  a   b  ", ["a", "b"]],
  ["\"a b\" c", ["a b", "c"]],
  ["\"\\n\\r\\t\\b\\a\\\\\\\"\\x41\\x4g\\xZZ\\q\"", ["\n\r\t\b\u0007\\\"Ax4gxZZq"]],
  ["'a\\'b'", ["a'b"]],
  ["'a\\\"b'", ["a\\\"b"]],
  ["'a\\\\b'", ["a\\\\b"]],
  ["a\"b c\"", ["ab c"]],
  ["a\"b\"c", null],
  ["\"abc", null],
  ["'abc", null],
  ["\"abc\\", null],
  ["\"\"", [""]],
  ["''", [""]],
  ["a\tb", ["a", "b"]],
  ["a\u000bb", ["a\u000bb"]],
  ["\u000b\fa", ["a"]],
  ["\"a\"\u000b", ["a"]],
  ["\\x41", ["\\x41"]],
  ["\"\\x\"", ["x"]],
  ["\"\\xa\"", ["xa"]],
  ["\xff\x80", ["\xff\x80"]],
  ["\"a\"\"b\"", null],
  ["a'b'", ["ab"]],
  ["'it''s'", null],
  ["\"\\xFF\\x00\\xfF\"", ["\xff\u0000\xff"]],
  ["\"a\\\"", null],
  ["a\rb", ["a", "b"]],
  ["x \"\" y", ["x", "", "y"]],
  ["'a\\nb'", ["a\\nb"]],
  ["\"\\'\"", ["'"]],
  ["'\\\\'", null],
  ["'\"'", ["\""]],
  ["\"'\"", ["'"]],
  ["a'\"b\"'", ["a\"b\""]],
  ["\"a\" ", ["a"]],
  ["'a'\t", ["a"]],
  ["\"\\x4\"", ["x4"]],
  ["\"\\x41\\\"", null],
  ["\"a\\\\\" b", ["a\\", "b"]],
  ["'a' 'b'", ["a", "b"]],
  ["\"a\"'b'", null],
  ["a\fb", ["a\fb"]],
  ["\"\\u0041\"", ["u0041"]],
  ["'\\x41'", ["\\x41"]],
  ["\x80\"\xff\"", ["\x80\xff"]],
  ];

  it.each(cases)('%j', (line, argv) => {
    const prefix = 'EVAL "return ARGV" 0 ';
    const { out, parser } = parse(prefix + line + '\r\n' + 'PING\r\n');
    if (argv === null) {
      expect(out).toEqual(['ERR Protocol error: unbalanced quotes in request']);
      expect(parser.closed).toBe(true);
    } else {
      expect(out).toEqual([['EVAL', 'return ARGV', '0', ...argv], ['PING']]);
    }
    const b = bytes(line);
    expect(splitArgs(b, 0, b.length)).toEqual(argv);
  });

  it('ends a line at LF, dropping one CR before it', () => {
    expect(parse('a b\r\r\n').out).toEqual([['a', 'b']]);
    expect(parse('a "b\r"\r\n').out).toEqual([['a', 'b\r']]);
    expect(parse('a b\n').out).toEqual([['a', 'b']]);
  });
});

describe('RespParser: protocol errors, as redis-server reports them', () => {
  // Each input was sent to redis-server 7.0.15 (same parser as 7.2) on a fresh connection; the
  // expectations are the commands it ran and the error it replied with before closing.
  const cases: [string, Out[]][] = [
    ['\r\nPING\r\n', [['PING']]],
    ['\nPING\n', [['PING']]],
    ['PING\r\r\n', [['PING']]],
    ['PING', []],
    ['PING\r', []],
    ['*0\r\nPING\r\n', [['PING']]],
    ['*-1\r\nPING\r\n', [['PING']]],
    ['*-10\r\nPING\r\n', [['PING']]],
    ['*-9223372036854775808\r\nPING\r\n', [['PING']]],
    ['*-9223372036854775809\r\nPING\r\n', [E_MBULK]],
    ['*3000000000\r\n', [E_MBULK]],
    ['*2147483648\r\n', [E_MBULK]],
    ['*2147483647\r\n', []],
    ['*9223372036854775807\r\n', [E_MBULK]],
    ['*9223372036854775808\r\n', [E_MBULK]],
    ['*1\n$4\r\nPING\r\n', [E_MBULK]],
    ['*\r\n', [E_MBULK]],
    ['*a\r\n', [E_MBULK]],
    ['*+1\r\n', [E_MBULK]],
    ['*01\r\n', [E_MBULK]],
    ['*-0\r\n', [E_MBULK]],
    ['*-\r\n', [E_MBULK]],
    ['* 1\r\n', [E_MBULK]],
    ['*1 \r\n', [E_MBULK]],
    ['*1\r\n$4\r\nPINGxxPING\r\n', [['PING'], ['PING']]],
    ['*1\rx$4\r\nPING\r\n', [['PING']]],
    ['*1\r\nfoo\r\n', [expected('f')]],
    ['*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n', [expected('f')]],
    ['*1\r\n\r\n', [expected(' ')]],
    ['*1\r\n\n\r\n', [expected(' ')]],
    ['*1\r\n\xe9\r\n', [expected('\xe9')]],
    ['*1\r\n$-1\r\n', [E_BULK]],
    ['*1\r\n$-10\r\n', [E_BULK]],
    ['*1\r\n$2000000000\r\n', [E_BULK]],
    ['*1\r\n$blabla\r\n', [E_BULK]],
    ['*1\r\n$\r\n', [E_BULK]],
    ['*1\r\n$+4\r\nPING\r\n', [E_BULK]],
    ['*1\r\n$04\r\nPING\r\n', [E_BULK]],
    ['*1\r\n$536870913\r\n', [E_BULK]],
    // Redis accepts 536870912 (proto-max-bulk-len): a V8 string holds at most 2^29 - 24 chars.
    ['*1\r\n$536870888\r\n', []],
    ['*1\r\n$536870889\r\n', [E_BULK]],
    ['*1\r\n$99999999999999999999\r\n', [E_BULK]],
    ['*2\r\n$4\r\nECHO\r\n$0\r\n\r\n', [['ECHO', '']]],
    ['*1\r\n$4\r\nPING\r\n*1\r\nX', [['PING']]],
    ['PING\r\n*1\r\n$4\r\nPING\r\n\r\nPING\r\n', [['PING'], ['PING'], ['PING']]],
    ['set """test-key""" test-value\r\nping\r\n', ['ERR Protocol error: unbalanced quotes in request']],
    ['PING\r\n*1\r\n$x\r\nPING\r\n', [['PING'], E_BULK]],
    // Redis finds line ends with strchr: a NUL byte hides them, the request waits.
    ['*1\r\n\x00\r\n', []],
    ['*1\x00\r\n$4\r\nPING\r\n', []],
    ['PI\x00NG\r\n', []],
    ['\x00', []],
    ['*1\r\n$4\x00\r\nPING\r\n', []],
    // ... but NUL bytes inside a bulk are data.
    ['*1\r\n$4\r\nPI\x00G\r\nPING\r\n', [['PI\x00G'], ['PING']]],
    // Lines longer than 64KB without their terminator.
    ['A'.repeat(65536), []],
    ['A'.repeat(65537), ['ERR Protocol error: too big inline request']],
    ['\x00' + 'A'.repeat(65535), []],
    ['\x00' + 'A'.repeat(65536), ['ERR Protocol error: too big inline request']],
    ['*' + '1'.repeat(65535), []],
    ['*' + '1'.repeat(65536), ['ERR Protocol error: too big mbulk count string']],
    ['*1\r\n$' + '1'.repeat(65535), []],
    ['*1\r\n$' + '1'.repeat(65536), ['ERR Protocol error: too big bulk count string']],
    // A terminator that arrives in the same read is still found, as in Redis.
    ['*1\r\n$' + '1'.repeat(70000) + '\r\n', [E_BULK]],
    ['A'.repeat(70000) + '\r\n', [['A'.repeat(70000)]]],
  ];

  it.each(cases.map(([input, out]) => [input.length > 40 ? `${JSON.stringify(input.slice(0, 20))}... (${input.length} bytes)` : JSON.stringify(input), input, out]))(
    '%s',
    (_name, input, out) => {
      const r = parse(input as string);
      expect(r.out).toEqual(out);
      const failed = (out as Out[]).some((o) => typeof o === 'string');
      expect(r.parser.closed).toBe(failed);
    },
  );

  it('reports the error once, after the commands before it, then parses nothing more', () => {
    const parser = new RespParser();
    expect(parser.feed(bytes(cmd('PING') + '*1\r\n$-5\r\n' + cmd('PING')))).toBe(true);
    expect(parser.next()).toEqual(['PING']);
    const err = parser.next();
    expect(err).toBeInstanceOf(ErrorReply);
    expect((err as ErrorReply).message).toBe(E_BULK);
    expect(parser.next()).toBe(null);
    expect(parser.feed(bytes(cmd('PING')))).toBe(true);
    expect(parser.next()).toBe(null);
    expect(parser.pending).toBe(0);
  });

  it('finds the too-big-line errors however the line is split', () => {
    for (const [prefix, lineStart, error] of [
      ['', 0, 'too big inline request'],
      ['*', 0, 'too big mbulk count string'],
      ['*1\r\n$', 4, 'too big bulk count string'],
    ] as const) {
      // The unterminated line (from its first byte) is one byte over 64KB.
      const input = prefix + '1'.repeat(PROTO_INLINE_MAX_SIZE + 1 - (prefix.length - lineStart));
      const chunks = (s: string) => s.match(/[^]{1,1000}/g)!;
      expect(parse(chunks(input)).out).toEqual([`ERR Protocol error: ${error}`]);
      expect(parse(chunks(input.slice(0, -1))).out).toEqual([]);
    }
  });

  it('applies proto-max-bulk-len, also when changed later', () => {
    expect(parse('*1\r\n$1048577\r\n', { protoMaxBulkLen: 1048576 }).out).toEqual([E_BULK]);
    expect(parse('*1\r\n$1048576\r\n', { protoMaxBulkLen: 1048576 }).out).toEqual([]);
    const parser = new RespParser();
    parser.protoMaxBulkLen = 3;
    parser.feed(bytes(cmd('GET', 'abc') + cmd('GET', 'abcd')));
    expect(parser.next()).toEqual(['GET', 'abc']);
    expect((parser.next() as ErrorReply).message).toBe(E_BULK);
  });

  it('limits what an unauthenticated client may announce', () => {
    // Recorded with requirepass set: more than 10 arguments or a bulk over 16384 bytes.
    const auth = (input: string) => {
      const parser = new RespParser();
      parser.authRequired = true;
      parser.feed(bytes(input));
      const r = parser.next();
      return r instanceof ErrorReply ? r.message : r;
    };
    expect(auth('*10\r\n')).toBe(null);
    expect(auth('*11\r\n')).toBe('ERR Protocol error: unauthenticated multibulk length');
    expect(auth('*11x\r\n')).toBe(E_MBULK);
    expect(auth('*1\r\n$16384\r\n')).toBe(null);
    expect(auth('*1\r\n$16385\r\n')).toBe('ERR Protocol error: unauthenticated bulk length');
    expect(auth('*1\r\n$-1\r\n')).toBe(E_BULK);
    expect(auth('*-100\r\nAUTH x\r\n')).toEqual(['AUTH', 'x']);
    expect(auth('AUTH ' + 'x '.repeat(20) + '\r\n')).toEqual(['AUTH', ...Array(20).fill('x')]);
  });

  it('drops the client when unparsed bytes exceed client-query-buffer-limit', () => {
    const limit = 1024 * 1024;
    // A bulk being assembled counts (Redis reads it into the query buffer).
    let parser = new RespParser({ clientMaxQuerybufLen: limit });
    expect(parser.feed(bytes(`*2\r\n$4\r\nECHO\r\n$${limit}\r\n`))).toBe(true);
    expect(parser.next()).toBe(null);
    expect(parser.feed(Buffer.alloc(limit, 120))).toBe(true);
    expect(parser.feed(bytes('\r'))).toBe(false);
    expect(parser.closed).toBe(true);
    expect(parser.next()).toBe(null);
    expect(parser.feed(bytes(cmd('PING')))).toBe(false);
    // Commands the caller does not pull (a blocked client) count too.
    parser = new RespParser({ clientMaxQuerybufLen: 100 });
    let ok = true;
    for (let i = 0; i < 20 && ok; i++) ok = parser.feed(bytes(cmd('PING')));
    expect(ok).toBe(false);
    // Parsed commands do not.
    parser = new RespParser({ clientMaxQuerybufLen: 100 });
    for (let i = 0; i < 100; i++) {
      expect(parser.feed(bytes(cmd('PING')))).toBe(true);
      expect(parser.next()).toEqual(['PING']);
    }
    // A completed big bulk is an argument, not query buffer.
    parser = new RespParser({ clientMaxQuerybufLen: 3000 });
    const v = 'v'.repeat(2990);
    expect(parser.feed(bytes(cmd('SET', 'k', v).slice(0, 40)))).toBe(true);
    expect(parser.next()).toBe(null);
    expect(parser.feed(bytes(cmd('SET', 'k', v).slice(40) + cmd('PING')))).toBe(true);
    expect(parser.next()).toEqual(['SET', 'k', v]);
  });
});

describe('latin1', () => {
  it('reads every length, short (from char codes) and long (latin1Slice), at any offset, every byte value', () => {
    const buf = Buffer.alloc(300);
    for (let i = 0; i < buf.length; i++) buf[i] = (i * 37 + 11) & 0xff;
    for (let n = 0; n <= 40; n++) {
      for (const s of [0, 1, 7, 255 - n]) expect(latin1(buf, s, s + n)).toBe(buf.toString('latin1', s, s + n));
    }
  });
});
