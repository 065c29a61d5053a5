// The real AgentCeption bridge against the fake at watcher scale: launch 1,000 runs, then refresh all of them
// with bounded concurrency (the shape of one watcher cycle), and report per-call latency and cycle time.
// Run alone: node --import tsx bench/bridges.ts [runs] [concurrency]
import { AgentceptionHttpBridge } from '../server/src/bridges/missions/agentception/http';
import { startFakeAgentception } from '../test/fakes/agentception';

const RUNS = Number(process.argv[2] ?? 1000);
const CONCURRENCY = Number(process.argv[3] ?? 25);

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function main(): Promise<void> {
  const fake = await startFakeAgentception({ autoComplete: 3, recordHits: false });
  const ac = new AgentceptionHttpBridge({ baseUrl: fake.url, connectTimeoutMs: 2000, readTimeoutMs: 5000, retries: 2, retryBaseMs: 50 });
  try {
    const ids: string[] = [];
    let t0 = performance.now();
    for (let n = 1; n <= RUNS; n++)
      ids.push(
        (await ac.launch({ mode: 'issue', repo: 'acme/bench', role: 'developer', issue_title: `m${n}`, issue_body: 'brief', issue_number: n }))
          .run_id,
      );
    console.log(`launch ${RUNS} runs sequentially: ${(performance.now() - t0).toFixed(0)} ms`);
    for (let cycle = 1; cycle <= 3; cycle++) {
      const lat: number[] = [];
      let done = 0;
      t0 = performance.now();
      await pool(ids, CONCURRENCY, async (id) => {
        const s0 = performance.now();
        const s = await ac.status(id);
        lat.push(performance.now() - s0);
        if (s.state === 'succeeded') done++;
      });
      const cycleMs = performance.now() - t0;
      console.log(
        `cycle ${cycle}: ${RUNS} status refreshes (concurrency ${CONCURRENCY}) in ${cycleMs.toFixed(0)} ms — p50 ${pct(lat, 50).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms, ${done} succeeded`,
      );
    }
  } finally {
    await fake.stop();
  }
}

void main();
