// POST /api/integrations/enable: switches a service on with its connection, persisted in <data dir>/config.env
// and applied without a restart; bad values change nothing; the environment still wins and the answer says so.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startFakeAgentception, type FakeAgentception } from '../fakes/agentception';
import { startServer, type TestServer } from '../helpers/server';

let ac: FakeAgentception;
let s: TestServer;
before(async () => {
  ac = await startFakeAgentception();
  s = await startServer({ AGENTORA_INTEGRATIONS_MOCK: 'false', AGENTORA_AGENTCEPTION_CONNECT_TIMEOUT_SECONDS: '1' });
});
after(async () => {
  await s?.stop();
  await ac?.stop();
});

const post = async (p: string, body: unknown) => {
  const r = await s.fetch(p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as any };
};

test('enable AgentCeption with its URL: written to config.env and used at once, without a restart', async () => {
  const before = (await (await s.fetch('/api/integrations/status')).json()) as any;
  assert.equal(before.agentception.enabled, false);
  const r = await post('/api/integrations/enable', { name: 'agentception', enabled: true, config: { url: ac.url, launch_mode: 'issue' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.enabled, true);
  assert.equal(r.body.health.ok, true, JSON.stringify(r.body.health));
  assert.deepEqual(r.body.overridden, []);
  const file = readFileSync(path.join(s.dataDir, 'config.env'), 'utf8');
  assert.match(file, new RegExp(`^AGENTORA_AGENTCEPTION_URL=${ac.url.replace(/[.:/]/g, '\\$&')}$`, 'm'));
  assert.match(file, /^AGENTORA_AGENTCEPTION_ENABLED=true$/m);
  const launched = await post('/api/integrations/runs/launch', {
    repo: 'acme/on',
    mission_title: 'On',
    objective: 'Runs on the fake',
    issue_number: 3,
  });
  assert.equal(launched.body.ok, true, JSON.stringify(launched.body));
  assert.ok(ac.runs.has('issue-3'), 'the launch reached the AgentCeption fake');
});

test('bad values are 400s naming the field, and change nothing', async () => {
  const before = readFileSync(path.join(s.dataDir, 'config.env'), 'utf8');
  for (const [body, field] of [
    [{ name: 'agentception', enabled: true, config: { url: 'not a url' } }, 'config.url'],
    [{ name: 'phios', enabled: true, config: { transport: 'carrier-pigeon' } }, 'config.transport'],
    [{ name: 'agentception', enabled: true, config: { api_key: 'secret' } }, 'api_key'],
    [{ name: 'agentception', enabled: true, config: { label: 'a\nAGENTORA_HOST=0.0.0.0' } }, 'config.label'],
    [{ name: 'nope', enabled: true }, 'name'],
  ] as const) {
    const r = await post('/api/integrations/enable', body);
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.match(r.body.message, new RegExp(field.replace('.', '\\.')), JSON.stringify(r.body));
  }
  assert.equal(readFileSync(path.join(s.dataDir, 'config.env'), 'utf8'), before);
});

test('the environment still wins, and the answer says which variable and by what', async () => {
  const pinned = await startServer({ AGENTORA_INTEGRATIONS_MOCK: 'false', AGENTORA_PHIOS_ENABLED: 'false' });
  try {
    const r = await pinned.fetch('/api/integrations/enable', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'phios', enabled: true, config: { transport: 'http', url: 'http://127.0.0.1:9' } }),
    });
    const body = (await r.json()) as any;
    assert.equal(r.status, 200, JSON.stringify(body));
    assert.equal(body.enabled, false);
    assert.deepEqual(body.overridden, [{ variable: 'AGENTORA_PHIOS_ENABLED', by: 'environment', effective: 'false' }]);
  } finally {
    await pinned.stop();
  }
});
