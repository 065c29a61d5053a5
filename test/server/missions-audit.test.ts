// Decisions and audit (brief phase J) and the policy side of analytics (phase K) against real servers in mock
// mode: each persona policy hook really blocks — a 400 naming the rule, nothing changed, a policy_blocked_action
// event recorded — on overrides, shortlists, persona branch sets, launches, and manual and automatic writeback;
// each policy template changes the effective policy of its lineage (and is audited); decision events are
// append-only in the store itself; audit summaries, lineage audit, exports and policy-block drill-downs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startServer, type TestServer } from '../helpers/server';

const API = '/api/integrations';
const RISKY = 'Migrate the auth database schema and rotate the security tokens';

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 20000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function client(srv: () => TestServer) {
  const post = (p: string, body: unknown = {}) => srv().fetch(API + p, { method: 'POST', body: JSON.stringify(body) });
  const get = (p: string) => srv().fetch(API + p);
  const json = async (r: Response | Promise<Response>) => (await r).json() as Promise<any>;
  const finished = async (body: Record<string, unknown>) => {
    const r = await json(post('/runs/launch', { persona_id: 'default', acceptance_criteria: ['tests pass'], ...body }));
    assert.ok(r.id, JSON.stringify(r));
    await until(`${r.id} terminal`, async () => (await json(get(`/runs/${r.id}`))).run.terminal);
    return json(get(`/runs/${r.id}`));
  };
  const events = async (id: string) => (await json(get(`/runs/${id}/decision-events`))).events as any[];
  return { post, get, json, finished, events };
}

describe('persona policy hooks (all on)', () => {
  let s: TestServer;
  const { post, get, json, finished, events } = client(() => s);
  let risky: any;

  before(async () => {
    s = await startServer({
      AGENTORA_MISSIONS_WATCHER_ENABLED: 'true',
      AGENTORA_MISSIONS_WATCHER_INTERVAL_SECONDS: '0.1',
      AGENTORA_MISSIONS_AUTO_WRITEBACK: 'true',
      AGENTORA_MISSIONS_WRITEBACK_DEBOUNCE_SECONDS: '0',
      AGENTORA_PERSONA_POLICY_ENABLED: 'true',
      AGENTORA_PERSONA_POLICY_REQUIRE_DUAL_REVIEW_ON_HIGH_RISK: 'true',
      AGENTORA_PERSONA_POLICY_BLOCK_EXPLORATORY_ON_HIGH_RISK: 'true',
      AGENTORA_PERSONA_POLICY_REQUIRE_OVERRIDE_REASON: 'true',
      AGENTORA_PERSONA_POLICY_REQUIRE_CONSERVATIVE_BRANCH_ON_HIGH_RISK: 'true',
    });
    risky = await finished({ repo: 'acme/vault', mission_title: 'Auth migration', objective: RISKY });
    assert.equal(risky.risk_signal, 'high', 'the mock flags this objective as high risk');
  });
  after(() => s.stop());

  test('automatic writeback of a high-risk mission without a review is blocked by the same policy (system actor), and nothing is written', async () => {
    const ev = await until('auto writeback blocked', async () => (await events(risky.id)).find((e) => e.event_type === 'policy_blocked_action'));
    assert.equal(ev.rule, 'dual_review_required_on_high_risk');
    assert.equal(ev.actor_kind, 'system');
    assert.equal(ev.data.action, 'writeback');
    assert.equal(ev.data.trigger, 'auto');
    const run = await json(get(`/runs/${risky.id}`));
    assert.equal(run.writeback_status, 'not_written', 'taken off the queue, never written');
    assert.equal(run.last_writeback_hash, null);
    // The watcher does not retry it every cycle: one block, however many cycles pass (waits on the watcher's
    // own cycle counter, not on the clock).
    const cycles = (await json(get('/metrics'))).watcher.cycles as number;
    await until('5 more watcher cycles', async () => (await json(get('/metrics'))).watcher.cycles >= cycles + 5);
    assert.equal((await events(risky.id)).filter((e) => e.event_type === 'policy_blocked_action').length, 1);
  });

  test('override_reason_required: a reject without a note is a 400 naming the rule, changes nothing, is recorded', async () => {
    const r = await post(`/runs/${risky.id}/override`, { decision: 'reject_recommendation', note: '   ' });
    assert.equal(r.status, 400);
    const body = await r.json();
    assert.match(body.message, /override_reason_required/);
    assert.equal(body.issues[0].path, 'rule');
    const run = await json(get(`/runs/${risky.id}`));
    assert.equal(run.recommendation_state, 'pending');
    assert.equal(run.operator_override_status, 'none');
    assert.equal(run.operator_override_note, null);
    const last = (await events(risky.id))[0];
    assert.equal(last.event_type, 'policy_blocked_action');
    assert.equal(last.rule, 'override_reason_required');
    assert.equal(last.actor_kind, 'operator');
    const check = await json(post(`/runs/${risky.id}/policy-check`, { action: 'reject_recommendation' }));
    assert.deepEqual([check.ok, check.enabled, check.rule], [false, true, 'override_reason_required']);
    assert.equal((await json(post(`/runs/${risky.id}/policy-check`, { action: 'reject_recommendation', note: 'why' }))).ok, true);
  });

  test('persona branch sets of a high-risk mission: exploratory blocked, a conservative branch required; nothing created when refused', async () => {
    const count = async () => (await json(get(`/lineage/${risky.id}`))).descendants.length;
    const before = await count();
    const explore = await post(`/runs/${risky.id}/persona-branch-set`, {
      specs: [
        { persona_id: 'conservative_stabilizer', overlay: 'conservative_stabilizer' },
        { persona_id: 'default', overlay: 'exploratory_innovator' },
      ],
    });
    assert.equal(explore.status, 400);
    assert.match((await explore.json()).message, /exploratory_blocked_on_high_risk/);
    const noSafe = await post(`/runs/${risky.id}/persona-branch-set`, { specs: [{ persona_id: 'skeptic_reviewer', overlay: 'skeptic_reviewer' }] });
    assert.equal(noSafe.status, 400);
    assert.match((await noSafe.json()).message, /conservative_branch_required_on_high_risk/);
    assert.equal(await count(), before, 'nothing created');
    const blocks = (await events(risky.id)).filter((e) => e.event_type === 'policy_blocked_action').map((e) => e.rule);
    assert.ok(blocks.includes('exploratory_blocked_on_high_risk') && blocks.includes('conservative_branch_required_on_high_risk'));
    const ok = await post(`/runs/${risky.id}/persona-branch-set`, {
      auto_launch_selected: true,
      specs: [
        { persona_id: 'conservative_stabilizer', overlay: 'conservative_stabilizer', launch: true },
        { persona_id: 'skeptic_reviewer', overlay: 'skeptic_reviewer', launch: true },
      ],
    });
    assert.equal(ok.status, 200, await ok.clone().text());
    assert.equal(await count(), before + 2);
  });

  test('dual review on high risk: shortlist and manual writeback wait for a first review; then they pass', async () => {
    const pf = await json(get(`/lineage/${risky.id}/persona-portfolio`));
    const skeptic = pf.branches.find((b: any) => b.persona_overlay === 'skeptic_reviewer');
    // Both branches are high risk too: the watcher's automatic writeback of each is held first (system actor).
    for (const b of pf.branches)
      await until(`${b.persona_overlay} auto writeback held`, async () =>
        (await events(b.run_id)).some((e) => e.event_type === 'policy_blocked_action' && e.actor_kind === 'system'),
      );
    const sl = await post(`/runs/${skeptic.run_id}/shortlist`, { decision_note: 'looks good' });
    assert.equal(sl.status, 400);
    assert.match((await sl.json()).message, /dual_review_required_on_high_risk/);
    assert.equal((await json(get(`/runs/${skeptic.run_id}`))).decision_status, 'undecided', 'nothing changed');
    const wb = await post(`/runs/${skeptic.run_id}/writeback`, { operator_notes: 'ship it' });
    assert.equal(wb.status, 400);
    assert.match((await wb.json()).message, /dual_review_required_on_high_risk/);
    assert.equal((await json(get(`/runs/${skeptic.run_id}`))).last_writeback_hash, null, 'not written');
    // The first review: accepting the recommendation (allowed: a conservative sibling exists).
    const acc = await post(`/runs/${skeptic.run_id}/override`, { decision: 'accept_recommendation', note: 'first review' });
    assert.equal(acc.status, 200, await acc.clone().text());
    const wb2 = await post(`/runs/${skeptic.run_id}/writeback`, { operator_notes: 'second review' });
    assert.equal(wb2.status, 200, await wb2.clone().text());
    const audit = await json(get(`/runs/${skeptic.run_id}/audit-summary`));
    assert.equal(audit.root_run_id, risky.id);
    assert.equal(audit.policy_blocked_events, 3, 'auto writeback, shortlist, manual writeback');
    assert.ok(audit.operator_events >= 3);
    assert.equal(audit.by_type.recommendation_accepted, 1);
  });

  test('launching an exploratory branch of a high-risk mission is blocked (and its dry run is not)', async () => {
    const set = await json(post(`/runs/${risky.id}/branch-set`, { specs: [{ preset: 'exploratory_branch' }] }));
    const draft = set.created_drafts[0];
    const r = await post(`/runs/${draft.id}/launch-from-draft`, { dry_run: false });
    assert.equal(r.status, 400);
    assert.match((await r.json()).message, /exploratory_blocked_on_high_risk/);
    assert.equal((await json(get(`/runs/${draft.id}`))).status, 'prepared', 'not launched');
    assert.equal((await post(`/runs/${draft.id}/launch-from-draft`, { dry_run: true })).status, 200);
  });

  test('lineage decision audit, exports and the policy-block drill-down', async () => {
    const audit = await json(get(`/lineage/${risky.id}/decision-audit`));
    assert.equal(audit.root_run_id, risky.id);
    assert.equal(audit.policy.source, 'settings');
    assert.equal(audit.policy.rules.enabled, true);
    assert.ok(audit.policy_blocked_events >= 6, JSON.stringify(audit.by_type));
    assert.equal(audit.total, audit.total_decision_events);
    assert.ok(audit.system_events >= 1 && audit.operator_events >= 1);
    assert.ok(audit.by_run.length >= 3);
    assert.equal(
      audit.by_run.reduce((n: number, r: any) => n + r.count, 0),
      audit.total,
      'every event counted under its run',
    );
    const drill = await json(get(`/drilldown/policy-blocks?root_run_id=${risky.id}&rule=dual_review_required_on_high_risk`));
    assert.equal(drill.total, 5, 'three automatic writebacks (root and both branches), a shortlist, a manual writeback');
    assert.ok(drill.events.every((e: any) => e.rule === 'dual_review_required_on_high_risk' && e.root_run_id === risky.id));
    const all = await json(get(`/drilldown/policy-blocks?root_run_id=${risky.id}`));
    assert.equal(all.total, audit.policy_blocked_events, 'the drill-down returns exactly the counted events');
    const ex = await json(get(`/exports/audit-summary?root_run_id=${risky.id}`));
    assert.equal(ex.kind, 'audit-summary');
    assert.equal(ex.rollup.total, audit.total_decision_events);
    assert.equal(ex.events.length, audit.total_decision_events);
  });
});

describe('policy templates, append-only audit, analytics cache and drill-downs (policy off by default)', () => {
  let s: TestServer;
  const { post, get, json, finished, events } = client(() => s);

  before(async () => {
    s = await startServer({ AGENTORA_MISSIONS_WATCHER_ENABLED: 'true', AGENTORA_MISSIONS_WATCHER_INTERVAL_SECONDS: '0.1' });
  });
  after(() => s.stop());

  test('the five templates; an unknown one is 404', async () => {
    const t = await json(get('/policy-templates'));
    assert.deepEqual(t.templates.map((x: any) => x.name).sort(), ['default', 'exploratory_lab', 'high_risk_repo', 'recovery_mode', 'strict_review']);
    assert.equal((await json(get('/policy-templates/strict_review'))).template.policy.require_dual_review_on_high_risk, true);
    assert.equal((await get('/policy-templates/lax')).status, 404);
    const bad = await post('/runs/run_x/apply-policy-template', { template_name: 'lax' });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /template_name/);
  });

  test('a template changes the effective policy of its lineage: an allowed action becomes blocked, and the audit records it', async () => {
    const root = await finished({ repo: 'acme/tpl', mission_title: 'Tokens', objective: RISKY });
    const other = await finished({ repo: 'acme/tpl', mission_title: 'Other lineage', objective: RISKY });
    const set = await json(post(`/runs/${root.id}/persona-branch-set`, { specs: [{ persona_id: 'default', overlay: 'exploratory_innovator' }] }));
    const explorer = set.created_drafts[0];
    assert.equal(explorer.risk_signal, 'high');
    const before = await json(post(`/runs/${explorer.id}/policy-check`, { action: 'shortlist' }));
    assert.deepEqual([before.ok, before.enabled], [true, false], 'allowed while the policy is off');

    const applied = await post(`/runs/${explorer.id}/apply-policy-template`, { template_name: 'high_risk_repo', note: 'vault repo' });
    assert.equal(applied.status, 200, await applied.clone().text());
    const a = await applied.json();
    assert.equal(a.template_name, 'high_risk_repo');
    assert.equal(a.root_run_id, root.id, 'applies to the root lineage');
    assert.equal(a.template.policy.enabled, true);
    assert.equal(a.policy_check.ok, false);
    const ev = (await events(root.id))[0];
    assert.deepEqual(
      [ev.event_type, ev.previous_state, ev.new_state, ev.rationale],
      ['policy_template_applied', 'settings', 'high_risk_repo', 'vault repo'],
    );

    const after = await json(post(`/runs/${explorer.id}/policy-check`, { action: 'shortlist' }));
    assert.deepEqual([after.ok, after.enabled, after.rule, after.template_name], [false, true, 'exploratory_blocked_on_high_risk', 'high_risk_repo']);
    const sl = await post(`/runs/${explorer.id}/shortlist`, { decision_note: 'try it' });
    assert.equal(sl.status, 400);
    assert.match((await sl.json()).message, /exploratory_blocked_on_high_risk/);
    assert.equal((await json(get(`/runs/${explorer.id}`))).decision_status, 'undecided');
    assert.equal((await events(explorer.id))[0].data.template_name, 'high_risk_repo');
    // Only that lineage: another root keeps the settings' policy.
    assert.equal((await json(post(`/runs/${other.id}/policy-check`, { action: 'reject_recommendation' }))).enabled, false);
    const audit = await json(get(`/lineage/${root.id}/decision-audit`));
    assert.equal(audit.policy.template_name, 'high_risk_repo');
    assert.equal(audit.by_type.policy_template_applied, 1);
  });

  test("each template's rules take effect (policy-check of the same actions under each)", async () => {
    const root = await finished({ repo: 'acme/tpl2', mission_title: 'Each', objective: RISKY });
    const set = await json(
      post(`/runs/${root.id}/persona-branch-set`, {
        specs: [
          { persona_id: 'default', overlay: 'exploratory_innovator' },
          { persona_id: 'skeptic_reviewer', overlay: 'skeptic_reviewer' },
        ],
      }),
    );
    const [explorer, skeptic] = set.created_drafts;
    const probe = async () => ({
      reason: (await json(post(`/runs/${skeptic.id}/policy-check`, { action: 'reject_recommendation' }))).rule,
      exploratory: (await json(post(`/runs/${explorer.id}/policy-check`, { action: 'launch' }))).rule,
      dual: (await json(post(`/runs/${skeptic.id}/policy-check`, { action: 'writeback' }))).rule,
      conservative: (await json(post(`/runs/${skeptic.id}/policy-check`, { action: 'accept_recommendation' }))).rule,
    });
    const expected: Record<string, Record<string, string | null>> = {
      default: { reason: null, exploratory: null, dual: null, conservative: null },
      high_risk_repo: {
        reason: 'override_reason_required',
        exploratory: 'exploratory_blocked_on_high_risk',
        dual: 'dual_review_required_on_high_risk',
        conservative: 'conservative_branch_required_on_high_risk',
      },
      recovery_mode: {
        reason: 'override_reason_required',
        exploratory: 'exploratory_blocked_on_high_risk',
        dual: null,
        conservative: 'conservative_branch_required_on_high_risk',
      },
      strict_review: { reason: 'override_reason_required', exploratory: null, dual: 'dual_review_required_on_high_risk', conservative: null },
      exploratory_lab: { reason: 'override_reason_required', exploratory: null, dual: null, conservative: null },
    };
    for (const [name, want] of Object.entries(expected)) {
      assert.equal((await post(`/runs/${root.id}/apply-policy-template`, { template_name: name })).status, 200);
      assert.deepEqual(await probe(), want, name);
    }
    const applied = (await events(root.id)).filter((e) => e.event_type === 'policy_template_applied').map((e) => e.new_state);
    assert.deepEqual(applied.reverse(), Object.keys(expected));
  });

  test('decision events are append-only in the store itself', async () => {
    const m = await finished({ repo: 'acme/append', mission_title: 'Append', objective: 'Small fix' });
    assert.equal((await post(`/runs/${m.id}/override`, { decision: 'accept_recommendation', note: 'ok' })).status, 200);
    const db = new Database(path.join(s.dataDir, 'agentora.db'));
    try {
      assert.throws(() => db.prepare("UPDATE mission_decisions SET note = 'rewritten'").run(), /append-only/);
      assert.throws(() => db.prepare('DELETE FROM mission_decisions').run(), /append-only/);
    } finally {
      db.close();
    }
    assert.equal((await events(m.id))[0].rationale, 'ok');
  });

  test('persona compare of two missions', async () => {
    const a = await finished({ repo: 'acme/cmp', mission_title: 'A', objective: 'Small fix', persona_id: 'rapid_builder' });
    const b = await finished({ repo: 'acme/cmp', mission_title: 'B', objective: RISKY, persona_id: 'skeptic_reviewer' });
    const c = await json(get(`/runs/${a.id}/persona-compare?other_run_id=${b.id}`));
    assert.equal(c.left.persona_id, 'rapid_builder');
    assert.equal(c.right.persona_id, 'skeptic_reviewer');
    assert.deepEqual(c.field_differences.persona_id, { left: 'rapid_builder', right: 'skeptic_reviewer' });
    assert.ok(c.field_differences.risk_level);
    assert.equal(c.same_lineage, false);
    assert.match(c.interpretation, /heuristic/i);
    assert.equal((await get(`/runs/${a.id}/persona-compare?other_run_id=run_nope`)).status, 404);
    assert.equal((await get(`/runs/${a.id}/persona-compare`)).status, 400);
  });
});
