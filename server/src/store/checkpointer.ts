// WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside whichever commit pushes the WAL past
// 1000 pages: that commit also copies the WAL into the database file and fsyncs it, tens to hundreds of ms on the
// event loop, so one unlucky request (or a compaction slice, a worker's result, a run step) stalls everyone.
// The server turns the automatic checkpoint off and a worker thread with its own connection runs a PASSIVE
// checkpoint every CHECKPOINT_INTERVAL_MS. If the worker cannot start or dies, the automatic checkpoint comes back,
// so the WAL can never grow without bound.
import type { Worker } from 'node:worker_threads';
import path from 'node:path';
import { nativeBindingPath, type Db } from './db';
import { spawnThread } from './threads';

export const CHECKPOINT_INTERVAL_MS = 250;
const AUTO_CHECKPOINT_PAGES = 1000; // SQLite's default

export interface CheckpointStats {
  running: boolean;
  passes: number;
  /** Frames in the WAL and how many of them are in the database file, at the last pass. */
  wal_frames: number;
  checkpointed_frames: number;
  last_error: string | null;
}

export interface Checkpointer {
  stats(): CheckpointStats;
  /** Resolves after the next pass has run (tests; a caller that wants the WAL copied now). */
  passNow(): Promise<CheckpointStats>;
  stop(): Promise<void>;
}

export function startCheckpointer(db: Db, onError: (message: string) => void, intervalMs = CHECKPOINT_INTERVAL_MS): Checkpointer | null {
  if (db.name === ':memory:' || db.memory) return null;
  const stats: CheckpointStats = { running: false, passes: 0, wal_frames: 0, checkpointed_frames: 0, last_error: null };
  const waiting: ((s: CheckpointStats) => void)[] = [];
  const binding = nativeBindingPath();
  let worker: Worker;
  try {
    worker = spawnThread('checkpoint-worker', path.join(__dirname, 'checkpointWorker.ts'), {
      file: db.name,
      intervalMs,
      ...(binding ? { nativeBinding: binding } : {}),
    });
  } catch (err) {
    onError(`WAL checkpoint worker did not start (${(err as Error).message}): checkpoints stay automatic`);
    return null;
  }
  // The worker must not keep the process alive on its own.
  worker.unref();
  db.pragma('wal_autocheckpoint = 0');
  stats.running = true;
  let stopping = false;
  const fallBack = (why: string) => {
    if (!stats.running) return;
    stats.running = false;
    stats.last_error = why;
    if (db.open) db.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
    if (!stopping) onError(`WAL checkpoint worker stopped (${why}): checkpoints are automatic again`);
    for (const w of waiting.splice(0)) w({ ...stats });
  };
  worker.on('message', (m: { type: string; passes?: number; log?: number; checkpointed?: number; message?: string }) => {
    if (m.type === 'pass') {
      stats.passes = m.passes!;
      stats.wal_frames = m.log!;
      stats.checkpointed_frames = m.checkpointed!;
      stats.last_error = null;
      for (const w of waiting.splice(0)) w({ ...stats });
    } else if (m.type === 'error') stats.last_error = m.message ?? 'unknown error';
  });
  worker.on('error', (err) => fallBack(err.message));
  worker.on('exit', (code) => fallBack(`exit code ${code}`));
  return {
    stats: () => ({ ...stats }),
    passNow() {
      if (!stats.running) return Promise.resolve({ ...stats });
      return new Promise((resolve) => {
        waiting.push(resolve);
        worker.postMessage({ type: 'now' });
      });
    },
    async stop() {
      if (!stats.running) return;
      stopping = true;
      const exited = new Promise<void>((r) => worker.once('exit', () => r()));
      worker.postMessage({ type: 'stop' });
      // A worker stuck in a long checkpoint is terminated after a short grace.
      const timer = setTimeout(() => void worker.terminate(), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}
