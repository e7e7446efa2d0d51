import { describe, expect, it } from 'vitest';
import './index.ts';
import { MapReply, SetReply, Status } from '../reply.ts';
import {
  KEY_ACCESS,
  KEY_DELETE,
  KEY_INSERT,
  KEY_OW,
  KEY_RM,
  KEY_RO,
  KEY_RW,
  KEY_UPDATE,
  commandHasKeys,
  getKeysWithFlags,
  keyFlagsReply,
  keySpecsReply,
  legacyRange,
} from './keyspecs.ts';
import { commands, lookupCommand, type Command } from './table.ts';

const cmd = (name: string): Command => {
  const [a, b] = name.split('|');
  const c = b === undefined ? lookupCommand(a!) : lookupCommand(a!)?.sub?.get(b);
  if (c === undefined) throw new Error(name);
  return c;
};
const keys = (...argv: string[]) => getKeysWithFlags(cmd(argv[0]!.toLowerCase()), argv);
const flagNames = (f: number) => (keyFlagsReply(f).items as Status[]).map((s) => s.text);

describe('getKeysWithFlags (getKeysFromCommandWithSpecs)', () => {
  it('fixed specs', () => {
    expect(keys('GET', 'k')).toEqual([{ pos: 1, flags: KEY_RO | KEY_ACCESS }]);
    expect(keys('DEL', 'a', 'b')).toEqual([
      { pos: 1, flags: KEY_RM | KEY_DELETE },
      { pos: 2, flags: KEY_RM | KEY_DELETE },
    ]);
    expect(keys('MSET', 'a', '1', 'b', '2').map((k) => k.pos)).toEqual([1, 3]);
    expect(keys('LMOVE', 's', 'd', 'LEFT', 'RIGHT')).toEqual([
      { pos: 1, flags: KEY_RW | KEY_ACCESS | KEY_DELETE },
      { pos: 2, flags: KEY_RW | KEY_INSERT },
    ]);
    expect(flagNames(keys('INCR', 'k')[0]!.flags)).toEqual(['RW', 'access', 'update']);
  });

  it('SET: RW access update with GET, OW update without', () => {
    expect(keys('SET', 'k', 'v')).toEqual([{ pos: 1, flags: KEY_OW | KEY_UPDATE }]);
    expect(keys('SET', 'k', 'v', 'EX', '10', 'get')).toEqual([{ pos: 1, flags: KEY_RW | KEY_ACCESS | KEY_UPDATE }]);
    // The value is not an option: "get" as the value leaves it a plain overwrite.
    expect(keys('SET', 'k', 'get')).toEqual([{ pos: 1, flags: KEY_OW | KEY_UPDATE }]);
  });

  it('BITFIELD: read-only for GETs only', () => {
    expect(keys('BITFIELD', 'k', 'GET', 'u4', '0', 'OVERFLOW', 'SAT')).toEqual([{ pos: 1, flags: KEY_RO | KEY_ACCESS }]);
    expect(keys('BITFIELD', 'k', 'GET', 'u4', '0', 'SET', 'u4', '0', '1')).toEqual([{ pos: 1, flags: KEY_RW | KEY_ACCESS | KEY_UPDATE }]);
    expect(keys('BITFIELD', 'k', 'bogus')).toEqual([{ pos: 1, flags: KEY_RW | KEY_ACCESS | KEY_UPDATE }]);
    expect(keys('BITFIELD_RO', 'k', 'GET', 'u4', '0')).toEqual([{ pos: 1, flags: KEY_RO | KEY_ACCESS }]);
  });

  it('SORT finds the last STORE; SORT_RO only its key', () => {
    expect(keys('SORT', 'l', 'BY', 'store', 'LIMIT', '0', '1', 'STORE', 'a', 'STORE', 'b')).toEqual([
      { pos: 1, flags: KEY_RO | KEY_ACCESS },
      { pos: 10, flags: KEY_OW | KEY_UPDATE },
    ]);
    expect(keys('SORT', 'l', 'STORE')).toEqual([{ pos: 1, flags: KEY_RO | KEY_ACCESS }]);
    expect(keys('SORT_RO', 'l', 'GET', '#')).toEqual([{ pos: 1, flags: KEY_RO | KEY_ACCESS }]);
  });

  it('numkeys specs, and the getkeys proc when numkeys is bad', () => {
    expect(keys('ZUNIONSTORE', 'd', '2', 'a', 'b', 'WEIGHTS', '1', '2')).toEqual([
      { pos: 1, flags: KEY_OW | KEY_UPDATE },
      { pos: 3, flags: KEY_RO | KEY_ACCESS },
      { pos: 4, flags: KEY_RO | KEY_ACCESS },
    ]);
    expect(keys('LMPOP', '2', 'a', 'b', 'LEFT')).toEqual([
      { pos: 2, flags: KEY_RW | KEY_ACCESS | KEY_DELETE },
      { pos: 3, flags: KEY_RW | KEY_ACCESS | KEY_DELETE },
    ]);
    // Out of bounds or unparsable: the spec fails, the proc finds nothing.
    expect(keys('LMPOP', '3', 'a', 'LEFT')).toEqual([]);
    expect(keys('ZUNION', 'x', 'a')).toEqual([]);
    expect(keys('SINTERCARD', '01', 'a')).toEqual([]);
  });

  it('keyword begin_search (GEORADIUS STORE/STOREDIST)', () => {
    expect(keys('GEORADIUS', 'g', '1', '2', '3', 'km', 'STORE', 'a', 'STOREDIST', 'b')).toEqual([
      { pos: 1, flags: KEY_RO | KEY_ACCESS },
      { pos: 7, flags: KEY_OW | KEY_UPDATE },
      { pos: 9, flags: KEY_OW | KEY_UPDATE },
    ]);
    expect(keys('GEORADIUS', 'g', '1', '2', '3', 'km')).toEqual([{ pos: 1, flags: KEY_RO | KEY_ACCESS }]);
  });

  it('subcommands', () => {
    expect(getKeysWithFlags(cmd('object|encoding'), ['OBJECT', 'ENCODING', 'k'])).toEqual([{ pos: 2, flags: KEY_RO }]);
  });

  it('MIGRATE (getkeys proc): one key, or the KEYS list', () => {
    const migrate = { fullName: 'migrate', name: 'migrate', arity: -6, firstKey: 3, lastKey: 3, step: 1 } as unknown as Command;
    const f = KEY_RW | KEY_ACCESS | KEY_DELETE;
    expect(getKeysWithFlags(migrate, ['MIGRATE', 'h', '1', 'k', '0', '5'])).toEqual([{ pos: 3, flags: f }]);
    expect(getKeysWithFlags(migrate, ['MIGRATE', 'h', '1', '', '0', '5', 'AUTH', 'keys', 'KEYS', 'a', 'b'])).toEqual([
      { pos: 9, flags: f },
      { pos: 10, flags: f },
    ]);
    expect(getKeysWithFlags(migrate, ['MIGRATE', 'h', '1', 'k', '0', '5', 'KEYS', 'a'])).toEqual([]);
  });

  it('a command without specs: legacy positions, no flags', () => {
    const legacy = { fullName: 'x', name: 'x', arity: -2, firstKey: 1, lastKey: -1, step: 1 } as unknown as Command;
    expect(getKeysWithFlags(legacy, ['x', 'a', 'b'])).toEqual([
      { pos: 1, flags: 0 },
      { pos: 2, flags: 0 },
    ]);
    expect(commandHasKeys(legacy)).toBe(true);
  });

  it('every command with keys has them found by its specs or its proc', () => {
    for (const c of commands.values()) {
      if (c.keySpecs === undefined) continue;
      expect(commandHasKeys(c)).toBe(true);
    }
    expect(commandHasKeys(cmd('ping'))).toBe(false);
  });
});

describe('keySpecsReply (COMMAND INFO key specs)', () => {
  it('renders as addReplyCommandKeySpecs', () => {
    expect(keySpecsReply(cmd('zunionstore'))!.map((m) => (m as MapReply).entries)).toEqual([
      [
        'flags',
        new SetReply([new Status('OW'), new Status('update')]),
        'begin_search',
        new MapReply(['type', 'index', 'spec', new MapReply(['index', 1])]),
        'find_keys',
        new MapReply(['type', 'range', 'spec', new MapReply(['lastkey', 0, 'keystep', 1, 'limit', 0])]),
      ],
      [
        'flags',
        new SetReply([new Status('RO'), new Status('access')]),
        'begin_search',
        new MapReply(['type', 'index', 'spec', new MapReply(['index', 2])]),
        'find_keys',
        new MapReply(['type', 'keynum', 'spec', new MapReply(['keynumidx', 0, 'firstkey', 1, 'keystep', 1])]),
      ],
    ]);
    const sort = keySpecsReply(cmd('sort'))!;
    expect((sort[1] as MapReply).entries.slice(0, 2)).toEqual([
      'notes',
      "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort",
    ]);
    expect((sort[1] as MapReply).entries.slice(4)).toEqual([
      'begin_search',
      new MapReply(['type', 'unknown', 'spec', new MapReply([])]),
      'find_keys',
      new MapReply(['type', 'unknown', 'spec', new MapReply([])]),
    ]);
    const geo = keySpecsReply(cmd('georadius'))!;
    expect((geo[1] as MapReply).entries[3]).toEqual(
      new MapReply(['type', 'keyword', 'spec', new MapReply(['keyword', 'STORE', 'startfrom', 6])]),
    );
    expect(keySpecsReply(cmd('ping'))).toBeUndefined();
    // The table's specs are these replies, carrying the declared fields.
    expect(cmd('zunionstore').keySpecs![1]).toBeInstanceOf(MapReply);
    expect(cmd('zunionstore').keySpecs![1]).toMatchObject({ flags: ['RO', 'ACCESS'], index: 2, keynum: [0, 1, 1] });
  });
});

describe('legacyRange (populateCommandLegacyRangeSpec)', () => {
  it('agrees with the legacy positions and movable keys every command declares', () => {
    const diffs: string[] = [];
    const visit = (c: Command) => {
      c.sub?.forEach(visit);
      const r = legacyRange(c);
      if (r === undefined) return;
      const movable = c.keys !== undefined || c.flags.includes('movablekeys');
      if (r.firstKey !== c.firstKey || r.lastKey !== c.lastKey || r.step !== c.step || r.movablekeys !== movable) {
        diffs.push(`${c.fullName}: specs ${JSON.stringify(r)} table ${c.firstKey},${c.lastKey},${c.step},${movable}`);
      }
    };
    commands.forEach(visit);
    expect(diffs).toEqual([]);
  });

  it('examples', () => {
    expect(legacyRange(cmd('mset'))).toEqual({ firstKey: 1, lastKey: -1, step: 2, movablekeys: false });
    expect(legacyRange(cmd('lmove'))).toEqual({ firstKey: 1, lastKey: 2, step: 1, movablekeys: false });
    expect(legacyRange(cmd('zunionstore'))).toEqual({ firstKey: 1, lastKey: 1, step: 1, movablekeys: true });
    expect(legacyRange(cmd('zunion'))).toEqual({ firstKey: 0, lastKey: 0, step: 0, movablekeys: true });
    expect(legacyRange(cmd('ping'))).toBeUndefined();
  });
});
