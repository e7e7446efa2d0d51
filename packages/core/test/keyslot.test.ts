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
import { ShardedEngine } from '../src/engine/sharded.ts';
import { keyHashSlot } from '../src/engine/slots.ts';

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

it('CLUSTER COUNTKEYSINSLOT and GETKEYSINSLOT agree with cluster-enabled redis-server on a sharded keyspace', async () => {
  // One node owning every slot: it serves keys once the cluster state is ok.
  await redis.pipeline([['CLUSTER', 'ADDSLOTSRANGE', '0', '16383']]);
  for (let i = 0; ; i++) {
    const [state] = await redis.pipeline([['CLUSTER', 'INFO']]);
    if (/cluster_state:ok/.test(String((state as { v: unknown }).v))) break;
    if (i > 200) throw new Error('the oracle cluster never became ok');
    await new Promise((r) => setTimeout(r, 50));
  }
  const sharded = new ShardedEngine({ shards: 4 });
  const session = sharded.createSession();
  const run = (...argv: string[]) => sharded.execute(session, argv);
  const keys = Array.from({ length: 400 }, (_, i) => (i % 3 === 0 ? `{tag${i % 7}}k${i}` : `key:${i}`));
  await redis.pipeline(keys.map((k) => ['SET', k, 'v']));
  for (const k of keys) run('SET', k, 'v');
  // Deleted keys leave their slot's index too.
  await redis.pipeline(keys.slice(0, 50).map((k) => ['DEL', k]));
  for (const k of keys.slice(0, 50)) run('DEL', k);
  const slots = [...new Set(keys.map(keyHashSlot)), 0, 16383];
  const cmds = slots.flatMap((s) => [
    ['CLUSTER', 'COUNTKEYSINSLOT', String(s)],
    ['CLUSTER', 'GETKEYSINSLOT', String(s), '1000'],
    ['CLUSTER', 'GETKEYSINSLOT', String(s), '1'],
  ]);
  const bad = [
    ['CLUSTER', 'COUNTKEYSINSLOT', '16384'],
    ['CLUSTER', 'COUNTKEYSINSLOT', '-1'],
    ['CLUSTER', 'COUNTKEYSINSLOT', 'x'],
    ['CLUSTER', 'GETKEYSINSLOT', '1', '-1'],
    ['CLUSTER', 'GETKEYSINSLOT', '16384', '1'],
    ['CLUSTER', 'GETKEYSINSLOT', 'x', '1'],
    ['CLUSTER', 'GETKEYSINSLOT', '1', 'x'],
  ];
  const theirs = await redis.pipeline([...cmds, ...bad]);
  [...cmds, ...bad].forEach((argv, i) => {
    const t = theirs[i] as { t: string; v: unknown };
    const ours = run(...argv);
    if (t.t === 'error') expect((ours as unknown as Error).message, argv.join(' ')).toBe(t.v);
    else if (t.t === 'int') expect(ours, argv.join(' ')).toBe(Number(t.v));
    else if (argv[3] === '1') expect((ours as string[]).length, argv.join(' ')).toBe((t.v as unknown[]).length);
    else expect([...(ours as string[])].sort(), argv.join(' ')).toEqual((t.v as { v: string }[]).map((x) => x.v).sort());
  });
  // Without shards, as Redis without cluster support.
  expect((testEngine().run('CLUSTER', 'COUNTKEYSINSLOT', '1') as unknown as Error).message).toBe('ERR This instance has cluster support disabled');
});
