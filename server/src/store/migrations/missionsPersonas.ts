// Missions personas, decisions / audit, analytics and pattern memory (brief phases I–L). Versions 40–49.
//
// - missions gains the persona assignment and operator override state the flat record reports
//   (persona_assignment_reason, operator_override_status / _note, recommendation_state);
// - mission_decisions becomes a real audit trail: previous / new state and the policy rule of a block, and it
//   is append-only in the store (triggers refuse UPDATE and DELETE; only the cascade of a deleted mission removes
//   its events);
// - mission_analytics_gen is one counter that every write an analytic reads bumps (mission inserts and the
//   changes of the columns analytics read, decision events, writebacks, policy templates): the analytics cache
//   keeps the generation it was computed at, so no write can leave it stale, whichever code path makes it;
// - one covering index serves persona trends, the persona × strategy matrix and their drill-downs without
//   reading the wide mission rows;
// - mission_policy (the policy template applied to a root's lineage) and mission_patterns (pattern memory).
import type { Migration } from './index';

/** Columns whose change moves an analytic (trends, matrix, insights, summaries, recommendations). */
export const ANALYTIC_COLUMNS = [
  'status',
  'repo',
  'persona_id',
  'persona_overlay',
  'strategy',
  'mission_score',
  'risk_level',
  'confidence_level',
  'pr_url',
  'writeback_status',
  'decision_state',
  'recommendation_state',
  'operator_override_status',
] as const;

const BUMP = 'UPDATE mission_analytics_gen SET gen = gen + 1 WHERE k = 1;';

const m040: Migration = {
  version: 40,
  name: 'missions: persona assignment and overrides, append-only decision events, analytics generation',
  up(db) {
    db.exec(`
      ALTER TABLE missions ADD COLUMN persona_assignment_reason TEXT;
      ALTER TABLE missions ADD COLUMN operator_override_status TEXT NOT NULL DEFAULT 'none';
      ALTER TABLE missions ADD COLUMN operator_override_note TEXT;
      ALTER TABLE missions ADD COLUMN recommendation_state TEXT NOT NULL DEFAULT 'pending';

      ALTER TABLE mission_decisions ADD COLUMN previous_state TEXT;
      ALTER TABLE mission_decisions ADD COLUMN new_state TEXT;
      ALTER TABLE mission_decisions ADD COLUMN rule TEXT;
      CREATE INDEX mission_decisions_created ON mission_decisions (created_at, id);
      CREATE INDEX mission_decisions_rule ON mission_decisions (rule, id) WHERE rule IS NOT NULL;
      CREATE TRIGGER mission_decisions_no_update BEFORE UPDATE ON mission_decisions
        BEGIN SELECT RAISE(ABORT, 'mission_decisions is append-only'); END;
      CREATE TRIGGER mission_decisions_no_delete BEFORE DELETE ON mission_decisions
        WHEN old.mission_id IS NULL OR EXISTS (SELECT 1 FROM missions WHERE id = old.mission_id)
        BEGIN SELECT RAISE(ABORT, 'mission_decisions is append-only'); END;

      -- Persona trends / matrix / drill-downs: grouped by persona and strategy, filtered by window, repo, status,
      -- all inside this index (covering), never touching the wide mission rows.
      CREATE INDEX missions_persona_strategy ON missions (persona_id, strategy, created_at, repo, status, mission_score,
        risk_level, decision_state, operator_override_status, writeback_status, pr_url);

      CREATE TABLE mission_analytics_gen (k INTEGER PRIMARY KEY CHECK (k = 1), gen INTEGER NOT NULL);
      INSERT INTO mission_analytics_gen (k, gen) VALUES (1, 1);
      CREATE TRIGGER mission_gen_insert AFTER INSERT ON missions BEGIN ${BUMP} END;
      CREATE TRIGGER mission_gen_delete AFTER DELETE ON missions BEGIN ${BUMP} END;
      CREATE TRIGGER mission_gen_update AFTER UPDATE OF ${ANALYTIC_COLUMNS.join(', ')} ON missions
        WHEN ${ANALYTIC_COLUMNS.map((c) => `old.${c} IS NOT new.${c}`).join(' OR ')}
        BEGIN ${BUMP} END;
      CREATE TRIGGER mission_gen_decision AFTER INSERT ON mission_decisions BEGIN ${BUMP} END;
      CREATE TRIGGER mission_gen_writeback AFTER INSERT ON mission_writebacks BEGIN ${BUMP} END;
    `);
  },
};

const m041: Migration = {
  version: 41,
  name: 'missions: lineage policy templates, pattern memory',
  up(db) {
    db.exec(`
      -- The policy template in force for a root's lineage (absent: the AGENTORA_PERSONA_POLICY_* settings).
      CREATE TABLE mission_policy (
        root_mission_id TEXT PRIMARY KEY REFERENCES missions(id) ON DELETE CASCADE,
        template_name TEXT NOT NULL,
        applied_at TEXT NOT NULL,
        applied_by TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE TRIGGER mission_gen_policy_insert AFTER INSERT ON mission_policy BEGIN ${BUMP} END;
      CREATE TRIGGER mission_gen_policy_update AFTER UPDATE ON mission_policy BEGIN ${BUMP} END;

      -- Pattern memory: derived from history (status 'candidate'), then promoted / rejected / archived by the
      -- operator. pattern_key is stable per (type, repo, persona, strategy), so a re-derivation refreshes the
      -- evidence of a pattern and never undoes the operator's decision on it.
      CREATE TABLE mission_patterns (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        pattern_type TEXT NOT NULL,
        pattern_key TEXT NOT NULL UNIQUE,
        repo_scope TEXT NOT NULL,
        persona_scope TEXT NOT NULL,
        strategy_scope TEXT NOT NULL,
        source_run_count INTEGER NOT NULL,
        supporting_run_ids_json TEXT NOT NULL DEFAULT '[]',
        evidence_summary TEXT NOT NULL DEFAULT '',
        average_score REAL NOT NULL DEFAULT 0,
        average_risk REAL NOT NULL DEFAULT 0,
        pr_rate REAL NOT NULL DEFAULT 0,
        writeback_success_rate REAL,
        override_rate REAL NOT NULL DEFAULT 0,
        success_rate REAL,
        confidence_level TEXT NOT NULL DEFAULT 'low',
        status TEXT NOT NULL DEFAULT 'candidate',
        promoted_by_operator INTEGER NOT NULL DEFAULT 0,
        promotion_note TEXT NOT NULL DEFAULT '',
        archived INTEGER NOT NULL DEFAULT 0,
        memory_id INTEGER,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX mission_patterns_status ON mission_patterns (status, id);
      CREATE INDEX mission_patterns_scope ON mission_patterns (persona_scope, strategy_scope, repo_scope);
    `);
  },
};

// The persona cube: per (persona, strategy, UTC day) the counts and sums persona trends, the matrix and insights
// read, kept by triggers in the same transaction as the mission write (like mission_cube, migration 35). Its
// size is personas × strategies × days (thousands of rows), not the number of missions, so an unfiltered or
// window / persona / strategy-filtered analytic reads a few thousand narrow rows whatever the history. Filters on
// repo, status or a lineage fall back to the covering index of migration 40.
export const PERSONA_CUBE_MEASURES = ['n', 'score_sum', 'hi', 'pr', 'sl', 'el', 'ov', 'wb_ok', 'wb_tried', 't_ok', 't_done'] as const;
function personaMeasures(r: 'new' | 'old' | 'm'): string[] {
  return [
    '1',
    `${r}.mission_score`,
    `(${r}.risk_level = 'high')`,
    `(${r}.pr_url IS NOT NULL)`,
    `(${r}.decision_state = 'shortlisted')`,
    `(${r}.decision_state = 'eliminated')`,
    `(${r}.operator_override_status != 'none')`,
    `(${r}.writeback_status = 'succeeded')`,
    `(${r}.writeback_status IN ('succeeded', 'failed'))`,
    `(${r}.status = 'succeeded')`,
    `(${r}.status IN ('succeeded', 'failed', 'cancelled'))`,
  ];
}
const pkey = (r: 'new' | 'old') => `${r}.persona_id, COALESCE(${r}.strategy, 'none'), substr(${r}.created_at, 1, 10)`;
const padd = (r: 'new') =>
  `INSERT INTO mission_persona_cube (persona_id, strategy, day, ${PERSONA_CUBE_MEASURES.join(', ')}) VALUES (${pkey(r)}, ${personaMeasures(r).join(', ')})
   ON CONFLICT DO UPDATE SET ${PERSONA_CUBE_MEASURES.map((k) => `${k} = ${k} + excluded.${k}`).join(', ')};`;
const psub = (r: 'old') => {
  const m = personaMeasures(r);
  const where = `persona_id = ${r}.persona_id AND strategy = COALESCE(${r}.strategy, 'none') AND day = substr(${r}.created_at, 1, 10)`;
  return `UPDATE mission_persona_cube SET ${PERSONA_CUBE_MEASURES.map((k, i) => `${k} = ${k} - ${m[i]}`).join(', ')} WHERE ${where};
    DELETE FROM mission_persona_cube WHERE n <= 0 AND ${where};`;
};
const PERSONA_CUBE_COLUMNS = [
  'persona_id',
  'strategy',
  'created_at',
  'mission_score',
  'risk_level',
  'pr_url',
  'decision_state',
  'operator_override_status',
  'writeback_status',
  'status',
];

/** The columns of a mission the persona cube reads. */
export const PERSONA_CUBE_SOURCE_COLUMNS = PERSONA_CUBE_COLUMNS;

/** Add every mission of table `src` to the persona cube in one set-based statement (a bulk import's insert trigger). */
export function personaCubeAddSql(src: string): string {
  return `INSERT INTO mission_persona_cube (persona_id, strategy, day, ${PERSONA_CUBE_MEASURES.join(', ')})
    SELECT m.persona_id, COALESCE(m.strategy, 'none'), substr(m.created_at, 1, 10),
      ${personaMeasures('m')
        .map((x, i) => (i === 0 ? 'count(*)' : `total(${x})`))
        .join(', ')}
    FROM ${src} m WHERE true GROUP BY 1, 2, 3
    ON CONFLICT DO UPDATE SET ${PERSONA_CUBE_MEASURES.map((k) => `${k} = ${k} + excluded.${k}`).join(', ')}`;
}

const m042: Migration = {
  version: 42,
  name: 'missions: persona cube (trends, matrix, insights)',
  up(db) {
    db.exec(`
      CREATE TABLE mission_persona_cube (
        persona_id TEXT NOT NULL,
        strategy TEXT NOT NULL,
        day TEXT NOT NULL,
        ${PERSONA_CUBE_MEASURES.map((k) => `${k} ${k === 'score_sum' ? 'REAL' : 'INTEGER'} NOT NULL DEFAULT 0`).join(',\n        ')},
        PRIMARY KEY (persona_id, strategy, day)
      ) WITHOUT ROWID;
      CREATE INDEX mission_persona_cube_day ON mission_persona_cube (day);
      CREATE TRIGGER mission_persona_cube_insert AFTER INSERT ON missions BEGIN ${padd('new')} END;
      CREATE TRIGGER mission_persona_cube_delete AFTER DELETE ON missions BEGIN ${psub('old')} END;
      CREATE TRIGGER mission_persona_cube_update AFTER UPDATE OF ${PERSONA_CUBE_COLUMNS.join(', ')} ON missions
      WHEN ${PERSONA_CUBE_COLUMNS.filter((c) => c !== 'pr_url')
        .map((c) => `old.${c} IS NOT new.${c}`)
        .join(' OR ')}
        OR (old.pr_url IS NULL) IS NOT (new.pr_url IS NULL)
      BEGIN
        ${psub('old')}
        ${padd('new')}
      END;
      INSERT INTO mission_persona_cube (persona_id, strategy, day, ${PERSONA_CUBE_MEASURES.join(', ')})
        SELECT m.persona_id, COALESCE(m.strategy, 'none'), substr(m.created_at, 1, 10),
          ${personaMeasures('m')
            .map((x, i) => (i === 0 ? 'count(*)' : `total(${x})`))
            .join(', ')}
        FROM missions m GROUP BY 1, 2, 3;
    `);
  },
};

// Pattern derivation reads the finished missions grouped by persona, strategy and repo, newest first within a
// group (for the supporting run ids). This partial covering index holds exactly those rows in exactly that order,
// so the derivation's GROUP BYs stream through it and its support scan needs no sort, never touching the wide
// mission rows (whose context packets spill to overflow pages): ~13 s → well under a second at 100k missions.
const m043: Migration = {
  version: 43,
  name: 'missions: covering index for pattern derivation',
  up(db) {
    db.exec(`
      CREATE INDEX missions_pattern_history ON missions (persona_id, strategy, repo, created_at DESC, id DESC, status, mission_score,
        risk_level, pr_url, writeback_status, operator_override_status, mock)
        WHERE status IN ('succeeded', 'failed', 'cancelled');
    `);
  },
};

// The decision audit of a lineage (lineage/{root}/decision-audit, the Audit panel's root filter) used to walk the
// lineage: the root's missions by the root index, then each mission's events (1k descendants: 1k index seeks and a
// sort, ~10 ms per query). Each decision event now carries its mission's root, so a lineage's events are one index
// range: counted by (type, actor) and by run inside covering indexes, paged newest first by (root, id).
// The root is derived, never trusted: whatever an INSERT gives (a decision recorder, the base store, an imported
// bundle whose mission ids were remapped), a trigger sets it to the mission's root. The append-only rule stays:
// the one UPDATE the store accepts is that correction, with every other column unchanged. (The backfill drops the
// old no-update trigger first and recreates it with that exception.)
const DECISION_COLUMNS = ['id', 'mission_id', 'created_at', 'type', 'actor', 'note', 'data_json', 'previous_state', 'new_state', 'rule'];
export const DECISION_ROOT_OF = (r: 'new' | 'old') => `(SELECT m.root_mission_id FROM missions m WHERE m.id = ${r}.mission_id)`;
const m044: Migration = {
  version: 44,
  name: 'missions: decision events carry their lineage root (indexed audit of a lineage)',
  up(db) {
    db.exec(`
      ALTER TABLE mission_decisions ADD COLUMN root_mission_id TEXT;
      DROP TRIGGER mission_decisions_no_update;
      UPDATE mission_decisions SET root_mission_id = ${DECISION_ROOT_OF('old').replace('old.', 'mission_decisions.')} WHERE mission_id IS NOT NULL;
      CREATE TRIGGER mission_decisions_no_update BEFORE UPDATE ON mission_decisions
        WHEN NOT (new.root_mission_id IS ${DECISION_ROOT_OF('new')} AND ${DECISION_COLUMNS.map((c) => `new.${c} IS old.${c}`).join(' AND ')})
        BEGIN SELECT RAISE(ABORT, 'mission_decisions is append-only'); END;
      CREATE TRIGGER mission_decisions_root AFTER INSERT ON mission_decisions
        WHEN new.root_mission_id IS NOT ${DECISION_ROOT_OF('new')}
        BEGIN UPDATE mission_decisions SET root_mission_id = ${DECISION_ROOT_OF('new')} WHERE id = new.id; END;
      -- A lineage's counts by type and actor, and by run, each streamed from its index in GROUP BY order (no
      -- sort); its page, newest first, from (root, id).
      CREATE INDEX mission_decisions_root_stats ON mission_decisions (root_mission_id, type, actor) WHERE root_mission_id IS NOT NULL;
      CREATE INDEX mission_decisions_root_runs ON mission_decisions (root_mission_id, mission_id) WHERE root_mission_id IS NOT NULL;
      CREATE INDEX mission_decisions_root_page ON mission_decisions (root_mission_id, id) WHERE root_mission_id IS NOT NULL;
    `);
  },
};

// The persona portfolio of a lineage is a page of its branches best ranked first. Ranked in SQL over the root's
// rows, a 1k-branch lineage meant reading and sorting 1k wide rows per page (~3 ms quiet, far more under load);
// this index holds the branches of each root in rank order, so a page is a range of 100 entries and 100 row reads.
// The rank expression is the one the portfolio orders by (recommend.ts RANK_SQL is this text): the planner uses
// the index only for an identical expression, and a unit test checks the plan.
export const PERSONA_RANK_SQL = `(mission_score + (pr_url IS NOT NULL) * 10 - CASE risk_level WHEN 'high' THEN 25 WHEN 'medium' THEN 10 ELSE 0 END
  + (status = 'succeeded') * 10 - (status IN ('failed', 'cancelled', 'launch_failed')) * 30)`;
const m047: Migration = {
  version: 47,
  name: 'missions: the branches of a lineage in persona rank order',
  up(db) {
    db.exec(`CREATE INDEX missions_persona_rank ON missions (root_mission_id, ${PERSONA_RANK_SQL} DESC, id);`);
  },
};

// Cohorts and the observability insights also read refresh_count, which every watcher refresh bumps. Bumping the
// analytics generation for it would drop the whole cache (trends, matrix) on every refresh; a second counter in
// the same row moves only with refresh_count, and only the entries that read it (cohorts) check it.
const m048: Migration = {
  version: 48,
  name: 'missions: refresh generation for the cached cohorts',
  up(db) {
    db.exec(`
      ALTER TABLE mission_analytics_gen ADD COLUMN refresh_gen INTEGER NOT NULL DEFAULT 0;
      CREATE TRIGGER mission_gen_refresh AFTER UPDATE OF refresh_count ON missions
        WHEN old.refresh_count IS NOT new.refresh_count
        BEGIN UPDATE mission_analytics_gen SET refresh_gen = refresh_gen + 1 WHERE k = 1; END;
    `);
  },
};

export const missionsPersonasMigrations: readonly Migration[] = [m040, m041, m042, m043, m044, m047, m048];
