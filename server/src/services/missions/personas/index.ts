// Services of the persona, decision / audit and analytics methods (protocol/missionsPersonas.ts, missionsAudit.ts).
import * as P from '../../../protocol/missionsPersonas';
import * as A from '../../../protocol/missionsAudit';
import * as L from '../../../protocol/missionsPatterns';
import { implement, implementJson, type Implementation } from '../../registry';
import { getRow } from '../loop';
import { refuse } from '../lineage/fork';
import { drill, matrix, trends } from './analytics';
import { auditSummary, decisionAudit, exportAudit, personaCompare, timeline } from './audit';
import { createPersonaBranchSet } from './branchSet';
import { cached, cacheInfo, cachedJson, cacheKey, invalidate, validated } from './cache';
import { getPersona, listPersonas, overlays } from './catalogue';
import { decisionStore } from './decisions';
import { overrideRecommendation } from './override';
import { applyTemplate, check, template, templates } from './policy';
import { insights, insightsQuery, portfolio, summary, summaryQuery } from './portfolio';
import { branchesOf, recommend } from './recommend';
import { decidePattern, listPatterns, patternsCrossRepo, patternSummaries, suggestBranchSet, suggestNewMission, suggestReplay } from './patterns';

const cachedTrends = (ctx: Parameters<typeof trends>[0], f: A.TrendFilters) => {
  const r = cached(ctx, cacheKey('persona-trends', f), () => trends(ctx, f));
  return { ...r.value, cache_metadata: r.meta };
};
const cachedMatrix = (ctx: Parameters<typeof matrix>[0], f: A.TrendFilters) => {
  const r = cached(ctx, cacheKey('persona-matrix', f), () => matrix(ctx, f));
  return { ...r.value, cache_metadata: r.meta };
};
// The REST answers of the cached analytics: the entry's JSON text (validated and serialized once per entry).
const trendsJson = (ctx: Parameters<typeof trends>[0], f: A.TrendFilters) =>
  cachedJson(ctx, cacheKey('persona-trends', f), () => trends(ctx, f), A.personaTrends.result, A.personaTrends.method);
const matrixJson = (ctx: Parameters<typeof matrix>[0], f: A.TrendFilters) =>
  cachedJson(ctx, cacheKey('persona-matrix', f), () => matrix(ctx, f), A.personaMatrix.result, A.personaMatrix.method);
const filtersOf = (p: A.TrendFilters): A.TrendFilters => ({
  window: p.window,
  repo: p.repo,
  strategy: p.strategy,
  status: p.status,
  persona_id: p.persona_id,
});

export const missionsPersonaServices: readonly Implementation[] = [
  implement(P.personas, (_p, ctx) => listPersonas(ctx)),
  implement(P.persona, async (p, ctx) => ({ ok: true, persona: await getPersona(ctx, p.persona_id) })),
  implement(P.personaOverlays, () => ({ ok: true, overlays: overlays() })),
  implement(P.personaBranchSet, (p, ctx, call) => createPersonaBranchSet(ctx, p, call)),
  implementJson(
    P.personaPortfolio,
    (p, ctx) => portfolio(ctx, p.root_run_id, { limit: p.limit, offset: p.offset }),
    // REST: the same checked result, sent as UTF-8 bytes (no second length scan and encoding of ~130 kB per page).
    (p, ctx) =>
      Buffer.from(
        JSON.stringify(
          validated(ctx, P.personaPortfolio.result, P.personaPortfolio.method, portfolio(ctx, p.root_run_id, { limit: p.limit, offset: p.offset })),
        ),
      ),
  ),
  implementJson(
    P.personaSummary,
    (p, ctx) => summary(ctx, p.root_run_id),
    (p, ctx) => {
      const q = summaryQuery(ctx, p.root_run_id);
      return cachedJson(ctx, q.key, q.compute, P.personaSummary.result, P.personaSummary.method);
    },
  ),
  implementJson(
    P.personaInsights,
    (p, ctx) => insights(ctx, p.root_run_id),
    (p, ctx) => {
      const q = insightsQuery(ctx, p.root_run_id);
      return cachedJson(ctx, q.key, q.compute, P.personaInsights.result, P.personaInsights.method);
    },
  ),
  implement(P.override, (p, ctx, call) => overrideRecommendation(ctx, p, call)),

  implement(A.decisionEvents, (p, ctx) => {
    const row = getRow(ctx, p.run_id);
    return { ok: true, run_id: row.id, root_run_id: row.root_mission_id, ...decisionStore(ctx.db).ofRun(row.id, p.limit, p.offset) };
  }),
  implement(A.auditTimeline, (p, ctx) => timeline(ctx, p)),
  implement(A.personaCompare, (p, ctx) => personaCompare(ctx, p.run_id, p.other_run_id)),
  implementJson(
    A.personaTrends,
    (p, ctx) => cachedTrends(ctx, filtersOf(p)),
    (p, ctx) => trendsJson(ctx, filtersOf(p)),
  ),
  implementJson(
    A.personaMatrix,
    (p, ctx) => cachedMatrix(ctx, filtersOf(p)),
    (p, ctx) => matrixJson(ctx, filtersOf(p)),
  ),
  implement(A.policyCheck, (p, ctx) => {
    const v = check(ctx, getRow(ctx, p.run_id), p.action, { note: p.note, shortlists: p.shortlisted });
    return { ok: v.allowed, ...v };
  }),
  implement(A.auditSummary, (p, ctx) => auditSummary(ctx, p.run_id)),
  implement(A.decisionAudit, (p, ctx) => decisionAudit(ctx, p.root_run_id, p)),
  implement(A.analyticsCache, (_p, ctx) => cacheInfo(ctx)),
  implement(A.invalidateCache, (p, ctx) => invalidate(ctx, p.prefix)),
  implement(A.policyTemplates, () => ({ ok: true, templates: templates() })),
  implement(A.policyTemplate, (p) => ({ ok: true, template: template(p.template_name) })),
  implement(A.applyPolicyTemplate, (p, ctx, call) => {
    const row = getRow(ctx, p.run_id);
    const r = applyTemplate(ctx, row, p.template_name, p.note, call);
    const v = check(ctx, row, 'shortlist');
    return {
      ok: true,
      root_run_id: row.root_mission_id,
      template_name: r.template.name,
      previous_template: r.previous_template,
      template: r.template,
      policy_check: { ok: v.allowed, ...v },
      decision_event: r.event,
    };
  }),
  implement(A.exportTrends, (p, ctx) => {
    const t = cachedTrends(ctx, filtersOf(p));
    return { exported_at: new Date().toISOString(), kind: 'persona-trends' as const, filters: t.filters, data: t };
  }),
  implement(A.exportMatrix, (p, ctx) => {
    const m = cachedMatrix(ctx, filtersOf(p));
    return { exported_at: new Date().toISOString(), kind: 'persona-matrix' as const, filters: m.filters, data: m };
  }),
  implement(A.exportAudit, (p, ctx) => exportAudit(ctx, p)),
  implement(A.drillMatrix, (p, ctx) => drill(ctx, filtersOf(p), p)),
  implement(A.drillTrends, (p, ctx) => drill(ctx, filtersOf(p), p)),
  implement(A.drillRecommendations, (p, ctx) => {
    const root = getRow(ctx, p.root_run_id).root_mission_id;
    const branches = branchesOf(ctx, root);
    const recs = recommend(ctx, branches);
    const picked = branches.filter((b) => !p.recommendation || recs.get(b.id)!.action === p.recommendation);
    return {
      ok: true,
      filters: { root_run_id: root, ...(p.recommendation ? { recommendation: p.recommendation } : {}) },
      total: picked.length,
      runs: picked.map((b) => ({
        run_id: b.id,
        created_at: b.created_at,
        repo: '',
        persona_id: b.persona_id,
        strategy: b.strategy,
        status: b.status,
        mission_score: b.mission_score,
        risk_level: b.risk_level,
        decision_state: b.decision_state,
        operator_override_status: b.operator_override_status,
        pr_url: b.pr_url,
      })),
      recommendations: Object.fromEntries(picked.map((b) => [b.id, recs.get(b.id)!.reason_codes])),
    };
  }),
  implement(A.drillPolicyBlocks, (p, ctx) => {
    const root = p.root_run_id ? getRow(ctx, p.root_run_id).root_mission_id : undefined;
    const q = decisionStore(ctx.db).query({ root, types: ['policy_blocked_action'], rule: p.rule, limit: p.limit, offset: p.offset });
    return { ok: true, filters: { ...(root ? { root_run_id: root } : {}), ...(p.rule ? { rule: p.rule } : {}) }, ...q };
  }),

  implement(L.patterns, (p, ctx) => listPatterns(ctx, p)),
  implement(L.candidates, (p, ctx) =>
    listPatterns(ctx, { status: 'candidate', promoted_only: false, archived: false, limit: p.limit, offset: p.offset }),
  ),
  implement(L.promotePattern, (p, ctx, call) => decidePattern(ctx, p.pattern_id, 'promote', p.note, call)),
  implement(L.rejectPattern, (p, ctx, call) => decidePattern(ctx, p.pattern_id, 'reject', p.note, call)),
  implement(L.archivePattern, (p, ctx, call) => decidePattern(ctx, p.pattern_id, 'archive', p.note, call)),
  implement(L.summaries, (_p, ctx) => patternSummaries(ctx)),
  implement(L.crossRepo, (_p, ctx) => patternsCrossRepo(ctx)),
  implement(L.suggestNewMission, (p, ctx) => suggestNewMission(ctx, p)),
  implement(L.suggestReplay, (p, ctx) => suggestReplay(ctx, p.run_id)),
  implement(L.suggestBranchSet, (p, ctx) => suggestBranchSet(ctx, p.run_id)),
  implement(L.suggestions, (p, ctx) => {
    if (p.kind === 'new-mission') return suggestNewMission(ctx, p);
    if (!p.run_id) throw refuse('run_id', `required for ${p.kind} suggestions`);
    return p.kind === 'replay' ? suggestReplay(ctx, p.run_id) : suggestBranchSet(ctx, p.run_id);
  }),
];
