// Runs in a worker thread (never on the server's event loop): reads the pattern history (patternHistory.ts) on
// its own read-only connection — hundreds of milliseconds of GROUP BY at 100k missions — and posts it back; the
// server applies the few thousand upserts.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { runInBackground } from '../../../store/threadPriority';
import { readHistory } from './patternHistory';

runInBackground();
const { file, nativeBinding } = workerData as { file: string; nativeBinding?: string };
try {
  const db = new Database(file, { readonly: true, fileMustExist: true, ...(nativeBinding ? { nativeBinding } : {}) });
  try {
    db.pragma('busy_timeout = 5000');
    parentPort!.postMessage({ ok: true, history: readHistory(db) });
  } finally {
    db.close();
  }
} catch (err) {
  parentPort!.postMessage({ ok: false, error: (err as Error).message });
}
