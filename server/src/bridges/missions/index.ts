// Picks the mission bridges for the current config: mock (AGENTORA_INTEGRATIONS_MOCK=true, the default) or the
// real transports (PhiOS mcp-stdio / http, AgentCeption http).
import type { Config } from '../../config';
import type { Logger } from '../../log';
import { createMockBridges } from './mock';
import { createRealBridges } from './real';
import type { MissionBridges } from './types';

export * from './types';

export function createMissionBridges(config: Config, log: Logger): MissionBridges {
  return config['integrations.mock'] ? createMockBridges(config) : createRealBridges(config, log);
}
