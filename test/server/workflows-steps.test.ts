// The other step types on the real server (mock model): tool steps (memory_propose then memory_search through
// the memory service; http_fetch through the domain check — a blocked domain is refused and on_failure
// continue moves on), a team_run step that starts a team run and waits for its end, and a handoff to an agent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startServer, type TestServer } from '../helpers/server';
import { client } from './workflows-helpers';

let srv: TestServer;
let site: Server;
let siteUrl: string;
const { post, get, status } = client(() => srv);

before(async () => {
  site = createServer((_req, res) => res.end('hello from the site'));
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/page`;
  srv = await startServer({ AGENTORA_USE_MOCK_OLLAMA: 'true', AGENTORA_BLOCKED_DOMAINS: 'blocked.test' });
});
after(async () => {
  await srv.stop();
  await new Promise((r) => site.close(r));
});

test('tool, team_run and handoff steps run through their services; a refused fetch continues when on_failure says so', async () => {
  const team = (await post('/api/teams/templates/plan_execute_critique', {})).body;
  const agent = (await get('/api/agents')).body[0];
  const wf = await post('/api/workflows', {
    name: 'all kinds',
    params_schema: { type: 'object', properties: { fact: { type: 'string' } }, required: ['fact'] },
    steps: [
      { name: 'remember', step_type: 'tool', tool_name: 'memory_propose', params: { text: '{{inputs.fact}}' } },
      { name: 'recall', step_type: 'tool', tool_name: 'memory_search', params: { query: 'deploy script' } },
      { name: 'fetch', step_type: 'tool', tool_name: 'http_fetch', params: { url: siteUrl } },
      { name: 'blocked', step_type: 'tool', tool_name: 'http_fetch', on_failure: 'continue', params: { url: 'http://blocked.test/x' } },
      { name: 'team', step_type: 'team_run', timeout_seconds: 60, params: { team_id: team.id, prompt: 'summarise {{steps.fetch.output.text}}' } },
      { name: 'hand', step_type: 'handoff', params: { agent_id: agent.id, message: 'Review: {{steps.team.output.final_output}}' } },
    ],
  });
  assert.equal(wf.status, 200, JSON.stringify(wf.body));
  const id = (await post(`/api/workflows/${wf.body.item.id}/run`, { inputs: { fact: 'The deploy script lives in scripts/deploy.sh.' } })).body.item
    .id;
  const done = await status(id, 'completed', 'failed');
  assert.equal(done.run.status, 'completed', done.run.error);
  const [remember, recall, fetched, blocked, teamStep, hand] = done.steps;
  assert.equal(remember.status, 'done');
  assert.ok(
    recall.output.items.some((i: any) => i.capsule_id === remember.output.capsule_id),
    JSON.stringify(recall.output),
  );
  assert.deepEqual([fetched.output.status, fetched.output.text], [200, 'hello from the site']);
  assert.equal(blocked.status, 'failed');
  assert.match(blocked.error, /blocked\.test is a blocked domain/);
  assert.equal(teamStep.output.status, 'completed');
  const teamRun = (await get(`/api/runs/${teamStep.external_ref}`)).body.run;
  assert.deepEqual([teamRun.status, teamRun.prompt], ['completed', 'summarise hello from the site']);
  assert.equal(hand.output.agent, agent.name);
  assert.ok(hand.output.text.length > 0);
});
