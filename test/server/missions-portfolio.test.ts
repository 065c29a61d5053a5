// Portfolio and decision summary against a real server in mock mode: a branch set's branches are ranked by the
// heuristic rank score with every point explained, suggestions follow the rules (and leave decided branches
// alone), per-run / per-set / per-root scopes read the right branches, decisions show in the summary with their
// notes, and the read runs off the covering index (no wide-row reads). Outcomes are set in the database so the
// ranking is known exactly (mock missions all succeed the same way).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startServer, type TestServer } from '../helpers/server';

const API = '/api/integrations';

describe('mission portfolio and decision summary', () => {
  let s: TestServer;
  const post = (p: string, body: unknown = {}) => s.fetch(API + p, { method: 'POST', body: JSON.stringify(body) });
  const get = (p: string) => s.fetch(API + p);
  const json = async (r: Response | Promise<Response>) => (await r).json() as Promise<any>;
  let root: any;
  let set: any;
  let ids: Record<'a' | 'b' | 'c' | 'd', string>;

  /** Give a branch a known outcome (what a finished AgentCeption run would have left). */
  function outcome(id: string, o: { status: string; score: number; risk: string; pr?: boolean; writeback?: string }) {
    const db = new Database(path.join(s.dataDir, 'agentora.db'));
    try {
      db.prepare(
        'UPDATE missions SET status = ?, mission_score = ?, risk_level = ?, pr_url = ?, writeback_status = ?, confidence_level = ? WHERE id = ?',
      ).run(o.status, o.score, o.risk, o.pr ? `https://example.invalid/pr/${id}` : null, o.writeback ?? 'none', o.score >= 70 ? 'high' : 'low', id);
    } finally {
      db.close();
    }
  }

  before(async () => {
    s = await startServer();
    root = await json(post('/runs/launch', { repo: 'acme/portfolio', mission_title: 'Cache bug', objective: 'Fix the cache', dry_run: true }));
    set = await json(
      post(`/runs/${root.id}/branch-set`, {
        set_label: 'cache fixes',
        dry_run: true,
        specs: [
          { preset: 'conservative_fix', branch_label: 'A' },
          { preset: 'aggressive_refactor', branch_label: 'B' },
          { preset: 'minimal_patch', branch_label: 'C' },
          { preset: 'exploratory_branch', branch_label: 'D' },
        ],
      }),
    );
    const [a, b, c, d] = set.created_drafts.map((m: any) => m.id);
    ids = { a, b, c, d };
    outcome(a, { status: 'succeeded', score: 80, risk: 'low', pr: true }); // 80 + 10 + 5 = 95
    outcome(b, { status: 'succeeded', score: 70, risk: 'high' }); // 70 − 25 + 10 = 55
    outcome(c, { status: 'failed', score: 30, risk: 'medium' }); // 30 − 10 − 20 = 0
    outcome(d, { status: 'prepared', score: 50, risk: 'low', writeback: 'failed' }); // 50 − 5 = 45
  });
  after(() => s.stop());

  test('a branch set is ranked with every point explained; suggestions follow the rules', async () => {
    const res = await get(`/runs/${ids.a}/portfolio`);
    assert.equal(res.status, 200);
    const p = await res.json();
    assert.equal(p.root_run_id, root.id);
    assert.equal(p.branch_set_id, set.branch_set_id, "a branch's own set by default");
    assert.equal(p.set_label, 'cache fixes');
    assert.equal(p.total_branches, 4);
    assert.deepEqual(
      p.ranking_summary.map((r: any) => [r.branch_label, r.heuristic_rank_score]),
      [
        ['A', 95],
        ['B', 55],
        ['D', 45],
        ['C', 0],
      ],
    );
    const top = p.ranking_summary[0];
    assert.equal(top.strategy, 'conservative_fix');
    assert.equal(top.persona, root.persona_id);
    assert.equal(top.explanation, '80 mission score + 10 succeeded + 5 PR opened = 95');
    assert.equal(p.ranking_summary[3].explanation, '30 mission score - 10 medium risk - 20 failed = 0');
    assert.match(p.ranking_explanation, /-25 for high risk/);
    const a = p.branches.find((x: any) => x.run_id === ids.a);
    assert.equal(a.rank, 1);
    assert.equal(a.has_pr, true);
    assert.equal(a.legacy_status, 'completed');
    assert.equal(a.decision_status, 'undecided');
    assert.deepEqual(
      a.rank_factors.map((f: any) => f.points),
      [80, 10, 5],
    );
    assert.equal(p.branches.find((x: any) => x.run_id === ids.d).writeback_status, 'failed', 'earlier writeback vocabulary');

    assert.deepEqual(
      p.shortlist_suggestions.map((x: any) => x.run_id),
      [ids.a],
    );
    assert.match(p.shortlist_suggestions[0].reason, /succeeded with low risk and a PR/);
    assert.deepEqual(
      p.elimination_suggestions.map((x: any) => [x.run_id, x.reason]),
      [
        [ids.c, 'failed: no usable outcome'],
        [ids.b, 'finished with high risk'],
      ],
    );
    assert.match(p.interpretation_note, /heuristic operator aids, not objective truth/);
    assert.match(p.interpretation_note, /4 branches, 3 finished; highest rank score: A \(95\)/);

    const limited = await json(get(`/runs/${ids.a}/portfolio?limit=2`));
    assert.equal(limited.branches.length, 2);
    assert.equal(limited.total_branches, 4);
    assert.equal(limited.elimination_suggestions.length, 2, 'suggestions consider every branch, not only the listed ones');
  });

  test('scopes: a set, the run without a set (its lineage), the root; other sets and forks stay apart', async () => {
    const other = await json(post(`/runs/${root.id}/branch-set`, { set_label: 'second', dry_run: true, specs: [{ preset: 'recovery_branch' }] }));
    const fork = await json(post(`/runs/${ids.a}/fork`, { fork_reason: 'follow-up' }));

    const ofSet = await json(get(`/runs/${root.id}/portfolio?branch_set_id=${set.branch_set_id}`));
    assert.equal(ofSet.total_branches, 4);
    const ofOther = await json(get(`/runs/${other.created_drafts[0].id}/portfolio`));
    assert.equal(ofOther.total_branches, 1);
    assert.equal(ofOther.set_label, 'second');

    const whole = await json(get(`/lineage/${root.id}/portfolio`));
    assert.equal(whole.branch_set_id, null);
    assert.equal(whole.total_branches, 6, '4 + 1 in the second set + a plain fork (depth 2); never the root itself');
    assert.ok(whole.branches.some((b: any) => b.run_id === fork.id && b.lineage_depth === 2 && b.parent_run_id === ids.a));
    assert.ok(!whole.branches.some((b: any) => b.run_id === root.id));
    const viaRun = await json(get(`/runs/${root.id}/portfolio`));
    assert.equal(viaRun.total_branches, 6, 'a run in no set: its whole lineage');

    // Errors: unknown set → 404; a set of another lineage → 400 naming branch_set_id; a non-root → 400 naming root_run_id.
    assert.equal((await get(`/runs/${root.id}/portfolio?branch_set_id=bs-nope`)).status, 404);
    const elsewhere = await json(post('/runs/launch', { repo: 'acme/elsewhere', mission_title: 'E', objective: 'x', dry_run: true }));
    const bad = await get(`/runs/${elsewhere.id}/portfolio?branch_set_id=${set.branch_set_id}`);
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).message, /branch_set_id/);
    const notRoot = await get(`/lineage/${ids.a}/portfolio`);
    assert.equal(notRoot.status, 400);
    assert.match((await notRoot.json()).message, /root_run_id: .* is not a root/);
    for (const p of ['/runs/nope/portfolio', '/lineage/nope/portfolio', '/lineage/nope/decision-summary'])
      assert.equal((await get(p)).status, 404, p);
    for (const q of ['limit=0', 'limit=9999', 'limit=ten']) {
      const r = await get(`/lineage/${root.id}/portfolio?${q}`);
      assert.equal(r.status, 400, q);
      assert.match((await r.json()).message, /limit/);
    }
    // An empty lineage answers with no branches and says what to do.
    const empty = await json(get(`/lineage/${elsewhere.id}/portfolio`));
    assert.equal(empty.total_branches, 0);
    assert.match(empty.interpretation_note, /No branches yet/);
  });

  test('shortlist / eliminate: the portfolio and the decision summary show them, suggestions drop them', async () => {
    assert.equal((await post(`/runs/${ids.a}/shortlist`, { decision_note: 'smallest safe diff' })).status, 200);
    assert.equal((await post(`/runs/${ids.c}/eliminate`, { decision_note: 'tests fail' })).status, 200);
    // A decision re-scores the mission from its real inputs (the loop's commit): put the known outcomes back.
    outcome(ids.a, { status: 'succeeded', score: 80, risk: 'low', pr: true });
    outcome(ids.c, { status: 'failed', score: 30, risk: 'medium' });

    const p = await json(get(`/runs/${ids.a}/portfolio`));
    const a = p.branches.find((x: any) => x.run_id === ids.a);
    assert.equal(a.decision_status, 'shortlisted');
    assert.equal(a.shortlisted, true);
    assert.equal(a.decision_note, 'smallest safe diff');
    assert.equal(a.heuristic_rank_score, 95, 'decisions never move the score');
    assert.deepEqual(p.shortlist_suggestions, []);
    assert.deepEqual(
      p.elimination_suggestions.map((x: any) => x.run_id),
      [ids.b],
    );

    const res = await get(`/lineage/${root.id}/decision-summary`);
    assert.equal(res.status, 200);
    const d = await res.json();
    assert.equal(d.root_run_id, root.id);
    assert.equal(d.root_mission_title, 'Cache bug');
    assert.equal(d.total_branches, 6);
    assert.equal(d.decided, 2);
    assert.equal(d.undecided, 4);
    assert.deepEqual(
      d.shortlisted.map((x: any) => [x.run_id, x.decision_note]),
      [[ids.a, 'smallest safe diff']],
    );
    assert.ok(d.shortlisted[0].decided_at);
    assert.deepEqual(
      d.eliminated.map((x: any) => [x.run_id, x.decision_note]),
      [[ids.c, 'tests fail']],
    );
    const first = d.branch_sets.find((b: any) => b.branch_set_id === set.branch_set_id);
    assert.deepEqual(
      {
        label: first.set_label,
        source: first.source_run_id,
        total: first.total,
        terminal: first.terminal,
        sl: first.shortlisted,
        el: first.eliminated,
        un: first.undecided,
        best: first.best_run_id,
      },
      { label: 'cache fixes', source: root.id, total: 4, terminal: 3, sl: 1, el: 1, un: 2, best: ids.a },
    );
    assert.equal(d.branch_sets.length, 2);
    assert.deepEqual(d.decision_events.by_type, { eliminate_applied: 1, shortlist_applied: 1 });
    assert.equal(d.decision_events.latest[0].type, 'eliminate_applied', 'newest first');
    assert.equal(d.decision_events.latest[0].note, 'tests fail');
    assert.deepEqual(d.pending_suggestions, { shortlist: 0, eliminate: 1 });
    assert.match(d.next_step, /Review 0 shortlist and 1 elimination suggestion/);
    assert.match(d.interpretation_note, /not objective truth/);
  });

  test('JSON-RPC answers the same service result', async () => {
    const res = await s.fetch('/rpc', {
      method: 'POST',
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'agentora/missions/lineagePortfolio', params: { root_run_id: root.id } }),
    });
    const reply = await res.json();
    assert.equal(reply.result.root_run_id, root.id);
    assert.equal(reply.result.heuristic, true);
    assert.equal(reply.result.ranking_summary[0].run_id, ids.a);
  });

  test('the branches are read from the covering index alone (no wide mission rows)', () => {
    const db = new Database(path.join(s.dataDir, 'agentora.db'), { readonly: true });
    try {
      const plan = (sql: string, ...args: unknown[]) =>
        (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail).join(' | ');
      const cols =
        'm.id, m.status, m.mission_score, m.risk_level, m.pr_url, m.writeback_status, m.decision_state, m.strategy, m.branch_label, m.mission_title';
      assert.match(
        plan(`SELECT ${cols} FROM missions m INDEXED BY missions_portfolio WHERE m.root_mission_id = ? AND m.id <> m.root_mission_id`, root.id),
        /USING COVERING INDEX missions_portfolio/,
      );
      assert.match(
        plan(`SELECT ${cols} FROM missions m INDEXED BY missions_portfolio WHERE m.root_mission_id = ? AND m.branch_set_id = ?`, root.id, 'x'),
        /USING COVERING INDEX missions_portfolio \(root_mission_id=\? AND branch_set_id=\?\)/,
      );
      const sets = db.prepare('SELECT id, set_label, source_mission_id FROM mission_branch_sets WHERE root_mission_id = ?').all(root.id) as any[];
      assert.equal(sets.length, 2, 'every set is recorded by the insert trigger');
    } finally {
      db.close();
    }
  });
});
