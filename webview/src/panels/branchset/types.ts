// What the Branch-set panel reads (types inferred from the one contract) and display-only helpers. The panel
// holds no business rules: ranks, suggestions and which missions can launch all come from the server.
import type { Result } from '../../client/types';
import type { M } from '../../client/types';
export type { MissionSummary, MissionStatus } from '../../../../server/src/protocol/missions';
export type { PortfolioBranch, PortfolioResult, DecisionSummaryResult } from '../../../../server/src/protocol/missionsPortfolio';

export type Strategy = Result<typeof M.missionsBranchSets.branchStrategies>['strategies'][number];

/** Status → colour family (display only): finished well, failed, running, not launched. */
export function stateClass(status: string): 'ok' | 'bad' | 'live' | 'draft' {
  if (status === 'succeeded') return 'ok';
  if (['failed', 'cancelled', 'launch_failed', 'launch_unknown'].includes(status)) return 'bad';
  if (['queued', 'running', 'blocked', 'unknown'].includes(status)) return 'live';
  return 'draft';
}

export const short = (t: string, n: number) => (t.length > n ? t.slice(0, n - 1) + '…' : t);
