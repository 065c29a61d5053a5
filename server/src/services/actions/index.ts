// Actions area services and its background runtime.
import type { Implementation } from '../registry';
import type { AreaRuntime } from '../../runtime';

export const actionsServices: readonly Implementation[] = [];
export const actionsRuntime: AreaRuntime = { name: 'actions' };
