// Budgets and the agent's model on the real server against the fake Ollama (real client, real wire), the parts
// runs.test.ts does not cover: max_seconds stops a run whose model call is slower than its time budget (the call
// is aborted, the run is `stopped` with `max_seconds`); the same tool call repeated stops it with `no_progress`;
// each agent's model is the one its calls are made with (the earlier product ignored it).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server';
import { startFakeOllama, type FakeOllama, type FakeOllamaOptions } from '../fakes/ollama';

const TERMINAL = ['completed', 'stopped', 'failed', 'cancelled', 'interrupted'];

describe('run budgets (max_seconds, no_progress) and the agent model', () => {
  let fake: FakeOllama;
  let srv: TestServer;
  const post = async (p: string, body: unknown = {}) => {
    const r = await srv.fetch(p, { method: 'POST', body: JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as any };
  };
  const finished = async (id: string) => {
    const end = Date.now() + 20000;
    for (;;) {
      const b = (await (await srv.fetch(`/api/runs/${id}`)).json()) as any;
      if (TERMINAL.includes(b.run.status)) return b;
      if (Date.now() > end) throw new Error(`run ${id} did not end: ${JSON.stringify(b.run)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  /** A single-agent team (no planning call) of one agent with these tools and model. */
  const team = async (name: string, tools: string[], model?: string) => {
    const a = await post('/api/agents', { name, role: 'executor', tools, ...(model ? { model } : {}) });
    assert.equal(a.status, 200, JSON.stringify(a.body));
    return (await post('/api/teams', { name: `${name} team`, mode: 'single_agent', agent_ids: [a.body.id] })).body.id as number;
  };

  before(async () => {
    fake = await startFakeOllama(['llama3.2:latest', 'qwen2.5:0.5b', 'nomic-embed-text:latest'], fakeOpts);
  });
  // The fake reads chatDelayMs at each request: the max_seconds test slows it down for its run only.
  const fakeOpts: FakeOllamaOptions = {
    chatDelayMs: 0,
    chat: (body) => {
      const task = body.messages.find((m) => m.role === 'user')?.content ?? '';
      const last = body.messages.at(-1)!.content;
      if (/^Goal:/.test(last)) return 'Final answer.';
      if (task.includes('loop-test') && body.tools)
        return { content: 'searching again', tool_calls: [{ function: { name: 'memory_search', arguments: { query: 'the same thing' } } }] };
      return `Answer from ${body.model}`;
    },
  };
  before(async () => {
    srv = await startServer({ AGENTORA_USE_MOCK_OLLAMA: 'false', AGENTORA_OLLAMA_URL: fake.url, AGENTORA_MEMORY_EMBEDDINGS_ENABLED: 'false' });
  });
  after(async () => {
    await srv.stop();
    await fake.close();
  });

  test("each agent's calls use its own model", async () => {
    const id = (await post('/api/runs', { team_id: await team('Small', [], 'qwen2.5:0.5b'), prompt: 'model-test: say hi' })).body.run_id;
    const done = await finished(id);
    assert.equal(done.run.status, 'completed', JSON.stringify(done.run));
    const calls = fake.chats.filter((c) => c.messages.some((m) => m.content.includes('model-test')));
    assert.ok(calls.length >= 1);
    const agentCalls = calls.filter((c) => !/^Goal:/.test(c.messages.at(-1)!.content));
    assert.ok(agentCalls.length >= 1 && agentCalls.every((c) => c.model === 'qwen2.5:0.5b'), JSON.stringify(calls.map((c) => c.model)));
    assert.match(done.messages[0].content, /Answer from qwen2\.5:0\.5b/);
  });

  test('the same tool call twice in a row stops the run with no_progress', async () => {
    const id = (
      await post('/api/runs', { team_id: await team('Looper', ['memory_search']), prompt: 'loop-test: find it', max_turns: 20, token_budget: 1e6 })
    ).body.run_id;
    const done = await finished(id);
    assert.deepEqual([done.run.status, done.run.stop_reason], ['stopped', 'no_progress'], JSON.stringify(done.run));
    assert.match(done.run.error ?? '', /repeated the same tool call/);
    // Stopped at the repeat: two model calls asked for the tool, no third.
    assert.equal(fake.chats.filter((c) => c.tools && c.messages.some((m) => m.content.includes('loop-test'))).length, 2);
  });

  test('max_seconds stops a run whose model call outlasts it (the call is aborted)', async () => {
    fakeOpts.chatDelayMs = 2500;
    try {
      const id = (
        await post('/api/runs', { team_id: await team('Slow', []), prompt: 'slow-test: take your time', max_seconds: 1, token_budget: 1e6 })
      ).body.run_id;
      const done = await finished(id);
      assert.deepEqual([done.run.status, done.run.stop_reason], ['stopped', 'max_seconds'], JSON.stringify(done.run));
      // Nothing came of the slow call: no answer, no message, no final output.
      assert.equal(done.run.final_output, null);
      assert.deepEqual(done.messages, []);
    } finally {
      fakeOpts.chatDelayMs = 0;
    }
  });
});
