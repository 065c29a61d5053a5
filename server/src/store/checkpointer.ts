// WAL checkpoints off the event loop (performance.md: no request stalls > 50 ms under background load). With
// SQLite's default, the commit that pushes the WAL past 1000 pages runs the checkpoint itself — copying the WAL
// into the database file and fsyncing it — inside that request; on a busy disk that is hundreds of ms in which
// the server answers nothing (measured with bench/workers.ts: the longest stalls were single INSERT/UPDATE
// statements). The serving process turns the automatic checkpoint off and a worker thread with its own
// connection checkpoints every CHECKPOINT_EVERY_MS instead. If the thread cannot start, the automatic checkpoint
// is turned back on.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ServerContext } from '../context';
import type { AreaRuntime } from '../runtime';
import { nativeBindingPath } from './db';

export const CHECKPOINT_EVERY_MS = 500;
const workers = new WeakMap<ServerContext, Worker>();

function workerFile(): string {
  // Bundled: dist/server/checkpoint-worker.js beside the server bundle; from sources (tsx): the .ts file.
  const bundled = path.join(__dirname, 'checkpoint-worker.js');
  if (process.env.AGENTORA_BUNDLED === '1' && existsSync(bundled)) return bundled;
  return path.join(__dirname, 'checkpointWorker.ts');
}

export const checkpointRuntime: AreaRuntime = {
  name: 'store-checkpoints',
  start(ctx) {
    const file = ctx.db.name;
    if (file === ':memory:' || !existsSync(file) || !ctx.config['server.httpEnabled']) return; // only the serving process
    const binding = nativeBindingPath();
    const w = new Worker(workerFile(), { workerData: { file, everyMs: CHECKPOINT_EVERY_MS, ...(binding ? { nativeBinding: binding } : {}) } });
    w.unref();
    workers.set(ctx, w);
    ctx.db.pragma('wal_autocheckpoint = 0');
    const fallBack = (why: string) => {
      if (workers.get(ctx) !== w) return;
      workers.delete(ctx);
      try {
        ctx.db.pragma('wal_autocheckpoint = 1000');
      } catch {
        /* closing */
      }
      ctx.log.warn(`store: the checkpoint thread stopped (${why}); SQLite checkpoints automatically again`);
    };
    w.on('message', (m: { error?: string }) => m.error && ctx.log.warn(`store: WAL checkpoint failed: ${m.error}`));
    w.once('error', (err) => fallBack(err.message));
    w.once('exit', (code) => fallBack(`exit code ${code}`));
  },
  async stop(ctx) {
    const w = workers.get(ctx);
    if (!w) return;
    workers.delete(ctx);
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2000);
      w.once('exit', () => (clearTimeout(t), resolve()));
      w.on('message', (m: { stopped?: boolean }) => m.stopped && void w.terminate());
      w.postMessage('stop');
    });
    try {
      ctx.db.pragma('wal_autocheckpoint = 1000');
    } catch {
      /* closing */
    }
  },
};
