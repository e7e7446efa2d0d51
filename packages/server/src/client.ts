/**
 * Client: one connection. It is the engine Session of that connection (selected db, MULTI
 * queue, WATCHes) plus what the server tracks per client: the RESP parser and reply buffer,
 * name and flags for CLIENT LIST, pub/sub subscriptions, a blocked command, the reply mode.
 *
 * Bytes in: the parser yields argv one command at a time; commands run in order and their
 * replies are appended to one buffer, written once per read (one `write` per connection per
 * tick, not per reply — the key to pipelining throughput).
 */
import net, { type Socket } from 'node:net';
import { ErrorReply, NO_REPLY, Session, type Reply } from '@memorykv/core';
import { RespParser } from './resp/parser.ts';
import { ReplyWriter, type WireReply } from './resp/encoder.ts';
import type { MemorykvServer } from './server.ts';
import type { ClientAuth } from './acl.ts';
import { PendingReply } from './sharding.ts';

/** A command parked until its keys get data or its timeout passes (blocking.ts fills it in). */
export interface BlockState {
  argv: string[];
  keys: string[];
  db: number;
  /** Unix ms, or 0 for no timeout. */
  deadline: number;
  /** The reply sent when the timeout passes. */
  timeoutReply: Reply;
  timer: ReturnType<typeof setTimeout> | null;
}

/** The libuv stream under a plain socket: what a direct write needs (Node internals). */
interface StreamHandle {
  writeBuffer(req: object, data: Buffer): number;
  /** Bytes libuv still holds for the peer. */
  readonly writeQueueSize: number;
}

interface WriteReq {
  handle: StreamHandle;
  /** Called by libuv (with the request as `this`) once an asynchronous write ends. */
  oncomplete: (this: WriteReq, status: number) => void;
  async: boolean;
  /** Keeps the bytes alive while libuv still holds them. */
  buffer?: Buffer;
  socket?: Socket;
}

function onDirectWriteComplete(this: WriteReq, status: number): void {
  this.buffer = undefined;
  if (status < 0) this.socket?.destroy();
}

interface StreamWrapBinding {
  WriteWrap?: new () => WriteReq;
  streamBaseState?: Int32Array;
  kLastWriteWasAsync?: number;
}

/**
 * Node's write request, for writes straight to a socket's handle. A reply written through the
 * Writable stream costs a WriteWrap plus stream bookkeeping and an afterWrite tick; a direct
 * write is one native call. Missing in some future Node (process.binding is deprecated): then
 * every write goes through the stream.
 */
const streamWrap: Required<StreamWrapBinding> | null = (() => {
  try {
    const b = (process as unknown as { binding(name: string): StreamWrapBinding }).binding('stream_wrap');
    const ok = typeof b.WriteWrap === 'function' && b.streamBaseState instanceof Int32Array && typeof b.kLastWriteWasAsync === 'number';
    return ok ? (b as Required<StreamWrapBinding>) : null;
  } catch {
    return null;
  }
})();

/** A push message queued behind awaited replies (see Client.push). */
class Push {
  constructor(readonly items: Reply[]) {}
}

function formatAddr(ip: string, port: number): string {
  // An IPv4 peer on a dual-stack socket shows as the IPv4 address, as on Redis's IPv4 listener.
  if (ip.startsWith('::ffff:') && ip.includes('.')) ip = ip.slice(7);
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export class Client extends Session {
  readonly parser: RespParser;
  readonly writer = new ReplyWriter();
  /** CLIENT SETNAME / HELLO SETNAME. */
  name = '';
  libName = '';
  libVer = '';
  /** The ACL user this connection is authenticated as; null while it must still AUTH. */
  user: string | null = 'default';
  /** The ACL module's state of this connection (Redis's c->user, c->authenticated), on first sight. */
  auth: ClientAuth | undefined = undefined;
  readonly createdAt = Date.now();
  lastInteraction = Date.now();
  /** The command running, or the last one run (CLIENT LIST argv-mem, cmd). */
  argv: string[] | null = null;
  /** CLIENT REPLY ON|OFF|SKIP. */
  replyMode: 'on' | 'off' | 'skip' = 'on';
  /** Pub/sub state (pubsub.ts). */
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  readonly shardChannels = new Set<string>();
  /** Set while a blocking command waits (blocking.ts). */
  blocked: BlockState | null = null;
  /** Close once the pending replies are written (QUIT, protocol errors, CLIENT KILL). */
  closeAfterReply = false;
  closed = false;
  /**
   * The journal entry this client's buffered replies wait for (DESIGN invariant 4): its own
   * writes' entry, or the entry of a not-yet-durable write it read. 0: nothing to wait for.
   */
  waitSeq = 0;
  /**
   * Replies held until waitSeq is durable; its next commands wait meanwhile (as a blocked
   * client's), so that released bytes never include a reply whose write is not durable yet.
   */
  parked = false;
  /** Free-form flags other modules keep per client (tracking, monitor, ...). */
  readonly flags = new Set<string>();
  /**
   * Sharded (sharding.ts): replies in request order behind one a shard thread has not given yet,
   * or null when none is awaited.
   */
  private awaiting: (Reply | PendingReply | Push)[] | null = null;

  /** The socket's handle when replies may be written to it directly (see WriteWrap). */
  private handle: StreamHandle | null = null;
  /** Bytes written directly (the socket's bytesWritten counts only its own). */
  private directBytes = 0;

  constructor(
    readonly server: MemorykvServer,
    readonly socket: Socket,
    readonly id: number,
  ) {
    super();
    const h = (socket as unknown as { _handle?: Partial<StreamHandle> | null })._handle;
    // Only a plain socket: TLS encrypts in its stream, which a handle write would skip.
    if (streamWrap !== null && socket.constructor === net.Socket && typeof h?.writeBuffer === 'function') this.handle = h as StreamHandle;
    this.parser = new RespParser({
      protoMaxBulkLen: server.engine.shard.config['proto-max-bulk-len'],
      clientMaxQuerybufLen: server.settings.clientQueryBufferLimit,
    });
  }

  /** The peer as Redis prints it (anetFormatAddr): ip:port, [ipv6]:port, or /unix/path:0. */
  get addr(): string {
    const a = this.socket.remoteAddress;
    return a === undefined ? `${this.socket.localAddress ?? ''}:0` : formatAddr(a, this.socket.remotePort ?? 0);
  }
  get laddr(): string {
    const a = this.socket.localAddress;
    return a === undefined || this.socket.localPort === undefined ? `${a ?? ''}:0` : formatAddr(a, this.socket.localPort);
  }
  /** In RESP2 a subscribed client may only run (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING, QUIT, RESET. */
  get subscribed(): boolean {
    return this.channels.size + this.patterns.size + this.shardChannels.size > 0;
  }

  /** Bytes arrived: parse and run every complete command, unless a blocked command waits. */
  onData(chunk: Buffer, length = chunk.length): void {
    // The cron's clock (Redis: server.unixtime): idle times are in seconds.
    this.lastInteraction = this.server.engine.shard.coarseNow;
    if (!this.parser.feed(chunk, length)) {
      this.server.log('notice', `Closing client that reached max query buffer length (id=${this.id} addr=${this.addr})`);
      this.close();
      return;
    }
    this.processInput();
  }

  /** Runs buffered commands until none is complete, the client blocks, or it must close. */
  processInput(): void {
    this.server.startCallRun();
    let ran = 0;
    while (!this.closed && this.blocked === null && !this.closeAfterReply && !this.parked) {
      const argv = this.parser.next();
      if (argv === null) break;
      if (argv instanceof ErrorReply) {
        // After the replies still awaited from the shards, then the connection closes.
        if (this.awaiting !== null) this.awaiting.push(argv);
        else this.writer.writeError(argv.message);
        this.closeAfterReply = true;
        break;
      }
      this.argv = argv;
      // Not this.reply(this.server.execute(...)): the command may wrap this.reply (pub/sub's
      // messages to oneself go right after the reply), and the callee is read before the call.
      const reply = this.server.execute(this, argv);
      this.reply(reply);
      ran++;
    }
    // Commands run later (timers, other clients' reads) time themselves afresh.
    this.server.endCallRun();
    // A pipelining client's replies leave after every read of this poll phase, as Redis writes
    // in beforeSleep: a burst of writes wakes the peer once, where a write after each read woke
    // it (an IPI here) for every connection. A lone command is answered at once (latency).
    if (ran > 1) this.server.flushAfterReads(this);
    else this.flush();
  }

  /** A reply a shard thread will give: it and the replies after it wait for it, in order. */
  private await(p: PendingReply): void {
    (this.awaiting ??= []).push(p);
    p.client = this;
    // Answered already (BGSAVE's reply, a refusal): written in its turn.
    if (p.done) this.drain();
  }

  /** Writes the awaited replies that have come, up to the first that has not. */
  drain(): void {
    const q = this.awaiting;
    if (q === null) return;
    let i = 0;
    while (i < q.length) {
      const head = q[i]!;
      if (head instanceof PendingReply) {
        if (!head.done) break;
        if (head.blob !== null) this.writeEncoded(head);
        else this.write(head.value);
      } else if (head instanceof Push) this.writer.writePush(head.items as WireReply[], this.resp);
      else this.write(head);
      i++;
    }
    q.splice(0, i);
    if (q.length === 0) this.awaiting = null;
    // One write for all the replies a shard message brought this client, at the end of the turn.
    if (i > 0) this.server.scheduleFlush(this);
  }

  /**
   * Appends a command's reply (or one a shard thread will give), honouring CLIENT REPLY OFF/SKIP
   * as it was when the command ran (a reply a shard gives later is dropped or kept by then).
   */
  reply(r: Reply | PendingReply): void {
    if (r === NO_REPLY) return;
    if (this.replyMode !== 'on') {
      if (this.replyMode === 'skip') this.replyMode = 'on';
      return;
    }
    if (r instanceof PendingReply) return this.await(r);
    if (this.awaiting !== null) {
      this.awaiting.push(r);
      return;
    }
    this.write(r);
  }

  private write(r: Reply): void {
    if (r === NO_REPLY) return;
    this.writer.write(r as WireReply, this.resp);
  }

  /** The RESP bytes of a reply a shard thread encoded (sharding.ts). */
  private writeEncoded(p: PendingReply): void {
    if (p.end === p.start) return;
    this.writer.writeRaw(p.blob!.subarray(p.start, p.end));
  }

  /**
   * An out-of-band message (pub/sub, invalidations): a RESP3 push or a RESP2 array. Behind the
   * replies a shard thread has not given yet: in one engine those were written already.
   */
  push(items: Reply[]): void {
    if (this.awaiting !== null) {
      this.awaiting.push(new Push(items));
      return;
    }
    this.writer.writePush(items as WireReply[], this.resp);
    this.server.scheduleFlush(this);
  }

  /** Writes what the replies left in the buffer, in one socket write. */
  flush(): void {
    if (this.closed) return;
    const gate = this.server.durability;
    if (gate !== null && this.waitSeq > gate.durableSeq) {
      gate.park(this);
      return;
    }
    if (this.writer.length > 0) {
      const data = this.writer.take();
      // The stream keeps its own queue: once it holds bytes, writes go behind them.
      if (this.handle !== null && this.socket.writableLength === 0) this.writeDirect(this.handle, data);
      else this.socket.write(data);
    }
    // QUIT, a protocol error: after the replies still awaited from the shards.
    if (this.closeAfterReply && this.awaiting === null) this.close();
  }

  private writeDirect(handle: StreamHandle, data: Buffer): void {
    const sw = streamWrap!;
    const req = new sw.WriteWrap();
    req.handle = handle;
    req.async = false;
    req.oncomplete = onDirectWriteComplete;
    req.socket = this.socket;
    // libuv writes what it can now and queues the rest, in order with later writes.
    if (handle.writeBuffer(req, data) < 0) {
      this.socket.destroy();
      return;
    }
    this.directBytes += data.length;
    if (sw.streamBaseState[sw.kLastWriteWasAsync] !== 0) {
      req.async = true;
      req.buffer = data;
    } else {
      // In the kernel already: the slab may serve the next replies (anyone's).
      this.writer.release();
    }
  }

  /** Reply bytes handed to the connection and not yet taken by the peer (omem, output limits). */
  get outputPending(): number {
    return this.socket.writableLength + (this.handle?.writeQueueSize ?? 0);
  }

  /** Bytes sent to this connection (INFO total_net_output_bytes). */
  get bytesWritten(): number {
    return this.socket.bytesWritten + this.directBytes;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.detach(this);
    // Closed by the peer ('close'): ending it again would only build an error object.
    if (this.socket.destroyed === true) return;
    this.socket.end();
    this.socket.destroySoon?.();
  }
}
