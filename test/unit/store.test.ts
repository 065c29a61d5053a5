import { test } from 'node:test';
import assert from 'node:assert/strict';
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
