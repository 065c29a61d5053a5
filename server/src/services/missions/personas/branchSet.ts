// Persona branch sets (brief phase I): each spec forks the source under a persona and an overlay, and the overlay
// really shapes the draft — its preferred preset when the spec names none, its tone on the objective, its
// constraints, its fork reason — then the branch records who it was assigned to and why. Every spec is planned
// and checked (replay policies, persona policy, known personas) before any branch is created.
import { randomUUID } from 'node:crypto';
import type { CallInfo, ServerContext } from '../../../context';
import { AppError } from '../../../protocol/errors';
import type { PersonaBranchSetParams } from '../../../protocol/missionsPersonas';
import type { Mission } from '../../../protocol/missions';
import { getRow, missionOf, type ForkOrigin } from '../loop';
import { PRESETS } from '../lineage/branchSet';
import { insertFork, launchDraft, planFork, refuse } from '../lineage/fork';
import { missionStore } from '../store';
import { getPersona, OVERLAYS } from './catalogue';
import { recordDecision } from './decisions';
import { enforce } from './policy';

export async function createPersonaBranchSet(ctx: ServerContext, p: PersonaBranchSetParams, call: CallInfo) {
  const src = getRow(ctx, p.run_id);
  const setId = p.branch_set_id ?? `pbs-${randomUUID()}`;
  const srcConstraints = JSON.parse(src.constraints_json) as string[];
  const resolved = p.specs.map((spec) => ({ spec, overlay: OVERLAYS[spec.overlay], preset: spec.preset ?? OVERLAYS[spec.overlay].preferred_preset }));
  // Unknown personas are refused by name (PhiOS or the local catalogue must know each one).
  for (const [i, r] of resolved.entries()) {
    try {
      await getPersona(ctx, r.spec.persona_id);
    } catch (err) {
      if (err instanceof AppError && err.kind === 'not_found')
        throw refuse(`specs.${i}.persona_id`, `unknown persona '${r.spec.persona_id}' (see GET /api/integrations/personas)`);
      throw err;
    }
  }
  enforce(ctx, src, 'persona_branch_set', { specs: resolved.map((r) => ({ strategy: r.preset, overlay: r.spec.overlay })) }, call);
  const plans = resolved.map(({ spec, overlay, preset }, i) => {
    const pr = PRESETS[preset];
    const objective = `${spec.objective ?? src.objective + pr.objective_suffix} — ${overlay.objective_tone}`;
    const plan = planFork(
      ctx,
      {
        run_id: src.id,
        replay_kind: pr.replay_kind,
        objective,
        constraints: [
          ...(pr.drops_source_constraints ? [] : srcConstraints),
          ...pr.added_constraints,
          ...overlay.added_constraints,
          ...(spec.constraints ?? []),
        ],
        ...(spec.persona_id !== src.persona_id ? { persona_id: spec.persona_id } : {}),
        fork_reason: `persona branch ${spec.overlay}: ${overlay.fork_reason}${p.set_label ? ` (${p.set_label})` : ''}`,
        provenance_note: `persona ${spec.persona_id} with overlay ${spec.overlay}, preset ${preset}${spec.preset ? '' : " (the overlay's preferred preset)"}`,
        dry_run: p.dry_run,
      },
      `specs.${i}.`,
    );
    plan.origin = {
      ...plan.origin,
      branch_set_id: setId,
      branch_label: spec.branch_label ?? `${spec.persona_id}/${spec.overlay}`,
      strategy: preset,
      persona_overlay: spec.overlay,
    } as ForkOrigin;
    return { plan, spec };
  });
  const created: Mission[] = [];
  const toLaunch: string[] = [];
  const store = missionStore(ctx.db);
  for (const { plan, spec } of plans) {
    const id = await insertFork(ctx, plan, call);
    const reason = spec.persona_assignment_reason || `assigned ${spec.persona_id} with the ${spec.overlay} overlay`;
    ctx.db.transaction(() => {
      store.update(id, { persona_assignment_reason: reason }, new Date().toISOString());
      recordDecision(ctx, {
        mission_id: id,
        type: 'persona_assignment_changed',
        actor: call.actor,
        previous_state: src.persona_id,
        new_state: spec.persona_id,
        rationale: reason,
        data: { overlay: spec.overlay, strategy: plan.origin.strategy, branch_set_id: setId, source_run_id: src.id },
      });
    })();
    created.push(missionOf(ctx, id));
    if (p.auto_launch_selected && spec.launch) toLaunch.push(id);
  }
  const launched: Mission[] = [];
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
