// Mission replay and lineage (http-api.md "replay and lineage", wire-shapes.md): fork a mission into a new
// prepared draft with immutable provenance (parent, root, depth, source snapshot hash, replay kind, origin time —
// the store refuses any later change), replay (fork + launch), launch a draft, and read ancestry / descendants.
import { z } from 'zod';
import { defineMethod, zBool, zInt } from './define';
import { Mission, MissionSummary } from './missions';
import * as W from './wire/missions';
import { loose } from './wire/common';

/**
 * exact: the source's inputs unchanged (no edits allowed); edited: some fields changed; retry: the same inputs
 * again after a failure (edits allowed); what_if: an exploratory variant.
 */
export const ReplayKind = z.enum(['exact', 'edited', 'retry', 'what_if']);

const RunRef = z.object({ run_id: z.string().trim().min(1).max(200) });
const Note = z.string().trim().max(2000);
const StrList = z.array(z.string().trim().min(1).max(2000)).max(100);

export const ForkParams = RunRef.extend({
  replay_kind: ReplayKind.default('edited'),
  mission_title: z.string().trim().min(1, 'must not be empty').max(300).optional(),
  objective: z.string().trim().min(1, 'must not be empty').max(20000).optional(),
  operator_intent: z.string().trim().max(5000).optional(),
  acceptance_criteria: StrList.optional(),
  constraints: StrList.optional(),
  persona_id: z.string().trim().min(1).max(200).optional(),
  /** Allowed only when AGENTORA_MISSIONS_REPLAY_ALLOW_REPO_CHANGE is on. */
  repo: z
    .string()
    .trim()
    .min(3)
    .max(200)
    .regex(/^[\w.-]+\/[\w.-]+$/, 'expected owner/name')
    .optional(),
  /** Used by replay (the launch); a fork itself always stores a prepared draft. */
  dry_run: zBool.default(false),
  /** Required when AGENTORA_MISSIONS_REPLAY_REQUIRE_PROVENANCE_NOTE is on. */
  provenance_note: Note.optional(),
  fork_reason: Note.optional(),
});
export type ForkParams = z.output<typeof ForkParams>;

const RunResult = z.object({ ok: z.boolean(), run: Mission });

export const fork = defineMethod({
  method: 'agentora/missions/fork',
  scope: 'agent', // an MCP tool (fork_mission): agents may prepare and launch, so they may fork

  description:
    'Fork a mission into a new prepared draft (edited fields per replay_kind) with immutable provenance: parent, root, lineage depth, the source snapshot hash, replay kind and origin time. Obeys the AGENTORA_MISSIONS_REPLAY_* policies.',
  params: ForkParams,
  result: RunResult,
  rest: { verb: 'POST', path: '/api/integrations/runs/:run_id/fork', wire: W.flat },
});

const ReplayResult = z.object({ ok: z.boolean(), draft: Mission, launched: Mission, error: z.string().nullable(), fix_hint: z.string().nullable() });
export const replay = defineMethod({
  method: 'agentora/missions/replay',
  description:
    'Fork a mission and launch the fork at once (dry_run records what would be sent). draft is the fork as prepared, launched the same mission after its launch.',
  params: ForkParams,
  result: ReplayResult,
  rest: {
    verb: 'POST',
    path: '/api/integrations/runs/:run_id/replay',
    wire: {
      schema: loose({ draft: W.FlatMission, launched: W.FlatMission }),
      toWire: (r: z.infer<typeof ReplayResult>) => ({ ...r, draft: W.flatMission(r.draft), launched: W.flatMission(r.launched) }),
    },
  },
});

export const launchFromDraft = defineMethod({
  method: 'agentora/missions/launchFromDraft',
  description: 'Launch a prepared draft (a fork). An upstream failure is recorded on the mission (ok:false).',
  params: RunRef.extend({ dry_run: zBool.default(false), watch: zBool.default(true) }),
  result: z.object({ ok: z.boolean(), run: Mission, error: z.string().nullable(), fix_hint: z.string().nullable() }),
  rest: { verb: 'POST', path: '/api/integrations/runs/:run_id/launch-from-draft', wire: W.flat },
});

/**
 * Descendants come a page at a time (by depth, then age, then id): a root with thousands of forks would otherwise
 * answer megabytes. The default page (200) holds the lineages an operator plans by hand (the panel asks for up to 1000); `next_offset` says
 * where the next page starts (null when this one is the last).
 */
const DescendantPage = {
  limit: zInt.pipe(z.number().int().min(1).max(1000)).default(200),
  offset: zInt.pipe(z.number().int().min(0)).default(0),
};
const PageInfo = {
  total_descendants: z.number().int(),
  offset: z.number().int(),
  next_offset: z.number().int().nullable(),
};

export const LineageResult = z.object({
  ok: z.boolean(),
  run_id: z.string(),
  root_run_id: z.string(),
  ancestry: z.array(MissionSummary),
  descendants: z.array(MissionSummary),
  ...PageInfo,
});
export const lineage = defineMethod({
  method: 'agentora/missions/lineage',
  scope: 'agent',
  description:
    "A mission's ancestry (root first, up to its parent) and its descendants (by depth, then age), a page at a time (`limit`, `offset`; `next_offset`).",
  params: RunRef.extend(DescendantPage),
  result: LineageResult,
  rest: {
    verb: 'GET',
    path: '/api/integrations/runs/:run_id/lineage',
    wire: { schema: loose({ run_id: z.string(), root_run_id: z.string(), ancestry: z.array(z.unknown()), descendants: z.array(z.unknown()) }) },
  },
  readOnly: true,
});

export const lineageOfRoot = defineMethod({
  method: 'agentora/missions/lineageOfRoot',
  scope: 'agent',
  description:
    'The missions descended from a root (by depth, then age), a page at a time (`limit`, `offset`; `next_offset`); the root itself is `root`.',
  params: z.object({ root_run_id: z.string().trim().min(1).max(200), ...DescendantPage }),
  result: z.object({ ok: z.boolean(), root_run_id: z.string(), root: MissionSummary, descendants: z.array(MissionSummary), ...PageInfo }),
  rest: {
    verb: 'GET',
    path: '/api/integrations/lineage/:root_run_id',
    wire: { schema: loose({ root_run_id: z.string(), descendants: z.array(z.unknown()) }) },
  },
  readOnly: true,
});

export const Provenance = z.object({
  ok: z.boolean(),
  run_id: z.string(),
  snapshot_hash: z.string(),
  parent_run_id: z.string().nullable(),
  root_run_id: z.string(),
  lineage_depth: z.number().int(),
  replay_source_snapshot_hash: z.string().nullable(),
  replay_kind: z.string().nullable(),
  provenance_note: z.string().nullable(),
  fork_reason: z.string().nullable(),
  immutable_origin_created_at: z.string(),
  branch_set_id: z.string().nullable(),
  branch_label: z.string().nullable(),
  branch_strategy: z.string().nullable(),
  decision_status: z.string(),
  assigned_persona_id: z.string(),
  assigned_persona_name: z.string(),
  assigned_persona_role: z.string(),
  persona_strategy_overlay: z.string().nullable(),
});
export const provenance = defineMethod({
  method: 'agentora/missions/provenance',
  scope: 'agent',
  description: "A mission's provenance (parent, root, depth, source snapshot hash, replay kind, origin time — immutable), branch and persona fields.",
  params: RunRef,
  result: Provenance,
  rest: { verb: 'GET', path: '/api/integrations/runs/:run_id/provenance', wire: { schema: Provenance.loose() } },
  readOnly: true,
});

export const missionsLineageMethods = [fork, replay, launchFromDraft, lineage, lineageOfRoot, provenance] as const;
