// Workflows migrations (versions 60–69, see ./index.ts).
//   60 definitions (workflows, their ordered steps, a snapshot per version), runs (one row per run with the
//      definition snapshot it runs), run steps (the durable state of each step: the resume points), run events
//      (history and audit: every transition, skip reasons, operator commands).
import type { Migration } from './index';

const m60: Migration = {
  version: 60,
  name: 'workflows: definitions, versions, runs, run steps, run events',
  up(db) {
    db.exec(`
      CREATE TABLE workflows (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        params_schema TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1,
        cloned_from INTEGER REFERENCES workflows(id) ON DELETE SET NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      CREATE TABLE workflow_steps (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        workflow_id INTEGER NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        step_type TEXT NOT NULL CHECK (step_type IN ('model_call','action','tool','team_run','approval_gate','handoff')),
        tool_name TEXT,
        params TEXT NOT NULL,
        requires_approval INTEGER NOT NULL,
        timeout_seconds REAL NOT NULL,
        max_retries INTEGER NOT NULL,
        backoff_seconds REAL NOT NULL,
        on_failure TEXT NOT NULL CHECK (on_failure IN ('stop','continue','skip')),
        UNIQUE (workflow_id, position)
      );

      CREATE TABLE workflow_versions (
        workflow_id INTEGER NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        definition TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (workflow_id, version)
      );

      CREATE TABLE workflow_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        workflow_id INTEGER NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
        workflow_version INTEGER NOT NULL,
        definition TEXT NOT NULL,
        run_ref TEXT,
        mode TEXT NOT NULL CHECK (mode IN ('auto','stepwise')),
        worker_mode TEXT NOT NULL CHECK (worker_mode IN ('auto','prefer_worker','local')),
        status TEXT NOT NULL CHECK (status IN ('queued','running','paused','waiting_approval','completed','failed','cancelled')),
        pause_reason TEXT,
        step_budget INTEGER,
        inputs TEXT NOT NULL,
        outputs TEXT,
        error TEXT,
        replay_of INTEGER REFERENCES workflow_runs(id) ON DELETE SET NULL,
        replay_from INTEGER,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT
      );
      CREATE INDEX workflow_runs_by_workflow ON workflow_runs(workflow_id, id);
      CREATE INDEX workflow_runs_active ON workflow_runs(status) WHERE status IN ('queued','running','waiting_approval');

      CREATE TABLE workflow_run_steps (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id INTEGER NOT NULL REFERENCES workflow_runs(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        step_id INTEGER,
        name TEXT NOT NULL,
        step_type TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending','running','waiting_approval','retry_wait','done','failed','skipped','reused')),
        attempts INTEGER NOT NULL DEFAULT 0,
        operator_retries INTEGER NOT NULL DEFAULT 0,
        approved INTEGER NOT NULL DEFAULT 0,
        gate_action_id INTEGER,
        action_id INTEGER,
        external_ref TEXT,
        input TEXT,
        output TEXT,
        error TEXT,
        skip_reason TEXT,
        reused_from INTEGER,
        next_attempt_at TEXT,
        started_at TEXT,
        finished_at TEXT,
        duration_ms REAL,
        UNIQUE (run_id, position)
      );

      CREATE TABLE workflow_run_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id INTEGER NOT NULL REFERENCES workflow_runs(id) ON DELETE CASCADE,
        position INTEGER,
        event_type TEXT NOT NULL,
        actor TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX workflow_run_events_by_run ON workflow_run_events(run_id, id);
    `);
  },
};

const m61: Migration = {
  version: 61,
  name: 'workflows: run time limit, deadline, held since',
  up(db) {
    db.exec(`
      ALTER TABLE workflow_runs ADD COLUMN max_duration_seconds INTEGER;
      ALTER TABLE workflow_runs ADD COLUMN deadline_ms INTEGER;
      ALTER TABLE workflow_runs ADD COLUMN held_since_ms INTEGER;
    `);
  },
};

export const workflowsMigrations: readonly Migration[] = [m60, m61];
