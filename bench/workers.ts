// Workers figures (design/performance.md: dispatch → claim p99 < 50 ms with a waiting worker; fallback within
// lease + one heartbeat; issue 15: throughput of 10k trivial jobs over 4 workers, each finished exactly once; the
// server stays responsive meanwhile — a health GET during the load, judged by the "no request stalls > 50 ms"
// rule the doc sets for background load). Scripted workers speak the real HTTP routes with a real worker token.
// Run after `npm run build`:  node --import tsx bench/workers.ts  (prints ✔/✘ per budget)
import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { freePort, removeDir, serve, tempDir } from '../test/server/workers-helpers';
import { procCpuMs as cpuMs } from './procCpu';

// Short enough to measure the fallback in seconds, long enough that a scripted worker busy completing a batch on a
// loaded machine is not declared dead (live = heard from within two heartbeats).
const TIMING = { AGENTORA_WORKER_LEASE_SECONDS: '3', AGENTORA_WORKER_HEARTBEAT_SECONDS: '1' };

/**
 * Health GETs from another process (so the load generator's own event loop does not count), every 20 ms. The
 * first fetch of a fresh Node process loads its HTTP client and opens the connection (~50–90 ms in the probe
 * itself, nothing to do with the server): it is made before the load starts and not counted.
 */
function healthProbe(url: string) {
  const code = `const l=[];let on=true;process.stdin.on('end',()=>{on=false});process.stdin.resume();
    (async()=>{await fetch(${JSON.stringify(url)}).then((r)=>r.arrayBuffer());process.stdout.write('ready\\n');while(on){const t=performance.now();await fetch(${JSON.stringify(url)});l.push(performance.now()-t);await new Promise(r=>setTimeout(r,20));}
    process.stdout.write(JSON.stringify(l));})();`;
  const p = spawn(process.execPath, ['-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  const ready = new Promise<void>((resolve) => {
    const seen = () => out.startsWith('ready\n') && (p.stdout.off('data', seen), resolve());
    p.stdout.on('data', seen);
  });
  return {
    ready,
    stop: () =>
      new Promise<number[]>((resolve) => {
        p.once('exit', () => resolve(JSON.parse(out.replace(/^ready\n/, '') || '[]') as number[]));
        p.stdin.end();
      }),
  };
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const fmt = (xs: number[]) => ({ n: xs.length, p50_ms: +pct(xs, 50).toFixed(2), p99_ms: +pct(xs, 99).toFixed(2) });

async function main() {
  const dir = tempDir();
  const s = await serve(dir, await freePort(), {
    ...TIMING,
    AGENTORA_WORKER_CLAIM_WAIT_SECONDS: '5',
    ...(process.env.BENCH_PROF ? { NODE_OPTIONS: '--require ' + process.env.BENCH_PROF } : {}),
  });
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
    const N = Number(process.env.BENCH_WORKER_JOBS ?? 10000);
    const firstId = (await s.api('GET', '/api/workers/jobs?limit=1')).body.items[0]?.id ?? 0;
    const ids = await Promise.all(Array.from({ length: 4 }, (_, i) => reg(`tp${i}`)));
    const probe = healthProbe(`${s.url}/api/health`);
    await probe.ready;
    const t0 = performance.now();
    let dispatching = true;
    let done = 0;
    // the workers poll while jobs arrive (a worker that stops polling stops being live: its jobs would run here)
    // The load generator (this process: 4 scripted workers + the dispatcher) runs at a lower priority than the
    // server and the prober: on a 2-core machine it would otherwise take the server's CPU, and the health figure
    // would measure CPU contention with the bench, not stalls of the server's event loop.
    setPriority(process.pid, 10);
    const cpu0 = cpuMs(s.proc.pid!);
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
    const serverCpuPerJob = (cpuMs(s.proc.pid!) - cpu0) / N;
    const health = await probe.stop();
    // exactly once: every job of the run succeeded, on a worker, with one attempt
    let page = 0;
    let once = 0;
    for (;;) {
      const items = (await s.api('GET', `/api/workers/jobs?state=succeeded&limit=500&offset=${page * 500}`)).body.items as {
        id: number;
        attempts: number;
        ran_on: string;
      }[];
      once += items.filter((j) => j.id > firstId && j.attempts === 1 && j.ran_on.startsWith('worker:')).length;
      if (items.length < 500) break;
      page++;
    }

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
    const lat = fmt(latency);
    const fb = fmt(fallback);
    const fbBudget = Number(TIMING.AGENTORA_WORKER_LEASE_SECONDS) * 1000 + Number(TIMING.AGENTORA_WORKER_HEARTBEAT_SECONDS) * 1000;
    const hp = fmt(health);
    const hmax = Math.max(...health);
    const mark = (ok: boolean) => (ok ? '✔' : '✘');
    console.log(`${mark(lat.p99_ms < 50)} dispatch → claim (waiting worker) p99 ${lat.p99_ms} ms (p50 ${lat.p50_ms}) — budget < 50 ms`);
    console.log(`${mark(fb.p99_ms <= fbBudget)} fallback after a worker's death p99 ${fb.p99_ms} ms — budget lease + one heartbeat = ${fbBudget} ms`);
    console.log(
      `${mark(done === N && once === N)} throughput ${N} jobs over 4 workers: ${Math.round((N / totalMs) * 1000)} jobs/s (${Math.round(totalMs)} ms), ${once}/${N} finished exactly once on a worker — budget: all, once`,
    );
    console.log(`  server CPU per job (dispatch + claim + result): ${serverCpuPerJob.toFixed(3)} ms (load-independent)`);
    console.log(
      `${mark(hmax < 50)} health GET during the load p99 ${hp.p99_ms} ms, max ${hmax.toFixed(1)} ms (${hp.n} probes) — budget no stall > 50 ms`,
    );
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
            finished_exactly_once: once,
          },
          health_during_load: { ...hp, max_ms: +hmax.toFixed(2) },
          server_cpu_ms_per_job: +serverCpuPerJob.toFixed(3),
          fallback_after_death_ms: {
            ...fmt(fallback),
            budget_ms: fbBudget,
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
