// Types the persona portfolio panel passes around (from the protocol, never re-declared).
import type { M, Result } from '../../client/types';

export type Portfolio = Result<typeof M.missionsPersonas.personaPortfolio>;
export type Branch = Portfolio['branches'][number];
export type Matrix = Result<typeof M.missionsAudit.personaMatrix>;
export type Trends = Result<typeof M.missionsAudit.personaTrends>;
export type Drill = Result<typeof M.missionsAudit.drillMatrix>;
export type Window = '7d' | '30d' | 'all';

/** The rule a policy refusal names (the error's issues carry it as path "rule"), or null. */
export function ruleOf(e: unknown): string | null {
  const issues = (e as { data?: { issues?: { path?: string; message?: string }[] } })?.data?.issues;
  const hit = issues?.find((i) => i.path === 'rule');
  if (hit?.message) return hit.message;
  return /policy rule (\w+)/.exec((e as Error)?.message ?? '')?.[1] ?? null;
}
