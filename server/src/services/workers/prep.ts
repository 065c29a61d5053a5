// Prepared statements of the workers area, prepared once per database and SQL text.
import type { Db } from '../../store/db';

/** Statements prepared once per database (preparing dominated a claim / complete under load). */
type Stmt = import('better-sqlite3').Statement<unknown[]>;
const cache = new WeakMap<Db, Map<string, Stmt>>();
export function prep(db: Db, sql: string): Stmt {
  let m = cache.get(db);
  if (!m) cache.set(db, (m = new Map()));
  let st = m.get(sql);
  if (!st) m.set(sql, (st = db.prepare(sql) as Stmt));
  return st;
}
