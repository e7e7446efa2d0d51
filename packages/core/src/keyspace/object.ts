/**
 * What a key can hold. A plain string value is stored as the binary string itself (no wrapper:
 * most keys are strings, and a wrapper object would cost more than the value). Everything else is
 * an RObject: a container with its own size estimate, kept in O(1) by the structure itself.
 */

import { isInt64Text } from '../bytes.ts';

export type TypeName = 'string' | 'list' | 'set' | 'zset' | 'hash' | 'stream';

export abstract class RObject {
  abstract readonly type: TypeName;
  /** The bytes this value was last accounted for in the keyspace's memory estimate. */
  accounted = 0;
  /** Estimated heap bytes held by the value, maintained incrementally (O(1)). */
  abstract memory(): number;
  /** OBJECT ENCODING, as Redis would answer for the same contents and config. */
  abstract encoding(): string;
  /** Number of elements (bytes for strings). A container that reaches 0 is deleted. */
  abstract get size(): number;
  /** A deep copy (COPY). */
  abstract clone(): RObject;
}

export type Value = string | RObject;

export function typeOf(v: Value): TypeName {
  return typeof v === 'string' ? 'string' : v.type;
}

/** V8 one-byte sequential string: 16 bytes of header, chars rounded up to 8. */
export function stringMemory(s: string): number {
  return 16 + ((s.length + 7) & ~7);
}

/** Per-key cost beyond key and value: the dict's entry arrays, bucket share and metadata. */
export const KEY_OVERHEAD = 40;
/** Per-key cost of a TTL entry in the expires dict. */
export const EXPIRE_OVERHEAD = 40;

export function valueMemory(v: Value): number {
  return typeof v === 'string' ? stringMemory(v) : v.accounted;
}

/** MEMORY USAGE of a key: key, value and the dict entry that holds them. */
export function keyUsage(key: string, v: Value): number {
  return KEY_OVERHEAD + stringMemory(key) + valueMemory(v);
}

/** OBJECT ENCODING of a plain string value (object.c: int, embstr up to 44 bytes, raw). */
export function stringEncoding(s: string): string {
  if (s.length <= 20 && isInt64Text(s)) return 'int';
  return s.length <= 44 ? 'embstr' : 'raw';
}
