import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { latestVersion, migrate, openDatabase, schemaVersion } from '../../server/src/store/db';
import { migrations } from '../../server/src/store/migrations';

test('a new database is migrated to the latest version with WAL and foreign keys on; reopening applies nothing', () => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'agentora-db-')), 'a.db');
  const db = openDatabase(file);
  assert.equal(schemaVersion(db), latestVersion());
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  db.close();
  const again = openDatabase(file);
  assert.deepEqual(migrate(again, migrations).applied, []);
  again.close();
});

test('a failing migration rolls back completely and is not recorded', () => {
  const db = openDatabase(':memory:');
  const bad = {
    version: 999,
    name: 'bad',
    up: (d: typeof db) => {
      d.exec('CREATE TABLE half (x)');
      throw new Error('boom');
    },
  };
  assert.throws(() => migrate(db, [...migrations, bad]), /boom/);
  assert.equal(schemaVersion(db), latestVersion());
  assert.equal((db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name='half'").get() as { n: number }).n, 0);
});

test('a read-then-write transaction survives another connection committing in between (it begins IMMEDIATE)', () => {
  // The compaction, checkpoint and import threads write on connections of their own. A DEFERRED transaction whose
  // read came before such a commit failed its write at once with "database is locked" (a stale snapshot).
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'agentora-db-')), 'a.db');
  const db = openDatabase(file, { migrations: [] });
  db.exec('CREATE TABLE t (x INTEGER)');
  const other = new Database(file);
  other.pragma('busy_timeout = 0');
  const order: string[] = [];
  db.transaction(() => {
    db.prepare('SELECT count(*) FROM t').get();
    // The other connection cannot slip a commit in: this transaction holds the write lock since BEGIN.
    assert.throws(() => other.prepare('INSERT INTO t VALUES (2)').run(), /locked|busy/i);
    order.push('other refused');
    db.prepare('INSERT INTO t VALUES (1)').run();
  })();
  other.prepare('INSERT INTO t VALUES (2)').run(); // and goes on once it ended
  assert.deepEqual(order, ['other refused']);
  assert.deepEqual(db.prepare('SELECT x FROM t ORDER BY x').pluck().all(), [1, 2]);
  // Nested calls are savepoints inside it, and an explicit .deferred stays available for snapshot reads.
  assert.equal(db.transaction(() => db.transaction(() => 7)())(), 7);
  assert.equal(db.transaction(() => db.prepare('SELECT count(*) FROM t').pluck().get()).deferred(), 2);
  other.close();
  db.close();
});
