// Every implemented operation and every background runtime. Adding an area: `services/<area>/index.ts` exports
// its implementations and runtime; list them here.
import type { AreaRuntime } from '../runtime';
import type { Implementation } from './registry';
import { actionsRuntime, actionsServices } from './actions';
import { chatRuntime, chatServices } from './chat';
import { memoryRuntime, memoryServices } from './memory';
import { missionsRuntime, missionsServices } from './missions';
import { missionsObservabilityServices, missionsRetentionRuntime } from './missions/observability';
import { missionsLineageServices } from './missions/lineage';
import { missionsPortfolioServices } from './missions/portfolio';
import { missionsPersonaServices } from './missions/personas';
import { modelServices } from './models';
import { systemServices } from './system';
import { credentialsServices } from './credentials';
import { teamsServices } from './teams';
import { runsRuntime, runsServices } from './teams/runs';
import { workersActionsServices, workersRuntime, workersServices } from './workers';
import { runsReportServices } from './teams/reports';
import { attachmentServices } from './teams/attachments';
import { workflowsRuntime, workflowsServices } from './workflows';

export const allServices: readonly Implementation[] = [
  ...systemServices,
  ...modelServices,
  ...actionsServices,
  ...memoryServices,
  ...missionsServices,
  ...missionsObservabilityServices,
  ...missionsLineageServices,
  ...missionsPortfolioServices,
  ...missionsPersonaServices,
  ...chatServices,
  ...credentialsServices,
  ...teamsServices,
  ...runsServices,
  ...workersServices,
  ...workersActionsServices,
  ...runsReportServices,
  ...attachmentServices,
  ...workflowsServices,
];
export const allRuntimes: readonly AreaRuntime[] = [
  actionsRuntime,
  memoryRuntime,
  missionsRuntime,
  missionsRetentionRuntime,
  chatRuntime,
  runsRuntime,
  workersRuntime,
  workflowsRuntime,
];
