/**
 * Scripting over the wire: EVAL/EVALSHA through ioredis (including defineCommand), RESP3
 * conversions through node-redis, and busy scripts: past busy-reply-threshold other clients get
 * -BUSY, SCRIPT KILL stops a script that has not written, a MULTI touched by the busy state
 * fails at EXEC, and the script's caller gets its reply and continues its pipeline.
 * No test asserts a duration.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer, until, SHARDED, type TestServer } from './helpers.ts';

let t: TestServer;

beforeAll(async () => {
  t = await startServer();
});
afterAll(async () => {
  await t?.close();
});
afterEach(async () => {
  const r = t.ioredis();
  await r.config('SET', 'busy-reply-threshold', '5000');
  await r.flushall();
  await r.script('FLUSH');
  await r.function('FLUSH');
  r.disconnect();
});

/**
 * Polls until a command is refused with -BUSY (the script passed the threshold): a GET of a key
 * of shard 3 of 4 ({a}) when sharded, while keyless scripts run on shard 0: a busy script holds
 * up every shard, as Redis's one thread.
 */
async function waitBusy(r: ReturnType<TestServer['ioredis']>): Promise<string> {
  const msg = await until(async () => {
    try {
      await r.get('{a}probe');
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  }, 10000, 'BUSY');
  return msg;
}

describe('EVAL with ioredis', () => {
  it('runs scripts, EVALSHA and defineCommand', async () => {
    const r = t.ioredis();
    expect(await r.eval("return redis.call('set', KEYS[1], ARGV[1])", 1, 'k', 'v')).toBe('OK');
    expect(await r.eval("return {1, 'two', {3}}", 0)).toEqual([1, 'two', [3]]);
    const sha = (await r.script('LOAD', "return redis.call('get', KEYS[1])")) as string;
    expect(await r.evalsha(sha, 1, 'k')).toBe('v');
    r.defineCommand('incrTwice', { numberOfKeys: 1, lua: "redis.call('incr', KEYS[1]) return redis.call('incr', KEYS[1])" });
    expect(await (r as unknown as { incrTwice(k: string): Promise<number> }).incrTwice('n')).toBe(2);
    await expect(r.eval('return a', 0)).rejects.toThrow(/Script attempted to access nonexistent global variable 'a'/);
    await expect(r.evalsha('ffffffffffffffffffffffffffffffffffffffff', 0)).rejects.toThrow('NOSCRIPT No matching script. Please use EVAL.');
    r.disconnect();
  });

  it('functions: FUNCTION LOAD and FCALL', async () => {
    const r = t.ioredis();
    const lib = "#!lua name=lib\nredis.register_function('hello', function(keys, args) return 'hello ' .. args[1] end)";
    expect(await r.call('FUNCTION', 'LOAD', lib)).toBe('lib');
    expect(await r.call('FCALL', 'hello', '0', 'world')).toBe('hello world');
    r.disconnect();
  });
});

describe('RESP3 with node-redis', () => {
  it('converts maps, doubles and booleans', async () => {
    const n = await t.nodeRedis({ RESP: 3 });
    await n.hSet('h', 'f', 'v');
    expect(await n.sendCommand(['EVAL', "redis.setresp(3) return redis.call('hgetall', KEYS[1])", '1', 'h'])).toEqual({ f: 'v' });
    expect(await n.sendCommand(['EVAL', 'return {double=1.5}', '0'])).toBe(1.5);
    expect(await n.sendCommand(['EVAL', 'redis.setresp(3) return true', '0'])).toBe(true);
    expect(await n.sendCommand(['EVAL', 'return false', '0'])).toBe(null);
    await n.quit();
  });
});

describe('busy scripts', () => {
  it('BUSY for others, SCRIPT KILL stops a read-only script, the caller continues', async () => {
    const a = t.ioredis();
    const b = t.ioredis();
    await b.config('SET', 'busy-reply-threshold', '50');
    const running = a.eval('while true do end', 0).catch((e: Error) => e);
    const after = a.ping();
    expect(await waitBusy(b)).toBe('BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.');
    // FUNCTION KILL refuses an EVAL script.
    await expect(b.call('FUNCTION', 'KILL')).rejects.toThrow('BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.');
    expect(await b.script('KILL')).toBe('OK');
    const e = await running;
    expect(String((e as Error).message)).toMatch(/^ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.$/);
    expect(await after).toBe('PONG');
    expect(await b.ping()).toBe('PONG');
    await expect(b.script('KILL')).rejects.toThrow('NOTBUSY No scripts in execution right now.');
    a.disconnect();
    b.disconnect();
  });

  // Sharded, this thread's engine (onEffects) sees none of the shards' effects.
  it.skipIf(SHARDED)('a script that wrote is unkillable and finishes as one effects group', async () => {
    const a = t.ioredis();
    const b = t.ioredis();
    await b.config('SET', 'busy-reply-threshold', '50');
    const groups: string[][][] = [];
    t.server.engine.onEffects((g) => groups.push(g.map((e) => e.argv)));
    // Runs long, in many slices; pcall must not stop the busy machinery.
    const script = "redis.call('set', 'w', 1) local n = 0 for i = 1, 3000000 do n = n + 1 if i % 1000000 == 0 then pcall(redis.call, 'incr', 'w') end end return n";
    const running = a.eval(script, 0);
    await waitBusy(b);
    await expect(b.script('KILL')).rejects.toThrow(/^UNKILLABLE Sorry the script already executed write commands/);
    expect(await running).toBe(3000000);
    expect(await b.get('w')).toBe('4');
    t.server.engine.onEffects(null);
    expect(groups).toEqual([[['set', 'w', '1'], ['incr', 'w'], ['incr', 'w'], ['incr', 'w']]]);
    a.disconnect();
    b.disconnect();
  });

  // Its keys are on another shard than the busy script's ({b}: 0 of 4, {a}: 3) when sharded.
  it('MULTI during a busy script: queued rejections abort EXEC, EXEC itself aborts', async () => {
    const a = t.ioredis();
    const b = t.ioredis();
    const c = t.ioredis();
    await b.config('SET', 'busy-reply-threshold', '50');
    await b.set('{a}xx', '1');
    await c.multi({ pipeline: false });
    await c.incr('{a}xx');
    const running = a.eval('while true do end', 0).catch((e: Error) => e);
    await waitBusy(b);
    // MULTI is allowed while busy; a command queued now is refused and dooms the transaction.
    await b.multi({ pipeline: false });
    await expect(b.incr('{a}xx')).rejects.toThrow(/^BUSY/);
    await expect(c.exec()).rejects.toThrow(/^EXECABORT Transaction discarded because of: BUSY Redis is busy running a script/);
    const d = t.ioredis();
    expect(await d.script('KILL')).toBe('OK');
    d.disconnect();
    await running;
    await expect(b.exec()).rejects.toThrow(/^EXECABORT Transaction discarded because of previous errors/);
    expect(await b.get('{a}xx')).toBe('1');
    expect(await c.ping()).toBe('PONG');
    a.disconnect();
    b.disconnect();
    c.disconnect();
  });

  it('functions are killed with FUNCTION KILL', async () => {
    const a = t.ioredis();
    const b = t.ioredis();
    await b.config('SET', 'lua-time-limit', '50');
    await b.call('FUNCTION', 'LOAD', "#!lua name=busy\nredis.register_function('spin', function() while true do end end)");
    const running = a.call('FCALL', 'spin', '0').catch((e: Error) => e);
    expect(await waitBusy(b)).toBe('BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.');
    const stats = (await b.call('FUNCTION', 'STATS')) as unknown[];
    expect((stats[1] as unknown[]).slice(0, 2)).toEqual(['name', 'spin']);
    expect(await b.call('FUNCTION', 'KILL')).toBe('OK');
    expect(String(((await running) as Error).message)).toMatch(/^ERR Script killed by user with SCRIPT KILL\.\.\. script: spin, on @user_function:2\.$/);
    a.disconnect();
    b.disconnect();
  });
});

describe('ACL inside scripts', () => {
  // Sharded, the script's shard asks the serving thread to check each command (SCRIPT_ACL).
  it("checks each command a script runs against the caller's user, logs denials as 'lua'", async () => {
    const admin = t.ioredis();
    await admin.call('ACL', 'SETUSER', 'bob', 'on', '>123', '+@scripting', '+set', '~x*');
    const bob = t.ioredis();
    try {
      expect(await bob.call('AUTH', 'bob', '123')).toBe('OK');
      expect(await bob.eval("return redis.call('set', 'x1{acl}', 'v')", 0)).toBe('OK');
      await expect(bob.eval("return redis.call('set', 'y1{acl}', 'v')", 0)).rejects.toThrow(
        /^ERR ACL failure in script: No permissions to access a key script: \w{40}, on @user_script:1\.$/,
      );
      await expect(bob.eval("return redis.call('hset', 'x2{acl}', 'f', 'v')", 0)).rejects.toThrow(
        /^ERR ACL failure in script: User bob has no permissions to run the 'hset' command script: /,
      );
      expect(await admin.exists('y1{acl}', 'x2{acl}')).toBe(0);
      const entry = ((await admin.call('ACL', 'LOG', '1')) as unknown[][])[0]!;
      const fields = new Map<string, unknown>();
      for (let i = 0; i < entry.length; i += 2) fields.set(entry[i] as string, entry[i + 1]);
      expect(fields.get('context')).toBe('lua');
      expect(fields.get('object')).toBe('hset');
      expect(fields.get('username')).toBe('bob');
      expect(fields.get('client-info')).toMatch(/ cmd=eval /);
      // redis.acl_check_cmd asks without logging.
      expect(await bob.eval("return redis.acl_check_cmd('set', 'xx', 1)", 0)).toBe(1);
      expect(await bob.eval("return redis.acl_check_cmd('hset', 'xx', 'f', 1)", 0)).toBe(null);
      expect(await bob.eval("return redis.acl_check_cmd('set', 'yy', 1)", 0)).toBe(null);
    } finally {
      bob.disconnect();
      await admin.call('ACL', 'DELUSER', 'bob');
      admin.disconnect();
    }
  });

  it.runIf(SHARDED)('sharded: scripts of a user with restrictions are checked on every shard, and refused inside MULTI', async () => {
    const admin = t.ioredis();
    await admin.call('ACL', 'SETUSER', 'carol', 'on', '>123', '+@scripting', '+set', '+get', '+multi', '+exec', '~x*');
    const carol = t.ioredis();
    try {
      expect(await carol.call('AUTH', 'carol', '123')).toBe('OK');
      // Keys of many slots, so that the scripts run on every shard; the denied key shares the
      // declared one's slot, so only the check inside the script can refuse it.
      for (let i = 0; i < 16; i++) {
        expect(await carol.eval("return redis.call('set', KEYS[1], 'v')", 1, `x{${i}}`)).toBe('OK');
        await expect(carol.eval("return redis.call('set', ARGV[1], 'v')", 1, `x{${i}}`, `y{${i}}`)).rejects.toThrow(
          /^ERR ACL failure in script: No permissions to access a key/,
        );
      }
      expect(await admin.exists(...Array.from({ length: 16 }, (_, i) => `y{${i}}`))).toBe(0);
      // Rules changed between two scripts apply to the second.
      await admin.call('ACL', 'SETUSER', 'carol', '-set');
      await expect(carol.eval("return redis.call('set', KEYS[1], 'w')", 1, 'x{0}')).rejects.toThrow(/has no permissions to run the 'set' command/);
      expect(await admin.get('x{0}')).toBe('v');
      const multi = carol.multi().eval("return redis.call('get', KEYS[1])", 1, 'x{1}');
      await expect(multi.exec()).rejects.toThrow(/^EXECABORT/);
      await expect(carol.call("EVAL", "return 1", "0")).resolves.toBe(1); // out of MULTI it runs
      // An unrestricted user's scripts run unchecked, as before.
      expect(await admin.eval("return redis.call('set', 'y1', 'v')", 0)).toBe('OK');
    } finally {
      carol.disconnect();
      await admin.call('ACL', 'DELUSER', 'carol');
      admin.disconnect();
    }
  });
});
