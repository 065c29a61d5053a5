// The mock provider's planner: when asked for structured output whose schema is titled `agentora.plan`, it
// answers a deterministic multi-subgoal plan built from the goal and the team roles named in the system prompt,
// so the whole teams area can be tried with no model installed. Markers in the goal pick other paths for
// demos and tests: `mock:invalid-plan` answers a plan that never validates.
export function mockPlan(system: string, user: string): string {
  const goal = user.replace(/^Goal:\s*/, '').trim();
  if (/mock:invalid-plan/.test(goal)) return JSON.stringify({ rationale: 'broken on purpose', subgoals: [{ id: 's1', title: 'x', description: '', depends_on: ['s9'], role: 'x', deliverable: 'text', step_cap: 1 }] });
  const roles = (/^Team roles: (.*)$/m.exec(system)?.[1] ?? 'executor').split(',').map((r) => r.trim()).filter(Boolean);
  const pick = (...want: string[]) => want.find((w) => roles.includes(w)) ?? roles.find((r) => r !== 'planner') ?? roles[0]!;
  const short = goal.length > 80 ? `${goal.slice(0, 77)}…` : goal;
  const file = /\b(?:write|save)\b.*?\bto\s+([\w./-]+\.\w+)/i.exec(goal)?.[1];
  const subgoals = [
    { id: 's1', title: `Gather what is needed for: ${short}`, description: `Collect the facts and context needed to ${goal}`, depends_on: [], role: pick('researcher', 'executor'), deliverable: 'list', step_cap: 2 },
    { id: 's2', title: file ? `Produce the result and write it to ${file}` : `Produce the result: ${short}`, description: goal, depends_on: ['s1'], role: pick('executor', 'writer'), deliverable: file ? 'file' : 'text', step_cap: 3 },
  ];
  if (roles.some((r) => ['critic', 'reviewer', 'verifier'].includes(r))) {
    subgoals.push({ id: 's3', title: 'Review the result against the goal', description: `Check that the result answers: ${goal}`, depends_on: ['s2'], role: pick('critic', 'reviewer', 'verifier'), deliverable: 'review', step_cap: 1 });
  }
  return JSON.stringify({ rationale: `Gather first, then produce${subgoals.length > 2 ? ', then review' : ''}.`, subgoals });
}
