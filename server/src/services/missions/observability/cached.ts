// Cohorts, the cohort summary and the insights through the analytics cache (personas/cache.ts), like persona
// trends and the matrix: keyed by route and filters, dropped by every write that changes the analytics columns,
// and — as they also average refresh_count — recomputed after any watcher refresh (the refresh generation).
// REST answers with the entry's JSON text (validated and serialized once per entry); the other doors get the value.
import type { z } from 'zod';
import type { ServerContext } from '../../../context';
import type * as O from '../../../protocol/missionsObservability';
import { cached, cachedJson, cacheKey } from '../personas/cache';
import { cohortsOf, cohortsSummaryOf, insightsOf } from './analytics';

const DEPS = { refresh: true };

interface Query<T> {
  key: string;
  compute: () => T;
}

export const cohortsQuery = (ctx: ServerContext, f: O.AnalyticsFilters, groupBy: O.CohortDimension, limit: number) => ({
  key: cacheKey('cohorts', { ...f, group_by: groupBy, limit }),
  compute: () => cohortsOf(ctx.db, groupBy, f, limit),
});
export const cohortsSummaryQuery = (ctx: ServerContext, f: O.AnalyticsFilters) => ({
  key: cacheKey('cohorts-summary', f),
  compute: () => cohortsSummaryOf(ctx.db, f),
});
export const insightsQuery = (ctx: ServerContext, f: O.AnalyticsFilters) => ({
  key: cacheKey('insights', f),
  compute: () => insightsOf(ctx.db, f),
});

/** The cached value (JSON-RPC / MCP). */
export const value = <T>(ctx: ServerContext, q: Query<T>): T => cached(ctx, q.key, q.compute, DEPS).value;

/** The cached REST answer: the entry's JSON text (the wire shape has no cache_metadata). */
export const json = <T extends object>(ctx: ServerContext, q: Query<T>, spec: { result: z.ZodType; method: string }): Buffer =>
  cachedJson(ctx, q.key, q.compute, spec.result, spec.method, { deps: DEPS, withMeta: false });
