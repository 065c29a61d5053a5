// The runs' live-event log (services/teams/liveLog.ts, liveRetention.ts) on a real SQLite file:
// • events are numbered at once but written together a few ms later (one transaction, not a commit per event),
//   and any read sees the ones not yet written;
// • numbering continues after a restart (a new connection) past a gap — ids never go back, even to ids that were
//   sent but not stored before a kill -9;
// • the sweep deletes the log of runs that ended before the retention cutoff, and nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Db } from '../../server/src/store/db';
import { runStore } from '../../server/src/services/teams/runStore';
import { liveLog } from '../../server/src/services/teams/liveLog';
import { pruneLiveLogs } from '../../server/src/services/teams/liveRetention';

const rows = (db: Db, run?: string) =>
  (
    (run
      ? db.prepare('SELECT count(*) AS n FROM run_live_events WHERE run_id = ?').get(run)
      : db.prepare('SELECT count(*) AS n FROM run_live_events').get()) as { n: number }
  ).n;
/** Poll (with a deadline) until the batched write has happened. */
async function written(db: Db, n: number) {
  const end = Date.now() + 5000;
  while (rows(db) !== n) {
    if (Date.now() > end) assert.fail(`${rows(db)} rows written, expected ${n}`);
    await new Promise((r) => setImmediate(r));
  }
}

function withDb(fn: (db: Db, file: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'agentora-live-log-'));
    const file = path.join(dir, 'a.db');
    const db = openDatabase(file);
    try {
      const ts = new Date().toISOString();
      db.prepare(`INSERT INTO teams (name, description, mode, template, created_at, updated_at) VALUES ('t', '', 'fast', NULL, ?, ?)`).run(ts, ts);
      await fn(db, file);
    } finally {
      if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
const base = { team_id: 1, prompt: 'p', mode: 'fast', max_turns: 6, max_seconds: 60, token_budget: 3000, consensus_threshold: 1, reflection: false };

test(
  'events get their seq at once, are written in one batch shortly after, and reads see them before that',
  withDb(async (db, file) => {
    const id = runStore(db).create(base).id;
    const log = liveLog(db);
    const seqs = Array.from({ length: 100 }, (_x, i) => log.append({ run_id: id, kind: 'token', delta: `t${i}` }));
    assert.ok(
      seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1),
      'seqs increase by one',
    );
    assert.equal(rows(db), 0, 'nothing written during the turn');
    await written(db, 100);
    // An event of this turn is visible to a replay right away (the read writes the batch first).
    const more = log.append({ run_id: id, kind: 'status', status: 'running' });
    const replay = log.since(id, seqs[97]!);
    assert.deepEqual(
      replay.map((e) => e.seq),
      [seqs[98], seqs[99], more],
    );
    assert.equal(replay.at(-1)!.status, 'running');
    assert.equal(log.last(id), more);
    assert.equal(rows(db), 101, 'the read wrote the pending event');
    liveLog(db).flush();
    assert.equal(rows(db), 101, 'no event written twice');

    // A new server (connection) numbers on past the largest stored id, with a gap: ids sent but not yet stored
    // when a server was killed may be some client's Last-Event-ID, and new events must come after them.
    db.close();
    const db2 = openDatabase(file);
    try {
      const next = liveLog(db2).append({ run_id: id, kind: 'status', status: 'completed' });
      assert.ok(next > more + 1000, `numbering restarts at ${next}, right after ${more}`);
      assert.deepEqual(
        liveLog(db2)
          .since(id, more)
          .map((e) => e.seq),
        [next],
      );
      liveLog(db2).flush();
      assert.equal(rows(db2, id), 102);
    } finally {
      db2.close();
    }
  }),
);

test(
  'the sweep deletes the log of runs that ended before the cutoff, and keeps running and recently ended runs',
  withDb(async (db) => {
    const rs = runStore(db);
    const [oldDone, oldFailed, recent, running] = [0, 1, 2, 3].map(() => rs.create(base).id) as [string, string, string, string];
    for (const id of [oldDone, oldFailed, recent, running]) rs.transition(id, ['queued'], 'running');
    rs.transition(oldDone, ['running'], 'completed');
    rs.transition(oldFailed, ['running'], 'failed', { error: 'x' });
    rs.transition(recent, ['running'], 'completed');
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    db.prepare('UPDATE runs SET finished_at = ? WHERE id IN (?, ?)').run(hourAgo, oldDone, oldFailed);
    const log = liveLog(db);
    for (const id of [oldDone, oldFailed, recent, running]) for (let i = 0; i < 5; i++) log.append({ run_id: id, kind: 'token', delta: 'x' });

    const cutoff = new Date(Date.now() - 30 * 60_000).toISOString();
    assert.equal(pruneLiveLogs(db, cutoff), 10, 'the two runs that ended an hour ago lose their 5 events each');
    assert.deepEqual(
      [oldDone, oldFailed, recent, running].map((id) => rows(db, id)),
      [0, 0, 5, 5],
    );
    assert.equal(rs.get(oldDone)?.status, 'completed', 'the run itself is kept');
    assert.equal(pruneLiveLogs(db, cutoff), 0, 'a second sweep finds nothing');
    // A cutoff of now (retention 0) takes the recently ended run too, never the running one.
    assert.equal(pruneLiveLogs(db, new Date(Date.now() + 1000).toISOString()), 5);
    assert.equal(rows(db, running), 5);
  }),
);
