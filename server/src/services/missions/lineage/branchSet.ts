// Branch sets: every branch is planned (presets applied, replay policies checked) before any is created, so a
// bad spec changes nothing; then the drafts are inserted and the selected ones launched.
import { randomUUID } from 'node:crypto';
import type { CallInfo, ServerContext } from '../../../context';
import type { BranchPreset, BranchSetParams } from '../../../protocol/missionsBranchSets';
import type { Mission } from '../../../protocol/missions';
import { commit, getRow, missionOf } from '../loop';
import { missionStore } from '../store';
import { insertFork, launchDraft, planFork, refuse } from './fork';
import { portfolioSql } from '../portfolio/query';
import { enforce } from '../personas/policy';

type Preset = {
  description: string;
  objective_suffix: string;
  replay_kind: 'edited' | 'retry' | 'what_if';
  drops_source_constraints: boolean;
  added_constraints: string[];
  requires_persona: boolean;
};

export const PRESETS: Record<BranchPreset, Preset> = {
  conservative_fix: {
    description: 'The smallest safe fix; no refactoring.',
    objective_suffix: ' (conservative fix: the smallest safe change)',
    replay_kind: 'edited',
    drops_source_constraints: false,
    added_constraints: ['No refactoring beyond the fix', 'Keep public APIs unchanged'],
    requires_persona: false,
  },
  aggressive_refactor: {
    description: 'Restructure the affected code where it simplifies the fix.',
    objective_suffix: ' (aggressive refactor: restructure the affected code freely)',
    replay_kind: 'what_if',
    drops_source_constraints: false,
    added_constraints: ['Refactoring is allowed where it simplifies the fix', 'Keep behaviour covered by tests'],
    requires_persona: false,
  },
  minimal_patch: {
    description: 'The smallest diff that fixes the problem.',
    objective_suffix: ' (minimal patch: the smallest diff)',
    replay_kind: 'edited',
    drops_source_constraints: false,
    added_constraints: ['Smallest diff that fixes the problem', 'No new dependencies'],
    requires_persona: false,
  },
  persona_swap: {
    description: 'The same mission under another persona (persona_id required).',
    objective_suffix: '',
    replay_kind: 'what_if',
    drops_source_constraints: false,
    added_constraints: [],
    requires_persona: true,
  },
  recovery_branch: {
    description: 'Retry after a failure, addressing what went wrong.',
    objective_suffix: ' (recovery: address the failure of the source mission)',
    replay_kind: 'retry',
    drops_source_constraints: false,
    added_constraints: ['Address the failure reported by the source mission first'],
    requires_persona: false,
  },
  constraint_relaxation: {
    description: "Drop the source's constraints to see what they cost.",
    objective_suffix: ' (constraints relaxed)',
    replay_kind: 'what_if',
    drops_source_constraints: true,
    added_constraints: ['Explain every trade-off the relaxed constraints allowed'],
    requires_persona: false,
  },
  constraint_tightening: {
    description: 'Stricter: tests for every change, no changes outside the affected module.',
    objective_suffix: ' (constraints tightened)',
    replay_kind: 'edited',
    drops_source_constraints: false,
    added_constraints: ['Add tests for every change', 'No changes outside the affected module'],
    requires_persona: false,
  },
  exploratory_branch: {
    description: 'Explore an alternative approach; findings count even without a PR.',
    objective_suffix: ' (exploratory: try an alternative approach)',
    replay_kind: 'what_if',
    drops_source_constraints: false,
    added_constraints: ['Report findings even when no PR results'],
    requires_persona: false,
  },
};

export const strategies = () => Object.entries(PRESETS).map(([preset, p]) => ({ preset: preset as BranchPreset, ...p }));

export async function createBranchSet(ctx: ServerContext, p: BranchSetParams, call: CallInfo) {
  const src = getRow(ctx, p.run_id);
  const setId = p.branch_set_id ?? `bs-${randomUUID()}`;
  const srcConstraints = JSON.parse(src.constraints_json) as string[];
  const plans = p.specs.map((spec, i) => {
    const preset = PRESETS[spec.preset];
    if (preset.requires_persona && !spec.persona_id) throw refuse(`specs.${i}.persona_id`, `required by the ${spec.preset} preset`);
    const plan = planFork(
      ctx,
      {
        run_id: src.id,
        replay_kind: preset.replay_kind,
        objective: spec.objective ?? src.objective + preset.objective_suffix,
        constraints: [...(preset.drops_source_constraints ? [] : srcConstraints), ...preset.added_constraints, ...(spec.constraints ?? [])],
        ...(spec.persona_id ? { persona_id: spec.persona_id } : {}),
        fork_reason: spec.fork_reason ?? `branch set ${p.set_label || setId}: ${spec.preset}`,
        ...(spec.provenance_note ? { provenance_note: spec.provenance_note } : {}),
        dry_run: p.dry_run,
      },
      `specs.${i}.`,
    );
    plan.origin = { ...plan.origin, branch_set_id: setId, branch_label: spec.branch_label ?? spec.preset, strategy: spec.preset };
    return { plan, launch: spec.launch };
  });
  const created: Mission[] = [];
  const launched: Mission[] = [];
  const toLaunch: string[] = [];
  for (const { plan, launch } of plans) {
    const id = await insertFork(ctx, plan, call);
    created.push(missionOf(ctx, id));
    if (p.auto_launch_selected && launch) toLaunch.push(id);
  }
  if (p.set_label) portfolioSql(ctx.db).labelSet(setId, p.set_label);
  for (const id of toLaunch) launched.push((await launchDraft(ctx, id, p.dry_run, true, call)).run);
  return {
    ok: true,
    root_run_id: src.root_mission_id,
    branch_set_id: setId,
    set_label: p.set_label,
    created_drafts: created,
    launched_runs: launched,
  };
}

/** Shortlist / eliminate: the decision state and its decision event in one transaction. */
export function decide(ctx: ServerContext, runId: string, decision: 'shortlisted' | 'eliminated', note: string, call: CallInfo): Mission {
  enforce(ctx, getRow(ctx, runId), decision === 'shortlisted' ? 'shortlist' : 'eliminate', { note }, call); // persona policy
  const type = decision === 'shortlisted' ? 'shortlist_applied' : 'eliminate_applied';
  ctx.db.transaction(() => {
    commit(ctx, runId, () => ({ fields: { decision_state: decision }, events: [] }), call.actor);
    missionStore(ctx.db).addDecision(runId, new Date().toISOString(), type, call.actor, note, { decision_status: decision });
  })();
  return missionOf(ctx, runId);
}
