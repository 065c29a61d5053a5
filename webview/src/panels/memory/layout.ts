// Lineage graph layout (pure, so it is easy to reason about): edges are turned to point from the older memory
// to the newer one, each node's column is its longest path from an origin, rows fill each column in id order.
import type { LineageEdge, LineageNode } from './types';

export interface Placed {
  node: LineageNode;
  x: number;
  y: number;
}
export interface Arrow {
  from: Placed;
  to: Placed;
  relation: LineageEdge['relation'];
  /** Vertical offset so several relations between the same two memories do not draw on top of each other. */
  bend: number;
}

/** older → newer: "A derived_from B" and "A merged_from B" mean B came first; "A superseded_by B" means A did. */
export function olderToNewer(e: LineageEdge): [number, number] {
  return e.relation === 'superseded_by' ? [e.from_id, e.to_id] : [e.to_id, e.from_id];
}

export function layout(
  nodes: LineageNode[],
  edges: LineageEdge[],
  colWidth = 240,
  rowHeight = 70,
): { placed: Placed[]; arrows: Arrow[]; width: number; height: number } {
  const level = new Map(nodes.map((n) => [n.capsule_id, 0]));
  const dir = edges.map(olderToNewer);
  // Longest-path levels by relaxation (lineage graphs are small and acyclic; the bound guards a bad cycle).
  for (let i = 0; i < nodes.length; i++) {
    let moved = false;
    for (const [a, b] of dir) {
      if (level.has(a) && level.has(b) && level.get(b)! < level.get(a)! + 1) {
        level.set(b, level.get(a)! + 1);
        moved = true;
      }
    }
    if (!moved) break;
  }
  const rows = new Map<number, number>();
  const byId = new Map<number, Placed>();
  for (const n of [...nodes].sort((a, b) => a.capsule_id - b.capsule_id)) {
    const col = level.get(n.capsule_id)!;
    const row = rows.get(col) ?? 0;
    rows.set(col, row + 1);
    byId.set(n.capsule_id, { node: n, x: 10 + col * colWidth, y: 10 + row * rowHeight });
  }
  const perPair = new Map<string, number>();
  const arrows = edges.flatMap((e) => {
    const [a, b] = olderToNewer(e);
    const from = byId.get(a);
    const to = byId.get(b);
    if (!from || !to) return [];
    const key = `${a}>${b}`;
    const n = perPair.get(key) ?? 0;
    perPair.set(key, n + 1);
    return [{ from, to, relation: e.relation, bend: n === 0 ? -8 : 8 * n }];
  });
  const cols = Math.max(1, ...[...level.values()].map((l) => l + 1));
  const maxRows = Math.max(1, ...rows.values());
  return { placed: [...byId.values()], arrows, width: cols * colWidth + 20, height: maxRows * rowHeight + 20 };
}
