// Snapshots: a stable hash of a mission's immutable content (sha256 over canonical JSON: keys sorted, no
// whitespace). Only content fixed when the mission was defined goes in, so refresh, watch and writeback never
// change it.
import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = sortedKeys(obj);
  // Flat objects (database rows: every value a string, number, boolean or null) are the bulk of an export: one
  // JSON.stringify with the sorted keys as its property list writes them in exactly the order and form the
  // recursive branch below would, without building a string per key.
  if (isFlat(obj, keys)) return JSON.stringify(obj, keys);
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${canonicalJson(v)}`;
    first = false;
  }
  return `${out}}`;
}

/** Sorted own keys; rows of one table share their key list, so the sorted list is cached by the unsorted one. */
const keyCache = new Map<string, string[]>();
function sortedKeys(obj: Record<string, unknown>): string[] {
  const own = Object.keys(obj);
  if (own.length > 64) return own.sort();
  const id = JSON.stringify(own); // (unambiguous: keys may hold any character)
  let sorted = keyCache.get(id);
  if (!sorted) {
    if (keyCache.size > 256) keyCache.clear();
    keyCache.set(id, (sorted = own.sort()));
  }
  return sorted;
}

function isFlat(obj: Record<string, unknown>, keys: string[]): boolean {
  for (const k of keys) {
    const v = obj[k];
    const t = typeof v;
    // (undefined is dropped by both forms; anything else — objects, functions, bigints — takes the general path.)
    if (v !== null && t !== 'string' && t !== 'number' && t !== 'boolean' && t !== 'undefined') return false;
  }
  return true;
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
