// Agent credentials in SQLite: issued with a random secret shown once, stored as its SHA-256, looked up by that
// hash, revocable. Also which credential proposed which action.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../store/db';
import type { AgentCredential } from '../../protocol/credentials';

/** Agent secrets start with this, so a leaked one is recognisable (secret scanners, logs). */
export const AGENT_SECRET_PREFIX = 'agt_';

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

interface Row {
  id: number;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

const COLS = 'id, name, prefix, created_at, last_used_at, revoked_at';

export function credentialStore(db: Db) {
  return {
    list(): AgentCredential[] {
      return db.prepare(`SELECT ${COLS} FROM agent_credentials ORDER BY id DESC`).all() as Row[];
    },
    get(id: number): AgentCredential | undefined {
      return db.prepare(`SELECT ${COLS} FROM agent_credentials WHERE id = ?`).get(id) as Row | undefined;
    },
    create(name: string): { credential: AgentCredential; secret: string } {
      const secret = AGENT_SECRET_PREFIX + randomBytes(32).toString('base64url');
      const now = new Date().toISOString();
      const info = db
        .prepare('INSERT INTO agent_credentials (name, secret_hash, prefix, created_at) VALUES (?, ?, ?, ?)')
        .run(name, sha256(secret), secret.slice(0, 10), now);
      return { credential: this.get(Number(info.lastInsertRowid))!, secret };
    },
    revoke(id: number): AgentCredential | undefined {
      db.prepare('UPDATE agent_credentials SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(new Date().toISOString(), id);
      return this.get(id);
    },
    /** The live credential whose secret this is (the secret is high-entropy, so a hash lookup leaks nothing useful). */
    bySecret(secret: string): AgentCredential | undefined {
      const row = db.prepare(`SELECT ${COLS} FROM agent_credentials WHERE secret_hash = ? AND revoked_at IS NULL`).get(sha256(secret)) as
        Row | undefined;
      if (row) db.prepare('UPDATE agent_credentials SET last_used_at = ? WHERE id = ?').run(new Date().toISOString(), row.id);
      return row;
    },
    recordProposer(actionId: number, credentialId: number): void {
      db.prepare('INSERT OR IGNORE INTO action_proposers (action_id, credential_id) VALUES (?, ?)').run(actionId, credentialId);
    },
    proposerOf(actionId: number): number | null {
      return (
        (db.prepare('SELECT credential_id AS c FROM action_proposers WHERE action_id = ?').get(actionId) as { c: number } | undefined)?.c ?? null
      );
    },
    actionsOf(credentialId: number, limit = 200): number[] {
      return (
        db
          .prepare('SELECT action_id AS a FROM action_proposers WHERE credential_id = ? ORDER BY action_id DESC LIMIT ?')
          .all(credentialId, limit) as { a: number }[]
      ).map((r) => r.a);
    },
  };
}
