// The routing provider: chat answers and memory embeddings run on a live worker (its own Ollama) when the worker
// mode allows it, and here otherwise — without the chat or memory code knowing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeOllama, type FakeOllama } from '../fakes/ollama';
import { FAST, freePort, removeDir, serve, startWorker, tempDir, until, type Srv, type WorkerProc } from './workers-helpers';

let local: FakeOllama;
let remote: FakeOllama;
let s: Srv;
let dir: string;
let w: WorkerProc | undefined;
const lastUser = (b: { messages: { role: string; content: string }[] }) => b.messages.at(-1)!.content;

before(async () => {
  local = await startFakeOllama(undefined, { chat: (b) => `local says ${lastUser(b)}`, embed: () => [1, 0, 0] });
  remote = await startFakeOllama(undefined, { chat: (b) => `worker says ${lastUser(b)}`, embed: () => [0, 1, 0] });
  dir = tempDir();
  s = await serve(dir, await freePort(), {
    ...FAST,
    AGENTORA_USE_MOCK_OLLAMA: 'false',
    AGENTORA_OLLAMA_URL: local.url,
    AGENTORA_WORKER_EMBEDDER_MODE: 'prefer_worker',
    AGENTORA_MEMORY_EMBED_INTERVAL_MS: '50',
  });
});
after(async () => {
  await w?.kill();
  await s?.stop();
  await local?.close();
  await remote?.close();
  if (dir) removeDir(dir);
});

async function ask(sessionId: number, content: string) {
  const sent = await s.api('POST', `/api/chat/sessions/${sessionId}/messages`, { content });
  assert.equal(sent.status, 202, JSON.stringify(sent.body));
  return until(`answer to ${content}`, async () => {
    const d = (await s.api('GET', `/api/chat/sessions/${sessionId}`)).body;
    const m = d.messages.find((x: any) => x.message_id === sent.body.assistant_message_id);
    return m && m.status !== 'streaming' && m;
  });
}

describe('workers: routing model calls', () => {
  test('chat runs here while no worker is alive (auto), and on the worker once one is', async () => {
    const session = (await s.api('POST', '/api/chat/sessions', { title: 'routed', memory_mode: 'off', model: 'llama3.2' })).body.session;
    const here = await ask(session.session_id, 'first question');
    assert.equal(here.status, 'complete');
    assert.equal(here.content, 'local says first question');
    assert.equal((await s.api('GET', '/api/workers/jobs')).body.total, 0, 'no worker: no job, the call ran directly');

    const token = (await s.api('POST', '/api/workers/tokens', { name: 'gpu' })).body.token;
    w = startWorker(s.url, token, remote.url, ['--capabilities', 'model_chat,model_embed'], 'gpu');
    await w.waitFor(/registered as worker/);
    const there = await ask(session.session_id, 'second question');
    assert.equal(there.status, 'complete', JSON.stringify(there));
    assert.equal(there.content, 'worker says second question');
    const jobs = (await s.api('GET', '/api/workers/jobs?limit=5')).body.items;
    const chatJob = jobs.find((j: any) => j.job_type === 'model_chat');
    assert.equal(chatJob.ref, `chat-${session.session_id}`);
    assert.equal(chatJob.ran_on, 'worker:gpu');
    assert.ok(remote.chats.some((c) => lastUser(c) === 'second question'));
    assert.ok(!local.chats.some((c) => lastUser(c) === 'second question'));
  });

  test('memory embeddings go to the worker as model_embed jobs (embedder mode prefer_worker)', async () => {
    const created = await s.api('POST', '/api/memory/capsules', { text: 'The GPU box embeds this memory.' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await until('embedded on the worker', () => remote.embedded.includes('The GPU box embeds this memory.'));
    assert.ok(!local.embedded.includes('The GPU box embeds this memory.'));
    const job = await until('the embed job finished', async () =>
      (await s.api('GET', '/api/workers/jobs?limit=20')).body.items.find((j: any) => j.job_type === 'model_embed' && j.state === 'succeeded'),
    );
    assert.equal(job.ran_on, 'worker:gpu');
  });
});
