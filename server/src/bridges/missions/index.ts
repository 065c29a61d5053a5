// Picks the mission bridges for the current config: mock (AGENTORA_INTEGRATIONS_MOCK=true, the default) or, per
// enabled service, the real transports (PhiOS mcp-stdio / http, AgentCeption http) — see disabled.ts for the rest.
import type { Config } from '../../config';
import type { Logger } from '../../log';
import { createMockBridges } from './mock';
import { createDisabledAgentception, createLocalPhios } from './disabled';
import { createRealAgentception, createRealPhios } from './real';
import type { MissionBridges } from './types';

export * from './types';

export function createMissionBridges(config: Config, log: Logger): MissionBridges {
  if (config['integrations.mock']) return createMockBridges(config);
  // Real mode: each service only when it is enabled (AgentCeption without PhiOS is a normal setup).
  const phios = config['phios.enabled'] ? createRealPhios(config, log) : createLocalPhios();
  const agentception = config['agentception.enabled'] ? createRealAgentception(config) : createDisabledAgentception();
  return {
    phios,
    agentception,
    close: async () => {
      await Promise.all([phios.close(), 'close' in agentception && typeof agentception.close === 'function' ? agentception.close() : undefined]);
    },
  };
}
