// Structured compare of two missions: what differs (with a heuristic severity), their states and outcomes,
// artifacts, timeline lengths and scores.
import type { Mission } from '../../protocol/missions';

type Severity = 'info' | 'low' | 'medium' | 'high';
const RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3 };

/** Fields compared, with how much a difference matters to an operator reviewing two attempts. */
const FIELDS: [keyof Mission, Severity][] = [
  ['status', 'high'],
  ['repo', 'high'],
  ['objective', 'medium'],
  ['acceptance_criteria', 'medium'],
  ['constraints', 'medium'],
  ['persona_id', 'medium'],
  ['pr_url', 'medium'],
  ['branch', 'low'],
  ['summary', 'low'],
  ['risk_level', 'medium'],
  ['confidence_level', 'low'],
  ['writeback_status', 'low'],
  ['mission_title', 'info'],
  ['operator_intent', 'info'],
  ['dry_run', 'low'],
];

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function compareMissions(l: Mission, r: Mission, timeline: { left: number; right: number }) {
  const field_diffs = FIELDS.filter(([f]) => !same(l[f], r[f])).map(([f, severity]) => {
    // One succeeded and the other failed is the difference that matters most.
    const s: Severity =
      f === 'status' && [l.status, r.status].includes('succeeded') && [l.status, r.status].includes('failed')
        ? 'high'
        : f === 'status'
          ? 'medium'
          : severity;
    return { field: f, left: l[f] ?? null, right: r[f] ?? null, severity: s };
  });
  const lp = new Set(l.artifacts.map((a) => a.path));
  const rp = new Set(r.artifacts.map((a) => a.path));
  const severity = field_diffs.reduce<Severity>((m, d) => (RANK[d.severity] > RANK[m] ? d.severity : m), 'info');
  const side = (m: Mission) => ({
    run_id: m.run_id,
    mission_title: m.mission_title,
    repo: m.repo,
    status: m.status,
    summary: m.summary,
    pr_url: m.pr_url,
    branch: m.branch,
    writeback_status: m.writeback_status,
    recommended_followups: m.context_packet.recommended_next_actions,
    success_criteria: m.context_packet.success_criteria.map((c) => c.name),
    risk_flags: m.context_packet.risk_flags.map((f) => f.name),
    outcome_hash: m.outcome_hash,
  });
  const scores = (m: Mission) => ({ mission_score: m.mission_score, confidence_level: m.confidence_level, risk_level: m.risk_level });
  return {
    ok: true,
    left: side(l),
    right: side(r),
    field_diffs,
    state: { left: l.status, right: r.status, same: l.status === r.status },
    outcome: {
      same: l.summary === r.summary && l.pr_url === r.pr_url,
      left_summary: l.summary,
      right_summary: r.summary,
      left_pr_url: l.pr_url,
      right_pr_url: r.pr_url,
    },
    artifacts: {
      left_count: lp.size,
      right_count: rp.size,
      only_left: [...lp].filter((p) => !rp.has(p)).sort(),
      only_right: [...rp].filter((p) => !lp.has(p)).sort(),
      common: [...lp].filter((p) => rp.has(p)).sort(),
    },
    timeline: { left_length: timeline.left, right_length: timeline.right },
    scores: { left: scores(l), right: scores(r), score_delta: r.mission_score - l.mission_score },
    severity,
    heuristic: true as const,
  };
}
