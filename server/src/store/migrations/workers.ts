// Workers migrations (versions 70–79, see ./index.ts).
//   70 worker tokens (only a SHA-256 of the secret), workers, worker jobs (leases, attempts, fallback, result)
//   71 worker_jobs.started_ms: an action job's side effect started on its worker (never handed out again)
import type { Migration } from './index';

const m70: Migration = {
  version: 70,
  name: 'workers: tokens, workers, jobs',
  up(db) {
    db.exec(`
      CREATE TABLE worker_tokens (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        prefix TEXT NOT NULL,
        -- tool names of the 'action' jobs this worker may run (off by default: an empty list)
        allowed_actions_json TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL,
        last_used_at TEXT,
        revoked_at TEXT
      );
      CREATE TABLE workers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        token_id INTEGER REFERENCES worker_tokens(id) ON DELETE SET NULL,
        name TEXT NOT NULL,
        url TEXT,
        capabilities_json TEXT NOT NULL DEFAULT '[]',
        concurrency INTEGER NOT NULL DEFAULT 1,
        status TEXT NOT NULL DEFAULT 'idle',
        version TEXT,
        clock_skew_ms INTEGER,
        registered_at TEXT NOT NULL,
        last_heartbeat_ms INTEGER NOT NULL,
        -- set when the worker said goodbye or its token was revoked: never live again
        offline_reason TEXT
      );
      CREATE INDEX workers_token ON workers(token_id);
      CREATE INDEX workers_heartbeat ON workers(last_heartbeat_ms);
      CREATE TABLE worker_jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        job_type TEXT NOT NULL,
        payload_json TEXT NOT NULL,
        priority INTEGER NOT NULL DEFAULT 5,
        idempotency_key TEXT UNIQUE,
        state TEXT NOT NULL CHECK (state IN ('queued','leased','running_local','succeeded','failed','cancelled')),
        worker_only INTEGER NOT NULL DEFAULT 0,
        ref TEXT,
        -- the lease: who holds the job, its id (a completion must name it) and until when (epoch ms)
        worker_id INTEGER REFERENCES workers(id) ON DELETE SET NULL,
        lease_id TEXT,
        lease_deadline_ms INTEGER,
        attempts INTEGER NOT NULL DEFAULT 0,
        max_retries INTEGER NOT NULL DEFAULT 2,
        used_fallback_local INTEGER NOT NULL DEFAULT 0,
        fallback_reason TEXT,
        ran_on TEXT,
        result_json TEXT,
        error TEXT,
        created_at TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        claimed_ms INTEGER,
        finished_ms INTEGER
      );
      CREATE INDEX worker_jobs_queue ON worker_jobs(state, priority DESC, id);
      CREATE INDEX worker_jobs_lease ON worker_jobs(state, lease_deadline_ms);
      CREATE INDEX worker_jobs_worker ON worker_jobs(worker_id, state);
    `);
  },
};

const m71: Migration = {
  version: 71,
  name: 'workers: action jobs started under their lease',
  up(db) {
    db.exec('ALTER TABLE worker_jobs ADD COLUMN started_ms INTEGER');
  },
};

const m72: Migration = {
  version: 72,
  name: 'workers: when a job first started running (a worker claimed it, or the local fallback took it)',
  up(db) {
    db.exec('ALTER TABLE worker_jobs ADD COLUMN first_started_ms INTEGER');
    db.exec('UPDATE worker_jobs SET first_started_ms = claimed_ms WHERE claimed_ms IS NOT NULL');
  },
};

export const workersMigrations: readonly Migration[] = [m70, m71, m72];
