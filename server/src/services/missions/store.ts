// All mission SQL, with prepared statements made once per database. Services never write SQL themselves.
import type { Db } from '../../store/db';
import { MissionContextPacket } from '../../bridges/missions/types';
import type { ListParams, Mission, MissionStatus, MissionSummary, TimelineEvent, TimelineEventType, WritebackRecord } from '../../protocol/missions';
import { isActive, isLaunchable, isTerminal } from './stateMachine';

export interface MissionRow {
  id: string;
  created_at: string;
  updated_at: string;
  status: MissionStatus;
  repo: string;
  persona_id: string;
  persona_overlay: string | null;
  mission_title: string;
  objective: string;
  operator_intent: string;
  constraints_json: string;
  acceptance_criteria_json: string;
  session_id: string;
  packet_json: string;
  snapshot_hash: string;
  dry_run: number;
  brief_markdown: string | null;
  launch_request_json: string | null;
  launched_at: string | null;
  job_id: string | null;
  job_state: string | null;
  job_raw_status: string | null;
  job_stale: number;
  job_live: number;
  job_event_cursor: number;
  branch: string | null;
  pr_url: string | null;
  issue_url: string | null;
  summary: string | null;
  grade: string | null;
  artifacts_json: string;
  completed_at: string | null;
  last_refreshed_at: string | null;
  outcome_hash: string | null;
  watched: number;
  refresh_failures: number;
  next_refresh_at: string | null;
  writeback_status: Mission['writeback_status'];
  last_writeback_at: string | null;
  last_writeback_hash: string | null;
  last_auto_writeback_at: string | null;
  mission_score: number;
  confidence_level: Mission['confidence_level'];
  risk_level: Mission['risk_level'];
  last_error: string | null;
  fix_hint: string | null;
  parent_mission_id: string | null;
  root_mission_id: string;
  lineage_depth: number;
  fork_reason: string | null;
  source_snapshot_hash: string | null;
  provenance_note: string | null;
  /** How a fork was made (migration 37); immutable like the rest of the provenance. */
  replay_kind: string | null;
  branch_set_id: string | null;
  branch_label: string | null;
  strategy: string | null;
  decision_state: string;
  /** JSON LaunchIntent while a launch is in flight (see reconcile.ts). */
  launch_intent: string | null;
  mock: number;
  /** Persona assignment and operator override (migration 40; services/missions/personas). */
  persona_assignment_reason: string | null;
  operator_override_status: string;
  operator_override_note: string | null;
  recommendation_state: string;
}

const COLUMNS = [
  'id',
  'created_at',
  'updated_at',
  'status',
  'repo',
  'persona_id',
  'persona_overlay',
  'mission_title',
  'objective',
  'operator_intent',
  'constraints_json',
  'acceptance_criteria_json',
  'session_id',
  'packet_json',
  'snapshot_hash',
  'dry_run',
  'brief_markdown',
  'launch_request_json',
  'launched_at',
  'job_id',
  'job_state',
  'job_raw_status',
  'job_stale',
  'job_live',
  'job_event_cursor',
  'branch',
  'pr_url',
  'issue_url',
  'summary',
  'grade',
  'artifacts_json',
  'completed_at',
  'last_refreshed_at',
  'outcome_hash',
  'watched',
  'refresh_failures',
  'next_refresh_at',
  'writeback_status',
  'last_writeback_at',
  'last_writeback_hash',
  'last_auto_writeback_at',
  'mission_score',
  'confidence_level',
  'risk_level',
  'last_error',
  'fix_hint',
  'parent_mission_id',
  'root_mission_id',
  'lineage_depth',
  'fork_reason',
  'source_snapshot_hash',
  'provenance_note',
  'branch_set_id',
  'branch_label',
  'strategy',
  'decision_state',
  'launch_intent',
  'mock',
  'replay_kind',
  'persona_assignment_reason',
  'operator_override_status',
  'operator_override_note',
  'recommendation_state',
] as const;
export type Column = (typeof COLUMNS)[number];

/** Columns a list needs (no packet, brief, launch request or artifact bodies). */
const SUMMARY_COLUMNS = COLUMNS.filter((c) => !['packet_json', 'brief_markdown', 'launch_request_json', 'launch_intent'].includes(c));

function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function artifactCount(json: string): number {
  // Lists must not parse every artifact diff: count entries cheaply.
  return json === '[]' ? 0 : parseJson<unknown[]>(json, []).length;
}

/** A mission row as a summary; a narrow read may count the artifacts in SQL (`artifact_count`) instead of reading their JSON. */
export function toSummary(r: MissionRow | (Omit<MissionRow, 'artifacts_json'> & { artifact_count: number })): MissionSummary {
  return {
    run_id: r.id,
    created_at: r.created_at,
    updated_at: r.updated_at,
    status: r.status,
    terminal: isTerminal(r.status),
    active: isActive(r.status),
    launchable: isLaunchable(r.status),
    repo: r.repo,
    persona_id: r.persona_id,
    mission_title: r.mission_title,
    objective: r.objective,
    dry_run: r.dry_run === 1,
    job_id: r.job_id,
    job_raw_status: r.job_raw_status,
    branch: r.branch,
    pr_url: r.pr_url,
    summary: r.summary,
    artifact_count: 'artifact_count' in r ? r.artifact_count : artifactCount(r.artifacts_json),
    watched: r.watched === 1,
    writeback_status: r.writeback_status,
    mission_score: r.mission_score,
    confidence_level: r.confidence_level,
    risk_level: r.risk_level,
    last_error: r.last_error,
    fix_hint: r.fix_hint,
    launched_at: r.launched_at,
    completed_at: r.completed_at,
    last_refreshed_at: r.last_refreshed_at,
    parent_run_id: r.parent_mission_id,
    root_run_id: r.root_mission_id,
    lineage_depth: r.lineage_depth,
    branch_set_id: r.branch_set_id,
    branch_label: r.branch_label,
    decision_state: r.decision_state,
    mock: r.mock === 1,
  };
}

export function packetOf(r: MissionRow): MissionContextPacket {
  // JSON columns are validated on read (lenient schema: a damaged packet still yields a usable object).
  return MissionContextPacket.parse(parseJson(r.packet_json, {}));
}

export function toMission(r: MissionRow, breakdown: Mission['score_breakdown']): Mission {
  return {
    ...toSummary(r),
    operator_intent: r.operator_intent,
    constraints: parseJson(r.constraints_json, []),
    acceptance_criteria: parseJson(r.acceptance_criteria_json, []),
    session_id: r.session_id,
    context_packet: packetOf(r),
    snapshot_hash: r.snapshot_hash,
    brief_markdown: r.brief_markdown,
    launch_request: parseJson(r.launch_request_json, null),
    launch_intent: parseJson(r.launch_intent, null),
    job_state: r.job_state,
    stale: r.job_stale === 1,
    live: r.job_live === 1,
    issue_url: r.issue_url,
    grade: r.grade,
    artifacts: parseJson(r.artifacts_json, []),
    last_writeback_at: r.last_writeback_at,
    score_breakdown: breakdown,
    persona_overlay: r.persona_overlay,
    strategy: r.strategy,
    fork_reason: r.fork_reason,
    source_snapshot_hash: r.source_snapshot_hash,
    provenance_note: r.provenance_note,
    replay_kind: r.replay_kind ?? null,
    outcome_hash: r.outcome_hash,
    last_writeback_hash: r.last_writeback_hash,
    persona_assignment_reason: r.persona_assignment_reason ?? null,
    operator_override_status: r.operator_override_status ?? 'none',
    operator_override_note: r.operator_override_note ?? null,
    recommendation_state: r.recommendation_state ?? 'pending',
  };
}

export interface EventRow {
  id: number;
  mission_id: string;
  created_at: string;
  type: TimelineEventType;
  from_status: string | null;
  to_status: string | null;
  message: string;
  data_json: string;
  actor: string;
}

const toEvent = (e: EventRow): TimelineEvent => ({
  id: e.id,
  run_id: e.mission_id,
  created_at: e.created_at,
  type: e.type,
  from_status: e.from_status,
  to_status: e.to_status,
  message: e.message,
  data: parseJson(e.data_json, {}),
  actor: e.actor,
});

interface WritebackRow {
  id: number;
  mission_id: string;
  created_at: string;
  trigger: 'manual' | 'auto';
  status: 'succeeded' | 'failed' | 'skipped';
  outcome_hash: string;
  ref: string | null;
  error_code: string | null;
  message: string;
  fix_hint: string | null;
}

const toWriteback = (w: WritebackRow): WritebackRecord => ({
  id: w.id,
  run_id: w.mission_id,
  created_at: w.created_at,
  trigger: w.trigger,
  status: w.status,
  outcome_hash: w.outcome_hash,
  ref: w.ref,
  error_code: w.error_code,
  message: w.message,
  fix_hint: w.fix_hint,
});

export type NewMission = Pick<
  MissionRow,
  | 'id'
  | 'created_at'
  | 'status'
  | 'repo'
  | 'persona_id'
  | 'mission_title'
  | 'objective'
  | 'operator_intent'
  | 'constraints_json'
  | 'acceptance_criteria_json'
  | 'session_id'
  | 'packet_json'
  | 'snapshot_hash'
  | 'root_mission_id'
  | 'mission_score'
  | 'confidence_level'
  | 'risk_level'
> &
  Partial<
    Pick<
      MissionRow,
      | 'parent_mission_id'
      | 'lineage_depth'
      | 'fork_reason'
      | 'source_snapshot_hash'
      | 'provenance_note'
      | 'replay_kind'
      | 'branch_set_id'
      | 'branch_label'
      | 'strategy'
      | 'persona_overlay'
      | 'mock'
    >
  >;

export interface NewEvent {
  type: TimelineEventType;
  from_status?: string | null;
  to_status?: string | null;
  message: string;
  data?: Record<string, unknown>;
  actor?: string;
}

function makeStore(db: Db) {
  const insertMission =
    db.prepare(`INSERT INTO missions (id, created_at, updated_at, status, repo, persona_id, persona_overlay, mission_title, objective,
      operator_intent, constraints_json, acceptance_criteria_json, session_id, packet_json, snapshot_hash, root_mission_id, parent_mission_id,
      lineage_depth, fork_reason, source_snapshot_hash, provenance_note, branch_set_id, branch_label, strategy, mission_score, confidence_level, risk_level, mock, replay_kind)
    VALUES (@id, @created_at, @created_at, @status, @repo, @persona_id, @persona_overlay, @mission_title, @objective, @operator_intent,
      @constraints_json, @acceptance_criteria_json, @session_id, @packet_json, @snapshot_hash, @root_mission_id, @parent_mission_id,
      @lineage_depth, @fork_reason, @source_snapshot_hash, @provenance_note, @branch_set_id, @branch_label, @strategy, @mission_score, @confidence_level, @risk_level, @mock, @replay_kind)`);
  const byId = db.prepare('SELECT * FROM missions WHERE id = ?');
  const insertEvent = db.prepare(`INSERT INTO mission_events (mission_id, created_at, type, from_status, to_status, message, data_json, actor)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  const eventsOf = db.prepare('SELECT * FROM mission_events WHERE mission_id = ? ORDER BY id LIMIT ? OFFSET ?');
  const eventCount = db.prepare('SELECT count(*) AS n FROM mission_events WHERE mission_id = ?');
  const insertWriteback =
    db.prepare(`INSERT INTO mission_writebacks (mission_id, created_at, trigger, status, outcome_hash, request_json, ref, error_code, message, fix_hint, operator_notes, tags_json)
    VALUES (@mission_id, @created_at, @trigger, @status, @outcome_hash, @request_json, @ref, @error_code, @message, @fix_hint, @operator_notes, @tags_json)`);
  const writebackById = db.prepare('SELECT * FROM mission_writebacks WHERE id = ?');
  const writebacksOf = db.prepare('SELECT * FROM mission_writebacks WHERE mission_id = ? ORDER BY id');
  const dueWatched = db.prepare(`SELECT id FROM missions WHERE watched = 1 AND status IN ('queued','running','blocked','unknown')
    AND (next_refresh_at IS NULL OR next_refresh_at <= ?) ORDER BY COALESCE(last_refreshed_at, '') , id LIMIT ?`);
  const staleWatched = db.prepare(`SELECT id FROM missions WHERE watched = 1 AND status NOT IN ('queued','running','blocked','unknown')`);
  const duePending = db.prepare(`SELECT id FROM missions WHERE writeback_status = 'pending'
    AND (last_auto_writeback_at IS NULL OR last_auto_writeback_at <= ?) ORDER BY id LIMIT ?`);
  const insertWatcherEvent = db.prepare(
    'INSERT INTO mission_watcher_events (created_at, kind, mission_id, message, data_json) VALUES (?, ?, ?, ?, ?)',
  );
  const watcherEvents = db.prepare('SELECT * FROM mission_watcher_events ORDER BY id DESC LIMIT ?');
  const insertDecision = db.prepare('INSERT INTO mission_decisions (mission_id, created_at, type, actor, note, data_json) VALUES (?, ?, ?, ?, ?, ?)');
  const decisionsOf = db.prepare('SELECT * FROM mission_decisions WHERE type = ? ORDER BY id DESC LIMIT ?');
  const updates = new Map<string, ReturnType<Db['prepare']>>();

  const store = {
    insert(m: NewMission): void {
      insertMission.run({
        parent_mission_id: null,
        lineage_depth: 0,
        fork_reason: null,
        source_snapshot_hash: null,
        provenance_note: null,
        replay_kind: null,
        branch_set_id: null,
        branch_label: null,
        strategy: null,
        persona_overlay: null,
        mock: 0,
        ...m,
      });
    },
    get(id: string): MissionRow | undefined {
      return byId.get(id) as MissionRow | undefined;
    },
    /** Update some columns (updated_at always). Statements are cached per column set. */
    update(id: string, fields: Partial<Record<Column, unknown>>, now: string): void {
      const cols = Object.keys(fields)
        .filter((c) => c !== 'id' && c !== 'updated_at')
        .sort();
      const key = cols.join(',');
      let stmt = updates.get(key);
      if (!stmt) {
        for (const c of cols) if (!(COLUMNS as readonly string[]).includes(c)) throw new Error(`unknown mission column ${c}`);
        stmt = db.prepare(`UPDATE missions SET ${[...cols.map((c) => `${c} = @${c}`), 'updated_at = @updated_at'].join(', ')} WHERE id = @id`);
        updates.set(key, stmt);
      }
      stmt.run({ ...fields, id, updated_at: now });
    },
    appendEvent(missionId: string, e: NewEvent, now: string): number {
      return Number(
        insertEvent.run(
          missionId,
          now,
          e.type,
          e.from_status ?? null,
          e.to_status ?? null,
          e.message,
          JSON.stringify(e.data ?? {}),
          e.actor ?? 'system',
        ).lastInsertRowid,
      );
    },
    timeline(missionId: string, limit: number, offset: number): { events: TimelineEvent[]; total: number } {
      const events = (eventsOf.all(missionId, limit, offset) as EventRow[]).map(toEvent);
      return { events, total: (eventCount.get(missionId) as { n: number }).n };
    },
    eventCount(missionId: string): number {
      return (eventCount.get(missionId) as { n: number }).n;
    },
    addWriteback(w: {
      mission_id: string;
      created_at: string;
      trigger: 'manual' | 'auto';
      status: 'succeeded' | 'failed' | 'skipped';
      outcome_hash: string;
      request_json: string;
      ref: string | null;
      error_code: string | null;
      message: string;
      fix_hint: string | null;
      operator_notes: string;
      tags_json: string;
    }): WritebackRecord {
      const id = Number(insertWriteback.run(w).lastInsertRowid);
      return toWriteback(writebackById.get(id) as WritebackRow);
    },
    writebacks(missionId: string): WritebackRecord[] {
      return (writebacksOf.all(missionId) as WritebackRow[]).map(toWriteback);
    },
    dueWatched(now: string, limit: number): string[] {
      return (dueWatched.all(now, limit) as { id: string }[]).map((r) => r.id);
    },
    /** Watched missions that are no longer active (e.g. flagged before a crash): the watcher unwatches them. */
    staleWatched(): string[] {
      return (staleWatched.all() as { id: string }[]).map((r) => r.id);
    },
    duePendingWritebacks(notAfter: string, limit: number): string[] {
      return (duePending.all(notAfter, limit) as { id: string }[]).map((r) => r.id);
    },
    addWatcherEvent(now: string, kind: string, missionId: string | null, message: string, data: Record<string, unknown> = {}): void {
      insertWatcherEvent.run(now, kind, missionId, message, JSON.stringify(data));
    },
    watcherEvents(limit: number) {
      return (
        watcherEvents.all(limit) as { id: number; created_at: string; kind: string; mission_id: string | null; message: string; data_json: string }[]
      ).map((e) => ({
        id: e.id,
        created_at: e.created_at,
        kind: e.kind,
        run_id: e.mission_id,
        message: e.message,
        data: parseJson<Record<string, unknown>>(e.data_json, {}),
      }));
    },
    addDecision(missionId: string | null, now: string, type: string, actor: string, note: string, data: Record<string, unknown>): void {
      insertDecision.run(missionId, now, type, actor, note, JSON.stringify(data));
    },
    decisions(type: string, limit: number) {
      return decisionsOf.all(type, limit) as {
        id: number;
        mission_id: string | null;
        type: string;
        actor: string;
        note: string;
        data_json: string;
      }[];
    },
    list(p: ListParams): { items: MissionSummary[]; total: number } {
      const where: string[] = [];
      const args: Record<string, unknown> = {};
      const eq = (col: string, v: unknown) => {
        if (v === undefined) return;
        where.push(`${col} = @${col}`);
        args[col] = v;
      };
      eq('status', p.status);
      eq('repo', p.repo);
      eq('persona_id', p.persona_id);
      eq('writeback_status', p.writeback_status);
      eq('confidence_level', p.confidence_level);
      if (p.watched !== undefined) eq('watched', p.watched ? 1 : 0);
      if (p.mission_score_min !== undefined) {
        where.push('mission_score >= @smin');
        args.smin = p.mission_score_min;
      }
      if (p.mission_score_max !== undefined) {
        where.push('mission_score <= @smax');
        args.smax = p.mission_score_max;
      }
      // Dates compare as ISO text; a bare end date means "through the end of that day".
      if (p.start_date) {
        where.push('created_at >= @start');
        args.start = new Date(Date.parse(p.start_date)).toISOString();
      }
      if (p.end_date) {
        const end = /^\d{4}-\d{2}-\d{2}$/.test(p.end_date) ? Date.parse(p.end_date) + 86_400_000 - 1 : Date.parse(p.end_date);
        where.push('created_at <= @end');
        args.end = new Date(end).toISOString();
      }
      let searchOnlyTotal: number | null = null;
      if (p.search) {
        // Full-text (prefix match on every word) over title, objective and repo, or an exact mission / job id,
        // as one IN over a UNION. Few matches: look them up by rowid and sort. Many: walk an index in list order
        // and probe the set (`+rowid` keeps SQLite from choosing the rowid lookup).
        const words = p.search.match(/[\p{L}\p{N}_]+/gu) ?? [];
        const fts = words.map((w) => `"${w}"*`).join(' AND ');
        const matches = `${fts ? 'SELECT rowid FROM missions_fts WHERE missions_fts MATCH @fts UNION ' : ''}SELECT rowid FROM missions WHERE id = @qid UNION SELECT rowid FROM missions WHERE job_id = @qid`;
        if (fts) args.fts = fts;
        args.qid = p.search;
        let countStmt = searchCounts.get(matches);
        if (!countStmt) searchCounts.set(matches, (countStmt = db.prepare(`SELECT count(*) AS n FROM (${matches})`)));
        const n = (countStmt.get(args) as { n: number }).n;
        if (where.length === 0) searchOnlyTotal = n;
        where.push(`${n <= 2000 ? 'rowid' : '+rowid'} IN (${matches})`);
      }
      const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
      const key = `${w}`;
      let pair = listCache.get(key);
      if (!pair) {
        pair = {
          rows: db.prepare(`SELECT ${SUMMARY_COLUMNS.join(', ')} FROM missions ${w} ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset`),
          count: db.prepare(`SELECT count(*) AS n FROM missions ${w}`),
        };
        if (listCache.size > 200) listCache.clear();
        listCache.set(key, pair);
      }
      const items = (pair.rows.all({ ...args, limit: p.limit, offset: p.offset }) as MissionRow[]).map(toSummary);
      const total = searchOnlyTotal ?? (pair.count.get(args) as { n: number }).n;
      return { items, total };
    },
  };
  const listCache = new Map<string, { rows: ReturnType<Db['prepare']>; count: ReturnType<Db['prepare']> }>();
  const searchCounts = new Map<string, ReturnType<Db['prepare']>>();
  return store;
}

export type MissionStore = ReturnType<typeof makeStore>;
const stores = new WeakMap<Db, MissionStore>();

export function missionStore(db: Db): MissionStore {
  let s = stores.get(db);
  if (!s) {
    s = makeStore(db);
    stores.set(db, s);
  }
  return s;
}
