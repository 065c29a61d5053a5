// Teams migrations (versions 55–59 of the chat/runs range, see ./index.ts).
//   55 agents (with their capability profile), teams, team members
import type { Migration } from './index';

const m55: Migration = {
  version: 55,
  name: 'teams: agents, teams, members',
  up(db) {
    db.exec(`
      CREATE TABLE agents (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        model TEXT,
        role TEXT NOT NULL,
        system_prompt TEXT NOT NULL,
        tools TEXT NOT NULL,
        memory_mode TEXT NOT NULL CHECK (memory_mode IN ('none','read','read_write')),
        max_tool_steps INTEGER NOT NULL,
        can_critique INTEGER NOT NULL,
        can_verify INTEGER NOT NULL,
        can_delegate INTEGER NOT NULL,
        can_use_workers INTEGER NOT NULL,
        confidence_weight REAL NOT NULL,
        run_id TEXT,
        cloned_from INTEGER REFERENCES agents(id) ON DELETE SET NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX agents_run ON agents(run_id, id);

      CREATE TABLE teams (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('fast','careful','debate','single_agent')),
        version INTEGER NOT NULL DEFAULT 1,
        template TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      CREATE TABLE team_members (
        team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE RESTRICT,
        position INTEGER NOT NULL,
        PRIMARY KEY (team_id, position)
      );
      CREATE INDEX team_members_agent ON team_members(agent_id);
    `);
  },
};

//   56 runs, their subgoals, messages, steps (one row per completed step: the resume point) and trace events
const m56: Migration = {
  version: 56,
  name: 'teams: runs, subgoals, messages, steps, events',
  up(db) {
    db.exec(`
      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        team_id INTEGER NOT NULL REFERENCES teams(id),
        prompt TEXT NOT NULL,
        mode TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued','running','paused','completed','stopped','failed','cancelled')),
        stop_reason TEXT, error TEXT,
        max_turns INTEGER NOT NULL, max_seconds REAL NOT NULL, token_budget INTEGER NOT NULL,
        consensus_threshold REAL NOT NULL, reflection INTEGER NOT NULL,
        turns_used INTEGER NOT NULL DEFAULT 0, tokens_used INTEGER NOT NULL DEFAULT 0, seconds_used REAL NOT NULL DEFAULT 0,
        plan TEXT, raw_plan TEXT, final_output TEXT,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL, finished_at TEXT
      );
      CREATE INDEX runs_created ON runs(created_at DESC, id);
      CREATE INDEX runs_status ON runs(status, created_at DESC);
      CREATE TABLE run_subgoals (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        subgoal_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        spec TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending','running','done','skipped')),
        output TEXT,
        PRIMARY KEY (run_id, subgoal_id)
      );
      CREATE TABLE run_steps (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        subgoal_id TEXT, agent_id INTEGER,
        output TEXT NOT NULL,
        prompt_tokens INTEGER NOT NULL, eval_tokens INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
      );
      CREATE TABLE run_messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        role TEXT NOT NULL, content TEXT NOT NULL, agent_id INTEGER, subgoal_id TEXT, meta TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX run_messages_run ON run_messages(run_id, id);
      CREATE TABLE run_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        agent_id INTEGER, event_type TEXT NOT NULL, payload TEXT NOT NULL, created_at TEXT NOT NULL
      );
      CREATE INDEX run_events_run ON run_events(run_id, id);
    `);
  },
};
//   57 two run states (waiting_approval: an agent's action waits for the operator; interrupted: a restart
//      found it and the operator chose not to resume), the action a run waits on, and the run's worker mode.
//      The status CHECK only widens, which SQLite's documented writable_schema edit allows without a table
//      rebuild (a rebuild would cascade-delete the run's subgoals, steps and messages through their foreign keys).
const m57: Migration = {
  version: 57,
  name: 'teams: waiting_approval and interrupted run states, waiting action, worker mode',
  up(db) {
    db.exec('ALTER TABLE runs ADD COLUMN waiting_action_id INTEGER');
    db.exec('ALTER TABLE runs ADD COLUMN worker_mode TEXT');
    const from = "CHECK (status IN ('queued','running','paused','completed','stopped','failed','cancelled'))";
    const to = "CHECK (status IN ('queued','running','waiting_approval','paused','completed','stopped','failed','cancelled','interrupted'))";
    const v = db.pragma('schema_version', { simple: true }) as number;
    db.unsafeMode(true);
    try {
      db.pragma('writable_schema = ON');
      const n = db.prepare(`UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = 'runs'`).run(from, to).changes;
      if (n !== 1) throw new Error('migration 57: runs table not found');
      db.pragma(`schema_version = ${v + 1}`);
      db.pragma('writable_schema = OFF');
    } finally {
      db.unsafeMode(false);
    }
    const sql = (db.prepare(`SELECT sql FROM sqlite_master WHERE name = 'runs'`).get() as { sql: string }).sql;
    if (!sql.includes("'waiting_approval'")) throw new Error('migration 57: the runs status check was not widened');
  },
};
//   58 indexes for the run list: newest first is a backwards scan of (created_at) — which also orders rowid
//      descending, the tie-break — and the same per status and per team, so no list sorts 100k rows.
const m58: Migration = {
  version: 58,
  name: 'teams: run list indexes',
  up(db) {
    db.exec(`
      CREATE INDEX runs_newest ON runs(created_at);
      CREATE INDEX runs_status_newest ON runs(status, created_at);
      CREATE INDEX runs_team_newest ON runs(team_id, created_at);
    `);
  },
};
//   59 the live events of runs as they were sent (one row per notification, its id is the SSE event id), so a
//      stream that connects late or reconnects with Last-Event-ID replays what it missed, each event once; and a
//      covering index of the usage columns, so the analytics overview aggregates the index, not the wide rows; and
//      the list's totals per (status, team) kept by triggers.
const m59: Migration = {
  version: 59,
  name: 'teams: run live events (stream replay), usage index',
  up(db) {
    db.exec(`
      CREATE TABLE run_live_events (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        payload TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX run_live_events_run ON run_live_events(run_id, id);
      CREATE INDEX runs_usage ON runs(status, mode, tokens_used, turns_used, seconds_used);
      -- The run list's total (X-Total-Count) per status and team, kept by triggers: a count is a few rows, not an
      -- index scan of every run.
      CREATE TABLE run_counts (
        status TEXT NOT NULL, team_id INTEGER NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (status, team_id)
      ) WITHOUT ROWID;
      INSERT INTO run_counts (status, team_id, n) SELECT status, team_id, count(*) FROM runs GROUP BY status, team_id;
      CREATE TRIGGER runs_count_insert AFTER INSERT ON runs BEGIN
        INSERT INTO run_counts (status, team_id, n) VALUES (NEW.status, NEW.team_id, 1)
          ON CONFLICT (status, team_id) DO UPDATE SET n = n + 1;
      END;
      CREATE TRIGGER runs_count_update AFTER UPDATE OF status, team_id ON runs
        WHEN OLD.status IS NOT NEW.status OR OLD.team_id IS NOT NEW.team_id BEGIN
        UPDATE run_counts SET n = n - 1 WHERE status = OLD.status AND team_id = OLD.team_id;
        INSERT INTO run_counts (status, team_id, n) VALUES (NEW.status, NEW.team_id, 1)
          ON CONFLICT (status, team_id) DO UPDATE SET n = n + 1;
      END;
      CREATE TRIGGER runs_count_delete AFTER DELETE ON runs BEGIN
        UPDATE run_counts SET n = n - 1 WHERE status = OLD.status AND team_id = OLD.team_id;
      END;
    `);
  },
};
export const teamsMigrations: readonly Migration[] = [m55, m56, m57, m58, m59];
