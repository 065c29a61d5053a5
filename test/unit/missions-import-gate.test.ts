// A REST import runs its one big transaction in a worker thread on a connection of its own. While it runs, a
// server call that may write must wait for it off the event loop (the write gate's flag, store/immediate.ts), not
// sleep in SQLite's busy handler on the event loop, where every other request would wait with it. Session 11
// found the import worker without the flag: a write during a 10k-mission import stopped the server for seconds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { openDatabase } from '../../server/src/store/db';
import { writeGate, writeTurn } from '../../server/src/store/immediate';

const N = 6000;
const run = (i: number) => {
  const id = `run_gate${String(i).padStart(6, '0')}`;
  return {
    id,
    created_at: new Date(Date.UTC(2026, 10, 1 + (i % 9), i % 24)).toISOString(),
    status: ['succeeded', 'failed', 'prepared'][i % 3],
    repo: `acme/r${i % 40}`,
    persona_id: 'default',
    mission_title: `Mission ${i}`,
    objective: `Objective ${i} `.repeat(20),
    session_id: `ses_${i}`,
    packet_json: '{}',
    snapshot_hash: id.padEnd(64, '0'),
    root_mission_id: id,
    risk_level: 'low',
    confidence_level: 'medium',
    writeback_status: 'none',
    mission_score: i % 100,
    refresh_count: 0,
    pr_url: null,
    strategy: null,
    decision_state: 'none',
    operator_override_status: 'none',
  };
};

test('a server write during a worker import waits for the import off the event loop, then goes through', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentora-import-gate-'));
  const file = path.join(dir, 'agentora.db');
  const db = openDatabase(file);
  db.exec('CREATE TABLE probe (x INTEGER)');
  const body = new TextEncoder().encode(
    JSON.stringify({ schema_version: 'mission-export-v1', runs: Array.from({ length: N }, (_, i) => run(i)), timeline_events: [] }),
  );
  const worker = path.join(__dirname, '../../server/src/services/missions/exchange/importWorker.ts');
  // The real import worker (as importRest.ts starts it), given the server connection's write gate.
  const w = new Worker(`require('tsx/cjs'); require(${JSON.stringify(worker)});`, {
    eval: true,
    workerData: { file, requireSignature: false, key: '', body, gate: writeGate(db) },
  });
  const answered = new Promise<{ ok: boolean; result?: { imported_runs: number } }>(
    (resolve, reject) => (w.once('message', resolve), w.once('error', reject)),
  );
  try {
    // The import's transaction raises the flag: a call that may write now gets a turn to wait for. (Looked for
    // until the import has answered: without the flag there is never a turn.)
    let over = false;
    answered.then(
      () => (over = true),
      () => (over = true),
    );
    let turn = writeTurn(db);
    while (!turn && !over) {
      await new Promise((r) => setTimeout(r, 1));
      turn = writeTurn(db);
    }
    assert.ok(turn, 'the import transaction raised the write gate flag');
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    await turn.ready;
    clearInterval(ticker);
    // Its turn comes once the whole import is committed, and the event loop kept turning meanwhile.
    assert.equal(db.prepare('SELECT count(*) FROM missions').pluck().get(), N, 'the write waited for the whole import');
    assert.ok(ticks >= 2, `other work ran while the write waited (${ticks} ticks of 5 ms)`);
    db.prepare('INSERT INTO probe VALUES (1)').run();
    turn.release();
    const a = await answered;
    assert.equal(a.ok, true);
    assert.equal(a.result?.imported_runs, N);
    assert.deepEqual(db.prepare('SELECT x FROM probe').pluck().all(), [1]);
  } finally {
    await w.terminate();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
