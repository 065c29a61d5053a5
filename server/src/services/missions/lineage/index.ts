// Services of the replay / lineage methods (protocol/missionsLineage.ts).
import * as L from '../../../protocol/missionsLineage';
import * as B from '../../../protocol/missionsBranchSets';
import { createBranchSet, decide, strategies } from './branchSet';
import { implement, type Implementation } from '../../registry';
import { flatMission } from '../../../protocol/wire/missions';
import { getRow, missionOf } from '../loop';
import { toSummary } from '../store';
import { forkMission, launchDraft, replayMission } from './fork';
import { ancestryOf, descendantsOf } from './query';

export const missionsLineageServices: readonly Implementation[] = [
  implement(L.fork, async (p, ctx, call) => ({ ok: true, run: missionOf(ctx, await forkMission(ctx, p, call)) })),
  implement(L.replay, (p, ctx, call) => replayMission(ctx, p, call)),
  implement(L.launchFromDraft, (p, ctx, call) => launchDraft(ctx, p.run_id, p.dry_run, p.watch, call)),
  implement(L.lineage, (p, ctx) => {
    const row = getRow(ctx, p.run_id);
    return {
      ok: true,
      run_id: row.id,
      root_run_id: row.root_mission_id,
      ancestry: ancestryOf(ctx.db, row),
      ...descendantsOf(ctx.db, row, p.limit, p.offset),
    };
  }),
  implement(L.lineageOfRoot, (p, ctx) => {
    const root = getRow(ctx, p.root_run_id);
    return { ok: true, root_run_id: root.id, root: toSummary(root), ...descendantsOf(ctx.db, root, p.limit, p.offset) };
  }),
  implement(L.provenance, (p, ctx) => {
    const f = flatMission(missionOf(ctx, p.run_id));
    return {
      ok: true,
      run_id: f.run_id,
      snapshot_hash: f.snapshot_hash,
      parent_run_id: f.parent_run_id,
      root_run_id: f.root_run_id,
      lineage_depth: f.lineage_depth,
      replay_source_snapshot_hash: f.replay_source_snapshot_hash,
      replay_kind: f.replay_kind,
      provenance_note: f.provenance_note,
      fork_reason: f.fork_reason,
      immutable_origin_created_at: f.immutable_origin_created_at,
      branch_set_id: f.branch_set_id,
      branch_label: f.branch_label,
      branch_strategy: f.branch_strategy,
      decision_status: f.decision_status,
      assigned_persona_id: f.assigned_persona_id,
      assigned_persona_name: f.assigned_persona_name,
      assigned_persona_role: f.assigned_persona_role,
      persona_strategy_overlay: f.persona_strategy_overlay,
    };
  }),
  implement(B.branchStrategies, () => ({ ok: true, strategies: strategies() })),
  implement(B.branchSet, (p, ctx, call) => createBranchSet(ctx, p, call)),
  implement(B.shortlist, (p, ctx, call) => ({ ok: true, run: decide(ctx, p.run_id, 'shortlisted', p.decision_note, call) })),
  implement(B.eliminate, (p, ctx, call) => ({ ok: true, run: decide(ctx, p.run_id, 'eliminated', p.decision_note, call) })),
];
