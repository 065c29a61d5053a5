// Lineage reads: ancestry walks parent links up (indexed by primary key, at most the max depth); descendants
// walk parent links down through the missions_parent index, so a root with 1k descendants reads only those rows.
import type { Db } from '../../../store/db';
import type { MissionSummary } from '../../../protocol/missions';
import { toSummary, type MissionRow } from '../store';

export function ancestryOf(db: Db, row: MissionRow): MissionSummary[] {
  const rows = db
    .prepare(
      `WITH RECURSIVE up(id, n) AS (SELECT parent_mission_id, 1 FROM missions WHERE id = ? AND parent_mission_id IS NOT NULL
         UNION ALL SELECT m.parent_mission_id, up.n + 1 FROM missions m JOIN up ON m.id = up.id WHERE m.parent_mission_id IS NOT NULL AND up.n < 10000)
       SELECT m.* FROM up JOIN missions m ON m.id = up.id ORDER BY up.n DESC`,
    )
    .all(row.id) as MissionRow[];
  return rows.map(toSummary);
}

export function descendantsOf(db: Db, id: string): MissionSummary[] {
  const rows = db
    .prepare(
      `WITH RECURSIVE down(id) AS (SELECT id FROM missions WHERE parent_mission_id = ?
         UNION SELECT m.id FROM missions m JOIN down ON m.parent_mission_id = down.id)
       SELECT m.* FROM down JOIN missions m ON m.id = down.id ORDER BY m.lineage_depth, m.created_at, m.id`,
    )
    .all(id) as MissionRow[];
  return rows.map(toSummary);
}
