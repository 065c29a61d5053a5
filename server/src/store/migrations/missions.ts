// Missions migrations (see the number ranges in ./index.ts).
//
// The mission table is designed for what later issues add, so they need no rewrite:
// - lineage: parent_mission_id / root_mission_id (a root points at itself) / lineage_depth / fork_reason /
//   source_snapshot_hash / provenance_note;
// - branch sets: branch_set_id / branch_label / strategy;
// - personas: persona_id (+ overlay);
// - decisions: the mission_decisions table (shortlist, eliminate, overrides, policy blocks) and decision_state;
// - scores: mission_score / confidence_level / risk_level, stored so list filters and analytics run in SQL.
// mission_events is the append-only, typed timeline; mission_writebacks records every writeback attempt with
// the hash of the outcome it wrote (so duplicates can be skipped); mission_watcher_events is the watcher's log.
import type { Migration } from './index';

const m030: Migration = {
  version: 30,
  name: 'missions: missions, timeline, writebacks, decisions, watcher events',
  up(db) {
    db.exec(`
      CREATE TABLE missions (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        status TEXT NOT NULL,
        repo TEXT NOT NULL,
        persona_id TEXT NOT NULL,
        persona_overlay TEXT,
        mission_title TEXT NOT NULL,
        objective TEXT NOT NULL,
        operator_intent TEXT NOT NULL DEFAULT '',
        constraints_json TEXT NOT NULL DEFAULT '[]',
        acceptance_criteria_json TEXT NOT NULL DEFAULT '[]',
        session_id TEXT NOT NULL,
        packet_json TEXT NOT NULL,
        snapshot_hash TEXT NOT NULL,
        -- launch
        dry_run INTEGER NOT NULL DEFAULT 0,
        brief_markdown TEXT,
        launch_request_json TEXT,
        launched_at TEXT,
        job_id TEXT,
        job_state TEXT,
        job_raw_status TEXT,
        job_stale INTEGER NOT NULL DEFAULT 0,
        job_live INTEGER NOT NULL DEFAULT 1,
        job_event_cursor INTEGER NOT NULL DEFAULT 0,
        -- outcome
        branch TEXT,
        pr_url TEXT,
        issue_url TEXT,
        summary TEXT,
        grade TEXT,
        artifacts_json TEXT NOT NULL DEFAULT '[]',
        completed_at TEXT,
        last_refreshed_at TEXT,
        outcome_hash TEXT,
        -- watcher
        watched INTEGER NOT NULL DEFAULT 0,
        refresh_failures INTEGER NOT NULL DEFAULT 0,
        next_refresh_at TEXT,
        -- writeback
        writeback_status TEXT NOT NULL DEFAULT 'none',
        last_writeback_at TEXT,
        last_writeback_hash TEXT,
        last_auto_writeback_at TEXT,
        -- scores (heuristic)
        mission_score REAL NOT NULL DEFAULT 0,
        confidence_level TEXT NOT NULL DEFAULT 'low',
        risk_level TEXT NOT NULL DEFAULT 'low',
        -- errors
        last_error TEXT,
        fix_hint TEXT,
        -- lineage (later issues)
        parent_mission_id TEXT REFERENCES missions(id),
        root_mission_id TEXT NOT NULL,
        lineage_depth INTEGER NOT NULL DEFAULT 0,
        fork_reason TEXT,
        source_snapshot_hash TEXT,
        provenance_note TEXT,
        -- branch sets (later issues)
        branch_set_id TEXT,
        branch_label TEXT,
        strategy TEXT,
        -- decisions (later issues)
        decision_state TEXT NOT NULL DEFAULT 'none'
      );
      -- List filters. Each filter column leads an index that continues with the list order (created_at, id) and
      -- then carries the other filter columns, so any combination of filters is counted and narrowed inside one
      -- index (no row lookups) and only the page's rows are read from the table.
      CREATE INDEX missions_order ON missions (created_at, id, status, repo, persona_id, writeback_status, confidence_level, mission_score);
      CREATE INDEX missions_status ON missions (status, created_at, id, repo, persona_id, writeback_status, confidence_level, mission_score);
      CREATE INDEX missions_repo ON missions (repo, created_at, id, status, persona_id, writeback_status, confidence_level, mission_score);
      CREATE INDEX missions_persona ON missions (persona_id, created_at, id, status, repo, writeback_status, confidence_level, mission_score);
      CREATE INDEX missions_writeback ON missions (writeback_status, created_at, id, status, repo, persona_id, confidence_level, mission_score);
      CREATE INDEX missions_confidence ON missions (confidence_level, created_at, id, status, repo, persona_id, writeback_status, mission_score);
      CREATE INDEX missions_score ON missions (mission_score, created_at, id, status, repo, persona_id, writeback_status, confidence_level);
      -- Search: full-text over title, objective and repo (external content, kept in step by triggers).
      CREATE VIRTUAL TABLE missions_fts USING fts5(mission_title, objective, repo, content='missions', content_rowid='rowid', tokenize='unicode61');
      CREATE TRIGGER missions_fts_insert AFTER INSERT ON missions BEGIN
        INSERT INTO missions_fts (rowid, mission_title, objective, repo) VALUES (new.rowid, new.mission_title, new.objective, new.repo);
      END;
      CREATE TRIGGER missions_fts_delete AFTER DELETE ON missions BEGIN
        INSERT INTO missions_fts (missions_fts, rowid, mission_title, objective, repo) VALUES ('delete', old.rowid, old.mission_title, old.objective, old.repo);
      END;
      CREATE TRIGGER missions_fts_update AFTER UPDATE OF mission_title, objective, repo ON missions BEGIN
        INSERT INTO missions_fts (missions_fts, rowid, mission_title, objective, repo) VALUES ('delete', old.rowid, old.mission_title, old.objective, old.repo);
        INSERT INTO missions_fts (rowid, mission_title, objective, repo) VALUES (new.rowid, new.mission_title, new.objective, new.repo);
      END;
      CREATE INDEX missions_job ON missions (job_id);
      CREATE INDEX missions_root ON missions (root_mission_id, created_at);
      CREATE INDEX missions_parent ON missions (parent_mission_id);
      CREATE INDEX missions_branch_set ON missions (branch_set_id);
      -- The watcher's work list stays small however many missions exist.
      CREATE INDEX missions_watched ON missions (watched, status) WHERE watched = 1;
      CREATE INDEX missions_writeback_pending ON missions (writeback_status) WHERE writeback_status = 'pending';

      CREATE TABLE mission_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        mission_id TEXT NOT NULL REFERENCES missions(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        type TEXT NOT NULL,
        from_status TEXT,
        to_status TEXT,
        message TEXT NOT NULL DEFAULT '',
        data_json TEXT NOT NULL DEFAULT '{}',
        actor TEXT NOT NULL DEFAULT 'system'
      );
      CREATE INDEX mission_events_mission ON mission_events (mission_id, id);
      CREATE INDEX mission_events_type ON mission_events (type, created_at);
      -- Append-only: the timeline is an audit trail.
      CREATE TRIGGER mission_events_no_update BEFORE UPDATE ON mission_events
        BEGIN SELECT RAISE(ABORT, 'mission_events is append-only'); END;

      CREATE TABLE mission_writebacks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        mission_id TEXT NOT NULL REFERENCES missions(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        trigger TEXT NOT NULL,
        status TEXT NOT NULL,
        outcome_hash TEXT NOT NULL,
        request_json TEXT NOT NULL DEFAULT '{}',
        ref TEXT,
        error_code TEXT,
        message TEXT NOT NULL DEFAULT '',
        fix_hint TEXT,
        operator_notes TEXT NOT NULL DEFAULT '',
        tags_json TEXT NOT NULL DEFAULT '[]'
      );
      CREATE INDEX mission_writebacks_mission ON mission_writebacks (mission_id, id);
      CREATE INDEX mission_writebacks_outcome ON mission_writebacks (mission_id, outcome_hash, status);

      CREATE TABLE mission_decisions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        mission_id TEXT REFERENCES missions(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        type TEXT NOT NULL,
        actor TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        data_json TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX mission_decisions_mission ON mission_decisions (mission_id, id);
      CREATE INDEX mission_decisions_type ON mission_decisions (type, created_at);

      CREATE TABLE mission_watcher_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL,
        kind TEXT NOT NULL,
        mission_id TEXT,
        message TEXT NOT NULL DEFAULT '',
        data_json TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX mission_watcher_events_mission ON mission_watcher_events (mission_id, id);
    `);
  },
};

const m031: Migration = {
  version: 31,
  name: 'missions: launch intent (crash-safe launch), mock flag',
  up(db) {
    db.exec(`
      -- Written (with the idempotency key AgentCeption can be asked about: issue number / label, repo, time) and
      -- committed before the dispatch is sent; cleared when the answer is stored. A row that still has one after
      -- a restart was interrupted mid-launch: the server asks AgentCeption and attaches the run, or marks the
      -- mission launch_unknown with the fix.
      ALTER TABLE missions ADD COLUMN launch_intent TEXT;
      CREATE INDEX missions_launch_intent ON missions (id) WHERE launch_intent IS NOT NULL;
      -- 1 = prepared or launched against the mock integrations: its outcome, PR link and memory are not real.
      ALTER TABLE missions ADD COLUMN mock INTEGER NOT NULL DEFAULT 0;
    `);
  },
};

const m037: Migration = {
  version: 37,
  name: 'missions: replay kind, immutable provenance',
  up(db) {
    db.exec(`
      -- How a fork was made from its source (exact | edited | retry | what_if); NULL for a mission prepared anew.
      ALTER TABLE missions ADD COLUMN replay_kind TEXT;
      -- Provenance is written once, at insert: parent, root, depth, source snapshot hash, replay kind and the origin
      -- time can never change afterwards, whatever code runs (the store refuses, not only the service layer).
      CREATE TRIGGER missions_provenance_immutable
        BEFORE UPDATE OF parent_mission_id, root_mission_id, lineage_depth, source_snapshot_hash, replay_kind, created_at ON missions
        WHEN OLD.parent_mission_id IS NOT NEW.parent_mission_id OR OLD.root_mission_id IS NOT NEW.root_mission_id
          OR OLD.lineage_depth IS NOT NEW.lineage_depth OR OLD.source_snapshot_hash IS NOT NEW.source_snapshot_hash
          OR OLD.replay_kind IS NOT NEW.replay_kind OR OLD.created_at IS NOT NEW.created_at
      BEGIN
        SELECT RAISE(ABORT, 'mission provenance is immutable');
      END;
    `);
  },
};

export const missionsMigrations: readonly Migration[] = [m030, m031, m037];
