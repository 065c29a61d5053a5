// Workflows on the real server against the fake Ollama (real client, real wire) and the real actions queue:
// definitions refused with the step and field named, a 5-step run with an approval gate in auto and stepwise
// mode (the gate is an item of the actions queue; the run is waiting_approval, never completed, until it is
// approved), requires_approval honoured, a failing step that exhausts its retries and stops the run (bounded
// attempts, counted at the fake), operator retry (bounded by the setting) and skip (reason required, audited),
// replay from step 3 reusing recorded outputs (nothing before it re-runs) with a compare that shows divergence.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type TestServer } from '../helpers/server';
import { startFakeOllama, type FakeOllama } from '../fakes/ollama';
import { client, fiveSteps, until } from './workflows-helpers';

describe('workflows and operator mode', () => {
  let fake: FakeOllama;
  let srv: TestServer;
  let ws: string;
  const { post, get, run, runUntil, status } = client(() => srv);
  /** Model calls whose prompt (last message) starts with `text` and contains every one of `also`. */
  const asked = (text: string, ...also: string[]) =>
    fake.chats.filter((c) => {
      const last = c.messages.at(-1)?.content ?? '';
      return last.startsWith(text) && also.every((a) => last.includes(a));
    }).length;
  before(async () => {
    ws = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentora-wf-ws-')));
    fake = await startFakeOllama(undefined, {
      chat: (body, n) => {
        const last = body.messages.at(-1)!.content;
        if (last.includes('ALWAYS_FAIL')) return { crash: true };
        return `answer ${n} to [${last}]`;
      },
    });
    srv = await startServer({
      AGENTORA_USE_MOCK_OLLAMA: 'false',
      AGENTORA_OLLAMA_URL: fake.url,
      AGENTORA_ALLOWED_PATH_ROOTS: ws,
      AGENTORA_ACTION_TOOL_DEFAULTS: 'desktop_write_text=auto_allow',
      AGENTORA_OPERATOR_MAX_STEP_RETRIES: '2',
    });
  });
  after(async () => {
    await srv.stop();
    await fake.close();
    rmSync(ws, { recursive: true, force: true });
  });

  test('bad definitions are refused with a 400 naming the step and the field; nothing is stored', async () => {
    const base = fiveSteps(ws);
    const cases: Array<[string, unknown, RegExp]> = [
      ['unknown step type', { ...base, steps: [{ step_type: 'teleport', params: {} }] }, /steps\.0\.step_type/],
      [
        'missing output',
        { ...base, steps: [{ name: 'a', step_type: 'model_call', params: { prompt: 'x {{steps.nothere.output}}' } }] },
        /steps\.0\.params\.prompt.*does not exist/,
      ],
      [
        'later output (a cycle)',
        {
          ...base,
          steps: [
            { name: 'a', step_type: 'model_call', params: { prompt: '{{steps.b.output}}' } },
            { name: 'b', step_type: 'model_call', params: { prompt: '{{steps.a.output}}' } },
          ],
        },
        /steps\.0\.params\.prompt: step 1 'a'.*later step/,
      ],
      [
        'undeclared input',
        { ...base, steps: [{ name: 'a', step_type: 'model_call', params: { prompt: '{{inputs.nope}}' } }] },
        /steps\.0\.params\.prompt/,
      ],
      ['action without a tool', { ...base, steps: [{ name: 'a', step_type: 'action', params: {} }] }, /steps\.0\.tool_name/],
      ['model call without a prompt', { ...base, steps: [{ name: 'a', step_type: 'model_call', params: {} }] }, /steps\.0\.params\.prompt/],
    ];
    const before = (await get('/api/workflows')).body.items.length;
    for (const [what, body, re] of cases) {
      const r = await post('/api/workflows', body);
      assert.equal(r.status, 400, what);
      assert.match(r.body.message, re, what);
    }
    assert.equal((await get('/api/workflows')).body.items.length, before);
  });

  test('definitions: create, get, clone, edit a step (version goes up), YAML export → import', async () => {
    const c = await post('/api/workflows', fiveSteps(ws, 'defs'));
    assert.equal(c.status, 200);
    assert.equal(c.body.ok, true);
    const id = c.body.item.id;
    const g = (await get(`/api/workflows/${id}`)).body;
    assert.deepEqual(
      g.steps.map((s: any) => [s.position, s.name, s.step_type]),
      [
        [1, 'outline', 'model_call'],
        [2, 'gate', 'approval_gate'],
        [3, 'write', 'action'],
        [4, 'review', 'model_call'],
        [5, 'final', 'model_call'],
      ],
    );
    const stepId = g.steps[4].id;
    const edit = await post(`/api/workflows/${id}/steps/${stepId}`, { params: { prompt: 'Final v2 {{inputs.topic}}' }, max_retries: 2 });
    assert.equal(edit.status, 200);
    assert.equal(edit.body.item.max_retries, 2);
    assert.equal(edit.body.workflow.version, 2);
    const badEdit = await post(`/api/workflows/${id}/steps/${stepId}`, { params: { prompt: '{{steps.final.output}}' } });
    assert.equal(badEdit.status, 400);
    assert.match(badEdit.body.message, /step 5 'final'.*own output/);
    const cl = await post(`/api/workflows/${id}/clone`, { name: 'defs copy' });
    assert.equal(cl.body.item.name, 'defs copy');
    assert.equal(cl.body.item.cloned_from, id);
    const y = (await get(`/api/workflows/${id}/export`)).body.yaml_text;
    assert.match(y, /step_type: approval_gate/);
    const imp = await post('/api/workflows/import', { yaml_text: y });
    assert.equal(imp.status, 200);
    assert.deepEqual(
      imp.body.steps.map((s: any) => [s.name, s.params]),
      g.steps.map((s: any, i: number) => [s.name, i === 4 ? { prompt: 'Final v2 {{inputs.topic}}' } : s.params]),
    );
    assert.equal((await post('/api/workflows/import', { yaml_text: 'name: [unclosed' })).status, 400);
    assert.equal((await get('/api/workflows/9999')).status, 404);
  });

  test('auto run: answers at once; the gate and requires_approval wait in the actions queue; approving continues', async () => {
    const wf = (await post('/api/workflows', fiveSteps(ws, 'auto'))).body.item;
    assert.match((await post(`/api/workflows/${wf.id}/run`, { inputs: {} })).body.message, /inputs\.topic/);
    const t0 = Date.now();
    const started = await post(`/api/workflows/${wf.id}/run`, { run_id: 7001, inputs: { topic: 'alpha' } });
    assert.ok(Date.now() - t0 < 1000);
    assert.equal(started.status, 200);
    const item = started.body.item;
    assert.deepEqual([item.run_id, JSON.parse(item.input_json)], ['7001', { topic: 'alpha' }]);
    assert.ok(['queued', 'running'].includes(item.status));
    // Step 2 is the gate: the run waits, and the wait is a pending item in the same queue as actions.
    const waiting = await status(item.id, 'waiting_approval');
    assert.deepEqual(
      waiting.steps.map((s: any) => s.status),
      ['done', 'waiting_approval', 'pending', 'pending', 'pending'],
    );
    const pending = (await get('/api/actions/pending')).body.items;
    const gate = pending.find((a: any) => a.id === waiting.steps[1].gate_action_id);
    assert.ok(gate, 'the gate is listed by GET /api/actions/pending');
    assert.equal(gate.tool_name, 'workflow_gate');
    assert.deepEqual(
      waiting.requests.map((r: any) => r.id),
      [gate.id],
    );
    // Never done while waiting: the gate is pending, and the run stays waiting over several reads.
    for (let i = 0; i < 5; i++) assert.equal((await run(item.id)).run.status, 'waiting_approval');
    assert.equal((await post(`/api/actions/${gate.id}/approve`, { reason: 'outline ok' })).status, 200);
    // Step 4 requires approval: it waits again before its model call.
    const w2 = await runUntil(item.id, 'step 4 waits', (r) => r.steps[3].status === 'waiting_approval');
    assert.equal(w2.run.status, 'waiting_approval');
    assert.equal(asked('Review:', 'alpha'), 0, 'a requires_approval step ran before its approval');
    const written = readFileSync(path.join(ws, 'auto-alpha.txt'), 'utf8');
    assert.equal(written, w2.steps[0].output);
    assert.equal((await post(`/api/actions/${w2.steps[3].gate_action_id}/approve`, { reason: 'go' })).status, 200);
    const done = await status(item.id, 'completed', 'failed');
    assert.equal(done.run.status, 'completed', done.run.error);
    assert.deepEqual(
      done.steps.map((s: any) => [s.status, s.attempts]),
      [
        ['done', 1],
        ['done', 0],
        ['done', 1],
        ['done', 1],
        ['done', 1],
      ],
    );
    assert.equal(done.steps[1].output.reason, 'outline ok');
    assert.match(done.steps[4].output, /Final for alpha after answer/);
    assert.equal(done.run.outputs.final, done.steps[4].output);
    assert.ok(done.steps.every((s: any) => s.started_at === null || s.duration_ms !== null || s.step_type === 'approval_gate'));
    const hist = (await get(`/api/operator/workflows/${wf.id}/history`)).body.items;
    assert.equal(hist[0].id, item.id);
    assert.equal((await get(`/api/workflows/${wf.id}/runs`)).body.items[0].status, 'completed');
  });

  test('stepwise: one step per advance; the gate keeps the run waiting; advance while waiting does nothing', async () => {
    const wf = (await post('/api/workflows', fiveSteps(ws, 'stepwise'))).body.item;
    const r = await post('/api/operator/runs', { workflow_id: wf.id, mode: 'stepwise', inputs: { topic: 'beta' } });
    assert.equal(r.status, 200);
    const id = r.body.item.id;
    assert.equal(r.body.item.status, 'paused');
    assert.equal(asked('Outline beta'), 0, 'stepwise ran a step before advance');
    const adv = await post(`/api/operator/runs/${id}/advance`);
    assert.equal(adv.body.advanced, true);
    const p1 = await runUntil(id, 'step 1 done and paused', (x) => x.run.status === 'paused' && x.steps[0].status === 'done');
    assert.deepEqual(
      p1.steps.map((s: any) => s.status),
      ['done', 'pending', 'pending', 'pending', 'pending'],
    );
    assert.equal(asked('Outline beta'), 1);
    await post(`/api/operator/runs/${id}/advance`);
    const g = await status(id, 'waiting_approval');
    const again = await post(`/api/operator/runs/${id}/advance`);
    assert.deepEqual([again.status, again.body.advanced], [200, false]);
    assert.match(again.body.reason, /approval/);
    await post(`/api/actions/${g.steps[1].gate_action_id}/approve`, { reason: 'ok' });
    const p2 = await runUntil(id, 'gate done, paused', (x) => x.run.status === 'paused' && x.steps[1].status === 'done');
    assert.equal(p2.steps[2].status, 'pending');
    // Deny step 4's approval: on_failure stop → the run fails with the reason.
    await post(`/api/operator/runs/${id}/advance`);
    await runUntil(id, 'step 3 done', (x) => x.run.status === 'paused' && x.steps[2].status === 'done');
    await post(`/api/operator/runs/${id}/advance`);
    const w4 = await status(id, 'waiting_approval');
    assert.equal((await post(`/api/actions/${w4.steps[3].gate_action_id}/deny`, { reason: 'not now' })).status, 200);
    const failed = await status(id, 'failed');
    assert.match(failed.run.error, /step 4 'review'.*approval denied: not now/);
    assert.equal(asked('Review:', 'beta'), 0);
    assert.equal((await post('/api/operator/runs/9999/advance')).status, 404);
    assert.equal((await post('/api/operator/runs/9999/pause')).status, 404);
  });

  test('auto never loops: a failing step exhausts its retries, the run fails; operator retry is bounded; skip needs a reason', async () => {
    const wf = (
      await post('/api/workflows', {
        name: 'flaky',
        params_schema: { type: 'object', properties: {} },
        steps: [
          { name: 'bad', step_type: 'model_call', max_retries: 2, backoff_seconds: 0.05, params: { prompt: 'ALWAYS_FAIL one' } },
          { name: 'after', step_type: 'model_call', params: { prompt: 'after the bad one' } },
        ],
      })
    ).body.item;
    const id = (await post(`/api/workflows/${wf.id}/run`, { inputs: {} })).body.item.id;
    const failed = await status(id, 'failed', 'completed');
    assert.equal(failed.run.status, 'failed');
    assert.equal(failed.steps[0].attempts, 3);
    assert.equal(asked('ALWAYS_FAIL one'), 3, 'bounded: 1 try + 2 retries');
    assert.match(failed.run.error, /step 1 'bad' failed after 3 attempt\(s\)/);
    // Nothing more happens by itself: no retry is scheduled (the step failed for good, no next attempt time, the
    // run's last event is its failure), and over several reads nothing is added.
    assert.equal(failed.steps[0].status, 'failed');
    assert.equal(failed.steps[0].next_attempt_at, null);
    assert.equal(failed.events.at(-1).event_type, 'run_failed');
    for (let i = 0; i < 5; i++) {
      const again = await run(id);
      assert.equal(again.run.status, 'failed');
      assert.equal(again.events.length, failed.events.length);
    }
    assert.equal(asked('ALWAYS_FAIL one'), 3);
    assert.equal(asked('after the bad one'), 0);
    // Operator retry: allowed twice (AGENTORA_OPERATOR_MAX_STEP_RETRIES=2), each a full set of attempts.
    for (let i = 1; i <= 2; i++) {
      const rr = await post(`/api/operator/runs/${id}/retry-step`, { step_id: failed.steps[0].step_id });
      assert.equal(rr.status, 200);
      assert.equal(rr.body.item.operator_retries, i);
      await runUntil(id, `retry ${i} to fail`, (x) => x.run.status === 'failed' && x.steps[0].operator_retries === i);
      assert.equal(asked('ALWAYS_FAIL one'), 3 + 3 * i);
    }
    const refused = await post(`/api/operator/runs/${id}/retry-step`, { step_id: failed.steps[0].step_id });
    assert.equal(refused.status, 409);
    assert.match(refused.body.message, /AGENTORA_OPERATOR_MAX_STEP_RETRIES/);
    // Skip: a reason is required (400 naming it), then the step is skipped, audited, and the run goes on.
    const noReason = await post(`/api/operator/runs/${id}/skip-step`, { position: 1 });
    assert.equal(noReason.status, 400);
    assert.match(noReason.body.message, /reason/);
    const sk = await post(`/api/operator/runs/${id}/skip-step`, { position: 1, reason: 'model is down; not needed' });
    assert.equal(sk.status, 200);
    assert.equal(sk.body.item.status, 'skipped');
    const done = await status(id, 'completed');
    assert.equal(done.steps[0].skip_reason, 'model is down; not needed');
    const ev = done.events.find((e: any) => e.event_type === 'step_skipped');
    assert.deepEqual([ev.position, ev.payload.reason, ev.payload.transport], [1, 'model is down; not needed', 'rest']);
    assert.notEqual(ev.actor, 'engine');
    assert.equal(asked('after the bad one'), 1);
  });

  test('pause stops at the step boundary; resume continues; cancel denies the pending gate', async () => {
    const wf = (await post('/api/workflows', fiveSteps(ws, 'pausing'))).body.item;
    const id = (await post(`/api/workflows/${wf.id}/run`, { inputs: { topic: 'gamma' } })).body.item.id;
    const w = await status(id, 'waiting_approval');
    assert.equal((await post(`/api/operator/runs/${id}/pause`)).body.item.status, 'paused');
    await post(`/api/actions/${w.steps[1].gate_action_id}/approve`, { reason: 'ok' });
    // The signal: the gate has executed — its last queue change, which wakes the run; the paused run stays put.
    await until('the gate to execute', async () => (await get(`/api/actions/${w.steps[1].gate_action_id}`)).body.status === 'executed');
    for (let i = 0; i < 5; i++) {
      const still = await run(id);
      assert.equal(still.run.status, 'paused');
      assert.equal(still.steps[2].status, 'pending');
    }
    await post(`/api/operator/runs/${id}/resume`);
    const w4 = await runUntil(id, 'step 4 waits', (x) => x.steps[3].status === 'waiting_approval');
    const c = await post(`/api/operator/runs/${id}/cancel`);
    assert.equal(c.body.item.status, 'cancelled');
    const gate = (await get(`/api/operator/runs/${id}`)).body.requests.find((r: any) => r.id === w4.steps[3].gate_action_id);
    assert.equal(gate.status, 'denied');
    assert.equal((await post(`/api/operator/runs/${id}/cancel`)).status, 409);
  });

  test('replay from step 3 reuses steps 1–2 (no model call, no gate), re-runs 3–5, links to the original, compare shows divergence', async () => {
    const wf = (
      await post('/api/workflows', {
        ...fiveSteps(ws, 'replay'),
        steps: fiveSteps(ws, 'replay').steps.map((s) => ({ ...s, requires_approval: false })),
      })
    ).body.item;
    const id = (await post(`/api/workflows/${wf.id}/run`, { inputs: { topic: 'delta' } })).body.item.id;
    const w = await status(id, 'waiting_approval');
    await post(`/api/actions/${w.steps[1].gate_action_id}/approve`, { reason: 'ok' });
    const orig = await status(id, 'completed');
    const outlineCalls = asked('Outline delta');
    const reviewCalls = asked('Review:', 'delta');
    const actionsBefore = (await get('/api/actions/history?limit=500')).body.items.filter((a: any) => a.tool_name === 'desktop_write_text').length;
    const rp = await post(`/api/workflows/runs/${id}/replay`, { from_step: 3 });
    assert.equal(rp.status, 200);
    assert.equal(rp.body.replay_of, id);
    assert.deepEqual(rp.body.reused_steps, [1, 2]);
    const replay = await status(rp.body.item.id, 'completed', 'failed', 'waiting_approval');
    assert.equal(replay.run.status, 'completed');
    assert.equal(replay.run.replay_of, id);
    assert.deepEqual(
      replay.steps.map((s: any) => s.status),
      ['reused', 'reused', 'done', 'done', 'done'],
    );
    assert.deepEqual(replay.steps[0].output, orig.steps[0].output);
    assert.equal(asked('Outline delta'), outlineCalls, 'step 1 was not re-run');
    assert.equal(asked('Review:', 'delta'), reviewCalls + 1);
    assert.equal(replay.requests.filter((r: any) => r.tool_name === 'workflow_gate').length, 0, 'no gate was asked again');
    const writes = (await get('/api/actions/history?limit=500')).body.items.filter((a: any) => a.tool_name === 'desktop_write_text');
    assert.equal(writes.length, actionsBefore + 1, 'step 3 (the action) ran once, for real');
    const cmp = (await get(`/api/workflows/runs/${rp.body.item.id}/compare`)).body;
    assert.deepEqual(
      cmp.steps.map((s: any) => [s.position, s.same, s.reused]),
      [
        [1, true, true],
        [2, true, true],
        [3, false, false],
        [4, false, false],
        [5, false, false],
      ],
    );
    assert.equal(cmp.first_divergence, 3);
    const bad = await post(`/api/workflows/runs/${id}/replay`, { from_step: 9 });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /from_step/);
    assert.equal((await post('/api/workflows/runs/9999/replay', {})).status, 404);
  });

  test('GET /api/operator/workflows lists workflows with run counts', async () => {
    const r = (await get('/api/operator/workflows')).body;
    assert.equal(r.ok, true);
    const auto = r.items.find((w: any) => w.name === 'auto');
    assert.deepEqual([auto.runs_total, auto.last_run_status], [1, 'completed']);
  });
});
