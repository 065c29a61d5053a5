// The per-token path of a streamed answer (issue 11's budget "every token arrives in order"): a burst of tokens
// read from Ollama at once still reaches the session stream and /api/events as one SSE event per token, in order,
// none lost, each payload exactly didToken's schema (the bus does not re-check this hot notification). The bench
// trace route (GET /api/debug/chat-trace) exists only when the server starts with AGENTORA_BENCH_CHAT_TRACE=1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeOllama, type FakeOllama } from '../fakes/ollama';
import { startServer, type TestServer } from '../helpers/server';
import { readSse } from './chat-helpers';
import { didToken } from '../../server/src/protocol/chat';

const N = 1500;
let fake: FakeOllama;
let srv: TestServer;
let traced: TestServer;
const env = () => ({
  AGENTORA_USE_MOCK_OLLAMA: 'false',
  AGENTORA_OLLAMA_URL: fake.url,
  AGENTORA_OLLAMA_CHAT_MODEL: 'slow',
  AGENTORA_MEMORY_EMBEDDINGS_ENABLED: 'false',
});
before(async () => {
  // slowDelayMs 0: the fake writes every token at once, so the server reads many tokens per socket read.
  fake = await startFakeOllama(['slow:latest'], { slowTokens: N, slowDelayMs: 0 });
  srv = await startServer(env());
  traced = await startServer({ ...env(), AGENTORA_BENCH_CHAT_TRACE: '1' });
});
after(async () => {
  await srv.stop();
  await traced.stop();
  await fake.close();
});

const post = (s: TestServer, p: string, body: unknown) =>
  s.fetch(p, { method: 'POST', body: JSON.stringify(body) }).then((r) => r.json() as Promise<any>);

async function streamOnce(s: TestServer) {
  const { session } = await post(s, '/api/chat/sessions', { title: 'burst', memory_mode: 'off' });
  const own = await readSse(s, `/api/chat/sessions/${session.session_id}/stream`);
  const all = await readSse(s, '/api/events');
  const r = await post(s, `/api/chat/sessions/${session.session_id}/messages`, { content: 'go' });
  const done = (e: { event: string; data: any }) =>
    e.event === 'agentora/chat/didMessage' && e.data.message_id === r.assistant_message_id && e.data.status === 'complete';
  await own.waitFor(done, 30000);
  await all.waitFor(done, 30000);
  own.close();
  all.close();
  const tokens = (events: { event: string; data: any }[]) =>
    events.filter((e) => e.event === 'agentora/chat/didToken' && e.data.message_id === r.assistant_message_id).map((e) => e.data);
  return { sessionId: session.session_id as number, messageId: r.assistant_message_id as number, own: tokens(own.events), all: tokens(all.events) };
}

test('a burst of tokens: one event per token on the session stream and on /api/events, in order, none lost, exact schema', async () => {
  const { sessionId, messageId, own, all } = await streamOnce(srv);
  for (const list of [own, all]) {
    assert.equal(list.length, N);
    list.forEach((t, k) => {
      assert.deepEqual(t, { session_id: sessionId, message_id: messageId, seq: k + 1, delta: `tok${k} ` });
      didToken.payload.strict().parse(t); // nothing more, nothing less than the declared payload
    });
  }
  // The answer kept in SQLite is every token, in order.
  const m = ((await (await srv.fetch(`/api/chat/sessions/${sessionId}`)).json()) as any).messages.find((x: any) => x.message_id === messageId);
  assert.equal(m.content, Array.from({ length: N }, (_, k) => `tok${k} `).join(''));
});

test('the bench trace route exists only with AGENTORA_BENCH_CHAT_TRACE=1, and then times every token', async () => {
  assert.equal((await srv.fetch('/api/debug/chat-trace?message_id=1')).status, 404);
  const { messageId } = await streamOnce(traced);
  const body = (await (await traced.fetch(`/api/debug/chat-trace?message_id=${messageId}`)).json()) as {
    added_ms: (number | null)[];
    added_cpu_ms: (number | null)[];
  };
  for (const samples of [body.added_ms, body.added_cpu_ms]) {
    assert.equal(samples.length, N);
    assert.ok(samples.every((x) => typeof x === 'number' && x >= 0));
  }
  // Without the token it is refused like any other API route.
  assert.equal((await traced.fetch(`/api/debug/chat-trace?message_id=${messageId}`, { auth: false })).status, 401);
});
