// The journal's commit thread (journal-lmdb.ts, policy 'always'): it alone writes the LMDB
// environment, so the serving thread goes on running commands while a commit syncs. Plain JS
// that imports only lmdb: it needs no tsx, and it starts in a few milliseconds.
//
// Messages in, in order:
//   { t: 'append', seq, value, head }      an entry and the chain head after it
//   { t: 'truncate', id, from, to, base }  remove entries from..to, record base
//   { t: 'close' }
// Messages out:
//   { t: 'durable', seq }       every entry up to seq is committed and synced
//   { t: 'truncated', id }
//   { t: 'failed', message }    a commit failed: nothing after the last 'durable' ever commits
//   { t: 'closed' }
import { parentPort as port, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { open } from 'lmdb';

const { path } = workerData;
const root = open({ path, noSync: false, overlappingSync: false, eventTurnBatching: false, maxDbs: 4 });
const db = root.openDB({ name: 'entries', encoding: 'binary' });
const meta = root.openDB({ name: 'meta' });
let failed = false;

function fail(e) {
  failed = true;
  port.postMessage({ t: 'failed', message: e instanceof Error ? e.message : String(e) });
}

/**
 * Commits a run of messages. Appends that queued while the last commit synced go into one
 * transaction and one sync: group commit across the serving thread's ticks.
 */
function commit(batch) {
  let i = 0;
  while (i < batch.length) {
    const m = batch[i];
    if (m.t === 'close') {
      // After the close the port closes too, and the thread ends.
      void root.close().then(() => {
        port.postMessage({ t: 'closed' });
        port.close();
      });
      return;
    }
    if (failed) {
      i++;
      continue;
    }
    if (m.t === 'truncate') {
      try {
        root.transactionSync(() => {
          for (let s = m.from; s <= m.to; s++) db.removeSync(s);
          meta.putSync('base', m.base);
        });
        port.postMessage({ t: 'truncated', id: m.id });
      } catch (e) {
        port.postMessage({ t: 'truncated', id: m.id, message: e instanceof Error ? e.message : String(e) });
      }
      i++;
      continue;
    }
    let j = i;
    while (j < batch.length && batch[j].t === 'append') j++;
    const last = batch[j - 1];
    try {
      root.transactionSync(() => {
        for (let k = i; k < j; k++) db.putSync(batch[k].seq, batch[k].value);
        meta.putSync('head', last.head);
      });
      port.postMessage({ t: 'durable', seq: last.seq });
    } catch (e) {
      fail(e);
    }
    i = j;
  }
}

port.on('message', (first) => {
  const batch = [first];
  for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) batch.push(m.message);
  commit(batch);
});
