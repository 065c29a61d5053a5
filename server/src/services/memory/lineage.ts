// Lineage: the connected graph of links around a memory (derived_from, merged_from, superseded_by), walked
// breadth-first in both directions up to a depth and a node cap.
import * as M from '../../protocol/memory';
import { implement } from '../registry';
import { mustGet } from './capsules';
import { statements, type MemoryRow } from './store';
import { snippet } from './text';

const MAX_NODES = 200;

interface LinkRow {
  from_id: number;
  to_id: number;
  relation: 'derived_from' | 'merged_from' | 'superseded_by';
  created_at: string;
  note: string | null;
}

export const lineageServices = [
  implement(M.lineage, (p, ctx) => {
    mustGet(ctx, p.capsule_id);
    const s = statements(ctx.db);
    const seen = new Set<number>([p.capsule_id]);
    const edges = new Map<string, LinkRow>();
    let frontier = [p.capsule_id];
    let truncated = false;
    for (let d = 0; d < p.depth && frontier.length; d++) {
      const next: number[] = [];
      for (const id of frontier) {
        for (const l of s.linksOf.all(id, id) as LinkRow[]) {
          edges.set(`${l.from_id}>${l.to_id}>${l.relation}`, l);
          for (const other of [l.from_id, l.to_id]) {
            if (seen.has(other)) continue;
            if (seen.size >= MAX_NODES) {
              truncated = true;
              continue;
            }
            seen.add(other);
            next.push(other);
          }
        }
      }
      frontier = next;
    }
    if (frontier.length) truncated = true;
    const nodes = [...seen]
      .sort((a, b) => a - b)
      .map((id) => {
        const r = s.byId.get(id) as MemoryRow;
        return {
          capsule_id: r.id,
          kind: r.kind,
          text: r.status === 'deleted' ? '(deleted)' : snippet(r.text, 160),
          layer: r.layer,
          status: r.status,
          source: r.source,
          valid_from: r.valid_from,
          valid_to: r.valid_to,
          current: r.status === 'active' && r.valid_to === null,
        };
      });
    const list = [...edges.values()].filter((e) => seen.has(e.from_id) && seen.has(e.to_id));
    return {
      ok: true,
      root_id: p.capsule_id,
      nodes,
      edges: list.map((e) => ({ from_id: e.from_id, to_id: e.to_id, relation: e.relation, created_at: e.created_at, note: e.note })),
      truncated,
    };
  }),
];
