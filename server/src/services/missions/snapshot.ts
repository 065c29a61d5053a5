// Snapshots: a stable hash of a mission's immutable content (sha256 over canonical JSON: keys sorted, no
// whitespace). Only content fixed when the mission was defined goes in, so refresh, watch and writeback never
// change it.
import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
export const hashOf = (value: unknown): string => sha256(canonicalJson(value));

export interface ImmutableContent {
  run_id: string;
  created_at: string;
  repo: string;
  persona_id: string;
  mission_title: string;
  objective: string;
  operator_intent: string;
  constraints: string[];
  acceptance_criteria: string[];
  session_id: string;
  context_packet: unknown;
  parent_run_id: string | null;
  root_run_id: string;
  fork_reason: string | null;
  branch_set_id: string | null;
  branch_label: string | null;
}

export function snapshotHash(content: ImmutableContent): string {
  return hashOf({ schema: 'mission-snapshot-v1', ...content });
}
