// A writing connection for a worker thread (compaction, import): the server connection's settings (store/db.ts),
// every transaction IMMEDIATE (store/immediate.ts), and never a checkpoint of its own (the checkpoint thread copies
// the WAL: store/checkpointer.ts).
import Database from 'better-sqlite3';
import type { Db } from './db';
import { immediateByDefault } from './immediate';

export interface WorkerConnectionOptions {
  /** better-sqlite3's native binding, as the server found it (bundled builds). */
  nativeBinding?: string;
  /** How long a statement waits for another connection's write lock. */
  busyMs: number;
  /** Page cache in kB (SQLite's default, 2 MB, when absent). */
  cacheKb?: number;
}

export function openWorkerConnection(file: string, opts: WorkerConnectionOptions): Db {
  const db = immediateByDefault(new Database(file, { fileMustExist: true, ...(opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {}) }));
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${opts.busyMs}`);
  db.pragma('synchronous = NORMAL');
  db.pragma('temp_store = MEMORY'); // statement journals in memory (see store/db.ts)
  if (opts.cacheKb) db.pragma(`cache_size = -${opts.cacheKb}`);
  // If this connection is ever the last one open it must not checkpoint on close either.
  db.pragma('wal_autocheckpoint = 0');
  return db;
}
