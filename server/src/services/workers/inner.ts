// The provider a local run uses: the one the routing provider wraps (a local fallback must never be routed to a
// worker again). Kept apart so the scheduler and the routing provider do not import each other.
import type { ModelProvider } from '../../bridges/models/types';
import type { ServerContext } from '../../context';

export const INNER = Symbol('agentora.workers.inner');
export function localModels(ctx: ServerContext): ModelProvider {
  return (ctx.models as ModelProvider & { [INNER]?: ModelProvider })[INNER] ?? ctx.models;
}
