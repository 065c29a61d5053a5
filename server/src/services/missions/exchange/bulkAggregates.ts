// A bulk import adds thousands of missions in one transaction. Two insert triggers keep analytics cubes (mission_cube:
// 26 upserts a mission; mission_persona_cube: one) and were the largest part of an import's time. For the bulk,
// they are dropped inside the import's transaction, the missions go in, the cubes get the new missions in one
// set-based statement each, and the triggers are created again from their own stored SQL — all in the same
// transaction: other connections never see the database without them, and a failed import rolls all of it back.
import type { Db } from '../../../store/db';
import { CUBE_SOURCE_COLUMNS, cubeAddSql } from '../../../store/migrations/missionsAnalytics';
import { PERSONA_CUBE_SOURCE_COLUMNS, personaCubeAddSql } from '../../../store/migrations/missionsPersonas';

const SUSPENDED: { trigger: string; add: (src: string) => string }[] = [
  { trigger: 'mission_cube_insert', add: cubeAddSql },
  { trigger: 'mission_persona_cube_insert', add: personaCubeAddSql },
];

export interface SuspendedAggregates {
  /** Add the missions `ids` to the cubes and restore the triggers. */
  finish(ids: string[]): void;
}

/** Must run inside the import's transaction. */
export function suspendMissionAggregates(db: Db): SuspendedAggregates {
  const saved: { sql: string; add: (src: string) => string }[] = [];
  for (const s of SUSPENDED) {
    const sql = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?").pluck().get(s.trigger) as string | undefined;
    if (!sql) continue; // an older schema (tests of single migrations): nothing to suspend
    db.exec(`DROP TRIGGER ${s.trigger}`);
    saved.push({ sql, add: s.add });
  }
  return {
    finish(ids) {
      if (saved.length && ids.length) {
        const cols = [...new Set([...CUBE_SOURCE_COLUMNS, ...PERSONA_CUBE_SOURCE_COLUMNS])];
        db.prepare(`CREATE TEMP TABLE import_cube_src AS SELECT ${cols.join(', ')} FROM missions WHERE id IN (SELECT value FROM json_each(?))`).run(
          JSON.stringify(ids),
        );
        for (const s of saved) db.exec(s.add('temp.import_cube_src'));
        db.exec('DROP TABLE temp.import_cube_src');
      }
      for (const s of saved) db.exec(s.sql);
    },
  };
}

/** Fresh missions from which rebuilding the secondary indexes beats maintaining them row by row. */
export const BULK_INDEX_MIN = 500;

/**
 * A bulk import into a table it at least doubles (an empty database above all): each of the missions table's ~20
 * secondary indexes is dropped inside the import's transaction and built again from its stored SQL at the end — one
 * sort per index instead of a B-tree descent per row per index (about half of a 10k-mission import). Must run
 * inside the import's transaction: other connections never see the table without its indexes, and a failed import
 * rolls all of it back. Returns null (nothing suspended) when the table is large next to the import.
 */
export function suspendMissionIndexes(db: Db, fresh: number): { finish(): void } | null {
  if (fresh < BULK_INDEX_MIN) return null;
  const existing = db.prepare('SELECT count(*) FROM missions').pluck().get() as number;
  if (existing > fresh) return null;
  const indexes = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'missions' AND sql IS NOT NULL").all() as {
    name: string;
    sql: string;
  }[];
  for (const i of indexes) db.exec(`DROP INDEX "${i.name}"`);
  return {
    finish() {
      for (const i of indexes) db.exec(i.sql);
    },
  };
}
