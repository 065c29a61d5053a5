import { ACTIONS_COMMAND_IDS } from '../actions/ids';
import { MEMORY_COMMAND_IDS } from '../memory/ids';
import { MISSIONS_COMMAND_IDS } from '../missions/ids';
import { CHAT_COMMAND_IDS } from '../chat/ids';
import { BRANCHSET_COMMAND_IDS } from '../branchset/ids';
import { RUNS_COMMAND_IDS } from '../runs/ids';

// Every system command the manifest contributes. test/unit/manifest.test.ts fails if package.json and this list drift;
// registerCommands() takes a Record over this list, so the compiler fails if one has no handler.
export const COMMAND_IDS = [
  'agentora.showSystemDoctor',
  'agentora.runBootstrap',
  'agentora.restartServer',
  'agentora.showLogs',
  'agentora.showServerStatus',
  'agentora.openStudioInBrowser',
  'agentora.setSecret',
] as const;
export type CommandId = (typeof COMMAND_IDS)[number];

/** System commands plus every area's (each area registers its own in its activate()). */
export const ALL_COMMAND_IDS: readonly string[] = [
  ...COMMAND_IDS,
  ...ACTIONS_COMMAND_IDS,
  ...MEMORY_COMMAND_IDS,
  ...MISSIONS_COMMAND_IDS,
  ...CHAT_COMMAND_IDS,
  ...BRANCHSET_COMMAND_IDS,
  ...RUNS_COMMAND_IDS,
];
