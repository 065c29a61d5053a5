// What a job does, the same code on a worker and here (the local fallback): model calls through the given
// provider (the worker's own Ollama, or this server's), the memory near-duplicate scan over the texts it was
// sent. Results are parsed on arrival (a worker is an outside system: security.md "Bad input").
import { z } from 'zod';
import { collectChat, type ChatRequest, type ModelProvider } from '../../bridges/models/types';
import { ChatPayload, EmbedPayload, MaintenancePayload, type JobType } from '../../protocol/workers';
import { bandKeys, jaccard, shingles, signature, verifyPairs } from '../memory/minhash';

export const ChatResult = z.object({
  content: z.string(),
  model: z.string().optional(),
  prompt_eval_count: z.number().int().nonnegative().optional(),
  eval_count: z.number().int().nonnegative().optional(),
  done_reason: z.string().optional(),
});
export const EmbedResult = z.object({ model: z.string().optional(), embeddings: z.array(z.array(z.number())) });
export const MaintenanceResult = z.object({
  pairs: z.array(z.object({ a: z.union([z.string(), z.number()]), b: z.union([z.string(), z.number()]), similarity: z.number() })),
  scanned: z.number().int(),
});
export const ActionResult = z.object({ ok: z.boolean() }).loose();

export const RESULTS: Record<JobType, z.ZodType> = {
  model_chat: ChatResult,
  team_step: ChatResult,
  workflow_model_call: ChatResult,
  model_embed: EmbedResult,
  memory_maintenance: MaintenanceResult,
  action: ActionResult,
};

/** Near-duplicate pairs among the given texts (MinHash + LSH banding, verified on shingles). */
export function nearDuplicates(items: { id: string | number; text: string }[], threshold: number) {
  const buckets = new Map<string, number[]>();
  const sh = items.map((i) => shingles(i.text));
  items.forEach((it, idx) => {
    for (const k of bandKeys(signature(it.text))) {
      const b = buckets.get(k);
      if (b) b.push(idx);
      else buckets.set(k, [idx]);
    }
  });
  const seen = new Set<string>();
  const pairs: { a: string | number; b: string | number; similarity: number }[] = [];
  for (const b of buckets.values()) {
    for (let i = 0; i < b.length; i++)
      for (let j = i + 1; j < b.length; j++) {
        const key = `${b[i]}:${b[j]}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const s = jaccard(sh[b[i]!]!, sh[b[j]!]!);
        if (s >= threshold) pairs.push({ a: items[b[i]!]!.id, b: items[b[j]!]!.id, similarity: Math.round(s * 1000) / 1000 });
      }
  }
  return { pairs, scanned: items.length };
}

export class JobRefused extends Error {}

/** Run one job with this provider. `action` jobs are not run by this function (see the worker's own policy). */
export async function executeJob(type: JobType, payload: unknown, models: ModelProvider, signal?: AbortSignal): Promise<unknown> {
  switch (type) {
    case 'model_chat':
    case 'team_step':
    case 'workflow_model_call': {
      const p = ChatPayload.parse(payload);
      const req: ChatRequest = { model: p.model, messages: p.messages, format: p.format, options: p.options, signal };
      const { text, last } = await collectChat(models.chat(req));
      return {
        content: text,
        model: p.model ?? models.defaultChatModel,
        ...(last?.promptEvalCount !== undefined ? { prompt_eval_count: last.promptEvalCount } : {}),
        ...(last?.evalCount !== undefined ? { eval_count: last.evalCount } : {}),
        ...(last?.doneReason !== undefined ? { done_reason: last.doneReason } : {}),
      };
    }
    case 'model_embed': {
      const p = EmbedPayload.parse(payload);
      const embeddings = await models.embed(p.input, p.model, signal);
      return { model: p.model ?? models.defaultEmbedModel, embeddings };
    }
    case 'memory_maintenance': {
      const p = MaintenancePayload.parse(payload);
      // the memory scan's batches name their candidate pairs (found by LSH over the stored sketches)
      if (p.pairs) return { pairs: verifyPairs(p.items, p.pairs, p.threshold), scanned: p.items.length };
      return nearDuplicates(p.items, p.threshold);
    }
    case 'action':
      throw new JobRefused('action jobs run only on a worker whose own policy allows the tool');
  }
}
