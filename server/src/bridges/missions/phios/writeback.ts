// A PhiOS writeback answer (tool result or HTTP body) → WritebackResult, with the operator's fix when PhiOS
// refuses to store agent memory (capability agent_memory_write is off by default).
import { z } from 'zod';
import type { WritebackResult } from '../types';

export const WRITE_DENIED_HINT =
  'PhiOS refuses agent memory writes by default: start it with PHIOS_MCP_CAPABILITIES=…,agent_memory_write (add agent_memory_write to the list) or PHIOS_MCP_PROFILE=operator — e.g. set agentora.phios.env (AGENTORA_PHIOS_ENV) to PHIOS_MCP_PROFILE=operator.';

const Reply = z.looseObject({
  ok: z.boolean().optional().catch(undefined),
  stored: z.boolean().optional().catch(undefined),
  error_code: z.string().optional().catch(undefined),
  reason: z.string().optional().catch(undefined),
  error: z.string().optional().catch(undefined),
  message: z.string().optional().catch(undefined),
  text: z.string().optional().catch(undefined),
  ref: z.string().optional().catch(undefined),
  id: z.union([z.string(), z.number()]).optional().catch(undefined),
  narrative_ref: z.unknown().optional(),
  created_at: z.string().optional().catch(undefined),
});

export function writebackResult(payload: unknown, isError = false): WritebackResult {
  const r = Reply.safeParse(payload ?? {});
  const d = r.success ? r.data : {};
  const text = d.reason ?? d.error ?? d.message ?? d.text ?? '';
  const code = d.error_code ?? (/AGENT_MEMORY_WRITE_NOT_PERMITTED/.test(text) ? 'AGENT_MEMORY_WRITE_NOT_PERMITTED' : undefined);
  const ok = !isError && !code && (d.ok ?? d.stored ?? false);
  if (ok) {
    const nr = d.narrative_ref;
    const ref =
      d.ref ??
      (d.id !== undefined ? String(d.id) : typeof nr === 'string' ? nr : nr && typeof nr === 'object' ? JSON.stringify(nr) : (d.created_at ?? null));
    return { ok: true, ref };
  }
  if (code === 'AGENT_MEMORY_WRITE_NOT_PERMITTED') {
    return { ok: false, ref: null, error_code: code, message: text || 'PhiOS: agent memory writes are not permitted', fix_hint: WRITE_DENIED_HINT };
  }
  return {
    ok: false,
    ref: null,
    ...(code ? { error_code: code } : {}),
    message: text || 'PhiOS did not confirm the writeback',
    fix_hint: 'See the PhiOS logs; the writeback can be retried from the mission.',
  };
}
