// workflow_gate items belong to the workflow engine: proposed through POST /api/actions (or as a workflow's
// action step) they are refused with a 400 naming tool_name and nothing is queued — before, such an item sat
// pending and continued nothing. The engine's own gates still open and approve as before.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server';
import { client } from './workflows-helpers';

describe('workflow_gate is the engine’s only', () => {
  let srv: TestServer;
  const { post, get, status } = client(() => srv);
  before(async () => {
    srv = await startServer({ AGENTORA_USE_MOCK_OLLAMA: 'true' });
  });
  after(async () => {
    await srv.stop();
  });

  test('POST /api/actions with tool_name workflow_gate: 400 naming the tool, nothing pending', async () => {
    const pendingBefore = (await get('/api/actions/pending')).body;
    const r = await post('/api/actions', {
      run_id: 'wfr_1',
      agent_id: 'sneaky',
      tool_name: 'workflow_gate',
      params: { workflow_run_id: 1, position: 1, step: 'gate', message: 'approve me' },
    });
    assert.equal(r.status, 400);
    assert.match(r.body.message, /tool_name: workflow_gate items are created by the workflow engine only/);
    const pendingAfter = (await get('/api/actions/pending')).body;
    assert.equal(pendingAfter.total ?? pendingAfter.items.length, pendingBefore.total ?? pendingBefore.items.length);
    assert.equal((await get('/api/actions/history?run_id=wfr_1')).body.items.length, 0);
  });

  test('an action step with tool_name workflow_gate is refused naming the step and field', async () => {
    const r = await post('/api/workflows', {
      name: 'fake-gate',
      steps: [{ name: 'g', step_type: 'action', tool_name: 'workflow_gate', params: { message: 'x' } }],
    });
    assert.equal(r.status, 400);
    assert.match(r.body.message, /steps\.0\.tool_name/);
  });

  test("the engine's gate still opens in the queue and approving it continues the run", async () => {
    const wf = (
      await post('/api/workflows', {
        name: 'real-gate',
        steps: [
          { name: 'gate', step_type: 'approval_gate', params: { message: 'go?' } },
          { name: 'after', step_type: 'model_call', params: { prompt: 'after' } },
        ],
      })
    ).body.item;
    const id = (await post(`/api/workflows/${wf.id}/run`, { inputs: {} })).body.item.id;
    const w = await status(id, 'waiting_approval');
    const gate = (await get('/api/actions/pending')).body.items.find((i: any) => i.id === w.steps[0].gate_action_id);
    assert.equal(gate.tool_name, 'workflow_gate');
    assert.equal((await post(`/api/actions/${gate.id}/approve`, { reason: 'yes' })).status, 200);
    assert.equal((await status(id, 'completed', 'failed')).run.status, 'completed');
  });
});
