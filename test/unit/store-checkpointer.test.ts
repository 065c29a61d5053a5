// The WAL is checkpointed by a worker thread, not inside the commits of requests: the server's connection has
// the automatic checkpoint off while the worker runs, the worker copies the WAL into the database file, and the
// automatic checkpoint comes back when the worker stops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../server/src/store/db';
import { startCheckpointer } from '../../server/src/store/checkpointer';

test('a worker thread checkpoints the WAL; commits no longer do', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentora-ckpt-'));
  const file = path.join(dir, 'agentora.db');
  const db = openDatabase(file, { migrations: [] });
  const errors: string[] = [];
  const cp = startCheckpointer(db, (m) => errors.push(m), 50);
  try {
    assert.ok(cp, 'the checkpointer starts for a file database');
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0, 'commits no longer checkpoint');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)');
    const ins = db.prepare('INSERT INTO t (body) VALUES (?)');
    // ~3,000 pages of WAL: past SQLite's automatic threshold (1,000 pages), which no commit acts on now.
    for (let i = 0; i < 30; i++)
      db.transaction(() => {
        for (let k = 0; k < 100; k++) ins.run('x'.repeat(4000));
      })();
    const s = await cp.passNow();
    assert.ok(s.wal_frames >= 1000, `the WAL grew past the automatic threshold (${s.wal_frames} frames)`);
    assert.equal(s.checkpointed_frames, s.wal_frames, 'the worker copied all of it into the database file');
    // The rows (12 MB) are in the database file itself now, not only in the WAL.
    assert.ok(statSync(file).size > 12_000_000, `database file holds the rows (${statSync(file).size} bytes)`);
    await cp.stop();
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000, 'automatic checkpoints are back once the worker stops');
    assert.deepEqual(errors, []);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// The WAL header's salts change each time the WAL starts over (bytes 16-23 of the -wal file).
const walSalt = (file: string) => readFileSync(`${file}-wal`).subarray(16, 24).toString('hex');

test('the checkpoint thread starts the WAL over itself, so a write on the server connection only appends', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentora-ckpt-'));
  const file = path.join(dir, 'agentora.db');
  const db = openDatabase(file, { migrations: [] });
  // No timer passes during the test: only passNow() runs them.
  const cp = startCheckpointer(db, () => {}, 3_600_000)!;
  try {
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)');
    const ins = db.prepare('INSERT INTO t (body) VALUES (?)');
    db.transaction(() => {
      for (let k = 0; k < 200; k++) ins.run('x'.repeat(4000));
    })();
    const first = await cp.passNow();
    assert.equal(first.checkpointed_frames, first.wal_frames, 'the pass copied the whole WAL');
    assert.equal(first.restarts, 1, 'and the thread started the WAL over');
    const salt = walSalt(file);
    ins.run('after the restart');
    assert.equal(walSalt(file), salt, "the server's write appended to the thread's WAL: it did not start one (nor fsync its header)");
    // While nobody else writes, passes leave the thread's one frame alone (copying it would hand the next
    // restart back to the server's connection).
    const idle = await cp.passNow();
    assert.equal(idle.restarts, 2, 'the pass after that write copied it and started over again');
    const salt2 = walSalt(file);
    assert.notEqual(salt2, salt);
    const quiet = await cp.passNow();
    assert.equal(quiet.restarts, 2, 'a pass with nothing new written does nothing');
    ins.run('later');
    assert.equal(walSalt(file), salt2, 'the next write appends again');
    const after = await cp.passNow();
    assert.ok(after.wal_frames <= 3, `the WAL holds the thread's frame and the one write, not the 200 rows (${after.wal_frames} frames)`);
    assert.equal(db.prepare('SELECT count(*) FROM t').pluck().get() as number, 202);
    assert.equal(after.last_error, null);
  } finally {
    await cp.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an in-memory database gets no checkpointer', () => {
  const db = openDatabase(':memory:', { migrations: [] });
  assert.equal(
    startCheckpointer(db, () => {}),
    null,
  );
  db.close();
});

test('passes come every interval while the server writes, and back off while it does not', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentora-ckpt-'));
  const file = path.join(dir, 'agentora.db');
  const db = openDatabase(file, { migrations: [] });
  const cp = startCheckpointer(db, () => {}, 50)!;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  try {
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)');
    const ins = db.prepare('INSERT INTO t (body) VALUES (?)');
    // From here nothing is written: once two passes ran after the CREATE (the first saw it, the second found
    // nothing new), the thread has backed off.
    const created = cp.stats().passes;
    for (const deadline = Date.now() + 5000; cp.stats().passes < created + 2 && Date.now() < deadline;) await sleep(10);
    assert.ok(cp.stats().passes >= created + 2, 'the thread passed after the CREATE');
    const idle0 = cp.stats().passes;
    await sleep(1500); // the measuring window itself: passes are counted over a fixed span of time
    const idle = cp.stats().passes - idle0;
    // At the 50 ms interval 1.5 s would hold 30 passes; backed off (CHECKPOINT_IDLE_MS, 500 ms) at most 4.
    assert.ok(idle <= 4, `idle: ${idle} passes in 1.5 s`);
    const busy0 = cp.stats().passes;
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      ins.run('x'.repeat(4000));
      await sleep(20);
    }
    const busy = cp.stats().passes - busy0;
    // Writes every 20 ms: a pass about every 50 ms (30 in 1.5 s); idle pacing would give 3 or 4.
    assert.ok(busy >= 8, `while writing: ${busy} passes in 1.5 s`);
  } finally {
    await cp.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
