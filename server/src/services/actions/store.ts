// SQL of the actions area, prepared once per database. JSON columns are parsed on read.
import type { Db } from '../../store/db';
import type { ActionItem, ActionStatus, AuditEntry, Grant, Rule, ScopePreview } from '../../protocol/actions';

interface ActionRow {
  id: number;
  run_id: string | null;
  agent_id: string | null;
  subgoal_id: string | null;
  action_class: string;
  tool_name: string;
  risk: string;
  params: string;
  summary: string;
  policy_decision: string;
  policy_rule: string | null;
  status: string;
  approval_reason: string;
  can_remember: number;
  scope_preview: string;
  requested_worker: string | null;
  decided_by: string | null;
  decision_reason: string | null;
  result: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
}

const parse = (s: string | null): unknown => (s === null ? null : JSON.parse(s));

function toItem(r: ActionRow): ActionItem {
  return {
    ...r,
    tool_name: r.tool_name as ActionItem['tool_name'],
    risk: r.risk as ActionItem['risk'],
    params: JSON.parse(r.params) as Record<string, unknown>,
    policy_decision: r.policy_decision as ActionItem['policy_decision'],
    status: r.status as ActionStatus,
    requires_approval: r.policy_decision === 'ask',
    can_remember: r.can_remember === 1,
    scope_preview: JSON.parse(r.scope_preview) as ScopePreview,
    result: parse(r.result),
  };
}

interface RuleRow {
  id: number;
  name: string;
  tool_name: string;
  effect: string;
  path_root: string | null;
  argv: string | null;
  domain: string | null;
  enabled: number;
  created_at: string;
  updated_at: string;
}
const toRule = (r: RuleRow): Rule => ({ ...r, effect: r.effect as Rule['effect'], argv: parse(r.argv) as Rule['argv'], enabled: r.enabled === 1 });

export interface NewAction {
  run_id: string | null;
  agent_id: string | null;
  subgoal_id: string | null;
  action_class: string;
  tool_name: string;
  risk: string;
  params: unknown;
  summary: string;
  policy_decision: string;
  policy_rule: string;
  status: ActionStatus;
  approval_reason: string;
  can_remember: boolean;
  scope_preview: ScopePreview;
  requested_worker: string | null;
  decided_by: string | null;
  decision_reason: string | null;
}

export interface AuditInput {
  action_id: number | null;
  event: string;
  actor: string;
  transport: string;
  reason?: string | null;
  rule?: string | null;
  scope_preview?: unknown;
}

const now = () => new Date().toISOString();

export class ActionStore {
  private readonly s;
  constructor(readonly db: Db) {
    this.s = {
      insert:
        db.prepare(`INSERT INTO actions (run_id, agent_id, subgoal_id, action_class, tool_name, risk, params, summary, policy_decision, policy_rule,
        status, approval_reason, can_remember, scope_preview, requested_worker, decided_by, decision_reason, created_at, updated_at)
        VALUES (@run_id, @agent_id, @subgoal_id, @action_class, @tool_name, @risk, @params, @summary, @policy_decision, @policy_rule,
        @status, @approval_reason, @can_remember, @scope_preview, @requested_worker, @decided_by, @decision_reason, @at, @at)`),
      get: db.prepare('SELECT * FROM actions WHERE id = ?'),
      pending: db.prepare("SELECT * FROM actions WHERE status = 'pending' ORDER BY id LIMIT ? OFFSET ?"),
      pendingCount: db.prepare("SELECT COUNT(*) AS n FROM actions WHERE status = 'pending'"),
      countRun: db.prepare('SELECT COUNT(*) AS n FROM actions WHERE run_id = ?'),
      // The one door from pending: a conditional UPDATE. Whoever changes the row wins; everyone else sees 0 changes.
      decide: db.prepare(
        "UPDATE actions SET status = @status, decided_by = @by, decision_reason = @reason, updated_at = @at WHERE id = @id AND status = 'pending'",
      ),
      // approved → executing, committed before the side effect: the only door to running it (at most once).
      start: db.prepare("UPDATE actions SET status = 'executing', started_at = @at, updated_at = @at WHERE id = @id AND status = 'approved'"),
      finish: db.prepare(
        "UPDATE actions SET status = @status, result = @result, error = @error, updated_at = @at WHERE id = @id AND status = 'executing'",
      ),
      unfinished: db.prepare("SELECT * FROM actions WHERE status IN ('approved', 'executing') ORDER BY id"),
      interrupt: db.prepare(
        "UPDATE actions SET status = 'interrupted', result = @result, error = @error, updated_at = @at WHERE id = @id AND status IN ('approved', 'executing')",
      ),
      execution: db.prepare(
        'INSERT INTO action_executions (action_id, ok, started_at, finished_at, duration_ms, result, error) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      audit: db.prepare(
        'INSERT INTO action_audit (action_id, event, actor, transport, reason, rule, scope_preview, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      rules: db.prepare('SELECT * FROM action_rules ORDER BY id'),
      enabledRules: db.prepare('SELECT * FROM action_rules WHERE enabled = 1 ORDER BY id'),
      rule: db.prepare('SELECT * FROM action_rules WHERE id = ?'),
      insertRule: db.prepare(
        'INSERT INTO action_rules (name, tool_name, effect, path_root, argv, domain, enabled, created_at, updated_at) VALUES (@name, @tool_name, @effect, @path_root, @argv, @domain, @enabled, @at, @at)',
      ),
      updateRule: db.prepare(
        'UPDATE action_rules SET name=@name, tool_name=@tool_name, effect=@effect, path_root=@path_root, argv=@argv, domain=@domain, enabled=@enabled, updated_at=@at WHERE id=@id',
      ),
      deleteRule: db.prepare('DELETE FROM action_rules WHERE id = ?'),
      insertGrant: db.prepare(
        'INSERT INTO action_grants (tool_name, scope, scope_key, match_key, summary, created_by, created_at, action_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      findGrant: db.prepare(`SELECT id FROM action_grants WHERE tool_name = ? AND match_key = ? AND revoked_at IS NULL
        AND ((scope = 'session' AND scope_key = ?) OR (scope = 'workspace' AND scope_key = ?)) ORDER BY id LIMIT 1`),
      grants:
        db.prepare(`SELECT id, tool_name, scope, match_key, summary, created_by, created_at, action_id FROM action_grants WHERE revoked_at IS NULL
        AND ((scope = 'session' AND scope_key = ?) OR (scope = 'workspace' AND scope_key = ?)) ORDER BY id`),
      revokeGrant: db.prepare('UPDATE action_grants SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    };
  }

  insert(a: NewAction): ActionItem {
    const info = this.s.insert.run({
      ...a,
      params: JSON.stringify(a.params),
      can_remember: a.can_remember ? 1 : 0,
      scope_preview: JSON.stringify(a.scope_preview),
      at: now(),
    });
    return this.get(Number(info.lastInsertRowid))!;
  }

  get(id: number): ActionItem | null {
    const r = this.s.get.get(id) as ActionRow | undefined;
    return r ? toItem(r) : null;
  }

  pending(limit: number, offset: number): ActionItem[] {
    return (this.s.pending.all(limit, offset) as ActionRow[]).map(toItem);
  }

  pendingCount(): number {
    return (this.s.pendingCount.get() as { n: number }).n;
  }

  countForRun(runId: string): number {
    return (this.s.countRun.get(runId) as { n: number }).n;
  }

  /** pending → approved|denied. Returns false when the action was not pending any more (someone else decided). */
  decide(id: number, status: 'approved' | 'denied', by: string, reason: string | null): boolean {
    return this.s.decide.run({ id, status, by, reason, at: now() }).changes === 1;
  }

  /** approved → executing (committed before the side effect). False if it is not approved any more. */
  start(id: number): Date | null {
    const at = new Date();
    return this.s.start.run({ id, at: at.toISOString() }).changes === 1 ? at : null;
  }

  /** Actions a stopped server left approved or executing (start-up recovery only). */
  unfinished(): (ActionItem & { started_at: string | null })[] {
    return (this.s.unfinished.all() as ActionRow[]).map((r) => ({ ...toItem(r), started_at: r.started_at }));
  }

  /** approved|executing → interrupted, with an execution row saying what is known, in one transaction. */
  interrupt(id: number, startedAt: string | null, known: unknown, error: string): boolean {
    const at = new Date();
    return this.db.transaction(() => {
      if (this.s.interrupt.run({ id, result: JSON.stringify(known), error, at: at.toISOString() }).changes !== 1) return false;
      const started = startedAt ?? at.toISOString();
      this.s.execution.run(
        id,
        0,
        started,
        at.toISOString(),
        Math.max(0, at.getTime() - (Date.parse(started) || at.getTime())),
        JSON.stringify(known),
        error,
      );
      return true;
    })();
  }

  /**
   * executing → executed|failed, with the execution row, in one transaction. Conditional: only an action still
   * `executing` is finished (false otherwise, nothing written), so an outcome is recorded exactly once.
   */
  finish(id: number, ok: boolean, startedAt: Date, result: unknown, error: string | null): boolean {
    const finished = new Date();
    return this.db.transaction(() => {
      const changed = this.s.finish.run({
        id,
        status: ok ? 'executed' : 'failed',
        result: result === undefined ? null : JSON.stringify(result),
        error,
        at: finished.toISOString(),
      }).changes;
      if (changed !== 1) return false;
      this.s.execution.run(
        id,
        ok ? 1 : 0,
        startedAt.toISOString(),
        finished.toISOString(),
        finished.getTime() - startedAt.getTime(),
        result === undefined ? null : JSON.stringify(result),
        error,
      );
      return true;
    })();
  }

  audit(e: AuditInput): void {
    this.s.audit.run(
      e.action_id,
      e.event,
      e.actor,
      e.transport,
      e.reason ?? null,
      e.rule ?? null,
      e.scope_preview === undefined ? null : JSON.stringify(e.scope_preview),
      now(),
    );
  }

  history(
    limit: number,
    offset: number,
    status?: ActionStatus,
    runId?: string,
  ): { items: ActionItem[]; total: number; executions: unknown[]; audit: AuditEntry[] } {
    const where: string[] = ["status != 'pending'"];
    const args: unknown[] = [];
    if (status) {
      where.push('status = ?');
      args.push(status);
    }
    if (runId) {
      where.push('run_id = ?');
      args.push(runId);
    }
    const w = where.join(' AND ');
    const items = (
      this.db.prepare(`SELECT * FROM actions WHERE ${w} ORDER BY id DESC LIMIT ? OFFSET ?`).all(...args, limit, offset) as ActionRow[]
    ).map(toItem);
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM actions WHERE ${w}`).get(...args) as { n: number }).n;
    const ids = items.map((i) => i.id);
    const marks = ids.map(() => '?').join(',') || 'NULL';
    const executions = (
      this.db.prepare(`SELECT * FROM action_executions WHERE action_id IN (${marks}) ORDER BY id DESC`).all(...ids) as {
        ok: number;
        result: string | null;
      }[]
    ).map((e) => ({ ...e, ok: e.ok === 1, result: parse(e.result) }));
    const audit = (
      this.db
        .prepare(`SELECT * FROM action_audit WHERE action_id IN (${marks}) OR action_id IS NULL ORDER BY id DESC LIMIT 1000`)
        .all(...ids) as (AuditEntry & { scope_preview: string | null })[]
    ).map((a) => ({ ...a, scope_preview: parse(a.scope_preview) }));
    return { items, total, executions, audit };
  }

  rules(enabledOnly = false): Rule[] {
    return ((enabledOnly ? this.s.enabledRules : this.s.rules).all() as RuleRow[]).map(toRule);
  }

  rule(id: number): Rule | null {
    const r = this.s.rule.get(id) as RuleRow | undefined;
    return r ? toRule(r) : null;
  }

  insertRule(r: Omit<Rule, 'id' | 'created_at' | 'updated_at'>): Rule {
    const info = this.s.insertRule.run({ ...r, argv: r.argv ? JSON.stringify(r.argv) : null, enabled: r.enabled ? 1 : 0, at: now() });
    return this.rule(Number(info.lastInsertRowid))!;
  }

  updateRule(r: Rule): Rule {
    this.s.updateRule.run({ ...r, argv: r.argv ? JSON.stringify(r.argv) : null, enabled: r.enabled ? 1 : 0, at: now() });
    return this.rule(r.id)!;
  }

  deleteRule(id: number): boolean {
    return this.s.deleteRule.run(id).changes === 1;
  }

  insertGrant(
    tool: string,
    scope: 'session' | 'workspace',
    scopeKey: string,
    matchKey: string,
    summary: string,
    by: string,
    actionId: number | null,
  ): number {
    return Number(this.s.insertGrant.run(tool, scope, scopeKey, matchKey, summary, by, now(), actionId).lastInsertRowid);
  }

  findGrant(tool: string, matchKey: string, sessionKey: string, workspaceKey: string): { id: number } | null {
    return (this.s.findGrant.get(tool, matchKey, sessionKey, workspaceKey) as { id: number } | undefined) ?? null;
  }

  grants(sessionKey: string, workspaceKey: string): Grant[] {
    return this.s.grants.all(sessionKey, workspaceKey) as Grant[];
  }

  revokeGrant(id: number): boolean {
    return this.s.revokeGrant.run(now(), id).changes === 1;
  }
}
