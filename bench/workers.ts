// Workers figures (design/performance.md: dispatch → claim p99 < 50 ms with a waiting worker; fallback within
// lease + one heartbeat). Scripted workers speak the real HTTP routes with a real worker token. Run after
// `npm run build`:  node --import tsx bench/workers.ts
import { FAST, freePort, removeDir, serve, tempDir } from '../test/server/workers-helpers';

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const fmt = (xs: number[]) => ({ n: xs.length, p50_ms: +pct(xs, 50).toFixed(2), p99_ms: +pct(xs, 99).toFixed(2) });

async function main() {
  const dir = tempDir();
  const s = await serve(dir, await freePort(), { ...FAST, AGENTORA_WORKER_CLAIM_WAIT_SECONDS: '5' });
  try {
    const token = (await s.api('POST', '/api/workers/tokens', { name: 'bench' })).body.token as string;
    const reg = async (name: string) =>
      (await s.api('POST', '/api/workers/register', { name, capabilities: ['memory_maintenance'], concurrency: 16 }, token)).body.worker.id as number;
    const job = { job_type: 'memory_maintenance', payload: { items: [] } };

    // 1. dispatch → claim with one worker already waiting in its long-poll
    const w1 = await reg('latency');
    const latency: number[] = [];
    for (let i = 0; i < 300; i++) {
      const claim = s.api('POST', '/api/workers/claim', { worker_id: w1, max: 1, wait_seconds: 5 }, token);
      await new Promise((r) => setTimeout(r, 2)); // let the poll arrive and wait
      const t = performance.now();
      await s.api('POST', '/api/workers/dispatch', job);
      const c = (await claim).body.jobs[0];
      latency.push(performance.now() - t);
      await s.api('POST', `/api/workers/jobs/${c.id}/result`, { lease_id: c.lease_id, result: { pairs: [], scanned: 0 } }, token);
    }

    // 2. throughput: N trivial jobs through 4 workers claiming 8 at a time
    const N = 4000;
    const ids = await Promise.all(Array.from({ length: 4 }, (_, i) => reg(`tp${i}`)));
    const t0 = performance.now();
    let dispatching = true;
    let done = 0;
    // the workers poll while jobs arrive (a worker that stops polling stops being live: its jobs would run here)
    const loops = Promise.all(
      ids.map(async (wid) => {
        for (;;) {
          const jobs = (await s.api('POST', '/api/workers/claim', { worker_id: wid, max: 8, wait_seconds: 0.2 }, token)).body.jobs as {
            id: number;
            lease_id: string;
          }[];
          if (!jobs.length && !dispatching) return;
          await Promise.all(
            jobs.map((c) => s.api('POST', `/api/workers/jobs/${c.id}/result`, { lease_id: c.lease_id, result: { pairs: [], scanned: 0 } }, token)),
          );
          done += jobs.length;
        }
      }),
    );
    for (let i = 0; i < N; i += 50) await Promise.all(Array.from({ length: Math.min(50, N - i) }, () => s.api('POST', '/api/workers/dispatch', job)));
    const dispatchedMs = performance.now() - t0;
    dispatching = false;
    await loops;
    const totalMs = performance.now() - t0;

    // 3. fallback: a worker claims and dies (goes silent); how long until the job runs here (no other worker)
    for (const wid of [w1, ...ids]) await s.api('POST', '/api/workers/goodbye', { worker_id: wid }, token);
    const w2 = await reg('dies');
    const fallback: number[] = [];
    for (let i = 0; i < 5; i++) {
      const d = (await s.api('POST', '/api/workers/dispatch', job)).body.job.id as number;
      await s.api('POST', '/api/workers/claim', { worker_id: w2, max: 1, wait_seconds: 1 }, token);
      const t = performance.now();
      for (;;) {
        const st = (await s.api('GET', `/api/workers/jobs/${d}`)).body.job.status;
        if (st === 'running_local' || st === 'succeeded') break;
        await new Promise((r) => setTimeout(r, 10));
      }
      fallback.push(performance.now() - t);
      await s.api('POST', '/api/workers/heartbeat', { worker_id: w2 }, token); // alive again for the next round
    }
    console.log(
      JSON.stringify(
        {
          dispatch_to_claim_waiting_worker: fmt(latency),
          throughput: {
            jobs: N,
            workers: 4,
            completed: done,
            dispatch_ms: Math.round(dispatchedMs),
            total_ms: Math.round(totalMs),
            jobs_per_s: Math.round((N / totalMs) * 1000),
          },
          fallback_after_death_ms: {
            ...fmt(fallback),
            budget_ms: Number(FAST.AGENTORA_WORKER_LEASE_SECONDS) * 1000 + Number(FAST.AGENTORA_WORKER_HEARTBEAT_SECONDS) * 1000,
          },
        },
        null,
        2,
      ),
    );
  } finally {
    await s.stop();
    removeDir(dir);
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
