// The real transports: PhiOS over mcp-stdio or http, AgentCeption over http. Settings → bridge options here, so
// the bridges themselves take plain numbers (tests build them directly with short timers).
import type { Config } from '../../config';
import type { Logger } from '../../log';
import { AgentceptionHttpBridge } from './agentception/http';
import { PhiosHttpBridge } from './phios/http';
import { PhiosMcpStdioBridge } from './phios/mcpStdio';
import type { MissionBridges, PhiosBridge } from './types';

export { AgentceptionHttpBridge } from './agentception/http';
export { mapStatus, isStaleStatus } from './agentception/status';
export { PhiosHttpBridge } from './phios/http';
export { PhiosMcpStdioBridge } from './phios/mcpStdio';

/** Overrides for callers that need other limits than the settings (the doctor uses short timeouts, no retries). */
export interface RealBridgeOverrides {
  readTimeoutMs?: number;
  connectTimeoutMs?: number;
  retries?: number;
}

const secs = (s: number) => Math.max(1, Math.round(s * 1000));

/**
 * `KEY=VALUE` pairs (agentora.phios.env) → an env object. The setting is a comma list, and PhiOS's own values
 * are comma lists too (`PHIOS_MCP_CAPABILITIES=a,b,agent_memory_write`), so an item that does not start with
 * `NAME=` continues the previous value.
 */
export function parseEnvPairs(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  let last: string | null = null;
  for (const item of pairs) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(item);
    if (m) {
      last = m[1]!;
      out[last] = m[2]!.trim();
    } else if (last !== null && item.trim()) out[last] += `,${item.trim()}`;
  }
  return out;
}

export function createRealPhios(config: Config, log: Logger, o: RealBridgeOverrides = {}): PhiosBridge {
  const common = {
    connectTimeoutMs: o.connectTimeoutMs ?? secs(config['phios.connectTimeoutSeconds']),
    readTimeoutMs: o.readTimeoutMs ?? secs(config['phios.timeoutSeconds']),
    retries: o.retries ?? config['phios.retries'],
    retryBaseMs: config['integrations.retryBaseMs'],
  };
  if (config['phios.transport'] === 'http') return new PhiosHttpBridge({ ...common, baseUrl: config['phios.url'], apiKey: config['phios.apiKey'] });
  return new PhiosMcpStdioBridge({
    ...common,
    command: config['phios.command'],
    args: [...config['phios.args']],
    env: parseEnvPairs(config['phios.env']),
    log,
  });
}

export function createRealAgentception(config: Config, o: RealBridgeOverrides = {}): AgentceptionHttpBridge {
  return new AgentceptionHttpBridge({
    baseUrl: config['agentception.url'],
    apiKey: config['agentception.apiKey'],
    connectTimeoutMs: o.connectTimeoutMs ?? secs(config['agentception.connectTimeoutSeconds']),
    readTimeoutMs: o.readTimeoutMs ?? secs(config['agentception.timeoutSeconds']),
    retries: o.retries ?? config['agentception.retries'],
    retryBaseMs: config['integrations.retryBaseMs'],
  });
}

/** Both bridges are built even when a service is disabled: the loop decides whether to call them. Nothing
 * connects here — the PhiOS child starts on first use — so building is free. */
export function createRealBridges(config: Config, log: Logger, o: RealBridgeOverrides = {}): MissionBridges {
  const phios = createRealPhios(config, log, o);
  const agentception = createRealAgentception(config, o);
  return {
    phios,
    agentception,
    close: async () => {
      await Promise.all([phios.close(), agentception.close()]);
    },
  };
}
