// SQL of workflow definitions: the workflow row, its ordered steps, and a snapshot per version (runs keep the
// snapshot they ran, so editing a definition never changes a run). Every change is one transaction.
import type { Db } from '../../store/db';
import type { Step, StepSpec, Workflow } from '../../protocol/workflows';
import { stepName } from './definitions';

const now = () => new Date().toISOString();

interface WorkflowRow {
  id: number;
  name: string;
  description: string;
  params_schema: string;
  version: number;
  cloned_from: number | null;
  created_at: string;
  updated_at: string;
  step_count: number;
}
interface StepRow {
  id: number;
  workflow_id: number;
  position: number;
  name: string;
  step_type: Step['step_type'];
  tool_name: string | null;
  params: string;
  requires_approval: number;
  timeout_seconds: number;
  max_retries: number;
  backoff_seconds: number;
  on_failure: Step['on_failure'];
}

const toWorkflow = (r: WorkflowRow): Workflow => ({ ...r, params_schema: JSON.parse(r.params_schema) });
const toStep = (r: StepRow): Step => ({ ...r, params: JSON.parse(r.params), requires_approval: !!r.requires_approval });

/** What a run executes: the definition at one version. */
export interface Definition {
  workflow: Workflow;
  steps: Step[];
}

export class WorkflowStore {
  private readonly s;
  constructor(private readonly db: Db) {
    const sel = 'SELECT w.*, (SELECT COUNT(*) FROM workflow_steps s WHERE s.workflow_id = w.id) AS step_count FROM workflows w';
    this.s = {
      insert: db.prepare(
        'INSERT INTO workflows (name, description, params_schema, version, cloned_from, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?, ?)',
      ),
      update: db.prepare('UPDATE workflows SET name = ?, description = ?, params_schema = ?, version = version + 1, updated_at = ? WHERE id = ?'),
      bump: db.prepare('UPDATE workflows SET version = version + 1, updated_at = ? WHERE id = ?'),
      get: db.prepare<[number], WorkflowRow>(`${sel} WHERE w.id = ?`),
      list: db.prepare<[{ q: string | null; limit: number; offset: number }], WorkflowRow>(
        `${sel} WHERE (@q IS NULL OR w.name LIKE '%' || @q || '%') ORDER BY w.id DESC LIMIT @limit OFFSET @offset`,
      ),
      count: db.prepare<[{ q: string | null }], { n: number }>(
        `SELECT COUNT(*) AS n FROM workflows WHERE (@q IS NULL OR name LIKE '%' || @q || '%')`,
      ),
      del: db.prepare('DELETE FROM workflows WHERE id = ?'),
      steps: db.prepare<[number], StepRow>('SELECT * FROM workflow_steps WHERE workflow_id = ? ORDER BY position'),
      step: db.prepare<[number, number], StepRow>('SELECT * FROM workflow_steps WHERE workflow_id = ? AND id = ?'),
      delSteps: db.prepare('DELETE FROM workflow_steps WHERE workflow_id = ?'),
      insertStep: db.prepare(`INSERT INTO workflow_steps (workflow_id, position, name, step_type, tool_name, params, requires_approval,
        timeout_seconds, max_retries, backoff_seconds, on_failure) VALUES (@workflow_id, @position, @name, @step_type, @tool_name, @params,
        @requires_approval, @timeout_seconds, @max_retries, @backoff_seconds, @on_failure)`),
      updateStep: db.prepare(`UPDATE workflow_steps SET name = @name, step_type = @step_type, tool_name = @tool_name, params = @params,
        requires_approval = @requires_approval, timeout_seconds = @timeout_seconds, max_retries = @max_retries,
        backoff_seconds = @backoff_seconds, on_failure = @on_failure WHERE id = @id`),
      snapshot: db.prepare('INSERT OR REPLACE INTO workflow_versions (workflow_id, version, definition, created_at) VALUES (?, ?, ?, ?)'),
    };
  }

  private writeSteps(workflowId: number, steps: readonly StepSpec[]): void {
    this.s.delSteps.run(workflowId);
    steps.forEach((st, i) =>
      this.s.insertStep.run({
        workflow_id: workflowId,
        position: i + 1,
        name: stepName(st, i + 1),
        step_type: st.step_type,
        tool_name: st.tool_name ?? null,
        params: JSON.stringify(st.params ?? {}),
        requires_approval: +!!st.requires_approval,
        timeout_seconds: st.timeout_seconds,
        max_retries: st.max_retries,
        backoff_seconds: st.backoff_seconds,
        on_failure: st.on_failure,
      }),
    );
  }

  private snapshot(id: number): void {
    const d = this.definition(id)!;
    this.s.snapshot.run(id, d.workflow.version, JSON.stringify(d), now());
  }

  create(p: {
    name: string;
    description: string;
    params_schema: Record<string, unknown>;
    steps: readonly StepSpec[];
    cloned_from?: number | null;
  }): Definition {
    const id = this.db.transaction(() => {
      const t = now();
      const id = Number(this.s.insert.run(p.name, p.description, JSON.stringify(p.params_schema), p.cloned_from ?? null, t, t).lastInsertRowid);
      this.writeSteps(id, p.steps);
      this.snapshot(id);
      return id;
    })();
    return this.definition(id)!;
  }

  replace(id: number, p: { name: string; description: string; params_schema: Record<string, unknown>; steps: readonly StepSpec[] }): Definition {
    this.db.transaction(() => {
      this.s.update.run(p.name, p.description, JSON.stringify(p.params_schema), now(), id);
      this.writeSteps(id, p.steps);
      this.snapshot(id);
    })();
    return this.definition(id)!;
  }

  updateStep(workflowId: number, step: Step): Definition {
    this.db.transaction(() => {
      this.s.updateStep.run({
        ...step,
        params: JSON.stringify(step.params),
        requires_approval: +step.requires_approval,
        tool_name: step.tool_name ?? null,
      });
      this.s.bump.run(now(), workflowId);
      this.snapshot(workflowId);
    })();
    return this.definition(workflowId)!;
  }

  get(id: number): Workflow | null {
    const r = this.s.get.get(id);
    return r ? toWorkflow(r) : null;
  }

  step(workflowId: number, stepId: number): Step | null {
    const r = this.s.step.get(workflowId, stepId);
    return r ? toStep(r) : null;
  }

  definition(id: number): Definition | null {
    const workflow = this.get(id);
    return workflow ? { workflow, steps: this.s.steps.all(id).map(toStep) } : null;
  }

  list(limit: number, offset: number, search?: string): { items: Workflow[]; total: number } {
    const q = search ?? null;
    return { items: this.s.list.all({ q, limit, offset }).map(toWorkflow), total: this.s.count.get({ q })!.n };
  }

  delete(id: number): number {
    return this.s.del.run(id).changes;
  }
}

const stores = new WeakMap<Db, WorkflowStore>();
export function workflowStore(db: Db): WorkflowStore {
  let s = stores.get(db);
  if (!s) stores.set(db, (s = new WorkflowStore(db)));
  return s;
}
