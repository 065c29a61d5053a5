// Core security migrations (versions 2–4 of the core range): agent credentials, which credential proposed which
// action, and the origin each stored integration API key is bound to.
import type { Migration } from './index';

const v2: Migration = {
  version: 2,
  name: 'core: agent credentials and action proposers',
  up(db) {
    db.exec(`
      -- Secrets are never stored: only their SHA-256 (they are 32 random bytes, so a plain hash is enough).
      CREATE TABLE agent_credentials (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        secret_hash TEXT NOT NULL UNIQUE,
        prefix TEXT NOT NULL,
        created_at TEXT NOT NULL,
        last_used_at TEXT,
        revoked_at TEXT
      );
      -- Which agent credential proposed an action: an agent sees only its own actions. The actions table is
      -- another area's; no foreign key, so this table never blocks that area's deletes.
      CREATE TABLE action_proposers (
        action_id INTEGER PRIMARY KEY,
        credential_id INTEGER NOT NULL REFERENCES agent_credentials(id) ON DELETE CASCADE
      );
      CREATE INDEX action_proposers_credential ON action_proposers(credential_id, action_id);
    `);
  },
};

const v3: Migration = {
  version: 3,
  name: 'core: integration API keys bound to an origin',
  up(db) {
    db.exec(`
      CREATE TABLE api_key_origins (
        system TEXT NOT NULL,
        key_hash TEXT NOT NULL,
        origin TEXT NOT NULL,
        bound_at TEXT NOT NULL,
        PRIMARY KEY (system, key_hash)
      );
    `);
  },
};

export const coreSecurityMigrations: readonly Migration[] = [v2, v3];
