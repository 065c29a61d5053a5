// The lineage graph layout of the Memory panel: older memories to the left, parallel relations apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layout, olderToNewer } from '../../webview/src/panels/memory/layout';

const node = (id: number) => ({
  capsule_id: id,
  text: `m${id}`,
  layer: 'episodic' as const,
  status: 'active' as const,
  source: 'operator' as const,
  valid_from: '',
  valid_to: null,
  current: true,
});
const edge = (from_id: number, relation: 'derived_from' | 'merged_from' | 'superseded_by', to_id: number) => ({
  from_id,
  to_id,
  relation,
  created_at: '',
  note: null,
});

test('edges point from the older memory to the newer one', () => {
  assert.deepEqual(olderToNewer(edge(2, 'derived_from', 1)), [1, 2]);
  assert.deepEqual(olderToNewer(edge(2, 'merged_from', 1)), [1, 2]);
  assert.deepEqual(olderToNewer(edge(1, 'superseded_by', 2)), [1, 2]);
});

test('columns follow the longest path; two relations between one pair are drawn apart', () => {
  const g = layout(
    [node(1), node(2), node(3), node(4)],
    [edge(1, 'superseded_by', 2), edge(2, 'derived_from', 1), edge(3, 'derived_from', 2), edge(4, 'merged_from', 1)],
  );
  const x = Object.fromEntries(g.placed.map((p) => [p.node.capsule_id, p.x]));
  assert.ok(x[1]! < x[2]! && x[2]! < x[3]!, JSON.stringify(x));
  assert.equal(x[4], x[2], 'siblings share a column');
  const pair = g.arrows.filter((a) => a.from.node.capsule_id === 1 && a.to.node.capsule_id === 2);
  assert.equal(pair.length, 2);
  assert.notEqual(pair[0]!.bend, pair[1]!.bend);
  assert.ok(g.width > 0 && g.height > 0);
});
