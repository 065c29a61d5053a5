// Missions migrations (see the number ranges in ./index.ts).
import type { Migration } from './index';

export const missionsMigrations: readonly Migration[] = [];
