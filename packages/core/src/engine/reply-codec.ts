/**
 * Replies across threads: postMessage's structured clone keeps strings, numbers, bigints, null and
 * arrays, but not the classes of the Reply model (reply.ts), which turn into plain objects. This
 * tags them on the way out and rebuilds them on the way in. Plain values, the bulk of any reply,
 * pass untouched; only arrays are walked.
 */
import { ErrorReply, error } from '../errors.ts';
import { BoolReply, Double, MapReply, NO_REPLY, NULL_ARRAY, SetReply, Status, Verbatim, type Reply } from '../reply.ts';

/** A Reply as postMessage can carry it. */
export type WireReply = string | number | bigint | null | WireReply[] | { [tag: string]: unknown };

export function encodeReply(r: Reply): WireReply {
  if (r === null || typeof r !== 'object') return r;
  if (Array.isArray(r)) {
    let out: WireReply[] | null = null;
    for (let i = 0; i < r.length; i++) {
      const x = r[i]!;
      if (x !== null && typeof x === 'object') {
        out ??= r.slice() as WireReply[];
        out[i] = encodeReply(x);
      }
    }
    return out ?? (r as WireReply[]);
  }
  if (r instanceof Status) return { s: r.text };
  if (r instanceof ErrorReply) return { e: r.message };
  if (r instanceof Double) return { d: r.value };
  if (r instanceof MapReply) return { m: encodeReply(r.entries) };
  if (r instanceof SetReply) return { S: encodeReply(r.items) };
  if (r instanceof Verbatim) return { v: r.format, t: r.text };
  if (r instanceof BoolReply) return { b: r.value };
  if (r === NULL_ARRAY) return { na: 1 };
  if (r === NO_REPLY) return { nr: 1 };
  throw new Error('unknown reply kind');
}

export function decodeReply(w: WireReply): Reply {
  if (w === null || typeof w !== 'object') return w;
  if (Array.isArray(w)) {
    for (let i = 0; i < w.length; i++) {
      const x = w[i]!;
      if (x !== null && typeof x === 'object') w[i] = decodeReply(x) as WireReply;
    }
    return w as Reply[];
  }
  const o = w as Record<string, unknown>;
  if ('s' in o) return o.s === 'OK' ? new Status('OK') : new Status(o.s as string);
  if ('e' in o) return error(o.e as string);
  if ('d' in o) return new Double(o.d as number);
  if ('m' in o) return new MapReply(decodeReply(o.m as WireReply) as Reply[]);
  if ('S' in o) return new SetReply(decodeReply(o.S as WireReply) as Reply[]);
  if ('v' in o) return new Verbatim(o.v as string, o.t as string);
  if ('b' in o) return new BoolReply(o.b as boolean);
  if ('na' in o) return NULL_ARRAY;
  if ('nr' in o) return NO_REPLY;
  throw new Error('unknown wire reply');
}
