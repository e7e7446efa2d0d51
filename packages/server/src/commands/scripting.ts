/**
 * The server's side of scripting (script.c scriptInterrupt, server.c processCommand): scripts
 * that run past busy-reply-threshold (alias lua-time-limit).
 *
 * Node runs one thing at a time, so a long script cannot keep running while other clients are
 * served as in Redis. Instead the Lua runtime's count hook yields the script's coroutine once it
 * passed the threshold; the caller is parked (client.blocked, like a blocking command) and the
 * script is resumed in slices on setImmediate, so sockets are served in between. Meanwhile
 * other clients' commands get -BUSY unless flagged allow_busy (SCRIPT KILL, FUNCTION KILL,
 * FUNCTION STATS, SHUTDOWN NOSAVE, MULTI ...); inside MULTI the rejection dooms the
 * transaction, and a rejected EXEC discards it (EXECABORT ... BUSY ...). When the script ends
 * its reply goes to its caller, whose pipeline then continues.
 */
import '../../../core/src/node/scripting/lua.ts';
import { type Reply } from '@memorykv/core';
import { scriptingState, type ScriptRun } from '../../../core/src/scripting/state.ts';
import { Client, type BlockState } from '../client.ts';
import type { Guard, MemorykvServer } from '../server.ts';
import { blockingState, handleClientsBlockedOnKeys } from './blocking.ts';
import { scriptAclCheck } from './acl.ts';

const LOG_LEVELS = ['debug', 'verbose', 'notice', 'warning'] as const;

export function install(server: MemorykvServer): void {
  const st = scriptingState(server.engine.shard);
  let scheduled = false;

  const slice = () => {
    scheduled = false;
    const run = st.running;
    if (run === null || !run.suspended) return;
    if (server.clients.size === 0) {
      // Nobody is left to await or kill it: drop it rather than spin forever.
      st.abandon(run);
      release(run);
      return;
    }
    if (!st.resumeBusy()) schedule();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(slice);
  };

  const parked = new WeakMap<ScriptRun, BlockState>();

  /** Ends the busy state: blocked clients whose keys the script fed are served now. */
  const release = (run: ScriptRun) => {
    const client = run.caller;
    if (client instanceof Client && client.blocked === parked.get(run)) client.blocked = null;
    const bs = blockingState(server);
    bs.handling = false;
    handleClientsBlockedOnKeys(server);
  };

  st.host = {
    busyThreshold() {
      const t = Number(server.settings.extra['busy-reply-threshold'] ?? '5000');
      return Number.isFinite(t) && t > 0 ? t : 0;
    },
    onBusy(run) {
      const client = run.caller;
      if (client instanceof Client) {
        const b: BlockState = { argv: run.argv, keys: [], db: client.db, deadline: 0, timeoutReply: null, timer: null };
        parked.set(run, b);
        client.blocked = b;
      }
      // Keys the script pushed to are served to blocked clients only once it ends.
      blockingState(server).handling = true;
      server.guards.switch(busyGuard, true);
      server.log('warning', `Slow script detected: still in execution after ${Date.now() - run.start} milliseconds. You can try killing the script using the ${run.evalMode ? 'SCRIPT KILL' : 'FUNCTION KILL'} command. Script name is: ${run.funcname}.`);
      schedule();
    },
    onDone(run, reply: Reply) {
      release(run);
      const client = run.caller;
      if (!(client instanceof Client) || client.closed) return;
      client.reply(reply);
      client.flush();
      queueMicrotask(() => {
        if (!client.closed && client.blocked === null) client.processInput();
      });
    },
    log(level, message) {
      server.log(LOG_LEVELS[level] ?? 'notice', message);
    },
    aclCheck(run, cmd, argv, log) {
      return run.caller instanceof Client ? scriptAclCheck(run.caller, cmd, argv, log) : null;
    },
  };

  // On while a script is busy (from onBusy until the guard finds none).
  const busyGuard: Guard = (client, argv) => {
    if (st.running === null || !st.running.suspended) {
      server.guards.switch(busyGuard, false);
      return null;
    }
    return st.refuseWhileBusy(client, argv);
  };
  server.guards.push(busyGuard, false);
}
