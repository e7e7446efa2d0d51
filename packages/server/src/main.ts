/**
 * memorykv-server: starts the RESP server with redis-server's flags and config file syntax
 * (`memorykv-server [./memorykv.conf] [--port 7000] [--bind 127.0.0.1] ...`).
 */
import { MemorykvServer } from './server.ts';
import { parseServerArgs } from './config-file.ts';

const settings = parseServerArgs(process.argv.slice(2));
const server = new MemorykvServer(settings);
let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  server.log('warning', `Received ${signal} scheduling shutdown...`);
  await server.close();
  server.log('warning', 'memorykv is now ready to exit, bye bye...');
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
server.log('notice', `memorykv-server starting, pid=${process.pid}`);
server.listen().catch((e: Error) => {
  server.log('warning', `Could not listen: ${e.message}`);
  process.exit(1);
});
