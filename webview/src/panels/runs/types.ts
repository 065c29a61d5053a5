// Types and pure helpers of the Runs panel (graph layout, state colours, formatting), kept out of the
// components so unit tests can cover them.
import { M, type Result } from '../../client/types';

export type Run = Result<typeof M.runs.getRun>['run'];
export type RunMessage = Result<typeof M.runs.getRun>['messages'][number];
export type RunSubgoal = Result<typeof M.runs.runPlan>['subgoals'][number];
export type TraceEvent = Result<typeof M.runs.runTrace>['trace'][number];
export type Team = Result<typeof M.teams.listTeams>['items'][number];

/** The live notification (server/src/protocol/runsLive.ts). */
export interface RunEvent {
  run_id: string;
  kind: 'status' | 'plan' | 'subgoal' | 'token' | 'tool_call' | 'tool_result' | 'approval' | 'step' | 'handoff';
  status?: string;
  subgoal_id?: string | null;
  agent_name?: string | null;
  delta?: string;
  data?: Record<string, unknown>;
}

export const RUN_STATES = ['queued', 'running', 'waiting_approval', 'paused', 'completed', 'stopped', 'failed', 'cancelled', 'interrupted'] as const;
export const ACTIVE = new Set(['queued', 'running', 'waiting_approval', 'paused']);

/** State colours from the VS Code theme (charts palette), with fallbacks for the studio. */
export const STATE_COLOUR: Record<string, string> = {
  pending: 'var(--vscode-disabledForeground, #888)',
  running: 'var(--vscode-charts-blue, #3794ff)',
  waiting_approval: 'var(--vscode-charts-yellow, #cca700)',
  done: 'var(--vscode-charts-green, #89d185)',
  skipped: 'var(--vscode-disabledForeground, #888)',
};

export const STATUS_ICON: Record<string, string> = {
  queued: 'clock',
  running: 'sync',
  waiting_approval: 'shield',
  paused: 'debug-pause',
  completed: 'pass',
  stopped: 'circle-slash',
  failed: 'error',
  cancelled: 'close',
  interrupted: 'debug-disconnect',
};

export interface NodeBox {
  id: string;
  x: number;
  y: number;
  level: number;
}
export const NODE_W = 150;
export const NODE_H = 46;
export const GAP_X = 20;
export const GAP_Y = 34;

/**
 * Layered layout, top to bottom (narrow sidebars have height, not width): a subgoal's level is one more than
 * its deepest dependency; nodes of a level sit side by side in plan order. Returns boxes and the view size.
 */
export function layout(subgoals: readonly { id: string; depends_on: readonly string[] }[]): { boxes: NodeBox[]; width: number; height: number } {
  const level = new Map<string, number>();
  const byId = new Map(subgoals.map((s) => [s.id, s]));
  const depth = (id: string, seen = new Set<string>()): number => {
    if (level.has(id)) return level.get(id)!;
    if (seen.has(id)) return 0; // a cycle cannot come from a validated plan; do not loop on one
    seen.add(id);
    const deps = byId.get(id)?.depends_on.filter((d) => byId.has(d)) ?? [];
    const l = deps.length ? 1 + Math.max(...deps.map((d) => depth(d, seen))) : 0;
    level.set(id, l);
    return l;
  };
  subgoals.forEach((s) => depth(s.id));
  const rows = new Map<number, string[]>();
  for (const s of subgoals) rows.set(level.get(s.id)!, [...(rows.get(level.get(s.id)!) ?? []), s.id]);
  const widest = Math.max(1, ...[...rows.values()].map((r) => r.length));
  const width = widest * NODE_W + (widest - 1) * GAP_X;
  const boxes: NodeBox[] = [];
  for (const [l, ids] of rows) {
    const rowW = ids.length * NODE_W + (ids.length - 1) * GAP_X;
    ids.forEach((id, i) => boxes.push({ id, level: l, x: (width - rowW) / 2 + i * (NODE_W + GAP_X), y: l * (NODE_H + GAP_Y) }));
  }
  const height = rows.size ? rows.size * NODE_H + (rows.size - 1) * GAP_Y : 0;
  return { boxes, width, height };
}

export const pct = (used: number, max: number) => Math.max(0, Math.min(100, max > 0 ? (100 * used) / max : 0));
export const fmtTime = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '');
