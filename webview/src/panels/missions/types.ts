// Wire types the Missions panel reads (inferred from the one contract; the panel holds no business rules: which
// states are active or launchable comes from the server on each mission).
import type { Level, MissionStatus, WritebackStatus } from '../../../../server/src/protocol/missions';
export type { Level, Mission, MissionStatus, MissionSummary, TimelineEvent, WritebackStatus } from '../../../../server/src/protocol/missions';

/** Display only. Keyed by the contract's enum, so the compiler flags a status the panel does not know. */
export const STATUS_ICON: Record<MissionStatus, string> = {
  prepared: 'circle-large-outline',
  dry_run: 'beaker',
  launch_failed: 'error',
  queued: 'clock',
  running: 'sync~spin',
  blocked: 'debug-pause',
  unknown: 'question',
  succeeded: 'pass-filled',
  failed: 'error',
  cancelled: 'circle-slash',
};
export const STATUS_OPTIONS = Object.keys(STATUS_ICON) as MissionStatus[];

const WRITEBACK_LABEL: Record<WritebackStatus, true> = { none: true, pending: true, succeeded: true, failed: true, skipped: true };
export const WRITEBACK_OPTIONS = Object.keys(WRITEBACK_LABEL) as WritebackStatus[];
const LEVEL_LABEL: Record<Level, true> = { low: true, medium: true, high: true };
export const LEVEL_OPTIONS = Object.keys(LEVEL_LABEL) as Level[];

export const fmtTime = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');
