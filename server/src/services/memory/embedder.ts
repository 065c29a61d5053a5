// Background embedding. Writes never wait for a model: they queue the memory (memory_embed_queue) and wake this
// loop, which embeds in batches through ctx.models.embed and stores Float32 BLOBs. A failing provider (Ollama
// down, model missing) backs off and is reported in /api/memory/health, never as a failed write.
import type { ServerContext } from '../../context';
import { encodeVector, unit } from './vectors';
import { sql } from './store';
import { defaultModel } from '../models/defaults';

const BATCH = 32;
const MAX_BACKOFF_MS = 60_000;

interface EmbedState {
  timer: NodeJS.Timeout | null;
  busy: boolean;
  stopped: boolean;
  failures: number;
  lastError: string | null;
  /** Models known to have stored vectors (so search can skip the vector pass cheaply when none exist). */
  modelsWithVectors: Set<string>;
  queryCache: Map<string, Float32Array>;
  /** After a query embedding fails, searches skip the vector pass until then (a circuit breaker: a provider
   *  that is down must not add its timeout to every search). */
  queryPausedUntil: number;
  queryError: string | null;
}

const states = new WeakMap<ServerContext, EmbedState>();

function state(ctx: ServerContext): EmbedState {
  let s = states.get(ctx);
  if (!s) {
    s = {
      timer: null,
      busy: false,
      stopped: true,
      failures: 0,
      lastError: null,
      modelsWithVectors: new Set(),
      queryCache: new Map(),
      queryPausedUntil: 0,
      queryError: null,
    };
    states.set(ctx, s);
  }
  return s;
}

/** The embedding model in use, or null when embeddings are off (setting, or no embed model configured). */
export function embedModel(ctx: ServerContext): string | null {
  if (!ctx.config['memory.embeddingsEnabled']) return null;
  return defaultModel(ctx, 'embedding') || null;
}

export function embedderStatus(ctx: ServerContext): { lastError: string | null } {
  return { lastError: state(ctx).lastError };
}

export function hasVectors(ctx: ServerContext, model: string): boolean {
  const s = state(ctx);
  if (s.modelsWithVectors.has(model)) return true;
  const found = sql(ctx.db, 'SELECT 1 FROM memory_embeddings WHERE model = ? LIMIT 1').get(model);
  if (found) s.modelsWithVectors.add(model);
  return !!found;
}

const QUERY_PAUSE_MS = 30_000;

/** Embed a query (cached: the same question asked twice costs one model call). */
export async function embedQuery(ctx: ServerContext, model: string, text: string, timeoutMs = 2000): Promise<Float32Array> {
  const s = state(ctx);
  const key = `${model}\u0000${text}`;
  const hit = s.queryCache.get(key);
  if (hit) return hit;
  if (Date.now() < s.queryPausedUntil) throw new Error(`paused after a failure: ${s.queryError}`);
  let v: number[] | undefined;
  try {
    [v] = await ctx.models.embed([text], model, AbortSignal.timeout(timeoutMs));
  } catch (err) {
    s.queryPausedUntil = Date.now() + QUERY_PAUSE_MS;
    s.queryError = (err as Error).message;
    throw err;
  }
  if (!v || !v.length) throw new Error('the model returned no embedding');
  const u = unit(v);
  if (s.queryCache.size >= 256) s.queryCache.delete(s.queryCache.keys().next().value!);
  s.queryCache.set(key, u);
  return u;
}

function schedule(ctx: ServerContext, ms: number): void {
  const s = state(ctx);
  if (s.stopped) return;
  if (s.timer) clearTimeout(s.timer);
  s.timer = setTimeout(() => void tick(ctx), ms);
  s.timer.unref?.();
}

/** Ask the loop to look at the queue now (after a write). */
export function wakeEmbedder(ctx: ServerContext): void {
  const s = state(ctx);
  if (!s.stopped && !s.busy && s.failures === 0) schedule(ctx, 0);
}

async function tick(ctx: ServerContext): Promise<void> {
  const s = state(ctx);
  s.timer = null;
  const interval = ctx.config['memory.embedIntervalMs'];
  const model = embedModel(ctx);
  if (!model || s.stopped) return schedule(ctx, Math.max(interval, 5000));
  // Most ticks find nothing to do: answer that with one indexed probe, so an idle embedder costs the event loop
  // microseconds, not a join over the memories (at 200k that stalled concurrent searches by tens of ms).
  if (!sql(ctx.db, 'SELECT 1 FROM memory_embed_queue LIMIT 1').get()) return schedule(ctx, interval);
  s.busy = true;
  let more = false;
  try {
    // Memories no longer active need no vector (walk the queue, not the memories).
    sql(
      ctx.db,
      `DELETE FROM memory_embed_queue WHERE NOT EXISTS (SELECT 1 FROM memories m WHERE m.id = memory_embed_queue.memory_id AND m.status = 'active')`,
    ).run();
    const batch = ctx.db
      .prepare(
        `SELECT q.memory_id AS id, m.text FROM memory_embed_queue q JOIN memories m ON m.id = q.memory_id ORDER BY q.queued_at, q.memory_id LIMIT ?`,
      )
      .all(BATCH) as { id: number; text: string }[];
    if (batch.length) {
      const vectors = await ctx.models.embed(
        batch.map((b) => b.text),
        model,
        AbortSignal.timeout(ctx.config['models.timeoutSeconds'] * 1000),
      );
      if (vectors.length !== batch.length) throw new Error(`the model returned ${vectors.length} embeddings for ${batch.length} texts`);
      const current = sql(ctx.db, 'SELECT text FROM memories WHERE id = ?');
      const put = sql(
        ctx.db,
        'INSERT INTO memory_embeddings (memory_id, model, dim, vec) VALUES (?, ?, ?, ?) ON CONFLICT (memory_id) DO UPDATE SET model = excluded.model, dim = excluded.dim, vec = excluded.vec',
      );
      const done = sql(ctx.db, 'DELETE FROM memory_embed_queue WHERE memory_id = ?');
      ctx.db.transaction(() => {
        batch.forEach((b, i) => {
          // The text may have changed while the model worked: then the newer request stays queued.
          if ((current.get(b.id) as { text: string } | undefined)?.text !== b.text) return;
          put.run(b.id, model, vectors[i]!.length, encodeVector(vectors[i]!));
          done.run(b.id);
        });
      })();
      s.modelsWithVectors.add(model);
      s.queryPausedUntil = 0; // the provider answers again
      more = batch.length === BATCH;
    }
    s.failures = 0;
    s.lastError = null;
  } catch (err) {
    s.failures++;
    s.lastError = (err as Error).message;
    if (s.failures === 1) ctx.log.warn(`memory embeddings paused: ${s.lastError} (full-text retrieval still works; retrying with backoff)`);
  } finally {
    s.busy = false;
  }
  const backoff = s.failures ? Math.min(MAX_BACKOFF_MS, interval * 2 ** Math.min(s.failures, 10)) : more ? 0 : interval;
  schedule(ctx, backoff);
}

export function startEmbedder(ctx: ServerContext): void {
  const s = state(ctx);
  s.stopped = false;
  schedule(ctx, 0);
}

export function stopEmbedder(ctx: ServerContext): void {
  const s = state(ctx);
  s.stopped = true;
  if (s.timer) clearTimeout(s.timer);
  s.timer = null;
}

/** The provider or model changed: queue every active memory that has no vector from the current model. */
export function reconfigureEmbedder(ctx: ServerContext): void {
  const s = state(ctx);
  s.failures = 0;
  s.lastError = null;
  s.queryCache.clear();
  s.queryPausedUntil = 0;
  s.queryError = null;
  const model = embedModel(ctx);
  if (model) {
    ctx.db
      .prepare(
        `INSERT OR IGNORE INTO memory_embed_queue (memory_id, queued_at, attempts)
        SELECT m.id, ?, 0 FROM memories m LEFT JOIN memory_embeddings e ON e.memory_id = m.id AND e.model = ? WHERE m.status = 'active' AND e.memory_id IS NULL`,
      )
      .run(new Date().toISOString(), model);
  }
  if (!s.stopped) schedule(ctx, 0);
}
