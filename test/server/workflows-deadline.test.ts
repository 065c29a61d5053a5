// AGENTORA_MAX_WORKFLOW_DURATION_SECONDS on the real server against the fake Ollama: a run whose limit passes
// while a model call is in flight fails with a reason naming the limit, the call is aborted (the fake sees the
// client hang up), the next step never starts; time the operator holds the run (an approval gate) does not
// count; and after kill -9 a run whose deadline passed while the server was down fails at once on restart,
// without resuming its step.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type TestServer } from '../helpers/server';
import { startFakeOllama, type FakeOllama } from '../fakes/ollama';
import { client, until } from './workflows-helpers';

const LIMIT = 3;
const LIMIT_RE = new RegExp(`exceeded its time limit of ${LIMIT} s \\(AGENTORA_MAX_WORKFLOW_DURATION_SECONDS\\)`);
const slowSteps = [
  { name: 'quick', step_type: 'model_call', params: { prompt: 'echo: first' } },
  // "slow…" streams 2,000 tokens 50 ms apart at the fake: far longer than the limit.
  { name: 'long', step_type: 'model_call', timeout_seconds: 300, params: { prompt: 'echo: second', model: 'slow' } },
  { name: 'never', step_type: 'model_call', params: { prompt: 'echo: third' } },
];

describe('workflow run time limit (AGENTORA_MAX_WORKFLOW_DURATION_SECONDS)', () => {
  let fake: FakeOllama;
  let srv: TestServer;
  let dataDir: string;
  const { post, run, status } = client(() => srv);
  const env = () => ({
    AGENTORA_USE_MOCK_OLLAMA: 'false',
    AGENTORA_OLLAMA_URL: fake.url,
    AGENTORA_MAX_WORKFLOW_DURATION_SECONDS: String(LIMIT),
  });
  const slowCalls = () => fake.chats.filter((c) => c.model.startsWith('slow'));
  const thirdCalls = () => fake.chats.filter((c) => c.messages.at(-1)?.content === 'echo: third').length;
  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'agentora-wf-deadline-'));
    fake = await startFakeOllama(['llama3.2:latest', 'nomic-embed-text:latest', 'slow:latest'], { slowTokens: 2000, slowDelayMs: 50 });
    srv = await startServer(env(), 15000, { dataDir });
  });
  after(async () => {
    if (srv && srv.proc.exitCode === null) await srv.stop();
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('the limit passes during a model call: the call is aborted, the run fails naming the limit', async () => {
    const wf = (await post('/api/workflows', { name: 'too-long', steps: slowSteps })).body.item;
    const id = (await post(`/api/workflows/${wf.id}/run`, { inputs: {} })).body.item.id;
    const failed = await status(id, 'failed', 'completed');
    assert.equal(failed.run.status, 'failed');
    assert.equal(failed.run.max_duration_seconds, LIMIT);
    assert.match(failed.run.error, LIMIT_RE);
    assert.match(failed.run.error, /step 2 'long' was aborted/);
    assert.deepEqual(
      failed.steps.map((s: any) => s.status),
      ['done', 'failed', 'pending'],
    );
    assert.match(failed.steps[1].error, /time limit/);
    // The model call in flight was cut off (the fake saw the client hang up), and nothing ran after it.
    await until('the slow call to be hung up', async () => slowCalls().length === 1 && slowCalls()[0]!.closedEarly);
    assert.equal(thirdCalls(), 0);
    const ev = failed.events.find((e: any) => e.event_type === 'run_failed');
    assert.equal(ev.payload.time_limit_seconds, LIMIT);
    const took = Date.parse(failed.run.finished_at) - Date.parse(failed.run.created_at);
    assert.ok(took >= LIMIT * 1000, `failed after ${took} ms, before its limit`);
    // Its time is used up: retrying the step would only fail again at once, so the operator is told to replay.
    const retry = await post(`/api/operator/runs/${id}/retry-step`, { position: 2 });
    assert.equal(retry.status, 409);
    assert.match(retry.body.message, /used up its time limit of \d+ s \(AGENTORA_MAX_WORKFLOW_DURATION_SECONDS\); replay it/);
    assert.equal((await run(id)).steps[1].operator_retries, 0);
    assert.equal((await post(`/api/operator/runs/${id}/skip-step`, { position: 2, reason: 'move on' })).status, 409);
    assert.equal((await run(id)).steps[1].status, 'failed');
  });

  test('kill -9, the deadline passes while the server is down: on restart the run fails at once, its step not resumed', async () => {
    const wf = (await post('/api/workflows', { name: 'down', steps: slowSteps.slice(1) })).body.item;
    const id = (await post(`/api/workflows/${wf.id}/run`, { inputs: {} })).body.item.id;
    const r = await until('the slow step to run', async () => {
      const x = await run(id);
      return x.steps[0].status === 'running' && slowCalls().length === 2 ? x : null;
    });
    const deadline = Date.parse(r.run.deadline_at);
    const exited = new Promise((res) => srv.proc.once('exit', res));
    srv.proc.kill('SIGKILL');
    await exited;
    await until('the deadline to pass while the server is down', async () => Date.now() > deadline + 200, 10000);
    srv = await startServer(env(), 15000, { dataDir });
    const failed = await status(id, 'failed', 'completed');
    assert.equal(failed.run.status, 'failed');
    assert.match(failed.run.error, LIMIT_RE);
    assert.equal(failed.steps[0].status, 'failed');
    const types = failed.events.map((e: any) => e.event_type);
    assert.ok(types.includes('resumed_after_restart'));
    assert.ok(!types.includes('step_resumed_in_flight'), `the step was resumed: ${types.join(', ')}`);
    assert.ok(types.indexOf('run_failed') > types.lastIndexOf('resumed_after_restart'));
    assert.equal(slowCalls().length, 2, 'the slow call was made again after the restart');
  });
});

// Its own server with a roomier limit: on a loaded machine the engine's time before the gate must not eat it.
const HELD_LIMIT = 5;
describe('workflow run time limit: time held by the operator', () => {
  let srv: TestServer;
  const { post, run, status } = client(() => srv);
  before(async () => {
    srv = await startServer({ AGENTORA_USE_MOCK_OLLAMA: 'true', AGENTORA_MAX_WORKFLOW_DURATION_SECONDS: String(HELD_LIMIT) });
  });
  after(async () => {
    await srv.stop();
  });

  test('time waiting at an approval gate does not count', async () => {
    const wf = (
      await post('/api/workflows', {
        name: 'held',
        steps: [
          { name: 'gate', step_type: 'approval_gate', params: { message: 'take your time' } },
          { name: 'after', step_type: 'model_call', params: { prompt: 'echo: after the gate' } },
        ],
      })
    ).body.item;
    const id = (await post(`/api/workflows/${wf.id}/run`, { inputs: {} })).body.item.id;
    const w = await status(id, 'waiting_approval');
    assert.equal(w.run.deadline_at, null, 'a held run shows no deadline');
    // Hold the run longer than its whole limit, from the moment the gate opened (a wait on the clock, checked
    // against the clock); the engine's own time before and after the gate is what counts.
    const opened = w.events.find((e: any) => e.event_type === 'approval_requested');
    const heldUntil = Date.parse(opened.created_at) + (HELD_LIMIT + 0.5) * 1000;
    await until('the limit to pass while held', async () => Date.now() > heldUntil, 15000);
    assert.equal((await run(id)).run.status, 'waiting_approval');
    assert.equal((await post(`/api/actions/${w.steps[0].gate_action_id}/approve`, { reason: 'ok' })).status, 200);
    const done = await status(id, 'completed', 'failed');
    assert.equal(
      done.run.status,
      'completed',
      `${done.run.error}\n${done.events.map((e: any) => `${e.created_at} ${e.position ?? '-'} ${e.event_type}`).join('\n')}`,
    );
    const wall = Date.parse(done.run.finished_at) - Date.parse(done.run.created_at);
    assert.ok(wall > HELD_LIMIT * 1000, `the run took ${wall} ms of wall time, more than its limit`);
  });
});
