import { describe, expect, it } from 'vitest';
import { SLOTS, crc16, keyHashSlot, shardRanges, slotShard } from './slots.ts';

describe('slots', () => {
  it('CRC16 is XMODEM (the check value of the Redis Cluster spec)', () => {
    expect(crc16('123456789')).toBe(0x31c3);
  });
  it('keyHashSlot follows the hash tag rules of the cluster spec', () => {
    // Values from redis-server's CLUSTER KEYSLOT.
    expect(keyHashSlot('foo')).toBe(12182);
    expect(keyHashSlot('{user1000}.following')).toBe(keyHashSlot('user1000'));
    expect(keyHashSlot('{user1000}.followers')).toBe(keyHashSlot('user1000'));
    expect(keyHashSlot('foo{}{bar}')).toBe(crc16('foo{}{bar}') % SLOTS);
    expect(keyHashSlot('foo{{bar}}zap')).toBe(keyHashSlot('{bar'));
    expect(keyHashSlot('foo{bar}{zap}')).toBe(keyHashSlot('bar'));
    expect(keyHashSlot('')).toBe(0);
    expect(keyHashSlot('\xff\x00{\x80}')).toBe(crc16('\x80') % SLOTS);
  });
  it('slot ranges of n shards are contiguous and agree with slotShard', () => {
    for (const n of [1, 2, 3, 4, 7]) {
      const r = shardRanges(n);
      expect(r[0]).toBe(0);
      expect(r[n]).toBe(SLOTS);
      for (let i = 0; i < n; i++) {
        expect(slotShard(r[i]!, n)).toBe(i);
        expect(slotShard(r[i + 1]! - 1, n)).toBe(i);
      }
    }
  });
});
