// The read half of pattern derivation (brief phase L): persona × strategy outcomes of the finished missions,
// per repo and across repos, each group with its newest supporting run ids — two GROUP BYs over the
// pattern-history index (migration 43), read in one snapshot together with the analytics generation they reflect.
// Pure SQL on a connection, no server imports: it runs in the derivation worker (patternWorker.ts) on its own
// read-only connection, off the event loop, and in-process only for an in-memory store.
import type BetterSqlite3 from 'better-sqlite3';

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
  /** The group's newest supporting run ids (at most SUPPORT_IDS, newest first) as a JSON array, made by SQL. */
  support_json: string;
}

export interface History {
  /** The analytics generation the snapshot reflects (mission_analytics_gen, read in the same transaction). */
  generation: number;
  perRepo: Agg[];
  cross: Agg[];
  read_ms: number;
}

const AGG = `count(*) AS n, avg(mission_score) AS avg_score,
  avg(CASE risk_level WHEN 'high' THEN 2 WHEN 'medium' THEN 1 ELSE 0 END) AS avg_risk,
  total(pr_url IS NOT NULL) AS pr, total(writeback_status = 'succeeded') AS wb_ok, total(writeback_status IN ('succeeded', 'failed')) AS wb_tried,
  total(operator_override_status != 'none') AS ov, total(status = 'succeeded') AS ok, total(mock) AS mocks`;

// Every read goes through the partial covering index of migration 43 (terminal missions, in group order, newest
// first): the GROUP BYs stream, no wide mission row is read. A group's supporting runs are one index seek of at
// most SUPPORT_IDS entries (per repo: already newest first; across repos: a sort of that persona × strategy's
// runs), returned as one JSON text per group. Building them in JS from a scan of every terminal mission (70k rows
// at 100k missions) cost the worker 250 ms of row objects and garbage collection, and the server the
// deserialization of 86k strings in one message (a 45 ms stall of the event loop).
const FROM = (alias: string) =>
  `missions AS ${alias} INDEXED BY missions_pattern_history WHERE ${alias}.status IN ('succeeded', 'failed', 'cancelled')`;
const support = (sameRepo: boolean) => `(SELECT json_group_array(id ORDER BY created_at DESC, id DESC) FROM
    (SELECT s.id, s.created_at FROM ${FROM('s')} AND s.persona_id = m.persona_id AND s.strategy IS m.strategy
      ${sameRepo ? 'AND s.repo IS m.repo' : ''} ORDER BY s.created_at DESC, s.id DESC LIMIT ${SUPPORT_IDS})) AS support_json`;
export const HISTORY_SQL = {
  perRepo: `SELECT persona_id, COALESCE(strategy, 'none') AS strategy, repo, 1 AS repos, ${AGG}, ${support(true)}
    FROM ${FROM('m')} GROUP BY persona_id, m.strategy, repo`,
  cross: `SELECT persona_id, COALESCE(strategy, 'none') AS strategy, NULL AS repo, count(DISTINCT repo) AS repos, ${AGG}, ${support(false)}
    FROM ${FROM('m')} GROUP BY persona_id, m.strategy`,
};

export function readHistory(db: BetterSqlite3.Database): History {
  const started = performance.now();
  return db.transaction(() => {
    const generation = db.prepare('SELECT gen FROM mission_analytics_gen WHERE k = 1').pluck().get() as number;
    const perRepo = db.prepare(HISTORY_SQL.perRepo).all() as Agg[];
    const cross = db.prepare(HISTORY_SQL.cross).all() as Agg[];
    return { generation, perRepo, cross, read_ms: performance.now() - started };
  })();
}
