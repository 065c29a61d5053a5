// Agents and teams over REST on the real server: wire shapes of the earlier product, capabilities, shipped
// templates, YAML import / export (export is generated; a bad document names the line and the field).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server';

let srv: TestServer;
before(async () => {
  srv = await startServer({ AGENTORA_USE_MOCK_OLLAMA: 'true' });
});
after(() => srv.stop());

const post = async (p: string, body: unknown) => {
  const r = await srv.fetch(p, { method: 'POST', body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as any };
};
const get = async (p: string) => {
  const r = await srv.fetch(p);
  return { status: r.status, body: (await r.json()) as any, headers: r.headers };
};

test('agents: create (legacy tools_json too), list as a bare array, capabilities read and changed', async () => {
  const a = await post('/api/agents', { name: 'Scout', model: 'llama3.2', role: 'researcher', system_prompt: 'Find things.', tools: ['desktop_read_text', 'memory_search'], memory_mode: 'read' });
  assert.equal(a.status, 200);
  assert.equal(a.body.name, 'Scout');
  assert.equal(a.body.model, 'llama3.2');
  assert.equal(a.body.tools_json, JSON.stringify(['desktop_read_text', 'memory_search']));
  assert.equal(a.body.capabilities.max_tool_steps, 4);

  const legacy = await post('/api/agents', { name: 'Old', role: 'writer', system_prompt: '', tools_json: '["desktop_write_text"]', memory_mode: 'none' });
  assert.equal(legacy.status, 200);
  assert.deepEqual(legacy.body.tools, ['desktop_write_text']);

  const list = await get('/api/agents');
  assert.ok(Array.isArray(list.body));
  assert.deepEqual(list.body.map((x: any) => x.name), ['Scout', 'Old']);
  assert.equal(list.headers.get('x-total-count'), '2');

  const caps = await post(`/api/agents/${a.body.id}/capabilities`, { can_critique: true, confidence_weight: 0.9, max_tool_steps: 7 });
  assert.equal(caps.status, 200);
  assert.deepEqual({ ok: caps.body.ok, c: caps.body.item.can_critique, w: caps.body.item.confidence_weight, s: caps.body.item.max_tool_steps }, { ok: true, c: true, w: 0.9, s: 7 });
  const all = await get('/api/agents/capabilities');
  assert.equal(all.body.ok, true);
  assert.equal(all.body.items.find((i: any) => i.agent_id === a.body.id).can_critique, true);
  assert.equal(all.body.items.find((i: any) => i.agent_id === legacy.body.id).can_critique, false);
});

test('agents: bad input is a 400 naming the field and changes nothing', async () => {
  const before = (await get('/api/agents')).body.length;
  const bad = await post('/api/agents', { name: 'X', tools: ['rm_rf'] });
  assert.equal(bad.status, 400);
  assert.match(bad.body.message, /tools\.0/);
  const badCap = await post('/api/agents/1/capabilities', { confidence_weight: 3 });
  assert.equal(badCap.status, 400);
  assert.match(badCap.body.message, /confidence_weight/);
  assert.equal((await post('/api/agents/999/capabilities', { can_verify: true })).status, 404);
  assert.equal((await get('/api/agents')).body.length, before);
});

test('teams: create from agents, list, get; unknown agents refused', async () => {
  const agents = (await get('/api/agents')).body;
  const t = await post('/api/teams', { name: 'Duo', description: 'two', mode: 'debate', agent_ids: [agents[1].id, agents[0].id] });
  assert.equal(t.status, 200);
  assert.equal(t.body.mode, 'debate');
  assert.equal(t.body.version, 1);
  assert.deepEqual(t.body.members.map((m: any) => [m.position, m.agent.name]), [[1, 'Old'], [2, 'Scout']]);
  assert.match(t.body.yaml_text, /name: Duo/);
  const list = await get('/api/teams');
  assert.ok(Array.isArray(list.body));
  assert.ok(list.body.some((x: any) => x.id === t.body.id));
  assert.equal((await get(`/api/teams/${t.body.id}`)).body.name, 'Duo');
  const bad = await post('/api/teams', { name: 'Ghost', agent_ids: [424242] });
  assert.equal(bad.status, 400);
  assert.match(bad.body.message, /agent_ids\.0/);
  const badMode = await post('/api/teams', { name: 'M', mode: 'chaos', agent_ids: [agents[0].id] });
  assert.equal(badMode.status, 400);
  assert.match(badMode.body.message, /mode/);
});

test('templates: the four shipped templates, and a team made from one', async () => {
  const t = await get('/api/teams/templates');
  const keys = t.body.templates.map((x: any) => x.key);
  for (const k of ['code_review', 'bug_fix', 'research_summary', 'plan_execute_critique']) assert.ok(keys.includes(k), k);
  const pec = t.body.templates.find((x: any) => x.key === 'plan_execute_critique');
  assert.deepEqual(pec.agents.map((a: any) => a.role), ['planner', 'executor', 'critic']);
  const made = await post('/api/teams/templates/plan_execute_critique', { name: 'My PEC' });
  assert.equal(made.status, 200);
  assert.equal(made.body.name, 'My PEC');
  assert.equal(made.body.template, 'plan_execute_critique');
  assert.equal(made.body.members.length, 3);
  assert.equal(made.body.members[2].agent.capabilities.can_critique, true);
  assert.equal((await post('/api/teams/templates/nope', {})).status, 404);
});

test('YAML: export is generated from the team; importing it recreates the same team', async () => {
  const made = (await post('/api/teams/templates/research_summary', {})).body;
  const exp = await post('/api/teams/export-yaml', { team_id: made.id });
  assert.equal(exp.status, 200);
  assert.match(exp.body.yaml_text, /^name: Research \+ summary$/m);
  assert.match(exp.body.yaml_text, /memory_mode: read_write/);
  const imp = await post('/api/teams/import-yaml', { yaml_text: exp.body.yaml_text });
  assert.equal(imp.status, 200);
  assert.equal(imp.body.ok, true);
  assert.notEqual(imp.body.team.id, made.id);
  const strip = (t: any) => t.members.map((m: any) => ({ ...m.agent, id: 0, created_at: '', updated_at: '' }));
  assert.deepEqual(strip(imp.body.team), strip(made));
  assert.equal(imp.body.team.yaml_text, exp.body.yaml_text);
  assert.equal((await post('/api/teams/export-yaml', { team_id: 999 })).status, 404);
});

test('YAML: import errors name the line and the field; nothing is created', async () => {
  const teamsBefore = (await get('/api/teams')).body.length;
  const agentsBefore = (await get('/api/agents')).body.length;
  const badTool = ['name: T', 'mode: careful', 'agents:', '  - name: A', '    role: writer', '    tools: [desktop_write_text, teleport]'].join('\n');
  const r1 = await post('/api/teams/import-yaml', { yaml_text: badTool });
  assert.equal(r1.status, 400);
  assert.match(r1.body.message, /line 6: agents\.0\.tools\.1/);

  const badMode = ['name: T', 'mode: yolo', 'agents:', '  - name: A'].join('\n');
  const r2 = await post('/api/teams/import-yaml', { yaml_text: badMode });
  assert.match(r2.body.message, /line 2: mode/);

  const typo = ['name: T', 'agents:', '  - name: A', '    sytem_prompt: hi'].join('\n');
  const r3 = await post('/api/teams/import-yaml', { yaml_text: typo });
  assert.match(r3.body.message, /line 4: agents\.0\.sytem_prompt/);

  const missing = ['name: T', 'agents:', '  - role: writer'].join('\n');
  const r4 = await post('/api/teams/import-yaml', { yaml_text: missing });
  assert.match(r4.body.message, /line 3: agents\.0\.name/);

  const syntax = ['name: T', 'agents: [', '  - x'].join('\n');
  const r5 = await post('/api/teams/import-yaml', { yaml_text: syntax });
  assert.equal(r5.status, 400);
  assert.match(r5.body.message, /Invalid YAML at line \d/);

  // A later agent's error must not leave the earlier agents behind.
  const second = ['name: T', 'agents:', '  - name: Good', '  - name: Bad', '    memory_mode: everything'].join('\n');
  assert.equal((await post('/api/teams/import-yaml', { yaml_text: second })).status, 400);
  assert.equal((await get('/api/teams')).body.length, teamsBefore);
  assert.equal((await get('/api/agents')).body.length, agentsBefore);
});

test('planning preview: /api/team/plan (mock planner) and /api/team/modes/preview; unknown team 404', async () => {
  const team = (await post('/api/teams/templates/plan_execute_critique', {})).body;
  const r = await post('/api/team/plan', { team_id: team.id, prompt: 'write the summary to notes.txt', mode: 'careful' });
  assert.equal(r.status, 200);
  assert.equal(r.body.ok, true);
  assert.deepEqual(r.body.plan.order, ['s1', 's2', 's3']);
  assert.deepEqual(r.body.subgoals.map((s: any) => s.agent_name), ['Executor', 'Executor', 'Critic']);
  assert.equal(r.body.subgoals[1].deliverable, 'file');
  assert.match(r.body.subgoals[2].assignment_reason, /critic/);
  const bad = await post('/api/team/plan', { team_id: team.id, prompt: 'mock:invalid-plan please' });
  assert.equal(bad.body.ok, false);
  assert.equal(bad.body.stop_reason, 'invalid_plan');
  assert.ok(bad.body.raw_output.includes('s9'));
  assert.equal((await post('/api/team/plan', { team_id: 999, prompt: 'x' })).status, 404);
  assert.equal((await post('/api/team/plan', { team_id: team.id })).status, 400);
  const m = await post('/api/team/modes/preview', { prompt: 'Compare option A versus option B', team_id: team.id });
  assert.deepEqual([m.status, m.body.ok, m.body.recommended_mode], [200, true, 'debate']);
  assert.ok(m.body.reason.length > 0);
  const forced = await post('/api/team/modes/preview', { prompt: 'x', mode: 'single_agent' });
  assert.equal(forced.body.mode, 'single_agent');
  assert.match(forced.body.behaviour, /No plan/);
});
