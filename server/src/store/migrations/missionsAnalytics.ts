// Missions observability, retention and alerts (brief phases E–F). Versions 35–39.
//
// Analytics must answer in milliseconds at 100k missions, so nothing here scans the wide mission rows:
// - mission_cube keeps, for every cohort dimension g and value, the count and sums a cohort needs (score,
//   refresh count, PR presence, writeback / terminal outcomes, risk levels) — unfiltered (fdim = '') and filtered
//   by one other dimension f = value. Triggers keep it in step in the same transaction as the mission write. Its
//   size is the sum of the products of the dimensions' cardinalities (a few thousand rows), not the number of
//   missions or of their combinations, so metrics, insights and cohorts read a handful of rows by index.
// - mission_counters holds the monotonic counters `GET metrics` reports (refresh attempts, writebacks by
//   outcome, terminal states reached by the watcher); the writeback and event counters are kept by triggers,
//   the refresh ones by the refresh path (latency is only known there).
import type { Migration } from './index';

/** The cohort dimensions (http-api.md `cohorts?group_by=`). '' is "all missions" (the overall row). */
export const CUBE_DIMS = ['repo', 'persona_id', 'status', 'writeback_status', 'confidence_level'] as const;

/** The measures of one mission as SQL over `r` (new / old). */
function measures(r: 'new' | 'old' | 'm'): string[] {
  return [
    '1',
    `${r}.mission_score`,
    `${r}.refresh_count`,
    `(${r}.pr_url IS NOT NULL)`,
    `(${r}.writeback_status = 'succeeded')`,
    `(${r}.writeback_status IN ('succeeded', 'failed'))`,
    `(${r}.status = 'succeeded')`,
    `(${r}.status IN ('succeeded', 'failed', 'cancelled'))`,
    `(${r}.risk_level = 'low')`,
    `(${r}.risk_level = 'medium')`,
    `(${r}.risk_level = 'high')`,
  ];
}
const MEASURE_COLS = ['n', 'score_sum', 'refresh_sum', 'pr_n', 'wb_ok', 'wb_tried', 't_ok', 't_done', 'r_low', 'r_medium', 'r_high'];

/** Every (fdim, fval, gdim, gval) cell one mission counts in: overall, per group, per (filter, group) pair. */
function cells(r: 'new' | 'old'): string {
  const rows: string[] = [`('', '', '', '')`];
  for (const g of CUBE_DIMS) {
    rows.push(`('', '', '${g}', ${r}.${g})`);
    for (const f of CUBE_DIMS) if (f !== g) rows.push(`('${f}', ${r}.${f}, '${g}', ${r}.${g})`);
  }
  return rows.join(', ');
}

/** Add (sign 1) or remove (sign -1) one mission's cells. */
function apply(r: 'new' | 'old', sign: 1 | -1): string {
  const m = measures(r);
  if (sign === 1) {
    return `INSERT INTO mission_cube (fdim, fval, gdim, gval, ${MEASURE_COLS.join(', ')})
      SELECT c.column1, c.column2, c.column3, c.column4, ${m.join(', ')} FROM (VALUES ${cells(r)}) AS c WHERE true
      ON CONFLICT DO UPDATE SET ${MEASURE_COLS.map((k) => `${k} = ${k} + excluded.${k}`).join(', ')};`;
  }
  return `UPDATE mission_cube SET ${MEASURE_COLS.map((k, i) => `${k} = ${k} - ${m[i]}`).join(', ')}
      WHERE (fdim, fval, gdim, gval) IN (VALUES ${cells(r)});
    DELETE FROM mission_cube WHERE n <= 0 AND (fdim, fval, gdim, gval) IN (VALUES ${cells(r)});`;
}

/** The columns of a mission the cube reads. */
export const CUBE_SOURCE_COLUMNS = [...CUBE_DIMS, 'risk_level', 'mission_score', 'refresh_count', 'pr_url'] as const;

/**
 * Add every mission of table `src` (CUBE_SOURCE_COLUMNS at least) to the cube in one set-based statement: what
 * the insert trigger does row by row (26 upserts a mission), for a bulk import (services/missions/exchange).
 */
export function cubeAddSql(src: string): string {
  // Each cell family (overall, per g, per (f, g)) grouped on its own: small sorts on one or two keys instead of one
  // sort of 26 rows a mission. The families' keys never overlap (fdim / gdim differ), so no outer GROUP BY.
  const sums = `count(*), ${measures('m')
    .slice(1)
    .map((x) => `total(${x})`)
    .join(', ')}`;
  const parts = [
    `SELECT '', '', '', '', ${sums} FROM ${src} m WHERE true`,
    ...CUBE_DIMS.flatMap((g) => [
      `SELECT '', '', '${g}', m.${g}, ${sums} FROM ${src} m WHERE true GROUP BY m.${g}`,
      ...CUBE_DIMS.filter((f) => f !== g).map(
        (f) => `SELECT '${f}', m.${f}, '${g}', m.${g}, ${sums} FROM ${src} m WHERE true GROUP BY m.${f}, m.${g}`,
      ),
    ]),
  ];
  return parts
    .map(
      (part) => `INSERT INTO mission_cube (fdim, fval, gdim, gval, ${MEASURE_COLS.join(', ')}) ${part}
    ON CONFLICT DO UPDATE SET ${MEASURE_COLS.map((k) => `${k} = ${k} + excluded.${k}`).join(', ')};`,
    )
    .join('\n');
}

const m035: Migration = {
  version: 35,
  name: 'missions: analytics cube and metrics counters',
  up(db) {
    db.exec(`
      ALTER TABLE missions ADD COLUMN refresh_count INTEGER NOT NULL DEFAULT 0;

      CREATE TABLE mission_cube (
        fdim TEXT NOT NULL,
        fval TEXT NOT NULL,
        gdim TEXT NOT NULL,
        gval TEXT NOT NULL,
        ${MEASURE_COLS.map((k) => `${k} ${k === 'score_sum' ? 'REAL' : 'INTEGER'} NOT NULL DEFAULT 0`).join(',\n        ')},
        PRIMARY KEY (fdim, fval, gdim, gval)
      ) WITHOUT ROWID;

      CREATE TRIGGER mission_cube_insert AFTER INSERT ON missions BEGIN
        ${apply('new', 1)}
      END;
      CREATE TRIGGER mission_cube_delete AFTER DELETE ON missions BEGIN
        ${apply('old', -1)}
      END;
      -- The loop rewrites status / score / PR on every refresh even when unchanged: only real changes move counts.
      CREATE TRIGGER mission_cube_update AFTER UPDATE OF ${CUBE_DIMS.join(', ')}, risk_level, mission_score, refresh_count, pr_url ON missions
      WHEN ${[...CUBE_DIMS, 'risk_level', 'mission_score', 'refresh_count'].map((c) => `old.${c} IS NOT new.${c}`).join(' OR ')}
        OR (old.pr_url IS NULL) IS NOT (new.pr_url IS NULL)
      BEGIN
        ${apply('old', -1)}
        ${apply('new', 1)}
      END;
      -- Backfill: one read of the narrow columns of the (wide) mission rows into a temp table, then the cells.
      CREATE TEMP TABLE cube_src AS SELECT ${CUBE_DIMS.join(', ')}, risk_level, mission_score, refresh_count, pr_url FROM missions;
      INSERT INTO mission_cube (fdim, fval, gdim, gval, ${MEASURE_COLS.join(', ')})
        SELECT c.fdim, c.fval, c.gdim, c.gval, ${MEASURE_COLS.map((k) => (k === 'n' ? 'count(*)' : `total(c.${k})`)).join(', ')}
        FROM (${[
          `SELECT '' AS fdim, '' AS fval, '' AS gdim, '' AS gval, ${measures('m')
            .map((x, i) => `${x} AS ${MEASURE_COLS[i]}`)
            .join(', ')} FROM cube_src m`,
          ...CUBE_DIMS.flatMap((g) =>
            [``, ...CUBE_DIMS.filter((f) => f !== g)].map(
              (f) => `SELECT '${f}', ${f ? `m.${f}` : "''"}, '${g}', m.${g}, ${measures('m').join(', ')} FROM cube_src m`,
            ),
          ),
        ].join(' UNION ALL ')}) AS c
        GROUP BY c.fdim, c.fval, c.gdim, c.gval;
      DROP TABLE temp.cube_src;

      CREATE TABLE mission_counters (name TEXT PRIMARY KEY, value REAL NOT NULL DEFAULT 0) WITHOUT ROWID;
      CREATE TRIGGER mission_counters_writeback AFTER INSERT ON mission_writebacks BEGIN
        INSERT INTO mission_counters (name, value) VALUES ('writebacks_' || new.status, 1) ON CONFLICT DO UPDATE SET value = value + 1;
      END;
      CREATE TRIGGER mission_counters_watcher_terminal AFTER INSERT ON mission_events
      WHEN new.type = 'state_changed' AND new.actor = 'watcher' AND new.to_status IN ('succeeded', 'failed', 'cancelled')
      BEGIN
        INSERT INTO mission_counters (name, value) VALUES ('terminal_runs_completed_by_watcher', 1) ON CONFLICT DO UPDATE SET value = value + 1;
      END;
      INSERT INTO mission_counters (name, value) SELECT 'writebacks_' || status, count(*) FROM mission_writebacks GROUP BY status;
      INSERT INTO mission_counters (name, value)
        SELECT 'terminal_runs_completed_by_watcher', count(*) FROM mission_events
        WHERE type = 'state_changed' AND actor = 'watcher' AND to_status IN ('succeeded', 'failed', 'cancelled');

      -- Retention: TTL deletes of the watcher log walk this index instead of the table.
      CREATE INDEX mission_watcher_events_created ON mission_watcher_events (created_at);
    `);
  },
};

// Alerts: an outbox filled by triggers in the same transaction as the change that raises them, so an alert is
// never lost (a crash after the commit delivers it on restart) and never doubled: UNIQUE (run, type, key) with
// INSERT OR IGNORE makes "once per transition" a property of the store. Keys: `terminal` and `high_risk` fire
// once per mission (a mission is terminal once; high risk is reported the first time it is reached, however many
// refreshes follow), `writeback_failed` once per failed attempt (its event id).
const m036: Migration = {
  version: 36,
  name: 'missions: alert outbox and delivery log',
  up(db) {
    db.exec(`
      CREATE TABLE mission_alert_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL,
        mission_id TEXT NOT NULL,
        alert_type TEXT NOT NULL,
        alert_key TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        delivered_at TEXT,
        response_status INTEGER,
        last_error TEXT,
        payload_json TEXT NOT NULL DEFAULT '{}',
        UNIQUE (mission_id, alert_type, alert_key)
      );
      CREATE INDEX mission_alert_events_due ON mission_alert_events (next_attempt_at) WHERE status = 'pending';
      CREATE INDEX mission_alert_events_created ON mission_alert_events (created_at);

      CREATE TRIGGER mission_alert_terminal AFTER INSERT ON mission_events
      WHEN new.type = 'state_changed' AND new.to_status IN ('succeeded', 'failed', 'cancelled')
      BEGIN
        INSERT OR IGNORE INTO mission_alert_events (created_at, mission_id, alert_type, alert_key, next_attempt_at, payload_json)
          VALUES (new.created_at, new.mission_id, 'terminal', 'terminal', new.created_at, json_object('from_status', new.from_status, 'to_status', new.to_status, 'message', new.message));
      END;
      CREATE TRIGGER mission_alert_writeback_failed AFTER INSERT ON mission_events
      WHEN new.type = 'writeback_failed'
      BEGIN
        INSERT OR IGNORE INTO mission_alert_events (created_at, mission_id, alert_type, alert_key, next_attempt_at, payload_json)
          VALUES (new.created_at, new.mission_id, 'writeback_failed', CAST(new.id AS TEXT), new.created_at, json_object('message', new.message));
      END;
      CREATE TRIGGER mission_alert_high_risk_insert AFTER INSERT ON missions WHEN new.risk_level = 'high'
      BEGIN
        INSERT OR IGNORE INTO mission_alert_events (created_at, mission_id, alert_type, alert_key, next_attempt_at, payload_json)
          VALUES (new.updated_at, new.id, 'high_risk', 'high_risk', new.updated_at, json_object('mission_score', new.mission_score, 'risk_level', new.risk_level));
      END;
      CREATE TRIGGER mission_alert_high_risk_update AFTER UPDATE OF risk_level ON missions
      WHEN new.risk_level = 'high' AND old.risk_level IS NOT 'high'
      BEGIN
        INSERT OR IGNORE INTO mission_alert_events (created_at, mission_id, alert_type, alert_key, next_attempt_at, payload_json)
          VALUES (new.updated_at, new.id, 'high_risk', 'high_risk', new.updated_at, json_object('mission_score', new.mission_score, 'risk_level', new.risk_level));
      END;
    `);
  },
};

export const missionsAnalyticsMigrations: readonly Migration[] = [m035, m036];
