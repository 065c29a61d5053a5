// Chat against the fake Ollama through the official client: counts from eval_count, Stop reaches Ollama (the fake
// sees the connection close) and keeps the partial answer, failures become messages with a fix, and a kill -9
// mid-answer keeps what arrived (marked interrupted after the restart).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFakeOllama, type FakeOllama } from '../fakes/ollama';
import { startServer, type TestServer } from '../helpers/server';
import { readSse, until } from './chat-helpers';

let fake: FakeOllama;
let srv: TestServer;
const liveEnv = () => ({
  AGENTORA_USE_MOCK_OLLAMA: 'false',
  AGENTORA_OLLAMA_URL: fake.url,
  AGENTORA_OLLAMA_CHAT_MODEL: 'llama3.2',
  AGENTORA_MEMORY_EMBEDDINGS_ENABLED: 'false',
});
before(async () => {
  fake = await startFakeOllama(['llama3.2:latest', 'slow:latest', 'garbage:latest', 'crashy:latest'], { slowTokens: 400, slowDelayMs: 40 });
  srv = await startServer(liveEnv());
});
after(async () => {
  await srv.stop();
  await fake.close();
});

const json = async (r: Response) => ({ status: r.status, body: (await r.json()) as any });
const post = (s: TestServer, p: string, body: unknown) => s.fetch(p, { method: 'POST', body: JSON.stringify(body) }).then(json);
const get = (s: TestServer, p: string) => s.fetch(p).then(json);
const message = async (s: TestServer, sessionId: number, id: number) =>
  (await get(s, `/api/chat/sessions/${sessionId}`)).body.messages.find((m: any) => m.message_id === id);
const settled = (s: TestServer, sessionId: number, id: number) =>
  until(`message ${id} to settle`, async () => {
    const m = await message(s, sessionId, id);
    return m && m.status !== 'streaming' ? m : undefined;
  });

test('streams through the official client; token counts are Ollama’s prompt_eval_count / eval_count; options reach Ollama', async () => {
  const s = (
    await post(srv, '/api/chat/sessions', { title: 'live', memory_mode: 'off', temperature: 0.3, num_ctx: 8192, system_prompt: 'Answer in English.' })
  ).body.session;
  const sent = (await post(srv, `/api/chat/sessions/${s.session_id}/messages`, { content: 'hello there' })).body;
  const m = await settled(srv, s.session_id, sent.assistant_message_id);
  assert.equal(m.status, 'complete');
  assert.equal(m.content, 'Hello from fake Ollama');
  assert.equal(m.prompt_eval_count, 5);
  assert.equal(m.eval_count, 4);
  const req = fake.chats.at(-1)!;
  assert.equal(req.model, 'llama3.2');
  assert.deepEqual(req.options, { temperature: 0.3, num_ctx: 8192 });
  assert.deepEqual(
    req.messages.map((x) => x.role),
    ['system', 'user'],
  );
  assert.equal(req.messages[0]!.content, 'Answer in English.');
});

test('Stop aborts the request to Ollama (the fake sees the connection close) and keeps the partial answer', async () => {
  const s = (await post(srv, '/api/chat/sessions', { title: 'stop me', model: 'slow', memory_mode: 'off' })).body.session;
  const sse = await readSse(srv, `/api/chat/sessions/${s.session_id}/stream`);
  try {
    const sent = (await post(srv, `/api/chat/sessions/${s.session_id}/messages`, { content: 'count slowly' })).body;
    await sse.waitFor((e) => e.event === 'agentora/chat/didToken' && e.data.seq >= 3);
    const busy = await post(srv, `/api/chat/sessions/${s.session_id}/messages`, { content: 'again' });
    assert.equal(busy.status, 409, 'one answer at a time per session');
    const stopped = await post(srv, `/api/chat/sessions/${s.session_id}/stop`, {});
    assert.deepEqual(stopped.body.stopped, [sent.assistant_message_id]);
    const m = await settled(srv, s.session_id, sent.assistant_message_id);
    assert.equal(m.status, 'stopped');
    assert.match(m.content, /^tok0 tok1 tok2 /);
    assert.ok(m.content.split(' ').length < 400, 'partial');
    const req = fake.chats.filter((c) => c.model === 'slow').at(-1)!;
    await until('the fake to see the connection close', async () => req.closedEarly);
    assert.equal(req.ended, false);
    const tokens = sse.events.filter((e) => e.event === 'agentora/chat/didToken' && e.data.message_id === sent.assistant_message_id);
    assert.ok(
      m.content.startsWith(
        tokens
          .map((t) => t.data.delta)
          .join('')
          .slice(0, 10),
      ),
    );
  } finally {
    sse.close();
  }
});

test('Ollama down, model not pulled, garbage and a cut stream are messages with a fix, never a silent stop', async () => {
  const missing = (await post(srv, '/api/chat/sessions', { title: 'missing', model: 'notpulled', memory_mode: 'off' })).body.session;
  const a = (await post(srv, `/api/chat/sessions/${missing.session_id}/messages`, { content: 'hi' })).body;
  const ma = await settled(srv, missing.session_id, a.assistant_message_id);
  assert.equal(ma.status, 'error');
  assert.match(ma.error, /notpulled/);
  assert.match(ma.fix_hint, /ollama pull notpulled/);

  const crashy = (await post(srv, '/api/chat/sessions', { title: 'crashy', model: 'crashy', memory_mode: 'off' })).body.session;
  const c = (await post(srv, `/api/chat/sessions/${crashy.session_id}/messages`, { content: 'hi' })).body;
  const mc = await settled(srv, crashy.session_id, c.assistant_message_id);
  // The fake destroys the socket right after writing, so how much arrives varies; whatever did is kept.
  assert.equal(mc.status, mc.content ? 'interrupted' : 'error', 'a cut stream is marked, never a silent short reply');
  assert.match(mc.error, /closed|not reachable|Ollama/);
  assert.ok(mc.fix_hint);

  const garbage = (await post(srv, '/api/chat/sessions', { title: 'garbage', model: 'garbage', memory_mode: 'off' })).body.session;
  const g = (await post(srv, `/api/chat/sessions/${garbage.session_id}/messages`, { content: 'hi' })).body;
  const mg = await settled(srv, garbage.session_id, g.assistant_message_id);
  assert.equal(mg.status, 'interrupted');
  assert.equal(mg.content, 'tok0 tok1 tok2 ', 'the partial answer is kept');
  assert.ok(mg.error);
  assert.match(mg.fix_hint, /Regenerate/);

  const down = await startServer({ ...liveEnv(), AGENTORA_OLLAMA_URL: 'http://127.0.0.1:9' });
  try {
    const d = (await post(down, '/api/chat/sessions', { title: 'down', memory_mode: 'off' })).body.session;
    const t = (await post(down, `/api/chat/sessions/${d.session_id}/messages`, { content: 'hi' })).body;
    const md = await settled(down, d.session_id, t.assistant_message_id);
    assert.equal(md.status, 'error');
    assert.match(md.error, /not reachable/);
    assert.match(md.fix_hint, /ollama serve/);
  } finally {
    await down.stop();
  }
});

test('a graceful stop mid-answer keeps what arrived and marks it interrupted at once', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'agentora-chat-term-'));
  try {
    const a = await startServer(liveEnv(), 15000, { dataDir });
    const s = (await post(a, '/api/chat/sessions', { title: 'term', model: 'slow', memory_mode: 'off' })).body.session;
    const t = (await post(a, `/api/chat/sessions/${s.session_id}/messages`, { content: 'long answer please' })).body;
    await until('tokens to arrive', async () => (await message(a, s.session_id, t.assistant_message_id))?.content.length > 10);
    await a.stop(); // SIGTERM
    const b = await startServer(liveEnv(), 15000, { dataDir });
    try {
      const m = await message(b, s.session_id, t.assistant_message_id);
      assert.equal(m.status, 'interrupted');
      assert.match(m.content, /^tok0 tok1 /);
    } finally {
      await b.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('kill -9 mid-answer: after a restart the answer keeps what arrived and is marked interrupted', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'agentora-chat-kill-'));
  try {
    const a = await startServer(liveEnv(), 15000, { dataDir });
    const s = (await post(a, '/api/chat/sessions', { title: 'crash', model: 'slow', memory_mode: 'off' })).body.session;
    const t = (await post(a, `/api/chat/sessions/${s.session_id}/messages`, { content: 'long answer please' })).body;
    const partial = await until('some of the answer to be persisted', async () => {
      const m = await message(a, s.session_id, t.assistant_message_id);
      return m && m.content.length > 20 ? m : undefined;
    });
    assert.equal(partial.status, 'streaming');
    a.proc.kill('SIGKILL');
    await new Promise((r) => a.proc.once('exit', r));
    const b = await startServer(liveEnv(), 15000, { dataDir });
    try {
      const m = await message(b, s.session_id, t.assistant_message_id);
      assert.equal(m.status, 'interrupted');
      assert.ok(m.content.startsWith(partial.content), 'what arrived is kept');
      assert.match(m.fix_hint, /Regenerate/);
      const regen = (await post(b, `/api/chat/sessions/${s.session_id}/messages/${t.assistant_message_id}/regenerate`, {})).body;
      await until('the regenerated answer to stream', async () => (await message(b, s.session_id, regen.assistant_message_id))?.content.length > 0);
      await post(b, `/api/chat/sessions/${s.session_id}/stop`, {});
      await settled(b, s.session_id, regen.assistant_message_id);
    } finally {
      await b.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
