// A completed run's outcome becomes a memory (source `run`, linked to the run by source_ref `run:<id>`), unless
// every member of the team has memory mode `none` — the team's own choice not to remember.
import type { ServerContext } from '../../context';
import type { Agent } from '../../protocol/agents';
import type { Run } from '../../protocol/runs';
import { changed as memoryChanged, createOne } from '../memory/capsules';
import { wakeEmbedder } from '../memory/embedder';
import { runStore } from './runStore';

export function storeOutcome(ctx: ServerContext, run: Run, members: readonly Agent[]): number | null {
  if (members.every((a) => a.memory_mode === 'none') || !run.final_output) return null;
  try {
    const text = `Team run "${run.prompt.slice(0, 300)}" (${run.mode}, ${run.turns_used} turns): ${run.final_output.slice(0, 4000)}`;
    const r = ctx.db.transaction(() => {
      const m = createOne(ctx, {
        text,
        kind: 'summary',
        source: 'run',
        source_ref: `run:${run.id}`,
        scope: 'workspace',
        layer: 'episodic',
        trust: 0.5,
      });
      runStore(ctx.db).event(run.id, null, 'memory_stored', { capsule_id: m.id, duplicate_of: m.duplicateOf });
      return m;
    })();
    memoryChanged(ctx, 'outcome of a team run', [r.id]);
    wakeEmbedder(ctx);
    return r.id;
  } catch (err) {
    // The run's result is already committed; a memory failure is logged, never turns the run into a failure.
    ctx.log.warn(`run ${run.id}: storing its outcome as a memory failed: ${(err as Error).message}`);
    return null;
  }
}
