// Analytics (brief phase K) against a real server in mock mode, with no watcher so that only the test writes:
// the cache of persona trends / matrix answers from memory until a write changes its inputs — a launch, a
// refresh, a writeback, a decision each make the next answer fresh — with TTL and size limits and explicit
// invalidation; a matrix cell's drill-down returns exactly the runs counted in it; trends filters and exports.
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

describe('analytics cache and drill-downs', () => {
  let s: TestServer;
  let small: TestServer;
  const post = (p: string, body: unknown = {}, srv = s) => srv.fetch(API + p, { method: 'POST', body: JSON.stringify(body) });
  const get = (p: string, srv = s) => srv.fetch(API + p);
  const json = async (r: Response | Promise<Response>) => (await r).json() as Promise<any>;
  /** Refresh by hand (one mock step per read) until the mission ends. */
  const finish = async (id: string) => {
    for (let i = 0; i < 20; i++) {
      const r = await json(post(`/runs/${id}/refresh`));
      if (r.run?.terminal ?? r.terminal) return;
    }
    throw new Error(`${id} did not finish`);
  };
  let root: any;
  let drafts: any[];

  before(async () => {
    [s, small] = await Promise.all([
      startServer({}),
      startServer({ AGENTORA_ANALYTICS_CACHE_TTL_SECONDS: '1', AGENTORA_ANALYTICS_CACHE_MAX_ENTRIES: '2' }),
    ]);
    root = await json(
      post('/runs/launch', { persona_id: 'default', repo: 'acme/analytics', mission_title: 'Root', objective: 'Fix the flaky test', watch: false }),
    );
    await finish(root.id);
    drafts = (
      await json(
        post(`/runs/${root.id}/persona-branch-set`, {
          specs: [
            { persona_id: 'skeptic_reviewer', overlay: 'skeptic_reviewer' },
            { persona_id: 'rapid_builder', overlay: 'rapid_builder' },
            { persona_id: 'rapid_builder', overlay: 'minimal_change_guardian' },
            { persona_id: 'conservative_stabilizer', overlay: 'conservative_stabilizer' },
          ],
        }),
      )
    ).created_drafts;
    const other = await json(
      post('/runs/launch', { persona_id: 'rapid_builder', repo: 'acme/other', mission_title: 'Other', objective: 'Add a flag', watch: false }),
    );
    await finish(other.id);
  });
  after(() => Promise.all([s.stop(), small.stop()]));

  const trends = async (q = 'window=all') => json(get(`/persona-trends?${q}`));
  /** Prime: the second read of the same filters is served from the cache. */
  const primed = async (q?: string) => {
    await trends(q);
    const again = await trends(q);
    assert.equal(again.cache_metadata.cached, true, 'served from the cache');
    return again;
  };

  test('a repeated read is cached; every kind of write that changes its inputs makes the next one fresh', async () => {
    const first = await trends('window=all&repo=acme/analytics');
    const second = await trends('window=all&repo=acme/analytics');
    assert.equal(second.cache_metadata.cached, true);
    assert.equal(second.cache_metadata.cache_key, first.cache_metadata.cache_key);
    assert.deepEqual(second.personas, first.personas);
    assert.notEqual((await trends('window=7d&repo=acme/analytics')).cache_metadata.cache_key, first.cache_metadata.cache_key);

    const writes: [string, () => Promise<unknown>][] = [
      ['launch', async () => assert.equal((await post(`/runs/${drafts[0].id}/launch-from-draft`, { dry_run: false })).status, 200)],
      ['refresh', async () => assert.equal((await json(post(`/runs/${drafts[0].id}/refresh`))).ok, true)],
      ['writeback', async () => assert.equal((await post(`/runs/${root.id}/writeback`, { operator_notes: 'cache test' })).status, 200)],
      [
        'decision (override)',
        async () =>
          assert.equal((await post(`/runs/${drafts[1].id}/override`, { decision: 'manual_override', shortlisted: true, note: 'n' })).status, 200),
      ],
      ['decision (eliminate)', async () => assert.equal((await post(`/runs/${drafts[2].id}/eliminate`, { decision_note: 'n' })).status, 200)],
    ];
    for (const [kind, write] of writes) {
      const beforeWrite = await primed();
      const m = await json(get('/persona-trends/matrix?window=all'));
      assert.equal((await json(get('/persona-trends/matrix?window=all'))).cache_metadata.cached, true);
      await write();
      const fresh = await trends();
      assert.equal(fresh.cache_metadata.cached, false, `${kind}: the trends cache was invalidated`);
      assert.ok(fresh.cache_metadata.generation > beforeWrite.cache_metadata.generation, kind);
      assert.equal((await json(get('/persona-trends/matrix?window=all'))).cache_metadata.cached, false, `${kind}: the matrix too`);
      void m;
    }
    // What the writes changed is in the fresh answer (not a stale one).
    const rb = (await trends()).personas.find((p: any) => p.persona_id === 'rapid_builder');
    assert.ok(rb.shortlist_rate > 0 && rb.override_rate > 0 && rb.elimination_rate > 0, JSON.stringify(rb));
  });

  test('a cached analytic answers REST with the JSON the other doors get: on a miss and on a hit, only its metadata differs', async () => {
    const rpc = async (method: string, params: unknown) => {
      const r = await json(s.fetch('/rpc', { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) }));
      assert.ok(r.result, JSON.stringify(r));
      return r.result;
    };
    const strip = ({ cache_metadata, ...rest }: any) => (assert.equal(typeof cache_metadata.cached, 'boolean'), rest);
    const cases: [string, string, Record<string, unknown>][] = [
      ['/persona-trends?window=all&repo=acme/analytics', 'agentora/missions/personaTrends', { window: 'all', repo: 'acme/analytics' }],
      ['/persona-trends/matrix?window=all', 'agentora/missions/personaMatrix', { window: 'all' }],
      ['/persona-insights', 'agentora/missions/personaInsights', {}],
      [`/lineage/${root.id}/persona-summary`, 'agentora/missions/personaSummary', { root_run_id: root.id }],
    ];
    for (const [path, method, params] of cases) {
      await json(post('/analytics/cache/invalidate', {}));
      const miss = await json(get(path));
      const hit = await json(get(path));
      assert.deepEqual([miss.cache_metadata.cached, hit.cache_metadata.cached], [false, true], path);
      assert.equal(hit.cache_metadata.cache_key, miss.cache_metadata.cache_key);
      assert.ok(hit.cache_metadata.age_ms >= 0 && hit.cache_metadata.generation === miss.cache_metadata.generation, path);
      const viaRpc = await rpc(method, params);
      assert.equal(viaRpc.cache_metadata.cached, true, `${method}: the same entry serves both doors`);
      assert.deepEqual(strip(hit), strip(miss), path);
      assert.deepEqual(strip(hit), strip(viaRpc), `${path}: REST and JSON-RPC agree`);
    }
    // An unknown root is still a 404 on the JSON path, and bad filters a 400 naming the field.
    assert.equal((await get('/lineage/run_nope/persona-summary')).status, 404);
    const bad = await get('/persona-trends?window=1y');
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).message, /window/);
  });

  test('the cache endpoint and explicit invalidation (all, or by prefix)', async () => {
    await primed();
    await json(get('/persona-trends/matrix?window=all'));
    await json(get('/persona-trends/matrix?window=30d'));
    const info = await json(get('/analytics/cache'));
    assert.equal(info.enabled, true);
    const matrixKeys = info.keys.filter((k: any) => k.key.startsWith('persona-matrix')).length;
    assert.ok(matrixKeys >= 2 && info.entries > matrixKeys, JSON.stringify(info.keys));
    assert.ok(info.hits >= 1 && info.misses >= 1);
    const inv = await json(post('/analytics/cache/invalidate', { prefix: 'persona-matrix' }));
    assert.deepEqual([inv.ok, inv.invalidated, inv.remaining], [true, matrixKeys, info.entries - matrixKeys]);
    assert.equal((await json(get('/persona-trends/matrix?window=all'))).cache_metadata.cached, false);
    const all = await json(post('/analytics/cache/invalidate', {}));
    assert.equal(all.remaining, 0);
    assert.equal((await trends()).cache_metadata.cached, false);
  });

  test('TTL and size limits (AGENTORA_ANALYTICS_CACHE_TTL_SECONDS=1, _MAX_ENTRIES=2)', async () => {
    const q = (w: string) => json(get(`/persona-trends?window=${w}`, small));
    await q('all');
    assert.equal((await q('all')).cache_metadata.cached, true);
    await until('expired after the TTL', async () => (await q('all')).cache_metadata.cached === false, 5000);
    await q('7d');
    await q('30d');
    const info = await json(get('/analytics/cache', small));
    assert.equal(info.max_entries, 2);
    assert.equal(info.entries, 2, 'the oldest was dropped');
    assert.deepEqual(info.keys.map((k: any) => k.key).sort(), ['persona-trends?window=30d', 'persona-trends?window=7d']);
  });

  test("a matrix cell's drill-down returns exactly the runs counted in it", async () => {
    const all = await get('/runs?limit=500');
    const total = Number(all.headers.get('x-total-count'));
    for (const q of ['window=all', 'window=7d', 'window=all&repo=acme/analytics', 'window=7d&status=prepared']) {
      const m = await json(get(`/persona-trends/matrix?${q}`));
      const seen = new Set<string>();
      for (const c of m.cells) {
        const d = await json(get(`/drilldown/persona-matrix?${q}&persona_id=${c.persona_id}&strategy=${c.strategy}&limit=1000`));
        assert.equal(d.total, c.count, `${q} ${c.persona_id}×${c.strategy}`);
        assert.equal(d.runs.length, c.count);
        for (const r of d.runs) {
          assert.equal(r.persona_id, c.persona_id);
          assert.equal(r.strategy ?? 'none', c.strategy);
          assert.ok(!seen.has(r.run_id), 'a run is in one cell only');
          seen.add(r.run_id);
        }
      }
      assert.equal(seen.size, m.total, `${q}: the cells cover the runs counted`);
      if (q === 'window=all') assert.equal(m.total, total, 'every mission is in the matrix');
    }
    const t = await trends('window=all');
    for (const p of t.personas) {
      const d = await json(get(`/drilldown/persona-trends?window=all&persona_id=${p.persona_id}`));
      assert.equal(d.total, p.count, p.persona_id);
    }
    const none = await json(get('/persona-trends?window=all&strategy=none'));
    assert.equal(none.total, 2, 'the two roots have no strategy');
    const bad = await get('/persona-trends?window=forever');
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /window/);
    assert.equal((await get('/drilldown/persona-matrix?window=all&persona_id=x')).status, 400, 'strategy is required');
  });

  test('recommendation drill-down and dashboard exports', async () => {
    const rec = await json(get(`/drilldown/recommendations?root_run_id=${root.id}`));
    assert.equal(rec.total, 4);
    const hold = await json(get(`/drilldown/recommendations?root_run_id=${root.id}&recommendation=hold`));
    assert.ok(hold.runs.every((r: any) => rec.recommendations[r.run_id] && hold.recommendations[r.run_id].length > 0));
    const pf = await json(get(`/lineage/${root.id}/persona-portfolio`));
    assert.equal(hold.total, pf.branches.filter((b: any) => b.recommendation.action === 'hold').length);
    const et = await json(get('/exports/persona-trends?window=all'));
    assert.deepEqual([et.kind, et.filters.window], ['persona-trends', 'all']);
    assert.ok(Array.isArray(et.data.personas));
    const em = await json(get('/exports/persona-matrix?window=30d&repo=acme/analytics'));
    assert.deepEqual([em.kind, em.filters.repo], ['persona-matrix', 'acme/analytics']);
    assert.ok(Array.isArray(em.data.cells));
  });
});
