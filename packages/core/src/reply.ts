/**
 * The Reply model, independent of RESP versions. Handlers return plain JavaScript values where
 * the meaning is unambiguous, and small wrapper classes where RESP2 and RESP3 differ:
 *
 *   string        bulk string (binary string, DESIGN "Bytes")
 *   number/bigint integer
 *   null          null bulk string ($-1 in RESP2, _ in RESP3)
 *   NULL_ARRAY    null array (*-1 in RESP2, _ in RESP3)
 *   Reply[]       array
 *   Status        simple string (+OK)
 *   ErrorReply    error (-ERR ...)
 *   Double        double (RESP3 ','; a bulk string in RESP2)
 *   MapReply      map (RESP3 '%'; a flat array in RESP2)
 *   SetReply      set (RESP3 '~'; an array in RESP2)
 *   Verbatim      verbatim string (RESP3 '='; a bulk string in RESP2)
 *   BoolReply     boolean (RESP3 '#'; integer 1/0 in RESP2)
 */
import { ErrorReply } from './errors.ts';
import { formatDouble, toBytes, toText } from './bytes.ts';

export class Status {
  constructor(readonly text: string) {}
}
export class Double {
  constructor(readonly value: number) {}
}
export class MapReply {
  /** Flat [key, value, key, value, ...]. */
  constructor(readonly entries: Reply[]) {}
}
export class SetReply {
  constructor(readonly items: Reply[]) {}
}
export class Verbatim {
  constructor(readonly format: string, readonly text: string) {}
}
export class BoolReply {
  constructor(readonly value: boolean) {}
}
class NullArray {
  readonly nullArray = true;
}

export const NULL_ARRAY: Reply = new NullArray();

class NoReply {
  readonly noReply = true;
}
/**
 * The handler sends its reply itself, or later: pub/sub confirmations (one message per channel),
 * a blocking command parked until data arrives. Transports write nothing for it.
 */
export const NO_REPLY: Reply = new NoReply();
export const OK = new Status('OK');
export const QUEUED = new Status('QUEUED');
export const PONG = new Status('PONG');

export type Reply =
  | string
  | number
  | bigint
  | null
  | Reply[]
  | Status
  | ErrorReply
  | Double
  | MapReply
  | SetReply
  | Verbatim
  | BoolReply
  | NullArray
  | NoReply;

export function isError(r: Reply): r is ErrorReply {
  return r instanceof ErrorReply;
}

/** How bulk strings come back to JavaScript callers. */
export type Decode = 'text' | 'bytes' | 'binary';

/**
 * A reply -> the JavaScript value the in-process API returns: bulk strings as UTF-8 text (or
 * bytes), integers as numbers (bigint beyond 2^53), doubles as numbers, maps as plain objects,
 * sets as arrays, simple strings as strings. Errors are returned as ErrorReply (the caller throws).
 */
export function toJS(r: Reply, decode: Decode = 'text'): unknown {
  if (typeof r === 'string') return decode === 'text' ? toText(r) : decode === 'bytes' ? toBytes(r) : r;
  if (typeof r === 'number' || r === null) return r;
  if (typeof r === 'bigint') return Number.isSafeInteger(Number(r)) ? Number(r) : r;
  if (Array.isArray(r)) {
    const out = new Array(r.length);
    for (let i = 0; i < r.length; i++) out[i] = toJS(r[i]!, decode);
    return out;
  }
  if (r instanceof Status) return r.text;
  if (r instanceof Double) return r.value;
  if (r instanceof MapReply) {
    const o: Record<string, unknown> = {};
    const e = r.entries;
    for (let i = 0; i < e.length; i += 2) {
      const k = e[i]!;
      const v = e[i + 1]!;
      // Map keys are bulk strings almost always: convert them without the generic dispatch.
      o[typeof k === 'string' ? toText(k) : String(toJS(k, 'text'))] =
        typeof v === 'string' && decode === 'text' ? toText(v) : toJS(v, decode);
    }
    return o;
  }
  if (r instanceof SetReply) return r.items.map((x) => toJS(x, decode));
  if (r instanceof Verbatim) return decode === 'text' ? toText(r.text) : r.text;
  if (r instanceof BoolReply) return r.value;
  if (r instanceof ErrorReply) return r;
  return null; // NULL_ARRAY
}

/** A double as the text RESP2 sends and RESP3 prints. */
export function doubleText(d: Double): string {
  return formatDouble(d.value);
}
