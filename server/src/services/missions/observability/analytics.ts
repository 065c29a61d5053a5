// Insights and cohorts: reads of mission_cube (per cohort dimension and value, unfiltered or filtered by one
// other dimension; kept by triggers — see store/migrations/missionsAnalytics.ts). A cube read is an index range
// of a few dozen rows whatever the number of missions. Two or more filters at once are not in the cube: those
// aggregate the matching missions in SQL (narrowed by the filter columns' indexes).
import type { Db } from '../../../store/db';
import type { AnalyticsFilters, CohortDimension, CohortGroup } from '../../../protocol/missionsObservability';

const FILTER_COLUMNS = ['repo', 'persona_id', 'status', 'writeback_status', 'confidence_level'] as const;
const TERMINAL = "('succeeded', 'failed', 'cancelled')";

const CUBE_MEASURES = 'n AS count, score_sum, refresh_sum, pr_n, wb_ok, wb_tried, t_ok, t_done, r_low, r_medium, r_high';
/** The same measures over mission rows (the multi-filter fallback). */
const ROW_MEASURES = `count(*) AS count,
  total(mission_score) AS score_sum,
  total(refresh_count) AS refresh_sum,
  total(pr_url IS NOT NULL) AS pr_n,
  total(writeback_status = 'succeeded') AS wb_ok,
  total(writeback_status IN ('succeeded', 'failed')) AS wb_tried,
  total(status = 'succeeded') AS t_ok,
  total(status IN ${TERMINAL}) AS t_done,
  total(risk_level = 'low') AS r_low,
  total(risk_level = 'medium') AS r_medium,
  total(risk_level = 'high') AS r_high`;

interface GroupRow {
  grp: string | null;
  count: number;
  score_sum: number;
  refresh_sum: number;
  pr_n: number;
  wb_ok: number;
  wb_tried: number;
  t_ok: number;
  t_done: number;
  r_low: number;
  r_medium: number;
  r_high: number;
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;
const ratio = (a: number, b: number) => (b > 0 ? round(a / b) : null);

export function toGroup(r: GroupRow): CohortGroup {
  const risks = { low: r.r_low, medium: r.r_medium, high: r.r_high };
  // The most frequent risk level; on a tie the more severe one (an operator would rather see it).
  const top = (['high', 'medium', 'low'] as const).reduce<'low' | 'medium' | 'high' | null>(
    (best, k) => (risks[k] > 0 && (best === null || risks[k] > risks[best]) ? k : best),
    null,
  );
  return {
    group: r.grp ?? 'all',
    count: r.count ?? 0,
    average_mission_score: r.count ? round(r.score_sum / r.count, 1) : null,
    average_refresh_count: r.count ? round(r.refresh_sum / r.count, 2) : null,
    writeback_success_rate: ratio(r.wb_ok, r.wb_tried),
    terminal_success_rate: ratio(r.t_ok, r.t_done),
    average_pr_presence_rate: ratio(r.pr_n, r.count),
    top_risk_signal: top,
    risk_counts: risks,
  };
}

/** The SQL of one aggregate (exported so the benchmark can time the bare query beside the route). */
export function aggregateSql(dim: CohortDimension | null, f: AnalyticsFilters): { sql: string; args: Record<string, string> } {
  const filters = FILTER_COLUMNS.filter((c) => f[c] !== undefined);
  const order = dim ? ' ORDER BY count DESC, grp' : '';
  if (filters.length === 0) {
    return dim
      ? { sql: `SELECT gval AS grp, ${CUBE_MEASURES} FROM mission_cube WHERE fdim = '' AND fval = '' AND gdim = '${dim}'${order}`, args: {} }
      : { sql: `SELECT NULL AS grp, ${CUBE_MEASURES} FROM mission_cube WHERE fdim = '' AND fval = '' AND gdim = '' AND gval = ''`, args: {} };
  }
  if (filters.length === 1) {
    const fc = filters[0]!;
    const v = { v: f[fc]! };
    // Grouping by the filtered dimension itself (or not grouping): its single group from the unfiltered cells.
    if (!dim || dim === fc)
      return {
        sql: `SELECT ${dim ? 'gval' : 'NULL'} AS grp, ${CUBE_MEASURES} FROM mission_cube WHERE fdim = '' AND fval = '' AND gdim = '${fc}' AND gval = @v`,
        args: v,
      };
    return { sql: `SELECT gval AS grp, ${CUBE_MEASURES} FROM mission_cube WHERE fdim = '${fc}' AND fval = @v AND gdim = '${dim}'${order}`, args: v };
  }
  const args: Record<string, string> = {};
  for (const c of filters) args[c] = f[c]!;
  const where = `WHERE ${filters.map((c) => `${c} = @${c}`).join(' AND ')}`;
  return dim
    ? { sql: `SELECT ${dim} AS grp, ${ROW_MEASURES} FROM missions ${where} GROUP BY ${dim}${order}`, args }
    : { sql: `SELECT NULL AS grp, ${ROW_MEASURES} FROM missions ${where}`, args };
}

function makeAnalytics(db: Db) {
  const stmts = new Map<string, ReturnType<Db['prepare']>>();
  const run = (dim: CohortDimension | null, f: AnalyticsFilters): GroupRow[] => {
    // Few distinct SQL texts (dimension × filter columns): cached per text.
    const { sql, args } = aggregateSql(dim, f);
    let s = stmts.get(sql);
    if (!s) stmts.set(sql, (s = db.prepare(sql)));
    return s.all(args) as GroupRow[];
  };
  return {
    groups(dim: CohortDimension, f: AnalyticsFilters): CohortGroup[] {
      return run(dim, f).map(toGroup);
    },
    overall(f: AnalyticsFilters): CohortGroup {
      const r = run(null, f)[0];
      return toGroup(
        r && r.count
          ? r
          : ({
              grp: null,
              count: 0,
              score_sum: 0,
              refresh_sum: 0,
              pr_n: 0,
              wb_ok: 0,
              wb_tried: 0,
              t_ok: 0,
              t_done: 0,
              r_low: 0,
              r_medium: 0,
              r_high: 0,
            } as GroupRow),
      );
    },
  };
}

const cache = new WeakMap<Db, ReturnType<typeof makeAnalytics>>();
export function analytics(db: Db): ReturnType<typeof makeAnalytics> {
  let a = cache.get(db);
  if (!a) cache.set(db, (a = makeAnalytics(db)));
  return a;
}

export function cohortsOf(db: Db, groupBy: CohortDimension, f: AnalyticsFilters, limit: number) {
  const a = analytics(db);
  const all = a.groups(groupBy, f);
  return {
    ok: true,
    group_by: groupBy,
    filters: f,
    total: all.reduce((s, g) => s + g.count, 0),
    groups: all.slice(0, limit),
    heuristic: true as const,
  };
}

export function cohortsSummaryOf(db: Db, f: AnalyticsFilters) {
  const a = analytics(db);
  const dims: CohortDimension[] = ['repo', 'persona_id', 'status', 'writeback_status', 'confidence_level'];
  const dimensions = dims.map((d) => {
    const gs = a.groups(d, f);
    const scored = gs.filter((g) => g.average_mission_score !== null);
    const best = scored.reduce<CohortGroup | null>((b, g) => (b === null || g.average_mission_score! > b.average_mission_score! ? g : b), null);
    return { group_by: d, groups: gs.length, largest: gs[0] ?? null, best_scoring: best };
  });
  return { ok: true, total: a.overall(f).count, dimensions, heuristic: true as const };
}

export function insightsOf(db: Db, f: AnalyticsFilters) {
  const a = analytics(db);
  const all = a.overall(f);
  const byStatus = a.groups('status', f);
  const byPersona = a.groups('persona_id', f);
  const byRepo = a.groups('repo', f);
  return {
    ok: true,
    total: all.count,
    missions_by_status: Object.fromEntries(byStatus.map((g) => [g.group, g.count])),
    missions_by_persona: Object.fromEntries(byPersona.map((g) => [g.group, g.count])),
    writeback_success_rate: all.writeback_success_rate,
    average_watcher_refresh_count_by_status: Object.fromEntries(byStatus.map((g) => [g.group, g.average_refresh_count ?? 0])),
    top_repos_by_mission_count: byRepo.slice(0, 10).map((g) => ({ repo: g.group, count: g.count })),
    terminal_success_rate: all.terminal_success_rate,
    average_mission_score: all.average_mission_score,
    top_risk_signals: (['high', 'medium', 'low'] as const)
      .map((k) => ({ risk_signal: k, count: all.risk_counts[k] }))
      .filter((r) => r.count > 0)
      .sort((x, y) => y.count - x.count),
    average_pr_presence_rate: all.average_pr_presence_rate,
    persona_performance_summary: byPersona,
    heuristic: true as const,
  };
}
