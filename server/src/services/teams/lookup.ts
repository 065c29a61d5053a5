// Loading agents and teams for services and the runner (404 when missing; a team's YAML generated from it).
import type { ServerContext } from '../../context';
import type { Agent } from '../../protocol/agents';
import { notFound } from '../../protocol/errors';
import type { Run } from '../../protocol/runs';
import type { Team } from '../../protocol/teams';
import { runStore } from './runStore';
import { teamsStore, type TeamCore } from './store';
import { docToYaml, teamToDoc } from './yaml';

export function withYaml(t: TeamCore): Team {
  return { ...t, yaml_text: docToYaml(teamToDoc(t)) };
}

export function agentOr404(ctx: ServerContext, id: number): Agent {
  return (
    teamsStore(ctx.db).agent(id) ??
    (() => {
      throw notFound('Agent', id);
    })()
  );
}

export function teamOr404(ctx: ServerContext, id: number): Team {
  return withYaml(teamCoreOr404(ctx, id));
}

/** The team without its YAML text (the runner and run creation need its members, not the export). */
export function teamCoreOr404(ctx: ServerContext, id: number): TeamCore {
  const t = teamsStore(ctx.db).team(id);
  if (!t) throw notFound('Team', id);
  return t;
}

export function runOr404(ctx: ServerContext, id: string): Run {
  const r = runStore(ctx.db).get(id);
  if (!r) throw notFound('Run', id);
  return r;
}
