// Mission export / import between two real servers: a signed export verifies and a one-byte change fails, the
// key file is 0600, import into an empty database works, re-import changes nothing, a colliding id is remapped
// with its lineage, unsigned-when-required and a wrong schema version are 400s that change nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import { startServer, type TestServer } from '../helpers/server';
import { canonicalJson } from '../../server/src/services/missions/snapshot';

const API = '/api/integrations';
const KEY = 'shared-export-key';

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 15000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const post = (s: TestServer, p: string, body: unknown = {}) =>
  s.fetch(API + p, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
const json = async (r: Response | Promise<Response>) => (await r).json() as Promise<any>;
const resign = (b: any) => {
  const { signature: _s, ...rest } = b;
  return { ...b, signature: createHmac('sha256', KEY).update(canonicalJson(rest)).digest('hex') };
};

describe('mission export / import', () => {
  let a: TestServer;
  let b: TestServer;
  let c: TestServer;
  const env = {
    AGENTORA_MISSIONS_WATCHER_ENABLED: 'true',
    AGENTORA_MISSIONS_WATCHER_INTERVAL_SECONDS: '0.1',
    AGENTORA_MISSIONS_SIGN_EXPORTS: 'true',
    AGENTORA_MISSIONS_EXPORT_SIGNING_KEY: KEY,
  };
  before(async () => {
    [a, b, c] = await Promise.all([
      startServer(env),
      startServer(env),
      startServer({ AGENTORA_MISSIONS_SIGN_EXPORTS: 'true', AGENTORA_MISSIONS_MESSAGE_EXPORT_MAX_RUNS: '3' }),
    ]);
  });
  after(() => Promise.all([a.stop(), b.stop(), c.stop()]));

  test('signed export → import into an empty database → re-import is a no-op', async () => {
    const prep = await json(
      post(a, '/runs/prepare', { persona_id: 'skeptic_reviewer', repo: 'acme/export', mission_title: 'Export me', objective: 'Fix it' }),
    );
    await json(post(a, '/runs/launch', { run_id: prep.run_id, acceptance_criteria: ['done'] }));
    await until('terminal', async () => (await json(a.fetch(`${API}/runs/${prep.run_id}`))).run.terminal);
    await json(post(a, '/runs/launch', { repo: 'other/repo', mission_title: 'Not exported', objective: 'x', dry_run: true }));

    const bundle = await json(a.fetch(`${API}/export?repo=acme/export`));
    assert.equal(bundle.schema_version, 'mission-export-v1');
    assert.equal(bundle.signed, true);
    assert.match(bundle.signature, /^[0-9a-f]{64}$/);
    assert.deepEqual(
      bundle.runs.map((r: any) => r.id),
      [prep.run_id],
      'only the filtered runs',
    );
    assert.ok(bundle.timeline_events.length > 3 && bundle.timeline_events.every((e: any) => e.mission_id === prep.run_id));
    assert.equal(bundle.snapshots[prep.run_id].snapshot_hash, bundle.runs[0].snapshot_hash);

    // One changed byte anywhere fails the signature, and nothing is imported.
    const tampered = JSON.parse(JSON.stringify(bundle));
    tampered.runs[0].summary = tampered.runs[0].summary.replace(/.$/, (ch: string) => (ch === 'x' ? 'y' : 'x'));
    const bad = await post(b, '/import', tampered);
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(await bad.json()), /signature/);
    const unsigned = { ...bundle, signed: false };
    delete unsigned.signature;
    assert.equal((await post(b, '/import', unsigned)).status, 400);
    assert.equal((await post(b, '/import', { ...bundle, schema_version: 'mission-export-v0' })).status, 400);
    assert.equal((await json(b.fetch(`${API}/metrics`))).total, 0, 'refused bundles changed nothing');

    const imp = await json(post(b, '/import', bundle));
    assert.equal(imp.ok, true);
    assert.equal(imp.imported_runs, 1);
    assert.equal(imp.imported_timeline_events, bundle.timeline_events.length);
    for (const k of ['imported_watcher_events', 'imported_alert_events', 'imported_operator_decision_events', 'imported_mission_patterns'])
      assert.equal(typeof imp[k], 'number', k);
    const got = await json(b.fetch(`${API}/runs/${prep.run_id}`));
    assert.equal(got.run.status, 'succeeded');
    assert.equal(got.run.mission_title, 'Export me');
    const snap = await json(b.fetch(`${API}/runs/${prep.run_id}/snapshot`));
    assert.equal(snap.verified, true, 'the imported snapshot hash still verifies');
    assert.equal((await json(b.fetch(`${API}/runs/${prep.run_id}/timeline`))).total, bundle.timeline_events.length);
    assert.equal((await json(b.fetch(`${API}/insights`))).missions_by_status.succeeded, 1, 'analytics see imported missions');

    const again = await json(post(b, '/import', bundle));
    assert.equal(again.imported_runs, 0);
    assert.equal(again.skipped_runs, 1);
    assert.equal((await json(b.fetch(`${API}/runs/${prep.run_id}/timeline`))).total, bundle.timeline_events.length, 're-import added nothing');

    // The same id with other content is remapped, and the lineage (root) follows the new id.
    const changed = resign({ ...bundle, runs: [{ ...bundle.runs[0], mission_title: 'Different mission, same id', snapshot_hash: 'f'.repeat(64) }] });
    const remap = await json(post(b, '/import', changed));
    assert.equal(remap.remapped_runs, 1);
    const newId = remap.id_map[prep.run_id];
    assert.ok(newId && newId !== prep.run_id);
    const moved = await json(b.fetch(`${API}/runs/${newId}`));
    assert.equal(moved.run.mission_title, 'Different mission, same id');
    assert.equal(moved.run.root_run_id, newId);
    assert.equal((await json(b.fetch(`${API}/runs/${prep.run_id}`))).run.mission_title, 'Export me');
  });

  test('without a configured key the signing key is generated in the data dir, 0600, and verifies its own exports', async () => {
    await json(post(c, '/runs/launch', { repo: 'acme/local', mission_title: 'Local', objective: 'x', dry_run: true }));
    const bundle = await json(c.fetch(`${API}/export`));
    assert.equal(bundle.signed, true);
    const mode = statSync(path.join(c.dataDir, 'mission-export.key')).mode & 0o777;
    assert.equal(mode, 0o600);
    const re = await json(post(c, '/import', bundle));
    assert.equal(re.skipped_runs, 1);
    // A bundle signed elsewhere (another key) is refused here.
    const foreign = await json(a.fetch(`${API}/export`));
    assert.equal((await post(c, '/import', foreign)).status, 400);
  });

  test('REST streams the export (the same bundle as JSON-RPC, verifying); the one-message doors refuse more than the cap, naming the fix', async () => {
    for (const i of [1, 2, 3])
      await json(post(c, '/runs/launch', { repo: 'acme/stream', mission_title: `Stream ${i}`, objective: 'x', dry_run: true }));
    const rpc = (params: unknown) =>
      json(c.fetch('/rpc', { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'agentora/missions/exportMissions', params }) }));

    // Over the cap (4 missions here, cap 3): refused with the field and the fix; nothing is built.
    const refused = await rpc({});
    assert.ok(refused.error, 'refused');
    assert.match(JSON.stringify(refused.error), /filters/);
    assert.match(JSON.stringify(refused.error), /GET \/api\/integrations\/export/);

    // REST: every mission, streamed (chunked, not one Content-Length body), and the bundle verifies on import here.
    const res = await c.fetch(`${API}/export`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), null, 'streamed');
    const all = await res.json();
    assert.equal(all.runs.length, 4);
    assert.equal(Object.keys(all.snapshots).length, 4);
    assert.equal((await json(post(c, '/import', all))).skipped_runs, 4, 'the streamed signature verifies');

    // Within the cap the message doors answer the same bundle as the stream (but for the export time).
    const streamed = await json(c.fetch(`${API}/export?repo=acme/stream&status=dry_run`));
    const whole = (await rpc({ repo: 'acme/stream', status: 'dry_run' })).result;
    assert.ok(whole, 'answered');
    const same = (b: any) => canonicalJson({ ...b, exported_at: null, signature: null });
    assert.equal(streamed.runs.length, 3);
    assert.equal(same(streamed), same(whole));
    const bad = await c.fetch(`${API}/export?start_date=soon`);
    assert.equal(bad.status, 400, 'a bad filter is an error answer, not a broken stream');
  });

  test('a bundle far over the 10 MB JSON body limit imports (raw body, parsed and imported off the event loop); garbage is a 400', async () => {
    const base = await json(a.fetch(`${API}/export?repo=acme/export`));
    const run = base.runs[0];
    const N = 3000;
    const runs = Array.from({ length: N }, (_, i) => ({
      ...run,
      id: `run_big_${i}`,
      root_mission_id: `run_big_${i}`,
      parent_mission_id: null,
      snapshot_hash: `${i}`.padStart(64, '0'),
      summary: 'x'.repeat(4000),
    }));
    const big = resign({
      ...base,
      runs,
      timeline_events: [],
      watcher_events: [],
      alert_events: [],
      operator_decision_events: [],
      writebacks: [],
      snapshots: {},
    });
    const text = JSON.stringify(big);
    assert.ok(text.length > 11 * 1024 * 1024, `the bundle is over 10 MB (${text.length} bytes)`);
    const imp = await post(b, '/import', text);
    assert.equal(imp.status, 200, JSON.stringify(await imp.clone().json()).slice(0, 300));
    assert.equal((await imp.json()).imported_runs, N);
    assert.equal(Number((await b.fetch(`${API}/runs?repo=acme/export&limit=1`)).headers.get('x-total-count')) >= N, true);

    const notJson = await post(b, '/import', '{"schema_version": "mission-export-v1", ');
    assert.equal(notJson.status, 400);
    assert.match(JSON.stringify(await notJson.json()), /JSON/);
    const arr = await post(b, '/import', '[1, 2]');
    assert.equal(arr.status, 400);
    const unsigned = await post(b, '/import', JSON.stringify({ ...big, signature: undefined, signed: false }));
    assert.equal(unsigned.status, 400);
    assert.match(JSON.stringify(await unsigned.json()), /signature/);
  });
});
