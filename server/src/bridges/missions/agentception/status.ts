// AgentCeption's status vocabulary → Agentora's JobState (contracts/agentception.md, "Status vocabulary").
// Pure, so the whole table is unit-tested row by row.
import type { JobState } from '../types';

const TABLE: Record<string, JobState> = {
  pending_launch: 'queued',
  implementing: 'running',
  reviewing: 'running',
  recovering: 'running',
  stalled: 'running',
  stale: 'running',
  blocked: 'blocked',
  completed: 'succeeded',
  failed: 'failed',
  error: 'failed',
  unknown: 'failed', // legacy: AgentCeption wrote `unknown` for runs it lost
  cancelled: 'cancelled',
  stopped: 'cancelled', // terminal for polling, though AgentCeption can resume it
};

function norm(raw: string | null | undefined): string {
  return (raw ?? '').trim().toLowerCase();
}

/**
 * The job state for a raw AgentCeption status. `hasDone` / `hasPr` only matter for the legacy `done` (written by
 * `POST /api/runs/{id}/stop`): it succeeded if the agent got as far as a `done` event or a PR, else it was stopped.
 * Anything not in the table is `unknown`: keep polling with backoff and show the raw value.
 */
export function mapStatus(raw: string | null | undefined, facts: { hasDone: boolean; hasPr: boolean } = { hasDone: false, hasPr: false }): JobState {
  const s = norm(raw);
  if (s === 'done') return facts.hasDone || facts.hasPr ? 'succeeded' : 'cancelled';
  return Object.hasOwn(TABLE, s) ? TABLE[s]! : 'unknown';
}

/** `stalled`, and the `stale` AgentCeption computes for runs with no recent activity. */
export function isStaleStatus(raw: string | null | undefined): boolean {
  const s = norm(raw);
  return s === 'stalled' || s === 'stale';
}
