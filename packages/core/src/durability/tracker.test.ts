import { describe, expect, it } from 'vitest';
import { keyIndexes, lookupCommand } from '../commands/table.ts';
import { testEngine } from '../../test/util.ts';
import { GatedJournal } from '../../test/gated-journal.ts';
import { DurabilityTracker } from './tracker.ts';

function setup() {
  const t = testEngine();
  const journal = new GatedJournal('always');
  const ticks: (() => void)[] = [];
  const tracker = new DurabilityTracker(journal, t.shard.dbs.length, (fn) => ticks.push(fn));
  const groupSeqs: number[] = [];
  t.shard.onEffects = (g) => groupSeqs.push(tracker.addGroup(g));
  t.shard.onKeyModified = (db, key) => tracker.keyModified(db, key);
  const endTick = () => ticks.splice(0).forEach((fn) => fn());
  const readSeq = (...argv: string[]) => {
    const cmd = lookupCommand(argv[0]!.toLowerCase())!;
    return tracker.readSeq(0, argv, keyIndexes(cmd, argv));
  };
  return { ...t, journal, tracker, groupSeqs, endTick, readSeq };
}

describe('DurabilityTracker', () => {
  it('packs a tick of groups into one entry and names the entry each group waits for', () => {
    const { run, journal, groupSeqs, endTick } = setup();
    run('SET', 'a', '1');
    run('INCR', 'n');
    expect(groupSeqs).toEqual([1, 1]);
    endTick();
    expect(journal.lastSeq).toBe(1);
    run('SET', 'b', '2');
    expect(groupSeqs).toEqual([1, 1, 2]);
    endTick();
    expect(journal.lastSeq).toBe(2);
  });

  it('a read of a key with a pending write waits for that entry, and only until it is durable', async () => {
    const { run, journal, endTick, readSeq } = setup();
    run('SET', 'a', '1');
    endTick(); // entry 1 (a)
    run('SET', 'b', '1');
    endTick(); // entry 2 (b)
    expect(readSeq('GET', 'a')).toBe(1);
    expect(readSeq('GET', 'b')).toBe(2);
    expect(readSeq('MGET', 'a', 'b', 'c')).toBe(2);
    expect(readSeq('GET', 'c')).toBe(0);
    await journal.settle();
    expect(journal.durableSeq).toBe(1);
    expect(readSeq('GET', 'a')).toBe(0);
    expect(readSeq('GET', 'b')).toBe(2);
    await journal.settle();
    expect(readSeq('MGET', 'a', 'b')).toBe(0);
  });

  it('a rewritten key waits for its newest write', async () => {
    const { run, journal, endTick, readSeq } = setup();
    run('SET', 'a', '1');
    endTick();
    run('SET', 'a', '2');
    endTick();
    await journal.settle();
    expect(readSeq('GET', 'a')).toBe(2);
  });

  it('a keyless write (FLUSHALL) is a barrier for every read until durable', async () => {
    const { run, journal, endTick, readSeq } = setup();
    run('SET', 'a', '1');
    endTick();
    await journal.settle();
    run('FLUSHALL');
    endTick();
    expect(readSeq('GET', 'a')).toBe(2);
    expect(readSeq('GET', 'never-written')).toBe(2);
    await journal.settle();
    expect(readSeq('GET', 'a')).toBe(0);
  });

  it('a key modified without effects has no entry to wait for', () => {
    const { tracker, readSeq } = setup();
    tracker.keyModified(0, 'x');
    expect(readSeq('GET', 'x')).toBe(0);
  });
});
