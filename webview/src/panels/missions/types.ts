// Wire types the Missions panel reads (inferred from the one contract; the panel holds no business rules).
export type { Mission, MissionSummary, TimelineEvent } from '../../../../server/src/protocol/missions';

export const STATUSES = ['prepared', 'dry_run', 'launch_failed', 'launch_unknown', 'queued', 'running', 'blocked', 'unknown', 'succeeded', 'failed', 'cancelled'] as const;
export const ACTIVE = ['queued', 'running', 'blocked', 'unknown'];
export const LAUNCHABLE = ['prepared', 'dry_run', 'launch_failed', 'launch_unknown'];

export const STATUS_ICON: Record<string, string> = {
  prepared: 'circle-large-outline',
  dry_run: 'beaker',
  launch_failed: 'error',
  launch_unknown: 'warning',
  queued: 'clock',
  running: 'sync~spin',
  blocked: 'debug-pause',
  unknown: 'question',
  succeeded: 'pass-filled',
  failed: 'error',
  cancelled: 'circle-slash',
};

export const fmtTime = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');
