// Runs in a worker thread (never on the server's event loop): opens its own read-only connection to the
// database and runs `PRAGMA quick_check`, which reads every page — seconds on a large store.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { runInBackground } from '../../store/threadPriority';

runInBackground();
const { file, nativeBinding } = workerData as { file: string; nativeBinding?: string };
const started = performance.now();
try {
  const db = new Database(file, { readonly: true, fileMustExist: true, ...(nativeBinding ? { nativeBinding } : {}) });
  try {
    db.pragma('busy_timeout = 5000');
    const rows = (db.pragma('quick_check') as { quick_check: string }[]).map((r) => r.quick_check);
    parentPort!.postMessage({ ok: true, rows: rows.slice(0, 10), ms: performance.now() - started });
  } finally {
    db.close();
  }
} catch (err) {
  parentPort!.postMessage({ ok: false, rows: [], error: (err as Error).message, ms: performance.now() - started });
}
