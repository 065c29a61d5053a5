// Actions area contract.
import type { AnyMethod, AnyNotification } from './define';

export const actionsMethods: readonly AnyMethod[] = [];
export const actionsNotifications: readonly AnyNotification[] = [];
