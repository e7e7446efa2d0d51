/**
 * The durable in-process API through the portable entry (a journal and a snapshot store handed
 * in): a call settles only once what it shows is durable, recovery is snapshot + journal tail,
 * a failed journal stops everything that could show data. The journal here is GatedJournal: its
 * entries become durable when the test says so.
 */
import { describe, expect, it } from 'vitest';
import { GatedJournal } from '../../test/gated-journal.ts';
import { MemoryJournal } from '../durability/journal.ts';
import { MemorySnapshotStore } from '../durability/snapshot.ts';
import { open, openSync, RedisError, type Database } from '../index.ts';

interface Tracked<T> {
  done: boolean;
  value?: T;
  error?: unknown;
}

function track<T>(p: Promise<T>): Tracked<T> {
  const t: Tracked<T> = { done: false };
  p.then(
    (v) => Object.assign(t, { done: true, value: v }),
    (e: unknown) => Object.assign(t, { done: true, error: e }),
  );
  return t;
}

/** Lets queued microtasks, the tick's journal append and promise reactions run. */
const turn = () => new Promise((r) => setTimeout(r, 0));

async function gated(): Promise<{ db: Database; journal: GatedJournal }> {
  const journal = new GatedJournal();
  const db = await open({ journal, saveRules: [] });
  return { db, journal };
}

describe('durable open() with a journal handed in', () => {
  it('resolves a write only once its journal entry is durable', async () => {
    const { db, journal } = await gated();
    const w = track(db.set('k', 'v'));
    await turn();
    expect(journal.waiting).toBe(1);
    expect(w.done).toBe(false);
    await journal.settle();
    expect(w).toEqual({ done: true, value: 'OK' });
    await db.close();
  });

  it('packs the writes of one tick into one entry (group commit)', async () => {
    const { db, journal } = await gated();
    const ws = [track(db.set('a', '1')), track(db.incr('n')), track(db.rpush('l', 'x'))];
    await turn();
    expect(journal.waiting).toBe(1);
    expect(journal.lastSeq).toBe(1);
    expect(ws.some((w) => w.done)).toBe(false);
    await journal.settle();
    expect(ws.map((w) => w.value)).toEqual(['OK', 1, 1]);
    await db.close();
  });

  it('makes a read of a key with a pending write wait for it; other keys do not wait', async () => {
    const { db, journal } = await gated();
    await Promise.all([db.set('other', 'o'), turn().then(() => journal.settle())]);
    const w = track(db.set('k', 'v'));
    const r = track(db.get('k'));
    const exists = track(db.exists('k', 'nope'));
    const o = track(db.get('other'));
    const miss = track(db.get('never-written'));
    await turn();
    expect(o).toEqual({ done: true, value: 'o' });
    expect(miss).toEqual({ done: true, value: null });
    expect(w.done || r.done || exists.done).toBe(false);
    await journal.settle();
    expect(w.value).toBe('OK');
    expect(r).toEqual({ done: true, value: 'v' });
    expect(exists.value).toBe(1);
    await db.close();
  });

  it('makes keyless reads (DBSIZE, KEYS) wait for the newest entry', async () => {
    const { db, journal } = await gated();
    const w = track(db.set('k', 'v'));
    const size = track(db.dbsize());
    const keys = track(db.keys('*'));
    await turn();
    expect(size.done || keys.done).toBe(false);
    await journal.settle();
    expect(w.value).toBe('OK');
    expect(size.value).toBe(1);
    expect(keys.value).toEqual(['k']);
    await db.close();
  });

  it('makes a reply that fails on a pending write (WRONGTYPE) wait for it too', async () => {
    const { db, journal } = await gated();
    const w = track(db.set('s', 'v'));
    const bad = track(db.lpush('s', 'x'));
    await turn();
    expect(bad.done).toBe(false);
    await journal.settle();
    expect(w.value).toBe('OK');
    expect(bad.error).toBeInstanceOf(RedisError);
    expect((bad.error as RedisError).message).toMatch(/^WRONGTYPE/);
    await db.close();
  });

  it('resolves a transaction once its effects are durable', async () => {
    const { db, journal } = await gated();
    const tx = track(db.multi().incr('n').incr('n').get('n').exec());
    await turn();
    expect(tx.done).toBe(false);
    await journal.settle();
    expect(tx.value).toEqual([1, 2, '2']);
    // One atomic group: MULTI ... EXEC replays as a whole.
    expect([...journal.readFrom(1)][0]!.groups).toHaveLength(1);
    await db.close();
  });

  it('a failed journal write rejects the waiting call and refuses later commands with MISCONF', async () => {
    const { db, journal } = await gated();
    const w = track(db.set('k', 'v'));
    await turn();
    await journal.failOne('No space left on device');
    expect(w.done).toBe(true);
    expect((w.error as Error).message).toMatch(/No space left on device/);
    await expect(db.get('k')).rejects.toThrow(/^MISCONF Errors writing to the journal: .*No space left on device/);
    await expect(db.set('x', '1')).rejects.toThrow(/^MISCONF/);
    await expect(db.multi().set('y', '1').exec()).rejects.toThrow(/^MISCONF/);
    // Commands that show no data still answer (as the server's `loading` ones).
    await expect(db.echo('hi')).resolves.toBe('hi');
    await db.close();
  });

  it('recovers from the newest snapshot plus the journal tail', async () => {
    const journal = new MemoryJournal();
    const store = new MemorySnapshotStore();
    const db = await open({ journal, snapshots: store, saveRules: [] });
    await db.set('a', '1');
    await db.hset('h', { f: 'v' });
    const meta = await db.save();
    expect(meta.seq).toBe(2);
    // The first snapshot has none before it to fall back to: the journal is kept whole.
    expect(journal.firstSeq).toBe(1);
    await db.set('c', '3');
    const second = await db.save();
    // The second truncates the journal before the first (kept as its fallback), not before itself.
    expect(journal.firstSeq).toBe(meta.seq + 1);
    expect(db.durability!.list().map((m) => m.id)).toEqual([meta.id, second.id]);
    await db.set('b', '2');
    await db.hset('h', { g: 'w' });
    await db.del('a');
    // A crash: nothing closed, the storage as it was.
    db.engine.close();
    const again = await open({ journal, snapshots: store, saveRules: [] });
    expect(again.durability!.recovered!.snapshot!.id).toBe(second.id);
    expect(again.durability!.recovered!.entriesReplayed).toBe(3);
    expect(await again.get('a')).toBeNull();
    expect(await again.get('b')).toBe('2');
    expect(await again.hgetall('h')).toEqual({ f: 'v', g: 'w' });
    await again.close({ save: false });
  });

  it('named snapshots are listed, kept and deletable; the newest is kept', async () => {
    const db = await open({ journal: new MemoryJournal(), saveRules: [] });
    await db.set('a', '1');
    const named = await db.snapshot('before');
    await expect(db.snapshot('before')).rejects.toThrow(/already exists/);
    await expect(db.snapshot('12')).rejects.toThrow(/must not be empty or a number/);
    await db.set('b', '2');
    const auto = await db.save();
    expect(db.snapshots().map((m) => [m.id, m.name])).toEqual([
      [named.id, 'before'],
      [auto.id, null],
    ]);
    await expect(db.deleteSnapshot(auto.id)).rejects.toThrow(/recovery base/);
    await db.deleteSnapshot('before');
    expect(db.snapshots().map((m) => m.id)).toEqual([auto.id]);
    await expect(db.exportSnapshot('/tmp/x.snap')).rejects.toThrow(/needs Node\.js/);
    await db.close();
  });

  it('close() syncs, closes the journal, and later calls reject', async () => {
    const journal = new MemoryJournal();
    const db = await open({ journal, saveRules: [] });
    const w = db.set('k', 'v');
    await db.close();
    await expect(w).resolves.toBe('OK');
    expect(journal.lastSeq).toBe(1);
    await expect(db.get('k')).rejects.toThrow(/closed/);
    expect(() => journal.append([])).toThrow(/closed/);
  });

  it('a final snapshot on close when save rules are set and something changed', async () => {
    const store = new MemorySnapshotStore();
    const db = await open({ journal: new MemoryJournal(), snapshots: store });
    await db.set('k', 'v');
    await db.close();
    expect(store.list().filter((m) => m.complete)).toHaveLength(1);
  });

  it('a journal whose checksum chain breaks stops the open, naming the sequence number', async () => {
    const journal = new MemoryJournal();
    const db = await open({ journal, saveRules: [] });
    for (let i = 0; i < 3; i++) await db.set(`k${i}`, 'v');
    db.engine.close();
    const entry = journal.stored.get(2)!;
    entry[entry.length - 1]! ^= 1;
    await expect(open({ journal, saveRules: [] })).rejects.toThrow(
      /journal checksum chain broken at sequence number 2/,
    );
  });

  it('save rules start a background snapshot', async () => {
    const store = new MemorySnapshotStore();
    const logged: string[] = [];
    const db = await open({ journal: new MemoryJournal(), snapshots: store, saveRules: [[0, 2]], log: (_l, m) => logged.push(m) });
    await db.set('a', '1');
    await db.set('b', '2');
    // The rules are checked once a second: wait for the snapshot, whenever it comes.
    while (!store.list().some((m) => m.complete)) await new Promise((r) => setTimeout(r, 50));
    expect(store.list()[0]!.keys).toBe(2);
    expect(logged.some((m) => m.startsWith('Background snapshot started'))).toBe(true);
    await db.close({ save: false });
  });

  it('refuses what it cannot honour', async () => {
    expect(() => openSync({ journal: new MemoryJournal() })).toThrow(/openSync\(\) cannot open a durable database/);
    await expect(open({ path: '/tmp/nope' })).rejects.toThrow(/needs Node\.js/);
    await expect(open({ journal: new MemoryJournal('no'), durability: 'always' })).rejects.toThrow(/policy is 'no'/);
    await expect(open({ snapshots: new MemorySnapshotStore() })).rejects.toThrow(/need a journal/);
    const mem = await open();
    await expect(mem.save()).rejects.toThrow(/keeps no data on disk/);
    mem.close();
  });
});
