/**
 * Garbage at the port (DESIGN invariant 7: bad input gets a Redis error, never a crash): random
 * bytes, malformed and truncated RESP from 300 connections, up to 25 at a time, while a
 * well-behaved client keeps checking its own answers. Malformed protocol gets
 * `-ERR Protocol error: ...` and its connection closed, exactly as redis-server does; at the end no
 * connection is left behind but the well-behaved one.
 *
 * The inputs come from a seeded generator (GARBAGE_SEED to replay another run).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import type { Redis } from 'ioredis';
import { startServer, until, type TestServer, SHARDED } from './helpers.ts';

const CONNECTIONS = 300;
const CONCURRENCY = 25;
const SEED = Number(process.env.GARBAGE_SEED ?? 20261122);

/** mulberry32: small, seedable, good enough to pick garbage. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Outcome {
  data: string;
  /** The server ended the connection (rather than this side giving up after a quiet spell). */
  closedByServer: boolean;
}

/**
 * One garbage connection: writes `payload` in `chunks` pieces, then waits until the server closes
 * the connection, and also, unless `wait` is 'close', until `wait` bytes arrived (a known reply) or
 * the server stayed quiet for a while ('quiet'); then closes it from this side. Bounded in time.
 */
function session(port: number, payload: Buffer, chunks = 1, wait: 'close' | 'quiet' | number = 'close'): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    let data = '';
    let closedByServer = false;
    let quiet: ReturnType<typeof setTimeout> | null = null;
    let finished = false;
    let written = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      if (quiet) clearTimeout(quiet);
      clearTimeout(cap);
      socket.destroy();
      resolve({ data, closedByServer });
    };
    const rearm = () => {
      if (!written || wait === 'close') return;
      if (quiet) clearTimeout(quiet);
      // Once the expected bytes are in, a short grace period catches anything extra.
      if (typeof wait === 'number') {
        if (data.length >= wait) quiet = setTimeout(finish, 50);
      } else quiet = setTimeout(finish, 300);
    };
    const cap = setTimeout(finish, 10_000);
    socket.on('data', (d: Buffer) => {
      data += d.toString('latin1');
      rearm();
    });
    socket.on('end', () => {
      closedByServer = true;
      finish();
    });
    // This side never resets a connection: an error (ECONNRESET, EPIPE) is the server hanging up.
    socket.on('error', () => {
      closedByServer = true;
      finish();
    });
    socket.on('close', () => finish());
    socket.on('connect', async () => {
      const size = Math.max(1, Math.ceil(payload.length / chunks));
      for (let i = 0; i < payload.length && !finished; i += size) {
        socket.write(payload.subarray(i, i + size));
        if (chunks > 1) await new Promise((r) => setImmediate(r));
      }
      written = true;
      rearm();
    });
  });
}

/**
 * Splits a reply stream into whole RESP2 replies; throws on anything that is not one (a reply must
 * never be cut short, nor an error line carry a raw CR or LF).
 */
function parseReplies(s: string, complete: boolean): string[] {
  const out: string[] = [];
  let i = 0;
  const line = () => {
    const e = s.indexOf('\r\n', i);
    if (e < 0) throw new Error(`unterminated line at ${i}: ${JSON.stringify(s.slice(i, i + 80))}`);
    const l = s.slice(i, e);
    if (l.includes('\n') || l.includes('\r')) throw new Error(`CR or LF inside a reply line: ${JSON.stringify(l)}`);
    i = e + 2;
    return l;
  };
  const one = (): void => {
    const l = line();
    const n = Number(l.slice(1));
    switch (l[0]) {
      case '+':
      case '-':
        return;
      case ':':
        if (!Number.isInteger(n)) throw new Error(`bad integer ${l}`);
        return;
      case '$':
        if (n < 0) return;
        if (s.slice(i + n, i + n + 2) !== '\r\n') throw new Error(`bad bulk ${l}`);
        i += n + 2;
        return;
      case '*':
        for (let k = 0; k < n; k++) one();
        return;
      default:
        throw new Error(`not a reply: ${JSON.stringify(l)}`);
    }
  };
  while (i < s.length) {
    const start = i;
    try {
      one();
    } catch (e) {
      // This side may have given up in the middle of a reply; the server never stops in one.
      if (complete) throw e;
      break;
    }
    out.push(s.slice(start, i));
  }
  return out;
}

const cmd = (...args: (string | Buffer)[]) =>
  Buffer.concat([
    Buffer.from(`*${args.length}\r\n`),
    ...args.flatMap((a) => {
      const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
      return [Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n')];
    }),
  ]);

/** Malformed requests with the exact reply of Redis 7.2 (networking.c); each closes the connection. */
const MALFORMED: [string, Buffer, string][] = [
  ['multibulk length not a number', Buffer.from('*abc\r\n'), 'invalid multibulk length'],
  ['multibulk length too large', Buffer.from('*99999999999\r\n'), 'invalid multibulk length'],
  ['bulk header without $', Buffer.from('*1\r\nfoo\r\n'), "expected '$', got 'f'"],
  ['bulk length not a number', Buffer.from('*1\r\n$abc\r\n'), 'invalid bulk length'],
  ['negative bulk length', Buffer.from('*1\r\n$-5\r\n'), 'invalid bulk length'],
  ['bulk length over proto-max-bulk-len', Buffer.from('*1\r\n$600000000\r\n'), 'invalid bulk length'],
  ['unbalanced quotes inline', Buffer.from('SET "a b\r\n'), 'unbalanced quotes in request'],
  ['closing quote not followed by a space', Buffer.from('SET "a"b c\r\n'), 'unbalanced quotes in request'],
  ['inline request over 64KB', Buffer.alloc(70 * 1024, 'a'), 'too big inline request'],
  ['multibulk count line over 64KB', Buffer.concat([Buffer.from('*'), Buffer.alloc(70 * 1024, '1')]), 'too big mbulk count string'],
  ['bulk count line over 64KB', Buffer.concat([Buffer.from('*1\r\n$'), Buffer.alloc(70 * 1024, '1')]), 'too big bulk count string'],
];

let t: TestServer;
let good: Redis;

beforeAll(async () => {
  t = await startServer();
  good = t.ioredis();
  expect(await good.ping()).toBe('PONG');
});
afterAll(async () => {
  await t?.close();
});

describe('malformed protocol', () => {
  it.each(MALFORMED)('%s: -ERR Protocol error and the connection closed', async (_what, payload, message) => {
    const { data, closedByServer } = await session(t.port, payload);
    expect(data).toBe(`-ERR Protocol error: ${message}\r\n`);
    expect(closedByServer).toBe(true);
  });

  it('commands before the error are answered first, nothing after it runs', async () => {
    const payload = Buffer.concat([cmd('PING'), cmd('SET', '{g}before', '1'), Buffer.from('*1\r\n$x\r\n'), cmd('SET', '{g}after', '1')]);
    const { data, closedByServer } = await session(t.port, payload);
    expect(data).toBe('+PONG\r\n+OK\r\n-ERR Protocol error: invalid bulk length\r\n');
    expect(closedByServer).toBe(true);
    expect(await good.exists('{g}before', '{g}after')).toBe(1);
    await good.del('{g}before');
  });

  it('the same error when the request arrives one byte at a time', async () => {
    const payload = Buffer.concat([cmd('ECHO', 'hi'), Buffer.from('*2\r\n$4\r\nECHO\r\nxx\r\n')]);
    const { data, closedByServer } = await session(t.port, payload, payload.length);
    expect(data).toBe("$2\r\nhi\r\n-ERR Protocol error: expected '$', got 'x'\r\n");
    expect(closedByServer).toBe(true);
  });
});

describe('garbage from many connections', () => {
  it(`${CONNECTIONS} connections of random and broken input; a good client is never disturbed`, async () => {
    const rnd = prng(SEED);
    const int = (n: number) => Math.floor(rnd() * n);
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));

    type Kind = 'random' | 'random-resp' | 'malformed' | 'truncated' | 'valid-then-garbage';
    const KINDS: Kind[] = ['random', 'random-resp', 'malformed', 'truncated', 'valid-then-garbage'];
    interface Plan {
      kind: Kind;
      payload: Buffer;
      chunks: number;
      /** Exact expected reply, where it is known. */
      expect?: string;
      closes?: boolean;
    }

    function plan(i: number): Plan {
      const kind = KINDS[i % KINDS.length]!;
      const chunks = 1 + int(4) * int(8);
      switch (kind) {
        case 'random':
          return { kind, payload: bytes(1 + int(4096)), chunks };
        case 'random-resp': {
          // RESP-looking noise: headers and bulks with random counts, lengths and bodies.
          const parts: Buffer[] = [];
          for (let k = int(6); k >= 0; k--) {
            const head = ['*', '$', '+', ':', '-', '%', '~'][int(7)]!;
            const n = [String(int(5)), String(-int(3)), String(int(1e9)), 'x', ''][int(5)]!;
            parts.push(Buffer.from(`${head}${n}${rnd() < 0.8 ? '\r\n' : '\n'}`), bytes(int(12)));
            if (rnd() < 0.5) parts.push(Buffer.from('\r\n'));
          }
          return { kind, payload: Buffer.concat(parts), chunks };
        }
        case 'malformed': {
          const [, bad, message] = MALFORMED[int(MALFORMED.length)]!;
          // Some well-formed commands in front, answered before the error.
          const n = int(3);
          const prefix = Array.from({ length: n }, (_, k) => cmd('ECHO', `m${i}:${k}`));
          const replies = Array.from({ length: n }, (_, k) => `$${`m${i}:${k}`.length}\r\nm${i}:${k}\r\n`).join('');
          return { kind, payload: Buffer.concat([...prefix, bad]), chunks, expect: `${replies}-ERR Protocol error: ${message}\r\n`, closes: true };
        }
        case 'truncated': {
          // Whole commands, then one cut anywhere: the whole ones are answered, the rest waits.
          const values = Array.from({ length: 1 + int(5) }, () => bytes(int(300)));
          const full = values.map((v) => cmd('ECHO', v));
          const whole = int(full.length);
          const cut = full[whole]!.subarray(0, int(full[whole]!.length));
          const expected = values
            .slice(0, whole)
            .map((v) => `$${v.length}\r\n${v.toString('latin1')}\r\n`)
            .join('');
          return { kind, payload: Buffer.concat([...full.slice(0, whole), cut]), chunks, expect: expected, closes: false };
        }
        case 'valid-then-garbage': {
          const key = `g${i}`;
          return {
            kind,
            payload: Buffer.concat([cmd('SET', key, 'v'), cmd('DEL', key), Buffer.from(`*1\r\n$${int(10)}\r\n`), bytes(int(64))]),
            chunks,
          };
        }
      }
    }

    // The well-behaved client checks its own answers the whole time.
    let stop = false;
    let rounds = 0;
    const problems: string[] = [];
    const goodLoop = (async () => {
      while (!stop) {
        rounds++;
        const v = `v${rounds}`;
        const res = await good.pipeline().set('good:k', v).get('good:k').incr('good:n').hset('good:h', 'f', v).hget('good:h', 'f').exec();
        const got = res!.map(([e, r]) => (e ? `ERR ${e.message}` : r));
        const want = ['OK', v, rounds, 0, v];
        // HSET answers 1 the first time the field is created.
        if (rounds === 1) want[3] = 1;
        if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`round ${rounds}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
      }
    })();

    const plans = Array.from({ length: CONNECTIONS }, (_, i) => plan(i));
    let next = 0;
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    let serverClosed = 0;
    const worker = async () => {
      while (next < plans.length) {
        const i = next++;
        const p = plans[i]!;
        const { data, closedByServer } = await session(t.port, p.payload, p.chunks, p.closes ? 'close' : (p.expect?.length ?? 'quiet'));
        if (closedByServer) serverClosed++;
        kinds.set(p.kind, (kinds.get(p.kind) ?? 0) + 1);
        const where = `connection ${i} (${p.kind}, seed ${SEED})`;
        try {
          const replies = parseReplies(data, closedByServer);
          const protocolError = replies.findIndex((r) => r.startsWith('-ERR Protocol error: '));
          // A protocol error is the last thing said, and the server hangs up.
          if (protocolError >= 0) {
            if (protocolError !== replies.length - 1) throw new Error(`replies after a protocol error: ${JSON.stringify(replies.slice(protocolError))}`);
            if (!closedByServer) throw new Error('the connection stayed open after a protocol error');
          }
          if (p.expect !== undefined && data !== p.expect) throw new Error(`expected ${JSON.stringify(p.expect)}, got ${JSON.stringify(data)}`);
          if (p.closes !== undefined && closedByServer !== p.closes) throw new Error(`server ${closedByServer ? 'closed' : 'kept'} the connection`);
        } catch (e) {
          failures.push(`${where}: ${(e as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    stop = true;
    await goodLoop;

    expect(failures).toEqual([]);
    expect(problems).toEqual([]);
    expect(rounds).toBeGreaterThan(0);
    expect(kinds.size).toBe(KINDS.length);
    expect(serverClosed).toBeGreaterThanOrEqual(CONNECTIONS / KINDS.length);

    // Afterwards: still correct, and every garbage connection is gone from the server.
    expect(await good.get('good:k')).toBe(`v${rounds}`);
    expect(await good.incr('good:n')).toBe(rounds + 1);
    await until(() => t.server.clients.size === 1, 5000, 'garbage connections to be released');
    expect([...t.server.clients.values()].map((c) => c.closed)).toEqual([false]);
    // The garbage wrote nothing that stayed: SET/DEL pairs only, and no ECHO writes.
    expect((await good.keys('*')).sort()).toEqual(['good:h', 'good:k', 'good:n']);
  });
});
