import { describe, expect, it } from 'vitest';
import { testEngine } from '../../test/util.ts';
import { ErrorReply } from '../errors.ts';
import { NULL_ARRAY, OK, QUEUED } from '../reply.ts';

describe('MULTI/EXEC/DISCARD/WATCH', () => {
  it('queues commands and runs them atomically', () => {
    const { run } = testEngine();
    expect(run('MULTI')).toBe(OK);
    expect(run('SET', 'a', '1')).toBe(QUEUED);
    expect(run('INCR', 'a')).toBe(QUEUED);
    expect(run('GET', 'a')).toBe(QUEUED);
    expect(run('EXEC')).toEqual([OK, 2, '2']);
  });

  it('keeps runtime errors inside the EXEC reply and runs the rest', () => {
    const { run } = testEngine();
    run('SET', 's', 'x');
    run('MULTI');
    run('INCR', 's');
    run('SET', 't', 'y');
    const r = run('EXEC') as unknown[];
    expect(r[0]).toBeInstanceOf(ErrorReply);
    expect((r[0] as ErrorReply).message).toBe('ERR value is not an integer or out of range');
    expect(r[1]).toBe(OK);
    expect(run('GET', 't')).toBe('y');
  });

  it('answers EXECABORT after a queueing error and runs nothing', () => {
    const { run } = testEngine();
    run('MULTI');
    run('SET', 'a', '1');
    expect((run('NOSUCHCOMMAND', 'x') as ErrorReply).message).toBe(
      "ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'x' ",
    );
    expect((run('GET') as ErrorReply).message).toBe("ERR wrong number of arguments for 'get' command");
    expect((run('EXEC') as ErrorReply).message).toBe('EXECABORT Transaction discarded because of previous errors.');
    expect(run('GET', 'a')).toBe(null);
  });

  it('rejects nesting, EXEC/DISCARD without MULTI and WATCH inside MULTI', () => {
    const { run } = testEngine();
    expect((run('EXEC') as ErrorReply).message).toBe('ERR EXEC without MULTI');
    expect((run('DISCARD') as ErrorReply).message).toBe('ERR DISCARD without MULTI');
    run('MULTI');
    expect((run('MULTI') as ErrorReply).message).toBe('ERR MULTI calls can not be nested');
    expect((run('WATCH', 'x') as ErrorReply).message).toBe('ERR WATCH inside MULTI is not allowed');
    run('SET', 'a', '1');
    expect(run('EXEC')).toEqual([OK]); // neither error dooms the transaction
  });

  it('a rejected EXEC aborts the transaction with the reason', () => {
    const { run } = testEngine();
    const abort = "EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command";
    expect((run('EXEC', 'x') as ErrorReply).message).toBe(abort);
    run('MULTI');
    run('SET', 'a', '1');
    expect((run('EXEC', 'x') as ErrorReply).message).toBe(abort);
    expect((run('EXEC') as ErrorReply).message).toBe('ERR EXEC without MULTI');
    expect(run('GET', 'a')).toBe(null);
  });

  it('DISCARD drops the queue', () => {
    const { run } = testEngine();
    run('MULTI');
    run('SET', 'a', '1');
    expect(run('DISCARD')).toBe(OK);
    expect(run('GET', 'a')).toBe(null);
  });

  it('WATCH aborts EXEC when another session modified the key', () => {
    const { run, engine } = testEngine();
    const other = engine.createSession();
    run('SET', 'w', '1');
    run('WATCH', 'w');
    engine.execute(other, ['SET', 'w', '2']);
    run('MULTI');
    run('SET', 'w', '3');
    expect(run('EXEC')).toBe(NULL_ARRAY);
    expect(run('GET', 'w')).toBe('2');
    // After EXEC the key is no longer watched.
    run('MULTI');
    run('SET', 'w', '4');
    expect(run('EXEC')).toEqual([OK]);
  });

  it('WATCH is not triggered by reads or by changes to other keys, and UNWATCH clears it', () => {
    const { run, engine } = testEngine();
    const other = engine.createSession();
    run('SET', 'w', '1');
    run('WATCH', 'w');
    engine.execute(other, ['GET', 'w']);
    engine.execute(other, ['SET', 'x', '2']);
    run('MULTI');
    run('INCR', 'w');
    expect(run('EXEC')).toEqual([2]);
    run('WATCH', 'w');
    engine.execute(other, ['SET', 'w', '9']);
    run('UNWATCH');
    run('MULTI');
    run('INCR', 'w');
    expect(run('EXEC')).toEqual([10]);
  });

  it('WATCH aborts EXEC when the watched key expired meanwhile', () => {
    let now = 1_000_000;
    const { run } = testEngine({ clock: () => now });
    run('SET', 'w', '1', 'PX', '100');
    run('WATCH', 'w');
    now += 200;
    run('MULTI');
    run('PING');
    expect(run('EXEC')).toBe(NULL_ARRAY);
  });

  it('a key already expired at WATCH time does not fail EXEC when deleted', () => {
    let now = 1_000_000;
    const { run, shard } = testEngine({ clock: () => now });
    shard.expireEnabled = false; // keep the stale key stored, as on a replica
    run('SET', 'w', '1', 'PX', '100');
    now += 200;
    run('WATCH', 'w');
    shard.expireEnabled = true;
    expect(run('EXISTS', 'w')).toBe(0); // lazily deleted: logically no change
    run('MULTI');
    run('PING');
    expect(run('EXEC')).toEqual([{ text: 'PONG' }]);
  });

  it('FLUSHALL and SWAPDB touch watched keys', () => {
    const { run, engine } = testEngine();
    const other = engine.createSession();
    run('SET', 'w', '1');
    run('WATCH', 'w');
    engine.execute(other, ['FLUSHALL']);
    run('MULTI');
    run('PING');
    expect(run('EXEC')).toBe(NULL_ARRAY);

    engine.execute(other, ['SELECT', '1']);
    engine.execute(other, ['SET', 'w', 'in-db1']);
    run('WATCH', 'w');
    engine.execute(other, ['SWAPDB', '0', '1']);
    run('MULTI');
    run('PING');
    expect(run('EXEC')).toBe(NULL_ARRAY);
  });

  it('a transaction is one atomic group of effects', () => {
    const { run, engine } = testEngine();
    const groups: string[][][] = [];
    engine.onEffects((g) => groups.push(g.map((e) => e.argv)));
    run('MULTI');
    run('SET', 'a', '1');
    run('GET', 'a');
    run('INCR', 'a');
    run('EXEC');
    run('SET', 'b', '2');
    expect(groups).toEqual([[['SET', 'a', '1'], ['INCR', 'a']], [['SET', 'b', '2']]]);
  });
});
