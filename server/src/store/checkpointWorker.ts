// Runs in a worker thread: the WAL checkpoints of the server's database, off the event loop. The server's own
// connection has wal_autocheckpoint off (see checkpointer.ts); this one copies committed WAL frames into the
// database file with PASSIVE checkpoints (they never wait for, nor block, the server's readers and writer), and
// pays the fsync that goes with them here instead of inside whichever request's commit crossed the threshold.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { file, nativeBinding, everyMs } = workerData as { file: string; nativeBinding?: string; everyMs: number };
const db = new Database(file, { fileMustExist: true, ...(nativeBinding ? { nativeBinding } : {}) });
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = NORMAL');
let stopped = false;
const tick = () => {
  if (stopped) return;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort!.postMessage({ error: (err as Error).message });
  }
  setTimeout(tick, everyMs);
};
parentPort!.on('message', (m: string) => {
  if (m !== 'stop') return;
  stopped = true;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } finally {
    db.close();
    parentPort!.postMessage({ stopped: true });
  }
});
parentPort!.postMessage({ ready: true });
tick();
