// Personas (brief phase I) against a real server in mock mode: the catalogue merged and labelled by source, 404
// for an unknown persona, the seven overlays, persona branch sets where each overlay really shapes its draft
// (preferred preset, objective tone, constraints, fork reason), the portfolio with explainable recommendations,
// the summary / insights, and the override transitions with their decision events.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server';

const API = '/api/integrations';

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 20000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('mission personas', () => {
  let s: TestServer;
  const post = (p: string, body: unknown = {}) => s.fetch(API + p, { method: 'POST', body: JSON.stringify(body) });
  const get = (p: string) => s.fetch(API + p);
  const json = async (r: Response | Promise<Response>) => (await r).json() as Promise<any>;
  let root: any;

  before(async () => {
    s = await startServer({ AGENTORA_MISSIONS_WATCHER_ENABLED: 'true', AGENTORA_MISSIONS_WATCHER_INTERVAL_SECONDS: '0.1' });
    root = await json(
      post('/runs/launch', {
        repo: 'acme/personas',
        mission_title: 'Parser',
        objective: 'Fix the parser crash',
        acceptance_criteria: ['tests pass'],
      }),
    );
    await until('root terminal', async () => (await json(get(`/runs/${root.id}`))).run.terminal);
  });
  after(() => s.stop());

  test('the catalogue merges the (mock) PhiOS personas over the local ones, labelled by source; unknown ids are 404', async () => {
    const cat = await json(get('/personas'));
    const ids = cat.personas.map((p: any) => p.id);
    for (const id of ['default', 'skeptic_reviewer', 'recovery_operator', 'exploratory_innovator'])
      assert.ok(ids.includes(id), `${id} in the catalogue`);
    const skeptic = cat.personas.find((p: any) => p.id === 'skeptic_reviewer');
    assert.equal(skeptic.source, 'mock', 'the mock PhiOS knows the skeptic: its entry wins');
    assert.deepEqual(skeptic.sources, ['mock', 'local']);
    assert.equal(cat.personas.find((p: any) => p.id === 'recovery_operator').source, 'local', 'only the local catalogue knows it');
    assert.equal(new Set(ids).size, ids.length, 'no duplicates');

    const one = await get('/personas/recovery_operator');
    assert.equal(one.status, 200);
    assert.equal((await one.json()).persona.overlay, 'recovery_operator');
    const missing = await get('/personas/nobody_at_all');
    assert.equal(missing.status, 404);
    assert.match((await missing.json()).message, /nobody_at_all/);
  });

  test('the seven overlays, each with its preset, tone, posture and fork reason', async () => {
    const o = await json(get('/persona-overlays'));
    assert.deepEqual(o.overlays.map((x: any) => x.overlay).sort(), [
      'architect_refactorer',
      'conservative_stabilizer',
      'exploratory_innovator',
      'minimal_change_guardian',
      'rapid_builder',
      'recovery_operator',
      'skeptic_reviewer',
    ]);
    for (const x of o.overlays) {
      assert.ok(x.preferred_preset && x.objective_tone && x.risk_posture && x.fork_reason, JSON.stringify(x));
    }
    assert.equal(new Set(o.overlays.map((x: any) => x.preferred_preset)).size, 7, 'each overlay prefers its own preset');
  });

  test("each overlay really applies to its branch's draft: preferred preset, objective tone, constraints, fork reason", async () => {
    const { overlays } = await json(get('/persona-overlays'));
    const specs = overlays.map((o: any) => ({ persona_id: o.overlay === 'recovery_operator' ? 'default' : o.overlay, overlay: o.overlay }));
    const res = await post(`/runs/${root.id}/persona-branch-set`, { set_label: 'all overlays', specs });
    assert.equal(res.status, 200, await res.clone().text());
    const body = await res.json();
    assert.equal(body.root_run_id, root.id);
    assert.equal(body.created_drafts.length, 7);
    const strategies = (await json(get('/branch-strategies'))).strategies;
    for (const [i, o] of overlays.entries()) {
      const d = body.created_drafts[i];
      const preset = strategies.find((st: any) => st.preset === o.preferred_preset);
      assert.equal(d.branch_strategy, o.preferred_preset, `${o.overlay}: its preferred preset when none is given`);
      assert.equal(d.persona_strategy_overlay, o.overlay);
      assert.ok(d.objective.startsWith('Fix the parser crash'), d.objective);
      assert.ok(d.objective.endsWith(o.objective_tone), `${o.overlay}: tone on the objective: ${d.objective}`);
      assert.ok(d.objective.includes(preset.objective_suffix), `${o.overlay}: the preset's suffix too`);
      assert.match(d.fork_reason, new RegExp(o.fork_reason), `${o.overlay}: its fork reason`);
      const constraints = JSON.parse(d.constraints_json);
      for (const c of [...o.added_constraints, ...preset.added_constraints]) assert.ok(constraints.includes(c), `${o.overlay}: constraint ${c}`);
      assert.equal(d.assigned_persona_id, specs[i].persona_id);
      assert.match(d.persona_assignment_reason, new RegExp(o.overlay));
      assert.equal(d.parent_run_id, root.id);
      assert.equal(d.branch_set_id, body.branch_set_id);
    }
    // An explicit preset wins over the overlay's; the tone still applies; the assignment reason is kept.
    const explicit = await json(
      post(`/runs/${root.id}/persona-branch-set`, {
        specs: [
          { persona_id: 'skeptic_reviewer', overlay: 'skeptic_reviewer', preset: 'minimal_patch', persona_assignment_reason: 'reviews parsers well' },
        ],
      }),
    );
    const d = explicit.created_drafts[0];
    assert.equal(d.branch_strategy, 'minimal_patch');
    assert.ok(d.objective.endsWith(overlays.find((o: any) => o.overlay === 'skeptic_reviewer').objective_tone));
    assert.equal(d.persona_assignment_reason, 'reviews parsers well');
    // The assignment is a decision event.
    const ev = await json(get(`/runs/${d.id}/decision-events`));
    assert.equal(ev.events[0].event_type, 'persona_assignment_changed');
    assert.equal(ev.events[0].new_state, 'skeptic_reviewer');
    assert.equal(ev.events[0].rationale, 'reviews parsers well');
    assert.equal(ev.events[0].actor_kind, 'operator');
  });

  test('bad specs are 400s naming the field, and nothing is created', async () => {
    const before = (await json(get(`/lineage/${root.id}`))).descendants.length;
    const cases: [unknown, RegExp][] = [
      [
        {
          specs: [
            { persona_id: 'default', overlay: 'skeptic_reviewer' },
            { persona_id: 'ghost', overlay: 'rapid_builder' },
          ],
        },
        /specs\.1\.persona_id/,
      ],
      [{ specs: [{ persona_id: 'default', overlay: 'nope' }] }, /specs\.0\.overlay/],
      [{ specs: [] }, /specs/],
      [{ specs: [{ persona_id: 'default', overlay: 'rapid_builder', preset: 'sideways' }] }, /specs\.0\.preset/],
    ];
    for (const [body, field] of cases) {
      const r = await post(`/runs/${root.id}/persona-branch-set`, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(await r.text(), field);
    }
    assert.equal((await json(get(`/lineage/${root.id}`))).descendants.length, before, 'nothing created');
    assert.equal((await post('/runs/run_nope/persona-branch-set', { specs: [{ persona_id: 'default', overlay: 'rapid_builder' }] })).status, 404);
  });

  test('portfolio, summary and insights of a lineage with launched persona branches; overrides move recommendation_state', async () => {
    const r0 = await json(
      post('/runs/launch', { persona_id: 'default', repo: 'acme/portfolio', mission_title: 'Cache', objective: 'Speed up the cache' }),
    );
    await until('r0 terminal', async () => (await json(get(`/runs/${r0.id}`))).run.terminal);
    const set = await json(
      post(`/runs/${r0.id}/persona-branch-set`, {
        auto_launch_selected: true,
        specs: [
          { persona_id: 'conservative_stabilizer', overlay: 'conservative_stabilizer', launch: true },
          { persona_id: 'rapid_builder', overlay: 'rapid_builder', launch: true },
          { persona_id: 'skeptic_reviewer', overlay: 'skeptic_reviewer', launch: false },
        ],
      }),
    );
    assert.equal(set.launched_runs.length, 2);
    for (const l of set.launched_runs) await until('branch terminal', async () => (await json(get(`/runs/${l.id}`))).run.terminal);

    const pf = await json(get(`/lineage/${r0.id}/persona-portfolio`));
    assert.equal(pf.root_run_id, r0.id);
    assert.equal(pf.branch_set_id, set.branch_set_id);
    assert.equal(pf.branches.length, 3);
    for (const b of pf.branches) {
      assert.ok(['shortlist', 'eliminate', 'hold'].includes(b.recommendation.action));
      assert.ok(b.recommendation.reason_codes.length >= 2, 'explained');
      assert.equal(typeof b.recommendation.supporting_metrics.heuristic_rank_score, 'number');
      assert.match(b.recommendation.confidence_basis, /sibling/);
      assert.equal(b.recommendation.policy_blocked, false);
      assert.ok(b.persona_overlay);
    }
    // persona_name is read by SQLite from the branch's context packet (PERSONA_NAME_SQL), as the packet names it.
    for (const b of pf.branches) {
      const run = (await json(get(`/runs/${b.run_id}`))).run;
      assert.equal(b.persona_name, run.context_packet.persona.name, b.persona_id);
    }
    assert.ok(
      pf.branches.some((b: any) => b.persona_name !== b.persona_id),
      'a packet persona name (e.g. "Rapid Builder"), not the id',
    );
    // The root is resolved by its one column (rootOf): an unknown run is still a 404, for the audit too.
    assert.equal((await get('/lineage/run_nope/persona-portfolio')).status, 404);
    assert.equal((await get('/lineage/run_nope/decision-audit')).status, 404);
    assert.equal((await json(get(`/lineage/${set.launched_runs[0].id}/decision-audit`))).root_run_id, r0.id, 'a branch resolves to its root');
    const draft = pf.branches.find((b: any) => b.persona_id === 'skeptic_reviewer');
    assert.equal(draft.recommendation.action, 'hold');
    assert.ok(draft.recommendation.reason_codes.includes('not_finished'));
    assert.equal(pf.ranking_summary.length, 3);
    assert.ok(pf.ranking_summary[0].heuristic_rank_score >= pf.ranking_summary[2].heuristic_rank_score, 'ranked');
    // Paged by rank in SQL: the best two of three, each still compared with the whole lineage.
    assert.equal(pf.total, 3);
    const page = await json(get(`/lineage/${r0.id}/persona-portfolio?limit=2`));
    assert.equal(page.total, 3);
    assert.deepEqual(
      page.branches.map((b: any) => b.run_id),
      pf.ranking_summary.slice(0, 2).map((r: any) => r.run_id),
    );
    for (const b of page.branches) assert.equal(b.recommendation.supporting_metrics.sibling_count, 2);
    assert.deepEqual(
      (await json(get(`/lineage/${r0.id}/persona-portfolio?limit=2&offset=2`))).branches.map((b: any) => b.run_id),
      [pf.ranking_summary[2].run_id],
    );
    assert.ok(pf.shortlist_suggestions.length >= 1, 'a finished branch is suggested');
    assert.match(pf.interpretation_note, /heuristic/i);

    const sum = await json(get(`/lineage/${r0.id}/persona-summary`));
    assert.equal(sum.root_run_id, r0.id);
    const cons = sum.personas.find((p: any) => p.persona_id === 'conservative_stabilizer');
    assert.equal(cons.count, 1);
    assert.deepEqual(cons.overlays, ['conservative_stabilizer']);
    const ins = await json(get(`/persona-insights?root_run_id=${r0.id}`));
    assert.equal(ins.root_run_id, r0.id);
    assert.equal(
      ins.personas.reduce((n: number, p: any) => n + p.count, 0),
      4,
      'root and three branches',
    );
    assert.ok(ins.notes.length >= 1);
    assert.equal(typeof ins.cache_metadata.cached, 'boolean');
    assert.equal((await get('/persona-insights?root_run_id=run_nope')).status, 404);

    // Overrides: accept → (accept again: 409) → remove → manual → remove; reject.
    const top = pf.branches.find((b: any) => b.run_id === pf.shortlist_suggestions[0]);
    const acc = await post(`/runs/${top.run_id}/override`, { decision: 'accept_recommendation', note: 'agreed' });
    assert.equal(acc.status, 200, await acc.clone().text());
    const accBody = await acc.json();
    assert.equal(accBody.recommendation_state, 'accepted');
    assert.equal(accBody.operator_override_status, 'accept_recommendation');
    assert.equal(accBody.operator_override_note, 'agreed');
    assert.equal(accBody.decision_status, 'shortlisted', 'accepting a shortlist recommendation shortlists');
    assert.equal((await post(`/runs/${top.run_id}/override`, { decision: 'reject_recommendation', note: 'changed my mind' })).status, 409);
    const removed = await json(post(`/runs/${top.run_id}/override`, { decision: 'remove_override', note: 'undo' }));
    assert.equal(removed.recommendation_state, 'pending');
    assert.equal(removed.operator_override_status, 'none');
    assert.equal(removed.decision_status, 'undecided', 'back to the decision before the override');
    assert.equal((await post(`/runs/${top.run_id}/override`, { decision: 'remove_override', note: 'again' })).status, 409);
    const manual = await json(post(`/runs/${top.run_id}/override`, { decision: 'manual_override', eliminated: true, note: 'PR touches too much' }));
    assert.equal(manual.recommendation_state, 'overridden');
    assert.equal(manual.decision_status, 'eliminated');
    assert.equal(manual.eliminated, true);
    const noChoice = await post(`/runs/${draft.run_id}/override`, { decision: 'manual_override', note: 'x' });
    assert.equal(noChoice.status, 400);
    assert.match(await noChoice.text(), /shortlisted/);
    const rej = await json(post(`/runs/${draft.run_id}/override`, { decision: 'reject_recommendation', note: 'should be launched' }));
    assert.equal(rej.recommendation_state, 'rejected');
    assert.equal((await get(`/runs/${top.run_id}`)).status, 200);
    // GET runs/{id} reports the override too (the flat record is one record).
    const flat = await json(get(`/runs/${top.run_id}`));
    assert.equal(flat.recommendation_state, 'overridden');
    assert.equal(flat.operator_override_note, 'PR touches too much');

    const ev = await json(get(`/runs/${top.run_id}/decision-events`));
    assert.deepEqual(
      ev.events.map((e: any) => [e.event_type, e.previous_state, e.new_state]),
      [
        ['override_applied', 'pending', 'overridden'],
        ['override_removed', 'accepted', 'pending'],
        ['recommendation_accepted', 'pending', 'accepted'],
        ['persona_assignment_changed', 'default', top.persona_id],
      ],
    );
    assert.equal(ev.events[0].rationale, 'PR touches too much');
    assert.ok(ev.events.every((e: any) => e.actor_kind === 'operator'));
    const bad = await post(`/runs/${top.run_id}/override`, { decision: 'maybe' });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /decision/);
  });
});
