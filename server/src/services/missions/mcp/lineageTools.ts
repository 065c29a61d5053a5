// The lineage / branch-set / exchange tools (issue 12, phases F–H), beside the seven loop tools in ./tools.ts and
// under the same doors (enabled, API key, read-only, allowed tools; policy.ts). Each is a thin name over a
// protocol method: same zod schema, same service, same validation as REST and JSON-RPC.
import * as L from '../../../protocol/missionsLineage';
import * as P from '../../../protocol/missionsPortfolio';
import * as X from '../../../protocol/missionsExchange';
import type { MissionTool } from './tools';

export const LINEAGE_TOOLS: readonly MissionTool[] = [
  // A fork adds a mission to a lineage with immutable provenance: a change to the store, so read-only mode hides it.
  { name: 'fork_mission', title: 'Fork a mission into a prepared draft (immutable provenance)', method: L.fork, write: true },
  { name: 'get_lineage', title: "A mission's ancestry and descendants", method: L.lineage, write: false },
  { name: 'get_portfolio', title: "A mission's branch-set portfolio (heuristic ranking, suggestions)", method: P.portfolio, write: false },
  {
    name: 'export_missions',
    title: 'Export missions as a mission-export-v1 bundle (signed when signing is on)',
    method: X.exportMissions,
    write: false,
  },
];
