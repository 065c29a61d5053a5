// The persona portfolio's ranking lists a page's branches in the page's own order: best rank first, ties by id in
// binary order (the page's ORDER BY under SQLite's BINARY collation), never in a locale's order — 'run_B' sorts
// before 'run_a' in both. Also: each branch's persona name is the packet's (read in SQL), an unknown root is a 404.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Db } from '../../server/src/store/db';
import { loadConfig } from '../../server/src/config';
import { portfolio } from '../../server/src/services/missions/personas/portfolio';
import { AppError } from '../../server/src/protocol/errors';
import type { ServerContext } from '../../server/src/context';

function addMission(db: Db, id: string, root: string, score: number, packet = '{}') {
  const now = new Date().toISOString();
  db.prepare(
    `INSERT INTO missions (id, created_at, updated_at, status, repo, persona_id, mission_title, objective, session_id, packet_json, snapshot_hash,
      root_mission_id, parent_mission_id, lineage_depth, mission_score, risk_level, pr_url)
     VALUES (?, ?, ?, 'succeeded', 'acme/app', 'default', 'M', 'objective', ?, ?, ?, ?, ?, ?, ?, 'low', NULL)`,
  ).run(id, now, now, `ses_${id}`, packet, id.padEnd(64, '0'), root, id === root ? null : root, id === root ? 0 : 1, score);
}

test("the ranking is the page's order: rank first, ties by id in binary order; persona names from the packet", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentora-portfolio-order-'));
  const db = openDatabase(':memory:');
  try {
    const ctx = {
      db,
      config: loadConfig({ overrides: { dataDir: dir } }),
      log: { error() {}, warn() {}, info() {}, debug() {} },
    } as unknown as ServerContext;
    addMission(db, 'run_root', 'run_root', 50);
    addMission(db, 'run_a', 'run_root', 70);
    addMission(db, 'run_B', 'run_root', 70, '{"persona":{"name":"Skeptic Reviewer"}}');
    addMission(db, 'run_c', 'run_root', 90);
    const pf = portfolio(ctx, 'run_root');
    const page = pf.branches.map((b) => b.run_id);
    assert.deepEqual(page, ['run_c', 'run_B', 'run_a'], 'the page: rank, then id in binary order');
    assert.deepEqual(
      pf.ranking_summary.map((r) => r.run_id),
      page,
      'the ranking lists the page in its own order',
    );
    assert.deepEqual(
      pf.branches.map((b) => b.persona_name),
      ['default', 'Skeptic Reviewer', 'default'],
    );
    assert.throws(
      () => portfolio(ctx, 'run_nope'),
      (e: unknown) => e instanceof AppError && e.kind === 'not_found',
    );
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
