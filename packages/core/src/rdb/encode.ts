/**
 * Writing values in Redis's RDB object serialization, as DUMP does (createDumpPayload): the type
 * byte, the object, the 2-byte RDB version and the CRC64. We write the simple encodings every
 * Redis since 2.x loads — strings raw or integer-encoded (no LZF), lists as RDB_TYPE_LIST, sets
 * as RDB_TYPE_SET, sorted sets as RDB_TYPE_ZSET_2 (binary scores), hashes as RDB_TYPE_HASH —
 * which Redis 7 converts to its compact encodings on load as it does for any RDB file. Streams
 * have one RDB form, their listpack nodes (rdb/stream.ts), written as RDB_TYPE_STREAM_LISTPACKS_3.
 */
import type { Value } from '../keyspace/object.ts';
import { RHash } from '../types/hash.ts';
import { RList } from '../types/list.ts';
import { RSet } from '../types/set.ts';
import { StrBuf } from '../types/strbuf.ts';
import { RStream } from '../types/stream.ts';
import { RZSet } from '../types/zset.ts';
import { crc64LE } from './crc64.ts';
import { RDB_TYPE_STREAM_LISTPACKS_3, saveStream } from './stream.ts';
import {
  RDB_ENC_INT16,
  RDB_ENC_INT32,
  RDB_ENC_INT8,
  RDB_TYPE_HASH,
  RDB_TYPE_LIST,
  RDB_TYPE_SET,
  RDB_TYPE_STRING,
  RDB_TYPE_ZSET_2,
} from './decode.ts';

/** Thrown for a value this serializer does not write (module values). */
export class Unserializable extends Error {}

const F64 = new Float64Array(1);
const F64U8 = new Uint8Array(F64.buffer);

/** Accumulates a binary string in parts. */
export class RdbWriter {
  private parts: string[] = [];

  raw(s: string): void {
    this.parts.push(s);
  }

  byte(b: number): void {
    this.parts.push(String.fromCharCode(b & 0xff));
  }

  /** rdbSaveLen. */
  len(n: number): void {
    if (n < 1 << 6) this.byte(n);
    else if (n < 1 << 14) this.parts.push(String.fromCharCode(0x40 | (n >> 8), n & 0xff));
    else if (n <= 0xffffffff) this.parts.push(String.fromCharCode(0x80, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff));
    else {
      let s = '';
      let v = n;
      for (let i = 0; i < 8; i++) {
        s = String.fromCharCode(v % 256) + s;
        v = Math.floor(v / 256);
      }
      this.parts.push(String.fromCharCode(0x81) + s);
    }
  }

  /** rdbSaveRawString: integer-encoded when the text is a canonical int32 (rdbTryIntegerEncoding), else raw. */
  string(s: string): void {
    if (s.length > 0 && s.length <= 11 && /^-?[1-9][0-9]*$|^0$/.test(s)) {
      const v = Number(s);
      if (v >= -128 && v <= 127) {
        this.parts.push(String.fromCharCode(0xc0 | RDB_ENC_INT8, v & 0xff));
        return;
      }
      if (v >= -32768 && v <= 32767) {
        this.parts.push(String.fromCharCode(0xc0 | RDB_ENC_INT16, v & 0xff, (v >> 8) & 0xff));
        return;
      }
      if (v >= -2147483648 && v <= 2147483647) {
        this.parts.push(String.fromCharCode(0xc0 | RDB_ENC_INT32, v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff));
        return;
      }
    }
    this.len(s.length);
    this.parts.push(s);
  }

  /** rdbSaveBinaryDoubleValue: 8 bytes, little-endian. */
  binaryDouble(v: number): void {
    F64[0] = v;
    this.parts.push(String.fromCharCode(F64U8[0]!, F64U8[1]!, F64U8[2]!, F64U8[3]!, F64U8[4]!, F64U8[5]!, F64U8[6]!, F64U8[7]!));
  }

  toString(): string {
    return this.parts.join('');
  }
}

/** rdbSaveObjectType + rdbSaveObject. */
export function saveObject(w: RdbWriter, v: Value): void {
  if (typeof v === 'string' || v instanceof StrBuf) {
    w.byte(RDB_TYPE_STRING);
    w.string(typeof v === 'string' ? v : v.toString());
  } else if (v instanceof RList) {
    w.byte(RDB_TYPE_LIST);
    w.len(v.size);
    for (const item of v.items) w.string(item);
  } else if (v instanceof RSet) {
    w.byte(RDB_TYPE_SET);
    w.len(v.size);
    v.forEach((m) => {
      w.string(m);
    });
  } else if (v instanceof RZSet) {
    w.byte(RDB_TYPE_ZSET_2);
    w.len(v.size);
    // From the tail, as Redis writes a skiplist: loading then inserts each member at the head.
    for (let n = v.zsl.tail; n !== null; n = n.backward) {
      w.string(n.ele);
      w.binaryDouble(n.score);
    }
  } else if (v instanceof RHash) {
    w.byte(RDB_TYPE_HASH);
    w.len(v.size);
    v.forEach((f, val) => {
      w.string(f);
      w.string(val);
    });
  } else if (v instanceof RStream) {
    w.byte(RDB_TYPE_STREAM_LISTPACKS_3);
    saveStream(w, v);
  } else {
    throw new Unserializable(`cannot serialize a ${v.type}`);
  }
}

/**
 * The RDB version DUMP stamps. Redis 7.2 writes its RDB_VERSION, 11, which Redis 7.0 (10)
 * refuses; every type written here but streams exists since RDB 9 or earlier, so 10 is as true
 * and lets both RESTORE our payloads. A stream is RDB_TYPE_STREAM_LISTPACKS_3, new in RDB 11:
 * its payload says 11, so a 7.0 server refuses it by version as it would refuse Redis 7.2's.
 * RESTORE here accepts up to RDB_VERSION (11).
 */
export const DUMP_RDB_VERSION = 10;
const DUMP_RDB_VERSION_STREAM = 11;

/** createDumpPayload: the object, the RDB version (2 bytes LE) and the CRC64 of all that (8 bytes LE). */
export function dumpPayload(v: Value): string {
  const w = new RdbWriter();
  saveObject(w, v);
  const ver = v instanceof RStream ? DUMP_RDB_VERSION_STREAM : DUMP_RDB_VERSION;
  w.raw(String.fromCharCode(ver & 0xff, (ver >> 8) & 0xff));
  const body = w.toString();
  return body + crc64LE(body);
}
