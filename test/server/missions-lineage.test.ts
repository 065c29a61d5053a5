// Replay and lineage against a real server in mock mode: fork → lineage shows ancestry and descendants; a
// replay records its source's snapshot hash, which stays stable across refreshes; provenance cannot be changed
// even by writing to the database directly (the store's trigger); policies and bad input are 400s naming the
// field, unknown ids 404s.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startServer, type TestServer } from '../helpers/server';

const API = '/api/integrations';

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 15000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('mission replay and lineage', () => {
  let s: TestServer;
  let strict: TestServer;
  const post = (srv: TestServer, p: string, body: unknown = {}) => srv.fetch(API + p, { method: 'POST', body: JSON.stringify(body) });
  const get = (srv: TestServer, p: string) => srv.fetch(API + p);
  const json = async (r: Response | Promise<Response>) => (await r).json() as Promise<any>;

  before(async () => {
    [s, strict] = await Promise.all([
      startServer({ AGENTORA_MISSIONS_WATCHER_ENABLED: 'true', AGENTORA_MISSIONS_WATCHER_INTERVAL_SECONDS: '0.1' }),
      startServer({ AGENTORA_MISSIONS_REPLAY_REQUIRE_PROVENANCE_NOTE: 'true', AGENTORA_MISSIONS_REPLAY_MAX_LINEAGE_DEPTH: '1' }),
    ]);
  });
  after(() => Promise.all([s.stop(), strict.stop()]));

  test('fork → lineage shows ancestry and descendants; provenance is recorded', async () => {
    const root = await json(
      post(s, '/runs/launch', { repo: 'acme/lineage', mission_title: 'Root', objective: 'Fix the parser', acceptance_criteria: ['tests pass'] }),
    );
    const rootRun = await until('root terminal', async () => {
      const r = await json(get(s, `/runs/${root.id}`));
      return r.run.terminal && r;
    });

    const forkRes = await post(s, `/runs/${root.id}/fork`, {
      replay_kind: 'edited',
      objective: 'Fix the parser, keep the API',
      fork_reason: 'narrower scope',
      provenance_note: 'operator asked',
    });
    assert.equal(forkRes.status, 200);
    const child = await forkRes.json();
    // The flat mission record, a prepared draft.
    assert.equal(child.status, 'prepared');
    assert.equal(child.legacy_status, 'draft');
    assert.equal(child.parent_run_id, root.id);
    assert.equal(child.root_run_id, root.id);
    assert.equal(child.lineage_depth, 1);
    assert.equal(child.replay_kind, 'edited');
    assert.equal(child.fork_reason, 'narrower scope');
    assert.equal(child.provenance_note, 'operator asked');
    assert.equal(child.replay_source_snapshot_hash, rootRun.snapshot_hash);
    assert.equal(child.objective, 'Fix the parser, keep the API');
    assert.equal(child.mission_title, 'Root', 'unedited fields come from the source');
    assert.deepEqual(JSON.parse(child.acceptance_criteria_json), ['tests pass']);
    assert.ok(child.immutable_origin_created_at);

    const grand = await json(post(s, `/runs/${child.id}/fork`, { replay_kind: 'exact' }));
    assert.equal(grand.lineage_depth, 2);
    assert.equal(grand.root_run_id, root.id);
    assert.equal(grand.objective, child.objective);

    const mid = await json(get(s, `/runs/${child.id}/lineage`));
    assert.equal(mid.run_id, child.id);
    assert.equal(mid.root_run_id, root.id);
    assert.deepEqual(
      mid.ancestry.map((m: any) => m.run_id),
      [root.id],
    );
    assert.deepEqual(
      mid.descendants.map((m: any) => m.run_id),
      [grand.id],
    );

    const leaf = await json(get(s, `/runs/${grand.id}/lineage`));
    assert.deepEqual(
      leaf.ancestry.map((m: any) => m.run_id),
      [root.id, child.id],
      'root first',
    );
    assert.deepEqual(leaf.descendants, []);

    const all = await json(get(s, `/lineage/${root.id}`));
    assert.equal(all.root_run_id, root.id);
    assert.deepEqual(
      all.descendants.map((m: any) => m.run_id),
      [child.id, grand.id],
    );
    assert.equal(all.total_descendants, 2);
    assert.equal(all.next_offset, null);

    // Pages: one at a time, by depth then age, with where the next page starts; the same from a mid-lineage run.
    const first = await json(get(s, `/lineage/${root.id}?limit=1`));
    assert.deepEqual([first.descendants.map((m: any) => m.run_id), first.total_descendants, first.next_offset], [[child.id], 2, 1]);
    const second = await json(get(s, `/lineage/${root.id}?limit=1&offset=1`));
    assert.deepEqual([second.descendants.map((m: any) => m.run_id), second.next_offset], [[grand.id], null]);
    const fromRoot = await json(get(s, `/runs/${root.id}/lineage?limit=1&offset=1`));
    assert.deepEqual([fromRoot.descendants.map((m: any) => m.run_id), fromRoot.total_descendants], [[grand.id], 2]);
    const bad = await get(s, `/lineage/${root.id}?limit=0`);
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(await bad.json()), /limit/);

    const prov = await json(get(s, `/runs/${grand.id}/provenance`));
    assert.equal(prov.parent_run_id, child.id);
    assert.equal(prov.lineage_depth, 2);
    assert.equal(prov.replay_kind, 'exact');
    assert.equal(prov.replay_source_snapshot_hash, child.snapshot_hash);
    assert.equal(prov.immutable_origin_created_at, grand.created_at);

    // launch-from-draft launches the fork; launching it again is a conflict.
    const launched = await post(s, `/runs/${child.id}/launch-from-draft`, { dry_run: true });
    assert.equal(launched.status, 200);
    assert.equal((await launched.json()).status, 'dry_run');
  });

  test('replay records the source snapshot hash, stable across refreshes', async () => {
    const src = await json(post(s, '/runs/launch', { repo: 'acme/replay', mission_title: 'Source', objective: 'Do it' }));
    await until('source terminal', async () => (await json(get(s, `/runs/${src.id}`))).run.terminal);
    const before = (await json(get(s, `/runs/${src.id}/snapshot`))).snapshot_hash;

    const res = await post(s, `/runs/${src.id}/replay`, { replay_kind: 'retry', fork_reason: 'flaky' });
    assert.equal(res.status, 200);
    const r = await res.json();
    assert.equal(r.draft.status, 'prepared');
    assert.equal(r.draft.id, r.launched.id);
    assert.ok(['queued', 'running', 'succeeded'].includes(r.launched.status), r.launched.status);
    assert.equal(r.launched.replay_kind, 'retry');
    assert.equal(r.launched.replay_source_snapshot_hash, before);

    for (let i = 0; i < 3; i++) {
      await post(s, `/runs/${src.id}/refresh`);
      await post(s, `/runs/${r.launched.id}/refresh`);
    }
    await until('replay terminal', async () => (await json(get(s, `/runs/${r.launched.id}`))).run.terminal);
    assert.equal((await json(get(s, `/runs/${src.id}/snapshot`))).snapshot_hash, before, 'source snapshot hash unchanged by refreshes');
    const prov = await json(get(s, `/runs/${r.launched.id}/provenance`));
    assert.equal(prov.replay_source_snapshot_hash, before);
    const own = await json(get(s, `/runs/${r.launched.id}/snapshot`));
    assert.equal(own.snapshot_hash, r.draft.snapshot_hash, "the replay's own snapshot hash is stable too");
    assert.equal(own.verified, true);
  });

  test('provenance cannot be changed, even in the database', async () => {
    const src = await json(post(s, '/runs/launch', { repo: 'acme/immutable', mission_title: 'Src', objective: 'x', dry_run: true }));
    const child = await json(post(s, `/runs/${src.id}/fork`, {}));
    const db = new Database(path.join(s.dataDir, 'agentora.db'));
    try {
      for (const [col, v] of [
        ['parent_mission_id', null],
        ['root_mission_id', child.id],
        ['lineage_depth', 5],
        ['source_snapshot_hash', 'x'],
        ['replay_kind', 'exact'],
        ['created_at', '2020-01-01T00:00:00.000Z'],
      ] as const) {
        assert.throws(() => db.prepare(`UPDATE missions SET ${col} = ? WHERE id = ?`).run(v, child.id), /provenance is immutable/, col);
      }
      // Other columns still change.
      db.prepare('UPDATE missions SET decision_state = ? WHERE id = ?').run('none', child.id);
    } finally {
      db.close();
    }
    const prov = await json(get(s, `/runs/${child.id}/provenance`));
    assert.equal(prov.parent_run_id, src.id);
    assert.equal(prov.lineage_depth, 1);
  });

  test('unknown id → 404; bad input and policies → 400 naming the field, nothing created', async () => {
    for (const [verb, p] of [
      ['POST', '/runs/nope/fork'],
      ['POST', '/runs/nope/replay'],
      ['POST', '/runs/nope/launch-from-draft'],
      ['GET', '/runs/nope/lineage'],
      ['GET', '/lineage/nope'],
      ['GET', '/runs/nope/provenance'],
    ] as const) {
      const r = verb === 'GET' ? await get(s, p) : await post(s, p, {});
      assert.equal(r.status, 404, `${verb} ${p}`);
    }
    const src = await json(post(s, '/runs/launch', { repo: 'acme/bad', mission_title: 'Bad', objective: 'x', dry_run: true }));
    const total = async (srv: TestServer) => Number((await srv.fetch(`${API}/runs?limit=1`)).headers.get('x-total-count'));
    const n = await total(s);
    const cases: [unknown, string][] = [
      [{ replay_kind: 'sideways' }, 'replay_kind'],
      [{ mission_title: '' }, 'mission_title'],
      [{ constraints: 'not a list' }, 'constraints'],
      [{ replay_kind: 'exact', objective: 'changed' }, 'objective'],
      [{ repo: 'other/repo' }, 'repo'],
    ];
    for (const [body, field] of cases) {
      const r = await post(s, `/runs/${src.id}/fork`, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      const e = await r.json();
      assert.match(e.message, new RegExp(field), JSON.stringify(e));
    }
    assert.equal(await total(s), n, 'nothing created');

    // Policies on the strict server: a provenance note is required, and the lineage is at most 1 deep.
    const s2 = await json(post(strict, '/runs/launch', { repo: 'acme/strict', mission_title: 'Strict', objective: 'x', dry_run: true }));
    const noNote = await post(strict, `/runs/${s2.id}/fork`, {});
    assert.equal(noNote.status, 400);
    assert.match((await noNote.json()).message, /provenance_note/);
    const ok = await json(post(strict, `/runs/${s2.id}/fork`, { provenance_note: 'why' }));
    assert.equal(ok.lineage_depth, 1);
    const deep = await post(strict, `/runs/${ok.id}/fork`, { provenance_note: 'why' });
    assert.equal(deep.status, 400);
    assert.match((await deep.json()).message, /lineage depth 2/);

    // Replay turned off: fork and replay are refused (403), nothing created.
    const off = await startServer({ AGENTORA_MISSIONS_REPLAY_ENABLED: 'false' });
    try {
      const o = await json(post(off, '/runs/launch', { repo: 'acme/off', mission_title: 'Off', objective: 'x', dry_run: true }));
      assert.equal((await post(off, `/runs/${o.id}/fork`, {})).status, 403);
      assert.equal((await post(off, `/runs/${o.id}/replay`, {})).status, 403);
      assert.equal(await total(off), 1);
    } finally {
      await off.stop();
    }
  });

  test('branch set: each preset shapes its draft; selected branches launch; shortlist / eliminate are decision events', async () => {
    const src = await json(
      post(s, '/runs/launch', {
        repo: 'acme/branches',
        mission_title: 'Branch me',
        objective: 'Fix the cache',
        constraints: ['Keep Node 20'],
        dry_run: true,
      }),
    );
    const strategies = (await json(get(s, '/branch-strategies'))).strategies;
    assert.deepEqual(strategies.map((x: any) => x.preset).sort(), [
      'aggressive_refactor',
      'conservative_fix',
      'constraint_relaxation',
      'constraint_tightening',
      'exploratory_branch',
      'minimal_patch',
      'persona_swap',
      'recovery_branch',
    ]);

    const res = await post(s, `/runs/${src.id}/branch-set`, {
      set_label: 'cache fixes',
      dry_run: true,
      auto_launch_selected: true,
      specs: [
        { preset: 'conservative_fix', launch: true },
        { preset: 'constraint_relaxation', branch_label: 'relaxed' },
        { preset: 'persona_swap', persona_id: 'rapid_builder', launch: true },
      ],
    });
    assert.equal(res.status, 200);
    const set = await res.json();
    assert.equal(set.root_run_id, src.id);
    assert.match(set.branch_set_id, /^bs-/);
    assert.equal(set.created_drafts.length, 3);
    const [cons, relaxed, swap] = set.created_drafts;
    const byPreset = Object.fromEntries(strategies.map((x: any) => [x.preset, x]));
    assert.equal(cons.objective, 'Fix the cache' + byPreset.conservative_fix.objective_suffix);
    assert.deepEqual(JSON.parse(cons.constraints_json), ['Keep Node 20', ...byPreset.conservative_fix.added_constraints]);
    assert.equal(cons.replay_kind, 'edited');
    assert.equal(cons.branch_strategy, 'conservative_fix');
    assert.equal(cons.branch_label, 'conservative_fix');
    assert.deepEqual(JSON.parse(relaxed.constraints_json), byPreset.constraint_relaxation.added_constraints, 'the source constraints are dropped');
    assert.equal(relaxed.replay_kind, 'what_if');
    assert.equal(relaxed.branch_label, 'relaxed');
    assert.equal(swap.persona_id, 'rapid_builder');
    for (const d of set.created_drafts) {
      assert.equal(d.branch_set_id, set.branch_set_id);
      assert.equal(d.parent_run_id, src.id);
      assert.equal((await json(get(s, `/runs/${d.id}/snapshot`))).verified, true, 'snapshot verifies with the branch fields');
    }
    assert.deepEqual(
      set.launched_runs.map((m: any) => m.id),
      [cons.id, swap.id],
    );
    assert.ok(set.launched_runs.every((m: any) => m.status === 'dry_run'));

    const sl = await json(post(s, `/runs/${cons.id}/shortlist`, { decision_note: 'best so far' }));
    assert.equal(sl.decision_status, 'shortlisted');
    assert.equal(sl.shortlisted, true);
    const el = await json(post(s, `/runs/${relaxed.id}/eliminate`, { decision_note: 'too loose' }));
    assert.equal(el.decision_status, 'eliminated');
    assert.equal((await json(get(s, `/runs/${relaxed.id}/provenance`))).decision_status, 'eliminated');
    assert.equal((await post(s, '/runs/nope/shortlist')).status, 404);

    // A bad spec anywhere changes nothing.
    const total = async () => Number((await s.fetch(`${API}/runs?limit=1`)).headers.get('x-total-count'));
    const n = await total();
    for (const [body, field] of [
      [{ specs: [{ preset: 'conservative_fix' }, { preset: 'persona_swap' }] }, 'specs.1.persona_id'],
      [{ specs: [{ preset: 'no_such_preset' }] }, 'specs.0.preset'],
      [{ specs: [] }, 'specs'],
    ] as const) {
      const r = await post(s, `/runs/${src.id}/branch-set`, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.ok((await r.json()).message.includes(field), field);
    }
    assert.equal(await total(), n, 'nothing created');
  });
});
