// Statement helpers shared by the areas.
//
// `sql`: a statement prepared once per database and reused (for SQL used outside an area's grouped statement sets).
//
// `allRows`: many-row reads as plain objects, built from better-sqlite3's raw arrays. Letting the driver build one object per
// row costs about twice as much for a thousand rows (measured on the 1k-branch portfolio read: ~8–10 ms against
// ~4 ms here), which is most of a 30 ms budget. Use it for list reads that return hundreds of rows.
import type { Statement } from 'better-sqlite3';
import type { Db } from './db';

const adHoc = new WeakMap<Db, Map<string, Statement>>();

export function sql(db: Db, text: string): Statement {
  let m = adHoc.get(db);
  if (!m) adHoc.set(db, (m = new Map()));
  let st = m.get(text);
  if (!st) m.set(text, (st = db.prepare(text)));
  return st;
}

const columnsOf = new WeakMap<Statement, string[]>();

export function allRows<T>(stmt: Statement, ...args: unknown[]): T[] {
  let cols = columnsOf.get(stmt);
  if (!cols) columnsOf.set(stmt, (cols = stmt.columns().map((c) => c.name)));
  const names = cols;
  const n = names.length;
  return (stmt.raw(true).all(...args) as unknown[][]).map((r) => {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) o[names[i]!] = r[i];
    return o as T;
  });
}
