// Pattern memory (brief phase L) against a real server in mock mode (no watcher: the test finishes missions by
// refreshing them): candidates derived from history with their real supporting runs and writeback success rate,
// persisted and re-derived without losing the operator's decisions; promote / reject / archive with notes and
// decision events; a promoted pattern becomes a memory (source mission) and feeds suggestions, which show their
// evidence and are never applied.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server';

const API = '/api/integrations';

describe('mission pattern memory', () => {
  let s: TestServer;
  const post = (p: string, body: unknown = {}) => s.fetch(API + p, { method: 'POST', body: JSON.stringify(body) });
  const get = (p: string) => s.fetch(API + p);
  const json = async (r: Response | Promise<Response>) => (await r).json() as Promise<any>;
  const finish = async (id: string) => {
    for (let i = 0; i < 20; i++) if ((await json(post(`/runs/${id}/refresh`))).run.terminal) return;
    throw new Error(`${id} did not finish`);
  };
  const mission = async (persona_id: string, repo: string, title: string) => {
    const r = await json(post('/runs/launch', { persona_id, repo, mission_title: title, objective: `Improve ${title}`, watch: false }));
    await finish(r.id);
    return r.id as string;
  };
  const runCount = async () => Number((await get('/runs?limit=1')).headers.get('x-total-count'));
  const byKey = (ps: any[], key: string) => ps.find((p) => p.pattern_key === key);
  /** Derivation is a background task: poll the candidates (each read answers at once) until they are current. */
  const current = async (p = '/memory/patterns/candidates') => {
    const deadline = Date.now() + 20000;
    for (;;) {
      const r = await json(get(p));
      if (r.derived.current && !r.derived.pending) return r;
      if (Date.now() > deadline) throw new Error(`patterns never became current: ${JSON.stringify(r.derived)}`);
      await new Promise((res) => setTimeout(res, 25));
    }
  };
  const seed: Record<string, string> = {};

  before(async () => {
    s = await startServer({});
    seed.a1 = await mission('rapid_builder', 'acme/a', 'search');
    seed.a2 = await mission('rapid_builder', 'acme/a', 'login');
    seed.sk = await mission('skeptic_reviewer', 'acme/a', 'billing');
    seed.b1 = await mission('rapid_builder', 'acme/b', 'export');
    assert.equal((await post(`/runs/${seed.a1}/writeback`, { operator_notes: 'keep' })).status, 200);
    const set = await json(
      post(`/runs/${seed.sk}/persona-branch-set`, {
        auto_launch_selected: true,
        specs: [{ persona_id: 'conservative_stabilizer', overlay: 'conservative_stabilizer', launch: true }],
      }),
    );
    seed.cons = set.launched_runs[0].id;
    await finish(seed.cons!);
  });
  after(() => s.stop());

  test('candidates are derived from history with their supporting runs and writeback success rate, per repo and across repos', async () => {
    const first = await json(get('/memory/patterns/candidates'));
    assert.equal(first.derived.current, false, 'the first read answers at once, before any derivation');
    assert.equal(first.derived.pending, true, 'and starts one in the background');
    const c = await current();
    assert.ok(c.derived.groups > 0 && c.derived.derived_at);
    const a = byKey(c.patterns, 'persona_strategy_repo:rapid_builder:none:acme/a');
    assert.ok(a, JSON.stringify(c.patterns.map((p: any) => p.pattern_key)));
    assert.equal(a.source_run_count, 2);
    assert.deepEqual([...a.supporting_run_ids].sort(), [seed.a1, seed.a2].sort());
    assert.equal(a.writeback_success_rate, 1, 'one run written back, the other never tried');
    assert.equal(a.repo_scope, 'acme/a');
    assert.equal(a.status, 'candidate');
    assert.equal(a.promoted_by_operator, false);
    assert.match(a.evidence_summary, /2 finished run\(s\) of rapid_builder/);
    assert.match(a.evidence_summary, /mock/, 'says its evidence is from mock missions');
    const cross = byKey(c.patterns, 'persona_strategy:rapid_builder:none:*');
    assert.equal(cross.source_run_count, 3);
    assert.equal(cross.supporting_run_ids.length, 3);
    const cons = byKey(c.patterns, 'persona_strategy_repo:conservative_stabilizer:conservative_fix:acme/a');
    assert.deepEqual(cons.supporting_run_ids, [seed.cons]);
    // Nothing changed since: the next read does not derive again.
    const again = (await json(get('/memory/patterns/candidates'))).derived;
    assert.deepEqual([again.current, again.pending, again.derived_at], [true, false, c.derived.derived_at]);
    const filtered = await json(get('/memory/patterns?persona=rapid_builder&repo=acme/a'));
    assert.deepEqual(
      filtered.patterns.map((p: any) => p.id),
      [a.id],
    );
  });

  test('no suggestion before the operator promotes a pattern', async () => {
    const sug = await json(get('/memory/suggestions/new-mission?repo=acme/a'));
    assert.deepEqual(sug.suggestions, []);
    assert.match(sug.note, /never applied/);
  });

  test('promote → memory (source mission) → suggestions with evidence, never applied', async () => {
    const c = await json(get('/memory/patterns/candidates'));
    const a = byKey(c.patterns, 'persona_strategy_repo:rapid_builder:none:acme/a');
    const cons = byKey(c.patterns, 'persona_strategy_repo:conservative_stabilizer:conservative_fix:acme/a');
    const res = await post(`/memory/patterns/${a.id}/promote`, { note: 'fast and fine here' });
    assert.equal(res.status, 200, await res.clone().text());
    const p = await res.json();
    assert.deepEqual([p.pattern.status, p.pattern.promoted_by_operator, p.pattern.promotion_note], ['promoted', true, 'fast and fine here']);
    assert.equal(typeof p.memory_id, 'number');
    const mem = await json(s.fetch(`/api/memory/capsules/${p.memory_id}`));
    assert.equal(mem.capsule.source, 'mission');
    assert.equal(mem.capsule.repo, 'acme/a');
    assert.match(mem.capsule.text, /rapid_builder/);
    assert.equal(p.decision_event.event_type, 'pattern_promoted');
    assert.equal(p.decision_event.rationale, 'fast and fine here');
    assert.ok(a.supporting_run_ids.includes(p.decision_event.run_id), 'recorded on a supporting run');
    assert.equal((await post(`/memory/patterns/${a.id}/promote`, { note: 'again' })).status, 409);
    assert.equal((await post(`/memory/patterns/${cons.id}/promote`, { note: 'safe' })).status, 200);

    const runs = await runCount();
    const sug = await json(get('/memory/suggestions/new-mission?repo=acme/a'));
    const mine = sug.suggestions.find((x: any) => x.pattern_id === a.id);
    assert.ok(mine, JSON.stringify(sug));
    assert.deepEqual([mine.persona_id, mine.applied, mine.requires_operator_approval], ['rapid_builder', false, true]);
    assert.deepEqual([...mine.evidence.supporting_run_ids].sort(), [seed.a1, seed.a2].sort());
    assert.equal(mine.evidence.promotion_note, 'fast and fine here');
    const replay = await json(get(`/memory/suggestions/replay?run_id=${seed.sk}`));
    assert.ok(
      replay.suggestions.some((x: any) => x.persona_id === 'rapid_builder'),
      'a skeptic mission could be replayed as the rapid builder',
    );
    const bs = await json(get(`/memory/suggestions/branch-set?run_id=${seed.sk}`));
    assert.deepEqual(bs.proposed_specs, [{ persona_id: 'conservative_stabilizer', overlay: 'conservative_stabilizer', preset: 'conservative_fix' }]);
    assert.equal((await get('/memory/suggestions/replay?run_id=run_nope')).status, 404);
    // Never applied: no mission was created, no pattern changed.
    assert.equal(await runCount(), runs);
    assert.equal(byKey((await json(get('/memory/patterns?promoted_only=true'))).patterns, a.pattern_key).status, 'promoted');
    // The proposal is exactly what the operator could send (and only then does it happen).
    const sent = await post(`/runs/${seed.sk}/persona-branch-set`, { dry_run: true, specs: bs.proposed_specs });
    assert.equal(sent.status, 200);
  });

  test('re-derivation refreshes evidence and keeps the decision; reject archives the memory; archive hides', async () => {
    const before = byKey((await json(get('/memory/patterns?promoted_only=true'))).patterns, 'persona_strategy_repo:rapid_builder:none:acme/a');
    seed.a3 = await mission('rapid_builder', 'acme/a', 'cache');
    const after = byKey((await current('/memory/patterns?promoted_only=true')).patterns, before.pattern_key);
    assert.equal(after.id, before.id);
    assert.equal(after.source_run_count, 3);
    assert.ok(after.supporting_run_ids.includes(seed.a3));
    assert.equal(after.status, 'promoted', 'the operator decision stands');

    const rej = await json(post(`/memory/patterns/${after.id}/reject`, { note: 'misleading' }));
    assert.equal(rej.pattern.status, 'rejected');
    assert.equal((await json(s.fetch(`/api/memory/capsules/${rej.memory_id}`))).capsule.status, 'archived', 'no longer fed to chat and teams');
    assert.ok(!(await json(get('/memory/suggestions/new-mission?repo=acme/a'))).suggestions.some((x: any) => x.pattern_id === after.id));
    const arch = await json(post(`/memory/patterns/${after.id}/archive`, { note: 'old' }));
    assert.equal(arch.pattern.archived, true);
    assert.ok(!(await json(get('/memory/patterns'))).patterns.some((p: any) => p.id === after.id));
    assert.ok((await json(get('/memory/patterns?archived=true'))).patterns.some((p: any) => p.id === after.id));
    assert.equal((await post(`/memory/patterns/${after.id}/archive`, {})).status, 409);
    assert.equal((await post('/memory/patterns/999999/promote', {})).status, 404);
    assert.equal((await post('/memory/patterns/abc/promote', {})).status, 400);
    const ev = await json(get(`/runs/${rej.decision_event.run_id}/decision-events`));
    assert.deepEqual(
      ev.events.filter((e: any) => e.event_type.startsWith('pattern_')).map((e: any) => [e.event_type, e.previous_state, e.new_state]),
      [
        ['pattern_archived', 'rejected', 'archived'],
        ['pattern_rejected', 'promoted', 'rejected'],
      ],
      'recorded on the most recent supporting run (the promotion was, on the one most recent then)',
    );
  });

  test('summaries and cross-repo summaries', async () => {
    const sum = await json(get('/memory/summaries'));
    const rb = sum.by_persona.find((r: any) => r.key === 'rapid_builder');
    assert.equal(rb.source_run_count, 1, 'the rejected acme/a pattern is left out; acme/b stays');
    assert.ok(sum.promoted.some((p: any) => p.persona_scope === 'conservative_stabilizer'));
    const cross = await json(get('/memory/summaries/cross-repo'));
    const item = cross.items.find((i: any) => i.persona_scope === 'skeptic_reviewer');
    assert.deepEqual([item.repo_count, item.recurring, item.repos], [1, false, ['acme/a']]);
    assert.ok(cross.items.every((i: any) => typeof i.low_risk === 'boolean'));
  });
});
