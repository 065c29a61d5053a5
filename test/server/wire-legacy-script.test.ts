// A script written against the earlier product, played over HTTP against the real server (mock mode): it reads
// exactly the fields the earlier product answered and sends what it sent (the prepared packet back unchanged,
// `requested_worker: false`, integer run and agent ids).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server';

let s: TestServer;
before(async () => {
  s = await startServer({ AGENTORA_MISSIONS_WATCHER_ENABLED: 'true', AGENTORA_MISSIONS_WATCHER_INTERVAL_SECONDS: '0.1' });
});
after(() => s?.stop());

async function post(p: string, body: unknown): Promise<any> {
  const r = await s.fetch(p, { method: 'POST', body: JSON.stringify(body) });
  assert.equal(r.status, 200, `${p}: ${r.status}`);
  return r.json();
}
async function get(p: string): Promise<any> {
  const r = await s.fetch(p);
  assert.equal(r.status, 200, `${p}: ${r.status}`);
  return r.json();
}

test('an earlier-product script: prepare → launch(prepared_packet) → get → compare → propose an action', async () => {
  const mission = {
    persona_id: 'skeptic_reviewer',
    repo: 'acme/widgets',
    mission_title: 'Fix login',
    objective: 'Fix the login redirect',
    operator_intent: 'small fix',
    constraints: ['no new deps'],
  };
  // prepare answers the MissionContextPacket itself, at the top level.
  const packet = await post('/api/integrations/runs/prepare', mission);
  assert.equal(packet.mission_title, 'Fix login');
  assert.equal(packet.mission_objective, 'Fix the login redirect');
  assert.equal(packet.persona.id, 'skeptic_reviewer');
  assert.ok(Array.isArray(packet.memory_snippets) && Array.isArray(packet.risk_flags) && typeof packet.dispatch_brief.objective === 'string');

  // The script passes that body back unchanged as prepared_packet, and reads the flat record.
  const launch = await post('/api/integrations/runs/launch', {
    ...mission,
    acceptance_criteria: ['login works'],
    dry_run: false,
    prepared_packet: packet,
  });
  const runId = launch['id'];
  assert.equal(typeof runId, 'string');
  assert.ok(['queued', 'running', 'succeeded'].includes(launch['status']), launch['status']);
  assert.ok(['queued', 'running', 'completed'].includes(launch['legacy_status']), launch['legacy_status']);
  assert.ok(Number.isInteger(launch['mission_score']) && launch['mission_score'] >= 0 && launch['mission_score'] <= 100);
  assert.equal(launch['phios_session_id'], packet.session_id, 'the prepared packet was used, not asked for again');
  assert.deepEqual(JSON.parse(launch['acceptance_criteria_json']), ['login works']);
  // The prepared mission itself was launched (no second, orphaned draft).
  const all = await get('/api/integrations/runs?limit=50');
  assert.equal(all.length, 1);

  // get: the same flat record; poll until the mock job ends, as the script's loop would.
  let run: any;
  const deadline = Date.now() + 15000;
  for (;;) {
    run = await get(`/api/integrations/runs/${runId}`);
    if (['completed', 'failed', 'cancelled'].includes(run['legacy_status']) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(run['id'], runId);
  assert.equal(run['legacy_status'], 'completed');
  assert.match(run['pr_url'], /\/pull\/\d+$/);
  assert.equal(run['writeback_status'], 'not_written');

  // A second attempt to compare with.
  const other = await post('/api/integrations/runs/launch', {
    ...mission,
    persona_id: 'rapid_builder',
    objective: 'Fix the login redirect differently',
    dry_run: true,
  });
  const cmp = await get(`/api/integrations/runs/compare?left_run_id=${runId}&right_run_id=${other['id']}`);
  assert.equal(cmp['left']['id'], runId);
  assert.equal(cmp['right']['id'], other['id']);
  assert.ok(['none', 'low', 'medium', 'high', 'critical'].includes(cmp['overall_severity']));
  assert.ok('objective' in cmp['field_differences']);
  assert.equal(cmp['field_severity']['objective'], 'medium');
  assert.equal(typeof cmp['outcome_hash_equal'], 'boolean');
  assert.equal(typeof cmp['timeline_length_comparison']['left'], 'number');

  // Actions: integer ids and requested_worker: false, read back through {ok, item}.
  const proposed = await post('/api/actions', {
    run_id: 7001,
    agent_id: 0,
    action_class: 'browser',
    tool_name: 'browser_open_url',
    params: { url: 'https://example.com' },
    requested_worker: false,
  });
  assert.equal(proposed['ok'], true);
  const itemId = proposed['item']['id'];
  assert.ok(Number.isInteger(itemId));
  assert.equal(proposed['item']['run_id'], 7001);
  assert.equal(proposed['item']['agent_id'], 0);
  assert.equal(proposed['item']['requested_worker'], null);
  assert.deepEqual(JSON.parse(proposed['item']['params_json']), { url: 'https://example.com' });
  // Memory search for that integer run id records a context the script can read back.
  const found = await post('/api/capsules/search', { query: 'login redirect', top_k: 6, run_id: 7001 });
  assert.equal(found['ok'], true);
  assert.ok(Array.isArray(found['items']));
  const ctxs = await get('/api/memory/runs/7001/contexts');
  assert.equal(ctxs['items'].length, 1);
  const pending = await get('/api/actions/pending');
  assert.ok(pending['items'].some((i: any) => i['id'] === itemId));
});
