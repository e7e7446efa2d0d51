/**
 * A check before any page of an LMDB environment is read. LMDB maps its file: a data file cut
 * short (a copy that stopped, a filesystem that lost its tail) makes the first read of a missing
 * page a SIGBUS that kills the process with no word of why. The environment's own record of its
 * last page (read from the meta pages at the start of the file) says how long the file must be.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { RootDatabase } from 'lmdb';

export class TruncatedEnvironmentError extends Error {
  constructor(path: string, expected: number, actual: number) {
    super(`${join(path, 'data.mdb')} is truncated: LMDB's last page ends at byte ${expected}, the file has ${actual} bytes`);
    this.name = 'TruncatedEnvironmentError';
  }
}

/** Throws TruncatedEnvironmentError if the environment's data file is shorter than its pages. */
export function checkNotTruncated(root: RootDatabase, path: string): void {
  const stats = root.getStats() as { pageSize: number; lastPageNumber: number };
  const expected = (stats.lastPageNumber + 1) * stats.pageSize;
  let actual: number;
  try {
    actual = statSync(join(path, 'data.mdb')).size;
  } catch {
    return; // not a file in this directory (a custom path layout): nothing to compare
  }
  if (actual < expected) throw new TruncatedEnvironmentError(path, expected, actual);
}
