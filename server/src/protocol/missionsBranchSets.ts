// Mission branch sets (http-api.md "branch sets", wire-shapes.md): bulk forks of one source, each shaped by a
// strategy preset (objective suffix, replay kind, constraints), optionally launching the selected ones; and the
// operator's shortlist / eliminate decisions, recorded as decision events.
import { z } from 'zod';
import { defineMethod, defineNotification, NoParams, zBool } from './define';
import { Mission } from './missions';
import { ReplayKind } from './missionsLineage';
import * as W from './wire/missions';
import { loose } from './wire/common';

export const BranchPreset = z.enum([
  'conservative_fix',
  'aggressive_refactor',
  'minimal_patch',
  'persona_swap',
  'recovery_branch',
  'constraint_relaxation',
  'constraint_tightening',
  'exploratory_branch',
]);
export type BranchPreset = z.infer<typeof BranchPreset>;

export const BranchStrategy = z.object({
  preset: BranchPreset,
  description: z.string(),
  objective_suffix: z.string(),
  replay_kind: ReplayKind,
  /** true: the source's constraints are dropped before the preset's are added. */
  drops_source_constraints: z.boolean(),
  added_constraints: z.array(z.string()),
  requires_persona: z.boolean(),
});

export const branchStrategies = defineMethod({
  method: 'agentora/missions/branchStrategies',
  scope: 'agent',
  description: 'The branch-set strategy presets and exactly how each changes a draft (objective suffix, replay kind, constraints).',
  params: NoParams,
  result: z.object({ ok: z.boolean(), strategies: z.array(BranchStrategy) }),
  rest: { verb: 'GET', path: '/api/integrations/branch-strategies', wire: { schema: loose({ strategies: z.array(loose({ preset: z.string() })) }) } },
  readOnly: true,
});

const Note = z.string().trim().max(2000);
export const BranchSpec = z.object({
  preset: BranchPreset,
  branch_label: z.string().trim().min(1).max(200).optional(),
  objective: z.string().trim().min(1, 'must not be empty').max(20000).optional(),
  constraints: z.array(z.string().trim().min(1).max(2000)).max(100).optional(),
  persona_id: z.string().trim().min(1).max(200).optional(),
  fork_reason: Note.optional(),
  provenance_note: Note.optional(),
  /** Launch this branch when auto_launch_selected is on. */
  launch: zBool.default(false),
});

export const BranchSetParams = z.object({
  run_id: z.string().trim().min(1).max(200),
  /** Add to an existing set; a new id otherwise. */
  branch_set_id: z.string().trim().min(1).max(200).optional(),
  set_label: z.string().trim().max(200).default(''),
  dry_run: zBool.default(false),
  auto_launch_selected: zBool.default(false),
  specs: z.array(BranchSpec).min(1, 'at least one branch').max(20),
});
export type BranchSetParams = z.output<typeof BranchSetParams>;

const BranchSetResult = z.object({
  ok: z.boolean(),
  root_run_id: z.string(),
  branch_set_id: z.string(),
  set_label: z.string(),
  created_drafts: z.array(Mission),
  launched_runs: z.array(Mission),
});
export const branchSet = defineMethod({
  method: 'agentora/missions/branchSet',
  description:
    'Fork one mission into a set of branches, each shaped by its strategy preset; every branch is checked against the replay policies before any is created. Branches marked launch are launched when auto_launch_selected is on.',
  params: BranchSetParams,
  result: BranchSetResult,
  rest: {
    verb: 'POST',
    path: '/api/integrations/runs/:run_id/branch-set',
    wire: {
      schema: loose({
        root_run_id: z.string(),
        branch_set_id: z.string(),
        created_drafts: z.array(W.FlatMission),
        launched_runs: z.array(W.FlatMission),
      }),
      toWire: (r: z.infer<typeof BranchSetResult>) => ({
        ...r,
        created_drafts: r.created_drafts.map(W.flatMission),
        launched_runs: r.launched_runs.map(W.flatMission),
      }),
    },
  },
});

const DecisionParams = z.object({ run_id: z.string().trim().min(1).max(200), decision_note: Note.default('') });
const DecisionResult = z.object({ ok: z.boolean(), run: Mission });
export const shortlist = defineMethod({
  method: 'agentora/missions/shortlist',
  description: 'Shortlist a mission (a branch worth keeping); recorded as a shortlist_applied decision event.',
  params: DecisionParams,
  result: DecisionResult,
  rest: { verb: 'POST', path: '/api/integrations/runs/:run_id/shortlist', wire: W.flat },
});
export const eliminate = defineMethod({
  method: 'agentora/missions/eliminate',
  description: 'Eliminate a mission (a branch not worth pursuing); recorded as an eliminate_applied decision event.',
  params: DecisionParams,
  result: DecisionResult,
  rest: { verb: 'POST', path: '/api/integrations/runs/:run_id/eliminate', wire: W.flat },
});

export const missionsBranchSetMethods = [branchStrategies, branchSet, shortlist, eliminate] as const;

/** Editor → Branch Set view only (never sent by the server): "Agentora: Open Branch Set" points the view at a mission. */
export const didFocus = defineNotification({
  name: 'agentora/branchset/didFocus',
  description: 'Sent by the editor to the Branch Set view ("Agentora: Open Branch Set"): show this mission. Never sent by the server.',
  payload: z.object({ run_id: z.string() }),
});
export const missionsBranchSetNotifications = [didFocus] as const;
