// The read half of pattern derivation (brief phase L): persona × strategy outcomes of the finished missions,
// per repo and across repos, with the newest supporting run ids of each group — two GROUP BYs and one ordered
// scan of the pattern-history index (migration 43), read in one snapshot together with the analytics generation they reflect. Pure SQL
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
  total(operator_override_status != 'none') AS ov, total(status = 'succeeded') AS ok, total(mock) AS mocks`;

// Every read goes through the partial covering index of migration 43 (terminal missions, in group order, newest
// first): the GROUP BYs stream, the support scan needs no sort, no wide mission row is read.
const FROM = `FROM missions INDEXED BY missions_pattern_history WHERE ${TERMINAL}`;
export const HISTORY_SQL = {
  perRepo: `SELECT persona_id, COALESCE(strategy, 'none') AS strategy, repo, 1 AS repos, ${AGG} ${FROM} GROUP BY persona_id, strategy, repo`,
  cross: `SELECT persona_id, COALESCE(strategy, 'none') AS strategy, NULL AS repo, count(DISTINCT repo) AS repos, ${AGG} ${FROM} GROUP BY persona_id, strategy`,
  /** Every group's runs, newest first (the index order): the first SUPPORT_IDS of each are its supporting runs. */
  support: `SELECT persona_id AS p, COALESCE(strategy, 'none') AS s, repo AS r, created_at AS t, id ${FROM}
    ORDER BY persona_id, strategy, repo, created_at DESC, id DESC`,
};

const newestFirst = (a: { t: string; id: string }, b: { t: string; id: string }) => (a.t === b.t ? (a.id < b.id ? 1 : -1) : a.t < b.t ? 1 : -1);

export function readHistory(db: BetterSqlite3.Database): History {
  const started = performance.now();
  return db.transaction(() => {
    const generation = db.prepare('SELECT gen FROM mission_analytics_gen WHERE k = 1').pluck().get() as number;
    const perRepo = db.prepare(HISTORY_SQL.perRepo).all() as Agg[];
    const cross = db.prepare(HISTORY_SQL.cross).all() as Agg[];
    // Per repo: the first SUPPORT_IDS rows of each group in index order. Across repos: the newest SUPPORT_IDS of
    // the union of its repos' lists (any run among a group's newest is among its own repo's newest).
    const perGroup = new Map<string, { t: string; id: string }[]>();
    const crossGroup = new Map<string, { t: string; id: string }[]>();
    // Rows as arrays (raw): tens of thousands of them, no object per row.
    for (const [p, st, repo, t, id] of db.prepare(HISTORY_SQL.support).raw().all() as [string, string, string, string, string][]) {
      const k = `${p}\u0000${st}\u0000${repo}`;
      let l = perGroup.get(k);
      const ck = `${p}\u0000${st}\u0000*`;
      if (!l) {
        perGroup.set(k, (l = []));
        if (!crossGroup.has(ck)) crossGroup.set(ck, []);
      }
      if (l.length < SUPPORT_IDS) {
        l.push({ t, id });
        crossGroup.get(ck)!.push({ t, id });
      }
    }
    const support = new Map<string, string[]>();
    for (const [k, l] of perGroup)
      support.set(
        k,
        l.map((x) => x.id),
      );
    for (const [k, l] of crossGroup)
      support.set(
        k,
        l
          .sort(newestFirst)
          .slice(0, SUPPORT_IDS)
          .map((x) => x.id),
      );
    return { generation, perRepo, cross, support: [...support], read_ms: performance.now() - started };
  })();
}
