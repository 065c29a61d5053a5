// Workflow figures against the budgets of issue 14 and ../shared/design/performance.md, each printed ✔/✘:
//   - step transition overhead p99 < 10 ms: the gap between one step's finish and the next step's start, from
//     the committed step rows, of runs of 10 mock model steps run one at a time (nothing else competing);
//   - 200 concurrent runs of 10 mock steps all complete, and no other request (GET /api/health every 20 ms)
//     stalls > 50 ms meanwhile (the transition gaps under that load are printed too);
//   - kill -9 with 1,000 runs in flight (each in a model call the fake Ollama holds), restart: the first resumed
//     step < 1 s after the new process was spawned, and all 1,000 resumed < 1 s after it was ready (read from the
//     committed run events in the SQLite file).
// Numbers on a shared machine are indicative. Run after `npm run build`:  node --import tsx bench/workflows.ts
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startServer, type TestServer } from '../test/helpers/server';
import { startFakeOllama } from '../test/fakes/ollama';

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const fmt = (xs: number[]) => ({
  n: xs.length,
  p50_ms: +pct(xs, 50).toFixed(2),
  p99_ms: +pct(xs, 99).toFixed(2),
  max_ms: +Math.max(...xs).toFixed(2),
});
const verdicts: { ok: boolean; line: string }[] = [];
function budget(what: string, value: number, limit: number, unit = 'ms'): void {
  const ok = value < limit;
  const line = `${ok ? '✔' : '✘'} ${what}: ${value.toFixed(1)} ${unit} (budget < ${limit} ${unit})`;
  verdicts.push({ ok, line });
  console.log(line);
}

const api = (s: TestServer) => ({
  post: (p: string, body: unknown = {}) => s.fetch(p, { method: 'POST', body: JSON.stringify(body) }).then((r) => r.json() as Promise<any>),
  get: (p: string) => s.fetch(p).then((r) => r.json() as Promise<any>),
});
const steps = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ name: `s${i + 1}`, step_type: 'model_call', params: { prompt: `step ${i + 1} of {{inputs.tag}}` } }));
const schema = { type: 'object', properties: { tag: { type: 'string' } } };
const until = async (fn: () => Promise<boolean>, ms = 120_000) => {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error('bench: timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
};
/** Gaps between consecutive steps of these runs (next started_at − previous finished_at). */
async function gapsOf(s: TestServer, ids: number[]): Promise<number[]> {
  const gaps: number[] = [];
  for (const id of ids) {
    const d = await api(s).get(`/api/operator/runs/${id}`);
    for (let i = 1; i < d.steps.length; i++) gaps.push(Date.parse(d.steps[i].started_at) - Date.parse(d.steps[i - 1].finished_at));
  }
  return gaps;
}

async function transitions() {
  const s = await startServer({ AGENTORA_USE_MOCK_OLLAMA: 'true' });
  try {
    const { post, get } = api(s);
    const wf = (await post('/api/workflows', { name: 'sequential', params_schema: schema, steps: steps(10) })).item;
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) {
      const id = (await post(`/api/workflows/${wf.id}/run`, { inputs: { tag: `r${i}` } })).item.id;
      await until(async () => ['completed', 'failed'].includes((await get(`/api/operator/runs/${id}`)).run.status));
      ids.push(id);
    }
    const gaps = await gapsOf(s, ids.slice(5)); // the first runs warm the JIT and the statement cache
    budget('step transition p99 (runs one at a time)', pct(gaps, 99), 10);
    return { runs: ids.length, transition_gap: fmt(gaps) };
  } finally {
    await s.stop();
  }
}

async function concurrent() {
  const s = await startServer({ AGENTORA_USE_MOCK_OLLAMA: 'true' });
  try {
    const { post, get } = api(s);
    const wf = (await post('/api/workflows', { name: 'bench', params_schema: schema, steps: steps(10) })).item;
    // A probe: another request every 20 ms; its slowest answer while the runs go is the stall.
    const probe: number[] = [];
    let probing = true;
    const prober = (async () => {
      while (probing) {
        const t = performance.now();
        await s.fetch('/api/health').then((r) => r.text());
        probe.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const t0 = performance.now();
    const ids: number[] = [];
    for (let i = 0; i < 200; i++) ids.push((await post(`/api/workflows/${wf.id}/run`, { inputs: { tag: `r${i}` } })).item.id);
    await until(async () => {
      const r = await get(`/api/operator/runs?limit=500&workflow_id=${wf.id}`);
      return r.items.every((x: any) => ['completed', 'failed', 'cancelled'].includes(x.status));
    });
    const wallMs = performance.now() - t0;
    probing = false;
    await prober;
    const gaps = await gapsOf(s, ids.slice(0, 50));
    const done = (await get(`/api/operator/runs?limit=500&workflow_id=${wf.id}&status=completed`)).total;
    budget('200 concurrent runs × 10 steps: runs not completed', 200 - done, 1, 'runs');
    budget('200 concurrent runs: slowest other request meanwhile', Math.max(...probe), 50);
    return {
      runs: 200,
      steps_per_run: 10,
      completed: done,
      wall_ms: Math.round(wallMs),
      transition_gap_under_load: fmt(gaps),
      other_request: fmt(probe),
    };
  } finally {
    await s.stop();
  }
}

async function resume() {
  const fake = await startFakeOllama(undefined, { chatDelayMs: 60_000, chat: () => 'late' });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'agentora-bench-wf-'));
  const env = { AGENTORA_USE_MOCK_OLLAMA: 'false', AGENTORA_OLLAMA_URL: fake.url };
  let s = await startServer(env, 15000, { dataDir });
  try {
    // Baseline: how long this machine takes to start an idle server on the same data dir.
    await s.stop();
    s = await startServer(env, 30000, { dataDir });
    const idleReadyMs = s.readyMs;
    const { post, get } = api(s);
    const wf = (await post('/api/workflows', { name: 'resume', params_schema: schema, steps: steps(2) })).item;
    for (let i = 0; i < 1000; i++) await post(`/api/workflows/${wf.id}/run`, { inputs: { tag: `r${i}` } });
    await until(async () => (await get(`/api/operator/runs?limit=1&workflow_id=${wf.id}&status=queued`)).total === 0);
    const exited = new Promise((r) => s.proc.once('exit', r));
    s.proc.kill('SIGKILL');
    await exited;
    const spawnedAt = Date.now();
    s = await startServer(env, 30000, { dataDir });
    const readyAt = spawnedAt + s.readyMs;
    const db = new Database(path.join(dataDir, 'agentora.db'), { readonly: true });
    const since = new Date(spawnedAt).toISOString();
    const resumed = () =>
      db
        .prepare(
          `SELECT COUNT(*) AS n, MIN(created_at) AS first, MAX(created_at) AS last FROM workflow_run_events
           WHERE event_type = 'step_resumed_in_flight' AND created_at >= ?`,
        )
        .get(since) as { n: number; first: string | null; last: string | null };
    await until(async () => resumed().n >= 1000, 30_000).catch(() => undefined);
    const r = resumed();
    db.close();
    const first = r.first ? Date.parse(r.first) - spawnedAt : Infinity;
    const all = r.n >= 1000 && r.last ? Date.parse(r.last) - readyAt : Infinity;
    budget('restart with 1,000 runs in flight: first resumed step after spawn', first, 1000);
    budget('restart with 1,000 runs in flight: all resumed after ready', all, 1000);
    return {
      runs_in_flight: 1000,
      resumed: r.n,
      idle_server_ready_ms: Math.round(idleReadyMs),
      server_ready_ms: Math.round(s.readyMs),
      first_resumed_step_ms_after_spawn: first,
      all_resumed_ms_after_ready: all,
    };
  } finally {
    await s.stop();
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  // `node --import tsx bench/workflows.ts concurrent` runs one part (transitions | concurrent | resume).
  const only = process.argv[2];
  const t = !only || only === 'transitions' ? await transitions() : null;
  const c = !only || only === 'concurrent' ? await concurrent() : null;
  const r = !only || only === 'resume' ? await resume() : null;
  console.log(JSON.stringify({ transitions: t, concurrent: c, resume: r }, null, 2));
  const missed = verdicts.filter((v) => !v.ok);
  console.log(`\nworkflow budgets: ${verdicts.length - missed.length} ✔, ${missed.length} ✘`);
  for (const v of verdicts) console.log(`  ${v.line}`);
}
void main();
