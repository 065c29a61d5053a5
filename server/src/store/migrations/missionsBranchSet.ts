// Missions branch sets and portfolio (brief phase H). Version 38 (39 is reserved for this area).
//
// Portfolio and decision-summary routes read every branch of a root (up to thousands) on each click, so they must
// not touch the wide mission rows (the context packet sits in the middle of each row and spills to overflow pages,
// so reading any column after it walks them). missions_portfolio is a covering index: `root_mission_id = ?`
// (optionally `AND branch_set_id = ?`) is answered from the index alone.
// mission_branch_sets names each set once (its label, source and root) — the missions only carry the set id. A
// trigger records a set the first time a mission carrying its id is inserted (forks, imports alike), so the table
// can never miss a set; the branch-set service fills in the label.
import type { Migration } from './index';

/** The narrow columns the portfolio reads, in the covering index's order after its two key columns. */
export const PORTFOLIO_COLUMNS = [
  'id',
  'parent_mission_id',
  'lineage_depth',
  'created_at',
  'status',
  'mission_score',
  'confidence_level',
  'risk_level',
  'writeback_status',
  'decision_state',
  'strategy',
  'branch_label',
  'persona_id',
  'persona_overlay',
  'pr_url',
  'mission_title',
] as const;

const m038: Migration = {
  version: 38,
  name: 'missions: branch-set names, covering portfolio index',
  up(db) {
    db.exec(`
      CREATE INDEX missions_portfolio ON missions (root_mission_id, branch_set_id, ${PORTFOLIO_COLUMNS.join(', ')});

      CREATE TABLE mission_branch_sets (
        id TEXT PRIMARY KEY,
        root_mission_id TEXT NOT NULL,
        source_mission_id TEXT NOT NULL,
        set_label TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
      );
      CREATE INDEX mission_branch_sets_root ON mission_branch_sets (root_mission_id, created_at, id);
      CREATE TRIGGER mission_branch_sets_record AFTER INSERT ON missions WHEN new.branch_set_id IS NOT NULL
      BEGIN
        INSERT OR IGNORE INTO mission_branch_sets (id, root_mission_id, source_mission_id, created_at)
          VALUES (new.branch_set_id, new.root_mission_id, coalesce(new.parent_mission_id, new.id), new.created_at);
      END;
      INSERT OR IGNORE INTO mission_branch_sets (id, root_mission_id, source_mission_id, created_at)
        SELECT branch_set_id, root_mission_id, coalesce(parent_mission_id, id), min(created_at)
        FROM missions WHERE branch_set_id IS NOT NULL GROUP BY branch_set_id;
    `);
  },
};

// A root's descendants are listed a page at a time by depth, then age (lineage/{root}); this index gives that
// order directly, so a page of a root with thousands of forks is a range read, not a sort of every descendant.
const m045: Migration = {
  version: 45,
  name: 'missions: lineage pages of a root in order',
  up(db) {
    db.exec(`CREATE INDEX missions_lineage_order ON missions (root_mission_id, lineage_depth, created_at, id);`);
  },
};

export const missionsBranchSetMigrations: readonly Migration[] = [m038, m045];
