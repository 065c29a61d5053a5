// Fork / replay / launch-from-draft: a fork is a new prepared mission that copies its source's inputs (the
// recorded context packet, unless the persona or repo changes, which needs a fresh one), applies the edits, and
// records its provenance once (the store's trigger refuses later changes). The AGENTORA_MISSIONS_REPLAY_*
// policies are checked before anything is written (planFork), each refusal naming its field.
import type { CallInfo, ServerContext } from '../../../context';
import { AppError } from '../../../protocol/errors';
import { LaunchParams } from '../../../protocol/missions';
import type { ForkParams } from '../../../protocol/missionsLineage';
import { getRow, insertMission, launchMission, missionOf, packetFor, type ForkOrigin } from '../loop';
import { packetOf, type MissionRow } from '../store';

export const refuse = (field: string, message: string, fix?: string) =>
  new AppError('bad_request', `Invalid params: ${field}: ${message}`, [{ path: field, message }], fix);

const EDITABLE = ['mission_title', 'objective', 'operator_intent', 'acceptance_criteria', 'constraints', 'persona_id', 'repo'] as const;

export interface ForkPlan {
  src: MissionRow;
  prepared: {
    persona_id: string;
    repo: string;
    mission_title: string;
    objective: string;
    operator_intent: string;
    constraints: string[];
    acceptance_criteria: string[];
  };
  origin: ForkOrigin;
}

/** Check the policies and build the fork; writes nothing. `field` prefixes the field names of refusals. */
export function planFork(ctx: ServerContext, p: ForkParams, field = ''): ForkPlan {
  if (!ctx.config['missions.replayEnabled'])
    throw new AppError(
      'forbidden',
      'Fork and replay are turned off',
      undefined,
      'Set AGENTORA_MISSIONS_REPLAY_ENABLED=true (agentora.missions.replayEnabled) to allow them.',
    );
  const src = getRow(ctx, p.run_id);
  const edited = EDITABLE.filter((f) => p[f] !== undefined);
  if (p.replay_kind === 'exact' && edited.length)
    throw refuse(field + edited[0]!, `cannot be changed in an exact replay (replay_kind "exact" copies the source's inputs)`);
  if (p.repo !== undefined && p.repo !== src.repo && !ctx.config['missions.replayAllowRepoChange']) {
    throw refuse(
      field + 'repo',
      'a fork keeps its source repo',
      'Set AGENTORA_MISSIONS_REPLAY_ALLOW_REPO_CHANGE=true to allow a fork into another repo.',
    );
  }
  if (ctx.config['missions.replayRequireProvenanceNote'] && !p.provenance_note)
    throw refuse(field + 'provenance_note', 'required (AGENTORA_MISSIONS_REPLAY_REQUIRE_PROVENANCE_NOTE is on)');
  const depth = src.lineage_depth + 1;
  const max = ctx.config['missions.replayMaxLineageDepth'];
  if (depth > max)
    throw refuse(
      'run_id',
      `a fork of this mission would be at lineage depth ${depth}, deeper than the maximum ${max}`,
      'Fork an earlier mission of the lineage, or raise AGENTORA_MISSIONS_REPLAY_MAX_LINEAGE_DEPTH.',
    );
  return {
    src,
    prepared: {
      persona_id: p.persona_id ?? src.persona_id,
      repo: p.repo ?? src.repo,
      mission_title: p.mission_title ?? src.mission_title,
      objective: p.objective ?? src.objective,
      operator_intent: p.operator_intent ?? src.operator_intent,
      constraints: p.constraints ?? (JSON.parse(src.constraints_json) as string[]),
      acceptance_criteria: p.acceptance_criteria ?? (JSON.parse(src.acceptance_criteria_json) as string[]),
    },
    origin: {
      parent_mission_id: src.id,
      root_mission_id: src.root_mission_id,
      lineage_depth: depth,
      fork_reason: p.fork_reason || null,
      source_snapshot_hash: src.snapshot_hash,
      provenance_note: p.provenance_note || null,
      replay_kind: p.replay_kind,
    },
  };
}

/** Insert a planned fork as a prepared draft; returns its id. */
export async function insertFork(ctx: ServerContext, plan: ForkPlan, call: CallInfo): Promise<string> {
  const { src, prepared } = plan;
  // The recorded packet is the replay's input; a new persona or repo needs PhiOS's packet for that persona / repo.
  const fresh = prepared.persona_id !== src.persona_id || prepared.repo !== src.repo;
  const packet = fresh
    ? await packetFor(ctx, prepared)
    : {
        ...packetOf(src),
        mission_title: prepared.mission_title,
        mission_objective: prepared.objective,
        operator_intent: prepared.operator_intent,
        constraints: prepared.constraints,
      };
  return insertMission(ctx, prepared, packet, call, plan.origin);
}

export const forkMission = (ctx: ServerContext, p: ForkParams, call: CallInfo) => insertFork(ctx, planFork(ctx, p), call);

export async function launchDraft(ctx: ServerContext, runId: string, dryRun: boolean, watch: boolean, call: CallInfo) {
  const r = await launchMission(ctx, LaunchParams.parse({ run_id: runId, dry_run: dryRun, watch }), call);
  return { ok: r.ok, run: r.run, error: r.error?.message ?? null, fix_hint: r.error?.fix_hint ?? null };
}

export async function replayMission(ctx: ServerContext, p: ForkParams, call: CallInfo) {
  const id = await forkMission(ctx, p, call);
  const draft = missionOf(ctx, id);
  const r = await launchDraft(ctx, id, p.dry_run, true, call);
  return { ok: r.ok, draft, launched: r.run, error: r.error, fix_hint: r.fix_hint };
}
