// Issue 3, points 1 and 7 on the real path: upstream failures of AgentCeption (refused, timeout, 401, 404,
// garbage) reach the mission as a clear error with a fix hint and a timeline event — the mission is never lost
// and the server stays healthy — the status vocabulary end to end (blocked, legacy done, stopped, unknown), and
// PhiOS failures (command missing, slow, service gone at writeback time, garbage).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server';
import { AUTH_401_BODY, startFakeAgentception, type FakeAgentception, type FakeAgentceptionOptions } from '../fakes/agentception';
import { phiosMcpEnv } from '../fakes/phios-mcp-command';
import { startFakePhiosHttp } from '../fakes/phios-http';
import { API, acEnv, getRun, json, post, timeline, until } from './missions-real-helpers';

const MISSION = {
  repo: 'acme/flaky',
  mission_title: 'Survive upstream trouble',
  objective: 'Keep the mission whatever AgentCeption does',
  acceptance_criteria: ['never lost'],
};

/** The server still answers, the mission is still listed and readable. */
async function stillHealthy(s: TestServer, id: string) {
  assert.equal((await s.fetch('/api/health', { auth: false })).status, 200);
  const list = await json(s.fetch(`${API}/runs?search=${encodeURIComponent('Survive upstream')}&limit=500`));
  assert.ok(
    list.some((r: any) => r.run_id === id),
    'the mission is still listed',
  );
  assert.equal((await s.fetch(`${API}/runs/${id}`)).status, 200);
}

async function lastEvent(s: TestServer, id: string, type: string) {
  const e = (await timeline(s, id)).filter((x) => x.type === type).at(-1);
  assert.ok(e, `timeline has ${type}`);
  return e;
}

describe('AgentCeption failures on the real path', () => {
  let ac: FakeAgentception;
  let s: TestServer;
  const acOpts: FakeAgentceptionOptions = { apiKey: 'good-key' };
  let issue = 300;
  const launch = async (extra: Record<string, unknown> = {}) =>
    json(post(s, '/runs/launch', { ...MISSION, issue_number: ++issue, watch: false, ...extra }));

  before(async () => {
    ac = await startFakeAgentception(acOpts);
    s = await startServer({
      ...acEnv(ac, { AGENTORA_AGENTCEPTION_API_KEY: 'good-key', AGENTORA_AGENTCEPTION_TIMEOUT_SECONDS: '0.3' }),
      ...phiosMcpEnv(),
    });
  });
  after(async () => {
    await s?.stop();
    await ac?.stop();
  });

  test('refused (nothing listening): launch_failed with the URL fix; relaunch works once it is back; refresh keeps the mission', async () => {
    await ac.setMode('down');
    const l = await launch();
    assert.equal(l.ok, false);
    assert.equal(l.run.status, 'launch_failed');
    assert.match(l.error, /agentception: AgentCeption at http:\/\/127\.0\.0\.1:\d+ is not reachable \(ECONNREFUSED\)/);
    assert.match(l.fix_hint, /AGENTORA_AGENTCEPTION_URL/);
    assert.equal(l.run.last_error, l.error);
    const ev = await lastEvent(s, l.run_id, 'launch_failed');
    assert.equal(ev.data.kind, 'refused');
    await stillHealthy(s, l.run_id);

    await ac.setMode('normal');
    const again = await json(post(s, '/runs/launch', { run_id: l.run_id, issue_number: ++issue, watch: false }));
    assert.equal(again.ok, true, JSON.stringify(again));
    assert.equal(again.run.status, 'running');
    assert.equal(again.run.last_error, null);

    await ac.setMode('down');
    const r = await json(post(s, `/runs/${l.run_id}/refresh`));
    assert.equal(r.ok, false);
    assert.match(r.error, /ECONNREFUSED/);
    assert.equal(r.run.status, 'running', 'kept: an unreachable service does not end the mission');
    assert.equal(r.run.job_id, again.run.job_id);
    assert.equal((await lastEvent(s, l.run_id, 'refresh_failed')).data.kind, 'refused');
    await stillHealthy(s, l.run_id);
    await ac.setMode('normal');
    const ok = await json(post(s, `/runs/${l.run_id}/refresh`));
    assert.equal(ok.ok, true);
    assert.equal(ok.run.last_error, null);
    await lastEvent(s, l.run_id, 'error_cleared');
  });

  test('timeout (slow answers, 0.3 s read timeout): a read-timeout error with the timeout fix, in bounded time', async () => {
    const l = await launch();
    assert.equal(l.ok, true);
    await ac.setMode('slow', { slowMs: 3000 });
    try {
      const t0 = Date.now();
      const r = await json(post(s, `/runs/${l.run_id}/refresh`));
      const ms = Date.now() - t0;
      assert.equal(r.ok, false);
      assert.match(r.error, /no complete answer within 300 ms \(read timeout\)/);
      assert.match(r.fix_hint, /up but slow.*raise its timeout/);
      assert.ok(ms < 2500, `bounded by the read timeout and one retry (took ${ms} ms)`);
      assert.equal(r.run.status, 'running');
      assert.equal((await lastEvent(s, l.run_id, 'refresh_failed')).data.kind, 'timeout');

      const l2 = await launch();
      assert.equal(l2.ok, false);
      assert.equal(l2.run.status, 'launch_failed');
      assert.match(l2.error, /read timeout\) — the dispatch was sent, AgentCeption may have started a run for issue #\d+/);
      assert.match(l2.fix_hint, /Check AgentCeption's active runs .* before launching again/);
      await stillHealthy(s, l2.run_id);
    } finally {
      await ac.setMode('normal');
    }
    const back = await json(post(s, `/runs/${l.run_id}/refresh`));
    assert.equal(back.ok, true);
  });

  test('401 (key mismatch): the exact AgentCeption body reaches the mission, with the API-key fix', async () => {
    const l = await launch();
    assert.equal(l.ok, true);
    acOpts.apiKey = 'rotated-key'; // AgentCeption restarted with another AC_API_KEY
    try {
      const l2 = await launch();
      assert.equal(l2.ok, false);
      assert.equal(l2.run.status, 'launch_failed');
      assert.ok(l2.error.includes(`HTTP 401: ${AUTH_401_BODY.detail}`), l2.error);
      assert.match(l2.fix_hint, /AGENTORA_AGENTCEPTION_API_KEY/);
      assert.equal((await lastEvent(s, l2.run_id, 'launch_failed')).data.kind, 'unauthorized');

      const r = await json(post(s, `/runs/${l.run_id}/refresh`));
      assert.equal(r.ok, false);
      assert.ok(r.run.last_error.includes(AUTH_401_BODY.detail), r.run.last_error);
      assert.match(r.run.fix_hint, /AC_API_KEY/);
      assert.equal(r.run.status, 'running');
      assert.equal((await lastEvent(s, l.run_id, 'refresh_failed')).data.kind, 'unauthorized');
      await stillHealthy(s, l.run_id);
      // the health check says so too (/health has no auth: it probes an MCP read)
      const h = await json(s.fetch(`${API}/agentception/health`));
      assert.equal(h.ok, false);
      assert.ok(h.detail.includes(AUTH_401_BODY.detail), h.detail);
      assert.match(h.fix_hint, /AGENTORA_AGENTCEPTION_API_KEY/);
    } finally {
      acOpts.apiKey = 'good-key';
    }
  });

  test('404 (a run AgentCeption does not know): not_found on the mission with the relaunch hint', async () => {
    const l = await launch();
    assert.equal(l.ok, true);
    ac.runs.delete(l.run.job_id);
    const r = await json(post(s, `/runs/${l.run_id}/refresh`));
    assert.equal(r.ok, false);
    assert.match(r.error, new RegExp(`AgentCeption does not know run ${l.run.job_id}`));
    assert.match(r.fix_hint, /relaunch the mission/);
    assert.equal(r.run.status, 'running');
    assert.equal((await lastEvent(s, l.run_id, 'refresh_failed')).data.kind, 'not_found');
    // the live fallback was asked before giving up, and it said 404
    assert.ok(ac.count((h) => h.path === `/api/agents/${l.run.job_id}`) >= 1);
    await stillHealthy(s, l.run_id);
  });

  test('garbage (HTML instead of JSON, MCP text that is not JSON): bad_reply with the protocol fix', async () => {
    const l = await launch();
    assert.equal(l.ok, true);
    try {
      await ac.setMode('garbage');
      const r = await json(post(s, `/runs/${l.run_id}/refresh`));
      assert.equal(r.ok, false);
      assert.match(r.error, /answered something that is not JSON: <html>/);
      assert.match(r.fix_hint, /does not speak the expected protocol/);
      assert.equal((await lastEvent(s, l.run_id, 'refresh_failed')).data.kind, 'bad_reply');

      const l2 = await launch();
      assert.equal(l2.ok, false);
      assert.equal(l2.run.status, 'launch_failed');
      assert.match(l2.error, /not JSON/);

      // MCP answers envelopes whose text is not JSON: while the run is live, /api/agents/{id} (the contract's
      // live fallback) still tells the state, so the refresh works...
      await ac.setMode('garbage-mcp');
      const live = await json(post(s, `/runs/${l.run_id}/refresh`));
      assert.equal(live.ok, true, JSON.stringify(live.error));
      assert.equal(live.run.status, 'running');
      assert.equal(live.run.live, true);
      // ...once it finished (/api/agents answers 404) nothing can tell the outcome: a bad_reply error, and the
      // mission is NOT declared finished or lost on a guess
      ac.finish(l.run.job_id);
      const r2 = await json(post(s, `/runs/${l.run_id}/refresh`));
      assert.equal(r2.ok, false);
      assert.match(r2.error, /resources\/read ac:\/\/runs\/.+ answered something that is not JSON/);
      assert.match(r2.fix_hint, /does not speak the expected protocol/);
      assert.equal(r2.run.status, 'running');
      await stillHealthy(s, l.run_id);
    } finally {
      await ac.setMode('normal');
    }
    const back = await json(post(s, `/runs/${l.run_id}/refresh`));
    assert.equal(back.ok, true, JSON.stringify(back.error));
    assert.equal(back.run.last_error, null);
    assert.equal(back.run.status, 'succeeded');
    assert.ok(back.run.pr_url);
  });
});

describe('AgentCeption status vocabulary end to end (watcher on)', () => {
  let ac: FakeAgentception;
  let s: TestServer;
  let issue = 600;
  const launch = async () => {
    const l = await json(post(s, '/runs/launch', { ...MISSION, mission_title: 'Vocabulary', issue_number: ++issue }));
    assert.equal(l.ok, true, JSON.stringify(l));
    return { id: l.run_id as string, job: l.run.job_id as string };
  };
  const settle = (id: string, pred: (r: any) => boolean, what: string) =>
    until(what, async () => {
      const r = await getRun(s, id);
      return pred(r) && r;
    });

  before(async () => {
    ac = await startFakeAgentception();
    s = await startServer({
      ...acEnv(ac),
      ...phiosMcpEnv(),
      AGENTORA_MISSIONS_WATCHER_ENABLED: 'true',
      AGENTORA_MISSIONS_WATCHER_INTERVAL_SECONDS: '0.1',
    });
  });
  after(async () => {
    await s?.stop();
    await ac?.stop();
  });

  test('blocked stays non-terminal and watched, then resumes', async () => {
    const { id, job } = await launch();
    ac.advance(job, 'blocked');
    const b = await settle(id, (r) => r.status === 'blocked', 'blocked');
    assert.equal(b.terminal, false);
    assert.equal(b.watched, true);
    assert.equal(b.job_raw_status, 'blocked');
    ac.advance(job, 'reviewing');
    const r = await settle(id, (x) => x.status === 'running', 'running again');
    assert.equal(r.job_raw_status, 'reviewing');
    assert.equal(r.watched, true);
  });

  test('`stalled` is running but flagged stale; `failed` and legacy `unknown` are failed', async () => {
    const a = await launch();
    ac.advance(a.job, 'stalled');
    const st = await settle(a.id, (x) => x.stale === true, 'stale');
    assert.equal(st.status, 'running');
    assert.equal(st.job_raw_status, 'stalled');
    ac.finish(a.job, { status: 'failed' });
    const f = await settle(a.id, (x) => x.terminal, 'terminal');
    assert.equal(f.status, 'failed');
    assert.equal(f.pr_url, null);
    const b = await launch();
    ac.advance(b.job, 'unknown');
    const u = await settle(b.id, (x) => x.terminal, 'terminal');
    assert.equal(u.status, 'failed', 'legacy `unknown` (a run AgentCeption lost) is failed, not our unknown');
  });

  test('legacy `done` with a PR (and no done event) → succeeded with the PR link', async () => {
    const { id, job } = await launch();
    ac.finish(job, { status: 'done', done: false, pr_number: 77 });
    const r = await settle(id, (x) => x.terminal, 'terminal');
    assert.equal(r.status, 'succeeded');
    assert.equal(r.job_raw_status, 'done');
    assert.equal(r.pr_url, 'https://github.com/acme/flaky/pull/77');
  });

  test('legacy `done` without a PR (POST /stop) → cancelled', async () => {
    const { id, job } = await launch();
    const stop = await fetch(`${ac.url}/api/runs/${job}/stop`, { method: 'POST' });
    assert.equal(stop.status, 200);
    const r = await settle(id, (x) => x.terminal, 'terminal');
    assert.equal(r.status, 'cancelled');
    assert.equal(r.job_raw_status, 'done');
    assert.equal(r.pr_url, null);
    assert.equal(r.watched, false);
  });

  test('`stopped` → cancelled', async () => {
    const { id, job } = await launch();
    ac.advance(job, 'stopped');
    const r = await settle(id, (x) => x.terminal, 'terminal');
    assert.equal(r.status, 'cancelled');
    assert.equal(r.job_raw_status, 'stopped');
  });

  test('an unknown raw status keeps polling and shows the raw value', async () => {
    const { id, job } = await launch();
    ac.advance(job, 'quantum_superposition');
    const u = await settle(id, (x) => x.status === 'unknown', 'unknown');
    assert.equal(u.job_raw_status, 'quantum_superposition');
    assert.equal(u.terminal, false);
    assert.equal(u.watched, true);
    const reads = ac.runs.get(job)!.contextReads;
    await until('still polled', async () => ac.runs.get(job)!.contextReads >= reads + 2);
    assert.ok((await timeline(s, id)).some((e) => e.type === 'state_changed' && /quantum_superposition/.test(e.message)));
    ac.finish(job);
    const done = await settle(id, (x) => x.terminal, 'terminal');
    assert.equal(done.status, 'succeeded');
  });
});

describe('PhiOS failures on the real path', () => {
  let ac: FakeAgentception;
  before(async () => {
    ac = await startFakeAgentception({ autoComplete: 1 });
  });
  after(() => ac?.stop());

  test('mcp-stdio: a missing command and a slow PhiOS → prepare is a clear 503 with the fix, nothing stored', async () => {
    const s = await startServer({ ...acEnv(ac), AGENTORA_PHIOS_TRANSPORT: 'mcp-stdio', AGENTORA_PHIOS_COMMAND: '/nonexistent/phi-mcp' });
    try {
      const r = await post(s, '/runs/prepare', MISSION);
      assert.equal(r.status, 503);
      const body = (await r.json()) as any;
      assert.equal(body.error, 'unavailable');
      assert.match(body.message, /cannot start the PhiOS MCP server `\/nonexistent\/phi-mcp` \(ENOENT\)/);
      assert.match(body.fix_hint, /pip install phios/);
      assert.equal((await s.fetch(`${API}/runs`)).headers.get('x-total-count'), '0', 'no half-made mission');
      assert.equal((await s.fetch('/api/health', { auth: false })).status, 200);
    } finally {
      await s.stop();
    }
    const slow = await startServer({
      ...acEnv(ac),
      ...phiosMcpEnv({ FAKE_PHIOS_DELAY_MS: '3000' }),
      AGENTORA_PHIOS_TIMEOUT_SECONDS: '0.3',
      AGENTORA_PHIOS_RETRIES: '0',
    });
    try {
      // start the child first (listing tools is not delayed), so only the slow read is timed
      assert.equal((await json(slow.fetch(`${API}/phios/health`))).ok, true);
      const t0 = Date.now();
      const r = await post(slow, '/runs/prepare', MISSION);
      assert.equal(r.status, 503);
      const body = (await r.json()) as any;
      assert.match(body.message, /PhiOS context pack: no answer within 300 ms \(read timeout\)/);
      assert.match(body.fix_hint, /AGENTORA_PHIOS_TIMEOUT_SECONDS/);
      assert.ok(Date.now() - t0 < 2500, 'bounded by the read timeout');
    } finally {
      await slow.stop();
    }
  });

  test('http: PhiOS gone at writeback time → the failure is on the mission with the URL fix, retry works once back', async () => {
    const ph = await startFakePhiosHttp({ newPaths: true });
    const s = await startServer({
      ...acEnv(ac),
      AGENTORA_PHIOS_TRANSPORT: 'http',
      AGENTORA_PHIOS_URL: ph.url,
      AGENTORA_PHIOS_TIMEOUT_SECONDS: '0.5',
      AGENTORA_PHIOS_RETRIES: '0',
    });
    try {
      const l = await json(post(s, '/runs/launch', { ...MISSION, issue_number: 950, watch: false }));
      assert.equal(l.ok, true);
      assert.equal(l.run.context_packet.source, 'phios-http');
      await until('terminal', async () => (await json(post(s, `/runs/${l.run_id}/refresh`))).run.terminal);
      await ph.setMode('down');
      const wb = await json(post(s, `/runs/${l.run_id}/writeback`, { tags: ['t'] }));
      assert.equal(wb.ok, false);
      assert.equal(wb.writeback.error_code, 'refused');
      assert.match(wb.run.last_error, /PhiOS at http:\/\/127\.0\.0\.1:\d+ is not reachable \(ECONNREFUSED\)/);
      assert.match(wb.run.fix_hint, /AGENTORA_PHIOS_URL/);
      assert.equal(wb.run.writeback_status, 'failed');
      assert.equal(wb.run.status, 'succeeded');
      await ph.setMode('garbage');
      const wb2 = await json(post(s, `/runs/${l.run_id}/writeback`, {}));
      assert.equal(wb2.ok, false);
      assert.equal(wb2.writeback.error_code, 'bad_reply');
      await ph.setMode('normal');
      const wb3 = await json(post(s, `/runs/${l.run_id}/writeback`, {}));
      assert.equal(wb3.ok, true, JSON.stringify(wb3.writeback));
      assert.equal(wb3.run.writeback_status, 'succeeded');
      assert.equal(ph.writes.length, 1);
      const types = (await timeline(s, l.run_id)).map((e) => e.type);
      assert.equal(types.filter((t) => t === 'writeback_failed').length, 2);
      assert.equal(types.filter((t) => t === 'writeback_succeeded').length, 1);
    } finally {
      await s.stop();
      await ph.stop();
    }
  });
});
