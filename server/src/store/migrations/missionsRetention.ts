// Compaction runs as a job (issue 12 F): each run is a row, its progress committed as it goes, so `GET retention`
// and `GET retention/compactions/{id}` show a huge backlog's compaction while it runs and after a restart (a run
// a kill -9 cut short is marked interrupted at the next start; compaction deletes by rule, so the next run simply
// goes on where it stopped — nothing is removed twice and nothing kept is lost).
import type { Migration } from './index';

const m046: Migration = {
  version: 46,
  name: 'missions: compaction jobs',
  up(db) {
    db.exec(`
      CREATE TABLE mission_compactions (
        id INTEGER PRIMARY KEY,
        actor TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed', 'interrupted')),
        started_at TEXT NOT NULL,
        finished_at TEXT,
        report_json TEXT NOT NULL,
        error TEXT
      );
      CREATE INDEX mission_compactions_state ON mission_compactions (state, id);
    `);
  },
};

export const missionsRetentionMigrations: readonly Migration[] = [m046];
