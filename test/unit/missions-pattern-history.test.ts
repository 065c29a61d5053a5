// The read half of pattern derivation (patternHistory.ts): each group's supporting runs are its newest finished
// runs (at most SUPPORT_IDS, newest first, ties by id), per repo and across repos, made by SQL as one JSON text per
// group; unfinished runs never count, and a group's aggregates are those of exactly its finished runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Db } from '../../server/src/store/db';
import { readHistory, SUPPORT_IDS } from '../../server/src/services/missions/personas/patternHistory';

const T0 = Date.parse('2026-01-01T00:00:00Z');
function add(db: Db, id: string, o: { repo: string; persona?: string; strategy?: string | null; status?: string; minute: number; score?: number }) {
  const at = new Date(T0 + o.minute * 60_000).toISOString();
  db.prepare(
    `INSERT INTO missions (id, created_at, updated_at, status, repo, persona_id, strategy, mission_title, objective, session_id, packet_json,
      snapshot_hash, root_mission_id, lineage_depth, mission_score, risk_level)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'M', 'objective', ?, '{}', ?, ?, 0, ?, 'low')`,
  ).run(
    id,
    at,
    at,
    o.status ?? 'succeeded',
    o.repo,
    o.persona ?? 'rapid_builder',
    o.strategy ?? null,
    `ses_${id}`,
    id.padEnd(64, '0'),
    id,
    o.score ?? 50,
  );
}

test('supporting runs: the newest finished runs of each group, per repo and across repos, newest first, at most SUPPORT_IDS', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentora-pattern-history-'));
  try {
    const db = openDatabase(path.join(dir, 'a.db'));
    // Repo a: 60 finished runs, one a minute (more than SUPPORT_IDS); two share a minute (the tie goes by id, higher
    // first). Repo b: 30 runs interleaved in time with a's. Unfinished runs are newest of all and never count.
    const a: { id: string; minute: number }[] = [];
    const b: { id: string; minute: number }[] = [];
    for (let i = 0; i < 60; i++) a.push({ id: `run_a_${String(i).padStart(3, '0')}`, minute: 2 * i });
    a.push({ id: 'run_a_tie', minute: 2 * 59 });
    for (let i = 0; i < 30; i++) b.push({ id: `run_b_${String(i).padStart(3, '0')}`, minute: 4 * i + 61 });
    for (const r of a) add(db, r.id, { repo: 'acme/a', minute: r.minute, status: r.minute % 6 === 0 ? 'failed' : 'succeeded' });
    for (const r of b) add(db, r.id, { repo: 'acme/b', minute: r.minute, status: 'cancelled' });
    add(db, 'run_a_running', { repo: 'acme/a', minute: 1000, status: 'running' });
    add(db, 'run_b_prepared', { repo: 'acme/b', minute: 1001, status: 'prepared' });
    // Another group (a strategy) on repo a: its own list.
    add(db, 'run_s_1', { repo: 'acme/a', strategy: 'minimal_patch', minute: 5 });
    add(db, 'run_s_2', { repo: 'acme/a', strategy: 'minimal_patch', minute: 7 });

    const newestFirst = (xs: { id: string; minute: number }[]) =>
      [...xs].sort((x, y) => (x.minute === y.minute ? (x.id < y.id ? 1 : -1) : y.minute - x.minute)).map((x) => x.id);
    const h = readHistory(db);
    const group = (rows: typeof h.perRepo, strategy: string, repo: string | null) =>
      rows.find((r) => r.persona_id === 'rapid_builder' && r.strategy === strategy && r.repo === repo)!;

    const ga = group(h.perRepo, 'none', 'acme/a');
    assert.equal(ga.n, 61, 'every finished run of the group counts, the running one does not');
    assert.deepEqual(JSON.parse(ga.support_json), newestFirst(a).slice(0, SUPPORT_IDS));
    assert.equal(JSON.parse(ga.support_json)[0], 'run_a_tie', 'a tie in time: the higher id first');
    const gb = group(h.perRepo, 'none', 'acme/b');
    assert.equal(gb.n, 30);
    assert.deepEqual(JSON.parse(gb.support_json), newestFirst(b));
    const gs = group(h.perRepo, 'minimal_patch', 'acme/a');
    assert.deepEqual(JSON.parse(gs.support_json), ['run_s_2', 'run_s_1']);

    const cross = group(h.cross, 'none', null);
    assert.equal(cross.n, 91);
    assert.equal(cross.repos, 2);
    assert.deepEqual(JSON.parse(cross.support_json), newestFirst([...a, ...b]).slice(0, SUPPORT_IDS), 'the newest across both repos');
    assert.deepEqual(JSON.parse(group(h.cross, 'minimal_patch', null).support_json), ['run_s_2', 'run_s_1']);
    assert.equal(h.generation, db.prepare('SELECT gen FROM mission_analytics_gen WHERE k = 1').pluck().get());
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
