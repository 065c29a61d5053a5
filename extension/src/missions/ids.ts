// Commands the Missions area contributes (no vscode import: the manifest test reads this list).
export const MISSIONS_COMMANDS = [
  { command: 'agentora.missions.prepare', title: 'Prepare Mission' },
  { command: 'agentora.missions.launch', title: 'Launch Mission' },
  { command: 'agentora.missions.refresh', title: 'Refresh Mission' },
  { command: 'agentora.missions.writeback', title: 'Write Back Mission' },
  { command: 'agentora.missions.open', title: 'Open Mission' },
  { command: 'agentora.missions.compare', title: 'Compare Missions' },
] as const;

export const MISSIONS_COMMAND_IDS = MISSIONS_COMMANDS.map((c) => c.command);
export type MissionsCommandId = (typeof MISSIONS_COMMANDS)[number]['command'];
