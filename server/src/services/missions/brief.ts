// Renders the mission brief AgentCeption receives as `issue_body` (its agent's briefing is built from
// issue_title + issue_body): objective, acceptance criteria, constraints, persona, memory snippets, risks.
import type { MissionContextPacket } from '../../bridges/missions/types';

export interface BriefInput {
  run_id: string;
  mission_title: string;
  objective: string;
  operator_intent: string;
  constraints: string[];
  acceptance_criteria: string[];
  packet: MissionContextPacket;
}

const bullets = (items: string[]): string => (items.length ? items.map((i) => `- ${i}`).join('\n') : '- (none)');
/** Keep operator text from breaking the document structure (a stray heading or HTML comment). */
const inline = (s: string): string => s.replace(/\r/g, '').replace(/<!--/g, '&lt;!--');

export function renderBrief(b: BriefInput): { title: string; markdown: string } {
  const p = b.packet;
  const constraints = [...new Set([...b.constraints, ...p.constraints])];
  const lines = [
    `# ${inline(b.mission_title)}`,
    '',
    `> Agentora mission \`${b.run_id}\` · persona **${inline(p.persona.name)}** (${inline(p.persona.id)}) · session \`${p.session_id}\``,
    '',
    '## Objective',
    inline(b.objective),
    '',
  ];
  if (b.operator_intent) lines.push('## Operator intent', inline(b.operator_intent), '');
  lines.push(
    '## Acceptance criteria',
    b.acceptance_criteria.length ? b.acceptance_criteria.map((c) => `- [ ] ${inline(c)}`).join('\n') : '- [ ] (none given)',
    '',
  );
  lines.push('## Constraints', bullets(constraints.map(inline)), '');
  const persona = [
    p.persona.role && `Role: ${p.persona.role}`,
    p.persona.style && `Style: ${p.persona.style}`,
    ...p.persona.goals.map((g) => `Goal: ${g}`),
  ].filter(Boolean) as string[];
  lines.push('## Persona', bullets(persona.map(inline)), '');
  if (p.summary) lines.push('## Context', inline(p.summary), '');
  if (p.memory_snippets.length) lines.push('## Memory', p.memory_snippets.map((m) => `- ${inline(m.text)} _(${m.source || m.id})_`).join('\n'), '');
  if (p.risk_flags.length)
    lines.push('## Risks', p.risk_flags.map((r) => `- **${inline(r.name)}** (${r.severity}): ${inline(r.mitigation)}`).join('\n'), '');
  if (p.success_criteria.length)
    lines.push('## Success criteria', p.success_criteria.map((s) => `- ${inline(s.name)}${s.metric ? `: ${inline(s.metric)}` : ''}`).join('\n'), '');
  if (p.recommended_next_actions.length) lines.push('## Recommended next actions', bullets(p.recommended_next_actions.map(inline)), '');
  if (p.dispatch_brief.non_goals.length) lines.push('## Non-goals', bullets(p.dispatch_brief.non_goals.map(inline)), '');
  return { title: b.mission_title, markdown: lines.join('\n').trimEnd() + '\n' };
}
