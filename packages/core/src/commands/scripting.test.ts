import { describe, expect, it } from 'vitest';
import '../node/scripting/lua.ts';
import { testEngine } from '../../test/util.ts';
import { ErrorReply } from '../errors.ts';
import { BoolReply, Double, MapReply, Status, type Reply } from '../reply.ts';
import type { Effect } from '../engine/shard.ts';

const err = (r: Reply) => (r as ErrorReply).message;

describe('EVAL conversions', () => {
  it('Lua -> Redis replies', () => {
    const { run } = testEngine();
    expect(run('EVAL', 'return 100.5', 0)).toBe(100);
    expect(run('EVAL', 'return true', 0)).toBe(1);
    expect(run('EVAL', 'return false', 0)).toBe(null);
    expect(run('EVAL', "return {ok='fine'}", 0)).toEqual(new Status('fine'));
    expect(err(run('EVAL', "return {err='ERR this is an error'}", 0))).toBe('ERR this is an error');
    expect(run('EVAL', "return {1,2,3,'ciao',{1,2}}", 0)).toEqual([1, 2, 3, 'ciao', [1, 2]]);
    expect(run('EVAL', "return {1,2,nil,4}", 0)).toEqual([1, 2]);
    expect(run('EVAL', 'return {KEYS[1],KEYS[2],ARGV[1],ARGV[2]}', 2, 'a', 'b', 'c', 'd')).toEqual(['a', 'b', 'c', 'd']);
    expect(run('EVAL', "return {double=3.5}", 0)).toEqual(new Double(3.5));
    expect(run('EVAL', "return redis.status_reply('x')", 0)).toEqual(new Status('x'));
    expect(err(run('EVAL', "return redis.error_reply('MY err')", 0))).toBe('MY err');
  });

  it('Redis -> Lua values (RESP2 and RESP3)', () => {
    const { run } = testEngine();
    run('SET', 'x', '0');
    expect(run('EVAL', "local foo = redis.pcall('incr',KEYS[1]) return {type(foo),foo}", 1, 'x')).toEqual(['number', 1]);
    expect(run('EVAL', "local foo = redis.pcall('get','nokey') return {type(foo),foo == false}", 0)).toEqual(['boolean', 1]);
    expect(run('EVAL', "local foo = redis.pcall('set','k','v') return {type(foo),foo['ok']}", 0)).toEqual(['table', 'OK']);
    expect(run('EVAL', "return redis.pcall('incr','k')['err']", 0)).toBe('ERR value is not an integer or out of range');
    run('HSET', 'h', 'f', 'v');
    expect(run('EVAL', "return redis.call('hgetall','h')", 0)).toEqual(['f', 'v']);
    expect(run('EVAL', "redis.setresp(3) return redis.call('hgetall','h')", 0)).toEqual(new MapReply(['f', 'v']));
    expect(run('EVAL', "redis.setresp(3) return redis.call('get','nokey') == nil", 0)).toEqual(new BoolReply(true));
  });

  it('numbers behave like Lua 5.1', () => {
    const { run } = testEngine();
    expect(run('EVAL', "return tostring(10/2)..' '..tostring(1/3)..' '..tostring(2^53)", 0)).toBe('5 0.33333333333333 9.007199254741e+15');
    // No 32-bit integer wrap-around: every number is a double, as in Redis's Lua.
    expect(run('EVAL', "return tonumber(ARGV[1]) * 1000", 0, '3000000')).toBe(3000000000);
    expect(run('EVAL', "redis.call('set','n',3.5) return redis.call('get','n')", 0)).toBe('3.5');
  });
});

describe('EVAL errors', () => {
  it('uses Redis texts', () => {
    const { run } = testEngine();
    run('SET', 's', 'v');
    expect(err(run('EVAL', "return redis.call('incr','s')", 0))).toBe(
      'ERR value is not an integer or out of range script: c243b9f46db13ba8f69da41b45a77708832babed, on @user_script:1.',
    );
    expect(err(run('EVAL', 'return a', 0))).toBe(
      "ERR user_script:1: Script attempted to access nonexistent global variable 'a' script: bbfcd1ececc90deec823f7fb730e4bfb2a4ba625, on @user_script:1.",
    );
    expect(err(run('EVAL', 'a=1', 0))).toMatch(/^ERR user_script:1: Attempt to modify a readonly table script: /);
    expect(err(run('EVAL', 'setmetatable(_G, {})', 0))).toMatch(/Attempt to modify a readonly table/);
    expect(err(run('EVAL', 'redis.call = function() end', 0))).toMatch(/Attempt to modify a readonly table/);
    expect(err(run('EVAL', "return redis.call('nosuch')", 0))).toMatch(/^ERR Unknown Redis command called from script script: /);
    expect(err(run('EVAL', "return redis.call('get')", 0))).toMatch(/^ERR Wrong number of args calling Redis command from script/);
    expect(err(run('EVAL', "return redis.call('multi')", 0))).toMatch(/^ERR This Redis command is not allowed from script/);
    expect(err(run('EVAL', "return redis.call()", 0))).toMatch(/^ERR Please specify at least one argument for this redis lib call/);
    expect(err(run('EVAL', "return redis.call('set', {})", 0))).toMatch(/^ERR Lua redis lib command arguments must be strings or integers/);
    expect(err(run('EVAL', "return 'x' ..", 0))).toBe("ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'");
    expect(err(run('EVAL', 'return 1', 2, 'a'))).toBe("ERR Number of keys can't be greater than number of args");
    expect(err(run('EVAL', 'return 1', -1))).toBe("ERR Number of keys can't be negative");
    expect(err(run('EVAL', 'return 1', 'x'))).toBe('ERR value is not an integer or out of range');
    expect(err(run('EVAL', "#!lua flags=no-writes\nredis.call('set','x',1)", 0))).toMatch(/^ERR Write commands are not allowed from read-only scripts/);
    expect(err(run('EVAL_RO', "redis.call('set','x',1)", 0))).toMatch(/^ERR Write commands are not allowed from read-only scripts/);
    expect(err(run('EVAL_RO', '#!lua\nreturn 1', 0))).toBe('ERR Can not execute a script with write flag using *_ro command.');
    expect(err(run('EVAL', '#!lua flags=bad\nreturn 1', 0))).toBe('ERR Unexpected flag in script shebang: bad');
    expect(err(run('EVAL', '#!lua x=1\nreturn 1', 0))).toBe('ERR Unknown lua shebang option: x=1');
    expect(run('GET', 'x')).toBe(null);
  });

  it('refuses deny-oom commands over maxmemory', () => {
    const { run, shard } = testEngine();
    run('SET', 'big', 'x'.repeat(1000));
    shard.setConfig('maxmemory', '1');
    expect(err(run('EVAL', "redis.call('set','x',1)", 0))).toMatch(/^OOM command not allowed when used memory > 'maxmemory'/);
    expect(run('EVAL', "return redis.call('get','x')", 0)).toBe(null);
    expect(err(run('EVAL', '#!lua flags=\nreturn 1', 0))).toMatch(/^OOM /);
    expect(run('EVAL', "#!lua flags=allow-oom\nredis.call('set','x',1) return 1", 0)).toBe(1);
  });
});

describe('script cache', () => {
  it('SCRIPT LOAD / EXISTS / FLUSH and EVALSHA', () => {
    const { run } = testEngine();
    const sha = run('SCRIPT', 'LOAD', "return 'loaded'") as string;
    expect(sha).toBe('b534286061d4b9e4026607613b95c06c06015ae8');
    expect(run('EVALSHA', sha, 0)).toBe('loaded');
    expect(run('EVALSHA', sha.toUpperCase(), 0)).toBe('loaded');
    expect(run('EVALSHA_RO', sha, 0)).toBe('loaded');
    expect(run('SCRIPT', 'EXISTS', sha, 'ffffffffffffffffffffffffffffffffffffffff')).toEqual([1, 0]);
    expect(err(run('EVALSHA', 'NotValidShaSUM', 0))).toBe('NOSCRIPT No matching script. Please use EVAL.');
    expect(run('SCRIPT', 'FLUSH', 'ASYNC')).toEqual(new Status('OK'));
    expect(err(run('SCRIPT', 'FLUSH', 'X'))).toBe('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
    expect(err(run('EVALSHA', sha, 0))).toBe('NOSCRIPT No matching script. Please use EVAL.');
    expect(err(run('SCRIPT', 'KILL'))).toBe('NOTBUSY No scripts in execution right now.');
  });
});

describe('libraries', () => {
  it('bit, cjson, cmsgpack, struct, sha1hex', () => {
    const { run } = testEngine();
    expect(run('EVAL', 'return bit.tohex(65535, -2147483648)', 0)).toBe('0000FFFF');
    expect(run('EVAL', 'return bit.bor(1,2,4,8,16,32,64,128)', 0)).toBe(255);
    expect(run('EVAL', "return cjson.encode({a={1,2,3},b='x/y'})", 0)).toBe('{"a":[1,2,3],"b":"x\\/y"}');
    expect(run('EVAL', "return table.concat(cjson.decode('[0.0, -5e3, -1, 0.3e-3, 1023.2, 0e10]'), ' ')", 0)).toBe('0 -5000 -1 0.0003 1023.2 0');
    const hex = "local e = cmsgpack.pack(ARGV[1] + 0) local h = '' for i = 1, #e do h = h .. string.format('%02x', string.byte(e, i)) end return h";
    expect(run('EVAL', hex, 0, '0.1')).toBe('cb3fb999999999999a');
    expect(run('EVAL', hex, 0, '-1099511627776')).toBe('d3ffffff0000000000');
    expect(run('EVAL', "return cmsgpack.unpack(cmsgpack.pack({1,2,'x'}))[3]", 0)).toBe('x');
    expect(run('EVAL', "return struct.unpack('>I2', struct.pack('>I2', 258))", 0)).toBe(258);
    expect(run('EVAL', "return redis.sha1hex('Pizza & Mandolino')", 0)).toBe('74822d82031af7493c20eefa13bd07ec4fada82f');
    expect(run('EVAL', "return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM}", 0)).toEqual(['7.2.4', 0x070204]);
    expect(run('EVAL', 'local t = {} for i=1,3 do t[i]=i end return redis.call("rpush", "l", unpack(t))', 0)).toBe(3);
  });
});

describe('sessions and effects', () => {
  it('SELECT inside a script does not change the caller', () => {
    const { run, session } = testEngine();
    run('SELECT', 1);
    run('SET', 'k', 'db1');
    expect(run('EVAL', "redis.call('select', 2) redis.call('set','k','db2') return redis.call('get','k')", 0)).toBe('db2');
    expect(session.db).toBe(1);
    expect(run('GET', 'k')).toBe('db1');
  });

  it('a script is one effects group that replays to the same data', () => {
    const a = testEngine();
    const groups: Effect[][] = [];
    a.engine.onEffects((g) => groups.push(g));
    a.run('SADD', 's', 'a', 'b', 'c');
    groups.length = 0;
    const script = `
      redis.call('set', 'x', 1)
      redis.call('incrbyfloat', 'x', '1.5')
      redis.call('expire', 'x', 100)
      local m = redis.call('spop', 's')
      redis.call('select', 3)
      redis.call('set', 'y', m)
      return m`;
    const popped = a.run('EVAL', script, 0);
    expect(groups.length).toBe(1);
    const argv0 = groups[0]!.map((e) => e.argv[0]!.toLowerCase());
    expect(argv0).not.toContain('eval');
    expect(argv0).not.toContain('spop');
    const b = testEngine();
    b.run('SADD', 's', 'a', 'b', 'c');
    b.shard.replay(groups[0]!);
    for (const [db, cmd] of [
      [0, ['GET', 'x']],
      [0, ['PEXPIRETIME', 'x']],
      [0, ['SMEMBERS', 's']],
      [3, ['GET', 'y']],
    ] as const) {
      a.run('SELECT', db);
      b.run('SELECT', db);
      const ra = a.run(...cmd);
      expect(b.run(...cmd)).toEqual(ra);
    }
    b.run('SELECT', 3);
    expect(b.run('GET', 'y')).toBe(popped);
  });

  it('a failing script keeps the effects of the commands it ran', () => {
    const { run, engine } = testEngine();
    const groups: Effect[][] = [];
    engine.onEffects((g) => groups.push(g));
    expect(run('EVAL', "redis.call('set','a','1') error('x')", 0)).toBeInstanceOf(ErrorReply);
    expect(groups).toEqual([[{ db: 0, argv: ['set', 'a', '1'] }]]);
  });
});

describe('FUNCTION and FCALL', () => {
  const lib = "#!lua name=mylib\nredis.register_function('f1', function(keys, args) return {keys[1], args[1], redis.call('get', keys[1])} end)\n" +
    "redis.register_function{function_name='ro', callback=function() return 'ro' end, flags={'no-writes'}, description='d'}";

  it('loads, lists, calls and deletes libraries', () => {
    const { run } = testEngine();
    run('SET', 'k', 'v');
    expect(run('FUNCTION', 'LOAD', lib)).toBe('mylib');
    expect(err(run('FUNCTION', 'LOAD', lib))).toBe("ERR Library 'mylib' already exists");
    expect(run('FUNCTION', 'LOAD', 'REPLACE', lib)).toBe('mylib');
    expect(run('FCALL', 'f1', 1, 'k', 'a')).toEqual(['k', 'a', 'v']);
    expect(run('FCALL_RO', 'ro', 0)).toBe('ro');
    expect(err(run('FCALL_RO', 'f1', 1, 'k', 'a'))).toBe('ERR Can not execute a script with write flag using *_ro command.');
    expect(err(run('FCALL', 'nope', 0))).toBe('ERR Function not found');
    const list = run('FUNCTION', 'LIST') as MapReply[];
    expect(list.length).toBe(1);
    expect(list[0]!.entries.slice(0, 4)).toEqual(['library_name', 'mylib', 'engine', 'LUA']);
    const dump = run('FUNCTION', 'DUMP') as string;
    expect(run('FUNCTION', 'DELETE', 'mylib')).toEqual(new Status('OK'));
    expect(err(run('FUNCTION', 'DELETE', 'mylib'))).toBe('ERR Library not found');
    expect(run('FUNCTION', 'RESTORE', dump)).toEqual(new Status('OK'));
    expect(run('FCALL', 'f1', 1, 'k', 'a')).toEqual(['k', 'a', 'v']);
    expect(err(run('FUNCTION', 'RESTORE', dump))).toBe('ERR Library mylib already exists');
    expect(run('FUNCTION', 'FLUSH')).toEqual(new Status('OK'));
    expect(run('FUNCTION', 'LIST')).toEqual([]);
  });

  it('reports load errors like Redis', () => {
    const { run } = testEngine();
    expect(err(run('FUNCTION', 'LOAD', 'return 1'))).toBe('ERR Missing library metadata');
    expect(err(run('FUNCTION', 'LOAD', '#!lua\nreturn 1'))).toBe('ERR Library name was not given');
    expect(err(run('FUNCTION', 'LOAD', '#!lua name=x\nreturn 1'))).toBe('ERR No functions registered');
    expect(err(run('FUNCTION', 'LOAD', '#!lua name=x\nredis.call("ping")'))).toBe(
      "ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'call'",
    );
    expect(err(run('FUNCTION', 'LOAD', '#!foo name=x\nreturn 1'))).toBe("ERR Engine 'foo' not found");
  });
});
