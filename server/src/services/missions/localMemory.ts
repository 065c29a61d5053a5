// Agentora's own memory in a mission's context: at prepare, the memories most relevant to the mission (by the
// memory engine's hybrid retrieval) join the PhiOS snippets in the packet, and the retrieval is recorded as a
// context of the mission — so an operator can see exactly what the agent's brief was given, and why.
import type { ServerContext } from '../../context';
import type { MissionContextPacket } from '../../bridges/missions/types';
import type { MissionRow } from './store';
import { SearchParams } from '../../protocol/memory';
import { createOne } from '../memory/capsules';
import { recordContext } from '../memory/contexts';
import { wakeEmbedder } from '../memory/embedder';
import { retrieve, type Retrieval } from '../memory/search';

const TOP_K = 4;

export interface LocalMemory {
  query: string;
  retrieval: Retrieval;
  snippets: MissionContextPacket['memory_snippets'];
}

/** Never fails a prepare: memory is an aid, so a retrieval error is logged and the packet goes without it. */
/** `mock`: the mission runs against the mock integrations. A real one is never given memories made in mock mode. */
export async function localMemoryFor(ctx: ServerContext, title: string, objective: string, mock: boolean): Promise<LocalMemory | null> {
  const query = `${title} ${objective}`.replace(/\s+/g, ' ').trim().slice(0, 2000);
  if (!query) return null;
  try {
    const retrieval = await retrieve(ctx, SearchParams.parse({ query, top_k: TOP_K }), { excludeMock: !mock });
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

/**
 * A finished mission becomes a memory (kind `summary`, source `mission`, `source_ref` = the mission id, tagged with
 * its repo and persona), so the next mission on that repo is prepared with what happened. Once per mission: only
 * the transition into a terminal state calls this. Never fails the refresh that finished the mission.
 */
export function rememberOutcome(ctx: ServerContext, m: MissionRow): number | null {
  if (!ctx.config['missions.rememberOutcomes']) return null;
  // A mock mission's outcome is kept (the demo loop stays whole) but marked mock everywhere it shows — the text
  // says so, the memory is flagged and nearly untrusted — and retrieval for a real mission never admits it.
  const mock = m.mock === 1;
  const parts = [`${mock ? '[mock] ' : ''}Mission "${m.mission_title}" on ${m.repo} ${m.status}: ${m.summary?.trim() || m.objective}`];
  if (m.pr_url) parts.push(`PR: ${m.pr_url}`);
  if (m.branch) parts.push(`branch: ${m.branch}`);
  try {
    const { id } = createOne(ctx, {
      text: parts.join(' — ').slice(0, 4000),
      kind: 'summary',
      source: 'mission',
      source_ref: m.id,
      scope: 'workspace',
      repo: m.repo,
      persona: m.persona_id,
      layer: 'episodic',
      trust: mock ? 0.1 : m.status === 'succeeded' ? 0.7 : 0.5,
      mock,
    });
    wakeEmbedder(ctx);
    return id;
  } catch (err) {
    ctx.log.warn(`mission ${m.id}: could not keep its outcome as a memory: ${(err as Error).message}`);
    return null;
  }
}
