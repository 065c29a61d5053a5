// An agent's loop inside a run, on the real server against the fake Ollama (real client, tool-call answers on
// the real wire): a write is proposed to the safe-actions queue and the run waits (waiting_approval) until the
// operator decides over the real HTTP API — approve writes the file once, deny reaches the agent as an
// observation and the run continues without it; read-only memory search runs directly; the step cap stops the
// run with stop_reason step_cap; the live stream (SSE) carries it all; the outcome is stored as a memory.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type TestServer } from '../helpers/server';
import { startFakeOllama, type FakeOllama } from '../fakes/ollama';

const TERMINAL = ['completed', 'stopped', 'failed', 'cancelled', 'interrupted'];

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, ms = 15000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('an agent loop with tools: approvals, observations, step caps, live stream', () => {
  let fake: FakeOllama;
  let srv: TestServer;
  const ws = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentora-runs-ws-')));
  const post = async (p: string, body: unknown = {}) => {
    const r = await srv.fetch(p, { method: 'POST', body: JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as any };
  };
  const get = async (p: string) => {
    const r = await srv.fetch(p);
    return { status: r.status, body: (await r.json()) as any };
  };
  let approvedRun = '';
  const runOf = async (id: string) => (await get(`/api/runs/${id}`)).body;
  const finished = (id: string) => until(`run ${id} to end`, async () => ((b) => (TERMINAL.includes(b.run.status) ? b : null))(await runOf(id)));
  const waiting = (id: string) =>
    until(`run ${id} to wait for approval`, async () =>
      ((b) => (b.run.status === 'waiting_approval' && b.run.waiting_action_id ? b.run : null))(await runOf(id)),
    );

  /** A team of one agent (single_agent mode: no planning call) with these tools and step cap. */
  async function team(name: string, tools: string[], maxSteps: number, memoryMode = 'read'): Promise<number> {
    const agent = await post('/api/agents', { name, role: 'executor', tools, memory_mode: memoryMode, capabilities: { max_tool_steps: maxSteps } });
    assert.equal(agent.status, 200, JSON.stringify(agent.body));
    const t = await post('/api/teams', { name: `${name} team`, mode: 'single_agent', agent_ids: [agent.body.id] });
    assert.equal(t.status, 200, JSON.stringify(t.body));
    return t.body.id;
  }
  /** The observations the model was sent back for a run (tool messages, in order). */
  const observationsSent = (marker: string) =>
    fake.chats
      .filter((c) => c.tools && c.messages.some((m) => m.content.includes(marker)))
      .at(-1)
      ?.messages.filter((m) => m.role === 'tool')
      .map((m) => m.content) ?? [];

  before(async () => {
    // No delay at the fake: the live stream replays the run's logged events, so a client that connects after the
    // run's first steps still sees every one of them.
    fake = await startFakeOllama(undefined, {
      chat: (body) => {
        const msgs = body.messages as Array<{ role: string; content: string }>;
        const last = msgs.at(-1)!;
        const task = msgs.find((m) => m.role === 'user')?.content ?? '';
        if (/^Goal:/.test(last.content)) return `Final answer for ${/Goal: (\S+)/.exec(last.content)?.[1]}`;
        if (!body.tools) return 'no tools offered';
        const file = /write \w+ to (\S+\.txt)/.exec(task)?.[1];
        if (task.includes('cap-test')) {
          // Always wants one more search (different each time, so it is not "no progress"): the cap must stop it.
          const n = msgs.filter((m) => m.role === 'tool').length;
          return { content: 'searching', tool_calls: [{ function: { name: 'memory_search', arguments: { query: `budget notes ${n}` } } }] };
        }
        if (last.role === 'tool') return `After the tool: ${last.content.slice(0, 120)}`;
        if (file)
          return {
            content: `I will write ${file}.`,
            tool_calls: [{ function: { name: 'desktop_write_text', arguments: { path: file, content: `hello from ${file}` } } }],
          };
        return 'nothing to do';
      },
    });
    srv = await startServer({ AGENTORA_USE_MOCK_OLLAMA: 'false', AGENTORA_OLLAMA_URL: fake.url, AGENTORA_ALLOWED_PATH_ROOTS: ws });
  });
  after(async () => {
    await srv.stop();
    await fake.close();
    rmSync(ws, { recursive: true, force: true });
  });

  test('a write waits for approval; approve over HTTP writes the file once; the agent observes it; live stream and memory', async () => {
    const teamId = await team('Writer', ['desktop_write_text'], 3, 'read_write');
    const created = await post('/api/runs', { team_id: teamId, prompt: 'approve-test: write hello to a.txt', max_turns: 10, token_budget: 100000 });
    const id = created.body.run_id;
    approvedRun = id;
    // The live stream, read as a client would, from right after the run was created.
    const ac = new AbortController();
    const events: Array<{ event: string; data: any }> = [];
    const res = await srv.fetch(`/api/runs/${id}/stream`, { signal: ac.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const reading = (async () => {
      const dec = new TextDecoder();
      let buf = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buf += dec.decode(chunk, { stream: true });
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const frame = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const ev = /^event: (.*)$/m.exec(frame)?.[1];
            const data = /^data: (.*)$/m.exec(frame)?.[1];
            if (ev && data) events.push({ event: ev, data: JSON.parse(data) });
          }
        }
      } catch {
        // aborted at the end of the test
      }
    })();

    const run = await waiting(id);
    const action = (await get(`/api/actions/${run.waiting_action_id}`)).body;
    assert.equal(action.status, 'pending');
    assert.equal(action.tool_name, 'desktop_write_text');
    assert.equal(action.run_id, id);
    assert.equal(existsSync(path.join(ws, 'a.txt')), false, 'written before approval');

    const ok = await post(`/api/actions/${run.waiting_action_id}/approve`, { reason: 'fine' });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const done = await finished(id);
    assert.equal(done.run.status, 'completed', JSON.stringify(done.run));
    assert.equal(readFileSync(path.join(ws, 'a.txt'), 'utf8'), 'hello from a.txt');
    assert.equal(done.run.waiting_action_id, null);
    const seen = observationsSent('approve-test');
    assert.equal(seen.length, 1);
    assert.match(seen[0]!, /^Done \(action #\d+/);
    // Waiting for a person made no model calls: every call of the agent's loop but the one that asked for the tool
    // came after the observation (a call made while waiting could not have had it).
    const runCalls = fake.chats.filter((c) => c.tools && c.messages.some((m) => m.content.includes('approve-test')));
    assert.equal(runCalls.filter((c) => !c.messages.some((m) => m.role === 'tool')).length, 1, 'a model call while waiting for approval');
    assert.match(done.messages[0].content, /After the tool: Done/);
    assert.equal(done.run.final_output, 'Final answer for approve-test:');
    // Approved once, executed once.
    const hist = (await get(`/api/actions/history?run_id=${id}`)).body;
    const items = hist.items ?? hist;
    assert.equal(items.filter((a: any) => a.status === 'executed').length, 1);

    await until('the stream to see the run complete', async () => events.some((e) => e.data.kind === 'status' && e.data.status === 'completed'));
    ac.abort();
    await reading;
    const kinds = new Set(events.map((e) => e.data.kind ?? e.event));
    for (const k of ['agentora/runs/snapshot', 'tool_call', 'approval', 'tool_result', 'token', 'step', 'status'])
      assert.ok(kinds.has(k), `stream lacks ${k}`);
    assert.ok(events.some((e) => e.data.kind === 'status' && e.data.status === 'waiting_approval'));
    assert.ok(
      events.every((e) => e.event === 'agentora/runs/snapshot' || e.data.run_id === id),
      'another run leaked into the stream',
    );

    // The outcome is a memory, linked to the run.
    const mem = (await get('/api/memory/capsules?source=run')).body;
    const memItems = mem.items ?? mem;
    assert.ok(
      memItems.some((m: any) => m.source_ref === `run:${id}` && m.text.includes('Final answer')),
      JSON.stringify(memItems).slice(0, 500),
    );
    assert.ok((await get(`/api/runs/${id}/trace`)).body.trace.some((e: any) => e.event_type === 'memory_stored'));
  });

  test('deny reaches the agent as an observation; the run continues without the file', async () => {
    const teamId = await team('Writer2', ['desktop_write_text'], 3);
    const id = (await post('/api/runs', { team_id: teamId, prompt: 'deny-test: write bye to b.txt', max_turns: 10, token_budget: 100000 })).body
      .run_id;
    const run = await waiting(id);
    const denied = await post(`/api/actions/${run.waiting_action_id}/deny`, { reason: 'not this file' });
    assert.equal(denied.status, 200, JSON.stringify(denied.body));
    const done = await finished(id);
    assert.equal(done.run.status, 'completed', JSON.stringify(done.run));
    assert.equal(existsSync(path.join(ws, 'b.txt')), false);
    const seen = observationsSent('deny-test');
    assert.equal(seen.length, 1);
    assert.match(seen[0]!, /Denied by .*not this file.*did NOT happen/);
    assert.match(done.messages[0].content, /After the tool: Denied/);
    // Memory mode read (not read_write on every member — here the only one): still remembered, since it is not none.
    const trace = (await get(`/api/runs/${id}/trace`)).body.trace;
    assert.ok(trace.some((e: any) => e.event_type === 'tool_result' && /Denied/.test(e.payload.output)));
  });

  test('cancel while waiting for approval ends the run and withdraws (denies) the pending action', async () => {
    const teamId = await team('Writer3', ['desktop_write_text'], 3);
    const id = (await post('/api/runs', { team_id: teamId, prompt: 'cancel-wait: write x to c.txt', max_turns: 10, token_budget: 100000 })).body
      .run_id;
    const run = await waiting(id);
    assert.equal((await post(`/api/runs/${id}/cancel`)).status, 200);
    const done = await finished(id);
    assert.equal(done.run.status, 'cancelled');
    // The action it waited on is withdrawn (denied), so a later approval cannot write for a cancelled run.
    const a = (await get(`/api/actions/${run.waiting_action_id}`)).body;
    assert.deepEqual([a.status, a.decision_reason], ['denied', `run ${id} was cancelled`]);
    assert.equal((await post(`/api/actions/${a.id}/approve`, {})).status, 409);
    assert.equal(existsSync(path.join(ws, 'c.txt')), false);
  });

  test('read-only memory search runs directly; asking past the step cap stops the run with stop_reason step_cap', async () => {
    const teamId = await team('Searcher', ['memory_search'], 2);
    const id = (await post('/api/runs', { team_id: teamId, prompt: 'cap-test: look things up', max_turns: 10, token_budget: 100000 })).body.run_id;
    const done = await finished(id);
    assert.deepEqual([done.run.status, done.run.stop_reason], ['stopped', 'step_cap'], JSON.stringify(done.run));
    assert.match(done.run.error, /Searcher asked for tool step 3 on subgoal s1; its step cap is 2/);
    const trace = (await get(`/api/runs/${id}/trace`)).body.trace;
    const results = trace.filter((e: any) => e.event_type === 'tool_result');
    assert.equal(results.length, 2);
    assert.ok(results.every((e: any) => /memory_search/.test(e.payload.output)));
    // No action was proposed for a memory search.
    const hist = (await get(`/api/actions/history?run_id=${id}`)).body;
    assert.equal((hist.items ?? hist).length, 0);
    // Each search is recorded as the run's memory context.
    const ctxs = (await get(`/api/memory/runs/${id}/contexts`)).body;
    assert.equal((ctxs.items ?? ctxs).length, 2);
  });

  test('reports: actions and artifacts, team view with metrics, a Markdown report, analytics and CSV from SQL', async () => {
    const id = approvedRun;
    const acts = (await get(`/api/runs/${id}/actions`)).body;
    assert.equal(acts.ok, true);
    assert.equal(acts.requests.length, 1);
    assert.equal(acts.requests[0].status, 'executed');
    assert.equal(acts.executions.length, 1);
    assert.deepEqual(
      acts.artifacts.map((a: any) => [a.kind, path.basename(a.path)]),
      [['file', 'a.txt']],
    );
    const team = (await get(`/api/runs/${id}/team`)).body;
    assert.equal(team.metric.subgoals_done, 1);
    assert.equal(team.metric.tool_calls, 1);
    assert.equal(team.metric.actions_proposed, 1);
    assert.deepEqual((await get(`/api/runs/${id}/handoffs`)).body, { ok: true, items: [] });

    const rep = await srv.fetch(`/api/exports/run/${id}`);
    assert.equal(rep.status, 200);
    assert.match(rep.headers.get('content-type') ?? '', /text\/markdown/);
    assert.match(rep.headers.get('content-disposition') ?? '', new RegExp(`${id}\\.md`));
    const md = await rep.text();
    for (const want of [
      /^# Run report: approve-test/m,
      /Status: \*\*completed\*\*/,
      /Tool call: `desktop_write_text`/,
      /Observation: Done/,
      /#\d+ write \d+ bytes to .*a\.txt — \*\*executed\*\* by /,
      /## Answer\n\nFinal answer for approve-test:/,
    ])
      assert.match(md, want);

    const ov = (await get('/api/analytics/overview')).body;
    assert.ok(ov.runs_total >= 3);
    assert.ok(ov.by_status.completed >= 2);
    assert.ok(ov.actions.executed >= 1 && ov.actions.denied >= 1);
    const one = (await get(`/api/analytics/runs/${id}`)).body;
    assert.equal(one.steps_by_kind.tool_call, 1);
    assert.equal(one.steps_by_kind.tool_result, 1);
    assert.equal(one.actions.executed, 1);
    assert.ok(one.agents.some((a: any) => a.agent_name === 'Writer' && a.prompt_tokens > 0));
    const csv = await srv.fetch('/api/analytics/export.csv');
    assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    assert.equal(
      lines[0],
      'id,team_id,mode,status,stop_reason,turns_used,max_turns,tokens_used,token_budget,seconds_used,created_at,finished_at,prompt',
    );
    assert.ok(lines.some((l) => l.startsWith(`${id},`) && l.includes(',completed,')));
    for (const p of ['/actions', '/team', '/handoffs']) assert.equal((await srv.fetch(`/api/runs/nope${p}`)).status, 404, p);
    assert.equal((await srv.fetch('/api/exports/run/nope')).status, 404);
    assert.equal((await srv.fetch('/api/analytics/runs/nope')).status, 404);
  });

  test('unknown run stream → 404', async () => {
    assert.equal((await srv.fetch('/api/runs/nope/stream')).status, 404);
  });
});
