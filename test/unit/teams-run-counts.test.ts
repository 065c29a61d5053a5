// The run list's totals (run_counts, kept by migration 59's triggers) agree with counting the runs table after
// inserts, status changes, a team change, an update that touches neither, and deletes — on a real SQLite file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../server/src/store/db';
import { runStore } from '../../server/src/services/teams/runStore';

test('run_counts follows every insert, status or team change and delete; the run list totals read it', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentora-run-counts-'));
  const db = openDatabase(path.join(dir, 'a.db'));
  try {
    const ts = new Date().toISOString();
    for (const name of ['a', 'b'])
      db.prepare(`INSERT INTO teams (name, description, mode, template, created_at, updated_at) VALUES (?, '', 'fast', NULL, ?, ?)`).run(
        name,
        ts,
        ts,
      );
    const rs = runStore(db);
    const base = { prompt: 'p', mode: 'fast', max_turns: 6, max_seconds: 60, token_budget: 3000, consensus_threshold: 1, reflection: false };
    const ids = Array.from({ length: 30 }, (_x, i) => rs.create({ ...base, team_id: 1 + (i % 2) }).id);
    ids.slice(0, 10).forEach((id) => rs.transition(id, ['queued'], 'running'));
    ids.slice(0, 4).forEach((id) => rs.transition(id, ['running'], 'completed'));
    db.prepare('UPDATE runs SET team_id = 2 WHERE id = ?').run(ids[0]);
    db.prepare('UPDATE runs SET prompt = ? WHERE id = ?').run('changed', ids[1]);
    db.prepare('DELETE FROM run_events WHERE run_id IN (?, ?)').run(ids[28], ids[29]);
    db.prepare('DELETE FROM runs WHERE id IN (?, ?)').run(ids[28], ids[29]);
    const truth = db.prepare('SELECT status, team_id, count(*) AS n FROM runs GROUP BY 1, 2 ORDER BY 1, 2').all();
    assert.deepEqual(db.prepare('SELECT status, team_id, n FROM run_counts WHERE n > 0 ORDER BY 1, 2').all(), truth);
    const count = (status?: string, team?: number) => rs.list(1, 0, status, team).total;
    assert.deepEqual(
      [count(), count('queued'), count('running'), count('completed'), count(undefined, 2), count('completed', 2)],
      [28, 18, 6, 4, 15, 3],
    );
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
