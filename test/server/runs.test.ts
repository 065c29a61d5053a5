// Runs as durable background jobs on the real server: answers at once, plan → subgoals → synthesis, budgets
// stop with their reason, invalid plans fail, pause makes no model calls (counted at the fake Ollama), a
// kill -9 mid-run resumes without repeating a completed step, and a model dying mid-run fails the run.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
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

function client(srv: () => TestServer) {
  const post = async (p: string, body: unknown = {}) => {
    const r = await srv().fetch(p, { method: 'POST', body: JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as any };
  };
  const get = async (p: string) => {
    const r = await srv().fetch(p);
    return { status: r.status, body: (await r.json()) as any };
  };
  const finished = (id: string) =>
    until(`run ${id} to end`, async () => {
      const r = await get(`/api/runs/${id}`);
      return TERMINAL.includes(r.body.run.status) ? r.body : null;
    });
  return { post, get, finished };
}

describe('runs with the mock model', () => {
  let srv: TestServer;
  const { post, get, finished } = client(() => srv);
  let teamId: number;
  before(async () => {
    srv = await startServer({ AGENTORA_USE_MOCK_OLLAMA: 'true' });
    teamId = (await post('/api/teams/templates/plan_execute_critique', {})).body.id;
  });
  after(() => srv.stop());

  test('POST /api/runs answers at once; the run plans, works each subgoal (careful: each reviewed), synthesises and completes', async () => {
    const r = await post('/api/runs', { team_id: teamId, prompt: 'summarise the notes and list next steps', max_turns: 10, token_budget: 100000 });
    assert.equal(r.status, 200);
    assert.match(r.body.run_id, /^run_/);
    assert.ok(['queued', 'running'].includes(r.body.status));
    assert.deepEqual(r.body.messages, []);
    const done = await finished(r.body.run_id);
    assert.equal(done.run.status, 'completed', JSON.stringify(done.run));
    assert.equal(done.messages.length, 4);
    assert.deepEqual(
      done.messages.slice(0, 3).map((m: any) => m.meta.subgoal_id),
      ['s1', 's2', 's3'],
    );
    assert.deepEqual(done.messages[1].meta.handoff_from, ['s1']);
    // careful mode: the critic reviewed s1 and s2 (its own review s3 is not reviewed again).
    assert.deepEqual(
      done.messages.slice(0, 3).map((m: any) => m.meta.critique?.verdict ?? null),
      ['accept', 'accept', null],
    );
    assert.equal(done.messages[3].meta.synthesis, true);
    assert.ok(done.run.final_output.length > 0);
    // Model calls: s1 draft + review, s2 draft + review, s3, synthesis (accepting a draft is not a call).
    assert.equal(done.run.turns_used, 6);
    assert.ok(done.run.tokens_used > 0);
    const plan = await get(`/api/runs/${r.body.run_id}/plan`);
    assert.deepEqual(plan.body.plan.order, ['s1', 's2', 's3']);
    assert.ok(plan.body.subgoals.every((s: any) => s.status === 'done' && s.output));
    const trace = await get(`/api/runs/${r.body.run_id}/trace`);
    assert.deepEqual(
      trace.body.trace.map((e: any) => e.event_type).filter((t: string) => !t.startsWith('status_')),
      [
        'run_created',
        'plan',
        ...['subgoal_started', 'draft', 'critique', 'agent_turn'],
        ...['subgoal_started', 'draft', 'critique', 'agent_turn'],
        ...['subgoal_started', 'agent_turn'],
        'synthesis',
        'memory_stored',
      ],
    );
    assert.equal((await get(`/api/runs/${r.body.run_id}/collaboration-trace`)).body.trace.length, trace.body.trace.length);
    const list = await get('/api/runs');
    assert.ok(Array.isArray(list.body));
    assert.equal(list.body[0].id, r.body.run_id);
  });

  test('mock reviewer: "mock:revise" sends each draft back once; the revision is kept, never reviewed again', async () => {
    const r = await post('/api/runs', { team_id: teamId, prompt: 'summarise the notes mock:revise', max_turns: 20, token_budget: 100000 });
    const done = await finished(r.body.run_id);
    assert.equal(done.run.status, 'completed', JSON.stringify(done.run));
    assert.deepEqual(
      done.messages.slice(0, 3).map((m: any) => m.meta.revised ?? null),
      [true, true, null],
    );
    // s1, s2: draft + review + revision; s3; synthesis.
    assert.equal(done.run.turns_used, 8);
  });

  test('budgets stop the run with status stopped and the budget named', async () => {
    const turns = await finished(
      (await post('/api/runs', { team_id: teamId, prompt: 'summarise the notes', max_turns: 2, token_budget: 100000 })).body.run_id,
    );
    assert.deepEqual([turns.run.status, turns.run.stop_reason, turns.run.turns_used], ['stopped', 'max_turns', 2]);
    // The two turns were s1's draft and its review; s1 is done, s2 never started.
    assert.deepEqual(
      (await get(`/api/runs/${turns.run.id}/plan`)).body.subgoals.map((s: any) => s.status),
      ['done', 'pending', 'pending'],
    );
    const tokens = await finished((await post('/api/runs', { team_id: teamId, prompt: 'summarise the notes', token_budget: 1 })).body.run_id);
    assert.deepEqual([tokens.run.status, tokens.run.stop_reason, tokens.run.turns_used], ['stopped', 'token_budget', 0]);
  });

  test('an invalid plan fails the run with stop_reason invalid_plan', async () => {
    const r = await finished((await post('/api/runs', { team_id: teamId, prompt: 'mock:invalid-plan' })).body.run_id);
    assert.deepEqual([r.run.status, r.run.stop_reason], ['failed', 'invalid_plan']);
    assert.match(r.run.error, /invalid twice/);
  });

  test('unknown run → 404 on every run route; bad input → 400; ended run cannot be paused', async () => {
    for (const p of ['', '/plan', '/trace', '/collaboration-trace']) assert.equal((await get(`/api/runs/nope${p}`)).status, 404, p);
    for (const p of ['/pause', '/resume', '/cancel']) assert.equal((await post(`/api/runs/nope${p}`)).status, 404, p);
    const bad = await post('/api/runs', { prompt: 'x' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /team_id/);
    assert.equal((await post('/api/runs', { team_id: 9999, prompt: 'x' })).status, 404);
    const id = (await get('/api/runs')).body[0].id;
    assert.equal((await post(`/api/runs/${id}/pause`)).status, 409);
    assert.equal((await post('/api/runs/nope/clone-agent', { agent_id: 1 })).status, 404);
  });

  test('clone-agent copies an agent for the run, linked to it and to the original; not in the plain agent list', async () => {
    const id = (await get('/api/runs')).body[0].id;
    const src = (await get('/api/agents')).body[0];
    const r = await post(`/api/runs/${id}/clone-agent`, { agent_id: src.id, model: 'llama3.2:3b' });
    assert.equal(r.status, 200);
    assert.equal(r.body.ok, true);
    const copy = (await get(`/api/agents/${r.body.agent_id}`)).body;
    assert.deepEqual(
      [copy.name, copy.model, copy.run_id, copy.cloned_from, copy.tools_json],
      [`${src.name} (copy)`, 'llama3.2:3b', id, src.id, src.tools_json],
    );
    assert.ok(!(await get('/api/agents')).body.some((a: any) => a.id === copy.id));
    assert.equal((await post(`/api/runs/${id}/clone-agent`, { agent_id: 9999 })).status, 404);
    assert.ok((await get(`/api/runs/${id}/trace`)).body.trace.some((e: any) => e.event_type === 'agent_cloned'));
  });
});

describe('runs against the fake Ollama (real client, real wire)', () => {
  let fake: FakeOllama;
  let srv: TestServer;
  const { post, get, finished } = client(() => srv);
  const plan = {
    rationale: 'r',
    subgoals: [
      { id: 's1', title: 'Gather', description: 'd', depends_on: [], role: 'executor', deliverable: 'list', step_cap: 2 },
      { id: 's2', title: 'Write', description: 'd', depends_on: ['s1'], role: 'executor', deliverable: 'text', step_cap: 2 },
      { id: 's3', title: 'Review', description: 'd', depends_on: ['s2'], role: 'critic', deliverable: 'review', step_cap: 1 },
    ],
  };
  const subgoalOf = (c: FakeOllama['chats'][number]) => /Your subgoal \((s\d)\)/.exec(c.messages.at(-1)?.content ?? '')?.[1];
  const asked = (runPrompt: string, sid: string) =>
    fake.chats.filter((c) => c.messages.at(-1)?.content.includes(runPrompt) && subgoalOf(c) === sid).length;
  const env = () => ({ AGENTORA_USE_MOCK_OLLAMA: 'false', AGENTORA_OLLAMA_URL: fake.url });
  let teamId: number;
  /** Model calls made for a run (by its prompt, which every call of the run carries). */
  const callsFor = (runPrompt: string) => fake.chats.filter((c) => c.messages.some((m) => m.content.includes(runPrompt))).length;
  /** Another run, start to end: the signal that the server and the fake had time to make several calls. */
  const controlRun = async (prompt: string, team = teamId) => {
    const id = (await post('/api/runs', { team_id: team, prompt, max_turns: 10, token_budget: 100000, max_seconds: 60 })).body.run_id;
    assert.equal((await finished(id)).run.status, 'completed');
    assert.ok(callsFor(prompt) >= 3, `the control run made ${callsFor(prompt)} model calls`);
  };
  before(async () => {
    fake = await startFakeOllama(undefined, {
      chatDelayMs: 250,
      chat: (body) => {
        const last = body.messages.at(-1)!.content;
        if (body.format) return JSON.stringify(plan);
        if (last.includes('crashme')) return { crash: true };
        if (/^Goal:/.test(last)) return 'Final: all three parts done.';
        return `Output of ${/Your subgoal \((s\d)\)/.exec(last)?.[1]} for ${last.length} chars of context`;
      },
    });
    srv = await startServer(env());
    teamId = (await post('/api/teams/templates/plan_execute_critique', {})).body.id;
  });
  after(async () => {
    await srv.stop();
    await fake.close();
  });

  test('pause stops at the step boundary and makes no model calls; resume finishes without repeating', async () => {
    const prompt = 'pause-test goal';
    const id = (await post('/api/runs', { team_id: teamId, prompt, max_turns: 10, token_budget: 100000, max_seconds: 60 })).body.run_id;
    await until('s1 to be asked', async () => asked(prompt, 's1') === 1);
    assert.equal((await post(`/api/runs/${id}/pause`)).body.ok, true);
    // The step in flight (s1's draft) is committed; the next one (its review) is not asked.
    await until('s1 draft to be stored', async () =>
      (await get(`/api/runs/${id}/trace`)).body.trace.some((e: any) => e.event_type === 'draft' && e.payload.subgoal_id === 's1'),
    );
    // While it is paused, another run goes from start to end (several model calls on the same server and fake):
    // the paused run is asked nothing meanwhile.
    const calls = callsFor(prompt);
    await controlRun('pause-control');
    assert.equal(callsFor(prompt), calls, 'a paused run called the model');
    assert.equal((await get(`/api/runs/${id}`)).body.run.status, 'paused');
    assert.equal((await post(`/api/runs/${id}/resume`)).body.ok, true);
    const done = await finished(id);
    assert.equal(done.run.status, 'completed');
    assert.deepEqual(
      ['s1', 's2', 's3'].map((s) => asked(prompt, s)),
      [1, 1, 1],
    );
    assert.equal(done.run.final_output, 'Final: all three parts done.');
    assert.ok(done.run.tokens_used > 0);
  });

  test('kill -9 mid-run: the restarted server resumes from the last completed step and never repeats one', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'agentora-runs-kill-'));
    const first = await startServer(env(), 15000, { dataDir });
    const keep = srv;
    srv = first;
    try {
      const team = (await post('/api/teams/templates/plan_execute_critique', {})).body.id;
      const prompt = 'kill-test goal';
      const id = (await post('/api/runs', { team_id: team, prompt, max_turns: 10, token_budget: 100000, max_seconds: 60 })).body.run_id;
      await until('s1 to be stored', async () => (await get(`/api/runs/${id}/plan`)).body.subgoals[0]?.status === 'done');
      const exited = new Promise((r) => first.proc.once('exit', r));
      first.proc.kill('SIGKILL');
      await exited;
      srv = await startServer(env(), 15000, { dataDir });
      const done = await finished(id);
      await srv.stop();
      assert.equal(done.run.status, 'completed', JSON.stringify(done.run));
      assert.equal(asked(prompt, 's1'), 1, 'a completed step was repeated');
      assert.equal(asked(prompt, 's3'), 1);
      const planCalls = fake.chats.filter(
        (c) => c.format && c.messages[0]?.content.includes('You plan work') && c.messages.some((m) => m.content.includes(prompt)),
      );
      assert.equal(planCalls.length, 1, 'the plan was asked again');
      assert.deepEqual(
        done.messages.map((m: any) => m.meta.subgoal_id ?? 'synthesis'),
        ['s1', 's2', 's3', 'synthesis'],
      );
    } finally {
      srv = keep;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('teams.onRestart = interrupt: a restart marks the unfinished run interrupted (no model calls); resume continues it', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'agentora-runs-int-'));
    const first = await startServer(env(), 15000, { dataDir });
    const keep = srv;
    srv = first;
    try {
      const team = (await post('/api/teams/templates/plan_execute_critique', {})).body.id;
      const prompt = 'interrupt-test goal';
      const id = (await post('/api/runs', { team_id: team, prompt, max_turns: 10, token_budget: 100000, max_seconds: 60 })).body.run_id;
      await until('s1 to be stored', async () => (await get(`/api/runs/${id}/plan`)).body.subgoals[0]?.status === 'done');
      const exited = new Promise((r) => first.proc.once('exit', r));
      first.proc.kill('SIGKILL');
      await exited;
      srv = await startServer({ ...env(), AGENTORA_TEAMS_ON_RESTART: 'interrupt' }, 15000, { dataDir });
      const r = await get(`/api/runs/${id}`);
      assert.equal(r.body.run.status, 'interrupted');
      assert.match(r.body.run.error, /restarted while this run was unfinished/);
      const calls = callsFor(prompt);
      await controlRun('interrupt-control', team);
      assert.equal(callsFor(prompt), calls, 'an interrupted run called the model');
      assert.equal((await post(`/api/runs/${id}/resume`)).status, 200);
      const done = await finished(id);
      await srv.stop();
      assert.equal(done.run.status, 'completed', JSON.stringify(done.run));
      assert.equal(asked(prompt, 's1'), 1, 'a completed step was repeated');
    } finally {
      srv = keep;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('the model dying mid-run fails the run with a clear error; completed work is kept', async () => {
    const id = (await post('/api/runs', { team_id: teamId, prompt: 'crashme please', max_turns: 10, token_budget: 100000 })).body.run_id;
    const done = await finished(id);
    assert.equal(done.run.status, 'failed');
    assert.match(done.run.error, /Ollama/);
    assert.deepEqual((await get(`/api/runs/${id}/plan`)).body.plan.order, ['s1', 's2', 's3']);
  });

  test('cancel aborts the in-flight call; the run is cancelled', async () => {
    const id = (await post('/api/runs', { team_id: teamId, prompt: 'cancel-test', max_turns: 10, token_budget: 100000 })).body.run_id;
    await until('s1 to be asked', async () => asked('cancel-test', 's1') === 1);
    assert.equal((await post(`/api/runs/${id}/cancel`)).body.ok, true);
    const done = await finished(id);
    assert.equal(done.run.status, 'cancelled');
    assert.equal((await post(`/api/runs/${id}/resume`)).status, 409);
  });
});
