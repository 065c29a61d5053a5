// Memory area contract.
import type { AnyMethod, AnyNotification } from './define';

export const memoryMethods: readonly AnyMethod[] = [];
export const memoryNotifications: readonly AnyNotification[] = [];
