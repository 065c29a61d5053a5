// The duplicate scan's last step, verifying its candidate pairs (found by LSH over the stored sketches) on their
// word shingles, in batches of VERIFY_BATCH pairs: on a worker, as `memory_maintenance` jobs {items, pairs,
// threshold}, when `workers.maintenanceMode` allows it and a worker with the capability is live; here otherwise.
// Either way the same function (minhash.verifyPairs) decides, so the proposals are the same wherever it ran; a job
// no worker takes runs that function here too (the scheduler's local fallback), and a failed job is verified here.
import type { ServerContext } from '../../context';
import { MaintenanceResult } from '../workers/execute';
import { cancel, dispatch, waitForJob, workerAvailable } from '../workers/scheduler';
import { verifyPairs } from './minhash';

/** Pairs per batch: a bounded payload (at most 2× as many texts) that a worker answers in well under a lease. */
export const VERIFY_BATCH = 2000;

export interface Verified {
  pairs: { a: number; b: number; similarity: number }[];
  /** Where the batches ran: on a worker, here through a job's local fallback, or here directly. */
  worker_batches: number;
  fallback_batches: number;
  local_batches: number;
}

function useWorker(ctx: ServerContext): boolean {
  const mode = ctx.config['workers.maintenanceMode'];
  if (mode === 'local') return false;
  try {
    return workerAvailable(ctx, 'memory_maintenance', mode === 'auto');
  } catch {
    return false; // e.g. the database is closing
  }
}

/** Wait for the job, or cancel it and throw when the scan is stopped (server shutdown). */
async function waitOrStop(ctx: ServerContext, id: number, signal?: AbortSignal) {
  if (!signal) return waitForJob(ctx, id);
  signal.throwIfAborted();
  let onAbort = () => {};
  const stopped = new Promise<never>((_, reject) => {
    onAbort = () => {
      try {
        cancel(ctx, id);
      } catch {
        /* already finished */
      }
      reject(new Error('cancelled: the server is stopping'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([waitForJob(ctx, id), stopped]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

export async function verifyCandidates(
  ctx: ServerContext,
  candidates: readonly (readonly [number, number])[],
  threshold: number,
  ref: string,
  progress: (fraction: number, message: string) => void,
  signal?: AbortSignal,
): Promise<Verified> {
  const out: Verified = { pairs: [], worker_batches: 0, fallback_batches: 0, local_batches: 0 };
  const textsOf = ctx.db.prepare('SELECT id, text FROM memories WHERE id IN (SELECT value FROM json_each(?))');
  for (let i = 0; i < candidates.length; i += VERIFY_BATCH) {
    const batch = candidates.slice(i, i + VERIFY_BATCH);
    const items = textsOf.all(JSON.stringify([...new Set(batch.flat())])) as { id: number; text: string }[];
    let done = false;
    if (useWorker(ctx)) {
      const job = dispatch(ctx, {
        job_type: 'memory_maintenance',
        payload: { items, pairs: batch, threshold },
        priority: 3,
        worker_only: false,
        ref,
      });
      const end = await waitOrStop(ctx, job.id, signal);
      const r = end.state === 'succeeded' ? MaintenanceResult.safeParse(end.result) : undefined;
      if (r?.success) {
        for (const p of r.data.pairs) out.pairs.push({ a: Number(p.a), b: Number(p.b), similarity: p.similarity });
        if (end.ran_on === 'local') out.fallback_batches++;
        else out.worker_batches++;
        done = true;
      } else ctx.log.warn(`memory scan: job ${job.id} ended ${end.state} (${end.error ?? 'bad result'}); its pairs are verified here`);
    }
    if (!done) {
      out.pairs.push(...verifyPairs(items, batch, threshold));
      out.local_batches++;
      await new Promise<void>((r) => setImmediate(r));
    }
    signal?.throwIfAborted();
    const n = Math.min(candidates.length, i + VERIFY_BATCH);
    progress(n / Math.max(1, candidates.length), `verified ${n} of ${candidates.length} candidate pair(s)`);
  }
  return out;
}
