// Maintenance and scan jobs. A request only creates the job row and returns its id; the work runs in the
// background in chunks (progress as agentora/memory/didProgress), and every change it makes is written to
// memory_job_changes with its before/after value — the report — so each one can be undone.
import type { ServerContext } from '../../context';
import { conflict, notFound } from '../../protocol/errors';
import * as M from '../../protocol/memory';
import { implement } from '../registry';
import { changed } from './capsules';
import { scanConflicts, scanDuplicates, yieldLoop } from './scan';
import { mergeTextIndex } from './textIndex';
import { nowIso } from './text';
import { sql } from './store';

/** Rows per transaction in the decay pass: small enough that one chunk never stalls requests for long. */
const CHUNK = 1000;
type JobKind = M.Job['kind'];

interface JobRow {
  id: number;
  kind: JobKind;
  status: M.Job['status'];
  phase: string;
  progress: number;
  summary_json: string;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  change_count: number;
  undone_count: number;
}

const running = new WeakMap<ServerContext, { id: number; done: Promise<void>; cancelled: boolean; stop: AbortController }>();

const JOB_SELECT = `SELECT j.*, (SELECT COUNT(*) FROM memory_job_changes c WHERE c.job_id = j.id) AS change_count,
  (SELECT COUNT(*) FROM memory_job_changes c WHERE c.job_id = j.id AND c.undone_at IS NOT NULL) AS undone_count FROM memory_jobs j`;

export function toJob(r: JobRow): M.Job {
  return {
    job_id: r.id,
    kind: r.kind,
    status: r.status,
    phase: r.phase,
    progress: r.progress,
    summary: JSON.parse(r.summary_json) as Record<string, number>,
    error: r.error,
    created_at: r.created_at,
    started_at: r.started_at,
    finished_at: r.finished_at,
    change_count: r.change_count,
    undone_count: r.undone_count,
  };
}

export function loadJob(ctx: ServerContext, id: number): M.Job {
  const r = sql(ctx.db, `${JOB_SELECT} WHERE j.id = ?`).get(id) as JobRow | undefined;
  if (!r) throw notFound('maintenance job', id);
  return toJob(r);
}

export function recentJobs(ctx: ServerContext, limit: number, offset = 0): M.Job[] {
  return (sql(ctx.db, `${JOB_SELECT} ORDER BY j.id DESC LIMIT ? OFFSET ?`).all(limit, offset) as JobRow[]).map(toJob);
}

/**
 * Jobs that were running when the server stopped are marked failed, never left "running" forever. Their report
 * keeps every proposal they opened (each is recorded with its proposal, in one transaction), so undo can withdraw
 * them; proposals a job of an older version opened without a report row are adopted here first.
 */
export function failInterruptedJobs(ctx: ServerContext): void {
  const now = nowIso();
  ctx.db.transaction(() => {
    sql(
      ctx.db,
      `INSERT INTO memory_job_changes (job_id, change, proposal_id, field, before_value, after_value, reason, created_at)
      SELECT j.id, 'proposal', p.id, 'status', NULL, 'open', p.kind || ' scan finding (job interrupted)', ?
      FROM memory_jobs j JOIN memory_proposals p ON p.created_by = 'job ' || j.id
      WHERE j.status IN ('queued', 'running')
        AND NOT EXISTS (SELECT 1 FROM memory_job_changes c WHERE c.job_id = j.id AND c.proposal_id = p.id)`,
    ).run(now);
    sql(
      ctx.db,
      `UPDATE memory_jobs SET status = 'failed', error = 'interrupted by a server restart', finished_at = ? WHERE status IN ('queued', 'running')`,
    ).run(now);
  })();
}

class JobReporter {
  private lastEmit = 0;
  readonly summary: Record<string, number> = {};
  constructor(
    private readonly ctx: ServerContext,
    readonly id: number,
    readonly kind: JobKind,
  ) {}

  progress(phase: string, progress: number, message: string, force = false): void {
    // Progress is reported between chunks: the natural place to stop when the server is shutting down.
    if (running.get(this.ctx)?.cancelled) throw new Error('cancelled: the server is stopping');
    sql(this.ctx.db, 'UPDATE memory_jobs SET phase = ?, progress = ?, summary_json = ? WHERE id = ?').run(
      phase,
      progress,
      JSON.stringify(this.summary),
      this.id,
    );
    const t = Date.now();
    if (!force && t - this.lastEmit < 150) return;
    this.lastEmit = t;
    this.ctx.events.emit(M.didProgress, {
      job_id: this.id,
      kind: this.kind,
      status: 'running',
      phase,
      progress: Math.round(progress * 1000) / 1000,
      message,
    });
  }

  /**
   * Records a proposal a scan opened as a change of this job (undo withdraws it). Called by the scan inside the
   * transaction that creates the proposal, so a job interrupted at any point (kill -9 included) has a report
   * that lists every proposal it opened.
   */
  proposalRecorder(reason: string): (proposalId: number) => void {
    const ins = sql(
      this.ctx.db,
      `INSERT INTO memory_job_changes (job_id, change, proposal_id, field, before_value, after_value, reason, created_at) VALUES (?, 'proposal', ?, 'status', NULL, 'open', ?, ?)`,
    );
    return (p) => void ins.run(this.id, p, reason, nowIso());
  }
}

async function decayAndArchive(ctx: ServerContext, job: JobReporter, from: number, span: number): Promise<void> {
  const now = nowIso();
  const cut = new Date(Date.now() - ctx.config['memory.decayAfterDays'] * 86_400_000).toISOString();
  const step = ctx.config['memory.decayStep'];
  const floor = ctx.config['memory.archiveBelowSalience'];
  const db = ctx.db;
  const total = (sql(db, `SELECT COUNT(*) AS n FROM memories WHERE status = 'active' AND valid_to IS NULL`).get() as { n: number }).n;
  const page = sql(
    db,
    `SELECT id, salience, last_decayed_at, use_count, trust, layer, touched_at FROM memories
    WHERE status = 'active' AND valid_to IS NULL AND id > ? ORDER BY id LIMIT ?`,
  );
  const setSalience = sql(db, 'UPDATE memories SET salience = ?, last_decayed_at = ? WHERE id = ?');
  const archive = sql(db, `UPDATE memories SET status = 'archived', updated_at = ? WHERE id = ?`);
  const change = sql(
    db,
    `INSERT INTO memory_job_changes (job_id, change, memory_id, field, before_value, after_value, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  job.summary.decayed = 0;
  job.summary.archived = 0;
  let after = 0;
  let seen = 0;
  const touchedIds: number[] = [];
  for (;;) {
    const rows = page.all(after, CHUNK) as {
      id: number;
      salience: number;
      last_decayed_at: string | null;
      use_count: number;
      trust: number;
      layer: string;
      touched_at: string;
    }[];
    if (!rows.length) break;
    db.transaction(() => {
      for (const r of rows) {
        if (r.layer === 'core') continue;
        let salience = r.salience;
        const idle = r.touched_at < cut && (r.last_decayed_at === null || r.last_decayed_at < cut);
        if (idle && salience > 0) {
          salience = Math.max(0, Math.round((salience - step) * 1000) / 1000);
          setSalience.run(salience, now, r.id);
          change.run(
            job.id,
            'decay',
            r.id,
            'salience',
            JSON.stringify({ salience: r.salience, last_decayed_at: r.last_decayed_at }),
            JSON.stringify({ salience, last_decayed_at: now }),
            `idle since ${r.touched_at.slice(0, 10)} (more than ${ctx.config['memory.decayAfterDays']} days): salience ${r.salience} → ${salience}`,
            now,
          );
          job.summary.decayed!++;
        }
        if (salience < floor && r.use_count < 3 && r.trust < 0.7) {
          archive.run(now, r.id);
          change.run(
            job.id,
            'archive',
            r.id,
            'status',
            'active',
            'archived',
            `low value: salience ${salience} < ${floor}, used ${r.use_count}×, trust ${r.trust}`,
            now,
          );
          job.summary.archived!++;
          touchedIds.push(r.id);
        }
      }
    })();
    seen += rows.length;
    after = rows[rows.length - 1]!.id;
    job.progress('decay', from + span * (seen / Math.max(1, total)), `decay/archive: ${seen} of ${total} memories checked`);
    await yieldLoop();
  }
  if (touchedIds.length) changed(ctx, 'maintenance', touchedIds.slice(0, 1000));
}

async function runJob(ctx: ServerContext, job: JobReporter): Promise<void> {
  const db = ctx.db;
  sql(db, `UPDATE memory_jobs SET status = 'running', started_at = ? WHERE id = ?`).run(nowIso(), job.id);
  const by = `job ${job.id}`;
  try {
    const plan: { phase: string; span: number }[] =
      job.kind === 'maintenance'
        ? [
            { phase: 'duplicates', span: 0.4 },
            { phase: 'conflicts', span: 0.3 },
            { phase: 'decay', span: 0.25 },
            { phase: 'index', span: 0.05 },
          ]
        : [{ phase: job.kind, span: 1 }];
    let at = 0;
    for (const { phase, span } of plan) {
      const from = at;
      const started = performance.now();
      job.progress(phase, from, `${phase}…`, true);
      if (phase === 'duplicates') {
        const r = await scanDuplicates(
          ctx,
          by,
          (f, m) => job.progress(phase, from + span * f, m),
          job.proposalRecorder('duplicate scan finding'),
          running.get(ctx)?.stop.signal,
        );
        job.summary.scanned = r.scanned;
        // where the near-duplicate verification ran (workers.maintenanceMode; a worker's memory_maintenance jobs)
        Object.assign(job.summary, r.where ?? {});
        job.summary.duplicate_proposals = r.proposalIds.length;
        job.summary.touched_capsules = touchedBy(ctx, r.proposalIds);
      } else if (phase === 'conflicts') {
        const r = await scanConflicts(ctx, by, (f, m) => job.progress(phase, from + span * f, m), job.proposalRecorder('conflict scan finding'));
        job.summary.scanned = Math.max(job.summary.scanned ?? 0, r.scanned);
        job.summary.conflict_proposals = r.proposalIds.length;
      } else if (phase === 'index') {
        // The full-text index merged into one segment when it has grown several (textIndex.ts).
        const signal = running.get(ctx)?.stop.signal;
        const r = await mergeTextIndex(db, async () => {
          await yieldLoop();
          signal?.throwIfAborted();
        });
        job.summary.index_segments_before = r.segments_before;
        job.summary.index_segments_after = r.segments_after;
        job.summary.index_merge_steps = r.steps;
      } else await decayAndArchive(ctx, job, from, span);
      job.summary[`${phase}_ms`] = Math.round(performance.now() - started);
      at += span;
    }
    sql(db, `UPDATE memory_jobs SET status = 'done', phase = 'done', progress = 1, summary_json = ?, finished_at = ? WHERE id = ?`).run(
      JSON.stringify(job.summary),
      nowIso(),
      job.id,
    );
    ctx.events.emit(M.didProgress, { job_id: job.id, kind: job.kind, status: 'done', phase: 'done', progress: 1, message: summaryText(job.summary) });
  } catch (err) {
    ctx.log.error(`memory ${job.kind} job ${job.id} failed`, err);
    sql(db, `UPDATE memory_jobs SET status = 'failed', error = ?, summary_json = ?, finished_at = ? WHERE id = ?`).run(
      (err as Error).message,
      JSON.stringify(job.summary),
      nowIso(),
      job.id,
    );
    ctx.events.emit(M.didProgress, {
      job_id: job.id,
      kind: job.kind,
      status: 'failed',
      phase: 'failed',
      progress: 1,
      message: (err as Error).message,
    });
  }
  changed(ctx, `${job.kind} job ${job.id}`, []);
}

export function summaryText(s: Record<string, number>): string {
  return (
    Object.entries(s)
      .map(([k, v]) => `${k.replace(/_/g, ' ')}: ${v}`)
      .join(', ') || 'nothing to do'
  );
}

export async function startJob(ctx: ServerContext, kind: JobKind, wait: boolean): Promise<M.Job> {
  const busy = running.get(ctx);
  if (busy) throw conflict(`memory job ${busy.id} is still running; wait for it (GET /api/memory/maintenance/jobs/${busy.id})`);
  const id = Number(
    sql(ctx.db, `INSERT INTO memory_jobs (kind, status, phase, progress, summary_json, created_at) VALUES (?, 'queued', 'queued', 0, '{}', ?)`).run(
      kind,
      nowIso(),
    ).lastInsertRowid,
  );
  const reporter = new JobReporter(ctx, id, kind);
  const done = new Promise<void>((resolve) => setImmediate(() => void runJob(ctx, reporter).finally(resolve)));
  running.set(ctx, { id, done, cancelled: false, stop: new AbortController() });
  void done.then(() => {
    if (running.get(ctx)?.id === id) running.delete(ctx);
  });
  if (wait) await done;
  return loadJob(ctx, id);
}

export async function stopJobs(ctx: ServerContext): Promise<void> {
  const job = running.get(ctx);
  if (!job) return;
  job.cancelled = true;
  job.stop.abort();
  await job.done;
}

interface ChangeRow {
  id: number;
  job_id: number;
  change: 'decay' | 'archive' | 'proposal';
  memory_id: number | null;
  proposal_id: number | null;
  field: string;
  before_value: string | null;
  after_value: string | null;
  reason: string;
  created_at: string;
  undone_at: string | null;
  undo_note: string | null;
}

function undoChanges(ctx: ServerContext, jobId: number, changeIds?: number[]): { undone: number; skipped: { change_id: number; reason: string }[] } {
  const db = ctx.db;
  const job = loadJob(ctx, jobId);
  if (job.status === 'running' || job.status === 'queued') throw conflict(`job ${jobId} is still ${job.status}; undo it when it has finished`);
  const rows = changeIds
    ? (sql(db, 'SELECT * FROM memory_job_changes WHERE job_id = ? AND id IN (SELECT value FROM json_each(?)) ORDER BY id DESC').all(
        jobId,
        JSON.stringify(changeIds),
      ) as ChangeRow[])
    : (sql(db, 'SELECT * FROM memory_job_changes WHERE job_id = ? ORDER BY id DESC').all(jobId) as ChangeRow[]);
  if (changeIds) {
    const found = new Set(rows.map((r) => r.id));
    const missing = changeIds.filter((c) => !found.has(c));
    if (missing.length) throw notFound(`change of job ${jobId}`, missing.join(', '));
  }
  const now = nowIso();
  const skipped: { change_id: number; reason: string }[] = [];
  let undone = 0;
  const mark = sql(db, 'UPDATE memory_job_changes SET undone_at = ?, undo_note = ? WHERE id = ?');
  const memo = sql(db, 'SELECT status, salience FROM memories WHERE id = ?');
  const ids: number[] = [];
  db.transaction(() => {
    for (const c of rows) {
      if (c.undone_at) {
        skipped.push({ change_id: c.id, reason: 'already undone' });
        continue;
      }
      if (c.change === 'proposal') {
        const p = sql(db, 'SELECT status FROM memory_proposals WHERE id = ?').get(c.proposal_id) as { status: string } | undefined;
        if (p?.status !== 'open') {
          skipped.push({ change_id: c.id, reason: `proposal ${c.proposal_id} is ${p?.status ?? 'gone'}: it was decided after the job` });
          continue;
        }
        sql(db, `UPDATE memory_proposals SET status = 'withdrawn', resolution_note = ?, resolved_at = ? WHERE id = ?`).run(
          `undone from job ${jobId}`,
          now,
          c.proposal_id,
        );
      } else {
        const m = memo.get(c.memory_id) as { status: string; salience: number } | undefined;
        if (c.change === 'archive') {
          if (m?.status !== 'archived') {
            skipped.push({ change_id: c.id, reason: `memory ${c.memory_id} is ${m?.status ?? 'gone'} now, not archived` });
            continue;
          }
          sql(db, `UPDATE memories SET status = 'active', updated_at = ? WHERE id = ?`).run(now, c.memory_id);
        } else {
          const before = JSON.parse(c.before_value!) as { salience: number; last_decayed_at: string | null };
          const after = JSON.parse(c.after_value!) as { salience: number };
          if (!m || m.salience !== after.salience) {
            skipped.push({ change_id: c.id, reason: `memory ${c.memory_id} salience changed since (now ${m?.salience ?? 'gone'})` });
            continue;
          }
          sql(db, 'UPDATE memories SET salience = ?, last_decayed_at = ? WHERE id = ?').run(before.salience, before.last_decayed_at, c.memory_id);
        }
        ids.push(c.memory_id!);
      }
      mark.run(now, 'undone by operator', c.id);
      undone++;
    }
  })();
  changed(ctx, `undo job ${jobId}`, ids.slice(0, 1000));
  return { undone, skipped };
}

export const jobServices = [
  implement(M.runMaintenance, async (p, ctx) => ({ ok: true, job: await startJob(ctx, 'maintenance', p.wait) })),
  implement(M.scanConflicts, async (p, ctx) => ({ ok: true, job: await startJob(ctx, 'conflicts', p.wait) })),
  implement(M.scanDuplicates, async (p, ctx) => ({ ok: true, job: await startJob(ctx, 'duplicates', p.wait) })),
  implement(M.jobs, (p, ctx) => ({
    ok: true,
    items: recentJobs(ctx, p.limit, p.offset),
    total: (sql(ctx.db, 'SELECT COUNT(*) AS n FROM memory_jobs').get() as { n: number }).n,
  })),
  implement(M.job, (p, ctx) => {
    const job = loadJob(ctx, p.job_id);
    const rows = sql(ctx.db, 'SELECT * FROM memory_job_changes WHERE job_id = ? ORDER BY id LIMIT ? OFFSET ?').all(
      p.job_id,
      p.limit,
      p.offset,
    ) as ChangeRow[];
    const changes = rows.map((c) => ({
      change_id: c.id,
      change: c.change,
      capsule_id: c.memory_id,
      proposal_id: c.proposal_id,
      field: c.field,
      before: c.before_value,
      after: c.after_value,
      reason: c.reason,
      created_at: c.created_at,
      undone_at: c.undone_at,
      undo_note: c.undo_note,
    }));
    return { ok: true, job, changes, total: job.change_count };
  }),
  implement(M.undo, (p, ctx) => ({ ok: true, ...undoChanges(ctx, p.job_id, p.change_ids) })),
];

/** How many distinct memories the given proposals name (the earlier product's `touched_capsules`). */
function touchedBy(ctx: ServerContext, proposalIds: number[]): number {
  let n = 0;
  const seen = new Set<number>();
  const members = sql(ctx.db, 'SELECT memory_id FROM memory_proposal_members WHERE proposal_id = ?');
  for (const id of proposalIds)
    for (const r of members.all(id) as { memory_id: number }[])
      if (!seen.has(r.memory_id)) {
        seen.add(r.memory_id);
        n++;
      }
  return n;
}
