// Missions observability and retention over REST (real server, mock integrations): metrics counters in the
// earlier product's shape, insights (every field of wire-shapes.md), cohorts (+ unknown group_by → 400),
// cohorts/summary, retention, compaction (dry run, per-run cap on recent events, kept types) and the background
// compactor.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server';

const API = '/api/integrations';
const FAST = { AGENTORA_MISSIONS_WATCHER_ENABLED: 'true', AGENTORA_MISSIONS_WATCHER_INTERVAL_SECONDS: '0.1' };
const KEPT = [
  'prepared',
  'content_updated',
  'launch_requested',
  'dry_run_recorded',
  'launched',
  'launch_failed',
  'state_changed',
  'writeback_succeeded',
  'writeback_failed',
];

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 15000): Promise<T> {
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

/** Prepare + launch one mission and wait until the watcher has finished it. */
async function finishedMission(s: TestServer, repo: string, persona = 'skeptic_reviewer'): Promise<any> {
  const prep = await json(
    post(s, '/runs/prepare', {
      persona_id: persona,
      repo,
      mission_title: `Fix ${repo}`,
      objective: 'Fix the login redirect',
      operator_intent: 'small fix',
    }),
  );
  assert.equal(prep.ok, true, JSON.stringify(prep));
  const l = await json(post(s, '/runs/launch', { run_id: prep.run_id, acceptance_criteria: ['login works'] }));
  assert.equal(l.ok, true);
  return until('terminal', async () => {
    const r = await json(s.fetch(`${API}/runs/${prep.run_id}`));
    return r.run.terminal && r.run;
  });
}

describe('missions observability over REST', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ ...FAST, AGENTORA_MISSIONS_EVENTS_MAX_PER_RUN: '3' });
  });
  after(() => s.stop());

  test('metrics, insights and cohorts count finished missions (SQL rollup, earlier product field names)', async () => {
    const a = await finishedMission(s, 'acme/widgets');
    await finishedMission(s, 'acme/widgets', 'architect_refactorer');
    await finishedMission(s, 'acme/gadgets');
    const dry = await json(post(s, '/runs/launch', { repo: 'acme/dry', mission_title: 'Dry', objective: 'Only look', dry_run: true }));
    assert.equal(dry.run.status, 'dry_run');
    const wb = await json(post(s, `/runs/${a.run_id}/writeback`, { operator_notes: 'ok', tags: [] }));
    assert.equal(wb.ok, true);

    const m = await json(s.fetch(`${API}/metrics`));
    for (const k of [
      'refresh_attempts',
      'refresh_successes',
      'refresh_failures',
      'average_refresh_latency_ms',
      'last_refresh_latency_ms',
      'skipped_writebacks_debounce',
      'skipped_writebacks_duplicate_hash',
      'successful_writebacks',
      'failed_writebacks',
      'runs_currently_watched',
      'terminal_runs_completed_by_watcher',
    ]) {
      assert.equal(typeof m[k], 'number', `metrics.${k}`);
    }
    assert.ok(m.refresh_attempts >= 3 && m.refresh_successes >= 3, JSON.stringify(m));
    assert.equal(m.refresh_attempts, m.refresh_successes + m.refresh_failures);
    assert.ok(m.average_refresh_latency_ms > 0);
    assert.equal(m.successful_writebacks, 1);
    assert.equal(m.terminal_runs_completed_by_watcher, 3);
    assert.equal(m.runs_currently_watched, 0);
    assert.equal(m.total, 4);
    assert.equal(m.by_status.succeeded, 3);
    assert.equal(m.by_status.dry_run, 1);

    const ins = await json(s.fetch(`${API}/insights`));
    for (const k of [
      'missions_by_status',
      'missions_by_persona',
      'writeback_success_rate',
      'average_watcher_refresh_count_by_status',
      'top_repos_by_mission_count',
      'terminal_success_rate',
      'average_mission_score',
      'top_risk_signals',
      'average_pr_presence_rate',
      'persona_performance_summary',
    ]) {
      assert.ok(k in ins, `insights.${k}`);
    }
    assert.deepEqual(ins.missions_by_status, { succeeded: 3, dry_run: 1 });
    assert.equal(ins.missions_by_persona.skeptic_reviewer, 2);
    assert.equal(ins.terminal_success_rate, 1);
    assert.equal(ins.writeback_success_rate, 1);
    assert.equal(ins.average_pr_presence_rate, 0.75);
    assert.deepEqual(ins.top_repos_by_mission_count[0], { repo: 'acme/widgets', count: 2 });
    assert.ok(ins.average_watcher_refresh_count_by_status.succeeded >= 1);
    assert.equal(ins.average_watcher_refresh_count_by_status.dry_run, 0);
    assert.equal(ins.heuristic, true);
    const persona = ins.persona_performance_summary.find((g: any) => g.group === 'architect_refactorer');
    assert.equal(persona.count, 1);
    assert.equal(persona.terminal_success_rate, 1);

    const filtered = await json(s.fetch(`${API}/insights?repo=acme/gadgets`));
    assert.deepEqual(filtered.missions_by_status, { succeeded: 1 });

    const c = await json(s.fetch(`${API}/cohorts?group_by=repo`));
    assert.equal(c.group_by, 'repo');
    const w = c.groups.find((g: any) => g.group === 'acme/widgets');
    assert.equal(w.count, 2);
    assert.equal(w.average_pr_presence_rate, 1);
    assert.equal(w.terminal_success_rate, 1);
    assert.ok(['low', 'medium', 'high'].includes(w.top_risk_signal));
    for (const k of ['average_mission_score', 'average_refresh_count', 'writeback_success_rate']) assert.ok(k in w, k);
    const byWb = await json(s.fetch(`${API}/cohorts?group_by=writeback_status&status=succeeded`));
    assert.equal(
      byWb.groups.reduce((n: number, g: any) => n + g.count, 0),
      3,
    );

    const bad = await s.fetch(`${API}/cohorts?group_by=colour`);
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(await bad.json()), /group_by/);

    // Alerts are off here: the terminal alerts are recorded as skipped, with the reason, and never sent.
    const alerts = await until('alerts settled', async () => {
      const r = await json(s.fetch(`${API}/alerts/events?limit=100`));
      return r.events.filter((e: any) => e.alert_type === 'terminal').length === 3 && r.events.every((e: any) => e.status !== 'pending') && r;
    });
    assert.ok(alerts.events.every((e: any) => e.status === 'skipped' && /alerts are off/.test(e.last_error)));

    const sum = await json(s.fetch(`${API}/cohorts/summary`));
    assert.equal(sum.total, 4);
    assert.deepEqual(
      sum.dimensions.map((d: any) => d.group_by),
      ['repo', 'persona_id', 'status', 'writeback_status', 'confidence_level'],
    );
    assert.equal(sum.dimensions[0].groups, 3);
  });

  test('retention reports the policy and a dry run; compaction applies the per-run cap to recent events and keeps important types', async () => {
    const run = await finishedMission(s, 'acme/chatty');
    const before = await json(s.fetch(`${API}/runs/${run.run_id}/timeline`));
    const removable = before.events.filter((e: any) => !KEPT.includes(e.type));
    const kept = before.events.filter((e: any) => KEPT.includes(e.type));
    assert.ok(removable.length > 0 && before.total > 3, `expected a chatty timeline, got ${before.total}`);

    const r = await json(s.fetch(`${API}/retention`));
    assert.equal(r.policy.events_max_per_run, 3);
    assert.equal(r.policy.events_ttl_days, 30);
    assert.ok(r.policy.kept_event_types.includes('state_changed'));
    assert.ok(r.timeline_events.count >= before.total);
    assert.ok(r.timeline_events.oldest <= r.timeline_events.newest);
    assert.ok(r.next_compaction.removed_events_cap > 0);
    assert.equal(r.next_compaction.dry_run, true);

    const dry = await json(post(s, '/retention/compact', { dry_run: true }));
    assert.equal(dry.ok, true);
    assert.equal(dry.report.dry_run, true);
    assert.equal((await json(s.fetch(`${API}/runs/${run.run_id}/timeline`))).total, before.total, 'a dry run removes nothing');

    const real = await json(post(s, '/retention/compact', {}));
    assert.equal(real.report.dry_run, false);
    assert.equal(real.report.removed_total, dry.report.removed_total, 'the dry run predicted the real run');
    assert.ok(real.report.removed_events_cap > 0);
    assert.equal(real.report.removed_events_ttl, 0, 'nothing is older than the TTL');
    assert.ok(real.report.transactions >= 1);
    const afterTl = await json(s.fetch(`${API}/runs/${run.run_id}/timeline`));
    // Every important event stays; removable ones fill the cap only if room is left.
    assert.deepEqual(
      afterTl.events.filter((e: any) => KEPT.includes(e.type)).map((e: any) => e.id),
      kept.map((e: any) => e.id),
    );
    assert.equal(afterTl.total, Math.max(kept.length, 3));
    // Re-running finds nothing to do; the watcher log records what was removed.
    assert.equal((await json(post(s, '/retention/compact', {}))).report.removed_total, 0);
    const ev = await json(s.fetch(`${API}/watcher/events?limit=50`));
    assert.ok(ev.events.some((e: any) => e.kind === 'compaction' && e.data.removed_total === real.report.removed_total));
    const r2 = await json(s.fetch(`${API}/retention`));
    assert.equal(r2.last_compaction.removed_total, 0);
  });

  test('bad input is refused naming the field', async () => {
    const r = await post(s, '/retention/compact', { dry_run: 'perhaps' });
    assert.equal(r.status, 400);
    assert.match(JSON.stringify(await r.json()), /dry_run/);
    const c = await s.fetch(`${API}/cohorts?confidence_level=sky`);
    assert.equal(c.status, 400);
  });
});

describe('background compactor', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({
      ...FAST,
      AGENTORA_MISSIONS_EVENTS_MAX_PER_RUN: '2',
      AGENTORA_MISSIONS_COMPACTION_ENABLED: 'true',
      AGENTORA_MISSIONS_COMPACTION_INTERVAL_SECONDS: '1',
    });
  });
  after(() => s.stop());

  test('runs every interval when enabled and reports what it removed', async () => {
    const run = await finishedMission(s, 'acme/background');
    const ev = await until('a background compaction', async () => {
      const r = await json(s.fetch(`${API}/watcher/events?limit=100`));
      return r.events.find((e: any) => e.kind === 'compaction' && e.data.actor === 'compactor' && e.data.removed_total > 0);
    });
    assert.ok(ev.data.removed_events_cap > 0);
    // The finished mission is trimmed to the cap (or to its kept events) by a later pass, without any call.
    await until('the finished mission trimmed', async () => {
      const tl = await json(s.fetch(`${API}/runs/${run.run_id}/timeline`));
      return tl.events.every((e: any) => KEPT.includes(e.type)) || tl.total <= 2;
    });
  });
});
