// Runs services and the runtime that resumes unfinished runs at start and stops runners before the db closes.
import * as R from '../../protocol/runs';
import { conflict, notFound } from '../../protocol/errors';
import type { ServerContext } from '../../context';
import type { AreaRuntime } from '../../runtime';
import { implement, type Implementation } from '../registry';
import { agentOr404, teamCoreOr404 } from './lookup';
import { liveLog } from './liveLog';
import { startLiveLogSweeper } from './liveRetention';
import { teamsStore } from './store';
import { runStore } from './runStore';
import { abortRun, startRun, stopAll } from './runner';
import { emitRun, mountRunStream, transitionRun } from './live';
import { mountAttachmentParser } from './attachments';
import { deny } from '../actions/queue';

const runOr404 = (ctx: ServerContext, id: string) =>
  runStore(ctx.db).get(id) ??
  (() => {
    throw notFound('Run', id);
  })();
const messagesOf = (ctx: ServerContext, id: string) => runStore(ctx.db).messages(id);

export const runsServices: readonly Implementation[] = [
  implement(R.createRun, (p, ctx) => {
    const team = teamCoreOr404(ctx, p.team_id);
    const run = runStore(ctx.db).create({ ...p, mode: p.mode ?? team.mode });
    emitRun(ctx, { run_id: run.id, kind: 'status', status: run.status, data: { team_id: run.team_id, prompt: run.prompt } });
    startRun(ctx, run.id);
    return { run_id: run.id, status: run.status, messages: [], run };
  }),
  implement(R.listRuns, (p, ctx) => runStore(ctx.db).list(p.limit, p.offset, p.status, p.team_id)),
  implement(R.getRun, (p, ctx) => ({ run: runOr404(ctx, p.id), messages: messagesOf(ctx, p.id) })),
  implement(R.pauseRun, (p, ctx) => {
    runOr404(ctx, p.id);
    if (!transitionRun(ctx, p.id, ['queued', 'running', 'waiting_approval'], 'paused'))
      throw conflict(`Run '${p.id}' is ${runOr404(ctx, p.id).status}; only a queued, running or waiting run can be paused`);
    return { ok: true as const, run: runOr404(ctx, p.id) };
  }),
  implement(R.resumeRun, (p, ctx) => {
    runOr404(ctx, p.id);
    // A run paused while a branch waited on an action goes back to waiting for it (still undecided).
    const target = runOr404(ctx, p.id).waiting_action_id ? 'waiting_approval' : 'running';
    if (!transitionRun(ctx, p.id, ['paused', 'interrupted'], target))
      throw conflict(`Run '${p.id}' is ${runOr404(ctx, p.id).status}; only a paused or interrupted run can be resumed`);
    startRun(ctx, p.id);
    return { ok: true as const, run: runOr404(ctx, p.id) };
  }),
  implement(R.cancelRun, (p, ctx, call) => {
    runOr404(ctx, p.id);
    if (!transitionRun(ctx, p.id, ['queued', 'running', 'waiting_approval', 'paused'], 'cancelled'))
      throw conflict(`Run '${p.id}' already ended (${runOr404(ctx, p.id).status})`);
    abortRun(ctx, p.id);
    // An action the cancelled run still waits on must not run if someone approves it later: deny it, through
    // the queue's own deny (audited, announced).
    for (const a of ctx.db.prepare(`SELECT id FROM actions WHERE run_id = ? AND status = 'pending'`).all(p.id) as { id: number }[]) {
      try {
        deny(ctx, a.id, `run ${p.id} was cancelled`, { transport: call.transport, actor: call.actor });
      } catch {
        // decided meanwhile: nothing to withdraw
      }
    }
    return { ok: true as const, run: runOr404(ctx, p.id) };
  }),
  implement(R.runPlan, (p, ctx) => {
    runOr404(ctx, p.id);
    return { ok: true as const, plan: runStore(ctx.db).plan(p.id).plan, subgoals: runStore(ctx.db).subgoals(p.id) as never };
  }),
  implement(R.runTrace, (p, ctx) => {
    runOr404(ctx, p.id);
    return { ok: true as const, run_id: p.id, trace: runStore(ctx.db).events(p.id) };
  }),
  implement(R.cloneAgent, (p, ctx) => {
    runOr404(ctx, p.id);
    const a = agentOr404(ctx, p.agent_id);
    const copy = teamsStore(ctx.db).insertAgent({
      ...a,
      name: p.name ?? `${a.name} (copy)`,
      model: p.model ?? a.model,
      system_prompt: p.system_prompt ?? a.system_prompt,
      run_id: p.id,
      cloned_from: a.id,
    });
    runStore(ctx.db).event(p.id, copy.id, 'agent_cloned', { from: a.id, name: copy.name });
    return { ok: true as const, agent_id: copy.id };
  }),
];

/** The live-log sweeper of each server (stopped with it). */
const sweepers = new WeakMap<ServerContext, () => void>();

export const runsRuntime: AreaRuntime = {
  name: 'runs',
  start(ctx) {
    sweepers.set(ctx, startLiveLogSweeper(ctx));
    // Runs a previous server left queued or running continue from their last completed step.
    // (teams.onRestart = interrupt: they are marked interrupted instead, with the reason.)
    const interrupt = ctx.config['teams.onRestart'] === 'interrupt';
    for (const id of runStore(ctx.db).active()) {
      if (interrupt) {
        transitionRun(ctx, id, ['queued', 'running', 'waiting_approval'], 'interrupted', {
          error: 'The server restarted while this run was unfinished; teams.onRestart is "interrupt", so it was not resumed.',
        });
        continue;
      }
      runStore(ctx.db).event(id, null, 'resumed_after_restart', {});
      startRun(ctx, id);
    }
  },
  mountHttp(app, ctx) {
    mountRunStream(app, ctx);
    mountAttachmentParser(app);
  },
  async stop(ctx) {
    sweepers.get(ctx)?.();
    await stopAll(ctx);
    liveLog(ctx.db).flush();
  },
};
