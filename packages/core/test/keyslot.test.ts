/**
 * CLUSTER KEYSLOT against a cluster-enabled redis-server (standalone Redis refuses the command):
 * the slots that route keys over shards (engine/slots.ts) are Redis Cluster's, hash tags included.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startOracle, type Oracle } from './oracle.ts';
import type { RespClient } from './resp-client.ts';
import { testEngine } from './util.ts';

let oracle: Oracle;
let redis: RespClient;
const dir = mkdtempSync(join(tmpdir(), 'mkv-keyslot-'));

beforeAll(async () => {
  oracle = await startOracle(10_000, ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf')]);
  redis = await oracle.connect();
}, 30_000);

afterAll(async () => {
  redis?.close();
  await oracle?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('CLUSTER KEYSLOT agrees with cluster-enabled redis-server, hash tags and binary keys included', async () => {
  const keys = ['foo', '', '{', '}', '{}', '{}a', 'a{}', '{a}', 'x{a}y', '{{a}}', 'a{b}{c}', '{user1000}.following', '\x00\xff{\x80\x00}z', '{\xff'];
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  for (let i = 0; i < 300; i++) {
    let k = '';
    const len = rnd() % 12;
    for (let j = 0; j < len; j++) k += rnd() % 5 === 0 ? '{}'[rnd() % 2] : String.fromCharCode(rnd() % 256);
    keys.push(k);
  }
  const { run } = testEngine();
  const theirs = await redis.pipeline(keys.map((k) => ['CLUSTER', 'KEYSLOT', k]));
  keys.forEach((k, i) => {
    const t = theirs[i]!;
    expect(t.t, JSON.stringify(k)).toBe('int');
    expect(run('CLUSTER', 'KEYSLOT', k), JSON.stringify(k)).toBe(Number((t as { v: bigint }).v));
  });
});
