// Turning whatever PhiOS sends into a MissionContextPacket: read leniently (each known field parsed on its own,
// a bad one falls back to its default instead of failing the whole packet), unknown fields kept in `raw`, and
// what Agentora already knows (title, objective, repo, session id) filling the gaps.
import { z } from 'zod';
import { type ContextPackRequest, MemorySnippet, MissionContextPacket, Persona } from '../types';

const KNOWN = Object.keys(MissionContextPacket.shape) as (keyof typeof MissionContextPacket.shape)[];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v : undefined);

/** A packet from an object that claims to be one (the http transport). */
export function packetFromObject(input: unknown, req: ContextPackRequest, source: MissionContextPacket['source']): MissionContextPacket {
  const obj = isObject(input) ? (isObject(input.packet) ? input.packet : isObject(input.context) ? input.context : input) : {};
  const fields: Record<string, unknown> = {};
  const raw: Record<string, unknown> = isObject(obj.raw) ? { ...obj.raw } : {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'raw') continue;
    if ((KNOWN as string[]).includes(k)) {
      const p = MissionContextPacket.shape[k as (typeof KNOWN)[number]].safeParse(v);
      if (p.success) fields[k] = p.data;
      else raw[k] = v; // a known field in an unknown shape: keep it, do not fail
    } else raw[k] = v;
  }
  if (Array.isArray(obj.memory_snippets)) fields.memory_snippets = snippets(obj.memory_snippets, 'phios');
  return finish(fields, raw, req, source);
}

/** A packet from the three PhiOS MCP resources (the mcp-stdio transport). */
export function packetFromResources(
  r: { session: unknown; recommendation: unknown; memory: unknown; topic: string },
  req: ContextPackRequest,
): MissionContextPacket {
  const session = isObject(r.session) ? r.session : {};
  const summary = isObject(session.summary) ? session.summary : {};
  const fields: Record<string, unknown> = {};
  const sessionId = str(session.session_id) ?? (isObject(session.session_start) ? str(session.session_start.session_id) : undefined);
  if (sessionId) fields.session_id = sessionId;
  const persona = personaFromRecommendation(r.recommendation);
  if (persona) fields.persona = persona;
  const state = str(summary.session_state);
  const next = str(summary.next_step) ?? str(summary.recommended_action);
  const parts = [state && `PhiOS session: ${state}`, persona && `recommended figure: ${persona.name}`].filter(Boolean);
  if (parts.length) fields.summary = parts.join('; ');
  if (next && next !== 'unknown') fields.recommended_next_actions = [next];
  const memory = isObject(r.memory) ? r.memory : {};
  const items = Array.isArray(memory.deliberations) ? memory.deliberations : Array.isArray(memory.entries) ? memory.entries : [];
  fields.memory_snippets = snippets(items, `phios://agents/memory/${r.topic}`);
  if (str(session.generated_at)) fields.generated_at = session.generated_at;
  return finish(fields, { session: r.session ?? null, recommendation: r.recommendation ?? null, memory: r.memory ?? null }, req, 'phios-mcp');
}

/** PhiOS's recommended "figure" (an archetype) is the nearest thing it has to a persona. */
export function personaFromRecommendation(rec: unknown): Persona | null {
  if (!isObject(rec)) return null;
  const inner = isObject(rec.recommendation) ? rec.recommendation : rec;
  const fig = [inner.figure, inner.recommended_figure, inner.persona, inner.archetype, inner.arch].find((v) => isObject(v) || str(v));
  const f: Record<string, unknown> = isObject(fig) ? fig : str(fig) ? { name: fig } : {};
  const name = str(f.name) ?? str(f.figure) ?? str(inner.figure_name) ?? str(inner.name) ?? str(inner.recommended_arch);
  if (!name) return null;
  const asList = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : str(v) ? [v as string] : []);
  return Persona.parse({
    id: str(f.id) ?? slug(name),
    name,
    role: str(f.role) ?? str(inner.role) ?? '',
    style: str(f.style) ?? str(inner.style) ?? str(inner.rationale) ?? str(inner.reason) ?? '',
    goals: asList(f.goals ?? inner.goals),
    constraints: asList(f.constraints ?? inner.constraints),
  });
}

/** A PhiOS deliberation or memory entry → a snippet (its outcome is the text worth showing). */
function snippets(items: unknown[], source: string): z.infer<typeof MemorySnippet>[] {
  return items.flatMap((it, i) => {
    if (typeof it === 'string') return [{ id: `${source}#${i}`, text: it, source, score: 0 }];
    if (!isObject(it)) return [];
    const text = str(it.text) ?? str(it.outcome) ?? str(it.summary) ?? str(it.content);
    if (!text) return [];
    const score = typeof it.score === 'number' ? it.score : typeof it.coherence === 'number' ? it.coherence : 0;
    const ts = str(it.timestamp) ?? str(it.created_at) ?? str(it.recorded_at);
    return [{ id: String(it.id ?? it.run_id ?? `${source}#${i}`), text, source: str(it.source) ?? source, score, ...(ts ? { timestamp: ts } : {}) }];
  });
}

function finish(
  fields: Record<string, unknown>,
  raw: Record<string, unknown>,
  req: ContextPackRequest,
  source: MissionContextPacket['source'],
): MissionContextPacket {
  const draft = {
    mission_title: req.mission_title,
    mission_objective: req.objective,
    repo: req.repo,
    operator_intent: req.operator_intent,
    constraints: req.constraints,
    generated_at: new Date().toISOString(),
    ...fields,
    // PhiOS never issues a session id for Agentora: ours is used unless it really sent one.
    session_id: str(fields.session_id) ?? req.session_id,
    persona: fields.persona ?? { id: req.persona_id || 'default', name: req.persona_id || 'Default' },
    source,
    raw,
  };
  const p = MissionContextPacket.safeParse(draft);
  if (p.success) return p.data;
  // Should not happen (every field was validated on its own); fall back to the request alone rather than fail.
  return MissionContextPacket.parse({
    ...draft,
    ...Object.fromEntries(p.error.issues.map((i) => [String(i.path[0]), undefined])),
    session_id: req.session_id,
    raw: { ...raw, invalid: fields },
  });
}

/** The PhiOS memory topic for a repo: `agentora:owner/repo`. */
export function topicForRepo(repo: string): string {
  return `agentora:${repo.trim()}`;
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'default';
