// Runs one real compaction in a worker thread, on a connection of its own (compactionThread.ts starts it). Its
// transactions commit here, so a slow commit (its writes: compactionThread.ts) never blocks the server's event loop:
// readers are never blocked (WAL), and a writer on the server waits for at most one of the compactor's short
// transactions (it takes the write lock only when it is free, and not while the server announces a write).
import { parentPort, workerData } from 'node:worker_threads';
import { openWorkerConnection } from '../../../store/workerConnection';
import { runInBackground } from '../../../store/threadPriority';
import { compactMissionEvents, type CompactionPolicy } from './compaction';

interface Input {
  file: string;
  nativeBinding?: string;
  policy: CompactionPolicy;
  /** ISO time the compaction was started at (its TTL cutoff is computed from it). */
  now: string;
  /** The server connection's write announcements (store/immediate.ts). */
  gate?: SharedArrayBuffer;
}
type FromServer = { type: 'settled'; id: number; restarted: boolean };

runInBackground();
const input = workerData as Input;
const port = parentPort!;
const waiting = new Map<number, (restarted: boolean) => void>();
let nextId = 0;
port.on('message', (m: FromServer) => {
  waiting.get(m.id)?.(m.restarted);
  waiting.delete(m.id);
});
/** The WAL pause: the checkpoint thread belongs to the server, so the server runs it and answers. */
const settle = () =>
  new Promise<boolean>((resolve) => {
    const id = ++nextId;
    waiting.set(id, resolve);
    port.postMessage({ type: 'settle', id });
  });

async function run(): Promise<void> {
  // As the server's own connection (store/db.ts), without ever checkpointing (the checkpoint thread does).
  const db = openWorkerConnection(input.file, { nativeBinding: input.nativeBinding, busyMs: 5000 });
  try {
    const report = await compactMissionEvents(db, input.policy, {
      dryRun: false,
      now: new Date(input.now),
      onProgress: (r) => port.postMessage({ type: 'progress', report: r }),
      settle,
      gate: input.gate,
    });
    port.postMessage({ type: 'done', report });
  } catch (err) {
    port.postMessage({ type: 'failed', message: (err as Error)?.message ?? String(err) });
  } finally {
    db.close();
    port.close();
  }
}
void run();
