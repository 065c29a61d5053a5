// Models area: the model provider (Ollama or mock) as seen by outside tools and the System panel.
import { z } from 'zod';
import { defineMethod, NoParams } from './define';
import * as W from './wire/system';

export const ModelInfo = z.object({
  name: z.string(),
  size: z.number().nullable(),
  family: z.string().nullable(),
  parameter_size: z.string().nullable(),
  quantization_level: z.string().nullable(),
});

export const ListModelsResult = z.object({
  ok: z.boolean(),
  mode: z.enum(['mock', 'live']),
  host: z.string(),
  models: z.array(ModelInfo),
  error: z.string().optional(),
  fix_hint: z.string().optional(),
});

export const listModels = defineMethod({
  method: 'agentora/models/list',
  description: 'Models the provider serves (Ollama `/api/tags`, or the mock catalogue).',
  params: NoParams,
  result: ListModelsResult,
  rest: { verb: 'GET', path: '/api/ollama/models', wire: W.ollamaModels },
  readOnly: true,
});

export const TestModelParams = z
  .object({
    model: z.string().min(1).max(200).optional(),
    prompt: z.string().min(1).max(4000).default('Reply with the single word: ready'),
  })
  .default({ prompt: 'Reply with the single word: ready' });

export const TestModelResult = z.object({
  ok: z.boolean(),
  mode: z.enum(['mock', 'live']),
  model: z.string(),
  reply: z.string(),
  first_token_ms: z.number().nullable(),
  total_ms: z.number(),
  eval_count: z.number().nullable(),
  error: z.string().optional(),
  fix_hint: z.string().optional(),
});

export const testModel = defineMethod({
  method: 'agentora/models/test',
  description: 'Send one short streaming chat to the configured (or given) model and time it.',
  params: TestModelParams,
  result: TestModelResult,
  rest: { verb: 'POST', path: '/api/ollama/test', wire: W.ollamaTest },
});

export const modelMethods = [listModels, testModel] as const;
