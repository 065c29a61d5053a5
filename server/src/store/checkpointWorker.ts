// Runs in a worker thread: WAL checkpoints for the server's database, on a connection of its own, so the copy
// of WAL frames into the database file and its fsync never run on the server's event loop.
// PASSIVE never waits for (or blocks) the writer or readers: what a busy moment cannot copy, the next pass does.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { file, nativeBinding, intervalMs } = workerData as { file: string; nativeBinding?: string; intervalMs: number };
const db = new Database(file, { fileMustExist: true, ...(nativeBinding ? { nativeBinding } : {}) });
db.pragma('busy_timeout = 1000');
// This connection never writes rows; if it is ever the last one open it must not checkpoint on close either.
db.pragma('wal_autocheckpoint = 0');

let passes = 0;
const pass = () => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    passes++;
    // log: frames in the WAL; checkpointed: how many of them are now in the database file.
    parentPort!.postMessage({ type: 'pass', passes, log: r?.log ?? 0, checkpointed: r?.checkpointed ?? 0 });
  } catch (err) {
    parentPort!.postMessage({ type: 'error', message: (err as Error).message });
  }
};
const timer = setInterval(pass, intervalMs);
parentPort!.on('message', (m: { type: string }) => {
  if (m.type === 'now') pass();
  if (m.type === 'stop') {
    clearInterval(timer);
    db.close();
    parentPort!.close(); // lets the thread end
  }
});
