// What AgentCeption answers, read leniently: every field optional or defaulted, unknown fields passed through,
// numbers that arrive as strings accepted. Only what the bridge needs is named.
import { z } from 'zod';

const optStr = z
  .preprocess((v) => (v === null || v === undefined ? undefined : typeof v === 'number' ? String(v) : v), z.string().optional())
  .catch(undefined);
const optInt = z
  .preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v === null ? undefined : v), z.number().int().optional())
  .catch(undefined);

export const DispatchReply = z.looseObject({
  run_id: optStr,
  status: optStr,
  branch: optStr,
  worktree: optStr,
  batch_id: optStr,
});

export const RunContext = z.looseObject({
  run_id: optStr,
  status: optStr,
  task_description: optStr,
  spawned_at: optStr,
  branch: optStr,
  gh_repo: optStr,
  pr_number: optInt,
  issue_number: optInt,
  completed_at: optStr,
  worktree_path: optStr,
  batch_id: optStr,
});
export type RunContext = z.infer<typeof RunContext>;

export const ContextResource = z.looseObject({ ok: z.boolean().catch(false), context: RunContext.optional().catch(undefined), error: optStr });

/**
 * The shape check before the lenient read: a context resource is `{ok:false, error}` or `{ok:true, context}` with a
 * status string. Anything else (another JSON document, a renamed field) is a bad reply, not an unknown status.
 */
export const ContextShape = z.union([
  z.looseObject({ ok: z.literal(false) }),
  z.looseObject({ ok: z.literal(true), context: z.looseObject({ status: z.string().min(1) }) }),
]);
export const EventsShape = z.union([z.looseObject({ ok: z.literal(false) }), z.looseObject({ ok: z.literal(true), events: z.array(z.unknown()) })]);
/** `ac://runs/pending` / `ac://runs/active`. */
export const RunList = z.looseObject({ ok: z.literal(true), runs: z.array(z.looseObject({ run_id: optStr, status: optStr })) });

export const RawEvent = z.looseObject({
  id: z.preprocess((v) => (typeof v === 'string' ? Number(v) : v), z.number()).catch(0),
  event_type: z.string().catch('unknown'),
  payload: z.unknown(),
  recorded_at: z.preprocess((v) => (v == null ? '' : String(v)), z.string()).catch(''),
});

export const EventsResource = z.looseObject({
  ok: z.boolean().catch(false),
  events: z.array(z.unknown()).catch([]),
  error: optStr,
});

/** `/api/agents/{id}`: live runs only. */
export const AgentReply = z.looseObject({
  id: optStr,
  status: optStr,
  branch: optStr,
  pr_number: optInt,
  issue_number: optInt,
  gh_repo: optStr,
});

export const MemoryReply = z.looseObject({
  files_written: z.array(z.unknown()).catch([]),
});

export const FileWritten = z.looseObject({
  path: z.string().catch(''),
  diff: z.preprocess((v) => (v == null ? '' : v), z.string()).catch(''),
  timestamp: optStr,
  lines_omitted: optInt,
});

export const DonePayload = z.looseObject({ pr_url: optStr, summary: optStr, grade: optStr });

/** A JSON-RPC 2.0 answer of /api/mcp. */
export const RpcEnvelope = z.looseObject({
  result: z.unknown().optional(),
  error: z
    .looseObject({ code: z.number().catch(0), message: z.string().catch('') })
    .optional()
    .catch(undefined),
});

export const ReadResult = z.looseObject({ contents: z.array(z.looseObject({ uri: optStr, text: optStr })).catch([]) });
export const ToolResult = z.looseObject({
  content: z.array(z.looseObject({ type: optStr, text: optStr })).catch([]),
  isError: z.boolean().catch(false).optional(),
});

export const CancelToolText = z.looseObject({ ok: z.boolean().catch(false), run_id: optStr, status: optStr, error: optStr });
