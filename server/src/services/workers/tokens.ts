// Worker tokens: issued by the operator (shown once), stored as a SHA-256, looked up by that hash, revocable.
import { createHash, randomBytes } from 'node:crypto';
import type { ServerContext } from '../../context';
import type { Db } from '../../store/db';
import { prep } from './prep';
import type { WorkerToken } from '../../protocol/workers';

/** Worker secrets start with this, so a leaked one is recognisable (secret scanners, logs). */
export const WORKER_SECRET_PREFIX = 'wkr_';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

interface Row {
  id: number;
  name: string;
  prefix: string;
  allowed_actions_json: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}
const COLS = 'id, name, prefix, allowed_actions_json, created_at, last_used_at, revoked_at';
const toToken = (r: Row): WorkerToken => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  allowed_actions: JSON.parse(r.allowed_actions_json) as string[],
  created_at: r.created_at,
  last_used_at: r.last_used_at,
  revoked_at: r.revoked_at,
});

export function tokenStore(db: Db) {
  return {
    list(): WorkerToken[] {
      return (prep(db, `SELECT ${COLS} FROM worker_tokens ORDER BY id DESC`).all() as Row[]).map(toToken);
    },
    get(id: number): WorkerToken | undefined {
      const r = prep(db, `SELECT ${COLS} FROM worker_tokens WHERE id = ?`).get(id) as Row | undefined;
      return r && toToken(r);
    },
    create(name: string, allowedActions: string[]): { item: WorkerToken; token: string } {
      const token = WORKER_SECRET_PREFIX + randomBytes(32).toString('base64url');
      const info = prep(db, 'INSERT INTO worker_tokens (name, token_hash, prefix, allowed_actions_json, created_at) VALUES (?, ?, ?, ?, ?)').run(
        name,
        sha256(token),
        token.slice(0, 10),
        JSON.stringify(allowedActions),
        new Date().toISOString(),
      );
      return { item: this.get(Number(info.lastInsertRowid))!, token };
    },
    setAllowed(id: number, allowedActions: string[]): void {
      prep(db, 'UPDATE worker_tokens SET allowed_actions_json = ? WHERE id = ?').run(JSON.stringify(allowedActions), id);
    },
    revoke(id: number): void {
      prep(db, 'UPDATE worker_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(new Date().toISOString(), id);
      // Forget it before anything else can run: the very next request with this secret is looked up, and refused.
      const m = verified.get(db);
      if (m) for (const [secret, t] of m) if (t.id === id) m.delete(secret);
    },
    bySecret(secret: string): WorkerToken | undefined {
      const r = prep(db, `SELECT ${COLS} FROM worker_tokens WHERE token_hash = ? AND revoked_at IS NULL`).get(sha256(secret)) as Row | undefined;
      return r && toToken(r);
    },
  };
}

/**
 * Verified worker secrets, per database: a worker sends its token with every claim, result and heartbeat, and a
 * SHA-256 plus a lookup per request was a measurable share of the server's CPU under load (bench/workers.ts).
 * Only live tokens that were just verified are kept (so the map is as small as the set of tokens in use); revoking
 * one (`tokenStore().revoke`, the only way a token stops being live) deletes its entries in the same call.
 */
const verified = new WeakMap<Db, Map<string, { id: number; name: string }>>();
const VERIFIED_MAX = 1000;

/** Only the last-used time is written per request, at most once a minute (heartbeats are frequent). */
const lastTouch = new Map<number, number>();
export function workerBySecret(ctx: ServerContext, secret: string): { id: number; name: string } | undefined {
  if (!secret.startsWith(WORKER_SECRET_PREFIX)) return undefined;
  let m = verified.get(ctx.db);
  if (!m) verified.set(ctx.db, (m = new Map()));
  let t: { id: number; name: string } | undefined = m.get(secret);
  if (!t) {
    const row = tokenStore(ctx.db).bySecret(secret);
    if (!row) return undefined;
    if (m.size >= VERIFIED_MAX) m.clear();
    m.set(secret, (t = { id: row.id, name: row.name }));
  }
  const now = Date.now();
  if ((lastTouch.get(t.id) ?? 0) < now - 60_000) {
    lastTouch.set(t.id, now);
    prep(ctx.db, 'UPDATE worker_tokens SET last_used_at = ? WHERE id = ?').run(new Date(now).toISOString(), t.id);
  }
  return { id: t.id, name: t.name };
}

/** The command an operator runs on the worker machine (the token goes in the environment, not the process list). */
export const workerCommandLine = (apiUrl: string, fingerprint: string | null = null) =>
  `AGENTORA_WORKER_TOKEN=<token> agentora worker --server ${apiUrl.replace(/\/+$/, '')}${fingerprint ? ` --fingerprint ${fingerprint}` : ''}`;
