/**
 * The reply side of RESP: the core's Reply model -> RESP2 or RESP3 bytes, as Redis 7.2's
 * networking.c writes them (addReply*):
 *
 *   Reply            RESP2                      RESP3
 *   string           $<len>\r\n<bytes>\r\n      same
 *   number/bigint    :<int>\r\n                 same
 *   null             $-1\r\n                    _\r\n
 *   NULL_ARRAY       *-1\r\n                    _\r\n
 *   Reply[]          *<n>\r\n...                same
 *   Status           +<text>\r\n                same
 *   ErrorReply       -<message>\r\n             same
 *   Double           bulk of d2string           ,<d2string>\r\n   (inf, -inf, nan as d2string)
 *   MapReply         *<2n>\r\n k v ...          %<n>\r\n k v ...
 *   SetReply         *<n>\r\n                   ~<n>\r\n
 *   BoolReply        :1\r\n / :0\r\n            #t\r\n / #f\r\n
 *   Verbatim         bulk of the text           =<len+4>\r\n<fmt>:<text>\r\n
 *   BigNumber        bulk of the digits         (<digits>\r\n
 *   push (writePush) *<n>\r\n                   ><n>\r\n
 *
 * A ReplyWriter encodes a batch of replies into one growing slab and hands the batch out as a
 * single Buffer (take()), so a pipeline of replies costs one socket write and no per-reply
 * allocation. Binary strings are written byte for byte (char code = byte).
 */
import { BoolReply, Double, ErrorReply, MapReply, NULL_ARRAY, SetReply, Status, Verbatim, doubleText, formatDouble, type Reply } from '@memorykv/core';

export type RespVersion = 2 | 3;

/** A RESP3 big number (Redis's addReplyBigNum): decimal digits, optionally signed. */
export class BigNumber {
  constructor(readonly digits: string) {}
}

/** What a writer accepts: a core Reply, or a BigNumber (also inside arrays, cast as Reply). */
export type WireReply = Reply | BigNumber;

/** Buffer's fast latin1 writer, present in every Node version but missing from @types/node. */
interface Latin1Buffer extends Buffer {
  latin1Write(s: string, offset: number, length: number): number;
}

/** Default slab: large enough for a typical pipeline's replies, small enough to allocate often. */
const SLAB_SIZE = 64 * 1024;
/** Strings shorter than this are copied by a JS loop, cheaper than a call into C++. */
const SHORT_STRING = 32;
/** The most bytes any header or integer line needs: prefix, 20 digits, sign, CRLF. */
const LINE_MAX = 32;
/** The longest d2string text ("-2.2250738585072014e-308" and the like: 17 digits, sign, point, exponent). */
const DOUBLE_MAX = 25;

const CR = 13;
const LF = 10;

/**
 * Error text as Redis sends it (addReplyErrorFormat): CR and LF trimmed from both ends and
 * replaced by spaces inside, so a message can never break the protocol; a message without a
 * leading '-' gets one.
 */
export function errorLine(message: string): string {
  let s = message;
  if (s.indexOf('\r') >= 0 || s.indexOf('\n') >= 0) {
    let a = 0;
    let b = s.length;
    while (a < b && (s.charCodeAt(a) === CR || s.charCodeAt(a) === LF)) a++;
    while (b > a && (s.charCodeAt(b - 1) === CR || s.charCodeAt(b - 1) === LF)) b--;
    s = s.slice(a, b).replace(/[\r\n]/g, ' ');
  }
  return s.charCodeAt(0) === 45 /* - */ ? s : '-' + s;
}

/**
 * Slabs of SLAB_SIZE that writers gave back (release()), for the next writer that needs one.
 * Each slab is external memory to V8, and enough of it allocated makes V8 collect the whole
 * heap ("external memory pressure"): a slab for every connection, and a new one each time a
 * writer filled its last, made connection bursts and long replies (LRANGE) trigger a
 * mark-compact every few hundred ms. A client holds a slab only while its replies wait.
 */
const freeSlabs: Buffer[] = [];
/** Free slabs kept at most (4 MB); beyond that a released slab is left to the GC. */
const FREE_SLABS_MAX = 64;
const NO_SLAB = Buffer.alloc(0);

export class ReplyWriter {
  private buf: Buffer = NO_SLAB;
  /** Start of the bytes not yet taken. */
  private start = 0;
  private pos = 0;

  constructor(private readonly slabSize = SLAB_SIZE) {}

  /** Bytes written since the last take(). */
  get length(): number {
    return this.pos - this.start;
  }

  /**
   * The bytes written since the last take(), as one Buffer. Later writes never touch them, so
   * the Buffer can be handed to socket.write() and kept as long as needed.
   */
  take(): Buffer {
    const out = this.buf.subarray(this.start, this.pos);
    this.start = this.pos;
    // Do not keep serving small replies from a slab that one huge reply blew up.
    if (this.buf.length > 4 * this.slabSize) {
      this.buf = NO_SLAB;
      this.start = this.pos = 0;
    }
    return out;
  }

  /**
   * Says that what take() handed out is no longer needed (the socket took it synchronously):
   * with nothing else written meanwhile, the slab goes back to the free slabs.
   */
  release(): void {
    if (this.start !== this.pos || this.buf === NO_SLAB) return;
    if (this.buf.length === SLAB_SIZE && freeSlabs.length < FREE_SLABS_MAX) freeSlabs.push(this.buf);
    this.buf = NO_SLAB;
    this.start = this.pos = 0;
  }

  /** Appends one reply. */
  write(reply: WireReply, resp: RespVersion): void {
    this.value(reply as Reply, resp);
  }

  /**
   * Appends an out-of-band message (pub/sub messages, client tracking invalidations): a RESP3
   * push, or in RESP2 the plain array Redis sends instead.
   */
  writePush(items: readonly WireReply[], resp: RespVersion): void {
    this.header(resp === 3 ? 62 /* > */ : 42 /* * */, items.length);
    for (let i = 0; i < items.length; i++) this.value(items[i] as Reply, resp);
  }

  /** Appends an error reply with the given text ("ERR ...", "WRONGTYPE ..."). */
  writeError(message: string): void {
    const line = errorLine(message);
    this.ensure(line.length + 2);
    this.ascii(line);
    this.crlf();
  }

  /** Appends bytes that are already RESP (e.g. a reply encoded elsewhere). */
  writeRaw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  private value(r: Reply, resp: RespVersion): void {
    switch (typeof r) {
      case 'string':
        this.bulk(r);
        return;
      case 'number':
        this.integer(58 /* : */, r);
        return;
      case 'bigint':
        this.line(58, r.toString());
        return;
    }
    if (r === null) {
      this.literal(resp === 2 ? '$-1\r\n' : '_\r\n');
    } else if (Array.isArray(r)) {
      const n = r.length;
      this.header(42 /* * */, n);
      if (n > 4 && this.shortItems(r, resp)) return;
      for (let i = 0; i < n; i++) this.value(r[i]!, resp);
    } else if (r instanceof Status) {
      this.line(43 /* + */, r.text);
    } else if (r instanceof ErrorReply) {
      this.writeError(r.message);
    } else if (r instanceof Double) {
      const text = doubleText(r);
      if (resp === 2) this.bulk(text);
      else this.line(44 /* , */, text);
    } else if (r instanceof MapReply) {
      const e = r.entries;
      this.header(resp === 2 ? 42 : 37 /* % */, resp === 2 ? e.length : e.length >>> 1);
      if (e.length > 4 && this.shortItems(e, resp)) return;
      for (let i = 0; i < e.length; i++) this.value(e[i]!, resp);
    } else if (r instanceof SetReply) {
      const items = r.items;
      this.header(resp === 2 ? 42 : 126 /* ~ */, items.length);
      if (items.length > 4 && this.shortItems(items, resp)) return;
      for (let i = 0; i < items.length; i++) this.value(items[i]!, resp);
    } else if (r instanceof BoolReply) {
      if (resp === 2) this.literal(r.value ? ':1\r\n' : ':0\r\n');
      else this.literal(r.value ? '#t\r\n' : '#f\r\n');
    } else if (r instanceof Verbatim) {
      this.verbatim(r, resp);
    } else if (r === NULL_ARRAY) {
      this.literal(resp === 2 ? '*-1\r\n' : '_\r\n');
    } else if ((r as unknown) instanceof BigNumber) {
      const digits = (r as unknown as BigNumber).digits;
      if (resp === 2) this.bulk(digits);
      else this.line(40 /* ( */, digits);
    } else {
      throw new TypeError(`not a reply: ${String(r)}`);
    }
  }

  /**
   * The members of an array, set or map when all are short strings and doubles (LRANGE,
   * SMEMBERS, SUNION, HGETALL, ZRANGE ... WITHSCORES in RESP2, ...), written in one tight loop
   * with one room check: per element, the generic path costs five method calls and, for a
   * Double, a chain of instanceof tests and a string.
   * Returns false, having written nothing, when an element is anything else.
   */
  private shortItems(items: readonly Reply[], resp: RespVersion): boolean {
    const n = items.length;
    let room = 0;
    for (let i = 0; i < n; i++) {
      const s = items[i];
      if (typeof s === 'string') {
        if (s.length >= SHORT_STRING) return false;
        room += s.length;
      } else if (s instanceof Double) room += DOUBLE_MAX;
      else return false;
    }
    // $<len>\r\n<bytes>\r\n with len < 32: at most 7 bytes around each string or double.
    this.ensure(room + 7 * n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const item = items[i]!;
      let s: string;
      if (typeof item === 'string') s = item;
      else {
        const v = (item as Double).value;
        // Integer scores, the usual case, go digit by digit with no string (d2string's "%lld").
        const a = v < 0 ? -v : v;
        if (a < 1e9 && a === Math.floor(a) && !(v === 0 && 1 / v < 0)) {
          if (resp === 2) {
            // The bulk's length: digits and sign.
            let width = v < 0 ? 2 : 1;
            for (let t = 10; t <= a; t *= 10) width++;
            buf[p++] = 36; /* $ */
            if (width >= 10) buf[p++] = 49;
            buf[p++] = 48 + (width % 10);
            buf[p++] = CR;
            buf[p++] = LF;
          } else buf[p++] = 44; /* , */
          if (v < 0) buf[p++] = 45; /* - */
          this.pos = p;
          this.digits(a);
          p = this.pos;
          buf[p++] = CR;
          buf[p++] = LF;
          continue;
        }
        s = formatDouble(v);
        if (resp === 3) {
          buf[p++] = 44; /* , */
          for (let j = 0; j < s.length; j++) buf[p++] = s.charCodeAt(j);
          buf[p++] = CR;
          buf[p++] = LF;
          continue;
        }
      }
      const len = s.length;
      buf[p++] = 36; /* $ */
      if (len >= 10) {
        const t = (len / 10) | 0;
        buf[p++] = 48 + t;
        buf[p++] = 48 + len - t * 10;
      } else buf[p++] = 48 + len;
      buf[p++] = CR;
      buf[p++] = LF;
      for (let j = 0; j < len; j++) buf[p++] = s.charCodeAt(j);
      buf[p++] = CR;
      buf[p++] = LF;
    }
    this.pos = p;
    return true;
  }

  private verbatim(v: Verbatim, resp: RespVersion): void {
    if (resp === 2) return this.bulk(v.text);
    // addReplyVerbatim: the format is exactly 3 characters, padded with spaces.
    const f = v.format;
    const fmt = f.length === 3 ? f : (f + '   ').slice(0, 3);
    const len = v.text.length;
    this.ensure(LINE_MAX + 4 + len + 2);
    this.buf[this.pos++] = 61; /* = */
    this.digits(len + 4);
    this.crlf();
    this.ascii(fmt);
    this.buf[this.pos++] = 58; /* : */
    this.latin1(v.text);
    this.crlf();
  }

  /** $<len>\r\n<bytes>\r\n */
  private bulk(s: string): void {
    const len = s.length;
    this.ensure(LINE_MAX + len);
    this.buf[this.pos++] = 36; /* $ */
    this.digits(len);
    this.crlf();
    this.latin1(s);
    this.crlf();
  }

  /** <prefix><n>\r\n for an aggregate length (n >= 0). */
  private header(prefix: number, n: number): void {
    this.ensure(LINE_MAX);
    this.buf[this.pos++] = prefix;
    this.digits(n);
    this.crlf();
  }

  private integer(prefix: number, n: number): void {
    if (n >= 0 && n <= 0xffffffff && n === Math.floor(n)) return this.header(prefix, n);
    this.line(prefix, Number.isSafeInteger(n) || !Number.isInteger(n) ? String(n) : BigInt(n).toString());
  }

  /** <prefix><text>\r\n */
  private line(prefix: number, text: string): void {
    this.ensure(text.length + 3);
    this.buf[this.pos++] = prefix;
    this.latin1(text);
    this.crlf();
  }

  private literal(text: string): void {
    this.ensure(text.length);
    this.ascii(text);
  }

  /** Decimal digits of a non-negative integer below 2^32, without a string. */
  private digits(n: number): void {
    const buf = this.buf;
    if (n < 10) {
      buf[this.pos++] = 48 + n;
      return;
    }
    let width = 2;
    for (let t = 100; t <= n && width < 10; t *= 10) width++;
    let p = this.pos + width;
    this.pos = p;
    if (n <= 0x7fffffff) {
      // int32 division: about twice as fast as Math.floor of a double (7 digits: 24-28 ns against 41-50 ns).
      let m = n | 0;
      while (m >= 10) {
        const q = (m / 10) | 0;
        buf[--p] = 48 + (m - q * 10);
        m = q;
      }
      buf[--p] = 48 + m;
      return;
    }
    while (n >= 10) {
      const q = Math.floor(n / 10);
      buf[--p] = 48 + (n - q * 10);
      n = q;
    }
    buf[--p] = 48 + n;
  }

  private crlf(): void {
    this.buf[this.pos++] = CR;
    this.buf[this.pos++] = LF;
  }

  /** Writes a short ASCII string (room already ensured). */
  private ascii(s: string): void {
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Writes a binary string, one byte per char (room already ensured). */
  private latin1(s: string): void {
    const len = s.length;
    if (len < SHORT_STRING) {
      const buf = this.buf;
      let p = this.pos;
      for (let i = 0; i < len; i++) buf[p++] = s.charCodeAt(i);
      this.pos = p;
    } else {
      this.pos += (this.buf as Latin1Buffer).latin1Write(s, this.pos, len);
    }
  }

  /** Makes room for n more bytes, moving the untaken bytes to a larger slab when needed. */
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const pending = this.pos - this.start;
    // Doubling keeps a long batch linear; a single huge reply gets (about) its exact size.
    const size = Math.max(this.slabSize, pending + n, pending * 2);
    const grown = size === SLAB_SIZE && freeSlabs.length > 0 ? freeSlabs.pop()! : Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, this.start, this.pos);
    this.buf = grown;
    this.start = 0;
    this.pos = pending;
  }
}

/** One reply as RESP bytes (tests, one-off replies; batches should share a ReplyWriter). */
export function encode(reply: WireReply, resp: RespVersion): Buffer {
  const w = new ReplyWriter(256);
  w.write(reply, resp);
  return w.take();
}

/** One push message (pub/sub, invalidation) as RESP bytes. */
export function encodePush(items: readonly WireReply[], resp: RespVersion): Buffer {
  const w = new ReplyWriter(256);
  w.writePush(items, resp);
  return w.take();
}
