// The real transports: PhiOS over mcp-stdio or http, AgentCeption over http (filled in by the bridges work).
import type { Config } from '../../config';
import type { Logger } from '../../log';
import type { MissionBridges } from './types';

export function createRealBridges(_config: Config, _log: Logger): MissionBridges {
  throw new Error('real mission bridges: not implemented yet');
}
