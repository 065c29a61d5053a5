// Lineage graph layout with @dagrejs/dagre (a maintained layered-graph layout): root at the top, forks and
// branches below their parent (or, in a narrow sidebar, left to right: siblings then stack downwards). Pure: nodes and parent links in, positions out; the Svelte component draws SVG.
import dagre from '@dagrejs/dagre';

export interface LNode {
  id: string;
  parent: string | null;
}
export interface Laid<N> {
  nodes: (N & { x: number; y: number })[];
  edges: { from: string; to: string; points: { x: number; y: number }[] }[];
  width: number;
  height: number;
}

export function layoutLineage<N extends LNode>(nodes: N[], nodeW: number, nodeH: number, rankdir: 'TB' | 'LR' = 'TB'): Laid<N> {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir, nodesep: rankdir === 'TB' ? 16 : 10, ranksep: rankdir === 'TB' ? 36 : 24, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(nodes.map((n) => n.id));
  for (const n of nodes) g.setNode(n.id, { width: nodeW, height: nodeH });
  for (const n of nodes) if (n.parent && ids.has(n.parent)) g.setEdge(n.parent, n.id);
  dagre.layout(g);
  const graph = g.graph();
  return {
    nodes: nodes.map((n) => {
      const p = g.node(n.id);
      return { ...n, x: p.x - nodeW / 2, y: p.y - nodeH / 2 };
    }),
    edges: g.edges().map((e) => ({ from: e.v, to: e.w, points: g.edge(e).points ?? [] })),
    width: Math.max(nodeW + 16, graph.width ?? 0),
    height: Math.max(nodeH + 16, graph.height ?? 0),
  };
}
