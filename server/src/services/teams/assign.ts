// Pure parts of planning: dependency checks and order, and who does each subgoal (by role and capability,
// with the reason in words). No I/O here, so the unit tests cover every rule.
import type { Agent } from '../../protocol/agents';
import type { PlanDraft, Subgoal } from '../../protocol/teams';

/** Dependency problems (unknown ids, duplicates, cycles) as `path: message`, or [] when the graph is sound. */
export function graphProblems(d: PlanDraft): string[] {
  const out: string[] = [];
  const ids = new Set<string>();
  d.subgoals.forEach((s, i) => {
    if (ids.has(s.id)) out.push(`subgoals.${i}.id: '${s.id}' is used twice`);
    ids.add(s.id);
  });
  d.subgoals.forEach((s, i) => s.depends_on.forEach((dep, j) => {
    if (!ids.has(dep)) out.push(`subgoals.${i}.depends_on.${j}: no subgoal '${dep}'`);
    else if (dep === s.id) out.push(`subgoals.${i}.depends_on.${j}: a subgoal cannot depend on itself`);
  }));
  if (!out.length && topoOrder(d.subgoals) === null) out.push('subgoals: the dependencies form a cycle');
  return out;
}

/** Kahn's order, stable by plan position; null on a cycle. */
export function topoOrder(subgoals: readonly { id: string; depends_on: readonly string[] }[]): string[] | null {
  const left = new Map(subgoals.map((s) => [s.id, new Set(s.depends_on)]));
  const order: string[] = [];
  while (left.size) {
    const ready = subgoals.find((s) => left.has(s.id) && [...left.get(s.id)!].every((d) => !left.has(d)));
    if (!ready) return null;
    order.push(ready.id);
    left.delete(ready.id);
  }
  return order;
}

const ROLE_FAMILY: Record<string, string[]> = {
  researcher: ['research', 'investigat', 'analy', 'read', 'gather', 'explor'],
  executor: ['execut', 'implement', 'build', 'fix', 'code', 'develop', 'do', 'worker'],
  writer: ['writ', 'summar', 'report', 'draft', 'document'],
  reviewer: ['review', 'critic', 'critique', 'judge', 'check'],
  critic: ['critic', 'critique', 'review', 'judge'],
  verifier: ['verif', 'test', 'check', 'validat'],
  planner: ['plan', 'coordinat', 'lead', 'manag'],
};

function roleScore(want: string, agent: Agent): [number, string] {
  const w = want.toLowerCase();
  const r = agent.role.toLowerCase();
  if (w === r) return [6, `role '${agent.role}' matches`];
  const fam = ROLE_FAMILY[r] ?? [r];
  if (fam.some((f) => w.includes(f))) return [4, `role '${agent.role}' covers '${want}'`];
  return [0, ''];
}

function capabilityScore(s: PlanDraft['subgoals'][number], a: Agent): [number, string[]] {
  const why: string[] = [];
  let n = 0;
  if (s.deliverable === 'review' && (a.capabilities.can_critique || a.capabilities.can_verify)) {
    n += 3;
    why.push(a.capabilities.can_critique ? 'can critique' : 'can verify');
  }
  if ((s.deliverable === 'file' || s.deliverable === 'code') && a.tools.includes('desktop_write_text')) {
    n += 3;
    why.push(`has desktop_write_text for a ${s.deliverable} deliverable`);
  }
  if (s.deliverable !== 'review' && a.capabilities.can_critique && !a.tools.length) n -= 1; // keep pure critics for reviews
  if (a.role === 'planner') n -= 1; // the planner plans; others do the work
  return [n, why];
}

/** Give each subgoal the best-fitting member; ties go to the member with the least work so far, then position. */
export function assign(d: PlanDraft, members: readonly Agent[]): Subgoal[] {
  const load = new Map<number, number>(members.map((a) => [a.id, 0]));
  return d.subgoals.map((s) => {
    let best: { a: Agent; score: number; why: string[] } | null = null;
    for (const a of members) {
      const [rs, rwhy] = roleScore(s.role, a);
      const [cs, cwhy] = capabilityScore(s, a);
      const score = rs + cs;
      const better = !best || score > best.score || (score === best.score && load.get(a.id)! < load.get(best.a.id)!);
      if (better) best = { a, score, why: [rwhy, ...cwhy].filter(Boolean) };
    }
    const { a, why } = best!;
    load.set(a.id, load.get(a.id)! + 1);
    const step_cap = Math.min(s.step_cap, a.capabilities.max_tool_steps);
    const reason = why.length ? `${a.name}: ${why.join('; ')}` : `${a.name}: no member's role fits '${s.role}'; least busy member`;
    return { ...s, step_cap, agent_id: a.id, agent_name: a.name, assignment_reason: step_cap < s.step_cap ? `${reason}; step cap ${s.step_cap} lowered to the agent's ${step_cap}` : reason };
  });
}
