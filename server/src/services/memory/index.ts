// Memory area services and its background runtime.
import type { Implementation } from '../registry';
import type { AreaRuntime } from '../../runtime';

export const memoryServices: readonly Implementation[] = [];
export const memoryRuntime: AreaRuntime = { name: 'memory' };
