// The model layer's concurrency cap (agentora.models.maxParallel): never more chat calls at Ollama than the cap,
// waiting calls served fairly (round-robin between kinds of callers), a cancelled waiting call never reaches
// Ollama, and a waiting call's own timeout starts only once it is sent. Against the Ollama fake over real HTTP,
// through the official client.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { OllamaProvider } from '../../server/src/bridges/models/ollama';
import { CallQueue } from '../../server/src/bridges/models/queue';
import { collectChat, ModelProviderError, type ChatRequest } from '../../server/src/bridges/models';
import { createModelProvider } from '../../server/src/bridges/models';
import { loadConfig } from '../../server/src/config';
import { startFakeOllama, type FakeOllama } from '../fakes/ollama';

let fake: FakeOllama;
before(async () => {
  // "slow" answers 8 tokens 60 ms apart: calls overlap long enough for a queue to form.
  fake = await startFakeOllama(['slow:latest', 'llama3.2:latest'], { slowTokens: 8, slowDelayMs: 60 });
});
after(() => fake.close());

const until = async (what: string, ok: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
};
const ask = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({ model: 'slow', messages: [{ role: 'user', content }], ...extra });

test('the queue: at most `max` at once, FIFO in a lane, lanes take turns, a raised cap lets waiting calls in', async () => {
  const q = new CallQueue(1);
  const order: string[] = [];
  const first = await q.acquire('workflow');
  const waits = ['w1', 'w2', 'w3'].map((n) => q.acquire('workflow').then((r) => (order.push(n), r)));
  const chat = q.acquire('chat').then((r) => (order.push('c1'), r));
  assert.equal(q.running, 1);
  assert.equal(q.waiting, 4);
  first();
  first(); // a second release of the same slot is ignored
  const r1 = await waits[0]!;
  assert.equal(q.running, 1);
  r1();
  const rc = await chat; // the chat lane's turn comes before the workflow lane's second call
  assert.deepEqual(order, ['w1', 'c1']);
  q.setMax(3);
  const [r2, r3] = await Promise.all([waits[1]!, waits[2]!]);
  assert.deepEqual(order, ['w1', 'c1', 'w2', 'w3']);
  assert.equal(q.running, 3);
  [rc, r2, r3].forEach((r) => r());
  assert.equal(q.running, 0);
});

test('the queue: a waiting call whose signal aborts leaves at once with an `aborted` error', async () => {
  const q = new CallQueue(1);
  const hold = await q.acquire('a');
  const ac = new AbortController();
  const waiting = q.acquire('a', ac.signal);
  const next = q.acquire('a');
  ac.abort();
  await assert.rejects(waiting, (e: ModelProviderError) => e.code === 'aborted');
  assert.equal(q.waiting, 1);
  hold();
  (await next)();
  assert.equal(q.running, 0);
  await assert.rejects(q.acquire('a', AbortSignal.abort()), ModelProviderError);
});

test('never more chat calls at Ollama than maxParallel; all of them answer', async () => {
  const p = new OllamaProvider({ host: fake.url, chatModel: 'slow', embedModel: 'x', timeoutMs: 30_000, maxParallel: 2 });
  const kinds = ['workflow_model_call', 'model_chat', 'team_step'] as const;
  const replies = await Promise.all(Array.from({ length: 7 }, (_, i) => collectChat(p.chat(ask(`q${i}`, { route: { kind: kinds[i % 3]! } })))));
  assert.equal(replies.length, 7);
  for (const r of replies) assert.equal(r.last?.done, true);
  assert.equal(fake.maxOpenChats, 2, 'the fake saw exactly the cap at once (not more, and the cap was used)');
});

test('a cancelled waiting call never reaches Ollama; a consumer that stops reading frees its slot', async () => {
  const p = new OllamaProvider({ host: fake.url, chatModel: 'slow', embedModel: 'x', timeoutMs: 30_000, maxParallel: 1 });
  const before = fake.chats.length;
  const running = collectChat(p.chat(ask('first')));
  await until('the first call at the fake', () => fake.chats.length === before + 1);
  const ac = new AbortController();
  const cancelled = collectChat(p.chat(ask('cancelled while waiting', { signal: ac.signal })));
  ac.abort();
  await assert.rejects(cancelled, (e: ModelProviderError) => e.code === 'aborted');
  await running;
  // A consumer that leaves after the first token: the request is closed (the fake sees it) and the slot is free.
  for await (const c of p.chat(ask('leave early'))) if (c.content) break;
  await until('the early leaver closed at the fake', () => fake.chats.at(-1)?.closedEarly === true);
  const last = await collectChat(p.chat(ask('after')));
  assert.equal(last.last?.done, true);
  const asked = fake.chats.slice(before).map((c) => c.messages.at(-1)?.content);
  assert.deepEqual(asked, ['first', 'leave early', 'after'], 'the cancelled call never reached Ollama');
});

test("a waiting call's timeout starts when it is sent, not while it waits its turn", async () => {
  // Each call takes ~500 ms; with one slot the last ones wait 2–2.5 s, longer than the 2 s timeout of a call.
  const p = new OllamaProvider({ host: fake.url, chatModel: 'slow', embedModel: 'x', timeoutMs: 2000, maxParallel: 1 });
  const replies = await Promise.all(Array.from({ length: 6 }, (_, i) => collectChat(p.chat(ask(`t${i}`)))));
  for (const r of replies) assert.equal(r.last?.done, true);
});

test('the setting reaches the provider: agentora.models.maxParallel caps the calls the server makes', async () => {
  // The queue is per base URL: this provider's setting becomes the cap of the queue the tests above used.
  const config = loadConfig({
    env: { AGENTORA_USE_MOCK_OLLAMA: 'false', AGENTORA_OLLAMA_URL: fake.url, AGENTORA_OLLAMA_MAX_PARALLEL: '3' },
    dotenvFiles: [],
  });
  assert.equal(config['models.maxParallel'], 3);
  const p = createModelProvider(config);
  let open = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: 6 }, async (_, i) => {
      for await (const c of p.chat(ask(`s${i}`))) {
        if (c.content === 'tok0 ') most = Math.max(most, ++open);
        if (c.done) open--;
      }
    }),
  );
  assert.equal(most, 3);
});

test('sequential calls reuse keep-alive connections (no new connection per call)', async () => {
  const p = new OllamaProvider({ host: fake.url, chatModel: 'llama3.2', embedModel: 'x', timeoutMs: 30_000, maxParallel: 4 });
  await collectChat(p.chat({ messages: [{ role: 'user', content: 'warm' }] }));
  const conns = fake.connections;
  for (let i = 0; i < 10; i++) await collectChat(p.chat({ messages: [{ role: 'user', content: `seq ${i}` }] }));
  assert.ok(fake.connections - conns <= 1, `10 sequential calls opened ${fake.connections - conns} connections`);
});
