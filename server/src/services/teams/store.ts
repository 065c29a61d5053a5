// The teams repository: every SQL statement of agents, teams and members, prepared once per database.
import type { Db } from '../../store/db';
import { Capabilities, type Agent, type AgentTool } from '../../protocol/agents';
import type { Team, TeamMode } from '../../protocol/teams';

interface AgentRow {
  id: number; name: string; model: string | null; role: string; system_prompt: string; tools: string; memory_mode: Agent['memory_mode'];
  max_tool_steps: number; can_critique: number; can_verify: number; can_delegate: number; can_use_workers: number; confidence_weight: number;
  run_id: string | null; cloned_from: number | null; created_at: string; updated_at: string;
}
interface TeamRow { id: number; name: string; description: string; mode: TeamMode; version: number; template: string | null; created_at: string; updated_at: string }

export type NewAgent = Omit<Agent, 'id' | 'created_at' | 'updated_at' | 'run_id' | 'cloned_from'> & { run_id?: string | null; cloned_from?: number | null };
export type TeamCore = Omit<Team, 'yaml_text' | 'members'> & { members: { agent_id: number; position: number; agent: Agent }[] };

function toAgent(r: AgentRow): Agent {
  return {
    id: r.id, name: r.name, model: r.model, role: r.role, system_prompt: r.system_prompt, tools: JSON.parse(r.tools) as AgentTool[],
    memory_mode: r.memory_mode,
    capabilities: {
      max_tool_steps: r.max_tool_steps, can_critique: !!r.can_critique, can_verify: !!r.can_verify, can_delegate: !!r.can_delegate,
      can_use_workers: !!r.can_use_workers, confidence_weight: r.confidence_weight,
    },
    run_id: r.run_id, cloned_from: r.cloned_from, created_at: r.created_at, updated_at: r.updated_at,
  };
}

const now = () => new Date().toISOString();

export class TeamsStore {
  private readonly s;
  constructor(private readonly db: Db) {
    this.s = {
      insertAgent: db.prepare(`INSERT INTO agents (name, model, role, system_prompt, tools, memory_mode, max_tool_steps, can_critique, can_verify, can_delegate,
        can_use_workers, confidence_weight, run_id, cloned_from, created_at, updated_at)
        VALUES (@name, @model, @role, @system_prompt, @tools, @memory_mode, @max_tool_steps, @can_critique, @can_verify, @can_delegate,
        @can_use_workers, @confidence_weight, @run_id, @cloned_from, @now, @now)`),
      updateAgent: db.prepare(`UPDATE agents SET name=@name, model=@model, role=@role, system_prompt=@system_prompt, tools=@tools, memory_mode=@memory_mode,
        max_tool_steps=@max_tool_steps, can_critique=@can_critique, can_verify=@can_verify, can_delegate=@can_delegate, can_use_workers=@can_use_workers,
        confidence_weight=@confidence_weight, updated_at=@now WHERE id=@id`),
      agent: db.prepare<[number], AgentRow>('SELECT * FROM agents WHERE id = ?'),
      agents: db.prepare<[number, number], AgentRow>('SELECT * FROM agents WHERE run_id IS NULL ORDER BY id LIMIT ? OFFSET ?'),
      agentsAll: db.prepare<[number, number], AgentRow>('SELECT * FROM agents ORDER BY id LIMIT ? OFFSET ?'),
      agentCount: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM agents WHERE run_id IS NULL'),
      agentCountAll: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM agents'),
      insertTeam: db.prepare('INSERT INTO teams (name, description, mode, template, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)'),
      insertMember: db.prepare('INSERT INTO team_members (team_id, agent_id, position) VALUES (?, ?, ?)'),
      team: db.prepare<[number], TeamRow>('SELECT * FROM teams WHERE id = ?'),
      teams: db.prepare<[], TeamRow>('SELECT * FROM teams ORDER BY id'),
      members: db.prepare<[number], { agent_id: number; position: number }>('SELECT agent_id, position FROM team_members WHERE team_id = ? ORDER BY position'),
    };
  }

  private agentParams(a: NewAgent) {
    const c = Capabilities.parse(a.capabilities);
    return {
      name: a.name, model: a.model ?? null, role: a.role, system_prompt: a.system_prompt, tools: JSON.stringify(a.tools), memory_mode: a.memory_mode,
      max_tool_steps: c.max_tool_steps, can_critique: +c.can_critique, can_verify: +c.can_verify, can_delegate: +c.can_delegate,
      can_use_workers: +c.can_use_workers, confidence_weight: c.confidence_weight, now: now(),
    };
  }

  insertAgent(a: NewAgent): Agent {
    const id = Number(this.s.insertAgent.run({ ...this.agentParams(a), run_id: a.run_id ?? null, cloned_from: a.cloned_from ?? null }).lastInsertRowid);
    return this.agent(id)!;
  }

  updateAgent(id: number, a: NewAgent): Agent {
    this.s.updateAgent.run({ ...this.agentParams(a), id });
    return this.agent(id)!;
  }

  agent(id: number): Agent | null {
    const r = this.s.agent.get(id);
    return r ? toAgent(r) : null;
  }

  agents(limit: number, offset: number, includeRunClones: boolean): { items: Agent[]; total: number } {
    const rows = (includeRunClones ? this.s.agentsAll : this.s.agents).all(limit, offset);
    return { items: rows.map(toAgent), total: (includeRunClones ? this.s.agentCountAll : this.s.agentCount).get()!.n };
  }

  insertTeam(t: { name: string; description: string; mode: TeamMode; template: string | null; agentIds: number[] }): number {
    return this.db.transaction(() => {
      const ts = now();
      const id = Number(this.s.insertTeam.run(t.name, t.description, t.mode, t.template, ts, ts).lastInsertRowid);
      t.agentIds.forEach((a, i) => this.s.insertMember.run(id, a, i + 1));
      return id;
    })();
  }

  team(id: number): TeamCore | null {
    const r = this.s.team.get(id);
    return r ? this.withMembers(r) : null;
  }

  teams(): TeamCore[] {
    return this.s.teams.all().map((r) => this.withMembers(r));
  }

  private withMembers(r: TeamRow): TeamCore {
    const members = this.s.members.all(r.id).map((m) => ({ ...m, agent: this.agent(m.agent_id)! }));
    return { ...r, members };
  }

  /** Run a group of writes atomically (e.g. a YAML import: its agents and the team, or nothing). */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}

const stores = new WeakMap<Db, TeamsStore>();
export function teamsStore(db: Db): TeamsStore {
  let s = stores.get(db);
  if (!s) stores.set(db, (s = new TeamsStore(db)));
  return s;
}
