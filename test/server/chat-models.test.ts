// The model manager against the fake Ollama through the official client: catalogue with capabilities from
// `show`, pull as a job with streamed progress, cancel reaches Ollama, a bad name fails with the fix, delete;
// and the same operations in mock mode, which says "mock".
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeOllama, type FakeOllama } from '../fakes/ollama';
import { startServer, type TestServer } from '../helpers/server';
import { readSse, until } from './chat-helpers';

let fake: FakeOllama;
let srv: TestServer;
before(async () => {
  fake = await startFakeOllama(['llama3.2:latest', 'nomic-embed-text:latest'], { pullSteps: 40, pullDelayMs: 25 });
  srv = await startServer({ AGENTORA_USE_MOCK_OLLAMA: 'false', AGENTORA_OLLAMA_URL: fake.url, AGENTORA_MEMORY_EMBEDDINGS_ENABLED: 'false' });
});
after(async () => {
  await srv.stop();
  await fake.close();
});

const json = async (r: Response) => ({ status: r.status, body: (await r.json()) as any });
const job = (s: TestServer, id: number) =>
  until(`pull job ${id} to end`, async () => {
    const j = (await s.fetch('/api/ollama/pulls').then(json)).body.jobs.find((x: any) => x.job_id === id);
    return j && j.state !== 'running' ? j : undefined;
  });

test('catalogue: size, family, parameters, quantization and capabilities from show; defaults marked', async () => {
  const r = (await srv.fetch('/api/ollama/catalog').then(json)).body;
  assert.equal(r.mode, 'live');
  const llama = r.models.find((m: any) => m.name === 'llama3.2:latest');
  assert.deepEqual(llama.capabilities, ['completion', 'tools']);
  assert.equal(llama.context_length, 131072);
  assert.deepEqual(llama.default_for, ['chat', 'tools'], 'tool use falls back to the chat default');
  const embed = r.models.find((m: any) => m.name === 'nomic-embed-text:latest');
  assert.deepEqual(embed.capabilities, ['embedding']);
  assert.deepEqual(embed.default_for, ['embedding']);
});

test('pull is a job: answers at once, progress streams in order, the model is then installed', async () => {
  const sse = await readSse(srv, '/api/events');
  try {
    const r = await srv.fetch('/api/ollama/pull', { method: 'POST', body: JSON.stringify({ name: 'qwen2.5:0.5b' }) }).then(json);
    assert.equal(r.status, 202);
    assert.equal(r.body.job.state, 'running');
    const done = await job(srv, r.body.job.job_id);
    assert.equal(done.state, 'done');
    const progress = sse.events
      .filter((e) => e.event === 'agentora/models/didPullProgress' && e.data.job_id === r.body.job.job_id)
      .map((e) => e.data);
    assert.ok(progress.length >= 3, `${progress.length} progress events`);
    const bytes = progress.map((p) => p.completed ?? 0);
    assert.deepEqual(
      bytes,
      [...bytes].sort((a, b) => a - b),
      'completed only grows',
    );
    await until('the last progress event', async () =>
      sse.events.some((e) => e.event === 'agentora/models/didPullProgress' && e.data.job_id === r.body.job.job_id && e.data.state === 'done'),
    );
    assert.ok((await srv.fetch('/api/ollama/catalog').then(json)).body.models.some((m: any) => m.name === 'qwen2.5:0.5b'));
  } finally {
    sse.close();
  }
});

test('cancel aborts the download request (Ollama sees the connection close); a bad name fails with the fix', async () => {
  const r = (await srv.fetch('/api/ollama/pull', { method: 'POST', body: JSON.stringify({ name: 'big-model:70b' }) }).then(json)).body;
  await until('the download to start', async () => fake.pulls.some((p) => p.model === 'big-model:70b'));
  const c = await srv.fetch(`/api/ollama/pulls/${r.job.job_id}/cancel`, { method: 'POST' }).then(json);
  assert.equal(c.status, 200);
  assert.equal((await job(srv, r.job.job_id)).state, 'cancelled');
  await until('the fake to see the pull connection close', async () => fake.pulls.find((p) => p.model === 'big-model:70b')?.closedEarly);

  const bad = (await srv.fetch('/api/ollama/pull', { method: 'POST', body: JSON.stringify({ name: 'missing-model' }) }).then(json)).body;
  const failed = await job(srv, bad.job.job_id);
  assert.equal(failed.state, 'failed');
  assert.match(failed.error, /missing-model/);
  assert.match(failed.fix_hint, /ollama\.com\/library|ollama pull/);

  const invalid = await srv.fetch('/api/ollama/pull', { method: 'POST', body: JSON.stringify({ name: 'rm -rf /' }) }).then(json);
  assert.equal(invalid.status, 400);
  assert.match(invalid.body.message, /name/);
});

test('delete removes an installed model; deleting an unknown one is a 404 with a fix', async () => {
  const d = await srv.fetch('/api/ollama/models/qwen2.5%3A0.5b', { method: 'DELETE' }).then(json);
  assert.equal(d.status, 200);
  assert.ok(!(await srv.fetch('/api/ollama/catalog').then(json)).body.models.some((m: any) => m.name === 'qwen2.5:0.5b'));
  const missing = await srv.fetch('/api/ollama/models/nope', { method: 'DELETE' }).then(json);
  assert.equal(missing.status, 404);
  assert.ok(missing.body.fix_hint);
});

test('defaults: chosen per purpose, checked against the capability, back to the setting with null', async () => {
  const before = (await srv.fetch('/api/ollama/defaults').then(json)).body.defaults;
  assert.deepEqual(before.chat, { model: 'llama3.2', source: 'setting' });
  const bad = await srv
    .fetch('/api/ollama/defaults', { method: 'POST', body: JSON.stringify({ purpose: 'chat', model: 'nomic-embed-text:latest' }) })
    .then(json);
  assert.equal(bad.status, 400);
  assert.match(bad.body.message, /does not support completion/);
  assert.equal(bad.body.issues[0].path, 'model');
  assert.ok(bad.body.fix_hint);
  assert.deepEqual((await srv.fetch('/api/ollama/defaults').then(json)).body.defaults, before, 'a refused choice changes nothing');
  const missing = await srv.fetch('/api/ollama/defaults', { method: 'POST', body: JSON.stringify({ purpose: 'chat', model: 'nope:1b' }) });
  assert.equal(missing.status, 404);
  const unknownPurpose = await srv
    .fetch('/api/ollama/defaults', { method: 'POST', body: JSON.stringify({ purpose: 'vision', model: 'llama3.2:latest' }) })
    .then(json);
  assert.equal(unknownPurpose.status, 400);
  assert.equal(unknownPurpose.body.issues[0].path, 'purpose');

  const ok = await srv
    .fetch('/api/ollama/defaults', { method: 'POST', body: JSON.stringify({ purpose: 'tools', model: 'llama3.2:latest' }) })
    .then(json);
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.body.defaults.tools, { model: 'llama3.2:latest', source: 'chosen' });
  const cat = (await srv.fetch('/api/ollama/catalog').then(json)).body.models.find((m: any) => m.name === 'llama3.2:latest');
  assert.ok(cat.default_for.includes('tools'));
  const reset = await srv.fetch('/api/ollama/defaults', { method: 'POST', body: JSON.stringify({ purpose: 'tools', model: null }) }).then(json);
  assert.deepEqual(reset.body.defaults.tools, { model: 'llama3.2', source: 'setting' });
});

test('chatting with a model that lacks the capability: the answer is an error naming it, with the fix', async () => {
  const sess = (
    await srv
      .fetch('/api/chat/sessions', { method: 'POST', body: JSON.stringify({ title: 'cap', model: 'nomic-embed-text:latest', memory_mode: 'off' }) })
      .then(json)
  ).body;
  const id = sess.session.session_id;
  await srv.fetch(`/api/chat/sessions/${id}/messages`, { method: 'POST', body: JSON.stringify({ content: 'hello' }) });
  const answer = await until('the answer to fail', async () => {
    const d = (await srv.fetch(`/api/chat/sessions/${id}`).then(json)).body;
    return d.messages.find((m: any) => m.role === 'assistant' && m.status !== 'streaming');
  });
  assert.equal(answer.status, 'error');
  assert.match(answer.error, /does not support chat/);
  assert.match(answer.fix_hint, /completion/);
});

test('mock mode: the same operations against the mock catalogue, saying "mock"', async () => {
  const m = await startServer({ AGENTORA_USE_MOCK_OLLAMA: 'true' });
  try {
    const cat = (await m.fetch('/api/ollama/catalog').then(json)).body;
    assert.equal(cat.mode, 'mock');
    assert.ok(cat.models.some((x: any) => x.name === 'mock-chat' && x.capabilities.includes('tools')));
    const p = (await m.fetch('/api/ollama/pull', { method: 'POST', body: JSON.stringify({ name: 'mock-vision' }) }).then(json)).body;
    assert.equal(p.mode, 'mock');
    assert.equal((await job(m, p.job.job_id)).state, 'done');
    assert.ok((await m.fetch('/api/ollama/catalog').then(json)).body.models.some((x: any) => x.name === 'mock-vision'));
    assert.equal((await m.fetch('/api/ollama/models/mock-vision', { method: 'DELETE' }).then(json)).status, 200);
  } finally {
    await m.stop();
  }
});
