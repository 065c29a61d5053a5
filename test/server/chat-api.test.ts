// Chat through the real server: sessions in SQLite (list, FTS search, rename, delete + undo, export), turns as
// jobs whose tokens stream over SSE, and the memory use of a turn — in mock mode (no model installed).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server';
import { readSse, rpc, until } from './chat-helpers';

let srv: TestServer;
before(async () => {
  srv = await startServer({ AGENTORA_USE_MOCK_OLLAMA: 'true' });
});
after(() => srv.stop());

const json = async (r: Response) => ({ status: r.status, body: (await r.json()) as any });
const post = (p: string, body: unknown) => srv.fetch(p, { method: 'POST', body: JSON.stringify(body) }).then(json);
const get = (p: string) => srv.fetch(p).then(json);

async function answered(sessionId: number, messageId: number) {
  return until(`message ${messageId} to finish`, async () => {
    const d = (await get(`/api/chat/sessions/${sessionId}`)).body;
    const m = d.messages.find((x: any) => x.message_id === messageId);
    return m && m.status !== 'streaming' ? { d, m } : undefined;
  });
}

test('sessions: create, list newest first with paging, rename, search titles and contents, bad input names the field', async () => {
  const a = await post('/api/chat/sessions', { title: 'Alpha planning', memory_mode: 'off' });
  assert.equal(a.status, 201);
  assert.equal(a.body.session.memory_mode, 'off');
  const b = await post('/api/chat/sessions', { title: 'Beta', model: 'mock-chat', system_prompt: 'Be brief.', temperature: 0.2, num_ctx: 4096 });
  assert.equal(b.body.session.temperature, 0.2);
  assert.equal(b.body.session.num_ctx, 4096);
  const list = (await get('/api/chat/sessions?limit=1')).body;
  assert.equal(list.items.length, 1);
  assert.equal(list.items[0].session_id, b.body.session.session_id, 'newest first');
  assert.ok(list.total >= 2);
  const page2 = (await get('/api/chat/sessions?limit=1&offset=1')).body;
  assert.equal(page2.items[0].session_id, a.body.session.session_id);

  const renamed = await srv
    .fetch(`/api/chat/sessions/${b.body.session.session_id}`, {
      method: 'PATCH',
      body: JSON.stringify({ title: 'Gamma rays', memory_mode: 'read_write' }),
    })
    .then(json);
  assert.equal(renamed.body.session.title, 'Gamma rays');
  assert.equal(renamed.body.session.memory_mode, 'read_write');
  assert.deepEqual(
    (await get('/api/chat/sessions?q=gamma')).body.items.map((s: any) => s.session_id),
    [b.body.session.session_id],
  );
  assert.equal((await get('/api/chat/sessions?q=beta')).body.total, 0, 'the old title is no longer indexed');

  const sent = await post(`/api/chat/sessions/${a.body.session.session_id}/messages`, { content: 'Tell me about zeppelins' });
  await answered(a.body.session.session_id, sent.body.assistant_message_id);
  assert.deepEqual(
    (await get('/api/chat/sessions?q=zeppel')).body.items.map((s: any) => s.session_id),
    [a.body.session.session_id],
    'contents are searchable (prefix)',
  );

  const bad = await post('/api/chat/sessions', { title: '', memory_mode: 'sometimes' });
  assert.equal(bad.status, 400);
  assert.match(bad.body.message, /title/);
  assert.match(bad.body.message, /memory_mode/);
  const badTemp = await srv
    .fetch(`/api/chat/sessions/${a.body.session.session_id}`, { method: 'PATCH', body: JSON.stringify({ temperature: 9 }) })
    .then(json);
  assert.equal(badTemp.status, 400);
  assert.match(badTemp.body.message, /temperature/);
  assert.equal((await get(`/api/chat/sessions/${a.body.session.session_id}`)).body.session.temperature, null, 'nothing changed');
  assert.equal((await get('/api/chat/sessions/999999')).status, 404);
});

test('a turn answers at once with ids; tokens stream in order over SSE; the answer is persisted with token counts', async () => {
  const s = (await post('/api/chat/sessions', { title: 'Streaming', memory_mode: 'off' })).body.session;
  const sse = await readSse(srv, `/api/chat/sessions/${s.session_id}/stream`);
  try {
    const t0 = performance.now();
    const sent = await post(`/api/chat/sessions/${s.session_id}/messages`, { content: 'Explain quantum tunnelling simply' });
    assert.equal(sent.status, 202);
    assert.ok(sent.body.user_message_id > 0 && sent.body.assistant_message_id > sent.body.user_message_id);
    assert.ok(performance.now() - t0 < 2000);
    const done = await sse.waitFor((e) => e.event === 'agentora/chat/didMessage' && e.data.status === 'complete');
    const tokens = sse.events.filter((e) => e.event === 'agentora/chat/didToken');
    assert.ok(tokens.length > 1, 'several pieces');
    assert.deepEqual(
      tokens.map((t) => t.data.seq),
      tokens.map((_, i) => i + 1),
      'in order',
    );
    const { m } = await answered(s.session_id, sent.body.assistant_message_id);
    assert.equal(tokens.map((t) => t.data.delta).join(''), m.content);
    assert.match(m.content, /quantum tunnelling/);
    assert.ok(m.eval_count > 0 && m.prompt_eval_count > 0);
    assert.equal(done.data.eval_count, m.eval_count);
  } finally {
    sse.close();
  }
});

test('regenerate and edit-and-resend keep the old branch; selecting a branch switches the active path', async () => {
  const s = (await post('/api/chat/sessions', { title: 'Branches', memory_mode: 'off' })).body.session;
  const first = (await post(`/api/chat/sessions/${s.session_id}/messages`, { content: 'first question about apples' })).body;
  await answered(s.session_id, first.assistant_message_id);
  const regen = await post(`/api/chat/sessions/${s.session_id}/messages/${first.assistant_message_id}/regenerate`, {});
  assert.equal(regen.status, 202);
  const { d } = await answered(s.session_id, regen.body.assistant_message_id);
  assert.deepEqual(
    d.messages.map((m: any) => m.message_id),
    [first.user_message_id, regen.body.assistant_message_id],
  );
  assert.deepEqual(d.messages[1].sibling_ids, [first.assistant_message_id, regen.body.assistant_message_id]);

  // Edit the user turn: a new user message beside the old one (same parent: the root).
  const edited = (await post(`/api/chat/sessions/${s.session_id}/messages`, { content: 'edited question about pears', parent_id: null })).body;
  const e = await answered(s.session_id, edited.assistant_message_id);
  assert.deepEqual(e.d.messages[0].sibling_ids, [first.user_message_id, edited.user_message_id]);
  assert.match(e.m.content, /pears/);

  const back = (await post(`/api/chat/sessions/${s.session_id}/branch`, { message_id: first.user_message_id })).body;
  assert.deepEqual(
    back.messages.map((m: any) => m.message_id),
    [first.user_message_id, regen.body.assistant_message_id],
    'newest answer under the old question',
  );
  const older = (await post(`/api/chat/sessions/${s.session_id}/branch`, { message_id: first.assistant_message_id })).body;
  assert.equal(older.messages[1].message_id, first.assistant_message_id);
  assert.equal(older.session.active_leaf_id, first.assistant_message_id);

  const badParent = await post(`/api/chat/sessions/${s.session_id}/messages`, { content: 'x', parent_id: first.user_message_id });
  assert.equal(badParent.status, 400);
  assert.match(badParent.body.message, /parent_id/);
});

test('delete hides at once and can be undone; export gives Markdown and JSON of the active branch', async () => {
  const s = (await post('/api/chat/sessions', { title: 'Keep me', memory_mode: 'off', system_prompt: 'You are terse.' })).body.session;
  const t = (await post(`/api/chat/sessions/${s.session_id}/messages`, { content: 'What is a monad?' })).body;
  await answered(s.session_id, t.assistant_message_id);

  const md = (await get(`/api/chat/sessions/${s.session_id}/export?format=markdown`)).body;
  assert.equal(md.filename, `chat-${s.session_id}-keep-me.md`);
  assert.match(md.content, /^# Keep me/);
  assert.match(md.content, /## System\n\nYou are terse\./);
  assert.match(md.content, /## User\n\nWhat is a monad\?/);
  assert.match(md.content, /## Assistant\n\n.*monad/);
  const js = (await get(`/api/chat/sessions/${s.session_id}/export?format=json`)).body;
  assert.equal(JSON.parse(js.content).messages.length, 2);

  const del = await srv.fetch(`/api/chat/sessions/${s.session_id}`, { method: 'DELETE' }).then(json);
  assert.equal(del.status, 200);
  assert.ok(Date.parse(del.body.undo_until) > Date.now());
  assert.equal((await get(`/api/chat/sessions/${s.session_id}`)).status, 404);
  assert.ok(!(await get('/api/chat/sessions?limit=200')).body.items.some((x: any) => x.session_id === s.session_id));
  const restored = await post(`/api/chat/sessions/${s.session_id}/restore`, {});
  assert.equal(restored.body.session.title, 'Keep me');
  assert.equal((await get(`/api/chat/sessions/${s.session_id}`)).body.messages.length, 2);
});

test('memory-aware: the turn retrieves relevant memories, records the context, shows why; Remember this and end-of-session proposals', async () => {
  const mem = { body: await rpc(srv, 'agentora/memory/create', { text: 'The deploy target for the billing service is staging-eu-3', kind: 'fact' }) };
  const s = (await post('/api/chat/sessions', { title: 'Deploys', memory_mode: 'read_write' })).body.session;
  const t = (
    await post(`/api/chat/sessions/${s.session_id}/messages`, {
      content: 'Where is the billing service deploy target? We always deploy on Tuesdays.',
    })
  ).body;
  const { m } = await answered(s.session_id, t.assistant_message_id);
  const used = m.memories.find((x: any) => x.capsule_id === mem.body.capsule.capsule_id);
  assert.ok(used, 'the memory was used');
  assert.ok(used.score > 0);
  assert.ok('final' in used.breakdown, 'with its score breakdown');
  assert.ok(used.reason.length > 0);
  assert.ok(m.context_id);
  const contexts = await rpc(srv, 'agentora/memory/runContexts', { run_id: `chat-${s.session_id}` });
  assert.ok(
    contexts.contexts.some((c: any) => c.context_id === m.context_id),
    'recorded as the turn context',
  );

  const rem = await post(`/api/chat/messages/${t.user_message_id}/remember`, {});
  assert.equal(rem.status, 201);
  const cap = (await rpc(srv, 'agentora/memory/get', { capsule_id: rem.body.capsule_id })).capsule;
  assert.equal(cap.source, 'chat');
  assert.equal(cap.source_ref, `chat:${s.session_id}/${t.user_message_id}`);

  const before = (await rpc(srv, 'agentora/memory/list', { limit: 500 })).total;
  const end = await post(`/api/chat/sessions/${s.session_id}/end`, {});
  assert.ok(end.body.session.ended_at);
  const p = end.body.proposals.find((x: any) => /deploy on Tuesdays/.test(x.text));
  assert.ok(p, 'a proposal, not a memory');
  assert.equal((await rpc(srv, 'agentora/memory/list', { limit: 500 })).total, before, 'no silent write');
  const acc = await post(`/api/chat/proposals/${p.proposal_id}`, { decision: 'accept' });
  assert.equal(acc.body.proposal.status, 'accepted');
  assert.equal((await rpc(srv, 'agentora/memory/get', { capsule_id: acc.body.proposal.capsule_id })).capsule.source, 'chat');
  assert.equal((await post(`/api/chat/proposals/${p.proposal_id}`, { decision: 'reject' })).status, 409);

  const off = (await post('/api/chat/sessions', { title: 'No memory', memory_mode: 'off' })).body.session;
  const o = (await post(`/api/chat/sessions/${off.session_id}/messages`, { content: 'Where is the billing service deploy target?' })).body;
  assert.deepEqual((await answered(off.session_id, o.assistant_message_id)).m.memories, []);
});
