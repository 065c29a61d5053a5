// Every command the manifest contributes. test/unit/manifest.test.ts fails if package.json and this list drift;
// registerCommands() takes a Record over this list, so the compiler fails if one has no handler.
export const COMMAND_IDS = [
  'agentora.showSystemDoctor',
  'agentora.runBootstrap',
  'agentora.restartServer',
  'agentora.showLogs',
  'agentora.showServerStatus',
  'agentora.openStudioInBrowser',
] as const;
export type CommandId = (typeof COMMAND_IDS)[number];
