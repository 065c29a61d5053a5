// Real mode with one service switched off. AgentCeption without PhiOS: Agentora builds the packet itself
// (source `local`, no invented memories), the mission launches on AgentCeption, and writeback says PhiOS is off
// with the setting that fixes it. No AgentCeption: a dry run works, a launch fails with the fix, nothing is lost.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeAgentception, type FakeAgentception } from '../fakes/agentception';
import { startServer, type TestServer } from '../helpers/server';
import { acEnv, getRun, json, post, until } from './missions-real-helpers';

describe('PhiOS disabled, AgentCeption enabled', () => {
  let ac: FakeAgentception;
  let s: TestServer;
  before(async () => {
    ac = await startFakeAgentception({ autoComplete: 1 });
    s = await startServer(acEnv(ac, { AGENTORA_PHIOS_ENABLED: 'false', AGENTORA_PHIOS_COMMAND: '/nonexistent/phi-mcp' }));
  });
  after(async () => {
    await s?.stop();
    await ac?.stop();
  });

  test('prepare builds a local packet, launch and refresh run on AgentCeption, writeback names the fix', async () => {
    const prep = await json(post(s, '/runs/prepare', { repo: 'acme/solo', mission_title: 'Solo', objective: 'Add a health route' }));
    assert.equal(prep.ok, true, JSON.stringify(prep));
    assert.equal(prep.context_packet.source, 'local');
    assert.deepEqual(prep.context_packet.memory_snippets, []);
    assert.match(prep.context_packet.session_id, /^ses_/);
    const l = await json(post(s, '/runs/launch', { run_id: prep.run_id, issue_number: 7 }));
    assert.equal(l.ok, true, JSON.stringify(l));
    assert.equal(ac.runs.has('issue-7'), true);
    const done = await until('terminal', async () => {
      await post(s, `/runs/${prep.run_id}/refresh`);
      const r = await getRun(s, prep.run_id);
      return r.terminal && r;
    });
    assert.equal(done.status, 'succeeded');
    const wb = await json(post(s, `/runs/${prep.run_id}/writeback`, { operator_notes: 'ok' }));
    assert.equal(wb.ok, false);
    const after = await getRun(s, prep.run_id);
    assert.equal(after.writeback_status, 'failed');
    assert.match(after.fix_hint, /AGENTORA_PHIOS_ENABLED=true/);
    const status = await json(s.fetch('/api/integrations/status'));
    assert.equal(status.phios.transport, 'local');
    assert.equal(status.phios.enabled, false);
  });
});

describe('AgentCeption disabled', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ AGENTORA_INTEGRATIONS_MOCK: 'false', AGENTORA_PHIOS_ENABLED: 'false', AGENTORA_AGENTCEPTION_ENABLED: 'false' });
  });
  after(() => s?.stop());

  test('a dry run works; a launch fails on the mission with the setting that fixes it', async () => {
    const dry = await json(post(s, '/runs/launch', { repo: 'acme/off', mission_title: 'Dry', objective: 'Look only', dry_run: true }));
    assert.equal(dry.ok, true, JSON.stringify(dry));
    assert.equal(dry.run.status, 'dry_run');
    const l = await json(post(s, '/runs/launch', { repo: 'acme/off', mission_title: 'Real', objective: 'Try to launch' }));
    assert.equal(l.ok, false);
    assert.equal(l.run.status, 'launch_failed');
    assert.match(l.run.last_error, /AgentCeption is disabled/);
    assert.match(l.run.fix_hint, /AGENTORA_AGENTCEPTION_ENABLED=true/);
    assert.equal((await s.fetch('/api/health')).status, 200);
  });
});
