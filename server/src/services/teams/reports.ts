// Reports on runs: handoffs, the team view, the run's actions, a Markdown report, analytics (SQL aggregates)
// and a CSV. Reads only. The run's actions are read from the safe-actions tables by run_id (the queue owns them).
import type { ServerContext } from '../../context';
import * as RR from '../../protocol/runsReports';
import { notFound } from '../../protocol/errors';
import type { ActionItem } from '../../protocol/actions';
import type { Run } from '../../protocol/runs';
import { implement, type Implementation } from '../registry';
import { stateOf } from '../actions/state';
import { teamsStore } from './store';
import { runStore, type RunSubgoal } from './runStore';

const runOr404 = (ctx: ServerContext, id: string): Run => {
  const r = runStore(ctx.db).get(id);
  if (!r) throw notFound('Run', id);
  return r;
};
const clip = (s: string | null | undefined, n: number) => (!s ? '' : s.length > n ? `${s.slice(0, n)}…` : s);

function handoffs(subgoals: RunSubgoal[]) {
  const by = new Map(subgoals.map((s) => [s.id, s]));
  return subgoals
    .filter((s) => s.depends_on.length)
    .map((s) => {
      const from = s.depends_on.map((d) => by.get(d)!).filter(Boolean);
      return {
        from: s.depends_on,
        to: s.id,
        from_agents: from.map((f) => f.agent_name),
        to_agent: s.agent_name,
        context: from.map((f) => `${f.id}: ${clip(f.output, 400)}`).join('\n'),
        expected_output: `${s.deliverable}: ${s.title}`,
        state: from.every((f) => f.status === 'done') ? ('handed_over' as const) : ('waiting' as const),
      };
    });
}

function actionsOf(ctx: ServerContext, runId: string): ActionItem[] {
  const ids = ctx.db.prepare('SELECT id FROM actions WHERE run_id = ? ORDER BY id').all(runId) as { id: number }[];
  const st = stateOf(ctx).store;
  return ids.map((r) => st.get(r.id)!).filter(Boolean);
}

function metric(ctx: ServerContext, run: Run, subgoals: RunSubgoal[]) {
  const actions = actionsOf(ctx, run.id);
  const toolCalls = (ctx.db.prepare(`SELECT count(*) AS n FROM run_steps WHERE run_id = ? AND kind = 'tool_result'`).get(run.id) as { n: number }).n;
  return {
    turns_used: run.turns_used,
    tokens_used: run.tokens_used,
    seconds_used: run.seconds_used,
    subgoals_total: subgoals.length,
    subgoals_done: subgoals.filter((s) => s.status === 'done').length,
    tool_calls: toolCalls,
    actions_proposed: actions.length,
    actions_denied: actions.filter((a) => a.status === 'denied').length,
  };
}

function artifacts(items: ActionItem[]) {
  return items
    .filter((a) => a.tool_name === 'desktop_write_text' && a.status === 'executed')
    .map((a) => {
      const r = (a.result ?? {}) as { path?: string; bytes?: number };
      return { action_id: a.id, kind: 'file' as const, path: r.path ?? String(a.params.path), bytes: typeof r.bytes === 'number' ? r.bytes : null };
    });
}

/** The Markdown report: what a person reading it later needs to know what happened and why. */
export function reportMarkdown(ctx: ServerContext, run: Run): string {
  const rs = runStore(ctx.db);
  const team = teamsStore(ctx.db).team(run.team_id);
  const plan = rs.plan(run.id).plan;
  const subgoals = rs.subgoals(run.id);
  const steps = rs.steps(run.id);
  const actions = actionsOf(ctx, run.id);
  const out: string[] = [];
  out.push(`# Run report: ${run.prompt.split('\n')[0]!.slice(0, 120)}`, '');
  out.push(`- Run: \`${run.id}\``);
  out.push(`- Team: ${team?.name ?? `#${run.team_id}`} (mode ${run.mode})`);
  out.push(`- Status: **${run.status}**${run.stop_reason ? ` (stop reason: ${run.stop_reason})` : ''}${run.error ? ` — ${run.error}` : ''}`);
  out.push(`- Started ${run.created_at}${run.finished_at ? `, finished ${run.finished_at}` : ''}`);
  out.push(
    `- Budgets: ${run.turns_used} / ${run.max_turns} turns, ${run.tokens_used} / ${run.token_budget} tokens, ${run.seconds_used.toFixed(1)} / ${run.max_seconds} s`,
    '',
  );
  out.push('## Goal', '', run.prompt, '');
  if (team) {
    out.push('## Team', '');
    for (const m of team.members)
      out.push(`- **${m.agent.name}** — ${m.agent.role}, model ${m.agent.model ?? 'default'}, tools: ${m.agent.tools.join(', ') || 'none'}`);
    out.push('');
  }
  out.push('## Plan', '');
  if (!plan) out.push(run.stop_reason === 'invalid_plan' ? `The planner gave no valid plan: ${run.error ?? ''}` : 'No plan yet.', '');
  else {
    out.push(plan.rationale, '');
    for (const s of subgoals)
      out.push(
        `${subgoals.indexOf(s) + 1}. **${s.id} ${s.title}** — ${s.agent_name} (${s.status}); deliverable: ${s.deliverable}${s.depends_on.length ? `; after ${s.depends_on.join(', ')}` : ''}. _${s.assignment_reason}_`,
      );
    out.push('');
  }
  for (const s of subgoals) {
    out.push(`## ${s.id} ${s.title}`, '');
    for (const st of steps.filter((x) => x.subgoal_id === s.id)) {
      const o = (() => {
        try {
          return JSON.parse(st.output) as Record<string, unknown>;
        } catch {
          return null;
        }
      })();
      if (st.kind === 'tool_call' && o) {
        const calls = (o.calls as { function: { name: string; arguments: unknown } }[]) ?? [];
        out.push(
          `- Tool call: ${calls.map((c) => `\`${c.function.name}\` ${JSON.stringify(c.function.arguments).slice(0, 200)}`).join(', ')}${o.refused ? ` (refused: ${o.refused})` : ''}`,
        );
      } else if (st.kind === 'tool_result' && o) out.push(`- Observation: ${clip(String(o.observation ?? ''), 300)}`);
      else if (st.kind === 'critique' && o) out.push(`- Review by ${o.critic}: **${o.verdict}** — ${clip(String(o.feedback ?? ''), 300)}`);
      else if (st.kind === 'rebuttal') out.push(`- Counter-argument: ${clip(st.output, 400)}`);
    }
    out.push('', s.output ? s.output : '_No deliverable yet._', '');
  }
  if (actions.length) {
    out.push('## Actions', '');
    for (const a of actions)
      out.push(
        `- #${a.id} ${a.summary} — **${a.status}**${a.decided_by ? ` by ${a.decided_by}` : ''}${a.decision_reason ? ` (${a.decision_reason})` : ''}${a.error ? `: ${a.error}` : ''}`,
      );
    out.push('');
  }
  out.push('## Answer', '', run.final_output ?? '_The run gave no final answer._', '');
  return out.join('\n');
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export const runsReportServices: readonly Implementation[] = [
  implement(RR.runHandoffs, (p, ctx) => {
    runOr404(ctx, p.id);
    return { ok: true as const, items: handoffs(runStore(ctx.db).subgoals(p.id)) };
  }),
  implement(RR.runTeam, (p, ctx) => {
    const run = runOr404(ctx, p.id);
    const subgoals = runStore(ctx.db).subgoals(p.id);
    return { ok: true as const, plan: runStore(ctx.db).plan(p.id).plan, subgoals, handoffs: handoffs(subgoals), metric: metric(ctx, run, subgoals) };
  }),
  implement(RR.runActions, (p, ctx) => {
    runOr404(ctx, p.id);
    const requests = actionsOf(ctx, p.id);
    const executions = requests.length ? stateOf(ctx).store.history(500, 0, undefined, p.id).executions : [];
    return { ok: true as const, requests, executions, artifacts: artifacts(requests) };
  }),
  implement(RR.exportRun, (p, ctx) => {
    const run = runOr404(ctx, p.id);
    return { ok: true as const, run_id: run.id, filename: `${run.id}.md`, markdown: reportMarkdown(ctx, run) };
  }),
  implement(RR.analyticsOverview, (_p, ctx) => {
    const rows = ctx.db
      .prepare(
        `SELECT status, mode, count(*) AS n, sum(tokens_used) AS tokens, sum(turns_used) AS turns, sum(seconds_used) AS seconds FROM runs GROUP BY status, mode`,
      )
      .all() as { status: string; mode: string; n: number; tokens: number; turns: number; seconds: number }[];
    const by_status: Record<string, number> = {};
    const by_mode: Record<string, number> = {};
    let total = 0;
    let tokens = 0;
    let turns = 0;
    let seconds = 0;
    for (const r of rows) {
      by_status[r.status] = (by_status[r.status] ?? 0) + r.n;
      by_mode[r.mode] = (by_mode[r.mode] ?? 0) + r.n;
      total += r.n;
      tokens += r.tokens;
      turns += r.turns;
      seconds += r.seconds;
    }
    const ended = ['completed', 'stopped', 'failed', 'cancelled', 'interrupted'].reduce((n, s) => n + (by_status[s] ?? 0), 0);
    const actions = Object.fromEntries(
      // Team runs' ids start with `run_`: a range of the actions_run index, then a primary-key probe per action —
      // not `IN (SELECT id FROM runs)`, which probes the actions index once per run (100k runs: 100k probes).
      (
        ctx.db
          .prepare(
            "SELECT a.status, count(*) AS n FROM actions a WHERE a.run_id >= 'run_' AND a.run_id < 'run`' AND EXISTS (SELECT 1 FROM runs r WHERE r.id = a.run_id) GROUP BY a.status",
          )
          .all() as {
          status: string;
          n: number;
        }[]
      ).map((r) => [r.status, r.n]),
    );
    return {
      ok: true as const,
      runs_total: total,
      by_status,
      by_mode,
      completion_rate: ended ? (by_status.completed ?? 0) / ended : 0,
      tokens_total: tokens,
      turns_total: turns,
      avg_seconds: total ? seconds / total : 0,
      actions,
    };
  }),
  implement(RR.analyticsRun, (p, ctx) => {
    const run = runOr404(ctx, p.id);
    const steps_by_kind = Object.fromEntries(
      (ctx.db.prepare('SELECT kind, count(*) AS n FROM run_steps WHERE run_id = ? GROUP BY kind').all(p.id) as { kind: string; n: number }[]).map(
        (r) => [r.kind, r.n],
      ),
    );
    const agents = ctx.db
      .prepare(
        `SELECT s.agent_id, a.name AS agent_name, count(*) AS steps, sum(s.prompt_tokens) AS prompt_tokens, sum(s.eval_tokens) AS eval_tokens
         FROM run_steps s LEFT JOIN agents a ON a.id = s.agent_id WHERE s.run_id = ? GROUP BY s.agent_id ORDER BY s.agent_id`,
      )
      .all(p.id) as { agent_id: number | null; agent_name: string | null; steps: number; prompt_tokens: number; eval_tokens: number }[];
    const actions = Object.fromEntries(
      (ctx.db.prepare('SELECT status, count(*) AS n FROM actions WHERE run_id = ? GROUP BY status').all(p.id) as { status: string; n: number }[]).map(
        (r) => [r.status, r.n],
      ),
    );
    return {
      ok: true as const,
      run_id: run.id,
      status: run.status,
      turns_used: run.turns_used,
      tokens_used: run.tokens_used,
      seconds_used: run.seconds_used,
      steps_by_kind,
      agents,
      actions,
    };
  }),
  implement(RR.analyticsCsv, (_p, ctx) => {
    const cols = [
      'id',
      'team_id',
      'mode',
      'status',
      'stop_reason',
      'turns_used',
      'max_turns',
      'tokens_used',
      'token_budget',
      'seconds_used',
      'created_at',
      'finished_at',
      'prompt',
    ];
    const rows = ctx.db
      .prepare(`SELECT ${cols.join(', ')} FROM runs ORDER BY created_at DESC, rowid DESC`)
      .raw()
      .all() as unknown[][];
    const csv = [cols.join(','), ...rows.map((r) => r.map(csvCell).join(','))].join('\r\n') + '\r\n';
    return { ok: true as const, csv, rows: rows.length };
  }),
];
