// Decision events: every operator and system decision on a mission, append-only (the store's triggers refuse
// UPDATE and DELETE — migration 40). Each records the type, who (operator | system), the state before and after,
// the rationale and, for a policy block, the rule. Audit reads go by index: a mission's events by
// (mission_id, id); a lineage's by the root each event carries (migration 44: (root, id) for pages, and
// (root, mission, type, actor) for counts).
import type { ServerContext } from '../../../context';
import type { Db } from '../../../store/db';
import { didDecide, type DecisionEvent } from '../../../protocol/missionsAudit';

export type DecisionType =
  | 'recommendation_accepted'
  | 'recommendation_rejected'
  | 'shortlist_applied'
  | 'eliminate_applied'
  | 'override_applied'
  | 'override_removed'
  | 'persona_assignment_changed'
  | 'policy_blocked_action'
  | 'policy_template_applied'
  | 'pattern_promoted'
  | 'pattern_rejected'
  | 'pattern_archived';

/** Work done by the server itself (the watcher, auto-writeback) is `system`; everything a person or client asked is `operator`. */
export const SYSTEM_ACTORS = ['system', 'watcher', 'internal'];
export const actorKind = (actor: string): 'operator' | 'system' => (SYSTEM_ACTORS.includes(actor) ? 'system' : 'operator');

interface Row {
  id: number;
  mission_id: string | null;
  root_mission_id: string | null;
  created_at: string;
  type: string;
  actor: string;
  note: string;
  data_json: string;
  previous_state: string | null;
  new_state: string | null;
  rule: string | null;
}

function toEvent(r: Row): DecisionEvent {
  let data: Record<string, unknown> = {};
  try {
    data = JSON.parse(r.data_json) as Record<string, unknown>;
  } catch {
    /* a damaged row still shows */
  }
  return {
    id: r.id,
    run_id: r.mission_id,
    root_run_id: r.root_mission_id,
    event_type: r.type,
    actor: r.actor,
    actor_kind: actorKind(r.actor),
    previous_state: r.previous_state,
    new_state: r.new_state,
    rationale: r.note,
    rule: r.rule,
    created_at: r.created_at,
    data,
  };
}

export interface NewDecision {
  mission_id: string | null;
  type: DecisionType;
  actor: string;
  previous_state?: string | null;
  new_state?: string | null;
  rationale?: string;
  rule?: string | null;
  data?: Record<string, unknown>;
}

const SELECT = `SELECT d.id, d.mission_id, d.root_mission_id, d.created_at, d.type, d.actor, d.note, d.data_json, d.previous_state, d.new_state, d.rule
  FROM mission_decisions d`;
/** The events of one lineage: by the root each event carries (an index range, whatever the lineage's size). */
const OF_ROOT = `d.root_mission_id = @root`;
const statsSql = (where: string) =>
  `SELECT d.type AS type, d.actor AS actor, count(*) AS n FROM mission_decisions d ${where} GROUP BY d.type, d.actor`;
/** A lineage's statements (exported: the benchmark's bare SQL of the decision audit is exactly these). */
export const LINEAGE_DECISION_SQL = {
  stats: statsSql(`WHERE ${OF_ROOT}`),
  page: `${SELECT} WHERE ${OF_ROOT} ORDER BY d.id DESC LIMIT @limit OFFSET @offset`,
};

function make(db: Db) {
  // The root is set here (the store's trigger would correct it anyway, at the cost of an UPDATE).
  const insert =
    db.prepare(`INSERT INTO mission_decisions (mission_id, root_mission_id, created_at, type, actor, note, data_json, previous_state, new_state, rule)
    VALUES (@mission_id, (SELECT root_mission_id FROM missions WHERE id = @mission_id), @created_at, @type, @actor, @note, @data_json, @previous_state,
      @new_state, @rule)`);
  const byId = db.prepare(`${SELECT} WHERE d.id = ?`);
  const ofRun = db.prepare(`${SELECT} WHERE d.mission_id = ? ORDER BY d.id DESC LIMIT ? OFFSET ?`);
  const countRun = db.prepare(`SELECT count(*) AS n FROM mission_decisions WHERE mission_id = ?`).pluck();
  const statsRun = db.prepare(statsSql('WHERE d.mission_id = @run'));
  const statsRoot = db.prepare(LINEAGE_DECISION_SQL.stats);
  const statsAll = db.prepare(statsSql(''));
  const stmts = new Map<string, ReturnType<Db['prepare']>>();
  const cached = (sql: string) => {
    let s = stmts.get(sql);
    if (!s) stmts.set(sql, (s = db.prepare(sql)));
    return s;
  };
  return {
    record(e: NewDecision, now = new Date().toISOString()): DecisionEvent {
      const id = Number(
        insert.run({
          mission_id: e.mission_id,
          created_at: now,
          type: e.type,
          actor: e.actor,
          note: e.rationale ?? '',
          data_json: JSON.stringify(e.data ?? {}),
          previous_state: e.previous_state ?? null,
          new_state: e.new_state ?? null,
          rule: e.rule ?? null,
        }).lastInsertRowid,
      );
      return toEvent(byId.get(id) as Row);
    },
    ofRun(runId: string, limit: number, offset: number) {
      return { total: countRun.get(runId) as number, events: (ofRun.all(runId, limit, offset) as Row[]).map(toEvent) };
    },
    /** Filtered events, newest first: of a lineage (root) or of everything, by actor kind / type / rule. */
    query(f: { root?: string; run?: string; types?: string[]; actor_kind?: 'operator' | 'system'; rule?: string; limit: number; offset: number }) {
      const where: string[] = [];
      const args: Record<string, unknown> = { limit: f.limit, offset: f.offset };
      if (f.root) {
        where.push(OF_ROOT);
        args.root = f.root;
      }
      if (f.run) {
        where.push('d.mission_id = @run');
        args.run = f.run;
      }
      if (f.types?.length) {
        where.push(`d.type IN (SELECT value FROM json_each(@types))`);
        args.types = JSON.stringify(f.types);
      }
      if (f.rule) {
        where.push('d.rule = @rule');
        args.rule = f.rule;
      }
      if (f.actor_kind) {
        where.push(`d.actor ${f.actor_kind === 'system' ? '' : 'NOT '}IN (SELECT value FROM json_each(@sys))`);
        args.sys = JSON.stringify(SYSTEM_ACTORS);
      }
      const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
      const total = cached(`SELECT count(*) AS n FROM mission_decisions d ${w}`).pluck().get(args) as number;
      const events = (cached(`${SELECT} ${w} ORDER BY d.id DESC LIMIT @limit OFFSET @offset`).all(args) as Row[]).map(toEvent);
      return { total, events };
    },
    /** One page of a lineage's events, newest first, without counting them (the caller has the total). */
    page(f: { root: string; limit: number; offset: number }) {
      return (cached(LINEAGE_DECISION_SQL.page).all(f) as Row[]).map(toEvent);
    },
    /** Counts by type and operator / system, for a run, a lineage or everything. */
    stats(scope: { run?: string; root?: string }) {
      const rows = (scope.run ? statsRun.all({ run: scope.run }) : scope.root ? statsRoot.all({ root: scope.root }) : statsAll.all()) as {
        type: string;
        actor: string;
        n: number;
      }[];
      const by_type: Record<string, number> = {};
      let total = 0;
      let operator = 0;
      for (const r of rows) {
        by_type[r.type] = (by_type[r.type] ?? 0) + r.n;
        total += r.n;
        if (actorKind(r.actor) === 'operator') operator += r.n;
      }
      return {
        total,
        operator_events: operator,
        system_events: total - operator,
        policy_blocked_events: by_type.policy_blocked_action ?? 0,
        by_type,
      };
    },
  };
}

const stores = new WeakMap<Db, ReturnType<typeof make>>();
export function decisionStore(db: Db) {
  let s = stores.get(db);
  if (!s) stores.set(db, (s = make(db)));
  return s;
}

/**
 * Record a decision and tell open panels (missions/didDecide). The notification goes out after the current
 * synchronous work — after the enclosing transaction commits — so a panel that re-reads finds the event.
 */
export function recordDecision(ctx: ServerContext, e: NewDecision, now?: string): DecisionEvent {
  const ev = decisionStore(ctx.db).record(e, now);
  queueMicrotask(() =>
    ctx.events.emit(didDecide, { id: ev.id, run_id: ev.run_id, event_type: ev.event_type, actor_kind: ev.actor_kind, rule: ev.rule }),
  );
  return ev;
}
