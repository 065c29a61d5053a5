// The real AgentCeption bridge against the fake AgentCeption (HTTP + MCP-over-HTTP): launch in both modes,
// status / events / live fallback, PR URL, artifacts, cancel, and every failure becoming an UpstreamError.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AgentceptionHttpBridge } from '../../server/src/bridges/missions/agentception/http';
import { type LaunchRequest, UpstreamError } from '../../server/src/bridges/missions/types';
import { AUTH_401_BODY, type FakeAgentception, startFakeAgentception } from '../fakes/agentception';
import { startBlackhole } from '../fakes/blackhole';

const KEY = 'ac-secret';
const bridgeFor = (url: string, o: Partial<ConstructorParameters<typeof AgentceptionHttpBridge>[0]> = {}) =>
  new AgentceptionHttpBridge({ baseUrl: url, apiKey: KEY, connectTimeoutMs: 500, readTimeoutMs: 500, retries: 2, retryBaseMs: 5, ...o });

const issue = (n: number, extra: Partial<LaunchRequest> = {}): LaunchRequest => ({
  mode: 'issue',
  repo: 'acme/widgets',
  role: 'developer',
  issue_title: `Mission ${n}`,
  issue_body: `## Objective\nDo thing ${n}\n\n## Acceptance criteria\n- it works`,
  issue_number: n,
  ...extra,
});

async function rejectsUpstream(p: Promise<unknown>, kind: UpstreamError['kind']): Promise<UpstreamError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof UpstreamError, `expected UpstreamError, got ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    assert.ok(err.fix_hint.length > 0, 'every failure carries a fix hint');
    return err;
  }
  assert.fail(`expected a ${kind} UpstreamError`);
}

describe('AgentCeption bridge', () => {
  let fake: FakeAgentception;
  let ac: AgentceptionHttpBridge;
  before(async () => {
    fake = await startFakeAgentception({ apiKey: KEY, slowMs: 1500 });
    ac = bridgeFor(fake.url);
  });
  after(() => fake.stop());

  test('health: /health plus an authenticated MCP probe', async () => {
    const h = await ac.health();
    assert.equal(h.ok, true, h.detail);
    assert.equal(h.mock, false);
    assert.equal(h.transport, 'http');
    assert.ok(fake.count((x) => x.path === '/health') >= 1);
    assert.ok(!fake.hits.some((x) => x.path === '/api/health'), 'AgentCeption has no /api/health');
  });

  test('issue mode: /api/dispatch/issue with the brief in issue_body, bearer auth, running at once', async () => {
    const r = await ac.launch(issue(11));
    assert.equal(r.run_id, 'issue-11');
    assert.equal(r.state, 'running');
    assert.equal(r.raw_status, 'implementing');
    assert.equal(r.branch, 'agent/issue-11');
    const run = fake.runs.get('issue-11')!;
    assert.match(run.task_description, /## Objective\nDo thing 11/);
    assert.deepEqual(Object.keys(run.request).sort(), ['issue_body', 'issue_number', 'issue_title', 'repo', 'role']);
    const hit = fake.hits.find((x) => x.path === '/api/dispatch/issue')!;
    assert.equal(hit.authorization, `Bearer ${KEY}`);
    assert.equal(
      fake.count((x) => x.path === '/api/dispatch/launch'),
      0,
      'never calls /dispatch/launch',
    );
  });

  test('label mode: dispatch (pending_launch) then /execute starts it', async () => {
    const r = await ac.launch({ ...issue(0), issue_number: undefined, mode: 'label', label: 'agentora' });
    assert.match(r.run_id, /^label-agentora-/);
    assert.equal(r.state, 'running');
    assert.equal(r.warning, undefined);
    assert.equal(fake.runs.get(r.run_id)!.status, 'implementing');
    const paths = fake.hits.map((h) => h.path);
    assert.ok(paths.indexOf(`/api/runs/${r.run_id}/execute`) > paths.indexOf('/api/dispatch/label'));
  });

  test('label mode: when /execute fails the run id is still returned (queued, with a warning), never lost', async () => {
    fake.failExecute(500);
    try {
      const r = await ac.launch({ ...issue(0), issue_number: 5, mode: 'label', label: 'flaky-exec' });
      assert.equal(r.state, 'queued');
      assert.equal(r.raw_status, 'pending_launch');
      assert.ok(fake.runs.has(r.run_id));
      assert.match(r.warning ?? '', /created but did not start.*git worktree add failed/);
      assert.equal(fake.runs.get(r.run_id)!.issue_number, 5, 'scoped to the issue');
      assert.equal(
        fake.count((x) => x.path === `/api/runs/${r.run_id}/execute`),
        1,
        'launch steps are not retried',
      );
    } finally {
      fake.failExecute(null);
    }
  });

  test('the fake reproduces the /dispatch/launch trap: a prompt, no run', async () => {
    const before = fake.runs.size;
    const res = await fetch(`${fake.url}/api/dispatch/launch`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` } });
    const body = (await res.json()) as { ok: boolean; prompt: string; error: unknown };
    assert.deepEqual(Object.keys(body).sort(), ['error', 'ok', 'prompt']);
    assert.equal(typeof body.prompt, 'string');
    assert.equal(fake.runs.size, before);
  });

  test('label mode: 409 (worktree exists) is a conflict error, not a crash', async () => {
    const res = await fetch(`${fake.url}/api/dispatch/label`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ label: 'dup', scope: 'full_initiative', repo: 'acme/widgets' }),
    });
    assert.equal(res.status, 200);
    const e = await rejectsUpstream(ac.launch({ ...issue(0), issue_number: undefined, mode: 'label', label: 'dup' }), 'conflict');
    assert.equal(e.status, 409);
    assert.match(e.message, /Worktree already exists/);
  });

  test('status: MCP context + events (JSON-string text and payloads), no Origin header, live while running', async () => {
    await ac.launch(issue(12));
    const s = await ac.status('issue-12');
    assert.equal(s.state, 'running');
    assert.equal(s.live, true);
    assert.equal(s.stale, false);
    assert.equal(s.branch, 'agent/issue-12');
    assert.equal(s.issue_url, 'https://github.com/acme/widgets/issues/12');
    assert.deepEqual(
      s.events.map((e) => e.event_type),
      ['step_start', 'file_edit'],
    );
    assert.deepEqual(s.events[1]!.payload, { path: 'src/index.ts' }, 'payload parsed from its JSON string');
    const mcp = fake.hits.filter((x) => x.path === '/api/mcp');
    assert.ok(mcp.length >= 2);
    assert.ok(
      mcp.every((x) => x.origin === undefined),
      'never an Origin header on /api/mcp',
    );
    assert.equal(
      fake.count((x) => x.path.startsWith('/api/agents/')),
      0,
      'no fallback needed',
    );

    const later = await ac.status('issue-12', { after_event_id: s.events[0]!.id });
    assert.deepEqual(
      later.events.map((e) => e.event_type),
      ['file_edit'],
    );
  });

  test('status: completed with a done event → succeeded, PR URL and summary from the payload, not live', async () => {
    await ac.launch(issue(13));
    fake.finish('issue-13', { pr_url: 'https://github.com/acme/widgets/pull/77', summary: 'Did it', grade: 'A' });
    const s = await ac.status('issue-13');
    assert.equal(s.state, 'succeeded');
    assert.equal(s.raw_status, 'completed');
    assert.equal(s.live, false);
    assert.equal(s.pr_url, 'https://github.com/acme/widgets/pull/77');
    assert.equal(s.summary, 'Did it');
    assert.equal(s.grade, 'A');
    assert.ok(s.completed_at);
    // A window past the done event still finds it (it decides the PR URL and the legacy `done`).
    const last = s.events.at(-1)!.id;
    const again = await ac.status('issue-13', { after_event_id: last });
    assert.deepEqual(again.events, []);
    assert.equal(again.summary, 'Did it');
  });

  test('status: PR URL from gh_repo + pr_number when the done event has none', async () => {
    await ac.launch(issue(14));
    fake.finish('issue-14', { done: false, pr_number: 42 });
    const s = await ac.status('issue-14');
    assert.equal(s.state, 'succeeded');
    assert.equal(s.pr_url, 'https://github.com/acme/widgets/pull/42');
    assert.equal(s.summary, null);
  });

  test('status: legacy done — cancelled without a done event or PR, succeeded with one', async () => {
    await ac.launch(issue(15));
    const stop = await fetch(`${fake.url}/api/runs/issue-15/stop`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(stop.status, 200);
    const s = await ac.status('issue-15');
    assert.equal(s.raw_status, 'done');
    assert.equal(s.state, 'cancelled');

    await ac.launch(issue(16));
    fake.finish('issue-16', { status: 'done', summary: 'stopped after the PR' });
    const t = await ac.status('issue-16');
    assert.equal(t.raw_status, 'done');
    assert.equal(t.state, 'succeeded');
    assert.ok(t.pr_url);
  });

  test('status: stalled is running + stale, blocked is blocked, an unknown value is shown raw', async () => {
    await ac.launch(issue(17));
    fake.advance('issue-17', 'stalled');
    const a = await ac.status('issue-17');
    assert.deepEqual([a.state, a.stale], ['running', true]);
    fake.advance('issue-17', 'blocked');
    assert.equal((await ac.status('issue-17')).state, 'blocked');
    fake.advance('issue-17', 'awaiting_quantum_review');
    const u = await ac.status('issue-17');
    assert.deepEqual([u.state, u.raw_status], ['unknown', 'awaiting_quantum_review']);
  });

  test('status: /api/agents/{id} is the fallback when MCP fails; 404 there means not live', async () => {
    await ac.launch(issue(18));
    fake.breakMcp(true);
    try {
      const s = await ac.status('issue-18');
      assert.equal(s.state, 'running');
      assert.equal(s.live, true);
      assert.ok(fake.count((x) => x.path === '/api/agents/issue-18') >= 1);
      fake.finish('issue-18');
      // Finished: /api/agents says 404 (not a failure in itself), MCP is down, so the MCP failure is reported.
      const e = await rejectsUpstream(ac.status('issue-18'), 'failed');
      assert.match(e.message, /HTTP 500/);
    } finally {
      fake.breakMcp(false);
    }
    assert.equal((await ac.status('issue-18')).state, 'succeeded');
  });

  test('status: a run AgentCeption does not know is not_found', async () => {
    const e = await rejectsUpstream(ac.status('issue-999'), 'not_found');
    assert.match(e.message, /issue-999/);
  });

  test('artifacts: files_written from /api/runs/{id}/memory; unknown run → not_found', async () => {
    await ac.launch(issue(19));
    fake.finish('issue-19');
    const files = await ac.artifacts('issue-19');
    assert.deepEqual(
      files.map((f) => f.path),
      ['src/index.ts', 'CHANGELOG.md'],
    );
    assert.equal(files[0]!.lines_omitted, 0);
    assert.match(files[0]!.diff, /change/);
    await rejectsUpstream(ac.artifacts('nope'), 'not_found');
  });

  test('cancel: 204 from pending_launch; 409 then build_cancel_run for a started run; finished → conflict', async () => {
    const res = await fetch(`${fake.url}/api/dispatch/label`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ label: 'pending-one', scope: 'full_initiative', repo: 'acme/widgets' }),
    });
    const { run_id } = (await res.json()) as { run_id: string };
    assert.deepEqual(await ac.cancel(run_id), { ok: true, raw_status: 'cancelled', state: 'cancelled' });
    assert.equal(
      fake.count((x) => x.rpc === 'tools/call'),
      0,
    );

    await ac.launch(issue(20));
    const c = await ac.cancel('issue-20');
    assert.deepEqual(c, { ok: true, raw_status: 'cancelled', state: 'cancelled' });
    assert.equal(fake.runs.get('issue-20')!.status, 'cancelled');
    assert.equal(
      fake.count((x) => x.target === 'build_cancel_run'),
      1,
    );

    await ac.launch(issue(21));
    fake.finish('issue-21');
    const e = await rejectsUpstream(ac.cancel('issue-21'), 'conflict');
    assert.match(e.message, /already completed/);
    await rejectsUpstream(ac.cancel('ghost'), 'not_found');
  });

  test('401: the exact AgentCeption body is shown, with the key to set; never retried', async () => {
    const noKey = bridgeFor(fake.url, { apiKey: '' });
    const before = fake.count((x) => x.path === '/api/runs/issue-11/memory');
    const e = await rejectsUpstream(noKey.artifacts('issue-11'), 'unauthorized');
    assert.equal(e.status, 401);
    assert.ok(e.message.includes(AUTH_401_BODY.detail), e.message);
    assert.match(e.fix_hint, /AGENTORA_AGENTCEPTION_API_KEY/);
    assert.equal(fake.count((x) => x.path === '/api/runs/issue-11/memory') - before, 1);
    const h = await noKey.health();
    assert.equal(h.ok, false);
    assert.ok(h.detail.includes(AUTH_401_BODY.detail));
    await rejectsUpstream(noKey.status('issue-11'), 'unauthorized');
    await rejectsUpstream(bridgeFor(fake.url, { apiKey: 'wrong' }).launch(issue(22)), 'unauthorized');
  });

  test('read timeout: reads retried a bounded number of times, launch never', async () => {
    await fake.setMode('slow', { slowMs: 1500 });
    try {
      const slowAc = bridgeFor(fake.url, { readTimeoutMs: 200, retries: 2 });
      const memBefore = fake.count((x) => x.path === '/api/runs/issue-11/memory');
      const t0 = Date.now();
      const e = await rejectsUpstream(slowAc.artifacts('issue-11'), 'timeout');
      assert.match(e.message, /read timeout/);
      assert.ok(Date.now() - t0 < 1400, 'gave up before the slow answer');
      assert.equal(fake.count((x) => x.path === '/api/runs/issue-11/memory') - memBefore, 3, '1 try + 2 retries');

      const launchBefore = fake.count((x) => x.path === '/api/dispatch/issue');
      await rejectsUpstream(slowAc.launch(issue(23)), 'timeout');
      assert.equal(fake.count((x) => x.path === '/api/dispatch/issue') - launchBefore, 1, 'launch is not retried');
      const h = await slowAc.health(200);
      assert.equal(h.ok, false);
    } finally {
      await fake.setMode('normal');
    }
  });

  test('garbage bodies become bad_reply errors, never a crash', async () => {
    await fake.setMode('garbage');
    try {
      const e = await rejectsUpstream(ac.artifacts('issue-11'), 'bad_reply');
      assert.match(e.message, /not JSON/);
      await rejectsUpstream(ac.launch(issue(24)), 'bad_reply');
      await assert.rejects(ac.status('issue-11'), UpstreamError);
      assert.equal((await ac.health()).ok, false);
    } finally {
      await fake.setMode('normal');
    }
  });

  test('garbage inside a valid MCP envelope: live runs fall back to /api/agents, finished ones are bad_reply', async () => {
    await fake.setMode('garbage-mcp');
    try {
      const live = await ac.status('issue-11');
      assert.deepEqual([live.state, live.live, live.events.length], ['running', true, 0]);
      const e = await rejectsUpstream(ac.status('issue-13'), 'bad_reply');
      assert.match(e.message, /ac:\/\/runs\/issue-13/);
    } finally {
      await fake.setMode('normal');
    }
  });

  test('refused: nothing listening → refused with the URL setting to fix, retries bounded', async () => {
    await fake.setMode('down');
    try {
      const t0 = Date.now();
      const e = await rejectsUpstream(ac.artifacts('issue-11'), 'refused');
      assert.match(e.fix_hint, /AGENTORA_AGENTCEPTION_URL/);
      assert.ok(Date.now() - t0 < 1000);
      const h = await ac.health();
      assert.equal(h.ok, false);
      assert.match(h.detail, /ECONNREFUSED/);
    } finally {
      await fake.setMode('normal');
    }
    assert.equal((await ac.health()).ok, true, 'back once it listens again');
  });
});

test('connect timeout: a host that never completes the TCP handshake is a connect timeout, not a read timeout', async () => {
  const hole = await startBlackhole();
  try {
    const ac = bridgeFor(hole.url, { connectTimeoutMs: 200, readTimeoutMs: 5000, retries: 1 });
    const t0 = Date.now();
    const e = await rejectsUpstream(ac.artifacts('x'), 'timeout');
    assert.match(e.message, /connect timeout/);
    assert.match(e.fix_hint, /AGENTORA_AGENTCEPTION_URL/);
    const took = Date.now() - t0;
    assert.ok(took >= 400 && took < 2000, `two attempts of ~200 ms, took ${took} ms`);
  } finally {
    await hole.stop();
  }
});

test('autoComplete: a run completes with a done event after N status reads (for loop tests and benchmarks)', async () => {
  const fake = await startFakeAgentception({ autoComplete: 2 });
  try {
    const ac = bridgeFor(fake.url, { apiKey: '' });
    await ac.launch(issue(1));
    assert.equal((await ac.status('issue-1')).state, 'running');
    const s = await ac.status('issue-1');
    assert.equal(s.state, 'succeeded');
    assert.equal(s.pr_url, 'https://github.com/acme/widgets/pull/1001');
    assert.match(s.summary ?? '', /Mission 1/);
  } finally {
    await fake.stop();
  }
});
