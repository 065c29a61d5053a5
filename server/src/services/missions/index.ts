// Missions area services and its background runtime.
import type { Implementation } from '../registry';
import type { AreaRuntime } from '../../runtime';

export const missionsServices: readonly Implementation[] = [];
export const missionsRuntime: AreaRuntime = { name: 'missions' };
