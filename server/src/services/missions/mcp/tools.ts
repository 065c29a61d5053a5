// The mission tools MCP clients see (the seven loop tools here, the lineage ones in ./lineageTools.ts), each a thin name over a protocol method (same zod schemas, same
// services, same validation as REST and JSON-RPC).
import type { z } from 'zod';
import type { AnyMethod } from '../../../protocol/define';
import * as M from '../../../protocol/missions';
import { LINEAGE_TOOLS } from './lineageTools';
import { PERSONA_TOOLS } from './personaTools';

export interface MissionTool {
  name: string;
  title: string;
  method: AnyMethod;
  /** The schema MCP clients see, when the method's params wrap their object (e.g. in a default). */
  input?: z.ZodType;
  /** Blocked in read-only mode (AGENTORA_MISSIONS_MCP_READ_ONLY: launch, refresh, writeback, fork). */
  write: boolean;
}

export const MISSION_TOOLS: readonly MissionTool[] = [
  { name: 'prepare_mission', title: 'Prepare a mission (PhiOS context packet, stored)', method: M.prepare, write: false },
  { name: 'launch_mission', title: 'Launch a mission on AgentCeption (or a dry run)', method: M.launch, write: true },
  { name: 'refresh_mission', title: 'Refresh a mission from AgentCeption', method: M.refresh, write: true },
  { name: 'writeback_mission', title: 'Write a mission outcome back to PhiOS', method: M.writeback, write: true },
  { name: 'get_mission', title: 'Get one mission in full', method: M.get, write: false },
  { name: 'list_missions', title: 'List missions with filters', method: M.list, input: M.ListFilters, write: false },
  { name: 'get_mission_timeline', title: "A mission's timeline", method: M.timeline, write: false },
  ...LINEAGE_TOOLS,
  ...PERSONA_TOOLS,
];

export const toolByName = (name: string): MissionTool | undefined => MISSION_TOOLS.find((t) => t.name === name);
