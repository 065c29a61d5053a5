// Workflow figures (issue 14 budgets): step transition overhead (the gap between one step's finish and the next
// step's start, from the committed step rows), 200 concurrent runs of 10 mock model steps while a probe measures
// the longest stall of another request, and resume after kill -9 with 1,000 runs in flight (time from the new
// process's spawn to the first resumed step). Run after `npm run build`:
//   node --import tsx bench/workflows.ts
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type TestServer } from '../test/helpers/server';
import { startFakeOllama } from '../test/fakes/ollama';

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const fmt = (xs: number[]) => ({
  n: xs.length,
  p50_ms: +pct(xs, 50).toFixed(2),
  p99_ms: +pct(xs, 99).toFixed(2),
  max_ms: +Math.max(...xs).toFixed(2),
});

const api = (s: TestServer) => ({
  post: (p: string, body: unknown = {}) => s.fetch(p, { method: 'POST', body: JSON.stringify(body) }).then((r) => r.json() as Promise<any>),
  get: (p: string) => s.fetch(p).then((r) => r.json() as Promise<any>),
});
const steps = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ name: `s${i + 1}`, step_type: 'model_call', params: { prompt: `step ${i + 1} of {{inputs.tag}}` } }));

async function concurrent() {
  const s = await startServer({ AGENTORA_USE_MOCK_OLLAMA: 'true' });
  try {
    const { post, get } = api(s);
    const wf = (
      await post('/api/workflows', { name: 'bench', params_schema: { type: 'object', properties: { tag: { type: 'string' } } }, steps: steps(10) })
    ).item;
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
    for (;;) {
      const r = await get(`/api/operator/runs?limit=500&workflow_id=${wf.id}`);
      if (r.items.every((x: any) => ['completed', 'failed', 'cancelled'].includes(x.status))) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    const wallMs = performance.now() - t0;
    probing = false;
    await prober;
    // Transition overhead: next step's started_at − previous step's finished_at, from the committed rows.
    const gaps: number[] = [];
    for (const id of ids.slice(0, 50)) {
      const d = await get(`/api/operator/runs/${id}`);
      for (let i = 1; i < d.steps.length; i++) gaps.push(Date.parse(d.steps[i].started_at) - Date.parse(d.steps[i - 1].finished_at));
    }
    const done = (await get(`/api/operator/runs?limit=500&workflow_id=${wf.id}&status=completed`)).total;
    return {
      runs: 200,
      steps_per_run: 10,
      completed: done,
      wall_ms: Math.round(wallMs),
      transition_gap: fmt(gaps),
      other_request_while_running: fmt(probe),
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
    const wf = (
      await post('/api/workflows', { name: 'resume', params_schema: { type: 'object', properties: { tag: { type: 'string' } } }, steps: steps(2) })
    ).item;
    for (let i = 0; i < 1000; i++) await post(`/api/workflows/${wf.id}/run`, { inputs: { tag: `r${i}` } });
    for (;;) {
      const r = await get(`/api/operator/runs?limit=1&workflow_id=${wf.id}&status=queued`);
      if (r.total === 0) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    const exited = new Promise((r) => s.proc.once('exit', r));
    s.proc.kill('SIGKILL');
    await exited;
    const spawnedAt = Date.now();
    s = await startServer(env, 30000, { dataDir });
    const readyMs = s.readyMs;
    let first = Infinity;
    for (let tries = 0; tries < 200 && first === Infinity; tries++) {
      const d = await api(s).get('/api/operator/runs/1');
      const ev = d.events.find((e: any) => e.event_type === 'step_resumed_in_flight' && Date.parse(e.created_at) >= spawnedAt);
      if (ev) first = Date.parse(ev.created_at) - spawnedAt;
      else await new Promise((res) => setTimeout(res, 20));
    }
    return {
      runs_in_flight: 1000,
      idle_server_ready_ms: Math.round(idleReadyMs),
      server_ready_ms: Math.round(readyMs),
      first_resumed_step_ms_after_spawn: first,
    };
  } finally {
    await s.stop();
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const c = await concurrent();
  const r = await resume();
  console.log(JSON.stringify({ concurrent: c, resume: r }, null, 2));
}
void main();
