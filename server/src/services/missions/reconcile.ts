// Crash-safe launch. A real launch commits its intent (the idempotency key AgentCeption can be asked about: the
// issue number, or label + repo + time, and the mission id that the brief carries) BEFORE the dispatch is sent,
// and clears it when the answer is stored. A mission that still holds an intent when the server starts was
// interrupted mid-launch (kill -9, power cut): AgentCeption may or may not have created the run. Reconciling asks
// AgentCeption (reads only, never a dispatch, so it can never start a second agent) and either attaches the run
// it finds or marks the mission `launch_unknown` with what to check. Launching a `launch_unknown` mission again
// first looks for the run the same way and attaches it instead of dispatching.
import type { ServerContext } from '../../context';
import type { LaunchKey, LaunchResult } from '../../bridges/missions/types';
import { describeError, type ErrorInfo } from './loop';
import { isTerminal, statusForJob } from './stateMachine';
import type { Column, MissionRow, NewEvent } from './store';
import { bridgesOf, missionsState } from './state';

export interface LaunchIntent extends LaunchKey {
  route: string;
  watch: boolean;
}

type Change = { fields: Partial<Record<Column, unknown>>; events: NewEvent[] };
export type Commit = (ctx: ServerContext, id: string, change: (row: MissionRow) => Change, actor: string) => unknown;

export function intentOf(row: MissionRow): LaunchIntent | null {
  if (!row.launch_intent) return null;
  try {
    return JSON.parse(row.launch_intent) as LaunchIntent;
  } catch {
    return null;
  }
}

/** The intent of the interrupted launch that left a mission launch_unknown (kept in its launch record). */
export function earlierIntent(row: MissionRow): LaunchIntent | null {
  try {
    const intent = (JSON.parse(row.launch_request_json ?? 'null') as { intent?: LaunchIntent } | null)?.intent;
    return intent && typeof intent === 'object' && (intent.mode === 'issue' || intent.mode === 'label') ? intent : null;
  } catch {
    return null;
  }
}

const keyText = (k: LaunchKey) =>
  k.mode === 'issue'
    ? `issue #${k.issue_number} (run issue-${k.issue_number})`
    : `label "${k.label}" on ${k.repo}${k.issue_number ? ` (issue #${k.issue_number})` : ''}`;

/** The mission fields for a run that is now known to be this mission's (launch answered, or found afterwards). */
export function attachedFields(
  row: MissionRow,
  res: LaunchResult,
  intent: { route: string; watch: boolean },
  request: unknown,
  now: string,
): Change['fields'] {
  const status = statusForJob(res.state);
  return {
    status,
    dry_run: 0,
    job_id: res.run_id,
    job_state: res.state,
    job_raw_status: res.raw_status,
    branch: res.branch,
    launched_at: now,
    launch_request_json: JSON.stringify({ route: intent.route, body: request, dry_run: false, response: res }),
    launch_intent: null,
    watched: intent.watch && !isTerminal(status) ? 1 : 0,
    last_error: res.warning ?? null,
    fix_hint: res.warning
      ? `Start run ${res.run_id} on AgentCeption (POST /api/runs/${res.run_id}/execute) or cancel it there; the watcher follows it once it runs.`
      : null,
  };
}

/** Candidates not already attached to another mission (a label run can only belong to one). */
function unclaimed(ctx: ServerContext, id: string, found: LaunchResult[]): LaunchResult[] {
  const owner = ctx.db.prepare('SELECT id FROM missions WHERE job_id = ? AND id <> ? LIMIT 1');
  return found.filter((r) => !owner.get(r.run_id, id));
}

export type Lookup =
  { kind: 'found'; run: LaunchResult } | { kind: 'none' } | { kind: 'ambiguous'; runs: LaunchResult[] } | { kind: 'error'; error: ErrorInfo };

/** Ask AgentCeption which run (if any) the launch with this intent created. Reads only. */
export async function lookupLaunch(ctx: ServerContext, id: string, intent: LaunchIntent): Promise<Lookup> {
  try {
    const found = unclaimed(ctx, id, await bridgesOf(ctx).agentception.findLaunch(intent));
    if (found.length === 1) return { kind: 'found', run: found[0]! };
    return found.length === 0 ? { kind: 'none' } : { kind: 'ambiguous', runs: found };
  } catch (err) {
    return { kind: 'error', error: describeError(err) };
  }
}

/** The launch_unknown change for a lookup that did not find exactly one run. */
export function unknownChange(row: MissionRow, intent: LaunchIntent, look: Exclude<Lookup, { kind: 'found' }>, why: string): Change {
  const key = keyText(intent);
  const relaunch =
    'Launching the mission again first asks AgentCeption for that run and attaches it if it exists, so it never starts a second agent for a run that was created.';
  let message: string;
  let fix: string;
  if (look.kind === 'none') {
    message = `${why}: AgentCeption has no run for ${key}`;
    fix = `Nothing was started as far as AgentCeption can tell. ${relaunch}`;
  } else if (look.kind === 'ambiguous') {
    const ids = look.runs.map((r) => r.run_id).join(', ');
    message = `${why}: several AgentCeption runs match ${key}: ${ids}`;
    fix = `Keep one of ${ids} and cancel the others on AgentCeption, then launch the mission again: it attaches the one run left.`;
  } else {
    message = `${why}: could not ask AgentCeption about ${key}: ${look.error.message}`;
    fix = `${look.error.fix_hint} Then check AgentCeption's runs for ${key} (its UI, or ac://runs/active). ${relaunch}`;
  }
  return {
    fields: {
      status: 'launch_unknown',
      launch_intent: null,
      last_error: message,
      fix_hint: fix,
      launch_request_json: JSON.stringify({ route: intent.route, dry_run: false, interrupted: true, intent }),
    },
    events: [
      { type: 'launch_unknown', from_status: row.status, to_status: 'launch_unknown', message, data: { intent, lookup: look.kind, fix_hint: fix } },
    ],
  };
}

export function foundChange(row: MissionRow, intent: LaunchIntent, run: LaunchResult, why: string, now: string): Change {
  return {
    fields: attachedFields(row, run, intent, { interrupted: true, intent }, now),
    events: [
      {
        type: 'launch_reconciled',
        from_status: row.status,
        to_status: statusForJob(run.state),
        message: `${why}: attached AgentCeption run ${run.run_id} (${run.raw_status}) found for ${keyText(intent)}`,
        data: { job_id: run.run_id, raw_status: run.raw_status, branch: run.branch, intent },
      },
      ...(intent.watch && !isTerminal(statusForJob(run.state))
        ? [{ type: 'watch_started' as const, message: 'Watching: the watcher refreshes this mission until it ends' }]
        : []),
    ],
  };
}

/**
 * At server start: every mission whose launch was interrupted is attached to its run or marked launch_unknown.
 * Runs in the background (the server answers meanwhile); a mission being launched right now is skipped.
 */
export async function reconcileLaunches(ctx: ServerContext, commit: Commit): Promise<{ attached: number; unknown: number }> {
  const rows = ctx.db.prepare('SELECT * FROM missions WHERE launch_intent IS NOT NULL AND job_id IS NULL').all() as MissionRow[];
  const state = missionsState(ctx);
  let attached = 0;
  let unknown = 0;
  for (const row of rows) {
    if (state.launching.has(row.id)) continue;
    state.launching.add(row.id);
    try {
      const intent = intentOf(row);
      const why = 'The server stopped during this launch';
      if (!intent) {
        commit(
          ctx,
          row.id,
          (r) => ({
            fields: {
              status: 'launch_unknown',
              launch_intent: null,
              last_error: `${why}, and its launch record is unreadable`,
              fix_hint: "Check AgentCeption's runs for this mission (its id is in the brief) before launching it again.",
            },
            events: [{ type: 'launch_unknown', from_status: r.status, to_status: 'launch_unknown', message: `${why}; launch record unreadable` }],
          }),
          'reconcile',
        );
        unknown++;
        continue;
      }
      const look = await lookupLaunch(ctx, row.id, intent);
      // Re-read: the intent must still be the one we looked up (nothing else may have attached a run meanwhile).
      const now = new Date().toISOString();
      commit(
        ctx,
        row.id,
        (r) => {
          if (r.launch_intent !== row.launch_intent || r.job_id) return { fields: {}, events: [] };
          return look.kind === 'found' ? foundChange(r, intent, look.run, why, now) : unknownChange(r, intent, look, why);
        },
        'reconcile',
      );
      if (look.kind === 'found') attached++;
      else unknown++;
    } catch (err) {
      ctx.log.error(`mission ${row.id}: reconciling an interrupted launch failed`, err);
    } finally {
      state.launching.delete(row.id);
    }
  }
  if (rows.length) ctx.log.info(`missions: ${rows.length} interrupted launch(es) reconciled: ${attached} attached, ${unknown} launch_unknown`);
  return { attached, unknown };
}
