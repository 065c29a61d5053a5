// Missions observability, retention and alerts (brief phases E–F). Versions 35–39.
//
// Analytics must answer in milliseconds at 100k missions, so nothing here scans the wide mission rows:
// - mission_rollup keeps one row per distinct (repo, persona, status, writeback, confidence, risk) with the
//   count and sums of score / refresh count / PR presence, maintained by triggers in the same transaction as the
//   mission write. metrics, insights and cohorts aggregate this small table (hundreds to a few thousand rows).
// - mission_counters holds the monotonic counters `GET metrics` reports (refresh attempts, writebacks by
//   outcome, terminal states reached by the watcher); the writeback and event counters are kept by triggers,
//   the refresh ones by the refresh path (latency is only known there).
import type { Migration } from './index';

const DIMS = 'repo, persona_id, status, writeback_status, confidence_level, risk_level';
const keyOf = (r: 'old' | 'new') => DIMS.split(', ').map((c) => `${c} = ${r}.${c}`).join(' AND ');

const m035: Migration = {
  version: 35,
  name: 'missions: analytics rollup and metrics counters',
  up(db) {
    db.exec(`
      ALTER TABLE missions ADD COLUMN refresh_count INTEGER NOT NULL DEFAULT 0;

      CREATE TABLE mission_rollup (
        repo TEXT NOT NULL,
        persona_id TEXT NOT NULL,
        status TEXT NOT NULL,
        writeback_status TEXT NOT NULL,
        confidence_level TEXT NOT NULL,
        risk_level TEXT NOT NULL,
        n INTEGER NOT NULL DEFAULT 0,
        score_sum REAL NOT NULL DEFAULT 0,
        refresh_sum INTEGER NOT NULL DEFAULT 0,
        pr_n INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (${DIMS})
      ) WITHOUT ROWID;

      CREATE TRIGGER mission_rollup_insert AFTER INSERT ON missions BEGIN
        INSERT INTO mission_rollup (${DIMS}, n, score_sum, refresh_sum, pr_n)
          VALUES (new.repo, new.persona_id, new.status, new.writeback_status, new.confidence_level, new.risk_level, 1, new.mission_score, new.refresh_count, new.pr_url IS NOT NULL)
          ON CONFLICT DO UPDATE SET n = n + 1, score_sum = score_sum + excluded.score_sum, refresh_sum = refresh_sum + excluded.refresh_sum, pr_n = pr_n + excluded.pr_n;
      END;
      CREATE TRIGGER mission_rollup_delete AFTER DELETE ON missions BEGIN
        UPDATE mission_rollup SET n = n - 1, score_sum = score_sum - old.mission_score, refresh_sum = refresh_sum - old.refresh_count, pr_n = pr_n - (old.pr_url IS NOT NULL) WHERE ${keyOf('old')};
        DELETE FROM mission_rollup WHERE ${keyOf('old')} AND n <= 0;
      END;
      -- The loop rewrites status / score / PR on every refresh even when unchanged: only real changes move counts.
      CREATE TRIGGER mission_rollup_update AFTER UPDATE OF ${DIMS}, mission_score, refresh_count, pr_url ON missions
      WHEN old.repo IS NOT new.repo OR old.persona_id IS NOT new.persona_id OR old.status IS NOT new.status
        OR old.writeback_status IS NOT new.writeback_status OR old.confidence_level IS NOT new.confidence_level
        OR old.risk_level IS NOT new.risk_level OR old.mission_score IS NOT new.mission_score
        OR old.refresh_count IS NOT new.refresh_count OR (old.pr_url IS NULL) IS NOT (new.pr_url IS NULL)
      BEGIN
        UPDATE mission_rollup SET n = n - 1, score_sum = score_sum - old.mission_score, refresh_sum = refresh_sum - old.refresh_count, pr_n = pr_n - (old.pr_url IS NOT NULL) WHERE ${keyOf('old')};
        DELETE FROM mission_rollup WHERE ${keyOf('old')} AND n <= 0;
        INSERT INTO mission_rollup (${DIMS}, n, score_sum, refresh_sum, pr_n)
          VALUES (new.repo, new.persona_id, new.status, new.writeback_status, new.confidence_level, new.risk_level, 1, new.mission_score, new.refresh_count, new.pr_url IS NOT NULL)
          ON CONFLICT DO UPDATE SET n = n + 1, score_sum = score_sum + excluded.score_sum, refresh_sum = refresh_sum + excluded.refresh_sum, pr_n = pr_n + excluded.pr_n;
      END;
      INSERT INTO mission_rollup (${DIMS}, n, score_sum, refresh_sum, pr_n)
        SELECT ${DIMS}, count(*), total(mission_score), total(refresh_count), total(pr_url IS NOT NULL) FROM missions GROUP BY ${DIMS};

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

export const missionsAnalyticsMigrations: readonly Migration[] = [m035];
