import { describe, expect, it } from 'vitest';
import { testEngine } from '../../test/util.ts';
import { ErrorReply } from '../errors.ts';
import { commands } from './table.ts';

const DISABLED = 'ERR This instance has cluster support disabled';

function err(r: unknown): string {
  expect(r).toBeInstanceOf(ErrorReply);
  return (r as ErrorReply).message;
}

describe('CLUSTER without cluster support', () => {
  it('every subcommand but KEYSLOT, READONLY, READWRITE and ASKING reply that cluster support is disabled', () => {
    const { run } = testEngine();
    expect(err(run('CLUSTER', 'INFO'))).toBe(DISABLED);
    expect(err(run('CLUSTER', 'help'))).toBe(DISABLED);
    // CLUSTER KEYSLOT answers (test/keyslot.test.ts compares it with cluster-enabled Redis).
    expect(run('CLUSTER', 'KEYSLOT', 'foo')).toBe(12182);
    expect(err(run('CLUSTER', 'SLOTS'))).toBe(DISABLED);
    expect(err(run('CLUSTER', 'MYSHARDID'))).toBe(DISABLED);
    expect(err(run('READONLY'))).toBe(DISABLED);
    expect(err(run('READWRITE'))).toBe(DISABLED);
    expect(err(run('ASKING'))).toBe(DISABLED);
  });

  it('arity and unknown subcommands are checked first, as Redis', () => {
    const { run } = testEngine();
    expect(err(run('CLUSTER', 'KEYSLOT'))).toBe("ERR wrong number of arguments for 'cluster|keyslot' command");
    expect(err(run('CLUSTER', 'ADDSLOTS'))).toBe("ERR wrong number of arguments for 'cluster|addslots' command");
    expect(err(run('CLUSTER', 'BOGUS'))).toBe("ERR unknown subcommand 'BOGUS'. Try CLUSTER HELP.");
    expect(err(run('CLUSTER'))).toBe("ERR wrong number of arguments for 'cluster' command");
    expect(err(run('READONLY', 'x'))).toBe("ERR wrong number of arguments for 'readonly' command");
  });

  it('declares the 7.2 subcommands', () => {
    const cluster = commands.get('cluster')!;
    expect([...cluster.sub!.keys()].sort()).toEqual(
      ('addslots addslotsrange bumpepoch count-failure-reports countkeysinslot delslots delslotsrange failover flushslots ' +
        'forget getkeysinslot help info keyslot links meet myid myshardid nodes replicas replicate reset saveconfig ' +
        'set-config-epoch setslot shards slaves slots').split(' '),
    );
    expect(cluster.sub!.get('addslots')).toMatchObject({ arity: -3, flags: ['no_async_loading', 'admin', 'stale'] });
    expect(commands.get('readonly')).toMatchObject({ arity: 1, flags: ['fast', 'loading', 'stale'], acl: ['connection', 'fast'] });
  });
});
