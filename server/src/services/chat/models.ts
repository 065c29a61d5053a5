// The model manager's services: catalogue (tags + show per model), pull as a job (progress notifications, at most
// one per 100 ms per job, cancel aborts the request to Ollama), delete. Jobs live for the server run: Ollama
// itself resumes an interrupted download when the same pull is started again.
import type { ServerContext } from '../../context';
import { ModelProviderError } from '../../bridges/models';
import { modelManager } from '../../bridges/models/manage';
import * as A from '../../protocol/modelAdmin';
import { AppError } from '../../protocol';
import { implement } from '../registry';
import type { z } from 'zod';
import { allDefaults, capabilityFor, chooseDefault, defaultModel } from '../models/defaults';

type Job = z.infer<typeof A.PullJob>;
interface PullState {
  nextId: number;
  jobs: Map<number, { job: Job; controller: AbortController }>;
}
const state = new WeakMap<ServerContext, PullState>();
const pullsOf = (ctx: ServerContext): PullState => {
  let s = state.get(ctx);
  if (!s) state.set(ctx, (s = { nextId: 1, jobs: new Map() }));
  return s;
};
const modeOf = (ctx: ServerContext) => (ctx.models.kind === 'mock' ? ('mock' as const) : ('live' as const));
const asProviderError = (err: unknown) =>
  err instanceof ModelProviderError ? err : new ModelProviderError(String((err as Error)?.message ?? err), 'bad_response', 'See the Agentora log.');

/** A provider failure as an operator-facing error (503 / -32010) with the fix. */
function fail(err: unknown): never {
  const e = asProviderError(err);
  throw new AppError(e.code === 'model_not_found' ? 'not_found' : 'unavailable', e.message, undefined, e.fixHint);
}

const same = (a: string, b: string) => a === b || a === `${b}:latest` || b === `${a}:latest`;

export const catalogService = implement(A.catalog, async (_p, ctx) => {
  const base = { mode: modeOf(ctx), host: ctx.models.host };
  const mgr = modelManager(ctx.models);
  try {
    const list = await mgr.list();
    // `show` per model, a few at a time: capabilities are not in /api/tags.
    const out: z.infer<typeof A.CatalogModel>[] = [];
    for (let i = 0; i < list.length; i += 4) {
      const shown = await Promise.all(list.slice(i, i + 4).map((m) => mgr.show(m.name).catch(() => null)));
      list.slice(i, i + 4).forEach((m, j) => {
        const d = shown[j];
        const default_for = (['chat', 'tools', 'embedding'] as const).filter((purpose) => same(m.name, defaultModel(ctx, purpose)));
        out.push({ ...m, capabilities: d?.capabilities ?? [], context_length: d?.context_length ?? null, default_for });
      });
    }
    return { ok: true, ...base, models: out };
  } catch (err) {
    const e = asProviderError(err);
    return { ok: false, ...base, models: [], error: e.message, fix_hint: e.fixHint };
  }
});

export const pullService = implement(A.pull, (p, ctx) => {
  const s = pullsOf(ctx);
  for (const { job } of s.jobs.values())
    if (job.state === 'running' && job.name === p.name) throw new AppError('conflict', `'${p.name}' is already being pulled (job ${job.job_id})`);
  const job: Job = {
    job_id: s.nextId++,
    name: p.name,
    state: 'running',
    status: 'starting',
    completed: null,
    total: null,
    error: null,
    fix_hint: null,
    started_at: new Date().toISOString(),
  };
  const controller = new AbortController();
  s.jobs.set(job.job_id, { job, controller });
  let last = 0;
  const emit = (force = false) => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    ctx.events.emit(A.didPullProgress, { ...job });
  };
  emit(true);
  void modelManager(ctx.models)
    .pull(
      p.name,
      (pr) => {
        Object.assign(job, { status: pr.status, completed: pr.completed ?? job.completed, total: pr.total ?? job.total });
        emit();
      },
      controller.signal,
    )
    .then(() => Object.assign(job, { state: 'done', status: 'success' }))
    .catch((err) => {
      if (controller.signal.aborted) return Object.assign(job, { state: 'cancelled', status: 'cancelled' });
      const e = asProviderError(err);
      ctx.log.warn(`model pull ${p.name} failed: ${e.message}`);
      Object.assign(job, { state: 'failed', status: 'failed', error: e.message, fix_hint: e.fixHint });
    })
    .finally(() => emit(true));
  return { ok: true, mode: modeOf(ctx), job: { ...job } };
});

/** Choose a default: the model must be installed and have the capability (Ollama's `show`), else a clear error. */
export const setDefaultService = implement(A.setDefault, async (p, ctx) => {
  if (p.model !== null) {
    const mgr = modelManager(ctx.models);
    let caps: string[];
    try {
      caps = (await mgr.show(p.model)).capabilities;
    } catch (err) {
      fail(err);
    }
    const need = capabilityFor[p.purpose];
    // Older Ollama versions list no capabilities at all: then we cannot tell, and trust the operator.
    if (caps.length && !caps.includes(need))
      throw new AppError(
        'bad_request',
        `model '${p.model}' cannot be the ${p.purpose} default: it does not support ${need} (it has: ${caps.join(', ')})`,
        [{ path: 'model', message: `does not support ${need}` }],
        `Pick a model whose capabilities include '${need}'.`,
      );
  }
  chooseDefault(ctx, p.purpose, p.model);
  return { ok: true, mode: modeOf(ctx), defaults: allDefaults(ctx) };
});

export const modelAdminServices = [
  setDefaultService,
  implement(A.defaults, (_p, ctx) => ({ ok: true, mode: modeOf(ctx), defaults: allDefaults(ctx) })),
  catalogService,
  pullService,
  implement(A.pulls, (_p, ctx) => ({ ok: true, jobs: [...pullsOf(ctx).jobs.values()].map((j) => ({ ...j.job })).reverse() })),
  implement(A.cancelPull, (p, ctx) => {
    const j = pullsOf(ctx).jobs.get(p.job_id);
    if (!j) throw new AppError('not_found', `pull job '${p.job_id}' not found`);
    if (j.job.state === 'running') j.controller.abort();
    return { ok: true, job: { ...j.job } };
  }),
  implement(A.remove, async (p, ctx) => {
    try {
      await modelManager(ctx.models).remove(p.name);
    } catch (err) {
      fail(err);
    }
    return { ok: true, mode: modeOf(ctx), name: p.name };
  }),
];
