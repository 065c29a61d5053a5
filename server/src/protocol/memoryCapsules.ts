// Memory contract, part 1: the memory ("capsule" on the wire, as the earlier HTTP API named it), its layers,
// sources and kinds, and create / read / list / update / archive / history / layer moves.
import { z } from 'zod';
import { defineMethod, NoParams, pagination, zInt, zNum } from './define';
import * as W from './wire/memory';

export const LAYERS = ['working', 'episodic', 'semantic', 'core'] as const;
export const Layer = z.enum(LAYERS);
export type Layer = z.infer<typeof Layer>;
export const Source = z.enum(['chat', 'run', 'mission', 'upload', 'operator']);
export type Source = z.infer<typeof Source>;
export const Scope = z.enum(['workspace', 'global']);
export const Kind = z.enum(['fact', 'note', 'decision', 'preference', 'procedure', 'summary', 'chunk']);
export const Status = z.enum(['active', 'archived', 'deleted']);
export const Relation = z.enum(['derived_from', 'merged_from', 'superseded_by']);

export const CapsuleId = zInt.pipe(z.number().int().min(1));
export const Tag = z.string().trim().min(1).max(200);
/** An ISO-8601 timestamp with a zone (`2026-01-01T00:00:00Z`); answers "what did we believe at that time". */
export const AsOf = z.iso.datetime({ offset: true });
export const Text = z.string().trim().min(1, 'must not be empty').max(20000);

export const Capsule = z.object({
  capsule_id: z.number().int(),
  text: z.string(),
  kind: Kind,
  source: Source,
  source_ref: z.string().nullable(),
  scope: Scope,
  repo: z.string().nullable(),
  persona: z.string().nullable(),
  layer: Layer,
  trust: z.number(),
  salience: z.number(),
  use_count: z.number().int(),
  last_used_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  valid_from: z.string(),
  /** Set when the memory was superseded or merged away: it stays readable, but is no longer believed. */
  valid_to: z.string().nullable(),
  status: Status,
  version: z.number().int(),
  embedded: z.boolean(),
  /** Active and not superseded: what retrieval returns by default. */
  current: z.boolean(),
  /** The upload that made this memory (all its chunks share it), or null. */
  batch_id: z.string().nullable(),
  /** Made in mock mode (e.g. a mock mission's outcome): low trust, never given to a real-mode mission. */
  mock: z.boolean(),
});
export type Capsule = z.infer<typeof Capsule>;

// ---------------------------------------------------------------- CRUD

export const CreateParams = z.object({
  text: Text,
  kind: Kind.default('note'),
  source: Source.default('operator'),
  source_ref: z.string().max(500).optional(),
  scope: Scope.default('workspace'),
  repo: Tag.optional(),
  persona: Tag.optional(),
  layer: Layer.default('episodic'),
  trust: zNum.pipe(z.number().min(0).max(1)).default(0.5),
  /** Lineage: the memories this one was derived from. */
  derived_from: z.array(CapsuleId).max(50).optional(),
});
export const CreateResult = z.object({
  ok: z.boolean(),
  capsule: Capsule,
  /** An active memory with the same normalized text already existed: an exact-duplicate proposal was opened. */
  duplicate_of: z.number().int().nullable(),
  proposal_id: z.number().int().nullable(),
});
export const create = defineMethod({
  method: 'agentora/memory/create',
  scope: 'agent',
  description: 'Create a memory. It is embedded in the background; an exact duplicate opens a proposal (never merged silently).',
  params: CreateParams,
  result: CreateResult,
  rest: { verb: 'POST', path: '/api/memory/capsules', status: 201, wire: W.create },
});

const CapsuleResult = z.object({ ok: z.boolean(), capsule: Capsule });

export const GetParams = z.object({ capsule_id: CapsuleId, as_of: AsOf.optional() });
export const GetResult = z.object({
  ok: z.boolean(),
  capsule: Capsule,
  as_of: z.string().nullable(),
  /** With as_of: whether the memory existed and was believed (valid) at that time. */
  believed_at_as_of: z.boolean().nullable(),
  open_proposal_ids: z.array(z.number().int()),
  /** Memories made from this one (derived or merged from it), its links, and a one-line summary of it. */
  children: z.array(z.object({ capsule_id: z.number().int(), text: z.string(), layer: Layer, relation: Relation })),
  edges: z.array(
    z.object({ from_id: z.number().int(), to_id: z.number().int(), relation: Relation, created_at: z.string(), note: z.string().nullable() }),
  ),
  summary: z.string(),
});
export const get = defineMethod({
  method: 'agentora/memory/get',
  scope: 'agent',
  description: 'One memory; with as_of, its text and state as they were at that time.',
  params: GetParams,
  result: GetResult,
  rest: { verb: 'GET', path: '/api/memory/capsules/:capsule_id', wire: W.get },
  readOnly: true,
});

export const ListParams = z.object({
  status: z.enum(['active', 'archived', 'deleted', 'all']).default('active'),
  layer: Layer.optional(),
  source: Source.optional(),
  repo: Tag.optional(),
  kind: Kind.optional(),
  /** Matches the memory's repo or persona tag. */
  tag: Tag.optional(),
  /** Only the memories of this upload batch. */
  batch_id: Tag.optional(),
  ...pagination(50, 500),
});
export const ListResult = z.object({ ok: z.boolean(), items: z.array(Capsule), total: z.number().int() });
export const list = defineMethod({
  method: 'agentora/memory/list',
  scope: 'agent',
  description: 'Memories, newest first, filtered by status, layer, source, kind, repo, tag (repo or persona) and upload batch.',
  params: ListParams,
  result: ListResult,
  rest: { verb: 'GET', path: '/api/memory/capsules', wire: W.list },
  readOnly: true,
});

export const UpdateParams = z.object({
  capsule_id: CapsuleId,
  text: Text.optional(),
  kind: Kind.optional(),
  layer: Layer.optional(),
  trust: zNum.pipe(z.number().min(0).max(1)).optional(),
  scope: Scope.optional(),
  repo: Tag.nullable().optional(),
  persona: Tag.nullable().optional(),
  reason: z.string().max(500).default('edited'),
});
export const update = defineMethod({
  method: 'agentora/memory/update',
  description: 'Change a memory; the previous state is kept in its version history.',
  params: UpdateParams,
  result: CapsuleResult,
  rest: [
    { verb: 'PATCH', path: '/api/memory/capsules/:capsule_id' },
    { verb: 'POST', path: '/api/memory/capsules/:capsule_id' },
  ],
});

const IdNote = z.object({ capsule_id: CapsuleId, note: z.string().max(500).optional() });
export const archive = defineMethod({
  method: 'agentora/memory/archive',
  description: 'Archive a memory: retrieval never returns it; restore brings it back.',
  params: IdNote,
  result: CapsuleResult,
  rest: { verb: 'POST', path: '/api/memory/capsules/:capsule_id/archive' },
});
export const restore = defineMethod({
  method: 'agentora/memory/restore',
  description: 'Restore an archived memory.',
  params: IdNote,
  result: CapsuleResult,
  rest: { verb: 'POST', path: '/api/memory/capsules/:capsule_id/restore' },
});
export const remove = defineMethod({
  method: 'agentora/memory/delete',
  description: 'Delete a memory: its text, history and embedding are erased; a tombstone keeps lineage intact.',
  params: IdNote,
  result: CapsuleResult,
  rest: { verb: 'DELETE', path: '/api/memory/capsules/:capsule_id' },
});

export const Version = z.object({
  version: z.number().int(),
  text: z.string(),
  kind: z.string(),
  layer: z.string(),
  trust: z.number(),
  status: z.string(),
  valid_to: z.string().nullable(),
  recorded_at: z.string(),
  replaced_at: z.string(),
  reason: z.string(),
});
export const history = defineMethod({
  method: 'agentora/memory/history',
  scope: 'agent',
  description: 'Earlier versions of a memory (newest first).',
  params: z.object({ capsule_id: CapsuleId }),
  result: z.object({ ok: z.boolean(), capsule_id: z.number().int(), versions: z.array(Version) }),
  rest: { verb: 'GET', path: '/api/memory/capsules/:capsule_id/history' },
  readOnly: true,
});

const LayerMove = z.object({ ok: z.boolean(), capsule: Capsule, from_layer: Layer, to_layer: Layer });
export const promote = defineMethod({
  method: 'agentora/memory/promote',
  description: 'Move a memory one layer up (working → episodic → semantic → core).',
  params: IdNote,
  result: LayerMove,
  rest: { verb: 'POST', path: '/api/memory/capsules/:capsule_id/promote', wire: W.capsule },
});
export const demote = defineMethod({
  method: 'agentora/memory/demote',
  description: 'Move a memory one layer down.',
  params: IdNote,
  result: LayerMove,
  rest: { verb: 'POST', path: '/api/memory/capsules/:capsule_id/demote', wire: W.capsule },
});
export const refine = defineMethod({
  method: 'agentora/memory/refine',
  description: 'Write a refined memory derived from this one; the original is superseded (valid_to set), not lost.',
  params: z.object({ capsule_id: CapsuleId, text: Text, note: z.string().max(500).optional() }),
  result: z.object({ ok: z.boolean(), capsule: Capsule, superseded: Capsule }),
  rest: { verb: 'POST', path: '/api/memory/capsules/:capsule_id/refine', wire: W.refine },
});

export const LayerInfo = z.object({ name: Layer, rank: z.number().int(), description: z.string(), count: z.number().int() });
export const layers = defineMethod({
  method: 'agentora/memory/layers',
  scope: 'agent',
  description: 'The memory layers, lowest first, with how many current memories each holds.',
  params: NoParams,
  result: z.object({ ok: z.boolean(), layers: z.array(LayerInfo) }),
  rest: { verb: 'GET', path: '/api/memory/layers', wire: W.items('layers') },
  readOnly: true,
});
