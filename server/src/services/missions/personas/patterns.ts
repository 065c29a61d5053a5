// Pattern memory (brief phase L). Candidates are derived from the finished missions — persona × strategy
// outcomes per repo and across repos, with their real supporting run ids and writeback success rates — by a
// few GROUP BYs over the covering persona index, and persisted (upsert by pattern_key: the evidence refreshes,
// the operator's decision on a pattern never changes by itself). Derivation is a background task
// (derivation.ts): a pattern read starts one when missions changed since the last (the analytics generation)
// and answers at once with what is persisted. The operator promotes / rejects / archives
// (a note and a decision event each); a promoted pattern becomes a memory (source `mission`) through the memory
// service, so chat and teams can use it; suggestions come only from promoted patterns, show their evidence and
// are never applied here.
import type { CallInfo, ServerContext } from '../../../context';
import { conflict, notFound } from '../../../protocol/errors';
import type { Pattern } from '../../../protocol/missionsPatterns';
import { changed, createOne, mustGet } from '../../memory/capsules';
import { updateMemory } from '../../memory/store';
import { wakeEmbedder } from '../../memory/embedder';
import { getRow } from '../loop';
import { prep } from './analytics';
import { OVERLAYS } from './catalogue';
import { requestDerivation, type DerivationStatus } from './derivation';
import type { History } from './patternHistory';
import { recordDecision, type DecisionType } from './decisions';

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const confidence = (n: number) => (n >= 5 ? 'high' : n >= 3 ? 'medium' : 'low');

interface PatternRow {
  id: number;
  pattern_type: Pattern['pattern_type'];
  pattern_key: string;
  repo_scope: string;
  persona_scope: string;
  strategy_scope: string;
  source_run_count: number;
  supporting_run_ids_json: string;
  evidence_summary: string;
  average_score: number;
  average_risk: number;
  pr_rate: number;
  writeback_success_rate: number | null;
  override_rate: number;
  success_rate: number | null;
  confidence_level: Pattern['confidence_level'];
  status: Pattern['status'];
  promoted_by_operator: number;
  promotion_note: string;
  archived: number;
  memory_id: number | null;
  created_at: string;
  updated_at: string;
}

const toPattern = (r: PatternRow): Pattern => ({
  ...r,
  supporting_run_ids: JSON.parse(r.supporting_run_ids_json) as string[],
  promoted_by_operator: r.promoted_by_operator === 1,
  archived: r.archived === 1,
});

/**
 * The longest a transaction of upserts holds the event loop (ms): a slice ends after this, and the event loop turns
 * between slices. A fixed 200 groups a batch took 10–25 ms on a busy machine (a read during a derivation waited
 * that long); a time-bounded slice keeps each wait under a few milliseconds whatever the machine's speed.
 */
const APPLY_SLICE_MS = 4;

/**
 * The write half of a derivation: upsert each group's pattern (the read half ran off the event loop), in short
 * time-bounded slices with a turn of the event loop between them, so no request waits behind thousands of upserts.
 */
async function applyHistory(ctx: ServerContext, h: History): Promise<number> {
  const db = ctx.db;
  const { perRepo, cross } = h;
  const upsert = prep(
    db,
    `INSERT INTO mission_patterns (pattern_type, pattern_key, repo_scope, persona_scope, strategy_scope, source_run_count, supporting_run_ids_json,
       evidence_summary, average_score, average_risk, pr_rate, writeback_success_rate, override_rate, success_rate, confidence_level, created_at, updated_at)
     VALUES (@pattern_type, @pattern_key, @repo_scope, @persona_scope, @strategy_scope, @source_run_count, @supporting_run_ids_json,
       @evidence_summary, @average_score, @average_risk, @pr_rate, @writeback_success_rate, @override_rate, @success_rate, @confidence_level, @now, @now)
     ON CONFLICT (pattern_key) DO UPDATE SET source_run_count = excluded.source_run_count, supporting_run_ids_json = excluded.supporting_run_ids_json,
       evidence_summary = excluded.evidence_summary, average_score = excluded.average_score, average_risk = excluded.average_risk,
       pr_rate = excluded.pr_rate, writeback_success_rate = excluded.writeback_success_rate, override_rate = excluded.override_rate,
       success_rate = excluded.success_rate, confidence_level = excluded.confidence_level, updated_at = excluded.updated_at
     WHERE mission_patterns.source_run_count IS NOT excluded.source_run_count OR mission_patterns.supporting_run_ids_json IS NOT excluded.supporting_run_ids_json
       OR mission_patterns.average_score IS NOT excluded.average_score OR mission_patterns.writeback_success_rate IS NOT excluded.writeback_success_rate
       OR mission_patterns.override_rate IS NOT excluded.override_rate`,
  );
  const now = new Date().toISOString();
  const groups = [...perRepo, ...cross];
  /** Upserts from group `from` until the slice's time is up; returns the next group's index. */
  const slice = db.transaction((from: number): number => {
    const until = performance.now() + APPLY_SLICE_MS;
    let i = from;
    for (; i < groups.length && (i === from || performance.now() < until); i++) {
      const a = groups[i]!;
      const repo = a.repo ?? '*';
      const type = a.repo === null ? 'persona_strategy' : 'persona_strategy_repo';
      const wb = a.wb_tried ? round(a.wb_ok / a.wb_tried) : null;
      const parts = [
        `${a.n} finished run(s) of ${a.persona_id} with strategy ${a.strategy} ${a.repo === null ? `across ${a.repos} repo(s)` : `on ${a.repo}`}`,
        `average score ${round(a.avg_score, 1)}`,
        `success ${Math.round((a.ok / a.n) * 100)}%`,
        `PR ${Math.round((a.pr / a.n) * 100)}%`,
        wb === null ? 'no writeback yet' : `writeback success ${Math.round(wb * 100)}%`,
        `operator overrides ${Math.round((a.ov / a.n) * 100)}%`,
      ];
      if (a.mocks) parts.push(`${a.mocks} of them mock (not real outcomes)`);
      upsert.run({
        pattern_type: type,
        pattern_key: `${type}:${a.persona_id}:${a.strategy}:${repo}`,
        repo_scope: repo,
        persona_scope: a.persona_id,
        strategy_scope: a.strategy,
        source_run_count: a.n,
        supporting_run_ids_json: a.support_json,
        evidence_summary: parts.join('; '),
        average_score: round(a.avg_score, 1),
        average_risk: round(a.avg_risk),
        pr_rate: round(a.pr / a.n),
        writeback_success_rate: wb,
        override_rate: round(a.ov / a.n),
        success_rate: round(a.ok / a.n),
        confidence_level: confidence(a.n),
        now,
      });
    }
    return i;
  });
  for (let i = 0; i < groups.length;) {
    if (i) await new Promise((r) => setImmediate(r));
    i = slice(i);
  }
  // The upserts themselves do not bump the generation (no trigger on patterns).
  return groups.length;
}

/** Start a background derivation if missions changed since the last one; answers at once with its status. */
export const derive = (ctx: ServerContext): DerivationStatus => requestDerivation(ctx, (h) => applyHistory(ctx, h));

export function listPatterns(
  ctx: ServerContext,
  f: {
    repo?: string;
    persona?: string;
    strategy?: string;
    status?: Pattern['status'];
    promoted_only: boolean;
    archived: boolean;
    limit: number;
    offset: number;
  },
) {
  const derived = derive(ctx);
  const where: string[] = [];
  const args: Record<string, unknown> = { limit: f.limit, offset: f.offset };
  if (f.repo) {
    where.push('repo_scope = @repo');
    args.repo = f.repo;
  }
  if (f.persona) {
    where.push('persona_scope = @persona');
    args.persona = f.persona;
  }
  if (f.strategy) {
    where.push('strategy_scope = @strategy');
    args.strategy = f.strategy;
  }
  if (f.promoted_only) where.push("status = 'promoted'");
  else if (f.status) {
    where.push('status = @status');
    args.status = f.status;
  }
  where.push(f.archived ? 'archived = 1' : 'archived = 0');
  const w = `WHERE ${where.join(' AND ')}`;
  const total = prep(ctx.db, `SELECT count(*) FROM mission_patterns ${w}`).pluck().get(args) as number;
  const rows = prep(
    ctx.db,
    `SELECT * FROM mission_patterns ${w} ORDER BY source_run_count DESC, average_score DESC, id LIMIT @limit OFFSET @offset`,
  ).all(args) as PatternRow[];
  return { ok: true, total, patterns: rows.map(toPattern), derived };
}

function getPattern(ctx: ServerContext, id: number): PatternRow {
  const r = prep(ctx.db, 'SELECT * FROM mission_patterns WHERE id = ?').get(id) as PatternRow | undefined;
  if (!r) throw notFound('Pattern', id);
  return r;
}

const ALLOWED: Record<'promote' | 'reject' | 'archive', Pattern['status'][]> = {
  promote: ['candidate', 'rejected'],
  reject: ['candidate', 'promoted'],
  archive: ['candidate', 'promoted', 'rejected'],
};
const TO = { promote: 'promoted', reject: 'rejected', archive: 'archived' } as const;
const EVENT: Record<'promote' | 'reject' | 'archive', DecisionType> = {
  promote: 'pattern_promoted',
  reject: 'pattern_rejected',
  archive: 'pattern_archived',
};

export function decidePattern(ctx: ServerContext, id: number, verb: 'promote' | 'reject' | 'archive', note: string, call: CallInfo) {
  const row = getPattern(ctx, id);
  if (!ALLOWED[verb].includes(row.status)) throw conflict(`Pattern ${id} is ${row.status}: it cannot be ${TO[verb]}`);
  const now = new Date().toISOString();
  let memoryId = row.memory_id;
  if (verb === 'promote' && memoryId === null) {
    // The memory engine's own write path (dedupe proposals, embeddings), tagged so retrieval can filter by repo / persona.
    const mock = /mock/.test(row.evidence_summary);
    memoryId = createOne(ctx, {
      text: `Mission pattern (promoted by the operator${note ? `: ${note}` : ''}): persona ${row.persona_scope} with strategy ${row.strategy_scope} ${row.repo_scope === '*' ? 'across repos' : `on ${row.repo_scope}`} — ${row.evidence_summary}.`,
      kind: 'procedure',
      source: 'mission',
      source_ref: `pattern:${row.id}`,
      scope: 'workspace',
      repo: row.repo_scope === '*' ? null : row.repo_scope,
      persona: row.persona_scope,
      layer: 'semantic',
      trust: mock ? 0.1 : 0.6,
      mock,
    }).id;
    wakeEmbedder(ctx);
  } else if (verb === 'promote' && memoryId !== null) {
    const m = mustGet(ctx, memoryId);
    if (m.status !== 'active') {
      updateMemory(ctx.db, m, { status: 'active' }, 'pattern promoted again');
      changed(ctx, 'restored', [memoryId]);
    }
  }
  if (verb !== 'promote' && memoryId !== null) {
    // A pattern the operator no longer vouches for stops feeding chat and teams: its memory is archived (reversibly).
    const m = mustGet(ctx, memoryId);
    if (m.status === 'active') {
      updateMemory(ctx.db, m, { status: 'archived' }, `pattern ${TO[verb]}`);
      changed(ctx, 'archived', [memoryId]);
    }
  }
  const supporting = JSON.parse(row.supporting_run_ids_json) as string[];
  const event = ctx.db.transaction(() => {
    prep(
      ctx.db,
      `UPDATE mission_patterns SET status = @status, promoted_by_operator = @promoted, promotion_note = @note, archived = @archived, memory_id = @memory_id, updated_at = @now WHERE id = @id`,
    ).run({
      id,
      status: TO[verb],
      promoted: verb === 'promote' ? 1 : row.promoted_by_operator && verb !== 'reject' ? 1 : 0,
      note,
      archived: verb === 'archive' ? 1 : 0,
      memory_id: memoryId,
      now,
    });
    // Recorded on the most recent supporting run, so the pattern decision shows in that lineage's audit.
    const missionId = supporting.find((r) => prep(ctx.db, 'SELECT 1 FROM missions WHERE id = ?').pluck().get(r)) ?? null;
    return recordDecision(ctx, {
      mission_id: missionId,
      type: EVENT[verb],
      actor: call.actor,
      previous_state: row.status,
      new_state: TO[verb],
      rationale: note,
      data: { pattern_id: id, pattern_key: row.pattern_key, memory_id: memoryId },
    });
  })();
  return { ok: true, pattern: toPattern(getPattern(ctx, id)), memory_id: memoryId, decision_event: event };
}

function rollup(rows: PatternRow[], key: (r: PatternRow) => string) {
  const by = new Map<string, PatternRow[]>();
  for (const r of rows) by.set(key(r), [...(by.get(key(r)) ?? []), r]);
  return [...by].map(([k, rs]) => {
    const n = rs.reduce((s, r) => s + r.source_run_count, 0);
    return {
      key: k,
      patterns: rs.length,
      promoted: rs.filter((r) => r.status === 'promoted').length,
      source_run_count: n,
      average_score: n ? round(rs.reduce((s, r) => s + r.average_score * r.source_run_count, 0) / n, 1) : null,
      pr_rate: n ? round(rs.reduce((s, r) => s + r.pr_rate * r.source_run_count, 0) / n) : null,
    };
  });
}

export function patternSummaries(ctx: ServerContext) {
  derive(ctx);
  // Per-repo patterns only (the cross-repo ones would count every run twice).
  const rows = prep(
    ctx.db,
    "SELECT * FROM mission_patterns WHERE archived = 0 AND status != 'rejected' AND pattern_type = 'persona_strategy_repo'",
  ).all({}) as PatternRow[];
  const promoted = prep(ctx.db, "SELECT * FROM mission_patterns WHERE status = 'promoted' ORDER BY updated_at DESC, id").all({}) as PatternRow[];
  return {
    ok: true,
    by_persona: rollup(rows, (r) => r.persona_scope),
    by_strategy: rollup(rows, (r) => r.strategy_scope),
    promoted: promoted.map(toPattern),
    notes: [
      promoted.length
        ? `${promoted.length} pattern(s) promoted by the operator feed suggestions.`
        : 'No pattern is promoted yet: suggestions stay empty until the operator promotes one.',
      'Historical evidence, not a prescription: patterns are heuristic operator aids.',
    ],
  };
}

export function patternsCrossRepo(ctx: ServerContext) {
  derive(ctx);
  const rows = prep(
    ctx.db,
    `SELECT persona_scope, strategy_scope, count(*) AS repo_count, json_group_array(repo_scope) AS repos, sum(source_run_count) AS n,
       sum(average_score * source_run_count) AS score_sum, sum(pr_rate * source_run_count) AS pr_sum, sum(average_risk * source_run_count) AS risk_sum
     FROM mission_patterns WHERE pattern_type = 'persona_strategy_repo' AND archived = 0 AND status != 'rejected'
     GROUP BY persona_scope, strategy_scope ORDER BY repo_count DESC, n DESC, persona_scope, strategy_scope`,
  ).all({}) as {
    persona_scope: string;
    strategy_scope: string;
    repo_count: number;
    repos: string;
    n: number;
    score_sum: number;
    pr_sum: number;
    risk_sum: number;
  }[];
  return {
    ok: true,
    items: rows.map((r) => ({
      persona_scope: r.persona_scope,
      strategy_scope: r.strategy_scope,
      repo_count: r.repo_count,
      repos: (JSON.parse(r.repos) as string[]).sort(),
      source_run_count: r.n,
      average_score: round(r.score_sum / r.n, 1),
      pr_rate: round(r.pr_sum / r.n),
      low_risk: r.risk_sum / r.n < 0.5,
      recovery_evidence: r.strategy_scope === 'recovery_branch' || r.persona_scope === 'recovery_operator',
      recurring: r.repo_count >= 2,
    })),
  };
}

/** The overlay that works a strategy (its preferred preset), or the persona's own overlay. */
function overlayFor(persona: string, strategy: string): string | null {
  const byPreset = Object.entries(OVERLAYS).find(([, o]) => o.preferred_preset === strategy)?.[0];
  return byPreset ?? (persona in OVERLAYS ? persona : null);
}

function promotedFor(ctx: ServerContext, f: { repo?: string; persona?: string; strategy?: string }, limit = 5): PatternRow[] {
  derive(ctx);
  const where = ["status = 'promoted'"];
  const args: Record<string, unknown> = { limit };
  if (f.repo) {
    where.push("(repo_scope = @repo OR repo_scope = '*')");
    args.repo = f.repo;
  }
  if (f.persona) {
    where.push('persona_scope = @persona');
    args.persona = f.persona;
  }
  if (f.strategy) {
    where.push('strategy_scope = @strategy');
    args.strategy = f.strategy;
  }
  return prep(
    ctx.db,
    `SELECT * FROM mission_patterns WHERE ${where.join(' AND ')} ORDER BY success_rate DESC, average_score DESC, source_run_count DESC, id LIMIT @limit`,
  ).all(args) as PatternRow[];
}

function suggestion(kind: 'new-mission' | 'replay' | 'branch-set', r: PatternRow, rationale: string) {
  return {
    kind,
    pattern_id: r.id,
    persona_id: r.persona_scope,
    strategy: r.strategy_scope,
    overlay: overlayFor(r.persona_scope, r.strategy_scope),
    rationale,
    evidence: {
      pattern_key: r.pattern_key,
      repo_scope: r.repo_scope,
      source_run_count: r.source_run_count,
      supporting_run_ids: JSON.parse(r.supporting_run_ids_json) as string[],
      average_score: r.average_score,
      pr_rate: r.pr_rate,
      writeback_success_rate: r.writeback_success_rate,
      confidence_level: r.confidence_level,
      promotion_note: r.promotion_note,
    },
    applied: false as const,
    requires_operator_approval: true as const,
  };
}

const NOTE = 'Suggestions come from patterns the operator promoted; they are heuristic and never applied without the operator.';

export function suggestNewMission(ctx: ServerContext, f: { repo?: string; persona_id?: string; strategy?: string }) {
  const rows = promotedFor(ctx, { repo: f.repo, persona: f.persona_id, strategy: f.strategy });
  const filters: Record<string, string> = {};
  for (const [k, v] of Object.entries(f)) if (v) filters[k] = v;
  return {
    ok: true,
    kind: 'new-mission',
    filters,
    suggestions: rows.map((r) =>
      suggestion('new-mission', r, `Start with persona ${r.persona_scope} and strategy ${r.strategy_scope}: ${r.evidence_summary}`),
    ),
    note: NOTE,
  };
}

export function suggestReplay(ctx: ServerContext, runId: string) {
  const run = getRow(ctx, runId);
  const rows = promotedFor(ctx, { repo: run.repo }).filter(
    (r) => r.persona_scope !== run.persona_id || r.strategy_scope !== (run.strategy ?? 'none'),
  );
  return {
    ok: true,
    kind: 'replay',
    filters: { run_id: run.id, repo: run.repo },
    suggestions: rows.map((r) =>
      suggestion(
        'replay',
        r,
        `Replay ${run.id} as persona ${r.persona_scope} with strategy ${r.strategy_scope} (it did better on ${run.repo}): ${r.evidence_summary}`,
      ),
    ),
    note: NOTE,
  };
}

export function suggestBranchSet(ctx: ServerContext, runId: string) {
  const run = getRow(ctx, runId);
  const rows = promotedFor(ctx, { repo: run.repo }, 4);
  const suggestions = rows.map((r) =>
    suggestion('branch-set', r, `Branch ${run.id} with persona ${r.persona_scope} on ${r.strategy_scope}: ${r.evidence_summary}`),
  );
  const specs = suggestions
    .filter((s) => s.overlay && s.strategy !== 'none')
    .map((s) => ({ persona_id: s.persona_id, overlay: s.overlay!, preset: s.strategy }));
  return { ok: true, kind: 'branch-set', filters: { run_id: run.id, repo: run.repo }, suggestions, proposed_specs: specs, note: NOTE };
}
