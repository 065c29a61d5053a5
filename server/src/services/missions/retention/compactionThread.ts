// A real compaction runs in a worker thread (compactionWorker.ts) with a connection of its own. On the event loop
// its ~2,000 short transactions were fine on average, but a commit slowed by the disk (its writes) stalled every
// request for 40–110 ms (bench/missions-analytics.ts, BENCH_ONLY=compact). In the thread only a server write waits,
// for at most the transaction in progress (store/immediate.ts, write gate). Dry runs stay on the event loop (they
// only count), and so does an in-memory database (a thread cannot open it).
import path from 'node:path';
import type { ServerContext } from '../../../context';
import type { CompactionReport } from '../../../protocol/missionsObservability';
import { nativeBindingPath } from '../../../store/db';
import { walSettler } from '../../../store/checkpointer';
import { writeGate } from '../../../store/immediate';
import { spawnThread } from '../../../store/threads';
import { compactMissionEvents, type CompactionPolicy } from './compaction';

type FromThread =
  | { type: 'progress'; report: CompactionReport }
  | { type: 'settle'; id: number }
  | { type: 'done'; report: CompactionReport }
  | { type: 'failed'; message: string };

export function compactOffLoop(
  ctx: ServerContext,
  policy: CompactionPolicy,
  opts: { now: Date; onProgress: (r: CompactionReport) => void },
): Promise<CompactionReport> {
  const db = ctx.db;
  if (db.memory || db.name === ':memory:') return compactMissionEvents(db, policy, { dryRun: false, ...opts });
  const binding = nativeBindingPath();
  const worker = spawnThread('compaction-worker', path.join(__dirname, 'compactionWorker.ts'), {
    file: db.name,
    ...(binding ? { nativeBinding: binding } : {}),
    policy,
    now: opts.now.toISOString(),
    gate: writeGate(db),
  });
  // The WAL pauses go through the server's checkpoint thread, as they would for a compaction on the event loop.
  const settle = walSettler(db);
  return new Promise<CompactionReport>((resolve, reject) => {
    let ended = false;
    const end = (fn: () => void) => {
      if (ended) return;
      ended = true;
      fn();
    };
    worker.on('message', (m: FromThread) => {
      if (m.type === 'progress') opts.onProgress(m.report);
      else if (m.type === 'settle')
        void settle().then(
          (restarted) => worker.postMessage({ type: 'settled', id: m.id, restarted }),
          () => worker.postMessage({ type: 'settled', id: m.id, restarted: false }),
        );
      else if (m.type === 'done') end(() => resolve(m.report));
      else end(() => reject(new Error(m.message)));
    });
    worker.on('error', (err) => end(() => reject(err)));
    worker.on('exit', (code) => end(() => reject(new Error(`the compaction thread stopped (exit code ${code})`))));
  });
}
