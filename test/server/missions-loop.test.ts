// Software Missions through the real server (the built CLI) over REST, in mock integrations mode: the whole loop
// to a terminal state, dry run, filters / pagination / bad input, snapshot, compare, metrics, restart survival,
// and an upstream failure recorded on the mission.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startServer, type TestServer } from '../helpers/server';

const API = '/api/integrations';
const FAST = { AGENTORA_MISSIONS_WATCHER_ENABLED: 'true', AGENTORA_MISSIONS_WATCHER_INTERVAL_SECONDS: '0.1' };

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 10000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const post = (s: TestServer, p: string, body: unknown = {}) => s.fetch(API + p, { method: 'POST', body: JSON.stringify(body) });
const json = async (r: Response | Promise<Response>) => (await r).json() as Promise<any>;
/** The history answers a bare array (as the earlier product did) with the total in X-Total-Count. */
const runs = async (s: TestServer, q: string) => {
  const r = await s.fetch(`${API}/runs?${q}`);
  return { items: (await r.json()) as any[], total: Number(r.headers.get('x-total-count')) };
};

describe('missions over REST (mock integrations, watcher on)', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer(FAST);
  });
  after(() => s.stop());

  test('the whole loop reaches a terminal state with branch, PR URL, summary and artifacts', async () => {
    const st = await json(s.fetch(`${API}/status`));
    assert.equal(st.mock, true);
    assert.equal(st.phios.transport, 'mock');
    const prep = await json(
      post(s, '/runs/prepare', {
        persona_id: 'skeptic_reviewer',
        repo: 'acme/widgets',
        mission_title: 'Fix login',
        objective: 'Fix the login redirect',
        operator_intent: 'small fix',
        constraints: ['no new deps'],
      }),
    );
    assert.equal(prep.ok, true);
    assert.equal(prep.persona.name, 'Skeptic Reviewer');
    assert.equal(prep.source, 'mock');
    const l = await json(post(s, '/runs/launch', { run_id: prep.run_id, acceptance_criteria: ['login redirects to the dashboard'] }));
    assert.equal(l.ok, true);
    assert.equal(l.watched, true);
    const done = await until('terminal', async () => {
      const r = await json(s.fetch(`${API}/runs/${prep.run_id}`));
      return r.terminal && r;
    });
    assert.equal(done.status, 'succeeded');
    assert.match(done.branch, /^agent\/issue-\d+$/);
    // Mock links never point at a real site (issue 10 §2.11).
    assert.equal(done.pr_url, `https://agentception.mock.invalid/acme/widgets/pull/${done.branch.split('-')[1]}`);
    assert.equal(done.mock, true);
    assert.match(done.summary, /all tests pass/);
    assert.deepEqual(
      done.artifacts.map((a: any) => a.path),
      ['src/feature.ts', 'test/feature.test.ts'],
    );
    assert.equal(done.watched, false);
    const tl = await json(s.fetch(`${API}/runs/${prep.run_id}/timeline`));
    const types = tl.events.map((e: any) => e.type);
    for (const t of [
      'prepared',
      'content_updated',
      'launch_requested',
      'launched',
      'watch_started',
      'job_event',
      'state_changed',
      'outcome_updated',
      'artifacts_updated',
      'watch_stopped',
    ])
      assert.ok(types.includes(t), `timeline lacks ${t}`);
    const wb = await json(post(s, `/runs/${prep.run_id}/writeback`, { operator_notes: 'reviewed', tags: ['login'] }));
    assert.equal(wb.ok, true);
    assert.equal(wb.run.writeback_status, 'succeeded');
    assert.equal(wb.result.status, 'succeeded');
    const ev = await json(s.fetch(`${API}/watcher/events?limit=50`));
    assert.ok(ev.events.some((e: any) => e.run_id === prep.run_id && e.kind === 'stopped_watching'));
    const m = await json(s.fetch(`${API}/metrics`));
    assert.ok(m.by_status.succeeded >= 1);
    assert.ok(m.watcher.cycles >= 1);
    assert.equal(m.watcher.enabled, true);
  });

  test('a dry run records what it would send and never launches', async () => {
    const l = await json(
      post(s, '/runs/launch', {
        repo: 'acme/dry',
        mission_title: 'Dry',
        objective: 'Only look',
        dry_run: true,
        acceptance_criteria: ['nothing changes'],
      }),
    );
    assert.equal(l.ok, true);
    assert.equal(l.status, 'dry_run');
    assert.equal(l.job_id, null);
    assert.equal(l.launch_request.dry_run, true);
    assert.match(l.launch_request.body.issue_body, /- \[ \] nothing changes/);
    const tl = await json(s.fetch(`${API}/runs/${l.run_id}/timeline`));
    assert.ok(!tl.events.some((e: any) => e.type === 'launched'));
  });

  test('list filters, pagination, deterministic order and bad input', async () => {
    for (let i = 0; i < 6; i++)
      await post(s, '/runs/prepare', {
        repo: i % 2 ? 'acme/odd' : 'acme/even',
        persona_id: i < 3 ? 'rapid_builder' : 'default',
        mission_title: `Page ${i}`,
        objective: i === 4 ? 'needle in objective' : 'hay',
      });
    const all = await runs(s, `repo=acme/odd`);
    assert.equal(all.total, 3);
    assert.ok(all.items.every((m: any) => m.repo === 'acme/odd'));
    const p1 = await runs(s, `status=prepared&limit=2&offset=0`);
    const p2 = await runs(s, `status=prepared&limit=2&offset=2`);
    assert.equal(p1.items.length, 2);
    assert.notDeepEqual(
      p1.items.map((m: any) => m.run_id),
      p2.items.map((m: any) => m.run_id),
    );
    const again = await runs(s, `status=prepared&limit=2&offset=0`);
    assert.deepEqual(
      again.items.map((m: any) => m.run_id),
      p1.items.map((m: any) => m.run_id),
      'same page twice',
    );
    const sorted = [...p1.items].sort((a: any, b: any) => (b.created_at + b.run_id).localeCompare(a.created_at + a.run_id));
    assert.deepEqual(p1.items, sorted, 'newest first');
    assert.equal((await runs(s, `search=needle`)).total, 1);
    assert.equal((await runs(s, `persona_id=rapid_builder&repo=acme/even`)).total, 2);
    assert.ok((await runs(s, `confidence_level=high&writeback_status=succeeded`)).total >= 1);
    assert.ok((await runs(s, `mission_score_min=90&mission_score_max=100`)).items.every((m: any) => m.mission_score >= 90));
    const today = new Date().toISOString().slice(0, 10);
    assert.ok((await runs(s, `start_date=${today}&end_date=${today}`)).total >= 6);
    assert.equal((await runs(s, `end_date=2000-01-01`)).total, 0);
    for (const [q, field] of [
      ['limit=501', 'limit'],
      ['status=bogus', 'status'],
      ['mission_score_min=80&mission_score_max=10', 'mission_score_min'],
      ['start_date=yesterday', 'start_date'],
      ['offset=-1', 'offset'],
    ]) {
      const r = await s.fetch(`${API}/runs?${q}`);
      assert.equal(r.status, 400, q);
      const body = await r.json();
      assert.ok(
        body.issues.some((i: any) => i.path === field),
        `${q} names ${field}: ${JSON.stringify(body.issues)}`,
      );
    }
    const bad = await post(s, '/runs/prepare', { repo: 'not a repo', mission_title: '', objective: 'x' });
    assert.equal(bad.status, 400);
    const issues = (await bad.json()).issues.map((i: any) => i.path).sort();
    assert.deepEqual(issues, ['mission_title', 'repo']);
    const missing = await s.fetch(`${API}/runs/run_nope`);
    assert.equal(missing.status, 404);
    assert.match((await missing.json()).message, /Mission 'run_nope' not found/);
    const launchNoFields = await post(s, '/runs/launch', {});
    assert.equal(launchNoFields.status, 400);
  });

  test('snapshot is stable across refresh, watch and writeback; compare is structured', async () => {
    const a = await json(post(s, '/runs/launch', { repo: 'acme/cmp', mission_title: 'A', objective: 'first attempt' }));
    const b = await json(post(s, '/runs/launch', { repo: 'acme/cmp', mission_title: 'B', objective: 'second attempt', constraints: ['mock:fail'] }));
    const snap1 = await json(s.fetch(`${API}/runs/${a.run_id}/snapshot`));
    assert.equal(snap1.algorithm, 'sha256');
    assert.match(snap1.snapshot_hash, /^[0-9a-f]{64}$/);
    assert.equal(snap1.verified, true);
    await until('both finished', async () => {
      const [x, y] = await Promise.all([json(s.fetch(`${API}/runs/${a.run_id}`)), json(s.fetch(`${API}/runs/${b.run_id}`))]);
      return x.terminal && y.terminal;
    });
    await post(s, `/runs/${a.run_id}/writeback`, {});
    const snap2 = await json(s.fetch(`${API}/runs/${a.run_id}/snapshot`));
    assert.equal(snap2.snapshot_hash, snap1.snapshot_hash);
    const c = await json(s.fetch(`${API}/runs/compare?left_run_id=${a.run_id}&right_run_id=${b.run_id}`));
    assert.equal(c.state.left, 'succeeded');
    assert.equal(c.state.right, 'failed');
    assert.equal(c.severity, 'high');
    assert.ok(c.field_diffs.some((d: any) => d.field === 'status' && d.severity === 'high'));
    assert.ok(c.field_diffs.some((d: any) => d.field === 'objective'));
    assert.equal(c.artifacts.left_count, 2);
    assert.deepEqual(c.artifacts.only_left, ['test/feature.test.ts']);
    assert.ok(c.timeline.left_length > 0 && c.timeline.right_length > 0);
    assert.ok(c.scores.score_delta < 0);
    assert.equal(c.heuristic, true);
    const same = await s.fetch(`${API}/runs/compare?left_run_id=${a.run_id}&right_run_id=${a.run_id}`);
    assert.equal(same.status, 400);
    const unwatch = await post(s, `/runs/${a.run_id}/watch`);
    assert.equal(unwatch.status, 409, 'a finished mission cannot be watched');
  });

  test('bridge routes: health, persona, context pack, direct launch and job status', async () => {
    assert.equal((await json(s.fetch(`${API}/phios/health`))).ok, true);
    assert.equal((await json(s.fetch(`${API}/agentception/health`))).transport, 'mock');
    assert.equal((await json(s.fetch(`${API}/phios/persona/rapid_builder`))).persona.name, 'Rapid Builder');
    assert.equal((await s.fetch(`${API}/phios/persona/nobody`)).status, 404);
    const pack = await json(post(s, '/phios/context-pack', { repo: 'acme/x', mission_title: 'T', objective: 'O' }));
    assert.match(pack.session_id, /^ses_/);
    const job = await json(post(s, '/agentception/launch', { repo: 'acme/x', issue_title: 'T', issue_number: 5 }));
    assert.equal(job.run_id, 'issue-5');
    const st = await json(s.fetch(`${API}/agentception/jobs/issue-5`));
    assert.equal(st.state, 'running');
  });
});

function refusedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

describe('missions: restart survival and upstream failure', () => {
  test('a watched mission launched before a restart finishes after it (same data dir)', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'agentora-missions-restart-'));
    try {
      const one = await startServer({}, 15000, { dataDir });
      const l = await json(post(one, '/runs/launch', { repo: 'acme/restart', mission_title: 'Survive', objective: 'keep going' }));
      assert.equal(l.watched, true);
      await one.stop();
      const two = await startServer(FAST, 15000, { dataDir });
      try {
        const run = await until('finished after restart', async () => {
          const r = await json(two.fetch(`${API}/runs/${l.run_id}`));
          return r.terminal && r;
        });
        assert.equal(run.status, 'succeeded');
      } finally {
        await two.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('AgentCeption unreachable: the launch is recorded on the mission with an error and a fix, not a 500', async () => {
    const port = await refusedPort();
    const s = await startServer({
      AGENTORA_INTEGRATIONS_MOCK: 'false',
      AGENTORA_AGENTCEPTION_ENABLED: 'true',
      AGENTORA_AGENTCEPTION_URL: `http://127.0.0.1:${port}`,
      AGENTORA_AGENTCEPTION_TIMEOUT_SECONDS: '2',
    });
    try {
      const history = await json(s.fetch(`${API}/runs`)); // the server answers
      assert.ok(Array.isArray(history));
      const prepared_packet = {
        session_id: 'ses_given',
        persona: { id: 'default' },
        mission_title: 'T',
        mission_objective: 'O',
        repo: 'acme/down',
        generated_at: new Date().toISOString(),
        source: 'phios-http',
      };
      const r = await post(s, '/runs/launch', { repo: 'acme/down', mission_title: 'T', objective: 'O', prepared_packet });
      assert.equal(r.status, 200);
      const l = await r.json();
      assert.equal(l.ok, false);
      assert.equal(l.status, 'launch_failed');
      assert.match(l.last_error, /agentception/i);
      assert.ok(l.fix_hint);
      const tl = await json(s.fetch(`${API}/runs/${l.run_id}/timeline`));
      assert.ok(tl.events.some((e: any) => e.type === 'launch_failed'));
      assert.equal((await json(s.fetch(`${API}/runs/${l.run_id}`))).session_id, 'ses_given');
    } finally {
      await s.stop();
    }
  });
});

describe('missions: generated garbage at the public routes', () => {
  test('never a 500, never a crash: every answer is a clear 2xx/4xx', async () => {
    const fc = (await import('fast-check')).default;
    const s = await startServer();
    try {
      const routes = ['/runs/prepare', '/runs/launch', '/runs/run_x/writeback', '/runs/run_x/refresh', '/phios/context-pack', '/agentception/launch'];
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...routes), fc.jsonValue(), async (route, body) => {
          const r = await s.fetch(API + route, { method: 'POST', body: JSON.stringify(body) });
          await r.arrayBuffer();
          return [200, 400, 404, 409].includes(r.status);
        }),
        { numRuns: 150 },
      );
      const q = await s.fetch(`${API}/runs?limit=abc&mission_score_min=%00&status[]=x`);
      assert.equal(q.status, 400);
      assert.equal((await s.fetch('/api/health', { auth: false })).status, 200, 'still alive');
    } finally {
      await s.stop();
    }
  });
});
