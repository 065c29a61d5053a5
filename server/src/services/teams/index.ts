// Agents and teams services (product area 3, part 1).
import * as Ag from '../../protocol/agents';
import * as T from '../../protocol/teams';
import { AppError, notFound } from '../../protocol/errors';
import type { ServerContext } from '../../context';
import { implement, type Implementation } from '../registry';
import { teamsStore } from './store';
import { agentOr404, teamOr404, withYaml } from './lookup';
import { TEMPLATES } from './templates';
import { makePlan, recommendMode } from './planner';
import { MODE_BEHAVIOUR } from '../../protocol/teams';
import { docToYaml, parseTeamYaml, TeamDoc } from './yaml';

const store = (ctx: ServerContext) => teamsStore(ctx.db);

const capItem = (a: Ag.Agent) => ({ agent_id: a.id, name: a.name, role: a.role, tools: a.tools, ...a.capabilities });

/** Create the agents of a document and the team, in one transaction. */
function createFromDoc(ctx: ServerContext, doc: TeamDoc, template: string | null): T.Team {
  const s = store(ctx);
  const id = s.tx(() => {
    const ids = doc.agents.map((a) => s.insertAgent({ ...a, model: a.model ?? null, capabilities: Ag.Capabilities.parse(a.capabilities) }).id);
    return s.insertTeam({ name: doc.name, description: doc.description, mode: doc.mode, template, agentIds: ids });
  });
  return teamOr404(ctx, id);
}

export const teamsServices: readonly Implementation[] = [
  implement(Ag.listAgents, (p, ctx) => store(ctx).agents(p.limit, p.offset, p.include_run_clones)),
  implement(Ag.createAgent, (p, ctx) => store(ctx).insertAgent({ ...p, model: p.model ?? null, capabilities: Ag.Capabilities.parse(p.capabilities ?? {}) })),
  implement(Ag.getAgent, (p, ctx) => agentOr404(ctx, p.id)),
  implement(Ag.updateAgent, (p, ctx) => {
    const old = agentOr404(ctx, p.id);
    const { id, capabilities, ...rest } = p;
    const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
    return store(ctx).updateAgent(id, { ...old, ...defined, capabilities: { ...old.capabilities, ...stripUndef(capabilities ?? {}) } });
  }),
  implement(Ag.listCapabilities, (_p, ctx) => ({ ok: true as const, items: store(ctx).agents(1000, 0, false).items.map(capItem) })),
  implement(Ag.setCapabilities, (p, ctx) => {
    const old = agentOr404(ctx, p.id);
    const { id, ...patch } = p;
    const a = store(ctx).updateAgent(id, { ...old, capabilities: { ...old.capabilities, ...stripUndef(patch) } });
    return { ok: true as const, item: capItem(a) };
  }),
  implement(T.listTeams, (_p, ctx) => ({ items: store(ctx).teams().map(withYaml) })),
  implement(T.getTeam, (p, ctx) => teamOr404(ctx, p.id)),
  implement(T.createTeam, (p, ctx) => {
    if (p.yaml_text) {
      const doc = parseTeamYaml(p.yaml_text);
      return createFromDoc(ctx, { ...doc, ...(p.name ? { name: p.name } : {}) }, null);
    }
    if (!p.name) throw new AppError('bad_request', 'Invalid params: name: required (or give yaml_text)', [{ path: 'name', message: 'required' }]);
    if (!p.agent_ids.length) throw new AppError('bad_request', 'Invalid params: agent_ids: a team needs at least one agent (or give yaml_text)', [{ path: 'agent_ids', message: 'at least one agent' }]);
    p.agent_ids.forEach((a, i) => {
      if (!store(ctx).agent(a)) throw new AppError('bad_request', `Invalid params: agent_ids.${i}: agent ${a} does not exist`, [{ path: `agent_ids.${i}`, message: 'no such agent' }]);
    });
    if (new Set(p.agent_ids).size !== p.agent_ids.length) throw new AppError('bad_request', 'Invalid params: agent_ids: an agent is listed twice', [{ path: 'agent_ids', message: 'duplicate agent' }]);
    return teamOr404(ctx, store(ctx).insertTeam({ name: p.name, description: p.description, mode: p.mode, template: null, agentIds: p.agent_ids }));
  }),
  implement(T.listTemplates, () => ({
    templates: Object.entries(TEMPLATES).map(([key, d]) => {
      const doc = TeamDoc.parse(d);
      return { key, name: doc.name, description: doc.description, mode: doc.mode, agents: doc.agents, yaml_text: docToYaml(doc) };
    }),
  })),
  implement(T.fromTemplate, (p, ctx) => {
    const t = TEMPLATES[p.key];
    if (!t) throw notFound('Template', p.key);
    const doc = TeamDoc.parse(t);
    return createFromDoc(ctx, { ...doc, ...(p.name ? { name: p.name } : {}) }, p.key);
  }),
  implement(T.importYaml, (p, ctx) => ({ ok: true as const, team: createFromDoc(ctx, parseTeamYaml(p.yaml_text), null) })),
  implement(T.planPreview, async (p, ctx) => {
    const team = teamOr404(ctx, p.team_id);
    return makePlan(ctx.models, team, p.prompt, p.mode ?? team.mode);
  }),
  implement(T.modePreview, (p, ctx) => {
    const team = p.team_id !== undefined ? teamOr404(ctx, p.team_id) : null;
    const r = recommendMode(p.prompt, team);
    const mode = p.mode ?? r.mode;
    return { ok: true as const, recommended_mode: r.mode, reason: r.reason, mode, behaviour: MODE_BEHAVIOUR[mode].summary };
  }),
  implement(T.exportYaml, (p, ctx) => ({ yaml_text: teamOr404(ctx, p.team_id).yaml_text })),
];

function stripUndef<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
