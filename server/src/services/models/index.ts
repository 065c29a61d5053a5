import { listModels, testModel } from '../../protocol/models';
import { ModelProviderError } from '../../bridges/models';
import { implement } from '../registry';
import { defaultModel } from './defaults';

const modeOf = (kind: string) => (kind === 'mock' ? ('mock' as const) : ('live' as const));

export const listModelsService = implement(listModels, async (_p, ctx) => {
  const base = { mode: modeOf(ctx.models.kind), host: ctx.models.host };
  try {
    return { ok: true, ...base, models: await ctx.models.listModels() };
  } catch (err) {
    const e = err instanceof ModelProviderError ? err : new ModelProviderError(String(err), 'bad_response', '');
    return { ok: false, ...base, models: [], error: e.message, fix_hint: e.fixHint };
  }
});

export const testModelService = implement(testModel, async (p, ctx) => {
  const model = p.model ?? defaultModel(ctx, 'chat');
  const started = performance.now();
  let firstToken: number | null = null;
  let reply = '';
  let evalCount: number | null = null;
  try {
    for await (const chunk of ctx.models.chat({ model, messages: [{ role: 'user', content: p.prompt }] })) {
      if (chunk.content && firstToken === null) firstToken = performance.now() - started;
      reply += chunk.content;
      if (chunk.done) evalCount = chunk.evalCount ?? null;
    }
    return {
      ok: true,
      mode: modeOf(ctx.models.kind),
      model,
      reply,
      first_token_ms: firstToken,
      total_ms: performance.now() - started,
      eval_count: evalCount,
    };
  } catch (err) {
    const e = err instanceof ModelProviderError ? err : new ModelProviderError(String((err as Error)?.message ?? err), 'bad_response', '');
    return {
      ok: false,
      mode: modeOf(ctx.models.kind),
      model,
      reply,
      first_token_ms: firstToken,
      total_ms: performance.now() - started,
      eval_count: evalCount,
      error: e.message,
      fix_hint: e.fixHint,
    };
  }
});

export const modelServices = [listModelsService, testModelService];
