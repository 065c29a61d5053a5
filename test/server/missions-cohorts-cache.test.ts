// Cohorts, the cohort summary and the observability insights go through the analytics cache (like persona trends):
// a repeated read is served from it, and every write that changes what they count shows up in the next answer —
// a launch (a new mission), and a watcher-style refresh, which only moves refresh_count (the refresh generation,
// migration 48) and so must not drop the persona trends cached beside them. A real server in mock mode, no watcher.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server';

const API = '/api/integrations';
const REPO = 'acme/cohorts';

describe('cached cohorts', () => {
  let s: TestServer;
  const post = (p: string, body: unknown = {}) => s.fetch(API + p, { method: 'POST', body: JSON.stringify(body) });
  const get = async (p: string) => {
    const r = await s.fetch(API + p);
    assert.equal(r.status, 200, `${p}: ${r.status}`);
    return (await r.json()) as any;
  };
  const launch = async (title: string) =>
    (await (
      await post('/runs/launch', { persona_id: 'default', repo: REPO, mission_title: title, objective: 'Fix it', watch: false })
    ).json()) as any;
  const finish = async (id: string) => {
    for (let i = 0; i < 20; i++) {
      const r = (await (await post(`/runs/${id}/refresh`)).json()) as any;
      if (r.run?.terminal ?? r.terminal) return;
    }
    throw new Error(`${id} did not finish`);
  };
  const group = async () => (await get('/cohorts?group_by=repo')).groups.find((g: any) => g.group === REPO);
  const entry = async (key: string) => (await get('/analytics/cache')).keys.find((k: any) => k.key === key);
  let first: any;

  before(async () => {
    s = await startServer({});
    first = await launch('First');
    await finish(first.id);
  });
  after(() => s.stop());

  test('a repeated read is served from the cache, for cohorts, the summary and the insights', async () => {
    for (const [path, key] of [
      ['/cohorts?group_by=repo', 'cohorts?group_by=repo&limit=100'],
      [`/cohorts?group_by=status&repo=${encodeURIComponent(REPO)}`, `cohorts?group_by=status&limit=100&repo=${REPO}`],
      ['/cohorts/summary', 'cohorts-summary?'],
      ['/insights', 'insights?'],
    ]) {
      const a = await get(path!);
      const b = await get(path!);
      assert.deepEqual(b, a, `${path}: the same answer`);
      assert.ok((await entry(key!))?.hits >= 1, `${path}: the second read was a cache hit (${key})`);
    }
  });

  test('a launch shows up in the next cohorts answer', async () => {
    const before = await group();
    await group();
    await launch('Second');
    const after = await group();
    assert.equal(after.count, before.count + 1);
    assert.equal((await get('/insights')).top_repos_by_mission_count.find((r: any) => r.repo === REPO).count, after.count);
  });

  test('a refresh (refresh_count only) shows up in the cohorts, and leaves the persona trends cached', async () => {
    const before = await group();
    const summaryBefore = await get('/cohorts/summary');
    await get('/persona-trends?window=all');
    assert.equal((await get('/persona-trends?window=all')).cache_metadata.cached, true);
    const gen0 = (await get('/analytics/cache')).generation;
    // The mission is finished: a refresh reads its (unchanged) state and counts one more refresh on it.
    assert.equal(((await (await post(`/runs/${first.id}/refresh`)).json()) as any).ok, true);
    const after = await group();
    assert.equal(after.count, before.count);
    assert.ok(after.average_refresh_count > before.average_refresh_count, `${before.average_refresh_count} → ${after.average_refresh_count}`);
    const summaryAfter = await get('/cohorts/summary');
    const repoOf = (x: any) => x.dimensions.find((d: any) => d.group_by === 'repo');
    assert.notDeepEqual(repoOf(summaryAfter), repoOf(summaryBefore), 'the summary was recomputed');
    // Nothing the trends read changed: same generation, still served from the cache.
    assert.equal((await get('/analytics/cache')).generation, gen0);
    assert.equal((await get('/persona-trends?window=all')).cache_metadata.cached, true);
  });

  test('JSON-RPC gets the same cohorts as REST', async () => {
    const rest = await get('/cohorts?group_by=persona_id');
    const r = (await (
      await s.fetch('/rpc', {
        method: 'POST',
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'agentora/missions/cohorts', params: { group_by: 'persona_id' } }),
      })
    ).json()) as any;
    assert.deepEqual(r.result, rest);
  });
});
