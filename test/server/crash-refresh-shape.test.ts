// Issue 9 item 17: a refresh answer that is valid JSON of the wrong shape (renamed fields, another document) used to
// move the mission to `unknown` with no error. Now it is an upstream error with the fix, recorded on the mission
// and in its timeline, and the mission keeps the state it had; the next good answer clears the error.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeAgentception, type FakeAgentception } from '../fakes/agentception';
import { startServer, type TestServer } from '../helpers/server';
import { acEnv, json, post, timeline } from './missions-real-helpers';

describe('refresh answers of the wrong shape', () => {
  let ac: FakeAgentception;
  let s: TestServer;
  before(async () => {
    ac = await startFakeAgentception();
    s = await startServer(acEnv(ac, { AGENTORA_PHIOS_ENABLED: 'false' }));
  });
  after(async () => {
    await s?.stop();
    await ac?.stop();
  });

  test('recorded as an upstream error with the fix, never a silent move to unknown', async () => {
    const l = await json(
      post(s, '/runs/launch', {
        repo: 'acme/shape',
        mission_title: 'Shape check',
        objective: 'Keep the refresh honest',
        issue_number: 4242,
        watch: false,
      }),
    );
    const id = l.run_id ?? l.id;
    const launched = l.run ?? l;
    assert.equal(launched.status, 'running', JSON.stringify(l));

    await ac.setMode('wrong-shape');
    const r = await json(post(s, `/runs/${id}/refresh`));
    const run = r.run ?? r;
    assert.equal(r.ok, false, JSON.stringify(r));
    assert.equal(run.status, 'running', 'the mission keeps its state, it is not moved to unknown');
    assert.match(run.last_error, /agentception: .*expected \{ok, context:\{run_id, status/);
    assert.match(run.last_error, /"run":\{"id":"issue-4242","state":"implementing"\}/, 'the error shows what came back');
    assert.match(run.fix_hint, /does not speak the expected protocol: check the URL points at AgentCeption and its version/);
    const failed = (await timeline(s, id)).filter((e) => e.type === 'refresh_failed');
    assert.equal(failed.length, 1);
    assert.equal(failed[0].data.kind, 'bad_reply');

    // Once the run has finished (/api/agents says 404) the same wrong shape is still an error, not an outcome.
    ac.finish('issue-4242');
    const r2 = await json(post(s, `/runs/${id}/refresh`));
    assert.equal(r2.ok, false);
    assert.equal((r2.run ?? r2).status, 'running');

    await ac.setMode('normal');
    const r3 = await json(post(s, `/runs/${id}/refresh`));
    const ok = r3.run ?? r3;
    assert.equal(r3.ok, true, JSON.stringify(r3.error));
    assert.equal(ok.status, 'succeeded');
    assert.equal(ok.last_error, null);
    assert.ok((await timeline(s, id)).some((e) => e.type === 'error_cleared'));
  });
});
