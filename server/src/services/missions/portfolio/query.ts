// Portfolio SQL: the branches of a root (or of one of its sets) read from the covering missions_portfolio index
// alone (INDEXED BY: a plan change would be an error, not a silent table walk), decisions and branch-set names by
// their own indexes. Statements are prepared once per database.
import type { Db } from '../../../store/db';
import { allRows } from '../../../store/statements';
import { PORTFOLIO_COLUMNS } from '../../../store/migrations/missionsBranchSet';
import type { BranchRow } from './rank';

const DECIDED = `m.decision_state IN ('shortlisted', 'eliminated')`;
const LAST_DECISION = (col: string) =>
  `CASE WHEN ${DECIDED} THEN (SELECT d.${col} FROM mission_decisions d WHERE d.mission_id = m.id AND d.type IN ('shortlist_applied', 'eliminate_applied') ORDER BY d.id DESC LIMIT 1) END`;
/** The branch read (exported for the bench's bare-SQL floor). */
export const SELECT = `SELECT m.branch_set_id, ${PORTFOLIO_COLUMNS.map((c) => `m.${c}`).join(', ')},
  ${LAST_DECISION('note')} AS decision_note, ${LAST_DECISION('created_at')} AS decided_at
  FROM missions m INDEXED BY missions_portfolio`;

export type DecidedRow = BranchRow & { decided_at: string | null };

/** A run's place in its lineage, by the two columns a portfolio needs (not the wide row with its context packet). */
export const PLACE_SQL = 'SELECT root_mission_id, branch_set_id FROM missions WHERE id = ?';
/** A branch set by its id (exported, as SELECT, for the bench's bare-SQL floor). */
export const SET_SQL = 'SELECT * FROM mission_branch_sets WHERE id = ?';

export interface BranchSetRow {
  id: string;
  root_mission_id: string;
  source_mission_id: string;
  set_label: string;
  created_at: string;
}

function statements(db: Db) {
  return {
    ofRoot: db.prepare(`${SELECT} WHERE m.root_mission_id = ? AND m.id <> m.root_mission_id`),
    ofSet: db.prepare(`${SELECT} WHERE m.root_mission_id = ? AND m.branch_set_id = ?`),
    place: db.prepare(PLACE_SQL),
    set: db.prepare(SET_SQL),
    setsOfRoot: db.prepare('SELECT * FROM mission_branch_sets WHERE root_mission_id = ? ORDER BY created_at, id'),
    label: db.prepare(`UPDATE mission_branch_sets SET set_label = ? WHERE id = ? AND set_label = ''`),
    decisionCounts: db.prepare(
      `SELECT d.type, count(*) AS n FROM mission_decisions d
       WHERE d.mission_id IN (SELECT id FROM missions INDEXED BY missions_portfolio WHERE root_mission_id = ?) GROUP BY d.type ORDER BY d.type`,
    ),
    latestDecisions: db.prepare(
      `SELECT d.id, d.mission_id AS run_id, d.type, d.actor, d.note, d.created_at FROM mission_decisions d
       WHERE d.mission_id IN (SELECT id FROM missions INDEXED BY missions_portfolio WHERE root_mission_id = ?) ORDER BY d.id DESC LIMIT ?`,
    ),
  };
}

const cache = new WeakMap<Db, ReturnType<typeof statements>>();
export function portfolioSql(db: Db) {
  let s = cache.get(db);
  if (!s) cache.set(db, (s = statements(db)));
  const st = s;
  return {
    branchesOfRoot: (root: string) => allRows<DecidedRow>(st.ofRoot, root),
    branchesOfSet: (root: string, set: string) => allRows<DecidedRow>(st.ofSet, root, set),
    place: (id: string) => st.place.get(id) as { root_mission_id: string; branch_set_id: string | null } | undefined,
    branchSet: (id: string) => st.set.get(id) as BranchSetRow | undefined,
    branchSetsOfRoot: (root: string) => st.setsOfRoot.all(root) as BranchSetRow[],
    /** The branch-set service names its set once (the trigger recorded it with an empty label). */
    labelSet: (id: string, label: string) => void st.label.run(label, id),
    decisionCounts: (root: string) => st.decisionCounts.all(root) as { type: string; n: number }[],
    latestDecisions: (root: string, limit: number) =>
      st.latestDecisions.all(root, limit) as { id: number; run_id: string | null; type: string; actor: string; note: string; created_at: string }[],
  };
}
