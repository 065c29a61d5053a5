// The persona catalogue and the persona strategy overlays (brief phase I). The catalogue merges PhiOS's personas
// (when PhiOS — or its mock — is the bridge) over Agentora's local fallback, each labelled by where it came from.
// An overlay is a persona's way of working a branch: its preferred strategy preset (used when a spec names
// none), the tone added to the objective, its risk posture, its fork reason and constraints. Overlays are applied
// for real by personas/branchSet.ts (a test checks each one's effect on the draft).
import type { ServerContext } from '../../../context';
import type { Persona } from '../../../bridges/missions/types';
import type { BranchPreset } from '../../../protocol/missionsBranchSets';
import type { CatalogPersona, OverlayName, PersonaOverlay } from '../../../protocol/missionsPersonas';
import { notFound } from '../../../protocol/errors';
import { bridgesOf } from '../state';

export const OVERLAYS: Record<OverlayName, Omit<PersonaOverlay, 'overlay'>> = {
  skeptic_reviewer: {
    label: 'Skeptic reviewer',
    description: 'Questions every assumption; every change proven by a test.',
    preferred_preset: 'constraint_tightening',
    objective_tone: 'Work skeptically: question each assumption and prove every change with a test.',
    risk_posture: 'cautious',
    fork_reason: 'skeptic review of the approach',
    added_constraints: ['State the assumption each change relies on'],
  },
  architect_refactorer: {
    label: 'Architect refactorer',
    description: 'Improves structure where it serves the fix.',
    preferred_preset: 'aggressive_refactor',
    objective_tone: 'Think as an architect: improve the structure where it serves the fix and explain the design.',
    risk_posture: 'tolerant',
    fork_reason: 'architectural alternative',
    added_constraints: ['Describe the module boundaries after the change'],
  },
  conservative_stabilizer: {
    label: 'Conservative stabilizer',
    description: 'Stability first: the smallest safe fix.',
    preferred_preset: 'conservative_fix',
    objective_tone: 'Stabilise first: make the smallest safe change and nothing else.',
    risk_posture: 'averse',
    fork_reason: 'conservative baseline',
    added_constraints: [],
  },
  rapid_builder: {
    label: 'Rapid builder',
    description: 'Ships a working change fast; constraints relaxed.',
    preferred_preset: 'constraint_relaxation',
    objective_tone: 'Move fast: ship a working change first and defer polish.',
    risk_posture: 'tolerant',
    fork_reason: 'fast working version',
    added_constraints: ['Keep it runnable at every step'],
  },
  recovery_operator: {
    label: 'Recovery operator',
    description: 'Recovers from a failure: diagnose first, then fix.',
    preferred_preset: 'recovery_branch',
    objective_tone: 'Recover: find out what went wrong before changing anything.',
    risk_posture: 'cautious',
    fork_reason: 'recovery after failure',
    added_constraints: ['Write down the root cause before the fix'],
  },
  minimal_change_guardian: {
    label: 'Minimal-change guardian',
    description: 'Guards the diff size: the smallest patch that works.',
    preferred_preset: 'minimal_patch',
    objective_tone: 'Guard the diff: touch as few lines as possible.',
    risk_posture: 'averse',
    fork_reason: 'minimal diff',
    added_constraints: [],
  },
  exploratory_innovator: {
    label: 'Exploratory innovator',
    description: 'Tries an alternative approach; findings count even without a PR.',
    preferred_preset: 'exploratory_branch',
    objective_tone: 'Explore: try a different approach and report what you learn.',
    risk_posture: 'seeking',
    fork_reason: 'exploration of an alternative',
    added_constraints: [],
  },
};

export const overlays = (): PersonaOverlay[] => Object.entries(OVERLAYS).map(([overlay, o]) => ({ overlay: overlay as OverlayName, ...o }));

/** Presets and overlays that count as conservative / exploratory for the policy hooks. */
export const CONSERVATIVE_PRESETS: readonly BranchPreset[] = ['conservative_fix', 'minimal_patch'];
export const CONSERVATIVE_OVERLAYS: readonly string[] = ['conservative_stabilizer', 'minimal_change_guardian'];
export const EXPLORATORY_PRESETS: readonly string[] = ['exploratory_branch'];
export const EXPLORATORY_OVERLAYS: readonly string[] = ['exploratory_innovator'];

/** Agentora's own personas: the catalogue when PhiOS is off or does not know an id. */
export const LOCAL_PERSONAS: readonly (Persona & { overlay: OverlayName | null })[] = [
  {
    id: 'default',
    name: 'Default Engineer',
    role: 'software engineer',
    style: 'pragmatic, small reviewed steps',
    goals: ['ship working code', 'keep tests green'],
    constraints: ['no unrelated changes'],
    overlay: null,
  },
  ...Object.entries(OVERLAYS).map(([id, o]) => ({
    id,
    name: o.label.replace(/\b\w/g, (c) => c.toUpperCase()),
    role: o.label.split(' ').pop()!,
    style: o.description,
    goals: [o.objective_tone],
    constraints: o.added_constraints,
    overlay: id as OverlayName,
  })),
];

type Source = CatalogPersona['source'];

function phiosSource(ctx: ServerContext): Source | null {
  const t = bridgesOf(ctx).phios.transport;
  return t === 'local' ? null : t === 'mock' ? 'mock' : 'phios';
}

const fromLocal = (p: (typeof LOCAL_PERSONAS)[number]): CatalogPersona => ({ ...p, source: 'local', sources: ['local'] });

/** PhiOS's answer for one id (null: unknown or PhiOS off). Errors propagate to the caller. */
async function fromPhios(ctx: ServerContext, id: string, source: Source): Promise<CatalogPersona | null> {
  const p = await bridgesOf(ctx).phios.persona(id);
  if (!p) return null;
  const local = LOCAL_PERSONAS.find((l) => l.id === p.id);
  return { ...p, overlay: local?.overlay ?? null, source, sources: local ? [source, 'local'] : [source] };
}

/** The merged catalogue: PhiOS's personas over the local ones (same id: PhiOS wins, both sources listed). */
export async function listPersonas(ctx: ServerContext) {
  const source = phiosSource(ctx);
  const byId = new Map<string, CatalogPersona>(LOCAL_PERSONAS.map((p) => [p.id, fromLocal(p)]));
  let error: string | null = null;
  if (source) {
    // PhiOS answers per id (and for its current recommendation); the ids we know plus "current" are asked at once.
    const ids = ['current', ...LOCAL_PERSONAS.map((p) => p.id)];
    const answers = await Promise.allSettled(ids.map((id) => fromPhios(ctx, id, source)));
    for (const a of answers) {
      if (a.status === 'rejected') error ??= (a.reason as Error)?.message ?? String(a.reason);
      else if (a.value) byId.set(a.value.id, a.value);
    }
  }
  const personas = [...byId.values()].sort((a, b) => (a.id === 'default' ? -1 : b.id === 'default' ? 1 : a.id.localeCompare(b.id)));
  return { ok: true, personas, phios: { source, error } };
}

export async function getPersona(ctx: ServerContext, id: string): Promise<CatalogPersona> {
  const source = phiosSource(ctx);
  if (source) {
    try {
      const p = await fromPhios(ctx, id, source);
      if (p) return p;
    } catch (err) {
      ctx.log.warn(`persona ${id}: PhiOS did not answer, using the local catalogue: ${(err as Error).message}`);
    }
  }
  const local = LOCAL_PERSONAS.find((p) => p.id === id);
  if (!local) throw notFound('Persona', id);
  return fromLocal(local);
}
