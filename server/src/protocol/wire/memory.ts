// Wire shapes of the memory routes (wire-shapes.md "Memory"): `{ok, items}` lists, `{ok, capsule, children,
// edges, summary}` for one capsule, `{ok, root, capsule, descendants, summaries}` for lineage, and the scan
// answers `{ok, created}` / `{ok, touched_capsules, clusters}` (our scans are jobs: with `wait=true` the counts
// are final, without it they are what the job found so far — usually 0 — and `job` says how to follow it).
import { z } from 'zod';
import type { Job } from '../memory';
import { loose } from './common';

const int = z.number().int();
const Items = loose({ ok: z.boolean(), items: z.array(z.unknown()) });
const CapsuleW = loose({ capsule_id: int, text: z.string(), layer: z.string() });

/** Earlier clients send integer run ids (`run_id: 7001`): ours are text, so a number is taken as its text. */
function idsAsText(input: Record<string, unknown>): Record<string, unknown> {
  const out = { ...input };
  for (const k of ['run_id', 'chat_id', 'mission_id']) if (typeof out[k] === 'number' && Number.isInteger(out[k])) out[k] = String(out[k]);
  return out;
}
export const search = {
  fromWire: idsAsText,
  schema: loose({
    ok: z.boolean(),
    items: z.array(
      loose({
        capsule_id: int,
        score: z.number(),
        text: z.string(),
        source: z.string(),
        layer: z.string(),
        score_breakdown: loose({}),
        admission_reason: z.string(),
        conflict_flag: z.boolean(),
        duplicate_cluster_id: int.nullable(),
      }),
    ),
  }),
};

type GetResult = { ok: boolean; capsule: unknown; children: unknown[]; edges: unknown[]; summary: string };
export const get = {
  schema: loose({ ok: z.boolean(), capsule: CapsuleW, children: z.array(z.unknown()), edges: z.array(z.unknown()), summary: z.string() }),
  toWire: (r: GetResult) => r,
};

type Node = { capsule_id: number };
type Edge = { from_id: number; to_id: number; relation: string };
type LineageResult = { ok: boolean; root_id: number; nodes: (Node & { kind?: string })[]; edges: Edge[] };
export const lineage = {
  schema: loose({ ok: z.boolean(), root: CapsuleW, capsule: CapsuleW, descendants: z.array(CapsuleW), summaries: z.array(CapsuleW) }),
  toWire: (r: LineageResult) => {
    const byId = new Map(r.nodes.map((n) => [n.capsule_id, n]));
    // Descendants: memories made from this one (derived or merged from it, or superseding it), transitively.
    const seen = new Set<number>([r.root_id]);
    let frontier = [r.root_id];
    while (frontier.length) {
      const next: number[] = [];
      for (const e of r.edges) {
        const child =
          e.relation === 'superseded_by' ? (frontier.includes(e.from_id) ? e.to_id : null) : frontier.includes(e.to_id) ? e.from_id : null;
        if (child !== null && !seen.has(child)) {
          seen.add(child);
          next.push(child);
        }
      }
      frontier = next;
    }
    const root = byId.get(r.root_id)!;
    const descendants = [...seen]
      .filter((id) => id !== r.root_id)
      .map((id) => byId.get(id)!)
      .filter(Boolean);
    return { ...r, root, capsule: root, descendants, summaries: descendants.filter((n) => n.kind === 'summary') };
  },
};

export const items = <K extends string>(key: K) => ({
  schema: Items,
  toWire: (r: { ok: boolean } & Record<K, unknown[]>) => ({ ...r, items: r[key] }),
});
export const list = { schema: Items };
export const retrieval = {
  schema: loose({
    ok: z.boolean(),
    run_id: z.string(),
    items: z.array(loose({ capsule_id: int, layer: z.string().nullable(), score: z.number(), reason: z.string() })),
  }),
};
export const trace = {
  schema: loose({ ok: z.boolean(), run_id: z.string(), trace: z.array(z.unknown()) }),
  toWire: (r: { ok: boolean; run_id: string; events: unknown[] }) => ({ ...r, trace: r.events }),
};
export const health = {
  schema: loose({
    counts_by_layer: z.record(z.string(), int),
    hot_count: int,
    cold_count: int,
    conflict_count: int,
    duplicate_count: int,
    active_context_runs: int,
    maintenance_status: z.array(z.unknown()),
    last_maintenance: z.unknown().nullable(),
  }),
};
const JobW = loose({ job_id: int, status: z.string() });
export const maintenance = { schema: loose({ ok: z.boolean(), job: JobW }) };
export const scanConflicts = {
  schema: loose({ ok: z.boolean(), created: int, job: JobW }),
  toWire: (r: { ok: boolean; job: Job }) => ({ ...r, created: r.job.summary.conflict_proposals ?? 0 }),
};
export const scanDuplicates = {
  schema: loose({ ok: z.boolean(), touched_capsules: int, clusters: int, job: JobW }),
  toWire: (r: { ok: boolean; job: Job }) => ({
    ...r,
    touched_capsules: r.job.summary.touched_capsules ?? 0,
    clusters: r.job.summary.duplicate_proposals ?? 0,
  }),
};
export const capsule = { schema: loose({ ok: z.boolean(), capsule: CapsuleW }) };
export const create = { schema: loose({ ok: z.boolean(), capsule: CapsuleW }) };
export const refine = { schema: loose({ ok: z.boolean(), capsule: CapsuleW, superseded: CapsuleW }) };
