// Memory contract, part 2: lineage (the graph of derived / merged / superseded memories), neighbours, and
// uploads (files split into chunk memories, undone as a whole batch).
import { z } from 'zod';
import { defineMethod, pagination, zInt, zNum } from './define';
import * as W from './wire/memory';
import { Layer, Source, Scope, Kind, Status, Relation, CapsuleId, Tag } from './memoryCapsules';

// ---------------------------------------------------------------- lineage

export const LineageNode = z.object({
  capsule_id: z.number().int(),
  text: z.string(),
  kind: Kind.optional(),
  layer: Layer,
  status: Status,
  source: Source,
  valid_from: z.string(),
  valid_to: z.string().nullable(),
  current: z.boolean(),
});
export const LineageEdge = z.object({
  from_id: z.number().int(),
  to_id: z.number().int(),
  relation: Relation,
  created_at: z.string(),
  note: z.string().nullable(),
});
export const lineage = defineMethod({
  method: 'agentora/memory/lineage',
  scope: 'agent',
  description: 'The lineage graph around a memory: what it came from, what it was merged from, what superseded it (edges read "from <relation> to").',
  params: z.object({ capsule_id: CapsuleId, depth: zInt.pipe(z.number().int().min(1).max(20)).default(6) }),
  result: z.object({ ok: z.boolean(), root_id: z.number().int(), nodes: z.array(LineageNode), edges: z.array(LineageEdge), truncated: z.boolean() }),
  rest: { verb: 'GET', path: '/api/memory/capsules/:capsule_id/lineage', wire: W.lineage },
  readOnly: true,
});

export const neighbors = defineMethod({
  method: 'agentora/memory/neighbors',
  scope: 'agent',
  description: 'Memories most similar to this one (embedding cosine when available, else full-text).',
  params: z.object({ capsule_id: CapsuleId, limit: zInt.pipe(z.number().int().min(1).max(50)).default(8) }),
  result: z.object({
    ok: z.boolean(),
    capsule_id: z.number().int(),
    method: z.enum(['vector', 'text']),
    items: z.array(z.object({ capsule_id: z.number().int(), text: z.string(), layer: Layer, similarity: z.number() })),
  }),
  rest: { verb: 'GET', path: '/api/memory/capsules/:capsule_id/neighbors', wire: W.list },
  readOnly: true,
});

// ---------------------------------------------------------------- uploads

export const UploadParams = z
  .object({
    filename: z.string().trim().min(1).max(300),
    content_base64: z.string().min(1).max(12_000_000).optional(),
    text: z.string().min(1).max(8_000_000).optional(),
    kind: Kind.default('chunk'),
    scope: Scope.default('workspace'),
    repo: Tag.optional(),
    persona: Tag.optional(),
    layer: Layer.default('episodic'),
    trust: zNum.pipe(z.number().min(0).max(1)).default(0.5),
    max_chunk_chars: zInt.pipe(z.number().int().min(200).max(8000)).default(1200),
    overlap_chars: zInt.pipe(z.number().int().min(0).max(1000)).default(150),
  })
  .refine((p) => (p.content_base64 === undefined) !== (p.text === undefined), {
    message: 'give exactly one of content_base64 or text',
    path: ['content_base64'],
  })
  .refine((p) => p.overlap_chars < p.max_chunk_chars / 2, { message: 'must be less than half of max_chunk_chars', path: ['overlap_chars'] });
export const upload = defineMethod({
  method: 'agentora/memory/upload',
  scope: 'agent',
  description: 'Turn a text, Markdown or PDF file into memories: chunked by headings and paragraphs (size cap, overlap), source = upload.',
  params: UploadParams,
  result: z.object({
    ok: z.boolean(),
    filename: z.string(),
    format: z.enum(['text', 'markdown', 'pdf']),
    chunks: z.number().int(),
    capsule_ids: z.array(z.number().int()),
    warnings: z.array(z.string()),
    /** One id for every memory this upload made: review it with `batches` / `list`, undo it with `undoBatch`. */
    batch_id: z.string(),
  }),
  rest: { verb: 'POST', path: '/api/memory/uploads', status: 201 },
});

export const Batch = z.object({
  batch_id: z.string(),
  filename: z.string(),
  created_at: z.string(),
  count: z.number().int(),
  /** How many of its memories are still active (0 once the batch is undone). */
  active: z.number().int(),
});
export const batches = defineMethod({
  method: 'agentora/memory/batches',
  description: 'Upload batches, newest first: the file, when, how many memories it made and how many are still active.',
  params: z.object({ ...pagination(20, 200) }).default({ limit: 20, offset: 0 }),
  result: z.object({ ok: z.boolean(), items: z.array(Batch), total: z.number().int() }),
  rest: { verb: 'GET', path: '/api/memory/uploads' },
  readOnly: true,
});
export const undoBatch = defineMethod({
  method: 'agentora/memory/undoBatch',
  description: 'Undo an upload as a whole: archive every active memory of the batch (restore brings one back).',
  params: z.object({ batch_id: Tag }),
  result: z.object({ ok: z.boolean(), batch_id: z.string(), archived: z.number().int() }),
  rest: { verb: 'POST', path: '/api/memory/uploads/:batch_id/undo' },
});
