// Markdown views of a mission, a compare and a memory, shown as read-only `agentora:` documents by "Open Mission",
// "Compare Missions" and "Search Memory" (extension/src/docs.ts; no vscode import: pure text).
import type { Capsule } from '../../../server/src/protocol/memory';
import type { Mission, TimelineEvent, compare } from '../../../server/src/protocol/missions';
import type { ResultOf } from '../../../server/src/protocol/define';

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

type CompareResult = ResultOf<typeof compare>;

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

export function memoryMarkdown(c: Capsule): string {
  return [
    `# Memory #${c.capsule_id}${c.current ? '' : ` (${c.status}${c.valid_to ? `, no longer believed since ${c.valid_to}` : ''})`}`,
    '',
    c.text,
    '',
    '---',
    '',
    '| | |',
    '|---|---|',
    `| Layer | ${c.layer} |`,
    `| Kind | ${c.kind} |`,
    `| Source | ${c.source}${c.source_ref ? ` (${cell(c.source_ref)})` : ''} |`,
    `| Scope | ${c.scope}${c.repo ? ` · ${c.repo}` : ''}${c.persona ? ` · ${c.persona}` : ''} |`,
    `| Trust · salience | ${c.trust} · ${c.salience} |`,
    `| Used | ${c.use_count} time(s)${c.last_used_at ? `, last ${c.last_used_at}` : ''} |`,
    `| Version | ${c.version}, updated ${c.updated_at} |`,
    '',
  ].join('\n');
}
