// Every method and notification of the contract, in one list each. Adding an area: write `<area>.ts` beside
// this file and add its arrays here — the three transports pick the new methods up from these lists.
import type { AnyMethod, AnyNotification } from './define';
import { systemMethods, systemNotifications } from './system';
import { modelMethods } from './models';
import { actionsMethods, actionsNotifications } from './actions';
import { memoryMethods, memoryNotifications } from './memory';
import { missionsMethods, missionsNotifications } from './missions';
import { chatMethods, chatNotifications } from './chat';
import { modelAdminMethods, modelAdminNotifications } from './modelAdmin';
import { missionsObservabilityMethods, missionsObservabilityNotifications } from './missionsObservability';
import { missionsExchangeMethods } from './missionsExchange';
import { missionsLineageMethods } from './missionsLineage';
import { missionsBranchSetMethods, missionsBranchSetNotifications } from './missionsBranchSets';
import { missionsPortfolioMethods } from './missionsPortfolio';
import { missionsPersonaMethods } from './missionsPersonas';
import { missionsAuditMethods, missionsAuditNotifications } from './missionsAudit';
import { missionsPatternMethods } from './missionsPatterns';
import { credentialsMethods } from './credentials';
import { agentsMethods } from './agents';
import { planMethods, teamsMethods } from './teams';
import { runsMethods } from './runs';
import { workersMethods, workersNotifications } from './workers';
import { workersActionsMethods } from './workersActions';
import { runsNotifications } from './runsLive';
import { runsReportMethods } from './runsReports';
import { runsAttachmentMethods } from './runsAttachments';
import { workflowsMethods, workflowsNotifications } from './workflows';
import { operatorMethods } from './operator';

export * from './define';
export * from './errors';
export * as system from './system';
export * as models from './models';
export * as actions from './actions';
export * as memory from './memory';
export * as missions from './missions';
export * as chat from './chat';
export * as modelAdmin from './modelAdmin';
export * as missionsObservability from './missionsObservability';
export * as missionsExchange from './missionsExchange';
export * as missionsLineage from './missionsLineage';
export * as missionsBranchSets from './missionsBranchSets';
export * as missionsPortfolio from './missionsPortfolio';
export * as missionsPersonas from './missionsPersonas';
export * as missionsAudit from './missionsAudit';
export * as missionsPatterns from './missionsPatterns';
export * as credentials from './credentials';
export * as agents from './agents';
export * as teams from './teams';
export * as runs from './runs';
export * as workers from './workers';
export * as workersActions from './workersActions';
export * as runsReports from './runsReports';
export * as runsAttachments from './runsAttachments';
export * as runsLive from './runsLive';
export * as workflows from './workflows';
export * as operator from './operator';

export const allMethods: readonly AnyMethod[] = [
  ...systemMethods,
  ...modelMethods,
  ...actionsMethods,
  ...memoryMethods,
  ...missionsMethods,
  ...missionsObservabilityMethods,
  ...missionsExchangeMethods,
  ...missionsLineageMethods,
  ...missionsBranchSetMethods,
  ...missionsPortfolioMethods,
  ...missionsPersonaMethods,
  ...missionsAuditMethods,
  ...missionsPatternMethods,
  ...chatMethods,
  ...modelAdminMethods,
  ...credentialsMethods,
  ...agentsMethods,
  ...teamsMethods,
  ...planMethods,
  ...runsMethods,
  ...workersMethods,
  ...workersActionsMethods,
  ...runsReportMethods,
  ...runsAttachmentMethods,
  ...workflowsMethods,
  ...operatorMethods,
];
export const allNotifications: readonly AnyNotification[] = [
  ...systemNotifications,
  ...actionsNotifications,
  ...memoryNotifications,
  ...missionsNotifications,
  ...missionsObservabilityNotifications,
  ...chatNotifications,
  ...modelAdminNotifications,
  ...workersNotifications,
  ...missionsBranchSetNotifications,
  ...missionsAuditNotifications,
  ...runsNotifications,
  ...workflowsNotifications,
];
