// Agentora's own memory in a mission's context: at prepare, the memories most relevant to the mission (by the
// memory engine's hybrid retrieval) join the PhiOS snippets in the packet, and the retrieval is recorded as a
// context of the mission — so an operator can see exactly what the agent's brief was given, and why.
import type { ServerContext } from '../../context';
import type { MissionContextPacket } from '../../bridges/missions/types';
import { SearchParams } from '../../protocol/memory';
import { recordContext } from '../memory/contexts';
import { retrieve, type Retrieval } from '../memory/search';

const TOP_K = 4;

export interface LocalMemory {
  query: string;
  retrieval: Retrieval;
  snippets: MissionContextPacket['memory_snippets'];
}

/** Never fails a prepare: memory is an aid, so a retrieval error is logged and the packet goes without it. */
export async function localMemoryFor(ctx: ServerContext, title: string, objective: string): Promise<LocalMemory | null> {
  const query = `${title} ${objective}`.replace(/\s+/g, ' ').trim().slice(0, 2000);
  if (!query) return null;
  try {
    const retrieval = await retrieve(ctx, SearchParams.parse({ query, top_k: TOP_K }));
    const snippets = retrieval.items.map((s) => ({
      id: `agentora-memory:${s.row.id}`,
      text: s.row.text,
      source: 'agentora-memory',
      score: s.breakdown.final,
      timestamp: s.row.updated_at,
    }));
    return { query, retrieval, snippets };
  } catch (err) {
    ctx.log.warn(`mission prepare: local memory retrieval failed, continuing without it: ${(err as Error).message}`);
    return null;
  }
}

export function recordMissionContext(ctx: ServerContext, missionId: string, local: LocalMemory): void {
  try {
    recordContext(ctx, { kind: 'mission', id: missionId }, { query: local.query, top_k: TOP_K }, local.retrieval);
  } catch (err) {
    ctx.log.warn(`mission prepare: could not record the memory context: ${(err as Error).message}`);
  }
}
