// The persona / audit / pattern tools MCP clients see (brief phases I–L), beside the seven mission tools and
// under the same doors: enabled, API key, read-only (override_recommendation is a write) and the allowed-tools
// list (mcp/policy.ts judges every tool by name). Each is a thin name over a protocol method, so the persona
// policy the service enforces applies on this door exactly as on REST and JSON-RPC.
import * as P from '../../../protocol/missionsPersonas';
import * as A from '../../../protocol/missionsAudit';
import * as L from '../../../protocol/missionsPatterns';
import type { MissionTool } from './tools';

export const PERSONA_TOOLS: readonly MissionTool[] = [
  { name: 'get_persona_portfolio', title: "A root's persona branches with their recommendations", method: P.personaPortfolio, write: false },
  { name: 'get_audit_summary', title: "A mission's decision audit summary", method: A.auditSummary, write: false },
  { name: 'get_suggestions', title: 'Suggestions from promoted mission patterns (never applied)', method: L.suggestions, write: false },
  {
    name: 'override_recommendation',
    title: "Accept / reject / override a mission's recommendation (persona policy applies)",
    method: P.override,
    write: true,
  },
];
