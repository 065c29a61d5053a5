// The default model per purpose. The operator's choice in the model manager (table `model_defaults`) wins over the
// setting; a missing row means the setting (agentora.models.chatModel / embedModel). Tool use falls back to the
// chat default. Every caller that needs "the model when none is named" asks here, never the provider directly.
import type { ServerContext } from '../../context';
import { sql } from '../../store/statements';

export type Purpose = 'chat' | 'tools' | 'embedding';
export interface DefaultEntry {
  model: string;
  source: 'chosen' | 'setting';
}

function chosen(ctx: ServerContext, purpose: Purpose): string | undefined {
  const row = sql(ctx.db, 'SELECT model FROM model_defaults WHERE purpose = ?').get(purpose) as { model: string } | undefined;
  return row?.model;
}

export function defaultEntry(ctx: ServerContext, purpose: Purpose): DefaultEntry {
  const picked = chosen(ctx, purpose);
  if (picked) return { model: picked, source: 'chosen' };
  if (purpose === 'embedding') return { model: ctx.models.defaultEmbedModel, source: 'setting' };
  if (purpose === 'tools') {
    const chat = chosen(ctx, 'chat');
    if (chat) return { model: chat, source: 'chosen' };
  }
  return { model: ctx.models.defaultChatModel, source: 'setting' };
}

/** The model to use for `purpose` when the caller names none. */
export const defaultModel = (ctx: ServerContext, purpose: Purpose): string => defaultEntry(ctx, purpose).model;

export const allDefaults = (ctx: ServerContext) => ({
  chat: defaultEntry(ctx, 'chat'),
  tools: defaultEntry(ctx, 'tools'),
  embedding: defaultEntry(ctx, 'embedding'),
});

export function chooseDefault(ctx: ServerContext, purpose: Purpose, model: string | null): void {
  if (model === null) ctx.db.prepare('DELETE FROM model_defaults WHERE purpose = ?').run(purpose);
  else
    ctx.db
      .prepare(
        'INSERT INTO model_defaults (purpose, model, updated_at) VALUES (?, ?, ?) ON CONFLICT (purpose) DO UPDATE SET model = excluded.model, updated_at = excluded.updated_at',
      )
      .run(purpose, model, new Date().toISOString());
}

/** The capability Ollama's `show` lists for a model that can serve `purpose`. */
export const capabilityFor: Record<Purpose, string> = { chat: 'completion', tools: 'tools', embedding: 'embedding' };
