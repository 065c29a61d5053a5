// Numbered migrations, in code. Areas own number ranges so they never collide:
//   1–9 core/system · 10–19 actions · 20–29 memory · 30–49 missions · 50–59 chat/runs · 60–69 workflows · 70–79 workers
// A migration never changes after it has shipped: add a new one instead.
import type Database from 'better-sqlite3';
import { core001 } from './001_core';
import { coreSecurityMigrations } from './core_security';
import { actionsMigrations } from './actions';
import { memoryMigrations } from './memory';
import { missionsMigrations } from './missions';
import { chatMigrations } from './chat';
import { missionsAnalyticsMigrations } from './missionsAnalytics';
import { teamsMigrations } from './teams';
import { workersMigrations } from './workers';
import { missionsBranchSetMigrations } from './missionsBranchSet';
import { workflowsMigrations } from './workflows';
import { missionsPersonasMigrations } from './missionsPersonas';
import { missionsRetentionMigrations } from './missionsRetention';

export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

export const migrations: readonly Migration[] = [
  core001,
  ...coreSecurityMigrations,
  ...actionsMigrations,
  ...memoryMigrations,
  ...missionsMigrations,
  ...missionsAnalyticsMigrations,
  ...chatMigrations,
  ...teamsMigrations,
  ...workersMigrations,
  ...missionsBranchSetMigrations,
  ...workflowsMigrations,
  ...missionsPersonasMigrations,
  ...missionsRetentionMigrations,
].sort((a, b) => a.version - b.version);
