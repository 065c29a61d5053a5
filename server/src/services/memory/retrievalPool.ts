// Retrieval threads. A search costs a few milliseconds of CPU (FTS5, candidate reads, scoring); on the event loop
// ten concurrent searches queue behind each other and behind every other request. The ranking half (rank.ts)
// needs only a database connection, so it runs in `memory.searchThreads` worker threads, each with a read
// connection of its own (WAL lets them read while the server writes); the event loop keeps HTTP, validation,
// the query embedding and the recording of contexts.
// Threads start on the first search, not with the server (most servers never search). If a thread fails, its
// jobs and all later ones rank on the event loop: slower, never wrong, and the log says why.
import type { Worker } from 'node:worker_threads';
import path from 'node:path';
import type { ServerContext } from '../../context';
import { nativeBindingPath } from '../../store/db';
import { spawnThread } from '../../store/threads';
import { rankMemories, type RankJob, type Ranked } from './rank';

interface Job {
  job: RankJob;
  resolve: (r: Ranked) => void;
  reject: (e: Error) => void;
}
interface Thread {
  worker: Worker;
  jobs: Map<number, Job>;
}
interface Pool {
  size: number;
  threads: Thread[];
  nextId: number;
  /** Set when a thread failed: ranking stays on the event loop from then on. */
  failed: string | null;
}

const pools = new WeakMap<ServerContext, Pool>();

function threadCount(ctx: ServerContext): number {
  const db = ctx.db;
  if (db.memory || db.name === ':memory:') return 0;
  return ctx.config['memory.searchThreads'];
}

function start(ctx: ServerContext, size: number): Pool {
  const pool: Pool = { size, threads: [], nextId: 1, failed: null };
  const binding = nativeBindingPath();
  const fail = (t: Thread, why: string) => {
    if (!pool.threads.includes(t)) return;
    // The other threads finish what they hold (messages are handled in order) and close.
    for (const o of pool.threads) if (o !== t) o.worker.postMessage({ type: 'stop' });
    pool.threads = [];
    if (!pool.failed) ctx.log.warn(`memory retrieval thread stopped (${why}): searches rank on the event loop`);
    pool.failed = why;
    // Nothing is lost: what the thread held ranks here.
    for (const j of t.jobs.values()) settle(j, () => rankMemories(ctx, j.job));
    t.jobs.clear();
  };
  for (let i = 0; i < size; i++) {
    const worker = spawnThread('retrieval-worker', path.join(__dirname, 'retrievalWorker.ts'), {
      file: ctx.db.name,
      ...(binding ? { nativeBinding: binding } : {}),
    });
    const t: Thread = { worker, jobs: new Map() };
    worker.on('message', (m: { id: number; ok: boolean; result?: Ranked; message?: string }) => {
      const j = t.jobs.get(m.id);
      if (!j) return;
      t.jobs.delete(m.id);
      if (!t.jobs.size) worker.unref();
      if (m.ok) j.resolve(m.result!);
      else j.reject(new Error(m.message));
    });
    worker.on('error', (err) => fail(t, err.message));
    worker.on('exit', (code) => fail(t, `exit code ${code}`));
    // An idle thread never keeps the process alive (e.g. a test's context that closes its database without
    // stopping the memory runtime); a thread with jobs does, or a caller awaiting its answer would be dropped.
    // After the listeners: adding a 'message' listener refs the thread again.
    worker.unref();
    pool.threads.push(t);
  }
  return pool;
}

function settle(j: Job, run: () => Ranked): void {
  try {
    j.resolve(run());
  } catch (err) {
    j.reject(err as Error);
  }
}

/** Rank on the least busy retrieval thread, or on the event loop when threads are off or failed. */
export function rankOffLoop(ctx: ServerContext, job: RankJob): Promise<Ranked> {
  const size = threadCount(ctx);
  let pool = pools.get(ctx);
  if (pool && pool.size !== size && !pool.failed) {
    stopPool(pool);
    pool = undefined;
  }
  if (!pool && size > 0) pools.set(ctx, (pool = start(ctx, size)));
  if (!pool || pool.failed || !pool.threads.length) return Promise.resolve().then(() => rankMemories(ctx, job));
  // The least busy thread; ties rotate, so every thread's caches stay warm (a cold one pays on the next burst).
  const id = pool.nextId++;
  const n = pool.threads.length;
  let t = pool.threads[id % n]!;
  for (let k = 1; k < n; k++) {
    const o = pool.threads[(id + k) % n]!;
    if (o.jobs.size < t.jobs.size) t = o;
  }
  return new Promise<Ranked>((resolve, reject) => {
    if (!t.jobs.size) t.worker.ref();
    t.jobs.set(id, { job, resolve, reject });
    t.worker.postMessage({ type: 'rank', id, job });
  });
}

function stopPool(pool: Pool): Promise<void> {
  const threads = pool.threads;
  pool.threads = [];
  pool.failed = 'stopped';
  return Promise.all(
    threads.map(
      (t) =>
        new Promise<void>((resolve) => {
          // Jobs still queued in the thread finish first (messages are handled in order), then it closes.
          t.worker.once('exit', () => resolve());
          for (const j of t.jobs.values()) t.worker.once('exit', () => j.reject(new Error('server stopping')));
          t.worker.postMessage({ type: 'stop' });
          setTimeout(() => void t.worker.terminate(), 2000).unref();
        }),
    ),
  ).then(() => undefined);
}

/** Stop this server's retrieval threads (server shutdown). */
export async function stopRetrievalThreads(ctx: ServerContext): Promise<void> {
  const pool = pools.get(ctx);
  pools.delete(ctx);
  if (pool) await stopPool(pool);
}

/** For health and tests: how many threads rank, and why ranking fell back to the event loop if it did. */
export function retrievalThreads(ctx: ServerContext): { threads: number; fallback: string | null } {
  const pool = pools.get(ctx);
  return { threads: pool?.threads.length ?? 0, fallback: pool?.failed && pool.failed !== 'stopped' ? pool.failed : null };
}
