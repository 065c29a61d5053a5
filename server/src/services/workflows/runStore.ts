// SQL of workflow runs: the run row (with the definition snapshot it runs), one row per step (the durable
// state: status, attempts, the approval request / action it waits on, input, output, timings) and the run's
// events (history and audit). Every change is a conditional UPDATE in a transaction with its event, so after a
// crash a transition either happened (and is recorded) or not.
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../store/db';
import type { RunStep, StepStatus, WorkflowRun, WorkflowRunStatus } from '../../protocol/workflows';
import type { Definition } from './store';
import { STEP_SETTLED } from './stateMachine';

const now = () => new Date().toISOString();
/** Statuses in which the operator holds a run: its time limit does not run (the deadline moves on when it resumes). */
const HELD: ReadonlySet<WorkflowRunStatus> = new Set(['paused', 'waiting_approval', 'failed']);

interface RunRow {
  id: number;
  workflow_id: number;
  workflow_version: number;
  definition: string;
  run_ref: string | null;
  mode: WorkflowRun['mode'];
  worker_mode: WorkflowRun['worker_mode'];
  status: WorkflowRunStatus;
  pause_reason: string | null;
  step_budget: number | null;
  inputs: string;
  outputs: string | null;
  error: string | null;
  replay_of: number | null;
  replay_from: number | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
  steps_total: number;
  steps_done: number;
  current_position: number | null;
  max_duration_seconds: number | null;
  deadline_ms: number | null;
  held_since_ms: number | null;
}
type StepRow = Omit<RunStep, 'input' | 'output' | 'approved' | 'requires_approval'> & {
  input: string | null;
  output: string | null;
  approved: number;
};

/** Columns a step patch may set. */
export type StepPatch = Partial<{
  status: StepStatus;
  attempts: number;
  operator_retries: number;
  approved: boolean;
  gate_action_id: number | null;
  action_id: number | null;
  external_ref: string | null;
  input: unknown;
  output: unknown;
  error: string | null;
  skip_reason: string | null;
  next_attempt_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
}>;
const JSON_COLS = new Set(['input', 'output']);

export class WorkflowRunStore {
  private readonly s;
  private readonly defs = new Map<number, Definition>();
  /** Parsed definition snapshots by their text: the runs of one version share one parse (and one object). */
  private readonly parsed = new Map<string, Definition>();
  /** Statements built from a few shapes of dynamic SQL (transitions, step patches), prepared once each. */
  private readonly cache = new Map<string, Statement<unknown[]>>();
  private prep(sql: string) {
    let st = this.cache.get(sql);
    if (!st) this.cache.set(sql, (st = this.db.prepare(sql)));
    return st;
  }
  constructor(private readonly db: Db) {
    const settled = STEP_SETTLED.map((s) => `'${s}'`).join(',');
    const sel = `SELECT r.*,
      (SELECT COUNT(*) FROM workflow_run_steps s WHERE s.run_id = r.id) AS steps_total,
      (SELECT COUNT(*) FROM workflow_run_steps s WHERE s.run_id = r.id AND s.status IN ('done','skipped','reused')) AS steps_done,
      (SELECT MIN(position) FROM workflow_run_steps s WHERE s.run_id = r.id AND s.status NOT IN (${settled})) AS current_position
      FROM workflow_runs r`;
    this.s = {
      insert: db.prepare(`INSERT INTO workflow_runs (workflow_id, workflow_version, definition, run_ref, mode, worker_mode, status, pause_reason,
        step_budget, inputs, replay_of, replay_from, created_at, updated_at, max_duration_seconds, deadline_ms, held_since_ms)
        VALUES (@workflow_id, @workflow_version, @definition, @run_ref, @mode, @worker_mode, @status, @pause_reason, @step_budget, @inputs,
        @replay_of, @replay_from, @now, @now, @max_duration_seconds, @deadline_ms, @held_since_ms)`),
      insertStep: db.prepare(`INSERT INTO workflow_run_steps (run_id, position, step_id, name, step_type, status, output, reused_from, finished_at)
        VALUES (@run_id, @position, @step_id, @name, @step_type, @status, @output, @reused_from, @finished_at)`),
      get: db.prepare<[number], RunRow>(`${sel} WHERE r.id = ?`),
      list: db.prepare<[{ wf: number | null; status: string | null; limit: number; offset: number }], RunRow>(
        `${sel} WHERE (@wf IS NULL OR r.workflow_id = @wf) AND (@status IS NULL OR r.status = @status) ORDER BY r.id DESC LIMIT @limit OFFSET @offset`,
      ),
      count: db.prepare<[{ wf: number | null; status: string | null }], { n: number }>(
        'SELECT COUNT(*) AS n FROM workflow_runs WHERE (@wf IS NULL OR workflow_id = @wf) AND (@status IS NULL OR status = @status)',
      ),
      row: db.prepare<[number], Omit<RunRow, 'steps_total' | 'steps_done' | 'current_position'>>('SELECT * FROM workflow_runs WHERE id = ?'),
      head: db.prepare<[number], Pick<RunRow, 'id' | 'workflow_id' | 'status' | 'current_position'>>(
        `SELECT r.id, r.workflow_id, r.status,
          (SELECT MIN(position) FROM workflow_run_steps s WHERE s.run_id = r.id AND s.status NOT IN (${settled})) AS current_position
          FROM workflow_runs r WHERE r.id = ?`,
      ),
      inFlight: db.prepare<[string, number], { run_id: number; position: number; attempts: number; step_type: string }>(
        `SELECT s.run_id, s.position, s.attempts, s.step_type FROM workflow_run_steps s JOIN workflow_runs r ON r.id = s.run_id
          WHERE s.run_id IN (SELECT value FROM json_each(?)) AND s.status = 'running' AND r.status IN ('running','waiting_approval')
            AND (r.deadline_ms IS NULL OR r.held_since_ms IS NOT NULL OR r.deadline_ms > ?)
            AND s.position = (SELECT MIN(position) FROM workflow_run_steps x WHERE x.run_id = s.run_id AND x.status NOT IN (${settled}))`,
      ),
      active: db.prepare<[], { id: number }>(`SELECT id FROM workflow_runs WHERE status IN ('queued','running','waiting_approval') ORDER BY id`),
      steps: db.prepare<[number], StepRow>('SELECT * FROM workflow_run_steps WHERE run_id = ? ORDER BY position'),
      step: db.prepare<[number, number], StepRow>('SELECT * FROM workflow_run_steps WHERE run_id = ? AND position = ?'),
      event: db.prepare('INSERT INTO workflow_run_events (run_id, position, event_type, actor, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
      events: db.prepare<
        [number],
        { id: number; run_id: number; position: number | null; event_type: string; actor: string; payload: string; created_at: string }
      >('SELECT * FROM workflow_run_events WHERE run_id = ? ORDER BY id'),
      stats: db.prepare<
        [{ wf: number }],
        { total: number; active: number; last_status: WorkflowRunStatus | null; last_at: string | null }
      >(`SELECT COUNT(*) AS total, SUM(status IN ('queued','running','waiting_approval','paused')) AS active,
        (SELECT status FROM workflow_runs WHERE workflow_id = @wf ORDER BY id DESC LIMIT 1) AS last_status,
        (SELECT created_at FROM workflow_runs WHERE workflow_id = @wf ORDER BY id DESC LIMIT 1) AS last_at
        FROM workflow_runs WHERE workflow_id = @wf`),
      budget: db.prepare<[number], { step_budget: number | null }>('SELECT step_budget FROM workflow_runs WHERE id = ?'),
      clock: db.prepare<[number], Pick<RunRow, 'status' | 'max_duration_seconds' | 'deadline_ms' | 'held_since_ms'>>(
        'SELECT status, max_duration_seconds, deadline_ms, held_since_ms FROM workflow_runs WHERE id = ?',
      ),
      activeOf: db.prepare<[number], { n: number }>(
        `SELECT COUNT(*) AS n FROM workflow_runs WHERE workflow_id = ? AND status IN ('queued','running','waiting_approval','paused')`,
      ),
    };
  }

  create(
    def: Definition,
    p: {
      run_ref: string | null;
      mode: WorkflowRun['mode'];
      worker_mode: WorkflowRun['worker_mode'];
      inputs: Record<string, unknown>;
      replay_of?: number | null;
      replay_from?: number | null;
      /** Replay: original step rows to copy as `reused`, by position. */
      reuse?: ReadonlyMap<number, RunStep>;
      actor: string;
      /** The run's time limit (workflows.maxDurationSeconds now); null: none. */
      max_duration_seconds?: number | null;
    },
  ): WorkflowRun {
    const id = this.db.transaction(() => {
      const stepwise = p.mode === 'stepwise';
      const t = Date.now();
      const limit = p.max_duration_seconds ?? null;
      const id = Number(
        this.s.insert.run({
          workflow_id: def.workflow.id,
          workflow_version: def.workflow.version,
          definition: JSON.stringify(def),
          run_ref: p.run_ref,
          mode: p.mode,
          worker_mode: p.worker_mode,
          status: stepwise ? 'paused' : 'queued',
          pause_reason: stepwise ? 'stepwise' : null,
          step_budget: stepwise ? 0 : null,
          inputs: JSON.stringify(p.inputs),
          replay_of: p.replay_of ?? null,
          replay_from: p.replay_from ?? null,
          now: new Date(t).toISOString(),
          max_duration_seconds: limit,
          deadline_ms: limit === null ? null : t + limit * 1000,
          held_since_ms: stepwise ? t : null,
        }).lastInsertRowid,
      );
      for (const st of def.steps) {
        const orig = p.reuse?.get(st.position);
        this.s.insertStep.run({
          run_id: id,
          position: st.position,
          step_id: st.id,
          name: st.name,
          step_type: st.step_type,
          status: orig ? 'reused' : 'pending',
          output: orig ? JSON.stringify(orig.output ?? null) : null,
          reused_from: orig ? orig.id : null,
          finished_at: orig ? now() : null,
        });
      }
      this.event(id, null, 'run_created', p.actor, {
        mode: p.mode,
        version: def.workflow.version,
        replay_of: p.replay_of ?? null,
        replay_from: p.replay_from ?? null,
        reused: [...(p.reuse?.keys() ?? [])],
      });
      return id;
    })();
    return this.get(id)!;
  }

  private toRun(r: RunRow): WorkflowRun {
    const def = this.definitionOf(r.id, r.definition);
    return {
      id: r.id,
      workflow_id: r.workflow_id,
      workflow_name: def.workflow.name,
      workflow_version: r.workflow_version,
      run_id: r.run_ref,
      mode: r.mode,
      worker_mode: r.worker_mode,
      status: r.status,
      pause_reason: r.pause_reason,
      current_position: r.status === 'completed' || r.status === 'cancelled' ? null : r.current_position,
      steps_total: r.steps_total,
      steps_done: r.steps_done,
      inputs: JSON.parse(r.inputs),
      outputs: r.outputs ? JSON.parse(r.outputs) : null,
      input_json: r.inputs,
      output_json: r.outputs,
      error: r.error,
      replay_of: r.replay_of,
      replay_from: r.replay_from,
      created_at: r.created_at,
      updated_at: r.updated_at,
      started_at: r.started_at,
      finished_at: r.finished_at,
      max_duration_seconds: r.max_duration_seconds,
      deadline_at: r.deadline_ms === null || r.held_since_ms !== null ? null : new Date(r.deadline_ms).toISOString(),
    };
  }

  /** The run's time limit and deadline (epoch ms), and since when it is held (null: its clock runs). */
  clock(id: number): { status: WorkflowRunStatus; limit: number | null; deadline: number | null; held_since: number | null } | null {
    const r = this.s.clock.get(id);
    return r ? { status: r.status, limit: r.max_duration_seconds, deadline: r.deadline_ms, held_since: r.held_since_ms } : null;
  }

  /** Several writes as one transaction (nested: a savepoint). */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  get(id: number): WorkflowRun | null {
    const r = this.s.get.get(id);
    return r ? this.toRun(r) : null;
  }

  /**
   * The run and its steps as the driver reads them each round: two indexed reads, the counts computed from the
   * steps rather than by the three sub-selects of `get`.
   */
  snapshot(id: number): { run: WorkflowRun; steps: RunStep[] } | null {
    const r = this.s.row.get(id);
    if (!r) return null;
    const def = this.definitionOf(id, r.definition);
    const steps = this.s.steps.all(id).map((x) => this.toStep(x, def));
    let done = 0;
    let current: number | null = null;
    for (const st of steps) {
      if (st.status === 'done' || st.status === 'skipped' || st.status === 'reused') done++;
      if (!STEP_SETTLED.includes(st.status) && (current === null || st.position < current)) current = st.position;
    }
    return { run: this.toRun({ ...r, steps_total: steps.length, steps_done: done, current_position: current }), steps };
  }

  /** What a change notification needs of a run: no definition, inputs or counts. */
  head(id: number): { id: number; workflow_id: number; status: WorkflowRunStatus; current_position: number | null } | null {
    const r = this.s.head.get(id);
    if (!r) return null;
    return { ...r, current_position: r.status === 'completed' || r.status === 'cancelled' ? null : r.current_position };
  }

  /**
   * Of these runs, the steps whose attempt was in flight (running, the run's current step, its clock not run
   * out): what a restart resumes. One query for a slice of runs.
   */
  inFlightSteps(ids: readonly number[], now: number) {
    return this.s.inFlight.all(JSON.stringify(ids), now);
  }

  /** Remaining steps a stepwise / advanced run may take before pausing (null: no limit). */
  stepBudget(id: number): number | null {
    return this.s.budget.get(id)?.step_budget ?? null;
  }

  definitionOf(id: number, raw?: string): Definition {
    let d = this.defs.get(id);
    if (!d) {
      const text = raw ?? this.s.get.get(id)!.definition;
      d = this.parsed.get(text);
      if (!d) {
        if (this.parsed.size >= 256) this.parsed.clear(); // a bound, not an LRU: a miss only costs one parse
        this.parsed.set(text, (d = JSON.parse(text) as Definition));
      }
      this.defs.set(id, d);
    }
    return d;
  }

  list(p: { workflow_id?: number; status?: WorkflowRunStatus; limit: number; offset: number }): { items: WorkflowRun[]; total: number } {
    const f = { wf: p.workflow_id ?? null, status: p.status ?? null };
    return { items: this.s.list.all({ ...f, limit: p.limit, offset: p.offset }).map((r) => this.toRun(r)), total: this.s.count.get(f)!.n };
  }

  active(): number[] {
    return this.s.active.all().map((r) => r.id);
  }

  activeCount(workflowId: number): number {
    return this.s.activeOf.get(workflowId)!.n;
  }

  stats(workflowId: number) {
    const r = this.s.stats.get({ wf: workflowId })!;
    return { runs_total: r.total, runs_active: r.active ?? 0, last_run_status: r.last_status, last_run_at: r.last_at };
  }

  /**
   * Conditional run transition (the WHERE is the door). `extra` may set pause_reason, error, outputs, step_budget;
   * started_at / finished_at follow the status.
   */
  transition(
    id: number,
    from: readonly WorkflowRunStatus[],
    to: WorkflowRunStatus,
    actor: string,
    extra: { pause_reason?: string | null; error?: string | null; outputs?: unknown; step_budget?: number | null } = {},
    payload: Record<string, unknown> = {},
  ): boolean {
    return this.db.transaction(() => {
      const t = Date.now();
      const sets = ['status = @to', 'updated_at = @now'];
      const args: Record<string, unknown> = { id, to, now: new Date(t).toISOString(), t };
      // The time limit counts only while the engine has the run: entering a held status stops the clock,
      // leaving it moves the deadline on by the time held.
      if (HELD.has(to)) sets.push('held_since_ms = COALESCE(held_since_ms, @t)');
      else sets.push('deadline_ms = deadline_ms + COALESCE(@t - held_since_ms, 0)', 'held_since_ms = NULL');
      const set = (col: string, value: unknown) => {
        sets.push(`${col} = @${col}`);
        args[col] = value;
      };
      if ('pause_reason' in extra) set('pause_reason', extra.pause_reason);
      else if (to !== 'paused') sets.push('pause_reason = NULL');
      if ('error' in extra) set('error', extra.error);
      if ('outputs' in extra) set('outputs', JSON.stringify(extra.outputs));
      if ('step_budget' in extra) set('step_budget', extra.step_budget);
      if (to === 'running') sets.push('started_at = COALESCE(started_at, @now)');
      if (to === 'completed' || to === 'failed' || to === 'cancelled') sets.push('finished_at = @now');
      else sets.push('finished_at = NULL');
      const marks = from.map((_, i) => `@f${i}`).join(',');
      from.forEach((f, i) => (args[`f${i}`] = f));
      const ok = this.prep(`UPDATE workflow_runs SET ${sets.join(', ')} WHERE id = @id AND status IN (${marks})`).run(args).changes === 1;
      if (ok) this.event(id, null, `run_${to}`, actor, { ...payload, ...(extra.error ? { error: extra.error } : {}) });
      return ok;
    })();
  }

  setBudget(id: number, budget: number | null): void {
    this.prep('UPDATE workflow_runs SET step_budget = ?, updated_at = ? WHERE id = ?').run(budget, now(), id);
  }

  steps(runId: number): RunStep[] {
    const def = this.definitionOf(runId);
    return this.s.steps.all(runId).map((r) => this.toStep(r, def));
  }

  step(runId: number, position: number): RunStep | null {
    const r = this.s.step.get(runId, position);
    return r ? this.toStep(r, this.definitionOf(runId)) : null;
  }

  private toStep(r: StepRow, def: Definition): RunStep {
    const spec = def.steps.find((s) => s.position === r.position);
    return {
      ...r,
      approved: !!r.approved,
      requires_approval: !!spec?.requires_approval,
      input: r.input === null ? null : JSON.parse(r.input),
      output: r.output === null ? null : JSON.parse(r.output),
    };
  }

  /**
   * Change a step when it is in one of `from` (null: any), with its event, in one transaction. False when the
   * step had moved on (someone else won the race).
   */
  patchStep(
    runId: number,
    position: number,
    from: readonly StepStatus[] | null,
    patch: StepPatch,
    event?: { type: string; actor: string; payload?: Record<string, unknown> },
  ): boolean {
    return this.db.transaction(() => {
      const sets: string[] = [];
      const args: Record<string, unknown> = { run: runId, pos: position };
      for (const [k, v] of Object.entries(patch)) {
        sets.push(`${k} = @${k}`);
        args[k] = JSON_COLS.has(k) ? (v === undefined ? null : JSON.stringify(v)) : typeof v === 'boolean' ? +v : v;
      }
      let where = 'run_id = @run AND position = @pos';
      if (from) {
        where += ` AND status IN (${from.map((_, i) => `@s${i}`).join(',')})`;
        from.forEach((f, i) => (args[`s${i}`] = f));
      }
      const ok = this.prep(`UPDATE workflow_run_steps SET ${sets.join(', ')} WHERE ${where}`).run(args).changes === 1;
      if (ok) {
        this.prep('UPDATE workflow_runs SET updated_at = ? WHERE id = ?').run(now(), runId);
        if (event) this.event(runId, position, event.type, event.actor, event.payload ?? {});
      }
      return ok;
    })();
  }

  event(runId: number, position: number | null, type: string, actor: string, payload: Record<string, unknown>): void {
    this.s.event.run(runId, position, type, actor, JSON.stringify(payload), now());
  }

  events(runId: number) {
    return this.s.events.all(runId).map((e) => ({ ...e, payload: JSON.parse(e.payload) as Record<string, unknown> }));
  }
}

const stores = new WeakMap<Db, WorkflowRunStore>();
export function runStore(db: Db): WorkflowRunStore {
  let s = stores.get(db);
  if (!s) stores.set(db, (s = new WorkflowRunStore(db)));
  return s;
}
