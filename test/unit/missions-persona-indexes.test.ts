// The indexes of a lineage's persona reads. Decision events carry their lineage root (migration 44), so a
// lineage's audit is an index range: the backfill of a store that had events before, the root derived whatever an
// INSERT says (an imported bundle with remapped ids, the base store that does not name it), and the append-only
// rule that still refuses every other change. The persona portfolio's page is a range of the rank index
// (migration 47), whose expression ranks exactly like rankScore.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Db } from '../../server/src/store/db';
import { migrations } from '../../server/src/store/migrations';
import { COLS, RANK_SQL, rankScore } from '../../server/src/services/missions/personas/recommend';

function addMission(db: Db, id: string, root: string, o: { status?: string; score?: number; risk?: string; pr?: string | null } = {}) {
  const now = new Date().toISOString();
  db.prepare(
    `INSERT INTO missions (id, created_at, updated_at, status, repo, persona_id, mission_title, objective, session_id, packet_json, snapshot_hash,
      root_mission_id, parent_mission_id, lineage_depth, mission_score, risk_level, pr_url)
     VALUES (?, ?, ?, ?, 'acme/app', 'default', 'M', 'objective', ?, '{}', ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    id,
    now,
    now,
    o.status ?? 'succeeded',
    `ses_${id}`,
    id.padEnd(64, '0'),
    root,
    id === root ? null : root,
    id === root ? 0 : 1,
    o.score ?? 50,
    o.risk ?? 'low',
    o.pr ?? null,
  );
}

const addDecision = (db: Db, mission: string | null, root?: string) =>
  Number(
    db
      .prepare(
        `INSERT INTO mission_decisions (mission_id, ${root === undefined ? '' : 'root_mission_id, '}created_at, type, actor, note)
         VALUES (?, ${root === undefined ? '' : '?, '}?, 'shortlist_applied', 'http', 'n')`,
      )
      .run(...[mission, ...(root === undefined ? [] : [root]), new Date().toISOString()]).lastInsertRowid,
  );

const rootOf = (db: Db, id: number) => db.prepare('SELECT root_mission_id FROM mission_decisions WHERE id = ?').pluck().get(id);

test('migration 44 backfills the root of every existing decision event; new events get theirs whatever the INSERT says', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentora-decision-root-'));
  try {
    const file = path.join(dir, 'a.db');
    const before = openDatabase(file, { migrations: migrations.filter((m) => m.version < 44) });
    addMission(before, 'run_a', 'run_a');
    addMission(before, 'run_b', 'run_a');
    addMission(before, 'run_c', 'run_c');
    const old = [addDecision(before, 'run_a'), addDecision(before, 'run_b'), addDecision(before, 'run_c'), addDecision(before, null)];
    before.close();

    const db = openDatabase(file);
    try {
      assert.deepEqual(
        old.map((id) => rootOf(db, id)),
        ['run_a', 'run_a', 'run_c', null],
        'backfilled from each mission (none for an event without one)',
      );
      // The base store's INSERT names no root; an imported bundle may carry the root of another store.
      assert.equal(rootOf(db, addDecision(db, 'run_b')), 'run_a');
      assert.equal(rootOf(db, addDecision(db, 'run_b', 'run_from_another_store')), 'run_a', 'corrected to the mission root');
      assert.equal(rootOf(db, addDecision(db, null, 'run_a')), null);
      // A lineage's audit reads the root indexes, not the missions.
      const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all('run_a') as { detail: string }[]).map((r) => r.detail).join(' | ');
      assert.match(
        plan('SELECT type, actor, count(*) FROM mission_decisions WHERE root_mission_id = ? GROUP BY type, actor'),
        /COVERING INDEX mission_decisions_root_stats/,
      );
      assert.match(
        plan('SELECT mission_id, count(*) FROM mission_decisions WHERE root_mission_id = ? GROUP BY mission_id'),
        /COVERING INDEX mission_decisions_root_runs/,
      );
      assert.doesNotMatch(plan('SELECT * FROM mission_decisions WHERE root_mission_id = ? ORDER BY id DESC LIMIT 100'), /TEMP B-TREE|missions\b/);
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('decision events stay append-only: no change but the derived root, no delete while the mission exists', () => {
  const db = openDatabase(':memory:');
  addMission(db, 'run_a', 'run_a');
  addMission(db, 'run_b', 'run_a');
  const id = addDecision(db, 'run_b');
  assert.throws(() => db.prepare("UPDATE mission_decisions SET note = 'rewritten'").run(), /append-only/);
  assert.throws(() => db.prepare("UPDATE mission_decisions SET root_mission_id = 'run_b'").run(), /append-only/);
  assert.throws(() => db.prepare("UPDATE mission_decisions SET root_mission_id = 'run_a', type = 'x'").run(), /append-only/);
  assert.throws(() => db.prepare('DELETE FROM mission_decisions').run(), /append-only/);
  // Setting the root to what it already is changes nothing, and is the one update the store lets through.
  db.prepare("UPDATE mission_decisions SET root_mission_id = 'run_a' WHERE id = ?").run(id);
  assert.equal(rootOf(db, id), 'run_a');
  db.close();
});

test('the portfolio page is a range of the rank index, whose expression ranks exactly like rankScore', () => {
  const db = openDatabase(':memory:');
  addMission(db, 'run_root', 'run_root');
  const statuses = ['succeeded', 'failed', 'cancelled', 'launch_failed', 'running', 'prepared'];
  const risks = ['low', 'medium', 'high'];
  let n = 0;
  for (const status of statuses)
    for (const risk of risks)
      for (const pr of [null, 'https://github.com/acme/app/pull/1'])
        for (const score of [0, 37.5, 80, 100]) addMission(db, `run_${String(n++).padStart(3, '0')}`, 'run_root', { status, risk, pr, score });
  const page = `SELECT ${COLS}, ${RANK_SQL} AS rank FROM missions INDEXED BY missions_persona_rank WHERE root_mission_id = @root AND id != @root
    ORDER BY ${RANK_SQL} DESC, id LIMIT @limit OFFSET @offset`;
  const plan = (db.prepare(`EXPLAIN QUERY PLAN ${page}`).all({ root: 'run_root', limit: 10, offset: 0 }) as { detail: string }[]).map(
    (r) => r.detail,
  );
  assert.deepEqual(plan, ['SEARCH missions USING INDEX missions_persona_rank (root_mission_id=?)'], 'no sort of the lineage');
  const rows = db.prepare(page).all({ root: 'run_root', limit: 1000, offset: 0 }) as (Parameters<typeof rankScore>[0] & {
    id: string;
    rank: number;
  })[];
  assert.equal(rows.length, n);
  for (const r of rows) assert.equal(r.rank, rankScore(r), r.id);
  const byJs = [...rows].sort((a, b) => rankScore(b) - rankScore(a) || (a.id < b.id ? -1 : 1)).map((r) => r.id);
  assert.deepEqual(
    rows.map((r) => r.id),
    byJs,
    'the index order is rankScore order',
  );
  db.close();
});
