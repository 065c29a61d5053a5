// SQL of runs: the run row, its subgoals, steps (the resume points), messages and trace events. A step and
// everything it changes are written in one transaction, so after a crash a step either happened or not.
import { randomUUID } from 'node:crypto';
import type { Db } from '../../store/db';
import type { Run, RunStatus } from '../../protocol/runs';
import type { Subgoal } from '../../protocol/teams';

export type RunSubgoal = Subgoal & { status: 'pending' | 'running' | 'done' | 'skipped'; output: string | null };
import type { PlanOutcome } from './planner';

type RunRow = Omit<Run, 'reflection'> & { reflection: number; plan: string | null; raw_plan: string | null };
const now = () => new Date().toISOString();
const toRun = ({ plan: _p, raw_plan: _r, ...r }: RunRow): Run => ({ ...r, reflection: !!r.reflection });

/**
 * Step kinds: plan; tool_call (a model call that asked for tools) and tool_result (the observation) inside an
 * agent's loop; draft / critique / rebuttal (careful and debate modes); agent_turn (the subgoal's deliverable —
 * marks it done); synthesis (the final answer).
 */
export type StepKind = 'plan' | 'tool_call' | 'tool_result' | 'draft' | 'critique' | 'rebuttal' | 'agent_turn' | 'synthesis';
export interface StepWrite {
  kind: StepKind;
  /** Counts against max_turns (default: every model call; not the plan, not an observation, not bookkeeping). */
  turn?: boolean;
  subgoal_id: string | null;
  agent_id: number | null;
  output: string;
  prompt_tokens: number;
  eval_tokens: number;
  seconds: number;
}

export class RunStore {
  private readonly s;
  constructor(private readonly db: Db) {
    this.s = {
      insert:
        db.prepare(`INSERT INTO runs (id, team_id, prompt, mode, status, max_turns, max_seconds, token_budget, consensus_threshold, reflection, created_at, updated_at)
        VALUES (@id, @team_id, @prompt, @mode, 'queued', @max_turns, @max_seconds, @token_budget, @consensus_threshold, @reflection, @now, @now)`),
      get: db.prepare<[string], RunRow>('SELECT * FROM runs WHERE id = ?'),
      // One statement per filter combination: an `@x IS NULL OR …` filter would keep SQLite off the indexes.
      list: {
        none: db.prepare<[number, number], RunRow>('SELECT * FROM runs ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?'),
        status: db.prepare<[string, number, number], RunRow>(
          'SELECT * FROM runs INDEXED BY runs_status_newest WHERE status = ? ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?',
        ),
        team: db.prepare<[number, number, number], RunRow>(
          'SELECT * FROM runs INDEXED BY runs_team_newest WHERE team_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?',
        ),
        both: db.prepare<[string, number, number, number], RunRow>(
          'SELECT * FROM runs INDEXED BY runs_status_newest WHERE status = ? AND team_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?',
        ),
      },
      // Totals from run_counts (migration 59, kept by triggers): a few rows, whatever the number of runs.
      count: {
        none: db.prepare<[], { n: number }>('SELECT COALESCE(SUM(n), 0) AS n FROM run_counts'),
        status: db.prepare<[string], { n: number }>('SELECT COALESCE(SUM(n), 0) AS n FROM run_counts WHERE status = ?'),
        team: db.prepare<[number], { n: number }>('SELECT COALESCE(SUM(n), 0) AS n FROM run_counts WHERE team_id = ?'),
        both: db.prepare<[string, number], { n: number }>('SELECT COALESCE(SUM(n), 0) AS n FROM run_counts WHERE status = ? AND team_id = ?'),
      },
      active: db.prepare<[], { id: string }>(`SELECT id FROM runs WHERE status IN ('queued','running','waiting_approval') ORDER BY created_at`),
      setWaiting: db.prepare('UPDATE runs SET waiting_action_id = ?, updated_at = ? WHERE id = ?'),
      setWorkerMode: db.prepare('UPDATE runs SET worker_mode = ? WHERE id = ?'),
      subgoalRunning: db.prepare(`UPDATE run_subgoals SET status = 'running' WHERE run_id = ? AND subgoal_id = ? AND status = 'pending'`),
      setStatus: db.prepare(`UPDATE runs SET status = @to, stop_reason = COALESCE(@stop_reason, stop_reason), error = COALESCE(@error, error),
        updated_at = @now, finished_at = CASE WHEN @to IN ('completed','stopped','failed','cancelled','interrupted') THEN @now ELSE finished_at END,
        waiting_action_id = CASE WHEN @to IN ('completed','stopped','failed','cancelled','interrupted') THEN NULL ELSE waiting_action_id END
        WHERE id = @id AND status IN (SELECT value FROM json_each(@from))`),
      setPlan: db.prepare('UPDATE runs SET plan = ?, raw_plan = ?, updated_at = ? WHERE id = ?'),
      addUsage: db.prepare(
        'UPDATE runs SET turns_used = turns_used + @turns, tokens_used = tokens_used + @tokens, seconds_used = seconds_used + @seconds, updated_at = @now WHERE id = @id',
      ),
      setFinal: db.prepare('UPDATE runs SET final_output = ?, updated_at = ? WHERE id = ?'),
      insertSubgoal: db.prepare(`INSERT INTO run_subgoals (run_id, subgoal_id, position, spec, status) VALUES (?, ?, ?, ?, 'pending')`),
      subgoals: db.prepare<[string], { subgoal_id: string; spec: string; status: string; output: string | null }>(
        'SELECT * FROM run_subgoals WHERE run_id = ? ORDER BY position',
      ),
      subgoalDone: db.prepare(`UPDATE run_subgoals SET status = 'done', output = ? WHERE run_id = ? AND subgoal_id = ?`),
      nextSeq: db.prepare<[string], { n: number }>('SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM run_steps WHERE run_id = ?'),
      insertStep: db.prepare(
        'INSERT INTO run_steps (run_id, seq, kind, subgoal_id, agent_id, output, prompt_tokens, eval_tokens, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      steps: db.prepare<[string], { seq: number; kind: string; subgoal_id: string | null; agent_id: number | null; output: string }>(
        'SELECT seq, kind, subgoal_id, agent_id, output FROM run_steps WHERE run_id = ? ORDER BY seq',
      ),
      insertMessage: db.prepare(
        'INSERT INTO run_messages (run_id, role, content, agent_id, subgoal_id, meta, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      messages: db.prepare<
        [string],
        { id: number; role: string; content: string; agent_id: number | null; subgoal_id: string | null; meta: string; created_at: string }
      >('SELECT * FROM run_messages WHERE run_id = ? ORDER BY id'),
      insertEvent: db.prepare('INSERT INTO run_events (run_id, agent_id, event_type, payload, created_at) VALUES (?, ?, ?, ?, ?)'),
      events: db.prepare<[string], { id: number; run_id: string; agent_id: number | null; event_type: string; payload: string; created_at: string }>(
        'SELECT * FROM run_events WHERE run_id = ? ORDER BY id',
      ),
    };
  }

  create(p: {
    team_id: number;
    prompt: string;
    mode: string;
    max_turns: number;
    max_seconds: number;
    token_budget: number;
    consensus_threshold: number;
    reflection: boolean;
    worker_mode?: string | null;
  }): Run {
    const id = `run_${randomUUID()}`;
    this.db.transaction(() => {
      this.s.insert.run({ ...p, id, reflection: +p.reflection, now: now() });
      if (p.worker_mode) this.s.setWorkerMode.run(p.worker_mode, id);
      this.event(id, null, 'run_created', { prompt: p.prompt, mode: p.mode });
    })();
    return this.get(id)!;
  }

  get(id: string): Run | null {
    const r = this.s.get.get(id);
    return r ? toRun(r) : null;
  }

  plan(id: string): { plan: PlanOutcome['plan']; raw: string | null } {
    const r = this.s.get.get(id);
    return { plan: r?.plan ? JSON.parse(r.plan) : null, raw: r?.raw_plan ?? null };
  }

  list(limit: number, offset: number, status?: string, teamId?: number): { items: Run[]; total: number } {
    const { list, count } = this.s;
    if (status !== undefined && teamId !== undefined)
      return { items: list.both.all(status, teamId, limit, offset).map(toRun), total: count.both.get(status, teamId)!.n };
    if (status !== undefined) return { items: list.status.all(status, limit, offset).map(toRun), total: count.status.get(status)!.n };
    if (teamId !== undefined) return { items: list.team.all(teamId, limit, offset).map(toRun), total: count.team.get(teamId)!.n };
    return { items: list.none.all(limit, offset).map(toRun), total: count.none.get()!.n };
  }

  active(): string[] {
    return this.s.active.all().map((r) => r.id);
  }

  /** Conditional transition: true when the run was in one of `from` (the door is the UPDATE's WHERE). */
  transition(id: string, from: RunStatus[], to: RunStatus, extra: { stop_reason?: string; error?: string } = {}): boolean {
    return this.db.transaction(() => {
      const ok =
        this.s.setStatus.run({ id, to, from: JSON.stringify(from), stop_reason: extra.stop_reason ?? null, error: extra.error ?? null, now: now() })
          .changes === 1;
      if (ok) this.event(id, null, `status_${to}`, { ...extra });
      return ok;
    })();
  }

  /** Record which action the run waits on (the status moves separately, through transition). */
  setWaiting(id: string, actionId: number | null): void {
    this.s.setWaiting.run(actionId, now(), id);
  }

  subgoalStarted(id: string, sid: string): void {
    if (this.s.subgoalRunning.run(id, sid).changes) this.event(id, null, 'subgoal_started', { subgoal_id: sid });
  }

  savePlan(id: string, outcome: PlanOutcome, step: StepWrite): void {
    this.db.transaction(() => {
      this.s.setPlan.run(outcome.plan ? JSON.stringify(outcome.plan) : null, outcome.raw_output ?? null, now(), id);
      outcome.subgoals.forEach((sg, i) => this.s.insertSubgoal.run(id, sg.id, i + 1, JSON.stringify(sg)));
      this.writeStep(id, step);
      this.event(id, null, 'plan', { ok: outcome.ok, subgoals: outcome.subgoals.map((s) => s.id), error: outcome.error ?? null });
    })();
  }

  /** One completed step: the step row, the subgoal's output, the message, usage — all or nothing. */
  completeStep(id: string, step: StepWrite, message: { role: string; content: string; meta: Record<string, unknown> } | null, final = false): number {
    return this.db.transaction(() => {
      const seq = this.writeStep(id, step);
      if (step.kind === 'agent_turn' && step.subgoal_id) this.s.subgoalDone.run(step.output, id, step.subgoal_id);
      if (final) this.s.setFinal.run(step.output, now(), id);
      if (message) this.s.insertMessage.run(id, message.role, message.content, step.agent_id, step.subgoal_id, JSON.stringify(message.meta), now());
      this.event(id, step.agent_id, step.kind, {
        subgoal_id: step.subgoal_id,
        prompt_tokens: step.prompt_tokens,
        eval_tokens: step.eval_tokens,
        ...(step.kind === 'agent_turn' || step.kind === 'synthesis' ? {} : { output: step.output.slice(0, 2000) }),
      });
      return seq;
    })();
  }

  private writeStep(id: string, step: StepWrite): number {
    const seq = this.s.nextSeq.get(id)!.n;
    this.s.insertStep.run(id, seq, step.kind, step.subgoal_id, step.agent_id, step.output, step.prompt_tokens, step.eval_tokens, now());
    this.s.addUsage.run({
      id,
      turns: (step.turn ?? !['plan', 'tool_result'].includes(step.kind)) ? 1 : 0,
      tokens: step.prompt_tokens + step.eval_tokens,
      seconds: step.seconds,
      now: now(),
    });
    return seq;
  }

  subgoals(id: string): RunSubgoal[] {
    return this.s.subgoals.all(id).map((r) => ({ ...(JSON.parse(r.spec) as Subgoal), status: r.status as RunSubgoal['status'], output: r.output }));
  }

  steps(id: string) {
    return this.s.steps.all(id);
  }

  messages(id: string) {
    return this.s.messages.all(id).map((m) => ({ ...m, meta: JSON.parse(m.meta) as Record<string, unknown> }));
  }

  event(id: string, agentId: number | null, type: string, payload: Record<string, unknown>): number {
    return Number(this.s.insertEvent.run(id, agentId, type, JSON.stringify(payload), now()).lastInsertRowid);
  }

  events(id: string) {
    return this.s.events.all(id).map((e) => ({ ...e, payload: JSON.parse(e.payload) as Record<string, unknown> }));
  }
}

const stores = new WeakMap<Db, RunStore>();
export function runStore(db: Db): RunStore {
  let s = stores.get(db);
  if (!s) stores.set(db, (s = new RunStore(db)));
  return s;
}
