import type { Migration } from './index';

export const core001: Migration = {
  version: 1,
  name: 'core: key-value meta and bootstrap runs',
  up(db) {
    db.exec(`
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE bootstrap_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL,
        auto_fix INTEGER NOT NULL CHECK (auto_fix IN (0, 1)),
        status TEXT NOT NULL CHECK (status IN ('ok', 'warn', 'error')),
        steps_json TEXT NOT NULL
      );
    `);
  },
};
