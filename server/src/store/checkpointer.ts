// WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside whichever commit pushes the WAL past
// 1000 pages: that commit also copies the WAL into the database file and fsyncs it, tens to hundreds of ms on the
// event loop, so one unlucky request (or a compaction slice, a worker's result, a run step) stalls everyone.
// The server turns the automatic checkpoint off and a worker thread with its own connection runs a PASSIVE
// checkpoint every CHECKPOINT_INTERVAL_MS while the server writes (CHECKPOINT_IDLE_MS when it does not). If the worker cannot start or dies, the automatic checkpoint comes back,
// so the WAL can never grow without bound.
// The worker also starts the WAL over when a pass copied all of it (checkpointWorker.ts says why), and a long
// writer calls walSettler's settle() between its transactions so that this happens during its work too.
import type { Worker } from 'node:worker_threads';
import path from 'node:path';
import { nativeBindingPath, type Db } from './db';
import { spawnThread } from './threads';

/** Between passes while the server writes (checkpointWorker.ts says why so often). */
export const CHECKPOINT_INTERVAL_MS = 50;
/** Between passes once a pass found nothing written since the one before. */
export const CHECKPOINT_IDLE_MS = 500;
const AUTO_CHECKPOINT_PAGES = 1000; // SQLite's default
/** A long writer pauses for a checkpoint (and WAL restart) once a pass saw this many frames (16 MB of 4 kB pages). */
export const SETTLE_FRAMES = 4096;

export interface CheckpointStats {
  running: boolean;
  passes: number;
  /** Frames in the WAL and how many of them are in the database file, at the last pass. */
  wal_frames: number;
  checkpointed_frames: number;
  /** Times the worker started the WAL over (after a pass that copied all of it). */
  restarts: number;
  last_error: string | null;
}

export interface Checkpointer {
  stats(): CheckpointStats;
  /** Resolves after a pass run for this call (tests; walSettler; a caller that wants the WAL copied now). */
  passNow(): Promise<CheckpointStats>;
  stop(): Promise<void>;
}

export function startCheckpointer(db: Db, onError: (message: string) => void, intervalMs = CHECKPOINT_INTERVAL_MS): Checkpointer | null {
  if (db.name === ':memory:' || db.memory) return null;
  const stats: CheckpointStats = { running: false, passes: 0, wal_frames: 0, checkpointed_frames: 0, restarts: 0, last_error: null };
  // passNow() callers, by the number of their request: each resolves on the pass that answered it.
  const waiting = new Map<number, (s: CheckpointStats) => void>();
  let asked = 0;
  const answer = (upTo: number) => {
    for (const [n, w] of waiting)
      if (n <= upTo) {
        waiting.delete(n);
        w({ ...stats });
      }
  };
  const binding = nativeBindingPath();
  let worker: Worker;
  try {
    worker = spawnThread('checkpoint-worker', path.join(__dirname, 'checkpointWorker.ts'), {
      file: db.name,
      intervalMs,
      idleMs: CHECKPOINT_IDLE_MS,
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
    answer(Infinity);
  };
  type Message = { type: string; id?: number; passes?: number; restarts?: number; log?: number; checkpointed?: number; message?: string };
  worker.on('message', (m: Message) => {
    if (m.type === 'pass') {
      stats.passes = m.passes!;
      stats.restarts = m.restarts!;
      stats.wal_frames = m.log!;
      stats.checkpointed_frames = m.checkpointed!;
      stats.last_error = null;
    } else if (m.type === 'error') stats.last_error = m.message ?? 'unknown error';
    if (m.id !== undefined) answer(m.id);
  });
  worker.on('error', (err) => fallBack(err.message));
  worker.on('exit', (code) => fallBack(`exit code ${code}`));
  const cp: Checkpointer = {
    stats: () => ({ ...stats }),
    passNow() {
      if (!stats.running) return Promise.resolve({ ...stats });
      return new Promise((resolve) => {
        const id = ++asked;
        waiting.set(id, resolve);
        worker.postMessage({ type: 'now', id });
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
      if (running.get(db) === cp) running.delete(db);
    },
  };
  running.set(db, cp);
  return cp;
}

const running = new WeakMap<Db, Checkpointer>();

/**
 * For a long run of write transactions (compaction): call settle() after each one. Once a checkpoint pass saw the
 * WAL at maxFrames or more, it waits (without blocking the event loop) for a pass of its own: with no write in
 * between, that pass copies the whole WAL and the worker starts it over, so the WAL stays small instead of
 * growing by every page the run writes. Resolves true when the WAL was started over. maxFrames 0: a pass after
 * every transaction (tests). Without a checkpoint worker (in-memory database) it does nothing.
 */
export function walSettler(db: Db, maxFrames = SETTLE_FRAMES): () => Promise<boolean> {
  let seen = 0;
  return async () => {
    const cp = running.get(db);
    if (!cp) return false;
    const s = cp.stats();
    if (!s.running || (maxFrames > 0 && (s.passes === seen || s.wal_frames < maxFrames))) return false;
    const after = await cp.passNow();
    seen = after.passes;
    return after.restarts > s.restarts;
  };
}
