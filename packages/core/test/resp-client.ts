/**
 * A minimal RESP2 client over node:net for the differential test. Unlike ioredis it keeps every
 * reply TYPE apart (simple string, bulk, integer, error, null bulk, null array), because those
 * distinctions are part of Redis compatibility. Arguments and bulk replies are binary strings
 * (latin1 views of the bytes, as in the engine), so no byte is lost to UTF-8.
 */
import { connect, type Socket } from 'node:net';

/** A RESP2 reply with its type. Integers are bigints (int64 replies exceed 2^53). */
export type Wire =
  | { t: 'simple'; v: string }
  | { t: 'error'; v: string }
  | { t: 'int'; v: bigint }
  | { t: 'bulk'; v: string }
  | { t: 'nullbulk' }
  | { t: 'nullarray' }
  | { t: 'array'; v: Wire[] };

/** One command as RESP bytes. */
export function encodeCommand(argv: readonly string[]): Buffer {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${a.length}\r\n${a}\r\n`;
  return Buffer.from(s, 'latin1');
}

class Incomplete extends Error {}
const INCOMPLETE = new Incomplete();

/** Parses one reply from buf at pos; throws INCOMPLETE when more bytes are needed. */
function parse(buf: Buffer, pos: number): [Wire, number] {
  if (pos >= buf.length) throw INCOMPLETE;
  const type = buf[pos]!;
  const eol = buf.indexOf('\r\n', pos, 'latin1');
  if (eol < 0) throw INCOMPLETE;
  const line = buf.toString('latin1', pos + 1, eol);
  const next = eol + 2;
  switch (type) {
    case 0x2b /* + */:
      return [{ t: 'simple', v: line }, next];
    case 0x2d /* - */:
      return [{ t: 'error', v: line }, next];
    case 0x3a /* : */:
      return [{ t: 'int', v: BigInt(line) }, next];
    case 0x24 /* $ */: {
      const n = Number(line);
      if (n < 0) return [{ t: 'nullbulk' }, next];
      if (buf.length < next + n + 2) throw INCOMPLETE;
      return [{ t: 'bulk', v: buf.toString('latin1', next, next + n) }, next + n + 2];
    }
    case 0x2a /* * */: {
      const n = Number(line);
      if (n < 0) return [{ t: 'nullarray' }, next];
      const items: Wire[] = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const [w, q] = parse(buf, p);
        items.push(w);
        p = q;
      }
      return [{ t: 'array', v: items }, p];
    }
    default:
      throw new Error(`RESP2 protocol error: unexpected byte 0x${type.toString(16)}`);
  }
}

export class RespClient {
  private buf: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (w: Wire) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | null = null;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const fail = (e: Error) => {
      this.failure = e;
      for (const w of this.waiting.splice(0)) w.reject(e);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static connect(port: number, host = '127.0.0.1', timeoutMs = 5000): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.setNoDelay(true);
        resolve(new RespClient(socket));
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    let pos = 0;
    while (this.waiting.length > 0) {
      let parsed: [Wire, number];
      try {
        parsed = parse(this.buf, pos);
      } catch (e) {
        if (e === INCOMPLETE) break;
        throw e;
      }
      pos = parsed[1];
      this.waiting.shift()!.resolve(parsed[0]);
    }
    this.buf = pos === this.buf.length ? Buffer.alloc(0) : this.buf.subarray(pos);
  }

  /**
   * Sends commands in one write (a pipeline) and resolves with their replies in order. A server
   * that stops answering fails the call after timeoutMs (and the connection, whose reply stream
   * would be out of step from then on).
   */
  pipeline(cmds: readonly (readonly string[])[], timeoutMs = 20_000): Promise<Wire[]> {
    if (this.failure) return Promise.reject(this.failure);
    const replies = cmds.map(
      () => new Promise<Wire>((resolve, reject) => this.waiting.push({ resolve, reject })),
    );
    this.socket.write(Buffer.concat(cmds.map(encodeCommand)));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const e = new Error(`no reply within ${timeoutMs} ms to ${cmds.length} command(s) starting ${JSON.stringify(cmds[0])}`);
        this.failure = e;
        for (const w of this.waiting.splice(0)) w.reject(e);
        this.socket.destroy();
        reject(e);
      }, timeoutMs);
    });
    return Promise.race([Promise.all(replies), timeout]).finally(() => clearTimeout(timer));
  }

  async call(...argv: string[]): Promise<Wire> {
    return (await this.pipeline([argv]))[0]!;
  }

  close(): void {
    this.socket.destroy();
  }
}
