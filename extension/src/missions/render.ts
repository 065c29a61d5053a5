// Markdown views of a mission and of a compare, opened as read-only documents by "Open Mission" and
// "Compare Missions" (no vscode import: pure text).
import type { Mission, TimelineEvent } from '../../../server/src/protocol/missions';

const link = (label: string, url: string | null) => (url ? `[${label}](${url})` : '—');

export function missionMarkdown(m: Mission, events: TimelineEvent[]): string {
  const branchUrl = m.branch ? `https://github.com/${m.repo}/tree/${m.branch}` : null;
  const lines = [
    `# ${m.mission_title}`,
    '',
    `| | |`,
    `|---|---|`,
    `| Mission | \`${m.run_id}\` |`,
    `| Status | **${m.status}**${m.job_raw_status ? ` (AgentCeption: ${m.job_raw_status})` : ''}${m.watched ? ' · watched' : ''} |`,
    `| Repository | ${m.repo} |`,
    `| Persona | ${m.context_packet.persona.name} (${m.persona_id}) |`,
    `| AgentCeption run | ${m.job_id ?? '—'} |`,
    `| Branch | ${m.branch ? link(m.branch, branchUrl) : '—'} |`,
    `| Pull request | ${link(m.pr_url ?? '', m.pr_url)} |`,
    `| Writeback | ${m.writeback_status} |`,
    `| Score (heuristic) | ${m.mission_score} · confidence ${m.confidence_level} · risk ${m.risk_level} |`,
    `| Snapshot | \`${m.snapshot_hash.slice(0, 16)}…\` |`,
    '',
  ];
  if (m.last_error) lines.push(`> **Error:** ${m.last_error}`, `> **Fix:** ${m.fix_hint ?? ''}`, '');
  if (m.summary) lines.push('## Summary', m.summary, '');
  if (m.artifacts.length) lines.push('## Files', ...m.artifacts.map((a) => `- \`${a.path}\``), '');
  lines.push('## Timeline', ...events.map((e) => `- ${e.created_at.slice(11, 19)} **${e.type}** ${e.message}`), '');
  if (m.brief_markdown) lines.push('## Brief sent to AgentCeption', '', '```markdown', m.brief_markdown, '```', '');
  return lines.join('\n');
}

interface CompareResult {
  left: { run_id: string; mission_title: string; status: string };
  right: { run_id: string; mission_title: string; status: string };
  field_diffs: { field: string; left: unknown; right: unknown; severity: string }[];
  artifacts: { only_left: string[]; only_right: string[]; common: string[] };
  timeline: { left_length: number; right_length: number };
  scores: { left: { mission_score: number }; right: { mission_score: number }; score_delta: number };
  severity: string;
}

const cell = (v: unknown) => String(typeof v === 'string' ? v : JSON.stringify(v)).replace(/\|/g, '\\|').replace(/\n/g, ' ').slice(0, 120);

export function compareMarkdown(c: CompareResult): string {
  return [
    `# Compare: ${c.left.mission_title} ↔ ${c.right.mission_title}`,
    '',
    `Overall difference: **${c.severity}** (heuristic)`,
    '',
    '| field | left | right | severity |',
    '|---|---|---|---|',
    ...c.field_diffs.map((d) => `| ${d.field} | ${cell(d.left)} | ${cell(d.right)} | ${d.severity} |`),
    '',
    `Scores: ${c.scores.left.mission_score} ↔ ${c.scores.right.mission_score} (Δ ${c.scores.score_delta})  ·  timeline events: ${c.timeline.left_length} ↔ ${c.timeline.right_length}`,
    '',
    `Files only left: ${c.artifacts.only_left.join(', ') || '—'}  ·  only right: ${c.artifacts.only_right.join(', ') || '—'}  ·  both: ${c.artifacts.common.join(', ') || '—'}`,
    '',
  ].join('\n');
}
