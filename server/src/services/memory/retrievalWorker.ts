// Runs in a retrieval thread (retrievalPool.ts): ranks memories on a read connection of its own, so the text
// pass, candidate reads and scoring of concurrent searches use the second core instead of queueing on the
// server's event loop. It never writes: `query_only` makes SQLite refuse any write on this connection.
// Its caches (vectors, the recent / popular pool, term frequencies) are its own and are invalidated the same way
// as on the event loop: by data_version (other connections' commits), the vector epoch and the newest id.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { rankMemories, type RankJob } from './rank';

const { file, nativeBinding } = workerData as { file: string; nativeBinding?: string };
const db = new Database(file, { fileMustExist: true, ...(nativeBinding ? { nativeBinding } : {}) });
db.pragma('busy_timeout = 5000');
db.pragma('query_only = 1');
db.pragma('temp_store = MEMORY');
// Never the connection that checkpoints (store/checkpointer.ts owns that).
db.pragma('wal_autocheckpoint = 0');
const c = { db };

parentPort!.on('message', (m: { type: 'rank'; id: number; job: RankJob } | { type: 'stop' }) => {
  if (m.type === 'stop') {
    db.close();
    parentPort!.close();
    return;
  }
  try {
    parentPort!.postMessage({ id: m.id, ok: true, result: rankMemories(c, m.job) });
  } catch (err) {
    parentPort!.postMessage({ id: m.id, ok: false, message: (err as Error).message });
  }
});
