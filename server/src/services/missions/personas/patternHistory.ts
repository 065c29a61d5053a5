// The read half of pattern derivation (brief phase L): persona × strategy outcomes of the finished missions,
// per repo and across repos, with the newest supporting run ids of each group — a few GROUP BYs over the
// covering persona index, read in one snapshot together with the analytics generation they reflect. Pure SQL
// on a connection, no server imports: it runs in the derivation worker (patternWorker.ts) on its own read-only
// connection, off the event loop, and in-process only for an in-memory store.
import type BetterSqlite3 from 'better-sqlite3';

const TERMINAL = "status IN ('succeeded', 'failed', 'cancelled')";
export const SUPPORT_IDS = 50;

export interface Agg {
  persona_id: string;
  strategy: string;
  repo: string | null;
  repos: number;
  n: number;
  avg_score: number;
  avg_risk: number;
  pr: number;
  wb_ok: number;
  wb_tried: number;
  ov: number;
  ok: number;
  mocks: number;
}

export interface History {
  /** The analytics generation the snapshot reflects (mission_analytics_gen, read in the same transaction). */
  generation: number;
  perRepo: Agg[];
  cross: Agg[];
  /** `${persona}\0${strategy}\0${repo | '*'}` → the newest supporting run ids (at most SUPPORT_IDS). */
  support: [string, string[]][];
  read_ms: number;
}

const AGG = `count(*) AS n, avg(mission_score) AS avg_score,
  avg(CASE risk_level WHEN 'high' THEN 2 WHEN 'medium' THEN 1 ELSE 0 END) AS avg_risk,
  total(pr_url IS NOT NULL) AS pr, total(writeback_status = 'succeeded') AS wb_ok, total(writeback_status IN ('succeeded', 'failed')) AS wb_tried,
  total(operator_override_status != 'none') AS ov, total(status = 'succeeded') AS ok, total(mock) AS mocks, count(DISTINCT repo) AS repos`;

export const HISTORY_SQL = {
  perRepo: `SELECT persona_id, COALESCE(strategy, 'none') AS strategy, repo, ${AGG} FROM missions WHERE ${TERMINAL} GROUP BY persona_id, strategy, repo`,
  cross: `SELECT persona_id, COALESCE(strategy, 'none') AS strategy, NULL AS repo, ${AGG} FROM missions WHERE ${TERMINAL} GROUP BY persona_id, strategy`,
  // The supporting runs of every group in one pass (newest first, at most SUPPORT_IDS each), not a query per group.
  support: `SELECT persona_id AS p, COALESCE(strategy, 'none') AS s, repo AS r, id, rn, rc FROM (
       SELECT persona_id, strategy, repo, id, created_at,
         row_number() OVER (PARTITION BY persona_id, strategy, repo ORDER BY created_at DESC, id DESC) AS rn,
         row_number() OVER (PARTITION BY persona_id, strategy ORDER BY created_at DESC, id DESC) AS rc
       FROM missions WHERE ${TERMINAL}) WHERE rn <= ${SUPPORT_IDS} OR rc <= ${SUPPORT_IDS} ORDER BY created_at DESC, id DESC`,
};

export function readHistory(db: BetterSqlite3.Database): History {
  const started = performance.now();
  return db.transaction(() => {
    const generation = db.prepare('SELECT gen FROM mission_analytics_gen WHERE k = 1').pluck().get() as number;
    const perRepo = db.prepare(HISTORY_SQL.perRepo).all() as Agg[];
    const cross = db.prepare(HISTORY_SQL.cross).all() as Agg[];
    const support = new Map<string, string[]>();
    const add = (k: string, id: string) => {
      const l = support.get(k) ?? [];
      if (l.length < SUPPORT_IDS) {
        l.push(id);
        support.set(k, l);
      }
    };
    for (const r of db.prepare(HISTORY_SQL.support).all() as { p: string; s: string; r: string; id: string; rn: number; rc: number }[]) {
      if (r.rn <= SUPPORT_IDS) add(`${r.p}\u0000${r.s}\u0000${r.r}`, r.id);
      if (r.rc <= SUPPORT_IDS) add(`${r.p}\u0000${r.s}\u0000*`, r.id);
    }
    return { generation, perRepo, cross, support: [...support], read_ms: performance.now() - started };
  })();
}
