// Issue 3, point 7: the whole mission loop through the real server (built CLI, REST) with the REAL bridges
// (AGENTORA_INTEGRATIONS_MOCK=false) talking to the fakes: PhiOS over mcp-stdio (the SDK fake) and over http (the
// 404-fallback fake), AgentCeption over HTTP + MCP-over-HTTP. Prepare → launch (issue and label mode, dry run) →
// refresh to a terminal state → writeback reaching PhiOS, and the capability-denied writeback shown with its fix.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type TestServer } from '../helpers/server';
import { startFakeAgentception, type FakeAgentception } from '../fakes/agentception';
import { phiosMcpEnv } from '../fakes/phios-mcp-command';
import { startFakePhiosHttp, type FakePhiosHttp } from '../fakes/phios-http';
import { API, acEnv, json, post, until, getRun, timeline, timelineTypes } from './missions-real-helpers';

const MISSION = {
  persona_id: 'the-architect',
  repo: 'acme/widgets',
  mission_title: 'Fix the login redirect',
  objective: 'After login the user lands on the dashboard, not on /login again',
  operator_intent: 'a small, safe fix',
  constraints: ['no new dependencies'],
};

describe('real bridges, PhiOS over mcp-stdio (operator profile) + AgentCeption fake', () => {
  let s: TestServer;
  let ac: FakeAgentception;
  let tmp: string;
  let store: string;
  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'agentora-real-loop-'));
    store = path.join(tmp, 'phios-store.jsonl');
    ac = await startFakeAgentception({ apiKey: 'ac-key' });
    s = await startServer({
      ...acEnv(ac, { AGENTORA_AGENTCEPTION_API_KEY: 'ac-key' }),
      ...phiosMcpEnv({ PHIOS_MCP_PROFILE: 'operator', FAKE_PHIOS_STORE: store }),
    });
  });
  after(async () => {
    await s?.stop();
    await ac?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('status reports the real transports', async () => {
    const st = await json(s.fetch(`${API}/status`));
    assert.equal(st.mock, false);
    assert.equal(st.phios.transport, 'mcp-stdio');
    assert.equal(st.agentception.transport, 'http');
    const ph = await json(s.fetch(`${API}/phios/health`));
    assert.equal(ph.ok, true, JSON.stringify(ph));
    assert.match(ph.detail, /answers \(\d+ tools\)/);
    const ach = await json(s.fetch(`${API}/agentception/health`));
    assert.equal(ach.ok, true, JSON.stringify(ach));
    assert.match(ach.detail, /API access ok/);
  });

  test('bridge routes on the real path: persona, context pack, direct launch, job status (an unknown job is a clear error)', async () => {
    const p = await json(s.fetch(`${API}/phios/persona/the-architect`));
    assert.equal(p.persona.name, 'The Architect');
    assert.deepEqual(p.persona.goals, ['clear seams']);
    assert.equal((await s.fetch(`${API}/phios/persona/nobody`)).status, 404);
    const pack = await json(post(s, '/phios/context-pack', { repo: 'acme/x', mission_title: 'T', objective: 'O', session_id: 'ses_given' }));
    assert.equal(pack.session_id, 'ses_given', 'a given session id is kept');
    assert.equal(pack.source, 'phios-mcp');
    const job = await json(post(s, '/agentception/launch', { repo: 'acme/x', issue_title: 'T', issue_body: '# direct', issue_number: 5 }));
    assert.equal(job.run_id, 'issue-5');
    assert.equal(job.state, 'running');
    const st = await json(s.fetch(`${API}/agentception/jobs/issue-5`));
    assert.equal(st.state, 'running');
    assert.equal(st.raw_status, 'implementing');
    assert.equal(st.live, true);
    assert.deepEqual(
      st.events.map((e: any) => e.event_type),
      ['step_start', 'file_edit'],
    );
    assert.deepEqual(st.events[0].payload, { step: 'implement' }, 'the JSON-string payload is parsed');
    const after = await json(s.fetch(`${API}/agentception/jobs/issue-5?after_event_id=${st.events[0].id}`));
    assert.deepEqual(
      after.events.map((e: any) => e.event_type),
      ['file_edit'],
    );
    const unknown = await s.fetch(`${API}/agentception/jobs/nope-1`);
    // An unknown job upstream is our 404 too (refused/timeout/garbage stay 503).
    assert.equal(unknown.status, 404);
    const body = (await unknown.json()) as any;
    assert.match(body.message, /does not know run nope-1/);
    assert.match(body.fix_hint, /relaunch/);
  });

  test('prepare → launch (issue mode) → refresh to succeeded → writeback stored in PhiOS', async () => {
    // prepare: the packet comes from the PhiOS fake's resources; the session id is Agentora's
    const prep = await json(post(s, '/runs/prepare', MISSION));
    assert.equal(prep.ok, true, JSON.stringify(prep));
    const packet = prep.context_packet;
    assert.equal(packet.source, 'phios-mcp');
    assert.equal(packet.persona.name, 'The Architect');
    assert.match(packet.session_id, /^ses_[0-9a-f]{16}$/);
    assert.equal(prep.run.status, 'prepared');
    const stored = await getRun(s, prep.run_id);
    assert.deepEqual(stored.context_packet, packet, 'the packet is stored and read back unchanged');
    assert.equal(stored.session_id, packet.session_id);

    // launch: dispatch/issue with the brief in issue_body and our bearer key
    const dispatchesBefore = ac.count((h) => h.path === '/api/dispatch/issue');
    const l = await json(
      post(s, '/runs/launch', { run_id: prep.run_id, acceptance_criteria: ['login lands on /dashboard'], issue_number: 4242, watch: false }),
    );
    assert.equal(l.ok, true, JSON.stringify(l));
    assert.equal(l.run.status, 'running');
    assert.equal(l.run.job_id, 'issue-4242');
    assert.equal(l.run.branch, 'agent/issue-4242');
    assert.equal(ac.count((h) => h.path === '/api/dispatch/issue') - dispatchesBefore, 1);
    assert.ok(ac.hits.filter((h) => h.path.startsWith('/api/')).every((h) => h.authorization === 'Bearer ac-key'));
    const sent = ac.runs.get('issue-4242')!.request;
    assert.equal(sent.repo, 'acme/widgets');
    assert.equal(sent.role, 'developer');
    assert.equal(sent.issue_title, MISSION.mission_title);
    const body = String(sent.issue_body);
    assert.match(body, /## Objective\nAfter login the user lands on the dashboard/);
    assert.match(body, /- \[ \] login lands on \/dashboard/);
    assert.match(body, /## Constraints\n- no new dependencies/);
    assert.match(body, /persona \*\*The Architect\*\*/);
    assert.match(body, /## Persona\n- Role: architect/);
    assert.ok(body.includes(packet.session_id));

    // refresh while it runs: events arrive, not terminal
    const r1 = await json(post(s, `/runs/${prep.run_id}/refresh`));
    assert.equal(r1.ok, true, JSON.stringify(r1));
    assert.equal(r1.run.status, 'running');
    assert.equal(r1.run.job_raw_status, 'implementing');
    assert.equal(r1.run.terminal, false);

    // the fake finishes the run: refresh until terminal
    ac.finish('issue-4242', { summary: 'Redirect fixed; the login test passes now' });
    const done = await until('terminal', async () => {
      const r = await json(post(s, `/runs/${prep.run_id}/refresh`));
      return r.run.terminal && r.run;
    });
    assert.equal(done.status, 'succeeded');
    assert.equal(done.job_raw_status, 'completed');
    assert.equal(done.branch, 'agent/issue-4242');
    assert.equal(done.pr_url, 'https://github.com/acme/widgets/pull/5242');
    assert.equal(done.summary, 'Redirect fixed; the login test passes now');
    assert.deepEqual(done.artifacts.map((a: any) => a.path).sort(), ['CHANGELOG.md', 'src/index.ts']);
    assert.equal(done.issue_url, 'https://github.com/acme/widgets/issues/4242');
    const types = await timelineTypes(s, prep.run_id);
    for (const t of [
      'prepared',
      'content_updated',
      'launch_requested',
      'launched',
      'job_event',
      'state_changed',
      'outcome_updated',
      'artifacts_updated',
    ])
      assert.ok(types.includes(t), `timeline lacks ${t}`);
    // status came over MCP-over-HTTP, artifacts from /memory
    assert.ok(ac.count((h) => h.path === '/api/mcp' && h.method === 'POST') >= 4);
    assert.ok(ac.count((h) => h.path === '/api/runs/issue-4242/memory') >= 2);
    assert.ok(
      ac.hits.filter((h) => h.path === '/api/mcp').every((h) => h.origin === undefined),
      'never an Origin header to /api/mcp',
    );

    // writeback: phi_store_deliberation with the contract's arguments
    const wb = await json(post(s, `/runs/${prep.run_id}/writeback`, { operator_notes: 'reviewed by hand', tags: ['login', 'fix'] }));
    assert.equal(wb.ok, true, JSON.stringify(wb));
    assert.equal(wb.writeback.status, 'succeeded');
    assert.match(wb.writeback.ref ?? '', /^agent_memory_\d+$/);
    assert.equal(wb.run.writeback_status, 'succeeded');
    const lines = readFileSync(store, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(lines.length, 1);
    const d = lines[0];
    assert.equal(d.topic, 'agentora:acme/widgets');
    assert.equal(d.outcome, 'Redirect fixed; the login test passes now');
    assert.equal(d.winning_figure, 'The Architect');
    assert.deepEqual(d.positions, []);
    assert.deepEqual(d.coherence_trace, []);
    assert.deepEqual(d.tags, ['login', 'fix']);
    assert.equal(d.run_id, 'issue-4242');
    assert.deepEqual(d.recommendation, {
      pr_url: 'https://github.com/acme/widgets/pull/5242',
      branch: 'agent/issue-4242',
      outcome_status: 'succeeded',
    });
    assert.ok((await timelineTypes(s, prep.run_id)).includes('writeback_succeeded'));

    // the next prepare for this repo carries the stored deliberation as memory
    const again = await json(post(s, '/runs/prepare', { ...MISSION, mission_title: 'Follow-up' }));
    assert.ok(
      again.context_packet.memory_snippets.some((m: any) => m.text === 'Redirect fixed; the login test passes now'),
      JSON.stringify(again.context_packet.memory_snippets),
    );
    assert.notEqual(again.context_packet.session_id, packet.session_id, 'a new session id per prepare');
  });

  test('label mode: dispatch/label then /execute, the run is started', async () => {
    const before = { label: ac.count((h) => h.path === '/api/dispatch/label'), exec: ac.count((h) => /\/execute$/.test(h.path)) };
    const l = await json(post(s, '/runs/launch', { ...MISSION, mission_title: 'Label mission', mode: 'label', label: 'agentora', watch: false }));
    assert.equal(l.ok, true, JSON.stringify(l));
    assert.equal(ac.count((h) => h.path === '/api/dispatch/label') - before.label, 1);
    assert.equal(ac.count((h) => /\/execute$/.test(h.path)) - before.exec, 1);
    const job = l.run.job_id as string;
    assert.match(job, /^label-agentora-\d+$/);
    assert.equal(ac.hits.find((h) => h.path === `/api/runs/${job}/execute`)?.method, 'POST');
    const fr = ac.runs.get(job)!;
    assert.equal(fr.status, 'implementing', 'executed, not left pending_launch');
    // (the loop sends label mode unscoped: the whole initiative carrying the label)
    assert.deepEqual(
      { label: fr.request.label, scope: fr.request.scope, role: fr.request.role, repo: fr.request.repo },
      { label: 'agentora', scope: 'full_initiative', role: 'developer', repo: 'acme/widgets' },
    );
    assert.equal(l.run.status, 'running');
    assert.equal(l.run.launch_request.route, 'POST /api/dispatch/label + POST /api/runs/{run_id}/execute');
    ac.finish(job);
    const done = await until('label run terminal', async () => {
      const r = await json(post(s, `/runs/${l.run_id}/refresh`));
      return r.run.terminal && r.run;
    });
    assert.equal(done.status, 'succeeded');
    assert.equal(done.branch, `agent/${job}`);
  });

  test('label mode scoped to an issue, and an /execute failure: the run is kept (queued) with the error and fix shown', async () => {
    ac.failExecute(500);
    try {
      const l = await json(
        post(s, '/runs/launch', {
          ...MISSION,
          mission_title: 'Label, execute fails',
          mode: 'label',
          label: 'bugfix',
          issue_number: 77,
          watch: false,
        }),
      );
      assert.equal(l.ok, true, 'the run exists on AgentCeption: not a failed launch');
      const job = l.run.job_id as string;
      assert.match(job, /^label-bugfix-\d+$/);
      const fr = ac.runs.get(job)!;
      assert.deepEqual({ scope: fr.request.scope, scope_issue_number: fr.request.scope_issue_number }, { scope: 'issue', scope_issue_number: 77 });
      assert.equal(fr.status, 'pending_launch');
      assert.equal(l.run.status, 'queued');
      assert.match(l.run.last_error, new RegExp(`run ${job} was created but did not start: .*HTTP 500: git worktree add failed`));
      assert.match(l.run.fix_hint, new RegExp(`Start run ${job} on AgentCeption`));
      const launched = (await timeline(s, l.run_id)).find((e) => e.type === 'launched');
      assert.match(launched.data.warning, /did not start/);
    } finally {
      ac.failExecute(null);
    }
  });

  test('a dry run makes zero calls to AgentCeption', async () => {
    const before = ac.count();
    const l = await json(post(s, '/runs/launch', { ...MISSION, mission_title: 'Dry', dry_run: true, acceptance_criteria: ['nothing is sent'] }));
    assert.equal(l.ok, true);
    assert.equal(l.run.status, 'dry_run');
    assert.equal(l.run.job_id, null);
    assert.match(l.run.launch_request.body.issue_body, /- \[ \] nothing is sent/);
    assert.equal(ac.count(), before, 'the AgentCeption fake saw no request');
    // and the dry run can then be launched for real
    const dispatches = ac.count((h) => h.path === '/api/dispatch/issue');
    const real = await json(post(s, '/runs/launch', { run_id: l.run_id, issue_number: 31, watch: false }));
    assert.equal(real.ok, true);
    assert.equal(ac.count((h) => h.path === '/api/dispatch/issue') - dispatches, 1);
    assert.match(String(ac.runs.get('issue-31')!.request.issue_body), /- \[ \] nothing is sent/);
  });
});

describe('real bridges: writeback refused by PhiOS (default capabilities), http transport with fallbacks', () => {
  let ac: FakeAgentception;
  before(async () => {
    ac = await startFakeAgentception({ autoComplete: 1 });
  });
  after(() => ac?.stop());

  test('mcp-stdio, default profile: the writeback failure is on the mission with the fix', async () => {
    const s = await startServer({ ...acEnv(ac), ...phiosMcpEnv({ FAKE_PHIOS_SESSION_ID: 'phios-session-9' }) });
    try {
      const l = await json(post(s, '/runs/launch', { ...MISSION, issue_number: 900, watch: false }));
      assert.equal(l.ok, true, JSON.stringify(l));
      // when PhiOS does carry a session id, it is the mission's
      assert.equal(l.run.session_id, 'phios-session-9');
      assert.match(String(ac.runs.get('issue-900')!.request.issue_body), /session `phios-session-9`/);
      const done = await until('terminal', async () => {
        const r = await json(post(s, `/runs/${l.run_id}/refresh`));
        return r.run.terminal && r.run;
      });
      assert.equal(done.status, 'succeeded');
      const wb = await json(post(s, `/runs/${l.run_id}/writeback`, { tags: ['x'] }));
      assert.equal(wb.ok, false);
      assert.equal(wb.writeback.status, 'failed');
      assert.equal(wb.writeback.error_code, 'AGENT_MEMORY_WRITE_NOT_PERMITTED');
      assert.match(wb.writeback.fix_hint, /PHIOS_MCP_PROFILE=operator/);
      const run = await getRun(s, l.run_id);
      assert.equal(run.writeback_status, 'failed');
      assert.match(run.last_error, /AGENT_MEMORY_WRITE_NOT_PERMITTED/);
      assert.match(run.fix_hint, /agent_memory_write/);
      assert.equal(run.status, 'succeeded', 'the mission outcome itself is kept');
      const tl = await json(s.fetch(`${API}/runs/${l.run_id}/timeline`));
      const failed = tl.events.find((e: any) => e.type === 'writeback_failed');
      assert.ok(failed);
      assert.match(failed.data.fix_hint, /PHIOS_MCP_PROFILE=operator/);
    } finally {
      await s.stop();
    }
  });

  test('launch mode, role and label come from the AGENTORA_AGENTCEPTION_* settings when the call gives none', async () => {
    const s = await startServer({
      ...acEnv(ac, {
        AGENTORA_AGENTCEPTION_LAUNCH_MODE: 'label',
        AGENTORA_AGENTCEPTION_ROLE: 'reviewer',
        AGENTORA_AGENTCEPTION_LABEL: 'from-settings',
      }),
      ...phiosMcpEnv(),
    });
    try {
      const l = await json(post(s, '/runs/launch', { ...MISSION, mission_title: 'Settings decide', watch: false }));
      assert.equal(l.ok, true, JSON.stringify(l));
      assert.match(l.run.job_id, /^label-from-settings-\d+$/);
      const fr = ac.runs.get(l.run.job_id)!;
      assert.equal(fr.request.role, 'reviewer');
      assert.equal(fr.request.label, 'from-settings');
      assert.equal(l.run.launch_request.body.mode, 'label');
      // the call still wins over the settings
      const i = await json(
        post(s, '/runs/launch', { ...MISSION, mission_title: 'Call decides', mode: 'issue', role: 'developer', issue_number: 910, watch: false }),
      );
      assert.equal(i.run.job_id, 'issue-910');
      assert.equal(ac.runs.get('issue-910')!.request.role, 'developer');
    } finally {
      await s.stop();
    }
  });

  test('http transport: context pack and writeback fall back from /mission/* (404) to the older routes', async () => {
    const ph: FakePhiosHttp = await startFakePhiosHttp({ apiKey: 'ph-key' });
    const s = await startServer({
      ...acEnv(ac),
      AGENTORA_PHIOS_ENABLED: 'true',
      AGENTORA_PHIOS_TRANSPORT: 'http',
      AGENTORA_PHIOS_URL: ph.url,
      AGENTORA_PHIOS_API_KEY: 'ph-key',
    });
    try {
      const st = await json(s.fetch(`${API}/status`));
      assert.equal(st.phios.transport, 'http');
      const prep = await json(post(s, '/runs/prepare', MISSION));
      assert.equal(prep.ok, true, JSON.stringify(prep));
      assert.equal(prep.context_packet.source, 'phios-http');
      assert.equal(prep.context_packet.persona.name, 'The Architect');
      assert.match(prep.context_packet.session_id, /^ses_/);
      assert.deepEqual(
        prep.context_packet.risk_flags.map((r: any) => r.name),
        ['touches auth'],
      );
      assert.deepEqual(
        ph.hits.filter((h) => h.method === 'POST').map((h) => h.path),
        ['/mission/context-pack', '/context/pack'],
      );
      assert.ok(ph.hits.every((h) => h.authorization === 'Bearer ph-key'));
      assert.equal((ph.hits[1]!.body as any).session_id, prep.context_packet.session_id, 'our session id was sent');

      const l = await json(post(s, '/runs/launch', { run_id: prep.run_id, issue_number: 901, watch: false }));
      assert.equal(l.ok, true);
      await until('terminal', async () => (await json(post(s, `/runs/${l.run_id}/refresh`))).run.terminal);
      const wb = await json(post(s, `/runs/${l.run_id}/writeback`, { operator_notes: 'ok', tags: ['http'] }));
      assert.equal(wb.ok, true, JSON.stringify(wb));
      assert.equal(wb.writeback.ref, 'w1');
      assert.deepEqual(
        ph.hits
          .filter((h) => h.method === 'POST')
          .map((h) => h.path)
          .slice(2),
        ['/mission/writeback', '/memory/write'],
      );
      assert.equal(ph.writes.length, 1);
      const w = ph.writes[0] as any;
      assert.equal(w.mission_id, l.run_id);
      assert.equal(w.run_id, 'issue-901');
      assert.equal(w.outcome_status, 'succeeded');
      assert.equal(w.topic, 'agentora:acme/widgets');
      assert.deepEqual(w.tags, ['http']);
    } finally {
      await s.stop();
      await ph.stop();
    }
  });
});
