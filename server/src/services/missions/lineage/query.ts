// Lineage reads. Ancestry walks parent links up (by primary key, at most the max depth). Descendants of a root are
// found by the root_mission_id index; of any other mission by walking parent links down (missions_parent index).
// Only the summary's columns are read, and only for the requested page: the ids are ordered and paged first, so
// a root with 1k descendants decodes one page of rows, not 1k wide mission rows.
import type { Db } from '../../../store/db';
import { allRows, sql } from '../../../store/statements';
import type { MissionSummary } from '../../../protocol/missions';
import { toSummary, type MissionRow } from '../store';

/** The columns toSummary reads; artifacts are counted in SQL instead of reading their JSON. */
const SUMMARY_COLUMNS = `m.id, m.created_at, m.updated_at, m.status, m.repo, m.persona_id, m.mission_title, m.objective, m.dry_run,
  m.job_id, m.job_raw_status, m.branch, m.pr_url, m.summary, json_array_length(m.artifacts_json) AS artifact_count, m.watched,
  m.writeback_status, m.mission_score, m.confidence_level, m.risk_level, m.last_error, m.fix_hint, m.launched_at, m.completed_at,
  m.last_refreshed_at, m.parent_mission_id, m.root_mission_id, m.lineage_depth, m.branch_set_id, m.branch_label, m.decision_state, m.mock`;

type SummaryRow = Omit<MissionRow, 'artifacts_json'> & { artifact_count: number };
const summaries = (rows: SummaryRow[]) => rows.map((r) => toSummary(r));

export function ancestryOf(db: Db, row: MissionRow): MissionSummary[] {
  const rows = sql(
    db,
    `WITH RECURSIVE up(id, n) AS (SELECT parent_mission_id, 1 FROM missions WHERE id = ? AND parent_mission_id IS NOT NULL
         UNION ALL SELECT m.parent_mission_id, up.n + 1 FROM missions m JOIN up ON m.id = up.id WHERE m.parent_mission_id IS NOT NULL AND up.n < 10000)
       SELECT ${SUMMARY_COLUMNS} FROM up JOIN missions m ON m.id = up.id ORDER BY up.n DESC`,
  ).all(row.id) as SummaryRow[];
  return summaries(rows);
}

export interface DescendantPage {
  descendants: MissionSummary[];
  total_descendants: number;
  offset: number;
  next_offset: number | null;
}

/** The descendant ids of a mission that is not a root, as a CTE named `down`: a walk down its parent links. */
const DOWN = `RECURSIVE down(id) AS (SELECT id FROM missions WHERE parent_mission_id = @id
         UNION ALL SELECT m.id FROM missions m JOIN down ON m.parent_mission_id = down.id)`;

/**
 * The two reads of a descendants page, `@id`, `@limit`, `@offset` (exported for the bench's bare-SQL floor). A
 * root's page is a range of the missions_lineage_order index; another mission's descendants are walked down first.
 */
export const descendantsSql = (isRoot: boolean) => {
  const ids = isRoot
    ? `SELECT id, lineage_depth AS depth, created_at FROM missions INDEXED BY missions_lineage_order
         WHERE root_mission_id = @id AND id <> @id ORDER BY lineage_depth, created_at, id LIMIT @limit OFFSET @offset`
    : `WITH ${DOWN} SELECT m.id, m.lineage_depth AS depth, m.created_at FROM down JOIN missions m ON m.id = down.id
         ORDER BY m.lineage_depth, m.created_at, m.id LIMIT @limit OFFSET @offset`;
  return {
    count: isRoot
      ? `SELECT count(*) AS n FROM missions INDEXED BY missions_lineage_order WHERE root_mission_id = @id AND id <> @id`
      : `WITH ${DOWN} SELECT count(*) AS n FROM down`,
    page: `WITH page(id, depth, created_at) AS MATERIALIZED (${ids})
       SELECT ${SUMMARY_COLUMNS} FROM page JOIN missions m ON m.id = page.id ORDER BY page.depth, page.created_at, page.id`,
  };
};

export function descendantsOf(db: Db, row: Pick<MissionRow, 'id' | 'root_mission_id'>, limit: number, offset: number): DescendantPage {
  const q = descendantsSql(row.id === row.root_mission_id);
  const total = (sql(db, q.count).get({ id: row.id }) as { n: number }).n;
  const rows = allRows<SummaryRow>(sql(db, q.page), { id: row.id, limit, offset });
  const next = offset + rows.length;
  return { descendants: summaries(rows), total_descendants: total, offset, next_offset: next < total ? next : null };
}
