// The routing provider: wraps the real model provider (ctx.models) and reads each request's `route`. When the
// route's worker mode allows it and a live worker with the capability exists, the call becomes a worker job
// (model_chat / team_step / workflow_model_call; embeddings: model_embed) and this waits for its result;
// otherwise the wrapped provider runs it here. A worker job answers as ONE final chunk (no token streaming from
// a worker: the job protocol reports whole results), with the worker's real token counts.
import type { ServerContext } from '../../context';
import {
  ModelProviderError,
  type ChatChunk,
  type ChatRequest,
  type ModelCallRoute,
  type ModelProvider,
  type ProviderModel,
} from '../../bridges/models/types';
import type { JobType } from '../../protocol/workers';
import { ChatResult, EmbedResult } from './execute';
import { INNER } from './inner';
import { cancel, dispatch, waitForJob, workerAvailable } from './scheduler';

type Mode = NonNullable<ModelCallRoute['workerMode']>;

export class RoutingProvider implements ModelProvider {
  readonly [INNER]: ModelProvider;
  constructor(
    private readonly ctx: ServerContext,
    readonly inner: ModelProvider,
  ) {
    this[INNER] = inner;
  }
  get kind() {
    return this.inner.kind;
  }
  get host() {
    return this.inner.host;
  }
  get defaultChatModel() {
    return this.inner.defaultChatModel;
  }
  get defaultEmbedModel() {
    return this.inner.defaultEmbedModel;
  }
  listModels(signal?: AbortSignal): Promise<ProviderModel[]> {
    return this.inner.listModels(signal);
  }

  private modeFor(kind: JobType, asked: Mode | undefined): Mode {
    if (asked) return asked;
    const c = this.ctx.config;
    if (kind === 'team_step') return c['workers.teamMode'];
    if (kind === 'workflow_model_call') return c['workers.workflowMode'];
    if (kind === 'model_embed') return c['workers.embedderMode'];
    return c['workers.chatMode'];
  }

  /** `auto`: a live worker with a free slot; `prefer_worker`: any live worker (the job may queue); `local`: never. */
  private useWorker(kind: JobType, asked: Mode | undefined): boolean {
    const mode = this.modeFor(kind, asked);
    if (mode === 'local') return false;
    try {
      return workerAvailable(this.ctx, kind, mode === 'auto');
    } catch {
      return false; // e.g. the database is closing: run here
    }
  }

  private async runJob(kind: JobType, payload: Record<string, unknown>, ref: string | undefined, signal?: AbortSignal): Promise<unknown> {
    const job = dispatch(this.ctx, { job_type: kind, payload, priority: 5, worker_only: false, ...(ref ? { ref } : {}) });
    const onAbort = () => {
      try {
        cancel(this.ctx, job.id);
      } catch {
        /* already finished */
      }
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const done = await waitForJob(this.ctx, job.id);
      if (done.state === 'succeeded') return done.result;
      if (done.state === 'cancelled') throw new ModelProviderError('The model request was cancelled', 'aborted', 'Try again.');
      throw new ModelProviderError(
        `Model job ${job.id} failed${done.ran_on ? ` on ${done.ran_on}` : ''}: ${done.error ?? 'unknown error'}`,
        'bad_response',
        'See the Workers panel (job list) for where it ran and why it failed.',
      );
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Run here: the inner provider's own stream, not re-yielded through another async generator (each layer costs every token a few promise turns). */
  chat(req: ChatRequest): AsyncIterable<ChatChunk> {
    const route = req.route;
    if (!route || !this.useWorker(route.kind, route.workerMode)) return this.inner.chat(req);
    return this.onWorker(route, req);
  }

  private async *onWorker(route: ModelCallRoute, req: ChatRequest): AsyncIterable<ChatChunk> {
    const payload = {
      model: req.model ?? this.inner.defaultChatModel,
      messages: req.messages,
      ...(req.format ? { format: req.format } : {}),
      ...(req.options ? { options: req.options } : {}),
    };
    const r = ChatResult.parse(await this.runJob(route.kind, payload, route.ref, req.signal));
    yield { content: r.content, done: true, promptEvalCount: r.prompt_eval_count, evalCount: r.eval_count, doneReason: r.done_reason };
  }

  async embed(input: string[], model?: string, signal?: AbortSignal): Promise<number[][]> {
    if (!this.useWorker('model_embed', undefined)) return this.inner.embed(input, model, signal);
    const r = EmbedResult.parse(await this.runJob('model_embed', { model: model ?? this.inner.defaultEmbedModel, input }, 'memory embedder', signal));
    return r.embeddings;
  }
}

/** Install the routing provider around a freshly made provider (app.ts, at start and on reconfigure). */
export function withWorkerRouting(ctx: ServerContext, inner: ModelProvider): ModelProvider {
  return new RoutingProvider(ctx, inner);
}
