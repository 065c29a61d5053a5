// Missions area contract.
import type { AnyMethod, AnyNotification } from './define';

export const missionsMethods: readonly AnyMethod[] = [];
export const missionsNotifications: readonly AnyNotification[] = [];
