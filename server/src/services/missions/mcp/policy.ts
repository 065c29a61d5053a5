// MCP policy, enforced identically on both doors (/mcp and the compatibility routes): enabled, read-only and
// the allowed-tools list. A refused call is recorded as a `policy_blocked_action` decision event.
import type { ServerContext } from '../../../context';
import { missionStore } from '../store';
import { toolByName, MISSION_TOOLS, type MissionTool } from './tools';

export type Verdict = { allowed: true; tool: MissionTool } | { allowed: false; tool: MissionTool | undefined; reason: string };

export function judgeTool(ctx: ServerContext, name: string): Verdict {
  const tool = toolByName(name);
  if (!tool) return { allowed: false, tool, reason: `Unknown tool '${name}'. Tools: ${MISSION_TOOLS.map((t) => t.name).join(', ')}` };
  const allowed = ctx.config['missions.mcpAllowedTools'];
  if (allowed.length && !allowed.includes(name))
    return { allowed: false, tool, reason: `Tool '${name}' is not in AGENTORA_MISSIONS_MCP_ALLOWED_TOOLS (${allowed.join(', ')})` };
  if (tool.write && ctx.config['missions.mcpReadOnly'])
    return {
      allowed: false,
      tool,
      reason: `Tool '${name}' is blocked: MCP is read-only (AGENTORA_MISSIONS_MCP_READ_ONLY=true blocks launch, refresh, writeback and fork)`,
    };
  return { allowed: true, tool };
}

/** The tools a client may see and call. */
export function visibleTools(ctx: ServerContext): MissionTool[] {
  return MISSION_TOOLS.filter((t) => judgeTool(ctx, t.name).allowed);
}

export function recordRefusal(ctx: ServerContext, toolName: string, reason: string, args: unknown, door: 'mcp' | 'compat'): void {
  const runId = typeof (args as { run_id?: unknown })?.run_id === 'string' ? (args as { run_id: string }).run_id : null;
  const store = missionStore(ctx.db);
  const missionId = runId && store.get(runId) ? runId : null;
  store.addDecision(missionId, new Date().toISOString(), 'policy_blocked_action', door === 'mcp' ? 'mcp-client' : 'mcp-compat-client', reason, {
    tool: toolName,
    door,
  });
  ctx.log.info(`MCP ${door}: refused ${toolName}: ${reason}`);
}
