// Persona trends, the persona × strategy matrix and their drill-downs (brief phases J–K): SQL aggregates over
// the narrow columns of one covering index (missions_persona_strategy, migration 40) — never whole rows, never
// whole tables in JS. A drill-down uses the very WHERE its aggregate used, plus the cell's keys, so it returns
// exactly the runs the cell counted.
import type { ServerContext } from '../../../context';
import type { Db } from '../../../store/db';
import type { TrendFilters } from '../../../protocol/missionsAudit';
import type { PersonaStats } from '../../../protocol/missionsPersonas';
import { notFound } from '../../../protocol/errors';

const DAY = 86_400_000;
const TERMINAL = "('succeeded', 'failed', 'cancelled')";

export interface Where {
  sql: string;
  args: Record<string, string>;
  since: string | null;
  filters: Record<string, string>;
  /** The same filter over the persona cube (migration 42), when the cube can answer it (no repo / status / lineage). */
  cube: { sql: string; args: Record<string, string> } | null;
}

/** The WHERE of an analytic: window, repo, strategy ("none" = no strategy), status, persona, root lineage. */
export function whereOf(f: Partial<TrendFilters> & { root_run_id?: string }, now = Date.now()): Where {
  const parts: string[] = [];
  const args: Record<string, string> = {};
  const filters: Record<string, string> = {};
  const window = f.window ?? 'all';
  filters.window = window;
  let since: string | null = null;
  const cube: string[] = [];
  const cubeArgs: Record<string, string> = {};
  if (window !== 'all') {
    // Whole UTC days (the cube's grain), so an aggregate and its drill-down count the same runs.
    const day = new Date(now - (window === '7d' ? 7 : 30) * DAY).toISOString().slice(0, 10);
    since = `${day}T00:00:00.000Z`;
    parts.push('created_at >= @since');
    args.since = since;
    cube.push('day >= @day');
    cubeArgs.day = day;
  }
  if (f.persona_id !== undefined) {
    cube.push('persona_id = @persona_id');
    cubeArgs.persona_id = f.persona_id;
  }
  if (f.strategy !== undefined) {
    cube.push('strategy = @strategy');
    cubeArgs.strategy = f.strategy;
  }
  if (f.persona_id !== undefined) {
    parts.push('persona_id = @persona_id');
    args.persona_id = filters.persona_id = f.persona_id;
  }
  if (f.strategy !== undefined) {
    filters.strategy = f.strategy;
    if (f.strategy === 'none') parts.push('strategy IS NULL');
    else {
      parts.push('strategy = @strategy');
      args.strategy = f.strategy;
    }
  }
  if (f.repo !== undefined) {
    parts.push('repo = @repo');
    args.repo = filters.repo = f.repo;
  }
  if (f.status !== undefined) {
    parts.push('status = @status');
    args.status = filters.status = f.status;
  }
  if (f.root_run_id !== undefined) {
    parts.push('root_mission_id = @root');
    args.root = filters.root_run_id = f.root_run_id;
  }
  const cubeable = f.repo === undefined && f.status === undefined && f.root_run_id === undefined;
  return {
    sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '',
    args,
    since,
    filters,
    cube: cubeable ? { sql: cube.length ? `WHERE ${cube.join(' AND ')}` : '', args: cubeArgs } : null,
  };
}

const MEASURES = `count(*) AS n,
  avg(mission_score) AS avg_score,
  total(risk_level = 'high') AS hi,
  total(pr_url IS NOT NULL) AS pr,
  total(decision_state = 'shortlisted') AS sl,
  total(decision_state = 'eliminated') AS el,
  total(operator_override_status != 'none') AS ov,
  total(writeback_status = 'succeeded') AS wb_ok,
  total(writeback_status IN ('succeeded', 'failed')) AS wb_tried,
  total(status = 'succeeded') AS t_ok,
  total(status IN ${TERMINAL}) AS t_done`;

interface MeasureRow {
  n: number;
  avg_score: number | null;
  hi: number;
  pr: number;
  sl: number;
  el: number;
  ov: number;
  wb_ok: number;
  wb_tried: number;
  t_ok: number;
  t_done: number;
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const rate = (a: number, b: number) => (b > 0 ? round(a / b) : null);

export function statsOf(persona_id: string, r: MeasureRow): PersonaStats {
  return {
    persona_id,
    count: r.n,
    average_score: r.avg_score === null ? null : round(r.avg_score, 1),
    high_risk_rate: rate(r.hi, r.n),
    pr_rate: rate(r.pr, r.n),
    shortlist_rate: rate(r.sl, r.n),
    elimination_rate: rate(r.el, r.n),
    override_rate: rate(r.ov, r.n),
    writeback_success_rate: rate(r.wb_ok, r.wb_tried),
    success_rate: rate(r.t_ok, r.t_done),
  };
}

const CUBE_MEASURES = `sum(n) AS n, sum(score_sum) / sum(n) AS avg_score, sum(hi) AS hi, sum(pr) AS pr, sum(sl) AS sl, sum(el) AS el, sum(ov) AS ov,
  sum(wb_ok) AS wb_ok, sum(wb_tried) AS wb_tried, sum(t_ok) AS t_ok, sum(t_done) AS t_done`;

/** The same aggregates over the persona cube (a few thousand rows whatever the number of missions). */
export const CUBE_SQL = {
  byPersona: (w: string) => `SELECT persona_id AS k, ${CUBE_MEASURES} FROM mission_persona_cube ${w} GROUP BY persona_id ORDER BY n DESC, persona_id`,
  matrix: (w: string) =>
    `SELECT persona_id AS k, strategy AS s, ${CUBE_MEASURES} FROM mission_persona_cube ${w} GROUP BY persona_id, strategy ORDER BY persona_id, s`,
  series: (w: string) =>
    `SELECT persona_id, day, sum(n) AS n, sum(score_sum) / sum(n) AS avg_score FROM mission_persona_cube ${w} GROUP BY persona_id, day ORDER BY day, persona_id`,
};

/** An aggregate's SQL and arguments: from the cube when it can answer, else over the covering index. */
export function aggregate(w: Where, kind: 'byPersona' | 'matrix' | 'series'): { sql: string; args: Record<string, string> } {
  return w.cube ? { sql: CUBE_SQL[kind](w.cube.sql), args: w.cube.args } : { sql: SQL[kind](w.sql), args: w.args };
}

/** SQL texts (exported so the benchmark prints the bare query beside the route). */
export const SQL = {
  byPersona: (w: string) => `SELECT persona_id AS k, ${MEASURES} FROM missions ${w} GROUP BY persona_id ORDER BY n DESC, persona_id`,
  matrix: (w: string) =>
    `SELECT persona_id AS k, COALESCE(strategy, 'none') AS s, ${MEASURES} FROM missions ${w} GROUP BY persona_id, strategy ORDER BY persona_id, s`,
  series: (w: string) =>
    `SELECT persona_id, substr(created_at, 1, 10) AS day, count(*) AS n, avg(mission_score) AS avg_score FROM missions ${w} GROUP BY persona_id, day ORDER BY day, persona_id`,
  drill: (w: string) =>
    `SELECT id AS run_id, created_at, repo, persona_id, strategy, status, mission_score, risk_level, decision_state, operator_override_status, pr_url
     FROM missions ${w} ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset`,
  count: (w: string) => `SELECT count(*) FROM missions ${w}`,
};

const stmtCache = new WeakMap<Db, Map<string, ReturnType<Db['prepare']>>>();
export function prep(db: Db, sql: string) {
  let m = stmtCache.get(db);
  if (!m) stmtCache.set(db, (m = new Map()));
  let s = m.get(sql);
  if (!s) m.set(sql, (s = db.prepare(sql)));
  return s;
}

/** The lineage root of a mission: one narrow column of its row (a route needs no more of it). */
export const ROOT_OF_SQL = 'SELECT root_mission_id FROM missions WHERE id = ?';

/** The root of a mission's lineage (404 for an unknown mission, as getRow). */
export function rootOf(ctx: ServerContext, id: string): string {
  const root = prep(ctx.db, ROOT_OF_SQL).pluck().get(id) as string | undefined;
  if (root === undefined) throw notFound('Mission', id);
  return root;
}

export function personaStats(ctx: ServerContext, w: Where): PersonaStats[] {
  const q = aggregate(w, 'byPersona');
  return (prep(ctx.db, q.sql).all(q.args) as (MeasureRow & { k: string })[]).map((r) => statsOf(r.k, r));
}

export function trends(ctx: ServerContext, f: TrendFilters) {
  const w = whereOf(f);
  const personas = personaStats(ctx, w);
  // The daily series: the window's days (for "all", the last 60 days that have missions).
  const sq = aggregate(w, 'series');
  const series = (prep(ctx.db, sq.sql).all(sq.args) as { persona_id: string; day: string; n: number; avg_score: number | null }[]).map((r) => ({
    persona_id: r.persona_id,
    day: r.day,
    count: r.n,
    average_score: r.avg_score === null ? null : round(r.avg_score, 1),
  }));
  const days = [...new Set(series.map((s) => s.day))].slice(-60);
  return {
    ok: true,
    window: f.window,
    since: w.since,
    filters: w.filters,
    personas,
    series: series.filter((s) => days.includes(s.day)),
    total: personas.reduce((n, p) => n + p.count, 0),
  };
}

export function matrix(ctx: ServerContext, f: TrendFilters) {
  const w = whereOf(f);
  const mq = aggregate(w, 'matrix');
  const rows = prep(ctx.db, mq.sql).all(mq.args) as (MeasureRow & { k: string; s: string })[];
  const cells = rows.map((r) => {
    const st = statsOf(r.k, r);
    return {
      persona_id: r.k,
      strategy: r.s,
      count: st.count,
      average_score: st.average_score,
      high_risk_rate: st.high_risk_rate,
      shortlist_rate: st.shortlist_rate,
      pr_rate: st.pr_rate,
      override_rate: st.override_rate,
    };
  });
  return {
    ok: true,
    window: f.window,
    since: w.since,
    filters: w.filters,
    personas: [...new Set(cells.map((c) => c.persona_id))].sort(),
    strategies: [...new Set(cells.map((c) => c.strategy))].sort(),
    cells,
    total: cells.reduce((n, c) => n + c.count, 0),
  };
}

export function drill(ctx: ServerContext, f: Partial<TrendFilters> & { root_run_id?: string }, page: { limit: number; offset: number }) {
  const w = whereOf(f);
  const total = prep(ctx.db, SQL.count(w.sql)).pluck().get(w.args) as number;
  const runs = prep(ctx.db, SQL.drill(w.sql)).all({ ...w.args, ...page }) as {
    run_id: string;
    created_at: string;
    repo: string;
    persona_id: string;
    strategy: string | null;
    status: string;
    mission_score: number;
    risk_level: string;
    decision_state: string;
    operator_override_status: string;
    pr_url: string | null;
  }[];
  return { ok: true, filters: w.filters, total, runs };
}
