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

export const teamsMigrations: readonly Migration[] = [m55];
