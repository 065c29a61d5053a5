// The server's connection to the database: WAL, foreign keys on, a busy timeout, transactions that begin IMMEDIATE
// (immediate.ts: threads write beside it), and numbered migrations applied at open — each in its own transaction,
// recorded in `schema_version`.
import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { immediateByDefault } from './immediate';
import { migrations, type Migration } from './migrations';

export type Db = Database.Database;

/** How long a write waits for another connection's write lock. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * The compiled better-sqlite3 addon. In the bundled server (dist/server/*.js) it sits in dist/native/ beside
 * the bundle; running from sources (tests through tsx) the package finds its own build.
 */
export function nativeBindingPath(): string | undefined {
  if (process.env.AGENTORA_BUNDLED !== '1') return undefined;
  const candidate = path.join(__dirname, '..', 'native', 'better_sqlite3.node');
  return existsSync(candidate) ? candidate : undefined;
}

export interface OpenOptions {
  migrations?: readonly Migration[];
}

export function openDatabase(file: string, opts: OpenOptions = {}): Db {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const binding = nativeBindingPath();
  const db = immediateByDefault(new Database(file, binding ? { nativeBinding: binding } : {}), { announce: true, busyMs: BUSY_TIMEOUT_MS });
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.pragma('synchronous = NORMAL');
  // Statement journals (every write statement with triggers or ON CONFLICT keeps one) and temp B-trees in memory,
  // not in temp files: importing 10k missions made 1.4 million pwrite() calls to them, a third of its time.
  db.pragma('temp_store = MEMORY');
  migrate(db, opts.migrations ?? migrations);
  return db;
}

const versionStatements = new WeakMap<Db, Database.Statement>();
export function schemaVersion(db: Db): number {
  let st = versionStatements.get(db);
  // Prepared once per connection: the version and doctor routes ask on every call.
  if (!st) versionStatements.set(db, (st = db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM schema_version')));
  const row = st.get() as { v: number };
  return row.v;
}

export function latestVersion(list: readonly Migration[] = migrations): number {
  return list.reduce((m, x) => Math.max(m, x.version), 0);
}

export function migrate(db: Db, list: readonly Migration[]): { applied: number[] } {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const done = new Set((db.prepare('SELECT version FROM schema_version').all() as { version: number }[]).map((r) => r.version));
  const ordered = [...list].sort((a, b) => a.version - b.version);
  const seen = new Set<number>();
  for (const m of ordered) {
    if (seen.has(m.version)) throw new Error(`duplicate migration version ${m.version}`);
    seen.add(m.version);
  }
  const applied: number[] = [];
  for (const m of ordered) {
    if (done.has(m.version)) continue;
    db.transaction(() => {
      m.up(db);
      db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
    })();
    applied.push(m.version);
  }
  return { applied };
}
