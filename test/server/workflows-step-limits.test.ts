// Per-step limits and versions on the real server against the fake Ollama: a model call slower than its step's
// timeout_seconds is aborted (the fake sees the client hang up), retried a bounded number of times with its
// backoff, then on_failure: skip moves on with the reason recorded; and a run records the definition version it
// ran — editing a step afterwards changes new runs, not the one recorded.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server';
import { startFakeOllama, type FakeOllama } from '../fakes/ollama';
import { client, until } from './workflows-helpers';

let fake: FakeOllama;
let srv: TestServer;
const { post, get, status } = client(() => srv);
before(async () => {
  // "slow…" streams 2,000 tokens 50 ms apart: far longer than the step's timeout.
  fake = await startFakeOllama(['llama3.2:latest', 'nomic-embed-text:latest', 'slow:latest'], { slowTokens: 2000, slowDelayMs: 50 });
  srv = await startServer({ AGENTORA_USE_MOCK_OLLAMA: 'false', AGENTORA_OLLAMA_URL: fake.url });
});
after(async () => {
  await srv?.stop();
  await fake?.close();
});

test('a step slower than its timeout is aborted, retried once with backoff, then skipped by on_failure; the next step runs', async () => {
  const wf = (
    await post('/api/workflows', {
      name: 'step-timeout',
      steps: [
        {
          name: 'long',
          step_type: 'model_call',
          timeout_seconds: 0.5,
          max_retries: 1,
          backoff_seconds: 0.2,
          on_failure: 'skip',
          params: { prompt: 'echo: first', model: 'slow' },
        },
        { name: 'after', step_type: 'model_call', params: { prompt: 'echo: after' } },
      ],
    })
  ).body.item;
  const id = (await post(`/api/workflows/${wf.id}/run`, { inputs: {} })).body.item.id;
  const done = await status(id, 'completed', 'failed');
  assert.equal(done.run.status, 'completed');
  const [long, next] = done.steps;
  assert.equal(long.status, 'skipped');
  assert.equal(long.attempts, 2, 'one try and one retry, no more');
  assert.match(long.error, /timed out after 0\.5s/);
  assert.match(long.skip_reason, /^on_failure: skip — timed out after 0\.5s/);
  assert.equal(next.status, 'done');
  assert.equal(next.output, 'after');
  const failedAttempts = done.events.filter((e: any) => e.event_type === 'step_failed_attempt');
  assert.equal(failedAttempts.length, 1);
  assert.match(failedAttempts[0].payload.error, /timed out/);
  // Both slow calls were cut off at the fake, not left streaming.
  const slow = () => fake.chats.filter((c) => c.model.startsWith('slow'));
  await until('both slow calls hung up', async () => slow().length === 2 && slow().every((c) => c.closedEarly));
});

test('a run records the version it ran: an edited step changes later runs only', async () => {
  const wf = (
    await post('/api/workflows', {
      name: 'versions',
      steps: [{ name: 'only', step_type: 'model_call', params: { prompt: 'echo: v1' } }],
    })
  ).body.item;
  const first = (await post(`/api/workflows/${wf.id}/run`, { inputs: {} })).body.item.id;
  await status(first, 'completed');
  const stepId = (await get(`/api/workflows/${wf.id}`)).body.steps[0].id;
  const edit = await post(`/api/workflows/${wf.id}/steps/${stepId}`, { params: { prompt: 'echo: v2' } });
  assert.equal(edit.body.workflow.version, 2);
  const second = (await post(`/api/workflows/${wf.id}/run`, { inputs: {} })).body.item.id;
  const b = await status(second, 'completed');
  const a = (await get(`/api/operator/runs/${first}`)).body;
  assert.equal(a.run.workflow_version, 1);
  assert.equal(b.run.workflow_version, 2);
  assert.equal(a.steps[0].output, 'v1');
  assert.equal(b.steps[0].output, 'v2');
  // Replaying the first run replays what it ran (version 1), not the edited definition.
  const replay = (await post(`/api/workflows/runs/${first}/replay`, {})).body.item.id;
  const r = await status(replay, 'completed');
  assert.equal(r.run.workflow_version, 1);
  assert.equal(r.steps[0].output, 'v1');
});
