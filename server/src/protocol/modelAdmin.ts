// Model management for the chat area's model manager: installed models with capabilities, pull as a job with
// streamed progress (cancellable), delete. Mock mode answers from the mock catalogue and says so (`mode`).
import { z } from 'zod';
import { defineMethod, defineNotification, NoParams, zInt } from './define';

const Name = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200)
  .regex(/^[A-Za-z0-9][\w.\-/:]*$/, 'must be a model name like llama3.2:3b');
const Mode = z.enum(['mock', 'live']);

export const CatalogModel = z.object({
  name: z.string(),
  size: z.number().nullable(),
  family: z.string().nullable(),
  parameter_size: z.string().nullable(),
  quantization_level: z.string().nullable(),
  capabilities: z.array(z.string()),
  context_length: z.number().int().nullable(),
  default_for: z.array(z.enum(['chat', 'tools', 'embedding'])),
});

export const catalog = defineMethod({
  method: 'agentora/models/catalog',
  description: 'Installed models with size, family, parameter count, quantization and capabilities (tools, embedding, vision — from `ollama show`).',
  params: NoParams,
  result: z.object({
    ok: z.boolean(),
    mode: Mode,
    host: z.string(),
    models: z.array(CatalogModel),
    error: z.string().optional(),
    fix_hint: z.string().optional(),
  }),
  rest: { verb: 'GET', path: '/api/ollama/catalog' },
  scope: 'agent',
  readOnly: true,
});

export const PullJob = z.object({
  job_id: z.number().int(),
  name: z.string(),
  state: z.enum(['running', 'done', 'failed', 'cancelled']),
  status: z.string(),
  completed: z.number().nullable(),
  total: z.number().nullable(),
  error: z.string().nullable(),
  fix_hint: z.string().nullable(),
  started_at: z.string(),
});

export const pull = defineMethod({
  method: 'agentora/models/pull',
  description: 'Pull a model by name. Answers at once with the job; progress streams as `agentora/models/didPullProgress`.',
  params: z.object({ name: Name }),
  result: z.object({ ok: z.boolean(), mode: Mode, job: PullJob }),
  rest: { verb: 'POST', path: '/api/ollama/pull', status: 202 },
});

export const pulls = defineMethod({
  method: 'agentora/models/pulls',
  description: 'Pull jobs of this server run, newest first.',
  params: NoParams,
  result: z.object({ ok: z.boolean(), jobs: z.array(PullJob) }),
  rest: { verb: 'GET', path: '/api/ollama/pulls' },
  readOnly: true,
});

export const cancelPull = defineMethod({
  method: 'agentora/models/cancelPull',
  description: 'Cancel a running pull (the download request to Ollama is aborted).',
  params: z.object({ job_id: zInt.pipe(z.number().int().min(1)) }),
  result: z.object({ ok: z.boolean(), job: PullJob }),
  rest: { verb: 'POST', path: '/api/ollama/pulls/:job_id/cancel' },
});

export const remove = defineMethod({
  method: 'agentora/models/delete',
  description: 'Delete an installed model (the panel asks for confirmation first).',
  params: z.object({ name: Name }),
  result: z.object({ ok: z.boolean(), mode: Mode, name: z.string() }),
  rest: { verb: 'DELETE', path: '/api/ollama/models/:name' },
});

export const Purpose = z.enum(['chat', 'tools', 'embedding']);
const DefaultEntry = z.object({
  model: z.string(),
  /** `chosen` in the model manager, or from the `setting` (agentora.models.chatModel / embedModel). */
  source: z.enum(['chosen', 'setting']),
});
const Defaults = z.object({ chat: DefaultEntry, tools: DefaultEntry, embedding: DefaultEntry });

export const defaults = defineMethod({
  method: 'agentora/models/defaults',
  description: 'The default model for chat, for tool use (team agents without a model) and for memory embeddings.',
  params: NoParams,
  result: z.object({ ok: z.boolean(), mode: Mode, defaults: Defaults }),
  rest: { verb: 'GET', path: '/api/ollama/defaults' },
  scope: 'agent',
  readOnly: true,
});

export const setDefault = defineMethod({
  method: 'agentora/models/setDefault',
  description:
    'Choose the default model for a purpose. The model must be installed and have the capability the purpose needs (chat: completion, tools: tools, embedding: embedding); `model: null` goes back to the setting.',
  params: z.object({ purpose: Purpose, model: Name.nullable() }),
  result: z.object({ ok: z.boolean(), mode: Mode, defaults: Defaults }),
  rest: { verb: 'POST', path: '/api/ollama/defaults' },
});

export const didPullProgress = defineNotification({
  name: 'agentora/models/didPullProgress',
  description: 'Progress of a model pull (state, status line, bytes completed / total).',
  payload: PullJob,
});

export const modelAdminMethods = [catalog, pull, pulls, cancelPull, remove, defaults, setDefault] as const;
export const modelAdminNotifications = [didPullProgress] as const;
