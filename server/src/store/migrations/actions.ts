// Actions migrations (see the number ranges in ./index.ts).
import type { Migration } from './index';

const v10: Migration = {
  version: 10,
  name: 'actions: queue, executions, audit, rules, grants',
  up(db) {
    db.exec(`
      CREATE TABLE actions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT, agent_id TEXT, subgoal_id TEXT,
        action_class TEXT NOT NULL,
        tool_name TEXT NOT NULL,
        risk TEXT NOT NULL,
        params TEXT NOT NULL,
        summary TEXT NOT NULL,
        policy_decision TEXT NOT NULL CHECK (policy_decision IN ('auto_allow','ask','deny')),
        policy_rule TEXT,
        status TEXT NOT NULL CHECK (status IN ('pending','approved','denied','executed','failed')),
        approval_reason TEXT NOT NULL,
        can_remember INTEGER NOT NULL DEFAULT 0,
        scope_preview TEXT NOT NULL,
        requested_worker TEXT,
        decided_by TEXT, decision_reason TEXT,
        result TEXT, error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX actions_status ON actions(status, id);
      CREATE INDEX actions_run ON actions(run_id, id);

      -- UNIQUE(action_id): an action can be executed at most once, whatever the code above does.
      CREATE TABLE action_executions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        action_id INTEGER NOT NULL UNIQUE REFERENCES actions(id) ON DELETE CASCADE,
        ok INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        duration_ms INTEGER NOT NULL,
        result TEXT, error TEXT
      );

      CREATE TABLE action_audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        action_id INTEGER REFERENCES actions(id) ON DELETE CASCADE,
        event TEXT NOT NULL,
        actor TEXT NOT NULL,
        transport TEXT NOT NULL,
        reason TEXT, rule TEXT, scope_preview TEXT,
        at TEXT NOT NULL
      );
      CREATE INDEX action_audit_action ON action_audit(action_id, id);

      CREATE TABLE action_rules (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        tool_name TEXT NOT NULL,
        effect TEXT NOT NULL CHECK (effect IN ('allow','ask','deny')),
        path_root TEXT, argv TEXT, domain TEXT,
        enabled INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      CREATE TABLE action_grants (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        tool_name TEXT NOT NULL,
        scope TEXT NOT NULL CHECK (scope IN ('session','workspace')),
        scope_key TEXT NOT NULL,
        match_key TEXT NOT NULL,
        summary TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT,
        action_id INTEGER REFERENCES actions(id) ON DELETE SET NULL
      );
      CREATE INDEX action_grants_lookup ON action_grants(tool_name, scope, scope_key, match_key) WHERE revoked_at IS NULL;
    `);
  },
};

// v11: the execution states. `executing` is committed BEFORE the side effect starts; at start-up every action
// still `executing` (or `approved` but never started) becomes `interrupted` — never silently re-run.
// SQLite cannot ALTER a CHECK constraint, and rebuilding the table would cascade-delete the executions and the
// audit (ON DELETE CASCADE, foreign keys on inside the migration's transaction). A CHECK constraint change does
// not touch the stored format, so the documented writable_schema procedure is used
// (https://sqlite.org/lang_altertable.html#otheralter): rewrite the CREATE text, bump schema_version.
const v11: Migration = {
  version: 11,
  name: 'actions: executing and interrupted states',
  up(db) {
    const row = db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'actions'").get() as { sql: string };
    const old = "CHECK (status IN ('pending','approved','denied','executed','failed'))";
    if (!row.sql.includes(old)) throw new Error('actions table has an unexpected status CHECK; cannot migrate to v11');
    const next = row.sql.replace(old, "CHECK (status IN ('pending','approved','denied','executing','executed','failed','interrupted'))");
    const version = db.pragma('schema_version', { simple: true }) as number;
    db.unsafeMode(true);
    try {
      db.pragma('writable_schema = ON');
      db.prepare("UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = 'actions'").run(next);
      db.pragma(`schema_version = ${version + 1}`);
      db.pragma('writable_schema = OFF');
    } finally {
      db.unsafeMode(false);
    }
    const ok = db.pragma('integrity_check', { simple: true });
    if (ok !== 'ok') throw new Error(`integrity_check after v11: ${String(ok)}`);
    // What is known about an interrupted execution (JSON), and when it started.
    db.exec('ALTER TABLE actions ADD COLUMN started_at TEXT');
  },
};

export const actionsMigrations: readonly Migration[] = [v10, v11];
