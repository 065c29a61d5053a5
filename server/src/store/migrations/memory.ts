// Memory migrations (see the number ranges in ./index.ts).
import type { Migration } from './index';

export const memoryMigrations: readonly Migration[] = [];
