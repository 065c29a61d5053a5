// Mock PhiOS + AgentCeption: deterministic, no process, no network (filled in by the missions work).
import type { Config } from '../../config';
import type { MissionBridges } from './types';

export function createMockBridges(_config: Config): MissionBridges {
  throw new Error('mock mission bridges: not implemented yet');
}
