// The mission state machine, in one place: which statuses exist, which are terminal / active / launchable,
// how an AgentCeption job state maps onto a mission status, and which transitions are legal. Pure functions.
import type { JobState } from '../../bridges/missions/types';
import type { MissionStatus } from '../../protocol/missions';

export const TERMINAL: readonly MissionStatus[] = ['succeeded', 'failed', 'cancelled'];
/** Launched and not finished: the watcher refreshes these. */
export const ACTIVE: readonly MissionStatus[] = ['queued', 'running', 'blocked', 'unknown'];
/** Not launched for real yet: launch is allowed. */
export const LAUNCHABLE: readonly MissionStatus[] = ['prepared', 'dry_run', 'launch_failed', 'launch_unknown'];

export const isTerminal = (s: MissionStatus): boolean => TERMINAL.includes(s);
export const isActive = (s: MissionStatus): boolean => ACTIVE.includes(s);
export const isLaunchable = (s: MissionStatus): boolean => LAUNCHABLE.includes(s);

/** The contract's job states map one to one onto mission statuses. */
export function statusForJob(state: JobState): MissionStatus {
  return state;
}

const NEXT: Record<MissionStatus, readonly MissionStatus[]> = {
  prepared: ['dry_run', 'launch_failed', 'launch_unknown', ...ACTIVE, ...TERMINAL],
  dry_run: ['dry_run', 'launch_failed', 'launch_unknown', ...ACTIVE, ...TERMINAL],
  launch_failed: ['dry_run', 'launch_failed', 'launch_unknown', ...ACTIVE, ...TERMINAL],
  launch_unknown: ['dry_run', 'launch_failed', 'launch_unknown', ...ACTIVE, ...TERMINAL],
  queued: [...ACTIVE, ...TERMINAL],
  running: [...ACTIVE, ...TERMINAL],
  blocked: [...ACTIVE, ...TERMINAL],
  unknown: [...ACTIVE, ...TERMINAL],
  // AgentCeption's `stopped` is "terminal for polling, resumable": a later refresh may bring a cancelled job back.
  cancelled: [...ACTIVE, ...TERMINAL],
  // A finished job stays finished; a refresh may still change which terminal state (e.g. legacy `done`).
  succeeded: [...TERMINAL],
  failed: [...TERMINAL],
};

export function canTransition(from: MissionStatus, to: MissionStatus): boolean {
  return from === to || NEXT[from].includes(to);
}

/** States whose outcome is worth writing back to PhiOS automatically (finished, or waiting for a human). */
export const hasOutcome = (s: MissionStatus): boolean => isTerminal(s) || s === 'blocked';
