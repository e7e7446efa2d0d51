/**
 * Commands whose reply comes later, from work that runs off the event loop's turn (SAVE waits for
 * a snapshot built in a worker, SNAPSHOT EXPORT for a file): the handler returns `later(ctx,
 * work)`; once the command is done (counted and traced as it ran) the client waits like a blocked
 * client, so its pipelined commands keep their order, and gets the reply when `work` settles (a
 * rejection becomes `-ERR <message>`).
 */
import { ErrorReply, NO_REPLY, type Reply } from '@memorykv/core';
import type { Ctx } from '../../../core/src/commands/context.ts';
import type { BlockState, Client } from '../client.ts';
import type { AfterCommand, MemorykvServer } from '../server.ts';

const STATE = 'later';

interface Later {
  /** Clients whose command answered NO_REPLY through later(), to park once the command is done. */
  parking: Map<Client, BlockState>;
  /** The after-command hook that parks them: on while one waits (see Hooks). */
  park: AfterCommand;
}

function laterOf(server: MemorykvServer): Later {
  return server.state.get(STATE) as Later;
}

export function later(ctx: Ctx, work: Promise<Reply>): typeof NO_REPLY {
  const client = ctx.session as Client;
  const server = client.server;
  const block: BlockState = { argv: ctx.argv, keys: [], db: client.db, deadline: 0, timeoutReply: null, timer: null };
  const st = laterOf(server);
  st.parking.set(client, block);
  server.afterCommand.switch(st.park, true);
  work.then(
    (reply) => answer(server, client, block, reply),
    (e: unknown) => answer(server, client, block, e instanceof ErrorReply ? e : new ErrorReply(`ERR ${(e as Error)?.message ?? e}`)),
  );
  return NO_REPLY;
}

function answer(server: MemorykvServer, client: Client, block: BlockState, reply: Reply): void {
  const parking = laterOf(server).parking;
  if (parking.get(client) === block) parking.delete(client);
  if (client.blocked === block) client.blocked = null;
  if (client.closed) return;
  client.reply(reply);
  client.flush();
  // The commands that arrived meanwhile run after this event's work, as for a blocked client.
  queueMicrotask(() => {
    if (!client.closed && client.blocked === null) client.processInput();
  });
}

export function install(server: MemorykvServer): void {
  const parking = new Map<Client, BlockState>();
  const park: AfterCommand = (client) => {
    if (parking.size === 0) {
      server.afterCommand.switch(park, false);
      return;
    }
    const block = parking.get(client);
    if (block === undefined) return;
    parking.delete(client);
    client.blocked = block;
  };
  server.state.set(STATE, { parking, park } satisfies Later);
  server.afterCommand.push(park, false);
  server.onDetach.push((client) => {
    parking.delete(client);
  });
}
